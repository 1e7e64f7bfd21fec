/*
 * Shell commands over the block layer: lsblk, blkread, blkhash, blkwrite
 * and blkbench. Sequential reads keep two requests in flight, so the disk
 * is busy with one chunk while the command hashes the other. A failed
 * chunk is read again block by block to name the first bad LBA.
 */
#include "blk.h"
#include "kstring.h"
#include "ktime.h"
#include "printk.h"
#include "sha256.h"
#include "shell.h"

#define BLK_CMD_TIMEOUT_NS (30 * NSEC_PER_SEC)
#define BLK_HEX_ROW 16

static struct blk_disk *open_disk(const char *cmd, const char *name)
{
	struct blk_disk *d = blk_disk_find(name);

	if (!d)
		kprintf("%s: no disk %s (lsblk lists them)\n", cmd, name);
	return d;
}

static bool parse_u64(const char *cmd, const char *what, const char *s, uint64_t *out)
{
	if (kstrtou64(s, out))
		return true;
	kprintf("%s: bad %s '%s'\n", cmd, what, s);
	return false;
}

/* --- lsblk ------------------------------------------------------------------ */
static void human_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "BKMGTPE";
	unsigned u = 0;
	uint64_t scaled10 = bytes * 10;

	while (bytes >= 1024 && u < 6) {
		scaled10 = bytes * 10 / 1024;
		bytes /= 1024;
		u++;
	}
	if (u > 0 && scaled10 % 10 && scaled10 < 100)
		ksnprintf(buf, len, "%llu.%llu%c", (unsigned long long)(scaled10 / 10),
			  (unsigned long long)(scaled10 % 10), units[u]);
	else
		ksnprintf(buf, len, "%llu%c", (unsigned long long)bytes, units[u]);
}

static int cmd_lsblk(int argc, char **argv)
{
	bool bytes = argc > 1 && strcmp(argv[1], "-b") == 0;
	struct blk_disk *d;
	char size[24];

	kprintf("NAME %12s RO TYPE TRAN VENDOR   MODEL\n", "SIZE");
	blk_for_each_disk(d) {
		uint64_t total = d->blocks * d->block_size;
		if (bytes)
			ksnprintf(size, sizeof(size), "%llu", (unsigned long long)total);
		else
			human_size(total, size, sizeof(size));
		kprintf("%-4s %12s %2d disk %-4s %-8s %s\n", d->name, size, d->read_only,
			d->tran, d->vendor, d->model);
	}
	return 0;
}

/* --- blkread ---------------------------------------------------------------- */
static void hex_row(uint64_t off, const uint8_t *p)
{
	kprintf("%08llx ", (unsigned long long)off);
	for (int i = 0; i < BLK_HEX_ROW; i++)
		kprintf("%s %02x", i == 8 ? " " : "", p[i]);
	kprintf("  |");
	for (int i = 0; i < BLK_HEX_ROW; i++)
		kprintf("%c", p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.');
	kprintf("|\n");
}

/* hexdump -C: offsets from the start of the disk, repeated rows as '*'. */
static void hexdump(uint64_t base, const uint8_t *p, size_t len)
{
	bool starred = false;

	for (size_t off = 0; off < len; off += BLK_HEX_ROW) {
		if (off > 0 && memcmp(p + off, p + off - BLK_HEX_ROW, BLK_HEX_ROW) == 0) {
			if (!starred)
				kprintf("*\n");
			starred = true;
			continue;
		}
		starred = false;
		hex_row(base + off, p + off);
	}
	kprintf("%08llx\n", (unsigned long long)(base + len));
}

static int read_range(const char *cmd, struct blk_disk *d, uint64_t lba, uint64_t count)
{
	size_t bytes = d->max_blocks * (size_t)d->block_size;
	dma_addr_t dma;
	uint8_t *buf = blk_buffer_alloc(bytes, &dma);
	int rc = 0;

	if (!buf) {
		kprintf("%s: out of memory\n", cmd);
		return 1;
	}
	while (count > 0 && rc == 0) {
		uint32_t n = (uint32_t)MIN(count, (uint64_t)d->max_blocks);
		struct blk_sense sense;
		rc = blk_io_sync(d, BLK_READ, lba, n, buf, dma, BLK_CMD_TIMEOUT_NS, &sense);
		if (rc)
			blk_print_error(d, BLK_READ, lba, rc, &sense);
		else
			hexdump(lba * d->block_size, buf, (size_t)n * d->block_size);
		lba += n;
		count -= n;
	}
	if (rc != BLK_ETIMEDOUT)
		blk_buffer_free(buf, bytes);
	return rc ? 1 : 0;
}

static int cmd_blkread(int argc, char **argv)
{
	struct blk_disk *d;
	uint64_t lba, count = 1;
	int rc;

	if (argc < 3 || argc > 4) {
		kprintf("usage: blkread DEV LBA [COUNT]\n");
		return 1;
	}
	if (!parse_u64(argv[0], "LBA", argv[2], &lba) ||
	    (argc == 4 && !parse_u64(argv[0], "COUNT", argv[3], &count)))
		return 1;
	if (!(d = open_disk(argv[0], argv[1])))
		return 1;
	if (lba >= d->blocks || count > d->blocks - lba || count == 0) {
		kprintf("blkread: LBA %llu+%llu outside %s (%llu blocks)\n",
			(unsigned long long)lba, (unsigned long long)count, d->name,
			(unsigned long long)d->blocks);
		rc = 1;
	} else {
		rc = read_range(argv[0], d, lba, count);
	}
	blk_disk_put(d);
	return rc;
}

/* --- streaming reads (blkhash, blkbench) ------------------------------------ */
struct stream_slot {
	struct blk_request r;
	void *buf;
	dma_addr_t dma;
	bool busy, done;
};

struct stream {
	struct blk_disk *d;
	uint64_t next, end;       /* LBAs still to submit */
	uint32_t chunk;           /* blocks per request */
	struct stream_slot slot[2];
};

static void slot_done(struct blk_request *r)
{
	struct stream_slot *s = r->ctx;
	s->done = true;
}

static void stream_submit(struct stream *st, struct stream_slot *s)
{
	uint32_t n = (uint32_t)MIN((uint64_t)st->chunk, st->end - st->next);
	int rc;

	s->r = (struct blk_request){ .disk = st->d, .op = BLK_READ, .lba = st->next, .count = n,
				     .buf = s->buf, .dma = s->dma,
				     .timeout_ns = BLK_CMD_TIMEOUT_NS, .done = slot_done,
				     .ctx = s };
	s->done = false;
	s->busy = true;
	st->next += n;
	rc = blk_submit(&s->r);
	if (rc) {
		s->r.status = rc;
		s->done = true;
	}
}

static bool stream_open(struct stream *st, struct blk_disk *d, uint64_t lba, uint64_t count,
			uint32_t chunk)
{
	*st = (struct stream){ .d = d, .next = lba, .end = lba + count, .chunk = chunk };
	for (int i = 0; i < 2; i++)
		if (!(st->slot[i].buf = blk_buffer_alloc((size_t)chunk * d->block_size,
							 &st->slot[i].dma)))
			return false;
	return true;
}

/* Waits for what is still in flight, then frees the buffers (kept if the
 * driver never answered: it may still write into them). */
static void stream_close(struct stream *st)
{
	for (int i = 0; i < 2; i++) {
		struct stream_slot *s = &st->slot[i];
		if (s->busy && !blk_wait_flag(&s->done, BLK_CMD_TIMEOUT_NS)) {
			kprintf("%s: request never ended; its buffer is leaked\n", st->d->name);
			continue;
		}
		blk_buffer_free(s->buf, (size_t)st->chunk * st->d->block_size);
	}
}

/* Names the first unreadable block of a failed chunk. */
static void report_bad_block(struct blk_disk *d, const struct blk_request *failed, void *buf,
			     dma_addr_t dma)
{
	struct blk_sense sense = failed->sense;
	uint64_t lba = failed->lba;
	int rc = failed->status;

	if (rc == BLK_EIO && !(sense.valid && sense.info_valid))
		for (uint64_t b = failed->lba; b < failed->lba + failed->count; b++) {
			rc = blk_io_sync(d, BLK_READ, b, 1, buf, dma, BLK_CMD_TIMEOUT_NS, &sense);
			lba = b;
			if (rc)
				break;
		}
	if (rc == 0) { /* the chunk failed, every block alone reads */
		rc = failed->status;
		sense = failed->sense;
		lba = failed->lba;
	}
	blk_print_error(d, BLK_READ, lba, rc, &sense);
}

/* Reads [lba, lba+count) in order; consume (if any) sees each chunk.
 * Returns 0 or the first error (already printed). */
static int stream_read(struct blk_disk *d, uint64_t lba, uint64_t count, uint32_t chunk,
		       void (*consume)(void *ctx, const void *data, size_t len), void *ctx)
{
	struct stream st;
	int rc = 0;

	if (!stream_open(&st, d, lba, count, chunk)) {
		kprintf("%s: out of memory for %u-block buffers\n", d->name, chunk);
		stream_close(&st);
		return BLK_ENOMEM;
	}
	for (int i = 0; i < 2 && st.next < st.end; i++)
		stream_submit(&st, &st.slot[i]);
	for (int i = 0; st.slot[i].busy; i ^= 1) {
		struct stream_slot *s = &st.slot[i];
		if (!blk_wait_flag(&s->done, BLK_CMD_TIMEOUT_NS + NSEC_PER_SEC)) {
			kprintf("%s: read at LBA %llu never ended\n", d->name,
				(unsigned long long)s->r.lba);
			rc = BLK_ETIMEDOUT;
			break;
		}
		s->busy = false;
		if ((rc = s->r.status)) {
			report_bad_block(d, &s->r, s->buf, s->dma);
			break;
		}
		if (consume)
			consume(ctx, s->buf, (size_t)s->r.count * d->block_size);
		if (st.next < st.end)
			stream_submit(&st, s);
	}
	stream_close(&st);
	return rc;
}

static void print_rate(const char *what, uint64_t bytes, uint64_t ns)
{
	uint64_t kbps = ns ? bytes * 1000000ull / ns : 0; /* KB/s, 1 KB = 1000 B */

	kprintf("%s%llu bytes in %llu ms, %llu.%02llu MB/s\n", what, (unsigned long long)bytes,
		(unsigned long long)(ns / NSEC_PER_MSEC), (unsigned long long)(kbps / 1000),
		(unsigned long long)(kbps % 1000 / 10));
}

/* Parses "DEV [LBA COUNT]" into a range of the disk. */
static struct blk_disk *open_range(int argc, char **argv, uint64_t *lba, uint64_t *count)
{
	struct blk_disk *d = open_disk(argv[0], argv[1]);

	if (!d)
		return NULL;
	*lba = 0;
	*count = d->blocks;
	if (argc == 4 && (!parse_u64(argv[0], "LBA", argv[2], lba) ||
			  !parse_u64(argv[0], "COUNT", argv[3], count))) {
		blk_disk_put(d);
		return NULL;
	}
	if (*lba >= d->blocks || *count == 0 || *count > d->blocks - *lba) {
		kprintf("%s: range outside %s (%llu blocks)\n", argv[0], d->name,
			(unsigned long long)d->blocks);
		blk_disk_put(d);
		return NULL;
	}
	return d;
}

static void hash_chunk(void *ctx, const void *data, size_t len)
{
	sha256_update(ctx, data, len);
}

static int cmd_blkhash(int argc, char **argv)
{
	struct blk_disk *d;
	struct sha256 sha;
	uint8_t digest[SHA256_DIGEST_LEN];
	char hex[65];
	uint64_t lba, count, t0;
	int rc;

	if (argc != 2 && argc != 4) {
		kprintf("usage: blkhash DEV [LBA COUNT]\n");
		return 1;
	}
	if (!(d = open_range(argc, argv, &lba, &count)))
		return 1;
	sha256_init(&sha);
	t0 = ktime_ns();
	rc = stream_read(d, lba, count, d->max_blocks, hash_chunk, &sha);
	if (rc == 0) {
		uint64_t ns = ktime_ns() - t0;
		sha256_final(&sha, digest);
		sha256_hex(digest, hex);
		kprintf("%s  %s\n", hex, d->name);
		print_rate("", count * d->block_size, ns);
	}
	blk_disk_put(d);
	return rc ? 1 : 0;
}

/* --- blkwrite, blkbench -------------------------------------------------------- */
/* The pattern a host can check: the little-endian word at byte 8k of the
 * disk holds k ^ seed. */
static void fill_pattern(uint64_t *words, uint64_t first_word, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++)
		words[i] = (first_word + i) ^ seed;
}

/* Writes [lba, lba+count) in chunks of chunk blocks; pattern or whatever
 * the buffer holds. Returns 0 or the error (printed). */
static int write_range(struct blk_disk *d, uint64_t lba, uint64_t count, uint32_t chunk,
		       const uint64_t *seed)
{
	size_t bytes = (size_t)chunk * d->block_size;
	dma_addr_t dma;
	void *buf = blk_buffer_alloc(bytes, &dma);
	int rc = 0;

	if (!buf) {
		kprintf("%s: out of memory for a %zu-byte buffer\n", d->name, bytes);
		return BLK_ENOMEM;
	}
	memset(buf, 0, bytes);
	while (count > 0 && rc == 0) {
		uint32_t n = (uint32_t)MIN(count, (uint64_t)chunk);
		struct blk_sense sense;
		if (seed)
			fill_pattern(buf, lba * d->block_size / 8, (size_t)n * d->block_size / 8,
				     *seed);
		rc = blk_io_sync(d, BLK_WRITE, lba, n, buf, dma, BLK_CMD_TIMEOUT_NS, &sense);
		if (rc)
			blk_print_error(d, BLK_WRITE, lba, rc, &sense);
		lba += n;
		count -= n;
	}
	if (rc != BLK_ETIMEDOUT)
		blk_buffer_free(buf, bytes);
	return rc;
}

static int flush(struct blk_disk *d)
{
	struct blk_sense sense;
	int rc = blk_io_sync(d, BLK_FLUSH, 0, 0, NULL, 0, BLK_CMD_TIMEOUT_NS, &sense);

	if (rc)
		blk_print_error(d, BLK_FLUSH, 0, rc, &sense);
	return rc;
}

static int cmd_blkwrite(int argc, char **argv)
{
	struct blk_disk *d;
	uint64_t lba, count, seed, t0;
	int rc;

	if (argc != 5) {
		kprintf("usage: blkwrite DEV LBA COUNT SEED\n");
		return 1;
	}
	if (!parse_u64(argv[0], "SEED", argv[4], &seed) ||
	    !(d = open_range(4, argv, &lba, &count)))
		return 1;
	if (d->read_only) {
		kprintf("blkwrite: %s is write-protected\n", d->name);
		blk_disk_put(d);
		return 1;
	}
	t0 = ktime_ns();
	rc = write_range(d, lba, count, d->max_blocks, &seed);
	if (rc == 0)
		rc = flush(d);
	if (rc == 0)
		print_rate("wrote ", count * d->block_size, ktime_ns() - t0);
	blk_disk_put(d);
	return rc ? 1 : 0;
}

static const uint32_t bench_kib[] = { 16, 64, 128, 256, 512, 1024, 4096 };

static int bench_one(struct blk_disk *d, bool write, uint64_t lba, uint64_t blocks,
		     uint32_t chunk)
{
	char what[32];
	uint64_t t0 = ktime_ns();
	int rc = write ? write_range(d, lba, blocks, chunk, NULL)
		       : stream_read(d, lba, blocks, chunk, NULL, NULL);

	if (rc == 0 && write)
		rc = flush(d);
	if (rc == 0) {
		ksnprintf(what, sizeof(what), "%s %5u KiB: ", write ? "write" : "read ",
			  chunk * d->block_size / 1024);
		print_rate(what, blocks * d->block_size, ktime_ns() - t0);
	}
	return rc;
}

/* blkbench DEV [MiB] | blkbench -w DEV LBA MiB */
static int cmd_blkbench(int argc, char **argv)
{
	bool write = argc > 1 && strcmp(argv[1], "-w") == 0;
	uint64_t mib = 16, lba = 0;
	struct blk_disk *d;
	int rc = 0;

	if (write ? argc != 5 : (argc < 2 || argc > 3)) {
		kprintf("usage: blkbench DEV [MiB] | blkbench -w DEV LBA MiB\n");
		return 1;
	}
	if ((write && (!parse_u64(argv[0], "LBA", argv[3], &lba) ||
		       !parse_u64(argv[0], "MiB", argv[4], &mib))) ||
	    (!write && argc == 3 && !parse_u64(argv[0], "MiB", argv[2], &mib)))
		return 1;
	if (!(d = open_disk(argv[0], argv[write ? 2 : 1])))
		return 1;
	uint64_t blocks = mib * MiB / d->block_size;
	if (lba >= d->blocks || blocks == 0 || blocks > d->blocks - lba) {
		kprintf("blkbench: %llu MiB at LBA %llu does not fit %s\n", (unsigned long long)mib,
			(unsigned long long)lba, d->name);
		rc = BLK_EINVAL;
	} else if (write && d->read_only) {
		kprintf("blkbench: %s is write-protected\n", d->name);
		rc = BLK_EROFS;
	}
	for (size_t i = 0; rc == 0 && i < sizeof(bench_kib) / sizeof(bench_kib[0]); i++) {
		uint32_t chunk = (uint32_t)(bench_kib[i] * KiB / d->block_size);
		if (chunk >= 1 && chunk <= d->max_blocks)
			rc = bench_one(d, write, lba, blocks, chunk);
	}
	blk_disk_put(d);
	return rc ? 1 : 0;
}

SHELL_COMMAND(lsblk, "lsblk", "lsblk [-b]", "list block devices (-b: size in bytes)",
	      cmd_lsblk);
SHELL_COMMAND(blkread, "blkread", "blkread DEV LBA [COUNT]",
	      "hexdump -C of COUNT blocks (default 1) from LBA", cmd_blkread);
SHELL_COMMAND(blkhash, "blkhash", "blkhash DEV [LBA COUNT]",
	      "SHA-256 of a disk or range, like sha256sum, and the read rate", cmd_blkhash);
SHELL_COMMAND(blkwrite, "blkwrite", "blkwrite DEV LBA COUNT SEED",
	      "write a checkable pattern: the LE word at disk byte 8k holds k XOR SEED",
	      cmd_blkwrite);
SHELL_COMMAND(blkbench, "blkbench", "blkbench DEV [MiB] | blkbench -w DEV LBA MiB",
	      "sequential read (or write of a named range) in MB/s for several sizes",
	      cmd_blkbench);

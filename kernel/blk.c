/*
 * The block layer (include/blk.h): the disk list and its names, range
 * checks in front of the drivers, and the synchronous helper shell
 * commands use. Drivers own queuing and timeouts; this file only refuses
 * what no driver should see (a request past the end, a write to a
 * read-only disk, a disk already gone). I/O buffers are in blk_buffer.c,
 * so host tests link this file without the page allocator.
 */
#include "arch.h"
#include "blk.h"
#include "kstring.h"
#include "ktime.h"
#include "mm.h"
#include "printk.h"
#include "work.h"

#define BLK_MAX_DISKS 26
#define BLK_SYNC_MARGIN_NS (2 * NSEC_PER_SEC)

static struct list_node disks = LIST_HEAD_INIT(disks);

struct list_node *blk_disks(void) { return &disks; }

struct blk_disk *blk_disk_alloc(void)
{
	struct blk_disk *d = kzalloc(sizeof(*d));

	if (d) {
		d->refs = 1;
		list_node_init(&d->node);
	}
	return d;
}

static bool letter_used(char letter)
{
	struct blk_disk *d;

	blk_for_each_disk(d)
		if (d->name[2] == letter)
			return true;
	return false;
}

/* Lists d before the first disk with a later name: the list stays sorted. */
static void insert_sorted(struct blk_disk *d)
{
	struct blk_disk *o;

	blk_for_each_disk(o)
		if (strcmp(o->name, d->name) > 0) {
			list_insert_between(&d->node, o->node.prev, &o->node);
			return;
		}
	list_push_back(&disks, &d->node);
}

int blk_disk_register(struct blk_disk *d)
{
	for (char c = 'a'; c < 'a' + BLK_MAX_DISKS; c++) {
		if (letter_used(c))
			continue;
		ksnprintf(d->name, sizeof(d->name), "sd%c", c);
		insert_sorted(d);
		return 0;
	}
	pr_err("blk: %d disks already; not adding another\n", BLK_MAX_DISKS);
	return BLK_ENOMEM;
}

void blk_disk_remove(struct blk_disk *d)
{
	d->gone = true;
	if (list_node_linked(&d->node))
		list_remove(&d->node);
	blk_disk_put(d);
}

void blk_disk_put(struct blk_disk *d)
{
	if (--d->refs == 0)
		kfree(d);
}

struct blk_disk *blk_disk_find(const char *name)
{
	struct blk_disk *d;

	blk_for_each_disk(d)
		if (strcmp(d->name, name) == 0) {
			blk_disk_get(d);
			return d;
		}
	return NULL;
}

static int check_request(const struct blk_request *r)
{
	const struct blk_disk *d = r->disk;

	if (d->gone)
		return BLK_ENODEV;
	if (r->op == BLK_FLUSH)
		return 0;
	if (!r->buf || r->count == 0 || r->count > d->max_blocks || r->lba >= d->blocks ||
	    r->count > d->blocks - r->lba)
		return BLK_EINVAL;
	if (r->op == BLK_WRITE && d->read_only)
		return BLK_EROFS;
	return 0;
}

int blk_submit(struct blk_request *r)
{
	int rc = check_request(r);

	r->status = 0;
	r->sense = (struct blk_sense){ 0 };
	return rc ? rc : r->disk->ops->submit(r->disk, r);
}

void blk_complete(struct blk_request *r, int status)
{
	r->status = status;
	r->done(r);
}

/* --- synchronous helper ------------------------------------------------- */
struct sync_req {
	struct blk_request r;
	bool finished, abandoned;
};

static void sync_done(struct blk_request *r)
{
	struct sync_req *s = container_of(r, struct sync_req, r);

	s->finished = true;
	if (s->abandoned)
		kfree(s);
}

bool blk_wait_flag(const bool *flag, uint64_t timeout_ns)
{
	uint64_t deadline = ktime_ns() + timeout_ns;

	while (!*flag) {
		if (ktime_ns() >= deadline)
			return *flag;
		if (work_run_pending() == 0 && work_next_due_ns() > 0)
			arch_idle();
	}
	return true;
}

int blk_io_sync(struct blk_disk *d, enum blk_op op, uint64_t lba, uint32_t count,
		void *buf, dma_addr_t dma, uint64_t timeout_ns, struct blk_sense *sense)
{
	struct sync_req *s = kzalloc(sizeof(*s));
	int rc;

	if (!s)
		return BLK_ENOMEM;
	s->r = (struct blk_request){ .disk = d, .op = op, .lba = lba, .count = count,
				     .buf = buf, .dma = dma, .timeout_ns = timeout_ns,
				     .done = sync_done };
	rc = blk_submit(&s->r);
	if (rc == 0 && !blk_wait_flag(&s->finished, timeout_ns + BLK_SYNC_MARGIN_NS)) {
		pr_err("%s: driver did not end a request in time\n", d->name);
		s->abandoned = true; /* the driver still holds it */
		return BLK_ETIMEDOUT;
	}
	if (rc == 0)
		rc = s->r.status;
	if (sense)
		*sense = s->r.sense;
	kfree(s);
	return rc;
}

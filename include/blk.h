/*
 * The block layer: disks registered by name (sda, sdb, ... lowest free
 * letter first, so attach order on a fresh boot), asynchronous requests
 * that complete through a callback, and the errors a caller prints (disk,
 * LBA, SCSI sense). It sits beside the USB core: a disk driver (USB
 * storage today) fills a struct blk_disk and serves its ops; the block
 * layer calls nothing in usb/. A disk that goes away is unlisted at once;
 * its struct lives until the last holder lets go, and its driver ends
 * every request it still had with BLK_ENODEV once the hardware can no
 * longer touch the request's buffer.
 */
#ifndef TERN_BLK_H
#define TERN_BLK_H

#include "list.h"
#include "types.h"

enum blk_op { BLK_READ, BLK_WRITE, BLK_FLUSH };

/* Request status (0 = done). */
#define BLK_EIO (-1)       /* the device reported an error; see sense */
#define BLK_ENODEV (-2)    /* the disk went away */
#define BLK_ETIMEDOUT (-3) /* no answer within the request's time */
#define BLK_EROFS (-4)     /* write-protected */
#define BLK_EINVAL (-5)    /* outside the disk, too long, or no buffer */
#define BLK_ENOMEM (-6)
#define BLK_EPROTO (-7)    /* transport failure (bad status wrapper, reset) */

/* Fixed-format sense data as far as callers need it (SPC-4 4.5.3). */
struct blk_sense {
	bool valid;
	uint8_t key, asc, ascq;
	bool info_valid;
	uint64_t info; /* the failing LBA for a medium error */
};

struct blk_disk;

struct blk_request {
	struct blk_disk *disk;
	enum blk_op op;
	uint64_t lba;
	uint32_t count;         /* blocks */
	void *buf;              /* count * block_size bytes, from blk_buffer_alloc */
	dma_addr_t dma;
	uint64_t timeout_ns;    /* 0: the driver's default */
	/* Set before done runs: */
	int status;
	struct blk_sense sense;
	void (*done)(struct blk_request *r); /* work context, exactly once */
	void *ctx;
	struct list_node node;  /* the driver's queue while it holds the request */
};

struct blk_disk_ops {
	/* Takes r; 0 = done will run, negative = refused now (done will not). */
	int (*submit)(struct blk_disk *d, struct blk_request *r);
};

struct blk_disk {
	char name[8];             /* "sda" */
	uint64_t blocks;
	uint32_t block_size;
	uint32_t max_blocks;      /* per request */
	bool read_only, removable;
	const char *tran;         /* "usb" */
	char vendor[9], model[17], rev[5];
	const struct blk_disk_ops *ops;
	void *priv;               /* the driver's */
	/* the block layer's */
	bool gone;
	unsigned refs;
	struct list_node node;
};

/* A zeroed disk holding one reference (the driver's). */
struct blk_disk *blk_disk_alloc(void);
/* Names the disk and lists it; 0, or BLK_ENOMEM when 26 disks exist. */
int blk_disk_register(struct blk_disk *d);
/* Unlists the disk and refuses new requests, then drops the driver's
 * reference. The driver still ends the requests it holds. */
void blk_disk_remove(struct blk_disk *d);
static inline void blk_disk_get(struct blk_disk *d) { d->refs++; }
void blk_disk_put(struct blk_disk *d);

/* The listed disks, in name order. */
struct list_node *blk_disks(void);
#define blk_for_each_disk(d) list_for_each_entry(d, blk_disks(), node)
/* A listed disk by name, with a reference the caller puts; NULL if none. */
struct blk_disk *blk_disk_find(const char *name);

/* Checks the range and hands r to the driver: 0 = done will run. */
int blk_submit(struct blk_request *r);
/* For drivers: stores status and runs done. */
void blk_complete(struct blk_request *r, int status);

/*
 * For shell commands (never from work context): submits and waits,
 * running work meanwhile. The driver bounds every request; if it still
 * has not answered after timeout_ns plus a margin the request is left to
 * it (freed when it ends) and BLK_ETIMEDOUT is returned. sense, if not
 * NULL, receives the request's sense data.
 */
int blk_io_sync(struct blk_disk *d, enum blk_op op, uint64_t lba, uint32_t count,
		void *buf, dma_addr_t dma, uint64_t timeout_ns, struct blk_sense *sense);
/* Waits (running work) until *flag is true or timeout_ns passes. */
bool blk_wait_flag(const bool *flag, uint64_t timeout_ns);

/* Physically contiguous, DMA-reachable (below 4 GiB) I/O memory for
 * requests, size rounded up to a power-of-two number of pages (<= 4 MiB). */
void *blk_buffer_alloc(size_t size, dma_addr_t *dma);
void blk_buffer_free(void *buf, size_t size);

const char *blk_strerror(int status);
/* "sda: read error at LBA 123: MEDIUM ERROR, unrecovered read error
 * (03/11/00)": one line for the console. */
void blk_print_error(const struct blk_disk *d, enum blk_op op, uint64_t lba, int status,
		     const struct blk_sense *sense);
/* SPC-4 sense key and ASC/ASCQ in words ("MEDIUM ERROR"; "unrecovered
 * read error", or "asc 0x.. ascq 0x.." for ones not in the table). */
const char *blk_sense_key_str(uint8_t key);
void blk_sense_asc_str(uint8_t asc, uint8_t ascq, char *buf, size_t len);

#endif

/*
 * `ehcibot`: reads a USB mass-storage device (bulk-only transport, SCSI
 * INQUIRY and READ(10)) through EHCI bulk endpoints, to exercise in QEMU
 * what no class driver uses yet: bulk qTD chains that start mid-page and
 * cross page boundaries, the controller-kept data toggle, and short-packet
 * completion through the alternate next pointer (READ CAPACITY's 8 bytes
 * received into a 96-byte transfer; the configuration descriptor read with
 * wLength 255 on the control pipe, then parsed by the core's descriptor
 * parser). It prints an FNV-1a checksum of the data read, which tests
 * compare with the disk image. It opens its own endpoints: run it
 * while nothing else uses the device.
 */
#include "ehci_sync.h"
#include "kstring.h"
#include "mm.h"
#include "printk.h"
#include "shell.h"
#include "usb.h"

#define BOT_CBW_SIG 0x43425355u /* "USBC" */
#define BOT_CSW_SIG 0x53425355u /* "USBS" */
#define BOT_BUF_BYTES (64 * KiB)
#define BOT_DATA_OFFSET 512     /* so the qTD split does not start page-aligned */
#define BOT_BLOCK 512
#define BOT_MAX_BLOCKS ((BOT_BUF_BYTES - BOT_DATA_OFFSET) / BOT_BLOCK)
#define BOT_INQUIRY_ASK 36
#define BOT_SHORT_ROOM 96
#define BOT_PROTO_BULK_ONLY 0x50 /* bInterfaceProtocol (Mass Storage Overview 3) */

/* Command and status wrappers (USB Mass Storage Bulk-Only 1.0, 5.1, 5.2). */
struct bot_cbw {
	uint32_t sig, tag, len;
	uint8_t flags, lun, cb_len, cb[16];
} __packed;
_Static_assert(sizeof(struct bot_cbw) == 31, "BOT 5.1: CBW is 31 bytes");
struct bot_csw {
	uint32_t sig, tag, residue;
	uint8_t status;
} __packed;
_Static_assert(sizeof(struct bot_csw) == 13, "BOT 5.2: CSW is 13 bytes");

struct bot {
	struct ehci *e;
	uint8_t addr;
	struct ehci_sync ctl, in, out;
	struct usb_setup *setup;
	struct bot_cbw *cbw;
	struct bot_csw *csw;
	uint8_t *buf;
	dma_addr_t setup_dma, cbw_dma, csw_dma, buf_dma;
	uint32_t tag;
};

struct bulk_pair {
	uint8_t config, in, out;
	uint16_t in_maxp, out_maxp;
};

static int get_config(struct bot *b, size_t *len)
{
	*b->setup = (struct usb_setup){ USB_DIR_IN, USB_REQ_GET_DESCRIPTOR, USB_DT_CONFIG << 8, 0,
				       255 };
	return ehci_sync_xfer(&b->ctl, b->setup, b->setup_dma, b->buf, b->buf_dma, 255, len);
}

static void take_bulk_endpoints(const struct usb_interface *in, struct bulk_pair *p)
{
	if (in->desc.bInterfaceClass != USB_CLASS_MASS_STORAGE ||
	    in->desc.bInterfaceProtocol != BOT_PROTO_BULK_ONLY)
		return;
	for (unsigned i = 0; i < USB_MAX_ENDPOINTS && in->ep_desc[i].bLength; i++) {
		const struct usb_endpoint_descriptor *ep = &in->ep_desc[i];
		if ((ep->bmAttributes & 3) != USB_EP_BULK)
			continue;
		if (ep->bEndpointAddress & USB_DIR_IN) {
			p->in = ep->bEndpointAddress;
			p->in_maxp = ep->wMaxPacketSize;
		} else {
			p->out = ep->bEndpointAddress;
			p->out_maxp = ep->wMaxPacketSize;
		}
	}
}

/* The bulk pair of the first bulk-only mass-storage interface, found with
 * the core's defensive descriptor parser. */
static bool parse_config(const uint8_t *d, size_t len, struct bulk_pair *p)
{
	struct usb_config *cfg = kmalloc(sizeof(*cfg));
	char err[96];

	*p = (struct bulk_pair){ 0 };
	if (!cfg)
		return false;
	if (usb_parse_config(d, len, cfg, err, sizeof(err)) == 0) {
		p->config = cfg->desc.bConfigurationValue;
		for (unsigned i = 0; i < cfg->num_intf && !(p->in && p->out); i++)
			take_bulk_endpoints(&cfg->intf[i], p);
	} else {
		kprintf("ehcibot: configuration descriptor rejected: %s\n", err);
	}
	kfree(cfg);
	return p->in && p->out;
}

static int open_bulk(struct bot *b)
{
	struct bulk_pair p;
	size_t len;
	int rc = get_config(b, &len);

	if (!rc)
		kprintf("ehcibot: configuration descriptor: %u of 255 bytes%s\n", (unsigned)len,
			len < 255 ? " (short control read)" : "");
	if (rc || !parse_config(b->buf, len, &p)) {
		kprintf("ehcibot: device %u: no bulk-only mass-storage interface (%s)\n",
			b->addr, rc ? usb_status_str(rc) : "descriptor");
		return 1;
	}
	*b->setup = (struct usb_setup){ USB_RECIP_DEVICE, USB_REQ_SET_CONFIGURATION, p.config, 0, 0 };
	rc = ehci_sync_xfer(&b->ctl, b->setup, b->setup_dma, NULL, 0, 0, &len);
	if (!rc)
		rc = ehci_sync_open(&b->in, b->e, b->addr, p.in, USB_EP_BULK, p.in_maxp);
	if (!rc && (rc = ehci_sync_open(&b->out, b->e, b->addr, p.out, USB_EP_BULK,
					p.out_maxp)))
		ehci_sync_close(&b->in);
	if (rc)
		kprintf("ehcibot: cannot configure device %u: %s\n", b->addr, usb_status_str(rc));
	return rc ? 1 : 0;
}

/* One BOT command announcing len bytes of data in; the IN transfer that
 * receives them may be larger (room), which makes the last packet short. */
static int bot_read(struct bot *b, const uint8_t *cb, uint8_t cb_len, uint8_t *data,
		    dma_addr_t data_dma, uint32_t len, uint32_t room, size_t *got)
{
	size_t n;

	*b->cbw = (struct bot_cbw){ BOT_CBW_SIG, ++b->tag, len, 0x80, 0, cb_len, { 0 } };
	memcpy(b->cbw->cb, cb, cb_len);
	int rc = ehci_sync_xfer(&b->out, NULL, 0, b->cbw, b->cbw_dma, sizeof(*b->cbw), &n);
	if (!rc)
		rc = ehci_sync_xfer(&b->in, NULL, 0, data, data_dma, room, got);
	if (!rc)
		rc = ehci_sync_xfer(&b->in, NULL, 0, b->csw, b->csw_dma, sizeof(*b->csw), &n);
	if (rc) {
		kprintf("ehcibot: SCSI %02x: %s\n", cb[0], usb_status_str(rc));
		return 1;
	}
	if (n != sizeof(*b->csw) || b->csw->sig != BOT_CSW_SIG || b->csw->tag != b->tag ||
	    b->csw->status != 0) {
		kprintf("ehcibot: SCSI %02x: bad CSW (%u bytes, status %u)\n", cb[0],
			(unsigned)n, b->csw->status);
		return 1;
	}
	return 0;
}

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

static int inquiry_and_read(struct bot *b, uint32_t lba, unsigned blocks)
{
	const uint8_t inquiry[6] = { 0x12, 0, 0, 0, BOT_INQUIRY_ASK, 0 };
	const uint8_t read_capacity[10] = { 0x25 };
	const uint8_t read10[10] = { 0x28, 0, (uint8_t)(lba >> 24), (uint8_t)(lba >> 16),
				     (uint8_t)(lba >> 8), (uint8_t)lba, 0,
				     (uint8_t)(blocks >> 8), (uint8_t)blocks, 0 };
	uint8_t *data = b->buf + BOT_DATA_OFFSET;
	size_t got;

	if (bot_read(b, inquiry, sizeof(inquiry), b->buf, b->buf_dma, BOT_INQUIRY_ASK,
		     BOT_INQUIRY_ASK, &got))
		return 1;
	kprintf("ehcibot: INQUIRY: vendor '%.8s' product '%.16s'\n",
		(const char *)b->buf + 8, (const char *)b->buf + 16);
	/* Its 8 bytes land in a 96-byte transfer: a short packet. */
	if (bot_read(b, read_capacity, sizeof(read_capacity), b->buf, b->buf_dma, 8,
		     BOT_SHORT_ROOM, &got))
		return 1;
	kprintf("ehcibot: READ CAPACITY: %u bytes in a %u-byte transfer%s, last block %u\n",
		(unsigned)got, BOT_SHORT_ROOM, got < BOT_SHORT_ROOM ? " (short packet)" : "",
		(unsigned)(b->buf[0] << 24 | b->buf[1] << 16 | b->buf[2] << 8 | b->buf[3]));
	if (bot_read(b, read10, sizeof(read10), data, b->buf_dma + BOT_DATA_OFFSET,
		     blocks * BOT_BLOCK, blocks * BOT_BLOCK, &got))
		return 1;
	kprintf("ehcibot: READ(10) lba %u blocks %u: %u bytes, fnv1a %08x, residue %u\n",
		lba, blocks, (unsigned)got, fnv1a(data, got), b->csw->residue);
	return got == blocks * BOT_BLOCK ? 0 : 1;
}

static bool alloc_buffers(struct bot *b)
{
	b->setup = usb_buffer_alloc(sizeof(*b->setup), &b->setup_dma);
	b->cbw = usb_buffer_alloc(sizeof(*b->cbw), &b->cbw_dma);
	b->csw = usb_buffer_alloc(sizeof(*b->csw), &b->csw_dma);
	b->buf = usb_buffer_alloc(BOT_BUF_BYTES, &b->buf_dma);
	return b->setup && b->cbw && b->csw && b->buf;
}

static void free_buffers(struct bot *b)
{
	usb_buffer_free(b->setup);
	usb_buffer_free(b->cbw);
	usb_buffer_free(b->csw);
	usb_buffer_free(b->buf);
}

static int run(struct ehci *e, uint8_t addr, uint32_t lba, unsigned blocks)
{
	struct bot b = { .e = e, .addr = addr };
	int rc = 1;

	if (!alloc_buffers(&b) || ehci_sync_open(&b.ctl, e, addr, 0, USB_EP_CONTROL, 64)) {
		kprintf("ehcibot: out of memory\n");
		free_buffers(&b);
		return 1;
	}
	if (!open_bulk(&b)) {
		rc = inquiry_and_read(&b, lba, blocks);
		ehci_sync_close(&b.in);
		ehci_sync_close(&b.out);
	}
	ehci_sync_close(&b.ctl);
	free_buffers(&b);
	return rc;
}

static int cmd_ehcibot(int argc, char **argv)
{
	uint64_t addr, lba = 0, blocks = BOT_MAX_BLOCKS;
	struct ehci *e = ehci_by_index(0);

	if (argc < 2 || argc > 4 || !kstrtou64(argv[1], &addr) || addr == 0 || addr > 127 ||
	    (argc > 2 && (!kstrtou64(argv[2], &lba) || lba > UINT32_MAX)) ||
	    (argc > 3 && (!kstrtou64(argv[3], &blocks) || blocks == 0 ||
			  blocks > BOT_MAX_BLOCKS))) {
		kprintf("usage: ehcibot <device address> [lba] [blocks <= %u]\n",
			(unsigned)BOT_MAX_BLOCKS);
		return 1;
	}
	if (!e) {
		kprintf("ehcibot: no EHCI controller\n");
		return 1;
	}
	return run(e, (uint8_t)addr, (uint32_t)lba, (unsigned)blocks);
}
SHELL_COMMAND(ehcibot, "ehcibot", "ehcibot <device address> [lba] [blocks]",
	      "read a USB stick through EHCI bulk endpoints (exercise, prints a checksum)",
	      cmd_ehcibot);

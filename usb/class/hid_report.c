/*
 * A small, defensive HID report-descriptor parser (HID 1.11 section 6.2.2):
 * enough to find a pointer's buttons, X, Y and wheel in an input report,
 * as a report-protocol device such as QEMU's usb-tablet describes them.
 * Items are length-checked before they are read, the global stack and
 * report sizes are bounded, and field extraction never reads past the
 * report. Pure C: host-tested and fuzzed (tests/fuzz/fuzz_hid_report.c).
 */
#include "hid_report.h"
#include "kstring.h"

/* HID 1.11 6.2.2.2: item prefix = bSize (2 bits), bType (2), bTag (4). */
#define ITEM_MAIN 0
#define ITEM_GLOBAL 1
#define ITEM_LOCAL 2
#define ITEM_LONG_PREFIX 0xfe

#define MAIN_INPUT 0x8
#define MAIN_COLLECTION 0xa
#define MAIN_END_COLLECTION 0xc
#define GLOBAL_USAGE_PAGE 0x0
#define GLOBAL_LOGICAL_MIN 0x1
#define GLOBAL_LOGICAL_MAX 0x2
#define GLOBAL_REPORT_SIZE 0x7
#define GLOBAL_REPORT_ID 0x8
#define GLOBAL_REPORT_COUNT 0x9
#define GLOBAL_PUSH 0xa
#define GLOBAL_POP 0xb
#define LOCAL_USAGE 0x0
#define LOCAL_USAGE_MIN 0x1
#define LOCAL_USAGE_MAX 0x2

#define INPUT_CONSTANT 0x01
#define INPUT_RELATIVE 0x04

#define PAGE_GENERIC_DESKTOP 0x01
#define PAGE_BUTTON 0x09
#define USAGE_X 0x30
#define USAGE_Y 0x31
#define USAGE_WHEEL 0x38

#define MAX_USAGES 16
#define MAX_PUSH 4
#define MAX_COLLECTION_DEPTH 16
#define MAX_REPORT_BITS (64 * 8)

struct hid_globals {
	uint32_t usage_page;
	int32_t logical_min, logical_max;
	uint32_t report_size, report_count, report_id;
};

struct parser {
	struct hid_globals g, stack[MAX_PUSH];
	unsigned sp;
	uint32_t usages[MAX_USAGES];
	unsigned nusages;
	uint32_t usage_min, usage_max;
	bool have_range;
	unsigned depth;
	uint32_t bit_offset[256]; /* per report ID */
	struct hid_pointer_layout *out;
	char *err;
	size_t errlen;
};

static int fail(struct parser *p, const char *fmt, ...) __printf(2, 3);

static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (p->err && p->errlen)
		kvsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static uint32_t item_uvalue(const uint8_t *d, unsigned size)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)d[i] << (8 * i);
	return v;
}

static int32_t item_svalue(const uint8_t *d, unsigned size)
{
	uint32_t v = item_uvalue(d, size);
	if (size == 1)
		return (int8_t)v;
	if (size == 2)
		return (int16_t)v;
	return (int32_t)v;
}

static uint32_t usage_at(const struct parser *p, unsigned i)
{
	if (p->have_range && p->usage_min + i <= p->usage_max)
		return p->usage_min + i;
	if (i < p->nusages)
		return p->usages[i];
	return p->nusages ? p->usages[p->nusages - 1] : 0;
}

static void set_field(struct hid_field *f, const struct parser *p, uint32_t bit)
{
	f->present = true;
	f->report_id = (uint8_t)p->g.report_id;
	f->bit_offset = bit;
	f->bit_size = p->g.report_size;
	f->logical_min = p->g.logical_min;
	f->logical_max = p->g.logical_max;
}

static void note_input_field(struct parser *p, uint32_t flags, unsigned i, uint32_t bit)
{
	struct hid_pointer_layout *o = p->out;
	uint32_t usage = usage_at(p, i);
	uint32_t page = usage > 0xffff ? usage >> 16 : p->g.usage_page;

	usage &= 0xffff;
	if (page == PAGE_BUTTON && !o->buttons.present && p->g.report_size == 1) {
		set_field(&o->buttons, p, bit);
		o->buttons.bit_size = MIN(p->g.report_count - i, 8u);
		return;
	}
	if (page != PAGE_GENERIC_DESKTOP)
		return;
	if (usage == USAGE_X && !o->x.present) {
		set_field(&o->x, p, bit);
		o->absolute = !(flags & INPUT_RELATIVE);
	} else if (usage == USAGE_Y && !o->y.present) {
		set_field(&o->y, p, bit);
	} else if (usage == USAGE_WHEEL && !o->wheel.present) {
		set_field(&o->wheel, p, bit);
	}
}

static int main_input(struct parser *p, uint32_t flags)
{
	uint32_t *offset = &p->bit_offset[p->g.report_id];
	uint64_t bits = (uint64_t)p->g.report_size * p->g.report_count;

	if (p->g.report_size > 32)
		return fail(p, "report size %u bits (max 32)", p->g.report_size);
	if (*offset + bits > MAX_REPORT_BITS)
		return fail(p, "input report longer than %d bytes", MAX_REPORT_BITS / 8);
	if (!(flags & INPUT_CONSTANT))
		for (unsigned i = 0; i < p->g.report_count; i++)
			note_input_field(p, flags, i, *offset + i * p->g.report_size);
	*offset += (uint32_t)bits;
	if (p->g.report_id)
		p->out->uses_report_ids = true;
	return 0;
}

static int global_item(struct parser *p, unsigned tag, const uint8_t *d, unsigned size)
{
	uint32_t u = item_uvalue(d, size);

	switch (tag) {
	case GLOBAL_USAGE_PAGE: p->g.usage_page = u; break;
	case GLOBAL_LOGICAL_MIN: p->g.logical_min = item_svalue(d, size); break;
	case GLOBAL_LOGICAL_MAX:
		/* Unsigned if the minimum is not negative (HID 1.11 6.2.2.7). */
		p->g.logical_max = p->g.logical_min < 0 ? item_svalue(d, size) : (int32_t)u;
		break;
	case GLOBAL_REPORT_SIZE: p->g.report_size = u; break;
	case GLOBAL_REPORT_COUNT:
		if (u > MAX_REPORT_BITS)
			return fail(p, "report count %u too large", u);
		p->g.report_count = u;
		break;
	case GLOBAL_REPORT_ID:
		if (u == 0 || u > 255)
			return fail(p, "report ID %u invalid", u);
		p->g.report_id = u;
		break;
	case GLOBAL_PUSH:
		if (p->sp >= MAX_PUSH)
			return fail(p, "Push nested deeper than %d", MAX_PUSH);
		p->stack[p->sp++] = p->g;
		break;
	case GLOBAL_POP:
		if (p->sp == 0)
			return fail(p, "Pop without Push");
		p->g = p->stack[--p->sp];
		break;
	}
	return 0;
}

static void local_item(struct parser *p, unsigned tag, const uint8_t *d, unsigned size)
{
	/* A 4-byte usage carries its page in the high half (HID 1.11
	 * 6.2.2.8); note_input_field() splits it. */
	uint32_t u = item_uvalue(d, size);

	if (tag == LOCAL_USAGE && p->nusages < MAX_USAGES)
		p->usages[p->nusages++] = u;
	else if (tag == LOCAL_USAGE_MIN || tag == LOCAL_USAGE_MAX) {
		*(tag == LOCAL_USAGE_MIN ? &p->usage_min : &p->usage_max) = u;
		p->have_range = true;
	}
}

static void clear_locals(struct parser *p)
{
	p->nusages = 0;
	p->have_range = false;
	p->usage_min = p->usage_max = 0;
}

static int main_item(struct parser *p, unsigned tag, uint32_t value)
{
	int rc = 0;

	if (tag == MAIN_INPUT) {
		rc = main_input(p, value);
	} else if (tag == MAIN_COLLECTION) {
		if (++p->depth > MAX_COLLECTION_DEPTH)
			return fail(p, "collections nested deeper than %d", MAX_COLLECTION_DEPTH);
	} else if (tag == MAIN_END_COLLECTION) {
		if (p->depth == 0)
			return fail(p, "End Collection without Collection");
		p->depth--;
	}
	clear_locals(p);
	return rc;
}

int hid_parse_pointer(const uint8_t *desc, size_t len, struct hid_pointer_layout *out,
		      char *err, size_t errlen)
{
	static struct parser p; /* 1 KiB of offsets: keep it off the stack */
	size_t off = 0;
	int rc = 0;

	memset(&p, 0, sizeof(p));
	memset(out, 0, sizeof(*out));
	p.out = out;
	p.err = err;
	p.errlen = errlen;
	while (off < len && rc == 0) {
		uint8_t prefix = desc[off];
		unsigned size = (prefix & 3) == 3 ? 4 : prefix & 3;
		unsigned type = (prefix >> 2) & 3, tag = prefix >> 4;
		if (prefix == ITEM_LONG_PREFIX) {
			if (len - off < 3 || len - off - 3 < desc[off + 1])
				return fail(&p, "long item truncated at offset %zu", off);
			off += 3 + (size_t)desc[off + 1];
			continue;
		}
		if (len - off - 1 < size)
			return fail(&p, "item truncated at offset %zu", off);
		if (type == ITEM_MAIN)
			rc = main_item(&p, tag, item_uvalue(desc + off + 1, size));
		else if (type == ITEM_GLOBAL)
			rc = global_item(&p, tag, desc + off + 1, size);
		else if (type == ITEM_LOCAL)
			local_item(&p, tag, desc + off + 1, size);
		off += 1 + size;
	}
	if (rc)
		return rc;
	if (!out->x.present || !out->y.present)
		return fail(&p, "no X/Y pointer fields in the input report");
	return 0;
}

int32_t hid_field_value(const struct hid_field *f, const uint8_t *report, size_t len)
{
	uint32_t v = 0;

	if (!f->present || f->bit_size == 0 || f->bit_size > 32 ||
	    (uint64_t)f->bit_offset + f->bit_size > (uint64_t)len * 8)
		return 0;
	for (unsigned i = 0; i < f->bit_size; i++) {
		uint32_t bit = f->bit_offset + i;
		v |= (uint32_t)((report[bit / 8] >> (bit % 8)) & 1) << i;
	}
	if (f->logical_min < 0 && f->bit_size < 32 && (v & (1u << (f->bit_size - 1))))
		v |= ~0u << f->bit_size; /* sign-extend */
	return (int32_t)v;
}

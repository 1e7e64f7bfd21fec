/*
 * printf-style formatting for the kernel (include/kstring.h) and number
 * parsing for the shell and the command line. The supported subset is
 * %d %i %u %x %X %p %s %c %%, length modifiers l ll z, flags '-' and '0',
 * a width (digits or '*') and a precision ('.N' or '.*': maximum length for
 * %s, minimum digits for integers, as in C). Anything else is copied to the
 * output verbatim so a bad format is visible instead of silently eaten.
 */
#include "kstring.h"

struct spec {
	bool left;   /* '-' */
	bool zero;   /* '0' */
	int width;   /* 0: none */
	int prec;    /* -1: none */
	int length;  /* number of 'l's, or LEN_SIZE for 'z' */
};

#define LEN_SIZE 3

struct out {
	format_emit_fn emit;
	void *ctx;
	size_t total;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (n == 0)
		return;
	o->emit(o->ctx, s, n);
	o->total += n;
}

static void put_repeated(struct out *o, char c, int n)
{
	char chunk[16];

	memset(chunk, c, sizeof(chunk));
	while (n > 0) {
		int k = n < (int)sizeof(chunk) ? n : (int)sizeof(chunk);
		put(o, chunk, (size_t)k);
		n -= k;
	}
}

/* Writes s[0..n) padded with spaces to the spec's width. */
static void put_padded_string(struct out *o, const struct spec *sp, const char *s, size_t n)
{
	int pad = sp->width > (int)n ? sp->width - (int)n : 0;

	if (!sp->left)
		put_repeated(o, ' ', pad);
	put(o, s, n);
	if (sp->left)
		put_repeated(o, ' ', pad);
}

static void put_number(struct out *o, const struct spec *sp, uint64_t mag, bool negative,
		       unsigned base, bool upper, const char *prefix)
{
	const char *digit_chars = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char digits[24];
	int ndigits = 0;

	/* C: a zero value with precision 0 prints no digits at all. */
	if (!(mag == 0 && sp->prec == 0)) {
		do {
			digits[sizeof(digits) - 1 - ndigits++] = digit_chars[mag % base];
			mag /= base;
		} while (mag);
	}
	if (negative)
		prefix = "-";
	int prefix_len = (int)strlen(prefix);
	int zeros = sp->prec > ndigits ? sp->prec - ndigits : 0;
	int body = prefix_len + zeros + ndigits;
	int pad = sp->width > body ? sp->width - body : 0;

	if (!sp->left && sp->zero && sp->prec < 0) {
		zeros += pad; /* zero padding goes between sign and digits */
		pad = 0;
	}
	if (!sp->left)
		put_repeated(o, ' ', pad);
	put(o, prefix, (size_t)prefix_len);
	put_repeated(o, '0', zeros);
	put(o, digits + sizeof(digits) - ndigits, (size_t)ndigits);
	if (sp->left)
		put_repeated(o, ' ', pad);
}

static int parse_decimal(const char **p)
{
	int v = 0;

	while (**p >= '0' && **p <= '9') {
		if (v < 100000) /* widths beyond this are nonsense; stop growing */
			v = v * 10 + (**p - '0');
		(*p)++;
	}
	return v;
}

/* Parses flags, width, precision and length after a '%'; advances *p to
 * the conversion character. */
static void parse_spec(const char **p, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .prec = -1 };
	for (;; (*p)++) {
		if (**p == '-')
			sp->left = true;
		else if (**p == '0')
			sp->zero = true;
		else
			break;
	}
	if (**p == '*') {
		(*p)++;
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			/* bounded like parse_decimal; also avoids -INT_MIN */
			sp->width = sp->width < -100000 ? 100000 : -sp->width;
		}
	} else {
		sp->width = parse_decimal(p);
	}
	if (**p == '.') {
		(*p)++;
		if (**p == '*') {
			(*p)++;
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0)
				sp->prec = -1;
		} else {
			sp->prec = parse_decimal(p);
		}
	}
	if (**p == 'z') {
		sp->length = LEN_SIZE;
		(*p)++;
	} else {
		while (**p == 'l' && sp->length < 2) {
			sp->length++;
			(*p)++;
		}
	}
}

static uint64_t fetch_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 0: return va_arg(*ap, unsigned int);
	case 1: return va_arg(*ap, unsigned long);
	case 2: return va_arg(*ap, unsigned long long);
	default: return va_arg(*ap, size_t);
	}
}

static int64_t fetch_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 0: return va_arg(*ap, int);
	case 1: return va_arg(*ap, long);
	case 2: return va_arg(*ap, long long);
	default: return va_arg(*ap, long); /* ssize_t is long on LP64 */
	}
}

/* Formats one conversion; false if `conv` is not one we support. */
static bool format_one(struct out *o, const struct spec *sp, char conv, va_list *ap)
{
	switch (conv) {
	case 'd':
	case 'i': {
		int64_t v = fetch_signed(sp, ap);
		uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
		put_number(o, sp, mag, v < 0, 10, false, "");
		return true;
	}
	case 'u':
		put_number(o, sp, fetch_unsigned(sp, ap), false, 10, false, "");
		return true;
	case 'x':
	case 'X':
		put_number(o, sp, fetch_unsigned(sp, ap), false, 16, conv == 'X', "");
		return true;
	case 'p':
		put_number(o, sp, (uintptr_t)va_arg(*ap, void *), false, 16, false, "0x");
		return true;
	case 'c': {
		char c = (char)va_arg(*ap, int);
		put_padded_string(o, sp, &c, 1);
		return true;
	}
	case 's': {
		const char *s = va_arg(*ap, const char *);
		size_t n = 0;
		if (!s)
			s = "(null)";
		/* with a precision, s need not be terminated: check n first */
		while ((sp->prec < 0 || n < (size_t)sp->prec) && s[n])
			n++;
		put_padded_string(o, sp, s, n);
		return true;
	}
	case '%':
		put(o, "%", 1);
		return true;
	default:
		return false;
	}
}

int kvformat(format_emit_fn emit, void *ctx, const char *fmt, va_list ap)
{
	struct out o = { emit, ctx, 0 };
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		const char *lit = fmt;
		while (*fmt && *fmt != '%')
			fmt++;
		put(&o, lit, (size_t)(fmt - lit));
		if (!*fmt)
			break;

		const char *spec_start = fmt++;
		struct spec sp;
		parse_spec(&fmt, &sp, &args);
		if (*fmt && format_one(&o, &sp, *fmt, &args)) {
			fmt++;
		} else {
			/* Unsupported: show the spec as written. */
			fmt += *fmt ? 1 : 0;
			put(&o, spec_start, (size_t)(fmt - spec_start));
		}
	}
	va_end(args);
	return o.total > 0x7fffffff ? 0x7fffffff : (int)o.total;
}

struct buf_sink {
	char *buf;
	size_t size;
	size_t len;
};

static void buf_emit(void *ctx, const char *s, size_t n)
{
	struct buf_sink *b = ctx;

	if (b->len + 1 < b->size) {
		size_t room = b->size - 1 - b->len;
		memcpy(b->buf + b->len, s, n < room ? n : room);
	}
	b->len += n;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf_sink b = { buf, size, 0 };
	int total = kvformat(buf_emit, &b, fmt, ap);

	if (size)
		buf[b.len < size ? b.len : size - 1] = '\0';
	return total;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static unsigned suffix_shift(char c)
{
	switch (c) {
	case 'K': case 'k': return 10;
	case 'M': case 'm': return 20;
	case 'G': case 'g': return 30;
	default: return 0;
	}
}

bool kstrtou64(const char *s, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;
	size_t ndigits = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (int d; (d = digit_value(*s)) >= 0 && d < (int)base; s++, ndigits++) {
		if (v > (UINT64_MAX - (unsigned)d) / base)
			return false;
		v = v * base + (unsigned)d;
	}
	if (ndigits == 0)
		return false;
	unsigned shift = suffix_shift(*s);
	if (shift)
		s++;
	if (*s || v > (UINT64_MAX >> shift))
		return false;
	*out = v << shift;
	return true;
}

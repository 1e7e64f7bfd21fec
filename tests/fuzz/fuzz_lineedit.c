/*
 * libFuzzer harness for the line editor (kernel/lineedit.c): arbitrary key
 * bytes (Tab completion on for odd first bytes) must keep the buffer,
 * cursor and history consistent, and every
 * completed line must be a NUL-terminated string that fits.
 */
#include <stdlib.h>
#include <string.h>

#include "lineedit.h"

static size_t echoed;

static void count_echo(void *ctx, const char *s, size_t n)
{
	echoed += n;
}

static const char *names(void *ctx, unsigned index)
{
	static const char *const list[] = { "echo", "help", "hello", "h", "" };
	return index < sizeof(list) / sizeof(list[0]) ? list[index] : NULL;
}

static void check(bool cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lineedit le;

	lineedit_init(&le, count_echo, NULL);
	if (size && data[0] & 1)
		lineedit_set_completion(&le, names, NULL);
	for (size_t i = 0; i < size; i++) {
		enum lineedit_result r = lineedit_feed(&le, (char)data[i]);
		check(le.len < LINEEDIT_MAX && le.cursor <= le.len);
		check(le.buf[le.len] == '\0' && strlen(le.buf) == le.len);
		check(le.hist_count <= LINEEDIT_HISTORY);
		check(le.browsing >= -1 && le.browsing < (int)le.hist_count);
		if (r == LINEEDIT_DONE)
			check(memchr(lineedit_line(&le), 0, LINEEDIT_MAX) != NULL);
	}
	return 0;
}

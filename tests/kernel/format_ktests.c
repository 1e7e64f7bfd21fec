/*
 * In-kernel test of kernel/lib/format.c (kept out of kernel/lib so the
 * lowest library depends on nothing above it): ksnprintf's padding,
 * truncation and 64-bit conversions, and kstrtou64's suffixes and overflow,
 * checked on the machine itself. tests/unit/test_format.c runs it on the
 * host too.
 */
#include "kstring.h"
#include "ktest.h"

KTEST(format_kvsnprintf)
{
	char buf[32];

	KT_ASSERT(ksnprintf(buf, sizeof(buf), "%5d|%-4x|%08X", -42, 0xabu, 0xBEEFu) == 19);
	KT_ASSERT(strcmp(buf, "  -42|ab  |0000BEEF") == 0);
	KT_ASSERT(ksnprintf(buf, 4, "%s", "truncated") == 9 && strcmp(buf, "tru") == 0);
	KT_ASSERT(ksnprintf(buf, sizeof(buf), "%.*s|%zu|%llu", 2, "abc", (size_t)7,
			    18446744073709551615ull) == 25);
	KT_ASSERT(strcmp(buf, "ab|7|18446744073709551615") == 0);
	uint64_t v;
	KT_ASSERT(kstrtou64("0x10K", &v) && v == 16 * 1024);
	KT_ASSERT(!kstrtou64("18446744073709551616", &v));
	return NULL;
}

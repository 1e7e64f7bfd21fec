FUZZERS += fuzz_lineedit
fuzz_lineedit_SRCS := tests/fuzz/fuzz_lineedit.c kernel/lineedit.c kernel/lib/format.c

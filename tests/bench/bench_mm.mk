BENCHES += bench_mm
bench_mm_SRCS := tests/bench/bench_mm.c tests/unit/seams/kernel_seams.c \
	tests/unit/seams/fake_mm.c kernel/lib/spinlock.c mm/pmm.c mm/kmalloc.c tests/kernel/mm_bench.c
bench_mm_CFLAGS := -Itests/kernel

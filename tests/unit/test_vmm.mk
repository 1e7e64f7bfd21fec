UNIT_TESTS += test_vmm
test_vmm_CFLAGS := -Imm
test_vmm_SRCS := tests/unit/test_vmm.c tests/unit/harness.c \
	tests/unit/seams/kernel_seams.c tests/unit/seams/fake_mm.c kernel/lib/spinlock.c \
	tests/unit/seams/fake_mm_paging.c kernel/arch/x86_64/pte.c mm/pmm.c mm/vmm.c mm/vrange.c mm/vmap.c mm/vmalloc.c \
	mm/kmalloc.c

BENCHES += bench_vm
bench_vm_CFLAGS := -Imm
bench_vm_SRCS := tests/bench/bench_vm.c tests/unit/test_vrange_ref.c \
	tests/unit/seams/kernel_seams.c kernel/lib/format.c mm/vrange.c

UNIT_TESTS += test_vrange
test_vrange_CFLAGS := -Imm
test_vrange_SRCS := tests/unit/test_vrange.c tests/unit/harness.c \
	tests/unit/seams/kernel_seams.c kernel/lib/format.c mm/vrange.c
# Randomized model checker; its own main takes [ops] [seed]:
#   build/unit/test_vrange_model 10000000 1
UNIT_TESTS += test_vrange_model
test_vrange_model_CFLAGS := -Imm
test_vrange_model_SRCS := tests/unit/test_vrange_model.c tests/unit/test_vrange_ref.c \
	tests/unit/seams/kernel_seams.c kernel/lib/format.c mm/vrange.c

UNIT_TESTS += test_sha256
test_sha256_SRCS := tests/unit/test_sha256.c tests/unit/harness.c kernel/lib/sha256.c

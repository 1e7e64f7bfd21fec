# make ARCH=arm64: the kernel for QEMU's arm64 `virt` machine, built with
# the Debian cross compiler into build/arm64/tern.elf and booted with
# -kernel (no GRUB, no ISO). Debian's arm64 libfdt is linked in from where
# scripts/deps.sh unpacks it (it cannot be installed beside the host's).
# Included by the Makefile before its own defaults.

CROSS_COMPILE ?= aarch64-linux-gnu-
BUILD ?= build/arm64
LIBFDT_ARM64 := $(shell bash scripts/deps.sh --libfdt-arm64-dir)
ARCH_KERNEL_LIBS := $(LIBFDT_ARM64)/usr/lib/aarch64-linux-gnu/libfdt.a
# Without libc6-dev-arm64-cross the cross compiler would search the host's
# /usr/include: only its own freestanding headers, then the kernel's
# libfdt_env.h ahead of the package's libfdt.h. outline-atomics would call
# libgcc helpers the kernel does not link.
ARCH_KERNEL_CFLAGS := -mgeneral-regs-only -mno-outline-atomics -nostdinc \
	-isystem $(shell $(CROSS_COMPILE)gcc -print-file-name=include) \
	-Ikernel/arch/arm64/libfdt -I$(LIBFDT_ARM64)/usr/include
ARCH_IMAGE = $(BUILD)/tern.elf
ARCH_RUN_ARGS := --arch arm64

$(ARCH_KERNEL_LIBS):
	bash scripts/deps.sh

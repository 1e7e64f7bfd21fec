# Tern build. `make` builds build/tern.iso; `make run` boots it in QEMU with
# a default set of USB devices; `make test` runs every test and ends with an
# "N passed, N failed" line; `make bench` prints benchmarks.
#
# Kernel sources are found by directory; host unit tests, fuzzers and
# benchmarks declare themselves in tests/*/*.mk fragments, so adding one
# never means editing this file.

ARCH ?= x86_64
# What the architecture changes (cross compiler, build directory, flags,
# libraries, boot image) is in mk/$(ARCH).mk; x86_64 uses the defaults.
-include mk/$(ARCH).mk
# Fragments (mk/, tests/*/*.mk) define rules of their own; none of them is
# the default goal.
.DEFAULT_GOAL := all
BUILD ?= build
V ?= 0
Q := $(if $(filter 1,$(V)),,@)
CROSS_COMPILE ?=
CC := $(CROSS_COMPILE)gcc
LD := $(CROSS_COMPILE)ld
NM := $(CROSS_COMPILE)nm
HOSTCC ?= gcc
FUZZCC ?= clang
PYTHON ?= /usr/bin/python3
QEMU ?= qemu-system-x86_64

ARCH_KERNEL_CFLAGS ?= -mcmodel=kernel -mno-red-zone -mgeneral-regs-only
ARCH_IMAGE ?= $(BUILD)/tern.iso
KERNEL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-ffreestanding $(ARCH_KERNEL_CFLAGS) \
	-fno-pic -fno-pie -fno-stack-protector -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -fno-strict-aliasing -Iinclude -Ikernel/arch/$(ARCH) -MMD -MP
KERNEL_ASFLAGS := -Iinclude -Ikernel/arch/$(ARCH) -MMD -MP -D__ASSEMBLER__
KERNEL_LDFLAGS := -n -nostdlib -z max-page-size=0x1000 -z noexecstack \
	--no-warn-rwx-segments -T kernel/arch/$(ARCH)/linker.ld

# Host builds of kernel code: same sources, sanitizers on, hardware seams
# swapped by linking tests/unit/seams/*.c fakes instead of kernel/arch.
HOST_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter \
	-fno-strict-aliasing -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -Iinclude -Ikernel/arch/x86_64 -Itests -Itests/unit
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -Wno-unused-parameter -Iinclude -Ikernel/arch/x86_64 -Itests -Itests/unit
# Benchmarks align every function to a cache line: otherwise an unrelated
# change moves the baseline's code and its time by up to 15%.
BENCH_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Wno-unused-parameter -falign-functions=64 \
	-fno-strict-aliasing -Iinclude -Ikernel/arch/x86_64 -Itests -Itests/unit -Itests/bench

ifeq ($(wildcard kernel/arch/$(ARCH)/linker.ld),)
$(error ARCH=$(ARCH) is not supported: no kernel/arch/$(ARCH)/linker.ld (have: $(notdir $(wildcard kernel/arch/*))))
endif
# tests/kernel/ holds what the ISO carries besides the product: ktests,
# stress commands, benchmarks with their baselines and fault injectors.
KERNEL_SRCS := $(sort $(wildcard kernel/*.c kernel/lib/*.c kernel/arch/$(ARCH)/*.c mm/*.c dma/*.c \
	usb/*.c usb/*/*.c tests/kernel/*.c))
KERNEL_ASM := $(sort $(wildcard kernel/*.S kernel/arch/$(ARCH)/*.S))
KERNEL_OBJS := $(patsubst %,$(BUILD)/k/%.o,$(KERNEL_SRCS) $(KERNEL_ASM))
# Libraries an architecture links (arm64: libfdt) come before its objects,
# whose headers they bring.
$(KERNEL_OBJS): | $(ARCH_KERNEL_LIBS)
# They test and measure internals, so they see the private headers of the
# folders they exercise, and tests/rand.h.
$(BUILD)/k/tests/kernel/%: KERNEL_CFLAGS += -Itests -Iusb -Iusb/ehci

# The DMA pool's sources, for the host tests that link the real pool.
DMA_POOL_SRCS := dma/pool.c dma/alloc.c dma/region_table.c dma/report.c
UNIT_TESTS :=
FUZZERS :=
BENCHES :=
include $(sort $(wildcard tests/unit/*.mk tests/fuzz/*.mk tests/bench/*.mk))

.PHONY: all image iso run debug test unit fuzz-smoke fuzz bench clean deps
all: image
image: $(ARCH_IMAGE)
iso: $(BUILD)/tern.iso

$(BUILD)/k/%.c.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/k/%.S.o: %.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(KERNEL_ASFLAGS) -c $< -o $@

# Two-pass link: the first link's symbol table is embedded in the second
# for symbolized backtraces. The table sits after all code, so code
# addresses are identical in both links.
$(BUILD)/ksyms0.S:
	@mkdir -p $(dir $@)
	$(PYTHON) scripts/gensyms.py < /dev/null > $@
$(BUILD)/tern.pass1.elf: $(KERNEL_OBJS) $(BUILD)/ksyms0.S.o kernel/arch/$(ARCH)/linker.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(BUILD)/ksyms0.S.o $(ARCH_KERNEL_LIBS)
$(BUILD)/ksyms.S: $(BUILD)/tern.pass1.elf scripts/gensyms.py
	$(NM) -n --defined-only $< | $(PYTHON) scripts/gensyms.py > $@
$(BUILD)/%.S.o: $(BUILD)/%.S
	$(CC) $(KERNEL_ASFLAGS) -c $< -o $@
$(BUILD)/tern.elf: $(KERNEL_OBJS) $(BUILD)/ksyms.S.o kernel/arch/$(ARCH)/linker.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(BUILD)/ksyms.S.o $(ARCH_KERNEL_LIBS)
	$(PYTHON) scripts/checksyms.py $(BUILD)/tern.pass1.elf $@

$(BUILD)/tern.iso: $(BUILD)/tern.elf kernel/arch/x86_64/grub.cfg
	@rm -rf $(BUILD)/iso && mkdir -p $(BUILD)/iso/boot/grub
	cp $(BUILD)/tern.elf $(BUILD)/iso/boot/tern.elf
	cp kernel/arch/x86_64/grub.cfg $(BUILD)/iso/boot/grub/grub.cfg
	grub-mkrescue -o $@ $(BUILD)/iso 2> $(BUILD)/grub-mkrescue.log || \
		{ cat $(BUILD)/grub-mkrescue.log; exit 1; }

deps:
	@bash scripts/deps.sh

run: deps
	$(MAKE) image
	$(PYTHON) scripts/qemu.py --arch $(ARCH) --image $(ARCH_IMAGE) --default-usb --interactive

debug: deps
	$(MAKE) image
	$(PYTHON) scripts/qemu.py --arch $(ARCH) --image $(ARCH_IMAGE) --default-usb --interactive --gdb

# --- host unit tests, fuzzers, benchmarks --------------------------------
# Each binary is built from several sources in one compiler call, so it
# depends on every header rather than on generated dependency files (which
# would name sources that no longer exist after a file is removed).
HOST_HEADERS := $(wildcard include/*.h tests/*.h tests/kernel/*.h tests/unit/*.h tests/unit/seams/*.h \
	tests/bench/*.h usb/*.h usb/*/*.h kernel/*.h kernel/*/*.h kernel/*/*/*.h mm/*.h dma/*.h include/*/*.h)
# $(call host_rule,DIR,NAME,COMPILER VARIABLE,FLAGS VARIABLE,LIBS)
define host_rule
$(BUILD)/$(1)/$(2): $$($(2)_SRCS) $$(HOST_HEADERS)
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  $(3)  $$@")
	$$(Q)$$($(3)) $$($(4)) $$($(2)_CFLAGS) $$($(2)_SRCS) -o $$@ $(5)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call host_rule,unit,$(t),HOSTCC,HOST_CFLAGS,-lm)))
$(foreach t,$(FUZZERS),$(eval $(call host_rule,fuzz,$(t),FUZZCC,FUZZ_CFLAGS,)))
$(foreach t,$(BENCHES),$(eval $(call host_rule,bench,$(t),HOSTCC,BENCH_CFLAGS,-lm)))

UNIT_BINS := $(addprefix $(BUILD)/unit/,$(UNIT_TESTS))
FUZZ_BINS := $(addprefix $(BUILD)/fuzz/,$(FUZZERS))
BENCH_BINS := $(addprefix $(BUILD)/bench/,$(BENCHES))

unit: $(UNIT_BINS)
	@BUILD=$(BUILD) bash scripts/run-tests.sh unit $(UNIT_BINS)

fuzz-smoke: $(FUZZ_BINS)
	@BUILD=$(BUILD) bash scripts/run-tests.sh fuzz $(FUZZ_BINS)

# Long fuzzing runs: make fuzz FUZZ_SECONDS=600
FUZZ_SECONDS ?= 300
fuzz: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do mkdir -p $(BUILD)/corpus/$$(basename $$f); \
		$$f -max_total_time=$(FUZZ_SECONDS) $(BUILD)/corpus/$$(basename $$f) || exit 1; done

# Both kernels, then the system tests of both at once (TERN_ARCHS).
test: deps
	$(MAKE) iso $(UNIT_BINS) $(FUZZ_BINS)
	$(MAKE) ARCH=arm64 BUILD=$(BUILD)/arm64 image
	@BUILD=$(BUILD) BUILD_ARM64=$(BUILD)/arm64 TERN_ARCHS="x86_64 arm64" \
		PYTHON=$(PYTHON) bash scripts/run-tests.sh all $(UNIT_BINS) -- $(FUZZ_BINS)

bench: deps
	$(MAKE) iso $(BENCH_BINS)
	$(MAKE) ARCH=arm64 BUILD=$(BUILD)/arm64 image
	@BUILD=$(BUILD) BUILD_ARM64=$(BUILD)/arm64 PYTHON=$(PYTHON) bash scripts/bench.sh $(BENCH_BINS)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/k -name '*.d' 2>/dev/null)

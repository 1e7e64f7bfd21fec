UNIT_TESTS += test_fdt_bootinfo
# The arm64 device-tree module (kernel/arch/arm64/fdt_*.c) over DTBs that
# QEMU dumps at build time: the real thing, from the QEMU that boots the
# arm64 kernel. They are 1 MiB each with random seeds in /chosen, so they
# are generated, not committed. Linked with the host's libfdt (libfdt-dev,
# installed by scripts/deps.sh) as a static archive.
HOST_LIBFDT := $(shell $(HOSTCC) -print-file-name=libfdt.a)
FDT_DTB_DIR := $(BUILD)/unit/dtb
test_fdt_bootinfo_SRCS := tests/unit/test_fdt_bootinfo.c tests/unit/harness.c \
	tests/unit/seams/kernel_seams.c kernel/bootinfo.c $(wildcard kernel/arch/arm64/fdt_*.c) \
	$(HOST_LIBFDT)
test_fdt_bootinfo_CFLAGS := -Ikernel/arch/arm64 -DFDT_DTB_DIR='"$(FDT_DTB_DIR)"'

FDT_DTBS := $(addprefix $(FDT_DTB_DIR)/,virt.dtb virt-lowmem.dtb virt-gicv3.dtb virt-usb.dtb)
# Headers the Makefile's HOST_HEADERS does not reach (two folders deep).
$(BUILD)/unit/test_fdt_bootinfo: $(FDT_DTBS) kernel/arch/arm64/fdt_read.h include/arch/fdt_platform.h
$(FDT_DTB_DIR)/virt.dtb: FDT_QEMU_ARGS := -m 512M -M virt
$(FDT_DTB_DIR)/virt-lowmem.dtb: FDT_QEMU_ARGS := -m 512M -M virt,highmem=off
$(FDT_DTB_DIR)/virt-gicv3.dtb: FDT_QEMU_ARGS := -m 4G -M virt,gic-version=3
$(FDT_DTB_DIR)/virt-usb.dtb: FDT_QEMU_ARGS := -m 512M -M virt \
	-device piix3-usb-uhci -device usb-ehci -device qemu-xhci
# -kernel /dev/null lets -append put bootargs into /chosen.
$(FDT_DTB_DIR)/%.dtb: tests/unit/test_fdt_bootinfo.mk
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  DUMPDTB $@")
	$(Q)qemu-system-aarch64 -cpu cortex-a57 -nic none -display none -kernel /dev/null \
		-append "console=ttyAMA0 autorun=lsusb" $(FDT_QEMU_ARGS) -machine dumpdtb=$@ \
		2>$@.log || { cat $@.log; rm -f $@; exit 1; }

#!/usr/bin/env bash
# `make bench`: prints Tern's benchmarks. Figures only; nothing here fails
# on speed, only on something not working at all.
#   1. Boot time to the first `tern> `, against a floor measured in the same
#      run: the same QEMU, SeaBIOS and GRUB loading a stub kernel
#      (scripts/boot-floor.S) that prints a prompt at once.
#   2. Each host benchmark binary given as an argument.
#   3. Every in-kernel `*bench` shell command, in one boot with -m 2G and the
#      reference USB topology (scripts/qemu.py --usb reference: ICH9 EHCI +
#      companions and a piix3 UHCI, 7 devices with a hub), once boot-time
#      work has finished; then `usbbench` alone on the xHCI reference
#      topology (--usb xhci-reference: the same 7 devices on one qemu-xhci).
#   4. USB storage: blkbench sequential reads, 64 MiB on EHCI (10 samples),
#      8 MiB on UHCI (3 samples) and 64 MiB at SuperSpeed on qemu-xhci (10
#      samples), median and range per transfer size.
# Environment: BUILD, PYTHON, BOOTS (boots per configuration, default 5).
set -euo pipefail

BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
BOOTS=${BOOTS:-5}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ISO=$BUILD/tern.iso
FLOOR=$BUILD/bench-floor
status=0

heading() {
	printf '\n===== %s =====\n' "$*"
}

# The floor ISO uses Tern's own grub.cfg, so GRUB does exactly the same.
build_floor_iso() {
	rm -rf "$FLOOR" && mkdir -p "$FLOOR/iso/boot/grub"
	gcc -m32 -c "$ROOT/scripts/boot-floor.S" -o "$FLOOR/boot-floor.o"
	ld -m elf_i386 -Ttext=0x100000 -o "$FLOOR/iso/boot/tern.elf" "$FLOOR/boot-floor.o"
	cp "$ROOT/kernel/arch/x86_64/grub.cfg" "$FLOOR/iso/boot/grub/grub.cfg"
	grub-mkrescue -o "$FLOOR/floor.iso" "$FLOOR/iso" 2>"$FLOOR/grub-mkrescue.log" ||
		{ cat "$FLOOR/grub-mkrescue.log"; return 1; }
}

heading "Boot time"
build_floor_iso
"$PYTHON" "$ROOT/scripts/bench_qemu.py" boot-time --iso "$ISO" \
	--floor-iso "$FLOOR/floor.iso" --boots "$BOOTS" || status=1
"$PYTHON" "$ROOT/scripts/bench_qemu.py" boot-time --arch arm64 \
	--iso "${BUILD_ARM64:-$BUILD/arm64}/tern.elf" --boots "$BOOTS" || status=1

heading "Host benchmarks ($# binaries)"
for bin in "$@"; do
	echo "--- $(basename "$bin")"
	"$bin" || { echo "$(basename "$bin"): exited with status $?"; status=1; }
done

heading "In-kernel benchmarks"
"$PYTHON" "$ROOT/scripts/bench_qemu.py" kernel --iso "$ISO" --mem 2G \
	--usb reference || status=1
"$PYTHON" "$ROOT/scripts/bench_qemu.py" kernel --iso "$ISO" --mem 2G \
	--usb xhci-reference --only usbbench || status=1

heading "USB storage"
"$PYTHON" "$ROOT/scripts/bench_qemu.py" storage --iso "$ISO" || status=1

exit $status

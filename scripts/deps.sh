#!/usr/bin/env bash
# Makes sure the Debian packages Tern needs to build, run and test are
# installed. `make run`, `make test` and `make bench` call this first, so a
# fresh Debian 12 machine needs nothing but `make`. Already-installed
# packages cost one dpkg-query; apt-get runs only when something is missing,
# and only as root (otherwise the missing list is printed and we fail).
set -euo pipefail

PACKAGES=(
	qemu-system-x86   # qemu-system-x86_64 (TCG)
	grub-pc-bin       # BIOS GRUB modules for grub-mkrescue
	grub-common       # grub-mkrescue
	xorriso           # ISO writer used by grub-mkrescue
	mtools            # EFI image tools grub-mkrescue insists on
	python3-pytest    # system tests (tests/system)
	clang             # libFuzzer harnesses
	libclang-rt-14-dev # libFuzzer, ASan and UBSan runtimes for clang
	llvm              # llvm-symbolizer for sanitizer reports
	gcc               # kernel and host unit tests
	make
	binutils          # ld, nm
)

missing_packages() {
	local pkg status
	for pkg in "${PACKAGES[@]}"; do
		status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
		[ "$status" = installed ] || echo "$pkg"
	done
}

mapfile -t missing < <(missing_packages)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing Debian packages: ${missing[*]}" >&2
	echo "deps.sh: install them with: sudo apt-get install ${missing[*]}" >&2
	exit 1
fi

echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null

mapfile -t still_missing < <(missing_packages)
if [ ${#still_missing[@]} -ne 0 ]; then
	echo "deps.sh: still missing after apt-get: ${still_missing[*]}" >&2
	exit 1
fi

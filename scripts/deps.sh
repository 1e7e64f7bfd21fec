#!/usr/bin/env bash
# Makes sure the Debian packages Tern needs to build, run and test are
# installed. `make run`, `make test` and `make bench` call this first, so a
# fresh Debian 12 machine needs nothing but `make`. Already-installed
# packages cost one dpkg-query; apt-get runs only when something is missing,
# and only as root (otherwise the missing list is printed and we fail).
#
# The arm64 kernel links Debian's arm64 libfdt, whose libfdt-dev cannot be
# installed beside the amd64 one the host tests use (bookworm's package is
# not Multi-Arch: same). So it is fetched, not installed: a private apt
# state (its own source list, lists, cache and an empty dpkg status, never
# the system's architecture list) downloads the .deb from the archives the
# system already uses, and dpkg-deb unpacks it into the cache directory
# printed by `deps.sh --libfdt-arm64-dir` (the Makefile asks for it). Once
# unpacked it is never fetched again, so later runs work offline.
#
#   deps.sh                      install missing packages, fetch libfdt arm64
#   deps.sh --libfdt-arm64-dir   print where the arm64 libfdt is unpacked
set -euo pipefail

CACHE=${TERN_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/tern}
LIBFDT_ARM64=$CACHE/libfdt-arm64
if [ "${1:-}" = --libfdt-arm64-dir ]; then
	echo "$LIBFDT_ARM64"
	exit 0
fi

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
	qemu-system-arm   # qemu-system-aarch64 (TCG), also dumps the test DTBs
	gcc-aarch64-linux-gnu # the arm64 kernel
	device-tree-compiler  # dtc, to read and edit DTBs
	libfdt-dev        # host libfdt for the device-tree unit tests and fuzzer
)

missing_packages() {
	local pkg status
	for pkg in "${PACKAGES[@]}"; do
		status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
		[ "$status" = installed ] || echo "$pkg"
	done
}

# Unpacks Debian's arm64 libfdt-dev into $LIBFDT_ARM64 (see the top).
fetch_libfdt_arm64() {
	local state=$CACHE/apt-arm64 deb
	[ -f "$LIBFDT_ARM64/usr/lib/aarch64-linux-gnu/libfdt.a" ] && return 0
	echo "deps.sh: fetching Debian's arm64 libfdt-dev into $LIBFDT_ARM64"
	rm -rf "$state" "$LIBFDT_ARM64.tmp"
	mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/parts" "$state/prefs"
	: >"$state/status"
	# The same archives, suites and components as the system's deb sources
	# (the $(...) are apt's format fields, not shell).
	# shellcheck disable=SC2016
	apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' \
		'Target-Of: deb' 'Identifier: Packages' | sort -u |
		while read -r uri release component; do
			echo "deb [arch=arm64] $uri $release $component"
		done >"$state/sources.list"
	if [ ! -s "$state/sources.list" ]; then
		echo "deps.sh: no Debian archive in the system's apt sources" >&2
		return 1
	fi
	local apt_opts=(-q -o "Dir::Etc::SourceList=$state/sources.list"
		-o "Dir::Etc::SourceParts=$state/parts" -o "Dir::Etc::PreferencesParts=$state/prefs"
		-o "Dir::State::Lists=$state/lists" -o "Dir::State::status=$state/status"
		-o "Dir::Cache=$state/cache" -o "APT::Architecture=arm64"
		-o "APT::Architectures=arm64" -o "APT::Sandbox::User=root")
	apt-get "${apt_opts[@]}" update >"$state/update.log" 2>&1 ||
		{ cat "$state/update.log" >&2; return 1; }
	(cd "$state" && apt-get "${apt_opts[@]}" download libfdt-dev:arm64) >&2
	deb=$(ls "$state"/libfdt-dev_*_arm64.deb)
	dpkg-deb -x "$deb" "$LIBFDT_ARM64.tmp"
	mv "$LIBFDT_ARM64.tmp" "$LIBFDT_ARM64"
	rm -rf "$state"
}

mapfile -t missing < <(missing_packages)
if [ ${#missing[@]} -eq 0 ]; then
	fetch_libfdt_arm64
	exit 0
fi

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
fetch_libfdt_arm64

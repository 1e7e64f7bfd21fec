#!/usr/bin/env bash
# Runs Tern's tests and adds them up: host unit-test binaries, libFuzzer
# harnesses for a bounded time, the layer check (scripts/check-layers.py,
# one test, on the kernel objects `make iso` built), then the pytest system
# tests that boot the kernel in QEMU, once per architecture in TERN_ARCHS
# (default x86_64; `make test` runs x86_64 and arm64 side by side). Ends
# with exactly one line "N passed, N failed" over all of them and exits
# non-zero if anything failed.
#
#   run-tests.sh all  <unit bins...> -- <fuzz bins...>   (make test)
#   run-tests.sh unit <unit bins...>                      (make unit)
#   run-tests.sh fuzz <fuzz bins...>                      (make fuzz-smoke)
#
# A unit binary prints "<name>: N passed, N failed"; one that crashes, times
# out or exits non-zero without that line counts as one failed test (and a
# non-zero exit after a clean summary, e.g. a LeakSanitizer report, adds one
# failure). Each fuzzer counts as one test. Environment: BUILD (build dir),
# BUILD_ARM64 (the arm64 kernel's), TERN_ARCHS, PYTHON (with pytest),
# FUZZ_SECONDS (per fuzzer, default 10),
# UNIT_TIMEOUT (per binary, default 300 s), PYTEST_ARGS (extra arguments).
set -uo pipefail

BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
UNIT_TIMEOUT=${UNIT_TIMEOUT:-300}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOGS=$BUILD/test-logs

total_passed=0
total_failed=0
failures=()

usage() {
	echo "usage: $0 all <unit bins...> -- <fuzz bins...> | unit <bins...> | fuzz <bins...>" >&2
	exit 2
}

heading() {
	printf '\n===== %s =====\n' "$*"
}

count() { # passed failed [name of what failed]
	total_passed=$((total_passed + $1))
	total_failed=$((total_failed + $2))
	if [ "$2" -gt 0 ] && [ -n "${3:-}" ]; then
		failures+=("$3")
	fi
}

run_unit() {
	local bin=$1 name log status summary passed failed
	name=$(basename "$bin")
	log=$LOGS/unit-$name.log
	if [ ! -x "$bin" ]; then
		echo "$name: missing binary $bin"
		count 0 1 "unit $name (binary missing)"
		return
	fi
	timeout --kill-after=10 "$UNIT_TIMEOUT" "$bin" 2>&1 | tee "$log"
	status=${PIPESTATUS[0]}
	summary=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed\$" "$log" | tail -n 1)
	if [ -z "$summary" ]; then
		if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
			echo "$name: timed out after $UNIT_TIMEOUT s without a summary line"
		else
			echo "$name: exited with status $status without a summary line"
		fi
		count 0 1 "unit $name (status $status, no summary)"
		return
	fi
	passed=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1/' <<<"$summary")
	failed=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\2/' <<<"$summary")
	if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
		echo "$name: exited with status $status after a clean summary (sanitizer report?)"
		failed=1
	fi
	count "$passed" "$failed" "unit $name"
}

run_fuzzer() {
	local bin=$1 name log corpus seeds status
	name=$(basename "$bin")
	log=$LOGS/fuzz-$name.log
	corpus=$BUILD/corpus/$name
	seeds=$ROOT/tests/fuzz/corpus/$name
	mkdir -p "$corpus" "$BUILD/fuzz-artifacts"
	if [ ! -x "$bin" ]; then
		echo "$name: missing binary $bin"
		count 0 1 "fuzz $name (binary missing)"
		return
	fi
	# A fixed seed keeps `make test` repeatable; `make fuzz` explores.
	local args=(-max_total_time="$FUZZ_SECONDS" -seed="${FUZZ_SEED:-1}" -rss_limit_mb=2048
		-print_final_stats=1 -artifact_prefix="$BUILD/fuzz-artifacts/$name-"
		"$corpus")
	[ -d "$seeds" ] && args+=("$seeds")
	timeout --kill-after=10 $((FUZZ_SECONDS + 120)) "$bin" "${args[@]}" \
		>"$log" 2>&1 </dev/null
	status=$?
	if [ "$status" -eq 0 ]; then
		echo "$name: ok, $(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$log" |
			sed 's/Done //; s/ second/ s/' | tail -n 1), corpus $corpus"
		count 1 0
	else
		echo "$name: FAILED (status $status); last lines of $log:"
		tail -n 40 "$log" | sed 's/^/  /'
		count 0 1 "fuzz $name (status $status, see $log)"
	fi
}

# One check per architecture in TERN_ARCHS, each on its own kernel objects.
run_layer_check() {
	local arch build
	for arch in ${TERN_ARCHS:-x86_64}; do
		build=$BUILD
		[ "$arch" = arm64 ] && build=${BUILD_ARM64:-$BUILD/arm64}
		if "$PYTHON" "$ROOT/scripts/check-layers.py" --build "$build" --arch "$arch"; then
			count 1 0
		else
			count 0 1 "layer check on $arch (scripts/check-layers.py; layers in docs/architecture.md)"
		fi
	done
}

# Starts the pytest run for one architecture in the background; its output
# goes to $LOGS/system-<arch>.log and its status to .status beside it.
start_system_tests() {
	local arch=$1 log=$LOGS/system-$1.log
	# PYTEST_ARGS is split into words on purpose (e.g. "-k meminfo -x").
	# shellcheck disable=SC2086
	(cd "$ROOT" && BUILD=$BUILD TERN_ARCH=$arch PYTHONDONTWRITEBYTECODE=1 \
		"$PYTHON" -m pytest tests/system -q --tb=short -p no:cacheprovider \
		${PYTEST_ARGS:-} >"$log" 2>&1; echo $? >"$log.status") &
}

count_system_tests() {
	local arch=$1 log=$LOGS/system-$1.log status summary passed failed errors
	heading "System tests (QEMU, $arch)"
	cat "$log"
	status=$(cat "$log.status")
	if [ "$status" -eq 5 ]; then
		echo "(no system tests collected)"
		return
	fi
	summary=$(grep -E '^=*\s*[0-9]+ (passed|failed|errors?|skipped|deselected|xfailed|xpassed)|no tests ran' "$log" | tail -n 1)
	passed=$(grep -Eo '[0-9]+ passed' <<<"$summary" | grep -Eo '[0-9]+' || echo 0)
	failed=$(grep -Eo '[0-9]+ failed' <<<"$summary" | grep -Eo '[0-9]+' || echo 0)
	errors=$(grep -Eo '[0-9]+ errors?' <<<"$summary" | grep -Eo '[0-9]+' || echo 0)
	failed=$((failed + errors))
	if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
		echo "pytest exited with status $status without reporting a failure"
		failed=1
	fi
	count "$passed" "$failed" "system tests on $arch ($failed failed, see $log and its system-logs/)"
}

run_system_tests() {
	local arch
	for arch in ${TERN_ARCHS:-x86_64}; do
		start_system_tests "$arch"
	done
	wait
	for arch in ${TERN_ARCHS:-x86_64}; do
		count_system_tests "$arch"
	done
}

[ $# -ge 1 ] || usage
mode=$1
shift
unit_bins=()
fuzz_bins=()
case $mode in
all)
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		unit_bins+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	fuzz_bins=("$@")
	;;
unit) unit_bins=("$@") ;;
fuzz) fuzz_bins=("$@") ;;
*) usage ;;
esac

mkdir -p "$LOGS"

if [ "$mode" != fuzz ]; then
	heading "Host unit tests (${#unit_bins[@]} binaries)"
	for bin in "${unit_bins[@]}"; do
		run_unit "$bin"
	done
fi

if [ "$mode" != unit ]; then
	heading "Fuzzers (${#fuzz_bins[@]}, ${FUZZ_SECONDS} s each)"
	for bin in "${fuzz_bins[@]}"; do
		run_fuzzer "$bin"
	done
fi

if [ "$mode" = all ]; then
	heading "Layer check"
	run_layer_check
	run_system_tests
fi

heading "Summary"
if [ ${#failures[@]} -gt 0 ]; then
	echo "Failed:"
	printf '  %s\n' "${failures[@]}"
fi
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make check-debug": every VM test on a debug kernel built from
# linux-source-6.12 ("build-kernel.sh debug": KASAN, lockdep, kmemleak,
# DEBUG_ATOMIC_SLEEP, fault injection; cached), with the modules built
# for it; then the same summary as make check, last line exactly
# "N passed, M failed". Any KASAN report, lockdep splat, sleep in atomic
# context or kmemleak report on the console fails "vm-console-clean".
# Not part of make check (it takes several times longer); run it before
# a stop that touches driver/.
#
# Usage: check-debug.sh [TEST...]   (run by the top-level Makefile after
#                                    "make all"; default: every test)
# Exit status: 1 when M > 0 or N == 0.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TOP=$(mvgpu_top)
BUILD=${BUILD:-$TOP/build}
out=$BUILD/check-debug
mkdir -p "$out"
rm -f "$out"/*.results

start=$(date +%s)
dobj=$(bash "$TOP/qemu-scripts/build-kernel.sh" debug)
release=$(cat "$dobj/include/config/kernel.release")
dko=$BUILD/debug-ko
copy_module_sources "$dko"
if ! make -s -C "$dobj" M="$dko" modules > "$out/modules.log" 2>&1; then
	cat "$out/modules.log"
	echo "FAIL build: the modules do not build for $release" > "$out/build.results"
fi
build_s=$(($(date +%s) - start))

if [ ! -s "$out/build.results" ]; then
	export VM=$BUILD/vm-debug
	MVGPU_KROOT=$(dirname "$dobj")/root MVGPU_ABI=$release \
		MVGPU_KO_DIR=$dko/driver bash "$TOP/qemu-scripts/mkinitramfs.sh"
	# a debug kernel is several times slower: the whole run gets 90 min
	# every test of run_list and the fault-injection tests, by default.
	if [ $# = 0 ]; then
		set -- $(grep -v '^[[:space:]]*\(#\|$\)' "$VM/root/selftests/run_list") \
			mvgpu/fault_inject
	fi
	"$TOP/qemu-scripts/run-vm.sh" -n debug -W 5400 -r "$out/vm.results" "$@" || true
	[ -s "$out/vm.results" ] || echo "FAIL vm: run-vm.sh gave no results" > "$out/vm.results"
fi

echo
echo "=== summary (debug kernel $release)"
cat "$out"/*.results > "$out/all"
print_summary "$out/all" \
	"time: kernel and modules ${build_s}s, all $(($(date +%s) - start))s"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the mvgpu test VM (build it first with mkinitramfs.sh) and run tests.
#
# Usage: run-vm.sh [options] [TEST...]
#   TEST            paths relative to /selftests in the VM (as in run_list);
#                   default: every test of run_list
#   -n NAME         run name, for the log file names (default "tests")
#   -j JOB          tests (default), demo, bench (mvgpu-bench with the
#                   words of -e BENCH_ARGS=...) or shell (interactive console)
#   -k FILE.ko      also insmod this module in the VM before the tests
#                   (repeatable; the EXTRA_KO variable adds more)
#   -T SECONDS      per-test timeout in the VM for every program (default:
#                   the "settings" file of each test directory)
#   -W SECONDS      overall VM timeout (default 2400)
#   -r FILE         also write the results ("PASS/FAIL/SKIP name") to FILE
#   -e NAME=VALUE   set a variable for the VM's init and job (repeatable)
#
# Logs: build/vm-logs/<name>-<date>.log (console, ttyS0),
#       build/vm-logs/<name>-<date>.tap (test output, ttyS1),
#       build/vm-logs/<name>-<date>.results,
#       build/vm-logs/<name>-<date>.qemu (QEMU's messages, when it had any).
# Besides the test cases, one check "vm-console-clean" fails when the console
# shows a kernel warning, BUG, oops, lockup, hung task, ... (check-console.sh).
# Exit status: 0 when everything passed, 1 otherwise.
set -euo pipefail

HERE=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=qemu-scripts/lib.sh
. "$HERE/lib.sh"
TOP=$(mvgpu_top)
BUILD=${BUILD:-$TOP/build}
VM=${VM:-$BUILD/vm}

name=tests
job=tests
test_timeout=
vm_timeout=2400
results_out=
extra_ko=()
vars=()
# shellcheck disable=SC2206
[ -n "${EXTRA_KO:-}" ] && extra_ko=(${EXTRA_KO})
# A slow machine's nested guests, simulated (see nested-guest.sh).
[ -n "${NESTED_CPU_QUOTA:-}" ] && vars+=("NESTED_CPU_QUOTA=$NESTED_CPU_QUOTA")

while getopts n:j:k:T:W:r:e:h opt; do
	case $opt in
	n)	name=$OPTARG ;;
	j)	job=$OPTARG ;;
	k)	extra_ko+=("$OPTARG") ;;
	T)	test_timeout=$OPTARG ;;
	W)	vm_timeout=$OPTARG ;;
	r)	results_out=$OPTARG ;;
	e)	[[ $OPTARG =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "-e wants NAME=VALUE"
		vars+=("$OPTARG") ;;
	*)	sed -n '4,24s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
tests=("$@")

for f in "$VM/vmlinuz" "$VM/initramfs.cpio.gz"; do
	[ -f "$f" ] || die "$f missing: run qemu-scripts/mkinitramfs.sh (make vm)"
done
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (make deps)"

vm_run_files "$name" vm

# Per-run settings travel as a second cpio archive appended to the
# initramfs (the kernel unpacks concatenated archives in order).
mkdir -p "$work/overlay/etc/mvgpu/extra-ko"
{
	echo "JOB=$job"
	[ -n "$test_timeout" ] && echo "TIMEOUT=$test_timeout"
	[ ${#tests[@]} -gt 0 ] && echo "TESTS='${tests[*]}'"
	for v in "${vars[@]}"; do
		printf "export %s='%s'\n" "${v%%=*}" "${v#*=}"
	done
} > "$work/overlay/etc/mvgpu/job"
for ko in "${extra_ko[@]}"; do
	[ -f "$ko" ] || die "extra module $ko not found"
	cp "$ko" "$work/overlay/etc/mvgpu/extra-ko/"
	note "adding extra module $ko"
done
(cd "$work/overlay" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -1) > "$work/overlay.cpio.gz"
cat "$VM/initramfs.cpio.gz" "$work/overlay.cpio.gz" > "$work/initrd"

: > "$tap"
serial0=(-serial "file:$console")
interactive=0
if [ "$job" = shell ]; then
	serial0=(-serial mon:stdio)
	interactive=1
fi

note "booting the VM (job $job), console: $console"
start=$(date +%s)
qemu=(timeout -k 10 "$vm_timeout" qemu-system-x86_64
	-accel tcg -m 3G -smp 2 -nographic -no-reboot
	-kernel "$VM/vmlinuz" -initrd "$work/initrd"
	-append "console=ttyS0 loglevel=7 panic=-1 mitigations=off"
	"${serial0[@]}" -serial "file:$tap" -monitor none -nic none
	# two PCI functions for mvgpu_sim to bind as its physical GPUs
	-device edu -device edu)
if [ $interactive = 1 ]; then
	"${qemu[@]}" || true
	exit 0
fi
"${qemu[@]}" < /dev/null > "$work/qemu.out" 2>&1 &
qpid=$!

# Show progress while the VM runs: program results (or the demo's output).
if [ "$job" = demo ]; then
	filter=(cat)
elif [ "$job" = bench ]; then
	# the files the benchmark prints (see bench-files.sh) are not for the eye
	filter=(awk '/^@@file /{print "  (" $2 " saved by make bench)"; f=1; next}
		     /^@@end$/{f=0; next} !f{print; fflush()}')
else
	filter=(grep --line-buffered -E '^(not )?ok [0-9]+ selftests: ')
fi
tail -n +1 -s 1 -f --pid="$qpid" "$tap" | sed -u 's/\r$//' | "${filter[@]}" || true
rc=0
wait "$qpid" || rc=$?
qpid=
elapsed=$(($(date +%s) - start))
# QEMU's own messages (an abort's reason) stay with the logs too
if [ -s "$work/qemu.out" ]; then
	sed 's/^/qemu: /' "$work/qemu.out" >&2
	cp "$work/qemu.out" "$base.qemu"
fi

# Results.
{
	if [ "$job" = tests ]; then
		"$HERE/parse-tap.sh" "$tap"
	fi
	vm_outcome vm "$rc" "$vm_timeout" "$tap" '# mvgpu-init: done' \
		"$console" "$work/console-findings"
} > "$results"
[ -n "$results_out" ] && cp "$results" "$results_out"

kernel_trouble "$console" "$work/console-findings"
print_findings "$results"
pass=$(grep -c '^PASS' "$results" || true)
fail=$(grep -c '^FAIL' "$results" || true)
skip=$(grep -c '^SKIP' "$results" || true)
echo "vm ($name): $pass passed, $fail failed, $skip skipped in ${elapsed}s; logs: $base.{log,tap}"
[ "$fail" = 0 ]

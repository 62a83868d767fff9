#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# Start a second-level guest on a vGPU. Runs INSIDE the test VM (busybox sh).
#
# Usage: nested-guest.sh [-t SECONDS] [-b SECONDS] UUID OUTDIR [guest command...]
#
# The guest (q35, 512 MiB, TCG) gets the vGPU through
# "-device vfio-pci,sysfsdev=/sys/bus/mdev/devices/UUID", reports the PCI
# devices it sees, runs the guest command if one is given and powers off.
# Files in OUTDIR:
#   result.txt   the job's output (guest's second serial port); ends with
#                "mvgpu-nested: exit=N" and "mvgpu-nested: done"
#   console.log  the guest's kernel console
#   qemu.log     QEMU's own stderr
#   ctl.in       a FIFO to the guest's third serial port: a line the host
#                writes there ("nested-ctl.sh tell go OUTDIR", which never
#                blocks) is what the guest job reads from file descriptor 4
#                (lets a test start work in several guests at one moment;
#                "nested-ctl.sh wait PREFIX OUTDIR..." waits for their
#                job output to say they are ready)
#   ctl.out      its other direction (unused)
#   boot-retry.log  only when the first boot showed no sign of life: what
#                that attempt left (its console and QEMU log)
# Exit status: 0 when the guest finished its job (whatever the job's own
# result), 1 on a usage error, 2 when QEMU failed or the guest did not
# finish within the timeout (-t, default 540 s).
# A guest whose /init has not reported within -b seconds (default 360; it
# takes 60-120 s) is killed and started once more, with a note on stderr
# and in boot-retry.log: in one of the last ten or so CI runs a nested TCG guest never
# got as far (cause not found yet, see Documentation/mvgpu/testing.rst).
# Several guests may run at the same time (start them in the background).

NESTED_DIR=${NESTED_DIR:-/usr/share/mvgpu/nested}
timeout=540
boot_timeout=360

usage() {
	echo "usage: ${0##*/} [-t SECONDS] [-b SECONDS] UUID OUTDIR [guest command...]" >&2
	exit 1
}

while getopts t:b: opt; do
	case $opt in
	t)	timeout=$OPTARG ;;
	b)	boot_timeout=$OPTARG ;;
	*)	usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || usage
uuid=$1
outdir=$2
shift 2

sysfsdev=/sys/bus/mdev/devices/$uuid
[ -d "$sysfsdev" ] || { echo "${0##*/}: no vGPU $uuid ($sysfsdev)" >&2; exit 1; }
mkdir -p "$outdir" || exit 1
rm -f "$outdir/ctl.in" "$outdir/ctl.out" "$outdir/boot-retry.log"
mkfifo "$outdir/ctl.in" "$outdir/ctl.out" || exit 1

# Spare the guest's kernel what a throwaway test guest does not need and
# costs most under TCG in TCG: crypto self-tests, the jitter entropy
# source, the certificate list, audit.
append="console=ttyS0 loglevel=5 panic=-1 mitigations=off audit=0 cryptomgr.notests=1"
append="$append initcall_blacklist=jent_mod_init,crypto_kdf108_init"
append="$append,load_system_certificate_list,init_encrypted,trace_eval_init"
if [ $# -gt 0 ]; then
	append="$append mvgpu.job=$(printf '%s' "$*" | base64 -w 0)"
fi
# x86 truncates the kernel command line at 2048 bytes (COMMAND_LINE_SIZE):
# a longer job would arrive cut.
if [ ${#append} -ge 2048 ]; then
	echo "${0##*/}: guest command too long: ${#append} bytes of kernel command line (max 2047)" >&2
	exit 1
fi

# the uncompressed kernel (PVH entry) when there is one: faster
kernel=$NESTED_DIR/vmlinuz
[ -f "$NESTED_DIR/vmlinux" ] && kernel=$NESTED_DIR/vmlinux

ulimit -l unlimited

# Has the guest's /init reported (its first line)?
booted() {
	grep -q '^mvgpu-nested: kernel' "$outdir/result.txt" 2>/dev/null
}

# Run QEMU once (fresh logs); its exit status, 137 when killed at the timeout or, with
# $1 = boot, when /init did not report within boot_timeout.
run_guest() {
	local qpid start t=0

	start=$(cut -d. -f1 /proc/uptime)
	rm -f "$outdir/result.txt" "$outdir/console.log" "$outdir/qemu.log"
	qemu-system-x86_64 \
		-accel tcg -machine q35 -m 512M -smp 1 \
		-nodefaults -display none -no-reboot \
		-kernel "$kernel" -initrd "$NESTED_DIR/initramfs.cpio.gz" \
		-append "$append" \
		-serial "file:$outdir/console.log" -serial "file:$outdir/result.txt" \
		-chardev "pipe,id=ctl,path=$outdir/ctl" -serial chardev:ctl \
		-device "vfio-pci,sysfsdev=$sysfsdev" \
		< /dev/null > /dev/null 2> "$outdir/qemu.log" &
	qpid=$!
	while kill -0 "$qpid" 2>/dev/null; do
		if [ $t -ge "$timeout" ] ||
		   { [ "$1" = boot ] && [ $t -ge "$boot_timeout" ] && ! booted; }; then
			kill -KILL "$qpid" 2>/dev/null
			break
		fi
		sleep 1
		t=$(($(cut -d. -f1 /proc/uptime) - start))
	done
	wait "$qpid"
}

run_guest boot
rc=$?
if [ $rc = 137 ] && ! booted; then
	echo "${0##*/}: guest on $uuid showed no sign of life within ${boot_timeout}s; starting it once more (see $outdir/boot-retry.log)" >&2
	{
		echo "first boot of the guest on $uuid: /init did not report within ${boot_timeout}s"
		echo "--- console.log (last 40 lines)"
		tail -n 40 "$outdir/console.log" 2>/dev/null
		echo "--- qemu.log"
		cat "$outdir/qemu.log" 2>/dev/null
	} > "$outdir/boot-retry.log"
	run_guest
	rc=$?
fi
[ -f "$outdir/result.txt" ] &&
	tr -d '\r' < "$outdir/result.txt" > "$outdir/result.tmp" &&
	mv "$outdir/result.tmp" "$outdir/result.txt"

if grep -q '^mvgpu-nested: done' "$outdir/result.txt" 2>/dev/null; then
	exit 0
fi
if [ $rc = 137 ]; then
	echo "${0##*/}: guest on $uuid did not finish within ${timeout}s" >&2
else
	echo "${0##*/}: QEMU exited with $rc before the guest finished; see $outdir/qemu.log" >&2
fi
exit 2

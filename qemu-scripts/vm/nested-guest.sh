#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# Start a second-level guest on a vGPU. Runs INSIDE the test VM (busybox sh).
#
# Usage: nested-guest.sh [-t SECONDS] [-b SECONDS] [-M] [-i URI] [-o OPTS] [-D DEVICE]
#                        UUID OUTDIR [guest command...]
#
# The guest (q35, 512 MiB, TCG, the small nested-guest kernel) gets the
# vGPU through "-device vfio-pci,sysfsdev=/sys/bus/mdev/devices/UUID",
# reports the PCI devices it sees, runs the guest command if one is given
# and powers off. Files in OUTDIR:
#   result.txt   the job's output (guest's second serial port); ends with
#                "mvgpu-nested: exit=N" and "mvgpu-nested: done"
#   console.log  the guest's kernel console (printk times)
#   qemu.log     QEMU's own stderr
#   boot-seconds seconds from QEMU's start to the first line of the guest's
#                /init (of the attempt that booted)
#   ctl.in       a FIFO to the guest's third serial port: a line the host
#                writes there ("nested-ctl.sh tell go OUTDIR", which never
#                blocks) is what the guest job reads from file descriptor 4
#                (lets a test start work in several guests at one moment;
#                "nested-ctl.sh wait PREFIX OUTDIR..." waits for their
#                job output to say they are ready)
#   ctl.out      its other direction (unused)
#   exit-status  written when nested-guest.sh ends: its exit status (lets
#                nested-ctl.sh stop waiting for a guest that is gone)
#   boot-retry.log  only when the first boot stalled: what that attempt
#                left (its console and QEMU log)
#   mon.in       with -M: a FIFO to QEMU's human monitor (HMP); a line
#                written there ("nested-ctl.sh hmp OUTDIR COMMAND") is a
#                monitor command
#   monitor.log  with -M: what the monitor answered
# -o OPTS adds ",OPTS" to the vfio-pci device (e.g. enable-migration=on).
# -D DEVICE names QEMU's device instead of vfio-pci: vfio-pci-nohotplug,
# which libvirt uses for ramfb=on (only that one has the property).
# -i URI starts QEMU as the destination of a migration ("-incoming URI",
# e.g. unix:PATH): the guest arrives already booted, so there is no boot
# watchdog; give it the source's guest command (the kernel command line
# must match; the job is not run again, the guest's state comes with the
# migration).
# Exit status: 0 when the guest finished its job (whatever the job's own
# result), 1 on a usage error, 2 when QEMU failed or the guest did not
# finish within -t SECONDS (default 900), a retried boot included.
# Boot watchdog: a guest whose console and job output stay unchanged for -b
# SECONDS (default 180) before its /init reports is killed and started once
# more (when time is left), with a note on stderr and in boot-retry.log.
# It watches progress, not the clock, so it holds on a machine where nested
# guests boot several times slower: the kernel prints a line at least every
# few (guest) seconds while it boots. (In about ten CI runs with Debian's
# kernel, one nested guest never printed anything; see testing.rst.)
# MVGPU_VFIO=iommufd in the environment attaches the vGPU through iommufd
# and the vfio cdev ("-object iommufd,id=iommufd0" and ",iommufd=iommufd0"
# on the vfio-pci device) instead of the group and a type1 container.
# NESTED_CPU_QUOTA=P in the environment runs QEMU in a cgroup limited to P %
# of one CPU: a test run that behaves like a machine whose nested TCG is
# 100/P times slower.
# Several guests may run at the same time (start them in the background).

NESTED_DIR=${NESTED_DIR:-/usr/share/mvgpu/nested}
timeout=900
stall_timeout=180

usage() {
	echo "usage: ${0##*/} [-t SECONDS] [-b SECONDS] [-M] [-i URI] [-o OPTS] [-D DEVICE] UUID OUTDIR [guest command...]" >&2
	exit 1
}

monitor=0
incoming=
vfio_opts=
vfio_dev=vfio-pci
while getopts t:b:Mi:o:D: opt; do
	case $opt in
	t)	timeout=$OPTARG ;;
	b)	stall_timeout=$OPTARG ;;
	M)	monitor=1 ;;
	i)	incoming=$OPTARG ;;
	o)	vfio_opts=,$OPTARG ;;
	D)	vfio_dev=$OPTARG ;;
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
rm -f "$outdir/ctl.in" "$outdir/ctl.out" "$outdir/boot-retry.log" \
	"$outdir/boot-seconds" "$outdir/exit-status" "$outdir/mon.in" \
	"$outdir/mon.out" "$outdir/monitor.log"
# From here on, every exit leaves OUTDIR/exit-status.
mon_pid=
finish() {
	[ -n "$mon_pid" ] && kill "$mon_pid" 2>/dev/null
	echo "$1" > "$outdir/exit-status"
	exit "$1"
}
mkfifo "$outdir/ctl.in" "$outdir/ctl.out" || finish 1
# QEMU options of -M and -i
extra=
if [ $monitor = 1 ]; then
	mkfifo "$outdir/mon.in" "$outdir/mon.out" || finish 1
	# drained all the time: a full FIFO would stall QEMU
	cat "$outdir/mon.out" > "$outdir/monitor.log" &
	mon_pid=$!
	extra="-chardev pipe,id=mon,path=$outdir/mon -mon chardev=mon,mode=readline"
fi
[ -n "$incoming" ] && extra="$extra -incoming $incoming"
if [ "${MVGPU_VFIO:-}" = iommufd ]; then
	extra="$extra -object iommufd,id=iommufd0"
	vfio_opts="$vfio_opts,iommufd=iommufd0"
fi

# The console at loglevel 7 is what the boot watchdog sees progress on.
append="console=ttyS0 loglevel=7 panic=-1"
if [ $# -gt 0 ]; then
	append="$append mvgpu.job=$(printf '%s' "$*" | base64 -w 0)"
fi
# x86 truncates the kernel command line at 2048 bytes (COMMAND_LINE_SIZE):
# a longer job would arrive cut.
if [ ${#append} -ge 2048 ]; then
	echo "${0##*/}: guest command too long: ${#append} bytes of kernel command line (max 2047)" >&2
	finish 1
fi

kernel=$NESTED_DIR/vmlinux
[ -f "$kernel" ] || { echo "${0##*/}: no nested-guest kernel $kernel" >&2; finish 1; }

ulimit -l unlimited

now() {
	cut -d. -f1 /proc/uptime
}
deadline=$(($(now) + timeout))

# Exec "$@" (so: only in a background subshell), in a cgroup limited to
# NESTED_CPU_QUOTA % of one CPU when that is set.
quota_cg=
if [ -n "${NESTED_CPU_QUOTA:-}" ]; then
	cgroot=/sys/fs/cgroup
	# another guest's nested-guest.sh may be mounting it right now
	[ -f $cgroot/cgroup.controllers ] || mount -t cgroup2 none $cgroot ||
		[ -f $cgroot/cgroup.controllers ] || finish 2
	echo +cpu > $cgroot/cgroup.subtree_control || finish 2
	quota_cg=$cgroot/nested-$$
	mkdir -p "$quota_cg" &&
		echo "$((NESTED_CPU_QUOTA * 1000)) 100000" > "$quota_cg/cpu.max" || finish 2
fi
in_quota() {
	if [ -n "$quota_cg" ]; then
		echo 0 > "$quota_cg/cgroup.procs" || finish 2
	fi
	exec "$@"
}

# Has the guest's /init reported (its first line)?
booted() {
	grep -q '^mvgpu-nested: kernel' "$outdir/result.txt" 2>/dev/null
}

# Bytes the guest has written so far (console and job output).
progress() {
	cat "$outdir/console.log" "$outdir/result.txt" 2>/dev/null | wc -c
}

# Run QEMU once (fresh logs) until it exits or the deadline passes; with
# $1 = boot, also kill it when it makes no progress for stall_timeout
# seconds before /init reported. Its exit status, 137 when killed.
run_guest() {
	local qpid start t last seen=-1 bytes

	start=$(now)
	last=$start
	rm -f "$outdir/result.txt" "$outdir/console.log" "$outdir/qemu.log"
	# shellcheck disable=SC2086 # $extra: options, split on purpose
	in_quota qemu-system-x86_64 \
		-accel tcg -machine q35 -m 512M -smp 1 \
		-nodefaults -display none -no-reboot \
		-kernel "$kernel" -initrd "$NESTED_DIR/initramfs.cpio.gz" \
		-append "$append" \
		-serial "file:$outdir/console.log" -serial "file:$outdir/result.txt" \
		-chardev "pipe,id=ctl,path=$outdir/ctl" -serial chardev:ctl \
		-device "$vfio_dev,sysfsdev=$sysfsdev$vfio_opts" \
		$extra \
		< /dev/null > /dev/null 2> "$outdir/qemu.log" &
	qpid=$!
	while kill -0 "$qpid" 2>/dev/null; do
		sleep 1
		t=$(now)
		if [ ! -f "$outdir/boot-seconds" ] && booted; then
			echo $((t - start)) > "$outdir/boot-seconds"
		fi
		if [ "$1" = boot ] && [ ! -f "$outdir/boot-seconds" ]; then
			bytes=$(progress)
			[ "$bytes" != "$seen" ] && seen=$bytes && last=$t
		else
			last=$t
		fi
		if [ "$t" -ge "$deadline" ] || [ $((t - last)) -ge "$stall_timeout" ]; then
			kill -KILL "$qpid" 2>/dev/null
			break
		fi
	done
	wait "$qpid"
}

if [ -n "$incoming" ]; then
	run_guest
else
	run_guest boot
fi
rc=$?
if [ $rc = 137 ] && [ -z "$incoming" ] && ! booted; then
	{
		echo "first boot of the guest on $uuid: no progress for ${stall_timeout}s before /init reported (or out of time)"
		echo "--- console.log (last 40 lines)"
		tail -n 40 "$outdir/console.log" 2>/dev/null
		echo "--- qemu.log"
		cat "$outdir/qemu.log" 2>/dev/null
	} > "$outdir/boot-retry.log"
	if [ "$(now)" -lt "$deadline" ]; then
		echo "${0##*/}: guest on $uuid made no progress for ${stall_timeout}s before /init reported; starting it once more (see $outdir/boot-retry.log)" >&2
		run_guest
		rc=$?
	fi
fi
[ -n "$quota_cg" ] && rmdir "$quota_cg" 2>/dev/null
[ -f "$outdir/result.txt" ] &&
	tr -d '\r' < "$outdir/result.txt" > "$outdir/result.tmp" &&
	mv "$outdir/result.tmp" "$outdir/result.txt"

if grep -q '^mvgpu-nested: done' "$outdir/result.txt" 2>/dev/null; then
	finish 0
fi
if [ $rc = 137 ]; then
	echo "${0##*/}: guest on $uuid did not finish within ${timeout}s" >&2
else
	echo "${0##*/}: QEMU exited with $rc before the guest finished; see $outdir/qemu.log" >&2
fi
finish 2

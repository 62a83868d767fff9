#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# /init of a second-level (nested) guest. Runs one job and writes its output
# to the second serial port (/dev/ttyS1), then powers off.
#
# It first reports the PCI devices the guest sees, one line each:
#   pci <addr> vendor=0x.... device=0x.... class=0x...... bar0=<bytes> ... rom=<bytes>
# then runs the shell command in mvgpu.job=<base64> on the kernel command
# line (set by nested-guest.sh), if any; the guest driver is there to
# "modprobe mvgpu_accel", and mvgpu-run when tools/guest was built.
# The last two lines are always "mvgpu-nested: exit=<status>" and
# "mvgpu-nested: done".
# The job may read lines the host sends (nested-guest.sh's OUTDIR/ctl.in)
# from file descriptor 4, the third serial port, e.g. "read -r word <&4".

export PATH=/sbin:/bin:/usr/sbin:/usr/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
exec </dev/console >/dev/console 2>&1

OUT=/dev/ttyS1
[ -c "$OUT" ] || OUT=/dev/console
stty -F "$OUT" raw -echo -onlcr 2>/dev/null
exec 3>"$OUT"
# Opened once and kept open: opening a UART clears its receive FIFO.
CTL=/dev/ttyS2
if [ -c "$CTL" ]; then
	exec 4<"$CTL"
	stty raw -echo <&4 2>/dev/null
else
	exec 4</dev/null
fi

# Size of a BAR from one line ("start end flags") of a PCI resource file.
bar_size() {
	[ "$2" = 0x0000000000000000 ] && { echo 0; return; }
	echo $(($2 - $1 + 1))
}

report_pci() {
	local d line i bars

	for d in /sys/bus/pci/devices/*; do
		[ -e "$d/vendor" ] || continue
		bars=
		i=0
		while read -r line; do
			# shellcheck disable=SC2086
			if [ $i -lt 6 ]; then
				bars="$bars bar$i=$(bar_size $line)"
			elif [ $i = 6 ]; then
				bars="$bars rom=$(bar_size $line)"
			fi
			i=$((i + 1))
		done < "$d/resource"
		echo "pci ${d##*/} vendor=$(cat "$d/vendor") device=$(cat "$d/device")" \
		     "class=$(cat "$d/class")$bars"
	done
}

job=
# shellcheck disable=SC2013 # words, not lines
for arg in $(cat /proc/cmdline); do
	case $arg in
	mvgpu.job=*) job=$(echo "${arg#*=}" | base64 -d) ;;
	esac
done

echo "mvgpu-nested: kernel $(uname -r)" >&3
report_pci >&3 2>&1
rc=$?
if [ -n "$job" ]; then
	sh -c "$job" >&3 2>&1
	rc=$?
fi
echo "mvgpu-nested: exit=$rc" >&3
echo "mvgpu-nested: done" >&3
sync
sleep 1
# -no-reboot makes QEMU exit; works with and without ACPI
reboot -f

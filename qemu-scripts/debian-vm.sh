#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian test VM: mvgpu used as an operator uses it, on a real Debian
# 12 system (systemd, udev, DKMS, mdevctl, libvirt, all Debian packages)
# booted under QEMU (TCG) from the image debian-rootfs.sh builds and caches.
#
# A second disk (label MVGPU, made here with mkfs.ext4 -d) carries the
# project's source tree, the nested guests' kernel and initramfs (make vm
# builds them), the job, debian/operator.sh, with its TAP helpers
# (selftests/ktap_lib.sh, the kernel's ktap_helpers.sh), which the image's
# mvgpu-test.service runs at boot. The job installs the modules with
# DKMS, creates vGPUs with mdevctl, reboots once (the VM keeps its disk
# for the reboot; the image itself is never written: snapshot=on), gives
# a vGPU to a libvirt domain, and powers off. Its TAP goes to the second
# serial port.
#
# Usage: debian-vm.sh [-r RESULTS] [-t TIMING] [-W SECONDS]
#   -r FILE      also write the results ("PASS/FAIL name", "INFO timing")
#   -t FILE      append the steps' times ("debian-NAME SECONDS" lines: image,
#                boot, dkms, mdevctl, reboot, domain, libvirt, vm) to FILE
#   -W SECONDS   the whole VM's timeout (default 2700)
# Logs: build/vm-logs/debian-<date>.{log,tap,results}.
# Environment: BUILD, VM (where make vm put the nested guest's initramfs),
# NESTED_CPU_QUOTA (the libvirt domain's QEMU then gets that % of a CPU).
# Exit status: 0 when everything passed.
set -euo pipefail

HERE=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=qemu-scripts/lib.sh
. "$HERE/lib.sh"
TOP=$(mvgpu_top)
BUILD=${BUILD:-$TOP/build}
VM=${VM:-$BUILD/vm}
KSRC=${KSRC:-/usr/src/linux-source-6.12}

results_out=
timing_out=
vm_timeout=2700
while getopts r:t:W:h opt; do
	case $opt in
	r)	results_out=$OPTARG ;;
	t)	timing_out=$OPTARG ;;
	W)	vm_timeout=$OPTARG ;;
	*)	sed -n '4,23s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || die "must run as root"
[ -f "$VM/nested-initramfs.cpio.gz" ] || die "no $VM/nested-initramfs.cpio.gz: run 'make vm'"

vm_run_files debian debian

# The image (built once, then cached).
t=$(date +%s)
if ! image=$(bash "$HERE/debian-rootfs.sh") || [ ! -f "$image/rootfs.img" ]; then
	echo "FAIL debian-vm: the Debian image could not be built (debian-rootfs.sh)" |
		tee "$logdir/debian-image.results"
	[ -n "$results_out" ] && cp "$logdir/debian-image.results" "$results_out"
	exit 1
fi
image_s=$(($(date +%s) - t))

# The payload disk: the source tree as an operator would have it (the
# files git knows, as they are in the work tree), the nested guest, the job.
payload=$work/payload
mkdir -p "$payload/src" "$payload/nested"
if git -C "$TOP" rev-parse --git-dir > /dev/null 2>&1; then
	(cd "$TOP" && git ls-files -z --cached --others --exclude-standard |
	 tar --null -T - --ignore-failed-read -cf - 2> /dev/null) | tar -C "$payload/src" -xf -
else
	tar -C "$TOP" --exclude=./build --exclude=.git -cf - . | tar -C "$payload/src" -xf -
fi
nkobj=$(bash "$HERE/build-kernel.sh" nested)
cp "$nkobj/vmlinux" "$payload/nested/vmlinux"
cp "$VM/nested-initramfs.cpio.gz" "$payload/nested/initramfs.cpio.gz"
install -m 0755 "$HERE/debian/operator.sh" "$payload/run.sh"
# its TAP helpers, laid out as in the test VM's /selftests
install -D -m 0644 "$KSRC/tools/testing/selftests/kselftest/ktap_helpers.sh" \
	"$payload/kselftest/ktap_helpers.sh"
install -m 0644 "$TOP/selftests/ktap_lib.sh" "$payload/"
{
	echo "NESTED_CPU_QUOTA=${NESTED_CPU_QUOTA:-}"
} > "$payload/settings"
size=$(($(du -sm "$payload" | cut -f1) + 64))
mkfs.ext4 -q -F -L MVGPU -d "$payload" "$work/payload.img" "${size}M" > /dev/null

note "booting the Debian VM ($(cat "$image/abi")), console: $console"
: > "$tap"
start=$(date +%s)
# No -no-reboot: the job reboots the VM once, and the snapshot (its
# writes) lives as long as this QEMU.
timeout -k 10 "$vm_timeout" qemu-system-x86_64 \
	-accel tcg -m 4G -smp 2 -nographic -monitor none -nic none \
	-kernel "$image/vmlinuz" -initrd "$image/initrd" \
	-append "root=/dev/vda rw console=ttyS0 loglevel=4 panic=-1 mitigations=off systemd.show_status=1" \
	-drive "file=$image/rootfs.img,format=raw,if=virtio,snapshot=on" \
	-drive "file=$work/payload.img,format=raw,if=virtio,readonly=on" \
	-serial "file:$console" -serial "file:$tap" \
	-device edu < /dev/null > "$work/qemu.out" 2>&1 &
qpid=$!
tail -n +1 -s 1 -f --pid="$qpid" "$tap" | sed -u 's/\r$//' |
	grep --line-buffered -E '^# (not )?ok [0-9]+ |^# # timing: ' || true
rc=0
wait "$qpid" || rc=$?
qpid=
elapsed=$(($(date +%s) - start))
[ -s "$work/qemu.out" ] && sed 's/^/qemu: /' "$work/qemu.out" >&2

{
	"$HERE/parse-tap.sh" "$tap" | sed 's/^FAIL vm: /FAIL debian-vm: /'
	echo "INFO debian: image ${image_s} s (cached after the first build), VM ${elapsed} s"
	vm_outcome debian-vm "$rc" "$vm_timeout" "$tap" '# mvgpu-debian: done' \
		"$console" "$work/console-findings"
} > "$results"
[ -n "$results_out" ] && cp "$results" "$results_out"
if [ -n "$timing_out" ]; then
	{
		echo "debian-image $image_s"
		tr -d '\r' < "$tap" | sed -n 's/^# # phase: //p'
		echo "debian-vm $elapsed"
	} >> "$timing_out"
fi

kernel_trouble "$console" "$work/console-findings"
print_findings "$results"
pass=$(grep -c '^PASS' "$results" || true)
fail=$(grep -c '^FAIL' "$results" || true)
echo "debian vm: $pass passed, $fail failed in ${elapsed}s; logs: $base.{log,tap}"
[ "$fail" = 0 ]

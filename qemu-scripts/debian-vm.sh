#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian test VM: mvgpu used as an operator uses it, on a real Debian
# 12 or 13 system (systemd, udev, DKMS, mdevctl, libvirt, all Debian
# packages) booted under QEMU (TCG) from the image debian-rootfs.sh builds
# and caches.
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
# With -j migrate, two such VMs side by side, connected by a virtual
# Ethernet, run debian/migrate.sh instead: a libvirt live migration of a
# running domain with a vGPU from one to the other, its work checked on
# the destination.
#
# Usage: debian-vm.sh [-s SUITE] [-j JOB] [-r RESULTS] [-t TIMING] [-W SECONDS]
#   -s SUITE     bookworm (Debian 12, the default; MVGPU_DEBIAN_SUITE) or
#                trixie (Debian 13, with trixie-backports' 7.3 headers,
#                libvirt and QEMU: debian-rootfs.sh)
#   -j JOB       operator (the default) or migrate (two VMs)
#   -r FILE      also write the results ("PASS/FAIL name", "INFO timing")
#   -t FILE      append the steps' times ("debianN-NAME SECONDS" lines:
#                image, boot, dkms, mdevctl, reboot, domain, libvirt, vm; on
#                13 also dkms73, bpo-install, bpo-domain, and with podman
#                ctr-setup, ctr-vm, ctr-run) to FILE
#   -W SECONDS   the whole VM's timeout (default 2700; Debian 13: 5400)
# Results and logs are named by the system: debian12 or debian13
# (build/vm-logs/debianN-<date>.{log,tap,results}; with -j migrate
# debianN-migrate-<date>.{log,tap} and -dst.{log,tap}).
# Environment: BUILD, VM (where make vm put the nested guest's initramfs),
# NESTED_CPU_QUOTA (the libvirt domain's QEMU then gets that % of a CPU),
# MVGPU_DEBIAN_K73=0 (Debian 13: no DKMS build for the 7.3 headers),
# MVGPU_DEBIAN_BPO=0 (Debian 13: no domain on trixie-backports' libvirt).
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
vm_timeout=
suite=${MVGPU_DEBIAN_SUITE:-bookworm}
job=operator
while getopts s:j:r:t:W:h opt; do
	case $opt in
	s)	suite=$OPTARG ;;
	j)	job=$OPTARG ;;
	r)	results_out=$OPTARG ;;
	t)	timing_out=$OPTARG ;;
	W)	vm_timeout=$OPTARG ;;
	*)	sed -n '4,40s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
case $suite in
bookworm) sys=debian12 ;;
trixie)	sys=debian13 ;;
*)	die "unknown suite $suite (bookworm, trixie)" ;;
esac
case $job in
operator|migrate) ;;
*)	die "unknown job $job (operator, migrate)" ;;
esac
# Debian 13's job does more (the backports' domain, DKMS for 7.3), the
# migration runs two VMs on the same CPUs.
if [ -z "$vm_timeout" ]; then
	vm_timeout=2700
	[ "$suite" = trixie ] && vm_timeout=5400
fi
[ "$(id -u)" = 0 ] || die "must run as root"
[ -f "$VM/nested-initramfs.cpio.gz" ] || die "no $VM/nested-initramfs.cpio.gz: run 'make vm'"

if [ "$job" = migrate ]; then
	vm_run_files "$sys-migrate" debian
else
	vm_run_files "$sys" debian
fi

# The image (built once, then cached).
t=$(date +%s)
if ! image=$(bash "$HERE/debian-rootfs.sh" "$suite") || [ ! -f "$image/rootfs.img" ]; then
	echo "FAIL $sys-vm: the Debian image could not be built (debian-rootfs.sh $suite)" |
		tee "$logdir/$sys-image.results"
	[ -n "$results_out" ] && cp "$logdir/$sys-image.results" "$results_out"
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
install -m 0755 "$HERE/debian/$job.sh" "$payload/run.sh"
install -m 0644 "$HERE/debian/lib.sh" "$payload/lib.sh"
install -m 0644 "$HERE/debian/containers.sh" "$payload/containers.sh"
# the static tools the containers' job uses (make vm built them): the
# nested guests' very mvgpu-run, and mvgpu-ctl
install -D -m 0755 "$TOP/tools/guest/mvgpu-run" "$payload/bin/mvgpu-run"
install -m 0755 "$TOP/tools/mvgpu-ctl" "$payload/bin/mvgpu-ctl"
# its TAP helpers, laid out as in the test VM's /selftests
install -D -m 0644 "$KSRC/tools/testing/selftests/kselftest/ktap_helpers.sh" \
	"$payload/kselftest/ktap_helpers.sh"
install -m 0644 "$TOP/selftests/ktap_lib.sh" "$payload/"
{
	echo "NESTED_CPU_QUOTA=${NESTED_CPU_QUOTA:-}"
	echo "DKMS_K73=${MVGPU_DEBIAN_K73:-1}"
	echo "DEBIAN_BPO=${MVGPU_DEBIAN_BPO:-1}"
} > "$payload/settings"
size=$(($(du -sm "$payload" | cut -f1) + 64))
mkfs.ext4 -q -F -L MVGPU -d "$payload" "$work/payload.img" "${size}M" > /dev/null

# boot_vm CONSOLE TAP QEMU-OUT APPEND [QEMU-ARGS...]: one VM of the image
# in the background ($! its timeout's pid). No -no-reboot: the operator
# job reboots the VM once, and the snapshot (its writes) lives as long as
# this QEMU.
boot_vm() {
	local con=$1 tp=$2 qout=$3 append=$4

	shift 4
	: > "$tp"
	timeout -k 10 "$vm_timeout" qemu-system-x86_64 \
		-accel tcg -m 4G -smp 2 -nographic -monitor none \
		-kernel "$image/vmlinuz" -initrd "$image/initrd" \
		-append "root=/dev/vda rw console=ttyS0 loglevel=4 panic=-1 mitigations=off systemd.show_status=1 $append" \
		-drive "file=$image/rootfs.img,format=raw,if=virtio,snapshot=on" \
		-drive "file=$work/payload.img,format=raw,if=virtio,readonly=on" \
		-serial "file:$con" -serial "file:$tp" \
		-device edu "$@" < /dev/null > "$qout" 2>&1 &
}
# vm_results NAME RC TAP CONSOLE: the results of one VM's run
vm_results() {
	"$HERE/parse-tap.sh" "$3" | sed "s/^FAIL vm: /FAIL $1: /"
	vm_outcome "$1" "$2" "$vm_timeout" "$3" '# mvgpu-debian: done' \
		"$4" "$work/$1.findings"
	kernel_trouble "$4" "$work/$1.findings" >&2
}

start=$(date +%s)
qpid2=
trap '[ -n "$qpid2" ] && kill "$qpid2" 2> /dev/null; vm_run_cleanup' EXIT
if [ "$job" = operator ]; then
	note "booting the Debian VM ($suite, $(cat "$image/abi")), console: $console"
	boot_vm "$console" "$tap" "$work/qemu.out" "" -nic none
	qpid=$!
	tail -n +1 -s 1 -f --pid="$qpid" "$tap" | sed -u 's/\r$//' |
		grep --line-buffered -E '^# (not )?ok [0-9]+ |^# # timing: ' || true
	rc=0
	wait "$qpid" || rc=$?
	qpid=
	elapsed=$(($(date +%s) - start))
	[ -s "$work/qemu.out" ] && sed 's/^/qemu: /' "$work/qemu.out" >&2
	{
		vm_results "$sys-vm" "$rc" "$tap" "$console"
		echo "INFO $sys: image ${image_s} s (cached after the first build), VM ${elapsed} s"
	} > "$results"
	vm_name=vm
else
	# Two hosts side by side on one Ethernet segment (a stream netdev
	# over a Unix socket in $work): the source (10.0.77.1) and the
	# destination (10.0.77.2) of the migration; names, host UUIDs
	# (SMBIOS) and MAC addresses differ, as libvirt wants of two hosts.
	tap2=$base-dst.tap console2=$base-dst.log
	note "booting two Debian VMs ($suite, $(cat "$image/abi")), consoles: $console, $console2"
	boot_vm "$console" "$tap" "$work/qemu.out" \
		"systemd.hostname=mvgpu-src mvgpu.role=src" \
		-uuid 6b1f0c52-77a0-4e0e-8a11-000000000001 \
		-netdev "stream,id=n0,server=on,addr.type=unix,addr.path=$work/net.sock" \
		-device virtio-net-pci,netdev=n0,mac=52:54:00:77:00:01
	qpid=$!
	for _ in $(seq 50); do
		[ -S "$work/net.sock" ] && break
		sleep 0.2
	done
	boot_vm "$console2" "$tap2" "$work/qemu2.out" \
		"systemd.hostname=mvgpu-dst mvgpu.role=dst" \
		-uuid 6b1f0c52-77a0-4e0e-8a11-000000000002 \
		-netdev "stream,id=n0,server=off,addr.type=unix,addr.path=$work/net.sock,reconnect-ms=1000" \
		-device virtio-net-pci,netdev=n0,mac=52:54:00:77:00:02
	qpid2=$!
	tail -n +1 -s 1 -f --pid="$qpid2" "$tap" "$tap2" | sed -u 's/\r$//' |
		grep --line-buffered -E '^==> |^# (not )?ok [0-9]+ |^# # timing: ' || true
	rc=0 rc2=0
	wait "$qpid" || rc=$?
	qpid=
	wait "$qpid2" || rc2=$?
	qpid2=
	elapsed=$(($(date +%s) - start))
	[ -s "$work/qemu.out" ] && sed 's/^/qemu (source): /' "$work/qemu.out" >&2
	[ -s "$work/qemu2.out" ] && sed 's/^/qemu (destination): /' "$work/qemu2.out" >&2
	{
		vm_results "$sys-migrate-src-vm" "$rc" "$tap" "$console"
		vm_results "$sys-migrate-dst-vm" "$rc2" "$tap2" "$console2"
		echo "INFO $sys-migrate: image ${image_s} s (cached after the first build), VMs ${elapsed} s"
	} > "$results"
	vm_name=migrate
fi
[ -n "$results_out" ] && cp "$results" "$results_out"
if [ -n "$timing_out" ]; then
	{
		echo "$sys-image $image_s"
		tr -d '\r' < "$tap" | sed -n 's/^# # phase: //p'
		echo "$sys-$vm_name $elapsed"
	} >> "$timing_out"
fi

print_findings "$results"
pass=$(grep -c '^PASS' "$results" || true)
fail=$(grep -c '^FAIL' "$results" || true)
echo "$sys $vm_name: $pass passed, $fail failed in ${elapsed}s; logs: $base.{log,tap}"
[ "$fail" = 0 ]

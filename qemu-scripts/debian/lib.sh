# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the Debian test VM's jobs (debian/operator.sh, debian/migrate.sh;
# sourced, not run), INSIDE the VM, from the MVGPU disk (debian-vm.sh puts
# this file there as lib.sh). The job sets PROG (its program name after
# "$SYS: ") and PLAN (its number of test cases) first.
#
# TAP: the kernel's kselftest/ktap_helpers.sh through selftests/ktap_lib.sh,
# both on the MVGPU disk. tap writes a line of the outer stream (ttyS1, and
# the console for its log); nest runs a TAP helper and writes its lines
# nested ("# " before each) into the program "$SYS: $PROG", as the kernel's
# runner nests a program's output, and keeps the counts across a reboot
# (in $STATE).

# shellcheck shell=bash
# shellcheck disable=SC2317 # functions run through check and wait_for

SRC=/mnt/mvgpu
STATE=/var/lib/mvgpu-test
# What the image offers besides its suite (debian-rootfs.sh): K73, the
# release of trixie-backports' 7.3 headers; BPO_PACKAGES, libvirt and QEMU
# of trixie-backports, downloaded (the jobs use them).
# shellcheck disable=SC2034
K73=
# shellcheck disable=SC2034
BPO_PACKAGES=
# shellcheck source=/dev/null
[ -f /etc/mvgpu-image.conf ] && . /etc/mvgpu-image.conf
# the system, as the results name it: debian12, debian13
# shellcheck source=/dev/null
SYS=debian$(. /etc/os-release && echo "${VERSION_ID%%.*}")
DOMAIN=mvgpu-guest
LOGS=/var/log/libvirt/qemu

mkdir -p "$STATE"
exec 3> /dev/ttyS1
stty -F /dev/ttyS1 raw -echo -onlcr 2> /dev/null
# shellcheck source=/dev/null
[ -f "$SRC/settings" ] && . "$SRC/settings"

BASE_DIR=$SRC
# shellcheck source=selftests/ktap_lib.sh
. "$BASE_DIR/ktap_lib.sh"
if [ -f "$STATE/counts" ]; then
	read -r KTAP_TESTNO KTAP_CNT_PASS KTAP_CNT_FAIL < "$STATE/counts"
fi
tap() {
	echo "$*" >&3
	echo "mvgpu-test: $*" > /dev/console
}
nest() {
	local l

	"$@" > "$STATE/nest.out"
	while IFS= read -r l; do
		tap "# $l"
	done < "$STATE/nest.out"
	echo "$KTAP_TESTNO $KTAP_CNT_PASS $KTAP_CNT_FAIL" > "$STATE/counts"
}
# diag TEXT: ktap_lib.sh's diagnostic, nested (also within nest)
diag() {
	tap "# # $*"
}
# check "description" command...: one test case from a command's status;
# its output is shown as diagnostics when it fails.
check() {
	local desc=$1 out

	shift
	if out=$("$@" 2>&1); then
		nest ktap_test_pass "$desc"
	else
		nest ktap_test_fail "$desc"
		printf '%s\n' "$out" | tail -n 20 | while IFS= read -r l; do diag "  $l"; done
	fi
}
timing() {
	diag "timing: $SYS $*"
}
# phase NAME SECONDS: a step's time for make check's timing file
phase() {
	diag "phase: $SYS-$1 $2"
}
now() {
	cut -d. -f1 /proc/uptime
}
# wait_for SECONDS command...: until the command succeeds.
wait_for() {
	local end=$(($(now) + $1))

	shift
	until "$@"; do
		[ "$(now)" -lt "$end" ] || return 1
		sleep 1
	done
}
finish() {
	local failed=0

	[ "$KTAP_CNT_PASS" = "$PLAN" ] || failed=1
	nest ktap_print_totals
	tap "# mvgpu-debian: exit=$failed"
	if [ "$failed" = 0 ]; then
		tap "ok 1 selftests: $SYS: $PROG"
	else
		tap "not ok 1 selftests: $SYS: $PROG # exit=1"
	fi
	tap "# mvgpu-debian: done"
	sync
	systemctl poweroff
	exit 0
}

# vGPU attribute
attr() {
	cat "/sys/bus/mdev/devices/$1/mvgpu/$2" 2> /dev/null
}
gone() {
	[ ! -e "/sys/bus/mdev/devices/$1" ]
}
# The mdev parent: the PCI device of GPU mvgpu0.
find_parent() {
	basename "$(readlink -f /sys/class/mvgpu/mvgpu0/device)"
}

# domain_xml JOB UUID [XML]: the libvirt domain: the nested guest's small
# kernel and initramfs, direct-booted, the vGPU UUID as a mediated hostdev
# (alias ua-mvgpu), the guest's two serial ports in files, XML (elements
# of the qemu namespace) at the end. Its JOB prints JOB-END and then
# waits for virsh destroy.
domain_xml() {
	local job=$1 uuid=$2 extra=${3:-}

	cat <<EOX
<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>$DOMAIN</name>
  <memory unit='MiB'>512</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>/var/lib/libvirt/images/mvgpu-vmlinux</kernel>
    <initrd>/var/lib/libvirt/images/mvgpu-initramfs.cpio.gz</initrd>
    <cmdline>console=ttyS0 loglevel=7 panic=-1 mvgpu.job=$(printf '%s' "$job" | base64 -w 0)</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <serial type='file'>
      <source path='$LOGS/$DOMAIN-console.log'/>
      <target port='0'/>
    </serial>
    <serial type='file'>
      <source path='$LOGS/$DOMAIN-job.log'/>
      <target port='1'/>
    </serial>
    <hostdev mode='subsystem' type='mdev' model='vfio-pci' display='on' ramfb='on'>
      <source>
        <address uuid='$uuid'/>
      </source>
      <alias name='ua-mvgpu'/>
    </hostdev>
    <graphics type='vnc' autoport='yes' listen='127.0.0.1'/>
    <video>
      <model type='none'/>
    </video>
    <memballoon model='none'/>
  </devices>
$extra
</domain>
EOX
}

job_log() {
	tr -d '\r' < "$LOGS/$DOMAIN-job.log" 2> /dev/null
}
job_ended() {
	job_log | grep -q '^JOB-END'
}
# The guest's job ended, or the domain is not running (any more).
job_ended_or_gone() {
	job_ended || [ "$(domain_state)" != running ]
}
# The vGPU's VFIO group can be opened: no one holds the vGPU.
# group_of UUID: the vGPU's IOMMU (VFIO) group number
group_of() {
	basename "$(readlink -f "/sys/bus/mdev/devices/$1/iommu_group")"
}
vgpu_free() {
	local g

	g=$(group_of "$1")
	[ -c "/dev/vfio/$g" ] && ( exec 5<> "/dev/vfio/$g" ) &&
		[ "$(attr "$1" pinned_pages)" = 0 ]
}
# NESTED_CPU_QUOTA=P: the domain's QEMU in a cgroup limited to P % of one
# CPU, as nested-guest.sh does in the busybox VM: a machine whose nested
# TCG is 100/P times slower.
quota_domain() {
	local cg=/sys/fs/cgroup/mvgpu-quota pid

	pid=$(cat "/run/libvirt/qemu/$DOMAIN.pid" 2> /dev/null) || return 1
	echo +cpu > /sys/fs/cgroup/cgroup.subtree_control &&
		mkdir -p $cg &&
		echo "$((NESTED_CPU_QUOTA * 1000)) 100000" > $cg/cpu.max &&
		echo "$pid" > $cg/cgroup.procs
}

domain_state() {
	virsh domstate "$DOMAIN" 2> /dev/null | head -n1
}

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The job of the Debian test VM (debian-vm.sh): runs INSIDE it, from the
# MVGPU disk mounted on /mnt/mvgpu, started by the image's
# mvgpu-test.service once systemd has reached multi-user.target.
#
# Every step is what an operator types on a Debian host, one TAP test case
# each (TAP on the second serial port, in the kselftest layout parse-tap.sh
# reads, as program "debianN: operator", N the image's Debian release):
#
# first boot
#   DKMS install (make dkms-install from the source tree); on an image
#   with trixie-backports' 7.3 headers (/etc/mvgpu-image.conf: K73) DKMS
#   builds and installs for that kernel too (installed headers, not
#   booted); modprobe,
#   mdevctl types, a transient vGPU (mdevctl start -p -t, list, stop), a
#   persistent one (mdevctl define --auto with weight, cap and priority
#   attributes, start, the attributes checked in sysfs, list), modules
#   reloaded: the defined vGPU comes back by itself (mdevctl's udev rule);
#   then the VM reboots;
# second boot
#   udev loaded the modules and the defined vGPU came back with its
#   attributes; libvirt: nodedev-list --cap mdev_types, nodedev-dumpxml of
#   the parent, nodedev-define and nodedev-start of a second vGPU, a
#   domain (type qemu, TCG) with it as <hostdev type='mdev'> whose guest
#   loads mvgpu_accel and runs mvgpu-run with checked results, virsh
#   destroy (the vGPU is free after it); on an image with podman
#   (debian/containers.sh) a test image built locally, two vGPUs A and B
#   and "mvgpu-ctl cdi"'s spec checked before that domain, and while it
#   runs a container on its vGPU refused (EBUSY) and the guest's
#   mvgpu-run the container's (sha256); after it, containers on A and B:
#   what a container sees, checked work in two at once, shares by weights
#   1:2 within 2 points, A's container cannot open B (no node; a node made
#   with mknod: EPERM), a container killed mid-work leaves its vGPU free,
#   with no page pinned and no shadow entry, and the next container on it
#   passes; A and B removed; on an image with trixie-backports'
#   libvirt and QEMU downloaded (/etc/mvgpu-image.conf: BPO_PACKAGES) they
#   are installed (apt-get -t trixie-backports, no network) and the same
#   domain runs again on them; the vGPUs undefined; power off.
#
# Progress and timing lines are TAP diagnostics ("# timing: ..."). State
# across the reboot is kept in /var/lib/mvgpu-test.

# shellcheck disable=SC2317 # functions run through check and wait_for
set -uo pipefail

PROG=operator
# The libvirt domain's guest: boot and job (seconds, wall clock). Its
# small kernel boots in about 30 s here and up to 5x slower on a slow
# machine; its job takes about a minute.
GUEST_SECONDS=900
# A vGPU that mdevctl's udev rule starts (seconds).
AUTOSTART_SECONDS=120
TYPE_T=mvgpu-1_8		# the transient vGPU's type
TYPE_D=mvgpu-1_4		# the defined (persistent) one's
TYPE_L=mvgpu-1_4		# the one libvirt defines
UUID_D=5d1f8f6e-8a54-4d0e-9a35-6b3f1e0d0a01
UUID_L=5d1f8f6e-8a54-4d0e-9a35-6b3f1e0d0a02

# shellcheck source=qemu-scripts/debian/lib.sh
. /mnt/mvgpu/lib.sh
# shellcheck source=qemu-scripts/debian/containers.sh
. /mnt/mvgpu/containers.sh
# DKMS_K73=0 (settings; MVGPU_DEBIAN_K73=0 on the host) leaves out the 7.3
# build, DEBIAN_BPO=0 (MVGPU_DEBIAN_BPO=0) trixie-backports' libvirt
[ "${DKMS_K73:-1}" = 1 ] || K73=
[ "${DEBIAN_BPO:-1}" = 1 ] || BPO_PACKAGES=
# the test cases: 33, one more with K73, eleven more with BPO_PACKAGES,
# CTR_CASES (11) more with podman
PLAN=33
[ -n "$K73" ] && PLAN=$((PLAN + 1))
[ -n "$BPO_PACKAGES" ] && PLAN=$((PLAN + 11))
[ -n "$PODMAN" ] && PLAN=$((PLAN + CTR_CASES))

# The defined vGPU exists and has the attributes mdevctl applied.
defined_attrs_applied() {
	local now

	now="type=$(attr "$UUID_D" type) weight=$(attr "$UUID_D" weight)"
	now="$now cap=$(attr "$UUID_D" cap) priority=$(attr "$UUID_D" priority)"
	[ "$now" = "type=$TYPE_D weight=5 cap=50 priority=high" ] && return 0
	echo "$now"
	return 1
}

# ------------------------------------------------------------------------
boot1() {
	local t t_mdevctl out uuid parent

	tap "1..1"
	tap "# selftests: $SYS: operator"
	nest ktap_print_header
	nest ktap_set_plan "$PLAN"
	timing "first boot to multi-user.target: $(now) s (VM uptime)"
	phase boot "$(now)"
	diag "$(uname -r), $(dpkg-query -W -f='${Package} ${Version}, ' systemd dkms mdevctl libvirt-daemon qemu-system-x86)"

	# The source tree, as an operator would have unpacked it.
	rm -rf /root/mvgpu
	cp -a "$SRC/src" /root/mvgpu
	t=$(now)
	check "dkms install (make dkms-install)" make -C /root/mvgpu dkms-install
	timing "DKMS build and install: $(($(now) - t)) s"
	phase dkms $(($(now) - t))
	check "dkms status: mvgpu installed for $(uname -r)" \
		sh -c "dkms status mvgpu | grep -q '$(uname -r).*installed'"
	if [ -n "$K73" ]; then
		# A kernel installed later: DKMS builds for it from its headers
		# (this one is not booted here).
		t=$(now)
		check "dkms build and install for $K73 (headers from trixie-backports, not booted)" \
			sh -c "dkms build mvgpu/0.9 -k $K73 && dkms install mvgpu/0.9 -k $K73 &&
			       dkms status mvgpu | grep '$K73.*installed' &&
			       for m in mvgpu mvgpu_sim mvgpu_accel; do
				f=\$(ls /lib/modules/$K73/updates/dkms/\$m.ko* | head -n1) &&
				modinfo -F vermagic \$f | grep -q '^$K73 ' || exit 1
			       done"
		timing "DKMS build and install for $K73: $(($(now) - t)) s"
		phase dkms73 $(($(now) - t))
	fi
	t_mdevctl=$(now)

	# Loaded at every boot from now on: the IOMMU backend QEMU's vfio
	# needs; mvgpu_sim itself comes by its PCI ID (udev).
	echo vfio_iommu_type1 > /etc/modules-load.d/vfio.conf
	check "modprobe mvgpu_sim (from updates/dkms), the parent GPU appears" \
		sh -c 'modprobe vfio_iommu_type1 && modprobe mvgpu_sim &&
		       modinfo -n mvgpu_sim | grep -q /updates/dkms/ &&
		       [ -d /sys/class/mvgpu/mvgpu0 ]'
	parent=$(find_parent)
	echo "$parent" > "$STATE/parent"
	diag "parent: $parent"
	check "the parent is a PCI device with mdev types" \
		[ -d "/sys/bus/pci/devices/$parent/mdev_supported_types/$TYPE_D" ]

	out=$(mdevctl types 2>&1)
	check "mdevctl types lists the parent's seven types" \
		sh -c "echo \"\$1\" | grep -q '^$parent' &&
		       [ \$(echo \"\$1\" | grep -c '^  mvgpu-1_') = 7 ] &&
		       echo \"\$1\" | grep -q 'Device API: vfio-pci' ||
		       { echo \"\$1\"; exit 1; }" _ "$out"

	# A transient vGPU.
	uuid=$(mdevctl start -p "$parent" -t "$TYPE_T" 2>&1)
	check "mdevctl start -p PARENT -t $TYPE_T creates a vGPU" \
		[ "$(attr "$uuid" type)" = "$TYPE_T" ]
	check "mdevctl list shows it" sh -c "mdevctl list | grep -q '^$uuid $parent $TYPE_T'"
	check "mdevctl stop removes it" sh -c "mdevctl stop -u '$uuid' && [ ! -e /sys/bus/mdev/devices/$uuid ]"

	# Debian 12's mdevctl (1.2.0-3) installs /usr/bin/mdevctl, but its
	# udev rule runs /usr/sbin/mdevctl: without this local copy of the
	# rule (the operator's fix, see admin.rst) no defined vGPU would start
	# by itself.
	if [ ! -e /usr/sbin/mdevctl ] && grep -qs /usr/sbin/mdevctl /lib/udev/rules.d/60-mdevctl.rules; then
		diag "Debian's 60-mdevctl.rules runs /usr/sbin/mdevctl: fixed in /etc/udev/rules.d"
		sed 's|/usr/sbin/mdevctl|/usr/bin/mdevctl|g' /lib/udev/rules.d/60-mdevctl.rules \
			> /etc/udev/rules.d/60-mdevctl.rules
		udevadm control --reload
	else
		diag "mdevctl's udev rule runs $(grep -o '/usr/[a-z]*/mdevctl' /lib/udev/rules.d/60-mdevctl.rules | head -n1), which exists: no local fix"
	fi

	# A persistent one, started automatically, with attributes.
	check "mdevctl define --auto with weight, cap, priority attributes" \
		sh -c "mdevctl define -u $UUID_D -p $parent -t $TYPE_D --auto &&
		       mdevctl modify -u $UUID_D --addattr=mvgpu/weight --value=5 &&
		       mdevctl modify -u $UUID_D --addattr=mvgpu/cap --value=50 &&
		       mdevctl modify -u $UUID_D --addattr=mvgpu/priority --value=high &&
		       mdevctl list -d -u $UUID_D --dumpjson | tee /dev/stderr |
		       jq -e '[.. | objects | select(has(\"mdev_type\"))] |
			      length == 1 and .[0].start == \"auto\" and (.[0].attrs | length) == 3'"
	check "mdevctl start -u UUID: vGPU created" \
		sh -c "mdevctl start -u $UUID_D && [ -d /sys/bus/mdev/devices/$UUID_D ]"
	check "its attributes applied (weight 5, cap 50, priority high)" defined_attrs_applied
	check "mdevctl list: the defined vGPU, active, auto" \
		sh -c "mdevctl list | grep -q '^$UUID_D $parent $TYPE_D auto (defined)'"

	# Reload: the parent goes and comes back; mdevctl's udev rule
	# (MDEV_STATE=registered) starts the vGPU again.
	check "modprobe -r mvgpu_sim removes the vGPU" \
		sh -c "modprobe -r mvgpu_sim && [ ! -e /sys/bus/mdev/devices/$UUID_D ]"
	t=$(now)
	modprobe mvgpu_sim
	check "modprobe mvgpu_sim: the defined vGPU is back by itself" \
		wait_for "$AUTOSTART_SECONDS" defined_attrs_applied
	timing "vGPU back after modprobe: $(($(now) - t)) s"

	phase mdevctl $(($(now) - t_mdevctl))

	# Reboot: the VM keeps its disk.
	echo 2 > "$STATE/stage"
	now > "$STATE/boot1-end"
	date +%s > "$STATE/reboot-at"
	sync
	diag "rebooting"
	systemctl reboot
	exit 0
}

# ------------------------------------------------------------------------

guest_job() {
	cat <<'EOJ'
for d in /sys/bus/pci/devices/*; do
	[ "$(cat $d/device)" = 0x10f0 ] && echo "vgpu: $(cat $d/vendor) $(cat $d/device) $(cat $d/class)"
done
modprobe mvgpu_accel || { echo JOB-END rc=10; exit; }
for i in 1 2 3 4 5 6 7 8 9 10; do [ -c /dev/accel/accel0 ] && break; sleep 1; done
echo "accel: $(cat /sys/class/accel/accel0/device/vendor) $(cat /sys/class/accel/accel0/device/device)"
echo "mvgpu-run-sha256: $(sha256sum /bin/mvgpu-run | cut -d' ' -f1)"
mvgpu-run -s 262144 all && mvgpu-run -v -s 131072 copy fill hash gemm; echo JOB-END rc=$?
sleep 100000
EOJ
}

# domain_run PREFIX PHASE: the domain on the vGPU UUID_L: defined,
# started, its guest's checked work, destroyed (the vGPU free again),
# undefined; ten test cases, their names led by PREFIX; its boot and job
# time is PHASE's.
domain_run() {
	local p=$1 t out n before

	domain_xml "$(guest_job)" "$UUID_L" > /tmp/domain.xml
	rm -f "$LOGS/$DOMAIN-job.log" "$LOGS/$DOMAIN-console.log"
	before=$(attr "$UUID_L" commands)
	check "${p}virsh define of a domain with <hostdev type='mdev'>" virsh define /tmp/domain.xml
	t=$(now)
	check "${p}virsh start" virsh start "$DOMAIN"
	# the vGPU's display, as KubeVirt has it: display='on' ramfb='on'
	check "${p}the domain shows the vGPU's display (virsh screenshot)" \
		virsh screenshot "$DOMAIN" /tmp/domain-screen.ppm
	if [ -n "${NESTED_CPU_QUOTA:-}" ]; then
		if quota_domain; then
			diag "the domain's QEMU runs at ${NESTED_CPU_QUOTA} % of a CPU"
		else
			diag "NESTED_CPU_QUOTA: could not limit the domain's QEMU"
		fi
	fi
	wait_for "$GUEST_SECONDS" job_ended_or_gone
	timing "libvirt domain${p:+ (${p%: })}: boot and job $(($(now) - t)) s"
	phase "$2" $(($(now) - t))
	out=$(job_log)
	check "${p}guest sees the vGPU (1b36:10f0, class 0x120000)" \
		sh -c "echo \"\$1\" | grep -q '^vgpu: 0x1b36 0x10f0 0x120000'" _ "$out"
	check "${p}guest driver mvgpu_accel bound it" \
		sh -c "echo \"\$1\" | grep -q '^accel: 0x1b36 0x10f0'" _ "$out"
	n=$(echo "$out" | grep -c 'mvgpu-run: .* ok')
	diag "guest: $n mvgpu-run results ok"
	check "${p}mvgpu-run in the guest: every result checked and right" \
		sh -c "echo \"\$1\" | grep -q '^JOB-END rc=0' && [ $n -ge 8 ] &&
		       ! echo \"\$1\" | grep -q 'mvgpu-run: .* FAIL'" _ "$out"
	check "${p}the host counted the guest's work on the vGPU" \
		sh -c "[ '$(attr "$UUID_L" commands)' -gt 0 ] && [ '$(attr "$UUID_L" commands)' != '$before' ]"
	# the first domain: containers meet its vGPU while it runs
	[ -z "$p" ] && containers_vm_busy
	if [ "$KTAP_CNT_FAIL" != 0 ]; then
		printf '%s\n' "$out" > /tmp/job.out
		nest diag_file /tmp/job.out 40
		nest diag_file "$LOGS/$DOMAIN-console.log" 20
		nest diag_file "$LOGS/$DOMAIN.log" 20
	fi
	check "${p}virsh destroy: the domain is shut off" \
		sh -c "virsh destroy $DOMAIN && [ \"\$(virsh domstate $DOMAIN)\" = 'shut off' ]"
	check "${p}after destroy the vGPU is free (its VFIO group opens, no page pinned)" \
		wait_for 30 vgpu_free "$UUID_L"
	check "${p}virsh undefine" virsh undefine "$DOMAIN"
}

boot2() {
	local parent pname mname t t_libvirt out

	parent=$(cat "$STATE/parent")
	pname=pci_$(echo "$parent" | tr ':.' '__')
	timing "reboot to multi-user.target: $(($(date +%s) - $(cat "$STATE/reboot-at"))) s (VM uptime $(now) s)"
	phase reboot $(($(date +%s) - $(cat "$STATE/reboot-at")))
	t_libvirt=$(now)

	# booted: multi-user.target reached, and udev done with the devices
	t=$(now)
	udevadm settle --timeout=300
	timing "udev settled $(($(now) - t)) s after multi-user.target"
	check "after the reboot udev loaded mvgpu_sim (and vfio_iommu_type1)" \
		sh -c 'grep -q "^mvgpu_sim " /proc/modules && grep -q "^vfio_iommu_type1 " /proc/modules'
	if [ "$KTAP_CNT_FAIL" != 0 ]; then
		diag "modalias: $(cat "/sys/bus/pci/devices/$parent/modalias")"
		diag "alias: $(grep -i 11e8 "/lib/modules/$(uname -r)/modules.alias")"
		diag "modules: $(grep -E '^(mvgpu|vfio|mdev)' /proc/modules | cut -d' ' -f1 | tr '\n' ' ')"
		journalctl -b -o short-monotonic --no-pager 2>&1 | grep -iE 'mvgpu|mdev|vfio|11e8' |
			tail -n 20 | while IFS= read -r l; do diag "  $l"; done
	fi
	check "after the reboot the defined vGPU is back by itself with its attributes" \
		wait_for "$AUTOSTART_SECONDS" defined_attrs_applied

	# libvirt's view.
	check "virsh nodedev-list --cap mdev_types lists the parent" \
		sh -c "virsh nodedev-list --cap mdev_types | grep -qx '$pname'"
	out=$(virsh nodedev-dumpxml "$pname" 2>&1)
	check "virsh nodedev-dumpxml of the parent: its mdev types" \
		sh -c "echo \"\$1\" | grep -q \"<capability type='mdev_types'>\" &&
		       [ \$(echo \"\$1\" | grep -c \"<type id='mvgpu-1_\") = 7 ] &&
		       echo \"\$1\" | grep -q '<deviceAPI>vfio-pci</deviceAPI>' ||
		       { echo \"\$1\"; exit 1; }" _ "$out"
	check "virsh nodedev-list --cap mdev lists the defined vGPU" \
		sh -c "virsh nodedev-list --cap mdev | grep -q 'mdev_${UUID_D//-/_}'"

	cat > /tmp/mdev.xml <<EOX
<device>
  <parent>$pname</parent>
  <capability type='mdev'>
    <type id='$TYPE_L'/>
    <uuid>$UUID_L</uuid>
  </capability>
</device>
EOX
	# libvirt names it mdev_<uuid>_<parent address>
	out=$(virsh nodedev-define /tmp/mdev.xml 2>&1)
	mname=$(echo "$out" | sed -n "s/^Node device '\(mdev_[^']*\)' defined.*/\1/p")
	check "virsh nodedev-define of a vGPU ($mname)" \
		sh -c "[ -n '$mname' ] && mdevctl list -d | grep -q '^$UUID_L ' || { echo \"\$1\"; exit 1; }" _ "$out"
	check "virsh nodedev-start: the vGPU exists" \
		sh -c "virsh nodedev-start '$mname' && [ \"\$(cat /sys/bus/mdev/devices/$UUID_L/mvgpu/type)\" = $TYPE_L ]"

	# Containers (with podman): the image, vGPUs A and B, the CDI spec.
	containers_setup

	# The domain, on the suite's libvirt and QEMU.
	cp "$SRC/nested/vmlinux" /var/lib/libvirt/images/mvgpu-vmlinux
	cp "$SRC/nested/initramfs.cpio.gz" /var/lib/libvirt/images/mvgpu-initramfs.cpio.gz
	domain_run "" domain

	# Containers on A and B.
	containers_run

	if [ -n "$BPO_PACKAGES" ]; then
		# An operator takes libvirt and QEMU from trixie-backports (the
		# image has their .deb files and lists: no network here).
		t=$(now)
		# shellcheck disable=SC2086 # a list of package names
		check "apt-get install -t trixie-backports $BPO_PACKAGES" \
			apt-get install -y -q --no-download --no-install-recommends \
				-t trixie-backports $BPO_PACKAGES
		diag "now: $(dpkg-query -W -f='${Package} ${Version}, ' libvirt-daemon qemu-system-x86)"
		timing "backports' libvirt and QEMU installed in $(($(now) - t)) s"
		phase bpo-install $(($(now) - t))
		# the daemons the upgrade restarted answer again
		wait_for 60 virsh -q version > /dev/null 2>&1
		domain_run "trixie-backports: " bpo-domain
	fi

	check "virsh nodedev-destroy and nodedev-undefine remove the vGPU" \
		sh -c "virsh nodedev-destroy '$mname' &&
		       virsh nodedev-undefine '$mname' &&
		       [ ! -e /sys/bus/mdev/devices/$UUID_L ] &&
		       ! mdevctl list -d | grep -q $UUID_L"
	check "mdevctl stop and undefine: no vGPU left, none defined" \
		sh -c "mdevctl stop -u $UUID_D && mdevctl undefine -u $UUID_D &&
		       [ -z \"\$(ls /sys/bus/mdev/devices)\" ] && [ -z \"\$(mdevctl list -d)\" ]"
	phase libvirt $(($(now) - t_libvirt))
	finish
}

case $(cat "$STATE/stage" 2> /dev/null) in
2)	boot2 ;;
*)	boot1 ;;
esac

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The job of the two Debian test VMs of "debian-vm.sh -j migrate": runs
# INSIDE each, from the MVGPU disk, started by the image's
# mvgpu-test.service. The kernel command line says which host it is
# (mvgpu.role=src or dst; systemd.hostname= names it); the two reach each
# other on a virtual Ethernet, 10.0.77.1 (source) and 10.0.77.2
# (destination).
#
# Both hosts: the network address, DKMS (make dkms-install), modprobe
# mvgpu_sim, libvirtd listening on TCP (auth_tcp = "none": test only, the
# segment has these two VMs alone), a vGPU of type mvgpu-1_8 (mdevctl;
# its UUID differs per host).
# Source: waits until the destination's libvirtd answers, starts a
# domain on its vGPU, with enable-migration=on on the vGPU's vfio-pci
# device (<qemu:override>: Debian's kernel has no device dirty tracking,
# and QEMU otherwise blocks the migration), whose guest loops on checked
# work (mvgpu-run copy, fill, hash, gemm, every result compared with the
# CPU's: "ROUND n rc=0"); once a round passed, "virsh migrate --live" with
# the destination's XML (its vGPU's UUID); then the domain is gone from
# the source and its vGPU free.
# Destination: waits for the domain to arrive running, then for two
# rounds of checked work there, checks the host counted the work on its
# vGPU, destroys the domain: the vGPU is free.
# TAP as program "debianN: migrate-src" / "migrate-dst".

# shellcheck disable=SC2317 # functions run through check and wait_for
set -uo pipefail

ROLE=$(sed -n 's/.*mvgpu\.role=\([a-z]*\).*/\1/p' /proc/cmdline)
PROG=migrate-$ROLE
TYPE=mvgpu-1_8
UUID_SRC=5d1f8f6e-8a54-4d0e-9a35-6b3f1e0d0b01
UUID_DST=5d1f8f6e-8a54-4d0e-9a35-6b3f1e0d0b02
IP_SRC=10.0.77.1
IP_DST=10.0.77.2
# The domain's guest: boot and first round (seconds), as operator.sh's
GUEST_SECONDS=900
# The other host's libvirtd or the migrated domain: the other VM's DKMS
# build and boot come first (seconds).
PEER_SECONDS=2400

# shellcheck source=qemu-scripts/debian/lib.sh
. /mnt/mvgpu/lib.sh
if [ "$ROLE" = src ]; then
	PLAN=14 ME=$IP_SRC UUID=$UUID_SRC
else
	PLAN=10 ME=$IP_DST UUID=$UUID_DST
fi

# The guest's job: rounds of checked work until the domain is destroyed.
guest_job() {
	cat <<'EOJ'
modprobe mvgpu_accel || { echo JOB-END rc=10; exit; }
for i in 1 2 3 4 5 6 7 8 9 10; do [ -c /dev/accel/accel0 ] && break; sleep 1; done
i=0
while [ $i -lt 10000 ]; do
	i=$((i + 1))
	mvgpu-run -v -s 131072 copy fill hash gemm
	echo "ROUND $i rc=$?"
done
EOJ
}
# QEMU's vfio-pci of the vGPU (alias ua-mvgpu) with enable-migration=on
override_xml() {
	cat <<'EOX'
  <qemu:override>
    <qemu:device alias='ua-mvgpu'>
      <qemu:frontend>
        <qemu:property name='enable-migration' type='string' value='on'/>
      </qemu:frontend>
    </qemu:device>
  </qemu:override>
EOX
}
# rounds: the passed rounds in this host's job log (the destination's
# begins at the migration)
rounds() {
	job_log | grep -c '^ROUND [0-9]* rc=0$'
}
peer_answers() {
	virsh -c "qemu+tcp://$IP_DST/system" version > /dev/null 2>&1
}
domain_running() {
	[ "$(domain_state)" = running ]
}
# The guest's work on this host: N passed rounds, no failed one.
work_ok() {
	local out

	out=$(job_log)
	[ "$(rounds)" -ge "$1" ] || return 1
	! echo "$out" | grep -qE '^ROUND [0-9]+ rc=[1-9]|mvgpu-run: .* FAIL|^JOB-END'
}

# ------------------------------------------------------------------------
tap "1..1"
tap "# selftests: $SYS: $PROG"
nest ktap_print_header
nest ktap_set_plan "$PLAN"
timing "$ROLE: boot to multi-user.target: $(now) s (VM uptime)"
diag "$(hostname), $(uname -r), $(dpkg-query -W -f='${Package} ${Version}, ' dkms libvirt-daemon qemu-system-x86)"

# the virtual Ethernet's interface (MAC 52:54:00:77:...), once udev has
# brought it
nic() {
	local f

	for f in /sys/class/net/*/address; do
		grep -q '^52:54:00:77:' "$f" && basename "$(dirname "$f")" && return 0
	done
	return 1
}
udevadm settle --timeout=300
wait_for 120 nic > /dev/null
iface=$(nic)
check "network: $ME/24 on ${iface:-no interface}" \
	sh -c "ip link set '$iface' up && ip addr add '$ME/24' dev '$iface'"

rm -rf /root/mvgpu
cp -a "$SRC/src" /root/mvgpu
t=$(now)
check "dkms install (make dkms-install)" make -C /root/mvgpu dkms-install
timing "$ROLE: DKMS build and install: $(($(now) - t)) s"
phase "migrate-$ROLE-dkms" $(($(now) - t))
check "modprobe mvgpu_sim: the parent GPU appears" \
	sh -c 'modprobe vfio_iommu_type1 && modprobe mvgpu_sim && [ -d /sys/class/mvgpu/mvgpu0 ]'
parent=$(find_parent)

# libvirtd on TCP, without authentication: for this test only.
check "libvirtd listens on TCP (auth_tcp = none, test only)" \
	sh -c "echo 'auth_tcp = \"none\"' >> /etc/libvirt/libvirtd.conf &&
	       systemctl stop libvirtd.service &&
	       systemctl start libvirtd-tcp.socket libvirtd.service &&
	       virsh -c qemu+tcp://$ME/system version"
check "mdevctl start: a $TYPE vGPU ($UUID)" \
	sh -c "mdevctl start -u $UUID -p $parent -t $TYPE &&
	       [ \"\$(cat /sys/bus/mdev/devices/$UUID/mvgpu/type)\" = $TYPE ]"
cp "$SRC/nested/vmlinux" /var/lib/libvirt/images/mvgpu-vmlinux
cp "$SRC/nested/initramfs.cpio.gz" /var/lib/libvirt/images/mvgpu-initramfs.cpio.gz
ready=$(now)

if [ "$ROLE" = src ]; then
	check "the destination's libvirtd answers (qemu+tcp://$IP_DST/system)" \
		wait_for "$PEER_SECONDS" peer_answers
	timing "src: waited $(($(now) - ready)) s for the destination"
	domain_xml "$(guest_job)" "$UUID" "$(override_xml)" > /tmp/domain.xml
	check "virsh define: a domain with the vGPU, enable-migration=on (qemu:override)" \
		virsh define /tmp/domain.xml
	t=$(now)
	check "virsh start" virsh start "$DOMAIN"
	check "the guest's work runs: a round of checked results" \
		wait_for "$GUEST_SECONDS" work_ok 1
	timing "src: domain boot and first round: $(($(now) - t)) s"
	virsh dumpxml --migratable "$DOMAIN" | sed "s/$UUID_SRC/$UUID_DST/" > /tmp/dst.xml
	before=$(rounds)
	t=$(now)
	check "virsh migrate --live --xml (the destination's vGPU $UUID_DST)" \
		virsh migrate --live --verbose --timeout 600 --xml /tmp/dst.xml "$DOMAIN" \
			"qemu+tcp://$IP_DST/system" --migrateuri "tcp://$IP_DST"
	timing "src: live migration: $(($(now) - t)) s, $before rounds passed here"
	phase migrate-live $(($(now) - t))
	check "the domain left this host (shut off)" \
		sh -c "[ \"\$(virsh domstate $DOMAIN)\" = 'shut off' ]"
	check "the source vGPU is free (its VFIO group opens, no page pinned)" \
		wait_for 30 vgpu_free "$UUID"
	check "the guest's work passed here until the migration" work_ok 1
	if [ "$KTAP_CNT_FAIL" != 0 ]; then
		nest diag_file "$LOGS/$DOMAIN-job.log" 20
		nest diag_file "$LOGS/$DOMAIN.log" 30
	fi
	check "virsh undefine, mdevctl stop: no vGPU left" \
		sh -c "virsh undefine $DOMAIN && mdevctl stop -u $UUID &&
		       [ -z \"\$(ls /sys/bus/mdev/devices)\" ]"
else
	check "the migrated domain arrives and runs" \
		wait_for "$PEER_SECONDS" domain_running
	t=$(now)
	timing "dst: the domain arrived $((t - ready)) s after this host was ready"
	check "the guest's work goes on here: two rounds, every result checked and right" \
		wait_for "$GUEST_SECONDS" work_ok 2
	timing "dst: two rounds in $(($(now) - t)) s"
	grep -iE 'warn|error' "$LOGS/$DOMAIN.log" | tail -n 3 |
		while IFS= read -r l; do diag "destination QEMU: $l"; done
	check "the host counted the guest's work on this vGPU" \
		[ "$(attr "$UUID" commands)" -gt 0 ]
	if [ "$KTAP_CNT_FAIL" != 0 ]; then
		nest diag_file "$LOGS/$DOMAIN-job.log" 20
		nest diag_file "$LOGS/$DOMAIN.log" 30
	fi
	check "virsh destroy: the domain is gone" \
		sh -c "virsh destroy $DOMAIN && ! virsh domstate $DOMAIN 2> /dev/null"
	check "after destroy the vGPU is free (its VFIO group opens, no page pinned)" \
		wait_for 30 vgpu_free "$UUID"
fi
finish

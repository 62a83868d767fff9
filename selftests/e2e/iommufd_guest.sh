#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# One second-level guest whose QEMU attaches its vGPU through iommufd, as
# on Fedora's and Ubuntu's kernels:
#   -object iommufd,id=iommufd0
#   -device vfio-pci,sysfsdev=/sys/bus/mdev/devices/UUID,iommufd=iommufd0
# (nested-guest.sh with MVGPU_VFIO=iommufd). While the guest's driver has
# bound the vGPU, QEMU holds /dev/iommu and the vGPU's cdev
# (/dev/vfio/devices/vfioN) and neither its group nor a container; then
# the guest runs checked work (every workload in system memory and VRAM),
# and afterwards nothing stays pinned and QEMU's log is clean. Skips on a
# kernel without iommufd and the vfio cdev (Debian's).

cd "$(dirname "$0")" || exit 1
. ./e2e_lib.sh
. ./guest_lib.sh

GPU=mvgpu0
TYPE=mvgpu-1_4

job() {
	cat <<EOJ
for d in /sys/bus/pci/devices/*; do
	[ "\$(cat \$d/device)" = 0x10f0 ] || continue
	echo "vgpu: \$(cat \$d/vendor) \$(cat \$d/device) \$(cat \$d/class)"
done
modprobe mvgpu_accel || exit 10
for i in 1 2 3 4 5 6 7 8 9 10; do [ -c /dev/accel/accel0 ] && break; sleep 1; done
echo "accel: \$(cat /sys/class/accel/accel0/device/vendor) \$(cat /sys/class/accel/accel0/device/device)"
echo IOMMUFD-READY
read -r go <&4
mvgpu-run -s 262144 all || exit 11
mvgpu-run -v -s 131072 copy fill hash || exit 12
EOJ
}

has_cdev() {
	local d

	for d in "/sys/bus/mdev/devices/$1/vfio-dev/vfio"[0-9]*; do
		[ -e "$d" ] && return 0
	done
	return 1
}

e2e_requirements
[ -c /dev/iommu ] || skip_all "no /dev/iommu (a kernel without CONFIG_IOMMUFD)"
[ -d "/sys/class/mvgpu/$GPU" ] || skip_all "no $GPU (mvgpu_sim not loaded)"
tap_plan 12

uuid=$(new_uuid)
out=$E2E_OUT/iommufd
check "create $TYPE vGPU" create_vgpu "$GPU" "$TYPE" "$uuid"
check "the vGPU has a vfio cdev" has_cdev "$uuid"
MVGPU_VFIO=iommufd nested-guest.sh -t "$GUEST_SECONDS" "$uuid" "$out" "$(job)" &
pid=$!
if nested-ctl.sh wait -t "$GUEST_SECONDS" IOMMUFD-READY "$out"; then
	fds=$(qemu_fds "$uuid")
	diag "QEMU's device files: $(echo "$fds" | grep '^/dev/' | sort -u | tr '\n' ' ')"
	check "QEMU holds /dev/iommu" fds_have '^/dev/iommu$'
	check "QEMU holds the cdev /dev/vfio/devices/vfioN" \
		fds_have '^/dev/vfio/devices/vfio[0-9]*$'
	check "QEMU holds no group and no container" \
		fds_lack '^/dev/vfio/[0-9a-z]*$'
else
	ktap_test_fail "QEMU holds /dev/iommu # the guest never got ready"
	ktap_test_fail "QEMU holds the cdev /dev/vfio/devices/vfioN # no guest"
	ktap_test_fail "QEMU holds no group and no container # no guest"
fi
nested-ctl.sh tell go "$out"
wait $pid
diag "timing: nested-guest boot (iommufd): $(cat "$out/boot-seconds" 2>/dev/null || echo -) s"
check "guest ran its job to the end" grep -q '^mvgpu-nested: exit=0' "$out/result.txt"
check "guest sees 1b36:10f0" grep -q '^vgpu: 0x1b36 0x10f0 0x120000' "$out/result.txt"
check "guest driver bound the vGPU" grep -q '^accel: 0x1b36 0x10f0' "$out/result.txt"
check "every workload result right" all_runs_ok "$out" 7
check "no page left pinned" [ "$(vgpu_attr "$uuid" pinned_pages)" = 0 ]
check "QEMU log clean" qemu_log_clean "$out"
if [ "$KTAP_CNT_FAIL" != 0 ]; then
	diag_file "$out/result.txt" 60
	diag_file "$out/qemu.log"
	diag_file "$out/console.log" 30
fi
check "remove the vGPU" remove_vgpu "$uuid"
ktap_finished

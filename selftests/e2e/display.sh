#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A vGPU's display through QEMU, as KubeVirt configures it by default
# (Documentation/mvgpu/device.rst, "Display"):
#
#  - a second-level guest on a 1/8 vGPU as libvirt starts it for KubeVirt,
#    "-device vfio-pci-nohotplug,...,display=on,ramfb=on" (QEMU refuses to
#    start with a device without a display);
#  - the guest, with no driver bound, programs the head through the PCI
#    resource files (mvgpu-disp): a 1024x768 plane of four coloured
#    quadrants in its VRAM; QEMU's screendump shows that plane, pixel by
#    pixel at the quadrants' centres;
#  - it flips to another buffer with another mode (800x600, other colours):
#    the next screendump shows it;
#  - it turns the head off: QEMU's screendump still works (the empty
#    ramfb), nothing is left behind, and QEMU printed no warning.
# shellcheck shell=dash

cd "$(dirname "$0")" || exit 1
. ./e2e_lib.sh

GUEST_SECONDS=${GUEST_SECONDS:-960}
STEP_SECONDS=${STEP_SECONDS:-300}
GPU=mvgpu0
TYPE=mvgpu-1_8

e2e_requirements
tap_plan 8

# The guest's job: each step waits for the host's "next" on fd 4.
disp_job() {
	cat <<'EOJ'
mvgpu-disp info || exit 10
mvgpu-disp draw 0x100000 1024 768 0 || exit 11
echo DRAWN-0
read -r l <&4
mvgpu-disp draw 0x400000 800 600 1 || exit 12
echo DRAWN-1
read -r l <&4
mvgpu-disp off || exit 13
echo DISP-OFF
read -r l <&4
EOJ
}

# check_quads FILE W H C0 C1 C2 C3: the picture is W x H and the centre of
# each quadrant (top left, top right, bottom left, bottom right) has that
# colour (RRGGBB).
check_quads() {
	local f=$1 w=$2 h=$3 got want x y i=0

	shift 3
	if [ "$(ppm_size "$f")" != "$w $h" ]; then
		diag "$f is $(ppm_size "$f"), want $w $h"
		return 1
	fi
	for want in "$@"; do
		x=$((w / 4 + (i % 2) * w / 2))
		y=$((h / 4 + (i / 2) * h / 2))
		got=$(ppm_pixel "$f" "$x" "$y")
		if [ "$got" != "$want" ]; then
			diag "$f: pixel ($x,$y) is $got, want $want"
			return 1
		fi
		i=$((i + 1))
	done
}

# shot_quads OUTDIR NAME W H C0 C1 C2 C3: a screendump to OUTDIR/NAME.ppm
# shows that plane.
shot_quads() {
	local dir=$1 f=$1/$2.ppm

	shift 2
	screendump "$dir" "$f" && check_quads "$f" "$@"
}

off_shot() {
	nested-ctl.sh wait -t "$STEP_SECONDS" DISP-OFF "$1" &&
		screendump "$1" "$1/off.ppm"
}

uuid=$(new_uuid)
out=$E2E_OUT/display
rm -rf "$out"
mkdir -p "$out"
if ! create_vgpu "$GPU" "$TYPE" "$uuid"; then
	ktap_test_fail "create a $TYPE vGPU"
	ktap_finished
	exit
fi
check "$TYPE's description offers a display" grep -q '^display: [0-9]*x[0-9]*$' \
	"$(gpu_parent "$GPU")/mdev_supported_types/$TYPE/description"

nested-guest.sh -M -t "$GUEST_SECONDS" -D vfio-pci-nohotplug \
	-o display=on,ramfb=on \
	"$uuid" "$out" "$(disp_job)" > "$out/nested-guest.out" 2>&1 &
ng=$!

if nested-ctl.sh wait -t "$GUEST_SECONDS" DRAWN-0 "$out"; then
	ktap_test_pass "QEMU starts with display=on,ramfb=on; the guest sets a 1024x768 plane"
	check "screendump shows the guest's plane, quadrant by quadrant" \
		shot_quads "$out" plane0 1024 768 ff0000 00ff00 0000ff ffffff
else
	ktap_test_fail "QEMU starts with display=on,ramfb=on; the guest sets a 1024x768 plane"
	ktap_test_fail "screendump shows the guest's plane, quadrant by quadrant"
	diag_file "$out/result.txt" 20
	diag_file "$out/qemu.log" 20
	diag_file "$out/nested-guest.out" 10
fi

nested-ctl.sh tell next "$out"
if nested-ctl.sh wait -t "$STEP_SECONDS" DRAWN-1 "$out" &&
   shot_quads "$out" plane1 800 600 ffff00 00ffff ff00ff 808080; then
	ktap_test_pass "a flip to another buffer and mode (800x600) shows at once"
else
	ktap_test_fail "a flip to another buffer and mode (800x600) shows at once"
	diag_file "$out/result.txt" 10
fi

nested-ctl.sh tell next "$out"
check "with the head off, screendump still answers" \
	off_shot "$out"

nested-ctl.sh tell next "$out"
wait "$ng"
check "the guest's job ended well" \
	grep -q '^mvgpu-nested: exit=0' "$out/result.txt" ||
	diag_file "$out/result.txt" 20
check "QEMU's log has no warning or error" qemu_log_clean "$out" ||
	diag_file "$out/qemu.log" 20

check "the vGPU is removed afterwards" remove_vgpu "$uuid"
ktap_finished

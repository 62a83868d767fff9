#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest's KMS driver (mvgpu_kms) end to end: one second-level guest
# whose QEMU shows the vGPU's display (vfio-pci-nohotplug with
# display=on,ramfb=on, as for KubeVirt) loads mvgpu_accel and mvgpu_kms;
# then
#  - in the guest: the KMS driver bound the display device, the connector
#    is connected with a mode (the EDID's size and the number of modes
#    are printed: QEMU 10 sets no EDID here, so the standard modes),
#    fbdev emulation registered fb0 (its kernel message: the nested
#    kernel has no /dev/fb0) and the framebuffer console took the VTs;
#  - the guest prints a block of inverse-video spaces at the top left of
#    its console, and the host's QEMU screendump shows it there (console
#    grey, aaaaaa) on a black screen;
#  - the guest shows a known pattern with mvgpu-kms-draw (a dumb buffer,
#    a mode set), which prints the display registers the mode set
#    programmed (checked: the mode's size, pitch width x 4, XRGB8888,
#    enabled, active, no error); the host's screendump has the mode's
#    size and the pattern's colour at points across the whole screen;
#    then the same after a page flip to another pattern;
#  - when mvgpu-kms-draw ends, the console is shown again;
#  - compute work (GEMM, checked) runs on the same vGPU all along;
#  - the guest resets the vGPU (FLR through sysfs), which clears the
#    display registers and VRAM: the driver sets the mode again (the
#    registers say so) and the console is shown again;
#  - both drivers unload;
#  - the guest's kernel log has no warning, QEMU's log is clean.
# The pattern is mvgpu-kms-draw's (tools/guest/mvgpu-kms-draw.c).
# shellcheck shell=dash

cd "$(dirname "$0")" || exit 1
. ./e2e_lib.sh
. ./guest_lib.sh

GPU=mvgpu0
# Up to 1024x768 with the test VM's 128 MiB GPU (device.rst, "Display":
# a plane fills at most half the VRAM); QEMU's monitor prefers 1024x768.
TYPE=mvgpu-1_16
# How long the host retries a screendump until it shows what it should:
# the guest's console draws through deferred I/O and a worker.
SHOT_TRIES=${SHOT_TRIES:-30}

job() {
	cat <<'EOJ'
modprobe mvgpu_accel || exit 10
modprobe mvgpu_kms || exit 11
for i in $(seq 60); do
	[ -c /dev/dri/card0 ] && grep -qs 'frame buffer' /sys/class/vtconsole/*/name && break
	sleep 1
done
c=$(ls -d /sys/class/drm/card0-*-1 | head -n 1)
drv=$(readlink /sys/class/drm/card0/device/driver)
echo "kms: driver=${drv##*/} status=$(cat $c/status) mode=$(head -n 1 $c/modes)"
echo "edid: $(wc -c < $c/edid) modes=$(wc -l < $c/modes)"
for v in /sys/class/vtconsole/vtcon*; do echo "vtcon: $(cat $v/bind) $(cat $v/name)"; done
mvgpu-run -s 96 -t 60 gemm > /tmp/run.out 2>&1 &
printf '\033[2J\033[H\033[?25l\033[7m        \033[0m' > /dev/tty1
echo CONSOLE-READY
read -r go <&4
mvgpu-kms-draw -p 3 draw <&4 || exit 12
echo CONSOLE-BACK
read -r go <&4
wait
cat /tmp/run.out
dev=$(grep -l 0x10f0 /sys/bus/pci/devices/*/device)
echo 1 > ${dev%/device}/reset || exit 13
mvgpu-kms-draw regs | sed 's/^/after-reset: /'
echo RESET-DONE
read -r go <&4
rmmod mvgpu_kms && rmmod mvgpu_accel && echo UNLOADED
EOJ
}

palette() {
	case $1 in
	0) echo 000000 ;; 1) echo ff0000 ;; 2) echo 00ff00 ;; 3) echo 0000ff ;;
	4) echo ffff00 ;; 5) echo ff00ff ;; 6) echo 00ffff ;; 7) echo ffffff ;;
	esac
}

# has_pixel FILE X Y RRGGBB
has_pixel() {
	local got

	got=$(ppm_pixel "$1" "$2" "$3")
	[ "$got" = "$4" ] && return 0
	diag "$1: pixel ($2, $3) is $got, not $4"
	return 1
}

# The console's picture: the inverse block at the top left, black
# elsewhere.
console_ok() {
	local w h

	w=$(ppm_size "$1" | cut -d' ' -f1)
	h=$(ppm_size "$1" | cut -d' ' -f2)
	has_pixel "$1" 2 2 aaaaaa && has_pixel "$1" 30 5 aaaaaa &&
		has_pixel "$1" 60 6 aaaaaa &&
		has_pixel "$1" $((w - 8)) 4 000000 &&
		has_pixel "$1" $((w / 2)) $((h / 2)) 000000
}

# pattern_ok FILE P WxH: the size, and pattern P's colour at the centre
# of every third cell of every other row of cells, and in the corners.
pattern_ok() {
	local f=$1 p=$2 w=${3%x*} h=${3#*x} x y xy

	[ "$(ppm_size "$f")" = "$w $h" ] ||
		{ diag "$f is $(ppm_size "$f"), not $w $h"; return 1; }
	for y in $(seq 32 128 $((h - 1))); do
		for x in $(seq 32 192 $((w - 1))); do
			has_pixel "$f" "$x" "$y" \
				"$(palette $(((x / 64 + y / 64 + p) % 8)))" || return 1
		done
	done
	for xy in "0 0" "$((w - 1)) 0" "0 $((h - 1))" "$((w - 1)) $((h - 1))"; do
		# shellcheck disable=SC2086 # two words
		set -- $xy
		has_pixel "$f" "$1" "$2" \
			"$(palette $((($1 / 64 + $2 / 64 + p) % 8)))" || return 1
	done
}

# retry CHECK FILE ARGS...: screendumps into FILE until CHECK FILE ARGS
# holds (the last diagnostics only), SHOT_TRIES times.
retry() {
	local check=$1 f=$2 i

	shift 2
	for i in $(seq "$SHOT_TRIES"); do
		if screendump "$out" "$f" && "$check" "$f" "$@" > "$f.why"; then
			diag "$f right after $i screendump(s)"
			return 0
		fi
		sleep 1
	done
	[ -f "$f.why" ] && cat "$f.why"
	return 1
}

# reg NAME [PREFIX]: the value mvgpu-kms-draw printed for register NAME
# (on a line starting with PREFIX and a space, when given).
reg() {
	sed -n "s/^${2:+$2 }$1=//p" "$out/result.txt" | head -n 1
}

# regs_ok WxH [PREFIX]: the registers mvgpu-kms-draw printed show mode WxH
# set by mvgpu_kms, HOTPLUG enabled.
regs_ok() {
	local w=${1%x*} h=${1#*x} p=$2

	[ "$(reg DISP_FB_WIDTH "$p")" = "$(printf 0x%x "$w")" ] &&
		[ "$(reg DISP_FB_HEIGHT "$p")" = "$(printf 0x%x "$h")" ] &&
		[ "$(reg DISP_FB_STRIDE "$p")" = "$(printf 0x%x $((w * 4)))" ] &&
		[ "$(reg DISP_FB_FORMAT "$p")" = 0x34325258 ] &&
		[ "$(reg DISP_CONTROL "$p")" = 0x1 ] && [ "$(reg DISP_STATUS "$p")" = 0x1 ] &&
		[ "$(reg DISP_ERROR "$p")" = 0x0 ] &&
		[ "$(reg DISP_IRQ_MASK "$p")" = 0x2 ]
}

guest_log_clean() {
	! grep -E 'WARNING:|BUG:|Oops|Call Trace|mvgpu_kms.*(refused|error)' \
		"$out/console.log"
}

e2e_requirements
[ -d "/sys/class/mvgpu/$GPU" ] || skip_all "no $GPU (mvgpu_sim not loaded)"
tap_plan 17

uuid=$(new_uuid)
out=$E2E_OUT/display_kms
rm -rf "$out"
mkdir -p "$out"
check "create $TYPE vGPU" create_vgpu "$GPU" "$TYPE" "$uuid"
nested-guest.sh -M -t "$GUEST_SECONDS" -D vfio-pci-nohotplug \
	-o display=on,ramfb=on "$uuid" "$out" "$(job)" > "$out/nested-guest.out" 2>&1 &
pid=$!
if nested-ctl.sh wait -t "$GUEST_SECONDS" CONSOLE-READY "$out"; then
	check "the console on the display" retry console_ok "$out/console.ppm"
else
	ktap_test_fail "the console on the display # the guest never got ready"
fi
nested-ctl.sh tell go "$out"
mode=
if nested-ctl.sh wait -t 300 "mvgpu-kms-draw: shown" "$out"; then
	mode=$(sed -n 's/^mvgpu-kms-draw: shown \([0-9]*x[0-9]*\) .*/\1/p' \
		"$out/result.txt")
	check "registers of the mode set ($mode)" regs_ok "$mode"
	check "pattern 3 on the display" retry pattern_ok "$out/p3.ppm" 3 "$mode"
	nested-ctl.sh tell "flip 5" "$out"
	nested-ctl.sh wait -t 300 "mvgpu-kms-draw: flipped" "$out"
	check "pattern 5 on the display after a flip" \
		retry pattern_ok "$out/p5.ppm" 5 "$mode"
else
	ktap_test_fail "registers of the mode set # mvgpu-kms-draw showed nothing"
	ktap_test_fail "pattern 3 on the display # not shown"
	ktap_test_fail "pattern 5 on the display after a flip # not shown"
fi
nested-ctl.sh tell end "$out"
if nested-ctl.sh wait -t 300 CONSOLE-BACK "$out"; then
	check "the console again after the program" \
		retry console_ok "$out/console2.ppm"
else
	ktap_test_fail "the console again after the program # the guest did not get there"
fi
nested-ctl.sh tell go "$out"
if nested-ctl.sh wait -t 300 RESET-DONE "$out"; then
	check "mode set again after a reset" regs_ok "$mode" after-reset:
	check "the console again after a reset" \
		retry console_ok "$out/console3.ppm"
else
	ktap_test_fail "mode set again after a reset # the guest did not get there"
	ktap_test_fail "the console again after a reset # the guest did not get there"
fi
nested-ctl.sh tell go "$out"
wait $pid
diag "guest's connector: $(grep '^edid: ' "$out/result.txt")"
check "guest ran its job to the end" grep -q '^mvgpu-nested: exit=0' "$out/result.txt"
check "mvgpu_kms bound the display, connected, $mode" \
	grep -q "^kms: driver=mvgpu_kms.kms status=connected mode=$mode\$" "$out/result.txt"
check "fbdev emulation: fb0" \
	grep -q '\] mvgpu_kms.* fb0: mvgpu_kmsdrmfb frame buffer device' "$out/console.log"
check "the framebuffer console is bound" \
	grep -q '^vtcon: 1 .*frame buffer device' "$out/result.txt"
check "compute work alongside, results right" all_runs_ok "$out" 1
check "both drivers unloaded" grep -q '^UNLOADED$' "$out/result.txt"
check "guest kernel log clean" guest_log_clean
check "QEMU log clean" qemu_log_clean "$out"
if [ "$KTAP_CNT_FAIL" != 0 ]; then
	diag_file "$out/result.txt" 60
	diag_file "$out/qemu.log"
	diag_file "$out/console.log" 40
	diag_file "$out/monitor.log" 20
	diag_file "$out/nested-guest.out" 10
fi
check "remove the vGPU" remove_vgpu "$uuid"
ktap_finished

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# A second-level QEMU guest on one vGPU (mvgpu-1_8 on mvgpu0) sees the
# device: 1b36:10f0, class 120000, BAR0 64 KiB, BAR2 = the type's VRAM; QEMU
# prints no warning or error; the vGPU is removed afterwards.

cd "$(dirname "$0")" || exit 1
# shellcheck source=selftests/e2e/e2e_lib.sh
. ./e2e_lib.sh

e2e_requirements
GPU=mvgpu0
TYPE=mvgpu-1_8
OUT=$E2E_OUT/qemu_attach
[ -d "/sys/class/mdev_bus/$GPU" ] || skip_all "no $GPU (mvgpu_sim not loaded)"

tap_plan 8
uuid=$(new_uuid)
vram=$(type_vram $GPU $TYPE)
diag "vGPU $uuid: $TYPE on $GPU, VRAM $vram bytes"

if ! check "create $TYPE vGPU" create_vgpu $GPU $TYPE "$uuid"; then
	for t in "guest finished" "guest sees 1b36:10f0" "class 0x120000" \
		 "BAR0 64 KiB" "BAR2 = type VRAM" "QEMU log clean" "remove vGPU"; do
		not_ok "$t # vGPU creation failed"
	done
	tap_exit
fi

rm -rf "$OUT"
start=$(cut -d. -f1 /proc/uptime)
nested-guest.sh "$uuid" "$OUT"
rc=$?
diag "nested guest: exit $rc after $(($(cut -d. -f1 /proc/uptime) - start)) s"
check "guest finished" [ $rc = 0 ]
line=$(guest_vgpu_line "$OUT")
diag "guest saw: ${line:-(no mvgpu device)}"
check "guest sees 1b36:10f0" [ -n "$line" ]
check "class 0x120000" [ "$(field "$line" class)" = 0x120000 ]
check "BAR0 64 KiB" [ "$(field "$line" bar0)" = 65536 ]
check "BAR2 = type VRAM ($vram)" [ "$(field "$line" bar2)" = "$vram" ]
check "QEMU log clean" qemu_log_clean "$OUT"
check "remove vGPU" remove_vgpu "$uuid"

if [ "$TAP_FAILED" != 0 ]; then
	diag_file "$OUT/result.txt"
	diag_file "$OUT/qemu.log"
	diag_file "$OUT/console.log" 30
fi
tap_exit

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# Two vGPUs of two different types (mvgpu-1_8 and mvgpu-1_4, both on
# mvgpu0), two second-level guests running at the same time; each sees its
# own device with its own VRAM size, QEMU stays quiet, both vGPUs go away.

cd "$(dirname "$0")" || exit 1
# shellcheck source=selftests/e2e/e2e_lib.sh
. ./e2e_lib.sh

e2e_requirements
GPU=mvgpu0
TYPES="mvgpu-1_8 mvgpu-1_4"
[ -d "/sys/class/mdev_bus/$GPU" ] || skip_all "no $GPU (mvgpu_sim not loaded)"

tap_plan 12
uuids=
for type in $TYPES; do
	uuid=$(new_uuid)
	if check "create $type vGPU" create_vgpu $GPU "$type" "$uuid"; then
		uuids="$uuids $type:$uuid"
	fi
done

# Both guests at once.
start=$(cut -d. -f1 /proc/uptime)
pids=
for tu in $uuids; do
	type=${tu%%:*}
	nested-guest.sh "${tu#*:}" "$E2E_OUT/two_guests-$type" &
	pids="$pids $!"
done
rcs=
for pid in $pids; do
	wait "$pid"
	rcs="$rcs $?"
done
diag "both guests done after $(($(cut -d. -f1 /proc/uptime) - start)) s (exit:$rcs)"

for type in $TYPES; do
	uuid=
	for tu in $uuids; do
		[ "${tu%%:*}" = "$type" ] && uuid=${tu#*:}
	done
	out=$E2E_OUT/two_guests-$type
	if [ -z "$uuid" ]; then
		for t in "guest finished" "guest sees its vGPU" "BAR2 = type VRAM" \
			 "QEMU log clean" "remove vGPU"; do
			not_ok "$type: $t # vGPU creation failed"
		done
		continue
	fi
	vram=$(type_vram $GPU "$type")
	line=$(guest_vgpu_line "$out")
	diag "$type guest saw: ${line:-(no mvgpu device)}"
	check "$type: guest finished" grep -q '^mvgpu-nested: done' "$out/result.txt"
	check "$type: guest sees its vGPU" [ -n "$line" ]
	check "$type: BAR2 = type VRAM ($vram)" [ "$(field "$line" bar2)" = "$vram" ]
	check "$type: QEMU log clean" qemu_log_clean "$out"
	check "$type: remove vGPU" remove_vgpu "$uuid"
	if [ "$TAP_FAILED" != 0 ]; then
		diag_file "$out/result.txt"
		diag_file "$out/qemu.log"
	fi
done
tap_exit

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# The "make demo" walk-through, run INSIDE the test VM (busybox sh) by
# vm-init.sh with the modules loaded: vGPU types of mvgpu0, two vGPUs of two
# types, their sysfs, and two second-level guests using them at once.
#
# DEMO_GUESTS=0 (run-vm.sh -e DEMO_GUESTS=0) skips the nested guests.

GPU=${DEMO_GPU:-mvgpu0}
GUESTS=${DEMO_GUESTS:-1}
PARENT=/sys/class/mdev_bus/$GPU
OUT=/tmp/demo

say() {
	echo
	echo "== $*"
}

row() {
	printf '%-12s %-10s %-10s %-7s %-9s %-10s\n' "$@"
}

# type table: name, VRAM, weight, contexts, available_instances
type_table() {
	local t vram weight ctx

	row TYPE NAME VRAM WEIGHT CONTEXTS AVAILABLE
	for t in "$PARENT"/mdev_supported_types/*; do
		vram=$(sed -n 's/^vram: //p' "$t/description")
		weight=$(sed -n 's/^weight: //p' "$t/description")
		ctx=$(sed -n 's/^contexts: //p' "$t/description")
		row "${t##*/}" "$(tr ' ' '_' < "$t/name")" "$vram" "$weight" "$ctx" \
		    "$(cat "$t/available_instances")"
	done
}

gpu_line() {
	local g=/sys/class/mvgpu/$GPU

	echo "$GPU: vram_total $(($(cat "$g/vram_total") >> 20)) MiB," \
	     "vram_used $(($(cat "$g/vram_used") >> 20)) MiB, instances $(cat "$g/instances")"
}

instance_sysfs() {
	local f

	for f in /sys/bus/mdev/devices/"$1"/mvgpu/*; do
		[ -f "$f" ] && printf '  %-18s %s\n' "${f##*/}" "$(cat "$f")"
	done
}

# Guest table: one row per vGPU; more columns (work done, GPU share) come
# with the guest driver and the command engine.
guest_row() {
	printf '%-10s %-11s %-10s %-10s %-10s %-6s\n' "$@"
}

guest_table() {
	local tu type line

	guest_row TYPE "GUEST SAW" CLASS BAR0 BAR2 TIME
	for tu in $vgpus; do
		type=${tu%%:*}
		line=$(grep '^pci .* vendor=0x1b36 device=0x10f0 ' "$OUT/$type/result.txt" 2>/dev/null)
		if [ -z "$line" ]; then
			guest_row "$type" "nothing" - - - "$(cat "$OUT/$type/time" 2>/dev/null)s"
			continue
		fi
		guest_row "$type" "1b36:10f0" \
			"$(echo "$line" | sed -n 's/.*class=\([^ ]*\).*/\1/p')" \
			"$(($(echo "$line" | sed -n 's/.*bar0=\([0-9]*\).*/\1/p') >> 10))KiB" \
			"$(($(echo "$line" | sed -n 's/.*bar2=\([0-9]*\).*/\1/p') >> 20))MiB" \
			"$(cat "$OUT/$type/time")s"
	done
}

echo "mvgpu demo: host side only: guest driver and command engine not yet implemented"
say "physical GPUs (mvgpu_sim)"
for g in /sys/class/mvgpu/*; do
	GPU=${g##*/} gpu_line
done

say "vGPU types of $GPU before"
type_table

vgpus=
for type in mvgpu-1_4 mvgpu-1_8; do
	uuid=$(cat /proc/sys/kernel/random/uuid)
	if echo "$uuid" > "$PARENT/mdev_supported_types/$type/create"; then
		vgpus="$vgpus $type:$uuid"
		say "created $type vGPU $uuid"
	else
		say "creating a $type vGPU FAILED"
	fi
done

say "vGPU types of $GPU after"
type_table
gpu_line

for tu in $vgpus; do
	say "vGPU ${tu#*:} (${tu%%:*}): /sys/bus/mdev/devices/${tu#*:}/mvgpu/"
	instance_sysfs "${tu#*:}"
done

if [ "$GUESTS" != 0 ] && command -v nested-guest.sh > /dev/null; then
	say "two second-level guests at once, one per vGPU (TCG in TCG: minutes)"
	pids=
	for tu in $vgpus; do
		mkdir -p "$OUT/${tu%%:*}"
		(
			s=$(cut -d. -f1 /proc/uptime)
			nested-guest.sh "${tu#*:}" "$OUT/${tu%%:*}"
			echo $(($(cut -d. -f1 /proc/uptime) - s)) > "$OUT/${tu%%:*}/time"
		) &
		pids="$pids $!"
	done
	for p in $pids; do
		wait "$p"
	done
	say "what each guest saw (host side only: no guest driver yet)"
	guest_table
else
	say "nested guests skipped"
fi

for tu in $vgpus; do
	echo 1 > "/sys/bus/mdev/devices/${tu#*:}/remove"
done
say "vGPUs removed; types of $GPU"
type_table

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# The "make demo" walk-through, run INSIDE the test VM (busybox sh) by
# vm-init.sh with the modules loaded: vGPU types of mvgpu0, two vGPUs of two
# types, their sysfs, and two second-level guests using them at once.
#
# DEMO_GUESTS=0 (run-vm.sh -e DEMO_GUESTS=0) skips the nested guests;
# DEMO_GUEST_CMD is what each guest runs after reporting its PCI devices
# (default: load the guest driver and run a fill workload with mvgpu-run).

GPU=${DEMO_GPU:-mvgpu0}
GUESTS=${DEMO_GUESTS:-1}
GUEST_CMD=${DEMO_GUEST_CMD:-modprobe mvgpu_accel && mvgpu-run -t 20 fill}
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
		row "${t##*/}" "$(cat "$t/name")" "$vram" "$weight" "$ctx" \
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

# Guest table: one row per vGPU: what the guest saw, the work it got done
# (mvgpu-run's line) and the vGPU's share of the GPU's busy time.
guest_row() {
	printf '%-10s %-10s %-9s %-6s %-6s %-5s %-16s %s\n' "$@"
}

busy_ns() {
	cat "/sys/bus/mdev/devices/$1/mvgpu/busy_ns" 2>/dev/null || echo 0
}

guest_table() {
	local tu type uuid line work total=0 busy share

	for tu in $vgpus; do
		total=$((total + $(busy_ns "${tu#*:}")))
	done
	guest_row TYPE "GUEST SAW" CLASS BAR0 BAR2 TIME "GPU SHARE" "WORK (mvgpu-run)"
	for tu in $vgpus; do
		type=${tu%%:*}
		uuid=${tu#*:}
		line=$(grep '^pci .* vendor=0x1b36 device=0x10f0 ' "$OUT/$type/result.txt" 2>/dev/null)
		work=$(sed -n 's/^mvgpu-run: //p' "$OUT/$type/result.txt" 2>/dev/null | head -n1)
		[ -n "$work" ] || work=$(grep -m1 -i -E 'error|fail|not found|mvgpu-run' \
					 "$OUT/$type/result.txt" 2>/dev/null)
		busy=$(busy_ns "$uuid")
		share=-
		[ "$total" -gt 0 ] && share="$((busy * 100 / total))% ($((busy / 1000000)) ms)"
		if [ -z "$line" ]; then
			guest_row "$type" nothing - - - "$(cat "$OUT/$type/time" 2>/dev/null)s" \
				"$share" "${work:-none}"
			continue
		fi
		guest_row "$type" "1b36:10f0" \
			"$(echo "$line" | sed -n 's/.*class=\([^ ]*\).*/\1/p')" \
			"$(($(echo "$line" | sed -n 's/.*bar0=\([0-9]*\).*/\1/p') >> 10))KiB" \
			"$(($(echo "$line" | sed -n 's/.*bar2=\([0-9]*\).*/\1/p') >> 20))MiB" \
			"$(cat "$OUT/$type/time")s" "$share" "${work:-none}"
	done
}

echo "mvgpu demo: vGPUs of a software GPU (mvgpu_sim), used by nested guests"
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
	echo "each guest runs: $GUEST_CMD"
	pids=
	for tu in $vgpus; do
		mkdir -p "$OUT/${tu%%:*}"
		(
			s=$(cut -d. -f1 /proc/uptime)
			nested-guest.sh "${tu#*:}" "$OUT/${tu%%:*}" "$GUEST_CMD"
			echo $(($(cut -d. -f1 /proc/uptime) - s)) > "$OUT/${tu%%:*}/time"
		) &
		pids="$pids $!"
	done
	for p in $pids; do
		wait "$p"
	done
	say "what each guest saw and did"
	guest_table
	for tu in $vgpus; do
		say "vGPU ${tu#*:} (${tu%%:*}) counters after the guests"
		instance_sysfs "${tu#*:}"
	done
else
	say "nested guests skipped"
fi

for tu in $vgpus; do
	echo 1 > "/sys/bus/mdev/devices/${tu#*:}/remove"
done
say "vGPUs removed; types of $GPU"
type_table

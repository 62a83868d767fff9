#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# The "make demo" walk-through, run INSIDE the test VM (busybox sh) by
# vm/init.sh with the modules loaded: vGPU types of mvgpu0, two vGPUs of two
# types, their sysfs, and two second-level guests using them at once.
#
# DEMO_GUESTS=0 (run-vm.sh -e DEMO_GUESTS=0) skips the nested guests;
# DEMO_GUEST_CMD is what each guest runs after reporting its PCI devices
# (default: load the guest driver, run every workload once with its result
# checked, set a GEMM load up and wait for the host's "go", then keep the
# vGPU saturated; mvgpu-run -w). When both guests are ready the demo starts
# their loads together (nested-ctl.sh) and measures each vGPU's share of
# the engine while both run.

GPU=${DEMO_GPU:-mvgpu0}
GUESTS=${DEMO_GUESTS:-1}
LOAD_SECONDS=30
SAMPLE_SECONDS=20
GUEST_CMD=${DEMO_GUEST_CMD:-modprobe mvgpu_accel && mvgpu-run -s 262144 all &&
mvgpu-run -w -q 16 -s 256 -t $LOAD_SECONDS gemm <&4}
# the mdev parent: the PCI device the GPU belongs to (or the GPU itself)
PARENT=/sys/class/mdev_bus/$GPU
[ -e "$PARENT" ] ||
	PARENT=/sys/class/mdev_bus/$(basename "$(readlink -f "/sys/class/mvgpu/$GPU/device")")
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

# Guest table: one row per vGPU: what the guest saw, the vGPU's share of
# the engine while both loads ran (against its weight's), and the work the
# guest got done (mvgpu-run's last line).
guest_row() {
	printf '%-10s %-10s %-9s %-6s %-6s %-5s %-14s %s\n' "$@"
}

weight_of() {
	cat "/sys/bus/mdev/devices/$1/mvgpu/weight" 2>/dev/null || echo 0
}

# Start the loads together, then sample each vGPU's busy time while they
# run: $OUT/TYPE/loaded_ns.
sample_loads() {
	local tu dirs=

	for tu in $vgpus; do
		dirs="$dirs $OUT/${tu%%:*}"
	done
	# shellcheck disable=SC2086
	nested-ctl.sh start gemm $dirs || return
	sleep 2
	for tu in $vgpus; do
		busy_ns "${tu#*:}" > "$OUT/${tu%%:*}/busy0"
	done
	sleep $SAMPLE_SECONDS
	for tu in $vgpus; do
		echo $(($(busy_ns "${tu#*:}") - $(cat "$OUT/${tu%%:*}/busy0"))) \
			> "$OUT/${tu%%:*}/loaded_ns"
	done
}

busy_ns() {
	cat "/sys/bus/mdev/devices/$1/mvgpu/busy_ns" 2>/dev/null || echo 0
}

guest_table() {
	local tu type uuid line work total=0 wsum=0 busy share

	for tu in $vgpus; do
		busy=$(cat "$OUT/${tu%%:*}/loaded_ns" 2>/dev/null || echo 0)
		total=$((total + busy))
		wsum=$((wsum + $(weight_of "${tu#*:}")))
	done
	guest_row TYPE "GUEST SAW" CLASS BAR0 BAR2 TIME "SHARE (IDEAL)" "WORK (mvgpu-run)"
	for tu in $vgpus; do
		type=${tu%%:*}
		uuid=${tu#*:}
		line=$(grep '^pci .* vendor=0x1b36 device=0x10f0 ' "$OUT/$type/result.txt" 2>/dev/null)
		work=$(sed -n 's/^mvgpu-run: //p' "$OUT/$type/result.txt" 2>/dev/null | tail -n1)
		[ -n "$work" ] || work=$(grep -m1 -i -E 'error|fail|not found|mvgpu-run' \
					 "$OUT/$type/result.txt" 2>/dev/null)
		busy=$(cat "$OUT/$type/loaded_ns" 2>/dev/null || echo 0)
		share=-
		[ "$total" -gt 0 ] && [ "$wsum" -gt 0 ] &&
			share="$((busy * 100 / total))% ($(($(weight_of "$uuid") * 100 / wsum))%)"
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
	sample_loads
	for p in $pids; do
		wait "$p"
	done
	say "what each guest saw and did (share of the engine while both loads ran)"
	guest_table
	echo "mvgpu-run results checked in the guests:" \
	     "$(cat "$OUT"/*/result.txt | grep -c 'mvgpu-run: .* ok') ok," \
	     "$(cat "$OUT"/*/result.txt | grep -c 'mvgpu-run: .* FAIL') failed"
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

# SPDX-License-Identifier: GPL-2.0
#
# vGPU helpers of the end-to-end tests and their TAP plan and skip
# (busybox sh, sourced from the test's directory).
# shellcheck shell=dash

E2E_OUT=${E2E_OUT:-/tmp/e2e}

# The TAP helpers (check, diag, diag_file, ktap_*): ../ktap_lib.sh; the
# tests run from their own directory.
BASE_DIR=$(dirname "$PWD")
# shellcheck source=selftests/ktap_lib.sh
. "$BASE_DIR/ktap_lib.sh"

tap_plan() {
	ktap_print_header
	ktap_set_plan "$1"
}

# Skip the whole program (nothing it tests exists here).
skip_all() {
	ktap_print_header
	ktap_skip_all "$*"
	exit "$KSFT_SKIP"
}

e2e_requirements() {
	[ "$(id -u)" = 0 ] || skip_all "must run as root"
	command -v nested-guest.sh >/dev/null ||
		skip_all "nested-guest.sh not installed (runs in the mvgpu test VM)"
	command -v qemu-system-x86_64 >/dev/null || skip_all "no QEMU"
}

new_uuid() {
	cat /proc/sys/kernel/random/uuid
}

# The mdev parent of GPU $1 (mvgpuN): the PCI device it belongs to, or
# itself (a software-only GPU).
gpu_parent() {
	if [ -e "/sys/class/mdev_bus/$1" ]; then
		echo "/sys/class/mdev_bus/$1"
	else
		echo "/sys/class/mdev_bus/$(basename "$(readlink -f "/sys/class/mvgpu/$1/device")")"
	fi
}

# create_vgpu GPU TYPE UUID
create_vgpu() {
	echo "$3" > "$(gpu_parent "$1")/mdev_supported_types/$2/create"
}

remove_vgpu() {
	[ -e "/sys/bus/mdev/devices/$1/remove" ] || return 1
	echo 1 > "/sys/bus/mdev/devices/$1/remove" || return 1
	[ ! -e "/sys/bus/mdev/devices/$1" ]
}

# VRAM bytes of type TYPE on GPU (vram_total / fraction).
type_vram() {
	local total

	total=$(cat "/sys/class/mvgpu/$1/vram_total")
	echo $((total / ${2#mvgpu-1_}))
}

# The nested guest's report line of our device, from OUTDIR/result.txt.
guest_vgpu_line() {
	grep '^pci .* vendor=0x1b36 device=0x10f0 ' "$1/result.txt" 2>/dev/null | head -n1
}

# field LINE KEY: value of KEY=value in a report line.
field() {
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# QEMU's stderr must not show warnings or errors (reset, ROM and error
# recovery problems of the device show up there).
qemu_log_clean() {
	! grep -i -E 'warning|error' "$1/qemu.log"
}

# What the QEMU process of vGPU $1 holds open: one target a line.
qemu_fds() {
	local p f

	for p in /proc/[0-9]*; do
		tr '\0' ' ' < "$p/cmdline" 2>/dev/null | grep -q "qemu-system.*$1" ||
			continue
		for f in "$p"/fd/*; do
			readlink "$f"
		done
		return 0
	done
	return 1
}

# fds_have REGEX / fds_lack REGEX: a line of $fds matches it, or none.
fds_have() {
	echo "$fds" | grep -q "$1"
}

fds_lack() {
	! fds_have "$1"
}

# Whole seconds since the VM booted (migrate.sh's timeouts too).
uptime_s() {
	cut -d. -f1 /proc/uptime
}

# ---- QEMU screendumps (display.sh, display_kms.sh) ----

# ppm_size FILE: "WIDTH HEIGHT" of a binary PPM (P6) as QEMU writes it.
ppm_size() {
	head -n 2 "$1" | tail -n 1
}

# ppm_pixel FILE X Y: "RRGGBB" of a pixel (QEMU's header: three lines).
ppm_pixel() {
	local hdr w

	hdr=$(head -n 3 "$1" | wc -c)
	w=$(ppm_size "$1" | cut -d' ' -f1)
	dd if="$1" bs=1 skip=$((hdr + ($3 * w + $2) * 3)) count=3 2>/dev/null |
		od -An -tx1 | tr -d ' \n'
}

# screendump OUTDIR FILE: ask QEMU for the screen, wait for the file.
screendump() {
	local end=$(($(uptime_s) + 120)) size

	rm -f "$2"
	nested-ctl.sh hmp "$1" screendump "$2"
	while [ "$(uptime_s)" -lt "$end" ]; do
		sleep 2
		[ -f "$2" ] || continue
		# complete when it stops growing
		size=$(wc -c < "$2")
		sleep 1
		[ "$size" -gt 0 ] && [ "$(wc -c < "$2")" = "$size" ] && return 0
	done
	return 1
}

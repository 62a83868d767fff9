#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# module_unload: with vGPUs present (created, none open) "rmmod mvgpu_sim"
# succeeds and removes them, then "rmmod mvgpu"; the parameters (PCI GPUs
# on QEMU's edu devices, software-only GPUs, VRAM sizes); finally the
# modules are reloaded with "vram_mb=128" (the VM's two edu devices), the
# state the other tests expect. TAP output; run as root.

NR_TESTS=21
UUIDS=
# TAP: ../ktap_lib.sh (check, ktap_*), installed beside this directory
BASE_DIR=$(dirname "$(realpath "$0")")/..
# shellcheck source=selftests/ktap_lib.sh
. "$BASE_DIR/ktap_lib.sh"

loaded() {
	grep -q "^$1 " /proc/modules
}

# The mdev parent of GPU $1 (mvgpuN): the PCI device it belongs to, or
# itself (a software-only GPU).
parent_of() {
	if [ -e "/sys/class/mdev_bus/$1" ]; then
		echo "$1"
	else
		basename "$(readlink -f "/sys/class/mvgpu/$1/device")"
	fi
}

create() {
	uuid=$(cat /proc/sys/kernel/random/uuid) || return 1
	echo "$uuid" > "/sys/class/mdev_bus/$(parent_of "$1")/mdev_supported_types/$2/create" ||
		return 1
	UUIDS="$UUIDS $uuid"
}

all_created_exist() {
	[ -n "$UUIDS" ] || return 1
	for u in $UUIDS; do
		[ -e "/sys/bus/mdev/devices/$u" ] || return 1
	done
}

none_left() {
	for u in $UUIDS; do
		[ -e "/sys/bus/mdev/devices/$u" ] && return 1
	done
	[ -z "$(ls /sys/class/mdev_bus 2>/dev/null)" ] &&
		[ ! -e /sys/class/mvgpu/mvgpu0 ]
}

create_three() {
	create mvgpu0 mvgpu-1_8 && create mvgpu0 mvgpu-1_4 &&
		create mvgpu1 mvgpu-1_2
}

standard_state() {
	[ "$(cat /sys/class/mvgpu/mvgpu0/vram_total)" = 134217728 ] &&
		[ "$(cat /sys/class/mvgpu/mvgpu1/vram_total)" = 134217728 ] &&
		[ ! -e /sys/class/mvgpu/mvgpu2 ] &&
		[ "$(cat /sys/class/mvgpu/mvgpu0/instances)" = 0 ] &&
		[ -z "$(ls /sys/bus/mdev/devices 2>/dev/null)" ]
}

# a fresh GPU is usable: a vGPU can be created and removed
create_and_remove() {
	UUIDS=
	create mvgpu1 mvgpu-1_1 || return 1
	echo 1 > "/sys/bus/mdev/devices/${UUIDS# }/remove" || return 1
	[ ! -e "/sys/bus/mdev/devices/${UUIDS# }" ]
}

unload_all() {
	if loaded mvgpu_sim; then rmmod mvgpu_sim || return 1; fi
	if loaded mvgpu; then rmmod mvgpu || return 1; fi
	! loaded mvgpu_sim && ! loaded mvgpu
}

# "modprobe mvgpu_sim $*" must fail and leave no GPU behind
refused() {
	if modprobe mvgpu_sim "$@" 2>/dev/null; then
		echo "# modprobe mvgpu_sim $* was accepted"
		unload_all
		return 1
	fi
	! loaded mvgpu_sim && [ ! -e /sys/class/mvgpu/mvgpu0 ]
}

# The display lines of a type's description whose largest plane is $1
# (device.rst, "Display"): none where BAR2 cannot be mapped (the kernel
# gives vfio device files no inode of their own, before 6.10).
display_line() {
	if grep -qE ' vfio_fs_init_fs_context([[:space:]]|$)' /proc/kallsyms; then
		printf 'display: %s\nheads: 1' "$1"
	else
		printf 'display: none'
	fi
}

# The display of each type of a 256 MiB GPU on parent $1 (device.rst).
default_displays() {
	for td in 1_64:800x600 1_32:1024x768 1_16:1920x1080 1_8:2560x1600 \
		  1_4:3840x2160 1_2:3840x2160 1_1:3840x2160; do
		d=/sys/bus/pci/devices/$1/mdev_supported_types/mvgpu-${td%%:*}
		[ "$(sed -n '/^display: /,$p' "$d/description")" = \
		  "$(display_line "${td#*:}")" ] || {
			echo "# mvgpu-${td%%:*}: $(grep display "$d/description")"
			return 1
		}
	done
}

# pci=0: one software-only GPU, on a platform device
small_gpu() {
	modprobe mvgpu_sim pci=0 nr_gpus=1 vram_mb=64 || return 1
	[ "$(parent_of mvgpu0)" = mvgpu0 ] || return 1
	t=/sys/class/mdev_bus/mvgpu0/mdev_supported_types/mvgpu-1_8
	s=/sys/class/mdev_bus/mvgpu0/mdev_supported_types/mvgpu-1_64
	[ "$(cat /sys/class/mvgpu/mvgpu0/vram_total)" = 67108864 ] &&
		[ ! -e /sys/class/mvgpu/mvgpu1 ] &&
		[ "$(cat "$t/description")" = "$(printf 'vram: 8 MiB\nweight: 8\ncontexts: 4\nmax_instances: 8\n%s' "$(display_line 1024x768)")" ] &&
		[ "$(cat "$t/available_instances")" = 8 ] &&
		[ "$(cat "$s/description")" = "$(printf 'vram: 1 MiB\nweight: 1\ncontexts: 2\nmax_instances: 64\ndisplay: none')" ] &&
		[ "$(cat "$s/available_instances")" = 64 ]
}

# no parameters: a GPU of 256 MiB on each edu PCI device, and no other;
# the mdev types hang off the PCI device
defaults() {
	modprobe mvgpu_sim || return 1
	p=$(parent_of mvgpu1)
	[ "$(cat /sys/class/mvgpu/mvgpu0/vram_total)" = 268435456 ] &&
		[ "$(cat /sys/class/mvgpu/mvgpu1/vram_total)" = 268435456 ] &&
		[ ! -e /sys/class/mvgpu/mvgpu2 ] &&
		[ "$(cat "/sys/bus/pci/devices/$p/vendor")" = 0x1234 ] &&
		[ -d "/sys/bus/pci/devices/$p/mdev_supported_types/mvgpu-1_4" ] &&
		default_displays "$p" &&
		[ "$(basename "$(readlink "/sys/bus/pci/devices/$p/driver")")" = mvgpu ] &&
		rmmod mvgpu_sim
}

# nr_gpus beside the PCI GPUs: software-only ones after them
extra_gpu() {
	modprobe mvgpu_sim nr_gpus=1 vram_mb=64 || return 1
	[ -e /sys/class/mvgpu/mvgpu2 ] && [ ! -e /sys/class/mvgpu/mvgpu3 ] &&
		[ "$(parent_of mvgpu2)" = mvgpu2 ] &&
		create mvgpu2 mvgpu-1_64 && rmmod mvgpu_sim
}

param_is() {
	f=/sys/module/mvgpu/parameters/$1
	[ -r "$f" ] && [ "$(printf '%d' "$(cat "$f")")" = "$(printf '%d' "$2")" ]
}

# the PCI IDs of a vGPU follow mvgpu.ko's vendor_id/device_id
id_override() {
	unload_all || return 1
	modprobe mvgpu vendor_id=0x1234 device_id=0x5678 || return 1
	modprobe mvgpu_sim vram_mb=128 || return 1
	param_is vendor_id 0x1234 && param_is device_id 0x5678 || return 1
	out=$("$HERE/config_space" -t identity 2>&1)
	rc=$?
	echo "$out" | sed 's/^/# /'
	[ "$rc" = 0 ]
}

reload_standard() {
	unload_all || return 1
	modprobe mvgpu_sim vram_mb=128 && loaded mvgpu &&
		standard_state || return 1
	if [ -r /sys/module/mvgpu/parameters/vendor_id ]; then
		param_is vendor_id 0x1b36 && param_is device_id 0x10f0 ||
			return 1
	fi
	if [ -r /sys/module/mvgpu/parameters/max_pinned_mb ]; then
		param_is max_pinned_mb 1024
	fi
}

HERE=$(dirname "$0")

ktap_print_header
ktap_set_plan "$NR_TESTS"

if [ "$(id -u)" != 0 ]; then
	diag "must run as root"
fi

check "- mvgpu_sim and mvgpu loaded" eval 'loaded mvgpu_sim && loaded mvgpu'
check "- three vGPUs created on two GPUs" eval 'create_three && all_created_exist'
check "- rmmod mvgpu refused while mvgpu_sim uses it" eval '! rmmod mvgpu 2>/dev/null && loaded mvgpu'
check "- the vGPUs are still there" all_created_exist
check "- rmmod mvgpu_sim with vGPUs present" eval 'rmmod mvgpu_sim && ! loaded mvgpu_sim'
check "- its vGPUs and GPUs are gone" none_left
check "- rmmod mvgpu" eval 'rmmod mvgpu && ! loaded mvgpu'
check "- vram_mb=100 refused (not a power of two)" refused vram_mb=100
check "- vram_mb=32 refused (below 64)" refused vram_mb=32
check "- vram_mb=8192 refused (above 4096)" refused vram_mb=8192
check "- pci=0 nr_gpus=0 refused (no GPU at all)" refused pci=0 nr_gpus=0
check "- nr_gpus=5 refused (0..4)" refused nr_gpus=5
check "- nr_gpus=-2 refused (0..4)" refused nr_gpus=-2
check "- defaults: a 256 MiB GPU on each edu PCI device, types on it" defaults
check "- nr_gpus=1: a software-only GPU after the PCI ones" extra_gpu
check "- pci=0 nr_gpus=1 vram_mb=64: one platform GPU, 8 MiB eighths, 1 MiB 64ths" small_gpu
check "- vendor_id/device_id parameters give the PCI IDs" id_override
check "- modprobe mvgpu_sim vram_mb=128" reload_standard
check "- the reloaded GPUs work" create_and_remove
check "- rmmod mvgpu_sim with an open vGPU: REQ, close, unload" \
	"$HERE/unload_while_open" mvgpu1
check "- modprobe mvgpu_sim vram_mb=128 again" reload_standard

# leave the standard state behind even after a failure
for d in /sys/bus/mdev/devices/*; do
	[ -e "$d/remove" ] && echo 1 > "$d/remove"
done
if ! loaded mvgpu_sim || ! standard_state ||
   { [ -r /sys/module/mvgpu/parameters/vendor_id ] && ! param_is vendor_id 0x1b36; }; then
	unload_all
	modprobe mvgpu_sim vram_mb=128
fi

ktap_finished

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test VM: build/vm/vmlinuz and build/vm/initramfs.cpio.gz.
#
# The kernel is Debian's linux-image-<abi>-unsigned matching the installed
# linux-headers-6.12-amd64 (the .deb cached in /var/cache/mvgpu, or the
# installed image). The initramfs holds busybox, kmod, the vfio/mdev modules
# of that kernel with their dependencies, our driver modules (extra/), the
# installed selftests and tools, QEMU with its libraries and firmware, and
# the kernel plus a small initramfs for second-level (nested) guests.
#
# Usage: mkinitramfs.sh            (run from anywhere, as root)
# Environment: BUILD (default <top>/build), MVGPU_ABI (override the ABI),
# VM (output directory, default $BUILD/vm), MVGPU_KROOT (a directory with
# boot/vmlinuz-$MVGPU_ABI and lib/modules/$MVGPU_ABI/ to take the kernel
# from instead of Debian's package: make check-debug's kernel),
# MVGPU_KO_DIR (where mvgpu.ko and mvgpu_sim.ko are, default driver/),
# MVGPU_KMODS (the kernel modules to include, see KMODS).
set -euo pipefail

# shellcheck source=qemu-scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TOP=$(mvgpu_top)
BUILD=${BUILD:-$TOP/build}
VM=${VM:-$BUILD/vm}
ROOT=$VM/root
KO_DIR=${MVGPU_KO_DIR:-$TOP/driver}
ABI=$(kernel_abi)
MODDIR=lib/modules/$ABI
# Kernel modules the VM needs; their dependencies are added automatically.
# MVGPU_KMODS replaces the list: "vfio mdev" for a kernel whose
# /dev/vfio/vfio is iommufd's, with no vfio_iommu_type1.
KMODS=${MVGPU_KMODS:-"vfio vfio_iommu_type1 mdev"}

for t in busybox cpio gzip depmod modinfo xz ldd qemu-system-x86_64; do
	command -v "$t" >/dev/null || die "$t not found (run 'make deps')"
done
[ "$(id -u)" = 0 ] || note "not root: /dev/console cannot be created (init reopens it)"

# --- the kernel package --------------------------------------------------
# Extract the .deb once into $VM/kernel-<abi>; use the installed image when
# there is no .deb.
kernel_root() {
	local deb kroot stamp

	deb=$(find /var/cache/mvgpu -maxdepth 1 -name "linux-image-${ABI}-unsigned_*.deb" \
	      2>/dev/null | sort -V | tail -n1)
	if [ -n "$deb" ]; then
		kroot=$VM/kernel-$ABI
		stamp=$kroot/.from
		if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$deb" ]; then
			note "extracting $(basename "$deb")"
			rm -rf "$kroot"
			mkdir -p "$kroot"
			dpkg-deb -x "$deb" "$kroot"
			echo "$deb" > "$stamp"
		fi
		echo "$kroot"
		return
	fi
	if [ -f "/boot/vmlinuz-$ABI" ] && [ -d "/lib/modules/$ABI/kernel" ]; then
		echo /
		return
	fi
	die "no linux-image-$ABI-unsigned .deb in /var/cache/mvgpu and no installed image (run 'make deps')"
}

KROOT=${MVGPU_KROOT:-$(kernel_root)}
[ -r "$KROOT/boot/vmlinuz-$ABI" ] || die "$KROOT/boot/vmlinuz-$ABI missing"
mkdir -p "$VM"
[ "$VM/vmlinuz" -nt "$KROOT/boot/vmlinuz-$ABI" ] ||
	cp "$KROOT/boot/vmlinuz-$ABI" "$VM/vmlinuz"

# --- helpers ---------------------------------------------------------------

# Copy a dynamically linked program and every library ldd lists (plus the
# dynamic loader) to the same paths under root $1.
copy_prog() {
	local root=$1 prog=$2 lib

	install -D -m 0755 "$prog" "$root$prog"
	for lib in $(ldd "$prog" 2>/dev/null | grep -o '/[^ ]*' || true); do
		[ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
	done
}

# busybox-static and a symlink for each applet (one ln per directory).
install_busybox() {
	local root=$1 dir

	install -D -m 0755 "$(command -v busybox)" "$root/bin/busybox"
	for dir in $(busybox --list-full | sed -n 's|/[^/]*$||p' | sort -u); do
		mkdir -p "$root/$dir"
		(cd "$root/$dir" &&
		 busybox --list-full | sed -n "s|^$dir/\([^/]*\)$|\1|p" |
		 grep -vx busybox | xargs -r -I{} ln -sf /bin/busybox {})
	done
}

# Base directories and the initial console.
make_skeleton() {
	local root=$1

	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,root,var/tmp}
	if [ "$(id -u)" = 0 ]; then
		mknod -m 0600 "$root/dev/console" c 5 1
		mknod -m 0666 "$root/dev/null" c 1 3
	fi
}

# The kernel's module lists (builtin, order) into root $1, for depmod.
copy_modlists() {
	local f

	for f in modules.builtin modules.builtin.modinfo modules.order; do
		[ -f "$KROOT/$MODDIR/$f" ] && cp "$KROOT/$MODDIR/$f" "$1/$MODDIR/"
	done
	return 0
}

# Pack directory $1 into the gzip'ed newc cpio $2.
pack() {
	(cd "$1" && find . -print0 | LC_ALL=C sort -z |
	 cpio --null -o -H newc -R 0:0 --quiet) | gzip -1 > "$2.tmp"
	mv "$2.tmp" "$2"
}

# --- nested guests: their kernel, the guest driver for it, an initramfs ---
# The kernel is a small one built from linux-source-6.12 (build-kernel.sh
# nested, cached): Debian's generic kernel takes minutes to boot under TCG in TCG.
# mvgpu_accel.ko and mvgpu_kms.ko are built for it from a copy of the
# sources (the tree's own objects are for Debian's kernel); drm and its
# KMS helpers are built into that kernel.
NKOBJ=$(bash "$TOP/qemu-scripts/build-kernel.sh" nested)
NKREL=$(cat "$NKOBJ/include/config/kernel.release")
nko=$BUILD/nested-ko
copy_module_sources "$nko"
make -s -C "$NKOBJ" M="$nko" MVGPU_GUEST_ONLY=1 modules >/dev/null ||
	die "mvgpu_accel.ko does not build for the nested-guest kernel $NKREL"
[ -f "$nko/driver/mvgpu_kms.ko" ] ||
	die "no mvgpu_kms.ko for the nested-guest kernel $NKREL (its config lacks KMS?)"

# The initramfs: busybox, its /init, the guest drivers ("modprobe
# mvgpu_accel", "modprobe mvgpu_kms" in a guest command) and tools/guest's
# mvgpu-run, mvgpu-disp and mvgpu-kms-draw.
NESTED=$VM/nested-initramfs.cpio.gz
guest_ko=$nko/driver/mvgpu_accel.ko
guest_kms_ko=$nko/driver/mvgpu_kms.ko
guest_run=$TOP/tools/guest/mvgpu-run
guest_disp=$TOP/tools/guest/mvgpu-disp
guest_draw=$TOP/tools/guest/mvgpu-kms-draw
if [ -f "$TOP/tools/guest/Makefile" ] &&
   { [ ! -x "$guest_run" ] || [ ! -x "$guest_disp" ] || [ ! -x "$guest_draw" ]; }; then
	make -s -C "$TOP/tools/guest" >/dev/null 2>&1 ||
		note "tools/guest does not build: no mvgpu-run in nested guests"
fi
rebuild=0
for f in "$TOP/qemu-scripts/nested/init.sh" "$(command -v busybox)" "$0" \
	 "$guest_ko" "$guest_kms_ko" "$guest_run" "$guest_disp" "$guest_draw" \
	 "$NKOBJ/vmlinux"; do
	[ -e "$f" ] && [ "$f" -nt "$NESTED" ] && rebuild=1
done
[ -f "$NESTED" ] || rebuild=1
if [ $rebuild = 1 ]; then
	note "building the nested-guest initramfs"
	nroot=$VM/nested-root
	rm -rf "$nroot"
	make_skeleton "$nroot"
	install_busybox "$nroot"
	install -m 0755 "$TOP/qemu-scripts/nested/init.sh" "$nroot/init"
	install -D -m 0644 "$guest_ko" "$nroot/lib/modules/$NKREL/extra/mvgpu_accel.ko"
	install -m 0644 "$guest_kms_ko" "$nroot/lib/modules/$NKREL/extra/mvgpu_kms.ko"
	for f in modules.builtin modules.builtin.modinfo modules.order; do
		[ -f "$NKOBJ/$f" ] && cp "$NKOBJ/$f" "$nroot/lib/modules/$NKREL/"
	done
	depmod -b "$nroot" "$NKREL"
	[ -x "$guest_run" ] && install -m 0755 "$guest_run" "$nroot/bin/"
	[ -x "$guest_disp" ] && install -m 0755 "$guest_disp" "$nroot/bin/"
	[ -x "$guest_draw" ] && install -m 0755 "$guest_draw" "$nroot/bin/"
	pack "$nroot" "$NESTED"
	rm -rf "$nroot"
fi

# --- the first-level VM initramfs ------------------------------------------
for ko in mvgpu mvgpu_sim; do
	[ -f "$KO_DIR/$ko.ko" ] || die "$KO_DIR/$ko.ko not built (run 'make modules')"
done

rm -rf "$ROOT"
make_skeleton "$ROOT"
install_busybox "$ROOT"

# kmod (modprobe with modules.dep, the real thing) replaces busybox's applets.
kmod=$(command -v kmod)
copy_prog "$ROOT" "$kmod"
for a in modprobe insmod rmmod lsmod modinfo depmod; do
	rm -f "$ROOT/sbin/$a" "$ROOT/bin/$a"
	ln -s "$kmod" "$ROOT/sbin/$a"
done
# coreutils' timeout: the kernel's kselftest runner uses --foreground,
# which busybox's lacks
rm -f "$ROOT/usr/bin/timeout"
copy_prog "$ROOT" /usr/bin/timeout

# Kernel modules: name -> file map of the package, then a recursive walk of
# "modinfo -F depends".
declare -A kofile
while IFS= read -r f; do
	n=${f##*/}
	n=${n%%.ko*}
	kofile[${n//-/_}]=$f
done < <(cd "$KROOT/$MODDIR" && find kernel -name '*.ko*')

declare -A done_mod
add_module() {
	local name=${1//-/_} src dst dep

	[ -n "${done_mod[$name]:-}" ] && return
	done_mod[$name]=1
	src=${kofile[$name]:-}
	if [ -z "$src" ]; then
		grep -q "/${name//_/[-_]}\.ko" "$KROOT/$MODDIR/modules.builtin" 2>/dev/null ||
			die "kernel module $name not found in $KROOT/$MODDIR"
		return	# built in
	fi
	dst=$ROOT/$MODDIR/${src%.xz}
	mkdir -p "$(dirname "$dst")"
	case $src in
	*.xz)	xz -dc "$KROOT/$MODDIR/$src" > "$dst" ;;
	*)	cp "$KROOT/$MODDIR/$src" "$dst" ;;
	esac
	for dep in $(modinfo -F depends "$dst" | tr ',' ' '); do
		add_module "$dep"
	done
}

mkdir -p "$ROOT/$MODDIR/extra"
for ko in mvgpu mvgpu_sim; do
	cp "$KO_DIR/$ko.ko" "$ROOT/$MODDIR/extra/"
	for dep in $(modinfo -F depends "$KO_DIR/$ko.ko" | tr ',' ' '); do
		[ "$dep" = mvgpu ] || add_module "$dep"
	done
done
for m in $KMODS; do
	add_module "$m"
done
copy_modlists "$ROOT"
depmod -b "$ROOT" "$ABI"

# Selftests and tools, installed by their own Makefiles.
make -s -C "$TOP/selftests" install INSTALL_PATH="$ROOT/selftests" >/dev/null
[ -f "$ROOT/selftests/run_list" ] || die "selftests install wrote no run_list"
# the same tree is also the kernel's kselftest layout (run_kselftest.sh)
make -s -C "$TOP/selftests" kselftest-install INSTALL_PATH="$ROOT/selftests" >/dev/null
if grep -q '^install:' "$TOP/tools/Makefile" 2>/dev/null; then
	make -s -C "$TOP/tools" install DESTDIR="$ROOT" >/dev/null
else
	note "tools/Makefile has no install target yet: no tools in the VM"
fi

# QEMU for nested guests: binary, libraries, firmware, keymaps.
copy_prog "$ROOT" "$(command -v qemu-system-x86_64)"
mkdir -p "$ROOT/usr/share/qemu"
cp -rL /usr/share/seabios "$ROOT/usr/share/"
cp -L /usr/share/qemu/*.bin "$ROOT/usr/share/qemu/"
[ -d /usr/share/qemu/keymaps ] && cp -rL /usr/share/qemu/keymaps "$ROOT/usr/share/qemu/"

# Second-level guests: their kernel (uncompressed, booted through PVH) and
# initramfs, the launcher.
install -D -m 0644 "$NKOBJ/vmlinux" "$ROOT/usr/share/mvgpu/nested/vmlinux"
install -D -m 0644 "$NESTED" "$ROOT/usr/share/mvgpu/nested/initramfs.cpio.gz"
install -D -m 0755 "$TOP/qemu-scripts/vm/nested-guest.sh" "$ROOT/usr/bin/nested-guest.sh"
install -m 0755 "$TOP/qemu-scripts/vm/nested-ctl.sh" "$ROOT/usr/bin/nested-ctl.sh"

# Our init and the in-VM demo.
install -m 0755 "$TOP/qemu-scripts/vm/init.sh" "$ROOT/init"
install -D -m 0755 "$TOP/qemu-scripts/vm/demo.sh" "$ROOT/usr/bin/mvgpu-demo"

pack "$ROOT" "$VM/initramfs.cpio.gz"
note "built $VM/vmlinuz ($ABI) and $VM/initramfs.cpio.gz ($(du -h "$VM/initramfs.cpio.gz" | cut -f1))"

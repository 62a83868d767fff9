#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build a test kernel once from Debian's linux-source-6.12 and
# qemu-scripts/NAME-kernel.config ("allnoconfig" plus that fragment), and
# print the path of its build directory (vmlinux, and what "make M=" needs
# to build modules for it). Its modules and bzImage are installed under
# <build>/../root (lib/modules/<release>/, boot/vmlinuz-<release>).
#
#   nested  the kernel of the second-level (nested) test guests
#   debug   the test VM's kernel for "make check-debug" (KASAN, lockdep,
#           kmemleak, fault injection)
#
# The debug kernel gets the vfio fixes of qemu-scripts/patches/6.12/*.patch
# (patches/README.rst), applied in name order with "patch -p1" and no fuzz:
# one that does not apply stops the build.
#
# The build is cached under /var/cache/mvgpu/kernel-NAME/<key> (or
# $BUILD/kernel-NAME when that is not writable), <key> being a hash of the
# source tarball's name and size, the config fragment, the patches and
# this script: later runs, and other clones on the machine, reuse it. The
# nested one takes about 3 minutes on two cores the first time.
#
# Usage: build-kernel.sh NAME    (progress on stderr, the path on stdout)
# Environment: KSRC_TARBALL (default: the newest
# /usr/src/linux-source-6.12*.tar.*), BUILD.
set -euo pipefail

# shellcheck source=qemu-scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TOP=$(mvgpu_top)
BUILD=${BUILD:-$TOP/build}
[ $# = 1 ] || die "usage: ${0##*/} NAME (nested, debug)"
NAME=$1
FRAGMENT=$TOP/qemu-scripts/$NAME-kernel.config
[ -f "$FRAGMENT" ] || die "no $FRAGMENT"

tarball=${KSRC_TARBALL:-$(find /usr/src -maxdepth 1 -name 'linux-source-6.12*.tar.*' | sort -V | tail -n1)}
[ -n "$tarball" ] && [ -f "$tarball" ] ||
	die "no /usr/src/linux-source-6.12*.tar.* (run 'make deps')"

patches=()
if [ "$NAME" = debug ]; then
	patches=("$TOP"/qemu-scripts/patches/6.12/*.patch)
	[ -f "${patches[0]}" ] || die "no qemu-scripts/patches/6.12/*.patch"
fi

cache=/var/cache/mvgpu/kernel-$NAME
mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ] || cache=$BUILD/kernel-$NAME
mkdir -p "$cache"
key=$({ basename "$tarball"; stat -c %s "$tarball"; cat "$FRAGMENT" "$0"
	for p in ${patches[@]+"${patches[@]}"}; do basename "$p"; cat "$p"; done; } |
      sha256sum | cut -c1-16)
out=$cache/$key

# One builder at a time; the others wait for its result.
exec 9> "$cache/.lock"
flock 9

if [ -f "$out/.done" ]; then
	echo "$out/obj"
	exit 0
fi

rm -rf "$out"
mkdir -p "$out/obj"
note "unpacking $(basename "$tarball")"
tar -C "$out" -xf "$tarball"
src=$(find "$out" -mindepth 1 -maxdepth 1 -type d -name 'linux-source-*' | head -n1)
[ -n "$src" ] || die "$tarball holds no linux-source-* directory"
for p in ${patches[@]+"${patches[@]}"}; do
	note "applying ${p#"$TOP"/}"
	patch -d "$src" -p1 --batch --forward --fuzz=0 --no-backup-if-mismatch \
		-s < "$p" >&2 || die "${p#"$TOP"/} does not apply to $(basename "$src")"
done

note "configuring the $NAME kernel (allnoconfig + $(basename "$FRAGMENT"))"
make -s -C "$src" O="$out/obj" KCONFIG_ALLCONFIG="$FRAGMENT" allnoconfig >&2
# Every option the fragment sets or unsets must have survived the
# dependency resolution: a silently dropped one gives a guest that cannot
# boot.
lost=$(sed -n -E 's/^(CONFIG_[A-Z0-9_]+=.*)$/\1/p; s/^# (CONFIG_[A-Z0-9_]+) is not set$/\1=n/p' "$FRAGMENT" |
	while IFS= read -r want; do
		case $want in
		*=n)	grep -q "^${want%=n}=" "$out/obj/.config" && echo "$want" ;;
		*)	grep -qxF "$want" "$out/obj/.config" || echo "$want" ;;
		esac
	done || true)
[ -z "$lost" ] || die "the $NAME kernel config lost:" $lost

note "building the $NAME kernel in $out/obj"
start=$(date +%s)
make -s -C "$src" O="$out/obj" -j"$(($(nproc) + 1))" vmlinux bzImage modules >&2
release=$(cat "$out/obj/include/config/kernel.release")
make -s -C "$src" O="$out/obj" INSTALL_MOD_PATH="$out/root" modules_install >&2
install -D -m 0644 "$out/obj/arch/x86/boot/bzImage" "$out/root/boot/vmlinuz-$release"
note "$NAME kernel $release built in $(($(date +%s) - start)) s"
touch "$out/.done"

# Builds of older keys are of no further use.
find "$cache" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -exec rm -rf {} +
echo "$out/obj"

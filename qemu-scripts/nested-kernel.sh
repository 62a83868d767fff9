#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the kernel of the second-level (nested) test guests once, from
# Debian's linux-source-6.12 and qemu-scripts/nested-kernel.config, and
# print the path of its build directory (vmlinux, and what "make M=" needs,
# to build mvgpu_accel.ko for it).
#
# The build is cached under /var/cache/mvgpu/nested-kernel/<key> (or
# $BUILD/nested-kernel when that is not writable), <key> being a hash of the
# source tarball's name and size, the config fragment and this script:
# later runs, and other clones on the machine, reuse it. About 3 minutes
# on two cores the first time.
#
# Usage: nested-kernel.sh        (progress on stderr, the path on stdout)
# Environment: KSRC_TARBALL (default: the newest
# /usr/src/linux-source-6.12*.tar.*), BUILD.
set -euo pipefail

# shellcheck source=qemu-scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TOP=$(mvgpu_top)
BUILD=${BUILD:-$TOP/build}
FRAGMENT=$TOP/qemu-scripts/nested-kernel.config

tarball=${KSRC_TARBALL:-$(find /usr/src -maxdepth 1 -name 'linux-source-6.12*.tar.*' | sort -V | tail -n1)}
[ -n "$tarball" ] && [ -f "$tarball" ] ||
	die "no /usr/src/linux-source-6.12*.tar.* (run 'make deps')"

cache=/var/cache/mvgpu/nested-kernel
mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ] || cache=$BUILD/nested-kernel
mkdir -p "$cache"
key=$({ basename "$tarball"; stat -c %s "$tarball"; cat "$FRAGMENT" "$0"; } |
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

note "configuring the nested-guest kernel (allnoconfig + $(basename "$FRAGMENT"))"
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
[ -z "$lost" ] || die "the nested-guest kernel config lost:" $lost

note "building the nested-guest kernel in $out/obj"
start=$(date +%s)
make -s -C "$src" O="$out/obj" -j"$(($(nproc) + 1))" vmlinux modules >&2
note "nested-guest kernel $(make -s -C "$src" O="$out/obj" kernelrelease) built in $(($(date +%s) - start)) s"
touch "$out/.done"

# Builds of older keys are of no further use.
find "$cache" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -exec rm -rf {} +
echo "$out/obj"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Get a Debian kernel of the test matrix other than the default 6.12
# (Documentation/mvgpu/testing.rst, "Other kernels"), for the test VM and
# for building the modules against it; print the directory holding it:
#
#   <dir>/abi       the kernel's release string (e.g. 7.3.4+deb13-amd64)
#   <dir>/root      boot/vmlinuz-<abi> and lib/modules/<abi>/ (the
#                   MVGPU_KROOT of qemu-scripts/mkinitramfs.sh)
#   <dir>/kbuild    what "make -C <dir>/kbuild M=..." needs to build the
#                   modules for that kernel
#
# VERSION:
#   7.3  Debian 13 backports' 7.3: linux-binary-unsigned-<abi> and
#        linux-modules-<abi> (the image; there is no linux-image-*-unsigned
#        for 7.x), built against linux-source-7.3 with the .config and
#        Module.symvers of linux-headers-<abi> and "make modules_prepare
#        KERNELRELEASE=<abi>" (the headers package itself needs gcc-14,
#        which Debian 12 does not have).
#   6.1  Debian 12's own 6.1: linux-image-<abi>-unsigned, and the modules
#        are built against the extracted linux-headers-<abi>,
#        linux-headers-<common> and linux-kbuild-6.1 packages.
#
# Nothing is installed: the packages are fetched with "apt-get download"
# and unpacked with "dpkg-deb -x". trixie-backports is known to apt only
# for that download, through a private, temporary apt configuration whose
# one source reuses the URI of the Debian source configured on this
# machine: the system's apt never sees the suite, so nothing on the
# machine can be installed or upgraded from it.
#
# The result is cached under /var/cache/mvgpu/kernel-VERSION/<key> ($BUILD/
# kernel-VERSION when that is not writable), <key> being a hash of the
# packages' names and versions, the compiler and the layout number below;
# older keys are removed. Without network, the newest cached one is used.
# First run for 7.3: about 180 MB of downloads and a modules_prepare of a
# few minutes on two cores; later runs: seconds.
#
# Usage: debian-kernel.sh [-d] VERSION   (-d: only download the packages)
# Progress on stderr, the directory on stdout. Must run as root (apt).
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TOP=$(mvgpu_top)
BUILD=${BUILD:-$TOP/build}

download_only=0
[ "${1:-}" = -d ] && { download_only=1; shift; }
[ $# = 1 ] || die "usage: ${0##*/} [-d] VERSION (7.3, 6.1)"
VERSION=$1
case $VERSION in
7.3|6.1) ;;
*) die "unknown kernel $VERSION (7.3, 6.1)" ;;
esac

cache=/var/cache/mvgpu/kernel-$VERSION
mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ] || cache=$BUILD/kernel-$VERSION
mkdir -p "$cache/debs"

# One at a time; the others wait for its result.
exec 9> "$cache/.lock"
flock 9

# The newest finished cached build, if any (offline fallback).
newest_cached() {
	local d

	d=$(find "$cache" -mindepth 2 -maxdepth 2 -name .done -printf '%T@ %h\n' |
	    sort -n | tail -n1 | cut -d' ' -f2-)
	[ -n "$d" ] || return 1
	echo "$d"
}

offline() {
	local d

	note "$1"
	d=$(newest_cached) || die "$1, and no cached $VERSION kernel"
	note "using the cached $VERSION kernel $(cat "$d/abi")"
	echo "$d"
	exit 0
}

# --- apt: the packages' names and versions ------------------------------

apt_opts=()
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/parts" "$tmp/dl"
# apt fetches as user _apt where it can write
chmod 0755 "$tmp"
id _apt > /dev/null 2>&1 && chown _apt "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/dl"
if [ "$VERSION" = 7.3 ]; then
	uri=$(debian_uri | head -n1)
	[ -n "$uri" ] || die "no configured Debian source found to reuse"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri trixie-backports main" \
		> "$tmp/sources.list"
	: > "$tmp/preferences"
	apt_opts=(-o "Dir::Etc::SourceList=$tmp/sources.list"
		  -o "Dir::Etc::SourceParts=$tmp/parts"
		  -o "Dir::Etc::Preferences=$tmp/preferences"
		  -o "Dir::Etc::PreferencesParts=$tmp/parts"
		  -o "Dir::State::Lists=$tmp/lists"
		  -o "Dir::Cache=$tmp/cache")
	note "reading trixie-backports (private apt configuration, from $uri)"
	apt-get "${apt_opts[@]}" update -qq >&2 ||
		offline "apt-get update of trixie-backports failed"
	# the newest 7.3 build in the suite
	abi=$(apt-cache "${apt_opts[@]}" pkgnames linux-binary-unsigned-7.3. |
	      grep -xE 'linux-binary-unsigned-7\.3\.[0-9]+\+deb13-amd64' |
	      sed 's/^linux-binary-unsigned-//' | sort -V | tail -n1)
	[ -n "$abi" ] || offline "no linux-binary-unsigned-7.3.*+deb13-amd64 in trixie-backports"
	pkgs="linux-binary-unsigned-$abi linux-modules-$abi linux-headers-$abi linux-source-7.3"
else
	# Debian 12's 6.1: the ABI the linux-image-amd64 of bookworm (not
	# of backports) points to.
	ver=$(apt-cache madison linux-image-amd64 2>/dev/null |
	      awk -F'|' '$2 ~ /^ *6\.1\./ { gsub(/ /, "", $2); print $2 }' | sort -V | tail -n1)
	[ -n "$ver" ] || offline "no 6.1 linux-image-amd64 in the configured sources"
	abi=$(apt-cache show "linux-image-amd64=$ver" | sed -n 's/^Depends: //p' | head -n1 |
	      grep -o 'linux-image-6\.1[^ ,]*-amd64' | head -n1)
	abi=${abi#linux-image-}
	[ -n "$abi" ] || offline "cannot resolve the 6.1 ABI from linux-image-amd64 $ver"
	common=${abi%-amd64}-common
	pkgs="linux-image-$abi-unsigned linux-headers-$abi linux-headers-$common linux-kbuild-6.1"
fi

versions=""
for p in $pkgs; do
	v=$(apt-cache "${apt_opts[@]}" policy "$p" | sed -n 's/^ *Candidate: //p')
	if [ -z "$v" ] || [ "$v" = "(none)" ]; then
		offline "no candidate for $p"
	fi
	versions="$versions $p=$v"
done

# --- download ----------------------------------------------------------

for pv in $versions; do
	p=${pv%%=*} v=${pv#*=}
	ls "$cache/debs/${p}_${v//:/%3a}_"*.deb > /dev/null 2>&1 && continue
	note "downloading $p $v"
	(cd "$tmp/dl" && apt-get "${apt_opts[@]}" download -qq "$p=$v" >&2) ||
		offline "downloading $p $v failed"
	mv "$tmp/dl/${p}_"*.deb "$cache/debs/"
done
deb() {
	local pv=" $versions " p=$1 v

	v=${pv#* "$p"=}
	v=${v%% *}
	ls "$cache/debs/${p}_${v//:/%3a}_"*.deb
}
# The debs of older versions are of no further use.
keep=$(for p in $pkgs; do deb "$p"; done)
for f in "$cache"/debs/*.deb; do
	grep -qxF "$f" <<< "$keep" || rm -f "$f"
done
[ $download_only = 1 ] && exit 0

# --- unpack and prepare ------------------------------------------------

# Bump when what is cached, or how it is prepared, changes.
layout=1
key=$({ echo "$layout $versions"; gcc --version | head -n1; } | sha256sum | cut -c1-16)
out=$cache/$key
if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi

start=$(date +%s)
rm -rf "$out"
mkdir -p "$out/root/boot"
echo "$abi" > "$out/abi"
x=$out/x
if [ "$VERSION" = 7.3 ]; then
	note "unpacking the $abi image and modules"
	dpkg-deb -x "$(deb "linux-binary-unsigned-$abi")" "$x"
	dpkg-deb -x "$(deb "linux-modules-$abi")" "$x"
	dpkg-deb -x "$(deb "linux-headers-$abi")" "$x"
	dpkg-deb -x "$(deb linux-source-7.3)" "$x"
	mv "$x/usr/lib/modules/$abi/vmlinuz.unsigned" "$out/root/boot/vmlinuz-$abi"
	mkdir -p "$out/root/lib/modules"
	mv "$x/usr/lib/modules/$abi" "$out/root/lib/modules/"
	rm -f "$out/root/lib/modules/$abi/build" "$out/root/lib/modules/$abi/source"

	note "unpacking linux-source-7.3"
	tar -C "$out" -xf "$x"/usr/src/linux-source-7.3.tar.*
	mv "$out/linux-source-7.3" "$out/kbuild"
	cp "$x/usr/src/linux-headers-$abi/.config" "$x/usr/src/linux-headers-$abi/Module.symvers" \
		"$out/kbuild/"
	rm -rf "$x"
	note "make modules_prepare KERNELRELEASE=$abi (Debian's config, $(gcc -dumpfullversion))"
	make -s -C "$out/kbuild" olddefconfig >&2
	make -s -C "$out/kbuild" KERNELRELEASE="$abi" -j"$(($(nproc) + 1))" modules_prepare >&2
	# "make M=" must give the modules the same vermagic
	echo "$abi" > "$out/kbuild/include/config/kernel.release"
else
	note "unpacking the $abi image, headers and kbuild"
	dpkg-deb -x "$(deb "linux-image-$abi-unsigned")" "$x"
	for p in "linux-headers-$abi" "linux-headers-$common" linux-kbuild-6.1; do
		dpkg-deb -x "$(deb "$p")" "$x"
	done
	mv "$x/boot/vmlinuz-$abi" "$out/root/boot/"
	mkdir -p "$out/root/lib/modules"
	mv "$x/lib/modules/$abi" "$out/root/lib/modules/"
	rm -f "$out/root/lib/modules/$abi/build" "$out/root/lib/modules/$abi/source"
	# The headers' Makefile includes the -common tree's by its absolute
	# /usr/src path (their symlinks into linux-kbuild-6.1 are relative).
	mv "$x" "$out/hdr"
	ln -s "hdr/usr/src/linux-headers-$abi" "$out/kbuild"
	sed -i "s|/usr/src/|$out/hdr/usr/src/|g" "$out/kbuild/Makefile"
fi
touch "$out/.done"
note "$VERSION kernel $abi ready in $(($(date +%s) - start)) s"

find "$cache" -mindepth 1 -maxdepth 1 -type d ! -name "$key" ! -name debs -exec rm -rf {} +
echo "$out"

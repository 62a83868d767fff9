#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The project's modules through DKMS (dkms.conf at the top of the tree).
#
# Usage: dkms.sh install [KERNELRELEASE]
#            copy the module sources to /usr/src/mvgpu-VERSION, then
#            "dkms add", "build" and "install" them for the kernel (default:
#            the running one); "modprobe mvgpu_sim" then works (root)
#        dkms.sh remove
#            "dkms remove" every installed build and the sources (root)
#        dkms.sh check KERNELRELEASE
#            "dkms add" and "build" in a private DKMS tree (nothing of the
#            system's DKMS state is touched) and check what was built: the
#            three modules, for that kernel, mvgpu_sim depending on mvgpu
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TOP=$(mvgpu_top)
NAME=mvgpu
VERSION=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$TOP/dkms.conf")
[ -n "$VERSION" ] || die "no PACKAGE_VERSION in dkms.conf"
command -v dkms > /dev/null || die "dkms is not installed (make deps)"

# The module sources and dkms.conf into $1.
copy_tree() {
	copy_module_sources "$1"
	cp -p "$TOP/dkms.conf" "$1/"
}

case "${1:-}" in
install)
	kver=${2:-$(uname -r)}
	src=/usr/src/$NAME-$VERSION
	if dkms status -m "$NAME" -v "$VERSION" | grep -q .; then
		dkms remove -m "$NAME" -v "$VERSION" --all
	fi
	rm -rf "$src"
	copy_tree "$src"
	dkms add -m "$NAME" -v "$VERSION"
	dkms build -m "$NAME" -v "$VERSION" -k "$kver"
	dkms install -m "$NAME" -v "$VERSION" -k "$kver"
	;;
remove)
	if dkms status -m "$NAME" -v "$VERSION" | grep -q .; then
		dkms remove -m "$NAME" -v "$VERSION" --all
	fi
	rm -rf "/usr/src/$NAME-$VERSION"
	;;
check)
	kver=${2:?usage: dkms.sh check KERNELRELEASE}
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/mvgpu-dkms.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	copy_tree "$tmp/src/$NAME-$VERSION"
	mkdir -p "$tmp/tree"
	opts=(--sourcetree "$tmp/src" --dkmstree "$tmp/tree")
	dkms add -m "$NAME" -v "$VERSION" "${opts[@]}" > "$tmp/log" 2>&1 &&
		dkms build -m "$NAME" -v "$VERSION" -k "$kver" "${opts[@]}" \
			>> "$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }
	dir=$tmp/tree/$NAME/$VERSION/$kver/$(uname -m)/module
	for m in mvgpu mvgpu_sim mvgpu_accel mvgpu_kms; do
		ko=$(ls "$dir/$m.ko"* 2> /dev/null | head -n 1)
		[ -n "$ko" ] || { echo "dkms built no $m.ko"; exit 1; }
		magic=$(modinfo -F vermagic "$ko")
		[ "${magic%% *}" = "$kver" ] ||
			{ echo "$m.ko is for ${magic%% *}, not $kver"; exit 1; }
	done
	deps=$(modinfo -F depends "$(ls "$dir"/mvgpu_sim.ko* | head -n 1)")
	case ",$deps," in
	*,mvgpu,*) ;;
	*) echo "mvgpu_sim.ko depends on '$deps', not mvgpu"; exit 1 ;;
	esac
	echo "dkms built mvgpu, mvgpu_sim (depends: $deps), mvgpu_accel and mvgpu_kms for $kver"
	;;
*)
	echo "usage: ${0##*/} install [KERNELRELEASE] | remove | check KERNELRELEASE" >&2
	exit 2
	;;
esac

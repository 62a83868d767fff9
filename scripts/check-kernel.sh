#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM tests on another kernel of the matrix than the default Debian
# 6.12 (part of make check for 7.3; "make check-kernel KVER=6.1" by hand):
# get the kernel (scripts/debian-kernel.sh for Debian's 7.3 and 6.1;
# qemu-scripts/build-kernel.sh for "iommufd", a 6.12 kernel configured
# with iommufd and the vfio cdev like Fedora's and Ubuntu's, and for
# "iommufd-compat" the same without the legacy container, /dev/vfio/vfio
# being iommufd's and no vfio_iommu_type1; all cached),
# build the modules for
# it with W=1 (the Kbuild's -Werror makes any warning an error), build a
# test VM with that kernel and those modules ($BUILD/vm-k<VERSION>) and run
# the selftest programs in it (run-vm.sh; default: every mvgpu/* program
# of run_list, i.e. all but the kselftest-runner pass and the nested-guest
# e2e/ tests; on the iommufd kernel also e2e/iommufd_guest.sh, and the
# programs open the vGPUs through the vfio cdev and iommufd, see
# MVGPU_VFIO below). Every result is named "k<VERSION>: <name>", and one more case,
# "k<VERSION>: modules build (W=1)", fails when the build does.
#
# Usage: check-kernel.sh VERSION RESULTS_FILE [TEST...]
#        (after "make all": the selftests are the tree's own)
# Prints the same summary as make check, last line "N passed, M failed".
# Exit status: 1 when M > 0 or N == 0.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TOP=$(mvgpu_top)
BUILD=${BUILD:-$TOP/build}
[ $# -ge 2 ] || die "usage: ${0##*/} VERSION RESULTS_FILE [TEST...]"
VERSION=$1 results=$2
shift 2
tag=k$VERSION
work=$BUILD/$tag
mkdir -p "$work"
raw=$work/vm.results
rm -f "$raw"
: > "$results"

result() {
	echo "$1 $tag: $2" >> "$results"
}

start=$(date +%s)
case $VERSION in
iommufd|iommufd-compat)
	if ! kbuild=$(bash "$TOP/qemu-scripts/build-kernel.sh" "$VERSION"); then
		result FAIL "kernel: build-kernel.sh $VERSION failed"
		exit 1
	fi
	kroot=$(dirname "$kbuild")/root
	abi=$(cat "$kbuild/include/config/kernel.release")
	;;
*)
	if ! kdir=$(bash "$TOP/scripts/debian-kernel.sh" "$VERSION"); then
		result FAIL "kernel: debian-kernel.sh $VERSION failed"
		exit 1
	fi
	kbuild=$kdir/kbuild kroot=$kdir/root
	abi=$(cat "$kdir/abi")
	;;
esac
ko=$work/ko
rm -rf "$ko"
copy_module_sources "$ko"
if make -s -C "$kbuild" M="$ko" W=1 -j"$(($(nproc) + 1))" modules \
	> "$work/modules.log" 2>&1; then
	result PASS "modules build (W=1) for $abi"
else
	tail -n 30 "$work/modules.log" >&2
	result FAIL "modules build (W=1) for $abi"
	echo "NOTE see $work/modules.log" >> "$results"
	exit 1
fi
note "kernel and modules for $abi: $(($(date +%s) - start)) s"

export VM=$BUILD/vm-$tag
# iommufd-compat: /dev/vfio/vfio is iommufd's, there is no type1 module
kmods=
[ "$VERSION" = iommufd-compat ] && kmods="vfio mdev"
MVGPU_KROOT=$kroot MVGPU_ABI=$abi MVGPU_KO_DIR=$ko/driver MVGPU_KMODS=$kmods \
	bash "$TOP/qemu-scripts/mkinitramfs.sh"
if [ $# = 0 ]; then
	mapfile -t progs < <(grep '^mvgpu/' "$VM/root/selftests/run_list")
	# and on the iommufd kernel one nested guest whose QEMU uses iommufd
	[ "$VERSION" = iommufd ] && progs+=(e2e/iommufd_guest.sh)
	set -- "${progs[@]}"
fi
# How the programs open the vGPUs (libmvgpu, MVGPU_VFIO in the VM): on
# the iommufd kernel through the vfio cdev and iommufd by default
# ("k<VERSION>: ..."), with the legacy group and container too when
# MVGPU_VFIO is "both" or "legacy" ("k<VERSION>-legacy: ...").
backends=(legacy)
if [ "$VERSION" = iommufd ]; then
	case ${MVGPU_VFIO:-iommufd} in
	iommufd)	backends=(iommufd) ;;
	legacy)		backends=(legacy) ;;
	both)		backends=(iommufd legacy) ;;
	*)		die "MVGPU_VFIO=$MVGPU_VFIO: iommufd, legacy or both" ;;
	esac
fi
for b in "${backends[@]}"; do
	rtag=$tag
	[ "$VERSION" = iommufd ] && [ "$b" = legacy ] && rtag=$tag-legacy
	rm -f "$raw"
	run_start=$(date +%s)
	"$TOP/qemu-scripts/run-vm.sh" -n "$rtag" -r "$raw" -e MVGPU_VFIO="$b" \
		"$@" || true
	if [ -s "$raw" ]; then
		sed -E "s/^(PASS|FAIL|SKIP|INFO) /\\1 $rtag: /" "$raw" >> "$results"
	else
		echo "FAIL $rtag: vm: run-vm.sh gave no results" >> "$results"
	fi
	note "$rtag (MVGPU_VFIO=$b): $(($(date +%s) - run_start)) s"
done
echo
echo "=== summary ($abi)"
print_summary "$results" "time: $(($(date +%s) - start)) s; logs: $BUILD/vm-logs/$tag-*"

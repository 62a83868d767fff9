#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make check": dependencies (only when something is missing), build, static
# checks, the VM tests, the kernel-interface programs of the VM tests again
# on Debian 13 backports' 7.3 kernel with a nested guest's live migration,
# on Debian 12's 6.1 and on the iommufd test kernel (check-kernel.sh; their
# cases named "k7.3: ...", "k6.1: ...", "kiommufd: ..."), the Debian VM
# (debian-vm.sh: Debian 13, or as MVGPU_CHECK_DEBIAN says); then one
# summary whose last line is exactly
# "N passed, M failed" (N/M count test cases, static checks and the
# vm-console-clean check; skipped cases are reported separately).
#
# Usage: check.sh [TEST...]   (run by the top-level Makefile; KDIR, KSRC and
#                              BUILD come from it; EXTRA_KO is passed on)
# Environment: MVGPU_CHECK_61=0 leaves out the run on Debian 12's 6.1
# kernel ("k6.1: ..."), MVGPU_CHECK_73=0 the 7.3 run, MVGPU_CHECK_IOMMUFD=0
# the run on the iommufd test kernel (built once from the 6.12 source; the
# programs open the vGPUs through the vfio cdev: "kiommufd: ...");
# MVGPU_CHECK_E2E_73, MVGPU_CHECK_E2E_61 and MVGPU_CHECK_E2E_IOMMUFD name
# the nested-guest programs run there (default: e2e/migrate.sh on 7.3 and
# on the iommufd kernel, none on 6.1; "" for none).
# MVGPU_CHECK_DEBIAN="12 13" runs the Debian VM on Debian 12 and 13 (default
# "13"), MVGPU_DEBIAN_K73=1 has Debian 13's DKMS build for 7.3 too,
# MVGPU_DEBIAN_BPO=1 its domain on trixie-backports' libvirt and QEMU,
# MVGPU_CHECK_DEBIAN_MIGRATE=1 adds the migration between two.
# Exit status: 1 when M > 0 or N == 0.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TOP=$(mvgpu_top)
BUILD=${BUILD:-$TOP/build}
MAKE=${MAKE:-make}
KSRC=${KSRC:-/usr/src/linux-source-6.12}
out=$BUILD/check
mkdir -p "$out"
rm -f "$out"/*.results "$out/timing"

phase_start=0
phase() {
	echo
	echo "=== $1"
	phase_start=$(date +%s)
}
phase_end() {
	echo "$1 $(($(date +%s) - phase_start))" >> "$out/timing"
}

# Anything missing that install-deps.sh would install?
deps_missing() {
	local t abi

	for t in qemu-system-x86_64 busybox cpio gzip xz depmod modinfo sparse gcc make \
		 debootstrap mkfs.ext4; do
		command -v "$t" > /dev/null || { echo "$t"; return 0; }
	done
	[ -f /usr/include/libdrm/drm.h ] || { echo libdrm-dev; return 0; }
	if [ -z "${KDIR:-}" ] || [ ! -d "$KDIR" ]; then
		echo "kernel headers"
		return 0
	fi
	[ -f "$KSRC/scripts/checkpatch.pl" ] || { echo checkpatch.pl; return 0; }
	[ -f "$KSRC/tools/testing/selftests/kselftest_harness.h" ] ||
		{ echo kselftest_harness.h; return 0; }
	abi=$(kernel_abi 2> /dev/null) || { echo "kernel ABI"; return 0; }
	ls /var/cache/mvgpu/linux-image-"$abi"-unsigned_*.deb > /dev/null 2>&1 ||
		[ -f "/boot/vmlinuz-$abi" ] || { echo "linux-image-$abi-unsigned"; return 0; }
	return 1
}

phase deps
if what=$(deps_missing); then
	echo "missing: $what; installing dependencies"
	$MAKE -C "$TOP" deps || echo "FAIL deps: install-deps.sh failed" > "$out/deps.results"
	# the headers may have just appeared
	if [ -z "${KDIR:-}" ] || [ ! -d "$KDIR" ]; then
		KDIR=$(find /usr/src -maxdepth 1 -name 'linux-headers-6.12*-amd64' | sort -V | tail -n1)
		export KDIR
	fi
else
	echo "all present"
fi
phase_end deps

phase build
if $MAKE -C "$TOP" all && $MAKE -C "$TOP" vm; then
	build_ok=1
else
	build_ok=0
	echo "FAIL build: make all / make vm failed" >> "$out/build.results"
fi
phase_end build

phase "static checks"
"$TOP/scripts/check-static.sh" "$out/static.results" || true
phase_end static

# Every test of the VM's run_list but those MVGPU_CHECK_SKIP names (default:
# e2e/guests_same_type.sh, whose scheduler check guests_two_types.sh makes
# too, with two weights, e2e/migrate.sh, which runs on the iommufd
# kernel below, and e2e/display.sh, whose QEMU display path
# e2e/display_kms.sh takes too, with the guest's driver: a nested guest
# costs minutes on a slow machine;
# testing.rst, "CI time"). TESTS=... runs what it names, skipped or not.
vm_tests=("$@")
if [ $# = 0 ] && [ -f "$BUILD/vm/root/selftests/run_list" ]; then
	read -r -a skip <<< "${MVGPU_CHECK_SKIP-e2e/guests_same_type.sh e2e/migrate.sh e2e/display.sh}"
	while read -r t; do
		case " ${skip[*]-} " in *" $t "*) continue ;; esac
		vm_tests+=("$t")
	done < <(grep -v '^[[:space:]]*\(#\|$\)' "$BUILD/vm/root/selftests/run_list")
fi

phase "VM tests"
if [ $build_ok = 1 ]; then
	"$TOP/qemu-scripts/run-vm.sh" -n check -r "$out/vm.results" \
		${vm_tests[@]+"${vm_tests[@]}"} || true
	[ -s "$out/vm.results" ] || echo "FAIL vm: run-vm.sh gave no results" > "$out/vm.results"
else
	echo "FAIL vm: not run, the build failed" > "$out/vm.results"
fi
phase_end vm

# The VM tests on the other kernels of the matrix, with the modules built
# for each (check-kernel.sh: 7.3 and 6.1): the programs
# that exercise kernel interfaces (VFIO, mdev, pinning, eventfds, module
# life), not those of the simulated engines and scheduler, to keep CI in
# its budget; MVGPU_CHECK_KERNEL_TESTS (or TESTS) chooses others, e.g.
# "all" for every mvgpu/* program.
kernel_tests=(mvgpu/mdev_types mvgpu/vfio_device mvgpu/config_space mvgpu/mmio_regs
	      mvgpu/vram mvgpu/irq mvgpu/reset mvgpu/vfio_fuzz mvgpu/display
	      mvgpu/lifecycle
	      mvgpu/shadow_sync mvgpu/migration mvgpu/dirty_log mvgpu/stress
	      mvgpu/module_unload.sh)
kernel_tests_set=
if [ $# -gt 0 ]; then
	kernel_tests=("$@")
	kernel_tests_set=1
elif [ -n "${MVGPU_CHECK_KERNEL_TESTS:-}" ]; then
	read -r -a kernel_tests <<< "$MVGPU_CHECK_KERNEL_TESTS"
	kernel_tests_set=1
fi
[ "${kernel_tests[*]}" = all ] && kernel_tests=()
# One nested guest and a live migration of it (e2e/migrate.sh: a guest
# doing checked work, migrated with QEMU) on the iommufd kernel, unless
# TESTS chose (MVGPU_CHECK_E2E_73=e2e/migrate.sh adds it on 7.3: about
# 1000 s on a slow machine). On the iommufd kernel its QEMUs attach the vGPU
# through iommufd (MVGPU_VFIO=iommufd) and, the vGPU offering DMA logging
# there, keep QEMU's default enable-migration=auto.
declare -A e2e=([7.3]=${MVGPU_CHECK_E2E_73-}
		[6.1]=${MVGPU_CHECK_E2E_61-}
		[iommufd]=${MVGPU_CHECK_E2E_IOMMUFD-e2e/migrate.sh})
kernels=()
[ "${MVGPU_CHECK_73:-1}" = 1 ] && kernels+=(7.3)
[ "${MVGPU_CHECK_61:-1}" = 1 ] && kernels+=(6.1)
[ "${MVGPU_CHECK_IOMMUFD:-1}" = 1 ] && kernels+=(iommufd)
for k in ${kernels[@]+"${kernels[@]}"}; do
	phase "VM tests on the $k kernel"
	ktests=(${kernel_tests[@]+"${kernel_tests[@]}"})
	# the iommufd kernel: its own program too
	[ "$k" = iommufd ] && [ ${#ktests[@]} -gt 0 ] && [ -z "$kernel_tests_set" ] &&
		ktests+=(mvgpu/iommufd)
	# "all" (an empty list) stays every mvgpu/* program of check-kernel.sh
	if [ $# = 0 ] && [ ${#ktests[@]} -gt 0 ] && [ -n "${e2e[$k]:-}" ]; then
		read -r -a more <<< "${e2e[$k]}"
		ktests+=("${more[@]}")
	fi
	if [ $build_ok = 1 ]; then
		"$TOP/scripts/check-kernel.sh" "$k" "$out/k$k.results" \
			${ktests[@]+"${ktests[@]}"} || true
		[ -s "$out/k$k.results" ] ||
			echo "FAIL k$k: check-kernel.sh gave no results" > "$out/k$k.results"
	else
		echo "FAIL k$k: not run, the build failed" > "$out/k$k.results"
	fi
	phase_end "vm-k$k"
done

# The Debian VMs: DKMS, mdevctl, libvirt as an operator uses them
# (debian-vm.sh); their own steps' times go to the timing file too.
# MVGPU_CHECK_DEBIAN: the systems, "12" (bookworm), "13" (trixie, with
# trixie-backports' libvirt, QEMU and 7.3 headers) or both ("12 13");
# MVGPU_CHECK_DEBIAN_MIGRATE=1 adds the libvirt live migration between
# two Debian 13 VMs (make check-debian-migrate).
# In make check Debian 13 leaves out its DKMS build for the 7.3 headers
# (MVGPU_DEBIAN_K73=1 adds it; the host's 7.3 phase builds the modules for
# that kernel already; it costs about 1.4 DKMS builds) and the domain on
# trixie-backports' libvirt 12.9 and QEMU 11.1 (MVGPU_DEBIAN_BPO=1 adds
# it; installing them and the domain cost about 1.5 DKMS builds), so that
# the Debian VM costs what Debian 12's did (testing.rst, "The Debian VM").
export MVGPU_DEBIAN_K73=${MVGPU_DEBIAN_K73:-0}
export MVGPU_DEBIAN_BPO=${MVGPU_DEBIAN_BPO:-0}
read -r -a debians <<< "${MVGPU_CHECK_DEBIAN:-13}"
[ "${MVGPU_CHECK_DEBIAN_MIGRATE:-0}" = 1 ] && debians+=(13-migrate)
for d in ${debians[@]+"${debians[@]}"}; do
	case $d in
	12)		args=(-s bookworm); what="DKMS, mdevctl, libvirt" ;;
	13)		args=(-s trixie); what="DKMS, mdevctl, libvirt" ;;
	13-migrate)	args=(-s trixie -j migrate); what="libvirt live migration" ;;
	*)		echo "FAIL debian$d: unknown MVGPU_CHECK_DEBIAN system" > "$out/debian$d.results"
			continue ;;
	esac
	phase "Debian ${d%-migrate} VM ($what)"
	if [ $build_ok = 1 ]; then
		"$TOP/qemu-scripts/debian-vm.sh" "${args[@]}" -r "$out/debian$d.results" \
			-t "$out/timing" || true
		[ -s "$out/debian$d.results" ] ||
			echo "FAIL debian$d-vm: debian-vm.sh gave no results" > "$out/debian$d.results"
	else
		echo "FAIL debian$d-vm: not run, the build failed" > "$out/debian$d.results"
	fi
	phase_end "debian$d"
done

# Summary.
echo
echo "=== summary"
cat "$out"/*.results > "$out/all"
print_summary "$out/all" \
	"time: $(awk '{ printf "%s %ss, ", $1, $2 }' "$out/timing" | sed 's/, $//')
logs: $BUILD/vm-logs/, results: $out/all"

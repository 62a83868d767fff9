#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything mvgpu needs to build and to run its VM tests on a
# Debian 12 machine. Idempotent: does nothing when all is present.
#
# - Debian 6.12 headers and the *matching* unsigned image (same ABI string);
# - QEMU 10 from bookworm-backports (the suite is added by reusing the URI
#   of the Debian source already configured on this machine);
# - busybox-static, cpio, kmod, sparse, python3-docutils, dkms, rsync
#   (the kernel's selftest lib.mk installs with it), linux-source-6.12,
#   xz-utils, debootstrap and e2fsprogs (the Debian test VM's image,
#   debian-rootfs.sh),
#   libdrm-dev (drm.h for the guest userspace; from bookworm-backports
#   when the installed libdrm2 came from there with QEMU);
# - the packages of Debian 13 backports' 7.3 kernel that make check also
#   tests on, downloaded, not installed (scripts/debian-kernel.sh -d 7.3:
#   the suite is known only to a private, temporary apt configuration).
set -euo pipefail

log() { echo "install-deps: $*" >&2; }
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ "$(id -u)" = 0 ] || { log "must run as root"; exit 1; }
export DEBIAN_FRONTEND=noninteractive

have_backports() {
	grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/
}

need_update=0
if ! have_backports; then
	uri=$(debian_uri | head -n1)
	[ -n "$uri" ] || { log "no configured Debian source found to reuse"; exit 1; }
	log "adding bookworm-backports from the configured Debian source"
	cat > /etc/apt/sources.list.d/mvgpu-backports.sources <<EOS
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
	need_update=1
fi

stamp=/var/lib/apt/periodic/mvgpu-update-stamp
policy=$(apt-cache policy linux-headers-6.12-amd64 2>/dev/null || true)
if [ $need_update = 1 ] || [ ! -e "$stamp" ] || [[ $policy != *Candidate:* ]]; then
	log "apt-get update"
	apt-get update -qq
	mkdir -p "$(dirname $stamp)"; touch "$stamp"
fi

pkgs="busybox-static cpio kmod sparse universal-ctags python3-docutils dkms rsync xz-utils libdrm-dev linux-headers-6.12-amd64
      debootstrap e2fsprogs
      linux-source-6.12 make gcc libc6-dev bc flex bison libelf-dev perl"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
# libdrm-dev must be of the installed libdrm2's version: when QEMU from
# bookworm-backports came first and brought libdrm2 from there, bookworm's
# libdrm-dev cannot be installed ("held broken packages"); take it from
# backports too.
if [[ " $missing " == *" libdrm-dev "* ]] &&
   dpkg-query -W -f='${Version}' libdrm2 2>/dev/null | grep -q '~bpo'; then
	missing=${missing/ libdrm-dev/}
	log "installing: libdrm-dev from bookworm-backports (as the installed libdrm2)"
	apt-get install -y -qq --no-install-recommends -t bookworm-backports \
		libdrm-dev >/dev/null
fi
if [ -n "$missing" ]; then
	log "installing:$missing"
	# shellcheck disable=SC2086 # a list of package names
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# The image must be exactly the ABI of the installed headers.
abi=$(dpkg-query -W -f='${Depends}' linux-headers-6.12-amd64 | grep -o 'linux-headers-6\.12[^ ,]*-amd64' | head -n1)
abi=${abi#linux-headers-}
[ -n "$abi" ] || { log "cannot resolve the 6.12 ABI from linux-headers-6.12-amd64"; exit 1; }
img="linux-image-$abi-unsigned"
if ! dpkg-query -W -f='${Status}' "$img" 2>/dev/null | grep -q 'install ok installed'; then
	# Download only: we need its files, not to boot this host from it.
	cache=/var/cache/mvgpu
	mkdir -p "$cache"
	if ! ls "$cache/$img"_*.deb >/dev/null 2>&1; then
		log "downloading $img"
		(cd "$cache" && apt-get download -qq "$img")
	fi
fi

# QEMU 10 from backports.
qv=$(qemu-system-x86_64 --version 2>/dev/null | head -n1 | grep -o 'version [0-9]*' | cut -d' ' -f2 || true)
if [ "${qv:-0}" -lt 10 ]; then
	log "installing QEMU from bookworm-backports"
	apt-get install -y -qq --no-install-recommends -t bookworm-backports \
		qemu-system-x86 qemu-system-data seabios ipxe-qemu >/dev/null
fi

# linux-source ships as a tarball; unpack the few files we use: checkpatch,
# the kselftest harness and the kernel's selftest machinery (lib.mk, the
# runner), when any of them is missing.
src=/usr/src/linux-source-6.12
used="scripts/checkpatch.pl scripts/spelling.txt scripts/const_structs.checkpatch
      tools/testing/selftests/kselftest_harness.h tools/testing/selftests/kselftest.h
      tools/testing/selftests/lib.mk tools/testing/selftests/run_kselftest.sh
      tools/testing/selftests/kselftest/runner.sh
      tools/testing/selftests/kselftest/ktap_helpers.sh
      tools/testing/selftests/kselftest/module.sh"
missing=""
for f in $used; do
	[ -f "$src/$f" ] || missing="$missing */$f"
done
if [ -n "$missing" ]; then
	tarball=$(find /usr/src -maxdepth 1 -name 'linux-source-6.12*.tar.*' | sort | head -n1)
	log "unpacking checkpatch and the kselftest files from $tarball"
	mkdir -p /usr/src
	set -f	# the patterns are tar's, not the shell's
	# shellcheck disable=SC2086
	tar -C /usr/src -xf "$tarball" --wildcards $missing
	set +f
fi
# The other kernels of make check (MVGPU_CHECK_61=0: not 6.1).
bash "$(dirname "${BASH_SOURCE[0]}")/debian-kernel.sh" -d 7.3
[ "${MVGPU_CHECK_61:-1}" = 1 ] && bash "$(dirname "${BASH_SOURCE[0]}")/debian-kernel.sh" -d 6.1
log "ok: headers $abi, image $img, $(qemu-system-x86_64 --version | head -n1)"

# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the host-side qemu-scripts (sourced, not run).

# shellcheck shell=bash

die() {
	echo "${0##*/}: error: $*" >&2
	exit 1
}

note() {
	echo "${0##*/}: $*" >&2
}

# The Debian 6.12 kernel ABI (e.g. "6.12.117+deb12-amd64") of the installed
# linux-headers-6.12-amd64 metapackage, resolved as install-deps.sh does;
# falls back to the newest installed 6.12 headers directory.
kernel_abi() {
	local abi=""

	if [ -n "${MVGPU_ABI:-}" ]; then
		echo "$MVGPU_ABI"
		return
	fi
	abi=$(dpkg-query -W -f='${Depends}' linux-headers-6.12-amd64 2>/dev/null |
	      grep -o 'linux-headers-6\.12[^ ,]*-amd64' | head -n1 || true)
	abi=${abi#linux-headers-}
	if [ -z "$abi" ]; then
		abi=$(find /usr/src -maxdepth 1 -name 'linux-headers-6.12*-amd64' \
		      -printf '%f\n' 2>/dev/null | sort -V | tail -n1)
		abi=${abi#linux-headers-}
	fi
	[ -n "$abi" ] || die "cannot resolve the 6.12 kernel ABI (run 'make deps')"
	echo "$abi"
}

# Top of the source tree (the directory holding qemu-scripts/).
mvgpu_top() {
	cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd
}

# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the build host's scripts: those of scripts/ and, through
# qemu-scripts/lib.sh, those of qemu-scripts/ (sourced, not run).

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

# Print the URI of the configured Debian archive (the source serving the
# plain "bookworm" suite), from deb822 or one-line sources.
debian_uri() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		awk '
			/^[[:space:]]*$/ { if (uri != "" && suite ~ /(^| )bookworm( |$)/) { print uri; exit } uri=""; suite=""; next }
			/^URIs:/ { uri=$2 }
			/^Suites:/ { $1=""; suite=$0 " " }
			END { if (uri != "" && suite ~ /(^| )bookworm( |$)/) print uri }
		' "$f" | head -n1
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -e "$f" ] || continue
		awk '$1 == "deb" && $0 !~ /security/ {
			for (i = 2; i <= NF; i++) if ($i !~ /^\[/) { if ($(i+1) == "bookworm") print $i; break }
		}' "$f"
	done
}

# Print the URI of the configured Debian security archive (the source
# serving "bookworm-security"), from deb822 or one-line sources.
debian_security_uri() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		awk '
			/^[[:space:]]*$/ { if (uri != "" && suite ~ / bookworm-security /) { print uri; exit } uri=""; suite=""; next }
			/^URIs:/ { uri=$2 }
			/^Suites:/ { $1=""; suite=$0 " " }
			END { if (uri != "" && suite ~ / bookworm-security /) print uri }
		' "$f" | head -n1
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -e "$f" ] || continue
		awk '$1 == "deb" {
			for (i = 2; i <= NF; i++) if ($i !~ /^\[/) { if ($(i+1) ~ /^bookworm[-\/]security$/) print $i; break }
		}' "$f"
	done
}

# Top of the source tree (the directory holding scripts/).
mvgpu_top() {
	cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd
}

# Copy the kernel-module sources (the Kbuild files, driver/ and include/)
# to directory $1, keeping their times: to build the modules for another
# kernel than the one the tree's own objects are for.
copy_module_sources() {
	local top dest=$1 d

	top=$(mvgpu_top)
	mkdir -p "$dest/driver"
	cp -p "$top/Kbuild" "$dest/"
	cp -p "$top/driver/Kbuild" "$dest/driver/"
	for d in "$top"/driver/*/; do
		d=${d%/}
		mkdir -p "$dest/driver/${d##*/}"
		cp -p "$d"/*.[ch] "$dest/driver/${d##*/}/"
	done
	cp -rp "$top/include" "$dest/"
}

# The findings of a results file (PASS/FAIL/NOTE/SKIP/INFO lines, as
# parse-tap.sh and the checks write them): the skips, the timing lines,
# then the failures with their notes.
print_findings() {
	local all=$1

	if grep -q '^SKIP' "$all"; then
		echo "skipped:"
		grep '^SKIP' "$all" | sed 's/^SKIP /  /'
	fi
	if grep -q '^INFO ' "$all"; then
		echo "timing:"
		sed -n 's/^INFO /  /p' "$all"
	fi
	# Last, so that a log's tail shows them.
	if grep -q '^FAIL' "$all"; then
		echo "failed:"
		grep -E '^(FAIL|NOTE) ' "$all" | sed 's/^FAIL /  /; s/^NOTE /      /'
	fi
}

# The summary of a results file: its findings, then $2 (a line or
# several) and, last, exactly "N passed, M failed". Returns 1 when M > 0
# or N == 0.
print_summary() {
	local all=$1 extra=$2 pass fail

	print_findings "$all"
	echo "$extra"
	pass=$(grep -c '^PASS' "$all" || true)
	fail=$(grep -c '^FAIL' "$all" || true)
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ] && [ "$pass" != 0 ]
}

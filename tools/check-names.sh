#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One prefix per module: list the names (functions, structs, unions,
# enums, typedefs, variables; static ones too) each side defines or
# declares, and print every name found on two sides:
#   kernel (driver/mediator, driver/sim, driver/guest, include/mvgpu)
#     vs userspace (tools/, selftests/mvgpu/)
#   one kernel module vs another, except the backend API they share
#     (include/mvgpu)
# include/uapi is everybody's and not counted, nor the kernel's module
# macros that ctags takes for declarations. Prints "no shared names"
# and exits 0, or the shared names and exits 1.
#
# Usage: tools/check-names.sh [TOP]

set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

names() {
	ctags -x --c-kinds=fpsugtv --language-force=C "$@" 2> /dev/null |
		awk '{ print $1 }' |
		grep -v -x -E 'module_(init|exit)|MODULE_[A-Z_]+|EXPORT_SYMBOL[A-Z_]*' |
		sort -u
}

names driver/mediator/*.[ch] > "$tmp/mediator"
names driver/sim/*.[ch] > "$tmp/sim"
names driver/guest/*.[ch] > "$tmp/guest"
names include/mvgpu/*.h > "$tmp/shared"
names $(find tools selftests/mvgpu -name '*.[ch]') > "$tmp/user"
sort -u "$tmp/mediator" "$tmp/sim" "$tmp/guest" "$tmp/shared" > "$tmp/kernel"

status=0
both() {
	local shared

	shared=$(comm -12 "$tmp/$1" "$tmp/$2" | comm -23 - "$tmp/${3:-/dev/null}" |
		tr '\n' ' ')
	echo "$1 ($(wc -l < "$tmp/$1")) ~ $2 ($(wc -l < "$tmp/$2")): ${shared:-none}"
	[ -z "$shared" ] || status=1
}

: > "$tmp/none"
both kernel user none
both mediator sim shared
both mediator guest none
both sim guest none
both shared guest none
[ $status = 0 ] && echo "no shared names"
exit $status

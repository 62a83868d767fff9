#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scan a VM console log for kernel trouble.
#
# Usage: check-console.sh CONSOLE_LOG
# Prints the offending lines (with line numbers, at most 40) and exits 1
# when any warning, BUG, oops, lockup, hung task, leak report, list
# corruption, refcount or UBSAN report appears; exits 0 when the log is
# clean. No report is allowed, whoever's code it points at: the two vfio
# bugs the tests used to hit are fixed in the debug kernel
# (qemu-scripts/patches/README.rst).
set -euo pipefail

[ $# = 1 ] || { echo "usage: ${0##*/} CONSOLE_LOG" >&2; exit 2; }
[ -f "$1" ] || { echo "${0##*/}: $1: no such file" >&2; exit 2; }

pattern='WARNING:|BUG:|Oops|general protection|Call Trace|soft lockup|hard LOCKUP'
pattern+='|hung_task|blocked for more than|suspected memory leak|list_add corruption|list_del corruption'
pattern+='|refcount_t:|UBSAN'

# All of grep's output first: "grep | head" would let grep die of SIGPIPE
# on a long report, and pipefail turn that into "clean".
found=$(tr -d '\r' < "$1" | grep -n -a -E "$pattern" || true)
if [ -n "$found" ]; then
	head -n 40 <<< "$found"
	exit 1
fi
exit 0

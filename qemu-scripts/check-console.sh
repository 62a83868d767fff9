#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scan a VM console log for kernel trouble.
#
# Usage: check-console.sh CONSOLE_LOG
# Prints the offending lines (with line numbers) and exits 1 when any
# warning, BUG, oops, lockup, hung task, leak report, list corruption,
# refcount or UBSAN report appears; exits 0 when the log is clean.
set -euo pipefail

[ $# = 1 ] || { echo "usage: ${0##*/} CONSOLE_LOG" >&2; exit 2; }
[ -f "$1" ] || { echo "${0##*/}: $1: no such file" >&2; exit 2; }

pattern='WARNING:|BUG:|Oops|general protection|Call Trace|soft lockup|hard LOCKUP'
pattern+='|hung_task|blocked for more than|suspected memory leak|list_add corruption|list_del corruption'
pattern+='|refcount_t:|UBSAN'

if tr -d '\r' < "$1" | grep -n -a -E "$pattern" | head -n 40; then
	exit 1
fi
exit 0

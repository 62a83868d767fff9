#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Save the files mvgpu-bench printed in its output (each between a line
# "@@file NAME" and a line "@@end": the scheduling part's CSV and SVG)
# from the newest benchmark log into a directory.
#
# Usage: bench-files.sh LOG_DIR DEST_DIR
set -euo pipefail

[ $# = 2 ] || { echo "usage: ${0##*/} LOG_DIR DEST_DIR" >&2; exit 2; }
# shellcheck disable=SC2012
tap=$(ls -t "$1"/bench-*.tap 2> /dev/null | head -n 1)
[ -n "$tap" ] || { echo "${0##*/}: no benchmark log in $1" >&2; exit 1; }
mkdir -p "$2"
tr -d '\r' < "$tap" | awk -v dest="$2" '
/^@@file [A-Za-z0-9._-]+$/ { out = dest "/" $2; printf "" > out; next }
/^@@end$/ { if (out != "") { close(out); print "saved " out }; out = ""; next }
out != "" { print >> out }'

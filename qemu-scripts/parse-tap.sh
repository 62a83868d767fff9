#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Turn the VM's TAP (as written by vm/init.sh) into one result per test case.
#
# Usage: parse-tap.sh TAPFILE
# Prints "PASS name", "FAIL name" or "SKIP name" lines, one per test case:
# the TAP result lines each test program printed (indented "# ok K name");
# after a FAIL, up to 4 "NOTE text" lines: the program's diagnostics that
# directly follow the failing case (what was measured);
# "INFO text" for every "timing: text" diagnostic (boot times and the like,
# printed in the summary whatever the result);
# a program that failed without a failing case of its own (crash, timeout,
# missing results) adds one FAIL; a missing or empty TAP stream is one FAIL.
set -euo pipefail

[ $# = 1 ] || { echo "usage: ${0##*/} TAPFILE" >&2; exit 1; }
tap=$1
if [ ! -s "$tap" ]; then
	echo "FAIL vm: no test output (the VM did not run the tests)"
	exit 0
fi

tr -d '\r' < "$tap" | awk '
function flush_prog(outer_ok, outer_skip, why) {
	if (prog == "")
		return
	if (!outer_seen) {
		print "FAIL " prog ": no result (VM stopped during the test)"
	} else if (!outer_ok && fails == 0) {
		print "FAIL " prog ": " why
	} else if (plan >= 0 && results < plan) {
		print "FAIL " prog ": " results " of " plan " planned results"
	} else if (results == 0) {
		print (outer_skip ? "SKIP " : (outer_ok ? "PASS " : "FAIL ")) prog
	}
	prog = ""
}
function result(line, ok,    name, st) {
	# line: "ok K name [# directive]" with "ok"/"not ok" already cut
	name = line
	sub(/^[0-9]+ */, "", name)
	st = ok ? "PASS" : "FAIL"
	if (ok && name ~ /# *[Ss][Kk][Ii][Pp]/)
		st = "SKIP"
	sub(/ *#.*$/, "", name)
	return st " " prog ": " name
}
BEGIN { prog = ""; outer_plan = -1; progs = 0; notes = 0 }
# Diagnostics right after a failing case ("# # text"): keep a few.
/^# # / && notes > 0 {
	print "NOTE " substr($0, 5); notes--; next
}
{ notes = 0 }
/^(# )+timing: / { t = $0; sub(/^(# )+timing: /, "", t); print "INFO " t; next }
/^1\.\.[0-9]+/ && outer_plan < 0 { outer_plan = substr($0, 4) + 0; next }
/^# selftests: / {
	flush_prog(0, 0, "no result")
	prog = $0
	sub(/^# selftests: /, "", prog)
	sub(/: /, "/", prog)
	results = 0; fails = 0; plan = -1; outer_seen = 0
	next
}
/^# 1\.\.[0-9]+/ && prog != "" && plan < 0 { plan = substr($0, 6) + 0; next }
/^# ok [0-9]/ && prog != "" {
	print result(substr($0, 6), 1); results++; next
}
/^# not ok [0-9]/ && prog != "" {
	print result(substr($0, 10), 0); results++; fails++; notes = 4; next
}
/^(not )?ok [0-9]+ selftests: / {
	progs++
	outer_seen = 1
	ok = ($0 ~ /^ok /)
	why = $0
	sub(/^[^#]*#? */, "", why)
	if (why == "")
		why = "failed"
	flush_prog(ok, ok && $0 ~ /# SKIP/, "program failed (" why ")")
	next
}
END {
	flush_prog(0, 0, "no result")
	if (outer_plan < 0)
		print "FAIL vm: no TAP plan"
	else if (progs < outer_plan)
		print "FAIL vm: " progs " of " outer_plan " test programs reported"
}
'

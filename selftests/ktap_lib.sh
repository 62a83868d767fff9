# SPDX-License-Identifier: GPL-2.0
#
# The TAP helpers of every mvgpu shell test (sourced; busybox sh, dash,
# bash): the kernel's kselftest/ktap_helpers.sh, installed beside this
# file by "make -C selftests install" or "kselftest-install", and what it
# lacks. As for the kernel's runner.sh, the caller sets BASE_DIR, the
# directory that holds this file and kselftest/ (a shell cannot find the
# path of a file it sources).
#
# From ktap_helpers.sh: ktap_print_header, ktap_set_plan N, ktap_skip_all
# REASON, ktap_test_pass/ktap_test_fail/ktap_test_skip DESC, ktap_finished
# (the totals; exit 0 when every planned case passed or skipped), the
# counters KTAP_TESTNO, KTAP_CNT_PASS, KTAP_CNT_FAIL and KSFT_SKIP.
# It prints descriptions unquoted: keep them free of * ? [.
# shellcheck shell=sh

if [ -z "${BASE_DIR:-}" ] || [ ! -r "$BASE_DIR/kselftest/ktap_helpers.sh" ]; then
	echo "ktap_lib.sh: no \$BASE_DIR/kselftest/ktap_helpers.sh (BASE_DIR=${BASE_DIR:-})" >&2
	exit 1
fi
# shellcheck source=/dev/null
. "$BASE_DIR/kselftest/ktap_helpers.sh"

# check DESC COMMAND...: one test case from a command's status (as
# ktap_test_result, with the command's words kept as they are).
check() {
	_ktap_desc=$1
	shift
	if "$@"; then
		ktap_test_pass "$_ktap_desc"
	else
		ktap_test_fail "$_ktap_desc"
	fi
}

# diag TEXT: one diagnostic line, TEXT as it is.
diag() {
	echo "# $*"
}

# diag_file FILE [N]: the last N (default 40) lines of FILE as diagnostics.
diag_file() {
	[ -f "$1" ] || { diag "($1 missing)"; return 0; }
	diag "--- $1"
	tail -n "${2:-40}" "$1" | sed 's/^/#   /'
}

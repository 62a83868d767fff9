#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The mvgpu tests through the kernel's own runner, as a kernel developer
# runs them after "make -C selftests kselftest-install": run_kselftest.sh
# lists every mvgpu test and runs two of them (-t), with the kernel's TAP.
# Runs in the mvgpu test VM, from /selftests/ksft/.
KSFT=$(dirname "$(realpath "$0")")/..
passed=0
failed=0

check() {
	desc=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
		echo "ok $((passed + failed)) $desc"
	else
		failed=$((failed + 1))
		echo "not ok $((passed + failed)) $desc"
	fi
}

echo "TAP version 13"
echo "1..4"
check "run_kselftest.sh and its runner are installed" \
	test -x "$KSFT/run_kselftest.sh" -a -r "$KSFT/kselftest/runner.sh"
list=$("$KSFT/run_kselftest.sh" -l)
want=$(grep '^mvgpu/' "$KSFT/run_list" | sed 's|^mvgpu/|mvgpu:|')
check "run_kselftest.sh -l lists the mvgpu run_list" test "$list" = "$want"
out=$("$KSFT/run_kselftest.sh" -t mvgpu:engine_lib -t mvgpu:mmio_regs 2>&1)
echo "$out" | sed 's/^/# /'
check "mvgpu:engine_lib passes through the runner" \
	sh -c 'echo "$1" | grep -q "^ok [0-9]* selftests: mvgpu: engine_lib"' _ "$out"
check "mvgpu:mmio_regs passes through the runner" \
	sh -c 'echo "$1" | grep -q "^ok [0-9]* selftests: mvgpu: mmio_regs"' _ "$out"
echo "# $passed passed, $failed failed"
[ "$failed" = 0 ]

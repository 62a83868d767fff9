#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The mvgpu tests through the kernel's own runner, as a kernel developer
# runs them after "make -C selftests kselftest-install": run_kselftest.sh
# lists every mvgpu test and runs two of them (-t), with the kernel's TAP:
# each program's own TAP indented, with the timeout of mvgpu/settings.
# Runs in the mvgpu test VM, from /selftests/ksft/.
BASE_DIR=$(dirname "$(realpath "$0")")/..
# shellcheck source=selftests/ktap_lib.sh
. "$BASE_DIR/ktap_lib.sh"

ktap_print_header
ktap_set_plan 6
check "run_kselftest.sh and its runner are installed" \
	test -x "$BASE_DIR/run_kselftest.sh" -a -r "$BASE_DIR/kselftest/runner.sh"
list=$("$BASE_DIR/run_kselftest.sh" -l)
want=$(grep '^mvgpu/' "$BASE_DIR/run_list" | sed 's|^mvgpu/|mvgpu:|')
check "run_kselftest.sh -l lists the mvgpu run_list" test "$list" = "$want"
out=$("$BASE_DIR/run_kselftest.sh" -t mvgpu:engine_lib -t mvgpu:mmio_regs 2>&1)
echo "$out" | sed 's/^/# /'
check "mvgpu:engine_lib passes through the runner" \
	sh -c 'echo "$1" | grep -q "^ok [0-9]* selftests: mvgpu: engine_lib"' _ "$out"
check "mvgpu:mmio_regs passes through the runner" \
	sh -c 'echo "$1" | grep -q "^ok [0-9]* selftests: mvgpu: mmio_regs"' _ "$out"
check "the runner shows both programs' own TAP, indented" \
	test "$(echo "$out" | grep -c '^# 1\.\.[0-9]')" = 2
timeout=$(sed -n 's/^timeout=//p' "$BASE_DIR/mvgpu/settings")
check "the runner takes the timeout of mvgpu/settings ($timeout s)" \
	test "$(echo "$out" | grep -c "^# timeout set to $timeout\$")" = 2
ktap_finished

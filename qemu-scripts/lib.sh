# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the build host's qemu-scripts (sourced, not run): those of
# scripts/lib.sh, and the results of a test VM's run.

# shellcheck shell=bash
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

# vm_run_files NAME TAG: one run's files: logdir, base (logdir/NAME-stamp),
# console, tap and results beside it, a private work directory ($work,
# mvgpu-TAG.*), and an EXIT trap that stops QEMU ($qpid, set once it runs)
# and removes $work.
vm_run_files() {
	logdir=$BUILD/vm-logs
	mkdir -p "$logdir"
	base=$logdir/$1-$(date -u +%Y%m%d-%H%M%S)
	console=$base.log
	tap=$base.tap
	results=$base.results
	work=$(mktemp -d "${TMPDIR:-/tmp}/mvgpu-$2.XXXXXX")
	qpid=
	trap vm_run_cleanup EXIT
}

vm_run_cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2> /dev/null
	rm -rf "$work"
}

# vm_outcome NAME RC TIMEOUT TAP DONE CONSOLE FINDINGS: the result lines of
# a test VM's run that are not its tests' own: how QEMU ended (RC, its exit
# status; 124/137: killed after TIMEOUT seconds), whether the job reached
# the line DONE in TAP, and the kernel console's scan (check-console.sh,
# written to FINDINGS), as "NAME-console-clean".
vm_outcome() {
	local name=$1 rc=$2 timeout=$3 tap=$4 done_line=$5 console=$6 findings=$7

	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "FAIL $name: did not finish within ${timeout}s"
	elif [ "$rc" != 0 ]; then
		echo "FAIL $name: QEMU exited with status $rc"
	fi
	if ! tr -d '\r' < "$tap" | grep -q "^$done_line"; then
		echo "FAIL $name: the VM did not complete its job"
	fi
	if "$(dirname "${BASH_SOURCE[0]}")/check-console.sh" "$console" > "$findings"; then
		echo "PASS $name-console-clean"
	else
		echo "FAIL $name-console-clean"
	fi
}

# kernel_trouble CONSOLE FINDINGS: print what vm_outcome's console scan
# found.
kernel_trouble() {
	if [ -s "$2" ]; then
		echo "kernel trouble in $1:"
		sed 's/^/  /' "$2"
	fi
}

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# /init of the mvgpu test VM (busybox sh). Runs the selftests listed in
# /selftests/run_list (or the job's list), one after the other, through
# the kernel's kselftest runner (/selftests/kselftest/runner.sh: each
# program with the timeout of its directory's "settings" file, its output
# indented into the runner's TAP), on the second serial port (/dev/ttyS1);
# kernel messages stay on the console (ttyS0). Powers off.
#
# Job settings, from /etc/mvgpu/job (added by run-vm.sh as an extra cpio
# archive) or the kernel command line:
#   mvgpu.job=tests|demo|bench|shell   what to do (default tests); bench
#                                runs mvgpu-bench $BENCH_ARGS
#   mvgpu.tests=a,b              tests to run, paths relative to /selftests;
#                                "dir/prog@case" runs that case alone
#   mvgpu.timeout=SECONDS        per-test timeout for every program,
#                                instead of the "settings" files'
# Every *.ko under /etc/mvgpu/extra-ko/ is insmod'ed before the tests
# (harness self-test: a module that misbehaves must fail the run).

export PATH=/sbin:/bin:/usr/sbin:/usr/bin
export HOME=/root

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
exec </dev/console >/dev/console 2>&1
# what udev would add to devtmpfs (the kernel's runner writes to /dev/stdout)
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr

log() {
	echo "mvgpu-init: $*"
}

JOB=tests
TESTS=
TIMEOUT=
# The expected module state before every test program.
NR_GPUS=2
VRAM_MB=128

# shellcheck disable=SC2013 # words, not lines
for arg in $(cat /proc/cmdline); do
	case $arg in
	mvgpu.job=*)		JOB=${arg#*=} ;;
	mvgpu.tests=*)		TESTS=$(echo "${arg#*=}" | tr ',' ' ') ;;
	mvgpu.timeout=*)	TIMEOUT=${arg#*=} ;;
	esac
done
# shellcheck disable=SC1091
[ -f /etc/mvgpu/job ] && . /etc/mvgpu/job

ulimit -l unlimited
# Make hangs visible within a test's timeout.
sysctl -q -w kernel.hung_task_timeout_secs=60 >/dev/null 2>&1 ||
	echo 60 > /proc/sys/kernel/hung_task_timeout_secs
hostname mvgpu-vm

OUT=/dev/ttyS1
if [ -c "$OUT" ]; then
	stty -F "$OUT" raw -echo -onlcr 2>/dev/null
else
	log "no /dev/ttyS1: results go to the console"
	OUT=/dev/console
fi
exec 3>"$OUT"
echo "# timing: test VM kernel to /init $(cut -d' ' -f1 /proc/uptime) s" >&3

finish() {
	sync
	# let the serial ports drain before the machine goes away
	sleep 1
	poweroff -f
}

# Module state: vfio_iommu_type1 (where the kernel has it) and "mvgpu_sim vram_mb=128" with exactly
# the GPUs of the VM's two edu PCI devices (run-vm.sh). A test may have
# unloaded or reloaded them: reload.
# Is there a vfio_iommu_type1 module? Not where /dev/vfio/vfio is iommufd's.
have_type1() {
	grep -q '/vfio_iommu_type1\.ko' "/lib/modules/$(uname -r)/modules.dep" 2>/dev/null
}

modules_ok() {
	local n=0 g

	! have_type1 || [ -d /sys/module/vfio_iommu_type1 ] || return 1
	[ -d /sys/module/mvgpu_sim ] || return 1
	for g in /sys/class/mvgpu/mvgpu*; do
		[ -e "$g" ] || return 1
		[ "$(cat "$g/vram_total" 2>/dev/null)" = $((VRAM_MB << 20)) ] || return 1
		n=$((n + 1))
	done
	[ "$n" = "$NR_GPUS" ]
}

load_modules() {
	if have_type1; then
		modprobe vfio_iommu_type1 || return 1
	else
		modprobe vfio || return 1
	fi
	modules_ok && return 0
	if [ -d /sys/module/mvgpu_sim ]; then
		log "modules not in the expected state: reloading"
		rmmod mvgpu_sim 2>/dev/null
	fi
	modprobe mvgpu_sim vram_mb=$VRAM_MB || return 1
	modules_ok
}

# vGPUs a previous test left behind would skew the next one.
remove_leftovers() {
	local d

	for d in /sys/bus/mdev/devices/*; do
		[ -e "$d/remove" ] || continue
		echo "# harness: removing vGPU ${d##*/} left behind" >&3
		log "removing leftover vGPU ${d##*/}"
		echo 1 > "$d/remove"
	done
}

load_extra_ko() {
	local ko

	for ko in /etc/mvgpu/extra-ko/*.ko; do
		[ -f "$ko" ] || continue
		log "loading extra module $ko"
		insmod "$ko" || log "insmod $ko failed"
	done
}

# ok lines of the runner get the program's time: "ok 3 selftests: mvgpu:
# irq # 9s" (since uptime $1).
add_elapsed() {
	awk -v start="$1" '
	/^ok [0-9]+ selftests: / && !/#/ {
		getline up < "/proc/uptime"
		close("/proc/uptime")
		$0 = $0 " # " (int(up) - start) "s"
	}
	{ print; fflush() }'
}

# Run one test program with the kernel's runner (runner.sh's run_one, as
# run_kselftest.sh does): "# selftests: <dir>: <name>", the program's TAP
# indented with "# ", then "ok N selftests: <dir>: <name>" (or "not ok
# ... # exit=N", "# TIMEOUT N seconds", "# SKIP"). Before it, the module
# state every program expects.
run_test() {
	local num=$1 t=$2 dir name start only='' var

	# "mvgpu/sched@reset_stalls_no_other_vgpu": that test case only
	case $t in
	*@*)	only=${t#*@}; t=${t%%@*} ;;
	esac
	dir=$(dirname "$t")
	name=$(basename "$t")
	log "test $num: $t"
	if ! load_modules; then
		echo "# selftests: $dir: $name" >&3
		echo "not ok $num selftests: $dir: $name # cannot load the modules" >&3
		return
	fi
	remove_leftovers
	start=$(cut -d. -f1 /proc/uptime)
	(
		# the runner's arguments of a program: KSELFTEST_<NAME>_ARGS,
		# NAME as run_one makes it
		if [ -n "$only" ]; then
			var=$(echo "$name" | tr -d "[:blank:][:cntrl:]" |
			      tr -c "[:alnum:]_" "_" | tr "[:lower:]" "[:upper:]")
			export "KSELFTEST_${var}_ARGS=-t $only"
		fi
		# a directory not installed: run_one says the program is missing
		cd "$BASE_DIR/$dir" 2> /dev/null || cd "$BASE_DIR" || exit
		run_one "$dir" "./$name" "$num"
	) 3>&- < /dev/null 2>&1 | add_elapsed "$start" >&3
	log "test $num: $t done after $(($(cut -d. -f1 /proc/uptime) - start))s"
}

run_tests() {
	local n=0 i=0 t

	BASE_DIR=/selftests
	if [ ! -r $BASE_DIR/kselftest/runner.sh ]; then
		echo "# mvgpu-init: no $BASE_DIR/kselftest/runner.sh" >&3
		return
	fi
	# shellcheck source=/dev/null
	. $BASE_DIR/kselftest/runner.sh
	# Without perl its "# " prefix is sed, which buffers into a pipe: a
	# program's output would show (and, should the VM stop, stay) only
	# when it ends. Line at a time, as the runner's prefix.pl does it.
	tap_prefix() {
		awk '{ print "# " $0; fflush() }'
	}
	# shellcheck disable=SC2034 # the runner's
	[ -n "$TIMEOUT" ] && kselftest_override_timeout=$TIMEOUT
	if [ -z "$TESTS" ]; then
		TESTS=$(grep -v '^[[:space:]]*\(#\|$\)' /selftests/run_list 2>/dev/null)
	fi
	for t in $TESTS; do
		n=$((n + 1))
	done
	echo "TAP version 13" >&3
	echo "1..$n" >&3
	for t in $TESTS; do
		i=$((i + 1))
		run_test "$i" "$t"
	done
	remove_leftovers
}

# A kernel with kmemleak (make check-debug): scan once more after
# everything was freed and put what it finds on the console, where the
# vm-console-clean check sees it.
report_leaks() {
	local kml=/sys/kernel/debug/kmemleak

	[ -e $kml ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null
	[ -e $kml ] || return 0
	sleep 6		# kmemleak reports objects older than 5 s only
	echo scan > $kml
	echo scan > $kml
	log "kmemleak: $(grep -c '^unreferenced object' $kml) unreferenced objects"
	cat $kml
}

log "job=$JOB kernel $(uname -r)"
if ! load_modules; then
	log "cannot load vfio_iommu_type1 and mvgpu_sim"
	echo "# mvgpu-init: cannot load the modules" >&3
fi
load_extra_ko

case $JOB in
tests)	run_tests ;;
demo)	mvgpu-demo >&3 2>&1 ;;
bench)	# shellcheck disable=SC2086 # BENCH_ARGS are words
	mvgpu-bench ${BENCH_ARGS:-} >&3 2>&1 ;;
shell)	setsid cttyhack sh ;;
*)	log "unknown job '$JOB'" ;;
esac
report_leaks
echo "# mvgpu-init: done" >&3
log "done"
finish

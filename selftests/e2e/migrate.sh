#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Live migration of a running VM and its vGPU with QEMU, the way an operator
# does it by hand (Documentation/mvgpu/migration.rst):
#
#  - a second-level guest on a 1/8 vGPU of mvgpu0 (A) loads the guest driver
#    and runs checked work in a loop (mvgpu-run copy, fill and hash into
#    VRAM, then a GEMM; every result compared with the CPU's);
#  - migrating it to a 1/4 vGPU is refused (another type): the source runs
#    on;
#  - a migration to a 1/8 vGPU of mvgpu1 (B), slowed down, is cancelled
#    halfway: the source runs on;
#  - the real one, over a unix socket, while the work runs: the guest goes
#    on on B, every result still right; QEMU's downtime is reported;
#  - the guest, now idle (nothing queued), is migrated back to A, then
#    saved to a file and restored from it on A (what virsh save and
#    virsh restore do), and runs its last checks there.
# The vfio-pci devices have enable-migration=on where the kernel cannot
# report device DMA logging (no CONFIG_IOMMUFD_DRIVER: Debian's kernels):
# there QEMU 10's "auto" blocks migration of any device without it, although
# type1's dirty tracking, which QEMU then uses, reports every page the vGPU
# writes (see Documentation/mvgpu/migration.rst). QEMU warns about that once
# per device; any other warning or error fails the test.
# Where the kernel has iova_bitmap (an iommufd kernel) the vGPU offers device
# DMA logging and the devices keep QEMU's default, enable-migration=auto:
# QEMU then migrates with the vGPU's own log of the guest pages it wrote,
# and any warning fails the test, that one included.
# MIG_AUTO=1 or 0 chooses instead of the kernel. With MVGPU_VFIO=iommufd
# (make check's run on the iommufd kernel) every QEMU attaches its vGPU
# through iommufd and the vfio cdev, which the test checks on A's.
# shellcheck shell=dash

cd "$(dirname "$0")" || exit 1
. ./e2e_lib.sh

# The guest's whole life, a slow machine's boot included; one migration.
GUEST_SECONDS=${GUEST_SECONDS:-1000}
MIG_SECONDS=${MIG_SECONDS:-300}
# The one warning QEMU gives for enable-migration=on (see above).
DIRTY_WARNING="doesn't support device and IOMMU dirty tracking"
if [ -z "${MIG_AUTO:-}" ]; then
	MIG_AUTO=0
	grep -q ' iova_bitmap_set$' /proc/kallsyms && MIG_AUTO=1
fi
if [ "$MIG_AUTO" = 1 ]; then
	VFIO_OPTS=enable-migration=auto
	ALLOWED_WARNING=
else
	VFIO_OPTS=enable-migration=on
	ALLOWED_WARNING=$DIRTY_WARNING
fi

# qemu_logs_clean LOG...: no warning or error but the allowed one.
qemu_logs_clean() {
	cat "$@" | if [ -n "$ALLOWED_WARNING" ]; then
		grep -v "$ALLOWED_WARNING"
	else
		cat
	fi | { ! grep -i -E 'warning|error'; }
}

# The guest's job: checked work until the host says "pause", then idle
# until "resume", then the last checks. Lines from the host arrive on fd 4
# (the guest's third serial port, which follows it to the destination).
mig_job() {
	cat <<'EOJ'
modprobe mvgpu_accel || exit 10
for i in 1 2 3 4 5 6 7 8 9 10; do [ -c /dev/accel/accel0 ] && break; sleep 1; done
mvgpu-run -s 65536 all || exit 11
(while read -r l <&4; do echo "$l" > /tmp/ctl; done) &
echo MIG-READY
n=0
while [ "$(cat /tmp/ctl 2>/dev/null)" != pause ]; do
	mvgpu-run -v -s 131072 copy fill hash || { echo ITER-FAIL; exit 12; }
	mvgpu-run -s 48 gemm || { echo ITER-FAIL; exit 12; }
	n=$((n + 1)); echo "ITER $n"
done
echo "PAUSED iters=$n"
while [ "$(cat /tmp/ctl 2>/dev/null)" != resume ]; do sleep 1; done
mvgpu-run -v -s 65536 all || exit 13
echo FINAL-OK
EOJ
}

# wait_for SECONDS COMMAND...: until the command succeeds (every second).
wait_for() {
	local end=$(($(uptime_s) + $1))

	shift
	until "$@"; do
		[ "$(uptime_s)" -lt "$end" ] || return 1
		sleep 1
	done
}

iters() {
	grep -c '^ITER ' "$1/result.txt" 2>/dev/null
}

# more_iters OUTDIR N: the guest in OUTDIR ran N more iterations than now.
more_iters() {
	local want=$(($(iters "$1") + $2))

	wait_for "$MIG_SECONDS" iters_at_least "$1" "$want"
}

iters_at_least() {
	[ "$(iters "$1")" -ge "$2" ]
}

# The last migration status the source's monitor printed.
mig_status() {
	sed -n 's/^Migration status: *//p' "$1/monitor.log" | tr -d '\r' | tail -n1
}

# mig_wait SRC STATUS: ask "info migrate" until STATUS shows (or another
# final one).
mig_wait() {
	local end=$(($(uptime_s) + MIG_SECONDS)) st

	while :; do
		nested-ctl.sh hmp "$1" info migrate
		sleep 1
		st=$(mig_status "$1")
		# "failed" comes with the reason in parentheses
		case $st in
		"$2"|"$2 "*) return 0 ;;
		failed*|cancelled*) return 1 ;;
		esac
		[ "$(uptime_s)" -lt "$end" ] || return 1
	done
}

# check_mig DESC SRC DEST STATUS: one test case, with both sides' logs when
# the status never came.
check_mig() {
	if mig_wait "$2" "$4"; then
		ktap_test_pass "$1"
	else
		ktap_test_fail "$1"
		diag "migration status: $(mig_status "$2")"
		diag_file "$2/monitor.log" 30
		diag_file "$2/qemu.log" 20
		diag_file "$3/qemu.log" 20
		diag_file "$3/nested-guest.out" 10
		dmesg | tail -n 20 | sed 's/^/# /'
	fi
}

# start_dest UUID OUTDIR: a destination QEMU listening on OUTDIR/mig.sock.
start_dest() {
	rm -f "$2/mig.sock"
	mkdir -p "$2"
	nested-guest.sh -M -t "$GUEST_SECONDS" -o "$VFIO_OPTS" \
		-i "unix:$2/mig.sock" "$1" "$2" "$(mig_job)" \
		> "$2/nested-guest.out" 2>&1 &
	wait_for 120 [ -S "$2/mig.sock" ]
}

# migrate DESC SRC UUID DEST: migrate the guest of SRC to a QEMU on vGPU
# UUID (output in DEST) and print the downtime QEMU reports.
migrate() {
	local down total

	if start_dest "$3" "$4"; then
		nested-ctl.sh hmp "$2" migrate -d "unix:$4/mig.sock"
		check_mig "$1" "$2" "$4" completed
	else
		ktap_test_fail "$1 # destination QEMU did not start"
	fi
	down=$(sed -n 's/^downtime: *//p' "$2/monitor.log" | tr -d '\r' | tail -n1)
	total=$(sed -n 's/^total time: *//p' "$2/monitor.log" | tr -d '\r' | tail -n1)
	diag "$1: downtime ${down:-?}, total ${total:-?}"
}

# QEMU's monitor says the VM runs (a restored one has loaded its state).
vm_running() {
	nested-ctl.sh hmp "$1" info status
	sleep 1
	tr -d '\r' < "$1/monitor.log" | grep -q '^VM status: running'
}

ended() {
	[ -f "$1/exit-status" ]
}

migrate_test() {
	local ua ub uc src dc db1 db da dr img rc

	ua=$(new_uuid)
	ub=$(new_uuid)
	uc=$(new_uuid)
	src=$E2E_OUT/mig-src
	dc=$E2E_OUT/mig-wrong-type
	db1=$E2E_OUT/mig-cancelled
	db=$E2E_OUT/mig-b
	da=$E2E_OUT/mig-back
	dr=$E2E_OUT/mig-restored
	img=$E2E_OUT/mig-saved.img
	diag "vfio-pci $VFIO_OPTS"
	check "create 1/8 vGPU A on mvgpu0" create_vgpu mvgpu0 mvgpu-1_8 "$ua"
	check "create 1/8 vGPU B on mvgpu1" create_vgpu mvgpu1 mvgpu-1_8 "$ub"
	check "create 1/4 vGPU C on mvgpu1" create_vgpu mvgpu1 mvgpu-1_4 "$uc"

	mkdir -p "$src"
	nested-guest.sh -M -t "$GUEST_SECONDS" -o "$VFIO_OPTS" "$ua" "$src" \
		"$(mig_job)" > "$src/nested-guest.out" 2>&1 &
	check "guest on A runs checked work" \
		nested-ctl.sh wait -t "$GUEST_SECONDS" "ITER 1" "$src"
	diag "timing: nested-guest boot (migrate): $(cat "$src/boot-seconds" 2>/dev/null || echo -) s"
	# through iommufd where the run asks for it (MVGPU_VFIO=iommufd)
	if [ "${MVGPU_VFIO:-}" = iommufd ]; then
		fds=$(qemu_fds "$ua")
		check "QEMU on A holds /dev/iommu and the vfio cdev, no group" \
			fds_on_iommufd
	fi

	# another type: the destination refuses the device's stream
	dmesg -c > /dev/null
	if start_dest "$uc" "$dc"; then
		nested-ctl.sh hmp "$src" migrate -d "unix:$dc/mig.sock"
		check_mig "migration to a 1/4 vGPU fails" "$src" "$dc" failed
	else
		ktap_test_fail "migration to a 1/4 vGPU fails # destination QEMU did not start"
	fi
	check "the 1/4 vGPU refused the stream as of another type" \
		sh -c 'dmesg | grep -q "migration stream refused.*another vGPU type"'
	check "the failed destination QEMU ends" wait_for 120 ended "$dc"
	check "the source runs on after the failed migration" more_iters "$src" 2

	# cancelled halfway
	if start_dest "$ub" "$db1"; then
		nested-ctl.sh hmp "$src" migrate_set_parameter max-bandwidth 4M
		nested-ctl.sh hmp "$src" migrate -d "unix:$db1/mig.sock"
		sleep 3
		nested-ctl.sh hmp "$src" migrate_cancel
		check_mig "a slowed migration is cancelled" "$src" "$db1" cancelled
	else
		ktap_test_fail "a slowed migration is cancelled # destination QEMU did not start"
	fi
	nested-ctl.sh hmp "$src" migrate_set_parameter max-bandwidth 1G
	check "the cancelled destination QEMU ends" wait_for 120 ended "$db1"
	check "the source runs on after the cancel" more_iters "$src" 2

	# the real one, while the guest works
	migrate "live migration A -> B (busy guest, 1/8 vGPU)" "$src" "$ub" "$db"
	nested-ctl.sh hmp "$src" quit
	check "the source QEMU quits" wait_for 120 ended "$src"
	check "the guest's work goes on on B" more_iters "$db" 3

	# back to A, idle
	nested-ctl.sh tell pause "$db"
	check "the guest on B pauses its work" \
		nested-ctl.sh wait -t "$MIG_SECONDS" PAUSED "$db"
	migrate "idle migration B -> A" "$db" "$ua" "$da"
	nested-ctl.sh hmp "$db" quit
	check "QEMU on B quits" wait_for 120 ended "$db"

	# saved to a file and restored on A, as virsh save and restore do
	rm -f "$img"
	nested-ctl.sh hmp "$da" migrate -d "file:$img"
	check_mig "the idle guest is saved to a file" "$da" "$dr" completed
	nested-ctl.sh hmp "$da" quit
	check "its QEMU quits" wait_for 120 ended "$da"
	diag "saved image: $(du -k "$img" 2>/dev/null | cut -f1) KiB (512 MiB guest RAM, 16 MiB VRAM)"
	mkdir -p "$dr"
	nested-guest.sh -M -t "$GUEST_SECONDS" -o "$VFIO_OPTS" -i "file:$img" \
		"$ua" "$dr" "$(mig_job)" > "$dr/nested-guest.out" 2>&1 &
	check "the saved guest restored on A runs" wait_for "$MIG_SECONDS" vm_running "$dr"
	nested-ctl.sh tell resume "$dr"
	check "the guest finishes its checks on A" wait_for "$GUEST_SECONDS" ended "$dr"
	check "its last checks are right" grep -q FINAL-OK "$dr/result.txt"
	check "it exited cleanly" grep -q '^mvgpu-nested: exit=0' "$dr/result.txt"

	rc=0
	for d in "$src" "$db" "$da" "$dr"; do
		grep -q -E 'ITER-FAIL|mvgpu-run: .* FAIL' "$d/result.txt" 2>/dev/null && rc=1
	done
	check "no wrong result before, during or after the migrations" [ $rc = 0 ]
	diag "iterations: on A $(iters "$src"), on B $(iters "$db")"
	check "no page left pinned on A" [ "$(cat "/sys/bus/mdev/devices/$ua/mvgpu/pinned_pages")" = 0 ]
	check "no page left pinned on B" [ "$(cat "/sys/bus/mdev/devices/$ub/mvgpu/pinned_pages")" = 0 ]
	check "QEMU logs of the migrated guest clean ($VFIO_OPTS)" qemu_logs_clean \
		"$src/qemu.log" "$db/qemu.log" "$da/qemu.log" "$dr/qemu.log"
	if [ "$KTAP_CNT_FAIL" != 0 ]; then
		for d in "$src" "$dc" "$db1" "$db" "$da" "$dr"; do
			diag_file "$d/result.txt" 20
			diag_file "$d/qemu.log" 20
			diag_file "$d/monitor.log" 30
			diag_file "$d/nested-guest.out" 10
		done
		dmesg | grep -i mvgpu | tail -n 20 | sed 's/^/# /'
	fi
	check "remove vGPU A" remove_vgpu "$ua"
	check "remove vGPU B" remove_vgpu "$ub"
	check "remove vGPU C" remove_vgpu "$uc"
}

# $fds (qemu_fds) hold /dev/iommu and a vfio cdev, and no group or container.
fds_on_iommufd() {
	fds_have '^/dev/iommu$' && fds_have '^/dev/vfio/devices/vfio[0-9]*$' &&
		fds_lack '^/dev/vfio/[0-9a-z]*$'
}

e2e_requirements
[ -d /sys/class/mvgpu/mvgpu1 ] || skip_all "needs two GPUs (mvgpu0, mvgpu1)"
# one more check where the QEMUs attach the vGPUs through iommufd
if [ "${MVGPU_VFIO:-}" = iommufd ]; then
	tap_plan 31
else
	tap_plan 30
fi
migrate_test
ktap_finished

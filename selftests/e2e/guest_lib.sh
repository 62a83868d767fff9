# SPDX-License-Identifier: GPL-2.0
#
# Two second-level guests that load the mvgpu_accel guest driver and run
# real work on their vGPUs at the same time (busybox sh, sourced after
# e2e_lib.sh). guest_pair GPU TYPE_A TYPE_B NAME runs the whole scenario:
#
#  - each guest: sees its device as QEMU attached it (IDs, class, BAR
#    sizes), its driver binds it, every workload's result is right (sysmem
#    and VRAM; the latency work's every submission), then it sets a GEMM load up (mvgpu-run -w: buffers and CPU
#    reference ready), says so and waits for the host's "go" (sent to both
#    guests at once with nested-ctl.sh, so that neither boot skew nor set-up
#    time can make the loads miss each other) and keeps the vGPU saturated
#    for LOAD_SECONDS; after it,
#    guest A provokes a GPU page fault from one process while another
#    process runs work, which must fail the faulting process only (kept
#    out of the load, so that the guest's busy vCPU does not drain its
#    queue and skew the share sample); then guest A resets its vGPU (FLR
#    through sysfs) and works again;
#  - the host, once both loads have work queued, measures the engine time
#    each vGPU gets (busy_ns) and compares the shares with the weights;
#  - afterwards: faults counted on A only, no page left pinned, QEMU quiet.
# shellcheck shell=dash

LOAD_SECONDS=${LOAD_SECONDS:-45}
SAMPLE_SECONDS=${SAMPLE_SECONDS:-30}
# Allowed distance of a measured share from its weight's, in permille: the
# scheduler's goal, 2 percentage points. The scheduler gives an idle vGPU's
# time to the busy ones, so the check holds only while both queues stay
# full: each guest keeps 16 GEMMs (~1.5 s of engine time) in flight, and
# the sample starts only once both have submitted (a guest's CPU reference
# GEMM takes seconds under TCG in TCG, and used to eat into the sample).
SHARE_TOLERANCE=${SHARE_TOLERANCE:-20}
# Each guest's whole life, a retried boot included (nested-guest.sh -t).
# Below the program's 1200 s (e2e/settings), so that a guest that never finishes
# still leaves time to print its console and logs. A guest boots in about
# 25 s here and up to 5x slower on a slow machine; its job takes 2-4 min.
GUEST_SECONDS=${GUEST_SECONDS:-960}

# The job a guest runs; $1 = "fault" for the guest that provokes a fault.
guest_job() {
	cat <<EOJ
for d in /sys/bus/pci/devices/*; do
	[ "\$(cat \$d/device)" = 0x10f0 ] || continue
	set -- \$(sed -n 1p \$d/resource); b0=\$((\$2 - \$1 + 1))
	set -- \$(sed -n 3p \$d/resource); b2=\$((\$2 - \$1 + 1))
	echo "vgpu: \$(cat \$d/vendor) \$(cat \$d/device) \$(cat \$d/class) bar0=\$b0 bar2=\$b2"
done
modprobe mvgpu_accel || exit 10
for i in 1 2 3 4 5 6 7 8 9 10; do [ -c /dev/accel/accel0 ] && break; sleep 1; done
echo "accel: \$(cat /sys/class/accel/accel0/device/vendor) \$(cat /sys/class/accel/accel0/device/device)"
mvgpu-run -s 262144 all || exit 11
mvgpu-run -v -s 131072 copy fill hash || exit 12
mvgpu-run -n 50 -q 8 latency || exit 14
mvgpu-run -w -q 16 -s 256 -t $LOAD_SECONDS gemm <&4; echo LOAD-END rc=\$?
if [ "$1" = fault ]; then
	mvgpu-run -q 4 -s 128 -n 40 gemm > /tmp/other.out 2>&1 &
	other=\$!
	mvgpu-run fault || echo FAULT-CHECK-FAILED
	wait \$other; echo OTHER-PROCESS rc=\$?
	cat /tmp/other.out
	dev=\$(grep -l 0x10f0 /sys/bus/pci/devices/*/device)
	echo 1 > \${dev%/device}/reset && echo RESET-DONE
	mvgpu-run -s 65536 copy gemm || exit 13
fi
EOJ
}

vgpu_attr() {
	cat "/sys/bus/mdev/devices/$1/mvgpu/$2"
}

both_positive() {
	[ "$1" -gt 0 ] && [ "$2" -gt 0 ]
}

# Every mvgpu-run line of a guest's output says ok, and there are $2 of them.
all_runs_ok() {
	! grep -q 'mvgpu-run: .* FAIL' "$1/result.txt" &&
		[ "$(grep -c 'mvgpu-run: .* ok' "$1/result.txt")" -ge "$2" ]
}

guest_pair() {
	local gpu=$1 ta=$2 tb=$3 name=$4
	local ua ub oa ob pa pb a0 b0 a1 b1 wa wb da db share ideal diff
	local side out uuid type line

	ua=$(new_uuid)
	ub=$(new_uuid)
	oa=$E2E_OUT/$name-a
	ob=$E2E_OUT/$name-b
	check "create $ta vGPU (A)" create_vgpu "$gpu" "$ta" "$ua"
	check "create $tb vGPU (B)" create_vgpu "$gpu" "$tb" "$ub"
	wa=$(vgpu_attr "$ua" weight)
	wb=$(vgpu_attr "$ub" weight)

	nested-guest.sh -t "$GUEST_SECONDS" "$ua" "$oa" "$(guest_job fault)" &
	pa=$!
	nested-guest.sh -t "$GUEST_SECONDS" "$ub" "$ob" "$(guest_job)" &
	pb=$!

	# Both guests set their loads up and wait; start them together, and
	# sample once both have work queued.
	if nested-ctl.sh start -t "$GUEST_SECONDS" gemm "$oa" "$ob"; then
		sleep 2
		a0=$(vgpu_attr "$ua" busy_ns)
		b0=$(vgpu_attr "$ub" busy_ns)
		sleep "$SAMPLE_SECONDS"
		a1=$(vgpu_attr "$ua" busy_ns)
		b1=$(vgpu_attr "$ub" busy_ns)
		da=$(((a1 - a0) / 1000))
		db=$(((b1 - b0) / 1000))
		share=$((da * 1000 / (da + db + 1)))
		ideal=$((wa * 1000 / (wa + wb)))
		diff=$((share > ideal ? share - ideal : ideal - share))
		check "both guests' vGPUs busy at the same time" both_positive "$da" "$db"
		check "A's share within $SHARE_TOLERANCE permille of its weight" [ "$diff" -le "$SHARE_TOLERANCE" ]
		diag "engine share of A (weight $wa) while both ran: $share permille, ideal $ideal (B weight $wb); busy us A=$da B=$db"
		diag "load set-up in the guests: A $(sed -n 's/^mvgpu-run: gemm ready //p' "$oa/result.txt"), B $(sed -n 's/^mvgpu-run: gemm ready //p' "$ob/result.txt")"
		# Both loads must still have been running for the whole sample.
		check "sample inside both loads" [ -z "$(grep LOAD-END "$oa/result.txt" "$ob/result.txt")" ]
	else
		ktap_test_fail "both guests' vGPUs busy at the same time # a guest never started its load"
		ktap_test_fail "A's share within $SHARE_TOLERANCE permille of its weight # no sample"
		ktap_test_fail "sample inside both loads # no sample"
	fi
	wait $pa
	wait $pb
	diag "timing: nested-guest boot ($name): A $(cat "$oa/boot-seconds" 2>/dev/null || echo -) s, B $(cat "$ob/boot-seconds" 2>/dev/null || echo -) s"

	for side in A B; do
		if [ $side = A ]; then
			out=$oa; uuid=$ua; type=$ta
		else
			out=$ob; uuid=$ub; type=$tb
		fi
		line=$(grep '^vgpu: ' "$out/result.txt" | head -n1)
		diag "$side ($type) guest saw: ${line:-(no vGPU)}"
		check "$side: guest ran its job to the end" grep -q '^mvgpu-nested: exit=0' "$out/result.txt"
		check "$side: guest sees 1b36:10f0 class 0x120000" \
			[ "$(echo "$line" | cut -d' ' -f2-4)" = "0x1b36 0x10f0 0x120000" ]
		check "$side: BAR0 64 KiB" [ "$(field "$line" bar0)" = 65536 ]
		check "$side: BAR2 = type VRAM" [ "$(field "$line" bar2)" = "$(type_vram "$gpu" "$type")" ]
		check "$side: guest driver bound the vGPU" grep -q '^accel: 0x1b36 0x10f0' "$out/result.txt"
		check "$side: every workload result right" all_runs_ok "$out" 9
		check "$side: load ran and finished" grep -q 'LOAD-END rc=0' "$out/result.txt"
		check "$side: no page left pinned" [ "$(vgpu_attr "$uuid" pinned_pages)" = 0 ]
		check "$side: QEMU log clean" qemu_log_clean "$out"
	done
	check "A: the faulting process got its fault" grep -q 'mvgpu-run: fault ok' "$oa/result.txt"
	check "A: its other process ran on" grep -q 'OTHER-PROCESS rc=0' "$oa/result.txt"
	check "A: vGPU works after a reset" grep -q 'RESET-DONE' "$oa/result.txt"
	check "A: fault counted on A" [ "$(vgpu_attr "$ua" faults)" -ge 1 ]
	check "B: no fault on B" [ "$(vgpu_attr "$ub" faults)" = 0 ]
	for out in "$oa" "$ob"; do
		[ -f "$out/boot-retry.log" ] && diag_file "$out/boot-retry.log" 60
	done
	if [ "$KTAP_CNT_FAIL" != 0 ]; then
		diag_file "$oa/result.txt" 60
		diag_file "$ob/result.txt" 60
		diag_file "$oa/qemu.log"
		diag_file "$ob/qemu.log"
		diag_file "$oa/console.log" 30
		diag_file "$ob/console.log" 30
	fi
	check "remove vGPU A" remove_vgpu "$ua"
	check "remove vGPU B" remove_vgpu "$ub"
}

# A whole test program: guest_pair_test GPU TYPE_A TYPE_B NAME, with its
# requirements, skip and TAP plan (the number of checks guest_pair makes).
guest_pair_test() {
	e2e_requirements
	[ -d "/sys/class/mvgpu/$1" ] || skip_all "no $1 (mvgpu_sim not loaded)"
	tap_plan 30
	guest_pair "$@"
	ktap_finished
}

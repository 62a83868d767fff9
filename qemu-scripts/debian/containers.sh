# SPDX-License-Identifier: GPL-2.0
#
# The Debian VM's container cases (sourced by debian/operator.sh, INSIDE
# the VM; on an image with podman, debian-rootfs.sh): vGPUs handed to
# podman containers through the CDI spec of "mvgpu-ctl cdi"
# (Documentation/mvgpu/admin.rst, "Containers"). The tools are the
# static ones debian-vm.sh put on the MVGPU disk ($SRC/bin): mvgpu-ctl,
# and mvgpu-run, the very file the nested guests' initramfs holds. No
# registry is reachable: the image is a "podman import" of busybox and
# mvgpu-run.
#
#   containers_setup    the image, two vGPUs A and B (mvgpu-1_8), the spec
#   containers_vm_busy  while the libvirt domain runs on UUID_L: a
#                       container on that vGPU is refused; the guest's
#                       and the container's mvgpu-run are one file
#   containers_run      two containers on A and B: checked work, shares
#                       by weight, isolation, a killed container; then A
#                       and B removed
#
# CTR_CASES: how many test cases these add.

# shellcheck shell=bash
# shellcheck disable=SC2317 # functions run through check and wait_for
# shellcheck disable=SC2034 # CTR_CASES is operator.sh's
# shellcheck disable=SC2153 # UUID_L is operator.sh's

CTR_CASES=11
PODMAN=$(command -v podman)
IMAGE=localhost/mvgpu-test:latest
UUID_A=5d1f8f6e-8a54-4d0e-9a35-6b3f1e0d0a0a
UUID_B=5d1f8f6e-8a54-4d0e-9a35-6b3f1e0d0a0b
TYPE_C=mvgpu-1_8
# One podman run at most (seconds): its start takes a few seconds here,
# its work less than a minute; five times that on a slow machine.
CTR_SECONDS=600
# The weighted run: each container's GEMMs for SHARE_RUN seconds once
# both have started; busy_ns measured over SHARE_WINDOW seconds after
# SHARE_WARMUP, well inside the run whatever the machine's speed.
SHARE_RUN=14
SHARE_WARMUP=3
SHARE_WINDOW=8
# The two vGPUs' busy_ns must cover this much of the window (%).
SHARE_BUSY=80
CTR_LOG=/var/log/mvgpu-containers

podman_run() {
	timeout -k 10 "$CTR_SECONDS" podman run --rm --network none "$@"
}

# ctr_run NAME UUID ARGS...: "mvgpu-run ARGS" in a container with vGPU
# UUID from the spec; its output in $CTR_LOG/NAME.out, its status returned
ctr_run() {
	local name=$1 uuid=$2

	shift 2
	podman_run --name "$name" --device "mvgpu.dev/vgpu=$uuid" "$IMAGE" \
		mvgpu-run "$@" > "$CTR_LOG/$name.out" 2>&1
}

# ctr_ok NAME N: the container's output has N "ok" results and no FAIL
ctr_ok() {
	local n

	n=$(grep -c '^mvgpu-run: .* ok' "$CTR_LOG/$1.out")
	[ "$n" -ge "$2" ] && ! grep -q 'FAIL' "$CTR_LOG/$1.out" && return 0
	cat "$CTR_LOG/$1.out"
	return 1
}

# The image: busybox (Debian's busybox-static) and mvgpu-run, imported
# from a tarball.
build_image() {
	local root=/tmp/ctr-root a

	rm -rf "$root"
	mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp"
	install -m 0755 /usr/bin/busybox "$root/bin/busybox"
	for a in sh ls cat grep sha256sum cut mknod sleep echo; do
		ln -s busybox "$root/bin/$a"
	done
	install -m 0755 "$SRC/bin/mvgpu-run" "$root/bin/mvgpu-run"
	tar -C "$root" -cf - . |
		podman import --change 'ENV PATH=/bin' - "$IMAGE" > /dev/null &&
		podman image exists "$IMAGE"
}

# The spec names A and B (and the host's other vGPUs) with the device
# nodes of this host, and MVGPU_DEVICE.
spec_right() {
	local spec=/var/run/cdi/mvgpu.json u g want have

	for u in "$UUID_A" "$UUID_B"; do
		g=$(group_of "$u")
		want="/dev/vfio/vfio $(stat -c '%t %T' /dev/vfio/vfio)"
		want="$want /dev/vfio/$g $(stat -c '%t %T' "/dev/vfio/$g")"
		have=$(jq -r --arg u "$u" '.devices[] | select(.name == $u) |
			.containerEdits.deviceNodes[] |
			"\(.path) \(.major) \(.minor) \(.type) \(.permissions)"' "$spec") || return 1
		# stat prints hexadecimal numbers
		have=$(echo "$have" | while read -r p ma mi t pe; do
			[ "$t $pe" = "c rw" ] && printf '%s %x %x ' "$p" "$ma" "$mi"
		done)
		[ "$have" = "$want " ] || { echo "$u: nodes '$have', want '$want'"; return 1; }
		[ "$(jq -r --arg u "$u" '.devices[] | select(.name == $u) |
			.containerEdits.env | join(" ")' "$spec")" = "MVGPU_DEVICE=vfio:$u MVGPU_VFIO_GROUP=$g" ] ||
			{ echo "$u: env"; return 1; }
	done
	jq -e '.cdiVersion == "0.6.0" and .kind == "mvgpu.dev/vgpu"' "$spec" > /dev/null &&
		[ "$(stat -c %a "$spec")" = 644 ]
}

spec_written() {
	mvgpu-ctl cdi && spec_right
}

containers_setup() {
	local t parent

	[ -n "$PODMAN" ] || return 0
	t=$(now)
	parent=$(cat "$STATE/parent")
	mkdir -p "$CTR_LOG"
	install -m 0755 "$SRC/bin/mvgpu-ctl" /usr/local/bin/mvgpu-ctl
	diag "$(podman --version), $(crun --version | head -n1), memlock limit $(ulimit -l) KiB"
	check "podman: a test image built locally (podman import of busybox and mvgpu-run)" \
		build_image
	mdevctl start -p "$parent" -t "$TYPE_C" -u "$UUID_A" &&
		mdevctl start -p "$parent" -t "$TYPE_C" -u "$UUID_B"
	check "mvgpu-ctl cdi: /var/run/cdi/mvgpu.json names the vGPUs, their nodes, MVGPU_DEVICE and MVGPU_VFIO_GROUP" \
		spec_written
	timing "containers: image and spec $(($(now) - t)) s"
	phase ctr-setup $(($(now) - t))
}

# The vGPU is held by the domain's QEMU: mvgpu-run in a container fails
# to open its group.
busy_refused() {
	! ctr_run busy "$UUID_L" -s 65536 copy || return 1
	cat "$CTR_LOG/busy.out"
	grep -q 'Device or resource busy' "$CTR_LOG/busy.out"
}

same_run() {
	[ -n "$1" ] && [ "$1" = "$2" ]
}

# While the domain runs on UUID_L (its job ended, its QEMU holds the
# vGPU): a container on that vGPU is refused, and the guest used the
# container's very mvgpu-run.
containers_vm_busy() {
	local guest ctr t

	[ -n "$PODMAN" ] || return 0
	t=$(now)
	check "a container on the running domain's vGPU is refused (EBUSY)" busy_refused
	guest=$(job_log | sed -n 's/^mvgpu-run-sha256: //p')
	ctr=$(podman_run "$IMAGE" sha256sum /bin/mvgpu-run 2>&1 | cut -d' ' -f1)
	diag "mvgpu-run sha256: $guest in the domain's guest, $ctr in the container"
	check "the domain's guest and the container run the same mvgpu-run (sha256 ${ctr:0:16}...)" \
		same_run "$guest" "$ctr"
	timing "containers beside the domain: $(($(now) - t)) s"
	phase ctr-vm $(($(now) - t))
}

# What a container sees: MVGPU_DEVICE, /dev/vfio/vfio and its group's
# node; and its memlock limit (the pins count against it).
ctr_view() {
	local out

	# shellcheck disable=SC2016 # the container's shell expands it
	out=$(podman_run --device "mvgpu.dev/vgpu=$UUID_A" "$IMAGE" \
		sh -c 'echo $MVGPU_DEVICE; ls /dev/vfio; echo "memlock $(ulimit -l)"' 2>&1 |
		tr '\n' ' ')
	diag "in the container: ${out##* memlock }KiB locked memory at most"
	[ "${out% memlock *}" = "vfio:$UUID_A $(group_of "$UUID_A") vfio" ] && return 0
	echo "$out"
	return 1
}

# Two containers at once, each on its vGPU: every result checked.
two_checked() {
	local ca cb pa pb rc=0

	ca=$(attr "$UUID_A" commands)
	cb=$(attr "$UUID_B" commands)
	ctr_run work-a "$UUID_A" -s 262144 all &
	pa=$!
	ctr_run work-b "$UUID_B" -s 262144 all &
	pb=$!
	wait "$pa" || rc=1
	wait "$pb" || rc=1
	ctr_ok work-a 4 && ctr_ok work-b 4 && [ "$rc" = 0 ] &&
		[ "$(attr "$UUID_A" commands)" -gt "$ca" ] &&
		[ "$(attr "$UUID_B" commands)" -gt "$cb" ]
}

# Weights 1:2, two containers' GEMMs started at once (mvgpu-run -w: each
# waits for a line on its stdin), busy_ns over a window of the run. The
# scheduler is work conserving: the shares follow the weights only while
# both queues stay full, so sixteen 256x256 GEMMs are kept in flight and
# the two vGPUs' busy_ns must cover most (SHARE_BUSY %) of the window; a
# submitting CPU too slow to keep the engine busy fails as such.
shares() {
	local a0 b0 a1 b1 da db sa pa pb t0 t1 rc=0

	echo 1 > "/sys/bus/mdev/devices/$UUID_A/mvgpu/weight"
	echo 2 > "/sys/bus/mdev/devices/$UUID_B/mvgpu/weight"
	rm -f /tmp/go-a /tmp/go-b
	mkfifo /tmp/go-a /tmp/go-b
	podman_run -i --name share-a --device "mvgpu.dev/vgpu=$UUID_A" "$IMAGE" \
		mvgpu-run -w -q 16 -t "$SHARE_RUN" -s 256 gemm \
		< /tmp/go-a > "$CTR_LOG/share-a.out" 2>&1 &
	pa=$!
	podman_run -i --name share-b --device "mvgpu.dev/vgpu=$UUID_B" "$IMAGE" \
		mvgpu-run -w -q 16 -t "$SHARE_RUN" -s 256 gemm \
		< /tmp/go-b > "$CTR_LOG/share-b.out" 2>&1 &
	pb=$!
	exec 7> /tmp/go-a 8> /tmp/go-b
	wait_for "$CTR_SECONDS" grep -qs 'gemm ready' "$CTR_LOG/share-a.out" &&
		wait_for "$CTR_SECONDS" grep -qs 'gemm ready' "$CTR_LOG/share-b.out" || rc=1
	echo go >&7
	echo go >&8
	sleep "$SHARE_WARMUP"
	t0=$(date +%s%N)
	a0=$(attr "$UUID_A" busy_ns)
	b0=$(attr "$UUID_B" busy_ns)
	sleep "$SHARE_WINDOW"
	a1=$(attr "$UUID_A" busy_ns)
	b1=$(attr "$UUID_B" busy_ns)
	t1=$(date +%s%N)
	exec 7>&- 8>&-
	wait "$pa" || rc=1
	wait "$pb" || rc=1
	ctr_ok share-a 1 && ctr_ok share-b 1 || rc=1
	da=$((a1 - a0))
	db=$((b1 - b0))
	[ $((da + db)) -gt 0 ] || { echo "no engine time: A $da, B $db"; return 1; }
	# A's share in hundredths of a percent
	sa=$((da * 10000 / (da + db)))
	diag "weights 1:2, busy_ns over $SHARE_WINDOW s: A $da, B $db: shares $((sa / 100)).$(printf %02d $((sa % 100))) % and $(((10000 - sa) / 100)).$(printf %02d $(((10000 - sa) % 100))) % (ideal 33.33 % and 66.67 %)"
	if [ $(((da + db) * 100)) -lt $(((t1 - t0) * SHARE_BUSY)) ]; then
		echo "engine not saturated: A $da + B $db busy ns over a $((t1 - t0)) ns window (under $SHARE_BUSY %): the shares follow demand, not the weights"
		rc=1
	fi
	[ "$rc" = 0 ] && [ "$sa" -ge 3133 ] && [ "$sa" -le 3533 ]
}

# A's devices, B asked for: the container has no node of B's group.
other_no_node() {
	local cb

	cb=$(attr "$UUID_B" commands)
	# B's group in MVGPU_VFIO_GROUP too (the spec's is A's; set in the
	# container: the spec's edits would override podman --env)
	! podman_run --name other --device "mvgpu.dev/vgpu=$UUID_A" "$IMAGE" \
		sh -c "MVGPU_VFIO_GROUP=$(group_of "$UUID_B") mvgpu-run -d vfio:$UUID_B -s 4096 copy" \
		> "$CTR_LOG/other.out" 2>&1 || return 1
	cat "$CTR_LOG/other.out"
	grep -q 'No such file or directory' "$CTR_LOG/other.out" &&
		[ "$(attr "$UUID_B" commands)" = "$cb" ]
}

# ... and with a node of B's group made in the container (CAP_MKNOD): the
# device cgroup refuses to open it.
other_mknod() {
	local g n

	g=$(group_of "$UUID_B")
	n="$((0x$(stat -c %t "/dev/vfio/$g"))) $((0x$(stat -c %T "/dev/vfio/$g")))"
	! podman_run --cap-add MKNOD --device "mvgpu.dev/vgpu=$UUID_A" "$IMAGE" \
		sh -c "mknod /dev/vfio/$g c $n && echo NODE-MADE &&
		       MVGPU_VFIO_GROUP=$g mvgpu-run -d vfio:$UUID_B -s 4096 copy" > "$CTR_LOG/mknod.out" 2>&1 ||
		return 1
	cat "$CTR_LOG/mknod.out"
	grep -q NODE-MADE "$CTR_LOG/mknod.out" &&
		grep -q 'Operation not permitted' "$CTR_LOG/mknod.out"
}

# A container killed mid-work: its vGPU closed, so reset (admin.rst's
# "resets" counts VFIO resets, FLRs and RESET writes, not that): free, no
# page pinned, no shadow entry left.
killed_clean() {
	local b0 p pinned shadow

	b0=$(attr "$UUID_A" busy_ns)
	podman_run --name kill-a --device "mvgpu.dev/vgpu=$UUID_A" "$IMAGE" \
		mvgpu-run -q 4 -t 300 -s 128 gemm > "$CTR_LOG/kill-a.out" 2>&1 &
	p=$!
	wait_for "$CTR_SECONDS" sh -c "[ \$(cat /sys/bus/mdev/devices/$UUID_A/mvgpu/busy_ns) -gt $b0 ]" ||
		{ echo "no work seen"; return 1; }
	sleep 2
	pinned=$(attr "$UUID_A" pinned_pages)
	shadow=$(attr "$UUID_A" shadow_entries)
	podman kill -s KILL kill-a > /dev/null
	wait "$p"
	diag "killed mid-work with $pinned pages pinned, $shadow shadow entries"
	[ "$pinned" -gt 0 ] || { echo "nothing pinned when killed"; return 1; }
	wait_for 60 vgpu_free "$UUID_A" || { echo "pinned_pages $(attr "$UUID_A" pinned_pages)"; return 1; }
	diag "after the kill: pinned_pages $(attr "$UUID_A" pinned_pages), shadow_entries $(attr "$UUID_A" shadow_entries)"
	[ "$(attr "$UUID_A" shadow_entries)" = 0 ]
}

next_passes() {
	ctr_run next-a "$UUID_A" -s 262144 all && ctr_ok next-a 4
}

containers_run() {
	local t

	[ -n "$PODMAN" ] || return 0
	t=$(now)
	check "a container sees MVGPU_DEVICE=vfio:UUID, /dev/vfio/vfio and its vGPU's group only" ctr_view
	check "two containers, each on its vGPU from the spec: mvgpu-run's results checked and right" \
		two_checked
	check "weights 1:2: the containers' shares of busy_ns within 2 points of 33.3 % and 66.7 %, the engine saturated" \
		shares
	check "a container given vGPU A cannot open B (mvgpu-run -d vfio:B: no node of B's group)" \
		other_no_node
	check "nor with B's node made in it (mknod): the device cgroup refuses it (EPERM)" \
		other_mknod
	check "a container killed mid-work (podman kill -s KILL): its vGPU reset, free, no page pinned" \
		killed_clean
	check "the next container on that vGPU passes its checked work" next_passes
	if [ "$KTAP_CNT_FAIL" != 0 ]; then
		for f in "$CTR_LOG"/*.out; do
			nest diag_file "$f" 10
		done
	fi
	mdevctl stop -u "$UUID_A"
	mdevctl stop -u "$UUID_B"
	timing "containers: $(($(now) - t)) s"
	phase ctr-run $(($(now) - t))
}

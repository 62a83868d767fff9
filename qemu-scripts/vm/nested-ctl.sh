#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# The host side of nested-guest.sh's control channel, for starting work in
# several second-level guests at one moment. Runs INSIDE the test VM.
#
# Usage:
#   nested-ctl.sh wait [-t SECONDS] PREFIX OUTDIR...
#       Wait until the job output (OUTDIR/result.txt) of every guest has a
#       line starting with PREFIX. Exit 0 then; 1 when a guest ended first
#       (its job said "mvgpu-nested: done", or nested-guest.sh left
#       OUTDIR/exit-status) or SECONDS (default 600, wall clock) passed.
#   nested-ctl.sh tell LINE OUTDIR...
#       Send LINE to every guest's job (it reads it from file descriptor
#       4). Never blocks, even when a guest is gone; exit 1 when a guest
#       has no control FIFO.
#   nested-ctl.sh start [-t SECONDS] WORK OUTDIR...
#       Start "mvgpu-run -w ... WORK <&4" in every guest at one moment:
#       wait (up to SECONDS, default 600) until every guest said
#       "mvgpu-run: WORK ready", tell every guest "go" (also when one never
#       got ready, so that the others can finish), then wait up to 120 s
#       until every guest said "mvgpu-run: WORK started". Exit 0 when all
#       started, 1 otherwise.
#   nested-ctl.sh hmp OUTDIR COMMAND...
#       Send a command to the QEMU monitor of a guest started with -M
#       (its answer lands in OUTDIR/monitor.log). Never blocks; exit 1
#       when the guest has no monitor FIFO.

usage() {
	echo "usage: ${0##*/} wait [-t SECONDS] PREFIX OUTDIR... | tell LINE OUTDIR... | start [-t SECONDS] WORK OUTDIR... | hmp OUTDIR COMMAND..." >&2
	exit 2
}

# Exit 0 when every OUTDIR said it, 1 when one ended, 2 while waiting.
all_said() {
	local prefix=$1 dir n=0

	shift
	for dir in "$@"; do
		grep -q "^$prefix" "$dir/result.txt" 2>/dev/null && n=$((n + 1)) &&
			continue
		{ [ -f "$dir/exit-status" ] ||
		  grep -q '^mvgpu-nested: done' "$dir/result.txt" 2>/dev/null; } &&
			return 1
	done
	[ "$n" = $# ] && return 0
	return 2
}

wait_said() {
	local timeout=600 end rc

	if [ "$1" = -t ]; then
		[ $# -ge 2 ] || usage
		timeout=$2
		shift 2
	fi
	[ $# -ge 2 ] || usage
	end=$(($(cut -d. -f1 /proc/uptime) + timeout))
	while :; do
		all_said "$@"
		rc=$?
		[ $rc = 2 ] || return $rc
		[ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ] || return 1
		sleep 1
	done
}

tell() {
	local line=$1 dir rc=0

	shift
	[ $# -ge 1 ] || usage
	for dir in "$@"; do
		if [ -p "$dir/ctl.in" ]; then
			# Read-write open: no wait for a reader, and the FIFO's
			# buffer takes a short line even when the guest is gone.
			echo "$line" 1<>"$dir/ctl.in"
		else
			echo "${0##*/}: $dir: no control FIFO" >&2
			rc=1
		fi
	done
	return $rc
}

start() {
	local opt= work

	if [ "$1" = -t ]; then
		[ $# -ge 2 ] || usage
		opt="-t $2"
		shift 2
	fi
	[ $# -ge 2 ] || usage
	work=$1
	shift
	# shellcheck disable=SC2086 # opt is empty or two words
	wait_said $opt "mvgpu-run: $work ready" "$@"
	tell go "$@"
	wait_said -t 120 "mvgpu-run: $work started" "$@"
}

hmp() {
	local dir=$1

	shift
	[ $# -ge 1 ] || usage
	[ -p "$dir/mon.in" ] || { echo "${0##*/}: $dir: no monitor FIFO" >&2; return 1; }
	echo "$*" 1<>"$dir/mon.in"
}

[ $# -ge 1 ] || usage
verb=$1
shift
case $verb in
wait)	wait_said "$@" ;;
tell)	[ $# -ge 2 ] || usage; tell "$@" ;;
start)	start "$@" ;;
hmp)	[ $# -ge 2 ] || usage; hmp "$@" ;;
*)	usage ;;
esac

// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu-bench: measure the mvgpu command engine through the mediator and
 * print numbers (never pass/fail). Run as root where the modules are
 * loaded (vfio_iommu_type1, mvgpu_sim) and the parent GPU has no vGPU:
 *
 *   mvgpu-bench [options]          all parts, about a minute under TCG,
 *                                  plus one to two for part 9's nested guest
 *   mvgpu-bench --parts 1,5        only some parts
 *   mvgpu-bench --list             the parts
 *
 * In the test VM: "mvgpu_sim vram_mb=128" loaded, no vGPU; the
 * default parent mvgpu0 must have all its VRAM free (part 3 creates 8
 * mvgpu-1_8 vGPUs).
 *
 * Parts (bench_parts below; each in bench/part-NAME.c, the shared code in
 * bench/inst.c):
 *   1  engine-time share of three busy vGPUs with weights 1:2:4 (busy_ns
 *      deltas over a window) against the ideal 1/7, 2/7, 4/7
 *   2  one vGPU's COPY and GEMM throughput through the mediator against
 *      the same work with no mediation (mvgpu_sim's debugfs engine_bench,
 *      debugfs is mounted if needed) and against this process's CPU
 *   3  aggregate GEMM throughput of 8 busy vGPUs against 1
 *   4  doorbell-to-first-command latency (TIMESTAMP command against the
 *      TIMESTAMP register read just before the doorbell) and the cost of
 *      a context switch (WAIT/FENCE ping-pong of two contexts against the
 *      same commands in one context)
 *   5  time to shadow a large mapping (default 1 GiB of 4 KiB pages, one
 *      TLB_INV) and to sync a one-page invalidate
 *   6  scheduling at scale: 64 busy mvgpu-1_64 vGPUs with weights 1, 2, 4,
 *      8 (share error per 100 ms window and over the run, aggregate
 *      throughput against one vGPU alone, the shares as CSV and SVG
 *      between "@@file NAME" and "@@end" lines, which "make bench" saves
 *      in build/), a 1/4 vGPU alone under the fixed policy, a high-priority
 *      vGPU's short jobs while 8 low-priority vGPUs run giant GEMMs, the
 *      time a policy or weight write takes, and the host memory one idle
 *      vGPU costs
 *   7  live migration of a 1/8 and a 1/1 vGPU (to a vGPU of the same type
 *      on --parent2), idle and busy, with and without pre-copy: pre-copy
 *      rounds and bytes, the device's stop-copy bytes and time (from
 *      STOP_COPY until the end of its stream), and the time the
 *      destination takes to load the stream
 *   8  display: mode set, flip, plane query; a flipping neighbour
 *   9  the container path, libmvgpu_accel's VFIO backend on a 1/4 vGPU:
 *      mva_open, the mva_submit + mva_wait round trip of one command
 *      (median, p99), submissions per second with 16 in flight, COPY
 *      MiB/s as the program sees it (system memory and VRAM); then (unless
 *      --no-vm-path) the VM path: mvgpu-run latency and copy in a nested
 *      guest (nested-guest.sh) on another 1/4 vGPU, and a table of both
 */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct opts opt = {
	.parent = "mvgpu0",
	.parent2 = "mvgpu1",
	.window = 6,
	.agg_window = 4,
	.warmup = 2,
	.copy_mb = 4,
	.copy_reps = 8,
	.gemm_dim = 96,
	.gemm_reps = 4,
	.tp_rounds = 9,
	.load_dim = 48,
	.lat_reps = 50,
	.shadow_mb = 1024,
	.backing_mb = 64,
	.inv_reps = 100,
	.sched_window = 5,
	.mig_gap_ms = 100,
	.vm_path = true,
	.parts = "123456789",
};

/* The parts, in the order they run. */
static const struct bench_part bench_parts[] = {
	{ '1', "share", "engine shares of 3 busy vGPUs, weights 1:2:4", part_share },
	{ '2', "throughput", "COPY/GEMM through the mediator, without, on the CPU",
	  part_throughput },
	{ '3', "aggregate", "GEMM throughput of 8 busy vGPUs against 1",
	  part_aggregate },
	{ '4', "latency", "doorbell to first command, context switch",
	  part_latency },
	{ '5', "shadow", "shadowing a large mapping, a one-page invalidate",
	  part_shadow },
	{ '6', "sched", "64 vGPUs' shares, fixed policy, priorities, costs",
	  part_sched },
	{ '7', "migration", "live migration, idle and busy, with pre-copy or not",
	  part_migration },
	{ '8', "display", "mode set, flip, plane query; a flipping neighbour",
	  part_display },
	{ '9', "container", "libmvgpu_accel over VFIO: round trip, rate, COPY",
	  part_container },
	{ }
};

static void on_signal(int sig)
{
	(void)sig;
	exit(2);	/* runs bench_cleanup() */
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mvgpu-bench [options]\n"
		"  --parent NAME       physical GPU (default mvgpu0); it needs all its VRAM free\n"
		"  --parent2 NAME      part 7 destination GPU (default mvgpu1), all VRAM free\n"
		"  --parts LIST        parts to run, e.g. 1,3 (default 1,2,3,4,5,6,7,8,9)\n"
		"  --window S          part 1 and 8 window in seconds (6)\n"
		"  --agg-window S      part 3 window per phase in seconds (4)\n"
		"  --warmup S          warm-up before a window (2)\n"
		"  --load-dim N        GEMM size of the load streams (48)\n"
		"  --copy-mb N         part 2 and 9 copy size in MiB (4)\n"
		"  --copy-reps N       part 2 and 9 copies (8)\n"
		"  --gemm-dim N        part 2 GEMM size (96)\n"
		"  --gemm-reps N       part 2 GEMMs (4)\n"
		"  --rounds N          part 2 rounds, medians reported (9, max 16)\n"
		"  --lat-reps N        part 4 repetitions (50; part 9: 4 times that)\n"
		"  --shadow-mb N       part 5 VA size in MiB (1024)\n"
		"  --backing-mb N      part 5 memory the VA is aliased over (64)\n"
		"  --inv-reps N        part 5 one-page invalidates (100)\n"
		"  --sched-window S    part 6 window of the 64-vGPU run in seconds (5)\n"
		"  --mig-gap MS        part 7 time from the last pre-copy pass to the stop (100)\n"
		"  --no-vm-path        part 9 without the VM path (by default it boots a nested\n"
		"                      guest on a vGPU, 1-3 min under TCG, up to 15 min at most)\n"
		"  --list              list the parts and exit\n");
}

static void list_parts(void)
{
	const struct bench_part *p;

	for (p = bench_parts; p->run; p++)
		printf("%c  %-11s %s\n", p->id, p->name, p->summary);
}

static unsigned int num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (*end || !v || v > 1u << 20) {
		fprintf(stderr, "mvgpu-bench: bad number '%s'\n", s);
		exit(1);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "parent", required_argument, NULL, 'p' },
		{ "parent2", required_argument, NULL, 'D' },
		{ "parts", required_argument, NULL, 'P' },
		{ "sched-window", required_argument, NULL, 'S' },
		{ "mig-gap", required_argument, NULL, 'M' },
		{ "window", required_argument, NULL, 'w' },
		{ "agg-window", required_argument, NULL, 'a' },
		{ "warmup", required_argument, NULL, 'W' },
		{ "load-dim", required_argument, NULL, 'l' },
		{ "copy-mb", required_argument, NULL, 'c' },
		{ "copy-reps", required_argument, NULL, 'C' },
		{ "gemm-dim", required_argument, NULL, 'g' },
		{ "gemm-reps", required_argument, NULL, 'G' },
		{ "rounds", required_argument, NULL, 'R' },
		{ "lat-reps", required_argument, NULL, 'L' },
		{ "shadow-mb", required_argument, NULL, 's' },
		{ "backing-mb", required_argument, NULL, 'b' },
		{ "inv-reps", required_argument, NULL, 'i' },
		{ "no-vm-path", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "list", no_argument, NULL, 'Z' },
		{ }
	};
	const struct bench_part *p;
	double t0 = bench_now_s();
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'p':
			opt.parent = optarg;
			break;
		case 'D':
			opt.parent2 = optarg;
			break;
		case 'P':
			snprintf(opt.parts, sizeof(opt.parts), "%s", optarg);
			break;
		case 'w':
			opt.window = num(optarg);
			break;
		case 'a':
			opt.agg_window = num(optarg);
			break;
		case 'W':
			opt.warmup = num(optarg);
			break;
		case 'l':
			opt.load_dim = num(optarg);
			break;
		case 'c':
			opt.copy_mb = num(optarg);
			break;
		case 'C':
			opt.copy_reps = num(optarg);
			break;
		case 'g':
			opt.gemm_dim = num(optarg);
			break;
		case 'G':
			opt.gemm_reps = num(optarg);
			break;
		case 'R':
			opt.tp_rounds = num(optarg);
			break;
		case 'L':
			opt.lat_reps = num(optarg);
			break;
		case 's':
			opt.shadow_mb = num(optarg);
			break;
		case 'b':
			opt.backing_mb = num(optarg);
			break;
		case 'i':
			opt.inv_reps = num(optarg);
			break;
		case 'S':
			opt.sched_window = num(optarg);
			break;
		case 'M':
			opt.mig_gap_ms = num(optarg);
			break;
		case 'V':
			opt.vm_path = false;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'Z':
			list_parts();
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (opt.load_dim > 256 || opt.gemm_dim > 1024 || opt.lat_reps < 2 ||
	    opt.tp_rounds > TP_MAX_ROUNDS ||
	    opt.inv_reps < 1) {
		fprintf(stderr, "mvgpu-bench: sizes out of range\n");
		return 1;
	}
	atexit(bench_cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);

	printf("mvgpu-bench on %s (numbers only, no pass/fail)\n", opt.parent);
	for (p = bench_parts; p->run; p++)
		if (strchr(opt.parts, p->id))
			p->run();
	printf("\ntotal %.1f s\n", bench_now_s() - t0);
	return 0;
}

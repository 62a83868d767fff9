// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu-bench part 6, sched: scheduling at scale. 64 busy mvgpu-1_64
 * vGPUs with weights 1, 2, 4, 8 (the shares also as CSV and SVG, which
 * "make bench" saves), a 1/4 vGPU alone under the fixed policy, a
 * high-priority vGPU's short jobs among 8 low-priority vGPUs, the time a
 * policy or weight write takes, and the host memory one idle vGPU costs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define SCALE_N		64
#define SCALE_STEP_MS	100
#define PRIO_LOW_N	8
#define PRIO_GIANT_DIM	512

static void write_vgpu(struct inst *in, const char *name, const char *val)
{
	char path[512];

	snprintf(path, sizeof(path), LIBMVGPU_SYSFS_MDEV_DEVS "/%.36s/mvgpu/%s",
		 in->uuid, name);
	bench_check(libmvgpu_sysfs_write(path, val), name);
}

static void write_parent(const char *name, const char *val)
{
	char path[512];

	bench_check(libmvgpu_path_parent(path, sizeof(path), opt.parent, name), name);
	bench_check(libmvgpu_sysfs_write(path, val), name);
}

static double pct_error(double share, double target)
{
	return share > target ? share - target : target - share;
}

/* The shares per window as CSV, and as an SVG chart against the targets. */
static void scale_files(uint64_t *busy, unsigned int nw, const double *target)
{
	static const char * const color[4] = {
		"#1f77b4", "#2ca02c", "#ff7f0e", "#d62728"
	};
	const double w = 800, h = 360, top = 8 * 100.0 / 240;
	unsigned int s, i;

	printf("@@file sched-shares.csv\nwindow_end_s,vgpu,weight,target_pct,share_pct\n");
	for (s = 0; s < nw; s++) {
		uint64_t tot = 0;

		for (i = 0; i < SCALE_N; i++)
			tot += busy[(s + 1) * SCALE_N + i] - busy[s * SCALE_N + i];
		for (i = 0; i < SCALE_N; i++)
			printf("%.1f,%u,%u,%.3f,%.3f\n",
			       (s + 1) * SCALE_STEP_MS / 1e3, i, 1u << (i % 4),
			       target[i], tot ? 100.0 *
			       (busy[(s + 1) * SCALE_N + i] -
				busy[s * SCALE_N + i]) / tot : 0);
	}
	printf("@@end\n");

	printf("@@file sched-shares.svg\n"
	       "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" font-family=\"sans-serif\" font-size=\"11\">\n"
	       "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
	       "<text x=\"10\" y=\"14\">engine share per 100 ms window of 64 vGPUs (weights 1, 2, 4, 8: blue, green, orange, red); dashed: targets</text>\n",
	       w + 60, h + 50);
	for (i = 0; i < 4; i++) {
		double y = 30 + h - h * target[i] / (1.5 * top);

		printf("<line x1=\"50\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-dasharray=\"6 4\" stroke-width=\"2\"/>\n"
		       "<text x=\"4\" y=\"%.1f\">%.2f%%</text>\n",
		       50 + w, y, y, color[i], y + 4, target[i]);
	}
	for (i = 0; i < SCALE_N; i++) {
		printf("<polyline fill=\"none\" stroke=\"%s\" stroke-opacity=\"0.35\" points=\"",
		       color[i % 4]);
		for (s = 0; s < nw; s++) {
			uint64_t tot = 0, d;
			unsigned int j;

			for (j = 0; j < SCALE_N; j++)
				tot += busy[(s + 1) * SCALE_N + j] -
				       busy[s * SCALE_N + j];
			d = busy[(s + 1) * SCALE_N + i] - busy[s * SCALE_N + i];
			printf("%.1f,%.1f ", 50 + w * s / (nw > 1 ? nw - 1 : 1),
			       30 + h - h * (tot ? 100.0 * d / tot : 0) /
			       (1.5 * top));
		}
		printf("\"/>\n");
	}
	printf("<text x=\"50\" y=\"%.0f\">window 1 .. %u (%u ms each)</text>\n</svg>\n@@end\n",
	       h + 45, nw, SCALE_STEP_MS);
}

/* 64 busy vGPUs with weights 1, 2, 4, 8: shares per window, throughput. */
static void scale_shares(void)
{
	static struct inst in[SCALE_N];
	unsigned int nw = opt.sched_window * 1000 / SCALE_STEP_MS, s, i;
	double target[SCALE_N], worst = 0, whole = 0, one, all, t0, t1;
	uint64_t *busy, c0, c1, sum_w = 0, tot;

	printf("\n[6] scheduling at scale, %s\n"
	       "    64 x mvgpu-1_64, weights 1, 2, 4, 8 in turn, GEMM %u^3 streams, best_effort,\n"
	       "    timeslice %s us; busy_ns every %u ms for %u s after %u s warm-up\n",
	       opt.parent, opt.load_dim, "2000", SCALE_STEP_MS, opt.sched_window,
	       opt.warmup);
	busy = calloc((size_t)(nw + 1) * SCALE_N, sizeof(*busy));
	if (!busy)
		bench_die("calloc", ENOMEM);
	for (i = 0; i < SCALE_N; i++) {
		inst_up(&in[i], "mvgpu-1_64", 1);
		bench_check(libmvgpu_mdev_write_u64(in[i].uuid, "weight", 1u << (i % 4)),
			    "weight");
		sum_w += 1u << (i % 4);
	}
	for (i = 0; i < SCALE_N; i++)
		target[i] = 100.0 * (1u << (i % 4)) / sum_w;

	/* one alone, then all of them */
	inst_load_start(&in[0], false);
	sleep(opt.warmup);
	c0 = inst_attr(&in[0], "commands");
	t0 = bench_now_s();
	sleep(opt.agg_window);
	one = (inst_attr(&in[0], "commands") - c0) / (bench_now_s() - t0);
	inst_load_stop(&in[0]);

	for (i = 0; i < SCALE_N; i++)
		inst_load_start(&in[i], false);
	sleep(opt.warmup);
	c0 = 0;
	for (i = 0; i < SCALE_N; i++)
		c0 += inst_attr(&in[i], "commands");
	t0 = bench_now_s();
	for (s = 0; s <= nw; s++) {
		double next = t0 + s * SCALE_STEP_MS / 1e3;

		while (bench_now_s() < next)
			libmvgpu_sleep_us(1000);
		for (i = 0; i < SCALE_N; i++)
			busy[s * SCALE_N + i] = inst_attr(&in[i], "busy_ns");
	}
	t1 = bench_now_s();
	c1 = 0;
	for (i = 0; i < SCALE_N; i++)
		c1 += inst_attr(&in[i], "commands");
	all = (c1 - c0) / (t1 - t0);
	for (i = 0; i < SCALE_N; i++)
		inst_load_stop(&in[i]);

	for (s = 0; s < nw; s++) {
		tot = 0;
		for (i = 0; i < SCALE_N; i++)
			tot += busy[(s + 1) * SCALE_N + i] - busy[s * SCALE_N + i];
		for (i = 0; i < SCALE_N && tot; i++) {
			double e = pct_error(100.0 * (busy[(s + 1) * SCALE_N + i] -
						      busy[s * SCALE_N + i]) / tot,
					     target[i]);

			if (e > worst)
				worst = e;
		}
	}
	tot = 0;
	for (i = 0; i < SCALE_N; i++)
		tot += busy[nw * SCALE_N + i] - busy[i];
	for (i = 0; i < SCALE_N && tot; i++) {
		double e = pct_error(100.0 * (busy[nw * SCALE_N + i] - busy[i]) /
				     tot, target[i]);

		if (e > whole)
			whole = e;
	}
	printf("    targets %.2f / %.2f / %.2f / %.2f %% of the engine\n",
	       target[0], target[1], target[2], target[3]);
	printf("    largest share error: %.2f points in a %u ms window, %.3f points over the %u s\n",
	       worst, SCALE_STEP_MS, whole, opt.sched_window);
	printf("    engine busy %.1f %% of the time\n",
	       100.0 * tot / ((t1 - t0) * 1e9));
	printf("    throughput: 1 vGPU %.1f commands/s, 64 vGPUs %.1f commands/s: ratio %.3f\n",
	       one, all, all / one);
	scale_files(busy, nw, target);
	free(busy);
	for (i = 0; i < SCALE_N; i++)
		inst_down(&in[i]);
}

/* A 1/4 vGPU alone on the GPU under the fixed policy. */
static void fixed_alone(void)
{
	struct inst in;
	uint64_t b0;
	double t0;

	inst_up(&in, "mvgpu-1_4", 1);
	write_parent("policy", "fixed");
	inst_load_start(&in, false);
	sleep(opt.warmup);
	b0 = inst_attr(&in, "busy_ns");
	t0 = bench_now_s();
	sleep(opt.window);
	printf("    fixed policy, a mvgpu-1_4 alone: %.2f %% of the engine (target 25 %%), util_permille %llu\n",
	       100.0 * (inst_attr(&in, "busy_ns") - b0) / ((bench_now_s() - t0) * 1e9),
	       (unsigned long long)inst_attr(&in, "util_permille"));
	inst_load_stop(&in);
	write_parent("policy", "best_effort");
	inst_down(&in);
}

/* Submit-to-completion of a short job (TIMESTAMP, FILL 64 KiB, FENCE). */
static void short_jobs(struct inst *in, uint64_t ts_va, uint64_t *ts,
		       uint64_t *done, uint64_t *start, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint64_t t0;
		int64_t seq;

		bench_check(libmvgpu_emit_timestamp(&in->ctx, ts_va), "timestamp");
		bench_check(libmvgpu_emit_fill(&in->ctx, WORK_VA, 64 << 10, i), "fill");
		seq = libmvgpu_ctx_fence(&in->ctx, false);
		t0 = libmvgpu_gpu_timestamp(&in->gpu);
		libmvgpu_ring_kick(&in->ctx);
		bench_check(libmvgpu_ctx_wait_fence(&in->ctx, seq, 60000), "wait");
		done[i] = libmvgpu_gpu_timestamp(&in->gpu) - t0;
		start[i] = libmvgpu_load64(ts) - t0;
		libmvgpu_sleep_us(3000);
	}
}

/* A high-priority vGPU's short jobs while 8 low ones run giant GEMMs. */
static void priority_latency(void)
{
	static struct inst low[PRIO_LOW_N];
	unsigned int n = opt.lat_reps, i, dim = opt.load_dim;
	uint64_t *alone, *loaded, *start, *start_alone, *ts, ts_gpa, pre = 0;
	uint64_t ts_va = 0x90000000ull;
	struct inst hi;

	alone = calloc(4 * (size_t)n, sizeof(*alone));
	if (!alone)
		bench_die("calloc", ENOMEM);
	loaded = alone + n;
	start = loaded + n;
	start_alone = start + n;
	inst_up(&hi, "mvgpu-1_8", 2);
	bench_check(libmvgpu_gpu_alloc(&hi.gpu, 4096, 0, &ts_gpa, (void **)&ts),
		    "alloc");
	bench_check(libmvgpu_pt_map(&hi.pt, ts_va, ts_gpa, 4096, LIBMVGPU_MAP_WRITE),
		    "map");
	write_vgpu(&hi, "priority", "high");
	short_jobs(&hi, ts_va, ts, alone, start_alone, n);

	opt.load_dim = PRIO_GIANT_DIM;
	for (i = 0; i < PRIO_LOW_N; i++) {
		inst_up(&low[i], "mvgpu-1_16", 1);
		write_vgpu(&low[i], "priority", "low");
		inst_load_start(&low[i], false);
	}
	sleep(opt.warmup);
	short_jobs(&hi, ts_va, ts, loaded, start, n);
	for (i = 0; i < PRIO_LOW_N; i++) {
		pre += inst_attr(&low[i], "preemptions");
		inst_load_stop(&low[i]);
		inst_down(&low[i]);
	}
	opt.load_dim = dim;

	printf("    priority: a high mvgpu-1_8's short job (TIMESTAMP, FILL 64 KiB, FENCE), %u times,\n"
	       "    alone and while 8 low mvgpu-1_16 run GEMM %u^3 streams (%llu preemptions):\n",
	       n, PRIO_GIANT_DIM, (unsigned long long)pre);
	bench_stats("job alone, submit -> done:", alone, n);
	bench_stats("job under load, submit -> done:", loaded, n);
	printf("    ratio of medians %.2f, of maxima %.2f\n",
	       (double)loaded[n / 2] / alone[n / 2],
	       (double)loaded[n - 1] / alone[n - 1]);
	bench_stats("doorbell -> start, alone:", start_alone, n);
	bench_stats("doorbell -> start, under load:", start, n);
	free(alone);
	inst_down(&hi);
}

/* How long a policy or weight write takes (it applies at the next slice). */
static void apply_time(void)
{
	uint64_t t[40];
	unsigned int i;
	char path[512];
	struct inst in;

	inst_up(&in, "mvgpu-1_8", 1);
	bench_check(libmvgpu_path_parent(path, sizeof(path), opt.parent, "policy"),
		    "policy");
	for (i = 0; i < 40; i++) {
		uint64_t t0 = libmvgpu_now_ns();

		bench_check(libmvgpu_sysfs_write(path, i % 2 ? "equal" : "best_effort"),
			    "policy");
		t[i] = libmvgpu_now_ns() - t0;
	}
	bench_stats("policy write:", t, 40);
	for (i = 0; i < 40; i++) {
		uint64_t t0 = libmvgpu_now_ns();

		bench_check(libmvgpu_mdev_write_u64(in.uuid, "weight", 1 + i % 64),
			    "weight");
		t[i] = libmvgpu_now_ns() - t0;
	}
	bench_stats("weight write:", t, 40);
	write_parent("policy", "best_effort");
	inst_down(&in);
}

/* Read a /proc/meminfo field, in KiB. */
static uint64_t meminfo_kb(const char *field)
{
	char line[256];
	uint64_t v = 0;
	size_t len = strlen(field);
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, len) && line[len] == ':')
			v = strtoull(line + len + 1, NULL, 10);
	fclose(f);
	return v;
}

/* Host memory of an idle vGPU: 64 created and opened, nothing else. */
static void idle_cost(void)
{
	static struct libmvgpu_dev dev[SCALE_N];
	static char uuid[SCALE_N][LIBMVGPU_UUID_LEN + 1];
	uint64_t avail0, slab0, avail1, slab1;
	unsigned int i;

	sync();
	avail0 = meminfo_kb("MemAvailable");
	slab0 = meminfo_kb("Slab");
	for (i = 0; i < SCALE_N; i++) {
		bench_check(libmvgpu_mdev_create(opt.parent, "mvgpu-1_64", uuid[i]),
			    "create");
		bench_check(libmvgpu_open(&dev[i], uuid[i]), "open");
	}
	avail1 = meminfo_kb("MemAvailable");
	slab1 = meminfo_kb("Slab");
	printf("    host memory of an idle vGPU (64 created and opened): %.1f KiB (slab %.1f KiB)\n",
	       (double)(avail0 - avail1) / SCALE_N,
	       (double)(slab1 - slab0) / SCALE_N);
	for (i = 0; i < SCALE_N; i++) {
		libmvgpu_close(&dev[i]);
		libmvgpu_mdev_remove(uuid[i]);
	}
}

void part_sched(void)
{
	scale_shares();
	fixed_alone();
	priority_latency();
	apply_time();
	idle_cost();
}

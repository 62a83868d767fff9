// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu-bench: measure the mvgpu command engine through the mediator and
 * print numbers (never pass/fail). Run as root where the modules are
 * loaded (vfio_iommu_type1, mvgpu_sim) and the parent GPU has no vGPU:
 *
 *   mvgpu-bench [options]          all parts, about a minute under TCG
 *   mvgpu-bench --parts 1,5        only some parts
 *
 * In the test VM: "mvgpu_sim vram_mb=128" loaded, no vGPU; the
 * default parent mvgpu0 must have all its VRAM free (part 3 creates 8
 * mvgpu-1_8 vGPUs).
 *
 * Parts:
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
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>

#include "lib/mvgpu_gpu.h"
#include "lib/mvgpu_load.h"

#define RING_SIZE	(64u << 10)
#define MAX_INST	72	/* vGPUs the benchmark holds at once */
#define AGG_INST	8	/* part 3 */
#define SCALE_N		64	/* part 6 */
#define WORK_VA		0x40000000ull
#define MIB		(1024.0 * 1024.0)

struct opts {
	const char *parent;
	const char *parent2;		/* part 7 destination */
	unsigned int window;		/* s, part 1 */
	unsigned int agg_window;	/* s, part 3 */
	unsigned int warmup;		/* s */
	unsigned int copy_mb;
	unsigned int copy_reps;
	unsigned int gemm_dim;
	unsigned int gemm_reps;
	unsigned int tp_rounds;		/* part 2 */
	unsigned int load_dim;		/* GEMM size of the load streams */
	unsigned int lat_reps;
	unsigned int shadow_mb;
	unsigned int backing_mb;
	unsigned int inv_reps;
	unsigned int sched_window;	/* s, part 6 */
	unsigned int mig_gap_ms;	/* part 7: last pass to STOP_COPY */
	char parts[16];
};

static struct opts o = {
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
	.parts = "1234567",
};

/* One vGPU under test, with a load generator (not running at first). */
struct inst {
	char uuid[LIBMVGPU_UUID_LEN + 1];
	bool created;
	struct libmvgpu_dev dev;
	bool open;
	struct libmvgpu_gpu gpu;
	bool gpu_up;
	struct libmvgpu_pt pt;
	struct libmvgpu_ctx ctx;
	uint64_t work_size;	/* VRAM mapped at WORK_VA */
	struct libmvgpu_load load;
};

static struct inst *all_inst[MAX_INST];

static void die(const char *what, int err)
{
	fprintf(stderr, "mvgpu-bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static void inst_down(struct inst *in)
{
	int i;

	libmvgpu_load_stop(&in->load);
	if (in->gpu_up)
		libmvgpu_gpu_fini(&in->gpu);
	in->gpu_up = false;
	if (in->open)
		libmvgpu_close(&in->dev);
	in->open = false;
	if (in->created)
		libmvgpu_mdev_remove(in->uuid);
	in->created = false;
	for (i = 0; i < MAX_INST; i++)
		if (all_inst[i] == in)
			all_inst[i] = NULL;
}

static void cleanup(void)
{
	int i;

	for (i = 0; i < MAX_INST; i++)
		if (all_inst[i])
			inst_down(all_inst[i]);
}

static void on_signal(int sig)
{
	(void)sig;
	exit(2);	/* runs cleanup() */
}

/* Create and open a vGPU of type on parent, with ram_mb of guest RAM. */
static void inst_up_on(struct inst *in, const char *parent, const char *type,
		       size_t ram_mb)
{
	uint64_t vram;
	int ret, i;

	memset(in, 0, sizeof(*in));
	for (i = 0; i < MAX_INST && all_inst[i]; i++)
		;
	if (i == MAX_INST)
		die("too many instances", EBUSY);
	all_inst[i] = in;
	ret = libmvgpu_mdev_create(parent, type, in->uuid);
	if (ret)
		die("create vGPU", ret);
	in->created = true;
	ret = libmvgpu_open(&in->dev, in->uuid);
	if (ret)
		die("open vGPU", ret);
	in->open = true;
	ret = libmvgpu_gpu_init(&in->gpu, &in->dev, LIBMVGPU_RAM_IOVA_DEFAULT,
				ram_mb << 20);
	if (ret)
		die("guest RAM / BAR2", ret);
	in->gpu_up = true;
	ret = libmvgpu_pt_init(&in->pt, &in->gpu);
	if (ret)
		die("page table", ret);
	vram = in->gpu.vram_size;
	in->work_size = vram;
	ret = libmvgpu_pt_map(&in->pt, WORK_VA, 0, vram,
			      LIBMVGPU_MAP_VRAM | LIBMVGPU_MAP_WRITE |
			   (vram >= LIBMVGPU_LARGE_PAGE_SIZE ? LIBMVGPU_MAP_LARGE : 0));
	if (!ret)
		ret = libmvgpu_ctx_init(&in->ctx, &in->gpu, &in->pt, 0, RING_SIZE);
	if (ret)
		die("context", ret);
	/* GEMMs, and COPYs 1 MiB into the work when mixed */
	libmvgpu_load_init(&in->load, &in->ctx, WORK_VA, o.load_dim);
	in->load.copy_src = WORK_VA + (1 << 20);
	in->load.copy_dst = WORK_VA + (2 << 20);
	in->load.nap_min_us = 500;
	in->load.nap_max_us = 100000;
}

static void inst_up(struct inst *in, const char *type, size_t ram_mb)
{
	inst_up_on(in, o.parent, type, ram_mb);
}

static uint64_t attr(struct inst *in, const char *name)
{
	uint64_t v = 0;

	libmvgpu_mdev_read_u64(in->uuid, name, &v);
	return v;
}

static double now_s(void)
{
	return libmvgpu_now_ns() / 1e9;
}

static void check(int ret, const char *what)
{
	if (ret)
		die(what, ret);
}

/* ---- load streams --------------------------------------------------------- */

/* Keep the vGPU's ring full: GEMMs, with COPYs in between when mixed. */
static void load_start(struct inst *in, bool mixed)
{
	in->load.gemm_dim = o.load_dim;
	in->load.copy_size = mixed ? 256 << 10 : 0;
	check(libmvgpu_load_start(&in->load), "thread");
}

static void load_stop(struct inst *in)
{
	int err;

	if (!in->load.running)
		return;
	err = libmvgpu_load_stop(&in->load);
	if (err)
		die("load stream", err);
}

/* ---- part 1: weights ------------------------------------------------------ */

static void part_share(void)
{
	static const unsigned int w[3] = { 1, 2, 4 };
	struct inst in[3];
	uint64_t b0[3], sw0[3], d[3], sum = 0;
	double maxdev = 0, t0, t;
	int i;

	printf("\n[1] engine-time share, weights 1:2:4, 3 x mvgpu-1_8 on %s,\n"
	       "    GEMM %u^3 / COPY 256 KiB streams, busy_ns over %u s after %u s warm-up\n",
	       o.parent, o.load_dim, o.window, o.warmup);
	for (i = 0; i < 3; i++) {
		inst_up(&in[i], "mvgpu-1_8", 1);
		check(libmvgpu_mdev_write_u64(in[i].uuid, "weight", w[i]),
		      "set weight");
	}
	for (i = 0; i < 3; i++)
		load_start(&in[i], true);
	sleep(o.warmup);
	t0 = now_s();
	for (i = 0; i < 3; i++) {
		b0[i] = attr(&in[i], "busy_ns");
		sw0[i] = attr(&in[i], "context_switches");
	}
	sleep(o.window);
	for (i = 0; i < 3; i++) {
		d[i] = attr(&in[i], "busy_ns") - b0[i];
		sw0[i] = attr(&in[i], "context_switches") - sw0[i];
		sum += d[i];
	}
	t = now_s() - t0;
	for (i = 0; i < 3; i++)
		load_stop(&in[i]);
	printf("    %-7s %14s %8s %8s %9s %9s\n", "weight", "busy ms",
	       "share%", "ideal%", "dev(pt)", "switches");
	for (i = 0; i < 3; i++) {
		double share = sum ? 100.0 * d[i] / sum : 0;
		double ideal = 100.0 * w[i] / 7;
		double dev = share - ideal;

		if ((dev < 0 ? -dev : dev) > maxdev)
			maxdev = dev < 0 ? -dev : dev;
		printf("    %-7u %14.1f %8.2f %8.2f %+9.2f %9llu\n", w[i],
		       d[i] / 1e6, share, ideal, dev,
		       (unsigned long long)sw0[i]);
	}
	printf("    engine busy %.1f%% of the %.2f s window; max deviation %.2f percentage points\n",
	       100.0 * sum / (t * 1e9), t, maxdev);
	for (i = 0; i < 3; i++)
		inst_down(&in[i]);
}

/* ---- part 2: single-instance throughput ------------------------------------ */

/*
 * Throughput is timed by the engine itself: a TIMESTAMP command before the
 * work and one after it, written to the last 16 bytes of VRAM. That is
 * the time the work took through the mediator (shadow translation, slices,
 * scheduling), comparable with engine_bench's, without this process's
 * submission and fence-polling latency (part 4 measures that).
 */
static uint64_t ts_va(struct inst *in, int n)
{
	return WORK_VA + in->work_size - 16 + 8 * n;
}

static void ts_mark(struct inst *in, int n)
{
	check(libmvgpu_emit_timestamp(&in->ctx, ts_va(in, n)), "timestamp");
}

/*
 * Run what is queued after ts_mark(in, 0); return the engine time in s.
 * *in_run gets the share of it the backend's engine_run calls took
 * (busy_ns): the rest is the mediator's own time between slices.
 */
static double run_timed(struct inst *in, double *in_run)
{
	/* read after the fence wait, a call the compiler cannot see through */
	const uint64_t *ts = (void *)((char *)in->gpu.vram +
				      in->work_size - 16);
	uint64_t b0 = attr(in, "busy_ns");
	int64_t seq;
	double t;

	ts_mark(in, 1);
	seq = libmvgpu_ctx_fence(&in->ctx, in->gpu.irq_on);
	if (seq < 0)
		die("fence", (int)seq);
	libmvgpu_ring_kick(&in->ctx);
	if (in->gpu.irq_on)
		check(libmvgpu_ctx_wait_fence_irq(&in->ctx, seq, 600000), "wait");
	else
		check(libmvgpu_ctx_wait_fence(&in->ctx, seq, 600000), "wait");
	t = (ts[1] - ts[0]) / 1e9;
	*in_run = (attr(in, "busy_ns") - b0) / 1e9 / t;
	return t;
}

/*
 * The no-mediation baseline: debugfs engine_bench of mvgpu_sim runs the
 * same commands on the model's engine through a page table built in the
 * module, over this process's buffers @b0, @b1 and @b2 (NULL: none), i.e.
 * the very pages the mediated run used. "op BYTES|DIM ITERS ADDR..." in,
 * "... units=U ns=N" out. Returns units per second, or 0 when the file is
 * not there.
 */
static double nomed_bench(const char *op, uint64_t size, unsigned int iters,
			  const void *b0, const void *b1, const void *b2)
{
	char path[256], buf[256], *p;
	unsigned long long units, ns;
	const char *k = o.parent;
	int ret;

	while (*k && (*k < '0' || *k > '9'))
		k++;
	snprintf(path, sizeof(path),
		 "/sys/kernel/debug/mvgpu_sim/mvgpu-sim.%s/engine_bench", k);
	if (access(path, F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	snprintf(buf, sizeof(buf), "%s %llu %u %lx %lx", op,
		 (unsigned long long)size, iters, (unsigned long)b0,
		 (unsigned long)b1);
	if (b2)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " %lx",
			 (unsigned long)b2);
	ret = libmvgpu_sysfs_write(path, buf);
	if (ret) {
		printf("    (engine_bench %s: %s)\n", path, strerror(-ret));
		return 0;
	}
	if (libmvgpu_sysfs_read_str(path, buf, sizeof(buf)))
		return 0;
	p = strstr(buf, "units=");
	if (!p || sscanf(p, "units=%llu ns=%llu", &units, &ns) != 2 || !ns) {
		printf("    (engine_bench: \"%s\")\n", buf);
		return 0;
	}
	return units / (ns / 1e9);
}

static double median(double *v, unsigned int n)
{
	unsigned int i, j;

	for (i = 1; i < n; i++)
		for (j = i; j && v[j - 1] > v[j]; j--) {
			double x = v[j];

			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define TP_MAX_ROUNDS	16

static void part_throughput(void)
{
	uint64_t size = (uint64_t)o.copy_mb << 20, d = o.gemm_dim;
	/* B starts on a page of its own: engine_bench maps whole pages */
	uint64_t bofs = (4 * d * d + LIBMVGPU_PAGE_SIZE - 1) & ~(LIBMVGPU_PAGE_SIZE - 1);
	double bytes = (double)size * o.copy_reps, t, tb;
	double macs = (double)d * d * d * o.gemm_reps;
	/*
	 * per round: [0] VRAM copy, [1] guest RAM copy, [2] and [3] the same
	 * without mediation on the same pages, [4] memcpy
	 */
	double cp[5][TP_MAX_ROUNDS], gm[3][TP_MAX_ROUNDS], m[5];
	/* share of the timed span spent in the backend's engine_run */
	double in_run[3][TP_MAX_ROUNDS];
	const uint64_t src_va = 0x100000000ull, dst_va = 0x180000000ull;
	uint64_t src_gpa, dst_gpa, seed = 1;
	unsigned int r, k, rounds = o.tp_rounds;
	bool have_nomed = true;
	int32_t *a, *c, *ref, *ab;
	void *s, *dd, *gs, *gd;
	struct inst in;

	printf("\n[2] one vGPU (mvgpu-1_2): work through the mediator vs the same work without\n"
	       "    mediation (mvgpu_sim debugfs engine_bench: the model's engine on the same\n"
	       "    pages through a page table built in the module) and vs this process's CPU;\n"
	       "    medians of %u interleaved rounds; mediated work timed by TIMESTAMP\n"
	       "    commands around it (engine time, without submission latency),\n"
	       "    this process waiting on the fence interrupt\n",
	       rounds);
	inst_up(&in, "mvgpu-1_2", 2 * o.copy_mb + 8);
	/*
	 * Sleep on the fence interrupt, as a guest driver does: a polling
	 * waiter would take CPU time from the model's engine thread, which a
	 * real GPU's engine does not share.
	 */
	check(libmvgpu_gpu_irq_enable(&in.gpu, MVGPU_IRQ_FENCE(in.ctx.idx)),
	      "MSI");
	if (2 * size > in.work_size || bofs + 4 * d * d > size)
		die("copy / GEMM sizes do not fit", E2BIG);
	check(libmvgpu_gpu_alloc(&in.gpu, size, 0, &src_gpa, &gs), "alloc");
	check(libmvgpu_gpu_alloc(&in.gpu, size, 0, &dst_gpa, &gd), "alloc");
	check(libmvgpu_pt_map(&in.pt, src_va, src_gpa, size, LIBMVGPU_MAP_WRITE),
	      "map");
	check(libmvgpu_pt_map(&in.pt, dst_va, dst_gpa, size, LIBMVGPU_MAP_WRITE),
	      "map");
	libmvgpu_ctx_tlb_inv(&in.ctx, src_va, 2 * (dst_va - src_va));
	s = malloc(size);
	dd = malloc(size);
	ref = malloc(4 * d * d);
	ab = malloc(8 * d * d);
	if (!s || !dd || !ref || !ab)
		die("malloc", ENOMEM);
	memset(in.gpu.vram, 0x5a, 2 * size);
	memset(s, 0x5a, size);
	memset(dd, 0, size);

	for (r = 0; r < rounds; r++) {
		/* COPY VRAM -> VRAM */
		ts_mark(&in, 0);
		for (k = 0; k < o.copy_reps; k++)
			check(libmvgpu_emit_copy(&in.ctx, WORK_VA, WORK_VA + size,
						 size), "copy");
		t = run_timed(&in, &in_run[0][r]);
		cp[0][r] = bytes / t / MIB;
		/* COPY guest RAM -> guest RAM */
		memset(gs, 0xa5 ^ r, size);
		ts_mark(&in, 0);
		for (k = 0; k < o.copy_reps; k++)
			check(libmvgpu_emit_copy(&in.ctx, src_va, dst_va, size),
			      "copy");
		t = run_timed(&in, &in_run[1][r]);
		cp[1][r] = bytes / t / MIB;
		if (memcmp(gs, gd, size))
			printf("    WARNING: the copied guest memory differs\n");
		/* no mediation, on the same VRAM and guest RAM pages */
		cp[2][r] = have_nomed ?
			   nomed_bench("copy", size, o.copy_reps, in.gpu.vram,
				       (char *)in.gpu.vram + size, NULL) / MIB : 0;
		cp[3][r] = have_nomed ?
			   nomed_bench("copy", size, o.copy_reps, gs, gd,
				       NULL) / MIB : 0;
		if (cp[2][r] <= 0 || cp[3][r] <= 0)
			have_nomed = false;
		/* CPU memcpy */
		tb = now_s();
		for (k = 0; k < o.copy_reps; k++) {
			memcpy(dd, s, size);
			__asm__ volatile("" : : "r"(dd) : "memory");
		}
		cp[4][r] = bytes / (now_s() - tb) / MIB;

		/* GEMM_I32 in guest RAM: A, then B at the next page, in src; C in dst */
		a = gs;
		c = gd;
		for (k = 0; k < d * d; k++) {
			a[k] = (int32_t)libmvgpu_rand64(&seed);
			a[bofs / 4 + k] = (int32_t)libmvgpu_rand64(&seed);
		}
		ts_mark(&in, 0);
		for (k = 0; k < o.gemm_reps; k++)
			check(libmvgpu_emit_gemm(&in.ctx, src_va, src_va + bofs,
						 dst_va, d, d, d), "gemm");
		t = run_timed(&in, &in_run[2][r]);
		gm[0][r] = macs / t / 1e6;
		memcpy(ab, a, 4 * d * d);
		memcpy(ab + d * d, a + bofs / 4, 4 * d * d);
		tb = now_s();
		for (k = 0; k < o.gemm_reps; k++)
			libmvgpu_ref_gemm_i32(ab, ab + d * d, ref, d, d, d);
		gm[2][r] = macs / (now_s() - tb) / 1e6;
		if (memcmp(c, ref, 4 * d * d))
			printf("    WARNING: the engine's GEMM differs from the CPU reference\n");
		gm[1][r] = have_nomed ?
			   nomed_bench("gemm", d, o.gemm_reps, gs,
				       (char *)gs + bofs, gd) / 1e6 : 0;
		if (gm[1][r] <= 0)
			have_nomed = false;
	}

	for (k = 0; k < 5; k++)
		m[k] = median(cp[k], rounds);
	printf("    COPY %u x %u MiB (MiB/s)\n", o.copy_reps, o.copy_mb);
	printf("      mediated, VRAM -> VRAM            %9.1f\n", m[0]);
	if (have_nomed)
		printf("      no mediation, same VRAM pages     %9.1f\n", m[2]);
	printf("      mediated, guest RAM -> guest RAM  %9.1f\n", m[1]);
	if (have_nomed)
		printf("      no mediation, same guest pages    %9.1f\n", m[3]);
	printf("      CPU memcpy in this process        %9.1f\n", m[4]);
	if (have_nomed)
		printf("      ratio mediated / no mediation: VRAM %.3f, guest RAM %.3f\n",
		       m[0] / m[2], m[1] / m[3]);
	else
		printf("      ratio mediated / CPU memcpy: VRAM %.3f, guest RAM %.3f\n",
		       m[0] / m[4], m[1] / m[4]);
	for (k = 0; k < 3; k++)
		m[k] = median(gm[k], rounds);
	printf("    GEMM_I32 %u x %llu^3 (M MAC/s)\n", o.gemm_reps,
	       (unsigned long long)d);
	printf("      mediated, guest RAM               %9.2f\n", m[0]);
	if (have_nomed)
		printf("      no mediation, same guest pages    %9.2f\n", m[1]);
	printf("      CPU reference GEMM (-O2)          %9.2f\n", m[2]);
	printf("      ratio mediated / %s: %.3f\n",
	       have_nomed ? "no mediation" : "CPU reference",
	       m[0] / (have_nomed ? m[1] : m[2]));
	for (k = 0; k < 3; k++)
		m[k] = median(in_run[k], rounds);
	printf("    time in the engine's run call / timed span (the rest is the mediator\n"
	       "    between slices): COPY VRAM %.3f, COPY guest RAM %.3f, GEMM %.3f\n",
	       m[0], m[1], m[2]);
	free(s);
	free(dd);
	free(ref);
	free(ab);
	inst_down(&in);
}

/* ---- part 3: aggregate ------------------------------------------------------ */

static double agg_rate(struct inst *in, int n)
{
	uint64_t f0[AGG_INST], done = 0;
	double t;
	int i;

	for (i = 0; i < n; i++)
		load_start(&in[i], false);
	sleep(o.warmup);
	t = now_s();
	for (i = 0; i < n; i++)
		f0[i] = libmvgpu_ctx_fence_reg(&in[i].ctx);
	sleep(o.agg_window);
	for (i = 0; i < n; i++)
		done += libmvgpu_ctx_fence_reg(&in[i].ctx) - f0[i];
	t = now_s() - t;
	for (i = 0; i < n; i++)
		load_stop(&in[i]);
	return done / t;
}

static void part_aggregate(void)
{
	static struct inst in[AGG_INST];
	double one, eight;
	int i;

	printf("\n[3] aggregate throughput, GEMM %u^3 streams on mvgpu-1_8 vGPUs of %s,\n"
	       "    completed commands over %u s after %u s warm-up\n",
	       o.load_dim, o.parent, o.agg_window, o.warmup);
	for (i = 0; i < AGG_INST; i++)
		inst_up(&in[i], "mvgpu-1_8", 1);
	one = agg_rate(in, 1);
	eight = agg_rate(in, AGG_INST);
	printf("    1 busy vGPU:  %.2f GEMM/s\n", one);
	printf("    8 busy vGPUs: %.2f GEMM/s aggregate (%.2f per vGPU)\n",
	       eight, eight / AGG_INST);
	printf("    aggregate 8/1 ratio %.3f\n", eight / one);
	for (i = 0; i < AGG_INST; i++)
		inst_down(&in[i]);
}

/* ---- part 4: latency -------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void stats(const char *what, uint64_t *v, unsigned int n)
{
	double sum = 0;
	unsigned int i;

	qsort(v, n, sizeof(*v), cmp_u64);
	for (i = 0; i < n; i++)
		sum += v[i];
	printf("    %-34s min %8.1f  median %8.1f  mean %8.1f  max %8.1f us\n",
	       what, v[0] / 1e3, v[n / 2] / 1e3, sum / n / 1e3,
	       v[n - 1] / 1e3);
}

/*
 * Context switch cost: two contexts of one vGPU each run a stream of
 * TIMESTAMP commands; the scheduler lets busy contexts take turns. In the
 * merged stamps, a gap between stamps of different contexts contains a
 * switch; a gap within one context is the cost of one command.
 */
#define IL_STAMPS	5000
#define IL_ROUNDS	4
#define IL_VA		0xa0000000ull

static void part_interleave(struct inst *in, struct libmvgpu_ctx *c1)
{
	struct libmvgpu_ctx *c[2] = { &in->ctx, c1 };
	uint64_t gpa, *st, *sw, *same, nsw = 0, nsame = 0, med_sw, med_same;
	size_t sz = 2 * IL_STAMPS * 8;
	unsigned int r, i, j;

	check(libmvgpu_gpu_alloc(&in->gpu, sz, 0, &gpa, (void **)&st), "alloc");
	check(libmvgpu_pt_map(&in->pt, IL_VA, gpa, (sz + 4095) & ~4095ul,
			      LIBMVGPU_MAP_WRITE), "map");
	libmvgpu_ctx_tlb_inv(c[0], IL_VA, (sz + 4095) & ~4095ul);
	libmvgpu_ctx_tlb_inv(c[1], IL_VA, (sz + 4095) & ~4095ul);
	sw = calloc(2 * IL_STAMPS * IL_ROUNDS, sizeof(*sw));
	same = calloc(2 * IL_STAMPS * IL_ROUNDS, sizeof(*same));
	if (!sw || !same)
		die("calloc", ENOMEM);
	/* go past the FENCE values the ping-pong left */
	c[0]->seqno = libmvgpu_ctx_fence_reg(c[0]);
	c[1]->seqno = libmvgpu_ctx_fence_reg(c[1]);

	for (r = 0; r < IL_ROUNDS; r++) {
		int64_t seq[2];

		memset(st, 0, sz);
		for (j = 0; j < 2; j++) {
			for (i = 0; i < IL_STAMPS; i++)
				check(libmvgpu_emit_timestamp(c[j], IL_VA +
					8ull * (j * IL_STAMPS + i)), "ts");
			seq[j] = libmvgpu_ctx_fence(c[j], false);
		}
		libmvgpu_ring_kick(c[1]);
		libmvgpu_ring_kick(c[0]);
		for (j = 0; j < 2; j++)
			check(libmvgpu_ctx_wait_fence(c[j], seq[j], 600000),
			      "interleave");
		/* merge the two ordered streams */
		i = 0;
		j = 0;
		while (i + j + 1 < 2 * IL_STAMPS) {
			uint64_t *a = st, *b = st + IL_STAMPS, cur, next;
			bool cur_a, next_a;

			cur_a = j >= IL_STAMPS || (i < IL_STAMPS && a[i] <= b[j]);
			cur = cur_a ? a[i++] : b[j++];
			next_a = j >= IL_STAMPS || (i < IL_STAMPS && a[i] <= b[j]);
			next = next_a ? a[i] : b[j];
			if (cur_a != next_a)
				sw[nsw++] = next - cur;
			else
				same[nsame++] = next - cur;
		}
	}
	if (!nsw) {
		printf("    two busy contexts: no switch between them seen\n");
	} else {
		stats("gap across a context switch:", sw, nsw);
		med_sw = sw[nsw / 2];
		stats("gap between commands, same ctx:", same, nsame);
		med_same = same[nsame / 2];
		printf("    %llu switches between two busy contexts (%u x %u TIMESTAMPs each)\n",
		       (unsigned long long)nsw, IL_ROUNDS, IL_STAMPS);
		printf("    context switch cost (median switch gap - median command gap): %.1f us\n",
		       ((double)med_sw - (double)med_same) / 1e3);
	}
	free(sw);
	free(same);
}

static void part_latency(void)
{
	unsigned int n = o.lat_reps, i;
	uint64_t *lat, *ts, *pp, *one, sw0, sw, med_handoff;
	uint64_t ts_va = 0x90000000ull, ts_gpa;
	struct libmvgpu_ctx c1;
	struct inst in;
	size_t tsz;

	printf("\n[4] latency, one mvgpu-1_8 vGPU, %u repetitions\n", n);
	tsz = ((4 * (size_t)n + 8) * 8 + 4095) & ~4095ul;
	inst_up(&in, "mvgpu-1_8", 2 + tsz / (1 << 20));
	check(libmvgpu_gpu_alloc(&in.gpu, tsz, 0, &ts_gpa, (void **)&ts), "alloc");
	check(libmvgpu_pt_map(&in.pt, ts_va, ts_gpa, tsz, LIBMVGPU_MAP_WRITE), "map");
	libmvgpu_ctx_tlb_inv(&in.ctx, ts_va, tsz);
	lat = calloc(4 * (size_t)n, sizeof(*lat));
	if (!lat)
		die("calloc", ENOMEM);

	/* doorbell to first command, on an idle engine */
	for (i = 0; i < n; i++) {
		uint64_t t0;
		int64_t seq;

		check(libmvgpu_emit_timestamp(&in.ctx, ts_va), "timestamp");
		seq = libmvgpu_ctx_fence(&in.ctx, false);
		t0 = libmvgpu_gpu_timestamp(&in.gpu);
		libmvgpu_ring_kick(&in.ctx);
		check(libmvgpu_ctx_wait_fence(&in.ctx, seq, 60000), "wait");
		lat[i] = libmvgpu_load64(ts) - t0;
		libmvgpu_sleep_us(2000);
	}
	stats("doorbell -> first command:", lat, n);

	/*
	 * Context switch: contexts 0 and 1 ping-pong through two semaphores
	 * with WAIT and FENCE, each stamping the time when it runs. A hand-off
	 * (stamp of one to stamp of the other) costs a switch plus WAIT and
	 * FENCE; the same commands in one context give the cost without the
	 * switch.
	 */
	/* ts[2n + 2] ping, ts[2n + 3] pong */
	pp = ts;		/* pp[2i] by ctx 0, pp[2i + 1] by ctx 1 */
	memset(ts, 0, tsz);
	check(libmvgpu_ctx_init(&c1, &in.gpu, &in.pt, 1, RING_SIZE), "ctx 1");
	sw0 = attr(&in, "context_switches");
	for (i = 1; i <= n; i++) {
		uint64_t sem_va = ts_va + (uint64_t)(2 * n + 2) * 8;

		check(libmvgpu_emit_timestamp(&in.ctx, ts_va + 16ull * (i - 1)),
		      "ts");
		check(libmvgpu_emit_fence(&in.ctx, sem_va, i, false), "fence");
		check(libmvgpu_emit_wait(&in.ctx, sem_va + 8, i), "wait");
		check(libmvgpu_emit_wait(&c1, sem_va, i), "wait");
		check(libmvgpu_emit_timestamp(&c1, ts_va + 16ull * (i - 1) + 8),
		      "ts");
		check(libmvgpu_emit_fence(&c1, sem_va + 8, i, false), "fence");
	}
	libmvgpu_ring_kick(&c1);
	libmvgpu_ring_kick(&in.ctx);
	check(libmvgpu_ctx_wait_fence(&c1, n, 600000), "ping-pong");
	sw = attr(&in, "context_switches") - sw0;
	for (i = 0; i + 1 < 2 * n; i++)
		lat[i] = pp[i + 1] - pp[i];
	stats("WAIT/FENCE ping-pong hand-off:", lat, 2 * n - 1);
	med_handoff = lat[(2 * n - 1) / 2];

	/* the same commands in one context */
	memset(ts, 0, tsz);
	/* its FENCE register holds the ping values now: go past them */
	in.ctx.seqno = 2 * n;
	for (i = 1; i <= n; i++) {
		uint64_t sem_va = ts_va + (uint64_t)(2 * n + 2) * 8;

		check(libmvgpu_emit_timestamp(&in.ctx, ts_va + 8ull * (i - 1)),
		      "ts");
		check(libmvgpu_emit_fence(&in.ctx, sem_va, n + i, false),
		      "fence");
		check(libmvgpu_emit_wait(&in.ctx, sem_va, n + i), "wait");
	}
	check(libmvgpu_ctx_sync(&in.ctx, 600000), "single");
	one = lat + 3 * n;
	for (i = 0; i + 1 < n; i++)
		one[i] = ts[i + 1] - ts[i];
	stats("same commands, one context:", one, n - 1);
	printf("    context switches counted: %llu for %u round trips\n",
	       (unsigned long long)sw, n);
	printf("    (a hand-off waits for the engine to look at WAITs again: its\n"
	       "     re-poll interval, not the switch itself, dominates it)\n");

	printf("    WAIT hand-off minus one-context step: %.1f us\n",
	       ((double)med_handoff - (double)one[(n - 1) / 2]) / 1e3);

	part_interleave(&in, &c1);
	free(lat);
	inst_down(&in);
}

/* ---- part 5: shadowing ----------------------------------------------------- */

static void shadow_run(struct inst *in, bool vram, bool large,
		       uint64_t backing, uint64_t backing_gpa)
{
	uint64_t size = (uint64_t)o.shadow_mb << 20;
	/* a level-3 entry of its own: no 4 KiB tables where large pages go */
	uint64_t va = large ? 0x8000000000ull : 0x4000000000ull;
	uint64_t off, *t, pinned0 = attr(in, "pinned_pages");
	uint64_t fills0 = attr(in, "shadow_fills");
	uint32_t flags = LIBMVGPU_MAP_WRITE | (vram ? LIBMVGPU_MAP_VRAM : 0) |
			 (large ? LIBMVGPU_MAP_LARGE : 0);
	int64_t pinned;
	unsigned int i;
	double t0, tb, ti, tf;

	t0 = now_s();
	for (off = 0; off < size; off += backing) {
		uint64_t len = size - off < backing ? size - off : backing;

		check(libmvgpu_pt_map(&in->pt, va + off, vram ? 0 : backing_gpa,
				      len, flags), "map");
	}
	tb = now_s() - t0;
	t0 = now_s();
	libmvgpu_ctx_tlb_inv(&in->ctx, va, size);
	ti = now_s() - t0;
	/* the engine's first use of every 2 MiB region fills it */
	t0 = now_s();
	for (off = 0; off < size; off += 2 << 20)
		check(libmvgpu_emit_fill(&in->ctx, va + off, 4, 0), "fill");
	check(libmvgpu_ctx_sync(&in->ctx, 600000), "first use");
	tf = now_s() - t0;
	printf("    %-6s %u MiB in %s pages (%llu PTEs over %llu MiB of %s):\n",
	       vram ? "VRAM" : "sysmem", o.shadow_mb, large ? "2 MiB" : "4 KiB",
	       (unsigned long long)(size >> (large ? 21 : 12)),
	       (unsigned long long)(backing >> 20),
	       vram ? "VRAM" : "guest RAM");
	pinned = attr(in, "pinned_pages") - pinned0;
	printf("        build tables in the guest %.3f s, TLB_INV %.6f s\n",
	       tb, ti);
	printf("        first use of each 2 MiB (shadow fills +%llu) %.3f s = %.2f us/PTE, pinned_pages +%lld, shadow_entries %llu\n",
	       (unsigned long long)(attr(in, "shadow_fills") - fills0), tf,
	       tf * 1e6 / (size >> (large ? 21 : 12)), (long long)pinned,
	       (unsigned long long)attr(in, "shadow_entries"));
	if (!vram && pinned < (int64_t)(size >> 12))
		printf("        (%lld PTEs not pinned: the host's pin cap, max_pinned_mb, was reached)\n",
		       (long long)((size >> 12) - pinned));
	if (large)
		goto unmap;

	/* one-page invalidates */
	t = calloc(o.inv_reps, sizeof(*t));
	if (!t)
		die("calloc", ENOMEM);
	for (i = 0; i < o.inv_reps; i++) {
		uint64_t pva = va + (uint64_t)(i * 4099 % (size >> 12)) * 4096;
		uint64_t n0;

		check(libmvgpu_pt_map(&in->pt, pva,
				      (vram ? 0 : backing_gpa) + (i % 2) * 4096,
				   4096, flags), "map");
		n0 = libmvgpu_now_ns();
		libmvgpu_ctx_tlb_inv(&in->ctx, pva, 4096);
		t[i] = libmvgpu_now_ns() - n0;
	}
	stats("        one-page TLB_INV:", t, o.inv_reps);
	free(t);

unmap:
	/* and away again */
	check(libmvgpu_pt_unmap(&in->pt, va, size), "unmap");
	t0 = now_s();
	libmvgpu_ctx_tlb_inv(&in->ctx, va, size);
	ti = now_s() - t0;
	printf("        unmap all + TLB_INV %.3f s, pinned_pages back to +%lld\n",
	       ti, (long long)(attr(in, "pinned_pages") - pinned0));
}

static void part_shadow(void)
{
	uint64_t backing = (uint64_t)o.backing_mb << 20, gpa;
	/* tables: 8 bytes per PTE, plus upper levels */
	uint64_t tables = ((uint64_t)o.shadow_mb << 20) / 512 + (4 << 20);
	struct inst in;

	printf("\n[5] shadowing, one mvgpu-1_2 vGPU, %u MiB of VA aliased over the backing\n",
	       o.shadow_mb);
	inst_up(&in, "mvgpu-1_2", (backing + 2 * tables) >> 20);
	if (backing > in.work_size)
		backing = in.work_size;
	shadow_run(&in, true, false, backing, 0);
	shadow_run(&in, true, true, backing, 0);
	check(libmvgpu_gpu_alloc(&in.gpu, (uint64_t)o.backing_mb << 20, 0, &gpa,
				 NULL), "backing");
	shadow_run(&in, false, false, (uint64_t)o.backing_mb << 20, gpa);
	inst_down(&in);
}


/* ---- part 6: scheduling at scale ------------------------------------------ */

#define SCALE_STEP_MS	100
#define PRIO_LOW_N	8
#define PRIO_GIANT_DIM	512

static void write_vgpu(struct inst *in, const char *name, const char *val)
{
	char path[512];

	snprintf(path, sizeof(path), LIBMVGPU_SYSFS_MDEV_DEVS "/%.36s/mvgpu/%s",
		 in->uuid, name);
	check(libmvgpu_sysfs_write(path, val), name);
}

static void write_parent(const char *name, const char *val)
{
	char path[512];

	check(libmvgpu_path_parent(path, sizeof(path), o.parent, name), name);
	check(libmvgpu_sysfs_write(path, val), name);
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
	unsigned int nw = o.sched_window * 1000 / SCALE_STEP_MS, s, i;
	double target[SCALE_N], worst = 0, whole = 0, one, all, t0, t1;
	uint64_t *busy, c0, c1, sum_w = 0, tot;

	printf("\n[6] scheduling at scale, %s\n"
	       "    64 x mvgpu-1_64, weights 1, 2, 4, 8 in turn, GEMM %u^3 streams, best_effort,\n"
	       "    timeslice %s us; busy_ns every %u ms for %u s after %u s warm-up\n",
	       o.parent, o.load_dim, "2000", SCALE_STEP_MS, o.sched_window,
	       o.warmup);
	busy = calloc((size_t)(nw + 1) * SCALE_N, sizeof(*busy));
	if (!busy)
		die("calloc", ENOMEM);
	for (i = 0; i < SCALE_N; i++) {
		inst_up(&in[i], "mvgpu-1_64", 1);
		check(libmvgpu_mdev_write_u64(in[i].uuid, "weight", 1u << (i % 4)),
		      "weight");
		sum_w += 1u << (i % 4);
	}
	for (i = 0; i < SCALE_N; i++)
		target[i] = 100.0 * (1u << (i % 4)) / sum_w;

	/* one alone, then all of them */
	load_start(&in[0], false);
	sleep(o.warmup);
	c0 = attr(&in[0], "commands");
	t0 = now_s();
	sleep(o.agg_window);
	one = (attr(&in[0], "commands") - c0) / (now_s() - t0);
	load_stop(&in[0]);

	for (i = 0; i < SCALE_N; i++)
		load_start(&in[i], false);
	sleep(o.warmup);
	c0 = 0;
	for (i = 0; i < SCALE_N; i++)
		c0 += attr(&in[i], "commands");
	t0 = now_s();
	for (s = 0; s <= nw; s++) {
		double next = t0 + s * SCALE_STEP_MS / 1e3;

		while (now_s() < next)
			libmvgpu_sleep_us(1000);
		for (i = 0; i < SCALE_N; i++)
			busy[s * SCALE_N + i] = attr(&in[i], "busy_ns");
	}
	t1 = now_s();
	c1 = 0;
	for (i = 0; i < SCALE_N; i++)
		c1 += attr(&in[i], "commands");
	all = (c1 - c0) / (t1 - t0);
	for (i = 0; i < SCALE_N; i++)
		load_stop(&in[i]);

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
	       worst, SCALE_STEP_MS, whole, o.sched_window);
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
	load_start(&in, false);
	sleep(o.warmup);
	b0 = attr(&in, "busy_ns");
	t0 = now_s();
	sleep(o.window);
	printf("    fixed policy, a mvgpu-1_4 alone: %.2f %% of the engine (target 25 %%), util_permille %llu\n",
	       100.0 * (attr(&in, "busy_ns") - b0) / ((now_s() - t0) * 1e9),
	       (unsigned long long)attr(&in, "util_permille"));
	load_stop(&in);
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

		check(libmvgpu_emit_timestamp(&in->ctx, ts_va), "timestamp");
		check(libmvgpu_emit_fill(&in->ctx, WORK_VA, 64 << 10, i), "fill");
		seq = libmvgpu_ctx_fence(&in->ctx, false);
		t0 = libmvgpu_gpu_timestamp(&in->gpu);
		libmvgpu_ring_kick(&in->ctx);
		check(libmvgpu_ctx_wait_fence(&in->ctx, seq, 60000), "wait");
		done[i] = libmvgpu_gpu_timestamp(&in->gpu) - t0;
		start[i] = libmvgpu_load64(ts) - t0;
		libmvgpu_sleep_us(3000);
	}
}

/* A high-priority vGPU's short jobs while 8 low ones run giant GEMMs. */
static void priority_latency(void)
{
	static struct inst low[PRIO_LOW_N];
	unsigned int n = o.lat_reps, i, dim = o.load_dim;
	uint64_t *alone, *loaded, *start, *start_alone, *ts, ts_gpa, pre = 0;
	uint64_t ts_va = 0x90000000ull;
	struct inst hi;

	alone = calloc(4 * (size_t)n, sizeof(*alone));
	if (!alone)
		die("calloc", ENOMEM);
	loaded = alone + n;
	start = loaded + n;
	start_alone = start + n;
	inst_up(&hi, "mvgpu-1_8", 2);
	check(libmvgpu_gpu_alloc(&hi.gpu, 4096, 0, &ts_gpa, (void **)&ts),
	      "alloc");
	check(libmvgpu_pt_map(&hi.pt, ts_va, ts_gpa, 4096, LIBMVGPU_MAP_WRITE),
	      "map");
	write_vgpu(&hi, "priority", "high");
	short_jobs(&hi, ts_va, ts, alone, start_alone, n);

	o.load_dim = PRIO_GIANT_DIM;
	for (i = 0; i < PRIO_LOW_N; i++) {
		inst_up(&low[i], "mvgpu-1_16", 1);
		write_vgpu(&low[i], "priority", "low");
		load_start(&low[i], false);
	}
	sleep(o.warmup);
	short_jobs(&hi, ts_va, ts, loaded, start, n);
	for (i = 0; i < PRIO_LOW_N; i++) {
		pre += attr(&low[i], "preemptions");
		load_stop(&low[i]);
		inst_down(&low[i]);
	}
	o.load_dim = dim;

	printf("    priority: a high mvgpu-1_8's short job (TIMESTAMP, FILL 64 KiB, FENCE), %u times,\n"
	       "    alone and while 8 low mvgpu-1_16 run GEMM %u^3 streams (%llu preemptions):\n",
	       n, PRIO_GIANT_DIM, (unsigned long long)pre);
	stats("job alone, submit -> done:", alone, n);
	stats("job under load, submit -> done:", loaded, n);
	printf("    ratio of medians %.2f, of maxima %.2f\n",
	       (double)loaded[n / 2] / alone[n / 2],
	       (double)loaded[n - 1] / alone[n - 1]);
	stats("doorbell -> start, alone:", start_alone, n);
	stats("doorbell -> start, under load:", start, n);
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
	check(libmvgpu_path_parent(path, sizeof(path), o.parent, "policy"),
	      "policy");
	for (i = 0; i < 40; i++) {
		uint64_t t0 = libmvgpu_now_ns();

		check(libmvgpu_sysfs_write(path, i % 2 ? "equal" : "best_effort"),
		      "policy");
		t[i] = libmvgpu_now_ns() - t0;
	}
	stats("policy write:", t, 40);
	for (i = 0; i < 40; i++) {
		uint64_t t0 = libmvgpu_now_ns();

		check(libmvgpu_mdev_write_u64(in.uuid, "weight", 1 + i % 64),
		      "weight");
		t[i] = libmvgpu_now_ns() - t0;
	}
	stats("weight write:", t, 40);
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
		check(libmvgpu_mdev_create(o.parent, "mvgpu-1_64", uuid[i]),
		      "create");
		check(libmvgpu_open(&dev[i], uuid[i]), "open");
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

static void part_sched(void)
{
	scale_shares();
	fixed_alone();
	priority_latency();
	apply_time();
	idle_cost();
}

/* ---- part 7: live migration ------------------------------------------------ */

/* Read a data fd to its end (or to ENOMSG in pre-copy); bytes read. */
static size_t mig_read(int fd, struct libmvgpu_mig_stream *b, bool precopy)
{
	ssize_t n = libmvgpu_mig_read(fd, b, precopy, SIZE_MAX);

	if (n < 0)
		die("read migration data", n);
	return n;
}

static void mig_write(int fd, const uint8_t *p, size_t len)
{
	check(libmvgpu_mig_write(fd, p, len, SIZE_MAX), "write migration data");
}

/*
 * Load a stream into a stopped vGPU, as QEMU does: the pre-copy part
 * while the source still runs, then the last @tail bytes. Returns the
 * seconds the tail and the arc to STOP took (the destination's share of
 * the downtime).
 */
static double mig_load(struct inst *in, const struct libmvgpu_mig_stream *b, size_t tail)
{
	double t0;
	int fd;

	check(libmvgpu_mig_set_state(&in->dev, VFIO_DEVICE_STATE_STOP, NULL),
	      "destination STOP");
	check(libmvgpu_mig_set_state(&in->dev, VFIO_DEVICE_STATE_RESUMING, &fd),
	      "RESUMING");
	mig_write(fd, b->data, b->len - tail);
	t0 = now_s();
	mig_write(fd, b->data + b->len - tail, tail);
	check(libmvgpu_mig_set_state(&in->dev, VFIO_DEVICE_STATE_STOP, NULL),
	      "load the stream");
	t0 = now_s() - t0;
	close(fd);
	return t0;
}

static void mig_case(const char *type, bool busy, bool precopy)
{
	struct libmvgpu_mig_stream b = { };
	struct inst a, d;
	size_t initial = 0, rounds_bytes = 0, stop_bytes;
	unsigned int rounds = 0;
	double t_stop, t_load;
	uint64_t ini, dirty;
	int fd = -1;

	inst_up(&a, type, 16);
	inst_up_on(&d, o.parent2, type, 16);
	/* data, not zeroes, where the load reads and writes (the first 4 MiB) */
	for (size_t i = 0; i < (4u << 20) / 8; i++)
		((uint64_t *)a.gpu.vram)[i] = i * 0x9e3779b97f4a7c15ull | 1;
	if (busy) {
		load_start(&a, true);
		libmvgpu_sleep_us(500000);
	}
	if (precopy) {
		check(libmvgpu_mig_set_state(&a.dev, VFIO_DEVICE_STATE_PRE_COPY,
					     &fd), "PRE_COPY");
		initial = mig_read(fd, &b, true);
		/* passes over what changed, until it stops shrinking */
		for (rounds = 0; rounds < 8; rounds++) {
			libmvgpu_sleep_us(100000);
			check(libmvgpu_mig_precopy_info(fd, &ini, &dirty),
			      "PRECOPY_INFO");
			rounds_bytes += mig_read(fd, &b, true);
			if (dirty < 64 * 4096)
				break;
		}
		/* the guest runs on while QEMU sends the last RAM pass */
		libmvgpu_sleep_us(o.mig_gap_ms * 1000);
	}
	/* the device's downtime: stop, send the rest */
	t_stop = now_s();
	check(libmvgpu_mig_set_state(&a.dev, VFIO_DEVICE_STATE_STOP_COPY,
				     precopy ? NULL : &fd), "STOP_COPY");
	stop_bytes = mig_read(fd, &b, false);
	t_stop = now_s() - t_stop;
	close(fd);
	check(libmvgpu_mig_set_state(&a.dev, VFIO_DEVICE_STATE_STOP, NULL),
	      "STOP");
	load_stop(&a);
	t_load = mig_load(&d, &b, stop_bytes);

	printf("  %-9s %-4s %-11s %7.1f %6u %8.1f %9.1f %6.2f%% %8.2f %8.2f %8.2f\n",
	       type, busy ? "busy" : "idle", precopy ? "pre-copy" : "stop-copy",
	       initial / MIB, rounds, rounds_bytes / MIB, stop_bytes / 1024.0,
	       100.0 * stop_bytes / a.gpu.vram_size, t_stop * 1e3,
	       attr(&a, "mig_stop_copy_ns") / 1e6, t_load * 1e3);
	libmvgpu_mig_stream_free(&b);
	inst_down(&d);
	inst_down(&a);
}

static void part_migration(void)
{
	static const char *const types[] = { "mvgpu-1_8", "mvgpu-1_1" };
	unsigned int i, j;

	printf("\n== 7: live migration (device side; VRAM of a 1/8 and a 1/1 vGPU, 4 MiB of it data,\n"
	       "   the rest zero; busy = GEMM+COPY load on that data)\n");
	printf("  %-9s %-4s %-11s %7s %6s %8s %9s %7s %8s %8s %8s\n",
	       "type", "load", "mode", "1st MiB", "rounds", "rnd MiB",
	       "stop KiB", "of VRAM", "stop ms", "dev ms", "load ms");
	for (i = 0; i < 2; i++)
		for (j = 0; j < 4; j++)
			mig_case(types[i], j & 1, j & 2);
	printf("  (pre-copy stops %u ms after its last pass; stop ms: STOP_COPY until the\n"
	       "   stream's end, as read here; dev ms: the device's own mig_stop_copy_ns;\n"
	       "   load ms: the destination (--parent2) writing the stop-copy part and\n"
	       "   going to STOP)\n", o.mig_gap_ms);
}

/* ---- main ----------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mvgpu-bench [options]\n"
		"  --parent NAME       physical GPU (default mvgpu0); it needs all its VRAM free\n"
		"  --parent2 NAME      part 7 destination GPU (default mvgpu1), all VRAM free\n"
		"  --parts LIST        parts to run, e.g. 1,3 (default 1,2,3,4,5,6,7)\n"
		"  --window S          part 1 window in seconds (6)\n"
		"  --agg-window S      part 3 window per phase in seconds (4)\n"
		"  --warmup S          warm-up before a window (2)\n"
		"  --load-dim N        GEMM size of the load streams (48)\n"
		"  --copy-mb N         part 2 copy size in MiB (4)\n"
		"  --copy-reps N       part 2 copies (8)\n"
		"  --gemm-dim N        part 2 GEMM size (96)\n"
		"  --gemm-reps N       part 2 GEMMs (4)\n"
		"  --rounds N          part 2 rounds, medians reported (9, max 16)\n"
		"  --lat-reps N        part 4 repetitions (50)\n"
		"  --shadow-mb N       part 5 VA size in MiB (1024)\n"
		"  --backing-mb N      part 5 memory the VA is aliased over (64)\n"
		"  --inv-reps N        part 5 one-page invalidates (100)\n"
		"  --sched-window S    part 6 window of the 64-vGPU run in seconds (5)\n"
		"  --mig-gap MS        part 7 time from the last pre-copy pass to the stop (100)\n");
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
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	double t0 = now_s();
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'p':
			o.parent = optarg;
			break;
		case 'D':
			o.parent2 = optarg;
			break;
		case 'P':
			snprintf(o.parts, sizeof(o.parts), "%s", optarg);
			break;
		case 'w':
			o.window = num(optarg);
			break;
		case 'a':
			o.agg_window = num(optarg);
			break;
		case 'W':
			o.warmup = num(optarg);
			break;
		case 'l':
			o.load_dim = num(optarg);
			break;
		case 'c':
			o.copy_mb = num(optarg);
			break;
		case 'C':
			o.copy_reps = num(optarg);
			break;
		case 'g':
			o.gemm_dim = num(optarg);
			break;
		case 'G':
			o.gemm_reps = num(optarg);
			break;
		case 'R':
			o.tp_rounds = num(optarg);
			break;
		case 'L':
			o.lat_reps = num(optarg);
			break;
		case 's':
			o.shadow_mb = num(optarg);
			break;
		case 'b':
			o.backing_mb = num(optarg);
			break;
		case 'i':
			o.inv_reps = num(optarg);
			break;
		case 'S':
			o.sched_window = num(optarg);
			break;
		case 'M':
			o.mig_gap_ms = num(optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (o.load_dim > 256 || o.gemm_dim > 1024 || o.lat_reps < 2 ||
	    o.tp_rounds > TP_MAX_ROUNDS ||
	    o.inv_reps < 1) {
		fprintf(stderr, "mvgpu-bench: sizes out of range\n");
		return 1;
	}
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);

	printf("mvgpu-bench on %s (numbers only, no pass/fail)\n", o.parent);
	if (strchr(o.parts, '1'))
		part_share();
	if (strchr(o.parts, '2'))
		part_throughput();
	if (strchr(o.parts, '3'))
		part_aggregate();
	if (strchr(o.parts, '4'))
		part_latency();
	if (strchr(o.parts, '5'))
		part_shadow();
	if (strchr(o.parts, '6'))
		part_sched();
	if (strchr(o.parts, '7'))
		part_migration();
	printf("\ntotal %.1f s\n", now_s() - t0);
	return 0;
}

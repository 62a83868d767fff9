// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu-bench part 2, throughput: one vGPU's COPY and GEMM throughput
 * through the mediator against the same work with no mediation
 * (mvgpu_sim's debugfs engine_bench, debugfs is mounted if needed) and
 * against this process's CPU.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>

#include "bench.h"

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
	bench_check(libmvgpu_emit_timestamp(&in->ctx, ts_va(in, n)), "timestamp");
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
	uint64_t b0 = inst_attr(in, "busy_ns");
	int64_t seq;
	double t;

	ts_mark(in, 1);
	seq = libmvgpu_ctx_fence(&in->ctx, in->gpu.irq_on);
	if (seq < 0)
		bench_die("fence", (int)seq);
	libmvgpu_ring_kick(&in->ctx);
	if (in->gpu.irq_on)
		bench_check(libmvgpu_ctx_wait_fence_irq(&in->ctx, seq, 600000), "wait");
	else
		bench_check(libmvgpu_ctx_wait_fence(&in->ctx, seq, 600000), "wait");
	t = (ts[1] - ts[0]) / 1e9;
	*in_run = (inst_attr(in, "busy_ns") - b0) / 1e9 / t;
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
	const char *k = opt.parent;
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

void part_throughput(void)
{
	uint64_t size = (uint64_t)opt.copy_mb << 20, d = opt.gemm_dim;
	/* B starts on a page of its own: engine_bench maps whole pages */
	uint64_t bofs = (4 * d * d + LIBMVGPU_PAGE_SIZE - 1) & ~(LIBMVGPU_PAGE_SIZE - 1);
	double bytes = (double)size * opt.copy_reps, t, tb;
	double macs = (double)d * d * d * opt.gemm_reps;
	/*
	 * per round: [0] VRAM copy, [1] guest RAM copy, [2] and [3] the same
	 * without mediation on the same pages, [4] memcpy
	 */
	double cp[5][TP_MAX_ROUNDS], gm[3][TP_MAX_ROUNDS], m[5];
	/* share of the timed span spent in the backend's engine_run */
	double in_run[3][TP_MAX_ROUNDS];
	const uint64_t src_va = 0x100000000ull, dst_va = 0x180000000ull;
	uint64_t src_gpa, dst_gpa, seed = 1;
	unsigned int r, k, rounds = opt.tp_rounds;
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
	inst_up(&in, "mvgpu-1_2", 2 * opt.copy_mb + 8);
	/*
	 * Sleep on the fence interrupt, as a guest driver does: a polling
	 * waiter would take CPU time from the model's engine thread, which a
	 * real GPU's engine does not share.
	 */
	bench_check(libmvgpu_gpu_irq_enable(&in.gpu, MVGPU_IRQ_FENCE(in.ctx.idx)),
		    "MSI");
	if (2 * size > in.work_size || bofs + 4 * d * d > size)
		bench_die("copy / GEMM sizes do not fit", E2BIG);
	bench_check(libmvgpu_gpu_alloc(&in.gpu, size, 0, &src_gpa, &gs), "alloc");
	bench_check(libmvgpu_gpu_alloc(&in.gpu, size, 0, &dst_gpa, &gd), "alloc");
	bench_check(libmvgpu_pt_map(&in.pt, src_va, src_gpa, size, LIBMVGPU_MAP_WRITE),
		    "map");
	bench_check(libmvgpu_pt_map(&in.pt, dst_va, dst_gpa, size, LIBMVGPU_MAP_WRITE),
		    "map");
	libmvgpu_ctx_tlb_inv(&in.ctx, src_va, 2 * (dst_va - src_va));
	s = malloc(size);
	dd = malloc(size);
	ref = malloc(4 * d * d);
	ab = malloc(8 * d * d);
	if (!s || !dd || !ref || !ab)
		bench_die("malloc", ENOMEM);
	memset(in.gpu.vram, 0x5a, 2 * size);
	memset(s, 0x5a, size);
	memset(dd, 0, size);

	for (r = 0; r < rounds; r++) {
		/* COPY VRAM -> VRAM */
		ts_mark(&in, 0);
		for (k = 0; k < opt.copy_reps; k++)
			bench_check(libmvgpu_emit_copy(&in.ctx, WORK_VA, WORK_VA + size,
						       size), "copy");
		t = run_timed(&in, &in_run[0][r]);
		cp[0][r] = bytes / t / MIB;
		/* COPY guest RAM -> guest RAM */
		memset(gs, 0xa5 ^ r, size);
		ts_mark(&in, 0);
		for (k = 0; k < opt.copy_reps; k++)
			bench_check(libmvgpu_emit_copy(&in.ctx, src_va, dst_va, size),
				    "copy");
		t = run_timed(&in, &in_run[1][r]);
		cp[1][r] = bytes / t / MIB;
		if (memcmp(gs, gd, size))
			printf("    WARNING: the copied guest memory differs\n");
		/* no mediation, on the same VRAM and guest RAM pages */
		cp[2][r] = have_nomed ?
			   nomed_bench("copy", size, opt.copy_reps, in.gpu.vram,
				       (char *)in.gpu.vram + size, NULL) / MIB : 0;
		cp[3][r] = have_nomed ?
			   nomed_bench("copy", size, opt.copy_reps, gs, gd,
				       NULL) / MIB : 0;
		if (cp[2][r] <= 0 || cp[3][r] <= 0)
			have_nomed = false;
		/* CPU memcpy */
		tb = bench_now_s();
		for (k = 0; k < opt.copy_reps; k++) {
			memcpy(dd, s, size);
			__asm__ volatile("" : : "r"(dd) : "memory");
		}
		cp[4][r] = bytes / (bench_now_s() - tb) / MIB;

		/* GEMM_I32 in guest RAM: A, then B at the next page, in src; C in dst */
		a = gs;
		c = gd;
		for (k = 0; k < d * d; k++) {
			a[k] = (int32_t)libmvgpu_rand64(&seed);
			a[bofs / 4 + k] = (int32_t)libmvgpu_rand64(&seed);
		}
		ts_mark(&in, 0);
		for (k = 0; k < opt.gemm_reps; k++)
			bench_check(libmvgpu_emit_gemm(&in.ctx, src_va, src_va + bofs,
						       dst_va, d, d, d), "gemm");
		t = run_timed(&in, &in_run[2][r]);
		gm[0][r] = macs / t / 1e6;
		memcpy(ab, a, 4 * d * d);
		memcpy(ab + d * d, a + bofs / 4, 4 * d * d);
		tb = bench_now_s();
		for (k = 0; k < opt.gemm_reps; k++)
			libmvgpu_ref_gemm_i32(ab, ab + d * d, ref, d, d, d);
		gm[2][r] = macs / (bench_now_s() - tb) / 1e6;
		if (memcmp(c, ref, 4 * d * d))
			printf("    WARNING: the engine's GEMM differs from the CPU reference\n");
		gm[1][r] = have_nomed ?
			   nomed_bench("gemm", d, opt.gemm_reps, gs,
				       (char *)gs + bofs, gd) / 1e6 : 0;
		if (gm[1][r] <= 0)
			have_nomed = false;
	}

	for (k = 0; k < 5; k++)
		m[k] = median(cp[k], rounds);
	printf("    COPY %u x %u MiB (MiB/s)\n", opt.copy_reps, opt.copy_mb);
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
	printf("    GEMM_I32 %u x %llu^3 (M MAC/s)\n", opt.gemm_reps,
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

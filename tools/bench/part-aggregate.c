// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu-bench part 3, aggregate: the GEMM throughput of 8 busy vGPUs
 * against 1.
 */
#include <unistd.h>

#include "bench.h"

#define AGG_INST	8

static double agg_rate(struct inst *in, int n)
{
	uint64_t f0[AGG_INST], done = 0;
	double t;
	int i;

	for (i = 0; i < n; i++)
		inst_load_start(&in[i], false);
	sleep(opt.warmup);
	t = bench_now_s();
	for (i = 0; i < n; i++)
		f0[i] = libmvgpu_ctx_fence_reg(&in[i].ctx);
	sleep(opt.agg_window);
	for (i = 0; i < n; i++)
		done += libmvgpu_ctx_fence_reg(&in[i].ctx) - f0[i];
	t = bench_now_s() - t;
	for (i = 0; i < n; i++)
		inst_load_stop(&in[i]);
	return done / t;
}

void part_aggregate(void)
{
	static struct inst in[AGG_INST];
	double one, eight;
	int i;

	printf("\n[3] aggregate throughput, GEMM %u^3 streams on mvgpu-1_8 vGPUs of %s,\n"
	       "    completed commands over %u s after %u s warm-up\n",
	       opt.load_dim, opt.parent, opt.agg_window, opt.warmup);
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

// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu-bench part 1, share: the engine-time share of three busy vGPUs
 * with weights 1:2:4 (busy_ns deltas over a window) against the ideal
 * 1/7, 2/7, 4/7.
 */
#include <stdlib.h>
#include <unistd.h>

#include "bench.h"

void part_share(void)
{
	static const unsigned int w[3] = { 1, 2, 4 };
	struct inst in[3];
	uint64_t b0[3], sw0[3], d[3], sum = 0;
	double maxdev = 0, t0, t;
	int i;

	printf("\n[1] engine-time share, weights 1:2:4, 3 x mvgpu-1_8 on %s,\n"
	       "    GEMM %u^3 / COPY 256 KiB streams, busy_ns over %u s after %u s warm-up\n",
	       opt.parent, opt.load_dim, opt.window, opt.warmup);
	for (i = 0; i < 3; i++) {
		inst_up(&in[i], "mvgpu-1_8", 1);
		bench_check(libmvgpu_mdev_write_u64(in[i].uuid, "weight", w[i]),
			    "set weight");
	}
	for (i = 0; i < 3; i++)
		inst_load_start(&in[i], true);
	sleep(opt.warmup);
	t0 = bench_now_s();
	for (i = 0; i < 3; i++) {
		b0[i] = inst_attr(&in[i], "busy_ns");
		sw0[i] = inst_attr(&in[i], "context_switches");
	}
	sleep(opt.window);
	for (i = 0; i < 3; i++) {
		d[i] = inst_attr(&in[i], "busy_ns") - b0[i];
		sw0[i] = inst_attr(&in[i], "context_switches") - sw0[i];
		sum += d[i];
	}
	t = bench_now_s() - t0;
	for (i = 0; i < 3; i++)
		inst_load_stop(&in[i]);
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

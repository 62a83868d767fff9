// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu-bench part 9, container: what a program in a container sees
 * through libmvgpu_accel's VFIO backend (mva_open("vfio:UUID"), the path
 * of mvgpu-run with MVGPU_DEVICE=vfio:UUID): the open, the round trip of
 * a tiny command (mva_submit + mva_wait), submissions per second with
 * several in flight, and COPY throughput as the program sees it
 * (submission and wait included). The VM path's figures come from
 * mvgpu-run in a nested guest (Documentation/mvgpu/guest-driver.rst).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <drm/mvgpu_accel.h>

#include "bench.h"
#include "guest/libmvgpu_accel.h"

#define CT_DEPTH	16	/* submissions in flight for the rate */
#define CT_WAIT_MS	600000

static uint64_t ct_round_trip(struct mva_dev *d, struct mva_cmds *c)
{
	uint64_t t0 = libmvgpu_now_ns(), seq;

	bench_check(mva_submit(d, c, &seq), "mva_submit");
	bench_check(mva_wait(d, seq, CT_WAIT_MS, NULL, NULL), "mva_wait");
	return libmvgpu_now_ns() - t0;
}

/* MiB/s of reps COPYs of bytes from src to dst, each waited for. */
static double ct_copy(struct mva_dev *d, const struct mva_bo *src,
		      const struct mva_bo *dst, uint64_t bytes)
{
	struct mva_cmds c;
	uint64_t t = 0;
	unsigned int i;

	mva_cmds_init(&c);
	mva_emit_copy(&c, src->va, dst->va, bytes);
	ct_round_trip(d, &c);	/* first touch: pins and shadows */
	for (i = 0; i < opt.copy_reps; i++)
		t += ct_round_trip(d, &c);
	mva_cmds_free(&c);
	if (memcmp(src->cpu, dst->cpu, bytes))
		printf("    WARNING: the copy differs from its source\n");
	return (double)bytes * opt.copy_reps / MIB / (t / 1e9);
}

void part_container(void)
{
	unsigned int n = opt.lat_reps * 4, i, done;
	uint64_t bytes = (uint64_t)opt.copy_mb << 20, seq[CT_DEPTH];
	struct mva_bo stamp, src, dst, vdst;
	uint64_t *lat, t0, t_open;
	struct mva_cmds c;
	struct mva_dev d;
	struct inst in;
	char dev[64];
	double t;

	printf("\n[9] container path: libmvgpu_accel over VFIO, one mvgpu-1_4 vGPU\n");
	inst_create(&in, opt.parent, "mvgpu-1_4");
	snprintf(dev, sizeof(dev), "vfio:%s", in.uuid);
	lat = calloc(n, sizeof(*lat));
	if (!lat)
		bench_die("calloc", ENOMEM);

	t0 = libmvgpu_now_ns();
	bench_check(mva_open(&d, dev), dev);
	t_open = libmvgpu_now_ns() - t0;
	printf("    mva_open(\"vfio:UUID\") (VFIO open, context set up): %.1f ms\n",
	       t_open / 1e6);

	/* a tiny command: one TIMESTAMP, plus the fence the backend adds */
	bench_check(mva_bo_new(&d, 4096, 0, 0, &stamp), "buffer");
	mva_cmds_init(&c);
	mva_emit_timestamp(&c, stamp.va);
	ct_round_trip(&d, &c);
	for (i = 0; i < n; i++)
		lat[i] = ct_round_trip(&d, &c);
	bench_stats("mva_submit + mva_wait, 1 command:", lat, n);
	printf("    round trip median %.1f us, p99 %.1f us (%u round trips)\n",
	       lat[n / 2] / 1e3, lat[n * 99 / 100] / 1e3, n);

	/* the rate with CT_DEPTH in flight */
	t0 = libmvgpu_now_ns();
	for (i = 0, done = 0; i < n * 4; i++) {
		if (i - done == CT_DEPTH)
			bench_check(mva_wait(&d, seq[done++ % CT_DEPTH], CT_WAIT_MS,
					     NULL, NULL), "mva_wait");
		bench_check(mva_submit(&d, &c, &seq[i % CT_DEPTH]), "mva_submit");
	}
	while (done < i)
		bench_check(mva_wait(&d, seq[done++ % CT_DEPTH], CT_WAIT_MS, NULL,
				     NULL), "mva_wait");
	t = (libmvgpu_now_ns() - t0) / 1e9;
	printf("    submissions/s, %u in flight:       %9.0f (%u submissions)\n",
	       CT_DEPTH, n * 4 / t, n * 4);
	mva_cmds_free(&c);

	bench_check(mva_bo_new(&d, bytes, 0, 1, &src), "source");
	bench_check(mva_bo_new(&d, bytes, 0, 0, &dst), "destination");
	bench_check(mva_bo_new(&d, bytes, 1, 0, &vdst), "VRAM destination");
	for (i = 0; i < bytes / 8; i++)
		((uint64_t *)src.cpu)[i] = i * 0x9e3779b97f4a7c15ull;
	printf("    COPY %u x %u MiB, each submitted and waited for (MiB/s)\n",
	       opt.copy_reps, opt.copy_mb);
	printf("      system memory -> system memory    %9.1f\n",
	       ct_copy(&d, &src, &dst, bytes));
	printf("      system memory -> VRAM             %9.1f\n",
	       ct_copy(&d, &src, &vdst, bytes));
	printf("    (the VM path: mvgpu-run's MBps in a nested guest; part 2 gives\n"
	       "     the engine's own time for a COPY through the mediator)\n");

	mva_bo_free(&d, &vdst);
	mva_bo_free(&d, &dst);
	mva_bo_free(&d, &src);
	mva_bo_free(&d, &stamp);
	mva_close(&d);
	free(lat);
	inst_down(&in);
}

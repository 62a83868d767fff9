// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu-bench: the vGPUs under test, their load generators and helpers
 * the parts share (see bench.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* The vGPUs up, for bench_cleanup(). */
static struct inst *all_inst[MAX_INST];

void bench_die(const char *what, int err)
{
	fprintf(stderr, "mvgpu-bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

void inst_down(struct inst *in)
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

void bench_cleanup(void)
{
	int i;

	for (i = 0; i < MAX_INST; i++)
		if (all_inst[i])
			inst_down(all_inst[i]);
}

void inst_create(struct inst *in, const char *parent, const char *type)
{
	int ret, i;

	memset(in, 0, sizeof(*in));
	for (i = 0; i < MAX_INST && all_inst[i]; i++)
		;
	if (i == MAX_INST)
		bench_die("too many instances", EBUSY);
	all_inst[i] = in;
	ret = libmvgpu_mdev_create(parent, type, in->uuid);
	if (ret)
		bench_die("create vGPU", ret);
	in->created = true;
}

/* Create and open a vGPU of type on parent, with ram_mb of guest RAM. */
void inst_up_on(struct inst *in, const char *parent, const char *type,
		size_t ram_mb)
{
	uint64_t vram;
	int ret;

	inst_create(in, parent, type);
	ret = libmvgpu_open(&in->dev, in->uuid);
	if (ret)
		bench_die("open vGPU", ret);
	in->open = true;
	ret = libmvgpu_gpu_init(&in->gpu, &in->dev, LIBMVGPU_RAM_IOVA_DEFAULT,
				ram_mb << 20);
	if (ret)
		bench_die("guest RAM / BAR2", ret);
	in->gpu_up = true;
	ret = libmvgpu_pt_init(&in->pt, &in->gpu);
	if (ret)
		bench_die("page table", ret);
	vram = in->gpu.vram_size;
	in->work_size = vram;
	ret = libmvgpu_pt_map(&in->pt, WORK_VA, 0, vram,
			      LIBMVGPU_MAP_VRAM | LIBMVGPU_MAP_WRITE |
			   (vram >= LIBMVGPU_LARGE_PAGE_SIZE ? LIBMVGPU_MAP_LARGE : 0));
	if (!ret)
		ret = libmvgpu_ctx_init(&in->ctx, &in->gpu, &in->pt, 0, RING_SIZE);
	if (ret)
		bench_die("context", ret);
	/* GEMMs, and COPYs 1 MiB into the work when mixed */
	libmvgpu_load_init(&in->load, &in->ctx, WORK_VA, opt.load_dim);
	in->load.copy_src = WORK_VA + (1 << 20);
	in->load.copy_dst = WORK_VA + (2 << 20);
	in->load.nap_min_us = 500;
	in->load.nap_max_us = 100000;
}

void inst_up(struct inst *in, const char *type, size_t ram_mb)
{
	inst_up_on(in, opt.parent, type, ram_mb);
}

uint64_t inst_attr(struct inst *in, const char *name)
{
	uint64_t v = 0;

	libmvgpu_mdev_read_u64(in->uuid, name, &v);
	return v;
}

double bench_now_s(void)
{
	return libmvgpu_now_ns() / 1e9;
}

void bench_check(int ret, const char *what)
{
	if (ret)
		bench_die(what, ret);
}

/* Keep the vGPU's ring full: GEMMs, with COPYs in between when mixed. */
void inst_load_start(struct inst *in, bool mixed)
{
	in->load.gemm_dim = opt.load_dim;
	in->load.copy_size = mixed ? 256 << 10 : 0;
	bench_check(libmvgpu_load_start(&in->load), "thread");
}

void inst_load_stop(struct inst *in)
{
	int err;

	if (!in->load.running)
		return;
	err = libmvgpu_load_stop(&in->load);
	if (err)
		bench_die("load stream", err);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void bench_stats(const char *what, uint64_t *v, unsigned int n)
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

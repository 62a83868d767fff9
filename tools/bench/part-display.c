// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu-bench part 8, display: what the display head costs. A mode set
 * (the five plane registers and DISP_CONTROL, six trapped writes), a flip
 * (DISP_FB_BASE_LO and DISP_CONTROL: the VMM's view follows, its window
 * moves), a refused commit, and VFIO_DEVICE_QUERY_GFX_PLANE, each timed
 * per call through the device file; then what a vGPU flipping as fast as
 * it can costs another one: the other's engine time while its neighbour
 * idles and while it flips.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/mvgpu.h>
#include <linux/vfio.h>

#include "bench.h"

#define DISP_REPS	2000
#define DISP_W		1024
#define DISP_H		768

static void wr(struct inst *in, uint32_t off, uint32_t val)
{
	bench_check(libmvgpu_reg_write(&in->dev, off, val), "display register");
}

static void mode_set(struct inst *in, uint64_t base)
{
	wr(in, MVGPU_REG_DISP_FB_BASE_LO, (uint32_t)base);
	wr(in, MVGPU_REG_DISP_FB_BASE_HI, (uint32_t)(base >> 32));
	wr(in, MVGPU_REG_DISP_FB_FORMAT, MVGPU_DISP_FORMAT_XRGB8888);
	wr(in, MVGPU_REG_DISP_FB_WIDTH, DISP_W);
	wr(in, MVGPU_REG_DISP_FB_HEIGHT, DISP_H);
	wr(in, MVGPU_REG_DISP_FB_STRIDE, DISP_W * 4);
	wr(in, MVGPU_REG_DISP_CONTROL, MVGPU_DISP_CONTROL_ENABLE);
}

static void flip(struct inst *in, unsigned int i)
{
	wr(in, MVGPU_REG_DISP_FB_BASE_LO, (i & 1) ? DISP_W * DISP_H * 4 : 0);
	wr(in, MVGPU_REG_DISP_CONTROL, MVGPU_DISP_CONTROL_ENABLE);
}

static void query(struct inst *in)
{
	struct vfio_device_gfx_plane_info p = {
		.argsz = sizeof(p),
		.flags = VFIO_GFX_PLANE_TYPE_REGION,
	};

	if (ioctl(in->dev.device, VFIO_DEVICE_QUERY_GFX_PLANE, &p))
		bench_die("VFIO_DEVICE_QUERY_GFX_PLANE", errno);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Time DISP_REPS calls of one operation; print their statistics. */
static void timed(const char *what, struct inst *in,
		  void (*op)(struct inst *in, unsigned int i))
{
	uint64_t *v = calloc(DISP_REPS, sizeof(*v));
	unsigned int i;

	if (!v)
		bench_die("calloc", ENOMEM);
	for (i = 0; i < DISP_REPS; i++) {
		double t = bench_now_s();

		op(in, i);
		v[i] = (uint64_t)((bench_now_s() - t) * 1e9);
	}
	qsort(v, DISP_REPS, sizeof(*v), cmp_u64);
	bench_stats(what, v, DISP_REPS);
	free(v);
}

static void op_mode_set(struct inst *in, unsigned int i)
{
	mode_set(in, (i & 1) ? DISP_W * DISP_H * 4 : 0);
}

static void op_refused(struct inst *in, unsigned int i)
{
	(void)i;
	/* a stride below width * 4: DISP_ERROR, the plane stays */
	wr(in, MVGPU_REG_DISP_FB_STRIDE, 4);
	wr(in, MVGPU_REG_DISP_CONTROL, MVGPU_DISP_CONTROL_ENABLE);
	wr(in, MVGPU_REG_DISP_FB_STRIDE, DISP_W * 4);
}

static void op_query(struct inst *in, unsigned int i)
{
	(void)i;
	query(in);
}

static volatile int flipping;

static void *flipper(void *arg)
{
	unsigned int i = 0;

	while (flipping)
		flip(arg, i++);
	return NULL;
}

/* The neighbour's engine time over the window, in ms. */
static double busy_ms(struct inst *b)
{
	uint64_t b0 = inst_attr(b, "busy_ns");

	sleep(opt.window);
	return (inst_attr(b, "busy_ns") - b0) / 1e6;
}

void part_display(void)
{
	struct inst in[2];
	double idle, busy;
	pthread_t th;

	memset(in, 0, sizeof(in));
	printf("== part 8: display (%s; %ux%u XRGB8888, %u calls each)\n",
	       opt.parent, DISP_W, DISP_H, DISP_REPS);
	inst_up(&in[0], "mvgpu-1_8", 1);
	mode_set(&in[0], 0);
	timed("    mode set (6 register writes)", &in[0], op_mode_set);
	timed("    flip (2 register writes, window moves)", &in[0], flip);
	timed("    refused commit (3 register writes)", &in[0], op_refused);
	timed("    VFIO_DEVICE_QUERY_GFX_PLANE", &in[0], op_query);

	inst_up(&in[1], "mvgpu-1_8", 1);
	inst_load_start(&in[1], false);
	sleep(opt.warmup);
	idle = busy_ms(&in[1]);
	flipping = 1;
	if (pthread_create(&th, NULL, flipper, &in[0]))
		bench_die("pthread_create", EAGAIN);
	busy = busy_ms(&in[1]);
	flipping = 0;
	pthread_join(th, NULL);
	inst_load_stop(&in[1]);
	printf("    a busy neighbour's engine time over %u s: %.0f ms while this vGPU idles, %.0f ms while it flips without pause (%.1f%%)\n",
	       opt.window, idle, busy, idle > 0 ? 100.0 * busy / idle : 0.0);
	inst_down(&in[1]);
	inst_down(&in[0]);
}

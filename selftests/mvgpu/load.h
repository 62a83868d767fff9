/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A busy vGPU for the scheduler tests: the load generator of libmvgpu
 * (lib/mvgpu_load.h) keeps its ring full of GEMMs and COPYs on its own
 * VRAM, with a fence every 16 commands.
 */
#ifndef _MVGPU_SELFTEST_LOAD_H
#define _MVGPU_SELFTEST_LOAD_H

#include "engine_test.h"
#include "lib/mvgpu_load.h"

#define LOAD_RING_SIZE	(64u << 10)
#define VRAM_WORK	(1u << 20)	/* VRAM mapped for the work */
#define LOAD_GEMM_DIM	48
#define LOAD_COPY_SIZE	(128u << 10)

/* One vGPU with a feeder thread that keeps its ring full of work. */
struct load {
	struct et_gpu g;
	struct libmvgpu_ctx ctx;
	struct et_buf work;	/* VRAM: GEMM operands and copy buffers */
	struct libmvgpu_load feed;	/* feed.err: why the feeder stopped */
};

/* Create and open a vGPU of type on parent, with its work buffer. */
int load_up(struct load *l, const char *parent, const struct mt_type *type,
	    char *msg, size_t len);
/* Emit one command: GEMM and COPY alternately, within the work buffer. */
int load_emit(struct load *l);
/* Start and stop the feeder; load_down() also removes the vGPU. */
int load_start(struct load *l);
void load_stop(struct load *l);
int load_down(struct load *l);
/* Its busy_ns now. */
uint64_t load_busy(struct load *l);

#endif /* _MVGPU_SELFTEST_LOAD_H */

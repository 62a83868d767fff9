/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lib/mvgpu_load: a load generator. A feeder thread keeps one context's
 * ring full of GEMMs (and, when asked, COPYs in between) on a work buffer
 * the context maps, with a fence every few commands, until it is stopped.
 * The scheduler selftests and mvgpu-bench make their busy vGPUs with it.
 *
 * Functions that can fail return 0 or a negative errno value.
 */
#ifndef LIBMVGPU_LOAD_H
#define LIBMVGPU_LOAD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/mvgpu_gpu.h"

/* The feeder tops the ring up while at least this much of it is free. */
#define LIBMVGPU_LOAD_ROOM	4096

/*
 * The work (set the fields up to nap_max_us before libmvgpu_load_start();
 * libmvgpu_load_init() fills in the defaults), then the feeder's state.
 */
struct libmvgpu_load {
	struct libmvgpu_ctx *ctx;
	/* GEMM of gemm_dim x gemm_dim: A, B and C at va + 0, 4, 8 * dim^2 */
	uint64_t va;
	unsigned int gemm_dim;
	/* copy_size: every other command copies copy_src to copy_dst */
	uint64_t copy_src;
	uint64_t copy_dst;
	uint64_t copy_size;
	/* a libmvgpu_ctx_fence() after every fence_every commands */
	unsigned int fence_every;
	/*
	 * The feeder naps between refills: 5 ms, or, when nap_min_us <
	 * nap_max_us, from 5 ms halved (while above nap_min_us) after more
	 * than half of the ring drained, doubled (while below nap_max_us)
	 * after less than a quarter did: under TCG the model's engine is a
	 * CPU thread too, and every wake-up (register reads are system
	 * calls) takes time from it that a real GPU's engine would not lose.
	 */
	unsigned int nap_min_us;
	unsigned int nap_max_us;

	pthread_t thread;
	bool running;
	bool stop;		/* atomic: read by the feeder */
	uint64_t emitted;	/* GEMMs and COPYs emitted */
	int err;		/* why the feeder stopped by itself */
};

/*
 * GEMMs of gemm_dim at va on ctx, no COPY, a fence every command, a
 * fixed 5 ms nap.
 */
void libmvgpu_load_init(struct libmvgpu_load *l, struct libmvgpu_ctx *ctx,
			uint64_t va, unsigned int gemm_dim);
/* Emit the next command (GEMM or COPY, no fence), as the feeder does. */
int libmvgpu_load_emit(struct libmvgpu_load *l);
/* Start the feeder thread (err is kept from an earlier run). */
int libmvgpu_load_start(struct libmvgpu_load *l);
/* Stop and join it (no-op when not running); returns its err. */
int libmvgpu_load_stop(struct libmvgpu_load *l);

#endif /* LIBMVGPU_LOAD_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * lib/mvgpu_load: a feeder thread that keeps a ring full (see
 * mvgpu_load.h).
 */
#include <errno.h>
#include <string.h>

#include "mvgpu_load.h"

#define NAP_START_US	5000

void libmvgpu_load_init(struct libmvgpu_load *l, struct libmvgpu_ctx *ctx,
			uint64_t va, unsigned int gemm_dim)
{
	memset(l, 0, sizeof(*l));
	l->ctx = ctx;
	l->va = va;
	l->gemm_dim = gemm_dim;
	l->fence_every = 1;
	l->nap_min_us = NAP_START_US;
	l->nap_max_us = NAP_START_US;
}

int libmvgpu_load_emit(struct libmvgpu_load *l)
{
	uint64_t va = l->va, d = l->gemm_dim;
	int ret;

	if (l->copy_size && (l->emitted & 1))
		ret = libmvgpu_emit_copy(l->ctx, l->copy_src, l->copy_dst,
					 l->copy_size);
	else
		ret = libmvgpu_emit_gemm(l->ctx, va, va + 4 * d * d,
					 va + 8 * d * d, d, d, d);
	if (!ret)
		l->emitted++;
	return ret;
}

static bool load_stopping(struct libmvgpu_load *l)
{
	return __atomic_load_n(&l->stop, __ATOMIC_RELAXED);
}

/* Top the ring up, keeping room for the fence. */
static int load_fill(struct libmvgpu_load *l)
{
	int64_t seq;
	int ret;

	while (!load_stopping(l) &&
	       libmvgpu_ring_update(l->ctx) >= LIBMVGPU_LOAD_ROOM) {
		ret = libmvgpu_load_emit(l);
		if (ret)
			return ret;
		if (l->fence_every && !(l->emitted % l->fence_every)) {
			seq = libmvgpu_ctx_fence(l->ctx, false);
			if (seq < 0)
				return (int)seq;
		}
	}
	return 0;
}

static void *load_feeder(void *arg)
{
	struct libmvgpu_load *l = arg;
	uint32_t ring_size = l->ctx->ring_size, free_bytes;
	unsigned int nap_us = NAP_START_US;

	while (!load_stopping(l)) {
		if (l->nap_min_us < l->nap_max_us) {
			free_bytes = libmvgpu_ring_update(l->ctx);
			/* drained more than half: look sooner */
			if (free_bytes > ring_size / 2 && nap_us > l->nap_min_us)
				nap_us /= 2;
			else if (free_bytes < ring_size / 4 &&
				 nap_us < l->nap_max_us)
				nap_us *= 2;
		}
		l->err = load_fill(l);
		if (l->err)
			return NULL;
		libmvgpu_ring_kick(l->ctx);
		if (libmvgpu_ctx_rd(l->ctx, MVGPU_CTX_STATUS) &
		    MVGPU_CTX_STATUS_FAULTED) {
			l->err = -EFAULT;
			return NULL;
		}
		libmvgpu_sleep_us(nap_us);
	}
	return NULL;
}

int libmvgpu_load_start(struct libmvgpu_load *l)
{
	int ret;

	l->stop = false;
	ret = -pthread_create(&l->thread, NULL, load_feeder, l);
	if (!ret)
		l->running = true;
	return ret;
}

int libmvgpu_load_stop(struct libmvgpu_load *l)
{
	if (l->running) {
		__atomic_store_n(&l->stop, true, __ATOMIC_RELAXED);
		pthread_join(l->thread, NULL);
		l->running = false;
	}
	return l->err;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * A busy vGPU for the scheduler tests (see load.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "load.h"

int load_up(struct load *l, const char *parent, const struct mt_type *type,
	    char *msg, size_t len)
{
	int ret;

	memset(l, 0, sizeof(*l));
	l->gemm_dim = LOAD_GEMM_DIM;
	ret = et_up(&l->g, parent, type, 1 << 20, msg, len);
	if (ret)
		return ret;
	ret = et_buf_vram(&l->g.gpu, &l->g.pt, ET_VA_VRAM, 0, VRAM_WORK,
			  LIBMVGPU_MAP_WRITE, &l->work);
	if (!ret) {
		uint64_t seed = (uintptr_t)l;

		/* non-zero operands: the results show up in VRAM */
		et_random_fill(l->work.cpu, VRAM_WORK, &seed);
	}
	if (!ret)
		ret = libmvgpu_ctx_init(&l->ctx, &l->g.gpu, &l->g.pt, 0,
					LOAD_RING_SIZE);
	if (ret)
		snprintf(msg, len, "context: %s", strerror(-ret));
	return ret;
}

int load_emit(struct load *l)
{
	uint64_t va = l->work.va;
	uint32_t d = l->gemm_dim;
	int ret;

	if (l->emitted & 1)
		ret = libmvgpu_emit_copy(&l->ctx, va + VRAM_WORK / 2,
					 va + VRAM_WORK / 2 + LOAD_COPY_SIZE,
				      LOAD_COPY_SIZE);
	else
		ret = libmvgpu_emit_gemm(&l->ctx, va, va + 4 * d * d,
					 va + 8 * d * d, d, d, d);
	if (!ret)
		l->emitted++;
	return ret;
}

static void *feeder(void *arg)
{
	struct load *l = arg;

	while (!__atomic_load_n(&l->stop, __ATOMIC_RELAXED)) {
		/* top up, keeping room for the fence */
		while (!__atomic_load_n(&l->stop, __ATOMIC_RELAXED) &&
		       libmvgpu_ring_update(&l->ctx) >= 4096) {
			l->err = load_emit(l);
			if (l->err)
				return NULL;
			if (!(l->emitted % 16) && libmvgpu_ctx_fence(&l->ctx,
								     false) < 0) {
				l->err = -EIO;
				return NULL;
			}
		}
		libmvgpu_ring_kick(&l->ctx);
		if (libmvgpu_ctx_rd(&l->ctx, MVGPU_CTX_STATUS) &
		    MVGPU_CTX_STATUS_FAULTED) {
			l->err = -EFAULT;
			return NULL;
		}
		libmvgpu_sleep_us(5000);
	}
	return NULL;
}

int load_start(struct load *l)
{
	int ret;

	l->stop = false;
	ret = -pthread_create(&l->thread, NULL, feeder, l);
	if (!ret)
		l->running = true;
	return ret;
}

void load_stop(struct load *l)
{
	if (!l->running)
		return;
	__atomic_store_n(&l->stop, true, __ATOMIC_RELAXED);
	pthread_join(l->thread, NULL);
	l->running = false;
}

int load_down(struct load *l)
{
	load_stop(l);
	return et_down(&l->g);
}

uint64_t load_busy(struct load *l)
{
	return et_attr(l->g.v.uuid, "busy_ns");
}

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
	struct libmvgpu_load *f = &l->feed;
	int ret;

	memset(l, 0, sizeof(*l));
	ret = et_up_flags(&l->g, parent, type, 1 << 20, ET_UNMAPPED_OK, msg,
			  len);
	if (ret)
		return ret;
	ret = et_buf_vram(&l->g.gpu, &l->g.pt, ET_VA_VRAM, 0, VRAM_WORK,
			  LIBMVGPU_MAP_WRITE, &l->work);
	if (!ret) {
		uint64_t seed = (uintptr_t)l;

		/* non-zero operands: the results show up in VRAM */
		et_random_fill(l->work.cpu, VRAM_WORK, &seed);
		ret = et_buf_push(&l->work);
	}
	if (!ret)
		ret = libmvgpu_ctx_init(&l->ctx, &l->g.gpu, &l->g.pt, 0,
					LOAD_RING_SIZE);
	if (ret) {
		snprintf(msg, len, "context: %s", strerror(-ret));
		return ret;
	}
	libmvgpu_load_init(f, &l->ctx, l->work.va, LOAD_GEMM_DIM);
	f->copy_src = l->work.va + VRAM_WORK / 2;
	f->copy_dst = f->copy_src + LOAD_COPY_SIZE;
	f->copy_size = LOAD_COPY_SIZE;
	f->fence_every = 16;
	return 0;
}

int load_emit(struct load *l)
{
	return libmvgpu_load_emit(&l->feed);
}

int load_start(struct load *l)
{
	return libmvgpu_load_start(&l->feed);
}

void load_stop(struct load *l)
{
	libmvgpu_load_stop(&l->feed);
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

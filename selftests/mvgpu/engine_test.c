// SPDX-License-Identifier: GPL-2.0
/*
 * Shared helpers of the command-engine selftests.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine_test.h"

int et_up_flags(struct et_gpu *g, const char *parent,
		const struct mt_type *type, size_t ram_size, unsigned int flags,
		char *msg, size_t len)
{
	int ret;

	memset(g, 0, sizeof(*g));
	mt_vgpu_init(&g->v);
	ret = mt_vgpu_create_open(&g->v, parent, type);
	if (ret) {
		snprintf(msg, len, "create/open %s on %s: %s", type->dir,
			 parent, strerror(-ret));
		return ret;
	}
	g->owner = getpid();
	if (flags & ET_UNMAPPED_OK)
		ret = libmvgpu_gpu_init_unmapped_ok(&g->gpu, &g->v.dev,
						    ET_RAM_IOVA, ram_size);
	else
		ret = libmvgpu_gpu_init(&g->gpu, &g->v.dev, ET_RAM_IOVA,
					ram_size);
	if (ret) {
		snprintf(msg, len, "guest RAM / BAR2: %s", strerror(-ret));
		return ret;
	}
	g->up = true;
	/* unmapped only where the kernel cannot map BAR2 */
	if (!g->gpu.vram && mt_kernel_vfio_inode() != 0) {
		snprintf(msg, len, "BAR2 not mapped on a kernel that maps it");
		return -EPROTO;
	}
	ret = libmvgpu_pt_init(&g->pt, &g->gpu);
	if (ret)
		snprintf(msg, len, "page table: %s", strerror(-ret));
	return ret;
}

int et_up(struct et_gpu *g, const char *parent, const struct mt_type *type,
	  size_t ram_size, char *msg, size_t len)
{
	return et_up_flags(g, parent, type, ram_size, 0, msg, len);
}

int et_fixture_up(struct et_gpu *g, const char *parent,
		  const struct mt_type *type, int (*build)(void *fixture),
		  void *fixture, unsigned int flags, char *msg, size_t len)
{
	size_t n;
	int ret;

	mt_vgpu_init(&g->v);
	ret = mt_check_state(msg, len);
	if (ret)
		return ret;
	ret = et_up_flags(g, parent, type, ET_RAM_SIZE, flags, msg, len);
	if (!ret)
		ret = build(fixture);
	if (ret) {
		et_down(g);
		n = strnlen(msg, len);
		snprintf(msg + n, len - n, ": %s", strerror(-ret));
	}
	return ret;
}

long long et_vram_find_nonzero(struct libmvgpu_gpu *gpu, size_t len)
{
	long long at = -2;
	void *buf;

	if (gpu->vram)
		return mt_find_nonzero(gpu->vram, len);
	buf = malloc(len);
	if (buf && !libmvgpu_vram_read(gpu, 0, buf, len))
		at = mt_find_nonzero(buf, len);
	free(buf);
	return at;
}

int et_vram_cmp(struct libmvgpu_gpu *a, struct libmvgpu_gpu *b, size_t len)
{
	void *ba = NULL, *bb = NULL;
	int ret;

	if (a->vram && b->vram)
		return memcmp(a->vram, b->vram, len) ? 1 : 0;
	ba = malloc(len);
	bb = malloc(len);
	ret = ba && bb ? 0 : -ENOMEM;
	if (!ret)
		ret = libmvgpu_vram_read(a, 0, ba, len);
	if (!ret)
		ret = libmvgpu_vram_read(b, 0, bb, len);
	if (!ret)
		ret = memcmp(ba, bb, len) ? 1 : 0;
	free(ba);
	free(bb);
	return ret;
}

int et_vram_set(struct libmvgpu_gpu *gpu, uint64_t off, int c, size_t len)
{
	void *buf;
	int ret;

	if (gpu->vram) {
		if (off > gpu->vram_size || len > gpu->vram_size - off)
			return -EINVAL;
		memset((char *)gpu->vram + off, c, len);
		return 0;
	}
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	memset(buf, c, len);
	ret = libmvgpu_vram_write(gpu, off, buf, len);
	free(buf);
	return ret;
}

int et_down(struct et_gpu *g)
{
	if (g->up)
		libmvgpu_gpu_fini(&g->gpu);
	g->up = false;
	return mt_vgpu_destroy(&g->v);
}

int et_remove(struct et_gpu *g)
{
	int ret = 0;

	/* removing what we hold open would wait for ourselves forever */
	if (g->owner == getpid())
		return et_down(g);
	if (g->v.created) {
		ret = libmvgpu_mdev_remove(g->v.uuid);
		if (!ret || ret == -ENOENT)
			g->v.created = false;
	}
	return ret == -ENOENT ? 0 : ret;
}

int et_buf_sys(struct libmvgpu_gpu *gpu, struct libmvgpu_pt *pt, uint64_t va,
	       size_t size, size_t align, unsigned int flags,
	       struct et_buf *b)
{
	int ret;

	ret = libmvgpu_gpu_alloc(gpu, size, align, &b->addr, &b->cpu);
	if (ret)
		return ret;
	b->va = va;
	b->size = size;
	b->gpu = gpu;
	b->copy = false;
	return libmvgpu_pt_map(pt, va, b->addr,
			    (size + LIBMVGPU_PAGE_SIZE - 1) & ~(LIBMVGPU_PAGE_SIZE - 1),
			    flags & ~LIBMVGPU_MAP_VRAM);
}

int et_buf_vram(struct libmvgpu_gpu *gpu, struct libmvgpu_pt *pt, uint64_t va,
		uint64_t off, size_t size, unsigned int flags,
		struct et_buf *b)
{
	b->va = va;
	b->addr = off;
	b->size = size;
	b->gpu = gpu;
	b->copy = false;
	b->cpu = NULL;
	if (gpu->vram && off < gpu->vram_size) {
		b->cpu = (char *)gpu->vram + off;
	} else if (!gpu->vram && off < gpu->vram_size &&
		   size <= gpu->vram_size - off) {
		b->cpu = calloc(1, size);
		if (!b->cpu)
			return -ENOMEM;
		b->copy = true;
	}
	return libmvgpu_pt_map(pt, va, off,
			    (size + LIBMVGPU_PAGE_SIZE - 1) & ~(LIBMVGPU_PAGE_SIZE - 1),
			    flags | LIBMVGPU_MAP_VRAM);
}

int et_buf_pull(struct et_buf *b)
{
	if (!b->copy)
		return 0;
	return libmvgpu_vram_read(b->gpu, b->addr, b->cpu, b->size);
}

int et_buf_push(struct et_buf *b)
{
	if (!b->copy)
		return 0;
	return libmvgpu_vram_write(b->gpu, b->addr, b->cpu, b->size);
}

int et_buf_store64(struct et_buf *b, size_t off, uint64_t v)
{
	if (off > b->size || b->size - off < sizeof(v))
		return -EINVAL;
	if (!b->copy) {
		libmvgpu_store64((uint64_t *)((char *)b->cpu + off), v);
		return 0;
	}
	memcpy((char *)b->cpu + off, &v, sizeof(v));
	return libmvgpu_vram_write(b->gpu, b->addr + off, &v, sizeof(v));
}

int et_msi_setup(struct libmvgpu_gpu *gpu)
{
	int ret = libmvgpu_gpu_irq_enable(gpu, 0);

	return ret ? ret : gpu->irq_fd;
}

uint64_t et_eventfd_drain(int efd)
{
	uint64_t count = 0;

	if (read(efd, &count, sizeof(count)) != sizeof(count))
		return 0;
	return count;
}

uint64_t et_attr(const char *uuid, const char *attr)
{
	uint64_t val;

	if (libmvgpu_mdev_read_u64(uuid, attr, &val))
		return UINT64_MAX;
	return val;
}

void et_random_fill(void *buf, size_t len, uint64_t *seed)
{
	uint8_t *p = buf;

	while (len >= 8) {
		uint64_t r = libmvgpu_rand64(seed);

		memcpy(p, &r, 8);
		p += 8;
		len -= 8;
	}
	if (len) {
		uint64_t r = libmvgpu_rand64(seed);

		memcpy(p, &r, len);
	}
}

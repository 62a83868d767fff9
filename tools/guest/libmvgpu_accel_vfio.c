// SPDX-License-Identifier: GPL-2.0
/*
 * libmvgpu_accel over VFIO: a user-space driver of one vGPU, for programs
 * that get the vGPU as its VFIO device (a container) instead of in a VM.
 *
 * The process opens the mdev through its VFIO group and the legacy
 * container (tools/lib/mvgpu_vfio.c) and does what mvgpu_accel.ko does for
 * one open file (driver/guest/ctx.c, vm.c, gem.c), with tools/lib's
 * mvgpu_gpu.c: context 0 with its own page table, a 256 KiB ring and a
 * fence page, all in a pool of DMA-mapped anonymous memory; a system
 * memory buffer is anonymous memory DMA-mapped at an IOVA of its own, a
 * VRAM buffer a range of the BAR2 mapping; each is bound at a GPU VA of
 * its own with a guard page after it. Completion and faults come as the
 * context's MSI on an eventfd.
 *
 * The VFIO group takes one opener, so the vGPU belongs to this process
 * alone until it closes it (or dies): the host then resets the vGPU,
 * which drops its pins and clears its VRAM. Not thread safe: one thread
 * at a time per struct mva_dev, and not across fork().
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm/mvgpu_accel.h>
#include <linux/mvgpu.h>

#include "lib/mvgpu_gpu.h"
#include "lib/mvgpu_vfio.h"
#include "libmvgpu_accel.h"
#include "libmvgpu_accel_vfio.h"

/* What the kernel backend takes (driver/guest): the same limits here. */
#define MVA_BO_MAX_SIZE		(1ull << 30)
#define MVA_SUBMIT_MAX_DW	16384
#define MVA_RING_SIZE		(256u << 10)

/* Page tables, ring and fence page come from this pool (guest physical). */
#define MVA_POOL_IOVA		LIBMVGPU_RAM_IOVA_DEFAULT
#define MVA_POOL_SIZE		(16u << 20)
/* IOVAs of system memory buffers, above the pool. */
#define MVA_IOVA_BASE		(1ull << 33)
#define MVA_IOVA_END		(MVA_IOVA_BASE + (1ull << 38))
/* GPU VAs of buffers: above the ring and fence page of context 0. */
#define MVA_VA_BASE		(1ull << 30)
#define MVA_VA_END		(1ull << 47)

#define MVA_PAGE		LIBMVGPU_PAGE_SIZE
#define MVA_CTX			0

/* A range taken from a struct mva_space. */
struct mva_span {
	uint64_t start;
	uint64_t size;
	struct mva_span *next;
};

/* First-fit allocator of page-aligned ranges of [base, end). */
struct mva_space {
	uint64_t base;
	uint64_t end;
	struct mva_span *used;	/* sorted by start */
};

/*
 * One buffer.
 * @addr: its IOVA (system memory) or VRAM offset
 * @cpu: the anonymous memory, or its place in the BAR2 mapping
 * @iova_mapped: the anonymous memory is DMA-mapped at @addr
 */
struct mva_vfio_bo {
	uint32_t handle;
	bool vram;
	bool iova_mapped;
	uint64_t size;
	uint64_t addr;
	uint64_t va;
	void *cpu;
	struct mva_vfio_bo *next;
};

/*
 * The backend's state of an opened vGPU.
 * @dead: the context faulted; @fault_reason and @fault_addr say how
 */
struct mva_vfio {
	struct libmvgpu_dev dev;
	struct libmvgpu_gpu gpu;
	struct libmvgpu_pt pt;
	struct libmvgpu_ctx ctx;
	bool gpu_up;
	struct mva_space iova;
	struct mva_space va;
	struct mva_space vram;
	struct mva_vfio_bo *bos;
	uint32_t next_handle;
	bool dead;
	uint32_t fault_reason;
	uint64_t fault_addr;
};

static int space_alloc(struct mva_space *s, uint64_t size, uint64_t *start)
{
	struct mva_span **link, *span;
	uint64_t at = s->base;

	for (link = &s->used; *link; link = &(*link)->next) {
		if ((*link)->start - at >= size)
			break;
		at = (*link)->start + (*link)->size;
	}
	if (at > s->end || s->end - at < size)
		return -ENOSPC;
	span = malloc(sizeof(*span));
	if (!span)
		return -ENOMEM;
	span->start = at;
	span->size = size;
	span->next = *link;
	*link = span;
	*start = at;
	return 0;
}

static void space_free(struct mva_space *s, uint64_t start)
{
	struct mva_span **link, *span;

	for (link = &s->used; *link; link = &(*link)->next) {
		span = *link;
		if (span->start == start) {
			*link = span->next;
			free(span);
			return;
		}
	}
}

static void space_fini(struct mva_space *s)
{
	while (s->used)
		space_free(s, s->used->start);
}

/* Read the context's fault state once STATUS says it faulted. */
static bool ctx_dead(struct mva_vfio *v)
{
	struct libmvgpu_fault f;

	if (v->dead)
		return true;
	if (!(libmvgpu_ctx_rd(&v->ctx, MVGPU_CTX_STATUS) &
	      MVGPU_CTX_STATUS_FAULTED))
		return false;
	libmvgpu_ctx_read_fault(&v->ctx, &f);
	v->fault_reason = f.reason;
	v->fault_addr = f.addr;
	v->dead = true;
	return true;
}

/* Undo what mva_vfio_bo_new() did for b, as far as it got. */
static void bo_destroy(struct mva_vfio *v, struct mva_vfio_bo *b)
{
	if (b->va) {
		libmvgpu_pt_unmap(&v->pt, b->va, b->size);
		/* drops the host's translations, and with them its pins */
		libmvgpu_ctx_tlb_inv(&v->ctx, b->va, b->size);
		space_free(&v->va, b->va);
	}
	if (b->vram) {
		if (b->cpu)
			space_free(&v->vram, b->addr);
	} else if (b->cpu) {
		if (b->iova_mapped)
			libmvgpu_iommu_unmap(&v->dev, b->addr, b->size);
		munmap(b->cpu, b->size);
		space_free(&v->iova, b->addr);
	}
	free(b);
}

/*
 * $MVGPU_VFIO_GROUP, the vGPU's IOMMU group number (the CDI spec sets
 * it): -1 when unset or empty; -EINVAL, with a note on stderr, when it
 * is not a decimal number.
 */
static int env_group(const char *uuid)
{
	const char *env = getenv("MVGPU_VFIO_GROUP");
	unsigned long n;
	char *end;

	if (!env || !*env)
		return -1;
	errno = 0;
	n = strtoul(env, &end, 10);
	if (*env < '0' || *env > '9' || *end || errno || n > INT_MAX) {
		fprintf(stderr,
			"libmvgpu_accel: MVGPU_VFIO_GROUP=%.16s%s for vGPU %s: not a VFIO group number\n",
			env, strlen(env) > 16 ? "..." : "", uuid);
		return -EINVAL;
	}
	return (int)n;
}

/**
 * mva_vfio_open() - open the vGPU uuid and set up a context on it
 * @vp: gets the backend's state
 * @uuid: the mdev's UUID
 *
 * With $MVGPU_VFIO_GROUP set (a decimal group number) sysfs is not read:
 * /dev/vfio/<that group> is opened and the device asked for by @uuid, so
 * a vGPU not in that group gets -ENODEV; a value that is no number
 * -EINVAL (each with a note on stderr).
 *
 * Return: 0; -EINVAL when @uuid is no UUID, -ENODEV when no such vGPU
 * exists (in sysfs, or in the group of $MVGPU_VFIO_GROUP), -EBUSY when another process has it open, -ENOENT
 * when its VFIO device nodes are missing, -EACCES when file permissions
 * deny them, -EPERM when the device cgroup does,
 * -EOPNOTSUPP when it has no usable context, or another -errno.
 */
int mva_vfio_open(struct mva_vfio **vp, const char *uuid)
{
	struct mva_vfio *v;
	int group, ret;

	*vp = NULL;
	if (!libmvgpu_uuid_valid(uuid))
		return -EINVAL;
	group = env_group(uuid);
	if (group < -1)
		return group;
	/* tell a vGPU that is not there from device nodes that are not */
	if (group < 0 && !libmvgpu_mdev_exists(uuid))
		return -ENODEV;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->iova.base = MVA_IOVA_BASE;
	v->iova.end = MVA_IOVA_END;
	v->va.base = MVA_VA_BASE;
	v->va.end = MVA_VA_END;
	v->next_handle = 1;

	if (group >= 0) {
		ret = libmvgpu_open_group(&v->dev, uuid, group);
		if (ret == -ENODEV)
			fprintf(stderr,
				"libmvgpu_accel: vGPU %s is not in VFIO group %d (MVGPU_VFIO_GROUP)\n",
				uuid, group);
	} else {
		ret = libmvgpu_open_backend(&v->dev, uuid, LIBMVGPU_LEGACY);
	}
	if (ret)
		goto err_free;
	/* without a BAR2 mapping (hosts before 6.10) only VRAM buffers fail */
	ret = libmvgpu_gpu_init_unmapped_ok(&v->gpu, &v->dev, MVA_POOL_IOVA,
					    MVA_POOL_SIZE);
	if (ret)
		goto err_close;
	v->gpu_up = true;
	v->vram.end = v->gpu.vram_size;
	if (!v->gpu.nr_contexts) {
		ret = -EOPNOTSUPP;
		goto err_close;
	}
	ret = libmvgpu_pt_init(&v->pt, &v->gpu);
	if (!ret)
		ret = libmvgpu_ctx_init(&v->ctx, &v->gpu, &v->pt, MVA_CTX,
					MVA_RING_SIZE);
	if (!ret)
		ret = libmvgpu_gpu_irq_enable(&v->gpu,
					      MVGPU_IRQ_FENCE(MVA_CTX) |
					      MVGPU_IRQ_FAULT(MVA_CTX));
	if (ret)
		goto err_close;
	*vp = v;
	return 0;

err_close:
	if (v->gpu_up)
		libmvgpu_gpu_fini(&v->gpu);
	libmvgpu_close(&v->dev);
err_free:
	free(v);
	return ret;
}

/**
 * mva_vfio_close() - free every buffer and close the vGPU
 * @v: from mva_vfio_open(); may be NULL
 *
 * The host resets the vGPU when its device is closed.
 */
void mva_vfio_close(struct mva_vfio *v)
{
	struct mva_vfio_bo *b;

	if (!v)
		return;
	libmvgpu_ctx_disable(&v->ctx);
	while (v->bos) {
		b = v->bos;
		v->bos = b->next;
		bo_destroy(v, b);
	}
	libmvgpu_gpu_fini(&v->gpu);
	libmvgpu_close(&v->dev);
	space_fini(&v->iova);
	space_fini(&v->va);
	space_fini(&v->vram);
	free(v);
}

/**
 * mva_vfio_get_param() - DRM_MVGPU_PARAM_* of the vGPU
 * @v: the backend
 * @param: DRM_MVGPU_PARAM_*
 * @value: gets the value
 *
 * WEIGHT is the device's WEIGHT register, the vGPU's weight now, as the
 * guest driver reads it.
 *
 * Return: 0, or -EINVAL for an unknown @param.
 */
int mva_vfio_get_param(struct mva_vfio *v, uint32_t param, uint64_t *value)
{
	switch (param) {
	case DRM_MVGPU_PARAM_VRAM_SIZE:
		*value = v->gpu.vram_size;
		return 0;
	case DRM_MVGPU_PARAM_NR_CONTEXTS:
		*value = v->gpu.nr_contexts;
		return 0;
	case DRM_MVGPU_PARAM_CONTEXT:
		*value = MVA_CTX;
		return 0;
	case DRM_MVGPU_PARAM_WEIGHT:
		*value = libmvgpu_gpu_rd(&v->gpu, MVGPU_REG_WEIGHT);
		return 0;
	}
	return -EINVAL;
}

/* The memory of a new buffer: a VRAM range, or DMA-mapped anonymous memory. */
static int bo_back(struct mva_vfio *v, struct mva_vfio_bo *b)
{
	void *p;
	int ret;

	if (b->vram) {
		if (!v->gpu.vram)
			return -EOPNOTSUPP;
		ret = space_alloc(&v->vram, b->size, &b->addr);
		if (ret)
			return ret == -ENOSPC ? -ENOMEM : ret;
		b->cpu = (char *)v->gpu.vram + b->addr;
		/* as the kernel backend: a new VRAM buffer reads zero */
		memset(b->cpu, 0, b->size);
		return 0;
	}
	ret = space_alloc(&v->iova, b->size, &b->addr);
	if (ret)
		return ret == -ENOSPC ? -ENOMEM : ret;
	p = mmap(NULL, b->size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		space_free(&v->iova, b->addr);
		return ret;
	}
	b->cpu = p;
	ret = libmvgpu_iommu_map(&v->dev, p, b->addr, b->size);
	/* type1's dma_entry_limit: out of mappings, as out of memory */
	if (ret)
		return ret == -ENOSPC ? -ENOMEM : ret;
	b->iova_mapped = true;
	return 0;
}

/*
 * A handle for a new buffer: never 0; after 2^32 - 1 handles next_handle
 * wraps and 0 and the handles still in use are skipped, so that, as the
 * kernel backend's GEM handles, a handle names one live buffer. There are
 * fewer buffers than handles (each holds at least a page), so one is free.
 */
static uint32_t handle_new(struct mva_vfio *v)
{
	struct mva_vfio_bo *b;
	uint32_t h;

	for (;;) {
		h = v->next_handle++;
		if (!h)
			continue;
		for (b = v->bos; b && b->handle != h; b = b->next)
			;
		if (!b)
			return h;
	}
}

/**
 * mva_vfio_bo_new() - create a buffer and bind it into the context
 * @v: the backend
 * @size: bytes, rounded up to 4 KiB; at most 1 GiB
 * @vram: in VRAM, else system memory
 * @readonly: the GPU may not write it
 * @bo: gets the handle, size, GPU VA and CPU address
 *
 * Return: 0, -EINVAL for a bad @size, -ENOMEM when no memory (or VRAM)
 * is left (a VFIO DMA mapping refused with -ENOSPC, type1's
 * dma_entry_limit reached, included), -ENOSPC when no GPU VA range is, -EOPNOTSUPP for VRAM where
 * BAR2 cannot be mapped, or another -errno.
 */
int mva_vfio_bo_new(struct mva_vfio *v, uint64_t size, int vram,
		    int readonly, struct mva_bo *bo)
{
	unsigned int flags = readonly ? 0 : LIBMVGPU_MAP_WRITE;
	struct mva_vfio_bo *b;
	int ret;

	memset(bo, 0, sizeof(*bo));
	if (!size || size > MVA_BO_MAX_SIZE)
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->size = (size + MVA_PAGE - 1) & ~(MVA_PAGE - 1);
	b->vram = vram;
	ret = bo_back(v, b);
	if (ret)
		goto err;
	if (vram)
		flags |= LIBMVGPU_MAP_VRAM;
	/* a guard page after each buffer catches overruns */
	ret = space_alloc(&v->va, b->size + MVA_PAGE, &b->va);
	if (ret) {
		b->va = 0;
		goto err;
	}
	ret = libmvgpu_pt_map(&v->pt, b->va, b->addr, b->size, flags);
	if (ret)
		goto err;
	libmvgpu_ctx_tlb_inv(&v->ctx, b->va, b->size);

	b->handle = handle_new(v);
	b->next = v->bos;
	v->bos = b;
	bo->handle = b->handle;
	bo->size = b->size;
	bo->va = b->va;
	bo->cpu = b->cpu;
	return 0;
err:
	bo_destroy(v, b);
	return ret;
}

/**
 * mva_vfio_bo_free() - unbind and free a buffer of mva_vfio_bo_new()
 * @v: the backend
 * @bo: the buffer; zeroed
 */
void mva_vfio_bo_free(struct mva_vfio *v, struct mva_bo *bo)
{
	struct mva_vfio_bo **link, *b;

	for (link = &v->bos; *link; link = &(*link)->next) {
		b = *link;
		if (b->handle == bo->handle) {
			*link = b->next;
			bo_destroy(v, b);
			break;
		}
	}
	memset(bo, 0, sizeof(*bo));
}

/* Check that dw is a sequence of whole commands. */
static int check_stream(const uint32_t *dw, uint32_t ndw)
{
	uint32_t i = 0, len;

	while (i < ndw) {
		len = MVGPU_CMD_NDW(dw[i]);
		if (!len || len > ndw - i)
			return -EINVAL;
		i += len;
	}
	return 0;
}

/**
 * mva_vfio_submit() - queue commands and a fence on the context
 * @v: the backend
 * @dw: the command dwords
 * @ndw: their number, at most 16384, whole commands
 * @seqno: gets the fence's sequence number
 *
 * Return: 0, -EINVAL for a bad stream, -EIO once the context faulted,
 * -EBUSY when the ring did not drain in time.
 */
int mva_vfio_submit(struct mva_vfio *v, const uint32_t *dw, uint32_t ndw,
		    uint64_t *seqno)
{
	uint32_t *p, tail;
	int64_t seq;
	int ret = 0;

	if (!ndw || ndw > MVA_SUBMIT_MAX_DW)
		return -EINVAL;
	ret = check_stream(dw, ndw);
	if (ret)
		return ret;
	if (ctx_dead(v))
		return -EIO;
	/* room for the commands and the fence, in one piece */
	p = libmvgpu_ring_reserve(&v->ctx, ndw + MVGPU_CMD_NDW_FENCE, 10000,
				  &ret);
	if (!p) {
		if (ret == -EFAULT && ctx_dead(v))
			return -EIO;
		return ret == -ETIMEDOUT ? -EBUSY : ret;
	}
	memcpy(p, dw, ndw * 4);
	tail = v->ctx.tail;
	v->ctx.tail = (v->ctx.tail + ndw * 4) & (v->ctx.ring_size - 1);
	seq = libmvgpu_ctx_fence(&v->ctx, true);
	if (seq < 0) {
		/* no commands queued without their fence: not submitted */
		v->ctx.tail = tail;
		return (int)seq;
	}
	libmvgpu_ring_kick(&v->ctx);
	*seqno = (uint64_t)seq;
	return 0;
}

/**
 * mva_vfio_wait() - wait for a submission to complete
 * @v: the backend
 * @seqno: from mva_vfio_submit()
 * @timeout_ms: how long to wait
 * @fault_reason: gets MVGPU_FAULT_* when the context faulted, else 0
 * @fault_addr: gets the faulting GPU VA (may be NULL, as @fault_reason)
 *
 * Return: 0, -ETIME on timeout, -EIO when the context faulted, -EINVAL
 * for a @seqno never returned.
 */
int mva_vfio_wait(struct mva_vfio *v, uint64_t seqno, uint32_t timeout_ms,
		  uint32_t *fault_reason, uint64_t *fault_addr)
{
	uint64_t deadline = libmvgpu_now_ns() + (uint64_t)timeout_ms * 1000000;
	uint64_t now, left_ms;
	int ret;

	if (fault_reason)
		*fault_reason = 0;
	if (fault_addr)
		*fault_addr = 0;
	if (seqno > v->ctx.seqno)
		return -EINVAL;
	for (;;) {
		if (libmvgpu_load64(v->ctx.fence_cpu) >= seqno)
			return 0;
		if (ctx_dead(v)) {
			if (fault_reason)
				*fault_reason = v->fault_reason;
			if (fault_addr)
				*fault_addr = v->fault_addr;
			return -EIO;
		}
		now = libmvgpu_now_ns();
		if (now >= deadline)
			return -ETIME;
		/* ack first: a fence landing after the next look fires anew */
		libmvgpu_gpu_wr(&v->gpu, MVGPU_REG_IRQ_ACK,
				MVGPU_IRQ_FENCE(MVA_CTX) |
				MVGPU_IRQ_FAULT(MVA_CTX));
		if (libmvgpu_load64(v->ctx.fence_cpu) >= seqno)
			return 0;
		left_ms = (deadline - now + 999999) / 1000000;
		/* an interrupt is not a promise: look again now and then */
		ret = libmvgpu_eventfd_wait(v->gpu.irq_fd,
					    left_ms < 100 ? (int)left_ms : 100,
					    NULL);
		if (ret < 0)
			return ret;
	}
}

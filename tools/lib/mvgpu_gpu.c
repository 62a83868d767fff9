// SPDX-License-Identifier: GPL-2.0
/*
 * lib/mvgpu_gpu: a guest driver for the mvgpu command engine, in userspace.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "mvgpu_gpu.h"

#define PT_INDEX(va, level) \
	(((va) >> (MVGPU_PAGE_SHIFT + 9 * (level))) & (MVGPU_PT_ENTRIES - 1))
#define LEVEL_SIZE(level)	(1ull << (MVGPU_PAGE_SHIFT + 9 * (level)))

/* ---- time ------------------------------------------------------------- */

uint64_t libmvgpu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void libmvgpu_sleep_us(unsigned int us)
{
	struct timespec ts = {
		.tv_sec = us / 1000000,
		.tv_nsec = (long)(us % 1000000) * 1000,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- guest memory and registers --------------------------------------- */

static int gpu_init(struct libmvgpu_gpu *gpu, struct libmvgpu_dev *dev,
		    uint64_t ram_iova, size_t ram_size, bool unmapped_ok)
{
	struct vfio_region_info info;
	int ret;

	memset(gpu, 0, sizeof(*gpu));
	gpu->dev = dev;
	ram_size = (ram_size + LIBMVGPU_PAGE_SIZE - 1) & ~(LIBMVGPU_PAGE_SIZE - 1);
	if (!ram_size || (ram_iova & (LIBMVGPU_PAGE_SIZE - 1)))
		return -EINVAL;

	if (!dev) {
		void *p = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return -errno;
		gpu->ram.vaddr = p;
		gpu->ram.iova = ram_iova;
		gpu->ram.size = ram_size;
		gpu->nr_contexts = MVGPU_MAX_CONTEXTS;
		return 0;
	}

	ret = libmvgpu_dma_map(dev, ram_iova, ram_size, &gpu->ram);
	if (ret)
		return ret;
	gpu->nr_contexts = libmvgpu_rd32(dev, MVGPU_REG_NR_CONTEXTS);
	if (gpu->nr_contexts > MVGPU_MAX_CONTEXTS)
		gpu->nr_contexts = 0;
	ret = libmvgpu_region_info(dev, VFIO_PCI_BAR2_REGION_INDEX, &info);
	if (!ret && !(info.flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		if (unmapped_ok) {
			gpu->vram_size = info.size;
			return 0;
		}
		ret = -EOPNOTSUPP;
	}
	if (ret) {
		libmvgpu_dma_unmap(dev, &gpu->ram);
		return ret;
	}
	gpu->vram = libmvgpu_region_mmap(dev, VFIO_PCI_BAR2_REGION_INDEX,
					 &gpu->vram_size);
	if (gpu->vram == MAP_FAILED) {
		ret = -errno;
		gpu->vram = NULL;
		libmvgpu_dma_unmap(dev, &gpu->ram);
		return ret;
	}
	return 0;
}

int libmvgpu_gpu_init(struct libmvgpu_gpu *gpu, struct libmvgpu_dev *dev,
		      uint64_t ram_iova, size_t ram_size)
{
	return gpu_init(gpu, dev, ram_iova, ram_size, false);
}

int libmvgpu_gpu_init_unmapped_ok(struct libmvgpu_gpu *gpu,
				  struct libmvgpu_dev *dev, uint64_t ram_iova,
				  size_t ram_size)
{
	return gpu_init(gpu, dev, ram_iova, ram_size, true);
}

uint32_t libmvgpu_vram_rd32(struct libmvgpu_gpu *gpu, uint64_t off)
{
	uint32_t val = 0xffffffff;

	if (gpu->vram)
		return *(uint32_t *)((char *)gpu->vram + off);
	if (libmvgpu_region_read(gpu->dev, VFIO_PCI_BAR2_REGION_INDEX, off,
				 &val, 4) != 4)
		return 0xffffffff;
	return val;
}

static int vram_rw(struct libmvgpu_gpu *gpu, uint64_t off, void *buf,
		   size_t len, bool write)
{
	if (off > gpu->vram_size || len > gpu->vram_size - off)
		return -EINVAL;
	if (gpu->vram) {
		if (write)
			memcpy((char *)gpu->vram + off, buf, len);
		else
			memcpy(buf, (char *)gpu->vram + off, len);
		return 0;
	}
	if (!gpu->dev)
		return -ENODEV;
	if (write)
		return libmvgpu_region_write_all(gpu->dev,
						 VFIO_PCI_BAR2_REGION_INDEX,
						 off, buf, len);
	return libmvgpu_region_read_all(gpu->dev, VFIO_PCI_BAR2_REGION_INDEX,
					off, buf, len);
}

int libmvgpu_vram_read(struct libmvgpu_gpu *gpu, uint64_t off, void *buf,
		       size_t len)
{
	return vram_rw(gpu, off, buf, len, false);
}

int libmvgpu_vram_write(struct libmvgpu_gpu *gpu, uint64_t off,
			const void *buf, size_t len)
{
	return vram_rw(gpu, off, (void *)buf, len, true);
}

int libmvgpu_vram_wr32(struct libmvgpu_gpu *gpu, uint64_t off, uint32_t val)
{
	return vram_rw(gpu, off, &val, sizeof(val), true);
}

int libmvgpu_gpu_irq_enable(struct libmvgpu_gpu *gpu, uint32_t sources)
{
	int efd, ret;

	if (!gpu->dev || gpu->irq_on)
		return -EINVAL;
	efd = libmvgpu_eventfd();
	if (efd < 0)
		return efd;
	ret = libmvgpu_msi_enable(gpu->dev, 0x0041, efd);
	if (!ret)
		ret = libmvgpu_reg_write(gpu->dev, MVGPU_REG_IRQ_MASK, sources);
	if (ret) {
		libmvgpu_irq_disable(gpu->dev, VFIO_PCI_MSI_IRQ_INDEX);
		close(efd);
		return ret;
	}
	gpu->irq_fd = efd;
	gpu->irq_on = true;
	return 0;
}

void libmvgpu_gpu_fini(struct libmvgpu_gpu *gpu)
{
	if (gpu->irq_on) {
		libmvgpu_reg_write(gpu->dev, MVGPU_REG_IRQ_MASK, 0);
		libmvgpu_irq_disable(gpu->dev, VFIO_PCI_MSI_IRQ_INDEX);
		close(gpu->irq_fd);
		gpu->irq_on = false;
	}
	if (gpu->vram)
		munmap(gpu->vram, gpu->vram_size);
	gpu->vram = NULL;
	if (gpu->ram.vaddr) {
		if (gpu->dev) {
			libmvgpu_dma_unmap(gpu->dev, &gpu->ram);
		} else {
			munmap(gpu->ram.vaddr, gpu->ram.size);
			gpu->ram.vaddr = NULL;
		}
	}
	gpu->ram_used = 0;
}

int libmvgpu_gpu_alloc(struct libmvgpu_gpu *gpu, size_t size, size_t align,
		       uint64_t *gpa, void **cpu)
{
	uint64_t start;

	if (align < LIBMVGPU_PAGE_SIZE)
		align = LIBMVGPU_PAGE_SIZE;
	if (align & (align - 1))
		return -EINVAL;
	size = (size + LIBMVGPU_PAGE_SIZE - 1) & ~(LIBMVGPU_PAGE_SIZE - 1);
	/* align the guest physical address, not the pool offset */
	start = (gpu->ram.iova + gpu->ram_used + align - 1) & ~(uint64_t)(align - 1);
	start -= gpu->ram.iova;
	if (!size || start > gpu->ram.size || size > gpu->ram.size - start)
		return -ENOMEM;
	gpu->ram_used = start + size;
	memset((char *)gpu->ram.vaddr + start, 0, size);
	if (gpa)
		*gpa = gpu->ram.iova + start;
	if (cpu)
		*cpu = (char *)gpu->ram.vaddr + start;
	return 0;
}

void *libmvgpu_gpu_ptr(struct libmvgpu_gpu *gpu, uint64_t gpa, size_t len)
{
	if (gpa < gpu->ram.iova || gpa - gpu->ram.iova > gpu->ram.size ||
	    len > gpu->ram.size - (gpa - gpu->ram.iova))
		return NULL;
	return (char *)gpu->ram.vaddr + (gpa - gpu->ram.iova);
}

uint32_t libmvgpu_gpu_rd(struct libmvgpu_gpu *gpu, uint32_t off)
{
	return gpu->dev ? libmvgpu_rd32(gpu->dev, off) : 0;
}

void libmvgpu_gpu_wr(struct libmvgpu_gpu *gpu, uint32_t off, uint32_t val)
{
	if (gpu->dev)
		libmvgpu_reg_write(gpu->dev, off, val);
}

uint64_t libmvgpu_gpu_timestamp(struct libmvgpu_gpu *gpu)
{
	uint32_t lo = libmvgpu_gpu_rd(gpu, MVGPU_REG_TIMESTAMP_LO);
	uint32_t hi = libmvgpu_gpu_rd(gpu, MVGPU_REG_TIMESTAMP_HI);

	return (uint64_t)hi << 32 | lo;
}

void libmvgpu_gpu_reset_reg(struct libmvgpu_gpu *gpu)
{
	libmvgpu_gpu_wr(gpu, MVGPU_REG_RESET, MVGPU_RESET_MAGIC);
}

/* ---- page tables ------------------------------------------------------ */

static uint64_t *pt_table(struct libmvgpu_pt *pt, uint64_t gpa)
{
	return libmvgpu_gpu_ptr(pt->gpu, gpa, LIBMVGPU_PAGE_SIZE);
}

int libmvgpu_pt_init(struct libmvgpu_pt *pt, struct libmvgpu_gpu *gpu)
{
	pt->gpu = gpu;
	pt->nr_tables = 1;
	return libmvgpu_gpu_alloc(gpu, LIBMVGPU_PAGE_SIZE, 0, &pt->root, NULL);
}

uint64_t *libmvgpu_pt_entry(struct libmvgpu_pt *pt, uint64_t va, int level,
			    bool alloc)
{
	uint64_t *table = pt_table(pt, pt->root);
	int l;

	if (!table || level < 0 || level >= MVGPU_PT_LEVELS ||
	    va >= LIBMVGPU_VA_LIMIT)
		return NULL;
	for (l = MVGPU_PT_LEVELS - 1; l > level; l--) {
		uint64_t *e = &table[PT_INDEX(va, l)];

		if (!(*e & MVGPU_PTE_PRESENT)) {
			uint64_t gpa;

			if (!alloc || libmvgpu_gpu_alloc(pt->gpu, LIBMVGPU_PAGE_SIZE,
							 0, &gpa, NULL))
				return NULL;
			pt->nr_tables++;
			*e = gpa | MVGPU_PTE_PRESENT;
		} else if (*e & (MVGPU_PTE_LARGE | MVGPU_PTE_VRAM)) {
			return NULL;
		}
		table = pt_table(pt, *e & MVGPU_PTE_ADDR_MASK);
		if (!table)
			return NULL;
	}
	return &table[PT_INDEX(va, level)];
}

int libmvgpu_pt_map(struct libmvgpu_pt *pt, uint64_t va, uint64_t addr,
		    uint64_t size, unsigned int flags)
{
	bool large = flags & LIBMVGPU_MAP_LARGE;
	uint64_t step = large ? LIBMVGPU_LARGE_PAGE_SIZE : LIBMVGPU_PAGE_SIZE;
	uint64_t bits = MVGPU_PTE_PRESENT;
	uint64_t off;

	if ((va | addr | size) & (step - 1) || !size ||
	    va >= LIBMVGPU_VA_LIMIT || size > LIBMVGPU_VA_LIMIT - va ||
	    (addr + size - 1) > MVGPU_PTE_ADDR_MASK)
		return -EINVAL;
	if (flags & LIBMVGPU_MAP_WRITE)
		bits |= MVGPU_PTE_WRITABLE;
	if (flags & LIBMVGPU_MAP_VRAM)
		bits |= MVGPU_PTE_VRAM;
	if (large)
		bits |= MVGPU_PTE_LARGE;

	for (off = 0; off < size; off += step) {
		uint64_t *e = libmvgpu_pt_entry(pt, va + off, large ? 1 : 0, true);

		if (!e)
			return large ? -ENOMEM : -EBUSY;
		/* a large page must not replace a level-0 table */
		if (large && (*e & MVGPU_PTE_PRESENT) &&
		    !(*e & MVGPU_PTE_LARGE))
			return -EBUSY;
		*e = ((addr + off) & MVGPU_PTE_ADDR_MASK) | bits;
	}
	return 0;
}

int libmvgpu_pt_unmap(struct libmvgpu_pt *pt, uint64_t va, uint64_t size)
{
	uint64_t end = va + size;

	if ((va | size) & (LIBMVGPU_PAGE_SIZE - 1) || va >= LIBMVGPU_VA_LIMIT ||
	    size > LIBMVGPU_VA_LIMIT - va)
		return -EINVAL;
	while (va < end) {
		uint64_t *e1 = libmvgpu_pt_entry(pt, va, 1, false);
		uint64_t next = (va | (LIBMVGPU_LARGE_PAGE_SIZE - 1)) + 1;

		if (next > end)
			next = end;
		if (!e1 || !(*e1 & MVGPU_PTE_PRESENT)) {
			va = next;
			continue;
		}
		if (*e1 & MVGPU_PTE_LARGE) {
			if (va & (LIBMVGPU_LARGE_PAGE_SIZE - 1) ||
			    next - va != LIBMVGPU_LARGE_PAGE_SIZE)
				return -EBUSY;
			*e1 = 0;
			va = next;
			continue;
		}
		for (; va < next; va += LIBMVGPU_PAGE_SIZE) {
			uint64_t *e0 = libmvgpu_pt_entry(pt, va, 0, false);

			if (e0)
				*e0 = 0;
		}
	}
	return 0;
}

int libmvgpu_pt_translate(struct libmvgpu_pt *pt, uint64_t va, uint64_t *addr,
			  uint64_t *pte)
{
	uint64_t *e = libmvgpu_pt_entry(pt, va, 1, false);
	uint64_t mask;

	if (!e || !(*e & MVGPU_PTE_PRESENT))
		return -ENOENT;
	if (*e & MVGPU_PTE_LARGE) {
		mask = LIBMVGPU_LARGE_PAGE_SIZE - 1;
	} else {
		e = libmvgpu_pt_entry(pt, va, 0, false);
		if (!e || !(*e & MVGPU_PTE_PRESENT))
			return -ENOENT;
		mask = LIBMVGPU_PAGE_SIZE - 1;
	}
	if (addr)
		*addr = (*e & MVGPU_PTE_ADDR_MASK & ~mask) | (va & mask);
	if (pte)
		*pte = *e;
	return 0;
}

/* ---- contexts --------------------------------------------------------- */

uint32_t libmvgpu_ctx_rd(struct libmvgpu_ctx *ctx, uint32_t reg)
{
	return libmvgpu_gpu_rd(ctx->gpu, MVGPU_CTX_REG(ctx->idx, reg));
}

void libmvgpu_ctx_wr(struct libmvgpu_ctx *ctx, uint32_t reg, uint32_t val)
{
	libmvgpu_gpu_wr(ctx->gpu, MVGPU_CTX_REG(ctx->idx, reg), val);
}

static void ctx_wr64(struct libmvgpu_ctx *ctx, uint32_t reg, uint64_t val)
{
	libmvgpu_ctx_wr(ctx, reg, (uint32_t)val);
	libmvgpu_ctx_wr(ctx, reg + 4, (uint32_t)(val >> 32));
}

void libmvgpu_ctx_enable(struct libmvgpu_ctx *ctx)
{
	ctx_wr64(ctx, MVGPU_CTX_PT_ROOT_LO, ctx->pt->root);
	ctx_wr64(ctx, MVGPU_CTX_RING_BASE_LO, ctx->ring_va);
	libmvgpu_ctx_wr(ctx, MVGPU_CTX_RING_SIZE, ctx->ring_size);
	libmvgpu_ctx_wr(ctx, MVGPU_CTX_CONTROL, MVGPU_CTX_CONTROL_ENABLE);
	ctx->head = libmvgpu_ctx_rd(ctx, MVGPU_CTX_RING_HEAD) % ctx->ring_size;
	ctx->tail = ctx->head;
}

void libmvgpu_ctx_disable(struct libmvgpu_ctx *ctx)
{
	libmvgpu_ctx_wr(ctx, MVGPU_CTX_CONTROL, 0);
}

/*
 * libmvgpu_ctx_init() and libmvgpu_ctx_init_vram(): the ring and the fence page
 * in guest RAM from the pool, or in VRAM at vram_off when vram is set.
 */
static int ctx_init(struct libmvgpu_ctx *ctx, struct libmvgpu_gpu *gpu,
		    struct libmvgpu_pt *pt, unsigned int idx, uint32_t ring_size,
		    bool vram, uint64_t vram_off)
{
	unsigned int flags = vram ? LIBMVGPU_MAP_VRAM : 0;
	uint64_t fence_addr;
	void *fence;
	int ret;

	memset(ctx, 0, sizeof(*ctx));
	if (ring_size < 4096 || ring_size > (1u << 20) ||
	    (ring_size & (ring_size - 1)) || idx >= MVGPU_MAX_CONTEXTS)
		return -EINVAL;
	ctx->gpu = gpu;
	ctx->pt = pt;
	ctx->idx = idx;
	ctx->ring_size = ring_size;
	ctx->ring_va = LIBMVGPU_CTX_RING_VA(idx);
	ctx->fence_va = LIBMVGPU_CTX_FENCE_VA(idx);

	if (vram) {
		if ((vram_off & (LIBMVGPU_PAGE_SIZE - 1)) || !gpu->vram ||
		    vram_off > gpu->vram_size ||
		    ring_size + LIBMVGPU_PAGE_SIZE > gpu->vram_size - vram_off)
			return -EINVAL;
		ctx->ring_gpa = vram_off;
		ctx->ring = (uint32_t *)((char *)gpu->vram + vram_off);
		memset(ctx->ring, 0, ring_size + LIBMVGPU_PAGE_SIZE);
	} else {
		ret = libmvgpu_gpu_alloc(gpu, ring_size, 0, &ctx->ring_gpa,
					 (void **)&ctx->ring);
		if (ret)
			return ret;
	}
	ret = libmvgpu_pt_map(pt, ctx->ring_va, ctx->ring_gpa, ring_size, flags);
	if (ret)
		return ret;
	if (vram) {
		fence_addr = vram_off + ring_size;
		fence = (char *)gpu->vram + fence_addr;
	} else {
		ret = libmvgpu_gpu_alloc(gpu, LIBMVGPU_PAGE_SIZE, 0, &fence_addr,
					 &fence);
		if (ret)
			return ret;
	}
	ctx->fence_cpu = fence;
	ret = libmvgpu_pt_map(pt, ctx->fence_va, fence_addr, LIBMVGPU_PAGE_SIZE,
			      flags | LIBMVGPU_MAP_WRITE);
	if (ret)
		return ret;
	libmvgpu_ctx_enable(ctx);
	return 0;
}

int libmvgpu_ctx_init(struct libmvgpu_ctx *ctx, struct libmvgpu_gpu *gpu,
		      struct libmvgpu_pt *pt, unsigned int idx, uint32_t ring_size)
{
	return ctx_init(ctx, gpu, pt, idx, ring_size, false, 0);
}

int libmvgpu_ctx_init_vram(struct libmvgpu_ctx *ctx, struct libmvgpu_gpu *gpu,
			   struct libmvgpu_pt *pt, unsigned int idx,
			uint32_t ring_size, uint64_t vram_off)
{
	return ctx_init(ctx, gpu, pt, idx, ring_size, true, vram_off);
}

void libmvgpu_ctx_tlb_inv(struct libmvgpu_ctx *ctx, uint64_t va, uint64_t size)
{
	ctx_wr64(ctx, MVGPU_CTX_TLB_INV_ADDR_LO, va);
	ctx_wr64(ctx, MVGPU_CTX_TLB_INV_SIZE_LO, size);
	libmvgpu_ctx_wr(ctx, MVGPU_CTX_TLB_INV, 1);
}

/* ---- rings and commands ----------------------------------------------- */

uint32_t libmvgpu_ring_space(struct libmvgpu_ctx *ctx)
{
	uint32_t used = (ctx->tail - ctx->head) & (ctx->ring_size - 1);

	/* one dword stays free: head == tail means empty */
	return ctx->ring_size - used - 4;
}

uint32_t libmvgpu_ring_update(struct libmvgpu_ctx *ctx)
{
	if (ctx->gpu->dev)
		ctx->head = libmvgpu_ctx_rd(ctx, MVGPU_CTX_RING_HEAD) &
			    (ctx->ring_size - 1);
	return libmvgpu_ring_space(ctx);
}

static void ring_put(struct libmvgpu_ctx *ctx, uint32_t dw)
{
	ctx->ring[ctx->tail / 4] = dw;
	ctx->tail = (ctx->tail + 4) & (ctx->ring_size - 1);
}

static bool ctx_faulted(struct libmvgpu_ctx *ctx)
{
	return libmvgpu_ctx_rd(ctx, MVGPU_CTX_STATUS) & MVGPU_CTX_STATUS_FAULTED;
}

/*
 * Poll check(ctx, arg) with a backoff from 20 us to 2 ms between looks:
 * check returns 1 when the wait is over (then 0 is returned), a negative
 * errno to end it with that error, or 0 to look again. -ETIMEDOUT after
 * timeout_ms.
 */
static int ctx_poll(struct libmvgpu_ctx *ctx, int timeout_ms,
		    int (*check)(struct libmvgpu_ctx *ctx, void *arg), void *arg)
{
	uint64_t deadline = libmvgpu_now_ns() + (uint64_t)timeout_ms * 1000000;
	unsigned int delay = 20;
	int ret;

	for (;;) {
		ret = check(ctx, arg);
		if (ret)
			return ret < 0 ? ret : 0;
		if (libmvgpu_now_ns() > deadline)
			return -ETIMEDOUT;
		libmvgpu_sleep_us(delay);
		if (delay < 2000)
			delay *= 2;
	}
}

static int ring_has_space(struct libmvgpu_ctx *ctx, void *arg)
{
	/* the engine may have moved on since we last looked */
	ctx->head = libmvgpu_ctx_rd(ctx, MVGPU_CTX_RING_HEAD) &
		    (ctx->ring_size - 1);
	if (libmvgpu_ring_space(ctx) >= *(uint32_t *)arg)
		return 1;
	if (ctx_faulted(ctx))
		return -EFAULT;
	/* make sure what is queued is being worked on */
	libmvgpu_ring_kick(ctx);
	return 0;
}

/* Wait until bytes are free in the ring. */
static int ring_wait_space(struct libmvgpu_ctx *ctx, uint32_t bytes,
			   int timeout_ms)
{
	if (bytes > ctx->ring_size - 4)
		return -E2BIG;
	if (libmvgpu_ring_space(ctx) >= bytes)
		return 0;
	if (!ctx->gpu->dev)
		return -ENOSPC;
	return ctx_poll(ctx, timeout_ms, ring_has_space, &bytes);
}

uint32_t *libmvgpu_ring_reserve(struct libmvgpu_ctx *ctx, unsigned int ndw,
				int timeout_ms, int *err)
{
	uint32_t bytes = ndw * 4, to_end;
	int ret;

	if (!ndw || ndw > 0xffff) {
		ret = -EINVAL;
		goto fail;
	}
	to_end = ctx->ring_size - ctx->tail;
	if (bytes > to_end) {
		/* pad to the end of the ring with NOPs, then start at 0 */
		ret = ring_wait_space(ctx, to_end + bytes, timeout_ms);
		if (ret)
			goto fail;
		while (to_end) {
			uint32_t n = to_end / 4 > 0xffff ? 0xffff : to_end / 4;
			uint32_t i;

			ring_put(ctx, MVGPU_CMD_HDR(MVGPU_CMD_NOP, 0, n));
			for (i = 1; i < n; i++)
				ring_put(ctx, 0);
			to_end -= n * 4;
		}
	} else {
		ret = ring_wait_space(ctx, bytes, timeout_ms);
		if (ret)
			goto fail;
	}
	return &ctx->ring[ctx->tail / 4];
fail:
	if (err)
		*err = ret;
	return NULL;
}

int libmvgpu_ring_emit_raw(struct libmvgpu_ctx *ctx, const uint32_t *dw,
			   unsigned int ndw)
{
	unsigned int i;
	int ret;

	ret = ring_wait_space(ctx, ndw * 4, 10000);
	if (ret)
		return ret;
	for (i = 0; i < ndw; i++)
		ring_put(ctx, dw[i]);
	return 0;
}

void libmvgpu_ring_kick(struct libmvgpu_ctx *ctx)
{
	libmvgpu_ctx_wr(ctx, MVGPU_CTX_RING_TAIL, ctx->tail);
}

/* Timeout for ring space in the emitters. */
#define EMIT_TIMEOUT_MS		60000

/* Reserve and fill one command of ndw dwords from dw[]. */
static int emit(struct libmvgpu_ctx *ctx, const uint32_t *dw, unsigned int ndw)
{
	uint32_t *p;
	int ret = 0;

	p = libmvgpu_ring_reserve(ctx, ndw, EMIT_TIMEOUT_MS, &ret);
	if (!p)
		return ret;
	memcpy(p, dw, ndw * 4);
	ctx->tail = (ctx->tail + ndw * 4) & (ctx->ring_size - 1);
	return 0;
}

int libmvgpu_emit_nop(struct libmvgpu_ctx *ctx, unsigned int ndw)
{
	uint32_t *p;
	int ret = 0;

	p = libmvgpu_ring_reserve(ctx, ndw, EMIT_TIMEOUT_MS, &ret);
	if (!p)
		return ret;
	memset(p, 0, ndw * 4);
	p[0] = MVGPU_CMD_HDR(MVGPU_CMD_NOP, 0, ndw);
	ctx->tail = (ctx->tail + ndw * 4) & (ctx->ring_size - 1);
	return 0;
}

int libmvgpu_emit_fence(struct libmvgpu_ctx *ctx, uint64_t va, uint64_t value,
			bool irq)
{
	uint32_t dw[LIBMVGPU_CMD_NDW_MAX];

	return emit(ctx, dw, libmvgpu_cmd_fence(dw, va, value, irq));
}

int libmvgpu_emit_copy(struct libmvgpu_ctx *ctx, uint64_t src, uint64_t dst,
		       uint64_t size)
{
	uint32_t dw[LIBMVGPU_CMD_NDW_MAX];

	return emit(ctx, dw, libmvgpu_cmd_copy(dw, src, dst, size));
}

int libmvgpu_emit_fill(struct libmvgpu_ctx *ctx, uint64_t dst, uint64_t size,
		       uint32_t pattern)
{
	uint32_t dw[LIBMVGPU_CMD_NDW_MAX];

	return emit(ctx, dw, libmvgpu_cmd_fill(dw, dst, size, pattern));
}

int libmvgpu_emit_gemm(struct libmvgpu_ctx *ctx, uint64_t a, uint64_t b,
		       uint64_t c, uint32_t m, uint32_t n, uint32_t k)
{
	uint32_t dw[LIBMVGPU_CMD_NDW_MAX];

	return emit(ctx, dw, libmvgpu_cmd_gemm(dw, a, b, c, m, n, k));
}

int libmvgpu_emit_hash(struct libmvgpu_ctx *ctx, uint64_t src, uint64_t size,
		       uint64_t dst)
{
	uint32_t dw[LIBMVGPU_CMD_NDW_MAX];

	return emit(ctx, dw, libmvgpu_cmd_hash(dw, src, size, dst));
}

int libmvgpu_emit_wait(struct libmvgpu_ctx *ctx, uint64_t va, uint64_t value)
{
	uint32_t dw[LIBMVGPU_CMD_NDW_MAX];

	return emit(ctx, dw, libmvgpu_cmd_wait(dw, va, value));
}

int libmvgpu_emit_timestamp(struct libmvgpu_ctx *ctx, uint64_t va)
{
	uint32_t dw[LIBMVGPU_CMD_NDW_MAX];

	return emit(ctx, dw, libmvgpu_cmd_timestamp(dw, va));
}

/* ---- fences and faults ------------------------------------------------- */

int64_t libmvgpu_ctx_fence(struct libmvgpu_ctx *ctx, bool irq)
{
	int ret = libmvgpu_emit_fence(ctx, ctx->fence_va, ctx->seqno + 1, irq);

	if (ret)
		return ret;
	ctx->seqno++;
	return (int64_t)ctx->seqno;
}

uint64_t libmvgpu_ctx_fence_reg(struct libmvgpu_ctx *ctx)
{
	uint32_t lo = libmvgpu_ctx_rd(ctx, MVGPU_CTX_FENCE_LO);
	uint32_t hi = libmvgpu_ctx_rd(ctx, MVGPU_CTX_FENCE_HI);
	uint32_t lo2 = libmvgpu_ctx_rd(ctx, MVGPU_CTX_FENCE_LO);

	/* the engine may have moved on between the two halves */
	if (lo2 < lo)
		hi = libmvgpu_ctx_rd(ctx, MVGPU_CTX_FENCE_HI);
	return (uint64_t)hi << 32 | lo2;
}

static int fence_reached(struct libmvgpu_ctx *ctx, void *arg)
{
	if (libmvgpu_ctx_fence_reg(ctx) >= *(uint64_t *)arg)
		return 1;
	return ctx_faulted(ctx) ? -EFAULT : 0;
}

int libmvgpu_ctx_wait_fence(struct libmvgpu_ctx *ctx, uint64_t value,
			    int timeout_ms)
{
	return ctx_poll(ctx, timeout_ms, fence_reached, &value);
}

int libmvgpu_ctx_wait_fence_irq(struct libmvgpu_ctx *ctx, uint64_t value,
				int timeout_ms)
{
	uint64_t deadline = libmvgpu_now_ns() + (uint64_t)timeout_ms * 1000000;
	struct libmvgpu_gpu *gpu = ctx->gpu;
	int ret;

	if (!gpu->irq_on)
		return -EINVAL;
	for (;;) {
		/* ack first: a fence landing after the look fires anew */
		libmvgpu_reg_write(gpu->dev, MVGPU_REG_IRQ_ACK,
				   MVGPU_IRQ_FENCE(ctx->idx));
		ret = fence_reached(ctx, &value);
		if (ret)
			return ret < 0 ? ret : 0;
		if (libmvgpu_now_ns() > deadline)
			return -ETIMEDOUT;
		/* wake now and then anyway: an interrupt is not a promise */
		ret = libmvgpu_eventfd_wait(gpu->irq_fd, 100, NULL);
		if (ret < 0)
			return ret;
	}
}

int libmvgpu_ctx_sync(struct libmvgpu_ctx *ctx, int timeout_ms)
{
	int64_t seq = libmvgpu_ctx_fence(ctx, false);

	if (seq < 0)
		return (int)seq;
	libmvgpu_ring_kick(ctx);
	return libmvgpu_ctx_wait_fence(ctx, (uint64_t)seq, timeout_ms);
}

void libmvgpu_ctx_read_fault(struct libmvgpu_ctx *ctx, struct libmvgpu_fault *f)
{
	f->status = libmvgpu_ctx_rd(ctx, MVGPU_CTX_STATUS);
	f->reason = libmvgpu_ctx_rd(ctx, MVGPU_CTX_FAULT_REASON);
	f->addr = libmvgpu_ctx_rd(ctx, MVGPU_CTX_FAULT_ADDR_LO) |
		  (uint64_t)libmvgpu_ctx_rd(ctx, MVGPU_CTX_FAULT_ADDR_HI) << 32;
	f->head = libmvgpu_ctx_rd(ctx, MVGPU_CTX_RING_HEAD);
}

static int fault_seen(struct libmvgpu_ctx *ctx, void *arg)
{
	struct libmvgpu_fault *f = arg;

	libmvgpu_ctx_read_fault(ctx, f);
	return !!(f->status & MVGPU_CTX_STATUS_FAULTED);
}

int libmvgpu_ctx_wait_fault(struct libmvgpu_ctx *ctx, int timeout_ms,
			    struct libmvgpu_fault *f)
{
	struct libmvgpu_fault tmp;

	return ctx_poll(ctx, timeout_ms, fault_seen, f ? f : &tmp);
}

void libmvgpu_ctx_fault_clear(struct libmvgpu_ctx *ctx)
{
	libmvgpu_ctx_wr(ctx, MVGPU_CTX_FAULT_CLEAR, 1);
}

static int ring_idle(struct libmvgpu_ctx *ctx, void *arg)
{
	(void)arg;
	ctx->head = libmvgpu_ctx_rd(ctx, MVGPU_CTX_RING_HEAD) &
		    (ctx->ring_size - 1);
	if (ctx->head == ctx->tail)
		return 1;
	return ctx_faulted(ctx) ? -EFAULT : 0;
}

int libmvgpu_ctx_wait_idle(struct libmvgpu_ctx *ctx, int timeout_ms)
{
	return ctx_poll(ctx, timeout_ms, ring_idle, NULL);
}

uint64_t libmvgpu_rand64(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lib/mvgpu_gpu: drive the command engine of a vGPU from userspace, the way a
 * guest driver does: guest memory (anonymous memory DMA-mapped at chosen
 * IOVAs, IOVA = guest physical address), GPU page tables, contexts, rings,
 * command emitters, fences and faults. The command encoding and the CPU
 * references of the compute kernels are common/mvgpu_cmd.h, shared with
 * the guest userspace.
 *
 * A struct libmvgpu_gpu with a NULL device works without hardware: memory is
 * only mmap()ed and register accesses are skipped, which is enough to
 * unit-test the page-table builder and the command emitters.
 *
 * Functions that can fail return 0 or a negative errno value.
 */
#ifndef LIBMVGPU_GPU_H
#define LIBMVGPU_GPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/mvgpu.h>
#include "common/mvgpu_cmd.h"
#include "lib/mvgpu_vfio.h"

#define LIBMVGPU_PAGE_SIZE		(1ull << MVGPU_PAGE_SHIFT)
#define LIBMVGPU_LARGE_PAGE_SIZE	(1ull << MVGPU_LARGE_PAGE_SHIFT)
#define LIBMVGPU_VA_LIMIT		(1ull << MVGPU_VA_BITS)

/* Where the guest RAM pool lives by default (guest physical). */
#define LIBMVGPU_RAM_IOVA_DEFAULT	0x100000000ull

/* ---- guest memory ----------------------------------------------------- */

/*
 * One vGPU as a guest driver sees it. ram is a pool of guest memory that
 * page tables, rings and buffers are carved from (page granular bump
 * allocator); vram is the BAR2 mmap (NULL when not mapped).
 */
struct libmvgpu_gpu {
	struct libmvgpu_dev *dev;
	struct libmvgpu_dma ram;
	size_t ram_used;
	void *vram;
	size_t vram_size;
	unsigned int nr_contexts;
	int irq_fd;		/* eventfd of the MSI, when irq_on */
	bool irq_on;
};

/*
 * Set up gpu over an opened device (or dev == NULL for a device-less
 * unit test): map ram_size bytes of guest RAM at ram_iova and mmap BAR2.
 * 0, -EOPNOTSUPP when BAR2 has no VFIO_REGION_INFO_FLAG_MMAP (kernels
 * before 6.10), or -errno.
 */
int libmvgpu_gpu_init(struct libmvgpu_gpu *gpu, struct libmvgpu_dev *dev,
		      uint64_t ram_iova, size_t ram_size);
/*
 * The same, but a BAR2 without VFIO_REGION_INFO_FLAG_MMAP is no error:
 * then vram is NULL (vram_size is still BAR2's size), and VRAM is reached
 * through the device file (libmvgpu_vram_rd32(), libmvgpu_region_read()).
 */
int libmvgpu_gpu_init_unmapped_ok(struct libmvgpu_gpu *gpu,
				  struct libmvgpu_dev *dev, uint64_t ram_iova,
				  size_t ram_size);
/*
 * The 32-bit word of VRAM at off: through the BAR2 mapping when there is
 * one, else read through the device file; 0xffffffff when that fails.
 */
uint32_t libmvgpu_vram_rd32(struct libmvgpu_gpu *gpu, uint64_t off);
/*
 * Copy len bytes of VRAM at off into buf (read) or from buf (write):
 * through the BAR2 mapping when there is one, else with pread()/pwrite()
 * of BAR2 on the device file, so a test works on VRAM the same way on a
 * kernel where BAR2 cannot be mapped (before 6.10). 0, -EINVAL when
 * [off, off + len) is not inside BAR2, or -errno (-EIO for a transfer
 * that moved nothing).
 */
int libmvgpu_vram_read(struct libmvgpu_gpu *gpu, uint64_t off, void *buf,
		       size_t len);
int libmvgpu_vram_write(struct libmvgpu_gpu *gpu, uint64_t off,
			const void *buf, size_t len);
/* libmvgpu_vram_write() of one 32-bit word. */
int libmvgpu_vram_wr32(struct libmvgpu_gpu *gpu, uint64_t off, uint32_t val);
/* Unmap what init mapped. Safe on a zeroed gpu. */
void libmvgpu_gpu_fini(struct libmvgpu_gpu *gpu);

/*
 * Take the vGPU's interrupts as a guest driver does: program the MSI
 * capability, bind it to a new eventfd (gpu->irq_fd) and enable the
 * MVGPU_IRQ_* sources in IRQ_MASK. 0 or -errno. libmvgpu_gpu_fini() undoes it.
 */
int libmvgpu_gpu_irq_enable(struct libmvgpu_gpu *gpu, uint32_t sources);

/*
 * Carve size bytes (rounded up to pages) aligned to align (a power of two,
 * at least a page) from the RAM pool, zeroed. *gpa and *cpu (either may be
 * NULL) get its guest physical and CPU addresses.
 */
int libmvgpu_gpu_alloc(struct libmvgpu_gpu *gpu, size_t size, size_t align,
		       uint64_t *gpa, void **cpu);
/* CPU address of [gpa, gpa + len) in the RAM pool, or NULL. */
void *libmvgpu_gpu_ptr(struct libmvgpu_gpu *gpu, uint64_t gpa, size_t len);

/* 32-bit register access that is a no-op (reads 0) without a device. */
uint32_t libmvgpu_gpu_rd(struct libmvgpu_gpu *gpu, uint32_t off);
void libmvgpu_gpu_wr(struct libmvgpu_gpu *gpu, uint32_t off, uint32_t val);
/* Read the 64-bit TIMESTAMP clock (LO then HI). */
uint64_t libmvgpu_gpu_timestamp(struct libmvgpu_gpu *gpu);
/* Write RESET_MAGIC to RESET. */
void libmvgpu_gpu_reset_reg(struct libmvgpu_gpu *gpu);

/* ---- page tables ------------------------------------------------------ */

/* Mapping flags of libmvgpu_pt_map(). */
#define LIBMVGPU_MAP_WRITE	(1u << 0)	/* writable by the engine */
#define LIBMVGPU_MAP_VRAM	(1u << 1)	/* addr is a VRAM offset */
#define LIBMVGPU_MAP_LARGE	(1u << 2)	/* use 2 MiB pages */

/* A 4-level GPU page table whose tables come from the gpu's RAM pool. */
struct libmvgpu_pt {
	struct libmvgpu_gpu *gpu;
	uint64_t root;		/* GPA of the level-3 table */
	unsigned int nr_tables;	/* tables allocated, root included */
};

int libmvgpu_pt_init(struct libmvgpu_pt *pt, struct libmvgpu_gpu *gpu);
/*
 * Map [va, va + size) to [addr, addr + size): guest physical memory, or
 * VRAM offsets with LIBMVGPU_MAP_VRAM. va, addr and size must be 4 KiB
 * aligned (2 MiB with LIBMVGPU_MAP_LARGE). Existing leaves in the range are
 * replaced; a 4 KiB mapping inside an existing 2 MiB page (or the other
 * way round) is -EBUSY. Nothing is invalidated: call libmvgpu_ctx_tlb_inv().
 */
int libmvgpu_pt_map(struct libmvgpu_pt *pt, uint64_t va, uint64_t addr,
		    uint64_t size, unsigned int flags);
/*
 * Clear the leaves of [va, va + size) (4 KiB aligned). A 2 MiB page is
 * cleared when the range covers it whole, else -EBUSY. Tables stay.
 */
int libmvgpu_pt_unmap(struct libmvgpu_pt *pt, uint64_t va, uint64_t size);
/*
 * Pointer to the entry that maps va at level (0 = 4 KiB leaf, 1 = 2 MiB
 * leaf / level-0 table pointer, ...), allocating missing tables when
 * alloc is true. NULL when the walk stops early (not present or a large
 * page above the level) or allocation fails. For tests that need raw
 * (even malformed) entries.
 */
uint64_t *libmvgpu_pt_entry(struct libmvgpu_pt *pt, uint64_t va, int level,
			    bool alloc);
/*
 * Software walk: on success *addr gets the GPA / VRAM offset va maps to
 * and *pte the leaf entry. -ENOENT when va is not mapped.
 */
int libmvgpu_pt_translate(struct libmvgpu_pt *pt, uint64_t va, uint64_t *addr,
			  uint64_t *pte);

/* ---- contexts and rings ----------------------------------------------- */

struct libmvgpu_ctx {
	struct libmvgpu_gpu *gpu;
	struct libmvgpu_pt *pt;
	unsigned int idx;
	/* ring */
	uint64_t ring_va;
	uint64_t ring_gpa;	/* or VRAM offset (libmvgpu_ctx_init_vram()) */
	uint32_t *ring;		/* CPU address of the ring */
	uint32_t ring_size;	/* bytes */
	uint32_t tail;		/* where the next command goes */
	uint32_t head;		/* last RING_HEAD seen */
	/* fence page: the FENCE commands write at fence_va */
	uint64_t fence_va;
	uint64_t *fence_cpu;
	uint64_t seqno;		/* last fence value emitted */
};

/*
 * GPU VAs libmvgpu_ctx_init() uses in the context's address space: one per
 * context index, so that contexts may share a page table.
 */
#define LIBMVGPU_CTX_RING_VA(idx)	(0x10000000ull + (uint64_t)(idx) * 0x100000)
#define LIBMVGPU_CTX_FENCE_VA(idx)	(0x0ff00000ull + (uint64_t)(idx) * 0x1000)

/*
 * Set up context idx on page table pt: a ring of ring_size bytes from the
 * RAM pool mapped read-only at LIBMVGPU_CTX_RING_VA(idx), a fence page mapped
 * writable at LIBMVGPU_CTX_FENCE_VA(idx), then program PT_ROOT, RING_BASE,
 * RING_SIZE and enable the context. Mappings made after the enable of
 * another context on the same table need a TLB_INV there to be seen.
 */
int libmvgpu_ctx_init(struct libmvgpu_ctx *ctx, struct libmvgpu_gpu *gpu,
		      struct libmvgpu_pt *pt, unsigned int idx, uint32_t ring_size);
/*
 * The same with the ring and the fence page in VRAM (ring_size + 4 KiB
 * from the VRAM offset vram_off, 4 KiB aligned, zeroed) instead of guest
 * RAM: ring_gpa is that offset. Needs the BAR2 mapping.
 */
int libmvgpu_ctx_init_vram(struct libmvgpu_ctx *ctx, struct libmvgpu_gpu *gpu,
			   struct libmvgpu_pt *pt, unsigned int idx,
			uint32_t ring_size, uint64_t vram_off);
/* Register access of the context's block. */
uint32_t libmvgpu_ctx_rd(struct libmvgpu_ctx *ctx, uint32_t reg);
void libmvgpu_ctx_wr(struct libmvgpu_ctx *ctx, uint32_t reg, uint32_t val);
/* Program PT_ROOT/RING_BASE/RING_SIZE and set ENABLE; tail := head. */
void libmvgpu_ctx_enable(struct libmvgpu_ctx *ctx);
void libmvgpu_ctx_disable(struct libmvgpu_ctx *ctx);
/* TLB_INV of [va, va + size); size 0 is everything. */
void libmvgpu_ctx_tlb_inv(struct libmvgpu_ctx *ctx, uint64_t va, uint64_t size);

/* Free bytes in the ring from the software tail to the last head seen. */
uint32_t libmvgpu_ring_space(struct libmvgpu_ctx *ctx);
/* Read RING_HEAD into the cached head; returns libmvgpu_ring_space(). */
uint32_t libmvgpu_ring_update(struct libmvgpu_ctx *ctx);
/*
 * Reserve ndw dwords at the tail: pads with NOPs to the end of the ring
 * first when the command would cross it, and waits (up to timeout_ms, for
 * the engine to consume) for space. Returns the CPU address to write the
 * command to, or NULL (-errno in *err when err is not NULL).
 */
uint32_t *libmvgpu_ring_reserve(struct libmvgpu_ctx *ctx, unsigned int ndw,
				int timeout_ms, int *err);
/*
 * Copy ndw raw dwords at the tail as they are, without padding (may cross
 * the end of the ring; for malformed-command tests).
 */
int libmvgpu_ring_emit_raw(struct libmvgpu_ctx *ctx, const uint32_t *dw,
			   unsigned int ndw);
/* Doorbell: write the software tail to RING_TAIL. */
void libmvgpu_ring_kick(struct libmvgpu_ctx *ctx);

/* Command emitters: reserve, encode, advance the software tail. */
int libmvgpu_emit_nop(struct libmvgpu_ctx *ctx, unsigned int ndw);
int libmvgpu_emit_fence(struct libmvgpu_ctx *ctx, uint64_t va, uint64_t value,
			bool irq);
int libmvgpu_emit_copy(struct libmvgpu_ctx *ctx, uint64_t src, uint64_t dst,
		       uint64_t size);
int libmvgpu_emit_fill(struct libmvgpu_ctx *ctx, uint64_t dst, uint64_t size,
		       uint32_t pattern);
int libmvgpu_emit_gemm(struct libmvgpu_ctx *ctx, uint64_t a, uint64_t b,
		       uint64_t c, uint32_t m, uint32_t n, uint32_t k);
int libmvgpu_emit_hash(struct libmvgpu_ctx *ctx, uint64_t src, uint64_t size,
		       uint64_t dst);
int libmvgpu_emit_wait(struct libmvgpu_ctx *ctx, uint64_t va, uint64_t value);
int libmvgpu_emit_timestamp(struct libmvgpu_ctx *ctx, uint64_t va);

/*
 * FENCE with the next sequence number at the context's fence page;
 * returns that number (> 0) or -errno.
 */
int64_t libmvgpu_ctx_fence(struct libmvgpu_ctx *ctx, bool irq);
/* The context's FENCE register. */
uint64_t libmvgpu_ctx_fence_reg(struct libmvgpu_ctx *ctx);
/*
 * Poll until FENCE >= value. 0 when reached, -EFAULT when the context
 * faulted first, -ETIMEDOUT after timeout_ms.
 */
int libmvgpu_ctx_wait_fence(struct libmvgpu_ctx *ctx, uint64_t value,
			    int timeout_ms);
/*
 * Like libmvgpu_ctx_wait_fence(), but sleeps on the interrupt between looks
 * instead of polling: needs libmvgpu_gpu_irq_enable() with this context's
 * MVGPU_IRQ_FENCE and fences emitted with irq set.
 */
int libmvgpu_ctx_wait_fence_irq(struct libmvgpu_ctx *ctx, uint64_t value,
				int timeout_ms);
/* Emit a fence, kick, and wait for it. */
int libmvgpu_ctx_sync(struct libmvgpu_ctx *ctx, int timeout_ms);

/* Fault state of a context. */
struct libmvgpu_fault {
	uint32_t status;	/* MVGPU_CTX_STATUS_* */
	uint32_t reason;	/* MVGPU_FAULT_* */
	uint64_t addr;
	uint32_t head;		/* RING_HEAD */
};

void libmvgpu_ctx_read_fault(struct libmvgpu_ctx *ctx, struct libmvgpu_fault *f);
/* Poll until STATUS.FAULTED; 0, or -ETIMEDOUT. f may be NULL. */
int libmvgpu_ctx_wait_fault(struct libmvgpu_ctx *ctx, int timeout_ms,
			    struct libmvgpu_fault *f);
/* Write 1 to FAULT_CLEAR. */
void libmvgpu_ctx_fault_clear(struct libmvgpu_ctx *ctx);
/* Poll until RING_HEAD == software tail (ring drained); 0 or -errno. */
int libmvgpu_ctx_wait_idle(struct libmvgpu_ctx *ctx, int timeout_ms);

/* ---- misc --------------------------------------------------------------- */

/* Read / write guest memory the device writes / reads concurrently. */
static inline uint64_t libmvgpu_load64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void libmvgpu_store64(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* CLOCK_MONOTONIC in ns. */
uint64_t libmvgpu_now_ns(void);
void libmvgpu_sleep_us(unsigned int us);

/* Small deterministic PRNG (xorshift64*) for test data. */
uint64_t libmvgpu_rand64(uint64_t *state);

#endif /* LIBMVGPU_GPU_H */

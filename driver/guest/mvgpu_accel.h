/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvgpu_accel: guest driver for the mvgpu vGPU, internal interfaces.
 */
#ifndef _MVGPU_ACCEL_H
#define _MVGPU_ACCEL_H

#include "../compat/compat.h"
#include <drm/drm_device.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_mm.h>
#include <linux/io.h>
#include <linux/pci.h>
#include <linux/wait.h>
#include <uapi/drm/mvgpu_accel.h>
#include <uapi/linux/mvgpu.h>

struct mvgpu_accel_disp;
struct mvgpu_accel_disp_ops;

#define MVGPU_ACCEL_RING_SIZE		SZ_256K
#define MVGPU_ACCEL_SUBMIT_MAX_DW	16384
/* GPU VA layout of every context: nothing below 1 MiB (catches NULL). */
#define MVGPU_ACCEL_VA_RING		SZ_1M
#define MVGPU_ACCEL_VA_FENCE \
	(MVGPU_ACCEL_VA_RING + MVGPU_ACCEL_RING_SIZE)
#define MVGPU_ACCEL_VA_USER_START	SZ_16M
#define MVGPU_ACCEL_VA_USER_END		BIT_ULL(47)

/**
 * struct mvgpu_accel_dev - one vGPU as the guest driver sees it
 * @drm: the DRM (accel) device
 * @pdev: the PCI function
 * @mmio: BAR0 registers
 * @vram: BAR2 mapped write-combined, for clearing VRAM buffers
 * @vram_base: bus address of BAR2
 * @vram_size: bytes of VRAM
 * @nr_contexts: hardware contexts the vGPU implements
 * @lock: protects @ctx_map and @vram_mm
 * @ctx_map: bit n set while context n belongs to an open file
 * @vram_mm: VRAM allocator
 * @irq_lock: protects @contexts, for the interrupt handler
 * @contexts: open contexts by index
 * @has_display: CAPS has DISPLAY (set before the interrupt is requested)
 * @disp: the display's auxiliary device, or NULL (probe and remove only)
 * @disp_node: the VRAM range of its scanout while a display driver is
 *	attached, in @vram_mm (@lock; changed under @disp_lock)
 * @disp_lock: protects @disp_ops and @disp_priv for the reset hooks,
 *	and serialises attaching and detaching
 * @disp_irq_lock: protects @disp_ops, @disp_priv and @disp_irq_mask for
 *	the interrupt handler, which calls @disp_ops->irq under it
 * @disp_ops: what the attached display driver wants called, or NULL
 * @disp_priv: its argument
 * @disp_irq_mask: the DISP_IRQ_MASK the display driver asked for (0
 *	without one; the interrupt handler reads it first without the lock)
 */
struct mvgpu_accel_dev {
	struct drm_device drm;
	struct pci_dev *pdev;
	void __iomem *mmio;
	void __iomem *vram;
	resource_size_t vram_base;
	resource_size_t vram_size;
	unsigned int nr_contexts;
	/* protects ctx_map and vram_mm */
	struct mutex lock;
	unsigned long ctx_map;
	struct drm_mm vram_mm;
	/* protects contexts[] against the interrupt handler */
	spinlock_t irq_lock;
	struct mvgpu_accel_ctx *contexts[MVGPU_MAX_CONTEXTS];
	bool has_display;
	struct mvgpu_accel_disp *disp;
	struct drm_mm_node disp_node;
	/* protects disp_ops and disp_priv for the reset hooks */
	struct mutex disp_lock;
	/* protects disp_ops, disp_priv, disp_irq_mask for the IRQ handler */
	spinlock_t disp_irq_lock;
	const struct mvgpu_accel_disp_ops *disp_ops;
	void *disp_priv;
	u32 disp_irq_mask;
};

/**
 * struct mvgpu_accel_bo - a buffer object
 * @base: the GEM object
 * @vram: lives in VRAM (else system memory)
 * @vram_node: its VRAM range, for @vram
 * @pages: its pages, for system memory
 * @dma: bus address of each page, for system memory
 */
struct mvgpu_accel_bo {
	struct drm_gem_object base;
	bool vram;
	struct drm_mm_node vram_node;
	struct page **pages;
	dma_addr_t *dma;
};

/**
 * struct mvgpu_accel_pt_node - one page of a context's GPU page table
 * @cpu: its entries
 * @dma: its bus address
 * @child: the tables its entries point at (levels 3..1)
 */
struct mvgpu_accel_pt_node {
	__le64 *cpu;
	dma_addr_t dma;
	struct mvgpu_accel_pt_node **child;
};

/**
 * struct mvgpu_accel_ctx - a GPU context: what one open file owns
 * @adev: the device
 * @index: hardware context number
 * @lock: protects everything below but the fields set by the interrupt
 * @root: level-3 page table
 * @va_mm: GPU VA allocator for buffers
 * @vmas: buffers bound into the address space
 * @ring: the ring (coherent DMA memory)
 * @ring_dma: its bus address
 * @fence: the page FENCE commands write the sequence number to
 * @fence_dma: its bus address
 * @tail: byte offset where the next command goes
 * @seqno: last sequence number submitted
 * @wq: waiters for fences and faults
 * @dead: faulted or lost to a device reset (irq_lock)
 * @fault_reason: MVGPU_FAULT_* of the fault (irq_lock)
 * @fault_addr: faulting GPU VA (irq_lock)
 */
struct mvgpu_accel_ctx {
	struct mvgpu_accel_dev *adev;
	unsigned int index;
	/* protects the page tables, va_mm, vmas, ring and seqno */
	struct mutex lock;
	struct mvgpu_accel_pt_node *root;
	struct drm_mm va_mm;
	struct list_head vmas;
	u32 *ring;
	dma_addr_t ring_dma;
	u64 *fence;
	dma_addr_t fence_dma;
	u32 tail;
	u64 seqno;
	wait_queue_head_t wq;
	bool dead;
	u32 fault_reason;
	u64 fault_addr;
};

static inline struct mvgpu_accel_dev *to_adev(struct drm_device *drm)
{
	return container_of(drm, struct mvgpu_accel_dev, drm);
}

static inline struct mvgpu_accel_bo *to_bo(struct drm_gem_object *obj)
{
	return container_of(obj, struct mvgpu_accel_bo, base);
}

static inline u32 mvgpu_accel_rd(struct mvgpu_accel_dev *adev, u32 off)
{
	return readl(adev->mmio + off);
}

static inline void mvgpu_accel_wr(struct mvgpu_accel_dev *adev, u32 off,
				  u32 val)
{
	writel(val, adev->mmio + off);
}

/* disp.c: the display's auxiliary device, where the kernel has the bus */
#if IS_ENABLED(CONFIG_AUXILIARY_BUS)
void mvgpu_accel_disp_init(struct mvgpu_accel_dev *adev);
void mvgpu_accel_disp_fini(struct mvgpu_accel_dev *adev);
bool mvgpu_accel_disp_irq(struct mvgpu_accel_dev *adev);
void mvgpu_accel_disp_hw_init(struct mvgpu_accel_dev *adev);
void mvgpu_accel_disp_reset_prepare(struct mvgpu_accel_dev *adev);
void mvgpu_accel_disp_reset_done(struct mvgpu_accel_dev *adev);
#else
static inline void mvgpu_accel_disp_init(struct mvgpu_accel_dev *adev) { }
static inline void mvgpu_accel_disp_fini(struct mvgpu_accel_dev *adev) { }
static inline void mvgpu_accel_disp_hw_init(struct mvgpu_accel_dev *adev) { }
static inline void
mvgpu_accel_disp_reset_prepare(struct mvgpu_accel_dev *adev) { }
static inline void
mvgpu_accel_disp_reset_done(struct mvgpu_accel_dev *adev) { }

static inline bool mvgpu_accel_disp_irq(struct mvgpu_accel_dev *adev)
{
	return false;
}
#endif

/* gem.c */
int mvgpu_accel_ioctl_bo_create(struct drm_device *drm, void *data,
				struct drm_file *file);
int mvgpu_accel_ioctl_bo_mmap(struct drm_device *drm, void *data,
			      struct drm_file *file);

/* vm.c */
int mvgpu_accel_vm_init(struct mvgpu_accel_ctx *ctx);
void mvgpu_accel_vm_fini(struct mvgpu_accel_ctx *ctx);
int mvgpu_accel_vm_map_dma(struct mvgpu_accel_ctx *ctx, u64 va,
			   const dma_addr_t *dma, unsigned long npages,
			   bool writable);
int mvgpu_accel_ioctl_vm_bind(struct drm_device *drm, void *data,
			      struct drm_file *file);
int mvgpu_accel_ioctl_vm_unbind(struct drm_device *drm, void *data,
				struct drm_file *file);

/* ctx.c */
int mvgpu_accel_ctx_open(struct mvgpu_accel_dev *adev, struct drm_file *file);
void mvgpu_accel_ctx_close(struct mvgpu_accel_dev *adev, struct drm_file *file);
void mvgpu_accel_ctx_irq(struct mvgpu_accel_dev *adev, u32 status);
void mvgpu_accel_ctx_lose_all(struct mvgpu_accel_dev *adev);
int mvgpu_accel_ioctl_submit(struct drm_device *drm, void *data,
			     struct drm_file *file);
int mvgpu_accel_ioctl_wait(struct drm_device *drm, void *data,
			   struct drm_file *file);

#endif /* _MVGPU_ACCEL_H */

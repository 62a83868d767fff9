// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu_accel: GPU address spaces. Each context has its own four-level
 * page table (format in <linux/mvgpu.h>) in coherent DMA memory. Binding a
 * buffer writes its entries, then asks the vGPU to invalidate exactly the
 * range that changed, which is when the host picks the change up.
 */
#include <drm/drm_file.h>
#include <linux/dma-mapping.h>
#include <linux/slab.h>

#include "mvgpu_accel.h"

#define PT_SHIFT(level)		(MVGPU_PAGE_SHIFT + 9 * (level))
#define PT_INDEX(va, level)	(((va) >> PT_SHIFT(level)) & (MVGPU_PT_ENTRIES - 1))

/**
 * struct mvgpu_accel_vma - a buffer bound into a context
 * @node: its GPU VA range
 * @bo: the buffer (a reference is held)
 * @link: entry in the context's list
 */
struct mvgpu_accel_vma {
	struct drm_mm_node node;
	struct mvgpu_accel_bo *bo;
	struct list_head link;
};

static struct mvgpu_accel_pt_node *
mvgpu_accel_pt_alloc(struct mvgpu_accel_dev *adev, int level)
{
	struct mvgpu_accel_pt_node *node = kzalloc(sizeof(*node), GFP_KERNEL);

	if (!node)
		return NULL;
	node->cpu = dma_alloc_coherent(&adev->pdev->dev, PAGE_SIZE, &node->dma,
				       GFP_KERNEL);
	if (!node->cpu)
		goto err;
	if (level > 0) {
		node->child = kcalloc(MVGPU_PT_ENTRIES, sizeof(*node->child),
				      GFP_KERNEL);
		if (!node->child)
			goto err_dma;
	}
	return node;

err_dma:
	dma_free_coherent(&adev->pdev->dev, PAGE_SIZE, node->cpu, node->dma);
err:
	kfree(node);
	return NULL;
}

static void mvgpu_accel_pt_free(struct mvgpu_accel_dev *adev,
				struct mvgpu_accel_pt_node *node, int level)
{
	int i;

	if (!node)
		return;
	if (level > 0) {
		for (i = 0; i < MVGPU_PT_ENTRIES; i++)
			mvgpu_accel_pt_free(adev, node->child[i], level - 1);
		kfree(node->child);
	}
	dma_free_coherent(&adev->pdev->dev, PAGE_SIZE, node->cpu, node->dma);
	kfree(node);
}

/* The level-0 entry of @va, allocating tables on the way. */
static __le64 *mvgpu_accel_pt_slot(struct mvgpu_accel_ctx *ctx, u64 va)
{
	struct mvgpu_accel_pt_node *node = ctx->root;
	int level;

	for (level = MVGPU_PT_LEVELS - 1; level > 0; level--) {
		unsigned int i = PT_INDEX(va, level);

		if (!node->child[i]) {
			node->child[i] = mvgpu_accel_pt_alloc(ctx->adev,
							      level - 1);
			if (!node->child[i])
				return NULL;
			node->cpu[i] = cpu_to_le64(node->child[i]->dma |
						   MVGPU_PTE_PRESENT);
		}
		node = node->child[i];
	}
	return &node->cpu[PT_INDEX(va, 0)];
}

/* Tell the vGPU that [va, va + size) changed. */
static void mvgpu_accel_tlb_invalidate(struct mvgpu_accel_ctx *ctx, u64 va,
				       u64 size)
{
	struct mvgpu_accel_dev *adev = ctx->adev;
	unsigned int n = ctx->index;

	/* Entries are in coherent memory; writel orders them before. */
	mvgpu_accel_wr(adev, MVGPU_CTX_REG(n, MVGPU_CTX_TLB_INV_ADDR_LO),
		       lower_32_bits(va));
	mvgpu_accel_wr(adev, MVGPU_CTX_REG(n, MVGPU_CTX_TLB_INV_ADDR_HI),
		       upper_32_bits(va));
	mvgpu_accel_wr(adev, MVGPU_CTX_REG(n, MVGPU_CTX_TLB_INV_SIZE_LO),
		       lower_32_bits(size));
	mvgpu_accel_wr(adev, MVGPU_CTX_REG(n, MVGPU_CTX_TLB_INV_SIZE_HI),
		       upper_32_bits(size));
	mvgpu_accel_wr(adev, MVGPU_CTX_REG(n, MVGPU_CTX_TLB_INV), 1);
}

static int mvgpu_accel_vm_set(struct mvgpu_accel_ctx *ctx, u64 va,
			      unsigned long npages, const dma_addr_t *dma,
			      u64 vram_start, u64 flags)
{
	unsigned long i;

	for (i = 0; i < npages; i++) {
		__le64 *slot = mvgpu_accel_pt_slot(ctx, va + (i << PAGE_SHIFT));
		u64 addr;

		if (!slot)
			return -ENOMEM;
		if (!flags)
			addr = 0;
		else if (dma)
			addr = dma[i];
		else
			addr = vram_start + (i << PAGE_SHIFT);
		*slot = cpu_to_le64(flags ? addr | flags : 0);
	}
	return 0;
}

/**
 * mvgpu_accel_vm_map_dma() - map system memory pages at a GPU VA
 * @ctx: the context; caller holds @ctx->lock or owns it exclusively
 * @va: page-aligned GPU VA
 * @dma: bus address of each page
 * @npages: pages
 * @writable: the GPU may write them
 *
 * Does not invalidate: the caller does, or enables the context after.
 *
 * Return: 0 or -ENOMEM.
 */
int mvgpu_accel_vm_map_dma(struct mvgpu_accel_ctx *ctx, u64 va,
			   const dma_addr_t *dma, unsigned long npages,
			   bool writable)
{
	return mvgpu_accel_vm_set(ctx, va, npages, dma, 0,
			    MVGPU_PTE_PRESENT |
			    (writable ? MVGPU_PTE_WRITABLE : 0));
}

/**
 * mvgpu_accel_vm_init() - an empty address space for a new context
 * @ctx: the context
 *
 * Return: 0 or -ENOMEM.
 */
int mvgpu_accel_vm_init(struct mvgpu_accel_ctx *ctx)
{
	ctx->root = mvgpu_accel_pt_alloc(ctx->adev, MVGPU_PT_LEVELS - 1);
	if (!ctx->root)
		return -ENOMEM;
	drm_mm_init(&ctx->va_mm, MVGPU_ACCEL_VA_USER_START,
		    MVGPU_ACCEL_VA_USER_END - MVGPU_ACCEL_VA_USER_START);
	INIT_LIST_HEAD(&ctx->vmas);
	return 0;
}

static void mvgpu_accel_vma_destroy(struct mvgpu_accel_ctx *ctx,
				    struct mvgpu_accel_vma *vma)
{
	list_del(&vma->link);
	drm_mm_remove_node(&vma->node);
	drm_gem_object_put(&vma->bo->base);
	kfree(vma);
}

/**
 * mvgpu_accel_vm_fini() - tear down an address space (context disabled)
 * @ctx: the context
 */
void mvgpu_accel_vm_fini(struct mvgpu_accel_ctx *ctx)
{
	struct mvgpu_accel_vma *vma, *tmp;

	list_for_each_entry_safe(vma, tmp, &ctx->vmas, link)
		mvgpu_accel_vma_destroy(ctx, vma);
	drm_mm_takedown(&ctx->va_mm);
	mvgpu_accel_pt_free(ctx->adev, ctx->root, MVGPU_PT_LEVELS - 1);
	ctx->root = NULL;
}

/**
 * mvgpu_accel_ioctl_vm_bind() - DRM_IOCTL_MVGPU_VM_BIND
 * @drm: the device
 * @data: struct drm_mvgpu_vm_bind
 * @file: the caller
 *
 * Return: 0 or a negative errno.
 */
int mvgpu_accel_ioctl_vm_bind(struct drm_device *drm, void *data,
			      struct drm_file *file)
{
	struct mvgpu_accel_ctx *ctx = file->driver_priv;
	struct drm_mvgpu_vm_bind *args = data;
	struct drm_gem_object *obj;
	struct mvgpu_accel_vma *vma;
	struct mvgpu_accel_bo *bo;
	u64 flags;
	int ret;

	if (args->flags & ~DRM_MVGPU_BIND_READONLY)
		return -EINVAL;
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	bo = to_bo(obj);
	vma = kzalloc(sizeof(*vma), GFP_KERNEL);
	if (!vma) {
		drm_gem_object_put(obj);
		return -ENOMEM;
	}
	vma->bo = bo;	/* takes the lookup's reference */

	flags = MVGPU_PTE_PRESENT;
	if (!(args->flags & DRM_MVGPU_BIND_READONLY))
		flags |= MVGPU_PTE_WRITABLE;
	if (bo->vram)
		flags |= MVGPU_PTE_VRAM;

	mutex_lock(&ctx->lock);
	/* A guard page after each buffer catches overruns. */
	ret = drm_mm_insert_node_generic(&ctx->va_mm, &vma->node,
					 obj->size + PAGE_SIZE, PAGE_SIZE, 0, 0);
	if (ret)
		goto err_unlock;
	ret = mvgpu_accel_vm_set(ctx, vma->node.start, obj->size >> PAGE_SHIFT,
				 bo->vram ? NULL : bo->dma,
			   bo->vram ? bo->vram_node.start : 0, flags);
	if (ret) {
		mvgpu_accel_vm_set(ctx, vma->node.start,
				   obj->size >> PAGE_SHIFT, NULL, 0, 0);
		drm_mm_remove_node(&vma->node);
		goto err_unlock;
	}
	mvgpu_accel_tlb_invalidate(ctx, vma->node.start, obj->size);
	list_add_tail(&vma->link, &ctx->vmas);
	args->va = vma->node.start;
	mutex_unlock(&ctx->lock);
	return 0;

err_unlock:
	mutex_unlock(&ctx->lock);
	drm_gem_object_put(obj);
	kfree(vma);
	return ret;
}

/**
 * mvgpu_accel_ioctl_vm_unbind() - DRM_IOCTL_MVGPU_VM_UNBIND
 * @drm: the device
 * @data: struct drm_mvgpu_vm_unbind
 * @file: the caller
 *
 * Return: 0, or -ENOENT when nothing was bound at that address.
 */
int mvgpu_accel_ioctl_vm_unbind(struct drm_device *drm, void *data,
				struct drm_file *file)
{
	struct mvgpu_accel_ctx *ctx = file->driver_priv;
	struct drm_mvgpu_vm_unbind *args = data;
	struct mvgpu_accel_vma *vma;
	int ret = -ENOENT;

	mutex_lock(&ctx->lock);
	list_for_each_entry(vma, &ctx->vmas, link) {
		u64 size = vma->bo->base.size;

		if (vma->node.start != args->va)
			continue;
		mvgpu_accel_vm_set(ctx, args->va, size >> PAGE_SHIFT, NULL, 0,
				   0);
		mvgpu_accel_tlb_invalidate(ctx, args->va, size);
		mvgpu_accel_vma_destroy(ctx, vma);
		ret = 0;
		break;
	}
	mutex_unlock(&ctx->lock);
	return ret;
}

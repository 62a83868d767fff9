// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu_accel: buffer objects in system memory (shmem pages) and in VRAM
 * (a range of BAR2), both mappable by the process that owns them.
 */
#include <drm/drm_file.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "mvgpu_accel.h"

#define MVGPU_ACCEL_BO_MAX_SIZE	SZ_1G

static void mvgpu_accel_bo_free(struct drm_gem_object *obj)
{
	struct mvgpu_accel_dev *adev = to_adev(obj->dev);
	struct mvgpu_accel_bo *bo = to_bo(obj);
	unsigned long i, npages = obj->size >> PAGE_SHIFT;

	if (bo->vram) {
		mutex_lock(&adev->lock);
		if (drm_mm_node_allocated(&bo->vram_node))
			drm_mm_remove_node(&bo->vram_node);
		mutex_unlock(&adev->lock);
	} else if (bo->pages) {
		for (i = 0; i < npages; i++)
			if (bo->dma[i])
				dma_unmap_page(&adev->pdev->dev, bo->dma[i],
					       PAGE_SIZE, DMA_BIDIRECTIONAL);
		drm_gem_put_pages(obj, bo->pages, true, false);
	}
	kvfree(bo->dma);
	drm_gem_free_mmap_offset(obj);
	drm_gem_object_release(obj);
	kfree(bo);
}

static vm_fault_t mvgpu_accel_bo_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct drm_gem_object *obj = vma->vm_private_data;
	struct mvgpu_accel_bo *bo = to_bo(obj);
	pgoff_t page = (vmf->address - vma->vm_start) >> PAGE_SHIFT;
	unsigned long pfn;

	if (page >= obj->size >> PAGE_SHIFT)
		return VM_FAULT_SIGBUS;
	if (bo->vram)
		pfn = ((to_adev(obj->dev)->vram_base + bo->vram_node.start)
		       >> PAGE_SHIFT) + page;
	else
		pfn = page_to_pfn(bo->pages[page]);
	return vmf_insert_pfn(vma, vmf->address, pfn);
}

static const struct vm_operations_struct mvgpu_accel_bo_vm_ops = {
	.fault = mvgpu_accel_bo_fault,
	.open = drm_gem_vm_open,
	.close = drm_gem_vm_close,
};

static int mvgpu_accel_bo_mmap(struct drm_gem_object *obj,
			       struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_page_prot = vm_get_page_prot(vma->vm_flags);
	if (to_bo(obj)->vram)
		vma->vm_page_prot = pgprot_writecombine(vma->vm_page_prot);
	vma->vm_ops = &mvgpu_accel_bo_vm_ops;
	return 0;
}

static const struct drm_gem_object_funcs mvgpu_accel_bo_funcs = {
	.free = mvgpu_accel_bo_free,
	.mmap = mvgpu_accel_bo_mmap,
	.vm_ops = &mvgpu_accel_bo_vm_ops,
};

static int mvgpu_accel_bo_init_sysmem(struct mvgpu_accel_dev *adev,
				      struct mvgpu_accel_bo *bo)
{
	unsigned long i, npages = bo->base.size >> PAGE_SHIFT;
	int ret;

	ret = drm_gem_object_init(&adev->drm, &bo->base, bo->base.size);
	if (ret)
		return ret;
	bo->dma = kvcalloc(npages, sizeof(*bo->dma), GFP_KERNEL);
	if (!bo->dma)
		return -ENOMEM;
	bo->pages = drm_gem_get_pages(&bo->base);
	if (IS_ERR(bo->pages)) {
		ret = PTR_ERR(bo->pages);
		bo->pages = NULL;
		return ret;
	}
	for (i = 0; i < npages; i++) {
		/* shmem pages come zeroed: nothing of another user leaks. */
		bo->dma[i] = dma_map_page(&adev->pdev->dev, bo->pages[i], 0,
					  PAGE_SIZE, DMA_BIDIRECTIONAL);
		if (dma_mapping_error(&adev->pdev->dev, bo->dma[i])) {
			bo->dma[i] = 0;
			return -ENOMEM;
		}
	}
	return 0;
}

static int mvgpu_accel_bo_init_vram(struct mvgpu_accel_dev *adev,
				    struct mvgpu_accel_bo *bo)
{
	int ret;

	drm_gem_private_object_init(&adev->drm, &bo->base, bo->base.size);
	mutex_lock(&adev->lock);
	ret = drm_mm_insert_node_generic(&adev->vram_mm, &bo->vram_node,
					 bo->base.size, PAGE_SIZE, 0, 0);
	mutex_unlock(&adev->lock);
	if (ret)
		return ret == -ENOSPC ? -ENOMEM : ret;
	/* VRAM is recycled between processes: clear it. */
	memset_io(adev->vram + bo->vram_node.start, 0, bo->base.size);
	return 0;
}

/**
 * mvgpu_accel_ioctl_bo_create() - DRM_IOCTL_MVGPU_BO_CREATE
 * @drm: the device
 * @data: struct drm_mvgpu_bo_create
 * @file: the caller
 *
 * Return: 0 or a negative errno.
 */
int mvgpu_accel_ioctl_bo_create(struct drm_device *drm, void *data,
				struct drm_file *file)
{
	struct mvgpu_accel_dev *adev = to_adev(drm);
	struct drm_mvgpu_bo_create *args = data;
	struct mvgpu_accel_bo *bo;
	int ret;

	if (args->flags & ~DRM_MVGPU_BO_VRAM || !args->size ||
	    args->size > MVGPU_ACCEL_BO_MAX_SIZE)
		return -EINVAL;

	bo = kzalloc(sizeof(*bo), GFP_KERNEL);
	if (!bo)
		return -ENOMEM;
	bo->base.funcs = &mvgpu_accel_bo_funcs;
	bo->base.size = PAGE_ALIGN(args->size);
	bo->vram = args->flags & DRM_MVGPU_BO_VRAM;

	ret = bo->vram ? mvgpu_accel_bo_init_vram(adev, bo) :
			 mvgpu_accel_bo_init_sysmem(adev, bo);
	if (ret) {
		drm_gem_object_put(&bo->base);
		return ret;
	}
	ret = drm_gem_handle_create(file, &bo->base, &args->handle);
	drm_gem_object_put(&bo->base);
	return ret;
}

/**
 * mvgpu_accel_ioctl_bo_mmap() - DRM_IOCTL_MVGPU_BO_MMAP
 * @drm: the device
 * @data: struct drm_mvgpu_bo_mmap
 * @file: the caller
 *
 * Return: 0 or a negative errno.
 */
int mvgpu_accel_ioctl_bo_mmap(struct drm_device *drm, void *data,
			      struct drm_file *file)
{
	struct drm_mvgpu_bo_mmap *args = data;
	struct drm_gem_object *obj;
	int ret;

	if (args->pad)
		return -EINVAL;
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	ret = drm_gem_create_mmap_offset(obj);
	if (!ret)
		args->offset = drm_vma_node_offset_addr(&obj->vma_node);
	drm_gem_object_put(obj);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu mediator: module entry and the registry of physical GPUs.
 *
 * A backend registers each physical GPU it owns with mvgpu_register_gpu().
 * The mediator gives the GPU a class device, /sys/class/mvgpu/mvgpuN, and
 * makes that device an mdev parent offering the vGPU types of gpu.c.
 */
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "mvgpu_drv.h"

unsigned int mvgpu_vendor_id = MVGPU_PCI_VENDOR_ID;
module_param_named(vendor_id, mvgpu_vendor_id, uint, 0444);
MODULE_PARM_DESC(vendor_id, "PCI vendor ID of new vGPUs (default 0x1b36)");

unsigned int mvgpu_device_id = MVGPU_PCI_DEVICE_ID;
module_param_named(device_id, mvgpu_device_id, uint, 0444);
MODULE_PARM_DESC(device_id, "PCI device ID of new vGPUs (default 0x10f0)");

static unsigned int max_pinned_mb = 1024;
module_param(max_pinned_mb, uint, 0444);
MODULE_PARM_DESC(max_pinned_mb,
		 "guest memory one vGPU may have pinned, in MiB (default 1024)");

/* The same cap in pages, set at load. */
u64 mvgpu_max_pinned_pages;

static unsigned int max_shadow_mb = 2048;
module_param(max_shadow_mb, uint, 0644);
MODULE_PARM_DESC(max_shadow_mb,
		 "GPU VA one vGPU's shadow page tables may map, all contexts together, in MiB of 4 KiB entries (default 2048); changeable at any time");

/**
 * mvgpu_max_shadow_entries() - the per-vGPU cap on shadow entries
 *
 * Return: max_shadow_mb in 4 KiB entries, as the parameter is now.
 */
u64 mvgpu_max_shadow_entries(void)
{
	return (u64)READ_ONCE(max_shadow_mb) << (20 - MVGPU_PAGE_SHIFT);
}

static mvgpu_class_const struct class mvgpu_class = {
	.name = "mvgpu",
	.dev_groups = mvgpu_gpu_groups,
};

/* Numbers of registered GPUs (mvgpuN); the IDA has its own locking. */
static DEFINE_IDA(mvgpu_gpu_ida);

static void mvgpu_gpu_release(struct device *dev)
{
	struct mvgpu_gpu *gpu = container_of(dev, struct mvgpu_gpu, dev);

	ida_free(&mvgpu_gpu_ida, gpu->id);
	mutex_destroy(&gpu->lock);
	kfree(gpu);
}

static bool mvgpu_gpu_info_valid(const struct mvgpu_gpu_info *info)
{
	return info->vram_size >= SZ_64M && is_power_of_2(info->vram_size) &&
	       info->nr_engines >= 1 && info->nr_engines <= MVGPU_MAX_ENGINES;
}

/**
 * mvgpu_register_gpu() - offer a physical GPU for vGPUs
 * @dev: the backend's device for the GPU (a PCI function for a real GPU),
 *	parent of the class device; when bound to a driver, also the mdev
 *	parent, where mdev_supported_types appears (the types are named
 *	"<its driver>-<fraction>")
 * @info: the GPU's VRAM size and engines; copied
 * @ops: backend operations; must stay valid until unregistration
 * @priv: cookie passed back to every operation
 *
 * Creates /sys/class/mvgpu/mvgpuN (the GPU's attributes) and the mdev
 * types on @dev, or on that class device when @dev has no driver.
 *
 * Return: the GPU handle, or an ERR_PTR() on failure.
 */
struct mvgpu_gpu *mvgpu_register_gpu(struct device *dev,
				     const struct mvgpu_gpu_info *info,
				     const struct mvgpu_backend_ops *ops,
				     void *priv)
{
	struct mvgpu_gpu *gpu;
	int i, ret;

	if (!mvgpu_gpu_info_valid(info) || !ops->vram_pfn ||
	    !ops->vram_rw || !ops->vram_clear || !ops->pt_create ||
	    !ops->pt_destroy || !ops->pt_set || !ops->pt_clear_range ||
	    !ops->pt_entries || !ops->engine_run)
		return ERR_PTR(-EINVAL);

	gpu = kzalloc(sizeof(*gpu), GFP_KERNEL);
	if (!gpu)
		return ERR_PTR(-ENOMEM);

	gpu->id = ida_alloc(&mvgpu_gpu_ida, GFP_KERNEL);
	if (gpu->id < 0) {
		ret = gpu->id;
		kfree(gpu);
		return ERR_PTR(ret);
	}
	gpu->info = *info;
	gpu->ops = ops;
	gpu->priv = priv;
	mutex_init(&gpu->lock);
	for (i = 0; i < MVGPU_NR_TYPES; i++) {
		gpu->types[i].desc = &mvgpu_type_descs[i];
		gpu->types[i].gpu = gpu;
		gpu->types[i].mtype.sysfs_name = mvgpu_type_descs[i].sysfs_name;
		gpu->types[i].mtype.pretty_name = mvgpu_type_descs[i].pretty_name;
		gpu->mdev_types[i] = &gpu->types[i].mtype;
	}

	device_initialize(&gpu->dev);
	gpu->dev.class = &mvgpu_class;
	gpu->dev.parent = dev;
	gpu->dev.release = mvgpu_gpu_release;
	ret = dev_set_name(&gpu->dev, "mvgpu%d", gpu->id);
	if (ret)
		goto err_put;
	/* before device_add(): its attributes (policy, ...) reach the scheduler */
	ret = mvgpu_sched_start(gpu);
	if (ret)
		goto err_put;
	ret = device_add(&gpu->dev);
	if (ret)
		goto err_sched;

	/*
	 * The mdev parent is the GPU's own device when a driver has it (a
	 * PCI function: what libvirt looks for), else the class device.
	 * mdev names the types "<driver>-<name>" after it.
	 */
	ret = mdev_register_parent(&gpu->parent, dev->driver ? dev : &gpu->dev,
				   &mvgpu_mdev_driver, gpu->mdev_types,
				   MVGPU_NR_TYPES);
	if (ret)
		goto err_del;

	dev_info(&gpu->dev, "%llu MiB VRAM, %u engine(s), %u vGPU types\n",
		 info->vram_size >> 20, info->nr_engines, MVGPU_NR_TYPES);
	return gpu;

err_del:
	device_del(&gpu->dev);
err_sched:
	mvgpu_sched_stop(gpu);
err_put:
	put_device(&gpu->dev);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(mvgpu_register_gpu);

/**
 * mvgpu_unregister_gpu() - withdraw a physical GPU
 * @gpu: handle from mvgpu_register_gpu()
 *
 * Removes every vGPU on it; an open vGPU is asked to let go (the vfio
 * request interrupt) and this waits until its user has closed it.
 */
void mvgpu_unregister_gpu(struct mvgpu_gpu *gpu)
{
	mdev_unregister_parent(&gpu->parent);
	device_del(&gpu->dev);
	mvgpu_sched_stop(gpu);
	put_device(&gpu->dev);
}
EXPORT_SYMBOL_GPL(mvgpu_unregister_gpu);

static int __init mvgpu_init(void)
{
	int ret;

	mvgpu_max_pinned_pages = (u64)max_pinned_mb << (20 - PAGE_SHIFT);
	ret = mvgpu_shadow_wq_init();
	if (ret)
		return ret;
	ret = class_register(&mvgpu_class);
	if (ret)
		goto err_wq;
	ret = mdev_register_driver(&mvgpu_mdev_driver);
	if (ret)
		goto err_class;
	return 0;

err_class:
	class_unregister(&mvgpu_class);
err_wq:
	mvgpu_shadow_wq_fini();
	return ret;
}

static void __exit mvgpu_exit(void)
{
	mdev_unregister_driver(&mvgpu_mdev_driver);
	class_unregister(&mvgpu_class);
	ida_destroy(&mvgpu_gpu_ida);
	mvgpu_shadow_wq_fini();
}

module_init(mvgpu_init);
module_exit(mvgpu_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mvgpu mediated vGPU: mdev types and the vfio-pci vGPU device");

// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu mediator: the vGPU as an mdev and vfio-pci device.
 *
 * Creating an mdev of an mvgpu type takes a VRAM slice of the GPU and
 * registers a vfio device with an emulated IOMMU; QEMU's vfio-pci driver
 * then sees a PCI function with the regions and interrupts described in
 * Documentation/mvgpu/device.rst.
 */
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mvgpu_drv.h"

static const struct vfio_device_ops mvgpu_vfio_ops;

/* Source of vGPU ids; atomic. */
static atomic64_t mvgpu_next_id = ATOMIC64_INIT(0);

/*
 * The device's reset, for every reset and also at creation and on close
 * (the next user must not see this one's data): the part done under
 * @vgpu->lock, registers, configuration space, interrupt state, shadow
 * tables. The engine's results of a run in flight are dropped, and the
 * vGPU does not run until mvgpu_vgpu_unlock() has done the slow part
 * (mvgpu_vgpu_reset_finish()).
 */
static void mvgpu_vgpu_hw_reset(struct mvgpu_vgpu *vgpu, bool pci_state)
{
	lockdep_assert_held(&vgpu->lock);
	/* registers, interrupt state (IRQ_* and INTx mask), contexts' work */
	mvgpu_ctx_reset(vgpu);
	/* the head stops; the VMM sees it in the slow part */
	mvgpu_display_reset(vgpu, false);
	if (pci_state)
		mvgpu_cfg_init(vgpu);
	/* bounded: the pins go in the slow part */
	mvgpu_shadow_reset(vgpu);
	/* passed over by the scheduler until the slow part is done */
	atomic_inc(&vgpu->shadow_busy);
	vgpu->reset_pending++;
}

/*
 * The slow part of @pending resets, without @vgpu->lock: pins dropped,
 * mappings revoked, VRAM cleared. It runs in the thread that asked for the reset
 * (the VMM's, for every reset but the first power-on), and the engines,
 * which wait for @vgpu->lock, never wait for it: the vGPU is passed over
 * meanwhile, and the other vGPUs run on.
 */
static void mvgpu_vgpu_reset_finish(struct mvgpu_vgpu *vgpu,
				    unsigned int pending)
{
	struct mvgpu_gpu *gpu = vgpu->gpu;
	int ret;

	mvgpu_shadow_reap_wait(vgpu);
	/* accesses through mappings end before the clear; they fault again */
	mvgpu_vram_revoke(vgpu);
	ret = gpu->ops->vram_clear(gpu->priv, vgpu->vram_offset,
				   vgpu->vram_size);
	if (ret)
		dev_err(&vgpu->mdev->dev, "clearing VRAM failed: %d\n", ret);
	mvgpu_mig_vram_written(vgpu, 0, vgpu->vram_size);
	/* the head stopped: the VMM sees no plane, the window at 0 */
	mvgpu_display_sync(vgpu);
	atomic_sub(pending, &vgpu->shadow_busy);
	mvgpu_sched_kick(vgpu);
}

/**
 * mvgpu_vgpu_unlock() - drop @vgpu->lock, then finish the resets begun
 * under it
 * @vgpu: the vGPU; caller holds @vgpu->lock
 *
 * Every path that may reset the vGPU under @vgpu->lock (config space,
 * BAR0, VFIO_DEVICE_RESET, open and close) unlocks with this, so that
 * @vgpu->lock is only ever held for bounded work.
 */
void mvgpu_vgpu_unlock(struct mvgpu_vgpu *vgpu)
{
	unsigned int pending = vgpu->reset_pending;

	vgpu->reset_pending = 0;
	mutex_unlock(&vgpu->lock);
	if (pending)
		mvgpu_vgpu_reset_finish(vgpu, pending);
}

/**
 * mvgpu_vgpu_reset() - reset a vGPU to its power-on state
 * @vgpu: the vGPU; caller holds @vgpu->lock and drops it with
 *	mvgpu_vgpu_unlock()
 * @pci_state: reset PCI configuration space too (device reset, FLR); a
 *	reset through the RESET register keeps it
 *
 * Stops the vGPU's work and drops its state at once; its shadows, pins and
 * VRAM go in mvgpu_vgpu_unlock(), before the vGPU runs again. Other vGPUs
 * are not touched.
 */
void mvgpu_vgpu_reset(struct mvgpu_vgpu *vgpu, bool pci_state)
{
	mvgpu_vgpu_hw_reset(vgpu, pci_state);
	atomic64_inc(&vgpu->stats.resets);
}

static int mvgpu_vfio_init(struct vfio_device *vdev)
{
	struct mvgpu_vgpu *vgpu = vdev_to_vgpu(vdev);
	struct mdev_device *mdev = to_mdev_device(vdev->dev);
	struct mvgpu_gpu_type *type =
		container_of(mdev->type, struct mvgpu_gpu_type, mtype);
	struct mvgpu_gpu *gpu = type->gpu;
	int ret;

	ret = mvgpu_vram_alloc(gpu, type->desc->units, &vgpu->first_unit);
	if (ret) {
		dev_err(&gpu->dev,
			"no free %llu MiB VRAM slice for a %s vGPU\n",
			(mvgpu_unit_size(gpu) * type->desc->units) >> 20,
			type->desc->pretty_name);
		return ret;
	}

	vgpu->mdev = mdev;
	vgpu->gpu = gpu;
	vgpu->type = type->desc;
	vgpu->vram_size = mvgpu_unit_size(gpu) * type->desc->units;
	vgpu->vram_offset = mvgpu_unit_size(gpu) * vgpu->first_unit;
	vgpu->id = atomic64_inc_return(&mvgpu_next_id);
	mvgpu_sched_vgpu_init(vgpu);
	mutex_init(&vgpu->lock);
	ret = mvgpu_mig_init(vgpu);
	if (ret)
		goto err_mig;
	ret = mvgpu_shadow_init(vgpu);
	if (ret)
		goto err_shadow;
	mvgpu_dirty_init(vgpu);
	mvgpu_display_init(vgpu);

	mutex_lock(&vgpu->lock);
	mvgpu_vgpu_hw_reset(vgpu, true);
	mvgpu_vgpu_unlock(vgpu);
	return 0;

err_shadow:
	mvgpu_mig_fini(vgpu);
err_mig:
	mvgpu_vram_free(gpu, vgpu->first_unit, type->desc->units);
	return ret;
}

static void mvgpu_vfio_release(struct vfio_device *vdev)
{
	struct mvgpu_vgpu *vgpu = vdev_to_vgpu(vdev);
	struct mvgpu_gpu *gpu = vgpu->gpu;

	mvgpu_display_fini(vgpu);
	mvgpu_dirty_fini(vgpu);
	mvgpu_shadow_fini(vgpu);
	mvgpu_mig_fini(vgpu);
	mvgpu_vram_free(gpu, vgpu->first_unit, vgpu->type->units);
	mutex_destroy(&vgpu->lock);
}

static int mvgpu_vfio_open(struct vfio_device *vdev)
{
	struct mvgpu_vgpu *vgpu = vdev_to_vgpu(vdev);

	mutex_lock(&vgpu->lock);
	mvgpu_regs_reset(vgpu);
	mvgpu_cfg_init(vgpu);
	mvgpu_display_reset(vgpu, true);
	mutex_unlock(&vgpu->lock);
	mvgpu_shadow_open(vgpu);
	mvgpu_sched_attach(vgpu);
	return 0;
}

/* Closing: off the scheduler, interrupts released, state and VRAM gone. */
static void mvgpu_vgpu_close(struct mvgpu_vgpu *vgpu)
{
	mvgpu_sched_detach(vgpu);
	mvgpu_shadow_close(vgpu);
	mutex_lock(&vgpu->lock);
	mvgpu_irq_release(vgpu);
	/* The next user must not see this one's data (nor its monitor). */
	mvgpu_vgpu_hw_reset(vgpu, true);
	mvgpu_display_reset(vgpu, true);
	mvgpu_vgpu_unlock(vgpu);
	/* no register write can enable vblanks now */
	mvgpu_display_close(vgpu);
}

static void mvgpu_vfio_close(struct vfio_device *vdev)
{
	struct mvgpu_vgpu *vgpu = vdev_to_vgpu(vdev);

	/* a migration session ends with its device, and DMA logging */
	mvgpu_mig_lock_abort(vgpu);
	mvgpu_dirty_stop(vgpu);
	mvgpu_vgpu_close(vgpu);
	mvgpu_mig_unlock(vgpu);
}

/* VFIO_DEVICE_RESET: a device reset, PCI state included. */
static void mvgpu_vgpu_device_reset(struct mvgpu_vgpu *vgpu)
{
	mutex_lock(&vgpu->lock);
	mvgpu_vgpu_reset(vgpu, true);
	mvgpu_vgpu_unlock(vgpu);
}

/**
 * mvgpu_vram_access() - a read or write of the vGPU's VRAM for the VMM
 * @vgpu: the vGPU; caller holds none of its locks
 * @ubuf: the user's buffer
 * @count: bytes; cut short at the end of the VRAM
 * @off: offset in the vGPU's VRAM
 * @write: a write (recorded for migration), else a read
 *
 * Return: bytes done, or -EINVAL (@off outside the VRAM), -EFAULT, -ENOMEM
 * or the backend's error when nothing was done.
 */
ssize_t mvgpu_vram_access(struct mvgpu_vgpu *vgpu, char __user *ubuf,
			  size_t count, u64 off, bool write)
{
	struct mvgpu_gpu *gpu = vgpu->gpu;
	size_t done = 0;
	void *bounce;
	int ret = 0;

	if (off >= vgpu->vram_size)
		return -EINVAL;
	count = min_t(u64, count, vgpu->vram_size - off);
	bounce = kmalloc(min_t(size_t, count, PAGE_SIZE), GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;

	while (done < count) {
		size_t len = min_t(size_t, count - done, PAGE_SIZE);
		u64 at = vgpu->vram_offset + off + done;

		if (write) {
			if (copy_from_user(bounce, ubuf + done, len)) {
				ret = -EFAULT;
				break;
			}
			ret = gpu->ops->vram_rw(gpu->priv, at, bounce, len, true);
			if (!ret)
				mvgpu_mig_vram_written(vgpu, off + done, len);
		} else {
			ret = gpu->ops->vram_rw(gpu->priv, at, bounce, len,
						false);
			if (!ret && copy_to_user(ubuf + done, bounce, len))
				ret = -EFAULT;
		}
		if (ret)
			break;
		done += len;
	}
	kfree(bounce);
	return done ? done : ret;
}

static ssize_t mvgpu_cfg_access(struct mvgpu_vgpu *vgpu, char __user *ubuf,
				size_t count, u64 off, bool write)
{
	u8 buf[MVGPU_CFG_SIZE];

	if (off >= MVGPU_CFG_SIZE || count > MVGPU_CFG_SIZE - off)
		return -EINVAL;
	if (write && copy_from_user(buf, ubuf, count))
		return -EFAULT;

	mutex_lock(&vgpu->lock);
	if (write)
		mvgpu_cfg_write(vgpu, off, buf, count);
	else
		mvgpu_cfg_read(vgpu, off, buf, count);
	mvgpu_vgpu_unlock(vgpu);	/* an FLR finishes there */

	if (!write && copy_to_user(ubuf, buf, count))
		return -EFAULT;
	return count;
}

static ssize_t mvgpu_access(struct mvgpu_vgpu *vgpu, char __user *ubuf,
			    size_t count, loff_t *ppos, bool write)
{
	u64 off = MVGPU_REGION_OFFSET(*ppos);
	ssize_t ret;

	switch (MVGPU_REGION_INDEX(*ppos)) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		ret = mvgpu_cfg_access(vgpu, ubuf, count, off, write);
		break;
	case VFIO_PCI_BAR0_REGION_INDEX:
		ret = mvgpu_regs_access(vgpu, ubuf, count, off, write);
		break;
	case VFIO_PCI_BAR2_REGION_INDEX:
		ret = mvgpu_vram_access(vgpu, ubuf, count, off, write);
		break;
	case MVGPU_VFIO_REGION_DISPLAY:
	case MVGPU_VFIO_REGION_EDID:
		ret = mvgpu_display_access(vgpu, MVGPU_REGION_INDEX(*ppos),
					   ubuf, count, off, write);
		break;
	default:
		ret = -EINVAL;
	}
	if (ret > 0)
		*ppos += ret;
	return ret;
}

static ssize_t mvgpu_vfio_read(struct vfio_device *vdev, char __user *buf,
			       size_t count, loff_t *ppos)
{
	return mvgpu_access(vdev_to_vgpu(vdev), buf, count, ppos, false);
}

static ssize_t mvgpu_vfio_write(struct vfio_device *vdev,
				const char __user *buf, size_t count,
				loff_t *ppos)
{
	return mvgpu_access(vdev_to_vgpu(vdev), (char __user *)buf, count,
			    ppos, true);
}

static int mvgpu_vfio_mmap(struct vfio_device *vdev,
			   struct vm_area_struct *vma)
{
	u64 pos = (u64)vma->vm_pgoff << PAGE_SHIFT;

	if (MVGPU_REGION_INDEX(pos) == MVGPU_VFIO_REGION_DISPLAY)
		return mvgpu_display_mmap(vdev_to_vgpu(vdev), vma);
	return mvgpu_vram_mmap(vdev_to_vgpu(vdev), vma);
}

static long mvgpu_get_info(struct mvgpu_vgpu *vgpu, unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info = {};

	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	/*
	 * As vfio-pci: as much of the structure as argsz has room for, with
	 * cap_offset 0 (no capability chain).
	 */
	minsz = min_t(unsigned long, info.argsz, sizeof(info));
	info.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = mvgpu_display_num_regions(vgpu);
	info.num_irqs = VFIO_PCI_NUM_IRQS;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

/*
 * VFIO_DEVICE_GET_REGION_INFO for the region @info->index: every field
 * past index, whatever the user passed in them, and the display's regions'
 * type in @caps. Where the vfio core answers the ioctl (6.19), it copies
 * @info in and out and adds @caps; before, mvgpu_get_region_info() does.
 */
static int mvgpu_region_info(struct mvgpu_vgpu *vgpu,
			     struct vfio_region_info *info,
			     struct vfio_info_cap *caps)
{
	if (info->index == MVGPU_VFIO_REGION_DISPLAY ||
	    info->index == MVGPU_VFIO_REGION_EDID)
		return mvgpu_display_region_info(vgpu, info, caps);
	/* no VGA region (as vfio-pci for a function that is not VGA) */
	if (info->index >= VFIO_PCI_NUM_REGIONS ||
	    info->index == VFIO_PCI_VGA_REGION_INDEX)
		return -EINVAL;

	info->offset = MVGPU_REGION_BASE(info->index);
	info->cap_offset = 0;
	info->flags = 0;
	info->size = 0;
	switch (info->index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		info->size = MVGPU_CFG_SIZE;
		info->flags = VFIO_REGION_INFO_FLAG_READ |
			      VFIO_REGION_INFO_FLAG_WRITE;
		break;
	case VFIO_PCI_BAR0_REGION_INDEX:
		info->size = MVGPU_MMIO_SIZE;
		info->flags = VFIO_REGION_INFO_FLAG_READ |
			      VFIO_REGION_INFO_FLAG_WRITE;
		break;
	case VFIO_PCI_BAR2_REGION_INDEX:
		info->size = vgpu->vram_size;
		info->flags = VFIO_REGION_INFO_FLAG_READ |
			      VFIO_REGION_INFO_FLAG_WRITE;
		if (MVGPU_VRAM_MMAP)
			info->flags |= VFIO_REGION_INFO_FLAG_MMAP;
		break;
	default:
		break;
	}
	return 0;
}

#ifdef MVGPU_HAVE_GET_REGION_INFO_CAPS
static int mvgpu_vfio_region_info_caps(struct vfio_device *vdev,
				       struct vfio_region_info *info,
				       struct vfio_info_cap *caps)
{
	return mvgpu_region_info(vdev_to_vgpu(vdev), info, caps);
}
#else
/* As the vfio core does from 6.19 (vfio_get_region_info()). */
static long mvgpu_get_region_info(struct mvgpu_vgpu *vgpu, unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_info_cap caps = {};
	struct vfio_region_info info;
	int ret;

	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	ret = mvgpu_region_info(vgpu, &info, &caps);
	if (ret)
		goto out;
	if (caps.size) {
		info.flags |= VFIO_REGION_INFO_FLAG_CAPS;
		if (info.argsz < sizeof(info) + caps.size) {
			info.argsz = sizeof(info) + caps.size;
			info.cap_offset = 0;
		} else {
			vfio_info_cap_shift(&caps, sizeof(info));
			if (copy_to_user((void __user *)arg + sizeof(info),
					 caps.buf, caps.size)) {
				ret = -EFAULT;
				goto out;
			}
			info.cap_offset = sizeof(info);
		}
	}
	if (copy_to_user((void __user *)arg, &info, minsz))
		ret = -EFAULT;
out:
	kfree(caps.buf);
	return ret;
}
#endif

static long mvgpu_set_irqs(struct mvgpu_vgpu *vgpu, unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set hdr;
	size_t data_size = 0;
	int num_irqs, ret;
	u8 *data = NULL;

	if (copy_from_user(&hdr, (void __user *)arg, minsz))
		return -EFAULT;
	/* One vector on every index but MSI-X, which has none. */
	num_irqs = hdr.index == VFIO_PCI_MSIX_IRQ_INDEX ? 0 : 1;
	ret = vfio_set_irqs_validate_and_prepare(&hdr, num_irqs,
						 VFIO_PCI_NUM_IRQS, &data_size);
	if (ret)
		return ret;
	if (data_size) {
		data = memdup_user((void __user *)(arg + minsz), data_size);
		if (IS_ERR(data))
			return PTR_ERR(data);
	}

	mutex_lock(&vgpu->lock);
	ret = mvgpu_irq_set(vgpu, &hdr, data);
	mutex_unlock(&vgpu->lock);
	kfree(data);
	return ret;
}

static long mvgpu_vfio_ioctl(struct vfio_device *vdev, unsigned int cmd,
			     unsigned long arg)
{
	struct mvgpu_vgpu *vgpu = vdev_to_vgpu(vdev);

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return mvgpu_get_info(vgpu, arg);
#ifndef MVGPU_HAVE_GET_REGION_INFO_CAPS
	/* from 6.19 the vfio core answers it (.get_region_info_caps) */
	case VFIO_DEVICE_GET_REGION_INFO:
		return mvgpu_get_region_info(vgpu, arg);
#endif
	case VFIO_DEVICE_GET_IRQ_INFO:
		return mvgpu_irq_info(vgpu, arg);
	case VFIO_DEVICE_SET_IRQS:
		return mvgpu_set_irqs(vgpu, arg);
	case VFIO_DEVICE_QUERY_GFX_PLANE:
		return mvgpu_display_query_plane(vgpu, arg);
	case VFIO_DEVICE_RESET:
		/* ends a migration session and DMA logging too: RUNNING */
		mvgpu_mig_lock_abort(vgpu);
		mvgpu_dirty_stop(vgpu);
		mvgpu_vgpu_device_reset(vgpu);
		mvgpu_mig_unlock(vgpu);
		return 0;
	}
	return -ENOTTY;
}

static void mvgpu_vfio_request(struct vfio_device *vdev, unsigned int count)
{
	mvgpu_irq_request(vdev_to_vgpu(vdev), count);
}

static void mvgpu_vfio_dma_unmap(struct vfio_device *vdev, u64 iova,
				 u64 length)
{
	mvgpu_shadow_dma_unmap(vdev_to_vgpu(vdev), iova, length);
}

static const struct vfio_device_ops mvgpu_vfio_ops = {
	.name = "mvgpu",
	.init = mvgpu_vfio_init,
	.release = mvgpu_vfio_release,
	.open_device = mvgpu_vfio_open,
	.close_device = mvgpu_vfio_close,
	.read = mvgpu_vfio_read,
	.write = mvgpu_vfio_write,
	.mmap = mvgpu_vfio_mmap,
	.ioctl = mvgpu_vfio_ioctl,
#ifdef MVGPU_HAVE_GET_REGION_INFO_CAPS
	.get_region_info_caps = mvgpu_vfio_region_info_caps,
#endif
	.request = mvgpu_vfio_request,
	.dma_unmap = mvgpu_vfio_dma_unmap,
	/* the members exist from 6.2, and only mean something with iommufd */
#if IS_ENABLED(CONFIG_IOMMUFD)
	.bind_iommufd = vfio_iommufd_emulated_bind,
	.unbind_iommufd = vfio_iommufd_emulated_unbind,
	.attach_ioas = vfio_iommufd_emulated_attach_ioas,
	.detach_ioas = vfio_iommufd_emulated_detach_ioas,
#endif
};

static int mvgpu_mdev_probe(struct mdev_device *mdev)
{
	struct mvgpu_vgpu *vgpu;
	int ret;

	vgpu = vfio_alloc_device(mvgpu_vgpu, vdev, &mdev->dev, &mvgpu_vfio_ops);
	if (IS_ERR(vgpu))
		return PTR_ERR(vgpu);

	/*
	 * Our own device set, and its error checked: vfio 6.12's register
	 * ignores a failure to allocate it and leaves dev_set NULL, which
	 * the first open of the device then dereferences.
	 */
	ret = vfio_assign_device_set(&vgpu->vdev, &vgpu->vdev);
	if (ret)
		goto err_put;
	ret = vfio_register_emulated_iommu_dev(&vgpu->vdev);
	if (ret)
		goto err_put;
	dev_set_drvdata(&mdev->dev, vgpu);
	dev_info(&mdev->dev, "%s vGPU on %s: %llu MiB VRAM at %llu MiB\n",
		 vgpu->type->pretty_name, dev_name(&vgpu->gpu->dev),
		 vgpu->vram_size >> 20, vgpu->vram_offset >> 20);
	return 0;

err_put:
	vfio_put_device(&vgpu->vdev);
	return ret;
}

static void mvgpu_mdev_remove(struct mdev_device *mdev)
{
	struct mvgpu_vgpu *vgpu = dev_get_drvdata(&mdev->dev);

	vfio_unregister_group_dev(&vgpu->vdev);
	vfio_put_device(&vgpu->vdev);
}

struct mdev_driver mvgpu_mdev_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.driver = {
		.name = "mvgpu",
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
		.dev_groups = mvgpu_vgpu_groups,
	},
	.probe = mvgpu_mdev_probe,
	.remove = mvgpu_mdev_remove,
	.get_available = mvgpu_type_get_available,
	.show_description = mvgpu_type_show_description,
};

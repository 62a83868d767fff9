// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu_accel: the display head's auxiliary device.
 *
 * Where the vGPU has a display (CAPS.DISPLAY), the PCI driver adds an
 * auxiliary device "mvgpu_accel.display" for mvgpu_kms.ko, which drives
 * the head (mvgpu_disp.h). While the display driver is attached, the PCI
 * driver keeps a scanout range of VRAM for it out of its own allocator
 * (DISP_MAX_WIDTH x DISP_MAX_HEIGHT x 4 bytes, 4 KiB aligned, at the top
 * of VRAM): a vGPU used for compute alone keeps all its VRAM. The display
 * interrupts come with the vGPU's one interrupt: the handler acknowledges
 * the sources the display driver enabled and calls it. A failure here
 * costs the display only: the accel device works as on a vGPU without
 * one.
 */
#include <linux/auxiliary_bus.h>
#include <linux/export.h>
#include <linux/slab.h>

#include "mvgpu_accel.h"
#include "mvgpu_disp.h"

static void mvgpu_accel_disp_release(struct device *dev)
{
	struct auxiliary_device *auxdev = to_auxiliary_dev(dev);

	kfree(container_of(auxdev, struct mvgpu_accel_disp, auxdev));
}

/**
 * mvgpu_accel_disp_init() - add the display device, where there is one
 * @adev: the device, its interrupt requested and registers initialised
 *
 * Called by probe. Logs why the display is missing when it fails.
 */
void mvgpu_accel_disp_init(struct mvgpu_accel_dev *adev)
{
	struct device *dev = &adev->pdev->dev;
	struct mvgpu_accel_disp *disp;
	u32 w, h;
	int ret;

	if (!adev->has_display)
		return;
	w = mvgpu_accel_rd(adev, MVGPU_REG_DISP_MAX_WIDTH);
	h = mvgpu_accel_rd(adev, MVGPU_REG_DISP_MAX_HEIGHT);
	/* a mode's sizes are u16; DRM's limits are ints */
	if (!w || !h || w > MVGPU_DISP_MAX_STRIDE / 4 || h > U16_MAX) {
		dev_warn(dev, "display %ux%u not supported: no display\n", w, h);
		return;
	}

	disp = kzalloc(sizeof(*disp), GFP_KERNEL);
	if (!disp)
		return;
	disp->adev = adev;
	disp->mmio = adev->mmio;
	disp->max_width = w;
	disp->max_height = h;
	disp->scanout_size = round_up((u64)w * h * 4, SZ_4K);

	disp->auxdev.name = MVGPU_ACCEL_DISP_DEVNAME;
	disp->auxdev.id = (u32)pci_domain_nr(adev->pdev->bus) << 16 |
			  pci_dev_id(adev->pdev);
	disp->auxdev.dev.parent = dev;
	disp->auxdev.dev.release = mvgpu_accel_disp_release;
	ret = auxiliary_device_init(&disp->auxdev);
	if (ret) {
		kfree(disp);
		goto err;
	}
	adev->disp = disp;
	ret = auxiliary_device_add(&disp->auxdev);
	if (ret) {
		adev->disp = NULL;
		auxiliary_device_uninit(&disp->auxdev);
		goto err;
	}
	return;

err:
	dev_warn(dev, "display device not added (%d): no display\n", ret);
}

/**
 * mvgpu_accel_disp_fini() - remove the display device, if any
 * @adev: the device
 *
 * Called by remove, before the interrupt is freed: the display driver is
 * unbound (and detached) when this returns.
 */
void mvgpu_accel_disp_fini(struct mvgpu_accel_dev *adev)
{
	struct mvgpu_accel_disp *disp = adev->disp;

	if (!disp)
		return;
	auxiliary_device_delete(&disp->auxdev);
	auxiliary_device_uninit(&disp->auxdev);
	adev->disp = NULL;
}

/**
 * mvgpu_accel_disp_irq() - the display part of the interrupt handler
 * @adev: the device
 *
 * Acknowledges the pending sources the display driver enabled and hands
 * them to it. Runs in interrupt context. Without a display driver no
 * source is enabled, and DISP_IRQ_STATUS is not even read.
 *
 * Return: whether there was such a source.
 */
bool mvgpu_accel_disp_irq(struct mvgpu_accel_dev *adev)
{
	u32 status;

	if (!READ_ONCE(adev->disp_irq_mask))
		return false;
	spin_lock(&adev->disp_irq_lock);
	status = mvgpu_accel_rd(adev, MVGPU_REG_DISP_IRQ_STATUS) &
		 adev->disp_irq_mask;
	if (status) {
		mvgpu_accel_wr(adev, MVGPU_REG_DISP_IRQ_ACK, status);
		if (adev->disp_ops)
			adev->disp_ops->irq(adev->disp_priv, status);
	}
	spin_unlock(&adev->disp_irq_lock);
	return status;
}

/**
 * mvgpu_accel_disp_hw_init() - display interrupts after probe or a reset
 * @adev: the device
 */
void mvgpu_accel_disp_hw_init(struct mvgpu_accel_dev *adev)
{
	if (!adev->has_display)
		return;
	spin_lock_irq(&adev->disp_irq_lock);
	mvgpu_accel_wr(adev, MVGPU_REG_DISP_IRQ_ACK, ~0u);
	mvgpu_accel_wr(adev, MVGPU_REG_DISP_IRQ_MASK, adev->disp_irq_mask);
	spin_unlock_irq(&adev->disp_irq_lock);
}

/**
 * mvgpu_accel_disp_reset_prepare() - tell the display driver of a reset
 * @adev: the device
 */
void mvgpu_accel_disp_reset_prepare(struct mvgpu_accel_dev *adev)
{
	mutex_lock(&adev->disp_lock);
	if (adev->disp_ops && adev->disp_ops->reset_prepare)
		adev->disp_ops->reset_prepare(adev->disp_priv);
	mutex_unlock(&adev->disp_lock);
}

/**
 * mvgpu_accel_disp_reset_done() - tell the display driver a reset is over
 * @adev: the device, its interrupts enabled again
 */
void mvgpu_accel_disp_reset_done(struct mvgpu_accel_dev *adev)
{
	mutex_lock(&adev->disp_lock);
	if (adev->disp_ops && adev->disp_ops->reset_done)
		adev->disp_ops->reset_done(adev->disp_priv);
	mutex_unlock(&adev->disp_lock);
}

/**
 * mvgpu_accel_disp_attach() - the display driver takes the head
 * @disp: the display device
 * @ops: what to call, with @ops->irq_mask the interrupts to enable
 * @priv: their argument
 *
 * Reserves the scanout range (sets @disp->scanout and
 * @disp->scanout_offset), drops stale interrupt status and enables
 * @ops->irq_mask.
 *
 * Return: 0, -EBUSY when another driver has the head, or -ENOSPC when
 * buffers take the VRAM the range needs.
 */
int mvgpu_accel_disp_attach(struct mvgpu_accel_disp *disp,
			    const struct mvgpu_accel_disp_ops *ops, void *priv)
{
	struct mvgpu_accel_dev *adev = disp->adev;
	int ret;

	mutex_lock(&adev->disp_lock);
	if (adev->disp_ops) {
		ret = -EBUSY;
		goto out;
	}
	mutex_lock(&adev->lock);
	memset(&adev->disp_node, 0, sizeof(adev->disp_node));
	ret = drm_mm_insert_node_in_range(&adev->vram_mm, &adev->disp_node,
					  disp->scanout_size, SZ_4K, 0, 0,
					  adev->vram_size, DRM_MM_INSERT_HIGH);
	mutex_unlock(&adev->lock);
	if (ret) {
		ret = -ENOSPC;
		goto out;
	}
	disp->scanout_offset = adev->disp_node.start;
	disp->scanout = adev->vram + adev->disp_node.start;
	/* VRAM buffers are cleared when allocated, not when freed. */
	memset_io(disp->scanout, 0, disp->scanout_size);

	spin_lock_irq(&adev->disp_irq_lock);
	adev->disp_ops = ops;
	adev->disp_priv = priv;
	WRITE_ONCE(adev->disp_irq_mask, ops->irq_mask);
	mvgpu_accel_wr(adev, MVGPU_REG_DISP_IRQ_ACK, ~0u);
	mvgpu_accel_wr(adev, MVGPU_REG_DISP_IRQ_MASK, ops->irq_mask);
	spin_unlock_irq(&adev->disp_irq_lock);
out:
	mutex_unlock(&adev->disp_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(mvgpu_accel_disp_attach);

/**
 * mvgpu_accel_disp_detach() - the display driver lets the head go
 * @disp: the display device, attached; its head off
 *
 * Disables the display interrupts and gives the scanout range back. When
 * it returns, no call of the ops given to mvgpu_accel_disp_attach() runs
 * or will run.
 */
void mvgpu_accel_disp_detach(struct mvgpu_accel_disp *disp)
{
	struct mvgpu_accel_dev *adev = disp->adev;

	mutex_lock(&adev->disp_lock);
	spin_lock_irq(&adev->disp_irq_lock);
	mvgpu_accel_wr(adev, MVGPU_REG_DISP_IRQ_MASK, 0);
	WRITE_ONCE(adev->disp_irq_mask, 0);
	adev->disp_ops = NULL;
	adev->disp_priv = NULL;
	spin_unlock_irq(&adev->disp_irq_lock);
	disp->scanout = NULL;
	mutex_lock(&adev->lock);
	drm_mm_remove_node(&adev->disp_node);
	mutex_unlock(&adev->lock);
	mutex_unlock(&adev->disp_lock);
}
EXPORT_SYMBOL_GPL(mvgpu_accel_disp_detach);

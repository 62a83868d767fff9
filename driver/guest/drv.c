// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu_accel: the guest driver for the mvgpu vGPU, a DRM accel device.
 *
 * Probes the PCI function of Documentation/mvgpu/device.rst, maps its
 * registers, takes MSI (INTx when MSI is unavailable) and registers
 * /dev/accel/accelN. The uapi is include/uapi/drm/mvgpu_accel.h. A vGPU
 * with a display also gets an auxiliary device for mvgpu_kms.ko (disp.c).
 */
#include <drm/drm_accel.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/pci.h>

#include "mvgpu_accel.h"

static int mvgpu_accel_ioctl_get_param(struct drm_device *drm, void *data,
				       struct drm_file *file)
{
	struct mvgpu_accel_dev *adev = to_adev(drm);
	struct mvgpu_accel_ctx *ctx = file->driver_priv;
	struct drm_mvgpu_get_param *args = data;

	if (args->pad)
		return -EINVAL;
	switch (args->param) {
	case DRM_MVGPU_PARAM_VRAM_SIZE:
		args->value = adev->vram_size;
		break;
	case DRM_MVGPU_PARAM_NR_CONTEXTS:
		args->value = adev->nr_contexts;
		break;
	case DRM_MVGPU_PARAM_CONTEXT:
		args->value = ctx->index;
		break;
	case DRM_MVGPU_PARAM_WEIGHT:
		args->value = mvgpu_accel_rd(adev, MVGPU_REG_WEIGHT);
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static const struct drm_ioctl_desc mvgpu_accel_ioctls[] = {
	DRM_IOCTL_DEF_DRV(MVGPU_GET_PARAM, mvgpu_accel_ioctl_get_param, 0),
	DRM_IOCTL_DEF_DRV(MVGPU_BO_CREATE, mvgpu_accel_ioctl_bo_create, 0),
	DRM_IOCTL_DEF_DRV(MVGPU_BO_MMAP, mvgpu_accel_ioctl_bo_mmap, 0),
	DRM_IOCTL_DEF_DRV(MVGPU_VM_BIND, mvgpu_accel_ioctl_vm_bind, 0),
	DRM_IOCTL_DEF_DRV(MVGPU_VM_UNBIND, mvgpu_accel_ioctl_vm_unbind, 0),
	DRM_IOCTL_DEF_DRV(MVGPU_SUBMIT, mvgpu_accel_ioctl_submit, 0),
	DRM_IOCTL_DEF_DRV(MVGPU_WAIT, mvgpu_accel_ioctl_wait, 0),
};

static int mvgpu_accel_open(struct drm_device *drm, struct drm_file *file)
{
	return mvgpu_accel_ctx_open(to_adev(drm), file);
}

static void mvgpu_accel_postclose(struct drm_device *drm, struct drm_file *file)
{
	mvgpu_accel_ctx_close(to_adev(drm), file);
}

DEFINE_DRM_ACCEL_FOPS(mvgpu_accel_fops);

static const struct drm_driver mvgpu_accel_drm_driver = {
	.driver_features = DRIVER_GEM | DRIVER_COMPUTE_ACCEL,
	.open = mvgpu_accel_open,
	.postclose = mvgpu_accel_postclose,
	.ioctls = mvgpu_accel_ioctls,
	.num_ioctls = ARRAY_SIZE(mvgpu_accel_ioctls),
	.fops = &mvgpu_accel_fops,
	.name = "mvgpu_accel",
	.desc = "mvgpu virtual GPU",
	.major = 1,
	.minor = 0,
};

static irqreturn_t mvgpu_accel_irq(int irq, void *arg)
{
	struct mvgpu_accel_dev *adev = arg;
	u32 status = mvgpu_accel_rd(adev, MVGPU_REG_IRQ_STATUS);

	if (status) {
		mvgpu_accel_wr(adev, MVGPU_REG_IRQ_ACK, status);
		mvgpu_accel_ctx_irq(adev, status);
	}
	if (adev->has_display && mvgpu_accel_disp_irq(adev))
		return IRQ_HANDLED;
	return status ? IRQ_HANDLED : IRQ_NONE;
}

/* Registers to their working state after probe or a reset. */
static void mvgpu_accel_hw_init(struct mvgpu_accel_dev *adev)
{
	u32 ctx_bits = GENMASK(adev->nr_contexts - 1, 0);

	mvgpu_accel_wr(adev, MVGPU_REG_IRQ_ACK, ~0u);
	mvgpu_accel_wr(adev, MVGPU_REG_IRQ_MASK, ctx_bits | (ctx_bits << 16));
	mvgpu_accel_disp_hw_init(adev);
}

static int mvgpu_accel_pci_probe(struct pci_dev *pdev,
				 const struct pci_device_id *id)
{
	struct mvgpu_accel_dev *adev;
	u32 version;
	int ret;

	adev = devm_drm_dev_alloc(&pdev->dev, &mvgpu_accel_drm_driver,
				  struct mvgpu_accel_dev, drm);
	if (IS_ERR(adev))
		return PTR_ERR(adev);
	adev->pdev = pdev;
	mutex_init(&adev->lock);
	spin_lock_init(&adev->irq_lock);
	mutex_init(&adev->disp_lock);
	spin_lock_init(&adev->disp_irq_lock);
	pci_set_drvdata(pdev, adev);

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	pci_set_master(pdev);
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(52));
	if (ret)
		return ret;
	adev->mmio = pcim_iomap(pdev, MVGPU_BAR_MMIO, MVGPU_MMIO_SIZE);
	if (!adev->mmio)
		return -ENOMEM;
	if (mvgpu_accel_rd(adev, MVGPU_REG_ID) != MVGPU_ID_MAGIC) {
		dev_err(&pdev->dev, "not an mvgpu (ID %#x)\n",
			mvgpu_accel_rd(adev, MVGPU_REG_ID));
		return -ENODEV;
	}
	version = mvgpu_accel_rd(adev, MVGPU_REG_VERSION);
	if (version >> 16 != MVGPU_VERSION_MAJOR) {
		dev_err(&pdev->dev, "unsupported interface version %#x\n",
			version);
		return -ENODEV;
	}

	adev->vram_base = pci_resource_start(pdev, MVGPU_BAR_VRAM);
	adev->vram_size = pci_resource_len(pdev, MVGPU_BAR_VRAM);
	adev->vram = devm_ioremap_wc(&pdev->dev, adev->vram_base,
				     adev->vram_size);
	if (!adev->vram)
		return -ENOMEM;
	drm_mm_init(&adev->vram_mm, 0, adev->vram_size);
	adev->nr_contexts = min_t(u32,
				  mvgpu_accel_rd(adev, MVGPU_REG_NR_CONTEXTS),
				  MVGPU_MAX_CONTEXTS);
	if (!adev->nr_contexts)
		return -ENODEV;
	adev->has_display = IS_ENABLED(CONFIG_AUXILIARY_BUS) &&
		(mvgpu_accel_rd(adev, MVGPU_REG_CAPS) & MVGPU_CAP_DISPLAY);

	/* Start from power-on state, whatever the previous driver left. */
	mvgpu_accel_wr(adev, MVGPU_REG_RESET, MVGPU_RESET_MAGIC);
	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI | PCI_IRQ_INTX);
	if (ret < 0)
		goto err_mm;
	ret = request_irq(pci_irq_vector(pdev, 0), mvgpu_accel_irq, IRQF_SHARED,
			  "mvgpu_accel", adev);
	if (ret)
		goto err_vectors;
	mvgpu_accel_hw_init(adev);

	ret = drm_dev_register(&adev->drm, 0);
	if (ret)
		goto err_irq;
	dev_info(&pdev->dev, "mvgpu %u.%u: %llu MiB VRAM, %u contexts, %s\n",
		 version >> 16, version & 0xffff,
		 (u64)adev->vram_size >> 20, adev->nr_contexts,
		 pdev->msi_enabled ? "MSI" : "INTx");
	mvgpu_accel_disp_init(adev);
	return 0;

err_irq:
	mvgpu_accel_wr(adev, MVGPU_REG_IRQ_MASK, 0);
	free_irq(pci_irq_vector(pdev, 0), adev);
err_vectors:
	pci_free_irq_vectors(pdev);
err_mm:
	drm_mm_takedown(&adev->vram_mm);
	return ret;
}

static void mvgpu_accel_pci_remove(struct pci_dev *pdev)
{
	struct mvgpu_accel_dev *adev = pci_get_drvdata(pdev);

	mvgpu_accel_disp_fini(adev);
	drm_dev_unplug(&adev->drm);
	mvgpu_accel_wr(adev, MVGPU_REG_IRQ_MASK, 0);
	free_irq(pci_irq_vector(pdev, 0), adev);
	pci_free_irq_vectors(pdev);
}

static void mvgpu_accel_reset_prepare(struct pci_dev *pdev)
{
	struct mvgpu_accel_dev *adev = pci_get_drvdata(pdev);

	mvgpu_accel_disp_reset_prepare(adev);
	mvgpu_accel_ctx_lose_all(adev);
}

static void mvgpu_accel_reset_done(struct pci_dev *pdev)
{
	struct mvgpu_accel_dev *adev = pci_get_drvdata(pdev);

	mvgpu_accel_hw_init(adev);
	mvgpu_accel_disp_reset_done(adev);
}

static const struct pci_error_handlers mvgpu_accel_err_handlers = {
	.reset_prepare = mvgpu_accel_reset_prepare,
	.reset_done = mvgpu_accel_reset_done,
};

static const struct pci_device_id mvgpu_accel_pci_ids[] = {
	{ PCI_DEVICE(MVGPU_PCI_VENDOR_ID, MVGPU_PCI_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, mvgpu_accel_pci_ids);

static struct pci_driver mvgpu_accel_pci_driver = {
	.name = "mvgpu_accel",
	.id_table = mvgpu_accel_pci_ids,
	.probe = mvgpu_accel_pci_probe,
	.remove = mvgpu_accel_pci_remove,
	.err_handler = &mvgpu_accel_err_handlers,
};
module_pci_driver(mvgpu_accel_pci_driver);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Guest driver for the mvgpu virtual GPU");

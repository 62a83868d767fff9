/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvgpu_accel -> mvgpu_kms: the display head of a vGPU, as the PCI driver
 * (mvgpu_accel.ko) hands it to the display driver (mvgpu_kms.ko) through
 * an auxiliary device. DRM does not let one driver be an accel device and
 * a modesetting one, hence two drivers on one PCI function.
 *
 * The display driver owns the DISP_* registers but DISP_IRQ_STATUS,
 * DISP_IRQ_ACK and DISP_IRQ_MASK, which the PCI driver's interrupt
 * handler and mvgpu_accel_disp_attach() use; it writes its pixels into
 * the VRAM range the PCI driver reserved for it while attached, and
 * nowhere else.
 */
#ifndef _MVGPU_DISP_H
#define _MVGPU_DISP_H

#include <linux/auxiliary_bus.h>
#include <linux/io.h>
#include <linux/types.h>

/* The auxiliary device is "mvgpu_accel.display". */
#define MVGPU_ACCEL_DISP_DEVNAME	"display"

struct mvgpu_accel_dev;

/**
 * struct mvgpu_accel_disp - the display head of one vGPU
 * @auxdev: the auxiliary device, a child of the PCI function
 * @adev: the PCI driver's device (opaque to the display driver)
 * @mmio: BAR0 registers
 * @max_width: ``DISP_MAX_WIDTH``
 * @max_height: ``DISP_MAX_HEIGHT``
 * @scanout: the reserved VRAM range, mapped write-combined, zeroed
 * @scanout_offset: its VRAM offset (4 KiB aligned): ``DISP_FB_BASE``
 * @scanout_size: its bytes, at least @max_width x @max_height x 4
 *
 * @scanout and @scanout_offset are set by mvgpu_accel_disp_attach() and
 * valid until mvgpu_accel_disp_detach(); the rest is set before the
 * auxiliary device is added and stays valid until the display driver's
 * remove() has returned.
 */
struct mvgpu_accel_disp {
	struct auxiliary_device auxdev;
	struct mvgpu_accel_dev *adev;
	void __iomem *mmio;
	u32 max_width;
	u32 max_height;
	void __iomem *scanout;
	u64 scanout_offset;
	u64 scanout_size;
};

/**
 * struct mvgpu_accel_disp_ops - what the PCI driver calls in the display
 * driver
 * @irq_mask: the ``MVGPU_DISP_IRQ_*`` sources to enable
 * @irq: some of @irq_mask's sources were pending (@status, already
 *	acknowledged); called from the interrupt handler with a spinlock
 *	held: must not sleep
 * @reset_prepare: the vGPU is about to be reset (its display registers
 *	and VRAM with it); may sleep; optional
 * @reset_done: the reset is over (@irq_mask is enabled again); may
 *	sleep; optional
 */
struct mvgpu_accel_disp_ops {
	u32 irq_mask;
	void (*irq)(void *priv, u32 status);
	void (*reset_prepare)(void *priv);
	void (*reset_done)(void *priv);
};

int mvgpu_accel_disp_attach(struct mvgpu_accel_disp *disp,
			    const struct mvgpu_accel_disp_ops *ops, void *priv);
void mvgpu_accel_disp_detach(struct mvgpu_accel_disp *disp);

#endif /* _MVGPU_DISP_H */

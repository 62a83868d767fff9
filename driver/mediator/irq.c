// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu mediator: interrupt delivery of a vGPU through vfio eventfds.
 *
 * The device has one interrupt condition, IRQ_STATUS & IRQ_MASK != 0. It is
 * delivered as MSI when the user has set an MSI eventfd, else as INTx,
 * which is level triggered: it is automasked on delivery and delivered
 * again on unmask while the condition holds.
 */
#include <linux/pci_regs.h>
#include <linux/uaccess.h>

#include "mvgpu_drv.h"

static bool mvgpu_intx_disabled(const struct mvgpu_vgpu *vgpu)
{
	return vgpu->cfg[PCI_COMMAND + 1] & (PCI_COMMAND_INTX_DISABLE >> 8);
}

/**
 * mvgpu_irq_update() - re-evaluate the interrupt condition and deliver
 * @vgpu: the vGPU; caller holds @vgpu->lock
 * @resend: send another MSI if the condition still holds (after an ack)
 */
void mvgpu_irq_update(struct mvgpu_vgpu *vgpu, bool resend)
{
	struct mvgpu_irq *irq = &vgpu->irq;
	bool was = irq->asserted;

	irq->asserted = vgpu->regs_irq_status & vgpu->regs_irq_mask;
	if (!irq->asserted)
		return;

	if (irq->msi) {
		if (!was || resend)
			eventfd_signal(irq->msi);
		return;
	}
	if (irq->intx && !irq->intx_masked && !mvgpu_intx_disabled(vgpu)) {
		irq->intx_masked = true;
		eventfd_signal(irq->intx);
	}
}

static int mvgpu_set_eventfd(struct eventfd_ctx **slot, s32 fd)
{
	struct eventfd_ctx *ctx = NULL;

	if (fd >= 0) {
		ctx = eventfd_ctx_fdget(fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}
	if (*slot)
		eventfd_ctx_put(*slot);
	*slot = ctx;
	return 0;
}

/*
 * TRIGGER on an index with a single eventfd. @data holds @hdr->count
 * entries: none when the count is 0.
 */
static int mvgpu_irq_trigger(struct mvgpu_vgpu *vgpu,
			     struct eventfd_ctx **slot,
			     struct vfio_irq_set *hdr, void *data)
{
	switch (hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_EVENTFD:
		/* names no vector, carries no eventfd (as vfio-pci) */
		if (!hdr->count)
			return -EINVAL;
		return mvgpu_set_eventfd(slot, *(s32 *)data);
	case VFIO_IRQ_SET_DATA_NONE:
		if (!hdr->count)
			return mvgpu_set_eventfd(slot, -1);
		if (*slot)
			eventfd_signal(*slot);
		return 0;
	case VFIO_IRQ_SET_DATA_BOOL:
		if (!hdr->count)
			return -EINVAL;
		if (*(u8 *)data && *slot)
			eventfd_signal(*slot);
		return 0;
	}
	return -EINVAL;
}

static int mvgpu_intx_set(struct mvgpu_vgpu *vgpu, struct vfio_irq_set *hdr,
			  void *data)
{
	u32 action = hdr->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	u32 type = hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	bool set;

	if (action == VFIO_IRQ_SET_ACTION_TRIGGER) {
		int ret = mvgpu_irq_trigger(vgpu, &vgpu->irq.intx, hdr, data);

		vgpu->irq.intx_masked = false;
		mvgpu_irq_update(vgpu, false);
		return ret;
	}
	/* MASK and UNMASK: no eventfd variants. */
	if (type == VFIO_IRQ_SET_DATA_EVENTFD || hdr->count != 1)
		return -EINVAL;
	set = type == VFIO_IRQ_SET_DATA_NONE || *(u8 *)data;
	if (!set)
		return 0;
	if (action == VFIO_IRQ_SET_ACTION_MASK) {
		vgpu->irq.intx_masked = true;
	} else {
		vgpu->irq.intx_masked = false;
		/* Level triggered: deliver again if still pending. */
		vgpu->irq.asserted = false;
		mvgpu_irq_update(vgpu, false);
	}
	return 0;
}

/**
 * mvgpu_irq_set() - VFIO_DEVICE_SET_IRQS
 * @vgpu: the vGPU; caller holds @vgpu->lock
 * @hdr: validated header
 * @data: payload of @hdr->count entries (may be NULL for DATA_NONE)
 *
 * Return: 0 or a negative errno.
 */
int mvgpu_irq_set(struct mvgpu_vgpu *vgpu, struct vfio_irq_set *hdr,
		  void *data)
{
	u32 action = hdr->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	int ret;

	if (hdr->index == VFIO_PCI_INTX_IRQ_INDEX)
		return mvgpu_intx_set(vgpu, hdr, data);
	if (action != VFIO_IRQ_SET_ACTION_TRIGGER)
		return -EINVAL;

	switch (hdr->index) {
	case VFIO_PCI_MSI_IRQ_INDEX:
		ret = mvgpu_irq_trigger(vgpu, &vgpu->irq.msi, hdr, data);
		/* Deliver what became pending while no vector was set. */
		vgpu->irq.asserted = false;
		mvgpu_irq_update(vgpu, false);
		return ret;
	case VFIO_PCI_ERR_IRQ_INDEX:
		return mvgpu_irq_trigger(vgpu, &vgpu->irq.err, hdr, data);
	case VFIO_PCI_REQ_IRQ_INDEX:
		return mvgpu_irq_trigger(vgpu, &vgpu->irq.req, hdr, data);
	}
	return -EINVAL;
}

/**
 * mvgpu_irq_info() - VFIO_DEVICE_GET_IRQ_INFO
 * @vgpu: the vGPU
 * @arg: user pointer to struct vfio_irq_info
 *
 * Return: 0 or a negative errno.
 */
long mvgpu_irq_info(struct mvgpu_vgpu *vgpu, unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;

	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	info.flags = VFIO_IRQ_INFO_EVENTFD;
	info.count = 1;
	switch (info.index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		info.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
		break;
	case VFIO_PCI_MSI_IRQ_INDEX:
		info.flags |= VFIO_IRQ_INFO_NORESIZE;
		break;
	case VFIO_PCI_MSIX_IRQ_INDEX:
		info.count = 0;
		break;
	case VFIO_PCI_ERR_IRQ_INDEX:
	case VFIO_PCI_REQ_IRQ_INDEX:
		break;
	default:
		return -EINVAL;
	}
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

/**
 * mvgpu_irq_release() - drop every eventfd, on close
 * @vgpu: the vGPU; caller holds @vgpu->lock
 */
void mvgpu_irq_release(struct mvgpu_vgpu *vgpu)
{
	mvgpu_set_eventfd(&vgpu->irq.intx, -1);
	mvgpu_set_eventfd(&vgpu->irq.msi, -1);
	mvgpu_set_eventfd(&vgpu->irq.err, -1);
	mvgpu_set_eventfd(&vgpu->irq.req, -1);
	vgpu->irq.intx_masked = false;
	vgpu->irq.asserted = false;
}

/**
 * mvgpu_irq_request() - ask the user to release the device
 * @vgpu: the vGPU
 * @count: how many times vfio has asked so far
 *
 * Called by vfio while the vGPU is being removed and is still open.
 */
void mvgpu_irq_request(struct mvgpu_vgpu *vgpu, unsigned int count)
{
	mutex_lock(&vgpu->lock);
	if (vgpu->irq.req) {
		if (!(count % 10))
			dev_notice_ratelimited(&vgpu->mdev->dev,
					       "asking the user to release the vGPU (%u)\n",
					       count);
		eventfd_signal(vgpu->irq.req);
	} else if (count == 0) {
		dev_notice(&vgpu->mdev->dev,
			   "vGPU in use and no request eventfd: waiting for its user to close it\n");
	}
	mutex_unlock(&vgpu->lock);
}

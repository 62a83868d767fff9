// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu mediator: interrupt delivery of a vGPU through vfio eventfds.
 *
 * The device has one interrupt condition, IRQ_STATUS & IRQ_MASK != 0 or a
 * display interrupt pending (display.c's DISP_IRQ_*). It is
 * delivered as MSI when the user has set an MSI eventfd, else as INTx,
 * which is level triggered: it is automasked on delivery and delivered
 * again on unmask while the condition holds.
 *
 * IRQ_STATUS and IRQ_MASK are this file's: the register decoder (ctx.c)
 * and the contexts' faults and fences change them through the functions
 * below.
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

	irq->asserted = (vgpu->regs_irq_status & vgpu->regs_irq_mask) ||
			mvgpu_display_irq_pending(vgpu);
	if (!irq->asserted)
		return;

	if (irq->msi) {
		if (!was || resend)
			mvgpu_eventfd_signal(irq->msi);
		return;
	}
	if (irq->intx && !irq->intx_masked && !mvgpu_intx_disabled(vgpu)) {
		irq->intx_masked = true;
		mvgpu_eventfd_signal(irq->intx);
	}
}

/**
 * mvgpu_irq_valid_bits() - IRQ_STATUS bits that can exist on a vGPU
 * @vgpu: the vGPU
 *
 * Return: the fence and fault bits of its contexts.
 */
u32 mvgpu_irq_valid_bits(const struct mvgpu_vgpu *vgpu)
{
	u32 ctx_bits = GENMASK(vgpu->type->contexts - 1, 0);

	return ctx_bits | (ctx_bits << 16);
}

/**
 * mvgpu_irq_post() - set bits of IRQ_STATUS
 * @vgpu: the vGPU; caller holds @vgpu->lock and calls mvgpu_irq_update()
 *	when it is done with the registers
 * @bits: MVGPU_IRQ_* bits; those the vGPU does not have are ignored
 */
void mvgpu_irq_post(struct mvgpu_vgpu *vgpu, u32 bits)
{
	vgpu->regs_irq_status |= bits & mvgpu_irq_valid_bits(vgpu);
}

/**
 * mvgpu_irq_ack() - a write of IRQ_ACK: clear bits of IRQ_STATUS
 * @vgpu: the vGPU; caller holds @vgpu->lock
 * @bits: the bits written
 *
 * Another MSI goes out when the condition still holds.
 */
void mvgpu_irq_ack(struct mvgpu_vgpu *vgpu, u32 bits)
{
	vgpu->regs_irq_status &= ~bits;
	mvgpu_irq_update(vgpu, true);
}

/**
 * mvgpu_irq_set_mask() - a write of IRQ_MASK
 * @vgpu: the vGPU; caller holds @vgpu->lock
 * @mask: the value written; bits the vGPU does not have are dropped
 */
void mvgpu_irq_set_mask(struct mvgpu_vgpu *vgpu, u32 mask)
{
	vgpu->regs_irq_mask = mask & mvgpu_irq_valid_bits(vgpu);
	mvgpu_irq_update(vgpu, false);
}

/**
 * mvgpu_irq_reset() - interrupt state at reset
 * @vgpu: the vGPU; caller holds @vgpu->lock or owns it exclusively
 *
 * IRQ_STATUS and IRQ_MASK are 0, nothing is asserted and INTx is
 * unmasked; the user's eventfds stay.
 */
void mvgpu_irq_reset(struct mvgpu_vgpu *vgpu)
{
	vgpu->regs_irq_status = 0;
	vgpu->regs_irq_mask = 0;
	vgpu->irq.asserted = false;
	vgpu->irq.intx_masked = false;
}

/**
 * mvgpu_irq_save() - interrupt state, for a migration STATE record
 * @vgpu: the vGPU, frozen; caller holds @vgpu->lock
 * @st: the record
 */
void mvgpu_irq_save(struct mvgpu_vgpu *vgpu, struct mvgpu_mig_state *st)
{
	st->irq_status = cpu_to_le32(vgpu->regs_irq_status);
	st->irq_mask = cpu_to_le32(vgpu->regs_irq_mask);
	st->intx_masked = cpu_to_le32(vgpu->irq.intx_masked);
}

/**
 * mvgpu_irq_state_valid() - may a received STATE record's interrupt state
 * be loaded?
 * @st: the record, not trusted
 *
 * Return: true when its INTx mask is 0 or 1.
 */
bool mvgpu_irq_state_valid(const struct mvgpu_mig_state *st)
{
	return le32_to_cpu(st->intx_masked) <= 1;
}

/**
 * mvgpu_irq_load() - take interrupt state from a migration STATE record
 * @vgpu: the vGPU, frozen; caller holds @vgpu->lock
 * @st: the record, checked with mvgpu_irq_state_valid()
 *
 * Bits the vGPU does not have are dropped. Nothing is delivered now: the
 * condition is evaluated again when the vGPU runs.
 */
void mvgpu_irq_load(struct mvgpu_vgpu *vgpu, const struct mvgpu_mig_state *st)
{
	vgpu->regs_irq_status = le32_to_cpu(st->irq_status) &
				mvgpu_irq_valid_bits(vgpu);
	vgpu->regs_irq_mask = le32_to_cpu(st->irq_mask) &
			      mvgpu_irq_valid_bits(vgpu);
	vgpu->irq.intx_masked = le32_to_cpu(st->intx_masked);
	vgpu->irq.asserted = false;
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
 * Attach (fd >= 0) or detach (fd < 0) the trigger of an index, then let the
 * interrupt condition find its way again: INTx starts unmasked when it is
 * attached anew (a replaced eventfd keeps the mask), and MSI sends what
 * became pending while it had no eventfd.
 */
static int mvgpu_irq_attach(struct mvgpu_vgpu *vgpu, unsigned int index,
			    struct eventfd_ctx **slot, s32 fd)
{
	struct mvgpu_irq *irq = &vgpu->irq;
	bool was_attached = *slot;
	int ret;

	ret = mvgpu_set_eventfd(slot, fd);
	if (ret)
		return ret;
	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		if (!*slot || !was_attached)
			irq->intx_masked = false;
		mvgpu_irq_update(vgpu, false);
		break;
	case VFIO_PCI_MSI_IRQ_INDEX:
		/* re-evaluated from scratch: MSI, or INTx when MSI is gone */
		irq->asserted = false;
		mvgpu_irq_update(vgpu, false);
		break;
	}
	return 0;
}

/*
 * ACTION_TRIGGER on an index of one vector, after
 * vfio_set_irqs_validate_and_prepare(): start is 0, count 0 or 1, @data
 * holds @count entries of @type (NULL when count is 0). The answers follow
 * vfio-pci (see "Interrupts" in Documentation/mvgpu/device.rst).
 */
static int mvgpu_irq_trigger(struct mvgpu_vgpu *vgpu, unsigned int index,
			     struct eventfd_ctx **slot, u32 count, u32 type,
			     const void *data)
{
	bool single = index == VFIO_PCI_ERR_IRQ_INDEX ||
		      index == VFIO_PCI_REQ_IRQ_INDEX;
	s32 fd;

	switch (type) {
	case VFIO_IRQ_SET_DATA_NONE:
		/* count 0 detaches, count 1 is a loopback trigger */
		if (!*slot)
			return -EINVAL;
		if (!count)
			return mvgpu_irq_attach(vgpu, index, slot, -1);
		mvgpu_eventfd_signal(*slot);
		return 0;
	case VFIO_IRQ_SET_DATA_BOOL:
		/* no vector named, no data */
		if (!count)
			return -EINVAL;
		if (!*slot)
			return single ? 0 : -EINVAL;
		if (*(const u8 *)data)
			mvgpu_eventfd_signal(*slot);
		return 0;
	case VFIO_IRQ_SET_DATA_EVENTFD:
		if (!count)
			return -EINVAL;
		fd = *(const s32 *)data;
		/* ERR and REQ take -1 alone to detach */
		if (single && fd < -1)
			return -EINVAL;
		return mvgpu_irq_attach(vgpu, index, slot, fd);
	}
	return -EINVAL;
}

/* ACTION_MASK and ACTION_UNMASK of INTx. */
static int mvgpu_intx_mask(struct mvgpu_vgpu *vgpu, bool mask, u32 count,
			   u32 type, const void *data)
{
	struct mvgpu_irq *irq = &vgpu->irq;

	if (!irq->intx || count != 1)
		return -EINVAL;
	switch (type) {
	case VFIO_IRQ_SET_DATA_NONE:
		break;
	case VFIO_IRQ_SET_DATA_BOOL:
		if (!*(const u8 *)data)
			return 0;
		break;
	default:
		/* no mask or unmask eventfd (irqfd resampler) */
		return -ENOTTY;
	}
	if (mask) {
		irq->intx_masked = true;
	} else {
		irq->intx_masked = false;
		/* level triggered: delivered again while the condition holds */
		mvgpu_irq_update(vgpu, false);
	}
	return 0;
}

/**
 * mvgpu_irq_set() - VFIO_DEVICE_SET_IRQS
 * @vgpu: the vGPU; caller holds @vgpu->lock
 * @hdr: header checked by vfio_set_irqs_validate_and_prepare() with one
 *	vector on every index but MSI-X (none): index below
 *	VFIO_PCI_NUM_IRQS and not MSI-X, start 0, count 0 or 1, one data type
 * @data: @hdr->count entries of the data type; NULL when there are none
 *
 * Return: 0, -EINVAL for a request the index cannot take, -ENOTTY for an
 * action the index does not have (or more than one action), or the
 * error of eventfd_ctx_fdget().
 */
int mvgpu_irq_set(struct mvgpu_vgpu *vgpu, struct vfio_irq_set *hdr,
		  void *data)
{
	u32 action = hdr->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	u32 type = hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	struct mvgpu_irq *irq = &vgpu->irq;
	struct eventfd_ctx **slot;

	switch (action) {
	case VFIO_IRQ_SET_ACTION_MASK:
	case VFIO_IRQ_SET_ACTION_UNMASK:
		if (hdr->index != VFIO_PCI_INTX_IRQ_INDEX)
			return -ENOTTY;
		return mvgpu_intx_mask(vgpu, action == VFIO_IRQ_SET_ACTION_MASK,
				       hdr->count, type, data);
	case VFIO_IRQ_SET_ACTION_TRIGGER:
		break;
	default:
		return -ENOTTY;
	}

	switch (hdr->index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		slot = &irq->intx;
		break;
	case VFIO_PCI_MSI_IRQ_INDEX:
		slot = &irq->msi;
		break;
	case VFIO_PCI_ERR_IRQ_INDEX:
		slot = &irq->err;
		break;
	case VFIO_PCI_REQ_IRQ_INDEX:
		slot = &irq->req;
		break;
	default:
		return -EINVAL;
	}
	return mvgpu_irq_trigger(vgpu, hdr->index, slot, hdr->count, type,
				 data);
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

	/* as vfio-pci reports a PCIe function with INTA, one MSI vector */
	info.flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE;
	info.count = 1;
	switch (info.index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		info.flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
			     VFIO_IRQ_INFO_AUTOMASKED;
		break;
	case VFIO_PCI_MSIX_IRQ_INDEX:
		/* no MSI-X capability */
		info.count = 0;
		break;
	case VFIO_PCI_MSI_IRQ_INDEX:
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
		mvgpu_eventfd_signal(vgpu->irq.req);
	} else if (count == 0) {
		dev_notice(&vgpu->mdev->dev,
			   "vGPU in use and no request eventfd: waiting for its user to close it\n");
	}
	mutex_unlock(&vgpu->lock);
}

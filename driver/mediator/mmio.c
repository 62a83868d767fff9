// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu mediator: the emulated BAR0 register file of a vGPU.
 *
 * Every guest access to BAR0 traps to here. Nothing a guest writes reaches
 * the physical GPU directly: registers are kept per vGPU and validated
 * before they are used. Documentation/mvgpu/device.rst is the spec.
 */
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/string.h>

#include "mvgpu_drv.h"

static u32 lo32(u64 v)
{
	return lower_32_bits(v);
}

static u32 hi32(u64 v)
{
	return upper_32_bits(v);
}

static void set_lo32(u64 *reg, u32 val)
{
	*reg = (*reg & GENMASK_ULL(63, 32)) | val;
}

static void set_hi32(u64 *reg, u32 val)
{
	*reg = (*reg & GENMASK_ULL(31, 0)) | ((u64)val << 32);
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
 * mvgpu_regs_reset() - bring BAR0 registers to their reset values
 * @vgpu: the vGPU; caller holds @vgpu->lock or owns it exclusively
 */
void mvgpu_regs_reset(struct mvgpu_vgpu *vgpu)
{
	vgpu->regs_irq_status = 0;
	vgpu->regs_irq_mask = 0;
	vgpu->regs_scratch = 0;
	vgpu->regs_ts_hi = 0;
	vgpu->ts_base = ktime_get_ns();
	memset(vgpu->ctx, 0, sizeof(vgpu->ctx));
}

static u32 mvgpu_ctx_read(struct mvgpu_vgpu *vgpu, unsigned int n,
			  unsigned int reg)
{
	struct mvgpu_ctx_regs *ctx = &vgpu->ctx[n];

	switch (reg) {
	case MVGPU_CTX_PT_ROOT_LO:
		return lo32(ctx->pt_root);
	case MVGPU_CTX_PT_ROOT_HI:
		return hi32(ctx->pt_root);
	case MVGPU_CTX_RING_BASE_LO:
		return lo32(ctx->ring_base);
	case MVGPU_CTX_RING_BASE_HI:
		return hi32(ctx->ring_base);
	case MVGPU_CTX_RING_SIZE:
		return ctx->ring_size;
	case MVGPU_CTX_RING_HEAD:
		return ctx->ring_head;
	case MVGPU_CTX_RING_TAIL:
		return ctx->ring_tail;
	case MVGPU_CTX_CONTROL:
		return ctx->control;
	case MVGPU_CTX_STATUS:
		return ctx->status;
	case MVGPU_CTX_FENCE_LO:
		return lo32(ctx->fence);
	case MVGPU_CTX_FENCE_HI:
		return hi32(ctx->fence);
	case MVGPU_CTX_FAULT_REASON:
		return ctx->fault_reason;
	case MVGPU_CTX_FAULT_ADDR_LO:
		return lo32(ctx->fault_addr);
	case MVGPU_CTX_FAULT_ADDR_HI:
		return hi32(ctx->fault_addr);
	case MVGPU_CTX_TLB_INV_ADDR_LO:
		return lo32(ctx->tlb_inv_addr);
	case MVGPU_CTX_TLB_INV_ADDR_HI:
		return hi32(ctx->tlb_inv_addr);
	case MVGPU_CTX_TLB_INV_SIZE_LO:
		return lo32(ctx->tlb_inv_size);
	case MVGPU_CTX_TLB_INV_SIZE_HI:
		return hi32(ctx->tlb_inv_size);
	default:
		return 0;
	}
}

/* Start a context afresh: empty ring, no fault, shadow rebuilt. */
static void mvgpu_ctx_enable(struct mvgpu_vgpu *vgpu, unsigned int n,
			     struct mvgpu_mmio_action *act)
{
	struct mvgpu_ctx_regs *ctx = &vgpu->ctx[n];

	ctx->control |= MVGPU_CTX_CONTROL_ENABLE;
	ctx->status = MVGPU_CTX_STATUS_ENABLED;
	ctx->ring_head = 0;
	ctx->ring_tail = 0;
	ctx->exec_progress = 0;
	ctx->exec_partial = 0;
	ctx->fault_reason = MVGPU_FAULT_NONE;
	ctx->fault_addr = 0;
	act->kind = MVGPU_ACT_SYNC;
	act->root = ctx->pt_root;
	act->va = 0;
	act->size = 0;
}

static void mvgpu_ctx_disable(struct mvgpu_vgpu *vgpu, unsigned int n,
			      struct mvgpu_mmio_action *act)
{
	struct mvgpu_ctx_regs *ctx = &vgpu->ctx[n];

	ctx->control &= ~MVGPU_CTX_CONTROL_ENABLE;
	ctx->status &= ~MVGPU_CTX_STATUS_ENABLED;
	mvgpu_ctx_update_runnable(vgpu, n);
	act->kind = MVGPU_ACT_DROP;
}

/* RING_TAIL write: the doorbell. */
static void mvgpu_ctx_doorbell(struct mvgpu_vgpu *vgpu, unsigned int n,
			       u32 val, struct mvgpu_mmio_action *act)
{
	struct mvgpu_ctx_regs *ctx = &vgpu->ctx[n];

	if (val % 4)
		return;
	/* Kept modulo the ring size, so a driver may write a running offset. */
	ctx->ring_tail = is_power_of_2(ctx->ring_size) ?
			 val & (ctx->ring_size - 1) : val;
	if (!(ctx->control & MVGPU_CTX_CONTROL_ENABLE) ||
	    (ctx->status & MVGPU_CTX_STATUS_FAULTED))
		return;
	if (!mvgpu_ring_valid(ctx)) {
		mvgpu_ctx_fault(vgpu, n, MVGPU_FAULT_BAD_RING, ctx->ring_base);
		return;
	}
	mvgpu_ctx_update_runnable(vgpu, n);
	act->kick = true;
}

static void mvgpu_ctx_write(struct mvgpu_vgpu *vgpu, unsigned int n,
			    unsigned int reg, u32 val,
			    struct mvgpu_mmio_action *act)
{
	struct mvgpu_ctx_regs *ctx = &vgpu->ctx[n];
	bool enabled = ctx->control & MVGPU_CTX_CONTROL_ENABLE;

	act->ctx = n;
	switch (reg) {
	case MVGPU_CTX_PT_ROOT_LO:
		set_lo32(&ctx->pt_root, val);
		if (enabled) {
			/* Write HI first: the LO write switches tables. */
			act->kind = MVGPU_ACT_SYNC;
			act->root = ctx->pt_root;
		}
		break;
	case MVGPU_CTX_PT_ROOT_HI:
		set_hi32(&ctx->pt_root, val);
		break;
	case MVGPU_CTX_RING_BASE_LO:
		set_lo32(&ctx->ring_base, val);
		break;
	case MVGPU_CTX_RING_BASE_HI:
		set_hi32(&ctx->ring_base, val);
		break;
	case MVGPU_CTX_RING_SIZE:
		ctx->ring_size = val;
		break;
	case MVGPU_CTX_RING_TAIL:
		mvgpu_ctx_doorbell(vgpu, n, val, act);
		break;
	case MVGPU_CTX_CONTROL:
		if ((val & MVGPU_CTX_CONTROL_ENABLE) && !enabled)
			mvgpu_ctx_enable(vgpu, n, act);
		else if (!(val & MVGPU_CTX_CONTROL_ENABLE) && enabled)
			mvgpu_ctx_disable(vgpu, n, act);
		break;
	case MVGPU_CTX_FAULT_CLEAR:
		if (val & 1) {
			ctx->status &= ~MVGPU_CTX_STATUS_FAULTED;
			ctx->fault_reason = MVGPU_FAULT_NONE;
			ctx->fault_addr = 0;
			mvgpu_ctx_update_runnable(vgpu, n);
			act->kick = true;
		}
		break;
	case MVGPU_CTX_TLB_INV_ADDR_LO:
		set_lo32(&ctx->tlb_inv_addr, val);
		break;
	case MVGPU_CTX_TLB_INV_ADDR_HI:
		set_hi32(&ctx->tlb_inv_addr, val);
		break;
	case MVGPU_CTX_TLB_INV_SIZE_LO:
		set_lo32(&ctx->tlb_inv_size, val);
		break;
	case MVGPU_CTX_TLB_INV_SIZE_HI:
		set_hi32(&ctx->tlb_inv_size, val);
		break;
	case MVGPU_CTX_TLB_INV:
		if ((val & 1) && enabled) {
			act->kind = MVGPU_ACT_SYNC;
			act->root = ctx->pt_root;
			act->va = ctx->tlb_inv_addr;
			act->size = ctx->tlb_inv_size;
		}
		break;
	default:
		/* Read-only or unknown. */
		break;
	}
}

/**
 * mvgpu_mmio_read() - read a BAR0 register
 * @vgpu: the vGPU; caller holds @vgpu->lock
 * @off: 4-byte aligned offset below MVGPU_MMIO_SIZE
 *
 * Return: the register's value; 0 for unknown or write-only offsets.
 */
u32 mvgpu_mmio_read(struct mvgpu_vgpu *vgpu, unsigned int off)
{
	u64 ts;

	if (off >= MVGPU_CTX_BASE) {
		unsigned int n = (off - MVGPU_CTX_BASE) / MVGPU_CTX_STRIDE;

		if (n >= vgpu->type->contexts)
			return 0;
		return mvgpu_ctx_read(vgpu, n,
				      (off - MVGPU_CTX_BASE) % MVGPU_CTX_STRIDE);
	}

	switch (off) {
	case MVGPU_REG_ID:
		return MVGPU_ID_MAGIC;
	case MVGPU_REG_VERSION:
		return MVGPU_VERSION_MAJOR << 16 | MVGPU_VERSION_MINOR;
	case MVGPU_REG_CAPS:
		return MVGPU_CAP_MSI | MVGPU_CAP_INTX | MVGPU_CAP_LARGE_PAGE |
		       MVGPU_CAP_VRAM;
	case MVGPU_REG_NR_CONTEXTS:
		return vgpu->type->contexts;
	case MVGPU_REG_VRAM_SIZE_LO:
		return lo32(vgpu->vram_size);
	case MVGPU_REG_VRAM_SIZE_HI:
		return hi32(vgpu->vram_size);
	case MVGPU_REG_WEIGHT:
		return mvgpu_sched_get_weight(vgpu);
	case MVGPU_REG_SCRATCH:
		return vgpu->regs_scratch;
	case MVGPU_REG_IRQ_STATUS:
		return vgpu->regs_irq_status;
	case MVGPU_REG_IRQ_MASK:
		return vgpu->regs_irq_mask;
	case MVGPU_REG_TIMESTAMP_LO:
		ts = ktime_get_ns() - vgpu->ts_base;
		vgpu->regs_ts_hi = hi32(ts);
		return lo32(ts);
	case MVGPU_REG_TIMESTAMP_HI:
		return vgpu->regs_ts_hi;
	default:
		return 0;
	}
}

/**
 * mvgpu_mmio_write() - write a BAR0 register
 * @vgpu: the vGPU; caller holds @vgpu->lock
 * @off: 4-byte aligned offset below MVGPU_MMIO_SIZE
 * @val: value written
 * @act: set to the shadow work and scheduling the write asks for, which
 *	the caller does once it has dropped @vgpu->lock
 *
 * Writes to read-only or unknown offsets are ignored.
 */
void mvgpu_mmio_write(struct mvgpu_vgpu *vgpu, unsigned int off, u32 val,
		      struct mvgpu_mmio_action *act)
{
	act->kind = MVGPU_ACT_NONE;
	act->kick = false;
	act->gen = vgpu->gen;

	if (off >= MVGPU_CTX_BASE) {
		unsigned int n = (off - MVGPU_CTX_BASE) / MVGPU_CTX_STRIDE;

		if (n < vgpu->type->contexts)
			mvgpu_ctx_write(vgpu, n,
					(off - MVGPU_CTX_BASE) % MVGPU_CTX_STRIDE,
					val, act);
		return;
	}

	switch (off) {
	case MVGPU_REG_SCRATCH:
		vgpu->regs_scratch = val;
		break;
	case MVGPU_REG_IRQ_MASK:
		vgpu->regs_irq_mask = val & mvgpu_irq_valid_bits(vgpu);
		mvgpu_irq_update(vgpu, false);
		break;
	case MVGPU_REG_IRQ_ACK:
		vgpu->regs_irq_status &= ~val;
		mvgpu_irq_update(vgpu, true);
		break;
	case MVGPU_REG_IRQ_RAISE:
		vgpu->regs_irq_status |= val & mvgpu_irq_valid_bits(vgpu);
		mvgpu_irq_update(vgpu, false);
		break;
	case MVGPU_REG_RESET:
		if (val == MVGPU_RESET_MAGIC)
			mvgpu_vgpu_reset(vgpu, false);
		break;
	default:
		break;
	}
}

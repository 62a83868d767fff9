// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu mediator: the register state of a vGPU, the owner of its BAR0
 * registers and of its contexts.
 *
 * Every guest access to BAR0 traps to here. Nothing a guest writes reaches
 * the physical GPU directly: registers are kept per vGPU and validated
 * before they are used. Documentation/mvgpu/device.rst is the spec.
 *
 * Everything that changes a context's registers, and whether it has work
 * (@vgpu->runnable, @vgpu->waiting), is here: register writes, engine runs
 * written back (mvgpu_ctx_complete()), faults, resets, and the device
 * state that migration saves and loads. IRQ_STATUS and IRQ_MASK are
 * irq.c's; this file decodes their registers and calls it. Adding a
 * register touches this file and include/uapi/linux/mvgpu.h.
 */
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "mvgpu_drv.h"

/**
 * struct mvgpu_reg_deferred - work a register write leaves for after the
 * register lock is dropped
 * @kind: what to do with the shadow of context @ctx
 * @ctx: the context
 * @gen: vGPU reset generation when the write happened
 * @root: the context's root at that time
 * @va: range start (MVGPU_DEFER_SYNC)
 * @size: range bytes, 0 = all (MVGPU_DEFER_SYNC)
 * @kick: wake the scheduler afterwards
 * @sync_display: the display's plane changed: show the VMM
 */
struct mvgpu_reg_deferred {
	enum { MVGPU_DEFER_NONE, MVGPU_DEFER_SYNC, MVGPU_DEFER_DROP } kind;
	unsigned int ctx;
	unsigned int gen;
	u64 root;
	u64 va;
	u64 size;
	bool kick;
	bool sync_display;
};

static u32 lo32(u64 v)
{
	return lower_32_bits(v);
}

static u32 hi32(u64 v)
{
	return upper_32_bits(v);
}

/* Are a context's ring registers usable? */
static bool mvgpu_ring_valid(const struct mvgpu_ctx_regs *r)
{
	return is_power_of_2(r->ring_size) && r->ring_size >= SZ_4K &&
	       r->ring_size <= SZ_1M && IS_ALIGNED(r->ring_base, SZ_4K) &&
	       r->ring_head < r->ring_size && r->ring_tail < r->ring_size;
}

/* Recompute whether a context has work. Caller holds @vgpu->lock. */
static void mvgpu_ctx_update_runnable(struct mvgpu_vgpu *vgpu, unsigned int n)
{
	struct mvgpu_ctx_regs *r = &vgpu->ctx[n];

	if ((r->control & MVGPU_CTX_CONTROL_ENABLE) &&
	    !(r->status & MVGPU_CTX_STATUS_FAULTED) &&
	    r->ring_head != r->ring_tail) {
		set_bit(n, &vgpu->runnable);
		r->status |= MVGPU_CTX_STATUS_BUSY;
	} else {
		clear_bit(n, &vgpu->runnable);
		clear_bit(n, &vgpu->waiting);
		r->status &= ~MVGPU_CTX_STATUS_BUSY;
	}
}

/**
 * mvgpu_ctx_fault() - stop a context on a fault and tell the guest
 * @vgpu: the vGPU; caller holds @vgpu->lock
 * @n: context index
 * @reason: MVGPU_FAULT_* code
 * @addr: faulting GPU VA
 */
void mvgpu_ctx_fault(struct mvgpu_vgpu *vgpu, unsigned int n, u32 reason,
		     u64 addr)
{
	struct mvgpu_ctx_regs *r = &vgpu->ctx[n];

	r->status |= MVGPU_CTX_STATUS_FAULTED;
	r->fault_reason = reason;
	r->fault_addr = addr;
	mvgpu_irq_post(vgpu, MVGPU_IRQ_FAULT(n));
	atomic64_inc(&vgpu->stats.faults);
	mvgpu_ctx_update_runnable(vgpu, n);
	mvgpu_irq_update(vgpu, false);
}

/*
 * A new reset generation, so that engine results and shadow work begun
 * before are discarded, and no context has work. Caller holds @vgpu->lock.
 */
static void mvgpu_ctx_drop_work(struct mvgpu_vgpu *vgpu)
{
	lockdep_assert_held(&vgpu->lock);
	WRITE_ONCE(vgpu->gen, vgpu->gen + 1);
	vgpu->runnable = 0;
	WRITE_ONCE(vgpu->waiting, 0);
	mvgpu_shadow_fill_forget(vgpu);
}

/**
 * mvgpu_ctx_retry_waiting() - let the vGPU's contexts blocked on WAIT run
 * @vgpu: the vGPU; caller holds the GPU's sched.lock
 *
 * The scheduler's poll: each such context looks at its semaphore again
 * when it next runs.
 */
void mvgpu_ctx_retry_waiting(struct mvgpu_vgpu *vgpu)
{
	WRITE_ONCE(vgpu->waiting, 0);
}

/**
 * mvgpu_regs_reset() - bring BAR0 registers to their reset values
 * @vgpu: the vGPU; caller holds @vgpu->lock or owns it exclusively
 *
 * IRQ_STATUS and IRQ_MASK included (mvgpu_irq_reset()).
 */
void mvgpu_regs_reset(struct mvgpu_vgpu *vgpu)
{
	mvgpu_irq_reset(vgpu);
	vgpu->regs_scratch = 0;
	vgpu->regs_ts_hi = 0;
	vgpu->ts_base = ktime_get_ns();
	memset(vgpu->ctx, 0, sizeof(vgpu->ctx));
}

/**
 * mvgpu_ctx_reset() - drop everything the vGPU's contexts were doing
 * @vgpu: the vGPU; caller holds @vgpu->lock
 *
 * The reset generation moves on, so that engine results and shadow work
 * begun before are discarded; no context has work (nor waits for a WAIT
 * or a fill); the registers take their reset values (mvgpu_regs_reset()).
 */
void mvgpu_ctx_reset(struct mvgpu_vgpu *vgpu)
{
	mvgpu_ctx_drop_work(vgpu);
	mvgpu_regs_reset(vgpu);
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
static void mvgpu_ctx_start(struct mvgpu_vgpu *vgpu, unsigned int n,
			    struct mvgpu_reg_deferred *defer)
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
	defer->kind = MVGPU_DEFER_SYNC;
	defer->root = ctx->pt_root;
	defer->va = 0;
	defer->size = 0;
}

/* CONTROL.ENABLE cleared: the context stops; its shadow goes. */
static void mvgpu_ctx_stop(struct mvgpu_vgpu *vgpu, unsigned int n,
			   struct mvgpu_reg_deferred *defer)
{
	struct mvgpu_ctx_regs *ctx = &vgpu->ctx[n];

	ctx->control &= ~MVGPU_CTX_CONTROL_ENABLE;
	ctx->status &= ~MVGPU_CTX_STATUS_ENABLED;
	mvgpu_ctx_update_runnable(vgpu, n);
	defer->kind = MVGPU_DEFER_DROP;
}

/* RING_TAIL write: the doorbell. */
static void mvgpu_ctx_doorbell(struct mvgpu_vgpu *vgpu, unsigned int n,
			       u32 val, struct mvgpu_reg_deferred *defer)
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
	defer->kick = true;
}

static void mvgpu_ctx_write(struct mvgpu_vgpu *vgpu, unsigned int n,
			    unsigned int reg, u32 val,
			    struct mvgpu_reg_deferred *defer)
{
	struct mvgpu_ctx_regs *ctx = &vgpu->ctx[n];
	bool enabled = ctx->control & MVGPU_CTX_CONTROL_ENABLE;

	defer->ctx = n;
	switch (reg) {
	case MVGPU_CTX_PT_ROOT_LO:
		mvgpu_set_lo32(&ctx->pt_root, val);
		if (enabled) {
			/* Write HI first: the LO write switches tables. */
			defer->kind = MVGPU_DEFER_SYNC;
			defer->root = ctx->pt_root;
		}
		break;
	case MVGPU_CTX_PT_ROOT_HI:
		mvgpu_set_hi32(&ctx->pt_root, val);
		break;
	case MVGPU_CTX_RING_BASE_LO:
		mvgpu_set_lo32(&ctx->ring_base, val);
		break;
	case MVGPU_CTX_RING_BASE_HI:
		mvgpu_set_hi32(&ctx->ring_base, val);
		break;
	case MVGPU_CTX_RING_SIZE:
		ctx->ring_size = val;
		break;
	case MVGPU_CTX_RING_TAIL:
		mvgpu_ctx_doorbell(vgpu, n, val, defer);
		break;
	case MVGPU_CTX_CONTROL:
		if ((val & MVGPU_CTX_CONTROL_ENABLE) && !enabled)
			mvgpu_ctx_start(vgpu, n, defer);
		else if (!(val & MVGPU_CTX_CONTROL_ENABLE) && enabled)
			mvgpu_ctx_stop(vgpu, n, defer);
		break;
	case MVGPU_CTX_FAULT_CLEAR:
		if (val & 1) {
			ctx->status &= ~MVGPU_CTX_STATUS_FAULTED;
			ctx->fault_reason = MVGPU_FAULT_NONE;
			ctx->fault_addr = 0;
			mvgpu_ctx_update_runnable(vgpu, n);
			defer->kick = true;
		}
		break;
	case MVGPU_CTX_TLB_INV_ADDR_LO:
		mvgpu_set_lo32(&ctx->tlb_inv_addr, val);
		break;
	case MVGPU_CTX_TLB_INV_ADDR_HI:
		mvgpu_set_hi32(&ctx->tlb_inv_addr, val);
		break;
	case MVGPU_CTX_TLB_INV_SIZE_LO:
		mvgpu_set_lo32(&ctx->tlb_inv_size, val);
		break;
	case MVGPU_CTX_TLB_INV_SIZE_HI:
		mvgpu_set_hi32(&ctx->tlb_inv_size, val);
		break;
	case MVGPU_CTX_TLB_INV:
		if ((val & 1) && enabled) {
			defer->kind = MVGPU_DEFER_SYNC;
			defer->root = ctx->pt_root;
			defer->va = ctx->tlb_inv_addr;
			defer->size = ctx->tlb_inv_size;
		}
		break;
	default:
		/* Read-only or unknown. */
		break;
	}
}

/*
 * Read a BAR0 register at a 4-byte aligned offset below MVGPU_MMIO_SIZE;
 * 0 for unknown or write-only offsets. Caller holds @vgpu->lock.
 */
static u32 mvgpu_regs_read(struct mvgpu_vgpu *vgpu, unsigned int off)
{
	u64 ts;

	if (off >= MVGPU_CTX_BASE) {
		unsigned int n = (off - MVGPU_CTX_BASE) / MVGPU_CTX_STRIDE;

		if (n >= vgpu->type->contexts)
			return 0;
		return mvgpu_ctx_read(vgpu, n,
				      (off - MVGPU_CTX_BASE) % MVGPU_CTX_STRIDE);
	}
	if (off >= MVGPU_DISP_BASE)
		return mvgpu_display_read(vgpu, off);

	switch (off) {
	case MVGPU_REG_ID:
		return MVGPU_ID_MAGIC;
	case MVGPU_REG_VERSION:
		return MVGPU_VERSION_MAJOR << 16 | MVGPU_VERSION_MINOR;
	case MVGPU_REG_CAPS:
		return MVGPU_CAP_MSI | MVGPU_CAP_INTX | MVGPU_CAP_LARGE_PAGE |
		       MVGPU_CAP_VRAM |
		       (mvgpu_display_present(vgpu) ? MVGPU_CAP_DISPLAY : 0);
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

/*
 * Write a BAR0 register at a 4-byte aligned offset below MVGPU_MMIO_SIZE;
 * writes to read-only or unknown offsets are ignored. @defer is set to
 * the shadow work and scheduling the write asks for, which the caller
 * does once it has dropped @vgpu->lock. Caller holds @vgpu->lock.
 */
static void mvgpu_regs_write(struct mvgpu_vgpu *vgpu, unsigned int off,
			     u32 val, struct mvgpu_reg_deferred *defer)
{
	defer->kind = MVGPU_DEFER_NONE;
	defer->kick = false;
	defer->sync_display = false;
	defer->gen = vgpu->gen;

	if (off >= MVGPU_CTX_BASE) {
		unsigned int n = (off - MVGPU_CTX_BASE) / MVGPU_CTX_STRIDE;

		if (n < vgpu->type->contexts)
			mvgpu_ctx_write(vgpu, n,
					(off - MVGPU_CTX_BASE) % MVGPU_CTX_STRIDE,
					val, defer);
		return;
	}
	if (off >= MVGPU_DISP_BASE) {
		defer->sync_display = mvgpu_display_write(vgpu, off, val);
		return;
	}

	switch (off) {
	case MVGPU_REG_SCRATCH:
		vgpu->regs_scratch = val;
		break;
	case MVGPU_REG_IRQ_MASK:
		mvgpu_irq_set_mask(vgpu, val);
		break;
	case MVGPU_REG_IRQ_ACK:
		mvgpu_irq_ack(vgpu, val);
		break;
	case MVGPU_REG_IRQ_RAISE:
		mvgpu_irq_post(vgpu, val);
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

/* The shadow work and scheduling a register write deferred. */
static void mvgpu_reg_deferred_run(struct mvgpu_vgpu *vgpu,
				   const struct mvgpu_reg_deferred *defer)
{
	if (defer->kind != MVGPU_DEFER_NONE) {
		mvgpu_shadow_lock(vgpu);
		if (READ_ONCE(vgpu->gen) == defer->gen) {
			if (defer->kind == MVGPU_DEFER_SYNC)
				mvgpu_shadow_invalidate(vgpu, defer->ctx,
							defer->root, defer->va,
							defer->size);
			else
				mvgpu_shadow_drop(vgpu, defer->ctx);
		}
		mvgpu_shadow_unlock(vgpu);
		mvgpu_shadow_reap(vgpu);
	}
	if (defer->kick)
		mvgpu_sched_kick(vgpu);
	if (defer->sync_display)
		mvgpu_display_sync(vgpu);
}

/**
 * mvgpu_regs_access() - a read or write of the BAR0 region
 * @vgpu: the vGPU; caller holds none of its locks
 * @ubuf: the user's buffer
 * @count: bytes; registers take naturally aligned 32-bit accesses only
 * @off: offset in the region
 * @write: a write, else a read
 *
 * Takes @vgpu->lock for the register, drops it with mvgpu_vgpu_unlock()
 * (a RESET finishes there), then does the shadow work and scheduling the
 * write asked for.
 *
 * Return: 4, or -EINVAL for another size, a misaligned offset or one
 * outside the region, or -EFAULT.
 */
ssize_t mvgpu_regs_access(struct mvgpu_vgpu *vgpu, char __user *ubuf,
			  size_t count, u64 off, bool write)
{
	struct mvgpu_reg_deferred defer = { .kind = MVGPU_DEFER_NONE };
	u32 val;

	/* Registers take naturally aligned 32-bit accesses only. */
	if (count != sizeof(u32) || off % sizeof(u32) || off >= MVGPU_MMIO_SIZE)
		return -EINVAL;
	if (write && copy_from_user(&val, ubuf, sizeof(val)))
		return -EFAULT;

	mutex_lock(&vgpu->lock);
	if (write)
		mvgpu_regs_write(vgpu, off, le32_to_cpu((__force __le32)val),
				 &defer);
	else
		val = (__force u32)cpu_to_le32(mvgpu_regs_read(vgpu, off));
	mvgpu_vgpu_unlock(vgpu);	/* a RESET finishes there */
	mvgpu_reg_deferred_run(vgpu, &defer);

	if (!write && copy_to_user(ubuf, &val, sizeof(val)))
		return -EFAULT;
	return sizeof(val);
}

/**
 * mvgpu_ctx_run_begin() - load a context for an engine run
 * @vgpu: the vGPU; caller holds @vgpu->lock
 * @n: context index
 * @ectx: set to the context's ring, head, tail and progress
 * @root: set to the context's PT_ROOT
 *
 * A context whose ring registers are not usable faults instead
 * (MVGPU_FAULT_BAD_RING).
 *
 * Return: true when the context has work to run.
 */
bool mvgpu_ctx_run_begin(struct mvgpu_vgpu *vgpu, unsigned int n,
			 struct mvgpu_engine_ctx *ectx, u64 *root)
{
	const struct mvgpu_ctx_regs *r = &vgpu->ctx[n];

	if (!test_bit(n, &vgpu->runnable))
		return false;
	if (!mvgpu_ring_valid(r)) {
		mvgpu_ctx_fault(vgpu, n, MVGPU_FAULT_BAD_RING, r->ring_base);
		return false;
	}
	ectx->ring_base = r->ring_base;
	ectx->ring_size = r->ring_size;
	ectx->head = r->ring_head;
	ectx->tail = r->ring_tail;
	ectx->progress = r->exec_progress;
	ectx->partial = r->exec_partial;
	ectx->ts_base = vgpu->ts_base;
	*root = r->pt_root;
	return true;
}

/**
 * mvgpu_ctx_complete() - write an engine run's results back into a context
 * @vgpu: the vGPU; caller holds @vgpu->lock, and no reset happened since
 *	mvgpu_ctx_run_begin() (the reset generation is the same)
 * @n: context index
 * @ectx: the context as the engine returned it
 * @res: how the run ended
 */
void mvgpu_ctx_complete(struct mvgpu_vgpu *vgpu, unsigned int n,
			const struct mvgpu_engine_ctx *ectx,
			enum mvgpu_run_result res)
{
	struct mvgpu_ctx_regs *r = &vgpu->ctx[n];

	r->ring_head = ectx->head;
	r->exec_progress = ectx->progress;
	r->exec_partial = ectx->partial;
	if (ectx->fence_signalled)
		r->fence = ectx->fence;
	if (ectx->fence_irq)
		mvgpu_irq_post(vgpu, MVGPU_IRQ_FENCE(n));

	switch (res) {
	case MVGPU_RUN_FAULT:
		mvgpu_ctx_fault(vgpu, n, ectx->fault_reason, ectx->fault_addr);
		return;
	case MVGPU_RUN_WAITING:
		set_bit(n, &vgpu->waiting);
		break;
	case MVGPU_RUN_IDLE:
		/*
		 * The engine got to the tail it was given. A doorbell during
		 * the run moved the tail on: more work. Otherwise the ring is
		 * empty or ends in an incomplete command, and only the next
		 * doorbell re-arms the context.
		 */
		if (r->ring_tail == ectx->tail) {
			clear_bit(n, &vgpu->runnable);
			r->status &= ~MVGPU_CTX_STATUS_BUSY;
			mvgpu_irq_update(vgpu, false);
			return;
		}
		break;
	case MVGPU_RUN_PREEMPTED:
		break;
	}
	mvgpu_ctx_update_runnable(vgpu, n);
	mvgpu_irq_update(vgpu, false);
}

/**
 * mvgpu_regs_save() - the registers, for a migration STATE record
 * @vgpu: the vGPU, frozen; caller holds @vgpu->lock
 * @st: the record; followed by room for the vGPU's contexts
 *
 * Fills SCRATCH, the timestamp and the contexts; IRQ_STATUS and IRQ_MASK
 * are mvgpu_irq_save()'s.
 */
void mvgpu_regs_save(struct mvgpu_vgpu *vgpu, struct mvgpu_mig_state *st)
{
	struct mvgpu_mig_ctx *c = (void *)(st + 1);
	unsigned int n;

	st->scratch = cpu_to_le32(vgpu->regs_scratch);
	st->timestamp_hi = cpu_to_le32(vgpu->regs_ts_hi);
	st->timestamp = cpu_to_le64(ktime_get_ns() - vgpu->ts_base);
	for (n = 0; n < vgpu->type->contexts; n++, c++) {
		const struct mvgpu_ctx_regs *r = &vgpu->ctx[n];

		c->pt_root = cpu_to_le64(r->pt_root);
		c->ring_base = cpu_to_le64(r->ring_base);
		c->ring_size = cpu_to_le32(r->ring_size);
		c->ring_head = cpu_to_le32(r->ring_head);
		c->ring_tail = cpu_to_le32(r->ring_tail);
		c->control = cpu_to_le32(r->control);
		c->status = cpu_to_le32(r->status);
		c->fault_reason = cpu_to_le32(r->fault_reason);
		c->fault_addr = cpu_to_le64(r->fault_addr);
		c->fence = cpu_to_le64(r->fence);
		c->tlb_inv_addr = cpu_to_le64(r->tlb_inv_addr);
		c->tlb_inv_size = cpu_to_le64(r->tlb_inv_size);
		c->exec_progress = cpu_to_le64(r->exec_progress);
		c->exec_partial = cpu_to_le64(r->exec_partial);
	}
}

/**
 * mvgpu_regs_valid() - may a received STATE record's contexts be loaded?
 * @vgpu: the vGPU
 * @st: the record, of the vGPU's length, not trusted
 *
 * Return: true when every context's control, status, head and tail hold
 * only what a context of this vGPU can hold.
 */
bool mvgpu_regs_valid(struct mvgpu_vgpu *vgpu,
		      const struct mvgpu_mig_state *st)
{
	const struct mvgpu_mig_ctx *c = (const void *)(st + 1);
	unsigned int n;

	for (n = 0; n < vgpu->type->contexts; n++, c++)
		if (le32_to_cpu(c->control) & ~MVGPU_CTX_CONTROL_ENABLE ||
		    le32_to_cpu(c->status) & ~(MVGPU_CTX_STATUS_ENABLED |
					       MVGPU_CTX_STATUS_BUSY |
					       MVGPU_CTX_STATUS_FAULTED) ||
		    le32_to_cpu(c->ring_head) % 4 ||
		    le32_to_cpu(c->ring_tail) % 4)
			return false;
	return true;
}

/**
 * mvgpu_regs_load() - take the registers from a migration STATE record
 * @vgpu: the vGPU, frozen; caller holds @vgpu->lock, then calls
 *	mvgpu_shadow_reap() once it has dropped it
 * @st: the record, checked with mvgpu_regs_valid()
 *
 * Whatever the vGPU did before is dropped (as by a reset, without its
 * slow part); the contexts get the record's registers and their work,
 * and empty shadows rooted where their tables are, which the engines fill
 * from guest memory on use. IRQ_STATUS and IRQ_MASK are mvgpu_irq_load()'s.
 */
void mvgpu_regs_load(struct mvgpu_vgpu *vgpu, const struct mvgpu_mig_state *st)
{
	const struct mvgpu_mig_ctx *c = (const void *)(st + 1);
	unsigned int n;

	mvgpu_ctx_drop_work(vgpu);
	vgpu->regs_scratch = le32_to_cpu(st->scratch);
	vgpu->regs_ts_hi = le32_to_cpu(st->timestamp_hi);
	vgpu->ts_base = ktime_get_ns() - le64_to_cpu(st->timestamp);
	for (n = 0; n < vgpu->type->contexts; n++, c++) {
		struct mvgpu_ctx_regs *r = &vgpu->ctx[n];

		r->pt_root = le64_to_cpu(c->pt_root);
		r->ring_base = le64_to_cpu(c->ring_base);
		r->ring_size = le32_to_cpu(c->ring_size);
		r->ring_head = le32_to_cpu(c->ring_head);
		r->ring_tail = le32_to_cpu(c->ring_tail);
		r->control = le32_to_cpu(c->control);
		r->status = le32_to_cpu(c->status);
		r->fault_reason = le32_to_cpu(c->fault_reason);
		r->fault_addr = le64_to_cpu(c->fault_addr);
		r->fence = le64_to_cpu(c->fence);
		r->tlb_inv_addr = le64_to_cpu(c->tlb_inv_addr);
		r->tlb_inv_size = le64_to_cpu(c->tlb_inv_size);
		r->exec_progress = le64_to_cpu(c->exec_progress);
		r->exec_partial = le64_to_cpu(c->exec_partial);
		mvgpu_ctx_update_runnable(vgpu, n);
	}
	mvgpu_shadow_lock(vgpu);
	for (n = 0; n < vgpu->type->contexts; n++) {
		mvgpu_shadow_drop(vgpu, n);
		if (vgpu->ctx[n].control & MVGPU_CTX_CONTROL_ENABLE)
			mvgpu_shadow_invalidate(vgpu, n, vgpu->ctx[n].pt_root,
						0, 0);
	}
	mvgpu_shadow_unlock(vgpu);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu mediator: filling the shadow page tables, off the engines.
 *
 * When an engine finds no shadow entry for an address, it hands the
 * address to the vGPU's fill worker (mvgpu_shadow_request_fill()) and runs
 * other work. The worker fills the 2 MiB region around the address from
 * the guest's tables (at most three upper entries and one level-0 table:
 * 512 leaves, or one 2 MiB VRAM entry): it reads the tables with
 * vfio_dma_rw() and pins the region's guest pages with vfio_pin_pages()
 * under vgpu->pin_lock, without shadow_lock, into a plan; then it installs
 * the plan under vgpu->shadow_lock (mvgpu_shadow_lock()) unless an
 * invalidation or reset came in between, and lets the context run again.
 * A second miss in the region just filled is the guest's fault, whose
 * reason the worker finds by walking the guest's tables
 * (shadow_diagnose()).
 *
 * Reading and pinning wait for the VMM's container, its memory and its
 * locks, which is why this never runs on an engine thread: a VMM that
 * makes them slow delays only its own vGPU's worker. The worker's time is
 * charged to its vGPU. The tables themselves, the pins' bookkeeping and
 * the dead ranges are shadow.c's.
 */
#include <linux/iommu.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "shadow.h"

/**
 * struct mvgpu_fill_leaf - one 4 KiB translation a fill found
 * @va: its GPU VA
 * @addr: GPA, or offset in the vGPU's VRAM
 * @vram: @addr is in VRAM
 * @writable: the guest maps it writable
 * @pinned: @spte.page is a pin of @addr the fill holds
 * @spte: the entry to install (fault_reason set for a bad leaf)
 */
struct mvgpu_fill_leaf {
	u64 va;
	u64 addr;
	bool vram;
	bool writable;
	bool pinned;
	struct mvgpu_spte spte;
};

/**
 * struct mvgpu_fill_plan - what a fill read from the guest, before it is
 * installed (vgpu->pin_lock)
 * @large: the region is one 2 MiB VRAM page at @large_addr (@nr is 0)
 * @large_addr: its VRAM offset
 * @large_writable: the guest maps it writable
 * @nr: leaves in @leaf, the missed one first
 * @leaf: the region's 4 KiB translations
 */
struct mvgpu_fill_plan {
	bool large;
	u64 large_addr;
	bool large_writable;
	unsigned int nr;
	struct mvgpu_fill_leaf leaf[MVGPU_PT_ENTRIES];
};

/*
 * The fill workers of all vGPUs: unbound, so that one blocked in a VMM's
 * container takes no other's place, and of high priority, so that a
 * context waiting for its fill is back on the engine soon (each fill
 * follows a slice of its vGPU's, so a guest cannot keep them busy beyond
 * its share).
 */
static struct workqueue_struct *mvgpu_fill_wq;

/**
 * mvgpu_shadow_wq_init() - create the fill workers' workqueue (module load)
 *
 * Return: 0 or -ENOMEM.
 */
int mvgpu_shadow_wq_init(void)
{
	mvgpu_fill_wq = alloc_workqueue("mvgpu_fill", WQ_UNBOUND | WQ_HIGHPRI,
					0);
	return mvgpu_fill_wq ? 0 : -ENOMEM;
}

/**
 * mvgpu_shadow_wq_fini() - destroy it (module unload, no vGPU left)
 */
void mvgpu_shadow_wq_fini(void)
{
	destroy_workqueue(mvgpu_fill_wq);
}

/*
 * Find what the 4 KiB leaf at @va maps, and pin a guest page. Caller holds
 * pin_lock.
 */
static void shadow_plan_leaf(struct mvgpu_vgpu *vgpu,
			     struct mvgpu_fill_plan *plan, u64 va, u64 addr,
			     bool vram, bool writable)
{
	struct mvgpu_fill_leaf *l = &plan->leaf[plan->nr++];

	*l = (struct mvgpu_fill_leaf) {
		.va = va, .addr = addr, .vram = vram, .writable = writable,
	};
	if (vram) {
		if (addr >= vgpu->vram_size) {
			l->spte.fault_reason = MVGPU_FAULT_BAD_VRAM;
		} else {
			l->spte.flags = MVGPU_SPTE_PRESENT | MVGPU_SPTE_VRAM;
			l->spte.vram_offset = vgpu->vram_offset + addr;
		}
	} else if (atomic64_read(&vgpu->stats.pinned_pages) >=
		   mvgpu_max_pinned_pages) {
		l->spte.fault_reason = MVGPU_FAULT_PIN_LIMIT;
	} else if (mvgpu_shadow_gpa_dead(vgpu, addr) ||
		   vfio_pin_pages(&vgpu->vdev, addr, 1,
				  IOMMU_READ | (writable ? IOMMU_WRITE : 0),
				  &l->spte.page) != 1) {
		l->spte.page = NULL;
		l->spte.fault_reason = MVGPU_FAULT_BAD_GPA;
	} else {
		l->pinned = true;
		atomic64_inc(&vgpu->stats.pinned_pages);
		l->spte.flags = MVGPU_SPTE_PRESENT;
	}
	if (l->spte.flags && writable)
		l->spte.flags |= MVGPU_SPTE_WRITABLE;
}

/* The 512 leaves of a 2 MiB guest page, the one of @va first. */
static void shadow_plan_large(struct mvgpu_vgpu *vgpu,
			      struct mvgpu_fill_plan *plan, u64 region, u64 va,
			      u64 addr, bool vram, bool writable)
{
	u64 first = va & (SHADOW_LARGE_SIZE - 1) & PAGE_MASK, off = first;

	if (vram && addr < vgpu->vram_size &&
	    vgpu->vram_size - addr >= SHADOW_LARGE_SIZE) {
		plan->large = true;
		plan->large_addr = addr;
		plan->large_writable = writable;
		return;
	}
	do {
		shadow_plan_leaf(vgpu, plan, region + off, addr + off, vram,
				 writable);
		off = (off + PAGE_SIZE) & (SHADOW_LARGE_SIZE - 1);
	} while (off != first);
}

/*
 * Read into @e the entry for @va of the guest table at GPA @table, level
 * @level. Return: 0, or a negative errno when the table is not guest
 * memory.
 */
static int shadow_read_entry(struct mvgpu_vgpu *vgpu, u64 table, int level,
			     u64 va, u64 *e)
{
	__le64 raw;
	int ret;

	ret = vfio_dma_rw(&vgpu->vdev, table + SHADOW_PT_INDEX(va, level) * 8, &raw,
			  sizeof(raw), false);
	*e = ret ? 0 : le64_to_cpu(raw);
	return ret;
}

/*
 * Read the guest's translations of the 2 MiB region at @region from the
 * tables rooted at @root into @plan, pinning its guest pages, the page of
 * @va (the one the engine missed) first, so that it gets in should the
 * vGPU reach its pin cap. Caller holds pin_lock.
 * Return: 0, or -ENOMEM.
 */
static int shadow_plan_region(struct mvgpu_vgpu *vgpu,
			      struct mvgpu_fill_plan *plan, u64 root,
			      u64 region, u64 va)
{
	u64 path[MVGPU_PT_LEVELS] = {};
	u64 table = root, e = 0, addr;
	unsigned int first = SHADOW_PT_INDEX(va, 0), i;
	__le64 *leaves;
	int level, l;

	plan->large = false;
	plan->nr = 0;
	for (level = MVGPU_PT_LEVELS - 1; level >= 0; level--) {
		for (l = level + 1; l < MVGPU_PT_LEVELS; l++)
			if (path[l] == table)
				return 0;	/* a loop */
		path[level] = table;
		if (level == 0)
			break;
		/* unreadable: not present (the diagnosis says BAD_GPA) */
		shadow_read_entry(vgpu, table, level, region, &e);
		if (!(e & MVGPU_PTE_PRESENT))
			return 0;
		addr = e & MVGPU_PTE_ADDR_MASK;
		if (level == 1 && (e & MVGPU_PTE_LARGE)) {
			if (!(addr & (SHADOW_LARGE_SIZE - 1)))
				shadow_plan_large(vgpu, plan, region, va, addr,
						  e & MVGPU_PTE_VRAM,
						  e & MVGPU_PTE_WRITABLE);
			return 0;
		}
		if (e & (MVGPU_PTE_VRAM | MVGPU_PTE_LARGE))
			return 0;	/* not a table */
		table = addr;
	}

	leaves = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!leaves)
		return -ENOMEM;
	if (!vfio_dma_rw(&vgpu->vdev, table, leaves, PAGE_SIZE, false)) {
		i = first;
		do {
			e = le64_to_cpu(leaves[i]);
			if (e & MVGPU_PTE_PRESENT)
				shadow_plan_leaf(vgpu, plan,
						 region + i * PAGE_SIZE,
						 e & MVGPU_PTE_ADDR_MASK,
						 e & MVGPU_PTE_VRAM,
						 e & MVGPU_PTE_WRITABLE);
			i = (i + 1) % MVGPU_PT_ENTRIES;
		} while (i != first);
	}
	kfree(leaves);
	return 0;
}

/*
 * May the vGPU add a shadow entry? At its cap it may not, and the
 * context's shadow is marked limited.
 */
static bool shadow_may_add(struct mvgpu_vgpu *vgpu, struct mvgpu_shadow *sh)
{
	if ((u64)atomic64_read(&vgpu->stats.shadow_entries) <
	    mvgpu_max_shadow_entries())
		return true;
	WRITE_ONCE(sh->limited, true);
	return false;
}

/*
 * Put one leaf of a plan into the shadow. Caller holds shadow_lock.
 * Return: 0, or -ENOMEM when the host had no memory to track it.
 */
static int shadow_install_leaf(struct mvgpu_vgpu *vgpu,
			       struct mvgpu_shadow *sh,
			       struct mvgpu_fill_leaf *l)
{
	unsigned long index = l->va >> PAGE_SHIFT;
	int ret;

	if (!shadow_may_add(vgpu, sh))
		return 0;
	if (l->pinned &&
	    xa_err(xa_store(&sh->pinned, index,
			    xa_mk_value(SHADOW_PIN_VALUE(l->addr, l->writable)),
			    GFP_KERNEL)))
		return -ENOMEM;	/* no memory to track the pin */
	ret = mvgpu_shadow_ops(vgpu)->pt_set(vgpu->gpu->priv, sh->pt, l->va, &l->spte);
	if (ret && l->pinned) {
		/* the backend did not take it: the pin goes with the plan */
		xa_erase(&sh->pinned, index);
	} else if (!ret) {
		l->pinned = false;	/* the shadow holds it now */
	}
	mvgpu_shadow_account(vgpu, sh);
	return ret == -ENOMEM ? ret : 0;
}

/* Put a plan into the shadow. Caller holds shadow_lock. */
static int shadow_install(struct mvgpu_vgpu *vgpu, struct mvgpu_shadow *sh,
			  struct mvgpu_fill_plan *plan, u64 region)
{
	struct mvgpu_spte spte = {
		.flags = MVGPU_SPTE_PRESENT | MVGPU_SPTE_VRAM | MVGPU_SPTE_LARGE |
			 (plan->large_writable ? MVGPU_SPTE_WRITABLE : 0),
		.vram_offset = vgpu->vram_offset + plan->large_addr,
	};
	unsigned int i;
	int ret = 0;

	if (plan->large) {
		if (!shadow_may_add(vgpu, sh))
			return 0;
		if (!mvgpu_shadow_ops(vgpu)->pt_set(vgpu->gpu->priv, sh->pt, region,
						    &spte)) {
			mvgpu_shadow_account(vgpu, sh);
			return 0;
		}
		/* the backend has no large entries: 512 small ones */
		plan->large = false;
		plan->nr = 0;
		for (i = 0; i < MVGPU_PT_ENTRIES; i++)
			shadow_plan_leaf(vgpu, plan, region + i * PAGE_SIZE,
					 plan->large_addr + i * PAGE_SIZE, true,
					 plan->large_writable);
	}
	for (i = 0; i < plan->nr && !ret; i++)
		ret = shadow_install_leaf(vgpu, sh, &plan->leaf[i]);
	return ret;
}

/* Unpin what a plan pinned and the shadow did not take. pin_lock held. */
static void shadow_plan_release(struct mvgpu_vgpu *vgpu,
				struct mvgpu_fill_plan *plan)
{
	unsigned int i;

	for (i = 0; i < plan->nr; i++) {
		if (!plan->leaf[i].pinned)
			continue;
		mvgpu_shadow_unpin(vgpu, plan->leaf[i].addr);
		plan->leaf[i].pinned = false;
	}
	plan->nr = 0;
}

/* What the fill worker does after shadow_fill(). */
enum mvgpu_fill {
	MVGPU_FILL_AGAIN,	/* filled, or nothing to do: run it again */
	MVGPU_FILL_FAULT,	/* the guest's fault: report it */
	MVGPU_FILL_LATER,	/* host out of memory: the next miss retries */
};

/*
 * Fill the 2 MiB region around the address context @ctx missed (refilling
 * it, should it hold entries already), unless that region is the one this
 * context filled last since the vGPU's last invalidation: then the miss is
 * a fault of the guest's own tables. Caller holds pin_lock; *vap, *rootp
 * and *genp are set to the request's address, root and generation, and
 * the time the fill worked (not waited for locks) is added to *nsp.
 */
static enum mvgpu_fill shadow_fill(struct mvgpu_vgpu *vgpu, unsigned int ctx,
				   u64 *vap, u64 *rootp, unsigned int *genp,
				   u64 *nsp)
{
	struct mvgpu_shadow *sh = &vgpu->shadow[ctx];
	struct mvgpu_fill_plan *plan = vgpu->fill_plan;
	unsigned int seq;
	u64 region, root, t0;
	int ret;

	mvgpu_shadow_lock(vgpu);
	*vap = sh->fill_va;
	*rootp = sh->fill_root;
	*genp = sh->fill_gen;
	region = *vap & ~(SHADOW_LARGE_SIZE - 1);
	if (READ_ONCE(vgpu->gen) != *genp) {
		/* a reset overtook the request */
		mvgpu_shadow_unlock(vgpu);
		return MVGPU_FILL_AGAIN;
	}
	if (!sh->root || *vap >= SHADOW_VA_END || sh->last_fill == region + 1) {
		mvgpu_shadow_unlock(vgpu);
		return MVGPU_FILL_FAULT;
	}
	sh->last_fill = region + 1;
	WRITE_ONCE(sh->limited, false);
	mvgpu_shadow_clear_range(vgpu, sh, region, region + SHADOW_LARGE_SIZE);
	root = sh->root;
	seq = sh->inv_seq;
	mvgpu_shadow_unlock(vgpu);

	mvgpu_shadow_reap_locked(vgpu);
	atomic64_inc(&vgpu->stats.shadow_fills);
	t0 = ktime_get_ns();
	ret = shadow_plan_region(vgpu, plan, root, region, *vap);
	*nsp += ktime_get_ns() - t0;

	mvgpu_shadow_lock(vgpu);
	/* an invalidation or reset since the tables were read wins */
	t0 = ktime_get_ns();
	if (!ret && sh->inv_seq == seq && READ_ONCE(vgpu->gen) == *genp)
		ret = shadow_install(vgpu, sh, plan, region);
	if (ret)
		sh->last_fill = 0;
	*nsp += ktime_get_ns() - t0;
	mvgpu_shadow_unlock(vgpu);
	shadow_plan_release(vgpu, plan);
	return ret ? MVGPU_FILL_LATER : MVGPU_FILL_AGAIN;
}

/*
 * shadow_diagnose() - why does @va of a context not translate?
 * @vgpu: the vGPU (called by the fill worker: it reads guest memory)
 * @ctx: the context
 * @root: the context's PT_ROOT
 * @va: the faulting GPU VA
 *
 * Walks the guest's tables as they are now, to turn an engine's plain
 * "not present" into the precise reason for the guest's fault registers.
 * A valid translation that is not in the shadow because of the vGPU's
 * shadow cap is MVGPU_FAULT_SHADOW_LIMIT.
 *
 * Return: a MVGPU_FAULT_* code.
 */
static u32 shadow_diagnose(struct mvgpu_vgpu *vgpu, unsigned int ctx, u64 root,
			   u64 va)
{
	u32 valid = READ_ONCE(vgpu->shadow[ctx].limited) ?
		    MVGPU_FAULT_SHADOW_LIMIT : MVGPU_FAULT_NOT_PRESENT;
	u64 path[MVGPU_PT_LEVELS] = {};
	u64 table = root & MVGPU_PTE_ADDR_MASK;
	int level, l;
	u8 byte;
	u64 e;

	if (!table || va >= SHADOW_VA_END)
		return MVGPU_FAULT_NOT_PRESENT;
	for (level = MVGPU_PT_LEVELS - 1; level >= 0; level--) {
		for (l = level + 1; l < MVGPU_PT_LEVELS; l++)
			if (path[l] == table)
				return MVGPU_FAULT_BAD_TABLE;
		path[level] = table;
		if (shadow_read_entry(vgpu, table, level, va, &e))
			return MVGPU_FAULT_BAD_GPA;
		if (!(e & MVGPU_PTE_PRESENT))
			return MVGPU_FAULT_NOT_PRESENT;
		table = e & MVGPU_PTE_ADDR_MASK;
		if (level == 0 || (level == 1 && (e & MVGPU_PTE_LARGE)))
			break;
		if (e & (MVGPU_PTE_VRAM | MVGPU_PTE_LARGE))
			return MVGPU_FAULT_BAD_TABLE;
	}
	if (level == 1) {
		if (table & (SHADOW_LARGE_SIZE - 1))
			return MVGPU_FAULT_BAD_TABLE;
		table += va & (SHADOW_LARGE_SIZE - 1) & PAGE_MASK;
	}
	if (e & MVGPU_PTE_VRAM)
		return table >= vgpu->vram_size ? MVGPU_FAULT_BAD_VRAM : valid;
	if (vfio_dma_rw(&vgpu->vdev, table, &byte, 1, false))
		return MVGPU_FAULT_BAD_GPA;
	return valid;
}

/*
 * The fill worker: fills the shadow where the vGPU's engines missed, one
 * context after the other, reports the guest's faults, and lets the
 * contexts run again. Its working time (not its waits for locks) is
 * charged to the vGPU.
 */
static void shadow_fill_work(struct work_struct *work)
{
	struct mvgpu_vgpu *vgpu = container_of(work, struct mvgpu_vgpu,
					       fill_work);
	u64 va, root, ns = 0, t0;
	enum mvgpu_fill fill;
	unsigned int n, gen;
	u32 reason;

	/* pins that mvgpu_shadow_reap() could not drop */
	mvgpu_shadow_reap_wait(vgpu);
	for (n = 0; n < vgpu->type->contexts; n++) {
		if (!test_bit(n, &vgpu->filling))
			continue;
		mutex_lock(&vgpu->pin_lock);
		fill = shadow_fill(vgpu, n, &va, &root, &gen, &ns);
		mutex_unlock(&vgpu->pin_lock);
		if (fill == MVGPU_FILL_FAULT) {
			t0 = ktime_get_ns();
			reason = shadow_diagnose(vgpu, n, root, va);
			ns += ktime_get_ns() - t0;
			mutex_lock(&vgpu->lock);
			/* not after a reset, nor into a context set up anew */
			if (vgpu->gen == gen && vgpu->ctx[n].pt_root == root &&
			    test_bit(n, &vgpu->runnable))
				mvgpu_ctx_fault(vgpu, n, reason, va);
			mutex_unlock(&vgpu->lock);
		}
		clear_bit(n, &vgpu->filling);
		cond_resched();
	}
	atomic64_add(ns, &vgpu->fill_ns);
	atomic64_add(ns, &vgpu->stats.busy_ns);
	mvgpu_sched_kick(vgpu);
}

/**
 * mvgpu_shadow_request_fill() - an engine found no shadow entry
 * @vgpu: the vGPU; caller (its engine) holds @vgpu->shadow_lock
 * @ctx: the context, which must not run again until the fill is done
 * @va: the GPU VA the engine could not translate
 * @root: the context's PT_ROOT the engine ran with
 * @gen: the vGPU's reset generation the engine ran with
 *
 * Hands the miss to the vGPU's fill worker, which fills the 2 MiB region
 * around @va from the guest's tables, or reports the guest's fault, and
 * then lets the context run again.
 */
void mvgpu_shadow_request_fill(struct mvgpu_vgpu *vgpu, unsigned int ctx,
			       u64 va, u64 root, unsigned int gen)
{
	struct mvgpu_shadow *sh = &vgpu->shadow[ctx];

	lockdep_assert_held(&vgpu->shadow_lock);
	sh->fill_va = va;
	sh->fill_root = root;
	sh->fill_gen = gen;
	set_bit(ctx, &vgpu->filling);
	queue_work(mvgpu_fill_wq, &vgpu->fill_work);
}

/**
 * mvgpu_shadow_fill_flush() - wait for the fill worker's pending work
 * @vgpu: the vGPU, which no engine may run (frozen or detached)
 */
void mvgpu_shadow_fill_flush(struct mvgpu_vgpu *vgpu)
{
	flush_work(&vgpu->fill_work);
}

/**
 * mvgpu_shadow_close() - the vGPU's user is gone
 * @vgpu: the vGPU, off the scheduler; caller holds none of its locks
 *
 * Waits for the fill worker. Called before the reset of the close.
 */
void mvgpu_shadow_close(struct mvgpu_vgpu *vgpu)
{
	cancel_work_sync(&vgpu->fill_work);
	mvgpu_shadow_fill_forget(vgpu);
}

/**
 * mvgpu_shadow_fill_forget() - no context waits for the fill worker any more
 * @vgpu: the vGPU; caller holds @vgpu->lock (a reset or a load: a fill
 *	still running belongs to the old generation and installs nothing)
 *	or has stopped the worker
 */
void mvgpu_shadow_fill_forget(struct mvgpu_vgpu *vgpu)
{
	WRITE_ONCE(vgpu->filling, 0);
}

/**
 * mvgpu_shadow_fill_init() - set up a new vGPU's fill worker
 * @vgpu: the vGPU
 *
 * Return: 0 or -ENOMEM.
 */
int mvgpu_shadow_fill_init(struct mvgpu_vgpu *vgpu)
{
	INIT_WORK(&vgpu->fill_work, shadow_fill_work);
	vgpu->fill_plan = kvzalloc(sizeof(*vgpu->fill_plan), GFP_KERNEL);
	return vgpu->fill_plan ? 0 : -ENOMEM;
}

/**
 * mvgpu_shadow_fill_fini() - stop and free a vGPU's fill worker
 * @vgpu: the vGPU, after mvgpu_shadow_fill_init() (even a failed one)
 */
void mvgpu_shadow_fill_fini(struct mvgpu_vgpu *vgpu)
{
	cancel_work_sync(&vgpu->fill_work);
	kvfree(vgpu->fill_plan);
	vgpu->fill_plan = NULL;
}

/**
 * mvgpu_shadow_fill_queue() - have the fill worker reap the vGPU's pins
 * @vgpu: the vGPU
 *
 * For mvgpu_shadow_reap() when pin_lock is taken: the worker unpins what
 * left the tables first thing, waiting for pin_lock itself.
 */
void mvgpu_shadow_fill_queue(struct mvgpu_vgpu *vgpu)
{
	queue_work(mvgpu_fill_wq, &vgpu->fill_work);
}

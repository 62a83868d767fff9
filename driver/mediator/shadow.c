// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu mediator: shadow GPU page tables.
 *
 * The engine never walks a guest's page tables. For every context the
 * mediator keeps a shadow table in the backend's own format: guest GPU VA
 * -> GPA (read from the guest's tables with vfio_dma_rw()) -> host page
 * pinned with vfio_pin_pages(), or -> the vGPU's own VRAM slice.
 *
 * The shadow is a cache of the guest's translations, filled on demand:
 * when an engine finds no entry for an address, the mediator fills the
 * 2 MiB region around it from the guest's tables (at most three upper
 * entries and one level-0 table: 512 leaves, or one 2 MiB VRAM entry) and
 * the engine carries on. Enabling a context, a PT_ROOT write and TLB_INV
 * only drop entries. So what a guest's tables describe costs the host
 * nothing until its engine work touches it, and each touch costs a
 * bounded fill.
 *
 * A leaf that is bad in a way the engine should report precisely (GPA
 * outside the VM, VRAM offset beyond the slice, pin cap reached) gets an
 * entry carrying that reason; anything else invalid leaves no entry, and
 * a second miss in the region just filled is a fault whose reason the
 * mediator finds by walking the guest's tables (shadow_diagnose()).
 *
 * The fill runs on a worker of the vGPU's own, never on an engine: reading
 * the guest's tables (vfio_dma_rw()) and pinning (vfio_pin_pages()) wait
 * for the VMM's container, its memory and its locks, and an engine thread
 * is shared by every tenant of the GPU. An engine that misses ends the
 * context's slice, hands the address to the worker
 * (mvgpu_shadow_request_fill()) and runs other work; the worker reads and
 * pins under vgpu->pin_lock, installs under vgpu->shadow_lock and lets the
 * context run again.
 *
 * Tables change only under vgpu->shadow_lock, which the engine also holds
 * while it runs one of the vGPU's contexts, so no engine ever sees a
 * table half updated or a page being unpinned. shadow_lock is never held
 * across a call into vfio: an entry that goes away is cleared from the
 * backend's table under it and its pin only marked (PIN_ZOMBIE); the pins
 * are dropped afterwards under pin_lock (shadow_reap()). Shadow work
 * outside the engine takes shadow_lock with mvgpu_shadow_lock(), which
 * makes the scheduler pass the vGPU over until mvgpu_shadow_unlock(): an
 * engine never waits for a vGPU's shadow work, and the other vGPUs run on.
 *
 * What a guest's tables can cost the host is bounded and charged to its
 * vGPU: the shadow entries of all its contexts together never exceed
 * mvgpu_max_shadow_entries() (host memory); a translation left out for
 * that faults with MVGPU_FAULT_SHADOW_LIMIT.
 */
#include <linux/iommu.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "mvgpu_drv.h"

#define PT_SHIFT(level)		(MVGPU_PAGE_SHIFT + 9 * (level))
#define PT_INDEX(va, level)	(((va) >> PT_SHIFT(level)) & (MVGPU_PT_ENTRIES - 1))
#define VA_END			BIT_ULL(MVGPU_VA_BITS)
#define LARGE_SIZE		BIT_ULL(MVGPU_LARGE_PAGE_SHIFT)

/* Tracked value of a pinned shadow entry: GPA page number and writable. */
#define PIN_VALUE(gpa, w)	(((gpa) >> MVGPU_PAGE_SHIFT) << 1 | (w))
#define PIN_GPA(v)		(((v) >> 1) << MVGPU_PAGE_SHIFT)
/*
 * Ranges whose unmap began that a vGPU remembers (mvgpu_vgpu.dead); past
 * that it pins nothing more until it is closed (a VMM that unmaps ever new
 * ranges under its pins only hurts itself).
 */
#define MVGPU_DEAD_MAX		4096
/* A pinned entry no longer in the backend's table, to be unpinned. */
#define PIN_ZOMBIE		XA_MARK_1

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

static const struct mvgpu_backend_ops *ops_of(struct mvgpu_vgpu *vgpu)
{
	return vgpu->gpu->ops;
}

/**
 * mvgpu_shadow_lock() - begin shadow work on a vGPU
 * @vgpu: the vGPU
 *
 * Takes @vgpu->shadow_lock (waiting for an engine's slice at most); the
 * scheduler passes the vGPU over until mvgpu_shadow_unlock().
 */
void mvgpu_shadow_lock(struct mvgpu_vgpu *vgpu)
{
	atomic_inc(&vgpu->shadow_busy);
	mutex_lock(&vgpu->shadow_lock);
}

/**
 * mvgpu_shadow_unlock() - end shadow work on a vGPU
 * @vgpu: the vGPU
 *
 * Releases @vgpu->shadow_lock and lets the scheduler run the vGPU again
 * (waking the engines when it has work).
 */
void mvgpu_shadow_unlock(struct mvgpu_vgpu *vgpu)
{
	mutex_unlock(&vgpu->shadow_lock);
	/* only a vGPU with work may have been passed over */
	if (atomic_dec_and_test(&vgpu->shadow_busy) && READ_ONCE(vgpu->runnable))
		mvgpu_sched_kick(vgpu);
}

/* Count a table's entries, after a change, into the vGPU's total. */
static void shadow_account(struct mvgpu_vgpu *vgpu, struct mvgpu_shadow *sh)
{
	unsigned long now = ops_of(vgpu)->pt_entries(vgpu->gpu->priv, sh->pt);

	atomic64_add((long)now - (long)sh->entries,
		     &vgpu->stats.shadow_entries);
	sh->entries = now;
}

/*
 * Remove the shadow entries of [start, end) from the backend's table and
 * mark their pins for shadow_reap(). Caller holds shadow_lock.
 */
static void shadow_clear_range(struct mvgpu_vgpu *vgpu,
			       struct mvgpu_shadow *sh, u64 start, u64 end)
{
	unsigned long index;
	void *entry;

	if (start >= end)
		return;
	ops_of(vgpu)->pt_clear_range(vgpu->gpu->priv, sh->pt, start,
				     end - start);
	shadow_account(vgpu, sh);
	xa_for_each_range(&sh->pinned, index, entry, start >> PAGE_SHIFT,
			  (end - 1) >> PAGE_SHIFT)
		xa_set_mark(&sh->pinned, index, PIN_ZOMBIE);
}

/* Drop one pin of the vGPU's. Caller holds pin_lock. */
static void shadow_unpin(struct mvgpu_vgpu *vgpu, u64 gpa)
{
	vfio_unpin_pages(&vgpu->vdev, gpa, 1);
	atomic64_dec(&vgpu->stats.pinned_pages);
}

/*
 * Unpin every page whose entry left the backend's tables. Caller holds
 * pin_lock, not shadow_lock: only pin_lock holders add or erase pins, the
 * marks are set under shadow_lock.
 */
static void shadow_reap_locked(struct mvgpu_vgpu *vgpu)
{
	unsigned long index;
	unsigned int n;
	void *entry;

	lockdep_assert_held(&vgpu->pin_lock);
	for (n = 0; n < vgpu->type->contexts; n++) {
		struct mvgpu_shadow *sh = &vgpu->shadow[n];

		xa_for_each_marked(&sh->pinned, index, entry, PIN_ZOMBIE) {
			shadow_unpin(vgpu, PIN_GPA(xa_to_value(entry)));
			xa_erase(&sh->pinned, index);
		}
	}
}

/**
 * mvgpu_shadow_reap() - unpin the pages shadow work took out of the tables
 * @vgpu: the vGPU; caller holds neither pin_lock nor shadow_lock
 *
 * Called after mvgpu_shadow_invalidate() and mvgpu_shadow_drop(), once
 * shadow_lock is dropped. Never waits for pin_lock, whose holder may wait
 * for the VMM's container (a register write must not): when someone else
 * holds it, the fill worker unpins them instead.
 */
void mvgpu_shadow_reap(struct mvgpu_vgpu *vgpu)
{
	if (!mutex_trylock(&vgpu->pin_lock)) {
		queue_work(mvgpu_fill_wq, &vgpu->fill_work);
		return;
	}
	shadow_reap_locked(vgpu);
	mutex_unlock(&vgpu->pin_lock);
}

/*
 * May a page at @gpa be pinned? Not while an unmap of its range may still
 * be running: vfio_iommu_type1 asks the drivers to unpin a range, then
 * retakes its lock and checks; a pin taken in between makes it ask again,
 * and after ten rounds it calls BUG(). A range stays dead until vfio no
 * longer knows the address, which it forgets only when that unmap is done
 * (memory mapped there again before the vGPU saw it unmapped stays out of
 * its reach until the device is opened again). Caller holds pin_lock.
 */
static bool shadow_gpa_dead(struct mvgpu_vgpu *vgpu, u64 gpa)
{
	u8 byte;
	int ret;

	if (vgpu->pins_blocked)
		return true;
	if (!mtree_load(&vgpu->dead, gpa))
		return false;
	/* type1 says -EINVAL, iommufd -ENOENT for an address it does not map */
	ret = vfio_dma_rw(&vgpu->vdev, gpa, &byte, 1, false);
	if (ret != -EINVAL && ret != -ENOENT)
		return true;
	mtree_erase(&vgpu->dead, gpa);
	if (vgpu->nr_dead)
		vgpu->nr_dead--;
	return false;
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
	} else if (shadow_gpa_dead(vgpu, addr) ||
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
	u64 first = va & (LARGE_SIZE - 1) & PAGE_MASK, off = first;

	if (vram && addr < vgpu->vram_size &&
	    vgpu->vram_size - addr >= LARGE_SIZE) {
		plan->large = true;
		plan->large_addr = addr;
		plan->large_writable = writable;
		return;
	}
	do {
		shadow_plan_leaf(vgpu, plan, region + off, addr + off, vram,
				 writable);
		off = (off + PAGE_SIZE) & (LARGE_SIZE - 1);
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

	ret = vfio_dma_rw(&vgpu->vdev, table + PT_INDEX(va, level) * 8, &raw,
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
	unsigned int first = PT_INDEX(va, 0), i;
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
			if (!(addr & (LARGE_SIZE - 1)))
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
			    xa_mk_value(PIN_VALUE(l->addr, l->writable)),
			    GFP_KERNEL)))
		return -ENOMEM;	/* no memory to track the pin */
	ret = ops_of(vgpu)->pt_set(vgpu->gpu->priv, sh->pt, l->va, &l->spte);
	if (ret && l->pinned) {
		/* the backend did not take it: the pin goes with the plan */
		xa_erase(&sh->pinned, index);
	} else if (!ret) {
		l->pinned = false;	/* the shadow holds it now */
	}
	shadow_account(vgpu, sh);
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
		if (!ops_of(vgpu)->pt_set(vgpu->gpu->priv, sh->pt, region,
					  &spte)) {
			shadow_account(vgpu, sh);
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
		shadow_unpin(vgpu, plan->leaf[i].addr);
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
	region = *vap & ~(LARGE_SIZE - 1);
	if (READ_ONCE(vgpu->gen) != *genp) {
		/* a reset overtook the request */
		mvgpu_shadow_unlock(vgpu);
		return MVGPU_FILL_AGAIN;
	}
	if (!sh->root || *vap >= VA_END || sh->last_fill == region + 1) {
		mvgpu_shadow_unlock(vgpu);
		return MVGPU_FILL_FAULT;
	}
	sh->last_fill = region + 1;
	WRITE_ONCE(sh->limited, false);
	shadow_clear_range(vgpu, sh, region, region + LARGE_SIZE);
	root = sh->root;
	seq = sh->inv_seq;
	mvgpu_shadow_unlock(vgpu);

	shadow_reap_locked(vgpu);
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

static u32 shadow_diagnose(struct mvgpu_vgpu *vgpu, unsigned int ctx, u64 root,
			   u64 va);

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
 * mvgpu_shadow_invalidate() - the guest changed its tables
 * @vgpu: the vGPU; caller holds @vgpu->shadow_lock, and calls
 *	mvgpu_shadow_reap() once it has dropped it
 * @ctx: context index
 * @root: the context's PT_ROOT (GPA of its level-3 table)
 * @va: start of the range the guest invalidated
 * @size: bytes of the range; 0 means the whole address space
 *
 * Drops the shadow entries of the range (rounded out to 4 KiB), or all of
 * them when @root differs from the one the shadow was filled from; the
 * fill worker fills them again from the guest's tables when an engine
 * uses them.
 */
void mvgpu_shadow_invalidate(struct mvgpu_vgpu *vgpu, unsigned int ctx,
			     u64 root, u64 va, u64 size)
{
	struct mvgpu_shadow *sh = &vgpu->shadow[ctx];
	u64 start = 0, end = VA_END;
	unsigned int n;

	sh->inv_seq++;
	root &= MVGPU_PTE_ADDR_MASK;
	if (root != sh->root) {
		sh->root = root;
		size = 0;
	}
	/* the room this frees may let another context's miss in, too */
	for (n = 0; n < vgpu->type->contexts; n++)
		vgpu->shadow[n].last_fill = 0;
	if (size) {
		if (va >= VA_END)
			return;
		start = round_down(va, PAGE_SIZE);
		end = min_t(u64, VA_END, round_up(va + size, PAGE_SIZE));
		if (end <= start)	/* wrapped */
			end = VA_END;
	} else {
		WRITE_ONCE(sh->limited, false);
	}
	shadow_clear_range(vgpu, sh, start, end);
}

/**
 * mvgpu_shadow_drop() - empty a context's shadow
 * @vgpu: the vGPU; caller holds @vgpu->shadow_lock, and calls
 *	mvgpu_shadow_reap() once it has dropped it
 * @ctx: context index
 */
void mvgpu_shadow_drop(struct mvgpu_vgpu *vgpu, unsigned int ctx)
{
	struct mvgpu_shadow *sh = &vgpu->shadow[ctx];

	sh->inv_seq++;
	shadow_clear_range(vgpu, sh, 0, VA_END);
	sh->root = 0;
	sh->last_fill = 0;
	WRITE_ONCE(sh->limited, false);
}

/**
 * mvgpu_shadow_reset() - empty every shadow of a vGPU
 * @vgpu: the vGPU; caller holds @vgpu->lock (a reset), and calls
 *	mvgpu_shadow_reap_wait() once it has dropped it
 */
void mvgpu_shadow_reset(struct mvgpu_vgpu *vgpu)
{
	unsigned int n;

	lockdep_assert_held(&vgpu->lock);
	mvgpu_shadow_lock(vgpu);
	for (n = 0; n < vgpu->type->contexts; n++)
		mvgpu_shadow_drop(vgpu, n);
	mvgpu_shadow_unlock(vgpu);
}

/**
 * mvgpu_shadow_reap_wait() - unpin every page that left the shadow
 * @vgpu: the vGPU; caller holds none of its locks
 *
 * Unlike mvgpu_shadow_reap(), waits for pin_lock: for a reset or close,
 * which must leave no page pinned.
 */
void mvgpu_shadow_reap_wait(struct mvgpu_vgpu *vgpu)
{
	mutex_lock(&vgpu->pin_lock);
	shadow_reap_locked(vgpu);
	mutex_unlock(&vgpu->pin_lock);
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
	WRITE_ONCE(vgpu->filling, 0);
}

/**
 * mvgpu_shadow_open() - a new user opened the vGPU
 * @vgpu: the vGPU, not on the scheduler yet
 *
 * Forgets what the last user's container left: its dead ranges (vfio may
 * call dma_unmap between close and the device leaving the container) and
 * the fill time not charged yet.
 */
void mvgpu_shadow_open(struct mvgpu_vgpu *vgpu)
{
	mutex_lock(&vgpu->pin_lock);
	mtree_destroy(&vgpu->dead);
	vgpu->nr_dead = 0;
	vgpu->pins_blocked = false;
	mutex_unlock(&vgpu->pin_lock);
	atomic64_set(&vgpu->fill_ns, 0);
}

/**
 * mvgpu_shadow_dma_unmap() - the VM withdrew [iova, iova + length)
 * @vgpu: the vGPU; takes @vgpu->pin_lock, then @vgpu->shadow_lock
 * @iova: start of the range (a GPA for QEMU)
 * @length: bytes
 *
 * Every shadow entry backed by a page of the range is removed and its
 * page unpinned, as vfio requires before the unmap can complete. Until
 * vfio has forgotten the range, nothing of it is pinned again (see
 * shadow_gpa_dead()): the vfio_iommu_type1 loop that ends in BUG() cannot
 * be fed. The next access there misses; its fill finds the address dead,
 * or unmapped by then, and the access faults with MVGPU_FAULT_BAD_GPA.
 */
void mvgpu_shadow_dma_unmap(struct mvgpu_vgpu *vgpu, u64 iova, u64 length)
{
	u64 last = length ? iova + length - 1 : iova;
	unsigned long index;
	unsigned int ctx;
	void *entry;

	if (last < iova)	/* wraps: up to the end */
		last = U64_MAX;
	mutex_lock(&vgpu->pin_lock);
	if (vgpu->nr_dead >= MVGPU_DEAD_MAX ||
	    mtree_store_range(&vgpu->dead, iova, last, xa_mk_value(1),
			      GFP_KERNEL_ACCOUNT))
		vgpu->pins_blocked = true;
	else
		vgpu->nr_dead++;
	mvgpu_shadow_lock(vgpu);
	for (ctx = 0; ctx < vgpu->type->contexts; ctx++) {
		struct mvgpu_shadow *sh = &vgpu->shadow[ctx];

		/* a miss where entries went is not the guest's fault */
		sh->last_fill = 0;
		xa_for_each(&sh->pinned, index, entry) {
			u64 gpa = PIN_GPA(xa_to_value(entry));

			if (gpa < iova || gpa > last ||
			    xa_get_mark(&sh->pinned, index, PIN_ZOMBIE))
				continue;
			ops_of(vgpu)->pt_clear_range(vgpu->gpu->priv, sh->pt,
						     (u64)index << PAGE_SHIFT,
						     PAGE_SIZE);
			xa_set_mark(&sh->pinned, index, PIN_ZOMBIE);
			shadow_account(vgpu, sh);
		}
	}
	mvgpu_shadow_unlock(vgpu);
	shadow_reap_locked(vgpu);
	mutex_unlock(&vgpu->pin_lock);
}

/**
 * mvgpu_shadow_init() - set up a new vGPU's shadow state
 * @vgpu: the vGPU, its type set
 *
 * Return: 0 or -ENOMEM.
 */
int mvgpu_shadow_init(struct mvgpu_vgpu *vgpu)
{
	unsigned int n;

	mutex_init(&vgpu->shadow_lock);
	mutex_init(&vgpu->pin_lock);
	mt_init(&vgpu->dead);
	INIT_WORK(&vgpu->fill_work, shadow_fill_work);
	vgpu->fill_plan = kvzalloc(sizeof(*vgpu->fill_plan), GFP_KERNEL);
	if (!vgpu->fill_plan)
		goto err;
	for (n = 0; n < vgpu->type->contexts; n++) {
		xa_init(&vgpu->shadow[n].pinned);
		vgpu->shadow[n].pt = ops_of(vgpu)->pt_create(vgpu->gpu->priv);
		if (!vgpu->shadow[n].pt)
			goto err;
	}
	return 0;

err:
	mvgpu_shadow_fini(vgpu);
	return -ENOMEM;
}

/**
 * mvgpu_shadow_fini() - free a vGPU's shadow state
 * @vgpu: the vGPU, closed: no page pinned
 */
void mvgpu_shadow_fini(struct mvgpu_vgpu *vgpu)
{
	unsigned int n;

	cancel_work_sync(&vgpu->fill_work);
	for (n = 0; n < vgpu->type->contexts; n++) {
		WARN_ON(!xa_empty(&vgpu->shadow[n].pinned));
		if (vgpu->shadow[n].pt)
			ops_of(vgpu)->pt_destroy(vgpu->gpu->priv,
						 vgpu->shadow[n].pt);
		vgpu->shadow[n].pt = NULL;
	}
	kvfree(vgpu->fill_plan);
	vgpu->fill_plan = NULL;
	mtree_destroy(&vgpu->dead);
	mutex_destroy(&vgpu->pin_lock);
	mutex_destroy(&vgpu->shadow_lock);
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

	if (!table || va >= VA_END)
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
		if (table & (LARGE_SIZE - 1))
			return MVGPU_FAULT_BAD_TABLE;
		table += va & (LARGE_SIZE - 1) & PAGE_MASK;
	}
	if (e & MVGPU_PTE_VRAM)
		return table >= vgpu->vram_size ? MVGPU_FAULT_BAD_VRAM : valid;
	if (vfio_dma_rw(&vgpu->vdev, table, &byte, 1, false))
		return MVGPU_FAULT_BAD_GPA;
	return valid;
}

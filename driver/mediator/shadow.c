// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu mediator: shadow GPU page tables.
 *
 * The engine never walks a guest's page tables. For every context the
 * mediator keeps a shadow table in the backend's own format: guest GPU VA
 * -> GPA (read from the guest's tables with vfio_dma_rw()) -> host page
 * pinned with vfio_pin_pages(), or -> the vGPU's own VRAM slice.
 *
 * The shadow is synchronised when a context is enabled or its root changes
 * (whole address space) and on the guest's TLB invalidations (a range).
 * A range sync descends only into the guest tables covering the range, so
 * invalidating one page costs one walk, not a table scan. Anything invalid
 * in a guest table leaves the shadow entry not present; a leaf that is bad
 * in a way the engine should report precisely (GPA outside the VM, VRAM
 * offset beyond the slice, pin cap reached) gets an entry carrying that
 * reason.
 *
 * All of this runs under vgpu->shadow_lock, which the engine also holds
 * while it runs one of the vGPU's contexts, so no engine ever sees a
 * table half updated or a page being unpinned. Shadow work takes it with
 * mvgpu_shadow_lock(), which makes the scheduler pass the vGPU over until
 * mvgpu_shadow_unlock(): an engine never waits for a vGPU's shadow work,
 * however long the guest's tables make it, and the other vGPUs run on.
 *
 * What a guest's tables can cost the host is bounded and charged to its
 * vGPU: the shadow entries of all its contexts together never exceed
 * mvgpu_max_shadow_entries() (host memory), and one synchronisation
 * examines at most twice that many guest entries (host time, spent in the
 * guest's own register write). A translation left out for either reason
 * faults with MVGPU_FAULT_SHADOW_LIMIT when the engine uses it.
 */
#include <linux/iommu.h>
#include <linux/slab.h>

#include "mvgpu_drv.h"

#define PT_SHIFT(level)		(MVGPU_PAGE_SHIFT + 9 * (level))
#define PT_SPAN(level)		BIT_ULL(PT_SHIFT(level))
#define PT_INDEX(va, level)	(((va) >> PT_SHIFT(level)) & (MVGPU_PT_ENTRIES - 1))
#define VA_END			BIT_ULL(MVGPU_VA_BITS)
#define LARGE_SIZE		BIT_ULL(MVGPU_LARGE_PAGE_SHIFT)

/* Tracked value of a pinned shadow entry: GPA page number and writable. */
#define PIN_VALUE(gpa, w)	(((gpa) >> MVGPU_PAGE_SHIFT) << 1 | (w))
#define PIN_GPA(v)		(((v) >> 1) << MVGPU_PAGE_SHIFT)

/**
 * struct mvgpu_walk - state of one synchronisation
 * @vgpu: the vGPU
 * @sh: the context's shadow
 * @tables: a copy of the guest table being read at each level
 * @path: GPA of the table at each level of the current walk
 * @budget: guest entries this synchronisation may still examine
 */
struct mvgpu_walk {
	struct mvgpu_vgpu *vgpu;
	struct mvgpu_shadow *sh;
	__le64 *tables[MVGPU_PT_LEVELS];
	u64 path[MVGPU_PT_LEVELS];
	u64 budget;
};

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

static void shadow_unpin_one(struct mvgpu_vgpu *vgpu, struct mvgpu_shadow *sh,
			     unsigned long index, void *entry)
{
	vfio_unpin_pages(&vgpu->vdev, PIN_GPA(xa_to_value(entry)), 1);
	xa_erase(&sh->pinned, index);
	atomic64_dec(&vgpu->stats.pinned_pages);
}

/* Remove the shadow entries of [start, end) and unpin their pages. */
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
		shadow_unpin_one(vgpu, sh, index, entry);
}

/* Does the vGPU hold as many shadow entries as it may? */
static bool shadow_full(struct mvgpu_vgpu *vgpu)
{
	return (u64)atomic64_read(&vgpu->stats.shadow_entries) >=
	       mvgpu_max_shadow_entries();
}

/*
 * Map one 4 KiB page of the shadow as the guest's leaf says. Replacing an
 * entry is always allowed; a new one only below the vGPU's cap.
 */
static void shadow_set_leaf(struct mvgpu_walk *w, u64 va, u64 addr,
			    bool vram, bool writable)
{
	struct mvgpu_vgpu *vgpu = w->vgpu;
	struct mvgpu_shadow *sh = w->sh;
	unsigned long index = va >> PAGE_SHIFT;
	struct mvgpu_spte spte = {};
	void *old = xa_load(&sh->pinned, index);
	int ret;

	if (!vram && old && xa_to_value(old) == PIN_VALUE(addr, writable))
		return;		/* unchanged, stays pinned */
	if (old)
		shadow_unpin_one(vgpu, sh, index, old);

	if (!vram && !old && shadow_full(vgpu)) {
		/* at the cap: no pin for a new entry, it is left out */
		WRITE_ONCE(sh->limited, true);
	} else if (vram) {
		if (addr >= vgpu->vram_size) {
			spte.fault_reason = MVGPU_FAULT_BAD_VRAM;
		} else {
			spte.flags = MVGPU_SPTE_PRESENT | MVGPU_SPTE_VRAM;
			spte.vram_offset = vgpu->vram_offset + addr;
		}
	} else if (atomic64_read(&vgpu->stats.pinned_pages) >=
		   mvgpu_max_pinned_pages) {
		spte.fault_reason = MVGPU_FAULT_PIN_LIMIT;
	} else {
		ret = vfio_pin_pages(&vgpu->vdev, addr, 1,
				     IOMMU_READ | (writable ? IOMMU_WRITE : 0),
				     &spte.page);
		if (ret != 1) {
			spte.fault_reason = MVGPU_FAULT_BAD_GPA;
		} else if (xa_err(xa_store(&sh->pinned, index,
					   xa_mk_value(PIN_VALUE(addr, writable)),
					   GFP_KERNEL))) {
			vfio_unpin_pages(&vgpu->vdev, addr, 1);
			spte.page = NULL;
		} else {
			atomic64_inc(&vgpu->stats.pinned_pages);
			spte.flags = MVGPU_SPTE_PRESENT;
		}
	}
	if (spte.flags && writable)
		spte.flags |= MVGPU_SPTE_WRITABLE;
	/* at the cap, an entry may be replaced but none added */
	if (shadow_full(vgpu))
		spte.flags |= MVGPU_SPTE_NO_NEW;
	ret = ops_of(vgpu)->pt_set(vgpu->gpu->priv, sh->pt, va, &spte);
	if (ret == -ENOSPC)
		WRITE_ONCE(sh->limited, true);
	if (ret && spte.page) {
		/* The backend did not take it: do not keep the pin. */
		old = xa_load(&sh->pinned, index);
		if (old)
			shadow_unpin_one(vgpu, sh, index, old);
	}
	shadow_account(vgpu, sh);
}

/*
 * Take one step of the walk's budget; false when it is spent, and then
 * [va, end) is left out of the shadow.
 */
static bool shadow_step(struct mvgpu_walk *w, u64 va, u64 end)
{
	if (w->budget) {
		w->budget--;
		return true;
	}
	shadow_clear_range(w->vgpu, w->sh, va, end);
	WRITE_ONCE(w->sh->limited, true);
	return false;
}

static bool shadow_is_loop(struct mvgpu_walk *w, u64 table, int level)
{
	int l;

	for (l = level + 1; l < MVGPU_PT_LEVELS; l++)
		if (w->path[l] == table)
			return true;
	return false;
}

/* Synchronise [start, end), all inside the span of @table at @level. */
static void shadow_sync_table(struct mvgpu_walk *w, u64 table, int level,
			      u64 start, u64 end)
{
	struct mvgpu_vgpu *vgpu = w->vgpu;
	__le64 *tbl = w->tables[level];
	u64 va = start;

	if (shadow_is_loop(w, table, level) ||
	    vfio_dma_rw(&vgpu->vdev, table, tbl, PAGE_SIZE, false)) {
		shadow_clear_range(vgpu, w->sh, start, end);
		return;
	}
	w->path[level] = table;

	while (va < end && shadow_step(w, va, end)) {
		u64 ebase = va & ~(PT_SPAN(level) - 1);
		u64 eend = min(ebase + PT_SPAN(level), end);
		u64 e = le64_to_cpu(tbl[PT_INDEX(va, level)]);
		u64 addr = e & MVGPU_PTE_ADDR_MASK;
		bool vram = e & MVGPU_PTE_VRAM;
		bool writable = e & MVGPU_PTE_WRITABLE;

		if (!(e & MVGPU_PTE_PRESENT)) {
			shadow_clear_range(vgpu, w->sh, va, eend);
		} else if (level == 0) {
			shadow_set_leaf(w, va, addr, vram, writable);
		} else if (level == 1 && (e & MVGPU_PTE_LARGE)) {
			u64 p;

			if (addr & (LARGE_SIZE - 1)) {
				shadow_clear_range(vgpu, w->sh, va, eend);
			} else {
				for (p = va; p < eend &&
				     (p == va || shadow_step(w, p, eend));
				     p += PAGE_SIZE)
					shadow_set_leaf(w, p, addr + (p - ebase),
							vram, writable);
			}
		} else if (e & (MVGPU_PTE_VRAM | MVGPU_PTE_LARGE)) {
			shadow_clear_range(vgpu, w->sh, va, eend);
		} else {
			shadow_sync_table(w, addr, level - 1, va, eend);
		}
		va = eend;
		cond_resched();
	}
	w->path[level] = 0;
}

/**
 * mvgpu_shadow_sync() - bring a context's shadow up to date
 * @vgpu: the vGPU; caller holds @vgpu->shadow_lock
 * @ctx: context index
 * @root: the context's PT_ROOT (GPA of its level-3 table)
 * @va: start of the range the guest invalidated
 * @size: bytes of the range; 0 means the whole address space
 *
 * A root that differs from the one the shadow was built from drops the
 * whole shadow first.
 *
 * Return: 0, or -ENOMEM (the shadow is then left empty for the range).
 */
int mvgpu_shadow_sync(struct mvgpu_vgpu *vgpu, unsigned int ctx, u64 root,
		      u64 va, u64 size)
{
	struct mvgpu_walk w = { .vgpu = vgpu, .sh = &vgpu->shadow[ctx] };
	u64 start = 0, end = VA_END;
	int level, ret = 0;

	root &= MVGPU_PTE_ADDR_MASK;
	if (root != w.sh->root) {
		shadow_clear_range(vgpu, w.sh, 0, VA_END);
		w.sh->root = root;
		size = 0;
	}
	if (!size)
		WRITE_ONCE(w.sh->limited, false);
	w.budget = 2 * mvgpu_max_shadow_entries();
	if (size) {
		if (va >= VA_END)
			return 0;
		start = round_down(va, PAGE_SIZE);
		end = min_t(u64, VA_END, round_up(va + size, PAGE_SIZE));
		if (end <= start)	/* wrapped */
			end = VA_END;
	}
	if (!root) {
		shadow_clear_range(vgpu, w.sh, start, end);
		return 0;
	}

	for (level = 0; level < MVGPU_PT_LEVELS; level++) {
		w.tables[level] = kmalloc(PAGE_SIZE, GFP_KERNEL);
		if (!w.tables[level]) {
			ret = -ENOMEM;
			shadow_clear_range(vgpu, w.sh, start, end);
			goto out;
		}
	}
	shadow_sync_table(&w, root, MVGPU_PT_LEVELS - 1, start, end);
out:
	for (level = 0; level < MVGPU_PT_LEVELS; level++)
		kfree(w.tables[level]);
	return ret;
}

/**
 * mvgpu_shadow_drop() - empty a context's shadow and unpin its pages
 * @vgpu: the vGPU; caller holds @vgpu->shadow_lock
 * @ctx: context index
 */
void mvgpu_shadow_drop(struct mvgpu_vgpu *vgpu, unsigned int ctx)
{
	struct mvgpu_shadow *sh = &vgpu->shadow[ctx];

	shadow_clear_range(vgpu, sh, 0, VA_END);
	sh->root = 0;
	WRITE_ONCE(sh->limited, false);
}

/**
 * mvgpu_shadow_dma_unmap() - the VM withdrew [iova, iova + length)
 * @vgpu: the vGPU; takes @vgpu->shadow_lock (mvgpu_shadow_lock())
 * @iova: start of the range (a GPA for QEMU)
 * @length: bytes
 *
 * Every shadow entry backed by a page of the range is replaced by one
 * that faults with MVGPU_FAULT_BAD_GPA, and its page is unpinned, as vfio
 * requires before the unmap can complete.
 */
void mvgpu_shadow_dma_unmap(struct mvgpu_vgpu *vgpu, u64 iova, u64 length)
{
	struct mvgpu_spte spte = { .fault_reason = MVGPU_FAULT_BAD_GPA };
	unsigned long index;
	unsigned int ctx;
	void *entry;

	mvgpu_shadow_lock(vgpu);
	for (ctx = 0; ctx < vgpu->type->contexts; ctx++) {
		struct mvgpu_shadow *sh = &vgpu->shadow[ctx];

		xa_for_each(&sh->pinned, index, entry) {
			u64 gpa = PIN_GPA(xa_to_value(entry));

			if (gpa < iova || gpa - iova >= length)
				continue;
			shadow_unpin_one(vgpu, sh, index, entry);
			ops_of(vgpu)->pt_set(vgpu->gpu->priv, sh->pt,
					     (u64)index << PAGE_SHIFT, &spte);
		}
	}
	mvgpu_shadow_unlock(vgpu);
}

/**
 * mvgpu_shadow_diagnose() - why does @va of a context not translate?
 * @vgpu: the vGPU
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
u32 mvgpu_shadow_diagnose(struct mvgpu_vgpu *vgpu, unsigned int ctx, u64 root,
			  u64 va)
{
	u32 valid = READ_ONCE(vgpu->shadow[ctx].limited) ?
		    MVGPU_FAULT_SHADOW_LIMIT : MVGPU_FAULT_NOT_PRESENT;
	u64 path[MVGPU_PT_LEVELS] = {};
	u64 table = root & MVGPU_PTE_ADDR_MASK;
	int level, l;
	__le64 raw;
	u64 e;

	if (!table || va >= VA_END)
		return MVGPU_FAULT_NOT_PRESENT;
	for (level = MVGPU_PT_LEVELS - 1; level >= 0; level--) {
		for (l = level + 1; l < MVGPU_PT_LEVELS; l++)
			if (path[l] == table)
				return MVGPU_FAULT_BAD_TABLE;
		path[level] = table;
		if (vfio_dma_rw(&vgpu->vdev, table + PT_INDEX(va, level) * 8,
				&raw, sizeof(raw), false))
			return MVGPU_FAULT_BAD_GPA;
		e = le64_to_cpu(raw);
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
	if (vfio_dma_rw(&vgpu->vdev, table, &raw, 1, false))
		return MVGPU_FAULT_BAD_GPA;
	return valid;
}

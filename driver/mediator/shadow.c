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
 * bounded fill, done on the engine in the vGPU's own time slice.
 *
 * A leaf that is bad in a way the engine should report precisely (GPA
 * outside the VM, VRAM offset beyond the slice, pin cap reached) gets an
 * entry carrying that reason; anything else invalid leaves no entry, and
 * a second miss in the region just filled is a fault whose reason the
 * mediator finds by walking the guest's tables (mvgpu_shadow_diagnose()).
 *
 * All of this runs under vgpu->shadow_lock, which the engine also holds
 * while it runs one of the vGPU's contexts, so no engine ever sees a
 * table half updated or a page being unpinned. Shadow work outside the
 * engine takes it with mvgpu_shadow_lock(), which makes the scheduler pass
 * the vGPU over until mvgpu_shadow_unlock(): an engine never waits for a
 * vGPU's shadow work, and the other vGPUs run on.
 *
 * What a guest's tables can cost the host is bounded and charged to its
 * vGPU: the shadow entries of all its contexts together never exceed
 * mvgpu_max_shadow_entries() (host memory); a translation left out for
 * that faults with MVGPU_FAULT_SHADOW_LIMIT.
 */
#include <linux/iommu.h>
#include <linux/slab.h>

#include "mvgpu_drv.h"

#define PT_SHIFT(level)		(MVGPU_PAGE_SHIFT + 9 * (level))
#define PT_INDEX(va, level)	(((va) >> PT_SHIFT(level)) & (MVGPU_PT_ENTRIES - 1))
#define VA_END			BIT_ULL(MVGPU_VA_BITS)
#define LARGE_SIZE		BIT_ULL(MVGPU_LARGE_PAGE_SHIFT)

/* Tracked value of a pinned shadow entry: GPA page number and writable. */
#define PIN_VALUE(gpa, w)	(((gpa) >> MVGPU_PAGE_SHIFT) << 1 | (w))
#define PIN_GPA(v)		(((v) >> 1) << MVGPU_PAGE_SHIFT)

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
 * Map the 4 KiB page at @va (not in the shadow yet) as the guest says.
 * Return: 0, or -ENOMEM when the host had no memory to track it (the page
 * is left out; the engine should try again later, not fault).
 */
static int shadow_set_leaf(struct mvgpu_vgpu *vgpu, struct mvgpu_shadow *sh,
			   u64 va, u64 addr, bool vram, bool writable)
{
	unsigned long index = va >> PAGE_SHIFT;
	struct mvgpu_spte spte = {};
	int ret;

	if (!shadow_may_add(vgpu, sh))
		return 0;
	if (vram) {
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
		if (ret == 1 &&
		    xa_err(xa_store(&sh->pinned, index,
				    xa_mk_value(PIN_VALUE(addr, writable)),
				    GFP_KERNEL))) {
			/* no memory to track the pin: the page is left out */
			vfio_unpin_pages(&vgpu->vdev, addr, 1);
			return -ENOMEM;
		}
		if (ret != 1) {
			spte.fault_reason = MVGPU_FAULT_BAD_GPA;
		} else {
			atomic64_inc(&vgpu->stats.pinned_pages);
			spte.flags = MVGPU_SPTE_PRESENT;
		}
	}
	if (spte.flags && writable)
		spte.flags |= MVGPU_SPTE_WRITABLE;
	ret = ops_of(vgpu)->pt_set(vgpu->gpu->priv, sh->pt, va, &spte);
	if (ret && spte.page)	/* the backend did not take it */
		shadow_unpin_one(vgpu, sh, index, xa_load(&sh->pinned, index));
	shadow_account(vgpu, sh);
	return ret == -ENOMEM ? ret : 0;
}

/*
 * Map the 2 MiB page at @region (not in the shadow yet) as the guest's
 * LARGE entry at GPA/VRAM offset @addr says: one backend entry for VRAM
 * where the backend has them, else 512 4 KiB ones, the one of @va first.
 */
static int shadow_set_large(struct mvgpu_vgpu *vgpu, struct mvgpu_shadow *sh,
			    u64 region, u64 va, u64 addr, bool vram,
			    bool writable)
{
	struct mvgpu_spte spte = {
		.flags = MVGPU_SPTE_PRESENT | MVGPU_SPTE_VRAM | MVGPU_SPTE_LARGE |
			 (writable ? MVGPU_SPTE_WRITABLE : 0),
		.vram_offset = vgpu->vram_offset + addr,
	};
	u64 first = va & (LARGE_SIZE - 1) & PAGE_MASK, off = first;
	int ret;

	if (vram && addr < vgpu->vram_size &&
	    vgpu->vram_size - addr >= LARGE_SIZE) {
		if (!shadow_may_add(vgpu, sh))
			return 0;
		if (!ops_of(vgpu)->pt_set(vgpu->gpu->priv, sh->pt, region,
					  &spte)) {
			shadow_account(vgpu, sh);
			return 0;
		}
	}
	do {
		ret = shadow_set_leaf(vgpu, sh, region + off, addr + off, vram,
				      writable);
		if (ret)
			return ret;
		off = (off + PAGE_SIZE) & (LARGE_SIZE - 1);
	} while (off != first);
	return 0;
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
 * Fill the empty 2 MiB region at @region of a context's shadow from the
 * guest's tables rooted at @sh->root; the page of @va, which the engine
 * missed, first, so that it gets in should the vGPU reach its cap.
 * Return: 0, or -ENOMEM when the host ran out of memory on the way.
 */
static int shadow_fill_region(struct mvgpu_vgpu *vgpu,
			      struct mvgpu_shadow *sh, u64 region, u64 va)
{
	u64 path[MVGPU_PT_LEVELS] = {};
	u64 table = sh->root, e = 0, addr;
	unsigned int first = PT_INDEX(va, 0), i;
	__le64 *leaves;
	int level, l, ret = 0;

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
			if (addr & (LARGE_SIZE - 1))
				return 0;
			return shadow_set_large(vgpu, sh, region, va, addr,
						e & MVGPU_PTE_VRAM,
						e & MVGPU_PTE_WRITABLE);
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
				ret = shadow_set_leaf(vgpu, sh,
						      region + i * PAGE_SIZE,
						      e & MVGPU_PTE_ADDR_MASK,
						      e & MVGPU_PTE_VRAM,
						      e & MVGPU_PTE_WRITABLE);
			i = (i + 1) % MVGPU_PT_ENTRIES;
		} while (!ret && i != first);
	}
	kfree(leaves);
	return ret;
}

/**
 * mvgpu_shadow_fill() - an engine found no shadow entry for an address
 * @vgpu: the vGPU; caller holds @vgpu->shadow_lock
 * @ctx: context index
 * @va: the GPU VA the engine could not translate
 *
 * Fills the 2 MiB region around @va from the guest's tables (refilling
 * it, should it hold entries already), unless that region is the one this
 * context filled last since the vGPU's last invalidation: then the miss is
 * a fault of the guest's own tables.
 *
 * Return: MVGPU_FILL_AGAIN (run the context again), MVGPU_FILL_FAULT (a
 * fault of the guest's) or MVGPU_FILL_LATER (the host was out of memory:
 * end the slice, the next run misses and fills again).
 */
enum mvgpu_fill mvgpu_shadow_fill(struct mvgpu_vgpu *vgpu, unsigned int ctx,
				  u64 va)
{
	struct mvgpu_shadow *sh = &vgpu->shadow[ctx];
	u64 region = va & ~(LARGE_SIZE - 1);

	BUILD_BUG_ON(BIT(MVGPU_PAGE_SHIFT) != PAGE_SIZE);
	if (!sh->root || va >= VA_END || sh->last_fill == region + 1)
		return MVGPU_FILL_FAULT;
	sh->last_fill = region + 1;
	WRITE_ONCE(sh->limited, false);
	shadow_clear_range(vgpu, sh, region, region + LARGE_SIZE);
	atomic64_inc(&vgpu->stats.shadow_fills);
	if (shadow_fill_region(vgpu, sh, region, va)) {
		sh->last_fill = 0;
		return MVGPU_FILL_LATER;
	}
	return MVGPU_FILL_AGAIN;
}

/**
 * mvgpu_shadow_invalidate() - the guest changed its tables
 * @vgpu: the vGPU; caller holds @vgpu->shadow_lock
 * @ctx: context index
 * @root: the context's PT_ROOT (GPA of its level-3 table)
 * @va: start of the range the guest invalidated
 * @size: bytes of the range; 0 means the whole address space
 *
 * Drops the shadow entries of the range (rounded out to 4 KiB), or all of
 * them when @root differs from the one the shadow was filled from; the
 * engine fills them again from the guest's tables when it uses them.
 */
void mvgpu_shadow_invalidate(struct mvgpu_vgpu *vgpu, unsigned int ctx,
			     u64 root, u64 va, u64 size)
{
	struct mvgpu_shadow *sh = &vgpu->shadow[ctx];
	u64 start = 0, end = VA_END;
	unsigned int n;

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
 * mvgpu_shadow_drop() - empty a context's shadow and unpin its pages
 * @vgpu: the vGPU; caller holds @vgpu->shadow_lock
 * @ctx: context index
 */
void mvgpu_shadow_drop(struct mvgpu_vgpu *vgpu, unsigned int ctx)
{
	struct mvgpu_shadow *sh = &vgpu->shadow[ctx];

	shadow_clear_range(vgpu, sh, 0, VA_END);
	sh->root = 0;
	sh->last_fill = 0;
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
			/* a backend that cannot replace it must drop it */
			if (ops_of(vgpu)->pt_set(vgpu->gpu->priv, sh->pt,
						 (u64)index << PAGE_SHIFT, &spte))
				ops_of(vgpu)->pt_clear_range(vgpu->gpu->priv,
							     sh->pt,
							     (u64)index << PAGE_SHIFT,
							     PAGE_SIZE);
			shadow_account(vgpu, sh);
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

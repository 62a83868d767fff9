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
 * context run again. The worker is shadow_fill.c; this file keeps the
 * tables (invalidation, dropping, dma_unmap), the pins' bookkeeping and
 * reaping, and the dead ranges that keep vfio_iommu_type1's unmap loop
 * from being fed.
 *
 * Tables change only under vgpu->shadow_lock, which the engine also holds
 * while it runs one of the vGPU's contexts, so no engine ever sees a
 * table half updated or a page being unpinned. shadow_lock is never held
 * across a call into vfio: an entry that goes away is cleared from the
 * backend's table under it and its pin only marked (SHADOW_PIN_ZOMBIE);
 * the pins are dropped afterwards under pin_lock
 * (mvgpu_shadow_reap_locked()). Shadow work outside the engine takes
 * shadow_lock with mvgpu_shadow_lock(), which
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

#include "shadow.h"

/*
 * Ranges whose unmap began that a vGPU remembers (mvgpu_vgpu.dead); past
 * that it pins nothing more until it is closed (a VMM that unmaps ever new
 * ranges under its pins only hurts itself).
 */
#define MVGPU_DEAD_MAX		4096

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

/**
 * mvgpu_shadow_account() - count a table's entries into the vGPU's total
 * @vgpu: the vGPU; caller holds @vgpu->shadow_lock
 * @sh: the context's shadow, just changed
 */
void mvgpu_shadow_account(struct mvgpu_vgpu *vgpu, struct mvgpu_shadow *sh)
{
	const struct mvgpu_backend_ops *ops = mvgpu_shadow_ops(vgpu);
	unsigned long now = ops->pt_entries(vgpu->gpu->priv, sh->pt);

	atomic64_add((long)now - (long)sh->entries,
		     &vgpu->stats.shadow_entries);
	sh->entries = now;
}

/**
 * mvgpu_shadow_clear_range() - take a range out of a context's shadow
 * @vgpu: the vGPU; caller holds @vgpu->shadow_lock
 * @sh: the context's shadow
 * @start: first GPU VA of the range
 * @end: GPU VA just past the range
 *
 * Removes the entries of [@start, @end) from the backend's table and only
 * marks their pins (SHADOW_PIN_ZOMBIE), for mvgpu_shadow_reap_locked() under
 * pin_lock once shadow_lock is dropped.
 */
void mvgpu_shadow_clear_range(struct mvgpu_vgpu *vgpu,
			      struct mvgpu_shadow *sh, u64 start, u64 end)
{
	unsigned long index;
	void *entry;

	if (start >= end)
		return;
	mvgpu_dirty_collect(vgpu, sh, start, end);
	mvgpu_shadow_ops(vgpu)->pt_clear_range(vgpu->gpu->priv, sh->pt, start,
					       end - start);
	mvgpu_shadow_account(vgpu, sh);
	xa_for_each_range(&sh->pinned, index, entry, start >> PAGE_SHIFT,
			  (end - 1) >> PAGE_SHIFT)
		xa_set_mark(&sh->pinned, index, SHADOW_PIN_ZOMBIE);
}

/**
 * mvgpu_shadow_unpin() - drop one pin of the vGPU's
 * @vgpu: the vGPU; caller holds @vgpu->pin_lock, not @vgpu->shadow_lock
 * @gpa: the pinned guest page
 */
void mvgpu_shadow_unpin(struct mvgpu_vgpu *vgpu, u64 gpa)
{
	vfio_unpin_pages(&vgpu->vdev, gpa, 1);
	atomic64_dec(&vgpu->stats.pinned_pages);
}

/**
 * mvgpu_shadow_reap_locked() - unpin every page that left the tables
 * @vgpu: the vGPU; caller holds @vgpu->pin_lock, not @vgpu->shadow_lock:
 *	only pin_lock holders add or erase pins, the marks are set under
 *	shadow_lock
 */
void mvgpu_shadow_reap_locked(struct mvgpu_vgpu *vgpu)
{
	unsigned long index;
	unsigned int n;
	void *entry;

	lockdep_assert_held(&vgpu->pin_lock);
	for (n = 0; n < vgpu->type->contexts; n++) {
		struct mvgpu_shadow *sh = &vgpu->shadow[n];

		xa_for_each_marked(&sh->pinned, index, entry, SHADOW_PIN_ZOMBIE) {
			mvgpu_shadow_unpin(vgpu, SHADOW_PIN_GPA(xa_to_value(entry)));
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
		mvgpu_shadow_fill_queue(vgpu);
		return;
	}
	mvgpu_shadow_reap_locked(vgpu);
	mutex_unlock(&vgpu->pin_lock);
}

/**
 * mvgpu_shadow_gpa_dead() - may a guest page not be pinned?
 * @vgpu: the vGPU; caller holds @vgpu->pin_lock (it may call vfio)
 * @gpa: the guest page
 *
 * Not while an unmap of its range may still be running: vfio_iommu_type1
 * asks the drivers to unpin a range, then retakes its lock and checks; a
 * pin taken in between makes it ask again, and after ten rounds it calls
 * BUG(). A range stays dead until vfio no longer knows the address, which
 * it forgets only when that unmap is done (memory mapped there again
 * before the vGPU saw it unmapped stays out of its reach until the device
 * is opened again).
 *
 * Return: true when the page must not be pinned.
 */
bool mvgpu_shadow_gpa_dead(struct mvgpu_vgpu *vgpu, u64 gpa)
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
	u64 start = 0, end = SHADOW_VA_END;
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
		if (va >= SHADOW_VA_END)
			return;
		start = round_down(va, PAGE_SIZE);
		end = min_t(u64, SHADOW_VA_END, round_up(va + size, PAGE_SIZE));
		if (end <= start)	/* wrapped */
			end = SHADOW_VA_END;
	} else {
		WRITE_ONCE(sh->limited, false);
	}
	mvgpu_shadow_clear_range(vgpu, sh, start, end);
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
	mvgpu_shadow_clear_range(vgpu, sh, 0, SHADOW_VA_END);
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
	mvgpu_shadow_reap_locked(vgpu);
	mutex_unlock(&vgpu->pin_lock);
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
 * mvgpu_shadow_gpa_dead()): the vfio_iommu_type1 loop that ends in BUG() cannot
 * be fed. The next access there misses; its fill finds the address dead,
 * or unmapped by then, and the access faults with MVGPU_FAULT_BAD_GPA.
 */
void mvgpu_shadow_dma_unmap(struct mvgpu_vgpu *vgpu, u64 iova, u64 length)
{
	const struct mvgpu_backend_ops *ops = mvgpu_shadow_ops(vgpu);
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
			u64 gpa = SHADOW_PIN_GPA(xa_to_value(entry));

			if (gpa < iova || gpa > last ||
			    xa_get_mark(&sh->pinned, index, SHADOW_PIN_ZOMBIE))
				continue;
			mvgpu_dirty_collect(vgpu, sh, (u64)index << PAGE_SHIFT,
					    ((u64)index + 1) << PAGE_SHIFT);
			ops->pt_clear_range(vgpu->gpu->priv, sh->pt,
					    (u64)index << PAGE_SHIFT,
					    PAGE_SIZE);
			xa_set_mark(&sh->pinned, index, SHADOW_PIN_ZOMBIE);
			mvgpu_shadow_account(vgpu, sh);
		}
	}
	mvgpu_shadow_unlock(vgpu);
	mvgpu_shadow_reap_locked(vgpu);
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
	if (mvgpu_shadow_fill_init(vgpu))
		goto err;
	for (n = 0; n < vgpu->type->contexts; n++) {
		xa_init(&vgpu->shadow[n].pinned);
		vgpu->shadow[n].pt = mvgpu_shadow_ops(vgpu)->pt_create(vgpu->gpu->priv);
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

	mvgpu_shadow_fill_fini(vgpu);
	for (n = 0; n < vgpu->type->contexts; n++) {
		WARN_ON(!xa_empty(&vgpu->shadow[n].pinned));
		if (vgpu->shadow[n].pt)
			mvgpu_shadow_ops(vgpu)->pt_destroy(vgpu->gpu->priv,
							   vgpu->shadow[n].pt);
		vgpu->shadow[n].pt = NULL;
	}
	mtree_destroy(&vgpu->dead);
	mutex_destroy(&vgpu->pin_lock);
	mutex_destroy(&vgpu->shadow_lock);
}

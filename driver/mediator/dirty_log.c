// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu mediator: device DMA logging (struct vfio_log_ops).
 *
 * During a live migration QEMU must resend the guest pages a device wrote.
 * A vGPU writes guest memory only with its engines, through the pages its
 * shadow pinned writable (the mediator's own accesses, vfio_dma_rw() of
 * the fill worker, only read). The backend's MMU keeps a dirty bit per
 * system-memory entry (backend op pt_written), set when an engine
 * translates an address of the page for a write; this file turns those
 * bits into guest page numbers and reports them through VFIO's
 * VFIO_DEVICE_FEATURE_DMA_LOGGING_{START,STOP,REPORT}:
 *
 * - a report collects the bits of every context's table under shadow_lock,
 *   so that no engine runs the vGPU and every write that landed is seen;
 * - before shadow.c removes entries (invalidation, fill, dma_unmap, reset)
 *   it calls mvgpu_dirty_collect(), so a write through an entry that goes
 *   is not lost with it;
 * - each dirty bit becomes a GPA through the context's pin record
 *   (sh->pinned, stable under shadow_lock) and is kept in @pages until a
 *   report reads and clears it.
 *
 * So a report holds exactly the pages the engines wrote since the last
 * report covering them, within the ranges QEMU started logging for; a
 * page only read, or pinned writable and never written, is not in it.
 *
 * What the VMM controls is bounded here (Documentation/mvgpu/design.rst,
 * "Device DMA logging"): the started ranges (at most LOG_MAX_RANGES of
 * the core, copied once), the pages kept (at most MVGPU_DIRTY_MAX_GROUPS
 * xarray entries, charged to the memory cgroup of the task that records
 * them; beyond that, or
 * without memory, every page of the ranges reports dirty until logging
 * stops: never a page lost), and nothing here waits for the VMM while
 * holding a lock an engine takes.
 *
 * The VFIO core reports through iova_bitmap, which only a kernel with
 * CONFIG_IOMMUFD_DRIVER builds (6.1 to 6.7: always, in vfio). Elsewhere
 * (Debian's 6.12 and 7.3) the vGPU offers no DMA logging at all: the core
 * would answer its PROBE, QEMU would choose it and every report would
 * fail. driver/Kbuild finds the export in the kernel's Module.symvers.
 */
#include "shadow.h"	/* first: mvgpu_autoconf.h decides what follows */

#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/xarray.h>
#ifdef MVGPU_HAVE_IOVA_BITMAP
#include <linux/interval_tree.h>
#include <linux/iova_bitmap.h>
#endif

#ifdef MVGPU_IOVA_BITMAP_NS_IOMMUFD
#ifdef MVGPU_HAVE_IMPORT_NS_TOKEN
MODULE_IMPORT_NS(IOMMUFD);
#else
MODULE_IMPORT_NS("IOMMUFD");
#endif
#endif

/* Guest pages per entry of @pages: a bit each in an xa_mk_value(). */
#define MVGPU_DIRTY_GROUP_SHIFT	5
#define MVGPU_DIRTY_GROUP	BIT(MVGPU_DIRTY_GROUP_SHIFT)
/*
 * Entries of @pages at most: 2 GiB of dense writes between two reports
 * (256 xarray leaves, 144 KiB), or 16 Ki scattered 128 KiB groups: with
 * 52-bit GPAs the index has 35 bits, six levels, and each group may need
 * its own node in the three lowest (about 51000 nodes of 576 bytes: 28
 * MiB).
 */
#define MVGPU_DIRTY_MAX_GROUPS	16384

#ifdef MVGPU_HAVE_IOVA_BITMAP

/* Is @gpa in a started range? Caller holds dirty.lock. */
static bool mvgpu_dirty_in_ranges(struct mvgpu_dirty *d, u64 gpa)
{
	unsigned int lo = 0, hi = d->nr_ranges;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (gpa < d->ranges[mid].start)
			hi = mid;
		else if (gpa > d->ranges[mid].last)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/* Does a started range meet [@first, @last]? Caller holds dirty.lock. */
static bool mvgpu_dirty_meets_ranges(struct mvgpu_dirty *d, u64 first,
				     u64 last)
{
	unsigned int lo = 0, hi = d->nr_ranges;

	/* the first range that ends at or after @first */
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (d->ranges[mid].last < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < d->nr_ranges && d->ranges[lo].start <= last;
}

/* Record guest page @gpa as written. Caller holds dirty.lock. */
static void mvgpu_dirty_mark(struct mvgpu_dirty *d, u64 gpa, gfp_t gfp)
{
	unsigned long pfn = gpa >> PAGE_SHIFT;
	unsigned long index = pfn >> MVGPU_DIRTY_GROUP_SHIFT;
	unsigned long bit = BIT(pfn & (MVGPU_DIRTY_GROUP - 1));
	unsigned long bits = 0;
	void *old;

	if (d->overflow || !mvgpu_dirty_in_ranges(d, gpa))
		return;
	old = xa_load(&d->pages, index);
	if (old) {
		bits = xa_to_value(old);
		if (bits & bit)
			return;
	} else if (d->nr_groups >= MVGPU_DIRTY_MAX_GROUPS) {
		d->overflow = true;
		return;
	}
	if (xa_is_err(xa_store(&d->pages, index, xa_mk_value(bits | bit),
			       gfp))) {
		d->overflow = true;
		return;
	}
	if (!old)
		d->nr_groups++;
}

struct mvgpu_dirty_walk {
	struct mvgpu_vgpu *vgpu;
	struct mvgpu_shadow *sh;
	gfp_t gfp;
	bool record;
};

/* pt_written's callback: an engine wrote through the entry of @va. */
static void mvgpu_dirty_entry_written(void *arg, u64 va)
{
	struct mvgpu_dirty_walk *w = arg;
	void *entry;

	if (!w->record)
		return;
	entry = xa_load(&w->sh->pinned, va >> PAGE_SHIFT);
	if (entry && !xa_is_err(entry))
		mvgpu_dirty_mark(&w->vgpu->dirty,
				 SHADOW_PIN_GPA(xa_to_value(entry)), w->gfp);
	else	/* a written entry without its pin: never lose the write */
		w->vgpu->dirty.overflow = true;
}

/*
 * Move the dirty bits of @sh's entries in [@start, @end) into @pages (or
 * forget them, !@record). Caller holds shadow_lock and dirty.lock.
 */
static void mvgpu_dirty_walk(struct mvgpu_vgpu *vgpu, struct mvgpu_shadow *sh,
			     u64 start, u64 end, gfp_t gfp, bool record)
{
	struct mvgpu_dirty_walk w = {
		.vgpu = vgpu, .sh = sh, .gfp = gfp, .record = record,
	};

	mvgpu_shadow_ops(vgpu)->pt_written(vgpu->gpu->priv, sh->pt, start,
					   end - start,
					   mvgpu_dirty_entry_written, &w);
}

/* Every context's bits, over the whole VA space. Same locks. */
static void mvgpu_dirty_walk_all(struct mvgpu_vgpu *vgpu, gfp_t gfp,
				 bool record)
{
	unsigned int n;

	for (n = 0; n < vgpu->type->contexts; n++)
		mvgpu_dirty_walk(vgpu, &vgpu->shadow[n], 0, SHADOW_VA_END, gfp,
				 record);
}

/**
 * mvgpu_dirty_collect() - keep the writes of entries about to go
 * @vgpu: the vGPU; caller holds @vgpu->shadow_lock, perhaps also
 *	@vgpu->lock (a reset) and pin_lock
 * @sh: the context's shadow
 * @start: first GPU VA of the entries that go
 * @end: GPU VA just past them
 *
 * Called by shadow.c before it removes entries from the backend's table.
 * Allocates without waiting (a reset holds the register lock, which the
 * engines take): without memory the log overflows, which reports more,
 * never less.
 */
void mvgpu_dirty_collect(struct mvgpu_vgpu *vgpu, struct mvgpu_shadow *sh,
			 u64 start, u64 end)
{
	struct mvgpu_dirty *d = &vgpu->dirty;

	lockdep_assert_held(&vgpu->shadow_lock);
	/* written under shadow_lock too: stable here */
	if (!d->logging || start >= end)
		return;
	mutex_lock(&d->lock);
	mvgpu_dirty_walk(vgpu, sh, start, end,
			 GFP_NOWAIT | __GFP_ACCOUNT | __GFP_NOWARN, true);
	mutex_unlock(&d->lock);
}

static int mvgpu_dirty_range_cmp(const void *a, const void *b)
{
	const struct mvgpu_dirty_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Forget everything. Caller holds shadow_lock and dirty.lock. */
static void mvgpu_dirty_reset_locked(struct mvgpu_dirty *d)
{
	d->logging = false;
	d->overflow = false;
	xa_destroy(&d->pages);
	d->nr_groups = 0;
	kfree(d->ranges);
	d->ranges = NULL;
	d->nr_ranges = 0;
}

static int mvgpu_log_start(struct vfio_device *vdev,
			   struct rb_root_cached *ranges, u32 nnodes,
			   u64 *page_size)
{
	struct mvgpu_vgpu *vgpu = vdev_to_vgpu(vdev);
	struct mvgpu_dirty *d = &vgpu->dirty;
	struct mvgpu_dirty_range *r;
	struct interval_tree_node *node;
	unsigned int n = 0;
	int ret = 0;

	/* the core checks alignment to it, not that it is a page size */
	if (!*page_size || !is_power_of_2(*page_size))
		return -EINVAL;
	/* the core caps nnodes (LOG_MAX_RANGES: one page of them) */
	r = kmalloc_array(nnodes, sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return -ENOMEM;
	for (node = interval_tree_iter_first(ranges, 0, ULONG_MAX);
	     node && n < nnodes;
	     node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
		/*
		 * A range of length 0 arrives as last = start - 1: at iova 0
		 * as [0, ULONG_MAX], which no real range can be (the core
		 * keeps iova + length within ULONG_MAX).
		 */
		if (node->last < node->start || node->last == ULONG_MAX)
			continue;
		r[n].start = node->start;
		r[n].last = node->last;
		n++;
	}
	/* the core refused overlaps; sorted for the binary search */
	sort(r, n, sizeof(*r), mvgpu_dirty_range_cmp, NULL);

	mvgpu_shadow_lock(vgpu);
	mutex_lock(&d->lock);
	if (d->logging) {
		ret = -EBUSY;
		goto out;
	}
	/* writes from before the start are not this log's */
	mvgpu_dirty_walk_all(vgpu, 0, false);
	d->ranges = r;
	d->nr_ranges = n;
	r = NULL;
	d->logging = true;
	/* tracked per 4 KiB page; a report may ask for any coarser size */
	if (*page_size < PAGE_SIZE)
		*page_size = PAGE_SIZE;
out:
	mutex_unlock(&d->lock);
	mvgpu_shadow_unlock(vgpu);
	kfree(r);
	return ret;
}

/**
 * mvgpu_dirty_stop() - stop DMA logging and free its memory
 * @vgpu: the vGPU; caller holds none of its locks but perhaps mig.lock
 *
 * For DMA_LOGGING_STOP, VFIO_DEVICE_RESET and close. Nothing when logging
 * is off.
 */
void mvgpu_dirty_stop(struct mvgpu_vgpu *vgpu)
{
	struct mvgpu_dirty *d = &vgpu->dirty;

	mvgpu_shadow_lock(vgpu);
	mutex_lock(&d->lock);
	mvgpu_dirty_reset_locked(d);
	mutex_unlock(&d->lock);
	mvgpu_shadow_unlock(vgpu);
}

static int mvgpu_log_stop(struct vfio_device *vdev)
{
	mvgpu_dirty_stop(vdev_to_vgpu(vdev));
	return 0;
}

/*
 * What one step of a report takes from the log under dirty.lock and sets
 * in the VMM's bitmap after dropping it: iova_bitmap_set() may pin and
 * fault the VMM's bitmap (6.12 and 7.3 map it lazily), which may wait for
 * the VMM for ever (userfaultfd), and dirty.lock is taken under
 * shadow_lock, and at a guest's reset under the register lock, which the
 * engines take.
 */
#define MVGPU_DIRTY_BATCH	16

struct mvgpu_dirty_batch {
	unsigned int n;
	struct mvgpu_dirty_range r[MVGPU_DIRTY_BATCH];
};

/*
 * Set the batch's pages in the VMM's bitmap, with no mvgpu lock held. On
 * 6.9 and later one iova_bitmap_set() call walks (and pins) the bitmap of
 * its whole range: a range of the overflow report may span the VMM's whole
 * address space, so ranges are set MVGPU_DIRTY_CHUNK at a time (32 KiB of
 * bitmap at 4 KiB pages), with a chance to reschedule in between, and a
 * fatal signal ends the report.
 *
 * Return: 0, or -EINTR when a fatal signal is pending.
 */
#define MVGPU_DIRTY_CHUNK	SZ_1G
static int mvgpu_dirty_batch_set(struct iova_bitmap *bits,
				 struct mvgpu_dirty_batch *b)
{
	unsigned int i, n = b->n;
	u64 s, len;

	b->n = 0;
	for (i = 0; i < n; i++) {
		for (s = b->r[i].start; ; s += len) {
			len = min_t(u64, b->r[i].last - s, MVGPU_DIRTY_CHUNK - 1) + 1;
			iova_bitmap_set(bits, s, len);
			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
			if (s + len - 1 == b->r[i].last)
				break;
		}
	}
	return 0;
}

/*
 * Every page of the started ranges in [@first, @last] is dirty.
 * Return: 0, or -EINTR (mvgpu_dirty_batch_set()).
 */
static int mvgpu_dirty_report_all(struct mvgpu_dirty *d,
				  struct iova_bitmap *bits,
				  unsigned long first, unsigned long last)
{
	struct mvgpu_dirty_batch b = { 0 };
	unsigned int i = 0;
	bool more;
	int ret;

	do {
		mutex_lock(&d->lock);
		for (; i < d->nr_ranges && b.n < MVGPU_DIRTY_BATCH; i++) {
			u64 s = max_t(u64, first, d->ranges[i].start);
			u64 e = min_t(u64, last, d->ranges[i].last);

			if (s <= e)
				b.r[b.n++] = (struct mvgpu_dirty_range) {
					.start = s, .last = e,
				};
		}
		more = i < d->nr_ranges;
		mutex_unlock(&d->lock);
		ret = mvgpu_dirty_batch_set(bits, &b);
		if (ret)
			return ret;
	} while (more);
	return 0;
}

/*
 * Take up to a batch of the pages logged in [@first, @last], from group
 * *@index on, out of the log; a page [@first, @last] ends in stays for
 * the next report. Caller holds dirty.lock. Return: the batch is full,
 * more may follow from *@index.
 */
static bool mvgpu_dirty_take(struct mvgpu_dirty *d, unsigned long *index,
			     u64 first, u64 last, struct mvgpu_dirty_batch *b)
{
	bool full = false;
	void *entry;

	xa_for_each_range(&d->pages, *index, entry, *index,
			  last >> (PAGE_SHIFT + MVGPU_DIRTY_GROUP_SHIFT)) {
		unsigned long mask = xa_to_value(entry), left = mask;
		unsigned long bit;

		for_each_set_bit(bit, &mask, MVGPU_DIRTY_GROUP) {
			u64 s = ((u64)*index << MVGPU_DIRTY_GROUP_SHIFT | bit) <<
				PAGE_SHIFT;
			u64 e = s + PAGE_SIZE - 1;
			struct mvgpu_dirty_range *r = b->n ? &b->r[b->n - 1] : NULL;
			bool whole = s >= first && e <= last;

			if (e < first || s > last)
				continue;
			s = max_t(u64, s, first);
			if (r && r->last + 1 == s) {
				r->last = min_t(u64, e, last);
			} else if (b->n < MVGPU_DIRTY_BATCH) {
				r = &b->r[b->n++];
				r->start = s;
				r->last = min_t(u64, e, last);
			} else {
				full = true;	/* the rest of the group: next */
				break;
			}
			/*
			 * Forgotten only when reported whole: a page the call
			 * begins or ends in stays for the next report.
			 */
			if (whole)
				left &= ~BIT(bit);
		}
		if (left != mask && left) {
			/* replaces a present entry: allocates nothing */
			xa_store(&d->pages, *index, xa_mk_value(left),
				 GFP_KERNEL);
		} else if (left != mask) {
			xa_erase(&d->pages, *index);
			d->nr_groups--;
		}
		if (full)
			return true;
	}
	return false;
}

/*
 * A REPORT: on 6.1 the core calls this for consecutive windows of the
 * VMM's bitmap, each pinned before; on 6.12 and 7.3 once for the whole
 * range, and iova_bitmap_set() pins as it goes.
 */
static int mvgpu_log_read_and_clear(struct vfio_device *vdev,
				    unsigned long iova, unsigned long length,
				    struct iova_bitmap *bits)
{
	struct mvgpu_vgpu *vgpu = vdev_to_vgpu(vdev);
	struct mvgpu_dirty *d = &vgpu->dirty;
	struct mvgpu_dirty_batch b = { 0 };
	unsigned long last, index;
	bool logging, meets, more;
	int ret;

	if (!length)
		return 0;
	/* the core checked that iova + length does not pass ULONG_MAX */
	last = iova + length - 1;
	/*
	 * A window outside every started range costs no shadow_lock: a
	 * report over the whole address space is many windows.
	 */
	mutex_lock(&d->lock);
	logging = d->logging;
	meets = logging && mvgpu_dirty_meets_ranges(d, iova, last);
	mutex_unlock(&d->lock);
	if (!logging)
		return -EINVAL;
	if (!meets)
		return 0;

	mvgpu_shadow_lock(vgpu);
	mutex_lock(&d->lock);
	logging = d->logging;	/* not stopped meanwhile */
	/*
	 * No engine runs the vGPU now: every write it made has landed. The
	 * backend calls back without sleeping: no reclaim (as in collect).
	 */
	if (logging)
		mvgpu_dirty_walk_all(vgpu, GFP_NOWAIT | __GFP_ACCOUNT |
				     __GFP_NOWARN, true);
	more = d->overflow;
	mutex_unlock(&d->lock);
	mvgpu_shadow_unlock(vgpu);
	if (!logging)
		return -EINVAL;

	if (more) {
		ret = mvgpu_dirty_report_all(d, bits, iova, last);
		if (ret)
			return ret;
	}
	index = iova >> (PAGE_SHIFT + MVGPU_DIRTY_GROUP_SHIFT);
	do {
		mutex_lock(&d->lock);
		more = mvgpu_dirty_take(d, &index, iova, last, &b);
		mutex_unlock(&d->lock);
		/*
		 * Taken out of the log: a fatal signal loses these pages,
		 * and the VMM with them (its migration fails anyway).
		 */
		ret = mvgpu_dirty_batch_set(bits, &b);
		if (ret)
			return ret;
	} while (more);
	return 0;
}

static const struct vfio_log_ops mvgpu_log_ops = {
	.log_start = mvgpu_log_start,
	.log_stop = mvgpu_log_stop,
	.log_read_and_clear = mvgpu_log_read_and_clear,
};

#else /* !MVGPU_HAVE_IOVA_BITMAP */

void mvgpu_dirty_collect(struct mvgpu_vgpu *vgpu, struct mvgpu_shadow *sh,
			 u64 start, u64 end)
{
}

void mvgpu_dirty_stop(struct mvgpu_vgpu *vgpu)
{
}

#endif

/**
 * mvgpu_dirty_init() - offer DMA logging where the kernel can report it
 * @vgpu: the vGPU, before its vfio device is registered (log_ops is a
 *	static property of a vfio device)
 *
 * Only with iova_bitmap exported by the kernel, and a backend whose MMU
 * records writes (pt_written).
 */
void mvgpu_dirty_init(struct mvgpu_vgpu *vgpu)
{
	mutex_init(&vgpu->dirty.lock);
	xa_init(&vgpu->dirty.pages);
#ifdef MVGPU_HAVE_IOVA_BITMAP
	if (vgpu->gpu->ops->pt_written)
		vgpu->vdev.log_ops = &mvgpu_log_ops;
#endif
}

/**
 * mvgpu_dirty_fini() - free what DMA logging holds
 * @vgpu: the vGPU, being released: no ioctl, no engine, no shadow work
 */
void mvgpu_dirty_fini(struct mvgpu_vgpu *vgpu)
{
	xa_destroy(&vgpu->dirty.pages);
	kfree(vgpu->dirty.ranges);
	vgpu->dirty.ranges = NULL;
	mutex_destroy(&vgpu->dirty.lock);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu_sim: the model GPU's MMU.
 *
 * A page table of the model maps 4 KiB GPU pages to host pages (system
 * memory pinned by the mediator, or the GPU's own VRAM pages), and 2 MiB
 * GPU pages to 2 MiB of VRAM. Each size is an xarray indexed by GPU page
 * number of its size; a 4 KiB value packs the page frame number with the
 * entry flags, or, for an entry that is not present, the fault reason to
 * report; a 2 MiB value packs the first VRAM page's index with the flags.
 * A 4 KiB entry takes precedence over a 2 MiB one covering it.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <uapi/linux/mvgpu.h>

#include "sim.h"

#define SIM_PTE_FLAG_BITS	4
#define SIM_PTE_FLAGS		GENMASK(SIM_PTE_FLAG_BITS - 1, 0)
#define SIM_LARGE_SHIFT		MVGPU_LARGE_PAGE_SHIFT
#define SIM_LARGE_PAGES		(1ul << (SIM_LARGE_SHIFT - PAGE_SHIFT))
/*
 * The dirty bit of a 4 KiB system-memory entry: set by the engine's first
 * write translation through it, read and cleared by sim_pt_written().
 */
#define SIM_PTE_WRITTEN		XA_MARK_0

/**
 * struct mvgpu_pt - a page table of the model
 * @sim: the GPU whose VRAM the table maps
 * @entries: 4 KiB GPU page number -> packed entry (xa_mk_value()); the
 *	xarray's own lock protects it
 * @large: 2 MiB GPU page number -> packed 2 MiB VRAM entry; likewise
 * @nr_entries: entries in @entries and @large; changed and read only by
 *	the table's user, which never changes a table from two threads at
 *	once
 */
struct mvgpu_pt {
	struct sim_gpu *sim;
	struct xarray entries;
	struct xarray large;
	unsigned long nr_entries;
};

/**
 * sim_pt_create() - allocate an empty page table
 * @priv: the simulated GPU
 *
 * Return: the table, or NULL when out of memory.
 */
struct mvgpu_pt *sim_pt_create(void *priv)
{
	struct mvgpu_pt *pt = kzalloc(sizeof(*pt), GFP_KERNEL);

	if (pt) {
		pt->sim = priv;
		xa_init(&pt->entries);
		xa_init(&pt->large);
	}
	return pt;
}

/**
 * sim_pt_destroy() - free a page table
 * @priv: the simulated GPU
 * @pt: the table
 */
void sim_pt_destroy(void *priv, struct mvgpu_pt *pt)
{
	if (!pt)
		return;
	xa_destroy(&pt->entries);
	xa_destroy(&pt->large);
	kfree(pt);
}

/* Set the 2 MiB VRAM entry of @va (MVGPU_SPTE_LARGE). */
static int sim_pt_set_large(struct sim_gpu *sim, struct mvgpu_pt *pt, u64 va,
			    const struct mvgpu_spte *spte)
{
	unsigned long index = va >> SIM_LARGE_SHIFT;
	unsigned long first = spte->vram_offset >> PAGE_SHIFT;
	void *old;

	if (!IS_ALIGNED(va, 1ull << SIM_LARGE_SHIFT) ||
	    (spte->flags & (MVGPU_SPTE_PRESENT | MVGPU_SPTE_VRAM)) !=
	    (MVGPU_SPTE_PRESENT | MVGPU_SPTE_VRAM) ||
	    !IS_ALIGNED(spte->vram_offset, PAGE_SIZE) ||
	    first >= sim->nr_pages || sim->nr_pages - first < SIM_LARGE_PAGES)
		return -EINVAL;
	old = xa_store(&pt->large, index,
		       xa_mk_value(first << SIM_PTE_FLAG_BITS |
				   (spte->flags & (MVGPU_SPTE_PRESENT |
						   MVGPU_SPTE_WRITABLE))),
		       GFP_KERNEL);
	if (xa_is_err(old))
		return xa_err(old);
	if (!old)
		pt->nr_entries++;
	return 0;
}

/**
 * sim_pt_set() - set one entry
 * @priv: the simulated GPU
 * @pt: the table
 * @va: page-aligned GPU VA (2 MiB aligned for MVGPU_SPTE_LARGE)
 * @spte: what to map there
 *
 * Return: 0, -EINVAL for a VRAM offset outside the GPU or a bad 2 MiB
 * entry, or -ENOMEM.
 */
int sim_pt_set(void *priv, struct mvgpu_pt *pt, u64 va,
	       const struct mvgpu_spte *spte)
{
	struct sim_gpu *sim = priv;
	unsigned long index = va >> PAGE_SHIFT;
	unsigned long packed;
	void *old;

	if (spte->flags & MVGPU_SPTE_LARGE)
		return sim_pt_set_large(sim, pt, va, spte);
	if (spte->flags & MVGPU_SPTE_PRESENT) {
		unsigned long frame;

		if (spte->flags & MVGPU_SPTE_VRAM) {
			/* VRAM entries hold the page's index into sim->vram */
			frame = spte->vram_offset >> PAGE_SHIFT;
			if (frame >= sim->nr_pages)
				return -EINVAL;
		} else {
			frame = page_to_pfn(spte->page);
		}
		packed = (frame << SIM_PTE_FLAG_BITS) |
			 (spte->flags & SIM_PTE_FLAGS);
	} else if (spte->fault_reason) {
		packed = (unsigned long)spte->fault_reason << SIM_PTE_FLAG_BITS;
	} else {
		if (xa_erase(&pt->entries, index))
			pt->nr_entries--;
		return 0;
	}
	old = xa_store(&pt->entries, index, xa_mk_value(packed), GFP_KERNEL);
	if (xa_is_err(old))
		return xa_err(old);
	/* a new entry has not been written through (xa_store keeps marks) */
	xa_clear_mark(&pt->entries, index, SIM_PTE_WRITTEN);
	if (!old)
		pt->nr_entries++;
	return 0;
}

/* Erase every entry of @xa in [@first, @last]. */
static void sim_pt_erase(struct mvgpu_pt *pt, struct xarray *xa,
			 unsigned long first, unsigned long last)
{
	unsigned long index;
	void *entry;

	xa_for_each_range(xa, index, entry, first, last) {
		xa_erase(xa, index);
		pt->nr_entries--;
	}
}

/**
 * sim_pt_clear_range() - remove the entries of a VA range
 * @priv: the simulated GPU
 * @pt: the table
 * @va: page-aligned start
 * @size: bytes, page multiple
 *
 * A 2 MiB entry that overlaps the range goes as a whole.
 */
void sim_pt_clear_range(void *priv, struct mvgpu_pt *pt, u64 va, u64 size)
{
	if (!size)
		return;
	sim_pt_erase(pt, &pt->entries, va >> PAGE_SHIFT,
		     (va + size - 1) >> PAGE_SHIFT);
	sim_pt_erase(pt, &pt->large, va >> SIM_LARGE_SHIFT,
		     (va + size - 1) >> SIM_LARGE_SHIFT);
}

/**
 * sim_pt_entries() - how many entries a table holds
 * @priv: the simulated GPU
 * @pt: the table
 *
 * Return: the number of entries, present or carrying a fault reason; a
 * 2 MiB entry counts once.
 */
unsigned long sim_pt_entries(void *priv, struct mvgpu_pt *pt)
{
	return pt->nr_entries;
}

/* VRAM page @idx, marked dirty for migration when written. */
static u32 sim_vram_page(struct sim_gpu *sim, unsigned long idx, bool write,
			 struct page **page)
{
	if (write && !test_bit(idx, sim->vram_dirty))
		set_bit(idx, sim->vram_dirty);
	*page = sim->vram[idx];
	return 0;
}

/**
 * sim_pt_translate() - what the MMU does on an engine access
 * @pt: the context's table
 * @va: GPU VA accessed
 * @write: the access is a write
 * @page: set to the page mapped at @va on success
 *
 * Return: 0, or the MVGPU_FAULT_* reason the access faults with.
 */
u32 sim_pt_translate(struct mvgpu_pt *pt, u64 va, bool write,
		     struct page **page)
{
	unsigned long packed;
	void *entry;

	if (va >> MVGPU_VA_BITS)
		return MVGPU_FAULT_NOT_PRESENT;
	entry = xa_load(&pt->entries, va >> PAGE_SHIFT);
	if (!entry) {
		entry = xa_load(&pt->large, va >> SIM_LARGE_SHIFT);
		if (!entry)
			return MVGPU_FAULT_NOT_PRESENT;
		packed = xa_to_value(entry);
		if (write && !(packed & MVGPU_SPTE_WRITABLE))
			return MVGPU_FAULT_WRITE;
		return sim_vram_page(pt->sim, (packed >> SIM_PTE_FLAG_BITS) +
				     ((va >> PAGE_SHIFT) & (SIM_LARGE_PAGES - 1)),
				     write, page);
	}
	packed = xa_to_value(entry);
	if (!(packed & MVGPU_SPTE_PRESENT))
		return packed >> SIM_PTE_FLAG_BITS ?: MVGPU_FAULT_NOT_PRESENT;
	if (write && !(packed & MVGPU_SPTE_WRITABLE))
		return MVGPU_FAULT_WRITE;
	if (packed & MVGPU_SPTE_VRAM)
		return sim_vram_page(pt->sim, packed >> SIM_PTE_FLAG_BITS, write,
				     page);
	if (write && !xa_get_mark(&pt->entries, va >> PAGE_SHIFT,
				  SIM_PTE_WRITTEN))
		xa_set_mark(&pt->entries, va >> PAGE_SHIFT, SIM_PTE_WRITTEN);
	*page = pfn_to_page(packed >> SIM_PTE_FLAG_BITS);
	return 0;
}

/**
 * sim_pt_written() - report and forget the system pages engines wrote
 * @priv: the simulated GPU
 * @pt: the table
 * @va: page-aligned start
 * @size: bytes, page multiple
 * @fn: called with @arg and the VA of each entry written through
 * @arg: for @fn
 */
void sim_pt_written(void *priv, struct mvgpu_pt *pt, u64 va, u64 size,
		    void (*fn)(void *arg, u64 va), void *arg)
{
	unsigned long index = va >> PAGE_SHIFT, last;
	void *entry;

	if (!size)
		return;
	last = (va + size - 1) >> PAGE_SHIFT;
	for (entry = xa_find(&pt->entries, &index, last, SIM_PTE_WRITTEN);
	     entry;
	     entry = xa_find_after(&pt->entries, &index, last,
				   SIM_PTE_WRITTEN)) {
		xa_clear_mark(&pt->entries, index, SIM_PTE_WRITTEN);
		fn(arg, (u64)index << PAGE_SHIFT);
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu_sim: the model GPU's MMU.
 *
 * A page table of the model maps 4 KiB GPU pages to host pages (system
 * memory pinned by the mediator, or the GPU's own VRAM pages). It is an
 * xarray indexed by GPU page number; each value packs the page frame
 * number with the entry flags, or, for an entry that is not present, the
 * fault reason to report.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <uapi/linux/mvgpu.h>

#include "sim.h"

#define SIM_PTE_FLAG_BITS	4
#define SIM_PTE_FLAGS		GENMASK(SIM_PTE_FLAG_BITS - 1, 0)

/**
 * struct mvgpu_pt - a page table of the model
 * @entries: GPU page number -> packed entry (xa_mk_value()); the xarray's
 *	own lock protects it
 * @nr_entries: entries in @entries; changed and read only by the table's
 *	user, which never changes a table from two threads at once
 */
struct mvgpu_pt {
	struct xarray entries;
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

	if (pt)
		xa_init(&pt->entries);
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
	kfree(pt);
}

/**
 * sim_pt_set() - set one 4 KiB entry
 * @priv: the simulated GPU
 * @pt: the table
 * @va: page-aligned GPU VA
 * @spte: what to map there
 *
 * Return: 0, -EINVAL for a VRAM offset outside the GPU, -ENOSPC for a new
 * entry with MVGPU_SPTE_NO_NEW, or -ENOMEM.
 */
int sim_pt_set(void *priv, struct mvgpu_pt *pt, u64 va,
	       const struct mvgpu_spte *spte)
{
	struct sim_gpu *sim = priv;
	unsigned long index = va >> PAGE_SHIFT;
	unsigned long packed;
	void *old;

	if ((spte->flags & MVGPU_SPTE_NO_NEW) &&
	    (spte->flags & MVGPU_SPTE_PRESENT || spte->fault_reason) &&
	    !xa_load(&pt->entries, index))
		return -ENOSPC;
	if (spte->flags & MVGPU_SPTE_PRESENT) {
		unsigned long pfn;

		if (spte->flags & MVGPU_SPTE_VRAM) {
			if (spte->vram_offset >> PAGE_SHIFT >= sim->nr_pages)
				return -EINVAL;
			pfn = page_to_pfn(sim->vram[spte->vram_offset >> PAGE_SHIFT]);
		} else {
			pfn = page_to_pfn(spte->page);
		}
		packed = (pfn << SIM_PTE_FLAG_BITS) |
			 (spte->flags & SIM_PTE_FLAGS & ~MVGPU_SPTE_NO_NEW);
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
	if (!old)
		pt->nr_entries++;
	return 0;
}

/**
 * sim_pt_clear_range() - remove the entries of a VA range
 * @priv: the simulated GPU
 * @pt: the table
 * @va: page-aligned start
 * @size: bytes, page multiple
 */
void sim_pt_clear_range(void *priv, struct mvgpu_pt *pt, u64 va, u64 size)
{
	unsigned long first = va >> PAGE_SHIFT;
	unsigned long last = (va + size - 1) >> PAGE_SHIFT;
	unsigned long index;
	void *entry;

	if (!size)
		return;
	xa_for_each_range(&pt->entries, index, entry, first, last) {
		xa_erase(&pt->entries, index);
		pt->nr_entries--;
	}
}

/**
 * sim_pt_entries() - how many entries a table holds
 * @priv: the simulated GPU
 * @pt: the table
 *
 * Return: the number of entries, present or carrying a fault reason.
 */
unsigned long sim_pt_entries(void *priv, struct mvgpu_pt *pt)
{
	return pt->nr_entries;
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
	if (!entry)
		return MVGPU_FAULT_NOT_PRESENT;
	packed = xa_to_value(entry);
	if (!(packed & MVGPU_SPTE_PRESENT))
		return packed >> SIM_PTE_FLAG_BITS ?: MVGPU_FAULT_NOT_PRESENT;
	if (write && !(packed & MVGPU_SPTE_WRITABLE))
		return MVGPU_FAULT_WRITE;
	*page = pfn_to_page(packed >> SIM_PTE_FLAG_BITS);
	return 0;
}

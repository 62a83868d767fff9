// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu mediator: BAR2 mappings, the VMM's direct access to a vGPU's VRAM.
 *
 * A mapping is a PFN mapping (VM_IO | VM_PFNMAP): its page table entries
 * are inserted by the fault handler from the PFN the backend gives for
 * each VRAM page (vram_pfn), and no struct page reference is ever handed
 * out, so get_user_pages() fails on it (vmsplice, O_DIRECT, io_uring fixed
 * buffers, process_vm_readv, /proc/PID/mem) and nothing can keep a VRAM
 * page once the mapping is gone. A mapping holds the device file, and the
 * vGPU outlives its file, so no mapping outlives the vGPU either; within
 * the vGPU's life, mvgpu_vram_revoke() zaps every mapping at each reset
 * and close.
 *
 * Writes are seen for live migration: the mapping is shared and has a
 * pfn_mkwrite hook, so the core maps pages read-only (vm_page_prot without
 * write, vma_wants_writenotify()); a read fault inserts the page read-only
 * and the first write then calls pfn_mkwrite, and a write fault on a page
 * not mapped yet inserts it writable after recording the write. Each
 * pre-copy pass zaps the mappings again (mig_save.c), so the next write
 * to each page is recorded again.
 */
#include <linux/mm.h>

#include "mvgpu_drv.h"

/* Page offset of the mapping's file position @pgoff in BAR2. */
static u64 mvgpu_vram_page(pgoff_t pgoff)
{
	return pgoff - (MVGPU_REGION_BASE(VFIO_PCI_BAR2_REGION_INDEX) >>
			PAGE_SHIFT);
}

static vm_fault_t mvgpu_vram_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mvgpu_vgpu *vgpu = vma->vm_private_data;
	struct mvgpu_gpu *gpu = vgpu->gpu;
	u64 page = mvgpu_vram_page(vmf->pgoff);
	pgprot_t prot = vma->vm_page_prot;
	unsigned long pfn;

	/* mmap checked the range; a page past it wraps to a large number */
	if (page >= vgpu->vram_size >> PAGE_SHIFT)
		return VM_FAULT_SIGBUS;
	if (gpu->ops->vram_pfn(gpu->priv,
			       vgpu->vram_offset + (page << PAGE_SHIFT), &pfn))
		return VM_FAULT_SIGBUS;

	/*
	 * vm_page_prot is read-only (write notify), so a read fault maps the
	 * page read-only and the first write calls pfn_mkwrite. A write
	 * fault maps it writable at once, recorded before the entry exists:
	 * with the protection of a shared writable mapping, which differs
	 * from vm_page_prot in the write bit alone (mmap sets no cache
	 * attribute of its own).
	 */
	if (vmf->flags & FAULT_FLAG_WRITE) {
		mvgpu_mig_vram_written(vgpu, page << PAGE_SHIFT, PAGE_SIZE);
		prot = vm_get_page_prot(vma->vm_flags);
	}
	return vmf_insert_pfn_prot(vma, vmf->address, pfn, prot);
}

/*
 * First write to a page mapped read-only: recorded for a live migration
 * before the core makes the entry writable.
 */
static vm_fault_t mvgpu_vram_pfn_mkwrite(struct vm_fault *vmf)
{
	struct mvgpu_vgpu *vgpu = vmf->vma->vm_private_data;

	mvgpu_mig_vram_written(vgpu, mvgpu_vram_page(vmf->pgoff) << PAGE_SHIFT,
			       PAGE_SIZE);
	return 0;
}

static const struct vm_operations_struct mvgpu_vram_vm_ops = {
	.fault = mvgpu_vram_fault,
	.pfn_mkwrite = mvgpu_vram_pfn_mkwrite,
};

/**
 * mvgpu_vram_mmap() - set up a user mapping of a vGPU's BAR2
 * @vgpu: the vGPU
 * @vma: the new mapping of the vGPU's device file
 *
 * The mapping must be shared and lie within BAR2. Pages are mapped by the
 * fault handler, as PFNs.
 *
 * Return: 0 or -EINVAL.
 */
int mvgpu_vram_mmap(struct mvgpu_vgpu *vgpu, struct vm_area_struct *vma)
{
	u64 pos = (u64)vma->vm_pgoff << PAGE_SHIFT;
	u64 off = MVGPU_REGION_OFFSET(pos);
	u64 len = vma->vm_end - vma->vm_start;

	if (!MVGPU_VRAM_MMAP ||
	    MVGPU_REGION_INDEX(pos) != VFIO_PCI_BAR2_REGION_INDEX)
		return -EINVAL;
	/* a private mapping would copy VRAM pages on write: not a PFN map */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (off >= vgpu->vram_size || len > vgpu->vram_size - off)
		return -EINVAL;

	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &mvgpu_vram_vm_ops;
	vma->vm_private_data = vgpu;
	return 0;
}

/**
 * mvgpu_vram_revoke() - remove every user mapping of a vGPU's VRAM pages
 * @vgpu: the vGPU
 *
 * Zaps the BAR2 range of every mapping of the vGPU's device file, in every
 * process: accesses through them until now are over when it returns, and
 * the next access faults the page in afresh (read-only for a read, so the
 * next write is seen again by migration's dirty tracking). The mappings
 * themselves stay.
 *
 * Before 6.10 BAR2 cannot be mapped (MVGPU_VRAM_MMAP), so there is
 * nothing to zap.
 *
 * Context: process context; may sleep. Takes no lock of the mediator, so
 * it may be called holding any of them.
 */
void mvgpu_vram_revoke(struct mvgpu_vgpu *vgpu)
{
#ifdef MVGPU_HAVE_VFIO_DEVICE_INODE
	unmap_mapping_range(vgpu->vdev.inode->i_mapping,
			    MVGPU_REGION_BASE(VFIO_PCI_BAR2_REGION_INDEX),
			    vgpu->vram_size, true);
#endif
}

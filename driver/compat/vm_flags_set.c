// SPDX-License-Identifier: GPL-2.0
/* Probe (6.3): vma->vm_flags is changed through vm_flags_set() only. */
#include <linux/mm.h>

static void __maybe_unused probe(struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_IO);
}

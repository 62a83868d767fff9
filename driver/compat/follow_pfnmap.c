// SPDX-License-Identifier: GPL-2.0
/* Probe (6.12): follow_pfnmap_start() replaces follow_pte(). */
#include <linux/mm.h>

static int __maybe_unused probe(struct vm_area_struct *vma)
{
	struct follow_pfnmap_args args = { .vma = vma };

	return follow_pfnmap_start(&args);
}

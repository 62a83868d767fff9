/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvgpu mediator: what shadow.c (the tables, pins and dead ranges) and
 * shadow_fill.c (the fill worker) share. Included by those two, and by
 * dirty_log.c for the pin record (SHADOW_PIN_GPA) and the backend ops.
 */
#ifndef _MVGPU_SHADOW_H
#define _MVGPU_SHADOW_H

#include "mvgpu_drv.h"

#define SHADOW_PT_SHIFT(level)		(MVGPU_PAGE_SHIFT + 9 * (level))
#define SHADOW_PT_INDEX(va, level) \
	(((va) >> SHADOW_PT_SHIFT(level)) & (MVGPU_PT_ENTRIES - 1))
#define SHADOW_VA_END			BIT_ULL(MVGPU_VA_BITS)
#define SHADOW_LARGE_SIZE		BIT_ULL(MVGPU_LARGE_PAGE_SHIFT)

/* Tracked value of a pinned shadow entry: GPA page number and writable. */
#define SHADOW_PIN_VALUE(gpa, w)	(((gpa) >> MVGPU_PAGE_SHIFT) << 1 | (w))
#define SHADOW_PIN_GPA(v)		(((v) >> 1) << MVGPU_PAGE_SHIFT)
/* A pinned entry no longer in the backend's table, to be unpinned. */
#define SHADOW_PIN_ZOMBIE		XA_MARK_1

static inline const struct mvgpu_backend_ops *
mvgpu_shadow_ops(struct mvgpu_vgpu *vgpu)
{
	return vgpu->gpu->ops;
}

/* shadow.c */
void mvgpu_shadow_account(struct mvgpu_vgpu *vgpu, struct mvgpu_shadow *sh);
void mvgpu_shadow_clear_range(struct mvgpu_vgpu *vgpu,
			      struct mvgpu_shadow *sh, u64 start, u64 end);
void mvgpu_shadow_unpin(struct mvgpu_vgpu *vgpu, u64 gpa);
void mvgpu_shadow_reap_locked(struct mvgpu_vgpu *vgpu);
bool mvgpu_shadow_gpa_dead(struct mvgpu_vgpu *vgpu, u64 gpa);

/* shadow_fill.c */
int mvgpu_shadow_fill_init(struct mvgpu_vgpu *vgpu);
void mvgpu_shadow_fill_fini(struct mvgpu_vgpu *vgpu);
void mvgpu_shadow_fill_queue(struct mvgpu_vgpu *vgpu);

#endif /* _MVGPU_SHADOW_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libmvgpu_accel's user-space backend: the vGPU opened through VFIO and
 * driven by this process, as mvgpu_accel.ko drives it in a VM (one
 * context, its page table, ring and fence page). libmvgpu_accel.c calls
 * these for a struct mva_dev opened on "vfio:UUID".
 */
#ifndef _LIBMVGPU_ACCEL_VFIO_H
#define _LIBMVGPU_ACCEL_VFIO_H

#include <stdint.h>

struct mva_vfio;
struct mva_bo;

/* The prefix of a device path that selects this backend. */
#define MVA_VFIO_PREFIX		"vfio:"

int mva_vfio_open(struct mva_vfio **vp, const char *uuid);
void mva_vfio_close(struct mva_vfio *v);
int mva_vfio_get_param(struct mva_vfio *v, uint32_t param, uint64_t *value);
int mva_vfio_bo_new(struct mva_vfio *v, uint64_t size, int vram,
		    int readonly, struct mva_bo *bo);
void mva_vfio_bo_free(struct mva_vfio *v, struct mva_bo *bo);
int mva_vfio_submit(struct mva_vfio *v, const uint32_t *dw, uint32_t ndw,
		    uint64_t *seqno);
int mva_vfio_wait(struct mva_vfio *v, uint64_t seqno, uint32_t timeout_ms,
		  uint32_t *fault_reason, uint64_t *fault_addr);

#endif /* _LIBMVGPU_ACCEL_VFIO_H */

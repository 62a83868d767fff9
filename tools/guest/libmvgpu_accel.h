/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libmvgpu_accel: a small C library over the mvgpu_accel uapi, for
 * programs running inside a VM that has an mvgpu vGPU.
 */
#ifndef _LIBMVGPU_ACCEL_H
#define _LIBMVGPU_ACCEL_H

#include <stddef.h>
#include <stdint.h>

/*
 * The command encoders, and the CPU references (libmvgpu_ref_*) that results
 * are checked against.
 */
#include "common/mvgpu_cmd.h"

struct mva_dev {
	int fd;
};

/* A buffer: GEM handle, GPU VA in this context, CPU mapping. */
struct mva_bo {
	uint32_t handle;
	uint64_t size;
	uint64_t va;
	void *cpu;
};

/* A command stream being built. */
struct mva_cmds {
	uint32_t *dw;
	uint32_t n;
	uint32_t cap;
};

int mva_open(struct mva_dev *dev, const char *path);
void mva_close(struct mva_dev *dev);
int mva_get_param(struct mva_dev *dev, uint32_t param, uint64_t *value);
int mva_bo_new(struct mva_dev *dev, uint64_t size, int vram, int readonly,
	       struct mva_bo *bo);
void mva_bo_free(struct mva_dev *dev, struct mva_bo *bo);
int mva_submit(struct mva_dev *dev, const struct mva_cmds *c,
	       uint64_t *seqno);
int mva_wait(struct mva_dev *dev, uint64_t seqno, uint32_t timeout_ms,
	     uint32_t *fault_reason, uint64_t *fault_addr);

void mva_cmds_init(struct mva_cmds *c);
void mva_cmds_free(struct mva_cmds *c);
void mva_cmds_reset(struct mva_cmds *c);
void mva_emit_copy(struct mva_cmds *c, uint64_t src, uint64_t dst,
		   uint64_t size);
void mva_emit_fill(struct mva_cmds *c, uint64_t dst, uint64_t size,
		   uint32_t pattern);
void mva_emit_gemm(struct mva_cmds *c, uint64_t a, uint64_t b, uint64_t cm,
		   uint32_t m, uint32_t n, uint32_t k);
void mva_emit_hash(struct mva_cmds *c, uint64_t src, uint64_t size,
		   uint64_t dst);
void mva_emit_timestamp(struct mva_cmds *c, uint64_t va);

#endif /* _LIBMVGPU_ACCEL_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvgpu command encoding and the CPU references of the compute kernels,
 * shared by the host tools (tools/lib, through the VFIO device) and the
 * guest userspace (tools/guest, through the mvgpu_accel driver): one
 * encoder per command of include/uapi/linux/mvgpu.h.
 *
 * Each libmvgpu_cmd_*() writes one command into dw[] (which must hold
 * LIBMVGPU_CMD_NDW_MAX dwords) and returns its length in dwords.
 */
#ifndef LIBMVGPU_CMD_H
#define LIBMVGPU_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/mvgpu.h>

/* The longest command an encoder writes. */
#define LIBMVGPU_CMD_NDW_MAX	MVGPU_CMD_NDW_GEMM

unsigned int libmvgpu_cmd_fence(uint32_t *dw, uint64_t va, uint64_t value,
				bool irq);
unsigned int libmvgpu_cmd_copy(uint32_t *dw, uint64_t src, uint64_t dst,
			       uint64_t size);
unsigned int libmvgpu_cmd_fill(uint32_t *dw, uint64_t dst, uint64_t size,
			       uint32_t pattern);
unsigned int libmvgpu_cmd_gemm(uint32_t *dw, uint64_t a, uint64_t b, uint64_t c,
			       uint32_t m, uint32_t n, uint32_t k);
unsigned int libmvgpu_cmd_hash(uint32_t *dw, uint64_t src, uint64_t size,
			       uint64_t dst);
unsigned int libmvgpu_cmd_wait(uint32_t *dw, uint64_t va, uint64_t value);
unsigned int libmvgpu_cmd_timestamp(uint32_t *dw, uint64_t va);

/*
 * CPU references of the compute kernels: C = A x B of int32 matrices
 * (m x k times k x n, row major, wrapping like the engine), and FNV-1a
 * 64 over bytes.
 */
void libmvgpu_ref_gemm_i32(const int32_t *a, const int32_t *b, int32_t *c,
			   uint32_t m, uint32_t n, uint32_t k);
uint64_t libmvgpu_ref_fnv1a64(const void *buf, size_t len);

#endif /* LIBMVGPU_CMD_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu command encoding and CPU references (see mvgpu_cmd.h).
 */
#include "mvgpu_cmd.h"

/* Store a 64-bit operand as two dwords, low first, at dw[i]. */
static void put64(uint32_t *dw, unsigned int i, uint64_t v)
{
	dw[i] = (uint32_t)v;
	dw[i + 1] = (uint32_t)(v >> 32);
}

/* FENCE and WAIT share one layout: header, 64-bit VA, 64-bit value. */
static unsigned int cmd_va_value(uint32_t *dw, uint32_t op, uint32_t flags,
				 unsigned int ndw, uint64_t va, uint64_t value)
{
	dw[0] = MVGPU_CMD_HDR(op, flags, ndw);
	put64(dw, 1, va);
	put64(dw, 3, value);
	return ndw;
}

unsigned int libmvgpu_cmd_fence(uint32_t *dw, uint64_t va, uint64_t value,
				bool irq)
{
	return cmd_va_value(dw, MVGPU_CMD_FENCE,
			    irq ? MVGPU_CMD_FLAG_IRQ : 0, MVGPU_CMD_NDW_FENCE,
			    va, value);
}

unsigned int libmvgpu_cmd_copy(uint32_t *dw, uint64_t src, uint64_t dst,
			       uint64_t size)
{
	dw[0] = MVGPU_CMD_HDR(MVGPU_CMD_COPY, 0, MVGPU_CMD_NDW_COPY);
	put64(dw, 1, src);
	put64(dw, 3, dst);
	put64(dw, 5, size);
	return MVGPU_CMD_NDW_COPY;
}

unsigned int libmvgpu_cmd_fill(uint32_t *dw, uint64_t dst, uint64_t size,
			       uint32_t pattern)
{
	dw[0] = MVGPU_CMD_HDR(MVGPU_CMD_FILL, 0, MVGPU_CMD_NDW_FILL);
	put64(dw, 1, dst);
	put64(dw, 3, size);
	dw[5] = pattern;
	return MVGPU_CMD_NDW_FILL;
}

unsigned int libmvgpu_cmd_gemm(uint32_t *dw, uint64_t a, uint64_t b, uint64_t c,
			       uint32_t m, uint32_t n, uint32_t k)
{
	dw[0] = MVGPU_CMD_HDR(MVGPU_CMD_COMPUTE, 0, MVGPU_CMD_NDW_GEMM);
	dw[1] = MVGPU_KERNEL_GEMM_I32;
	put64(dw, 2, a);
	put64(dw, 4, b);
	put64(dw, 6, c);
	dw[8] = m;
	dw[9] = n;
	dw[10] = k;
	return MVGPU_CMD_NDW_GEMM;
}

unsigned int libmvgpu_cmd_hash(uint32_t *dw, uint64_t src, uint64_t size,
			       uint64_t dst)
{
	dw[0] = MVGPU_CMD_HDR(MVGPU_CMD_COMPUTE, 0, MVGPU_CMD_NDW_HASH);
	dw[1] = MVGPU_KERNEL_HASH64;
	put64(dw, 2, src);
	put64(dw, 4, size);
	put64(dw, 6, dst);
	return MVGPU_CMD_NDW_HASH;
}

unsigned int libmvgpu_cmd_wait(uint32_t *dw, uint64_t va, uint64_t value)
{
	return cmd_va_value(dw, MVGPU_CMD_WAIT, 0, MVGPU_CMD_NDW_WAIT, va,
			    value);
}

unsigned int libmvgpu_cmd_timestamp(uint32_t *dw, uint64_t va)
{
	dw[0] = MVGPU_CMD_HDR(MVGPU_CMD_TIMESTAMP, 0, MVGPU_CMD_NDW_TIMESTAMP);
	put64(dw, 1, va);
	return MVGPU_CMD_NDW_TIMESTAMP;
}

void libmvgpu_ref_gemm_i32(const int32_t *a, const int32_t *b, int32_t *c,
			   uint32_t m, uint32_t n, uint32_t k)
{
	uint32_t i, j, l;

	for (i = 0; i < m; i++) {
		for (j = 0; j < n; j++) {
			uint32_t sum = 0;	/* unsigned: wraps, no UB */

			for (l = 0; l < k; l++)
				sum += (uint32_t)a[(size_t)i * k + l] *
				       (uint32_t)b[(size_t)l * n + j];
			c[(size_t)i * n + j] = (int32_t)sum;
		}
	}
}

uint64_t libmvgpu_ref_fnv1a64(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t h = MVGPU_FNV64_OFFSET;

	while (len--) {
		h ^= *p++;
		h *= MVGPU_FNV64_PRIME;
	}
	return h;
}

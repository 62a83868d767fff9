// SPDX-License-Identifier: GPL-2.0
/*
 * engine_lib: the userspace guest-driver library without a device: the
 * page-table builder against an independent decoder of the format, the
 * command encodings, NOP padding at the end of the ring and the CPU
 * references of the compute kernels. Runs anywhere (no vGPU needed).
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "lib/mvgpu_gpu.h"

#define RAM_IOVA	0x200000000ull
#define RAM_SIZE	(8u << 20)

FIXTURE(lib) {
	struct libmvgpu_gpu gpu;
	struct libmvgpu_pt pt;
};

FIXTURE_SETUP(lib)
{
	ASSERT_EQ(0, libmvgpu_gpu_init(&self->gpu, NULL, RAM_IOVA, RAM_SIZE));
	ASSERT_EQ(0, libmvgpu_pt_init(&self->pt, &self->gpu));
}

FIXTURE_TEARDOWN(lib)
{
	libmvgpu_gpu_fini(&self->gpu);
}

/*
 * Decode the tables as the device spec describes them, reading guest
 * memory directly: the leaf entry for va, or 0 when the walk fails.
 */
static uint64_t decode(struct libmvgpu_gpu *gpu, uint64_t root, uint64_t va,
		       int *leaf_level)
{
	uint64_t table = root;
	int level;

	for (level = 3; level >= 0; level--) {
		uint64_t *t = libmvgpu_gpu_ptr(gpu, table, 4096);
		unsigned int idx = (va >> (12 + 9 * level)) & 511;
		uint64_t e;

		if (!t)
			return 0;
		e = t[idx];
		if (!(e & 1))
			return 0;
		if (level == 0 || (level == 1 && (e & 0x80))) {
			*leaf_level = level;
			return e;
		}
		if (e & 0x84)	/* VRAM or LARGE on a table pointer */
			return 0;
		table = e & 0x000ffffffffff000ull;
	}
	return 0;
}

TEST_F(lib, map_4k)
{
	uint64_t va = 0x7f1234560000ull, gpa = RAM_IOVA + 0x100000, e, addr;
	int i, level = -1;

	ASSERT_EQ(0, libmvgpu_pt_map(&self->pt, va, gpa, 16 * 4096,
				     LIBMVGPU_MAP_WRITE));
	ASSERT_EQ(0, libmvgpu_pt_map(&self->pt, va + 16 * 4096, 0x3000, 4096,
				     LIBMVGPU_MAP_VRAM));
	for (i = 0; i < 16; i++) {
		e = decode(&self->gpu, self->pt.root, va + i * 4096ull, &level);
		ASSERT_EQ(0, level);
		ASSERT_EQ(gpa + i * 4096ull, e & MVGPU_PTE_ADDR_MASK);
		ASSERT_EQ(MVGPU_PTE_PRESENT | MVGPU_PTE_WRITABLE,
			  e & ~MVGPU_PTE_ADDR_MASK);
	}
	e = decode(&self->gpu, self->pt.root, va + 16 * 4096ull, &level);
	ASSERT_EQ(0x3000 | MVGPU_PTE_PRESENT | MVGPU_PTE_VRAM, e);
	/* neighbours stay unmapped */
	ASSERT_EQ(0, decode(&self->gpu, self->pt.root, va - 4096, &level));
	ASSERT_EQ(0, decode(&self->gpu, self->pt.root, va + 17 * 4096ull,
			    &level));
	/* the library's own walk agrees, with the page offset */
	ASSERT_EQ(0, libmvgpu_pt_translate(&self->pt, va + 5 * 4096 + 0x123,
					   &addr, &e));
	ASSERT_EQ(gpa + 5 * 4096 + 0x123, addr);
	ASSERT_EQ(-ENOENT, libmvgpu_pt_translate(&self->pt, va - 1, &addr, &e));
	/* root + one table per level below it */
	ASSERT_EQ(4, self->pt.nr_tables);
	/* tables are pages of guest RAM */
	ASSERT_EQ(0, self->pt.root & 4095);
	ASSERT_NE(NULL, libmvgpu_gpu_ptr(&self->gpu, self->pt.root, 4096));
}

TEST_F(lib, map_crosses_tables)
{
	/* 4 MiB straddling a 1 GiB boundary: two level-1 tables */
	uint64_t va = (1ull << 30) - (2ull << 20), e, off;
	int level;

	ASSERT_EQ(0, libmvgpu_pt_map(&self->pt, va, RAM_IOVA, 4ull << 20, 0));
	for (off = 0; off < (4ull << 20); off += 4096) {
		e = decode(&self->gpu, self->pt.root, va + off, &level);
		ASSERT_EQ(RAM_IOVA + off, e & MVGPU_PTE_ADDR_MASK);
		ASSERT_EQ(MVGPU_PTE_PRESENT, e & ~MVGPU_PTE_ADDR_MASK);
	}
	/* root, L2, two L1, two L0 per L1 */
	ASSERT_EQ(1 + 1 + 2 + 2, self->pt.nr_tables);
}

TEST_F(lib, map_large)
{
	uint64_t va = 0x40000000ull, e, addr;
	int level = -1;

	ASSERT_EQ(0, libmvgpu_pt_map(&self->pt, va, 0x400000, 4ull << 20,
				     LIBMVGPU_MAP_LARGE | LIBMVGPU_MAP_VRAM |
				  LIBMVGPU_MAP_WRITE));
	e = decode(&self->gpu, self->pt.root, va + 0x200000 + 0x5000, &level);
	ASSERT_EQ(1, level);
	ASSERT_EQ(0x600000 | MVGPU_PTE_PRESENT | MVGPU_PTE_WRITABLE |
		  MVGPU_PTE_VRAM | MVGPU_PTE_LARGE, e);
	ASSERT_EQ(0, libmvgpu_pt_translate(&self->pt, va + 0x212345, &addr, &e));
	ASSERT_EQ(0x612345, addr);
	/* misaligned large mappings are refused */
	ASSERT_EQ(-EINVAL, libmvgpu_pt_map(&self->pt, va + 4096, 0, 2 << 20,
					   LIBMVGPU_MAP_LARGE));
	ASSERT_EQ(-EINVAL, libmvgpu_pt_map(&self->pt, va, 4096, 2 << 20,
					   LIBMVGPU_MAP_LARGE));
	/* 4K inside a large page and a large page over a 4K table: busy */
	ASSERT_EQ(-EBUSY, libmvgpu_pt_map(&self->pt, va + 4096, 0, 4096, 0));
	ASSERT_EQ(0, libmvgpu_pt_map(&self->pt, va + (8 << 20), RAM_IOVA, 4096,
				     0));
	ASSERT_EQ(-EBUSY, libmvgpu_pt_map(&self->pt, va + (8 << 20), 0, 2 << 20,
					  LIBMVGPU_MAP_LARGE));
	/* partial unmap of a large page is refused, a whole one works */
	ASSERT_EQ(-EBUSY, libmvgpu_pt_unmap(&self->pt, va, 4096));
	ASSERT_EQ(0, libmvgpu_pt_unmap(&self->pt, va, 2 << 20));
	ASSERT_EQ(0, decode(&self->gpu, self->pt.root, va, &level));
	e = decode(&self->gpu, self->pt.root, va + (2 << 20), &level);
	ASSERT_NE(0, e);
	/* after that, 4K pages may go where the large page was */
	ASSERT_EQ(0, libmvgpu_pt_map(&self->pt, va, RAM_IOVA, 4096, 0));
	e = decode(&self->gpu, self->pt.root, va, &level);
	ASSERT_EQ(0, level);
}

TEST_F(lib, unmap_and_remap)
{
	uint64_t va = 0x100000, e;
	int level;

	ASSERT_EQ(0, libmvgpu_pt_map(&self->pt, va, RAM_IOVA, 8 * 4096, 0));
	ASSERT_EQ(0, libmvgpu_pt_unmap(&self->pt, va + 2 * 4096, 3 * 4096));
	ASSERT_NE(0, decode(&self->gpu, self->pt.root, va + 4096, &level));
	ASSERT_EQ(0, decode(&self->gpu, self->pt.root, va + 2 * 4096, &level));
	ASSERT_EQ(0, decode(&self->gpu, self->pt.root, va + 4 * 4096, &level));
	ASSERT_NE(0, decode(&self->gpu, self->pt.root, va + 5 * 4096, &level));
	/* unmapping what is not mapped is fine */
	ASSERT_EQ(0, libmvgpu_pt_unmap(&self->pt, 0x7f0000000000ull, 1 << 30));
	/* remap replaces the leaf */
	ASSERT_EQ(0, libmvgpu_pt_map(&self->pt, va, RAM_IOVA + 0x10000, 4096,
				     LIBMVGPU_MAP_WRITE));
	e = decode(&self->gpu, self->pt.root, va, &level);
	ASSERT_EQ((RAM_IOVA + 0x10000) | MVGPU_PTE_PRESENT |
		  MVGPU_PTE_WRITABLE, e);
	/* raw entry access for malformed-entry tests */
	*libmvgpu_pt_entry(&self->pt, va, 0, false) = 0x123456789000ull | 1;
	e = decode(&self->gpu, self->pt.root, va, &level);
	ASSERT_EQ(0x123456789001ull, e);
	/* bad arguments */
	ASSERT_EQ(-EINVAL, libmvgpu_pt_map(&self->pt, 0x1234, 0, 4096, 0));
	ASSERT_EQ(-EINVAL, libmvgpu_pt_map(&self->pt, 1ull << 48, 0, 4096, 0));
	ASSERT_EQ(-EINVAL, libmvgpu_pt_map(&self->pt, 0, 0, 0, 0));
}

TEST_F(lib, alloc)
{
	uint64_t gpa1, gpa2;
	void *p1, *p2;

	ASSERT_EQ(0, libmvgpu_gpu_alloc(&self->gpu, 100, 0, &gpa1, &p1));
	ASSERT_EQ(0, libmvgpu_gpu_alloc(&self->gpu, 4096, 1 << 21, &gpa2, &p2));
	ASSERT_EQ(0, gpa1 & 4095);
	ASSERT_EQ(0, gpa2 & ((1 << 21) - 1));
	ASSERT_GT(gpa2, gpa1);
	ASSERT_EQ(p2, libmvgpu_gpu_ptr(&self->gpu, gpa2, 4096));
	ASSERT_EQ(NULL, libmvgpu_gpu_ptr(&self->gpu, RAM_IOVA - 4096, 4096));
	ASSERT_EQ(NULL, libmvgpu_gpu_ptr(&self->gpu, RAM_IOVA + RAM_SIZE, 1));
	ASSERT_EQ(-ENOMEM, libmvgpu_gpu_alloc(&self->gpu, RAM_SIZE, 0, NULL,
					      NULL));
}

static uint32_t ring_dw(struct libmvgpu_ctx *c, uint32_t off)
{
	return c->ring[(off % c->ring_size) / 4];
}

/* The ring holds the n dwords of want from offset t. */
static void expect_ring(struct __test_metadata *_metadata,
			struct libmvgpu_ctx *c, uint32_t t,
			const uint32_t *want, size_t n)
{
	size_t i;

	/* braced: the harness ASSERT is two statements, the 2nd aborts */
	for (i = 0; i < n; i++) {
		ASSERT_EQ(want[i], ring_dw(c, t + 4 * i))
			TH_LOG("dword %zu of the command at %u", i, t);
	}
}

/* The command just emitted at t is made of the dwords given. */
#define ASSERT_CMD(c, t, ...) do { \
	const uint32_t __want[] = { __VA_ARGS__ }; \
	expect_ring(_metadata, (c), (t), __want, ARRAY_SIZE(__want)); \
} while (0)

TEST_F(lib, commands)
{
	struct libmvgpu_ctx c;
	uint32_t t;
	int64_t seq;

	ASSERT_EQ(0, libmvgpu_ctx_init(&c, &self->gpu, &self->pt, 3, 4096));
	ASSERT_EQ(0, c.tail);
	/* ring and fence page are mapped */
	ASSERT_EQ(0, libmvgpu_pt_translate(&self->pt, c.ring_va, NULL, NULL));
	ASSERT_EQ(0, libmvgpu_pt_translate(&self->pt, c.fence_va, NULL, NULL));

	ASSERT_EQ(0, libmvgpu_emit_nop(&c, 3));
	ASSERT_CMD(&c, 0, 0x00030000, 0);
	t = c.tail;
	ASSERT_EQ(12, t);

	ASSERT_EQ(0, libmvgpu_emit_fence(&c, 0x123456789008ull, 0x1122334455667788ull,
					 true));
	ASSERT_CMD(&c, t, 0x00050101, 0x56789008, 0x1234, 0x55667788,
		   0x11223344);
	t = c.tail;

	ASSERT_EQ(0, libmvgpu_emit_copy(&c, 0x1000, 0x200000000ull, 0x300000001ull));
	ASSERT_CMD(&c, t, 0x00070002, 0x1000, 0, 0, 2, 1, 3);
	t = c.tail;

	/* the high halves of small 64-bit operands are 0 */
	ASSERT_EQ(0, libmvgpu_emit_fill(&c, 0x4000, 0x800, 0xdeadbeef));
	ASSERT_CMD(&c, t, 0x00060003, 0x4000, 0, 0x800, 0, 0xdeadbeef);
	t = c.tail;

	ASSERT_EQ(0, libmvgpu_emit_gemm(&c, 0x1000, 0x2000, 0x3000, 7, 8, 9));
	ASSERT_CMD(&c, t, 0x000b0004, MVGPU_KERNEL_GEMM_I32, 0x1000, 0, 0x2000,
		   0, 0x3000, 0, 7, 8, 9);
	t = c.tail;

	ASSERT_EQ(0, libmvgpu_emit_hash(&c, 0x5000, 0x40, 0x6008));
	ASSERT_CMD(&c, t, 0x00080004, MVGPU_KERNEL_HASH64, 0x5000, 0, 0x40, 0,
		   0x6008, 0);
	t = c.tail;

	ASSERT_EQ(0, libmvgpu_emit_wait(&c, 0x7000, 42));
	ASSERT_CMD(&c, t, 0x00050005, 0x7000, 0, 42, 0);
	t = c.tail;

	ASSERT_EQ(0, libmvgpu_emit_timestamp(&c, 0x8008));
	ASSERT_CMD(&c, t, 0x00030006, 0x8008, 0);
	t = c.tail;

	seq = libmvgpu_ctx_fence(&c, false);
	ASSERT_EQ(1, seq);
	ASSERT_CMD(&c, t, 0x00050001, (uint32_t)c.fence_va,
		   (uint32_t)(c.fence_va >> 32), 1, 0);
	ASSERT_EQ(2, libmvgpu_ctx_fence(&c, false));
}

TEST_F(lib, ring_wrap_padding)
{
	struct libmvgpu_ctx c;
	uint32_t off;

	ASSERT_EQ(0, libmvgpu_ctx_init(&c, &self->gpu, &self->pt, 0, 4096));
	/* pretend the engine consumed everything up to 4096 - 16 */
	c.head = 4096 - 16;
	c.tail = c.head;
	ASSERT_EQ(0, libmvgpu_emit_gemm(&c, 1, 2, 3, 4, 5, 6));
	/* 4 dwords of NOP padding, then the command at 0 */
	ASSERT_EQ(MVGPU_CMD_HDR(MVGPU_CMD_NOP, 0, 4), ring_dw(&c, 4096 - 16));
	ASSERT_EQ(0x000b0004, ring_dw(&c, 0));
	ASSERT_EQ(44, c.tail);

	/* exactly fitting at the end: no padding */
	c.head = 4096 - 20;
	c.tail = c.head;
	ASSERT_EQ(0, libmvgpu_emit_fence(&c, 8, 9, false));
	ASSERT_EQ(0x00050001, ring_dw(&c, 4096 - 20));
	ASSERT_EQ(0, c.tail);

	/* a full ring without a device: -ENOSPC, nothing written */
	c.head = 0;
	c.tail = 0;
	for (off = 0; off < 4096 - 4 - 20; off += 20)
		ASSERT_EQ(0, libmvgpu_emit_fence(&c, 8, off, false));
	ASSERT_EQ(4096 - 4 - off, libmvgpu_ring_space(&c));
	ASSERT_EQ(-ENOSPC, libmvgpu_emit_fence(&c, 8, 0, false));
	ASSERT_EQ(off, c.tail);

	/* raw commands may cross the end (malformed-command tests) */
	c.head = 4096 - 8;
	c.tail = c.head;
	{
		const uint32_t dw[4] = { 0x00040000, 1, 2, 3 };

		ASSERT_EQ(0, libmvgpu_ring_emit_raw(&c, dw, 4));
	}
	ASSERT_EQ(0x00040000, ring_dw(&c, 4096 - 8));
	ASSERT_EQ(2, ring_dw(&c, 0));
	ASSERT_EQ(8, c.tail);
}

TEST(ref_gemm)
{
	/* [1 2 3; 4 5 6] x [7 8; 9 10; 11 12] = [58 64; 139 154] */
	const int32_t a[6] = { 1, 2, 3, 4, 5, 6 };
	const int32_t b[6] = { 7, 8, 9, 10, 11, 12 };
	const int32_t w[1] = { 0x40000000 }, w2[1] = { 4 };
	int32_t c[4];

	libmvgpu_ref_gemm_i32(a, b, c, 2, 2, 3);
	ASSERT_EQ(58, c[0]);
	ASSERT_EQ(64, c[1]);
	ASSERT_EQ(139, c[2]);
	ASSERT_EQ(154, c[3]);
	/* wraps modulo 2^32 */
	libmvgpu_ref_gemm_i32(w, w2, c, 1, 1, 1);
	ASSERT_EQ(0, c[0]);
	{
		const int32_t x[1] = { -3 }, y[1] = { 0x7fffffff };

		libmvgpu_ref_gemm_i32(x, y, c, 1, 1, 1);
		ASSERT_EQ((int32_t)0x80000003, c[0]);
	}
}

TEST(ref_fnv1a64)
{
	ASSERT_EQ(0xcbf29ce484222325ull, libmvgpu_ref_fnv1a64("", 0));
	ASSERT_EQ(0xaf63dc4c8601ec8cull, libmvgpu_ref_fnv1a64("a", 1));
	ASSERT_EQ(0x85944171f73967e8ull, libmvgpu_ref_fnv1a64("foobar", 6));
}

TEST_HARNESS_MAIN

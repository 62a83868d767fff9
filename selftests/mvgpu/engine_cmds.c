// SPDX-License-Identifier: GPL-2.0
/*
 * engine_cmds: every ring command of the command engine with its result
 * checked (FENCE with and without IRQ, COPY between system memory and
 * VRAM, FILL, COMPUTE GEMM_I32 and HASH64 against CPU references, WAIT
 * released by a CPU write, TIMESTAMP), ring wrap-around with NOP padding,
 * 2 MiB pages, and two contexts with separate page tables.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "engine_test.h"

#define BUF_SIZE	(64u << 10)
#define VRAM_OFF	(1u << 20)

FIXTURE(eng) {
	struct et_gpu g;
	struct libmvgpu_ctx ctx;
	struct et_buf src, dst, vram;
	int efd;
	uint64_t seed;
	char msg[256];
};

/* Buffers, context 0 and MSI on the vGPU (et_fixture_up()'s build). */
static int eng_build(void *fixture)
{
	FIXTURE_DATA(eng) *self = fixture;
	struct libmvgpu_gpu *gpu = &self->g.gpu;
	int ret;

	snprintf(self->msg, sizeof(self->msg), "buffers / context / MSI");
	/* buffers first: enabling the context shadows the whole space */
	ret = et_buf_sys(gpu, &self->g.pt, ET_VA_SRC, BUF_SIZE, 0,
			 LIBMVGPU_MAP_WRITE, &self->src);
	if (!ret)
		ret = et_buf_sys(gpu, &self->g.pt, ET_VA_DST, BUF_SIZE, 0,
				 LIBMVGPU_MAP_WRITE, &self->dst);
	if (!ret)
		ret = et_buf_vram(gpu, &self->g.pt, ET_VA_VRAM, VRAM_OFF,
				  BUF_SIZE, LIBMVGPU_MAP_WRITE, &self->vram);
	if (!ret)
		ret = libmvgpu_ctx_init(&self->ctx, gpu, &self->g.pt, 0,
					16 << 10);
	if (ret)
		return ret;
	if ((libmvgpu_ctx_rd(&self->ctx, MVGPU_CTX_STATUS) &
	     (MVGPU_CTX_STATUS_ENABLED | MVGPU_CTX_STATUS_FAULTED)) !=
	    MVGPU_CTX_STATUS_ENABLED) {
		snprintf(self->msg, sizeof(self->msg),
			 "context 0 not enabled after setup");
		return -EIO;
	}
	self->efd = et_msi_setup(&self->g.gpu);
	return self->efd < 0 ? self->efd : 0;
}

FIXTURE_SETUP(eng)
{
	int ret;

	self->efd = -1;
	self->seed = 0x1234abcd5678ull ^ getpid();
	ret = et_fixture_up(&self->g, MT_PARENT0, MT_T14, eng_build, self,
			    ET_UNMAPPED_OK, self->msg, sizeof(self->msg));
	ASSERT_EQ(0, ret) TH_LOG("%s", self->msg);
}

FIXTURE_TEARDOWN_PARENT(eng)
{
	int ret = et_remove(&self->g);

	EXPECT_EQ(0, ret) TH_LOG("remove %s: %s", self->g.v.uuid,
				 strerror(-ret));
}

/* Kick and wait for everything queued, reporting a fault if any. */
static int run(struct __test_metadata *_metadata, struct libmvgpu_ctx *ctx)
{
	struct libmvgpu_fault f;
	int ret = libmvgpu_ctx_sync(ctx, ET_TIMEOUT_MS);

	if (ret) {
		libmvgpu_ctx_read_fault(ctx, &f);
		TH_LOG("sync: %s; status %#x reason %u addr %#llx head %#x fence %llu/%llu",
		       strerror(-ret), f.status, f.reason,
		       (unsigned long long)f.addr, f.head,
		       (unsigned long long)libmvgpu_ctx_fence_reg(ctx),
		       (unsigned long long)ctx->seqno);
	}
	return ret;
}

TEST_F_TIMEOUT(eng, fence_irq, 120)
{
	struct libmvgpu_ctx *c = &self->ctx;
	uint64_t *mem = (uint64_t *)self->dst.cpu + 1;
	const uint64_t v1 = 0x1234567800000001ull;
	uint32_t st;
	int ret;

	libmvgpu_gpu_wr(&self->g.gpu, MVGPU_REG_IRQ_MASK,
			MVGPU_IRQ_FENCE(0) | MVGPU_IRQ_FAULT(0));
	et_eventfd_drain(self->efd);

	ASSERT_EQ(0, libmvgpu_emit_fence(c, self->dst.va + 8, v1, true));
	libmvgpu_ring_kick(c);
	ASSERT_EQ(0, libmvgpu_ctx_wait_fence(c, v1, ET_TIMEOUT_MS));
	ASSERT_EQ(v1, libmvgpu_ctx_fence_reg(c));
	ASSERT_EQ(v1, libmvgpu_load64(mem));
	st = libmvgpu_gpu_rd(&self->g.gpu, MVGPU_REG_IRQ_STATUS);
	ASSERT_EQ(MVGPU_IRQ_FENCE(0), st);
	ret = libmvgpu_eventfd_wait(self->efd, ET_TIMEOUT_MS, NULL);
	ASSERT_EQ(1, ret) TH_LOG("no MSI for an IRQ fence");
	libmvgpu_gpu_wr(&self->g.gpu, MVGPU_REG_IRQ_ACK, st);
	ASSERT_EQ(0, libmvgpu_gpu_rd(&self->g.gpu, MVGPU_REG_IRQ_STATUS));

	/* no IRQ flag: value and register, but no status bit, no MSI */
	et_eventfd_drain(self->efd);
	ASSERT_EQ(0, libmvgpu_emit_fence(c, self->dst.va + 8, v1 + 1, false));
	libmvgpu_ring_kick(c);
	ASSERT_EQ(0, libmvgpu_ctx_wait_fence(c, v1 + 1, ET_TIMEOUT_MS));
	ASSERT_EQ(v1 + 1, libmvgpu_load64(mem));
	ASSERT_EQ(0, libmvgpu_gpu_rd(&self->g.gpu, MVGPU_REG_IRQ_STATUS));
	ASSERT_EQ(0, libmvgpu_eventfd_wait(self->efd, 300, NULL));

	/* masked IRQ fence: the status bit is set, no MSI */
	libmvgpu_gpu_wr(&self->g.gpu, MVGPU_REG_IRQ_MASK, 0);
	ASSERT_EQ(0, libmvgpu_emit_fence(c, self->dst.va + 8, v1 + 2, true));
	libmvgpu_ring_kick(c);
	ASSERT_EQ(0, libmvgpu_ctx_wait_fence(c, v1 + 2, ET_TIMEOUT_MS));
	ASSERT_EQ(MVGPU_IRQ_FENCE(0),
		  libmvgpu_gpu_rd(&self->g.gpu, MVGPU_REG_IRQ_STATUS));
	ASSERT_EQ(0, libmvgpu_eventfd_wait(self->efd, 300, NULL));
	/* unmasking it delivers */
	libmvgpu_gpu_wr(&self->g.gpu, MVGPU_REG_IRQ_MASK, MVGPU_IRQ_FENCE(0));
	ASSERT_EQ(1, libmvgpu_eventfd_wait(self->efd, ET_TIMEOUT_MS, NULL));
}

/* The library's interrupt-driven wait: sleeps until the fence's MSI. */
TEST_F_TIMEOUT(eng, wait_fence_irq, 120)
{
	struct libmvgpu_ctx *c = &self->ctx;
	int64_t seq;

	libmvgpu_gpu_wr(&self->g.gpu, MVGPU_REG_IRQ_MASK, MVGPU_IRQ_FENCE(0));
	et_random_fill(self->src.cpu, BUF_SIZE, &self->seed);
	ASSERT_EQ(0, libmvgpu_emit_copy(c, self->src.va, self->dst.va, BUF_SIZE));
	seq = libmvgpu_ctx_fence(c, true);
	ASSERT_LT(0, seq);
	libmvgpu_ring_kick(c);
	ASSERT_EQ(0, libmvgpu_ctx_wait_fence_irq(c, seq, ET_TIMEOUT_MS));
	ASSERT_EQ(0, memcmp(self->src.cpu, self->dst.cpu, BUF_SIZE));
	/* nothing more will come: it gives up at its timeout */
	ASSERT_EQ(-ETIMEDOUT, libmvgpu_ctx_wait_fence_irq(c, seq + 1, 300));
	/* a fence without its IRQ flag is still seen, by the periodic look */
	seq = libmvgpu_ctx_fence(c, false);
	libmvgpu_ring_kick(c);
	ASSERT_EQ(0, libmvgpu_ctx_wait_fence_irq(c, seq, ET_TIMEOUT_MS));
}

TEST_F_TIMEOUT(eng, copy_sys_to_sys, 120)
{
	et_random_fill(self->src.cpu, BUF_SIZE, &self->seed);
	memset(self->dst.cpu, 0x5a, BUF_SIZE);
	/* odd size and offsets: byte-exact copy, nothing around it */
	ASSERT_EQ(0, libmvgpu_emit_copy(&self->ctx, self->src.va + 3,
					self->dst.va + 5, BUF_SIZE - 4101));
	ASSERT_EQ(0, run(_metadata, &self->ctx));
	ASSERT_EQ(0, memcmp((char *)self->src.cpu + 3,
			    (char *)self->dst.cpu + 5, BUF_SIZE - 4101));
	ASSERT_EQ(0x5a, ((uint8_t *)self->dst.cpu)[4]);
	ASSERT_EQ(0x5a, ((uint8_t *)self->dst.cpu)[5 + BUF_SIZE - 4101]);
}

TEST_F_TIMEOUT(eng, copy_sys_vram_sys, 120)
{
	uint8_t *vram = self->vram.cpu;

	ASSERT_NE(NULL, vram);
	et_random_fill(self->src.cpu, BUF_SIZE, &self->seed);
	memset(vram, 0, BUF_SIZE);
	ASSERT_EQ(0, et_buf_push(&self->vram));
	ASSERT_EQ(0, libmvgpu_emit_copy(&self->ctx, self->src.va,
					self->vram.va, BUF_SIZE));
	ASSERT_EQ(0, run(_metadata, &self->ctx));
	/* seen through BAR2 (the mmap, or the device file before 6.10) */
	ASSERT_EQ(0, et_buf_pull(&self->vram));
	ASSERT_EQ(0, memcmp(self->src.cpu, vram, BUF_SIZE));

	/* written through BAR2, copied back to system memory */
	et_random_fill(vram, BUF_SIZE, &self->seed);
	ASSERT_EQ(0, et_buf_push(&self->vram));
	memset(self->dst.cpu, 0, BUF_SIZE);
	ASSERT_EQ(0, libmvgpu_emit_copy(&self->ctx, self->vram.va,
					self->dst.va, BUF_SIZE));
	ASSERT_EQ(0, run(_metadata, &self->ctx));
	ASSERT_EQ(0, memcmp(vram, self->dst.cpu, BUF_SIZE));
}

TEST_F_TIMEOUT(eng, copy_vram_to_vram, 120)
{
	uint8_t *vram = self->vram.cpu;

	et_random_fill(vram, BUF_SIZE / 2, &self->seed);
	memset(vram + BUF_SIZE / 2, 0, BUF_SIZE / 2);
	ASSERT_EQ(0, et_buf_push(&self->vram));
	ASSERT_EQ(0, libmvgpu_emit_copy(&self->ctx, self->vram.va,
					self->vram.va + BUF_SIZE / 2,
				     BUF_SIZE / 2));
	ASSERT_EQ(0, run(_metadata, &self->ctx));
	memset(vram, 0x5a, BUF_SIZE);	/* only VRAM's answer may count */
	ASSERT_EQ(0, et_buf_pull(&self->vram));
	ASSERT_EQ(0, memcmp(vram, vram + BUF_SIZE / 2, BUF_SIZE / 2));
}

static long long check_fill(const void *buf, size_t len, uint32_t pattern)
{
	const uint32_t *p = buf;
	size_t i;

	for (i = 0; i < len / 4; i++)
		if (p[i] != pattern)
			return (long long)i * 4;
	return -1;
}

TEST_F_TIMEOUT(eng, fill, 120)
{
	uint32_t *d = self->dst.cpu, *v = self->vram.cpu;

	memset(d, 0xee, BUF_SIZE);
	memset(v, 0xee, BUF_SIZE);
	ASSERT_EQ(0, et_buf_push(&self->vram));
	ASSERT_EQ(0, libmvgpu_emit_fill(&self->ctx, self->dst.va + 4,
					BUF_SIZE - 8, 0xc0ffee11));
	ASSERT_EQ(0, libmvgpu_emit_fill(&self->ctx, self->vram.va + 4096,
					8192 + 12, 0x01020304));
	ASSERT_EQ(0, run(_metadata, &self->ctx));
	ASSERT_EQ(0, et_buf_pull(&self->vram));
	ASSERT_EQ(-1, check_fill(d + 1, BUF_SIZE - 8, 0xc0ffee11));
	ASSERT_EQ(0xeeeeeeee, d[0]);
	ASSERT_EQ(0xeeeeeeee, d[BUF_SIZE / 4 - 1]);
	ASSERT_EQ(-1, check_fill(v + 1024, 8192 + 12, 0x01020304));
	ASSERT_EQ(0xeeeeeeee, v[1023]);
	ASSERT_EQ(0xeeeeeeee, v[1024 + 2051]);
}

static int gemm_case(struct __test_metadata *_metadata,
		     FIXTURE_DATA(eng) *self, uint32_t m, uint32_t n,
		     uint32_t k, bool small_values)
{
	size_t sa = (size_t)m * k * 4, sb = (size_t)k * n * 4;
	size_t sc = (size_t)m * n * 4;
	int32_t *a = self->src.cpu, *b, *c = self->dst.cpu, *ref;
	size_t i;
	int ret;

	if (sa + sb > BUF_SIZE || sc > BUF_SIZE)
		return -E2BIG;
	b = (int32_t *)((char *)self->src.cpu + sa);
	for (i = 0; i < (sa + sb) / 4; i++) {
		uint32_t r = (uint32_t)libmvgpu_rand64(&self->seed);

		a[i] = small_values ? (int32_t)(r % 201) - 100 : (int32_t)r;
	}
	memset(c, 0x77, sc);
	ret = libmvgpu_emit_gemm(&self->ctx, self->src.va, self->src.va + sa,
				 self->dst.va, m, n, k);
	if (ret)
		return ret;
	ret = run(_metadata, &self->ctx);
	if (ret)
		return ret;
	ref = malloc(sc);
	if (!ref)
		return -ENOMEM;
	libmvgpu_ref_gemm_i32(a, b, ref, m, n, k);
	for (i = 0; i < (size_t)m * n; i++) {
		if (c[i] != ref[i]) {
			TH_LOG("%ux%ux%u: C[%zu][%zu] = %d, expected %d", m, n,
			       k, i / n, i % n, c[i], ref[i]);
			free(ref);
			return -EIO;
		}
	}
	free(ref);
	return 0;
}

TEST_F_TIMEOUT(eng, gemm_i32, 120)
{
	ASSERT_EQ(0, gemm_case(_metadata, self, 1, 1, 1, true));
	ASSERT_EQ(0, gemm_case(_metadata, self, 17, 23, 31, true));
	/* full-range values: wrapping arithmetic */
	ASSERT_EQ(0, gemm_case(_metadata, self, 24, 20, 36, false));
	ASSERT_EQ(0, gemm_case(_metadata, self, 64, 1, 100, false));
	ASSERT_EQ(0, gemm_case(_metadata, self, 1, 64, 100, false));
}

TEST_F_TIMEOUT(eng, gemm_in_vram, 120)
{
	/* A and B in VRAM, C in system memory */
	const uint32_t m = 16, n = 12, k = 20;
	int32_t *a = self->vram.cpu, *b = a + m * k, ref[16 * 12];
	int32_t *c = self->dst.cpu;
	uint32_t i;

	for (i = 0; i < m * k + k * n; i++)
		a[i] = (int32_t)libmvgpu_rand64(&self->seed);
	ASSERT_EQ(0, et_buf_push(&self->vram));
	ASSERT_EQ(0, libmvgpu_emit_gemm(&self->ctx, self->vram.va,
					self->vram.va + m * k * 4, self->dst.va,
				     m, n, k));
	ASSERT_EQ(0, run(_metadata, &self->ctx));
	libmvgpu_ref_gemm_i32(a, b, ref, m, n, k);
	ASSERT_EQ(0, memcmp(ref, c, sizeof(ref)));
}

TEST_F_TIMEOUT(eng, hash64, 120)
{
	static const size_t sizes[] = { 0, 1, 7, 4096, 10007, BUF_SIZE - 1 };
	uint64_t *out = self->dst.cpu;
	unsigned int i;

	et_random_fill(self->src.cpu, BUF_SIZE, &self->seed);
	memset(out, 0, 8 * MT_ARRAY_SIZE(sizes));
	for (i = 0; i < MT_ARRAY_SIZE(sizes); i++)
		ASSERT_EQ(0, libmvgpu_emit_hash(&self->ctx, self->src.va + 1,
						sizes[i], self->dst.va + 8 * i));
	ASSERT_EQ(0, run(_metadata, &self->ctx));
	for (i = 0; i < MT_ARRAY_SIZE(sizes); i++) {
		ASSERT_EQ(libmvgpu_ref_fnv1a64((char *)self->src.cpu + 1,
					       sizes[i]), out[i])
			TH_LOG("size %zu", sizes[i]);
	}
	/* the same of data in VRAM */
	memcpy(self->vram.cpu, self->src.cpu, 10007);
	ASSERT_EQ(0, et_buf_push(&self->vram));
	ASSERT_EQ(0, libmvgpu_emit_hash(&self->ctx, self->vram.va, 10007,
					self->dst.va + 64));
	ASSERT_EQ(0, run(_metadata, &self->ctx));
	ASSERT_EQ(libmvgpu_ref_fnv1a64(self->src.cpu, 10007), out[8]);
}

TEST_F_TIMEOUT(eng, wait_released_by_cpu, 120)
{
	struct libmvgpu_ctx *c = &self->ctx;
	uint64_t *sem = self->src.cpu;
	int64_t seq;

	libmvgpu_store64(sem, 0);
	/* already satisfied: passes */
	ASSERT_EQ(0, libmvgpu_emit_wait(c, self->src.va, 0));
	ASSERT_EQ(0, run(_metadata, c));

	ASSERT_EQ(0, libmvgpu_emit_wait(c, self->src.va, 5));
	seq = libmvgpu_ctx_fence(c, false);
	ASSERT_LT(0, seq);
	libmvgpu_ring_kick(c);
	ASSERT_EQ(-ETIMEDOUT, libmvgpu_ctx_wait_fence(c, seq, 500));
	/* below the value: still waiting */
	libmvgpu_store64(sem, 4);
	ASSERT_EQ(-ETIMEDOUT, libmvgpu_ctx_wait_fence(c, seq, 500));
	ASSERT_EQ(0, libmvgpu_ctx_rd(c, MVGPU_CTX_STATUS) &
		     MVGPU_CTX_STATUS_FAULTED);
	/* unsigned compare: above releases it */
	libmvgpu_store64(sem, 0x8000000000000000ull);
	ASSERT_EQ(0, libmvgpu_ctx_wait_fence(c, seq, ET_TIMEOUT_MS));
}

TEST_F_TIMEOUT(eng, timestamp, 120)
{
	uint64_t *ts = self->dst.cpu, t0, t1;
	int i;

	t0 = libmvgpu_gpu_timestamp(&self->g.gpu);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, libmvgpu_emit_timestamp(&self->ctx,
						     self->dst.va + 8 * i));
		ASSERT_EQ(0, libmvgpu_emit_fill(&self->ctx, self->src.va,
						BUF_SIZE, i));
	}
	ASSERT_EQ(0, run(_metadata, &self->ctx));
	t1 = libmvgpu_gpu_timestamp(&self->g.gpu);
	ASSERT_LE(t0, ts[0]);
	for (i = 1; i < 4; i++)
		ASSERT_LT(ts[i - 1], ts[i]);
	ASSERT_LE(ts[3], t1);
	ASSERT_NE(0, ts[0]);
}

TEST_F_TIMEOUT(eng, ring_wrap_with_nop_padding, 120)
{
	struct libmvgpu_ctx *c = &self->ctx;
	uint32_t *d = self->dst.cpu;
	unsigned int i, wraps = 0;
	uint32_t last = c->tail;

	/*
	 * FILLs of 6 dwords and GEMMs of 11 do not divide the ring: over
	 * several laps some commands need NOP padding to the end.
	 */
	for (i = 0; i < 3000; i++) {
		uint64_t out = self->src.va + 4096 + 4 * (i % 512);
		int ret;

		if (i % 3)
			ret = libmvgpu_emit_fill(c, self->dst.va + 4 * (i % 1024),
						 4, i);
		else
			ret = libmvgpu_emit_gemm(c, self->src.va, self->src.va,
						 out, 1, 1, 1);
		ASSERT_EQ(0, ret);
		if (c->tail < last)
			wraps++;
		last = c->tail;
		if (!(i % 100))
			libmvgpu_ring_kick(c);
	}
	ASSERT_EQ(0, run(_metadata, c));
	ASSERT_LE(3, wraps);
	for (i = 3000 - 1024; i < 3000; i++) {
		if (i % 3)
			ASSERT_EQ(i, d[i % 1024]);
	}
	ASSERT_EQ(c->tail, libmvgpu_ctx_rd(c, MVGPU_CTX_RING_HEAD));
}

TEST_F_TIMEOUT(eng, large_pages, 120)
{
	struct libmvgpu_gpu *gpu = &self->g.gpu;
	struct et_buf lv, ls;
	uint32_t *v;

	/* 2 MiB of VRAM and 2 MiB of system memory, one entry each */
	ASSERT_EQ(0, et_buf_vram(gpu, &self->g.pt, 0x80000000ull, 4 << 20,
				 2 << 20, LIBMVGPU_MAP_WRITE | LIBMVGPU_MAP_LARGE,
				 &lv));
	ASSERT_EQ(0, et_buf_sys(gpu, &self->g.pt, 0x80200000ull, 2 << 20,
				2 << 20, LIBMVGPU_MAP_WRITE | LIBMVGPU_MAP_LARGE,
				&ls));
	libmvgpu_ctx_tlb_inv(&self->ctx, 0x80000000ull, 4 << 20);
	v = lv.cpu;
	memset(v, 0, 2 << 20);
	ASSERT_EQ(0, et_buf_push(&lv));
	et_random_fill(ls.cpu, 2 << 20, &self->seed);
	ASSERT_EQ(0, libmvgpu_emit_fill(&self->ctx, lv.va, 2 << 20,
					0xabcd0123));
	ASSERT_EQ(0, libmvgpu_emit_copy(&self->ctx, ls.va + (1 << 20) - 100,
					self->dst.va, 4096));
	ASSERT_EQ(0, run(_metadata, &self->ctx));
	ASSERT_EQ(0, et_buf_pull(&lv));
	ASSERT_EQ(-1, check_fill(v, 2 << 20, 0xabcd0123));
	ASSERT_EQ(0, memcmp((char *)ls.cpu + (1 << 20) - 100, self->dst.cpu,
			    4096));
}

TEST_F_TIMEOUT(eng, two_contexts_separate_spaces, 120)
{
	struct libmvgpu_gpu *gpu = &self->g.gpu;
	struct libmvgpu_pt pt1;
	struct libmvgpu_ctx c1;
	struct et_buf mine, out;
	struct libmvgpu_fault f;

	/*
	 * Context 1 has its own page table: the same VA as context 0's src
	 * points at its own page, and context 0's dst is not mapped.
	 */
	ASSERT_EQ(0, libmvgpu_pt_init(&pt1, gpu));
	ASSERT_EQ(0, et_buf_sys(gpu, &pt1, ET_VA_SRC, 4096, 0, 0, &mine));
	ASSERT_EQ(0, et_buf_sys(gpu, &pt1, ET_VA_AUX, 4096, 0,
				LIBMVGPU_MAP_WRITE, &out));
	ASSERT_EQ(0, libmvgpu_ctx_init(&c1, gpu, &pt1, 1, 4096));

	memset(self->src.cpu, 0x11, 4096);
	memset(mine.cpu, 0x22, 4096);
	ASSERT_EQ(0, libmvgpu_emit_copy(&c1, ET_VA_SRC, ET_VA_AUX, 4096));
	ASSERT_EQ(0, run(_metadata, &c1));
	ASSERT_EQ(0, memcmp(mine.cpu, out.cpu, 4096));

	ASSERT_EQ(0, libmvgpu_emit_copy(&self->ctx, ET_VA_SRC, ET_VA_DST, 4096));
	ASSERT_EQ(0, run(_metadata, &self->ctx));
	ASSERT_EQ(0, memcmp(self->src.cpu, self->dst.cpu, 4096));

	/* context 1 cannot reach context 0's dst (nor its VRAM mapping) */
	memset(self->dst.cpu, 0x33, 4096);
	ASSERT_EQ(0, libmvgpu_emit_fill(&c1, ET_VA_DST, 4096, 0));
	libmvgpu_ring_kick(&c1);
	ASSERT_EQ(0, libmvgpu_ctx_wait_fault(&c1, ET_TIMEOUT_MS, &f));
	ASSERT_EQ(MVGPU_FAULT_NOT_PRESENT, f.reason);
	ASSERT_EQ(ET_VA_DST, f.addr);
	ASSERT_EQ(0x33, ((uint8_t *)self->dst.cpu)[0]);
	ASSERT_EQ(0x33, ((uint8_t *)self->dst.cpu)[4095]);
	/* and context 0 is not disturbed by it */
	ASSERT_EQ(0, libmvgpu_emit_copy(&self->ctx, ET_VA_SRC, ET_VA_DST, 4096));
	ASSERT_EQ(0, run(_metadata, &self->ctx));
	ASSERT_EQ(0, memcmp(self->src.cpu, self->dst.cpu, 4096));
}

TEST_F_TIMEOUT(eng, reset_register_keeps_pci_state, 120)
{
	struct libmvgpu_ctx *c = &self->ctx;
	const char *uuid = self->g.v.uuid;
	uint64_t resets = et_attr(uuid, "resets");

	memset(self->vram.cpu, 0x42, 4096);
	ASSERT_EQ(0, et_buf_push(&self->vram));
	ASSERT_EQ(0, libmvgpu_emit_fill(c, self->dst.va, 4096, 3));
	ASSERT_EQ(0, run(_metadata, c));
	ASSERT_LT(0, et_attr(uuid, "pinned_pages"));

	/* RESET register: the vGPU's state goes, PCI config (MSI) stays */
	libmvgpu_gpu_reset_reg(&self->g.gpu);
	ASSERT_EQ(resets + 1, et_attr(uuid, "resets"));
	ASSERT_EQ(0, et_attr(uuid, "pinned_pages"));
	ASSERT_EQ(0, libmvgpu_ctx_rd(c, MVGPU_CTX_STATUS));
	ASSERT_EQ(0, libmvgpu_ctx_rd(c, MVGPU_CTX_FENCE_LO));
	ASSERT_EQ(0, libmvgpu_gpu_rd(&self->g.gpu, MVGPU_REG_IRQ_MASK));
	ASSERT_EQ(-1, et_vram_find_nonzero(&self->g.gpu, self->g.gpu.vram_size));

	/* set up again (no MSI setup): an IRQ fence still raises MSI */
	libmvgpu_ctx_enable(c);
	c->seqno = 0;
	et_eventfd_drain(self->efd);
	libmvgpu_gpu_wr(&self->g.gpu, MVGPU_REG_IRQ_MASK, MVGPU_IRQ_FENCE(0));
	ASSERT_LT(0, libmvgpu_ctx_fence(c, true));
	libmvgpu_ring_kick(c);
	ASSERT_EQ(0, libmvgpu_ctx_wait_fence(c, 1, ET_TIMEOUT_MS));
	ASSERT_EQ(1, libmvgpu_eventfd_wait(self->efd, ET_TIMEOUT_MS, NULL));
}

TEST_F_TIMEOUT(eng, doorbell_during_run_not_lost, 300)
{
	struct libmvgpu_ctx *c = &self->ctx;
	uint64_t *marker = (uint64_t *)self->dst.cpu + 100;
	unsigned int i, lost = 0;

	/*
	 * Ring the doorbell for a marker FENCE and a GEMM; once the marker
	 * is in memory the engine is running the GEMM: ring it again for a
	 * fence. That second doorbell must not be lost, with no third one
	 * to help.
	 */
	for (i = 0; i < 200 && !lost; i++) {
		/* 24^3 .. 59^3: shorter than a time slice, longer than a kick */
		uint32_t d = 24 + (i % 8) * 5;
		uint64_t t0;
		int64_t seq;
		int ret;

		libmvgpu_store64(marker, 0);
		ASSERT_EQ(0, libmvgpu_emit_fence(c, self->dst.va + 800, i + 1,
						 false));
		ASSERT_EQ(0, libmvgpu_emit_gemm(c, self->vram.va,
						self->vram.va + 4 * d * d,
					     self->vram.va + 8 * d * d,
					     d, d, d));
		/* the marker's value is below the fence about to come */
		c->seqno = i + 1;
		libmvgpu_ring_kick(c);
		t0 = libmvgpu_now_ns();
		while (libmvgpu_load64(marker) != i + 1 &&
		       libmvgpu_now_ns() - t0 < 5000000000ull)
			;
		seq = libmvgpu_ctx_fence(c, false);
		ASSERT_LT(0, seq);
		libmvgpu_ring_kick(c);
		ret = libmvgpu_ctx_wait_fence(c, seq, 5000);
		if (ret) {
			TH_LOG("round %u (GEMM %u^3): %s, head %#x tail %#x status %#x",
			       i, d, strerror(-ret),
			       libmvgpu_ctx_rd(c, MVGPU_CTX_RING_HEAD),
			       libmvgpu_ctx_rd(c, MVGPU_CTX_RING_TAIL),
			       libmvgpu_ctx_rd(c, MVGPU_CTX_STATUS));
			lost++;
		}
	}
	ASSERT_EQ(0, lost);
}

TEST_HARNESS_MAIN

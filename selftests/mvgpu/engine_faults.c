// SPDX-License-Identifier: GPL-2.0
/*
 * engine_faults: GPU faults of the command engine. Each reason with its
 * FAULT_ADDR, RING_HEAD, IRQ_FAULT bit and MSI; resuming with FAULT_CLEAR
 * after the cause is fixed; a faulted context does not stop another
 * context of the vGPU nor another vGPU on the same physical GPU.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "engine_test.h"

#define RING_SIZE	4096u
/* A guest physical address nothing is DMA-mapped at. */
#define UNMAPPED_GPA	0x7f00000000ull

FIXTURE(flt) {
	struct et_gpu g;
	struct libmvgpu_ctx ctx;
	struct et_buf src, dst;
	uint64_t src_page1;	/* GPA of the unmapped second page of src */
	int efd;
	char msg[256];
};

/* Buffers, context 0 and MSI on the vGPU (et_fixture_up()'s build). */
static int flt_env_build(void *fixture)
{
	FIXTURE_DATA(flt) *self = fixture;
	struct libmvgpu_gpu *gpu = &self->g.gpu;
	void *cpu;
	int ret;

	snprintf(self->msg, sizeof(self->msg), "buffers / context");
	/* src: 8 KiB of memory, only the first page mapped */
	ret = libmvgpu_gpu_alloc(gpu, 8192, 0, &self->src.addr, &cpu);
	if (ret)
		return ret;
	self->src.cpu = cpu;
	self->src.va = ET_VA_SRC;
	self->src.size = 4096;
	self->src_page1 = self->src.addr + 4096;
	ret = libmvgpu_pt_map(&self->g.pt, ET_VA_SRC, self->src.addr, 4096, 0);
	if (!ret)
		ret = et_buf_sys(gpu, &self->g.pt, ET_VA_DST, 8192, 0,
				 LIBMVGPU_MAP_WRITE, &self->dst);
	if (!ret)
		ret = libmvgpu_ctx_init(&self->ctx, gpu, &self->g.pt, 0,
					RING_SIZE);
	if (ret)
		return ret;
	self->efd = et_msi_setup(&self->g.gpu);
	if (self->efd < 0)
		return self->efd;
	libmvgpu_gpu_wr(gpu, MVGPU_REG_IRQ_MASK, 0xffffffff);
	return 0;
}

static void flt_env_setup(struct __test_metadata *_metadata,
			  FIXTURE_DATA(flt) *self)
{
	int ret;

	self->efd = -1;
	ret = et_fixture_up(&self->g, MT_PARENT0, MT_T18, flt_env_build, self,
			    ET_UNMAPPED_OK, self->msg, sizeof(self->msg));
	MT_SKIP_NO_MMAP(ret);
	ASSERT_EQ(0, ret) TH_LOG("%s", self->msg);
}

static void flt_env_teardown(struct __test_metadata *_metadata,
			     FIXTURE_DATA(flt) *self)
{
	int ret = et_remove(&self->g);

	EXPECT_EQ(0, ret) TH_LOG("remove %s: %s", self->g.v.uuid,
				 strerror(-ret));
}

FIXTURE_SETUP(flt)
{
	flt_env_setup(_metadata, self);
}

FIXTURE_TEARDOWN_PARENT(flt)
{
	flt_env_teardown(_metadata, self);
}

/*
 * Submit what is queued after a first fence; expect a fault of reason at
 * addr (addr ~0 = do not check) by the command at cmd_off, with the
 * fence before it done and its IRQ delivered.
 */
static void expect_fault(struct __test_metadata *_metadata,
			 FIXTURE_DATA(flt) *self, struct libmvgpu_ctx *c,
			 uint64_t before, uint32_t cmd_off, uint32_t reason,
			 uint64_t addr)
{
	struct libmvgpu_gpu *gpu = &self->g.gpu;
	struct libmvgpu_fault f;
	uint32_t st;

	libmvgpu_ring_kick(c);
	ASSERT_EQ(0, libmvgpu_ctx_wait_fault(c, ET_TIMEOUT_MS, &f))
		TH_LOG("no fault; head %#x tail %#x fence %llu",
		       libmvgpu_ctx_rd(c, MVGPU_CTX_RING_HEAD), c->tail,
		       (unsigned long long)libmvgpu_ctx_fence_reg(c));
	TH_LOG("fault: status %#x reason %u addr %#llx head %#x", f.status,
	       f.reason, (unsigned long long)f.addr, f.head);
	ASSERT_EQ(reason, f.reason);
	if (addr != ~0ull)
		ASSERT_EQ(addr, f.addr);
	ASSERT_EQ(cmd_off, f.head);
	ASSERT_EQ(before, libmvgpu_ctx_fence_reg(c));
	st = libmvgpu_gpu_rd(gpu, MVGPU_REG_IRQ_STATUS);
	ASSERT_EQ(MVGPU_IRQ_FAULT(c->idx), st & MVGPU_IRQ_FAULT(c->idx));
	ASSERT_EQ(1, libmvgpu_eventfd_wait(self->efd, ET_TIMEOUT_MS, NULL))
		TH_LOG("no MSI for the fault");
	/* the head stays at the faulting command */
	usleep(100000);
	ASSERT_EQ(cmd_off, libmvgpu_ctx_rd(c, MVGPU_CTX_RING_HEAD));
	ASSERT_NE(0, libmvgpu_ctx_rd(c, MVGPU_CTX_STATUS) &
		     MVGPU_CTX_STATUS_FAULTED);
}

/* A first fence, so that "the commands before the fault ran" is known. */
static int64_t first_fence(struct libmvgpu_ctx *c, uint32_t *cmd_off)
{
	int64_t seq = libmvgpu_ctx_fence(c, false);

	*cmd_off = c->tail;
	return seq;
}

/*
 * After a first fence, a fill of the unmapped ET_VA_AUX faults with
 * NOT_PRESENT. Return: the fill's offset in the ring.
 */
static uint32_t fault_unmapped(struct __test_metadata *_metadata,
			       FIXTURE_DATA(flt) *self, struct libmvgpu_ctx *c)
{
	uint32_t off;
	int64_t s1 = first_fence(c, &off);

	ASSERT_EQ(0, libmvgpu_emit_fill(c, ET_VA_AUX, 64, 1));
	expect_fault(_metadata, self, c, s1, off, MVGPU_FAULT_NOT_PRESENT,
		     ET_VA_AUX);
	return off;
}

TEST_F_TIMEOUT(flt, not_present_then_clear_resumes, 120)
{
	struct libmvgpu_ctx *c = &self->ctx;
	uint64_t faults = et_attr(self->g.v.uuid, "faults");
	uint8_t *src = self->src.cpu;
	uint32_t off, st;
	int64_t s1, s2;

	memset(src, 0xa5, 8192);
	s1 = first_fence(c, &off);
	ASSERT_LT(0, s1);
	/* 8 KiB from a VA whose second page is unmapped */
	ASSERT_EQ(0, libmvgpu_emit_copy(c, ET_VA_SRC, ET_VA_DST, 8192));
	s2 = libmvgpu_ctx_fence(c, false);
	expect_fault(_metadata, self, c, s1, off, MVGPU_FAULT_NOT_PRESENT,
		     ET_VA_SRC + 4096);
	ASSERT_EQ(faults + 1, et_attr(self->g.v.uuid, "faults"));

	/* fix the mapping, invalidate, clear: the copy is redone */
	ASSERT_EQ(0, libmvgpu_pt_map(&self->g.pt, ET_VA_SRC + 4096,
				     self->src_page1, 4096, 0));
	libmvgpu_ctx_tlb_inv(c, ET_VA_SRC + 4096, 4096);
	st = libmvgpu_gpu_rd(&self->g.gpu, MVGPU_REG_IRQ_STATUS);
	libmvgpu_gpu_wr(&self->g.gpu, MVGPU_REG_IRQ_ACK, st);
	libmvgpu_ctx_fault_clear(c);
	ASSERT_EQ(0, libmvgpu_ctx_wait_fence(c, s2, ET_TIMEOUT_MS));
	ASSERT_EQ(0, memcmp(src, self->dst.cpu, 8192));
	ASSERT_EQ(0, libmvgpu_ctx_rd(c, MVGPU_CTX_STATUS) &
		     MVGPU_CTX_STATUS_FAULTED);
	ASSERT_EQ(0, libmvgpu_ctx_rd(c, MVGPU_CTX_FAULT_REASON));
	ASSERT_EQ(0, libmvgpu_gpu_rd(&self->g.gpu, MVGPU_REG_IRQ_STATUS));
	/* and it keeps working */
	ASSERT_EQ(0, libmvgpu_ctx_sync(c, ET_TIMEOUT_MS));
}

TEST_F_TIMEOUT(flt, write_to_read_only, 120)
{
	struct libmvgpu_ctx *c = &self->ctx;
	uint32_t off;
	int64_t s1, s2;

	/* src is mapped read-only */
	s1 = first_fence(c, &off);
	ASSERT_EQ(0, libmvgpu_emit_fill(c, ET_VA_SRC + 64, 128, 0x12345678));
	s2 = libmvgpu_ctx_fence(c, false);
	expect_fault(_metadata, self, c, s1, off, MVGPU_FAULT_WRITE,
		     ET_VA_SRC + 64);
	ASSERT_EQ(0, ((uint32_t *)self->src.cpu)[16]);

	ASSERT_EQ(0, libmvgpu_pt_map(&self->g.pt, ET_VA_SRC, self->src.addr,
				     4096, LIBMVGPU_MAP_WRITE));
	libmvgpu_ctx_tlb_inv(c, ET_VA_SRC, 4096);
	libmvgpu_ctx_fault_clear(c);
	ASSERT_EQ(0, libmvgpu_ctx_wait_fence(c, s2, ET_TIMEOUT_MS));
	ASSERT_EQ(0x12345678, ((uint32_t *)self->src.cpu)[16]);
	ASSERT_EQ(0x12345678, ((uint32_t *)self->src.cpu)[16 + 31]);
	ASSERT_EQ(0, ((uint32_t *)self->src.cpu)[16 + 32]);
}

TEST_F_TIMEOUT(flt, bad_gpa, 120)
{
	struct libmvgpu_ctx *c = &self->ctx;
	uint32_t off;
	int64_t s1;

	ASSERT_EQ(0, libmvgpu_pt_map(&self->g.pt, ET_VA_AUX, UNMAPPED_GPA, 4096,
				     LIBMVGPU_MAP_WRITE));
	libmvgpu_ctx_tlb_inv(c, ET_VA_AUX, 4096);
	s1 = first_fence(c, &off);
	ASSERT_EQ(0, libmvgpu_emit_copy(c, ET_VA_AUX + 8, ET_VA_DST, 64));
	expect_fault(_metadata, self, c, s1, off, MVGPU_FAULT_BAD_GPA,
		     ET_VA_AUX + 8);
}

TEST_F_TIMEOUT(flt, bad_vram, 120)
{
	struct libmvgpu_ctx *c = &self->ctx;
	uint64_t vram = mt_type_vram(MT_T18);
	uint32_t off;
	int64_t s1;

	ASSERT_EQ(vram, self->g.gpu.vram_size);
	/* the last page of the slice is fine, the next one is not */
	ASSERT_EQ(0, libmvgpu_pt_map(&self->g.pt, ET_VA_AUX, vram - 4096, 8192,
				     LIBMVGPU_MAP_WRITE | LIBMVGPU_MAP_VRAM));
	libmvgpu_ctx_tlb_inv(c, ET_VA_AUX, 8192);
	s1 = first_fence(c, &off);
	ASSERT_EQ(0, libmvgpu_emit_fill(c, ET_VA_AUX + 4096 - 8, 16, 0x55));
	expect_fault(_metadata, self, c, s1, off, MVGPU_FAULT_BAD_VRAM,
		     ET_VA_AUX + 4096);
	/* the in-slice part may have been written, nothing else */
	ASSERT_EQ(-1, et_vram_find_nonzero(&self->g.gpu, vram - 8));
}

/*
 * Map a page at va, make its level-2 entry (entry & keep) | set: a fill
 * at va faults with BAD_TABLE.
 */
static void expect_bad_table(struct __test_metadata *_metadata,
			     FIXTURE_DATA(flt) *self, uint64_t va,
			     uint64_t keep, uint64_t set)
{
	struct libmvgpu_ctx *c = &self->ctx;
	uint32_t off;
	uint64_t *e;
	int64_t s1;

	ASSERT_EQ(0, libmvgpu_pt_map(&self->g.pt, va, self->dst.addr, 4096,
				     LIBMVGPU_MAP_WRITE));
	e = libmvgpu_pt_entry(&self->g.pt, va, 2, false);
	ASSERT_NE(NULL, e);
	*e = (*e & keep) | set;
	libmvgpu_ctx_tlb_inv(c, va, 4096);
	s1 = first_fence(c, &off);
	ASSERT_EQ(0, libmvgpu_emit_fill(c, va, 16, 0x55));
	expect_fault(_metadata, self, c, s1, off, MVGPU_FAULT_BAD_TABLE, va);
}

TEST_F_TIMEOUT(flt, bad_table, 120)
{
	/* a level-2 entry with the VRAM bit is not a valid table pointer */
	expect_bad_table(_metadata, self, 0x7000000000ull, ~0ull,
			 MVGPU_PTE_VRAM);
}

TEST_F_TIMEOUT(flt, table_loop, 120)
{
	/* the level-2 entry points back at the root: a loop */
	expect_bad_table(_metadata, self, 0x7100000000ull, 0,
			 self->g.pt.root | MVGPU_PTE_PRESENT);
}

TEST_F_TIMEOUT(flt, clear_without_fix_faults_again, 120)
{
	struct libmvgpu_ctx *c = &self->ctx;
	uint64_t faults = et_attr(self->g.v.uuid, "faults");
	uint32_t off = fault_unmapped(_metadata, self, c);
	struct libmvgpu_fault f;

	libmvgpu_gpu_wr(&self->g.gpu, MVGPU_REG_IRQ_ACK, 0xffffffff);
	/* resumes at the same command, which faults the same way */
	libmvgpu_ctx_fault_clear(c);
	ASSERT_EQ(0, libmvgpu_ctx_wait_fault(c, ET_TIMEOUT_MS, &f));
	ASSERT_EQ(MVGPU_FAULT_NOT_PRESENT, f.reason);
	ASSERT_EQ(ET_VA_AUX, f.addr);
	ASSERT_EQ(off, f.head);
	ASSERT_EQ(faults + 2, et_attr(self->g.v.uuid, "faults"));
	ASSERT_NE(0, libmvgpu_gpu_rd(&self->g.gpu, MVGPU_REG_IRQ_STATUS) &
		     MVGPU_IRQ_FAULT(0));
}

TEST_F_TIMEOUT(flt, disable_and_reprogram_abandons, 120)
{
	struct libmvgpu_ctx *c = &self->ctx;
	uint32_t off, head;
	int64_t s1;

	s1 = first_fence(c, &off);
	ASSERT_EQ(0, libmvgpu_emit_fill(c, ET_VA_AUX, 64, 1));
	ASSERT_EQ(0, libmvgpu_emit_fill(c, ET_VA_DST, 64, 0x99));
	expect_fault(_metadata, self, c, s1, off, MVGPU_FAULT_NOT_PRESENT,
		     ET_VA_AUX);
	/* disable, reprogram the ring, enable: the stream is abandoned */
	libmvgpu_ctx_disable(c);
	ASSERT_EQ(0, libmvgpu_ctx_rd(c, MVGPU_CTX_STATUS) &
		     MVGPU_CTX_STATUS_ENABLED);
	libmvgpu_ctx_wr(c, MVGPU_CTX_RING_SIZE, RING_SIZE);
	libmvgpu_ctx_enable(c);
	head = libmvgpu_ctx_rd(c, MVGPU_CTX_RING_HEAD);
	ASSERT_EQ(head, libmvgpu_ctx_rd(c, MVGPU_CTX_RING_TAIL))
		TH_LOG("an enabled ring with queued commands: head %#x", head);
	ASSERT_EQ(0, libmvgpu_ctx_rd(c, MVGPU_CTX_STATUS) &
		     MVGPU_CTX_STATUS_FAULTED);
	/* new work runs; the abandoned fill of dst never did */
	ASSERT_EQ(0, libmvgpu_emit_fill(c, ET_VA_DST + 64, 64, 0x77));
	ASSERT_EQ(0, libmvgpu_ctx_sync(c, ET_TIMEOUT_MS));
	ASSERT_EQ(0x77, ((uint32_t *)self->dst.cpu)[16]);
	ASSERT_EQ(0, ((uint32_t *)self->dst.cpu)[0]);
}

/* Malformed commands: each variant one command and the expected reason. */
FIXTURE(bad_cmd) {
	FIXTURE_DATA(flt) f;
};

FIXTURE_SETUP(bad_cmd)
{
	flt_env_setup(_metadata, &self->f);
}

FIXTURE_TEARDOWN_PARENT(bad_cmd)
{
	flt_env_teardown(_metadata, &self->f);
}

FIXTURE_VARIANT(bad_cmd)
{
	uint32_t dw[12];
	unsigned int ndw;
	uint32_t reason;
	bool cross_end;		/* place it across the end of the ring */
	/*
	 * ALIGN: the misaligned operand, the "faulting GPU VA" (the ring VA
	 * of the command is accepted too). Others: the command's ring VA.
	 */
	uint64_t operand;
};

#define HDR(op, ndw)	MVGPU_CMD_HDR(op, 0, ndw)
#define SRC_LO		((uint32_t)ET_VA_SRC)
#define DST_LO		((uint32_t)ET_VA_DST)

FIXTURE_VARIANT_ADD(bad_cmd, unknown_opcode) {
	.dw = { HDR(0x7f, 1) }, .ndw = 1,
	.reason = MVGPU_FAULT_BAD_COMMAND,
};

FIXTURE_VARIANT_ADD(bad_cmd, zero_length) {
	.dw = { HDR(MVGPU_CMD_NOP, 0) }, .ndw = 1,
	.reason = MVGPU_FAULT_BAD_COMMAND,
};

FIXTURE_VARIANT_ADD(bad_cmd, fence_wrong_length) {
	.dw = { HDR(MVGPU_CMD_FENCE, 4), DST_LO, 0, 1 }, .ndw = 4,
	.reason = MVGPU_FAULT_BAD_COMMAND,
};

FIXTURE_VARIANT_ADD(bad_cmd, unknown_kernel) {
	.dw = { HDR(MVGPU_CMD_COMPUTE, 8), 9, SRC_LO, 0, 64, 0, DST_LO, 0 },
	.ndw = 8, .reason = MVGPU_FAULT_BAD_COMMAND,
};

FIXTURE_VARIANT_ADD(bad_cmd, gemm_dim_zero) {
	.dw = { HDR(MVGPU_CMD_COMPUTE, 11), MVGPU_KERNEL_GEMM_I32,
		SRC_LO, 0, SRC_LO, 0, DST_LO, 0, 0, 1, 1 },
	.ndw = 11, .reason = MVGPU_FAULT_BAD_COMMAND,
};

FIXTURE_VARIANT_ADD(bad_cmd, gemm_dim_too_big) {
	.dw = { HDR(MVGPU_CMD_COMPUTE, 11), MVGPU_KERNEL_GEMM_I32,
		SRC_LO, 0, SRC_LO, 0, DST_LO, 0, 1, 1, 4097 },
	.ndw = 11, .reason = MVGPU_FAULT_BAD_COMMAND,
};

FIXTURE_VARIANT_ADD(bad_cmd, crosses_ring_end) {
	.dw = { HDR(MVGPU_CMD_FENCE, 5), DST_LO, 0, 7, 0 }, .ndw = 5,
	.reason = MVGPU_FAULT_BAD_COMMAND, .cross_end = true,
};

FIXTURE_VARIANT_ADD(bad_cmd, fence_misaligned) {
	.dw = { HDR(MVGPU_CMD_FENCE, 5), DST_LO + 4, 0, 7, 0 }, .ndw = 5,
	.reason = MVGPU_FAULT_ALIGN,
	.operand = ET_VA_DST + 4,
};

FIXTURE_VARIANT_ADD(bad_cmd, fill_misaligned) {
	.dw = { HDR(MVGPU_CMD_FILL, 6), DST_LO + 2, 0, 64, 0, 1 }, .ndw = 6,
	.reason = MVGPU_FAULT_ALIGN,
	.operand = ET_VA_DST + 2,
};

FIXTURE_VARIANT_ADD(bad_cmd, gemm_misaligned) {
	.dw = { HDR(MVGPU_CMD_COMPUTE, 11), MVGPU_KERNEL_GEMM_I32,
		SRC_LO + 1, 0, SRC_LO, 0, DST_LO, 0, 2, 2, 2 },
	.ndw = 11, .reason = MVGPU_FAULT_ALIGN,
	.operand = ET_VA_SRC + 1,
};

FIXTURE_VARIANT_ADD(bad_cmd, timestamp_misaligned) {
	.dw = { HDR(MVGPU_CMD_TIMESTAMP, 3), DST_LO + 4, 0 }, .ndw = 3,
	.reason = MVGPU_FAULT_ALIGN,
	.operand = ET_VA_DST + 4,
};

TEST_F_TIMEOUT(bad_cmd, malformed_command, 120)
{
	struct libmvgpu_ctx *c = &self->f.ctx;
	uint32_t off;
	int64_t s1;

	s1 = first_fence(c, &off);
	if (variant->cross_end) {
		/* NOPs up to 8 bytes before the end */
		ASSERT_EQ(0, libmvgpu_emit_nop(c, (RING_SIZE - 8 - c->tail) / 4));
		off = c->tail;
		ASSERT_EQ(RING_SIZE - 8, off);
	}
	ASSERT_EQ(0, libmvgpu_ring_emit_raw(c, variant->dw, variant->ndw));
	ASSERT_EQ(0, libmvgpu_emit_fence(c, c->fence_va, 1000, false));
	expect_fault(_metadata, &self->f, c, s1, off, variant->reason,
		     variant->operand ? ~0ull : c->ring_va + off);
	if (variant->operand) {
		struct libmvgpu_fault f;

		libmvgpu_ctx_read_fault(c, &f);
		ASSERT_TRUE(f.addr == variant->operand ||
			    f.addr == c->ring_va + off);
	}
}

TEST_F_TIMEOUT(flt, bad_ring, 120)
{
	static const struct {
		const char *what;
		uint64_t base_delta;
		uint32_t size;
	} cases[] = {
		{ "size not a power of two", 0, 6000 },
		{ "size too big", 0, 2u << 20 },
		{ "size too small", 0, 2048 },
		{ "base not 4K aligned", 0x800, 4096 },
	};
	struct libmvgpu_fault f;
	unsigned int i;

	for (i = 0; i < MT_ARRAY_SIZE(cases); i++) {
		struct libmvgpu_ctx c;

		/* contexts 1..3 of the 1/8 vGPU; the last shares ctx 1 */
		ASSERT_EQ(0, libmvgpu_ctx_init(&c, &self->g.gpu, &self->g.pt,
					       1 + i % 3, RING_SIZE));
		libmvgpu_ctx_disable(&c);
		libmvgpu_ctx_wr(&c, MVGPU_CTX_RING_BASE_LO,
				(uint32_t)(c.ring_va + cases[i].base_delta));
		libmvgpu_ctx_wr(&c, MVGPU_CTX_RING_SIZE, cases[i].size);
		libmvgpu_ctx_wr(&c, MVGPU_CTX_CONTROL, MVGPU_CTX_CONTROL_ENABLE);
		ASSERT_EQ(0, libmvgpu_emit_nop(&c, 4));
		libmvgpu_ring_kick(&c);
		ASSERT_EQ(0, libmvgpu_ctx_wait_fault(&c, ET_TIMEOUT_MS, &f))
			TH_LOG("%s: no fault", cases[i].what);
		ASSERT_EQ(MVGPU_FAULT_BAD_RING, f.reason)
			TH_LOG("%s", cases[i].what);
		ASSERT_NE(0, libmvgpu_gpu_rd(&self->g.gpu, MVGPU_REG_IRQ_STATUS) &
			     MVGPU_IRQ_FAULT(c.idx));
		libmvgpu_ctx_disable(&c);
		libmvgpu_ctx_fault_clear(&c);
		libmvgpu_gpu_wr(&self->g.gpu, MVGPU_REG_IRQ_ACK, 0xffffffff);
	}
	/* context 0 is untouched */
	ASSERT_EQ(0, libmvgpu_ctx_sync(&self->ctx, ET_TIMEOUT_MS));
}

TEST_F_TIMEOUT(flt, ring_not_mapped, 120)
{
	struct libmvgpu_ctx c;
	struct libmvgpu_fault f;

	ASSERT_EQ(0, libmvgpu_ctx_init(&c, &self->g.gpu, &self->g.pt, 1,
				       RING_SIZE));
	/* point the ring at an unmapped VA */
	libmvgpu_ctx_disable(&c);
	libmvgpu_ctx_wr(&c, MVGPU_CTX_RING_BASE_LO, 0x60000000);
	libmvgpu_ctx_wr(&c, MVGPU_CTX_CONTROL, MVGPU_CTX_CONTROL_ENABLE);
	libmvgpu_ctx_wr(&c, MVGPU_CTX_RING_TAIL,
			(libmvgpu_ctx_rd(&c, MVGPU_CTX_RING_HEAD) + 16) % RING_SIZE);
	ASSERT_EQ(0, libmvgpu_ctx_wait_fault(&c, ET_TIMEOUT_MS, &f));
	TH_LOG("reason %u addr %#llx", f.reason, (unsigned long long)f.addr);
	/*
	 * Fetching from an unmapped ring is a translation fault; a device
	 * may also call the ring itself invalid.
	 */
	ASSERT_TRUE(f.reason == MVGPU_FAULT_NOT_PRESENT ||
		    f.reason == MVGPU_FAULT_BAD_RING);
	ASSERT_EQ(0x60000000ull, f.addr & ~(uint64_t)(RING_SIZE - 1));
}

TEST_F_TIMEOUT(flt, fault_isolation, 120)
{
	struct libmvgpu_ctx *c0 = &self->ctx, c1;
	struct et_gpu other;
	struct libmvgpu_ctx oc;
	struct libmvgpu_fault f;
	struct et_buf ob;
	uint32_t off;
	int ret;

	/* context 0 faults and stays faulted */
	off = fault_unmapped(_metadata, self, c0);

	/* context 1 of the same vGPU runs */
	ASSERT_EQ(0, libmvgpu_ctx_init(&c1, &self->g.gpu, &self->g.pt, 1,
				       RING_SIZE));
	memset(self->dst.cpu, 0, 8192);
	ASSERT_EQ(0, libmvgpu_emit_fill(&c1, ET_VA_DST, 8192, 0x0badcafe));
	ASSERT_EQ(0, libmvgpu_ctx_sync(&c1, ET_TIMEOUT_MS));
	ASSERT_EQ(0x0badcafe, ((uint32_t *)self->dst.cpu)[2047]);
	ASSERT_EQ(0, libmvgpu_ctx_rd(&c1, MVGPU_CTX_STATUS) &
		     MVGPU_CTX_STATUS_FAULTED);
	ASSERT_EQ(0, libmvgpu_gpu_rd(&self->g.gpu, MVGPU_REG_IRQ_STATUS) &
		     MVGPU_IRQ_FAULT(1));

	/* another vGPU on the same physical GPU runs */
	ret = et_up_flags(&other, MT_PARENT0, MT_T18, 1 << 20, ET_UNMAPPED_OK,
			  self->msg, sizeof(self->msg));
	if (ret) {
		et_down(&other);
		ASSERT_EQ(0, ret) TH_LOG("%s", self->msg);
	}
	ret = et_buf_sys(&other.gpu, &other.pt, ET_VA_DST, 4096, 0,
			 LIBMVGPU_MAP_WRITE, &ob);
	if (!ret)
		ret = libmvgpu_ctx_init(&oc, &other.gpu, &other.pt, 0, RING_SIZE);
	if (!ret)
		ret = libmvgpu_emit_fill(&oc, ET_VA_DST, 4096, 0x600df00d);
	if (!ret)
		ret = libmvgpu_ctx_sync(&oc, ET_TIMEOUT_MS);
	if (!ret && ((uint32_t *)ob.cpu)[1023] != 0x600df00d)
		ret = -EIO;
	if (!ret && libmvgpu_gpu_rd(&other.gpu, MVGPU_REG_IRQ_STATUS))
		ret = -EBUSY;
	EXPECT_EQ(0, et_down(&other));
	ASSERT_EQ(0, ret);

	/* context 0 is still faulted where it was */
	libmvgpu_ctx_read_fault(c0, &f);
	ASSERT_NE(0, f.status & MVGPU_CTX_STATUS_FAULTED);
	ASSERT_EQ(MVGPU_FAULT_NOT_PRESENT, f.reason);
	ASSERT_EQ(off, f.head);
}

TEST_HARNESS_MAIN

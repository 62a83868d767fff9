// SPDX-License-Identifier: GPL-2.0
/*
 * mmio_regs: the BAR0 register file of a vGPU: reset values, access rules
 * (RO, WO, RW), unknown offsets, refused access sizes, per-context blocks;
 * the display block's presence (CAPS, DISP_MAX_*) follows the type's
 * description, and without a display its offsets read 0 and ignore writes.
 * (The display registers themselves: display.c.)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kselftest_harness.h"
#include "mvgpu_test.h"

#define BAR0	VFIO_PCI_BAR0_REGION_INDEX

FIXTURE(mmio) {
	struct mt_vgpu v;
	struct libmvgpu_dev *dev;
	unsigned int nr_ctx;
	uint32_t disp_w, disp_h;	/* the type's display, 0 without */
	int setup_err;
	char msg[256];
};

FIXTURE_VARIANT(mmio) {
	const char *parent;
	const struct mt_type *type;
};

FIXTURE_VARIANT_ADD(mmio, t1_8) {
	.parent = MT_PARENT0,
	.type = MT_T18,
};

FIXTURE_VARIANT_ADD(mmio, t1_4) {
	.parent = MT_PARENT1,
	.type = MT_T14,
};

FIXTURE_VARIANT_ADD(mmio, t1_1) {
	.parent = MT_PARENT0,
	.type = MT_T11,
};

/* 2 MiB of VRAM: no display (640x480 fills more than half) */
FIXTURE_VARIANT_ADD(mmio, t1_64) {
	.parent = MT_PARENT1,
	.type = MT_T164,
};

FIXTURE_SETUP(mmio)
{
	self->dev = &self->v.dev;
	self->nr_ctx = variant->type->contexts;
	self->setup_err = mt_vgpu_fixture_up(&self->v, variant->parent,
					     variant->type, self->msg,
					     sizeof(self->msg));
	if (!self->setup_err) {
		self->setup_err = mt_display_of(variant->parent, variant->type,
						&self->disp_w, &self->disp_h);
		if (self->setup_err)
			snprintf(self->msg, sizeof(self->msg),
				 "display line of the description: %s",
				 strerror(-self->setup_err));
	}
}

FIXTURE_TEARDOWN(mmio)
{
	int ret = mt_vgpu_destroy(&self->v);

	if (ret)
		TH_LOG("removing %s: %s", self->v.uuid, strerror(-ret));
}

static uint32_t rd(struct __test_metadata *_metadata, struct libmvgpu_dev *dev,
		   uint32_t off)
{
	uint32_t val = 0xdeadbeef;
	int ret = libmvgpu_reg_read(dev, off, &val);

	if (ret)
		TH_LOG("read 0x%04x: %s", off, strerror(-ret));
	ASSERT_EQ(0, ret);
	return val;
}

static void wr(struct __test_metadata *_metadata, struct libmvgpu_dev *dev,
	       uint32_t off, uint32_t val)
{
	int ret = libmvgpu_reg_write(dev, off, val);

	if (ret)
		TH_LOG("write 0x%04x: %s", off, strerror(-ret));
	ASSERT_EQ(0, ret);
}

#define REG_EQ(off, want) do { \
	uint32_t __off = (off), __want = (want); \
	uint32_t __v = rd(_metadata, self->dev, __off); \
	if (__v != __want) \
		TH_LOG("reg 0x%04x = 0x%08x, want 0x%08x", __off, __v, \
		       __want); \
	EXPECT_EQ(__want, __v); \
} while (0)

static const uint32_t ctx_regs[] = {
	MVGPU_CTX_PT_ROOT_LO, MVGPU_CTX_PT_ROOT_HI, MVGPU_CTX_RING_BASE_LO,
	MVGPU_CTX_RING_BASE_HI, MVGPU_CTX_RING_SIZE, MVGPU_CTX_RING_HEAD,
	MVGPU_CTX_RING_TAIL, MVGPU_CTX_CONTROL, MVGPU_CTX_STATUS,
	MVGPU_CTX_FENCE_LO, MVGPU_CTX_FENCE_HI, MVGPU_CTX_FAULT_REASON,
	MVGPU_CTX_FAULT_ADDR_LO, MVGPU_CTX_FAULT_ADDR_HI,
	MVGPU_CTX_FAULT_CLEAR, MVGPU_CTX_TLB_INV_ADDR_LO,
	MVGPU_CTX_TLB_INV_ADDR_HI, MVGPU_CTX_TLB_INV_SIZE_LO,
	MVGPU_CTX_TLB_INV_SIZE_HI, MVGPU_CTX_TLB_INV,
};

static uint32_t ctx_irq_bits(unsigned int nr_ctx)
{
	uint32_t fence = nr_ctx >= 16 ? 0xffff : (1u << nr_ctx) - 1;

	return fence | fence << 16;
}

TEST_F(mmio, reset_values)
{
	uint64_t vram = mt_type_vram(variant->type);
	unsigned int n;
	size_t i;

	CHECK_SETUP();
	REG_EQ(MVGPU_REG_ID, MVGPU_ID_MAGIC);
	/* version 1.1 */
	REG_EQ(MVGPU_REG_VERSION, 0x00010001);
	EXPECT_EQ(0x00010001, MVGPU_VERSION_MAJOR << 16 | MVGPU_VERSION_MINOR);
	/* 0xf, and bit 4 (DISPLAY) where the type has a display */
	REG_EQ(MVGPU_REG_CAPS, self->disp_w ? 0x1f : 0xf);
	EXPECT_EQ(0x10, MVGPU_CAP_DISPLAY);
	REG_EQ(MVGPU_REG_DISP_MAX_WIDTH, self->disp_w);
	REG_EQ(MVGPU_REG_DISP_MAX_HEIGHT, self->disp_h);
	REG_EQ(MVGPU_REG_NR_CONTEXTS, variant->type->contexts);
	REG_EQ(MVGPU_REG_VRAM_SIZE_LO, (uint32_t)vram);
	REG_EQ(MVGPU_REG_VRAM_SIZE_HI, (uint32_t)(vram >> 32));
	REG_EQ(MVGPU_REG_WEIGHT, variant->type->weight);
	REG_EQ(MVGPU_REG_SCRATCH, 0);
	REG_EQ(MVGPU_REG_IRQ_STATUS, 0);
	REG_EQ(MVGPU_REG_IRQ_MASK, 0);
	REG_EQ(MVGPU_REG_IRQ_ACK, 0);
	REG_EQ(MVGPU_REG_RESET, 0);
	REG_EQ(MVGPU_REG_IRQ_RAISE, 0);
	for (n = 0; n < MVGPU_MAX_CONTEXTS; n++)
		for (i = 0; i < MT_ARRAY_SIZE(ctx_regs); i++)
			REG_EQ(MVGPU_CTX_REG(n, ctx_regs[i]), 0);
}

TEST_F(mmio, read_only_ignores_writes)
{
	static const uint32_t ro[] = {
		MVGPU_REG_ID, MVGPU_REG_VERSION, MVGPU_REG_CAPS,
		MVGPU_REG_NR_CONTEXTS, MVGPU_REG_VRAM_SIZE_LO,
		MVGPU_REG_VRAM_SIZE_HI, MVGPU_REG_WEIGHT,
		MVGPU_REG_IRQ_STATUS,
	};
	static const uint32_t ctx_ro[] = {
		MVGPU_CTX_RING_HEAD, MVGPU_CTX_STATUS, MVGPU_CTX_FENCE_LO,
		MVGPU_CTX_FENCE_HI, MVGPU_CTX_FAULT_REASON,
		MVGPU_CTX_FAULT_ADDR_LO, MVGPU_CTX_FAULT_ADDR_HI,
	};
	uint32_t before[MT_ARRAY_SIZE(ro)], off;
	unsigned int n;
	size_t i;

	CHECK_SETUP();
	for (i = 0; i < MT_ARRAY_SIZE(ro); i++) {
		before[i] = rd(_metadata, self->dev, ro[i]);
		wr(_metadata, self->dev, ro[i], ~before[i]);
		wr(_metadata, self->dev, ro[i], 0);
	}
	for (i = 0; i < MT_ARRAY_SIZE(ro); i++)
		REG_EQ(ro[i], before[i]);

	for (n = 0; n < self->nr_ctx; n++) {
		for (i = 0; i < MT_ARRAY_SIZE(ctx_ro); i++) {
			off = MVGPU_CTX_REG(n, ctx_ro[i]);
			wr(_metadata, self->dev, off, 0xfffffff0);
			REG_EQ(off, 0);
		}
	}
	/* writes to the timestamp are accepted and ignored */
	wr(_metadata, self->dev, MVGPU_REG_TIMESTAMP_LO, 0);
	wr(_metadata, self->dev, MVGPU_REG_TIMESTAMP_HI, 0xffffffff);
	EXPECT_NE(0xffffffff, rd(_metadata, self->dev,
				 MVGPU_REG_TIMESTAMP_HI));
}

TEST_F(mmio, write_only_reads_zero)
{
	uint32_t mask = ctx_irq_bits(self->nr_ctx);
	unsigned int n;

	CHECK_SETUP();
	wr(_metadata, self->dev, MVGPU_REG_SCRATCH, 0x5a5a1234);
	/* IRQ_ACK of nothing pending, RESET without the magic: no effect */
	wr(_metadata, self->dev, MVGPU_REG_IRQ_ACK, 0xffffffff);
	REG_EQ(MVGPU_REG_IRQ_ACK, 0);
	wr(_metadata, self->dev, MVGPU_REG_RESET, 0x1);
	wr(_metadata, self->dev, MVGPU_REG_RESET, ~MVGPU_RESET_MAGIC);
	REG_EQ(MVGPU_REG_RESET, 0);
	REG_EQ(MVGPU_REG_SCRATCH, 0x5a5a1234);

	/* IRQ_RAISE reads 0 but its bits show up in IRQ_STATUS */
	wr(_metadata, self->dev, MVGPU_REG_IRQ_RAISE, 0x1);
	REG_EQ(MVGPU_REG_IRQ_RAISE, 0);
	REG_EQ(MVGPU_REG_IRQ_STATUS, 0x1);
	wr(_metadata, self->dev, MVGPU_REG_IRQ_ACK, 0x1);
	REG_EQ(MVGPU_REG_IRQ_STATUS, 0);

	/* only bits of implemented contexts can be set */
	wr(_metadata, self->dev, MVGPU_REG_IRQ_RAISE, 0xffffffff);
	REG_EQ(MVGPU_REG_IRQ_STATUS, mask);
	wr(_metadata, self->dev, MVGPU_REG_IRQ_ACK, 0xffffffff);
	REG_EQ(MVGPU_REG_IRQ_STATUS, 0);

	for (n = 0; n < self->nr_ctx; n++) {
		wr(_metadata, self->dev,
		   MVGPU_CTX_REG(n, MVGPU_CTX_FAULT_CLEAR), 1);
		REG_EQ(MVGPU_CTX_REG(n, MVGPU_CTX_FAULT_CLEAR), 0);
		wr(_metadata, self->dev, MVGPU_CTX_REG(n, MVGPU_CTX_TLB_INV), 1);
		REG_EQ(MVGPU_CTX_REG(n, MVGPU_CTX_TLB_INV), 0);
		REG_EQ(MVGPU_CTX_REG(n, MVGPU_CTX_STATUS), 0);
	}
}

TEST_F(mmio, read_write_registers)
{
	static const uint32_t pats[] = {
		0xffffffff, 0x00000000, 0xa5a5a5a5, 0x5a5a5a5a, 0x00000001,
		0x80000000,
	};
	uint32_t mask = ctx_irq_bits(self->nr_ctx);
	unsigned int n;
	size_t i;

	CHECK_SETUP();
	for (i = 0; i < MT_ARRAY_SIZE(pats); i++) {
		wr(_metadata, self->dev, MVGPU_REG_SCRATCH, pats[i]);
		REG_EQ(MVGPU_REG_SCRATCH, pats[i]);
	}
	/* IRQ_MASK keeps the bits of implemented contexts only */
	wr(_metadata, self->dev, MVGPU_REG_IRQ_MASK, 0xffffffff);
	REG_EQ(MVGPU_REG_IRQ_MASK, mask);
	wr(_metadata, self->dev, MVGPU_REG_IRQ_MASK, 0x00010001);
	REG_EQ(MVGPU_REG_IRQ_MASK, 0x00010001);
	wr(_metadata, self->dev, MVGPU_REG_IRQ_MASK, 0);
	REG_EQ(MVGPU_REG_IRQ_MASK, 0);

	/* context registers with valid values (the context stays off) */
	for (n = 0; n < self->nr_ctx; n++) {
		uint32_t seed = 0x1000 * (n + 1);

#define CTX(r)	MVGPU_CTX_REG(n, MVGPU_CTX_##r)
		wr(_metadata, self->dev, CTX(PT_ROOT_LO), 0x00200000 + seed);
		wr(_metadata, self->dev, CTX(PT_ROOT_HI), 0x1 + n);
		wr(_metadata, self->dev, CTX(RING_BASE_LO), 0x00400000 + seed);
		wr(_metadata, self->dev, CTX(RING_BASE_HI), 0x2 + n);
		wr(_metadata, self->dev, CTX(RING_SIZE), 0x1000 << (n % 9));
		wr(_metadata, self->dev, CTX(TLB_INV_ADDR_LO), 0x10000 + seed);
		wr(_metadata, self->dev, CTX(TLB_INV_ADDR_HI), 0x3 + n);
		wr(_metadata, self->dev, CTX(TLB_INV_SIZE_LO), seed);
		wr(_metadata, self->dev, CTX(TLB_INV_SIZE_HI), n);
	}
	for (n = 0; n < self->nr_ctx; n++) {
		uint32_t seed = 0x1000 * (n + 1);

		REG_EQ(CTX(PT_ROOT_LO), 0x00200000 + seed);
		REG_EQ(CTX(PT_ROOT_HI), 0x1 + n);
		REG_EQ(CTX(RING_BASE_LO), 0x00400000 + seed);
		REG_EQ(CTX(RING_BASE_HI), 0x2 + n);
		REG_EQ(CTX(RING_SIZE), 0x1000 << (n % 9));
		REG_EQ(CTX(TLB_INV_ADDR_LO), 0x10000 + seed);
		REG_EQ(CTX(TLB_INV_ADDR_HI), 0x3 + n);
		REG_EQ(CTX(TLB_INV_SIZE_LO), seed);
		REG_EQ(CTX(TLB_INV_SIZE_HI), n);
		REG_EQ(CTX(CONTROL), 0);
		REG_EQ(CTX(STATUS), 0);
		REG_EQ(CTX(RING_HEAD), 0);
#undef CTX
	}
	/* nothing faulted or signalled */
	REG_EQ(MVGPU_REG_IRQ_STATUS, 0);
}

TEST_F(mmio, unimplemented_contexts)
{
	unsigned int n;
	size_t i;

	CHECK_SETUP();
	for (n = self->nr_ctx; n < MVGPU_MAX_CONTEXTS; n++) {
		for (i = 0; i < MT_ARRAY_SIZE(ctx_regs); i++)
			wr(_metadata, self->dev,
			   MVGPU_CTX_REG(n, ctx_regs[i]), 0x00001000);
		for (i = 0; i < MT_ARRAY_SIZE(ctx_regs); i++)
			REG_EQ(MVGPU_CTX_REG(n, ctx_regs[i]), 0);
	}
	REG_EQ(MVGPU_REG_IRQ_STATUS, 0);
}

TEST_F(mmio, unknown_offsets)
{
	static const uint32_t offs[] = {
		0x003c, 0x0040, 0x0100, 0x07fc, 0x0844, 0x0bfc, 0x0f00,
		0x0ffc,
		MVGPU_CTX_REG(0, 0x24), MVGPU_CTX_REG(0, 0x54),
		MVGPU_CTX_REG(0, 0xfc), MVGPU_CTX_REG(1, 0x80),
		MVGPU_CTX_REG(MVGPU_MAX_CONTEXTS, 0),	/* 0x2000 */
		0x2004, 0x8000, 0xfffc,
	};
	size_t i;

	CHECK_SETUP();
	for (i = 0; i < MT_ARRAY_SIZE(offs); i++) {
		REG_EQ(offs[i], 0);
		wr(_metadata, self->dev, offs[i], 0xffffffff);
		REG_EQ(offs[i], 0);
	}
	/* the known registers did not change */
	REG_EQ(MVGPU_REG_ID, MVGPU_ID_MAGIC);
	REG_EQ(MVGPU_REG_SCRATCH, 0);
	REG_EQ(MVGPU_REG_IRQ_STATUS, 0);
	REG_EQ(MVGPU_REG_IRQ_MASK, 0);
}

/* A listed display register (device.rst, "Display registers")? */
static bool disp_listed(uint32_t off)
{
	return off <= MVGPU_REG_DISP_IRQ_ACK ||
	       (off >= MVGPU_DISP_EDID &&
		off < MVGPU_DISP_EDID + MVGPU_DISP_EDID_MAX);
}

/*
 * Without a display the display block (0x0800-0x0fff) reads 0 and ignores
 * writes, a whole plane committed included; with one its unlisted offsets
 * do and its read-only registers ignore writes.
 */
TEST_F(mmio, display_block)
{
	static const uint32_t ro[] = {
		MVGPU_REG_DISP_MAX_WIDTH, MVGPU_REG_DISP_MAX_HEIGHT,
		MVGPU_REG_DISP_CONNECTOR, MVGPU_REG_DISP_EDID_SIZE,
		MVGPU_REG_DISP_STATUS, MVGPU_REG_DISP_ERROR,
		MVGPU_REG_DISP_IRQ_STATUS, MVGPU_DISP_EDID,
		MVGPU_DISP_EDID + MVGPU_DISP_EDID_MAX - 4,
	};
	uint32_t off, before[MT_ARRAY_SIZE(ro)];
	size_t i;

	CHECK_SETUP();
	if (self->disp_w) {
		for (i = 0; i < MT_ARRAY_SIZE(ro); i++) {
			before[i] = rd(_metadata, self->dev, ro[i]);
			wr(_metadata, self->dev, ro[i], ~before[i]);
		}
		for (i = 0; i < MT_ARRAY_SIZE(ro); i++)
			REG_EQ(ro[i], before[i]);
		for (off = MVGPU_DISP_BASE; off < MVGPU_CTX_BASE; off += 4) {
			if (disp_listed(off))
				continue;
			wr(_metadata, self->dev, off, 0xffffffff);
			REG_EQ(off, 0);
		}
		REG_EQ(MVGPU_REG_CAPS, 0x1f);
		return;
	}
	for (off = MVGPU_DISP_BASE; off < MVGPU_CTX_BASE; off += 4)
		REG_EQ(off, 0);
	/* a whole plane, committed; the masks; the EDID words */
	for (off = MVGPU_DISP_BASE; off < MVGPU_CTX_BASE; off += 4)
		wr(_metadata, self->dev, off, off == MVGPU_REG_DISP_FB_FORMAT ?
		   MVGPU_DISP_FORMAT_XRGB8888 : off == MVGPU_REG_DISP_FB_STRIDE ?
		   0x1000 : off == MVGPU_REG_DISP_FB_BASE_LO ||
		   off == MVGPU_REG_DISP_FB_BASE_HI ? 0 : 1);
	for (off = MVGPU_DISP_BASE; off < MVGPU_CTX_BASE; off += 4)
		REG_EQ(off, 0);
	REG_EQ(MVGPU_REG_CAPS, 0xf);
	REG_EQ(MVGPU_REG_IRQ_STATUS, 0);
}

/* The access (what) of len bytes at off gave n == -EINVAL. */
static void expect_einval(struct __test_metadata *_metadata, const char *what,
			  uint64_t off, size_t len, ssize_t n)
{
	if (n != -EINVAL)
		TH_LOG("%s %zu bytes at 0x%llx: %zd, want -EINVAL", what, len,
		       (unsigned long long)off, n);
	EXPECT_EQ(-EINVAL, n);
}

/* Only aligned 32-bit accesses inside 64 KiB: others are -EINVAL */
TEST_F(mmio, refused_accesses)
{
	static const struct {
		uint64_t off;
		size_t len;
	} bad[] = {
		{ MVGPU_REG_SCRATCH, 1 }, { MVGPU_REG_SCRATCH, 2 },
		{ MVGPU_REG_SCRATCH, 8 }, { MVGPU_REG_SCRATCH + 1, 1 },
		{ MVGPU_REG_SCRATCH + 2, 2 }, { MVGPU_REG_SCRATCH + 1, 4 },
		{ MVGPU_REG_SCRATCH + 2, 4 }, { MVGPU_REG_SCRATCH - 1, 4 },
		{ MVGPU_REG_ID, 8 }, { MVGPU_REG_SCRATCH, 3 },
		{ MVGPU_MMIO_SIZE, 4 }, { MVGPU_MMIO_SIZE + 4, 4 },
		{ MVGPU_MMIO_SIZE - 2, 4 }, { 0x100000, 4 },
	};
	uint8_t buf[8];
	ssize_t n;
	size_t i;

	CHECK_SETUP();
	wr(_metadata, self->dev, MVGPU_REG_SCRATCH, 0x11223344);
	for (i = 0; i < MT_ARRAY_SIZE(bad); i++) {
		memset(buf, 0xee, sizeof(buf));
		n = libmvgpu_region_read(self->dev, BAR0, bad[i].off, buf,
					 bad[i].len);
		expect_einval(_metadata, "read", bad[i].off, bad[i].len, n);
		n = libmvgpu_region_write(self->dev, BAR0, bad[i].off, buf,
					  bad[i].len);
		expect_einval(_metadata, "write", bad[i].off, bad[i].len, n);
	}
	/* none of the refused writes reached SCRATCH */
	REG_EQ(MVGPU_REG_SCRATCH, 0x11223344);
	/* the last valid register works */
	REG_EQ(MVGPU_MMIO_SIZE - 4, 0);
}

/* RING_TAIL: multiples of 4 only, kept modulo RING_SIZE */
TEST_F(mmio, ring_tail)
{
	uint32_t base = MVGPU_CTX_REG(0, 0);

	CHECK_SETUP();
	wr(_metadata, self->dev, base + MVGPU_CTX_RING_SIZE, 0x1000);
	wr(_metadata, self->dev, base + MVGPU_CTX_RING_TAIL, 0x10);
	REG_EQ(base + MVGPU_CTX_RING_TAIL, 0x10);
	wr(_metadata, self->dev, base + MVGPU_CTX_RING_TAIL, 0x13);
	REG_EQ(base + MVGPU_CTX_RING_TAIL, 0x10);
	wr(_metadata, self->dev, base + MVGPU_CTX_RING_TAIL, 0x22);
	REG_EQ(base + MVGPU_CTX_RING_TAIL, 0x10);
	wr(_metadata, self->dev, base + MVGPU_CTX_RING_TAIL, 0xffc);
	REG_EQ(base + MVGPU_CTX_RING_TAIL, 0xffc);
	wr(_metadata, self->dev, base + MVGPU_CTX_RING_TAIL, 0x1020);
	REG_EQ(base + MVGPU_CTX_RING_TAIL, 0x20);
	/* a disabled context consumes nothing */
	REG_EQ(base + MVGPU_CTX_RING_HEAD, 0);
	REG_EQ(base + MVGPU_CTX_STATUS, 0);
	REG_EQ(MVGPU_REG_IRQ_STATUS, 0);
}

static uint64_t read_ts(struct __test_metadata *_metadata,
			struct libmvgpu_dev *dev)
{
	uint32_t lo = rd(_metadata, dev, MVGPU_REG_TIMESTAMP_LO);
	uint32_t hi = rd(_metadata, dev, MVGPU_REG_TIMESTAMP_HI);

	return (uint64_t)hi << 32 | lo;
}

/* TIMESTAMP counts nanoseconds; LO latches HI */
TEST_F(mmio, timestamp)
{
	struct timespec t0, t1, delay = { .tv_nsec = 20 * 1000 * 1000 };
	uint64_t a, b, host;

	CHECK_SETUP();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	a = read_ts(_metadata, self->dev);
	nanosleep(&delay, NULL);
	b = read_ts(_metadata, self->dev);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	host = (t1.tv_sec - t0.tv_sec) * 1000000000ull + t1.tv_nsec -
	       t0.tv_nsec;
	EXPECT_NE(0, a);
	ASSERT_LT(a, b);
	/* at least the sleep, at most the host's elapsed time plus slack */
	EXPECT_LE(20 * 1000 * 1000ull, b - a);
	EXPECT_GE(host + 10 * 1000 * 1000ull, b - a);
	/* HI does not move between LO reads */
	EXPECT_EQ(rd(_metadata, self->dev, MVGPU_REG_TIMESTAMP_HI),
		  rd(_metadata, self->dev, MVGPU_REG_TIMESTAMP_HI));
}

TEST_HARNESS_MAIN

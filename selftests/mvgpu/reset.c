// SPDX-License-Identifier: GPL-2.0
/*
 * reset: the three kinds of vGPU reset (VFIO_DEVICE_RESET, PCIe FLR, the
 * RESET register): registers back to reset values, VRAM cleared, the
 * neighbour untouched, the resets counter counting.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mvgpu_test.h"

#define BAR2		VFIO_PCI_BAR2_REGION_INDEX
#define CFG_COMMAND	0x04
#define CFG_BAR0	0x10
#define MSI_POS		0x40
#define PCIE_DEVCTL	(0x60 + 0x08)
#define DEVCTL_FLR	0x8000
#define CMD_DIRTY	0x0006	/* memory space + bus master */

enum reset_kind { RESET_VFIO, RESET_FLR, RESET_REG };

FIXTURE(reset) {
	struct mt_vgpu v[2];	/* [0] is reset, [1] is its neighbour */
	struct mt_vram m[2];	/* their VRAM, mapped or through the fd */
	int efd;
	int setup_err;
	char msg[256];
};

FIXTURE_VARIANT(reset) {
	enum reset_kind kind;
};

FIXTURE_VARIANT_ADD(reset, vfio_device_reset) {
	.kind = RESET_VFIO,
};

FIXTURE_VARIANT_ADD(reset, pcie_flr) {
	.kind = RESET_FLR,
};

FIXTURE_VARIANT_ADD(reset, reset_register) {
	.kind = RESET_REG,
};

FIXTURE_SETUP(reset)
{
	int i, ret;

	self->efd = -1;
	for (i = 0; i < 2; i++) {
		mt_vgpu_init(&self->v[i]);
		memset(&self->m[i], 0, sizeof(self->m[i]));
	}
	self->setup_err = mt_check_state(self->msg, sizeof(self->msg));
	if (self->setup_err)
		return;
	for (i = 0; i < 2; i++) {
		ret = mt_vgpu_create_open(&self->v[i], MT_PARENT0, MT_T18);
		if (ret) {
			snprintf(self->msg, sizeof(self->msg),
				 "create/open: %s", strerror(-ret));
			self->setup_err = ret;
			return;
		}
		/* mapped, or a copy before 6.10 (mt_vram_get()) */
		ret = mt_vram_get(&self->m[i], &self->v[i].dev);
		if (ret) {
			self->setup_err = ret;
			snprintf(self->msg, sizeof(self->msg),
				 "BAR2: %s", strerror(-ret));
			return;
		}
	}
	self->efd = mt_fixture_eventfd(self->msg, sizeof(self->msg));
	if (self->efd < 0)
		self->setup_err = self->efd;
}

FIXTURE_TEARDOWN(reset)
{
	int i, ret;

	for (i = 0; i < 2; i++) {
		mt_vram_put(&self->m[i]);
		ret = mt_vgpu_destroy(&self->v[i]);
		if (ret)
			TH_LOG("removing %s: %s", self->v[i].uuid,
			       strerror(-ret));
	}
	if (self->efd >= 0)
		close(self->efd);
}

#define RD(dev, off)	libmvgpu_rd32((dev), (off))
#define WR(dev, off, val) ASSERT_EQ(0, libmvgpu_reg_write((dev), (off), (val)))

static const uint32_t ctx0_rw[] = {
	MVGPU_CTX_PT_ROOT_LO, MVGPU_CTX_PT_ROOT_HI, MVGPU_CTX_RING_BASE_LO,
	MVGPU_CTX_RING_BASE_HI, MVGPU_CTX_RING_SIZE,
	MVGPU_CTX_TLB_INV_ADDR_LO, MVGPU_CTX_TLB_INV_ADDR_HI,
	MVGPU_CTX_TLB_INV_SIZE_LO, MVGPU_CTX_TLB_INV_SIZE_HI,
};

/* Give a vGPU non-reset state everywhere a reset has to clear. */
static void dirty(struct __test_metadata *_metadata, struct libmvgpu_dev *dev,
		  struct mt_vram *m, uint32_t seed)
{
	size_t i;

	WR(dev, MVGPU_REG_SCRATCH, 0xc0de0000 | seed);
	WR(dev, MVGPU_REG_IRQ_MASK, MVGPU_IRQ_FAULT(1));
	WR(dev, MVGPU_REG_IRQ_RAISE, MVGPU_IRQ_FENCE(0));
	for (i = 0; i < MT_ARRAY_SIZE(ctx0_rw); i++)
		WR(dev, MVGPU_CTX_REG(0, ctx0_rw[i]), 0x1000 * (i + 1));
	/* RING_TAIL is kept modulo RING_SIZE: give it a size first */
	WR(dev, MVGPU_CTX_REG(1, MVGPU_CTX_RING_SIZE), 0x2000);
	WR(dev, MVGPU_CTX_REG(1, MVGPU_CTX_RING_TAIL), 0x40);
	/*
	 * An enabled context (its page table at GPA 0 is not mapped, so it
	 * may fault: either way it is state a reset has to drop).
	 */
	WR(dev, MVGPU_CTX_REG(2, MVGPU_CTX_RING_SIZE), 0x1000);
	WR(dev, MVGPU_CTX_REG(2, MVGPU_CTX_CONTROL), MVGPU_CTX_CONTROL_ENABLE);
	ASSERT_EQ(0, libmvgpu_cfg_write16(dev, CFG_COMMAND, CMD_DIRTY));
	ASSERT_EQ(0, libmvgpu_cfg_write32(dev, CFG_BAR0, 0xfe000000));
	ASSERT_EQ(0, libmvgpu_msi_enable(dev, 0x0042, -1));
	mt_pattern_fill(m->p, m->len, 0, seed);
	ASSERT_EQ(0, mt_vram_push(m));
}

static void expect_dirty(struct __test_metadata *_metadata,
			 struct libmvgpu_dev *dev, struct mt_vram *m,
			 uint32_t seed)
{
	uint16_t v16;
	size_t i;

	EXPECT_EQ(0xc0de0000 | seed, RD(dev, MVGPU_REG_SCRATCH));
	EXPECT_EQ(MVGPU_IRQ_FAULT(1), RD(dev, MVGPU_REG_IRQ_MASK));
	EXPECT_EQ(MVGPU_IRQ_FENCE(0), RD(dev, MVGPU_REG_IRQ_STATUS) &
		  MVGPU_IRQ_FENCE(0));
	EXPECT_EQ(MVGPU_CTX_CONTROL_ENABLE,
		  RD(dev, MVGPU_CTX_REG(2, MVGPU_CTX_CONTROL)));
	for (i = 0; i < MT_ARRAY_SIZE(ctx0_rw); i++)
		EXPECT_EQ(0x1000 * (i + 1),
			  RD(dev, MVGPU_CTX_REG(0, ctx0_rw[i])));
	EXPECT_EQ(0x2000, RD(dev, MVGPU_CTX_REG(1, MVGPU_CTX_RING_SIZE)));
	EXPECT_EQ(0x40, RD(dev, MVGPU_CTX_REG(1, MVGPU_CTX_RING_TAIL)));
	ASSERT_EQ(0, libmvgpu_cfg_read16(dev, CFG_COMMAND, &v16));
	EXPECT_EQ(CMD_DIRTY, v16);
	ASSERT_EQ(0, libmvgpu_cfg_read16(dev, MSI_POS + 2, &v16));
	EXPECT_EQ(1, v16 & 1);
	ASSERT_EQ(0, mt_vram_pull(m));
	EXPECT_EQ(-1, mt_pattern_check(m->p, m->len, 0, seed));
}

static void do_reset(struct __test_metadata *_metadata, struct libmvgpu_dev *dev,
		     enum reset_kind kind)
{
	uint16_t devctl;

	switch (kind) {
	case RESET_VFIO:
		ASSERT_EQ(0, libmvgpu_reset(dev));
		break;
	case RESET_FLR:
		ASSERT_EQ(0, libmvgpu_cfg_read16(dev, PCIE_DEVCTL, &devctl));
		ASSERT_EQ(0, libmvgpu_cfg_write16(dev, PCIE_DEVCTL,
						  devctl | DEVCTL_FLR));
		/* Initiate FLR always reads 0 */
		ASSERT_EQ(0, libmvgpu_cfg_read16(dev, PCIE_DEVCTL, &devctl));
		EXPECT_EQ(0, devctl & DEVCTL_FLR);
		break;
	case RESET_REG:
		ASSERT_EQ(0, libmvgpu_reg_write(dev, MVGPU_REG_RESET,
						MVGPU_RESET_MAGIC));
		break;
	}
}

TEST_F(reset, clears_state)
{
	struct libmvgpu_dev *a = &self->v[0].dev, *b = &self->v[1].dev;
	uint64_t resets0, resets1, other0, other1;
	uint32_t bar0;
	uint16_t v16;
	long long at;
	size_t i;

	CHECK_SETUP();
	dirty(_metadata, a, &self->m[0], 1);
	dirty(_metadata, b, &self->m[1], 2);
	expect_dirty(_metadata, a, &self->m[0], 1);
	ASSERT_EQ(0, libmvgpu_mdev_read_u64(self->v[0].uuid, "resets", &resets0));
	ASSERT_EQ(0, libmvgpu_mdev_read_u64(self->v[1].uuid, "resets", &other0));
	ASSERT_EQ(0, libmvgpu_cfg_read32(a, CFG_BAR0, &bar0));

	do_reset(_metadata, a, variant->kind);

	/* BAR0 registers at their reset values */
	EXPECT_EQ(MVGPU_ID_MAGIC, RD(a, MVGPU_REG_ID));
	EXPECT_EQ(MT_T18->contexts, RD(a, MVGPU_REG_NR_CONTEXTS));
	EXPECT_EQ(mt_type_vram(MT_T18), RD(a, MVGPU_REG_VRAM_SIZE_LO));
	EXPECT_EQ(0, RD(a, MVGPU_REG_SCRATCH));
	EXPECT_EQ(0, RD(a, MVGPU_REG_IRQ_MASK));
	EXPECT_EQ(0, RD(a, MVGPU_REG_IRQ_STATUS));
	for (i = 0; i < MT_ARRAY_SIZE(ctx0_rw); i++)
		EXPECT_EQ(0, RD(a, MVGPU_CTX_REG(0, ctx0_rw[i])));
	EXPECT_EQ(0, RD(a, MVGPU_CTX_REG(1, MVGPU_CTX_RING_SIZE)));
	EXPECT_EQ(0, RD(a, MVGPU_CTX_REG(1, MVGPU_CTX_RING_TAIL)));
	/* the enabled context is stopped and forgotten */
	EXPECT_EQ(0, RD(a, MVGPU_CTX_REG(2, MVGPU_CTX_CONTROL)));
	EXPECT_EQ(0, RD(a, MVGPU_CTX_REG(2, MVGPU_CTX_STATUS)));
	EXPECT_EQ(0, RD(a, MVGPU_CTX_REG(2, MVGPU_CTX_FAULT_REASON)));
	EXPECT_EQ(0, RD(a, MVGPU_CTX_REG(2, MVGPU_CTX_RING_SIZE)));

	/* VRAM cleared, every page */
	ASSERT_EQ(0, mt_vram_pull(&self->m[0]));
	at = mt_find_nonzero(self->m[0].p, self->m[0].len);
	if (at >= 0)
		TH_LOG("VRAM byte 0x%llx not cleared", at);
	EXPECT_EQ(-1, at);

	/* config space: reset by VFIO reset and FLR, kept by RESET */
	ASSERT_EQ(0, libmvgpu_cfg_read16(a, CFG_COMMAND, &v16));
	EXPECT_EQ(variant->kind == RESET_REG ? CMD_DIRTY : 0, v16);
	ASSERT_EQ(0, libmvgpu_cfg_read16(a, MSI_POS + 2, &v16));
	EXPECT_EQ(variant->kind == RESET_REG ? 1 : 0, v16 & 1);
	if (variant->kind == RESET_REG) {
		uint32_t v32;

		ASSERT_EQ(0, libmvgpu_cfg_read32(a, CFG_BAR0, &v32));
		EXPECT_EQ(bar0, v32);
		ASSERT_EQ(0, libmvgpu_cfg_read32(a, MSI_POS + 4, &v32));
		EXPECT_EQ(0xfee00000, v32);
		ASSERT_EQ(0, libmvgpu_cfg_read16(a, MSI_POS + 12, &v16));
		EXPECT_EQ(0x0042, v16);
	}

	/* the neighbour on the same GPU is untouched */
	expect_dirty(_metadata, b, &self->m[1], 2);

	/* one more reset counted, for this vGPU only */
	ASSERT_EQ(0, libmvgpu_mdev_read_u64(self->v[0].uuid, "resets", &resets1));
	ASSERT_EQ(0, libmvgpu_mdev_read_u64(self->v[1].uuid, "resets", &other1));
	EXPECT_EQ(resets0 + 1, resets1);
	EXPECT_EQ(other0, other1);

	/* and once more: the counter keeps counting */
	do_reset(_metadata, a, variant->kind);
	ASSERT_EQ(0, libmvgpu_mdev_read_u64(self->v[0].uuid, "resets", &resets1));
	EXPECT_EQ(resets0 + 2, resets1);
}

/* The vGPU works after the reset: registers, VRAM and interrupts */
TEST_F(reset, usable_after_reset)
{
	struct libmvgpu_dev *a = &self->v[0].dev;
	uint16_t ctrl;

	CHECK_SETUP();
	dirty(_metadata, a, &self->m[0], 3);
	do_reset(_metadata, a, variant->kind);

	WR(a, MVGPU_REG_SCRATCH, 0x600d);
	EXPECT_EQ(0x600d, RD(a, MVGPU_REG_SCRATCH));
	mt_pattern_fill(self->m[0].p, self->m[0].len, 0, 4);
	ASSERT_EQ(0, mt_vram_push(&self->m[0]));
	ASSERT_EQ(0, mt_vram_pull(&self->m[0]));
	EXPECT_EQ(-1, mt_pattern_check(self->m[0].p, self->m[0].len, 0, 4));

	/* MSI after the reset (re-enabled where the reset cleared it) */
	ASSERT_EQ(0, libmvgpu_cfg_read16(a, MSI_POS + 2, &ctrl));
	ASSERT_EQ(0, libmvgpu_cfg_write16(a, MSI_POS + 2, ctrl | 1));
	ASSERT_EQ(0, libmvgpu_irq_set_eventfd(a, VFIO_PCI_MSI_IRQ_INDEX,
					      self->efd));
	WR(a, MVGPU_REG_IRQ_MASK, MVGPU_IRQ_FENCE(0));
	WR(a, MVGPU_REG_IRQ_RAISE, MVGPU_IRQ_FENCE(0));
	EXPECT_EQ(1, libmvgpu_eventfd_wait(self->efd, 3000, NULL));
	WR(a, MVGPU_REG_IRQ_ACK, MVGPU_IRQ_FENCE(0));
	EXPECT_EQ(0, RD(a, MVGPU_REG_IRQ_STATUS));
	ASSERT_EQ(0, libmvgpu_irq_disable(a, VFIO_PCI_MSI_IRQ_INDEX));
}

struct hammer {
	struct libmvgpu_dev *dev;
	uint8_t *map;		/* NULL: BAR2 not mapped */
	size_t len;
	int *stop;		/* set by the main thread when done */
	unsigned long iterations;
	unsigned long bad;
	int err;
};

/* Read-only identity registers stay right while the vGPU resets. */
static void *id_reader(void *arg)
{
	struct hammer *h = arg;
	uint32_t v;
	int ret;

	while (!__atomic_load_n(h->stop, __ATOMIC_ACQUIRE)) {
		ret = libmvgpu_reg_read(h->dev, MVGPU_REG_ID, &v);
		if (ret) {
			h->err = ret;
			break;
		}
		if (v != MVGPU_ID_MAGIC)
			h->bad++;
		ret = libmvgpu_reg_read(h->dev, MVGPU_REG_NR_CONTEXTS, &v);
		if (!ret && v != MT_T18->contexts)
			h->bad++;
		h->iterations++;
	}
	return NULL;
}

/* VRAM traffic through pread/pwrite and the mapping during resets. */
static void *vram_user(void *arg)
{
	struct hammer *h = arg;
	uint8_t page[4096];
	uint64_t off = 0;
	ssize_t n;

	memset(page, 0x5a, sizeof(page));
	while (!__atomic_load_n(h->stop, __ATOMIC_ACQUIRE)) {
		n = libmvgpu_region_write(h->dev, BAR2, off, page, sizeof(page));
		if (n != sizeof(page)) {
			h->err = n < 0 ? n : -EIO;
			break;
		}
		n = libmvgpu_region_read(h->dev, BAR2, off, page, sizeof(page));
		if (n != sizeof(page)) {
			h->err = n < 0 ? n : -EIO;
			break;
		}
		if (h->map)
			h->map[(off + 123) % h->len] = 0x77;
		off = (off + sizeof(page)) % h->len;
		h->iterations++;
	}
	return NULL;
}

/* Resets racing with register and VRAM users: no error, exact counter */
TEST_F_TIMEOUT(reset, concurrent_users, 120)
{
	struct libmvgpu_dev *a = &self->v[0].dev;
	struct hammer rd = { 0 }, vr = { 0 };
	int stop = 0;
	uint64_t before, after;
	pthread_t t1, t2;
	int i, nr = 100;

	CHECK_SETUP();
	rd.dev = a;
	rd.stop = &stop;
	vr = rd;
	vr.map = self->m[0].copy ? NULL : self->m[0].p;
	vr.len = self->m[0].len;
	dirty(_metadata, &self->v[1].dev, &self->m[1], 5);
	ASSERT_EQ(0, libmvgpu_mdev_read_u64(self->v[0].uuid, "resets", &before));
	ASSERT_EQ(0, pthread_create(&t1, NULL, id_reader, &rd));
	ASSERT_EQ(0, pthread_create(&t2, NULL, vram_user, &vr));
	for (i = 0; i < nr; i++)
		do_reset(_metadata, a, variant->kind);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);

	EXPECT_EQ(0, rd.err);
	EXPECT_EQ(0, rd.bad);
	EXPECT_EQ(0, vr.err);
	EXPECT_LT(0, rd.iterations);
	TH_LOG("%d resets against %lu register and %lu VRAM rounds", nr,
	       rd.iterations, vr.iterations);
	ASSERT_EQ(0, libmvgpu_mdev_read_u64(self->v[0].uuid, "resets", &after));
	EXPECT_EQ(before + nr, after);
	/* a last reset with nobody around clears everything */
	do_reset(_metadata, a, variant->kind);
	ASSERT_EQ(0, mt_vram_pull(&self->m[0]));
	EXPECT_EQ(-1, mt_find_nonzero(self->m[0].p, self->m[0].len));
	EXPECT_EQ(0, RD(a, MVGPU_REG_SCRATCH));
	/* and the neighbour saw none of it */
	expect_dirty(_metadata, &self->v[1].dev, &self->m[1], 5);
}

TEST_HARNESS_MAIN

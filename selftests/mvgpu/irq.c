// SPDX-License-Identifier: GPL-2.0
/*
 * irq: interrupt delivery of a vGPU through VFIO eventfds, driven by the
 * IRQ_RAISE self-test register: MSI, INTx with mask/unmask, ERR and REQ.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mvgpu_test.h"

#define FIRE_MS		3000	/* an interrupt must arrive within this */
#define QUIET_MS	300	/* and none may arrive within this */

#define CFG_COMMAND	0x04
#define CFG_STATUS	0x06
#define CMD_INTX_DISABLE 0x0400
#define STATUS_INTX	0x0008

#define FENCE0		MVGPU_IRQ_FENCE(0)
#define FENCE1		MVGPU_IRQ_FENCE(1)
#define FAULT0		MVGPU_IRQ_FAULT(0)

FIXTURE(irq) {
	struct mt_vgpu v;
	struct libmvgpu_dev *dev;
	int efd;
	int setup_err;
	char msg[256];
};

FIXTURE_SETUP(irq)
{
	self->dev = &self->v.dev;
	self->efd = -1;
	self->setup_err = mt_vgpu_fixture_up(&self->v, MT_PARENT0, MT_T18,
					     self->msg, sizeof(self->msg));
	if (self->setup_err)
		return;
	self->efd = mt_fixture_eventfd(self->msg, sizeof(self->msg));
	if (self->efd < 0)
		self->setup_err = self->efd;
}

FIXTURE_TEARDOWN(irq)
{
	int ret;

	if (self->dev->device >= 0) {
		libmvgpu_irq_disable(self->dev, VFIO_PCI_MSI_IRQ_INDEX);
		libmvgpu_irq_disable(self->dev, VFIO_PCI_INTX_IRQ_INDEX);
	}
	ret = mt_vgpu_destroy(&self->v);
	if (ret)
		TH_LOG("removing %s: %s", self->v.uuid, strerror(-ret));
	if (self->efd >= 0)
		close(self->efd);
}

static void wr(struct __test_metadata *_metadata, struct libmvgpu_dev *dev,
	       uint32_t off, uint32_t val)
{
	ASSERT_EQ(0, libmvgpu_reg_write(dev, off, val));
}

#define REG_EQ(off, want) \
	EXPECT_EQ((uint32_t)(want), libmvgpu_rd32(self->dev, (off)))

/* The eventfd fires (once or more) within FIRE_MS. */
#define FIRES(efd, what) do { \
	int __r = libmvgpu_eventfd_wait((efd), FIRE_MS, NULL); \
	if (__r != 1) \
		TH_LOG("%s: no interrupt (%d)", (what), __r); \
	EXPECT_EQ(1, __r); \
} while (0)

/* The eventfd stays quiet for QUIET_MS. */
#define QUIET(efd, what) do { \
	uint64_t __c = 0; \
	int __r = libmvgpu_eventfd_wait((efd), QUIET_MS, &__c); \
	if (__r != 0) \
		TH_LOG("%s: unexpected interrupt (%d, count %llu)", (what), \
		       __r, (unsigned long long)__c); \
	EXPECT_EQ(0, __r); \
} while (0)

/* Program MSI in config space and attach the eventfd to the MSI index. */
static void enable_msi(struct __test_metadata *_metadata,
		       struct libmvgpu_dev *dev, int efd)
{
	int ret = libmvgpu_msi_enable(dev, 0x0041, efd);

	ASSERT_EQ(0, ret) TH_LOG("MSI set-up: %s", strerror(-ret));
}

/* Attach the eventfd to the INTx index. */
static void attach_intx(struct __test_metadata *_metadata,
			struct libmvgpu_dev *dev, int efd)
{
	ASSERT_EQ(0, libmvgpu_irq_set_eventfd(dev, VFIO_PCI_INTX_IRQ_INDEX,
					      efd));
}

/* A second eventfd, attached to INTx; the caller closes it. */
static int new_intx_eventfd(struct __test_metadata *_metadata,
			    struct libmvgpu_dev *dev)
{
	int efd = libmvgpu_eventfd();

	ASSERT_LE(0, efd);
	attach_intx(_metadata, dev, efd);
	return efd;
}

/* Enable FENCE0 in IRQ_MASK and raise it: the device interrupt is up. */
static void raise_fence0(struct __test_metadata *_metadata,
			 struct libmvgpu_dev *dev)
{
	wr(_metadata, dev, MVGPU_REG_IRQ_MASK, FENCE0);
	wr(_metadata, dev, MVGPU_REG_IRQ_RAISE, FENCE0);
}

TEST_F(irq, irq_info)
{
	static const struct {
		unsigned int index;
		uint32_t count;
		uint32_t flags;
	} want[] = {
		{ VFIO_PCI_INTX_IRQ_INDEX, 1, VFIO_IRQ_INFO_EVENTFD |
		  VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED },
		{ VFIO_PCI_MSI_IRQ_INDEX, 1, VFIO_IRQ_INFO_EVENTFD |
		  VFIO_IRQ_INFO_NORESIZE },
		{ VFIO_PCI_MSIX_IRQ_INDEX, 0, VFIO_IRQ_INFO_EVENTFD |
		  VFIO_IRQ_INFO_NORESIZE },
		{ VFIO_PCI_ERR_IRQ_INDEX, 1, VFIO_IRQ_INFO_EVENTFD |
		  VFIO_IRQ_INFO_NORESIZE },
		{ VFIO_PCI_REQ_IRQ_INDEX, 1, VFIO_IRQ_INFO_EVENTFD |
		  VFIO_IRQ_INFO_NORESIZE },
	};
	struct vfio_irq_info info;
	size_t i;

	CHECK_SETUP();
	EXPECT_EQ(VFIO_PCI_NUM_IRQS, self->dev->info.num_irqs);
	for (i = 0; i < MT_ARRAY_SIZE(want); i++) {
		ASSERT_EQ(0, libmvgpu_irq_info(self->dev, want[i].index, &info));
		EXPECT_EQ(want[i].index, info.index);
		EXPECT_EQ(want[i].count, info.count);
		EXPECT_EQ(want[i].flags, info.flags)
			TH_LOG("index %u: flags 0x%x", want[i].index,
			       info.flags);
	}
	EXPECT_EQ(-EINVAL, libmvgpu_irq_info(self->dev, VFIO_PCI_NUM_IRQS,
					     &info));
	EXPECT_EQ(-EINVAL, libmvgpu_irq_info(self->dev, 0xffffffff, &info));
}

TEST_F(irq, msi)
{
	CHECK_SETUP();
	enable_msi(_metadata, self->dev, self->efd);

	/* masked: the status bit is set, nothing is sent */
	wr(_metadata, self->dev, MVGPU_REG_IRQ_RAISE, FENCE0);
	REG_EQ(MVGPU_REG_IRQ_STATUS, FENCE0);
	QUIET(self->efd, "raise while masked");
	/* unmasking a pending source is a false -> true transition */
	wr(_metadata, self->dev, MVGPU_REG_IRQ_MASK, FENCE0);
	FIRES(self->efd, "unmask pending");
	wr(_metadata, self->dev, MVGPU_REG_IRQ_ACK, FENCE0);
	REG_EQ(MVGPU_REG_IRQ_STATUS, 0);
	QUIET(self->efd, "after ack");

	/* enabled source */
	wr(_metadata, self->dev, MVGPU_REG_IRQ_RAISE, FENCE0);
	FIRES(self->efd, "raise enabled");
	REG_EQ(MVGPU_REG_IRQ_STATUS, FENCE0);
	/* still true: no new transition, no new message */
	wr(_metadata, self->dev, MVGPU_REG_IRQ_RAISE, FENCE0);
	QUIET(self->efd, "raise while pending");
	/* a masked source next to it changes nothing */
	wr(_metadata, self->dev, MVGPU_REG_IRQ_RAISE, FAULT0);
	REG_EQ(MVGPU_REG_IRQ_STATUS, FENCE0 | FAULT0);
	QUIET(self->efd, "masked source");
	wr(_metadata, self->dev, MVGPU_REG_IRQ_ACK, FENCE0 | FAULT0);
	REG_EQ(MVGPU_REG_IRQ_STATUS, 0);
	QUIET(self->efd, "ack all");
	/* the masked source alone never fires */
	wr(_metadata, self->dev, MVGPU_REG_IRQ_RAISE, FAULT0);
	QUIET(self->efd, "masked source alone");
	wr(_metadata, self->dev, MVGPU_REG_IRQ_ACK, FAULT0);
	REG_EQ(MVGPU_REG_IRQ_STATUS, 0);
}

/* An IRQ_ACK that leaves the condition true sends another message */
TEST_F(irq, msi_ack_leaves_pending)
{
	CHECK_SETUP();
	enable_msi(_metadata, self->dev, self->efd);
	wr(_metadata, self->dev, MVGPU_REG_IRQ_MASK, FENCE0 | FENCE1);
	wr(_metadata, self->dev, MVGPU_REG_IRQ_RAISE, FENCE0 | FENCE1);
	FIRES(self->efd, "two sources");
	wr(_metadata, self->dev, MVGPU_REG_IRQ_ACK, FENCE0);
	REG_EQ(MVGPU_REG_IRQ_STATUS, FENCE1);
	FIRES(self->efd, "ack leaving one pending");
	wr(_metadata, self->dev, MVGPU_REG_IRQ_ACK, FENCE1);
	REG_EQ(MVGPU_REG_IRQ_STATUS, 0);
	QUIET(self->efd, "all acked");
}

TEST_F(irq, msi_disabled)
{
	CHECK_SETUP();
	enable_msi(_metadata, self->dev, self->efd);
	raise_fence0(_metadata, self->dev);
	FIRES(self->efd, "enabled");
	wr(_metadata, self->dev, MVGPU_REG_IRQ_ACK, FENCE0);
	/* tear the MSI trigger down: the eventfd is not signalled any more */
	ASSERT_EQ(0, libmvgpu_irq_disable(self->dev, VFIO_PCI_MSI_IRQ_INDEX));
	wr(_metadata, self->dev, MVGPU_REG_IRQ_RAISE, FENCE0);
	QUIET(self->efd, "after SET_IRQS disable");
	REG_EQ(MVGPU_REG_IRQ_STATUS, FENCE0);
	wr(_metadata, self->dev, MVGPU_REG_IRQ_ACK, FENCE0);
}

/* Loopback triggers through SET_IRQS: DATA_NONE and DATA_BOOL */
TEST_F(irq, msi_software_trigger)
{
	CHECK_SETUP();
	enable_msi(_metadata, self->dev, self->efd);
	ASSERT_EQ(0, libmvgpu_irq_trigger(self->dev, VFIO_PCI_MSI_IRQ_INDEX));
	FIRES(self->efd, "DATA_NONE");
	ASSERT_EQ(0, libmvgpu_irq_trigger_bool(self->dev, VFIO_PCI_MSI_IRQ_INDEX,
					       true));
	FIRES(self->efd, "DATA_BOOL 1");
	ASSERT_EQ(0, libmvgpu_irq_trigger_bool(self->dev, VFIO_PCI_MSI_IRQ_INDEX,
					       false));
	QUIET(self->efd, "DATA_BOOL 0");
}

TEST_F(irq, bad_set_irqs)
{
	int32_t fds[2];

	CHECK_SETUP();
	fds[0] = self->efd;
	fds[1] = self->efd;
	/* one MSI vector, no resizing, no MSI-X */
	EXPECT_EQ(-EINVAL, libmvgpu_irq_set_raw(self->dev, VFIO_PCI_MSI_IRQ_INDEX,
						VFIO_IRQ_SET_DATA_EVENTFD |
					     VFIO_IRQ_SET_ACTION_TRIGGER,
					     0, 2, fds, sizeof(fds)));
	EXPECT_EQ(-EINVAL, libmvgpu_irq_set_raw(self->dev, VFIO_PCI_MSI_IRQ_INDEX,
						VFIO_IRQ_SET_DATA_EVENTFD |
					     VFIO_IRQ_SET_ACTION_TRIGGER,
					     1, 1, fds, sizeof(fds[0])));
	EXPECT_EQ(-EINVAL, libmvgpu_irq_set_eventfd(self->dev,
						    VFIO_PCI_MSIX_IRQ_INDEX,
						 self->efd));
	EXPECT_EQ(-EINVAL, libmvgpu_irq_set_eventfd(self->dev, VFIO_PCI_NUM_IRQS,
						    self->efd));
	/* still usable afterwards */
	enable_msi(_metadata, self->dev, self->efd);
	raise_fence0(_metadata, self->dev);
	FIRES(self->efd, "after refused SET_IRQS");
}

/*
 * TRIGGER with DATA_EVENTFD or DATA_BOOL and count 0 names no vector and
 * carries no data: EINVAL on every index, and nothing changes (it used to
 * dereference the missing data in the host kernel).
 */
TEST_F(irq, trigger_count0_refused)
{
	static const uint32_t types[] = {
		VFIO_IRQ_SET_DATA_EVENTFD, VFIO_IRQ_SET_DATA_BOOL,
	};
	unsigned int index;
	int32_t fd;
	size_t t;

	CHECK_SETUP();
	/* something attached, which a refused call must not detach */
	ASSERT_EQ(0, libmvgpu_irq_set_eventfd(self->dev, VFIO_PCI_ERR_IRQ_INDEX,
					      self->efd));
	for (index = 0; index < VFIO_PCI_NUM_IRQS; index++) {
		for (t = 0; t < MT_ARRAY_SIZE(types); t++) {
			uint32_t flags = types[t] | VFIO_IRQ_SET_ACTION_TRIGGER;

			/* no payload at all */
			EXPECT_EQ(-EINVAL,
				  libmvgpu_irq_set_raw(self->dev, index, flags, 0,
						       0, NULL, 0))
				TH_LOG("index %u, data type 0x%x", index,
				       types[t]);
			/* a payload the count does not cover */
			fd = self->efd;
			EXPECT_EQ(-EINVAL,
				  libmvgpu_irq_set_raw(self->dev, index, flags, 0,
						       0, &fd, sizeof(fd)))
				TH_LOG("index %u, data type 0x%x, payload",
				       index, types[t]);
		}
	}
	/* the ERR eventfd is still attached */
	ASSERT_EQ(0, libmvgpu_irq_trigger(self->dev, VFIO_PCI_ERR_IRQ_INDEX));
	FIRES(self->efd, "ERR after refused count 0");
	ASSERT_EQ(0, libmvgpu_irq_disable(self->dev, VFIO_PCI_ERR_IRQ_INDEX));
	/* and the device interrupt is delivered, by MSI and by INTx */
	enable_msi(_metadata, self->dev, self->efd);
	raise_fence0(_metadata, self->dev);
	FIRES(self->efd, "MSI after refused count 0");
	wr(_metadata, self->dev, MVGPU_REG_IRQ_ACK, FENCE0);
	ASSERT_EQ(0, libmvgpu_irq_disable(self->dev, VFIO_PCI_MSI_IRQ_INDEX));
	attach_intx(_metadata, self->dev, self->efd);
	wr(_metadata, self->dev, MVGPU_REG_IRQ_RAISE, FENCE0);
	FIRES(self->efd, "INTx after refused count 0");
	wr(_metadata, self->dev, MVGPU_REG_IRQ_ACK, FENCE0);
}

/* The eventfd fired and its counter is exactly n (n signals, no more). */
#define FIRES_N(efd, n, what) do { \
	uint64_t __c = 0; \
	int __r = libmvgpu_eventfd_wait((efd), FIRE_MS, &__c); \
	if (__r != 1 || __c != (n)) \
		TH_LOG("%s: %d, counter %llu, want %d", (what), __r, \
		       (unsigned long long)__c, (n)); \
	EXPECT_EQ(1, __r); \
	EXPECT_EQ((uint64_t)(n), __c); \
} while (0)

#define IDX_INTX	(1u << VFIO_PCI_INTX_IRQ_INDEX)
#define IDX_MSI		(1u << VFIO_PCI_MSI_IRQ_INDEX)
#define IDX_ERR		(1u << VFIO_PCI_ERR_IRQ_INDEX)
#define IDX_REQ		(1u << VFIO_PCI_REQ_IRQ_INDEX)
#define IDX_SINGLE	(IDX_ERR | IDX_REQ)
#define IDX_TRIG	(IDX_INTX | IDX_MSI | IDX_SINGLE)

#define TRIG		VFIO_IRQ_SET_ACTION_TRIGGER
#define MASK		VFIO_IRQ_SET_ACTION_MASK
#define UNMASK		VFIO_IRQ_SET_ACTION_UNMASK
#define D_NONE		VFIO_IRQ_SET_DATA_NONE
#define D_BOOL		VFIO_IRQ_SET_DATA_BOOL
#define D_EFD		VFIO_IRQ_SET_DATA_EVENTFD

/* What a row's payload holds. */
enum pay { P_NONE, P_FALSE, P_TRUE, P_EFD, P_M1, P_M2, P_DEVNULL, P_CLOSED };

/*
 * SET_IRQS answers of Documentation/mvgpu/device.rst ("VFIO interface"),
 * for each index in idx, with nothing attached (err[0]) and with an
 * eventfd attached to every index (err[1]).
 */
static const struct set_row {
	const char *what;
	unsigned int idx;
	uint32_t flags, start, count;
	enum pay pay;
	int err[2];
} set_rows[] = {
	{ "detach", IDX_TRIG, TRIG | D_NONE, 0, 0, P_NONE, { EINVAL, 0 } },
	{ "loopback", IDX_TRIG, TRIG | D_NONE, 0, 1, P_NONE, { EINVAL, 0 } },
	{ "bool 1", IDX_INTX | IDX_MSI, TRIG | D_BOOL, 0, 1, P_TRUE,
	  { EINVAL, 0 } },
	{ "bool 0", IDX_INTX | IDX_MSI, TRIG | D_BOOL, 0, 1, P_FALSE,
	  { EINVAL, 0 } },
	{ "bool 1", IDX_SINGLE, TRIG | D_BOOL, 0, 1, P_TRUE, { 0, 0 } },
	{ "bool 0", IDX_SINGLE, TRIG | D_BOOL, 0, 1, P_FALSE, { 0, 0 } },
	{ "bool count 0", IDX_TRIG, TRIG | D_BOOL, 0, 0, P_TRUE,
	  { EINVAL, EINVAL } },
	{ "eventfd", IDX_TRIG, TRIG | D_EFD, 0, 1, P_EFD, { 0, 0 } },
	{ "eventfd count 0", IDX_TRIG, TRIG | D_EFD, 0, 0, P_EFD,
	  { EINVAL, EINVAL } },
	{ "eventfd -1", IDX_TRIG, TRIG | D_EFD, 0, 1, P_M1, { 0, 0 } },
	{ "eventfd -2", IDX_INTX | IDX_MSI, TRIG | D_EFD, 0, 1, P_M2,
	  { 0, 0 } },
	{ "eventfd -2", IDX_SINGLE, TRIG | D_EFD, 0, 1, P_M2,
	  { EINVAL, EINVAL } },
	{ "not an eventfd", IDX_TRIG, TRIG | D_EFD, 0, 1, P_DEVNULL,
	  { EINVAL, EINVAL } },
	{ "closed fd", IDX_TRIG, TRIG | D_EFD, 0, 1, P_CLOSED,
	  { EBADF, EBADF } },
	{ "count 2", IDX_TRIG, TRIG | D_NONE, 0, 2, P_NONE,
	  { EINVAL, EINVAL } },
	{ "start 1", IDX_TRIG, TRIG | D_NONE, 1, 0, P_NONE,
	  { EINVAL, EINVAL } },
	{ "mask", IDX_INTX, MASK | D_NONE, 0, 1, P_NONE, { EINVAL, 0 } },
	{ "unmask", IDX_INTX, UNMASK | D_NONE, 0, 1, P_NONE, { EINVAL, 0 } },
	{ "mask bool 1", IDX_INTX, MASK | D_BOOL, 0, 1, P_TRUE,
	  { EINVAL, 0 } },
	{ "unmask bool 0", IDX_INTX, UNMASK | D_BOOL, 0, 1, P_FALSE,
	  { EINVAL, 0 } },
	{ "mask count 0", IDX_INTX, MASK | D_NONE, 0, 0, P_NONE,
	  { EINVAL, EINVAL } },
	{ "unmask count 0", IDX_INTX, UNMASK | D_NONE, 0, 0, P_NONE,
	  { EINVAL, EINVAL } },
	{ "mask eventfd", IDX_INTX, MASK | D_EFD, 0, 1, P_EFD,
	  { EINVAL, ENOTTY } },
	{ "unmask eventfd", IDX_INTX, UNMASK | D_EFD, 0, 1, P_EFD,
	  { EINVAL, ENOTTY } },
	{ "mask", IDX_MSI | IDX_SINGLE, MASK | D_NONE, 0, 1, P_NONE,
	  { ENOTTY, ENOTTY } },
	{ "unmask bool", IDX_MSI | IDX_SINGLE, UNMASK | D_BOOL, 0, 1, P_TRUE,
	  { ENOTTY, ENOTTY } },
	{ "no action", IDX_TRIG, D_NONE, 0, 1, P_NONE, { ENOTTY, ENOTTY } },
	{ "mask|unmask", IDX_TRIG, MASK | UNMASK | D_NONE, 0, 1, P_NONE,
	  { ENOTTY, ENOTTY } },
	{ "mask|trigger", IDX_TRIG, MASK | TRIG | D_BOOL, 0, 1, P_TRUE,
	  { ENOTTY, ENOTTY } },
	{ "three actions", IDX_TRIG, MASK | UNMASK | TRIG | D_EFD, 0, 1, P_EFD,
	  { ENOTTY, ENOTTY } },
	{ "no data type", IDX_TRIG, TRIG, 0, 1, P_NONE, { EINVAL, EINVAL } },
	{ "none|bool", IDX_TRIG, TRIG | D_NONE | D_BOOL, 0, 1, P_TRUE,
	  { EINVAL, EINVAL } },
	{ "bool|eventfd", IDX_TRIG, TRIG | D_BOOL | D_EFD, 0, 1, P_EFD,
	  { EINVAL, EINVAL } },
	{ "unknown flag", IDX_TRIG, TRIG | D_NONE | (1u << 6), 0, 1, P_NONE,
	  { EINVAL, EINVAL } },
};

/* Detach every index (pass 0) or attach efd to every index (pass 1). */
static void set_state(struct __test_metadata *_metadata,
		      struct libmvgpu_dev *dev, int pass, int efd)
{
	static const unsigned int idx[] = {
		VFIO_PCI_INTX_IRQ_INDEX, VFIO_PCI_MSI_IRQ_INDEX,
		VFIO_PCI_ERR_IRQ_INDEX, VFIO_PCI_REQ_IRQ_INDEX,
	};
	size_t i;

	for (i = 0; i < MT_ARRAY_SIZE(idx); i++)
		ASSERT_EQ(0, libmvgpu_irq_set_eventfd(dev, idx[i],
						      pass ? efd : -1));
}

TEST_F(irq, set_irqs_answers)
{
	static const unsigned int no_index[] = {
		VFIO_PCI_MSIX_IRQ_INDEX, VFIO_PCI_NUM_IRQS,
		VFIO_PCI_NUM_IRQS + 1, 0xffffffff,
	};
	int devnull = open("/dev/null", O_RDWR);
	unsigned int index;
	size_t r;
	int pass;

	CHECK_SETUP();
	ASSERT_LE(0, devnull);
	for (pass = 0; pass < 2; pass++) {
		for (r = 0; r < MT_ARRAY_SIZE(set_rows); r++) {
			const struct set_row *row = &set_rows[r];

			for (index = 0; index < VFIO_PCI_NUM_IRQS; index++) {
				int32_t fd = -1;
				uint8_t b = 0;
				const void *data = NULL;
				size_t len = 0;
				int ret;

				if (!(row->idx & (1u << index)))
					continue;
				switch (row->pay) {
				case P_NONE:
					break;
				case P_FALSE:
				case P_TRUE:
					b = row->pay == P_TRUE;
					data = &b;
					len = 1;
					break;
				default:
					fd = row->pay == P_EFD ? self->efd :
					     row->pay == P_M1 ? -1 :
					     row->pay == P_M2 ? -2 :
					     row->pay == P_DEVNULL ? devnull :
					     1000000;
					data = &fd;
					len = sizeof(fd);
					break;
				}
				set_state(_metadata, self->dev, pass,
					  self->efd);
				ret = libmvgpu_irq_set_raw(self->dev, index,
							   row->flags, row->start,
							row->count, data, len);
				EXPECT_EQ(-row->err[pass], ret)
					TH_LOG("%s, index %u, %s: %d", row->what,
					       index, pass ? "attached" :
					       "nothing attached", ret);
			}
		}
	}
	/* MSI-X (no vectors) and indexes beyond refuse anything */
	for (r = 0; r < MT_ARRAY_SIZE(no_index); r++) {
		index = no_index[r];
		EXPECT_EQ(-EINVAL, libmvgpu_irq_disable(self->dev, index));
		EXPECT_EQ(-EINVAL, libmvgpu_irq_trigger(self->dev, index));
		EXPECT_EQ(-EINVAL, libmvgpu_irq_set_eventfd(self->dev, index,
							    self->efd));
		EXPECT_EQ(-EINVAL, libmvgpu_irq_set_raw(self->dev, index,
							MASK | D_NONE, 0, 1,
						     NULL, 0));
	}
	set_state(_metadata, self->dev, 0, -1);
	close(devnull);
	/* the efd got loopback triggers: drain it, then nothing more */
	libmvgpu_eventfd_wait(self->efd, 0, NULL);
	enable_msi(_metadata, self->dev, self->efd);
	raise_fence0(_metadata, self->dev);
	FIRES_N(self->efd, 1, "MSI afterwards");
	wr(_metadata, self->dev, MVGPU_REG_IRQ_ACK, FENCE0);
}

/* A refused eventfd leaves the attached one, and sends nothing */
TEST_F(irq, bad_eventfd_keeps_trigger)
{
	int devnull = open("/dev/null", O_RDWR);
	int32_t fd = devnull;

	CHECK_SETUP();
	ASSERT_LE(0, devnull);
	enable_msi(_metadata, self->dev, self->efd);
	raise_fence0(_metadata, self->dev);
	FIRES_N(self->efd, 1, "raise");
	EXPECT_EQ(-EINVAL, libmvgpu_irq_set_raw(self->dev, VFIO_PCI_MSI_IRQ_INDEX,
						TRIG | D_EFD, 0, 1, &fd,
					     sizeof(fd)));
	QUIET(self->efd, "refused eventfd");
	close(devnull);
	/* still attached: an ack leaving the condition true sends again */
	wr(_metadata, self->dev, MVGPU_REG_IRQ_RAISE, FENCE1);
	wr(_metadata, self->dev, MVGPU_REG_IRQ_ACK, FENCE1);
	FIRES_N(self->efd, 1, "ack leaving FENCE0");
	wr(_metadata, self->dev, MVGPU_REG_IRQ_ACK, FENCE0);
}

/* A loopback trigger signals once and changes no state */
TEST_F(irq, loopback_signals_once)
{
	int efd2 = libmvgpu_eventfd();

	CHECK_SETUP();
	ASSERT_LE(0, efd2);
	/* MSI with the condition true: one message per loopback */
	enable_msi(_metadata, self->dev, self->efd);
	raise_fence0(_metadata, self->dev);
	FIRES_N(self->efd, 1, "MSI raise");
	ASSERT_EQ(0, libmvgpu_irq_trigger(self->dev, VFIO_PCI_MSI_IRQ_INDEX));
	FIRES_N(self->efd, 1, "MSI loopback, condition true");
	ASSERT_EQ(0, libmvgpu_irq_disable(self->dev, VFIO_PCI_MSI_IRQ_INDEX));
	libmvgpu_eventfd_wait(self->efd, 0, NULL);

	/* INTx delivered and automasked: the loopback does not unmask */
	attach_intx(_metadata, self->dev, efd2);
	FIRES_N(efd2, 1, "INTx, condition true");
	ASSERT_EQ(0, libmvgpu_irq_trigger(self->dev, VFIO_PCI_INTX_IRQ_INDEX));
	FIRES_N(efd2, 1, "INTx loopback");
	ASSERT_EQ(0, libmvgpu_irq_trigger_bool(self->dev, VFIO_PCI_INTX_IRQ_INDEX,
					       true));
	FIRES_N(efd2, 1, "INTx loopback, DATA_BOOL");
	QUIET(efd2, "still automasked");
	ASSERT_EQ(0, libmvgpu_intx_unmask(self->dev));
	FIRES_N(efd2, 1, "unmask, condition true");
	wr(_metadata, self->dev, MVGPU_REG_IRQ_ACK, FENCE0);
	ASSERT_EQ(0, libmvgpu_intx_unmask(self->dev));
	QUIET(efd2, "acked and unmasked");
	close(efd2);
}

/* With MSI attached, INTx mask and unmask send no MSI */
TEST_F(irq, intx_unmask_under_msi)
{
	int efd2;

	CHECK_SETUP();
	efd2 = new_intx_eventfd(_metadata, self->dev);
	enable_msi(_metadata, self->dev, self->efd);
	raise_fence0(_metadata, self->dev);
	FIRES_N(self->efd, 1, "MSI");
	ASSERT_EQ(0, libmvgpu_intx_mask(self->dev));
	ASSERT_EQ(0, libmvgpu_intx_unmask(self->dev));
	ASSERT_EQ(0, libmvgpu_irq_mask_bool(self->dev, false, true));
	QUIET(self->efd, "INTx unmask, MSI attached");
	QUIET(efd2, "INTx, MSI attached");
	/* MSI detached: the condition goes to INTx */
	ASSERT_EQ(0, libmvgpu_irq_disable(self->dev, VFIO_PCI_MSI_IRQ_INDEX));
	FIRES_N(efd2, 1, "INTx once MSI is gone");
	wr(_metadata, self->dev, MVGPU_REG_IRQ_ACK, FENCE0);
	close(efd2);
}

/* A new INTx eventfd in place of another keeps the mask */
TEST_F(irq, intx_replace_keeps_mask)
{
	int efd2;

	CHECK_SETUP();
	efd2 = new_intx_eventfd(_metadata, self->dev);
	raise_fence0(_metadata, self->dev);
	FIRES_N(efd2, 1, "INTx");
	attach_intx(_metadata, self->dev, self->efd);
	QUIET(self->efd, "replaced while automasked");
	ASSERT_EQ(0, libmvgpu_intx_unmask(self->dev));
	FIRES_N(self->efd, 1, "unmasked");
	QUIET(efd2, "old eventfd");
	/* detached and attached anew: starts unmasked */
	ASSERT_EQ(0, libmvgpu_irq_disable(self->dev, VFIO_PCI_INTX_IRQ_INDEX));
	attach_intx(_metadata, self->dev, efd2);
	FIRES_N(efd2, 1, "attached anew, condition true");
	wr(_metadata, self->dev, MVGPU_REG_IRQ_ACK, FENCE0);
	close(efd2);
}

/*
 * With INTx masked, FENCE0 raised sends nothing (quiet) until the unmask
 * sends it (fires); then it is acked and INTx unmasked again.
 */
static void held_until_unmask(struct __test_metadata *_metadata,
			      FIXTURE_DATA(irq) *self, const char *quiet,
			      const char *fires)
{
	wr(_metadata, self->dev, MVGPU_REG_IRQ_RAISE, FENCE0);
	QUIET(self->efd, quiet);
	ASSERT_EQ(0, libmvgpu_intx_unmask(self->dev));
	FIRES(self->efd, fires);
	wr(_metadata, self->dev, MVGPU_REG_IRQ_ACK, FENCE0);
	ASSERT_EQ(0, libmvgpu_intx_unmask(self->dev));
}

TEST_F(irq, intx)
{
	uint16_t status;

	CHECK_SETUP();
	attach_intx(_metadata, self->dev, self->efd);
	raise_fence0(_metadata, self->dev);
	FIRES(self->efd, "INTx assert");
	REG_EQ(MVGPU_REG_IRQ_STATUS, FENCE0);
	ASSERT_EQ(0, libmvgpu_cfg_read16(self->dev, CFG_STATUS, &status));
	EXPECT_EQ(STATUS_INTX, status & STATUS_INTX);
	/* automasked: nothing more until unmasked, even on a new edge */
	wr(_metadata, self->dev, MVGPU_REG_IRQ_ACK, FENCE0);
	ASSERT_EQ(0, libmvgpu_cfg_read16(self->dev, CFG_STATUS, &status));
	EXPECT_EQ(0, status & STATUS_INTX);
	/* unmasked with the line still asserted, it fires again */
	held_until_unmask(_metadata, self, "automasked",
			  "unmask while asserted");
	QUIET(self->efd, "unmask deasserted");

	/* explicit mask: a new assertion waits for the unmask */
	ASSERT_EQ(0, libmvgpu_intx_mask(self->dev));
	held_until_unmask(_metadata, self, "masked", "unmasked");

	/* IRQ_MASK gates INTx too */
	wr(_metadata, self->dev, MVGPU_REG_IRQ_RAISE, FAULT0);
	QUIET(self->efd, "masked source");
	wr(_metadata, self->dev, MVGPU_REG_IRQ_ACK, FAULT0);
}

/* MASK and UNMASK take DATA_BOOL too */
TEST_F(irq, intx_mask_bool)
{
	CHECK_SETUP();
	attach_intx(_metadata, self->dev, self->efd);
	ASSERT_EQ(0, libmvgpu_irq_mask_bool(self->dev, true, true));
	raise_fence0(_metadata, self->dev);
	QUIET(self->efd, "masked by DATA_BOOL 1");
	/* a false BOOL does nothing */
	ASSERT_EQ(0, libmvgpu_irq_mask_bool(self->dev, false, false));
	QUIET(self->efd, "unmask with DATA_BOOL 0");
	ASSERT_EQ(0, libmvgpu_irq_mask_bool(self->dev, false, true));
	FIRES(self->efd, "unmasked by DATA_BOOL 1");
	wr(_metadata, self->dev, MVGPU_REG_IRQ_ACK, FENCE0);
}

TEST_F(irq, intx_disable_bit)
{
	uint16_t cmd;

	CHECK_SETUP();
	attach_intx(_metadata, self->dev, self->efd);
	ASSERT_EQ(0, libmvgpu_cfg_read16(self->dev, CFG_COMMAND, &cmd));
	ASSERT_EQ(0, libmvgpu_cfg_write16(self->dev, CFG_COMMAND,
					  cmd | CMD_INTX_DISABLE));
	raise_fence0(_metadata, self->dev);
	QUIET(self->efd, "INTx disabled");
	REG_EQ(MVGPU_REG_IRQ_STATUS, FENCE0);
	wr(_metadata, self->dev, MVGPU_REG_IRQ_ACK, FENCE0);
	ASSERT_EQ(0, libmvgpu_cfg_write16(self->dev, CFG_COMMAND, cmd));
	ASSERT_EQ(0, libmvgpu_intx_unmask(self->dev));
	wr(_metadata, self->dev, MVGPU_REG_IRQ_RAISE, FENCE0);
	FIRES(self->efd, "INTx re-enabled");
	wr(_metadata, self->dev, MVGPU_REG_IRQ_ACK, FENCE0);
}

/* ERR and REQ take an eventfd; their software trigger reaches it */
TEST_F(irq, err_and_req)
{
	static const unsigned int idx[] = {
		VFIO_PCI_ERR_IRQ_INDEX, VFIO_PCI_REQ_IRQ_INDEX,
	};
	size_t i;

	CHECK_SETUP();
	for (i = 0; i < MT_ARRAY_SIZE(idx); i++) {
		ASSERT_EQ(0, libmvgpu_irq_set_eventfd(self->dev, idx[i],
						      self->efd));
		QUIET(self->efd, "just registered");
		ASSERT_EQ(0, libmvgpu_irq_trigger(self->dev, idx[i]));
		FIRES(self->efd, "DATA_NONE trigger");
		ASSERT_EQ(0, libmvgpu_irq_trigger_bool(self->dev, idx[i], true));
		FIRES(self->efd, "DATA_BOOL trigger");
		/* a raised device interrupt does not go to ERR/REQ */
		raise_fence0(_metadata, self->dev);
		QUIET(self->efd, "device interrupt");
		wr(_metadata, self->dev, MVGPU_REG_IRQ_ACK, FENCE0);
		wr(_metadata, self->dev, MVGPU_REG_IRQ_MASK, 0);
		ASSERT_EQ(0, libmvgpu_irq_disable(self->dev, idx[i]));
		/* nothing attached: a trigger has nowhere to go */
		EXPECT_EQ(-EINVAL, libmvgpu_irq_trigger(self->dev, idx[i]));
		QUIET(self->efd, "after disable");
	}
}

TEST_HARNESS_MAIN

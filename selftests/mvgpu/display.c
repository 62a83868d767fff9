// SPDX-License-Identifier: GPL-2.0
/*
 * display: the display head of a vGPU (Documentation/mvgpu/device.rst,
 * "Display", "EDID region", "VFIO interface"), checked from the outside:
 * reset values and access rules of the display registers; every reason a
 * commit is refused, at its boundaries, and that a refused commit keeps the
 * plane scanned out; VFIO_DEVICE_QUERY_GFX_PLANE; the display region (read
 * through the device file and mapped read-only, following each flip, and
 * zeroes past the VRAM); the EDID region and the monitor the guest sees;
 * vblank and hotplug interrupts; resets (the monitor stays), close (it
 * goes); flips racing readers and plane queries; migration of the display
 * state and malformed DISPLAY records.
 *
 * The vGPUs are 1/32 (4 MiB of VRAM, a display of 800x600 on the test
 * VM's 128 MiB GPUs); the display's size is taken from the type's
 * description. Where no type has a display (before 6.10) the tests SKIP.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "lib/mvgpu_gpu.h"
#include "mvgpu_test.h"

#define TYPE		MT_T132
#define BAR2		VFIO_PCI_BAR2_REGION_INDEX
#define DISP		MVGPU_VFIO_REGION_DISPLAY
#define EDID		MVGPU_VFIO_REGION_EDID
#define PAGE		4096
#define XRGB		MVGPU_DISP_FORMAT_XRGB8888
/* drm_plane_type: DRM's enum drm_plane_type (not in the uapi) */
#define PLANE_PRIMARY	1
#define PLANE_CURSOR	2
#define PLANE_MINSZ	60	/* vfio_device_gfx_plane_info to region_index */
/* generous for TCG: a vblank comes every 17 ms of the device's clock */
#define IRQ_WAIT_MS	5000
#define QUIET_MS	500

/* EDID region fields (struct vfio_region_gfx_edid) */
#define E_OFFSET	0x00
#define E_MAX_SIZE	0x04
#define E_SIZE		0x08
#define E_XRES		0x0c
#define E_YRES		0x10
#define E_LINK		0x14
#define E_BLOB		0x100
#define LINK_UP		1
#define LINK_DOWN	2

FIXTURE(disp) {
	struct mt_vgpu v;
	struct libmvgpu_dev *dev;
	uint32_t w, h;		/* DISP_MAX_*, from the description */
	uint64_t vram, window;
	int efd;
	int setup_err;
	char msg[256];
};

FIXTURE_SETUP(disp)
{
	self->dev = &self->v.dev;
	self->efd = -1;
	self->vram = mt_type_vram(TYPE);
	self->setup_err = mt_vgpu_fixture_up(&self->v, MT_PARENT0, TYPE,
					     self->msg, sizeof(self->msg));
	if (!self->setup_err) {
		self->setup_err = mt_display_of(MT_PARENT0, TYPE, &self->w,
						&self->h);
		snprintf(self->msg, sizeof(self->msg), "display of the type");
	}
	if (!self->setup_err)
		self->efd = mt_fixture_eventfd(self->msg, sizeof(self->msg));
	if (self->efd < 0 && !self->setup_err)
		self->setup_err = self->efd;
	self->window = mt_display_window(self->w, self->h);
}

FIXTURE_TEARDOWN(disp)
{
	int ret;

	if (self->efd >= 0)
		close(self->efd);
	ret = mt_vgpu_destroy(&self->v);
	if (ret)
		TH_LOG("removing %s: %s", self->v.uuid, strerror(-ret));
}

/* Set up, and SKIP where no type has a display. */
#define DISP_UP() do { \
	CHECK_SETUP(); \
	MT_CHECK_DISPLAY(self->w); \
} while (0)

#define RD(off)		libmvgpu_rd32(self->dev, (off))
#define WR(off, val)	ASSERT_EQ(0, libmvgpu_reg_write(self->dev, (off), (val)))
#define REG_EQ(off, want) do { \
	uint32_t __w = (want), __v = RD(off); \
	EXPECT_EQ(__w, __v) TH_LOG("reg 0x%04x = 0x%x, want 0x%x", \
				   (unsigned int)(off), __v, __w); \
} while (0)

struct plane {
	uint64_t base;
	uint32_t format, width, height, stride;
};

/* Program p's five registers (nothing else happens). */
static int plane_program(struct libmvgpu_dev *dev, const struct plane *p)
{
	int ret;

	ret = libmvgpu_reg_write(dev, MVGPU_REG_DISP_FB_BASE_LO,
				 (uint32_t)p->base);
	if (!ret)
		ret = libmvgpu_reg_write(dev, MVGPU_REG_DISP_FB_BASE_HI,
					 (uint32_t)(p->base >> 32));
	if (!ret)
		ret = libmvgpu_reg_write(dev, MVGPU_REG_DISP_FB_FORMAT,
					 p->format);
	if (!ret)
		ret = libmvgpu_reg_write(dev, MVGPU_REG_DISP_FB_WIDTH, p->width);
	if (!ret)
		ret = libmvgpu_reg_write(dev, MVGPU_REG_DISP_FB_HEIGHT,
					 p->height);
	if (!ret)
		ret = libmvgpu_reg_write(dev, MVGPU_REG_DISP_FB_STRIDE,
					 p->stride);
	return ret;
}

/* Program p and commit it: DISP_ERROR, or -errno. */
static int commit(struct libmvgpu_dev *dev, const struct plane *p)
{
	uint32_t err;
	int ret = plane_program(dev, p);

	if (!ret)
		ret = libmvgpu_reg_write(dev, MVGPU_REG_DISP_CONTROL,
					 MVGPU_DISP_CONTROL_ENABLE);
	if (!ret)
		ret = libmvgpu_reg_read(dev, MVGPU_REG_DISP_ERROR, &err);
	return ret ? ret : (int)err;
}

/* A plane of w x h at base with a tight stride. */
static struct plane plane_at(uint64_t base, uint32_t w, uint32_t h)
{
	struct plane p = { base, XRGB, w, h, w * 4 };

	return p;
}

/* VFIO_DEVICE_QUERY_GFX_PLANE with flags and plane type: 0 or -errno. */
static int query(struct libmvgpu_dev *dev, uint32_t argsz, uint32_t flags,
		 uint32_t ptype, struct vfio_device_gfx_plane_info *info)
{
	memset(info, 0xa5, sizeof(*info));
	info->argsz = argsz;
	info->flags = flags;
	info->drm_plane_type = ptype;
	return ioctl(dev->device, VFIO_DEVICE_QUERY_GFX_PLANE, info) ?
	       -errno : 0;
}

/* The answer for the active plane p, or for none (p NULL). */
static void expect_plane(struct __test_metadata *_metadata,
			 struct libmvgpu_dev *dev, const struct plane *p)
{
	struct vfio_device_gfx_plane_info info;

	ASSERT_EQ(0, query(dev, sizeof(info), VFIO_GFX_PLANE_TYPE_REGION,
			   PLANE_PRIMARY, &info));
	EXPECT_EQ(sizeof(info), info.argsz);
	EXPECT_EQ(VFIO_GFX_PLANE_TYPE_REGION, info.flags);
	EXPECT_EQ(p ? XRGB : 0, info.drm_format);
	EXPECT_EQ(0, info.drm_format_mod);
	EXPECT_EQ(p ? p->width : 0, info.width);
	EXPECT_EQ(p ? p->height : 0, info.height);
	EXPECT_EQ(p ? p->stride : 0, info.stride);
	EXPECT_EQ(p ? ((uint64_t)p->stride * p->height + PAGE - 1) &
		  ~(uint64_t)(PAGE - 1) : 0, info.size);
	EXPECT_EQ(0, info.x_pos);
	EXPECT_EQ(0, info.y_pos);
	EXPECT_EQ(0, info.x_hot);
	EXPECT_EQ(0, info.y_hot);
	EXPECT_EQ(p ? DISP : 0, info.region_index);
}

/* Fill len bytes of VRAM at off with the pattern of seed. */
static int vram_fill(struct libmvgpu_dev *dev, uint64_t off, size_t len,
		     uint32_t seed)
{
	static uint8_t buf[64 << 10];
	size_t n, done;
	ssize_t r;

	for (done = 0; done < len; done += n) {
		n = len - done < sizeof(buf) ? len - done : sizeof(buf);
		mt_pattern_fill(buf, n, done, seed);
		r = libmvgpu_region_write(dev, BAR2, off + done, buf, n);
		if (r != (ssize_t)n)
			return r < 0 ? (int)r : -EIO;
	}
	return 0;
}

/* Read a 32-bit field of the EDID region: the value, or -errno. */
static int64_t edid_rd(struct libmvgpu_dev *dev, uint64_t off)
{
	uint32_t val;
	ssize_t n = libmvgpu_region_read(dev, EDID, off, &val, 4);

	return n == 4 ? val : n < 0 ? n : -EIO;
}

/* Write a 32-bit field of the EDID region: 0 or -errno. */
static int edid_wr(struct libmvgpu_dev *dev, uint64_t off, uint32_t val)
{
	ssize_t n = libmvgpu_region_write(dev, EDID, off, &val, 4);

	return n == 4 ? 0 : n < 0 ? (int)n : -EIO;
}

/* QEMU's protocol: link down, the EDID and its size, link up. */
static int set_monitor(struct libmvgpu_dev *dev, const uint8_t *edid,
		       uint32_t len)
{
	int ret = edid_wr(dev, E_LINK, LINK_DOWN);

	if (!ret && len &&
	    libmvgpu_region_write(dev, EDID, E_BLOB, edid, len) != len)
		ret = -EIO;
	if (!ret)
		ret = edid_wr(dev, E_SIZE, len);
	return ret ? ret : edid_wr(dev, E_LINK, LINK_UP);
}

/* The guest's view of the monitor: connected, EDID_SIZE and its words. */
static void expect_monitor(struct __test_metadata *_metadata,
			   struct libmvgpu_dev *dev, bool connected,
			   const uint8_t *edid, uint32_t len)
{
	uint32_t i, word, want;

	EXPECT_EQ(connected ? MVGPU_DISP_CONN_CONNECTED : 0,
		  libmvgpu_rd32(dev, MVGPU_REG_DISP_CONNECTOR));
	EXPECT_EQ(len, libmvgpu_rd32(dev, MVGPU_REG_DISP_EDID_SIZE));
	for (i = 0; i < MVGPU_DISP_EDID_MAX; i += 4) {
		want = 0;
		if (i < len)
			memcpy(&want, edid + i, len - i < 4 ? len - i : 4);
		word = libmvgpu_rd32(dev, MVGPU_DISP_EDID + i);
		EXPECT_EQ(want, word) TH_LOG("EDID word at %u", i);
		if (want != word)
			break;
	}
}

TEST_F(disp, reset_values)
{
	uint32_t off;

	DISP_UP();
	REG_EQ(MVGPU_REG_CAPS, 0x1f);
	REG_EQ(MVGPU_REG_DISP_MAX_WIDTH, self->w);
	REG_EQ(MVGPU_REG_DISP_MAX_HEIGHT, self->h);
	/* a monitor without an EDID until the VMM sets one */
	REG_EQ(MVGPU_REG_DISP_CONNECTOR, MVGPU_DISP_CONN_CONNECTED);
	REG_EQ(MVGPU_REG_DISP_EDID_SIZE, 0);
	for (off = MVGPU_REG_DISP_FB_BASE_LO; off <= MVGPU_REG_DISP_ERROR;
	     off += 4)
		REG_EQ(off, 0);
	REG_EQ(MVGPU_REG_DISP_IRQ_STATUS, 0);
	REG_EQ(MVGPU_REG_DISP_IRQ_MASK, 0);
	REG_EQ(MVGPU_REG_DISP_IRQ_ACK, 0);
	for (off = 0; off < MVGPU_DISP_EDID_MAX; off += 4)
		REG_EQ(MVGPU_DISP_EDID + off, 0);
	expect_plane(_metadata, self->dev, NULL);
	/* the window shows VRAM 0, zero on a new vGPU */
	{
		uint8_t buf[PAGE];

		memset(buf, 0xee, sizeof(buf));
		ASSERT_EQ(PAGE, libmvgpu_region_read(self->dev, DISP, 0, buf,
						     PAGE));
		EXPECT_EQ(-1, mt_find_nonzero(buf, PAGE));
	}
}

/* DISP_VBLANK_COUNT is TIMESTAMP / (1/60 s), and advances */
TEST_F(disp, vblank_count)
{
	uint64_t ts0, ts1, lo, hi;
	uint32_t vb, vb2;

	DISP_UP();
	lo = RD(MVGPU_REG_TIMESTAMP_LO);
	hi = RD(MVGPU_REG_TIMESTAMP_HI);
	ts0 = hi << 32 | lo;
	vb = RD(MVGPU_REG_DISP_VBLANK_COUNT);
	lo = RD(MVGPU_REG_TIMESTAMP_LO);
	hi = RD(MVGPU_REG_TIMESTAMP_HI);
	ts1 = hi << 32 | lo;
	EXPECT_LE((uint32_t)(ts0 * 60 / 1000000000ull), vb);
	EXPECT_GE((uint32_t)(ts1 * 60 / 1000000000ull), vb);
	/* read-only */
	WR(MVGPU_REG_DISP_VBLANK_COUNT, 0);
	usleep(200 * 1000);
	vb2 = RD(MVGPU_REG_DISP_VBLANK_COUNT);
	/* 200 ms are 12 vblanks; at least a few, also with no plane */
	EXPECT_LE(vb + 6, vb2);
}

/* RW plane registers keep any value and commit nothing; RO ignore writes */
TEST_F(disp, access_rules)
{
	static const uint32_t rw[] = {
		MVGPU_REG_DISP_FB_BASE_LO, MVGPU_REG_DISP_FB_BASE_HI,
		MVGPU_REG_DISP_FB_FORMAT, MVGPU_REG_DISP_FB_WIDTH,
		MVGPU_REG_DISP_FB_HEIGHT, MVGPU_REG_DISP_FB_STRIDE,
	};
	static const uint32_t vals[] = { 0xffffffff, 0x12345678, 0x1, 0 };
	static const uint32_t ro[] = {
		MVGPU_REG_DISP_MAX_WIDTH, MVGPU_REG_DISP_MAX_HEIGHT,
		MVGPU_REG_DISP_CONNECTOR, MVGPU_REG_DISP_EDID_SIZE,
		MVGPU_REG_DISP_STATUS, MVGPU_REG_DISP_ERROR,
		MVGPU_REG_DISP_IRQ_STATUS, MVGPU_DISP_EDID,
		MVGPU_DISP_EDID + 0x100, MVGPU_DISP_EDID + 0x2fc,
	};
	uint32_t before[MT_ARRAY_SIZE(ro)], buf[2];
	size_t i, k;

	DISP_UP();
	for (k = 0; k < MT_ARRAY_SIZE(vals); k++) {
		for (i = 0; i < MT_ARRAY_SIZE(rw); i++)
			WR(rw[i], vals[k] + i);
		for (i = 0; i < MT_ARRAY_SIZE(rw); i++)
			REG_EQ(rw[i], vals[k] + i);
	}
	/* double buffered: nothing was scanned out or checked */
	REG_EQ(MVGPU_REG_DISP_STATUS, 0);
	REG_EQ(MVGPU_REG_DISP_ERROR, 0);
	REG_EQ(MVGPU_REG_DISP_CONTROL, 0);
	for (i = 0; i < MT_ARRAY_SIZE(ro); i++) {
		before[i] = RD(ro[i]);
		WR(ro[i], ~before[i]);
	}
	for (i = 0; i < MT_ARRAY_SIZE(ro); i++)
		REG_EQ(ro[i], before[i]);
	/* DISP_IRQ_MASK keeps its two sources; DISP_IRQ_ACK reads 0 */
	WR(MVGPU_REG_DISP_IRQ_MASK, MVGPU_DISP_IRQ_HOTPLUG);
	REG_EQ(MVGPU_REG_DISP_IRQ_MASK, MVGPU_DISP_IRQ_HOTPLUG);
	WR(MVGPU_REG_DISP_IRQ_MASK, MVGPU_DISP_IRQ_VBLANK |
	   MVGPU_DISP_IRQ_HOTPLUG);
	REG_EQ(MVGPU_REG_DISP_IRQ_MASK, MVGPU_DISP_IRQ_VBLANK |
	       MVGPU_DISP_IRQ_HOTPLUG);
	WR(MVGPU_REG_DISP_IRQ_MASK, 0);
	REG_EQ(MVGPU_REG_DISP_IRQ_MASK, 0);
	WR(MVGPU_REG_DISP_IRQ_ACK, 0xffffffff);
	REG_EQ(MVGPU_REG_DISP_IRQ_ACK, 0);
	/* BAR0's rule: naturally aligned 32-bit accesses only */
	EXPECT_EQ(-EINVAL, libmvgpu_region_read(self->dev,
						VFIO_PCI_BAR0_REGION_INDEX,
						MVGPU_REG_DISP_FB_WIDTH, buf, 2));
	EXPECT_EQ(-EINVAL, libmvgpu_region_read(self->dev,
						VFIO_PCI_BAR0_REGION_INDEX,
						MVGPU_REG_DISP_FB_WIDTH, buf, 8));
	EXPECT_EQ(-EINVAL, libmvgpu_region_write(self->dev,
						 VFIO_PCI_BAR0_REGION_INDEX,
						 MVGPU_REG_DISP_CONTROL + 2, buf,
						 4));
	REG_EQ(MVGPU_REG_DISP_STATUS, 0);
}

/* One commit case: the plane and the DISP_ERROR it gives. */
struct commit_case {
	const char *what;
	struct plane p;
	int err;
};

#define CASE(what, base, fmt, w, h, stride, err) \
	{ what, { base, fmt, w, h, stride }, err }

TEST_F(disp, commit_checks)
{
	const uint32_t W = self->w, H = self->h;
	const uint64_t V = self->vram;
	/* a tight plane ending exactly at the end of the VRAM */
	const uint32_t S = (W * 4 + PAGE - 1) / PAGE * PAGE;
	const struct plane end = { V - (uint64_t)S * (H / 2), XRGB, W, H / 2,
				   S };
	const struct plane past = { end.base + PAGE, XRGB, W, H / 2, S };
	const struct commit_case cases[] = {
		CASE("the largest plane", 0, XRGB, W, H, W * 4, 0),
		CASE("format 0", 0, 0, W, H, W * 4, MVGPU_DISP_ERR_FORMAT),
		CASE("format AR24", 0, 0x34325241, 64, 64, 256,
		     MVGPU_DISP_ERR_FORMAT),
		CASE("format ~0, and width 0", 0, 0xffffffff, 0, 64, 256,
		     MVGPU_DISP_ERR_FORMAT),
		CASE("width 0", 0, XRGB, 0, 64, 256, MVGPU_DISP_ERR_SIZE),
		CASE("height 0", 0, XRGB, 64, 0, 256, MVGPU_DISP_ERR_SIZE),
		CASE("width max + 1", 0, XRGB, W + 1, 64, (W + 1) * 4,
		     MVGPU_DISP_ERR_SIZE),
		CASE("height max + 1", 0, XRGB, 64, H + 1, 256,
		     MVGPU_DISP_ERR_SIZE),
		CASE("width ~0", 0, XRGB, 0xffffffff, 1, 0x10000,
		     MVGPU_DISP_ERR_SIZE),
		CASE("width max, height 1", 0, XRGB, W, 1, W * 4, 0),
		CASE("width 1, height max", 0, XRGB, 1, H, 4, 0),
		CASE("stride x height above max (stride valid)", 0, XRGB, 1,
		     H, W * 4 + 4, MVGPU_DISP_ERR_SIZE),
		CASE("stride x height above max, and stride 64 KiB + 4", 0,
		     XRGB, 1, H, 0x10004, MVGPU_DISP_ERR_SIZE),
		CASE("stride width x 4 - 4", 0, XRGB, 64, 64, 252,
		     MVGPU_DISP_ERR_STRIDE),
		CASE("stride 0", 0, XRGB, 64, 64, 0, MVGPU_DISP_ERR_STRIDE),
		CASE("stride not a multiple of 4", 0, XRGB, 64, 64, 258,
		     MVGPU_DISP_ERR_STRIDE),
		CASE("stride 64 KiB + 4", 0, XRGB, 64, 1, 0x10004,
		     MVGPU_DISP_ERR_STRIDE),
		CASE("stride 64 KiB", 0, XRGB, 64, 1, 0x10000, 0),
		CASE("stride bad, base misaligned", 1, XRGB, 64, 64, 2,
		     MVGPU_DISP_ERR_STRIDE),
		CASE("base 1", 1, XRGB, 64, 64, 256, MVGPU_DISP_ERR_BASE),
		CASE("base 2 KiB", 0x800, XRGB, 64, 64, 256,
		     MVGPU_DISP_ERR_BASE),
		CASE("base 4 KiB + 4", PAGE + 4, XRGB, 64, 64, 256,
		     MVGPU_DISP_ERR_BASE),
		{ "ends at the end of the VRAM", end, 0 },
		{ "a page further: past the end", past, MVGPU_DISP_ERR_BASE },
		CASE("4 lines in the last page", V - PAGE, XRGB, 256, 4, 1024,
		     0),
		CASE("8 lines in the last page", V - PAGE, XRGB, 64, 32, 256,
		     MVGPU_DISP_ERR_BASE),
		CASE("base at the end", V, XRGB, 64, 1, 256,
		     MVGPU_DISP_ERR_BASE),
		CASE("base 4 GiB (BASE_HI 1)", 1ull << 32, XRGB, 64, 1, 256,
		     MVGPU_DISP_ERR_BASE),
		CASE("base + size wraps (BASE_HI ~0)", 0xfffffffffffff000ull,
		     XRGB, 64, 64, 256, MVGPU_DISP_ERR_BASE),
		CASE("base ~0 - 4 GiB", 0xffffffff00000000ull, XRGB, 64, 64,
		     256, MVGPU_DISP_ERR_BASE),
	};
	const struct plane good = plane_at(PAGE, 320, 200);
	struct plane active = good;
	size_t i;
	int err;

	DISP_UP();
	/* refused from nothing: nothing is scanned out */
	ASSERT_EQ(MVGPU_DISP_ERR_SIZE, commit(self->dev, &cases[4].p));
	REG_EQ(MVGPU_REG_DISP_STATUS, 0);
	expect_plane(_metadata, self->dev, NULL);
	ASSERT_EQ(0, commit(self->dev, &good));
	for (i = 0; i < MT_ARRAY_SIZE(cases); i++) {
		err = commit(self->dev, &cases[i].p);
		EXPECT_EQ(cases[i].err, err) TH_LOG("%s: DISP_ERROR %d",
						    cases[i].what, err);
		/* the programmed values read back as written */
		EXPECT_EQ((uint32_t)cases[i].p.base,
			  RD(MVGPU_REG_DISP_FB_BASE_LO));
		EXPECT_EQ((uint32_t)(cases[i].p.base >> 32),
			  RD(MVGPU_REG_DISP_FB_BASE_HI));
		EXPECT_EQ(cases[i].p.stride, RD(MVGPU_REG_DISP_FB_STRIDE));
		REG_EQ(MVGPU_REG_DISP_CONTROL, MVGPU_DISP_CONTROL_ENABLE);
		/* refused: the head still scans out the plane before */
		REG_EQ(MVGPU_REG_DISP_STATUS, MVGPU_DISP_STATUS_ACTIVE);
		if (!cases[i].err)
			active = cases[i].p;
		expect_plane(_metadata, self->dev, &active);
	}
	/* ENABLE clear: nothing scanned out, DISP_ERROR 0 */
	ASSERT_EQ(MVGPU_DISP_ERR_BASE, commit(self->dev, &cases[19].p));
	WR(MVGPU_REG_DISP_CONTROL, 0);
	REG_EQ(MVGPU_REG_DISP_STATUS, 0);
	REG_EQ(MVGPU_REG_DISP_ERROR, 0);
	REG_EQ(MVGPU_REG_DISP_CONTROL, 0);
	expect_plane(_metadata, self->dev, NULL);
	/* every write of DISP_CONTROL commits, the same value too */
	ASSERT_EQ(0, plane_program(self->dev, &good));
	WR(MVGPU_REG_DISP_CONTROL, MVGPU_DISP_CONTROL_ENABLE);
	REG_EQ(MVGPU_REG_DISP_STATUS, MVGPU_DISP_STATUS_ACTIVE);
	WR(MVGPU_REG_DISP_FB_WIDTH, 0);
	/* double buffered: the width written is not scanned out yet */
	expect_plane(_metadata, self->dev, &good);
	WR(MVGPU_REG_DISP_CONTROL, MVGPU_DISP_CONTROL_ENABLE);
	REG_EQ(MVGPU_REG_DISP_ERROR, MVGPU_DISP_ERR_SIZE);
	expect_plane(_metadata, self->dev, &good);
	WR(MVGPU_REG_DISP_FB_WIDTH, 100);
	WR(MVGPU_REG_DISP_FB_STRIDE, 400);
	WR(MVGPU_REG_DISP_CONTROL, MVGPU_DISP_CONTROL_ENABLE);
	REG_EQ(MVGPU_REG_DISP_ERROR, 0);
	active = good;
	active.width = 100;
	active.stride = 400;
	expect_plane(_metadata, self->dev, &active);
}

/* The plane query's flags, plane types and argsz (device.rst) */
TEST_F(disp, plane_query)
{
	static const struct {
		uint32_t flags, ptype;
		int ret;
	} q[] = {
		{ VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_REGION, 0, 0 },
		{ VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_REGION, 1, 0 },
		/* the plane type is checked before the flags, probes too */
		{ VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_REGION, 7,
		  -EINVAL },
		{ VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_REGION,
		  PLANE_CURSOR, -EINVAL },
		{ VFIO_GFX_PLANE_TYPE_PROBE, 0, -EINVAL },
		{ VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_DMABUF, 0,
		  -EINVAL },
		{ VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_DMABUF |
		  VFIO_GFX_PLANE_TYPE_REGION, 0, -EINVAL },
		{ VFIO_GFX_PLANE_TYPE_DMABUF, 1, -EINVAL },
		{ VFIO_GFX_PLANE_TYPE_DMABUF | VFIO_GFX_PLANE_TYPE_REGION, 1,
		  -EINVAL },
		{ 0, 1, -EINVAL },
		{ 1u << 3 | VFIO_GFX_PLANE_TYPE_REGION, 1, -EINVAL },
		{ VFIO_GFX_PLANE_TYPE_REGION, 0, 0 },
		{ VFIO_GFX_PLANE_TYPE_REGION, PLANE_PRIMARY, 0 },
		{ VFIO_GFX_PLANE_TYPE_REGION, PLANE_CURSOR, -EINVAL },
		{ VFIO_GFX_PLANE_TYPE_REGION, 0xffffffff, -EINVAL },
	};
	struct vfio_device_gfx_plane_info info;
	const struct plane p = plane_at(8 * PAGE, 100, 10);	/* 4000 B */
	size_t i;
	int ret;

	DISP_UP();
	for (i = 0; i < MT_ARRAY_SIZE(q); i++) {
		ret = query(self->dev, sizeof(info), q[i].flags, q[i].ptype,
			    &info);
		EXPECT_EQ(q[i].ret, ret) TH_LOG("flags 0x%x type %u",
						q[i].flags, q[i].ptype);
	}
	/* argsz below the fixed part */
	EXPECT_EQ(-EINVAL, query(self->dev, PLANE_MINSZ - 1,
				 VFIO_GFX_PLANE_TYPE_REGION, 0, &info));
	EXPECT_EQ(-EINVAL, query(self->dev, 0,
				 VFIO_GFX_PLANE_TYPE_REGION, 0, &info));
	EXPECT_EQ(0, query(self->dev, PLANE_MINSZ, VFIO_GFX_PLANE_TYPE_REGION,
			   0, &info));
	/* nothing active: every field 0 (QEMU's cue for ramfb) */
	expect_plane(_metadata, self->dev, NULL);
	ASSERT_EQ(0, commit(self->dev, &p));
	expect_plane(_metadata, self->dev, &p);
	/* what QEMU sends: drm_plane_type 0 */
	ASSERT_EQ(0, query(self->dev, sizeof(info), VFIO_GFX_PLANE_TYPE_REGION,
			   0, &info));
	EXPECT_EQ(PAGE, info.size);
	EXPECT_EQ(DISP, info.region_index);
	WR(MVGPU_REG_DISP_CONTROL, 0);
	expect_plane(_metadata, self->dev, NULL);
	/* no dma-buf: its ioctl is unknown */
	{
		uint32_t id = 0;

		errno = 0;
		EXPECT_EQ(-1, ioctl(self->dev->device,
				    VFIO_DEVICE_GET_GFX_DMABUF, &id));
		EXPECT_EQ(ENOTTY, errno);
	}
}

/*
 * The display region's byte 0 is the VRAM at the plane's base: pread
 * shows what BAR2 holds there, follows each commit, stops short at the
 * end of the VRAM; pwrite is refused.
 */
TEST_F(disp, region_reads_plane)
{
	const uint64_t b1 = 64 * PAGE, b2 = self->vram / 2;
	const size_t len = 2 * PAGE + 100;
	uint8_t buf[3 * PAGE], zero[16] = { 0 };
	struct plane p = plane_at(b1, 160, 100);
	ssize_t n;

	DISP_UP();
	ASSERT_EQ(0, vram_fill(self->dev, b1, len, 1));
	ASSERT_EQ(0, vram_fill(self->dev, b2, len, 2));
	ASSERT_EQ(0, commit(self->dev, &p));
	ASSERT_EQ((ssize_t)len, libmvgpu_region_read(self->dev, DISP, 0, buf,
						     len));
	EXPECT_EQ(-1, mt_pattern_check(buf, len, 0, 1));
	/* at an offset */
	ASSERT_EQ(100, libmvgpu_region_read(self->dev, DISP, PAGE + 4, buf,
					    100));
	EXPECT_EQ(-1, mt_pattern_check(buf, 100, PAGE + 4, 1));
	/* a flip */
	p.base = b2;
	ASSERT_EQ(0, commit(self->dev, &p));
	ASSERT_EQ((ssize_t)len, libmvgpu_region_read(self->dev, DISP, 0, buf,
						     len));
	EXPECT_EQ(-1, mt_pattern_check(buf, len, 0, 2));
	/* refused commit: the window stays */
	p.base = b1 + 1;
	ASSERT_EQ(MVGPU_DISP_ERR_BASE, commit(self->dev, &p));
	ASSERT_EQ(16, libmvgpu_region_read(self->dev, DISP, 0, buf, 16));
	EXPECT_EQ(-1, mt_pattern_check(buf, 16, 0, 2));
	/* none active: the last plane's base */
	WR(MVGPU_REG_DISP_CONTROL, 0);
	ASSERT_EQ(16, libmvgpu_region_read(self->dev, DISP, 0, buf, 16));
	EXPECT_EQ(-1, mt_pattern_check(buf, 16, 0, 2));
	/* read-only: pwrite refused, VRAM unchanged */
	EXPECT_EQ(-EINVAL, libmvgpu_region_write(self->dev, DISP, 0, zero,
						 sizeof(zero)));
	ASSERT_EQ(16, libmvgpu_region_read(self->dev, BAR2, b2, buf, 16));
	EXPECT_EQ(-1, mt_pattern_check(buf, 16, 0, 2));
	/* offsets: inside up to the region's end, EINVAL from there */
	n = libmvgpu_region_read(self->dev, DISP, self->window - 8, buf, 16);
	EXPECT_EQ(8, n);
	EXPECT_EQ(-EINVAL, libmvgpu_region_read(self->dev, DISP, self->window,
						buf, 4));
	EXPECT_EQ(-EINVAL, libmvgpu_region_read(self->dev, DISP,
						self->window + PAGE, buf, 4));
	/*
	 * a plane at the end of the VRAM: a read is cut short there, one
	 * from there on gives zeroes
	 */
	p = plane_at(self->vram - 4 * PAGE, 256, 16);
	ASSERT_EQ(0, commit(self->dev, &p));
	ASSERT_EQ(0, vram_fill(self->dev, p.base, 4 * PAGE, 3));
	n = libmvgpu_region_read(self->dev, DISP, 3 * PAGE, buf, 2 * PAGE);
	EXPECT_EQ(PAGE, n);
	EXPECT_EQ(-1, mt_pattern_check(buf, PAGE, 3 * PAGE, 3));
	memset(buf, 0xee, sizeof(buf));
	n = libmvgpu_region_read(self->dev, DISP, 4 * PAGE, buf, 2 * PAGE);
	EXPECT_EQ(2 * PAGE, n) TH_LOG("read past the VRAM: %zd", n);
	EXPECT_EQ(-1, mt_find_nonzero(buf, 2 * PAGE));
	n = libmvgpu_region_read(self->dev, DISP, self->window - 8, buf, 16);
	EXPECT_EQ(8, n);
	EXPECT_EQ(-1, mt_find_nonzero(buf, 8));
}

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

/* Read one byte at p: 0 or 1 when it raised SIGBUS. */
static int touch(const volatile uint8_t *p)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	int bus = 0;

	sigaction(SIGBUS, &sa, &old);
	if (!sigsetjmp(bus_jmp, 1))
		(void)*p;
	else
		bus = 1;
	sigaction(SIGBUS, &old, NULL);
	return bus;
}

/* mmap of the display region: MAP_SHARED, read-only, inside the region */
TEST_F(disp, mmap_rules)
{
	const uint64_t off = LIBMVGPU_REGION_OFFSET(DISP);
	const size_t win = self->window;
	uint8_t *m;
	void *p;

	DISP_UP();
	errno = 0;
	p = mmap(NULL, win, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->dev->device, off);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	if (p != MAP_FAILED)
		munmap(p, win);
	errno = 0;
	p = mmap(NULL, win, PROT_READ, MAP_PRIVATE, self->dev->device, off);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	if (p != MAP_FAILED)
		munmap(p, win);
	errno = 0;
	p = mmap(NULL, win + PAGE, PROT_READ, MAP_SHARED, self->dev->device,
		 off);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	if (p != MAP_FAILED)
		munmap(p, win + PAGE);
	errno = 0;
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, self->dev->device,
		 off + win);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	if (p != MAP_FAILED)
		munmap(p, PAGE);
	/* the EDID region cannot be mapped */
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, self->dev->device,
		 LIBMVGPU_REGION_OFFSET(EDID));
	EXPECT_EQ(MAP_FAILED, p);
	if (p != MAP_FAILED)
		munmap(p, PAGE);
	/* a part, and the whole region */
	p = mmap(NULL, win - PAGE, PROT_READ, MAP_SHARED, self->dev->device,
		 off + PAGE);
	EXPECT_NE(MAP_FAILED, p);
	if (p != MAP_FAILED)
		munmap(p, win - PAGE);
	m = mmap(NULL, win, PROT_READ, MAP_SHARED, self->dev->device, off);
	ASSERT_NE(MAP_FAILED, m);
	EXPECT_EQ(0, touch(m));
	EXPECT_EQ(0, touch(m + win - 1));
	/* it never becomes writable */
	errno = 0;
	EXPECT_EQ(-1, mprotect(m, win, PROT_READ | PROT_WRITE));
	EXPECT_NE(0, errno);
	munmap(m, win);
}

/* A mapping follows each flip; past the VRAM it reads zeroes */
TEST_F(disp, mapping_follows_flip)
{
	const uint64_t b1 = 16 * PAGE, b2 = self->vram / 2 + 8 * PAGE;
	const size_t win = self->window;
	struct plane p = plane_at(b1, self->w, 16);
	size_t plen = 4 * PAGE;
	uint8_t *m;
	int exp;

	DISP_UP();
	ASSERT_EQ(0, vram_fill(self->dev, b1, plen, 11));
	ASSERT_EQ(0, vram_fill(self->dev, b2, plen, 12));
	m = mmap(NULL, win, PROT_READ, MAP_SHARED, self->dev->device,
		 LIBMVGPU_REGION_OFFSET(DISP));
	ASSERT_NE(MAP_FAILED, m);
	/* before any plane: VRAM 0 (zero) */
	EXPECT_EQ(-1, mt_find_nonzero(m, plen));
	ASSERT_EQ(0, commit(self->dev, &p));
	EXPECT_EQ(-1, mt_pattern_check(m, plen, 0, 11));
	p.base = b2;
	ASSERT_EQ(0, commit(self->dev, &p));
	EXPECT_EQ(-1, mt_pattern_check(m, plen, 0, 12));
	p.base = b1;
	ASSERT_EQ(0, commit(self->dev, &p));
	EXPECT_EQ(-1, mt_pattern_check(m, plen, 0, 11));
	/* writes through BAR2 show through the window's mapping */
	ASSERT_EQ(0, vram_fill(self->dev, b1, plen, 13));
	EXPECT_EQ(-1, mt_pattern_check(m, plen, 0, 13));
	/*
	 * a plane at the end of the VRAM: its pages, then zeroes (no
	 * signal), up to the region's end
	 */
	p = plane_at(self->vram - 2 * PAGE, 256, 8);
	ASSERT_EQ(0, commit(self->dev, &p));
	ASSERT_EQ(0, vram_fill(self->dev, p.base, 2 * PAGE, 14));
	EXPECT_EQ(-1, mt_pattern_check(m, 2 * PAGE, 0, 14));
	EXPECT_EQ(0, touch(m + 2 * PAGE));
	EXPECT_EQ(0, touch(m + win - 1));
	EXPECT_EQ(-1, mt_find_nonzero(m + 2 * PAGE, win - 2 * PAGE));
	/* back to b2: its pages again */
	p = plane_at(b2, 256, 8);
	ASSERT_EQ(0, commit(self->dev, &p));
	EXPECT_EQ(-1, mt_pattern_check(m, plen, 0, 12));
	/*
	 * each kind of reset: base 0 again (zero after the reset), not the
	 * pages of the plane before, filled anew
	 */
	ASSERT_EQ(0, libmvgpu_reset(self->dev));
	ASSERT_EQ(0, vram_fill(self->dev, b2, plen, 15));
	EXPECT_EQ(-1, mt_find_nonzero(m, plen));
	ASSERT_EQ(0, commit(self->dev, &p));
	EXPECT_EQ(-1, mt_pattern_check(m, plen, 0, 15));
	WR(MVGPU_REG_RESET, MVGPU_RESET_MAGIC);
	ASSERT_EQ(0, vram_fill(self->dev, b2, plen, 16));
	EXPECT_EQ(-1, mt_find_nonzero(m, plen));
	ASSERT_EQ(0, commit(self->dev, &p));
	EXPECT_EQ(-1, mt_pattern_check(m, plen, 0, 16));
	exp = libmvgpu_cfg_find_cap(self->dev, PCI_CAP_ID_EXP);
	ASSERT_LT(0, exp);
	ASSERT_EQ(0, libmvgpu_cfg_write16(self->dev, exp + PCI_EXP_DEVCTL,
					  PCI_EXP_DEVCTL_BCR_FLR));
	ASSERT_EQ(0, vram_fill(self->dev, b2, plen, 17));
	EXPECT_EQ(-1, mt_find_nonzero(m, plen));
	munmap(m, win);
}

/* The EDID region's layout and access rules */
TEST_F(disp, edid_region)
{
	static const uint64_t no[] = { 0x18, 0x1c, 0x80, 0xfc, 0xff };
	struct vfio_region_info info;
	uint8_t blob[MVGPU_DISP_EDID_MAX], back[MVGPU_DISP_EDID_MAX];
	uint32_t val = 0;
	size_t i;

	DISP_UP();
	ASSERT_EQ(0, libmvgpu_region_info(self->dev, EDID, &info));
	EXPECT_EQ(1024, info.size);
	EXPECT_EQ(0x100, edid_rd(self->dev, E_OFFSET));
	EXPECT_EQ(768, edid_rd(self->dev, E_MAX_SIZE));
	EXPECT_EQ(0, edid_rd(self->dev, E_SIZE));
	EXPECT_EQ(self->w, edid_rd(self->dev, E_XRES));
	EXPECT_EQ(self->h, edid_rd(self->dev, E_YRES));
	EXPECT_EQ(LINK_UP, edid_rd(self->dev, E_LINK));
	/* read-only fields */
	EXPECT_EQ(-EINVAL, edid_wr(self->dev, E_OFFSET, 0x200));
	EXPECT_EQ(-EINVAL, edid_wr(self->dev, E_MAX_SIZE, 1));
	EXPECT_EQ(-EINVAL, edid_wr(self->dev, E_XRES, 640));
	EXPECT_EQ(-EINVAL, edid_wr(self->dev, E_YRES, 480));
	EXPECT_EQ(0x100, edid_rd(self->dev, E_OFFSET));
	EXPECT_EQ(self->w, edid_rd(self->dev, E_XRES));
	/* misaligned or not 32 bits */
	EXPECT_EQ(-EINVAL, libmvgpu_region_read(self->dev, EDID, 2, &val, 4));
	EXPECT_EQ(-EINVAL, libmvgpu_region_read(self->dev, EDID, E_SIZE, &val,
						2));
	EXPECT_EQ(-EINVAL, libmvgpu_region_read(self->dev, EDID, E_SIZE, blob,
						8));
	EXPECT_EQ(-EINVAL, libmvgpu_region_write(self->dev, EDID, E_SIZE + 1,
						 &val, 4));
	EXPECT_EQ(-EINVAL, libmvgpu_region_write(self->dev, EDID, E_LINK, &val,
						 1));
	/* the gap 0x18..0xff */
	for (i = 0; i < MT_ARRAY_SIZE(no); i++) {
		EXPECT_EQ(-EINVAL, libmvgpu_region_read(self->dev, EDID, no[i],
							&val, 4));
		EXPECT_EQ(-EINVAL, libmvgpu_region_write(self->dev, EDID,
							 no[i], &val, 4));
	}
	/* edid_size up to 768; link_state 1 or 2 */
	EXPECT_EQ(-EINVAL, edid_wr(self->dev, E_SIZE, 769));
	EXPECT_EQ(-EINVAL, edid_wr(self->dev, E_SIZE, 0xffffffff));
	EXPECT_EQ(0, edid_rd(self->dev, E_SIZE));
	EXPECT_EQ(0, edid_wr(self->dev, E_SIZE, 768));
	EXPECT_EQ(768, edid_rd(self->dev, E_SIZE));
	EXPECT_EQ(0, edid_wr(self->dev, E_SIZE, 0));
	EXPECT_EQ(-EINVAL, edid_wr(self->dev, E_LINK, 0));
	EXPECT_EQ(-EINVAL, edid_wr(self->dev, E_LINK, 3));
	EXPECT_EQ(LINK_UP, edid_rd(self->dev, E_LINK));
	/* the blob: any access inside, cut short at the end */
	mt_pattern_fill(blob, sizeof(blob), 0, 21);
	ASSERT_EQ(sizeof(blob), libmvgpu_region_write(self->dev, EDID, E_BLOB,
						      blob, sizeof(blob)));
	ASSERT_EQ(sizeof(back), libmvgpu_region_read(self->dev, EDID, E_BLOB,
						     back, sizeof(back)));
	EXPECT_EQ(0, memcmp(blob, back, sizeof(blob)));
	EXPECT_EQ(3, libmvgpu_region_read(self->dev, EDID, E_BLOB + 5, back,
					  3));
	EXPECT_EQ(0, memcmp(blob + 5, back, 3));
	EXPECT_EQ(1, libmvgpu_region_read(self->dev, EDID, 0x3ff, back, 4));
	EXPECT_EQ(blob[767], back[0]);
	EXPECT_EQ(2, libmvgpu_region_write(self->dev, EDID, 0x3fe, back, 8));
	EXPECT_GE(0, libmvgpu_region_read(self->dev, EDID, 0x400, back, 4));
	/* none of it reached the guest: no link_state written */
	expect_monitor(_metadata, self->dev, true, NULL, 0);
	REG_EQ(MVGPU_REG_DISP_IRQ_STATUS, 0);
}

/* QEMU's protocol gives the guest a monitor; HOTPLUG marks each change */
TEST_F(disp, monitor_hotplug)
{
	uint8_t edid[256], edid2[128];

	DISP_UP();
	mt_pattern_fill(edid, sizeof(edid), 0, 31);
	mt_pattern_fill(edid2, sizeof(edid2), 0, 32);
	ASSERT_EQ(0, libmvgpu_msi_enable(self->dev, 0x31, self->efd));
	WR(MVGPU_REG_DISP_IRQ_MASK, MVGPU_DISP_IRQ_HOTPLUG);
	/* down: disconnected, no EDID */
	ASSERT_EQ(0, edid_wr(self->dev, E_LINK, LINK_DOWN));
	EXPECT_EQ(LINK_DOWN, edid_rd(self->dev, E_LINK));
	expect_monitor(_metadata, self->dev, false, NULL, 0);
	REG_EQ(MVGPU_REG_DISP_IRQ_STATUS, MVGPU_DISP_IRQ_HOTPLUG);
	EXPECT_EQ(1, libmvgpu_eventfd_wait(self->efd, IRQ_WAIT_MS, NULL));
	WR(MVGPU_REG_DISP_IRQ_ACK, MVGPU_DISP_IRQ_HOTPLUG);
	REG_EQ(MVGPU_REG_DISP_IRQ_STATUS, 0);
	/* the EDID and its size: the guest sees nothing until link up */
	ASSERT_EQ(sizeof(edid), libmvgpu_region_write(self->dev, EDID, E_BLOB,
						      edid, sizeof(edid)));
	ASSERT_EQ(0, edid_wr(self->dev, E_SIZE, sizeof(edid)));
	expect_monitor(_metadata, self->dev, false, NULL, 0);
	REG_EQ(MVGPU_REG_DISP_IRQ_STATUS, 0);
	ASSERT_EQ(0, edid_wr(self->dev, E_LINK, LINK_UP));
	expect_monitor(_metadata, self->dev, true, edid, sizeof(edid));
	REG_EQ(MVGPU_REG_DISP_IRQ_STATUS, MVGPU_DISP_IRQ_HOTPLUG);
	EXPECT_EQ(1, libmvgpu_eventfd_wait(self->efd, IRQ_WAIT_MS, NULL));
	WR(MVGPU_REG_DISP_IRQ_ACK, MVGPU_DISP_IRQ_HOTPLUG);
	/* up again with the same monitor: no change, no HOTPLUG */
	ASSERT_EQ(0, edid_wr(self->dev, E_LINK, LINK_UP));
	REG_EQ(MVGPU_REG_DISP_IRQ_STATUS, 0);
	EXPECT_EQ(0, libmvgpu_eventfd_wait(self->efd, 100, NULL));
	/* a size change while up takes effect at the next link up */
	ASSERT_EQ(0, edid_wr(self->dev, E_SIZE, 128));
	expect_monitor(_metadata, self->dev, true, edid, sizeof(edid));
	ASSERT_EQ(0, edid_wr(self->dev, E_LINK, LINK_UP));
	expect_monitor(_metadata, self->dev, true, edid, 128);
	REG_EQ(MVGPU_REG_DISP_IRQ_STATUS, MVGPU_DISP_IRQ_HOTPLUG);
	WR(MVGPU_REG_DISP_IRQ_ACK, MVGPU_DISP_IRQ_HOTPLUG);
	/* other bytes, the same size: a change */
	ASSERT_EQ(0, set_monitor(self->dev, edid2, sizeof(edid2)));
	expect_monitor(_metadata, self->dev, true, edid2, sizeof(edid2));
	REG_EQ(MVGPU_REG_DISP_IRQ_STATUS, MVGPU_DISP_IRQ_HOTPLUG);
	WR(MVGPU_REG_DISP_IRQ_ACK, MVGPU_DISP_IRQ_HOTPLUG);
	/* the full 768 bytes */
	{
		uint8_t big[MVGPU_DISP_EDID_MAX];

		mt_pattern_fill(big, sizeof(big), 0, 33);
		ASSERT_EQ(0, set_monitor(self->dev, big, sizeof(big)));
		expect_monitor(_metadata, self->dev, true, big, sizeof(big));
	}
	/* down twice: one change */
	WR(MVGPU_REG_DISP_IRQ_ACK, MVGPU_DISP_IRQ_HOTPLUG);
	ASSERT_EQ(0, edid_wr(self->dev, E_LINK, LINK_DOWN));
	WR(MVGPU_REG_DISP_IRQ_ACK, MVGPU_DISP_IRQ_HOTPLUG);
	ASSERT_EQ(0, edid_wr(self->dev, E_LINK, LINK_DOWN));
	REG_EQ(MVGPU_REG_DISP_IRQ_STATUS, 0);
	expect_monitor(_metadata, self->dev, false, NULL, 0);
}

/*
 * The interrupt condition with the display's sources (device.rst,
 * "Interrupts"): HOTPLUG is set while masked and sends nothing; enabling
 * it is a transition (one MSI); an ack of DISP_IRQ_ACK or IRQ_ACK that
 * leaves the condition true sends another; the global and the display
 * sources share the one interrupt.
 */
TEST_F(disp, irq_condition)
{
	DISP_UP();
	ASSERT_EQ(0, libmvgpu_msi_enable(self->dev, 0x35, self->efd));
	ASSERT_EQ(0, edid_wr(self->dev, E_LINK, LINK_DOWN));
	REG_EQ(MVGPU_REG_DISP_IRQ_STATUS, MVGPU_DISP_IRQ_HOTPLUG);
	EXPECT_EQ(0, libmvgpu_eventfd_wait(self->efd, QUIET_MS, NULL));
	WR(MVGPU_REG_DISP_IRQ_MASK, MVGPU_DISP_IRQ_HOTPLUG);
	EXPECT_EQ(1, libmvgpu_eventfd_wait(self->efd, IRQ_WAIT_MS, NULL));
	/* still asserted: each ack that leaves it true sends one more */
	WR(MVGPU_REG_DISP_IRQ_ACK, MVGPU_DISP_IRQ_VBLANK);
	EXPECT_EQ(1, libmvgpu_eventfd_wait(self->efd, IRQ_WAIT_MS, NULL));
	WR(MVGPU_REG_IRQ_ACK, 0);
	EXPECT_EQ(1, libmvgpu_eventfd_wait(self->efd, IRQ_WAIT_MS, NULL));
	/* a global source too: acking the display leaves it true */
	WR(MVGPU_REG_IRQ_MASK, MVGPU_IRQ_FENCE(0));
	WR(MVGPU_REG_IRQ_RAISE, MVGPU_IRQ_FENCE(0));
	EXPECT_EQ(0, libmvgpu_eventfd_wait(self->efd, QUIET_MS, NULL));
	WR(MVGPU_REG_DISP_IRQ_ACK, MVGPU_DISP_IRQ_HOTPLUG);
	REG_EQ(MVGPU_REG_DISP_IRQ_STATUS, 0);
	EXPECT_EQ(1, libmvgpu_eventfd_wait(self->efd, IRQ_WAIT_MS, NULL));
	WR(MVGPU_REG_IRQ_ACK, MVGPU_IRQ_FENCE(0));
	/* all clear: the next hotplug is a transition again */
	libmvgpu_eventfd_wait(self->efd, 0, NULL);
	ASSERT_EQ(0, edid_wr(self->dev, E_LINK, LINK_UP));
	EXPECT_EQ(1, libmvgpu_eventfd_wait(self->efd, IRQ_WAIT_MS, NULL));
	/* masked again: the condition is false, acks send nothing */
	WR(MVGPU_REG_DISP_IRQ_MASK, 0);
	WR(MVGPU_REG_DISP_IRQ_ACK, 0);
	EXPECT_EQ(0, libmvgpu_eventfd_wait(self->efd, QUIET_MS, NULL));
	REG_EQ(MVGPU_REG_DISP_IRQ_STATUS, MVGPU_DISP_IRQ_HOTPLUG);
}

/* Wait for n interrupts on efd, acking VBLANK after each: how many came. */
static int vblanks(struct libmvgpu_dev *dev, int efd, int n, bool intx)
{
	int got = 0;

	while (got < n && libmvgpu_eventfd_wait(efd, IRQ_WAIT_MS, NULL) == 1) {
		got++;
		if (libmvgpu_reg_write(dev, MVGPU_REG_DISP_IRQ_ACK,
				       MVGPU_DISP_IRQ_VBLANK))
			break;
		if (intx && libmvgpu_intx_unmask(dev))
			break;
	}
	return got;
}

/* Vblank interrupts: only with VBLANK enabled and a plane active */
TEST_F(disp, vblank_irq)
{
	const struct plane p = plane_at(0, 64, 64);
	uint64_t t0;

	DISP_UP();
	ASSERT_EQ(0, libmvgpu_msi_enable(self->dev, 0x32, self->efd));
	/* enabled, nothing active: no vblank */
	WR(MVGPU_REG_DISP_IRQ_MASK, MVGPU_DISP_IRQ_VBLANK);
	EXPECT_EQ(0, libmvgpu_eventfd_wait(self->efd, QUIET_MS, NULL));
	REG_EQ(MVGPU_REG_DISP_IRQ_STATUS, 0);
	/* active: they come (at 60 Hz of the device's clock; TCG is slow) */
	ASSERT_EQ(0, commit(self->dev, &p));
	t0 = mt_now_ms();
	EXPECT_EQ(5, vblanks(self->dev, self->efd, 5, false));
	TH_LOG("5 vblanks in %llu ms",
	       (unsigned long long)(mt_now_ms() - t0));
	/* disabled: the status stays clear, nothing comes */
	WR(MVGPU_REG_DISP_IRQ_MASK, 0);
	WR(MVGPU_REG_DISP_IRQ_ACK, MVGPU_DISP_IRQ_VBLANK);
	libmvgpu_eventfd_wait(self->efd, 0, NULL);
	EXPECT_EQ(0, libmvgpu_eventfd_wait(self->efd, QUIET_MS, NULL));
	REG_EQ(MVGPU_REG_DISP_IRQ_STATUS, 0);
	/* enabled again, then the head stopped */
	WR(MVGPU_REG_DISP_IRQ_MASK, MVGPU_DISP_IRQ_VBLANK);
	EXPECT_EQ(1, vblanks(self->dev, self->efd, 1, false));
	WR(MVGPU_REG_DISP_CONTROL, 0);
	WR(MVGPU_REG_DISP_IRQ_ACK, MVGPU_DISP_IRQ_VBLANK);
	libmvgpu_eventfd_wait(self->efd, 0, NULL);
	EXPECT_EQ(0, libmvgpu_eventfd_wait(self->efd, QUIET_MS, NULL));
	REG_EQ(MVGPU_REG_DISP_IRQ_STATUS, 0);
	/* an unacked vblank: no second MSI while it stays pending */
	ASSERT_EQ(0, commit(self->dev, &p));
	EXPECT_EQ(1, libmvgpu_eventfd_wait(self->efd, IRQ_WAIT_MS, NULL));
	EXPECT_EQ(0, libmvgpu_eventfd_wait(self->efd, QUIET_MS, NULL));
	REG_EQ(MVGPU_REG_DISP_IRQ_STATUS, MVGPU_DISP_IRQ_VBLANK);
	/* INTx: delivered, automasked, again after ack and unmask */
	ASSERT_EQ(0, libmvgpu_irq_disable(self->dev, VFIO_PCI_MSI_IRQ_INDEX));
	libmvgpu_eventfd_wait(self->efd, 0, NULL);
	WR(MVGPU_REG_DISP_IRQ_ACK, MVGPU_DISP_IRQ_VBLANK);
	ASSERT_EQ(0, libmvgpu_irq_set_eventfd(self->dev,
					      VFIO_PCI_INTX_IRQ_INDEX,
					      self->efd));
	EXPECT_EQ(3, vblanks(self->dev, self->efd, 3, true));
	WR(MVGPU_REG_DISP_IRQ_MASK, 0);
	EXPECT_EQ(0, libmvgpu_irq_disable(self->dev, VFIO_PCI_INTX_IRQ_INDEX));
}

/* The guest's side of a set-up monitor, a plane and masks, for resets. */
static void dirty_display(struct __test_metadata *_metadata,
			  FIXTURE_DATA(disp) *self, const uint8_t *edid,
			  uint32_t len)
{
	const struct plane p = plane_at(8 * PAGE, 64, 64);

	ASSERT_EQ(0, set_monitor(self->dev, edid, len));
	ASSERT_EQ(0, commit(self->dev, &p));
	WR(MVGPU_REG_DISP_IRQ_MASK, MVGPU_DISP_IRQ_VBLANK |
	   MVGPU_DISP_IRQ_HOTPLUG);
	WR(MVGPU_REG_DISP_FB_WIDTH, 33);
	REG_EQ(MVGPU_REG_DISP_STATUS, MVGPU_DISP_STATUS_ACTIVE);
}

/* Every register but the monitor's back to its reset value */
static void expect_display_reset(struct __test_metadata *_metadata,
				 FIXTURE_DATA(disp) *self)
{
	uint32_t off;

	for (off = MVGPU_REG_DISP_FB_BASE_LO; off <= MVGPU_REG_DISP_ERROR;
	     off += 4)
		REG_EQ(off, 0);
	REG_EQ(MVGPU_REG_DISP_IRQ_STATUS, 0);
	REG_EQ(MVGPU_REG_DISP_IRQ_MASK, 0);
	expect_plane(_metadata, self->dev, NULL);
}

/* Resets: the head stops, the registers go back; the monitor stays */
TEST_F(disp, reset_keeps_monitor)
{
	uint8_t edid[200], buf[16];
	int kind, exp;

	DISP_UP();
	mt_pattern_fill(edid, sizeof(edid), 0, 41);
	exp = libmvgpu_cfg_find_cap(self->dev, PCI_CAP_ID_EXP);
	ASSERT_LT(0, exp);
	/* VFIO_DEVICE_RESET, the RESET register, an FLR */
	for (kind = 0; kind < 3; kind++) {
		dirty_display(_metadata, self, edid, sizeof(edid));
		ASSERT_EQ(0, vram_fill(self->dev, 0, PAGE, 42));
		if (kind == 1) {
			WR(MVGPU_REG_RESET, MVGPU_RESET_MAGIC);
		} else if (kind == 2) {
			ASSERT_EQ(0, libmvgpu_cfg_write16(self->dev,
							  exp + PCI_EXP_DEVCTL,
							  PCI_EXP_DEVCTL_BCR_FLR));
		} else {
			ASSERT_EQ(0, libmvgpu_reset(self->dev));
		}
		expect_display_reset(_metadata, self);
		/* the window is back at VRAM 0, cleared by the reset */
		ASSERT_EQ(16, libmvgpu_region_read(self->dev, DISP, 0, buf,
						   16));
		EXPECT_EQ(-1, mt_find_nonzero(buf, 16));
		expect_monitor(_metadata, self->dev, true, edid, sizeof(edid));
		EXPECT_EQ(sizeof(edid), edid_rd(self->dev, E_SIZE));
		EXPECT_EQ(LINK_UP, edid_rd(self->dev, E_LINK));
		/* no vblank comes after the reset */
		usleep(100 * 1000);
		REG_EQ(MVGPU_REG_DISP_IRQ_STATUS, 0);
	}
	/* a disconnected monitor stays disconnected */
	ASSERT_EQ(0, edid_wr(self->dev, E_LINK, LINK_DOWN));
	ASSERT_EQ(0, libmvgpu_reset(self->dev));
	expect_monitor(_metadata, self->dev, false, NULL, 0);
	EXPECT_EQ(LINK_DOWN, edid_rd(self->dev, E_LINK));
}

/* Closing the device takes the monitor too: the next user starts afresh */
TEST_F(disp, close_resets_monitor)
{
	uint8_t edid[128], blob[16];

	DISP_UP();
	mt_pattern_fill(edid, sizeof(edid), 0, 51);
	dirty_display(_metadata, self, edid, sizeof(edid));
	libmvgpu_close(self->dev);
	ASSERT_EQ(0, mt_vgpu_open(&self->v));
	expect_display_reset(_metadata, self);
	expect_monitor(_metadata, self->dev, true, NULL, 0);
	EXPECT_EQ(0, edid_rd(self->dev, E_SIZE));
	EXPECT_EQ(LINK_UP, edid_rd(self->dev, E_LINK));
	ASSERT_EQ(sizeof(blob), libmvgpu_region_read(self->dev, EDID, E_BLOB,
						     blob, sizeof(blob)));
	EXPECT_EQ(-1, mt_find_nonzero(blob, sizeof(blob)));
}

/* ---- flips racing readers --------------------------------------------- */

struct race {
	FIXTURE_DATA(disp) *self;
	const uint8_t *map;
	volatile int stop;
	unsigned long flips, reads, queries, bad;
};

/* Flips between three buffers and modes, an odd refused one, resets. */
static void *race_flipper(void *arg)
{
	struct race *r = arg;
	struct libmvgpu_dev *dev = r->self->dev;
	const uint64_t vram = r->self->vram;
	uint64_t rng = 7;
	struct plane p;

	while (!r->stop) {
		uint64_t x = libmvgpu_rand64(&rng);

		switch (x % 8) {
		case 0:
			p = plane_at(vram - 3 * PAGE, 256, 12);
			break;
		case 1:
			p = plane_at(PAGE * (x >> 8 & 63), r->self->w, 20);
			break;
		case 2:
			/* refused: past the VRAM */
			p = plane_at(vram - PAGE, 256, 12);
			break;
		case 3:
			if (!(x >> 8 & 15))
				libmvgpu_reset(dev);
			continue;
		case 4:
			libmvgpu_reg_write(dev, MVGPU_REG_DISP_CONTROL, 0);
			continue;
		default:
			p = plane_at(vram / 2, r->self->w, r->self->h / 2);
			break;
		}
		if (commit(dev, &p) < 0)
			r->bad++;
		r->flips++;
	}
	return NULL;
}

/* Reads the mapping (never a SIGBUS) and region 9. */
static void *race_reader(void *arg)
{
	struct race *r = arg;
	static uint8_t buf[64 << 10];
	uint64_t rng = 9;
	ssize_t n;

	while (!r->stop) {
		uint64_t off = libmvgpu_rand64(&rng) % (r->self->window / PAGE);

		if (touch(r->map + off * PAGE))
			r->bad++;
		n = libmvgpu_region_read(r->self->dev, DISP, off * PAGE, buf,
					 sizeof(buf));
		if (n < 0)
			r->bad++;
		r->reads++;
	}
	return NULL;
}

/* Plane queries: always a plane of the device's limits, or none. */
static void *race_querier(void *arg)
{
	struct race *r = arg;
	struct vfio_device_gfx_plane_info info;

	while (!r->stop) {
		if (query(r->self->dev, sizeof(info),
			  VFIO_GFX_PLANE_TYPE_REGION, 1, &info) ||
		    info.width > r->self->w || info.height > r->self->h ||
		    (info.width && info.region_index != DISP) ||
		    info.size != ((uint64_t)info.stride * info.height +
				  PAGE - 1) / PAGE * PAGE)
			r->bad++;
		r->queries++;
	}
	return NULL;
}

/*
 * Three threads for a few seconds: flips (bases, modes, refused planes,
 * resets) against readers of the mapping and of region 9 and plane
 * queries; no wrong answer, no kernel report (the VM's console check).
 */
TEST_F_TIMEOUT(disp, race, 300)
{
	struct race r = { .self = self };
	pthread_t t[3];
	uint8_t buf[16];
	void *m;

	DISP_UP();
	m = mmap(NULL, self->window, PROT_READ, MAP_SHARED, self->dev->device,
		 LIBMVGPU_REGION_OFFSET(DISP));
	ASSERT_NE(MAP_FAILED, m);
	r.map = m;
	WR(MVGPU_REG_DISP_IRQ_MASK, MVGPU_DISP_IRQ_VBLANK);
	ASSERT_EQ(0, pthread_create(&t[0], NULL, race_flipper, &r));
	ASSERT_EQ(0, pthread_create(&t[1], NULL, race_reader, &r));
	ASSERT_EQ(0, pthread_create(&t[2], NULL, race_querier, &r));
	sleep(4);
	r.stop = 1;
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	pthread_join(t[2], NULL);
	TH_LOG("%lu flips, %lu reads, %lu queries", r.flips, r.reads,
	       r.queries);
	EXPECT_EQ(0, r.bad);
	EXPECT_LT(0, r.flips);
	EXPECT_LT(0, r.reads);
	EXPECT_LT(0, r.queries);
	munmap(m, self->window);
	/* the vGPU works */
	ASSERT_EQ(0, libmvgpu_reset(self->dev));
	expect_display_reset(_metadata, self);
	ASSERT_EQ(16, libmvgpu_region_read(self->dev, DISP, 0, buf, 16));
	EXPECT_EQ(MVGPU_ID_MAGIC, RD(MVGPU_REG_ID));
}

/* ---- migration --------------------------------------------------------- */

/* RUNNING -> STOP_COPY, the whole stream, -> STOP. */
static int save(struct libmvgpu_dev *dev, struct libmvgpu_mig_stream *s)
{
	int fd, ret;
	ssize_t n;

	ret = libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	if (ret)
		return ret;
	n = libmvgpu_mig_read(fd, s, false, SIZE_MAX);
	close(fd);
	if (n < 0)
		return (int)n;
	return libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_STOP, NULL);
}

/* STOP -> RESUMING, the stream, -> STOP: the first error. */
static int load(struct libmvgpu_dev *dev, const uint8_t *data, size_t len)
{
	int fd, ret, ret2;

	ret = libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_STOP, NULL);
	if (!ret)
		ret = libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_RESUMING,
					     &fd);
	if (ret)
		return ret;
	ret = libmvgpu_mig_write(fd, data, len, 1 << 20);
	close(fd);
	ret2 = libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_STOP, NULL);
	return ret ? ret : ret2;
}

/* CRC-32 of migration.rst (zlib's). */
static uint32_t mig_crc(const uint8_t *b, size_t n)
{
	uint32_t c = 0xffffffffu;
	int k;

	while (n--) {
		c ^= *b++;
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (c & 1 ? 0xedb88320u : 0);
	}
	return c ^ 0xffffffffu;
}

/* Offsets of every record of kind in s (up to max): how many. */
static int records(const struct libmvgpu_mig_stream *s, uint32_t kind,
		   size_t *at, int max)
{
	size_t off = 0;
	int n = 0;

	while (off + sizeof(struct mvgpu_mig_record) <= s->len) {
		const struct mvgpu_mig_record *r = (void *)(s->data + off);

		if (r->kind == kind && n < max)
			at[n++] = off;
		off += sizeof(*r) + r->length;
	}
	return n;
}

enum bad_disp { GOOD, STOP_QUIET, LOAD_QUIET, BAD_OUTSIDE, BAD_FLAGS,
	       BAD_ACTIVE, BAD_INACTIVE_BASE, BAD_ERROR, BAD_CONTROL, BAD_IRQ,
	       BAD_SECOND, BAD_AFTER };

FIXTURE_VARIANT(mig) {
	enum bad_disp kind;
};

FIXTURE(mig) {
	struct mt_vgpu src, dst;
	struct libmvgpu_mig_stream s;
	uint32_t w, h;
	uint64_t vram;
	int setup_err;
	char msg[256];
};

FIXTURE_SETUP(mig)
{
	int ret;

	mt_vgpu_init(&self->src);
	mt_vgpu_init(&self->dst);
	memset(&self->s, 0, sizeof(self->s));
	self->vram = mt_type_vram(TYPE);
	self->setup_err = mt_check_state(self->msg, sizeof(self->msg));
	if (self->setup_err)
		return;
	ret = mt_vgpu_create_open(&self->src, MT_PARENT0, TYPE);
	if (!ret)
		ret = mt_vgpu_create_open(&self->dst, MT_PARENT1, TYPE);
	if (!ret)
		ret = mt_display_of(MT_PARENT0, TYPE, &self->w, &self->h);
	snprintf(self->msg, sizeof(self->msg), "two vGPUs: %s",
		 strerror(-ret));
	self->setup_err = ret;
}

FIXTURE_TEARDOWN(mig)
{
	libmvgpu_mig_stream_free(&self->s);
	EXPECT_EQ(0, mt_vgpu_destroy(&self->src));
	EXPECT_EQ(0, mt_vgpu_destroy(&self->dst));
}

/* The source's display: a plane at 16 pages scanned out, others programmed */
static void src_display(struct __test_metadata *_metadata,
			FIXTURE_DATA(mig) *self, struct plane *p)
{
	const struct plane prog = { 1, 0x1234, 7, 8, 9 };
	struct libmvgpu_dev *dev = &self->src.dev;

	*p = plane_at(16 * PAGE, self->w, 32);
	ASSERT_EQ(0, vram_fill(dev, p->base, 32 * self->w * 4, 61));
	ASSERT_EQ(0, commit(dev, p));
	ASSERT_EQ(0, libmvgpu_reg_write(dev, MVGPU_REG_DISP_IRQ_MASK,
					MVGPU_DISP_IRQ_HOTPLUG));
	ASSERT_EQ(0, plane_program(dev, &prog));
}

/* A vGPU with a scanned-out plane, loaded into another of its type */
static void display_moves(struct __test_metadata *_metadata,
			  FIXTURE_DATA(mig) *self)
{
	uint8_t edid[64], buf[PAGE];
	struct libmvgpu_dev *dev = &self->dst.dev;
	size_t at[4];
	struct plane p;

	src_display(_metadata, self, &p);
	/* the source's monitor is the source VMM's: it does not move */
	mt_pattern_fill(edid, sizeof(edid), 0, 62);
	ASSERT_EQ(0, set_monitor(&self->src.dev, edid, sizeof(edid)));
	ASSERT_EQ(0, save(&self->src.dev, &self->s));
	/* one DISPLAY record of 72 bytes, before the STATE */
	EXPECT_EQ(72, sizeof(struct mvgpu_mig_display));
	ASSERT_EQ(1, records(&self->s, MVGPU_MIG_REC_DISPLAY, at, 4));
	EXPECT_EQ(sizeof(struct mvgpu_mig_display),
		  ((struct mvgpu_mig_record *)(self->s.data + at[0]))->length);
	{
		size_t st;

		ASSERT_EQ(1, records(&self->s, MVGPU_MIG_REC_STATE, &st, 1));
		EXPECT_LT(at[0], st);
	}
	ASSERT_EQ(0, load(dev, self->s.data, self->s.len));
	ASSERT_EQ(0, libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_RUNNING,
					    NULL));
	/* the programmed registers, the plane scanned out, the mask */
	EXPECT_EQ(1, libmvgpu_rd32(dev, MVGPU_REG_DISP_FB_BASE_LO));
	EXPECT_EQ(0x1234, libmvgpu_rd32(dev, MVGPU_REG_DISP_FB_FORMAT));
	EXPECT_EQ(7, libmvgpu_rd32(dev, MVGPU_REG_DISP_FB_WIDTH));
	EXPECT_EQ(8, libmvgpu_rd32(dev, MVGPU_REG_DISP_FB_HEIGHT));
	EXPECT_EQ(9, libmvgpu_rd32(dev, MVGPU_REG_DISP_FB_STRIDE));
	EXPECT_EQ(MVGPU_DISP_CONTROL_ENABLE,
		  libmvgpu_rd32(dev, MVGPU_REG_DISP_CONTROL));
	EXPECT_EQ(MVGPU_DISP_STATUS_ACTIVE,
		  libmvgpu_rd32(dev, MVGPU_REG_DISP_STATUS));
	EXPECT_EQ(0, libmvgpu_rd32(dev, MVGPU_REG_DISP_ERROR));
	EXPECT_EQ(MVGPU_DISP_IRQ_HOTPLUG,
		  libmvgpu_rd32(dev, MVGPU_REG_DISP_IRQ_MASK));
	expect_plane(_metadata, dev, &p);
	/* the window shows the plane's pixels */
	ASSERT_EQ(PAGE, libmvgpu_region_read(dev, DISP, 0, buf, PAGE));
	EXPECT_EQ(-1, mt_pattern_check(buf, PAGE, 0, 61));
	/* the destination keeps its own monitor */
	expect_monitor(_metadata, dev, true, NULL, 0);
	/* and the source, back to RUNNING, still has its plane */
	ASSERT_EQ(0, libmvgpu_mig_set_state(&self->src.dev,
					    VFIO_DEVICE_STATE_RUNNING, NULL));
	expect_plane(_metadata, &self->src.dev, &p);
}


/* The DISPLAY record of s made bad as kind says; its CRC fixed. */
static int spoil(struct libmvgpu_mig_stream *s, enum bad_disp kind,
		 uint64_t vram)
{
	const size_t rl = sizeof(struct mvgpu_mig_record);
	const size_t dl = rl + sizeof(struct mvgpu_mig_display);
	struct mvgpu_mig_record *r;
	struct mvgpu_mig_display *d;
	size_t at, st;
	uint8_t rec[sizeof(struct mvgpu_mig_record) +
		    sizeof(struct mvgpu_mig_display)];

	if (records(s, MVGPU_MIG_REC_DISPLAY, &at, 1) != 1 ||
	    records(s, MVGPU_MIG_REC_STATE, &st, 1) != 1 || st != at + dl)
		return -EPROTO;
	r = (void *)(s->data + at);
	d = (void *)(r + 1);
	switch (kind) {
	case BAD_OUTSIDE:
		/* the scanned-out plane's last line past the VRAM */
		d->scan_base = vram - 4096;
		break;
	case BAD_FLAGS:
		d->flags = 1;
		break;
	case BAD_ACTIVE:
		d->active = 2;
		break;
	case BAD_INACTIVE_BASE:
		/* no plane scanned out, the window's base outside the VRAM */
		d->active = 0;
		d->scan_base = vram;
		break;
	case BAD_ERROR:
		d->error = MVGPU_DISP_ERR_BASE + 1;
		break;
	case BAD_CONTROL:
		d->control |= 2;
		break;
	case BAD_IRQ:
		d->irq_mask |= 4;
		break;
	default:
		break;
	}
	r->crc = mig_crc((uint8_t *)d, sizeof(*d));
	if (kind == BAD_SECOND || kind == BAD_AFTER) {
		/* s has 1 MiB of room after its data (libmvgpu_mig_read) */
		memcpy(rec, s->data + at, dl);
		if (kind == BAD_AFTER) {
			/* HEADER .. DISPLAY STATE END -> .. STATE DISPLAY END */
			size_t sl = rl + ((struct mvgpu_mig_record *)
					  (s->data + st))->length;

			memmove(s->data + at, s->data + st, sl);
			memcpy(s->data + at + sl, rec, dl);
			return 0;
		}
		memmove(s->data + at + dl, s->data + at, s->len - at);
		s->len += dl;
	}
	return 0;
}

FIXTURE_VARIANT_ADD(mig, good) { .kind = GOOD };
FIXTURE_VARIANT_ADD(mig, no_vblank_while_stopped) { .kind = STOP_QUIET };
FIXTURE_VARIANT_ADD(mig, no_interrupt_at_load) { .kind = LOAD_QUIET };
FIXTURE_VARIANT_ADD(mig, plane_outside_vram) { .kind = BAD_OUTSIDE };
FIXTURE_VARIANT_ADD(mig, flags) { .kind = BAD_FLAGS };
FIXTURE_VARIANT_ADD(mig, active_2) { .kind = BAD_ACTIVE };
FIXTURE_VARIANT_ADD(mig, inactive_base_outside) { .kind = BAD_INACTIVE_BASE };
FIXTURE_VARIANT_ADD(mig, error_5) { .kind = BAD_ERROR };
FIXTURE_VARIANT_ADD(mig, control_bit_1) { .kind = BAD_CONTROL };
FIXTURE_VARIANT_ADD(mig, irq_mask_bit_2) { .kind = BAD_IRQ };
FIXTURE_VARIANT_ADD(mig, second_display) { .kind = BAD_SECOND };
FIXTURE_VARIANT_ADD(mig, display_after_state) { .kind = BAD_AFTER };

/*
 * In STOP the device changes no state and raises no interrupt (VFIO's
 * contract, include/uapi/linux/vfio.h): no vblank while a source with an
 * active plane and VBLANK enabled is stopped; they come again once it runs.
 */
static void stop_quiet(struct __test_metadata *_metadata,
		       FIXTURE_DATA(mig) *self)
{
	struct libmvgpu_dev *dev = &self->src.dev;
	const struct plane p = plane_at(0, 64, 64);
	int efd = libmvgpu_eventfd();

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, libmvgpu_msi_enable(dev, 0x33, efd));
	ASSERT_EQ(0, commit(dev, &p));
	ASSERT_EQ(0, libmvgpu_reg_write(dev, MVGPU_REG_DISP_IRQ_MASK,
					MVGPU_DISP_IRQ_VBLANK));
	EXPECT_EQ(1, libmvgpu_eventfd_wait(efd, IRQ_WAIT_MS, NULL));
	ASSERT_EQ(0, libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_STOP, NULL));
	ASSERT_EQ(0, libmvgpu_reg_write(dev, MVGPU_REG_DISP_IRQ_ACK,
					MVGPU_DISP_IRQ_VBLANK));
	libmvgpu_eventfd_wait(efd, 0, NULL);
	EXPECT_EQ(0, libmvgpu_eventfd_wait(efd, QUIET_MS, NULL));
	EXPECT_EQ(0, libmvgpu_rd32(dev, MVGPU_REG_DISP_IRQ_STATUS));
	ASSERT_EQ(0, libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_RUNNING,
					    NULL));
	EXPECT_EQ(1, libmvgpu_eventfd_wait(efd, IRQ_WAIT_MS, NULL));
	EXPECT_EQ(0, libmvgpu_irq_disable(dev, VFIO_PCI_MSI_IRQ_INDEX));
	close(efd);
}

/*
 * Loading a stream acts on nothing (migration.rst): a display interrupt
 * pending in the stream is not sent at the arc to STOP, but once the
 * destination runs.
 */
static void load_quiet(struct __test_metadata *_metadata,
		       FIXTURE_DATA(mig) *self)
{
	struct libmvgpu_dev *src = &self->src.dev, *dst = &self->dst.dev;
	int efd = libmvgpu_eventfd();

	ASSERT_LE(0, efd);
	/* the source: MSI on, HOTPLUG enabled and pending (link down) */
	ASSERT_EQ(0, libmvgpu_msi_enable(src, 0x34, -1));
	ASSERT_EQ(0, libmvgpu_reg_write(src, MVGPU_REG_DISP_IRQ_MASK,
					MVGPU_DISP_IRQ_HOTPLUG));
	ASSERT_EQ(0, edid_wr(src, E_LINK, LINK_DOWN));
	ASSERT_EQ(MVGPU_DISP_IRQ_HOTPLUG,
		  libmvgpu_rd32(src, MVGPU_REG_DISP_IRQ_STATUS));
	ASSERT_EQ(0, save(src, &self->s));
	ASSERT_EQ(0, libmvgpu_msi_enable(dst, 0x34, efd));
	libmvgpu_eventfd_wait(efd, 0, NULL);
	ASSERT_EQ(0, load(dst, self->s.data, self->s.len));
	EXPECT_EQ(MVGPU_DISP_IRQ_HOTPLUG,
		  libmvgpu_rd32(dst, MVGPU_REG_DISP_IRQ_STATUS));
	EXPECT_EQ(0, libmvgpu_eventfd_wait(efd, QUIET_MS, NULL))
		TH_LOG("an MSI while the destination is stopped");
	ASSERT_EQ(0, libmvgpu_mig_set_state(dst, VFIO_DEVICE_STATE_RUNNING,
					    NULL));
	EXPECT_EQ(1, libmvgpu_eventfd_wait(efd, IRQ_WAIT_MS, NULL));
	EXPECT_EQ(0, libmvgpu_irq_disable(dst, VFIO_PCI_MSI_IRQ_INDEX));
	close(efd);
}

/*
 * The display state moves with a stream (variant good); a malformed
 * DISPLAY record (the others) is refused with EINVAL and the vGPU takes
 * a good stream after a reset.
 */
TEST_F_TIMEOUT(mig, display_record, 120)
{
	struct libmvgpu_dev *dev = &self->dst.dev;
	uint32_t state = 0;
	struct plane p;

	CHECK_SETUP();
	MT_CHECK_DISPLAY(self->w);
	if (variant->kind == GOOD) {
		display_moves(_metadata, self);
		return;
	}
	if (variant->kind == STOP_QUIET) {
		stop_quiet(_metadata, self);
		return;
	}
	if (variant->kind == LOAD_QUIET) {
		load_quiet(_metadata, self);
		return;
	}
	src_display(_metadata, self, &p);
	ASSERT_EQ(0, save(&self->src.dev, &self->s));
	ASSERT_EQ(0, spoil(&self->s, variant->kind, self->vram));
	EXPECT_EQ(-EINVAL, load(dev, self->s.data, self->s.len));
	ASSERT_EQ(0, libmvgpu_mig_get_state(dev, &state));
	EXPECT_EQ(VFIO_DEVICE_STATE_RESUMING, state);
	ASSERT_EQ(0, libmvgpu_reset(dev));
	expect_plane(_metadata, dev, NULL);
	EXPECT_EQ(0, libmvgpu_rd32(dev, MVGPU_REG_DISP_STATUS));
	/* a good stream is taken afterwards */
	libmvgpu_mig_stream_free(&self->s);
	ASSERT_EQ(0, libmvgpu_mig_set_state(&self->src.dev,
					    VFIO_DEVICE_STATE_RUNNING, NULL));
	ASSERT_EQ(0, save(&self->src.dev, &self->s));
	ASSERT_EQ(0, load(dev, self->s.data, self->s.len));
	ASSERT_EQ(0, libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_RUNNING,
					    NULL));
	expect_plane(_metadata, dev, &p);
}

TEST_HARNESS_MAIN

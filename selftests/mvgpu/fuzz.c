// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz: a hostile guest's seeded random sequences against one vGPU (the
 * attacker) while another vGPU of the same GPU (the victim) does checked
 * work: random register writes and reads, random bytes in its guest RAM
 * (page tables, rings, fence pages), TLB invalidations of random ranges,
 * page-table roots and doorbells, well-formed commands with random
 * operands, config-space writes and VFIO ioctls with random arguments;
 * malformed scanout programming of its display head (planes at the edges
 * of every check, each commit's DISP_ERROR checked against device.rst's
 * rule) while its VMM queries the plane, reads the display region and
 * hot-plugs monitors.
 *
 * After every batch: the victim's checked work is right and the part of
 * its VRAM it does not use is untouched; the attacker's pins and shadow
 * entries are within their caps. At the end a VFIO reset returns the
 * attacker to a working state with no page pinned and no shadow entry
 * left. The seed is printed first (MVGPU_FUZZ_SEED=N replays it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "engine_test.h"

#define FUZZ_BATCHES	100
#define FUZZ_OPS	64
#define RING_SIZE	4096u
#define VIC_WORK	(64u << 10)	/* victim: fill here, copy behind it */
#define VIC_USED	(2 * VIC_WORK)	/* the rest of its VRAM: a sentinel */

FIXTURE(fz) {
	struct et_gpu att, vic;
	struct libmvgpu_ctx actx, vctx;
	struct et_buf abuf, vbuf;
	uint64_t seed, rng;
	uint64_t max_pinned, max_shadow;
	unsigned int disp_bad;		/* display answers against device.rst */
	unsigned int disp_err[5];	/* commits by DISP_ERROR */
	char disp_msg[256];		/* the first of them */
	char msg[256];
};

/*
 * The sentinel in the victim's VRAM behind VIC_USED: write it (check ==
 * false), or check it: -1 when intact, else the offset of the first
 * change, or -2 when VRAM cannot be read. Through the BAR2 mapping, else
 * through the device file (kernels before 6.10).
 */
static long long vic_sentinel(FIXTURE_DATA(fz) *self, bool check)
{
	struct libmvgpu_gpu *gpu = &self->vic.gpu;
	size_t len = gpu->vram_size - VIC_USED;
	long long at = -2;
	uint8_t *buf;

	if (gpu->vram) {
		buf = (uint8_t *)gpu->vram + VIC_USED;
		if (!check) {
			mt_pattern_fill(buf, len, VIC_USED, 0xf022);
			return -1;
		}
		return mt_pattern_check(buf, len, VIC_USED, 0xf022);
	}
	buf = malloc(len);
	if (!buf)
		return -2;
	if (!check) {
		mt_pattern_fill(buf, len, VIC_USED, 0xf022);
		if (!libmvgpu_vram_write(gpu, VIC_USED, buf, len))
			at = -1;
	} else if (!libmvgpu_vram_read(gpu, VIC_USED, buf, len)) {
		at = mt_pattern_check(buf, len, VIC_USED, 0xf022);
	}
	free(buf);
	return at;
}

static int fz_build(FIXTURE_DATA(fz) *self)
{
	int ret;

	ret = et_up_flags(&self->att, MT_PARENT0, MT_T18, ET_RAM_SIZE,
			  ET_UNMAPPED_OK, self->msg, sizeof(self->msg));
	if (!ret)
		ret = et_up_flags(&self->vic, MT_PARENT0, MT_T18, ET_RAM_SIZE,
				  ET_UNMAPPED_OK, self->msg,
				  sizeof(self->msg));
	if (ret)
		return ret;
	snprintf(self->msg, sizeof(self->msg), "buffers / contexts");
	ret = et_buf_sys(&self->att.gpu, &self->att.pt, ET_VA_SRC, 64 << 10,
			 0, LIBMVGPU_MAP_WRITE, &self->abuf);
	if (!ret)
		ret = libmvgpu_ctx_init(&self->actx, &self->att.gpu, &self->att.pt,
					0, RING_SIZE);
	if (!ret)
		ret = et_buf_vram(&self->vic.gpu, &self->vic.pt, ET_VA_VRAM, 0,
				  VIC_USED, LIBMVGPU_MAP_WRITE, &self->vbuf);
	if (!ret)
		ret = libmvgpu_ctx_init(&self->vctx, &self->vic.gpu, &self->vic.pt,
					0, RING_SIZE);
	if (!ret)
		ret = libmvgpu_sysfs_read_u64("/sys/module/mvgpu/parameters/max_pinned_mb",
					      &self->max_pinned);
	if (!ret)
		ret = libmvgpu_sysfs_read_u64("/sys/module/mvgpu/parameters/max_shadow_mb",
					      &self->max_shadow);
	self->max_pinned <<= 8;		/* MiB in 4 KiB pages */
	self->max_shadow <<= 8;
	if (!ret && vic_sentinel(self, false) != -1) {
		snprintf(self->msg, sizeof(self->msg), "victim's sentinel");
		ret = -EIO;
	}
	return ret;
}

FIXTURE_SETUP(fz)
{
	const char *env = getenv("MVGPU_FUZZ_SEED");
	int ret;

	mt_vgpu_init(&self->att.v);
	mt_vgpu_init(&self->vic.v);
	self->seed = env ? strtoull(env, NULL, 0) :
		     (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	self->rng = self->seed;
	TH_LOG("seed %llu (MVGPU_FUZZ_SEED=%llu replays this run)",
	       (unsigned long long)self->seed,
	       (unsigned long long)self->seed);
	ret = mt_check_state(self->msg, sizeof(self->msg));
	ASSERT_EQ(0, ret) TH_LOG("%s", self->msg);
	ret = fz_build(self);
	if (ret) {
		/* no teardown after a failed setup: clean up here */
		et_down(&self->vic);
		et_down(&self->att);
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", self->msg, strerror(-ret));
	}
}

FIXTURE_TEARDOWN_PARENT(fz)
{
	int ret = et_remove(&self->att);

	EXPECT_EQ(0, ret) TH_LOG("remove %s: %s", self->att.v.uuid,
				 strerror(-ret));
	ret = et_remove(&self->vic);
	EXPECT_EQ(0, ret) TH_LOG("remove %s: %s", self->vic.v.uuid,
				 strerror(-ret));
}

static uint64_t rnd(FIXTURE_DATA(fz) *self, uint64_t n)
{
	return libmvgpu_rand64(&self->rng) % n;
}

/* A GPU VA: mostly near the attacker's mappings, sometimes anywhere. */
static uint64_t rnd_va(FIXTURE_DATA(fz) *self)
{
	static const uint64_t near[] = { ET_VA_SRC, LIBMVGPU_CTX_RING_VA(0),
					 LIBMVGPU_CTX_FENCE_VA(0), 0 };

	if (rnd(self, 4))
		return near[rnd(self, MT_ARRAY_SIZE(near))] +
		       (rnd(self, 64 << 10) & ~3ull);
	return libmvgpu_rand64(&self->rng) & (LIBMVGPU_VA_LIMIT - 4);
}

/* A GPA or VRAM offset: in guest RAM, in VRAM, or anything. */
static uint64_t rnd_addr(FIXTURE_DATA(fz) *self)
{
	struct libmvgpu_gpu *gpu = &self->att.gpu;

	switch (rnd(self, 3)) {
	case 0:
		return gpu->ram.iova + (rnd(self, gpu->ram.size) & ~0xfffull);
	case 1:
		return rnd(self, 2 * gpu->vram_size) & ~0xfffull;
	default:
		return libmvgpu_rand64(&self->rng) & ~0xfffull;
	}
}

/* A command of the instruction set with random operands, then a kick. */
static void rnd_command(FIXTURE_DATA(fz) *self)
{
	struct libmvgpu_ctx *c = &self->actx;
	uint32_t d = 1 + rnd(self, 64);

	/* now and then abandon what is queued, as a driver's recovery would */
	if (!rnd(self, 4)) {
		libmvgpu_ctx_disable(c);
		libmvgpu_ctx_enable(c);
	}
	/* emit into an (almost) empty ring only: never wait for space */
	if (libmvgpu_ring_update(c) < RING_SIZE - 64)
		return;
	switch (rnd(self, 6)) {
	case 0:
		libmvgpu_emit_copy(c, rnd_va(self), rnd_va(self),
				   rnd(self, 256 << 10));
		break;
	case 1:
		libmvgpu_emit_fill(c, rnd_va(self), rnd(self, 256 << 10),
				   (uint32_t)libmvgpu_rand64(&self->rng));
		break;
	case 2:
		libmvgpu_emit_gemm(c, rnd_va(self), rnd_va(self), rnd_va(self),
				   d, 1 + rnd(self, 64), 1 + rnd(self, 64));
		break;
	case 3:
		libmvgpu_emit_hash(c, rnd_va(self), rnd(self, 64 << 10),
				   rnd_va(self));
		break;
	case 4:
		libmvgpu_emit_wait(c, rnd_va(self), libmvgpu_rand64(&self->rng));
		break;
	default:
		libmvgpu_emit_fence(c, rnd_va(self), libmvgpu_rand64(&self->rng),
				    rnd(self, 2));
		break;
	}
	libmvgpu_ring_kick(c);
}

/* ---- the display head ------------------------------------------------- */

#define XRGB		MVGPU_DISP_FORMAT_XRGB8888

/* A value at the edges of limit, or anything. */
static uint32_t rnd_edge(FIXTURE_DATA(fz) *self, uint32_t limit)
{
	switch (rnd(self, 6)) {
	case 0:
		return 0;
	case 1:
		return limit;
	case 2:
		return limit + 1;
	case 3:
		return limit - 1;
	case 4:
		return 1 + rnd(self, limit);
	default:
		return (uint32_t)libmvgpu_rand64(&self->rng);
	}
}

/* DISP_ERROR of a commit, by device.rst's checks in their order. */
static uint32_t disp_want(uint32_t mw, uint32_t mh, uint64_t vram,
			  uint64_t base, uint32_t fmt, uint32_t w, uint32_t h,
			  uint32_t stride)
{
	uint64_t bytes = (uint64_t)stride * h;

	if (fmt != XRGB)
		return MVGPU_DISP_ERR_FORMAT;
	if (!w || !h || w > mw || h > mh || bytes > (uint64_t)mw * mh * 4)
		return MVGPU_DISP_ERR_SIZE;
	if (stride < (uint64_t)w * 4 || stride % 4 ||
	    stride > MVGPU_DISP_MAX_STRIDE)
		return MVGPU_DISP_ERR_STRIDE;
	if (base % 4096 || base >= vram || bytes > vram - base)
		return MVGPU_DISP_ERR_BASE;
	return MVGPU_DISP_ERR_NONE;
}

static void disp_bad(FIXTURE_DATA(fz) *self, const char *what,
		     unsigned long long a, unsigned long long b)
{
	if (!self->disp_bad++)
		snprintf(self->disp_msg, sizeof(self->disp_msg),
			 "%s: 0x%llx, want 0x%llx", what, a, b);
}

/* Commit a plane at the edges of the checks; DISP_ERROR as device.rst says */
static void rnd_plane(FIXTURE_DATA(fz) *self, uint32_t mw, uint32_t mh)
{
	struct libmvgpu_gpu *gpu = &self->att.gpu;
	uint64_t vram = gpu->vram_size, base;
	uint32_t fmt, w, h, stride, want, err;

	switch (rnd(self, 6)) {
	case 0:
		base = rnd(self, vram) & ~0xfffull;
		break;
	case 1:
		base = vram - 4096 * (1 + rnd(self, 2048));
		break;
	case 2:
		base = vram + 4096 * rnd(self, 2);
		break;
	case 3:
		base = (uint64_t)(1 + rnd(self, 0xffffffff)) << 32 |
		       (rnd(self, vram) & ~0xfffull);
		break;
	case 4:
		base = ~0xfffull - 4096 * rnd(self, 4);
		break;
	default:
		base = libmvgpu_rand64(&self->rng) >> rnd(self, 64);
		break;
	}
	fmt = rnd(self, 4) ? XRGB : (uint32_t)libmvgpu_rand64(&self->rng);
	w = rnd(self, 2) ? rnd_edge(self, mw) : 1 + rnd(self, mw);
	h = rnd(self, 2) ? rnd_edge(self, mh) : 1 + rnd(self, mh);
	switch (rnd(self, 5)) {
	case 0:
		stride = w * 4;
		break;
	case 1:
		stride = w * 4 + 4 * rnd(self, 1024);
		break;
	case 2:
		stride = w * 4 - 4 + rnd(self, 8);
		break;
	case 3:
		stride = rnd_edge(self, MVGPU_DISP_MAX_STRIDE);
		break;
	default:
		stride = (uint32_t)libmvgpu_rand64(&self->rng);
		break;
	}
	libmvgpu_gpu_wr(gpu, MVGPU_REG_DISP_FB_BASE_LO, (uint32_t)base);
	libmvgpu_gpu_wr(gpu, MVGPU_REG_DISP_FB_BASE_HI, (uint32_t)(base >> 32));
	libmvgpu_gpu_wr(gpu, MVGPU_REG_DISP_FB_FORMAT, fmt);
	libmvgpu_gpu_wr(gpu, MVGPU_REG_DISP_FB_WIDTH, w);
	libmvgpu_gpu_wr(gpu, MVGPU_REG_DISP_FB_HEIGHT, h);
	libmvgpu_gpu_wr(gpu, MVGPU_REG_DISP_FB_STRIDE, stride);
	libmvgpu_gpu_wr(gpu, MVGPU_REG_DISP_CONTROL, MVGPU_DISP_CONTROL_ENABLE);
	want = disp_want(mw, mh, vram, base, fmt, w, h, stride);
	err = libmvgpu_gpu_rd(gpu, MVGPU_REG_DISP_ERROR);
	if (err < MT_ARRAY_SIZE(self->disp_err))
		self->disp_err[err]++;
	if (err != want)
		disp_bad(self, "DISP_ERROR", err, want);
	if (!want && libmvgpu_gpu_rd(gpu, MVGPU_REG_DISP_STATUS) !=
		     MVGPU_DISP_STATUS_ACTIVE)
		disp_bad(self, "DISP_STATUS after a good commit",
			 libmvgpu_gpu_rd(gpu, MVGPU_REG_DISP_STATUS),
			 MVGPU_DISP_STATUS_ACTIVE);
}

/* The VMM's view: the plane query and the display region */
static void rnd_vmm_view(FIXTURE_DATA(fz) *self, uint32_t mw, uint32_t mh)
{
	struct libmvgpu_dev *dev = &self->att.v.dev;
	struct vfio_device_gfx_plane_info q = {
		.argsz = sizeof(q), .flags = VFIO_GFX_PLANE_TYPE_REGION,
		.drm_plane_type = 1,
	};
	uint64_t window = mt_display_window(mw, mh);
	static uint8_t buf[64 << 10];
	ssize_t n;

	if (ioctl(dev->device, VFIO_DEVICE_QUERY_GFX_PLANE, &q))
		disp_bad(self, "QUERY_GFX_PLANE", errno, 0);
	else if (q.width > mw || q.height > mh ||
		 (q.width && q.region_index != MVGPU_VFIO_REGION_DISPLAY) ||
		 q.size != ((uint64_t)q.stride * q.height + 4095) / 4096 * 4096)
		disp_bad(self, "plane width", q.width, mw);
	n = libmvgpu_region_read(dev, MVGPU_VFIO_REGION_DISPLAY,
				 rnd(self, window), buf, rnd(self, sizeof(buf)));
	if (n < 0)
		disp_bad(self, "display region read", -n, 0);
}

/* Interrupt masks and acks, the head off, a monitor plugged or not */
static void rnd_disp_misc(FIXTURE_DATA(fz) *self)
{
	struct libmvgpu_gpu *gpu = &self->att.gpu;
	struct libmvgpu_dev *dev = &self->att.v.dev;
	uint32_t val = (uint32_t)libmvgpu_rand64(&self->rng);
	uint32_t size = rnd(self, 2) ? rnd(self, MVGPU_DISP_EDID_MAX + 1) :
				       val;
	ssize_t n;

	switch (rnd(self, 4)) {
	case 0:
		libmvgpu_gpu_wr(gpu, MVGPU_REG_DISP_IRQ_MASK, val);
		break;
	case 1:
		libmvgpu_gpu_wr(gpu, MVGPU_REG_DISP_IRQ_ACK, val);
		break;
	case 2:
		libmvgpu_gpu_wr(gpu, MVGPU_REG_DISP_CONTROL, 0);
		break;
	default:
		/* the VMM: an EDID of random bytes and size, link down/up */
		libmvgpu_region_write(dev, MVGPU_VFIO_REGION_EDID,
				      0x100 + rnd(self, MVGPU_DISP_EDID_MAX),
				      &self->rng, 8);
		n = libmvgpu_region_write(dev, MVGPU_VFIO_REGION_EDID, 8, &size,
					  4);
		if ((n == 4) != (size <= MVGPU_DISP_EDID_MAX))
			disp_bad(self, "EDID region edid_size", n, size);
		val = 1 + rnd(self, 2);
		n = libmvgpu_region_write(dev, MVGPU_VFIO_REGION_EDID, 0x14, &val,
					  4);
		if (n != 4)
			disp_bad(self, "EDID region link_state", -n, val);
		break;
	}
}

/* Malformed scanout programming, and its VMM looking */
static void rnd_display(FIXTURE_DATA(fz) *self)
{
	struct libmvgpu_gpu *gpu = &self->att.gpu;
	uint32_t mw = libmvgpu_gpu_rd(gpu, MVGPU_REG_DISP_MAX_WIDTH);
	uint32_t mh = libmvgpu_gpu_rd(gpu, MVGPU_REG_DISP_MAX_HEIGHT);

	if (!mw || !mh) {
		/* no display (before 6.10): the block ignores everything */
		libmvgpu_gpu_wr(gpu, MVGPU_DISP_BASE + rnd(self, 0x200) * 4,
				(uint32_t)libmvgpu_rand64(&self->rng));
		return;
	}
	switch (rnd(self, 4)) {
	case 0:
	case 1:
		rnd_plane(self, mw, mh);
		break;
	case 2:
		rnd_vmm_view(self, mw, mh);
		break;
	default:
		rnd_disp_misc(self);
		break;
	}
}

/* A VFIO device ioctl with random arguments. */
static void rnd_ioctl(FIXTURE_DATA(fz) *self)
{
	struct libmvgpu_dev *dev = &self->att.v.dev;
	uint8_t data[64];
	union {
		struct vfio_region_info region;
		struct vfio_irq_info irq;
	} u;

	memset(&u, 0, sizeof(u));
	switch (rnd(self, 4)) {
	case 0:
		u.region.argsz = rnd(self, 2) ? sizeof(u.region) :
						rnd(self, 64);
		u.region.index = rnd(self, 16);
		ioctl(dev->device, VFIO_DEVICE_GET_REGION_INFO, &u.region);
		break;
	case 1:
		u.irq.argsz = rnd(self, 2) ? sizeof(u.irq) : rnd(self, 64);
		u.irq.index = rnd(self, 8);
		ioctl(dev->device, VFIO_DEVICE_GET_IRQ_INFO, &u.irq);
		break;
	case 2:
		/* random fds in the data: invalid ones, or ours (not eventfds) */
		et_random_fill(data, sizeof(data), &self->rng);
		libmvgpu_irq_set_raw(dev, rnd(self, 8),
				     (uint32_t)libmvgpu_rand64(&self->rng),
				  rnd(self, 4), rnd(self, 16), data,
				  rnd(self, sizeof(data) + 1));
		break;
	default:
		if (!rnd(self, 8))
			libmvgpu_reset(dev);
		break;
	}
}

/* One random action of the attacker. */
static void fuzz_op(FIXTURE_DATA(fz) *self)
{
	struct libmvgpu_gpu *gpu = &self->att.gpu;
	struct libmvgpu_ctx *c = &self->actx;
	uint32_t nctx = gpu->nr_contexts, reg;

	switch (rnd(self, 10)) {
	case 0:	/* any register, any value */
		libmvgpu_gpu_wr(gpu, rnd(self, MVGPU_MMIO_SIZE / 4) * 4,
				(uint32_t)libmvgpu_rand64(&self->rng));
		break;
	case 1:	/* a context register, any value */
		reg = MVGPU_CTX_REG(rnd(self, nctx), rnd(self, 0x54 / 4) * 4);
		libmvgpu_gpu_wr(gpu, reg, (uint32_t)libmvgpu_rand64(&self->rng));
		break;
	case 2:	/* any register read */
		libmvgpu_gpu_rd(gpu, rnd(self, MVGPU_MMIO_SIZE / 4) * 4);
		break;
	case 3:	/* random bytes in guest RAM: tables, ring, fences */
		libmvgpu_store64((uint64_t *)((char *)gpu->ram.vaddr +
					   (rnd(self, gpu->ram.size) & ~7ull)),
			      rnd(self, 2) ? libmvgpu_rand64(&self->rng) :
			      (rnd_addr(self) | MVGPU_PTE_PRESENT |
			       rnd(self, 16)));
		break;
	case 4:	/* invalidate a random range */
		libmvgpu_ctx_tlb_inv(c, rnd_va(self) & ~0xfffull,
				     rnd(self, 4) ? rnd(self, 64) << 12 :
				  libmvgpu_rand64(&self->rng) & ~0xfffull);
		break;
	case 5:	/* a new root for a context, enabled */
		reg = MVGPU_CTX_REG(rnd(self, nctx), 0);
		libmvgpu_gpu_wr(gpu, reg + MVGPU_CTX_PT_ROOT_LO,
				(uint32_t)rnd_addr(self));
		libmvgpu_gpu_wr(gpu, reg + MVGPU_CTX_PT_ROOT_HI,
				(uint32_t)(rnd_addr(self) >> 32) * rnd(self, 2));
		libmvgpu_gpu_wr(gpu, reg + MVGPU_CTX_CONTROL,
				MVGPU_CTX_CONTROL_ENABLE);
		break;
	case 6:
		rnd_command(self);
		break;
	case 7:	/* config space: any offset, size and value */
		libmvgpu_region_write(&self->att.v.dev,
				      VFIO_PCI_CONFIG_REGION_INDEX,
				   rnd(self, 260), &self->rng,
				   1 + rnd(self, 4));
		break;
	case 8:
		rnd_display(self);
		break;
	default:
		rnd_ioctl(self);
		break;
	}
}

/* The victim's checked work: a fill, a copy of it; 0 when both right. */
static int victim_work(FIXTURE_DATA(fz) *self, uint32_t value)
{
	struct libmvgpu_ctx *c = &self->vctx;
	const uint32_t *v = self->vbuf.cpu;
	unsigned int i;
	int ret;

	ret = libmvgpu_emit_fill(c, self->vbuf.va, VIC_WORK, value);
	if (!ret)
		ret = libmvgpu_emit_copy(c, self->vbuf.va,
					 self->vbuf.va + VIC_WORK, VIC_WORK);
	if (!ret)
		ret = libmvgpu_ctx_sync(c, ET_TIMEOUT_MS);
	if (!ret)
		ret = et_buf_pull(&self->vbuf);
	for (i = 0; !ret && i < VIC_USED / 4; i++)
		if (v[i] != value)
			ret = -EIO;
	return ret;
}

TEST_F_TIMEOUT(fz, hostile_guest_contained, 600)
{
	struct libmvgpu_gpu *agpu = &self->att.gpu;
	const char *uuid = self->att.v.uuid;
	struct libmvgpu_ctx c;
	int batch, op, ret;

	for (batch = 0; batch < FUZZ_BATCHES; batch++) {
		for (op = 0; op < FUZZ_OPS; op++)
			fuzz_op(self);
		ret = victim_work(self, 0x1000 + batch);
		ASSERT_EQ(0, ret) TH_LOG("seed %llu batch %d: victim's work: %s",
					 (unsigned long long)self->seed, batch,
					 strerror(-ret));
		ASSERT_EQ(-1, vic_sentinel(self, true))
			TH_LOG("seed %llu batch %d: victim's VRAM changed",
			       (unsigned long long)self->seed, batch);
		ASSERT_GE(self->max_pinned, et_attr(uuid, "pinned_pages"));
		ASSERT_GE(self->max_shadow, et_attr(uuid, "shadow_entries"));
		ASSERT_EQ(0, et_attr(self->vic.v.uuid, "faults"))
			TH_LOG("seed %llu batch %d: a fault on the victim",
			       (unsigned long long)self->seed, batch);
		ASSERT_EQ(0, self->disp_bad)
			TH_LOG("seed %llu batch %d: display: %s",
			       (unsigned long long)self->seed, batch,
			       self->disp_msg);
	}
	TH_LOG("%d batches of %d operations; attacker faults %llu, resets %llu",
	       FUZZ_BATCHES, FUZZ_OPS,
	       (unsigned long long)et_attr(uuid, "faults"),
	       (unsigned long long)et_attr(uuid, "resets"));

	TH_LOG("display commits by DISP_ERROR: none %u, format %u, size %u, stride %u, base %u",
	       self->disp_err[0], self->disp_err[1], self->disp_err[2],
	       self->disp_err[3], self->disp_err[4]);
	/* a reset gives the attacker's vGPU back clean and working */
	ASSERT_EQ(0, libmvgpu_reset(&self->att.v.dev));
	ASSERT_EQ(0, et_attr(uuid, "pinned_pages"));
	ASSERT_EQ(0, et_attr(uuid, "shadow_entries"));
	ASSERT_EQ(0, libmvgpu_cfg_write16(&self->att.v.dev, PCI_COMMAND,
					  PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER));
	ASSERT_EQ(0, libmvgpu_pt_init(&self->att.pt, agpu));
	ASSERT_EQ(0, et_buf_vram(agpu, &self->att.pt, ET_VA_VRAM, 0, 4096,
				 LIBMVGPU_MAP_WRITE, &self->abuf));
	ASSERT_EQ(0, libmvgpu_ctx_init(&c, agpu, &self->att.pt, 0, RING_SIZE));
	ASSERT_EQ(0, libmvgpu_emit_fill(&c, ET_VA_VRAM, 4096, 0x600d));
	ASSERT_EQ(0, libmvgpu_ctx_sync(&c, ET_TIMEOUT_MS));
	ASSERT_EQ(0x600d, libmvgpu_vram_rd32(agpu, 4092));
	/* and the victim still works */
	ASSERT_EQ(0, victim_work(self, 0x2000));
}

TEST_HARNESS_MAIN

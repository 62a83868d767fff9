// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_device: what the VFIO device of a vGPU reports: device info, the
 * nine vfio-pci regions and, with a display, the display and EDID regions
 * (9 and 10, with their type capability), their offsets, sizes and flags,
 * which regions can be mmapped, accesses past a region's end, DMA mapping
 * in the container.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "mvgpu_test.h"

FIXTURE(vdev) {
	struct mt_vgpu v;
	struct libmvgpu_dev *dev;
	uint32_t disp_w, disp_h;	/* its display, 0 without */
	int setup_err;
	char msg[256];
};

FIXTURE_SETUP(vdev)
{
	self->dev = &self->v.dev;
	/* a 1/2 vGPU: 64 MiB of VRAM */
	self->setup_err = mt_vgpu_fixture_up(&self->v, MT_PARENT1, MT_T12,
					     self->msg, sizeof(self->msg));
	if (!self->setup_err) {
		self->setup_err = mt_display_of(MT_PARENT1, MT_T12,
						&self->disp_w, &self->disp_h);
		if (self->setup_err)
			snprintf(self->msg, sizeof(self->msg),
				 "display line of the description: %s",
				 strerror(-self->setup_err));
	}
}

FIXTURE_TEARDOWN(vdev)
{
	int ret = mt_vgpu_destroy(&self->v);

	if (ret)
		TH_LOG("removing %s: %s", self->v.uuid, strerror(-ret));
}

#define RW	(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE)

struct region_want {
	unsigned int index;
	uint64_t size;
	uint32_t flags;
};

/*
 * The region table of device.rst; BAR2 has VFIO_REGION_INFO_FLAG_MMAP
 * only where the kernel gives vfio device files their own inode (6.10).
 */
static void want_regions(struct region_want *w, bool bar2_mmap)
{
	unsigned int i;

	for (i = 0; i < VFIO_PCI_NUM_REGIONS; i++) {
		w[i].index = i;
		w[i].size = 0;
		w[i].flags = 0;
	}
	w[VFIO_PCI_BAR0_REGION_INDEX].size = MVGPU_MMIO_SIZE;
	w[VFIO_PCI_BAR0_REGION_INDEX].flags = RW;
	w[VFIO_PCI_BAR2_REGION_INDEX].size = mt_type_vram(MT_T12);
	w[VFIO_PCI_BAR2_REGION_INDEX].flags = RW;
	if (bar2_mmap)
		w[VFIO_PCI_BAR2_REGION_INDEX].flags |= VFIO_REGION_INFO_FLAG_MMAP;
	w[VFIO_PCI_CONFIG_REGION_INDEX].size = 256;
	w[VFIO_PCI_CONFIG_REGION_INDEX].flags = RW;
}

TEST_F(vdev, device_info)
{
	struct vfio_device_info info;

	CHECK_SETUP();
	ASSERT_EQ(0, libmvgpu_device_info(self->dev, &info));
	EXPECT_EQ(VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET, info.flags);
	/* 11 with a display (9 and 10 after vfio-pci's nine) */
	EXPECT_EQ(self->disp_w ? 11 : 9, info.num_regions);
	EXPECT_EQ(VFIO_PCI_NUM_IRQS, info.num_irqs);
	EXPECT_EQ(5, info.num_irqs);
}

/*
 * struct vfio_device_info of Linux 6.12: up to num_irqs (16 bytes), then
 * cap_offset and a pad word; the uapi of 6.1 lacks the pad. The kernel
 * writes as much of its own structure as argsz has room for.
 */
#define DEVINFO_SIZE	24
#define DEVINFO_SIZE_NO_PAD	20

/* GET_INFO writes what argsz has room for, up to its whole structure */
TEST_F(vdev, device_info_argsz)
{
	static const uint32_t sizes[] = { 16, 17, 20, 24, 4096 };
	struct vfio_device_info info;
	uint8_t buf[DEVINFO_SIZE + 8];
	size_t i, n, b;
	int size;

	CHECK_SETUP();
	size = mt_devinfo_size(self->dev);
	if (size != DEVINFO_SIZE)
		ASSERT_EQ(DEVINFO_SIZE_NO_PAD, size);
	for (i = 0; i < MT_ARRAY_SIZE(sizes); i++) {
		/* guard bytes after the structure stay untouched */
		memset(buf, 0xa5, sizeof(buf));
		memcpy(buf, &sizes[i], sizeof(sizes[i]));
		ASSERT_EQ(0, ioctl(self->dev->device, VFIO_DEVICE_GET_INFO,
				   buf));
		memcpy(&info, buf, 16);
		EXPECT_EQ(sizes[i], info.argsz);
		EXPECT_EQ(VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET,
			  info.flags);
		EXPECT_EQ(self->disp_w ? 11 : 9, info.num_regions);
		EXPECT_EQ(5, info.num_irqs);
		n = sizes[i] < (uint32_t)size ? sizes[i] : (size_t)size;
		/* written up to n (zeroes past num_irqs), 0xa5 beyond */
		for (b = 16; b < sizeof(buf); b++) {
			EXPECT_EQ(b < n ? 0 : 0xa5, buf[b]) {
				TH_LOG("argsz %u, byte %zu", sizes[i], b);
			}
		}
	}
}

TEST_F(vdev, regions)
{
	struct region_want w[VFIO_PCI_NUM_REGIONS];
	struct vfio_region_info info;
	unsigned int i;

	CHECK_SETUP();
	ASSERT_LE(0, mt_kernel_vfio_inode());
	want_regions(w, mt_kernel_vfio_inode());
	for (i = 0; i < VFIO_PCI_NUM_REGIONS; i++) {
		/* no VGA region: EINVAL, as vfio-pci for a non-VGA function */
		if (i == VFIO_PCI_VGA_REGION_INDEX) {
			EXPECT_EQ(-EINVAL, libmvgpu_region_info(self->dev, i,
								&info));
			continue;
		}
		ASSERT_EQ(0, libmvgpu_region_info(self->dev, i, &info));
		if (info.size != w[i].size || info.flags != w[i].flags)
			TH_LOG("region %u: size 0x%llx flags 0x%x, want 0x%llx 0x%x",
			       i, (unsigned long long)info.size, info.flags,
			       (unsigned long long)w[i].size, w[i].flags);
		EXPECT_EQ(i, info.index);
		EXPECT_EQ(LIBMVGPU_REGION_OFFSET(i), info.offset);
		EXPECT_EQ(w[i].size, info.size);
		EXPECT_EQ(w[i].flags, info.flags);
		EXPECT_EQ(0, info.cap_offset);
		EXPECT_EQ(sizeof(info), info.argsz);
	}
	/* the display's two, and nothing after them */
	if (!self->disp_w) {
		EXPECT_EQ(-EINVAL, libmvgpu_region_info(self->dev,
							MVGPU_VFIO_REGION_DISPLAY,
							&info));
		EXPECT_EQ(-EINVAL, libmvgpu_region_info(self->dev,
							MVGPU_VFIO_REGION_EDID,
							&info));
	}
	EXPECT_EQ(-EINVAL, libmvgpu_region_info(self->dev,
						self->disp_w ? 11 : 9, &info));
	EXPECT_EQ(-EINVAL, libmvgpu_region_info(self->dev, 12, &info));
	EXPECT_EQ(-EINVAL, libmvgpu_region_info(self->dev, 0xffffffff, &info));
}

/* A region info with room for its capability chain (one type capability) */
struct region_info_cap {
	struct vfio_region_info info;
	struct vfio_region_info_cap_type cap;
};

/*
 * Regions 9 and 10 (with a display): sizes, flags, and the type
 * capability; an argsz with no room for it gets the size it needs and
 * cap_offset 0, as vfio-pci answers.
 */
TEST_F(vdev, display_regions)
{
	static const struct {
		unsigned int index;
		uint32_t flags, type, subtype;
	} want[] = {
		{ MVGPU_VFIO_REGION_DISPLAY,
		  VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_MMAP,
		  VFIO_REGION_TYPE_PCI_VENDOR_TYPE | 0x1b36u,
		  MVGPU_VFIO_SUBTYPE_DISPLAY },
		{ MVGPU_VFIO_REGION_EDID, RW, VFIO_REGION_TYPE_GFX,
		  VFIO_REGION_SUBTYPE_GFX_EDID },
	};
	static const uint32_t argsz[] = { 32, 33, 47, 48 };
	struct region_info_cap r;
	uint64_t size;
	size_t i, k;

	CHECK_SETUP();
	MT_CHECK_DISPLAY(self->disp_w);
	EXPECT_EQ(16, sizeof(r.cap));
	for (i = 0; i < MT_ARRAY_SIZE(want); i++) {
		size = want[i].index == MVGPU_VFIO_REGION_DISPLAY ?
		       mt_display_window(self->disp_w, self->disp_h) : 1024;
		/* argsz without room for the chain, then with room */
		for (k = 0; k < MT_ARRAY_SIZE(argsz); k++) {
			memset(&r, 0xa5, sizeof(r));
			r.info.argsz = argsz[k];
			r.info.index = want[i].index;
			ASSERT_EQ(0, ioctl(self->dev->device,
					   VFIO_DEVICE_GET_REGION_INFO, &r));
			EXPECT_EQ(sizeof(r), r.info.argsz);
			EXPECT_EQ(want[i].flags | VFIO_REGION_INFO_FLAG_CAPS,
				  r.info.flags);
			EXPECT_EQ(want[i].index, r.info.index);
			EXPECT_EQ(size, r.info.size);
			EXPECT_EQ(LIBMVGPU_REGION_OFFSET(want[i].index),
				  r.info.offset);
			if (argsz[k] < sizeof(r)) {
				EXPECT_EQ(0, r.info.cap_offset);
				/* nothing written past argsz */
				EXPECT_EQ(0xa5a5a5a5, r.cap.header.id |
					  r.cap.header.version << 16);
				continue;
			}
			EXPECT_EQ(sizeof(r.info), r.info.cap_offset);
			EXPECT_EQ(VFIO_REGION_INFO_CAP_TYPE, r.cap.header.id);
			EXPECT_EQ(1, r.cap.header.version);
			EXPECT_EQ(0, r.cap.header.next);
			EXPECT_EQ(want[i].type, r.cap.type);
			EXPECT_EQ(want[i].subtype, r.cap.subtype);
		}
	}
	/* below the fixed part: EINVAL, as for every region */
	memset(&r, 0, sizeof(r));
	r.info.argsz = 31;
	r.info.index = MVGPU_VFIO_REGION_EDID;
	EXPECT_EQ(-1, ioctl(self->dev->device, VFIO_DEVICE_GET_REGION_INFO,
			    &r));
	EXPECT_EQ(EINVAL, errno);
}

/*
 * A type without a display (a 1/64 vGPU: 2 MiB, where 640x480 fills more
 * than half): nine regions, no 9 or 10, no plane query.
 */
TEST_F(vdev, no_display)
{
	struct vfio_device_gfx_plane_info plane;
	struct vfio_region_info info;
	struct vfio_device_info dinfo;
	uint32_t w = 1, h = 1, rw, rh;
	struct mt_vgpu n;
	uint8_t buf[4];
	void *p;
	int ret;

	CHECK_SETUP();
	mt_display_rule(mt_type_vram(MT_T164), true, &rw, &rh);
	ASSERT_EQ(0, rw);
	ASSERT_EQ(0, mt_display_of(MT_PARENT0, MT_T164, &w, &h));
	ASSERT_EQ(0, w);
	ASSERT_EQ(0, h);
	ret = mt_vgpu_create_open(&n, MT_PARENT0, MT_T164);
	if (ret) {
		mt_vgpu_destroy(&n);
		ASSERT_EQ(0, ret);
	}
	ASSERT_EQ(0, libmvgpu_device_info(&n.dev, &dinfo));
	EXPECT_EQ(9, dinfo.num_regions);
	EXPECT_EQ(-EINVAL, libmvgpu_region_info(&n.dev,
						MVGPU_VFIO_REGION_DISPLAY, &info));
	EXPECT_EQ(-EINVAL, libmvgpu_region_info(&n.dev, MVGPU_VFIO_REGION_EDID,
						&info));
	EXPECT_EQ(-EINVAL, libmvgpu_region_read(&n.dev,
						MVGPU_VFIO_REGION_DISPLAY, 0,
						buf, 4));
	EXPECT_EQ(-EINVAL, libmvgpu_region_read(&n.dev, MVGPU_VFIO_REGION_EDID,
						0, buf, 4));
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, n.dev.device,
		 LIBMVGPU_REGION_OFFSET(MVGPU_VFIO_REGION_DISPLAY));
	EXPECT_EQ(MAP_FAILED, p);
	if (p != MAP_FAILED)
		munmap(p, 4096);
	memset(&plane, 0, sizeof(plane));
	plane.argsz = sizeof(plane);
	plane.flags = VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_REGION;
	errno = 0;
	EXPECT_EQ(-1, ioctl(n.dev.device, VFIO_DEVICE_QUERY_GFX_PLANE, &plane));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(0xf, libmvgpu_rd32(&n.dev, MVGPU_REG_CAPS));
	EXPECT_EQ(0, mt_vgpu_destroy(&n));
}

/* Only BAR2 can be mmapped, and only within its size */
TEST_F(vdev, mmap_rules)
{
	uint64_t vram = mt_type_vram(MT_T12);
	size_t len = 0;
	void *p;
	int ret;

	CHECK_SETUP();
	ret = mt_bar2_mmap(self->dev);
	ASSERT_LE(0, ret);
	if (!ret)
		SKIP(return, MT_NO_BAR2_MMAP);
	p = mmap(NULL, MVGPU_MMIO_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->dev->device,
		 LIBMVGPU_REGION_OFFSET(VFIO_PCI_BAR0_REGION_INDEX));
	EXPECT_EQ(MAP_FAILED, p);
	if (p != MAP_FAILED)
		munmap(p, MVGPU_MMIO_SIZE);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->dev->device,
		 LIBMVGPU_REGION_OFFSET(VFIO_PCI_CONFIG_REGION_INDEX));
	EXPECT_EQ(MAP_FAILED, p);
	if (p != MAP_FAILED)
		munmap(p, 4096);
	/* past the end of the VRAM */
	p = mmap(NULL, vram + 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->dev->device,
		 LIBMVGPU_REGION_OFFSET(VFIO_PCI_BAR2_REGION_INDEX));
	EXPECT_EQ(MAP_FAILED, p);
	if (p != MAP_FAILED)
		munmap(p, vram + 4096);
	/* the whole BAR2 works */
	p = libmvgpu_region_mmap(self->dev, VFIO_PCI_BAR2_REGION_INDEX, &len);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(vram, len);
	/* its last word, written through the mapping, read back by pread */
	((uint32_t *)p)[len / 4 - 1] = 0x12345678;
	{
		uint32_t val = 0;

		ASSERT_EQ(4, libmvgpu_region_read(self->dev,
						  VFIO_PCI_BAR2_REGION_INDEX,
					       len - 4, &val, 4));
		EXPECT_EQ(0x12345678, val);
	}
	munmap(p, len);
}

/*
 * BAR2 can be mapped exactly when its region info says so: with
 * VFIO_REGION_INFO_FLAG_MMAP the whole BAR2 and a page of it map; without
 * it (kernels before 6.10) every mmap of it fails with EINVAL, and its
 * VRAM is still read and written through the device file.
 */
TEST_F(vdev, bar2_mmap_follows_flag)
{
	uint64_t vram = mt_type_vram(MT_T12);
	const uint64_t bar2 = LIBMVGPU_REGION_OFFSET(VFIO_PCI_BAR2_REGION_INDEX);
	uint32_t val = 0x5aa55aa5;
	void *p, *q;
	int flag, perr, qerr;

	CHECK_SETUP();
	flag = mt_bar2_mmap(self->dev);
	ASSERT_LE(0, flag);
	errno = 0;
	p = mmap(NULL, vram, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->dev->device, bar2);
	perr = errno;
	errno = 0;
	q = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->dev->device,
		 bar2 + 4096);
	qerr = errno;
	if (flag) {
		EXPECT_NE(MAP_FAILED, p);
		EXPECT_NE(MAP_FAILED, q);
	} else {
		EXPECT_EQ(MAP_FAILED, p);
		EXPECT_EQ(EINVAL, perr);
		EXPECT_EQ(MAP_FAILED, q);
		EXPECT_EQ(EINVAL, qerr);
	}
	if (p != MAP_FAILED)
		munmap(p, vram);
	if (q != MAP_FAILED)
		munmap(q, 4096);
	/* either way the device file reaches all of it */
	ASSERT_EQ(4, libmvgpu_region_write(self->dev,
					   VFIO_PCI_BAR2_REGION_INDEX,
					   vram - 4, &val, 4));
	val = 0;
	ASSERT_EQ(4, libmvgpu_region_read(self->dev,
					  VFIO_PCI_BAR2_REGION_INDEX,
					  vram - 4, &val, 4));
	EXPECT_EQ(0x5aa55aa5, val);
}

/*
 * Nothing is read or written past the end of a region: an access that
 * starts inside may be cut short at the end (a short count, as pread
 * does at the end of a file), one that starts outside moves nothing.
 */
TEST_F(vdev, access_past_end)
{
	static const struct {
		unsigned int index;
		uint64_t off;
		size_t len;
		ssize_t inside;	/* bytes of the access inside the region */
	} bad[] = {
		{ VFIO_PCI_CONFIG_REGION_INDEX, 256, 4, 0 },
		{ VFIO_PCI_CONFIG_REGION_INDEX, 254, 4, 2 },
		{ VFIO_PCI_CONFIG_REGION_INDEX, 4096, 4, 0 },
		{ VFIO_PCI_BAR2_REGION_INDEX, 64 << 20, 4, 0 },
		{ VFIO_PCI_BAR2_REGION_INDEX, (64 << 20) - 2, 4, 2 },
		{ VFIO_PCI_BAR1_REGION_INDEX, 0, 4, 0 },
		{ VFIO_PCI_ROM_REGION_INDEX, 0, 4, 0 },
		{ VFIO_PCI_VGA_REGION_INDEX, 0, 4, 0 },
		{ MVGPU_VFIO_REGION_EDID, 1024, 4, 0 },
		{ MVGPU_VFIO_REGION_EDID, 1022, 4, 2 },
		{ MVGPU_VFIO_REGION_EDID + 1, 0, 4, 0 },
		{ 0xff, 0, 4, 0 },
	};
	uint8_t buf[4] = { 1, 2, 3, 4 };
	uint64_t window;
	ssize_t n;
	size_t i;

	CHECK_SETUP();
	/* the display region: read-only, up to its size (or no region) */
	window = mt_display_window(self->disp_w, self->disp_h);
	if (!self->disp_w)
		window = 0;
	EXPECT_GE(0, libmvgpu_region_read(self->dev, MVGPU_VFIO_REGION_DISPLAY,
					  window, buf, 4));
	if (window)
		EXPECT_EQ(2, libmvgpu_region_read(self->dev,
						  MVGPU_VFIO_REGION_DISPLAY,
						  window - 2, buf, 4));
	EXPECT_EQ(-EINVAL, libmvgpu_region_write(self->dev,
						 MVGPU_VFIO_REGION_DISPLAY, 0,
						 buf, 4));
	for (i = 0; i < MT_ARRAY_SIZE(bad); i++) {
		n = libmvgpu_region_read(self->dev, bad[i].index, bad[i].off, buf,
					 bad[i].len);
		if (n > bad[i].inside)
			TH_LOG("read region %u at 0x%llx returned %zd",
			       bad[i].index, (unsigned long long)bad[i].off, n);
		EXPECT_GE(bad[i].inside, n);
		n = libmvgpu_region_write(self->dev, bad[i].index, bad[i].off,
					  buf, bad[i].len);
		if (n > bad[i].inside)
			TH_LOG("write region %u at 0x%llx returned %zd",
			       bad[i].index, (unsigned long long)bad[i].off, n);
		EXPECT_GE(bad[i].inside, n);
	}
}

/* The container maps anonymous memory for the device's DMA */
TEST_F(vdev, dma_map)
{
	struct libmvgpu_dma a = { 0 }, b = { 0 }, c = { 0 };

	CHECK_SETUP();
	ASSERT_EQ(0, libmvgpu_dma_map(self->dev, 0x100000, 1 << 20, &a));
	ASSERT_EQ(0, libmvgpu_dma_map(self->dev, 0x40000000, 2 << 20, &b));
	memset(a.vaddr, 0x11, a.size);
	/* overlapping IOVA is refused by the IOMMU backend */
	EXPECT_EQ(-EEXIST, libmvgpu_dma_map(self->dev, 0x180000, 4096, &c));
	EXPECT_EQ(0, libmvgpu_dma_unmap(self->dev, &a));
	EXPECT_EQ(0, libmvgpu_dma_unmap(self->dev, &b));
	/* the device still works and nothing stays pinned */
	EXPECT_EQ(MVGPU_ID_MAGIC, libmvgpu_rd32(self->dev, MVGPU_REG_ID));
	{
		uint64_t pinned = 1;

		ASSERT_EQ(0, libmvgpu_mdev_read_u64(self->v.uuid, "pinned_pages",
						    &pinned));
		EXPECT_EQ(0, pinned);
	}
}

TEST_F(vdev, reset_ioctl)
{
	CHECK_SETUP();
	ASSERT_EQ(0, libmvgpu_reg_write(self->dev, MVGPU_REG_SCRATCH, 0xabcd));
	ASSERT_EQ(0, libmvgpu_reset(self->dev));
	EXPECT_EQ(0, libmvgpu_rd32(self->dev, MVGPU_REG_SCRATCH));
}

/* Malformed requests are refused, nothing else happens */
TEST_F(vdev, bad_ioctls)
{
	struct vfio_region_info rinfo = { .argsz = 8, .index = 0 };
	struct vfio_irq_info iinfo = { .argsz = 8, .index = 0 };
	struct vfio_device_info dinfo = { .argsz = 4 };
	uint8_t one = 1;
	int fd = self->dev->device;

	CHECK_SETUP();
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, VFIO_DEVICE_GET_INFO, &dinfo));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &rinfo));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, VFIO_DEVICE_GET_IRQ_INFO, &iinfo));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, _IO(VFIO_TYPE, VFIO_BASE + 60)));
	EXPECT_EQ(ENOTTY, errno);

	/* MASK/UNMASK exist for INTx only: ENOTTY, as vfio-pci */
	EXPECT_EQ(-ENOTTY, libmvgpu_irq_set_raw(self->dev, VFIO_PCI_MSI_IRQ_INDEX,
						VFIO_IRQ_SET_DATA_NONE |
					     VFIO_IRQ_SET_ACTION_MASK, 0, 1,
					     NULL, 0));
	EXPECT_EQ(-ENOTTY, libmvgpu_irq_set_raw(self->dev, VFIO_PCI_REQ_IRQ_INDEX,
						VFIO_IRQ_SET_DATA_BOOL |
					     VFIO_IRQ_SET_ACTION_UNMASK, 0, 1,
					     &one, 1));
	/* two data types at once */
	EXPECT_EQ(-EINVAL, libmvgpu_irq_set_raw(self->dev, VFIO_PCI_INTX_IRQ_INDEX,
						VFIO_IRQ_SET_DATA_NONE |
					     VFIO_IRQ_SET_DATA_BOOL |
					     VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1,
					     &one, 1));
	/* the device is fine afterwards */
	EXPECT_EQ(MVGPU_ID_MAGIC, libmvgpu_rd32(self->dev, MVGPU_REG_ID));
}

/* The plain TYPE1 IOMMU model works too */
TEST_F(vdev, type1_iommu)
{
	struct libmvgpu_dma dma = { 0 };
	struct mt_vgpu w;
	int ret;

	CHECK_SETUP();
	ret = mt_vgpu_create(&w, MT_PARENT0, MT_T18);
	if (!ret)
		ret = libmvgpu_open_iommu(&w.dev, w.uuid, VFIO_TYPE1_IOMMU);
	if (!ret && libmvgpu_rd32(&w.dev, MVGPU_REG_ID) != MVGPU_ID_MAGIC)
		ret = -EIO;
	if (!ret)
		ret = libmvgpu_dma_map(&w.dev, 0x200000, 1 << 20, &dma);
	if (!ret)
		ret = libmvgpu_dma_unmap(&w.dev, &dma);
	/* clean up before asserting: the fixture does not know w */
	EXPECT_EQ(0, mt_vgpu_destroy(&w));
	ASSERT_EQ(0, ret);
}

TEST_HARNESS_MAIN

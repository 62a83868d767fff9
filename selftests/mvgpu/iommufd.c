// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd: a vGPU through the vfio device cdev (/dev/vfio/devices/vfioN)
 * and iommufd (/dev/iommu), as QEMU's "-object iommufd" uses it. The cdev
 * works without the group and excludes it; a cdev fd is bound once and
 * refuses everything before; MVGPU_VFIO=iommufd takes libmvgpu there;
 * an IOAS area the vGPU has pinned pages in is unmapped only whole, and
 * then at once (no WARN, no -EDEADLOCK), the vGPU faulting on it until it
 * is mapped again; closing the iommufd, then the device, while the engine
 * works is contained; unmaps and maps racing with the engine's pins all
 * complete.
 *
 * Every case SKIPs on a kernel without CONFIG_IOMMUFD and
 * CONFIG_VFIO_DEVICE_CDEV (no /dev/iommu or no vfio-dev/ in the mdev's
 * sysfs directory), such as Debian's.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "engine_test.h"

#define NO_IOMMUFD \
	"no /dev/iommu or no vfio cdev (CONFIG_IOMMUFD, CONFIG_VFIO_DEVICE_CDEV)"
#define EXTRA_IOVA	0x300000000ull	/* a DMA mapping of the tests' own */
#define EXTRA_PAGES	16
#define VA_EXTRA	0x70000000ull
#define RING_SIZE	4096u

/* Does the kernel have iommufd and a cdev for the mdev uuid? */
static bool have_cdev(const char *uuid)
{
	char path[512];

	if (access("/dev/iommu", R_OK | W_OK))
		return false;
	if (libmvgpu_path_mdev(path, sizeof(path), uuid, "vfio-dev"))
		return false;
	return !access(path, F_OK);
}

/* The IOMMU group node of uuid, /dev/vfio/N, opened; fd or -errno. */
static int group_open(const char *uuid)
{
	char path[64];
	int id = libmvgpu_mdev_group(uuid);
	int fd;

	if (id < 0)
		return id;
	snprintf(path, sizeof(path), "/dev/vfio/%d", id);
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Does this process hold a /dev/vfio/N (group) fd? */
static bool holds_group_fd(void)
{
	char link[64], target[PATH_MAX];
	ssize_t n;
	int fd;

	for (fd = 0; fd < 1024; fd++) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (!strncmp(target, "/dev/vfio/", 10) &&
		    strncmp(target, "/dev/vfio/devices/", 18) &&
		    strcmp(target, "/dev/vfio/vfio"))
			return true;
	}
	return false;
}

/* ---- the cdev without the engine --------------------------------------- */

FIXTURE(cdev) {
	struct mt_vgpu v;
	int iommufd;
	uint32_t ioas;
	char msg[256];
};

FIXTURE_SETUP(cdev)
{
	int ret;

	self->iommufd = -1;
	mt_vgpu_init(&self->v);
	ret = mt_check_state(self->msg, sizeof(self->msg));
	ASSERT_EQ(0, ret) TH_LOG("%s", self->msg);
	ASSERT_EQ(0, mt_vgpu_create(&self->v, MT_PARENT0, MT_T18));
	if (!have_cdev(self->v.uuid)) {
		mt_vgpu_destroy(&self->v);
		SKIP(return, NO_IOMMUFD);
	}
	ret = libmvgpu_iommufd_open(&self->ioas);
	ASSERT_LE(0, ret) TH_LOG("/dev/iommu, IOMMU_IOAS_ALLOC: %s",
				 strerror(-ret));
	self->iommufd = ret;
}

FIXTURE_TEARDOWN(cdev)
{
	if (self->iommufd >= 0)
		close(self->iommufd);
	EXPECT_EQ(0, mt_vgpu_destroy(&self->v));
}

/* The cdev, bound and attached: the device works, no group fd needed */
TEST_F(cdev, works_without_group)
{
	struct libmvgpu_dev *dev = &self->v.dev;
	uint32_t devid = 0;
	int fd;

	fd = libmvgpu_cdev_open(self->v.uuid);
	ASSERT_LE(0, fd) TH_LOG("cdev: %s", strerror(-fd));
	dev->device = fd;
	ASSERT_EQ(0, libmvgpu_cdev_bind(fd, self->iommufd, &devid));
	EXPECT_NE(0, devid);
	ASSERT_EQ(0, libmvgpu_cdev_attach(fd, self->ioas));
	EXPECT_FALSE(holds_group_fd());
	ASSERT_EQ(0, libmvgpu_device_info(dev, &dev->info));
	EXPECT_EQ(VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET,
		  dev->info.flags);
	EXPECT_EQ(MVGPU_ID_MAGIC, libmvgpu_rd32(dev, MVGPU_REG_ID));
	ASSERT_EQ(0, libmvgpu_reg_write(dev, MVGPU_REG_SCRATCH, 0x5a5a));
	EXPECT_EQ(0x5a5a, libmvgpu_rd32(dev, MVGPU_REG_SCRATCH));
	EXPECT_EQ(0, libmvgpu_reset(dev));
	EXPECT_EQ(0, libmvgpu_rd32(dev, MVGPU_REG_SCRATCH));
	/* detached and attached again, as QEMU may */
	EXPECT_EQ(0, libmvgpu_cdev_detach(fd));
	EXPECT_EQ(0, libmvgpu_cdev_attach(fd, self->ioas));
	EXPECT_EQ(MVGPU_ID_MAGIC, libmvgpu_rd32(dev, MVGPU_REG_ID));
}

/* A bound cdev keeps the group out, an open group keeps the cdev out */
TEST_F(cdev, excludes_group)
{
	int fd, group;

	fd = libmvgpu_cdev_open(self->v.uuid);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, libmvgpu_cdev_bind(fd, self->iommufd, NULL));
	group = group_open(self->v.uuid);
	EXPECT_EQ(-EBUSY, group);
	if (group >= 0)
		close(group);
	close(fd);

	group = group_open(self->v.uuid);
	ASSERT_LE(0, group) TH_LOG("group after the cdev: %s", strerror(-group));
	fd = libmvgpu_cdev_open(self->v.uuid);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EBUSY, libmvgpu_cdev_bind(fd, self->iommufd, NULL));
	close(group);
	EXPECT_EQ(0, libmvgpu_cdev_bind(fd, self->iommufd, NULL));
	close(fd);
}

/* A cdev fd binds once; a second fd cannot bind while it is bound */
TEST_F(cdev, bind_twice_fails)
{
	struct libmvgpu_dev *dev = &self->v.dev;
	int fd, fd2;

	fd = libmvgpu_cdev_open(self->v.uuid);
	ASSERT_LE(0, fd);
	dev->device = fd;
	ASSERT_EQ(0, libmvgpu_cdev_bind(fd, self->iommufd, NULL));
	EXPECT_EQ(-EINVAL, libmvgpu_cdev_bind(fd, self->iommufd, NULL));

	fd2 = libmvgpu_cdev_open(self->v.uuid);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(-EINVAL, libmvgpu_cdev_bind(fd2, self->iommufd, NULL));
	/* the unbound second fd gets nothing */
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd2, VFIO_DEVICE_RESET));
	EXPECT_EQ(EINVAL, errno);
	close(fd2);

	/* the first one is unharmed */
	ASSERT_EQ(0, libmvgpu_cdev_attach(fd, self->ioas));
	EXPECT_EQ(MVGPU_ID_MAGIC, libmvgpu_rd32(dev, MVGPU_REG_ID));
}

/* Before VFIO_DEVICE_BIND_IOMMUFD a cdev fd refuses every access */
TEST_F(cdev, unbound_fd_refused)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct libmvgpu_dev *dev = &self->v.dev;
	uint32_t val = 0;
	void *p;
	int fd, efd;

	fd = libmvgpu_cdev_open(self->v.uuid);
	ASSERT_LE(0, fd);
	dev->device = fd;
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EINVAL, libmvgpu_reg_read(dev, MVGPU_REG_ID, &val));
	EXPECT_EQ(-EINVAL, libmvgpu_reg_write(dev, MVGPU_REG_SCRATCH, 1));
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, VFIO_DEVICE_RESET));
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 LIBMVGPU_REGION_OFFSET(VFIO_PCI_BAR2_REGION_INDEX));
	EXPECT_EQ(MAP_FAILED, p);
	if (p != MAP_FAILED)
		munmap(p, 4096);
	EXPECT_EQ(-EINVAL, libmvgpu_cdev_attach(fd, self->ioas));
	/* bound to no iommufd: a negative fd, an fd that is no iommufd */
	EXPECT_EQ(-EINVAL, libmvgpu_cdev_bind(fd, -1, NULL));
	efd = libmvgpu_eventfd();
	ASSERT_LE(0, efd);
	EXPECT_NE(0, libmvgpu_cdev_bind(fd, efd, NULL));
	close(efd);
	EXPECT_EQ(-EINVAL, libmvgpu_reg_read(dev, MVGPU_REG_ID, &val));

	/* bound, not attached yet: the device answers */
	ASSERT_EQ(0, libmvgpu_cdev_bind(fd, self->iommufd, NULL));
	EXPECT_EQ(MVGPU_ID_MAGIC, libmvgpu_rd32(dev, MVGPU_REG_ID));
}

/* MVGPU_VFIO=iommufd (or libmvgpu_set_backend()) takes libmvgpu there */
TEST_F(cdev, library_backend)
{
	struct libmvgpu_dev *dev = &self->v.dev;
	enum libmvgpu_backend was = libmvgpu_backend();
	struct libmvgpu_dma dma = { 0 };
	const char *env = getenv("MVGPU_VFIO");

	TH_LOG("MVGPU_VFIO=%s: libmvgpu opens vGPUs through the %s backend",
	       env ? env : "", libmvgpu_backend_name(was));
	if (env && !strcmp(env, "iommufd"))
		EXPECT_EQ(LIBMVGPU_IOMMUFD, was);
	libmvgpu_set_backend(LIBMVGPU_IOMMUFD);
	ASSERT_EQ(0, libmvgpu_open(dev, self->v.uuid));
	libmvgpu_set_backend(was);
	EXPECT_EQ(LIBMVGPU_IOMMUFD, dev->backend);
	EXPECT_EQ(-1, dev->group);
	EXPECT_FALSE(holds_group_fd());
	EXPECT_EQ(MVGPU_ID_MAGIC, libmvgpu_rd32(dev, MVGPU_REG_ID));
	ASSERT_EQ(0, libmvgpu_dma_map(dev, 0x100000, 1 << 20, &dma));
	/* type1 says 0 for a range with nothing mapped, iommufd -ENOENT */
	EXPECT_EQ(-ENOENT, libmvgpu_iommu_unmap(dev, 0x40000000, 4096));
	/* and cuts no mapping */
	EXPECT_EQ(-ENOENT, libmvgpu_iommu_unmap(dev, 0x100000, 4096));
	EXPECT_EQ(0, libmvgpu_dma_unmap(dev, &dma));
	/* closed and opened again: bound and attached again */
	libmvgpu_close_device(dev);
	ASSERT_EQ(0, libmvgpu_open_device(dev));
	EXPECT_EQ(MVGPU_ID_MAGIC, libmvgpu_rd32(dev, MVGPU_REG_ID));
}

/* ---- with the engine ---------------------------------------------------- */

FIXTURE(eng) {
	struct et_gpu g;
	struct libmvgpu_ctx ctx;
	struct et_buf dst;
	enum libmvgpu_backend was;
	char msg[256];
};

static int eng_build(void *fixture)
{
	FIXTURE_DATA(eng) *self = fixture;
	int ret;

	snprintf(self->msg, sizeof(self->msg), "buffers / context");
	ret = et_buf_sys(&self->g.gpu, &self->g.pt, ET_VA_DST, 1 << 20, 0,
			 LIBMVGPU_MAP_WRITE, &self->dst);
	if (!ret)
		ret = libmvgpu_ctx_init(&self->ctx, &self->g.gpu, &self->g.pt, 0,
					RING_SIZE);
	return ret;
}

FIXTURE_SETUP(eng)
{
	struct mt_vgpu probe;
	bool cdev;
	int ret;

	self->was = libmvgpu_backend();
	mt_vgpu_init(&self->g.v);
	ret = mt_check_state(self->msg, sizeof(self->msg));
	ASSERT_EQ(0, ret) TH_LOG("%s", self->msg);
	ASSERT_EQ(0, mt_vgpu_create(&probe, MT_PARENT1, MT_T164));
	cdev = have_cdev(probe.uuid);
	mt_vgpu_destroy(&probe);
	if (!cdev)
		SKIP(return, NO_IOMMUFD);
	libmvgpu_set_backend(LIBMVGPU_IOMMUFD);
	ret = et_fixture_up(&self->g, MT_PARENT0, MT_T18, eng_build, self,
			    ET_UNMAPPED_OK, self->msg, sizeof(self->msg));
	ASSERT_EQ(0, ret) TH_LOG("%s", self->msg);
	ASSERT_EQ(LIBMVGPU_IOMMUFD, self->g.v.dev.backend);
}

FIXTURE_TEARDOWN_PARENT(eng)
{
	int ret = et_remove(&self->g);

	libmvgpu_set_backend(self->was);
	EXPECT_EQ(0, ret) TH_LOG("remove %s: %s", self->g.v.uuid,
				 strerror(-ret));
}

/* Copy one page from va to the start of dst; the byte seen, or -errno. */
static int read_through(FIXTURE_DATA(eng) *self, uint64_t va)
{
	uint8_t *d = self->dst.cpu;
	int ret;

	memset(d, 0, 4096);
	ret = libmvgpu_emit_copy(&self->ctx, va, self->dst.va, 4096);
	if (!ret)
		ret = libmvgpu_ctx_sync(&self->ctx, ET_TIMEOUT_MS);
	if (ret)
		return ret;
	if (mt_find_nonzero(d, 4096) != 0 || d[4095] != d[0])
		return -EIO;
	return d[0];
}

/* Map EXTRA_PAGES at EXTRA_IOVA filled with byte, the GPU's VA_EXTRA on it. */
static int extra_map(FIXTURE_DATA(eng) *self, struct libmvgpu_dma *extra,
		     uint8_t byte)
{
	int ret = libmvgpu_dma_map(&self->g.v.dev, EXTRA_IOVA,
				   EXTRA_PAGES * 4096, extra);

	if (ret)
		return ret;
	memset(extra->vaddr, byte, EXTRA_PAGES * 4096);
	ret = libmvgpu_pt_map(&self->g.pt, VA_EXTRA, EXTRA_IOVA,
			      EXTRA_PAGES * 4096, 0);
	libmvgpu_ctx_tlb_inv(&self->ctx, VA_EXTRA, EXTRA_PAGES * 4096);
	return ret;
}

/*
 * IOMMU_IOAS_UNMAP of an area the vGPU has pinned pages of: a part is
 * refused (iommufd unmaps whole areas only) and leaves the pins; the whole
 * area is unmapped at once, its pins dropped by the mediator's dma_unmap
 * (no -EDEADLOCK after 100 rounds, no WARN on the console); the engine
 * faults there instead of using the old pages, and runs on once memory is
 * mapped there again.
 */
TEST_F_TIMEOUT(eng, unmap_pinned_area, 120)
{
	struct iommu_ioas_unmap unmap = { .size = sizeof(unmap) };
	struct libmvgpu_dev *dev = &self->g.v.dev;
	struct libmvgpu_dma extra = { 0 };
	const char *uuid = self->g.v.uuid;
	struct libmvgpu_fault f;
	uint8_t *d = self->dst.cpu;
	uint64_t base;
	int i;

	/* what the ring, the fences and dst pin: the base */
	ASSERT_EQ(0, libmvgpu_emit_fill(&self->ctx, self->dst.va, 4096, 0));
	ASSERT_EQ(0, libmvgpu_ctx_sync(&self->ctx, ET_TIMEOUT_MS));
	base = et_attr(uuid, "pinned_pages");
	ASSERT_EQ(0, extra_map(self, &extra, 0xc3));
	for (i = 0; i < EXTRA_PAGES; i++)
		ASSERT_EQ(0xc3, read_through(self, VA_EXTRA + i * 4096));
	ASSERT_EQ(base + EXTRA_PAGES, et_attr(uuid, "pinned_pages"));

	/* a part of the area: refused, the pins and the data stay */
	EXPECT_EQ(-ENOENT, libmvgpu_iommu_unmap(dev, EXTRA_IOVA, 4 * 4096));
	ASSERT_EQ(base + EXTRA_PAGES, et_attr(uuid, "pinned_pages"));
	ASSERT_EQ(0xc3, read_through(self, VA_EXTRA));

	/* the whole area, pinned: done in one call */
	unmap.ioas_id = dev->ioas_id;
	unmap.iova = EXTRA_IOVA;
	unmap.length = EXTRA_PAGES * 4096;
	ASSERT_EQ(0, ioctl(dev->container, IOMMU_IOAS_UNMAP, &unmap))
		TH_LOG("IOMMU_IOAS_UNMAP: %s", strerror(errno));
	EXPECT_EQ(EXTRA_PAGES * 4096, unmap.length);
	munmap(extra.vaddr, extra.size);
	extra.vaddr = NULL;
	ASSERT_EQ(base, et_attr(uuid, "pinned_pages"));

	/* the vGPU sees the pages gone: a fault, dst not written */
	memset(d, 0x11, 4096);
	ASSERT_EQ(0, libmvgpu_emit_copy(&self->ctx, VA_EXTRA + 4096,
					self->dst.va, 4096));
	libmvgpu_ring_kick(&self->ctx);
	ASSERT_EQ(0, libmvgpu_ctx_wait_fault(&self->ctx, ET_TIMEOUT_MS, &f));
	TH_LOG("fault after the unmap: reason %u at %#llx", f.reason,
	       (unsigned long long)f.addr);
	EXPECT_TRUE(f.reason == MVGPU_FAULT_BAD_GPA ||
		    f.reason == MVGPU_FAULT_NOT_PRESENT);
	EXPECT_EQ(VA_EXTRA + 4096, f.addr);
	EXPECT_EQ(0x11, d[0]);
	EXPECT_EQ(0x11, d[4095]);

	/* mapped again (seen unmapped by the fault): the copy completes */
	ASSERT_EQ(0, extra_map(self, &extra, 0x7e));
	libmvgpu_ctx_fault_clear(&self->ctx);
	ASSERT_EQ(0, libmvgpu_ctx_sync(&self->ctx, ET_TIMEOUT_MS));
	EXPECT_EQ(0x7e, d[0]);
	EXPECT_EQ(0x7e, d[4095]);
	libmvgpu_pt_unmap(&self->g.pt, VA_EXTRA, EXTRA_PAGES * 4096);
	libmvgpu_ctx_tlb_inv(&self->ctx, VA_EXTRA, EXTRA_PAGES * 4096);
	EXPECT_EQ(0, libmvgpu_dma_unmap(dev, &extra));
	EXPECT_EQ(base, et_attr(uuid, "pinned_pages"));
}

/* Queue n copies of 1 MiB from ET_VA_SRC's buffer to dst, kick. */
static int queue_copies(FIXTURE_DATA(eng) *self, struct et_buf *src, int n)
{
	int i, ret = 0;

	for (i = 0; i < n && !ret; i++)
		ret = libmvgpu_emit_copy(&self->ctx, src->va, self->dst.va,
					 1 << 20);
	if (!ret)
		libmvgpu_ring_kick(&self->ctx);
	return ret;
}

/*
 * The VMM closes its iommufd while the engine copies through pinned guest
 * memory: the bound device keeps the IOAS, the work completes correctly.
 * Then it closes the device too, with work queued: the pins go, the vGPU
 * is free, and a vGPU of another VMM on the same GPU runs checked work
 * meanwhile and after.
 */
TEST_F_TIMEOUT(eng, close_iommufd_while_engine_works, 180)
{
	struct libmvgpu_dev *dev = &self->g.v.dev;
	const char *uuid = self->g.v.uuid;
	struct libmvgpu_ctx octx;
	struct et_buf src, odst;
	struct et_gpu other;
	char msg[256];
	uint8_t *d = self->dst.cpu;
	int ret;

	ASSERT_EQ(0, et_buf_sys(&self->g.gpu, &self->g.pt, ET_VA_SRC, 1 << 20,
				0, 0, &src));
	memset(src.cpu, 0x3c, 1 << 20);
	memset(d, 0, 1 << 20);
	ASSERT_EQ(0, queue_copies(self, &src, 64));
	close(dev->container);
	dev->container = -1;
	ASSERT_EQ(0, libmvgpu_ctx_sync(&self->ctx, ET_TIMEOUT_MS));
	EXPECT_EQ(0x3c, d[0]);
	EXPECT_EQ(0x3c, d[(1 << 20) - 1]);
	EXPECT_NE(0, et_attr(uuid, "pinned_pages"));

	/* another VMM's vGPU on the same GPU */
	ret = et_up(&other, MT_PARENT0, MT_T18, 4 << 20, msg, sizeof(msg));
	ASSERT_EQ(0, ret) TH_LOG("%s", msg);
	ret = et_buf_sys(&other.gpu, &other.pt, ET_VA_DST, 4096, 0,
			 LIBMVGPU_MAP_WRITE, &odst);
	if (!ret)
		ret = libmvgpu_ctx_init(&octx, &other.gpu, &other.pt, 0,
					RING_SIZE);
	if (!ret)
		ret = libmvgpu_emit_fill(&octx, ET_VA_DST, 4096, 0x5d);
	if (!ret)
		ret = libmvgpu_ctx_sync(&octx, ET_TIMEOUT_MS);
	EXPECT_EQ(0, ret);
	EXPECT_EQ(0x5d, ((uint8_t *)odst.cpu)[4092]);	/* a dword fill */

	/*
	 * The device closed with work queued, as by an exiting VMM (its BAR2
	 * mapping holds the device file open: it goes first): its pins go
	 * with it.
	 */
	ASSERT_EQ(0, queue_copies(self, &src, 64));
	if (self->g.gpu.vram)
		munmap(self->g.gpu.vram, self->g.gpu.vram_size);
	self->g.gpu.vram = NULL;
	libmvgpu_close_device(dev);
	EXPECT_EQ(0, et_attr(uuid, "pinned_pages"));
	EXPECT_EQ(0, et_attr(uuid, "shadow_entries"));

	((uint8_t *)odst.cpu)[0] = 0;
	ret = libmvgpu_emit_fill(&octx, ET_VA_DST, 4096, 0x6e);
	if (!ret)
		ret = libmvgpu_ctx_sync(&octx, ET_TIMEOUT_MS);
	EXPECT_EQ(0, ret);
	EXPECT_EQ(0x6e, ((uint8_t *)odst.cpu)[0]);
	EXPECT_EQ(0, et_down(&other));
}

/* The unmapper of the race below: unmap and map the area until stop. */
struct racer {
	struct libmvgpu_dev *dev;
	struct libmvgpu_dma *extra;
	bool stop;		/* __atomic: set by the test */
	const char *uuid;
	uint64_t base;		/* pinned_pages without the area */
	unsigned long rounds;
	unsigned long pinned;	/* unmaps while the area had pins */
	uint64_t seed;
	int err;
};

static void *racer_fn(void *arg)
{
	struct racer *r = arg;
	int ret = 0;

	/* unmapped and mapped for random moments: the engine sees both */
	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED) && !ret) {
		if (et_attr(r->uuid, "pinned_pages") > r->base)
			r->pinned++;
		ret = libmvgpu_iommu_unmap(r->dev, EXTRA_IOVA,
					   EXTRA_PAGES * 4096);
		libmvgpu_sleep_us(libmvgpu_rand64(&r->seed) % 2000);
		if (!ret)
			ret = libmvgpu_iommu_map(r->dev, r->extra->vaddr,
						 EXTRA_IOVA, EXTRA_PAGES * 4096);
		libmvgpu_sleep_us(libmvgpu_rand64(&r->seed) % 20000);
		r->rounds++;
	}
	r->err = ret;
	return NULL;
}

/*
 * A VMM thread unmaps and maps the area again and again while the engine
 * copies from it and the fill worker pins its pages: every unmap and map
 * completes (none fails with -EDEADLOCK or -EBUSY), the engine's accesses
 * end in data or in a fault on that area, and no pin is left behind.
 */
TEST_F_TIMEOUT(eng, unmap_map_race_with_pins, 180)
{
	struct libmvgpu_dev *dev = &self->g.v.dev;
	struct libmvgpu_dma extra = { 0 };
	const char *uuid = self->g.v.uuid;
	struct racer r = { .dev = dev, .extra = &extra, .seed = mt_now_ms() };
	unsigned int faults = 0, copies = 0;
	uint64_t base, end;
	pthread_t t;
	int ret = 0;

	ASSERT_EQ(0, libmvgpu_emit_fill(&self->ctx, self->dst.va, 4096, 0));
	ASSERT_EQ(0, libmvgpu_ctx_sync(&self->ctx, ET_TIMEOUT_MS));
	base = et_attr(uuid, "pinned_pages");
	r.uuid = uuid;
	r.base = base;
	ASSERT_EQ(0, extra_map(self, &extra, 0x4b));
	ASSERT_EQ(0, pthread_create(&t, NULL, racer_fn, &r));
	end = mt_now_ms() + 15000;
	while (mt_now_ms() < end) {
		struct libmvgpu_fault f;

		ret = libmvgpu_emit_copy(&self->ctx, VA_EXTRA, self->dst.va,
					 EXTRA_PAGES * 4096);
		if (ret)
			break;
		libmvgpu_ctx_tlb_inv(&self->ctx, VA_EXTRA, EXTRA_PAGES * 4096);
		ret = libmvgpu_ctx_sync(&self->ctx, ET_TIMEOUT_MS);
		/* a fault on the area: clear it, the copy goes on */
		while (ret == -EFAULT && mt_now_ms() < end) {
			libmvgpu_ctx_read_fault(&self->ctx, &f);
			if (f.addr < VA_EXTRA ||
			    f.addr >= VA_EXTRA + EXTRA_PAGES * 4096)
				break;
			faults++;
			/* as a guest driver: invalidate, then resume */
			libmvgpu_ctx_tlb_inv(&self->ctx, VA_EXTRA,
					     EXTRA_PAGES * 4096);
			libmvgpu_ctx_fault_clear(&self->ctx);
			ret = libmvgpu_ctx_wait_fence(&self->ctx, self->ctx.seqno,
						      ET_TIMEOUT_MS);
		}
		if (ret)
			break;
		copies++;
	}
	/* still faulting on the area when the time was up is fine */
	if (ret == -EFAULT) {
		struct libmvgpu_fault f;

		libmvgpu_ctx_read_fault(&self->ctx, &f);
		if (f.addr >= VA_EXTRA && f.addr < VA_EXTRA + EXTRA_PAGES * 4096)
			ret = 0;
		else
			TH_LOG("fault outside the area: reason %u at %#llx",
			       f.reason, (unsigned long long)f.addr);
	}
	__atomic_store_n(&r.stop, true, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	TH_LOG("%u copies, %u faults, %lu unmap/map rounds, %lu of them with pins",
	       copies, faults, r.rounds, r.pinned);
	EXPECT_EQ(0, r.err) TH_LOG("unmap/map: %s", strerror(-r.err));
	/* both ways happened: work done, and unmaps under the engine's pins */
	EXPECT_NE(0, copies);
	EXPECT_NE(0, r.pinned);
	EXPECT_EQ(0, ret) TH_LOG("engine: %s", strerror(-ret));

	libmvgpu_pt_unmap(&self->g.pt, VA_EXTRA, EXTRA_PAGES * 4096);
	libmvgpu_ctx_tlb_inv(&self->ctx, VA_EXTRA, EXTRA_PAGES * 4096);
	EXPECT_EQ(0, libmvgpu_dma_unmap(dev, &extra));
	EXPECT_EQ(base, et_attr(uuid, "pinned_pages"));
}

TEST_HARNESS_MAIN

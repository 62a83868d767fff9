// SPDX-License-Identifier: GPL-2.0
/*
 * lifecycle: creating and removing vGPUs: removal while the device is
 * open (the REQ eventfd asks the holder to let go), and many
 * create/open/close/remove cycles leak neither memory nor VRAM.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mvgpu_test.h"

#define NR_CYCLES	100
#define WARMUP_CYCLES	5
#define LEAK_TOLERANCE_KB (8 * 1024)	/* 8 MiB over 100 cycles */
#define KMEMLEAK	"/sys/kernel/debug/kmemleak"

/*
 * How much less free memory 100 cycles may leave. On the debug kernel
 * (kmemleak, whose report fails the run, finds leaks there object by
 * object) KASAN also keeps freed objects in its quarantine, up to 1/32 of
 * RAM, before the allocator sees them again.
 */
static uint64_t leak_tolerance_kb(void)
{
	uint64_t total;

	if (access(KMEMLEAK, F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	if (access(KMEMLEAK, F_OK) || mt_meminfo_kb("MemTotal", &total))
		return LEAK_TOLERANCE_KB;
	return LEAK_TOLERANCE_KB + total / 32;
}

FIXTURE(life) {
	struct mt_vgpu v;
	int efd;
	int setup_err;
	char msg[256];
};

FIXTURE_SETUP(life)
{
	mt_vgpu_init(&self->v);
	self->efd = -1;
	self->setup_err = mt_check_state(self->msg, sizeof(self->msg));
}

FIXTURE_TEARDOWN(life)
{
	int ret = mt_vgpu_destroy(&self->v);

	if (ret)
		TH_LOG("removing %s: %s", self->v.uuid, strerror(-ret));
	if (self->efd >= 0)
		close(self->efd);
}

TEST_F(life, create_remove)
{
	char path[512], uuid[LIBMVGPU_UUID_LEN + 1];
	uint64_t used, nr;
	int group;

	CHECK_SETUP();
	ASSERT_EQ(0, mt_vgpu_create(&self->v, MT_PARENT1, MT_T14));
	EXPECT_TRUE(libmvgpu_mdev_exists(self->v.uuid));
	group = libmvgpu_mdev_group(self->v.uuid);
	ASSERT_LE(0, group);
	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	EXPECT_EQ(0, access(path, F_OK));
	/* the mdev sits below its parent (the GPU's PCI device) */
	{
		char name[256];

		ASSERT_EQ(0, libmvgpu_mdev_parent(name, sizeof(name), MT_PARENT1));
		snprintf(path, sizeof(path), LIBMVGPU_SYSFS_MDEV_BUS "/%s/%s",
			 name, self->v.uuid);
		EXPECT_EQ(0, access(path, F_OK));
	}
	ASSERT_EQ(0, libmvgpu_parent_read_u64(MT_PARENT1, "instances", &nr));
	EXPECT_EQ(1, nr);

	memcpy(uuid, self->v.uuid, sizeof(uuid));
	ASSERT_EQ(0, mt_vgpu_destroy(&self->v));
	EXPECT_FALSE(libmvgpu_mdev_exists(uuid));
	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	EXPECT_NE(0, access(path, F_OK));
	ASSERT_EQ(0, libmvgpu_parent_read_u64(MT_PARENT1, "instances", &nr));
	EXPECT_EQ(0, nr);
	ASSERT_EQ(0, libmvgpu_parent_read_u64(MT_PARENT1, "vram_used", &used));
	EXPECT_EQ(0, used);
	/* removing it again: it is gone */
	EXPECT_EQ(-ENOENT, libmvgpu_mdev_remove(uuid));

	/* a malformed UUID is refused by the mdev core */
	ASSERT_EQ(0, libmvgpu_path_type(path, sizeof(path), MT_PARENT1,
					MT_T14->dir, "create"));
	EXPECT_EQ(-EINVAL, libmvgpu_sysfs_write(path, "not-a-uuid"));
	EXPECT_EQ(0, mt_dir_count(LIBMVGPU_SYSFS_MDEV_DEVS));
}

/* Create and open a vGPU whose REQ eventfd the holder @h will watch. */
static void open_with_req(struct __test_metadata *_metadata,
			  FIXTURE_DATA(life) *self, struct mt_holder *h,
			  const char *parent, const struct mt_type *type)
{
	ASSERT_EQ(0, mt_vgpu_create_open(&self->v, parent, type));
	self->efd = libmvgpu_eventfd();
	ASSERT_LE(0, self->efd);
	h->efd = self->efd;
	ASSERT_EQ(0, libmvgpu_irq_set_eventfd(&self->v.dev,
					      VFIO_PCI_REQ_IRQ_INDEX, self->efd));
}

/*
 * Remove the vGPU while @h, on a thread of its own, holds it, and check
 * what every such removal must give: the holder was asked at least
 * h->want times, the remove waited for it to let go, and then succeeded.
 * @t0 and @t1 are when the remove started and returned.
 */
static void remove_held(struct __test_metadata *_metadata,
			FIXTURE_DATA(life) *self, struct mt_holder *h,
			uint64_t *t0, uint64_t *t1)
{
	pthread_t th;
	int ret;

	ASSERT_EQ(0, pthread_create(&th, NULL, mt_holder_fn, h));
	*t0 = mt_now_ms();
	ret = libmvgpu_mdev_remove(self->v.uuid);	/* blocks until let go */
	*t1 = mt_now_ms();
	pthread_join(th, NULL);
	if (!ret)
		self->v.created = false;
	if (h->err)
		TH_LOG("REQ eventfd after %llu signals: %s",
		       (unsigned long long)h->fired, strerror(-h->err));
	EXPECT_EQ(0, h->err);
	EXPECT_LE((uint64_t)h->want, h->fired);
	EXPECT_EQ(0, ret);
	/* the remove finished after the holder began to let go, not before */
	EXPECT_LE(h->closed_ms, *t1);
	TH_LOG("remove took %llu ms, REQ count %llu",
	       (unsigned long long)(*t1 - *t0), (unsigned long long)h->fired);
	EXPECT_FALSE(libmvgpu_mdev_exists(self->v.uuid));
}

TEST_F_TIMEOUT(life, remove_while_open, 120)
{
	struct mt_holder h = { .v = &self->v, .want = 1 };
	uint64_t t0, t1, nr;

	CHECK_SETUP();
	open_with_req(_metadata, self, &h, MT_PARENT0, MT_T18);
	/* the device is in use: a register access works */
	EXPECT_EQ(MVGPU_ID_MAGIC, libmvgpu_rd32(&self->v.dev, MVGPU_REG_ID));
	remove_held(_metadata, self, &h, &t0, &t1);
	ASSERT_EQ(0, libmvgpu_parent_read_u64(MT_PARENT0, "instances", &nr));
	EXPECT_EQ(0, nr);
}

/* A mapping of BAR2 holds the device too: the holder drops both */
TEST_F_TIMEOUT(life, remove_while_mapped, 120)
{
	struct mt_holder h = { .v = &self->v, .want = 1 };
	uint64_t t0, t1;

	CHECK_SETUP();
	ASSERT_LE(0, mt_kernel_vfio_inode());
	if (!mt_kernel_vfio_inode())
		SKIP(return, MT_NO_BAR2_MMAP);
	open_with_req(_metadata, self, &h, MT_PARENT0, MT_T14);
	ASSERT_EQ(1, mt_bar2_mmap(&self->v.dev));
	h.map = libmvgpu_region_mmap(&self->v.dev, VFIO_PCI_BAR2_REGION_INDEX,
				     &h.len);
	ASSERT_NE(MAP_FAILED, h.map);
	memset(h.map, 0x42, h.len);
	remove_held(_metadata, self, &h, &t0, &t1);
}

/*
 * A holder that ignores the first request: the REQ signal repeats (the
 * vfio core asks again every 10 s) and the remove keeps waiting.
 */
TEST_F_TIMEOUT(life, req_repeats_until_released, 120)
{
	struct mt_holder h = { .v = &self->v, .want = 2 };
	uint64_t t0, t1;

	CHECK_SETUP();
	open_with_req(_metadata, self, &h, MT_PARENT1, MT_T18);
	remove_held(_metadata, self, &h, &t0, &t1);
	EXPECT_LE(t0, h.closed_ms);
}

static int count_dir(const char *dir)
{
	int n = mt_dir_count(dir);

	return n == -ENOENT ? 0 : n;
}

static void flush_caches(void)
{
	int fd;

	sync();
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		/* best effort: the measurement tolerates noise */
		if (write(fd, "3\n", 2) != 2) {
			close(fd);
			return;
		}
		close(fd);
	}
}

static void cycle(struct __test_metadata *_metadata, struct mt_vgpu *v,
		  int i)
{
	const char *parent = i & 1 ? MT_PARENT1 : MT_PARENT0;
	const struct mt_type *t = &mt_types[i % 3];
	uint8_t page[4096];

	ASSERT_EQ(0, mt_vgpu_create_open(v, parent, t));
	ASSERT_EQ(MVGPU_ID_MAGIC, libmvgpu_rd32(&v->dev, MVGPU_REG_ID));
	memset(page, i, sizeof(page));
	ASSERT_EQ((ssize_t)sizeof(page),
		  libmvgpu_region_write(&v->dev, VFIO_PCI_BAR2_REGION_INDEX,
					(uint64_t)i * 4096, page, sizeof(page)));
	libmvgpu_close(&v->dev);
	ASSERT_EQ(0, mt_vgpu_destroy(v));
}

TEST_F_TIMEOUT(life, cycles_do_not_leak, 900)
{
	uint64_t free0, avail0, free1, avail1, used, nr;
	int groups0, vfio0, i;
	uint64_t t0;

	CHECK_SETUP();
	for (i = 0; i < WARMUP_CYCLES; i++)
		cycle(_metadata, &self->v, i);

	flush_caches();
	ASSERT_EQ(0, mt_meminfo_kb("MemFree", &free0));
	ASSERT_EQ(0, mt_meminfo_kb("MemAvailable", &avail0));
	groups0 = count_dir("/sys/kernel/iommu_groups");
	vfio0 = count_dir("/dev/vfio");

	t0 = mt_now_ms();
	for (i = 0; i < NR_CYCLES; i++)
		cycle(_metadata, &self->v, i);
	TH_LOG("%d cycles in %llu ms", NR_CYCLES,
	       (unsigned long long)(mt_now_ms() - t0));

	flush_caches();
	ASSERT_EQ(0, mt_meminfo_kb("MemFree", &free1));
	ASSERT_EQ(0, mt_meminfo_kb("MemAvailable", &avail1));
	TH_LOG("MemFree %llu -> %llu kB, MemAvailable %llu -> %llu kB",
	       (unsigned long long)free0, (unsigned long long)free1,
	       (unsigned long long)avail0, (unsigned long long)avail1);
	EXPECT_GE(free1 + leak_tolerance_kb(), free0);
	EXPECT_GE(avail1 + leak_tolerance_kb(), avail0);

	EXPECT_EQ(groups0, count_dir("/sys/kernel/iommu_groups"));
	EXPECT_EQ(vfio0, count_dir("/dev/vfio"));
	EXPECT_EQ(0, mt_dir_count(LIBMVGPU_SYSFS_MDEV_DEVS));
	ASSERT_EQ(0, libmvgpu_parent_read_u64(MT_PARENT0, "vram_used", &used));
	EXPECT_EQ(0, used);
	ASSERT_EQ(0, libmvgpu_parent_read_u64(MT_PARENT0, "instances", &nr));
	EXPECT_EQ(0, nr);
	ASSERT_EQ(0, libmvgpu_parent_read_u64(MT_PARENT1, "vram_used", &used));
	EXPECT_EQ(0, used);
	ASSERT_EQ(0, libmvgpu_parent_read_u64(MT_PARENT1, "instances", &nr));
	EXPECT_EQ(0, nr);
}

TEST_HARNESS_MAIN

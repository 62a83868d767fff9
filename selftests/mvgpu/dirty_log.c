// SPDX-License-Identifier: GPL-2.0
/*
 * dirty_log: device DMA logging (VFIO_DEVICE_FEATURE_DMA_LOGGING_*), what
 * QEMU uses to find the guest pages a device wrote during a live migration
 * (Documentation/mvgpu/migration.rst, "Device DMA logging").
 *
 * The vGPU offers it exactly where the kernel can report it (iova_bitmap
 * exported: /proc/kallsyms has iova_bitmap_set); elsewhere the PROBE
 * fails, and the other cases skip. Where it is offered: a report holds
 * exactly the guest pages the engine wrote (not those it only read, nor
 * pages mapped writable and never written, nor writes before START, nor
 * pages outside the started ranges); it clears what it reports; writes
 * survive the entries going (TLB_INV, the RESET register, dma_unmap);
 * STOP, VFIO_DEVICE_RESET and close end logging; malformed requests fail
 * cleanly; START/STOP/REPORT/reset racing each other and the engine
 * leave the host clean (the VM's console is checked).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "engine_test.h"

#define PAGE		4096u
#define BUF_SIZE	(64u << 10)

/* 0, or -errno: VFIO_DEVICE_FEATURE with flags and payload. */
static int feature(int fd, uint32_t flags, void *data, size_t len)
{
	size_t sz = sizeof(struct vfio_device_feature) + len;
	struct vfio_device_feature *f = calloc(1, sz);
	int ret;

	if (!f)
		return -ENOMEM;
	f->argsz = sz;
	f->flags = flags;
	if (len)
		memcpy(f->data, data, len);
	ret = ioctl(fd, VFIO_DEVICE_FEATURE, f) ? -errno : 0;
	if (len)
		memcpy(data, f->data, len);
	free(f);
	return ret;
}

static int log_start(int fd, const struct vfio_device_feature_dma_logging_range *r,
		     unsigned int n, uint64_t page_size)
{
	struct vfio_device_feature_dma_logging_control c = {
		.page_size = page_size,
		.num_ranges = n,
		.ranges = (uintptr_t)r,
	};

	return feature(fd, VFIO_DEVICE_FEATURE_SET |
		       VFIO_DEVICE_FEATURE_DMA_LOGGING_START, &c, sizeof(c));
}

static int log_stop(int fd)
{
	return feature(fd, VFIO_DEVICE_FEATURE_SET |
		       VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP, NULL, 0);
}

static int log_report(int fd, uint64_t iova, uint64_t len, uint64_t page_size,
		      uint64_t *bitmap)
{
	struct vfio_device_feature_dma_logging_report r = {
		.iova = iova,
		.length = len,
		.page_size = page_size,
		.bitmap = (uintptr_t)bitmap,
	};

	return feature(fd, VFIO_DEVICE_FEATURE_GET |
		       VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT, &r, sizeof(r));
}

/* Does the running kernel export iova_bitmap_set()? 1, 0, or -errno. */
static int kernel_has_iova_bitmap(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[256];
	int found = 0;

	if (!f)
		return -errno;
	while (!found && fgets(line, sizeof(line), f)) {
		char *sym = strrchr(line, ' ');

		/* "addr T name [module]" or "addr T name" */
		if (strstr(line, " iova_bitmap_set") &&
		    (!strcmp(sym, " iova_bitmap_set\n") ||
		     strstr(line, " iova_bitmap_set\t") ||
		     strstr(line, " iova_bitmap_set [")))
			found = 1;
	}
	fclose(f);
	return found;
}

FIXTURE(dlog) {
	struct et_gpu g;
	struct libmvgpu_ctx ctx;
	struct et_buf src, dst, ro;
	uint64_t fence_gpa;
	uint64_t npages;
	uint64_t *bits;
	char msg[256];
};

static int dlog_build(void *fixture)
{
	FIXTURE_DATA(dlog) *self = fixture;
	struct libmvgpu_gpu *gpu = &self->g.gpu;
	uint64_t pte;
	int ret;

	snprintf(self->msg, sizeof(self->msg), "buffers / context");
	/* src is mapped writable but only read: never dirty */
	ret = et_buf_sys(gpu, &self->g.pt, ET_VA_SRC, BUF_SIZE, 0,
			 LIBMVGPU_MAP_WRITE, &self->src);
	if (!ret)
		ret = et_buf_sys(gpu, &self->g.pt, ET_VA_DST, BUF_SIZE, 0,
				 LIBMVGPU_MAP_WRITE, &self->dst);
	if (!ret)
		ret = et_buf_sys(gpu, &self->g.pt, ET_VA_AUX, BUF_SIZE, 0, 0,
				 &self->ro);
	if (!ret)
		ret = libmvgpu_ctx_init(&self->ctx, gpu, &self->g.pt, 0,
					16 << 10);
	if (!ret)
		ret = libmvgpu_pt_translate(&self->g.pt, self->ctx.fence_va,
					    &self->fence_gpa, &pte);
	if (ret)
		return ret;
	self->npages = gpu->ram.size / PAGE;
	self->bits = calloc((self->npages + 63) / 64, 8);
	return self->bits ? 0 : -ENOMEM;
}

/*
 * The vGPU offers DMA logging exactly where the kernel can report it: on
 * a kernel without iova_bitmap the core would answer the PROBE, QEMU
 * would choose device dirty tracking, and every report would fail.
 */
TEST(probe_matches_kernel)
{
	int has = kernel_has_iova_bitmap(), ret;
	struct mt_vgpu v;

	ASSERT_LE(0, has) TH_LOG("/proc/kallsyms: %s", strerror(-has));
	mt_vgpu_init(&v);
	ret = mt_vgpu_create_open(&v, MT_PARENT0, MT_T14);
	ASSERT_EQ(0, ret) TH_LOG("vGPU: %s", strerror(-ret));
	ret = mt_has_dma_logging(&v.dev);
	EXPECT_EQ(has, ret)
		TH_LOG("iova_bitmap_set %s in /proc/kallsyms, PROBE: %s",
		       has ? "is" : "is not",
		       ret < 0 ? strerror(-ret) : ret ? "offered" : "ENOTTY");
	EXPECT_EQ(0, mt_vgpu_destroy(&v));
}

FIXTURE_SETUP(dlog)
{
	int has = kernel_has_iova_bitmap(), ret;

	ASSERT_LE(0, has) TH_LOG("/proc/kallsyms: %s", strerror(-has));
	if (!has)
		SKIP(return, "no iova_bitmap in this kernel: no DMA logging");
	ret = et_fixture_up(&self->g, MT_PARENT0, MT_T14, dlog_build, self,
			    ET_UNMAPPED_OK, self->msg, sizeof(self->msg));
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", self->msg, strerror(-ret));
}

FIXTURE_TEARDOWN_PARENT(dlog)
{
	int ret = et_remove(&self->g);

	EXPECT_EQ(0, ret) TH_LOG("remove %s: %s", self->g.v.uuid,
				 strerror(-ret));
}

static int dev(FIXTURE_DATA(dlog) *self)
{
	return self->g.v.dev.device;
}

/* START over all of guest RAM at 4 KiB. */
static int start_ram(FIXTURE_DATA(dlog) *self)
{
	struct vfio_device_feature_dma_logging_range r = {
		.iova = self->g.gpu.ram.iova, .length = self->g.gpu.ram.size,
	};

	return log_start(dev(self), &r, 1, PAGE);
}

/* REPORT all of guest RAM at 4 KiB into self->bits. */
static int report_ram(FIXTURE_DATA(dlog) *self)
{
	memset(self->bits, 0, (self->npages + 63) / 64 * 8);
	return log_report(dev(self), self->g.gpu.ram.iova,
			  self->g.gpu.ram.size, PAGE, self->bits);
}

static bool bit(FIXTURE_DATA(dlog) *self, uint64_t gpa)
{
	uint64_t i = (gpa - self->g.gpu.ram.iova) / PAGE;

	return self->bits[i / 64] >> (i % 64) & 1;
}

/*
 * The report must hold exactly the pages of [gpa, gpa + len) (len 0: none)
 * and the fence page when fence: any other page is a failure.
 */
static void expect_exactly(struct __test_metadata *_metadata,
			   FIXTURE_DATA(dlog) *self, uint64_t gpa,
			   uint64_t len, bool fence, const char *what)
{
	uint64_t base = self->g.gpu.ram.iova, i, bad = 0;

	for (i = 0; i < self->npages; i++) {
		uint64_t p = base + i * PAGE;
		bool want = (p >= gpa && p < gpa + len) ||
			    (fence && p == self->fence_gpa);

		if (bit(self, p) != want) {
			if (bad++ < 4)
				TH_LOG("%s: page 0x%llx %s", what,
				       (unsigned long long)p,
				       want ? "written, not reported" :
					      "reported, not written");
		}
	}
	EXPECT_EQ(0, bad) TH_LOG("%s: %llu pages wrong", what,
				 (unsigned long long)bad);
}

static void run(struct __test_metadata *_metadata, FIXTURE_DATA(dlog) *self)
{
	ASSERT_EQ(0, libmvgpu_ctx_sync(&self->ctx, ET_TIMEOUT_MS));
}

/* After the abuse, logging works: one page written, one reported. */
static void logging_works(struct __test_metadata *_metadata,
			  FIXTURE_DATA(dlog) *self)
{
	ASSERT_EQ(0, start_ram(self));
	ASSERT_EQ(0, libmvgpu_emit_fill(&self->ctx, self->dst.va, PAGE, 1));
	run(_metadata, self);
	ASSERT_EQ(0, report_ram(self));
	expect_exactly(_metadata, self, self->dst.addr, PAGE, true, "after");
	EXPECT_EQ(0, log_stop(dev(self)));
}

/* COPY src -> dst: dst and the fence page, not src, ro, ring or tables. */
TEST_F_TIMEOUT(dlog, reports_exactly_engine_writes, 120)
{
	ASSERT_EQ(0, start_ram(self));
	ASSERT_EQ(0, libmvgpu_emit_copy(&self->ctx, self->src.va, self->dst.va,
					BUF_SIZE));
	ASSERT_EQ(0, libmvgpu_emit_hash(&self->ctx, self->ro.va, BUF_SIZE,
					self->dst.va));
	run(_metadata, self);
	ASSERT_EQ(0, report_ram(self));
	expect_exactly(_metadata, self, self->dst.addr, BUF_SIZE, true,
		       "copy");
	EXPECT_EQ(0, log_stop(dev(self)));
}

/* A report clears what it reports; the next one has only new writes. */
TEST_F_TIMEOUT(dlog, clear_on_read, 120)
{
	uint64_t mid, *tmp;

	ASSERT_EQ(0, start_ram(self));
	ASSERT_EQ(0, libmvgpu_emit_fill(&self->ctx, self->dst.va, BUF_SIZE, 1));
	run(_metadata, self);
	ASSERT_EQ(0, report_ram(self));
	expect_exactly(_metadata, self, self->dst.addr, BUF_SIZE, true,
		       "first");
	ASSERT_EQ(0, report_ram(self));
	expect_exactly(_metadata, self, 0, 0, false, "second, no work");
	/* two pages in the middle */
	ASSERT_EQ(0, libmvgpu_emit_fill(&self->ctx, self->dst.va + 3 * PAGE,
					2 * PAGE, 2));
	run(_metadata, self);
	ASSERT_EQ(0, report_ram(self));
	expect_exactly(_metadata, self, self->dst.addr + 3 * PAGE, 2 * PAGE,
		       true, "third");
	/* a report that begins inside a page leaves that page for the next */
	ASSERT_EQ(0, libmvgpu_emit_fill(&self->ctx, self->dst.va, PAGE, 3));
	run(_metadata, self);
	mid = self->dst.addr + 512;
	tmp = calloc((self->npages + 63) / 64, 8);
	ASSERT_NE(NULL, tmp);
	ASSERT_EQ(0, log_report(dev(self), mid, self->g.gpu.ram.iova +
				self->g.gpu.ram.size - mid, PAGE, tmp));
	EXPECT_TRUE(tmp[0] & 1) TH_LOG("the page's tail not reported");
	free(tmp);
	ASSERT_EQ(0, report_ram(self));
	EXPECT_TRUE(bit(self, self->dst.addr))
		TH_LOG("a page reported from its middle was forgotten");
	EXPECT_EQ(0, log_stop(dev(self)));
}

/* Writes before START are not in the log. */
TEST_F_TIMEOUT(dlog, writes_before_start_not_reported, 120)
{
	ASSERT_EQ(0, libmvgpu_emit_fill(&self->ctx, self->dst.va, BUF_SIZE, 1));
	run(_metadata, self);
	ASSERT_EQ(0, start_ram(self));
	ASSERT_EQ(0, report_ram(self));
	expect_exactly(_metadata, self, 0, 0, false, "after start");
	EXPECT_EQ(0, log_stop(dev(self)));
}

/*
 * Writes stay reported after their shadow entries went: the guest's
 * TLB_INV, the RESET register (a guest reset keeps logging on), and
 * dma_unmap of the memory.
 */
TEST_F_TIMEOUT(dlog, writes_survive_entries_going, 180)
{
	struct libmvgpu_dev *d = &self->g.v.dev;

	ASSERT_EQ(0, start_ram(self));
	ASSERT_EQ(0, libmvgpu_emit_fill(&self->ctx, self->dst.va, BUF_SIZE, 1));
	run(_metadata, self);
	libmvgpu_ctx_tlb_inv(&self->ctx, 0, 0);
	ASSERT_EQ(0, report_ram(self));
	expect_exactly(_metadata, self, self->dst.addr, BUF_SIZE, true,
		       "after TLB_INV");

	ASSERT_EQ(0, libmvgpu_emit_fill(&self->ctx, self->dst.va, PAGE, 2));
	run(_metadata, self);
	ASSERT_EQ(0, libmvgpu_reg_write(d, MVGPU_REG_RESET, MVGPU_RESET_MAGIC));
	ASSERT_EQ(0, report_ram(self));
	expect_exactly(_metadata, self, self->dst.addr, PAGE, true,
		       "after the RESET register");

	/* the guest again, and its memory unmapped under the pins */
	libmvgpu_ctx_enable(&self->ctx);
	ASSERT_EQ(0, libmvgpu_emit_fill(&self->ctx, self->dst.va, 2 * PAGE, 3));
	run(_metadata, self);
	ASSERT_EQ(0, libmvgpu_iommu_unmap(d, self->g.gpu.ram.iova,
					  self->g.gpu.ram.size));
	ASSERT_EQ(0, report_ram(self));
	expect_exactly(_metadata, self, self->dst.addr, 2 * PAGE, true,
		       "after dma_unmap");
	EXPECT_EQ(0, log_stop(dev(self)));
}

/* Only pages inside the started ranges; coarser report page sizes. */
TEST_F_TIMEOUT(dlog, ranges_and_page_sizes, 120)
{
	struct vfio_device_feature_dma_logging_range r[3] = {
		/* a zero-length range is nothing */
		{ .iova = self->g.gpu.ram.iova, .length = 0 },
		/* the first half of dst only */
		{ .iova = self->dst.addr, .length = BUF_SIZE / 2 },
	};
	uint64_t big[8] = { 0 }, i, set = 0;	/* 512 bits: 1 GiB / 2 MiB */

	ASSERT_EQ(0, log_start(dev(self), r, 2, PAGE));
	ASSERT_EQ(0, libmvgpu_emit_fill(&self->ctx, self->dst.va, BUF_SIZE, 1));
	run(_metadata, self);
	/* 2 MiB granules over 1 GiB around guest RAM: one bit per granule */
	ASSERT_EQ(0, log_report(dev(self), self->g.gpu.ram.iova & ~((1ull << 30) - 1),
				1ull << 30, 2u << 20, big));
	for (i = 0; i < 512; i++)
		set += big[i / 64] >> (i % 64) & 1;
	EXPECT_EQ(1, set) TH_LOG("2 MiB report: %llu bits set",
				 (unsigned long long)set);
	/* that report cleared it */
	ASSERT_EQ(0, report_ram(self));
	expect_exactly(_metadata, self, 0, 0, false, "after 2 MiB report");

	ASSERT_EQ(0, libmvgpu_emit_fill(&self->ctx, self->dst.va, BUF_SIZE, 2));
	run(_metadata, self);
	ASSERT_EQ(0, report_ram(self));
	expect_exactly(_metadata, self, self->dst.addr, BUF_SIZE / 2, false,
		       "half of dst in the range, fence outside");
	EXPECT_EQ(0, log_stop(dev(self)));
}

/* STOP, VFIO_DEVICE_RESET and close end logging; START twice is EBUSY. */
TEST_F_TIMEOUT(dlog, start_stop_reset_close, 120)
{
	struct libmvgpu_dev *d = &self->g.v.dev;

	EXPECT_EQ(0, log_stop(dev(self)));	/* not started: harmless */
	EXPECT_EQ(-EINVAL, report_ram(self));
	ASSERT_EQ(0, start_ram(self));
	EXPECT_EQ(-EBUSY, start_ram(self));
	EXPECT_EQ(0, log_stop(dev(self)));
	EXPECT_EQ(-EINVAL, report_ram(self));

	ASSERT_EQ(0, start_ram(self));
	ASSERT_EQ(0, libmvgpu_reset(d));
	EXPECT_EQ(-EINVAL, report_ram(self));
	ASSERT_EQ(0, start_ram(self));	/* and again after the reset */
	EXPECT_EQ(0, report_ram(self));

	/* close while logging (the BAR2 mapping holds the file open too) */
	if (self->g.gpu.vram) {
		ASSERT_EQ(0, munmap(self->g.gpu.vram, self->g.gpu.vram_size));
		self->g.gpu.vram = NULL;
	}
	libmvgpu_close_device(d);
	/* through the group, or the cdev bound and attached again */
	ASSERT_EQ(0, libmvgpu_open_device(d));
	EXPECT_EQ(-EINVAL, report_ram(self));
	EXPECT_EQ(0, start_ram(self));
	EXPECT_EQ(0, log_stop(dev(self)));
}

/* What the VMM may pass: refused cleanly, the vGPU unharmed. */
TEST_F_TIMEOUT(dlog, malformed_requests, 120)
{
	uint64_t iova = self->g.gpu.ram.iova, len = self->g.gpu.ram.size;
	struct vfio_device_feature_dma_logging_range r[2] = {
		{ .iova = iova, .length = len },
		{ .iova = iova + len - PAGE, .length = 2 * PAGE },
	};
	struct vfio_device_feature_dma_logging_range *many;
	unsigned int n = 4096 / sizeof(*many) + 1, i;
	void *hole;
	int ret;

	many = calloc(n, sizeof(*many));
	ASSERT_NE(NULL, many);
	for (i = 0; i < n; i++) {
		many[i].iova = iova + (uint64_t)i * PAGE;
		many[i].length = PAGE;
	}
	EXPECT_EQ(-EINVAL, log_start(dev(self), r, 1, 0));
	EXPECT_EQ(-EINVAL, log_start(dev(self), r, 1, 3 * PAGE));
	EXPECT_EQ(-EINVAL, log_start(dev(self), r, 2, PAGE));	/* overlap */
	EXPECT_EQ(-E2BIG, log_start(dev(self), many, n, PAGE));
	r[1].iova = ~0ull & ~(uint64_t)(PAGE - 1);
	EXPECT_EQ(-EOVERFLOW, log_start(dev(self), &r[1], 1, PAGE));
	EXPECT_EQ(-EINVAL, log_start(dev(self), r, 0, PAGE));
	/* the most ranges the core takes: works */
	ASSERT_EQ(0, log_start(dev(self), many, n - 1, PAGE));
	EXPECT_EQ(-EINVAL, log_report(dev(self), iova, len, 512, self->bits));
	EXPECT_EQ(-EINVAL, log_report(dev(self), iova, len, 3 * PAGE,
				      self->bits));
	EXPECT_EQ(-EOVERFLOW, log_report(dev(self), ~0ull - PAGE, 2 * PAGE,
					 PAGE, self->bits));
	/* a page to report, into a bitmap the VMM cannot write */
	ASSERT_EQ(0, libmvgpu_emit_fill(&self->ctx, self->dst.va, PAGE, 1));
	run(_metadata, self);
	hole = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	/*
	 * On 6.1 the core pins the bitmap first: EFAULT. On 6.12 and 7.3
	 * iova_bitmap_set() pins it as it goes and ignores a failure to
	 * (drivers/iommu/iommufd/iova_bitmap.c): 0, the page lost to
	 * the VMM that passed the bad bitmap. Either way the host is fine.
	 */
	ret = log_report(dev(self), iova, len, PAGE, hole);
	EXPECT_TRUE(ret == -EFAULT || ret == 0) TH_LOG("%s", strerror(-ret));
	munmap(hole, PAGE);
	/* the whole 64-bit space at 1 TiB a bit (a 2 MiB bitmap) */
	{
		uint64_t *b = calloc(1ull << 18, 8);

		ASSERT_NE(NULL, b);
		EXPECT_EQ(0, log_report(dev(self), 0, ~0ull, 1ull << 40, b));
		free(b);
	}
	EXPECT_EQ(0, log_stop(dev(self)));
	free(many);
	/* a range of length 0 at iova 0 (the core: [0, ULONG_MAX]) is none */
	r[0].iova = 0;
	r[0].length = 0;
	ASSERT_EQ(0, log_start(dev(self), r, 1, PAGE));
	ASSERT_EQ(0, libmvgpu_emit_fill(&self->ctx, self->dst.va, PAGE, 1));
	run(_metadata, self);
	ASSERT_EQ(0, report_ram(self));
	expect_exactly(_metadata, self, 0, 0, false, "no range");
	EXPECT_EQ(0, log_stop(dev(self)));
	logging_works(_metadata, self);
}

struct racer {
	int fd;
	uint64_t iova, size;
	volatile bool *stop;
	unsigned long ops;
	int bad;
};

/* START/REPORT/STOP in a loop: each may fail as the others interleave. */
static void *race_log(void *arg)
{
	struct racer *r = arg;
	struct vfio_device_feature_dma_logging_range range = {
		.iova = r->iova, .length = r->size,
	};
	uint64_t *bits = calloc(r->size / PAGE / 64 + 1, 8);
	int ret;

	while (bits && !*r->stop) {
		ret = log_start(r->fd, &range, 1, PAGE);
		if (ret && ret != -EBUSY)
			r->bad = ret;
		ret = log_report(r->fd, r->iova, r->size, PAGE, bits);
		if (ret && ret != -EINVAL)
			r->bad = ret;
		if (r->ops++ % 3 == 0 && log_stop(r->fd))
			r->bad = -EIO;
	}
	free(bits);
	return NULL;
}

static void *race_reset(void *arg)
{
	struct racer *r = arg;

	while (!*r->stop) {
		if (ioctl(r->fd, VFIO_DEVICE_RESET))
			r->bad = -errno;
		r->ops++;
		usleep(20000);
	}
	return NULL;
}

/*
 * START, REPORT, STOP from two threads, VFIO_DEVICE_RESET from a third,
 * while the engine writes: only the expected errors, and the console
 * stays clean (lockdep on the debug kernel).
 */
TEST_F_TIMEOUT(dlog, concurrent_start_stop_report_reset, 240)
{
	volatile bool stop = false;
	struct racer r[3];
	pthread_t t[3];
	time_t end = time(NULL) + 8;
	unsigned int i;

	for (i = 0; i < 3; i++)
		r[i] = (struct racer) {
			.fd = dev(self), .iova = self->g.gpu.ram.iova,
			.size = self->g.gpu.ram.size, .stop = &stop,
		};
	ASSERT_EQ(0, pthread_create(&t[0], NULL, race_log, &r[0]));
	ASSERT_EQ(0, pthread_create(&t[1], NULL, race_log, &r[1]));
	ASSERT_EQ(0, pthread_create(&t[2], NULL, race_reset, &r[2]));
	while (time(NULL) < end) {
		/* a reset disables the context: enable it again and write */
		libmvgpu_ctx_enable(&self->ctx);
		libmvgpu_emit_fill(&self->ctx, self->dst.va, BUF_SIZE, 7);
		libmvgpu_ctx_sync(&self->ctx, 2000);
	}
	stop = true;
	for (i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, r[i].bad) TH_LOG("thread %u: %s", i,
					      strerror(-r[i].bad));
		EXPECT_LT(0, r[i].ops);
	}
	log_stop(dev(self));
	libmvgpu_ctx_enable(&self->ctx);
	logging_works(_metadata, self);
}

TEST_HARNESS_MAIN

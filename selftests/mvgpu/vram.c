// SPDX-License-Identifier: GPL-2.0
/*
 * vram: BAR2, the vGPU's VRAM: mmap and pread/pwrite agree, a new vGPU
 * reads zero, vGPUs never see each other's data, reset and re-creation
 * clear it. A BAR2 mapping is a PFN mapping: no kernel path can take a
 * reference to its pages (vmsplice, process_vm_readv/writev, /proc/PID/mem,
 * io_uring fixed buffers), so none outlives the vGPU, and every reset
 * revokes the mapping's page table entries. Where BAR2 cannot be mapped
 * (before 6.10) the cases about VRAM's contents reach it through the
 * device file (struct mt_vram) and those about the mapping skip.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/io_uring.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "mvgpu_test.h"

#define BAR2		VFIO_PCI_BAR2_REGION_INDEX
#define NR_VGPUS	3
#define PAGE		4096ul
#define NR_REF		8	/* pages an attacker tries to keep */
#define NR_TOUCH	64	/* pages touched around a reset */
#define PCIE_DEVCTL	(0x60 + 0x08)
#define DEVCTL_FLR	0x8000

FIXTURE(vram) {
	struct mt_vgpu v[NR_VGPUS];
	struct mt_vram m[NR_VGPUS];	/* mapped, or a copy before 6.10 */
	int setup_err;
	char msg[256];
};

FIXTURE_SETUP(vram)
{
	int i;

	for (i = 0; i < NR_VGPUS; i++) {
		mt_vgpu_init(&self->v[i]);
		memset(&self->m[i], 0, sizeof(self->m[i]));
	}
	/*
	 * Where the kernel cannot map BAR2 (before 6.10) the cases about
	 * VRAM's contents reach it through the device file (struct
	 * mt_vram), those about the mapping skip (NEED_MAPPING()); add()
	 * checks that the vGPU's region flags say the same.
	 */
	ASSERT_LE(0, mt_kernel_vfio_inode());
	self->setup_err = mt_check_state(self->msg, sizeof(self->msg));
}

FIXTURE_TEARDOWN(vram)
{
	int i, ret;

	for (i = 0; i < NR_VGPUS; i++) {
		mt_vram_put(&self->m[i]);
		ret = mt_vgpu_destroy(&self->v[i]);
		if (ret)
			TH_LOG("removing %s: %s", self->v[i].uuid,
			       strerror(-ret));
	}
}

/* A case about the BAR2 mapping itself: it needs a kernel that maps BAR2. */
#define NEED_MAPPING() do { \
	if (!mt_kernel_vfio_inode()) \
		SKIP(return, MT_NO_BAR2_MMAP); \
} while (0)

/* Create, open and map vGPU i (a copy of its VRAM where not mappable). */
static void add(struct __test_metadata *_metadata, FIXTURE_DATA(vram) *self,
		int i, const char *parent, const struct mt_type *t)
{
	struct vfio_region_info info;
	int ret;

	ASSERT_EQ(0, mt_vgpu_create_open(&self->v[i], parent, t));
	ASSERT_EQ(0, libmvgpu_region_info(&self->v[i].dev, BAR2, &info));
	ASSERT_EQ(mt_type_vram(t), info.size);
	ASSERT_EQ(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
		  (mt_kernel_vfio_inode() ? VFIO_REGION_INFO_FLAG_MMAP : 0),
		  info.flags);
	ret = mt_vram_get(&self->m[i], &self->v[i].dev);
	if (ret)
		TH_LOG("BAR2 (mmap or copy): %s", strerror(-ret));
	ASSERT_EQ(0, ret);
	ASSERT_EQ(mt_type_vram(t), self->m[i].len);
}

static void drop(struct __test_metadata *_metadata, FIXTURE_DATA(vram) *self,
		 int i)
{
	int ret;

	mt_vram_put(&self->m[i]);
	ret = mt_vgpu_destroy(&self->v[i]);
	ASSERT_EQ(0, ret);
}

/* Every page of the mapping reads zero. */
static void expect_zero(struct __test_metadata *_metadata, const void *p,
			size_t len, const char *what)
{
	long long at = mt_find_nonzero(p, len);

	if (at >= 0)
		TH_LOG("%s: byte 0x%llx (page %llu) is 0x%02x, want 0", what,
		       at, at / PAGE, ((const uint8_t *)p)[at]);
	EXPECT_EQ(-1, at);
}

static void expect_pattern(struct __test_metadata *_metadata, const void *p,
			   size_t len, uint32_t seed, const char *what)
{
	long long at = mt_pattern_check(p, len, 0, seed);

	if (at >= 0)
		TH_LOG("%s: pattern %u differs at 0x%llx", what, seed, at);
	EXPECT_EQ(-1, at);
}

/*
 * The same of a vGPU's VRAM as the test sees it (the mapping, or the copy
 * read afresh through the device file).
 */
static void expect_zero_m(struct __test_metadata *_metadata,
			  struct mt_vram *m, const char *what)
{
	ASSERT_EQ(0, mt_vram_pull(m));
	expect_zero(_metadata, m->p, m->len, what);
}

static void expect_pattern_m(struct __test_metadata *_metadata,
			     struct mt_vram *m, uint32_t seed, const char *what)
{
	ASSERT_EQ(0, mt_vram_pull(m));
	expect_pattern(_metadata, m->p, m->len, seed, what);
}

/* Write the pattern of seed, or the byte c, to all of a vGPU's VRAM. */
static void fill_m(struct __test_metadata *_metadata, struct mt_vram *m,
		   uint32_t seed)
{
	mt_pattern_fill(m->p, m->len, 0, seed);
	ASSERT_EQ(0, mt_vram_push(m));
}

static void set_m(struct __test_metadata *_metadata, struct mt_vram *m, int c)
{
	memset(m->p, c, m->len);
	ASSERT_EQ(0, mt_vram_push(m));
}

/* Read the whole BAR through pread, in 1 MiB pieces, into buf. */
static void pread_all(struct __test_metadata *_metadata,
		      struct libmvgpu_dev *dev, void *buf, size_t len)
{
	size_t off, chunk = 1 << 20;

	for (off = 0; off < len; off += chunk)
		ASSERT_EQ((ssize_t)chunk,
			  libmvgpu_region_read(dev, BAR2, off, (char *)buf + off,
					       chunk));
}

/* VRAM of vGPU i reads zero through its mapping and through pread. */
static void expect_zero_vram(struct __test_metadata *_metadata,
			     FIXTURE_DATA(vram) *self, int i)
{
	void *buf;

	expect_zero_m(_metadata, &self->m[i], self->m[i].copy ? "copy" : "mmap");
	buf = malloc(self->m[i].len);
	ASSERT_NE(NULL, buf);
	memset(buf, 0xff, self->m[i].len);
	pread_all(_metadata, &self->v[i].dev, buf, self->m[i].len);
	expect_zero(_metadata, buf, self->m[i].len, "pread");
	free(buf);
}

TEST_F(vram, fresh_reads_zero)
{
	CHECK_SETUP();
	add(_metadata, self, 0, MT_PARENT0, MT_T12);	/* 64 MiB */
	expect_zero_vram(_metadata, self, 0);
}

TEST_F(vram, mmap_and_pread_pwrite_agree)
{
	static const struct {
		uint64_t off;
		size_t len;
	} pieces[] = {
		{ 0, 1 }, { 1, 3 }, { 5, 2 }, { 0x1000 - 3, 8 },
		{ 0x12345, 4096 + 5 }, { 0x200000 - 17, 0x3000 },
	};
	uint8_t *map, buf[0x4000], back[0x4000];
	size_t len, i;

	CHECK_SETUP();
	NEED_MAPPING();
	add(_metadata, self, 0, MT_PARENT0, MT_T18);	/* 16 MiB */
	map = self->m[0].p;
	len = self->m[0].len;

	/* written by mmap, read by pread */
	mt_pattern_fill(map, len, 0, 7);
	expect_pattern(_metadata, map, len, 7, "mmap");
	for (i = 0; i < MT_ARRAY_SIZE(pieces); i++) {
		ASSERT_EQ((ssize_t)pieces[i].len,
			  libmvgpu_region_read(&self->v[0].dev, BAR2,
					       pieces[i].off, buf,
					    pieces[i].len));
		EXPECT_EQ(0, memcmp(buf, map + pieces[i].off, pieces[i].len));
	}
	ASSERT_EQ(4, libmvgpu_region_read(&self->v[0].dev, BAR2, len - 4, buf,
					  4));
	EXPECT_EQ(0, memcmp(buf, map + len - 4, 4));

	/* written by pwrite, read by mmap and pread */
	for (i = 0; i < MT_ARRAY_SIZE(pieces); i++) {
		memset(buf, 0x31 + i, pieces[i].len);
		ASSERT_EQ((ssize_t)pieces[i].len,
			  libmvgpu_region_write(&self->v[0].dev, BAR2,
						pieces[i].off, buf,
					     pieces[i].len));
		EXPECT_EQ(0, memcmp(buf, map + pieces[i].off, pieces[i].len));
		memset(back, 0, sizeof(back));
		ASSERT_EQ((ssize_t)pieces[i].len,
			  libmvgpu_region_read(&self->v[0].dev, BAR2,
					       pieces[i].off, back,
					    pieces[i].len));
		EXPECT_EQ(0, memcmp(buf, back, pieces[i].len));
	}
	/* the bytes around the last piece are untouched */
	EXPECT_EQ(-1, mt_pattern_check(map + 0x300000, 0x1000, 0x300000, 7));
	EXPECT_EQ(-1, mt_pattern_check(map + 0x1ff000, 0xfe0, 0x1ff000, 7));

	/* a second mapping sees the same memory */
	{
		size_t len2;
		uint8_t *map2 = libmvgpu_region_mmap(&self->v[0].dev, BAR2,
						  &len2);

		ASSERT_NE(MAP_FAILED, map2);
		EXPECT_EQ(0, memcmp(map, map2, len));
		map2[12345] = 0x77;
		EXPECT_EQ(0x77, map[12345]);
		munmap(map2, len2);
	}
}

/* No vGPU sees another's VRAM, on the same GPU or the other one */
TEST_F(vram, isolation)
{
	size_t i;

	CHECK_SETUP();
	add(_metadata, self, 0, MT_PARENT0, MT_T18);
	fill_m(_metadata, &self->m[0], 1);
	add(_metadata, self, 1, MT_PARENT0, MT_T18);
	add(_metadata, self, 2, MT_PARENT1, MT_T18);
	expect_zero_m(_metadata, &self->m[1], "same GPU");
	expect_zero_m(_metadata, &self->m[2], "other GPU");
	for (i = 1; i < NR_VGPUS; i++)
		fill_m(_metadata, &self->m[i], 1 + i);
	expect_pattern_m(_metadata, &self->m[0], 1, "first");
	expect_pattern_m(_metadata, &self->m[1], 2, "second");
	expect_pattern_m(_metadata, &self->m[2], 3, "third");

	/* clearing one by reset leaves the others alone */
	ASSERT_EQ(0, libmvgpu_reset(&self->v[1].dev));
	expect_zero_m(_metadata, &self->m[1], "after reset");
	expect_pattern_m(_metadata, &self->m[0], 1, "neighbour");
	expect_pattern_m(_metadata, &self->m[2], 3, "other GPU");
}

TEST_F(vram, reset_clears)
{
	CHECK_SETUP();
	add(_metadata, self, 0, MT_PARENT1, MT_T14);
	set_m(_metadata, &self->m[0], 0xa5);
	ASSERT_EQ(0, libmvgpu_reset(&self->v[0].dev));
	expect_zero_vram(_metadata, self, 0);
	/* usable again after the reset */
	fill_m(_metadata, &self->m[0], 9);
	expect_pattern_m(_metadata, &self->m[0], 9, "reuse");
}

/* Closing the device clears the VRAM too: the next user sees zeroes */
TEST_F(vram, close_clears)
{
	CHECK_SETUP();
	add(_metadata, self, 0, MT_PARENT0, MT_T14);
	set_m(_metadata, &self->m[0], 0xe7);
	mt_vram_put(&self->m[0]);
	libmvgpu_close(&self->v[0].dev);

	ASSERT_EQ(0, mt_vgpu_open(&self->v[0]));
	ASSERT_EQ(0, mt_vram_get(&self->m[0], &self->v[0].dev));
	expect_zero_m(_metadata, &self->m[0], "reopened");
}

/*
 * A 1/1 vGPU owns all of the GPU's VRAM, so its successor gets the very
 * same memory: it must read zero.
 */
TEST_F(vram, recreate_reads_zero)
{
	CHECK_SETUP();
	add(_metadata, self, 0, MT_PARENT1, MT_T11);
	set_m(_metadata, &self->m[0], 0x5c);
	drop(_metadata, self, 0);
	add(_metadata, self, 0, MT_PARENT1, MT_T11);
	expect_zero_m(_metadata, &self->m[0], "recreated 1/1");

	/* and through smaller types carved from the same memory */
	set_m(_metadata, &self->m[0], 0x3c);
	drop(_metadata, self, 0);
	add(_metadata, self, 0, MT_PARENT1, MT_T12);
	add(_metadata, self, 1, MT_PARENT1, MT_T12);
	expect_zero_m(_metadata, &self->m[0], "recreated 1/2 a");
	expect_zero_m(_metadata, &self->m[1], "recreated 1/2 b");
}

/* Bytes waiting in a pipe, or -1. */
static int pipe_bytes(int fd)
{
	int n = -1;

	return ioctl(fd, FIONREAD, &n) ? -1 : n;
}

/*
 * vmsplice() would put the mapping's pages themselves into the pipe, where
 * they stay after the vGPU is gone: refused, nothing enters the pipe.
 */
TEST_F(vram, vmsplice_refused)
{
	struct iovec iov;
	ssize_t ret;
	int p[2];
	char c;

	CHECK_SETUP();
	NEED_MAPPING();
	add(_metadata, self, 0, MT_PARENT0, MT_T18);
	mt_pattern_fill(self->m[0].p, self->m[0].len, 0, 21);
	ASSERT_EQ(0, pipe2(p, O_NONBLOCK));

	iov.iov_base = self->m[0].p;
	iov.iov_len = NR_REF * PAGE;
	errno = 0;
	ret = vmsplice(p[1], &iov, 1, 0);
	EXPECT_EQ(-1, ret) TH_LOG("vmsplice took %zd bytes of BAR2", ret);
	EXPECT_EQ(EFAULT, errno);
	/* one page at the mapping's end, and a piece of one */
	iov.iov_base = (char *)self->m[0].p + self->m[0].len - PAGE;
	iov.iov_len = PAGE;
	errno = 0;
	EXPECT_EQ(-1, vmsplice(p[1], &iov, 1, 0));
	EXPECT_EQ(EFAULT, errno);
	iov.iov_base = (char *)self->m[0].p + 100;
	iov.iov_len = 10;
	errno = 0;
	EXPECT_EQ(-1, vmsplice(p[1], &iov, 1, SPLICE_F_GIFT));
	EXPECT_EQ(EFAULT, errno);

	EXPECT_EQ(0, pipe_bytes(p[0]));
	errno = 0;
	EXPECT_EQ(-1, read(p[0], &c, 1));
	EXPECT_EQ(EAGAIN, errno);
	close(p[0]);
	close(p[1]);
	/* the mapping itself works as before */
	expect_pattern(_metadata, self->m[0].p, self->m[0].len, 21, "mmap");
}

/*
 * The other ways the kernel takes a process's pages (get_user_pages): the
 * remote side of process_vm_readv()/writev(), /proc/PID/mem (what ptrace
 * uses), an io_uring fixed buffer (a long-term pin, like O_DIRECT I/O in
 * flight; the test VM has no O_DIRECT-capable file system). All fail, and
 * nothing is read or written.
 */
TEST_F(vram, gup_paths_refused)
{
	struct io_uring_params params;
	struct iovec local, remote;
	uint8_t buf[2 * PAGE];
	ssize_t ret;
	int fd;

	CHECK_SETUP();
	NEED_MAPPING();
	add(_metadata, self, 0, MT_PARENT0, MT_T18);
	mt_pattern_fill(self->m[0].p, 2 * PAGE, 0, 22);
	local.iov_base = buf;
	local.iov_len = sizeof(buf);
	remote.iov_base = self->m[0].p;
	remote.iov_len = sizeof(buf);

	memset(buf, 0, sizeof(buf));
	errno = 0;
	ret = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	EXPECT_EQ(-1, ret) TH_LOG("process_vm_readv read %zd bytes", ret);
	/* ENOSYS: a kernel without CROSS_MEMORY_ATTACH (the debug kernel) */
	EXPECT_TRUE(errno == EFAULT || errno == ENOSYS) TH_LOG("errno %d", errno);
	EXPECT_EQ(-1, mt_find_nonzero(buf, sizeof(buf)));
	memset(buf, 0xee, sizeof(buf));
	errno = 0;
	ret = process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
	EXPECT_EQ(-1, ret) TH_LOG("process_vm_writev wrote %zd bytes", ret);
	EXPECT_TRUE(errno == EFAULT || errno == ENOSYS) TH_LOG("errno %d", errno);

	fd = open("/proc/self/mem", O_RDWR);
	ASSERT_LE(0, fd);
	errno = 0;
	ret = pread(fd, buf, PAGE, (off_t)(uintptr_t)self->m[0].p);
	EXPECT_EQ(-1, ret) TH_LOG("/proc/self/mem read %zd bytes", ret);
	EXPECT_EQ(EIO, errno);
	errno = 0;
	ret = pwrite(fd, buf, PAGE, (off_t)(uintptr_t)self->m[0].p + PAGE);
	EXPECT_EQ(-1, ret) TH_LOG("/proc/self/mem wrote %zd bytes", ret);
	EXPECT_EQ(EIO, errno);
	close(fd);

	memset(&params, 0, sizeof(params));
	fd = syscall(__NR_io_uring_setup, 4, &params);
	ASSERT_LE(0, fd) TH_LOG("io_uring_setup: %s", strerror(errno));
	errno = 0;
	EXPECT_EQ(-1, syscall(__NR_io_uring_register, fd,
			      IORING_REGISTER_BUFFERS, &remote, 1));
	EXPECT_EQ(EFAULT, errno);
	close(fd);

	/* none of it wrote */
	expect_pattern(_metadata, self->m[0].p, 2 * PAGE, 22, "mmap");
}

/*
 * The attack: keep references to BAR2 pages (vmsplice into a pipe), then
 * unmap, close and remove the vGPU and let a new one have the very same
 * memory (a 1/1 vGPU owns all of the GPU's VRAM). Nothing obtained before
 * shows the new vGPU's data.
 */
TEST_F(vram, refs_do_not_outlive_vgpu)
{
	uint8_t buf[NR_REF * PAGE];
	struct iovec iov;
	ssize_t ret, n;
	int p[2];

	CHECK_SETUP();
	NEED_MAPPING();
	add(_metadata, self, 0, MT_PARENT1, MT_T11);
	memset(self->m[0].p, 0x11, NR_REF * PAGE);
	ASSERT_EQ(0, pipe2(p, O_NONBLOCK));
	iov.iov_base = self->m[0].p;
	iov.iov_len = NR_REF * PAGE;
	ret = vmsplice(p[1], &iov, 1, 0);
	EXPECT_EQ(-1, ret) TH_LOG("vmsplice took %zd bytes of BAR2", ret);

	drop(_metadata, self, 0);
	add(_metadata, self, 0, MT_PARENT1, MT_T11);
	mt_pattern_fill(self->m[0].p, NR_REF * PAGE, 0, 23);

	errno = 0;
	n = read(p[0], buf, sizeof(buf));
	if (n > 0)
		TH_LOG("the pipe gave %zd bytes; the new vGPU's data: %s", n,
		       mt_pattern_check(buf, n, 0, 23) == -1 ? "yes" : "no");
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EAGAIN, errno);
	close(p[0]);
	close(p[1]);
	expect_pattern(_metadata, self->m[0].p, NR_REF * PAGE, 23, "new vGPU");
}

/*
 * Page faults this thread takes reading a byte of each page of
 * [p, p + len): 0 when every page has a page table entry. (mincore() and
 * /proc/self/pagemap do not look into PFN mappings.)
 */
static long touch_faults(const void *p, size_t len)
{
	const volatile uint8_t *b = p;
	struct rusage r0, r1;
	size_t off;

	getrusage(RUSAGE_THREAD, &r0);
	for (off = 0; off < len; off += PAGE)
		(void)b[off];
	getrusage(RUSAGE_THREAD, &r1);
	return (r1.ru_minflt - r0.ru_minflt) + (r1.ru_majflt - r0.ru_majflt);
}

/*
 * Every kind of reset takes the mapping's page table entries away (the
 * next access faults the page in again, as zero); the mapping stays
 * usable.
 */
TEST_F(vram, reset_revokes_mapping)
{
	static const char *const kinds[] = {
		"VFIO_DEVICE_RESET", "FLR", "RESET register",
	};
	struct libmvgpu_dev *dev;
	uint8_t *map, buf[PAGE];
	uint16_t devctl;
	size_t len = NR_TOUCH * PAGE;
	unsigned int k;
	long faults;

	CHECK_SETUP();
	NEED_MAPPING();
	add(_metadata, self, 0, MT_PARENT0, MT_T18);
	dev = &self->v[0].dev;
	map = self->m[0].p;
	for (k = 0; k < MT_ARRAY_SIZE(kinds); k++) {
		memset(map, 0x40 + k, len);
		EXPECT_EQ(0, touch_faults(map, len));
		switch (k) {
		case 0:
			ASSERT_EQ(0, libmvgpu_reset(dev));
			break;
		case 1:
			ASSERT_EQ(0, libmvgpu_cfg_read16(dev, PCIE_DEVCTL,
							 &devctl));
			ASSERT_EQ(0, libmvgpu_cfg_write16(dev, PCIE_DEVCTL,
							  devctl | DEVCTL_FLR));
			break;
		default:
			ASSERT_EQ(0, libmvgpu_reg_write(dev, MVGPU_REG_RESET,
							MVGPU_RESET_MAGIC));
		}
		faults = touch_faults(map, len);
		EXPECT_LE(NR_TOUCH, faults)
			TH_LOG("%ld of %d pages faulted after %s", faults,
			       NR_TOUCH, kinds[k]);
		expect_zero(_metadata, map, len, kinds[k]);
		EXPECT_EQ(0, touch_faults(map, len));
		/* writable again, and the write is the VRAM's */
		map[PAGE + 7] = 0x99;
		ASSERT_EQ((ssize_t)PAGE, libmvgpu_region_read(dev, BAR2, PAGE,
							      buf, PAGE));
		EXPECT_EQ(0x99, buf[7]);
	}
}

TEST_HARNESS_MAIN

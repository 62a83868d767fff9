// SPDX-License-Identifier: GPL-2.0
/*
 * migration: live migration of a vGPU through VFIO migration v2, driven
 * the way QEMU drives it (Documentation/mvgpu/migration.rst).
 *
 * The "guest" is this process: vGPU A (mvgpu0) and vGPU B of the same
 * type (mvgpu1) map the same anonymous memory as guest RAM at the same
 * IOVA, as if QEMU had already moved the RAM; the device stream read from
 * A is written into B, and the work goes on on B. Covered: the states and
 * their arcs, a command stopped between chunks, registers and VRAM, a
 * context waiting on a semaphore, pre-copy sending exactly what changed
 * (engine writes, BAR2 mappings, BAR2 region writes; a write after a read
 * through a mapping) and losing no page under a writing workload, cancel,
 * type1 reporting the pages the engine wrote, and malformed streams
 * refused with the vGPU usable afterwards.
 * A stream is the VMM's to forge: its scheduling settings are ignored,
 * its config space starts no FLR, and a write of a flood of ZERO records
 * still dies when killed.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "engine_test.h"

#define VRAM_OFF	(1u << 20)
#define VRAM_BUF	(256u << 10)
#define SYS_BUF		(64u << 10)
#define GEMM_N		160
#define GEMM_BYTES	(GEMM_N * GEMM_N * 4)
#define VA_GEMM_A	ET_VA_DST
#define VA_GEMM_B	(ET_VA_DST + 0x100000)
#define VA_GEMM_C	(ET_VA_DST + 0x200000)
#define PAGE		4096u

/* Read a data fd into s (see libmvgpu_mig_read()); 0 or -errno. */
static int stream_read_max(int fd, struct libmvgpu_mig_stream *s, bool precopy,
			   size_t max)
{
	ssize_t n = libmvgpu_mig_read(fd, s, precopy, max);

	return n < 0 ? (int)n : 0;
}

static int stream_read(int fd, struct libmvgpu_mig_stream *s, bool precopy)
{
	return stream_read_max(fd, s, precopy, SIZE_MAX);
}

/* RUNNING (or STOP) -> STOP_COPY, the whole stream, -> STOP. */
static int save_stop_copy(struct libmvgpu_dev *dev, struct libmvgpu_mig_stream *s)
{
	int fd, ret;

	ret = libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	if (ret)
		return ret;
	ret = stream_read(fd, s, false);
	close(fd);
	if (!ret)
		ret = libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_STOP, NULL);
	return ret;
}

/* PRE_COPY -> STOP_COPY, the rest of the stream from fd (closed), -> STOP. */
static void end_precopy(struct __test_metadata *_metadata,
			struct libmvgpu_dev *dev, int fd,
			struct libmvgpu_mig_stream *s)
{
	ASSERT_EQ(0, libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_STOP_COPY,
					    NULL));
	ASSERT_EQ(0, stream_read(fd, s, false));
	close(fd);
	ASSERT_EQ(0, libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_STOP, NULL));
}

/*
 * In a test that needs pre-copy: SKIP when the vGPU has none, which it
 * offers exactly where the kernel has it (mt_has_precopy(): from 6.2).
 */
#define NEED_PRECOPY(dev) do { \
	int __pre = mt_has_precopy(dev); \
	ASSERT_LE(0, __pre) TH_LOG("migration flags against the kernel"); \
	if (!__pre) \
		SKIP(return, MT_NO_PRECOPY); \
} while (0)

/*
 * In a test that works on A's or B's VRAM through BAR2 mappings: SKIP
 * where the kernel cannot map BAR2 (et_up_flags() allows that only there).
 */
#define NEED_VRAM_MAP() do { \
	if (!self->a.gpu.vram) \
		SKIP(return, MT_NO_BAR2_MMAP); \
} while (0)

/*
 * STOP -> RESUMING, write the stream in chunks of chunk bytes, -> STOP.
 * Returns the first error: of a write, else of the last arc.
 */
static int load(struct libmvgpu_dev *dev, const uint8_t *data, size_t len,
		size_t chunk)
{
	int fd, ret, ret2;

	ret = libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_STOP, NULL);
	if (!ret)
		ret = libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_RESUMING, &fd);
	if (ret)
		return ret;
	ret = libmvgpu_mig_write(fd, data, len, chunk);
	close(fd);
	ret2 = libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_STOP, NULL);
	return ret ? ret : ret2;
}

static int load_and_run(struct libmvgpu_dev *dev, const struct libmvgpu_mig_stream *s)
{
	int ret = load(dev, s->data, s->len, 100000);

	return ret ? ret : libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_RUNNING,
					       NULL);
}

static uint32_t crc32_std(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t c = ~0u;
	int k;

	while (n--) {
		c ^= *b++;
		for (k = 0; k < 8; k++)
			c = c >> 1 ^ (0xedb88320u & -(c & 1));
	}
	return ~c;
}

/* Offset of the first record of kind, or -1. */
static long find_record(const struct libmvgpu_mig_stream *s, uint32_t kind)
{
	size_t off = 0;

	while (off + sizeof(struct mvgpu_mig_record) <= s->len) {
		const struct mvgpu_mig_record *r = (void *)(s->data + off);

		if (r->kind == kind)
			return off;
		off += sizeof(*r) + r->length;
	}
	return -1;
}

/* Recompute the CRC of the record at off after a test changed it. */
static void fix_crc(struct libmvgpu_mig_stream *s, long off)
{
	struct mvgpu_mig_record *r = (void *)(s->data + off);

	r->crc = crc32_std(r + 1, r->length);
}

/* The STATE payload of a stream (its record at *off), or NULL. */
static struct mvgpu_mig_state *stream_state(struct libmvgpu_mig_stream *s,
					    long *off)
{
	*off = find_record(s, MVGPU_MIG_REC_STATE);
	if (*off < 0)
		return NULL;
	return (void *)(s->data + *off + sizeof(struct mvgpu_mig_record));
}

/* Write str to a vGPU's attribute mvgpu/<attr>; 0 or -errno. */
static int vgpu_attr_write(const char *uuid, const char *attr,
			   const char *str)
{
	char rel[64], path[512];
	int ret;

	snprintf(rel, sizeof(rel), "mvgpu/%s", attr);
	ret = libmvgpu_path_mdev(path, sizeof(path), uuid, rel);
	return ret ? ret : libmvgpu_sysfs_write(path, str);
}

/* Mark in pages[] every VRAM page the records from off on carry. */
static void vram_pages_sent(const struct libmvgpu_mig_stream *s, size_t off, bool *pages,
			    size_t nr)
{
	while (off + sizeof(struct mvgpu_mig_record) <= s->len) {
		const struct mvgpu_mig_record *r = (void *)(s->data + off);

		if (r->kind == MVGPU_MIG_REC_VRAM ||
		    r->kind == MVGPU_MIG_REC_ZERO) {
			const uint64_t *p = (const void *)(r + 1);
			uint64_t at = p[0] / PAGE, i, n;

			n = r->kind == MVGPU_MIG_REC_ZERO ? p[1] / PAGE :
							    (r->length - 8) / PAGE;
			for (i = 0; i < n; i++)
				if (at + i < nr)
					pages[at + i] = true;
		}
		off += sizeof(*r) + r->length;
	}
}

FIXTURE(mig) {
	struct et_gpu a, b;
	struct libmvgpu_gpu gpu_b;		/* A's guest RAM, B's device */
	struct libmvgpu_ctx ctx;
	struct et_buf sys, vram, ga, gb, gc;
	struct libmvgpu_mig_stream s;
	uint64_t seed;
	char msg[256];
};

static int mig_build(FIXTURE_DATA(mig) *self)
{
	struct libmvgpu_gpu *gpu = &self->a.gpu;
	struct libmvgpu_pt *pt = &self->a.pt;
	int ret;

	/*
	 * Where BAR2 cannot be mapped the cases reach VRAM through the device
	 * file (libmvgpu_vram_*()); the pre-copy ones, which write through
	 * the mapping, skip there (NEED_VRAM_MAP()).
	 */
	ret = et_up_flags(&self->a, MT_PARENT0, MT_T14, ET_RAM_SIZE,
			  ET_UNMAPPED_OK, self->msg, sizeof(self->msg));
	if (ret)
		return ret;
	snprintf(self->msg, sizeof(self->msg), "buffers / context on A");
	ret = et_buf_sys(gpu, pt, ET_VA_SRC, SYS_BUF, 0, LIBMVGPU_MAP_WRITE,
			 &self->sys);
	if (!ret)
		ret = et_buf_vram(gpu, pt, ET_VA_VRAM, VRAM_OFF, VRAM_BUF,
				  LIBMVGPU_MAP_WRITE, &self->vram);
	if (!ret)
		ret = et_buf_sys(gpu, pt, VA_GEMM_A, GEMM_BYTES, 0, 0,
				 &self->ga);
	if (!ret)
		ret = et_buf_sys(gpu, pt, VA_GEMM_B, GEMM_BYTES, 0, 0,
				 &self->gb);
	if (!ret)
		ret = et_buf_sys(gpu, pt, VA_GEMM_C, GEMM_BYTES, 0,
				 LIBMVGPU_MAP_WRITE, &self->gc);
	if (!ret)
		ret = libmvgpu_ctx_init(&self->ctx, gpu, pt, 0, 64 << 10);
	if (ret)
		return ret;

	snprintf(self->msg, sizeof(self->msg), "vGPU B with A's guest RAM");
	ret = mt_vgpu_create_open(&self->b.v, MT_PARENT1, MT_T14);
	if (ret)
		return ret;
	self->b.owner = getpid();
	ret = libmvgpu_iommu_map(&self->b.v.dev, gpu->ram.vaddr, gpu->ram.iova,
				 gpu->ram.size);
	if (ret)
		return ret;
	self->gpu_b = *gpu;
	self->gpu_b.dev = &self->b.v.dev;
	self->gpu_b.irq_on = false;
	if (!gpu->vram)
		return 0;	/* a kernel that cannot map BAR2 (et_up_flags()) */
	self->gpu_b.vram = libmvgpu_region_mmap(&self->b.v.dev,
						VFIO_PCI_BAR2_REGION_INDEX,
					     &self->gpu_b.vram_size);
	if (self->gpu_b.vram == MAP_FAILED) {
		self->gpu_b.vram = NULL;
		return -errno;
	}
	return 0;
}

FIXTURE_SETUP(mig)
{
	int ret;

	self->seed = 0x6d1670a11ull ^ getpid();
	mt_vgpu_init(&self->a.v);
	mt_vgpu_init(&self->b.v);
	ret = mt_check_state(self->msg, sizeof(self->msg));
	ASSERT_EQ(0, ret) TH_LOG("%s", self->msg);
	ret = mig_build(self);
	if (ret) {
		et_down(&self->a);
		mt_vgpu_destroy(&self->b.v);
		MT_SKIP_NO_MMAP(ret);
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", self->msg, strerror(-ret));
	}
}

FIXTURE_TEARDOWN_PARENT(mig)
{
	int ret = et_remove(&self->a), ret2 = et_remove(&self->b);

	EXPECT_EQ(0, ret) TH_LOG("remove A: %s", strerror(-ret));
	EXPECT_EQ(0, ret2) TH_LOG("remove B: %s", strerror(-ret2));
}

/* From now on the context's registers are B's. */
static void switch_to_b(FIXTURE_DATA(mig) *self)
{
	self->ctx.gpu = &self->gpu_b;
}

/* Random GEMM inputs in A and B, C cleared. */
static void gemm_inputs(FIXTURE_DATA(mig) *self)
{
	int32_t *a = self->ga.cpu, *b = self->gb.cpu;
	unsigned int i;

	for (i = 0; i < GEMM_N * GEMM_N; i++) {
		a[i] = (int32_t)(libmvgpu_rand64(&self->seed) % 200) - 100;
		b[i] = (int32_t)(libmvgpu_rand64(&self->seed) % 200) - 100;
	}
	memset(self->gc.cpu, 0, GEMM_BYTES);
}

/* C == A x B? */
static bool gemm_right(FIXTURE_DATA(mig) *self)
{
	int32_t *ref = malloc(GEMM_BYTES);
	bool ok;

	if (!ref)
		return false;
	libmvgpu_ref_gemm_i32(self->ga.cpu, self->gb.cpu, ref, GEMM_N, GEMM_N,
			      GEMM_N);
	ok = !memcmp(ref, self->gc.cpu, GEMM_BYTES);
	free(ref);
	return ok;
}

static int emit_gemm(FIXTURE_DATA(mig) *self)
{
	return libmvgpu_emit_gemm(&self->ctx, VA_GEMM_A, VA_GEMM_B, VA_GEMM_C,
			       GEMM_N, GEMM_N, GEMM_N);
}

TEST_F_TIMEOUT(mig, flags_and_arcs, 120)
{
	struct libmvgpu_dev *dev = &self->a.v.dev;
	uint64_t flags, initial, dirty, size;
	uint32_t state;
	char byte;
	int fd, pre;

	/* PRE_COPY and MIG_DATA_SIZE exactly where the kernel has them */
	pre = mt_has_precopy(dev);
	ASSERT_LE(0, pre) TH_LOG("migration flags against the kernel");
	ASSERT_EQ(0, libmvgpu_mig_flags(dev, &flags));
	ASSERT_EQ(VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P |
		  (pre ? VFIO_MIGRATION_PRE_COPY : 0), flags);
	ASSERT_EQ(0, libmvgpu_mig_get_state(dev, &state));
	ASSERT_EQ(VFIO_DEVICE_STATE_RUNNING, state);
	if (pre) {
		ASSERT_EQ(0, libmvgpu_mig_data_size(dev, &size));
		ASSERT_LE(self->a.gpu.vram_size, size);
	} else {
		ASSERT_EQ(-ENOTTY, libmvgpu_mig_data_size(dev, &size));
	}

	/* RUNNING -> RUNNING_P2P -> STOP -> RUNNING_P2P -> RUNNING */
	ASSERT_EQ(0, libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_RUNNING_P2P,
					    &fd));
	ASSERT_EQ(-1, fd);
	ASSERT_EQ(0, libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_STOP, &fd));
	ASSERT_EQ(-1, fd);
	ASSERT_EQ(0, libmvgpu_mig_get_state(dev, &state));
	ASSERT_EQ(VFIO_DEVICE_STATE_STOP, state);
	ASSERT_EQ(0, libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_RUNNING, NULL));
	ASSERT_EQ(0, libmvgpu_ctx_sync(&self->ctx, ET_TIMEOUT_MS));

	if (!pre) {
		/* no such state: refused, the vGPU keeps running */
		ASSERT_EQ(-EINVAL, libmvgpu_mig_set_state(dev,
							  VFIO_DEVICE_STATE_PRE_COPY,
							  &fd));
		ASSERT_EQ(0, libmvgpu_mig_get_state(dev, &state));
		ASSERT_EQ(VFIO_DEVICE_STATE_RUNNING, state);
		goto stop_copy;
	}
	/* PRE_COPY: a data fd with initial bytes; PRE_COPY_P2P and back */
	ASSERT_EQ(0, libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_PRE_COPY, &fd));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, libmvgpu_mig_precopy_info(fd, &initial, &dirty));
	ASSERT_LE(self->a.gpu.vram_size, initial);
	ASSERT_EQ(0, dirty);
	ASSERT_EQ(0, libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_PRE_COPY_P2P,
					    NULL));
	ASSERT_EQ(0, libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_PRE_COPY,
					    NULL));
	ASSERT_EQ(1, read(fd, &byte, 1));
	/* cancel: the session ends, its fd fails */
	ASSERT_EQ(0, libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_RUNNING, NULL));
	ASSERT_EQ(-1, read(fd, &byte, 1));
	ASSERT_EQ(ENODEV, errno);
	ASSERT_EQ(-EINVAL, libmvgpu_mig_precopy_info(fd, &initial, &dirty));
	close(fd);
	ASSERT_EQ(0, libmvgpu_ctx_sync(&self->ctx, ET_TIMEOUT_MS));

stop_copy:
	/*
	 * STOP_COPY cannot go back to PRE_COPY; a reset ends it all. Its data
	 * file has no pre-copy information (and no ioctl at all before 6.2).
	 */
	ASSERT_EQ(0, libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_STOP_COPY,
					    &fd));
	ASSERT_LE(0, fd);
	ASSERT_EQ(pre ? -EINVAL : -ENOTTY,
		  libmvgpu_mig_precopy_info(fd, &initial, &dirty));
	ASSERT_NE(0, libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_PRE_COPY,
					    NULL));
	ASSERT_EQ(0, libmvgpu_reset(dev));
	ASSERT_EQ(0, libmvgpu_mig_get_state(dev, &state));
	ASSERT_EQ(VFIO_DEVICE_STATE_RUNNING, state);
	ASSERT_EQ(-1, read(fd, &byte, 1));
	close(fd);

	/* RESUMING with nothing written: refused, device still in RESUMING */
	ASSERT_EQ(0, libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_STOP, NULL));
	ASSERT_EQ(0, libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_RESUMING, &fd));
	ASSERT_EQ(-EINVAL, libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_STOP,
						  NULL));
	close(fd);
	ASSERT_EQ(0, libmvgpu_reset(dev));
	ASSERT_EQ(0, libmvgpu_mig_get_state(dev, &state));
	ASSERT_EQ(VFIO_DEVICE_STATE_RUNNING, state);
}

TEST_F_TIMEOUT(mig, stop_copy_mid_command, 300)
{
	struct libmvgpu_gpu *ga = &self->a.gpu, *gb = &self->gpu_b;
	uint8_t *pattern = malloc(VRAM_BUF), *back = malloc(VRAM_BUF);
	uint64_t fence_a, busy;
	int64_t seq;

	ASSERT_NE(NULL, pattern);
	et_random_fill(pattern, VRAM_BUF, &self->seed);
	ASSERT_EQ(0, libmvgpu_vram_write(ga, VRAM_OFF, pattern, VRAM_BUF));
	libmvgpu_gpu_wr(ga, MVGPU_REG_SCRATCH, 0x5eed1234);
	libmvgpu_gpu_wr(ga, MVGPU_REG_IRQ_MASK, MVGPU_IRQ_FENCE(0));

	/* VRAM filled by the engine, then a GEMM long enough to be cut */
	ASSERT_EQ(0, libmvgpu_emit_fill(&self->ctx, self->vram.va, PAGE,
					0xa5a5a5a5));
	ASSERT_EQ(0, libmvgpu_ctx_sync(&self->ctx, ET_TIMEOUT_MS));
	gemm_inputs(self);
	ASSERT_EQ(0, emit_gemm(self));
	seq = libmvgpu_ctx_fence(&self->ctx, false);
	ASSERT_LT(0, seq);
	libmvgpu_ring_kick(&self->ctx);
	/* let it start (at most a second) */
	busy = et_attr(self->a.v.uuid, "busy_ns");
	for (int i = 0; i < 1000 &&
	     et_attr(self->a.v.uuid, "busy_ns") == busy; i++)
		libmvgpu_sleep_us(1000);

	ASSERT_EQ(0, save_stop_copy(&self->a.v.dev, &self->s));
	fence_a = libmvgpu_ctx_fence_reg(&self->ctx);
	/* what B held before must not survive, zero pages included */
	ASSERT_EQ(0, et_vram_set(gb, 0, 0x3c, gb->vram_size));
	TH_LOG("stream %zu bytes; GEMM %s when A stopped", self->s.len,
	       fence_a >= (uint64_t)seq ? "had finished" : "was running");
	ASSERT_EQ(0, load_and_run(&self->b.v.dev, &self->s));
	switch_to_b(self);

	ASSERT_EQ(0x5eed1234, libmvgpu_gpu_rd(gb, MVGPU_REG_SCRATCH));
	ASSERT_EQ(MVGPU_IRQ_FENCE(0), libmvgpu_gpu_rd(gb, MVGPU_REG_IRQ_MASK));
	ASSERT_EQ(0, libmvgpu_ctx_wait_fence(&self->ctx, seq, ET_TIMEOUT_MS));
	ASSERT_TRUE(gemm_right(self));
	ASSERT_EQ(0, et_vram_cmp(ga, gb, ga->vram_size));
	ASSERT_EQ(0xa5a5a5a5, libmvgpu_vram_rd32(gb, VRAM_OFF));
	ASSERT_NE(NULL, back);
	ASSERT_EQ(0, libmvgpu_vram_read(gb, VRAM_OFF + PAGE, back,
					VRAM_BUF - PAGE));
	ASSERT_EQ(0, memcmp(back, pattern + PAGE, VRAM_BUF - PAGE));
	/* and B goes on working */
	ASSERT_EQ(0, libmvgpu_emit_fill(&self->ctx, self->vram.va, PAGE, 7));
	ASSERT_EQ(0, libmvgpu_ctx_sync(&self->ctx, ET_TIMEOUT_MS));
	ASSERT_EQ(7, libmvgpu_vram_rd32(gb, VRAM_OFF));
	/* A, stopped, did nothing more */
	ASSERT_EQ(fence_a, libmvgpu_ctx_fence_reg(&(struct libmvgpu_ctx){
		.gpu = ga, .idx = 0 }));
	free(pattern);
	free(back);
	libmvgpu_mig_stream_free(&self->s);
}

TEST_F_TIMEOUT(mig, precopy_sends_what_changed, 300)
{
	struct libmvgpu_gpu *ga = &self->a.gpu, *gb = &self->gpu_b;
	size_t nr = ga->vram_size / PAGE, before, final;
	const uint64_t p_engine = VRAM_OFF / PAGE + 3;
	const uint64_t p_mmap = 77, p_region = 1234;
	uint64_t initial, dirty, v = 0x1122334455667788ull;
	bool *sent = calloc(nr, sizeof(bool));
	unsigned int i, count = 0;
	int fd;

	NEED_PRECOPY(&self->a.v.dev);
	NEED_VRAM_MAP();

	ASSERT_NE(NULL, sent);
	ASSERT_EQ(0, libmvgpu_mig_set_state(&self->a.v.dev,
					    VFIO_DEVICE_STATE_PRE_COPY, &fd));
	ASSERT_EQ(0, stream_read(fd, &self->s, true));
	/* zero pages travel as ZERO records: far less than the VRAM */
	ASSERT_GT(ga->vram_size / 8, self->s.len);
	ASSERT_EQ(0, libmvgpu_mig_precopy_info(fd, &initial, &dirty));
	ASSERT_EQ(0, initial);
	ASSERT_EQ(0, dirty);
	vram_pages_sent(&self->s, 0, sent, nr);
	for (i = 0; i < nr; i++)
		count += sent[i];
	ASSERT_EQ(nr, count);

	/* three ways to write VRAM while the vGPU runs */
	ASSERT_EQ(0, libmvgpu_emit_fill(&self->ctx, self->vram.va + 3 * PAGE,
					PAGE, 0x0e0e0e0e));
	ASSERT_EQ(0, libmvgpu_ctx_sync(&self->ctx, ET_TIMEOUT_MS));
	((volatile uint8_t *)ga->vram)[p_mmap * PAGE + 5] = 0x99;
	ASSERT_EQ(8, libmvgpu_region_write(&self->a.v.dev,
					   VFIO_PCI_BAR2_REGION_INDEX,
					p_region * PAGE + 8, &v, 8));
	ASSERT_EQ(0, libmvgpu_mig_precopy_info(fd, &initial, &dirty));
	ASSERT_EQ(0, initial);
	ASSERT_LE(3 * PAGE, dirty);
	ASSERT_GT(64 * PAGE, dirty) TH_LOG("dirty %llu bytes for 3 pages",
					   (unsigned long long)dirty);

	before = self->s.len;
	ASSERT_EQ(0, stream_read(fd, &self->s, true));
	memset(sent, 0, nr);
	vram_pages_sent(&self->s, before, sent, nr);
	ASSERT_TRUE(sent[p_engine]);
	ASSERT_TRUE(sent[p_mmap]);
	ASSERT_TRUE(sent[p_region]);

	/* stop-copy: nothing changed since, so hardly anything to send */
	before = self->s.len;
	end_precopy(_metadata, &self->a.v.dev, fd, &self->s);
	final = self->s.len - before;
	TH_LOG("pre-copy %zu bytes, stop-copy %zu bytes", before, final);
	ASSERT_GT(16 * PAGE, final);

	ASSERT_EQ(0, load_and_run(&self->b.v.dev, &self->s));
	ASSERT_EQ(0, memcmp(ga->vram, gb->vram, ga->vram_size));
	ASSERT_EQ(0x99, ((uint8_t *)gb->vram)[p_mmap * PAGE + 5]);
	free(sent);
	libmvgpu_mig_stream_free(&self->s);
}

/* A vCPU writing VRAM through its BAR2 mapping, as fast as it can. */
struct vram_writer {
	volatile uint32_t *vram;
	size_t words;
	uint64_t seed;
	uint64_t writes;
	bool stop;
};

static void *vram_writer(void *arg)
{
	struct vram_writer *w = arg;

	while (!__atomic_load_n(&w->stop, __ATOMIC_RELAXED)) {
		uint64_t r = libmvgpu_rand64(&w->seed);

		w->vram[r % w->words] = (uint32_t)(r >> 32) | 1;
		w->writes++;
	}
	return NULL;
}

TEST_F_TIMEOUT(mig, precopy_under_load_loses_no_page, 600)
{
	struct libmvgpu_gpu *ga = &self->a.gpu, *gb = &self->gpu_b;
	/* a 2 MiB window, so that each pass has a bounded amount to send */
	struct vram_writer w = {
		.vram = (uint32_t *)((uint8_t *)ga->vram + (4 << 20)),
		.words = (2 << 20) / 4, .seed = self->seed,
	};
	unsigned int round, i;
	uint64_t initial, dirty;
	pthread_t thread;
	int fd;

	NEED_PRECOPY(&self->a.v.dev);
	NEED_VRAM_MAP();

	ASSERT_EQ(0, libmvgpu_mig_set_state(&self->a.v.dev,
					    VFIO_DEVICE_STATE_PRE_COPY, &fd));
	/* passes race with a CPU writing through the mapping */
	ASSERT_EQ(0, pthread_create(&thread, NULL, vram_writer, &w));
	for (round = 0; round < 8; round++) {
		/* the engine and the CPU write VRAM while it is being sent */
		for (i = 0; i < 16; i++) {
			uint64_t page = libmvgpu_rand64(&self->seed) %
					(VRAM_BUF / PAGE);
			uint64_t any = libmvgpu_rand64(&self->seed) %
				       (ga->vram_size / PAGE);

			ASSERT_EQ(0, libmvgpu_emit_fill(&self->ctx,
							self->vram.va + page * PAGE,
						     PAGE, round << 8 | i));
			((volatile uint32_t *)ga->vram)[any * PAGE / 4 + i] =
				round << 16 | i;
		}
		libmvgpu_ring_kick(&self->ctx);
		/* the writer may dirty faster than a pass is sent */
		ASSERT_EQ(0, stream_read_max(fd, &self->s, true, 16u << 20));
		ASSERT_EQ(0, libmvgpu_mig_precopy_info(fd, &initial, &dirty));
	}
	/* the vCPUs stop before the device does */
	__atomic_store_n(&w.stop, true, __ATOMIC_RELAXED);
	pthread_join(thread, NULL);
	TH_LOG("%llu CPU writes to VRAM during pre-copy",
	       (unsigned long long)w.writes);
	/* stop with FILLs still queued */
	for (i = 0; i < 64; i++)
		ASSERT_EQ(0, libmvgpu_emit_fill(&self->ctx, self->vram.va,
						VRAM_BUF, i));
	libmvgpu_ring_kick(&self->ctx);
	end_precopy(_metadata, &self->a.v.dev, fd, &self->s);
	ASSERT_EQ(0, load(&self->b.v.dev, self->s.data, self->s.len, 4099));
	/* B, still stopped, has exactly A's VRAM */
	for (i = 0; i < ga->vram_size / PAGE; i++) {
		ASSERT_EQ(0, memcmp((uint8_t *)ga->vram + i * PAGE,
				    (uint8_t *)gb->vram + i * PAGE, PAGE))
			TH_LOG("VRAM page %u differs after migration", i);
	}
	ASSERT_EQ(0, libmvgpu_mig_set_state(&self->b.v.dev,
					    VFIO_DEVICE_STATE_RUNNING, NULL));
	switch_to_b(self);
	ASSERT_EQ(0, libmvgpu_ctx_sync(&self->ctx, ET_TIMEOUT_MS));
	ASSERT_EQ(63, *(uint32_t *)((uint8_t *)gb->vram + VRAM_OFF + VRAM_BUF -
				    4));
	libmvgpu_mig_stream_free(&self->s);
}

TEST_F_TIMEOUT(mig, waiting_context, 300)
{
	uint64_t *sem = self->sys.cpu;
	int64_t seq;

	libmvgpu_store64(sem, 0);
	ASSERT_EQ(0, libmvgpu_emit_wait(&self->ctx, self->sys.va, 5));
	seq = libmvgpu_ctx_fence(&self->ctx, false);
	ASSERT_LT(0, seq);
	libmvgpu_ring_kick(&self->ctx);
	libmvgpu_sleep_us(50000);
	ASSERT_GT((uint64_t)seq, libmvgpu_ctx_fence_reg(&self->ctx));

	ASSERT_EQ(0, save_stop_copy(&self->a.v.dev, &self->s));
	ASSERT_EQ(0, load_and_run(&self->b.v.dev, &self->s));
	switch_to_b(self);
	libmvgpu_sleep_us(50000);
	ASSERT_GT((uint64_t)seq, libmvgpu_ctx_fence_reg(&self->ctx));
	libmvgpu_store64(sem, 5);
	ASSERT_EQ(0, libmvgpu_ctx_wait_fence(&self->ctx, seq, ET_TIMEOUT_MS));
	libmvgpu_mig_stream_free(&self->s);
}

TEST_F_TIMEOUT(mig, cancel_keeps_source_running, 300)
{
	struct libmvgpu_dev *dev = &self->a.v.dev;
	int64_t seq;
	int fd, pre;

	gemm_inputs(self);
	ASSERT_EQ(0, emit_gemm(self));
	seq = libmvgpu_ctx_fence(&self->ctx, false);
	libmvgpu_ring_kick(&self->ctx);

	/* cancelled during pre-copy (where there is pre-copy: from 6.2) */
	pre = mt_has_precopy(dev);
	ASSERT_LE(0, pre);
	if (pre) {
		ASSERT_EQ(0, libmvgpu_mig_set_state(dev,
						    VFIO_DEVICE_STATE_PRE_COPY,
						    &fd));
		ASSERT_EQ(0, stream_read(fd, &self->s, true));
		ASSERT_EQ(0, libmvgpu_mig_set_state(dev,
						    VFIO_DEVICE_STATE_RUNNING,
						    NULL));
		close(fd);
	}
	ASSERT_EQ(0, libmvgpu_ctx_wait_fence(&self->ctx, seq, ET_TIMEOUT_MS));
	ASSERT_TRUE(gemm_right(self));

	/* cancelled after the stop, during stop-copy */
	gemm_inputs(self);
	ASSERT_EQ(0, emit_gemm(self));
	seq = libmvgpu_ctx_fence(&self->ctx, false);
	libmvgpu_ring_kick(&self->ctx);
	ASSERT_EQ(0, libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_STOP_COPY,
					    &fd));
	ASSERT_EQ(0, libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_RUNNING, NULL));
	close(fd);
	ASSERT_EQ(0, libmvgpu_ctx_wait_fence(&self->ctx, seq, ET_TIMEOUT_MS));
	ASSERT_TRUE(gemm_right(self));
	libmvgpu_mig_stream_free(&self->s);
}

/*
 * Guest RAM is QEMU's to send, with vfio_iommu_type1's dirty tracking:
 * every page the engine wrote must be reported dirty.
 */
TEST_F_TIMEOUT(mig, type1_reports_engine_writes, 120)
{
	struct vfio_iommu_type1_dirty_bitmap db = { .argsz = sizeof(db) };
	struct {
		struct vfio_iommu_type1_dirty_bitmap hdr;
		struct vfio_iommu_type1_dirty_bitmap_get get;
	} rep;
	struct libmvgpu_gpu *ga = &self->a.gpu;
	uint64_t pages = ga->ram.size / PAGE, first, i;
	uint64_t *bits = calloc((pages + 63) / 64, 8);
	int container = self->a.v.dev.container;
	int ret;

	ASSERT_NE(NULL, bits);
	/* a type1 container's feature: none with the cdev, nor iommufd's */
	if (self->a.v.dev.backend == LIBMVGPU_IOMMUFD) {
		free(bits);
		SKIP(return, "no container: the vfio cdev on iommufd (MVGPU_VFIO=iommufd)");
	}
	db.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_START;
	ret = ioctl(container, VFIO_IOMMU_DIRTY_PAGES, &db) ? -errno : 0;
	if (ret == -ENOTTY && access("/sys/module/vfio_iommu_type1", F_OK)) {
		free(bits);
		SKIP(return, "iommufd's compat container: no VFIO_IOMMU_DIRTY_PAGES");
	}
	ASSERT_EQ(0, ret);

	/* fresh pages the engine has never touched, then written by it */
	ASSERT_EQ(0, libmvgpu_emit_fill(&self->ctx, self->sys.va, SYS_BUF, 0x42));
	ASSERT_EQ(0, libmvgpu_ctx_sync(&self->ctx, ET_TIMEOUT_MS));

	memset(&rep, 0, sizeof(rep));
	rep.hdr.argsz = sizeof(rep);
	rep.hdr.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
	rep.get.iova = ga->ram.iova;
	rep.get.size = ga->ram.size;
	rep.get.bitmap.pgsize = PAGE;
	rep.get.bitmap.size = (pages + 63) / 64 * 8;
	rep.get.bitmap.data = (__u64 *)bits;
	ASSERT_EQ(0, ioctl(container, VFIO_IOMMU_DIRTY_PAGES, &rep))
		TH_LOG("GET_BITMAP: %s", strerror(errno));
	first = (self->sys.addr - ga->ram.iova) / PAGE;
	for (i = first; i < first + SYS_BUF / PAGE; i++) {
		ASSERT_TRUE(bits[i / 64] >> (i % 64) & 1)
			TH_LOG("page %llu written by the engine, not reported",
			       (unsigned long long)i);
	}
	db.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP;
	ASSERT_EQ(0, ioctl(container, VFIO_IOMMU_DIRTY_PAGES, &db));
	free(bits);
}

/*
 * A page read through the BAR2 mapping is mapped read-only, so the write
 * that follows is seen (the mapping's pfn_mkwrite) and the page is sent
 * again, pass after pass; a page only read is not sent.
 */
TEST_F_TIMEOUT(mig, precopy_sees_write_after_read, 300)
{
	struct libmvgpu_gpu *ga = &self->a.gpu, *gb = &self->gpu_b;
	volatile uint8_t *map = ga->vram;
	size_t nr = ga->vram_size / PAGE, before;
	const uint64_t p = 99, q = 100;
	bool *sent = calloc(nr, sizeof(bool));
	uint64_t initial, dirty;
	unsigned int pass;
	int fd;

	NEED_PRECOPY(&self->a.v.dev);
	NEED_VRAM_MAP();

	ASSERT_NE(NULL, sent);
	map[p * PAGE] = 1;
	ASSERT_EQ(0, libmvgpu_mig_set_state(&self->a.v.dev,
					    VFIO_DEVICE_STATE_PRE_COPY, &fd));
	ASSERT_EQ(0, stream_read(fd, &self->s, true));
	for (pass = 0; pass < 3; pass++) {
		/* a new pass, which takes the mappings' entries away */
		ASSERT_EQ(0, libmvgpu_mig_precopy_info(fd, &initial, &dirty));
		ASSERT_EQ(0, stream_read(fd, &self->s, true));
		/* read first, then write */
		ASSERT_EQ(pass + 1, map[p * PAGE]);
		ASSERT_EQ(0, map[q * PAGE]);
		map[p * PAGE] = pass + 2;
		ASSERT_EQ(0, libmvgpu_mig_precopy_info(fd, &initial, &dirty));
		EXPECT_LE(PAGE, dirty) TH_LOG("pass %u: nothing dirty", pass);
		before = self->s.len;
		ASSERT_EQ(0, stream_read(fd, &self->s, true));
		memset(sent, 0, nr);
		vram_pages_sent(&self->s, before, sent, nr);
		EXPECT_TRUE(sent[p]) TH_LOG("pass %u: the write is not sent",
					    pass);
		EXPECT_FALSE(sent[q]) TH_LOG("pass %u: a read page is sent",
					     pass);
	}
	end_precopy(_metadata, &self->a.v.dev, fd, &self->s);
	ASSERT_EQ(0, load_and_run(&self->b.v.dev, &self->s));
	EXPECT_EQ(4, ((volatile uint8_t *)gb->vram)[p * PAGE]);
	free(sent);
}

/* The scheduling settings in a STATE record: the values of enum mvgpu_prio. */
#define STREAM_PRIO_LOW		0
#define STREAM_PRIO_NORMAL	1
#define STREAM_PRIO_HIGH	2

/*
 * Scheduling settings are the host's: the stream carries the source's
 * weight, cap and priority for information only, and a VMM that forges
 * the most it could ask for into its own destination's stream gets
 * nothing of it; the destination keeps what its administrator set.
 */
TEST_F_TIMEOUT(mig, stream_keeps_host_sched_settings, 120)
{
	const char *ua = self->a.v.uuid, *ub = self->b.v.uuid;
	struct libmvgpu_gpu *gb = &self->gpu_b;
	struct mvgpu_mig_state *st;
	char prio[16];
	long off;

	/* the source's settings, which it writes into the stream */
	ASSERT_EQ(0, libmvgpu_mdev_write_u64(ua, "weight", 7));
	ASSERT_EQ(0, libmvgpu_mdev_write_u64(ua, "cap", 60));
	/* the destination's administrator */
	ASSERT_EQ(0, libmvgpu_mdev_write_u64(ub, "weight", 1));
	ASSERT_EQ(0, libmvgpu_mdev_write_u64(ub, "cap", 20));
	ASSERT_EQ(0, vgpu_attr_write(ub, "priority", "low"));

	libmvgpu_gpu_wr(&self->a.gpu, MVGPU_REG_SCRATCH, 0x5c4ed);
	ASSERT_EQ(0, save_stop_copy(&self->a.v.dev, &self->s));
	st = stream_state(&self->s, &off);
	ASSERT_NE(NULL, st);
	EXPECT_EQ(7, st->weight);
	EXPECT_EQ(60, st->cap);
	EXPECT_EQ(STREAM_PRIO_NORMAL, st->priority);
	/* the VMM asks for the most there is */
	st->weight = 64;
	st->cap = 0;
	st->priority = STREAM_PRIO_HIGH;
	fix_crc(&self->s, off);
	ASSERT_EQ(0, load_and_run(&self->b.v.dev, &self->s));

	/* the stream was loaded, the settings were not */
	EXPECT_EQ(0x5c4ed, libmvgpu_gpu_rd(gb, MVGPU_REG_SCRATCH));
	EXPECT_EQ(1, et_attr(ub, "weight"));
	EXPECT_EQ(20, et_attr(ub, "cap"));
	ASSERT_EQ(0, libmvgpu_mdev_read_str(ub, "priority", prio, sizeof(prio)));
	EXPECT_STREQ("low", prio);
	/* the weight the scheduler uses, as the guest sees it */
	EXPECT_EQ(1, libmvgpu_gpu_rd(gb, MVGPU_REG_WEIGHT));

	/* values no vGPU can have: neither refused nor taken */
	st->weight = 0;
	st->cap = 1000;
	st->priority = 77;
	fix_crc(&self->s, off);
	ASSERT_EQ(0, load_and_run(&self->b.v.dev, &self->s));
	EXPECT_EQ(1, et_attr(ub, "weight"));
	EXPECT_EQ(20, et_attr(ub, "cap"));
	ASSERT_EQ(0, libmvgpu_mdev_read_str(ub, "priority", prio, sizeof(prio)));
	EXPECT_STREQ("low", prio);

	/* B runs its work with them */
	switch_to_b(self);
	ASSERT_EQ(0, libmvgpu_emit_fill(&self->ctx, self->vram.va, PAGE, 0x77));
	ASSERT_EQ(0, libmvgpu_ctx_sync(&self->ctx, ET_TIMEOUT_MS));
	EXPECT_EQ(0x77, libmvgpu_vram_rd32(gb, VRAM_OFF));
	EXPECT_EQ(1, et_attr(ub, "weight"));
	EXPECT_EQ(20, et_attr(ub, "cap"));
	ASSERT_EQ(0, libmvgpu_mdev_read_str(ub, "priority", prio, sizeof(prio)));
	EXPECT_STREQ("low", prio);
	/* and the source kept its own */
	EXPECT_EQ(7, et_attr(ua, "weight"));
	EXPECT_EQ(60, et_attr(ua, "cap"));
	libmvgpu_mig_stream_free(&self->s);
}

#define PCI_CAP_ID_EXP		0x10
#define PCI_LATENCY_TIMER	0x0d
#define EXP_DEVCTL		0x08
#define DEVCTL_PAYLOAD		0x00e0
#define DEVCTL_FLR		0x8000

/*
 * Configuration space from a stream holds only what the guest could have
 * written, and nothing acts on it: Initiate FLR, set in a forged stream,
 * reads 0 after the load, and a later unrelated config write resets
 * nothing.
 */
TEST_F_TIMEOUT(mig, stream_cannot_start_flr, 120)
{
	struct libmvgpu_dev *db = &self->b.v.dev;
	struct libmvgpu_gpu *gb = &self->gpu_b;
	const char *ub = self->b.v.uuid;
	struct mvgpu_mig_state *st;
	uint64_t resets;
	uint16_t devctl;
	uint8_t lat;
	int exp;
	long off;

	exp = libmvgpu_cfg_find_cap(db, PCI_CAP_ID_EXP);
	ASSERT_LT(0, exp);
	libmvgpu_gpu_wr(&self->a.gpu, MVGPU_REG_SCRATCH, 0xf1a9);
	ASSERT_EQ(0, libmvgpu_vram_wr32(&self->a.gpu, VRAM_OFF, 0xabcd1234));
	ASSERT_EQ(0, save_stop_copy(&self->a.v.dev, &self->s));
	st = stream_state(&self->s, &off);
	ASSERT_NE(NULL, st);
	devctl = st->config[exp + EXP_DEVCTL] |
		 st->config[exp + EXP_DEVCTL + 1] << 8;
	ASSERT_EQ(0, devctl & DEVCTL_FLR);
	/* FLR, and a payload size: a guest-writable field that must come */
	devctl = (devctl & ~DEVCTL_PAYLOAD) | 0x0020 | DEVCTL_FLR;
	st->config[exp + EXP_DEVCTL] = devctl & 0xff;
	st->config[exp + EXP_DEVCTL + 1] = devctl >> 8;
	fix_crc(&self->s, off);

	resets = et_attr(ub, "resets");
	ASSERT_NE(UINT64_MAX, resets);
	ASSERT_EQ(0, load_and_run(db, &self->s));
	ASSERT_EQ(0, libmvgpu_cfg_read16(db, exp + EXP_DEVCTL, &devctl));
	EXPECT_EQ(0, devctl & DEVCTL_FLR);
	EXPECT_EQ(0x0020, devctl & DEVCTL_PAYLOAD);
	EXPECT_EQ(resets, et_attr(ub, "resets"));
	EXPECT_EQ(0xf1a9, libmvgpu_gpu_rd(gb, MVGPU_REG_SCRATCH));

	/* an unrelated config write */
	ASSERT_EQ(0, libmvgpu_cfg_write8(db, PCI_LATENCY_TIMER, 0x40));
	ASSERT_EQ(0, libmvgpu_cfg_read8(db, PCI_LATENCY_TIMER, &lat));
	EXPECT_EQ(0x40, lat);
	EXPECT_EQ(resets, et_attr(ub, "resets"));
	EXPECT_EQ(0xf1a9, libmvgpu_gpu_rd(gb, MVGPU_REG_SCRATCH));
	EXPECT_EQ(0xabcd1234, libmvgpu_vram_rd32(gb, VRAM_OFF));
	/* the context, loaded, still works */
	switch_to_b(self);
	ASSERT_EQ(0, libmvgpu_emit_fill(&self->ctx, self->vram.va, PAGE, 0x99));
	ASSERT_EQ(0, libmvgpu_ctx_sync(&self->ctx, ET_TIMEOUT_MS));
	EXPECT_EQ(0x99, libmvgpu_vram_rd32(gb, VRAM_OFF));
	libmvgpu_mig_stream_free(&self->s);
}

/*
 * Loading acts on nothing (migration.rst, STATE): an interrupt pending in
 * the stream (IRQ_STATUS & IRQ_MASK) is not sent at the arc to STOP, while
 * the destination is stopped, but once it runs.
 */
TEST_F_TIMEOUT(mig, load_sends_no_interrupt, 120)
{
	struct libmvgpu_dev *db = &self->b.v.dev;
	int efd = libmvgpu_eventfd();

	ASSERT_LE(0, efd);
	libmvgpu_gpu_wr(&self->a.gpu, MVGPU_REG_IRQ_MASK, MVGPU_IRQ_FENCE(0));
	libmvgpu_gpu_wr(&self->a.gpu, MVGPU_REG_IRQ_RAISE, MVGPU_IRQ_FENCE(0));
	ASSERT_EQ(MVGPU_IRQ_FENCE(0),
		  libmvgpu_gpu_rd(&self->a.gpu, MVGPU_REG_IRQ_STATUS));
	ASSERT_EQ(0, save_stop_copy(&self->a.v.dev, &self->s));
	ASSERT_EQ(0, libmvgpu_msi_enable(db, 0x36, efd));
	libmvgpu_eventfd_wait(efd, 0, NULL);
	ASSERT_EQ(0, load(db, self->s.data, self->s.len, 1 << 20));
	EXPECT_EQ(MVGPU_IRQ_FENCE(0),
		  libmvgpu_gpu_rd(&self->gpu_b, MVGPU_REG_IRQ_STATUS));
	EXPECT_EQ(0, libmvgpu_eventfd_wait(efd, 500, NULL))
		TH_LOG("an MSI while the destination is stopped");
	ASSERT_EQ(0, libmvgpu_mig_set_state(db, VFIO_DEVICE_STATE_RUNNING,
					    NULL));
	EXPECT_EQ(1, libmvgpu_eventfd_wait(efd, 5000, NULL));
	EXPECT_EQ(0, libmvgpu_irq_disable(db, VFIO_PCI_MSI_IRQ_INDEX));
	close(efd);
	libmvgpu_mig_stream_free(&self->s);
}

/*
 * One ZERO record of 32 bytes clears a whole run of VRAM: a VMM writing a
 * flood of them in one write() makes that write last for hours. It must
 * still die when killed, and the vGPU stay usable.
 */
TEST_F_TIMEOUT(mig, zero_flood_write_is_killable, 300)
{
	const size_t nr = 1u << 16, zrec = sizeof(struct mvgpu_mig_record) + 16;
	struct libmvgpu_dev *db = &self->b.v.dev;
	struct libmvgpu_gpu *ga = &self->a.gpu, *gb = &self->gpu_b;
	size_t hlen, i;
	uint8_t *flood;
	int fd, pipefd[2], status = 0, ms;
	char byte;
	pid_t pid;

	ASSERT_EQ(0, et_vram_set(ga, VRAM_OFF, 0x6b, 8 * PAGE));
	ASSERT_EQ(0, save_stop_copy(&self->a.v.dev, &self->s));
	ASSERT_EQ(0, find_record(&self->s, MVGPU_MIG_REC_HEADER));
	hlen = sizeof(struct mvgpu_mig_record) +
	       ((struct mvgpu_mig_record *)self->s.data)->length;
	flood = malloc(nr * zrec);
	ASSERT_NE(NULL, flood);
	for (i = 0; i < nr; i++) {
		struct mvgpu_mig_record *r = (void *)(flood + i * zrec);
		uint64_t *p = (uint64_t *)(r + 1);

		r->kind = MVGPU_MIG_REC_ZERO;
		r->length = 16;
		p[0] = 0;
		p[1] = gb->vram_size;
		r->crc = crc32_std(p, 16);
	}

	/* cleared by the first ZERO record: shows the flood was under way */
	ASSERT_EQ(0, et_vram_set(gb, 0, 0xe5, PAGE));
	ASSERT_EQ(0, libmvgpu_mig_set_state(db, VFIO_DEVICE_STATE_STOP, NULL));
	ASSERT_EQ(0, libmvgpu_mig_set_state(db, VFIO_DEVICE_STATE_RESUMING, &fd));
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (libmvgpu_mig_write(fd, self->s.data, hlen, hlen))
			_exit(1);
		if (write(pipefd[1], "x", 1) != 1)
			_exit(1);
		/* hours of clearing, unless killed */
		libmvgpu_mig_write(fd, flood, nr * zrec, nr * zrec);
		_exit(2);
	}
	close(pipefd[1]);
	ASSERT_EQ(1, read(pipefd[0], &byte, 1));
	close(pipefd[0]);
	/* well inside the flood's write by then */
	libmvgpu_sleep_us(200000);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	for (ms = 0; ms < 60000; ms += 10) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		libmvgpu_sleep_us(10000);
	}
	ASSERT_GT(60000, ms) TH_LOG("the killed writer is still in write()");
	ASSERT_TRUE(WIFSIGNALED(status));
	TH_LOG("the killed writer was gone %d ms after SIGKILL", ms);
	EXPECT_EQ(0, libmvgpu_vram_rd32(gb, 0));
	free(flood);
	close(fd);

	/* the vGPU, reset, takes a good stream */
	ASSERT_EQ(0, libmvgpu_reset(db));
	ASSERT_EQ(0, load_and_run(db, &self->s));
	ASSERT_EQ(0, et_vram_cmp(ga, gb, ga->vram_size));
	libmvgpu_mig_stream_free(&self->s);
}

/* ---- malformed streams ----------------------------------------------------- */

enum bad_kind {
	BAD_MAGIC, BAD_VERSION, BAD_TYPE, BAD_OTHER_TYPE, BAD_TRUNCATED,
	BAD_CORRUPT, BAD_AFTER_END, BAD_OFFSET, BAD_ZERO, BAD_STATE_INTX,
	BAD_STATE_CONTROL, BAD_STATE_HEAD, BAD_EMPTY,
};

FIXTURE(bad) {
	struct et_gpu src, dst;
	struct libmvgpu_ctx ctx;
	struct libmvgpu_mig_stream s;
	char msg[256];
};

FIXTURE_VARIANT(bad) {
	enum bad_kind kind;
};

FIXTURE_VARIANT_ADD(bad, magic) { .kind = BAD_MAGIC };
FIXTURE_VARIANT_ADD(bad, version) { .kind = BAD_VERSION };
FIXTURE_VARIANT_ADD(bad, header_of_other_type) { .kind = BAD_TYPE };
FIXTURE_VARIANT_ADD(bad, stream_of_other_type) { .kind = BAD_OTHER_TYPE };
FIXTURE_VARIANT_ADD(bad, truncated) { .kind = BAD_TRUNCATED };
FIXTURE_VARIANT_ADD(bad, corrupted_vram) { .kind = BAD_CORRUPT };
FIXTURE_VARIANT_ADD(bad, data_after_end) { .kind = BAD_AFTER_END };
FIXTURE_VARIANT_ADD(bad, vram_offset_outside) { .kind = BAD_OFFSET };
FIXTURE_VARIANT_ADD(bad, zero_run_outside) { .kind = BAD_ZERO };
FIXTURE_VARIANT_ADD(bad, state_intx_masked) { .kind = BAD_STATE_INTX };
FIXTURE_VARIANT_ADD(bad, state_context_control) { .kind = BAD_STATE_CONTROL };
FIXTURE_VARIANT_ADD(bad, state_ring_head_unaligned) { .kind = BAD_STATE_HEAD };
FIXTURE_VARIANT_ADD(bad, empty) { .kind = BAD_EMPTY };

FIXTURE_SETUP(bad)
{
	const struct mt_type *dst_type =
		variant->kind == BAD_OTHER_TYPE ? MT_T132 : MT_T164;
	int ret;

	mt_vgpu_init(&self->src.v);
	mt_vgpu_init(&self->dst.v);
	ret = mt_check_state(self->msg, sizeof(self->msg));
	ASSERT_EQ(0, ret) TH_LOG("%s", self->msg);
	/* VRAM through the device file where BAR2 cannot be mapped */
	ret = et_up_flags(&self->src, MT_PARENT0, MT_T164, 1 << 20,
			  ET_UNMAPPED_OK, self->msg, sizeof(self->msg));
	if (!ret)
		ret = et_up_flags(&self->dst, MT_PARENT1, dst_type, 1 << 20,
				  ET_UNMAPPED_OK, self->msg, sizeof(self->msg));
	if (!ret) {
		/* some data, so that the stream has VRAM records and ZERO ones */
		static uint8_t data[64 << 10];

		memset(data, 0x5a, sizeof(data));
		ret = libmvgpu_vram_write(&self->src.gpu, 0, data, sizeof(data));
		snprintf(self->msg, sizeof(self->msg), "VRAM data");
	}
	if (ret) {
		et_down(&self->src);
		et_down(&self->dst);
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", self->msg, strerror(-ret));
	}
}

FIXTURE_TEARDOWN_PARENT(bad)
{
	EXPECT_EQ(0, et_remove(&self->src));
	EXPECT_EQ(0, et_remove(&self->dst));
}

TEST_F_TIMEOUT(bad, refused_and_vgpu_usable, 120)
{
	struct mvgpu_mig_header *hdr;
	struct mvgpu_mig_state *st;
	struct mvgpu_mig_ctx *ctx;
	long off;
	uint32_t state;
	int ret;

	ASSERT_EQ(0, save_stop_copy(&self->src.v.dev, &self->s));
	off = find_record(&self->s, MVGPU_MIG_REC_HEADER);
	ASSERT_EQ(0, off);
	hdr = (void *)(self->s.data + sizeof(struct mvgpu_mig_record));
	ASSERT_EQ(MVGPU_MIG_MAGIC, hdr->magic);

	switch (variant->kind) {
	case BAD_MAGIC:
		hdr->magic ^= 1;
		fix_crc(&self->s, 0);
		break;
	case BAD_VERSION:
		hdr->version = MVGPU_MIG_VERSION + 1;
		fix_crc(&self->s, 0);
		break;
	case BAD_TYPE:
		hdr->units *= 2;
		hdr->vram_size *= 2;
		fix_crc(&self->s, 0);
		break;
	case BAD_OTHER_TYPE:
		break;
	case BAD_TRUNCATED:
		self->s.len -= sizeof(struct mvgpu_mig_record) + 1;
		break;
	case BAD_CORRUPT:
		off = find_record(&self->s, MVGPU_MIG_REC_VRAM);
		ASSERT_LT(0, off);
		self->s.data[off + sizeof(struct mvgpu_mig_record) + 8 + 100] ^=
			0x10;
		break;
	case BAD_AFTER_END:
		memcpy(self->s.data + self->s.len, self->s.data,
		       sizeof(struct mvgpu_mig_record));
		self->s.len += sizeof(struct mvgpu_mig_record);
		break;
	case BAD_OFFSET:
		off = find_record(&self->s, MVGPU_MIG_REC_VRAM);
		ASSERT_LT(0, off);
		*(uint64_t *)(self->s.data + off +
			      sizeof(struct mvgpu_mig_record)) =
			self->src.gpu.vram_size;
		fix_crc(&self->s, off);
		break;
	case BAD_ZERO:
		off = find_record(&self->s, MVGPU_MIG_REC_ZERO);
		ASSERT_LT(0, off);
		((uint64_t *)(self->s.data + off +
			      sizeof(struct mvgpu_mig_record)))[1] =
			self->src.gpu.vram_size;
		fix_crc(&self->s, off);
		break;
	case BAD_STATE_INTX:
	case BAD_STATE_CONTROL:
	case BAD_STATE_HEAD:
		st = stream_state(&self->s, &off);
		ASSERT_NE(NULL, st);
		ctx = (void *)(st + 1);
		if (variant->kind == BAD_STATE_INTX)
			st->intx_masked = 2;
		else if (variant->kind == BAD_STATE_CONTROL)
			ctx->control |= 1u << 31;
		else
			ctx->ring_head = 2;
		fix_crc(&self->s, off);
		break;
	case BAD_EMPTY:
		self->s.len = 0;
		break;
	}

	ret = load(&self->dst.v.dev, self->s.data, self->s.len, 65536);
	ASSERT_EQ(-EINVAL, ret);
	/* the destination stays in RESUMING until reset, then works */
	ASSERT_EQ(0, libmvgpu_mig_get_state(&self->dst.v.dev, &state));
	ASSERT_EQ(VFIO_DEVICE_STATE_RESUMING, state);
	ASSERT_EQ(0, libmvgpu_reset(&self->dst.v.dev));
	ASSERT_EQ(0, libmvgpu_ctx_init(&self->ctx, &self->dst.gpu, &self->dst.pt,
				       0, 16 << 10));
	ASSERT_EQ(0, libmvgpu_ctx_sync(&self->ctx, ET_TIMEOUT_MS));
	/* and takes the good stream, which clears what the bad one left */
	ASSERT_EQ(0, libmvgpu_mig_set_state(&self->src.v.dev,
					    VFIO_DEVICE_STATE_RUNNING, NULL));
	if (variant->kind != BAD_OTHER_TYPE) {
		libmvgpu_mig_stream_free(&self->s);
		ASSERT_EQ(0, save_stop_copy(&self->src.v.dev, &self->s));
		ASSERT_EQ(0, load_and_run(&self->dst.v.dev, &self->s));
		ASSERT_EQ(0, et_vram_cmp(&self->src.gpu, &self->dst.gpu,
					 self->src.gpu.vram_size));
	}
	libmvgpu_mig_stream_free(&self->s);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * engine_bench: mvgpu_sim's no-mediation baseline
 * (/sys/kernel/debug/mvgpu_sim/mvgpu-sim.0/engine_bench) over this
 * process's own buffers, as mvgpu-bench uses it: every command's result is
 * checked against the CPU, a vGPU's BAR2 mapping serves as this GPU's
 * VRAM, and bad requests (unaligned, unmapped or read-only buffers,
 * another GPU's VRAM, a wrong number of buffers) fail cleanly and leave
 * nothing pinned.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "engine_test.h"

#define BENCH_DIR	"/sys/kernel/debug/mvgpu_sim/mvgpu-sim.0"
#define BENCH_FILE	BENCH_DIR "/engine_bench"
#define BUF_SIZE	(64u << 10)

FIXTURE(bench) {
	void *buf[3];
	uint64_t seed;
	struct mt_vgpu v[2];	/* for the BAR2 mappings */
	void *map[2];
	size_t len[2];
};

FIXTURE_SETUP(bench)
{
	int i;

	if (access(BENCH_DIR, F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	ASSERT_EQ(0, access(BENCH_FILE, W_OK)) TH_LOG("%s: %s", BENCH_FILE,
						      strerror(errno));
	for (i = 0; i < 3; i++) {
		self->buf[i] = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, self->buf[i]);
	}
	self->seed = 0x5eed0000ull ^ getpid();
	for (i = 0; i < 2; i++) {
		mt_vgpu_init(&self->v[i]);
		self->map[i] = MAP_FAILED;
	}
}

FIXTURE_TEARDOWN(bench)
{
	int i;

	for (i = 0; i < 3; i++)
		if (self->buf[i] != MAP_FAILED)
			munmap(self->buf[i], BUF_SIZE);
	for (i = 0; i < 2; i++) {
		if (self->map[i] != MAP_FAILED)
			munmap(self->map[i], self->len[i]);
		mt_vgpu_destroy(&self->v[i]);
	}
}

/* Write one request; 0 or -errno of the write. */
static int bench_write(const char *req)
{
	int fd = open(BENCH_FILE, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, req, strlen(req));
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

/* The state letter of /proc/PID/stat, or 0. */
static char proc_state(pid_t pid)
{
	char path[64], state = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
		state = 0;
	fclose(f);
	return state;
}

static void bench_result(char *out, size_t len)
{
	int fd = open(BENCH_FILE, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, out, len - 1);

	out[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
}

/*
 * Pages pinned now system-wide (FOLL_PIN), from /proc/vmstat, after
 * folding the per-CPU counter deltas (vm.stat_refresh) so it is exact.
 */
static long pins_held(void)
{
	unsigned long long acq = 0, rel = 0, v;
	char name[64];
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);
	FILE *f;

	if (fd >= 0) {
		/* it folds the counters even when it reports EINVAL */
		(void)!write(fd, "1", 1);
		close(fd);
	}
	f = fopen("/proc/vmstat", "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %llu", name, &v) == 2) {
		if (!strcmp(name, "nr_foll_pin_acquired"))
			acq = v;
		else if (!strcmp(name, "nr_foll_pin_released"))
			rel = v;
	}
	fclose(f);
	return (long)(acq - rel);
}

TEST_F(bench, copy_own_buffers)
{
	char req[128], res[256];

	et_random_fill(self->buf[0], BUF_SIZE, &self->seed);
	memset(self->buf[1], 0, BUF_SIZE);
	snprintf(req, sizeof(req), "copy %u 3 %lx %lx", BUF_SIZE,
		 (unsigned long)self->buf[0], (unsigned long)self->buf[1]);
	ASSERT_EQ(0, bench_write(req));
	ASSERT_EQ(0, memcmp(self->buf[0], self->buf[1], BUF_SIZE));
	bench_result(res, sizeof(res));
	ASSERT_EQ(0, strncmp(res, "op=copy iters=3 units=196608 ns=", 32))
		TH_LOG("result: %s", res);
}

TEST_F(bench, hash_own_buffers)
{
	char req[128];
	uint64_t want;

	et_random_fill(self->buf[0], BUF_SIZE, &self->seed);
	want = libmvgpu_ref_fnv1a64(self->buf[0], BUF_SIZE);
	snprintf(req, sizeof(req), "hash %u 2 %lx %lx", BUF_SIZE,
		 (unsigned long)self->buf[0], (unsigned long)self->buf[1]);
	ASSERT_EQ(0, bench_write(req));
	ASSERT_EQ(want, *(uint64_t *)self->buf[1]);
}

TEST_F(bench, gemm_own_buffers)
{
	const unsigned int d = 64;	/* 16 KiB a matrix */
	int32_t *ref = malloc(4 * d * d);
	char req[128];

	ASSERT_NE(NULL, ref);
	et_random_fill(self->buf[0], 4 * d * d, &self->seed);
	et_random_fill(self->buf[1], 4 * d * d, &self->seed);
	libmvgpu_ref_gemm_i32(self->buf[0], self->buf[1], ref, d, d, d);
	snprintf(req, sizeof(req), "gemm %u 2 %lx %lx %lx", d,
		 (unsigned long)self->buf[0], (unsigned long)self->buf[1],
		 (unsigned long)self->buf[2]);
	ASSERT_EQ(0, bench_write(req));
	ASSERT_EQ(0, memcmp(ref, self->buf[2], 4 * d * d));
	free(ref);
}

TEST_F(bench, bad_requests_fail_cleanly)
{
	unsigned long a = (unsigned long)self->buf[0];
	unsigned long b = (unsigned long)self->buf[1];
	long pins = pins_held();
	char req[128];
	void *gone;

	ASSERT_LE(0, pins);
	/* unaligned buffer */
	snprintf(req, sizeof(req), "copy %u 1 %lx %lx", BUF_SIZE, a + 8, b);
	EXPECT_EQ(-EINVAL, bench_write(req));
	/* a copy takes two buffers, a GEMM three */
	snprintf(req, sizeof(req), "copy %u 1 %lx", BUF_SIZE, a);
	EXPECT_EQ(-EINVAL, bench_write(req));
	snprintf(req, sizeof(req), "gemm 64 1 %lx %lx", a, b);
	EXPECT_EQ(-EINVAL, bench_write(req));
	/* unknown op, zero size */
	EXPECT_EQ(-EINVAL, bench_write("spin 4096 1"));
	snprintf(req, sizeof(req), "copy 0 1 %lx %lx", a, b);
	EXPECT_EQ(-EINVAL, bench_write(req));
	/* unmapped destination (after the source was pinned) */
	gone = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, gone);
	munmap(gone, BUF_SIZE);
	snprintf(req, sizeof(req), "copy %u 1 %lx %lx", BUF_SIZE, a,
		 (unsigned long)gone);
	EXPECT_EQ(-EFAULT, bench_write(req));
	/* read-only destination: the engine writes it */
	ASSERT_EQ(0, mprotect(self->buf[1], BUF_SIZE, PROT_READ));
	snprintf(req, sizeof(req), "copy %u 1 %lx %lx", BUF_SIZE, a, b);
	EXPECT_EQ(-EFAULT, bench_write(req));
	ASSERT_EQ(0, mprotect(self->buf[1], BUF_SIZE,
			      PROT_READ | PROT_WRITE));
	/* what the failed requests pinned is released; a good one works */
	EXPECT_EQ(pins, pins_held());
	snprintf(req, sizeof(req), "copy %u 1 %lx %lx", BUF_SIZE, a, b);
	EXPECT_EQ(0, bench_write(req));
	EXPECT_EQ(pins, pins_held());
}

/*
 * Create a 1/64 vGPU on parent and map its BAR2 (2 MiB); NULL after a
 * SKIP when BAR2 cannot be mapped on this kernel.
 */
static void *map_vgpu(struct __test_metadata *_metadata,
		      FIXTURE_DATA(bench) *self, int i, const char *parent)
{
	int ret;

	ASSERT_EQ(0, mt_vgpu_create_open(&self->v[i], parent, MT_T164));
	ret = mt_bar2_mmap(&self->v[i].dev);
	ASSERT_LE(0, ret);
	if (!ret)
		SKIP(return NULL, MT_NO_BAR2_MMAP);
	self->map[i] = libmvgpu_region_mmap(&self->v[i].dev,
					    VFIO_PCI_BAR2_REGION_INDEX,
					 &self->len[i]);
	ASSERT_NE(MAP_FAILED, self->map[i]);
	ASSERT_LE(2 * BUF_SIZE, self->len[i]);
	return self->map[i];
}

/*
 * This GPU's VRAM through a vGPU's BAR2 mapping, as mvgpu-bench passes it:
 * a PFN mapping, which cannot be pinned, so the module maps the VRAM
 * pages themselves. Another GPU's VRAM is not this GPU's: refused.
 */
TEST_F(bench, copy_bar2_buffers)
{
	long pins = pins_held();
	char req[128];
	uint8_t *v0, *v1;

	ASSERT_LE(0, pins);
	v0 = map_vgpu(_metadata, self, 0, MT_PARENT0);
	if (!v0)
		return;
	et_random_fill(v0, BUF_SIZE, &self->seed);
	memset(v0 + BUF_SIZE, 0, BUF_SIZE);
	/* VRAM to VRAM */
	snprintf(req, sizeof(req), "copy %u 2 %lx %lx", BUF_SIZE,
		 (unsigned long)v0, (unsigned long)(v0 + BUF_SIZE));
	ASSERT_EQ(0, bench_write(req));
	EXPECT_EQ(0, memcmp(v0, v0 + BUF_SIZE, BUF_SIZE));
	/* VRAM to the writer's memory and back */
	memset(self->buf[1], 0, BUF_SIZE);
	snprintf(req, sizeof(req), "copy %u 1 %lx %lx", BUF_SIZE,
		 (unsigned long)v0, (unsigned long)self->buf[1]);
	ASSERT_EQ(0, bench_write(req));
	EXPECT_EQ(0, memcmp(v0, self->buf[1], BUF_SIZE));
	et_random_fill(self->buf[0], BUF_SIZE, &self->seed);
	snprintf(req, sizeof(req), "copy %u 1 %lx %lx", BUF_SIZE,
		 (unsigned long)self->buf[0], (unsigned long)v0);
	ASSERT_EQ(0, bench_write(req));
	EXPECT_EQ(0, memcmp(self->buf[0], v0, BUF_SIZE));

	v1 = map_vgpu(_metadata, self, 1, MT_PARENT1);
	ASSERT_NE(NULL, v1);
	snprintf(req, sizeof(req), "copy %u 1 %lx %lx", BUF_SIZE,
		 (unsigned long)self->buf[0], (unsigned long)v1);
	EXPECT_EQ(-EFAULT, bench_write(req));
	EXPECT_EQ(-1, mt_find_nonzero(v1, BUF_SIZE));
	/* a read-only mapping of this GPU's VRAM: the engine writes it */
	ASSERT_EQ(0, mprotect(v0, BUF_SIZE, PROT_READ));
	snprintf(req, sizeof(req), "copy %u 1 %lx %lx", BUF_SIZE,
		 (unsigned long)self->buf[1], (unsigned long)v0);
	EXPECT_EQ(-EFAULT, bench_write(req));
	EXPECT_EQ(pins, pins_held());
}

/* A writer killed mid-run gets out within a slice and leaves no pin. */
TEST_F_TIMEOUT(bench, killed_writer_stops_the_run, 120)
{
	const unsigned int d = 512;	/* 1 MiB a matrix; hours of GEMMs */
	void *m[3];
	long pins = pins_held();
	pid_t pid;
	int i, status;

	for (i = 0; i < 3; i++) {
		m[i] = mmap(NULL, 4 * d * d, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, m[i]);
	}
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char req[128];

		snprintf(req, sizeof(req), "gemm %u 1000 %lx %lx %lx", d,
			 (unsigned long)m[0], (unsigned long)m[1],
			 (unsigned long)m[2]);
		_exit(bench_write(req) ? 1 : 0);
	}
	/* the writer sleeps in the kernel ("D") while the thread runs */
	for (i = 0; i < 300 && proc_state(pid) != 'D'; i++)
		usleep(100 * 1000);
	ASSERT_EQ('D', proc_state(pid)) TH_LOG("the writer never waited");
	kill(pid, SIGKILL);
	/* without the abort this wait would last the whole run: hours */
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(pins, pins_held());
	for (i = 0; i < 3; i++)
		munmap(m[i], 4 * d * d);
}

TEST_HARNESS_MAIN

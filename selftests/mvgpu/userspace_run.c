// SPDX-License-Identifier: GPL-2.0
/*
 * userspace_run: the vGPU as a container gets it, its VFIO device, driven
 * by libmvgpu_accel's user-space backend. The static mvgpu-run of the
 * nested guests (installed beside this program) runs with
 * MVGPU_DEVICE=vfio:UUID on a vGPU created here: every workload in system
 * memory and in VRAM, a fault that only its process sees, one process per
 * vGPU, kill -9 (pins dropped, VRAM cleared), malformed device names, two
 * vGPUs of weights 1 and 2 at once, the memlock limit without
 * CAP_IPC_LOCK; and the library's calls directly (parameters, buffer
 * limits, freeing and allocating again).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include <drm/mvgpu_accel.h>

#include "kselftest_harness.h"
#include "mvgpu_test.h"
#include "engine_test.h"
#include "guest/libmvgpu_accel.h"

/* Generous: TCG is slow, and every mvgpu-run sets a context up anew. */
#define RUN_TIMEOUT_MS	300000
#define LINE_TIMEOUT_MS	120000

/* A running mvgpu-run: its stdin, and stdout and stderr together. */
struct proc {
	pid_t pid;
	int in;
	int out;
	char buf[16384];
	size_t len;
};

/*
 * RLIMIT_MEMLOCK for the next proc_start() (0: as it is), which then also
 * runs mvgpu-run without CAP_IPC_LOCK, so that the limit applies.
 */
static uint64_t child_memlock;
/*
 * For the next proc_start(): MVGPU_VFIO_GROUP's value (NULL: unset), and
 * whether the child sees an empty tmpfs over /sys (a mount namespace of
 * its own), as a container whose sysfs is masked.
 */
static const char *child_group;
static bool child_no_sysfs;

/* In the child: a private mount namespace with an empty /sys. */
static void child_hide_sysfs(void)
{
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tmpfs", "/sys", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=16k,mode=0755"))
		_exit(125);
}

/* In the child: drop CAP_IPC_LOCK for good (exec included), set the limit. */
static void child_limit_memlock(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];
	struct rlimit rl = { child_memlock, child_memlock };
	unsigned int w = CAP_IPC_LOCK / 32, bit = 1u << (CAP_IPC_LOCK % 32);

	/* root gets the bounding set at exec: take the capability out there */
	if (prctl(PR_CAPBSET_DROP, CAP_IPC_LOCK, 0, 0, 0) ||
	    syscall(SYS_capget, &h, d))
		_exit(126);
	d[w].effective &= ~bit;
	d[w].permitted &= ~bit;
	d[w].inheritable &= ~bit;
	if (syscall(SYS_capset, &h, d) || setrlimit(RLIMIT_MEMLOCK, &rl))
		_exit(126);
}

/* The mvgpu-run installed beside this program. */
static const char *run_path(void)
{
	static char path[PATH_MAX];
	char self[PATH_MAX];
	ssize_t n;

	if (path[0])
		return path;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return "mvgpu-run";
	self[n] = '\0';
	snprintf(path, sizeof(path), "%s/mvgpu-run", dirname(self));
	return path;
}

/*
 * Start mvgpu-run with args (NULL-terminated, without argv[0]) and
 * MVGPU_DEVICE=dev (unset when dev is NULL). 0 or -errno.
 */
static int proc_start(struct proc *p, const char *dev, const char *const *args)
{
	const char *argv[32] = { "mvgpu-run" };
	int in[2], out[2];
	size_t i;

	for (i = 0; args[i] && i + 2 < MT_ARRAY_SIZE(argv); i++)
		argv[i + 1] = args[i];
	memset(p, 0, sizeof(*p));
	if (pipe2(in, O_CLOEXEC))
		return -errno;
	if (pipe2(out, O_CLOEXEC)) {
		close(in[0]);
		close(in[1]);
		return -errno;
	}
	fflush(stdout);
	fflush(stderr);
	p->pid = fork();
	if (p->pid < 0) {
		p->pid = -errno;
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		return p->pid;
	}
	if (!p->pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		if (child_memlock)
			child_limit_memlock();
		if (child_no_sysfs)
			child_hide_sysfs();
		if (child_group)
			setenv("MVGPU_VFIO_GROUP", child_group, 1);
		else
			unsetenv("MVGPU_VFIO_GROUP");
		if (dev)
			setenv(MVA_DEVICE_ENV, dev, 1);
		else
			unsetenv(MVA_DEVICE_ENV);
		execv(run_path(), (char *const *)argv);
		fprintf(stderr, "exec %s: %s\n", run_path(), strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	p->in = in[1];
	p->out = out[0];
	return 0;
}

/* Read what is there within timeout_ms: 1 got some, 0 EOF, -errno. */
static int proc_read(struct proc *p, int timeout_ms)
{
	struct pollfd pfd = { .fd = p->out, .events = POLLIN };
	ssize_t n;
	int ret;

	ret = poll(&pfd, 1, timeout_ms);
	if (ret < 0)
		return -errno;
	if (!ret)
		return -ETIMEDOUT;
	if (p->len == sizeof(p->buf) - 1)	/* full: keep the tail */
		p->len = 0;
	n = read(p->out, p->buf + p->len, sizeof(p->buf) - 1 - p->len);
	if (n < 0)
		return -errno;
	p->len += n;
	p->buf[p->len] = '\0';
	return n > 0;
}

/* Wait until the output has s: 0, -EPIPE at its end, or -ETIMEDOUT. */
static int proc_wait_for(struct proc *p, const char *s, int timeout_ms)
{
	uint64_t end = libmvgpu_now_ns() + (uint64_t)timeout_ms * 1000000;
	int ret;

	while (!strstr(p->buf, s)) {
		uint64_t now = libmvgpu_now_ns();

		if (now >= end)
			return -ETIMEDOUT;
		ret = proc_read(p, (int)((end - now) / 1000000) + 1);
		if (ret < 0)
			return ret;
		if (!ret)
			return -EPIPE;
	}
	return 0;
}

/*
 * Read the output to its end and reap the process: its wait status, or
 * -errno (it is killed when it does not end in timeout_ms).
 */
static int proc_finish(struct proc *p, int timeout_ms)
{
	uint64_t end = libmvgpu_now_ns() + (uint64_t)timeout_ms * 1000000;
	int ret = 0, status;

	if (p->in >= 0)
		close(p->in);
	p->in = -1;
	for (;;) {
		uint64_t now = libmvgpu_now_ns();

		if (now >= end) {
			ret = -ETIMEDOUT;
			break;
		}
		ret = proc_read(p, (int)((end - now) / 1000000) + 1);
		if (ret <= 0)
			break;
	}
	if (ret)
		kill(p->pid, SIGKILL);
	close(p->out);
	if (waitpid(p->pid, &status, 0) < 0)
		return -errno;
	return ret ? ret : status;
}

/* Run mvgpu-run to its end; its wait status (or -errno), output in p. */
static int run(struct proc *p, const char *dev, const char *const *args)
{
	int ret = proc_start(p, dev, args);

	return ret ? ret : proc_finish(p, RUN_TIMEOUT_MS);
}

/* How many times s occurs in p's output. */
static int count(const struct proc *p, const char *s)
{
	const char *at = p->buf;
	int n = 0;

	while ((at = strstr(at, s))) {
		n++;
		at += strlen(s);
	}
	return n;
}

/* Exit status 0, and n results "ok", none "FAIL". */
#define ASSERT_RUN_OK(status, p, n) do { \
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status)) \
		TH_LOG("status %#x, output:\n%s", (status), (p)->buf); \
	ASSERT_EQ((n), count((p), " ok ")) TH_LOG("output:\n%s", (p)->buf); \
	ASSERT_EQ(0, count((p), "FAIL")) TH_LOG("output:\n%s", (p)->buf); \
} while (0)

/* The first non-zero byte of the vGPU's VRAM, -1 if none, -2 unreadable. */
static long long vram_nonzero(struct mt_vgpu *v)
{
	struct mt_vram m = {};
	long long at;

	if (mt_vgpu_open(v))
		return -2;
	if (mt_vram_get(&m, &v->dev) || mt_vram_pull(&m))
		at = -2;
	else
		at = mt_find_nonzero(m.p, m.len);
	mt_vram_put(&m);
	libmvgpu_close(&v->dev);
	return at;
}

/*
 * Can VRAM buffers be made? They live in the BAR2 mapping, which kernels
 * before 6.10 do not offer (mva_bo_new() is -EOPNOTSUPP for VRAM there).
 */
static bool vram_bos(void)
{
	return mt_kernel_vfio_inode() != 0;
}

/* Word i of a buffer the GPU writes. */
static uint32_t rd32(const struct mva_bo *bo, size_t i)
{
	return __atomic_load_n((const uint32_t *)bo->cpu + i, __ATOMIC_ACQUIRE);
}

FIXTURE(urun) {
	struct mt_vgpu v;
	struct mt_vgpu w;	/* a second one, for two_weights_share */
	char dev[64];
	int setup_err;
	char msg[256];
};

FIXTURE_SETUP(urun)
{
	mt_vgpu_init(&self->v);
	mt_vgpu_init(&self->w);
	self->setup_err = mt_check_state(self->msg, sizeof(self->msg));
	if (!self->setup_err)
		self->setup_err = mt_vgpu_create(&self->v, MT_PARENT0, MT_T14);
	if (self->setup_err) {
		if (!self->msg[0])
			snprintf(self->msg, sizeof(self->msg), "create: %s",
				 strerror(-self->setup_err));
		return;
	}
	snprintf(self->dev, sizeof(self->dev), "vfio:%s", self->v.uuid);
	if (access(run_path(), X_OK)) {
		self->setup_err = -errno;
		snprintf(self->msg, sizeof(self->msg), "%s: %s", run_path(),
			 strerror(errno));
	}
}

/*
 * In the parent, once the test's process has exited: a case that failed
 * with the vGPU open through the library (library_calls) has it closed
 * then, and removing it does not wait for ourselves. Only removes: the
 * fds in the shared fixture are the child's.
 */
FIXTURE_TEARDOWN_PARENT(urun)
{
	struct mt_vgpu *v[] = { &self->v, &self->w };
	size_t i;
	int ret;

	for (i = 0; i < MT_ARRAY_SIZE(v); i++) {
		if (!v[i]->created)
			continue;
		ret = libmvgpu_mdev_remove(v[i]->uuid);
		if (ret && ret != -ENOENT)
			TH_LOG("removing %s: %s", v[i]->uuid, strerror(-ret));
	}
}

/* Every workload, results checked against the CPU, buffers in RAM. */
TEST_F_TIMEOUT(urun, workloads_sysmem, 900)
{
	static const char * const args[] = { "-s", "262144", "copy", "fill", "hash", "gemm",
			       NULL };
	struct proc p;
	int st;

	ASSERT_EQ(0, self->setup_err) TH_LOG("set-up: %s", self->msg);
	st = run(&p, self->dev, args);
	ASSERT_RUN_OK(st, &p, 4);
	TH_LOG("%s", p.buf);
}

/* The same with the results (and the hashed source) in VRAM. */
TEST_F_TIMEOUT(urun, workloads_vram, 900)
{
	static const char * const args[] = { "-v", "-s", "262144", "copy", "fill", "hash",
			       "gemm", NULL };
	struct proc p;
	int st;

	ASSERT_EQ(0, self->setup_err) TH_LOG("set-up: %s", self->msg);
	if (!vram_bos())
		SKIP(return, MT_NO_BAR2_MMAP);
	st = run(&p, self->dev, args);
	ASSERT_RUN_OK(st, &p, 4);
	/* several iterations in flight, with -d instead of the variable */
	{
		const char *q[] = { "-d", self->dev, "-q", "8", "-n", "32",
				    "-s", "65536", "copy", NULL };

		st = run(&p, "vfio:not-used-with-d", q);
		ASSERT_RUN_OK(st, &p, 1);
	}
}

/*
 * The latency work (mva_latency(), which mvgpu-bench part 9 shares): the
 * round trips and the rate are run and every submission's TIMESTAMP is
 * checked; the line gives the counts asked for and figures above zero.
 */
TEST_F_TIMEOUT(urun, latency_checked, 900)
{
	static const char * const args[] = { "-n", "50", "-q", "8", "latency",
					     NULL };
	double median, p99, rate;
	struct proc p;
	const char *l;
	int st;

	ASSERT_EQ(0, self->setup_err) TH_LOG("set-up: %s", self->msg);
	st = run(&p, self->dev, args);
	ASSERT_RUN_OK(st, &p, 1);
	l = strstr(p.buf, "mvgpu-run: latency ok iters=50 ");
	ASSERT_NE(NULL, l) TH_LOG("output:\n%s", p.buf);
	ASSERT_EQ(3, sscanf(l, "mvgpu-run: latency ok iters=50 median_us=%lf p99_us=%lf subs=200 depth=8 subs_per_s=%lf",
			    &median, &p99, &rate))
		TH_LOG("output:\n%s", p.buf);
	ASSERT_GT(median, 0);
	ASSERT_GE(p99, median);
	ASSERT_GT(rate, 0);
	TH_LOG("%s", p.buf);
}

/*
 * A GPU fault: the process gets -EIO with the reason and address, and its
 * next submission fails (mvgpu-run's fault work checks both); the next
 * process runs on the same vGPU as if nothing happened.
 */
TEST_F_TIMEOUT(urun, fault_contained, 900)
{
	static const char * const fault[] = { "fault", NULL };
	static const char * const next[] = { "-s", "65536", "copy", "gemm", NULL };
	struct proc p;
	int st;

	ASSERT_EQ(0, self->setup_err) TH_LOG("set-up: %s", self->msg);
	st = run(&p, self->dev, fault);
	ASSERT_RUN_OK(st, &p, 1);
	ASSERT_NE(0, count(&p, "fault ok ret=-5"));
	st = run(&p, self->dev, next);
	ASSERT_RUN_OK(st, &p, 2);
}

/*
 * One process per vGPU: a second mvgpu-run while the first has the vGPU
 * open is refused with EBUSY and a message naming the device; the first
 * runs on unharmed.
 */
TEST_F_TIMEOUT(urun, second_process_refused, 900)
{
	static const char * const first[] = { "-w", "-q", "4", "-n", "16", "-s", "256",
				"gemm", NULL };
	static const char * const second[] = { "-s", "4096", "copy", NULL };
	char want[128];
	struct proc a, b;
	int st;

	ASSERT_EQ(0, self->setup_err) TH_LOG("set-up: %s", self->msg);
	ASSERT_EQ(0, proc_start(&a, self->dev, first));
	ASSERT_EQ(0, proc_wait_for(&a, "gemm ready", LINE_TIMEOUT_MS))
		TH_LOG("first: %s", a.buf);
	st = run(&b, self->dev, second);
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 1)
		TH_LOG("second: status %#x: %s", st, b.buf);
	snprintf(want, sizeof(want), "mvgpu-run: device %s: the vGPU is in use by another process",
		 self->dev);
	ASSERT_NE(NULL, strstr(b.buf, want)) TH_LOG("second: %s", b.buf);
	ASSERT_NE(NULL, strstr(b.buf, strerror(EBUSY))) TH_LOG("%s", b.buf);

	ASSERT_EQ(3, write(a.in, "go\n", 3));
	st = proc_finish(&a, RUN_TIMEOUT_MS);
	ASSERT_RUN_OK(st, &a, 1);
}

/*
 * kill -9 of an mvgpu-run with work in flight: the host closes the
 * device, which drops the vGPU's pins (pinned_pages back to 0) and clears
 * its VRAM (read through a fresh VFIO open); the next process runs.
 */
TEST_F_TIMEOUT(urun, kill9_cleans_up, 900)
{
	/* the copies go to VRAM where there can be VRAM buffers */
	static const char * const busy[] = { "-v", "-w", "-q", "8", "-t", "600",
					     "-s", "1048576", "copy", NULL };
	static const char * const next[] = { "-v", "-s", "65536", "copy",
					     "fill", NULL };
	int skip = vram_bos() ? 0 : 1;
	uint64_t pinned, resets0, resets1;
	struct proc a, p;
	int st;

	ASSERT_EQ(0, self->setup_err) TH_LOG("set-up: %s", self->msg);
	resets0 = et_attr(self->v.uuid, "resets");
	ASSERT_EQ(0, proc_start(&a, self->dev, busy + skip));
	ASSERT_EQ(0, proc_wait_for(&a, "copy ready", LINE_TIMEOUT_MS))
		TH_LOG("%s", a.buf);
	ASSERT_EQ(3, write(a.in, "go\n", 3));
	ASSERT_EQ(0, proc_wait_for(&a, "copy started", LINE_TIMEOUT_MS))
		TH_LOG("%s", a.buf);
	/* copies into VRAM running: translations in use, pages pinned */
	usleep(500000);
	pinned = et_attr(self->v.uuid, "pinned_pages");
	ASSERT_NE(0, pinned);
	ASSERT_NE(UINT64_MAX, pinned);
	TH_LOG("running: pinned_pages %llu", (unsigned long long)pinned);

	ASSERT_EQ(0, kill(a.pid, SIGKILL));
	st = proc_finish(&a, RUN_TIMEOUT_MS);
	ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
		TH_LOG("status %#x: %s", st, a.buf);
	ASSERT_EQ(0, count(&a, "FAIL")) TH_LOG("%s", a.buf);

	ASSERT_EQ(0, et_attr(self->v.uuid, "pinned_pages"));
	ASSERT_EQ(-1, vram_nonzero(&self->v));
	resets1 = et_attr(self->v.uuid, "resets");
	TH_LOG("resets %llu -> %llu (a close resets the vGPU without counting)",
	       (unsigned long long)resets0, (unsigned long long)resets1);

	st = run(&p, self->dev, next + skip);
	ASSERT_RUN_OK(st, &p, 2);
	ASSERT_EQ(0, et_attr(self->v.uuid, "pinned_pages"));
}

/* Device names that are no vGPU: a clear message, exit 1, no crash. */
TEST_F_TIMEOUT(urun, malformed_device, 900)
{
	static char longname[5001], longvfio[5001];
	static const char * const args[] = { "-s", "4096", "copy", NULL };
	char absent[64], uuid[LIBMVGPU_UUID_LEN + 1];
	struct {
		const char *dev;
		const char *why;
	} cases[] = {
		{ "vfio:", "not a vGPU" },
		{ "vfio:not-a-uuid", "not a vGPU" },
		{ absent, "no such vGPU" },
		{ "vfio:../../x", "not a vGPU" },
		{ longvfio, "not a vGPU" },
		{ longname, "File name too long" },
		{ "/nonexistent/accel9", "No such file or directory" },
	};
	struct proc p;
	size_t i;
	int st;

	ASSERT_EQ(0, self->setup_err) TH_LOG("set-up: %s", self->msg);
	ASSERT_EQ(0, libmvgpu_uuid_gen(uuid));
	snprintf(absent, sizeof(absent), "vfio:%s", uuid);
	memset(longname, 'a', sizeof(longname) - 1);
	memcpy(longvfio, "vfio:", 5);
	memset(longvfio + 5, 'a', sizeof(longvfio) - 6);
	for (i = 0; i < MT_ARRAY_SIZE(cases); i++) {
		st = run(&p, cases[i].dev, args);
		ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 1)
			TH_LOG("%.40s: status %#x: %s", cases[i].dev, st, p.buf);
		ASSERT_NE(NULL, strstr(p.buf, "mvgpu-run: device "))
			TH_LOG("%.40s: %s", cases[i].dev, p.buf);
		ASSERT_NE(NULL, strstr(p.buf, cases[i].why))
			TH_LOG("%.40s: %s", cases[i].dev, p.buf);
		/* one line per work tried, nothing else: no crash report */
		ASSERT_EQ(1, count(&p, "\n")) TH_LOG("%s", p.buf);
	}
	/* and the vGPU is untouched by all that */
	ASSERT_EQ(0, et_attr(self->v.uuid, "pinned_pages"));
}

/*
 * The library directly: the parameters the kernel backend gives, the
 * buffer limits, and buffers freed and created again (memory and VRAM
 * come back, no pin stays).
 */
TEST_F_TIMEOUT(urun, library_calls, 900)
{
	uint64_t val, seq, pinned, base = 0;
	struct mva_bo bo[4], big;
	struct mva_cmds c;
	struct mva_dev d;
	int i, round;

	ASSERT_EQ(0, self->setup_err) TH_LOG("set-up: %s", self->msg);
	ASSERT_EQ(0, libmvgpu_mdev_write_u64(self->v.uuid, "weight", 7));
	ASSERT_EQ(0, mva_open(&d, self->dev));
	ASSERT_EQ(0, mva_get_param(&d, DRM_MVGPU_PARAM_VRAM_SIZE, &val));
	ASSERT_EQ(mt_type_vram(MT_T14), val);
	ASSERT_EQ(0, mva_get_param(&d, DRM_MVGPU_PARAM_NR_CONTEXTS, &val));
	ASSERT_EQ(MT_T14->contexts, val);
	ASSERT_EQ(0, mva_get_param(&d, DRM_MVGPU_PARAM_CONTEXT, &val));
	ASSERT_EQ(0, val);
	ASSERT_EQ(0, mva_get_param(&d, DRM_MVGPU_PARAM_WEIGHT, &val));
	ASSERT_EQ(7, val);
	ASSERT_EQ(-EINVAL, mva_get_param(&d, 99, &val));

	ASSERT_EQ(-EINVAL, mva_bo_new(&d, 0, 0, 0, &big));
	ASSERT_EQ(-EINVAL, mva_bo_new(&d, (1ull << 30) + 1, 0, 0, &big));
	/* more VRAM than the vGPU has; none at all without BAR2's mapping */
	ASSERT_EQ(vram_bos() ? -ENOMEM : -EOPNOTSUPP,
		  mva_bo_new(&d, mt_type_vram(MT_T14) + 4096, 1, 0, &big));

	/* create, fill on the GPU, check, free: VRAM and RAM come back */
	mva_cmds_init(&c);
	for (round = 0; round < 8; round++) {
		for (i = 0; i < 4; i++) {
			/* half the VRAM each round, twice: must be freed */
			uint64_t size = i < 2 ? mt_type_vram(MT_T14) / 4 :
						(1u << 20) + 4096 * round;

			ASSERT_EQ(0, mva_bo_new(&d, size, i < 2 && vram_bos(),
						i == 3, &bo[i]))
				TH_LOG("round %d buffer %d", round, i);
			ASSERT_EQ(0, rd32(&bo[i], 0));
		}
		mva_cmds_reset(&c);
		mva_emit_fill(&c, bo[0].va, 4096, 0x1234 + round);
		mva_emit_fill(&c, bo[2].va, 4096, 0x5678 + round);
		ASSERT_EQ(0, mva_submit(&d, &c, &seq));
		ASSERT_EQ(0, mva_wait(&d, seq, 60000, NULL, NULL));
		ASSERT_EQ(0x1234 + round, rd32(&bo[0], 1023));
		ASSERT_EQ(0x5678 + round, rd32(&bo[2], 1023));
		ASSERT_EQ(0, rd32(&bo[2], 1024));
		/* the system memory buffer the GPU wrote is pinned now */
		pinned = et_attr(self->v.uuid, "pinned_pages");
		for (i = 0; i < 4; i++)
			mva_bo_free(&d, &bo[i]);
		/* its translations are gone with it, and so its pins */
		if (!round) {
			base = et_attr(self->v.uuid, "pinned_pages");
			ASSERT_LT(base, pinned);
		}
		ASSERT_EQ(base, et_attr(self->v.uuid, "pinned_pages"));
	}
	/* the ring and fence page stay (65 pages with the 256 KiB ring) */
	ASSERT_GE(80, base) TH_LOG("pinned_pages %llu with no buffer",
				   (unsigned long long)base);

	/* a stream of half a command, too long, or none */
	c.n = 1;
	ASSERT_EQ(-EINVAL, mva_submit(&d, &c, &seq));
	c.n = 0;
	ASSERT_EQ(-EINVAL, mva_submit(&d, &c, &seq));
	/* the write-protected buffer: the GPU may not write it */
	ASSERT_EQ(0, mva_bo_new(&d, 4096, 0, 1, &bo[0]));
	mva_cmds_reset(&c);
	mva_emit_fill(&c, bo[0].va, 4096, 1);
	ASSERT_EQ(0, mva_submit(&d, &c, &seq));
	{
		uint32_t reason = 0;
		uint64_t addr = 0;

		ASSERT_EQ(-EIO, mva_wait(&d, seq, 60000, &reason, &addr));
		ASSERT_EQ(MVGPU_FAULT_WRITE, reason);
		ASSERT_EQ(bo[0].va, addr);
	}
	ASSERT_EQ(-EIO, mva_submit(&d, &c, &seq));
	mva_bo_free(&d, &bo[0]);
	mva_cmds_free(&c);
	mva_close(&d);
	ASSERT_EQ(0, et_attr(self->v.uuid, "pinned_pages"));
}

/*
 * Two vGPUs on one GPU, weights 1 and 2, each busy with mvgpu-run -q at
 * once: both run to the end; the shares of engine time they got are a
 * diagnostic (the Debian VM test checks the bound).
 */
TEST_F_TIMEOUT(urun, two_weights_share, 900)
{
	static const char * const load[] = { "-w", "-q", "16", "-s", "256", "-t", "8",
			       "gemm", NULL };
	uint64_t b0[2], b1[2], d[2];
	struct mt_vgpu *w = &self->w;
	struct proc p[2];
	char dev2[64];
	int i, st;

	ASSERT_EQ(0, self->setup_err) TH_LOG("set-up: %s", self->msg);
	ASSERT_EQ(0, mt_vgpu_create(w, MT_PARENT0, MT_T14));
	snprintf(dev2, sizeof(dev2), "vfio:%s", w->uuid);
	ASSERT_EQ(0, libmvgpu_mdev_write_u64(self->v.uuid, "weight", 1));
	ASSERT_EQ(0, libmvgpu_mdev_write_u64(w->uuid, "weight", 2));
	ASSERT_EQ(0, proc_start(&p[0], self->dev, load));
	ASSERT_EQ(0, proc_start(&p[1], dev2, load));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, proc_wait_for(&p[i], "gemm ready", LINE_TIMEOUT_MS))
			TH_LOG("%d: %s", i, p[i].buf);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(3, write(p[i].in, "go\n", 3));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, proc_wait_for(&p[i], "gemm started", LINE_TIMEOUT_MS));
	/* the middle of the run, while both are busy */
	usleep(1000000);
	b0[0] = et_attr(self->v.uuid, "busy_ns");
	b0[1] = et_attr(w->uuid, "busy_ns");
	usleep(4000000);
	b1[0] = et_attr(self->v.uuid, "busy_ns");
	b1[1] = et_attr(w->uuid, "busy_ns");
	for (i = 0; i < 2; i++) {
		st = proc_finish(&p[i], RUN_TIMEOUT_MS);
		ASSERT_RUN_OK(st, &p[i], 1);
		TH_LOG("weight %d: %s", i + 1, p[i].buf);
	}
	for (i = 0; i < 2; i++) {
		d[i] = b1[i] - b0[i];
		ASSERT_NE(0, d[i]);
	}
	ksft_print_msg("busy_ns over 4 s: weight 1 %llu, weight 2 %llu: %s %.1f %% and %.1f %%%s\n",
		       (unsigned long long)d[0], (unsigned long long)d[1],
		       "shares", 100.0 * d[0] / (d[0] + d[1]),
		       100.0 * d[1] / (d[0] + d[1]), " (ideal 33.3 and 66.7)");
}

/*
 * Without CAP_IPC_LOCK the pages the vGPU pins count against the memlock
 * limit of the process: a 1 MiB copy in system memory needs its two
 * buffers and the ring and fence page (about 2.3 MiB). Below that the
 * GPU access faults (BAD_GPA: a page that cannot be pinned is out of the
 * vGPU's reach) and mvgpu-run fails cleanly; with 3 MiB it passes.
 */
TEST_F_TIMEOUT(urun, memlock_limit, 900)
{
	static const char * const args[] = { "-s", "1048576", "copy", NULL };
	struct proc p;
	int st;

	ASSERT_EQ(0, self->setup_err) TH_LOG("set-up: %s", self->msg);
	child_memlock = 1 << 20;
	st = run(&p, self->dev, args);
	child_memlock = 0;
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 1)
		TH_LOG("status %#x: %s", st, p.buf);
	ASSERT_NE(NULL, strstr(p.buf, "GPU fault reason 4 ")) TH_LOG("%s", p.buf);
	ASSERT_NE(NULL, strstr(p.buf, "copy FAIL")) TH_LOG("%s", p.buf);
	ASSERT_EQ(0, et_attr(self->v.uuid, "pinned_pages"));

	child_memlock = 3 << 20;
	st = run(&p, self->dev, args);
	child_memlock = 0;
	ASSERT_RUN_OK(st, &p, 1);
	ASSERT_EQ(0, et_attr(self->v.uuid, "pinned_pages"));
}

/*
 * MVGPU_VFIO_GROUP (what the CDI spec sets): with an empty /sys, as in a
 * container whose sysfs is masked, the backend opens /dev/vfio/N itself
 * and the work passes; without it the same run cannot find the vGPU
 * (so /sys was hidden indeed). Another vGPU's group and a value that is
 * no number fail with status 1 and say so.
 */
TEST_F_TIMEOUT(urun, group_env_without_sysfs, 900)
{
	static const char * const args[] = { "-s", "65536", "copy", NULL };
	char group[16], other[16];
	struct proc p;
	int st;

	ASSERT_EQ(0, self->setup_err) TH_LOG("set-up: %s", self->msg);
	ASSERT_EQ(0, mt_vgpu_create(&self->w, MT_PARENT0, MT_T14));
	snprintf(group, sizeof(group), "%d", libmvgpu_mdev_group(self->v.uuid));
	snprintf(other, sizeof(other), "%d", libmvgpu_mdev_group(self->w.uuid));
	ASSERT_STRNE(group, other);

	child_no_sysfs = true;
	child_group = group;
	st = run(&p, self->dev, args);
	child_group = NULL;
	EXPECT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st))
		TH_LOG("MVGPU_VFIO_GROUP=%s, no sysfs: status %#x: %s", group,
		       st, p.buf);
	EXPECT_EQ(1, count(&p, " ok ")) TH_LOG("%s", p.buf);

	st = run(&p, self->dev, args);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 1)
		TH_LOG("no sysfs, no MVGPU_VFIO_GROUP: status %#x: %s", st,
		       p.buf);
	EXPECT_NE(NULL, strstr(p.buf, "no such vGPU")) TH_LOG("%s", p.buf);

	child_group = other;
	st = run(&p, self->dev, args);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 1)
		TH_LOG("another vGPU's group: status %#x: %s", st, p.buf);
	EXPECT_NE(NULL, strstr(p.buf, "is not in VFIO group")) TH_LOG("%s", p.buf);

	child_group = "12x";
	st = run(&p, self->dev, args);
	child_group = NULL;
	child_no_sysfs = false;
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 1)
		TH_LOG("MVGPU_VFIO_GROUP=12x: status %#x: %s", st, p.buf);
	EXPECT_NE(NULL, strstr(p.buf, "MVGPU_VFIO_GROUP=12x for vGPU"))
		TH_LOG("%s", p.buf);
	EXPECT_NE(NULL, strstr(p.buf, "not a VFIO group number"))
		TH_LOG("%s", p.buf);
}

/*
 * type1's dma_entry_limit (DMA mappings per container) reached: MAP_DMA's
 * -ENOSPC is out of memory for the caller, as the API says (-ENOMEM,
 * "Cannot allocate memory"), not -ENOSPC, which means no GPU VA range.
 * With a limit of 2 the backend's open (its pool: one mapping) and the
 * copy's first buffer fit, the second buffer does not.
 */
TEST_F_TIMEOUT(urun, dma_entry_limit_is_enomem, 900)
{
	static const char lim[] =
		"/sys/module/vfio_iommu_type1/parameters/dma_entry_limit";
	static const char * const args[] = { "-s", "4096", "copy", NULL };
	char old[32];
	struct proc p;
	ssize_t n;
	int st;

	ASSERT_EQ(0, self->setup_err) TH_LOG("set-up: %s", self->msg);
	n = libmvgpu_sysfs_read(lim, old, sizeof(old));
	ASSERT_LT(0, n) TH_LOG("%s: %s", lim, strerror((int)-n));
	ASSERT_EQ(0, libmvgpu_sysfs_write(lim, "2"));
	st = run(&p, self->dev, args);
	EXPECT_EQ(0, libmvgpu_sysfs_write(lim, old));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 1)
		TH_LOG("status %#x: %s", st, p.buf);
	EXPECT_NE(NULL, strstr(p.buf, "mvgpu-run: copy: Cannot allocate memory"))
		TH_LOG("%s", p.buf);
	/* and with the limit back the same run passes */
	st = run(&p, self->dev, args);
	ASSERT_RUN_OK(st, &p, 1);
}

TEST_HARNESS_MAIN

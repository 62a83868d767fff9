// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu-run: run workloads on an mvgpu vGPU from inside the VM, or in a
 * container that has a vGPU's VFIO device, and check every result
 * against a CPU reference.
 *
 *   mvgpu-run [-d DEV] [-s SIZE] [-n ITERS] [-t SECONDS] [-q DEPTH] [-v] [-w]
 *             WORK...
 *
 * DEV is the guest driver's accel file, or vfio:UUID for the vGPU UUID
 * through VFIO (libmvgpu_accel's user-space backend); without -d,
 * $MVGPU_DEVICE, else /dev/accel/accel0.
 * WORK is copy, fill, gemm, hash, all, fault (provokes a GPU page fault
 * and expects this process, alone, to get the error), or latency (the
 * round trip of one tiny command, mva_submit + mva_wait, ITERS times,
 * default 200; then the submissions per second of 4 * ITERS with DEPTH in
 * flight, default 16; every submission's TIMESTAMP checked; -s, -t, -v
 * and -w do not apply to it: libmvgpu_accel_lat.c). SIZE is bytes (a
 * suffix K or M multiplies by 1024 or 1048576) for
 * copy/fill/hash and the matrix dimension for gemm. -v puts the
 * destination buffers in VRAM. -q keeps up to DEPTH submissions in flight
 * (to keep the vGPU busy); then only the last result is checked. Each
 * work prints one line:
 *
 *   mvgpu-run: copy ok iters=8 bytes=8388608 ms=123 MBps=68.20 check_ms=9
 *   mvgpu-run: gemm ok iters=2 macs=524288 ms=90 MMACps=5.83 check_ms=1
 *   mvgpu-run: latency ok iters=200 median_us=28.1 p99_us=110.4 subs=800 depth=16 subs_per_s=86845
 *
 * -w lets another party start several loads at once: each work is set up
 * (buffers filled, CPU reference computed), prints
 *
 *   mvgpu-run: gemm ready setup_ms=2310
 *
 * and waits for a line on standard input; it prints "mvgpu-run: WORK
 * started" once its first submission is queued.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <drm/mvgpu_accel.h>
#include <linux/mvgpu.h>

#include "libmvgpu_accel.h"

#define WAIT_MS		120000
/* An address every context leaves unmapped. */
#define UNMAPPED_VA	0x800000ull
#define MAX_QUEUE	64

struct opts {
	const char *dev;
	uint64_t size;
	unsigned int iters;
	double seconds;
	unsigned int queue;
	int iters_given;	/* -n given: latency's round trips */
	int queue_given;	/* -q given: latency's rate depth */
	int vram;
	int wait_go;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint32_t rnd(uint32_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

/* Whether to run another iteration. */
static int more(const struct opts *o, unsigned int done, double start)
{
	if (o->seconds > 0)
		return now_ms() - start < o->seconds * 1e3;
	return done < o->iters;
}

static void report(const char *work, int ok, unsigned int iters,
		   uint64_t units, const char *unit, double ms, double check_ms)
{
	/* units per ms / 1e3 = millions of units per second */
	printf("mvgpu-run: %s %s iters=%u %s=%llu ms=%.0f %sps=%.2f check_ms=%.0f\n",
	       work, ok ? "ok" : "FAIL", iters, unit, (unsigned long long)units,
	       ms, !strcmp(unit, "bytes") ? "MB" : "MMAC",
	       ms > 0 ? units / ms / 1e3 : 0.0, check_ms);
	fflush(stdout);
}

static int wait_seqno(struct mva_dev *dev, uint64_t seqno)
{
	uint64_t addr;
	uint32_t reason;
	int ret;

	ret = mva_wait(dev, seqno, WAIT_MS, &reason, &addr);
	if (ret == -EIO)
		fprintf(stderr, "mvgpu-run: GPU fault reason %u at %#llx\n",
			reason, (unsigned long long)addr);
	return ret;
}

/*
 * What one work provides: the commands of one iteration, a way to wipe the
 * result so a GPU that did nothing cannot pass, and the check.
 */
struct work {
	const char *name;
	struct mva_cmds cmds;
	void (*wipe)(struct work *w);
	int (*check)(struct work *w);
	struct mva_bo bo[3];
	uint64_t expect;
	int32_t *ref;
	uint64_t units_per_iter;
	const char *unit;
	double setup_ms;
};

/*
 * Run iterations (-n) or for a time (-t), keeping up to -q submissions in
 * flight; with one in flight every iteration's result is checked, else the
 * result of the last. The line's ms includes the checks; check_ms is
 * their part (they are slow in a nested guest under TCG).
 */
static int run_loop(const struct opts *o, struct mva_dev *dev, struct work *w)
{
	uint64_t seq[MAX_QUEUE];
	unsigned int iters = 0, inflight = 0, done = 0;
	double start = now_ms(), check_ms = 0, t;
	int ret = 0, ok = 1;

	w->wipe(w);
	if (o->wait_go) {
		char line[64];

		printf("mvgpu-run: %s ready setup_ms=%.0f\n", w->name,
		       w->setup_ms);
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return -EPIPE;
		start = now_ms();
	}
	while (ok && !ret && more(o, iters, start)) {
		if (inflight == o->queue) {
			ret = wait_seqno(dev, seq[done % MAX_QUEUE]);
			done++;
			inflight--;
			if (ret)
				break;
			if (o->queue == 1) {
				t = now_ms();
				ok = w->check(w);
				w->wipe(w);
				check_ms += now_ms() - t;
			}
		}
		ret = mva_submit(dev, &w->cmds, &seq[iters % MAX_QUEUE]);
		if (ret)
			break;
		iters++;
		inflight++;
		if (o->wait_go && iters == 1) {
			printf("mvgpu-run: %s started\n", w->name);
			fflush(stdout);
		}
	}
	while (inflight && !ret) {
		ret = wait_seqno(dev, seq[done % MAX_QUEUE]);
		done++;
		inflight--;
	}
	if (!ret && ok) {
		t = now_ms();
		ok = w->check(w);
		check_ms += now_ms() - t;
	}
	report(w->name, ok && !ret, done, done * w->units_per_iter, w->unit,
	       now_ms() - start, check_ms);
	return ret ? ret : (ok ? 0 : -EBADMSG);
}

static void wipe_bo1(struct work *w)
{
	memset(w->bo[1].cpu, 0, w->bo[1].size < 64 ? w->bo[1].size : 64);
}

static void wipe_bo2(struct work *w)
{
	memset(w->bo[2].cpu, 0, 64);
}

static int check_copy(struct work *w)
{
	return !memcmp(w->bo[0].cpu, w->bo[1].cpu, w->units_per_iter);
}

static int check_fill(struct work *w)
{
	const uint32_t *p = w->bo[1].cpu;
	uint64_t i;

	for (i = 0; i < w->units_per_iter / 4; i++)
		if (p[i] != (uint32_t)w->expect)
			return 0;
	return 1;
}

static int check_hash(struct work *w)
{
	return *(volatile uint64_t *)w->bo[1].cpu == w->expect;
}

static int check_gemm(struct work *w)
{
	return !memcmp(w->bo[2].cpu, w->ref, w->expect);
}

static void fill_random(void *buf, uint64_t bytes, uint32_t seed, int small)
{
	uint32_t *p = buf;
	uint64_t i;

	for (i = 0; i < bytes / 4; i++)
		p[i] = small ? (uint32_t)((int32_t)rnd(&seed) % 1000) :
			       rnd(&seed);
}

/* Set up work @name; buffers that get results honour -v. */
static int work_setup(struct mva_dev *dev, const struct opts *o,
		      const char *name, struct work *w)
{
	uint64_t size = o->size;
	int ret;

	memset(w, 0, sizeof(*w));
	w->name = name;
	w->unit = "bytes";
	w->units_per_iter = size;
	w->wipe = wipe_bo1;
	mva_cmds_init(&w->cmds);

	if (!strcmp(name, "copy")) {
		ret = mva_bo_new(dev, size, 0, 1, &w->bo[0]);
		if (!ret)
			ret = mva_bo_new(dev, size, o->vram, 0, &w->bo[1]);
		if (ret)
			return ret;
		fill_random(w->bo[0].cpu, size, 1, 0);
		mva_emit_copy(&w->cmds, w->bo[0].va, w->bo[1].va, size);
		w->check = check_copy;
	} else if (!strcmp(name, "fill")) {
		ret = mva_bo_new(dev, size, o->vram, 0, &w->bo[1]);
		if (ret)
			return ret;
		w->expect = 0x5a5a1234;
		mva_emit_fill(&w->cmds, w->bo[1].va, size, w->expect);
		w->check = check_fill;
	} else if (!strcmp(name, "hash")) {
		ret = mva_bo_new(dev, size, o->vram, 1, &w->bo[0]);
		if (!ret)
			ret = mva_bo_new(dev, 4096, 0, 0, &w->bo[1]);
		if (ret)
			return ret;
		fill_random(w->bo[0].cpu, size, 7, 0);
		w->expect = libmvgpu_ref_fnv1a64(w->bo[0].cpu, size);
		mva_emit_hash(&w->cmds, w->bo[0].va, size, w->bo[1].va);
		w->check = check_hash;
	} else if (!strcmp(name, "gemm")) {
		uint32_t dim = size > 512 ? 64 : size;	/* bytes given: a dim */
		uint64_t bytes = (uint64_t)dim * dim * 4;

		w->ref = malloc(bytes);
		if (!w->ref)
			return -ENOMEM;
		ret = mva_bo_new(dev, bytes, 0, 1, &w->bo[0]);
		if (!ret)
			ret = mva_bo_new(dev, bytes, 0, 1, &w->bo[1]);
		if (!ret)
			ret = mva_bo_new(dev, bytes, o->vram, 0, &w->bo[2]);
		if (ret)
			return ret;
		fill_random(w->bo[0].cpu, bytes, 3, 1);
		fill_random(w->bo[1].cpu, bytes, 5, 1);
		libmvgpu_ref_gemm_i32(w->bo[0].cpu, w->bo[1].cpu, w->ref, dim, dim, dim);
		mva_emit_gemm(&w->cmds, w->bo[0].va, w->bo[1].va, w->bo[2].va,
			      dim, dim, dim);
		w->expect = bytes;
		w->units_per_iter = (uint64_t)dim * dim * dim;
		w->unit = "macs";
		w->wipe = wipe_bo2;
		w->check = check_gemm;
	} else {
		fprintf(stderr, "mvgpu-run: unknown work '%s'\n", name);
		return -EINVAL;
	}
	return 0;
}

static void work_teardown(struct mva_dev *dev, struct work *w)
{
	int i;

	for (i = 0; i < 3; i++)
		if (w->bo[i].handle)
			mva_bo_free(dev, &w->bo[i]);
	mva_cmds_free(&w->cmds);
	free(w->ref);
}

/* A copy from an address this context never mapped must fail here only. */
static int work_fault(struct mva_dev *dev)
{
	uint64_t seqno, addr = 0;
	uint32_t reason = 0;
	struct mva_bo dst;
	struct mva_cmds c;
	int ret, ok;

	ret = mva_bo_new(dev, 4096, 0, 0, &dst);
	if (ret)
		return ret;
	mva_cmds_init(&c);
	mva_emit_copy(&c, UNMAPPED_VA, dst.va, 4096);
	ret = mva_submit(dev, &c, &seqno);
	if (!ret)
		ret = mva_wait(dev, seqno, WAIT_MS, &reason, &addr);
	ok = ret == -EIO && reason == MVGPU_FAULT_NOT_PRESENT &&
	     addr == UNMAPPED_VA;
	/* And the context stays dead for this process. */
	if (ok)
		ok = mva_submit(dev, &c, &seqno) == -EIO;
	printf("mvgpu-run: fault %s ret=%d reason=%u addr=%#llx\n",
	       ok ? "ok" : "FAIL", ret, reason, (unsigned long long)addr);
	mva_cmds_free(&c);
	mva_bo_free(dev, &dst);
	return ok ? 0 : -EBADMSG;
}

/*
 * The round trip and rate of one TIMESTAMP command (-n round trips,
 * default 200; -q in flight for the rate, default 16); mva_latency()
 * checks every submission's result.
 */
static int work_latency(struct mva_dev *dev, const struct opts *o)
{
	unsigned int n = o->iters_given ? o->iters : 200;
	unsigned int depth = o->queue_given ? o->queue : 16;
	struct mva_lat_res r;
	int ret;

	ret = mva_latency(dev, n, depth, WAIT_MS, NULL, &r);
	printf("mvgpu-run: latency %s iters=%u median_us=%.1f p99_us=%.1f",
	       ret ? "FAIL" : "ok", r.n, r.median_ns / 1e3, r.p99_ns / 1e3);
	printf(" subs=%u depth=%u subs_per_s=%.0f\n", r.subs, depth,
	       r.subs_per_s);
	fflush(stdout);
	return ret;
}

/* Why mva_open() failed, in words, for the device path it was given. */
static void open_error(const char *path, int err)
{
	const char *group = getenv("MVGPU_VFIO_GROUP");
	const char *why = NULL;
	int vfio = mva_path_is_vfio(path);
	int len = (int)strlen(path);

	if (group && !*group)
		group = NULL;
	if (vfio && err == -EBUSY)
		why = "the vGPU is in use by another process (one process a vGPU)";
	else if (vfio && err == -EINVAL && group)
		why = "not a vGPU (vfio:UUID), or MVGPU_VFIO_GROUP not a group number";
	else if (vfio && err == -EINVAL)
		why = "not a vGPU (vfio:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)";
	else if (vfio && err == -ENODEV && group)
		why = "no such vGPU in the VFIO group MVGPU_VFIO_GROUP names";
	else if (vfio && err == -ENODEV)
		why = "no such vGPU (no /sys/bus/mdev/devices/UUID)";
	else if (vfio && err == -ENOENT)
		why = "no VFIO device nodes for it (/dev/vfio/N, /dev/vfio/vfio)";
	else if (vfio && (err == -EACCES || err == -EPERM))
		why = "no access to its VFIO group (/dev/vfio/N, /dev/vfio/vfio)";
	else if (!vfio && err == -EBUSY)
		why = "every context of the vGPU is taken";
	/* a path too long to print whole is cut */
	fprintf(stderr, "mvgpu-run: device %.*s%s: ", len > 80 ? 80 : len,
		path, len > 80 ? "..." : "");
	if (why)
		fprintf(stderr, "%s (%s)\n", why, strerror(-err));
	else
		fprintf(stderr, "%s\n", strerror(-err));
}

static int run_work(const char *name, const struct opts *o)
{
	struct mva_dev dev;
	struct work w;
	int ret;

	ret = mva_open(&dev, o->dev);
	if (ret) {
		open_error(mva_path(o->dev), ret);
		return ret;
	}
	if (!strcmp(name, "fault")) {
		ret = work_fault(&dev);
	} else if (!strcmp(name, "latency")) {
		ret = work_latency(&dev, o);
	} else {
		double t0 = now_ms();

		ret = work_setup(&dev, o, name, &w);
		w.setup_ms = now_ms() - t0;
		if (!ret)
			ret = run_loop(o, &dev, &w);
		work_teardown(&dev, &w);
	}
	if (ret && ret != -EBADMSG)
		fprintf(stderr, "mvgpu-run: %s: %s\n", name, strerror(-ret));
	mva_close(&dev);
	return ret;
}

/* -s: a number, times 1024 with a suffix K, 1048576 with M; 0 if bad. */
static uint64_t parse_size(const char *arg)
{
	char *end;
	uint64_t v = strtoull(arg, &end, 0);

	if (*end == 'K' || *end == 'k') {
		v <<= 10;
		end++;
	} else if (*end == 'M' || *end == 'm') {
		v <<= 20;
		end++;
	}
	return *end ? 0 : v;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: mvgpu-run [-d DEV] [-s SIZE] [-n ITERS] [-t SECONDS] [-q DEPTH] [-v] [-w] WORK...\n"
		"WORK: copy fill gemm hash all fault latency\n"
		"-s: bytes (suffix K, M), the matrix dimension for gemm\n"
		"latency: -n round trips (default 200), then 4x that many submissions\n"
		"    with -q in flight (default 16)\n"
		"-d: /dev/accel/accelN (in a VM) or vfio:UUID (the vGPU UUID through VFIO);\n"
		"    default: $MVGPU_DEVICE, else /dev/accel/accel0\n"
		"-w: set each work up, say 'mvgpu-run: WORK ready', start on a line from stdin\n");
}

int main(int argc, char **argv)
{
	struct opts o = {
		.dev = NULL,	/* $MVGPU_DEVICE, else /dev/accel/accel0 */
		.size = 1 << 20,
		.iters = 1,
		.queue = 1,
	};
	int opt, i, failed = 0;

	while ((opt = getopt(argc, argv, "d:s:n:t:q:vwh")) != -1) {
		switch (opt) {
		case 'd':
			o.dev = optarg;
			break;
		case 's':
			o.size = parse_size(optarg);
			break;
		case 'n':
			o.iters = strtoul(optarg, NULL, 0);
			o.iters_given = 1;
			break;
		case 't':
			o.seconds = strtod(optarg, NULL);
			break;
		case 'q':
			o.queue = strtoul(optarg, NULL, 0);
			o.queue_given = 1;
			break;
		case 'v':
			o.vram = 1;
			break;
		case 'w':
			o.wait_go = 1;
			break;
		default:
			usage();
			return 2;
		}
	}
	if (optind == argc || !o.size || o.size % 4 || !o.queue ||
	    o.queue > MAX_QUEUE) {
		usage();
		return 2;
	}
	for (i = optind; i < argc; i++) {
		if (!strcmp(argv[i], "all")) {
			failed |= run_work("copy", &o) != 0;
			failed |= run_work("fill", &o) != 0;
			failed |= run_work("hash", &o) != 0;
			failed |= run_work("gemm", &o) != 0;
		} else {
			failed |= run_work(argv[i], &o) != 0;
		}
	}
	return failed;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu-run: run workloads on an mvgpu vGPU from inside the VM and check
 * every result against a CPU reference.
 *
 *   mvgpu-run [-d DEV] [-s SIZE] [-n ITERS] [-t SECONDS] [-v] WORK...
 *
 * WORK is copy, fill, gemm, hash, all, or fault (provokes a GPU page fault
 * and expects this process, alone, to get the error). SIZE is bytes for
 * copy/fill/hash and the matrix dimension for gemm. -v puts the
 * destination buffers in VRAM. Each work prints one line:
 *
 *   mvgpu-run: copy ok iters=8 bytes=8388608 ms=123 MBps=68.20
 *   mvgpu-run: gemm ok iters=2 macs=524288 ms=90 MMACps=5.83
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

struct opts {
	const char *dev;
	uint64_t size;
	unsigned int iters;
	double seconds;
	int vram;
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

static int run_cmds(struct mva_dev *dev, struct mva_cmds *c)
{
	uint64_t seqno, addr;
	uint32_t reason;
	int ret;

	ret = mva_submit(dev, c, &seqno);
	if (ret)
		return ret;
	ret = mva_wait(dev, seqno, WAIT_MS, &reason, &addr);
	if (ret == -EIO)
		fprintf(stderr, "mvgpu-run: GPU fault reason %u at %#llx\n",
			reason, (unsigned long long)addr);
	return ret;
}

/* Whether to run another iteration. */
static int more(const struct opts *o, unsigned int done, double start)
{
	if (o->seconds > 0)
		return now_ms() - start < o->seconds * 1e3;
	return done < o->iters;
}

static void report(const char *work, int ok, unsigned int iters,
		   uint64_t units, const char *unit, double ms)
{
	/* units per ms / 1e3 = millions of units per second */
	printf("mvgpu-run: %s %s iters=%u %s=%llu ms=%.0f %sps=%.2f\n", work,
	       ok ? "ok" : "FAIL", iters, unit, (unsigned long long)units, ms,
	       !strcmp(unit, "bytes") ? "MB" : "MMAC",
	       ms > 0 ? units / ms / 1e3 : 0.0);
}

static int work_copy(struct mva_dev *dev, const struct opts *o)
{
	struct mva_bo src, dst;
	struct mva_cmds c;
	unsigned int iters = 0;
	uint32_t seed = 1, i;
	double start;
	int ret, ok = 1;

	ret = mva_bo_new(dev, o->size, 0, 1, &src);
	if (ret)
		return ret;
	ret = mva_bo_new(dev, o->size, o->vram, 0, &dst);
	if (ret) {
		mva_bo_free(dev, &src);
		return ret;
	}
	for (i = 0; i < o->size / 4; i++)
		((uint32_t *)src.cpu)[i] = rnd(&seed);
	mva_cmds_init(&c);
	mva_emit_copy(&c, src.va, dst.va, o->size);
	start = now_ms();
	while (ok && more(o, iters, start)) {
		memset(dst.cpu, 0, 64);
		ret = run_cmds(dev, &c);
		ok = !ret && !memcmp(src.cpu, dst.cpu, o->size);
		iters++;
	}
	report("copy", ok, iters, iters * o->size, "bytes", now_ms() - start);
	mva_cmds_free(&c);
	mva_bo_free(dev, &dst);
	mva_bo_free(dev, &src);
	return ret ? ret : (ok ? 0 : -EBADMSG);
}

static int work_fill(struct mva_dev *dev, const struct opts *o)
{
	unsigned int iters = 0;
	struct mva_cmds c;
	struct mva_bo dst;
	double start;
	int ret, ok = 1;
	uint64_t i;

	ret = mva_bo_new(dev, o->size, o->vram, 0, &dst);
	if (ret)
		return ret;
	mva_cmds_init(&c);
	start = now_ms();
	while (ok && more(o, iters, start)) {
		uint32_t pattern = 0x5a5a0000 + iters;

		mva_cmds_reset(&c);
		mva_emit_fill(&c, dst.va, o->size & ~3ull, pattern);
		ret = run_cmds(dev, &c);
		ok = !ret;
		for (i = 0; ok && i < o->size / 4; i++)
			ok = ((uint32_t *)dst.cpu)[i] == pattern;
		iters++;
	}
	report("fill", ok, iters, iters * o->size, "bytes", now_ms() - start);
	mva_cmds_free(&c);
	mva_bo_free(dev, &dst);
	return ret ? ret : (ok ? 0 : -EBADMSG);
}

static int work_hash(struct mva_dev *dev, const struct opts *o)
{
	unsigned int iters = 0;
	struct mva_bo src, out;
	struct mva_cmds c;
	uint32_t seed = 7, i;
	uint64_t expect;
	double start;
	int ret, ok = 1;

	ret = mva_bo_new(dev, o->size, o->vram, 1, &src);
	if (ret)
		return ret;
	ret = mva_bo_new(dev, 4096, 0, 0, &out);
	if (ret) {
		mva_bo_free(dev, &src);
		return ret;
	}
	for (i = 0; i < o->size / 4; i++)
		((uint32_t *)src.cpu)[i] = rnd(&seed);
	expect = mva_ref_hash(src.cpu, o->size);
	mva_cmds_init(&c);
	mva_emit_hash(&c, src.va, o->size, out.va);
	start = now_ms();
	while (ok && more(o, iters, start)) {
		*(volatile uint64_t *)out.cpu = 0;
		ret = run_cmds(dev, &c);
		ok = !ret && *(volatile uint64_t *)out.cpu == expect;
		iters++;
	}
	report("hash", ok, iters, iters * o->size, "bytes", now_ms() - start);
	mva_cmds_free(&c);
	mva_bo_free(dev, &out);
	mva_bo_free(dev, &src);
	return ret ? ret : (ok ? 0 : -EBADMSG);
}

static int work_gemm(struct mva_dev *dev, const struct opts *o)
{
	uint32_t dim = o->size, seed = 3, i;
	uint64_t bytes = (uint64_t)dim * dim * 4;
	struct mva_bo a, b, cm;
	unsigned int iters = 0;
	struct mva_cmds c;
	int32_t *ref;
	double start;
	int ret, ok = 1;

	if (!dim || dim > MVGPU_GEMM_MAX_DIM)
		return -EINVAL;
	ref = malloc(bytes);
	if (!ref)
		return -ENOMEM;
	ret = mva_bo_new(dev, bytes, 0, 1, &a);
	if (!ret) {
		ret = mva_bo_new(dev, bytes, 0, 1, &b);
		if (!ret) {
			ret = mva_bo_new(dev, bytes, o->vram, 0, &cm);
			if (ret)
				mva_bo_free(dev, &b);
		}
		if (ret)
			mva_bo_free(dev, &a);
	}
	if (ret) {
		free(ref);
		return ret;
	}
	for (i = 0; i < dim * dim; i++) {
		((int32_t *)a.cpu)[i] = (int32_t)rnd(&seed) % 1000;
		((int32_t *)b.cpu)[i] = (int32_t)rnd(&seed) % 1000;
	}
	mva_ref_gemm(a.cpu, b.cpu, ref, dim, dim, dim);
	mva_cmds_init(&c);
	mva_emit_gemm(&c, a.va, b.va, cm.va, dim, dim, dim);
	start = now_ms();
	while (ok && more(o, iters, start)) {
		memset(cm.cpu, 0, 64);
		ret = run_cmds(dev, &c);
		ok = !ret && !memcmp(cm.cpu, ref, bytes);
		iters++;
	}
	report("gemm", ok, iters, (uint64_t)iters * dim * dim * dim, "macs",
	       now_ms() - start);
	mva_cmds_free(&c);
	mva_bo_free(dev, &cm);
	mva_bo_free(dev, &b);
	mva_bo_free(dev, &a);
	free(ref);
	return ret ? ret : (ok ? 0 : -EBADMSG);
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

static int run_work(const char *work, const struct opts *o)
{
	struct opts g = *o;
	struct mva_dev dev;
	int ret;

	ret = mva_open(&dev, o->dev);
	if (ret) {
		fprintf(stderr, "mvgpu-run: %s: %s\n", o->dev, strerror(-ret));
		return ret;
	}
	if (!strcmp(work, "copy")) {
		ret = work_copy(&dev, o);
	} else if (!strcmp(work, "fill")) {
		ret = work_fill(&dev, o);
	} else if (!strcmp(work, "hash")) {
		ret = work_hash(&dev, o);
	} else if (!strcmp(work, "gemm")) {
		if (g.size > 512)
			g.size = 64;	/* a byte size was given: pick a dim */
		ret = work_gemm(&dev, &g);
	} else if (!strcmp(work, "fault")) {
		ret = work_fault(&dev);
	} else {
		fprintf(stderr, "mvgpu-run: unknown work '%s'\n", work);
		ret = -EINVAL;
	}
	if (ret && ret != -EBADMSG)
		fprintf(stderr, "mvgpu-run: %s: %s\n", work, strerror(-ret));
	mva_close(&dev);
	return ret;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: mvgpu-run [-d DEV] [-s SIZE] [-n ITERS] [-t SECONDS] [-v] WORK...\n"
		"WORK: copy fill gemm hash all fault\n");
}

int main(int argc, char **argv)
{
	struct opts o = {
		.dev = "/dev/accel/accel0",
		.size = 1 << 20,
		.iters = 1,
	};
	int opt, i, failed = 0;

	while ((opt = getopt(argc, argv, "d:s:n:t:vh")) != -1) {
		switch (opt) {
		case 'd':
			o.dev = optarg;
			break;
		case 's':
			o.size = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			o.iters = strtoul(optarg, NULL, 0);
			break;
		case 't':
			o.seconds = strtod(optarg, NULL);
			break;
		case 'v':
			o.vram = 1;
			break;
		default:
			usage();
			return 2;
		}
	}
	if (optind == argc || !o.size || o.size % 4) {
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

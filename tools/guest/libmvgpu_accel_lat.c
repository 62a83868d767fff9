// SPDX-License-Identifier: GPL-2.0
/*
 * libmvgpu_accel: the submission latency and rate of a vGPU as a program
 * sees it, whichever backend it is on; shared by mvgpu-run's "latency"
 * work (the VM path, or a container) and mvgpu-bench part 9 (the
 * container path), so that both measure the very same thing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mvgpu_gpu.h"
#include "libmvgpu_accel.h"

/* What a stamp slot holds until the engine writes it. */
#define MVA_LAT_UNSET	UINT64_MAX

static int mva_lat_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Check slot k's stamp: written (no longer MVA_LAT_UNSET) and not before
 * the last one checked (the vGPU's TIMESTAMP clock only runs forward);
 * then unset it for the next submission into that slot.
 */
static int mva_lat_check(struct mva_bo *stamp, unsigned int k, uint64_t *last)
{
	/* read after mva_wait(), a call the compiler cannot see through */
	uint64_t *s = (uint64_t *)stamp->cpu + k;
	uint64_t v = *s;

	if (v == MVA_LAT_UNSET || v < *last)
		return -EBADMSG;
	*last = v;
	*s = MVA_LAT_UNSET;
	return 0;
}

static int mva_lat_wait(struct mva_dev *dev, uint64_t seqno,
			uint32_t timeout_ms, struct mva_bo *stamp,
			unsigned int k, uint64_t *last)
{
	int ret = mva_wait(dev, seqno, timeout_ms, NULL, NULL);

	return ret ? ret : mva_lat_check(stamp, k, last);
}

/**
 * mva_latency() - measure the submission round trip and rate of a vGPU
 * @dev: an opened vGPU (either backend)
 * @n: round trips to time (at least 1); the rate then runs 4 * @n
 *     submissions
 * @depth: submissions in flight for the rate (1 to %MVA_LAT_MAX_DEPTH)
 * @timeout_ms: what each mva_wait() may take
 * @lat: @n entries, or NULL: each round trip in ns, sorted on return
 * @res: the figures
 *
 * The command is one TIMESTAMP into a buffer of this function's (plus the
 * fence the backend adds). A round trip is mva_submit() + mva_wait() of it,
 * timed @n times after one untimed warm-up; then 4 * @n submissions with
 * up to @depth in flight give the rate. Every submission's stamp is
 * checked (written, and not before the previous one): a vGPU that
 * completes without running the command fails with -EBADMSG.
 *
 * Return: 0, or a negative errno (mva_submit(), mva_wait(), -ENOMEM,
 * -EINVAL for @n or @depth out of range, -EBADMSG for a stamp not written).
 */
int mva_latency(struct mva_dev *dev, unsigned int n, unsigned int depth,
		uint32_t timeout_ms, uint64_t *lat, struct mva_lat_res *res)
{
	struct mva_cmds c[MVA_LAT_MAX_DEPTH];
	uint64_t seq[MVA_LAT_MAX_DEPTH], last = 0, t0, *v = lat;
	unsigned int i, k, done, total = 4 * n;
	struct mva_bo stamp;
	int ret;

	memset(res, 0, sizeof(*res));
	if (!n || n > UINT32_MAX / 4 || !depth || depth > MVA_LAT_MAX_DEPTH)
		return -EINVAL;
	if (!v) {
		v = calloc(n, sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	ret = mva_bo_new(dev, 4096, 0, 0, &stamp);
	if (ret)
		goto out_free;
	memset(stamp.cpu, 0xff, depth * sizeof(uint64_t));	/* unset */
	for (k = 0; k < depth; k++) {
		mva_cmds_init(&c[k]);
		mva_emit_timestamp(&c[k], stamp.va + k * sizeof(uint64_t));
	}

	/* round trips, slot 0; the first one untimed (it maps the buffer) */
	for (i = 0; i <= n && !ret; i++) {
		t0 = libmvgpu_now_ns();
		ret = mva_submit(dev, &c[0], &seq[0]);
		if (!ret)
			ret = mva_wait(dev, seq[0], timeout_ms, NULL, NULL);
		if (i)
			v[i - 1] = libmvgpu_now_ns() - t0;
		if (!ret)
			ret = mva_lat_check(&stamp, 0, &last);
	}
	if (ret)
		goto out_cmds;
	qsort(v, n, sizeof(*v), mva_lat_cmp);
	res->n = n;
	res->median_ns = v[n / 2];
	res->p99_ns = v[(uint64_t)n * 99 / 100];

	/* the rate: submission i goes into slot i % depth */
	t0 = libmvgpu_now_ns();
	for (i = 0, done = 0; i < total; i++) {
		k = i % depth;
		if (i - done == depth) {
			ret = mva_lat_wait(dev, seq[k], timeout_ms, &stamp, k,
					   &last);
			done++;
			if (ret)
				break;
		}
		ret = mva_submit(dev, &c[k], &seq[k]);
		if (ret)
			break;
	}
	/* what is in flight (i submitted) is waited for, even after an error */
	for (; done < i; done++) {
		int err;

		k = done % depth;
		err = mva_lat_wait(dev, seq[k], timeout_ms, &stamp, k, &last);
		if (!ret)
			ret = err;
	}
	if (!ret) {
		res->depth = depth;
		res->subs = total;
		res->subs_per_s = total / ((libmvgpu_now_ns() - t0) / 1e9);
	}
out_cmds:
	for (k = 0; k < depth; k++)
		mva_cmds_free(&c[k]);
	mva_bo_free(dev, &stamp);
out_free:
	if (!lat)
		free(v);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * sched_policy: the scheduler's policies and per-vGPU controls, as the
 * admin guide describes them. The GPU's "policy" (best_effort, equal,
 * fixed), the vGPU's "cap" (percent) and "priority" (low, normal, high)
 * refuse bad values with EINVAL and keep their value; "equal" ignores
 * the weights and "best_effort" follows them again, switched while the
 * vGPUs run; "fixed" holds a vGPU alone on the GPU to its share, a cap to
 * its percentage, util_permille shows it; a high-priority vGPU's work
 * runs while a low-priority one is in the middle of a giant GEMM (which
 * counts a preemption), and low-priority work only gets what normal work
 * leaves; 64 vGPUs of 1/64 run checked work through VFIO at once.
 *
 * Shares are checked with a coarse bound (no flakes on a noisy machine);
 * mvgpu-bench measures them precisely.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>

#include "kselftest_harness.h"
#include "engine_test.h"
#include "load.h"

#define NR_LOADS	2
#define SHARE_SLACK	10.0	/* percentage points */
#define WINDOW_S	3
#define NR_SMALL	64

static int write_parent(const char *parent, const char *attr, const char *v)
{
	char path[512];
	int ret = libmvgpu_path_parent(path, sizeof(path), parent, attr);

	return ret ? ret : libmvgpu_sysfs_write(path, v);
}

/* A parent attribute's text without its newline. */
static int read_parent(const char *parent, const char *attr, char *buf,
		       size_t len)
{
	char path[512];
	int ret = libmvgpu_path_parent(path, sizeof(path), parent, attr);

	if (!ret && libmvgpu_sysfs_read(path, buf, len) < 0)
		ret = -EIO;
	if (!ret)
		buf[strcspn(buf, "\n")] = 0;
	return ret;
}

static void vgpu_path(char *path, size_t len, const char *uuid,
		      const char *attr)
{
	snprintf(path, len, LIBMVGPU_SYSFS_MDEV_DEVS "/%s/mvgpu/%s", uuid, attr);
}

static int write_vgpu(const char *uuid, const char *attr, const char *v)
{
	char path[512];

	vgpu_path(path, sizeof(path), uuid, attr);
	return libmvgpu_sysfs_write(path, v);
}

/* The first of vals that a write to path does not refuse with EINVAL. */
static const char *first_accepted(const char *path, const char * const *vals,
				  size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (libmvgpu_sysfs_write(path, vals[i]) != -EINVAL)
			return vals[i];
	return NULL;
}

/* A vGPU of the 64 on one GPU, each through its own VFIO container. */
struct small {
	struct et_gpu g;
	struct libmvgpu_ctx ctx;
	struct et_buf vram, out;
};

FIXTURE(pol) {
	struct load l[NR_LOADS];
	struct small small[NR_SMALL];
	char msg[256];
};

FIXTURE_SETUP(pol)
{
	int i, ret;

	for (i = 0; i < NR_LOADS; i++)
		mt_vgpu_init(&self->l[i].g.v);
	for (i = 0; i < NR_SMALL; i++)
		mt_vgpu_init(&self->small[i].g.v);
	ret = mt_check_state(self->msg, sizeof(self->msg));
	ASSERT_EQ(0, ret) TH_LOG("%s", self->msg);
	for (i = 0; i < NR_LOADS && !ret; i++)
		ret = load_up(&self->l[i], MT_PARENT0, i ? MT_T14 : MT_T18,
			      self->msg, sizeof(self->msg));
	if (ret) {
		for (i = 0; i < NR_LOADS; i++)
			load_down(&self->l[i]);
		ASSERT_EQ(0, ret) TH_LOG("vGPU %d: %s", i, self->msg);
	}
}

FIXTURE_TEARDOWN_PARENT(pol)
{
	int i, ret;

	write_parent(MT_PARENT0, "policy", "best_effort");
	for (i = 0; i < NR_LOADS; i++) {
		if (self->l[i].g.owner == getpid())
			load_down(&self->l[i]);
		ret = et_remove(&self->l[i].g);
		EXPECT_EQ(0, ret) TH_LOG("remove %s: %s", self->l[i].g.v.uuid,
					 strerror(-ret));
	}
	for (i = 0; i < NR_SMALL; i++) {
		ret = et_remove(&self->small[i].g);
		EXPECT_EQ(0, ret) TH_LOG("remove %s: %s",
					 self->small[i].g.v.uuid,
					 strerror(-ret));
	}
}

/*
 * Engine time each load got during WINDOW_S seconds, in percent of the
 * window (the model has one engine).
 */
static void measure(struct load *l, int n, double *pct)
{
	uint64_t b0[NR_LOADS], t0, t1;
	int i;

	t0 = libmvgpu_now_ns();
	for (i = 0; i < n; i++)
		b0[i] = load_busy(&l[i]);
	sleep(WINDOW_S);
	t1 = libmvgpu_now_ns();
	for (i = 0; i < n; i++)
		pct[i] = 100.0 * (double)(load_busy(&l[i]) - b0[i]) /
			 (double)(t1 - t0);
}

static int near(double got, double want)
{
	return got > want - SHARE_SLACK && got < want + SHARE_SLACK;
}

TEST_F(pol, controls_refuse_bad_values)
{
	static const char * const bad_policy[] = {
		"fair", "best_effort2", "FIXED", "equal fixed", "\n",
	};
	static const char * const bad_cap[] = { "101", "-1", "x", "4294967297" };
	static const char * const bad_prio[] = { "urgent", "Low", "1", "\n" };
	const char *uuid = self->l[0].g.v.uuid;
	char buf[64], path[512];

	ASSERT_EQ(0, read_parent(MT_PARENT0, "policy", buf, sizeof(buf)));
	EXPECT_STREQ("best_effort", buf);
	ASSERT_EQ(0, write_parent(MT_PARENT0, "policy", "fixed"));
	ASSERT_EQ(0, read_parent(MT_PARENT0, "policy", buf, sizeof(buf)));
	EXPECT_STREQ("fixed", buf);
	ASSERT_EQ(0, libmvgpu_path_parent(path, sizeof(path), MT_PARENT0,
					  "policy"));
	EXPECT_EQ(NULL, first_accepted(path, bad_policy,
				       MT_ARRAY_SIZE(bad_policy)));
	ASSERT_EQ(0, read_parent(MT_PARENT0, "policy", buf, sizeof(buf)));
	EXPECT_STREQ("fixed", buf);
	/* the other GPU keeps its own */
	ASSERT_EQ(0, read_parent(MT_PARENT1, "policy", buf, sizeof(buf)));
	EXPECT_STREQ("best_effort", buf);
	ASSERT_EQ(0, write_parent(MT_PARENT0, "policy", "equal"));
	ASSERT_EQ(0, write_parent(MT_PARENT0, "policy", "best_effort"));

	EXPECT_EQ(0, et_attr(uuid, "cap"));
	ASSERT_EQ(0, write_vgpu(uuid, "cap", "100"));
	ASSERT_EQ(0, write_vgpu(uuid, "cap", "35"));
	vgpu_path(path, sizeof(path), uuid, "cap");
	EXPECT_EQ(NULL, first_accepted(path, bad_cap, MT_ARRAY_SIZE(bad_cap)));
	EXPECT_EQ(35, et_attr(uuid, "cap"));
	ASSERT_EQ(0, write_vgpu(uuid, "cap", "0"));

	vgpu_path(path, sizeof(path), uuid, "priority");
	EXPECT_EQ(NULL, first_accepted(path, bad_prio,
				       MT_ARRAY_SIZE(bad_prio)));
	ASSERT_EQ(0, libmvgpu_mdev_read_str(uuid, "priority", buf, sizeof(buf)));
	EXPECT_STREQ("normal", buf);
	ASSERT_EQ(0, write_vgpu(uuid, "priority", "high"));
	ASSERT_EQ(0, libmvgpu_mdev_read_str(uuid, "priority", buf, sizeof(buf)));
	EXPECT_STREQ("high", buf);
	ASSERT_EQ(0, write_vgpu(uuid, "priority", "low"));
	ASSERT_EQ(0, write_vgpu(uuid, "priority", "normal"));
}

TEST_F_TIMEOUT(pol, equal_ignores_weights_switched_under_load, 120)
{
	struct load *l = self->l;
	double pct[NR_LOADS];
	int i;

	/* a 1/8 (weight 8) and a 1/4 (weight 16), both busy */
	for (i = 0; i < NR_LOADS; i++)
		ASSERT_EQ(0, load_start(&l[i]));
	sleep(1);
	ASSERT_EQ(0, write_parent(MT_PARENT0, "policy", "equal"));
	measure(l, NR_LOADS, pct);
	TH_LOG("equal: %.1f %% / %.1f %%", pct[0], pct[1]);
	EXPECT_TRUE(near(pct[0] / (pct[0] + pct[1]) * 100, 50));

	ASSERT_EQ(0, write_parent(MT_PARENT0, "policy", "best_effort"));
	ASSERT_EQ(0, write_parent(MT_PARENT0, "timeslice_us", "500"));
	measure(l, NR_LOADS, pct);
	TH_LOG("best_effort, 500 us slices: %.1f %% / %.1f %%", pct[0],
	       pct[1]);
	EXPECT_TRUE(near(pct[0] / (pct[0] + pct[1]) * 100, 100.0 / 3));
	ASSERT_EQ(0, write_parent(MT_PARENT0, "timeslice_us", "2000"));
	for (i = 0; i < NR_LOADS; i++) {
		load_stop(&l[i]);
		EXPECT_EQ(0, l[i].feed.err);
	}
}

TEST_F_TIMEOUT(pol, fixed_share_and_cap_hold_when_alone, 120)
{
	struct load *quarter = &self->l[1];
	double pct;
	char buf[32];
	uint64_t util;

	/* the 1/4 alone: all of the engine, then exactly its quarter */
	ASSERT_EQ(0, load_start(quarter));
	measure(quarter, 1, &pct);
	TH_LOG("best_effort, alone: %.1f %%", pct);
	EXPECT_LT(100 - 2 * SHARE_SLACK, pct);

	ASSERT_EQ(0, write_parent(MT_PARENT0, "policy", "fixed"));
	sleep(1);
	measure(quarter, 1, &pct);
	util = et_attr(quarter->g.v.uuid, "util_permille");
	TH_LOG("fixed, alone: %.1f %%, util_permille %llu", pct,
	       (unsigned long long)util);
	EXPECT_TRUE(near(pct, 25));
	EXPECT_TRUE(near(util / 10.0, 25));

	/* a cap below the share wins; above it, the share does */
	ASSERT_EQ(0, write_vgpu(quarter->g.v.uuid, "cap", "10"));
	measure(quarter, 1, &pct);
	TH_LOG("fixed, cap 10: %.1f %%", pct);
	EXPECT_TRUE(near(pct, 10));
	ASSERT_EQ(0, write_parent(MT_PARENT0, "policy", "best_effort"));
	ASSERT_EQ(0, write_vgpu(quarter->g.v.uuid, "cap", "40"));
	measure(quarter, 1, &pct);
	TH_LOG("best_effort, cap 40: %.1f %%", pct);
	EXPECT_TRUE(near(pct, 40));
	ASSERT_EQ(0, write_vgpu(quarter->g.v.uuid, "cap", "0"));
	measure(quarter, 1, &pct);
	EXPECT_LT(100 - 2 * SHARE_SLACK, pct);

	load_stop(quarter);
	EXPECT_EQ(0, quarter->feed.err);
	/* idle (its ring drained): utilization falls to nothing in a second */
	ASSERT_EQ(0, libmvgpu_ctx_sync(&quarter->ctx, 60000));
	sleep(2);
	EXPECT_GT(20, et_attr(quarter->g.v.uuid, "util_permille"));
	ASSERT_EQ(0, libmvgpu_mdev_read_str(quarter->g.v.uuid, "cap", buf,
					    sizeof(buf)));
	EXPECT_STREQ("0", buf);
}

TEST_F_TIMEOUT(pol, low_priority_gets_what_is_left, 120)
{
	struct load *normal = &self->l[0], *low = &self->l[1];
	double pct[NR_LOADS];

	ASSERT_EQ(0, write_vgpu(low->g.v.uuid, "priority", "low"));
	ASSERT_EQ(0, load_start(normal));
	ASSERT_EQ(0, load_start(low));
	sleep(1);
	measure(self->l, NR_LOADS, pct);
	TH_LOG("normal %.1f %%, low %.1f %%", pct[0], pct[1]);
	EXPECT_GT(SHARE_SLACK, pct[1]);
	EXPECT_LT(100 - 2 * SHARE_SLACK, pct[0]);

	/* the normal one stops (and drains its ring): the low one gets it */
	load_stop(normal);
	ASSERT_EQ(0, libmvgpu_ctx_sync(&normal->ctx, 60000));
	measure(self->l, NR_LOADS, pct);
	TH_LOG("then low alone: %.1f %%", pct[1]);
	EXPECT_LT(100 - 2 * SHARE_SLACK, pct[1]);
	load_stop(low);
	EXPECT_EQ(0, normal->feed.err);
	EXPECT_EQ(0, low->feed.err);
}

TEST_F_TIMEOUT(pol, high_priority_preempts_a_giant_gemm, 180)
{
	struct load *low = &self->l[0], *high = &self->l[1];
	const uint32_t d = 1024;	/* 1 G multiply-adds */
	uint64_t f_low, fenced, t0, t1;
	struct et_buf big;
	int64_t seq;
	int i;

	ASSERT_EQ(0, write_vgpu(low->g.v.uuid, "priority", "low"));
	ASSERT_EQ(0, write_vgpu(high->g.v.uuid, "priority", "high"));

	/* operands anywhere in the low vGPU's VRAM: the values do not matter */
	ASSERT_EQ(0, et_buf_vram(&low->g.gpu, &low->g.pt, 0x100000000ull, 0,
				 12u << 20, LIBMVGPU_MAP_WRITE, &big));
	ASSERT_EQ(0, libmvgpu_emit_gemm(&low->ctx, big.va, big.va + (4u << 20),
					big.va + (8u << 20), d, d, d));
	seq = libmvgpu_ctx_fence(&low->ctx, false);
	ASSERT_LT(0, seq);
	f_low = (uint64_t)seq;
	libmvgpu_ring_kick(&low->ctx);
	usleep(300000);
	/* the GEMM is running */
	ASSERT_GT(f_low, libmvgpu_ctx_fence_reg(&low->ctx));

	/*
	 * A high job whose doorbell comes while the engine is between two
	 * of the low vGPU's slices runs next without stopping anything, so
	 * one job may preempt nothing (seen once in five runs on a loaded
	 * machine); up to ten jobs, until one did.
	 */
	for (i = 0; i < 10; i++) {
		t0 = libmvgpu_now_ns();
		ASSERT_EQ(0, libmvgpu_emit_fill(&high->ctx, high->work.va, 4096,
						0x4a));
		ASSERT_EQ(0, libmvgpu_ctx_sync(&high->ctx, ET_TIMEOUT_MS));
		t1 = libmvgpu_now_ns();
		if (et_attr(low->g.v.uuid, "preemptions"))
			break;
	}
	fenced = libmvgpu_ctx_fence_reg(&low->ctx);
	TH_LOG("high job %d done in %llu us; low GEMM %s", i + 1,
	       (unsigned long long)(t1 - t0) / 1000,
	       fenced >= f_low ? "done (too fast to tell)" : "still running");
	EXPECT_GT(f_low, fenced);
	EXPECT_LT(0, et_attr(low->g.v.uuid, "preemptions"));
	EXPECT_EQ(0x4a, libmvgpu_vram_rd32(&high->g.gpu, 4092));

	/* the low one finishes its GEMM afterwards, intact */
	ASSERT_EQ(0, libmvgpu_ctx_wait_fence(&low->ctx, f_low, 120000));
	EXPECT_EQ(0, libmvgpu_ctx_rd(&low->ctx, MVGPU_CTX_STATUS) &
		     MVGPU_CTX_STATUS_FAULTED);
}

/* mvgpu-info -l lists every vGPU with its controls and utilization. */
TEST_F(pol, mvgpu_info_live_view)
{
	char line[512], want[128];
	int found = 0;
	FILE *f;

	ASSERT_EQ(0, write_vgpu(self->l[1].g.v.uuid, "priority", "high"));
	ASSERT_EQ(0, write_vgpu(self->l[1].g.v.uuid, "cap", "42"));
	f = popen("mvgpu-info -l -n 1", "r");
	ASSERT_NE(NULL, f);
	snprintf(want, sizeof(want), "%s mvgpu-1_4", self->l[1].g.v.uuid);
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, want) && strstr(line, " high ") &&
		    strstr(line, " 42 "))
			found++;
		if (strstr(line, self->l[0].g.v.uuid) &&
		    strstr(line, " normal "))
			found++;
	}
	EXPECT_EQ(0, pclose(f));
	EXPECT_EQ(2, found);
}

#define TRACEFS		"/sys/kernel/tracing"

/* The scheduler's tracepoints record a vGPU's slices. */
TEST_F_TIMEOUT(pol, tracepoints_record_slices, 60)
{
	static char trace[1 << 20];
	struct load *l = &self->l[0];
	char fs[4096];

	/* a kernel built without event tracing has no tracefs at all */
	ASSERT_LT(0, libmvgpu_sysfs_read("/proc/filesystems", fs, sizeof(fs)));
	if (!strstr(fs, "\ttracefs\n"))
		SKIP(return, "the kernel has no tracefs (CONFIG_TRACING off)");
	if (access(TRACEFS "/events", F_OK))
		mount("tracefs", TRACEFS, "tracefs", 0, NULL);
	ASSERT_EQ(0, access(TRACEFS "/events/mvgpu/mvgpu_slice_start", F_OK));
	ASSERT_EQ(0, access(TRACEFS "/events/mvgpu/mvgpu_slice_end", F_OK));
	ASSERT_EQ(0, access(TRACEFS "/events/mvgpu/mvgpu_preempt", F_OK));
	ASSERT_EQ(0, libmvgpu_sysfs_write(TRACEFS "/events/mvgpu/enable", "1"));
	ASSERT_EQ(0, libmvgpu_emit_fill(&l->ctx, l->work.va, 4096, 7));
	ASSERT_EQ(0, libmvgpu_ctx_sync(&l->ctx, ET_TIMEOUT_MS));
	ASSERT_EQ(0, libmvgpu_sysfs_write(TRACEFS "/events/mvgpu/enable", "0"));
	ASSERT_LT(0, libmvgpu_sysfs_read(TRACEFS "/trace", trace, sizeof(trace)));
	EXPECT_NE(NULL, strstr(trace, "mvgpu_slice_start: gpu=0 engine=0"));
	EXPECT_NE(NULL, strstr(trace, "prio=1"));
	EXPECT_NE(NULL, strstr(trace, "mvgpu_slice_end: gpu=0 engine=0"));
	EXPECT_NE(NULL, strstr(trace, "result=idle"));
}

TEST_F_TIMEOUT(pol, sixty_four_vgpus_run_checked_work, 600)
{
	struct small *smalls = self->small;
	uint64_t want, total, used;
	int i, round, up = 0;
	char msg[128];

	/* the fixture's two vGPUs live on the other GPU */
	for (i = 0; i < NR_SMALL; i++) {
		struct small *s = &smalls[i];
		int ret;

		ret = et_up_flags(&s->g, MT_PARENT1, MT_T164, 256 << 10,
				  ET_UNMAPPED_OK, msg, sizeof(msg));
		if (!ret)
			ret = et_buf_vram(&s->g.gpu, &s->g.pt, ET_VA_VRAM, 0,
					  64 << 10, LIBMVGPU_MAP_WRITE, &s->vram);
		if (!ret)
			ret = et_buf_sys(&s->g.gpu, &s->g.pt, ET_VA_AUX, 4096,
					 0, LIBMVGPU_MAP_WRITE, &s->out);
		if (!ret)
			ret = libmvgpu_ctx_init(&s->ctx, &s->g.gpu, &s->g.pt, 0,
						4096);
		if (ret) {
			TH_LOG("vGPU %d: %s (%s)", i, msg, strerror(-ret));
			break;
		}
		up++;
	}
	ASSERT_EQ(NR_SMALL, up);
	ASSERT_EQ(0, libmvgpu_parent_read_u64(MT_PARENT1, "vram_total", &total));
	ASSERT_EQ(0, libmvgpu_parent_read_u64(MT_PARENT1, "vram_used", &used));
	EXPECT_EQ(total, used);

	for (round = 0; round < 3; round++) {
		/* everyone's work queued before anyone's is waited for */
		for (i = 0; i < NR_SMALL; i++) {
			struct small *s = &smalls[i];

			ASSERT_EQ(0, libmvgpu_emit_fill(&s->ctx, s->vram.va,
							64 << 10,
						     0x01010101u * (i + round)));
			ASSERT_EQ(0, libmvgpu_emit_hash(&s->ctx, s->vram.va,
							64 << 10, s->out.va));
			libmvgpu_ring_kick(&s->ctx);
		}
		for (i = 0; i < NR_SMALL; i++) {
			struct small *s = &smalls[i];
			uint32_t buf[16384];
			int k;

			ASSERT_EQ(0, libmvgpu_ctx_sync(&s->ctx, 120000))
				TH_LOG("vGPU %d round %d", i, round);
			for (k = 0; k < 16384; k++)
				buf[k] = 0x01010101u * (i + round);
			want = libmvgpu_ref_fnv1a64(buf, sizeof(buf));
			ASSERT_EQ(want, *(uint64_t *)s->out.cpu)
				TH_LOG("vGPU %d round %d", i, round);
		}
	}
	for (i = 0; i < NR_SMALL; i++)
		EXPECT_LT(0, et_attr(smalls[i].g.v.uuid, "busy_ns"));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * fault_inject: kernel allocations that fail (failslab and
 * fail_page_alloc, for this process, the GPU's engine threads and the
 * workers that ran the shadow's fill worker only;
 * 10, 3 or 1 % of them) while a vGPU is created, opened, given guest
 * memory, has a context enabled, runs commands whose first use of guest
 * memory makes the fill worker fill the shadow (pins, xarray and table
 * entries) and is reset: every step ends in a clean error or success,
 * never a crash; once injection stops, the vGPU is removed with nothing
 * left behind (no mdev, no pinned page) and a new vGPU works. Leaks show
 * up in kmemleak's report at the end of the run.
 *
 * Needs a kernel with fault injection in debugfs (make check-debug's);
 * elsewhere it skips, which is why it is not in run_list: check-debug.sh
 * adds it.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>

#include "kselftest_harness.h"
#include "engine_test.h"

#define ROUNDS		40
#define DBGFS		"/sys/kernel/debug"

static const char *const attrs[] = { "failslab", "fail_page_alloc" };

static int write_str(const char *path, const char *s)
{
	return libmvgpu_sysfs_write(path, s);
}

/* Configure both injectors: fail @percent %, only for marked tasks. */
static int inject_setup(unsigned int percent)
{
	char path[128], val[16];
	unsigned int i;
	int ret = 0;

	snprintf(val, sizeof(val), "%u", percent);
	for (i = 0; i < MT_ARRAY_SIZE(attrs) && !ret; i++) {
		snprintf(path, sizeof(path), DBGFS "/%s/task-filter", attrs[i]);
		ret = write_str(path, "Y");
		snprintf(path, sizeof(path), DBGFS "/%s/probability", attrs[i]);
		if (!ret)
			ret = write_str(path, val);
		snprintf(path, sizeof(path), DBGFS "/%s/interval", attrs[i]);
		if (!ret)
			ret = write_str(path, "1");
		snprintf(path, sizeof(path), DBGFS "/%s/times", attrs[i]);
		if (!ret)
			ret = write_str(path, "-1");
		snprintf(path, sizeof(path), DBGFS "/%s/verbose", attrs[i]);
		if (!ret)
			ret = write_str(path, "0");
	}
	snprintf(path, sizeof(path), DBGFS "/fail_page_alloc/ignore-gfp-wait");
	if (!ret)
		ret = write_str(path, "N");
	snprintf(path, sizeof(path), DBGFS "/failslab/ignore-gfp-wait");
	if (!ret)
		ret = write_str(path, "N");
	return ret;
}

/*
 * Mark or unmark this task (the only thread) for injection. Unmarking
 * allocates too, and so may fail while marked: try until it takes.
 */
static int inject(bool on)
{
	int tries = 1000, ret;

	do
		ret = write_str("/proc/self/make-it-fail", on ? "1" : "0");
	while (ret && --tries);
	return ret;
}

/*
 * Mark or unmark the engine threads (kthreads "mvgpuN-engM") and the
 * workers that have run the shadow's fill worker (kworkers named after
 * the "mvgpu_fill" workqueue, where the shadow is filled; a worker that
 * has not served it yet is not marked). Return: how many engines were
 * found.
 */
static int inject_engines(bool on)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[300], comm[32] = "";
		FILE *f;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) &&
		    ((!strncmp(comm, "mvgpu", 5) && strstr(comm, "-eng")) ||
		     strstr(comm, "mvgpu_fill"))) {
			snprintf(path, sizeof(path), "/proc/%s/make-it-fail",
				 e->d_name);
			if (!write_str(path, on ? "1" : "0") &&
			    !strstr(comm, "mvgpu_fill"))
				found++;
		}
		fclose(f);
	}
	closedir(d);
	return found;
}

/*
 * Commands whose first use of system memory and VRAM makes the engine
 * fill the shadow; 0 or -errno (a fault is a clean outcome here too).
 */
static int use_fresh_memory(struct et_gpu *g, struct libmvgpu_ctx *c)
{
	struct et_buf sys, vram;
	int ret;

	ret = et_buf_sys(&g->gpu, &g->pt, ET_VA_SRC, 64 << 10, 0,
			 LIBMVGPU_MAP_WRITE, &sys);
	if (!ret)
		ret = et_buf_vram(&g->gpu, &g->pt, ET_VA_VRAM, 0, 64 << 10,
				  LIBMVGPU_MAP_WRITE, &vram);
	if (!ret)
		ret = libmvgpu_emit_fill(c, ET_VA_SRC, 64 << 10, 0x3c);
	if (!ret)
		ret = libmvgpu_emit_copy(c, ET_VA_SRC, ET_VA_VRAM, 64 << 10);
	if (!ret)
		ret = libmvgpu_ctx_sync(c, ET_TIMEOUT_MS);
	return ret;
}

FIXTURE(fi) {
	char msg[256];
};

FIXTURE_SETUP(fi)
{
	if (access(DBGFS "/failslab", F_OK))
		mount("none", DBGFS, "debugfs", 0, NULL);
	if (access(DBGFS "/failslab", F_OK) ||
	    access(DBGFS "/fail_page_alloc", F_OK))
		SKIP(return, "no failslab / fail_page_alloc (not a fault-injection kernel)");
	ASSERT_EQ(0, mt_check_state(self->msg, sizeof(self->msg)))
		TH_LOG("%s", self->msg);
}

FIXTURE_TEARDOWN(fi)
{
	inject_engines(false);
	inject(false);
	inject_setup(0);
}

TEST_F_TIMEOUT(fi, create_open_sync_reset_under_failing_allocations, 600)
{
	/* percent of allocations that fail, by round: early and late steps */
	static const unsigned int percent[] = { 10, 3, 1, 1 };
	unsigned int round, failed = 0, done = 0;

	for (round = 0; round < ROUNDS; round++) {
		struct et_gpu g;
		struct libmvgpu_ctx c;
		char msg[128];
		int ret;

		memset(&g, 0, sizeof(g));
		mt_vgpu_init(&g.v);
		ASSERT_EQ(0, inject_setup(percent[round % 4]));
		ASSERT_LT(0, inject_engines(true));
		ASSERT_EQ(0, inject(true));
		ret = et_up(&g, MT_PARENT0, MT_T18, 1 << 20, msg, sizeof(msg));
		if (!ret)
			ret = libmvgpu_ctx_init(&c, &g.gpu, &g.pt, 0, 4096);
		if (!ret)
			ret = use_fresh_memory(&g, &c);
		if (!ret)
			ret = libmvgpu_reset(&g.v.dev);
		ASSERT_EQ(0, inject(false));
		ASSERT_LT(0, inject_engines(false));
		if (ret)
			failed++;
		else
			done++;
		if (g.up) {
			ASSERT_EQ(0, libmvgpu_reset(&g.v.dev));
			ASSERT_EQ(0, et_attr(g.v.uuid, "pinned_pages"));
			ASSERT_EQ(0, et_attr(g.v.uuid, "shadow_entries"));
		}
		ASSERT_EQ(0, et_down(&g)) TH_LOG("round %u: remove", round);
		ASSERT_EQ(0, mt_check_state(self->msg, sizeof(self->msg)))
			TH_LOG("round %u: %s", round, self->msg);
	}
	TH_LOG("%u rounds: %u ended in an error, %u got through", ROUNDS,
	       failed, done);
	/* the injection was real */
	ASSERT_LT(0, failed);

	/* and without it, a vGPU works */
	{
		struct et_gpu g;
		struct libmvgpu_ctx c;
		struct et_buf b;
		char msg[128];

		memset(&g, 0, sizeof(g));
		mt_vgpu_init(&g.v);
		ASSERT_EQ(0, et_up(&g, MT_PARENT0, MT_T18, 1 << 20, msg,
				   sizeof(msg))) TH_LOG("%s", msg);
		ASSERT_EQ(0, et_buf_vram(&g.gpu, &g.pt, ET_VA_VRAM, 0, 4096,
					 LIBMVGPU_MAP_WRITE, &b));
		ASSERT_EQ(0, libmvgpu_ctx_init(&c, &g.gpu, &g.pt, 0, 4096));
		ASSERT_EQ(0, libmvgpu_emit_fill(&c, ET_VA_VRAM, 4096, 0x77));
		ASSERT_EQ(0, libmvgpu_ctx_sync(&c, ET_TIMEOUT_MS));
		ASSERT_EQ(0x77, ((uint32_t *)g.gpu.vram)[1023]);
		ASSERT_EQ(0, et_down(&g));
	}
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * sched: the host scheduler of a physical engine shared by vGPUs. Busy
 * vGPUs with weights 1:2:4 get engine time roughly in that proportion
 * (coarse bound, the benchmark measures it precisely); a runaway vGPU
 * (a WAIT that never ends, a huge stream) does not starve another one;
 * the commands / context_switches / busy_ns counters move; a reset in
 * the middle of work leaves that vGPU clean and the others running; a
 * vGPU whose page tables describe a huge address space neither stalls
 * the others while the host shadows them nor gets more shadow entries
 * than its cap (the rest faults with SHADOW_LIMIT).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "engine_test.h"
#include "load.h"

#define NR_LOADS	3
/* Share bound in percentage points (coarse on purpose: no flakes). */
#define SHARE_SLACK	10.0

FIXTURE(sch) {
	struct load l[NR_LOADS];
	char msg[256];
};

FIXTURE_SETUP(sch)
{
	int i, ret;

	for (i = 0; i < NR_LOADS; i++)
		mt_vgpu_init(&self->l[i].g.v);
	ret = mt_check_state(self->msg, sizeof(self->msg));
	ASSERT_EQ(0, ret) TH_LOG("%s", self->msg);
	for (i = 0; i < NR_LOADS && !ret; i++)
		ret = load_up(&self->l[i], MT_PARENT0, MT_T18, self->msg,
			      sizeof(self->msg));
	if (ret) {
		/* no teardown after a failed setup: clean up here */
		for (i = 0; i < NR_LOADS; i++)
			load_down(&self->l[i]);
		ASSERT_EQ(0, ret) TH_LOG("vGPU %d: %s", i, self->msg);
	}
}

FIXTURE_TEARDOWN_PARENT(sch)
{
	int i;

	for (i = 0; i < NR_LOADS; i++) {
		int ret;

		if (self->l[i].g.owner == getpid())
			load_down(&self->l[i]);	/* stop the feeder first */
		ret = et_remove(&self->l[i].g);

		EXPECT_EQ(0, ret) TH_LOG("remove %s: %s", self->l[i].g.v.uuid,
					 strerror(-ret));
	}
}

TEST_F_TIMEOUT(sch, weights_share_engine_time, 180)
{
	static const unsigned int weight[NR_LOADS] = { 1, 2, 4 };
	uint64_t b0[NR_LOADS], d[NR_LOADS], sum = 0;
	int i;

	for (i = 0; i < NR_LOADS; i++) {
		ASSERT_EQ(0, libmvgpu_mdev_write_u64(self->l[i].g.v.uuid,
						     "weight", weight[i]));
		ASSERT_EQ(weight[i], et_attr(self->l[i].g.v.uuid, "weight"));
		EXPECT_EQ(weight[i], libmvgpu_gpu_rd(&self->l[i].g.gpu,
						     MVGPU_REG_WEIGHT))
			TH_LOG("WEIGHT register does not follow sysfs");
	}
	for (i = 0; i < NR_LOADS; i++)
		ASSERT_EQ(0, load_start(&self->l[i]));
	/* warm up: all three have work queued */
	sleep(2);
	for (i = 0; i < NR_LOADS; i++)
		b0[i] = load_busy(&self->l[i]);
	sleep(6);
	for (i = 0; i < NR_LOADS; i++) {
		d[i] = load_busy(&self->l[i]) - b0[i];
		sum += d[i];
	}
	for (i = 0; i < NR_LOADS; i++)
		load_stop(&self->l[i]);
	for (i = 0; i < NR_LOADS; i++) {
		int err = self->l[i].feed.err;

		ASSERT_EQ(0, err) TH_LOG("feeder %d: %s", i, strerror(-err));
	}
	ASSERT_LT(0, sum);
	for (i = 0; i < NR_LOADS; i++) {
		double share = 100.0 * d[i] / sum;
		double ideal = 100.0 * weight[i] / 7;

		TH_LOG("weight %u: busy %llu ns, share %.1f%% (ideal %.1f%%)",
		       weight[i], (unsigned long long)d[i], share, ideal);
		EXPECT_TRUE(share - ideal <= SHARE_SLACK &&
			    ideal - share <= SHARE_SLACK);
	}
	/* the order is right in any case */
	ASSERT_LT(d[0], d[1]);
	ASSERT_LT(d[1], d[2]);
}

TEST_F_TIMEOUT(sch, runaway_does_not_starve, 180)
{
	struct load *stuck = &self->l[0], *huge = &self->l[1];
	struct load *small = &self->l[2];
	uint64_t sem_va = stuck->work.va, t0, t;
	int i;

	/* vGPU 0 waits for a value that never comes */
	ASSERT_EQ(0, et_buf_store64(&stuck->work, 0, 0));
	ASSERT_EQ(0, libmvgpu_emit_wait(&stuck->ctx, sem_va, 1));
	ASSERT_LT(0, libmvgpu_ctx_fence(&stuck->ctx, false));
	libmvgpu_ring_kick(&stuck->ctx);
	/* vGPU 1 gets a full ring of big GEMMs */
	huge->feed.gemm_dim = 128;
	for (i = 0; libmvgpu_ring_update(&huge->ctx) >= 1024; i++)
		ASSERT_EQ(0, libmvgpu_emit_gemm(&huge->ctx, huge->work.va,
						huge->work.va + 4 * 128 * 128,
					     huge->work.va + 8 * 128 * 128,
					     128, 128, 128));
	libmvgpu_ring_kick(&huge->ctx);
	TH_LOG("%d GEMMs of 128^3 queued", i);
	sleep(1);

	/* vGPU 2's small job completes in reasonable time */
	t0 = libmvgpu_now_ns();
	ASSERT_EQ(0, libmvgpu_emit_fill(&small->ctx, small->work.va, 4096, 7));
	ASSERT_EQ(0, libmvgpu_ctx_sync(&small->ctx, ET_TIMEOUT_MS));
	t = libmvgpu_now_ns() - t0;
	TH_LOG("small job done in %llu ms", (unsigned long long)t / 1000000);
	ASSERT_EQ(7, libmvgpu_vram_rd32(&small->g.gpu, small->work.addr + 4092));

	/* the waiter is waiting, not faulted, and still not released */
	ASSERT_EQ(0, libmvgpu_ctx_fence_reg(&stuck->ctx));
	ASSERT_EQ(0, libmvgpu_ctx_rd(&stuck->ctx, MVGPU_CTX_STATUS) &
		     MVGPU_CTX_STATUS_FAULTED);
	/* the huge stream was making progress too */
	ASSERT_NE(0, libmvgpu_ctx_rd(&huge->ctx, MVGPU_CTX_RING_HEAD));
}

TEST_F_TIMEOUT(sch, released_waiter_runs_under_load, 180)
{
	struct load *waiter = &self->l[0], *busy1 = &self->l[1];
	struct load *busy2 = &self->l[2];
	uint64_t sem_va = waiter->work.va;
	int64_t seq;

	/*
	 * A context blocked on WAIT yields the engine; once the value is
	 * there it must run again even though other vGPUs stay busy.
	 */
	ASSERT_EQ(0, et_buf_store64(&waiter->work, 0, 0));
	ASSERT_EQ(0, libmvgpu_emit_wait(&waiter->ctx, sem_va, 1));
	seq = libmvgpu_ctx_fence(&waiter->ctx, false);
	ASSERT_LT(0, seq);
	libmvgpu_ring_kick(&waiter->ctx);
	ASSERT_EQ(0, load_start(busy1));
	ASSERT_EQ(0, load_start(busy2));
	sleep(1);
	ASSERT_EQ(0, libmvgpu_ctx_fence_reg(&waiter->ctx));
	ASSERT_EQ(0, et_buf_store64(&waiter->work, 0, 1));
	ASSERT_EQ(0, libmvgpu_ctx_wait_fence(&waiter->ctx, seq, ET_TIMEOUT_MS))
		TH_LOG("released WAIT did not complete while others are busy");
	load_stop(busy1);
	load_stop(busy2);
	ASSERT_EQ(0, busy1->feed.err);
	ASSERT_EQ(0, busy2->feed.err);
}

TEST_F_TIMEOUT(sch, counters_move, 180)
{
	struct load *l = &self->l[0];
	const char *uuid = l->g.v.uuid;
	uint64_t cmd0, sw0, busy0, cmd1, sw1, busy1;
	struct libmvgpu_ctx c1;
	int i;

	cmd0 = et_attr(uuid, "commands");
	sw0 = et_attr(uuid, "context_switches");
	busy0 = et_attr(uuid, "busy_ns");
	/* two contexts of the vGPU take turns */
	ASSERT_EQ(0, libmvgpu_ctx_init(&c1, &l->g.gpu, &l->g.pt, 1, 4096));
	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, load_emit(l));
		ASSERT_EQ(0, libmvgpu_emit_fill(&c1, l->work.va + VRAM_WORK - 8192,
						8192, i));
	}
	ASSERT_LT(0, libmvgpu_ctx_fence(&l->ctx, false));
	ASSERT_LT(0, libmvgpu_ctx_fence(&c1, false));
	libmvgpu_ring_kick(&l->ctx);
	libmvgpu_ring_kick(&c1);
	ASSERT_EQ(0, libmvgpu_ctx_wait_fence(&l->ctx, l->ctx.seqno,
					     ET_TIMEOUT_MS));
	ASSERT_EQ(0, libmvgpu_ctx_wait_fence(&c1, c1.seqno, ET_TIMEOUT_MS));
	cmd1 = et_attr(uuid, "commands");
	sw1 = et_attr(uuid, "context_switches");
	busy1 = et_attr(uuid, "busy_ns");
	TH_LOG("commands +%llu, context_switches +%llu, busy_ns +%llu",
	       (unsigned long long)(cmd1 - cmd0),
	       (unsigned long long)(sw1 - sw0),
	       (unsigned long long)(busy1 - busy0));
	/* 42 commands, a few NOPs maybe: at least that many */
	ASSERT_LE(cmd0 + 42, cmd1);
	ASSERT_LE(sw0 + 2, sw1);
	ASSERT_LT(busy0, busy1);
	/* an idle vGPU's counters stand still */
	cmd0 = et_attr(self->l[1].g.v.uuid, "commands");
	busy0 = et_attr(self->l[1].g.v.uuid, "busy_ns");
	usleep(200000);
	ASSERT_EQ(cmd0, et_attr(self->l[1].g.v.uuid, "commands"));
	ASSERT_EQ(busy0, et_attr(self->l[1].g.v.uuid, "busy_ns"));
}

TEST_F_TIMEOUT(sch, reset_mid_work, 180)
{
	struct load *a = &self->l[0], *b = &self->l[1];
	const char *uuid = a->g.v.uuid;
	uint64_t resets, fb;
	int i;

	resets = et_attr(uuid, "resets");
	ASSERT_EQ(0, load_start(a));
	ASSERT_EQ(0, load_start(b));
	sleep(2);
	load_stop(a);		/* its ring stays full of queued work */
	ASSERT_EQ(0, a->feed.err);
	ASSERT_NE(a->ctx.tail, libmvgpu_ctx_rd(&a->ctx, MVGPU_CTX_RING_HEAD))
		TH_LOG("vGPU 0 ran dry before the reset");
	ASSERT_LE(0, et_vram_find_nonzero(&a->g.gpu, VRAM_WORK));

	ASSERT_EQ(0, libmvgpu_reset(&a->g.v.dev));
	ASSERT_EQ(resets + 1, et_attr(uuid, "resets"));
	ASSERT_EQ(0, et_attr(uuid, "pinned_pages"));
	for (i = 0; i < (int)a->g.gpu.nr_contexts; i++) {
		uint32_t base = MVGPU_CTX_REG(i, 0);

		ASSERT_EQ(0, libmvgpu_gpu_rd(&a->g.gpu, base + MVGPU_CTX_STATUS));
		ASSERT_EQ(0, libmvgpu_gpu_rd(&a->g.gpu, base + MVGPU_CTX_RING_HEAD));
		ASSERT_EQ(0, libmvgpu_gpu_rd(&a->g.gpu, base + MVGPU_CTX_FENCE_LO));
		ASSERT_EQ(0, libmvgpu_gpu_rd(&a->g.gpu, base + MVGPU_CTX_PT_ROOT_LO));
	}
	ASSERT_EQ(0, libmvgpu_gpu_rd(&a->g.gpu, MVGPU_REG_IRQ_STATUS));
	/*
	 * Nothing left running: its busy time stands still (after the slice
	 * that was in flight at the reset has been accounted), VRAM is clear.
	 */
	usleep(100000);
	fb = load_busy(a);
	usleep(300000);
	ASSERT_EQ(fb, load_busy(a));
	ASSERT_EQ(-1, et_vram_find_nonzero(&a->g.gpu, a->g.gpu.vram_size));

	/* the other vGPU kept going */
	fb = libmvgpu_ctx_fence_reg(&b->ctx);
	ASSERT_EQ(0, b->feed.err);
	sleep(1);
	ASSERT_LT(fb, libmvgpu_ctx_fence_reg(&b->ctx));
	load_stop(b);
	ASSERT_EQ(0, b->feed.err);

	/* and the reset vGPU works again once set up */
	libmvgpu_ctx_enable(&a->ctx);
	a->ctx.seqno = 0;
	ASSERT_EQ(0, libmvgpu_emit_fill(&a->ctx, a->work.va, 4096, 0x1234));
	ASSERT_EQ(0, libmvgpu_ctx_sync(&a->ctx, ET_TIMEOUT_MS));
	ASSERT_EQ(0x1234, libmvgpu_vram_rd32(&a->g.gpu, 4092));
}

/* Samples of a vGPU's "commands" counter, taken by a thread. */
#define NR_SAMPLES	4096
struct sampler {
	const char *uuid;
	pthread_t thread;
	bool stop;		/* atomic */
	unsigned int n;
	uint64_t t[NR_SAMPLES], commands[NR_SAMPLES];
};

static void *sample_commands(void *arg)
{
	struct sampler *s = arg;

	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED) &&
	       s->n < NR_SAMPLES) {
		s->t[s->n] = libmvgpu_now_ns();
		s->commands[s->n] = et_attr(s->uuid, "commands");
		s->n++;
		libmvgpu_sleep_us(10000);
	}
	return NULL;
}

/* The counter's last sample taken at or before t (the first if none). */
static uint64_t commands_at(const struct sampler *s, uint64_t t)
{
	unsigned int i = 0;

	while (i + 1 < s->n && s->t[i + 1] <= t)
		i++;
	return s->commands[i];
}

/*
 * Hostile tables in pt at va: 512 level-2 entries all pointing at one
 * level-1 table of 512 2 MiB VRAM pages (aliases of the first 16 MiB):
 * 512 GiB of GPU VA, 134 million 4 KiB translations, from two tables.
 */
static int build_huge_tree(struct libmvgpu_pt *pt, uint64_t va)
{
	uint64_t *l1, *l2;
	int i, ret;

	ret = libmvgpu_pt_map(pt, va, 0, 2 << 20,
			      LIBMVGPU_MAP_VRAM | LIBMVGPU_MAP_LARGE | LIBMVGPU_MAP_WRITE);
	if (ret)
		return ret;
	l1 = libmvgpu_pt_entry(pt, va, 1, false);
	l2 = libmvgpu_pt_entry(pt, va, 2, false);
	if (!l1 || !l2)
		return -ENOENT;
	for (i = 1; i < MVGPU_PT_ENTRIES; i++) {
		libmvgpu_store64(&l1[i], libmvgpu_load64(&l1[0]) +
			      ((uint64_t)(i % 8) << 21));
		libmvgpu_store64(&l2[i], libmvgpu_load64(&l2[0]));
	}
	return 0;
}

/* The attacker's touches: one 2 MiB region of the huge tree each. */
#define NR_TOUCHES	1024

static uint64_t touch_va(uint64_t va, unsigned int i)
{
	return va + ((uint64_t)(i % 512) << 30) + ((uint64_t)(i / 512) << 21);
}

TEST_F_TIMEOUT(sch, huge_tables_stall_no_other_vgpu, 300)
{
	struct load *attacker = &self->l[0], *victim = &self->l[1];
	const char *uuid = attacker->g.v.uuid;
	const uint64_t va = 1ull << 39;		/* level-3 entry 1 */
	static struct sampler smp;
	uint64_t t0, t1, t2, mid, during, cap, e0;
	struct libmvgpu_ctx c1;
	unsigned int i;

	ASSERT_EQ(0, build_huge_tree(&attacker->g.pt, va));
	/* both busy: the attacker's context 0 stays runnable throughout */
	ASSERT_EQ(0, load_start(attacker));
	ASSERT_EQ(0, load_start(victim));
	sleep(1);
	memset(&smp, 0, sizeof(smp));
	smp.uuid = victim->g.v.uuid;
	ASSERT_EQ(0, -pthread_create(&smp.thread, NULL, sample_commands,
				     &smp));
	usleep(200000);

	/* enabling context 1 on those tables costs the host nothing */
	e0 = et_attr(uuid, "shadow_entries");
	t0 = libmvgpu_now_ns();
	ASSERT_EQ(0, libmvgpu_ctx_init(&c1, &attacker->g.gpu, &attacker->g.pt, 1,
				       4096));
	t1 = libmvgpu_now_ns();
	ASSERT_GT(e0 + 16, et_attr(uuid, "shadow_entries"));

	/*
	 * The engine touching it: a fill of one region per touch, done in
	 * the attacker's own time slices.
	 */
	for (i = 0; i < NR_TOUCHES; i++)
		ASSERT_EQ(0, libmvgpu_emit_fill(&c1, touch_va(va, i), 4, i));
	ASSERT_EQ(0, libmvgpu_ctx_sync(&c1, 120000));
	t2 = libmvgpu_now_ns();
	usleep(100000);
	__atomic_store_n(&smp.stop, true, __ATOMIC_RELAXED);
	pthread_join(smp.thread, NULL);
	load_stop(attacker);
	load_stop(victim);
	ASSERT_EQ(0, attacker->feed.err);
	ASSERT_EQ(0, victim->feed.err);

	/* the victim's commands kept completing meanwhile */
	mid = t1 + (t2 - t1) / 2;
	during = commands_at(&smp, t2) - commands_at(&smp, mid);
	TH_LOG("enable on the huge tables took %llu us; %u touches %llu ms, victim commands in their second half: %llu",
	       (unsigned long long)(t1 - t0) / 1000, NR_TOUCHES,
	       (unsigned long long)(t2 - t1) / 1000000,
	       (unsigned long long)during);
	if (t2 - t1 >= 200000000ull)
		ASSERT_LT(0, during);

	/*
	 * One entry per touched region (its 2 MiB VRAM page stays large),
	 * within the cap, charged to the attacker.
	 */
	ASSERT_EQ(0, libmvgpu_sysfs_read_u64("/sys/module/mvgpu/parameters/max_shadow_mb",
					     &cap));
	cap <<= 8;	/* MiB in 4 KiB entries */
	TH_LOG("shadow_entries %llu (%llu before), fills %llu, cap %llu",
	       (unsigned long long)et_attr(uuid, "shadow_entries"),
	       (unsigned long long)e0,
	       (unsigned long long)et_attr(uuid, "shadow_fills"),
	       (unsigned long long)cap);
	ASSERT_LE(e0 + NR_TOUCHES, et_attr(uuid, "shadow_entries"));
	ASSERT_GT(e0 + NR_TOUCHES + 512, et_attr(uuid, "shadow_entries"));
	ASSERT_GE(cap, et_attr(uuid, "shadow_entries"));
	ASSERT_LT(et_attr(victim->g.v.uuid, "shadow_entries"), 1024);
	/* the last touch wrote its alias of the first 16 MiB of VRAM */
	i = NR_TOUCHES - 1;
	ASSERT_EQ(i, libmvgpu_vram_rd32(&attacker->g.gpu,
					(uint64_t)(i / 512 % 8) << 21));

	/* a far translation works as well */
	ASSERT_EQ(0, libmvgpu_emit_fill(&c1, va + (300ull << 30) + 4096, 4096,
					0x5a5a5a5a));
	ASSERT_EQ(0, libmvgpu_ctx_sync(&c1, ET_TIMEOUT_MS));
	ASSERT_EQ(0x5a5a5a5a, libmvgpu_vram_rd32(&attacker->g.gpu, 4096));

	/* a reset gives every shadow entry back */
	ASSERT_EQ(0, libmvgpu_reset(&attacker->g.v.dev));
	ASSERT_EQ(0, et_attr(uuid, "shadow_entries"));
	ASSERT_EQ(0, et_attr(uuid, "pinned_pages"));
}

/* The model's knob that makes its VRAM clears slow (GPU 0, debugfs). */
#define CLEAR_DELAY	"/sys/kernel/debug/mvgpu_sim/mvgpu-sim.0/clear_delay_ms"
#define NR_RESETS	4
#define RESET_CLEAR_MS	1500

static int set_clear_delay(unsigned int ms)
{
	char buf[16];
	FILE *f;
	int ret;

	if (access(CLEAR_DELAY, F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	f = fopen(CLEAR_DELAY, "w");
	if (!f)
		return -errno;
	snprintf(buf, sizeof(buf), "%u", ms);
	ret = fputs(buf, f) < 0 ? -EIO : 0;
	if (fclose(f))
		ret = -errno;
	return ret;
}

/*
 * A guest that resets its busy vGPU again and again: each reset clears
 * its VRAM slice (made to take 1.5 s here, as a 2 GiB slice might), and
 * the other vGPUs must not notice. The clear used to run under the vGPU's
 * register lock, which an engine that had picked the vGPU then waited
 * for: every other vGPU stalled for the length of the clear.
 */
TEST_F_TIMEOUT(sch, reset_stalls_no_other_vgpu, 300)
{
	struct load *att = &self->l[0], *vic = &self->l[1];
	uint64_t t0[NR_RESETS], t1[NR_RESETS], during;
	static struct sampler smp;
	int i, k, ret;

	ASSERT_EQ(0, load_start(vic));
	memset(&smp, 0, sizeof(smp));
	smp.uuid = vic->g.v.uuid;
	ASSERT_EQ(0, -pthread_create(&smp.thread, NULL, sample_commands,
				     &smp));
	ret = set_clear_delay(RESET_CLEAR_MS);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", CLEAR_DELAY, strerror(-ret));
	for (i = 0; i < NR_RESETS; i++) {
		/* the attacker busy: its ring full of GEMMs and copies */
		if (i)
			ASSERT_EQ(0, libmvgpu_ctx_init(&att->ctx, &att->g.gpu,
						       &att->g.pt, 0,
						    LOAD_RING_SIZE));
		for (k = 0; k < 4096 && libmvgpu_ring_update(&att->ctx) >= 4096;
		     k++)
			ASSERT_EQ(0, load_emit(att));
		libmvgpu_ring_kick(&att->ctx);
		usleep(50000);
		t0[i] = libmvgpu_now_ns();
		ASSERT_EQ(0, libmvgpu_reset(&att->g.v.dev));
		t1[i] = libmvgpu_now_ns();
	}
	set_clear_delay(0);
	__atomic_store_n(&smp.stop, true, __ATOMIC_RELAXED);
	pthread_join(smp.thread, NULL);
	load_stop(vic);
	ASSERT_EQ(0, vic->feed.err);

	/* in each reset's clear, the victim's commands kept completing */
	for (i = 0; i < NR_RESETS; i++) {
		ASSERT_LE(RESET_CLEAR_MS * 1000000ull, t1[i] - t0[i]);
		during = commands_at(&smp, t1[i] - 100000000ull) -
			 commands_at(&smp, t0[i] + 300000000ull);
		TH_LOG("reset %d: %llu ms, victim commands in its clear: %llu",
		       i, (unsigned long long)(t1[i] - t0[i]) / 1000000,
		       (unsigned long long)during);
		EXPECT_LT(0, during);
	}
}

TEST_HARNESS_MAIN

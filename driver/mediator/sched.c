// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu mediator: the engine scheduler.
 *
 * One kthread per physical engine picks which vGPU runs next and for how
 * long. Fairness is weighted fair queueing on virtual time: a vGPU's
 * vruntime grows by the engine time it used divided by its weight (all
 * weights equal under the "equal" policy), and the busy vGPU with the
 * smallest vruntime runs next, for at most one time slice. An idle vGPU
 * does not bank credit: when it gets work again its vruntime is lifted to
 * the busy vGPUs' minimum, so the engine is work conserving and a
 * newcomer cannot monopolise it. Within a vGPU, busy contexts take turns.
 *
 * On top of that: priority classes (the highest class with work runs, and
 * its new work stops a lower class's running context at the backend's
 * next chunk boundary), and caps, token buckets of engine time (the
 * vGPU's "cap", and under the "fixed" policy its share weight / 64),
 * which hold a vGPU back even when the engine would otherwise idle. The
 * backend stops long commands between bounded chunks, so no guest holds
 * an engine beyond its slice whatever it submits.
 */
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/sched.h>
#include <linux/wait.h>

#include "mvgpu_drv.h"

#define CREATE_TRACE_POINTS
#include "mvgpu_trace.h"

/* How often contexts blocked on WAIT look at their semaphore again. */
#define MVGPU_WAIT_POLL_NS	(500 * NSEC_PER_USEC)
/* Engine time a capped vGPU may save up while idle, at its cap's rate. */
#define MVGPU_CAP_BURST_NS	(5 * NSEC_PER_MSEC)
/*
 * Every busy vGPU of a class runs at least once per period: with many of
 * them slices get shorter than timeslice_us, but never shorter than the
 * minimum (a switch costs time too).
 */
#define MVGPU_SCHED_PERIOD_NS	(20 * NSEC_PER_MSEC)
#define MVGPU_MIN_SLICE_NS	(100 * NSEC_PER_USEC)

const char *const mvgpu_policy_names[MVGPU_NR_POLICIES] = {
	[MVGPU_POLICY_BEST_EFFORT] = "best_effort",
	[MVGPU_POLICY_EQUAL] = "equal",
	[MVGPU_POLICY_FIXED] = "fixed",
};

const char *const mvgpu_prio_names[MVGPU_NR_PRIOS] = {
	[MVGPU_PRIO_LOW] = "low",
	[MVGPU_PRIO_NORMAL] = "normal",
	[MVGPU_PRIO_HIGH] = "high",
};

/**
 * mvgpu_sched_attach() - let the scheduler run a vGPU (on open)
 * @vgpu: the vGPU
 */
void mvgpu_sched_attach(struct mvgpu_vgpu *vgpu)
{
	struct mvgpu_sched *sched = &vgpu->gpu->sched;
	u64 busy = atomic64_read(&vgpu->stats.busy_ns);
	unsigned int i;

	spin_lock(&sched->lock);
	vgpu->vruntime = sched->min_vruntime[READ_ONCE(vgpu->prio)];
	vgpu->sched_running = false;
	vgpu->frozen = false;
	vgpu->budget_ns = 0;
	vgpu->budget_at = ktime_get_ns();
	for (i = 0; i < MVGPU_UTIL_SLOTS; i++)
		vgpu->busy_hist[i] = busy;
	WRITE_ONCE(vgpu->util_permille, 0);
	list_add_tail(&vgpu->sched_node, &sched->vgpus);
	spin_unlock(&sched->lock);
}

/* Wait until no engine runs any of the vGPU's contexts. */
static void mvgpu_sched_wait_idle(struct mvgpu_vgpu *vgpu)
{
	struct mvgpu_sched *sched = &vgpu->gpu->sched;
	bool running;

	wait_event(sched->idle_wq, ({
		spin_lock(&sched->lock);
		running = vgpu->sched_running;
		spin_unlock(&sched->lock);
		!running;
	}));
}

/**
 * mvgpu_sched_detach() - take a vGPU off the scheduler (on close)
 * @vgpu: the vGPU
 *
 * Waits until no engine runs any of its contexts any more.
 */
void mvgpu_sched_detach(struct mvgpu_vgpu *vgpu)
{
	struct mvgpu_sched *sched = &vgpu->gpu->sched;

	spin_lock(&sched->lock);
	list_del_init(&vgpu->sched_node);
	spin_unlock(&sched->lock);

	mvgpu_sched_wait_idle(vgpu);
	WRITE_ONCE(vgpu->util_permille, 0);
}

/* Has the vGPU a context that could run now (not counting its cap)? */
static bool mvgpu_vgpu_ready(struct mvgpu_vgpu *vgpu)
{
	return !vgpu->sched_running && !vgpu->frozen &&
	       !atomic_read(&vgpu->shadow_busy) &&
	       (READ_ONCE(vgpu->runnable) & ~READ_ONCE(vgpu->waiting) &
		~READ_ONCE(vgpu->filling));
}

/* Values of mvgpu_engine.stop: why the running context is to stop. */
#define MVGPU_STOP_PREEMPT	1	/* for a vGPU of a higher class */
#define MVGPU_STOP_FREEZE	2	/* its vGPU is being stopped */

/**
 * mvgpu_sched_freeze() - stop running a vGPU's contexts (migration STOP)
 * @vgpu: the vGPU
 *
 * An engine running one of its contexts stops it at its next chunk
 * boundary, with the command's progress saved in the context; this
 * waits for that. Its contexts keep their work but do not run until
 * mvgpu_sched_thaw().
 */
void mvgpu_sched_freeze(struct mvgpu_vgpu *vgpu)
{
	struct mvgpu_sched *sched = &vgpu->gpu->sched;
	unsigned int i;

	spin_lock(&sched->lock);
	vgpu->frozen = true;
	for (i = 0; i < vgpu->gpu->info.nr_engines; i++)
		if (sched->engines[i].running == vgpu)
			atomic_set(&sched->engines[i].stop, MVGPU_STOP_FREEZE);
	spin_unlock(&sched->lock);
	mvgpu_sched_wait_idle(vgpu);
	/* a fill asked for before is done, or reported, now */
	mvgpu_shadow_fill_flush(vgpu);
}

/**
 * mvgpu_sched_thaw() - let a frozen vGPU run again
 * @vgpu: the vGPU
 */
void mvgpu_sched_thaw(struct mvgpu_vgpu *vgpu)
{
	struct mvgpu_sched *sched = &vgpu->gpu->sched;

	spin_lock(&sched->lock);
	vgpu->frozen = false;
	spin_unlock(&sched->lock);
	mvgpu_sched_kick(vgpu);
}

static bool mvgpu_vgpu_may_run(struct mvgpu_gpu *gpu, struct mvgpu_vgpu *vgpu,
			       u64 now);

/**
 * mvgpu_sched_kick() - a vGPU may have new work: wake the engines
 * @vgpu: the vGPU
 *
 * A vGPU with work ready preempts, at their next chunk boundary, the
 * contexts engines run for vGPUs of a lower priority class.
 */
void mvgpu_sched_kick(struct mvgpu_vgpu *vgpu)
{
	struct mvgpu_gpu *gpu = vgpu->gpu;
	struct mvgpu_sched *sched = &gpu->sched;
	unsigned int prio, i;
	bool ready;

	spin_lock(&sched->lock);
	prio = READ_ONCE(vgpu->prio);
	if (!list_empty(&vgpu->sched_node)) {
		/* No credit for having been idle. */
		if (vgpu->vruntime < sched->min_vruntime[prio])
			vgpu->vruntime = sched->min_vruntime[prio];
		ready = mvgpu_vgpu_may_run(gpu, vgpu, ktime_get_ns());
		for (i = 0; ready && i < gpu->info.nr_engines; i++) {
			struct mvgpu_engine *eng = &sched->engines[i];

			if (eng->running &&
			    READ_ONCE(eng->running->prio) < prio &&
			    !atomic_cmpxchg(&eng->stop, 0, MVGPU_STOP_PREEMPT))
				trace_mvgpu_preempt(gpu->id, i, eng->running->id,
						    vgpu->id);
		}
	}
	spin_unlock(&sched->lock);
	wake_up(&sched->work_wq);
}

/**
 * mvgpu_sched_set_prio() - move a vGPU to another priority class
 * @vgpu: the vGPU
 * @prio: enum mvgpu_prio
 *
 * It joins the class level with its busy vGPUs (no credit, no debt from
 * the old class) and, having work, preempts lower classes at once.
 */
void mvgpu_sched_set_prio(struct mvgpu_vgpu *vgpu, unsigned int prio)
{
	struct mvgpu_sched *sched = &vgpu->gpu->sched;

	spin_lock(&sched->lock);
	if (READ_ONCE(vgpu->prio) != prio) {
		WRITE_ONCE(vgpu->prio, prio);
		vgpu->vruntime = sched->min_vruntime[prio];
	}
	spin_unlock(&sched->lock);
	mvgpu_sched_kick(vgpu);
}

/**
 * mvgpu_sched_cap_permille() - the most engine time a vGPU may use
 * @sched: its GPU's scheduler
 * @vgpu: the vGPU
 *
 * Its cap, and under the fixed policy its share (weight / 64), whichever
 * is smaller.
 *
 * Return: per mille of the GPU's engine time; 0 for no limit.
 */
unsigned int mvgpu_sched_cap_permille(struct mvgpu_sched *sched,
				      struct mvgpu_vgpu *vgpu)
{
	unsigned int cap = READ_ONCE(vgpu->cap_pct) * 10, share;

	if (READ_ONCE(sched->policy) == MVGPU_POLICY_FIXED) {
		share = atomic_read(&vgpu->weight) * 1000 / MVGPU_WEIGHT_MAX;
		if (!cap || share < cap)
			cap = share;
	}
	return cap;
}

/*
 * Bring a vGPU's cap budget up to @now. Return: 0 when it may run, else
 * the clock at which it may again. Caller holds sched->lock.
 */
static u64 mvgpu_sched_refill(struct mvgpu_gpu *gpu, struct mvgpu_vgpu *vgpu,
			      u64 now)
{
	unsigned int cap = mvgpu_sched_cap_permille(&gpu->sched, vgpu);
	u64 rate = (u64)cap * gpu->info.nr_engines;	/* ns per 1000 ns */
	s64 burst = MVGPU_CAP_BURST_NS * rate / 1000;

	if (!cap) {
		vgpu->budget_ns = 0;
		vgpu->budget_at = now;
		return 0;
	}
	/* a clock read before another refill's adds nothing */
	if ((s64)(now - vgpu->budget_at) > 0) {
		/* more than a second saves no more than the burst anyway */
		vgpu->budget_ns += div_u64(min_t(u64, now - vgpu->budget_at,
						 NSEC_PER_SEC) * rate, 1000);
		vgpu->budget_at = now;
	}
	if (vgpu->budget_ns > burst)
		vgpu->budget_ns = burst;
	if (vgpu->budget_ns > 0)
		return 0;
	return now + div_u64((u64)(-vgpu->budget_ns) * 1000, rate) + 1;
}

/* Ready, and within its cap? Caller holds sched->lock. */
static bool mvgpu_vgpu_may_run(struct mvgpu_gpu *gpu, struct mvgpu_vgpu *vgpu,
			       u64 now)
{
	return mvgpu_vgpu_ready(vgpu) && !mvgpu_sched_refill(gpu, vgpu, now);
}

enum mvgpu_pick {
	MVGPU_PICK_NONE,	/* nothing to run */
	MVGPU_PICK_WAITING,	/* only contexts blocked on WAIT or capped */
	MVGPU_PICK_RUN,		/* run *vgpup's context *ctxp */
};

/* The weight the scheduler uses for a vGPU under the current policy. */
static unsigned int mvgpu_sched_weight(struct mvgpu_sched *sched,
				       struct mvgpu_vgpu *vgpu)
{
	return READ_ONCE(sched->policy) == MVGPU_POLICY_EQUAL ?
	       MVGPU_WEIGHT_MAX : atomic_read(&vgpu->weight);
}

/*
 * Choose the next context to run: among the vGPUs ready and within their
 * cap, those of the highest priority class, and of those the one with the
 * least virtual time. *wakep is set to when a capped vGPU may run again
 * (0: none is waiting for that); *slicep to its slice: its weight's part
 * of MVGPU_SCHED_PERIOD_NS among the ready vGPUs of its class, between
 * MVGPU_MIN_SLICE_NS and timeslice_us. Caller holds sched->lock.
 */
static enum mvgpu_pick mvgpu_sched_pick(struct mvgpu_gpu *gpu,
					struct mvgpu_vgpu **vgpup,
					unsigned int *ctxp, u64 *wakep,
					u64 *slicep)
{
	struct mvgpu_sched *sched = &gpu->sched;
	struct mvgpu_vgpu *vgpu, *best[MVGPU_NR_PRIOS] = {};
	u64 sum_w[MVGPU_NR_PRIOS] = {}, now = ktime_get_ns(), wake, slice;
	bool waiting = false;
	unsigned long ready;
	unsigned int n;
	int prio;

	*wakep = 0;
	list_for_each_entry(vgpu, &sched->vgpus, sched_node) {
		if (vgpu->sched_running || vgpu->frozen ||
		    !READ_ONCE(vgpu->runnable))
			continue;
		/*
		 * Shadow work in progress, contexts blocked on WAIT, or the
		 * cap reached: pass it over, and look again soon (the
		 * shadow unlock kicks, but WAITs are only retried from the
		 * polling path).
		 */
		wake = mvgpu_sched_refill(gpu, vgpu, now);
		if (wake) {
			if (!*wakep || wake < *wakep)
				*wakep = wake;
			waiting = true;
			continue;
		}
		if (!mvgpu_vgpu_ready(vgpu)) {
			waiting = true;
			continue;
		}
		prio = READ_ONCE(vgpu->prio);
		sum_w[prio] += mvgpu_sched_weight(sched, vgpu);
		if (!best[prio] || vgpu->vruntime < best[prio]->vruntime)
			best[prio] = vgpu;
	}
	for (prio = MVGPU_NR_PRIOS - 1; prio >= 0 && !best[prio]; prio--)
		;
	if (prio < 0)
		return waiting ? MVGPU_PICK_WAITING : MVGPU_PICK_NONE;

	vgpu = best[prio];
	if (vgpu->vruntime > sched->min_vruntime[prio])
		sched->min_vruntime[prio] = vgpu->vruntime;
	ready = READ_ONCE(vgpu->runnable) & ~READ_ONCE(vgpu->waiting) &
		~READ_ONCE(vgpu->filling);
	n = find_next_bit(&ready, MVGPU_MAX_CONTEXTS, vgpu->next_ctx);
	if (n >= MVGPU_MAX_CONTEXTS)
		n = find_first_bit(&ready, MVGPU_MAX_CONTEXTS);
	vgpu->next_ctx = n + 1;
	vgpu->sched_running = true;
	*vgpup = vgpu;
	*ctxp = n;

	/* many busy vGPUs: shorter slices, so that each runs every period */
	slice = div64_u64(MVGPU_SCHED_PERIOD_NS *
			  mvgpu_sched_weight(sched, vgpu), sum_w[prio]);
	*slicep = clamp_t(u64, slice, MVGPU_MIN_SLICE_NS,
			  (u64)READ_ONCE(sched->timeslice_us) * NSEC_PER_USEC);
	/* a capped vGPU runs no longer than its budget */
	if (mvgpu_sched_cap_permille(sched, vgpu))
		*slicep = clamp_t(s64, vgpu->budget_ns, MVGPU_MIN_SLICE_NS,
				  *slicep);
	return MVGPU_PICK_RUN;
}

static bool mvgpu_sched_has_ready(struct mvgpu_gpu *gpu)
{
	struct mvgpu_sched *sched = &gpu->sched;
	struct mvgpu_vgpu *vgpu;
	bool ready = false;
	u64 now;

	spin_lock(&sched->lock);
	now = ktime_get_ns();
	list_for_each_entry(vgpu, &sched->vgpus, sched_node)
		if (mvgpu_vgpu_may_run(gpu, vgpu, now))
			ready = true;
	spin_unlock(&sched->lock);
	return ready;
}

/* Give contexts blocked on WAIT another look at their semaphore. */
static void mvgpu_sched_retry_waiting(struct mvgpu_sched *sched)
{
	struct mvgpu_vgpu *vgpu;

	spin_lock(&sched->lock);
	list_for_each_entry(vgpu, &sched->vgpus, sched_node)
		WRITE_ONCE(vgpu->waiting, 0);
	spin_unlock(&sched->lock);
}

/*
 * Run context @n of @vgpu for at most @slice ns of engine time. Returns
 * the engine time used.
 */
static u64 mvgpu_engine_run_ctx(struct mvgpu_engine *eng,
				struct mvgpu_vgpu *vgpu, unsigned int n,
				u64 slice)
{
	struct mvgpu_gpu *gpu = eng->gpu;
	struct mvgpu_engine_ctx ectx = { .stop = &eng->stop };
	enum mvgpu_run_result res;
	u64 t0, ns, root;
	unsigned int gen;
	bool run;

	mutex_lock(&vgpu->lock);
	gen = vgpu->gen;
	run = mvgpu_ctx_run_begin(vgpu, n, &ectx, &root);
	mutex_unlock(&vgpu->lock);
	if (!run)
		return 0;

	/*
	 * Shadow work of this vGPU that began after it was picked: the vGPU
	 * waits for it (mvgpu_shadow_unlock() kicks the scheduler), not the
	 * engine. A reset since the snapshot has emptied the shadow: nothing
	 * of the snapshot runs.
	 */
	if (!mutex_trylock(&vgpu->shadow_lock))
		return 0;
	if (READ_ONCE(vgpu->gen) != gen) {
		mutex_unlock(&vgpu->shadow_lock);
		return 0;
	}
	ectx.pt = vgpu->shadow[n].pt;
	trace_mvgpu_slice_start(gpu->id, eng->index, vgpu->id, n,
				READ_ONCE(vgpu->prio), slice);
	t0 = ktime_get_ns();
	res = gpu->ops->engine_run(gpu->priv, eng->index, &ectx, slice);
	/*
	 * A miss: the vGPU's fill worker fills the shadow there (it reads
	 * and pins guest memory, which may wait for the VMM: never on an
	 * engine) and the context waits for it; the engine runs other work.
	 * The context keeps its progress, as if preempted.
	 */
	if (res == MVGPU_RUN_FAULT &&
	    ectx.fault_reason == MVGPU_FAULT_NOT_PRESENT) {
		mvgpu_shadow_request_fill(vgpu, n, ectx.fault_addr, root, gen);
		ectx.fault_reason = 0;
		ectx.fault_addr = 0;
		res = MVGPU_RUN_PREEMPTED;
	}
	ns = ktime_get_ns() - t0;
	mutex_unlock(&vgpu->shadow_lock);
	if (res == MVGPU_RUN_PREEMPTED &&
	    atomic_read(&eng->stop) == MVGPU_STOP_PREEMPT)
		atomic64_inc(&vgpu->stats.preemptions);
	trace_mvgpu_slice_end(gpu->id, eng->index, vgpu->id, n, ns, res,
			      ectx.commands);

	mutex_lock(&vgpu->lock);
	if (vgpu->gen == gen)	/* else a reset overtook this run */
		mvgpu_ctx_complete(vgpu, n, &ectx, res);
	mutex_unlock(&vgpu->lock);

	atomic64_add(ns, &vgpu->stats.busy_ns);
	atomic64_add(ectx.commands, &vgpu->stats.commands);
	if (eng->last_vgpu != vgpu->id || eng->last_ctx != n) {
		atomic64_inc(&vgpu->stats.context_switches);
		eng->last_vgpu = vgpu->id;
		eng->last_ctx = n;
	}
	return ns;
}

static int mvgpu_engine_thread(void *data)
{
	struct mvgpu_engine *eng = data;
	struct mvgpu_gpu *gpu = eng->gpu;
	struct mvgpu_sched *sched = &gpu->sched;
	u64 retry_at = 0;

	while (!kthread_should_stop()) {
		struct mvgpu_vgpu *vgpu;
		enum mvgpu_pick pick;
		unsigned int n, weight;
		u64 ns, slice = 0, wake, poll;

		spin_lock(&sched->lock);
		pick = mvgpu_sched_pick(gpu, &vgpu, &n, &wake, &slice);
		if (pick == MVGPU_PICK_RUN) {
			eng->running = vgpu;
			atomic_set(&eng->stop, 0);
		}
		spin_unlock(&sched->lock);

		if (pick == MVGPU_PICK_NONE) {
			wait_event_interruptible(sched->work_wq,
						 kthread_should_stop() ||
						 mvgpu_sched_has_ready(gpu));
			continue;
		}
		if (pick == MVGPU_PICK_WAITING) {
			/*
			 * Only semaphore waits and capped vGPUs: look again
			 * soon, when a cap allows, or on work.
			 */
			poll = MVGPU_WAIT_POLL_NS;
			ns = ktime_get_ns();
			if (wake && wake - ns < poll)
				poll = wake > ns ? wake - ns : 1;
			wait_event_interruptible_hrtimeout(sched->work_wq,
							   kthread_should_stop() ||
							   mvgpu_sched_has_ready(gpu),
							   ns_to_ktime(poll));
			mvgpu_sched_retry_waiting(sched);
			retry_at = ktime_get_ns() + MVGPU_WAIT_POLL_NS;
			continue;
		}

		ns = mvgpu_engine_run_ctx(eng, vgpu, n, slice);
		/* Waiters get another look even while others keep it busy. */
		if (ktime_get_ns() >= retry_at) {
			mvgpu_sched_retry_waiting(sched);
			retry_at = ktime_get_ns() + MVGPU_WAIT_POLL_NS;
		}

		/* the fill worker's time for it counts as its engine time */
		ns += atomic64_xchg(&vgpu->fill_ns, 0);
		spin_lock(&sched->lock);
		weight = mvgpu_sched_weight(sched, vgpu);
		vgpu->vruntime += div_u64(ns * MVGPU_WEIGHT_MAX, weight);
		vgpu->budget_ns -= ns;
		vgpu->sched_running = false;
		eng->running = NULL;
		spin_unlock(&sched->lock);
		wake_up_all(&sched->idle_wq);
		cond_resched();
	}
	return 0;
}

/* Every MVGPU_UTIL_STEP_MS: the vGPUs' utilization over the last second. */
static void mvgpu_sched_sample(struct work_struct *work)
{
	struct mvgpu_sched *sched = container_of(to_delayed_work(work),
						 struct mvgpu_sched,
						 sample_work);
	unsigned int idx, oldest;
	struct mvgpu_vgpu *vgpu;
	u64 now, busy, span;

	spin_lock(&sched->lock);
	idx = (sched->sample_idx + 1) % MVGPU_UTIL_SLOTS;
	oldest = (idx + 1) % MVGPU_UTIL_SLOTS;
	now = ktime_get_ns();
	sched->sample_idx = idx;
	sched->sample_ns[idx] = now;
	span = now - sched->sample_ns[oldest];
	list_for_each_entry(vgpu, &sched->vgpus, sched_node) {
		busy = atomic64_read(&vgpu->stats.busy_ns);
		vgpu->busy_hist[idx] = busy;
		WRITE_ONCE(vgpu->util_permille,
			   div64_u64((busy - vgpu->busy_hist[oldest]) * 1000,
				     span));
	}
	spin_unlock(&sched->lock);
	schedule_delayed_work(&sched->sample_work,
			      msecs_to_jiffies(MVGPU_UTIL_STEP_MS));
}

/**
 * mvgpu_sched_start() - set up a GPU's scheduler and start its engines
 * @gpu: the GPU
 *
 * Return: 0 or a negative errno.
 */
int mvgpu_sched_start(struct mvgpu_gpu *gpu)
{
	struct mvgpu_sched *sched = &gpu->sched;
	unsigned int i;

	spin_lock_init(&sched->lock);
	INIT_LIST_HEAD(&sched->vgpus);
	init_waitqueue_head(&sched->work_wq);
	init_waitqueue_head(&sched->idle_wq);
	sched->timeslice_us = MVGPU_TIMESLICE_US;
	sched->policy = MVGPU_POLICY_BEST_EFFORT;
	/* the first second's samples count from the start */
	for (i = 0; i < MVGPU_UTIL_SLOTS; i++)
		sched->sample_ns[i] = ktime_get_ns();
	INIT_DELAYED_WORK(&sched->sample_work, mvgpu_sched_sample);
	schedule_delayed_work(&sched->sample_work,
			      msecs_to_jiffies(MVGPU_UTIL_STEP_MS));

	for (i = 0; i < gpu->info.nr_engines; i++) {
		struct mvgpu_engine *eng = &sched->engines[i];

		eng->gpu = gpu;
		eng->index = i;
		eng->thread = kthread_run(mvgpu_engine_thread, eng,
					  "mvgpu%d-eng%u", gpu->id, i);
		if (IS_ERR(eng->thread)) {
			int ret = PTR_ERR(eng->thread);

			eng->thread = NULL;
			mvgpu_sched_stop(gpu);
			return ret;
		}
	}
	return 0;
}

/**
 * mvgpu_sched_stop() - stop a GPU's engine threads
 * @gpu: the GPU; no vGPU is attached any more
 */
void mvgpu_sched_stop(struct mvgpu_gpu *gpu)
{
	unsigned int i;

	cancel_delayed_work_sync(&gpu->sched.sample_work);
	for (i = 0; i < MVGPU_MAX_ENGINES; i++) {
		if (gpu->sched.engines[i].thread)
			kthread_stop(gpu->sched.engines[i].thread);
		gpu->sched.engines[i].thread = NULL;
	}
}

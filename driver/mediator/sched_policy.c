// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu mediator: the engine scheduler's policies and knobs.
 *
 * sched.c runs the engines; which vGPU runs next, for how long, and what
 * it is charged is decided here, behind struct mvgpu_sched_policy_ops, one
 * instance per policy of the GPU's "policy" attribute.
 *
 * Fairness is weighted fair queueing on virtual time: a vGPU's vruntime
 * grows by the engine time it used divided by its weight (all weights
 * equal under the "equal" policy), and the busy vGPU with the smallest
 * vruntime runs next, for at most one time slice. An idle vGPU does not
 * bank credit: when it gets work again its vruntime is lifted to the busy
 * vGPUs' minimum, so the engine is work conserving and a newcomer cannot
 * monopolise it. Within a vGPU, busy contexts take turns.
 *
 * On top of that: priority classes (the highest class with work runs, and
 * its new work stops a lower class's running context at the backend's
 * next chunk boundary: sched.c), and caps, token buckets of engine time
 * (the vGPU's "cap", and under the "fixed" policy its share weight / 64),
 * which hold a vGPU back even when the engine would otherwise idle.
 *
 * The knobs (weight, cap, priority, the GPU's policy and time slice)
 * change only through the mvgpu_sched_set_*() functions here; everyone
 * else reads them with mvgpu_sched_get_*().
 */
#include <linux/sched.h>
#include <linux/string.h>

#include "sched_policy.h"

/* Engine time a capped vGPU may save up while idle, at its cap's rate. */
#define MVGPU_CAP_BURST_NS	(5 * NSEC_PER_MSEC)
/*
 * Engine time a capped vGPU may be owed, at its cap's rate: what it earned
 * while it was ready and held back by its cap alone, when the engine came
 * back to it later than its budget allowed (a host busy elsewhere).
 */
#define MVGPU_CAP_OWED_NS	(100 * NSEC_PER_MSEC)
/*
 * Every busy vGPU of a class runs at least once per period: with many of
 * them slices get shorter than timeslice_us, but never shorter than the
 * minimum (a switch costs time too).
 */
#define MVGPU_SCHED_PERIOD_NS	(20 * NSEC_PER_MSEC)
#define MVGPU_MIN_SLICE_NS	(100 * NSEC_PER_USEC)
/* The range of the GPU's timeslice_us. */
#define MVGPU_TIMESLICE_MIN_US	100
#define MVGPU_TIMESLICE_MAX_US	100000

const char *const mvgpu_prio_names[MVGPU_NR_PRIOS] = {
	[MVGPU_PRIO_LOW] = "low",
	[MVGPU_PRIO_NORMAL] = "normal",
	[MVGPU_PRIO_HIGH] = "high",
};

static const struct mvgpu_sched_policy_ops *
mvgpu_policy_of(struct mvgpu_gpu *gpu)
{
	return READ_ONCE(gpu->sched.policy);
}

/* ---- what the policies differ in ---------------------------------------- */

/* best_effort, fixed: the vGPU's own weight */
static unsigned int mvgpu_weight_own(struct mvgpu_vgpu *vgpu)
{
	return atomic_read(&vgpu->sched.weight);
}

/* equal: every vGPU the same, weights ignored */
static unsigned int mvgpu_weight_equal(struct mvgpu_vgpu *vgpu)
{
	return MVGPU_WEIGHT_MAX;
}

/* best_effort, equal: the vGPU's cap */
static unsigned int mvgpu_cap_own(struct mvgpu_vgpu *vgpu)
{
	return READ_ONCE(vgpu->sched.cap_pct) * 10;
}

/* fixed: its cap, or its share (weight / 64) when that is smaller */
static unsigned int mvgpu_cap_fixed(struct mvgpu_vgpu *vgpu)
{
	unsigned int cap = mvgpu_cap_own(vgpu), share;

	share = atomic_read(&vgpu->sched.weight) * 1000 / MVGPU_WEIGHT_MAX;
	if (!cap || share < cap)
		cap = share;
	return cap;
}

/* ---- weighted fair queueing, shared by the policies --------------------- */

static void mvgpu_wfq_attach(struct mvgpu_gpu *gpu, struct mvgpu_vgpu *vgpu)
{
	struct mvgpu_sched_data *sd = &vgpu->sched;
	u64 busy = atomic64_read(&vgpu->stats.busy_ns);
	unsigned int i;

	sd->vruntime = gpu->sched.min_vruntime[READ_ONCE(sd->prio)];
	sd->budget_ns = 0;
	sd->budget_at = ktime_get_ns();
	sd->cap_held = false;
	for (i = 0; i < MVGPU_UTIL_SLOTS; i++)
		sd->busy_hist[i] = busy;
	WRITE_ONCE(sd->util_permille, 0);
}

static void mvgpu_wfq_detach(struct mvgpu_gpu *gpu, struct mvgpu_vgpu *vgpu)
{
	WRITE_ONCE(vgpu->sched.util_permille, 0);
}

static void mvgpu_wfq_wake(struct mvgpu_gpu *gpu, struct mvgpu_vgpu *vgpu)
{
	struct mvgpu_sched_data *sd = &vgpu->sched;
	u64 min = gpu->sched.min_vruntime[READ_ONCE(sd->prio)];

	/* No credit for having been idle. */
	if (sd->vruntime < min)
		sd->vruntime = min;
}

/* Has the vGPU a context that could run now (not counting its cap)? */
static bool mvgpu_wfq_ready(struct mvgpu_vgpu *vgpu)
{
	return !vgpu->sched.running && !vgpu->sched.frozen &&
	       !atomic_read(&vgpu->shadow_busy) &&
	       (READ_ONCE(vgpu->runnable) & ~READ_ONCE(vgpu->waiting) &
		~READ_ONCE(vgpu->filling));
}

/*
 * Bring a vGPU's cap budget up to @now. Return: 0 when it may run, else
 * the clock at which it may again. Caller holds sched.lock.
 */
static u64 mvgpu_wfq_refill(struct mvgpu_gpu *gpu, struct mvgpu_vgpu *vgpu,
			    u64 now)
{
	struct mvgpu_sched_data *sd = &vgpu->sched;
	unsigned int cap = mvgpu_policy_of(gpu)->cap_permille(vgpu);
	u64 rate = (u64)cap * gpu->info.nr_engines;	/* ns per 1000 ns */
	s64 burst = MVGPU_CAP_BURST_NS * rate / 1000;

	if (!cap) {
		sd->budget_ns = 0;
		sd->budget_at = now;
		sd->cap_held = false;
		return 0;
	}
	/*
	 * A clock read before another refill's adds nothing. Credit earned
	 * while held back by the cap alone is owed and kept (up to
	 * MVGPU_CAP_OWED_NS), so that an engine that comes back late does
	 * not lower the vGPU's share below its cap; credit earned while idle,
	 * or while others ran by fairness, fills the burst and no more. A
	 * budget is never cut, only ever grows at the cap's rate: over any
	 * period the vGPU gets its cap's part of it plus what it had saved
	 * or was owed when the period began.
	 */
	if ((s64)(now - sd->budget_at) > 0) {
		s64 limit = sd->cap_held ?
			    (s64)(MVGPU_CAP_OWED_NS * rate / 1000) : burst;
		s64 earned = div_u64(min_t(u64, now - sd->budget_at,
					   NSEC_PER_SEC) * rate, 1000);

		if (sd->budget_ns < limit)
			sd->budget_ns = min(sd->budget_ns + earned, limit);
		sd->budget_at = now;
	}
	if (sd->budget_ns > 0)
		return 0;
	return now + div_u64((u64)(-sd->budget_ns) * 1000, rate) + 1;
}

/* Ready, and within its cap? Caller holds sched.lock. */
static bool mvgpu_wfq_may_run(struct mvgpu_gpu *gpu, struct mvgpu_vgpu *vgpu,
			      u64 now)
{
	return mvgpu_wfq_ready(vgpu) && !mvgpu_wfq_refill(gpu, vgpu, now);
}

/**
 * mvgpu_wfq_pick() - choose the next context to run
 * @gpu: the GPU; caller holds its sched.lock
 * @vgpup: set to the vGPU to run
 * @ctxp: set to its context to run
 * @wakep: set to when a capped vGPU may run again (0: none is waiting for
 *	that)
 * @slicep: set to the slice: the vGPU's weight's part of
 *	MVGPU_SCHED_PERIOD_NS among the ready vGPUs of its class, between
 *	MVGPU_MIN_SLICE_NS and timeslice_us, and no more than its cap budget
 *
 * Among the vGPUs ready and within their cap, those of the highest
 * priority class, and of those the one with the least virtual time; its
 * contexts take turns.
 *
 * Return: what it found; *@vgpup, *@ctxp and *@slicep only for
 * MVGPU_PICK_RUN.
 */
static enum mvgpu_pick mvgpu_wfq_pick(struct mvgpu_gpu *gpu,
				      struct mvgpu_vgpu **vgpup,
				      unsigned int *ctxp, u64 *wakep,
				      u64 *slicep)
{
	const struct mvgpu_sched_policy_ops *ops = mvgpu_policy_of(gpu);
	struct mvgpu_sched *sched = &gpu->sched;
	struct mvgpu_vgpu *vgpu, *best[MVGPU_NR_PRIOS] = {};
	u64 sum_w[MVGPU_NR_PRIOS] = {}, now = ktime_get_ns(), wake, slice;
	struct mvgpu_sched_data *sd;
	bool waiting = false;
	unsigned long ready;
	unsigned int n;
	int prio;

	*wakep = 0;
	list_for_each_entry(vgpu, &sched->vgpus, sched.node) {
		if (vgpu->sched.running || vgpu->sched.frozen ||
		    !READ_ONCE(vgpu->runnable))
			continue;
		/*
		 * Shadow work in progress, contexts blocked on WAIT, or the
		 * cap reached: pass it over, and look again soon (the
		 * shadow unlock kicks, but WAITs are only retried from the
		 * polling path).
		 */
		wake = mvgpu_wfq_refill(gpu, vgpu, now);
		vgpu->sched.cap_held = wake && mvgpu_wfq_ready(vgpu);
		if (wake) {
			if (!*wakep || wake < *wakep)
				*wakep = wake;
			waiting = true;
			continue;
		}
		if (!mvgpu_wfq_ready(vgpu)) {
			waiting = true;
			continue;
		}
		prio = READ_ONCE(vgpu->sched.prio);
		sum_w[prio] += ops->weight(vgpu);
		if (!best[prio] ||
		    vgpu->sched.vruntime < best[prio]->sched.vruntime)
			best[prio] = vgpu;
	}
	for (prio = MVGPU_NR_PRIOS - 1; prio >= 0 && !best[prio]; prio--)
		;
	if (prio < 0)
		return waiting ? MVGPU_PICK_WAITING : MVGPU_PICK_NONE;

	vgpu = best[prio];
	sd = &vgpu->sched;
	if (sd->vruntime > sched->min_vruntime[prio])
		sched->min_vruntime[prio] = sd->vruntime;
	ready = READ_ONCE(vgpu->runnable) & ~READ_ONCE(vgpu->waiting) &
		~READ_ONCE(vgpu->filling);
	n = find_next_bit(&ready, MVGPU_MAX_CONTEXTS, sd->next_ctx);
	if (n >= MVGPU_MAX_CONTEXTS)
		n = find_first_bit(&ready, MVGPU_MAX_CONTEXTS);
	sd->next_ctx = n + 1;
	*vgpup = vgpu;
	*ctxp = n;

	/* many busy vGPUs: shorter slices, so that each runs every period */
	slice = div64_u64(MVGPU_SCHED_PERIOD_NS * ops->weight(vgpu),
			  sum_w[prio]);
	*slicep = clamp_t(u64, slice, MVGPU_MIN_SLICE_NS,
			  (u64)READ_ONCE(sched->timeslice_us) * NSEC_PER_USEC);
	/* a capped vGPU runs no longer than its budget */
	if (ops->cap_permille(vgpu))
		*slicep = clamp_t(s64, sd->budget_ns, MVGPU_MIN_SLICE_NS,
				  *slicep);
	return MVGPU_PICK_RUN;
}

static void mvgpu_wfq_charge(struct mvgpu_gpu *gpu, struct mvgpu_vgpu *vgpu,
			     u64 ns)
{
	struct mvgpu_sched_data *sd = &vgpu->sched;
	unsigned int weight = mvgpu_policy_of(gpu)->weight(vgpu);

	sd->vruntime += div_u64(ns * MVGPU_WEIGHT_MAX, weight);
	sd->budget_ns -= ns;
}

/* ---- the policies --------------------------------------------------------- */

/* The hooks all three share: weighted fair queueing on virtual time. */
#define MVGPU_WFQ_OPS					\
	.attach = mvgpu_wfq_attach,			\
	.detach = mvgpu_wfq_detach,			\
	.wake = mvgpu_wfq_wake,				\
	.may_run = mvgpu_wfq_may_run,			\
	.pick = mvgpu_wfq_pick,				\
	.charge = mvgpu_wfq_charge

/* weighted fair share, work conserving */
static const struct mvgpu_sched_policy_ops mvgpu_policy_best_effort = {
	.name = "best_effort",
	.weight = mvgpu_weight_own,
	.cap_permille = mvgpu_cap_own,
	MVGPU_WFQ_OPS,
};

/* equal shares, weights ignored */
static const struct mvgpu_sched_policy_ops mvgpu_policy_equal = {
	.name = "equal",
	.weight = mvgpu_weight_equal,
	.cap_permille = mvgpu_cap_own,
	MVGPU_WFQ_OPS,
};

/* each vGPU exactly weight / 64, even on an idle GPU */
static const struct mvgpu_sched_policy_ops mvgpu_policy_fixed = {
	.name = "fixed",
	.weight = mvgpu_weight_own,
	.cap_permille = mvgpu_cap_fixed,
	MVGPU_WFQ_OPS,
};

/* The names the GPU's "policy" attribute takes. */
static const struct mvgpu_sched_policy_ops *const mvgpu_policies[] = {
	&mvgpu_policy_best_effort,
	&mvgpu_policy_equal,
	&mvgpu_policy_fixed,
};

/* ---- utilization ---------------------------------------------------------- */

/* Every MVGPU_UTIL_STEP_MS: the vGPUs' utilization over the last second. */
static void mvgpu_sched_sample(struct work_struct *work)
{
	struct mvgpu_sched *sched = container_of(to_delayed_work(work),
						 struct mvgpu_sched,
						 sample_work);
	unsigned int idx, oldest;
	struct mvgpu_sched_data *sd;
	struct mvgpu_vgpu *vgpu;
	u64 now, busy, span;

	spin_lock(&sched->lock);
	idx = (sched->sample_idx + 1) % MVGPU_UTIL_SLOTS;
	oldest = (idx + 1) % MVGPU_UTIL_SLOTS;
	now = ktime_get_ns();
	sched->sample_idx = idx;
	sched->sample_ns[idx] = now;
	span = now - sched->sample_ns[oldest];
	list_for_each_entry(vgpu, &sched->vgpus, sched.node) {
		sd = &vgpu->sched;
		busy = atomic64_read(&vgpu->stats.busy_ns);
		sd->busy_hist[idx] = busy;
		WRITE_ONCE(sd->util_permille,
			   div64_u64((busy - sd->busy_hist[oldest]) * 1000,
				     span));
	}
	spin_unlock(&sched->lock);
	schedule_delayed_work(&sched->sample_work,
			      msecs_to_jiffies(MVGPU_UTIL_STEP_MS));
}

/**
 * mvgpu_sched_policy_start() - a GPU's policy defaults and sampling
 * @sched: the GPU's scheduler, its lock and list set up, no engine yet
 *
 * Called by mvgpu_sched_start(); mvgpu_sched_policy_stop() undoes it.
 */
void mvgpu_sched_policy_start(struct mvgpu_sched *sched)
{
	unsigned int i;

	sched->timeslice_us = MVGPU_TIMESLICE_US;
	sched->policy = &mvgpu_policy_best_effort;
	/* the first second's samples count from the start */
	for (i = 0; i < MVGPU_UTIL_SLOTS; i++)
		sched->sample_ns[i] = ktime_get_ns();
	INIT_DELAYED_WORK(&sched->sample_work, mvgpu_sched_sample);
	schedule_delayed_work(&sched->sample_work,
			      msecs_to_jiffies(MVGPU_UTIL_STEP_MS));
}

/**
 * mvgpu_sched_policy_stop() - stop sampling a GPU's vGPUs
 * @sched: the GPU's scheduler
 */
void mvgpu_sched_policy_stop(struct mvgpu_sched *sched)
{
	cancel_delayed_work_sync(&sched->sample_work);
}

/* ---- the knobs ------------------------------------------------------------ */

/**
 * mvgpu_sched_set_policy() - change a GPU's scheduling policy
 * @gpu: the GPU
 * @name: the policy's name, as sysfs gives it (a trailing newline is
 *	ignored)
 *
 * Takes effect at the engines' next decision; wakes them, since a vGPU
 * held back by the old policy's shares may run now.
 *
 * Return: 0, or -EINVAL for no such policy.
 */
int mvgpu_sched_set_policy(struct mvgpu_gpu *gpu, const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mvgpu_policies); i++)
		if (sysfs_streq(mvgpu_policies[i]->name, name))
			break;
	if (i == ARRAY_SIZE(mvgpu_policies))
		return -EINVAL;
	WRITE_ONCE(gpu->sched.policy, mvgpu_policies[i]);
	wake_up(&gpu->sched.work_wq);
	return 0;
}

/**
 * mvgpu_sched_get_policy() - a GPU's scheduling policy
 * @gpu: the GPU
 *
 * Return: the policy's name.
 */
const char *mvgpu_sched_get_policy(struct mvgpu_gpu *gpu)
{
	return mvgpu_policy_of(gpu)->name;
}

/**
 * mvgpu_sched_set_timeslice() - change a GPU's longest slice
 * @gpu: the GPU
 * @us: microseconds, 100..100000
 *
 * Takes effect at the next slice; wakes nobody.
 *
 * Return: 0, or -EINVAL when @us is out of range.
 */
int mvgpu_sched_set_timeslice(struct mvgpu_gpu *gpu, unsigned int us)
{
	if (us < MVGPU_TIMESLICE_MIN_US || us > MVGPU_TIMESLICE_MAX_US)
		return -EINVAL;
	WRITE_ONCE(gpu->sched.timeslice_us, us);
	return 0;
}

/**
 * mvgpu_sched_get_timeslice() - a GPU's longest slice
 * @gpu: the GPU
 *
 * Return: microseconds.
 */
unsigned int mvgpu_sched_get_timeslice(struct mvgpu_gpu *gpu)
{
	return READ_ONCE(gpu->sched.timeslice_us);
}

/**
 * mvgpu_sched_set_weight() - change a vGPU's scheduling weight
 * @vgpu: the vGPU
 * @weight: 1..MVGPU_WEIGHT_MAX
 *
 * Takes effect at its next slice and charge; wakes nobody (a weight
 * holds no vGPU back that was not already).
 *
 * Return: 0, or -EINVAL when @weight is out of range.
 */
int mvgpu_sched_set_weight(struct mvgpu_vgpu *vgpu, unsigned int weight)
{
	if (weight < 1 || weight > MVGPU_WEIGHT_MAX)
		return -EINVAL;
	atomic_set(&vgpu->sched.weight, weight);
	return 0;
}

/**
 * mvgpu_sched_get_weight() - a vGPU's scheduling weight
 * @vgpu: the vGPU
 *
 * Return: 1..MVGPU_WEIGHT_MAX, as set, whatever the GPU's policy.
 */
unsigned int mvgpu_sched_get_weight(struct mvgpu_vgpu *vgpu)
{
	return atomic_read(&vgpu->sched.weight);
}

/**
 * mvgpu_sched_set_cap() - change the most engine time a vGPU may use
 * @vgpu: the vGPU
 * @cap_pct: percent of the GPU's engine time, 0..100; 0 for no cap
 *
 * Wakes the engines: a vGPU held back by its old cap may run now.
 *
 * Return: 0, or -EINVAL when @cap_pct is out of range.
 */
int mvgpu_sched_set_cap(struct mvgpu_vgpu *vgpu, unsigned int cap_pct)
{
	if (cap_pct > 100)
		return -EINVAL;
	WRITE_ONCE(vgpu->sched.cap_pct, cap_pct);
	wake_up(&vgpu->gpu->sched.work_wq);
	return 0;
}

/**
 * mvgpu_sched_get_cap() - the most engine time a vGPU may use
 * @vgpu: the vGPU
 *
 * Return: its cap in percent of the GPU's engine time; 0 for none.
 */
unsigned int mvgpu_sched_get_cap(struct mvgpu_vgpu *vgpu)
{
	return READ_ONCE(vgpu->sched.cap_pct);
}

/**
 * mvgpu_sched_set_prio() - move a vGPU to another priority class
 * @vgpu: the vGPU
 * @prio: enum mvgpu_prio
 *
 * It joins the class level with its busy vGPUs (no credit, no debt from
 * the old class) and, having work, preempts lower classes at once.
 *
 * Return: 0, or -EINVAL for no such class.
 */
int mvgpu_sched_set_prio(struct mvgpu_vgpu *vgpu, unsigned int prio)
{
	struct mvgpu_sched *sched = &vgpu->gpu->sched;

	if (prio >= MVGPU_NR_PRIOS)
		return -EINVAL;
	spin_lock(&sched->lock);
	if (READ_ONCE(vgpu->sched.prio) != prio) {
		WRITE_ONCE(vgpu->sched.prio, prio);
		vgpu->sched.vruntime = sched->min_vruntime[prio];
	}
	spin_unlock(&sched->lock);
	mvgpu_sched_kick(vgpu);
	return 0;
}

/**
 * mvgpu_sched_get_prio() - a vGPU's priority class
 * @vgpu: the vGPU
 *
 * Return: enum mvgpu_prio.
 */
unsigned int mvgpu_sched_get_prio(struct mvgpu_vgpu *vgpu)
{
	return READ_ONCE(vgpu->sched.prio);
}

/**
 * mvgpu_sched_get_util() - a vGPU's recent engine time
 * @vgpu: the vGPU
 *
 * Return: engine time used over the last second, per mille of one engine.
 */
unsigned int mvgpu_sched_get_util(struct mvgpu_vgpu *vgpu)
{
	return READ_ONCE(vgpu->sched.util_permille);
}

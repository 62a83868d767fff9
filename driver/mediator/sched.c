// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu mediator: the engine scheduler's mechanism.
 *
 * One kthread per physical engine asks the GPU's policy (sched_policy.c,
 * struct mvgpu_sched_policy_ops) which context of which vGPU runs next and
 * for how long, runs it on the backend's engine_run() and charges the time
 * it took back to the policy. Here: the engine threads and their sleeps,
 * attaching and detaching vGPUs, freezing them for migration, and the kick
 * that wakes the engines and preempts a lower priority class's running
 * context at the backend's next chunk boundary. The backend stops long
 * commands between bounded chunks, so no guest holds an engine beyond its
 * slice whatever it submits.
 */
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/sched.h>
#include <linux/wait.h>

#include "sched_policy.h"

#define CREATE_TRACE_POINTS
#include "mvgpu_trace.h"

/* How often contexts blocked on WAIT look at their semaphore again. */
#define MVGPU_WAIT_POLL_NS	(500 * NSEC_PER_USEC)

/**
 * mvgpu_sched_vgpu_init() - a new vGPU's scheduling state
 * @vgpu: the vGPU, its type set, not attached
 *
 * Its weight is its type's, its class normal.
 */
void mvgpu_sched_vgpu_init(struct mvgpu_vgpu *vgpu)
{
	atomic_set(&vgpu->sched.weight, vgpu->type->weight);
	vgpu->sched.prio = MVGPU_PRIO_NORMAL;
	INIT_LIST_HEAD(&vgpu->sched.node);
}

/**
 * mvgpu_sched_attach() - let the scheduler run a vGPU (on open)
 * @vgpu: the vGPU
 */
void mvgpu_sched_attach(struct mvgpu_vgpu *vgpu)
{
	struct mvgpu_gpu *gpu = vgpu->gpu;
	struct mvgpu_sched *sched = &gpu->sched;

	spin_lock(&sched->lock);
	READ_ONCE(sched->policy)->attach(gpu, vgpu);
	vgpu->sched.running = false;
	vgpu->sched.frozen = false;
	list_add_tail(&vgpu->sched.node, &sched->vgpus);
	spin_unlock(&sched->lock);
}

/* Wait until no engine runs any of the vGPU's contexts. */
static void mvgpu_sched_wait_idle(struct mvgpu_vgpu *vgpu)
{
	struct mvgpu_sched *sched = &vgpu->gpu->sched;
	bool running;

	wait_event(sched->idle_wq, ({
		spin_lock(&sched->lock);
		running = vgpu->sched.running;
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
	struct mvgpu_gpu *gpu = vgpu->gpu;
	struct mvgpu_sched *sched = &gpu->sched;

	spin_lock(&sched->lock);
	list_del_init(&vgpu->sched.node);
	spin_unlock(&sched->lock);

	mvgpu_sched_wait_idle(vgpu);
	READ_ONCE(sched->policy)->detach(gpu, vgpu);
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
	vgpu->sched.frozen = true;
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
	vgpu->sched.frozen = false;
	spin_unlock(&sched->lock);
	mvgpu_sched_kick(vgpu);
}

/**
 * mvgpu_sched_frozen() - is a vGPU stopped for migration?
 * @vgpu: the vGPU
 *
 * Return: true between mvgpu_sched_freeze() and mvgpu_sched_thaw().
 */
bool mvgpu_sched_frozen(struct mvgpu_vgpu *vgpu)
{
	struct mvgpu_sched *sched = &vgpu->gpu->sched;
	bool frozen;

	spin_lock(&sched->lock);
	frozen = vgpu->sched.frozen;
	spin_unlock(&sched->lock);
	return frozen;
}

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
	const struct mvgpu_sched_policy_ops *ops;
	unsigned int prio, i;
	bool ready;

	spin_lock(&sched->lock);
	prio = mvgpu_sched_get_prio(vgpu);
	if (!list_empty(&vgpu->sched.node)) {
		ops = READ_ONCE(sched->policy);
		ops->wake(gpu, vgpu);
		ready = ops->may_run(gpu, vgpu, ktime_get_ns());
		for (i = 0; ready && i < gpu->info.nr_engines; i++) {
			struct mvgpu_engine *eng = &sched->engines[i];

			if (eng->running &&
			    mvgpu_sched_get_prio(eng->running) < prio &&
			    !atomic_cmpxchg(&eng->stop, 0, MVGPU_STOP_PREEMPT))
				trace_mvgpu_preempt(gpu->id, i, eng->running->id,
						    vgpu->id);
		}
	}
	spin_unlock(&sched->lock);
	wake_up(&sched->work_wq);
}

static bool mvgpu_sched_has_ready(struct mvgpu_gpu *gpu)
{
	struct mvgpu_sched *sched = &gpu->sched;
	struct mvgpu_vgpu *vgpu;
	bool ready = false;
	u64 now;

	spin_lock(&sched->lock);
	now = ktime_get_ns();
	list_for_each_entry(vgpu, &sched->vgpus, sched.node)
		if (READ_ONCE(sched->policy)->may_run(gpu, vgpu, now))
			ready = true;
	spin_unlock(&sched->lock);
	return ready;
}

/* Give contexts blocked on WAIT another look at their semaphore. */
static void mvgpu_sched_retry_waiting(struct mvgpu_sched *sched)
{
	struct mvgpu_vgpu *vgpu;

	spin_lock(&sched->lock);
	list_for_each_entry(vgpu, &sched->vgpus, sched.node)
		mvgpu_ctx_retry_waiting(vgpu);
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
				mvgpu_sched_get_prio(vgpu), slice);
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
		u64 ns, slice = 0, wake, poll;
		unsigned int n;

		spin_lock(&sched->lock);
		pick = READ_ONCE(sched->policy)->pick(gpu, &vgpu, &n, &wake,
						      &slice);
		if (pick == MVGPU_PICK_RUN) {
			vgpu->sched.running = true;
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
		READ_ONCE(sched->policy)->charge(gpu, vgpu, ns);
		vgpu->sched.running = false;
		eng->running = NULL;
		spin_unlock(&sched->lock);
		wake_up_all(&sched->idle_wq);
		cond_resched();
	}
	return 0;
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
	mvgpu_sched_policy_start(sched);

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

	mvgpu_sched_policy_stop(&gpu->sched);
	for (i = 0; i < MVGPU_MAX_ENGINES; i++) {
		if (gpu->sched.engines[i].thread)
			kthread_stop(gpu->sched.engines[i].thread);
		gpu->sched.engines[i].thread = NULL;
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu mediator: the engine scheduler.
 *
 * One kthread per physical engine picks which vGPU runs next and for how
 * long. Fairness is weighted fair queueing on virtual time: a vGPU's
 * vruntime grows by the engine time it used divided by its weight, and the
 * busy vGPU with the smallest vruntime runs next, for at most one time
 * slice. An idle vGPU does not bank credit: when it gets work again its
 * vruntime is lifted to the busy vGPUs' minimum, so the engine is work
 * conserving and a newcomer cannot monopolise it. Within a vGPU, busy
 * contexts take turns. The backend stops long commands between bounded
 * chunks, so no guest holds an engine beyond its slice whatever it
 * submits.
 */
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/sched.h>
#include <linux/wait.h>

#include "mvgpu_drv.h"

/* How often contexts blocked on WAIT look at their semaphore again. */
#define MVGPU_WAIT_POLL_NS	(500 * NSEC_PER_USEC)

/**
 * mvgpu_ring_valid() - are a context's ring registers usable?
 * @r: the context's registers
 *
 * Return: true when base, size, head and tail describe a valid ring.
 */
bool mvgpu_ring_valid(const struct mvgpu_ctx_regs *r)
{
	return is_power_of_2(r->ring_size) && r->ring_size >= SZ_4K &&
	       r->ring_size <= SZ_1M && IS_ALIGNED(r->ring_base, SZ_4K) &&
	       r->ring_head < r->ring_size && r->ring_tail < r->ring_size;
}

/**
 * mvgpu_ctx_update_runnable() - recompute whether a context has work
 * @vgpu: the vGPU; caller holds @vgpu->lock
 * @n: context index
 */
void mvgpu_ctx_update_runnable(struct mvgpu_vgpu *vgpu, unsigned int n)
{
	struct mvgpu_ctx_regs *r = &vgpu->ctx[n];

	if ((r->control & MVGPU_CTX_CONTROL_ENABLE) &&
	    !(r->status & MVGPU_CTX_STATUS_FAULTED) &&
	    r->ring_head != r->ring_tail) {
		set_bit(n, &vgpu->runnable);
		r->status |= MVGPU_CTX_STATUS_BUSY;
	} else {
		clear_bit(n, &vgpu->runnable);
		clear_bit(n, &vgpu->waiting);
		r->status &= ~MVGPU_CTX_STATUS_BUSY;
	}
}

/**
 * mvgpu_ctx_fault() - stop a context on a fault and tell the guest
 * @vgpu: the vGPU; caller holds @vgpu->lock
 * @n: context index
 * @reason: MVGPU_FAULT_* code
 * @addr: faulting GPU VA
 */
void mvgpu_ctx_fault(struct mvgpu_vgpu *vgpu, unsigned int n, u32 reason,
		     u64 addr)
{
	struct mvgpu_ctx_regs *r = &vgpu->ctx[n];

	r->status |= MVGPU_CTX_STATUS_FAULTED;
	r->fault_reason = reason;
	r->fault_addr = addr;
	vgpu->regs_irq_status |= MVGPU_IRQ_FAULT(n);
	atomic64_inc(&vgpu->stats.faults);
	mvgpu_ctx_update_runnable(vgpu, n);
	mvgpu_irq_update(vgpu, false);
}

/**
 * mvgpu_sched_attach() - let the scheduler run a vGPU (on open)
 * @vgpu: the vGPU
 */
void mvgpu_sched_attach(struct mvgpu_vgpu *vgpu)
{
	struct mvgpu_sched *sched = &vgpu->gpu->sched;

	spin_lock(&sched->lock);
	vgpu->vruntime = sched->min_vruntime;
	vgpu->sched_running = false;
	list_add_tail(&vgpu->sched_node, &sched->vgpus);
	spin_unlock(&sched->lock);
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
	bool running;

	spin_lock(&sched->lock);
	list_del_init(&vgpu->sched_node);
	spin_unlock(&sched->lock);

	wait_event(sched->idle_wq, ({
		spin_lock(&sched->lock);
		running = vgpu->sched_running;
		spin_unlock(&sched->lock);
		!running;
	}));
}

/**
 * mvgpu_sched_kick() - a vGPU may have new work: wake the engines
 * @vgpu: the vGPU
 */
void mvgpu_sched_kick(struct mvgpu_vgpu *vgpu)
{
	struct mvgpu_sched *sched = &vgpu->gpu->sched;

	spin_lock(&sched->lock);
	/* No credit for having been idle. */
	if (!list_empty(&vgpu->sched_node) &&
	    vgpu->vruntime < sched->min_vruntime)
		vgpu->vruntime = sched->min_vruntime;
	spin_unlock(&sched->lock);
	wake_up(&sched->work_wq);
}

enum mvgpu_pick {
	MVGPU_PICK_NONE,	/* nothing to run */
	MVGPU_PICK_WAITING,	/* only contexts blocked on WAIT */
	MVGPU_PICK_RUN,		/* run *vgpup's context *ctxp */
};

/* Choose the next context to run. Caller holds sched->lock. */
static enum mvgpu_pick mvgpu_sched_pick(struct mvgpu_sched *sched,
					struct mvgpu_vgpu **vgpup,
					unsigned int *ctxp)
{
	struct mvgpu_vgpu *vgpu, *best = NULL;
	bool waiting = false;
	unsigned long ready;
	unsigned int n;

	list_for_each_entry(vgpu, &sched->vgpus, sched_node) {
		if (vgpu->sched_running || !READ_ONCE(vgpu->runnable))
			continue;
		/*
		 * Shadow work in progress: pass it over, and look again soon
		 * (its unlock kicks, but contexts of it blocked on WAIT are
		 * only retried from the polling path).
		 */
		if (atomic_read(&vgpu->shadow_busy)) {
			waiting = true;
			continue;
		}
		if (!(READ_ONCE(vgpu->runnable) & ~READ_ONCE(vgpu->waiting))) {
			waiting = true;
			continue;
		}
		if (!best || vgpu->vruntime < best->vruntime)
			best = vgpu;
	}
	if (!best)
		return waiting ? MVGPU_PICK_WAITING : MVGPU_PICK_NONE;

	if (best->vruntime > sched->min_vruntime)
		sched->min_vruntime = best->vruntime;
	ready = READ_ONCE(best->runnable) & ~READ_ONCE(best->waiting);
	n = find_next_bit(&ready, MVGPU_MAX_CONTEXTS, best->next_ctx);
	if (n >= MVGPU_MAX_CONTEXTS)
		n = find_first_bit(&ready, MVGPU_MAX_CONTEXTS);
	best->next_ctx = n + 1;
	best->sched_running = true;
	*vgpup = best;
	*ctxp = n;
	return MVGPU_PICK_RUN;
}

static bool mvgpu_sched_has_ready(struct mvgpu_sched *sched)
{
	struct mvgpu_vgpu *vgpu;
	bool ready = false;

	spin_lock(&sched->lock);
	list_for_each_entry(vgpu, &sched->vgpus, sched_node)
		if (!vgpu->sched_running && !atomic_read(&vgpu->shadow_busy) &&
		    (READ_ONCE(vgpu->runnable) & ~READ_ONCE(vgpu->waiting)))
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

/* Write an engine run's results back into the context's registers. */
static void mvgpu_sched_complete(struct mvgpu_vgpu *vgpu, unsigned int n,
				 const struct mvgpu_engine_ctx *ectx,
				 enum mvgpu_run_result res)
{
	struct mvgpu_ctx_regs *r = &vgpu->ctx[n];

	r->ring_head = ectx->head;
	r->exec_progress = ectx->progress;
	r->exec_partial = ectx->partial;
	if (ectx->fence_signalled)
		r->fence = ectx->fence;
	if (ectx->fence_irq)
		vgpu->regs_irq_status |= MVGPU_IRQ_FENCE(n);

	switch (res) {
	case MVGPU_RUN_FAULT:
		mvgpu_ctx_fault(vgpu, n, ectx->fault_reason, ectx->fault_addr);
		return;
	case MVGPU_RUN_WAITING:
		set_bit(n, &vgpu->waiting);
		break;
	case MVGPU_RUN_IDLE:
		/*
		 * The engine got to the tail it was given. A doorbell during
		 * the run moved the tail on: more work. Otherwise the ring is
		 * empty or ends in an incomplete command, and only the next
		 * doorbell re-arms the context.
		 */
		if (r->ring_tail == ectx->tail) {
			clear_bit(n, &vgpu->runnable);
			r->status &= ~MVGPU_CTX_STATUS_BUSY;
			mvgpu_irq_update(vgpu, false);
			return;
		}
		break;
	case MVGPU_RUN_PREEMPTED:
		break;
	}
	mvgpu_ctx_update_runnable(vgpu, n);
	mvgpu_irq_update(vgpu, false);
}

/* Run context @n of @vgpu for one slice. Returns the engine time used. */
static u64 mvgpu_engine_run_ctx(struct mvgpu_engine *eng,
				struct mvgpu_vgpu *vgpu, unsigned int n)
{
	struct mvgpu_gpu *gpu = eng->gpu;
	struct mvgpu_ctx_regs *r = &vgpu->ctx[n];
	struct mvgpu_engine_ctx ectx = {};
	enum mvgpu_run_result res;
	u64 t0, ns, root, slice;
	unsigned int gen;

	mutex_lock(&vgpu->lock);
	gen = vgpu->gen;
	if (!test_bit(n, &vgpu->runnable)) {
		mutex_unlock(&vgpu->lock);
		return 0;
	}
	if (!mvgpu_ring_valid(r)) {
		mvgpu_ctx_fault(vgpu, n, MVGPU_FAULT_BAD_RING, r->ring_base);
		mutex_unlock(&vgpu->lock);
		return 0;
	}
	ectx.ring_base = r->ring_base;
	ectx.ring_size = r->ring_size;
	ectx.head = r->ring_head;
	ectx.tail = r->ring_tail;
	ectx.progress = r->exec_progress;
	ectx.partial = r->exec_partial;
	ectx.ts_base = vgpu->ts_base;
	root = r->pt_root;
	mutex_unlock(&vgpu->lock);

	/*
	 * Shadow work of this vGPU that began after it was picked: the vGPU
	 * waits for it (mvgpu_shadow_unlock() kicks the scheduler), not the
	 * engine.
	 */
	if (!mutex_trylock(&vgpu->shadow_lock))
		return 0;
	ectx.pt = vgpu->shadow[n].pt;
	slice = (u64)READ_ONCE(gpu->sched.timeslice_us) * NSEC_PER_USEC;
	t0 = ktime_get_ns();
	res = gpu->ops->engine_run(gpu->priv, eng->index, &ectx, slice);
	/* a miss: fill the shadow there and go on, in the same slice */
	while (res == MVGPU_RUN_FAULT &&
	       ectx.fault_reason == MVGPU_FAULT_NOT_PRESENT &&
	       mvgpu_shadow_fill(vgpu, n, ectx.fault_addr)) {
		ectx.fault_reason = 0;
		ectx.fault_addr = 0;
		ns = ktime_get_ns() - t0;
		if (ns >= slice) {
			res = MVGPU_RUN_PREEMPTED;
			break;
		}
		res = gpu->ops->engine_run(gpu->priv, eng->index, &ectx,
					   slice - ns);
	}
	ns = ktime_get_ns() - t0;
	mutex_unlock(&vgpu->shadow_lock);

	if (res == MVGPU_RUN_FAULT &&
	    ectx.fault_reason == MVGPU_FAULT_NOT_PRESENT)
		ectx.fault_reason = mvgpu_shadow_diagnose(vgpu, n, root,
							  ectx.fault_addr);

	mutex_lock(&vgpu->lock);
	if (vgpu->gen == gen)	/* else a reset overtook this run */
		mvgpu_sched_complete(vgpu, n, &ectx, res);
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
	struct mvgpu_sched *sched = &eng->gpu->sched;
	u64 retry_at = 0;

	while (!kthread_should_stop()) {
		struct mvgpu_vgpu *vgpu;
		enum mvgpu_pick pick;
		unsigned int n;
		u64 ns;

		spin_lock(&sched->lock);
		pick = mvgpu_sched_pick(sched, &vgpu, &n);
		spin_unlock(&sched->lock);

		if (pick == MVGPU_PICK_NONE) {
			wait_event_interruptible(sched->work_wq,
						 kthread_should_stop() ||
						 mvgpu_sched_has_ready(sched));
			continue;
		}
		if (pick == MVGPU_PICK_WAITING) {
			/* Only semaphore waits: look again soon, or on work. */
			wait_event_interruptible_hrtimeout(sched->work_wq,
							   kthread_should_stop() ||
							   mvgpu_sched_has_ready(sched),
							   ns_to_ktime(MVGPU_WAIT_POLL_NS));
			mvgpu_sched_retry_waiting(sched);
			retry_at = ktime_get_ns() + MVGPU_WAIT_POLL_NS;
			continue;
		}

		ns = mvgpu_engine_run_ctx(eng, vgpu, n);
		/* Waiters get another look even while others keep it busy. */
		if (ktime_get_ns() >= retry_at) {
			mvgpu_sched_retry_waiting(sched);
			retry_at = ktime_get_ns() + MVGPU_WAIT_POLL_NS;
		}

		spin_lock(&sched->lock);
		vgpu->vruntime += div_u64(ns * MVGPU_WEIGHT_MAX,
					  atomic_read(&vgpu->weight));
		vgpu->sched_running = false;
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
	sched->timeslice_us = MVGPU_TIMESLICE_US;

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

	for (i = 0; i < MVGPU_MAX_ENGINES; i++) {
		if (gpu->sched.engines[i].thread)
			kthread_stop(gpu->sched.engines[i].thread);
		gpu->sched.engines[i].thread = NULL;
	}
}

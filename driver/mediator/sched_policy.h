/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvgpu mediator: the interface between the engine scheduler's mechanism
 * (sched.c) and its policies (sched_policy.c). Included by those two only.
 */
#ifndef _MVGPU_SCHED_POLICY_H
#define _MVGPU_SCHED_POLICY_H

#include "mvgpu_drv.h"

/* What a policy's pick found. */
enum mvgpu_pick {
	MVGPU_PICK_NONE,	/* nothing to run */
	MVGPU_PICK_WAITING,	/* only contexts blocked on WAIT or capped */
	MVGPU_PICK_RUN,		/* run *vgpup's context *ctxp */
};

/**
 * struct mvgpu_sched_policy_ops - a scheduling policy of a GPU
 * @name: its name in the GPU's ``policy`` attribute
 * @weight: the weight the vGPU's virtual time and slice are reckoned with
 * @cap_permille: the most engine time the vGPU may use, per mille of the
 *	GPU's; 0 for no limit
 * @attach: the vGPU joins the scheduler (on open): start its virtual time,
 *	cap budget and utilization afresh
 * @detach: the vGPU left the scheduler and no engine runs it any more
 * @wake: the vGPU may have new work: no credit for having been idle
 * @may_run: is the vGPU ready, and within its cap at @now?
 * @pick: choose the next context to run, and its slice (see
 *	mvgpu_wfq_pick() for the arguments)
 * @charge: an engine ran the vGPU for @ns (its fill worker's time
 *	included): charge its virtual time and its cap budget
 *
 * The mechanism calls every hook but @detach with the GPU's sched.lock
 * held, and reads the GPU's policy with READ_ONCE() at each call: a
 * policy change takes effect at the next one. All policies keep their
 * state in struct mvgpu_sched_data, so a vGPU moves from one to another
 * with its virtual time and budget. @weight and @cap_permille are what the
 * policies differ in today; the other hooks are shared, and a policy that
 * orders vGPUs otherwise would bring its own.
 */
struct mvgpu_sched_policy_ops {
	const char *name;
	unsigned int (*weight)(struct mvgpu_vgpu *vgpu);
	unsigned int (*cap_permille)(struct mvgpu_vgpu *vgpu);
	void (*attach)(struct mvgpu_gpu *gpu, struct mvgpu_vgpu *vgpu);
	void (*detach)(struct mvgpu_gpu *gpu, struct mvgpu_vgpu *vgpu);
	void (*wake)(struct mvgpu_gpu *gpu, struct mvgpu_vgpu *vgpu);
	bool (*may_run)(struct mvgpu_gpu *gpu, struct mvgpu_vgpu *vgpu,
			u64 now);
	enum mvgpu_pick (*pick)(struct mvgpu_gpu *gpu,
				struct mvgpu_vgpu **vgpup, unsigned int *ctxp,
				u64 *wakep, u64 *slicep);
	void (*charge)(struct mvgpu_gpu *gpu, struct mvgpu_vgpu *vgpu, u64 ns);
};

void mvgpu_sched_policy_start(struct mvgpu_sched *sched);
void mvgpu_sched_policy_stop(struct mvgpu_sched *sched);

#endif /* _MVGPU_SCHED_POLICY_H */

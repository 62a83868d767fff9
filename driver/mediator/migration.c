// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu mediator: live migration of a vGPU, the VFIO migration v2 state
 * machine (include/uapi/linux/vfio.h) with STOP_COPY, P2P and PRE_COPY.
 *
 * A vGPU is "frozen" (its contexts do not run, see mvgpu_sched_freeze())
 * in STOP, STOP_COPY and RESUMING; P2P changes nothing, since the vGPU
 * never reaches another device's memory. The data files, the stream and
 * dirty tracking are mig_stream.c; Documentation/mvgpu/migration.rst
 * describes the whole.
 */
#include <linux/file.h>
#include <linux/slab.h>

#include "mvgpu_drv.h"

/* End a saving session (done or cancelled): its file fails, tracking stops. */
static void mig_save_end(struct mvgpu_vgpu *vgpu)
{
	mvgpu_mig_tracking(vgpu, false);
	mvgpu_mig_file_end(&vgpu->mig.saving);
}

/* One arc of the state machine; vfio_mig_get_next_state() picks them. */
static struct file *mig_step(struct mvgpu_vgpu *vgpu,
			     enum vfio_device_mig_state next)
{
	struct mvgpu_mig *mig = &vgpu->mig;
	enum vfio_device_mig_state cur = mig->state;
	struct file *filp;
	int ret;

	switch (cur) {
	case VFIO_DEVICE_STATE_RUNNING:
		if (next == VFIO_DEVICE_STATE_RUNNING_P2P)
			return NULL;
		if (next == VFIO_DEVICE_STATE_PRE_COPY)
			return mvgpu_mig_save_start(vgpu, false);
		break;
	case VFIO_DEVICE_STATE_RUNNING_P2P:
		if (next == VFIO_DEVICE_STATE_RUNNING)
			return NULL;
		if (next == VFIO_DEVICE_STATE_STOP) {
			mvgpu_sched_freeze(vgpu);
			return NULL;
		}
		if (next == VFIO_DEVICE_STATE_PRE_COPY_P2P)
			return mvgpu_mig_save_start(vgpu, false);
		break;
	case VFIO_DEVICE_STATE_STOP:
		if (next == VFIO_DEVICE_STATE_RUNNING_P2P) {
			mutex_lock(&vgpu->lock);
			mvgpu_irq_update(vgpu, false);
			mutex_unlock(&vgpu->lock);
			mvgpu_sched_thaw(vgpu);
			return NULL;
		}
		if (next == VFIO_DEVICE_STATE_STOP_COPY)
			return mvgpu_mig_save_start(vgpu, true);
		if (next == VFIO_DEVICE_STATE_RESUMING)
			return mvgpu_mig_resume_start(vgpu);
		break;
	case VFIO_DEVICE_STATE_PRE_COPY:
		if (next == VFIO_DEVICE_STATE_PRE_COPY_P2P)
			return NULL;
		if (next == VFIO_DEVICE_STATE_RUNNING) {
			mig_save_end(vgpu);
			return NULL;
		}
		break;
	case VFIO_DEVICE_STATE_PRE_COPY_P2P:
		if (next == VFIO_DEVICE_STATE_PRE_COPY)
			return NULL;
		if (next == VFIO_DEVICE_STATE_RUNNING_P2P) {
			mig_save_end(vgpu);
			return NULL;
		}
		if (next == VFIO_DEVICE_STATE_STOP_COPY) {
			mvgpu_sched_freeze(vgpu);
			ret = mvgpu_mig_save_final(vgpu);
			if (ret) {
				mvgpu_sched_thaw(vgpu);
				return ERR_PTR(ret);
			}
			return NULL;
		}
		break;
	case VFIO_DEVICE_STATE_STOP_COPY:
		if (next == VFIO_DEVICE_STATE_STOP) {
			mig_save_end(vgpu);
			return NULL;
		}
		break;
	case VFIO_DEVICE_STATE_RESUMING:
		if (next == VFIO_DEVICE_STATE_STOP) {
			ret = mvgpu_mig_resume_end(vgpu);
			if (ret)
				return ERR_PTR(ret);
			mvgpu_mig_file_end(&mig->resuming);
			return NULL;
		}
		break;
	default:
		break;
	}
	/* vfio_mig_get_next_state() gives no other arc */
	filp = ERR_PTR(-EINVAL);
	WARN_ON_ONCE(1);
	return filp;
}

static struct file *mvgpu_mig_set_state(struct vfio_device *vdev,
					enum vfio_device_mig_state new_state)
{
	struct mvgpu_vgpu *vgpu = vdev_to_vgpu(vdev);
	struct mvgpu_mig *mig = &vgpu->mig;
	enum vfio_device_mig_state next;
	struct file *res = NULL;
	int ret;

	mutex_lock(&mig->lock);
	while (mig->state != new_state) {
		ret = vfio_mig_get_next_state(vdev, mig->state, new_state,
					      &next);
		if (ret) {
			res = ERR_PTR(ret);
			break;
		}
		res = mig_step(vgpu, next);
		if (IS_ERR(res))
			break;
		WRITE_ONCE(mig->state, next);
		/* only the last arc may give a file */
		if (WARN_ON(res && next != new_state)) {
			fput(res);
			res = ERR_PTR(-EINVAL);
			break;
		}
	}
	mutex_unlock(&mig->lock);
	return res;
}

static int mvgpu_mig_get_state(struct vfio_device *vdev,
			       enum vfio_device_mig_state *state)
{
	struct mvgpu_mig *mig = &vdev_to_vgpu(vdev)->mig;

	mutex_lock(&mig->lock);
	*state = mig->state;
	mutex_unlock(&mig->lock);
	return 0;
}

static int mvgpu_mig_get_data_size(struct vfio_device *vdev,
				   unsigned long *stop_copy_length)
{
	struct mvgpu_vgpu *vgpu = vdev_to_vgpu(vdev);

	mutex_lock(&vgpu->mig.lock);
	*stop_copy_length = mvgpu_mig_stop_copy_bytes(vgpu);
	mutex_unlock(&vgpu->mig.lock);
	return 0;
}

/**
 * mvgpu_mig_state_name() - a vGPU's migration state, for sysfs
 * @vgpu: the vGPU
 *
 * Return: the state's name as in the VFIO uAPI, in lower case.
 */
const char *mvgpu_mig_state_name(struct mvgpu_vgpu *vgpu)
{
	static const char *const names[] = {
		[VFIO_DEVICE_STATE_ERROR] = "error",
		[VFIO_DEVICE_STATE_STOP] = "stop",
		[VFIO_DEVICE_STATE_RUNNING] = "running",
		[VFIO_DEVICE_STATE_STOP_COPY] = "stop_copy",
		[VFIO_DEVICE_STATE_RESUMING] = "resuming",
		[VFIO_DEVICE_STATE_RUNNING_P2P] = "running_p2p",
		[VFIO_DEVICE_STATE_PRE_COPY] = "pre_copy",
		[VFIO_DEVICE_STATE_PRE_COPY_P2P] = "pre_copy_p2p",
	};
	unsigned int state = READ_ONCE(vgpu->mig.state);

	return state < ARRAY_SIZE(names) && names[state] ? names[state] :
							   "unknown";
}

static const struct vfio_migration_ops mvgpu_mig_ops = {
	.migration_set_state = mvgpu_mig_set_state,
	.migration_get_state = mvgpu_mig_get_state,
	.migration_get_data_size = mvgpu_mig_get_data_size,
};

/**
 * mvgpu_mig_reset() - end any migration session; back to RUNNING
 * @vgpu: the vGPU; caller holds none of its locks
 * @reset: resets the vGPU (takes the locks it needs)
 *
 * For VFIO_DEVICE_RESET and for closing the device: open data files fail
 * from now on and dirty tracking stops; then @reset runs, and a frozen
 * vGPU runs again only after it, so that no engine runs the contexts of
 * a stopped or half-loaded vGPU in between. The migration lock is held
 * throughout: no migration arc runs in between either.
 */
void mvgpu_mig_reset(struct mvgpu_vgpu *vgpu,
		     void (*reset)(struct mvgpu_vgpu *vgpu))
{
	struct mvgpu_mig *mig = &vgpu->mig;
	bool frozen;

	mutex_lock(&mig->lock);
	mig_save_end(vgpu);
	mvgpu_mig_file_end(&mig->resuming);
	frozen = mig->state == VFIO_DEVICE_STATE_STOP ||
		 mig->state == VFIO_DEVICE_STATE_STOP_COPY ||
		 mig->state == VFIO_DEVICE_STATE_RESUMING;
	reset(vgpu);
	WRITE_ONCE(mig->state, VFIO_DEVICE_STATE_RUNNING);
	if (frozen)
		mvgpu_sched_thaw(vgpu);
	mutex_unlock(&mig->lock);
}

/**
 * mvgpu_mig_init() - make a new vGPU migratable
 * @vgpu: the vGPU, its VRAM slice assigned
 *
 * Return: 0 or -ENOMEM.
 */
int mvgpu_mig_init(struct mvgpu_vgpu *vgpu)
{
	struct mvgpu_mig *mig = &vgpu->mig;

	mig->dirty = bitmap_zalloc(vgpu->vram_size >> PAGE_SHIFT,
				   GFP_KERNEL_ACCOUNT);
	if (!mig->dirty)
		return -ENOMEM;
	mutex_init(&mig->lock);
	WRITE_ONCE(mig->state, VFIO_DEVICE_STATE_RUNNING);
	vgpu->vdev.migration_flags = VFIO_MIGRATION_STOP_COPY |
				     VFIO_MIGRATION_P2P;
	/* pre-copy needs to know what the engines wrote */
	if (vgpu->gpu->ops->vram_dirty)
		vgpu->vdev.migration_flags |= VFIO_MIGRATION_PRE_COPY;
	vgpu->vdev.mig_ops = &mvgpu_mig_ops;
	return 0;
}

/**
 * mvgpu_mig_fini() - free what mvgpu_mig_init() allocated
 * @vgpu: the vGPU, closed
 */
void mvgpu_mig_fini(struct mvgpu_vgpu *vgpu)
{
	mutex_destroy(&vgpu->mig.lock);
	bitmap_free(vgpu->mig.dirty);
	vgpu->mig.dirty = NULL;
}

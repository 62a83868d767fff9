// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu mediator: live migration of a vGPU, the VFIO migration v2 state
 * machine (include/uapi/linux/vfio.h) with STOP_COPY, P2P and PRE_COPY.
 *
 * A vGPU is "frozen" (its contexts do not run, see mvgpu_sched_freeze())
 * in STOP, STOP_COPY and RESUMING; P2P changes nothing, since the vGPU
 * never reaches another device's memory. This file owns struct mvgpu_mig
 * but for dirty tracking (@tracking, @dirty: mig_save.c), and the data
 * files' lifecycle; what a saving file sends is mig_save.c, what a
 * resuming file takes is mig_resume.c. Documentation/mvgpu/migration.rst
 * describes the whole.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "mvgpu_mig.h"

/* ---- data files ---------------------------------------------------------- */

/**
 * mvgpu_mig_file_free() - free a data file's state
 * @migf: the state; its file was never opened, or is released
 */
void mvgpu_mig_file_free(struct mvgpu_mig_file *migf)
{
	bitmap_free(migf->pending);
	bitmap_free(migf->marked);
	kfree(migf->state);
	kvfree(migf->buf);
	mutex_destroy(&migf->lock);
	kfree(migf);
}

/**
 * mvgpu_mig_file_release() - the release of every data file
 * @inode: its inode
 * @filp: the file
 *
 * Return: 0.
 */
int mvgpu_mig_file_release(struct inode *inode, struct file *filp)
{
	mvgpu_mig_file_free(filp->private_data);
	return 0;
}

/**
 * mvgpu_mig_file_alloc() - the state of a new data file
 * @vgpu: the vGPU
 * @buf_size: bytes of its buffer
 *
 * Return: the state, or ERR_PTR(-ENOMEM).
 */
struct mvgpu_mig_file *mvgpu_mig_file_alloc(struct mvgpu_vgpu *vgpu,
					    size_t buf_size)
{
	struct mvgpu_mig_file *migf;

	migf = kzalloc(sizeof(*migf), GFP_KERNEL_ACCOUNT);
	if (!migf)
		return ERR_PTR(-ENOMEM);
	mutex_init(&migf->lock);
	migf->vgpu = vgpu;
	migf->buf = kvzalloc(buf_size, GFP_KERNEL_ACCOUNT);
	if (!migf->buf) {
		mvgpu_mig_file_free(migf);
		return ERR_PTR(-ENOMEM);
	}
	return migf;
}

/**
 * mvgpu_mig_file_open() - give a data file's state its file
 * @migf: from mvgpu_mig_file_alloc(), set up
 * @fops: the file's operations; their release is mvgpu_mig_file_release()
 * @flags: O_RDONLY (saving) or O_WRONLY (resuming)
 *
 * Return: 0, the file in @migf->filp owning @migf; or a negative errno,
 * @migf freed.
 */
int mvgpu_mig_file_open(struct mvgpu_mig_file *migf,
			const struct file_operations *fops, int flags)
{
	migf->filp = anon_inode_getfile("mvgpu_mig", fops, migf, flags);
	if (IS_ERR(migf->filp)) {
		int ret = PTR_ERR(migf->filp);

		mvgpu_mig_file_free(migf);
		return ret;
	}
	stream_open(migf->filp->f_inode, migf->filp);
	return 0;
}

/**
 * mvgpu_mig_file_enter() - start a read or write of a data file
 * @migf: the file's state
 * @pos: the file position the syscall passed; data files have none
 *
 * Return: 0 with @migf->lock held, or a negative errno without it (the
 * session is over, or a positioned read or write).
 */
int mvgpu_mig_file_enter(struct mvgpu_mig_file *migf, loff_t *pos)
{
	if (pos)
		return -ESPIPE;
	mutex_lock(&migf->lock);
	if (migf->disabled) {
		mutex_unlock(&migf->lock);
		return -ENODEV;
	}
	return 0;
}

/* Keep a new data file in @slot; return a reference for the VMM. */
static struct file *mig_file_install(struct mvgpu_mig_file **slot,
				     struct mvgpu_mig_file *migf)
{
	if (IS_ERR(migf))
		return ERR_CAST(migf);
	*slot = migf;
	get_file(migf->filp);
	return migf->filp;
}

/* End a data session: its file fails from now on. Caller holds mig.lock. */
static void mig_file_end(struct mvgpu_mig_file **slot)
{
	struct mvgpu_mig_file *migf = *slot;

	if (!migf)
		return;
	mutex_lock(&migf->lock);
	migf->disabled = true;
	mutex_unlock(&migf->lock);
	fput(migf->filp);
	*slot = NULL;
}

/* ---- the state machine --------------------------------------------------- */

/* End a saving session (done or cancelled): its file fails, tracking stops. */
static void mig_save_end(struct mvgpu_vgpu *vgpu)
{
	mvgpu_mig_tracking(vgpu, false);
	mig_file_end(&vgpu->mig.saving);
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
#ifdef MVGPU_HAVE_PRE_COPY
		if (next == VFIO_DEVICE_STATE_PRE_COPY)
			return mig_file_install(&mig->saving,
						mvgpu_mig_save_start(vgpu, false));
#endif
		break;
	case VFIO_DEVICE_STATE_RUNNING_P2P:
		if (next == VFIO_DEVICE_STATE_RUNNING)
			return NULL;
		if (next == VFIO_DEVICE_STATE_STOP) {
			mvgpu_sched_freeze(vgpu);
			return NULL;
		}
#ifdef MVGPU_HAVE_PRE_COPY
		if (next == VFIO_DEVICE_STATE_PRE_COPY_P2P)
			return mig_file_install(&mig->saving,
						mvgpu_mig_save_start(vgpu, false));
#endif
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
			return mig_file_install(&mig->saving,
						mvgpu_mig_save_start(vgpu, true));
		if (next == VFIO_DEVICE_STATE_RESUMING)
			return mig_file_install(&mig->resuming,
						mvgpu_mig_resume_start(vgpu));
		break;
#ifdef MVGPU_HAVE_PRE_COPY
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
#endif
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
			mig_file_end(&mig->resuming);
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

#ifdef MVGPU_HAVE_MIG_DATA_SIZE
static int mvgpu_mig_get_data_size(struct vfio_device *vdev,
				   unsigned long *stop_copy_length)
{
	struct mvgpu_vgpu *vgpu = vdev_to_vgpu(vdev);

	mutex_lock(&vgpu->mig.lock);
	*stop_copy_length = mvgpu_mig_stop_copy_bytes(vgpu);
	mutex_unlock(&vgpu->mig.lock);
	return 0;
}
#endif

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
#ifdef MVGPU_HAVE_PRE_COPY
		[VFIO_DEVICE_STATE_PRE_COPY] = "pre_copy",
		[VFIO_DEVICE_STATE_PRE_COPY_P2P] = "pre_copy_p2p",
#endif
	};
	unsigned int state = READ_ONCE(vgpu->mig.state);

	return state < ARRAY_SIZE(names) && names[state] ? names[state] :
							   "unknown";
}

static const struct vfio_migration_ops mvgpu_mig_ops = {
	.migration_set_state = mvgpu_mig_set_state,
	.migration_get_state = mvgpu_mig_get_state,
#ifdef MVGPU_HAVE_MIG_DATA_SIZE
	.migration_get_data_size = mvgpu_mig_get_data_size,
#endif
};

/**
 * mvgpu_mig_lock_abort() - end any migration session, and keep migration
 * out until mvgpu_mig_unlock()
 * @vgpu: the vGPU; caller holds none of its locks
 *
 * For VFIO_DEVICE_RESET and for closing the device, which reset the vGPU
 * between this and mvgpu_mig_unlock(): open data files fail from now on
 * and dirty tracking stops. Takes mig.lock, which is held until
 * mvgpu_mig_unlock(): no migration arc runs in between, and the reset
 * takes the vGPU's locks after it (Documentation/mvgpu/design.rst,
 * "Locking").
 */
void mvgpu_mig_lock_abort(struct mvgpu_vgpu *vgpu)
	__acquires(&vgpu->mig.lock)
{
	struct mvgpu_mig *mig = &vgpu->mig;

	mutex_lock(&mig->lock);
	__acquire(&vgpu->mig.lock);	/* for sparse: mutexes carry no context */
	mig_save_end(vgpu);
	mig_file_end(&mig->resuming);
}

/**
 * mvgpu_mig_unlock() - back to RUNNING after a reset; drop mig.lock
 * @vgpu: the vGPU; caller holds mig.lock from mvgpu_mig_lock_abort() and
 *	has reset the vGPU since
 *
 * A vGPU that was frozen (STOP, STOP_COPY, RESUMING) runs again only now,
 * after the reset, so that no engine runs the contexts of a stopped or
 * half-loaded vGPU in between.
 */
void mvgpu_mig_unlock(struct mvgpu_vgpu *vgpu)
	__releases(&vgpu->mig.lock)
{
	struct mvgpu_mig *mig = &vgpu->mig;
	bool frozen;

	lockdep_assert_held(&mig->lock);
	frozen = mig->state == VFIO_DEVICE_STATE_STOP ||
		 mig->state == VFIO_DEVICE_STATE_STOP_COPY ||
		 mig->state == VFIO_DEVICE_STATE_RESUMING;
	WRITE_ONCE(mig->state, VFIO_DEVICE_STATE_RUNNING);
	if (frozen)
		mvgpu_sched_thaw(vgpu);
	__release(&vgpu->mig.lock);
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
#ifdef MVGPU_HAVE_PRE_COPY
	/* pre-copy needs to know what the engines wrote */
	if (vgpu->gpu->ops->vram_dirty)
		vgpu->vdev.migration_flags |= VFIO_MIGRATION_PRE_COPY;
#endif
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

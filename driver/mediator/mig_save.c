// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu mediator: saving a vGPU, the source side of live migration: VRAM
 * dirty tracking and the saving data file. The state machine that uses
 * them is migration.c; the destination side is mig_resume.c.
 *
 * The saving data file streams records (include/uapi/linux/mvgpu.h,
 * Documentation/mvgpu/migration.rst): a header, VRAM pages, the device
 * state and an end record. In PRE_COPY the vGPU keeps running: the file
 * sends all of VRAM once, then, pass after pass, the pages written since
 * they were sent. Writes are seen three ways: the backend records the
 * pages its engines write (vram_dirty), writes through the BAR2 region
 * call mvgpu_mig_vram_written(), and BAR2 mappings are write-protected at
 * the start of every pass, so that the first write to a page faults into
 * mvgpu_mig_vram_written() too (the fault handlers of vram_map.c; a page
 * marked there is sent in two passes, see mig_collect()). STOP_COPY
 * sends what is left, then the registers and contexts, and ends the
 * stream; the registers are captured by their owners (mvgpu_regs_save(),
 * mvgpu_irq_save(), mvgpu_cfg_save()). Shadow page tables are never sent: the destination rebuilds
 * them from guest memory.
 *
 * Guest RAM is QEMU's to send. Every write of the vGPU to guest RAM goes
 * through a page it pinned or through vfio_dma_rw(), which is exactly what
 * vfio_iommu_type1's dirty tracking reports; mvgpu therefore offers no
 * vfio_log_ops (see Documentation/mvgpu/migration.rst).
 */
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mvgpu_mig.h"

/**
 * mvgpu_mig_vram_written() - note a write to a vGPU's VRAM for migration
 * @vgpu: the vGPU
 * @off: offset in its VRAM
 * @len: bytes written
 *
 * Called after the write (or at the write fault of a BAR2 mapping, before
 * the page becomes writable), so that a pass that sees the mark reads the
 * new data. Cheap when no migration is saving.
 */
void mvgpu_mig_vram_written(struct mvgpu_vgpu *vgpu, u64 off, u64 len)
{
	unsigned long page, last;

	/* the data written before the mark, for a pass that sees the mark */
	smp_mb();
	if (!READ_ONCE(vgpu->mig.tracking) || !len || off >= vgpu->vram_size)
		return;
	last = (min(off + len, vgpu->vram_size) - 1) >> PAGE_SHIFT;
	for (page = off >> PAGE_SHIFT; page <= last; page++)
		if (!test_bit(page, vgpu->mig.dirty))
			set_bit(page, vgpu->mig.dirty);
}

/*
 * Write-protect every user mapping of BAR2 by zapping it: the next access
 * faults, and the next write is recorded (a read maps the page read-only).
 */
static void mig_protect_bar2(struct mvgpu_vgpu *vgpu)
{
	mvgpu_vram_revoke(vgpu);
}

/*
 * Start a pass: add to @migf->pending every page written since the last
 * pass.
 *
 * Marks first, then the write protection of the mappings: a write fault
 * marks its page before the core makes the PTE writable, so a fault that
 * marked before the exchange below may still install its writable PTE
 * after the protection, and later writes through it reach no mark. Such a
 * page is in this pass's marks; it is sent again in the next pass, after
 * the next protection has removed that PTE.
 *
 * The engines' record is read while no engine runs the vGPU (an engine
 * holds shadow_lock for the whole run), so that every write it holds has
 * landed.
 */
static void mig_collect(struct mvgpu_mig_file *migf)
{
	struct mvgpu_vgpu *vgpu = migf->vgpu;
	unsigned long i, words = BITS_TO_LONGS(mvgpu_mig_nr_pages(vgpu));

	migf->cursor = 0;
	for (i = 0; i < words; i++) {
		unsigned long marks = xchg(&vgpu->mig.dirty[i], 0);

		migf->pending[i] |= marks | migf->marked[i];
		migf->marked[i] = marks;
	}
	mig_protect_bar2(vgpu);
	/* without vram_dirty there is no pre-copy; STOP_COPY sends it all */
	if (!vgpu->gpu->ops->vram_dirty)
		return;
	mvgpu_shadow_lock(vgpu);
	vgpu->gpu->ops->vram_dirty(vgpu->gpu->priv, vgpu->vram_offset,
				   vgpu->vram_size, migf->pending);
	mvgpu_shadow_unlock(vgpu);
}

static void mig_stage(struct mvgpu_mig_file *migf, u32 kind, const void *p1,
		      size_t len1, const void *p2, size_t len2)
{
	struct mvgpu_mig_record *rec = (void *)migf->buf;
	u32 crc = ~0u;

	/* p2 may already sit in the buffer (VRAM data read in place) */
	if (len1)
		memcpy(migf->buf + MIG_REC_SIZE, p1, len1);
	if (len2 && p2 != migf->buf + MIG_REC_SIZE + len1)
		memcpy(migf->buf + MIG_REC_SIZE + len1, p2, len2);
	crc = mvgpu_mig_crc(crc, migf->buf + MIG_REC_SIZE, len1 + len2);
	rec->kind = cpu_to_le32(kind);
	rec->crc = cpu_to_le32(~crc);
	rec->length = cpu_to_le64(len1 + len2);
	migf->buf_len = MIG_REC_SIZE + len1 + len2;
	migf->buf_pos = 0;
}

static void mig_stage_header(struct mvgpu_mig_file *migf)
{
	struct mvgpu_vgpu *vgpu = migf->vgpu;
	struct mvgpu_mig_header hdr = {
		.magic = cpu_to_le64(MVGPU_MIG_MAGIC),
		.version = cpu_to_le32(MVGPU_MIG_VERSION),
		.units = cpu_to_le32(vgpu->type->units),
		.vram_size = cpu_to_le64(vgpu->vram_size),
		.contexts = cpu_to_le32(vgpu->type->contexts),
	};

	mig_stage(migf, MVGPU_MIG_REC_HEADER, &hdr, sizeof(hdr), NULL, 0);
	migf->header_sent = true;
}

/*
 * Stage the next run of pending VRAM pages as one record: a ZERO record
 * for a run of pages that hold only zeroes (at most 64 MiB), else a VRAM
 * record with their data (at most MVGPU_MIG_VRAM_MAX). Return: 1 when
 * staged, 0 when none is pending, or a negative errno.
 */
static int mig_stage_vram(struct mvgpu_mig_file *migf)
{
	struct mvgpu_vgpu *vgpu = migf->vgpu;
	unsigned long nr = mvgpu_mig_nr_pages(vgpu), first, end;
	u8 *data = migf->buf + MIG_REC_SIZE + sizeof(__le64);
	bool zero = false;
	__le64 hdr[2];
	int ret;

	first = find_next_bit(migf->pending, nr, migf->cursor);
	if (first >= nr)
		return 0;
	for (end = first; end < nr && test_bit(end, migf->pending); end++) {
		/* a zero run reads every page into the first slot */
		u8 *page = zero ? data : data + ((end - first) << PAGE_SHIFT);
		bool is_zero;

		if (end - first == (zero ? MIG_ZERO_PAGES_MAX : MIG_PAGES_MAX))
			break;
		if (zero && !((end - first) % 256))
			cond_resched();
		ret = vgpu->gpu->ops->vram_rw(vgpu->gpu->priv,
					      vgpu->vram_offset +
					      ((u64)end << PAGE_SHIFT),
					      page, PAGE_SIZE, false);
		if (ret)
			return ret;
		is_zero = !memchr_inv(page, 0, PAGE_SIZE);
		if (end == first)
			zero = is_zero;
		else if (is_zero != zero)
			break;
	}
	bitmap_clear(migf->pending, first, end - first);
	migf->cursor = end;

	hdr[0] = cpu_to_le64((u64)first << PAGE_SHIFT);
	hdr[1] = cpu_to_le64((u64)(end - first) << PAGE_SHIFT);
	if (zero)
		mig_stage(migf, MVGPU_MIG_REC_ZERO, hdr, sizeof(hdr), NULL, 0);
	else
		mig_stage(migf, MVGPU_MIG_REC_VRAM, hdr, sizeof(hdr[0]), data,
			  (end - first) << PAGE_SHIFT);
	return 1;
}

/*
 * Stage the next record; in PRE_COPY, start a new pass when the last one
 * is done only if @new_pass. Return: 1 when staged, 0 at the end of the
 * stream, -ENOMSG when PRE_COPY has nothing to send right now (or may
 * not start a pass), or a negative errno.
 */
static int mig_stage_next(struct mvgpu_mig_file *migf, bool new_pass)
{
	int ret;

	if (!migf->header_sent) {
		mig_stage_header(migf);
		return 1;
	}
	ret = mig_stage_vram(migf);
	if (ret)
		return ret;
	if (!migf->final) {
		/* PRE_COPY: the first pass is over; send what changed since */
		migf->initial = false;
		if (!new_pass)
			return -ENOMSG;
		mig_collect(migf);
		atomic64_inc(&migf->vgpu->stats.mig_precopy_rounds);
		ret = mig_stage_vram(migf);
		return ret ? ret : -ENOMSG;
	}
	if (migf->send_display) {
		mig_stage(migf, MVGPU_MIG_REC_DISPLAY, &migf->display,
			  sizeof(migf->display), NULL, 0);
		migf->send_display = false;
		return 1;
	}
	if (migf->state) {
		mig_stage(migf, MVGPU_MIG_REC_STATE, migf->state,
			  mvgpu_mig_state_len(migf->vgpu), NULL, 0);
		kfree(migf->state);
		migf->state = NULL;
		return 1;
	}
	if (!migf->end_staged) {
		mig_stage(migf, MVGPU_MIG_REC_END, NULL, 0, NULL, 0);
		migf->end_staged = true;
		return 1;
	}
	return 0;
}

static ssize_t mig_save_read(struct file *filp, char __user *ubuf, size_t len,
			     loff_t *pos)
{
	struct mvgpu_mig_file *migf = filp->private_data;
	struct mvgpu_stats *stats;
	ssize_t done = 0;
	int ret;

	ret = mvgpu_mig_file_enter(migf, pos);
	if (ret)
		return ret;
	stats = &migf->vgpu->stats;
	while (len) {
		size_t n = min(len, migf->buf_len - migf->buf_pos);

		if (n) {
			if (copy_to_user(ubuf + done, migf->buf + migf->buf_pos,
					 n)) {
				ret = -EFAULT;
				break;
			}
			migf->buf_pos += n;
			done += n;
			len -= n;
			if (migf->final)
				migf->final_bytes += n;
			if (migf->end_staged && migf->buf_pos == migf->buf_len &&
			    migf->final_at) {
				atomic64_set(&stats->mig_stop_copy_ns,
					     ktime_get_ns() - migf->final_at);
				atomic64_set(&stats->mig_stop_copy_bytes,
					     migf->final_bytes);
				migf->final_at = 0;
			}
			continue;
		}
		/* one read() ends with its pass: it returns what it has */
		ret = mig_stage_next(migf, !done);
		if (ret <= 0)
			break;
		cond_resched();
	}
	mutex_unlock(&migf->lock);
	if (done)
		return done;
	return ret;
}

/* Bytes the saving file has left to send, in its current pass. */
static u64 mig_pending_bytes(struct mvgpu_mig_file *migf)
{
	u64 pages = bitmap_weight(migf->pending, mvgpu_mig_nr_pages(migf->vgpu));

	return pages * PAGE_SIZE +
	       DIV_ROUND_UP(pages, MIG_PAGES_MAX) * (MIG_REC_SIZE + 8) +
	       migf->buf_len - migf->buf_pos;
}

#ifdef MVGPU_HAVE_PRE_COPY
/*
 * VFIO_MIG_GET_PRECOPY_INFO. Only the file's lock is taken: the vGPU may
 * be gone once the file is disabled, which happens under that lock.
 * flags is returned as the user passed it (a reserved field), unless the
 * user opted in to VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2: then it is an
 * output, and no flag (no VFIO_PRECOPY_INFO_REINIT) is ever set.
 */
static long mig_precopy_info(struct mvgpu_mig_file *migf, unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_precopy_info, dirty_bytes);
	struct vfio_precopy_info info = {};
	int ret = 0;

	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	mutex_lock(&migf->lock);
	if (migf->disabled || migf->final) {
		/* not in PRE_COPY or PRE_COPY_P2P */
		ret = -EINVAL;
		goto out;
	}
#ifdef VFIO_PRECOPY_INFO_REINIT
	if (READ_ONCE(migf->vgpu->vdev.precopy_info_v2))
		info.flags = 0;
#endif
	if (migf->initial) {
		info.initial_bytes = mig_pending_bytes(migf);
		if (!migf->header_sent)
			info.initial_bytes += MIG_REC_SIZE +
					      sizeof(struct mvgpu_mig_header);
	} else {
		/* what was written since it was last sent */
		if (migf->buf_pos == migf->buf_len &&
		    find_next_bit(migf->pending, mvgpu_mig_nr_pages(migf->vgpu),
				  migf->cursor) >= mvgpu_mig_nr_pages(migf->vgpu))
			mig_collect(migf);
		info.dirty_bytes = mig_pending_bytes(migf);
	}
out:
	mutex_unlock(&migf->lock);
	if (ret)
		return ret;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

static long mig_save_ioctl(struct file *filp, unsigned int cmd,
			   unsigned long arg)
{
	if (cmd != VFIO_MIG_GET_PRECOPY_INFO)
		return -ENOTTY;
	return mig_precopy_info(filp->private_data, arg);
}
#endif

static const struct file_operations mig_save_fops = {
	.owner = THIS_MODULE,
	.read = mig_save_read,
#ifdef MVGPU_HAVE_PRE_COPY
	.unlocked_ioctl = mig_save_ioctl,
#endif
	.compat_ioctl = compat_ptr_ioctl,
	.release = mvgpu_mig_file_release,
};

/*
 * Capture the state of a frozen vGPU into a STATE payload. The scheduling
 * settings are sent for information (a tool reading the stream); the
 * destination does not take them.
 */
static struct mvgpu_mig_state *mig_save_state(struct mvgpu_vgpu *vgpu)
{
	struct mvgpu_mig_state *st;

	st = kzalloc(mvgpu_mig_state_len(vgpu), GFP_KERNEL_ACCOUNT);
	if (!st)
		return NULL;

	mutex_lock(&vgpu->lock);
	mvgpu_regs_save(vgpu, st);
	mvgpu_irq_save(vgpu, st);
	mvgpu_cfg_save(vgpu, st->config);
	st->weight = cpu_to_le32(mvgpu_sched_get_weight(vgpu));
	st->cap = cpu_to_le32(mvgpu_sched_get_cap(vgpu));
	st->priority = cpu_to_le32(mvgpu_sched_get_prio(vgpu));
	mutex_unlock(&vgpu->lock);
	return st;
}

/* The display registers of a frozen vGPU with a display, for its stream. */
static void mig_save_display(struct mvgpu_vgpu *vgpu,
			     struct mvgpu_mig_file *migf)
{
	if (!mvgpu_display_present(vgpu))
		return;
	mutex_lock(&vgpu->lock);
	mvgpu_display_save(vgpu, &migf->display);
	mutex_unlock(&vgpu->lock);
	migf->send_display = true;
}

/**
 * mvgpu_mig_tracking() - start or stop recording writes to a vGPU's VRAM
 * @vgpu: the vGPU; caller holds mig.lock
 * @on: start (the marks start empty and BAR2 mappings are write-protected)
 *	or stop
 */
void mvgpu_mig_tracking(struct mvgpu_vgpu *vgpu, bool on)
{
	if (on) {
		bitmap_zero(vgpu->mig.dirty, mvgpu_mig_nr_pages(vgpu));
		WRITE_ONCE(vgpu->mig.tracking, true);
		/* writes through mappings made before now fault again */
		mig_protect_bar2(vgpu);
	} else {
		WRITE_ONCE(vgpu->mig.tracking, false);
	}
}

/**
 * mvgpu_mig_save_start() - open a saving session
 * @vgpu: the vGPU; caller holds mig.lock
 * @final: STOP -> STOP_COPY (the vGPU is frozen: all of it at once), else
 *	RUNNING -> PRE_COPY (pass after pass while it runs)
 *
 * Return: the data file's state, its file open (the caller keeps it in
 * mig.saving), or an ERR_PTR.
 */
struct mvgpu_mig_file *mvgpu_mig_save_start(struct mvgpu_vgpu *vgpu,
					    bool final)
{
	unsigned long pages = mvgpu_mig_nr_pages(vgpu);
	struct mvgpu_mig_file *migf;
	int ret;

	migf = mvgpu_mig_file_alloc(vgpu, MIG_REC_SIZE + sizeof(__le64) +
					  MVGPU_MIG_VRAM_MAX);
	if (IS_ERR(migf))
		return migf;
	migf->pending = bitmap_zalloc(pages, GFP_KERNEL_ACCOUNT);
	migf->marked = bitmap_zalloc(pages, GFP_KERNEL_ACCOUNT);
	if (!migf->pending || !migf->marked) {
		mvgpu_mig_file_free(migf);
		return ERR_PTR(-ENOMEM);
	}
	bitmap_fill(migf->pending, pages);
	migf->initial = true;
	ret = mvgpu_mig_file_open(migf, &mig_save_fops, O_RDONLY);
	if (ret)
		return ERR_PTR(ret);
	atomic64_set(&vgpu->stats.mig_precopy_rounds, 0);
	if (final) {
		migf->state = mig_save_state(vgpu);
		if (!migf->state) {
			fput(migf->filp);
			return ERR_PTR(-ENOMEM);
		}
		mig_save_display(vgpu, migf);
		migf->final = true;
		migf->final_at = ktime_get_ns();
	} else {
		mvgpu_mig_tracking(vgpu, true);
		/* the engines' old writes: the first pass sends it all anyway */
		mig_collect(migf);
	}
	return migf;
}

/**
 * mvgpu_mig_save_final() - PRE_COPY_P2P -> STOP_COPY: send the rest
 * @vgpu: the vGPU, frozen; caller holds mig.lock
 *
 * Return: 0 or -ENOMEM.
 */
int mvgpu_mig_save_final(struct mvgpu_vgpu *vgpu)
{
	struct mvgpu_mig_file *migf = vgpu->mig.saving;
	struct mvgpu_mig_state *st;

	st = mig_save_state(vgpu);
	if (!st)
		return -ENOMEM;
	mutex_lock(&migf->lock);
	migf->final_at = ktime_get_ns();
	migf->final_bytes = 0;
	mig_collect(migf);
	migf->state = st;
	mig_save_display(vgpu, migf);
	migf->final = true;
	mutex_unlock(&migf->lock);
	mvgpu_mig_tracking(vgpu, false);
	return 0;
}

/**
 * mvgpu_mig_stop_copy_bytes() - what STOP_COPY would send now
 * @vgpu: the vGPU; caller holds mig.lock
 *
 * Return: all of VRAM and the state, or, once a pre-copy session sent its
 * first pass, the pages written since they were sent (an estimate).
 */
u64 mvgpu_mig_stop_copy_bytes(struct mvgpu_vgpu *vgpu)
{
	struct mvgpu_mig_file *migf = vgpu->mig.saving;
	u64 bytes = vgpu->vram_size;

	if (migf) {
		mutex_lock(&migf->lock);
		if (!migf->initial)
			bytes = mig_pending_bytes(migf) +
				bitmap_weight(vgpu->mig.dirty,
					      mvgpu_mig_nr_pages(vgpu)) * PAGE_SIZE;
		mutex_unlock(&migf->lock);
	}
	return bytes + 4 * MIG_REC_SIZE + sizeof(struct mvgpu_mig_header) +
	       mvgpu_mig_state_len(vgpu);
}

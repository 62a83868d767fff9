// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu mediator: the live-migration stream and VRAM dirty tracking; the
 * state machine that uses them is migration.c.
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
 * stream. Shadow page tables are never sent: the destination rebuilds
 * them from guest memory.
 *
 * Guest RAM is QEMU's to send. Every write of the vGPU to guest RAM goes
 * through a page it pinned or through vfio_dma_rw(), which is exactly what
 * vfio_iommu_type1's dirty tracking reports; mvgpu therefore offers no
 * vfio_log_ops (see Documentation/mvgpu/migration.rst).
 */
#include <linux/anon_inodes.h>
#include <linux/crc32.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "mvgpu_drv.h"

#define MIG_PAGES_MAX	(MVGPU_MIG_VRAM_MAX >> PAGE_SHIFT)
/* Longest run of zero pages one record covers (64 MiB): bounds a read. */
#define MIG_ZERO_PAGES_MAX	(SZ_64M >> PAGE_SHIFT)
#define MIG_REC_SIZE	sizeof(struct mvgpu_mig_record)
/* Largest record the destination buffers whole (header, state). */
#define MIG_SMALL_MAX	(sizeof(struct mvgpu_mig_state) + \
			 MVGPU_MAX_CONTEXTS * sizeof(struct mvgpu_mig_ctx))

/**
 * struct mvgpu_mig_file - a migration data file (saving or resuming)
 * @filp: its file
 * @vgpu: the vGPU; not touched once @disabled
 * @lock: protects everything below
 * @disabled: the session is over; reads and writes fail
 * @error: a resuming stream was refused; the errno every write returns
 * @buf: the record being read out (saving); header and small payloads
 *	(resuming)
 * @buf_len: bytes staged in @buf (saving)
 * @buf_pos: bytes of @buf already read (saving)
 * @pending: VRAM pages to send (saving; one bit per page of the slice)
 * @marked: pages the last pass took from the mapping marks, sent again in
 *	the next pass (saving)
 * @cursor: page where the search in @pending resumes
 * @header_sent: the HEADER record has been staged
 * @initial: the first pass over VRAM is not finished
 * @final: in STOP_COPY: after the last pages come STATE and END
 * @end_staged: the END record has been staged
 * @state: the device state captured when STOP_COPY began
 * @final_at: clock when STOP_COPY began
 * @final_bytes: bytes read since then
 * @rec: the record header being received (resuming)
 * @rec_got: bytes of @rec received
 * @got: payload bytes of the record received
 * @crc: running CRC-32 of that payload
 * @vram_at: VRAM offset where the record's next data byte goes
 * @records: records received whole so far (the number of the next)
 * @have_header: a valid HEADER was received
 * @have_state: a valid STATE was received (kept in @buf)
 * @have_end: the END record was received
 */
struct mvgpu_mig_file {
	struct file *filp;
	struct mvgpu_vgpu *vgpu;
	/* protects all below */
	struct mutex lock;
	bool disabled;
	int error;
	u8 *buf;
	size_t buf_len;
	size_t buf_pos;
	unsigned long *pending;
	unsigned long *marked;
	unsigned long cursor;
	bool header_sent;
	bool initial;
	bool final;
	bool end_staged;
	struct mvgpu_mig_state *state;
	u64 final_at;
	u64 final_bytes;
	struct mvgpu_mig_record rec;
	size_t rec_got;
	u64 got;
	u32 crc;
	u64 vram_at;
	unsigned int records;
	bool have_header;
	bool have_state;
	bool have_end;
};

static unsigned long mig_nr_pages(struct mvgpu_vgpu *vgpu)
{
	return vgpu->vram_size >> PAGE_SHIFT;
}

static size_t mig_state_len(struct mvgpu_vgpu *vgpu)
{
	return sizeof(struct mvgpu_mig_state) +
	       vgpu->type->contexts * sizeof(struct mvgpu_mig_ctx);
}

static u32 mig_crc(u32 crc, const void *p, size_t len)
{
	return crc32_le(crc, p, len);
}

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
	unsigned long i, words = BITS_TO_LONGS(mig_nr_pages(vgpu));

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
	crc = mig_crc(crc, migf->buf + MIG_REC_SIZE, len1 + len2);
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
	unsigned long nr = mig_nr_pages(vgpu), first, end;
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
	if (migf->state) {
		mig_stage(migf, MVGPU_MIG_REC_STATE, migf->state,
			  mig_state_len(migf->vgpu), NULL, 0);
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

/*
 * Start a read or write of a data file: take its lock, unless the session
 * is over. Return: 0 with the lock held, or a negative errno without it.
 */
static int mig_file_enter(struct mvgpu_mig_file *migf, loff_t *pos)
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

static ssize_t mig_save_read(struct file *filp, char __user *ubuf, size_t len,
			     loff_t *pos)
{
	struct mvgpu_mig_file *migf = filp->private_data;
	struct mvgpu_stats *stats;
	ssize_t done = 0;
	int ret;

	ret = mig_file_enter(migf, pos);
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
	u64 pages = bitmap_weight(migf->pending, mig_nr_pages(migf->vgpu));

	return pages * PAGE_SIZE +
	       DIV_ROUND_UP(pages, MIG_PAGES_MAX) * (MIG_REC_SIZE + 8) +
	       migf->buf_len - migf->buf_pos;
}

/*
 * VFIO_MIG_GET_PRECOPY_INFO. Only the file's lock is taken: the vGPU may
 * be gone once the file is disabled, which happens under that lock.
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
	} else if (migf->initial) {
		info.initial_bytes = mig_pending_bytes(migf);
		if (!migf->header_sent)
			info.initial_bytes += MIG_REC_SIZE +
					      sizeof(struct mvgpu_mig_header);
	} else {
		/* what was written since it was last sent */
		if (migf->buf_pos == migf->buf_len &&
		    find_next_bit(migf->pending, mig_nr_pages(migf->vgpu),
				  migf->cursor) >= mig_nr_pages(migf->vgpu))
			mig_collect(migf);
		info.dirty_bytes = mig_pending_bytes(migf);
	}
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

/* ---- resuming ------------------------------------------------------------ */

static const char *const mig_rec_names[] = {
	[MVGPU_MIG_REC_HEADER] = "HEADER",
	[MVGPU_MIG_REC_VRAM] = "VRAM",
	[MVGPU_MIG_REC_ZERO] = "ZERO",
	[MVGPU_MIG_REC_STATE] = "STATE",
	[MVGPU_MIG_REC_END] = "END",
};

static int mig_refuse(struct mvgpu_mig_file *migf, const char *why)
{
	dev_err(&migf->vgpu->mdev->dev,
		"migration stream refused at record %u: %s\n", migf->records,
		why);
	migf->error = -EINVAL;
	return -EINVAL;
}

/* A record header is complete: is that record allowed here? */
static int mig_rec_begin(struct mvgpu_mig_file *migf)
{
	struct mvgpu_vgpu *vgpu = migf->vgpu;
	u32 kind = le32_to_cpu(migf->rec.kind);
	u64 len = le64_to_cpu(migf->rec.length);

	migf->got = 0;
	migf->crc = ~0u;
	if (migf->have_end)
		return mig_refuse(migf, "data after the END record");
	if (!migf->have_header && kind != MVGPU_MIG_REC_HEADER)
		return mig_refuse(migf, "no HEADER first (not an mvgpu stream)");
	switch (kind) {
	case MVGPU_MIG_REC_HEADER:
		if (migf->have_header)
			return mig_refuse(migf, "a second HEADER record");
		if (len != sizeof(struct mvgpu_mig_header))
			return mig_refuse(migf, "HEADER record of the wrong length");
		return 0;
	case MVGPU_MIG_REC_VRAM:
		if (migf->have_state)
			return mig_refuse(migf, "VRAM record after the STATE record");
		if (len <= sizeof(__le64) ||
		    (len - sizeof(__le64)) % PAGE_SIZE ||
		    len - sizeof(__le64) > MVGPU_MIG_VRAM_MAX)
			return mig_refuse(migf, "VRAM record of a bad length");
		return 0;
	case MVGPU_MIG_REC_ZERO:
		if (migf->have_state)
			return mig_refuse(migf, "ZERO record after the STATE record");
		if (len != 2 * sizeof(__le64))
			return mig_refuse(migf, "ZERO record of the wrong length");
		return 0;
	case MVGPU_MIG_REC_STATE:
		if (migf->have_state)
			return mig_refuse(migf, "a second STATE record");
		if (len != mig_state_len(vgpu))
			return mig_refuse(migf, "STATE record of the wrong length");
		return 0;
	case MVGPU_MIG_REC_END:
		if (!migf->have_state)
			return mig_refuse(migf, "END record before the STATE record");
		if (len)
			return mig_refuse(migf, "END record with a payload");
		return 0;
	}
	return mig_refuse(migf, "unknown record kind");
}

static int mig_check_header(struct mvgpu_mig_file *migf)
{
	const struct mvgpu_mig_header *hdr = (void *)migf->buf;
	struct mvgpu_vgpu *vgpu = migf->vgpu;
	struct device *dev = &vgpu->mdev->dev;

	if (le64_to_cpu(hdr->magic) != MVGPU_MIG_MAGIC)
		return mig_refuse(migf, "bad magic (not an mvgpu migration stream)");
	if (le32_to_cpu(hdr->version) != MVGPU_MIG_VERSION) {
		dev_err(dev, "migration stream of version %u; this mvgpu reads version %u\n",
			le32_to_cpu(hdr->version), MVGPU_MIG_VERSION);
		return mig_refuse(migf, "unsupported stream version");
	}
	if (le32_to_cpu(hdr->units) != vgpu->type->units ||
	    le64_to_cpu(hdr->vram_size) != vgpu->vram_size ||
	    le32_to_cpu(hdr->contexts) != vgpu->type->contexts || hdr->flags) {
		dev_err(dev, "migration stream of a %u/64 vGPU (%llu MiB, %u contexts); this is %s (%u/64, %llu MiB, %u contexts)\n",
			le32_to_cpu(hdr->units),
			le64_to_cpu(hdr->vram_size) >> 20,
			le32_to_cpu(hdr->contexts), vgpu->type->pretty_name,
			vgpu->type->units, vgpu->vram_size >> 20,
			vgpu->type->contexts);
		return mig_refuse(migf, "the stream is of another vGPU type");
	}
	return 0;
}

/* Bytes of a record's payload arrived: check, store, or write VRAM. */
static int mig_rec_data(struct mvgpu_mig_file *migf, const char __user *ubuf,
			size_t n)
{
	struct mvgpu_vgpu *vgpu = migf->vgpu;
	u32 kind = le32_to_cpu(migf->rec.kind);
	int ret;

	if (kind != MVGPU_MIG_REC_VRAM) {
		/* small payloads are kept whole in buf */
		if (copy_from_user(migf->buf + migf->got, ubuf, n))
			return -EFAULT;
		migf->crc = mig_crc(migf->crc, migf->buf + migf->got, n);
		return 0;
	}
	if (migf->got < sizeof(__le64)) {
		/* the record's VRAM offset */
		n = min_t(size_t, n, sizeof(__le64) - migf->got);
		if (copy_from_user(migf->buf + migf->got, ubuf, n))
			return -EFAULT;
		migf->crc = mig_crc(migf->crc, migf->buf + migf->got, n);
		if (migf->got + n == sizeof(__le64)) {
			u64 off = le64_to_cpu(*(__le64 *)migf->buf);
			u64 len = le64_to_cpu(migf->rec.length) - sizeof(__le64);

			if (!PAGE_ALIGNED(off) || off >= vgpu->vram_size ||
			    len > vgpu->vram_size - off)
				return mig_refuse(migf, "VRAM record outside the vGPU's VRAM");
			migf->vram_at = off;
		}
		return n;
	}
	n = min_t(size_t, n, PAGE_SIZE);
	if (copy_from_user(migf->buf, ubuf, n))
		return -EFAULT;
	migf->crc = mig_crc(migf->crc, migf->buf, n);
	ret = vgpu->gpu->ops->vram_rw(vgpu->gpu->priv,
				      vgpu->vram_offset + migf->vram_at,
				      migf->buf, n, true);
	if (ret)
		return ret;
	migf->vram_at += n;
	return n;
}

/* A ZERO record arrived whole: clear its pages. */
static int mig_zero(struct mvgpu_mig_file *migf)
{
	struct mvgpu_vgpu *vgpu = migf->vgpu;
	const __le64 *hdr = (void *)migf->buf;
	u64 off = le64_to_cpu(hdr[0]), len = le64_to_cpu(hdr[1]);

	if (!PAGE_ALIGNED(off) || !PAGE_ALIGNED(len) || !len ||
	    off >= vgpu->vram_size || len > vgpu->vram_size - off)
		return mig_refuse(migf, "ZERO record outside the vGPU's VRAM");
	return vgpu->gpu->ops->vram_clear(vgpu->gpu->priv,
					  vgpu->vram_offset + off, len);
}

/* A record's payload is complete. */
static int mig_rec_end(struct mvgpu_mig_file *migf)
{
	u32 kind = le32_to_cpu(migf->rec.kind);
	char why[48];
	int ret;

	if (~migf->crc != le32_to_cpu(migf->rec.crc)) {
		snprintf(why, sizeof(why), "%s record fails its CRC (corrupted)",
			 mig_rec_names[kind]);
		return mig_refuse(migf, why);
	}
	switch (kind) {
	case MVGPU_MIG_REC_HEADER:
		if (mig_check_header(migf))
			return -EINVAL;
		migf->have_header = true;
		break;
	case MVGPU_MIG_REC_ZERO:
		ret = mig_zero(migf);
		if (ret)
			return ret;
		break;
	case MVGPU_MIG_REC_STATE:
		migf->have_state = true;
		break;
	case MVGPU_MIG_REC_END:
		migf->have_end = true;
		break;
	}
	migf->records++;
	migf->rec_got = 0;
	return 0;
}

static ssize_t mig_resume_write(struct file *filp, const char __user *ubuf,
				size_t len, loff_t *pos)
{
	struct mvgpu_mig_file *migf = filp->private_data;
	size_t done = 0;
	ssize_t ret;

	ret = mig_file_enter(migf, pos);
	if (ret)
		return ret;
	if (migf->error) {
		ret = migf->error;
		goto out;
	}
	while (done < len) {
		size_t n;

		/*
		 * A ZERO record of 16 bytes clears up to all of VRAM: a write
		 * of many of them is long, and its caller may die meanwhile.
		 */
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		if (migf->rec_got < MIG_REC_SIZE) {
			n = min(len - done, MIG_REC_SIZE - migf->rec_got);
			if (copy_from_user((u8 *)&migf->rec + migf->rec_got,
					   ubuf + done, n)) {
				ret = -EFAULT;
				break;
			}
			migf->rec_got += n;
			done += n;
			if (migf->rec_got < MIG_REC_SIZE)
				continue;
			ret = mig_rec_begin(migf);
			if (ret)
				break;
		} else {
			n = min_t(u64, len - done,
				  le64_to_cpu(migf->rec.length) - migf->got);
			ret = mig_rec_data(migf, ubuf + done, n);
			if (ret < 0)
				break;
			if (ret)
				n = ret;
			migf->got += n;
			done += n;
			ret = 0;
		}
		if (migf->got == le64_to_cpu(migf->rec.length)) {
			ret = mig_rec_end(migf);
			if (ret)
				break;
		}
		cond_resched();
	}
out:
	mutex_unlock(&migf->lock);
	if (ret < 0 && ret != -EFAULT && ret != -EINTR)
		return ret;
	return done ? done : ret;
}

/* ---- device state -------------------------------------------------------- */

/*
 * Capture the state of a frozen vGPU into a STATE payload. The scheduling
 * settings are sent for information (a tool reading the stream); the
 * destination does not take them.
 */
static struct mvgpu_mig_state *mig_save_state(struct mvgpu_vgpu *vgpu)
{
	struct mvgpu_mig_state *st;
	struct mvgpu_mig_ctx *c;
	unsigned int n;

	st = kzalloc(mig_state_len(vgpu), GFP_KERNEL_ACCOUNT);
	if (!st)
		return NULL;
	c = (void *)(st + 1);

	mutex_lock(&vgpu->lock);
	st->irq_status = cpu_to_le32(vgpu->regs_irq_status);
	st->irq_mask = cpu_to_le32(vgpu->regs_irq_mask);
	st->scratch = cpu_to_le32(vgpu->regs_scratch);
	st->timestamp_hi = cpu_to_le32(vgpu->regs_ts_hi);
	st->timestamp = cpu_to_le64(ktime_get_ns() - vgpu->ts_base);
	st->weight = cpu_to_le32(mvgpu_sched_get_weight(vgpu));
	st->cap = cpu_to_le32(mvgpu_sched_get_cap(vgpu));
	st->priority = cpu_to_le32(mvgpu_sched_get_prio(vgpu));
	st->intx_masked = cpu_to_le32(vgpu->irq.intx_masked);
	memcpy(st->config, vgpu->cfg, sizeof(st->config));
	for (n = 0; n < vgpu->type->contexts; n++, c++) {
		const struct mvgpu_ctx_regs *r = &vgpu->ctx[n];

		c->pt_root = cpu_to_le64(r->pt_root);
		c->ring_base = cpu_to_le64(r->ring_base);
		c->ring_size = cpu_to_le32(r->ring_size);
		c->ring_head = cpu_to_le32(r->ring_head);
		c->ring_tail = cpu_to_le32(r->ring_tail);
		c->control = cpu_to_le32(r->control);
		c->status = cpu_to_le32(r->status);
		c->fault_reason = cpu_to_le32(r->fault_reason);
		c->fault_addr = cpu_to_le64(r->fault_addr);
		c->fence = cpu_to_le64(r->fence);
		c->tlb_inv_addr = cpu_to_le64(r->tlb_inv_addr);
		c->tlb_inv_size = cpu_to_le64(r->tlb_inv_size);
		c->exec_progress = cpu_to_le64(r->exec_progress);
		c->exec_partial = cpu_to_le64(r->exec_partial);
	}
	mutex_unlock(&vgpu->lock);
	return st;
}

/*
 * Is a received STATE payload one this vGPU can take? Its weight, cap and
 * priority are not looked at: the destination's are the host's.
 */
static int mig_check_state(struct mvgpu_mig_file *migf)
{
	const struct mvgpu_mig_state *st = (void *)migf->buf;
	const struct mvgpu_mig_ctx *c = (void *)(st + 1);
	struct mvgpu_vgpu *vgpu = migf->vgpu;
	unsigned int n;

	if (le32_to_cpu(st->intx_masked) > 1)
		return mig_refuse(migf, "STATE with a bad INTx mask");
	for (n = 0; n < vgpu->type->contexts; n++, c++)
		if (le32_to_cpu(c->control) & ~MVGPU_CTX_CONTROL_ENABLE ||
		    le32_to_cpu(c->status) & ~(MVGPU_CTX_STATUS_ENABLED |
					       MVGPU_CTX_STATUS_BUSY |
					       MVGPU_CTX_STATUS_FAULTED) ||
		    le32_to_cpu(c->ring_head) % 4 ||
		    le32_to_cpu(c->ring_tail) % 4)
			return mig_refuse(migf, "STATE with bad context registers");
	return 0;
}

/*
 * Load a checked STATE payload into the frozen vGPU: only what its guest
 * could have set itself. The scheduling settings (weight, cap, priority)
 * are the host administrator's and stay as they are; configuration space
 * takes the guest-writable bits without their side effects.
 */
static void mig_load_state(struct mvgpu_vgpu *vgpu,
			   const struct mvgpu_mig_state *st)
{
	const struct mvgpu_mig_ctx *c = (void *)(st + 1);
	unsigned int n;

	mutex_lock(&vgpu->lock);
	/* whatever the vGPU did before is dropped */
	WRITE_ONCE(vgpu->gen, vgpu->gen + 1);
	vgpu->regs_irq_status = le32_to_cpu(st->irq_status) &
				mvgpu_irq_valid_bits(vgpu);
	vgpu->regs_irq_mask = le32_to_cpu(st->irq_mask) &
			      mvgpu_irq_valid_bits(vgpu);
	vgpu->regs_scratch = le32_to_cpu(st->scratch);
	vgpu->regs_ts_hi = le32_to_cpu(st->timestamp_hi);
	vgpu->ts_base = ktime_get_ns() - le64_to_cpu(st->timestamp);
	vgpu->irq.intx_masked = le32_to_cpu(st->intx_masked);
	/* the interrupt is delivered again when the vGPU runs */
	vgpu->irq.asserted = false;
	mvgpu_cfg_restore(vgpu, st->config);
	vgpu->runnable = 0;
	vgpu->waiting = 0;
	WRITE_ONCE(vgpu->filling, 0);
	for (n = 0; n < vgpu->type->contexts; n++, c++) {
		struct mvgpu_ctx_regs *r = &vgpu->ctx[n];

		r->pt_root = le64_to_cpu(c->pt_root);
		r->ring_base = le64_to_cpu(c->ring_base);
		r->ring_size = le32_to_cpu(c->ring_size);
		r->ring_head = le32_to_cpu(c->ring_head);
		r->ring_tail = le32_to_cpu(c->ring_tail);
		r->control = le32_to_cpu(c->control);
		r->status = le32_to_cpu(c->status);
		r->fault_reason = le32_to_cpu(c->fault_reason);
		r->fault_addr = le64_to_cpu(c->fault_addr);
		r->fence = le64_to_cpu(c->fence);
		r->tlb_inv_addr = le64_to_cpu(c->tlb_inv_addr);
		r->tlb_inv_size = le64_to_cpu(c->tlb_inv_size);
		r->exec_progress = le64_to_cpu(c->exec_progress);
		r->exec_partial = le64_to_cpu(c->exec_partial);
		mvgpu_ctx_update_runnable(vgpu, n);
	}
	/*
	 * Shadows start empty, rooted where the contexts' tables are; the
	 * engine fills them from guest memory on use.
	 */
	mvgpu_shadow_lock(vgpu);
	for (n = 0; n < vgpu->type->contexts; n++) {
		mvgpu_shadow_drop(vgpu, n);
		if (vgpu->ctx[n].control & MVGPU_CTX_CONTROL_ENABLE)
			mvgpu_shadow_invalidate(vgpu, n, vgpu->ctx[n].pt_root,
						0, 0);
	}
	mvgpu_shadow_unlock(vgpu);
	mutex_unlock(&vgpu->lock);
	mvgpu_shadow_reap(vgpu);
}

/* ---- data files ---------------------------------------------------------- */

static void mig_file_free(struct mvgpu_mig_file *migf)
{
	bitmap_free(migf->pending);
	bitmap_free(migf->marked);
	kfree(migf->state);
	kvfree(migf->buf);
	mutex_destroy(&migf->lock);
	kfree(migf);
}

static int mig_release(struct inode *inode, struct file *filp)
{
	mig_file_free(filp->private_data);
	return 0;
}

static const struct file_operations mig_save_fops = {
	.owner = THIS_MODULE,
	.read = mig_save_read,
	.unlocked_ioctl = mig_save_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = mig_release,
};

static const struct file_operations mig_resume_fops = {
	.owner = THIS_MODULE,
	.write = mig_resume_write,
	.release = mig_release,
};

static struct mvgpu_mig_file *mig_file_new(struct mvgpu_vgpu *vgpu,
					   bool saving)
{
	struct mvgpu_mig_file *migf;
	size_t buf_size;
	int ret = -ENOMEM;

	migf = kzalloc(sizeof(*migf), GFP_KERNEL_ACCOUNT);
	if (!migf)
		return ERR_PTR(-ENOMEM);
	mutex_init(&migf->lock);
	migf->vgpu = vgpu;
	buf_size = saving ? MIG_REC_SIZE + sizeof(__le64) + MVGPU_MIG_VRAM_MAX :
			    max_t(size_t, MIG_SMALL_MAX, PAGE_SIZE);
	migf->buf = kvzalloc(buf_size, GFP_KERNEL_ACCOUNT);
	if (!migf->buf)
		goto err;
	if (saving) {
		migf->pending = bitmap_zalloc(mig_nr_pages(vgpu),
					      GFP_KERNEL_ACCOUNT);
		migf->marked = bitmap_zalloc(mig_nr_pages(vgpu),
					     GFP_KERNEL_ACCOUNT);
		if (!migf->pending || !migf->marked)
			goto err;
		bitmap_fill(migf->pending, mig_nr_pages(vgpu));
		migf->initial = true;
	}
	migf->filp = anon_inode_getfile("mvgpu_mig",
					saving ? &mig_save_fops :
						 &mig_resume_fops,
					migf, saving ? O_RDONLY : O_WRONLY);
	if (IS_ERR(migf->filp)) {
		ret = PTR_ERR(migf->filp);
		goto err;
	}
	stream_open(migf->filp->f_inode, migf->filp);
	return migf;

err:
	mig_file_free(migf);
	return ERR_PTR(ret);
}

/**
 * mvgpu_mig_file_end() - end a data session: its file fails from now on
 * @slot: where the vGPU keeps the file (mig.saving or mig.resuming); set to
 *	NULL. Caller holds mig.lock.
 */
void mvgpu_mig_file_end(struct mvgpu_mig_file **slot)
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

/**
 * mvgpu_mig_tracking() - start or stop recording writes to a vGPU's VRAM
 * @vgpu: the vGPU; caller holds mig.lock
 * @on: start (the marks start empty and BAR2 mappings are write-protected)
 *	or stop
 */
void mvgpu_mig_tracking(struct mvgpu_vgpu *vgpu, bool on)
{
	if (on) {
		bitmap_zero(vgpu->mig.dirty, mig_nr_pages(vgpu));
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
 * Return: the data file (a reference for the caller; the vGPU keeps one
 * in mig.saving), or an ERR_PTR.
 */
struct file *mvgpu_mig_save_start(struct mvgpu_vgpu *vgpu, bool final)
{
	struct mvgpu_mig *mig = &vgpu->mig;
	struct mvgpu_mig_file *migf;

	migf = mig_file_new(vgpu, true);
	if (IS_ERR(migf))
		return ERR_CAST(migf);
	atomic64_set(&vgpu->stats.mig_precopy_rounds, 0);
	if (final) {
		migf->state = mig_save_state(vgpu);
		if (!migf->state) {
			fput(migf->filp);
			return ERR_PTR(-ENOMEM);
		}
		migf->final = true;
		migf->final_at = ktime_get_ns();
	} else {
		mvgpu_mig_tracking(vgpu, true);
		/* the engines' old writes: the first pass sends it all anyway */
		mig_collect(migf);
	}
	mig->saving = migf;
	get_file(migf->filp);
	return migf->filp;
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
	migf->final = true;
	mutex_unlock(&migf->lock);
	mvgpu_mig_tracking(vgpu, false);
	return 0;
}

/**
 * mvgpu_mig_resume_start() - STOP -> RESUMING: open a resuming session
 * @vgpu: the vGPU, frozen; caller holds mig.lock
 *
 * Return: the data file (a reference for the caller; the vGPU keeps one
 * in mig.resuming), or an ERR_PTR.
 */
struct file *mvgpu_mig_resume_start(struct mvgpu_vgpu *vgpu)
{
	struct mvgpu_mig_file *migf = mig_file_new(vgpu, false);

	if (IS_ERR(migf))
		return ERR_CAST(migf);
	vgpu->mig.resuming = migf;
	get_file(migf->filp);
	return migf->filp;
}

/**
 * mvgpu_mig_resume_end() - RESUMING -> STOP: load what the stream brought
 * @vgpu: the vGPU, frozen; caller holds mig.lock
 *
 * Return: 0, or -EINVAL when the stream was refused or is incomplete.
 */
int mvgpu_mig_resume_end(struct mvgpu_vgpu *vgpu)
{
	struct mvgpu_mig_file *migf = vgpu->mig.resuming;
	int ret = 0;

	mutex_lock(&migf->lock);
	if (migf->error) {
		ret = migf->error;
	} else if (!migf->have_end || migf->rec_got) {
		ret = mig_refuse(migf, "the stream ends before its END record (truncated)");
	} else {
		ret = mig_check_state(migf);
		if (!ret)
			mig_load_state(vgpu, (void *)migf->buf);
	}
	mutex_unlock(&migf->lock);
	return ret;
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
					      mig_nr_pages(vgpu)) * PAGE_SIZE;
		mutex_unlock(&migf->lock);
	}
	return bytes + 4 * MIG_REC_SIZE + sizeof(struct mvgpu_mig_header) +
	       mig_state_len(vgpu);
}

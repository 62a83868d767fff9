// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu mediator: resuming a vGPU, the destination side of live
 * migration: the resuming data file parses the stream
 * (include/uapi/linux/mvgpu.h, Documentation/mvgpu/migration.rst) record
 * by record as the VMM writes it, checks every record before it acts on
 * it (kind, order, length, CRC, VRAM range), writes VRAM as the data
 * arrives, and at RESUMING -> STOP loads the device state through the
 * files that own it (mvgpu_regs_load(), mvgpu_irq_load(),
 * mvgpu_cfg_restore()). The stream and the VMM are not trusted.
 */
#include <linux/file.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mvgpu_mig.h"

static const char *const mig_rec_names[] = {
	[MVGPU_MIG_REC_HEADER] = "HEADER",
	[MVGPU_MIG_REC_VRAM] = "VRAM",
	[MVGPU_MIG_REC_ZERO] = "ZERO",
	[MVGPU_MIG_REC_STATE] = "STATE",
	[MVGPU_MIG_REC_END] = "END",
	[MVGPU_MIG_REC_DISPLAY] = "DISPLAY",
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
		if (len != mvgpu_mig_state_len(vgpu))
			return mig_refuse(migf, "STATE record of the wrong length");
		return 0;
	case MVGPU_MIG_REC_DISPLAY:
		if (migf->have_state)
			return mig_refuse(migf, "DISPLAY record after the STATE record");
		if (migf->have_display)
			return mig_refuse(migf, "a second DISPLAY record");
		if (!mvgpu_display_present(vgpu))
			return mig_refuse(migf, "DISPLAY record for a vGPU without a display");
		if (len != sizeof(struct mvgpu_mig_display))
			return mig_refuse(migf, "DISPLAY record of the wrong length");
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
		migf->crc = mvgpu_mig_crc(migf->crc, migf->buf + migf->got, n);
		return 0;
	}
	if (migf->got < sizeof(__le64)) {
		/* the record's VRAM offset */
		n = min_t(size_t, n, sizeof(__le64) - migf->got);
		if (copy_from_user(migf->buf + migf->got, ubuf, n))
			return -EFAULT;
		migf->crc = mvgpu_mig_crc(migf->crc, migf->buf + migf->got, n);
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
	migf->crc = mvgpu_mig_crc(migf->crc, migf->buf, n);
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
	case MVGPU_MIG_REC_DISPLAY:
		memcpy(&migf->display, migf->buf, sizeof(migf->display));
		migf->have_display = true;
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

	ret = mvgpu_mig_file_enter(migf, pos);
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

static const struct file_operations mig_resume_fops = {
	.owner = THIS_MODULE,
	.write = mig_resume_write,
	.release = mvgpu_mig_file_release,
};

/*
 * Is a received STATE payload one this vGPU can take? Its weight, cap and
 * priority are not looked at: the destination's are the host's.
 */
static int mig_check_state(struct mvgpu_mig_file *migf)
{
	const struct mvgpu_mig_state *st = (void *)migf->buf;

	if (!mvgpu_irq_state_valid(st))
		return mig_refuse(migf, "STATE with a bad INTx mask");
	if (!mvgpu_regs_valid(migf->vgpu, st))
		return mig_refuse(migf, "STATE with bad context registers");
	if (migf->have_display &&
	    !mvgpu_display_valid(migf->vgpu, &migf->display))
		return mig_refuse(migf, "DISPLAY with bad display registers");
	return 0;
}

/*
 * Load a checked STATE payload into the frozen vGPU: only what its guest
 * could have set itself. The scheduling settings (weight, cap, priority)
 * are the host administrator's and stay as they are; configuration space
 * takes the guest-writable bits without their side effects. Each part is
 * loaded by the file that owns it.
 */
static void mig_load_state(struct mvgpu_vgpu *vgpu,
			   const struct mvgpu_mig_state *st,
			   const struct mvgpu_mig_display *md)
{
	mutex_lock(&vgpu->lock);
	mvgpu_irq_load(vgpu, st);
	mvgpu_cfg_restore(vgpu, st->config);
	/* drops whatever the vGPU did before; shadows start empty */
	mvgpu_regs_load(vgpu, st);
	/* a stream without a DISPLAY record: the display as after a reset */
	if (md)
		mvgpu_display_load(vgpu, md);
	else
		mvgpu_display_reset(vgpu, false);
	mutex_unlock(&vgpu->lock);
	mvgpu_display_sync(vgpu);
	mvgpu_shadow_reap(vgpu);
}

/**
 * mvgpu_mig_resume_start() - STOP -> RESUMING: open a resuming session
 * @vgpu: the vGPU, frozen; caller holds mig.lock
 *
 * Return: the data file's state, its file open (the caller keeps it in
 * mig.resuming), or an ERR_PTR.
 */
struct mvgpu_mig_file *mvgpu_mig_resume_start(struct mvgpu_vgpu *vgpu)
{
	size_t buf_size = max_t(size_t, MIG_SMALL_MAX, PAGE_SIZE);
	struct mvgpu_mig_file *migf;
	int ret;

	migf = mvgpu_mig_file_alloc(vgpu, buf_size);
	if (IS_ERR(migf))
		return migf;
	ret = mvgpu_mig_file_open(migf, &mig_resume_fops, O_WRONLY);
	return ret ? ERR_PTR(ret) : migf;
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
			mig_load_state(vgpu, (void *)migf->buf,
				       migf->have_display ? &migf->display :
							    NULL);
	}
	mutex_unlock(&migf->lock);
	return ret;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvgpu mediator: what the migration files share. migration.c has the
 * state machine and the data files' lifecycle, mig_save.c the saving side
 * (dirty tracking, staging records, PRE_COPY passes) and mig_resume.c the
 * resuming side (the stream parser and its checks). The device state in
 * a STATE record is saved and loaded by the files that own it (ctx.c,
 * irq.c, cfg.c).
 */
#ifndef _MVGPU_MIG_H
#define _MVGPU_MIG_H

#include <linux/crc32.h>

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
 * @display: the display registers captured with @state (saving), or
 *	received (resuming)
 * @send_display: @display is to be staged, before @state
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
 * @have_display: a DISPLAY record was received (kept in @display)
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
	struct mvgpu_mig_display display;
	bool send_display;
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
	bool have_display;
	bool have_end;
};

/**
 * mvgpu_mig_nr_pages() - pages of a vGPU's VRAM, bits of a page bitmap
 * @vgpu: the vGPU
 *
 * Return: VRAM bytes / PAGE_SIZE.
 */
static inline unsigned long mvgpu_mig_nr_pages(struct mvgpu_vgpu *vgpu)
{
	return vgpu->vram_size >> PAGE_SHIFT;
}

/**
 * mvgpu_mig_state_len() - bytes of a vGPU's STATE record payload
 * @vgpu: the vGPU
 *
 * Return: the state and one struct mvgpu_mig_ctx per context.
 */
static inline size_t mvgpu_mig_state_len(struct mvgpu_vgpu *vgpu)
{
	return sizeof(struct mvgpu_mig_state) +
	       vgpu->type->contexts * sizeof(struct mvgpu_mig_ctx);
}

/**
 * mvgpu_mig_crc() - the stream's CRC-32 over more bytes
 * @crc: CRC so far (~0 to start; the record holds its complement)
 * @p: bytes
 * @len: how many
 *
 * Return: the CRC with @p included.
 */
static inline u32 mvgpu_mig_crc(u32 crc, const void *p, size_t len)
{
	return crc32_le(crc, p, len);
}

/* migration.c: the data files */
struct mvgpu_mig_file *mvgpu_mig_file_alloc(struct mvgpu_vgpu *vgpu,
					    size_t buf_size);
int mvgpu_mig_file_open(struct mvgpu_mig_file *migf,
			const struct file_operations *fops, int flags);
void mvgpu_mig_file_free(struct mvgpu_mig_file *migf);
int mvgpu_mig_file_release(struct inode *inode, struct file *filp);
int mvgpu_mig_file_enter(struct mvgpu_mig_file *migf, loff_t *pos);

/* mig_save.c */
void mvgpu_mig_tracking(struct mvgpu_vgpu *vgpu, bool on);
struct mvgpu_mig_file *mvgpu_mig_save_start(struct mvgpu_vgpu *vgpu,
					    bool final);
int mvgpu_mig_save_final(struct mvgpu_vgpu *vgpu);
u64 mvgpu_mig_stop_copy_bytes(struct mvgpu_vgpu *vgpu);

/* mig_resume.c */
struct mvgpu_mig_file *mvgpu_mig_resume_start(struct mvgpu_vgpu *vgpu);
int mvgpu_mig_resume_end(struct mvgpu_vgpu *vgpu);

#endif /* _MVGPU_MIG_H */

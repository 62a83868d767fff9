// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu_sim: the model GPU's command engine.
 *
 * Executes a context's ring (format in include/uapi/linux/mvgpu.h) through
 * the context's page table only. Long commands advance in bounded chunks
 * and keep their progress in the context, so the engine can be taken away
 * between any two chunks and the command resumed later.
 */
#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <uapi/linux/mvgpu.h>

#include "sim.h"

/*
 * Work done between two looks at the clock (and at the mediator's stop
 * request): what bounds how long a higher-priority context waits.
 */
#define SIM_CHUNK_BYTES		SZ_64K
#define SIM_CHUNK_MACS		(32 * 1024)
#define SIM_MAX_CMD_DW		16

enum sim_cmd_result {
	SIM_CMD_DONE,		/* command complete, head advances */
	SIM_CMD_MORE,		/* chunk done, command continues */
	SIM_CMD_WAIT,		/* WAIT not satisfied */
	SIM_CMD_FAULT,		/* context faulted */
};

/*
 * The engine's TLB: a few translations kept for one run call, during which
 * the table cannot change (the mediator holds the vGPU's shadow lock
 * across engine_run). Direct mapped by page number.
 */
#define SIM_TLB_ENTRIES		8

/**
 * struct sim_tlb_entry - one cached translation
 * @vpn: GPU VA page number plus one (0: empty)
 * @page: the page it maps to
 * @write: it was translated for a write, so writes may use it too
 */
struct sim_tlb_entry {
	u64 vpn;
	struct page *page;
	bool write;
};

struct sim_run {
	struct mvgpu_engine_ctx *ctx;
	u64 deadline;
	struct sim_tlb_entry tlb[SIM_TLB_ENTRIES];
};

static enum sim_cmd_result sim_fault(struct sim_run *run, u32 reason, u64 va)
{
	run->ctx->fault_reason = reason;
	run->ctx->fault_addr = va;
	return SIM_CMD_FAULT;
}

/* Translate @va for an access of up to @len bytes that stays in one page. */
static u32 sim_map(struct sim_run *run, u64 va, bool write, struct page **page)
{
	u64 vpn = (va >> PAGE_SHIFT) + 1;
	struct sim_tlb_entry *e = &run->tlb[vpn % SIM_TLB_ENTRIES];
	u32 reason;

	if (e->vpn == vpn && (e->write || !write)) {
		*page = e->page;
		return 0;
	}
	reason = sim_pt_translate(run->ctx->pt, va, write, page);
	if (!reason) {
		e->vpn = vpn;
		e->page = *page;
		e->write = write;
	}
	return reason;
}

/*
 * Check that [@va, @va + @len) translates for @write without accessing
 * it, so that a command can fault before it changes anything.
 */
static enum sim_cmd_result sim_probe(struct sim_run *run, u64 va, u64 len,
				     bool write)
{
	u64 end = va + len;
	struct page *page;
	u32 reason;

	for (; va < end; va = (va | (PAGE_SIZE - 1)) + 1) {
		reason = sim_map(run, va, write, &page);
		if (reason)
			return sim_fault(run, reason, va);
	}
	return SIM_CMD_DONE;
}

/* Copy between a kernel buffer and GPU VA space. */
static enum sim_cmd_result sim_rw(struct sim_run *run, u64 va, void *buf,
				  size_t len, bool write)
{
	while (len) {
		unsigned int off = offset_in_page(va);
		size_t n = min_t(size_t, len, PAGE_SIZE - off);
		struct page *page;
		u32 reason;

		reason = sim_map(run, va, write, &page);
		if (reason)
			return sim_fault(run, reason, va);
		if (write)
			memcpy_to_page(page, off, buf, n);
		else
			memcpy_from_page(buf, page, off, n);
		va += n;
		buf += n;
		len -= n;
	}
	return SIM_CMD_DONE;
}

static u64 sim_qword(const u32 *dw)
{
	return dw[0] | ((u64)dw[1] << 32);
}

static enum sim_cmd_result sim_copy(struct sim_run *run, const u32 *cmd)
{
	struct mvgpu_engine_ctx *ctx = run->ctx;
	u64 src = sim_qword(&cmd[1]), dst = sim_qword(&cmd[3]);
	u64 size = sim_qword(&cmd[5]);
	u64 end = min(size, ctx->progress + SIM_CHUNK_BYTES);

	while (ctx->progress < end) {
		u64 s = src + ctx->progress, d = dst + ctx->progress;
		size_t n = min3(end - ctx->progress,
				PAGE_SIZE - offset_in_page(s),
				PAGE_SIZE - offset_in_page(d));
		struct page *sp, *dp;
		void *sv, *dv;
		u32 reason;

		reason = sim_map(run, s, false, &sp);
		if (reason)
			return sim_fault(run, reason, s);
		reason = sim_map(run, d, true, &dp);
		if (reason)
			return sim_fault(run, reason, d);
		sv = kmap_local_page(sp);
		dv = kmap_local_page(dp);
		memcpy(dv + offset_in_page(d), sv + offset_in_page(s), n);
		kunmap_local(dv);
		kunmap_local(sv);
		ctx->progress += n;
	}
	return ctx->progress >= size ? SIM_CMD_DONE : SIM_CMD_MORE;
}

static enum sim_cmd_result sim_fill(struct sim_run *run, const u32 *cmd)
{
	struct mvgpu_engine_ctx *ctx = run->ctx;
	u64 dst = sim_qword(&cmd[1]), size = sim_qword(&cmd[3]);
	u64 end = min(size, ctx->progress + SIM_CHUNK_BYTES);
	u32 pattern = cmd[5];

	if ((dst | size) & 3)
		return sim_fault(run, MVGPU_FAULT_ALIGN, dst);
	while (ctx->progress < end) {
		u64 d = dst + ctx->progress;
		size_t n = min_t(u64, end - ctx->progress,
				 PAGE_SIZE - offset_in_page(d));
		struct page *dp;
		void *dv;
		u32 reason;

		reason = sim_map(run, d, true, &dp);
		if (reason)
			return sim_fault(run, reason, d);
		dv = kmap_local_page(dp);
		memset32(dv + offset_in_page(d), pattern, n / 4);
		kunmap_local(dv);
		ctx->progress += n;
	}
	return ctx->progress >= size ? SIM_CMD_DONE : SIM_CMD_MORE;
}

/* FNV-1a 64 over @len bytes at @src; @ctx->partial carries the state. */
static enum sim_cmd_result sim_hash(struct sim_run *run, const u32 *cmd)
{
	struct mvgpu_engine_ctx *ctx = run->ctx;
	u64 src = sim_qword(&cmd[2]), size = sim_qword(&cmd[4]);
	u64 dst = sim_qword(&cmd[6]);
	u64 end = min(size, ctx->progress + SIM_CHUNK_BYTES);

	if (dst & 7)
		return sim_fault(run, MVGPU_FAULT_ALIGN, dst);
	if (!ctx->progress)
		ctx->partial = MVGPU_FNV64_OFFSET;
	while (ctx->progress < end) {
		u64 s = src + ctx->progress;
		size_t i, n = min_t(u64, end - ctx->progress,
				    PAGE_SIZE - offset_in_page(s));
		u64 h = ctx->partial;
		struct page *sp;
		const u8 *sv;
		u32 reason;

		reason = sim_map(run, s, false, &sp);
		if (reason)
			return sim_fault(run, reason, s);
		sv = kmap_local_page(sp);
		for (i = 0; i < n; i++)
			h = (h ^ sv[offset_in_page(s) + i]) * MVGPU_FNV64_PRIME;
		kunmap_local(sv);
		ctx->partial = h;
		ctx->progress += n;
	}
	if (ctx->progress < size)
		return SIM_CMD_MORE;
	return sim_rw(run, dst, &ctx->partial, sizeof(ctx->partial), true);
}

/*
 * Integer GEMM. Progress counts (row, kk) steps: row i of C accumulates
 * A[i][kk] * B[kk][*] for kk = 0..k-1, and C itself holds the partial
 * sums between chunks. A chunk faults before it writes C (the row is
 * probed first), so the command can resume after the fault is resolved.
 */
static enum sim_cmd_result sim_gemm(struct sim_run *run, const u32 *cmd,
				    u64 cmd_va)
{
	struct mvgpu_engine_ctx *ctx = run->ctx;
	u64 a = sim_qword(&cmd[2]), b = sim_qword(&cmd[4]);
	u64 c = sim_qword(&cmd[6]);
	u32 m = cmd[8], n = cmd[9], k = cmd[10];
	u64 total = (u64)m * k;
	enum sim_cmd_result res;
	u32 row, kk, steps, j, last;
	s32 *crow, *brow;

	if (!m || !n || !k || m > MVGPU_GEMM_MAX_DIM ||
	    n > MVGPU_GEMM_MAX_DIM || k > MVGPU_GEMM_MAX_DIM)
		return sim_fault(run, MVGPU_FAULT_BAD_COMMAND, cmd_va);
	if ((a | b | c) & 3)
		return sim_fault(run, MVGPU_FAULT_ALIGN, (a | b) & 3 ? a : c);
	/* progress from a migration stream is not to be trusted */
	if (ctx->progress >= total)
		return SIM_CMD_DONE;
	row = ctx->progress / k;
	kk = ctx->progress % k;
	steps = max_t(u32, 1, SIM_CHUNK_MACS / n);

	crow = kvmalloc_array(2 * n, sizeof(s32), GFP_KERNEL);
	if (!crow)
		return SIM_CMD_MORE;	/* retry on the next run */
	brow = crow + n;

	last = min(k, kk + steps);
	res = sim_probe(run, c + (u64)row * n * 4, n * 4, true);
	if (res == SIM_CMD_DONE && kk)
		res = sim_rw(run, c + (u64)row * n * 4, crow, n * 4, false);
	else
		memset(crow, 0, n * 4);
	for (; res == SIM_CMD_DONE && kk < last; kk++) {
		s32 av;

		res = sim_rw(run, a + ((u64)row * k + kk) * 4, &av, 4, false);
		if (res == SIM_CMD_DONE)
			res = sim_rw(run, b + (u64)kk * n * 4, brow, n * 4,
				     false);
		if (res != SIM_CMD_DONE)
			break;
		for (j = 0; j < n; j++)
			crow[j] = (s32)((u32)crow[j] + (u32)av * (u32)brow[j]);
	}
	if (res == SIM_CMD_DONE)
		res = sim_rw(run, c + (u64)row * n * 4, crow, n * 4, true);
	kvfree(crow);
	if (res != SIM_CMD_DONE)
		return res;

	ctx->progress = (u64)row * k + kk;
	return ctx->progress == total ? SIM_CMD_DONE : SIM_CMD_MORE;
}

static enum sim_cmd_result sim_compute(struct sim_run *run, const u32 *cmd,
				       u32 ndw, u64 cmd_va)
{
	switch (cmd[1]) {
	case MVGPU_KERNEL_GEMM_I32:
		if (ndw != MVGPU_CMD_NDW_GEMM)
			break;
		return sim_gemm(run, cmd, cmd_va);
	case MVGPU_KERNEL_HASH64:
		if (ndw != MVGPU_CMD_NDW_HASH)
			break;
		return sim_hash(run, cmd);
	}
	return sim_fault(run, MVGPU_FAULT_BAD_COMMAND, cmd_va);
}

static enum sim_cmd_result sim_exec(struct sim_run *run, const u32 *cmd,
				    u32 ndw, u64 cmd_va)
{
	struct mvgpu_engine_ctx *ctx = run->ctx;
	u32 op = MVGPU_CMD_OP(cmd[0]);
	enum sim_cmd_result res;
	u64 va, val;

	switch (op) {
	case MVGPU_CMD_NOP:
		return SIM_CMD_DONE;
	case MVGPU_CMD_FENCE:
		if (ndw != MVGPU_CMD_NDW_FENCE)
			break;
		va = sim_qword(&cmd[1]);
		val = sim_qword(&cmd[3]);
		if (va & 7)
			return sim_fault(run, MVGPU_FAULT_ALIGN, va);
		res = sim_rw(run, va, &val, sizeof(val), true);
		if (res != SIM_CMD_DONE)
			return res;
		ctx->fence = val;
		ctx->fence_signalled = true;
		if (MVGPU_CMD_FLAGS(cmd[0]) & MVGPU_CMD_FLAG_IRQ)
			ctx->fence_irq = true;
		return SIM_CMD_DONE;
	case MVGPU_CMD_COPY:
		if (ndw != MVGPU_CMD_NDW_COPY)
			break;
		return sim_copy(run, cmd);
	case MVGPU_CMD_FILL:
		if (ndw != MVGPU_CMD_NDW_FILL)
			break;
		return sim_fill(run, cmd);
	case MVGPU_CMD_COMPUTE:
		if (ndw < 2)
			break;
		return sim_compute(run, cmd, ndw, cmd_va);
	case MVGPU_CMD_WAIT:
		if (ndw != MVGPU_CMD_NDW_WAIT)
			break;
		va = sim_qword(&cmd[1]);
		if (va & 7)
			return sim_fault(run, MVGPU_FAULT_ALIGN, va);
		res = sim_rw(run, va, &val, sizeof(val), false);
		if (res != SIM_CMD_DONE)
			return res;
		return val >= sim_qword(&cmd[3]) ? SIM_CMD_DONE : SIM_CMD_WAIT;
	case MVGPU_CMD_TIMESTAMP:
		if (ndw != MVGPU_CMD_NDW_TIMESTAMP)
			break;
		va = sim_qword(&cmd[1]);
		if (va & 7)
			return sim_fault(run, MVGPU_FAULT_ALIGN, va);
		val = ktime_get_ns() - ctx->ts_base;
		return sim_rw(run, va, &val, sizeof(val), true);
	}
	return sim_fault(run, MVGPU_FAULT_BAD_COMMAND, cmd_va);
}

/**
 * sim_engine_run() - run a context on the model's engine
 * @priv: the simulated GPU
 * @engine: engine index (the model has one)
 * @ctx: the context; saved back on return
 * @budget_ns: engine time the context may use before it is switched out
 *
 * Return: why the engine stopped.
 */
enum mvgpu_run_result sim_engine_run(void *priv, unsigned int engine,
				     struct mvgpu_engine_ctx *ctx,
				     u64 budget_ns)
{
	struct sim_run run = {
		.ctx = ctx,
		.deadline = ktime_get_ns() + budget_ns,
	};
	u32 cmd[SIM_MAX_CMD_DW];

	while (ctx->head != ctx->tail) {
		u64 cmd_va = ctx->ring_base + ctx->head;
		u32 avail = (ctx->tail - ctx->head) & (ctx->ring_size - 1);
		enum sim_cmd_result res;
		u32 ndw;

		res = sim_rw(&run, cmd_va, cmd, sizeof(u32), false);
		if (res != SIM_CMD_DONE)
			return MVGPU_RUN_FAULT;
		ndw = MVGPU_CMD_NDW(cmd[0]);
		if (!ndw || ndw * 4 > ctx->ring_size - ctx->head) {
			sim_fault(&run, MVGPU_FAULT_BAD_COMMAND, cmd_va);
			return MVGPU_RUN_FAULT;
		}
		if (ndw * 4 > avail)
			return MVGPU_RUN_IDLE;	/* rest not submitted yet */
		if (MVGPU_CMD_OP(cmd[0]) != MVGPU_CMD_NOP) {
			if (ndw > SIM_MAX_CMD_DW) {
				sim_fault(&run, MVGPU_FAULT_BAD_COMMAND, cmd_va);
				return MVGPU_RUN_FAULT;
			}
			res = sim_rw(&run, cmd_va + 4, &cmd[1], (ndw - 1) * 4,
				     false);
			if (res == SIM_CMD_DONE)
				res = sim_exec(&run, cmd, ndw, cmd_va);
		}

		switch (res) {
		case SIM_CMD_DONE:
			ctx->head = (ctx->head + ndw * 4) & (ctx->ring_size - 1);
			ctx->progress = 0;
			ctx->partial = 0;
			ctx->commands++;
			break;
		case SIM_CMD_MORE:
			break;
		case SIM_CMD_WAIT:
			return MVGPU_RUN_WAITING;
		case SIM_CMD_FAULT:
			return MVGPU_RUN_FAULT;
		}
		if (ktime_get_ns() >= run.deadline ||
		    (ctx->stop && atomic_read(ctx->stop)))
			return ctx->head == ctx->tail ? MVGPU_RUN_IDLE :
							MVGPU_RUN_PREEMPTED;
		cond_resched();
	}
	return MVGPU_RUN_IDLE;
}

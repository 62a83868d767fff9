// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu_sim: run work on the model's engine with no mediator in between,
 * the baseline that mediation overhead is measured against.
 *
 * /sys/kernel/debug/mvgpu_sim/<gpu>/engine_bench: write
 * "copy BYTES ITERS", "hash BYTES ITERS" or "gemm DIM ITERS"; the work runs
 * through a page table built here, exactly the commands a guest would
 * submit; reading gives "op=... iters=... units=... ns=...".
 * The buffers (copy: source and destination; hash: source and result;
 * gemm: A, B and C, each BYTES or DIM * DIM * 4 long) are fresh host pages,
 * or, when the line goes on with their addresses ("copy BYTES ITERS SRC
 * DST", hexadecimal, page aligned), the writer's own memory,
 * pinned for the run, or this GPU's VRAM where the writer maps it through
 * a vGPU's BAR2 (a PFN mapping, which cannot be pinned; the pages are the
 * model's): then the baseline works on the very pages a mediated run
 * used, and only the mediator differs.
 * The engine runs on a kernel thread of its own, as the mediator's engine
 * thread does, while the writer sleeps.
 * It uses the engine code directly, so run it while no vGPU is busy.
 */
#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/mvgpu.h>

#include "sim.h"

#define BENCH_MAX_BYTES		SZ_64M
#define BENCH_RING_VA		0x100000ull
#define BENCH_BUF_VA		0x10000000ull	/* buffers 256 MiB apart */
#define BENCH_BUF_STRIDE	0x10000000ull
#define BENCH_CHUNK_ORDER	(21 - PAGE_SHIFT)	/* 2 MiB */

#define BENCH_MAX_BUFS		3

/**
 * struct sim_bench - what one engine_bench run maps
 * @pt: its page table
 * @pages: pages allocated here, freed after the run
 * @nr_pages: entries used in @pages
 * @user_pages: the writer's pages, pinned for the run
 * @nr_user_pages: entries used in @user_pages
 */
struct sim_bench {
	struct mvgpu_pt *pt;
	struct page **pages;
	unsigned long nr_pages;
	struct page **user_pages;
	unsigned long nr_user_pages;
};

static void sim_bench_free(struct sim_gpu *sim, struct sim_bench *b)
{
	unsigned long i;

	for (i = 0; i < b->nr_pages; i++)
		if (b->pages[i])
			__free_page(b->pages[i]);
	kvfree(b->pages);
	if (b->nr_user_pages)
		unpin_user_pages_dirty_lock(b->user_pages, b->nr_user_pages,
					    true);
	kvfree(b->user_pages);
	sim_pt_destroy(sim, b->pt);
}

/*
 * The offset in this GPU's VRAM of the page that the writer's PFN mapping
 * (a vGPU's BAR2 mapping) shows, writable, at @uaddr; -EFAULT for any
 * other address.
 */
static int sim_bench_vram_offset(struct sim_gpu *sim, unsigned long uaddr,
				 u64 *offset)
{
	struct mm_struct *mm = current->mm;
#ifdef MVGPU_HAVE_FOLLOW_PFNMAP
	struct follow_pfnmap_args args = { .address = uaddr };
#else
	spinlock_t *ptl;	/* the page table's, held from follow_pte() */
	pte_t *ptep;
#endif
	unsigned long pfn = 0, idx;
	bool writable = false, unlocked;
	struct vm_area_struct *vma;
	struct page *page;
	int tries;

	mmap_read_lock(mm);
	for (tries = 0; tries < 3 && !writable; tries++) {
		vma = vma_lookup(mm, uaddr);
		if (!vma || !(vma->vm_flags & VM_PFNMAP))
			break;
#ifdef MVGPU_HAVE_FOLLOW_PFNMAP
		args.vma = vma;
		if (!follow_pfnmap_start(&args)) {
			writable = args.writable;
			pfn = args.pfn;
			follow_pfnmap_end(&args);
			if (writable)
				break;
		}
#else
		/* before 6.10: follow_pte() takes the mm (then the vma) */
		if (!follow_pte(mm, uaddr, &ptep, &ptl)) {
			pte_t pte = ptep_get(ptep);

			writable = pte_write(pte);
			pfn = pte_pfn(pte);
			pte_unmap_unlock(ptep, ptl);
			if (writable)
				break;
		}
#endif
		/* not mapped yet, or read-only: fault it in for writing */
		unlocked = false;
		if (fixup_user_fault(mm, uaddr, FAULT_FLAG_WRITE, &unlocked))
			break;
	}
	mmap_read_unlock(mm);
	if (!writable || !pfn_valid(pfn))
		return -EFAULT;
	page = pfn_to_page(pfn);
	idx = page_private(page);
	if (idx >= sim->nr_pages || sim->vram[idx] != page)
		return -EFAULT;
	*offset = (u64)idx << PAGE_SHIFT;
	return 0;
}

/*
 * Map @bytes of the writer's memory at @uaddr to @va: pinned, or this
 * GPU's VRAM through a BAR2 mapping.
 */
static int sim_bench_map_user(struct sim_gpu *sim, struct sim_bench *b,
			      u64 va, u64 uaddr, u64 bytes)
{
	struct mvgpu_spte spte = {
		.flags = MVGPU_SPTE_PRESENT | MVGPU_SPTE_WRITABLE,
	};
	struct mvgpu_spte vram = {
		.flags = MVGPU_SPTE_PRESENT | MVGPU_SPTE_WRITABLE |
			 MVGPU_SPTE_VRAM,
	};
	unsigned long nr = bytes >> PAGE_SHIFT, done, n, i;
	struct page **pages;
	int ret;

	if (!PAGE_ALIGNED(uaddr))
		return -EINVAL;
	for (done = 0; done < nr; done += n) {
		u64 at = uaddr + (done << PAGE_SHIFT);

		pages = b->user_pages + b->nr_user_pages;
		ret = pin_user_pages_fast(at, nr - done, FOLL_WRITE, pages);
		if (ret == -EFAULT) {
			ret = sim_bench_vram_offset(sim, at, &vram.vram_offset);
			if (!ret)
				ret = sim_pt_set(sim, b->pt,
						 va + (done << PAGE_SHIFT),
						 &vram);
			if (ret)
				return ret;
			n = 1;
			continue;
		}
		if (ret <= 0)
			return ret ?: -EFAULT;
		n = ret;
		b->nr_user_pages += n;
		for (i = 0; i < n; i++) {
			spte.page = pages[i];
			ret = sim_pt_set(sim, b->pt,
					 va + ((done + i) << PAGE_SHIFT), &spte);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/*
 * Map @bytes of fresh pages at @va, in physically contiguous chunks of up
 * to 2 MiB where the allocator has them: like the model's VRAM (allocated
 * at load) and a guest's THP-backed memory, so that the baseline does not
 * pay for scattered pages what the mediated runs do not. Each chunk is
 * split into order-0 pages, freed one by one.
 */
static int sim_bench_map(struct sim_gpu *sim, struct sim_bench *b, u64 va,
			 u64 bytes)
{
	struct mvgpu_spte spte = {
		.flags = MVGPU_SPTE_PRESENT | MVGPU_SPTE_WRITABLE,
	};
	unsigned int order = BENCH_CHUNK_ORDER;
	u64 off = 0;
	int ret;

	while (off < bytes) {
		struct page *chunk;
		unsigned long i, n;

		while (order && (PAGE_SIZE << order) > bytes - off)
			order--;
		chunk = alloc_pages(GFP_KERNEL | __GFP_NOWARN |
				    (order ? __GFP_NORETRY : 0), order);
		if (!chunk && order) {
			order--;
			continue;
		}
		if (!chunk)
			return -ENOMEM;
		split_page(chunk, order);
		n = 1UL << order;
		for (i = 0; i < n; i++)
			b->pages[b->nr_pages++] = chunk + i;
		for (i = 0; i < n; i++, off += PAGE_SIZE) {
			spte.page = chunk + i;
			memset(page_address(spte.page), 0x5a, PAGE_SIZE);
			ret = sim_pt_set(sim, b->pt, va + off, &spte);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/**
 * struct sim_bench_job - one timed run, handed to the bench thread
 * @sim: the simulated GPU
 * @ctx: the context to run to its end
 * @res: how the engine stopped the last time
 * @ns: time the whole run took
 * @abort: set by the writer when it is killed: stop at the next slice
 * @done: completed by the thread when it has finished with @ctx
 */
struct sim_bench_job {
	struct sim_gpu *sim;
	struct mvgpu_engine_ctx ctx;
	enum mvgpu_run_result res;
	u64 ns;
	bool abort;
	struct completion done;
};

/* Engine time between two looks at @abort. */
#define BENCH_SLICE_NS		(10 * NSEC_PER_MSEC)

/*
 * The engine runs on a kernel thread, as under the mediator (its engine
 * thread), while the writer sleeps: the same kind of context on both
 * sides of the comparison.
 */
static int sim_bench_thread(void *data)
{
	struct sim_bench_job *job = data;
	u64 t0 = ktime_get_ns();

	do {
		job->res = sim_engine_run(job->sim, 0, &job->ctx,
					  BENCH_SLICE_NS);
	} while (job->res == MVGPU_RUN_PREEMPTED && !READ_ONCE(job->abort));
	job->ns = ktime_get_ns() - t0;
	complete(&job->done);
	return 0;
}

/*
 * Run @iters commands @op of @size; @ubuf[0..@nr_ubuf) are the writer's
 * buffers, in the order the header comment gives, or none.
 */
static int sim_bench_run(struct sim_gpu *sim, const char *op, u64 size,
			 u32 iters, const u64 *ubuf, unsigned int nr_ubuf,
			 u64 *units, u64 *ns)
{
	unsigned int nr_bufs;
	struct sim_bench_job job = {};
	struct task_struct *thread;
	struct sim_bench b = {};
	u64 bytes, total_pages, va[BENCH_MAX_BUFS];
	u32 cmd[MVGPU_CMD_NDW_GEMM], ndw, i;
	u32 *ring;
	int ret;

	/* Buffer i lives at va[i], whoever provides its pages. */
	for (i = 0; i < BENCH_MAX_BUFS; i++)
		va[i] = BENCH_BUF_VA + i * BENCH_BUF_STRIDE;
	if (!strcmp(op, "gemm")) {
		if (!size || size > MVGPU_GEMM_MAX_DIM)
			return -EINVAL;
		bytes = PAGE_ALIGN(size * size * 4);
		cmd[0] = MVGPU_CMD_HDR(MVGPU_CMD_COMPUTE, 0, MVGPU_CMD_NDW_GEMM);
		cmd[1] = MVGPU_KERNEL_GEMM_I32;
		cmd[2] = lower_32_bits(va[0]);
		cmd[3] = upper_32_bits(va[0]);
		cmd[4] = lower_32_bits(va[1]);
		cmd[5] = upper_32_bits(va[1]);
		cmd[6] = lower_32_bits(va[2]);
		cmd[7] = upper_32_bits(va[2]);
		cmd[8] = size;
		cmd[9] = size;
		cmd[10] = size;
		ndw = MVGPU_CMD_NDW_GEMM;
		nr_bufs = 3;
		*units = size * size * size * iters;
	} else if (!strcmp(op, "copy") || !strcmp(op, "hash")) {
		if (!size || size > BENCH_MAX_BYTES || size % 4)
			return -EINVAL;
		bytes = PAGE_ALIGN(size);
		if (op[0] == 'c') {
			cmd[0] = MVGPU_CMD_HDR(MVGPU_CMD_COPY, 0,
					       MVGPU_CMD_NDW_COPY);
			cmd[1] = lower_32_bits(va[0]);
			cmd[2] = upper_32_bits(va[0]);
			cmd[3] = lower_32_bits(va[1]);
			cmd[4] = upper_32_bits(va[1]);
			cmd[5] = lower_32_bits(size);
			cmd[6] = upper_32_bits(size);
			ndw = MVGPU_CMD_NDW_COPY;
		} else {
			cmd[0] = MVGPU_CMD_HDR(MVGPU_CMD_COMPUTE, 0,
					       MVGPU_CMD_NDW_HASH);
			cmd[1] = MVGPU_KERNEL_HASH64;
			cmd[2] = lower_32_bits(va[0]);
			cmd[3] = upper_32_bits(va[0]);
			cmd[4] = lower_32_bits(size);
			cmd[5] = upper_32_bits(size);
			cmd[6] = lower_32_bits(va[1]);
			cmd[7] = upper_32_bits(va[1]);
			ndw = MVGPU_CMD_NDW_HASH;
		}
		nr_bufs = 2;
		*units = size * iters;
	} else {
		return -EINVAL;
	}
	if (!iters || (u64)iters * ndw * 4 > SZ_64K - 16)
		return -EINVAL;
	if (nr_ubuf && nr_ubuf != nr_bufs)
		return -EINVAL;

	total_pages = 3 * (bytes >> PAGE_SHIFT) + (SZ_64K >> PAGE_SHIFT);
	b.pt = sim_pt_create(sim);
	b.pages = kvcalloc(total_pages, sizeof(*b.pages), GFP_KERNEL);
	if (nr_ubuf)
		b.user_pages = kvcalloc(nr_bufs * (bytes >> PAGE_SHIFT),
					sizeof(*b.user_pages), GFP_KERNEL);
	if (!b.pt || !b.pages || (nr_ubuf && !b.user_pages)) {
		ret = -ENOMEM;
		goto out;
	}
	ret = sim_bench_map(sim, &b, BENCH_RING_VA, SZ_64K);
	for (i = 0; i < nr_bufs && !ret; i++) {
		if (nr_ubuf)
			ret = sim_bench_map_user(sim, &b, va[i], ubuf[i], bytes);
		else
			ret = sim_bench_map(sim, &b, va[i], bytes);
	}
	if (ret)
		goto out;

	/* The ring is the first 16 pages mapped, contiguous in VA only. */
	for (i = 0; i < iters; i++) {
		u32 off = i * ndw * 4, k;

		for (k = 0; k < ndw; k++) {
			ring = page_address(b.pages[(off + k * 4) >> PAGE_SHIFT]);
			ring[((off + k * 4) & ~PAGE_MASK) / 4] = cmd[k];
		}
	}
	job.sim = sim;
	job.ctx.pt = b.pt;
	job.ctx.ring_base = BENCH_RING_VA;
	job.ctx.ring_size = SZ_64K;
	job.ctx.tail = iters * ndw * 4;
	init_completion(&job.done);
	thread = kthread_run(sim_bench_thread, &job, "mvgpu_sim-bench");
	if (IS_ERR(thread)) {
		ret = PTR_ERR(thread);
		goto out;
	}
	/* the thread works on @job and the pages until it completes */
	if (wait_for_completion_killable(&job.done)) {
		WRITE_ONCE(job.abort, true);
		wait_for_completion(&job.done);
		ret = -EINTR;
		goto out;
	}
	*ns = job.ns;
	ret = job.res == MVGPU_RUN_IDLE && job.ctx.head == job.ctx.tail ?
	      0 : -EIO;
out:
	sim_bench_free(sim, &b);
	return ret;
}

static ssize_t sim_bench_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct sim_gpu *sim = file->private_data;
	u64 size, units = 0, ns = 0, uaddr[BENCH_MAX_BUFS];
	char buf[128], op[8];
	int ret, nr;
	u32 iters;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = 0;
	nr = sscanf(buf, "%7s %llu %u %llx %llx %llx", op, &size, &iters,
		    &uaddr[0], &uaddr[1], &uaddr[2]);
	if (nr < 3)
		return -EINVAL;
	ret = sim_bench_run(sim, op, size, iters, uaddr, nr - 3, &units, &ns);
	mutex_lock(&sim->bench_lock);
	if (ret)
		snprintf(sim->bench_result, sizeof(sim->bench_result),
			 "op=%s error=%d\n", op, ret);
	else
		snprintf(sim->bench_result, sizeof(sim->bench_result),
			 "op=%s iters=%u units=%llu ns=%llu\n", op, iters,
			 units, ns);
	mutex_unlock(&sim->bench_lock);
	return ret ? ret : count;
}

static ssize_t sim_bench_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct sim_gpu *sim = file->private_data;
	char buf[sizeof(sim->bench_result)];

	mutex_lock(&sim->bench_lock);
	strscpy(buf, sim->bench_result, sizeof(buf));
	mutex_unlock(&sim->bench_lock);
	return simple_read_from_buffer(ubuf, count, ppos, buf, strlen(buf));
}

static const struct file_operations sim_bench_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = sim_bench_read,
	.write = sim_bench_write,
	.llseek = default_llseek,
};

/**
 * sim_bench_init() - create the GPU's debugfs directory
 * @sim: the simulated GPU
 * @root: the module's debugfs directory
 */
void sim_bench_init(struct sim_gpu *sim, struct dentry *root)
{
	char name[24];

	mutex_init(&sim->bench_lock);
	strscpy(sim->bench_result, "none\n", sizeof(sim->bench_result));
	snprintf(name, sizeof(name), "mvgpu-sim.%u", sim->index);
	sim->debugfs = debugfs_create_dir(name, root);
	debugfs_create_file("engine_bench", 0600, sim->debugfs, sim,
			    &sim_bench_fops);
}

/**
 * sim_bench_fini() - remove the GPU's debugfs directory
 * @sim: the simulated GPU
 */
void sim_bench_fini(struct sim_gpu *sim)
{
	debugfs_remove_recursive(sim->debugfs);
	mutex_destroy(&sim->bench_lock);
}

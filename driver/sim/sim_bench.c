// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu_sim: run work on the model's engine with no mediator in between,
 * the baseline that mediation overhead is measured against.
 *
 * /sys/kernel/debug/mvgpu_sim/<gpu>/engine_bench: write
 * "copy BYTES ITERS", "hash BYTES ITERS" or "gemm DIM ITERS"; the work runs
 * on host pages through a page table built here, exactly the commands a
 * guest would submit; reading gives "op=... iters=... units=... ns=...".
 * It uses the engine code directly, so run it while no vGPU is busy.
 */
#include <linux/debugfs.h>
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

struct sim_bench {
	struct mvgpu_pt *pt;
	struct page **pages;
	unsigned long nr_pages;
};

static void sim_bench_free(struct sim_gpu *sim, struct sim_bench *b)
{
	unsigned long i;

	for (i = 0; i < b->nr_pages; i++)
		if (b->pages[i])
			__free_page(b->pages[i]);
	kvfree(b->pages);
	sim_pt_destroy(sim, b->pt);
}

/* Map @bytes of fresh pages at @va. */
static int sim_bench_map(struct sim_gpu *sim, struct sim_bench *b, u64 va,
			 u64 bytes)
{
	struct mvgpu_spte spte = {
		.flags = MVGPU_SPTE_PRESENT | MVGPU_SPTE_WRITABLE,
	};
	u64 off;
	int ret;

	for (off = 0; off < bytes; off += PAGE_SIZE) {
		spte.page = alloc_page(GFP_KERNEL);
		if (!spte.page)
			return -ENOMEM;
		b->pages[b->nr_pages++] = spte.page;
		memset(page_address(spte.page), 0x5a, PAGE_SIZE);
		ret = sim_pt_set(sim, b->pt, va + off, &spte);
		if (ret)
			return ret;
	}
	return 0;
}

static int sim_bench_run(struct sim_gpu *sim, const char *op, u64 size,
			 u32 iters, u64 *units, u64 *ns)
{
	struct mvgpu_engine_ctx ctx = {};
	struct sim_bench b = {};
	u64 bytes, total_pages, a = BENCH_BUF_VA;
	u64 bv = a + BENCH_BUF_STRIDE, cv = bv + BENCH_BUF_STRIDE;
	u32 cmd[MVGPU_CMD_NDW_GEMM], ndw, i;
	enum mvgpu_run_result res;
	u32 *ring;
	u64 t0;
	int ret;

	if (!strcmp(op, "gemm")) {
		if (!size || size > MVGPU_GEMM_MAX_DIM)
			return -EINVAL;
		bytes = PAGE_ALIGN(size * size * 4);
		cmd[0] = MVGPU_CMD_HDR(MVGPU_CMD_COMPUTE, 0, MVGPU_CMD_NDW_GEMM);
		cmd[1] = MVGPU_KERNEL_GEMM_I32;
		cmd[2] = lower_32_bits(a);
		cmd[3] = upper_32_bits(a);
		cmd[4] = lower_32_bits(bv);
		cmd[5] = upper_32_bits(bv);
		cmd[6] = lower_32_bits(cv);
		cmd[7] = upper_32_bits(cv);
		cmd[8] = size;
		cmd[9] = size;
		cmd[10] = size;
		ndw = MVGPU_CMD_NDW_GEMM;
		*units = size * size * size * iters;
	} else if (!strcmp(op, "copy") || !strcmp(op, "hash")) {
		if (!size || size > BENCH_MAX_BYTES || size % 4)
			return -EINVAL;
		bytes = PAGE_ALIGN(size);
		if (op[0] == 'c') {
			cmd[0] = MVGPU_CMD_HDR(MVGPU_CMD_COPY, 0,
					       MVGPU_CMD_NDW_COPY);
			cmd[1] = lower_32_bits(a);
			cmd[2] = upper_32_bits(a);
			cmd[3] = lower_32_bits(bv);
			cmd[4] = upper_32_bits(bv);
			cmd[5] = lower_32_bits(size);
			cmd[6] = upper_32_bits(size);
			ndw = MVGPU_CMD_NDW_COPY;
		} else {
			cmd[0] = MVGPU_CMD_HDR(MVGPU_CMD_COMPUTE, 0,
					       MVGPU_CMD_NDW_HASH);
			cmd[1] = MVGPU_KERNEL_HASH64;
			cmd[2] = lower_32_bits(a);
			cmd[3] = upper_32_bits(a);
			cmd[4] = lower_32_bits(size);
			cmd[5] = upper_32_bits(size);
			cmd[6] = lower_32_bits(bv);
			cmd[7] = upper_32_bits(bv);
			ndw = MVGPU_CMD_NDW_HASH;
		}
		*units = size * iters;
	} else {
		return -EINVAL;
	}
	if (!iters || (u64)iters * ndw * 4 > SZ_64K - 16)
		return -EINVAL;

	total_pages = 3 * (bytes >> PAGE_SHIFT) + (SZ_64K >> PAGE_SHIFT);
	b.pt = sim_pt_create(sim);
	b.pages = kvcalloc(total_pages, sizeof(*b.pages), GFP_KERNEL);
	if (!b.pt || !b.pages) {
		ret = -ENOMEM;
		goto out;
	}
	ret = sim_bench_map(sim, &b, BENCH_RING_VA, SZ_64K);
	if (!ret)
		ret = sim_bench_map(sim, &b, a, bytes);
	if (!ret)
		ret = sim_bench_map(sim, &b, bv, bytes);
	if (!ret && cmd[1] == MVGPU_KERNEL_GEMM_I32)
		ret = sim_bench_map(sim, &b, cv, bytes);
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
	ctx.pt = b.pt;
	ctx.ring_base = BENCH_RING_VA;
	ctx.ring_size = SZ_64K;
	ctx.tail = iters * ndw * 4;
	t0 = ktime_get_ns();
	do {
		res = sim_engine_run(sim, 0, &ctx, U64_MAX / 2);
	} while (res == MVGPU_RUN_PREEMPTED);
	*ns = ktime_get_ns() - t0;
	ret = res == MVGPU_RUN_IDLE && ctx.head == ctx.tail ? 0 : -EIO;
out:
	sim_bench_free(sim, &b);
	return ret;
}

static ssize_t sim_bench_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct sim_gpu *sim = file->private_data;
	char buf[64], op[8];
	u64 size, units = 0, ns = 0;
	u32 iters;
	int ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = 0;
	if (sscanf(buf, "%7s %llu %u", op, &size, &iters) != 3)
		return -EINVAL;
	ret = sim_bench_run(sim, op, size, iters, &units, &ns);
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
	mutex_init(&sim->bench_lock);
	strscpy(sim->bench_result, "none\n", sizeof(sim->bench_result));
	sim->debugfs = debugfs_create_dir(dev_name(&sim->pdev->dev), root);
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

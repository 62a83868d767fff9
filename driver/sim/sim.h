/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvgpu_sim: internal interfaces between the model's files.
 */
#ifndef _MVGPU_SIM_H
#define _MVGPU_SIM_H

#include "../compat/compat.h"
#include <linux/platform_device.h>
#include <linux/xarray.h>
#include <mvgpu/backend.h>

/**
 * struct sim_gpu - one simulated physical GPU
 * @index: its number among the model's GPUs (debugfs "mvgpu-sim.N")
 * @dev: the device standing for the GPU: a PCI function (QEMU's edu
 *	device) or @pdev
 * @pdev: the platform device of a software-only GPU, else NULL
 * @gpu: the mediator's handle once registered
 * @vram: pages backing VRAM, one per PAGE_SIZE of it; fixed after probe;
 *	each page's private field holds its index here
 * @nr_pages: entries in @vram
 * @vram_dirty: bit n set when an engine wrote VRAM page n since the
 *	mediator last asked (atomic bitops)
 * @debugfs: its debugfs directory
 * @clear_delay_ms: every VRAM clear takes at least this long (debugfs
 *	"clear_delay_ms", for tests: a GPU with far more VRAM than the
 *	model's clears that slowly; READ_ONCE())
 * @bench_lock: protects @bench_result
 * @bench_result: outcome of the last engine_bench run
 */
struct sim_gpu {
	unsigned int index;
	struct device *dev;
	struct platform_device *pdev;
	struct mvgpu_gpu *gpu;
	struct page **vram;
	unsigned long nr_pages;
	unsigned long *vram_dirty;
	struct dentry *debugfs;
	u32 clear_delay_ms;
	/* protects bench_result */
	struct mutex bench_lock;
	char bench_result[96];
};

/* sim_mmu.c: the model's GPU MMU */
struct mvgpu_pt *sim_pt_create(void *priv);
void sim_pt_destroy(void *priv, struct mvgpu_pt *pt);
int sim_pt_set(void *priv, struct mvgpu_pt *pt, u64 va,
	       const struct mvgpu_spte *spte);
void sim_pt_clear_range(void *priv, struct mvgpu_pt *pt, u64 va, u64 size);
unsigned long sim_pt_entries(void *priv, struct mvgpu_pt *pt);
void sim_pt_written(void *priv, struct mvgpu_pt *pt, u64 va, u64 size,
		    void (*fn)(void *arg, u64 va), void *arg);
u32 sim_pt_translate(struct mvgpu_pt *pt, u64 va, bool write,
		     struct page **page);

/* sim_engine.c: command execution */
enum mvgpu_run_result sim_engine_run(void *priv, unsigned int engine,
				     struct mvgpu_engine_ctx *ctx,
				     u64 budget_ns);

/* sim_bench.c: the engine without mediation, for benchmarks */
void sim_bench_init(struct sim_gpu *sim, struct dentry *root);
void sim_bench_fini(struct sim_gpu *sim);

#endif /* _MVGPU_SIM_H */

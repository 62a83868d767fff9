// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu_sim: a software model of a physical GPU, the bundled backend of
 * the mvgpu mediator.
 *
 * No GPU on hand has an open programming manual, so this module plays the
 * part: each simulated GPU owns VRAM (real host pages, sized by the
 * vram_mb parameter) and registers with the mediator through the backend
 * interface of <mvgpu/backend.h>, exactly as a driver for real hardware
 * would.
 */
#include <linux/debugfs.h>
#include <linux/highmem.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>

#include "sim.h"

#define SIM_MAX_GPUS	4

static unsigned int nr_gpus = 1;
module_param(nr_gpus, uint, 0444);
MODULE_PARM_DESC(nr_gpus, "number of simulated GPUs (1-4, default 1)");

static unsigned int vram_mb = 256;
module_param(vram_mb, uint, 0444);
MODULE_PARM_DESC(vram_mb,
		 "VRAM per simulated GPU in MiB (power of two, 64-4096, default 256)");

static struct sim_gpu *sim_gpus[SIM_MAX_GPUS];
static struct dentry *sim_debugfs;

static vm_fault_t sim_vram_fault(void *priv, u64 offset, struct vm_fault *vmf)
{
	struct sim_gpu *sim = priv;
	unsigned long idx = offset >> PAGE_SHIFT;

	if (idx >= sim->nr_pages)
		return VM_FAULT_SIGBUS;
	get_page(sim->vram[idx]);
	vmf->page = sim->vram[idx];
	return 0;
}

static int sim_vram_rw(void *priv, u64 offset, void *buf, size_t len,
		       bool write)
{
	struct sim_gpu *sim = priv;

	if (offset >= (u64)sim->nr_pages << PAGE_SHIFT ||
	    len > ((u64)sim->nr_pages << PAGE_SHIFT) - offset)
		return -EINVAL;

	while (len) {
		unsigned int in_page = offset_in_page(offset);
		size_t chunk = min_t(size_t, len, PAGE_SIZE - in_page);
		struct page *page = sim->vram[offset >> PAGE_SHIFT];

		if (write)
			memcpy_to_page(page, in_page, buf, chunk);
		else
			memcpy_from_page(buf, page, in_page, chunk);
		buf += chunk;
		offset += chunk;
		len -= chunk;
	}
	return 0;
}

static int sim_vram_clear(void *priv, u64 offset, u64 len)
{
	struct sim_gpu *sim = priv;

	if (offset >= (u64)sim->nr_pages << PAGE_SHIFT ||
	    len > ((u64)sim->nr_pages << PAGE_SHIFT) - offset)
		return -EINVAL;

	while (len) {
		unsigned int in_page = offset_in_page(offset);
		size_t chunk = min_t(u64, len, PAGE_SIZE - in_page);

		memzero_page(sim->vram[offset >> PAGE_SHIFT], in_page, chunk);
		offset += chunk;
		len -= chunk;
		cond_resched();
	}
	return 0;
}

static const struct mvgpu_backend_ops sim_ops = {
	.vram_fault = sim_vram_fault,
	.vram_rw = sim_vram_rw,
	.vram_clear = sim_vram_clear,
	.pt_create = sim_pt_create,
	.pt_destroy = sim_pt_destroy,
	.pt_set = sim_pt_set,
	.pt_clear_range = sim_pt_clear_range,
	.pt_entries = sim_pt_entries,
	.engine_run = sim_engine_run,
};

static void sim_free_vram(struct sim_gpu *sim)
{
	unsigned long i;

	for (i = 0; i < sim->nr_pages; i++)
		if (sim->vram[i])
			__free_page(sim->vram[i]);
	kvfree(sim->vram);
}

static int sim_alloc_vram(struct sim_gpu *sim, u64 size)
{
	unsigned long i;

	sim->nr_pages = size >> PAGE_SHIFT;
	sim->vram = kvcalloc(sim->nr_pages, sizeof(*sim->vram), GFP_KERNEL);
	if (!sim->vram)
		return -ENOMEM;
	for (i = 0; i < sim->nr_pages; i++) {
		sim->vram[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!sim->vram[i]) {
			sim_free_vram(sim);
			return -ENOMEM;
		}
		cond_resched();
	}
	return 0;
}

static void sim_destroy(struct sim_gpu *sim)
{
	sim_bench_fini(sim);
	if (sim->gpu)
		mvgpu_unregister_gpu(sim->gpu);
	platform_device_unregister(sim->pdev);
	sim_free_vram(sim);
	kfree(sim);
}

static int sim_create(unsigned int id, struct sim_gpu **out)
{
	struct mvgpu_gpu_info info = {
		.vram_size = (u64)vram_mb << 20,
		.nr_engines = 1,
	};
	struct sim_gpu *sim;
	int ret;

	sim = kzalloc(sizeof(*sim), GFP_KERNEL);
	if (!sim)
		return -ENOMEM;
	ret = sim_alloc_vram(sim, info.vram_size);
	if (ret)
		goto err_free;

	sim->pdev = platform_device_register_simple("mvgpu-sim", id, NULL, 0);
	if (IS_ERR(sim->pdev)) {
		ret = PTR_ERR(sim->pdev);
		goto err_vram;
	}

	sim->gpu = mvgpu_register_gpu(&sim->pdev->dev, &info, &sim_ops, sim);
	if (IS_ERR(sim->gpu)) {
		ret = PTR_ERR(sim->gpu);
		sim->gpu = NULL;
		goto err_pdev;
	}
	sim_bench_init(sim, sim_debugfs);
	*out = sim;
	return 0;

err_pdev:
	platform_device_unregister(sim->pdev);
err_vram:
	sim_free_vram(sim);
err_free:
	kfree(sim);
	return ret;
}

static void sim_destroy_all(void)
{
	int i;

	for (i = SIM_MAX_GPUS - 1; i >= 0; i--) {
		if (sim_gpus[i])
			sim_destroy(sim_gpus[i]);
		sim_gpus[i] = NULL;
	}
}

static int __init mvgpu_sim_init(void)
{
	unsigned int i;
	int ret;

	if (!nr_gpus || nr_gpus > SIM_MAX_GPUS) {
		pr_err("mvgpu_sim: nr_gpus=%u, must be 1-%d\n", nr_gpus,
		       SIM_MAX_GPUS);
		return -EINVAL;
	}
	if (vram_mb < 64 || vram_mb > 4096 || !is_power_of_2(vram_mb)) {
		pr_err("mvgpu_sim: vram_mb=%u, must be a power of two in 64-4096\n",
		       vram_mb);
		return -EINVAL;
	}

	sim_debugfs = debugfs_create_dir("mvgpu_sim", NULL);
	for (i = 0; i < nr_gpus; i++) {
		ret = sim_create(i, &sim_gpus[i]);
		if (ret) {
			pr_err("mvgpu_sim: GPU %u: %d\n", i, ret);
			sim_destroy_all();
			debugfs_remove_recursive(sim_debugfs);
			return ret;
		}
	}
	return 0;
}

static void __exit mvgpu_sim_exit(void)
{
	sim_destroy_all();
	debugfs_remove_recursive(sim_debugfs);
}

module_init(mvgpu_sim_init);
module_exit(mvgpu_sim_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mvgpu software model of a physical GPU");

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
 *
 * Like a real GPU driver it binds PCI functions: QEMU's "edu" device
 * (1234:11e8, -device edu) stands for the GPU, so the mdev parent is a
 * PCI device, as libvirt expects. Its BAR is not used; VRAM and the
 * engine are the model's. On a host without such a device, nr_gpus
 * software-only GPUs are created on platform devices instead (their mdev
 * parent is the mediator's class device, /sys/class/mvgpu/mvgpuN).
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/slab.h>

#include "sim.h"

#define SIM_MAX_GPUS	4

static int nr_gpus = -1;
module_param(nr_gpus, int, 0444);
MODULE_PARM_DESC(nr_gpus,
		 "software-only GPUs besides the PCI ones (0-4; default: 1 when no PCI device was bound, else 0)");

static bool pci = true;
module_param(pci, bool, 0444);
MODULE_PARM_DESC(pci, "bind QEMU's edu PCI devices (1234:11e8) as GPUs (default Y)");

static unsigned int vram_mb = 256;
module_param(vram_mb, uint, 0444);
MODULE_PARM_DESC(vram_mb,
		 "VRAM per simulated GPU in MiB (power of two, 64-4096, default 256)");

/* protects sim_gpus[]: PCI probes and removals come at any time */
static DEFINE_MUTEX(sim_lock);
static struct sim_gpu *sim_gpus[SIM_MAX_GPUS];
static struct dentry *sim_debugfs;

/*
 * The mediator maps VRAM pages as PFNs: they stay the model's, with no
 * reference taken for a mapping.
 */
static int sim_vram_pfn(void *priv, u64 offset, unsigned long *pfn)
{
	struct sim_gpu *sim = priv;
	u64 idx = offset >> PAGE_SHIFT;

	if (!PAGE_ALIGNED(offset) || idx >= sim->nr_pages)
		return -EINVAL;
	*pfn = page_to_pfn(sim->vram[idx]);
	return 0;
}

/* [offset, offset + len) lies inside the model's VRAM (no overflow) */
static bool sim_vram_range_ok(const struct sim_gpu *sim, u64 offset, u64 len)
{
	u64 size = (u64)sim->nr_pages << PAGE_SHIFT;

	return offset < size && len <= size - offset;
}

static int sim_vram_rw(void *priv, u64 offset, void *buf, size_t len,
		       bool write)
{
	struct sim_gpu *sim = priv;

	if (!sim_vram_range_ok(sim, offset, len))
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

	if (!sim_vram_range_ok(sim, offset, len))
		return -EINVAL;

	while (len) {
		unsigned int in_page = offset_in_page(offset);
		size_t chunk = min_t(u64, len, PAGE_SIZE - in_page);

		memzero_page(sim->vram[offset >> PAGE_SHIFT], in_page, chunk);
		offset += chunk;
		len -= chunk;
		cond_resched();
	}
	if (READ_ONCE(sim->clear_delay_ms))
		msleep(READ_ONCE(sim->clear_delay_ms));
	return 0;
}

/* The model's engines mark the VRAM pages they write (sim_pt_translate()). */
static void sim_vram_dirty(void *priv, u64 offset, u64 len,
			   unsigned long *bits)
{
	struct sim_gpu *sim = priv;
	unsigned long first = offset >> PAGE_SHIFT, n, i;

	if (first >= sim->nr_pages)
		return;
	n = min_t(u64, len >> PAGE_SHIFT, sim->nr_pages - first);
	for (i = find_next_bit(sim->vram_dirty, first + n, first);
	     i < first + n;
	     i = find_next_bit(sim->vram_dirty, first + n, i + 1))
		if (test_and_clear_bit(i, sim->vram_dirty))
			set_bit(i - first, bits);
}

static const struct mvgpu_backend_ops sim_ops = {
	.vram_pfn = sim_vram_pfn,
	.vram_rw = sim_vram_rw,
	.vram_clear = sim_vram_clear,
	.vram_dirty = sim_vram_dirty,
	.pt_create = sim_pt_create,
	.pt_destroy = sim_pt_destroy,
	.pt_set = sim_pt_set,
	.pt_clear_range = sim_pt_clear_range,
	.pt_written = sim_pt_written,
	.pt_entries = sim_pt_entries,
	.engine_run = sim_engine_run,
};

static void sim_free_vram(struct sim_gpu *sim)
{
	unsigned long i;

	for (i = 0; sim->vram && i < sim->nr_pages; i++)
		if (sim->vram[i]) {
			set_page_private(sim->vram[i], 0);
			__free_page(sim->vram[i]);
		}
	kvfree(sim->vram);
	bitmap_free(sim->vram_dirty);
}

static int sim_alloc_vram(struct sim_gpu *sim, u64 size)
{
	unsigned long i;

	sim->nr_pages = size >> PAGE_SHIFT;
	sim->vram = kvcalloc(sim->nr_pages, sizeof(*sim->vram), GFP_KERNEL);
	sim->vram_dirty = bitmap_zalloc(sim->nr_pages, GFP_KERNEL);
	if (!sim->vram || !sim->vram_dirty) {
		sim_free_vram(sim);
		return -ENOMEM;
	}
	for (i = 0; i < sim->nr_pages; i++) {
		sim->vram[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!sim->vram[i]) {
			sim_free_vram(sim);
			return -ENOMEM;
		}
		/* its index, for sim_bench_vram_offset() */
		set_page_private(sim->vram[i], i);
		cond_resched();
	}
	return 0;
}

static void sim_destroy(struct sim_gpu *sim)
{
	sim_bench_fini(sim);
	if (sim->gpu)
		mvgpu_unregister_gpu(sim->gpu);
	if (sim->pdev)
		platform_device_unregister(sim->pdev);
	sim_free_vram(sim);
	mutex_lock(&sim_lock);
	sim_gpus[sim->index] = NULL;
	mutex_unlock(&sim_lock);
	kfree(sim);
}

/*
 * Create a GPU on device @dev, or on a new platform device when @dev is
 * NULL, and register it with the mediator.
 */
static int sim_create(struct device *dev, struct sim_gpu **out)
{
	struct mvgpu_gpu_info info = {
		.vram_size = (u64)vram_mb << 20,
		.nr_engines = 1,
	};
	struct sim_gpu *sim;
	unsigned int i;
	int ret;

	sim = kzalloc(sizeof(*sim), GFP_KERNEL);
	if (!sim)
		return -ENOMEM;
	mutex_lock(&sim_lock);
	for (i = 0; i < SIM_MAX_GPUS && sim_gpus[i]; i++)
		;
	if (i < SIM_MAX_GPUS)
		sim_gpus[i] = sim;
	mutex_unlock(&sim_lock);
	if (i == SIM_MAX_GPUS) {
		ret = -ENOSPC;
		goto err_free;
	}
	sim->index = i;
	ret = sim_alloc_vram(sim, info.vram_size);
	if (ret)
		goto err_slot;

	if (!dev) {
		sim->pdev = platform_device_register_simple("mvgpu-sim", i,
							    NULL, 0);
		if (IS_ERR(sim->pdev)) {
			ret = PTR_ERR(sim->pdev);
			sim->pdev = NULL;
			goto err_vram;
		}
		dev = &sim->pdev->dev;
	}
	sim->dev = dev;

	sim->gpu = mvgpu_register_gpu(dev, &info, &sim_ops, sim);
	if (IS_ERR(sim->gpu)) {
		ret = PTR_ERR(sim->gpu);
		sim->gpu = NULL;
		goto err_pdev;
	}
	sim_bench_init(sim, sim_debugfs);
	debugfs_create_u32("clear_delay_ms", 0600, sim->debugfs,
			   &sim->clear_delay_ms);
	*out = sim;
	return 0;

err_pdev:
	if (sim->pdev)
		platform_device_unregister(sim->pdev);
err_vram:
	sim_free_vram(sim);
err_slot:
	mutex_lock(&sim_lock);
	sim_gpus[i] = NULL;
	mutex_unlock(&sim_lock);
err_free:
	kfree(sim);
	return ret;
}

/* The software-only GPUs (the PCI ones go with their driver). */
static void sim_destroy_platform(void)
{
	struct sim_gpu *sim;
	int i;

	for (i = SIM_MAX_GPUS - 1; i >= 0; i--) {
		/* a PCI GPU's remove may free it meanwhile: look under the lock */
		mutex_lock(&sim_lock);
		sim = sim_gpus[i] && sim_gpus[i]->pdev ? sim_gpus[i] : NULL;
		mutex_unlock(&sim_lock);
		if (sim)
			sim_destroy(sim);
	}
}

static int sim_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct sim_gpu *sim;
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = sim_create(&pdev->dev, &sim);
	if (ret)
		return ret;
	pci_set_drvdata(pdev, sim);
	return 0;
}

static void sim_pci_remove(struct pci_dev *pdev)
{
	sim_destroy(pci_get_drvdata(pdev));
}

static const struct pci_device_id sim_pci_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },	/* QEMU "edu" */
	{ }
};
MODULE_DEVICE_TABLE(pci, sim_pci_ids);

/* its name names the mdev types: "mvgpu-1_8" */
static struct pci_driver sim_pci_driver = {
	.name = "mvgpu",
	.id_table = sim_pci_ids,
	.probe = sim_pci_probe,
	.remove = sim_pci_remove,
};

static int __init mvgpu_sim_init(void)
{
	unsigned int bound = 0;
	int i, n, ret;

	if (nr_gpus < -1 || nr_gpus > SIM_MAX_GPUS) {
		pr_err("mvgpu_sim: nr_gpus=%d, must be 0-%d\n", nr_gpus,
		       SIM_MAX_GPUS);
		return -EINVAL;
	}
	if (!pci && !nr_gpus) {
		pr_err("mvgpu_sim: pci=0 and nr_gpus=0: no GPU at all\n");
		return -EINVAL;
	}
	if (vram_mb < 64 || vram_mb > 4096 || !is_power_of_2(vram_mb)) {
		pr_err("mvgpu_sim: vram_mb=%u, must be a power of two in 64-4096\n",
		       vram_mb);
		return -EINVAL;
	}

	sim_debugfs = debugfs_create_dir("mvgpu_sim", NULL);
	if (pci) {
		/* probes the devices present before it returns */
		ret = pci_register_driver(&sim_pci_driver);
		if (ret)
			goto err_debugfs;
		mutex_lock(&sim_lock);
		for (i = 0; i < SIM_MAX_GPUS; i++)
			bound += !!sim_gpus[i];
		mutex_unlock(&sim_lock);
	}
	n = nr_gpus >= 0 ? nr_gpus : !bound;
	for (i = 0; i < n; i++) {
		struct sim_gpu *sim;

		ret = sim_create(NULL, &sim);
		if (ret) {
			pr_err("mvgpu_sim: software-only GPU %d: %d\n", i, ret);
			goto err_gpus;
		}
	}
	return 0;

err_gpus:
	sim_destroy_platform();
	if (pci)
		pci_unregister_driver(&sim_pci_driver);
err_debugfs:
	debugfs_remove_recursive(sim_debugfs);
	return ret;
}

static void __exit mvgpu_sim_exit(void)
{
	sim_destroy_platform();
	if (pci)
		pci_unregister_driver(&sim_pci_driver);
	debugfs_remove_recursive(sim_debugfs);
}

module_init(mvgpu_sim_init);
module_exit(mvgpu_sim_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mvgpu software model of a physical GPU");

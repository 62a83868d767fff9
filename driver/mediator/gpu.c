// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu mediator: a physical GPU's resources as the mediator hands them
 * out: its vGPU types, the VRAM allocator behind them (and so each type's
 * available_instances) and the GPU's sysfs attributes.
 *
 * A GPU's VRAM is handed out in 64 units. A type takes 1, 2, 4, ... or 64
 * units, contiguous and aligned to their count, like a buddy allocator with
 * one level per type; so mixed types share a GPU and every type's
 * available_instances is exact at every moment.
 */
#include <linux/bitmap.h>
#include <linux/kstrtox.h>
#include <linux/sysfs.h>

#include "mvgpu_drv.h"

/* The weight of a type is its share of the GPU in 64ths, as its VRAM. */
const struct mvgpu_type_desc mvgpu_type_descs[MVGPU_NR_TYPES] = {
	{ .sysfs_name = "1_8", .pretty_name = "mvgpu-1_8",
	  .units = 8, .weight = 8, .contexts = 4 },
	{ .sysfs_name = "1_4", .pretty_name = "mvgpu-1_4",
	  .units = 16, .weight = 16, .contexts = 8 },
	{ .sysfs_name = "1_2", .pretty_name = "mvgpu-1_2",
	  .units = 32, .weight = 32, .contexts = 16 },
	{ .sysfs_name = "1_1", .pretty_name = "mvgpu-1_1",
	  .units = 64, .weight = 64, .contexts = 16 },
	{ .sysfs_name = "1_16", .pretty_name = "mvgpu-1_16",
	  .units = 4, .weight = 4, .contexts = 4 },
	{ .sysfs_name = "1_32", .pretty_name = "mvgpu-1_32",
	  .units = 2, .weight = 2, .contexts = 2 },
	{ .sysfs_name = "1_64", .pretty_name = "mvgpu-1_64",
	  .units = 1, .weight = 1, .contexts = 2 },
};

/**
 * mvgpu_unit_size() - bytes of VRAM in one allocation unit
 * @gpu: the physical GPU
 *
 * Return: a 64th of the GPU's VRAM.
 */
u64 mvgpu_unit_size(const struct mvgpu_gpu *gpu)
{
	return gpu->info.vram_size / MVGPU_VRAM_UNITS;
}

static bool mvgpu_units_free(unsigned long map, unsigned int first,
			     unsigned int units)
{
	BUILD_BUG_ON(MVGPU_VRAM_UNITS > BITS_PER_LONG);
	return !(map & (GENMASK(units - 1, 0) << first));
}

/* Number of free aligned blocks of @units units in @map. */
static unsigned int mvgpu_count_free_blocks(unsigned long map,
					    unsigned int units)
{
	unsigned int first, count = 0;

	for (first = 0; first < MVGPU_VRAM_UNITS; first += units)
		count += mvgpu_units_free(map, first, units);
	return count;
}

/**
 * mvgpu_vram_alloc() - take a slice of a GPU's VRAM for a new vGPU
 * @gpu: the physical GPU
 * @units: slice size in units (a power of two up to MVGPU_VRAM_UNITS)
 * @first_unit: set to the first unit of the slice
 *
 * Picks the free aligned block that leaves the most room for larger
 * types: the lowest free block inside the most occupied larger block.
 *
 * Return: 0, or -ENOSPC when no aligned block of @units is free.
 */
int mvgpu_vram_alloc(struct mvgpu_gpu *gpu, unsigned int units,
		     unsigned int *first_unit)
{
	unsigned int first, best = MVGPU_VRAM_UNITS, best_score = 0;
	int ret = -ENOSPC;

	mutex_lock(&gpu->lock);
	for (first = 0; first < MVGPU_VRAM_UNITS; first += units) {
		unsigned int span, score = 1;

		if (!mvgpu_units_free(gpu->unit_map, first, units))
			continue;
		/* Prefer blocks whose enclosing larger blocks are in use. */
		for (span = units * 2; span <= MVGPU_VRAM_UNITS; span *= 2)
			if (!mvgpu_units_free(gpu->unit_map,
					      round_down(first, span), span))
				score++;
		if (score > best_score) {
			best = first;
			best_score = score;
		}
	}
	if (best < MVGPU_VRAM_UNITS) {
		gpu->unit_map |= GENMASK(units - 1, 0) << best;
		gpu->nr_instances++;
		*first_unit = best;
		ret = 0;
	}
	mutex_unlock(&gpu->lock);
	return ret;
}

/**
 * mvgpu_vram_free() - give a vGPU's VRAM slice back to its GPU
 * @gpu: the physical GPU
 * @first_unit: first unit of the slice
 * @units: slice size in units
 */
void mvgpu_vram_free(struct mvgpu_gpu *gpu, unsigned int first_unit,
		     unsigned int units)
{
	mutex_lock(&gpu->lock);
	WARN_ON((gpu->unit_map & (GENMASK(units - 1, 0) << first_unit)) !=
		(GENMASK(units - 1, 0) << first_unit));
	gpu->unit_map &= ~(GENMASK(units - 1, 0) << first_unit);
	gpu->nr_instances--;
	mutex_unlock(&gpu->lock);
}

static struct mvgpu_gpu_type *to_gpu_type(struct mdev_type *mtype)
{
	return container_of(mtype, struct mvgpu_gpu_type, mtype);
}

/**
 * mvgpu_type_get_available() - mdev ``available_instances`` of a type
 * @mtype: the type on one GPU
 *
 * Return: how many more instances of the type fit in the GPU's free VRAM.
 */
unsigned int mvgpu_type_get_available(struct mdev_type *mtype)
{
	struct mvgpu_gpu_type *type = to_gpu_type(mtype);
	struct mvgpu_gpu *gpu = type->gpu;
	unsigned int n;

	mutex_lock(&gpu->lock);
	n = mvgpu_count_free_blocks(gpu->unit_map, type->desc->units);
	mutex_unlock(&gpu->lock);
	return n;
}

/**
 * mvgpu_type_show_description() - mdev ``description`` of a type
 * @mtype: the type on one GPU
 * @buf: sysfs page to fill
 *
 * Return: bytes written.
 */
ssize_t mvgpu_type_show_description(struct mdev_type *mtype, char *buf)
{
	struct mvgpu_gpu_type *type = to_gpu_type(mtype);
	const struct mvgpu_type_desc *desc = type->desc;
	u64 vram = mvgpu_unit_size(type->gpu) * desc->units;
	u32 width, height;
	int n;

	n = sysfs_emit(buf,
		       "vram: %llu MiB\nweight: %u\ncontexts: %u\nmax_instances: %u\n",
		       vram >> 20, desc->weight, desc->contexts,
		       MVGPU_VRAM_UNITS / desc->units);
	mvgpu_display_max(vram, &width, &height);
	if (width)
		return n + sysfs_emit_at(buf, n, "display: %ux%u\nheads: 1\n",
					 width, height);
	return n + sysfs_emit_at(buf, n, "display: none\n");
}

static struct mvgpu_gpu *dev_to_gpu(struct device *dev)
{
	return container_of(dev, struct mvgpu_gpu, dev);
}

static ssize_t vram_total_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", dev_to_gpu(dev)->info.vram_size);
}
static DEVICE_ATTR_RO(vram_total);

static ssize_t vram_used_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct mvgpu_gpu *gpu = dev_to_gpu(dev);
	u64 used;

	mutex_lock(&gpu->lock);
	used = hweight_long(gpu->unit_map) * mvgpu_unit_size(gpu);
	mutex_unlock(&gpu->lock);
	return sysfs_emit(buf, "%llu\n", used);
}
static DEVICE_ATTR_RO(vram_used);

static ssize_t instances_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct mvgpu_gpu *gpu = dev_to_gpu(dev);
	unsigned int n;

	mutex_lock(&gpu->lock);
	n = gpu->nr_instances;
	mutex_unlock(&gpu->lock);
	return sysfs_emit(buf, "%u\n", n);
}
static DEVICE_ATTR_RO(instances);

static ssize_t engines_show(struct device *dev,
			    struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", dev_to_gpu(dev)->info.nr_engines);
}
static DEVICE_ATTR_RO(engines);

static ssize_t timeslice_us_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  mvgpu_sched_get_timeslice(dev_to_gpu(dev)));
}

static ssize_t timeslice_us_store(struct device *dev,
				  struct device_attribute *attr,
				  const char *buf, size_t count)
{
	unsigned int us;
	int ret;

	ret = kstrtouint(buf, 0, &us);
	if (!ret)
		ret = mvgpu_sched_set_timeslice(dev_to_gpu(dev), us);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(timeslice_us);

static ssize_t policy_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  mvgpu_sched_get_policy(dev_to_gpu(dev)));
}

static ssize_t policy_store(struct device *dev, struct device_attribute *attr,
			    const char *buf, size_t count)
{
	int ret = mvgpu_sched_set_policy(dev_to_gpu(dev), buf);

	return ret ? ret : count;
}
static DEVICE_ATTR_RW(policy);

static struct attribute *mvgpu_gpu_attrs[] = {
	&dev_attr_timeslice_us.attr,
	&dev_attr_policy.attr,
	&dev_attr_vram_total.attr,
	&dev_attr_vram_used.attr,
	&dev_attr_instances.attr,
	&dev_attr_engines.attr,
	NULL,
};

static const struct attribute_group mvgpu_gpu_group = {
	.attrs = mvgpu_gpu_attrs,
};

const struct attribute_group *mvgpu_gpu_groups[] = {
	&mvgpu_gpu_group,
	NULL,
};

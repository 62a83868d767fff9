// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu mediator: per-vGPU sysfs attributes, in the "mvgpu" group of the
 * mdev device (/sys/bus/mdev/devices/UUID/mvgpu/).
 */
#include <linux/kstrtox.h>
#include <linux/sysfs.h>

#include "mvgpu_drv.h"

static struct mvgpu_vgpu *dev_to_vgpu(struct device *dev)
{
	return dev_get_drvdata(dev);
}

static ssize_t type_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "mvgpu-%s\n", dev_to_vgpu(dev)->type->sysfs_name);
}
static DEVICE_ATTR_RO(type);

static ssize_t vram_size_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", dev_to_vgpu(dev)->vram_size);
}
static DEVICE_ATTR_RO(vram_size);

static ssize_t contexts_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", dev_to_vgpu(dev)->type->contexts);
}
static DEVICE_ATTR_RO(contexts);

static ssize_t weight_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  mvgpu_sched_get_weight(dev_to_vgpu(dev)));
}

static ssize_t weight_store(struct device *dev, struct device_attribute *attr,
			    const char *buf, size_t count)
{
	unsigned int weight;

	if (kstrtouint(buf, 0, &weight) ||
	    mvgpu_sched_set_weight(dev_to_vgpu(dev), weight))
		return -EINVAL;
	return count;
}
static DEVICE_ATTR_RW(weight);

static ssize_t cap_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	return sysfs_emit(buf, "%u\n", mvgpu_sched_get_cap(dev_to_vgpu(dev)));
}

static ssize_t cap_store(struct device *dev, struct device_attribute *attr,
			 const char *buf, size_t count)
{
	unsigned int cap;

	if (kstrtouint(buf, 0, &cap) ||
	    mvgpu_sched_set_cap(dev_to_vgpu(dev), cap))
		return -EINVAL;
	return count;
}
static DEVICE_ATTR_RW(cap);

static ssize_t priority_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  mvgpu_prio_names[mvgpu_sched_get_prio(dev_to_vgpu(dev))]);
}

static ssize_t priority_store(struct device *dev,
			      struct device_attribute *attr, const char *buf,
			      size_t count)
{
	int prio = sysfs_match_string(mvgpu_prio_names, buf);

	if (prio < 0 || mvgpu_sched_set_prio(dev_to_vgpu(dev), prio))
		return -EINVAL;
	return count;
}
static DEVICE_ATTR_RW(priority);

static ssize_t util_permille_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", mvgpu_sched_get_util(dev_to_vgpu(dev)));
}
static DEVICE_ATTR_RO(util_permille);

static ssize_t migration_state_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", mvgpu_mig_state_name(dev_to_vgpu(dev)));
}
static DEVICE_ATTR_RO(migration_state);

/* A read-only counter of struct mvgpu_stats. */
struct mvgpu_stat_attr {
	struct device_attribute attr;
	size_t offset;
};

static ssize_t mvgpu_stat_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct mvgpu_stat_attr *sa =
		container_of(attr, struct mvgpu_stat_attr, attr);
	atomic64_t *counter = (void *)&dev_to_vgpu(dev)->stats + sa->offset;

	return sysfs_emit(buf, "%lld\n", atomic64_read(counter));
}

#define MVGPU_STAT_ATTR(_name, _offset)					\
	{								\
		.attr = __ATTR(_name, 0444, mvgpu_stat_show, NULL),	\
		.offset = (_offset),					\
	}

#define STAT_OFF(field) offsetof(struct mvgpu_stats, field)

static struct mvgpu_stat_attr dev_attr_busy_ns =
	MVGPU_STAT_ATTR(busy_ns, STAT_OFF(busy_ns));
static struct mvgpu_stat_attr dev_attr_commands =
	MVGPU_STAT_ATTR(commands, STAT_OFF(commands));
static struct mvgpu_stat_attr dev_attr_faults =
	MVGPU_STAT_ATTR(faults, STAT_OFF(faults));
static struct mvgpu_stat_attr dev_attr_context_switches =
	MVGPU_STAT_ATTR(context_switches, STAT_OFF(context_switches));
static struct mvgpu_stat_attr dev_attr_resets =
	MVGPU_STAT_ATTR(resets, STAT_OFF(resets));
static struct mvgpu_stat_attr dev_attr_pinned_pages =
	MVGPU_STAT_ATTR(pinned_pages, STAT_OFF(pinned_pages));
static struct mvgpu_stat_attr dev_attr_shadow_entries =
	MVGPU_STAT_ATTR(shadow_entries, STAT_OFF(shadow_entries));
static struct mvgpu_stat_attr dev_attr_shadow_fills =
	MVGPU_STAT_ATTR(shadow_fills, STAT_OFF(shadow_fills));
static struct mvgpu_stat_attr dev_attr_preemptions =
	MVGPU_STAT_ATTR(preemptions, STAT_OFF(preemptions));
static struct mvgpu_stat_attr dev_attr_mig_precopy_rounds =
	MVGPU_STAT_ATTR(mig_precopy_rounds, STAT_OFF(mig_precopy_rounds));
static struct mvgpu_stat_attr dev_attr_mig_stop_copy_bytes =
	MVGPU_STAT_ATTR(mig_stop_copy_bytes, STAT_OFF(mig_stop_copy_bytes));
static struct mvgpu_stat_attr dev_attr_mig_stop_copy_ns =
	MVGPU_STAT_ATTR(mig_stop_copy_ns, STAT_OFF(mig_stop_copy_ns));

static struct attribute *mvgpu_vgpu_attrs[] = {
	&dev_attr_type.attr,
	&dev_attr_vram_size.attr,
	&dev_attr_contexts.attr,
	&dev_attr_weight.attr,
	&dev_attr_cap.attr,
	&dev_attr_priority.attr,
	&dev_attr_util_permille.attr,
	&dev_attr_busy_ns.attr.attr,
	&dev_attr_commands.attr.attr,
	&dev_attr_faults.attr.attr,
	&dev_attr_context_switches.attr.attr,
	&dev_attr_resets.attr.attr,
	&dev_attr_pinned_pages.attr.attr,
	&dev_attr_shadow_entries.attr.attr,
	&dev_attr_shadow_fills.attr.attr,
	&dev_attr_preemptions.attr.attr,
	&dev_attr_migration_state.attr,
	&dev_attr_mig_precopy_rounds.attr.attr,
	&dev_attr_mig_stop_copy_bytes.attr.attr,
	&dev_attr_mig_stop_copy_ns.attr.attr,
	NULL,
};

static const struct attribute_group mvgpu_vgpu_group = {
	.name = "mvgpu",
	.attrs = mvgpu_vgpu_attrs,
};

const struct attribute_group *mvgpu_vgpu_groups[] = {
	&mvgpu_vgpu_group,
	NULL,
};

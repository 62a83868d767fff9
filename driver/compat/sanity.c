// SPDX-License-Identifier: GPL-2.0
/*
 * Positive control: must compile on every kernel mvgpu builds for (6.1
 * on). It includes every header the probes use and uses what those
 * headers had in 6.1. If it does not compile, a probe's failure says
 * nothing about the kernel, and mvgpu_autoconf.h stops the build with an
 * #error (the compiler's words are in mvgpu_autoconf.log) rather than
 * silently giving the oldest kernel's code paths.
 */
#include <drm/drm_drv.h>
#include <linux/device/class.h>
#include <linux/eventfd.h>
#include <linux/mm.h>
#include <linux/vfio.h>

static int __maybe_unused probe_mmap(struct vfio_device *vdev,
				     struct vm_area_struct *vma)
{
	return 0;
}

static const struct vfio_device_ops __maybe_unused probe_ops = {
	.mmap = probe_mmap,
};

static const struct drm_driver __maybe_unused probe_drm_driver = {
	.name = "probe",
};

static int __maybe_unused probe(struct vm_area_struct *vma,
				struct eventfd_ctx *ctx, struct class *cls)
{
	return vma->vm_flags & VM_IO ? class_register(cls) : 0;
}

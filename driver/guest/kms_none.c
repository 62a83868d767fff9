// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu_kms for a guest kernel without the DRM helpers the display driver
 * needs (Linux 6.11: the GEM shmem fbdev emulation, struct drm_edid): it
 * says so and loads nothing; the vGPU's compute (mvgpu_accel) works.
 * driver/Kbuild builds it instead of kms.c there.
 */
#include <linux/module.h>
#include <linux/printk.h>

static int __init mvgpu_kms_none_init(void)
{
	pr_notice("mvgpu_kms: built for a kernel without the DRM helpers of Linux 6.11: no display\n");
	return -ENODEV;
}
module_init(mvgpu_kms_none_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Display driver for the mvgpu virtual GPU (unavailable on this kernel)");

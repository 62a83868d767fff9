// SPDX-License-Identifier: GPL-2.0
/*
 * Probe (6.13): a DRM driver sets up fbdev emulation through its ops
 * (DRM_FBDEV_SHMEM_DRIVER_OPS) and drm_client_setup(); before,
 * drm_fbdev_shmem_setup() (6.11).
 */
#include <drm/drm_drv.h>
#include <drm/drm_fbdev_shmem.h>

static const struct drm_driver __maybe_unused probe_driver = {
	DRM_FBDEV_SHMEM_DRIVER_OPS,
};

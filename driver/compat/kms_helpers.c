// SPDX-License-Identifier: GPL-2.0
/*
 * Probe (6.11): the DRM helpers mvgpu_kms needs, the GEM shmem fbdev
 * emulation's header and the struct drm_edid connector helpers. Without
 * them mvgpu_kms is not built (driver/Kbuild); mvgpu_accel still is.
 */
#include <drm/drm_edid.h>
#include <drm/drm_fbdev_shmem.h>

static int __maybe_unused probe(struct drm_connector *connector,
				const struct drm_edid *edid)
{
	return drm_edid_valid(edid) ?
		drm_edid_connector_add_modes(connector) : 0;
}

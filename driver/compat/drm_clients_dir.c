// SPDX-License-Identifier: GPL-2.0
/* Probe (6.15): drm_client_setup() is declared in drm/clients/. */
#include <drm/clients/drm_client_setup.h>

static void __maybe_unused probe(struct drm_device *dev)
{
	drm_client_setup(dev, NULL);
}

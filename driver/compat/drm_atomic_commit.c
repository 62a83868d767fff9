// SPDX-License-Identifier: GPL-2.0
/*
 * Probe (7.x): struct drm_atomic_state, what the atomic hooks of planes
 * and CRTCs are given, is called struct drm_atomic_commit.
 */
#include <drm/drm_atomic.h>

static struct drm_crtc_state * __maybe_unused
probe(struct drm_atomic_commit *state, struct drm_crtc *crtc)
{
	return drm_atomic_get_new_crtc_state(state, crtc);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu_kms: the display driver for the mvgpu vGPU, a DRM KMS device.
 *
 * DRM does not let one driver be a compute accelerator and a modesetting
 * one, so mvgpu_accel.ko (the PCI driver) gives the display head to this
 * driver as the auxiliary device "mvgpu_accel.display" (mvgpu_disp.h),
 * with the registers, a VRAM range reserved for scanout and the display
 * interrupts.
 *
 * One CRTC, one primary plane (XRGB8888, linear), one encoder and one
 * connector, with the atomic helpers. Framebuffers are GEM shmem objects
 * in guest memory; the plane is a shadow plane: each commit copies the
 * damaged rectangles into the scanout range, which the head always scans
 * out with the mode's size and a pitch of width x 4 (the device reads
 * VRAM only). A mode set programs DISP_FB_* and commits with DISP_CONTROL
 * (Documentation/mvgpu/device.rst, "Display"). A commit takes effect at
 * once on this device, so no commit waits for a vblank and the VBLANK
 * interrupt stays off (the host then has no vblank to deliver). Modes come
 * from the monitor's EDID, or with none, the standard modes up to
 * DISP_MAX_*; HOTPLUG makes DRM probe the connector again. fbdev
 * emulation gives the console.
 */
#include <drm/drm_atomic.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_connector.h>
#include <drm/drm_crtc.h>
#include <drm/drm_crtc_helper.h>
#include <drm/drm_damage_helper.h>
#include <drm/drm_drv.h>
#include <drm/drm_edid.h>
#include <drm/drm_encoder.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_format_helper.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_gem_atomic_helper.h>
#include <drm/drm_gem_framebuffer_helper.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_managed.h>
#include <drm/drm_modeset_helper.h>
#include <drm/drm_modeset_helper_vtables.h>
#include <drm/drm_plane.h>
#include <drm/drm_prime.h>
#include <drm/drm_print.h>
#include <drm/drm_probe_helper.h>
#include <linux/auxiliary_bus.h>
#include <linux/iosys-map.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <uapi/linux/mvgpu.h>

#include "../compat/compat.h"
#include "mvgpu_disp.h"

/*
 * fbdev emulation: 6.13 moved the fbdev setup into the driver's ops
 * (DRM_FBDEV_SHMEM_DRIVER_OPS, then drm_client_setup()), 6.15 moved that
 * header to drm/clients/. Before 6.13, drm_fbdev_shmem_setup().
 */
#ifdef MVGPU_HAVE_FBDEV_SHMEM_DRIVER_OPS
#include <drm/drm_fbdev_shmem.h>
#ifdef MVGPU_HAVE_DRM_CLIENTS_DIR
#include <drm/clients/drm_client_setup.h>
#else
#include <drm/drm_client_setup.h>
#endif
#define mvgpu_kms_fbdev_setup(drm)	drm_client_setup(drm, NULL)
#else
#include <drm/drm_fbdev_shmem.h>
#define mvgpu_kms_fbdev_setup(drm)	drm_fbdev_shmem_setup(drm, 32)
#endif

/* 7.x: the hooks' struct drm_atomic_state is struct drm_atomic_commit. */
#ifdef MVGPU_HAVE_DRM_ATOMIC_COMMIT
#define mvgpu_kms_atomic_state drm_atomic_commit
#else
#define mvgpu_kms_atomic_state drm_atomic_state
#endif

/* The preferred mode without an EDID (where the head can show it). */
#define MVGPU_KMS_NOEDID_WIDTH		1024
#define MVGPU_KMS_NOEDID_HEIGHT		768

/**
 * struct mvgpu_kms - the display head of one vGPU
 * @drm: the DRM device
 * @disp: what mvgpu_accel.ko gave (registers, scanout range)
 * @plane: the primary plane
 * @crtc: the CRTC
 * @encoder: the encoder
 * @connector: the monitor
 * @hotplug_work: tells DRM the monitor changed (HOTPLUG)
 * @reset_suspended: the display state was saved for a device reset
 *	(changed by the reset hooks only, which mvgpu_accel serialises)
 */
struct mvgpu_kms {
	struct drm_device drm;
	struct mvgpu_accel_disp *disp;
	struct drm_plane plane;
	struct drm_crtc crtc;
	struct drm_encoder encoder;
	struct drm_connector connector;
	struct work_struct hotplug_work;
	bool reset_suspended;
};

static struct mvgpu_kms *to_kms(struct drm_device *drm)
{
	return container_of(drm, struct mvgpu_kms, drm);
}

static u32 mvgpu_kms_rd(struct mvgpu_kms *kms, u32 off)
{
	return readl(kms->disp->mmio + off);
}

static void mvgpu_kms_wr(struct mvgpu_kms *kms, u32 off, u32 val)
{
	writel(val, kms->disp->mmio + off);
}

/* ---- connector ------------------------------------------------------- */

static enum drm_connector_status
mvgpu_kms_connector_detect(struct drm_connector *connector, bool force)
{
	struct mvgpu_kms *kms = to_kms(connector->dev);
	enum drm_connector_status status = connector_status_unknown;
	int idx;

	if (drm_dev_enter(&kms->drm, &idx)) {
		status = mvgpu_kms_rd(kms, MVGPU_REG_DISP_CONNECTOR) &
			 MVGPU_DISP_CONN_CONNECTED ?
			 connector_status_connected :
			 connector_status_disconnected;
		drm_dev_exit(idx);
	}
	return status;
}

/* The monitor's EDID as the device shows it, or NULL when it has none. */
static const struct drm_edid *mvgpu_kms_read_edid(struct mvgpu_kms *kms)
{
	const struct drm_edid *drm_edid = NULL;
	u32 size, i;
	__le32 *buf;

	size = mvgpu_kms_rd(kms, MVGPU_REG_DISP_EDID_SIZE);
	if (size < EDID_LENGTH || size > MVGPU_DISP_EDID_MAX)
		return NULL;
	buf = kmalloc(round_up(size, 4), GFP_KERNEL);
	if (!buf)
		return NULL;
	for (i = 0; i < size; i += 4)
		buf[i / 4] = cpu_to_le32(mvgpu_kms_rd(kms, MVGPU_DISP_EDID + i));
	drm_edid = drm_edid_alloc(buf, size);
	kfree(buf);
	if (drm_edid && !drm_edid_valid(drm_edid)) {
		drm_warn(&kms->drm, "the monitor's EDID is not valid: ignored\n");
		drm_edid_free(drm_edid);
		drm_edid = NULL;
	}
	return drm_edid;
}

static int mvgpu_kms_connector_get_modes(struct drm_connector *connector)
{
	struct mvgpu_kms *kms = to_kms(connector->dev);
	const struct drm_edid *drm_edid;
	int idx, count;

	if (!drm_dev_enter(&kms->drm, &idx))
		return 0;
	drm_edid = mvgpu_kms_read_edid(kms);
	drm_dev_exit(idx);

	drm_edid_connector_update(connector, drm_edid);
	if (drm_edid) {
		count = drm_edid_connector_add_modes(connector);
		drm_edid_free(drm_edid);
		if (count)
			return count;
	}
	/* No EDID: every standard mode the head can show. */
	count = drm_add_modes_noedid(connector, kms->disp->max_width,
				     kms->disp->max_height);
	drm_set_preferred_mode(connector,
			       min(MVGPU_KMS_NOEDID_WIDTH, kms->disp->max_width),
			       min(MVGPU_KMS_NOEDID_HEIGHT,
				   kms->disp->max_height));
	return count;
}

static const struct drm_connector_helper_funcs mvgpu_kms_connector_helper = {
	.get_modes = mvgpu_kms_connector_get_modes,
};

static const struct drm_connector_funcs mvgpu_kms_connector_funcs = {
	.detect = mvgpu_kms_connector_detect,
	.fill_modes = drm_helper_probe_single_connector_modes,
	.reset = drm_atomic_helper_connector_reset,
	.destroy = drm_connector_cleanup,
	.atomic_duplicate_state = drm_atomic_helper_connector_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_connector_destroy_state,
};

/* ---- plane ------------------------------------------------------------- */

static const u32 mvgpu_kms_formats[] = {
	DRM_FORMAT_XRGB8888,
};

static const u64 mvgpu_kms_modifiers[] = {
	DRM_FORMAT_MOD_LINEAR,
	DRM_FORMAT_MOD_INVALID
};

static int mvgpu_kms_plane_atomic_check(struct drm_plane *plane,
					struct mvgpu_kms_atomic_state *state)
{
	struct drm_plane_state *plane_state =
		drm_atomic_get_new_plane_state(state, plane);
	struct drm_crtc_state *crtc_state = NULL;

	if (plane_state->crtc)
		crtc_state = drm_atomic_get_new_crtc_state(state,
							   plane_state->crtc);
	/* The plane covers the whole mode, unscaled (a panned fb may be larger). */
	return drm_atomic_helper_check_plane_state(plane_state, crtc_state,
						   DRM_PLANE_NO_SCALING,
						   DRM_PLANE_NO_SCALING,
						   false, false);
}

/*
 * Copy the damaged rectangles of the framebuffer into the scanout range,
 * laid out as the head scans it out: the mode's size, pitch width x 4.
 */
static void mvgpu_kms_plane_atomic_update(struct drm_plane *plane,
					  struct mvgpu_kms_atomic_state *state)
{
	struct mvgpu_kms *kms = to_kms(plane->dev);
	struct drm_plane_state *plane_state =
		drm_atomic_get_new_plane_state(state, plane);
	struct drm_plane_state *old_state =
		drm_atomic_get_old_plane_state(state, plane);
	struct drm_shadow_plane_state *shadow =
		to_drm_shadow_plane_state(plane_state);
	struct drm_framebuffer *fb = plane_state->fb;
	struct drm_atomic_helper_damage_iter iter;
	struct drm_rect damage, screen;
	unsigned int pitch;
	int dx, dy, idx;

	if (!fb || !plane_state->visible)
		return;
	/* dst is the whole mode (atomic_check), src where it is in the fb */
	screen = plane_state->dst;
	pitch = drm_rect_width(&screen) * 4;
	dx = screen.x1 - (plane_state->src.x1 >> 16);
	dy = screen.y1 - (plane_state->src.y1 >> 16);

	if (!drm_dev_enter(&kms->drm, &idx))
		return;
	if (drm_gem_fb_begin_cpu_access(fb, DMA_FROM_DEVICE))
		goto out;
	drm_atomic_helper_damage_iter_init(&iter, old_state, plane_state);
	drm_atomic_for_each_plane_damage(&iter, &damage) {
		struct drm_rect dst = damage;
		struct iosys_map map =
			IOSYS_MAP_INIT_VADDR_IOMEM(kms->disp->scanout);

		drm_rect_translate(&dst, dx, dy);
		if (!drm_rect_intersect(&dst, &screen))
			continue;
		/* the part of the damage that is on the screen */
		damage = dst;
		drm_rect_translate(&damage, -dx, -dy);
		iosys_map_incr(&map, dst.y1 * pitch + dst.x1 * 4);
		drm_fb_memcpy(&map, &pitch, shadow->data, fb, &damage);
	}
	drm_gem_fb_end_cpu_access(fb, DMA_FROM_DEVICE);
out:
	drm_dev_exit(idx);
}

static const struct drm_plane_helper_funcs mvgpu_kms_plane_helper = {
	DRM_GEM_SHADOW_PLANE_HELPER_FUNCS,
	.atomic_check = mvgpu_kms_plane_atomic_check,
	.atomic_update = mvgpu_kms_plane_atomic_update,
};

static const struct drm_plane_funcs mvgpu_kms_plane_funcs = {
	.update_plane = drm_atomic_helper_update_plane,
	.disable_plane = drm_atomic_helper_disable_plane,
	.destroy = drm_plane_cleanup,
	DRM_GEM_SHADOW_PLANE_FUNCS,
};

/* ---- CRTC -------------------------------------------------------------- */

static enum drm_mode_status
mvgpu_kms_crtc_mode_valid(struct drm_crtc *crtc,
			  const struct drm_display_mode *mode)
{
	struct mvgpu_kms *kms = to_kms(crtc->dev);

	if (mode->hdisplay > kms->disp->max_width)
		return MODE_BAD_HVALUE;
	if (mode->vdisplay > kms->disp->max_height)
		return MODE_BAD_VVALUE;
	return MODE_OK;
}

/*
 * Scan the mode out of the scanout range: the plane's update has already
 * copied the whole framebuffer there (a mode set damages all of it).
 */
static void mvgpu_kms_crtc_atomic_enable(struct drm_crtc *crtc,
					 struct mvgpu_kms_atomic_state *state)
{
	struct mvgpu_kms *kms = to_kms(crtc->dev);
	const struct drm_display_mode *mode =
		&drm_atomic_get_new_crtc_state(state, crtc)->mode;
	u64 base = kms->disp->scanout_offset;
	u32 err;
	int idx;

	if (!drm_dev_enter(&kms->drm, &idx))
		return;
	mvgpu_kms_wr(kms, MVGPU_REG_DISP_FB_BASE_LO, lower_32_bits(base));
	mvgpu_kms_wr(kms, MVGPU_REG_DISP_FB_BASE_HI, upper_32_bits(base));
	mvgpu_kms_wr(kms, MVGPU_REG_DISP_FB_FORMAT, MVGPU_DISP_FORMAT_XRGB8888);
	mvgpu_kms_wr(kms, MVGPU_REG_DISP_FB_WIDTH, mode->hdisplay);
	mvgpu_kms_wr(kms, MVGPU_REG_DISP_FB_HEIGHT, mode->vdisplay);
	mvgpu_kms_wr(kms, MVGPU_REG_DISP_FB_STRIDE, mode->hdisplay * 4);
	mvgpu_kms_wr(kms, MVGPU_REG_DISP_CONTROL, MVGPU_DISP_CONTROL_ENABLE);
	err = mvgpu_kms_rd(kms, MVGPU_REG_DISP_ERROR);
	if (err)
		drm_err(&kms->drm, "the vGPU refused plane %ux%u at %#llx: DISP_ERROR %u\n",
			mode->hdisplay, mode->vdisplay, base, err);
	drm_dev_exit(idx);
}

static void mvgpu_kms_crtc_atomic_disable(struct drm_crtc *crtc,
					  struct mvgpu_kms_atomic_state *state)
{
	struct mvgpu_kms *kms = to_kms(crtc->dev);
	int idx;

	if (!drm_dev_enter(&kms->drm, &idx))
		return;
	mvgpu_kms_wr(kms, MVGPU_REG_DISP_CONTROL, 0);
	drm_dev_exit(idx);
}

static const struct drm_crtc_helper_funcs mvgpu_kms_crtc_helper = {
	.mode_valid = mvgpu_kms_crtc_mode_valid,
	.atomic_check = drm_crtc_helper_atomic_check,
	.atomic_enable = mvgpu_kms_crtc_atomic_enable,
	.atomic_disable = mvgpu_kms_crtc_atomic_disable,
};

static const struct drm_crtc_funcs mvgpu_kms_crtc_funcs = {
	.reset = drm_atomic_helper_crtc_reset,
	.destroy = drm_crtc_cleanup,
	.set_config = drm_atomic_helper_set_config,
	.page_flip = drm_atomic_helper_page_flip,
	.atomic_duplicate_state = drm_atomic_helper_crtc_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_crtc_destroy_state,
};

static const struct drm_encoder_funcs mvgpu_kms_encoder_funcs = {
	.destroy = drm_encoder_cleanup,
};

static const struct drm_mode_config_funcs mvgpu_kms_mode_config_funcs = {
	.fb_create = drm_gem_fb_create_with_dirty,
	.atomic_check = drm_atomic_helper_check,
	.atomic_commit = drm_atomic_helper_commit,
};

/* ---- the device -------------------------------------------------------- */

static void mvgpu_kms_hotplug_work(struct work_struct *work)
{
	struct mvgpu_kms *kms = container_of(work, struct mvgpu_kms,
					     hotplug_work);
	int idx;

	/* not once remove() has unplugged the device */
	if (!drm_dev_enter(&kms->drm, &idx))
		return;
	drm_kms_helper_hotplug_event(&kms->drm);
	drm_dev_exit(idx);
}

/* Interrupt context, under mvgpu_accel's display interrupt lock. */
static void mvgpu_kms_irq(void *priv, u32 status)
{
	struct mvgpu_kms *kms = priv;

	if (status & MVGPU_DISP_IRQ_HOTPLUG)
		schedule_work(&kms->hotplug_work);
}

/*
 * A device reset turns the head off and clears the VRAM: save the state
 * (the head off) before, and commit it again after, which sets the mode
 * and copies the whole framebuffer anew.
 */
static void mvgpu_kms_reset_prepare(void *priv)
{
	struct mvgpu_kms *kms = priv;

	kms->reset_suspended = !drm_mode_config_helper_suspend(&kms->drm);
}

static void mvgpu_kms_reset_done(void *priv)
{
	struct mvgpu_kms *kms = priv;

	if (kms->reset_suspended)
		drm_mode_config_helper_resume(&kms->drm);
	kms->reset_suspended = false;
}

static const struct mvgpu_accel_disp_ops mvgpu_kms_disp_ops = {
	.irq_mask = MVGPU_DISP_IRQ_HOTPLUG,
	.irq = mvgpu_kms_irq,
	.reset_prepare = mvgpu_kms_reset_prepare,
	.reset_done = mvgpu_kms_reset_done,
};

DEFINE_DRM_GEM_FOPS(mvgpu_kms_fops);

/*
 * A PRIME import maps the buffer for DMA: for the PCI function, which has
 * a DMA mask, not for the auxiliary device this DRM device sits on (it has
 * none, and mapping for it WARNs).
 */
static struct drm_gem_object *mvgpu_kms_prime_import(struct drm_device *drm,
						     struct dma_buf *buf)
{
	return drm_gem_prime_import_dev(drm, buf, drm->dev->parent);
}

static const struct drm_driver mvgpu_kms_drm_driver = {
	.driver_features = DRIVER_GEM | DRIVER_MODESET | DRIVER_ATOMIC,
	.fops = &mvgpu_kms_fops,
	/* DRM_GEM_SHMEM_DRIVER_OPS, with our import */
	.gem_prime_import = mvgpu_kms_prime_import,
	.gem_prime_import_sg_table = drm_gem_shmem_prime_import_sg_table,
	.dumb_create = drm_gem_shmem_dumb_create,
#ifdef MVGPU_HAVE_FBDEV_SHMEM_DRIVER_OPS
	DRM_FBDEV_SHMEM_DRIVER_OPS,
#endif
	.name = "mvgpu_kms",
	.desc = "mvgpu virtual GPU display",
	.major = 1,
	.minor = 0,
};

static int mvgpu_kms_modeset_init(struct mvgpu_kms *kms)
{
	struct drm_device *drm = &kms->drm;
	int ret;

	ret = drmm_mode_config_init(drm);
	if (ret)
		return ret;
	drm->mode_config.min_width = 1;
	drm->mode_config.min_height = 1;
	drm->mode_config.max_width = kms->disp->max_width;
	drm->mode_config.max_height = kms->disp->max_height;
	drm->mode_config.preferred_depth = 24;
	drm->mode_config.funcs = &mvgpu_kms_mode_config_funcs;

	ret = drm_universal_plane_init(drm, &kms->plane, 0,
				       &mvgpu_kms_plane_funcs,
				       mvgpu_kms_formats,
				       ARRAY_SIZE(mvgpu_kms_formats),
				       mvgpu_kms_modifiers,
				       DRM_PLANE_TYPE_PRIMARY, NULL);
	if (ret)
		return ret;
	drm_plane_helper_add(&kms->plane, &mvgpu_kms_plane_helper);
	drm_plane_enable_fb_damage_clips(&kms->plane);

	ret = drm_crtc_init_with_planes(drm, &kms->crtc, &kms->plane, NULL,
					&mvgpu_kms_crtc_funcs, NULL);
	if (ret)
		return ret;
	drm_crtc_helper_add(&kms->crtc, &mvgpu_kms_crtc_helper);

	ret = drm_encoder_init(drm, &kms->encoder, &mvgpu_kms_encoder_funcs,
			       DRM_MODE_ENCODER_VIRTUAL, NULL);
	if (ret)
		return ret;
	kms->encoder.possible_crtcs = drm_crtc_mask(&kms->crtc);

	ret = drm_connector_init(drm, &kms->connector,
				 &mvgpu_kms_connector_funcs,
				 DRM_MODE_CONNECTOR_VIRTUAL);
	if (ret)
		return ret;
	drm_connector_helper_add(&kms->connector, &mvgpu_kms_connector_helper);
	kms->connector.polled = DRM_CONNECTOR_POLL_HPD;
	ret = drm_connector_attach_encoder(&kms->connector, &kms->encoder);
	if (ret)
		return ret;

	drm_mode_config_reset(drm);
	return 0;
}

static int mvgpu_kms_probe(struct auxiliary_device *auxdev,
			   const struct auxiliary_device_id *id)
{
	struct mvgpu_accel_disp *disp =
		container_of(auxdev, struct mvgpu_accel_disp, auxdev);
	struct mvgpu_kms *kms;
	int ret;

	kms = devm_drm_dev_alloc(&auxdev->dev, &mvgpu_kms_drm_driver,
				 struct mvgpu_kms, drm);
	if (IS_ERR(kms))
		return PTR_ERR(kms);
	kms->disp = disp;
	INIT_WORK(&kms->hotplug_work, mvgpu_kms_hotplug_work);
	auxiliary_set_drvdata(auxdev, kms);

	ret = mvgpu_kms_modeset_init(kms);
	if (ret)
		return ret;
	/* The head off until the first mode set (mvgpu_accel reset it). */
	mvgpu_kms_wr(kms, MVGPU_REG_DISP_CONTROL, 0);
	ret = mvgpu_accel_disp_attach(disp, &mvgpu_kms_disp_ops, kms);
	if (ret) {
		drm_err(&kms->drm, "no scanout range of %llu KiB in VRAM (%d)\n",
			disp->scanout_size >> 10, ret);
		return ret;
	}
	ret = drm_dev_register(&kms->drm, 0);
	if (ret)
		goto err_detach;
	mvgpu_kms_fbdev_setup(&kms->drm);
	drm_info(&kms->drm, "display up to %ux%u, %llu KiB of VRAM at %#llx\n",
		 disp->max_width, disp->max_height, disp->scanout_size >> 10,
		 disp->scanout_offset);
	return 0;

err_detach:
	mvgpu_accel_disp_detach(disp);
	cancel_work_sync(&kms->hotplug_work);
	return ret;
}

static void mvgpu_kms_remove(struct auxiliary_device *auxdev)
{
	struct mvgpu_kms *kms = auxiliary_get_drvdata(auxdev);

	/* No commit reaches the device any more, then the head goes off. */
	drm_dev_unplug(&kms->drm);
	drm_atomic_helper_shutdown(&kms->drm);
	mvgpu_kms_wr(kms, MVGPU_REG_DISP_CONTROL, 0);
	/* Only then the scanout range goes back to mvgpu_accel. */
	mvgpu_accel_disp_detach(kms->disp);
	cancel_work_sync(&kms->hotplug_work);
}

static const struct auxiliary_device_id mvgpu_kms_ids[] = {
	{ .name = "mvgpu_accel." MVGPU_ACCEL_DISP_DEVNAME },
	{ }
};
MODULE_DEVICE_TABLE(auxiliary, mvgpu_kms_ids);

static struct auxiliary_driver mvgpu_kms_driver = {
	.name = "kms",
	.id_table = mvgpu_kms_ids,
	.probe = mvgpu_kms_probe,
	.remove = mvgpu_kms_remove,
};
module_auxiliary_driver(mvgpu_kms_driver);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Display driver for the mvgpu virtual GPU");

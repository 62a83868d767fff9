// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu mediator: the display head of a vGPU.
 *
 * The guest programs a plane in its own VRAM through the display registers
 * of BAR0 (Documentation/mvgpu/device.rst, "Display"); the VMM shows it
 * through VFIO's display interface: VFIO_DEVICE_QUERY_GFX_PLANE answers
 * with the plane, and the display region (index 9) is a read-only window
 * of the VRAM that starts at the plane's base. The monitor is the VMM's:
 * it sets it through the EDID region (index 10), and the guest reads that
 * EDID in BAR0.
 *
 * Nothing the head does touches guest memory or waits for the guest: a
 * commit checks the plane against the vGPU's VRAM (O(1)) and moves the
 * window, which zaps the VMM's mapping of it in the thread that wrote the
 * register; vblank interrupts come from a delayed work item at 60 Hz per
 * vGPU, only while the guest has them enabled and a plane is scanned out.
 *
 * Everything in struct mvgpu_display is this file's. The registers, the
 * guest's plane and the monitor are under the vGPU's @lock. What the VMM
 * sees (@shown: the plane query, the window's base) is a copy under the
 * display's own @lock, which mvgpu_display_sync() takes before the vGPU's
 * and holds while it zaps the window: the window's fault handler takes
 * the display's lock alone, under mmap_lock, and nothing holds the vGPU's
 * lock while it waits for the display's (design.rst, "Locking").
 */
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mvgpu_drv.h"

/* Modes a type may offer, largest first (device.rst, "Display"). */
static const struct {
	u32 width;
	u32 height;
} mvgpu_disp_modes[] = {
	{ 3840, 2160 }, { 2560, 1600 }, { 1920, 1200 }, { 1920, 1080 },
	{ 1280, 1024 }, { 1024, 768 }, { 800, 600 }, { 640, 480 },
};

#define MVGPU_DISP_BPP		4
#define MVGPU_DISP_ALIGN	4096
#define MVGPU_DISP_IRQ_ALL	(MVGPU_DISP_IRQ_VBLANK | MVGPU_DISP_IRQ_HOTPLUG)
/* The EDID region: struct vfio_region_gfx_edid, then the EDID. */
#define MVGPU_EDID_REGION_SIZE	0x400
#define MVGPU_EDID_BLOB_OFFSET	0x100
#define MVGPU_EDID_FIELDS_END	sizeof(struct vfio_region_gfx_edid)

static_assert(MVGPU_EDID_BLOB_OFFSET + MVGPU_DISP_EDID_MAX ==
	      MVGPU_EDID_REGION_SIZE);

/**
 * mvgpu_display_max() - the largest plane a vGPU of @vram_size may show
 * @vram_size: bytes of its VRAM
 * @width: set to the width, 0 when it has no display
 * @height: set to the height, 0 when it has no display
 *
 * The largest mode whose framebuffer fills at most half the VRAM; none
 * on hosts where the display region cannot be mapped (QEMU needs the
 * mapping) or whose pages are not 4 KiB.
 */
void mvgpu_display_max(u64 vram_size, u32 *width, u32 *height)
{
	unsigned int i;

	*width = 0;
	*height = 0;
	/* the window is mapped a page at a time from a 4 KiB aligned base */
	if (!MVGPU_VRAM_MMAP || PAGE_SIZE != SZ_4K)
		return;
	for (i = 0; i < ARRAY_SIZE(mvgpu_disp_modes); i++) {
		u64 fb = (u64)mvgpu_disp_modes[i].width *
			 mvgpu_disp_modes[i].height * MVGPU_DISP_BPP;

		if (fb <= vram_size / 2) {
			*width = mvgpu_disp_modes[i].width;
			*height = mvgpu_disp_modes[i].height;
			return;
		}
	}
}

/**
 * mvgpu_display_present() - does the vGPU have a display head?
 * @vgpu: the vGPU
 *
 * Return: true when its type has one on this host.
 */
bool mvgpu_display_present(const struct mvgpu_vgpu *vgpu)
{
	return vgpu->display.max_width;
}

static void mvgpu_display_vblank_work(struct work_struct *work);

/* The monitor as the VMM finds it: connected, no EDID, link up. */
static void mvgpu_display_monitor_reset(struct mvgpu_display *d)
{
	d->connected = true;
	d->edid_size = 0;
	memset(d->edid, 0, sizeof(d->edid));
	d->region_edid_size = 0;
	d->link_state = VFIO_DEVICE_GFX_LINK_STATE_UP;
	memset(d->region_edid, 0, sizeof(d->region_edid));
}

/**
 * mvgpu_display_init() - set up the display of a new vGPU
 * @vgpu: the vGPU, not visible to anyone yet; its VRAM size is set
 */
void mvgpu_display_init(struct mvgpu_vgpu *vgpu)
{
	struct mvgpu_display *d = &vgpu->display;

	mutex_init(&d->lock);
	INIT_DELAYED_WORK(&d->vblank_work, mvgpu_display_vblank_work);
	mvgpu_display_max(vgpu->vram_size, &d->max_width, &d->max_height);
	d->window = PAGE_ALIGN((u64)d->max_width * d->max_height *
			       MVGPU_DISP_BPP);
	mvgpu_display_monitor_reset(d);
}

/**
 * mvgpu_display_fini() - tear down the display of a vGPU being freed
 * @vgpu: the vGPU; closed, so no work item of its display is pending
 */
void mvgpu_display_fini(struct mvgpu_vgpu *vgpu)
{
	mutex_destroy(&vgpu->display.lock);
}

/* The plane the guest scans out from now on. Caller holds @vgpu->lock. */
static void mvgpu_display_scan(struct mvgpu_vgpu *vgpu, bool active,
			       const struct mvgpu_disp_plane *p)
{
	struct mvgpu_display *d = &vgpu->display;

	lockdep_assert_held(&vgpu->lock);
	d->active = active;
	if (p)
		d->scan = *p;
}

/* Is the vblank work item to run? Caller holds @vgpu->lock. */
static bool mvgpu_display_vblank_wanted(const struct mvgpu_vgpu *vgpu)
{
	const struct mvgpu_display *d = &vgpu->display;

	return d->active && (d->irq_mask & MVGPU_DISP_IRQ_VBLANK);
}

/* Vblanks in @ns of the device's clock (DISP_VBLANK_COUNT counts them). */
static u64 mvgpu_display_frames(u64 ns)
{
	return mul_u64_u32_div(ns, MVGPU_DISP_REFRESH_HZ, NSEC_PER_SEC);
}

/*
 * Jiffies from now to the next vblank: frames are counted on the device's
 * clock (DISP_VBLANK_COUNT), so the interrupts keep 60 Hz on average
 * whatever the tick. Caller holds @vgpu->lock (ts_base).
 */
static unsigned long mvgpu_display_next_vblank(struct mvgpu_vgpu *vgpu)
{
	u64 now = ktime_get_ns() - vgpu->ts_base;
	u64 frame = mvgpu_display_frames(now);
	u64 next = div_u64((frame + 1) * NSEC_PER_SEC, MVGPU_DISP_REFRESH_HZ);

	return max(1UL, nsecs_to_jiffies(next - now));
}

/* Start vblanks when they are wanted (the work item stops itself). */
static void mvgpu_display_vblank_arm(struct mvgpu_vgpu *vgpu)
{
	if (mvgpu_display_vblank_wanted(vgpu))
		schedule_delayed_work(&vgpu->display.vblank_work,
				      mvgpu_display_next_vblank(vgpu));
}

/*
 * A vblank: the interrupt, unless the vGPU is stopped for migration (then
 * the device does nothing; vblanks go on after it runs again).
 */
static void mvgpu_display_vblank_work(struct work_struct *work)
{
	struct mvgpu_vgpu *vgpu = container_of(to_delayed_work(work),
					       struct mvgpu_vgpu,
					       display.vblank_work);

	mutex_lock(&vgpu->lock);
	if (mvgpu_display_vblank_wanted(vgpu)) {
		if (!mvgpu_sched_frozen(vgpu)) {
			vgpu->display.irq_status |= MVGPU_DISP_IRQ_VBLANK;
			mvgpu_irq_update(vgpu, false);
		}
		mvgpu_display_vblank_arm(vgpu);
	}
	mutex_unlock(&vgpu->lock);
}

/**
 * mvgpu_display_reset() - the display registers at a reset
 * @vgpu: the vGPU; caller holds @vgpu->lock or owns it exclusively
 * @monitor: also the monitor (the VMM's, at open and close): connected,
 *	no EDID, the EDID region as at creation
 *
 * The head stops scanning out and the window goes back to VRAM offset 0
 * when the caller, having dropped @vgpu->lock, calls mvgpu_display_sync()
 * (mvgpu_vgpu_unlock() does).
 */
void mvgpu_display_reset(struct mvgpu_vgpu *vgpu, bool monitor)
{
	struct mvgpu_display *d = &vgpu->display;
	static const struct mvgpu_disp_plane none;

	memset(&d->prog, 0, sizeof(d->prog));
	d->control = 0;
	d->error = 0;
	d->irq_status = 0;
	d->irq_mask = 0;
	mvgpu_display_scan(vgpu, false, &none);
	if (monitor)
		mvgpu_display_monitor_reset(d);
}

/**
 * mvgpu_display_close() - stop the display's work, at close
 * @vgpu: the vGPU; caller holds none of its locks (the work takes @lock)
 *	and nothing can enable vblanks any more
 */
void mvgpu_display_close(struct mvgpu_vgpu *vgpu)
{
	cancel_delayed_work_sync(&vgpu->display.vblank_work);
}

/**
 * mvgpu_display_irq_pending() - is a display interrupt asserted?
 * @vgpu: the vGPU; caller holds @vgpu->lock
 *
 * Return: DISP_IRQ_STATUS & DISP_IRQ_MASK is not 0.
 */
bool mvgpu_display_irq_pending(const struct mvgpu_vgpu *vgpu)
{
	return vgpu->display.irq_status & vgpu->display.irq_mask;
}

/* Why @p cannot be scanned out, or MVGPU_DISP_ERR_NONE. */
static u32 mvgpu_display_check(const struct mvgpu_vgpu *vgpu,
			       const struct mvgpu_disp_plane *p)
{
	const struct mvgpu_display *d = &vgpu->display;
	u64 bytes = (u64)p->stride * p->height;

	if (p->format != MVGPU_DISP_FORMAT_XRGB8888)
		return MVGPU_DISP_ERR_FORMAT;
	if (!p->width || !p->height || p->width > d->max_width ||
	    p->height > d->max_height ||
	    bytes > (u64)d->max_width * d->max_height * MVGPU_DISP_BPP)
		return MVGPU_DISP_ERR_SIZE;
	if (p->stride < (u64)p->width * MVGPU_DISP_BPP || p->stride % 4 ||
	    p->stride > MVGPU_DISP_MAX_STRIDE)
		return MVGPU_DISP_ERR_STRIDE;
	if (p->base % MVGPU_DISP_ALIGN || p->base >= vgpu->vram_size ||
	    bytes > vgpu->vram_size - p->base)
		return MVGPU_DISP_ERR_BASE;
	return MVGPU_DISP_ERR_NONE;
}

/*
 * A write of DISP_CONTROL: commit the programmed plane. Return: the plane
 * changed (the VMM's view is to be synced).
 */
static bool mvgpu_display_commit(struct mvgpu_vgpu *vgpu, u32 val)
{
	struct mvgpu_display *d = &vgpu->display;

	d->control = val & MVGPU_DISP_CONTROL_ENABLE;
	if (!d->control) {
		d->error = MVGPU_DISP_ERR_NONE;
		mvgpu_display_scan(vgpu, false, NULL);
		return true;
	}
	d->error = mvgpu_display_check(vgpu, &d->prog);
	if (d->error)
		return false;
	mvgpu_display_scan(vgpu, true, &d->prog);
	mvgpu_display_vblank_arm(vgpu);
	return true;
}

/**
 * mvgpu_display_read() - read a display register
 * @vgpu: the vGPU; caller holds @vgpu->lock
 * @off: BAR0 offset, 4-byte aligned, in [MVGPU_DISP_BASE, MVGPU_CTX_BASE)
 *
 * Return: the register's value; 0 without a display.
 */
u32 mvgpu_display_read(struct mvgpu_vgpu *vgpu, unsigned int off)
{
	struct mvgpu_display *d = &vgpu->display;
	u32 word;

	if (!mvgpu_display_present(vgpu))
		return 0;
	if (off >= MVGPU_DISP_EDID &&
	    off < MVGPU_DISP_EDID + MVGPU_DISP_EDID_MAX) {
		memcpy(&word, d->edid + (off - MVGPU_DISP_EDID), sizeof(word));
		return le32_to_cpu((__force __le32)word);
	}
	switch (off) {
	case MVGPU_REG_DISP_MAX_WIDTH:
		return d->max_width;
	case MVGPU_REG_DISP_MAX_HEIGHT:
		return d->max_height;
	case MVGPU_REG_DISP_CONNECTOR:
		return d->connected ? MVGPU_DISP_CONN_CONNECTED : 0;
	case MVGPU_REG_DISP_EDID_SIZE:
		return d->edid_size;
	case MVGPU_REG_DISP_FB_BASE_LO:
		return lower_32_bits(d->prog.base);
	case MVGPU_REG_DISP_FB_BASE_HI:
		return upper_32_bits(d->prog.base);
	case MVGPU_REG_DISP_FB_FORMAT:
		return d->prog.format;
	case MVGPU_REG_DISP_FB_WIDTH:
		return d->prog.width;
	case MVGPU_REG_DISP_FB_HEIGHT:
		return d->prog.height;
	case MVGPU_REG_DISP_FB_STRIDE:
		return d->prog.stride;
	case MVGPU_REG_DISP_CONTROL:
		return d->control;
	case MVGPU_REG_DISP_STATUS:
		return d->active ? MVGPU_DISP_STATUS_ACTIVE : 0;
	case MVGPU_REG_DISP_ERROR:
		return d->error;
	case MVGPU_REG_DISP_VBLANK_COUNT:
		return mvgpu_display_frames(ktime_get_ns() - vgpu->ts_base);
	case MVGPU_REG_DISP_IRQ_STATUS:
		return d->irq_status;
	case MVGPU_REG_DISP_IRQ_MASK:
		return d->irq_mask;
	default:
		return 0;
	}
}

/**
 * mvgpu_display_write() - write a display register
 * @vgpu: the vGPU; caller holds @vgpu->lock
 * @off: BAR0 offset, 4-byte aligned, in [MVGPU_DISP_BASE, MVGPU_CTX_BASE)
 * @val: the value
 *
 * Return: true when the plane changed: the caller calls
 * mvgpu_display_sync() once it has dropped @vgpu->lock.
 */
bool mvgpu_display_write(struct mvgpu_vgpu *vgpu, unsigned int off, u32 val)
{
	struct mvgpu_display *d = &vgpu->display;

	if (!mvgpu_display_present(vgpu))
		return false;
	switch (off) {
	case MVGPU_REG_DISP_FB_BASE_LO:
		mvgpu_set_lo32(&d->prog.base, val);
		break;
	case MVGPU_REG_DISP_FB_BASE_HI:
		mvgpu_set_hi32(&d->prog.base, val);
		break;
	case MVGPU_REG_DISP_FB_FORMAT:
		d->prog.format = val;
		break;
	case MVGPU_REG_DISP_FB_WIDTH:
		d->prog.width = val;
		break;
	case MVGPU_REG_DISP_FB_HEIGHT:
		d->prog.height = val;
		break;
	case MVGPU_REG_DISP_FB_STRIDE:
		d->prog.stride = val;
		break;
	case MVGPU_REG_DISP_CONTROL:
		return mvgpu_display_commit(vgpu, val);
	case MVGPU_REG_DISP_IRQ_MASK:
		d->irq_mask = val & MVGPU_DISP_IRQ_ALL;
		mvgpu_irq_update(vgpu, false);
		mvgpu_display_vblank_arm(vgpu);
		break;
	case MVGPU_REG_DISP_IRQ_ACK:
		d->irq_status &= ~val;
		mvgpu_irq_update(vgpu, true);
		break;
	default:
		break;
	}
	return false;
}

/* Take away the VMM's mappings of the window (present only with them). */
static void mvgpu_display_zap(struct mvgpu_vgpu *vgpu)
{
#ifdef MVGPU_HAVE_VFIO_DEVICE_INODE
	unmap_mapping_range(vgpu->vdev.inode->i_mapping,
			    MVGPU_REGION_BASE(MVGPU_VFIO_REGION_DISPLAY),
			    vgpu->display.window, true);
#endif
}

/**
 * mvgpu_display_sync() - show the VMM the guest's plane, and move the
 *	display window to it
 * @vgpu: the vGPU
 *
 * Copies the guest's plane into what the plane query and the window show;
 * when the base moved, zaps the VMM's mappings of the window, so that
 * their next access maps the pages at the new base. Under the display's
 * lock: a fault that read the old base has inserted its entry before, and
 * the zap takes it away.
 *
 * Context: process context; caller holds none of the vGPU's locks (takes
 * the display's, then the vGPU's for a copy). May sleep.
 */
void mvgpu_display_sync(struct mvgpu_vgpu *vgpu)
{
	struct mvgpu_display *d = &vgpu->display;
	bool moved;

	if (!mvgpu_display_present(vgpu))
		return;
	mutex_lock(&d->lock);
	mutex_lock(&vgpu->lock);
	moved = d->shown.base != d->scan.base;
	d->shown = d->scan;
	d->shown_active = d->active;
	mutex_unlock(&vgpu->lock);
	if (moved)
		mvgpu_display_zap(vgpu);
	mutex_unlock(&d->lock);
}

/**
 * mvgpu_display_num_regions() - regions of the vGPU's VFIO device
 * @vgpu: the vGPU
 *
 * Return: VFIO_PCI_NUM_REGIONS, plus the display and EDID regions when it
 * has a display.
 */
unsigned int mvgpu_display_num_regions(const struct mvgpu_vgpu *vgpu)
{
	return mvgpu_display_present(vgpu) ? MVGPU_VFIO_REGION_EDID + 1 :
					     VFIO_PCI_NUM_REGIONS;
}

/**
 * mvgpu_display_region_info() - VFIO_DEVICE_GET_REGION_INFO of the display
 *	and EDID regions
 * @vgpu: the vGPU
 * @info: index set; every other field is filled in
 * @caps: the capability chain to add the region's type to
 *
 * Return: 0, -EINVAL for another index or without a display, or -ENOMEM.
 */
int mvgpu_display_region_info(struct mvgpu_vgpu *vgpu,
			      struct vfio_region_info *info,
			      struct vfio_info_cap *caps)
{
	struct vfio_region_info_cap_type cap = {
		.header.id = VFIO_REGION_INFO_CAP_TYPE,
		.header.version = 1,
	};

	if (!mvgpu_display_present(vgpu))
		return -EINVAL;
	info->offset = MVGPU_REGION_BASE(info->index);
	info->cap_offset = 0;
	switch (info->index) {
	case MVGPU_VFIO_REGION_DISPLAY:
		info->size = vgpu->display.window;
		info->flags = VFIO_REGION_INFO_FLAG_READ |
			      VFIO_REGION_INFO_FLAG_MMAP;
		cap.type = VFIO_REGION_TYPE_PCI_VENDOR_TYPE |
			   MVGPU_PCI_VENDOR_ID;
		cap.subtype = MVGPU_VFIO_SUBTYPE_DISPLAY;
		break;
	case MVGPU_VFIO_REGION_EDID:
		info->size = MVGPU_EDID_REGION_SIZE;
		info->flags = VFIO_REGION_INFO_FLAG_READ |
			      VFIO_REGION_INFO_FLAG_WRITE;
		cap.type = VFIO_REGION_TYPE_GFX;
		cap.subtype = VFIO_REGION_SUBTYPE_GFX_EDID;
		break;
	default:
		return -EINVAL;
	}
	return vfio_info_add_capability(caps, &cap.header, sizeof(cap));
}

/* Read of the display region: the VRAM at the window, read-only. */
static ssize_t mvgpu_display_window_read(struct mvgpu_vgpu *vgpu,
					 char __user *ubuf, size_t count,
					 u64 off)
{
	struct mvgpu_display *d = &vgpu->display;
	u64 base;

	if (off >= d->window)
		return -EINVAL;
	mutex_lock(&d->lock);
	base = d->shown.base;
	mutex_unlock(&d->lock);
	count = min_t(u64, count, d->window - off);
	if (base + off < vgpu->vram_size)
		/* cut short at the VRAM's end */
		return mvgpu_vram_access(vgpu, ubuf, count, base + off, false);
	/* the window's tail past the VRAM reads as zeroes */
	return clear_user(ubuf, count) ? -EFAULT : count;
}

/* A field of the EDID region written by the VMM. Caller holds @vgpu->lock. */
static int mvgpu_edid_field_write(struct mvgpu_vgpu *vgpu, unsigned int off,
				  u32 val)
{
	struct mvgpu_display *d = &vgpu->display;
	bool changed;

	switch (off) {
	case offsetof(struct vfio_region_gfx_edid, edid_size):
		if (val > MVGPU_DISP_EDID_MAX)
			return -EINVAL;
		d->region_edid_size = val;
		return 0;
	case offsetof(struct vfio_region_gfx_edid, link_state):
		break;
	default:
		return -EINVAL;
	}
	if (val == VFIO_DEVICE_GFX_LINK_STATE_UP) {
		/* what the guest sees changes: connection, size or bytes */
		changed = !d->connected || d->edid_size != d->region_edid_size ||
			  memcmp(d->edid, d->region_edid, d->edid_size);
		d->connected = true;
		d->edid_size = d->region_edid_size;
		memset(d->edid, 0, sizeof(d->edid));
		memcpy(d->edid, d->region_edid, d->edid_size);
	} else if (val == VFIO_DEVICE_GFX_LINK_STATE_DOWN) {
		changed = d->connected;
		d->connected = false;
		d->edid_size = 0;
		memset(d->edid, 0, sizeof(d->edid));
	} else {
		return -EINVAL;
	}
	d->link_state = val;
	if (changed) {
		d->irq_status |= MVGPU_DISP_IRQ_HOTPLUG;
		mvgpu_irq_update(vgpu, false);
	}
	return 0;
}

static u32 mvgpu_edid_field_read(struct mvgpu_vgpu *vgpu, unsigned int off)
{
	struct mvgpu_display *d = &vgpu->display;

	switch (off) {
	case offsetof(struct vfio_region_gfx_edid, edid_offset):
		return MVGPU_EDID_BLOB_OFFSET;
	case offsetof(struct vfio_region_gfx_edid, edid_max_size):
		return MVGPU_DISP_EDID_MAX;
	case offsetof(struct vfio_region_gfx_edid, edid_size):
		return d->region_edid_size;
	case offsetof(struct vfio_region_gfx_edid, max_xres):
		return d->max_width;
	case offsetof(struct vfio_region_gfx_edid, max_yres):
		return d->max_height;
	default:
		return d->link_state;
	}
}

/* A read or write of the EDID region (device.rst, "EDID region"). */
static ssize_t mvgpu_edid_access(struct mvgpu_vgpu *vgpu, char __user *ubuf,
				 size_t count, u64 off, bool write)
{
	struct mvgpu_display *d = &vgpu->display;
	u8 buf[MVGPU_DISP_EDID_MAX];
	int ret = 0;
	u32 val;

	if (off < MVGPU_EDID_FIELDS_END) {
		if (count != sizeof(u32) || off % sizeof(u32))
			return -EINVAL;
		if (write && copy_from_user(&val, ubuf, sizeof(val)))
			return -EFAULT;
		mutex_lock(&vgpu->lock);
		if (write)
			ret = mvgpu_edid_field_write(vgpu, off, val);
		else
			val = mvgpu_edid_field_read(vgpu, off);
		mutex_unlock(&vgpu->lock);
		if (ret)
			return ret;
		if (!write && copy_to_user(ubuf, &val, sizeof(val)))
			return -EFAULT;
		return sizeof(val);
	}
	if (off < MVGPU_EDID_BLOB_OFFSET || off >= MVGPU_EDID_REGION_SIZE)
		return -EINVAL;
	off -= MVGPU_EDID_BLOB_OFFSET;
	count = min_t(u64, count, MVGPU_DISP_EDID_MAX - off);
	if (write && copy_from_user(buf, ubuf, count))
		return -EFAULT;
	mutex_lock(&vgpu->lock);
	if (write)
		memcpy(d->region_edid + off, buf, count);
	else
		memcpy(buf, d->region_edid + off, count);
	mutex_unlock(&vgpu->lock);
	if (!write && copy_to_user(ubuf, buf, count))
		return -EFAULT;
	return count;
}

/**
 * mvgpu_display_access() - a read or write of the display or EDID region
 * @vgpu: the vGPU; caller holds none of its locks
 * @index: MVGPU_VFIO_REGION_DISPLAY or MVGPU_VFIO_REGION_EDID
 * @ubuf: the user's buffer
 * @count: bytes
 * @off: offset in the region
 * @write: a write, else a read
 *
 * Return: bytes done (a short count at the end), or -EINVAL (no display,
 * a write of the display region, an offset or size refused), -EFAULT or
 * -ENOMEM.
 */
ssize_t mvgpu_display_access(struct mvgpu_vgpu *vgpu, unsigned int index,
			     char __user *ubuf, size_t count, u64 off,
			     bool write)
{
	if (!mvgpu_display_present(vgpu))
		return -EINVAL;
	if (index == MVGPU_VFIO_REGION_EDID)
		return mvgpu_edid_access(vgpu, ubuf, count, off, write);
	if (write)
		return -EINVAL;
	return mvgpu_display_window_read(vgpu, ubuf, count, off);
}

static vm_fault_t mvgpu_display_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mvgpu_vgpu *vgpu = vma->vm_private_data;
	struct mvgpu_display *d = &vgpu->display;
	struct mvgpu_gpu *gpu = vgpu->gpu;
	u64 off = (u64)(vmf->pgoff - (MVGPU_REGION_BASE(MVGPU_VFIO_REGION_DISPLAY) >>
			      PAGE_SHIFT)) << PAGE_SHIFT;
	unsigned long pfn;
	vm_fault_t ret;

	/*
	 * Under the display's lock, so that a sync that moves the window
	 * waits for this entry to be in place and then zaps it.
	 */
	mutex_lock(&d->lock);
	if (off >= d->window) {
		ret = VM_FAULT_SIGBUS;
	} else if (d->shown.base + off >= vgpu->vram_size) {
		/*
		 * A plane near the VRAM's end leaves the window's tail past
		 * it: zeroes there (the mapping is never writable), so that
		 * a VMM reading its old surface after a flip gets no signal.
		 */
		ret = vmf_insert_pfn(vma, vmf->address,
				     page_to_pfn(ZERO_PAGE(vmf->address)));
	} else if (gpu->ops->vram_pfn(gpu->priv, vgpu->vram_offset +
				      d->shown.base + off, &pfn)) {
		ret = VM_FAULT_SIGBUS;
	} else {
		ret = vmf_insert_pfn(vma, vmf->address, pfn);
	}
	mutex_unlock(&d->lock);
	return ret;
}

static const struct vm_operations_struct mvgpu_display_vm_ops = {
	.fault = mvgpu_display_fault,
};

/**
 * mvgpu_display_mmap() - set up a user mapping of the display region
 * @vgpu: the vGPU
 * @vma: the new mapping of the vGPU's device file, at the display region
 *
 * Shared, read-only (never to become writable), within the region; pages
 * are mapped by the fault handler, as PFNs, from the window's base then.
 *
 * Return: 0 or -EINVAL.
 */
int mvgpu_display_mmap(struct mvgpu_vgpu *vgpu, struct vm_area_struct *vma)
{
	u64 off = MVGPU_REGION_OFFSET((u64)vma->vm_pgoff << PAGE_SHIFT);
	u64 len = vma->vm_end - vma->vm_start;

	if (!mvgpu_display_present(vgpu))
		return -EINVAL;
	if (!(vma->vm_flags & VM_SHARED) || (vma->vm_flags & VM_WRITE))
		return -EINVAL;
	if (off >= vgpu->display.window || len > vgpu->display.window - off)
		return -EINVAL;
	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vm_flags_clear(vma, VM_MAYWRITE);
	vma->vm_ops = &mvgpu_display_vm_ops;
	vma->vm_private_data = vgpu;
	return 0;
}

/**
 * mvgpu_display_query_plane() - VFIO_DEVICE_QUERY_GFX_PLANE
 * @vgpu: the vGPU
 * @arg: user pointer to struct vfio_device_gfx_plane_info
 *
 * Return: 0, -ENOTTY without a display, -EFAULT or -EINVAL
 * (device.rst, "VFIO interface").
 */
long mvgpu_display_query_plane(struct mvgpu_vgpu *vgpu, unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_gfx_plane_info,
					  region_index);
	struct mvgpu_display *d = &vgpu->display;
	struct vfio_device_gfx_plane_info plane;

	if (!mvgpu_display_present(vgpu))
		return -ENOTTY;
	if (copy_from_user(&plane, (void __user *)arg, minsz))
		return -EFAULT;
	if (plane.argsz < minsz)
		return -EINVAL;
	/* QEMU asks with plane type 0; 1 is DRM_PLANE_TYPE_PRIMARY */
	if (plane.drm_plane_type > 1)
		return -EINVAL;
	if (plane.flags & VFIO_GFX_PLANE_TYPE_PROBE)
		return plane.flags == (VFIO_GFX_PLANE_TYPE_PROBE |
				       VFIO_GFX_PLANE_TYPE_REGION) ? 0 : -EINVAL;
	if (plane.flags != VFIO_GFX_PLANE_TYPE_REGION)
		return -EINVAL;

	plane.drm_format_mod = 0;
	plane.x_pos = 0;
	plane.y_pos = 0;
	plane.x_hot = 0;
	plane.y_hot = 0;
	mutex_lock(&d->lock);
	if (d->shown_active) {
		plane.drm_format = d->shown.format;
		plane.width = d->shown.width;
		plane.height = d->shown.height;
		plane.stride = d->shown.stride;
		plane.size = PAGE_ALIGN((u64)d->shown.stride * d->shown.height);
		plane.region_index = MVGPU_VFIO_REGION_DISPLAY;
	} else {
		plane.drm_format = 0;
		plane.width = 0;
		plane.height = 0;
		plane.stride = 0;
		plane.size = 0;
		plane.region_index = 0;
	}
	mutex_unlock(&d->lock);
	return copy_to_user((void __user *)arg, &plane, minsz) ? -EFAULT : 0;
}

/**
 * mvgpu_display_save() - the display registers, for a migration DISPLAY
 *	record
 * @vgpu: the vGPU, frozen; caller holds @vgpu->lock
 * @md: the record
 *
 * The monitor is not sent: the destination's VMM sets its own.
 */
void mvgpu_display_save(struct mvgpu_vgpu *vgpu, struct mvgpu_mig_display *md)
{
	struct mvgpu_display *d = &vgpu->display;

	md->fb_base = cpu_to_le64(d->prog.base);
	md->fb_format = cpu_to_le32(d->prog.format);
	md->fb_width = cpu_to_le32(d->prog.width);
	md->fb_height = cpu_to_le32(d->prog.height);
	md->fb_stride = cpu_to_le32(d->prog.stride);
	md->control = cpu_to_le32(d->control);
	md->error = cpu_to_le32(d->error);
	md->scan_base = cpu_to_le64(d->scan.base);
	md->scan_format = cpu_to_le32(d->scan.format);
	md->scan_width = cpu_to_le32(d->scan.width);
	md->scan_height = cpu_to_le32(d->scan.height);
	md->scan_stride = cpu_to_le32(d->scan.stride);
	md->active = cpu_to_le32(d->active);
	md->irq_status = cpu_to_le32(d->irq_status);
	md->irq_mask = cpu_to_le32(d->irq_mask);
	md->flags = 0;
}

static void mvgpu_display_plane_from(struct mvgpu_disp_plane *p, __le64 base,
				     __le32 format, __le32 width,
				     __le32 height, __le32 stride)
{
	p->base = le64_to_cpu(base);
	p->format = le32_to_cpu(format);
	p->width = le32_to_cpu(width);
	p->height = le32_to_cpu(height);
	p->stride = le32_to_cpu(stride);
}

/**
 * mvgpu_display_valid() - may a received DISPLAY record be loaded?
 * @vgpu: the vGPU
 * @md: the record, not trusted
 *
 * Every value must be one the guest could have set: a plane scanned out
 * passes the checks of a commit, and the window's base is a page of the
 * VRAM.
 *
 * Return: true when it may.
 */
bool mvgpu_display_valid(struct mvgpu_vgpu *vgpu,
			 const struct mvgpu_mig_display *md)
{
	struct mvgpu_disp_plane scan;
	u32 active = le32_to_cpu(md->active);

	if (!mvgpu_display_present(vgpu) || active > 1 || md->flags ||
	    le32_to_cpu(md->control) & ~MVGPU_DISP_CONTROL_ENABLE ||
	    le32_to_cpu(md->error) > MVGPU_DISP_ERR_BASE ||
	    le32_to_cpu(md->irq_status) & ~MVGPU_DISP_IRQ_ALL ||
	    le32_to_cpu(md->irq_mask) & ~MVGPU_DISP_IRQ_ALL)
		return false;
	mvgpu_display_plane_from(&scan, md->scan_base, md->scan_format,
				 md->scan_width, md->scan_height,
				 md->scan_stride);
	if (active && mvgpu_display_check(vgpu, &scan))
		return false;
	return !(scan.base % MVGPU_DISP_ALIGN) && scan.base < vgpu->vram_size;
}

/**
 * mvgpu_display_load() - take the display registers from a DISPLAY record
 * @vgpu: the vGPU, frozen; caller holds @vgpu->lock and, once it dropped
 *	the lock, calls mvgpu_display_sync(); a pending interrupt is sent when
 *	the vGPU runs again
 * @md: the record, checked with mvgpu_display_valid()
 */
void mvgpu_display_load(struct mvgpu_vgpu *vgpu,
			const struct mvgpu_mig_display *md)
{
	struct mvgpu_display *d = &vgpu->display;
	struct mvgpu_disp_plane scan;

	mvgpu_display_plane_from(&scan, md->scan_base, md->scan_format,
				 md->scan_width, md->scan_height,
				 md->scan_stride);
	mvgpu_display_plane_from(&d->prog, md->fb_base, md->fb_format,
				 md->fb_width, md->fb_height, md->fb_stride);
	d->control = le32_to_cpu(md->control);
	d->error = le32_to_cpu(md->error);
	d->irq_status = le32_to_cpu(md->irq_status);
	d->irq_mask = le32_to_cpu(md->irq_mask);
	mvgpu_display_scan(vgpu, le32_to_cpu(md->active), &scan);
	mvgpu_display_vblank_arm(vgpu);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu-kms-draw: show a known pattern on a vGPU's display through its
 * KMS driver (mvgpu_kms.ko), for tests that compare it with what the host
 * sees; or print the vGPU's display registers.
 *
 *   mvgpu-kms-draw [-d /dev/dri/card0] [-p PATTERN] draw
 *	sets the connector's preferred mode (the first one without) on a
 *	dumb buffer holding PATTERN, prints the registers (as regs does)
 *	and "mvgpu-kms-draw: shown WxH pattern P", then waits for a line on
 *	standard input; a second line "flip Q" draws pattern Q into a second
 *	buffer, flips to it (DRM_IOCTL_MODE_PAGE_FLIP) and prints
 *	"mvgpu-kms-draw: flipped pattern Q"; end of input (or any other
 *	line) ends it, and the console comes back.
 *   mvgpu-kms-draw regs
 *	prints the DISP_* registers of the first mvgpu PCI function, read
 *	through its sysfs resource0, as "NAME=VALUE" (hexadecimal) lines.
 *
 * The patterns (mvgpu_kms_pattern() below, which tests recompute):
 * pattern P gives the pixel at (x, y) the colour
 * palette[(x / 64 + y / 64 + P) % 8], palette being black, red, green,
 * blue, yellow, magenta, cyan and white at full intensity, in that order.
 */
#include <drm.h>
#include <drm_mode.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/mvgpu.h>

#include "mvgpu_pci.h"

static const uint32_t palette[8] = {
	0x000000, 0xff0000, 0x00ff00, 0x0000ff,
	0xffff00, 0xff00ff, 0x00ffff, 0xffffff,
};

static uint32_t mvgpu_kms_pattern(unsigned int pattern, unsigned int x,
				  unsigned int y)
{
	return palette[(x / 64 + y / 64 + pattern) % 8];
}

static void die(const char *what)
{
	fprintf(stderr, "mvgpu-kms-draw: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret < 0 && (errno == EINTR || errno == EAGAIN));
	return ret;
}

struct fb {
	uint32_t handle, id, pitch;
	uint64_t size;
	uint32_t *map;
};

static void fb_new(int fd, struct fb *fb, unsigned int w, unsigned int h,
		   unsigned int pattern)
{
	struct drm_mode_create_dumb create = { .width = w, .height = h, .bpp = 32 };
	struct drm_mode_map_dumb map = { 0 };
	struct drm_mode_fb_cmd2 cmd = { .width = w, .height = h,
					.pixel_format = 0x34325258 /* XR24 */ };
	unsigned int x, y;

	if (xioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create))
		die("CREATE_DUMB");
	fb->handle = create.handle;
	fb->pitch = create.pitch;
	fb->size = create.size;
	map.handle = fb->handle;
	if (xioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map))
		die("MAP_DUMB");
	fb->map = mmap(NULL, fb->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       map.offset);
	if (fb->map == MAP_FAILED)
		die("mmap");
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			fb->map[y * (fb->pitch / 4) + x] =
				mvgpu_kms_pattern(pattern, x, y);
	cmd.handles[0] = fb->handle;
	cmd.pitches[0] = fb->pitch;
	if (xioctl(fd, DRM_IOCTL_MODE_ADDFB2, &cmd))
		die("ADDFB2");
	fb->id = cmd.fb_id;
}

/* The first connected connector, its encoder's CRTC and its mode. */
static void find_output(int fd, uint32_t *conn_id, uint32_t *crtc_id,
			struct drm_mode_modeinfo *mode)
{
	struct drm_mode_card_res res = { 0 };
	uint32_t conns[8], crtcs[8], encs[8];
	unsigned int i, j;

	if (xioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &res))
		die("GETRESOURCES");
	if (res.count_connectors > 8 || res.count_crtcs > 8 || res.count_encoders > 8) {
		errno = E2BIG;
		die("GETRESOURCES");
	}
	res.connector_id_ptr = (uintptr_t)conns;
	res.crtc_id_ptr = (uintptr_t)crtcs;
	res.encoder_id_ptr = (uintptr_t)encs;
	res.count_fbs = 0;
	if (xioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &res))
		die("GETRESOURCES");
	for (i = 0; i < res.count_connectors; i++) {
		struct drm_mode_get_connector c = { .connector_id = conns[i] };
		struct drm_mode_modeinfo *modes;
		uint32_t enc_ids[8];
		struct drm_mode_get_encoder e = { 0 };

		if (xioctl(fd, DRM_IOCTL_MODE_GETCONNECTOR, &c))
			die("GETCONNECTOR");
		if (c.connection != 1 || !c.count_modes || !c.count_encoders)
			continue;
		modes = calloc(c.count_modes, sizeof(*modes));
		if (!modes)
			die("calloc");
		c.modes_ptr = (uintptr_t)modes;
		c.encoders_ptr = (uintptr_t)enc_ids;
		c.count_encoders = c.count_encoders > 8 ? 8 : c.count_encoders;
		c.count_props = 0;
		if (xioctl(fd, DRM_IOCTL_MODE_GETCONNECTOR, &c))
			die("GETCONNECTOR");
		*mode = modes[0];
		for (j = 0; j < c.count_modes; j++)
			if (modes[j].type & DRM_MODE_TYPE_PREFERRED) {
				*mode = modes[j];
				break;
			}
		free(modes);
		e.encoder_id = enc_ids[0];
		if (xioctl(fd, DRM_IOCTL_MODE_GETENCODER, &e))
			die("GETENCODER");
		for (j = 0; j < res.count_crtcs; j++)
			if (e.possible_crtcs & (1u << j))
				break;
		if (j == res.count_crtcs)
			continue;
		*conn_id = conns[i];
		*crtc_id = crtcs[j];
		return;
	}
	fprintf(stderr, "mvgpu-kms-draw: no connected connector\n");
	exit(1);
}

static int regs(void);

static int draw(const char *dev, unsigned int pattern)
{
	struct drm_mode_modeinfo mode;
	struct drm_mode_crtc crtc = { 0 };
	uint32_t conn_id, crtc_id;
	struct fb fb[2];
	char line[64];
	unsigned int next;
	int fd;

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die(dev);
	find_output(fd, &conn_id, &crtc_id, &mode);
	fb_new(fd, &fb[0], mode.hdisplay, mode.vdisplay, pattern);
	crtc.crtc_id = crtc_id;
	crtc.fb_id = fb[0].id;
	crtc.set_connectors_ptr = (uintptr_t)&conn_id;
	crtc.count_connectors = 1;
	crtc.mode = mode;
	crtc.mode_valid = 1;
	if (xioctl(fd, DRM_IOCTL_MODE_SETCRTC, &crtc))
		die("SETCRTC");
	regs();
	printf("mvgpu-kms-draw: shown %ux%u pattern %u\n", mode.hdisplay,
	       mode.vdisplay, pattern);
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin) &&
	       sscanf(line, "flip %u", &next) == 1) {
		struct drm_mode_crtc_page_flip flip = { .crtc_id = crtc_id };

		fb_new(fd, &fb[1], mode.hdisplay, mode.vdisplay, next);
		flip.fb_id = fb[1].id;
		if (xioctl(fd, DRM_IOCTL_MODE_PAGE_FLIP, &flip))
			die("PAGE_FLIP");
		printf("mvgpu-kms-draw: flipped pattern %u\n", next);
		fflush(stdout);
	}
	close(fd);
	return 0;
}

/* The first mvgpu PCI function's BAR0, mapped read-only through sysfs. */
static volatile uint32_t *map_bar0(void)
{
	char dev[512];
	size_t len;
	void *p;

	if (mvgpu_pci_find(dev, sizeof(dev))) {
		fprintf(stderr, "mvgpu-kms-draw: no mvgpu PCI function\n");
		exit(1);
	}
	p = mvgpu_pci_map(dev, MVGPU_BAR_MMIO, PROT_READ, &len);
	if (!p)
		exit(1);
	return p;
}

static int regs(void)
{
	static const struct { const char *name; uint32_t off; } r[] = {
		{ "CAPS", MVGPU_REG_CAPS },
		{ "DISP_MAX_WIDTH", MVGPU_REG_DISP_MAX_WIDTH },
		{ "DISP_MAX_HEIGHT", MVGPU_REG_DISP_MAX_HEIGHT },
		{ "DISP_CONNECTOR", MVGPU_REG_DISP_CONNECTOR },
		{ "DISP_EDID_SIZE", MVGPU_REG_DISP_EDID_SIZE },
		{ "DISP_FB_BASE_LO", MVGPU_REG_DISP_FB_BASE_LO },
		{ "DISP_FB_BASE_HI", MVGPU_REG_DISP_FB_BASE_HI },
		{ "DISP_FB_FORMAT", MVGPU_REG_DISP_FB_FORMAT },
		{ "DISP_FB_WIDTH", MVGPU_REG_DISP_FB_WIDTH },
		{ "DISP_FB_HEIGHT", MVGPU_REG_DISP_FB_HEIGHT },
		{ "DISP_FB_STRIDE", MVGPU_REG_DISP_FB_STRIDE },
		{ "DISP_CONTROL", MVGPU_REG_DISP_CONTROL },
		{ "DISP_STATUS", MVGPU_REG_DISP_STATUS },
		{ "DISP_ERROR", MVGPU_REG_DISP_ERROR },
		{ "DISP_IRQ_MASK", MVGPU_REG_DISP_IRQ_MASK },
	};
	volatile uint32_t *bar0 = map_bar0();
	unsigned int i;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		printf("%s=0x%x\n", r[i].name, bar0[r[i].off / 4]);
	return 0;
}

int main(int argc, char **argv)
{
	const char *dev = "/dev/dri/card0";
	unsigned int pattern = 0;
	int opt;

	while ((opt = getopt(argc, argv, "d:p:")) != -1) {
		switch (opt) {
		case 'd':
			dev = optarg;
			break;
		case 'p':
			pattern = strtoul(optarg, NULL, 0);
			break;
		default:
			goto usage;
		}
	}
	if (optind + 1 == argc && !strcmp(argv[optind], "draw"))
		return draw(dev, pattern);
	if (optind + 1 == argc && !strcmp(argv[optind], "regs"))
		return regs();
usage:
	fprintf(stderr, "usage: mvgpu-kms-draw [-d DEV] [-p PATTERN] draw | regs\n");
	return 2;
}

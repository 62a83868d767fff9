// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu-disp: program an mvgpu vGPU's display head from inside a VM, with
 * no driver bound to the device: through its PCI resource files in sysfs.
 * For tests of the host's display path (QEMU's display, screendump).
 *
 *   mvgpu-disp [-d PCIDEV] info
 *   mvgpu-disp [-d PCIDEV] draw BASE WIDTH HEIGHT PATTERN
 *   mvgpu-disp [-d PCIDEV] off
 *
 * PCIDEV is a directory under /sys/bus/pci/devices (default: the first
 * 1b36:10f0 function). draw fills WIDTH x HEIGHT XRGB8888 pixels at VRAM
 * offset BASE (stride WIDTH * 4) with PATTERN 0 or 1, four quadrants of
 * one colour each (quad[] below), then commits that plane and
 * prints
 *
 *   mvgpu-disp: active base=0x100000 1024x768 stride=4096
 *
 * or the device's DISP_ERROR. Exit status 0 on success.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/mvgpu.h>

#include "mvgpu_pci.h"

/* The colours of pattern @pattern's quadrants: TL, TR, BL, BR. */
static const uint32_t quad[2][4] = {
	{ 0x00ff0000, 0x0000ff00, 0x000000ff, 0x00ffffff },
	{ 0x00ffff00, 0x0000ffff, 0x00ff00ff, 0x00808080 },
};

static volatile uint32_t *bar0;

static uint32_t rd(uint32_t off)
{
	return bar0[off / 4];
}

static void wr(uint32_t off, uint32_t val)
{
	bar0[off / 4] = val;
}

static int info(void)
{
	printf("mvgpu-disp: caps=0x%x max=%ux%u connector=%u edid=%u status=%u error=%u\n",
	       rd(MVGPU_REG_CAPS), rd(MVGPU_REG_DISP_MAX_WIDTH),
	       rd(MVGPU_REG_DISP_MAX_HEIGHT), rd(MVGPU_REG_DISP_CONNECTOR),
	       rd(MVGPU_REG_DISP_EDID_SIZE), rd(MVGPU_REG_DISP_STATUS),
	       rd(MVGPU_REG_DISP_ERROR));
	return !(rd(MVGPU_REG_CAPS) & MVGPU_CAP_DISPLAY);
}

static int draw(const char *dev, uint64_t base, uint32_t w, uint32_t h,
		unsigned int pattern)
{
	uint32_t stride = w * 4, x, y, err;
	volatile uint32_t *px;
	size_t vram_len;
	uint8_t *vram;

	if (pattern > 1) {
		fprintf(stderr, "mvgpu-disp: pattern is 0 or 1\n");
		return 1;
	}
	vram = mvgpu_pci_map(dev, MVGPU_BAR_VRAM, PROT_READ | PROT_WRITE,
			     &vram_len);
	if (!vram)
		return 1;
	if (base > vram_len || (uint64_t)stride * h > vram_len - base) {
		fprintf(stderr, "mvgpu-disp: %ux%u at 0x%llx is past the VRAM (%zu bytes)\n",
			w, h, (unsigned long long)base, vram_len);
		return 1;
	}
	for (y = 0; y < h; y++) {
		px = (volatile uint32_t *)(vram + base + (uint64_t)y * stride);
		for (x = 0; x < w; x++)
			px[x] = quad[pattern][(y >= h / 2) * 2 + (x >= w / 2)];
	}
	munmap(vram, vram_len);

	wr(MVGPU_REG_DISP_FB_BASE_LO, (uint32_t)base);
	wr(MVGPU_REG_DISP_FB_BASE_HI, (uint32_t)(base >> 32));
	wr(MVGPU_REG_DISP_FB_FORMAT, MVGPU_DISP_FORMAT_XRGB8888);
	wr(MVGPU_REG_DISP_FB_WIDTH, w);
	wr(MVGPU_REG_DISP_FB_HEIGHT, h);
	wr(MVGPU_REG_DISP_FB_STRIDE, stride);
	wr(MVGPU_REG_DISP_CONTROL, MVGPU_DISP_CONTROL_ENABLE);
	err = rd(MVGPU_REG_DISP_ERROR);
	if (err || !(rd(MVGPU_REG_DISP_STATUS) & MVGPU_DISP_STATUS_ACTIVE)) {
		printf("mvgpu-disp: refused error=%u\n", err);
		return 1;
	}
	printf("mvgpu-disp: active base=0x%llx %ux%u stride=%u\n",
	       (unsigned long long)base, w, h, stride);
	return 0;
}

int main(int argc, char **argv)
{
	char dev[512] = "";
	size_t bar0_len;
	int opt;

	while ((opt = getopt(argc, argv, "d:")) != -1) {
		if (opt != 'd')
			goto usage;
		snprintf(dev, sizeof(dev), "%s", optarg);
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		goto usage;
	if (!dev[0] && mvgpu_pci_find(dev, sizeof(dev))) {
		fprintf(stderr, "mvgpu-disp: no mvgpu vGPU on the PCI bus\n");
		return 1;
	}
	bar0 = mvgpu_pci_map(dev, MVGPU_BAR_MMIO, PROT_READ | PROT_WRITE,
			     &bar0_len);
	if (!bar0)
		return 1;
	if (rd(MVGPU_REG_ID) != MVGPU_ID_MAGIC) {
		fprintf(stderr, "mvgpu-disp: %s is no mvgpu vGPU\n", dev);
		return 1;
	}
	if (!strcmp(argv[0], "info"))
		return info();
	if (!strcmp(argv[0], "off")) {
		wr(MVGPU_REG_DISP_CONTROL, 0);
		printf("mvgpu-disp: off status=%u\n", rd(MVGPU_REG_DISP_STATUS));
		return 0;
	}
	if (!strcmp(argv[0], "draw") && argc == 5)
		return draw(dev, strtoull(argv[1], NULL, 0),
			    strtoul(argv[2], NULL, 0), strtoul(argv[3], NULL, 0),
			    strtoul(argv[4], NULL, 0));
usage:
	fprintf(stderr, "usage: mvgpu-disp [-d PCIDEV] info | draw BASE WIDTH HEIGHT PATTERN | off\n");
	return 1;
}

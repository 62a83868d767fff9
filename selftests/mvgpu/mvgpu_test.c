// SPDX-License-Identifier: GPL-2.0
/*
 * Shared helpers of the mvgpu selftests.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "mvgpu_test.h"

const struct mt_type mt_types[MT_NR_TYPES] = {
	{ "mvgpu-1_8", "mvgpu-1_8", 8, 8, 4 },
	{ "mvgpu-1_4", "mvgpu-1_4", 16, 16, 8 },
	{ "mvgpu-1_2", "mvgpu-1_2", 32, 32, 16 },
	{ "mvgpu-1_1", "mvgpu-1_1", 64, 64, 16 },
	{ "mvgpu-1_16", "mvgpu-1_16", 4, 4, 4 },
	{ "mvgpu-1_32", "mvgpu-1_32", 2, 2, 2 },
	{ "mvgpu-1_64", "mvgpu-1_64", 1, 1, 2 },
};

void mt_vgpu_init(struct mt_vgpu *v)
{
	memset(v, 0, sizeof(*v));
	v->dev.container = -1;
	v->dev.group = -1;
	v->dev.device = -1;
	v->dev.group_id = -1;
}

int mt_vgpu_create(struct mt_vgpu *v, const char *parent,
		   const struct mt_type *type)
{
	int ret;

	mt_vgpu_init(v);
	ret = libmvgpu_mdev_create(parent, type->dir, v->uuid);
	if (!ret)
		v->created = true;
	return ret;
}

int mt_vgpu_open(struct mt_vgpu *v)
{
	return libmvgpu_open(&v->dev, v->uuid);
}

int mt_vgpu_create_open(struct mt_vgpu *v, const char *parent,
			const struct mt_type *type)
{
	int ret = mt_vgpu_create(v, parent, type);

	return ret ? ret : mt_vgpu_open(v);
}

int mt_vgpu_destroy(struct mt_vgpu *v)
{
	int ret = 0;

	libmvgpu_close(&v->dev);
	if (v->created) {
		ret = libmvgpu_mdev_remove(v->uuid);
		if (!ret || ret == -ENOENT)
			v->created = false;
	}
	return ret;
}

int mt_vgpu_unmap_destroy(struct mt_vgpu *v, void *map, size_t len)
{
	if (map != MAP_FAILED)
		munmap(map, len);
	return mt_vgpu_destroy(v);
}

int mt_vgpu_fixture_up(struct mt_vgpu *v, const char *parent,
		       const struct mt_type *type, char *msg, size_t len)
{
	int ret;

	mt_vgpu_init(v);
	ret = mt_check_state(msg, len);
	if (ret)
		return ret;
	ret = mt_vgpu_create_open(v, parent, type);
	if (ret)
		snprintf(msg, len, "create/open: %s", strerror(-ret));
	return ret;
}

int mt_fixture_eventfd(char *msg, size_t len)
{
	int efd = libmvgpu_eventfd();

	if (efd < 0)
		snprintf(msg, len, "eventfd: %s", strerror(-efd));
	return efd;
}

static int count_cb(const char *name, void *arg)
{
	(void)name;
	(*(int *)arg)++;
	return 0;
}

int mt_dir_count(const char *dir)
{
	int n = 0, ret;

	ret = libmvgpu_dir_walk(dir, count_cb, &n);
	return ret ? ret : n;
}

int mt_check_state(char *msg, size_t len)
{
	static const char * const parents[] = { MT_PARENT0, MT_PARENT1 };
	uint64_t total;
	size_t i;
	int ret;

	for (i = 0; i < MT_ARRAY_SIZE(parents); i++) {
		ret = libmvgpu_parent_read_u64(parents[i], "vram_total", &total);
		if (ret) {
			snprintf(msg, len,
				 "%s/vram_total: %s (load mvgpu_sim vram_mb=128)",
				 parents[i], strerror(-ret));
			return ret;
		}
		if (total != MT_VRAM_TOTAL) {
			snprintf(msg, len, "%s: vram_total %llu, want %llu (vram_mb=128)",
				 parents[i], (unsigned long long)total,
				 MT_VRAM_TOTAL);
			return -EINVAL;
		}
	}
	ret = mt_dir_count(LIBMVGPU_SYSFS_MDEV_DEVS);
	if (ret < 0 && ret != -ENOENT) {
		snprintf(msg, len, "%s: %s", LIBMVGPU_SYSFS_MDEV_DEVS,
			 strerror(-ret));
		return ret;
	}
	if (ret > 0) {
		snprintf(msg, len, "%d mdev(s) already present", ret);
		return -EBUSY;
	}
	return 0;
}

int mt_meminfo_kb(const char *key, uint64_t *kb)
{
	char line[256];
	size_t klen = strlen(key);
	unsigned long long v;
	FILE *f;
	int ret = -ENOENT;

	f = fopen("/proc/meminfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) || line[klen] != ':')
			continue;
		if (sscanf(line + klen + 1, "%llu", &v) == 1) {
			*kb = v;
			ret = 0;
		} else {
			ret = -EINVAL;
		}
		break;
	}
	fclose(f);
	return ret;
}

static uint32_t pattern_word(uint64_t word, uint32_t seed)
{
	uint64_t x = (word + 1) * 0x9e3779b97f4a7c15ull ^ seed;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 32;
	/* never zero, so a zeroed page never matches a pattern */
	return (uint32_t)x | 1;
}

void mt_pattern_fill(void *buf, size_t len, uint64_t off, uint32_t seed)
{
	uint32_t *p = buf;
	size_t i;

	for (i = 0; i < len / 4; i++)
		p[i] = pattern_word(off / 4 + i, seed);
}

long long mt_pattern_check(const void *buf, size_t len, uint64_t off,
			   uint32_t seed)
{
	const uint32_t *p = buf;
	size_t i;

	for (i = 0; i < len / 4; i++)
		if (p[i] != pattern_word(off / 4 + i, seed))
			return (long long)i * 4;
	return -1;
}

long long mt_find_nonzero(const void *buf, size_t len)
{
	const uint64_t *p = buf;
	const uint8_t *b = buf;
	size_t i;

	for (i = 0; i < len / 8; i++) {
		if (p[i]) {
			for (i *= 8; !b[i]; i++)
				;
			return (long long)i;
		}
	}
	for (i = len & ~7ul; i < len; i++)
		if (b[i])
			return (long long)i;
	return -1;
}

uint64_t mt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

void *mt_holder_fn(void *arg)
{
	struct mt_holder *h = arg;
	uint64_t count;
	int ret;

	while (h->fired < (uint64_t)h->want) {
		ret = libmvgpu_eventfd_wait(h->efd, MT_HOLDER_GIVE_UP_MS, &count);
		if (ret != 1) {
			h->err = ret ? ret : -ETIMEDOUT;
			break;
		}
		h->fired += count;
	}
	/*
	 * Let go in any case, so that nothing hangs. The time is taken
	 * before the close: once the device is closed the remove may
	 * return, and its thread read the clock, before this one runs again.
	 */
	h->closed_ms = mt_now_ms();
	if (h->map)
		munmap(h->map, h->len);
	libmvgpu_close_device(&h->v->dev);
	return NULL;
}

int mt_has_mig_data_size(struct libmvgpu_dev *dev)
{
	struct vfio_device_feature f = {
		.argsz = sizeof(f),
		.flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET |
			 VFIO_DEVICE_FEATURE_MIG_DATA_SIZE,
	};

	if (!ioctl(dev->device, VFIO_DEVICE_FEATURE, &f))
		return 1;
	return errno == ENOTTY ? 0 : -errno;
}

int mt_has_dma_logging(struct libmvgpu_dev *dev)
{
	struct vfio_device_feature f = {
		.argsz = sizeof(f),
		.flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET |
			 VFIO_DEVICE_FEATURE_DMA_LOGGING_START,
	};

	if (!ioctl(dev->device, VFIO_DEVICE_FEATURE, &f))
		return 1;
	return errno == ENOTTY ? 0 : -errno;
}

int mt_has_precopy(struct libmvgpu_dev *dev)
{
	int ret, kernel = mt_has_mig_data_size(dev);
	uint64_t flags;

	if (kernel < 0)
		return kernel;
	ret = libmvgpu_mig_flags(dev, &flags);
	if (ret)
		return ret;
	ret = !!(flags & VFIO_MIGRATION_PRE_COPY);
	return ret == kernel ? ret : -EPROTO;
}

/* vfio_main.c's since 6.10, when vfio device files got their own inode */
#define VFIO_INODE_SYM	"vfio_fs_init_fs_context"

int mt_kernel_vfio_inode(void)
{
	static int have = -1;
	char line[256];
	FILE *f;

	if (have >= 0)
		return have;
	f = fopen("/proc/kallsyms", "r");
	if (!f)
		return -errno;
	have = 0;
	while (!have && fgets(line, sizeof(line), f)) {
		/* "address type name" and, for a module, "\t[module]" */
		char *p = strstr(line, " " VFIO_INODE_SYM);

		if (p)
			p += 1 + strlen(VFIO_INODE_SYM);
		have = p && (*p == '\t' || *p == '\n');
	}
	fclose(f);
	return have;
}

int mt_bar2_mmap(struct libmvgpu_dev *dev)
{
	int ret, kernel = mt_kernel_vfio_inode();

	if (kernel < 0)
		return kernel;
	ret = libmvgpu_region_mmappable(dev, VFIO_PCI_BAR2_REGION_INDEX);
	if (ret < 0)
		return ret;
	return ret == kernel ? ret : -EPROTO;
}

int mt_vram_get(struct mt_vram *m, struct libmvgpu_dev *dev)
{
	struct vfio_region_info info;
	int ret;

	memset(m, 0, sizeof(*m));
	m->dev = dev;
	ret = mt_bar2_mmap(dev);
	if (ret < 0)
		return ret;
	if (ret) {
		void *p = libmvgpu_region_mmap(dev, VFIO_PCI_BAR2_REGION_INDEX,
					       &m->len);

		if (p == MAP_FAILED)
			return -errno;
		m->p = p;
		return 0;
	}
	ret = libmvgpu_region_info(dev, VFIO_PCI_BAR2_REGION_INDEX, &info);
	if (ret)
		return ret;
	m->len = info.size;
	m->p = calloc(1, m->len);
	if (!m->p)
		return -ENOMEM;
	m->copy = true;
	return 0;
}

int mt_vram_pull(struct mt_vram *m)
{
	if (!m->copy)
		return 0;
	return libmvgpu_region_read_all(m->dev, VFIO_PCI_BAR2_REGION_INDEX, 0,
					m->p, m->len);
}

int mt_vram_push(struct mt_vram *m)
{
	if (!m->copy)
		return 0;
	return libmvgpu_region_write_all(m->dev, VFIO_PCI_BAR2_REGION_INDEX,
					 0, m->p, m->len);
}

void mt_vram_put(struct mt_vram *m)
{
	if (m->p && m->copy)
		free(m->p);
	else if (m->p)
		munmap(m->p, m->len);
	m->p = NULL;
	m->copy = false;
}

int mt_devinfo_size(struct libmvgpu_dev *dev)
{
	uint8_t buf[64];
	uint32_t argsz = sizeof(buf);
	int n;

	memset(buf, 0xa5, sizeof(buf));
	memcpy(buf, &argsz, sizeof(argsz));
	if (ioctl(dev->device, VFIO_DEVICE_GET_INFO, buf))
		return -errno;
	/* the kernel zeroes what it does not fill: the last byte it wrote */
	for (n = sizeof(buf); n > 16 && buf[n - 1] == 0xa5; n--)
		;
	return n;
}

int mt_display_of(const char *parent, const struct mt_type *type,
		  uint32_t *w, uint32_t *h)
{
	char desc[512];
	const char *line;
	unsigned int a, b;
	int ret;

	*w = 0;
	*h = 0;
	ret = libmvgpu_type_read_str(parent, type->dir, "description", desc,
				     sizeof(desc));
	if (ret)
		return ret;
	line = strstr(desc, "display: ");
	if (!line || (line != desc && line[-1] != '\n'))
		return -EPROTO;
	line += strlen("display: ");
	/* (the library strips the description's last newline) */
	if (!strncmp(line, "none", 4) && (line[4] == '\n' || !line[4]))
		return 0;
	if (sscanf(line, "%ux%u", &a, &b) != 2 || !a || !b)
		return -EPROTO;
	*w = a;
	*h = b;
	return 0;
}

void mt_display_rule(uint64_t vram, bool bar2_mmap, uint32_t *w, uint32_t *h)
{
	static const uint32_t modes[][2] = {
		{ 3840, 2160 }, { 2560, 1600 }, { 1920, 1200 }, { 1920, 1080 },
		{ 1280, 1024 }, { 1024, 768 }, { 800, 600 }, { 640, 480 },
	};
	size_t i;

	*w = 0;
	*h = 0;
	if (!bar2_mmap)
		return;
	for (i = 0; i < MT_ARRAY_SIZE(modes); i++) {
		if ((uint64_t)modes[i][0] * modes[i][1] * 4 <= vram / 2) {
			*w = modes[i][0];
			*h = modes[i][1];
			return;
		}
	}
}

uint64_t mt_display_window(uint32_t w, uint32_t h)
{
	return ((uint64_t)w * h * 4 + 4095) & ~4095ull;
}

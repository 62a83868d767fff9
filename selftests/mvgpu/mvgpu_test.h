/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the mvgpu selftests.
 *
 * The tests expect the standard VM state: vfio_iommu_type1 loaded,
 * "mvgpu_sim vram_mb=128" loaded and no mdev present.
 */
#ifndef MVGPU_TEST_H
#define MVGPU_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/mvgpu.h>
#include "lib/mvgpu_vfio.h"

#define MT_PARENT0		"mvgpu0"
#define MT_PARENT1		"mvgpu1"
#define MT_VRAM_TOTAL		(128ull << 20)	/* vram_mb=128 */
#define MT_NR_TYPES		7

#define MT_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct mt_type {
	const char *dir;	/* e.g. "mvgpu-1_8" */
	const char *name;	/* e.g. "mvgpu-1_8" */
	unsigned int units;	/* 64ths of the GPU's VRAM */
	unsigned int weight;
	unsigned int contexts;
};

extern const struct mt_type mt_types[MT_NR_TYPES];
#define MT_T18	(&mt_types[0])
#define MT_T14	(&mt_types[1])
#define MT_T12	(&mt_types[2])
#define MT_T11	(&mt_types[3])
#define MT_T116	(&mt_types[4])
#define MT_T132	(&mt_types[5])
#define MT_T164	(&mt_types[6])

static inline uint64_t mt_type_vram(const struct mt_type *t)
{
	return MT_VRAM_TOTAL / 64 * t->units;
}

/* One vGPU a test created (and maybe opened). */
struct mt_vgpu {
	char uuid[LIBMVGPU_UUID_LEN + 1];
	bool created;
	struct libmvgpu_dev dev;
};

/* Zero v and mark its fds closed; call before anything else on it. */
void mt_vgpu_init(struct mt_vgpu *v);
/* Create an mdev of type on parent with a fresh UUID. */
int mt_vgpu_create(struct mt_vgpu *v, const char *parent,
		   const struct mt_type *type);
/* Open the VFIO device of a created vGPU. */
int mt_vgpu_open(struct mt_vgpu *v);
int mt_vgpu_create_open(struct mt_vgpu *v, const char *parent,
			const struct mt_type *type);
/* Close its fds and remove it if created; returns the remove error. */
int mt_vgpu_destroy(struct mt_vgpu *v);
/* Unmap its BAR2 map (unless MAP_FAILED), then mt_vgpu_destroy(). */
int mt_vgpu_unmap_destroy(struct mt_vgpu *v, void *map, size_t len);

/*
 * The set-up of a test fixture around the one vGPU v: mt_vgpu_init() v,
 * check the standard state, create and open v. Returns 0, or -errno with
 * the reason in msg.
 */
int mt_vgpu_fixture_up(struct mt_vgpu *v, const char *parent,
		       const struct mt_type *type, char *msg, size_t len);
/* A new eventfd for a fixture: the fd, or -errno with the reason in msg. */
int mt_fixture_eventfd(char *msg, size_t len);

/*
 * Check the standard state: both parents present with 128 MiB of VRAM and
 * no mdev on the system. Returns 0 or -errno with a reason in msg.
 */
int mt_check_state(char *msg, size_t len);

/*
 * What the running kernel's VFIO core and the device advertise, probed at
 * run time (the tests build against the 6.12 uapi whatever kernel they run
 * on; testing.rst, "What skips where"). Each returns -errno when its
 * probe fails.
 *
 * mt_has_mig_data_size(): 1 when a PROBE of
 * VFIO_DEVICE_FEATURE_MIG_DATA_SIZE on dev succeeds, 0 when it fails with
 * ENOTTY: a VFIO core before 6.2 knows no such feature and hands it to the
 * driver, which has no feature of its own.
 * mt_has_dma_logging(): 1 when a PROBE of
 * VFIO_DEVICE_FEATURE_DMA_LOGGING_START on dev succeeds (the vGPU offers
 * DMA logging), 0 when it fails with ENOTTY (dirty_log checks that
 * against the kernel).
 * mt_has_precopy(): 1 when dev's VFIO_DEVICE_FEATURE_MIGRATION flags have
 * VFIO_MIGRATION_PRE_COPY, 0 without; -EPROTO when that disagrees with
 * the kernel (PRE_COPY came with MIG_DATA_SIZE, in 6.2: a device must
 * offer it exactly where mt_has_mig_data_size() is 1).
 * mt_kernel_vfio_inode(): 1 when the kernel gives each vfio device file
 * its own inode (6.10: its vfio_fs_init_fs_context is in /proc/kallsyms),
 * else 0. Only there can mvgpu map BAR2 (design.rst, "Kernel
 * compatibility").
 * mt_bar2_mmap(): 1 when dev's BAR2 has VFIO_REGION_INFO_FLAG_MMAP, 0
 * without; -EPROTO when that disagrees with mt_kernel_vfio_inode().
 * mt_devinfo_size(): the size of the kernel's struct vfio_device_info,
 * that is how many bytes VFIO_DEVICE_GET_INFO writes for a 64-byte argsz
 * (the kernel writes min(argsz, its size)).
 */
int mt_has_mig_data_size(struct libmvgpu_dev *dev);
int mt_has_dma_logging(struct libmvgpu_dev *dev);
int mt_has_precopy(struct libmvgpu_dev *dev);
int mt_kernel_vfio_inode(void);
int mt_bar2_mmap(struct libmvgpu_dev *dev);
int mt_devinfo_size(struct libmvgpu_dev *dev);

/*
 * A test's view of one vGPU's VRAM (BAR2), the same on every kernel: p is
 * the BAR2 mapping where the device offers one, else (kernels before
 * 6.10, mt_bar2_mmap() 0) a copy in memory that the device file fills
 * and drains: mt_vram_pull() reads BAR2 into it (before the test looks at
 * VRAM), mt_vram_push() writes it to BAR2 (after the test wrote to p).
 * With the mapping both do nothing. len is BAR2's size.
 */
struct mt_vram {
	struct libmvgpu_dev *dev;
	uint8_t *p;		/* NULL: none */
	size_t len;
	bool copy;		/* p is a copy, not the mapping */
};

/*
 * Map dev's BAR2 into m, or give m a copy where it cannot be mapped.
 * 0, -EPROTO when the device's flag disagrees with the kernel
 * (mt_bar2_mmap()), or -errno.
 */
int mt_vram_get(struct mt_vram *m, struct libmvgpu_dev *dev);
int mt_vram_pull(struct mt_vram *m);
int mt_vram_push(struct mt_vram *m);
/* Unmap or free p; safe on a zeroed m or after a failed get. */
void mt_vram_put(struct mt_vram *m);

/*
 * The display of a type (device.rst, "Display"). mt_display_of() reads
 * the type's description on parent: its "display: WxH" line gives w and
 * h, "display: none" 0 and 0; -EPROTO without such a line. Whether a
 * type has a display is decided from there, as a VMM would.
 * mt_display_rule() is the rule of device.rst for a type of vram bytes:
 * the largest listed mode whose 32-bit framebuffer fills at most half the
 * VRAM, and none where BAR2 cannot be mapped (bar2_mmap false).
 * mt_display_window() is the display region's size: w x h x 4 rounded up
 * to 4 KiB.
 */
int mt_display_of(const char *parent, const struct mt_type *type,
		  uint32_t *w, uint32_t *h);
void mt_display_rule(uint64_t vram, bool bar2_mmap, uint32_t *w, uint32_t *h);
uint64_t mt_display_window(uint32_t w, uint32_t h);

/*
 * In a test about a type's display: SKIP where no type has one because
 * BAR2 cannot be mapped (before 6.10); a type without one where BAR2 can
 * be mapped fails (w is the type's DISP_MAX_WIDTH from mt_display_of()).
 */
#define MT_NO_DISPLAY \
	"no display: BAR2 cannot be mapped on this kernel (before 6.10)"
#define MT_CHECK_DISPLAY(w) do { \
	if (!(w) && mt_kernel_vfio_inode() == 0) \
		SKIP(return, MT_NO_DISPLAY); \
	ASSERT_NE(0, (w)) TH_LOG("the type has no display"); \
} while (0)

/* A kselftest SKIP reason: BAR2 cannot be mapped on this kernel. */
#define MT_NO_BAR2_MMAP \
	"BAR2 has no VFIO_REGION_INFO_FLAG_MMAP (kernels before 6.10)"
/*
 * Did a set-up fail only because BAR2 cannot be mapped on this kernel?
 * ret is -EOPNOTSUPP (libmvgpu_gpu_init() returns it, and et_up() and
 * load_up() pass it on, only for a BAR2 without
 * VFIO_REGION_INFO_FLAG_MMAP) and the kernel is one without per-device
 * inodes. On a kernel with them a missing flag stays a failure.
 */
#define MT_NO_MMAP(ret)	((ret) == -EOPNOTSUPP && mt_kernel_vfio_inode() == 0)
/* In a FIXTURE_SETUP, after it undid what it had set up. */
#define MT_SKIP_NO_MMAP(ret) do { \
	if (MT_NO_MMAP(ret)) \
		SKIP(return, MT_NO_BAR2_MMAP); \
} while (0)
/* A kselftest SKIP reason: the device has no pre-copy. */
#define MT_NO_PRECOPY \
	"no VFIO_MIGRATION_PRE_COPY in the device's migration flags (kernels before 6.2)"

/* Number of entries in a directory, or -errno. */
int mt_dir_count(const char *dir);

/* Read one "Key:   N kB" line of /proc/meminfo, in kB. */
int mt_meminfo_kb(const char *key, uint64_t *kb);

/* Fill buf with a pattern derived from seed and offset; check it back. */
void mt_pattern_fill(void *buf, size_t len, uint64_t off, uint32_t seed);
/* Offset of the first mismatch, or -1 when the whole buffer matches. */
long long mt_pattern_check(const void *buf, size_t len, uint64_t off,
			   uint32_t seed);
/* Offset of the first non-zero byte, or -1 when buf is all zero. */
long long mt_find_nonzero(const void *buf, size_t len);

/* CLOCK_MONOTONIC in ms. */
uint64_t mt_now_ms(void);

/*
 * The user of a vGPU whose removal asks it to let go through the REQ
 * eventfd efd: mt_holder_fn() on a thread of its own waits until efd
 * fired want times (err is -ETIMEDOUT when it waited MT_HOLDER_GIVE_UP_MS
 * for one), then unmaps map (when set) and closes v's device fd, whatever
 * happened, so that the removal never hangs. closed_ms is when it began
 * to let go (mt_now_ms()).
 */
#define MT_HOLDER_GIVE_UP_MS	30000
struct mt_holder {
	struct mt_vgpu *v;
	int efd;
	int want;		/* REQ signals to wait for before letting go */
	uint64_t fired;		/* REQ signals seen */
	uint64_t closed_ms;
	int err;
	void *map;		/* a BAR2 mapping to drop with the fd */
	size_t len;
};

void *mt_holder_fn(void *arg);

/*
 * In a test of a fixture with "int setup_err" and "char msg[]": stop with
 * the setup's message when the fixture could not be set up; SKIP when it
 * failed only because BAR2 cannot be mapped on this kernel (MT_NO_MMAP).
 */
#define CHECK_SETUP() do { \
	if (MT_NO_MMAP(self->setup_err)) \
		SKIP(return, MT_NO_BAR2_MMAP); \
	if (self->setup_err) \
		TH_LOG("setup: %s", self->msg); \
	ASSERT_EQ(0, self->setup_err); \
} while (0)

#endif /* MVGPU_TEST_H */

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
	const char *name;	/* e.g. "mvgpu 1/8" */
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
 * the setup's message when the fixture could not be set up.
 */
#define CHECK_SETUP() do { \
	if (self->setup_err) \
		TH_LOG("setup: %s", self->msg); \
	ASSERT_EQ(0, self->setup_err); \
} while (0)

#endif /* MVGPU_TEST_H */

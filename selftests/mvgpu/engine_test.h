/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the command-engine selftests (engine_cmds,
 * engine_faults, shadow_sync, sched): a vGPU set up as a guest driver
 * would (guest RAM, a page table), buffers in guest RAM or VRAM, MSI.
 */
#ifndef ENGINE_TEST_H
#define ENGINE_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mvgpu_test.h"
#include "lib/mvgpu_gpu.h"

/* Generous: TCG is slow and other vGPUs may be busy. */
#define ET_TIMEOUT_MS		30000
#define ET_RAM_IOVA		LIBMVGPU_RAM_IOVA_DEFAULT
#define ET_RAM_SIZE		(16u << 20)

/* Default GPU VAs of test buffers (away from ring and fence page). */
#define ET_VA_SRC		0x20000000ull
#define ET_VA_DST		0x30000000ull
#define ET_VA_VRAM		0x40000000ull
#define ET_VA_AUX		0x50000000ull

/* One vGPU, opened, with guest RAM and a first page table. */
struct et_gpu {
	struct mt_vgpu v;
	struct libmvgpu_gpu gpu;
	struct libmvgpu_pt pt;
	bool up;
	pid_t owner;		/* the process that opened it */
};

/* A buffer mapped in a GPU address space. */
struct et_buf {
	uint64_t va;
	uint64_t addr;		/* GPA, or VRAM offset */
	void *cpu;		/* in guest RAM or in the BAR2 mmap, or a copy */
	size_t size;
	struct libmvgpu_gpu *gpu;	/* of a VRAM buffer */
	bool copy;		/* cpu is a copy of VRAM (BAR2 not mapped) */
};

/*
 * Create a vGPU of type on parent, open it, map ram_size bytes of guest
 * RAM and build an empty page table. 0 or -errno with a reason in msg.
 */
int et_up(struct et_gpu *g, const char *parent, const struct mt_type *type,
	  size_t ram_size, char *msg, size_t len);
/* et_up() with flags (ET_UNMAPPED_OK, below). */
int et_up_flags(struct et_gpu *g, const char *parent,
		const struct mt_type *type, size_t ram_size, unsigned int flags,
		char *msg, size_t len);
/*
 * The set-up of a test fixture around the vGPU g: check the standard
 * state, et_up() g (ET_RAM_SIZE of guest RAM), then build(fixture), which
 * adds what the tests need (0 or -errno with the failed step in msg). The
 * harness runs no teardown after a failed set-up, so a failure is undone
 * here with et_down(). Returns 0, or -errno with the reason in msg.
 * flags: ET_UNMAPPED_OK for a fixture whose cases reach VRAM only through
 * libmvgpu_vram_rd32() and et_vram_find_nonzero(): where BAR2 cannot be
 * mapped (kernels before 6.10, and only there) g->gpu.vram is then NULL
 * instead of the set-up failing with -EOPNOTSUPP.
 */
#define ET_UNMAPPED_OK	1u
int et_fixture_up(struct et_gpu *g, const char *parent,
		  const struct mt_type *type, int (*build)(void *fixture),
		  void *fixture, unsigned int flags, char *msg, size_t len);
/*
 * Offset of the first non-zero byte of VRAM [0, len), or -1 when it is all
 * zero; through the mapping, else read through the device file (-2 when
 * that fails).
 */
long long et_vram_find_nonzero(struct libmvgpu_gpu *gpu, size_t len);
/*
 * Compare VRAM [0, len) of two vGPUs: 0 when equal, 1 when not, -errno
 * when one cannot be read (through the mappings, else the device files).
 */
int et_vram_cmp(struct libmvgpu_gpu *a, struct libmvgpu_gpu *b, size_t len);
/* Set VRAM [off, off + len) to the byte c (libmvgpu_vram_write()). */
int et_vram_set(struct libmvgpu_gpu *gpu, uint64_t off, int c, size_t len);
/* Undo et_up (safe on a failed or zeroed g); returns the remove error. */
int et_down(struct et_gpu *g);
/*
 * Only remove the mdev, for FIXTURE_TEARDOWN_PARENT: the test ran in a
 * child that has exited (its fds and mappings are gone with it). The
 * harness skips a child's teardown after a failed ASSERT when setjmp
 * clobbers its locals, so the engine tests tear down in the parent.
 * Called by the process that has it open, it does et_down() instead.
 */
int et_remove(struct et_gpu *g);

/* size bytes of guest RAM (align: 0 = 4 KiB) mapped at va with flags. */
int et_buf_sys(struct libmvgpu_gpu *gpu, struct libmvgpu_pt *pt, uint64_t va,
	       size_t size, size_t align, unsigned int flags,
	       struct et_buf *b);
/* VRAM [off, off + size) mapped at va with flags (LIBMVGPU_MAP_VRAM added). */
int et_buf_vram(struct libmvgpu_gpu *gpu, struct libmvgpu_pt *pt, uint64_t va,
		uint64_t off, size_t size, unsigned int flags,
		struct et_buf *b);

/*
 * The CPU side of a VRAM buffer where BAR2 cannot be mapped (kernels
 * before 6.10, with ET_UNMAPPED_OK): et_buf_vram() then points b->cpu at
 * a copy (malloc()ed, freed with the process) and the device file moves
 * the data: et_buf_pull() reads VRAM into the copy (before the CPU looks
 * at what the engine wrote), et_buf_push() writes the copy to VRAM (after
 * the CPU wrote what the engine reads). Where BAR2 is mapped b->cpu is
 * VRAM itself and both do nothing, as they do for a guest RAM buffer.
 * 0 or -errno.
 */
int et_buf_pull(struct et_buf *b);
int et_buf_push(struct et_buf *b);
/*
 * Store v at byte offset off of b, for a value the engine may read
 * meanwhile (a WAIT's semaphore): a release store into guest RAM or the
 * mapping, else one pwrite() of the 8 bytes. 0 or -errno.
 */
int et_buf_store64(struct et_buf *b, size_t off, uint64_t v);

/*
 * Route the device interrupt to a fresh eventfd as MSI (and enable MSI in
 * config space like a guest would), no source enabled yet in IRQ_MASK.
 * Returns the eventfd (closed by libmvgpu_gpu_fini()) or -errno.
 */
int et_msi_setup(struct libmvgpu_gpu *gpu);
/* Read all pending events of a non-blocking eventfd (0 when none). */
uint64_t et_eventfd_drain(int efd);

/* A per-instance sysfs counter, or UINT64_MAX when it cannot be read. */
uint64_t et_attr(const char *uuid, const char *attr);

/* Random bytes from a seeded generator. */
void et_random_fill(void *buf, size_t len, uint64_t *seed);

#endif /* ENGINE_TEST_H */

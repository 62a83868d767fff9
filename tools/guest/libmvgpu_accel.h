/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libmvgpu_accel: a small C library over the mvgpu_accel uapi, for
 * programs running inside a VM that has an mvgpu vGPU (the guest driver's
 * /dev/accel/accelN), or in a container that was handed a vGPU as its
 * VFIO device (a user-space driver in this process, "vfio:UUID"). A
 * program runs unchanged on either: mva_open() picks the backend from the
 * device path.
 */
#ifndef _LIBMVGPU_ACCEL_H
#define _LIBMVGPU_ACCEL_H

#include <stddef.h>
#include <stdint.h>

/*
 * The command encoders, and the CPU references (libmvgpu_ref_*) that results
 * are checked against.
 */
#include "common/mvgpu_cmd.h"

/* The default device path, and the variable that overrides it. */
#define MVA_DEFAULT_PATH	"/dev/accel/accel0"
#define MVA_DEVICE_ENV		"MVGPU_DEVICE"

struct mva_vfio;

/*
 * An opened vGPU: fd is the accel file (kernel backend, else -1); vfio
 * the user-space backend's state (else NULL).
 */
struct mva_dev {
	int fd;
	struct mva_vfio *vfio;
};

/* A buffer: GEM handle, GPU VA in this context, CPU mapping. */
struct mva_bo {
	uint32_t handle;
	uint64_t size;
	uint64_t va;
	void *cpu;
};

/* A command stream being built. */
struct mva_cmds {
	uint32_t *dw;
	uint32_t n;
	uint32_t cap;
};

/*
 * The device path mva_open() uses for path: path itself, else
 * $MVGPU_DEVICE when set and not empty, else MVA_DEFAULT_PATH.
 */
const char *mva_path(const char *path);
/* Whether mva_open() takes path (as mva_path() resolves it) through VFIO. */
int mva_path_is_vfio(const char *path);
/*
 * Open the vGPU at mva_path(path). "vfio:UUID": the user-space backend on
 * the vGPU (mdev) UUID, opened through its VFIO group; a vGPU takes one
 * process at a time: -EBUSY while another has it (or its group) open,
 * -EINVAL when UUID is no UUID, -ENODEV when no such vGPU exists, -ENOENT
 * when its VFIO device nodes are missing, -EACCES when file permissions
 * deny them, -EPERM when the device cgroup does. Any
 * other path: the accel file of the guest driver. 0 or -errno.
 */
int mva_open(struct mva_dev *dev, const char *path);
void mva_close(struct mva_dev *dev);
int mva_get_param(struct mva_dev *dev, uint32_t param, uint64_t *value);
int mva_bo_new(struct mva_dev *dev, uint64_t size, int vram, int readonly,
	       struct mva_bo *bo);
void mva_bo_free(struct mva_dev *dev, struct mva_bo *bo);
int mva_submit(struct mva_dev *dev, const struct mva_cmds *c,
	       uint64_t *seqno);
int mva_wait(struct mva_dev *dev, uint64_t seqno, uint32_t timeout_ms,
	     uint32_t *fault_reason, uint64_t *fault_addr);

void mva_cmds_init(struct mva_cmds *c);
void mva_cmds_free(struct mva_cmds *c);
void mva_cmds_reset(struct mva_cmds *c);
void mva_emit_copy(struct mva_cmds *c, uint64_t src, uint64_t dst,
		   uint64_t size);
void mva_emit_fill(struct mva_cmds *c, uint64_t dst, uint64_t size,
		   uint32_t pattern);
void mva_emit_gemm(struct mva_cmds *c, uint64_t a, uint64_t b, uint64_t cm,
		   uint32_t m, uint32_t n, uint32_t k);
void mva_emit_hash(struct mva_cmds *c, uint64_t src, uint64_t size,
		   uint64_t dst);
void mva_emit_timestamp(struct mva_cmds *c, uint64_t va);

/* mva_latency(): most submissions in flight for the rate. */
#define MVA_LAT_MAX_DEPTH	64

/* What mva_latency() measured. */
struct mva_lat_res {
	unsigned int n;		/* round trips timed */
	uint64_t median_ns;	/* their median */
	uint64_t p99_ns;	/* their 99th percentile */
	unsigned int depth;	/* in flight for the rate */
	unsigned int subs;	/* submissions the rate is over */
	double subs_per_s;	/* submissions completed per second */
};

/*
 * The mva_submit() + mva_wait() round trip of one TIMESTAMP, n times, then
 * the rate of 4 * n submissions with depth in flight; every submission's
 * result checked (libmvgpu_accel_lat.c). lat (n entries, or NULL) gets
 * the round trips in ns, sorted. 0 or -errno.
 */
int mva_latency(struct mva_dev *dev, unsigned int n, unsigned int depth,
		uint32_t timeout_ms, uint64_t *lat, struct mva_lat_res *res);

#endif /* _LIBMVGPU_ACCEL_H */

/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mvgpu_accel: uapi of the guest driver for the mvgpu vGPU.
 *
 * The driver is a DRM accel driver: /dev/accel/accelN. Every open file is
 * a GPU context of its own, with its own GPU address space, so processes
 * are isolated from each other. Buffers are GEM objects in system memory
 * or in the vGPU's VRAM; mapping one into the context's address space
 * gives its GPU virtual address. Command buffers use the ring command
 * encoding of <linux/mvgpu.h>.
 */
#ifndef _UAPI_DRM_MVGPU_ACCEL_H
#define _UAPI_DRM_MVGPU_ACCEL_H

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

#define DRM_MVGPU_GET_PARAM		0x00
#define DRM_MVGPU_BO_CREATE		0x01
#define DRM_MVGPU_BO_MMAP		0x02
#define DRM_MVGPU_VM_BIND		0x03
#define DRM_MVGPU_VM_UNBIND		0x04
#define DRM_MVGPU_SUBMIT		0x05
#define DRM_MVGPU_WAIT			0x06

#define DRM_IOCTL_MVGPU_GET_PARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_MVGPU_GET_PARAM, struct drm_mvgpu_get_param)
#define DRM_IOCTL_MVGPU_BO_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_MVGPU_BO_CREATE, struct drm_mvgpu_bo_create)
#define DRM_IOCTL_MVGPU_BO_MMAP \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_MVGPU_BO_MMAP, struct drm_mvgpu_bo_mmap)
#define DRM_IOCTL_MVGPU_VM_BIND \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_MVGPU_VM_BIND, struct drm_mvgpu_vm_bind)
#define DRM_IOCTL_MVGPU_VM_UNBIND \
	DRM_IOW(DRM_COMMAND_BASE + DRM_MVGPU_VM_UNBIND, struct drm_mvgpu_vm_unbind)
#define DRM_IOCTL_MVGPU_SUBMIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_MVGPU_SUBMIT, struct drm_mvgpu_submit)
#define DRM_IOCTL_MVGPU_WAIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_MVGPU_WAIT, struct drm_mvgpu_wait)

/* GET_PARAM parameters */
#define DRM_MVGPU_PARAM_VRAM_SIZE	0	/* bytes of VRAM */
#define DRM_MVGPU_PARAM_NR_CONTEXTS	1	/* hardware contexts */
#define DRM_MVGPU_PARAM_CONTEXT		2	/* this file's context index */
#define DRM_MVGPU_PARAM_WEIGHT		3	/* scheduling weight on host */

/**
 * struct drm_mvgpu_get_param - query a device or context parameter
 * @param: DRM_MVGPU_PARAM_*
 * @pad: must be 0
 * @value: out: the value
 */
struct drm_mvgpu_get_param {
	__u32 param;
	__u32 pad;
	__u64 value;
};

/* BO_CREATE flags */
#define DRM_MVGPU_BO_VRAM		(1 << 0)	/* in VRAM, else system memory */

/**
 * struct drm_mvgpu_bo_create - create a buffer object
 * @size: bytes, rounded up to 4 KiB; at most 1 GiB
 * @flags: DRM_MVGPU_BO_*
 * @handle: out: GEM handle
 */
struct drm_mvgpu_bo_create {
	__u64 size;
	__u32 flags;
	__u32 handle;
};

/**
 * struct drm_mvgpu_bo_mmap - get the offset to mmap() a buffer at
 * @handle: GEM handle
 * @pad: must be 0
 * @offset: out: pass to mmap() on the accel file
 */
struct drm_mvgpu_bo_mmap {
	__u32 handle;
	__u32 pad;
	__u64 offset;
};

/* VM_BIND flags */
#define DRM_MVGPU_BIND_READONLY		(1 << 0)	/* GPU may not write */

/**
 * struct drm_mvgpu_vm_bind - map a buffer into this file's GPU VA space
 * @handle: GEM handle
 * @flags: DRM_MVGPU_BIND_*
 * @va: out: GPU virtual address chosen by the driver
 */
struct drm_mvgpu_vm_bind {
	__u32 handle;
	__u32 flags;
	__u64 va;
};

/**
 * struct drm_mvgpu_vm_unbind - remove a mapping made by VM_BIND
 * @va: the address VM_BIND returned
 */
struct drm_mvgpu_vm_unbind {
	__u64 va;
};

/**
 * struct drm_mvgpu_submit - queue commands on this file's context
 * @commands: user pointer to the command dwords (MVGPU_CMD_*)
 * @ndw: number of dwords, at most 16384; must be whole commands
 * @flags: must be 0
 * @seqno: out: completes when a WAIT for it returns 0
 *
 * Fails with -EIO once the context has faulted or the device was reset.
 */
struct drm_mvgpu_submit {
	__u64 commands;
	__u32 ndw;
	__u32 flags;
	__u64 seqno;
};

/**
 * struct drm_mvgpu_wait - wait for a submission to complete
 * @seqno: value SUBMIT returned
 * @timeout_ms: how long to wait
 * @fault_reason: out: MVGPU_FAULT_* if the context faulted, else 0
 * @fault_addr: out: faulting GPU VA
 *
 * Returns 0, -ETIME on timeout, or -EIO when the context faulted (the
 * reason and address are filled in) or the device was reset.
 */
struct drm_mvgpu_wait {
	__u64 seqno;
	__u32 timeout_ms;
	__u32 fault_reason;
	__u64 fault_addr;
};

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_DRM_MVGPU_ACCEL_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvgpu backend interface: what a physical GPU driver provides to the
 * mvgpu mediator.
 *
 * The mediator (mvgpu.ko) never touches a physical GPU except through the
 * operations below. A backend (the bundled software model, mvgpu_sim.ko,
 * or a driver for real hardware) describes each GPU it owns and registers
 * it with mvgpu_register_gpu(); the mediator then offers vGPU types on it.
 *
 * Locking: the mediator calls the operations from process context and may
 * sleep in them; it serialises calls per GPU where noted.
 */
#ifndef _MVGPU_BACKEND_H
#define _MVGPU_BACKEND_H

#include <linux/types.h>
#include <linux/mm_types.h>

struct device;
struct mvgpu_gpu;

/**
 * struct mvgpu_gpu_info - static description of one physical GPU
 * @vram_size: bytes of device memory; a power of two, at least 64 MiB
 * @nr_engines: command engines the GPU has (at least one)
 */
struct mvgpu_gpu_info {
	u64 vram_size;
	unsigned int nr_engines;
};

/**
 * struct mvgpu_backend_ops - operations a physical GPU backend provides
 * @vram_fault: map the VRAM page at byte @offset into the faulting user
 *	mapping described by @vmf; returns a vm_fault_t code. Used to give
 *	QEMU direct access to a vGPU's slice of VRAM.
 * @vram_rw: copy @len bytes between @buf and VRAM at @offset; @write
 *	selects the direction. Returns 0 or a negative errno.
 * @vram_clear: zero @len bytes of VRAM at @offset. Returns 0 or a
 *	negative errno.
 *
 * Offsets are physical VRAM offsets; the mediator only ever passes
 * ranges inside the slice it gave the vGPU concerned.
 */
struct mvgpu_backend_ops {
	vm_fault_t (*vram_fault)(void *priv, u64 offset, struct vm_fault *vmf);
	int (*vram_rw)(void *priv, u64 offset, void *buf, size_t len,
		       bool write);
	int (*vram_clear)(void *priv, u64 offset, u64 len);
};

struct mvgpu_gpu *mvgpu_register_gpu(struct device *dev,
				     const struct mvgpu_gpu_info *info,
				     const struct mvgpu_backend_ops *ops,
				     void *priv);
void mvgpu_unregister_gpu(struct mvgpu_gpu *gpu);

#endif /* _MVGPU_BACKEND_H */

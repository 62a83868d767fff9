// SPDX-License-Identifier: GPL-2.0
/*
 * libmvgpu_accel: a small C library over the mvgpu_accel uapi, with two
 * backends: the guest driver's ioctls (here), or a user-space driver over
 * VFIO (libmvgpu_accel_vfio.c) for a device path "vfio:UUID".
 * Functions return 0 or a negative errno and never exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm/mvgpu_accel.h>
#include <linux/mvgpu.h>

#include "libmvgpu_accel.h"
#include "libmvgpu_accel_vfio.h"

static int mva_ioctl(struct mva_dev *dev, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(dev->fd, req, arg);
	} while (ret < 0 && (errno == EINTR || errno == EAGAIN));
	return ret < 0 ? -errno : 0;
}

const char *mva_path(const char *path)
{
	const char *env;

	if (path)
		return path;
	env = getenv(MVA_DEVICE_ENV);
	return env && *env ? env : MVA_DEFAULT_PATH;
}

int mva_path_is_vfio(const char *path)
{
	return !strncmp(mva_path(path), MVA_VFIO_PREFIX,
			strlen(MVA_VFIO_PREFIX));
}

int mva_open(struct mva_dev *dev, const char *path)
{
	dev->fd = -1;
	dev->vfio = NULL;
	path = mva_path(path);
	if (mva_path_is_vfio(path))
		return mva_vfio_open(&dev->vfio,
				     path + strlen(MVA_VFIO_PREFIX));
	dev->fd = open(path, O_RDWR | O_CLOEXEC);
	return dev->fd < 0 ? -errno : 0;
}

void mva_close(struct mva_dev *dev)
{
	if (dev->vfio)
		mva_vfio_close(dev->vfio);
	dev->vfio = NULL;
	if (dev->fd >= 0)
		close(dev->fd);
	dev->fd = -1;
}

int mva_get_param(struct mva_dev *dev, uint32_t param, uint64_t *value)
{
	struct drm_mvgpu_get_param p = { .param = param };
	int ret;

	if (dev->vfio)
		return mva_vfio_get_param(dev->vfio, param, value);
	ret = mva_ioctl(dev, DRM_IOCTL_MVGPU_GET_PARAM, &p);

	if (!ret)
		*value = p.value;
	return ret;
}

int mva_bo_new(struct mva_dev *dev, uint64_t size, int vram, int readonly,
	       struct mva_bo *bo)
{
	struct drm_mvgpu_bo_create create = {
		.size = size,
		.flags = vram ? DRM_MVGPU_BO_VRAM : 0,
	};
	struct drm_mvgpu_bo_mmap map = {};
	struct drm_mvgpu_vm_bind bind = {};
	int ret;

	if (dev->vfio)
		return mva_vfio_bo_new(dev->vfio, size, vram, readonly, bo);
	memset(bo, 0, sizeof(*bo));
	ret = mva_ioctl(dev, DRM_IOCTL_MVGPU_BO_CREATE, &create);
	if (ret)
		return ret;
	bo->handle = create.handle;
	bo->size = (size + 4095) & ~4095ull;

	map.handle = bo->handle;
	ret = mva_ioctl(dev, DRM_IOCTL_MVGPU_BO_MMAP, &map);
	if (ret)
		goto err;
	bo->cpu = mmap(NULL, bo->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       dev->fd, map.offset);
	if (bo->cpu == MAP_FAILED) {
		ret = -errno;
		bo->cpu = NULL;
		goto err;
	}
	bind.handle = bo->handle;
	bind.flags = readonly ? DRM_MVGPU_BIND_READONLY : 0;
	ret = mva_ioctl(dev, DRM_IOCTL_MVGPU_VM_BIND, &bind);
	if (ret)
		goto err;
	bo->va = bind.va;
	return 0;
err:
	mva_bo_free(dev, bo);
	return ret;
}

void mva_bo_free(struct mva_dev *dev, struct mva_bo *bo)
{
	struct drm_mvgpu_vm_unbind unbind = { .va = bo->va };
	struct drm_gem_close close_args = { .handle = bo->handle };

	if (dev->vfio) {
		mva_vfio_bo_free(dev->vfio, bo);
		return;
	}
	if (bo->va)
		mva_ioctl(dev, DRM_IOCTL_MVGPU_VM_UNBIND, &unbind);
	if (bo->cpu)
		munmap(bo->cpu, bo->size);
	if (bo->handle)
		mva_ioctl(dev, DRM_IOCTL_GEM_CLOSE, &close_args);
	memset(bo, 0, sizeof(*bo));
}

int mva_submit(struct mva_dev *dev, const struct mva_cmds *c,
	       uint64_t *seqno)
{
	struct drm_mvgpu_submit s = {
		.commands = (uintptr_t)c->dw,
		.ndw = c->n,
	};
	int ret;

	if (dev->vfio)
		return mva_vfio_submit(dev->vfio, c->dw, c->n, seqno);
	ret = mva_ioctl(dev, DRM_IOCTL_MVGPU_SUBMIT, &s);
	if (!ret)
		*seqno = s.seqno;
	return ret;
}

int mva_wait(struct mva_dev *dev, uint64_t seqno, uint32_t timeout_ms,
	     uint32_t *fault_reason, uint64_t *fault_addr)
{
	struct drm_mvgpu_wait w = { .seqno = seqno, .timeout_ms = timeout_ms };
	int ret;

	if (dev->vfio)
		return mva_vfio_wait(dev->vfio, seqno, timeout_ms, fault_reason,
				     fault_addr);
	ret = mva_ioctl(dev, DRM_IOCTL_MVGPU_WAIT, &w);
	if (fault_reason)
		*fault_reason = w.fault_reason;
	if (fault_addr)
		*fault_addr = w.fault_addr;
	return ret;
}

void mva_cmds_init(struct mva_cmds *c)
{
	memset(c, 0, sizeof(*c));
}

void mva_cmds_free(struct mva_cmds *c)
{
	free(c->dw);
	mva_cmds_init(c);
}

void mva_cmds_reset(struct mva_cmds *c)
{
	c->n = 0;
}

static void mva_put(struct mva_cmds *c, uint32_t v)
{
	if (c->n == c->cap) {
		uint32_t cap = c->cap ? c->cap * 2 : 64;
		uint32_t *dw = realloc(c->dw, cap * sizeof(*dw));

		if (!dw)
			abort();	/* out of memory for a few dwords */
		c->dw = dw;
		c->cap = cap;
	}
	c->dw[c->n++] = v;
}

static void mva_put_cmd(struct mva_cmds *c, const uint32_t *dw,
			unsigned int ndw)
{
	unsigned int i;

	for (i = 0; i < ndw; i++)
		mva_put(c, dw[i]);
}

void mva_emit_copy(struct mva_cmds *c, uint64_t src, uint64_t dst,
		   uint64_t size)
{
	uint32_t dw[LIBMVGPU_CMD_NDW_MAX];

	mva_put_cmd(c, dw, libmvgpu_cmd_copy(dw, src, dst, size));
}

void mva_emit_fill(struct mva_cmds *c, uint64_t dst, uint64_t size,
		   uint32_t pattern)
{
	uint32_t dw[LIBMVGPU_CMD_NDW_MAX];

	mva_put_cmd(c, dw, libmvgpu_cmd_fill(dw, dst, size, pattern));
}

void mva_emit_gemm(struct mva_cmds *c, uint64_t a, uint64_t b, uint64_t cm,
		   uint32_t m, uint32_t n, uint32_t k)
{
	uint32_t dw[LIBMVGPU_CMD_NDW_MAX];

	mva_put_cmd(c, dw, libmvgpu_cmd_gemm(dw, a, b, cm, m, n, k));
}

void mva_emit_hash(struct mva_cmds *c, uint64_t src, uint64_t size,
		   uint64_t dst)
{
	uint32_t dw[LIBMVGPU_CMD_NDW_MAX];

	mva_put_cmd(c, dw, libmvgpu_cmd_hash(dw, src, size, dst));
}

void mva_emit_timestamp(struct mva_cmds *c, uint64_t va)
{
	uint32_t dw[LIBMVGPU_CMD_NDW_MAX];

	mva_put_cmd(c, dw, libmvgpu_cmd_timestamp(dw, va));
}

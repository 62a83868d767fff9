// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu_accel: contexts, command submission and completion.
 *
 * Each open file takes one hardware context of the vGPU with its own
 * address space, ring and fence page. A submission is copied into the
 * ring and followed by a FENCE that writes its sequence number and raises
 * the context's interrupt. A GPU fault stops only the context that caused
 * it: that file's waits and submissions fail with -EIO from then on.
 */
#include <drm/drm_file.h>
#include <linux/dma-mapping.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mvgpu_accel.h"

static void mvgpu_accel_ctx_regs_start(struct mvgpu_accel_ctx *ctx)
{
	struct mvgpu_accel_dev *adev = ctx->adev;
	unsigned int n = ctx->index;

	mvgpu_accel_wr(adev, MVGPU_CTX_REG(n, MVGPU_CTX_PT_ROOT_HI),
		       upper_32_bits(ctx->root->dma));
	mvgpu_accel_wr(adev, MVGPU_CTX_REG(n, MVGPU_CTX_PT_ROOT_LO),
		       lower_32_bits(ctx->root->dma));
	mvgpu_accel_wr(adev, MVGPU_CTX_REG(n, MVGPU_CTX_RING_BASE_HI), 0);
	mvgpu_accel_wr(adev, MVGPU_CTX_REG(n, MVGPU_CTX_RING_BASE_LO),
		       MVGPU_ACCEL_VA_RING);
	mvgpu_accel_wr(adev, MVGPU_CTX_REG(n, MVGPU_CTX_RING_SIZE),
		       MVGPU_ACCEL_RING_SIZE);
	/* Enabling starts from an empty ring and syncs the whole space. */
	mvgpu_accel_wr(adev, MVGPU_CTX_REG(n, MVGPU_CTX_CONTROL),
		       MVGPU_CTX_CONTROL_ENABLE);
}

static void mvgpu_accel_ctx_free(struct mvgpu_accel_ctx *ctx)
{
	struct device *dev = &ctx->adev->pdev->dev;

	if (ctx->root)
		mvgpu_accel_vm_fini(ctx);
	if (ctx->ring)
		dma_free_coherent(dev, MVGPU_ACCEL_RING_SIZE, ctx->ring,
				  ctx->ring_dma);
	if (ctx->fence)
		dma_free_coherent(dev, PAGE_SIZE, ctx->fence, ctx->fence_dma);
	kfree(ctx);
}

static int mvgpu_accel_ctx_map_ring(struct mvgpu_accel_ctx *ctx)
{
	unsigned long i, npages = MVGPU_ACCEL_RING_SIZE >> PAGE_SHIFT;
	dma_addr_t *dma;
	int ret;

	dma = kcalloc(npages, sizeof(*dma), GFP_KERNEL);
	if (!dma)
		return -ENOMEM;
	for (i = 0; i < npages; i++)
		dma[i] = ctx->ring_dma + (i << PAGE_SHIFT);
	/* The engine only reads the ring. */
	ret = mvgpu_accel_vm_map_dma(ctx, MVGPU_ACCEL_VA_RING, dma, npages,
				     false);
	kfree(dma);
	if (ret)
		return ret;
	return mvgpu_accel_vm_map_dma(ctx, MVGPU_ACCEL_VA_FENCE,
				      &ctx->fence_dma, 1, true);
}

/**
 * mvgpu_accel_ctx_open() - give a new file a hardware context
 * @adev: the device
 * @file: the file
 *
 * Return: 0, -EBUSY when every context is taken, or -ENOMEM.
 */
int mvgpu_accel_ctx_open(struct mvgpu_accel_dev *adev, struct drm_file *file)
{
	struct device *dev = &adev->pdev->dev;
	struct mvgpu_accel_ctx *ctx;
	int index, ret;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	ctx->adev = adev;
	mutex_init(&ctx->lock);
	init_waitqueue_head(&ctx->wq);

	ctx->ring = dma_alloc_coherent(dev, MVGPU_ACCEL_RING_SIZE,
				       &ctx->ring_dma, GFP_KERNEL);
	ctx->fence = dma_alloc_coherent(dev, PAGE_SIZE, &ctx->fence_dma,
					GFP_KERNEL);
	if (!ctx->ring || !ctx->fence) {
		ret = -ENOMEM;
		goto err_free;
	}
	ret = mvgpu_accel_vm_init(ctx);
	if (ret)
		goto err_free;
	ret = mvgpu_accel_ctx_map_ring(ctx);
	if (ret)
		goto err_free;

	mutex_lock(&adev->lock);
	index = find_first_zero_bit(&adev->ctx_map, adev->nr_contexts);
	if (index < adev->nr_contexts)
		set_bit(index, &adev->ctx_map);
	mutex_unlock(&adev->lock);
	if (index >= adev->nr_contexts) {
		ret = -EBUSY;
		goto err_free;
	}
	ctx->index = index;

	spin_lock_irq(&adev->irq_lock);
	adev->contexts[index] = ctx;
	spin_unlock_irq(&adev->irq_lock);
	mvgpu_accel_ctx_regs_start(ctx);
	file->driver_priv = ctx;
	return 0;

err_free:
	mvgpu_accel_ctx_free(ctx);
	return ret;
}

/**
 * mvgpu_accel_ctx_close() - release a file's context
 * @adev: the device
 * @file: the file
 */
void mvgpu_accel_ctx_close(struct mvgpu_accel_dev *adev, struct drm_file *file)
{
	struct mvgpu_accel_ctx *ctx = file->driver_priv;

	/* Disabling stops the context and drops its host translations. */
	mvgpu_accel_wr(adev, MVGPU_CTX_REG(ctx->index, MVGPU_CTX_CONTROL), 0);
	spin_lock_irq(&adev->irq_lock);
	adev->contexts[ctx->index] = NULL;
	spin_unlock_irq(&adev->irq_lock);

	mutex_lock(&adev->lock);
	clear_bit(ctx->index, &adev->ctx_map);
	mutex_unlock(&adev->lock);
	mvgpu_accel_ctx_free(ctx);
}

/**
 * mvgpu_accel_ctx_irq() - dispatch the context bits of an interrupt
 * @adev: the device
 * @status: the IRQ_STATUS bits just acknowledged
 *
 * Runs in interrupt context.
 */
void mvgpu_accel_ctx_irq(struct mvgpu_accel_dev *adev, u32 status)
{
	unsigned int n;

	spin_lock(&adev->irq_lock);
	for (n = 0; n < adev->nr_contexts; n++) {
		struct mvgpu_accel_ctx *ctx = adev->contexts[n];

		if (!ctx || !(status & (MVGPU_IRQ_FENCE(n) | MVGPU_IRQ_FAULT(n))))
			continue;
		if (status & MVGPU_IRQ_FAULT(n)) {
			u32 lo = MVGPU_CTX_REG(n, MVGPU_CTX_FAULT_ADDR_LO);
			u32 hi = MVGPU_CTX_REG(n, MVGPU_CTX_FAULT_ADDR_HI);

			ctx->fault_reason =
				mvgpu_accel_rd(adev, MVGPU_CTX_REG(n, MVGPU_CTX_FAULT_REASON));
			ctx->fault_addr = mvgpu_accel_rd(adev, lo) |
					  (u64)mvgpu_accel_rd(adev, hi) << 32;
			WRITE_ONCE(ctx->dead, true);
		}
		wake_up_all(&ctx->wq);
	}
	spin_unlock(&adev->irq_lock);
}

/**
 * mvgpu_accel_ctx_lose_all() - every context died in a device reset
 * @adev: the device
 */
void mvgpu_accel_ctx_lose_all(struct mvgpu_accel_dev *adev)
{
	unsigned int n;

	spin_lock_irq(&adev->irq_lock);
	for (n = 0; n < adev->nr_contexts; n++) {
		struct mvgpu_accel_ctx *ctx = adev->contexts[n];

		if (!ctx)
			continue;
		WRITE_ONCE(ctx->dead, true);
		wake_up_all(&ctx->wq);
	}
	spin_unlock_irq(&adev->irq_lock);
}

static bool mvgpu_accel_ctx_dead(struct mvgpu_accel_ctx *ctx)
{
	return READ_ONCE(ctx->dead);
}

static u32 mvgpu_accel_ring_space(struct mvgpu_accel_ctx *ctx)
{
	u32 head = mvgpu_accel_rd(ctx->adev,
			    MVGPU_CTX_REG(ctx->index, MVGPU_CTX_RING_HEAD));

	return (head - ctx->tail - 4) & (MVGPU_ACCEL_RING_SIZE - 1);
}

/* Wait until @bytes fit in the ring. Caller holds ctx->lock. */
static int mvgpu_accel_ring_reserve(struct mvgpu_accel_ctx *ctx, u32 bytes)
{
	unsigned long deadline = jiffies + 10 * HZ;

	while (mvgpu_accel_ring_space(ctx) < bytes) {
		if (mvgpu_accel_ctx_dead(ctx))
			return -EIO;
		if (time_after(jiffies, deadline))
			return -EBUSY;
		if (wait_event_interruptible_timeout(ctx->wq,
						     mvgpu_accel_ctx_dead(ctx),
						     msecs_to_jiffies(2)) < 0)
			return -ERESTARTSYS;
	}
	return 0;
}

static void mvgpu_accel_ring_emit(struct mvgpu_accel_ctx *ctx, const u32 *cmd,
				  u32 ndw)
{
	u32 room = (MVGPU_ACCEL_RING_SIZE - ctx->tail) / 4;

	/* Commands never wrap: pad the end of the ring with one NOP. */
	if (ndw > room) {
		ctx->ring[ctx->tail / 4] = MVGPU_CMD_HDR(MVGPU_CMD_NOP, 0, room);
		ctx->tail = 0;
	}
	memcpy(&ctx->ring[ctx->tail / 4], cmd, ndw * 4);
	ctx->tail = (ctx->tail + ndw * 4) & (MVGPU_ACCEL_RING_SIZE - 1);
}

/* Check that @cmds is a sequence of whole commands. */
static int mvgpu_accel_check_stream(const u32 *cmds, u32 ndw, u32 *longest)
{
	u32 i = 0;

	*longest = 0;
	while (i < ndw) {
		u32 len = MVGPU_CMD_NDW(cmds[i]);

		if (!len || len > ndw - i)
			return -EINVAL;
		*longest = max(*longest, len);
		i += len;
	}
	return 0;
}

/**
 * mvgpu_accel_ioctl_submit() - DRM_IOCTL_MVGPU_SUBMIT
 * @drm: the device
 * @data: struct drm_mvgpu_submit
 * @file: the caller
 *
 * Return: 0 or a negative errno.
 */
int mvgpu_accel_ioctl_submit(struct drm_device *drm, void *data,
			     struct drm_file *file)
{
	struct mvgpu_accel_ctx *ctx = file->driver_priv;
	struct drm_mvgpu_submit *args = data;
	u32 fence[MVGPU_CMD_NDW_FENCE];
	u32 *cmds, i, longest;
	int ret;

	if (args->flags || !args->ndw || args->ndw > MVGPU_ACCEL_SUBMIT_MAX_DW)
		return -EINVAL;
	cmds = memdup_array_user(u64_to_user_ptr(args->commands), args->ndw,
				 sizeof(u32));
	if (IS_ERR(cmds))
		return PTR_ERR(cmds);
	ret = mvgpu_accel_check_stream(cmds, args->ndw, &longest);
	if (ret)
		goto out;

	mutex_lock(&ctx->lock);
	if (mvgpu_accel_ctx_dead(ctx)) {
		ret = -EIO;
		goto out_unlock;
	}
	/* Room for the commands, the fence and worst-case padding. */
	ret = mvgpu_accel_ring_reserve(ctx, (args->ndw + MVGPU_CMD_NDW_FENCE +
				       longest) * 4);
	if (ret)
		goto out_unlock;

	for (i = 0; i < args->ndw; i += MVGPU_CMD_NDW(cmds[i]))
		mvgpu_accel_ring_emit(ctx, &cmds[i], MVGPU_CMD_NDW(cmds[i]));
	ctx->seqno++;
	fence[0] = MVGPU_CMD_HDR(MVGPU_CMD_FENCE, MVGPU_CMD_FLAG_IRQ,
				 MVGPU_CMD_NDW_FENCE);
	fence[1] = lower_32_bits(MVGPU_ACCEL_VA_FENCE);
	fence[2] = upper_32_bits(MVGPU_ACCEL_VA_FENCE);
	fence[3] = lower_32_bits(ctx->seqno);
	fence[4] = upper_32_bits(ctx->seqno);
	mvgpu_accel_ring_emit(ctx, fence, MVGPU_CMD_NDW_FENCE);

	/* The tail write is the doorbell; writel orders the ring before. */
	mvgpu_accel_wr(ctx->adev,
		       MVGPU_CTX_REG(ctx->index, MVGPU_CTX_RING_TAIL),
		       ctx->tail);
	args->seqno = ctx->seqno;
out_unlock:
	mutex_unlock(&ctx->lock);
out:
	kvfree(cmds);
	return ret;
}

/**
 * mvgpu_accel_ioctl_wait() - DRM_IOCTL_MVGPU_WAIT
 * @drm: the device
 * @data: struct drm_mvgpu_wait
 * @file: the caller
 *
 * Return: 0, -ETIME, -EIO (context faulted or reset) or -ERESTARTSYS.
 */
int mvgpu_accel_ioctl_wait(struct drm_device *drm, void *data,
			   struct drm_file *file)
{
	struct mvgpu_accel_ctx *ctx = file->driver_priv;
	struct drm_mvgpu_wait *args = data;
	long left;

	if (args->seqno > READ_ONCE(ctx->seqno))
		return -EINVAL;
	left = wait_event_interruptible_timeout(ctx->wq,
						READ_ONCE(*ctx->fence) >= args->seqno ||
						mvgpu_accel_ctx_dead(ctx),
						msecs_to_jiffies(args->timeout_ms));
	if (left < 0)
		return left;
	if (READ_ONCE(*ctx->fence) >= args->seqno)
		return 0;
	if (mvgpu_accel_ctx_dead(ctx)) {
		spin_lock_irq(&ctx->adev->irq_lock);
		args->fault_reason = ctx->fault_reason;
		args->fault_addr = ctx->fault_addr;
		spin_unlock_irq(&ctx->adev->irq_lock);
		return -EIO;
	}
	return -ETIME;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * shadow_sync: the host's shadow of the guest GPU page tables, filled when
 * the engine first uses a 2 MiB region. A translation the engine used
 * stays in use after its entry changes until TLB_INV of its range (or a
 * PT_ROOT write); pinned_pages follows the valid translations the engine
 * used (map, unmap, large pages, reset, close) and shadow_entries counts a
 * large VRAM page once; VFIO_IOMMU_UNMAP_DMA of memory the GPU maps unpins
 * it and leaves no stale translation behind, and memory unmapped under
 * pins is pinned again only once seen unmapped; a run of guest pages crossing
 * the end of the VM's memory is pinned up to that end and faults after it;
 * at the shadow cap new translations fault with SHADOW_LIMIT until the
 * guest invalidates others, also those of another context.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "engine_test.h"

#define RING_SIZE	4096u
#define VA_X		0x60000000ull	/* the VA whose mapping changes */
#define EXTRA_IOVA	0x300000000ull	/* a second DMA mapping */

#define SHADOW_MB_PARAM	"/sys/module/mvgpu/parameters/max_shadow_mb"

FIXTURE(shd) {
	struct et_gpu g;
	struct libmvgpu_ctx ctx;
	struct et_buf a, b, dst;
	uint64_t shadow_mb;	/* max_shadow_mb to restore, 0 = untouched */
	char msg[256];
};

/* Buffers and context 0 on the vGPU (et_fixture_up()'s build). */
static int shd_build(void *fixture)
{
	FIXTURE_DATA(shd) *self = fixture;
	struct libmvgpu_gpu *gpu = &self->g.gpu;
	int ret;

	snprintf(self->msg, sizeof(self->msg), "buffers / context");
	/* pages A and B, first mapped at VA_SRC / VA_DST, dst at VA_AUX */
	ret = et_buf_sys(gpu, &self->g.pt, ET_VA_SRC, 4096, 0, 0, &self->a);
	if (!ret)
		ret = et_buf_sys(gpu, &self->g.pt, ET_VA_DST, 4096, 0, 0,
				 &self->b);
	if (!ret)
		ret = et_buf_sys(gpu, &self->g.pt, ET_VA_AUX, 4096, 0,
				 LIBMVGPU_MAP_WRITE, &self->dst);
	if (ret)
		return ret;
	memset(self->a.cpu, 0xaa, 4096);
	memset(self->b.cpu, 0xbb, 4096);
	ret = libmvgpu_pt_map(&self->g.pt, VA_X, self->a.addr, 4096, 0);
	if (!ret)
		ret = libmvgpu_ctx_init(&self->ctx, gpu, &self->g.pt, 0,
					RING_SIZE);
	return ret;
}

FIXTURE_SETUP(shd)
{
	int ret = et_fixture_up(&self->g, MT_PARENT0, MT_T18, shd_build, self,
				ET_UNMAPPED_OK, self->msg, sizeof(self->msg));

	MT_SKIP_NO_MMAP(ret);
	ASSERT_EQ(0, ret) TH_LOG("%s", self->msg);
}

FIXTURE_TEARDOWN_PARENT(shd)
{
	int ret = et_remove(&self->g);

	if (self->shadow_mb)
		EXPECT_EQ(0, libmvgpu_sysfs_write_u64(SHADOW_MB_PARAM,
						      self->shadow_mb));

	EXPECT_EQ(0, ret) TH_LOG("remove %s: %s", self->g.v.uuid,
				 strerror(-ret));
}

/* Copy one page from va to dst; the byte value seen, or -errno. */
static int read_through(struct libmvgpu_ctx *c, struct et_buf *dst, uint64_t va)
{
	uint8_t *d = dst->cpu;
	int ret;

	memset(d, 0, 4096);
	ret = libmvgpu_emit_copy(c, va, dst->va, 4096);
	if (!ret)
		ret = libmvgpu_ctx_sync(c, ET_TIMEOUT_MS);
	if (ret)
		return ret;
	if (mt_find_nonzero(d, 4096) != 0 || d[4095] != d[0])
		return -EIO;
	return d[0];
}

/* Make the engine read one page at va; 0 or -errno. */
static int touch(struct libmvgpu_ctx *c, struct et_buf *dst, uint64_t va)
{
	int ret = libmvgpu_emit_copy(c, va, dst->va, 4096);

	return ret ? ret : libmvgpu_ctx_sync(c, ET_TIMEOUT_MS);
}

/* Kick the ring and wait for the fault that stops it: *f. */
static void kick_to_fault(struct __test_metadata *_metadata,
			  struct libmvgpu_ctx *c, struct libmvgpu_fault *f)
{
	libmvgpu_ring_kick(c);
	ASSERT_EQ(0, libmvgpu_ctx_wait_fault(c, ET_TIMEOUT_MS, f));
}

TEST_F_TIMEOUT(shd, stale_until_invalidate, 120)
{
	struct libmvgpu_ctx *c = &self->ctx;

	ASSERT_EQ(0xaa, read_through(c, &self->dst, VA_X));
	/* point VA_X at B without telling the device: A is still used */
	ASSERT_EQ(0, libmvgpu_pt_map(&self->g.pt, VA_X, self->b.addr, 4096, 0));
	ASSERT_EQ(0xaa, read_through(c, &self->dst, VA_X));
	/* an invalidation of another range does not help */
	libmvgpu_ctx_tlb_inv(c, VA_X + 4096, 4096);
	libmvgpu_ctx_tlb_inv(c, VA_X - (2 << 20), 2 << 20);
	ASSERT_EQ(0xaa, read_through(c, &self->dst, VA_X));
	/* one covering it does (unaligned: rounded out to pages) */
	libmvgpu_ctx_tlb_inv(c, VA_X + 100, 1);
	ASSERT_EQ(0xbb, read_through(c, &self->dst, VA_X));

	/* and "everything" (size 0) works too */
	ASSERT_EQ(0, libmvgpu_pt_map(&self->g.pt, VA_X, self->a.addr, 4096, 0));
	ASSERT_EQ(0xbb, read_through(c, &self->dst, VA_X));
	libmvgpu_ctx_tlb_inv(c, 0, 0);
	ASSERT_EQ(0xaa, read_through(c, &self->dst, VA_X));
}

TEST_F_TIMEOUT(shd, unmap_takes_effect_on_invalidate, 120)
{
	struct libmvgpu_ctx *c = &self->ctx;
	struct libmvgpu_fault f;

	ASSERT_EQ(0xaa, read_through(c, &self->dst, VA_X));
	ASSERT_EQ(0, libmvgpu_pt_unmap(&self->g.pt, VA_X, 4096));
	ASSERT_EQ(0xaa, read_through(c, &self->dst, VA_X));
	libmvgpu_ctx_tlb_inv(c, VA_X, 4096);
	ASSERT_EQ(-EFAULT, read_through(c, &self->dst, VA_X));
	libmvgpu_ctx_read_fault(c, &f);
	ASSERT_EQ(MVGPU_FAULT_NOT_PRESENT, f.reason);
	ASSERT_EQ(VA_X, f.addr);
}

TEST_F_TIMEOUT(shd, pt_root_write_resyncs, 120)
{
	struct libmvgpu_ctx *c = &self->ctx;
	struct libmvgpu_pt pt2;

	/* a second table: the same ring, fence page and dst, VA_X -> B */
	ASSERT_EQ(0, libmvgpu_pt_init(&pt2, &self->g.gpu));
	ASSERT_EQ(0, libmvgpu_pt_map(&pt2, c->ring_va, c->ring_gpa, RING_SIZE,
				     0));
	ASSERT_EQ(0, libmvgpu_pt_map(&pt2, c->fence_va,
				     self->g.gpu.ram.iova +
				  ((uint8_t *)c->fence_cpu -
				   (uint8_t *)self->g.gpu.ram.vaddr),
				  4096, LIBMVGPU_MAP_WRITE));
	ASSERT_EQ(0, libmvgpu_pt_map(&pt2, ET_VA_AUX, self->dst.addr, 4096,
				     LIBMVGPU_MAP_WRITE));
	ASSERT_EQ(0, libmvgpu_pt_map(&pt2, VA_X, self->b.addr, 4096, 0));

	ASSERT_EQ(0xaa, read_through(c, &self->dst, VA_X));
	libmvgpu_ctx_wr(c, MVGPU_CTX_PT_ROOT_LO, (uint32_t)pt2.root);
	libmvgpu_ctx_wr(c, MVGPU_CTX_PT_ROOT_HI, (uint32_t)(pt2.root >> 32));
	c->pt = &pt2;
	ASSERT_EQ(0xbb, read_through(c, &self->dst, VA_X));
	/* the old table's other mappings are gone */
	ASSERT_EQ(-EFAULT, read_through(c, &self->dst, ET_VA_SRC));
}

TEST_F_TIMEOUT(shd, pinned_pages_follow_mappings, 120)
{
	struct libmvgpu_ctx *c = &self->ctx;
	const char *uuid = self->g.v.uuid;
	uint64_t base, entries, gpa, big;
	uint64_t va = 0x70000000ull;

	/* nothing is pinned before the engine uses it */
	ASSERT_EQ(0, et_attr(uuid, "pinned_pages"));
	ASSERT_EQ(0, et_attr(uuid, "shadow_entries"));
	/* ring, fence page, VA_X (page A) and dst, each in its own region */
	ASSERT_EQ(0xaa, read_through(c, &self->dst, VA_X));
	base = et_attr(uuid, "pinned_pages");
	ASSERT_EQ(4, base);
	ASSERT_LE(4, et_attr(uuid, "shadow_fills"));

	/* 64 new pages: pinned when used, all of their 2 MiB region at once */
	ASSERT_EQ(0, libmvgpu_gpu_alloc(&self->g.gpu, 64 * 4096, 0, &gpa, NULL));

	ASSERT_EQ(0, libmvgpu_pt_map(&self->g.pt, va, gpa, 64 * 4096, 0));
	libmvgpu_ctx_tlb_inv(c, va, 64 * 4096);
	ASSERT_EQ(base, et_attr(uuid, "pinned_pages"));
	ASSERT_EQ(0, touch(c, &self->dst, va + 63 * 4096));
	ASSERT_EQ(base + 64, et_attr(uuid, "pinned_pages"));
	ASSERT_EQ(0, libmvgpu_pt_unmap(&self->g.pt, va, 32 * 4096));
	libmvgpu_ctx_tlb_inv(c, va, 32 * 4096);
	ASSERT_EQ(base + 32, et_attr(uuid, "pinned_pages"));
	ASSERT_EQ(0, libmvgpu_pt_unmap(&self->g.pt, va, 64 * 4096));
	/* invalidating everything drops everything */
	libmvgpu_ctx_tlb_inv(c, 0, 0);
	ASSERT_EQ(0, et_attr(uuid, "pinned_pages"));
	ASSERT_EQ(0, et_attr(uuid, "shadow_entries"));

	/* a 2 MiB page of system memory is 512 pages */
	ASSERT_EQ(0, libmvgpu_gpu_alloc(&self->g.gpu, 2 << 20, 2 << 20, &big,
					NULL));

	ASSERT_EQ(0, libmvgpu_pt_map(&self->g.pt, 0x80000000ull, big, 2 << 20,
				     LIBMVGPU_MAP_LARGE));
	libmvgpu_ctx_tlb_inv(c, 0x80000000ull, 2 << 20);
	ASSERT_EQ(0, touch(c, &self->dst, 0x80000000ull + (1 << 20)));
	ASSERT_EQ(3 + 512, et_attr(uuid, "pinned_pages"));
	/* VRAM mappings pin nothing; a 2 MiB VRAM page is one entry */
	entries = et_attr(uuid, "shadow_entries");
	ASSERT_EQ(0, libmvgpu_pt_map(&self->g.pt, 0x90000000ull, 0, 1 << 20,
				     LIBMVGPU_MAP_VRAM));
	ASSERT_EQ(0, libmvgpu_pt_map(&self->g.pt, 0xa0000000ull, 2 << 20, 2 << 20,
				     LIBMVGPU_MAP_VRAM | LIBMVGPU_MAP_LARGE));
	libmvgpu_ctx_tlb_inv(c, 0x90000000ull, 0x20000000ull);
	ASSERT_EQ(0, touch(c, &self->dst, 0x90000000ull));
	ASSERT_EQ(entries + 256, et_attr(uuid, "shadow_entries"));
	ASSERT_EQ(0, touch(c, &self->dst, 0xa0000000ull + 4096));
	ASSERT_EQ(entries + 257, et_attr(uuid, "shadow_entries"));
	ASSERT_EQ(3 + 512, et_attr(uuid, "pinned_pages"));

	/* a reset drops every GPU mapping */
	ASSERT_EQ(0, libmvgpu_reset(&self->g.v.dev));
	ASSERT_EQ(0, et_attr(uuid, "pinned_pages"));
	ASSERT_EQ(0, et_attr(uuid, "shadow_entries"));
	ASSERT_EQ(0, libmvgpu_ctx_rd(c, MVGPU_CTX_STATUS));

	/* enabling again pins nothing until used; closing unpins */
	libmvgpu_ctx_enable(c);
	ASSERT_EQ(0, et_attr(uuid, "pinned_pages"));
	ASSERT_EQ(0, touch(c, &self->dst, 0x80000000ull));
	ASSERT_EQ(3 + 512, et_attr(uuid, "pinned_pages"));
	/*
	 * Close the device (the BAR2 mmap holds the file too) but keep the
	 * container: the DMA mappings stay, so this is the close alone.
	 */
	if (self->g.gpu.vram)
		munmap(self->g.gpu.vram, self->g.gpu.vram_size);
	self->g.gpu.vram = NULL;
	libmvgpu_close_device(&self->g.v.dev);
	ASSERT_EQ(0, et_attr(uuid, "pinned_pages"));
}

/*
 * 16 pages of a second DMA mapping at EXTRA_IOVA (0xcc), mapped at @va and
 * used by the GPU, after a first use of VA_X; *base is the pin count
 * before. Return: 0, or -EIO when a step did not give what it should.
 */
static int use_extra(FIXTURE_DATA(shd) *self, struct libmvgpu_dma *extra,
		     uint64_t va, uint64_t *base)
{
	struct libmvgpu_ctx *c = &self->ctx;
	const char *uuid = self->g.v.uuid;

	if (read_through(c, &self->dst, VA_X) != 0xaa)
		return -EIO;
	*base = et_attr(uuid, "pinned_pages");
	if (libmvgpu_dma_map(&self->g.v.dev, EXTRA_IOVA, 16 * 4096, extra))
		return -EIO;
	memset(extra->vaddr, 0xcc, 16 * 4096);
	if (libmvgpu_pt_map(&self->g.pt, va, EXTRA_IOVA, 16 * 4096, 0))
		return -EIO;
	libmvgpu_ctx_tlb_inv(c, va, 16 * 4096);
	if (read_through(c, &self->dst, va + 15 * 4096) != 0xcc ||
	    et_attr(uuid, "pinned_pages") != *base + 16)
		return -EIO;
	return 0;
}

/* Copy one page from va to dst, which faults: *f. */
static void copy_to_fault(struct __test_metadata *_metadata,
			  FIXTURE_DATA(shd) *self, uint64_t va,
			  struct libmvgpu_fault *f)
{
	ASSERT_EQ(0, libmvgpu_emit_copy(&self->ctx, va, self->dst.va, 4096));
	kick_to_fault(_metadata, &self->ctx, f);
}

/* Map the 16 pages at EXTRA_IOVA again, filled with byte, and flush va. */
static void remap_extra(struct __test_metadata *_metadata,
			FIXTURE_DATA(shd) *self, struct libmvgpu_dma *extra,
			uint64_t va, uint8_t byte)
{
	ASSERT_EQ(0, libmvgpu_dma_map(&self->g.v.dev, EXTRA_IOVA, 16 * 4096,
				      extra));
	memset(extra->vaddr, byte, 16 * 4096);
	libmvgpu_ctx_tlb_inv(&self->ctx, va, 16 * 4096);
}

/* Unmap va from the GPU, flush it and unmap the DMA mapping extra. */
static void drop_extra(struct __test_metadata *_metadata,
		       FIXTURE_DATA(shd) *self, struct libmvgpu_dma *extra,
		       uint64_t va)
{
	libmvgpu_pt_unmap(&self->g.pt, va, 16 * 4096);
	libmvgpu_ctx_tlb_inv(&self->ctx, va, 16 * 4096);
	ASSERT_EQ(0, libmvgpu_dma_unmap(&self->g.v.dev, extra));
}

TEST_F_TIMEOUT(shd, dma_unmap_of_mapped_memory, 120)
{
	struct libmvgpu_ctx *c = &self->ctx;
	const char *uuid = self->g.v.uuid;
	struct libmvgpu_dma extra = { 0 };
	struct libmvgpu_fault f;
	uint64_t base, va = 0x70000000ull;
	int ret;

	ASSERT_EQ(0, use_extra(self, &extra, va, &base));

	/* the VM takes the memory away while the GPU still maps it */
	ret = libmvgpu_dma_unmap(&self->g.v.dev, &extra);
	ASSERT_EQ(0, ret) TH_LOG("VFIO_IOMMU_UNMAP_DMA: %s", strerror(-ret));
	ASSERT_EQ(base, et_attr(uuid, "pinned_pages"));
	/* no stale translation: the access faults, dst is not written */
	memset(self->dst.cpu, 0x11, 4096);
	copy_to_fault(_metadata, self, va + 4096, &f);
	TH_LOG("fault after unmap: reason %u addr %#llx", f.reason,
	       (unsigned long long)f.addr);
	ASSERT_TRUE(f.reason == MVGPU_FAULT_BAD_GPA ||
		    f.reason == MVGPU_FAULT_NOT_PRESENT);
	ASSERT_EQ(va + 4096, f.addr);
	ASSERT_EQ(0x11, ((uint8_t *)self->dst.cpu)[0]);
	ASSERT_EQ(0x11, ((uint8_t *)self->dst.cpu)[4095]);
	ASSERT_EQ(base, et_attr(uuid, "pinned_pages"));

	/* mapping memory at that IOVA again and fixing up resumes */
	remap_extra(_metadata, self, &extra, va, 0xdd);
	libmvgpu_ctx_fault_clear(c);
	ASSERT_EQ(0, libmvgpu_ctx_sync(c, ET_TIMEOUT_MS));
	ASSERT_EQ(0xdd, ((uint8_t *)self->dst.cpu)[0]);
	ASSERT_EQ(base + 16, et_attr(uuid, "pinned_pages"));
	drop_extra(_metadata, self, &extra, va);
}

/*
 * Memory unmapped while the GPU held pins in it is not pinned again until
 * the vGPU has seen it unmapped: vfio_iommu_type1 retries an unmap whose
 * range got a pin between its rounds, and calls BUG() after ten. Mapped
 * again at once, without an access in between, it stays out of reach
 * (BAD_GPA); an access while it is unmapped lets it in again.
 */
TEST_F_TIMEOUT(shd, dma_remap_seen_unmapped_first, 120)
{
	struct libmvgpu_ctx *c = &self->ctx;
	const char *uuid = self->g.v.uuid;
	struct libmvgpu_dma extra = { 0 };
	struct libmvgpu_fault f;
	uint64_t base, va = 0x70000000ull;

	ASSERT_EQ(0, use_extra(self, &extra, va, &base));

	/* unmapped under the pins and mapped again at once */
	ASSERT_EQ(0, libmvgpu_dma_unmap(&self->g.v.dev, &extra));
	ASSERT_EQ(base, et_attr(uuid, "pinned_pages"));
	remap_extra(_metadata, self, &extra, va, 0xdd);
	copy_to_fault(_metadata, self, va + 4096, &f);
	ASSERT_EQ(MVGPU_FAULT_BAD_GPA, f.reason);
	ASSERT_EQ(va + 4096, f.addr);
	ASSERT_EQ(base, et_attr(uuid, "pinned_pages"));

	/* seen unmapped: usable again once mapped */
	ASSERT_EQ(0, libmvgpu_dma_unmap(&self->g.v.dev, &extra));
	libmvgpu_ctx_tlb_inv(c, va, 16 * 4096);
	libmvgpu_ctx_fault_clear(c);
	ASSERT_EQ(0, libmvgpu_ctx_wait_fault(c, ET_TIMEOUT_MS, &f));
	ASSERT_EQ(MVGPU_FAULT_BAD_GPA, f.reason);
	remap_extra(_metadata, self, &extra, va, 0xee);
	libmvgpu_ctx_fault_clear(c);
	ASSERT_EQ(0, libmvgpu_ctx_sync(c, ET_TIMEOUT_MS));
	ASSERT_EQ(0xee, ((uint8_t *)self->dst.cpu)[0]);
	drop_extra(_metadata, self, &extra, va);
	ASSERT_EQ(base, et_attr(uuid, "pinned_pages"));
}

/*
 * A run of contiguous guest pages that crosses the end of the VM's memory
 * (the mediator pins such runs at one go): the pages inside are pinned and
 * usable, the first page outside faults with BAD_GPA at its exact VA, and
 * nothing beyond the valid pages stays pinned.
 */
TEST_F_TIMEOUT(shd, run_crossing_end_of_memory, 120)
{
	struct libmvgpu_ctx *c = &self->ctx;
	const char *uuid = self->g.v.uuid;
	struct libmvgpu_dma extra = { 0 };
	struct libmvgpu_fault f;
	uint64_t base, va = 0x70000000ull;

	ASSERT_EQ(0xaa, read_through(c, &self->dst, VA_X));
	base = et_attr(uuid, "pinned_pages");
	ASSERT_EQ(0, libmvgpu_dma_map(&self->g.v.dev, EXTRA_IOVA, 8 * 4096,
				      &extra));
	memset(extra.vaddr, 0xcc, 8 * 4096);
	/* 16 pages from EXTRA_IOVA: 8 in the VM's memory, 8 beyond it */
	ASSERT_EQ(0, libmvgpu_pt_map(&self->g.pt, va, EXTRA_IOVA, 16 * 4096, 0));
	libmvgpu_ctx_tlb_inv(c, va, 16 * 4096);
	ASSERT_EQ(0xcc, read_through(c, &self->dst, va));
	ASSERT_EQ(base + 8, et_attr(uuid, "pinned_pages"));
	ASSERT_EQ(0xcc, read_through(c, &self->dst, va + 7 * 4096));

	copy_to_fault(_metadata, self, va + 8 * 4096, &f);
	ASSERT_EQ(MVGPU_FAULT_BAD_GPA, f.reason);
	ASSERT_EQ(va + 8 * 4096, f.addr);
	ASSERT_EQ(base + 8, et_attr(uuid, "pinned_pages"));

	libmvgpu_pt_unmap(&self->g.pt, va, 16 * 4096);
	libmvgpu_ctx_tlb_inv(c, va, 16 * 4096);
	ASSERT_EQ(base, et_attr(uuid, "pinned_pages"));
	ASSERT_EQ(0, libmvgpu_dma_unmap(&self->g.v.dev, &extra));
}

/*
 * After a first use of VA_X, cap the shadow at 1 MiB (256 entries; the
 * teardown restores the cap) and map 1 MiB of VRAM at ET_VA_VRAM as v.
 */
static void cap_shadow(struct __test_metadata *_metadata,
		       FIXTURE_DATA(shd) *self, struct et_buf *v)
{
	ASSERT_EQ(0xaa, read_through(&self->ctx, &self->dst, VA_X));
	ASSERT_EQ(0, libmvgpu_sysfs_read_u64(SHADOW_MB_PARAM, &self->shadow_mb));
	ASSERT_EQ(0, libmvgpu_sysfs_write_u64(SHADOW_MB_PARAM, 1));
	ASSERT_EQ(0, et_buf_vram(&self->g.gpu, &self->g.pt, ET_VA_VRAM, 0,
				 1 << 20, LIBMVGPU_MAP_WRITE, v));
}

TEST_F_TIMEOUT(shd, at_the_cap_new_translations_fault, 120)
{
	const char *uuid = self->g.v.uuid;
	struct libmvgpu_ctx *c = &self->ctx;
	struct libmvgpu_fault f;
	struct et_buf v;
	uint64_t last = ET_VA_VRAM + (1 << 20) - 4096;

	/* a cap of 256 entries, and 256 VRAM pages on top of what is used */
	cap_shadow(_metadata, self, &v);
	libmvgpu_ctx_tlb_inv(c, ET_VA_VRAM, 1 << 20);
	ASSERT_EQ(0, libmvgpu_emit_fill(c, ET_VA_VRAM, 4096, 0x1d));
	ASSERT_EQ(0, libmvgpu_ctx_sync(c, ET_TIMEOUT_MS));
	ASSERT_EQ(0x1d, libmvgpu_vram_rd32(&self->g.gpu, v.addr + 1023 * 4));
	ASSERT_EQ(256, et_attr(uuid, "shadow_entries"));

	/* the last page did not fit */
	ASSERT_EQ(0, libmvgpu_emit_fill(c, last, 4096, 0x2e));
	kick_to_fault(_metadata, c, &f);
	ASSERT_EQ(MVGPU_FAULT_SHADOW_LIMIT, f.reason);
	ASSERT_EQ(last, f.addr);
	ASSERT_EQ(256, et_attr(uuid, "shadow_entries"));

	/* invalidating what it no longer needs makes room */
	libmvgpu_ctx_tlb_inv(c, ET_VA_VRAM, 512 << 10);
	libmvgpu_ctx_fault_clear(c);
	ASSERT_EQ(0, libmvgpu_ctx_sync(c, ET_TIMEOUT_MS));
	ASSERT_EQ(0x2e, libmvgpu_vram_rd32(&self->g.gpu,
					   v.addr + ((1 << 18) - 1) * 4));
	ASSERT_GE(256, et_attr(uuid, "shadow_entries"));
}

/*
 * At the cap, room that one context frees lets another context's
 * translation in: its next miss fills again instead of faulting at once.
 */
TEST_F_TIMEOUT(shd, room_freed_by_another_context, 120)
{
	struct libmvgpu_gpu *gpu = &self->g.gpu;
	struct libmvgpu_ctx *c = &self->ctx, c1;
	uint64_t last = ET_VA_VRAM + (1 << 20) - 4096;
	struct libmvgpu_fault f;
	struct et_buf v;

	cap_shadow(_metadata, self, &v);
	/* context 1 (its ring and fence page in first) takes the rest */
	ASSERT_EQ(0, libmvgpu_ctx_init(&c1, gpu, &self->g.pt, 1, RING_SIZE));
	ASSERT_EQ(0, libmvgpu_ctx_sync(&c1, ET_TIMEOUT_MS));
	ASSERT_EQ(0, libmvgpu_emit_fill(&c1, ET_VA_VRAM, 4096, 0x11));
	ASSERT_EQ(0, libmvgpu_ctx_sync(&c1, ET_TIMEOUT_MS));
	ASSERT_EQ(256, et_attr(self->g.v.uuid, "shadow_entries"));

	/* context 0 finds no room */
	ASSERT_EQ(0, libmvgpu_emit_fill(c, last, 4096, 0x22));
	kick_to_fault(_metadata, c, &f);
	ASSERT_EQ(MVGPU_FAULT_SHADOW_LIMIT, f.reason);

	/* context 1 lets go of its VRAM translations: context 0 gets in */
	libmvgpu_ctx_tlb_inv(&c1, ET_VA_VRAM, 1 << 20);
	libmvgpu_ctx_fault_clear(c);
	ASSERT_EQ(0, libmvgpu_ctx_sync(c, ET_TIMEOUT_MS));
	ASSERT_EQ(0x22, libmvgpu_vram_rd32(&self->g.gpu,
					   v.addr + ((1 << 18) - 1) * 4));
}

TEST_HARNESS_MAIN

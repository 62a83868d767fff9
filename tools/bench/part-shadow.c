// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu-bench part 5, shadow: the time to shadow a large mapping
 * (default 1 GiB of 4 KiB pages, one TLB_INV) and to sync a one-page
 * invalidate.
 */
#include <errno.h>
#include <stdlib.h>

#include "bench.h"

static void shadow_run(struct inst *in, bool vram, bool large,
		       uint64_t backing, uint64_t backing_gpa)
{
	uint64_t size = (uint64_t)opt.shadow_mb << 20;
	/* a level-3 entry of its own: no 4 KiB tables where large pages go */
	uint64_t va = large ? 0x8000000000ull : 0x4000000000ull;
	uint64_t off, *t, pinned0 = inst_attr(in, "pinned_pages");
	uint64_t fills0 = inst_attr(in, "shadow_fills");
	uint32_t flags = LIBMVGPU_MAP_WRITE | (vram ? LIBMVGPU_MAP_VRAM : 0) |
			 (large ? LIBMVGPU_MAP_LARGE : 0);
	int64_t pinned;
	unsigned int i;
	double t0, tb, ti, tf;

	t0 = bench_now_s();
	for (off = 0; off < size; off += backing) {
		uint64_t len = size - off < backing ? size - off : backing;

		bench_check(libmvgpu_pt_map(&in->pt, va + off, vram ? 0 : backing_gpa,
					    len, flags), "map");
	}
	tb = bench_now_s() - t0;
	t0 = bench_now_s();
	libmvgpu_ctx_tlb_inv(&in->ctx, va, size);
	ti = bench_now_s() - t0;
	/* the engine's first use of every 2 MiB region fills it */
	t0 = bench_now_s();
	for (off = 0; off < size; off += 2 << 20)
		bench_check(libmvgpu_emit_fill(&in->ctx, va + off, 4, 0), "fill");
	bench_check(libmvgpu_ctx_sync(&in->ctx, 600000), "first use");
	tf = bench_now_s() - t0;
	printf("    %-6s %u MiB in %s pages (%llu PTEs over %llu MiB of %s):\n",
	       vram ? "VRAM" : "sysmem", opt.shadow_mb, large ? "2 MiB" : "4 KiB",
	       (unsigned long long)(size >> (large ? 21 : 12)),
	       (unsigned long long)(backing >> 20),
	       vram ? "VRAM" : "guest RAM");
	pinned = inst_attr(in, "pinned_pages") - pinned0;
	printf("        build tables in the guest %.3f s, TLB_INV %.6f s\n",
	       tb, ti);
	printf("        first use of each 2 MiB (shadow fills +%llu) %.3f s = %.2f us/PTE, pinned_pages +%lld, shadow_entries %llu\n",
	       (unsigned long long)(inst_attr(in, "shadow_fills") - fills0), tf,
	       tf * 1e6 / (size >> (large ? 21 : 12)), (long long)pinned,
	       (unsigned long long)inst_attr(in, "shadow_entries"));
	if (!vram && pinned < (int64_t)(size >> 12))
		printf("        (%lld PTEs not pinned: the host's pin cap, max_pinned_mb, was reached)\n",
		       (long long)((size >> 12) - pinned));
	if (large)
		goto unmap;

	/* one-page invalidates */
	t = calloc(opt.inv_reps, sizeof(*t));
	if (!t)
		bench_die("calloc", ENOMEM);
	for (i = 0; i < opt.inv_reps; i++) {
		uint64_t pva = va + (uint64_t)(i * 4099 % (size >> 12)) * 4096;
		uint64_t n0;

		bench_check(libmvgpu_pt_map(&in->pt, pva,
					    (vram ? 0 : backing_gpa) + (i % 2) * 4096,
				   4096, flags), "map");
		n0 = libmvgpu_now_ns();
		libmvgpu_ctx_tlb_inv(&in->ctx, pva, 4096);
		t[i] = libmvgpu_now_ns() - n0;
	}
	bench_stats("        one-page TLB_INV:", t, opt.inv_reps);
	free(t);

unmap:
	/* and away again */
	bench_check(libmvgpu_pt_unmap(&in->pt, va, size), "unmap");
	t0 = bench_now_s();
	libmvgpu_ctx_tlb_inv(&in->ctx, va, size);
	ti = bench_now_s() - t0;
	printf("        unmap all + TLB_INV %.3f s, pinned_pages back to +%lld\n",
	       ti, (long long)(inst_attr(in, "pinned_pages") - pinned0));
}

void part_shadow(void)
{
	uint64_t backing = (uint64_t)opt.backing_mb << 20, gpa;
	/* tables: 8 bytes per PTE, plus upper levels */
	uint64_t tables = ((uint64_t)opt.shadow_mb << 20) / 512 + (4 << 20);
	struct inst in;

	printf("\n[5] shadowing, one mvgpu-1_2 vGPU, %u MiB of VA aliased over the backing\n",
	       opt.shadow_mb);
	inst_up(&in, "mvgpu-1_2", (backing + 2 * tables) >> 20);
	if (backing > in.work_size)
		backing = in.work_size;
	shadow_run(&in, true, false, backing, 0);
	shadow_run(&in, true, true, backing, 0);
	bench_check(libmvgpu_gpu_alloc(&in.gpu, (uint64_t)opt.backing_mb << 20, 0, &gpa,
				       NULL), "backing");
	shadow_run(&in, false, false, (uint64_t)opt.backing_mb << 20, gpa);
	inst_down(&in);
}

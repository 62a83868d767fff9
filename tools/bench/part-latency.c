// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu-bench part 4, latency: doorbell-to-first-command latency
 * (TIMESTAMP command against the TIMESTAMP register read just before the
 * doorbell) and the cost of a context switch (WAIT/FENCE ping-pong of two
 * contexts against the same commands in one context).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/*
 * Context switch cost: two contexts of one vGPU each run a stream of
 * TIMESTAMP commands; the scheduler lets busy contexts take turns. In the
 * merged stamps, a gap between stamps of different contexts contains a
 * switch; a gap within one context is the cost of one command.
 */
#define IL_STAMPS	5000
#define IL_ROUNDS	4
#define IL_VA		0xa0000000ull

static void part_interleave(struct inst *in, struct libmvgpu_ctx *c1)
{
	struct libmvgpu_ctx *c[2] = { &in->ctx, c1 };
	uint64_t gpa, *st, *sw, *same, nsw = 0, nsame = 0, med_sw, med_same;
	size_t sz = 2 * IL_STAMPS * 8;
	unsigned int r, i, j;

	bench_check(libmvgpu_gpu_alloc(&in->gpu, sz, 0, &gpa, (void **)&st), "alloc");
	bench_check(libmvgpu_pt_map(&in->pt, IL_VA, gpa, (sz + 4095) & ~4095ul,
				    LIBMVGPU_MAP_WRITE), "map");
	libmvgpu_ctx_tlb_inv(c[0], IL_VA, (sz + 4095) & ~4095ul);
	libmvgpu_ctx_tlb_inv(c[1], IL_VA, (sz + 4095) & ~4095ul);
	sw = calloc(2 * IL_STAMPS * IL_ROUNDS, sizeof(*sw));
	same = calloc(2 * IL_STAMPS * IL_ROUNDS, sizeof(*same));
	if (!sw || !same)
		bench_die("calloc", ENOMEM);
	/* go past the FENCE values the ping-pong left */
	c[0]->seqno = libmvgpu_ctx_fence_reg(c[0]);
	c[1]->seqno = libmvgpu_ctx_fence_reg(c[1]);

	for (r = 0; r < IL_ROUNDS; r++) {
		int64_t seq[2];

		memset(st, 0, sz);
		for (j = 0; j < 2; j++) {
			for (i = 0; i < IL_STAMPS; i++)
				bench_check(libmvgpu_emit_timestamp(c[j], IL_VA +
					8ull * (j * IL_STAMPS + i)), "ts");
			seq[j] = libmvgpu_ctx_fence(c[j], false);
		}
		libmvgpu_ring_kick(c[1]);
		libmvgpu_ring_kick(c[0]);
		for (j = 0; j < 2; j++)
			bench_check(libmvgpu_ctx_wait_fence(c[j], seq[j], 600000),
				    "interleave");
		/* merge the two ordered streams */
		i = 0;
		j = 0;
		while (i + j + 1 < 2 * IL_STAMPS) {
			uint64_t *a = st, *b = st + IL_STAMPS, cur, next;
			bool cur_a, next_a;

			cur_a = j >= IL_STAMPS || (i < IL_STAMPS && a[i] <= b[j]);
			cur = cur_a ? a[i++] : b[j++];
			next_a = j >= IL_STAMPS || (i < IL_STAMPS && a[i] <= b[j]);
			next = next_a ? a[i] : b[j];
			if (cur_a != next_a)
				sw[nsw++] = next - cur;
			else
				same[nsame++] = next - cur;
		}
	}
	if (!nsw) {
		printf("    two busy contexts: no switch between them seen\n");
	} else {
		bench_stats("gap across a context switch:", sw, nsw);
		med_sw = sw[nsw / 2];
		bench_stats("gap between commands, same ctx:", same, nsame);
		med_same = same[nsame / 2];
		printf("    %llu switches between two busy contexts (%u x %u TIMESTAMPs each)\n",
		       (unsigned long long)nsw, IL_ROUNDS, IL_STAMPS);
		printf("    context switch cost (median switch gap - median command gap): %.1f us\n",
		       ((double)med_sw - (double)med_same) / 1e3);
	}
	free(sw);
	free(same);
}

void part_latency(void)
{
	unsigned int n = opt.lat_reps, i;
	uint64_t *lat, *ts, *pp, *one, sw0, sw, med_handoff;
	uint64_t ts_va = 0x90000000ull, ts_gpa;
	struct libmvgpu_ctx c1;
	struct inst in;
	size_t tsz;

	printf("\n[4] latency, one mvgpu-1_8 vGPU, %u repetitions\n", n);
	tsz = ((4 * (size_t)n + 8) * 8 + 4095) & ~4095ul;
	inst_up(&in, "mvgpu-1_8", 2 + tsz / (1 << 20));
	bench_check(libmvgpu_gpu_alloc(&in.gpu, tsz, 0, &ts_gpa, (void **)&ts), "alloc");
	bench_check(libmvgpu_pt_map(&in.pt, ts_va, ts_gpa, tsz, LIBMVGPU_MAP_WRITE), "map");
	libmvgpu_ctx_tlb_inv(&in.ctx, ts_va, tsz);
	lat = calloc(4 * (size_t)n, sizeof(*lat));
	if (!lat)
		bench_die("calloc", ENOMEM);

	/* doorbell to first command, on an idle engine */
	for (i = 0; i < n; i++) {
		uint64_t t0;
		int64_t seq;

		bench_check(libmvgpu_emit_timestamp(&in.ctx, ts_va), "timestamp");
		seq = libmvgpu_ctx_fence(&in.ctx, false);
		t0 = libmvgpu_gpu_timestamp(&in.gpu);
		libmvgpu_ring_kick(&in.ctx);
		bench_check(libmvgpu_ctx_wait_fence(&in.ctx, seq, 60000), "wait");
		lat[i] = libmvgpu_load64(ts) - t0;
		libmvgpu_sleep_us(2000);
	}
	bench_stats("doorbell -> first command:", lat, n);

	/*
	 * Context switch: contexts 0 and 1 ping-pong through two semaphores
	 * with WAIT and FENCE, each stamping the time when it runs. A hand-off
	 * (stamp of one to stamp of the other) costs a switch plus WAIT and
	 * FENCE; the same commands in one context give the cost without the
	 * switch.
	 */
	/* ts[2n + 2] ping, ts[2n + 3] pong */
	pp = ts;		/* pp[2i] by ctx 0, pp[2i + 1] by ctx 1 */
	memset(ts, 0, tsz);
	bench_check(libmvgpu_ctx_init(&c1, &in.gpu, &in.pt, 1, RING_SIZE), "ctx 1");
	sw0 = inst_attr(&in, "context_switches");
	for (i = 1; i <= n; i++) {
		uint64_t sem_va = ts_va + (uint64_t)(2 * n + 2) * 8;

		bench_check(libmvgpu_emit_timestamp(&in.ctx, ts_va + 16ull * (i - 1)),
			    "ts");
		bench_check(libmvgpu_emit_fence(&in.ctx, sem_va, i, false), "fence");
		bench_check(libmvgpu_emit_wait(&in.ctx, sem_va + 8, i), "wait");
		bench_check(libmvgpu_emit_wait(&c1, sem_va, i), "wait");
		bench_check(libmvgpu_emit_timestamp(&c1, ts_va + 16ull * (i - 1) + 8),
			    "ts");
		bench_check(libmvgpu_emit_fence(&c1, sem_va + 8, i, false), "fence");
	}
	libmvgpu_ring_kick(&c1);
	libmvgpu_ring_kick(&in.ctx);
	bench_check(libmvgpu_ctx_wait_fence(&c1, n, 600000), "ping-pong");
	sw = inst_attr(&in, "context_switches") - sw0;
	for (i = 0; i + 1 < 2 * n; i++)
		lat[i] = pp[i + 1] - pp[i];
	bench_stats("WAIT/FENCE ping-pong hand-off:", lat, 2 * n - 1);
	med_handoff = lat[(2 * n - 1) / 2];

	/* the same commands in one context */
	memset(ts, 0, tsz);
	/* its FENCE register holds the ping values now: go past them */
	in.ctx.seqno = 2 * n;
	for (i = 1; i <= n; i++) {
		uint64_t sem_va = ts_va + (uint64_t)(2 * n + 2) * 8;

		bench_check(libmvgpu_emit_timestamp(&in.ctx, ts_va + 8ull * (i - 1)),
			    "ts");
		bench_check(libmvgpu_emit_fence(&in.ctx, sem_va, n + i, false),
			    "fence");
		bench_check(libmvgpu_emit_wait(&in.ctx, sem_va, n + i), "wait");
	}
	bench_check(libmvgpu_ctx_sync(&in.ctx, 600000), "single");
	one = lat + 3 * n;
	for (i = 0; i + 1 < n; i++)
		one[i] = ts[i + 1] - ts[i];
	bench_stats("same commands, one context:", one, n - 1);
	printf("    context switches counted: %llu for %u round trips\n",
	       (unsigned long long)sw, n);
	printf("    (a hand-off waits for the engine to look at WAITs again: its\n"
	       "     re-poll interval, not the switch itself, dominates it)\n");

	printf("    WAIT hand-off minus one-context step: %.1f us\n",
	       ((double)med_handoff - (double)one[(n - 1) / 2]) / 1e3);

	part_interleave(&in, &c1);
	free(lat);
	inst_down(&in);
}

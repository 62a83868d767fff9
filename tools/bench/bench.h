/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvgpu-bench: what its parts (part-*.c, listed in main.c's table) share:
 * the options, the vGPUs under test with their load generators, and
 * helpers. Every function here dies (exit 1, the vGPUs removed) on an
 * error: the benchmark prints numbers, a failure ends it.
 */
#ifndef MVGPU_BENCH_H
#define MVGPU_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/mvgpu_gpu.h"
#include "lib/mvgpu_load.h"

#define RING_SIZE	(64u << 10)
#define MAX_INST	72	/* vGPUs the benchmark holds at once */
#define WORK_VA		0x40000000ull
#define MIB		(1024.0 * 1024.0)
#define TP_MAX_ROUNDS	16	/* part 2 */

struct opts {
	const char *parent;
	const char *parent2;		/* part 7 destination */
	unsigned int window;		/* s, parts 1 and 8 */
	unsigned int agg_window;	/* s, part 3 */
	unsigned int warmup;		/* s */
	unsigned int copy_mb;
	unsigned int copy_reps;
	unsigned int gemm_dim;
	unsigned int gemm_reps;
	unsigned int tp_rounds;		/* part 2 */
	unsigned int load_dim;		/* GEMM size of the load streams */
	unsigned int lat_reps;
	unsigned int shadow_mb;
	unsigned int backing_mb;
	unsigned int inv_reps;
	unsigned int sched_window;	/* s, part 6 */
	unsigned int mig_gap_ms;	/* part 7: last pass to STOP_COPY */
	bool vm_path;			/* part 9: also a nested guest */
	char parts[16];
};

extern struct opts opt;

/* One vGPU under test, with a load generator (not running at first). */
struct inst {
	char uuid[LIBMVGPU_UUID_LEN + 1];
	bool created;
	struct libmvgpu_dev dev;
	bool open;
	struct libmvgpu_gpu gpu;
	bool gpu_up;
	struct libmvgpu_pt pt;
	struct libmvgpu_ctx ctx;
	uint64_t work_size;	/* VRAM mapped at WORK_VA */
	struct libmvgpu_load load;
};

/* One part: its digit in --parts, a name and what it measures. */
struct bench_part {
	char id;
	const char *name;
	const char *summary;
	void (*run)(void);
};

/* Print "mvgpu-bench: what: strerror(|err|)" and exit(1). */
void bench_die(const char *what, int err);
/* bench_die(what, ret) when ret is not 0. */
void bench_check(int ret, const char *what);
/* Remove every vGPU still up (atexit). */
void bench_cleanup(void);
/* CLOCK_MONOTONIC in s. */
double bench_now_s(void);
/* Print min, median, mean and max of the n ns values of v (sorted). */
void bench_stats(const char *what, uint64_t *v, unsigned int n);

/* Only create a vGPU of type on parent (removed by inst_down()). */
void inst_create(struct inst *in, const char *parent, const char *type);
/*
 * Create and open a vGPU of type on parent (inst_up: on --parent), with
 * ram_mb of guest RAM, its whole VRAM mapped at WORK_VA and context 0.
 */
void inst_up_on(struct inst *in, const char *parent, const char *type,
		size_t ram_mb);
void inst_up(struct inst *in, const char *type, size_t ram_mb);
/* Stop its load, close and remove it. */
void inst_down(struct inst *in);
/* One of its sysfs counters (0 when unreadable). */
uint64_t inst_attr(struct inst *in, const char *name);
/* Keep its ring full: GEMMs of --load-dim, with COPYs between when mixed. */
void inst_load_start(struct inst *in, bool mixed);
void inst_load_stop(struct inst *in);

void part_share(void);
void part_throughput(void);
void part_aggregate(void);
void part_latency(void);
void part_shadow(void);
void part_sched(void);
void part_migration(void);
void part_display(void);
void part_container(void);

#endif /* MVGPU_BENCH_H */

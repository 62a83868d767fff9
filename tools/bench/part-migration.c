// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu-bench part 7, migration: live migration of a 1/8 and a 1/1 vGPU
 * to a vGPU of the same type on --parent2, idle and busy, with and
 * without pre-copy.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "bench.h"

/* Read a data fd to its end (or to ENOMSG in pre-copy); bytes read. */
static size_t mig_read(int fd, struct libmvgpu_mig_stream *b, bool precopy)
{
	ssize_t n = libmvgpu_mig_read(fd, b, precopy, SIZE_MAX);

	if (n < 0)
		bench_die("read migration data", n);
	return n;
}

static void mig_write(int fd, const uint8_t *p, size_t len)
{
	bench_check(libmvgpu_mig_write(fd, p, len, SIZE_MAX), "write migration data");
}

/*
 * Load a stream into a stopped vGPU, as QEMU does: the pre-copy part
 * while the source still runs, then the last @tail bytes. Returns the
 * seconds the tail and the arc to STOP took (the destination's share of
 * the downtime).
 */
static double mig_load(struct inst *in, const struct libmvgpu_mig_stream *b, size_t tail)
{
	double t0;
	int fd;

	bench_check(libmvgpu_mig_set_state(&in->dev, VFIO_DEVICE_STATE_STOP, NULL),
		    "destination STOP");
	bench_check(libmvgpu_mig_set_state(&in->dev, VFIO_DEVICE_STATE_RESUMING, &fd),
		    "RESUMING");
	mig_write(fd, b->data, b->len - tail);
	t0 = bench_now_s();
	mig_write(fd, b->data + b->len - tail, tail);
	bench_check(libmvgpu_mig_set_state(&in->dev, VFIO_DEVICE_STATE_STOP, NULL),
		    "load the stream");
	t0 = bench_now_s() - t0;
	close(fd);
	return t0;
}

static void mig_case(const char *type, bool busy, bool precopy)
{
	struct libmvgpu_mig_stream b = { };
	struct inst a, d;
	size_t initial = 0, rounds_bytes = 0, stop_bytes;
	unsigned int rounds = 0;
	double t_stop, t_load;
	uint64_t ini, dirty;
	int fd = -1;

	inst_up(&a, type, 16);
	inst_up_on(&d, opt.parent2, type, 16);
	/* data, not zeroes, where the load reads and writes (the first 4 MiB) */
	for (size_t i = 0; i < (4u << 20) / 8; i++)
		((uint64_t *)a.gpu.vram)[i] = i * 0x9e3779b97f4a7c15ull | 1;
	if (busy) {
		inst_load_start(&a, true);
		libmvgpu_sleep_us(500000);
	}
	if (precopy) {
		bench_check(libmvgpu_mig_set_state(&a.dev, VFIO_DEVICE_STATE_PRE_COPY,
						   &fd), "PRE_COPY");
		initial = mig_read(fd, &b, true);
		/* passes over what changed, until it stops shrinking */
		for (rounds = 0; rounds < 8; rounds++) {
			libmvgpu_sleep_us(100000);
			bench_check(libmvgpu_mig_precopy_info(fd, &ini, &dirty),
				    "PRECOPY_INFO");
			rounds_bytes += mig_read(fd, &b, true);
			if (dirty < 64 * 4096)
				break;
		}
		/* the guest runs on while QEMU sends the last RAM pass */
		libmvgpu_sleep_us(opt.mig_gap_ms * 1000);
	}
	/* the device's downtime: stop, send the rest */
	t_stop = bench_now_s();
	bench_check(libmvgpu_mig_set_state(&a.dev, VFIO_DEVICE_STATE_STOP_COPY,
					   precopy ? NULL : &fd), "STOP_COPY");
	stop_bytes = mig_read(fd, &b, false);
	t_stop = bench_now_s() - t_stop;
	close(fd);
	bench_check(libmvgpu_mig_set_state(&a.dev, VFIO_DEVICE_STATE_STOP, NULL),
		    "STOP");
	inst_load_stop(&a);
	t_load = mig_load(&d, &b, stop_bytes);

	printf("  %-9s %-4s %-11s %7.1f %6u %8.1f %9.1f %6.2f%% %8.2f %8.2f %8.2f\n",
	       type, busy ? "busy" : "idle", precopy ? "pre-copy" : "stop-copy",
	       initial / MIB, rounds, rounds_bytes / MIB, stop_bytes / 1024.0,
	       100.0 * stop_bytes / a.gpu.vram_size, t_stop * 1e3,
	       inst_attr(&a, "mig_stop_copy_ns") / 1e6, t_load * 1e3);
	libmvgpu_mig_stream_free(&b);
	inst_down(&d);
	inst_down(&a);
}

void part_migration(void)
{
	static const char *const types[] = { "mvgpu-1_8", "mvgpu-1_1" };
	unsigned int i, j;

	printf("\n== 7: live migration (device side; VRAM of a 1/8 and a 1/1 vGPU, 4 MiB of it data,\n"
	       "   the rest zero; busy = GEMM+COPY load on that data)\n");
	printf("  %-9s %-4s %-11s %7s %6s %8s %9s %7s %8s %8s %8s\n",
	       "type", "load", "mode", "1st MiB", "rounds", "rnd MiB",
	       "stop KiB", "of VRAM", "stop ms", "dev ms", "load ms");
	for (i = 0; i < 2; i++)
		for (j = 0; j < 4; j++)
			mig_case(types[i], j & 1, j & 2);
	printf("  (pre-copy stops %u ms after its last pass; stop ms: STOP_COPY until the\n"
	       "   stream's end, as read here; dev ms: the device's own mig_stop_copy_ns;\n"
	       "   load ms: the destination (--parent2) writing the stop-copy part and\n"
	       "   going to STOP)\n", opt.mig_gap_ms);
}

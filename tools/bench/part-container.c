// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu-bench part 9, container: what a program in a container sees
 * through libmvgpu_accel's VFIO backend (mva_open("vfio:UUID"), the path
 * of mvgpu-run with MVGPU_DEVICE=vfio:UUID): the open, the round trip of
 * a tiny command (mva_submit + mva_wait), submissions per second with
 * several in flight, and COPY throughput as the program sees it
 * (submission and wait included). Then, unless --no-vm-path, the VM
 * path: "mvgpu-run latency" (the same measurement, mva_latency()) and
 * "mvgpu-run copy" in a nested guest (nested-guest.sh, as the e2e tests
 * boot one) on another vGPU of the same type, through the guest driver,
 * and a table of both paths.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>

#include <drm/mvgpu_accel.h>

#include "bench.h"
#include "guest/libmvgpu_accel.h"

#define CT_TYPE		"mvgpu-1_4"
#define CT_DEPTH	16	/* submissions in flight for the rate */
#define CT_WAIT_MS	600000
/*
 * The nested guest's whole life, a retried boot included (nested-guest.sh
 * -t): it boots in 25-60 s here and its job takes under a minute, but a
 * loaded TCG machine is 5x slower or more.
 */
#define CT_VM_SECONDS	900

/* One path's figures for the table; negative: not measured. */
struct ct_fig {
	double median_us;
	double p99_us;
	double subs_per_s;
	double copy_mibs;	/* system memory -> system memory */
};

static uint64_t ct_round_trip(struct mva_dev *d, struct mva_cmds *c)
{
	uint64_t t0 = libmvgpu_now_ns(), seq;

	bench_check(mva_submit(d, c, &seq), "mva_submit");
	bench_check(mva_wait(d, seq, CT_WAIT_MS, NULL, NULL), "mva_wait");
	return libmvgpu_now_ns() - t0;
}

/* MiB/s of reps COPYs of bytes from src to dst, each waited for. */
static double ct_copy(struct mva_dev *d, const struct mva_bo *src,
		      const struct mva_bo *dst, uint64_t bytes)
{
	struct mva_cmds c;
	uint64_t t = 0;
	unsigned int i;

	mva_cmds_init(&c);
	mva_emit_copy(&c, src->va, dst->va, bytes);
	ct_round_trip(d, &c);	/* first touch: pins and shadows */
	for (i = 0; i < opt.copy_reps; i++)
		t += ct_round_trip(d, &c);
	mva_cmds_free(&c);
	if (memcmp(src->cpu, dst->cpu, bytes))
		printf("    WARNING: the copy differs from its source\n");
	return (double)bytes * opt.copy_reps / MIB / (t / 1e9);
}

/* The container path, on a vGPU of CT_TYPE through libmvgpu_accel's VFIO backend. */
static void ct_container(struct ct_fig *ct)
{
	unsigned int n = opt.lat_reps * 4, i;
	uint64_t bytes = (uint64_t)opt.copy_mb << 20;
	struct mva_bo src, dst, vdst;
	struct mva_lat_res r;
	uint64_t *lat, t0;
	struct mva_dev d;
	struct inst in;
	char dev[64];

	inst_create(&in, opt.parent, CT_TYPE);
	snprintf(dev, sizeof(dev), "vfio:%s", in.uuid);
	lat = calloc(n, sizeof(*lat));
	if (!lat)
		bench_die("calloc", ENOMEM);

	t0 = libmvgpu_now_ns();
	bench_check(mva_open(&d, dev), dev);
	printf("    mva_open(\"vfio:UUID\") (VFIO open, context set up): %.1f ms\n",
	       (libmvgpu_now_ns() - t0) / 1e6);

	/* a tiny command: one TIMESTAMP, plus the fence the backend adds */
	bench_check(mva_latency(&d, n, CT_DEPTH, CT_WAIT_MS, lat, &r),
		    "mva_latency");
	bench_stats("mva_submit + mva_wait, 1 command:", lat, n);
	printf("    round trip median %.1f us, p99 %.1f us (%u round trips)\n",
	       r.median_ns / 1e3, r.p99_ns / 1e3, n);
	printf("    submissions/s, %u in flight:       %9.0f (%u submissions)\n",
	       r.depth, r.subs_per_s, r.subs);
	ct->median_us = r.median_ns / 1e3;
	ct->p99_us = r.p99_ns / 1e3;
	ct->subs_per_s = r.subs_per_s;

	bench_check(mva_bo_new(&d, bytes, 0, 1, &src), "source");
	bench_check(mva_bo_new(&d, bytes, 0, 0, &dst), "destination");
	bench_check(mva_bo_new(&d, bytes, 1, 0, &vdst), "VRAM destination");
	for (i = 0; i < bytes / 8; i++)
		((uint64_t *)src.cpu)[i] = i * 0x9e3779b97f4a7c15ull;
	printf("    COPY %u x %u MiB, each submitted and waited for (MiB/s)\n",
	       opt.copy_reps, opt.copy_mb);
	ct->copy_mibs = ct_copy(&d, &src, &dst, bytes);
	printf("      system memory -> system memory    %9.1f\n", ct->copy_mibs);
	printf("      system memory -> VRAM             %9.1f\n",
	       ct_copy(&d, &src, &vdst, bytes));

	mva_bo_free(&d, &vdst);
	mva_bo_free(&d, &dst);
	mva_bo_free(&d, &src);
	mva_close(&d);
	free(lat);
	inst_down(&in);
}

/* The guest driver loaded, its accel file there (as e2e/guest_lib.sh). */
static const char ct_vm_setup[] =
	"modprobe mvgpu_accel || exit 10\n"
	"for i in 1 2 3 4 5 6 7 8 9 10; do\n"
	"	[ -c /dev/accel/accel0 ] && break; sleep 1\n"
	"done\n";

/* The number after key in line (one of mvgpu-run's), or -1. */
static double ct_field(const char *line, const char *key)
{
	const char *p = strstr(line, key);

	return p ? strtod(p + strlen(key), NULL) : -1;
}

/* Take the figures of the guest's mvgpu-run lines in dir/result.txt. */
static void ct_vm_parse(const char *dir, struct ct_fig *vm)
{
	char path[128], line[512];
	double bytes, ms;
	FILE *f;

	snprintf(path, sizeof(path), "%s/result.txt", dir);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "mvgpu-run: ", 11))
			continue;
		printf("      guest: %s", line);
		if (!strncmp(line, "mvgpu-run: latency ok ", 22)) {
			vm->median_us = ct_field(line, " median_us=");
			vm->p99_us = ct_field(line, " p99_us=");
			vm->subs_per_s = ct_field(line, " subs_per_s=");
		} else if (!strncmp(line, "mvgpu-run: copy ok ", 19)) {
			/* its checks, in ms, are no part of the COPY's time */
			bytes = ct_field(line, " bytes=");
			ms = ct_field(line, " ms=") - ct_field(line, " check_ms=");
			vm->copy_mibs = bytes > 0 && ms > 0 ?
					bytes / MIB / (ms / 1e3) : -1;
		}
	}
	fclose(f);
}

/*
 * The VM path: a nested guest on a vGPU of CT_TYPE runs the same round
 * trip and rate (mvgpu-run latency) and the same COPY through the guest
 * driver; its output is parsed from nested-guest.sh's result.txt.
 */
static void ct_vm(struct ct_fig *vm)
{
	char dir[] = "/tmp/mvgpu-bench-vm.XXXXXX", job[512], cmd[1024];
	double t0 = bench_now_s(), boot = -1;
	struct inst in;
	FILE *f;
	int rc;

	printf("    VM path: mvgpu-run in a nested guest on another %s vGPU (guest driver)\n",
	       CT_TYPE);
	fflush(stdout);
	if (!mkdtemp(dir))
		bench_die("mkdtemp", errno);
	inst_create(&in, opt.parent, CT_TYPE);
	/* the guest's job: its driver, then the two works */
	snprintf(job, sizeof(job), "%smvgpu-run -n %u -q %u latency\nmvgpu-run -s %uM -n %u copy\n",
		 ct_vm_setup, opt.lat_reps * 4, CT_DEPTH, opt.copy_mb,
		 opt.copy_reps);
	snprintf(cmd, sizeof(cmd), "nested-guest.sh -t %u %s %s '%s' > %s/nested.out 2>&1",
		 CT_VM_SECONDS, in.uuid, dir, job, dir);
	rc = system(cmd);
	inst_down(&in);
	ct_vm_parse(dir, vm);
	snprintf(cmd, sizeof(cmd), "%s/boot-seconds", dir);
	f = fopen(cmd, "r");
	if (f) {
		if (fscanf(f, "%lf", &boot) != 1)
			boot = -1;
		fclose(f);
	}
	printf("    nested guest: booted in %.0f s, %.0f s in all", boot,
	       bench_now_s() - t0);
	printf(" (nested-guest.sh exit %d; its files in %s)\n",
	       WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, dir);
	if (vm->median_us < 0 || vm->copy_mibs < 0)
		printf("    WARNING: the guest's figures are missing (%s/result.txt, nested.out)\n",
		       dir);
}

static void ct_row(const char *what, const char *fmt, double c, double v)
{
	char a[32] = "-", b[32] = "-";

	if (c >= 0)
		snprintf(a, sizeof(a), fmt, c);
	if (v >= 0)
		snprintf(b, sizeof(b), fmt, v);
	printf("      %-36s %12s %12s\n", what, a, b);
}

static void ct_table(const struct ct_fig *ct, const struct ct_fig *vm)
{
	char what[64];

	printf("    container path vs VM path (%s vGPUs, as the program sees it):\n",
	       CT_TYPE);
	printf("      %-36s %12s %12s\n", "", "container", "VM");
	ct_row("round trip median (us)", "%.1f", ct->median_us, vm->median_us);
	ct_row("round trip p99 (us)", "%.1f", ct->p99_us, vm->p99_us);
	snprintf(what, sizeof(what), "submissions/s, %u in flight", CT_DEPTH);
	ct_row(what, "%.0f", ct->subs_per_s, vm->subs_per_s);
	snprintf(what, sizeof(what), "COPY %u MiB sysmem->sysmem (MiB/s)",
		 opt.copy_mb);
	ct_row(what, "%.1f", ct->copy_mibs, vm->copy_mibs);
	printf("      (the VM path's COPY: mvgpu-run's ms less its check_ms; it includes\n"
	       "       the first COPY, which pins and shadows the buffers)\n");
}

void part_container(void)
{
	struct ct_fig ct = { -1, -1, -1, -1 }, vm = { -1, -1, -1, -1 };

	printf("\n[9] container path: libmvgpu_accel over VFIO, one %s vGPU\n",
	       CT_TYPE);
	ct_container(&ct);
	if (!opt.vm_path) {
		printf("    (the VM path: without --no-vm-path; part 2 gives the engine's\n"
		       "     own time for a COPY through the mediator)\n");
		return;
	}
	ct_vm(&vm);
	ct_table(&ct, &vm);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu-info: show the mvgpu physical GPUs, their vGPU types and the
 * vGPU instances with their counters, from sysfs; with -l, a line per
 * vGPU every second (utilization, controls, counters), like
 * "nvidia-smi vgpu -l".
 *
 * Usage: mvgpu-info [-h] [PARENT...]
 *        mvgpu-info -l [-n COUNT] [-i SECONDS]
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/mvgpu_vfio.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char * const instance_attrs[] = {
	"type", "vram_size", "contexts", "weight", "cap", "priority",
	"util_permille", "busy_ns", "commands", "faults", "context_switches",
	"preemptions", "resets", "pinned_pages", "shadow_entries",
	"shadow_fills",
};

static void print_attr(const char *indent, const char *path, const char *name)
{
	char buf[256];
	int ret = libmvgpu_sysfs_read_str(path, buf, sizeof(buf));

	if (ret)
		printf("%s%-17s <%s>\n", indent, name, strerror(-ret));
	else
		printf("%s%-17s %s\n", indent, name, buf);
}

static int show_instance(const char *uuid, void *arg)
{
	char path[512];
	size_t i;

	(void)arg;
	printf("    instance %s\n", uuid);
	for (i = 0; i < ARRAY_SIZE(instance_attrs); i++) {
		snprintf(path, sizeof(path), LIBMVGPU_SYSFS_MDEV_DEVS "/%s/mvgpu/%s",
			 uuid, instance_attrs[i]);
		print_attr("      ", path, instance_attrs[i]);
	}
	return 0;
}

struct type_ctx {
	const char *parent;
};

static int show_type(const char *type, void *arg)
{
	struct type_ctx *ctx = arg;
	char path[512], desc[512], name[128], *line, *save;
	uint64_t avail = 0;
	int ret;

	ret = libmvgpu_type_read_str(ctx->parent, type, "name", name,
				     sizeof(name));
	if (ret)
		snprintf(name, sizeof(name), "<%s>", strerror(-ret));
	ret = libmvgpu_type_read_u64(ctx->parent, type, "available_instances",
				     &avail);
	printf("  type %s \"%s\" available_instances ", type, name);
	if (ret)
		printf("<%s>\n", strerror(-ret));
	else
		printf("%llu\n", (unsigned long long)avail);

	if (!libmvgpu_type_read_str(ctx->parent, type, "description", desc,
				    sizeof(desc))) {
		for (line = strtok_r(desc, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			printf("    %s\n", line);
	}

	if (libmvgpu_path_type(path, sizeof(path), ctx->parent, type, "devices"))
		return 0;
	ret = libmvgpu_dir_walk(path, show_instance, NULL);
	if (ret && ret != -ENOENT)
		printf("    devices: <%s>\n", strerror(-ret));
	return 0;
}

static int show_parent(const char *parent, void *arg)
{
	static const char * const attrs[] = {
		"vram_total", "vram_used", "instances", "engines",
		"timeslice_us", "policy",
	};
	struct type_ctx ctx = { .parent = parent };
	char path[512], name[256];
	size_t i;
	int ret;

	(void)arg;
	printf("%s\n", parent);
	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		if (libmvgpu_path_parent(path, sizeof(path), parent, attrs[i]))
			continue;
		print_attr("  ", path, attrs[i]);
	}
	if (!libmvgpu_mdev_parent(name, sizeof(name), parent))
		printf("  %-17s %s\n", "mdev parent", name);
	ret = libmvgpu_path_type(path, sizeof(path), parent, "", NULL);
	if (!ret)
		ret = libmvgpu_dir_walk(path, show_type, &ctx);
	if (ret) {
		printf("  types: <%s>\n", strerror(-ret));
		return ret;
	}
	return 0;
}

/* One line of the live view for a vGPU. */
static int live_line(const char *uuid, void *arg)
{
	static const char * const cols[] = {
		"type", "priority", "weight", "cap", "util_permille",
		"commands", "faults", "preemptions",
	};
	char path[512], val[ARRAY_SIZE(cols)][64];
	unsigned int *n = arg;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cols); i++) {
		snprintf(path, sizeof(path), LIBMVGPU_SYSFS_MDEV_DEVS "/%s/mvgpu/%s",
			 uuid, cols[i]);
		if (libmvgpu_sysfs_read_str(path, val[i], sizeof(val[i])))
			snprintf(val[i], sizeof(val[i]), "-");
	}
	/* util in percent of one engine, with one decimal */
	printf("%-36s %-10s %-6s %6s %4s %5.1f %12s %6s %6s\n", uuid, val[0],
	       val[1], val[2], val[3], strtod(val[4], NULL) / 10, val[5],
	       val[6], val[7]);
	(*n)++;
	return 0;
}

/* -l: every interval, a line per vGPU; count times (0: until killed). */
static int live(unsigned int count, unsigned int interval)
{
	unsigned int round, n;
	time_t now;
	int ret;

	for (round = 0; !count || round < count; round++) {
		if (round)
			sleep(interval);
		now = time(NULL);
		printf("# %.24s\n%-36s %-10s %-6s %6s %4s %5s %12s %6s %6s\n",
		       ctime(&now), "vGPU", "type", "prio", "weight", "cap",
		       "util%", "commands", "faults", "preempt");
		n = 0;
		ret = libmvgpu_dir_walk(LIBMVGPU_SYSFS_MDEV_DEVS, live_line, &n);
		if (ret && ret != -ENOENT)
			return ret;
		if (!n)
			printf("(no vGPU)\n");
		fflush(stdout);
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int count = 0, interval = 1;
	bool live_view = false;
	int i, opt, ret = 0;

	while ((opt = getopt(argc, argv, "hln:i:")) != -1) {
		switch (opt) {
		case 'l':
			live_view = true;
			break;
		case 'n':
			count = strtoul(optarg, NULL, 0);
			break;
		case 'i':
			interval = strtoul(optarg, NULL, 0);
			if (!interval)
				interval = 1;
			break;
		case 'h':
			printf("usage: %s [PARENT...]\n"
			       "       %s -l [-n COUNT] [-i SECONDS]\n"
			       "Show mvgpu GPUs (e.g. mvgpu0), vGPU types and instances;\n"
			       "-l: a line per vGPU every SECONDS (1), COUNT times (until\n"
			       "interrupted).\n", argv[0], argv[0]);
			return 0;
		default:
			return 2;
		}
	}
	if (live_view) {
		ret = live(count, interval);
		if (ret)
			fprintf(stderr, "%s: %s\n", argv[0], strerror(-ret));
		return ret ? 1 : 0;
	}
	argv[optind - 1] = argv[0];
	argc -= optind - 1;
	argv += optind - 1;
	if (argc > 1) {
		for (i = 1; i < argc; i++)
			ret |= show_parent(argv[i], NULL) ? 1 : 0;
		return ret;
	}
	ret = libmvgpu_dir_walk(LIBMVGPU_SYSFS_CLASS, show_parent, NULL);
	if (ret == -ENOENT) {
		fprintf(stderr, "%s: no mvgpu GPUs (is mvgpu_sim loaded?)\n",
			argv[0]);
		return 1;
	}
	if (ret) {
		fprintf(stderr, "%s: %s\n", argv[0], strerror(-ret));
		return 1;
	}
	return 0;
}

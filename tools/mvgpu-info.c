// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu-info: show the mvgpu physical GPUs, their vGPU types and the
 * vGPU instances with their counters, from sysfs.
 *
 * Usage: mvgpu-info [-h] [PARENT...]
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/mvgpu_vfio.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char * const instance_attrs[] = {
	"type", "vram_size", "contexts", "weight", "busy_ns", "commands",
	"faults", "context_switches", "resets", "pinned_pages",
};

static void print_attr(const char *indent, const char *path, const char *name)
{
	char buf[256];
	int ret = mvgpu_sysfs_read_str(path, buf, sizeof(buf));

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
		snprintf(path, sizeof(path), MVGPU_SYSFS_MDEV_DEVS "/%s/mvgpu/%s",
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

	ret = mvgpu_type_read_str(ctx->parent, type, "name", name,
				  sizeof(name));
	if (ret)
		snprintf(name, sizeof(name), "<%s>", strerror(-ret));
	ret = mvgpu_type_read_u64(ctx->parent, type, "available_instances",
				  &avail);
	printf("  type %s \"%s\" available_instances ", type, name);
	if (ret)
		printf("<%s>\n", strerror(-ret));
	else
		printf("%llu\n", (unsigned long long)avail);

	if (!mvgpu_type_read_str(ctx->parent, type, "description", desc,
				 sizeof(desc))) {
		for (line = strtok_r(desc, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			printf("    %s\n", line);
	}

	if (mvgpu_path_type(path, sizeof(path), ctx->parent, type, "devices"))
		return 0;
	ret = mvgpu_dir_walk(path, show_instance, NULL);
	if (ret && ret != -ENOENT)
		printf("    devices: <%s>\n", strerror(-ret));
	return 0;
}

static int show_parent(const char *parent, void *arg)
{
	static const char * const attrs[] = {
		"vram_total", "vram_used", "instances",
	};
	struct type_ctx ctx = { .parent = parent };
	char path[512];
	size_t i;
	int ret;

	(void)arg;
	printf("%s\n", parent);
	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		if (mvgpu_path_parent(path, sizeof(path), parent, attrs[i]))
			continue;
		print_attr("  ", path, attrs[i]);
	}
	snprintf(path, sizeof(path), MVGPU_SYSFS_MDEV_BUS
		 "/%s/mdev_supported_types", parent);
	ret = mvgpu_dir_walk(path, show_type, &ctx);
	if (ret) {
		printf("  types: <%s>\n", strerror(-ret));
		return ret;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int i, ret = 0;

	if (argc > 1 && (!strcmp(argv[1], "-h") ||
			 !strcmp(argv[1], "--help"))) {
		printf("usage: %s [PARENT...]\n"
		       "Show mvgpu GPUs (e.g. mvgpu0), vGPU types and instances.\n",
		       argv[0]);
		return 0;
	}
	if (argc > 1) {
		for (i = 1; i < argc; i++)
			ret |= show_parent(argv[i], NULL) ? 1 : 0;
		return ret;
	}
	ret = mvgpu_dir_walk(MVGPU_SYSFS_CLASS, show_parent, NULL);
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

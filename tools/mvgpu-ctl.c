// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu-ctl: create and remove vGPUs and set their scheduling weight.
 *
 *   mvgpu-ctl create PARENT TYPE [UUID]   prints the new vGPU's UUID
 *   mvgpu-ctl remove UUID
 *   mvgpu-ctl weight UUID [1..64]         shows or sets the weight
 *   mvgpu-ctl group UUID                  prints its /dev/vfio group node
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mvgpu_vfio.h"

static const char *prog;

static int print_usage(void)
{
	fprintf(stderr,
		"usage: %s create PARENT TYPE [UUID]\n"
		"       %s remove UUID\n"
		"       %s weight UUID [WEIGHT]\n"
		"       %s group UUID\n"
		"PARENT is e.g. mvgpu0, TYPE e.g. mvgpu-1_4 (see mvgpu-info).\n",
		prog, prog, prog, prog);
	return 2;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(-err));
	return 1;
}

static int cmd_create(int argc, char **argv)
{
	char uuid[LIBMVGPU_UUID_LEN + 1] = "";
	int ret;

	if (argc < 2 || argc > 3)
		return print_usage();
	if (argc == 3) {
		if (strlen(argv[2]) != LIBMVGPU_UUID_LEN)
			return fail(argv[2], -EINVAL);
		memcpy(uuid, argv[2], sizeof(uuid));
	}
	ret = libmvgpu_mdev_create(argv[0], argv[1], uuid);
	if (ret == -ENOSPC)
		fprintf(stderr, "%s: no free VRAM for a %s on %s\n", prog,
			argv[1], argv[0]);
	if (ret)
		return fail("create", ret);
	printf("%s\n", uuid);
	return 0;
}

static int cmd_remove(int argc, char **argv)
{
	int ret;

	if (argc != 1)
		return print_usage();
	ret = libmvgpu_mdev_remove(argv[0]);
	return ret ? fail(argv[0], ret) : 0;
}

static int cmd_weight(int argc, char **argv)
{
	uint64_t w;
	char *end;
	int ret;

	if (argc == 1) {
		ret = libmvgpu_mdev_read_u64(argv[0], "weight", &w);
		if (ret)
			return fail(argv[0], ret);
		printf("%llu\n", (unsigned long long)w);
		return 0;
	}
	if (argc != 2)
		return print_usage();
	w = strtoull(argv[1], &end, 10);
	if (*end || !argv[1][0])
		return print_usage();
	ret = libmvgpu_mdev_write_u64(argv[0], "weight", w);
	return ret ? fail("weight", ret) : 0;
}

static int cmd_group(int argc, char **argv)
{
	int group;

	if (argc != 1)
		return print_usage();
	group = libmvgpu_mdev_group(argv[0]);
	if (group < 0)
		return fail(argv[0], group);
	printf("/dev/vfio/%d\n", group);
	return 0;
}

int main(int argc, char **argv)
{
	prog = argv[0];
	if (argc < 2)
		return print_usage();
	if (!strcmp(argv[1], "create"))
		return cmd_create(argc - 2, argv + 2);
	if (!strcmp(argv[1], "remove"))
		return cmd_remove(argc - 2, argv + 2);
	if (!strcmp(argv[1], "weight"))
		return cmd_weight(argc - 2, argv + 2);
	if (!strcmp(argv[1], "group"))
		return cmd_group(argc - 2, argv + 2);
	return print_usage();
}

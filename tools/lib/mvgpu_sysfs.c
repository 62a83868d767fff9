// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu_vfio: sysfs helpers (mdev creation and removal, attributes).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "mvgpu_vfio.h"

ssize_t libmvgpu_sysfs_read(const char *path, char *buf, size_t len)
{
	ssize_t n, total = 0;
	int fd, err;

	if (!len)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((size_t)total < len - 1) {
		n = read(fd, buf + total, len - 1 - total);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			close(fd);
			return err;
		}
		if (!n)
			break;
		total += n;
	}
	buf[total] = '\0';
	close(fd);
	return total;
}

int libmvgpu_sysfs_read_str(const char *path, char *buf, size_t len)
{
	ssize_t n = libmvgpu_sysfs_read(path, buf, len);

	if (n < 0)
		return n;
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

int libmvgpu_sysfs_read_u64(const char *path, uint64_t *val)
{
	char buf[64], *end;
	unsigned long long v;
	int ret;

	ret = libmvgpu_sysfs_read_str(path, buf, sizeof(buf));
	if (ret)
		return ret;
	if (!buf[0] || buf[0] == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(buf, &end, 0);
	if (errno)
		return -errno;
	if (*end)
		return -EINVAL;
	*val = v;
	return 0;
}

int libmvgpu_sysfs_write(const char *path, const char *str)
{
	size_t len = strlen(str);
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, str, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	/* sysfs reports nothing at close, but be thorough */
	if (close(fd) && !err)
		err = -errno;
	return err;
}

int libmvgpu_sysfs_write_u64(const char *path, uint64_t val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)val);
	return libmvgpu_sysfs_write(path, buf);
}

static int path_ret(int n, size_t len)
{
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int libmvgpu_path_parent(char *buf, size_t len, const char *parent,
			 const char *attr)
{
	return path_ret(snprintf(buf, len, LIBMVGPU_SYSFS_CLASS "/%s/%s",
				 parent, attr ? attr : ""), len);
}

int libmvgpu_mdev_parent(char *buf, size_t len, const char *gpu)
{
	char link[512], target[512];
	const char *base;
	ssize_t n;
	int ret;

	/* a software-only GPU is its own mdev parent */
	ret = path_ret(snprintf(link, sizeof(link), LIBMVGPU_SYSFS_MDEV_BUS "/%s",
				gpu), sizeof(link));
	if (!ret && !access(link, F_OK))
		return path_ret(snprintf(buf, len, "%s", gpu), len);
	ret = path_ret(snprintf(link, sizeof(link), LIBMVGPU_SYSFS_CLASS
				"/%s/device", gpu), sizeof(link));
	if (ret)
		return ret;
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0) {
		/* not a GPU name: take it as the parent's own name */
		base = gpu;
	} else {
		target[n] = 0;
		base = strrchr(target, '/');
		base = base ? base + 1 : target;
	}
	return path_ret(snprintf(buf, len, "%s", base), len);
}

int libmvgpu_path_type(char *buf, size_t len, const char *parent,
		       const char *type, const char *attr)
{
	char name[256];
	int ret = libmvgpu_mdev_parent(name, sizeof(name), parent);

	if (ret)
		return ret;
	return path_ret(snprintf(buf, len, LIBMVGPU_SYSFS_MDEV_BUS
				 "/%s/mdev_supported_types/%s/%s",
				 name, type, attr ? attr : ""), len);
}

int libmvgpu_path_mdev(char *buf, size_t len, const char *uuid,
		       const char *attr)
{
	return path_ret(snprintf(buf, len, LIBMVGPU_SYSFS_MDEV_DEVS "/%s/%s",
				 uuid, attr ? attr : ""), len);
}

int libmvgpu_parent_read_u64(const char *parent, const char *attr,
			     uint64_t *val)
{
	char path[512];
	int ret = libmvgpu_path_parent(path, sizeof(path), parent, attr);

	return ret ? ret : libmvgpu_sysfs_read_u64(path, val);
}

int libmvgpu_type_read_str(const char *parent, const char *type,
			   const char *attr, char *buf, size_t len)
{
	char path[512];
	int ret = libmvgpu_path_type(path, sizeof(path), parent, type, attr);

	return ret ? ret : libmvgpu_sysfs_read_str(path, buf, len);
}

int libmvgpu_type_read_u64(const char *parent, const char *type,
			   const char *attr, uint64_t *val)
{
	char path[512];
	int ret = libmvgpu_path_type(path, sizeof(path), parent, type, attr);

	return ret ? ret : libmvgpu_sysfs_read_u64(path, val);
}

static int mdev_attr_path(char *buf, size_t len, const char *uuid,
			  const char *attr)
{
	return path_ret(snprintf(buf, len, LIBMVGPU_SYSFS_MDEV_DEVS "/%s/mvgpu/%s",
				 uuid, attr), len);
}

int libmvgpu_mdev_read_str(const char *uuid, const char *attr, char *buf,
			   size_t len)
{
	char path[512];
	int ret = mdev_attr_path(path, sizeof(path), uuid, attr);

	return ret ? ret : libmvgpu_sysfs_read_str(path, buf, len);
}

int libmvgpu_mdev_read_u64(const char *uuid, const char *attr, uint64_t *val)
{
	char path[512];
	int ret = mdev_attr_path(path, sizeof(path), uuid, attr);

	return ret ? ret : libmvgpu_sysfs_read_u64(path, val);
}

int libmvgpu_mdev_write_u64(const char *uuid, const char *attr, uint64_t val)
{
	char path[512];
	int ret = mdev_attr_path(path, sizeof(path), uuid, attr);

	return ret ? ret : libmvgpu_sysfs_write_u64(path, val);
}

int libmvgpu_uuid_gen(char *buf)
{
	char tmp[64];
	int ret;

	ret = libmvgpu_sysfs_read_str("/proc/sys/kernel/random/uuid", tmp,
				      sizeof(tmp));
	if (ret)
		return ret;
	if (strlen(tmp) != LIBMVGPU_UUID_LEN)
		return -EINVAL;
	memcpy(buf, tmp, LIBMVGPU_UUID_LEN + 1);
	return 0;
}

bool libmvgpu_uuid_valid(const char *uuid)
{
	size_t i;

	if (strnlen(uuid, LIBMVGPU_UUID_LEN + 1) != LIBMVGPU_UUID_LEN)
		return false;
	for (i = 0; i < LIBMVGPU_UUID_LEN; i++) {
		char c = uuid[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			     (c >= 'A' && c <= 'F'))) {
			return false;
		}
	}
	return true;
}

int libmvgpu_mdev_create(const char *parent, const char *type, char *uuid)
{
	char path[512];
	int ret;

	if (!uuid[0]) {
		ret = libmvgpu_uuid_gen(uuid);
		if (ret)
			return ret;
	}
	ret = libmvgpu_path_type(path, sizeof(path), parent, type, "create");
	if (ret)
		return ret;
	return libmvgpu_sysfs_write(path, uuid);
}

int libmvgpu_mdev_remove(const char *uuid)
{
	char path[512];
	int ret;

	ret = libmvgpu_path_mdev(path, sizeof(path), uuid, "remove");
	if (ret)
		return ret;
	return libmvgpu_sysfs_write(path, "1");
}

bool libmvgpu_mdev_exists(const char *uuid)
{
	char path[512];
	struct stat st;

	if (libmvgpu_path_mdev(path, sizeof(path), uuid, NULL))
		return false;
	return stat(path, &st) == 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

int libmvgpu_dir_walk(const char *dir, libmvgpu_dir_cb cb, void *arg)
{
	char **names = NULL, **tmp;
	size_t nr = 0, cap = 0, i;
	struct dirent *de;
	int ret = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (nr == cap) {
			cap = cap ? cap * 2 : 16;
			tmp = realloc(names, cap * sizeof(*names));
			if (!tmp) {
				ret = -ENOMEM;
				goto out;
			}
			names = tmp;
		}
		names[nr] = strdup(de->d_name);
		if (!names[nr]) {
			ret = -ENOMEM;
			goto out;
		}
		nr++;
	}
	if (nr)
		qsort(names, nr, sizeof(*names), cmp_names);
	for (i = 0; i < nr && !ret; i++)
		ret = cb(names[i], arg);
out:
	for (i = 0; i < nr; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return ret;
}

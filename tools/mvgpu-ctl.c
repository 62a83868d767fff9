// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu-ctl: create and remove vGPUs and set their scheduling weight.
 *
 *   mvgpu-ctl create PARENT TYPE [UUID]   prints the new vGPU's UUID
 *   mvgpu-ctl remove UUID
 *   mvgpu-ctl weight UUID [1..64]         shows or sets the weight
 *   mvgpu-ctl group UUID                  prints its /dev/vfio group node
 *   mvgpu-ctl cdi [-u UUID] [-o FILE]     writes the CDI spec of the vGPUs
 *                                         (-u: of that one alone;
 *                                         Documentation/mvgpu/admin.rst,
 *                                         "Containers")
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "lib/mvgpu_vfio.h"

#define CDI_DIR		"/var/run/cdi"
#define CDI_VERSION	"0.6.0"		/* the first with annotations */
#define CDI_KIND	"mvgpu.dev/vgpu"
#define CDI_VFIO	"/dev/vfio/vfio"

static const char *prog;

static int print_usage(void)
{
	fprintf(stderr,
		"usage: %s create PARENT TYPE [UUID]\n"
		"       %s remove UUID\n"
		"       %s weight UUID [WEIGHT]\n"
		"       %s group UUID\n"
		"       %s cdi [-u UUID] [-o FILE]\n"
		"PARENT is e.g. mvgpu0, TYPE e.g. mvgpu-1_4 (see mvgpu-info).\n"
		"cdi: the CDI spec of every vGPU (-u: of vGPU UUID alone), in FILE\n"
		"(default " CDI_DIR "/mvgpu.json, with -u " CDI_DIR "/mvgpu-UUID.json)\n",
		prog, prog, prog, prog, prog);
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

/* One device node of a CDI spec, as stat() finds it on the host. */
struct cdi_node {
	char path[64];
	unsigned int major, minor, mode;
};

/*
 * The spec being written: f the temporary file, nr the devices so far,
 * what the path an error is about.
 */
struct cdi_spec {
	FILE *f;
	int nr;
	struct cdi_node vfio;
	char what[PATH_MAX];
};

static int cdi_node_get(struct cdi_node *n, const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	if (!S_ISCHR(st.st_mode))
		return -ENODEV;
	snprintf(n->path, sizeof(n->path), "%s", path);
	n->major = major(st.st_rdev);
	n->minor = minor(st.st_rdev);
	n->mode = st.st_mode & 07777;
	return 0;
}

/* s as a JSON string: quoted, with '"', '\' and control characters escaped. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void cdi_print_node(FILE *f, const struct cdi_node *n, bool last)
{
	fprintf(f, "          {\n            \"path\": ");
	json_str(f, n->path);
	fprintf(f, ",\n            \"type\": \"c\",\n"
		"            \"major\": %u,\n            \"minor\": %u,\n"
		"            \"fileMode\": %u,\n"
		"            \"permissions\": \"rw\"\n          }%s\n",
		n->major, n->minor, n->mode, last ? "" : ",");
}

/*
 * The parent device of vGPU uuid (its sysfs directory's parent: the GPU's
 * PCI address) into buf.
 */
static int cdi_parent(const char *uuid, char *buf, size_t len)
{
	char path[512], real[PATH_MAX];
	char *dir;

	snprintf(path, sizeof(path), LIBMVGPU_SYSFS_MDEV_DEVS "/%s", uuid);
	if (!realpath(path, real))
		return -errno;
	dir = dirname(real);
	snprintf(buf, len, "%s", basename(dir));
	return 0;
}

/*
 * One device of the spec per mvgpu vGPU (an mdev with the mvgpu attribute
 * group); other mdevs are left out. A vGPU removed meanwhile is skipped.
 */
static int cdi_device(const char *uuid, void *arg)
{
	struct cdi_spec *spec = arg;
	char type[64], parent[256], path[64];
	struct cdi_node node;
	FILE *f = spec->f;
	int group, ret;

	if (libmvgpu_mdev_read_str(uuid, "type", type, sizeof(type)))
		return 0;
	if (!spec->nr) {
		ret = cdi_node_get(&spec->vfio, CDI_VFIO);
		if (ret) {
			snprintf(spec->what, sizeof(spec->what), CDI_VFIO);
			return ret;
		}
	}
	/*
	 * No group (link or node) yet or any more: being created or removed,
	 * or not bound to mvgpu; no container could open it either.
	 */
	group = libmvgpu_mdev_group(uuid);
	if (group == -ENOENT)
		goto skip;
	if (group < 0) {
		ret = group;
		goto err;
	}
	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	ret = cdi_node_get(&node, path);
	if (ret == -ENOENT)
		goto skip;
	if (ret) {
		snprintf(spec->what, sizeof(spec->what), "%s (vGPU %s)",
			 path, uuid);
		goto err_node;
	}
	/*
	 * The vGPU may have been removed and its group number given to a
	 * new vGPU between the link and the stat: the node read is that
	 * group's only if the link still names it afterwards.
	 */
	if (libmvgpu_mdev_group(uuid) != group)
		goto skip;
	ret = cdi_parent(uuid, parent, sizeof(parent));
	if (ret)
		goto err;
	fprintf(f, "%s    {\n      \"name\": ", spec->nr ? ",\n" : "");
	json_str(f, uuid);
	fprintf(f, ",\n      \"annotations\": {\n        \"mvgpu.dev/type\": ");
	json_str(f, type);
	fprintf(f, ",\n        \"mvgpu.dev/parent\": ");
	json_str(f, parent);
	fprintf(f, "\n      },\n      \"containerEdits\": {\n"
		"        \"env\": [\n          \"MVGPU_DEVICE=vfio:");
	/* a UUID: nothing to escape; the group: the backend needs no sysfs */
	fprintf(f, "%s\",\n          \"MVGPU_VFIO_GROUP=%d\"\n"
		"        ],\n        \"deviceNodes\": [\n", uuid, group);
	cdi_print_node(f, &spec->vfio, false);
	cdi_print_node(f, &node, true);
	fprintf(f, "        ]\n      }\n    }");
	spec->nr++;
	return 0;
skip:
	if (libmvgpu_mdev_exists(uuid))
		fprintf(stderr,
			"%s: cdi: vGPU %s has no VFIO group (being created or removed?): left out\n",
			prog, uuid);
	return 0;
err:
	snprintf(spec->what, sizeof(spec->what), "vGPU %s", uuid);
err_node:
	/* gone while we looked: not in the spec */
	if (!libmvgpu_mdev_exists(uuid))
		return 0;
	return ret;
}

/* A sorted list of names without repeats. */
struct cdi_names {
	char **v;
	int nr, cap;
};

static void cdi_names_free(struct cdi_names *n)
{
	while (n->nr)
		free(n->v[--n->nr]);
	free(n->v);
	n->v = NULL;
	n->cap = 0;
}

/* Append name unless it is the last one (the walk gives them sorted). */
static int cdi_names_add(const char *name, void *arg)
{
	struct cdi_names *n = arg;
	char **v;

	if (n->nr && !strcmp(n->v[n->nr - 1], name))
		return 0;
	if (n->nr == n->cap) {
		v = realloc(n->v, (n->cap ? n->cap * 2 : 16) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		n->v = v;
		n->cap = n->cap ? n->cap * 2 : 16;
	}
	n->v[n->nr] = strdup(name);
	if (!n->v[n->nr])
		return -ENOMEM;
	n->nr++;
	return 0;
}

static bool cdi_names_equal(const struct cdi_names *a,
			    const struct cdi_names *b)
{
	int i;

	if (a->nr != b->nr)
		return false;
	for (i = 0; i < a->nr; i++)
		if (strcmp(a->v[i], b->v[i]))
			return false;
	return true;
}

/* all = the union of all and r, both sorted without repeats. */
static int cdi_names_merge(struct cdi_names *all, const struct cdi_names *r)
{
	struct cdi_names u = { 0 };
	int i = 0, j = 0, ret = 0;

	while (!ret && (i < all->nr || j < r->nr)) {
		if (j == r->nr ||
		    (i < all->nr && strcmp(all->v[i], r->v[j]) <= 0))
			ret = cdi_names_add(all->v[i++], &u);
		else
			ret = cdi_names_add(r->v[j++], &u);
	}
	if (ret) {
		cdi_names_free(&u);
		return ret;
	}
	cdi_names_free(all);
	*all = u;
	return 0;
}

/*
 * The mdevs, in all. A sysfs directory read while one of its entries is
 * removed can skip the entry after it (kernfs looks the removed entry's
 * place up again and steps past its successor), so the directory is read
 * until two readings in a row agree, at most CDI_READINGS times, and the
 * union of all readings is taken: a vGPU that exists throughout is in
 * every reading but those a removal made skip it, and a reading that
 * skipped one holds the removed entry, which the next reading lacks, so
 * the pair that agrees has it. Without two agreeing readings -EAGAIN:
 * nothing is left out silently. Gone ones are sorted out later.
 */
#define CDI_READINGS	20
static int cdi_list(struct cdi_names *all)
{
	struct cdi_names prev = { 0 }, cur = { 0 };
	int k, ret;

	ret = libmvgpu_dir_walk(LIBMVGPU_SYSFS_MDEV_DEVS, cdi_names_add, &prev);
	if (!ret)
		ret = cdi_names_merge(all, &prev);
	for (k = 1; !ret; k++) {
		if (k == CDI_READINGS) {
			fprintf(stderr,
				"%s: cdi: vGPUs created or removed all the time: %d readings of %s, no two in a row agree; try again\n",
				prog, CDI_READINGS, LIBMVGPU_SYSFS_MDEV_DEVS);
			ret = -EAGAIN;
			break;
		}
		ret = libmvgpu_dir_walk(LIBMVGPU_SYSFS_MDEV_DEVS,
					cdi_names_add, &cur);
		if (!ret)
			ret = cdi_names_merge(all, &cur);
		if (ret || cdi_names_equal(&prev, &cur))
			break;
		cdi_names_free(&prev);
		prev = cur;
		memset(&cur, 0, sizeof(cur));
	}
	cdi_names_free(&prev);
	cdi_names_free(&cur);
	return ret;
}

static int cdi_fail(const char *what, int err)
{
	fprintf(stderr, "%s: cdi: %s: %s\n", prog, what, strerror(-err));
	return 1;
}

/*
 * Create the temporary file ".NAME.XXXXXX" (six random letters or digits)
 * in directory dfd, exclusively, mode 0644; its name into tmp. The fd or
 * -errno.
 */
static int cdi_tmp_open(int dfd, const char *name, char *tmp, size_t len)
{
	static const char set[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[6];
	int tries, i, fd;
	size_t n;

	n = snprintf(tmp, len, ".%s.XXXXXX", name);
	if (n >= len)
		return -ENAMETOOLONG;
	for (tries = 0; tries < 100; tries++) {
		if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
			return -EIO;
		for (i = 0; i < 6; i++)
			tmp[n - 6 + i] = set[rnd[i] % (sizeof(set) - 1)];
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			    O_CLOEXEC, 0644);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

/*
 * Write the spec of all vGPUs to a temporary file in out's directory and
 * rename it to out, so that a reader never sees a partial spec. Without a
 * vGPU out is removed: CDI refuses a spec without devices. Runs of this
 * command hold a lock on the directory, so the last one's view wins.
 */
static int cmd_cdi(int argc, char **argv)
{
	char dir[PATH_MAX], base[PATH_MAX], tmp[NAME_MAX + 1], deflt[128];
	const char *out = NULL, *only = NULL, *name;
	char type[64];
	struct stat st;
	struct cdi_names names = { 0 };
	struct cdi_spec spec = { 0 };
	int i, dfd, fd = -1, ret;

	for (i = 0; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "-o") && argv[i + 1][0] && !out)
			out = argv[i + 1];
		else if (!strcmp(argv[i], "-u") && !only)
			only = argv[i + 1];
		else
			return print_usage();
	}
	if (i != argc)
		return print_usage();
	if (only) {
		if (!libmvgpu_uuid_valid(only) || !libmvgpu_mdev_exists(only)) {
			fprintf(stderr, "%s: cdi: %s: no such vGPU\n", prog,
				only);
			return 1;
		}
		ret = libmvgpu_mdev_read_str(only, "type", type, sizeof(type));
		if (ret) {
			fprintf(stderr, "%s: cdi: %s: not an mvgpu vGPU\n",
				prog, only);
			return 1;
		}
	}
	if (!out) {
		/* /var/run/cdi may not exist yet; another FILE's directory must */
		if (mkdir(CDI_DIR, 0755) && errno != EEXIST)
			return cdi_fail(CDI_DIR, -errno);
		if (only)
			snprintf(deflt, sizeof(deflt), CDI_DIR "/mvgpu-%s.json",
				 only);
		else
			snprintf(deflt, sizeof(deflt), CDI_DIR "/mvgpu.json");
		out = deflt;
	}
	if (strlen(out) >= sizeof(base))
		return cdi_fail(out, -ENAMETOOLONG);
	snprintf(base, sizeof(base), "%s", out);
	snprintf(dir, sizeof(dir), "%s", dirname(base));
	snprintf(base, sizeof(base), "%s", out);	/* dirname() wrote it */
	name = basename(base);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cdi_fail(out, -errno);
	/*
	 * Every name below is relative to dfd, the directory locked. One
	 * that another user may change (rename the file, swap in a link)
	 * between our steps is refused.
	 */
	if (fstat(dfd, &st)) {
		ret = cdi_fail(out, -errno);
		goto out_dir;
	}
	if (st.st_uid || (st.st_mode & 022)) {
		fprintf(stderr,
			"%s: cdi: %s: directory not owned by root or writable by group or others: refused\n",
			prog, dir);
		ret = 1;
		goto out_dir;
	}
	if (flock(dfd, LOCK_EX)) {
		ret = cdi_fail(out, -errno);
		goto out_dir;
	}
	snprintf(spec.what, sizeof(spec.what), "%s", out);
	/* a name CDI does not read (not *.json, *.yaml) until the rename */
	fd = cdi_tmp_open(dfd, name, tmp, sizeof(tmp));
	if (fd < 0) {
		ret = fd;
		goto fail;
	}
	spec.f = fdopen(fd, "w");
	if (!spec.f || fchmod(fd, 0644)) {
		ret = -errno;
		goto fail_tmp;
	}
	fprintf(spec.f, "{\n  \"cdiVersion\": \"%s\",\n  \"kind\": \"%s\",\n"
		"  \"devices\": [\n", CDI_VERSION, CDI_KIND);
	if (only) {
		ret = cdi_device(only, &spec);
		if (!ret && !spec.nr) {
			/* removed meanwhile, or no group */
			snprintf(spec.what, sizeof(spec.what), "vGPU %s", only);
			ret = -ENODEV;
		}
	} else {
		ret = cdi_list(&names);
		if (ret == -ENOENT && access(LIBMVGPU_SYSFS_MDEV_DEVS, F_OK))
			ret = 0;	/* mdev not loaded: no vGPU */
		snprintf(spec.what, sizeof(spec.what), LIBMVGPU_SYSFS_MDEV_DEVS);
		for (i = 0; !ret && i < names.nr; i++)
			ret = cdi_device(names.v[i], &spec);
		cdi_names_free(&names);
	}
	if (ret)
		goto fail_tmp;
	fprintf(spec.f, "%s  ]\n}\n", spec.nr ? "\n" : "");
	snprintf(spec.what, sizeof(spec.what), "%s", out);
	if (fflush(spec.f) || fsync(fd)) {
		ret = -errno;
		goto fail_tmp;
	}
	if (!spec.nr) {
		unlinkat(dfd, tmp, 0);
		if (unlinkat(dfd, name, 0) && errno != ENOENT) {
			ret = -errno;
			goto fail_tmp;
		}
		fprintf(stderr, "%s: no mvgpu vGPU: no CDI spec, %s removed\n",
			prog, out);
		goto out;
	}
	if (renameat(dfd, tmp, dfd, name)) {
		ret = -errno;
		goto fail_tmp;
	}
	goto out;
fail_tmp:
	unlinkat(dfd, tmp, 0);
fail:
	ret = cdi_fail(spec.what, ret);
out:
	if (spec.f)
		fclose(spec.f);
	else if (fd >= 0)
		close(fd);
out_dir:
	close(dfd);
	return ret;
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
	if (!strcmp(argv[1], "cdi"))
		return cmd_cdi(argc - 2, argv + 2);
	return print_usage();
}

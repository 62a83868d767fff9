// SPDX-License-Identifier: GPL-2.0
/*
 * cdi: "mvgpu-ctl cdi -o FILE", the Container Device Interface spec of the
 * vGPUs (Documentation/mvgpu/admin.rst, "Containers"). The spec of one and
 * of three vGPUs is parsed as JSON (a full parser of RFC 8259 here: the
 * test VM has no JSON tool) and checked field by field against sysfs and
 * stat() of the device nodes; without a vGPU the file is removed; an
 * unwritable FILE fails with the reason and leaves the old spec; runs
 * racing vGPUs being created and removed never leave a partial spec.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mvgpu_test.h"

#define NR_VGPUS	3
#define SPEC_MAX	(1024 * 1024)
#define RACE_MS		6000	/* vGPUs created and removed for so long */

/* ---- a JSON parser (RFC 8259) into a tree ------------------------------ */

enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	int type;
	long long num;		/* J_NUM when isint, J_BOOL */
	bool isint;
	char *str;		/* J_STR */
	int nr;			/* J_ARR, J_OBJ: items */
	char **keys;		/* J_OBJ */
	struct jv *items;	/* J_ARR, J_OBJ */
};

struct jp {
	const char *p;
	int depth;
};

static void j_free(struct jv *v)
{
	int i;

	for (i = 0; i < v->nr; i++) {
		j_free(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	memset(v, 0, sizeof(*v));
}

static void j_ws(struct jp *jp)
{
	while (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n' ||
	       *jp->p == '\r')
		jp->p++;
}

static int j_hex4(const char *p)
{
	int i, v = 0;

	for (i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* A string; \u escapes outside ASCII are kept as '?' (none expected). */
static int j_string(struct jp *jp, char **out)
{
	size_t len = 0, cap = 32;
	char *s = malloc(cap), c;
	int u;

	if (!s || *jp->p != '"')
		goto err;
	jp->p++;
	for (;;) {
		c = *jp->p++;
		if (c == '"')
			break;
		if ((unsigned char)c < 0x20)
			goto err;	/* also the end of the text */
		if (c == '\\') {
			c = *jp->p++;
			switch (c) {
			case '"':
			case '\\':
			case '/':
				break;
			case 'b':
			case 'f':
			case 'n':
			case 'r':
			case 't':
				c = "\b\f\n\r\t"[strchr("bfnrt", c) - "bfnrt"];
				break;
			case 'u':
				u = j_hex4(jp->p);
				if (u < 0)
					goto err;
				jp->p += 4;
				c = u < 0x80 ? u : '?';
				break;
			default:
				goto err;
			}
		}
		if (len + 2 > cap) {
			char *t = realloc(s, cap *= 2);

			if (!t)
				goto err;
			s = t;
		}
		s[len++] = c;
	}
	s[len] = '\0';
	*out = s;
	return 0;
err:
	free(s);
	return -1;
}

static int j_number(struct jp *jp, struct jv *v)
{
	const char *p = jp->p, *start = p;
	char *end;

	v->type = J_NUM;
	v->isint = true;
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return -1;
	if (*p == '.') {
		v->isint = false;
		if (*++p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		v->isint = false;
		if (*++p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (v->isint) {
		errno = 0;
		v->num = strtoll(start, &end, 10);
		if (errno || end != p)
			v->isint = false;
	}
	jp->p = p;
	return 0;
}

static int j_value(struct jp *jp, struct jv *v);

/* An array ('[') or an object ('{'); an object's keys must differ. */
static int j_list(struct jp *jp, struct jv *v, bool obj)
{
	int i, cap = 0;

	v->type = obj ? J_OBJ : J_ARR;
	jp->p++;
	j_ws(jp);
	if (*jp->p == (obj ? '}' : ']')) {
		jp->p++;
		return 0;
	}
	for (;;) {
		if (v->nr == cap) {
			struct jv *it;
			char **k;

			cap = cap ? cap * 2 : 4;
			it = realloc(v->items, cap * sizeof(*it));
			if (!it)
				return -1;
			v->items = it;
			if (obj) {
				k = realloc(v->keys, cap * sizeof(*k));
				if (!k)
					return -1;
				v->keys = k;
			}
		}
		memset(&v->items[v->nr], 0, sizeof(v->items[0]));
		if (obj) {
			j_ws(jp);
			v->keys[v->nr] = NULL;
			if (j_string(jp, &v->keys[v->nr])) {
				v->nr++;	/* j_free() frees what is there */
				return -1;
			}
			for (i = 0; i < v->nr; i++)
				if (!strcmp(v->keys[i], v->keys[v->nr])) {
					v->nr++;
					return -1;
				}
			j_ws(jp);
			if (*jp->p++ != ':') {
				v->nr++;
				return -1;
			}
		}
		v->nr++;
		if (j_value(jp, &v->items[v->nr - 1]))
			return -1;
		j_ws(jp);
		if (*jp->p == ',') {
			jp->p++;
			continue;
		}
		if (*jp->p++ != (obj ? '}' : ']'))
			return -1;
		return 0;
	}
}

static int j_value(struct jp *jp, struct jv *v)
{
	int ret;

	if (++jp->depth > 64)
		return -1;
	j_ws(jp);
	switch (*jp->p) {
	case '{':
	case '[':
		ret = j_list(jp, v, *jp->p == '{');
		break;
	case '"':
		v->type = J_STR;
		ret = j_string(jp, &v->str);
		break;
	case 't':
	case 'f':
	case 'n':
		ret = -1;
		if (!strncmp(jp->p, "true", 4) || !strncmp(jp->p, "null", 4)) {
			v->type = *jp->p == 'n' ? J_NULL : J_BOOL;
			v->num = *jp->p == 't';
			jp->p += 4;
			ret = 0;
		} else if (!strncmp(jp->p, "false", 5)) {
			v->type = J_BOOL;
			jp->p += 5;
			ret = 0;
		}
		break;
	default:
		ret = j_number(jp, v);
	}
	jp->depth--;
	return ret;
}

/* Parse the whole text: one value, nothing but white space after it. */
static int j_parse(const char *text, struct jv *v)
{
	struct jp jp = { .p = text };

	memset(v, 0, sizeof(*v));
	if (j_value(&jp, v))
		goto err;
	j_ws(&jp);
	if (*jp.p)
		goto err;
	return 0;
err:
	j_free(v);
	return -1;
}

/* Member key of object v, or NULL. */
static const struct jv *j_get(const struct jv *v, const char *key)
{
	int i;

	if (!v || v->type != J_OBJ)
		return NULL;
	for (i = 0; i < v->nr; i++)
		if (!strcmp(v->keys[i], key))
			return &v->items[i];
	return NULL;
}

static const char *j_str(const struct jv *v)
{
	return v && v->type == J_STR ? v->str : NULL;
}

/* ---- the spec ----------------------------------------------------------- */

/* What the spec must say of one vGPU: its type, its GPU (mvgpu0, ...). */
struct want {
	const char *uuid;
	const char *type;
	const char *gpu;
	bool seen;
};

/*
 * Does the parsed node n describe the host's character device path
 * exactly (stat's major, minor and permission bits)? NULL or the reason.
 */
static const char *check_node(const struct jv *n, const char *path,
			      char *why, size_t len)
{
	const struct jv *f;
	struct stat st;
	static const char * const keys[] = {
		"path", "type", "major", "minor", "fileMode", "permissions"
	};
	size_t i;

	if (!n || n->type != J_OBJ || n->nr != (int)MT_ARRAY_SIZE(keys))
		return "a device node is not an object of six members";
	for (i = 0; i < MT_ARRAY_SIZE(keys); i++)
		if (!j_get(n, keys[i]))
			return "a device node lacks a member";
	if (stat(path, &st) || !S_ISCHR(st.st_mode)) {
		snprintf(why, len, "%s: not a character device here", path);
		return why;
	}
	if (!j_str(j_get(n, "path")) || strcmp(j_str(j_get(n, "path")), path)) {
		snprintf(why, len, "node path is not %s", path);
		return why;
	}
	if (strcmp(j_str(j_get(n, "type")) ?: "", "c") ||
	    strcmp(j_str(j_get(n, "permissions")) ?: "", "rw"))
		return "node type is not \"c\" or permissions not \"rw\"";
	f = j_get(n, "major");
	if (f->type != J_NUM || !f->isint || f->num != major(st.st_rdev)) {
		snprintf(why, len, "%s: major is not %u", path, major(st.st_rdev));
		return why;
	}
	f = j_get(n, "minor");
	if (f->type != J_NUM || !f->isint || f->num != minor(st.st_rdev)) {
		snprintf(why, len, "%s: minor is not %u", path, minor(st.st_rdev));
		return why;
	}
	f = j_get(n, "fileMode");
	if (f->type != J_NUM || !f->isint || f->num != (st.st_mode & 07777)) {
		snprintf(why, len, "%s: fileMode is not %u", path,
			 st.st_mode & 07777);
		return why;
	}
	return NULL;
}

/*
 * Check the spec text against the vGPUs in want (all of them, each once,
 * nothing else). With strict false other devices may be there too and
 * are not checked (a racing removal may have taken their nodes away
 * since); the vGPUs in want, which stay, are checked in full, their group
 * nodes too. NULL or the reason in why.
 */
static const char *check_spec(const char *text, struct want *want, int nr,
			      bool strict, char *why, size_t len)
{
	const struct jv *devs, *d, *ed, *env, *nodes, *ann;
	char parent[256], group[64], envwant[128], envgroup[64];
	const char *ret = NULL, *name;
	struct jv root;
	int i, j;

	if (j_parse(text, &root))
		return "not valid JSON";
	for (j = 0; j < nr; j++)
		want[j].seen = false;
	if (root.type != J_OBJ || root.nr != 3 ||
	    strcmp(j_str(j_get(&root, "cdiVersion")) ?: "", "0.6.0") ||
	    strcmp(j_str(j_get(&root, "kind")) ?: "", "mvgpu.dev/vgpu")) {
		ret = "not an object of cdiVersion 0.6.0, kind mvgpu.dev/vgpu, devices";
		goto out;
	}
	devs = j_get(&root, "devices");
	if (!devs || devs->type != J_ARR || (strict && devs->nr != nr) ||
	    !devs->nr) {
		snprintf(why, len, "devices: not an array of %d", nr);
		ret = why;
		goto out;
	}
	for (i = 0; i < devs->nr; i++) {
		d = &devs->items[i];
		name = j_str(j_get(d, "name"));
		ed = j_get(d, "containerEdits");
		ann = j_get(d, "annotations");
		if (d->type != J_OBJ || d->nr != 3 || !name || !ed ||
		    ed->type != J_OBJ || ed->nr != 2 || !ann ||
		    ann->type != J_OBJ || ann->nr != 2) {
			snprintf(why, len,
				 "device %d: not name, annotations, containerEdits", i);
			ret = why;
			goto out;
		}
		for (j = 0; j < nr; j++)
			if (!strcmp(want[j].uuid, name))
				break;
		if (j == nr) {
			if (strict) {
				snprintf(why, len, "device %s: not one of the vGPUs", name);
				ret = why;
				goto out;
			}
			continue;
		}
		if (want[j].seen) {
			snprintf(why, len, "device %s twice", name);
			ret = why;
			goto out;
		}
		want[j].seen = true;
		if (libmvgpu_mdev_parent(parent, sizeof(parent), want[j].gpu)) {
			ret = "no parent device of the GPU";
			goto out;
		}
		if (strcmp(j_str(j_get(ann, "mvgpu.dev/type")) ?: "", want[j].type) ||
		    strcmp(j_str(j_get(ann, "mvgpu.dev/parent")) ?: "", parent)) {
			snprintf(why, len, "device %s: annotations not type %s, parent %s",
				 name, want[j].type, parent);
			ret = why;
			goto out;
		}
		env = j_get(ed, "env");
		snprintf(envwant, sizeof(envwant), "MVGPU_DEVICE=vfio:%s", name);
		snprintf(envgroup, sizeof(envgroup), "MVGPU_VFIO_GROUP=%d",
			 libmvgpu_mdev_group(name));
		if (!env || env->type != J_ARR || env->nr != 2 ||
		    strcmp(j_str(&env->items[0]) ?: "", envwant) ||
		    strcmp(j_str(&env->items[1]) ?: "", envgroup)) {
			snprintf(why, len, "device %s: env is not [\"%s\", \"%s\"]",
				 name, envwant, envgroup);
			ret = why;
			goto out;
		}
		nodes = j_get(ed, "deviceNodes");
		if (!nodes || nodes->type != J_ARR || nodes->nr != 2) {
			snprintf(why, len, "device %s: not two deviceNodes", name);
			ret = why;
			goto out;
		}
		snprintf(group, sizeof(group), "/dev/vfio/%d",
			 libmvgpu_mdev_group(name));
		ret = check_node(&nodes->items[0], "/dev/vfio/vfio", why, len);
		if (!ret)
			ret = check_node(&nodes->items[1], group, why, len);
		if (ret)
			goto out;
	}
	for (j = 0; j < nr; j++)
		if (!want[j].seen) {
			snprintf(why, len, "vGPU %s not in the spec", want[j].uuid);
			ret = why;
			goto out;
		}
out:
	j_free(&root);
	return ret;
}

/* ---- running mvgpu-ctl ---------------------------------------------------- */

/*
 * Run "mvgpu-ctl cdi ARGS", its stdout and stderr into out; its exit
 * status, or -1 when it did not exit.
 */
static int run_cdi(const char *args, char *out, size_t len)
{
	char cmd[PATH_MAX + 64];
	size_t n = 0;
	int status;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "mvgpu-ctl cdi %s 2>&1", args);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	out[0] = '\0';
	while (n + 1 < len && fgets(out + n, len - n, f))
		n += strlen(out + n);
	status = pclose(f);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Create or truncate path with text in it: 0 or -errno. */
static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

struct prefix_count {
	const char *prefix;
	int n;
};

static int prefix_cb(const char *name, void *arg)
{
	struct prefix_count *pc = arg;

	if (!strncmp(name, pc->prefix, strlen(pc->prefix)))
		pc->n++;
	return 0;
}

/* How many entries of dir begin with prefix (-errno on error). */
static int count_prefix(const char *dir, const char *prefix)
{
	struct prefix_count pc = { prefix, 0 };
	int ret = libmvgpu_dir_walk(dir, prefix_cb, &pc);

	return ret ? ret : pc.n;
}

FIXTURE(cdi) {
	struct mt_vgpu v[NR_VGPUS];
	char dir[64];
	char file[128];
	char ro[128];		/* a read-only tmpfs, when mounted */
	bool ro_mounted;
	int setup_err;
	char msg[256];
	char out[4096];
	char *spec;		/* SPEC_MAX bytes */
	char why[256];
};

FIXTURE_SETUP(cdi)
{
	int i;

	for (i = 0; i < NR_VGPUS; i++)
		mt_vgpu_init(&self->v[i]);
	self->spec = malloc(SPEC_MAX);
	ASSERT_NE(NULL, self->spec);
	snprintf(self->dir, sizeof(self->dir), "/tmp/mvgpu-cdi-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->file, sizeof(self->file), "%s/mvgpu.json", self->dir);
	snprintf(self->ro, sizeof(self->ro), "%s/ro", self->dir);
	self->setup_err = mt_check_state(self->msg, sizeof(self->msg));
}

FIXTURE_TEARDOWN(cdi)
{
	char cmd[128];
	int i, ret;

	if (self->ro_mounted)
		umount(self->ro);
	for (i = 0; i < NR_VGPUS; i++) {
		ret = mt_vgpu_destroy(&self->v[i]);
		if (ret)
			TH_LOG("removing %s: %s", self->v[i].uuid, strerror(-ret));
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
	if (system(cmd))
		TH_LOG("%s failed", cmd);
	free(self->spec);
}

/* Write the spec to the fixture's file; 0 and no output, else a failure. */
#define WRITE_SPEC() do { \
	char _args[160]; \
	snprintf(_args, sizeof(_args), "-o %s", self->file); \
	ASSERT_EQ(0, run_cdi(_args, self->out, sizeof(self->out))) \
		TH_LOG("mvgpu-ctl cdi: %s", self->out); \
	EXPECT_STREQ("", self->out); \
} while (0)

/* The file is the spec of want[nr], 0644, and alone in its directory. */
#define CHECK_FILE(want, nr) do { \
	struct stat _st; \
	const char *_bad; \
	ASSERT_EQ(0, stat(self->file, &_st)); \
	EXPECT_TRUE(S_ISREG(_st.st_mode)); \
	EXPECT_EQ(0644, _st.st_mode & 07777); \
	ASSERT_LT(0, libmvgpu_sysfs_read(self->file, self->spec, SPEC_MAX)); \
	_bad = check_spec(self->spec, want, nr, true, self->why, \
			  sizeof(self->why)); \
	if (_bad) \
		TH_LOG("%s in:\n%s", _bad, self->spec); \
	EXPECT_EQ(NULL, _bad); \
	EXPECT_EQ(1, mt_dir_count(self->dir)) TH_LOG("a temporary file left"); \
} while (0)

/* Without a vGPU there is no spec (CDI refuses one without devices). */
TEST_F(cdi, no_vgpu_removes_the_spec)
{
	char args[160];

	CHECK_SETUP();
	ASSERT_EQ(0, write_file(self->file, "stale\n"));
	snprintf(args, sizeof(args), "-o %s", self->file);
	ASSERT_EQ(0, run_cdi(args, self->out, sizeof(self->out)))
		TH_LOG("%s", self->out);
	EXPECT_NE(NULL, strstr(self->out, "no mvgpu vGPU"))
		TH_LOG("%s", self->out);
	EXPECT_NE(0, access(self->file, F_OK));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(0, mt_dir_count(self->dir));
	/* and again, with nothing to remove */
	ASSERT_EQ(0, run_cdi(args, self->out, sizeof(self->out)))
		TH_LOG("%s", self->out);
	EXPECT_EQ(0, mt_dir_count(self->dir));
}

TEST_F(cdi, one_vgpu)
{
	struct want want[1];

	CHECK_SETUP();
	ASSERT_EQ(0, mt_vgpu_create(&self->v[0], MT_PARENT0, MT_T14));
	want[0] = (struct want){ self->v[0].uuid, "mvgpu-1_4", MT_PARENT0, false };
	WRITE_SPEC();
	CHECK_FILE(want, 1);
}

/*
 * -u UUID: the spec of that vGPU alone (a DRA driver's prepare step);
 * a UUID that is no vGPU fails and writes nothing.
 */
TEST_F(cdi, one_vgpu_of_two_by_uuid)
{
	char args[256], uuid[LIBMVGPU_UUID_LEN + 1];
	struct want want[1];

	CHECK_SETUP();
	ASSERT_EQ(0, mt_vgpu_create(&self->v[0], MT_PARENT0, MT_T14));
	ASSERT_EQ(0, mt_vgpu_create(&self->v[1], MT_PARENT1, MT_T18));
	want[0] = (struct want){ self->v[1].uuid, "mvgpu-1_8", MT_PARENT1, false };
	snprintf(args, sizeof(args), "-u %s -o %s", self->v[1].uuid, self->file);
	ASSERT_EQ(0, run_cdi(args, self->out, sizeof(self->out)))
		TH_LOG("mvgpu-ctl cdi: %s", self->out);
	EXPECT_STREQ("", self->out);
	CHECK_FILE(want, 1);

	/* the same, options the other way round */
	snprintf(args, sizeof(args), "-o %s -u %s", self->file, self->v[0].uuid);
	ASSERT_EQ(0, run_cdi(args, self->out, sizeof(self->out)))
		TH_LOG("mvgpu-ctl cdi: %s", self->out);
	want[0] = (struct want){ self->v[0].uuid, "mvgpu-1_4", MT_PARENT0, false };
	CHECK_FILE(want, 1);

	ASSERT_EQ(0, libmvgpu_uuid_gen(uuid));
	snprintf(args, sizeof(args), "-u %s -o %s/other.json", uuid, self->dir);
	ASSERT_EQ(1, run_cdi(args, self->out, sizeof(self->out)));
	EXPECT_NE(NULL, strstr(self->out, "no such vGPU")) TH_LOG("%s", self->out);
	EXPECT_NE(NULL, strstr(self->out, uuid)) TH_LOG("%s", self->out);
	/* 36 characters, but a path: refused, not looked up */
	snprintf(args, sizeof(args), "-u ../../../../../../../../../etc/passw -o %s/other.json",
		 self->dir);
	ASSERT_EQ(1, run_cdi(args, self->out, sizeof(self->out)));
	EXPECT_NE(NULL, strstr(self->out, "no such vGPU")) TH_LOG("%s", self->out);
	EXPECT_EQ(1, mt_dir_count(self->dir));
}

/* Three vGPUs of three types on two GPUs; one removed: the spec follows. */
TEST_F(cdi, three_vgpus_then_two)
{
	struct want want[3];

	CHECK_SETUP();
	ASSERT_EQ(0, mt_vgpu_create(&self->v[0], MT_PARENT0, MT_T14));
	ASSERT_EQ(0, mt_vgpu_create(&self->v[1], MT_PARENT0, MT_T18));
	ASSERT_EQ(0, mt_vgpu_create(&self->v[2], MT_PARENT1, MT_T12));
	want[0] = (struct want){ self->v[0].uuid, "mvgpu-1_4", MT_PARENT0, false };
	want[1] = (struct want){ self->v[1].uuid, "mvgpu-1_8", MT_PARENT0, false };
	want[2] = (struct want){ self->v[2].uuid, "mvgpu-1_2", MT_PARENT1, false };
	WRITE_SPEC();
	CHECK_FILE(want, 3);
	/* the groups differ: each device its own node */
	EXPECT_NE(libmvgpu_mdev_group(self->v[0].uuid),
		  libmvgpu_mdev_group(self->v[2].uuid));

	ASSERT_EQ(0, mt_vgpu_destroy(&self->v[1]));
	want[1] = want[2];
	WRITE_SPEC();
	CHECK_FILE(want, 2);
}

/*
 * A FILE that cannot be written: a missing directory, a read-only file
 * system (the old spec stays), a directory. Exit status 1, the reason
 * named, no temporary file left.
 */
TEST_F(cdi, unwritable_file_fails)
{
	char args[256], path[160];

	CHECK_SETUP();
	ASSERT_EQ(0, mt_vgpu_create(&self->v[0], MT_PARENT0, MT_T14));

	ASSERT_EQ(1, run_cdi("-o /nonexistent-mvgpu/mvgpu.json", self->out,
			     sizeof(self->out)));
	EXPECT_NE(NULL, strstr(self->out,
			       "/nonexistent-mvgpu/mvgpu.json: No such file or directory"))
		TH_LOG("%s", self->out);

	ASSERT_EQ(0, mkdir(self->ro, 0755));
	ASSERT_EQ(0, mount("tmpfs", self->ro, "tmpfs", 0, "size=64k,mode=0755"));
	self->ro_mounted = true;
	snprintf(path, sizeof(path), "%s/mvgpu.json", self->ro);
	ASSERT_EQ(0, write_file(path, "old\n"));
	ASSERT_EQ(0, mount(NULL, self->ro, NULL, MS_REMOUNT | MS_RDONLY, NULL));
	snprintf(args, sizeof(args), "-o %s", path);
	ASSERT_EQ(1, run_cdi(args, self->out, sizeof(self->out)));
	EXPECT_NE(NULL, strstr(self->out, "Read-only file system"))
		TH_LOG("%s", self->out);
	EXPECT_NE(NULL, strstr(self->out, path)) TH_LOG("%s", self->out);
	ASSERT_LT(0, libmvgpu_sysfs_read(path, self->spec, SPEC_MAX));
	EXPECT_STREQ("old\n", self->spec);
	EXPECT_EQ(1, mt_dir_count(self->ro));

	/* FILE is a directory: the rename fails, the temporary file goes */
	snprintf(path, sizeof(path), "%s/sub", self->dir);
	ASSERT_EQ(0, mkdir(path, 0755));
	snprintf(args, sizeof(args), "-o %s", path);
	ASSERT_EQ(1, run_cdi(args, self->out, sizeof(self->out)));
	EXPECT_NE(NULL, strstr(self->out, "Is a directory"))
		TH_LOG("%s", self->out);
	EXPECT_EQ(0, count_prefix(self->dir, ".sub."));
	EXPECT_EQ(2, mt_dir_count(self->dir));	/* ro/ and sub/ only */
}

/*
 * A directory of FILE that another user could change between the steps
 * (not root's, or writable by group or others, as /tmp) is refused:
 * exit status 1, the reason named, nothing written or removed there.
 */
TEST_F(cdi, directory_of_others_refused)
{
	static const struct { mode_t mode; uid_t uid; } bad[] = {
		{ 0775, 0 }, { 0757, 0 }, { 01777, 0 }, { 0755, 65534 },
	};
	char args[256], path[160];
	unsigned int i;

	CHECK_SETUP();
	ASSERT_EQ(0, mt_vgpu_create(&self->v[0], MT_PARENT0, MT_T14));
	snprintf(path, sizeof(path), "%s/d", self->dir);
	ASSERT_EQ(0, mkdir(path, 0755));
	snprintf(path, sizeof(path), "%s/d/mvgpu.json", self->dir);
	ASSERT_EQ(0, write_file(path, "old\n"));
	snprintf(args, sizeof(args), "-o %s", path);
	snprintf(path, sizeof(path), "%s/d", self->dir);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_EQ(0, chown(path, bad[i].uid, 0));
		ASSERT_EQ(0, chmod(path, bad[i].mode));
		ASSERT_EQ(1, run_cdi(args, self->out, sizeof(self->out)))
			TH_LOG("mode %o, uid %u: %s", bad[i].mode, bad[i].uid,
			       self->out);
		EXPECT_NE(NULL, strstr(self->out,
				       "directory not owned by root or writable by group or others: refused"))
			TH_LOG("%s", self->out);
		EXPECT_NE(NULL, strstr(self->out, path)) TH_LOG("%s", self->out);
		EXPECT_EQ(1, mt_dir_count(path));
		ASSERT_LT(0, libmvgpu_sysfs_read(args + 3, self->spec, SPEC_MAX));
		EXPECT_STREQ("old\n", self->spec);
	}
	/* root's, 0755: written */
	ASSERT_EQ(0, chown(path, 0, 0));
	ASSERT_EQ(0, chmod(path, 0755));
	ASSERT_EQ(0, run_cdi(args, self->out, sizeof(self->out)))
		TH_LOG("%s", self->out);
	EXPECT_STREQ("", self->out);
	EXPECT_EQ(1, mt_dir_count(path));
}

/*
 * Two writers run mvgpu-ctl cdi again and again while a third process
 * creates and removes a vGPU: every spec read meanwhile is complete (valid
 * JSON naming the vGPU that stays, with its env and both its nodes, the
 * group node's major and minor those of /dev/vfio/<its group>), no
 * temporary file is left, and the last spec is exact.
 */
TEST_F_TIMEOUT(cdi, racing_vgpus_never_a_partial_spec, 300)
{
	struct want want[1];
	int reads = 0, with_two = 0, i, status;
	pid_t churn, writers[2];
	const char *bad = NULL, *p;
	char args[160], *churned;
	uint64_t end;
	ssize_t n;

	CHECK_SETUP();
	ASSERT_EQ(0, mt_vgpu_create(&self->v[0], MT_PARENT0, MT_T14));
	want[0] = (struct want){ self->v[0].uuid, "mvgpu-1_4", MT_PARENT0, false };
	WRITE_SPEC();
	/*
	 * The churned vGPUs, a fresh UUID each (so before and after A in
	 * the directory's order); the current one in churned, for the
	 * teardown if one is left.
	 */
	churned = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, churned);
	churned[0] = '\0';
	snprintf(args, sizeof(args), "-o %s > /dev/null 2>&1", self->file);

	end = mt_now_ms() + RACE_MS;
	churn = fork();
	ASSERT_LE(0, churn);
	if (!churn) {
		int cycles = 0, ret = 0;

		while (!ret && mt_now_ms() < end) {
			char uuid[LIBMVGPU_UUID_LEN + 1];

			ret = libmvgpu_uuid_gen(uuid);
			if (ret)
				break;
			memcpy(churned, uuid, sizeof(uuid));
			ret = libmvgpu_mdev_create(MT_PARENT1, "mvgpu-1_8",
						   uuid);
			if (!ret)
				ret = libmvgpu_mdev_remove(uuid);
			cycles++;
		}
		printf("# churn: %d create/remove cycles%s%s\n", cycles,
		       ret ? ", failed: " : "", ret ? strerror(-ret) : "");
		fflush(stdout);
		_exit(ret ? 1 : 0);
	}
	for (i = 0; i < 2; i++) {
		writers[i] = fork();
		ASSERT_LE(0, writers[i]);
		if (!writers[i]) {
			char cmd[256];
			int runs = 0, failed = 0;

			snprintf(cmd, sizeof(cmd), "mvgpu-ctl cdi %s", args);
			while (mt_now_ms() < end) {
				if (system(cmd))
					failed++;
				runs++;
			}
			printf("# writer %d: %d runs, %d failed\n", i, runs, failed);
			fflush(stdout);
			_exit(failed ? 1 : 0);
		}
	}
	while (mt_now_ms() < end + 500) {
		n = libmvgpu_sysfs_read(self->file, self->spec, SPEC_MAX);
		if (n < 0) {
			bad = "the spec was missing";
			break;
		}
		bad = check_spec(self->spec, want, 1, false, self->why,
				 sizeof(self->why));
		if (bad)
			break;
		reads++;
		p = strstr(self->spec, "\"name\"");
		with_two += p && strstr(p + 1, "\"name\"");
	}
	if (bad)
		TH_LOG("read %d: %s in:\n%s", reads, bad, self->spec);
	EXPECT_EQ(NULL, bad);
	TH_LOG("%d complete specs read, %d of them with the churned vGPU",
	       reads, with_two);
	ASSERT_EQ(churn, waitpid(churn, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(writers[i], waitpid(writers[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
			TH_LOG("writer %d: a run failed", i);
	}
	EXPECT_LE(10, reads);
	memcpy(self->v[1].uuid, churned, sizeof(self->v[1].uuid));
	munmap(churned, 4096);
	self->v[1].created = self->v[1].uuid[0] &&
			     libmvgpu_mdev_exists(self->v[1].uuid);
	EXPECT_FALSE(self->v[1].created);
	WRITE_SPEC();
	CHECK_FILE(want, 1);
}

TEST_HARNESS_MAIN

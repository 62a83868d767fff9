// SPDX-License-Identifier: GPL-2.0
/*
 * mdev_types: the mdev types of an mvgpu parent, their sysfs attributes,
 * the VRAM capacity arithmetic, duplicate UUIDs and the per-instance
 * attributes.
 */
#include <errno.h>
#include <pthread.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "mvgpu_test.h"

#define MAX_VGPUS	65	/* 64 of 1/64, and one too many */

FIXTURE(types) {
	struct mt_vgpu v[MAX_VGPUS];
	int nr;
	int setup_err;
	char msg[256];
	uint64_t timeslice;	/* of MT_PARENT1, restored when non-zero */
};

FIXTURE_SETUP(types)
{
	int i;

	for (i = 0; i < MAX_VGPUS; i++)
		mt_vgpu_init(&self->v[i]);
	self->nr = 0;
	self->timeslice = 0;
	/* never ASSERT here: teardown only runs after a completed setup */
	self->setup_err = mt_check_state(self->msg, sizeof(self->msg));
}

FIXTURE_TEARDOWN(types)
{
	char path[512];
	int i, ret;

	if (self->timeslice &&
	    !libmvgpu_path_parent(path, sizeof(path), MT_PARENT1, "timeslice_us"))
		libmvgpu_sysfs_write_u64(path, self->timeslice);

	for (i = 0; i < MAX_VGPUS; i++) {
		ret = mt_vgpu_destroy(&self->v[i]);
		if (ret)
			TH_LOG("removing %s: %s", self->v[i].uuid,
			       strerror(-ret));
	}
}

/* Create a vGPU into the next free slot; returns the create error. */
static int add_vgpu(FIXTURE_DATA(types) *self, const char *parent,
		    const struct mt_type *t, int *slot)
{
	int i, ret;

	for (i = 0; i < MAX_VGPUS; i++)
		if (!self->v[i].created)
			break;
	if (i == MAX_VGPUS)
		return -ENOBUFS;
	ret = mt_vgpu_create(&self->v[i], parent, t);
	if (!ret && slot)
		*slot = i;
	return ret;
}

/*
 * available_instances of every type; for the types below 1/8 it follows
 * from a18 while only types of 1/8 and up are in use.
 */
static void check_avail(struct __test_metadata *_metadata, const char *parent,
			int a18, int a14, int a12, int a11)
{
	const int want[MT_NR_TYPES] = {
		a18, a14, a12, a11, a18 * 2, a18 * 4, a18 * 8
	};
	uint64_t val;
	int i;

	for (i = 0; i < MT_NR_TYPES; i++) {
		ASSERT_EQ(0, libmvgpu_type_read_u64(parent, mt_types[i].dir,
						    "available_instances", &val));
		if (val != (uint64_t)want[i])
			TH_LOG("%s %s: available_instances %llu, want %d",
			       parent, mt_types[i].dir,
			       (unsigned long long)val, want[i]);
		EXPECT_EQ((uint64_t)want[i], val);
	}
}

static void check_parent(struct __test_metadata *_metadata,
			 const char *parent, uint64_t used, uint64_t nr)
{
	uint64_t val;

	ASSERT_EQ(0, libmvgpu_parent_read_u64(parent, "vram_total", &val));
	EXPECT_EQ(MT_VRAM_TOTAL, val);
	ASSERT_EQ(0, libmvgpu_parent_read_u64(parent, "vram_used", &val));
	EXPECT_EQ(used, val);
	ASSERT_EQ(0, libmvgpu_parent_read_u64(parent, "instances", &val));
	EXPECT_EQ(nr, val);
}

/* name, device_api, description, available_instances of an idle GPU */
TEST_F(types, attributes)
{
	static const char * const parents[] = { MT_PARENT0, MT_PARENT1 };
	char buf[512], want[512], path[512];
	const struct mt_type *t;
	uint32_t dw, dh;
	uint64_t avail;
	int i, n, inode;
	size_t p;

	CHECK_SETUP();
	inode = mt_kernel_vfio_inode();
	ASSERT_LE(0, inode);
	for (p = 0; p < MT_ARRAY_SIZE(parents); p++) {
		ASSERT_EQ(0, libmvgpu_path_type(path, sizeof(path), parents[p],
						"", NULL));
		EXPECT_EQ(MT_NR_TYPES, mt_dir_count(path));
		for (i = 0; i < MT_NR_TYPES; i++) {
			t = &mt_types[i];
			ASSERT_EQ(0, libmvgpu_type_read_str(parents[p], t->dir,
							    "name", buf,
							 sizeof(buf)));
			EXPECT_STREQ(t->name, buf);
			ASSERT_EQ(0, libmvgpu_type_read_str(parents[p], t->dir,
							    "device_api", buf,
							 sizeof(buf)));
			EXPECT_STREQ("vfio-pci", buf);

			/*
			 * exact text, trailing newline included; the display
			 * (device.rst, "Display"): the largest mode that fills
			 * at most half the VRAM, none where BAR2 cannot be
			 * mapped
			 */
			mt_display_rule(mt_type_vram(t), inode, &dw, &dh);
			n = snprintf(want, sizeof(want),
				     "vram: %llu MiB\nweight: %u\ncontexts: %u\nmax_instances: %u\n",
				     (unsigned long long)(mt_type_vram(t) >> 20),
				     t->weight, t->contexts, 64 / t->units);
			if (dw)
				snprintf(want + n, sizeof(want) - n,
					 "display: %ux%u\nheads: 1\n", dw, dh);
			else
				snprintf(want + n, sizeof(want) - n,
					 "display: none\n");
			ASSERT_EQ(0, libmvgpu_path_type(path, sizeof(path),
							parents[p], t->dir,
						     "description"));
			ASSERT_LT(0, libmvgpu_sysfs_read(path, buf, sizeof(buf)));
			EXPECT_STREQ(want, buf);

			ASSERT_EQ(0, libmvgpu_type_read_u64(parents[p], t->dir,
							    "available_instances",
							 &avail));
			EXPECT_EQ(64 / t->units, avail);

			ASSERT_EQ(0, libmvgpu_path_type(path, sizeof(path),
							parents[p], t->dir,
						     "devices"));
			EXPECT_EQ(0, mt_dir_count(path));
		}
		check_parent(_metadata, parents[p], 0, 0);

		/*
		 * the mdev parent is the device the GPU belongs to, a PCI
		 * function (QEMU's edu device in the test VM), with the
		 * types under it as libvirt looks for them
		 */
		{
			char name[256], a[PATH_MAX], b[PATH_MAX];

			ASSERT_EQ(0, libmvgpu_mdev_parent(name, sizeof(name),
							  parents[p]));
			snprintf(path, sizeof(path), LIBMVGPU_SYSFS_CLASS
				 "/%s/device", parents[p]);
			ASSERT_NE(NULL, realpath(path, a));
			snprintf(path, sizeof(path), LIBMVGPU_SYSFS_MDEV_BUS
				 "/%s", name);
			ASSERT_NE(NULL, realpath(path, b));
			EXPECT_STREQ(a, b);
			snprintf(path, sizeof(path),
				 "/sys/bus/pci/devices/%s/mdev_supported_types/mvgpu-1_8/device_api",
				 name);
			ASSERT_LT(0, libmvgpu_sysfs_read(path, buf, sizeof(buf)))
				TH_LOG("%s is not a PCI device with mdev types",
				       name);
			snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor",
				 name);
			ASSERT_EQ(0, libmvgpu_sysfs_read_str(path, buf,
							     sizeof(buf)));
			EXPECT_STREQ("0x1234", buf);
		}
	}
}

/* engines and timeslice_us of a GPU (admin guide) */
TEST_F(types, parent_attributes)
{
	static const uint64_t good[] = { 100, 100000, 2500 };
	static const char * const bad[] = { "99", "100001", "0", "-5", "x" };
	char path[512];
	uint64_t val, def;
	struct stat st;
	size_t i;
	int ret;

	CHECK_SETUP();
	ASSERT_EQ(0, libmvgpu_parent_read_u64(MT_PARENT0, "engines", &val));
	EXPECT_EQ(1, val);	/* mvgpu_sim models one engine */
	ASSERT_EQ(0, libmvgpu_parent_read_u64(MT_PARENT1, "timeslice_us", &def));
	EXPECT_EQ(2000, def);
	self->timeslice = def;
	ASSERT_EQ(0, libmvgpu_path_parent(path, sizeof(path), MT_PARENT1,
					  "timeslice_us"));
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(0644, st.st_mode & 0777);

	for (i = 0; i < MT_ARRAY_SIZE(good); i++) {
		EXPECT_EQ(0, libmvgpu_sysfs_write_u64(path, good[i]));
		ASSERT_EQ(0, libmvgpu_parent_read_u64(MT_PARENT1, "timeslice_us",
						      &val));
		EXPECT_EQ(good[i], val);
	}
	for (i = 0; i < MT_ARRAY_SIZE(bad); i++) {
		ret = libmvgpu_sysfs_write(path, bad[i]);
		if (ret != -EINVAL)
			TH_LOG("timeslice_us \"%s\": %d", bad[i], ret);
		EXPECT_EQ(-EINVAL, ret);
	}
	ASSERT_EQ(0, libmvgpu_parent_read_u64(MT_PARENT1, "timeslice_us", &val));
	EXPECT_EQ(2500, val);
	/* the other GPU keeps its own */
	ASSERT_EQ(0, libmvgpu_parent_read_u64(MT_PARENT0, "timeslice_us", &val));
	EXPECT_EQ(2000, val);
}

/* The example of the contract: a 1/2 then mixed types on one GPU */
TEST_F(types, capacity_mixed)
{
	int s12, s14, s18a, s18b;

	CHECK_SETUP();
	ASSERT_EQ(0, add_vgpu(self, MT_PARENT0, MT_T12, &s12));
	check_avail(_metadata, MT_PARENT0, 4, 2, 1, 0);
	check_parent(_metadata, MT_PARENT0, 64 << 20, 1);
	/* the other GPU is untouched */
	check_avail(_metadata, MT_PARENT1, 8, 4, 2, 1);
	check_parent(_metadata, MT_PARENT1, 0, 0);

	ASSERT_EQ(0, add_vgpu(self, MT_PARENT0, MT_T14, &s14));
	check_avail(_metadata, MT_PARENT0, 2, 1, 0, 0);
	check_parent(_metadata, MT_PARENT0, 96 << 20, 2);

	ASSERT_EQ(0, add_vgpu(self, MT_PARENT0, MT_T18, &s18a));
	check_avail(_metadata, MT_PARENT0, 1, 0, 0, 0);
	ASSERT_EQ(0, add_vgpu(self, MT_PARENT0, MT_T18, &s18b));
	check_avail(_metadata, MT_PARENT0, 0, 0, 0, 0);
	check_parent(_metadata, MT_PARENT0, 128 << 20, 4);

	/* full: every type is refused with ENOSPC and nothing changes */
	EXPECT_EQ(-ENOSPC, add_vgpu(self, MT_PARENT0, MT_T18, NULL));
	EXPECT_EQ(-ENOSPC, add_vgpu(self, MT_PARENT0, MT_T14, NULL));
	EXPECT_EQ(-ENOSPC, add_vgpu(self, MT_PARENT0, MT_T12, NULL));
	EXPECT_EQ(-ENOSPC, add_vgpu(self, MT_PARENT0, MT_T11, NULL));
	check_parent(_metadata, MT_PARENT0, 128 << 20, 4);
	EXPECT_EQ(4, mt_dir_count(LIBMVGPU_SYSFS_MDEV_DEVS));

	/* removal gives the space back */
	ASSERT_EQ(0, mt_vgpu_destroy(&self->v[s14]));
	check_avail(_metadata, MT_PARENT0, 2, 1, 0, 0);
	check_parent(_metadata, MT_PARENT0, 96 << 20, 3);
	ASSERT_EQ(0, mt_vgpu_destroy(&self->v[s12]));
	check_avail(_metadata, MT_PARENT0, 6, 3, 1, 0);
	ASSERT_EQ(0, mt_vgpu_destroy(&self->v[s18a]));
	check_avail(_metadata, MT_PARENT0, 7, 3, 1, 0);
	ASSERT_EQ(0, mt_vgpu_destroy(&self->v[s18b]));
	check_avail(_metadata, MT_PARENT0, 8, 4, 2, 1);
	check_parent(_metadata, MT_PARENT0, 0, 0);
}

/* Blocks are aligned to their size: one 1/8 blocks a whole 1/2 and 1/1 */
TEST_F(types, alignment)
{
	int s0, s1;

	CHECK_SETUP();
	ASSERT_EQ(0, add_vgpu(self, MT_PARENT1, MT_T18, &s0));
	check_avail(_metadata, MT_PARENT1, 7, 3, 1, 0);
	EXPECT_EQ(-ENOSPC, add_vgpu(self, MT_PARENT1, MT_T11, NULL));
	ASSERT_EQ(0, add_vgpu(self, MT_PARENT1, MT_T12, &s1));
	/* one unit used in the low half, three free units in it */
	check_avail(_metadata, MT_PARENT1, 3, 1, 0, 0);
	EXPECT_EQ(-ENOSPC, add_vgpu(self, MT_PARENT1, MT_T12, NULL));
	ASSERT_EQ(0, add_vgpu(self, MT_PARENT1, MT_T14, NULL));
	check_avail(_metadata, MT_PARENT1, 1, 0, 0, 0);
	EXPECT_EQ(-ENOSPC, add_vgpu(self, MT_PARENT1, MT_T14, NULL));
	ASSERT_EQ(0, add_vgpu(self, MT_PARENT1, MT_T18, NULL));
	check_avail(_metadata, MT_PARENT1, 0, 0, 0, 0);
	check_parent(_metadata, MT_PARENT1, 128 << 20, 4);
	/* the first 1/8 goes: its unit is free again, only a 1/8 fits */
	ASSERT_EQ(0, mt_vgpu_destroy(&self->v[s0]));
	check_avail(_metadata, MT_PARENT1, 1, 0, 0, 0);
	check_parent(_metadata, MT_PARENT1, 112 << 20, 3);
	check_avail(_metadata, MT_PARENT0, 8, 4, 2, 1);
}

/* Each type alone: max_instances fit (64 of 1/64), one more is ENOSPC */
TEST_F_TIMEOUT(types, fill_each_type, 300)
{
	const struct mt_type *t;
	int i, n, slots[64];

	CHECK_SETUP();
	for (i = 0; i < MT_NR_TYPES; i++) {
		t = &mt_types[i];
		for (n = 0; n < (int)(64 / t->units); n++)
			ASSERT_EQ(0, add_vgpu(self, MT_PARENT0, t, &slots[n]));
		check_parent(_metadata, MT_PARENT0, MT_VRAM_TOTAL, n);
		check_avail(_metadata, MT_PARENT0, 0, 0, 0, 0);
		EXPECT_EQ(-ENOSPC, add_vgpu(self, MT_PARENT0, t, NULL));
		for (n = 0; n < (int)(64 / t->units); n++)
			ASSERT_EQ(0, mt_vgpu_destroy(&self->v[slots[n]]));
		check_parent(_metadata, MT_PARENT0, 0, 0);
		check_avail(_metadata, MT_PARENT0, 8, 4, 2, 1);
	}
}

/*
 * The small types mix exactly: one 1/64 takes one 1/32, one 1/16 and one
 * 1/8 block away; the buddy choice keeps the rest of that 1/8 for them.
 */
TEST_F(types, small_types_mixed)
{
	static const struct {
		const struct mt_type *t;
		int avail[MT_NR_TYPES];	/* after creating it */
	} steps[] = {
		{ MT_T164, { 7, 3, 1, 0, 15, 31, 63 } },
		{ MT_T132, { 7, 3, 1, 0, 15, 30, 61 } },
		{ MT_T164, { 7, 3, 1, 0, 15, 30, 60 } },
		{ MT_T116, { 7, 3, 1, 0, 14, 28, 56 } },
		{ MT_T18, { 6, 3, 1, 0, 12, 24, 48 } },
	};
	uint64_t val;
	size_t i;
	int t;

	CHECK_SETUP();
	for (i = 0; i < MT_ARRAY_SIZE(steps); i++) {
		ASSERT_EQ(0, add_vgpu(self, MT_PARENT1, steps[i].t, NULL));
		for (t = 0; t < MT_NR_TYPES; t++) {
			ASSERT_EQ(0, libmvgpu_type_read_u64(MT_PARENT1,
							    mt_types[t].dir,
							 "available_instances",
							 &val));
			EXPECT_EQ((uint64_t)steps[i].avail[t], val)
				TH_LOG("step %zu, %s", i, mt_types[t].dir);
		}
	}
	check_parent(_metadata, MT_PARENT1, MT_VRAM_TOTAL / 64 * 16, 5);
}

/* A UUID is unique system wide (mdev core): EEXIST, nothing consumed */
TEST_F(types, duplicate_uuid)
{
	char path[512];
	int s;

	CHECK_SETUP();
	ASSERT_EQ(0, add_vgpu(self, MT_PARENT0, MT_T18, &s));
	ASSERT_EQ(0, libmvgpu_path_type(path, sizeof(path), MT_PARENT0,
					MT_T18->dir, "create"));
	EXPECT_EQ(-EEXIST, libmvgpu_sysfs_write(path, self->v[s].uuid));
	ASSERT_EQ(0, libmvgpu_path_type(path, sizeof(path), MT_PARENT0,
					MT_T11->dir, "create"));
	EXPECT_EQ(-EEXIST, libmvgpu_sysfs_write(path, self->v[s].uuid));
	ASSERT_EQ(0, libmvgpu_path_type(path, sizeof(path), MT_PARENT1,
					MT_T14->dir, "create"));
	EXPECT_EQ(-EEXIST, libmvgpu_sysfs_write(path, self->v[s].uuid));
	check_parent(_metadata, MT_PARENT0, 16 << 20, 1);
	check_parent(_metadata, MT_PARENT1, 0, 0);
	check_avail(_metadata, MT_PARENT0, 7, 3, 1, 0);
	EXPECT_EQ(1, mt_dir_count(LIBMVGPU_SYSFS_MDEV_DEVS));
}

/* Per-instance attributes of every type */
TEST_F(types, instance_attributes)
{
	static const char * const counters[] = {
		"busy_ns", "commands", "faults", "context_switches", "resets",
		"pinned_pages", "shadow_entries", "shadow_fills",
		"preemptions", "util_permille", "cap", "mig_precopy_rounds",
		"mig_stop_copy_bytes", "mig_stop_copy_ns",
	};
	static const char * const writable[] = { "weight", "cap", "priority" };
	const struct mt_type *t;
	char buf[128], path[512];
	uint64_t val;
	size_t c;
	int i, s;

	CHECK_SETUP();
	for (i = 0; i < MT_NR_TYPES; i++) {
		t = &mt_types[i];
		ASSERT_EQ(0, add_vgpu(self, MT_PARENT1, t, &s));
		ASSERT_EQ(0, libmvgpu_mdev_read_str(self->v[s].uuid, "type", buf,
						    sizeof(buf)));
		EXPECT_STREQ(t->dir, buf);
		ASSERT_EQ(0, libmvgpu_mdev_read_u64(self->v[s].uuid, "vram_size",
						    &val));
		EXPECT_EQ(mt_type_vram(t), val);
		ASSERT_EQ(0, libmvgpu_mdev_read_u64(self->v[s].uuid, "contexts",
						    &val));
		EXPECT_EQ(t->contexts, val);
		ASSERT_EQ(0, libmvgpu_mdev_read_u64(self->v[s].uuid, "weight",
						    &val));
		EXPECT_EQ(t->weight, val);
		for (c = 0; c < MT_ARRAY_SIZE(counters); c++) {
			ASSERT_EQ(0, libmvgpu_mdev_read_u64(self->v[s].uuid,
							    counters[c], &val));
			if (val)
				TH_LOG("%s: fresh %s = %llu", t->dir,
				       counters[c], (unsigned long long)val);
			EXPECT_EQ(0, val);
		}
		ASSERT_EQ(0, libmvgpu_mdev_read_str(self->v[s].uuid, "priority",
						    buf, sizeof(buf)));
		EXPECT_STREQ("normal", buf);
		ASSERT_EQ(0, libmvgpu_mdev_read_str(self->v[s].uuid,
						    "migration_state", buf,
						 sizeof(buf)));
		EXPECT_STREQ("running", buf);
		/* the controls are writable by root only, the rest read-only */
		for (c = 0; c < MT_ARRAY_SIZE(counters); c++) {
			struct stat st;
			size_t w;
			bool rw = false;

			for (w = 0; w < MT_ARRAY_SIZE(writable); w++)
				rw |= !strcmp(counters[c], writable[w]);
			snprintf(path, sizeof(path),
				 LIBMVGPU_SYSFS_MDEV_DEVS "/%s/mvgpu/%s",
				 self->v[s].uuid, counters[c]);
			ASSERT_EQ(0, stat(path, &st));
			EXPECT_EQ(rw ? 0644 : 0444, st.st_mode & 0777)
				TH_LOG("%s", counters[c]);
		}
		for (c = 0; c < MT_ARRAY_SIZE(writable); c++) {
			struct stat st;

			snprintf(path, sizeof(path),
				 LIBMVGPU_SYSFS_MDEV_DEVS "/%s/mvgpu/%s",
				 self->v[s].uuid, writable[c]);
			ASSERT_EQ(0, stat(path, &st));
			EXPECT_EQ(0644, st.st_mode & 0777);
		}
		/* listed under its type's devices/ */
		ASSERT_EQ(0, libmvgpu_path_type(path, sizeof(path), MT_PARENT1,
						t->dir, "devices/"));
		strncat(path, self->v[s].uuid, sizeof(path) - strlen(path) - 1);
		EXPECT_EQ(0, access(path, F_OK));
		check_parent(_metadata, MT_PARENT1, mt_type_vram(t), 1);
		ASSERT_EQ(0, mt_vgpu_destroy(&self->v[s]));
		check_parent(_metadata, MT_PARENT1, 0, 0);
	}
}

/* weight: 1..64 accepted (also while open), else EINVAL and unchanged */
TEST_F(types, weight)
{
	char path[512];
	const char *uuid;
	uint64_t val;
	int s, w;

	CHECK_SETUP();
	ASSERT_EQ(0, add_vgpu(self, MT_PARENT0, MT_T14, &s));
	uuid = self->v[s].uuid;

	for (w = 1; w <= 64; w++) {
		ASSERT_EQ(0, libmvgpu_mdev_write_u64(uuid, "weight", w));
		ASSERT_EQ(0, libmvgpu_mdev_read_u64(uuid, "weight", &val));
		EXPECT_EQ((uint64_t)w, val);
	}
	ASSERT_EQ(0, libmvgpu_mdev_write_u64(uuid, "weight", 5));
	EXPECT_EQ(-EINVAL, libmvgpu_mdev_write_u64(uuid, "weight", 0));
	EXPECT_EQ(-EINVAL, libmvgpu_mdev_write_u64(uuid, "weight", 65));
	snprintf(path, sizeof(path), LIBMVGPU_SYSFS_MDEV_DEVS "/%s/mvgpu/weight",
		 uuid);
	EXPECT_EQ(-EINVAL, libmvgpu_sysfs_write(path, "-1"));
	EXPECT_EQ(-EINVAL, libmvgpu_sysfs_write(path, "heavy"));
	/* "EINVAL otherwise": also for numbers beyond 32 bits */
	EXPECT_EQ(-EINVAL, libmvgpu_sysfs_write(path, "4294967297"));
	ASSERT_EQ(0, libmvgpu_mdev_read_u64(uuid, "weight", &val));
	EXPECT_EQ(5, val);

	/* writable while the device is open; BAR0 WEIGHT shows it */
	ASSERT_EQ(0, mt_vgpu_open(&self->v[s]));
	EXPECT_EQ(5, libmvgpu_rd32(&self->v[s].dev, MVGPU_REG_WEIGHT));
	ASSERT_EQ(0, libmvgpu_mdev_write_u64(uuid, "weight", 9));
	ASSERT_EQ(0, libmvgpu_mdev_read_u64(uuid, "weight", &val));
	EXPECT_EQ(9, val);
	EXPECT_EQ(9, libmvgpu_rd32(&self->v[s].dev, MVGPU_REG_WEIGHT));
	EXPECT_EQ(-EINVAL, libmvgpu_mdev_write_u64(uuid, "weight", 65));
	ASSERT_EQ(0, libmvgpu_mdev_read_u64(uuid, "weight", &val));
	EXPECT_EQ(9, val);
}

struct racer {
	struct mt_vgpu *v;
	pthread_barrier_t *start;
	int ret;
};

static void *racer_fn(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->start);
	r->ret = mt_vgpu_create(r->v, MT_PARENT0, MT_T12);
	return NULL;
}

/* Racing creates never hand out more VRAM than there is */
TEST_F(types, concurrent_create)
{
	enum { NR_RACERS = 8 };
	struct racer r[NR_RACERS];
	pthread_t th[NR_RACERS];
	pthread_barrier_t start;
	int i, ok = 0, nospc = 0, round;

	CHECK_SETUP();
	for (round = 0; round < 3; round++) {
		ASSERT_EQ(0, pthread_barrier_init(&start, NULL, NR_RACERS));
		for (i = 0; i < NR_RACERS; i++) {
			r[i].v = &self->v[i];
			r[i].start = &start;
			r[i].ret = 1;
			ASSERT_EQ(0, pthread_create(&th[i], NULL, racer_fn,
						    &r[i]));
		}
		for (i = 0; i < NR_RACERS; i++)
			pthread_join(th[i], NULL);
		pthread_barrier_destroy(&start);

		ok = 0;
		nospc = 0;
		for (i = 0; i < NR_RACERS; i++) {
			if (!r[i].ret)
				ok++;
			else if (r[i].ret == -ENOSPC)
				nospc++;
			else
				TH_LOG("create: %s", strerror(-r[i].ret));
		}
		/* two halves fit, the other six are refused */
		EXPECT_EQ(2, ok);
		EXPECT_EQ(NR_RACERS - 2, nospc);
		check_parent(_metadata, MT_PARENT0, MT_VRAM_TOTAL, ok);
		check_avail(_metadata, MT_PARENT0, 0, 0, 0, 0);
		for (i = 0; i < NR_RACERS; i++)
			ASSERT_EQ(0, mt_vgpu_destroy(&self->v[i]));
		check_parent(_metadata, MT_PARENT0, 0, 0);
	}
}

TEST_HARNESS_MAIN

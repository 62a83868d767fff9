// SPDX-License-Identifier: GPL-2.0
/*
 * vram: BAR2, the vGPU's VRAM: mmap and pread/pwrite agree, a new vGPU
 * reads zero, vGPUs never see each other's data, reset and re-creation
 * clear it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "mvgpu_test.h"

#define BAR2		VFIO_PCI_BAR2_REGION_INDEX
#define NR_VGPUS	3
#define PAGE		4096ul

FIXTURE(vram) {
	struct mt_vgpu v[NR_VGPUS];
	void *map[NR_VGPUS];
	size_t len[NR_VGPUS];
	int setup_err;
	char msg[256];
};

FIXTURE_SETUP(vram)
{
	int i;

	for (i = 0; i < NR_VGPUS; i++) {
		mt_vgpu_init(&self->v[i]);
		self->map[i] = MAP_FAILED;
	}
	self->setup_err = mt_check_state(self->msg, sizeof(self->msg));
}

FIXTURE_TEARDOWN(vram)
{
	int i, ret;

	for (i = 0; i < NR_VGPUS; i++) {
		if (self->map[i] != MAP_FAILED)
			munmap(self->map[i], self->len[i]);
		ret = mt_vgpu_destroy(&self->v[i]);
		if (ret)
			TH_LOG("removing %s: %s", self->v[i].uuid,
			       strerror(-ret));
	}
}

/* Create, open and map vGPU i. */
static void add(struct __test_metadata *_metadata, FIXTURE_DATA(vram) *self,
		int i, const char *parent, const struct mt_type *t)
{
	struct vfio_region_info info;

	ASSERT_EQ(0, mt_vgpu_create_open(&self->v[i], parent, t));
	ASSERT_EQ(0, mvgpu_region_info(&self->v[i].dev, BAR2, &info));
	ASSERT_EQ(mt_type_vram(t), info.size);
	ASSERT_EQ(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
		  VFIO_REGION_INFO_FLAG_MMAP, info.flags);
	self->map[i] = mvgpu_region_mmap(&self->v[i].dev, BAR2, &self->len[i]);
	if (self->map[i] == MAP_FAILED)
		TH_LOG("mmap BAR2: %s", strerror(errno));
	ASSERT_NE(MAP_FAILED, self->map[i]);
	ASSERT_EQ(mt_type_vram(t), self->len[i]);
}

static void drop(struct __test_metadata *_metadata, FIXTURE_DATA(vram) *self,
		 int i)
{
	if (self->map[i] != MAP_FAILED)
		munmap(self->map[i], self->len[i]);
	self->map[i] = MAP_FAILED;
	ASSERT_EQ(0, mt_vgpu_destroy(&self->v[i]));
}

/* Every page of the mapping reads zero. */
static void expect_zero(struct __test_metadata *_metadata, const void *p,
			size_t len, const char *what)
{
	long long at = mt_find_nonzero(p, len);

	if (at >= 0)
		TH_LOG("%s: byte 0x%llx (page %llu) is 0x%02x, want 0", what,
		       at, at / PAGE, ((const uint8_t *)p)[at]);
	EXPECT_EQ(-1, at);
}

static void expect_pattern(struct __test_metadata *_metadata, const void *p,
			   size_t len, uint32_t seed, const char *what)
{
	long long at = mt_pattern_check(p, len, 0, seed);

	if (at >= 0)
		TH_LOG("%s: pattern %u differs at 0x%llx", what, seed, at);
	EXPECT_EQ(-1, at);
}

/* Read the whole BAR through pread, in 1 MiB pieces, into buf. */
static void pread_all(struct __test_metadata *_metadata,
		      struct mvgpu_dev *dev, void *buf, size_t len)
{
	size_t off, chunk = 1 << 20;

	for (off = 0; off < len; off += chunk)
		ASSERT_EQ((ssize_t)chunk,
			  mvgpu_region_read(dev, BAR2, off, (char *)buf + off,
					    chunk));
}

TEST_F(vram, fresh_reads_zero)
{
	void *buf;

	CHECK_SETUP();
	add(_metadata, self, 0, MT_PARENT0, MT_T12);	/* 64 MiB */
	expect_zero(_metadata, self->map[0], self->len[0], "mmap");
	buf = malloc(self->len[0]);
	ASSERT_NE(NULL, buf);
	memset(buf, 0xff, self->len[0]);
	pread_all(_metadata, &self->v[0].dev, buf, self->len[0]);
	expect_zero(_metadata, buf, self->len[0], "pread");
	free(buf);
}

TEST_F(vram, mmap_and_pread_pwrite_agree)
{
	static const struct {
		uint64_t off;
		size_t len;
	} pieces[] = {
		{ 0, 1 }, { 1, 3 }, { 5, 2 }, { 0x1000 - 3, 8 },
		{ 0x12345, 4096 + 5 }, { 0x200000 - 17, 0x3000 },
	};
	uint8_t *map, buf[0x4000], back[0x4000];
	size_t len, i;

	CHECK_SETUP();
	add(_metadata, self, 0, MT_PARENT0, MT_T18);	/* 16 MiB */
	map = self->map[0];
	len = self->len[0];

	/* written by mmap, read by pread */
	mt_pattern_fill(map, len, 0, 7);
	expect_pattern(_metadata, map, len, 7, "mmap");
	for (i = 0; i < MT_ARRAY_SIZE(pieces); i++) {
		ASSERT_EQ((ssize_t)pieces[i].len,
			  mvgpu_region_read(&self->v[0].dev, BAR2,
					    pieces[i].off, buf,
					    pieces[i].len));
		EXPECT_EQ(0, memcmp(buf, map + pieces[i].off, pieces[i].len));
	}
	ASSERT_EQ(4, mvgpu_region_read(&self->v[0].dev, BAR2, len - 4, buf,
				       4));
	EXPECT_EQ(0, memcmp(buf, map + len - 4, 4));

	/* written by pwrite, read by mmap and pread */
	for (i = 0; i < MT_ARRAY_SIZE(pieces); i++) {
		memset(buf, 0x31 + i, pieces[i].len);
		ASSERT_EQ((ssize_t)pieces[i].len,
			  mvgpu_region_write(&self->v[0].dev, BAR2,
					     pieces[i].off, buf,
					     pieces[i].len));
		EXPECT_EQ(0, memcmp(buf, map + pieces[i].off, pieces[i].len));
		memset(back, 0, sizeof(back));
		ASSERT_EQ((ssize_t)pieces[i].len,
			  mvgpu_region_read(&self->v[0].dev, BAR2,
					    pieces[i].off, back,
					    pieces[i].len));
		EXPECT_EQ(0, memcmp(buf, back, pieces[i].len));
	}
	/* the bytes around the last piece are untouched */
	EXPECT_EQ(-1, mt_pattern_check(map + 0x300000, 0x1000, 0x300000, 7));
	EXPECT_EQ(-1, mt_pattern_check(map + 0x1ff000, 0xfe0, 0x1ff000, 7));

	/* a second mapping sees the same memory */
	{
		size_t len2;
		uint8_t *map2 = mvgpu_region_mmap(&self->v[0].dev, BAR2,
						  &len2);

		ASSERT_NE(MAP_FAILED, map2);
		EXPECT_EQ(0, memcmp(map, map2, len));
		map2[12345] = 0x77;
		EXPECT_EQ(0x77, map[12345]);
		munmap(map2, len2);
	}
}

/* No vGPU sees another's VRAM, on the same GPU or the other one */
TEST_F(vram, isolation)
{
	size_t i;

	CHECK_SETUP();
	add(_metadata, self, 0, MT_PARENT0, MT_T18);
	mt_pattern_fill(self->map[0], self->len[0], 0, 1);
	add(_metadata, self, 1, MT_PARENT0, MT_T18);
	add(_metadata, self, 2, MT_PARENT1, MT_T18);
	expect_zero(_metadata, self->map[1], self->len[1], "same GPU");
	expect_zero(_metadata, self->map[2], self->len[2], "other GPU");
	for (i = 1; i < NR_VGPUS; i++)
		mt_pattern_fill(self->map[i], self->len[i], 0, 1 + i);
	expect_pattern(_metadata, self->map[0], self->len[0], 1, "first");
	expect_pattern(_metadata, self->map[1], self->len[1], 2, "second");
	expect_pattern(_metadata, self->map[2], self->len[2], 3, "third");

	/* clearing one by reset leaves the others alone */
	ASSERT_EQ(0, mvgpu_reset(&self->v[1].dev));
	expect_zero(_metadata, self->map[1], self->len[1], "after reset");
	expect_pattern(_metadata, self->map[0], self->len[0], 1, "neighbour");
	expect_pattern(_metadata, self->map[2], self->len[2], 3, "other GPU");
}

TEST_F(vram, reset_clears)
{
	void *buf;

	CHECK_SETUP();
	add(_metadata, self, 0, MT_PARENT1, MT_T14);
	memset(self->map[0], 0xa5, self->len[0]);
	ASSERT_EQ(0, mvgpu_reset(&self->v[0].dev));
	expect_zero(_metadata, self->map[0], self->len[0], "mmap");
	buf = malloc(self->len[0]);
	ASSERT_NE(NULL, buf);
	memset(buf, 0xff, self->len[0]);
	pread_all(_metadata, &self->v[0].dev, buf, self->len[0]);
	expect_zero(_metadata, buf, self->len[0], "pread");
	free(buf);
	/* usable again after the reset */
	mt_pattern_fill(self->map[0], self->len[0], 0, 9);
	expect_pattern(_metadata, self->map[0], self->len[0], 9, "reuse");
}

/* Closing the device clears the VRAM too: the next user sees zeroes */
TEST_F(vram, close_clears)
{
	CHECK_SETUP();
	add(_metadata, self, 0, MT_PARENT0, MT_T14);
	memset(self->map[0], 0xe7, self->len[0]);
	munmap(self->map[0], self->len[0]);
	self->map[0] = MAP_FAILED;
	mvgpu_close(&self->v[0].dev);

	ASSERT_EQ(0, mt_vgpu_open(&self->v[0]));
	self->map[0] = mvgpu_region_mmap(&self->v[0].dev, BAR2,
					 &self->len[0]);
	ASSERT_NE(MAP_FAILED, self->map[0]);
	expect_zero(_metadata, self->map[0], self->len[0], "reopened");
}

/*
 * A 1/1 vGPU owns all of the GPU's VRAM, so its successor gets the very
 * same memory: it must read zero.
 */
TEST_F(vram, recreate_reads_zero)
{
	CHECK_SETUP();
	add(_metadata, self, 0, MT_PARENT1, MT_T11);
	memset(self->map[0], 0x5c, self->len[0]);
	drop(_metadata, self, 0);
	add(_metadata, self, 0, MT_PARENT1, MT_T11);
	expect_zero(_metadata, self->map[0], self->len[0], "recreated 1/1");

	/* and through smaller types carved from the same memory */
	memset(self->map[0], 0x3c, self->len[0]);
	drop(_metadata, self, 0);
	add(_metadata, self, 0, MT_PARENT1, MT_T12);
	add(_metadata, self, 1, MT_PARENT1, MT_T12);
	expect_zero(_metadata, self->map[0], self->len[0], "recreated 1/2 a");
	expect_zero(_metadata, self->map[1], self->len[1], "recreated 1/2 b");
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * stress: a hostile VMM attacks its vGPUs from many threads at once, for
 * a bounded time, while a victim vGPU on the same GPU, in a process and a
 * VFIO container of its own (another VM), runs checked work without a
 * pause and records when each piece completes.
 *
 * The attacker holds two vGPUs in one container, as QEMU does for the
 * devices of a VM: A, whose page tables are in DMA-mapped memory and
 * whose buffers are in a DMA-mapped range U that its work pins (A's fill
 * worker), with contexts that keep missing (each round enables a context
 * afresh and touches new 2 MiB regions; TLB_INV and PT_ROOT switches
 * while it runs), and B. Its threads:
 *
 *   a-work      A's driver, as above
 *   unmap       VFIO_IOMMU_UNMAP_DMA and MAP_DMA of U (pinned: it waits
 *               for A's pins now and then), of A's page tables, of an
 *               unused range, and of everything at once
 *   reset       VFIO_DEVICE_RESET, FLR and the RESET register of A
 *   migration   A RUNNING -> STOP -> RUNNING, PRE_COPY and back,
 *               STOP_COPY and back, reading some of the data fd
 *   bar2        mmap of A's BAR2, touching pages (faults), munmap
 *   bar0        doorbells, TLB_INV, interrupt and other registers of A
 *   remove      a third vGPU, C, created, opened and removed while open
 *               (the REQ eventfd asks its holder to let go)
 *   open-close  B closed and opened again (only with the type1 fix)
 *
 * Checks: every piece of the victim's work is right, and the largest gap
 * between two of its completions during the attack stays below
 * MAX_GAP_MS (a hang, not a slowdown: it holds on a machine 4-5 times
 * slower); nothing else of the victim's changed, nothing of it stays
 * pinned; no attacker thread hangs in the kernel (the kernel stacks of
 * one that does are printed); the unmaps met pinned pages; the
 * attacker's vGPUs can be reset and used afterwards, and nothing of
 * theirs stays pinned once they are closed.
 *
 * vfio_iommu_type1 of stock kernels has a lock inversion of its own
 * (Documentation/mvgpu/design.rst, "vfio_iommu_type1 and pins"): opening
 * or closing a device of a container while memory another device of it
 * pinned is unmapped deadlocks the VMM's threads. The test takes the fix
 * to be there when the kernel release ("uname -r") contains
 * "-mvgpu-debug": the project's debug kernel (CONFIG_LOCALVERSION of
 * qemu-scripts/debug-kernel.config, make check-debug), which carries the
 * patch; and where vfio_iommu_type1 is not in use: libmvgpu's iommufd
 * backend (MVGPU_VFIO=iommufd), or no vfio_iommu_type1 module (the
 * container is iommufd's). Only there does the open-close thread run and
 * C join A's container (A's iommufd); elsewhere B is opened once and kept open (the container
 * still has two devices) and C has a container of its own. A TAP
 * diagnostic says which mode ran. MVGPU_STRESS_TYPE1_FIXED=1 or 0
 * overrides the detection (1 on a stock kernel deadlocks the attacker's
 * threads: that shows the bug, and the test then fails).
 *
 * MVGPU_STRESS_SECONDS=N attacks for N seconds (default 15);
 * MVGPU_STRESS_SEED=N replays the random choices (the seed is printed),
 * not the interleaving; MVGPU_STRESS_THREADS=a-work,unmap,... runs only
 * those attacker threads.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "engine_test.h"

#define DEFAULT_SECONDS	15
#define MAX_GAP_MS	5000
/* Time the threads get to end after the attack (they block in the kernel) */
#define JOIN_GIVE_UP_S	60
#define FIXED_RELEASE	"-mvgpu-debug"
#define VICTIM_NICE	(-10)
/* Time the victim may take to set up, and to end after the attack */
#define VICTIM_SETUP_S	60
#define VICTIM_END_S	(ET_TIMEOUT_MS / 1000 + 30)

/* The checked work: victim's, and A's and B's after the attack */
#define WORK_SIZE	(64u << 10)
#define WORK_RING	(16u << 10)
#define VIC_RAM		(2u << 20)
#define CHECK_RAM	(1u << 20)

/*
 * A's guest memory: the pool (ET_RAM_IOVA) holds its page tables, which
 * the host reads but does not pin; its rings and fences are in its VRAM;
 * its buffers are in U, which its work pins. Each move of U takes it to
 * the next of NR_SLOTS places (then its page tables follow): a range the
 * VMM unmapped stays unpinnable until the vGPU is closed (design.rst), so
 * U in one place would soon be no use to A's work. V is used by nothing.
 */
#define A_CTXS		4		/* a 1/8 vGPU's contexts */
#define A_RING		(16u << 10)
#define A_RINGS_VRAM	(1u << 20)	/* VRAM offset of the rings */
#define A_VRAM		(1u << 20)	/* the GEMM's VRAM */
#define GEMM_DIM	32
#define V_IOVA		0x180000000ull
#define V_SIZE		(1u << 20)
/* Fresh guest RAM for the checks after the attack, never unmapped */
#define A_CHECK_IOVA	0x190000000ull
#define B_CHECK_IOVA	0x1a0000000ull
#define U_IOVA		0x200000000ull
#define U_SIZE		(4u << 20)
#define NR_SLOTS	4096
#define LARGE		(2ull << 20)
/* U at VA_U: the COPY's source in its first half, the rest in its second */
#define VA_U		0x60000000ull
#define VA_U_COPY	(VA_U + LARGE)
#define VA_U_FILL	(VA_U + 3 * LARGE / 2)
#define VA_U_HASH	(VA_U + U_SIZE - 4096)
/* NR_ALIAS 2 MiB regions of VA that all map U's first half */
#define VA_W		(1ull << 39)
#define NR_ALIAS	64
/* How long an unmap of U waits for A to have pinned some of it */
#define PIN_WAIT_MS	50

enum {
	T_AWORK, T_UNMAP, T_RESET, T_MIG, T_BAR2, T_BAR0, T_REMOVE,
	T_OPENCLOSE, NR_THREADS
};

FIXTURE_DATA(st);

/* One attacker thread and what it saw. */
struct st_thread {
	const char *name;
	void (*fn)(FIXTURE_DATA(st) *self, struct st_thread *t);
	FIXTURE_DATA(st) *self;
	pthread_t th;
	bool started, joined;
	pid_t tid;
	uint64_t rng;
	unsigned long iters;	/* operations tried */
	unsigned long ok;	/* operations that did all they should */
	unsigned long bad;	/* results that must never happen */
	unsigned long hits;	/* unmap: A had pages pinned before it */
	char why[160];		/* the first of them */
};

/* The victim's (and the checks') work: fill VRAM, copy it out, hash it. */
struct work {
	struct libmvgpu_ctx ctx;
	struct et_buf vram, sys, hash;
};

/*
 * The victim's process and what it measured, in the fixture data, which
 * the harness shares (MAP_SHARED) between the test's processes.
 */
struct victim {
	pid_t pid, parent;
	int state;		/* atomic: VIC_* */
	int err;		/* its first failure, with where in msg */
	char msg[160];
	unsigned long rounds;
	uint64_t ran_ns, sum_ns;
	uint64_t max_gap, max_at;	/* largest gap, from when on */
	uint64_t max_regs, max_wait, max_check; /* what that round spent */
	uint64_t faults, pinned_closed;
	long long changed;	/* first changed byte of its unused VRAM */
};

enum { VIC_SETUP, VIC_READY, VIC_DONE };

FIXTURE(st) {
	struct et_gpu vic, a, b;
	struct mt_vgpu c;
	struct victim vr;
	struct libmvgpu_dma u, v;
	struct libmvgpu_pt pt2;		/* A's second root, same tables */
	struct libmvgpu_ctx actx[A_CTXS];
	struct et_buf avram;
	unsigned int u_slot;		/* where U is now */
	int exp_pos;			/* A's PCI Express capability */
	struct st_thread th[NR_THREADS];
	bool fixed;			/* the type1 lock inversion is fixed */
	bool no_type1;			/* iommufd, not vfio_iommu_type1 */
	bool go, stop;			/* atomic */
	bool stuck;			/* a thread did not come back */
	uint64_t seed;
	unsigned int seconds;
	char release[sizeof(((struct utsname *)0)->release)];
	char msg[256];
};

static uint64_t rnd(struct st_thread *t, uint64_t n)
{
	return n ? libmvgpu_rand64(&t->rng) % n : 0;
}

static bool stopping(FIXTURE_DATA(st) *self)
{
	return __atomic_load_n(&self->stop, __ATOMIC_RELAXED);
}

static void __attribute__((format(printf, 2, 3)))
bad(struct st_thread *t, const char *fmt, ...)
{
	va_list ap;

	if (t->bad++)
		return;
	va_start(ap, fmt);
	vsnprintf(t->why, sizeof(t->why), fmt, ap);
	va_end(ap);
}

static int work_init(struct work *w, struct libmvgpu_gpu *gpu,
		     struct libmvgpu_pt *pt)
{
	int ret;

	ret = et_buf_vram(gpu, pt, ET_VA_VRAM, 0, WORK_SIZE, LIBMVGPU_MAP_WRITE,
			  &w->vram);
	if (!ret)
		ret = et_buf_sys(gpu, pt, ET_VA_SRC, WORK_SIZE, 0,
				 LIBMVGPU_MAP_WRITE, &w->sys);
	if (!ret)
		ret = et_buf_sys(gpu, pt, ET_VA_AUX, 4096, 0, LIBMVGPU_MAP_WRITE,
				 &w->hash);
	if (!ret)
		ret = libmvgpu_ctx_init(&w->ctx, gpu, pt, 0, WORK_RING);
	return ret;
}

/*
 * One piece of checked work: the system-memory buffer invalidated first
 * (so the vGPU's fill worker pins it again), a FILL of VRAM with value, a
 * COPY of it to system memory and a HASH of that. 0 when all is right,
 * -EIO when a result is wrong, or the error of the wait. With ts, the
 * times the registers and ring were written, the fence came and the
 * results were checked go to ts[0..2].
 */
static int work_round(struct work *w, uint32_t value, uint64_t *ts)
{
	const uint32_t *p = w->sys.cpu;
	unsigned int i;
	int64_t seq;
	int ret;

	libmvgpu_ctx_tlb_inv(&w->ctx, w->sys.va, WORK_SIZE);
	ret = libmvgpu_emit_fill(&w->ctx, w->vram.va, WORK_SIZE, value);
	if (!ret)
		ret = libmvgpu_emit_copy(&w->ctx, w->vram.va, w->sys.va, WORK_SIZE);
	if (!ret)
		ret = libmvgpu_emit_hash(&w->ctx, w->sys.va, WORK_SIZE, w->hash.va);
	seq = ret ? ret : libmvgpu_ctx_fence(&w->ctx, false);
	if (seq < 0)
		return (int)seq;
	libmvgpu_ring_kick(&w->ctx);
	if (ts)
		ts[0] = libmvgpu_now_ns();
	ret = libmvgpu_ctx_wait_fence(&w->ctx, (uint64_t)seq, ET_TIMEOUT_MS);
	if (ts)
		ts[1] = libmvgpu_now_ns();
	for (i = 0; !ret && i < WORK_SIZE / 4; i++)
		if (p[i] != value)
			ret = -EIO;
	if (!ret && libmvgpu_load64(w->hash.cpu) !=
	    libmvgpu_ref_fnv1a64(w->sys.cpu, WORK_SIZE))
		ret = -EIO;
	if (ts)
		ts[2] = libmvgpu_now_ns();
	return ret;
}

/*
 * A vGPU after the attack: set up afresh in new guest RAM at iova, as a
 * guest driver would after a reset, and one piece of checked work.
 */
static int usable(struct libmvgpu_dev *dev, uint64_t iova, uint32_t value)
{
	struct libmvgpu_gpu gpu;
	struct libmvgpu_pt pt;
	struct work w;
	int ret;

	ret = libmvgpu_gpu_init(&gpu, dev, iova, CHECK_RAM);
	if (!ret)
		ret = libmvgpu_pt_init(&pt, &gpu);
	if (!ret)
		ret = work_init(&w, &gpu, &pt);
	if (!ret)
		ret = work_round(&w, value, NULL);
	libmvgpu_gpu_fini(&gpu);
	return ret;
}

/* ---- the attacker's threads -------------------------------------------- */

/* A GPU VA in one of the regions aliasing U, a random page of it. */
static uint64_t alias_va(struct st_thread *t)
{
	return VA_W + rnd(t, NR_ALIAS) * LARGE + rnd(t, 512) * 4096;
}

/* A's driver: its contexts in turn, each round afresh and missing. */
static void a_work(FIXTURE_DATA(st) *self, struct st_thread *t)
{
	struct libmvgpu_pt *other;
	unsigned int n = 0;
	uint64_t off;
	int64_t seq;
	int ret;

	while (!stopping(self)) {
		struct libmvgpu_ctx *c = &self->actx[n++ % A_CTXS];
		uint64_t va = self->avram.va, d = GEMM_DIM;

		t->iters++;
		/* resets, faults, other threads' doorbells: start afresh */
		libmvgpu_ctx_disable(c);
		c->pt = rnd(t, 2) ? &self->a.pt : &self->pt2;
		libmvgpu_ctx_enable(c);
		off = rnd(t, (LARGE / 2) / 4096) * 4096;
		ret = libmvgpu_emit_fill(c, alias_va(t), 4, n);
		if (!ret)
			ret = libmvgpu_emit_fill(c, alias_va(t), 4096, n);
		if (!ret)
			ret = libmvgpu_emit_copy(c, VA_U + off, VA_U_COPY + off,
						 64 * 1024);
		if (!ret)
			ret = libmvgpu_emit_hash(c, VA_U_COPY + off, 64 * 1024,
						 VA_U_HASH);
		if (!ret)
			ret = libmvgpu_emit_gemm(c, va, va + 4 * d * d,
						 va + 8 * d * d, d, d, d);
		if (!ret)
			ret = libmvgpu_emit_fill(c, VA_U_FILL, LARGE / 4, n);
		seq = ret ? ret : libmvgpu_ctx_fence(c, false);
		if (seq < 0) {
			bad(t, "emit: %s", strerror((int)-seq));
			return;
		}
		libmvgpu_ring_kick(c);
		/* and while it runs */
		libmvgpu_sleep_us(rnd(t, 2000));
		switch (rnd(t, 4)) {
		case 0:
			libmvgpu_ctx_tlb_inv(c, VA_U, U_SIZE);
			break;
		case 1:
			libmvgpu_ctx_tlb_inv(c, 0, 0);
			break;
		case 2:	/* the other root: everything invalid */
			other = c->pt == &self->a.pt ? &self->pt2 : &self->a.pt;
			libmvgpu_ctx_wr(c, MVGPU_CTX_PT_ROOT_HI, other->root >> 32);
			libmvgpu_ctx_wr(c, MVGPU_CTX_PT_ROOT_LO, (uint32_t)other->root);
			c->pt = other;
			break;
		default:
			break;
		}
		if (!libmvgpu_ctx_wait_fence(c, seq, 50))
			t->ok++;
	}
}

/* Unmap a range and map the same memory again, maybe after a pause. */
static int remap(struct st_thread *t, struct libmvgpu_dev *dev,
		 struct libmvgpu_dma *d)
{
	int ret = libmvgpu_iommu_unmap(dev, d->iova, d->size);

	if (rnd(t, 2))
		libmvgpu_sleep_us(rnd(t, 2000));	/* A misses into the hole */
	return ret ? ret : libmvgpu_iommu_map(dev, d->vaddr, d->iova, d->size);
}

/* A's page tables: U at iova (the host reads them while they change). */
static int point_at_u(FIXTURE_DATA(st) *self, uint64_t iova)
{
	int ret = libmvgpu_pt_map(&self->a.pt, VA_U, iova, U_SIZE,
			       LIBMVGPU_MAP_WRITE);

	return ret ? ret : libmvgpu_pt_map(&self->a.pt, VA_W, iova, LARGE,
					LIBMVGPU_MAP_WRITE);
}

/*
 * Move U to its next place, its memory or new memory, unmapping the old
 * place before or after mapping the new one and pointing A's tables at
 * it. With unmapped set, U is not mapped at all now.
 */
static int move_u(FIXTURE_DATA(st) *self, struct st_thread *t,
		  bool unmapped)
{
	struct libmvgpu_dev *dev = &self->a.v.dev;
	struct libmvgpu_dma *u = &self->u;
	bool fresh = rnd(t, 2), first = unmapped || rnd(t, 2);
	uint64_t iova;
	void *mem;
	int ret = 0;

	self->u_slot = (self->u_slot + 1) % NR_SLOTS;
	iova = U_IOVA + (uint64_t)self->u_slot * U_SIZE;
	mem = fresh ? mmap(NULL, U_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) : u->vaddr;
	if (mem == MAP_FAILED)
		return -errno;
	if (!unmapped && first)
		ret = libmvgpu_iommu_unmap(dev, u->iova, U_SIZE);
	if (!ret)
		ret = libmvgpu_iommu_map(dev, mem, iova, U_SIZE);
	if (!ret)
		ret = point_at_u(self, iova);
	if (!ret && !unmapped && !first)
		ret = libmvgpu_iommu_unmap(dev, u->iova, U_SIZE);
	if (fresh)
		munmap(ret ? mem : u->vaddr, U_SIZE);
	if (!ret) {
		u->vaddr = mem;
		u->iova = iova;
	}
	return ret;
}

/* Has A pages pinned (its work's, in U), or has it within PIN_WAIT_MS? */
static bool pinned_soon(FIXTURE_DATA(st) *self)
{
	int i;

	for (i = 0; i < PIN_WAIT_MS; i++) {
		if (et_attr(self->a.v.uuid, "pinned_pages"))
			return true;
		libmvgpu_sleep_us(1000);
	}
	return false;
}

static void unmap_loop(FIXTURE_DATA(st) *self, struct st_thread *t)
{
	struct libmvgpu_dev *dev = &self->a.v.dev;
	struct libmvgpu_dma *pool = &self->a.gpu.ram;
	const char *what;
	int ret;

	while (!stopping(self)) {
		unsigned int op = rnd(t, 6);

		t->iters++;
		/* half of U's unmaps wait a little for A to pin some of it */
		if (op <= 2 && (rnd(t, 2) ? pinned_soon(self) :
				et_attr(self->a.v.uuid, "pinned_pages")))
			t->hits++;
		switch (op) {
		case 0:
		case 1:
			what = "U, moved";
			ret = move_u(self, t, false);
			break;
		case 2:
			what = "U, in place";
			ret = remap(t, dev, &self->u);
			break;
		case 3:
			what = "A's page tables";
			ret = remap(t, dev, pool);
			break;
		case 4:
			what = "an unused range";
			ret = remap(t, dev, &self->v);
			break;
		default:
			what = "everything";
			ret = libmvgpu_iommu_unmap(dev, 0, 0);
			libmvgpu_sleep_us(rnd(t, 2000));
			if (!ret)
				ret = libmvgpu_iommu_map(dev, pool->vaddr,
							 pool->iova, pool->size);
			if (!ret)
				ret = libmvgpu_iommu_map(dev, self->v.vaddr,
							 V_IOVA, V_SIZE);
			if (!ret)
				ret = move_u(self, t, true);
			break;
		}
		if (ret) {
			bad(t, "unmap and map %s: %s", what, strerror(-ret));
			return;
		}
		t->ok++;
		libmvgpu_sleep_us(rnd(t, 5000));
	}
}

static void reset_loop(FIXTURE_DATA(st) *self, struct st_thread *t)
{
	struct libmvgpu_dev *dev = &self->a.v.dev;
	int devctl = self->exp_pos + PCI_EXP_DEVCTL;
	const char *what;
	uint16_t v16;
	int ret;

	while (!stopping(self)) {
		t->iters++;
		switch (rnd(t, 3)) {
		case 0:
			what = "VFIO_DEVICE_RESET";
			ret = libmvgpu_reset(dev);
			break;
		case 1:
			what = "FLR";
			ret = libmvgpu_cfg_read16(dev, devctl, &v16);
			if (!ret)
				ret = libmvgpu_cfg_write16(dev, devctl,
							   v16 | PCI_EXP_DEVCTL_BCR_FLR);
			break;
		default:
			what = "RESET register";
			ret = libmvgpu_reg_write(dev, MVGPU_REG_RESET,
						 MVGPU_RESET_MAGIC);
			break;
		}
		if (ret)
			bad(t, "%s: %s", what, strerror(-ret));
		else
			t->ok++;
		libmvgpu_sleep_us(rnd(t, 100000));
	}
}

/*
 * One migration round trip of A. Returns 0 when every step worked (a
 * reset of another thread may end a session: the steps may fail).
 */
static int mig_round(struct st_thread *t, struct libmvgpu_dev *dev,
		     struct libmvgpu_mig_stream *s)
{
	uint64_t initial, dirty;
	int fd = -1, ret, ret2;
	ssize_t n = 0;

	s->len = 0;
	switch (rnd(t, 3)) {
	case 0:
		ret = libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_STOP, NULL);
		libmvgpu_sleep_us(rnd(t, 5000));
		break;
	case 1:
		ret = libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_PRE_COPY, &fd);
		if (!ret)
			ret = libmvgpu_mig_precopy_info(fd, &initial, &dirty);
		if (!ret)
			n = libmvgpu_mig_read(fd, s, true, rnd(t, 1 << 20));
		if (!ret && rnd(t, 2))
			ret = libmvgpu_mig_set_state(dev,
						     VFIO_DEVICE_STATE_PRE_COPY_P2P,
						  NULL);
		break;
	default:
		ret = libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_STOP_COPY,
					     &fd);
		if (!ret)
			n = libmvgpu_mig_read(fd, s, false, rnd(t, 1 << 20));
		if (!ret)
			ret = libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_STOP,
						     NULL);
		break;
	}
	if (!ret && n < 0)
		ret = (int)n;
	if (fd >= 0)
		close(fd);
	/* and back, whatever happened */
	ret2 = libmvgpu_mig_set_state(dev, VFIO_DEVICE_STATE_RUNNING, NULL);
	return ret ? ret : ret2;
}

static void mig_loop(FIXTURE_DATA(st) *self, struct st_thread *t)
{
	struct libmvgpu_mig_stream s = { 0 };

	while (!stopping(self)) {
		t->iters++;
		if (!mig_round(t, &self->a.v.dev, &s))
			t->ok++;
		libmvgpu_sleep_us(rnd(t, 5000));
	}
	libmvgpu_mig_stream_free(&s);
}

static void bar2_loop(FIXTURE_DATA(st) *self, struct st_thread *t)
{
	struct libmvgpu_dev *dev = &self->a.v.dev;
	uint8_t page[4096];
	ssize_t n;
	size_t len;
	int i;

	memset(page, 0x5a, sizeof(page));
	while (!stopping(self)) {
		uint32_t *p;

		t->iters++;
		p = libmvgpu_region_mmap(dev, VFIO_PCI_BAR2_REGION_INDEX, &len);
		if (p == MAP_FAILED) {
			bad(t, "mmap BAR2: %s", strerror(errno));
			return;
		}
		/* a read fault, then a write fault, of random pages */
		for (i = 0; i < 16; i++) {
			uint32_t *w = p + rnd(t, len / 4);

			__atomic_store_n(w, __atomic_load_n(w, __ATOMIC_RELAXED)
					 + 1, __ATOMIC_RELAXED);
		}
		munmap(p, len);
		n = libmvgpu_region_write(dev, VFIO_PCI_BAR2_REGION_INDEX,
					  rnd(t, len / 4096) * 4096, page,
				       sizeof(page));
		if (n == sizeof(page))
			n = libmvgpu_region_read(dev, VFIO_PCI_BAR2_REGION_INDEX,
						 rnd(t, len / 4096) * 4096, page,
					      sizeof(page));
		if (n != sizeof(page))
			bad(t, "BAR2 pwrite/pread: %zd", n);
		else
			t->ok++;
		libmvgpu_sleep_us(rnd(t, 1000));
	}
}

static void bar0_loop(FIXTURE_DATA(st) *self, struct st_thread *t)
{
	static const uint32_t reads[] = {
		MVGPU_CTX_STATUS, MVGPU_CTX_FENCE_LO, MVGPU_CTX_RING_HEAD,
		MVGPU_CTX_FAULT_REASON, MVGPU_CTX_FAULT_ADDR_LO,
	};
	static const uint64_t vas[] = { VA_U, VA_W, ET_VA_SRC, 0 };
	struct libmvgpu_dev *dev = &self->a.v.dev;
	uint32_t v, base;
	int ret;

	while (!stopping(self)) {
		t->iters++;
		base = MVGPU_CTX_REG(rnd(t, A_CTXS), 0);
		switch (rnd(t, 6)) {
		case 0:	/* a doorbell anywhere in the ring */
			ret = libmvgpu_reg_write(dev, base + MVGPU_CTX_RING_TAIL,
						 rnd(t, A_RING / 4) * 4);
			break;
		case 1:	/* invalidate a range while the engine works */
			v = rnd(t, 1024) << 12;
			ret = libmvgpu_reg_write(dev, base + MVGPU_CTX_TLB_INV_ADDR_LO,
						 (uint32_t)vas[rnd(t, 4)] + v);
			if (!ret)
				ret = libmvgpu_reg_write(dev, base +
						      MVGPU_CTX_TLB_INV_ADDR_HI,
						      rnd(t, 2) ? VA_W >> 32 : 0);
			if (!ret)
				ret = libmvgpu_reg_write(dev, base +
						      MVGPU_CTX_TLB_INV_SIZE_LO,
						      rnd(t, 2048) << 12);
			if (!ret)
				ret = libmvgpu_reg_write(dev, base + MVGPU_CTX_TLB_INV,
							 1);
			break;
		case 2:
			ret = libmvgpu_reg_read(dev, base + reads[rnd(t, 5)], &v);
			if (!ret)
				ret = libmvgpu_reg_read(dev, MVGPU_REG_TIMESTAMP_LO,
							&v);
			break;
		case 3:
			ret = libmvgpu_reg_write(dev, MVGPU_REG_IRQ_MASK,
						 (uint32_t)rnd(t, 1ull << 32));
			if (!ret)
				ret = libmvgpu_reg_write(dev, MVGPU_REG_IRQ_RAISE,
							 (uint32_t)rnd(t, 1ull << 32));
			if (!ret)
				ret = libmvgpu_reg_write(dev, MVGPU_REG_IRQ_ACK,
							 ~0u);
			break;
		case 4:
			ret = libmvgpu_reg_write(dev, base + MVGPU_CTX_FAULT_CLEAR,
						 1);
			break;
		default:
			ret = libmvgpu_reg_write(dev, MVGPU_REG_SCRATCH,
						 (uint32_t)t->iters);
			break;
		}
		if (!ret)
			ret = libmvgpu_reg_read(dev, MVGPU_REG_ID, &v);
		if (ret)
			bad(t, "BAR0 access: %s", strerror(-ret));
		else if (v != MVGPU_ID_MAGIC)
			bad(t, "ID reads 0x%08x", v);
		else
			t->ok++;
		libmvgpu_sleep_us(rnd(t, 1000));
	}
}

/* Create and open C, then remove it while it is open and mapped. */
static int remove_round(FIXTURE_DATA(st) *self, struct st_thread *t)
{
	struct mt_holder h = { .v = &self->c, .want = 1, .efd = -1 };
	pthread_t th;
	int ret;

	ret = mt_vgpu_create(&self->c, MT_PARENT0, MT_T116);
	if (ret) {
		bad(t, "create C: %s", strerror(-ret));
		return ret;
	}
	/* with the type1 fix, in the attacker's container (see the top) */
	if (self->fixed)
		ret = libmvgpu_open_in(&self->c.dev, self->c.uuid,
				       self->a.v.dev.container);
	else
		ret = mt_vgpu_open(&self->c);
	h.efd = ret ? ret : libmvgpu_eventfd();
	if (h.efd < 0) {
		ret = h.efd;
		bad(t, "open C: %s", strerror(-ret));
		mt_vgpu_destroy(&self->c);
		return ret;
	}
	ret = libmvgpu_irq_set_eventfd(&self->c.dev, VFIO_PCI_REQ_IRQ_INDEX,
				       h.efd);
	h.map = libmvgpu_region_mmap(&self->c.dev, VFIO_PCI_BAR2_REGION_INDEX,
				     &h.len);
	if (h.map == MAP_FAILED)
		h.map = NULL;
	else
		memset(h.map, 0x42, 4096);
	if (!ret)
		ret = -pthread_create(&th, NULL, mt_holder_fn, &h);
	if (ret) {
		bad(t, "REQ eventfd / holder of C: %s", strerror(-ret));
		if (h.map)
			munmap(h.map, h.len);
		close(h.efd);
		mt_vgpu_destroy(&self->c);
		return ret;
	}
	ret = libmvgpu_mdev_remove(self->c.uuid);	/* until the holder lets go */
	pthread_join(th, NULL);
	close(h.efd);
	if (!ret)
		self->c.created = false;
	mt_vgpu_destroy(&self->c);
	if (ret || h.err)
		bad(t, "removing C: %s, holder %s", strerror(-ret),
		    strerror(-h.err));
	return ret ? ret : h.err;
}

static void remove_loop(FIXTURE_DATA(st) *self, struct st_thread *t)
{
	while (!stopping(self)) {
		t->iters++;
		if (remove_round(self, t))
			return;
		t->ok++;
		libmvgpu_sleep_us(rnd(t, 20000));
	}
}

/* B closed and opened again: unregister and register in the container. */
static void open_close_loop(FIXTURE_DATA(st) *self, struct st_thread *t)
{
	struct libmvgpu_dev *dev = &self->b.v.dev;
	int ret;

	while (!stopping(self)) {
		t->iters++;
		libmvgpu_close_device(dev);
		libmvgpu_sleep_us(rnd(t, 1000));
		ret = libmvgpu_open_device(dev);
		if (ret) {
			bad(t, "open B again: %s", strerror(-ret));
			return;
		}
		if (libmvgpu_rd32(dev, MVGPU_REG_ID) != MVGPU_ID_MAGIC)
			bad(t, "B's ID register");
		else
			t->ok++;
		libmvgpu_sleep_us(rnd(t, 2000));
	}
}

static void *thread_main(void *arg)
{
	struct st_thread *t = arg;

	t->tid = gettid();
	while (!__atomic_load_n(&t->self->go, __ATOMIC_ACQUIRE))
		libmvgpu_sleep_us(1000);
	t->fn(t->self, t);
	return NULL;
}

static const struct {
	const char *name;
	void (*fn)(FIXTURE_DATA(st) *self, struct st_thread *t);
} threads[NR_THREADS] = {
	[T_AWORK] = { "a-work", a_work },
	[T_UNMAP] = { "unmap", unmap_loop },
	[T_RESET] = { "reset", reset_loop },
	[T_MIG] = { "migration", mig_loop },
	[T_BAR2] = { "bar2", bar2_loop },
	[T_BAR0] = { "bar0", bar0_loop },
	[T_REMOVE] = { "remove", remove_loop },
	[T_OPENCLOSE] = { "open-close", open_close_loop },
};

/* ---- the victim --------------------------------------------------------- */

/* Has the test's process, the victim's parent, gone? */
static bool orphaned(FIXTURE_DATA(st) *self)
{
	return getppid() != self->vr.parent;
}

static void vic_fail(struct victim *vr, int err, const char *what)
{
	if (!vr->err) {
		vr->err = err;
		snprintf(vr->msg, sizeof(vr->msg), "%s", what);
	}
}

/*
 * The victim's VM, in a process of its own as another VM's VMM would be
 * (sharing the attacker's process would make it wait for the attacker's
 * mmap_lock, which vfio takes to pin and to account pinned pages): a
 * vGPU on the attacker's GPU in its own container, checked work from the
 * moment the attack starts to self->seconds later, the time between two
 * completions recorded. Then its unused VRAM, its faults and, once it is
 * closed, its pins. Returns the exit status.
 */
static int victim_main(FIXTURE_DATA(st) *self)
{
	struct victim *vr = &self->vr;
	struct libmvgpu_gpu *g = &self->vic.gpu;
	uint64_t t_go, t_end, prev, now, ts[3];
	struct work w;
	int ret;

	ret = et_up(&self->vic, MT_PARENT0, MT_T18, VIC_RAM, vr->msg,
		    sizeof(vr->msg));
	if (ret) {
		vr->err = ret;
		goto out;
	}
	ret = work_init(&w, g, &self->vic.pt);
	if (ret) {
		vic_fail(vr, ret, "the victim's work");
		goto out;
	}
	/* what it does not use must not change */
	mt_pattern_fill((char *)g->vram + WORK_SIZE, g->vram_size - WORK_SIZE,
			WORK_SIZE, 0x57e5);
	/*
	 * On a real host the victim VM has CPUs of its own; here it shares
	 * the test VM's two with the attacker's threads, so it gets a larger
	 * share of them: what it measures is the GPU's side, not how the
	 * attacker loads this VM's CPUs.
	 */
	if (setpriority(PRIO_PROCESS, 0, VICTIM_NICE)) {
		vic_fail(vr, -errno, "setpriority");
		goto out;
	}
	__atomic_store_n(&vr->state, VIC_READY, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&self->go, __ATOMIC_ACQUIRE)) {
		if (orphaned(self)) {
			vic_fail(vr, -ECHILD, "the test ended before the attack");
			goto out;
		}
		libmvgpu_sleep_us(1000);
	}

	t_go = libmvgpu_now_ns();
	t_end = t_go + self->seconds * 1000000000ull;
	prev = t_go;
	do {
		uint64_t t0 = libmvgpu_now_ns(), gap;

		ret = work_round(&w, 0x5eed0000 + vr->rounds, ts);
		now = libmvgpu_now_ns();
		gap = now - prev;
		if (gap > vr->max_gap) {
			vr->max_gap = gap;
			vr->max_at = prev - t_go;
			vr->max_regs = ts[0] - t0;
			vr->max_wait = ts[1] - ts[0];
			vr->max_check = ts[2] - ts[1];
		}
		vr->sum_ns += gap;
		prev = now;
		if (!ret)
			vr->rounds++;
	} while (!ret && now < t_end && !orphaned(self));
	vr->ran_ns = now - t_go;
	if (ret)
		vic_fail(vr, ret, "its checked work");

	vr->changed = mt_pattern_check((char *)g->vram + WORK_SIZE,
				       g->vram_size - WORK_SIZE, WORK_SIZE,
				       0x57e5);
	vr->faults = et_attr(self->vic.v.uuid, "faults");
	libmvgpu_gpu_fini(g);
	self->vic.up = false;
	libmvgpu_close(&self->vic.v.dev);
	vr->pinned_closed = et_attr(self->vic.v.uuid, "pinned_pages");
out:
	__atomic_store_n(&vr->state, VIC_DONE, __ATOMIC_RELEASE);
	return vr->err ? 1 : 0;
}

/* Wait up to s seconds for the victim to reach state; false if it did not. */
static bool victim_wait(FIXTURE_DATA(st) *self, int state, unsigned int s)
{
	uint64_t end = libmvgpu_now_ns() + s * 1000000000ull;

	while (__atomic_load_n(&self->vr.state, __ATOMIC_ACQUIRE) < state) {
		if (libmvgpu_now_ns() > end)
			return false;
		libmvgpu_sleep_us(2000);
	}
	return true;
}

/* ---- fixture ------------------------------------------------------------ */

/* A's memory: tables, rings, buffers, the ranges the attack unmaps. */
static int a_build(FIXTURE_DATA(st) *self)
{
	struct libmvgpu_gpu *gpu = &self->a.gpu;
	struct libmvgpu_pt *pt = &self->a.pt;
	uint64_t *l1;
	int i, ret;

	ret = libmvgpu_dma_map(&self->a.v.dev, U_IOVA, U_SIZE, &self->u);
	if (!ret)
		ret = libmvgpu_dma_map(&self->a.v.dev, V_IOVA, V_SIZE, &self->v);
	/* one level-0 table for all aliases: each a new region to fill */
	if (!ret)
		ret = point_at_u(self, U_IOVA);
	l1 = ret ? NULL : libmvgpu_pt_entry(pt, VA_W, 1, false);
	if (!ret && !l1)
		ret = -ENOENT;
	for (i = 1; !ret && i < NR_ALIAS; i++)
		libmvgpu_store64(&l1[i], libmvgpu_load64(&l1[0]));
	if (!ret)
		ret = et_buf_vram(gpu, pt, ET_VA_VRAM, 0, A_VRAM,
				  LIBMVGPU_MAP_WRITE, &self->avram);
	/* rings and fences in VRAM: nothing of the pool is pinned */
	for (i = 0; !ret && i < A_CTXS; i++)
		ret = libmvgpu_ctx_init_vram(&self->actx[i], gpu, pt, i, A_RING,
					     A_RINGS_VRAM + i * (A_RING + 4096));
	/* the second root shares every table below it */
	if (!ret)
		ret = libmvgpu_pt_init(&self->pt2, gpu);
	if (!ret)
		memcpy(libmvgpu_gpu_ptr(gpu, self->pt2.root, 4096),
		       libmvgpu_gpu_ptr(gpu, pt->root, 4096), 4096);
	if (!ret) {
		self->exp_pos = libmvgpu_cfg_find_cap(&self->a.v.dev,
						      PCI_CAP_ID_EXP);
		if (self->exp_pos <= 0)
			ret = self->exp_pos ? self->exp_pos : -ENODEV;
	}
	return ret;
}

static int st_build(FIXTURE_DATA(st) *self)
{
	int ret;

	/* the attacker's VM: A, and B in A's container */
	ret = et_up(&self->a, MT_PARENT0, MT_T18, ET_RAM_SIZE, self->msg,
		    sizeof(self->msg));
	if (ret)
		return ret;
	snprintf(self->msg, sizeof(self->msg), "B in A's container");
	ret = mt_vgpu_create(&self->b.v, MT_PARENT0, MT_T18);
	self->b.owner = getpid();
	if (!ret)
		ret = libmvgpu_open_in(&self->b.v.dev, self->b.v.uuid,
				       self->a.v.dev.container);
	if (ret)
		return ret;
	snprintf(self->msg, sizeof(self->msg), "A's memory and contexts");
	return a_build(self);
}

FIXTURE_SETUP(st)
{
	const char *env = getenv("MVGPU_STRESS_SEED");
	struct utsname u;
	pid_t pid;
	int ret;

	mt_vgpu_init(&self->vic.v);
	mt_vgpu_init(&self->a.v);
	mt_vgpu_init(&self->b.v);
	mt_vgpu_init(&self->c);
	self->seed = env ? strtoull(env, NULL, 0) :
		     (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	env = getenv("MVGPU_STRESS_SECONDS");
	self->seconds = env ? strtoul(env, NULL, 0) : DEFAULT_SECONDS;
	if (!self->seconds || self->seconds > 3600)
		self->seconds = DEFAULT_SECONDS;
	ASSERT_EQ(0, uname(&u));
	snprintf(self->release, sizeof(self->release), "%s", u.release);
	self->fixed = strstr(u.release, FIXED_RELEASE);
	/* iommufd (cdev, or its compat container) has no such inversion */
	self->no_type1 = libmvgpu_backend() == LIBMVGPU_IOMMUFD ||
			 access("/sys/module/vfio_iommu_type1", F_OK);
	if (self->no_type1)
		self->fixed = true;
	env = getenv("MVGPU_STRESS_TYPE1_FIXED");
	if (env)
		self->fixed = strtoul(env, NULL, 0);
	TH_LOG("seed %llu (MVGPU_STRESS_SEED=%llu replays its choices), %u s",
	       (unsigned long long)self->seed,
	       (unsigned long long)self->seed, self->seconds);
	ret = mt_check_state(self->msg, sizeof(self->msg));
	ASSERT_EQ(0, ret) TH_LOG("%s", self->msg);
	/* the victim's VM first: it must not inherit the attacker's */
	self->vr.parent = getpid();
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(victim_main(self));
	self->vr.pid = pid;	/* shared: the child must not write it */
	ret = st_build(self);
	if (!ret && !victim_wait(self, VIC_READY, VICTIM_SETUP_S)) {
		ret = -ETIMEDOUT;
		snprintf(self->msg, sizeof(self->msg), "the victim's set-up");
	}
	if (!ret && self->vr.err) {
		ret = self->vr.err;
		snprintf(self->msg, sizeof(self->msg), "victim: %s",
			 self->vr.msg);
	}
	if (ret) {
		/* no teardown after a failed setup: clean up here */
		kill(self->vr.pid, SIGKILL);
		waitpid(self->vr.pid, NULL, 0);
		et_remove(&self->vic);
		et_down(&self->b);
		et_down(&self->a);
		MT_SKIP_NO_MMAP(ret);
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", self->msg, strerror(-ret));
	}
}

FIXTURE_TEARDOWN_PARENT(st)
{
	struct et_gpu *g[] = { &self->a, &self->b, &self->vic };
	size_t i;
	int ret;

	if (self->stuck) {
		/* a removal would wait for them forever */
		TH_LOG("threads stuck in the kernel: the vGPUs stay");
		return;
	}

	for (i = 0; i < MT_ARRAY_SIZE(g); i++) {
		ret = et_remove(g[i]);
		EXPECT_EQ(0, ret) TH_LOG("remove %s: %s", g[i]->v.uuid,
					 strerror(-ret));
	}
	if (self->c.created)
		libmvgpu_mdev_remove(self->c.uuid);
}

/* Is the thread name in MVGPU_STRESS_THREADS (all when it is not set)? */
static bool thread_chosen(const char *name)
{
	const char *env = getenv("MVGPU_STRESS_THREADS"), *p;
	size_t len = strlen(name);

	if (!env)
		return true;
	for (p = strstr(env, name); p; p = strstr(p + 1, name))
		if ((p == env || p[-1] == ',') && (!p[len] || p[len] == ','))
			return true;
	return false;
}

/* Print what a thread that does not come back is doing in the kernel. */
static void log_task(struct __test_metadata *_metadata, struct st_thread *t)
{
	static const char * const files[] = { "wchan", "stack" };
	char path[64], line[256];
	size_t i;
	FILE *f;

	for (i = 0; i < MT_ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "/proc/self/task/%d/%s", t->tid,
			 files[i]);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = '\0';
			TH_LOG("%s (tid %d) %s: %s", t->name, t->tid, files[i],
			       line);
		}
		fclose(f);
	}
}

/* Join every thread within JOIN_GIVE_UP_S; false when one is stuck. */
static bool join_all(struct __test_metadata *_metadata,
		     FIXTURE_DATA(st) *self)
{
	struct timespec deadline;
	bool all = true;
	int i;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += JOIN_GIVE_UP_S;
	for (i = 0; i < NR_THREADS; i++) {
		struct st_thread *t = &self->th[i];

		if (!t->started)
			continue;
		if (!pthread_timedjoin_np(t->th, NULL, &deadline)) {
			t->joined = true;
			continue;
		}
		all = false;
		TH_LOG("thread %s did not end within %d s", t->name,
		       JOIN_GIVE_UP_S);
		log_task(_metadata, t);
	}
	return all;
}

TEST_F_TIMEOUT(st, hostile_vmm_contained, 300)
{
	const char *a = self->a.v.uuid, *b = self->b.v.uuid;
	struct victim *vr = &self->vr;
	uint64_t fills0, cmds0, resets0;
	uint32_t state;
	int i, ret, status;

	if (self->fixed && self->no_type1)
		TH_LOG("mode: iommufd (libmvgpu backend %s), no vfio_iommu_type1: B closed and opened again in a loop, C in A's DMA context",
		       libmvgpu_backend_name(libmvgpu_backend()));
	else if (self->fixed)
		TH_LOG("mode: vfio_iommu_type1 with the lock-inversion fix (kernel %s%s): B closed and opened again in a loop, C in A's container",
		       self->release, strstr(self->release, FIXED_RELEASE) ?
		       "" : ", MVGPU_STRESS_TYPE1_FIXED");
	else
		TH_LOG("mode: stock vfio_iommu_type1 (kernel %s, not \"*%s*\"%s): B opened once and kept open, C in a container of its own",
		       self->release, FIXED_RELEASE,
		       strstr(self->release, FIXED_RELEASE) ?
		       ", MVGPU_STRESS_TYPE1_FIXED" : "");

	/* the attacker's threads; the victim is ready (set-up) */
	fills0 = et_attr(a, "shadow_fills");
	cmds0 = et_attr(a, "commands");
	resets0 = et_attr(a, "resets");
	for (i = 0; i < NR_THREADS; i++) {
		struct st_thread *t = &self->th[i];

		t->name = threads[i].name;
		t->fn = threads[i].fn;
		t->self = self;
		t->rng = self->seed ^ (0x9e3779b97f4a7c15ull * (i + 1));
		if ((i == T_OPENCLOSE && !self->fixed) ||
		    !thread_chosen(t->name))
			continue;
		ASSERT_EQ(0, pthread_create(&t->th, NULL, thread_main, t));
		t->started = true;
	}
	__atomic_store_n(&self->go, true, __ATOMIC_RELEASE);

	/* the attack lasts as long as the victim measures */
	sleep(self->seconds);
	ret = victim_wait(self, VIC_DONE, VICTIM_END_S);
	__atomic_store_n(&self->stop, true, __ATOMIC_RELAXED);
	ASSERT_TRUE(ret) TH_LOG("the victim did not end");
	ASSERT_EQ(vr->pid, waitpid(vr->pid, &status, 0));
	TH_LOG("victim: %lu rounds of checked work in %llu ms, mean %llu ms; largest gap %llu ms (bound %d ms), from %llu ms on: registers and ring %llu ms, fence %llu ms, checks %llu ms",
	       vr->rounds, (unsigned long long)vr->ran_ns / 1000000,
	       (unsigned long long)(vr->rounds ?
				    vr->sum_ns / vr->rounds / 1000000 : 0),
	       (unsigned long long)vr->max_gap / 1000000, MAX_GAP_MS,
	       (unsigned long long)vr->max_at / 1000000,
	       (unsigned long long)vr->max_regs / 1000000,
	       (unsigned long long)vr->max_wait / 1000000,
	       (unsigned long long)vr->max_check / 1000000);

	/* the victim: right, never stopped for long, nothing else touched */
	EXPECT_EQ(0, vr->err) TH_LOG("victim, round %lu: %s: %s", vr->rounds,
				     vr->msg, strerror(-vr->err));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	EXPECT_GT(MAX_GAP_MS * 1000000ull, vr->max_gap);
	EXPECT_EQ(0, vr->faults);
	EXPECT_EQ(-1, vr->changed);
	EXPECT_EQ(0, vr->pinned_closed);

	/* the attacker's threads come back */
	self->stuck = !join_all(_metadata, self);
	for (i = 0; i < NR_THREADS; i++) {
		struct st_thread *t = &self->th[i];

		if (t->started)
			TH_LOG("%-10s %6lu operations, %6lu complete, %lu bad%s%s",
			       t->name, t->iters, t->ok, t->bad,
			       t->bad ? ": " : "", t->why);
	}
	TH_LOG("unmaps of U while A had pages pinned: %lu",
	       self->th[T_UNMAP].hits);
	TH_LOG("A: shadow fills %llu, commands %llu, resets %llu, faults %llu",
	       (unsigned long long)(et_attr(a, "shadow_fills") - fills0),
	       (unsigned long long)(et_attr(a, "commands") - cmds0),
	       (unsigned long long)(et_attr(a, "resets") - resets0),
	       (unsigned long long)et_attr(a, "faults"));
	ASSERT_FALSE(self->stuck);

	/* the attack happened, and nothing that must not be was seen */
	for (i = 0; i < NR_THREADS; i++) {
		struct st_thread *t = &self->th[i];

		if (!t->started)
			continue;
		EXPECT_EQ(0, t->bad) TH_LOG("%s: %s", t->name, t->why);
		if (i != T_AWORK)
			EXPECT_LT(0, t->ok) TH_LOG("%s did nothing", t->name);
	}
	EXPECT_LT(fills0, et_attr(a, "shadow_fills"));
	EXPECT_LT(cmds0, et_attr(a, "commands"));
	if (self->th[T_UNMAP].started)
		EXPECT_LT(0, self->th[T_UNMAP].hits);

	/* the attacker's vGPUs: reset, clean, and they work */
	ASSERT_EQ(0, libmvgpu_reset(&self->a.v.dev));
	ASSERT_EQ(0, libmvgpu_mig_get_state(&self->a.v.dev, &state));
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, state);
	EXPECT_EQ(0, et_attr(a, "pinned_pages"));
	EXPECT_EQ(0, et_attr(a, "shadow_entries"));
	ret = usable(&self->a.v.dev, A_CHECK_IOVA, 0xa11ce);
	ASSERT_EQ(0, ret) TH_LOG("A after the attack: %s", strerror(-ret));
	ASSERT_EQ(0, libmvgpu_reset(&self->b.v.dev));
	ret = usable(&self->b.v.dev, B_CHECK_IOVA, 0xb0b);
	ASSERT_EQ(0, ret) TH_LOG("B after the attack: %s", strerror(-ret));

	/* closed, nothing stays pinned; C is gone */
	libmvgpu_gpu_fini(&self->a.gpu);
	self->a.up = false;
	libmvgpu_close(&self->a.v.dev);
	libmvgpu_close(&self->b.v.dev);
	EXPECT_EQ(0, et_attr(a, "pinned_pages"));
	EXPECT_EQ(0, et_attr(b, "pinned_pages"));
	EXPECT_EQ(3, mt_dir_count(LIBMVGPU_SYSFS_MDEV_DEVS));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_fuzz: every VFIO device ioctl a vGPU implements, and reads, writes
 * and mmaps of its device fd, with structurally valid edge arguments:
 * argsz 0, one below the fixed part, exact, one above and huge; every
 * index up to the last one plus two and 0xffffffff; every SET_IRQS action
 * and data type bit combination; counts 0, 1, 2, UINT32_MAX and starts 0,
 * 1, UINT32_MAX; eventfd numbers that are valid, negative, not eventfds or
 * not open; VFIO_DEVICE_FEATURE with every GET/SET/PROBE combination of
 * the migration features and unknown ones; VFIO_MIG_GET_PRECOPY_INFO on
 * the data files; VFIO_DEVICE_QUERY_GFX_PLANE with every flag, plane type
 * and argsz edge; unknown ioctl numbers; region offsets and sizes at each
 * region's ends (the display and EDID regions included); mmap offsets and
 * lengths around BAR2 and the display region.
 *
 * The vGPU under test is a 1/32 (4 MiB): it has a display where its
 * type's description says so (device.rst, "Display"; none before 6.10),
 * and the answers follow that.
 *
 * Every argument structure ends where its mapping ends (the next page is
 * PROT_NONE), so a kernel that reads or writes beyond what the structure
 * declares gets EFAULT, and the answer is wrong. Each answer is checked
 * against Documentation/mvgpu/device.rst and migration.rst.
 *
 * The first tests walk each argument matrix once, single-threaded, with
 * exact answers. "concurrent" then runs random picks from the same
 * matrices in four threads on one vGPU while a fifth resets it (all three
 * ways), raises interrupts and moves it through the migration states
 * (answers that depend on that state accept each documented outcome).
 * It prints its seed; MVGPU_VFIO_FUZZ_SEED=N replays each thread's
 * sequence (not their interleaving).
 *
 * After every test the vGPU works (reset, registers, an MSI raised through
 * IRQ_RAISE, VRAM) and a second vGPU on the same GPU kept its registers,
 * VRAM, interrupts and reset count.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "lib/mvgpu_gpu.h"
#include "mvgpu_test.h"

#define PAGE		4096ul
#define FIRE_MS		3000

/* The vGPU under test; its neighbour is a 1/8 on the same GPU. */
#define TARGET		MT_T132

#define NR_THREADS	4
#define THREAD_OPS	20000	/* per fuzzing thread */
#define CHAOS_SLEEP_US	2000	/* at most, between two chaos steps */

/* Fixed parts of the structures (what the kernel reads first). */
#define SET_MINSZ	20	/* struct vfio_irq_set up to count */
#define DEVINFO_MINSZ	16	/* struct vfio_device_info up to num_irqs */
#define DEVINFO_SIZE	24	/* with cap_offset and pad (Linux 6.12) */
#define REGINFO_SIZE	32	/* struct vfio_region_info */
#define IRQINFO_SIZE	16	/* struct vfio_irq_info */
#define FEAT_MINSZ	8	/* struct vfio_device_feature header */
#define FEAT_PAYLOAD	8	/* each migration feature's structure */
#define LOG_CONTROL_SIZE 24	/* struct vfio_device_feature_dma_logging_control */
#define LOG_REPORT_SIZE	32	/* struct vfio_device_feature_dma_logging_report */
#define PRECOPY_SIZE	24	/* struct vfio_precopy_info */
#define CAP_TYPE_SIZE	16	/* struct vfio_region_info_cap_type */
#define PLANE_MINSZ	60	/* vfio_device_gfx_plane_info up to region_index */
#define HUGE_ARGSZ	0xffffffffu

#define A_MASK		VFIO_IRQ_SET_ACTION_MASK
#define A_UNMASK	VFIO_IRQ_SET_ACTION_UNMASK
#define A_TRIG		VFIO_IRQ_SET_ACTION_TRIGGER
#define D_NONE		VFIO_IRQ_SET_DATA_NONE
#define D_BOOL		VFIO_IRQ_SET_DATA_BOOL
#define D_EFD		VFIO_IRQ_SET_DATA_EVENTFD
#define SET_KNOWN	(VFIO_IRQ_SET_DATA_TYPE_MASK | \
			 VFIO_IRQ_SET_ACTION_TYPE_MASK)

#define F_GET		VFIO_DEVICE_FEATURE_GET
#define F_SET		VFIO_DEVICE_FEATURE_SET
#define F_PROBE		VFIO_DEVICE_FEATURE_PROBE

#define NEIGHBOUR_SCRATCH 0x5ca1ab1e
#define PATTERN_SEED	0x7e57

static const uint32_t argsz_edges[] = { 0, 1, 0, 0, 0, HUGE_ARGSZ };
static const uint32_t set_counts[] = { 0, 1, 2, UINT32_MAX };
static const uint32_t set_starts[] = { 0, 1, UINT32_MAX };
static const uint32_t set_extra[] = { 0, 1u << 6, 1u << 31 };
static const uint32_t irq_indexes[] = {
	0, 1, 2, 3, 4, 5, 6, 7, 0xffffffff,
};

/* What an eventfd number in a SET_IRQS payload is. */
enum fdkind { FD_EVENTFD, FD_M1, FD_M2, FD_MIN, FD_DEVNULL, FD_DEVICE,
	      FD_CLOSED, NR_FDKINDS };
static const char * const fdkind_name[] = {
	"eventfd", "-1", "-2", "INT32_MIN", "/dev/null", "device fd",
	"not open",
};

/* Mismatches of one thread: their number and the first few. */
struct vf_log {
	unsigned int bad;
	char first[6][200];
};

/* A buffer whose next page is PROT_NONE. */
struct gbuf {
	uint8_t *base;
	size_t size;
};

/* What one thread (or the single-threaded tests) works with. */
struct vf_ctx {
	struct libmvgpu_dev *dev;
	int fd;			/* the device fd */
	uint64_t vram;		/* BAR2 size */
	uint64_t mig_flags;
	bool data_size;		/* the kernel has VFIO_DEVICE_FEATURE_MIG_DATA_SIZE */
	bool dma_log;		/* the vGPU offers DMA logging (dirty_log checks
				 * that against the kernel) */
	uint32_t devinfo_size;	/* the kernel's struct vfio_device_info */
	bool bar2_mmap;		/* the kernel lets BAR2 be mapped (6.10) */
	uint64_t window;	/* the display region's size; 0: no display */
	bool relaxed;		/* others change interrupt and migration state */
	bool attached;		/* single-threaded: eventfds on all indexes */
	int efd, devnull;
	uint64_t rng;
	struct gbuf small, big;
	unsigned long ops;
	struct vf_log log;
};

static int gbuf_init(struct gbuf *g, size_t size)
{
	size = (size + PAGE - 1) & ~(PAGE - 1);
	g->base = mmap(NULL, size + PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->base == MAP_FAILED) {
		g->base = NULL;
		return -errno;
	}
	g->size = size;
	if (mprotect(g->base + size, PAGE, PROT_NONE))
		return -errno;
	return 0;
}

static void gbuf_fini(struct gbuf *g)
{
	if (g->base)
		munmap(g->base, g->size + PAGE);
	g->base = NULL;
}

/* The last n bytes before the guard page. */
static void *gbuf_end(struct gbuf *g, size_t n)
{
	return g->base + g->size - n;
}

static uint64_t rnd(struct vf_ctx *c, uint64_t n)
{
	return libmvgpu_rand64(&c->rng) % n;
}

static void bad(struct vf_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->log.bad < MT_ARRAY_SIZE(c->log.first)) {
		va_start(ap, fmt);
		vsnprintf(c->log.first[c->log.bad],
			  sizeof(c->log.first[0]), fmt, ap);
		va_end(ap);
	}
	c->log.bad++;
}

/* An ioctl: 0 or -errno. */
static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static int ctx_init(struct vf_ctx *c, struct libmvgpu_dev *dev, uint64_t vram,
		    uint64_t seed)
{
	int ret;

	memset(c, 0, sizeof(*c));
	c->dev = dev;
	c->fd = dev->device;
	c->vram = vram;
	c->rng = seed ? seed : 1;
	c->efd = -1;
	c->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (c->devnull < 0)
		return -errno;
	c->efd = libmvgpu_eventfd();
	if (c->efd < 0)
		return c->efd;
	ret = libmvgpu_mig_flags(dev, &c->mig_flags);
	/* PRE_COPY in the flags exactly where the kernel has it */
	if (!ret)
		ret = mt_has_precopy(dev);
	if (ret >= 0)
		ret = mt_kernel_vfio_inode();
	if (ret >= 0) {
		c->bar2_mmap = ret;
		ret = mt_has_mig_data_size(dev);
	}
	if (ret >= 0) {
		c->data_size = ret;
		ret = mt_has_dma_logging(dev);
	}
	if (ret >= 0) {
		c->dma_log = ret;
		ret = mt_devinfo_size(dev);
	}
	/* the layout of 6.12 (with pad) or of 6.1 and before (without) */
	if (ret == DEVINFO_SIZE || ret == DEVINFO_SIZE - 4) {
		c->devinfo_size = ret;
		ret = 0;
	} else if (ret >= 0) {
		ret = -EPROTO;
	}
	if (!ret) {
		uint32_t w, h;

		ret = mt_display_of(MT_PARENT0, TARGET, &w, &h);
		c->window = w ? mt_display_window(w, h) : 0;
	}
	if (!ret)
		ret = gbuf_init(&c->small, PAGE);
	if (!ret)
		ret = gbuf_init(&c->big, vram);
	return ret;
}

static void ctx_fini(struct vf_ctx *c)
{
	gbuf_fini(&c->small);
	gbuf_fini(&c->big);
	if (c->efd >= 0)
		close(c->efd);
	if (c->devnull >= 0)
		close(c->devnull);
	c->efd = -1;
	c->devnull = -1;
}

/* ---- SET_IRQS ------------------------------------------------------------ */

static int32_t fd_value(struct vf_ctx *c, enum fdkind k)
{
	switch (k) {
	case FD_EVENTFD:
		return c->efd;
	case FD_M1:
		return -1;
	case FD_M2:
		return -2;
	case FD_MIN:
		return INT32_MIN;
	case FD_DEVNULL:
		return c->devnull;
	case FD_DEVICE:
		return c->fd;
	default:
		return 1000000;	/* above any fd table: never open */
	}
}

/*
 * The answer of device.rst ("Interrupts") to a SET_IRQS with these
 * fields, with or without an eventfd on the index; *dsz gets the payload
 * bytes the device reads.
 */
static int want_set_irqs(uint32_t argsz, uint32_t flags, uint32_t index,
			 uint32_t start, uint32_t count, enum fdkind fdk,
			 bool attached, size_t *dsz)
{
	uint32_t type = flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	uint32_t action = flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	uint32_t nvec = index == VFIO_PCI_MSIX_IRQ_INDEX ? 0 : 1;
	bool single = index == VFIO_PCI_ERR_IRQ_INDEX ||
		      index == VFIO_PCI_REQ_IRQ_INDEX;
	uint32_t size;

	*dsz = 0;
	if (argsz < SET_MINSZ || index >= VFIO_PCI_NUM_IRQS ||
	    count >= UINT32_MAX - start || (flags & ~SET_KNOWN))
		return -EINVAL;
	if (start >= nvec || start + count > nvec)
		return -EINVAL;
	switch (type) {
	case D_NONE:
		size = 0;
		break;
	case D_BOOL:
		size = 1;
		break;
	case D_EFD:
		size = 4;
		break;
	default:
		return -EINVAL;
	}
	if (size && argsz - SET_MINSZ < count * size)
		return -EINVAL;
	*dsz = count * size;

	if (action != A_MASK && action != A_UNMASK && action != A_TRIG)
		return -ENOTTY;
	if (action != A_TRIG) {
		if (index != VFIO_PCI_INTX_IRQ_INDEX)
			return -ENOTTY;
		if (!attached || count != 1)
			return -EINVAL;
		return type == D_EFD ? -ENOTTY : 0;
	}
	switch (type) {
	case D_NONE:
		return attached ? 0 : -EINVAL;
	case D_BOOL:
		if (!count)
			return -EINVAL;
		return attached || single ? 0 : -EINVAL;
	default:
		if (!count)
			return -EINVAL;
		switch (fdk) {
		case FD_EVENTFD:
		case FD_M1:
			return 0;
		case FD_M2:
		case FD_MIN:
			return single ? -EINVAL : 0;
		case FD_DEVNULL:
		case FD_DEVICE:
			return -EINVAL;
		default:
			return -EBADF;
		}
	}
}

/* Attach the context's eventfd to every index, or detach every index. */
static int set_state(struct vf_ctx *c, bool attached)
{
	static const unsigned int idx[] = {
		VFIO_PCI_INTX_IRQ_INDEX, VFIO_PCI_MSI_IRQ_INDEX,
		VFIO_PCI_ERR_IRQ_INDEX, VFIO_PCI_REQ_IRQ_INDEX,
	};
	size_t i;
	int ret;

	for (i = 0; i < MT_ARRAY_SIZE(idx); i++) {
		ret = libmvgpu_irq_set_eventfd(c->dev, idx[i],
					       attached ? c->efd : -1);
		if (ret)
			return ret;
	}
	c->attached = attached;
	return 0;
}

/*
 * One SET_IRQS whose header and payload end at the guard page; argsz is
 * an edge of argsz_edges[] (picked by aedge) and the payload a bool or an
 * eventfd number of kind fdk, depending on the data type.
 */
static void op_set_irqs(struct vf_ctx *c, unsigned int aedge, uint32_t flags,
			uint32_t index, uint32_t start, uint32_t count,
			enum fdkind fdk, bool bval)
{
	uint32_t type = flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	uint32_t argsz, hdr[5];
	size_t dsz, dsz2;
	int w0, w1, ret;
	uint8_t *p;

	/* argsz: 0, minsz - 1, minsz, minsz + 1, what count needs, huge */
	switch (aedge) {
	case 1:
		argsz = SET_MINSZ - 1;
		break;
	case 2:
		argsz = SET_MINSZ;
		break;
	case 3:
		argsz = SET_MINSZ + 1;
		break;
	case 4:
		argsz = SET_MINSZ + (type == D_EFD ? 4 : type == D_BOOL);
		break;
	default:
		argsz = argsz_edges[aedge];
		break;
	}
	w0 = want_set_irqs(argsz, flags, index, start, count, fdk, false, &dsz);
	w1 = want_set_irqs(argsz, flags, index, start, count, fdk, true,
			   &dsz2);
	p = gbuf_end(&c->small, SET_MINSZ + dsz);
	hdr[0] = argsz;
	hdr[1] = flags;
	hdr[2] = index;
	hdr[3] = start;
	hdr[4] = count;
	memcpy(p, hdr, sizeof(hdr));
	if (dsz == 1) {
		p[SET_MINSZ] = bval;
	} else if (dsz == 4) {
		int32_t v = fd_value(c, fdk);

		memcpy(p + SET_MINSZ, &v, 4);
	}
	ret = xioctl(c->fd, VFIO_DEVICE_SET_IRQS, p);
	c->ops++;
	if (c->relaxed ? ret != w0 && ret != w1 :
			 ret != (c->attached ? w1 : w0))
		bad(c, "SET_IRQS argsz %u flags 0x%x index %u start %u count %u %s: %d, want %d%s",
		    argsz, flags, index, start, count,
		    type == D_EFD ? fdkind_name[fdk] : bval ? "1" : "0", ret,
		    c->relaxed || !c->attached ? w0 : w1,
		    c->relaxed ? " or that of another state" : "");
	/* single-threaded: a detach or attach that happened is undone */
	if (!c->relaxed && !ret &&
	    (flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) == A_TRIG &&
	    (type == D_NONE || type == D_EFD) && set_state(c, c->attached))
		bad(c, "restoring the eventfds failed");
}

/* The payload cut short: the fixed part or its data runs into the guard. */
static void op_set_irqs_cut(struct vf_ctx *c, uint32_t index, bool in_hdr)
{
	uint32_t hdr[6] = {
		SET_MINSZ + 4, D_EFD | A_TRIG, index, 0, 1, (uint32_t)c->efd,
	};
	size_t n = in_hdr ? SET_MINSZ - 2 : SET_MINSZ;
	uint8_t *p = gbuf_end(&c->small, n);
	int ret;

	memcpy(p, hdr, n);
	ret = xioctl(c->fd, VFIO_DEVICE_SET_IRQS, p);
	c->ops++;
	if (ret != -EFAULT)
		bad(c, "SET_IRQS index %u with its %s unreadable: %d, want %d",
		    index, in_hdr ? "header" : "eventfd", ret, -EFAULT);
}

/* ---- info ioctls --------------------------------------------------------- */

static uint32_t argsz_of(unsigned int edge, uint32_t minsz)
{
	static const int32_t delta[] = { 0, -1, 0, 1 };

	if (edge == 0)
		return 0;
	if (edge >= 4)
		return HUGE_ARGSZ;
	return minsz + delta[edge];
}

static void op_get_info(struct vf_ctx *c, uint32_t argsz)
{
	size_t n = argsz < DEVINFO_MINSZ ? DEVINFO_MINSZ :
		   argsz < c->devinfo_size ? argsz : c->devinfo_size;
	uint8_t *p = gbuf_end(&c->small, n);
	uint32_t w[6];
	int ret, want = argsz < DEVINFO_MINSZ ? -EINVAL : 0;
	size_t i;

	memset(p, 0xa5, n);
	memcpy(p, &argsz, 4);
	ret = xioctl(c->fd, VFIO_DEVICE_GET_INFO, p);
	c->ops++;
	if (ret != want) {
		bad(c, "GET_INFO argsz %u: %d, want %d", argsz, ret, want);
		return;
	}
	if (ret)
		return;
	memset(w, 0, sizeof(w));
	memcpy(w, p, n);
	if (w[0] != argsz ||
	    w[1] != (VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET) ||
	    w[2] != (c->window ? 11u : 9u) || w[3] != VFIO_PCI_NUM_IRQS)
		bad(c, "GET_INFO argsz %u: %u 0x%x %u %u", argsz, w[0], w[1],
		    w[2], w[3]);
	for (i = DEVINFO_MINSZ; i < n; i++)
		if (p[i])
			bad(c, "GET_INFO argsz %u: byte %zu is 0x%x", argsz, i,
			    p[i]);
}

/* Size and flags of region index (device.rst), or -EINVAL. */
static int want_region(struct vf_ctx *c, uint32_t index, uint64_t *size,
		       uint32_t *flags)
{
	*size = 0;
	*flags = 0;
	switch (index) {
	case VFIO_PCI_BAR0_REGION_INDEX:
		*size = MVGPU_MMIO_SIZE;
		*flags = VFIO_REGION_INFO_FLAG_READ |
			 VFIO_REGION_INFO_FLAG_WRITE;
		return 0;
	case VFIO_PCI_BAR2_REGION_INDEX:
		*size = c->vram;
		*flags = VFIO_REGION_INFO_FLAG_READ |
			 VFIO_REGION_INFO_FLAG_WRITE;
		if (c->bar2_mmap)
			*flags |= VFIO_REGION_INFO_FLAG_MMAP;
		return 0;
	case VFIO_PCI_CONFIG_REGION_INDEX:
		*size = 256;
		*flags = VFIO_REGION_INFO_FLAG_READ |
			 VFIO_REGION_INFO_FLAG_WRITE;
		return 0;
	case MVGPU_VFIO_REGION_DISPLAY:
		*size = c->window;
		*flags = VFIO_REGION_INFO_FLAG_READ |
			 VFIO_REGION_INFO_FLAG_MMAP;
		return c->window ? 0 : -EINVAL;
	case MVGPU_VFIO_REGION_EDID:
		*size = 1024;
		*flags = VFIO_REGION_INFO_FLAG_READ |
			 VFIO_REGION_INFO_FLAG_WRITE;
		return c->window ? 0 : -EINVAL;
	case VFIO_PCI_BAR1_REGION_INDEX:
	case VFIO_PCI_BAR3_REGION_INDEX:
	case VFIO_PCI_BAR4_REGION_INDEX:
	case VFIO_PCI_BAR5_REGION_INDEX:
	case VFIO_PCI_ROM_REGION_INDEX:
		return 0;
	}
	return -EINVAL;
}

/* Regions 9 and 10 have a type capability (device.rst, "VFIO interface"). */
static bool region_has_cap(struct vf_ctx *c, uint32_t index)
{
	return c->window && (index == MVGPU_VFIO_REGION_DISPLAY ||
			     index == MVGPU_VFIO_REGION_EDID);
}

static void op_region_info(struct vf_ctx *c, uint32_t argsz, uint32_t index)
{
	bool cap = region_has_cap(c, index);
	/* the chain is written only where argsz has room for it */
	size_t n = cap && argsz >= REGINFO_SIZE + CAP_TYPE_SIZE ?
		   REGINFO_SIZE + CAP_TYPE_SIZE : REGINFO_SIZE;
	struct vfio_region_info *r = gbuf_end(&c->small, n);
	struct vfio_region_info_cap_type *ct = (void *)((uint8_t *)r +
							REGINFO_SIZE);
	uint32_t flags, want_argsz = argsz, want_cap = 0;
	uint64_t size;
	int want = want_region(c, index, &size, &flags);
	int ret;

	if (argsz < REGINFO_SIZE)
		want = -EINVAL;
	if (cap) {
		flags |= VFIO_REGION_INFO_FLAG_CAPS;
		if (argsz < REGINFO_SIZE + CAP_TYPE_SIZE)
			want_argsz = REGINFO_SIZE + CAP_TYPE_SIZE;
		else
			want_cap = REGINFO_SIZE;
	}
	memset(r, 0xa5, n);
	r->argsz = argsz;
	r->index = index;
	ret = xioctl(c->fd, VFIO_DEVICE_GET_REGION_INFO, r);
	c->ops++;
	if (ret != want) {
		bad(c, "GET_REGION_INFO argsz %u index %u: %d, want %d", argsz,
		    index, ret, want);
		return;
	}
	if (!ret && (r->argsz != want_argsz || r->index != index ||
		     r->flags != flags || r->size != size ||
		     r->cap_offset != want_cap ||
		     r->offset != LIBMVGPU_REGION_OFFSET(index)))
		bad(c, "GET_REGION_INFO argsz %u index %u: argsz %u flags 0x%x size 0x%llx offset 0x%llx cap %u",
		    argsz, index, r->argsz, r->flags,
		    (unsigned long long)r->size,
		    (unsigned long long)r->offset, r->cap_offset);
	if (!ret && want_cap &&
	    (ct->header.id != VFIO_REGION_INFO_CAP_TYPE ||
	     ct->header.version != 1 || ct->header.next ||
	     ct->type != (index == MVGPU_VFIO_REGION_EDID ?
			  VFIO_REGION_TYPE_GFX :
			  VFIO_REGION_TYPE_PCI_VENDOR_TYPE | 0x1b36u) ||
	     ct->subtype != (index == MVGPU_VFIO_REGION_EDID ?
			     VFIO_REGION_SUBTYPE_GFX_EDID :
			     MVGPU_VFIO_SUBTYPE_DISPLAY)))
		bad(c, "GET_REGION_INFO index %u: capability %u v%u next %u type 0x%x/%u",
		    index, ct->header.id, ct->header.version, ct->header.next,
		    ct->type, ct->subtype);
}

/* ---- VFIO_DEVICE_QUERY_GFX_PLANE ----------------------------------------- */

static const uint32_t plane_flags[] = {
	0, VFIO_GFX_PLANE_TYPE_PROBE, VFIO_GFX_PLANE_TYPE_DMABUF,
	VFIO_GFX_PLANE_TYPE_REGION,
	VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_DMABUF,
	VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_REGION,
	VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_REGION |
	VFIO_GFX_PLANE_TYPE_DMABUF,
	VFIO_GFX_PLANE_TYPE_REGION | VFIO_GFX_PLANE_TYPE_DMABUF,
	VFIO_GFX_PLANE_TYPE_REGION | 1u << 3, 1u << 31, 0xffffffff,
};
static const uint32_t plane_types[] = { 0, 1, 2, 3, 0xffffffff };

/*
 * The answer of device.rst to a plane query; no plane is ever committed
 * here, so an answer is the inactive one (every field 0).
 */
static int want_plane(struct vf_ctx *c, uint32_t argsz, uint32_t flags,
		      uint32_t ptype)
{
	if (!c->window)
		return -ENOTTY;
	if (argsz < PLANE_MINSZ || ptype > 1)
		return -EINVAL;
	if (flags & VFIO_GFX_PLANE_TYPE_PROBE)
		return flags == (VFIO_GFX_PLANE_TYPE_PROBE |
				 VFIO_GFX_PLANE_TYPE_REGION) ? 0 : -EINVAL;
	return flags == VFIO_GFX_PLANE_TYPE_REGION ? 0 : -EINVAL;
}

/* One plane query whose structure ends at the guard page (cut: 1 short). */
static void op_gfx_plane(struct vf_ctx *c, uint32_t argsz, uint32_t flags,
			 uint32_t ptype, bool cut)
{
	size_t n = cut ? PLANE_MINSZ - 1 : PLANE_MINSZ;
	uint8_t *p = gbuf_end(&c->small, n);
	uint32_t w[PLANE_MINSZ / 4];
	int want = want_plane(c, argsz, flags, ptype);
	int ret;
	size_t i;

	if (cut && c->window)
		want = -EFAULT;
	memset(w, 0xa5, sizeof(w));
	w[0] = argsz;
	w[1] = flags;
	w[2] = ptype;
	memcpy(p, w, n);
	ret = xioctl(c->fd, VFIO_DEVICE_QUERY_GFX_PLANE, p);
	c->ops++;
	if (ret != want) {
		bad(c, "QUERY_GFX_PLANE argsz %u flags 0x%x type %u%s: %d, want %d",
		    argsz, flags, ptype, cut ? " (cut)" : "", ret, want);
		return;
	}
	if (ret || (flags & VFIO_GFX_PLANE_TYPE_PROBE))
		return;
	/* the inactive answer, up to region_index; the input kept */
	memcpy(w, p, sizeof(w));
	if (w[0] != argsz || w[1] != flags || w[2] != ptype)
		bad(c, "QUERY_GFX_PLANE changed its input: %u 0x%x %u", w[0],
		    w[1], w[2]);
	for (i = 3; i < MT_ARRAY_SIZE(w); i++)
		if (w[i])
			bad(c, "QUERY_GFX_PLANE without a plane: word %zu is 0x%x",
			    i, w[i]);
}

static void op_irq_info(struct vf_ctx *c, uint32_t argsz, uint32_t index)
{
	struct vfio_irq_info *r = gbuf_end(&c->small, IRQINFO_SIZE);
	uint32_t flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE;
	uint32_t count = index == VFIO_PCI_MSIX_IRQ_INDEX ? 0 : 1;
	int want = argsz < IRQINFO_SIZE || index >= VFIO_PCI_NUM_IRQS ?
		   -EINVAL : 0;
	int ret;

	if (index == VFIO_PCI_INTX_IRQ_INDEX)
		flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
			VFIO_IRQ_INFO_AUTOMASKED;
	memset(r, 0xa5, IRQINFO_SIZE);
	r->argsz = argsz;
	r->index = index;
	ret = xioctl(c->fd, VFIO_DEVICE_GET_IRQ_INFO, r);
	c->ops++;
	if (ret != want)
		bad(c, "GET_IRQ_INFO argsz %u index %u: %d, want %d", argsz,
		    index, ret, want);
	else if (!ret && (r->argsz != argsz || r->index != index ||
			  r->flags != flags || r->count != count))
		bad(c, "GET_IRQ_INFO index %u: flags 0x%x count %u", index,
		    r->flags, r->count);
}

/* Numbers no VFIO device implements (or no device fd takes). */
static const unsigned long unknown_cmds[] = {
	_IO(VFIO_TYPE, VFIO_BASE + 0),		/* VFIO_GET_API_VERSION */
	_IO(VFIO_TYPE, VFIO_BASE + 4),		/* VFIO_GROUP_GET_STATUS */
	_IO(VFIO_TYPE, VFIO_BASE + 12),		/* PCI hot reset info */
	_IO(VFIO_TYPE, VFIO_BASE + 13),		/* PCI hot reset */
	_IO(VFIO_TYPE, VFIO_BASE + 14),		/* gfx plane (with a display:
						 * flags 0, EINVAL) */
	_IO(VFIO_TYPE, VFIO_BASE + 16),		/* ioeventfd */
	_IO(VFIO_TYPE, VFIO_BASE + 22),
	_IO(VFIO_TYPE, VFIO_BASE + 60),
	_IOWR(VFIO_TYPE, VFIO_BASE + 7, struct vfio_device_info),
	_IOR(VFIO_TYPE, VFIO_BASE + 11, uint64_t),
	_IO('x', 1),
	0,
	0xffffffff,
	/* last: the data files' own ioctl, unknown to the device fd */
	VFIO_MIG_GET_PRECOPY_INFO,
};

/* The numbers above that a data file does not know either. */
#define NR_UNKNOWN_DATA	(MT_ARRAY_SIZE(unknown_cmds) - 1)

static void op_unknown_ioctl(struct vf_ctx *c, int fd, unsigned long cmd)
{
	uint8_t *p = gbuf_end(&c->small, 64);
	int ret, want = -ENOTTY;

	/* the device's plane query, with flags 0 (device.rst) */
	if (fd == c->fd && cmd == VFIO_DEVICE_QUERY_GFX_PLANE)
		want = want_plane(c, 64, 0, 0);
	memset(p, 0, 64);
	*(uint32_t *)p = 64;
	ret = xioctl(fd, cmd, p);
	c->ops++;
	if (ret != want)
		bad(c, "ioctl 0x%lx on fd %d: %d, want %d", cmd, fd, ret,
		    want);
}

/* ---- VFIO_DEVICE_FEATURE ------------------------------------------------- */

static const uint32_t features[] = {
	VFIO_DEVICE_FEATURE_MIGRATION, VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
	VFIO_DEVICE_FEATURE_MIG_DATA_SIZE,
	0, 3, 6, 7, 8,		/* vf token, low power, DMA logging */
	0x7777, 0xffff,
};

static bool state_valid(struct vf_ctx *c, uint32_t st)
{
	switch (st) {
	case VFIO_DEVICE_STATE_STOP:
	case VFIO_DEVICE_STATE_RUNNING:
	case VFIO_DEVICE_STATE_STOP_COPY:
	case VFIO_DEVICE_STATE_RESUMING:
	case VFIO_DEVICE_STATE_RUNNING_P2P:
		return true;
	case VFIO_DEVICE_STATE_PRE_COPY:
	case VFIO_DEVICE_STATE_PRE_COPY_P2P:
		return c->mig_flags & VFIO_MIGRATION_PRE_COPY;
	}
	return false;
}

/*
 * The VFIO core's answer (device.rst, "VFIO interface"); *payload: whether
 * it reads or writes the 8-byte payload.
 */
static int want_feature(struct vf_ctx *c, uint32_t argsz, uint32_t flags,
			bool *payload)
{
	uint32_t ops = flags & (F_GET | F_SET);
	uint32_t sup, feat;

	*payload = false;
	if (argsz < FEAT_MINSZ)
		return -EINVAL;
	if (flags & ~(VFIO_DEVICE_FEATURE_MASK | F_GET | F_SET | F_PROBE))
		return -EINVAL;
	if (!(flags & F_PROBE) && ops == (F_GET | F_SET))
		return -EINVAL;
	switch (flags & VFIO_DEVICE_FEATURE_MASK) {
	case VFIO_DEVICE_FEATURE_MIG_DATA_SIZE:
		/* a core without it hands it to the driver: unknown there */
		if (!c->data_size)
			return -ENOTTY;
		sup = F_GET;
		break;
	case VFIO_DEVICE_FEATURE_MIGRATION:
		sup = F_GET;
		break;
	case VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE:
		sup = F_GET | F_SET;
		break;
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_START:
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP:
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT:
		/* the core's checks, then mvgpu's log_ops (dirty_log.c) */
		if (!c->dma_log)
			return -ENOTTY;
		feat = flags & VFIO_DEVICE_FEATURE_MASK;
		sup = feat == VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT ? F_GET : F_SET;
		if (ops & ~sup)
			return -EINVAL;
		if (flags & F_PROBE)
			return 0;
		if (!ops)
			return -EINVAL;
		/* STOP stops what was never started: done */
		if (feat == VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP)
			return 0;
		if (argsz - FEAT_MINSZ <
		    (feat == VFIO_DEVICE_FEATURE_DMA_LOGGING_START ?
		     LOG_CONTROL_SIZE : LOG_REPORT_SIZE))
			return -EINVAL;
		/* its structure would run into the guard page */
		return -EFAULT;
	default:
		return -ENOTTY;
	}
	if (ops & ~sup)
		return -EINVAL;
	if (flags & F_PROBE)
		return 0;
	if (!ops || argsz - FEAT_MINSZ < FEAT_PAYLOAD)
		return -EINVAL;
	*payload = true;
	return 0;
}

static void data_fd_ops(struct vf_ctx *c, int dfd, uint32_t state);

/*
 * One VFIO_DEVICE_FEATURE; a SET of MIG_DEVICE_STATE asks for state
 * (single-threaded: the state the vGPU is in, so nothing changes).
 */
static void op_feature(struct vf_ctx *c, uint32_t argsz, uint32_t flags,
		       uint32_t state)
{
	uint32_t feat = flags & VFIO_DEVICE_FEATURE_MASK;
	bool payload, set_state;
	uint32_t w[4];
	int want, ret;
	uint8_t *p;

	want = want_feature(c, argsz, flags, &payload);
	set_state = payload && feat == VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE &&
		    (flags & F_SET);
	if (set_state && !state_valid(c, state))
		want = -EINVAL;
	p = gbuf_end(&c->small, FEAT_MINSZ + (payload ? FEAT_PAYLOAD : 0));
	w[0] = argsz;
	w[1] = flags;
	w[2] = state;
	w[3] = 0x5a5a5a5a;
	memcpy(p, w, payload ? sizeof(w) : FEAT_MINSZ);
	ret = xioctl(c->fd, VFIO_DEVICE_FEATURE, p);
	c->ops++;
	memcpy(w, p, payload ? sizeof(w) : FEAT_MINSZ);
	/* a state change may fail where the state machine refuses it */
	if (ret != want && !(c->relaxed && set_state && ret == -EINVAL)) {
		bad(c, "FEATURE argsz %u flags 0x%x state %u: %d, want %d",
		    argsz, flags, state, ret, want);
		return;
	}
	if (ret || !payload)
		return;
	switch (feat) {
	case VFIO_DEVICE_FEATURE_MIGRATION:
		if (((uint64_t)w[3] << 32 | w[2]) != c->mig_flags)
			bad(c, "FEATURE_MIGRATION flags 0x%x%08x", w[3], w[2]);
		break;
	case VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE:
		if (!set_state) {
			if (!state_valid(c, w[2]) ||
			    (!c->relaxed && w[2] != VFIO_DEVICE_STATE_RUNNING))
				bad(c, "MIG_DEVICE_STATE GET: %u", w[2]);
		} else if ((int32_t)w[3] >= 0) {
			data_fd_ops(c, (int32_t)w[3], state);
			close((int32_t)w[3]);
		} else if (!c->relaxed && (int32_t)w[3] != -1) {
			bad(c, "MIG_DEVICE_STATE SET: data_fd %d", w[3]);
		}
		break;
	case VFIO_DEVICE_FEATURE_MIG_DATA_SIZE:
		if (!w[2] && !w[3])
			bad(c, "MIG_DATA_SIZE 0");
		break;
	}
}

/* VFIO_MIG_GET_PRECOPY_INFO on a data fd of a file of the given kind. */
static void op_precopy(struct vf_ctx *c, int dfd, uint32_t argsz, int want)
{
	uint32_t *p = gbuf_end(&c->small, PRECOPY_SIZE);
	int ret;

	memset(p, 0, PRECOPY_SIZE);
	p[0] = argsz;
	if (argsz < PRECOPY_SIZE && want != -ENOTTY)
		want = -EINVAL;
	/* without pre-copy (before 6.2) a data file takes no ioctl at all */
	if (!(c->mig_flags & VFIO_MIGRATION_PRE_COPY))
		want = -ENOTTY;
	ret = xioctl(dfd, VFIO_MIG_GET_PRECOPY_INFO, p);
	c->ops++;
	if (ret != want && !(c->relaxed && want == 0 && ret == -EINVAL))
		bad(c, "PRECOPY_INFO argsz %u: %d, want %d", argsz, ret, want);
}

/* What the fuzzing threads do with a data fd they were given. */
static void data_fd_ops(struct vf_ctx *c, int dfd, uint32_t state)
{
	bool saving = state != VFIO_DEVICE_STATE_RESUMING;
	bool pre = state == VFIO_DEVICE_STATE_PRE_COPY ||
		   state == VFIO_DEVICE_STATE_PRE_COPY_P2P;
	uint8_t *p = gbuf_end(&c->small, 64);
	ssize_t n;

	op_precopy(c, dfd, argsz_of(rnd(c, 5), PRECOPY_SIZE),
		   !saving ? -ENOTTY : pre ? 0 : -EINVAL);
	op_unknown_ioctl(c, dfd, unknown_cmds[rnd(c, NR_UNKNOWN_DATA)]);
	if (saving) {
		n = read(dfd, p, 64);
		if (n < 0 && errno != ENOMSG && errno != ENODEV)
			bad(c, "data fd read: %d", -errno);
	} else {
		memset(p, 0xee, 64);
		n = write(dfd, p, 64);
		/* a record header that is no header */
		if (n >= 0 || (errno != EINVAL && errno != ENODEV))
			bad(c, "data fd write of junk: %zd (%d)", n, -errno);
	}
}

/* ---- reads, writes, mmap ------------------------------------------------- */

#define HUGE_COUNT	0x7ffff000ul	/* MAX_RW_COUNT */

/* The answer of device.rst to a read or write of count bytes at pos. */
static long long want_rw(struct vf_ctx *c, bool write, uint32_t index,
			 uint64_t off, size_t count)
{
	uint64_t size;
	uint32_t flags;
	int64_t pos = (int64_t)(LIBMVGPU_REGION_OFFSET(index) + off);

	if (pos < 0 || pos + (int64_t)count < 0 ||
	    want_region(c, index, &size, &flags))
		return -EINVAL;
	switch (index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		return off < size && count <= size - off ? (long long)count :
							   -EINVAL;
	case VFIO_PCI_BAR0_REGION_INDEX:
		return count == 4 && !(off % 4) && off < size ? 4 : -EINVAL;
	case VFIO_PCI_BAR2_REGION_INDEX:
		if (off >= size)
			return -EINVAL;
		return count < size - off ? count : size - off;
	case MVGPU_VFIO_REGION_DISPLAY:
		/* read-only; no plane here: the window starts at VRAM 0 */
		if (write || off >= size)
			return -EINVAL;
		return count < size - off ? count : size - off;
	case MVGPU_VFIO_REGION_EDID:
		/* the fields: aligned 32-bit; never 0x3c3c3c3c written */
		if (off < 0x18)
			return count == 4 && !(off % 4) && !write ? 4 : -EINVAL;
		if (off < 0x100 || off >= size)
			return -EINVAL;
		return count < size - off ? count : size - off;
	}
	return -EINVAL;
}

static const size_t rw_sizes[] = { 0, 1, 3, 4, 8, HUGE_COUNT };

/* Offset edge e (0..7) of a region of size bytes. */
static uint64_t off_edge(uint64_t size, unsigned int e)
{
	switch (e) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return 3;
	case 3:
		return size ? size - 1 : 0;
	case 4:
		return size >= 4 ? size - 4 : 0;
	case 5:
		return size;
	case 6:
		return size + 1;
	default:
		return (1ull << LIBMVGPU_REGION_SHIFT) - 1;
	}
}

static const uint32_t rw_indexes[] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0x7fffff, 0xffffffff,
};

static void op_rw(struct vf_ctx *c, bool write, uint32_t index,
		  unsigned int oedge, size_t count)
{
	uint64_t size, pos;
	uint32_t flags;
	long long want;
	ssize_t ret;
	size_t room;
	uint8_t *p;

	want_region(c, index, &size, &flags);
	pos = LIBMVGPU_REGION_OFFSET(index) + off_edge(size, oedge);
	want = want_rw(c, write, index, off_edge(size, oedge), count);
	/* exactly the bytes the device may move are mapped */
	room = want > 0 ? (size_t)want : 0;
	/* a field write of the EDID region reads its value, then refuses it */
	if (write && index == MVGPU_VFIO_REGION_EDID && c->window &&
	    off_edge(size, oedge) < 0x18 && !(off_edge(size, oedge) % 4) &&
	    count == 4)
		room = 4;
	p = room <= PAGE ? gbuf_end(&c->small, room) : gbuf_end(&c->big, room);
	if (write && index == VFIO_PCI_CONFIG_REGION_INDEX && want > 0) {
		/* single-threaded: write back what is there */
		if (!c->relaxed &&
		    pread(c->fd, p, room, pos) != (ssize_t)room)
			bad(c, "config read at 0x%llx", (unsigned long long)pos);
	} else if (write && room) {
		memset(p, 0x3c, room);
	}
	ret = write ? pwrite(c->fd, p, count, pos) : pread(c->fd, p, count, pos);
	if (ret < 0)
		ret = -errno;
	c->ops++;
	if (ret != want)
		bad(c, "%s index %u off 0x%llx count %zu: %zd, want %lld",
		    write ? "pwrite" : "pread", index,
		    (unsigned long long)off_edge(size, oedge), count, ret, want);
}

static const uint64_t mmap_lens[] = { 1, PAGE - 1, PAGE, PAGE + 1 };

static void op_mmap(struct vf_ctx *c, uint32_t index, unsigned int oedge,
		    unsigned int ledge, bool shared)
{
	uint64_t size, len, off;
	uint32_t flags;
	volatile uint8_t *m;
	bool ok;

	want_region(c, index, &size, &flags);
	switch (oedge) {
	case 0:
		off = 0;
		break;
	case 1:
		off = 1;
		break;
	case 2:
		off = PAGE;
		break;
	case 3:
		off = size >= PAGE ? size - PAGE : 0;
		break;
	case 4:
		off = size;
		break;
	default:
		off = size + PAGE;
		break;
	}
	len = ledge < MT_ARRAY_SIZE(mmap_lens) ? mmap_lens[ledge] :
	      ledge == 4 ? size : ledge == 5 ? size + 1 : size + PAGE;
	if (!len)
		len = 1;
	/* BAR2, and the display region read-only (never PROT_WRITE) */
	ok = ((index == VFIO_PCI_BAR2_REGION_INDEX && c->bar2_mmap) ||
	      (index == MVGPU_VFIO_REGION_DISPLAY && c->window)) && shared &&
	     !(off % PAGE) && off < size &&
	     ((len + PAGE - 1) & ~(PAGE - 1)) <= size - off;
	if (index == MVGPU_VFIO_REGION_DISPLAY) {
		m = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 shared ? MAP_SHARED : MAP_PRIVATE, c->fd,
			 LIBMVGPU_REGION_OFFSET(index) + off);
		c->ops++;
		if (m != MAP_FAILED || errno != EINVAL)
			bad(c, "mmap index %u off 0x%llx len 0x%llx writable: %s, want EINVAL",
			    index, (unsigned long long)off,
			    (unsigned long long)len,
			    m == MAP_FAILED ? strerror(errno) : "mapped");
		if (m != MAP_FAILED)
			munmap((void *)m, len);
	}
	m = mmap(NULL, len, index == MVGPU_VFIO_REGION_DISPLAY ? PROT_READ :
		 PROT_READ | PROT_WRITE, shared ? MAP_SHARED : MAP_PRIVATE,
		 c->fd, LIBMVGPU_REGION_OFFSET(index) + off);
	c->ops++;
	if ((m != MAP_FAILED) != ok || (m == MAP_FAILED && errno != EINVAL)) {
		bad(c, "mmap index %u off 0x%llx len 0x%llx %s: %s, want %s",
		    index, (unsigned long long)off, (unsigned long long)len,
		    shared ? "shared" : "private",
		    m == MAP_FAILED ? strerror(errno) : "mapped",
		    ok ? "mapped" : "EINVAL");
	}
	if (m == MAP_FAILED)
		return;
	/* its first and last bytes are VRAM (the window: at VRAM 0) */
	(void)m[0];
	(void)m[len - 1];
	if (c->relaxed && index == VFIO_PCI_BAR2_REGION_INDEX && rnd(c, 2))
		m[len - 1] = 0x77;
	munmap((void *)m, len);
}

/* ---- the fixture: the vGPU under test and its neighbour ------------------ */

FIXTURE(vf) {
	struct mt_vgpu t, n;
	uint8_t *nmap;		/* the neighbour's VRAM */
	size_t nlen;
	bool ncopy;		/* nmap is a copy (BAR2 not mappable) */
	int nefd, efd;
	uint64_t nresets;
	uint64_t seed;
	int setup_err;
	char msg[256];
};

/*
 * Without VFIO_REGION_INFO_FLAG_MMAP on BAR2 (kernels before 6.10) the
 * neighbour's VRAM is filled and checked through the device file: nmap
 * is then an anonymous copy of it.
 */
static int neighbour_copy(FIXTURE_DATA(vf) *self)
{
	struct vfio_region_info info;
	int ret;

	ret = libmvgpu_region_info(&self->n.dev, VFIO_PCI_BAR2_REGION_INDEX,
				   &info);
	if (ret)
		return ret;
	self->nlen = info.size;
	self->nmap = mmap(NULL, self->nlen, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return 0;
}

/* With a copy: write it to the neighbour's BAR2 (out) or read it back. */
static int neighbour_sync(FIXTURE_DATA(vf) *self, bool out)
{
	ssize_t n;

	if (!self->ncopy)
		return 0;
	if (out)
		n = libmvgpu_region_write(&self->n.dev,
					  VFIO_PCI_BAR2_REGION_INDEX, 0,
					  self->nmap, self->nlen);
	else
		n = libmvgpu_region_read(&self->n.dev,
					 VFIO_PCI_BAR2_REGION_INDEX, 0,
					 self->nmap, self->nlen);
	if (n < 0)
		return (int)n;
	return (size_t)n == self->nlen ? 0 : -EIO;
}

static int vf_build(FIXTURE_DATA(vf) *self)
{
	int ret;

	snprintf(self->msg, sizeof(self->msg), "create/open");
	ret = mt_vgpu_create_open(&self->t, MT_PARENT0, TARGET);
	if (!ret)
		ret = mt_vgpu_create_open(&self->n, MT_PARENT0, MT_T18);
	if (ret)
		return ret;
	snprintf(self->msg, sizeof(self->msg), "neighbour set-up");
	self->efd = libmvgpu_eventfd();
	self->nefd = libmvgpu_eventfd();
	if (self->efd < 0 || self->nefd < 0)
		return -EMFILE;
	ret = mt_bar2_mmap(&self->n.dev);
	if (ret < 0)
		return ret;
	self->ncopy = !ret;
	ret = 0;
	if (self->ncopy)
		ret = neighbour_copy(self);
	else
		self->nmap = libmvgpu_region_mmap(&self->n.dev,
						  VFIO_PCI_BAR2_REGION_INDEX,
						  &self->nlen);
	if (ret)
		return ret;
	if (self->nmap == MAP_FAILED) {
		self->nmap = NULL;
		return -errno;
	}
	mt_pattern_fill(self->nmap, self->nlen, 0, PATTERN_SEED);
	ret = neighbour_sync(self, true);
	if (ret)
		return ret;
	ret = libmvgpu_reg_write(&self->n.dev, MVGPU_REG_SCRATCH,
				 NEIGHBOUR_SCRATCH);
	if (!ret)
		ret = libmvgpu_msi_enable(&self->n.dev, 0x0042, self->nefd);
	if (!ret)
		ret = libmvgpu_reg_write(&self->n.dev, MVGPU_REG_IRQ_MASK,
					 MVGPU_IRQ_FENCE(0));
	if (!ret)
		ret = libmvgpu_mdev_read_u64(self->n.uuid, "resets",
					     &self->nresets);
	return ret;
}

FIXTURE_SETUP(vf)
{
	const char *env = getenv("MVGPU_VFIO_FUZZ_SEED");

	mt_vgpu_init(&self->t);
	mt_vgpu_init(&self->n);
	self->nmap = NULL;
	self->efd = -1;
	self->nefd = -1;
	self->seed = env ? strtoull(env, NULL, 0) :
		     (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	self->setup_err = mt_check_state(self->msg, sizeof(self->msg));
	if (!self->setup_err)
		self->setup_err = vf_build(self);
	if (self->setup_err && !strstr(self->msg, ":")) {
		size_t l = strlen(self->msg);

		snprintf(self->msg + l, sizeof(self->msg) - l, ": %s",
			 strerror(-self->setup_err));
	}
}

/* In the parent: also when the test died, its vGPUs go. */
FIXTURE_TEARDOWN_PARENT(vf)
{
	int ret;

	if (self->t.created) {
		ret = libmvgpu_mdev_remove(self->t.uuid);
		EXPECT_EQ(0, ret) TH_LOG("remove %s: %s", self->t.uuid,
					 strerror(-ret));
	}
	if (self->n.created) {
		ret = libmvgpu_mdev_remove(self->n.uuid);
		EXPECT_EQ(0, ret) TH_LOG("remove %s: %s", self->n.uuid,
					 strerror(-ret));
	}
}

static void report(struct __test_metadata *_metadata, struct vf_ctx *c,
		   const char *who)
{
	unsigned int i;

	for (i = 0; i < c->log.bad && i < MT_ARRAY_SIZE(c->log.first); i++)
		TH_LOG("%s: %s", who, c->log.first[i]);
	if (c->log.bad > MT_ARRAY_SIZE(c->log.first))
		TH_LOG("%s: %u wrong answers in all (of %lu calls)", who,
		       c->log.bad, c->ops);
	EXPECT_EQ(0, c->log.bad);
}

/* The vGPU under test works after a reset: registers, MSI, VRAM. */
static void check_works(struct __test_metadata *_metadata,
			FIXTURE_DATA(vf) *self)
{
	static const unsigned int idx[] = {
		VFIO_PCI_INTX_IRQ_INDEX, VFIO_PCI_ERR_IRQ_INDEX,
		VFIO_PCI_REQ_IRQ_INDEX,
	};
	struct libmvgpu_dev *dev = &self->t.dev;
	uint64_t vram = mt_type_vram(TARGET);
	uint8_t out[4096], in[4096];
	uint32_t state = 0;
	size_t i;
	int ret;

	ASSERT_EQ(0, libmvgpu_reset(dev));
	ASSERT_EQ(0, libmvgpu_mig_get_state(dev, &state));
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, state);
	EXPECT_EQ(MVGPU_ID_MAGIC, libmvgpu_rd32(dev, MVGPU_REG_ID));
	ASSERT_EQ(0, libmvgpu_reg_write(dev, MVGPU_REG_SCRATCH, 0x600dcafe));
	EXPECT_EQ(0x600dcafe, libmvgpu_rd32(dev, MVGPU_REG_SCRATCH));
	/* whatever eventfds the test left: off (EINVAL where none) */
	for (i = 0; i < MT_ARRAY_SIZE(idx); i++) {
		ret = libmvgpu_irq_disable(dev, idx[i]);
		EXPECT_TRUE(ret == 0 || ret == -EINVAL);
	}
	libmvgpu_eventfd_wait(self->efd, 0, NULL);
	ASSERT_EQ(0, libmvgpu_msi_enable(dev, 0x0041, self->efd));
	ASSERT_EQ(0, libmvgpu_reg_write(dev, MVGPU_REG_IRQ_MASK,
					MVGPU_IRQ_FENCE(0)));
	ASSERT_EQ(0, libmvgpu_reg_write(dev, MVGPU_REG_IRQ_RAISE,
					MVGPU_IRQ_FENCE(0)));
	EXPECT_EQ(1, libmvgpu_eventfd_wait(self->efd, FIRE_MS, NULL));
	ASSERT_EQ(0, libmvgpu_reg_write(dev, MVGPU_REG_IRQ_ACK,
					MVGPU_IRQ_FENCE(0)));
	EXPECT_EQ(0, libmvgpu_rd32(dev, MVGPU_REG_IRQ_STATUS));
	EXPECT_EQ(0, libmvgpu_irq_disable(dev, VFIO_PCI_MSI_IRQ_INDEX));
	/* VRAM: zero after the reset, then written and read back */
	ASSERT_EQ((ssize_t)sizeof(in),
		  libmvgpu_region_read(dev, VFIO_PCI_BAR2_REGION_INDEX,
				       vram - sizeof(in), in, sizeof(in)));
	EXPECT_EQ(-1, mt_find_nonzero(in, sizeof(in)));
	mt_pattern_fill(out, sizeof(out), 0, 99);
	ASSERT_EQ((ssize_t)sizeof(out),
		  libmvgpu_region_write(dev, VFIO_PCI_BAR2_REGION_INDEX,
					vram - sizeof(out), out, sizeof(out)));
	ASSERT_EQ((ssize_t)sizeof(in),
		  libmvgpu_region_read(dev, VFIO_PCI_BAR2_REGION_INDEX,
				       vram - sizeof(in), in, sizeof(in)));
	EXPECT_EQ(0, memcmp(in, out, sizeof(in)));
}

/* The neighbour kept everything and still takes an interrupt. */
static void check_neighbour(struct __test_metadata *_metadata,
			    FIXTURE_DATA(vf) *self)
{
	struct libmvgpu_dev *dev = &self->n.dev;
	uint64_t resets = 0;
	uint32_t state = 0;

	EXPECT_EQ(NEIGHBOUR_SCRATCH, libmvgpu_rd32(dev, MVGPU_REG_SCRATCH));
	if (self->ncopy)
		memset(self->nmap, 0, self->nlen);
	ASSERT_EQ(0, neighbour_sync(self, false));
	EXPECT_EQ(-1, mt_pattern_check(self->nmap, self->nlen, 0,
				       PATTERN_SEED));
	ASSERT_EQ(0, libmvgpu_mdev_read_u64(self->n.uuid, "resets", &resets));
	EXPECT_EQ(self->nresets, resets);
	ASSERT_EQ(0, libmvgpu_mig_get_state(dev, &state));
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, state);
	/* nothing arrived on its MSI, and an interrupt of its own does */
	EXPECT_EQ(0, libmvgpu_eventfd_wait(self->nefd, 0, NULL));
	ASSERT_EQ(0, libmvgpu_reg_write(dev, MVGPU_REG_IRQ_RAISE,
					MVGPU_IRQ_FENCE(0)));
	EXPECT_EQ(1, libmvgpu_eventfd_wait(self->nefd, FIRE_MS, NULL));
	ASSERT_EQ(0, libmvgpu_reg_write(dev, MVGPU_REG_IRQ_ACK,
					MVGPU_IRQ_FENCE(0)));
}

/* A context for the single-threaded tests, or the test fails. */
#define CTX_UP(c) do { \
	int __r; \
	CHECK_SETUP(); \
	__r = ctx_init((c), &self->t.dev, mt_type_vram(TARGET), self->seed); \
	ASSERT_EQ(0, __r) TH_LOG("context: %s", strerror(-__r)); \
} while (0)

#define CTX_DOWN(c) do { \
	report(_metadata, (c), "answers"); \
	ctx_fini(c); \
	check_works(_metadata, self); \
	check_neighbour(_metadata, self); \
} while (0)

/*
 * Every SET_IRQS flag combination (three action bits, three data type
 * bits, an unknown bit or none) on every index, with each count, start
 * and argsz edge, with no eventfd attached and with one on every index.
 */
TEST_F_TIMEOUT(vf, set_irqs_matrix, 600)
{
	unsigned int ix, act, dt, ex, ci, si, ae, attached;
	struct vf_ctx c;

	CTX_UP(&c);
	for (attached = 0; attached < 2; attached++) {
		ASSERT_EQ(0, set_state(&c, attached));
		for (ix = 0; ix < MT_ARRAY_SIZE(irq_indexes); ix++)
		for (act = 0; act < 8; act++)
		for (dt = 0; dt < 8; dt++)
		for (ex = 0; ex < MT_ARRAY_SIZE(set_extra); ex++)
		for (ci = 0; ci < MT_ARRAY_SIZE(set_counts); ci++)
		for (si = 0; si < MT_ARRAY_SIZE(set_starts); si++)
		for (ae = 0; ae < MT_ARRAY_SIZE(argsz_edges); ae++)
			op_set_irqs(&c, ae, act << 3 | dt | set_extra[ex],
				    irq_indexes[ix], set_starts[si],
				    set_counts[ci], FD_EVENTFD, true);
	}
	TH_LOG("%lu calls", c.ops);
	CTX_DOWN(&c);
}

/* Each eventfd number and bool on each index, each action, both states. */
TEST_F(vf, set_irqs_payloads)
{
	static const uint32_t actions[] = { A_TRIG, A_MASK, A_UNMASK };
	unsigned int ix, a, k, attached;
	struct vf_ctx c;

	CTX_UP(&c);
	for (attached = 0; attached < 2; attached++) {
		ASSERT_EQ(0, set_state(&c, attached));
		for (ix = 0; ix < VFIO_PCI_NUM_IRQS + 1; ix++)
		for (a = 0; a < MT_ARRAY_SIZE(actions); a++) {
			for (k = 0; k < NR_FDKINDS; k++) {
				op_set_irqs(&c, 4, actions[a] | D_EFD, ix, 0, 1,
					    k, false);
				op_set_irqs(&c, 5, actions[a] | D_EFD, ix, 0, 1,
					    k, false);
			}
			op_set_irqs(&c, 4, actions[a] | D_BOOL, ix, 0, 1,
				    FD_EVENTFD, false);
			op_set_irqs(&c, 4, actions[a] | D_BOOL, ix, 0, 1,
				    FD_EVENTFD, true);
		}
		/* the header or its eventfd in the guard page: EFAULT */
		for (ix = 0; ix < VFIO_PCI_NUM_IRQS; ix++) {
			op_set_irqs_cut(&c, ix, true);
			if (ix != VFIO_PCI_MSIX_IRQ_INDEX)
				op_set_irqs_cut(&c, ix, false);
		}
	}
	CTX_DOWN(&c);
}

/*
 * GET_INFO, GET_REGION_INFO, GET_IRQ_INFO, QUERY_GFX_PLANE, RESET and
 * unknown ioctls.
 */
TEST_F(vf, info_ioctls)
{
	static const uint32_t devinfo_argsz[] = {
		0, 15, 16, 17, 20, 23, 24, 25, 4096, HUGE_ARGSZ,
	};
	unsigned int i, e;
	uint32_t ix;
	struct vf_ctx c;

	CTX_UP(&c);
	for (i = 0; i < MT_ARRAY_SIZE(devinfo_argsz); i++)
		op_get_info(&c, devinfo_argsz[i]);
	for (e = 0; e < 5; e++) {
		for (ix = 0; ix < VFIO_PCI_NUM_REGIONS + 4; ix++)
			op_region_info(&c, argsz_of(e, REGINFO_SIZE), ix);
		op_region_info(&c, argsz_of(e, REGINFO_SIZE), 0xffffffff);
		for (i = 0; i < MT_ARRAY_SIZE(irq_indexes); i++)
			op_irq_info(&c, argsz_of(e, IRQINFO_SIZE),
				    irq_indexes[i]);
	}
	for (i = 0; i < MT_ARRAY_SIZE(unknown_cmds); i++)
		op_unknown_ioctl(&c, c.fd, unknown_cmds[i]);
	/* the plane query: every flag set, plane type, argsz edge, cut */
	for (e = 0; e < 5; e++)
	for (i = 0; i < MT_ARRAY_SIZE(plane_flags); i++)
	for (ix = 0; ix < MT_ARRAY_SIZE(plane_types); ix++) {
		op_gfx_plane(&c, argsz_of(e, PLANE_MINSZ), plane_flags[i],
			     plane_types[ix], false);
		op_gfx_plane(&c, argsz_of(e, PLANE_MINSZ), plane_flags[i],
			     plane_types[ix], true);
	}
	/* RESET takes no argument and always works */
	EXPECT_EQ(0, xioctl(c.fd, VFIO_DEVICE_RESET, NULL));
	EXPECT_EQ(0, xioctl(c.fd, VFIO_DEVICE_RESET, (void *)-1));
	CTX_DOWN(&c);
}

/*
 * VFIO_DEVICE_FEATURE: every GET/SET/PROBE combination of each feature,
 * an unknown flag, the argsz edges; then the migration states and
 * VFIO_MIG_GET_PRECOPY_INFO on each kind of data file.
 */
TEST_F(vf, features)
{
	static const uint32_t fargsz[] = {
		0, 7, 8, 9, 15, 16, 17, 4096, HUGE_ARGSZ,
	};
	static const uint32_t bad_states[] = {
		VFIO_DEVICE_STATE_ERROR, 8, 100, 0xffffffff,
	};
	uint32_t ops, state = 0;
	unsigned int f, a, x, e;
	int dfd = -1;
	struct vf_ctx c;

	CTX_UP(&c);
	for (f = 0; f < MT_ARRAY_SIZE(features); f++)
	for (ops = 0; ops < 8; ops++)
	for (x = 0; x < 2; x++)
	for (a = 0; a < MT_ARRAY_SIZE(fargsz); a++)
		op_feature(&c, fargsz[a],
			   features[f] | ops << 16 | (x ? 1u << 19 : 0),
			   VFIO_DEVICE_STATE_RUNNING);
	for (x = 0; x < MT_ARRAY_SIZE(bad_states); x++)
		op_feature(&c, 16, F_SET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
			   bad_states[x]);
	if (!(c.mig_flags & VFIO_MIGRATION_PRE_COPY))
		op_feature(&c, 16, F_SET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
			   VFIO_DEVICE_STATE_PRE_COPY);
	ASSERT_EQ(0, libmvgpu_mig_get_state(c.dev, &state));
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, state);

	if (c.mig_flags & VFIO_MIGRATION_PRE_COPY) {
		ASSERT_EQ(0, libmvgpu_mig_set_state(c.dev,
						    VFIO_DEVICE_STATE_PRE_COPY,
						 &dfd));
		ASSERT_LE(0, dfd);
		for (e = 0; e < 5; e++)
			op_precopy(&c, dfd, argsz_of(e, PRECOPY_SIZE), 0);
		ASSERT_EQ(0, libmvgpu_mig_set_state(c.dev,
						    VFIO_DEVICE_STATE_PRE_COPY_P2P, NULL));
		op_precopy(&c, dfd, PRECOPY_SIZE, 0);
		ASSERT_EQ(0, libmvgpu_mig_set_state(c.dev,
						    VFIO_DEVICE_STATE_STOP_COPY, NULL));
		for (e = 0; e < 5; e++)
			op_precopy(&c, dfd, argsz_of(e, PRECOPY_SIZE), -EINVAL);
	} else {
		ASSERT_EQ(0, libmvgpu_mig_set_state(c.dev,
						    VFIO_DEVICE_STATE_STOP_COPY,
						 &dfd));
		ASSERT_LE(0, dfd);
		op_precopy(&c, dfd, PRECOPY_SIZE, -EINVAL);
	}
	for (x = 0; x < NR_UNKNOWN_DATA; x++)
		op_unknown_ioctl(&c, dfd, unknown_cmds[x]);
	ASSERT_EQ(0, libmvgpu_mig_set_state(c.dev, VFIO_DEVICE_STATE_STOP, NULL));
	/* the session ended */
	op_precopy(&c, dfd, PRECOPY_SIZE, -EINVAL);
	close(dfd);
	ASSERT_EQ(0, libmvgpu_mig_set_state(c.dev, VFIO_DEVICE_STATE_RESUMING,
					    &dfd));
	ASSERT_LE(0, dfd);
	for (e = 0; e < 5; e++)
		op_precopy(&c, dfd, argsz_of(e, PRECOPY_SIZE), -ENOTTY);
	/* an empty stream is incomplete: the vGPU stays in RESUMING */
	EXPECT_EQ(-EINVAL, libmvgpu_mig_set_state(c.dev, VFIO_DEVICE_STATE_STOP,
						  NULL));
	ASSERT_EQ(0, libmvgpu_mig_get_state(c.dev, &state));
	EXPECT_EQ(VFIO_DEVICE_STATE_RESUMING, state);
	close(dfd);
	CTX_DOWN(&c);
}

/* Reads and writes at each region's edges, of 0, 1, 3, 4, 8 and huge sizes. */
TEST_F_TIMEOUT(vf, region_rw, 300)
{
	unsigned int i, e, s, w;
	struct vf_ctx c;

	CTX_UP(&c);
	for (w = 0; w < 2; w++)
	for (i = 0; i < MT_ARRAY_SIZE(rw_indexes); i++)
	for (e = 0; e < 8; e++)
	for (s = 0; s < MT_ARRAY_SIZE(rw_sizes); s++)
		op_rw(&c, w, rw_indexes[i], e, rw_sizes[s]);
	CTX_DOWN(&c);
}

/*
 * mmap at odd offsets and lengths around BAR2 and the display region, and
 * of other regions.
 */
TEST_F(vf, mmap_edges)
{
	static const uint32_t idx[] = { 0, 1, 2, 6, 7, 8, 9, 10, 11 };
	unsigned int i, o, l, s;
	struct vf_ctx c;

	CTX_UP(&c);
	for (i = 0; i < MT_ARRAY_SIZE(idx); i++)
	for (o = 0; o < 6; o++)
	for (l = 0; l < 7; l++)
	for (s = 0; s < 2; s++)
		op_mmap(&c, idx[i], o, l, s);
	CTX_DOWN(&c);
}

/* ---- concurrent ---------------------------------------------------------- */

struct vf_shared {
	volatile int stop;
	int exp_cap;		/* PCI Express capability of the vGPU */
	unsigned long resets, moves, raises;
};

struct vf_thread {
	pthread_t tid;
	struct vf_ctx c;
	struct vf_shared *sh;
};

static enum fdkind rnd_fdkind(struct vf_ctx *c)
{
	return rnd(c, NR_FDKINDS);
}

/* One random call from the matrices above. */
static void fuzz_one(struct vf_ctx *c)
{
	uint32_t flags, state;

	switch (rnd(c, 12)) {
	case 0:
	case 1:
	case 2:
		/* SET_IRQS, valid actions and types more often */
		flags = rnd(c, 4) ? (rnd(c, 2) ? A_TRIG : rnd(c, 2) ?
				     A_MASK : A_UNMASK) : rnd(c, 8) << 3;
		flags |= rnd(c, 4) ? 1u << rnd(c, 3) : rnd(c, 8);
		if (!rnd(c, 8))
			flags |= set_extra[rnd(c, 3)];
		op_set_irqs(c, rnd(c, MT_ARRAY_SIZE(argsz_edges)), flags,
			    rnd(c, 4) ? rnd(c, 5) :
			    irq_indexes[rnd(c, MT_ARRAY_SIZE(irq_indexes))],
			    rnd(c, 4) ? 0 : set_starts[rnd(c, 3)],
			    rnd(c, 4) ? rnd(c, 2) : set_counts[rnd(c, 4)],
			    rnd_fdkind(c), rnd(c, 2));
		break;
	case 3:
		switch (rnd(c, 4)) {
		case 3:
			op_gfx_plane(c, argsz_of(rnd(c, 5), PLANE_MINSZ),
				     plane_flags[rnd(c, MT_ARRAY_SIZE(plane_flags))],
				     plane_types[rnd(c, MT_ARRAY_SIZE(plane_types))],
				     !rnd(c, 16));
			break;
		case 0:
			op_get_info(c, argsz_of(rnd(c, 5), c->devinfo_size));
			break;
		case 1:
			op_region_info(c, argsz_of(rnd(c, 5), REGINFO_SIZE),
				       rnd(c, 8) ? rnd(c, 12) : 0xffffffff);
			break;
		default:
			op_irq_info(c, argsz_of(rnd(c, 5), IRQINFO_SIZE),
				    irq_indexes[rnd(c,
						MT_ARRAY_SIZE(irq_indexes))]);
			break;
		}
		break;
	case 4:
	case 5:
		/* a state change now and then, mostly GETs and PROBEs */
		state = rnd(c, 9);
		flags = features[rnd(c, 4) ? rnd(c, 3) :
				 rnd(c, MT_ARRAY_SIZE(features))];
		flags |= (rnd(c, 4) ? (rnd(c, 8) ? F_GET : F_SET) :
			  rnd(c, 8) << 16);
		op_feature(c, rnd(c, 4) ? 16 : argsz_of(rnd(c, 5), 16),
			   flags, state);
		break;
	case 6:
		op_unknown_ioctl(c, c->fd,
				 unknown_cmds[rnd(c, MT_ARRAY_SIZE(unknown_cmds))]);
		break;
	case 7:
	case 8:
	case 9:
		op_rw(c, rnd(c, 2), rw_indexes[rnd(c, 4) ? rnd(c, 8) :
			    rnd(c, MT_ARRAY_SIZE(rw_indexes))],
		      rnd(c, 8), rw_sizes[rnd(c, 16) ? rnd(c, 5) : 5]);
		break;
	case 10:
		op_mmap(c, rnd(c, 4) ? 2 : rnd(c, 12), rnd(c, 6), rnd(c, 7),
			rnd(c, 4));
		break;
	default:
		if (!rnd(c, 16) && xioctl(c->fd, VFIO_DEVICE_RESET, NULL))
			bad(c, "RESET: %d", -errno);
		break;
	}
}

static void *fuzz_thread(void *arg)
{
	struct vf_thread *t = arg;
	unsigned int i;

	for (i = 0; i < THREAD_OPS; i++)
		fuzz_one(&t->c);
	return NULL;
}

/* Resets, and migration states with their data files, until stopped. */
static void *chaos_thread(void *arg)
{
	static const uint32_t states[] = {
		VFIO_DEVICE_STATE_RUNNING, VFIO_DEVICE_STATE_STOP,
		VFIO_DEVICE_STATE_RUNNING_P2P, VFIO_DEVICE_STATE_STOP_COPY,
		VFIO_DEVICE_STATE_RESUMING, VFIO_DEVICE_STATE_PRE_COPY,
		VFIO_DEVICE_STATE_PRE_COPY_P2P,
	};
	struct vf_thread *t = arg;
	struct vf_ctx *c = &t->c;
	uint32_t st;
	int ret, dfd;

	while (!t->sh->stop) {
		switch (rnd(c, 6)) {
		case 0:
			/* the three kinds of reset */
			switch (rnd(c, 3)) {
			case 0:
				ret = xioctl(c->fd, VFIO_DEVICE_RESET, NULL);
				break;
			case 1:
				ret = libmvgpu_cfg_write16(c->dev, t->sh->exp_cap +
							PCI_EXP_DEVCTL,
							PCI_EXP_DEVCTL_BCR_FLR);
				break;
			default:
				ret = libmvgpu_reg_write(c->dev, MVGPU_REG_RESET,
							 MVGPU_RESET_MAGIC);
				break;
			}
			if (ret)
				bad(c, "reset: %d", ret);
			t->sh->resets++;
			break;
		case 1:
		case 2:
			/* interrupts raised while others attach and detach */
			ret = libmvgpu_reg_write(c->dev, MVGPU_REG_IRQ_MASK,
						 (uint32_t)libmvgpu_rand64(&c->rng));
			if (!ret)
				ret = libmvgpu_reg_write(c->dev,
							 MVGPU_REG_IRQ_RAISE,
						      (uint32_t)libmvgpu_rand64(&c->rng));
			if (!ret && rnd(c, 2))
				ret = libmvgpu_reg_write(c->dev, MVGPU_REG_IRQ_ACK,
							 (uint32_t)libmvgpu_rand64(&c->rng));
			if (ret)
				bad(c, "IRQ registers: %d", ret);
			t->sh->raises++;
			break;
		default:
			st = states[rnd(c, MT_ARRAY_SIZE(states))];
			if (!state_valid(c, st))
				st = VFIO_DEVICE_STATE_STOP;
			ret = libmvgpu_mig_set_state(c->dev, st, &dfd);
			if (ret && ret != -EINVAL)
				bad(c, "MIG_DEVICE_STATE SET %u: %d", st, ret);
			if (!ret)
				t->sh->moves++;
			if (dfd >= 0) {
				data_fd_ops(c, dfd, st);
				close(dfd);
			}
			break;
		}
		usleep(rnd(c, CHAOS_SLEEP_US));
	}
	return NULL;
}

/*
 * Four threads call the device at random from the matrices while a fifth
 * resets it and moves it between migration states.
 */
TEST_F_TIMEOUT(vf, concurrent, 600)
{
	struct vf_thread th[NR_THREADS + 1];
	struct vf_shared sh = { 0 };
	struct timespec t0, t1;
	unsigned long ops = 0;
	unsigned int i;
	int ret;

	CHECK_SETUP();
	sh.exp_cap = libmvgpu_cfg_find_cap(&self->t.dev, PCI_CAP_ID_EXP);
	ASSERT_LT(0, sh.exp_cap);
	TH_LOG("seed %llu (MVGPU_VFIO_FUZZ_SEED=%llu replays each thread's calls)",
	       (unsigned long long)self->seed,
	       (unsigned long long)self->seed);
	for (i = 0; i <= NR_THREADS; i++) {
		ret = ctx_init(&th[i].c, &self->t.dev, mt_type_vram(TARGET),
			       self->seed * 0x9e3779b97f4a7c15ull + i);
		ASSERT_EQ(0, ret) TH_LOG("context: %s", strerror(-ret));
		th[i].c.relaxed = true;
		th[i].sh = &sh;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(0, pthread_create(&th[NR_THREADS].tid, NULL, chaos_thread,
				    &th[NR_THREADS]));
	for (i = 0; i < NR_THREADS; i++)
		ASSERT_EQ(0, pthread_create(&th[i].tid, NULL, fuzz_thread,
					    &th[i]));
	for (i = 0; i < NR_THREADS; i++)
		pthread_join(th[i].tid, NULL);
	sh.stop = 1;
	pthread_join(th[NR_THREADS].tid, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (i = 0; i <= NR_THREADS; i++) {
		char who[16];

		snprintf(who, sizeof(who), i < NR_THREADS ? "thread %u" :
			 "chaos", i);
		report(_metadata, &th[i].c, who);
		ops += th[i].c.ops;
		ctx_fini(&th[i].c);
	}
	TH_LOG("%lu calls, %lu resets, %lu state changes, %lu raises in %.1f s",
	       ops, sh.resets, sh.moves, sh.raises,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	check_works(_metadata, self);
	check_neighbour(_metadata, self);
}

TEST_HARNESS_MAIN

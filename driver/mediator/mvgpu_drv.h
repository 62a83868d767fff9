/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvgpu mediator: internal data structures shared by its files.
 */
#ifndef _MVGPU_DRV_H
#define _MVGPU_DRV_H

#include "../compat/compat.h"
#include <linux/device.h>
#include <linux/eventfd.h>
#include <linux/maple_tree.h>
#include <linux/mdev.h>
#include <linux/mutex.h>
#include <linux/vfio.h>
#include <linux/workqueue.h>
#include <mvgpu/backend.h>
#include <uapi/linux/mvgpu.h>

#define MVGPU_NR_TYPES		7
/* VRAM is handed out in units of 1/64 of a GPU; a type takes 2^n of them. */
#define MVGPU_VRAM_UNITS	64
#define MVGPU_CFG_SIZE		256
#define MVGPU_MAX_ENGINES	4
#define MVGPU_WEIGHT_MAX	64
#define MVGPU_TIMESLICE_US	2000
/* Utilization is measured over the last second in ten steps. */
#define MVGPU_UTIL_SLOTS	11
#define MVGPU_UTIL_STEP_MS	100

/* Priority classes of a vGPU; a higher one preempts a lower one. */
enum mvgpu_prio {
	MVGPU_PRIO_LOW,
	MVGPU_PRIO_NORMAL,
	MVGPU_PRIO_HIGH,
	MVGPU_NR_PRIOS,
};

/* Offsets of vfio regions in the device fd, as vfio-pci lays them out. */
#define MVGPU_REGION_SHIFT	40
#define MVGPU_REGION_INDEX(pos)	((pos) >> MVGPU_REGION_SHIFT)
#define MVGPU_REGION_OFFSET(pos) ((pos) & ((1ULL << MVGPU_REGION_SHIFT) - 1))
#define MVGPU_REGION_BASE(idx)	((u64)(idx) << MVGPU_REGION_SHIFT)

/**
 * struct mvgpu_type_desc - a vGPU type, the same on every physical GPU
 * @sysfs_name: suffix of the mdev type directory ("1_8" -> mvgpu-1_8)
 * @pretty_name: the type's ``name`` attribute
 * @units: VRAM units (64ths of the GPU) an instance takes
 * @weight: default scheduling weight (1..64; its units)
 * @contexts: hardware contexts an instance implements
 */
struct mvgpu_type_desc {
	const char *sysfs_name;
	const char *pretty_name;
	unsigned int units;
	unsigned int weight;
	unsigned int contexts;
};

struct mvgpu_gpu;
struct mvgpu_vgpu;
struct mvgpu_sched_policy_ops;

/**
 * struct mvgpu_engine - the scheduler's view of one physical engine
 * @gpu: the GPU it belongs to
 * @index: engine number, as the backend counts them
 * @thread: the kthread feeding the engine
 * @last_vgpu: id of the vGPU whose context ran last (engine thread only)
 * @last_ctx: that context's index (engine thread only)
 * @running: the vGPU whose context it runs, or NULL (sched.lock)
 * @stop: set to make the backend stop the running context at its next
 *	chunk boundary, for a vGPU of a higher priority class
 */
struct mvgpu_engine {
	struct mvgpu_gpu *gpu;
	unsigned int index;
	struct task_struct *thread;
	u64 last_vgpu;
	unsigned int last_ctx;
	struct mvgpu_vgpu *running;
	atomic_t stop;
};

/**
 * struct mvgpu_sched - time slicing of a GPU's engines
 * @lock: protects @vgpus, @min_vruntime, @sample_idx, @sample_ns, the
 *	engines' @running and the struct mvgpu_sched_data of every vGPU on
 *	@vgpus (but for the knobs, see there)
 * @vgpus: open vGPUs of this GPU
 * @min_vruntime: per priority class, lower bound of the virtual time of
 *	its busy vGPUs
 * @work_wq: engine threads wait here for work
 * @idle_wq: a vGPU leaving the scheduler waits here for its engine run
 * @timeslice_us: engine time a context gets before another may run
 *	(READ_ONCE(); mvgpu_sched_set_timeslice() writes it)
 * @policy: the GPU's policy (READ_ONCE(); mvgpu_sched_set_policy()
 *	writes it)
 * @sample_work: samples the vGPUs' engine time for their utilization
 * @sample_idx: slot of the last sample
 * @sample_ns: clock of each sample slot
 * @engines: one per physical engine
 */
struct mvgpu_sched {
	/* protects vgpus, min_vruntime, samples and the vGPUs' sched data */
	spinlock_t lock;
	struct list_head vgpus;
	u64 min_vruntime[MVGPU_NR_PRIOS];
	wait_queue_head_t work_wq;
	wait_queue_head_t idle_wq;
	unsigned int timeslice_us;
	const struct mvgpu_sched_policy_ops *policy;
	struct delayed_work sample_work;
	unsigned int sample_idx;
	u64 sample_ns[MVGPU_UTIL_SLOTS];
	struct mvgpu_engine engines[MVGPU_MAX_ENGINES];
};

/**
 * struct mvgpu_shadow - shadow page table of one context
 * @pt: the backend's table the engine runs on
 * @root: guest root GPA the shadow was built from
 * @pinned: GPU page number -> pinned GPA page (xa_mk_value()), for
 *	every shadow entry that holds a pinned guest page
 * @entries: entries @pt holds, as last counted into stats.shadow_entries
 * @last_fill: GPU VA of the 2 MiB region filled last, plus one; 0 after
 *	an invalidation. A miss there again is the guest's fault.
 * @limited: a translation of the guest's tables was left out of the
 *	shadow because the vGPU reached its shadow cap; an access there
 *	faults with MVGPU_FAULT_SHADOW_LIMIT (read by the fault diagnosis
 *	with READ_ONCE())
 * @inv_seq: bumped by every invalidation and drop: a fill that read the
 *	guest's tables before one installs nothing
 * @fill_va: GPU VA of the engine's last miss, for the fill worker
 * @fill_root: the context's PT_ROOT when the engine missed
 * @fill_gen: the vGPU's reset generation when the engine missed
 */
struct mvgpu_shadow {
	struct mvgpu_pt *pt;
	u64 root;
	struct xarray pinned;
	unsigned long entries;
	u64 last_fill;
	bool limited;
	unsigned int inv_seq;
	u64 fill_va;
	u64 fill_root;
	unsigned int fill_gen;
};

struct mvgpu_fill_plan;

/**
 * struct mvgpu_dirty_range - a GPA range the VMM started DMA logging for
 * @start: first byte
 * @last: last byte
 */
struct mvgpu_dirty_range {
	u64 start;
	u64 last;
};

/**
 * struct mvgpu_dirty - device DMA logging (dirty_log.c's own)
 * @lock: protects @overflow, @pages, @nr_groups, @ranges and @nr_ranges,
 *	and @logging with shadow_lock; taken after shadow_lock, never
 *	held across anything that waits for the VMM
 * @logging: DMA_LOGGING_START succeeded and no STOP, reset or close came
 *	since; written under shadow_lock and @lock, so either suffices to
 *	read it
 * @overflow: a write could not be recorded (the cap, or no memory):
 *	every page of the ranges reports dirty until logging stops
 * @pages: guest page number / 32 -> bitmask of its 32 pages written
 *	and not reported yet (xa_mk_value())
 * @nr_groups: entries in @pages
 * @ranges: the started ranges, sorted, not overlapping
 * @nr_ranges: entries in @ranges
 */
struct mvgpu_dirty {
	/* protects the members below (@logging with shadow_lock) */
	struct mutex lock;
	bool logging;
	bool overflow;
	struct xarray pages;
	unsigned long nr_groups;
	struct mvgpu_dirty_range *ranges;
	unsigned int nr_ranges;
};

/**
 * struct mvgpu_sched_data - one vGPU's scheduling state
 * @weight: scheduling weight, 1..64 (atomic_t: read without sched.lock)
 * @cap_pct: most engine time it may use, percent of the GPU's; 0 for no
 *	cap (READ_ONCE())
 * @prio: enum mvgpu_prio (written under sched.lock, read with READ_ONCE())
 * @node: entry in the GPU scheduler's list (sched.lock)
 * @running: an engine is running one of its contexts (sched.lock)
 * @frozen: its contexts must not run: it is stopped for migration
 *	(sched.lock)
 * @vruntime: weighted engine time received (sched.lock)
 * @next_ctx: where round-robin among its contexts resumes (sched.lock)
 * @budget_ns: engine time its cap still allows (sched.lock)
 * @budget_at: when @budget_ns was last refilled (sched.lock)
 * @cap_held: at the last pick it had a context ready to run and only its
 *	cap held it back: the time since then is owed to it (sched.lock)
 * @busy_hist: its busy_ns at each utilization sample (sched.lock)
 * @util_permille: engine time used over the last second, per mille of one
 *	engine (READ_ONCE())
 *
 * Private to the scheduler: sched.c (the mechanism: @node, @running,
 * @frozen, and the defaults of a new vGPU in mvgpu_sched_vgpu_init()) and
 * sched_policy.c (the rest). Other files change the knobs
 * (@weight, @cap_pct, @prio) only with mvgpu_sched_set_weight(),
 * mvgpu_sched_set_cap() and mvgpu_sched_set_prio(), and read them and
 * @util_permille with the mvgpu_sched_get_*() functions.
 */
struct mvgpu_sched_data {
	atomic_t weight;
	unsigned int cap_pct;
	unsigned int prio;
	struct list_head node;
	bool running;
	bool frozen;
	u64 vruntime;
	unsigned int next_ctx;
	s64 budget_ns;
	u64 budget_at;
	bool cap_held;
	u64 busy_hist[MVGPU_UTIL_SLOTS];
	unsigned int util_permille;
};

/**
 * struct mvgpu_gpu_type - a vGPU type offered on one physical GPU
 * @mtype: the mdev core's view (one kobject per parent and type)
 * @desc: the type's constant description
 * @gpu: the physical GPU offering it
 */
struct mvgpu_gpu_type {
	struct mdev_type mtype;
	const struct mvgpu_type_desc *desc;
	struct mvgpu_gpu *gpu;
};

/**
 * struct mvgpu_gpu - one physical GPU as the mediator manages it
 * @dev: class device /sys/class/mvgpu/mvgpuN, the mdev parent
 * @parent: mdev parent state
 * @id: N of mvgpuN
 * @info: what the backend told us about the GPU
 * @ops: backend operations
 * @priv: backend cookie passed to @ops
 * @types: the vGPU types offered on this GPU
 * @mdev_types: pointers to @types[i].mtype, as mdev wants them
 * @lock: protects @unit_map and @nr_instances
 * @unit_map: bit n set when VRAM unit n belongs to a vGPU
 * @nr_instances: vGPUs created on this GPU
 * @sched: the engines' scheduler
 */
struct mvgpu_gpu {
	struct device dev;
	struct mdev_parent parent;
	int id;
	struct mvgpu_gpu_info info;
	const struct mvgpu_backend_ops *ops;
	void *priv;
	struct mvgpu_gpu_type types[MVGPU_NR_TYPES];
	struct mdev_type *mdev_types[MVGPU_NR_TYPES];
	/* protects unit_map and nr_instances */
	struct mutex lock;
	unsigned long unit_map;
	unsigned int nr_instances;
	struct mvgpu_sched sched;
};

/**
 * struct mvgpu_ctx_regs - register state of one vGPU context
 * @pt_root: GPA of the root page table
 * @ring_base: GPU VA of the ring
 * @ring_size: ring bytes
 * @ring_head: bytes consumed, modulo @ring_size
 * @ring_tail: bytes submitted, modulo @ring_size
 * @control: MVGPU_CTX_CONTROL_* bits
 * @status: MVGPU_CTX_STATUS_* bits
 * @fence: last fence value signalled
 * @fault_reason: MVGPU_FAULT_* of the pending fault
 * @fault_addr: address of the pending fault
 * @tlb_inv_addr: start of the next TLB invalidation
 * @tlb_inv_size: bytes of the next TLB invalidation, 0 = all
 * @exec_progress: engine's progress in the command at the head (hidden)
 * @exec_partial: engine's intermediate state of that command (hidden)
 */
struct mvgpu_ctx_regs {
	u64 pt_root;
	u64 ring_base;
	u32 ring_size;
	u32 ring_head;
	u32 ring_tail;
	u32 control;
	u32 status;
	u64 fence;
	u32 fault_reason;
	u64 fault_addr;
	u64 tlb_inv_addr;
	u64 tlb_inv_size;
	u64 exec_progress;
	u64 exec_partial;
};

/**
 * struct mvgpu_irq - interrupt delivery state of one vGPU
 * @intx: INTx trigger eventfd, or NULL
 * @msi: MSI trigger eventfd, or NULL
 * @err: error-reporting eventfd, or NULL
 * @req: device-request eventfd, or NULL
 * @intx_masked: INTx masked by the user (or automasked on delivery)
 * @asserted: the device's interrupt condition as last evaluated
 */
struct mvgpu_irq {
	struct eventfd_ctx *intx;
	struct eventfd_ctx *msi;
	struct eventfd_ctx *err;
	struct eventfd_ctx *req;
	bool intx_masked;
	bool asserted;
};

/**
 * struct mvgpu_stats - live counters of one vGPU, shown in sysfs
 * @busy_ns: engine time used
 * @commands: commands executed
 * @faults: GPU faults raised
 * @context_switches: times one of its contexts was loaded on an engine
 * @resets: resets of any kind
 * @pinned_pages: guest pages pinned right now
 * @shadow_entries: entries of its shadow page tables right now (all
 *	contexts), what their host memory grows with
 * @shadow_fills: 2 MiB regions filled into its shadow on an engine's miss
 * @preemptions: times its running context was stopped early for a vGPU
 *	of a higher priority class
 * @mig_precopy_rounds: passes over the VRAM written since it was sent,
 *	in the last migration that saved this vGPU
 * @mig_stop_copy_bytes: bytes that migration sent after STOP_COPY began
 * @mig_stop_copy_ns: time from STOP_COPY to the end of its stream
 */
struct mvgpu_stats {
	atomic64_t busy_ns;
	atomic64_t commands;
	atomic64_t faults;
	atomic64_t context_switches;
	atomic64_t resets;
	atomic64_t pinned_pages;
	atomic64_t shadow_entries;
	atomic64_t shadow_fills;
	atomic64_t preemptions;
	atomic64_t mig_precopy_rounds;
	atomic64_t mig_stop_copy_bytes;
	atomic64_t mig_stop_copy_ns;
};

struct mvgpu_mig_file;

/**
 * struct mvgpu_mig - live-migration state of one vGPU (migration.c; dirty
 *	tracking, @tracking and the bits of @dirty, mig_save.c)
 * @lock: protects @state, @saving and @resuming; taken before the
 *	files' locks and before the vGPU's @lock
 * @state: the VFIO migration state
 * @saving: data file of the saving states (PRE_COPY*, STOP_COPY)
 * @resuming: data file of RESUMING
 * @tracking: VRAM writes through the BAR2 region and its mappings are
 *	recorded in @dirty (READ_ONCE(); set by mvgpu_mig_tracking() only)
 * @dirty: bit n set when VRAM page n was written through BAR2 since the
 *	saving file last looked (atomic bitops; one bit per 4 KiB page)
 */
struct mvgpu_mig {
	/* protects state, saving and resuming */
	struct mutex lock;
	enum vfio_device_mig_state state;
	struct mvgpu_mig_file *saving;
	struct mvgpu_mig_file *resuming;
	bool tracking;
	unsigned long *dirty;
};

/**
 * struct mvgpu_disp_plane - a plane of the display head
 * @base: VRAM offset of its first pixel
 * @format: DRM fourcc
 * @width: pixels
 * @height: lines
 * @stride: bytes per line
 */
struct mvgpu_disp_plane {
	u64 base;
	u32 format;
	u32 width;
	u32 height;
	u32 stride;
};

/**
 * struct mvgpu_display - the display head of a vGPU (display.c's own)
 * @lock: protects @shown and @shown_active, what the VMM sees; taken
 *	before the vGPU's @lock (mvgpu_display_sync() only), by the display
 *	window's fault handler (under mmap_lock) and by the plane query;
 *	never taken by anyone holding the vGPU's @lock
 * @max_width: widest plane, 0 for no display (constant)
 * @max_height: tallest plane (constant)
 * @window: bytes of the display region (constant)
 * @prog: the programmed plane, DISP_FB_* (vGPU @lock)
 * @control: DISP_CONTROL (vGPU @lock)
 * @error: DISP_ERROR (vGPU @lock)
 * @active: a plane is scanned out (vGPU @lock)
 * @scan: the plane scanned out, or last scanned out (vGPU @lock)
 * @shown_active: @active as the VMM sees it (@lock)
 * @shown: @scan as the VMM sees it; its base is the display window's
 *	(@lock)
 * @irq_status: DISP_IRQ_STATUS (vGPU @lock)
 * @irq_mask: DISP_IRQ_MASK (vGPU @lock)
 * @connected: the monitor is connected (vGPU @lock)
 * @edid_size: bytes of @edid the guest sees (vGPU @lock)
 * @edid: the monitor's EDID as the guest sees it (vGPU @lock)
 * @region_edid_size: edid_size of the EDID region (vGPU @lock)
 * @link_state: link_state of the EDID region (vGPU @lock)
 * @region_edid: the EDID bytes of the EDID region (vGPU @lock)
 * @vblank_work: raises the vblank interrupt, 60 times a second of the
 *	device's clock while the guest has it enabled and a plane is active
 *	(not while the vGPU is stopped for migration)
 */
struct mvgpu_display {
	/* protects shown and shown_active; taken before the vGPU's lock */
	struct mutex lock;
	u32 max_width;
	u32 max_height;
	u64 window;
	struct mvgpu_disp_plane prog;
	u32 control;
	u32 error;
	bool active;
	struct mvgpu_disp_plane scan;
	bool shown_active;
	struct mvgpu_disp_plane shown;
	u32 irq_status;
	u32 irq_mask;
	bool connected;
	u32 edid_size;
	u8 edid[MVGPU_DISP_EDID_MAX];
	u32 region_edid_size;
	u32 link_state;
	u8 region_edid[MVGPU_DISP_EDID_MAX];
	struct delayed_work vblank_work;
};

/**
 * struct mvgpu_vgpu - one vGPU instance (an mdev and its vfio device)
 * @vdev: the vfio device; its refcount owns this structure
 * @id: unique number of this vGPU (never reused while loaded)
 * @mdev: the mdev device it was created as
 * @gpu: physical GPU it runs on
 * @type: its type
 * @first_unit: first VRAM unit of its slice
 * @vram_offset: physical VRAM offset of its slice
 * @vram_size: bytes of its slice
 * @stats: live counters
 * @lock: protects @cfg, @cfg_wmask, @regs, @ctx, @irq and @ts_base
 * @cfg: PCI configuration space as the guest sees it
 * @cfg_wmask: writable bits of @cfg
 * @regs_irq_status: IRQ_STATUS (written in irq.c only)
 * @regs_irq_mask: IRQ_MASK (written in irq.c only)
 * @regs_scratch: SCRATCH (ctx.c)
 * @regs_ts_hi: TIMESTAMP_HI latched by the last TIMESTAMP_LO read (ctx.c)
 * @ts_base: clock value that reads as timestamp 0 (ctx.c)
 * @ctx: per-context registers (written in ctx.c only)
 * @irq: interrupt delivery
 * @gen: reset generation; written under @lock (ctx.c: a reset, a
 *	migration load), read with READ_ONCE() to discard engine results and
 *	shadow work that a reset overtook
 * @reset_pending: resets begun under @lock whose slow part (shadows,
 *	mappings, VRAM) mvgpu_vgpu_unlock() still has to do (@lock)
 * @runnable: bit n set while context n has work (atomic bitops, written
 *	under @lock, in ctx.c only)
 * @waiting: bit n set while context n waits on a WAIT command (ctx.c
 *	only; the scheduler's poll clears them with mvgpu_ctx_retry_waiting())
 * @filling: bit n set while context n waits for the fill worker (atomic
 *	bitops, shadow_fill.c only: set through mvgpu_shadow_request_fill()
 *	by an engine under @shadow_lock, cleared by the worker and by
 *	mvgpu_shadow_fill_forget() at a reset or load)
 * @shadow_lock: protects @shadow and the backend tables in it; an engine
 *	holds it while it runs one of this vGPU's contexts. Taken after @lock
 *	and after @pin_lock when those are needed, never the other way round,
 *	and never held across a call into vfio, so that every wait for it is
 *	bounded. Shadow work takes it with mvgpu_shadow_lock(), engines only
 *	with mutex_trylock().
 * @shadow_busy: threads in shadow work or in the slow part of a reset of
 *	this vGPU; while non-zero the scheduler passes the vGPU over, so that
 *	however long that work takes, no engine waits for it and the other
 *	vGPUs run on
 * @pin_lock: serialises everything that pins or unpins this vGPU's guest
 *	pages or reads its guest memory for the shadow (the fill worker,
 *	unpinning, dma_unmap), and protects @dead, @pins_blocked and
 *	@fill_plan. Held across vfio_pin_pages(), vfio_unpin_pages() and
 *	vfio_dma_rw(), which wait for locks of the VMM's container: never
 *	taken by an engine, nor while holding @lock or @shadow_lock
 * @dead: GPA ranges (maple tree) whose unmap began: no page of them is
 *	pinned again until vfio no longer knows them
 *	(mvgpu_shadow_dma_unmap())
 * @nr_dead: ranges in @dead
 * @pins_blocked: a range could not be recorded in @dead (no memory, or
 *	too many): nothing is pinned until the vGPU is opened again
 * @fill_plan: the fill worker's scratch space
 * @fill_work: fills the shadow where an engine missed, off the engine
 * @fill_ns: time the fill worker spent for this vGPU that the scheduler
 *	has not charged to it yet
 * @shadow: per-context shadow page tables
 * @dirty: device DMA logging: guest pages the engines wrote
 * @display: the display head
 * @sched: scheduling state and knobs, the scheduler's own
 * @mig: live-migration state
 */
struct mvgpu_vgpu {
	struct vfio_device vdev;
	u64 id;
	struct mdev_device *mdev;
	struct mvgpu_gpu *gpu;
	const struct mvgpu_type_desc *type;
	unsigned int first_unit;
	u64 vram_offset;
	u64 vram_size;
	struct mvgpu_stats stats;

	/* protects cfg, cfg_wmask, regs_*, ts_base, ctx and irq */
	struct mutex lock;
	u8 cfg[MVGPU_CFG_SIZE];
	u8 cfg_wmask[MVGPU_CFG_SIZE];
	u32 regs_irq_status;
	u32 regs_irq_mask;
	u32 regs_scratch;
	u32 regs_ts_hi;
	u64 ts_base;
	struct mvgpu_ctx_regs ctx[MVGPU_MAX_CONTEXTS];
	struct mvgpu_irq irq;
	unsigned int gen;
	unsigned int reset_pending;
	unsigned long runnable;
	unsigned long waiting;
	unsigned long filling;

	/* protects shadow[]; held by an engine running this vGPU */
	struct mutex shadow_lock;
	atomic_t shadow_busy;
	/* serialises pinning, unpinning and guest reads; protects dead */
	struct mutex pin_lock;
	struct maple_tree dead;
	unsigned int nr_dead;
	bool pins_blocked;
	struct mvgpu_fill_plan *fill_plan;
	struct work_struct fill_work;
	atomic64_t fill_ns;
	struct mvgpu_shadow shadow[MVGPU_MAX_CONTEXTS];
	struct mvgpu_dirty dirty;
	struct mvgpu_display display;

	struct mvgpu_sched_data sched;

	struct mvgpu_mig mig;
};

/* A write of the low or high half of a 64-bit register (BAR0's _LO/_HI). */
static inline void mvgpu_set_lo32(u64 *reg, u32 val)
{
	*reg = (*reg & GENMASK_ULL(63, 32)) | val;
}

static inline void mvgpu_set_hi32(u64 *reg, u32 val)
{
	*reg = (*reg & GENMASK_ULL(31, 0)) | ((u64)val << 32);
}

static inline struct mvgpu_vgpu *vdev_to_vgpu(struct vfio_device *vdev)
{
	return container_of(vdev, struct mvgpu_vgpu, vdev);
}

extern const struct mvgpu_type_desc mvgpu_type_descs[MVGPU_NR_TYPES];
extern struct mdev_driver mvgpu_mdev_driver;
extern const struct attribute_group *mvgpu_gpu_groups[];
extern const struct attribute_group *mvgpu_vgpu_groups[];
extern unsigned int mvgpu_vendor_id;
extern unsigned int mvgpu_device_id;
extern u64 mvgpu_max_pinned_pages;
u64 mvgpu_max_shadow_entries(void);

/* gpu.c */
int mvgpu_vram_alloc(struct mvgpu_gpu *gpu, unsigned int units,
		     unsigned int *first_unit);
void mvgpu_vram_free(struct mvgpu_gpu *gpu, unsigned int first_unit,
		     unsigned int units);
u64 mvgpu_unit_size(const struct mvgpu_gpu *gpu);
unsigned int mvgpu_type_get_available(struct mdev_type *mtype);
ssize_t mvgpu_type_show_description(struct mdev_type *mtype, char *buf);

/* cfg.c */
void mvgpu_cfg_init(struct mvgpu_vgpu *vgpu);
void mvgpu_cfg_read(struct mvgpu_vgpu *vgpu, unsigned int off, u8 *buf,
		    unsigned int len);
void mvgpu_cfg_write(struct mvgpu_vgpu *vgpu, unsigned int off,
		     const u8 *buf, unsigned int len);
void mvgpu_cfg_restore(struct mvgpu_vgpu *vgpu, const u8 *cfg);
void mvgpu_cfg_save(struct mvgpu_vgpu *vgpu, u8 *cfg);

/* ctx.c */
void mvgpu_regs_reset(struct mvgpu_vgpu *vgpu);
void mvgpu_ctx_reset(struct mvgpu_vgpu *vgpu);
ssize_t mvgpu_regs_access(struct mvgpu_vgpu *vgpu, char __user *ubuf,
			  size_t count, u64 off, bool write);
void mvgpu_ctx_retry_waiting(struct mvgpu_vgpu *vgpu);
void mvgpu_ctx_fault(struct mvgpu_vgpu *vgpu, unsigned int n, u32 reason,
		     u64 addr);
bool mvgpu_ctx_run_begin(struct mvgpu_vgpu *vgpu, unsigned int n,
			 struct mvgpu_engine_ctx *ectx, u64 *root);
void mvgpu_ctx_complete(struct mvgpu_vgpu *vgpu, unsigned int n,
			const struct mvgpu_engine_ctx *ectx,
			enum mvgpu_run_result res);
void mvgpu_regs_save(struct mvgpu_vgpu *vgpu, struct mvgpu_mig_state *st);
bool mvgpu_regs_valid(struct mvgpu_vgpu *vgpu,
		      const struct mvgpu_mig_state *st);
void mvgpu_regs_load(struct mvgpu_vgpu *vgpu, const struct mvgpu_mig_state *st);

/* irq.c */
u32 mvgpu_irq_valid_bits(const struct mvgpu_vgpu *vgpu);
void mvgpu_irq_post(struct mvgpu_vgpu *vgpu, u32 bits);
void mvgpu_irq_ack(struct mvgpu_vgpu *vgpu, u32 bits);
void mvgpu_irq_set_mask(struct mvgpu_vgpu *vgpu, u32 mask);
void mvgpu_irq_reset(struct mvgpu_vgpu *vgpu);
void mvgpu_irq_save(struct mvgpu_vgpu *vgpu, struct mvgpu_mig_state *st);
bool mvgpu_irq_state_valid(const struct mvgpu_mig_state *st);
void mvgpu_irq_load(struct mvgpu_vgpu *vgpu, const struct mvgpu_mig_state *st);
void mvgpu_irq_update(struct mvgpu_vgpu *vgpu, bool resend);
int mvgpu_irq_set(struct mvgpu_vgpu *vgpu, struct vfio_irq_set *hdr,
		  void *data);
long mvgpu_irq_info(struct mvgpu_vgpu *vgpu, unsigned long arg);
void mvgpu_irq_release(struct mvgpu_vgpu *vgpu);
void mvgpu_irq_request(struct mvgpu_vgpu *vgpu, unsigned int count);

/* shadow.c */
int mvgpu_shadow_init(struct mvgpu_vgpu *vgpu);
void mvgpu_shadow_fini(struct mvgpu_vgpu *vgpu);
void mvgpu_shadow_lock(struct mvgpu_vgpu *vgpu);
void mvgpu_shadow_unlock(struct mvgpu_vgpu *vgpu);
void mvgpu_shadow_invalidate(struct mvgpu_vgpu *vgpu, unsigned int ctx,
			     u64 root, u64 va, u64 size);
void mvgpu_shadow_drop(struct mvgpu_vgpu *vgpu, unsigned int ctx);
void mvgpu_shadow_reap(struct mvgpu_vgpu *vgpu);
void mvgpu_shadow_reset(struct mvgpu_vgpu *vgpu);
void mvgpu_shadow_reap_wait(struct mvgpu_vgpu *vgpu);
void mvgpu_shadow_open(struct mvgpu_vgpu *vgpu);
void mvgpu_shadow_dma_unmap(struct mvgpu_vgpu *vgpu, u64 iova, u64 length);

/* shadow_fill.c */
int mvgpu_shadow_wq_init(void);
void mvgpu_shadow_wq_fini(void);
void mvgpu_shadow_request_fill(struct mvgpu_vgpu *vgpu, unsigned int ctx,
			       u64 va, u64 root, unsigned int gen);
void mvgpu_shadow_fill_flush(struct mvgpu_vgpu *vgpu);
void mvgpu_shadow_close(struct mvgpu_vgpu *vgpu);
void mvgpu_shadow_fill_forget(struct mvgpu_vgpu *vgpu);

/* sched.c */
int mvgpu_sched_start(struct mvgpu_gpu *gpu);
void mvgpu_sched_stop(struct mvgpu_gpu *gpu);
void mvgpu_sched_vgpu_init(struct mvgpu_vgpu *vgpu);
void mvgpu_sched_attach(struct mvgpu_vgpu *vgpu);
void mvgpu_sched_detach(struct mvgpu_vgpu *vgpu);
void mvgpu_sched_kick(struct mvgpu_vgpu *vgpu);
void mvgpu_sched_freeze(struct mvgpu_vgpu *vgpu);
void mvgpu_sched_thaw(struct mvgpu_vgpu *vgpu);
bool mvgpu_sched_frozen(struct mvgpu_vgpu *vgpu);
/* sched_policy.c: the knobs */
int mvgpu_sched_set_policy(struct mvgpu_gpu *gpu, const char *name);
const char *mvgpu_sched_get_policy(struct mvgpu_gpu *gpu);
int mvgpu_sched_set_timeslice(struct mvgpu_gpu *gpu, unsigned int us);
unsigned int mvgpu_sched_get_timeslice(struct mvgpu_gpu *gpu);
int mvgpu_sched_set_weight(struct mvgpu_vgpu *vgpu, unsigned int weight);
unsigned int mvgpu_sched_get_weight(struct mvgpu_vgpu *vgpu);
int mvgpu_sched_set_cap(struct mvgpu_vgpu *vgpu, unsigned int cap_pct);
unsigned int mvgpu_sched_get_cap(struct mvgpu_vgpu *vgpu);
int mvgpu_sched_set_prio(struct mvgpu_vgpu *vgpu, unsigned int prio);
unsigned int mvgpu_sched_get_prio(struct mvgpu_vgpu *vgpu);
unsigned int mvgpu_sched_get_util(struct mvgpu_vgpu *vgpu);
extern const char *const mvgpu_prio_names[MVGPU_NR_PRIOS];

/* migration.c */
int mvgpu_mig_init(struct mvgpu_vgpu *vgpu);
void mvgpu_mig_fini(struct mvgpu_vgpu *vgpu);
void mvgpu_mig_lock_abort(struct mvgpu_vgpu *vgpu)
	__acquires(&vgpu->mig.lock);
void mvgpu_mig_unlock(struct mvgpu_vgpu *vgpu)
	__releases(&vgpu->mig.lock);
const char *mvgpu_mig_state_name(struct mvgpu_vgpu *vgpu);

/* mig_save.c (the rest of migration: mvgpu_mig.h) */
void mvgpu_mig_vram_written(struct mvgpu_vgpu *vgpu, u64 off, u64 len);

/* dirty_log.c */
void mvgpu_dirty_init(struct mvgpu_vgpu *vgpu);
void mvgpu_dirty_fini(struct mvgpu_vgpu *vgpu);
void mvgpu_dirty_stop(struct mvgpu_vgpu *vgpu);
void mvgpu_dirty_collect(struct mvgpu_vgpu *vgpu, struct mvgpu_shadow *sh,
			 u64 start, u64 end);

/* display.c */
void mvgpu_display_max(u64 vram_size, u32 *width, u32 *height);
bool mvgpu_display_present(const struct mvgpu_vgpu *vgpu);
void mvgpu_display_init(struct mvgpu_vgpu *vgpu);
void mvgpu_display_fini(struct mvgpu_vgpu *vgpu);
void mvgpu_display_reset(struct mvgpu_vgpu *vgpu, bool monitor);
void mvgpu_display_close(struct mvgpu_vgpu *vgpu);
bool mvgpu_display_irq_pending(const struct mvgpu_vgpu *vgpu);
u32 mvgpu_display_read(struct mvgpu_vgpu *vgpu, unsigned int off);
bool mvgpu_display_write(struct mvgpu_vgpu *vgpu, unsigned int off, u32 val);
void mvgpu_display_sync(struct mvgpu_vgpu *vgpu);
unsigned int mvgpu_display_num_regions(const struct mvgpu_vgpu *vgpu);
int mvgpu_display_region_info(struct mvgpu_vgpu *vgpu,
			      struct vfio_region_info *info,
			      struct vfio_info_cap *caps);
ssize_t mvgpu_display_access(struct mvgpu_vgpu *vgpu, unsigned int index,
			     char __user *ubuf, size_t count, u64 off,
			     bool write);
int mvgpu_display_mmap(struct mvgpu_vgpu *vgpu, struct vm_area_struct *vma);
long mvgpu_display_query_plane(struct mvgpu_vgpu *vgpu, unsigned long arg);
void mvgpu_display_save(struct mvgpu_vgpu *vgpu, struct mvgpu_mig_display *md);
bool mvgpu_display_valid(struct mvgpu_vgpu *vgpu,
			 const struct mvgpu_mig_display *md);
void mvgpu_display_load(struct mvgpu_vgpu *vgpu,
			const struct mvgpu_mig_display *md);

/* vram_map.c */
int mvgpu_vram_mmap(struct mvgpu_vgpu *vgpu, struct vm_area_struct *vma);
void mvgpu_vram_revoke(struct mvgpu_vgpu *vgpu);

/* vgpu.c */
ssize_t mvgpu_vram_access(struct mvgpu_vgpu *vgpu, char __user *ubuf,
			  size_t count, u64 off, bool write);
void mvgpu_vgpu_reset(struct mvgpu_vgpu *vgpu, bool pci_state);
void mvgpu_vgpu_unlock(struct mvgpu_vgpu *vgpu);

#endif /* _MVGPU_DRV_H */

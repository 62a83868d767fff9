/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvgpu backend interface: what a physical GPU driver provides to the
 * mvgpu mediator.
 *
 * The mediator (mvgpu.ko) never touches a physical GPU except through the
 * operations below. A backend (the bundled software model, mvgpu_sim.ko,
 * or a driver for real hardware) describes each GPU it owns and registers
 * it with mvgpu_register_gpu(); the mediator then offers vGPU types on it.
 *
 * When and how the mediator calls the operations: the "Calling context"
 * section below and each operation's "Caller" paragraph
 * (Documentation/mvgpu/backend.rst).
 */
#ifndef _MVGPU_BACKEND_H
#define _MVGPU_BACKEND_H

#include <linux/types.h>
#include <linux/atomic.h>

/**
 * DOC: Calling context
 *
 * The mediator calls every operation in process context, never in
 * interrupt context nor under a spinlock, with the @priv given to
 * mvgpu_register_gpu(). Calls begin inside mvgpu_register_gpu() (a vGPU
 * can be created as soon as the mdev parent is registered, before it
 * returns), so the backend is ready before it registers; they end when
 * mvgpu_unregister_gpu() returns, which waits for every vGPU to go.
 *
 * Nothing is serialised per GPU. Each operation concerns one vGPU (its
 * page tables, its VRAM slice), and calls for different vGPUs come from
 * different threads at once: a user's thread, a vGPU's fill worker, the
 * GPU's engine threads. In particular @engine_run runs concurrently on
 * every engine of the GPU, one kernel thread per engine. What the mediator
 * does serialise:
 *
 * - **per page table**: @pt_set, @pt_clear_range, @pt_entries and
 *   @engine_run on one table are never concurrent, all being called under
 *   the vGPU's shadow lock; @pt_create and @pt_destroy run when the vGPU
 *   is created and removed, when nothing else uses the table. Calls on
 *   different tables are concurrent: state the backend shares between
 *   tables (an allocator, a TLB, a command queue) needs its own lock.
 * - **per vGPU**: at most one engine runs the contexts of a vGPU at a
 *   time, so concurrent @engine_run calls always use different tables and
 *   different VRAM slices.
 * - **VRAM**: nothing, except that @vram_dirty, and @vram_clear at a
 *   reset, run while no engine runs that vGPU. Otherwise @vram_rw, the
 *   VMM's CPU mappings of the frames from @vram_pfn and the vGPU's engine
 *   may all touch a page at once; what each sees is then undefined, as on
 *   a real GPU, but no access leaves the vGPU's slice.
 *
 * Operations may sleep and allocate with GFP_KERNEL, but none may wait
 * for anything a guest or its VMM controls (user memory, the VMM's
 * threads, vfio), nor call back into the mediator: an engine thread of
 * the mediator never waits for a guest (Documentation/mvgpu/design.rst,
 * "Locking"), and several operations are called with locks held that an
 * engine thread or vfio waits for. Each operation's "Caller" paragraph
 * says which.
 *
 * Memory: the backend owns its tables (struct mvgpu_pt) and its VRAM.
 * Everything the mediator passes in (a struct mvgpu_spte, a buffer, a
 * bitmap, the struct mvgpu_engine_ctx) is the mediator's and is the
 * backend's to use during the call only. A system-memory page in a
 * present entry is pinned by the mediator from before the @pt_set that
 * maps it until after the call that removes the entry: the backend takes
 * no reference of its own and must not touch the page afterwards.
 */

struct device;
struct mvgpu_gpu;
struct page;

/* A backend's GPU page table; its format is the backend's own. */
struct mvgpu_pt;

/* Flags of struct mvgpu_spte */
#define MVGPU_SPTE_PRESENT	BIT(0)
#define MVGPU_SPTE_WRITABLE	BIT(1)
#define MVGPU_SPTE_VRAM		BIT(2)
/*
 * A 2 MiB entry at a 2 MiB-aligned VA, mapping 2 MiB of VRAM from
 * @vram_offset (with PRESENT and VRAM); 4 KiB entries in its range take
 * precedence over it
 */
#define MVGPU_SPTE_LARGE	BIT(3)

/**
 * struct mvgpu_spte - one shadow page-table entry (4 KiB, or 2 MiB of VRAM)
 * @flags: MVGPU_SPTE_* bits; 0 with @fault_reason 0 removes the entry
 * @fault_reason: when not present, the MVGPU_FAULT_* code the engine
 *	reports on access (0 reports MVGPU_FAULT_NOT_PRESENT)
 * @page: the system-memory page, pinned by the mediator while mapped
 * @vram_offset: physical VRAM offset when MVGPU_SPTE_VRAM is set
 */
struct mvgpu_spte {
	u32 flags;
	u32 fault_reason;
	struct page *page;
	u64 vram_offset;
};

/**
 * enum mvgpu_run_result - why an engine stopped running a context
 * @MVGPU_RUN_IDLE: the ring is empty (or holds an incomplete command)
 * @MVGPU_RUN_PREEMPTED: the time budget ran out; work remains
 * @MVGPU_RUN_WAITING: a WAIT command is not satisfied yet
 * @MVGPU_RUN_FAULT: the context faulted; see fault_reason/fault_addr
 */
enum mvgpu_run_result {
	MVGPU_RUN_IDLE,
	MVGPU_RUN_PREEMPTED,
	MVGPU_RUN_WAITING,
	MVGPU_RUN_FAULT,
};

/**
 * struct mvgpu_engine_ctx - a context as loaded on an engine
 * @pt: the context's shadow page table
 * @ring_base: GPU VA of the ring
 * @ring_size: ring bytes (validated by the mediator)
 * @head: in/out: byte offset of the next command
 * @tail: byte offset where the submitted commands end
 * @progress: in/out: work already done on the command at @head
 * @partial: in/out: intermediate state of the command at @head
 * @ts_base: clock value that TIMESTAMP reports as 0
 * @stop: when it reads non-zero, the engine stops at its next chunk
 *	boundary as if @budget_ns had run out (the mediator preempts the
 *	context for a more urgent one); may be NULL
 * @fence: out: last fence value written, valid if @fence_signalled
 * @fence_signalled: out: a FENCE completed
 * @fence_irq: out: a FENCE with the IRQ flag completed
 * @fault_reason: out: MVGPU_FAULT_* when the result is MVGPU_RUN_FAULT
 * @fault_addr: out: faulting GPU VA
 * @commands: out: commands completed in this run
 *
 * The context's state lives here between runs: loading it on an engine is
 * the context switch, and the engine saves it back on return.
 */
struct mvgpu_engine_ctx {
	struct mvgpu_pt *pt;
	u64 ring_base;
	u32 ring_size;
	u32 head;
	u32 tail;
	u64 progress;
	u64 partial;
	u64 ts_base;
	const atomic_t *stop;
	u64 fence;
	bool fence_signalled;
	bool fence_irq;
	u32 fault_reason;
	u64 fault_addr;
	u64 commands;
};

/**
 * struct mvgpu_gpu_info - static description of one physical GPU
 * @vram_size: bytes of device memory; a power of two, at least 64 MiB
 * @nr_engines: command engines the GPU has (at least one)
 */
struct mvgpu_gpu_info {
	u64 vram_size;
	unsigned int nr_engines;
};

/**
 * struct mvgpu_backend_ops - operations a physical GPU backend provides
 * @vram_pfn: set *@pfn to the page frame number of the VRAM page at byte
 *	@offset (page aligned). Returns 0 or a negative errno. The mediator
 *	maps that frame into QEMU's mappings of the vGPU's BAR2, as a PFN
 *	mapping (VM_IO | VM_PFNMAP, write-back cached) that gives nobody a
 *	page reference, and zaps those mappings at every reset and close:
 *	the mapping policy is the mediator's. A GPU returns a frame of its
 *	VRAM BAR; the model returns the frames of its own pages, which stay
 *	its own. The frame must remain the GPU's VRAM for as long as the GPU
 *	is registered.
 *
 *	Caller: the page-fault handler of the VMM's BAR2 mapping or display
 *	window, in the faulting thread, under its mmap_lock (or VMA lock)
 *	and no lock of the mediator's but the display's (which no engine
 *	waits for); concurrent with every other operation. Should be
 *	quick, and must not take a lock under which the backend itself
 *	touches user memory.
 * @vram_rw: copy @len bytes between @buf and VRAM at @offset; @write
 *	selects the direction. Returns 0 or a negative errno.
 *
 *	Caller: the VMM's thread: a read or write of the BAR2 region of
 *	the vfio device, or a migration data file being saved or resumed
 *	(under that file's lock); no lock an engine waits for. May sleep.
 *	@buf is a kernel buffer of at most a page. Concurrent with the
 *	vGPU's engine writing the same VRAM (while a running vGPU is read
 *	for pre-copy: the pages it writes meanwhile are in @vram_dirty).
 * @vram_clear: zero @len bytes of VRAM at @offset. Returns 0 or a
 *	negative errno.
 *
 *	Caller: the thread that reset the vGPU (the VMM's, or the one
 *	creating it), after dropping the vGPU's register lock (a device
 *	reset or close still holds its migration lock, which no engine
 *	waits for), while no engine runs the vGPU (it is passed over until
 *	the clear is done); or a migration data file being resumed (under
 *	that file's lock; the vGPU is stopped). May sleep and take long:
 *	@len may be the whole slice.
 * @vram_dirty: for each 4 KiB page of [@offset, @offset + @len) that an
 *	engine wrote since the last call covering it, set its bit in @bits
 *	(bit 0 for the page at @offset) and forget the write. Used to send
 *	only the VRAM that changed during a live migration. Optional: a
 *	backend without it offers no pre-copy, only STOP_COPY.
 *
 *	Caller: the VMM's thread, saving a migration data file (under that
 *	file's lock), holding the vGPU's shadow lock, so no engine runs the
 *	vGPU and every write of its engines has landed. The engines of the
 *	other vGPUs run meanwhile and record their writes to other pages:
 *	the record is read and cleared atomically per page. Only sets bits
 *	in @bits (the mediator's, one per page of the range), never clears
 *	them.
 *
 * @pt_create: allocate an empty GPU page table; NULL on failure.
 *
 *	Caller: creating a vGPU (once per context), no lock held. May
 *	sleep.
 * @pt_destroy: free a page table.
 *
 *	Caller: removing a vGPU, no lock held; no other operation uses the
 *	table, nor will.
 * @pt_set: set the 4 KiB entry of @va (page aligned) in @pt, or the 2 MiB
 *	one with MVGPU_SPTE_LARGE. Returns 0 or a negative errno (then
 *	nothing changed); a backend without 2 MiB entries fails those, and
 *	the mediator sets 4 KiB ones instead. The new entry has not been
 *	written through (for @pt_written): the mediator reads the writes of
 *	an entry before it replaces or removes it.
 *
 *	Caller: the vGPU's fill worker (a kernel worker thread), holding
 *	the vGPU's pin lock and shadow lock. May allocate (GFP_KERNEL) and
 *	sleep, but must not wait for anything outside the backend: the
 *	vGPU's dma_unmap waits for these locks.
 * @pt_clear_range: remove every entry in [@va, @va + @size); a 2 MiB entry
 *	overlapping it goes as a whole. After it returns, the backend no
 *	longer uses the pages those entries mapped: the mediator unpins them.
 *
 *	Caller: holding the vGPU's shadow lock: a guest's register write
 *	(the VMM's thread; during a reset also under the vGPU's register
 *	lock, which the engine threads wait for), the fill worker, or vfio's
 *	dma_unmap callback (under the VMM's container locks, and the vGPU's
 *	pin lock). Must not fail, allocate or sleep for long: its time is
 *	bounded by the entries it removes.
 * @pt_written: for each present 4 KiB entry of system memory in [@va,
 *	@va + @size) through which an engine wrote since the last call
 *	covering it (the MMU's dirty bit: set when the engine translates an
 *	address of the page for a write), call @fn(@arg, its VA) and forget
 *	the write. Used to report the guest pages the vGPU wrote during a
 *	live migration (device DMA logging). Optional: without it the vGPU
 *	offers no DMA logging.
 *
 *	Caller: holding the vGPU's shadow lock (no engine runs the table),
 *	from the VMM's thread, the fill worker or vfio's dma_unmap callback,
 *	sometimes also under the vGPU's register lock: before the mediator
 *	removes entries, and when it reports. Must not allocate or sleep;
 *	@fn neither sleeps nor calls back into the backend. Its time is
 *	bounded by the entries it reports.
 * @pt_entries: number of entries (present or carrying a fault reason)
 *	@pt holds, what its memory grows with; the mediator caps it.
 *
 *	Caller: after each change to @pt, under the same locks as the
 *	change. Must be cheap; must not sleep.
 * @engine_run: load @ctx on engine @engine and execute its ring until it
 *	is empty, waits, faults, or @budget_ns of engine time is used (long
 *	commands stop between bounded chunks); then save the context back
 *	into @ctx. The engine only reaches memory through @ctx->pt. Returns
 *	an enum mvgpu_run_result.
 *
 *	Caller: the GPU's engine thread for @engine (a kernel thread per
 *	engine), holding the vGPU's shadow lock and no spinlock: it may
 *	sleep and should cond_resched() between chunks. Concurrent with
 *	@engine_run on the other engines (for other vGPUs), with @vram_rw,
 *	@vram_pfn and CPU accesses to the same VRAM, and with every
 *	operation on other vGPUs' tables. @ctx is on the engine thread's
 *	stack: the backend keeps no pointer to it, nor to @ctx->stop, after
 *	returning. @ctx->pt and the pages it maps do not change during the
 *	call, but may change between calls: nothing of them (a TLB) may be
 *	kept from one call to the next. Returns within about @budget_ns
 *	plus one chunk, and within a chunk once *@ctx->stop reads non-zero:
 *	every other vGPU's turn waits for that. After MVGPU_FAULT_NOT_PRESENT
 *	the mediator fills the entry and runs the context again from the
 *	saved @ctx->head, @ctx->progress and @ctx->partial, so a command must
 *	be resumable from there. VRAM writes are recorded for @vram_dirty
 *	before it returns. Never waits for a guest, user memory or vfio,
 *	nor calls into the mediator.
 *
 * Offsets are physical VRAM offsets; the mediator only ever passes
 * ranges inside the slice it gave the vGPU concerned. The mediator never
 * calls @pt_set, @pt_clear_range or @pt_destroy on a table while
 * @engine_run is using it. Every operation but @vram_dirty and
 * @pt_written is mandatory.
 */
struct mvgpu_backend_ops {
	int (*vram_pfn)(void *priv, u64 offset, unsigned long *pfn);
	int (*vram_rw)(void *priv, u64 offset, void *buf, size_t len,
		       bool write);
	int (*vram_clear)(void *priv, u64 offset, u64 len);
	void (*vram_dirty)(void *priv, u64 offset, u64 len,
			   unsigned long *bits);
	struct mvgpu_pt *(*pt_create)(void *priv);
	void (*pt_destroy)(void *priv, struct mvgpu_pt *pt);
	int (*pt_set)(void *priv, struct mvgpu_pt *pt, u64 va,
		      const struct mvgpu_spte *spte);
	void (*pt_clear_range)(void *priv, struct mvgpu_pt *pt, u64 va,
			       u64 size);
	void (*pt_written)(void *priv, struct mvgpu_pt *pt, u64 va, u64 size,
			   void (*fn)(void *arg, u64 va), void *arg);
	unsigned long (*pt_entries)(void *priv, struct mvgpu_pt *pt);
	enum mvgpu_run_result (*engine_run)(void *priv, unsigned int engine,
					    struct mvgpu_engine_ctx *ctx,
					    u64 budget_ns);
};

struct mvgpu_gpu *mvgpu_register_gpu(struct device *dev,
				     const struct mvgpu_gpu_info *info,
				     const struct mvgpu_backend_ops *ops,
				     void *priv);
void mvgpu_unregister_gpu(struct mvgpu_gpu *gpu);

#endif /* _MVGPU_BACKEND_H */

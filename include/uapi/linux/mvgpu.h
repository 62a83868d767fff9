/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mvgpu: the virtual GPU (vGPU) device interface.
 *
 * One header shared by the host mediator, the guest driver and the tools:
 * PCI identity, the BAR0 register map, the ring command encoding and the
 * GPU page-table format. Documentation/mvgpu/device.rst is the prose
 * version of this file.
 *
 * All registers are 32 bits wide, little endian, and must be accessed with
 * naturally aligned 32-bit accesses; 64-bit quantities are split into _LO
 * and _HI halves. Other access sizes are refused by the device.
 */
#ifndef _UAPI_LINUX_MVGPU_H
#define _UAPI_LINUX_MVGPU_H

#include <linux/types.h>

/* ---- PCI identity (defaults; the host may override the IDs) ---------- */
#define MVGPU_PCI_VENDOR_ID		0x1b36	/* Red Hat, Inc. (QEMU range) */
#define MVGPU_PCI_DEVICE_ID		0x10f0
#define MVGPU_PCI_SUBVENDOR_ID		0x1af4
#define MVGPU_PCI_SUBDEVICE_ID		0x1100
#define MVGPU_PCI_REVISION		0x01
#define MVGPU_PCI_CLASS			0x120000 /* processing accelerator */

/* BARs */
#define MVGPU_BAR_MMIO			0	/* registers, 32-bit non-prefetchable */
#define MVGPU_BAR_VRAM			2	/* VRAM, 64-bit prefetchable */
#define MVGPU_MMIO_SIZE			0x10000

/* ---- BAR0 global registers -------------------------------------------- */
#define MVGPU_REG_ID			0x0000	/* RO: MVGPU_ID_MAGIC */
#define   MVGPU_ID_MAGIC		0x5550474d /* "MGPU" in memory order */
#define MVGPU_REG_VERSION		0x0004	/* RO: major << 16 | minor */
#define   MVGPU_VERSION_MAJOR		1
#define   MVGPU_VERSION_MINOR		1	/* 1.1: the display block */
#define MVGPU_REG_CAPS			0x0008	/* RO: MVGPU_CAP_* */
#define   MVGPU_CAP_MSI			(1u << 0)
#define   MVGPU_CAP_INTX		(1u << 1)
#define   MVGPU_CAP_LARGE_PAGE		(1u << 2)
#define   MVGPU_CAP_VRAM		(1u << 3)
#define   MVGPU_CAP_DISPLAY		(1u << 4)	/* the display block below */
#define MVGPU_REG_NR_CONTEXTS		0x000c	/* RO: contexts implemented */
#define MVGPU_REG_VRAM_SIZE_LO		0x0010	/* RO: bytes of VRAM (BAR2) */
#define MVGPU_REG_VRAM_SIZE_HI		0x0014
#define MVGPU_REG_WEIGHT		0x0018	/* RO: scheduling weight 1..64 */
#define MVGPU_REG_SCRATCH		0x001c	/* RW: no side effect */
#define MVGPU_REG_IRQ_STATUS		0x0020	/* RO: pending MVGPU_IRQ_* */
#define MVGPU_REG_IRQ_MASK		0x0024	/* RW: 1 = source enabled */
#define MVGPU_REG_IRQ_ACK		0x0028	/* WO: write 1 to clear status */
#define MVGPU_REG_RESET			0x002c	/* WO: MVGPU_RESET_MAGIC resets */
#define   MVGPU_RESET_MAGIC		0x52534554 /* "TESR" */
#define MVGPU_REG_TIMESTAMP_LO		0x0030	/* RO: ns clock, LO latches HI */
#define MVGPU_REG_TIMESTAMP_HI		0x0034
#define MVGPU_REG_IRQ_RAISE		0x0038	/* WO: bits are ORed into IRQ_STATUS */

/*
 * Interrupt sources: bit n is "context n completed an interrupting
 * fence", bit 16 + n is "context n faulted". The status bit is set even
 * when masked; the interrupt is raised while (STATUS & MASK) != 0.
 */
#define MVGPU_IRQ_FENCE(ctx)		(1u << (ctx))
#define MVGPU_IRQ_FAULT(ctx)		(1u << (16 + (ctx)))

/* ---- BAR0 display registers (when CAPS has MVGPU_CAP_DISPLAY) --------- */
/*
 * One head. The plane registers (FB_*) are double buffered: writes go to
 * the programmed values, which reads return, and a write of DISP_CONTROL
 * checks them and, when they are valid, makes them the scanned-out plane
 * (DISP_STATUS, DISP_ERROR). The scanout shows only the vGPU's own VRAM.
 */
#define MVGPU_DISP_BASE			0x0800
#define MVGPU_REG_DISP_MAX_WIDTH	0x0800	/* RO: pixels, per type */
#define MVGPU_REG_DISP_MAX_HEIGHT	0x0804	/* RO: lines, per type */
#define MVGPU_REG_DISP_CONNECTOR	0x0808	/* RO: MVGPU_DISP_CONN_* */
#define   MVGPU_DISP_CONN_CONNECTED	(1u << 0)
#define MVGPU_REG_DISP_EDID_SIZE	0x080c	/* RO: bytes at MVGPU_DISP_EDID */
#define MVGPU_REG_DISP_FB_BASE_LO	0x0810	/* RW: VRAM offset, 4 KiB aligned */
#define MVGPU_REG_DISP_FB_BASE_HI	0x0814
#define MVGPU_REG_DISP_FB_FORMAT	0x0818	/* RW: DRM fourcc */
#define   MVGPU_DISP_FORMAT_XRGB8888	0x34325258 /* 'XR24', 4 bytes/pixel */
#define MVGPU_REG_DISP_FB_WIDTH		0x081c	/* RW: pixels */
#define MVGPU_REG_DISP_FB_HEIGHT	0x0820	/* RW: lines */
#define MVGPU_REG_DISP_FB_STRIDE	0x0824	/* RW: bytes per line */
#define MVGPU_REG_DISP_CONTROL		0x0828	/* RW: MVGPU_DISP_CONTROL_*; commits */
#define   MVGPU_DISP_CONTROL_ENABLE	(1u << 0)
#define MVGPU_REG_DISP_STATUS		0x082c	/* RO: MVGPU_DISP_STATUS_* */
#define   MVGPU_DISP_STATUS_ACTIVE	(1u << 0)	/* a plane is scanned out */
#define MVGPU_REG_DISP_ERROR		0x0830	/* RO: MVGPU_DISP_ERR_* of the last commit */
#define   MVGPU_DISP_ERR_NONE		0
#define   MVGPU_DISP_ERR_FORMAT		1	/* FB_FORMAT unknown */
#define   MVGPU_DISP_ERR_SIZE		2	/* width/height 0 or above the max */
#define   MVGPU_DISP_ERR_STRIDE		3	/* stride < width * 4, % 4, > 64 KiB */
#define   MVGPU_DISP_ERR_BASE		4	/* base misaligned or plane past the VRAM */
#define MVGPU_REG_DISP_VBLANK_COUNT	0x0834	/* RO: vblanks since power-on */
#define MVGPU_REG_DISP_IRQ_STATUS	0x0838	/* RO: pending MVGPU_DISP_IRQ_* */
#define MVGPU_REG_DISP_IRQ_MASK		0x083c	/* RW: 1 = source enabled */
#define MVGPU_REG_DISP_IRQ_ACK		0x0840	/* WO: write 1 to clear status */
#define   MVGPU_DISP_IRQ_VBLANK		(1u << 0)	/* a vblank (60 Hz) */
#define   MVGPU_DISP_IRQ_HOTPLUG	(1u << 1)	/* connector or EDID changed */
#define MVGPU_DISP_REFRESH_HZ		60
/* The monitor's EDID, EDID_SIZE bytes read as 32-bit words (RO). */
#define MVGPU_DISP_EDID			0x0c00
#define MVGPU_DISP_EDID_MAX		0x0300
#define MVGPU_DISP_MAX_STRIDE		0x10000
/*
 * VFIO regions of a vGPU with a display, after vfio-pci's nine: the display
 * window (type VFIO_REGION_TYPE_PCI_VENDOR_TYPE | MVGPU_PCI_VENDOR_ID,
 * subtype MVGPU_VFIO_SUBTYPE_DISPLAY) and the EDID (VFIO_REGION_TYPE_GFX,
 * VFIO_REGION_SUBTYPE_GFX_EDID).
 */
#define MVGPU_VFIO_REGION_DISPLAY	9
#define MVGPU_VFIO_REGION_EDID		10
#define MVGPU_VFIO_SUBTYPE_DISPLAY	1

/* ---- BAR0 per-context registers ---------------------------------------- */
#define MVGPU_MAX_CONTEXTS		16
#define MVGPU_CTX_BASE			0x1000
#define MVGPU_CTX_STRIDE		0x100
#define MVGPU_CTX_REG(ctx, reg)		(MVGPU_CTX_BASE + (ctx) * MVGPU_CTX_STRIDE + (reg))

#define MVGPU_CTX_PT_ROOT_LO		0x00	/* RW: GPA of level-3 table */
#define MVGPU_CTX_PT_ROOT_HI		0x04
#define MVGPU_CTX_RING_BASE_LO		0x08	/* RW: GPU VA of the ring */
#define MVGPU_CTX_RING_BASE_HI		0x0c
#define MVGPU_CTX_RING_SIZE		0x10	/* RW: bytes, power of 2, 4K..1M */
#define MVGPU_CTX_RING_HEAD		0x14	/* RO: byte offset consumed */
#define MVGPU_CTX_RING_TAIL		0x18	/* RW: byte offset; write = doorbell */
#define MVGPU_CTX_CONTROL		0x1c	/* RW: MVGPU_CTX_CONTROL_* */
#define   MVGPU_CTX_CONTROL_ENABLE	(1u << 0)
#define MVGPU_CTX_STATUS		0x20	/* RO: MVGPU_CTX_STATUS_* */
#define   MVGPU_CTX_STATUS_ENABLED	(1u << 0)
#define   MVGPU_CTX_STATUS_BUSY		(1u << 1)
#define   MVGPU_CTX_STATUS_FAULTED	(1u << 2)
#define MVGPU_CTX_FENCE_LO		0x28	/* RO: last fence value signalled */
#define MVGPU_CTX_FENCE_HI		0x2c
#define MVGPU_CTX_FAULT_REASON		0x30	/* RO: MVGPU_FAULT_* */
#define MVGPU_CTX_FAULT_ADDR_LO		0x34	/* RO: faulting GPU VA / offset */
#define MVGPU_CTX_FAULT_ADDR_HI		0x38
#define MVGPU_CTX_FAULT_CLEAR		0x3c	/* WO: 1 = clear fault, resume */
#define MVGPU_CTX_TLB_INV_ADDR_LO	0x40	/* RW: GPU VA, 4K aligned */
#define MVGPU_CTX_TLB_INV_ADDR_HI	0x44
#define MVGPU_CTX_TLB_INV_SIZE_LO	0x48	/* RW: bytes, 4K multiple; 0 = all */
#define MVGPU_CTX_TLB_INV_SIZE_HI	0x4c
#define MVGPU_CTX_TLB_INV		0x50	/* WO: 1 = invalidate the range */

/* Fault reasons */
#define MVGPU_FAULT_NONE		0
#define MVGPU_FAULT_NOT_PRESENT		1	/* no valid translation */
#define MVGPU_FAULT_WRITE		2	/* write to a read-only page */
#define MVGPU_FAULT_BAD_TABLE		3	/* malformed page-table entry */
#define MVGPU_FAULT_BAD_GPA		4	/* GPA outside the VM */
#define MVGPU_FAULT_BAD_VRAM		5	/* VRAM offset beyond the slice */
#define MVGPU_FAULT_BAD_COMMAND		6	/* malformed command */
#define MVGPU_FAULT_BAD_RING		7	/* ring registers invalid */
#define MVGPU_FAULT_PIN_LIMIT		8	/* vGPU's pinned-page cap reached */
#define MVGPU_FAULT_ALIGN		9	/* misaligned command operand */
#define MVGPU_FAULT_SHADOW_LIMIT	10	/* vGPU's shadow-entry cap reached */

/* ---- Ring command encoding --------------------------------------------- */
/*
 * Every command starts with a header dword: opcode in bits 7:0, flags in
 * bits 15:8 and the command length in dwords (header included) in bits
 * 31:16. Payload dwords follow. Commands do not wrap: a command that
 * would cross the end of the ring is preceded by NOPs up to the end.
 */
#define MVGPU_CMD_HDR(op, flags, ndw)	((__u32)(op) | ((__u32)(flags) << 8) | \
					 ((__u32)(ndw) << 16))
#define MVGPU_CMD_OP(hdr)		((hdr) & 0xff)
#define MVGPU_CMD_FLAGS(hdr)		(((hdr) >> 8) & 0xff)
#define MVGPU_CMD_NDW(hdr)		((hdr) >> 16)

#define MVGPU_CMD_NOP			0x00	/* ndw >= 1, payload ignored */
#define MVGPU_CMD_FENCE			0x01	/* va(2) value(2) */
#define   MVGPU_CMD_FLAG_IRQ		(1u << 0)
#define MVGPU_CMD_COPY			0x02	/* src(2) dst(2) size(2) */
#define MVGPU_CMD_FILL			0x03	/* dst(2) size(2) pattern(1) */
#define MVGPU_CMD_COMPUTE		0x04	/* kernel(1) args... */
#define MVGPU_CMD_WAIT			0x05	/* va(2) value(2): until *va >= value */
#define MVGPU_CMD_TIMESTAMP		0x06	/* va(2) */

/* Command lengths in dwords, header included. */
#define MVGPU_CMD_NDW_FENCE		5
#define MVGPU_CMD_NDW_COPY		7
#define MVGPU_CMD_NDW_FILL		6
#define MVGPU_CMD_NDW_WAIT		5
#define MVGPU_CMD_NDW_TIMESTAMP		3
#define MVGPU_CMD_NDW_GEMM		11	/* hdr kernel a(2) b(2) c(2) m n k */
#define MVGPU_CMD_NDW_HASH		8	/* hdr kernel src(2) size(2) dst(2) */

/* COMPUTE kernels (payload dword 1) */
#define MVGPU_KERNEL_GEMM_I32		1	/* C[m][n] = A[m][k] * B[k][n], s32 */
#define MVGPU_KERNEL_HASH64		2	/* FNV-1a 64 of src, to dst */
#define MVGPU_GEMM_MAX_DIM		4096
#define MVGPU_FNV64_OFFSET		0xcbf29ce484222325ull
#define MVGPU_FNV64_PRIME		0x00000100000001b3ull

/* ---- GPU page-table format --------------------------------------------- */
/*
 * 48-bit GPU VA, four levels of 512 eight-byte entries, 4 KiB pages.
 * Level 3 is the root (VA bits 47:39) down to level 0 (bits 20:12). A
 * level-1 entry with MVGPU_PTE_LARGE maps a 2 MiB page. Table pages live
 * in guest system memory. A leaf's address is a GPA, or with
 * MVGPU_PTE_VRAM an offset into the vGPU's VRAM (BAR2).
 */
#define MVGPU_PT_LEVELS			4
#define MVGPU_PT_ENTRIES		512
#define MVGPU_PAGE_SHIFT		12
#define MVGPU_LARGE_PAGE_SHIFT		21
#define MVGPU_VA_BITS			48

#define MVGPU_PTE_PRESENT		(1ull << 0)
#define MVGPU_PTE_WRITABLE		(1ull << 1)
#define MVGPU_PTE_VRAM			(1ull << 2)
#define MVGPU_PTE_LARGE			(1ull << 7)
#define MVGPU_PTE_ADDR_MASK		0x000ffffffffff000ull

/* ---- Live-migration stream (the VFIO migration v2 data fd) ------------- */
/*
 * A stream is a sequence of records, each a struct mvgpu_mig_record and
 * @length bytes of payload; all fields little endian. The first record is
 * HEADER and the last END, right after the one STATE record. VRAM and ZERO
 * records come in between in any number and order; a later record for a
 * page replaces an earlier one. @crc is the CRC-32 of the payload (the common
 * one of zlib and Ethernet: reflected polynomial 0xedb88320, initial value
 * and final XOR 0xffffffff). Documentation/mvgpu/migration.rst describes
 * it in prose.
 */
#define MVGPU_MIG_MAGIC			0x47494d555047564dull /* "MVGPUMIG" */
#define MVGPU_MIG_VERSION		1

#define MVGPU_MIG_REC_HEADER		1	/* struct mvgpu_mig_header */
#define MVGPU_MIG_REC_VRAM		2	/* __le64 offset, then pages */
#define MVGPU_MIG_REC_STATE		3	/* struct mvgpu_mig_state */
#define MVGPU_MIG_REC_END		4	/* no payload */
#define MVGPU_MIG_REC_ZERO		5	/* __le64 offset, __le64 length */
#define MVGPU_MIG_REC_DISPLAY		6	/* struct mvgpu_mig_display */
/* Most VRAM data bytes one record carries (after its offset). */
#define MVGPU_MIG_VRAM_MAX		(1u << 20)

struct mvgpu_mig_record {
	__le32 kind;
	__le32 crc;
	__le64 length;
};

/* What the destination must match: the same type, VRAM and contexts. */
struct mvgpu_mig_header {
	__le64 magic;
	__le32 version;
	__le32 units;		/* VRAM units (64ths of a GPU) of the type */
	__le64 vram_size;	/* bytes of the vGPU's VRAM */
	__le32 contexts;
	__le32 flags;		/* 0 */
};

/* One context's registers and the engine's hidden progress in it. */
struct mvgpu_mig_ctx {
	__le64 pt_root;
	__le64 ring_base;
	__le32 ring_size;
	__le32 ring_head;
	__le32 ring_tail;
	__le32 control;
	__le32 status;
	__le32 fault_reason;
	__le64 fault_addr;
	__le64 fence;
	__le64 tlb_inv_addr;
	__le64 tlb_inv_size;
	__le64 exec_progress;
	__le64 exec_partial;
};

/*
 * The display registers (a vGPU with a display; at most one, before STATE;
 * a stream without it leaves the display reset): the programmed plane
 * (fb_*), the scanned-out one (scan_*, and whether it is: active).
 */
struct mvgpu_mig_display {
	__le64 fb_base;
	__le32 fb_format;
	__le32 fb_width;
	__le32 fb_height;
	__le32 fb_stride;
	__le32 control;
	__le32 error;
	__le64 scan_base;
	__le32 scan_format;
	__le32 scan_width;
	__le32 scan_height;
	__le32 scan_stride;
	__le32 active;		/* 0 or 1 */
	__le32 irq_status;
	__le32 irq_mask;
	__le32 flags;		/* 0 */
};

/* The device's state, followed by header.contexts struct mvgpu_mig_ctx. */
struct mvgpu_mig_state {
	__le32 irq_status;
	__le32 irq_mask;
	__le32 scratch;
	__le32 timestamp_hi;	/* TIMESTAMP_HI latched by the last LO read */
	__le64 timestamp;	/* device clock when the vGPU stopped */
	/*
	 * The source's scheduling settings (priority 0 low, 1 normal, 2
	 * high), for information only: the destination keeps its own.
	 */
	__le32 weight;
	__le32 cap;
	__le32 priority;
	__le32 intx_masked;	/* 0 or 1 */
	__u8 config[256];	/* PCI configuration space (writable bits) */
};

#endif /* _UAPI_LINUX_MVGPU_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu mediator: emulated PCI configuration space of a vGPU.
 *
 * The space is a byte array plus a mask of writable bits, set up once at
 * reset. BAR sizing falls out of the masks: the size bits of a BAR are
 * read-only zero, so writing all ones reads back the size mask. A few
 * registers have side effects (FLR) or read live state (INTx status).
 */
#include <linux/pci_regs.h>
#include <linux/string.h>

#include "mvgpu_drv.h"

#define MVGPU_CAP_MSI_OFF	0x40
#define MVGPU_CAP_EXP_OFF	0x60
#define MVGPU_CMD_WMASK		(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | \
				 PCI_COMMAND_PARITY | PCI_COMMAND_SERR | \
				 PCI_COMMAND_INTX_DISABLE)

static void cfg_set8(struct mvgpu_vgpu *vgpu, unsigned int off, u8 val,
		     u8 wmask)
{
	vgpu->cfg[off] = val;
	vgpu->cfg_wmask[off] = wmask;
}

static void cfg_set16(struct mvgpu_vgpu *vgpu, unsigned int off, u16 val,
		      u16 wmask)
{
	cfg_set8(vgpu, off, val & 0xff, wmask & 0xff);
	cfg_set8(vgpu, off + 1, val >> 8, wmask >> 8);
}

static void cfg_set32(struct mvgpu_vgpu *vgpu, unsigned int off, u32 val,
		      u32 wmask)
{
	cfg_set16(vgpu, off, val & 0xffff, wmask & 0xffff);
	cfg_set16(vgpu, off + 2, val >> 16, wmask >> 16);
}

static u16 cfg_get16(const struct mvgpu_vgpu *vgpu, unsigned int off)
{
	return vgpu->cfg[off] | (vgpu->cfg[off + 1] << 8);
}

/**
 * mvgpu_cfg_init() - configuration space at power-on
 * @vgpu: the vGPU; caller holds @vgpu->lock or owns it exclusively
 */
void mvgpu_cfg_init(struct mvgpu_vgpu *vgpu)
{
	u64 vram_mask = ~(vgpu->vram_size - 1);

	memset(vgpu->cfg, 0, sizeof(vgpu->cfg));
	memset(vgpu->cfg_wmask, 0, sizeof(vgpu->cfg_wmask));

	cfg_set16(vgpu, PCI_VENDOR_ID, mvgpu_vendor_id, 0);
	cfg_set16(vgpu, PCI_DEVICE_ID, mvgpu_device_id, 0);
	cfg_set16(vgpu, PCI_COMMAND, 0, MVGPU_CMD_WMASK);
	cfg_set16(vgpu, PCI_STATUS, PCI_STATUS_CAP_LIST, 0);
	cfg_set32(vgpu, PCI_CLASS_REVISION,
		  (MVGPU_PCI_CLASS << 8) | MVGPU_PCI_REVISION, 0);
	cfg_set8(vgpu, PCI_CACHE_LINE_SIZE, 0, 0xff);
	cfg_set8(vgpu, PCI_LATENCY_TIMER, 0, 0xff);
	cfg_set8(vgpu, PCI_HEADER_TYPE, PCI_HEADER_TYPE_NORMAL, 0);

	/* BAR0: 32-bit registers. BAR2/3: 64-bit prefetchable VRAM. */
	cfg_set32(vgpu, PCI_BASE_ADDRESS_0, PCI_BASE_ADDRESS_MEM_TYPE_32,
		  ~(MVGPU_MMIO_SIZE - 1));
	cfg_set32(vgpu, PCI_BASE_ADDRESS_2,
		  PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH,
		  lower_32_bits(vram_mask) & PCI_BASE_ADDRESS_MEM_MASK);
	cfg_set32(vgpu, PCI_BASE_ADDRESS_3, 0, upper_32_bits(vram_mask));

	cfg_set16(vgpu, PCI_SUBSYSTEM_VENDOR_ID, MVGPU_PCI_SUBVENDOR_ID, 0);
	cfg_set16(vgpu, PCI_SUBSYSTEM_ID, MVGPU_PCI_SUBDEVICE_ID, 0);
	cfg_set8(vgpu, PCI_CAPABILITY_LIST, MVGPU_CAP_MSI_OFF, 0);
	cfg_set8(vgpu, PCI_INTERRUPT_LINE, 0, 0xff);
	cfg_set8(vgpu, PCI_INTERRUPT_PIN, 1, 0);

	/* MSI: one vector, 64-bit address, no per-vector mask. */
	cfg_set8(vgpu, MVGPU_CAP_MSI_OFF + PCI_CAP_LIST_ID, PCI_CAP_ID_MSI, 0);
	cfg_set8(vgpu, MVGPU_CAP_MSI_OFF + PCI_CAP_LIST_NEXT,
		 MVGPU_CAP_EXP_OFF, 0);
	cfg_set16(vgpu, MVGPU_CAP_MSI_OFF + PCI_MSI_FLAGS, PCI_MSI_FLAGS_64BIT,
		  PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
	cfg_set32(vgpu, MVGPU_CAP_MSI_OFF + PCI_MSI_ADDRESS_LO, 0, ~3u);
	cfg_set32(vgpu, MVGPU_CAP_MSI_OFF + PCI_MSI_ADDRESS_HI, 0, ~0u);
	cfg_set16(vgpu, MVGPU_CAP_MSI_OFF + PCI_MSI_DATA_64, 0, 0xffff);

	/* PCI Express v2 endpoint with Function Level Reset, x1 2.5 GT/s. */
	cfg_set8(vgpu, MVGPU_CAP_EXP_OFF + PCI_CAP_LIST_ID, PCI_CAP_ID_EXP, 0);
	cfg_set8(vgpu, MVGPU_CAP_EXP_OFF + PCI_CAP_LIST_NEXT, 0, 0);
	cfg_set16(vgpu, MVGPU_CAP_EXP_OFF + PCI_EXP_FLAGS,
		  2 | (PCI_EXP_TYPE_ENDPOINT << 4), 0);
	cfg_set32(vgpu, MVGPU_CAP_EXP_OFF + PCI_EXP_DEVCAP,
		  PCI_EXP_DEVCAP_FLR, 0);
	cfg_set16(vgpu, MVGPU_CAP_EXP_OFF + PCI_EXP_DEVCTL,
		  PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_NOSNOOP_EN,
		  PCI_EXP_DEVCTL_CERE | PCI_EXP_DEVCTL_NFERE |
		  PCI_EXP_DEVCTL_FERE | PCI_EXP_DEVCTL_URRE |
		  PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_PAYLOAD |
		  PCI_EXP_DEVCTL_READRQ | PCI_EXP_DEVCTL_NOSNOOP_EN |
		  PCI_EXP_DEVCTL_BCR_FLR);
	cfg_set32(vgpu, MVGPU_CAP_EXP_OFF + PCI_EXP_LNKCAP,
		  PCI_EXP_LNKCAP_SLS_2_5GB | (1 << 4), 0);
	cfg_set16(vgpu, MVGPU_CAP_EXP_OFF + PCI_EXP_LNKSTA,
		  PCI_EXP_LNKSTA_CLS_2_5GB | (1 << PCI_EXP_LNKSTA_NLW_SHIFT),
		  0);
}

/**
 * mvgpu_cfg_save() - configuration space, for a migration stream
 * @vgpu: the vGPU, frozen; caller holds @vgpu->lock
 * @cfg: MVGPU_CFG_SIZE bytes to fill
 */
void mvgpu_cfg_save(struct mvgpu_vgpu *vgpu, u8 *cfg)
{
	BUILD_BUG_ON(sizeof_field(struct mvgpu_mig_state, config) !=
		     MVGPU_CFG_SIZE);
	memcpy(cfg, vgpu->cfg, MVGPU_CFG_SIZE);
}

/**
 * mvgpu_cfg_restore() - take configuration space from a migration stream
 * @vgpu: the vGPU, frozen; caller holds @vgpu->lock
 * @cfg: MVGPU_CFG_SIZE bytes of the source's configuration space, not
 *	trusted
 *
 * Takes what the guest could have written itself: the writable bits,
 * with the same masks as mvgpu_cfg_write(). Nothing acts on them, and the
 * bits that are commands rather than state are left clear: Initiate FLR,
 * which always reads 0 on a live vGPU, stays 0, so that no later config
 * write resets the vGPU for it. The read-only bits stay this vGPU's own.
 */
void mvgpu_cfg_restore(struct mvgpu_vgpu *vgpu, const u8 *cfg)
{
	unsigned int devctl = MVGPU_CAP_EXP_OFF + PCI_EXP_DEVCTL;
	unsigned int i;

	BUILD_BUG_ON(sizeof_field(struct mvgpu_mig_state, config) !=
		     MVGPU_CFG_SIZE);
	for (i = 0; i < MVGPU_CFG_SIZE; i++)
		vgpu->cfg[i] = (vgpu->cfg[i] & ~vgpu->cfg_wmask[i]) |
			       (cfg[i] & vgpu->cfg_wmask[i]);
	vgpu->cfg[devctl + 1] &= ~(PCI_EXP_DEVCTL_BCR_FLR >> 8);
}

/**
 * mvgpu_cfg_read() - read configuration space
 * @vgpu: the vGPU; caller holds @vgpu->lock
 * @off: byte offset, @off + @len <= MVGPU_CFG_SIZE
 * @buf: destination
 * @len: bytes
 */
void mvgpu_cfg_read(struct mvgpu_vgpu *vgpu, unsigned int off, u8 *buf,
		    unsigned int len)
{
	memcpy(buf, vgpu->cfg + off, len);
	/* Status bit 3 is the live INTx state. */
	if (off <= PCI_STATUS && off + len > PCI_STATUS && vgpu->irq.asserted &&
	    !vgpu->irq.msi && vgpu->irq.intx)
		buf[PCI_STATUS - off] |= PCI_STATUS_INTERRUPT;
}

/**
 * mvgpu_cfg_write() - write configuration space
 * @vgpu: the vGPU; caller holds @vgpu->lock
 * @off: byte offset, @off + @len <= MVGPU_CFG_SIZE
 * @buf: source
 * @len: bytes
 *
 * Only writable bits change. Writing Initiate FLR resets the function.
 */
void mvgpu_cfg_write(struct mvgpu_vgpu *vgpu, unsigned int off,
		     const u8 *buf, unsigned int len)
{
	unsigned int devctl = MVGPU_CAP_EXP_OFF + PCI_EXP_DEVCTL;
	unsigned int i;
	bool flr;

	for (i = 0; i < len; i++) {
		u8 wmask = vgpu->cfg_wmask[off + i];

		vgpu->cfg[off + i] = (vgpu->cfg[off + i] & ~wmask) |
				     (buf[i] & wmask);
	}

	flr = cfg_get16(vgpu, devctl) & PCI_EXP_DEVCTL_BCR_FLR;
	if (flr) {
		/* Initiate FLR always reads 0; the reset clears it anyway. */
		mvgpu_vgpu_reset(vgpu, true);
		return;
	}
	if (off <= PCI_COMMAND + 1 && off + len > PCI_COMMAND)
		mvgpu_irq_update(vgpu, false);
}

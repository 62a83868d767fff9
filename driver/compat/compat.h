/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvgpu: what differs between the kernels mvgpu builds for (6.1 on), for
 * all three modules. Keyed on the kernel's own macros where it has one,
 * else on the probes next to this file: driver/Kbuild compiles each
 * driver/compat/NAME.c with the kernel's flags, and mvgpu_autoconf.h
 * (generated in the build directory) defines MVGPU_HAVE_<NAME> for those
 * that compile. Never on LINUX_VERSION_CODE, which says nothing about a
 * distribution's backports. The version in each comment is where the
 * feature appeared upstream.
 */
#ifndef _MVGPU_COMPAT_H
#define _MVGPU_COMPAT_H

#include <linux/eventfd.h>
#include <linux/mm.h>
#include <linux/vfio.h>

#include "mvgpu_autoconf.h"

/* sanity.c, the positive control: every probe header, 6.1-era uses */
#ifndef MVGPU_HAVE_SANITY
#error "driver/compat/sanity.c does not compile: see mvgpu_autoconf.log"
#endif

/*
 * 6.10: each vfio device file has an inode of its own, whose mappings
 * mvgpu_vram_revoke() zaps at every reset. Before, every vfio device file
 * of every tenant shares the anon inode: zapping it would also take other
 * devices' mappings, which vfio-pci of those kernels never faults back in.
 * There BAR2 is not mappable, only read and written through the device
 * file (no VFIO_REGION_INFO_FLAG_MMAP).
 */
#ifdef MVGPU_HAVE_VFIO_DEVICE_INODE
#define MVGPU_VRAM_MMAP 1
#else
#define MVGPU_VRAM_MMAP 0
#endif

/* 6.4: a class may be const (class_register(const struct class *)) */
#ifdef MVGPU_HAVE_CONST_CLASS
#define mvgpu_class_const const
#else
#define mvgpu_class_const
#endif

/**
 * mvgpu_eventfd_signal() - signal an eventfd once
 * @ctx: the eventfd context
 *
 * eventfd_signal(), which lost its count argument in 6.8.
 */
#ifdef MVGPU_HAVE_EVENTFD_SIGNAL_1ARG
#define mvgpu_eventfd_signal(ctx) eventfd_signal(ctx)
#else
#define mvgpu_eventfd_signal(ctx) eventfd_signal(ctx, 1)
#endif

#ifndef MVGPU_HAVE_VM_FLAGS_SET
/**
 * vm_flags_set() - set flags of a VMA, for a kernel before 6.3
 * @vma: the VMA; the caller holds its mm's mmap lock for writing (as the
 *	caller of ->mmap does)
 * @flags: the VM_* flags to set
 *
 * From 6.3 vma->vm_flags is changed through vm_flags_set() only, which
 * this replaces where it does not exist yet.
 */
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

/**
 * vm_flags_clear() - clear flags of a VMA, for a kernel before 6.3
 * @vma: the VMA, as for vm_flags_set()
 * @flags: the VM_* flags to clear
 */
static inline void vm_flags_clear(struct vm_area_struct *vma,
				  vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/*
 * 6.2: the PRE_COPY migration states and VFIO_MIG_GET_PRECOPY_INFO; the
 * same pull added migration_get_data_size (and its uapi
 * VFIO_DEVICE_FEATURE_MIG_DATA_SIZE). Without them a vGPU migrates in
 * STOP_COPY only, and says so in its migration flags.
 */
#ifdef VFIO_MIG_GET_PRECOPY_INFO
#define MVGPU_HAVE_PRE_COPY 1
#endif
#ifdef VFIO_DEVICE_FEATURE_MIG_DATA_SIZE
#define MVGPU_HAVE_MIG_DATA_SIZE 1
#endif

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvgpu_vfio: a small userspace library to drive mvgpu vGPUs through VFIO
 * and to manage them through sysfs.
 *
 * Every function that can fail returns a negative errno value (or NULL /
 * MAP_FAILED where documented) and never exits the process.
 */
#ifndef LIBMVGPU_VFIO_H
#define LIBMVGPU_VFIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/vfio.h>

#define LIBMVGPU_UUID_LEN		36	/* without the terminating NUL */
#define LIBMVGPU_SYSFS_CLASS		"/sys/class/mvgpu"
#define LIBMVGPU_SYSFS_MDEV_BUS		"/sys/class/mdev_bus"
#define LIBMVGPU_SYSFS_MDEV_DEVS	"/sys/bus/mdev/devices"

/* Region offsets in the device fd: index << 40 (vfio-pci convention). */
#define LIBMVGPU_REGION_SHIFT	40
#define LIBMVGPU_REGION_OFFSET(idx) ((uint64_t)(idx) << LIBMVGPU_REGION_SHIFT)

/*
 * The uAPI of iommufd and of the vfio device cdev came with 6.2 and 6.6;
 * Debian 12's linux-libc-dev is 6.1. The values are the kernel's ABI.
 */
#ifndef IOMMU_IOAS_ALLOC
#define IOMMUFD_TYPE			(';')
#define IOMMU_IOAS_ALLOC		_IO(IOMMUFD_TYPE, 0x81)
#define IOMMU_IOAS_MAP			_IO(IOMMUFD_TYPE, 0x85)
#define IOMMU_IOAS_UNMAP		_IO(IOMMUFD_TYPE, 0x86)
#define IOMMU_IOAS_MAP_FIXED_IOVA	0x1
#define IOMMU_IOAS_MAP_WRITEABLE	0x2
#define IOMMU_IOAS_MAP_READABLE		0x4
struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};

struct iommu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;
};

struct iommu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;
};
#endif
#ifndef VFIO_DEVICE_BIND_IOMMUFD
struct vfio_device_bind_iommufd {
	__u32 argsz;
	__u32 flags;
	__s32 iommufd;
	__u32 out_devid;
};

#define VFIO_DEVICE_BIND_IOMMUFD	_IO(VFIO_TYPE, VFIO_BASE + 18)
struct vfio_device_attach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
	__u32 pt_id;
};

#define VFIO_DEVICE_ATTACH_IOMMUFD_PT	_IO(VFIO_TYPE, VFIO_BASE + 19)
struct vfio_device_detach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
};

#define VFIO_DEVICE_DETACH_IOMMUFD_PT	_IO(VFIO_TYPE, VFIO_BASE + 20)
#endif

/*
 * How a vGPU is opened and its DMA mapped:
 * - LIBMVGPU_LEGACY: the group (/dev/vfio/N) in a container (/dev/vfio/vfio,
 *   vfio_iommu_type1 or iommufd's compat container), VFIO_IOMMU_MAP_DMA;
 * - LIBMVGPU_IOMMUFD: the device's cdev (/dev/vfio/devices/vfioN) bound to
 *   an iommufd (/dev/iommu) and attached to an IOAS, IOMMU_IOAS_MAP.
 */
enum libmvgpu_backend {
	LIBMVGPU_LEGACY,
	LIBMVGPU_IOMMUFD,
};

/*
 * The backend libmvgpu_open() uses: the one set with
 * libmvgpu_set_backend(), else the environment's MVGPU_VFIO ("iommufd" or
 * "legacy"; unset or empty: legacy; anything else: legacy, with a note on
 * stderr), so every program that opens vGPUs through libmvgpu runs on
 * either without a change.
 */
enum libmvgpu_backend libmvgpu_backend(void);
void libmvgpu_set_backend(enum libmvgpu_backend backend);
/* "legacy" or "iommufd". */
const char *libmvgpu_backend_name(enum libmvgpu_backend backend);

/*
 * One opened vGPU: its own DMA context and device fd.
 * container: the VFIO container (LIBMVGPU_LEGACY) or the iommufd
 *	(LIBMVGPU_IOMMUFD); either is what libmvgpu_open_in() takes
 * group: the group fd (-1 with LIBMVGPU_IOMMUFD)
 * group_id: the IOMMU group number (-1 when the mdev has none)
 * ioas_id, devid: LIBMVGPU_IOMMUFD only: the IOAS the device is attached
 *	to, and the device's id in the iommufd (from VFIO_DEVICE_BIND_IOMMUFD)
 */
struct libmvgpu_dev {
	int container;
	int group;
	int device;
	int group_id;
	char uuid[LIBMVGPU_UUID_LEN + 1];
	struct vfio_device_info info;
	enum libmvgpu_backend backend;
	uint32_t ioas_id;
	uint32_t devid;
};

/* One DMA mapping of anonymous memory. */
struct libmvgpu_dma {
	void *vaddr;
	uint64_t iova;
	size_t size;
};

/* ---- sysfs / mdev management ------------------------------------------ */

/* Fresh random UUID from /proc/sys/kernel/random/uuid into buf[37]. */
int libmvgpu_uuid_gen(char *buf);
/*
 * Whether uuid is 8-4-4-4-12 hex digits, nothing else: a name that may
 * safely be put into a sysfs or device path.
 */
bool libmvgpu_uuid_valid(const char *uuid);

/* Read a sysfs file into buf (NUL terminated, trailing newline kept). */
ssize_t libmvgpu_sysfs_read(const char *path, char *buf, size_t len);
/* Read a sysfs file and strip the trailing newline. */
int libmvgpu_sysfs_read_str(const char *path, char *buf, size_t len);
/* Read a decimal (or 0x hex) unsigned number. */
int libmvgpu_sysfs_read_u64(const char *path, uint64_t *val);
/* Write str to a sysfs file in one write(); -errno of that write. */
int libmvgpu_sysfs_write(const char *path, const char *str);
int libmvgpu_sysfs_write_u64(const char *path, uint64_t val);

/* Paths (snprintf into buf); return -ENAMETOOLONG when they do not fit. */
int libmvgpu_path_parent(char *buf, size_t len, const char *parent,
			 const char *attr);
/*
 * The mdev parent of GPU gpu: the PCI device it belongs to ("mvgpu0" ->
 * "0000:00:03.0"), or the GPU itself when it is its own parent (a
 * software-only GPU); a name that is no GPU is copied.
 */
int libmvgpu_mdev_parent(char *buf, size_t len, const char *gpu);
int libmvgpu_path_type(char *buf, size_t len, const char *parent,
		       const char *type, const char *attr);
int libmvgpu_path_mdev(char *buf, size_t len, const char *uuid,
		       const char *attr);

/* Attributes of a parent (/sys/class/mvgpu/<parent>/<attr>). */
int libmvgpu_parent_read_u64(const char *parent, const char *attr,
			     uint64_t *val);
/* Attributes of a type (.../mdev_supported_types/<type>/<attr>). */
int libmvgpu_type_read_str(const char *parent, const char *type,
			   const char *attr, char *buf, size_t len);
int libmvgpu_type_read_u64(const char *parent, const char *type,
			   const char *attr, uint64_t *val);
/* Attributes of an instance (/sys/bus/mdev/devices/<uuid>/mvgpu/<attr>). */
int libmvgpu_mdev_read_str(const char *uuid, const char *attr, char *buf,
			   size_t len);
int libmvgpu_mdev_read_u64(const char *uuid, const char *attr, uint64_t *val);
int libmvgpu_mdev_write_u64(const char *uuid, const char *attr, uint64_t val);

/*
 * Create an mdev of type on parent. With uuid[0] == '\0' a fresh UUID is
 * generated and written back into uuid (37 bytes).
 */
int libmvgpu_mdev_create(const char *parent, const char *type, char *uuid);
/* Remove an mdev; -ENOENT when it does not exist. */
int libmvgpu_mdev_remove(const char *uuid);
/* true when /sys/bus/mdev/devices/<uuid> exists. */
bool libmvgpu_mdev_exists(const char *uuid);

/* Callback per directory entry name; a non-zero return stops the walk. */
typedef int (*libmvgpu_dir_cb)(const char *name, void *arg);
/* Sorted walk of the entries of a directory (no "." and ".."). */
int libmvgpu_dir_walk(const char *dir, libmvgpu_dir_cb cb, void *arg);

/* ---- VFIO ----------------------------------------------------------------- */

/* IOMMU group number of an mdev (the iommu_group link), or -errno. */
int libmvgpu_mdev_group(const char *uuid);

/*
 * Open the mdev uuid with the backend of libmvgpu_backend(): container,
 * group and device with a TYPE1v2 IOMMU (TYPE1 as fallback), or a new
 * iommufd with one IOAS and the device's cdev bound and attached to it.
 * dev is fully initialised on success and all fds are -1 on failure.
 */
int libmvgpu_open(struct libmvgpu_dev *dev, const char *uuid);
/*
 * The same with a given IOMMU model (VFIO_TYPE1v2_IOMMU, VFIO_TYPE1_IOMMU):
 * always the legacy container. iommu 0 is libmvgpu_open().
 */
int libmvgpu_open_iommu(struct libmvgpu_dev *dev, const char *uuid, int iommu);
/*
 * The legacy backend on the mdev uuid in IOMMU group group, without sysfs
 * (a container's view of it may be masked): /dev/vfio/<group> is opened
 * and VFIO_GROUP_GET_DEVICE_FD asked for uuid, so a uuid not in that
 * group fails with -ENODEV. All fds are -1 on failure.
 */
int libmvgpu_open_group(struct libmvgpu_dev *dev, const char *uuid,
			int group);
/* Open the mdev uuid with a given backend. */
int libmvgpu_open_backend(struct libmvgpu_dev *dev, const char *uuid,
			  enum libmvgpu_backend backend);
/*
 * Open the mdev uuid in an existing DMA context, as QEMU does for the
 * second device of a VM: container is another dev's container field. A
 * container (one whose IOMMU is set, as after libmvgpu_open()): the
 * group joins it. An iommufd: the device's cdev is bound to it and
 * attached to libmvgpu's IOAS there (the first object of an iommufd
 * libmvgpu opened, so id 1). dev->container is a duplicate of the fd,
 * which libmvgpu_close() closes. All fds are -1 on failure.
 */
int libmvgpu_open_in(struct libmvgpu_dev *dev, const char *uuid, int container);
/* Close only the device fd (the container and group stay open). */
void libmvgpu_close_device(struct libmvgpu_dev *dev);
/*
 * Get the device fd again after libmvgpu_close_device() (with
 * LIBMVGPU_IOMMUFD: opened, bound and attached again); 0 or -errno.
 */
int libmvgpu_open_device(struct libmvgpu_dev *dev);
/*
 * The device's cdev, /dev/vfio/devices/vfioN (from the mdev's
 * vfio-dev/ directory in sysfs), opened O_RDWR, neither bound nor
 * attached: the fd, or -errno (-ENOENT where the kernel has no cdev).
 */
int libmvgpu_cdev_open(const char *uuid);
/* VFIO_DEVICE_BIND_IOMMUFD of a cdev fd; *devid (may be NULL) its id. */
int libmvgpu_cdev_bind(int device, int iommufd, uint32_t *devid);
/* VFIO_DEVICE_ATTACH_IOMMUFD_PT of a bound cdev fd to IOAS (or HWPT) pt. */
int libmvgpu_cdev_attach(int device, uint32_t pt);
/* VFIO_DEVICE_DETACH_IOMMUFD_PT. */
int libmvgpu_cdev_detach(int device);
/* A new iommufd (/dev/iommu) with one IOAS, its id in *ioas; fd or -errno. */
int libmvgpu_iommufd_open(uint32_t *ioas);
/* Close everything; safe on a closed or failed dev. */
void libmvgpu_close(struct libmvgpu_dev *dev);

int libmvgpu_device_info(struct libmvgpu_dev *dev, struct vfio_device_info *info);
int libmvgpu_region_info(struct libmvgpu_dev *dev, unsigned int index,
			 struct vfio_region_info *info);
int libmvgpu_irq_info(struct libmvgpu_dev *dev, unsigned int index,
		      struct vfio_irq_info *info);

/*
 * pread/pwrite at (index << 40) + off. Return the byte count (a short
 * count is returned as is) or -errno.
 */
ssize_t libmvgpu_region_read(struct libmvgpu_dev *dev, unsigned int index,
			     uint64_t off, void *buf, size_t len);
ssize_t libmvgpu_region_write(struct libmvgpu_dev *dev, unsigned int index,
			      uint64_t off, const void *buf, size_t len);

/*
 * Move all len bytes at off of region index, in pread()/pwrite()s of at
 * most 1 MiB: 0, -errno, or -EIO when one moved nothing.
 */
int libmvgpu_region_read_all(struct libmvgpu_dev *dev, unsigned int index,
			     uint64_t off, void *buf, size_t len);
int libmvgpu_region_write_all(struct libmvgpu_dev *dev, unsigned int index,
			      uint64_t off, const void *buf, size_t len);

/* BAR0 32-bit registers; 0 on success (exactly 4 bytes moved) or -errno. */
int libmvgpu_reg_read(struct libmvgpu_dev *dev, uint32_t off, uint32_t *val);
int libmvgpu_reg_write(struct libmvgpu_dev *dev, uint32_t off, uint32_t val);
/* Convenience read: the value, or 0xffffffff when the read fails. */
uint32_t libmvgpu_rd32(struct libmvgpu_dev *dev, uint32_t off);

/* Config space (little endian); 0 on success or -errno. */
int libmvgpu_cfg_read8(struct libmvgpu_dev *dev, uint32_t off, uint8_t *val);
int libmvgpu_cfg_read16(struct libmvgpu_dev *dev, uint32_t off, uint16_t *val);
int libmvgpu_cfg_read32(struct libmvgpu_dev *dev, uint32_t off, uint32_t *val);
int libmvgpu_cfg_write8(struct libmvgpu_dev *dev, uint32_t off, uint8_t val);
int libmvgpu_cfg_write16(struct libmvgpu_dev *dev, uint32_t off, uint16_t val);
int libmvgpu_cfg_write32(struct libmvgpu_dev *dev, uint32_t off, uint32_t val);
/* Find a standard capability; its offset, 0 when absent, or -errno. */
int libmvgpu_cfg_find_cap(struct libmvgpu_dev *dev, uint8_t cap_id);
/*
 * Program the MSI capability as a guest kernel would (address 0xfee00000,
 * the given data) and set its enable bit; then, when efd >= 0, attach efd
 * to the MSI index. 0, -ENODEV without an MSI capability, or -errno.
 */
int libmvgpu_msi_enable(struct libmvgpu_dev *dev, uint16_t data, int efd);

/* mmap a whole region; *len gets its size. Returns MAP_FAILED on error
 * with errno set (like mmap(2)).
 */
void *libmvgpu_region_mmap(struct libmvgpu_dev *dev, unsigned int index,
			   size_t *len);
/*
 * Does region index advertise VFIO_REGION_INFO_FLAG_MMAP? 1 yes, 0 no,
 * -errno when its region info fails. mvgpu's BAR2 has it only on
 * kernels from 6.10 on (device.rst, region table).
 */
int libmvgpu_region_mmappable(struct libmvgpu_dev *dev, unsigned int index);

/*
 * VFIO_IOMMU_MAP_DMA of [vaddr, vaddr + size) at iova, readable and
 * writable; VFIO_IOMMU_UNMAP_DMA of [iova, iova + size), or of every
 * mapping of the container when size is 0 (VFIO_DMA_UNMAP_FLAG_ALL).
 * With LIBMVGPU_IOMMUFD: IOMMU_IOAS_MAP at the fixed IOVA iova and
 * IOMMU_IOAS_UNMAP (size 0: iova 0, length UINT64_MAX, everything) in
 * dev's IOAS. The memory itself stays. 0 or -errno, as the kernel says:
 * an unmap of a range with no mapping is 0 on type1 and -ENOENT on
 * iommufd; one that cuts a mapping is -EINVAL or -ENOENT.
 */
int libmvgpu_iommu_map(struct libmvgpu_dev *dev, void *vaddr, uint64_t iova,
		       size_t size);
int libmvgpu_iommu_unmap(struct libmvgpu_dev *dev, uint64_t iova, size_t size);
/* Allocate anonymous memory of size bytes and map it at iova. */
int libmvgpu_dma_map(struct libmvgpu_dev *dev, uint64_t iova, size_t size,
		     struct libmvgpu_dma *dma);
int libmvgpu_dma_unmap(struct libmvgpu_dev *dev, struct libmvgpu_dma *dma);

/* ---- interrupts ----------------------------------------------------------- */

/* A new non-blocking eventfd, or -errno. */
int libmvgpu_eventfd(void);
/*
 * Wait until efd is readable or timeout_ms passes. Returns 1 and the
 * counter in *count (may be NULL) when it fired, 0 on timeout, -errno on
 * error.
 */
int libmvgpu_eventfd_wait(int efd, int timeout_ms, uint64_t *count);

/* Attach efd to vector 0 of irq index (INTX, MSI, ERR, REQ). */
int libmvgpu_irq_set_eventfd(struct libmvgpu_dev *dev, unsigned int index, int efd);
/* Tear the index down (DATA_NONE, count 0). */
int libmvgpu_irq_disable(struct libmvgpu_dev *dev, unsigned int index);
/* Software-trigger vector 0 of index (DATA_NONE, count 1). */
int libmvgpu_irq_trigger(struct libmvgpu_dev *dev, unsigned int index);
/* Trigger (val true) vector 0 of index with DATA_BOOL, count 1. */
int libmvgpu_irq_trigger_bool(struct libmvgpu_dev *dev, unsigned int index,
			      bool val);
/*
 * Raw VFIO_DEVICE_SET_IRQS of count vectors from start; data is count
 * int32 eventfds (DATA_EVENTFD), count bytes (DATA_BOOL) or NULL.
 */
int libmvgpu_irq_set_raw(struct libmvgpu_dev *dev, unsigned int index,
			 uint32_t flags, uint32_t start, uint32_t count,
		      const void *data, size_t data_len);
/* INTx mask (mask true) or unmask with DATA_BOOL val. */
int libmvgpu_irq_mask_bool(struct libmvgpu_dev *dev, bool mask, bool val);
/* INTx mask / unmask (ACTION_MASK / ACTION_UNMASK, DATA_NONE). */
int libmvgpu_intx_mask(struct libmvgpu_dev *dev);
int libmvgpu_intx_unmask(struct libmvgpu_dev *dev);

/* VFIO_DEVICE_RESET. */
int libmvgpu_reset(struct libmvgpu_dev *dev);

/* ---- live migration (VFIO migration v2) ----------------------------------- */

/*
 * The PRE_COPY part of the migration uAPI came with Linux 6.2; Debian 12's
 * linux-libc-dev is 6.1. The values are the kernel's ABI.
 */
#ifndef VFIO_MIGRATION_PRE_COPY
#define VFIO_MIGRATION_PRE_COPY		(1 << 2)
#define VFIO_DEVICE_STATE_PRE_COPY	6
#define VFIO_DEVICE_STATE_PRE_COPY_P2P	7
#endif
#ifndef VFIO_DEVICE_FEATURE_MIG_DATA_SIZE
#define VFIO_DEVICE_FEATURE_MIG_DATA_SIZE 9
struct vfio_device_feature_mig_data_size {
	__aligned_u64 stop_copy_length;
};
#endif
#ifndef VFIO_MIG_GET_PRECOPY_INFO
struct vfio_precopy_info {
	__u32 argsz;
	__u32 flags;
	__aligned_u64 initial_bytes;
	__aligned_u64 dirty_bytes;
};
#define VFIO_MIG_GET_PRECOPY_INFO	_IO(VFIO_TYPE, VFIO_BASE + 21)
#endif

/* VFIO_MIGRATION_* flags the device offers. */
int libmvgpu_mig_flags(struct libmvgpu_dev *dev, uint64_t *flags);
/*
 * Move the device to state (enum vfio_device_mig_state). When the arc
 * gives a data fd, it is returned in *data_fd (else -1); with data_fd
 * NULL a returned fd is closed.
 */
int libmvgpu_mig_set_state(struct libmvgpu_dev *dev, uint32_t state, int *data_fd);
int libmvgpu_mig_get_state(struct libmvgpu_dev *dev, uint32_t *state);
/* VFIO_DEVICE_FEATURE_MIG_DATA_SIZE: estimated stop-copy bytes. */
int libmvgpu_mig_data_size(struct libmvgpu_dev *dev, uint64_t *bytes);
/* VFIO_MIG_GET_PRECOPY_INFO on a PRE_COPY data fd. */
int libmvgpu_mig_precopy_info(int data_fd, uint64_t *initial, uint64_t *dirty);

/* A migration stream in memory (zeroed to start empty). */
struct libmvgpu_mig_stream {
	uint8_t *data;
	size_t len;
	size_t cap;
};

void libmvgpu_mig_stream_free(struct libmvgpu_mig_stream *s);
/*
 * Append what a saving data fd gives to s: until its end, or with precopy
 * until ENOMSG (nothing to send right now), or once max bytes came.
 * Leaves at least 1 MiB of room after the data. Returns the bytes
 * appended or -errno.
 */
ssize_t libmvgpu_mig_read(int data_fd, struct libmvgpu_mig_stream *s, bool precopy,
			  size_t max);
/* Write len bytes to a resuming data fd, at most chunk per write(). */
int libmvgpu_mig_write(int data_fd, const void *buf, size_t len, size_t chunk);

#endif /* LIBMVGPU_VFIO_H */

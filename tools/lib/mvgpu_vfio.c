// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu_vfio: VFIO helpers (container, group, device, regions, DMA, IRQs).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <linux/pci_regs.h>

#include "mvgpu_vfio.h"

int libmvgpu_mdev_group(const char *uuid)
{
	char path[512], target[PATH_MAX], *base, *end;
	ssize_t n;
	long id;
	int ret;

	ret = libmvgpu_path_mdev(path, sizeof(path), uuid, "iommu_group");
	if (ret)
		return ret;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = basename(target);
	errno = 0;
	id = strtol(base, &end, 10);
	if (errno || *end || end == base || id < 0 || id > INT_MAX)
		return -EINVAL;
	return (int)id;
}

static int open_legacy(struct libmvgpu_dev *dev, const char *uuid, int iommu);
static int legacy_setup(struct libmvgpu_dev *dev, int iommu);

/* -1: not decided yet (libmvgpu_backend() reads MVGPU_VFIO once) */
static int backend_selected = -1;

enum libmvgpu_backend libmvgpu_backend(void)
{
	const char *env;

	if (backend_selected >= 0)
		return backend_selected;
	env = getenv("MVGPU_VFIO");
	backend_selected = LIBMVGPU_LEGACY;
	if (env && !strcmp(env, "iommufd"))
		backend_selected = LIBMVGPU_IOMMUFD;
	else if (env && *env && strcmp(env, "legacy"))
		fprintf(stderr, "libmvgpu: MVGPU_VFIO=%s unknown, using legacy\n",
			env);
	return backend_selected;
}

void libmvgpu_set_backend(enum libmvgpu_backend backend)
{
	backend_selected = backend;
}

const char *libmvgpu_backend_name(enum libmvgpu_backend backend)
{
	return backend == LIBMVGPU_IOMMUFD ? "iommufd" : "legacy";
}

static void dev_init(struct libmvgpu_dev *dev)
{
	memset(dev, 0, sizeof(*dev));
	dev->container = -1;
	dev->group = -1;
	dev->device = -1;
	dev->group_id = -1;
}

int libmvgpu_open(struct libmvgpu_dev *dev, const char *uuid)
{
	return libmvgpu_open_backend(dev, uuid, libmvgpu_backend());
}

/*
 * dev_init(), then the UUID and the group number of the mdev uuid (which
 * only the legacy backend needs).
 */
static int dev_start(struct libmvgpu_dev *dev, const char *uuid,
		     enum libmvgpu_backend backend)
{
	int ret;

	dev_init(dev);
	dev->backend = backend;
	if (strlen(uuid) != LIBMVGPU_UUID_LEN)
		return -EINVAL;
	memcpy(dev->uuid, uuid, LIBMVGPU_UUID_LEN + 1);
	ret = libmvgpu_mdev_group(uuid);
	if (ret >= 0)
		dev->group_id = ret;
	else if (backend == LIBMVGPU_LEGACY)
		return ret;
	else if (!libmvgpu_mdev_exists(uuid))
		return -ENOENT;
	return 0;
}

/* The vfioN name of the mdev's cdev, from its vfio-dev/ directory. */
static int cdev_name_cb(const char *name, void *arg)
{
	if (strncmp(name, "vfio", 4))
		return 0;
	snprintf(arg, 32, "%s", name);
	return 1;
}

int libmvgpu_cdev_open(const char *uuid)
{
	char dir[512], name[32] = "", path[64];
	int ret, fd;

	ret = libmvgpu_path_mdev(dir, sizeof(dir), uuid, "vfio-dev");
	if (ret)
		return ret;
	ret = libmvgpu_dir_walk(dir, cdev_name_cb, name);
	if (ret < 0)
		return ret;
	if (!name[0])
		return -ENOENT;
	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int libmvgpu_cdev_bind(int device, int iommufd, uint32_t *devid)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = iommufd,
	};

	if (ioctl(device, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return -errno;
	if (devid)
		*devid = bind.out_devid;
	return 0;
}

int libmvgpu_cdev_attach(int device, uint32_t pt)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.pt_id = pt,
	};

	if (ioctl(device, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		return -errno;
	return 0;
}

int libmvgpu_cdev_detach(int device)
{
	struct vfio_device_detach_iommufd_pt detach = {
		.argsz = sizeof(detach),
	};

	if (ioctl(device, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach))
		return -errno;
	return 0;
}

int libmvgpu_iommufd_open(uint32_t *ioas)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	int fd, ret;

	fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, IOMMU_IOAS_ALLOC, &alloc)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	*ioas = alloc.out_ioas_id;
	return fd;
}

/* Is fd an iommufd (/dev/iommu) rather than a container? */
static bool fd_is_iommufd(int fd)
{
	struct stat a, b;

	return !fstat(fd, &a) && !stat("/dev/iommu", &b) &&
	       S_ISCHR(a.st_mode) && a.st_rdev == b.st_rdev;
}

/* libmvgpu_open() with LIBMVGPU_IOMMUFD. */
static int open_iommufd(struct libmvgpu_dev *dev, const char *uuid)
{
	int ret;

	ret = dev_start(dev, uuid, LIBMVGPU_IOMMUFD);
	if (ret)
		return ret;
	ret = libmvgpu_iommufd_open(&dev->ioas_id);
	if (ret < 0)
		return ret;
	dev->container = ret;
	ret = libmvgpu_open_device(dev);
	if (ret)
		libmvgpu_close(dev);
	return ret;
}

int libmvgpu_open_backend(struct libmvgpu_dev *dev, const char *uuid,
			  enum libmvgpu_backend backend)
{
	if (backend == LIBMVGPU_IOMMUFD)
		return open_iommufd(dev, uuid);
	return open_legacy(dev, uuid, 0);
}

/* Open the group of dev and put it into dev->container. */
static int group_join(struct libmvgpu_dev *dev)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64];

	snprintf(path, sizeof(path), "/dev/vfio/%d", dev->group_id);
	dev->group = open(path, O_RDWR | O_CLOEXEC);
	if (dev->group < 0)
		return -errno;
	if (ioctl(dev->group, VFIO_GROUP_GET_STATUS, &status))
		return -errno;
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		return -EBUSY;
	if (ioctl(dev->group, VFIO_GROUP_SET_CONTAINER, &dev->container))
		return -errno;
	return 0;
}

/* The legacy backend; iommu 0: TYPE1v2, else TYPE1. */
static int open_legacy(struct libmvgpu_dev *dev, const char *uuid, int iommu)
{
	int ret;

	ret = dev_start(dev, uuid, LIBMVGPU_LEGACY);
	if (ret)
		return ret;
	return legacy_setup(dev, iommu);
}

int libmvgpu_open_group(struct libmvgpu_dev *dev, const char *uuid,
			int group)
{
	dev_init(dev);
	dev->backend = LIBMVGPU_LEGACY;
	if (!libmvgpu_uuid_valid(uuid) || group < 0)
		return -EINVAL;
	memcpy(dev->uuid, uuid, LIBMVGPU_UUID_LEN + 1);
	dev->group_id = group;
	return legacy_setup(dev, 0);
}

/* Container, group (dev->group_id) and device of dev, from dev_start(). */
static int legacy_setup(struct libmvgpu_dev *dev, int iommu)
{
	int ret;

	dev->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (dev->container < 0)
		goto fail_errno;
	ret = ioctl(dev->container, VFIO_GET_API_VERSION);
	if (ret != VFIO_API_VERSION) {
		ret = ret < 0 ? -errno : -ENOTSUP;
		goto fail;
	}
	ret = group_join(dev);
	if (ret)
		goto fail;

	if (!iommu) {
		iommu = VFIO_TYPE1_IOMMU;
		if (ioctl(dev->container, VFIO_CHECK_EXTENSION,
			  VFIO_TYPE1v2_IOMMU) > 0)
			iommu = VFIO_TYPE1v2_IOMMU;
	}
	if (ioctl(dev->container, VFIO_SET_IOMMU, iommu))
		goto fail_errno;

	ret = libmvgpu_open_device(dev);
	if (ret)
		goto fail;
	return 0;

fail_errno:
	ret = -errno;
fail:
	libmvgpu_close(dev);
	return ret;
}

int libmvgpu_open_iommu(struct libmvgpu_dev *dev, const char *uuid, int iommu)
{
	return iommu ? open_legacy(dev, uuid, iommu) : libmvgpu_open(dev, uuid);
}

int libmvgpu_open_in(struct libmvgpu_dev *dev, const char *uuid, int container)
{
	bool iommufd = fd_is_iommufd(container);
	int ret;

	ret = dev_start(dev, uuid, iommufd ? LIBMVGPU_IOMMUFD : LIBMVGPU_LEGACY);
	if (ret)
		return ret;
	/* libmvgpu_iommufd_open() made the IOAS first: object 1 */
	if (iommufd)
		dev->ioas_id = 1;
	dev->container = fcntl(container, F_DUPFD_CLOEXEC, 0);
	if (dev->container < 0)
		ret = -errno;
	if (!ret && !iommufd)
		ret = group_join(dev);
	if (!ret)
		ret = libmvgpu_open_device(dev);
	if (ret)
		libmvgpu_close(dev);
	return ret;
}

int libmvgpu_open_device(struct libmvgpu_dev *dev)
{
	int ret;

	if (dev->device >= 0)
		return -EBUSY;
	if (dev->backend == LIBMVGPU_IOMMUFD) {
		dev->device = libmvgpu_cdev_open(dev->uuid);
		if (dev->device < 0) {
			ret = dev->device;
			dev->device = -1;
			return ret;
		}
		ret = libmvgpu_cdev_bind(dev->device, dev->container,
					 &dev->devid);
		if (!ret)
			ret = libmvgpu_cdev_attach(dev->device, dev->ioas_id);
		if (ret) {
			libmvgpu_close_device(dev);
			return ret;
		}
	} else {
		dev->device = ioctl(dev->group, VFIO_GROUP_GET_DEVICE_FD,
				    dev->uuid);
		if (dev->device < 0)
			return -errno;
	}
	ret = libmvgpu_device_info(dev, &dev->info);
	if (ret)
		libmvgpu_close_device(dev);
	return ret;
}

void libmvgpu_close_device(struct libmvgpu_dev *dev)
{
	if (dev->device >= 0)
		close(dev->device);
	dev->device = -1;
}

void libmvgpu_close(struct libmvgpu_dev *dev)
{
	libmvgpu_close_device(dev);
	if (dev->group >= 0)
		close(dev->group);
	if (dev->container >= 0)
		close(dev->container);
	dev->group = -1;
	dev->container = -1;
}

int libmvgpu_device_info(struct libmvgpu_dev *dev, struct vfio_device_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	if (ioctl(dev->device, VFIO_DEVICE_GET_INFO, info))
		return -errno;
	return 0;
}

int libmvgpu_region_info(struct libmvgpu_dev *dev, unsigned int index,
			 struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	if (ioctl(dev->device, VFIO_DEVICE_GET_REGION_INFO, info))
		return -errno;
	return 0;
}

int libmvgpu_region_mmappable(struct libmvgpu_dev *dev, unsigned int index)
{
	struct vfio_region_info info;
	int ret = libmvgpu_region_info(dev, index, &info);

	if (ret)
		return ret;
	return !!(info.flags & VFIO_REGION_INFO_FLAG_MMAP);
}

int libmvgpu_irq_info(struct libmvgpu_dev *dev, unsigned int index,
		      struct vfio_irq_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	if (ioctl(dev->device, VFIO_DEVICE_GET_IRQ_INFO, info))
		return -errno;
	return 0;
}

ssize_t libmvgpu_region_read(struct libmvgpu_dev *dev, unsigned int index,
			     uint64_t off, void *buf, size_t len)
{
	ssize_t n;

	do {
		n = pread(dev->device, buf, len,
			  LIBMVGPU_REGION_OFFSET(index) + off);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

ssize_t libmvgpu_region_write(struct libmvgpu_dev *dev, unsigned int index,
			      uint64_t off, const void *buf, size_t len)
{
	ssize_t n;

	do {
		n = pwrite(dev->device, buf, len,
			   LIBMVGPU_REGION_OFFSET(index) + off);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static int region_rw_all(struct libmvgpu_dev *dev, unsigned int index,
			 uint64_t off, void *buf, size_t len, bool write)
{
	const size_t CHUNK = 1 << 20;
	size_t done, n;
	ssize_t ret;

	for (done = 0; done < len; done += (size_t)ret) {
		n = len - done < CHUNK ? len - done : CHUNK;
		if (write)
			ret = libmvgpu_region_write(dev, index, off + done,
						    (char *)buf + done, n);
		else
			ret = libmvgpu_region_read(dev, index, off + done,
						   (char *)buf + done, n);
		if (ret < 0)
			return (int)ret;
		if (!ret)
			return -EIO;
	}
	return 0;
}

int libmvgpu_region_read_all(struct libmvgpu_dev *dev, unsigned int index,
			     uint64_t off, void *buf, size_t len)
{
	return region_rw_all(dev, index, off, buf, len, false);
}

int libmvgpu_region_write_all(struct libmvgpu_dev *dev, unsigned int index,
			      uint64_t off, const void *buf, size_t len)
{
	return region_rw_all(dev, index, off, (void *)buf, len, true);
}

/* Exact-size access: 0, -errno, or -EIO for a short transfer. */
static int rw_exact(struct libmvgpu_dev *dev, unsigned int index, uint64_t off,
		    void *buf, size_t len, bool write)
{
	ssize_t n;

	if (write)
		n = libmvgpu_region_write(dev, index, off, buf, len);
	else
		n = libmvgpu_region_read(dev, index, off, buf, len);
	if (n < 0)
		return n;
	return (size_t)n == len ? 0 : -EIO;
}

/* Registers and config space are little endian, as is x86. */
int libmvgpu_reg_read(struct libmvgpu_dev *dev, uint32_t off, uint32_t *val)
{
	return rw_exact(dev, VFIO_PCI_BAR0_REGION_INDEX, off, val, 4, false);
}

int libmvgpu_reg_write(struct libmvgpu_dev *dev, uint32_t off, uint32_t val)
{
	return rw_exact(dev, VFIO_PCI_BAR0_REGION_INDEX, off, &val, 4, true);
}

uint32_t libmvgpu_rd32(struct libmvgpu_dev *dev, uint32_t off)
{
	uint32_t val;

	if (libmvgpu_reg_read(dev, off, &val))
		return 0xffffffff;
	return val;
}

int libmvgpu_cfg_read8(struct libmvgpu_dev *dev, uint32_t off, uint8_t *val)
{
	return rw_exact(dev, VFIO_PCI_CONFIG_REGION_INDEX, off, val, 1, false);
}

int libmvgpu_cfg_read16(struct libmvgpu_dev *dev, uint32_t off, uint16_t *val)
{
	return rw_exact(dev, VFIO_PCI_CONFIG_REGION_INDEX, off, val, 2, false);
}

int libmvgpu_cfg_read32(struct libmvgpu_dev *dev, uint32_t off, uint32_t *val)
{
	return rw_exact(dev, VFIO_PCI_CONFIG_REGION_INDEX, off, val, 4, false);
}

int libmvgpu_cfg_write8(struct libmvgpu_dev *dev, uint32_t off, uint8_t val)
{
	return rw_exact(dev, VFIO_PCI_CONFIG_REGION_INDEX, off, &val, 1, true);
}

int libmvgpu_cfg_write16(struct libmvgpu_dev *dev, uint32_t off, uint16_t val)
{
	return rw_exact(dev, VFIO_PCI_CONFIG_REGION_INDEX, off, &val, 2, true);
}

int libmvgpu_cfg_write32(struct libmvgpu_dev *dev, uint32_t off, uint32_t val)
{
	return rw_exact(dev, VFIO_PCI_CONFIG_REGION_INDEX, off, &val, 4, true);
}

int libmvgpu_cfg_find_cap(struct libmvgpu_dev *dev, uint8_t cap_id)
{
	uint8_t pos, id;
	uint16_t status;
	int ret, hops;

	ret = libmvgpu_cfg_read16(dev, 0x06, &status);
	if (ret)
		return ret;
	if (!(status & 0x10))
		return 0;
	ret = libmvgpu_cfg_read8(dev, 0x34, &pos);
	if (ret)
		return ret;
	/* at most 48 capabilities fit in 192 bytes: stop on loops */
	for (hops = 0; pos >= 0x40 && hops < 48; hops++) {
		pos &= ~3;
		ret = libmvgpu_cfg_read8(dev, pos, &id);
		if (ret)
			return ret;
		if (id == cap_id)
			return pos;
		ret = libmvgpu_cfg_read8(dev, pos + 1, &pos);
		if (ret)
			return ret;
	}
	return 0;
}

int libmvgpu_msi_enable(struct libmvgpu_dev *dev, uint16_t data, int efd)
{
	uint16_t ctrl;
	int pos, ret;

	pos = libmvgpu_cfg_find_cap(dev, PCI_CAP_ID_MSI);
	if (pos <= 0)
		return pos < 0 ? pos : -ENODEV;
	ret = libmvgpu_cfg_read16(dev, pos + PCI_MSI_FLAGS, &ctrl);
	if (!ret)
		ret = libmvgpu_cfg_write32(dev, pos + PCI_MSI_ADDRESS_LO,
					   0xfee00000);
	if (!ret && (ctrl & PCI_MSI_FLAGS_64BIT))
		ret = libmvgpu_cfg_write32(dev, pos + PCI_MSI_ADDRESS_HI, 0);
	if (!ret)
		ret = libmvgpu_cfg_write16(dev, pos +
					(ctrl & PCI_MSI_FLAGS_64BIT ?
					 PCI_MSI_DATA_64 : PCI_MSI_DATA_32),
					data);
	if (!ret)
		ret = libmvgpu_cfg_write16(dev, pos + PCI_MSI_FLAGS,
					   ctrl | PCI_MSI_FLAGS_ENABLE);
	if (!ret && efd >= 0)
		ret = libmvgpu_irq_set_eventfd(dev, VFIO_PCI_MSI_IRQ_INDEX, efd);
	return ret;
}

void *libmvgpu_region_mmap(struct libmvgpu_dev *dev, unsigned int index,
			   size_t *len)
{
	struct vfio_region_info info;
	void *p;
	int ret;

	ret = libmvgpu_region_info(dev, index, &info);
	if (ret) {
		errno = -ret;
		return MAP_FAILED;
	}
	if (!(info.flags & VFIO_REGION_INFO_FLAG_MMAP) || !info.size) {
		errno = ENOTSUP;
		return MAP_FAILED;
	}
	p = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 dev->device, info.offset);
	if (p != MAP_FAILED && len)
		*len = info.size;
	return p;
}

int libmvgpu_iommu_map(struct libmvgpu_dev *dev, void *vaddr, uint64_t iova,
		       size_t size)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};
	struct iommu_ioas_map ioas_map = {
		.size = sizeof(ioas_map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = dev->ioas_id,
		.user_va = (uintptr_t)vaddr,
		.length = size,
		.iova = iova,
	};

	if (dev->backend == LIBMVGPU_IOMMUFD) {
		if (ioctl(dev->container, IOMMU_IOAS_MAP, &ioas_map))
			return -errno;
		return 0;
	}
	if (ioctl(dev->container, VFIO_IOMMU_MAP_DMA, &map))
		return -errno;
	return 0;
}

int libmvgpu_iommu_unmap(struct libmvgpu_dev *dev, uint64_t iova, size_t size)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = size,
	};

	struct iommu_ioas_unmap ioas_unmap = {
		.size = sizeof(ioas_unmap),
		.ioas_id = dev->ioas_id,
		.iova = size ? iova : 0,
		.length = size ? size : UINT64_MAX,
	};

	if (dev->backend == LIBMVGPU_IOMMUFD) {
		if (ioctl(dev->container, IOMMU_IOAS_UNMAP, &ioas_unmap))
			return -errno;
		return 0;
	}
	if (!size)
		unmap.flags = VFIO_DMA_UNMAP_FLAG_ALL;
	if (ioctl(dev->container, VFIO_IOMMU_UNMAP_DMA, &unmap))
		return -errno;
	return 0;
}

int libmvgpu_dma_map(struct libmvgpu_dev *dev, uint64_t iova, size_t size,
		     struct libmvgpu_dma *dma)
{
	void *p;
	int ret;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	ret = libmvgpu_iommu_map(dev, p, iova, size);
	if (ret) {
		munmap(p, size);
		return ret;
	}
	dma->vaddr = p;
	dma->iova = iova;
	dma->size = size;
	return 0;
}

int libmvgpu_dma_unmap(struct libmvgpu_dev *dev, struct libmvgpu_dma *dma)
{
	int ret;

	if (!dma->vaddr)
		return 0;
	ret = libmvgpu_iommu_unmap(dev, dma->iova, dma->size);
	munmap(dma->vaddr, dma->size);
	dma->vaddr = NULL;
	return ret;
}

int libmvgpu_eventfd(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int libmvgpu_eventfd_wait(int efd, int timeout_ms, uint64_t *count)
{
	struct pollfd pfd = { .fd = efd, .events = POLLIN };
	uint64_t val;
	int ret;

	do {
		ret = poll(&pfd, 1, timeout_ms);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (!ret)
		return 0;
	if (read(efd, &val, sizeof(val)) != sizeof(val))
		return errno == EAGAIN ? 0 : -errno;
	if (count)
		*count = val;
	return 1;
}

static int irq_set(struct libmvgpu_dev *dev, unsigned int index, uint32_t flags,
		   uint32_t count, const int32_t *fd)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *set = (struct vfio_irq_set *)buf;

	memset(buf, 0, sizeof(buf));
	set->argsz = sizeof(*set) + (fd ? sizeof(int32_t) : 0);
	set->flags = flags;
	set->index = index;
	set->start = 0;
	set->count = count;
	if (fd)
		memcpy(set->data, fd, sizeof(*fd));
	if (ioctl(dev->device, VFIO_DEVICE_SET_IRQS, set))
		return -errno;
	return 0;
}

int libmvgpu_irq_set_eventfd(struct libmvgpu_dev *dev, unsigned int index, int efd)
{
	int32_t fd = efd;

	return irq_set(dev, index, VFIO_IRQ_SET_DATA_EVENTFD |
		       VFIO_IRQ_SET_ACTION_TRIGGER, 1, &fd);
}

int libmvgpu_irq_disable(struct libmvgpu_dev *dev, unsigned int index)
{
	return irq_set(dev, index, VFIO_IRQ_SET_DATA_NONE |
		       VFIO_IRQ_SET_ACTION_TRIGGER, 0, NULL);
}

int libmvgpu_irq_trigger(struct libmvgpu_dev *dev, unsigned int index)
{
	return irq_set(dev, index, VFIO_IRQ_SET_DATA_NONE |
		       VFIO_IRQ_SET_ACTION_TRIGGER, 1, NULL);
}

int libmvgpu_irq_trigger_bool(struct libmvgpu_dev *dev, unsigned int index,
			      bool val)
{
	uint8_t b = val;

	return libmvgpu_irq_set_raw(dev, index, VFIO_IRQ_SET_DATA_BOOL |
				 VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1, &b, 1);
}

int libmvgpu_irq_set_raw(struct libmvgpu_dev *dev, unsigned int index,
			 uint32_t flags, uint32_t start, uint32_t count,
		      const void *data, size_t data_len)
{
	struct vfio_irq_set *set;
	size_t sz = sizeof(*set) + data_len;
	int ret = 0;

	set = calloc(1, sz);
	if (!set)
		return -ENOMEM;
	set->argsz = sz;
	set->flags = flags;
	set->index = index;
	set->start = start;
	set->count = count;
	if (data_len)
		memcpy(set->data, data, data_len);
	if (ioctl(dev->device, VFIO_DEVICE_SET_IRQS, set))
		ret = -errno;
	free(set);
	return ret;
}

int libmvgpu_irq_mask_bool(struct libmvgpu_dev *dev, bool mask, bool val)
{
	uint8_t b = val;

	return libmvgpu_irq_set_raw(dev, VFIO_PCI_INTX_IRQ_INDEX,
				 VFIO_IRQ_SET_DATA_BOOL |
				 (mask ? VFIO_IRQ_SET_ACTION_MASK :
				  VFIO_IRQ_SET_ACTION_UNMASK), 0, 1, &b, 1);
}

int libmvgpu_intx_mask(struct libmvgpu_dev *dev)
{
	return irq_set(dev, VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_DATA_NONE |
		       VFIO_IRQ_SET_ACTION_MASK, 1, NULL);
}

int libmvgpu_intx_unmask(struct libmvgpu_dev *dev)
{
	return irq_set(dev, VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_DATA_NONE |
		       VFIO_IRQ_SET_ACTION_UNMASK, 1, NULL);
}

int libmvgpu_reset(struct libmvgpu_dev *dev)
{
	if (ioctl(dev->device, VFIO_DEVICE_RESET))
		return -errno;
	return 0;
}

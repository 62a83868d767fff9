// SPDX-License-Identifier: GPL-2.0
/* Probe (6.19): the vfio core answers VFIO_DEVICE_GET_REGION_INFO itself. */
#include <linux/vfio.h>

static int probe(struct vfio_device *vdev, struct vfio_region_info *info,
		 struct vfio_info_cap *caps)
{
	return 0;
}

static const struct vfio_device_ops __maybe_unused probe_ops = {
	.get_region_info_caps = probe,
};

// SPDX-License-Identifier: GPL-2.0
/* Probe (6.10): each vfio device file has an inode of its own. */
#include <linux/vfio.h>

static struct inode * __maybe_unused probe(struct vfio_device *vdev)
{
	return vdev->inode;
}

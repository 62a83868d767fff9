// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu_mig: the VFIO migration v2 calls of a vGPU, as QEMU makes them
 * (VFIO_DEVICE_FEATURE_MIGRATION, _MIG_DEVICE_STATE, _MIG_DATA_SIZE and
 * VFIO_MIG_GET_PRECOPY_INFO on the data fd).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "lib/mvgpu_vfio.h"

/* VFIO_DEVICE_FEATURE with a payload of len bytes; 0 or -errno. */
static int mig_feature(struct libmvgpu_dev *dev, uint32_t flags, void *payload,
		       size_t len)
{
	union {
		struct vfio_device_feature hdr;
		uint64_t align[(sizeof(struct vfio_device_feature) + 64) / 8];
	} buf;

	if (len > 64)
		return -EINVAL;
	memset(&buf, 0, sizeof(buf));
	buf.hdr.argsz = sizeof(buf.hdr) + len;
	buf.hdr.flags = flags;
	if (len)
		memcpy(buf.hdr.data, payload, len);
	if (ioctl(dev->device, VFIO_DEVICE_FEATURE, &buf))
		return -errno;
	if (len)
		memcpy(payload, buf.hdr.data, len);
	return 0;
}

int libmvgpu_mig_flags(struct libmvgpu_dev *dev, uint64_t *flags)
{
	struct vfio_device_feature_migration mig = {};
	int ret;

	ret = mig_feature(dev, VFIO_DEVICE_FEATURE_GET |
			  VFIO_DEVICE_FEATURE_MIGRATION, &mig, sizeof(mig));
	if (!ret)
		*flags = mig.flags;
	return ret;
}

int libmvgpu_mig_set_state(struct libmvgpu_dev *dev, uint32_t state, int *data_fd)
{
	struct vfio_device_feature_mig_state st = { .device_state = state };
	int ret;

	ret = mig_feature(dev, VFIO_DEVICE_FEATURE_SET |
			  VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &st, sizeof(st));
	if (data_fd)
		*data_fd = ret ? -1 : st.data_fd;
	else if (!ret && st.data_fd >= 0)
		close(st.data_fd);
	return ret;
}

int libmvgpu_mig_get_state(struct libmvgpu_dev *dev, uint32_t *state)
{
	struct vfio_device_feature_mig_state st = {};
	int ret;

	ret = mig_feature(dev, VFIO_DEVICE_FEATURE_GET |
			  VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &st, sizeof(st));
	if (!ret)
		*state = st.device_state;
	return ret;
}

int libmvgpu_mig_data_size(struct libmvgpu_dev *dev, uint64_t *bytes)
{
	struct vfio_device_feature_mig_data_size size = {};
	int ret;

	ret = mig_feature(dev, VFIO_DEVICE_FEATURE_GET |
			  VFIO_DEVICE_FEATURE_MIG_DATA_SIZE, &size, sizeof(size));
	if (!ret)
		*bytes = size.stop_copy_length;
	return ret;
}

int libmvgpu_mig_precopy_info(int data_fd, uint64_t *initial, uint64_t *dirty)
{
	struct vfio_precopy_info info = { .argsz = sizeof(info) };

	if (ioctl(data_fd, VFIO_MIG_GET_PRECOPY_INFO, &info))
		return -errno;
	*initial = info.initial_bytes;
	*dirty = info.dirty_bytes;
	return 0;
}

void libmvgpu_mig_stream_free(struct libmvgpu_mig_stream *s)
{
	free(s->data);
	memset(s, 0, sizeof(*s));
}

ssize_t libmvgpu_mig_read(int data_fd, struct libmvgpu_mig_stream *s, bool precopy,
			  size_t max)
{
	size_t start = s->len;

	while (s->len - start < max) {
		ssize_t n;

		if (s->cap - s->len < (1u << 20)) {
			uint8_t *p = realloc(s->data, s->cap + (8u << 20));

			if (!p)
				return -ENOMEM;
			s->data = p;
			s->cap += 8u << 20;
		}
		n = read(data_fd, s->data + s->len, s->cap - s->len);
		if (n > 0) {
			s->len += n;
			continue;
		}
		if (n < 0 && !(precopy && errno == ENOMSG))
			return -errno;
		break;
	}
	return s->len - start;
}

int libmvgpu_mig_write(int data_fd, const void *buf, size_t len, size_t chunk)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(data_fd, p, len < chunk ? len : chunk);

		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= n;
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/* mvgpu_pci.h: an mvgpu vGPU's PCI function through sysfs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/mvgpu.h>

#include "mvgpu_pci.h"

static int read_hex(const char *dir, const char *name, unsigned long *val)
{
	char path[512], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	*val = strtoul(buf, NULL, 16);
	return 0;
}

int mvgpu_pci_find(char *out, size_t len)
{
	const char *root = "/sys/bus/pci/devices";
	unsigned long vendor, device;
	struct dirent *de;
	char dir[512];
	DIR *d;

	d = opendir(root);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", root, de->d_name);
		if (read_hex(dir, "vendor", &vendor) ||
		    read_hex(dir, "device", &device))
			continue;
		if (vendor == MVGPU_PCI_VENDOR_ID &&
		    device == MVGPU_PCI_DEVICE_ID) {
			snprintf(out, len, "%s", dir);
			closedir(d);
			return 0;
		}
	}
	closedir(d);
	return -1;
}

void *mvgpu_pci_map(const char *dev, int bar, int prot, size_t *len)
{
	char path[512];
	struct stat st;
	void *p;
	int fd;

	snprintf(path, sizeof(path), "%s/resource%d", dev, bar);
	fd = open(path, ((prot & PROT_WRITE) ? O_RDWR : O_RDONLY) | O_SYNC);
	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	*len = st.st_size;
	p = mmap(NULL, *len, prot, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		fprintf(stderr, "mmap %s: %s\n", path, strerror(errno));
		return NULL;
	}
	return p;
}

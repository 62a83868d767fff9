// SPDX-License-Identifier: GPL-2.0
/*
 * unload_while_open: helper of module_unload.sh (not a test on its own).
 *
 * Creates a vGPU on PARENT, opens it with a REQ eventfd, then unloads
 * mvgpu_sim from a child process. The unload must signal REQ; the holder
 * then closes the device and the unload must complete.
 *
 * Usage: unload_while_open PARENT      exit 0 on success, 1 on failure
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mvgpu_test.h"

#define REQ_TIMEOUT_MS	60000

int main(int argc, char **argv)
{
	struct mt_vgpu v;
	uint64_t count = 0;
	int efd, ret, status;
	pid_t child;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PARENT\n", argv[0]);
		return 2;
	}
	ret = mt_vgpu_create_open(&v, argv[1], MT_T18);
	if (ret) {
		printf("# create/open: %s\n", strerror(-ret));
		mt_vgpu_destroy(&v);
		return 1;
	}
	efd = libmvgpu_eventfd();
	if (efd < 0 ||
	    libmvgpu_irq_set_eventfd(&v.dev, VFIO_PCI_REQ_IRQ_INDEX, efd)) {
		printf("# REQ eventfd setup failed\n");
		mt_vgpu_destroy(&v);
		return 1;
	}

	fflush(stdout);
	child = fork();
	if (child < 0) {
		mt_vgpu_destroy(&v);
		return 1;
	}
	if (!child) {
		/* the child does not hold the device: drop its copies */
		close(v.dev.device);
		close(v.dev.group);
		close(v.dev.container);
		if (syscall(SYS_delete_module, "mvgpu_sim", O_NONBLOCK)) {
			printf("# delete_module(mvgpu_sim): %s\n",
			       strerror(errno));
			_exit(1);
		}
		_exit(0);
	}

	ret = libmvgpu_eventfd_wait(efd, REQ_TIMEOUT_MS, &count);
	if (ret != 1)
		printf("# no REQ within %d ms (%d)\n", REQ_TIMEOUT_MS, ret);
	else
		printf("# REQ signalled (%llu), closing the device\n",
		       (unsigned long long)count);
	/* let go in any case, so that the unload can finish */
	libmvgpu_close(&v.dev);
	close(efd);

	if (waitpid(child, &status, 0) != child) {
		printf("# waitpid: %s\n", strerror(errno));
		return 1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		printf("# unload failed\n");
		return 1;
	}
	if (libmvgpu_mdev_exists(v.uuid)) {
		printf("# %s still exists after the unload\n", v.uuid);
		return 1;
	}
	return ret == 1 ? 0 : 1;
}

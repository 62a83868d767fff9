// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu mediator: module entry (skeleton).
 */
#include <linux/module.h>

static int __init mvgpu_init(void)
{
	return 0;
}

static void __exit mvgpu_exit(void)
{
}

module_init(mvgpu_init);
module_exit(mvgpu_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mvgpu mediated vGPU");

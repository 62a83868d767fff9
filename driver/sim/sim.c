// SPDX-License-Identifier: GPL-2.0
/*
 * mvgpu_sim: software model of a physical GPU (skeleton).
 */
#include <linux/module.h>

static int __init mvgpu_sim_init(void)
{
	return 0;
}

static void __exit mvgpu_sim_exit(void)
{
}

module_init(mvgpu_sim_init);
module_exit(mvgpu_sim_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mvgpu software model of a physical GPU");

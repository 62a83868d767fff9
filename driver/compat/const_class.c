// SPDX-License-Identifier: GPL-2.0
/* Probe (6.4): class_register() takes a const struct class. */
#include <linux/device/class.h>

static const struct class probe_class = { .name = "probe" };

static int __maybe_unused probe(void)
{
	return class_register(&probe_class);
}

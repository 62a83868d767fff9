// SPDX-License-Identifier: GPL-2.0
/*
 * Probe of nothing: must compile. If it does not, the compiler fails on
 * every probe, and mvgpu_autoconf.h says so with an #error rather than
 * giving the oldest kernel's code paths.
 */
#include <linux/kernel.h>

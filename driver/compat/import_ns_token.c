// SPDX-License-Identifier: GPL-2.0
/* Probe (before 6.13): MODULE_IMPORT_NS() takes a token, not a string. */
#include <linux/module.h>

MODULE_IMPORT_NS(MVGPU_PROBE_NS);

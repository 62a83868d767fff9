// SPDX-License-Identifier: GPL-2.0
/* Probe (6.8): eventfd_signal() lost its count argument. */
#include <linux/eventfd.h>

static void __maybe_unused probe(struct eventfd_ctx *ctx)
{
	eventfd_signal(ctx);
}

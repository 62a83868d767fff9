#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Two VMs on vGPUs of two types (1/8, weight 2, and 1/4, weight 4) of one
# GPU run real work at the same time; see guest_lib.sh.

cd "$(dirname "$0")" || exit 1
. ./e2e_lib.sh
. ./guest_lib.sh

guest_pair_test mvgpu0 mvgpu-1_8 mvgpu-1_4 two_types

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Two VMs on vGPUs of two types (1/8, weight 8, and 1/4, weight 16) of one
# GPU run real work at the same time; see guest_lib.sh.

cd "$(dirname "$0")" || exit 1
. ./e2e_lib.sh
. ./guest_lib.sh

guest_pair_test mvgpu0 mvgpu-1_8 mvgpu-1_4 two_types

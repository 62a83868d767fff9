#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Two VMs on vGPUs of the same type (1/4, weight 16 each) of one
# GPU run real work at the same time; see guest_lib.sh.

cd "$(dirname "$0")" || exit 1
. ./e2e_lib.sh
. ./guest_lib.sh

guest_pair_test mvgpu0 mvgpu-1_4 mvgpu-1_4 same_type

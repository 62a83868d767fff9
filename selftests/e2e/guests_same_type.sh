#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Two VMs on vGPUs of the same type (1/4, weight 4 each) of one
# GPU run real work at the same time; see guest_lib.sh.

cd "$(dirname "$0")" || exit 1
. ./e2e_lib.sh
. ./guest_lib.sh

e2e_requirements
[ -d /sys/class/mdev_bus/mvgpu0 ] || skip_all "no mvgpu0 (mvgpu_sim not loaded)"
tap_plan 30
guest_pair mvgpu0 mvgpu-1_4 mvgpu-1_4 same_type
tap_exit

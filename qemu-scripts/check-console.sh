#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scan a VM console log for kernel trouble.
#
# Usage: check-console.sh CONSOLE_LOG
# Prints the offending lines (with line numbers) and exits 1 when any
# warning, BUG, oops, lockup, hung task, leak report, list corruption,
# refcount or UBSAN report appears; exits 0 when the log is clean.
#
# Two reports are known and come from vfio itself (see
# Documentation/mvgpu/testing.rst, "Known kernel reports"); each is printed
# as a "KNOWN" line instead and does not fail the scan:
# - lockdep's circular dependency through vfio_iommu_type1's two locks
#   (6.12 takes iommu->lock then device_list_lock when a device is
#   opened, and calls a driver's dma_unmap under device_list_lock, where
#   the driver must take the lock that guards its pins and unpin, which
#   takes iommu->lock), with no lock in its chain but those two and the
#   vGPU's shadow_lock;
# - the WARN_ON(group->iommu_group) in vfio_group_release() when
#   vfio_create_group() fails an allocation (fault injection only).
set -euo pipefail

[ $# = 1 ] || { echo "usage: ${0##*/} CONSOLE_LOG" >&2; exit 2; }
[ -f "$1" ] || { echo "${0##*/}: $1: no such file" >&2; exit 2; }

pattern='WARNING:|BUG:|Oops|general protection|Call Trace|soft lockup|hard LOCKUP'
pattern+='|hung_task|blocked for more than|suspected memory leak|list_add corruption|list_del corruption'
pattern+='|refcount_t:|UBSAN'

known=$(mktemp)
trap 'rm -f "$known" "$known.log"' EXIT

# Blank out the known report (keeping line numbers); note it in $known.
tr -d '\r' < "$1" | awk -v known="$known" '
function start(k) {
	if (inblk)
		for (i = first; i < NR; i++)
			print buf[i];
	delete buf;
	inblk = 1; kind = k; first = NR; chain = 0; sig = 0; iommu = 0;
	reg = 0; grp = 0; locks = "";
}
/possible circular locking dependency detected/ { start("lockdep") }
/-----------\[ cut here \]-----------/ { start("warn") }
inblk {
	buf[NR] = $0;
	if (match($0, /-> #[0-9]+ \([^)]*\)/)) {
		chain++;
		l = substr($0, RSTART, RLENGTH);
		sub(/^-> #[0-9]+ \(/, "", l);
		sub(/\)$/, "", l);
		locks = locks (locks == "" ? "" : " <- ") l;
		if (l ~ /^&iommu->(device_list_lock|lock)$/)
			iommu++;
		if (l ~ /^&(iommu->(device_list_lock|lock)|vgpu->shadow_lock)$/)
			sig++;
	}
	if ($0 ~ /vfio_iommu_type1_register_device/)
		reg = 1;
	if ($0 ~ /WARNING: .* at drivers\/vfio\/group\.c:[0-9]+ vfio_group_release/)
		grp++;
	if ($0 ~ / vfio_create_group\+/)
		grp++;
	if ($0 ~ /<\/TASK>/) {
		what = "";
		if (kind == "lockdep" && chain == sig && iommu == 2 && reg)
			what = "lockdep cycle " locks ", from vfio_iommu_type1; lockdep is off after it";
		if (kind == "warn" && grp == 2)
			what = "vfio_group_release() warning after vfio_create_group() failed";
		if (what != "")
			printf "KNOWN line %d: %s\n", first, what > known;
		for (i = first; i <= NR; i++)
			print (what != "" ? "" : buf[i]);
		delete buf;
		inblk = 0;
	}
	next;
}
{ print }
END {
	if (inblk)
		for (i = first; i <= NR; i++)
			print buf[i];
}' > "$known.log"

cat "$known"
if grep -n -a -E "$pattern" "$known.log" | head -n 40; then
	exit 1
fi
exit 0

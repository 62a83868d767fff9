#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) the root filesystem of the Debian test VM: a real Debian 12
# system made with debootstrap from the Debian archive this machine's apt
# sources name, with systemd, udev, the Debian 6.12 kernel of the ABI
# install-deps.sh uses (linux-image-<abi>-unsigned, from the cached .deb
# when there is one) and its headers, dkms, gcc, mdevctl, libvirt
# (libvirt-daemon-system, libvirt-clients) and QEMU, all Debian packages;
# and print the directory that holds it:
#
#   rootfs.img        the ext4 image (mkfs.ext4 -d: no loop mount); boot it
#                     with a throw-away overlay (snapshot=on) so that it
#                     stays clean
#   vmlinuz, initrd   the kernel and initramfs of its /boot, for -kernel
#                     and -initrd
#   abi, packages     the kernel ABI and the package list it was made with
#
# At boot the image runs mvgpu-test.service: it mounts the disk labelled
# MVGPU (read-only) on /mnt/mvgpu and runs /mnt/mvgpu/run.sh there
# (debian-vm.sh makes that disk). Nothing mvgpu-specific is in the image
# itself, so a change to the project does not rebuild it.
#
# Cache: /var/cache/mvgpu/debian-<hash> (or $BUILD/debian-<hash> when that
# is not writable), <hash> covering the package list, the kernel ABI and
# this script; older ones are deleted. The first build downloads about
# 300 MB and takes a few minutes.
#
# Usage: debian-rootfs.sh    (root; progress on stderr, the path on stdout)
set -euo pipefail

# shellcheck source=qemu-scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TOP=$(mvgpu_top)
BUILD=${BUILD:-$TOP/build}
[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot)"
for t in debootstrap mkfs.ext4 chroot; do
	command -v "$t" > /dev/null || die "$t not found (run 'make deps')"
done

ABI=$(kernel_abi)
SUITE=bookworm
# What the VM needs, as an operator would install it (no Recommends).
PACKAGES="systemd-sysv udev kmod dbus procps e2fsprogs initramfs-tools linux-base
	  dkms make gcc libc6-dev linux-headers-$ABI
	  mdevctl libvirt-daemon-system libvirt-clients qemu-system-x86 jq"
uri=$(debian_uri | head -n1)
sec_uri=$(debian_security_uri | head -n1)
[ -n "$uri" ] || die "no configured Debian source (apt) to take the archive from"
[ -n "$sec_uri" ] || die "no configured bookworm-security source (apt): the 6.12 kernel is there"

cache=/var/cache/mvgpu
mkdir -p "$cache" 2> /dev/null && [ -w "$cache" ] || cache=$BUILD
mkdir -p "$cache"
key=$({ echo "$SUITE $ABI"; echo "$PACKAGES" | tr -s ' \t\n' ' '; cat "$0"; } |
      sha256sum | cut -c1-16)
out=$cache/debian-$key

# One builder at a time; the others wait for its result.
exec 9> "$cache/.debian.lock"
flock 9
if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi

start=$(date +%s)
rm -rf "$out"
mkdir -p "$out"
root=$out/root
mounted=()
cleanup() {
	local i

	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount -l "${mounted[i]}" 2> /dev/null || true
	done
}
trap cleanup EXIT

note "debootstrap $SUITE (minbase) into $root"
debootstrap --variant=minbase --include=ca-certificates \
	"$SUITE" "$root" "$uri" > "$out/debootstrap.log" 2>&1 ||
	{ tail -n 30 "$out/debootstrap.log" >&2; die "debootstrap failed (log: $out/debootstrap.log)"; }

# The archive and its security suite, as this machine has them configured.
rm -f "$root/etc/apt/sources.list"
cat > "$root/etc/apt/sources.list.d/debian.sources" <<EOS
Types: deb
URIs: $uri
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $sec_uri
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
# No service starts inside the chroot.
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
for d in proc sys dev dev/pts; do
	mount --bind "/$d" "$root/$d"
	mounted+=("$root/$d")
done
cp /etc/resolv.conf "$root/etc/resolv.conf" 2> /dev/null || true
# A small initramfs: what booting from a virtio disk needs, not every driver.
mkdir -p "$root/etc/initramfs-tools/conf.d"
echo "MODULES=list" > "$root/etc/initramfs-tools/conf.d/mvgpu-vm.conf"
printf '%s\n' virtio_pci virtio_blk ext4 >> "$root/etc/initramfs-tools/modules"

in_root() {
	chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"
}
note "apt-get install: $(tr -s ' \t\n' ' ' <<< "$PACKAGES")"
in_root apt-get update -qq > "$out/apt.log" 2>&1 ||
	{ tail -n 30 "$out/apt.log" >&2; die "apt-get update in the image failed"; }
# shellcheck disable=SC2086 # a list of package names
in_root apt-get install -y -q --no-install-recommends $PACKAGES >> "$out/apt.log" 2>&1 ||
	{ tail -n 30 "$out/apt.log" >&2; die "apt-get install in the image failed (log: $out/apt.log)"; }
# The kernel: the same package the busybox VM uses (cached by
# install-deps.sh), else from the archive.
deb=$(find /var/cache/mvgpu -maxdepth 1 -name "linux-image-${ABI}-unsigned_*.deb" 2> /dev/null |
      sort -V | tail -n1)
if [ -n "$deb" ]; then
	cp "$deb" "$root/tmp/"
	kpkg=/tmp/${deb##*/}
else
	kpkg=linux-image-$ABI-unsigned
fi
note "installing the kernel ($ABI)"
in_root apt-get install -y -q --no-install-recommends "$kpkg" >> "$out/apt.log" 2>&1 ||
	{ tail -n 30 "$out/apt.log" >&2; die "installing the kernel in the image failed"; }
rm -f "$root/tmp/"*.deb
in_root apt-get clean
rm -rf "$root/var/lib/apt/lists/"*
cleanup
mounted=()

# The system: no password-less anything to log in (nobody logs in), a
# serial console, the root disk, quiet services, the test unit.
echo mvgpu-debian > "$root/etc/hostname"
echo "127.0.1.1 mvgpu-debian" >> "$root/etc/hosts"
echo "/dev/vda / ext4 defaults,errors=remount-ro 0 1" > "$root/etc/fstab"
rm -f "$root/usr/sbin/policy-rc.d" "$root/etc/resolv.conf"
: > "$root/etc/machine-id"
# nothing to do for these in a test VM (no network, no clock to sync)
for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
	 e2scrub_reap.service fstrim.timer dpkg-db-backup.timer; do
	ln -sf /dev/null "$root/etc/systemd/system/$u"
done
# libvirt's default NAT network needs dnsmasq (not installed): not started
rm -f "$root/etc/libvirt/qemu/networks/autostart/default.xml"
mkdir -p "$root/mnt/mvgpu"
cat > "$root/etc/systemd/system/mvgpu-test.service" <<'EOU'
[Unit]
Description=mvgpu test job from the disk labelled MVGPU
After=multi-user.target
ConditionPathExists=/dev/disk/by-label/MVGPU

[Service]
Type=oneshot
ExecStartPre=/bin/sh -c 'mountpoint -q /mnt/mvgpu || mount -o ro LABEL=MVGPU /mnt/mvgpu'
ExecStart=/bin/bash /mnt/mvgpu/run.sh
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
EOU
ln -sf /etc/systemd/system/mvgpu-test.service \
	"$root/etc/systemd/system/multi-user.target.wants/mvgpu-test.service"

cp "$root/boot/vmlinuz-$ABI" "$out/vmlinuz"
cp "$root/boot/initrd.img-$ABI" "$out/initrd"
echo "$ABI" > "$out/abi"
echo "$PACKAGES" | tr -s ' \t\n' '\n' | sed '/^$/d' > "$out/packages"
# shellcheck disable=SC2016 # dpkg-query's fields, not the shell's
in_root dpkg-query -W -f='${Package} ${Version}\n' > "$out/versions" 2> /dev/null || true

# Room for DKMS builds, libvirt's state and logs (they go to the overlay).
size=$(du -sm "$root" | cut -f1)
size=$((size + 1536))
note "making $out/rootfs.img (${size} MiB, $(du -sh "$root" | cut -f1) used)"
# (mkfs.ext4 -d says what it creates on stdout even with -q)
mkfs.ext4 -q -F -L debian -d "$root" "$out/rootfs.img" "${size}M" >&2
rm -rf "$root"
touch "$out/.done"
note "Debian image built in $(($(date +%s) - start)) s"

# Images of older keys are of no further use.
find "$cache" -mindepth 1 -maxdepth 1 -type d -name 'debian-*' ! -name "debian-$key" \
	-exec rm -rf {} +
echo "$out"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) the root filesystem of the Debian test VM: a real Debian
# system made with debootstrap from the Debian archive this machine's apt
# sources name, with systemd, udev, a Debian 6.12 kernel and its headers,
# dkms, gcc, mdevctl, libvirt (libvirt-daemon-system, libvirt-clients) and
# QEMU, all Debian packages; and print the directory that holds it:
#
#   rootfs.img        the ext4 image (mkfs.ext4 -d: no loop mount); boot it
#                     with a throw-away overlay (snapshot=on) so that it
#                     stays clean
#   vmlinuz, initrd   the kernel and initramfs of its /boot, for -kernel
#                     and -initrd
#   abi, packages     the kernel ABI and the package list it was made with
#   suite, versions   the suite and every installed package's version
#
# SUITE (the argument, or MVGPU_DEBIAN_SUITE; default bookworm):
#   bookworm  Debian 12: the 6.12 kernel of the ABI install-deps.sh uses
#             (linux-image-<abi>-unsigned, from the cached .deb when there
#             is one, from bookworm-security), libvirt 9.0, QEMU 7.2,
#             mdevctl 1.2
#   trixie    Debian 13: its own 6.12 kernel (linux-image-amd64,
#             linux-headers-amd64), libvirt 11.3, QEMU 10.0, mdevctl 1.4,
#             DKMS 3.2, systemd 257, podman 5.4 (with crun, conmon,
#             netavark) and busybox-static; and from trixie-backports the newest
#             linux-headers-7.3.*+deb13-amd64 installed (DKMS builds for
#             it; its kernel is not), and libvirt and QEMU (12.9, 11.1)
#             downloaded, not installed: their .deb files stay in the
#             image's apt cache, with its package lists, so that the VM's
#             job can upgrade to them without network ("apt-get install
#             -t trixie-backports --no-download"; /etc/mvgpu-image.conf
#             names them)
# The suites come from the URI of the Debian source configured on this
# machine (and of its security source): no host name is written here.
#
# At boot the image runs mvgpu-test.service: it mounts the disk labelled
# MVGPU (read-only) on /mnt/mvgpu and runs /mnt/mvgpu/run.sh there
# (debian-vm.sh makes that disk). Nothing mvgpu-specific is in the image
# itself, so a change to the project does not rebuild it.
#
# Cache: /var/cache/mvgpu/debian-SUITE-<hash> (or $BUILD/debian-SUITE-<hash>
# when that is not writable), <hash> covering the suite, the package list,
# the kernel ABI (bookworm) and this script; of the same suite only the
# two newest images are kept (two trees, e.g. a branch and its main, may
# use different ones). The first build downloads 300-500 MB and takes a
# few minutes.
#
# Usage: debian-rootfs.sh [SUITE]  (root; progress on stderr, the path on stdout)
set -euo pipefail

# shellcheck source=qemu-scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TOP=$(mvgpu_top)
BUILD=${BUILD:-$TOP/build}
[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot)"
for t in debootstrap mkfs.ext4 chroot; do
	command -v "$t" > /dev/null || die "$t not found (run 'make deps')"
done

SUITE=${1:-${MVGPU_DEBIAN_SUITE:-bookworm}}
# What the VM needs, as an operator would install it (no Recommends).
PACKAGES="systemd-sysv udev kmod dbus procps e2fsprogs initramfs-tools linux-base
	  dkms make gcc libc6-dev
	  mdevctl libvirt-daemon-system libvirt-clients qemu-system-x86 jq"
# trixie-backports: what the job upgrades to (downloaded only)
BPO_PACKAGES="libvirt-daemon-system libvirt-clients libvirt-daemon-driver-qemu qemu-system-x86"
case $SUITE in
bookworm)
	ABI=$(kernel_abi)
	PACKAGES="$PACKAGES linux-headers-$ABI"
	;;
trixie)
	# the kernel's ABI is known once the image has it
	ABI=
	# podman (5.4) and busybox-static: the job's containers
	# (debian/containers.sh) and their locally built image
	PACKAGES="$PACKAGES iproute2 linux-image-amd64 linux-headers-amd64 podman busybox-static"
	;;
*)	die "unknown suite $SUITE (bookworm, trixie)" ;;
esac
uri=$(debian_uri | head -n1)
sec_uri=$(debian_security_uri | head -n1)
[ -n "$uri" ] || die "no configured Debian source (apt) to take the archive from"
[ -n "$sec_uri" ] || die "no configured Debian security source (apt) to take $SUITE-security from"

cache=/var/cache/mvgpu
mkdir -p "$cache" 2> /dev/null && [ -w "$cache" ] || cache=$BUILD
mkdir -p "$cache"
key=$({ echo "$SUITE $ABI"; echo "$PACKAGES" | tr -s ' \t\n' ' '; cat "$0"; } |
      sha256sum | cut -c1-16)
out=$cache/debian-$SUITE-$key

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
if [ "$SUITE" = trixie ]; then
	# backports: never chosen by itself (its NotAutomatic release), only
	# with -t trixie-backports
	cat >> "$root/etc/apt/sources.list.d/debian.sources" <<EOS

Types: deb
URIs: $uri
Suites: $SUITE-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
fi
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
if [ "$SUITE" = bookworm ]; then
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
else
	ABI=$(find "$root/boot" -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' | sed 's/^vmlinuz-//' |
	      sort -V | tail -n1)
	[ -n "$ABI" ] || die "no kernel in the image's /boot"
	# trixie-backports' newest 7.3 headers: DKMS builds for that kernel
	# too (it is not installed, so not booted)
	k73=$(in_root apt-cache pkgnames linux-headers-7.3. |
	      grep -xE 'linux-headers-7\.3\.[0-9]+\+deb13-amd64' | sort -V | tail -n1)
	[ -n "$k73" ] || die "no linux-headers-7.3.*+deb13-amd64 in trixie-backports"
	note "installing $k73 (trixie-backports)"
	in_root apt-get install -y -q --no-install-recommends -t "$SUITE-backports" "$k73" \
		>> "$out/apt.log" 2>&1 ||
		{ tail -n 30 "$out/apt.log" >&2; die "installing $k73 in the image failed"; }
	in_root apt-get clean
	# libvirt and QEMU of trixie-backports: downloaded for the job
	note "downloading from $SUITE-backports: $BPO_PACKAGES"
	# shellcheck disable=SC2086 # a list of package names
	in_root apt-get install -y -q --no-install-recommends --download-only \
		-t "$SUITE-backports" $BPO_PACKAGES >> "$out/apt.log" 2>&1 ||
		{ tail -n 30 "$out/apt.log" >&2; die "downloading from $SUITE-backports failed"; }
	{
		echo "SUITE=$SUITE"
		echo "BPO_PACKAGES=\"$BPO_PACKAGES\""
		echo "BPO_DEBS=\"$(cd "$root/var/cache/apt/archives" && ls -- *.deb | tr '\n' ' ')\""
		echo "K73=${k73#linux-headers-}"
	} > "$root/etc/mvgpu-image.conf"
	cp "$root/etc/mvgpu-image.conf" "$out/"
fi
if [ "$SUITE" = bookworm ]; then
	in_root apt-get clean
	rm -rf "$root/var/lib/apt/lists/"*
fi
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
echo "$SUITE" > "$out/suite"
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

# Images of older keys: the newest other one stays (another tree may still
# use it), older ones go.
find "$cache" -mindepth 2 -maxdepth 2 -path "$cache/debian-$SUITE-*/.done" \
	! -path "$out/.done" -printf '%T@ %h\n' | sort -rn | tail -n +2 |
	cut -d' ' -f2- | xargs -r rm -rf
echo "$out"

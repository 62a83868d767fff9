# SPDX-License-Identifier: GPL-2.0
#
# mvgpu top-level Makefile.
#
#   make              build the kernel modules, tools and selftests
#   make check        install what is missing, build, run static checks and
#                     every test in a VM; last line "N passed, M failed"
#   make check-static checkpatch --strict, sparse and a W=1 build
#   make check-debug  every VM test on a KASAN/lockdep/kmemleak kernel built
#                     from linux-source-6.12 (not part of make check)
#   make check-kernel KVER=7.3  the VM tests (mvgpu/*) on another kernel
#                     of the matrix (Debian's 7.3: part of make check; 6.1;
#                     iommufd: 6.12 built with iommufd and the vfio cdev),
#                     with the modules built for it
#   make demo         boot the VM and show vGPUs at work
#   make bench        run mvgpu-bench in the VM (BENCH_ARGS="--parts 2")
#   make deps         install build and VM dependencies (root)
#   make vm           build the test VM (build/vm/: kernel and initramfs)
#   make vm-tests     run the selftests in the VM with the kernel's kselftest
#                     runner (TESTS="mvgpu/x e2e/y" to choose, "mvgpu/x@case"
#                     for one case; EXTRA_KO=path.ko to load one more module)
#   make install      install the tools into $(PREFIX)/bin (/usr/local)
#   make check-debian the Debian VM alone (part of make check): DKMS,
#                     mdevctl and libvirt in a debootstrapped Debian 13
#                     (DEBIAN=12: Debian 12)
#   make check-debian-migrate  libvirt live migration of a domain with a
#                     vGPU between two Debian 13 VMs
#   make dkms-install install the modules with DKMS for the running kernel
#                     (KERNELRELEASE= for another); make dkms-remove undoes it

# Kernel to build against: the running kernel's build dir when it has one,
# else the installed Debian 6.12 headers.
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
		    $(lastword $(sort $(wildcard /usr/src/linux-headers-6.12*-amd64))))
KSRC ?= /usr/src/linux-source-6.12
BUILD := $(CURDIR)/build
W ?= 1

export KDIR KSRC BUILD

.PHONY: all modules tools selftests clean deps check check-static check-debug check-debian check-debian-migrate check-kernel demo bench vm vm-tests \
	install dkms-install dkms-remove

all: modules tools selftests

modules:
	@test -n "$(KDIR)" || { echo "no kernel headers: run 'make deps'"; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=$(W) modules

tools:
	$(MAKE) -C tools

selftests:
	$(MAKE) -C selftests

clean:
	-test -z "$(KDIR)" || $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C tools clean
	$(MAKE) -C selftests clean
	rm -rf $(BUILD)

PREFIX ?= /usr/local

install: tools
	$(MAKE) -C tools install BINDIR=$(PREFIX)/bin

dkms-install:
	bash scripts/dkms.sh install $(KERNELRELEASE)

dkms-remove:
	bash scripts/dkms.sh remove

deps:
	@if [ "$$(id -u)" = 0 ]; then bash scripts/install-deps.sh; \
	 else sudo bash scripts/install-deps.sh; fi

# The test VM: Debian's kernel, a busybox initramfs with our modules, the
# selftests, tools and QEMU for nested guests.
vm: all
	bash qemu-scripts/mkinitramfs.sh

vm-tests: vm
	bash qemu-scripts/run-vm.sh -n tests $(TESTS)

check-static:
	bash scripts/check-static.sh $(BUILD)/check-static.results

# Last line: "N passed, M failed".
check:
	@bash scripts/check.sh $(TESTS)

# The Debian VM alone (its image is built once and cached); DEBIAN=12 or 13.
DEBIAN ?= 13
check-debian: vm
	bash qemu-scripts/debian-vm.sh -s $(if $(filter 12,$(DEBIAN)),bookworm,trixie) \
		-r $(BUILD)/check-debian$(DEBIAN).results

# Two Debian 13 VMs: a libvirt live migration of a domain with a vGPU.
check-debian-migrate: vm
	bash qemu-scripts/debian-vm.sh -s trixie -j migrate -r $(BUILD)/check-debian-migrate.results

# Last line: "N passed, M failed" (TESTS="mvgpu/x" for some tests only).
check-debug: all
	bash scripts/check-debug.sh $(TESTS)

KVER ?= 7.3
check-kernel: all
	bash scripts/check-kernel.sh $(KVER) $(BUILD)/check-k$(KVER).results $(TESTS)

# DEMO_GUESTS=0 skips the nested guests (minutes under TCG).
demo: vm
	bash qemu-scripts/run-vm.sh -n demo -j demo $(if $(DEMO_GUESTS),-e DEMO_GUESTS=$(DEMO_GUESTS))

# Numbers, not pass/fail: give the VM a quiet machine.
bench: vm
	bash qemu-scripts/run-vm.sh -n bench -j bench -e BENCH_ARGS="$(BENCH_ARGS)"
	bash qemu-scripts/bench-files.sh $(BUILD)/vm-logs $(BUILD)

# SPDX-License-Identifier: GPL-2.0
# goslab: the user's side of the build. Kbuild names the objects.
#
#   make            build the modules for KDIR (default: the running kernel)
#   make install    install them into /lib/modules/<kernel>/updates
#   make dkms-install  register the sources with DKMS, build and install for
#                   KVER (default: the running kernel); DKMS then rebuilds
#                   goslab for every kernel installed later
#   make dkms-remove   take goslab out of DKMS again
#   make run        boot Debian's 6.12 kernel in QEMU with goslab and ext4 on
#                   its switch, run a short file workload and print what
#                   goslab holds: its summary, the caches by memory, pages
#                   per node, the heap profile's top call sites, and where
#                   the charts went (build/run/charts/). RUN_ARGS=--raw: the
#                   debugfs files as they are; RUN_ARGS=--console: the whole
#                   console too
#   make check      every test: style, builds for 6.1, 6.12 and a debug
#                   kernel, KUnit and kselftests in QEMU
#   make lint       the style and static checks of make check only
#   make bench      goslab against SLUB on Debian's 6.12 kernel in QEMU (2
#                   vCPUs, with and without init_on_alloc): ratio tables in
#                   build/bench/results.txt (BENCH_ARGS="--rounds N --scale P")
#   make stress     long stress, fault-injection, hotplug, memory-pressure
#                   and fuzz runs (DURATION=s per stress run, FUZZ=s per
#                   fuzz target; see scripts/stress.sh)
#   make fuzz       build and briefly run the user-space fuzz targets
#   make clean      remove what the builds made
#
# run, check, lint and bench install what they need (scripts/setup.sh).

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
DKMS_NAME := goslab
DKMS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates modules_install
	depmod -a $(KVER)

# dkms add copies the tree into /usr/src/goslab-<version>.
dkms-install:
	dkms add $(CURDIR)
	dkms build -m $(DKMS_NAME) -v $(DKMS_VERSION) -k $(KVER)
	dkms install -m $(DKMS_NAME) -v $(DKMS_VERSION) -k $(KVER)

dkms-remove:
	dkms remove -m $(DKMS_NAME) -v $(DKMS_VERSION) --all

clean:
	@if [ -d $(KDIR) ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	rm -rf build

run:
	scripts/run.sh $(RUN_ARGS)

check:
	scripts/check.sh

lint:
	scripts/check.sh lint

bench:
	scripts/bench.sh $(BENCH_ARGS)

DURATION ?= 120
FUZZ ?= 300
stress:
	scripts/stress.sh --duration $(DURATION) --fuzz $(FUZZ)

fuzz:
	$(MAKE) -C tests/fuzz run

.PHONY: all modules install dkms-install dkms-remove clean run check lint bench stress fuzz

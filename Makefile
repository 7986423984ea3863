# SPDX-License-Identifier: GPL-2.0
# goslab: the user's side of the build. Kbuild names the objects.
#
#   make            build the modules for KDIR (default: the running kernel)
#   make install    install them into /lib/modules/<kernel>/updates
#   make run        boot Debian's 6.12 kernel in QEMU with goslab loaded and
#                   print its statistics
#   make check      every test: style, builds for 6.1, 6.12 and a debug
#                   kernel, KUnit and kselftests in QEMU
#   make lint       the style and static checks of make check only
#   make stress     long stress, fault-injection, hotplug, memory-pressure
#                   and fuzz runs (DURATION=s per stress run, FUZZ=s per
#                   fuzz target; see scripts/stress.sh)
#   make fuzz       build and briefly run the user-space fuzz targets
#   make clean      remove what the builds made
#
# run, check and lint install what they need (scripts/setup.sh).

KDIR ?= /lib/modules/$(shell uname -r)/build

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates modules_install

clean:
	@if [ -d $(KDIR) ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	rm -rf build

run:
	scripts/run.sh

check:
	scripts/check.sh

lint:
	scripts/check.sh lint

DURATION ?= 120
FUZZ ?= 300
stress:
	scripts/stress.sh --duration $(DURATION) --fuzz $(FUZZ)

fuzz:
	$(MAKE) -C tests/fuzz run

.PHONY: all modules install clean run check lint stress fuzz

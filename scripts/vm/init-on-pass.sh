#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The debug kernel's second pass (run-vm.sh --mode script, booted with
# "init_on_alloc=1 init_on_free=1"): only the hardening KUnit suites, whose
# init_on_* cases skip in the ordinary pass. goslab.ko is already loaded;
# the output follows scripts/vm/init.sh's conventions for the host's judge.

m=$GOSLAB_MODULES/tests/kunit/goslab_hardening_kunit.ko
insmod "$m"
echo "goslab-vm: insmod $(basename "$m") rc=$?"
for d in /sys/kernel/debug/kunit/goslab_*; do
	[ -f "$d/results" ] || continue
	echo "goslab-vm: kunit-begin $(basename "$d")"
	cat "$d/results"
	echo "goslab-vm: kunit-end $(basename "$d")"
done
rmmod goslab_hardening_kunit
echo "goslab-vm: rmmod goslab_hardening_kunit rc=$?"

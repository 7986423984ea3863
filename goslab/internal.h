/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goslab internals: the private headers of every layer, included bottom up.
 *
 * Go's names are kept where they make the mapping obvious: a span is an
 * mspan, a central is an mcentral, the per-CPU part of a cache is an mcache,
 * freeindex, allocCache and allocBits mean what they mean in Go.
 *
 * Overview: Documentation/design.rst.
 */
#ifndef _GOSLAB_INTERNAL_H
#define _GOSLAB_INTERNAL_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/percpu.h>
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/version.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>

/*
 * Every message of goslab's own starts with "goslab: ". <linux/printk.h>,
 * included above, has defined pr_fmt already; pr_*() expand it where they
 * are used, so redefining it here is enough.
 */
#undef pr_fmt
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

/*
 * A test build (make GOSLAB_KUNIT=1) carries the internal KUnit suites
 * (goslab/tests/) and the knobs only they use; the default module does not.
 */
#ifdef GOSLAB_KUNIT
#if !IS_ENABLED(CONFIG_KUNIT)
#error "GOSLAB_KUNIT=1 needs a kernel built with CONFIG_KUNIT"
#endif
#define GOSLAB_TEST_BUILD	1
#else
#define GOSLAB_TEST_BUILD	0
#endif

/*
 * The layers, bottom up, each header beside its .c file
 * (scripts/layers.py checks that calls only go down).
 */
#include "goslab.h"
#include "sizeclasses.h"
#include "mpagealloc.h"
#include "mspan.h"
#include "report.h"
#include "mfixalloc.h"
#include "mheap.h"
#include "mcentral.h"
#include "cache.h"
#include "mcache.h"
#include "stats.h"
#include "objhooks.h"
#include "kmalloc.h"
#include "fastpath.h"
#include "stack.h"
#include "mgcscavenge.h"
#include "debugfs.h"

#endif /* _GOSLAB_INTERNAL_H */

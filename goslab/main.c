// SPDX-License-Identifier: GPL-2.0
/*
 * goslab: Go's memory allocator (mheap, mcentral, mcache, mspan, size
 * classes, scavenger, fixalloc, stack pools) for the Linux kernel.
 *
 * Lock order, outermost first (every lock is taken with interrupts off,
 * because every path may run in hardirq context with GFP_ATOMIC):
 *
 *   cpus_read_lock()		CPU hotplug (cache destruction, module exit)
 *     goslab_caches_mutex	cache list (process context only)
 *       central->lock		a cache's span lists on one node
 *         span->lock		a span's free bits, pending frees, sweeps
 *				and state (also alone, in every free)
 *         heap pcache->lock	a CPU's cached pages of one heap
 *           heap->lock		a heap's chunks, bitmaps and summaries
 *             fixalloc->lock	metadata free lists
 *   stack_large_lock		free large stacks; nests only heap locks
 *
 * A CPU's mcache has no lock: each context of that CPU (task, softirq,
 * hardirq) touches only its own span, with preemption off, and other CPUs
 * drain it through a work item on that CPU (mcache.c). A span is owned by
 * the CPU context caching it, or by whoever holds the central lock of the
 * list it is on: only the owner hands slots out (freeindex forward,
 * allocCache, alloc_count), without a lock. Every free, from any CPU or
 * context, checks and marks its slot under the span's own lock (s->lock,
 * interrupts off), which every sweep and every span state change also
 * takes, inside central->lock where both are held; the hooks a free runs
 * under s->lock take kmemleak's and the profile's locks inside it. See
 * Documentation/free-protocol.rst.
 *
 * Nothing sleeps under any of these locks; a heap grow that may sleep runs
 * with no lock held.
 */
#include <linux/module.h>
#include <linux/cpuhotplug.h>
#include <linux/ratelimit.h>

#include "internal.h"

const char *const goslab_stat_names[GOSLAB_NR_STATS] = {
	[GOSLAB_ALLOC_FAST] = "alloc_fast",
	[GOSLAB_ALLOC_SLOW] = "alloc_slow",
	[GOSLAB_FREE] = "free",
	[GOSLAB_FREE_REMOTE] = "free_remote",
	[GOSLAB_REFILL] = "refill",
	[GOSLAB_SWEEP] = "sweep",
	[GOSLAB_SPAN_NEW] = "span_new",
	[GOSLAB_SPAN_RELEASE] = "span_release",
	[GOSLAB_ALLOC_FAIL] = "alloc_fail",
	[GOSLAB_FREE_REFUSED] = "free_refused",
};

static_assert(ARRAY_SIZE(goslab_stat_names) == GOSLAB_NR_STATS);

const char *const goslab_bad_names[GOSLAB_NR_BAD] = {
	[GOSLAB_BAD_DOUBLE_FREE] = "double_free",
	[GOSLAB_BAD_NOT_OURS] = "invalid_pointer",
	[GOSLAB_BAD_INTERIOR] = "interior_pointer",
	[GOSLAB_BAD_WRONG_CACHE] = "wrong_cache",
	[GOSLAB_BAD_REDZONE] = "redzone_overwritten",
	[GOSLAB_BAD_POISON] = "write_after_free",
	[GOSLAB_BAD_STACK_SIZE] = "stack_size_mismatch",
	[GOSLAB_BAD_PAGES] = "bad_page_free",
	[GOSLAB_BAD_ARG] = "invalid_argument",
	[GOSLAB_BAD_DESTROY_LIVE] = "destroy_with_live_objects",
};

static_assert(ARRAY_SIZE(goslab_bad_names) == GOSLAB_NR_BAD);

atomic_long_t goslab_bad_count[GOSLAB_NR_BAD];
/* Pages goslab holds from the buddy allocator: heaps, metadata, span map. */
atomic_long_t goslab_buddy_pages;

/**
 * goslab_report() - report and count a misuse that goslab refused
 * @what: kind of misuse
 * @cache: cache name, or NULL
 * @p: pointer involved, or NULL (printed hashed, as %p does)
 * @caller: return address of the caller of goslab's API
 *
 * One WARN per report, naming the caller; the refused operation changed
 * nothing.
 */
void goslab_report(enum goslab_bad what, const char *cache, const void *p,
		   unsigned long caller)
{
	atomic_long_inc(&goslab_bad_count[what]);
	WARN(1, "goslab: refused %s of %p in cache %s, caller %pS\n",
	     goslab_bad_names[what], p, cache ? cache : "-", (void *)caller);
}

/* === CPU hotplug: a dead CPU's spans and pages go back === */

static enum cpuhp_state goslab_cpuhp_state;

static int goslab_cpu_dead(unsigned int cpu)
{
	struct goslab_cache *c;
	struct goslab_heap *h;
	enum goslab_zone z;
	int nid;

	mutex_lock(&goslab_caches_mutex);
	list_for_each_entry(c, &goslab_caches, list)
		goslab_mcache_drain_cpu(c, cpu);
	mutex_unlock(&goslab_caches_mutex);
	for_each_node_state(nid, N_MEMORY)
		for (z = 0; z < GOSLAB_NR_ZONES; z++) {
			h = goslab_heap_get_own(nid, z);
			if (h)
				goslab_heap_flush_pcache(h, cpu);
		}
	return 0;
}

/* === Module === */

static int __init goslab_init(void)
{
	int err;

	err = goslab_heaps_init();
	if (err)
		return err;
	err = goslab_mcache_init();
	if (err)
		goto err_mcache;
	err = goslab_kmalloc_init();
	if (err)
		goto err_kmalloc;
	err = goslab_stack_init();
	if (err)
		goto err_stack;
	err = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "goslab:dead",
					NULL, goslab_cpu_dead);
	if (err < 0)
		goto err_stack;
	goslab_cpuhp_state = err;
	err = goslab_scavenger_init();
	if (err)
		goto err_cpuhp;
	err = goslab_stats_init();
	if (err)
		goto err_scavenger;
	goslab_debugfs_init();
	pr_info("ready: %d size classes, %u-page chunks, %d nodes\n",
		GOSLAB_NUM_CLASSES - 1, GOSLAB_CHUNK_PAGES,
		num_node_state(N_MEMORY));
	return 0;

err_scavenger:
	goslab_scavenger_exit();
err_cpuhp:
	cpuhp_remove_state_nocalls(goslab_cpuhp_state);
err_stack:
	goslab_stack_exit();
err_kmalloc:
	goslab_kmalloc_exit();
	goslab_mcache_exit();
err_mcache:
	goslab_heaps_exit();
	return err;
}

static void __exit goslab_exit(void)
{
	unsigned long in_caches, kept;
	long left;

	goslab_debugfs_exit();
	goslab_scavenger_exit();
	cpuhp_remove_state_nocalls(goslab_cpuhp_state);
	goslab_stack_exit();
	goslab_kmalloc_exit();
	in_caches = goslab_caches_exit();
	goslab_mcache_exit();
	kept = goslab_heaps_exit();
	goslab_stats_exit();
	/*
	 * Only the spans of objects still live at unload (their caches named
	 * above; large objects and stacks have none) may keep pages.
	 */
	left = atomic_long_read(&goslab_buddy_pages);
	WARN(left != kept, "goslab: %ld pages not returned at unload, %lu known\n",
	     left, kept);
	if (!left) {
		pr_info("unloaded: every page returned to the buddy allocator\n");
		return;
	}
	pr_err("unloaded: %ld pages stay allocated for live objects (%lu of the caches above)\n",
	       left, in_caches);
	pr_err("unloaded: every other page returned to the buddy allocator\n");
}

module_init(goslab_init);
module_exit(goslab_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The goslab developers");
MODULE_DESCRIPTION("Go's memory allocator as a kmem_cache-like API");

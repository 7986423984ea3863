// SPDX-License-Identifier: GPL-2.0
/*
 * goslab: Go's memory allocator (mheap, mcentral, mcache, mspan, size
 * classes, scavenger, fixalloc, stack pools) for the Linux kernel. The
 * overview, a file per layer, is Documentation/design.rst.
 *
 * Locks, and what they protect:
 *
 *   goslab_caches_mutex (mutex, cache.c): the list goslab_caches, cache
 *	creation and destruction, each cache's @dead. Process context only;
 *	the shrinker only tries it.
 *   central->lock (spinlock_t): a central's three span lists, its counts,
 *	and the state of every span on its lists.
 *   span->lock (spinlock_t): a span's free_bits, pending count, sweeps and
 *	state changes, and the check and mark of every free. The frees take
 *	it through goslab_span_lock() and goslab_span_trylock() (mheap.h):
 *	the arch lock inline when lock debugging and KCSAN are off.
 *   pcache->lock (spinlock_t): one CPU's page cache of one heap.
 *   heap->lock (spinlock_t): a heap's chunk tree and list of free chunks,
 *	and every chunk's bitmaps, summaries and counts.
 *   fixalloc->lock (spinlock_t): a fixalloc's free list and current block.
 *   span_map_lock (spinlock_t, mheap.c): the span map's pointer and its
 *	level-2 tables, which are installed and replaced under it and read
 *	without it (goslab_span_of()).
 *   stack_large_lock (spinlock_t, stack.c): the free large stacks.
 *   profile_lock (raw_spinlock_t, profile.c): the heap profile's call
 *	sites and sampled objects.
 *
 * Lock order: the nestings that happen, outermost first; there are no
 * others.
 *
 *   cpu_hotplug_lock		cpus_read_lock() in cache destruction and
 *				module exit; held for write around
 *				goslab_cpu_dead()
 *     goslab_caches_mutex	a cache's flush, drain and count of live
 *				objects; also alone (creation, the
 *				scavenger, the shrinker, debugfs)
 *       central->lock		as below
 *         span->lock
 *       heap->lock		an empty span going back to its heap in a
 *				shrink (central->lock already dropped)
 *     pcache->lock		goslab_cpu_dead() flushing the dead CPU's
 *       heap->lock		page caches
 *   central->lock		every refill, hand-back, direct allocation
 *     span->lock		and list-changing free: every sweep and span
 *				state change
 *   pcache->lock		a page cache's refill and flush
 *     heap->lock
 *   span->lock			alone, in every free of a small object
 *     profile_lock, kmemleak's locks	the free hooks, which run under
 *				span->lock so that they run once per object
 *				however two frees race
 *   stack_large_lock
 *     profile_lock, kmemleak's locks	a large stack's free hooks
 *   span_map_lock		alone: installing a level-2 table of the
 *				span map, and a memory hot-add copying the
 *				map into a larger one
 *
 * Nothing of goslab's nests inside fixalloc->lock, span_map_lock,
 * profile_lock or heap->lock. Each layer drops its lock before it calls
 * the one below: the central before the heap (central_grow(),
 * span_release()), the heap before fixalloc (heap_grow(),
 * goslab_heap_release_free()), fixalloc before the buddy allocator. The
 * exception is for spans kept for good: a chunk trimmed around such spans
 * (chunk_trim(): a cache destroyed with live objects, module exit) gives
 * its free pages to the buddy allocator under heap->lock, one chunk per
 * hold of the lock. goslab_caches_mutex is held across GFP_KERNEL
 * allocations and flush_work() of the mcaches' drain work, which takes
 * central->lock and span->lock but never the mutex.
 *
 * Interrupts: every spinlock above is taken with interrupts off, because
 * every path may run in hardirq context with GFP_ATOMIC. A free
 * (goslab_cache_free(), goslab_kfree(), goslab_stack_free()) keeps them off
 * from looking its span up until it has marked the slot: that is also the
 * RCU read side that keeps the span struct from being reused meanwhile
 * (goslab_span_free()). An mcache drain swaps a CPU's span slots out with
 * interrupts off. The allocation fast path leaves interrupts on.
 *
 * A CPU's mcache has no lock: each context of that CPU (task, softirq,
 * hardirq) touches only its own span, with preemption off, and other CPUs
 * drain it through a work item on that CPU (mcache.c). A span is owned by
 * the CPU context caching it, or by whoever holds the central lock of the
 * list it is on: only the owner hands slots out (freeindex forward,
 * allocCache, alloc_count), without a lock. Every free, from any CPU or
 * context, checks and marks its slot under the span's own lock, which
 * every sweep and every span state change also takes, inside
 * central->lock where both are held. See Documentation/free-protocol.rst.
 *
 * Nothing sleeps under any spinlock; a heap grow that may sleep runs with
 * no lock held.
 */
#include <linux/module.h>
#include <linux/cpuhotplug.h>
#include <linux/ratelimit.h>

#include "internal.h"

/* === CPU hotplug: a dead CPU's spans and pages go back === */

static enum cpuhp_state goslab_cpuhp_state;

static int goslab_cpu_dead(unsigned int cpu)
{
	struct goslab_cache *c;
	struct goslab_heap *h;

	mutex_lock(&goslab_caches_mutex);
	list_for_each_entry(c, &goslab_caches, list)
		goslab_mcache_drain_cpu(c, cpu);
	mutex_unlock(&goslab_caches_mutex);
	for_each_goslab_heap(h)
		goslab_heap_flush_pcache(h, cpu);
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

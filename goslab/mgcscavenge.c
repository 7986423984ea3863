// SPDX-License-Identifier: GPL-2.0
/*
 * goslab scavenger: Go's background scavenger (mgcscavenge.go).
 *
 * Chunks whose every page is free go back to the buddy allocator: in the
 * background, paced (a chunk must have been idle for a second, and a heap
 * keeps goslab_retain_percent over its in-use pages, as Go keeps about 10%
 * over its heap goal), and at once when the kernel's reclaim asks through a
 * shrinker, which also sweeps the centrals and, last, hands back the spans
 * cached on CPUs when free chunks alone do not cover what reclaim asked
 * for, stopping as soon as they do.
 * Writing to debugfs "scavenge" releases everything free now.
 *
 * Overview: Documentation/design.rst.
 */
#include <linux/module.h>
#include <linux/shrinker.h>
#include <linux/workqueue.h>
#include <linux/cpu.h>

#include "internal.h"

unsigned int goslab_retain_percent = 10;
module_param_named(retain_percent, goslab_retain_percent, uint, 0644);
MODULE_PARM_DESC(retain_percent,
		 "free pages kept over the in-use ones, in percent (default 10)");

static unsigned int scavenge_interval_ms = 1000;
module_param_named(scavenge_interval_ms, scavenge_interval_ms, uint, 0644);
MODULE_PARM_DESC(scavenge_interval_ms,
		 "background scavenger period in ms, 0 to pause (default 1000)");

static void scavenge_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(scavenge_work, scavenge_work_fn);

static unsigned long heap_excess(struct goslab_heap *h)
{
	unsigned long inuse = atomic_long_read(&h->inuse);
	unsigned long target = inuse + inuse * goslab_retain_percent / 100;
	unsigned long held = READ_ONCE(h->held);

	return held > target ? held - target : 0;
}

static void scavenge_work_fn(struct work_struct *work)
{
	struct goslab_heap *h;
	unsigned long excess;

	goslab_stack_release_large();
	for_each_goslab_heap(h) {
		excess = heap_excess(h);
		if (excess)
			goslab_heap_release_free(h, excess, true);
	}
	if (READ_ONCE(scavenge_interval_ms))
		schedule_delayed_work(&scavenge_work,
				      msecs_to_jiffies(scavenge_interval_ms));
}

/* Every CPU's page cache of @h back to @h's bitmaps. */
static void heap_flush_pcaches(struct goslab_heap *h)
{
	int cpu;

	for_each_possible_cpu(cpu)
		goslab_heap_flush_pcache(h, cpu);
}

/**
 * goslab_scavenge_all() - give back every page goslab does not use
 *
 * Drains every CPU's spans and page caches, sweeps every span, returns
 * empty spans and free large stacks to the heaps, then every free chunk to
 * the buddy allocator.
 *
 * Context: process context.
 * Return: pages returned to the buddy allocator.
 */
unsigned long goslab_scavenge_all(void)
{
	struct goslab_cache *c;
	struct goslab_heap *h;
	unsigned long pages = 0;

	goslab_stack_release();
	mutex_lock(&goslab_caches_mutex);
	list_for_each_entry(c, &goslab_caches, list)
		goslab_cache_shrink(c);
	mutex_unlock(&goslab_caches_mutex);
	rcu_barrier();
	for_each_goslab_heap(h) {
		heap_flush_pcaches(h);
		pages += goslab_heap_release_free(h, ULONG_MAX, false);
	}
	return pages;
}

/* === Shrinker === */

static unsigned long shrink_count(struct shrinker *sh,
				  struct shrink_control *sc)
{
	unsigned long free = 0, held, used;
	struct goslab_heap *h;

	for_each_goslab_heap(h) {
		held = READ_ONCE(h->held);
		used = atomic_long_read(&h->inuse) +
		       atomic_long_read(&h->cached);
		free += held > used ? held - used : 0;
	}
	return free ? free : SHRINK_EMPTY;
}

/* What the shrinker did, for debugfs "scavenge". */
atomic_long_t goslab_shrink_scans;
atomic_long_t goslab_shrink_freed;
atomic_long_t goslab_shrink_swept;
atomic_long_t goslab_shrink_drained;

/* Release free chunks of every heap, up to @want pages more than @freed. */
static unsigned long shrink_release(unsigned long freed, unsigned long want)
{
	struct goslab_heap *h;

	for_each_goslab_heap(h) {
		if (freed >= want)
			continue;
		freed += goslab_heap_release_free(h, want - freed, false);
	}
	return freed;
}

/* Sweep one cache's centrals: its empty listed spans go back to the heaps. */
static unsigned long shrink_sweep(struct goslab_cache *c)
{
	unsigned long n = 0;
	int nid;

	for_each_node(nid)
		if (c->centrals[nid])
			n += goslab_central_shrink(c->centrals[nid]);
	return n;
}

/*
 * Free memory that is not yet in a free chunk, cheapest first, and only
 * as much as reclaim asked for: the CPUs' page caches (a lock each); the
 * centrals' empty spans, cache by cache, releasing chunks after each cache
 * that gave spans back; last, the spans CPUs hold, cache by cache again,
 * with a work item only on the CPUs that hold one. The caches' mutex is
 * only tried:
 * reclaim may have been entered by a thread that holds it
 * (goslab_cache_create() allocates under it).
 */
static unsigned long shrink_more(unsigned long freed, unsigned long want)
{
	struct goslab_cache *c;
	struct goslab_heap *h;
	unsigned int n;

	for_each_goslab_heap(h)
		heap_flush_pcaches(h);
	freed = shrink_release(freed, want);
	if (freed >= want || !mutex_trylock(&goslab_caches_mutex))
		return freed;
	list_for_each_entry(c, &goslab_caches, list) {
		if (freed >= want)
			break;
		atomic_long_inc(&goslab_shrink_swept);
		if (shrink_sweep(c))
			freed = shrink_release(freed, want);
	}
	list_for_each_entry(c, &goslab_caches, list) {
		if (freed >= want)
			break;
		n = goslab_mcache_drain_held(c);
		if (!n)
			continue;
		atomic_long_add(n, &goslab_shrink_drained);
		shrink_sweep(c);
		freed = shrink_release(freed, want);
	}
	mutex_unlock(&goslab_caches_mutex);
	return freed;
}

static unsigned long shrink_scan(struct shrinker *sh,
				 struct shrink_control *sc)
{
	unsigned long freed = shrink_release(0, sc->nr_to_scan);

	/* Entirely free chunks first; the rest only if that is short. */
	if (freed < sc->nr_to_scan)
		freed = shrink_more(freed, sc->nr_to_scan);
	atomic_long_inc(&goslab_shrink_scans);
	atomic_long_add(freed, &goslab_shrink_freed);
	return freed ? freed : SHRINK_STOP;
}

#if KERNEL_VERSION(6, 7, 0) <= LINUX_VERSION_CODE
static struct shrinker *shrinker;

static int shrinker_init(void)
{
	shrinker = shrinker_alloc(0, "goslab");
	if (!shrinker)
		return -ENOMEM;
	shrinker->count_objects = shrink_count;
	shrinker->scan_objects = shrink_scan;
	shrinker->seeks = DEFAULT_SEEKS;
	shrinker_register(shrinker);
	return 0;
}

static void shrinker_exit(void)
{
	shrinker_free(shrinker);
}
#else
static struct shrinker goslab_shrinker = {
	.count_objects = shrink_count,
	.scan_objects = shrink_scan,
	.seeks = DEFAULT_SEEKS,
};

static int shrinker_init(void)
{
	return register_shrinker(&goslab_shrinker, "goslab");
}

static void shrinker_exit(void)
{
	unregister_shrinker(&goslab_shrinker);
}
#endif

int goslab_scavenger_init(void)
{
	int err = shrinker_init();

	if (err)
		return err;
	schedule_delayed_work(&scavenge_work,
			      msecs_to_jiffies(scavenge_interval_ms ?: 1000));
	return 0;
}

void goslab_scavenger_exit(void)
{
	WRITE_ONCE(scavenge_interval_ms, 0);
	cancel_delayed_work_sync(&scavenge_work);
	shrinker_exit();
}

#ifdef GOSLAB_KUNIT
#include "tests/mgcscavenge-kunit.h"
#endif

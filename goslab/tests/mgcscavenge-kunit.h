/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit suite goslab_scavenge: the shrinker frees what reclaim asks for,
 * cheapest first, and no more.
 *
 * Included at the end of mgcscavenge.c to reach its statics. The case
 * uses a cache of its own and the module's heaps and caches as they are.
 */

#ifndef _GOSLAB_MGCSCAVENGE_KUNIT_H
#define _GOSLAB_MGCSCAVENGE_KUNIT_H

#include <kunit/test.h>

static void scavenge_test_destroy(void *cache)
{
	goslab_cache_destroy(cache);
}

static struct goslab_cache *scavenge_test_cache(struct kunit *test,
						const char *name,
						unsigned int size)
{
	struct goslab_cache *c = goslab_cache_create(name, size, 0, 0, NULL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, scavenge_test_destroy,
							c), 0);
	return c;
}

/* (cache, online CPU) pairs whose mcache holds a span now. */
static unsigned int scavenge_test_held(void)
{
	struct goslab_cache *c;
	unsigned int n = 0, i;
	int cpu;

	mutex_lock(&goslab_caches_mutex);
	list_for_each_entry(c, &goslab_caches, list)
		for_each_online_cpu(cpu)
			for (i = 0; i < GOSLAB_MCACHE_CTXS; i++)
				/* As goslab_mcache_drain_held(): a hint. */
				if (data_race(per_cpu_ptr(c->cpu, cpu)->span[i])) {
					n++;
					break;
				}
	mutex_unlock(&goslab_caches_mutex);
	return n;
}

/*
 * A scan that free chunks alone cannot satisfy sweeps the centrals, then
 * drains only the CPUs that hold a span: a span of a cache of the test's
 * goes, and the work items number no more than the (cache, CPU) pairs that
 * held a span, not every CPU of every cache as before (188 caches times
 * the CPUs). A scan that free chunks satisfy touches neither.
 */
static void goslab_scavenge_test_shrink_targeted(struct kunit *test)
{
	struct goslab_cache *canary = scavenge_test_cache(test, "kunit_shrink", 64);
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };
	unsigned long drained, swept, ncaches = 0;
	unsigned int held, pairs;
	struct goslab_cache *c;
	void *obj;

	mutex_lock(&goslab_caches_mutex);
	list_for_each_entry(c, &goslab_caches, list)
		ncaches++;
	mutex_unlock(&goslab_caches_mutex);
	pairs = ncaches * num_online_cpus();

	migrate_disable();
	obj = goslab_cache_alloc(canary, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, obj);
	goslab_cache_free(canary, obj);
	KUNIT_EXPECT_NOT_NULL(test, this_cpu_ptr(canary->cpu)->span[0]);

	held = scavenge_test_held();
	drained = atomic_long_read(&goslab_shrink_drained);
	swept = atomic_long_read(&goslab_shrink_swept);
	sc.nr_to_scan = ULONG_MAX / 2;
	shrink_scan(NULL, &sc);
	KUNIT_EXPECT_LT(test, held, pairs);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&goslab_shrink_swept) - swept,
			ncaches);
	KUNIT_EXPECT_LE(test, atomic_long_read(&goslab_shrink_drained) - drained,
			(unsigned long)held + num_online_cpus());
	KUNIT_EXPECT_NULL(test, this_cpu_ptr(canary->cpu)->span[0]);

	/* One page, with a free chunk there: no sweep, no drain. */
	obj = goslab_cache_alloc(canary, GFP_KERNEL);
	goslab_cache_free(canary, obj);
	goslab_cache_shrink(canary);
	drained = atomic_long_read(&goslab_shrink_drained);
	swept = atomic_long_read(&goslab_shrink_swept);
	sc.nr_to_scan = 1;
	if (shrink_count(NULL, &sc) >= GOSLAB_CHUNK_PAGES && shrink_scan(NULL, &sc) >= 1) {
		KUNIT_EXPECT_EQ(test, atomic_long_read(&goslab_shrink_swept), swept);
		KUNIT_EXPECT_EQ(test, atomic_long_read(&goslab_shrink_drained), drained);
	}
	migrate_enable();
}

static struct kunit_case goslab_scavenge_cases[] = {
	KUNIT_CASE(goslab_scavenge_test_shrink_targeted),
	{}
};

static struct kunit_suite goslab_scavenge_suite = {
	.name = "goslab_scavenge",
	.test_cases = goslab_scavenge_cases,
};

kunit_test_suite(goslab_scavenge_suite);

#endif /* _GOSLAB_MGCSCAVENGE_KUNIT_H */

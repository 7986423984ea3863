/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit suite goslab_mcache: one CPU's cache of one goslab cache (Go's
 * mcache): refill from the central, the fast path in address order, the
 * in-place sweep of the CPU's own span, the straight return of the object
 * allocated last, hand-back of a used-up span, the drain, bulk allocation
 * without refill, and a refill that ends on another node's CPU.
 *
 * Included at the end of mcache.c. Each case pins itself to its CPU with
 * migrate_disable() (allocations may still sleep), or to a CPU of its
 * choice with set_cpus_allowed_ptr(), and uses a cache of its own, so this
 * CPU's counters and span are the test's alone.
 *
 * Overview: Documentation/design.rst; the suites: Documentation/testing.rst.
 */

#ifndef _GOSLAB_MCACHE_KUNIT_H
#define _GOSLAB_MCACHE_KUNIT_H

#include <kunit/test.h>

static void mcache_test_destroy(void *cache)
{
	goslab_cache_destroy(cache);
}

static struct goslab_cache *mcache_test_cache(struct kunit *test,
					      const char *name)
{
	struct goslab_cache *c = goslab_cache_create(name, 64, 0, 0, NULL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, mcache_test_destroy,
							c), 0);
	return c;
}

static unsigned long mcache_test_stat(struct goslab_cache *c,
				      enum goslab_stat item)
{
	return this_cpu_ptr(c->cpu)->stat[item];
}

/* The task context's span of this CPU (the test runs in a kthread). */
static struct goslab_span *mcache_test_span(struct goslab_cache *c)
{
	return this_cpu_ptr(c->cpu)->span[0];
}

static void goslab_mcache_test_refill_then_fast(struct kunit *test)
{
	struct goslab_cache *c = mcache_test_cache(test, "kunit_mc_fast");
	struct goslab_span *s;
	unsigned long refill, fast, fresh;
	u8 *objs[10];
	unsigned int i;

	migrate_disable();
	refill = mcache_test_stat(c, GOSLAB_REFILL);
	fast = mcache_test_stat(c, GOSLAB_ALLOC_FAST);
	fresh = mcache_test_stat(c, GOSLAB_SPAN_NEW);
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		objs[i] = goslab_cache_alloc(c, GFP_KERNEL);
	/* The first allocation refilled with a new span, the rest were fast. */
	KUNIT_EXPECT_EQ(test, mcache_test_stat(c, GOSLAB_REFILL), refill + 1);
	KUNIT_EXPECT_EQ(test, mcache_test_stat(c, GOSLAB_SPAN_NEW), fresh + 1);
	KUNIT_EXPECT_EQ(test, mcache_test_stat(c, GOSLAB_ALLOC_FAST),
			fast + ARRAY_SIZE(objs) - 1);
	s = mcache_test_span(c);
	KUNIT_EXPECT_NOT_NULL(test, s);
	if (s && objs[0]) {
		KUNIT_EXPECT_EQ(test, s->state, GOSLAB_SPAN_CACHED);
		KUNIT_EXPECT_PTR_EQ(test, goslab_span_of(objs[0]), s);
		/* A fresh span hands its slots out in address order. */
		for (i = 0; i < ARRAY_SIZE(objs); i++)
			KUNIT_EXPECT_PTR_EQ(test, (void *)objs[i],
					    goslab_span_obj(s, i));
	}
	migrate_enable();
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		goslab_cache_free(c, objs[i]);
}

/*
 * A slot freed while its span is this CPU's comes back once the span is
 * used up: the CPU sweeps its own span, without the central.
 */
static void goslab_mcache_test_local_sweep(struct kunit *test)
{
	struct goslab_cache *c = mcache_test_cache(test, "kunit_mc_sweep");
	unsigned long sweeps, refill;
	struct goslab_span *s;
	unsigned int i, n = c->nelems;
	void **objs, *again;

	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	migrate_disable();
	for (i = 0; i < n; i++)
		objs[i] = goslab_cache_alloc(c, GFP_KERNEL);
	s = mcache_test_span(c);
	sweeps = mcache_test_stat(c, GOSLAB_SWEEP);
	refill = mcache_test_stat(c, GOSLAB_REFILL);
	goslab_cache_free(c, objs[n / 2]);
	again = goslab_cache_alloc(c, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, again, objs[n / 2]);
	KUNIT_EXPECT_EQ(test, mcache_test_stat(c, GOSLAB_SWEEP), sweeps + 1);
	KUNIT_EXPECT_EQ(test, mcache_test_stat(c, GOSLAB_REFILL), refill);
	KUNIT_EXPECT_PTR_EQ(test, mcache_test_span(c), s);
	migrate_enable();
	objs[n / 2] = again;
	for (i = 0; i < n; i++)
		goslab_cache_free(c, objs[i]);
}

/*
 * The object this CPU allocated last goes straight back to its span (the
 * span steps back over it): no free bit, no pending free, no sweep, and
 * the next allocation returns it. An older object takes the free bits.
 */
static void goslab_mcache_test_free_last(struct kunit *test)
{
	struct goslab_cache *c = mcache_test_cache(test, "kunit_mc_last");
	bool reuse = goslab_kasan_reuse_last;
	void *a, *b, *again;
	struct goslab_span *s;
	unsigned long sweeps;

	/* Under KASAN the step back is off unless asked for. */
	goslab_kasan_reuse_last = true;
	migrate_disable();
	a = goslab_cache_alloc(c, GFP_KERNEL);
	b = goslab_cache_alloc(c, GFP_KERNEL);
	s = mcache_test_span(c);
	KUNIT_EXPECT_PTR_EQ(test, goslab_span_of(b), s);
	sweeps = mcache_test_stat(c, GOSLAB_SWEEP);
	goslab_cache_free(c, b);
	KUNIT_EXPECT_EQ(test, s->pending, 0);
	KUNIT_EXPECT_FALSE(test, goslab_span_obj_live(s, 1));
	again = goslab_cache_alloc(c, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, again, b);
	/* @a is no longer the last one handed out. */
	goslab_cache_free(c, a);
	KUNIT_EXPECT_EQ(test, s->pending, 1);
	KUNIT_EXPECT_TRUE(test, test_bit(0, s->free_bits));
	goslab_cache_free(c, again);
	KUNIT_EXPECT_EQ(test, s->pending, 1);
	KUNIT_EXPECT_EQ(test, goslab_span_live_count(s), 0U);
	KUNIT_EXPECT_EQ(test, mcache_test_stat(c, GOSLAB_SWEEP), sweeps);
	KUNIT_EXPECT_PTR_EQ(test, mcache_test_span(c), s);
	migrate_enable();
	goslab_kasan_reuse_last = reuse;
}

/* A used-up span with nothing freed goes to the central's full list. */
static void goslab_mcache_test_uncache_full(struct kunit *test)
{
	struct goslab_cache *c = mcache_test_cache(test, "kunit_mc_full");
	unsigned int i, n = c->nelems + 1;
	struct goslab_span *first;
	void **objs;

	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	migrate_disable();
	for (i = 0; i < n; i++)
		objs[i] = goslab_cache_alloc(c, GFP_KERNEL);
	first = objs[0] ? goslab_span_of(objs[0]) : NULL;
	KUNIT_EXPECT_NOT_NULL(test, first);
	if (first) {
		KUNIT_EXPECT_EQ(test, first->state, GOSLAB_SPAN_FULL);
		KUNIT_EXPECT_PTR_NE(test, mcache_test_span(c), first);
		KUNIT_EXPECT_EQ(test, first->central->nfull, 1UL);
	}
	migrate_enable();
	for (i = 0; i < n; i++)
		goslab_cache_free(c, objs[i]);
}

/* A drain hands the span back; the next refill takes the same span. */
static void goslab_mcache_test_drain(struct kunit *test)
{
	struct goslab_cache *c = mcache_test_cache(test, "kunit_mc_drain");
	unsigned long fresh, refill;
	struct goslab_span *s;
	void *objs[4];
	unsigned int i;

	migrate_disable();
	for (i = 0; i < 3; i++)
		objs[i] = goslab_cache_alloc(c, GFP_KERNEL);
	s = mcache_test_span(c);
	fresh = mcache_test_stat(c, GOSLAB_SPAN_NEW);
	refill = mcache_test_stat(c, GOSLAB_REFILL);
	goslab_mcache_drain_cpu(c, smp_processor_id());
	KUNIT_EXPECT_NULL(test, mcache_test_span(c));
	KUNIT_EXPECT_EQ(test, s->state, GOSLAB_SPAN_PARTIAL);
	objs[3] = goslab_cache_alloc(c, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, mcache_test_span(c), s);
	KUNIT_EXPECT_PTR_EQ(test, objs[3], goslab_span_obj(s, 3));
	KUNIT_EXPECT_EQ(test, mcache_test_stat(c, GOSLAB_SPAN_NEW), fresh);
	KUNIT_EXPECT_EQ(test, mcache_test_stat(c, GOSLAB_REFILL), refill + 1);
	migrate_enable();
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		goslab_cache_free(c, objs[i]);
	/* With every object free and no CPU holding it, shrink empties all. */
	KUNIT_EXPECT_EQ(test, goslab_cache_shrink(c), 0);
}

/* Bulk takes what the CPU's span has, then refills one at a time. */
static void goslab_mcache_test_bulk(struct kunit *test)
{
	struct goslab_cache *c = mcache_test_cache(test, "kunit_mc_bulk");
	unsigned int n = c->nelems;
	unsigned long refill;
	void *first, **objs;
	size_t got;

	objs = kunit_kcalloc(test, 2 * n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	migrate_disable();
	first = goslab_cache_alloc(c, GFP_KERNEL);
	refill = mcache_test_stat(c, GOSLAB_REFILL);
	got = goslab_mcache_alloc_bulk(c, 2 * n, objs);
	KUNIT_EXPECT_EQ(test, got, (size_t)n - 1);
	KUNIT_EXPECT_EQ(test, mcache_test_stat(c, GOSLAB_REFILL), refill);
	migrate_enable();
	/* Objects taken below the hooks are freed the same way. */
	while (got--)
		goslab_obj_alloc_hook(c, objs[got], c->size, c->elemsize,
				      GFP_KERNEL, _THIS_IP_);
	goslab_cache_free_bulk(c, n - 1, objs);

	/* The public call is all or nothing across a refill. */
	KUNIT_EXPECT_EQ(test, goslab_cache_alloc_bulk(c, GFP_KERNEL, 2 * n, objs),
			(int)(2 * n));
	goslab_cache_free_bulk(c, 2 * n, objs);
	goslab_cache_free(c, first);
}

/*
 * A __GFP_ZERO bulk of objects in consecutive slots, freed dirty just
 * before and stepped back over: every byte of each is zero, and the live
 * object below and the free slot above keep what they held (the bulk
 * zeroes such objects with one memset()).
 */
static void goslab_mcache_test_bulk_zero(struct kunit *test)
{
	struct goslab_cache *c = mcache_test_cache(test, "kunit_mc_zero");
	bool reuse = goslab_kasan_reuse_last;
	void *below, *above, *o[9];
	unsigned int i;

	goslab_kasan_reuse_last = true;
	migrate_disable();
	below = goslab_cache_alloc(c, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, goslab_cache_alloc_bulk(c, GFP_KERNEL, 9, o), 9);
	for (i = 0; below && i < 9; i++) {
		KUNIT_EXPECT_PTR_EQ(test, o[i], below + (i + 1) * c->elemsize);
		memset(o[i], 0x5a, c->size);
	}
	if (below)
		memset(below, 0xa5, c->size);
	goslab_cache_free_bulk(c, 9, o);
	KUNIT_EXPECT_EQ(test, goslab_cache_alloc_bulk(c, GFP_KERNEL | __GFP_ZERO,
						      8, o), 8);
	above = goslab_cache_alloc(c, GFP_KERNEL);
	migrate_enable();
	goslab_kasan_reuse_last = reuse;
	KUNIT_ASSERT_NOT_NULL(test, below);
	KUNIT_ASSERT_NOT_NULL(test, above);
	for (i = 0; i < 8; i++) {
		KUNIT_EXPECT_PTR_EQ(test, o[i], below + (i + 1) * c->elemsize);
		KUNIT_EXPECT_NULL_MSG(test, memchr_inv(o[i], 0, c->size),
				      "object %u of the bulk", i);
	}
	KUNIT_EXPECT_NULL(test, memchr_inv(below, 0xa5, c->size));
	/* The slot above the bulk, dirty when freed: untouched. */
	KUNIT_EXPECT_PTR_EQ(test, above, below + 9 * c->elemsize);
	if (!want_init_on_alloc(GFP_KERNEL) && !want_init_on_free())
		KUNIT_EXPECT_NULL(test, memchr_inv(above, 0x5a, c->size));
	goslab_cache_free_bulk(c, 8, o);
	goslab_cache_free(c, above);
	goslab_cache_free(c, below);
}

/* The task mcache_test_migrate() moves once, and the CPU it moves it to. */
static struct task_struct *mcache_test_mover;
static int mcache_test_to_cpu;

static void mcache_test_migrate(struct goslab_cache *cache)
{
	if (!in_task() || current != READ_ONCE(mcache_test_mover))
		return;
	WRITE_ONCE(mcache_test_mover, NULL);
	set_cpus_allowed_ptr(current, cpumask_of(mcache_test_to_cpu));
}

/*
 * A refill may sleep, and the task may wake up on a CPU of another node: the
 * span it took from the old node's central gives it its object and goes
 * back, rather than becoming the new CPU's span.
 */
static void goslab_mcache_test_refill_migrated(struct kunit *test)
{
	struct goslab_cache *c = mcache_test_cache(test, "kunit_mc_migrate");
	int cpu, from = -1, to = -1;
	struct goslab_span *s;
	cpumask_var_t saved;
	void *obj;

	for_each_online_cpu(cpu) {
		if (from < 0)
			from = cpu;
		else if (c->central[cpu_to_mem(cpu)] != c->central[cpu_to_mem(from)])
			to = cpu;
		if (to >= 0)
			break;
	}
	if (to < 0)
		kunit_skip(test, "no two online CPUs with different nodes' memory");
	KUNIT_ASSERT_TRUE(test, alloc_cpumask_var(&saved, GFP_KERNEL));
	cpumask_copy(saved, current->cpus_ptr);
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(from)), 0);

	mcache_test_to_cpu = to;
	WRITE_ONCE(mcache_test_mover, current);
	WRITE_ONCE(goslab_test_after_refill, mcache_test_migrate);
	obj = goslab_cache_alloc(c, GFP_KERNEL);
	WRITE_ONCE(goslab_test_after_refill, NULL);
	WRITE_ONCE(mcache_test_mover, NULL);

	KUNIT_EXPECT_EQ(test, raw_smp_processor_id(), to);
	KUNIT_EXPECT_NOT_NULL(test, obj);
	s = READ_ONCE(per_cpu_ptr(c->cpu, to)->span[0]);
	KUNIT_EXPECT_NULL(test, s);
	if (obj) {
		s = goslab_span_of(obj);
		KUNIT_EXPECT_PTR_EQ(test, s->central, c->central[cpu_to_mem(from)]);
		KUNIT_EXPECT_NE(test, s->state, GOSLAB_SPAN_CACHED);
	}
	set_cpus_allowed_ptr(current, saved);
	free_cpumask_var(saved);
	goslab_cache_free(c, obj);
}

static struct kunit_case goslab_mcache_cases[] = {
	KUNIT_CASE(goslab_mcache_test_refill_then_fast),
	KUNIT_CASE(goslab_mcache_test_local_sweep),
	KUNIT_CASE(goslab_mcache_test_free_last),
	KUNIT_CASE(goslab_mcache_test_uncache_full),
	KUNIT_CASE(goslab_mcache_test_drain),
	KUNIT_CASE(goslab_mcache_test_bulk),
	KUNIT_CASE(goslab_mcache_test_bulk_zero),
	KUNIT_CASE(goslab_mcache_test_refill_migrated),
	{}
};

static struct kunit_suite goslab_mcache_suite = {
	.name = "goslab_mcache",
	.test_cases = goslab_mcache_cases,
};

kunit_test_suite(goslab_mcache_suite);

#endif /* _GOSLAB_MCACHE_KUNIT_H */

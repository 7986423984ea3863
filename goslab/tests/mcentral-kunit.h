/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit suite goslab_central: the central lists of one cache and node
 * (Go's mcentral): which list a span is on after cacheSpan, uncacheSpan and
 * frees, which span a CPU gets, direct allocations for other nodes, shrink,
 * and when an empty span goes back to the heap or stays for the next refill.
 *
 * Included at the end of mcentral.c. Each case uses a cache of its own and
 * drives its central directly, as an mcache would; no CPU's mcache holds a
 * span of these caches, so every transition is the test's own.
 *
 * Overview: Documentation/design.rst; the suites: Documentation/testing.rst.
 */

#ifndef _GOSLAB_MCENTRAL_KUNIT_H
#define _GOSLAB_MCENTRAL_KUNIT_H

#include <kunit/test.h>

struct central_test {
	struct goslab_cache *cache;
	struct goslab_central *c;
};

static void central_test_destroy(void *cache)
{
	goslab_cache_destroy(cache);
}

static struct central_test central_test_get(struct kunit *test,
					    const char *name, slab_flags_t flags)
{
	struct central_test t;

	t.cache = goslab_cache_create(name, 256, 0, flags, NULL);
	KUNIT_ASSERT_NOT_NULL(test, t.cache);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, central_test_destroy,
							t.cache), 0);
	t.c = t.cache->central[numa_mem_id()];
	KUNIT_ASSERT_NOT_NULL(test, t.c);
	/* Empty spans go back at once; goslab_central_test_keep_empty sets it. */
	t.cache->min_partial = 0;
	return t;
}

/* The next slot of a span a test holds as its mcache would. */
static void *central_test_take(struct central_test *t, struct goslab_span *s)
{
	unsigned int idx = goslab_span_next_free(s);
	void *obj;

	if (idx >= s->nelems)
		return NULL;
	obj = goslab_span_obj(s, idx);
	goslab_obj_alloc_hook(t->cache, obj, t->cache->size,
			      t->cache->elemsize, GFP_KERNEL, _THIS_IP_);
	return obj;
}

static bool central_test_on(struct list_head *head, struct goslab_span *s)
{
	struct goslab_span *pos;

	list_for_each_entry(pos, head, list)
		if (pos == s)
			return true;
	return false;
}

static void goslab_central_test_cache_uncache(struct kunit *test)
{
	struct central_test t = central_test_get(test, "kunit_cen_cycle", 0);
	struct goslab_span *s, *again;
	void **objs;
	unsigned int i, n;

	s = goslab_central_cache_span(t.c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->state, GOSLAB_SPAN_CACHED);
	KUNIT_EXPECT_TRUE(test, list_empty(&s->list));
	KUNIT_EXPECT_EQ(test, s->alloc_count, 0);
	KUNIT_EXPECT_EQ(test, t.c->nspans, 1UL);
	n = s->nelems;
	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (i = 0; i < n; i++) {
		objs[i] = central_test_take(&t, s);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	KUNIT_EXPECT_NULL(test, central_test_take(&t, s));

	/* A used-up span with nothing freed is full. */
	goslab_central_uncache_span(t.c, s);
	KUNIT_EXPECT_EQ(test, s->state, GOSLAB_SPAN_FULL);
	KUNIT_EXPECT_TRUE(test, central_test_on(&t.c->full, s));
	KUNIT_EXPECT_EQ(test, t.c->nfull, 1UL);

	/* Its first free makes it findable: the pending list. */
	goslab_cache_free(t.cache, objs[3]);
	KUNIT_EXPECT_EQ(test, s->state, GOSLAB_SPAN_PENDING);
	KUNIT_EXPECT_TRUE(test, central_test_on(&t.c->pending, s));
	KUNIT_EXPECT_EQ(test, t.c->nfull, 0UL);

	/* cacheSpan sweeps it and hands it out with the freed slot. */
	again = goslab_central_cache_span(t.c, GFP_KERNEL);
	KUNIT_ASSERT_PTR_EQ(test, again, s);
	KUNIT_EXPECT_EQ(test, s->state, GOSLAB_SPAN_CACHED);
	KUNIT_EXPECT_EQ(test, s->alloc_count, n - 1);
	KUNIT_EXPECT_EQ(test, s->pending, 0);
	KUNIT_EXPECT_EQ(test, t.c->nspans, 1UL);
	objs[3] = central_test_take(&t, s);
	KUNIT_EXPECT_PTR_EQ(test, objs[3], goslab_span_obj(s, 3));
	goslab_central_uncache_span(t.c, s);

	/* The last free of a listed span gives it back to the heap. */
	for (i = 0; i < n; i++)
		goslab_cache_free(t.cache, objs[i]);
	KUNIT_EXPECT_EQ(test, t.c->nspans, 0UL);
	KUNIT_EXPECT_TRUE(test, list_empty(&t.c->full));
	KUNIT_EXPECT_TRUE(test, list_empty(&t.c->partial));
	KUNIT_EXPECT_TRUE(test, list_empty(&t.c->pending));
	KUNIT_EXPECT_NULL(test, goslab_span_of(objs[0]));
}

/* cacheSpan prefers a swept span with room to one that must be swept. */
static void goslab_central_test_partial_first(struct kunit *test)
{
	struct central_test t = central_test_get(test, "kunit_cen_order", 0);
	struct goslab_span *full, *part, *got;
	void **objs, *a, *b;
	unsigned int i, n;

	full = goslab_central_cache_span(t.c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, full);
	n = full->nelems;
	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (i = 0; i < n; i++)
		objs[i] = central_test_take(&t, full);
	goslab_central_uncache_span(t.c, full);

	/* With the full span off the lists' fronts, a second span is grown. */
	part = goslab_central_cache_span(t.c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, part);
	KUNIT_EXPECT_PTR_NE(test, part, full);
	KUNIT_EXPECT_EQ(test, t.c->nspans, 2UL);
	a = central_test_take(&t, part);
	b = central_test_take(&t, part);
	goslab_central_uncache_span(t.c, part);
	KUNIT_EXPECT_EQ(test, part->state, GOSLAB_SPAN_PARTIAL);

	goslab_cache_free(t.cache, objs[0]);
	KUNIT_EXPECT_EQ(test, full->state, GOSLAB_SPAN_PENDING);
	got = goslab_central_cache_span(t.c, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, got, part);
	goslab_central_uncache_span(t.c, got);

	goslab_cache_free(t.cache, a);
	goslab_cache_free(t.cache, b);
	for (i = 1; i < n; i++)
		goslab_cache_free(t.cache, objs[i]);
	KUNIT_EXPECT_EQ(test, t.c->nspans, 0UL);
}

/* Allocations for another node's memory go straight to its central. */
static void goslab_central_test_direct_alloc(struct kunit *test)
{
	struct central_test t = central_test_get(test, "kunit_cen_direct", 0);
	unsigned int i, n;
	void **objs;

	n = t.cache->nelems + 1;
	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (i = 0; i < n; i++) {
		objs[i] = goslab_central_alloc(t.c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		goslab_obj_alloc_hook(t.cache, objs[i], t.cache->size,
				      t.cache->elemsize, GFP_KERNEL, _THIS_IP_);
		if (i)
			KUNIT_EXPECT_PTR_NE(test, objs[i], objs[i - 1]);
	}
	/* One span used up (on the full list), one partial. */
	KUNIT_EXPECT_EQ(test, t.c->nspans, 2UL);
	KUNIT_EXPECT_EQ(test, t.c->nfull, 1UL);
	KUNIT_EXPECT_EQ(test, goslab_span_of(objs[0])->state, GOSLAB_SPAN_FULL);
	KUNIT_EXPECT_EQ(test, goslab_span_of(objs[n - 1])->state,
			GOSLAB_SPAN_PARTIAL);
	for (i = 0; i < n; i++)
		goslab_cache_free(t.cache, objs[i]);
	KUNIT_EXPECT_EQ(test, t.c->nspans, 0UL);
	KUNIT_EXPECT_EQ(test, t.c->nfull, 0UL);
}

/* Shrink sweeps listed spans: counts become exact, lists right. */
static void goslab_central_test_shrink_sweeps(struct kunit *test)
{
	struct central_test t = central_test_get(test, "kunit_cen_shrink", 0);
	struct goslab_span *s;
	void *objs[4];
	unsigned int i;

	s = goslab_central_cache_span(t.c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		objs[i] = central_test_take(&t, s);
	goslab_central_uncache_span(t.c, s);
	KUNIT_EXPECT_EQ(test, s->state, GOSLAB_SPAN_PARTIAL);
	/* Two frees: not all of the span, so nothing moves yet. */
	goslab_cache_free(t.cache, objs[0]);
	goslab_cache_free(t.cache, objs[1]);
	KUNIT_EXPECT_EQ(test, s->pending, 2);
	KUNIT_EXPECT_EQ(test, s->alloc_count, 4);

	KUNIT_EXPECT_EQ(test, goslab_central_shrink(t.c), 0UL);
	KUNIT_EXPECT_EQ(test, s->pending, 0);
	KUNIT_EXPECT_EQ(test, s->alloc_count, 2);
	KUNIT_EXPECT_EQ(test, s->state, GOSLAB_SPAN_PARTIAL);
	KUNIT_EXPECT_TRUE(test, goslab_span_obj_live(s, 2));
	KUNIT_EXPECT_FALSE(test, goslab_span_obj_live(s, 0));

	goslab_cache_free(t.cache, objs[2]);
	goslab_cache_free(t.cache, objs[3]);
	KUNIT_EXPECT_EQ(test, t.c->nspans, 0UL);
}

/*
 * An empty span stays on the partial list while the central has fewer
 * partial spans than min_partial, and the next cacheSpan takes it; shrink
 * gives every empty span back.
 */
static void goslab_central_test_keep_empty(struct kunit *test)
{
	struct central_test t = central_test_get(test, "kunit_cen_keep", 0);
	struct goslab_span *s[3], *got;
	void *obj[3];
	unsigned int i;

	t.cache->min_partial = 2;
	for (i = 0; i < ARRAY_SIZE(s); i++) {
		s[i] = goslab_central_cache_span(t.c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, s[i]);
		obj[i] = central_test_take(&t, s[i]);
		KUNIT_ASSERT_NOT_NULL(test, obj[i]);
	}
	for (i = 0; i < ARRAY_SIZE(s); i++)
		goslab_central_uncache_span(t.c, s[i]);
	KUNIT_EXPECT_EQ(test, t.c->npartial, 3UL);

	/* Three partial spans: the first to empty goes, then two stay. */
	for (i = 0; i < ARRAY_SIZE(s); i++)
		goslab_cache_free(t.cache, obj[i]);
	KUNIT_EXPECT_NULL(test, goslab_span_of(obj[0]));
	KUNIT_EXPECT_EQ(test, t.c->nspans, 2UL);
	KUNIT_EXPECT_EQ(test, t.c->npartial, 2UL);
	for (i = 1; i < ARRAY_SIZE(s); i++) {
		KUNIT_EXPECT_EQ(test, s[i]->state, GOSLAB_SPAN_PARTIAL);
		KUNIT_EXPECT_EQ(test, s[i]->alloc_count, 0);
		KUNIT_EXPECT_TRUE(test, central_test_on(&t.c->partial, s[i]));
	}

	/* The next refill takes a kept span: the heap is not asked. */
	got = goslab_central_cache_span(t.c, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, got, s[1]);
	KUNIT_EXPECT_EQ(test, t.c->nspans, 2UL);
	goslab_central_uncache_span(t.c, got);
	KUNIT_EXPECT_EQ(test, t.c->npartial, 2UL);

	KUNIT_EXPECT_EQ(test, goslab_central_shrink(t.c), 2UL);
	KUNIT_EXPECT_EQ(test, t.c->nspans, 0UL);
	KUNIT_EXPECT_EQ(test, t.c->npartial, 0UL);
	KUNIT_EXPECT_TRUE(test, list_empty(&t.c->partial));
}

/* A type-stable span stays mapped until a grace period has passed. */
static void goslab_central_test_typesafe_release(struct kunit *test)
{
	struct central_test t = central_test_get(test, "kunit_cen_rcu",
						 SLAB_TYPESAFE_BY_RCU);
	struct goslab_span *s;
	void *obj;

	s = goslab_central_cache_span(t.c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	obj = central_test_take(&t, s);
	goslab_central_uncache_span(t.c, s);
	rcu_read_lock();
	goslab_cache_free(t.cache, obj);
	KUNIT_EXPECT_EQ(test, t.c->nspans, 0UL);
	/* A reader in its critical section still finds memory of the cache. */
	KUNIT_EXPECT_PTR_EQ(test, goslab_span_of(obj), s);
	rcu_read_unlock();
	rcu_barrier();
	KUNIT_EXPECT_NULL(test, goslab_span_of(obj));
}

static struct kunit_case goslab_central_cases[] = {
	KUNIT_CASE(goslab_central_test_cache_uncache),
	KUNIT_CASE(goslab_central_test_partial_first),
	KUNIT_CASE(goslab_central_test_direct_alloc),
	KUNIT_CASE(goslab_central_test_shrink_sweeps),
	KUNIT_CASE(goslab_central_test_keep_empty),
	KUNIT_CASE(goslab_central_test_typesafe_release),
	{}
};

static struct kunit_suite goslab_central_suite = {
	.name = "goslab_central",
	.test_cases = goslab_central_cases,
};

kunit_test_suite(goslab_central_suite);

#endif /* _GOSLAB_MCENTRAL_KUNIT_H */

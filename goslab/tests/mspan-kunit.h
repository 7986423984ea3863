/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit suite goslab_span: span object bookkeeping (freeindex, allocCache,
 * allocBits, sweeps, object indexes).
 *
 * Included at the end of mspan.c. Spans are built by hand on pages of the
 * buddy allocator, without a heap or a cache; a free is simulated the way
 * goslab_cache_free_span() records one: a live slot's bit in free_bits
 * and one more pending free (goslab_span_mark_free()). A random case checks every call against a
 * model of which slots are live, free, or freed and not yet swept.
 *
 * Overview: Documentation/design.rst; the suites: Documentation/testing.rst.
 */

#ifndef _GOSLAB_MSPAN_KUNIT_H
#define _GOSLAB_MSPAN_KUNIT_H

#include <kunit/test.h>
#include <linux/prandom.h>

#include "../internal.h"

#define SPAN_TEST_SEED		0x5ba4ULL
#define SPAN_TEST_ORDER		get_order(GOSLAB_MAX_SPAN_PAGES << PAGE_SHIFT)

struct span_test_geometry {
	u32 elemsize;
	u16 nelems;
};

/* Whole words, partial last words, one word, one slot, the maximum. */
static const struct span_test_geometry span_test_geometries[] = {
	{ 8, 512 }, { 8, 511 }, { 16, 256 }, { 24, 170 }, { 48, 85 },
	{ 64, 64 }, { 40, 63 }, { 40, 65 }, { 80, 51 }, { 24, 127 },
	{ 24, 128 }, { 24, 129 }, { 16, 193 }, { 2048, 2 }, { 4096, 1 },
};

static void span_test_free_pages(void *base)
{
	free_pages((unsigned long)base, SPAN_TEST_ORDER);
}

/* A zeroed span whose base is room for the largest small-object span. */
static struct goslab_span *span_test_span(struct kunit *test)
{
	struct goslab_span *s;
	void *base;

	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	base = (void *)__get_free_pages(GFP_KERNEL, SPAN_TEST_ORDER);
	KUNIT_ASSERT_NOT_NULL(test, base);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, span_test_free_pages, base), 0);
	s->base = base;
	s->pfn = PHYS_PFN(__pa(base));
	s->npages = 1U << SPAN_TEST_ORDER;
	return s;
}

/* The next slot as an mcache takes it: the fast path, else the scan. */
static unsigned int span_test_take(struct goslab_span *s, bool fast)
{
	int idx = fast ? goslab_span_next_free_fast(s) : -1;

	return idx >= 0 ? idx : goslab_span_next_free(s);
}

/* A free as goslab_cache_free_span() records it; false: already freed. */
static bool span_test_free(struct goslab_span *s, unsigned int idx)
{
	if (!goslab_span_obj_live(s, idx))
		return false;
	goslab_span_mark_free(s, idx);
	return true;
}

/* Take every slot: 0, 1, 2, ... then "full". */
static void span_test_fill(struct kunit *test, struct goslab_span *s, bool fast)
{
	unsigned int i;

	for (i = s->freeindex; i < s->nelems; i++)
		KUNIT_ASSERT_EQ(test, span_test_take(s, fast), i);
	KUNIT_ASSERT_EQ(test, goslab_span_next_free(s), s->nelems);
	KUNIT_ASSERT_EQ(test, goslab_span_next_free_fast(s), -1);
}

/* Take the slots @want in this order. */
static void span_test_expect_takes(struct kunit *test, struct goslab_span *s,
				   const unsigned int *want, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, span_test_take(s, i % 2), want[i],
				    "take %u of %u", i, n);
}

/* === Cases === */

/* Every slot is handed out once, in increasing order, by both paths. */
static void goslab_span_test_next_free(struct kunit *test)
{
	struct goslab_span *s = span_test_span(test);
	struct rnd_state rnd;
	unsigned int g, mode, i;
	int idx;

	prandom_seed_state(&rnd, SPAN_TEST_SEED);
	for (g = 0; g < ARRAY_SIZE(span_test_geometries); g++) {
		const struct span_test_geometry *geo = &span_test_geometries[g];

		for (mode = 0; mode < 3; mode++) {
			goslab_span_init_objects(s, geo->elemsize, geo->nelems, 0);
			for (i = 0; i < geo->nelems; i++) {
				bool fast = mode == 0 ||
					    (mode == 2 && prandom_u32_state(&rnd) % 2);
				/* The fast path gives up only at the end of a word. */
				bool refill = (i + 1) % 64 == 0 && i + 1 != geo->nelems;

				idx = fast ? goslab_span_next_free_fast(s) : -1;
				if (fast)
					KUNIT_EXPECT_EQ_MSG(test, idx < 0, refill,
							    "%u x %u: slot %u", geo->nelems,
							    geo->elemsize, i);
				if (idx < 0)
					idx = goslab_span_next_free(s);
				KUNIT_ASSERT_EQ_MSG(test, idx, i, "%u x %u, mode %u",
						    geo->nelems, geo->elemsize, mode);
				KUNIT_ASSERT_EQ(test, s->alloc_count, i + 1);
			}
			KUNIT_EXPECT_EQ(test, goslab_span_next_free(s), geo->nelems);
			KUNIT_EXPECT_EQ(test, goslab_span_next_free_fast(s), -1);
			KUNIT_EXPECT_EQ(test, goslab_span_next_free(s), geo->nelems);
			KUNIT_EXPECT_EQ(test, s->alloc_count, geo->nelems);
			KUNIT_EXPECT_EQ(test, s->freeindex, geo->nelems);
			KUNIT_EXPECT_EQ(test, goslab_span_live_count(s), geo->nelems);
			/* A sweep with no frees finds nothing and keeps it full. */
			KUNIT_EXPECT_EQ(test, goslab_span_sweep(s), 0);
			KUNIT_EXPECT_EQ(test, s->alloc_count, geo->nelems);
			KUNIT_EXPECT_EQ(test, goslab_span_next_free(s), geo->nelems);
		}
	}
}

/* A sweep frees exactly the freed slots; they come back in order. */
static void goslab_span_test_sweep(struct kunit *test)
{
	struct goslab_span *s = span_test_span(test);
	DECLARE_BITMAP(freed, GOSLAB_MAX_OBJS_PER_SPAN);
	unsigned int g, round, i, k;
	struct rnd_state rnd;

	prandom_seed_state(&rnd, SPAN_TEST_SEED + 1);
	for (g = 0; g < ARRAY_SIZE(span_test_geometries); g++) {
		const struct span_test_geometry *geo = &span_test_geometries[g];

		goslab_span_init_objects(s, geo->elemsize, geo->nelems, 0);
		span_test_fill(test, s, true);
		for (round = 0; round < 4; round++) {
			bitmap_zero(freed, GOSLAB_MAX_OBJS_PER_SPAN);
			k = 0;
			for (i = 0; i < geo->nelems; i++) {
				if (prandom_u32_state(&rnd) % 3)
					continue;
				__set_bit(i, freed);
				KUNIT_ASSERT_TRUE(test, span_test_free(s, i));
				KUNIT_EXPECT_FALSE(test, goslab_span_obj_live(s, i));
				k++;
			}
			KUNIT_EXPECT_EQ(test, s->pending, k);
			KUNIT_EXPECT_EQ(test, goslab_span_live_count(s), geo->nelems - k);

			KUNIT_ASSERT_EQ_MSG(test, goslab_span_sweep(s), k, "%u x %u",
					    geo->nelems, geo->elemsize);
			KUNIT_EXPECT_EQ(test, s->alloc_count, geo->nelems - k);
			KUNIT_EXPECT_EQ(test, s->pending, 0);
			KUNIT_EXPECT_TRUE(test, bitmap_empty(s->free_bits,
							     GOSLAB_MAX_OBJS_PER_SPAN));
			for (i = 0; i < geo->nelems; i++)
				KUNIT_EXPECT_EQ_MSG(test, goslab_span_obj_live(s, i),
						    !test_bit(i, freed), "slot %u", i);

			/* Exactly the freed slots, lowest first, then full. */
			for_each_set_bit(i, freed, geo->nelems)
				KUNIT_ASSERT_EQ(test, span_test_take(s, round % 2), i);
			KUNIT_EXPECT_EQ(test, goslab_span_next_free(s), geo->nelems);
			KUNIT_EXPECT_EQ(test, s->alloc_count, geo->nelems);
			for (i = 0; i < geo->nelems; i++)
				KUNIT_EXPECT_TRUE(test, goslab_span_obj_live(s, i));
		}
	}
}

/* Live: handed out and not freed; never-used slots are not live. */
static void goslab_span_test_obj_live(struct kunit *test)
{
	static const unsigned int freed[] = { 0, 50, 63, 64, 99 };
	struct goslab_span *s = span_test_span(test);
	unsigned int i, k;

	goslab_span_init_objects(s, 16, 200, 0);
	for (i = 0; i < 200; i++)
		KUNIT_EXPECT_FALSE(test, goslab_span_obj_live(s, i));
	for (i = 0; i < 100; i++)
		KUNIT_ASSERT_EQ(test, span_test_take(s, true), i);
	for (i = 0; i < 200; i++)
		KUNIT_EXPECT_EQ_MSG(test, goslab_span_obj_live(s, i), i < 100, "slot %u", i);

	for (k = 0; k < ARRAY_SIZE(freed); k++)
		KUNIT_ASSERT_TRUE(test, span_test_free(s, freed[k]));
	for (i = 0, k = 0; i < 200; i++) {
		bool was_freed = k < ARRAY_SIZE(freed) && freed[k] == i;

		KUNIT_EXPECT_EQ_MSG(test, goslab_span_obj_live(s, i),
				    i < 100 && !was_freed, "slot %u", i);
		k += was_freed;
	}
	KUNIT_EXPECT_EQ(test, goslab_span_live_count(s), 100 - ARRAY_SIZE(freed));

	/* The sweep resets freeindex to 0: liveness now comes from allocBits. */
	KUNIT_EXPECT_EQ(test, goslab_span_sweep(s), ARRAY_SIZE(freed));
	KUNIT_EXPECT_EQ(test, s->freeindex, 0);
	for (i = 0, k = 0; i < 200; i++) {
		bool was_freed = k < ARRAY_SIZE(freed) && freed[k] == i;

		KUNIT_EXPECT_EQ_MSG(test, goslab_span_obj_live(s, i),
				    i < 100 && !was_freed, "slot %u", i);
		k += was_freed;
	}
	KUNIT_EXPECT_EQ(test, span_test_take(s, true), freed[0]);
	KUNIT_EXPECT_TRUE(test, goslab_span_obj_live(s, freed[0]));
	KUNIT_EXPECT_FALSE(test, goslab_span_obj_live(s, freed[1]));
	KUNIT_EXPECT_EQ(test, goslab_span_live_count(s), 100 - ARRAY_SIZE(freed) + 1);
}

/* Every offset of a span of every class: an index, inside, or past the end. */
static void goslab_span_test_obj_index(struct kunit *test)
{
	static const struct span_test_geometry divide[] = {
		{ 24, 170 }, { 3000, 4 }, { 72, 56 },
	};
	struct goslab_span *s = span_test_span(test);
	unsigned long bytes, off, end;
	unsigned int cls, nbad;
	int want, got;

	for (cls = 0; cls < GOSLAB_NUM_CLASSES + ARRAY_SIZE(divide); cls++) {
		if (!cls)
			continue;
		if (cls < GOSLAB_NUM_CLASSES) {
			const struct goslab_class *k = &goslab_classes[cls];

			KUNIT_ASSERT_GT(test, k->size, 0);
			goslab_span_init_objects(s, k->size, k->nobjs, k->divmul);
			bytes = (unsigned long)k->npages << PAGE_SHIFT;
		} else {
			/* divmul 0: the division path of geometries of their own. */
			const struct span_test_geometry *geo = &divide[cls - GOSLAB_NUM_CLASSES];

			goslab_span_init_objects(s, geo->elemsize, geo->nelems, 0);
			bytes = (unsigned long)geo->elemsize * geo->nelems + geo->elemsize - 1;
		}
		KUNIT_ASSERT_LE(test, bytes, PAGE_SIZE << SPAN_TEST_ORDER);
		end = (unsigned long)s->nelems * s->elemsize;
		KUNIT_ASSERT_LE(test, end, bytes);
		nbad = 0;
		for (off = 0; off <= bytes; off++) {
			if (off >= end)
				want = -EFAULT;
			else if (off % s->elemsize)
				want = -EINVAL;
			else
				want = off / s->elemsize;
			got = goslab_span_obj_index(s, s->base + off);
			if (got != want && nbad++ < 4)
				KUNIT_FAIL(test, "class %u (%u B, divmul %#x) at %lu: %d != %d",
					   cls, s->elemsize, s->divmul, off, got, want);
		}
		KUNIT_EXPECT_EQ_MSG(test, nbad, 0, "class %u", cls);
		KUNIT_EXPECT_EQ(test, goslab_span_obj_index(s, s->base - 1), -EFAULT);
		KUNIT_EXPECT_EQ(test, goslab_span_obj_index(s, s->base - s->elemsize),
				-EFAULT);
	}
}

/* Frees that arrive while freeindex is inside a word, or on its edge. */
static void goslab_span_test_sweep_mid_word(struct kunit *test)
{
	static const unsigned int takes1[] = { 0, 3, 64, 65, 69, 75, 76 };
	static const unsigned int takes2[] = { 10, 75, 76, 77 };
	static const unsigned int edges[] = { 64, 128, 192, 200 };
	struct goslab_span *s = span_test_span(test);
	unsigned int i, k, fi;

	goslab_span_init_objects(s, 16, 200, 0);
	for (i = 0; i < 70; i++)
		KUNIT_ASSERT_EQ(test, span_test_take(s, true), i);
	for (k = 0; k < 5; k++)
		KUNIT_ASSERT_TRUE(test, span_test_free(s, takes1[k]));
	/* Frees are not reused before a sweep: allocation goes on at 70. */
	for (i = 70; i < 75; i++)
		KUNIT_ASSERT_EQ(test, span_test_take(s, false), i);
	KUNIT_EXPECT_EQ(test, goslab_span_live_count(s), 70);
	KUNIT_EXPECT_EQ(test, goslab_span_sweep(s), 5);
	KUNIT_EXPECT_EQ(test, s->alloc_count, 70);
	span_test_expect_takes(test, s, takes1, ARRAY_SIZE(takes1));
	KUNIT_EXPECT_EQ(test, s->freeindex, 77);

	/*
	 * 75 and 76 were handed out after the sweep: not in allocBits, live
	 * only because they are below freeindex. 10 is in allocBits.
	 */
	KUNIT_EXPECT_FALSE(test, test_bit(75, s->alloc_bits));
	KUNIT_EXPECT_TRUE(test, goslab_span_obj_live(s, 75));
	for (k = 0; k < 3; k++)
		KUNIT_ASSERT_TRUE(test, span_test_free(s, takes2[k]));
	KUNIT_EXPECT_EQ(test, goslab_span_sweep(s), 3);
	KUNIT_EXPECT_EQ(test, s->alloc_count, 74);
	span_test_expect_takes(test, s, takes2, ARRAY_SIZE(takes2));

	/* freeindex exactly on a word boundary, and at the end. */
	for (k = 0; k < ARRAY_SIZE(edges); k++) {
		fi = edges[k];
		goslab_span_init_objects(s, 16, 200, 0);
		for (i = 0; i < fi; i++)
			KUNIT_ASSERT_EQ(test, span_test_take(s, true), i);
		KUNIT_ASSERT_EQ(test, s->freeindex, fi);
		KUNIT_ASSERT_TRUE(test, span_test_free(s, fi - 1));
		KUNIT_ASSERT_TRUE(test, span_test_free(s, fi - 64));
		KUNIT_EXPECT_EQ_MSG(test, goslab_span_sweep(s), 2, "freeindex %u", fi);
		KUNIT_EXPECT_EQ(test, s->alloc_count, fi - 2);
		KUNIT_EXPECT_EQ(test, span_test_take(s, true), fi - 64);
		KUNIT_EXPECT_EQ(test, span_test_take(s, false), fi - 1);
		KUNIT_EXPECT_EQ(test, span_test_take(s, true), min(fi, 200U));
	}

	/* The largest span, full. */
	goslab_span_init_objects(s, 8, 512, 0);
	span_test_fill(test, s, true);
	KUNIT_ASSERT_TRUE(test, span_test_free(s, 511));
	KUNIT_ASSERT_TRUE(test, span_test_free(s, 0));
	KUNIT_ASSERT_TRUE(test, span_test_free(s, 448));
	KUNIT_EXPECT_EQ(test, goslab_span_sweep(s), 3);
	KUNIT_EXPECT_EQ(test, span_test_take(s, true), 0);
	KUNIT_EXPECT_EQ(test, span_test_take(s, true), 448);
	KUNIT_EXPECT_EQ(test, span_test_take(s, true), 511);
	KUNIT_EXPECT_EQ(test, span_test_take(s, true), 512);
}

/* A second free of a slot is visible before and after the sweep. */
static void goslab_span_test_double_free(struct kunit *test)
{
	struct goslab_span *s = span_test_span(test);
	unsigned int i;

	goslab_span_init_objects(s, 64, 64, 0);
	for (i = 0; i < 10; i++)
		KUNIT_ASSERT_EQ(test, span_test_take(s, true), i);
	KUNIT_EXPECT_TRUE(test, goslab_span_obj_live(s, 5));
	KUNIT_EXPECT_TRUE(test, span_test_free(s, 5));
	KUNIT_EXPECT_FALSE(test, goslab_span_obj_live(s, 5));
	KUNIT_EXPECT_FALSE(test, span_test_free(s, 5));
	KUNIT_EXPECT_EQ(test, s->pending, 1);
	/* Never handed out: not live, so a free of it is refused. */
	KUNIT_EXPECT_FALSE(test, goslab_span_obj_live(s, 20));

	KUNIT_EXPECT_EQ(test, goslab_span_sweep(s), 1);
	KUNIT_EXPECT_EQ(test, s->pending, 0);
	KUNIT_EXPECT_FALSE(test, goslab_span_obj_live(s, 5));
	KUNIT_EXPECT_EQ(test, goslab_span_live_count(s), 9);

	/* A free slot is not live: its free is refused, nothing is marked. */
	KUNIT_EXPECT_FALSE(test, span_test_free(s, 30));
	KUNIT_EXPECT_EQ(test, goslab_span_sweep(s), 0);
	KUNIT_EXPECT_EQ(test, s->pending, 0);
	KUNIT_EXPECT_EQ(test, s->alloc_count, 9);
	KUNIT_EXPECT_EQ(test, span_test_take(s, true), 5);
	KUNIT_EXPECT_TRUE(test, goslab_span_obj_live(s, 5));
	KUNIT_EXPECT_EQ(test, span_test_take(s, true), 10);
}

/* Random takes, frees and sweeps against a model of every slot. */
static void goslab_span_test_random(struct kunit *test)
{
	static const struct span_test_geometry geos[] = {
		{ 8, 512 }, { 24, 170 }, { 40, 65 }, { 80, 51 }, { 2048, 2 },
	};
	struct goslab_span *s = span_test_span(test);
	unsigned long *live, *avail;
	unsigned int g, op, i, want, got, npend, nlive, n;
	struct rnd_state rnd;

	live = kunit_kcalloc(test, 2, BITS_TO_LONGS(GOSLAB_MAX_OBJS_PER_SPAN) *
			     sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, live);
	avail = live + BITS_TO_LONGS(GOSLAB_MAX_OBJS_PER_SPAN);
	prandom_seed_state(&rnd, SPAN_TEST_SEED + 2);

	for (g = 0; g < ARRAY_SIZE(geos); g++) {
		n = geos[g].nelems;
		goslab_span_init_objects(s, geos[g].elemsize, n, 0);
		bitmap_zero(live, GOSLAB_MAX_OBJS_PER_SPAN);
		bitmap_fill(avail, n);
		npend = 0;
		nlive = 0;
		for (op = 0; op < 3000; op++) {
			unsigned int r = prandom_u32_state(&rnd) % 20;

			if (r < 9) {
				/* Take: the lowest slot free as of the last sweep. */
				want = find_first_bit(avail, n);
				got = span_test_take(s, r % 2);
				KUNIT_ASSERT_EQ_MSG(test, got, want, "op %u", op);
				if (want < n) {
					__clear_bit(want, avail);
					__set_bit(want, live);
					nlive++;
				}
			} else if (r < 18 && nlive) {
				/* Free a random live slot. */
				i = find_next_bit(live, n, prandom_u32_state(&rnd) % n);
				if (i >= n)
					i = find_first_bit(live, n);
				KUNIT_ASSERT_TRUE_MSG(test, span_test_free(s, i), "op %u", op);
				__clear_bit(i, live);
				nlive--;
				npend++;
			} else {
				KUNIT_ASSERT_EQ_MSG(test, goslab_span_sweep(s), npend, "op %u", op);
				npend = 0;
				bitmap_complement(avail, live, n);
			}
			KUNIT_ASSERT_EQ(test, s->pending, npend);
			KUNIT_ASSERT_EQ(test, s->alloc_count, nlive + npend);
			KUNIT_ASSERT_EQ(test, goslab_span_live_count(s), nlive);
			for (i = 0; i < n; i++)
				KUNIT_ASSERT_EQ_MSG(test, goslab_span_obj_live(s, i),
						    test_bit(i, live), "op %u, slot %u", op, i);
		}
	}
}

static struct kunit_case goslab_span_test_cases[] = {
	KUNIT_CASE(goslab_span_test_next_free),
	KUNIT_CASE(goslab_span_test_sweep),
	KUNIT_CASE(goslab_span_test_obj_live),
	KUNIT_CASE(goslab_span_test_obj_index),
	KUNIT_CASE(goslab_span_test_sweep_mid_word),
	KUNIT_CASE(goslab_span_test_double_free),
	KUNIT_CASE(goslab_span_test_random),
	{}
};

static struct kunit_suite goslab_span_test_suite = {
	.name = "goslab_span",
	.test_cases = goslab_span_test_cases,
};

kunit_test_suite(goslab_span_test_suite);

#endif /* _GOSLAB_MSPAN_KUNIT_H */

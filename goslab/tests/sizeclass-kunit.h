/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of the size-class table.
 *
 * Included at the end of sizeclass.c. Every case recomputes what
 * scripts/gen-sizeclasses.py promised from first principles (Go's rules in
 * runtime/mksizeclasses.go), never from a copy of the table.
 *
 * Overview: Documentation/design.rst; the suites: Documentation/testing.rst.
 */

#ifndef _GOSLAB_SIZECLASS_KUNIT_H
#define _GOSLAB_SIZECLASS_KUNIT_H

#include <kunit/test.h>
#include <linux/limits.h>
#include <linux/log2.h>
#include <linux/math.h>
#include <linux/minmax.h>

/* Go's candidate walk: the step between candidate sizes at @size. */
static unsigned int sizeclass_go_align(unsigned int size)
{
	if (size >= 2048)
		return 256;
	if (size >= 128)
		return rounddown_pow_of_two(size) / 8;
	if (size >= 32)
		return 16;
	return 8;
}

/* Stops the case before a broken entry divides by zero. */
static const struct goslab_class *sizeclass_get(struct kunit *test,
						unsigned int i)
{
	const struct goslab_class *k = &goslab_classes[i];

	KUNIT_ASSERT_GT_MSG(test, k->size, 0U, "class %u", i);
	KUNIT_ASSERT_GT_MSG(test, k->npages, 0U, "class %u", i);
	return k;
}

static unsigned long sizeclass_span(const struct goslab_class *k)
{
	return (unsigned long)k->npages * PAGE_SIZE;
}

/* Every size maps to the smallest class holding it; 0 and large sizes to 0. */
static void goslab_sizeclass_test_lookup(struct kunit *test)
{
	unsigned int size, cls, want;

	KUNIT_EXPECT_EQ(test, goslab_size_to_class(0), 0U);
	for (size = 1; size <= GOSLAB_MAX_SMALL_SIZE; size++) {
		for (want = 1; want < GOSLAB_NUM_CLASSES; want++)
			if (goslab_classes[want].size >= size)
				break;
		KUNIT_ASSERT_LT_MSG(test, want, GOSLAB_NUM_CLASSES,
				    "no class holds %u bytes", size);
		cls = goslab_size_to_class(size);
		KUNIT_ASSERT_EQ_MSG(test, cls, want, "size %u", size);
	}
	KUNIT_EXPECT_EQ(test, goslab_size_to_class(GOSLAB_MAX_SMALL_SIZE + 1), 0U);
	KUNIT_EXPECT_EQ(test, goslab_size_to_class(SIZE_MAX), 0U);
}

/*
 * Sizes strictly increase up to GOSLAB_MAX_SMALL_SIZE and follow Go's
 * alignment: a multiple of the walk's step at that size, or a class grown to
 * a multiple of 128 that keeps the object count of the candidate below it.
 */
static void goslab_sizeclass_test_sizes(struct kunit *test)
{
	unsigned int i, prev = 0;

	KUNIT_EXPECT_EQ(test, goslab_classes[0].size, 0U);
	KUNIT_EXPECT_EQ(test, goslab_classes[0].npages, 0U);
	KUNIT_EXPECT_EQ(test, goslab_classes[0].nobjs, 0U);
	KUNIT_EXPECT_EQ(test, goslab_classes[GOSLAB_NUM_CLASSES - 1].size,
			GOSLAB_MAX_SMALL_SIZE);

	for (i = 1; i < GOSLAB_NUM_CLASSES; i++) {
		const struct goslab_class *k = sizeclass_get(test, i);
		unsigned int align = sizeclass_go_align(k->size);
		unsigned int below = rounddown(k->size, align);

		KUNIT_EXPECT_GT_MSG(test, k->size, prev, "class %u", i);
		KUNIT_EXPECT_EQ_MSG(test, k->size % 8, 0U, "class %u", i);
		if (k->size > GOSLAB_SMALL_SIZE_MAX)
			KUNIT_EXPECT_EQ_MSG(test, k->size % GOSLAB_LARGE_SIZE_DIV,
					    0U, "class %u: size %u", i, k->size);
		if (k->size % align) {
			KUNIT_EXPECT_EQ_MSG(test, k->size % GOSLAB_LARGE_SIZE_DIV,
					    0U, "class %u: size %u", i, k->size);
			KUNIT_EXPECT_EQ_MSG(test, sizeclass_span(k) / below,
					    (unsigned long)k->nobjs,
					    "class %u: size %u", i, k->size);
		}
		prev = k->size;
	}
}

/* Like kmalloc(), every power of two is a class, so it is naturally aligned. */
static void goslab_sizeclass_test_pow2(struct kunit *test)
{
	unsigned int size;

	for (size = 8; size <= GOSLAB_MAX_SMALL_SIZE; size *= 2)
		KUNIT_EXPECT_EQ_MSG(test,
				    goslab_classes[goslab_size_to_class(size)].size,
				    size, "size %u", size);
}

/* nobjs, tail_waste and the GOSLAB_MAX_* limits match the span geometry. */
static void goslab_sizeclass_test_geometry(struct kunit *test)
{
	unsigned int i, max_npages = 0, max_nobjs = 0;

	for (i = 1; i < GOSLAB_NUM_CLASSES; i++) {
		const struct goslab_class *k = sizeclass_get(test, i);
		unsigned long span = sizeclass_span(k);
		unsigned long nobjs = span / k->size;

		KUNIT_EXPECT_EQ_MSG(test, (unsigned long)k->nobjs, nobjs,
				    "class %u", i);
		KUNIT_EXPECT_EQ_MSG(test, (unsigned long)k->tail_waste,
				    span - nobjs * k->size, "class %u", i);
		max_npages = max_t(unsigned int, max_npages, k->npages);
		max_nobjs = max_t(unsigned int, max_nobjs, k->nobjs);
	}
	KUNIT_EXPECT_EQ(test, max_npages, GOSLAB_MAX_SPAN_PAGES);
	KUNIT_EXPECT_EQ(test, max_nobjs, GOSLAB_MAX_OBJS_PER_SPAN);
}

/*
 * The tail of a span is at most 1/8 of it. Merging and growing classes turn
 * tail bytes into round-up bytes one for one, so the round-up of every object
 * (a request of the previous class + 1 bytes) plus the tail is at most one
 * step of Go's walk per object plus 1/8 of the span; from 128 bytes on, that
 * is under a quarter of the span.
 */
static void goslab_sizeclass_test_waste(struct kunit *test)
{
	unsigned int i, prev = 0;

	for (i = 1; i < GOSLAB_NUM_CLASSES; i++) {
		const struct goslab_class *k = sizeclass_get(test, i);
		unsigned long span = sizeclass_span(k);
		unsigned long nobjs = span / k->size;
		unsigned long tail = span - nobjs * k->size;
		unsigned long waste = (k->size - prev - 1) * nobjs + tail;
		unsigned long step = sizeclass_go_align(prev);

		KUNIT_EXPECT_LE_MSG(test, tail * 8, span, "class %u", i);
		KUNIT_EXPECT_LE_MSG(test, waste, (step - 1) * nobjs + span / 8,
				    "class %u: size %u after %u", i, k->size, prev);
		if (prev >= 128)
			KUNIT_EXPECT_LT_MSG(test, waste * 4, span,
					    "class %u: size %u after %u", i,
					    k->size, prev);
		prev = k->size;
	}
}

/* max_waste is Go's "max waste" column, in 1/100 of a percent, rounded down. */
static void goslab_sizeclass_test_max_waste(struct kunit *test)
{
	unsigned int i, prev = 0;

	for (i = 1; i < GOSLAB_NUM_CLASSES; i++) {
		const struct goslab_class *k = sizeclass_get(test, i);
		unsigned long span = sizeclass_span(k);
		unsigned long nobjs = span / k->size;
		unsigned long waste = (k->size - prev - 1) * nobjs +
				      span - nobjs * k->size;

		KUNIT_EXPECT_EQ_MSG(test, (unsigned long)k->max_waste,
				    waste * 10000 / span, "class %u", i);
		prev = k->size;
	}
}

/* (offset * divmul) >> 32 is offset / size for every offset of a span. */
static void goslab_sizeclass_test_divmul(struct kunit *test)
{
	unsigned int i;

	for (i = 1; i < GOSLAB_NUM_CLASSES; i++) {
		const struct goslab_class *k = sizeclass_get(test, i);
		unsigned long span = sizeclass_span(k);
		unsigned long off;

		KUNIT_EXPECT_EQ_MSG(test, k->divmul, U32_MAX / k->size + 1,
				    "class %u", i);
		for (off = 0; off <= span; off++)
			KUNIT_ASSERT_EQ_MSG(test,
					    ((u64)off * k->divmul) >> 32,
					    (u64)(off / k->size),
					    "class %u: offset %lu", i, off);
	}
}

static struct kunit_case goslab_sizeclass_test_cases[] = {
	KUNIT_CASE(goslab_sizeclass_test_lookup),
	KUNIT_CASE(goslab_sizeclass_test_sizes),
	KUNIT_CASE(goslab_sizeclass_test_pow2),
	KUNIT_CASE(goslab_sizeclass_test_geometry),
	KUNIT_CASE(goslab_sizeclass_test_waste),
	KUNIT_CASE(goslab_sizeclass_test_max_waste),
	KUNIT_CASE(goslab_sizeclass_test_divmul),
	{}
};

static struct kunit_suite goslab_sizeclass_test_suite = {
	.name = "goslab_sizeclass",
	.test_cases = goslab_sizeclass_test_cases,
};

kunit_test_suite(goslab_sizeclass_test_suite);

#endif /* _GOSLAB_SIZECLASS_KUNIT_H */

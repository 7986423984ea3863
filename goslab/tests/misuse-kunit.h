/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit suite goslab_misuse: every misuse of the API is refused, reported
 * once, counted, and corrupts nothing. Included at the end of cache.c.
 *
 * Each deliberate misuse WARNs; the test runner accepts those only between
 * the "expect-splat" console markers printed around them.
 *
 * Overview: Documentation/design.rst; the suites: Documentation/testing.rst.
 */
#include <kunit/test.h>
#include <linux/vmalloc.h>

static long bad_count(enum goslab_bad what)
{
	return atomic_long_read(&goslab_bad_count[what]);
}

/*
 * KASAN also reports some of these (suite goslab_kasan shows it) and would
 * fail the KUnit case that trips it; here goslab's own refusal is tested.
 */
#define EXPECT_REFUSED(test, what, stmt)				\
do {									\
	enum goslab_bad __what = (what);				\
	long __before = bad_count(__what);				\
									\
	pr_info("goslab-test: expect-splat begin\n");			\
	kasan_disable_current();					\
	stmt;								\
	kasan_enable_current();						\
	pr_info("goslab-test: expect-splat end\n");			\
	KUNIT_EXPECT_EQ_MSG(test, bad_count(__what), __before + 1,	\
			    "%s not counted once", goslab_bad_names[__what]); \
} while (0)

/* A workload after each misuse: every object distinct and intact. */
static void check_still_sound(struct kunit *test, struct goslab_cache *c)
{
	const unsigned int n = 3 * c->nelems + 5;
	void **objs = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	unsigned int i, j;

	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (i = 0; i < n; i++) {
		objs[i] = goslab_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		memset(objs[i], (u8)i, c->object_size);
	}
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_NULL(test, memchr_inv(objs[i], (u8)i,
						   c->object_size));
		for (j = i + 1; j < n; j++)
			KUNIT_EXPECT_PTR_NE(test, objs[i], objs[j]);
	}
	for (i = 0; i < n; i++)
		goslab_cache_free(c, objs[i]);
}

static void goslab_misuse_test_double_free(struct kunit *test)
{
	struct goslab_cache *c = goslab_cache_create("kunit_df", 96, 0, 0, NULL);
	void *p, *q, *big;
	bool reuse;

	KUNIT_ASSERT_NOT_NULL(test, c);
	p = goslab_cache_alloc(c, GFP_KERNEL);
	q = goslab_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	goslab_cache_free(c, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	EXPECT_REFUSED(test, GOSLAB_BAD_DOUBLE_FREE, goslab_cache_free(c, p));
	/* After a sweep folded the first free in, it is still caught. */
	KUNIT_EXPECT_EQ(test, goslab_cache_shrink(c), 1);
	EXPECT_REFUSED(test, GOSLAB_BAD_DOUBLE_FREE, goslab_kfree(p));
	goslab_cache_free(c, q);
	/* The same object twice in one bulk free: freed once, refused once. */
	p = goslab_cache_alloc(c, GFP_KERNEL);
	q = goslab_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	{
		void *twice[] = { p, q, p };

		EXPECT_REFUSED(test, GOSLAB_BAD_DOUBLE_FREE,
			       goslab_cache_free_bulk(c, ARRAY_SIZE(twice), twice));
	}
	/* The object allocated last goes straight back: still caught. */
	reuse = goslab_kasan_reuse_last;
	goslab_kasan_reuse_last = true;
	migrate_disable();
	p = goslab_cache_alloc(c, GFP_KERNEL);
	goslab_cache_free(c, p);
	EXPECT_REFUSED(test, GOSLAB_BAD_DOUBLE_FREE, goslab_cache_free(c, p));
	q = goslab_cache_alloc(c, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	goslab_cache_free(c, q);
	migrate_enable();
	goslab_kasan_reuse_last = reuse;
	check_still_sound(test, c);
	goslab_cache_destroy(c);

	big = goslab_kmalloc(100000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, big);
	goslab_kfree(big);
	pr_info("goslab-test: expect-splat begin\n");
	kasan_disable_current();
	goslab_kfree(big);
	kasan_enable_current();
	pr_info("goslab-test: expect-splat end\n");
}

/* The bad pointers goslab_misuse_test_bulk_run() puts in a bulk free. */
enum bulk_bad {
	BULK_INTERIOR,		/* inside a live object */
	BULK_DOUBLE,		/* an object freed already */
	BULK_PAST_END,		/* the span's tail, past its last slot */
	BULK_WRONG_CACHE,	/* an object of another cache */
	BULK_TWICE,		/* an object freed just before in the same run */
	BULK_NR_BAD,
};

static const enum goslab_bad bulk_bad_what[BULK_NR_BAD] = {
	[BULK_INTERIOR] = GOSLAB_BAD_INTERIOR,
	[BULK_DOUBLE] = GOSLAB_BAD_DOUBLE_FREE,
	[BULK_PAST_END] = GOSLAB_BAD_NOT_OURS,
	[BULK_WRONG_CACHE] = GOSLAB_BAD_WRONG_CACHE,
	[BULK_TWICE] = GOSLAB_BAD_DOUBLE_FREE,
};

/*
 * A bad pointer in the middle of a bulk free of objects of one span, with
 * a NULL among them, with and without the step back: the bad one is
 * refused once, each good one is freed (the cache then holds no span),
 * and nothing else is.
 */
static void goslab_misuse_test_bulk_run(struct kunit *test)
{
	struct goslab_cache *c = goslab_cache_create("kunit_bulk", 96, 0, 0,
						     NULL);
	struct goslab_cache *other = goslab_cache_create("kunit_bulk_b", 96, 0,
							 0, NULL);
	bool reuse = goslab_kasan_reuse_last;
	void *o[9], *a[10], *stray, *bad;
	unsigned int kind, step;
	int got;

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, other);
	/* BULK_PAST_END needs a span tail: 85 slots of 96 B in 8 KiB. */
	KUNIT_ASSERT_LT(test, c->nelems * c->elemsize, c->npages << PAGE_SHIFT);
	for (step = 0; step < 2; step++) {
		goslab_kasan_reuse_last = step;
		for (kind = 0; kind < BULK_NR_BAD; kind++) {
			stray = NULL;
			/* On one CPU: its own span, where the step back is. */
			migrate_disable();
			got = goslab_cache_alloc_bulk(c, GFP_KERNEL, 9, o);
			if (got != 9) {
				migrate_enable();
				KUNIT_FAIL(test, "bulk alloc of 9: %d", got);
				break;
			}
			switch (kind) {
			case BULK_INTERIOR:
				bad = o[4] + 8;
				break;
			case BULK_DOUBLE:
				goslab_cache_free(c, o[4]);
				bad = o[4];
				break;
			case BULK_PAST_END:
				bad = goslab_span_of(o[4])->base +
				      c->nelems * c->elemsize;
				break;
			case BULK_WRONG_CACHE:
				stray = goslab_cache_alloc(other, GFP_KERNEL);
				bad = stray;
				break;
			default:
				/* Freed (stepped back, if it can be) first. */
				bad = o[5];
				break;
			}
			memcpy(a, o, 4 * sizeof(void *));
			a[4] = bad;
			a[5] = o[5];
			a[6] = NULL;
			memcpy(&a[7], &o[6], 3 * sizeof(void *));
			KUNIT_EXPECT_NOT_NULL(test, bad);
			if (bad)
				EXPECT_REFUSED(test, bulk_bad_what[kind],
					       goslab_cache_free_bulk(c, 10, a));
			if (kind != BULK_DOUBLE)
				goslab_cache_free(c, o[4]);
			migrate_enable();
			KUNIT_EXPECT_EQ_MSG(test, goslab_cache_shrink(c), 0,
					    "bad pointer %u, step back %u: an object stayed live",
					    kind, step);
			goslab_cache_free(other, stray);
		}
	}
	goslab_kasan_reuse_last = reuse;
	check_still_sound(test, c);
	goslab_cache_destroy(c);
	goslab_cache_destroy(other);
}

static void goslab_misuse_test_not_ours(struct kunit *test)
{
	void *slub = kmalloc(64, GFP_KERNEL);
	void *vm = vmalloc(PAGE_SIZE);
	int on_stack;

	KUNIT_ASSERT_NOT_NULL(test, slub);
	KUNIT_ASSERT_NOT_NULL(test, vm);
	EXPECT_REFUSED(test, GOSLAB_BAD_NOT_OURS, goslab_kfree(slub));
	EXPECT_REFUSED(test, GOSLAB_BAD_NOT_OURS, goslab_kfree(vm));
	EXPECT_REFUSED(test, GOSLAB_BAD_NOT_OURS, goslab_kfree(&on_stack));
	EXPECT_REFUSED(test, GOSLAB_BAD_NOT_OURS,
		       KUNIT_EXPECT_NULL(test, goslab_krealloc(slub, 500,
							       GFP_KERNEL)));
	EXPECT_REFUSED(test, GOSLAB_BAD_NOT_OURS,
		       KUNIT_EXPECT_EQ(test, goslab_ksize(slub), 0));
	/* The foreign memory is untouched and still its owner's. */
	memset(slub, 1, 64);
	kfree(slub);
	vfree(vm);
}

static void goslab_misuse_test_interior(struct kunit *test)
{
	u8 *p = goslab_kmalloc(200, GFP_KERNEL);
	u8 *big = goslab_kmalloc(70000, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, big);
	EXPECT_REFUSED(test, GOSLAB_BAD_INTERIOR, goslab_kfree(p + 8));
	EXPECT_REFUSED(test, GOSLAB_BAD_INTERIOR, goslab_kfree(big + 4096));
	/* Both objects are still live and freeable. */
	memset(p, 2, 200);
	goslab_kfree(p);
	goslab_kfree(big);
}

static void goslab_misuse_test_wrong_cache(struct kunit *test)
{
	struct goslab_cache *a = goslab_cache_create("kunit_wa", 64, 0, 0, NULL);
	struct goslab_cache *b = goslab_cache_create("kunit_wb", 64, 0, 0, NULL);
	void *p;

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	p = goslab_cache_alloc(a, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	EXPECT_REFUSED(test, GOSLAB_BAD_WRONG_CACHE, goslab_cache_free(b, p));
	/* Naming no cache is naming the wrong one. */
	EXPECT_REFUSED(test, GOSLAB_BAD_WRONG_CACHE, goslab_cache_free(NULL, p));
	EXPECT_REFUSED(test, GOSLAB_BAD_WRONG_CACHE,
		       goslab_cache_free_bulk(NULL, 1, &p));
	goslab_cache_free(a, p);
	check_still_sound(test, a);
	check_still_sound(test, b);
	goslab_cache_destroy(a);
	goslab_cache_destroy(b);
}

static void goslab_misuse_test_destroy_live(struct kunit *test)
{
	struct goslab_cache *c = goslab_cache_create("kunit_live", 128, 0, 0,
						     NULL);
	u8 *p;

	KUNIT_ASSERT_NOT_NULL(test, c);
	p = goslab_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	EXPECT_REFUSED(test, GOSLAB_BAD_DESTROY_LIVE, goslab_cache_destroy(c));
	/* The object's memory is kept: still writable, still freeable. */
	memset(p, 3, 128);
	KUNIT_EXPECT_EQ(test, goslab_ksize(p), 128);
	goslab_kfree(p);
	KUNIT_EXPECT_EQ(test, goslab_cache_shrink(c), 0);
}

static void goslab_misuse_test_redzone(struct kunit *test)
{
	struct goslab_cache *c = goslab_cache_create("kunit_rz", 40, 0,
						     SLAB_RED_ZONE, NULL);
	u8 *p;

	KUNIT_ASSERT_NOT_NULL(test, c);
	p = goslab_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	/* One byte past the end, into the red zone; KASAN would see it first. */
	kasan_disable_current();
	p[40] = 0;
	kasan_enable_current();
	EXPECT_REFUSED(test, GOSLAB_BAD_REDZONE, goslab_cache_free(c, p));
	check_still_sound(test, c);
	goslab_cache_destroy(c);
}

static void goslab_misuse_test_write_after_free(struct kunit *test)
{
	struct goslab_cache *c = goslab_cache_create("kunit_uaf", 64, 0,
						     SLAB_POISON, NULL);
	long before = bad_count(GOSLAB_BAD_POISON);
	void **objs;
	unsigned int i, n;
	u8 *p;

	KUNIT_ASSERT_NOT_NULL(test, c);
	n = 2 * c->nelems;
	objs = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	p = goslab_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	goslab_cache_free(c, p);
	kasan_disable_current();	/* goslab's check is under test here */
	p[10] = 0x11;	/* the bug */
	kasan_enable_current();
	/* The slot comes back within two spans' worth of allocations. */
	pr_info("goslab-test: expect-splat begin\n");
	for (i = 0; i < n; i++)
		objs[i] = goslab_cache_alloc(c, GFP_KERNEL);
	pr_info("goslab-test: expect-splat end\n");
	KUNIT_EXPECT_EQ(test, bad_count(GOSLAB_BAD_POISON), before + 1);
	for (i = 0; i < n; i++)
		goslab_cache_free(c, objs[i]);
	goslab_cache_destroy(c);
}

static void goslab_misuse_test_bad_create(struct kunit *test)
{
	struct goslab_cache *c;

	EXPECT_REFUSED(test, GOSLAB_BAD_ARG,
		       KUNIT_EXPECT_NULL(test,
					 goslab_cache_create(NULL, 8, 0, 0, NULL)));
	EXPECT_REFUSED(test, GOSLAB_BAD_ARG,
		       KUNIT_EXPECT_NULL(test,
					 goslab_cache_create("", 8, 0, 0, NULL)));
	EXPECT_REFUSED(test, GOSLAB_BAD_ARG,
		       KUNIT_EXPECT_NULL(test,
					 goslab_cache_create("kunit_z", 0, 0, 0, NULL)));
	EXPECT_REFUSED(test, GOSLAB_BAD_ARG,
		       KUNIT_EXPECT_NULL(test,
					 goslab_cache_create("kunit_z", UINT_MAX, 0, 0, NULL)));
	EXPECT_REFUSED(test, GOSLAB_BAD_ARG,
		       KUNIT_EXPECT_NULL(test,
					 goslab_cache_create("kunit_z", 8, 3, 0, NULL)));
	EXPECT_REFUSED(test, GOSLAB_BAD_ARG,
		       KUNIT_EXPECT_NULL(test,
					 goslab_cache_create("kunit_z", 8, 2 * PAGE_SIZE,
							     0, NULL)));
	c = goslab_cache_create("kunit_dup", 8, 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	EXPECT_REFUSED(test, GOSLAB_BAD_ARG,
		       KUNIT_EXPECT_NULL(test,
					 goslab_cache_create("kunit_dup", 8, 0, 0, NULL)));
	goslab_cache_destroy(c);
	/* Sizes the buddy allocator cannot serve: NULL, no report. */
	KUNIT_EXPECT_NULL(test, goslab_kmalloc(SIZE_MAX, GFP_NOWAIT | __GFP_NOWARN));
	KUNIT_EXPECT_NULL(test, goslab_kmalloc(64 << 20, GFP_NOWAIT | __GFP_NOWARN));
}

static void goslab_misuse_test_stack_size(struct kunit *test)
{
	void *s = goslab_stack_alloc(8192, GFP_KERNEL);
	void *l = goslab_stack_alloc(65536, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_NOT_NULL(test, l);
	EXPECT_REFUSED(test, GOSLAB_BAD_STACK_SIZE, goslab_stack_free(s, 4096));
	EXPECT_REFUSED(test, GOSLAB_BAD_STACK_SIZE, goslab_stack_free(l, 32768));
	EXPECT_REFUSED(test, GOSLAB_BAD_ARG,
		       KUNIT_EXPECT_NULL(test, goslab_stack_alloc(3000, GFP_KERNEL)));
	/* Stack blocks, pooled or large, are not goslab_kfree()'s. */
	EXPECT_REFUSED(test, GOSLAB_BAD_WRONG_CACHE, goslab_kfree(s));
	EXPECT_REFUSED(test, GOSLAB_BAD_WRONG_CACHE, goslab_kfree(l));
	goslab_stack_free(s, 8192);
	goslab_stack_free(l, 65536);
	EXPECT_REFUSED(test, GOSLAB_BAD_DOUBLE_FREE, goslab_stack_free(l, 65536));
}

static struct kunit_case goslab_misuse_cases[] = {
	KUNIT_CASE(goslab_misuse_test_double_free),
	KUNIT_CASE(goslab_misuse_test_bulk_run),
	KUNIT_CASE(goslab_misuse_test_not_ours),
	KUNIT_CASE(goslab_misuse_test_interior),
	KUNIT_CASE(goslab_misuse_test_wrong_cache),
	KUNIT_CASE(goslab_misuse_test_destroy_live),
	KUNIT_CASE(goslab_misuse_test_redzone),
	KUNIT_CASE(goslab_misuse_test_write_after_free),
	KUNIT_CASE(goslab_misuse_test_bad_create),
	KUNIT_CASE(goslab_misuse_test_stack_size),
	{}
};

static struct kunit_suite goslab_misuse_suite = {
	.name = "goslab_misuse",
	.test_cases = goslab_misuse_cases,
};

kunit_test_suite(goslab_misuse_suite);

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for the protections a kernel gives SLUB's users, on goslab
 * objects: goslab_init (init_on_alloc / init_on_free, SLUB's exceptions)
 * and goslab_kasan (generic KASAN sees goslab's objects).
 *
 * The init_on_* cases that need the boot options skip without them; make
 * check boots the debug kernel once more with "init_on_alloc=1
 * init_on_free=1" for them. The KASAN cases need CONFIG_KASAN_GENERIC and
 * "kasan_multi_shot" on the command line (every report, not only the first).
 *
 * A bad access is made on purpose from a kthread: KASAN fails the KUnit
 * test of the task that trips it, and here the report is what is wanted.
 * Reports are counted from the printk console tracepoint, as mm/kasan's
 * own tests do, between "expect-splat" markers for the host's judge.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/kasan.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/vmalloc.h>

#include "goslab.h"

#define PATTERN		0x5a
#define MAX_SMALL	(32 * 1024)

/* Memory written behind the allocator's back: KASAN must not object. */
static void dirty(void *p, size_t n)
{
	kasan_disable_current();
	memset(p, PATTERN, n);
	kasan_enable_current();
}

static bool all_zero(const void *p, size_t n)
{
	bool ok;

	kasan_disable_current();
	ok = !memchr_inv(p, 0, n);
	kasan_enable_current();
	return ok;
}

/* === goslab_init === */

static void need_init_on_alloc(struct kunit *test)
{
	if (!want_init_on_alloc(GFP_KERNEL))
		kunit_skip(test, "needs init_on_alloc=1 on the command line");
}

/*
 * Allocate until @victim comes back (the CPU sweeps its span once it is
 * used up, so a slot freed on this CPU returns within a few spans), keeping
 * what came before in @held. Returns the number held, victim included.
 */
static unsigned int realloc_until(size_t size, void *victim, void **held,
				  unsigned int max)
{
	unsigned int n;

	for (n = 0; n < max; n++) {
		held[n] = goslab_kmalloc(size, GFP_KERNEL);
		if (!held[n] || held[n] == victim)
			return n + 1;
	}
	return n;
}

/*
 * Every size class: a slot dirtied after its free is zero when handed out
 * again. Dirtying after the free keeps init_on_free out of the picture.
 */
static void goslab_init_test_alloc_every_class(struct kunit *test)
{
	const unsigned int max = 4096;
	unsigned int n, i, classes = 0;
	size_t size, usable;
	void **held, *victim;

	need_init_on_alloc(test);
	held = kunit_kmalloc_array(test, max, sizeof(*held), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, held);
	/* On one CPU, so that the victim's slot comes back to this CPU. */
	migrate_disable();
	for (size = 8; size <= MAX_SMALL; size = usable + 1) {
		victim = goslab_kmalloc(size, GFP_KERNEL);
		if (!victim)
			break;
		usable = goslab_ksize(victim);
		goslab_kfree(victim);
		dirty(victim, usable);
		n = realloc_until(size, victim, held, max);
		KUNIT_EXPECT_PTR_EQ_MSG(test, held[n - 1], victim,
					"size %zu: slot not reused", size);
		for (i = 0; i < n; i++) {
			if (!held[i])
				continue;
			KUNIT_EXPECT_TRUE_MSG(test, all_zero(held[i], usable),
					      "size %zu, object %u", size, i);
			goslab_kfree(held[i]);
		}
		classes++;
	}
	migrate_enable();
	KUNIT_EXPECT_GT_MSG(test, size, (size_t)MAX_SMALL, "allocation failed");
	/* Go's table at 4 KiB pages has more classes than powers of two. */
	KUNIT_EXPECT_GT(test, classes, 16U);
}

static void goslab_init_test_alloc_large_bulk_stack(struct kunit *test)
{
	static const size_t large[] = { 40000, 65536, 300000, 1 << 20 };
	struct goslab_cache *c;
	void *objs[64], *p;
	unsigned int i;

	need_init_on_alloc(test);
	for (i = 0; i < ARRAY_SIZE(large); i++) {
		p = goslab_kmalloc(large[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_TRUE_MSG(test, all_zero(p, goslab_ksize(p)),
				      "large %zu", large[i]);
		dirty(p, goslab_ksize(p));
		goslab_kfree(p);
		/* First fit hands the same pages out again: zeroed anew. */
		p = goslab_kmalloc(large[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_TRUE_MSG(test, all_zero(p, goslab_ksize(p)),
				      "large %zu again", large[i]);
		goslab_kfree(p);
	}

	c = goslab_cache_create("kunit_init_bulk", 96, 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	for (i = 0; i < 3; i++) {
		unsigned int j;

		KUNIT_ASSERT_EQ(test, goslab_cache_alloc_bulk(c, GFP_KERNEL,
							      ARRAY_SIZE(objs), objs),
				(int)ARRAY_SIZE(objs));
		for (j = 0; j < ARRAY_SIZE(objs); j++) {
			KUNIT_EXPECT_TRUE(test, all_zero(objs[j], 96));
			dirty(objs[j], 96);
		}
		goslab_cache_free_bulk(c, ARRAY_SIZE(objs), objs);
	}
	goslab_cache_destroy(c);

	for (i = 2048; i <= 64 * 1024; i <<= 1) {
		p = goslab_stack_alloc(i, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_TRUE_MSG(test, all_zero(p, i), "stack %u", i);
		dirty(p, i);
		goslab_stack_free(p, i);
	}
}

static u32 ctor_calls;

static void ctor_fill(void *obj)
{
	memset(obj, PATTERN, 80);
	ctor_calls++;
}

/*
 * SLUB's exceptions hold whatever the boot options: constructed objects
 * keep what the constructor wrote, type-stable ones keep their contents
 * across a free. (Checked in every pass, so also without init_on_*.)
 */
static void goslab_init_test_exceptions(struct kunit *test)
{
	struct goslab_cache *c;
	u8 *p, *q;

	c = goslab_cache_create("kunit_init_ctor", 80, 0, 0, ctor_fill);
	KUNIT_ASSERT_NOT_NULL(test, c);
	p = goslab_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_GT(test, ctor_calls, 0U);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(p, PATTERN, 80));
	goslab_cache_free(c, p);
	goslab_cache_destroy(c);

	c = goslab_cache_create("kunit_init_tsrcu", 64, 0, SLAB_TYPESAFE_BY_RCU,
				NULL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	/* Keep the span alive: an empty span goes back after a grace period. */
	q = goslab_cache_alloc(c, GFP_KERNEL);
	p = goslab_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, PATTERN, 64);
	rcu_read_lock();
	goslab_cache_free(c, p);
	/* A reader still sees the object, unwiped and not poisoned. */
	KUNIT_EXPECT_TRUE(test, !memchr_inv(p, PATTERN, 64));
	rcu_read_unlock();
	goslab_cache_free(c, q);
	goslab_cache_destroy(c);
}

static void goslab_init_test_wipe_on_free(struct kunit *test)
{
	static const size_t sizes[] = { 8, 100, 512, 3000, 20000, 70000 };
	struct goslab_cache *c;
	unsigned int i;
	void *p, *keep;

	if (!want_init_on_free())
		kunit_skip(test, "needs init_on_free=1 on the command line");
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		/* A neighbour keeps the span (and its pages) in place. */
		keep = goslab_kmalloc(sizes[i], GFP_KERNEL);
		p = goslab_kmalloc(sizes[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, keep);
		KUNIT_ASSERT_NOT_NULL(test, p);
		memset(p, PATTERN, sizes[i]);
		goslab_kfree(p);
		if (sizes[i] <= MAX_SMALL)
			KUNIT_EXPECT_TRUE_MSG(test, all_zero(p, sizes[i]),
					      "size %zu", sizes[i]);
		goslab_kfree(keep);
	}

	c = goslab_cache_create("kunit_init_wipe", 200, 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	keep = goslab_cache_alloc(c, GFP_KERNEL);
	p = goslab_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, keep);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, PATTERN, 200);
	goslab_cache_free(c, p);
	KUNIT_EXPECT_TRUE(test, all_zero(p, 200));
	goslab_cache_free(c, keep);
	goslab_cache_destroy(c);
}

static struct kunit_case goslab_init_cases[] = {
	KUNIT_CASE_SLOW(goslab_init_test_alloc_every_class),
	KUNIT_CASE(goslab_init_test_alloc_large_bulk_stack),
	KUNIT_CASE(goslab_init_test_exceptions),
	KUNIT_CASE(goslab_init_test_wipe_on_free),
	{}
};

static struct kunit_suite goslab_init_suite = {
	.name = "goslab_init",
	.test_cases = goslab_init_cases,
};

/* === goslab_kasan === */

#if IS_ENABLED(CONFIG_KASAN_GENERIC) && IS_ENABLED(CONFIG_TRACEPOINTS)

static struct tracepoint *console_tp;
static atomic_t kasan_reports;
static char kasan_last[128];
static DEFINE_SPINLOCK(kasan_last_lock);

/* Every printk line passes here; keep KASAN's headlines. */
static void probe_console(void *ignore, const char *buf, size_t len)
{
	const char *bug = strnstr(buf, "BUG: KASAN: ", len);
	unsigned long flags;

	if (!bug)
		return;
	spin_lock_irqsave(&kasan_last_lock, flags);
	strscpy(kasan_last, bug, min_t(size_t, sizeof(kasan_last),
				       buf + len - bug + 1));
	spin_unlock_irqrestore(&kasan_last_lock, flags);
	atomic_inc(&kasan_reports);
}

static void find_console(struct tracepoint *tp, void *ignore)
{
	if (!strcmp(tp->name, "console"))
		console_tp = tp;
}

static int goslab_kasan_suite_init(struct kunit_suite *suite)
{
	for_each_kernel_tracepoint(find_console, NULL);
	if (!console_tp)
		return -ENOENT;
	return tracepoint_probe_register(console_tp, probe_console, NULL);
}

static void goslab_kasan_suite_exit(struct kunit_suite *suite)
{
	tracepoint_probe_unregister(console_tp, probe_console, NULL);
	tracepoint_synchronize_unregister();
}

struct bad_access {
	void (*fn)(void *p, size_t arg);
	void *p;
	size_t arg;
	struct completion done;
};

static int bad_access_thread(void *data)
{
	struct bad_access *b = data;

	b->fn(b->p, b->arg);
	complete(&b->done);
	return 0;
}

/*
 * Run @fn(@p, @arg) in a kthread and return the KASAN reports it caused;
 * the last headline is left in kasan_last.
 */
static int provoke(struct kunit *test, void (*fn)(void *, size_t), void *p,
		   size_t arg)
{
	struct bad_access b = { .fn = fn, .p = p, .arg = arg };
	struct task_struct *t;
	int before = atomic_read(&kasan_reports);

	init_completion(&b.done);
	kasan_last[0] = '\0';
	pr_info("goslab-test: expect-splat begin\n");
	t = kthread_run(bad_access_thread, &b, "goslab_kasan");
	if (!IS_ERR(t))
		wait_for_completion(&b.done);
	pr_info("goslab-test: expect-splat end\n");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	return atomic_read(&kasan_reports) - before;
}

static void read_byte(void *p, size_t off)
{
	READ_ONCE(((u8 *)p)[off]);
}

static void write_byte(void *p, size_t off)
{
	WRITE_ONCE(((u8 *)p)[off], 0x42);
}

static void free_again(void *p, size_t arg)
{
	goslab_kfree(p);
}

/*
 * KASAN names the bug from the shadow byte after the bad one when that one
 * is a partial granule: one byte past kmalloc(13) in a 16-byte slot is
 * named after the next slot ("use-after-free" if it is free). Both are a
 * report of the access; the shadow itself is checked exactly below.
 */
static void expect_report(struct kunit *test, int n, const char *what)
{
	KUNIT_EXPECT_EQ_MSG(test, n, 1,
			    "no KASAN report (is kasan_multi_shot on?)");
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(kasan_last, what),
				  "report was: %s", kasan_last);
}

static void goslab_kasan_test_use_after_free(struct kunit *test)
{
	struct goslab_cache *c = goslab_cache_create("kunit_kasan_uaf", 128, 0,
						     0, NULL);
	void *keep, *p, *q;

	KUNIT_ASSERT_NOT_NULL(test, c);
	keep = goslab_cache_alloc(c, GFP_KERNEL);
	p = goslab_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, keep);
	KUNIT_ASSERT_NOT_NULL(test, p);
	goslab_cache_free(c, p);
	expect_report(test, provoke(test, read_byte, p, 17), "use-after-free");
	/* Not handed out again at once, so KASAN still sees the next access. */
	q = goslab_cache_alloc(c, GFP_KERNEL);
	KUNIT_EXPECT_PTR_NE(test, q, p);
	expect_report(test, provoke(test, read_byte, p, 3), "use-after-free");
	goslab_cache_free(c, q);
	goslab_cache_free(c, keep);
	goslab_cache_destroy(c);

	/* A large object's pages, once freed. */
	keep = goslab_kmalloc(50000, GFP_KERNEL);
	p = goslab_kmalloc(50000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, keep);
	KUNIT_ASSERT_NOT_NULL(test, p);
	goslab_kfree(p);
	expect_report(test, provoke(test, write_byte, p, 4096), "use-after-free");
	goslab_kfree(keep);
}

static void goslab_kasan_test_out_of_bounds(struct kunit *test)
{
	static const size_t sizes[] = { 1, 13, 100, 250, 1000, 5000, 70000 };
	struct goslab_cache *c;
	unsigned int i;
	u8 *p;

	/* One byte past what was asked, though ksize() has room for it. */
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		p = goslab_kmalloc(sizes[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		expect_report(test, provoke(test, write_byte, p, sizes[i]),
			      sizes[i] % 8 ? "BUG: KASAN: slab-" : "out-of-bounds");
		goslab_kfree(p);
	}
	/* A cache object of 100 bytes lives in a 112-byte slot. */
	c = goslab_cache_create("kunit_kasan_oob", 100, 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	p = goslab_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	expect_report(test, provoke(test, read_byte, p, 100), "out-of-bounds");
	goslab_cache_free(c, p);
	goslab_cache_destroy(c);
}

static void goslab_kasan_test_double_free(struct kunit *test)
{
	void *keep = goslab_kmalloc(64, GFP_KERNEL);
	void *p = goslab_kmalloc(64, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, keep);
	KUNIT_ASSERT_NOT_NULL(test, p);
	goslab_kfree(p);
	/* KASAN reports it, and goslab refuses it (its own WARN). */
	expect_report(test, provoke(test, free_again, p, 0), "use-after-free");
	goslab_kfree(keep);
}

static u8 shadow(const void *p)
{
	u8 v;

	kasan_disable_current();
	v = READ_ONCE(*(u8 *)kasan_mem_to_shadow(p));
	kasan_enable_current();
	return v;
}

/* The shadow of an object through its life, byte for byte. */
static void goslab_kasan_test_shadow(struct kunit *test)
{
	u8 *keep, *p;

	keep = goslab_kmalloc(100, GFP_KERNEL);
	p = goslab_kmalloc(100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, keep);
	KUNIT_ASSERT_NOT_NULL(test, p);
	/* 100 bytes asked, a 112-byte slot: 12 granules, 4 bytes, red zone. */
	KUNIT_EXPECT_EQ(test, shadow(p), 0);
	KUNIT_EXPECT_EQ(test, shadow(p + 88), 0);
	KUNIT_EXPECT_EQ(test, shadow(p + 96), 4);
	KUNIT_EXPECT_EQ(test, shadow(p + 104), 0xfc);
	/* ksize() hands out the whole slot. */
	KUNIT_EXPECT_EQ(test, goslab_ksize(p), 112UL);
	KUNIT_EXPECT_EQ(test, shadow(p + 96), 0);
	KUNIT_EXPECT_EQ(test, shadow(p + 104), 0);
	/* krealloc() in place moves the boundary down. */
	KUNIT_EXPECT_PTR_EQ(test, goslab_krealloc(p, 20, GFP_KERNEL), (void *)p);
	KUNIT_EXPECT_EQ(test, shadow(p + 16), 4);
	KUNIT_EXPECT_EQ(test, shadow(p + 24), 0xfc);
	goslab_kfree(p);
	KUNIT_EXPECT_EQ(test, shadow(p), 0xfb);
	KUNIT_EXPECT_EQ(test, shadow(p + 104), 0xfb);
	goslab_kfree(keep);
}

/* Correct use, ksize() included, reports nothing. */
static void goslab_kasan_test_clean_use(struct kunit *test)
{
	int before = atomic_read(&kasan_reports);
	u8 *p, *q;

	p = goslab_kmalloc(100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 1, 100);
	/* ksize() makes the whole slot usable, as it promises. */
	memset(p, 2, goslab_ksize(p));
	q = goslab_krealloc(p, 40, GFP_KERNEL);
	KUNIT_ASSERT_PTR_EQ(test, q, (void *)p);
	memset(q, 3, 40);
	p = goslab_krealloc(q, 3000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, p[39], 3);
	memset(p, 4, 3000);
	goslab_kfree(p);
	KUNIT_EXPECT_EQ(test, atomic_read(&kasan_reports), before);
}

static struct kunit_case goslab_kasan_cases[] = {
	KUNIT_CASE(goslab_kasan_test_use_after_free),
	KUNIT_CASE(goslab_kasan_test_out_of_bounds),
	KUNIT_CASE(goslab_kasan_test_double_free),
	KUNIT_CASE(goslab_kasan_test_shadow),
	KUNIT_CASE(goslab_kasan_test_clean_use),
	{}
};

#else

static void goslab_kasan_test_none(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_KASAN_GENERIC and CONFIG_TRACEPOINTS");
}

static struct kunit_case goslab_kasan_cases[] = {
	KUNIT_CASE(goslab_kasan_test_none),
	{}
};

static int goslab_kasan_suite_init(struct kunit_suite *suite)
{
	return 0;
}

static void goslab_kasan_suite_exit(struct kunit_suite *suite)
{
}

#endif

static struct kunit_suite goslab_kasan_suite = {
	.name = "goslab_kasan",
	.suite_init = goslab_kasan_suite_init,
	.suite_exit = goslab_kasan_suite_exit,
	.test_cases = goslab_kasan_cases,
};

kunit_test_suites(&goslab_init_suite, &goslab_kasan_suite);

MODULE_DESCRIPTION("KUnit tests of goslab's hardening: init_on_*, KASAN");
MODULE_LICENSE("GPL");

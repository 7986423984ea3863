// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for goslab's public API, as another module sees it:
 * goslab_api (semantics of every call and flag), goslab_numa (nodes and
 * zones) and goslab_concurrency (every CPU, cross-CPU frees, hardirq and
 * softirq allocations, CPU hotplug).
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "goslab.h"

/* === goslab_api === */

static void goslab_api_test_kmalloc_sizes(struct kunit *test)
{
	size_t size;

	for (size = 1; size <= 256 * 1024; size = size < 64 ? size + 1 : size * 9 / 8) {
		u8 *p = goslab_kmalloc(size, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL_MSG(test, p, "size %zu", size);
		KUNIT_EXPECT_GE_MSG(test, goslab_ksize(p), size, "size %zu", size);
		/* Every usable byte is writable. */
		memset(p, 0xa5, goslab_ksize(p));
		if (size > 32768)
			KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(p));
		else
			KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)p, 8));
		goslab_kfree(p);
	}
}

static void goslab_api_test_zero_size(struct kunit *test)
{
	KUNIT_EXPECT_PTR_EQ(test, goslab_kmalloc(0, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_EQ(test, goslab_ksize(ZERO_SIZE_PTR), 0);
	KUNIT_EXPECT_EQ(test, goslab_ksize(NULL), 0);
	goslab_kfree(NULL);
	goslab_kfree(ZERO_SIZE_PTR);
	goslab_cache_free_bulk(NULL, 0, NULL);
}

static void goslab_api_test_zeroing(struct kunit *test)
{
	size_t sizes[] = { 8, 24, 200, 1000, 4096, 20000, 70000 };
	int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		u8 *p = goslab_kmalloc(sizes[i], GFP_KERNEL);

		/* Dirty it, free it, and ask for zeroed memory again. */
		KUNIT_ASSERT_NOT_NULL(test, p);
		memset(p, 0xff, sizes[i]);
		goslab_kfree(p);
		p = goslab_kzalloc(sizes[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, goslab_ksize(p)));
		goslab_kfree(p);
		p = goslab_kcalloc(sizes[i], 1, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, sizes[i]));
		goslab_kfree(p);
	}
	KUNIT_EXPECT_NULL(test, goslab_kcalloc(SIZE_MAX / 8, 16, GFP_KERNEL));
}

static void goslab_api_test_krealloc(struct kunit *test)
{
	size_t sizes[] = { 10, 100, 1000, 5000, 40000, 300000, 50, 0 };
	u8 *p = NULL, *q;
	size_t old = 0, i, j;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		q = goslab_krealloc(p, sizes[i], GFP_KERNEL);
		if (!sizes[i]) {
			KUNIT_EXPECT_PTR_EQ(test, q, ZERO_SIZE_PTR);
			return;
		}
		KUNIT_ASSERT_NOT_NULL(test, q);
		KUNIT_EXPECT_GE(test, goslab_ksize(q), sizes[i]);
		for (j = 0; j < min(old, sizes[i]); j++)
			if (q[j] != (u8)j) {
				KUNIT_FAIL(test, "byte %zu lost growing to %zu", j,
					   sizes[i]);
				break;
			}
		for (j = 0; j < sizes[i]; j++)
			q[j] = j;
		p = q;
		old = sizes[i];
	}
	goslab_kfree(p);
}

static atomic_t ctor_calls;

static void count_ctor(void *obj)
{
	atomic_inc(&ctor_calls);
	memset(obj, 0x3c, 40);
}

static void goslab_api_test_ctor_once(struct kunit *test)
{
	struct goslab_cache *c;
	u8 *p;
	int before;

	atomic_set(&ctor_calls, 0);
	c = goslab_cache_create("kunit_ctor", 40, 0, 0, count_ctor);
	KUNIT_ASSERT_NOT_NULL(test, c);
	p = goslab_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_GT(test, atomic_read(&ctor_calls), 0);
	KUNIT_EXPECT_EQ(test, p[39], 0x3c);
	/* Constructed objects are not zeroed, even under init_on_alloc. */
	p[0] = 0x77;
	before = atomic_read(&ctor_calls);
	goslab_cache_free(c, p);
	p = goslab_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctor_calls), before);
	goslab_cache_free(c, p);
	goslab_cache_destroy(c);
}

static void goslab_api_test_alignment(struct kunit *test)
{
	unsigned int align, size, i;
	unsigned long addr;
	char name[32];

	for (align = 8; align <= PAGE_SIZE; align *= 2) {
		for (size = 1; size <= 5000; size = size * 3 + 1) {
			struct goslab_cache *c;
			void *objs[20];

			snprintf(name, sizeof(name), "kunit_a%u_s%u", align, size);
			c = goslab_cache_create(name, size, align, 0, NULL);
			KUNIT_ASSERT_NOT_NULL(test, c);
			KUNIT_EXPECT_GE(test, goslab_cache_size(c), size);
			for (i = 0; i < ARRAY_SIZE(objs); i++) {
				objs[i] = goslab_cache_alloc(c, GFP_KERNEL);
				KUNIT_ASSERT_NOT_NULL(test, objs[i]);
				addr = (unsigned long)objs[i];
				KUNIT_EXPECT_TRUE_MSG(test, IS_ALIGNED(addr, align),
						      "align %u size %u", align, size);
				memset(objs[i], 1, size);
			}
			for (i = 0; i < ARRAY_SIZE(objs); i++)
				goslab_cache_free(c, objs[i]);
			goslab_cache_destroy(c);
		}
	}
}

static void goslab_api_test_hwcache_align(struct kunit *test)
{
	struct goslab_cache *c = goslab_cache_create("kunit_hw", 100, 0,
						     SLAB_HWCACHE_ALIGN, NULL);
	void *p;

	KUNIT_ASSERT_NOT_NULL(test, c);
	p = goslab_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)p, cache_line_size()));
	goslab_cache_free(c, p);
	goslab_cache_destroy(c);
}

static void goslab_api_test_bulk(struct kunit *test)
{
	static const size_t counts[] = { 1, 8, 16, 30, 64, 128, 250, 1000 };
	struct goslab_cache *c = goslab_cache_create("kunit_bulk", 256, 0, 0,
						     NULL);
	void **objs;
	size_t i, j, k;

	KUNIT_ASSERT_NOT_NULL(test, c);
	objs = kunit_kcalloc(test, 1000, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (k = 0; k < ARRAY_SIZE(counts); k++) {
		KUNIT_ASSERT_EQ(test, goslab_cache_alloc_bulk(c, GFP_KERNEL, counts[k], objs),
				counts[k]);
		/* Distinct, non-overlapping objects. */
		for (i = 0; i < counts[k]; i++) {
			memset(objs[i], (u8)i, 256);
			for (j = i + 1; j < min_t(size_t, counts[k], i + 64); j++)
				KUNIT_EXPECT_PTR_NE(test, objs[i], objs[j]);
		}
		for (i = 0; i < counts[k]; i++)
			KUNIT_EXPECT_EQ(test, ((u8 *)objs[i])[255], (u8)i);
		goslab_cache_free_bulk(c, counts[k], objs);
	}
	KUNIT_EXPECT_EQ(test, goslab_cache_shrink(c), 0);
	goslab_cache_destroy(c);
}

struct rcu_obj {
	int payload[10];
	struct rcu_head rcu;
};

static void goslab_api_test_kfree_rcu(struct kunit *test)
{
	struct goslab_cache *c = goslab_cache_create("kunit_rcu",
				sizeof(struct rcu_obj), 0, 0, NULL);
	struct rcu_obj *o[32];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	for (i = 0; i < ARRAY_SIZE(o); i++) {
		o[i] = goslab_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, o[i]);
	}
	for (i = 0; i < ARRAY_SIZE(o); i++)
		goslab_kfree_rcu(o[i], rcu);
	goslab_kfree_rcu((struct rcu_obj *)NULL, rcu);
	rcu_barrier();
	/* Every object was freed: nothing is left to keep a span. */
	KUNIT_EXPECT_EQ(test, goslab_cache_shrink(c), 0);
	goslab_cache_destroy(c);

	/* kmalloc'd and large objects too. */
	o[0] = goslab_kmalloc(sizeof(struct rcu_obj), GFP_KERNEL);
	o[1] = goslab_kmalloc(100000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, o[0]);
	KUNIT_ASSERT_NOT_NULL(test, o[1]);
	goslab_kfree_rcu(o[0], rcu);
	goslab_kfree_rcu(o[1], rcu);
	rcu_barrier();
}

static void goslab_api_test_typesafe_by_rcu(struct kunit *test)
{
	struct goslab_cache *c = goslab_cache_create("kunit_tsrcu", 64, 0,
				SLAB_TYPESAFE_BY_RCU, NULL);
	u32 *p;

	KUNIT_ASSERT_NOT_NULL(test, c);
	p = goslab_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	p[3] = 0xfeedbeef;
	rcu_read_lock();
	goslab_cache_free(c, p);
	/* A reader may still look: contents survive the free (no wipe). */
	KUNIT_EXPECT_EQ(test, p[3], 0xfeedbeef);
	rcu_read_unlock();
	goslab_cache_destroy(c);
}

static void goslab_api_test_poison_and_redzone_clean(struct kunit *test)
{
	struct goslab_cache *c = goslab_cache_create("kunit_debug", 50, 0,
				SLAB_POISON | SLAB_RED_ZONE, NULL);
	u8 *p[32];
	int i, round;

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_EQ(test, goslab_cache_size(c), 50);
	/* Correct use through several sweeps: no report (runner checks). */
	for (round = 0; round < 3; round++) {
		for (i = 0; i < ARRAY_SIZE(p); i++) {
			p[i] = goslab_cache_alloc(c, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, p[i]);
			memset(p[i], i, 50);
		}
		for (i = 0; i < ARRAY_SIZE(p); i++)
			goslab_cache_free(c, p[i]);
	}
	goslab_cache_destroy(c);
}

static void goslab_api_test_stacks(struct kunit *test)
{
	unsigned int size;
	void *p, *q;

	for (size = 2048; size <= 4 * 1024 * 1024; size <<= 1) {
		p = goslab_stack_alloc(size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL_MSG(test, p, "stack %u", size);
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)p,
						   min_t(unsigned int, size, PAGE_SIZE)));
		memset(p, 0x42, size);
		goslab_stack_free(p, size);
		/* Freed blocks are served again. */
		q = goslab_stack_alloc(size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, q);
		goslab_stack_free(q, size);
	}
	goslab_stack_free(NULL, 2048);
}

static void goslab_api_test_cache_reuse_name(struct kunit *test)
{
	struct goslab_cache *c = goslab_cache_create("kunit_name", 32, 0, 0, NULL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	goslab_cache_destroy(c);
	/* The name is free again once destroyed. */
	c = goslab_cache_create("kunit_name", 64, 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_GE(test, goslab_cache_size(c), 64);
	goslab_cache_destroy(c);
	goslab_cache_destroy(NULL);
}

static DEFINE_SPINLOCK(atomic_test_lock);

static void goslab_api_test_atomic_context(struct kunit *test)
{
	void *p[64];
	int i;

	spin_lock(&atomic_test_lock);
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		p[i] = goslab_kmalloc(16 << (i % 12), GFP_ATOMIC);
		KUNIT_EXPECT_NOT_NULL(test, p[i]);
	}
	for (i = 0; i < ARRAY_SIZE(p); i++)
		goslab_kfree(p[i]);
	spin_unlock(&atomic_test_lock);
}

static struct kunit_case goslab_api_cases[] = {
	KUNIT_CASE(goslab_api_test_kmalloc_sizes),
	KUNIT_CASE(goslab_api_test_zero_size),
	KUNIT_CASE(goslab_api_test_zeroing),
	KUNIT_CASE(goslab_api_test_krealloc),
	KUNIT_CASE(goslab_api_test_ctor_once),
	KUNIT_CASE(goslab_api_test_alignment),
	KUNIT_CASE(goslab_api_test_hwcache_align),
	KUNIT_CASE(goslab_api_test_bulk),
	KUNIT_CASE(goslab_api_test_kfree_rcu),
	KUNIT_CASE(goslab_api_test_typesafe_by_rcu),
	KUNIT_CASE(goslab_api_test_poison_and_redzone_clean),
	KUNIT_CASE(goslab_api_test_stacks),
	KUNIT_CASE(goslab_api_test_cache_reuse_name),
	KUNIT_CASE(goslab_api_test_atomic_context),
	{}
};

static struct kunit_suite goslab_api_suite = {
	.name = "goslab_api",
	.test_cases = goslab_api_cases,
};

/* === goslab_numa: nodes and zones === */

static void goslab_numa_test_node_locality(struct kunit *test)
{
	struct goslab_cache *c = goslab_cache_create("kunit_numa", 192, 0, 0, NULL);
	int nid, i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	if (num_node_state(N_MEMORY) < 2)
		kunit_info(test, "one node only: locality is trivially true");
	for_each_node_state(nid, N_MEMORY) {
		for (i = 0; i < 200; i++) {
			void *a = goslab_cache_alloc_node(c, GFP_KERNEL, nid);
			void *b = goslab_kmalloc_node(8 << (i % 13), GFP_KERNEL, nid);

			KUNIT_ASSERT_NOT_NULL(test, a);
			KUNIT_ASSERT_NOT_NULL(test, b);
			KUNIT_EXPECT_EQ(test, page_to_nid(virt_to_page(a)), nid);
			KUNIT_EXPECT_EQ(test, page_to_nid(virt_to_page(b)), nid);
			goslab_cache_free(c, a);
			goslab_kfree(b);
		}
	}
	goslab_cache_destroy(c);
}

static bool in_zone(void *p, enum zone_type z, phys_addr_t limit)
{
	struct page *page = virt_to_page(p);

	return page_zonenum(page) <= z && virt_to_phys(p) < limit;
}

static void goslab_numa_test_dma32(struct kunit *test)
{
	struct goslab_cache *c = goslab_cache_create("kunit_dma32", 512, 0,
						     SLAB_CACHE_DMA32, NULL);
	int nid, i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	for (i = 0; i < 100; i++) {
		void *a = goslab_cache_alloc(c, GFP_KERNEL);
		void *b = goslab_kmalloc(40 << (i % 11), GFP_KERNEL | GFP_DMA32);

		KUNIT_ASSERT_NOT_NULL(test, a);
		KUNIT_ASSERT_NOT_NULL(test, b);
		KUNIT_EXPECT_TRUE(test, in_zone(a, ZONE_DMA32, 1ULL << 32));
		KUNIT_EXPECT_TRUE(test, in_zone(b, ZONE_DMA32, 1ULL << 32));
		goslab_cache_free(c, a);
		goslab_kfree(b);
	}
	/* A node without DMA32 memory falls back to one that has it. */
	for_each_node_state(nid, N_MEMORY) {
		void *a = goslab_cache_alloc_node(c, GFP_KERNEL, nid);
		void *b = goslab_kmalloc_node(300, GFP_KERNEL | GFP_DMA32, nid);

		KUNIT_ASSERT_NOT_NULL(test, a);
		KUNIT_ASSERT_NOT_NULL(test, b);
		KUNIT_EXPECT_TRUE(test, in_zone(a, ZONE_DMA32, 1ULL << 32));
		KUNIT_EXPECT_TRUE(test, in_zone(b, ZONE_DMA32, 1ULL << 32));
		goslab_cache_free(c, a);
		goslab_kfree(b);
	}
	goslab_cache_destroy(c);
}

#ifdef CONFIG_ZONE_DMA
static void goslab_numa_test_dma(struct kunit *test)
{
	int i;

	for (i = 0; i < 50; i++) {
		void *b = goslab_kmalloc(24 << (i % 10), GFP_KERNEL | GFP_DMA);

		KUNIT_ASSERT_NOT_NULL(test, b);
		KUNIT_EXPECT_TRUE(test, in_zone(b, ZONE_DMA, 16ULL << 20));
		goslab_kfree(b);
	}
}
#else
/*
 * Without ZONE_DMA, GFP_DMA and SLAB_CACHE_DMA mean normal memory, as the
 * page allocator and SLUB take them.
 */
static void goslab_numa_test_dma(struct kunit *test)
{
	struct goslab_cache *c;
	void *a, *b;

	b = goslab_kmalloc(100, GFP_KERNEL | GFP_DMA);
	KUNIT_EXPECT_NOT_NULL(test, b);
	goslab_kfree(b);
	c = goslab_cache_create("kunit_dma", 64, 0, SLAB_CACHE_DMA, NULL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	a = goslab_cache_alloc(c, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, a);
	goslab_cache_free(c, a);
	goslab_cache_destroy(c);
}
#endif

static void goslab_numa_test_normal_any_zone(struct kunit *test)
{
	void *p = goslab_kmalloc(100, GFP_KERNEL);

	/* A normal allocation is simply valid memory of some node. */
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, node_state(page_to_nid(virt_to_page(p)), N_MEMORY));
	goslab_kfree(p);
}

static struct kunit_case goslab_numa_cases[] = {
	KUNIT_CASE(goslab_numa_test_node_locality),
	KUNIT_CASE(goslab_numa_test_dma32),
	KUNIT_CASE(goslab_numa_test_dma),
	KUNIT_CASE(goslab_numa_test_normal_any_zone),
	{}
};

static struct kunit_suite goslab_numa_suite = {
	.name = "goslab_numa",
	.test_cases = goslab_numa_cases,
};

/* === goslab_concurrency === */

#define RING_SIZE	1024
#define OPS_PER_THREAD	20000
/* A slow or loaded machine stops early, well inside KUnit's time limit. */
#define STRESS_SECONDS	90

struct stress {
	struct goslab_cache *cache;
	spinlock_t lock;		/* guards ring */
	void *ring[RING_SIZE];		/* objects handed to other CPUs */
	size_t ring_size[RING_SIZE];
	atomic_t errors;
	atomic_t running;
	struct completion done;
	atomic_t irq_allocs;
	unsigned long deadline;		/* jiffies */
	atomic_long_t ops;
};

static void fill(void *p, size_t size)
{
	u8 v = (unsigned long)p >> 4;
	size_t i;

	for (i = 0; i < size; i++)
		((u8 *)p)[i] = v + i;
}

static bool verify(void *p, size_t size)
{
	u8 v = (unsigned long)p >> 4;
	size_t i;

	for (i = 0; i < size; i++)
		if (((u8 *)p)[i] != (u8)(v + i))
			return false;
	return true;
}

/* @size 0: an object of the stress cache (64 bytes). */
static void release(struct stress *st, void *p, size_t size)
{
	if (!verify(p, size ? size : 64))
		atomic_inc(&st->errors);
	if (size)
		goslab_kfree(p);
	else
		goslab_cache_free(st->cache, p);
}

static int stress_thread(void *arg)
{
	struct stress *st = arg;
	void *local[32];
	size_t sizes[32];
	int i, n = 0;

	for (i = 0; i < OPS_PER_THREAD && time_before(jiffies, st->deadline); i++) {
		u32 r = get_random_u32();
		size_t size = r & 1 ? 0 : 1 + (r >> 8) % 3000;
		void *p = size ? goslab_kmalloc(size, GFP_KERNEL) :
				 goslab_cache_alloc(st->cache, GFP_KERNEL);

		if (!p) {
			atomic_inc(&st->errors);
			continue;
		}
		fill(p, size ? size : 64);
		if (r & 2) {
			/* Hand it to whichever CPU comes next. */
			unsigned int slot = (r >> 4) % RING_SIZE;
			void *old;
			size_t oldsize;

			spin_lock(&st->lock);
			old = st->ring[slot];
			oldsize = st->ring_size[slot];
			st->ring[slot] = p;
			st->ring_size[slot] = size;
			spin_unlock(&st->lock);
			if (old)
				release(st, old, oldsize);
		} else {
			if (n == ARRAY_SIZE(local)) {
				n--;
				release(st, local[n], sizes[n]);
			}
			local[n] = p;
			sizes[n++] = size;
		}
		if (!(i % 1000))
			cond_resched();
	}
	atomic_long_add(i, &st->ops);
	while (n--)
		release(st, local[n], sizes[n]);
	if (atomic_dec_and_test(&st->running))
		complete(&st->done);
	return 0;
}

static struct stress *irq_st;

static struct tasklet_struct stress_tasklet_struct;

/*
 * Every 200 us, on the CPU that started it: an allocation and a free in
 * hard interrupt context, and a kick of the tasklet, whose softirq runs as
 * the interrupt returns (or in ksoftirqd), in the middle of whatever the
 * stress thread of that CPU was doing.
 */
static enum hrtimer_restart stress_hrtimer(struct hrtimer *t)
{
	void *p = goslab_kmalloc(96, GFP_ATOMIC);

	if (p) {
		fill(p, 96);
		if (!verify(p, 96))
			atomic_inc(&irq_st->errors);
		goslab_kfree(p);
		atomic_inc(&irq_st->irq_allocs);
	}
	if (!atomic_read(&irq_st->running))
		return HRTIMER_NORESTART;
	tasklet_schedule(&stress_tasklet_struct);
	hrtimer_forward_now(t, ns_to_ktime(200 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

/*
 * A burst of cache allocations and frees in softirq context. It does not
 * schedule itself: a tasklet that does keeps its CPU in softirq work for as
 * long as the test runs, and on a slow emulated CPU the stress thread of
 * that CPU then never finishes (seen once on the KCSAN kernel: ksoftirqd
 * ran this tasklet for 500 s, an RCU stall every minute).
 */
static void stress_tasklet(struct tasklet_struct *t)
{
	void *p[8];
	int i;

	for (i = 0; i < ARRAY_SIZE(p); i++) {
		p[i] = goslab_cache_alloc(irq_st->cache, GFP_ATOMIC);
		if (p[i])
			fill(p[i], 64);
	}
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		if (!p[i])
			continue;
		release(irq_st, p[i], 0);
		atomic_inc(&irq_st->irq_allocs);
	}
}

static void goslab_concurrency_test_all_cpus(struct kunit *test)
{
	struct task_struct *threads[NR_CPUS];
	struct hrtimer timer;
	struct stress *st;
	int cpu, i, hotplugged = -1;

	st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st);
	st->cache = goslab_cache_create("kunit_stress", 64, 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, st->cache);
	spin_lock_init(&st->lock);
	init_completion(&st->done);
	st->deadline = jiffies + STRESS_SECONDS * HZ;
	irq_st = st;

	cpus_read_lock();
	atomic_set(&st->running, 1);
	for_each_online_cpu(cpu) {
		threads[cpu] = kthread_create_on_cpu(stress_thread, st, cpu,
						     "goslab_stress/%u");
		if (IS_ERR(threads[cpu])) {
			threads[cpu] = NULL;
			continue;
		}
		atomic_inc(&st->running);
	}
	for_each_online_cpu(cpu)
		if (threads[cpu])
			wake_up_process(threads[cpu]);
	cpus_read_unlock();

	tasklet_setup(&stress_tasklet_struct, stress_tasklet);
	hrtimer_init(&timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	timer.function = stress_hrtimer;
	hrtimer_start(&timer, ns_to_ktime(200 * NSEC_PER_USEC), HRTIMER_MODE_REL);

	/* Take a CPU away and bring it back while the others work. */
	if (IS_ENABLED(CONFIG_HOTPLUG_CPU) && num_online_cpus() > 1) {
		cpu = cpumask_last(cpu_online_mask);
		if (!remove_cpu(cpu)) {
			hotplugged = cpu;
			msleep(20);
			KUNIT_EXPECT_EQ(test, add_cpu(cpu), 0);
		}
	}

	/* Our own reference is the last. */
	if (!atomic_dec_and_test(&st->running))
		wait_for_completion(&st->done);
	hrtimer_cancel(&timer);
	tasklet_kill(&stress_tasklet_struct);

	for (i = 0; i < RING_SIZE; i++)
		if (st->ring[i])
			release(st, st->ring[i], st->ring_size[i]);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->errors), 0);
	KUNIT_EXPECT_GT(test, atomic_read(&st->irq_allocs), 0);
	KUNIT_EXPECT_GT(test, atomic_long_read(&st->ops), 0L);
	kunit_info(test, "%ld allocations in the threads, %d in interrupts\n",
		   atomic_long_read(&st->ops), atomic_read(&st->irq_allocs));
	if (hotplugged < 0)
		kunit_info(test, "CPU hotplug not exercised");
	/* Nothing lost: every object of the cache came back. */
	KUNIT_EXPECT_EQ(test, goslab_cache_shrink(st->cache), 0);
	goslab_cache_destroy(st->cache);
}

static struct kunit_case goslab_concurrency_cases[] = {
	KUNIT_CASE_SLOW(goslab_concurrency_test_all_cpus),
	{}
};

static struct kunit_suite goslab_concurrency_suite = {
	.name = "goslab_concurrency",
	.test_cases = goslab_concurrency_cases,
};

kunit_test_suites(&goslab_api_suite, &goslab_numa_suite,
		  &goslab_concurrency_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of goslab's public API");
MODULE_INFO(test, "Y");

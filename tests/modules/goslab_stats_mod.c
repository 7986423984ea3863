// SPDX-License-Identifier: GPL-2.0
/*
 * goslab_stats_mod: a known workload for the statistics kselftest
 * (tests/selftests/goslab/stats_test.sh). At load it allocates @count
 * objects of @size bytes with goslab_kmalloc() and as many from a cache of
 * its own ("goslab_stats_test", objects of @size bytes), frees the first
 * @nfree of each, allocates @large large objects, and with @refuse frees
 * one object of its cache twice (refused). With @reclaim the cache is a
 * SLAB_RECLAIM_ACCOUNT one, for meminfo_test.sh. The rest is freed at
 * unload.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kasan.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "goslab.h"

static unsigned int size = 100;
module_param(size, uint, 0444);
MODULE_PARM_DESC(size, "bytes per object (1 .. 32768)");

static unsigned int count = 1000;
module_param(count, uint, 0444);
MODULE_PARM_DESC(count, "objects allocated of each kind");

static unsigned int nfree = 400;
module_param(nfree, uint, 0444);
MODULE_PARM_DESC(nfree, "objects of each kind freed at load");

static unsigned int large;
module_param(large, uint, 0444);
MODULE_PARM_DESC(large, "large objects (64 KiB) allocated at load");

static bool refuse;
module_param(refuse, bool, 0444);
MODULE_PARM_DESC(refuse, "free one cache object twice at load (one refused free)");

static bool reclaim;
module_param(reclaim, bool, 0444);
MODULE_PARM_DESC(reclaim, "create the cache with SLAB_RECLAIM_ACCOUNT");

static unsigned int loops;
module_param(loops, uint, 0444);
MODULE_PARM_DESC(loops, "time this many goslab_kmalloc()/goslab_kfree() pairs of @size bytes at load");

#define LARGE_BYTES	(64 * 1024)

static struct goslab_cache *cache;
static void **kobjs, **cobjs, **lobjs;

/* Call sites the heap profile must show: keep them out of line. */
static noinline int stats_kmalloc_many(void)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		kobjs[i] = goslab_kmalloc(size, GFP_KERNEL);
		if (!kobjs[i])
			return -ENOMEM;
	}
	return 0;
}

static noinline int stats_cache_alloc_many(void)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		cobjs[i] = goslab_cache_alloc(cache, GFP_KERNEL);
		if (!cobjs[i])
			return -ENOMEM;
	}
	return 0;
}

static noinline int stats_large_many(void)
{
	unsigned int i;

	for (i = 0; i < large; i++) {
		lobjs[i] = goslab_kmalloc(LARGE_BYTES, GFP_KERNEL);
		if (!lobjs[i])
			return -ENOMEM;
	}
	return 0;
}

/* The cost of the statistics hooks: ns per kmalloc+kfree pair. */
static noinline void stats_time_pairs(void)
{
	unsigned int i;
	u64 t0, t;
	void *p;

	t0 = ktime_get_ns();
	for (i = 0; i < loops; i++) {
		p = goslab_kmalloc(size, GFP_KERNEL);
		goslab_kfree(p);
	}
	t = ktime_get_ns() - t0;
	pr_info("timing: %u pairs of %u bytes: %llu ns per pair\n", loops,
		size, div_u64(t, loops));
}

static void free_all(void)
{
	unsigned int i;

	for (i = 0; kobjs && cobjs && i < count; i++) {
		goslab_kfree(kobjs[i]);
		kobjs[i] = NULL;
		if (cobjs[i])
			goslab_cache_free(cache, cobjs[i]);
		cobjs[i] = NULL;
	}
	for (i = 0; lobjs && i < large; i++) {
		goslab_kfree(lobjs[i]);
		lobjs[i] = NULL;
	}
	goslab_cache_destroy(cache);
	kfree(kobjs);
	kfree(cobjs);
	kfree(lobjs);
}

static int __init stats_init(void)
{
	unsigned int i;
	int err;

	if (!size || size > 32768 || nfree > count)
		return -EINVAL;
	kobjs = kcalloc(count, sizeof(*kobjs), GFP_KERNEL);
	cobjs = kcalloc(count, sizeof(*cobjs), GFP_KERNEL);
	lobjs = kcalloc(large, sizeof(*lobjs), GFP_KERNEL);
	cache = goslab_cache_create("goslab_stats_test", size, 0,
				    reclaim ? SLAB_RECLAIM_ACCOUNT : 0, NULL);
	err = -ENOMEM;
	if (!kobjs || !cobjs || (large && !lobjs) || !cache)
		goto err_free;
	err = stats_kmalloc_many();
	if (!err)
		err = stats_cache_alloc_many();
	if (!err)
		err = stats_large_many();
	if (err)
		goto err_free;
	if (loops)
		stats_time_pairs();
	for (i = 0; i < nfree; i++) {
		goslab_kfree(kobjs[i]);
		kobjs[i] = NULL;
		goslab_cache_free(cache, cobjs[i]);
		cobjs[i] = NULL;
	}
	if (refuse && nfree) {
		/* Freed above already: goslab refuses it with one WARN. */
		void *gone = goslab_cache_alloc(cache, GFP_KERNEL);

		if (gone) {
			goslab_cache_free(cache, gone);
			pr_info("goslab-test: expect-splat begin\n");
			/*
			 * Not a KASAN report too (goslab_kasan tests that):
			 * its taint would turn lock debugging off for every
			 * test after this one.
			 */
			kasan_disable_current();
			goslab_cache_free(cache, gone);
			kasan_enable_current();
			pr_info("goslab-test: expect-splat end\n");
		}
	}
	pr_info("%u x %u bytes from goslab_kmalloc and from a cache, %u of each freed, %u large\n",
		count, size, nfree, large);
	return 0;

err_free:
	free_all();
	return err;
}

static void __exit stats_exit(void)
{
	free_all();
}

module_init(stats_init);
module_exit(stats_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("goslab statistics kselftest workload");
MODULE_INFO(test, "Y");

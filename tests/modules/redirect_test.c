// SPDX-License-Identifier: GPL-2.0
/*
 * goslab_redirect_test: memory crossing goslab's switch, for
 * tests/selftests/goslab/redirect_test.sh. This file is built with
 * goslab/slab-redirect.h force-included, as a switched module is;
 * redirect_core.c, without it, allocates from the core. At load every case
 * runs once:
 *
 * core memory through the switch, each handed back to the core and
 * counted in debugfs "redirect" (the shell test checks the counts):
 *	kfree, kfree_sensitive, kfree_link (called as the VFS calls a
 *	destructor), ksize, krealloc (and kfree of the result), kfree_const,
 *	kfree_rcu(ptr, field), kfree_rcu(ptr), kfree_rcu_mightsleep, kvfree of
 *	vmalloc memory, kmem_cache_alloc/free on a core cache;
 * goslab memory through paths the core drives, freed by goslab and never
 *	refused: kfree_link through do_delayed_call(), both kfree_rcu forms,
 *	a mempool on a switched cache (the core's mempool code calls the
 *	switched callbacks), kmem_cache_free(NULL, ...);
 * a pointer nobody owns (this module's static data): refused by goslab
 *	(invalid_pointer), between "goslab-test: expect-splat" lines.
 *
 * The verdict of the checks made here is the read-only parameter "result"
 * (0 pass, 1 fail). The module loads either way.
 */
#undef pr_fmt
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/delayed_call.h>
#include <linux/kasan.h>
#include <linux/mempool.h>
#include <linux/rcupdate.h>

#include "redirect_test.h"

static int result = -1;
module_param(result, int, 0444);
MODULE_PARM_DESC(result, "read-only: 0 if every case passed, 1 if one failed");

struct rt_obj {
	struct rcu_head rcu;
	char data[120];
};

static int failed;
static char not_ours[64];

#define RT_CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			pr_err("case failed at line %d: %s\n",		\
			       __LINE__, #cond);			\
			failed = 1;					\
		}							\
	} while (0)

/* Core memory freed and sized through the switch. */
static void rt_core_cases(void)
{
	struct delayed_call done;
	struct kmem_cache *s;
	char *p, *q;
	void *v;

	p = rt_core_kmalloc(100);
	RT_CHECK(p);
	kfree(p);					/* core_kfree */

	p = rt_core_kmalloc(100);
	RT_CHECK(p);
	kfree_sensitive(p);				/* core_kfree */

	p = rt_core_kmalloc(100);
	RT_CHECK(p);
	set_delayed_call(&done, kfree_link, p);
	do_delayed_call(&done);				/* core_kfree */

	p = rt_core_kmalloc(100);
	RT_CHECK(p && ksize(p) >= 100);			/* core_ksize */
	if (p) {
		memset(p, 0x5a, 100);
		q = krealloc(p, 3000, GFP_KERNEL);	/* core_krealloc */
		RT_CHECK(q && q[0] == 0x5a && q[99] == 0x5a);
		kfree(q ? q : p);			/* core_kfree */
	}

	p = rt_core_kstrdup("goslab");
	RT_CHECK(p);
	kfree_const(p);					/* core_kfree_const */

	p = rt_core_kmalloc(sizeof(struct rt_obj));
	RT_CHECK(p);
	kfree_rcu((struct rt_obj *)p, rcu);		/* core_kfree_rcu */
	p = rt_core_kmalloc(sizeof(struct rt_obj));
	RT_CHECK(p);
	kfree_rcu(p);					/* core_kfree */
	p = rt_core_kmalloc(100);
	RT_CHECK(p);
	kfree_rcu_mightsleep(p);			/* core_kfree */

	v = rt_core_vmalloc(3 * PAGE_SIZE);
	RT_CHECK(v);
	kvfree(v);					/* kvfree_vfree */

	s = rt_core_cache_create("goslab_rt_core", 96);
	RT_CHECK(s);
	if (s) {
		v = kmem_cache_alloc(s, GFP_KERNEL);	/* core_cache_alloc */
		RT_CHECK(v);
		kmem_cache_free(s, v);			/* core_cache_free */
		rt_core_cache_destroy(s);
	}
}

/* goslab memory on paths the core drives. */
static void rt_goslab_cases(void)
{
	struct delayed_call done;
	struct kmem_cache *s;
	struct rt_obj *o;
	mempool_t *pool;
	void *a, *b;
	char *p;

	p = kmalloc(100, GFP_KERNEL);
	RT_CHECK(p);
	set_delayed_call(&done, kfree_link, p);
	do_delayed_call(&done);

	o = kmalloc(sizeof(*o), GFP_KERNEL);
	RT_CHECK(o);
	kfree_rcu(o, rcu);
	o = kmalloc(sizeof(*o), GFP_KERNEL);
	RT_CHECK(o);
	kfree_rcu(o);

	p = kmalloc(100, GFP_KERNEL);
	RT_CHECK(p);
	kmem_cache_free(NULL, p);

	s = kmem_cache_create("goslab_rt_pool", 200, 0, 0, NULL);
	RT_CHECK(s);
	if (!s)
		return;
	pool = mempool_create_slab_pool(4, s);
	RT_CHECK(pool);
	if (pool) {
		a = mempool_alloc(pool, GFP_KERNEL);
		b = mempool_alloc(pool, GFP_KERNEL);
		RT_CHECK(a && b && a != b);
		mempool_free(b, pool);
		mempool_free(a, pool);
		mempool_destroy(pool);
	}
	kmem_cache_destroy(s);
}

/* A pointer into this module's data: nobody's, refused. */
static void rt_refused_case(void)
{
	pr_info("goslab-test: expect-splat begin\n");
	kasan_disable_current();
	kfree(not_ours + 16);
	kasan_enable_current();
	pr_info("goslab-test: expect-splat end\n");
}

static int __init rt_init(void)
{
	rt_core_cases();
	rt_goslab_cases();
	rt_refused_case();
	/* The kfree_rcu() callbacks of goslab's objects run in goslab. */
	rcu_barrier();
	result = failed;
	pr_info("result %s\n", failed ? "FAIL" : "PASS");
	return 0;
}

static void __exit rt_exit(void)
{
}

module_init(rt_init);
module_exit(rt_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("goslab test: memory crossing the slab-redirect switch");

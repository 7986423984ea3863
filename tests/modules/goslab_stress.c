// SPDX-License-Identifier: GPL-2.0
/*
 * goslab_stress: a bounded stress run of every goslab API, and a misuse
 * matrix, for tests/selftests/goslab/stress_test.sh and scripts/stress.sh.
 *
 * mode=stress (default): one kthread per online CPU allocates and frees
 * random sizes through every API (caches with and without debug flags,
 * the kmalloc family, bulk calls, node variants, stack pools, kfree_rcu),
 * hands objects to other CPUs through a shared ring, and per-CPU hrtimers
 * and tasklets allocate in hardirq and softirq context. Every object is
 * filled with a pattern derived from its address and verified before it is
 * freed. Optionally CPUs go offline and online in a loop (hotplug=1) and
 * the workers' own page allocations may be failed by the kernel's
 * fail_page_alloc (fail_task=1 marks them for its task filter). When the
 * time is up every object is freed and every cache must be empty.
 *
 * mode=misuse: each misuse of the API once, each followed by a
 * pattern-verified workload; the counts the script must see in debugfs
 * "refused" are printed as "goslab_stress: misuse-expect NAME N".
 *
 * mode=pressure: take free pages from the buddy allocator until it refuses
 * (reclaim runs, and with it goslab's shrinker), then check that goslab
 * still serves while memory is short, and give everything back.
 *
 * The module's init runs the whole test and fails (-EIO) if anything was
 * wrong, so "insmod" is the verdict; the details go to the console as
 * "goslab_stress: " lines.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <linux/kasan.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "goslab.h"

static char *mode = "stress";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "stress (default), misuse or pressure");

static unsigned int duration_ms = 10000;
module_param(duration_ms, uint, 0444);
MODULE_PARM_DESC(duration_ms, "how long the stress run lasts (default 10000)");

static unsigned int mix = 0x7f;
module_param(mix, uint, 0444);
MODULE_PARM_DESC(mix, "APIs used, a mask: 1 caches, 2 kmalloc family, 4 bulk, 8 node variants, 16 stacks, 32 kfree_rcu, 64 large objects (default 0x7f)");

static bool irq = true;
module_param(irq, bool, 0444);
MODULE_PARM_DESC(irq, "allocate from hrtimers and tasklets too (default on)");

static bool hotplug;
module_param(hotplug, bool, 0444);
MODULE_PARM_DESC(hotplug, "take CPUs offline and online in a loop (default off)");

static unsigned int hotplug_ms = 300;
module_param(hotplug_ms, uint, 0444);
MODULE_PARM_DESC(hotplug_ms, "time a CPU stays offline, and online between (default 300)");

static bool fail_task;
module_param(fail_task, bool, 0444);
MODULE_PARM_DESC(fail_task, "mark the workers for fault injection's task filter, and expect NULLs (default off)");

static unsigned int max_live = 256;
module_param(max_live, uint, 0444);
MODULE_PARM_DESC(max_live, "objects each worker holds at most (default 256)");

#define MIX_CACHE	BIT(0)
#define MIX_KMALLOC	BIT(1)
#define MIX_BULK	BIT(2)
#define MIX_NODE	BIT(3)
#define MIX_STACK	BIT(4)
#define MIX_RCU		BIT(5)
#define MIX_LARGE	BIT(6)

/* === Patterns === */

/*
 * Every 8-byte word of an object holds its address mixed with the word's
 * index; a tail shorter than a word holds bytes of the same mix. @key is
 * the address the object had when it was filled (krealloc moves it).
 */
static u64 pattern_word(unsigned long key, size_t i)
{
	return (key ^ 0x9e3779b97f4a7c15ULL) * (2 * i + 1);
}

static void pattern_fill(void *p, size_t size, unsigned long key)
{
	u64 *w = p;
	size_t i, n = size / 8;
	u64 last;

	for (i = 0; i < n; i++)
		w[i] = pattern_word(key, i);
	last = pattern_word(key, n);
	for (i = n * 8; i < size; i++)
		((u8 *)p)[i] = last >> (8 * (i % 8));
}

static bool pattern_ok(const void *p, size_t size, unsigned long key)
{
	const u64 *w = p;
	size_t i, n = size / 8;
	u64 last;

	for (i = 0; i < n; i++)
		if (w[i] != pattern_word(key, i))
			return false;
	last = pattern_word(key, n);
	for (i = n * 8; i < size; i++)
		if (((const u8 *)p)[i] != (u8)(last >> (8 * (i % 8))))
			return false;
	return true;
}

/* === Objects and how they are freed === */

enum kind {
	K_CACHE,	/* goslab_cache_alloc(_node) / _bulk: cache_free(_bulk) */
	K_KMALLOC,	/* kmalloc family: kfree */
	K_STACK,	/* goslab_stack_alloc: goslab_stack_free */
	K_RCU,		/* kmalloc'd, freed by goslab_kfree_rcu */
	NR_KINDS,
};

struct obj {
	void *p;
	unsigned long key;
	u32 size;		/* bytes filled with the pattern */
	u8 kind;
	u8 cache;		/* index in caches[] for K_CACHE */
};

struct rcu_obj {
	struct rcu_head rcu;
	u8 data[];
};

/* The test's caches: plain, aligned, debug flags, constructor, RCU. */
struct cache_spec {
	const char *name;
	unsigned int size;
	unsigned int align;
	slab_flags_t flags;
	bool ctor;
};

static const struct cache_spec cache_specs[] = {
	{ "stress-8", 8, 0, 0, false },
	{ "stress-64", 64, 0, 0, false },
	{ "stress-200-hw", 200, 0, SLAB_HWCACHE_ALIGN, false },
	{ "stress-1000-dbg", 1000, 0, SLAB_RED_ZONE | SLAB_POISON, false },
	{ "stress-3000-a256", 3000, 256, 0, false },
	{ "stress-96-ctor", 96, 0, 0, true },
	{ "stress-128-rcu", 128, 0, SLAB_TYPESAFE_BY_RCU, false },
	{ "stress-40000", 40000, 0, 0, false },
};

#define NR_CACHES ARRAY_SIZE(cache_specs)
static struct goslab_cache *caches[NR_CACHES];

static void stress_ctor(void *p)
{
	memset(p, 0, 96);
}

/* === Counters === */

enum counter {
	C_ALLOC,	/* objects allocated */
	C_FREE,		/* objects freed */
	C_NULL,		/* allocations that returned NULL */
	C_NULL_BAD,	/* ... where nothing could explain it */
	C_BAD_PATTERN,	/* pattern broken at free */
	C_BAD_ZERO,	/* zeroed allocation not zero */
	C_BAD_NODE,	/* __GFP_THISNODE gave memory of another node */
	C_BAD_SIZE,	/* ksize below the size asked for */
	C_BAD_BULK,	/* bulk call broke all-or-nothing */
	C_REMOTE,	/* objects freed by another thread or interrupt */
	C_HARDIRQ,	/* allocations in hardirq context */
	C_SOFTIRQ,	/* allocations in softirq context */
	C_RCU,		/* kfree_rcu calls */
	C_BULK,		/* bulk calls */
	C_REALLOC,	/* krealloc calls */
	C_HOTPLUG,	/* CPUs taken offline and back */
	NR_COUNTERS,
};

static const char *const counter_names[NR_COUNTERS] = {
	[C_ALLOC] = "allocs",
	[C_FREE] = "frees",
	[C_NULL] = "nulls",
	[C_NULL_BAD] = "unexpected_nulls",
	[C_BAD_PATTERN] = "pattern_errors",
	[C_BAD_ZERO] = "zero_errors",
	[C_BAD_NODE] = "node_errors",
	[C_BAD_SIZE] = "size_errors",
	[C_BAD_BULK] = "bulk_errors",
	[C_REMOTE] = "remote_frees",
	[C_HARDIRQ] = "hardirq_allocs",
	[C_SOFTIRQ] = "softirq_allocs",
	[C_RCU] = "kfree_rcu",
	[C_BULK] = "bulk_calls",
	[C_REALLOC] = "krealloc",
	[C_HOTPLUG] = "hotplug_cycles",
};

static_assert(ARRAY_SIZE(counter_names) == NR_COUNTERS);

static atomic_long_t counters[NR_COUNTERS];

static void count(enum counter c)
{
	atomic_long_inc(&counters[c]);
}

static void count_add(enum counter c, long n)
{
	atomic_long_add(n, &counters[c]);
}

static long counter(enum counter c)
{
	return atomic_long_read(&counters[c]);
}

/* A NULL is clean under fault injection or when the caller could not wait. */
static void count_null(gfp_t gfp)
{
	count(C_NULL);
	if (!fail_task && gfpflags_allow_blocking(gfp))
		count(C_NULL_BAD);
}

/* === Allocating and freeing one object === */

static void obj_free(struct obj *o)
{
	switch (o->kind) {
	case K_RCU: {
		struct rcu_obj *r = o->p;

		if (!pattern_ok(r->data, o->size, o->key))
			count(C_BAD_PATTERN);
		goslab_kfree_rcu(r, rcu);
		count(C_RCU);
		break;
	}
	case K_CACHE:
		if (!pattern_ok(o->p, o->size, o->key))
			count(C_BAD_PATTERN);
		goslab_cache_free(caches[o->cache], o->p);
		break;
	case K_KMALLOC:
		if (!pattern_ok(o->p, o->size, o->key))
			count(C_BAD_PATTERN);
		goslab_kfree(o->p);
		break;
	case K_STACK:
		if (!pattern_ok(o->p, o->size, o->key))
			count(C_BAD_PATTERN);
		goslab_stack_free(o->p, o->size);
		break;
	}
	count(C_FREE);
	o->p = NULL;
}

static void obj_set(struct obj *o, void *p, size_t size, enum kind kind,
		    unsigned int cache)
{
	o->p = p;
	o->key = (unsigned long)p;
	o->size = size;
	o->kind = kind;
	o->cache = cache;
	pattern_fill(kind == K_RCU ? ((struct rcu_obj *)p)->data : p, size,
		     o->key);
	count(C_ALLOC);
}

/* Mostly small sizes, some medium, a few large ones. */
static size_t random_size(u32 r)
{
	u32 pick = r % 100, x = r >> 8;

	if (pick < 55)
		return 1 + x % 256;
	if (pick < 85)
		return 257 + x % 3840;
	if (pick < 97 || !(mix & MIX_LARGE))
		return 4097 + x % 28672;
	return 32769 + x % 200000;
}

static gfp_t random_gfp(u32 r)
{
	switch (r % 16) {
	case 0:
		return GFP_ATOMIC | __GFP_NOWARN;
	case 1:
		return GFP_NOWAIT | __GFP_NOWARN;
	default:
		return GFP_KERNEL;
	}
}

static int random_node(u32 r)
{
	int n = r % (num_online_nodes() + 1), nid;

	for_each_online_node(nid)
		if (!n--)
			return nid;
	return NUMA_NO_NODE;
}

/*
 * Half the node variants ask with __GFP_THISNODE: the memory must be of
 * @node. Without it @node is a preference, as for kmalloc_node(): a node
 * short of free pages hands over to another (goslab_heap_alloc_pages()).
 */
static gfp_t node_gfp(gfp_t gfp)
{
	return get_random_u32() & 1 ? gfp | __GFP_THISNODE : gfp;
}

static bool node_ok(void *p, int node, gfp_t gfp)
{
	if (node == NUMA_NO_NODE || !node_state(node, N_MEMORY) ||
	    !(gfp & __GFP_THISNODE))
		return true;
	return page_to_nid(virt_to_page(p)) == node;
}

static bool zeroed(const void *p, size_t size)
{
	return !memchr_inv(p, 0, size);
}

/* krealloc of a fresh object to a random size, keeping its contents. */
static void *realloc_one(size_t *sizep, gfp_t gfp)
{
	size_t size = *sizep, nsize = random_size(get_random_u32());
	void *p = goslab_kmalloc(size, gfp), *q;

	if (!p)
		return NULL;
	pattern_fill(p, size, (unsigned long)p);
	q = goslab_krealloc(p, nsize, gfp);
	count(C_REALLOC);
	if (!q) {
		/* p is untouched and still the caller's. */
		if (!pattern_ok(p, size, (unsigned long)p))
			count(C_BAD_PATTERN);
		goslab_kfree(p);
		return NULL;
	}
	if (!pattern_ok(q, min(size, nsize), (unsigned long)p))
		count(C_BAD_PATTERN);
	*sizep = nsize;
	return q;
}

/* One allocation through a random API into @o; false if none was made. */
static bool alloc_one(struct obj *o, u32 r, gfp_t gfp)
{
	u32 r2 = get_random_u32();
	size_t size = random_size(r2);
	enum kind kind = K_KMALLOC;
	unsigned int ci = 0;
	void *p = NULL;
	int node;

	switch (r % 6) {
	case 0:		/* caches, some through the node variant */
		if (!(mix & MIX_CACHE))
			return false;
		ci = r2 % NR_CACHES;
		if (cache_specs[ci].size > 32768 && !(mix & MIX_LARGE))
			ci = 1;
		if (mix & MIX_NODE && r2 & BIT(31)) {
			node = random_node(r2 >> 4);
			gfp = node_gfp(gfp);
			p = goslab_cache_alloc_node(caches[ci], gfp, node);
			if (p && !node_ok(p, node, gfp))
				count(C_BAD_NODE);
		} else {
			p = goslab_cache_alloc(caches[ci], gfp);
		}
		if (p && goslab_cache_size(caches[ci]) < cache_specs[ci].size)
			count(C_BAD_SIZE);
		size = cache_specs[ci].size;
		kind = K_CACHE;
		break;
	case 1:		/* kmalloc, kzalloc, kcalloc */
		if (!(mix & MIX_KMALLOC))
			return false;
		if (r2 & BIT(30)) {
			p = goslab_kzalloc(size, gfp);
		} else if (r2 & BIT(29) && size >= 8) {
			p = goslab_kcalloc(size / 8, 8, gfp);
			size = size / 8 * 8;
		} else {
			p = goslab_kmalloc(size, gfp);
			if (p && goslab_ksize(p) < size)
				count(C_BAD_SIZE);
			break;
		}
		if (p && !zeroed(p, size))
			count(C_BAD_ZERO);
		break;
	case 2:		/* node variant */
		if (!(mix & MIX_NODE))
			return false;
		node = random_node(r2 >> 3);
		gfp = node_gfp(gfp);
		p = goslab_kmalloc_node(size, gfp, node);
		if (p && !node_ok(p, node, gfp))
			count(C_BAD_NODE);
		break;
	case 3:		/* stacks, 2 KiB .. 64 KiB */
		if (!(mix & MIX_STACK))
			return false;
		size = 2048U << (r2 % 6);
		p = goslab_stack_alloc(size, gfp);
		kind = K_STACK;
		break;
	case 4:		/* objects freed by kfree_rcu */
		if (!(mix & MIX_RCU))
			return false;
		size = min_t(size_t, size, 4000);
		p = goslab_kmalloc(sizeof(struct rcu_obj) + size, gfp);
		kind = K_RCU;
		break;
	default:
		if (!(mix & MIX_KMALLOC) || !gfpflags_allow_blocking(gfp))
			return false;
		p = realloc_one(&size, gfp);
		break;
	}
	if (!p) {
		count_null(gfp);
		return false;
	}
	obj_set(o, p, size, kind, ci);
	return true;
}

/* === Cross-CPU hand-off === */

#define RING_SIZE 1024

static DEFINE_SPINLOCK(ring_lock);
static struct obj ring[RING_SIZE];

/* Put @o in a random slot; free whatever was there. */
static void hand_off(struct obj *o, u32 r)
{
	struct obj old;
	unsigned long flags;
	unsigned int slot = r % RING_SIZE;

	spin_lock_irqsave(&ring_lock, flags);
	old = ring[slot];
	ring[slot] = *o;
	spin_unlock_irqrestore(&ring_lock, flags);
	o->p = NULL;
	if (old.p) {
		obj_free(&old);
		count(C_REMOTE);
	}
}

static void ring_drain(void)
{
	unsigned int i;

	for (i = 0; i < RING_SIZE; i++)
		if (ring[i].p)
			obj_free(&ring[i]);
}

/* === Workers === */

static atomic_t running;
static bool stopping;
static DECLARE_COMPLETION(workers_done);

static void bulk_round(u32 r, gfp_t gfp)
{
	unsigned int ci = r % NR_CACHES, i, n = 1 + (r >> 8) % 32;
	void *objs[32];
	struct obj o;
	size_t size;

	if (cache_specs[ci].size > 32768)
		ci = 0;
	size = cache_specs[ci].size;
	count(C_BULK);
	if (goslab_cache_alloc_bulk(caches[ci], gfp, n, objs) != n) {
		count_null(gfp);
		return;
	}
	for (i = 0; i < n; i++) {
		if (!objs[i]) {
			count(C_BAD_BULK);
			continue;
		}
		obj_set(&o, objs[i], size, K_CACHE, ci);
	}
	/* Distinct objects, each intact, freed in one call. */
	for (i = 1; i < n; i++)
		if (objs[i] == objs[i - 1])
			count(C_BAD_BULK);
	for (i = 0; i < n; i++)
		if (objs[i] && !pattern_ok(objs[i], size, (unsigned long)objs[i]))
			count(C_BAD_PATTERN);
	count_add(C_FREE, n);
	goslab_cache_free_bulk(caches[ci], n, objs);
}

/* Let fault injection's task filter pick this thread (fail_page_alloc). */
static void set_make_it_fail(bool on)
{
#ifdef CONFIG_FAULT_INJECTION
	current->make_it_fail = on;
#endif
}

static int worker(void *arg)
{
	unsigned int nlive = min(max_live, 4096U), n = 0, i;
	struct obj *live = arg, o;
	unsigned long iter = 0;

	set_make_it_fail(fail_task);
	while (!READ_ONCE(stopping)) {
		u32 r = get_random_u32();
		gfp_t gfp = random_gfp(r >> 24);

		if (mix & MIX_BULK && r % 32 == 0) {
			bulk_round(r >> 5, gfp);
		} else if (n < nlive && (r & 3) != 0) {
			memset(&o, 0, sizeof(o));
			if (alloc_one(&o, r >> 2, gfp)) {
				if (r & BIT(23))
					hand_off(&o, r >> 8);
				else
					live[n++] = o;
			}
		} else if (n) {
			i = (r >> 8) % n;
			obj_free(&live[i]);
			live[i] = live[--n];
		}
		if (!(++iter % 64))
			cond_resched();
	}
	while (n--)
		obj_free(&live[n]);
	set_make_it_fail(false);
	if (atomic_dec_and_test(&running))
		complete(&workers_done);
	return 0;
}

/* === Hardirq and softirq allocations === */

struct irq_state {
	struct hrtimer timer;
	struct tasklet_struct tasklet;
};

static struct irq_state __percpu *irq_states;

static void irq_round(enum counter ctx)
{
	u32 r = get_random_u32();
	struct obj o;
	void *p;

	memset(&o, 0, sizeof(o));
	if (r & 1) {
		unsigned int ci = (r >> 1) % 3;

		p = goslab_cache_alloc(caches[ci], GFP_ATOMIC | __GFP_NOWARN);
		if (p)
			obj_set(&o, p, cache_specs[ci].size, K_CACHE, ci);
	} else {
		size_t size = 1 + (r >> 1) % 2048;

		p = goslab_kmalloc(size, GFP_ATOMIC | __GFP_NOWARN);
		if (p)
			obj_set(&o, p, size, K_KMALLOC, 0);
	}
	if (!p) {
		count(C_NULL);
		return;
	}
	count(ctx);
	/* Half stay for a thread on some CPU to free. */
	if (r & 2)
		hand_off(&o, r >> 3);
	else
		obj_free(&o);
}

static enum hrtimer_restart irq_timer(struct hrtimer *t)
{
	struct irq_state *s = container_of(t, struct irq_state, timer);

	irq_round(C_HARDIRQ);
	tasklet_schedule(&s->tasklet);
	if (READ_ONCE(stopping))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ns_to_ktime(500 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static void irq_tasklet(struct tasklet_struct *t)
{
	irq_round(C_SOFTIRQ);
}

static void irq_start_on(void *unused)
{
	struct irq_state *s = this_cpu_ptr(irq_states);

	hrtimer_start(&s->timer, ns_to_ktime(500 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_PINNED);
}

/* === CPU hotplug === */

static void hotplug_round(void)
{
	unsigned int cpu, n = 0, pick;

	for_each_online_cpu(cpu)
		if (cpu)
			n++;
	if (!n)
		return;
	pick = get_random_u32() % n;
	for_each_online_cpu(cpu) {
		if (!cpu || pick--)
			continue;
		if (remove_cpu(cpu))
			return;
		msleep(hotplug_ms);
		if (add_cpu(cpu))
			pr_err("cpu %u did not come back\n", cpu);
		else
			count(C_HOTPLUG);
		return;
	}
}

/* === The stress run === */

static int caches_create(void)
{
	unsigned int i;

	for (i = 0; i < NR_CACHES; i++) {
		const struct cache_spec *s = &cache_specs[i];

		caches[i] = goslab_cache_create(s->name, s->size, s->align,
						s->flags, s->ctor ? stress_ctor : NULL);
		if (!caches[i])
			return -ENOMEM;
	}
	return 0;
}

/* Every object came back: each cache shrinks to nothing, then goes. */
static int caches_destroy(void)
{
	unsigned int i;
	int lost = 0;

	for (i = 0; i < NR_CACHES; i++) {
		if (!caches[i])
			continue;
		if (goslab_cache_shrink(caches[i])) {
			pr_err("cache %s still holds spans\n",
			       cache_specs[i].name);
			lost++;
		}
		goslab_cache_destroy(caches[i]);
		caches[i] = NULL;
	}
	return lost;
}

static int stress_run(void)
{
	struct task_struct **threads;
	struct obj **lives;
	unsigned long end;
	int cpu, err, lost, bad, i;

	threads = kcalloc(nr_cpu_ids, sizeof(*threads), GFP_KERNEL);
	lives = kcalloc(nr_cpu_ids, sizeof(*lives), GFP_KERNEL);
	irq_states = alloc_percpu(struct irq_state);
	err = -ENOMEM;
	if (!threads || !lives || !irq_states)
		goto out;
	err = caches_create();
	if (err)
		goto out_caches;

	pr_info("start duration_ms=%u mix=%#x irq=%d hotplug=%d fail_task=%d cpus=%u nodes=%u\n",
		duration_ms, mix, irq, hotplug, fail_task, num_online_cpus(),
		num_online_nodes());
	atomic_set(&running, 1);
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		lives[cpu] = vmalloc(sizeof(*lives[cpu]) * min(max_live, 4096U));
		if (!lives[cpu])
			continue;
		threads[cpu] = kthread_create_on_cpu(worker, lives[cpu], cpu,
						     "goslab_stress/%u");
		if (IS_ERR(threads[cpu])) {
			threads[cpu] = NULL;
			continue;
		}
		atomic_inc(&running);
	}
	for_each_online_cpu(cpu)
		if (threads[cpu])
			wake_up_process(threads[cpu]);
	if (irq) {
		for_each_possible_cpu(cpu) {
			struct irq_state *s = per_cpu_ptr(irq_states, cpu);

			hrtimer_init(&s->timer, CLOCK_MONOTONIC,
				     HRTIMER_MODE_REL_PINNED);
			s->timer.function = irq_timer;
			tasklet_setup(&s->tasklet, irq_tasklet);
		}
		on_each_cpu(irq_start_on, NULL, 1);
	}
	cpus_read_unlock();

	end = jiffies + msecs_to_jiffies(duration_ms);
	while (time_before(jiffies, end)) {
		if (hotplug && IS_ENABLED(CONFIG_HOTPLUG_CPU)) {
			hotplug_round();
			msleep(hotplug_ms);
		} else {
			msleep(100);
		}
	}
	WRITE_ONCE(stopping, true);
	if (!atomic_dec_and_test(&running))
		wait_for_completion(&workers_done);
	if (irq) {
		for_each_possible_cpu(cpu) {
			struct irq_state *s = per_cpu_ptr(irq_states, cpu);

			hrtimer_cancel(&s->timer);
			tasklet_kill(&s->tasklet);
		}
	}
	ring_drain();
	/* kfree_rcu callbacks, and SLAB_TYPESAFE_BY_RCU spans. */
	rcu_barrier();
	lost = caches_destroy();

	for (i = 0; i < NR_COUNTERS; i++)
		pr_info("%s %ld\n", counter_names[i],
			counter(i));
	bad = counter(C_BAD_PATTERN) + counter(C_BAD_ZERO) +
	      counter(C_BAD_NODE) + counter(C_BAD_SIZE) +
	      counter(C_BAD_BULK) + counter(C_NULL_BAD);
	if (counter(C_ALLOC) != counter(C_FREE)) {
		pr_err("%ld allocated, %ld freed\n",
		       counter(C_ALLOC), counter(C_FREE));
		bad++;
	}
	if (irq && !counter(C_HARDIRQ))
		pr_warn("no allocation in hardirq context\n");
	err = bad || lost ? -EIO : 0;
	pr_info("result %s\n", err ? "FAIL" : "PASS");
	goto out;

out_caches:
	caches_destroy();
out:
	if (lives)
		for_each_possible_cpu(cpu)
			vfree(lives[cpu]);
	free_percpu(irq_states);
	kfree(lives);
	kfree(threads);
	return err;
}

/* === Memory pressure === */

/* A page list threaded through the pages themselves. */
struct held {
	struct list_head list;
	unsigned int order;
};

#define PRESSURE_PRIME		512
#define PRESSURE_PRIME_SIZE	(128U << 10)

static void *prime[PRESSURE_PRIME];

static int pressure_run(void)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN;
	unsigned long pages = 0, served = 0, i;
	unsigned int order = 4;
	struct held *h, *tmp;
	LIST_HEAD(held);
	void *objs[64];
	int err = 0;

	/*
	 * First leave goslab holding free memory: large objects come from the
	 * page heap directly, so once freed their chunks are entirely free.
	 */
	for (i = 0; i < PRESSURE_PRIME; i++) {
		prime[i] = goslab_kmalloc(PRESSURE_PRIME_SIZE, GFP_KERNEL | __GFP_NOWARN);
		if (prime[i])
			pattern_fill(prime[i], PRESSURE_PRIME_SIZE, (unsigned long)prime[i]);
	}
	for (i = 0; i < PRESSURE_PRIME; i++) {
		if (prime[i] && !pattern_ok(prime[i], PRESSURE_PRIME_SIZE,
					    (unsigned long)prime[i]))
			err = -EIO;
		goslab_kfree(prime[i]);
	}
	pr_info("pressure start: %u objects of %u bytes allocated and freed\n",
		PRESSURE_PRIME, PRESSURE_PRIME_SIZE);
	for (;;) {
		struct page *page = alloc_pages(gfp, order);

		if (!page) {
			if (!order)
				break;
			order--;
			continue;
		}
		h = page_address(page);
		h->order = order;
		list_add(&h->list, &held);
		pages += 1UL << order;
		if (!(pages % 4096))
			cond_resched();
	}
	pr_info("pressure took %lu pages (%lu MiB) until the buddy allocator refused\n",
		pages, pages >> (20 - PAGE_SHIFT));

	/*
	 * Give back a little (32 MiB, the first and largest blocks taken), then
	 * goslab must still serve.
	 */
	i = 0;
	list_for_each_entry_safe_reverse(h, tmp, &held, list) {
		if (i >= 8192)
			break;
		i += 1UL << h->order;
		list_del(&h->list);
		__free_pages(virt_to_page(h), h->order);
	}
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		size_t size = 16U << (i % 12);

		objs[i] = goslab_kmalloc(size, GFP_KERNEL | __GFP_NOWARN);
		if (objs[i]) {
			pattern_fill(objs[i], size, (unsigned long)objs[i]);
			served++;
		}
	}
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		size_t size = 16U << (i % 12);

		if (!objs[i])
			continue;
		if (!pattern_ok(objs[i], size, (unsigned long)objs[i]))
			err = -EIO;
		goslab_kfree(objs[i]);
	}
	pr_info("pressure served %lu of %zu allocations while memory was short\n",
		served, ARRAY_SIZE(objs));
	if (served != ARRAY_SIZE(objs))
		err = -EIO;
	/* And bigger ones, which need the page heap to find whole runs. */
	for (i = 0; i < 16; i++) {
		void *big = goslab_kmalloc(PRESSURE_PRIME_SIZE, GFP_KERNEL | __GFP_NOWARN);

		if (!big) {
			err = -EIO;
			continue;
		}
		pattern_fill(big, PRESSURE_PRIME_SIZE, (unsigned long)big);
		if (!pattern_ok(big, PRESSURE_PRIME_SIZE, (unsigned long)big))
			err = -EIO;
		goslab_kfree(big);
	}

	list_for_each_entry_safe(h, tmp, &held, list) {
		list_del(&h->list);
		__free_pages(virt_to_page(h), h->order);
	}
	pr_info("result %s\n", err ? "FAIL" : "PASS");
	return err;
}

/* === Misuse matrix === */

enum refused {
	R_DOUBLE_FREE,
	R_NOT_OURS,
	R_INTERIOR,
	R_WRONG_CACHE,
	R_REDZONE,
	R_POISON,
	R_STACK_SIZE,
	R_ARG,
	R_DESTROY_LIVE,
	NR_REFUSED,
};

/* The names of debugfs "refused", Documentation/debugfs.rst. */
static const char *const refused_names[NR_REFUSED] = {
	[R_DOUBLE_FREE] = "double_free",
	[R_NOT_OURS] = "invalid_pointer",
	[R_INTERIOR] = "interior_pointer",
	[R_WRONG_CACHE] = "wrong_cache",
	[R_REDZONE] = "redzone_overwritten",
	[R_POISON] = "write_after_free",
	[R_STACK_SIZE] = "stack_size_mismatch",
	[R_ARG] = "invalid_argument",
	[R_DESTROY_LIVE] = "destroy_with_live_objects",
};

static_assert(ARRAY_SIZE(refused_names) == NR_REFUSED);

static long expect[NR_REFUSED];
static int misuse_failed;

#define SPLAT_BEGIN() pr_info("goslab-test: expect-splat begin\n")
#define SPLAT_END() pr_info("goslab-test: expect-splat end\n")

/*
 * goslab lets KASAN report a double free as well (suite goslab_kasan tests
 * that). Here goslab's own refusal is under test, and a KASAN report
 * would taint the kernel, which turns lock debugging off for the rest of
 * the boot.
 */
#define DOUBLE_FREE(stmt)		\
do {					\
	kasan_disable_current();	\
	stmt;				\
	kasan_enable_current();		\
} while (0)

static void check(bool ok, const char *what)
{
	if (!ok) {
		pr_err("misuse: %s\n", what);
		misuse_failed++;
	}
}

/* After each misuse: a workload whose every object keeps its pattern. */
static void sound(const char *after)
{
	void *objs[96];
	size_t size;
	unsigned int i;
	bool ok = true;

	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		size = 8 + (i * 97) % 5000;
		objs[i] = goslab_kmalloc(size, GFP_KERNEL);
		if (objs[i])
			pattern_fill(objs[i], size, (unsigned long)objs[i]);
		else
			ok = false;
	}
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		size = 8 + (i * 97) % 5000;
		if (objs[i] && !pattern_ok(objs[i], size, (unsigned long)objs[i]))
			ok = false;
		goslab_kfree(objs[i]);
	}
	if (!ok)
		pr_err("workload after %s broken\n", after);
	check(ok, after);
	pr_info("misuse case %s done\n", after);
}

static void misuse_run(void)
{
	struct goslab_cache *a, *b, *c;
	char longname[64];
	void *p, *q, *big, *stk, **objs;
	u8 *rz;
	int i;

	/*
	 * Double free, of a small object before and after a sweep (another
	 * object keeps the span alive), and of a large object, whose span
	 * went back with the first free: an invalid pointer by then.
	 */
	a = goslab_cache_create("misuse-a", 72, 0, 0, NULL);
	check(a, "create misuse-a");
	if (!a)
		return;
	p = goslab_cache_alloc(a, GFP_KERNEL);
	q = goslab_cache_alloc(a, GFP_KERNEL);
	check(p && q, "alloc");
	goslab_cache_free(a, p);
	SPLAT_BEGIN();
	DOUBLE_FREE(goslab_cache_free(a, p));
	goslab_cache_shrink(a);
	DOUBLE_FREE(goslab_kfree(p));
	SPLAT_END();
	goslab_cache_free(a, q);
	expect[R_DOUBLE_FREE] += 2;
	big = goslab_kmalloc(200000, GFP_KERNEL);
	goslab_kfree(big);
	SPLAT_BEGIN();
	goslab_kfree(big);
	SPLAT_END();
	expect[R_NOT_OURS]++;
	sound("double free");

	/* Pointers goslab never handed out. */
	p = kmalloc(64, GFP_KERNEL);
	q = vmalloc(PAGE_SIZE);
	SPLAT_BEGIN();
	goslab_kfree(p);
	goslab_kfree(q);
	goslab_kfree(&i);
	goslab_cache_free(a, p);
	SPLAT_END();
	expect[R_NOT_OURS] += 4;
	kfree(p);
	vfree(q);
	sound("invalid pointer");

	/* Interior pointers: small, large, and to ksize. */
	p = goslab_kmalloc(300, GFP_KERNEL);
	big = goslab_kmalloc(100000, GFP_KERNEL);
	SPLAT_BEGIN();
	goslab_kfree(p + 16);
	goslab_kfree(big + PAGE_SIZE);
	check(goslab_ksize(p + 1) == 0, "ksize of an interior pointer");
	SPLAT_END();
	expect[R_INTERIOR] += 3;
	goslab_kfree(p);
	goslab_kfree(big);
	sound("interior pointer");

	/*
	 * The wrong cache; a kmalloc object freed as a stack; a large stack
	 * freed with kfree.
	 */
	b = goslab_cache_create("misuse-b", 72, 0, 0, NULL);
	check(b, "create misuse-b");
	p = goslab_cache_alloc(a, GFP_KERNEL);
	stk = goslab_stack_alloc(65536, GFP_KERNEL);
	q = goslab_kmalloc(100, GFP_KERNEL);
	SPLAT_BEGIN();
	if (b)
		goslab_cache_free(b, p);
	goslab_cache_free(a, q);
	goslab_stack_free(q, 4096);
	goslab_kfree(stk);
	SPLAT_END();
	expect[R_WRONG_CACHE] += (b ? 1 : 0) + 2;
	expect[R_STACK_SIZE]++;
	goslab_cache_free(a, p);
	goslab_stack_free(stk, 65536);
	goslab_kfree(q);
	goslab_cache_destroy(b);
	sound("wrong cache");

	/*
	 * Free after destroy-with-live, and a double free after that (a
	 * third object keeps the span alive).
	 */
	c = goslab_cache_create("misuse-dead", 500, 0, 0, NULL);
	check(c, "create misuse-dead");
	if (c) {
		p = goslab_cache_alloc(c, GFP_KERNEL);
		q = goslab_cache_alloc(c, GFP_KERNEL);
		big = goslab_cache_alloc(c, GFP_KERNEL);
		check(p && q && big, "alloc from misuse-dead");
		pattern_fill(p, 500, (unsigned long)p);
		SPLAT_BEGIN();
		goslab_cache_destroy(c);
		SPLAT_END();
		expect[R_DESTROY_LIVE]++;
		/* The objects stay valid after the destroy. */
		check(pattern_ok(p, 500, (unsigned long)p), "object kept after destroy");
		goslab_cache_free(c, p);
		goslab_kfree(q);
		SPLAT_BEGIN();
		DOUBLE_FREE(goslab_cache_free(c, p));
		SPLAT_END();
		expect[R_DOUBLE_FREE]++;
		goslab_cache_free(c, big);
		/* The name of a destroyed cache may be used again. */
		b = goslab_cache_create("misuse-dead", 500, 0, 0, NULL);
		check(b, "reuse the name of a dead cache");
		goslab_cache_destroy(b);
	}
	sound("free after destroy with live objects");

	/* Red zone. */
	c = goslab_cache_create("misuse-rz", 50, 0, SLAB_RED_ZONE, NULL);
	check(c, "create misuse-rz");
	if (c) {
		rz = goslab_cache_alloc(c, GFP_KERNEL);
		/* KASAN would see the bug first; goslab's check is tested. */
		kasan_disable_current();
		rz[50] = 0x42;
		kasan_enable_current();
		SPLAT_BEGIN();
		goslab_cache_free(c, rz);
		SPLAT_END();
		expect[R_REDZONE]++;
		goslab_cache_destroy(c);
	}
	sound("red-zone overwrite");

	/* Write after free: caught when the slot is handed out again. */
	c = goslab_cache_create("misuse-poison", 64, 0, SLAB_POISON, NULL);
	check(c, "create misuse-poison");
	objs = kcalloc(1200, sizeof(*objs), GFP_KERNEL);
	if (c && objs) {
		rz = goslab_cache_alloc(c, GFP_KERNEL);
		goslab_cache_free(c, rz);
		kasan_disable_current();
		rz[3] = 0x42;	/* the bug */
		kasan_enable_current();
		SPLAT_BEGIN();
		for (i = 0; i < 1200; i++)
			objs[i] = goslab_cache_alloc(c, GFP_KERNEL);
		SPLAT_END();
		expect[R_POISON]++;
		for (i = 0; i < 1200; i++)
			goslab_cache_free(c, objs[i]);
	}
	kfree(objs);
	goslab_cache_destroy(c);
	sound("write after free");

	/* krealloc of foreign pointers. */
	p = kmalloc(64, GFP_KERNEL);
	SPLAT_BEGIN();
	check(!goslab_krealloc(p, 1000, GFP_KERNEL), "krealloc of a SLUB pointer");
	check(!goslab_krealloc(&i, 10, GFP_KERNEL), "krealloc of a stack address");
	SPLAT_END();
	expect[R_NOT_OURS] += 2;
	kfree(p);
	sound("krealloc of a foreign pointer");

	/* Absurd sizes: NULL, no report (as kmalloc). */
	check(!goslab_kmalloc(SIZE_MAX, GFP_KERNEL | __GFP_NOWARN), "kmalloc(SIZE_MAX)");
	check(!goslab_kmalloc((4UL << 20) + 1, GFP_KERNEL | __GFP_NOWARN),
	      "kmalloc(4 MiB + 1)");
	check(!goslab_kcalloc(SIZE_MAX / 2, 3, GFP_KERNEL), "kcalloc overflow");
	check(!goslab_kmalloc_node(100000000, GFP_KERNEL | __GFP_NOWARN, 0),
	      "kmalloc_node of 100 MB");
	p = goslab_kmalloc(100, GFP_KERNEL);
	check(!goslab_krealloc(p, SIZE_MAX, GFP_KERNEL | __GFP_NOWARN),
	      "krealloc to SIZE_MAX");
	goslab_kfree(p);
	/* Nodes that do not exist: served from a node that does. */
	p = goslab_kmalloc_node(100, GFP_KERNEL, MAX_NUMNODES + 5);
	check(p, "kmalloc_node of a node that does not exist");
	goslab_kfree(p);
	p = goslab_cache_alloc_node(a, GFP_KERNEL, -7);
	check(p, "cache_alloc_node of a negative node");
	goslab_cache_free(a, p);
	/* Absurd cache and stack arguments: NULL and a count each. */
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	SPLAT_BEGIN();
	check(!goslab_cache_create("misuse-huge", UINT_MAX, 0, 0, NULL), "size UINT_MAX");
	check(!goslab_cache_create("misuse-huge", (4U << 20) + 1, 0, 0, NULL),
	      "size 4 MiB + 1");
	check(!goslab_cache_create("misuse-align", 64, 48, 0, NULL), "align 48");
	check(!goslab_cache_create("misuse-align", 64, 1U << 31, 0, NULL), "align 2^31");
	check(!goslab_cache_create("misuse-flags", 64, 0, SLAB_STORE_USER, NULL),
	      "unsupported flags");
	check(!goslab_cache_create(longname, 64, 0, 0, NULL), "name too long");
	check(!goslab_cache_create(NULL, 64, 0, 0, NULL), "NULL name");
	check(!goslab_cache_create("misuse-a", 64, 0, 0, NULL), "duplicate name");
	check(!goslab_stack_alloc(0, GFP_KERNEL), "stack of 0 bytes");
	check(!goslab_stack_alloc(1U << 31, GFP_KERNEL), "stack of 2 GiB");
	check(!goslab_stack_alloc(3 << 12, GFP_KERNEL), "stack of 12 KiB");
	SPLAT_END();
	expect[R_ARG] += 11;
	/* Large and odd alignments that are valid. */
	c = goslab_cache_create("misuse-a4096", 5, PAGE_SIZE, 0, NULL);
	check(c, "align PAGE_SIZE");
	if (c) {
		p = goslab_cache_alloc(c, GFP_KERNEL);
		check(p && PAGE_ALIGNED(p), "page-aligned object");
		goslab_cache_free(c, p);
		goslab_cache_destroy(c);
	}
	/* Bulk calls of nothing, and a bulk free with NULLs. */
	check(goslab_cache_alloc_bulk(a, GFP_KERNEL, 0, NULL) == 0, "bulk of 0");
	{
		void *objs[4] = { NULL, goslab_cache_alloc(a, GFP_KERNEL), NULL,
				  ZERO_SIZE_PTR };

		goslab_cache_free_bulk(a, 4, objs);
	}
	goslab_cache_destroy(a);
	sound("absurd sizes and alignments, NULL and duplicate names");

	for (i = 0; i < NR_REFUSED; i++)
		pr_info("misuse-expect %s %ld\n", refused_names[i],
			expect[i]);
	pr_info("result %s\n", misuse_failed ? "FAIL" : "PASS");
}

static int __init goslab_stress_init(void)
{
	if (!strcmp(mode, "stress"))
		return stress_run();
	if (!strcmp(mode, "pressure"))
		return pressure_run();
	if (!strcmp(mode, "misuse")) {
		misuse_run();
		return misuse_failed ? -EIO : 0;
	}
	pr_err("unknown mode %s\n", mode);
	return -EINVAL;
}

static void __exit goslab_stress_exit(void)
{
}

module_init(goslab_stress_init);
module_exit(goslab_stress_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("goslab stress, misuse and memory-pressure tests");
MODULE_INFO(test, "Y");

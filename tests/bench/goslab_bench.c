// SPDX-License-Identifier: GPL-2.0
/*
 * goslab benchmark: the same workloads through SLUB and goslab, in one boot.
 *
 * Follows Jesper Brouer's slab_bulk_test01 (fast-path reuse, bulk sizes
 * 1..250) and Christoph Lameter's slab_test (kmalloc N then kfree N, and
 * pairs, for sizes 8 B .. 16 KiB; concurrent, remote-free and
 * 1-alloc-N-free tests on per-CPU kthreads), plus the pages held for one
 * mixed-size live set and large objects against kmalloc and alloc_pages.
 *
 * Every workload is written once, as an __always_inline function taking a
 * const struct bench_ops; BENCH_PAIR() instantiates it once per allocator,
 * so the compiler turns the shim into direct calls and neither allocator
 * gets an easier loop. Each round runs both, alternating which goes first;
 * a result is the median over the rounds, its spread ((max - min) /
 * median) and the median of the per-round goslab/SLUB ratios.
 *
 * Everything runs at load and is printed as one line per measurement:
 *   goslab-bench: WORKLOAD PARAM ops=N slub_ns=X goslab_ns=X slub_cyc=X
 *                 goslab_cyc=X slub_spread=P% goslab_spread=P% ratio=R
 * (ns and cycles per operation; see Documentation/performance.rst), between
 * "goslab-bench: begin ..." and "goslab-bench: end ...". The module stays
 * loaded until rmmod.
 */
#define pr_fmt(fmt) "goslab-bench: " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/hardirq.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/timex.h>
#include <linux/utsname.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>

#include "goslab.h"

static unsigned int rounds = 5;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "rounds per measurement (median and spread), 1..15");

static unsigned int scale = 1000;
module_param(scale, uint, 0444);
MODULE_PARM_DESC(scale, "iteration counts in per mille of the standard ones, 1..10000");

static unsigned int repeat = 1000;
module_param(repeat, uint, 0444);
MODULE_PARM_DESC(repeat,
		 "repetitions of each loop in per mille of the standard ones, 1..10000 (batch sizes follow scale only)");

static char *workloads = "all";
module_param(workloads, charp, 0444);
MODULE_PARM_DESC(workloads,
		 "comma-separated: memory,fastpath,bulk,kmalloc,smp,large,primitives,budget or all");

static bool icount;
module_param(icount, bool, 0444);
MODULE_PARM_DESC(icount,
		 "the guest clock counts instructions (QEMU -icount shift=0): report instructions per operation, the minimum over the rounds");

static bool verbose;
module_param(verbose, bool, 0444);
MODULE_PARM_DESC(verbose, "print every round's raw figures too");

#define MAX_ROUNDS	15
#define NR_ALLOC	2	/* SLUB, goslab */
#define SLUB		0
#define GOSLAB		1
#define LOOP		2	/* the same loop, calling allocators that do nothing */
#define NR_RUNS		3

/* === The shim: one set of calls per allocator === */

/**
 * struct bench_ops - what a workload may call
 * @create: a cache of @size-byte objects
 * @destroy: destroy a cache from @create
 * @alloc: one object from a cache
 * @free: one object back to its cache
 * @alloc_bulk: @nr objects at once; @nr or 0
 * @free_bulk: @nr objects at once
 * @km_alloc: @size bytes (kmalloc)
 * @km_free: memory from @km_alloc, with the size it was asked for
 */
struct bench_ops {
	void *(*create)(const char *name, unsigned int size);
	void (*destroy)(void *cache);
	void *(*alloc)(void *cache);
	void (*free)(void *cache, void *obj);
	int (*alloc_bulk)(void *cache, size_t nr, void **objs);
	void (*free_bulk)(void *cache, size_t nr, void **objs);
	void *(*km_alloc)(size_t size);
	void (*km_free)(const void *p, size_t size);
};

static void *slub_create(const char *name, unsigned int size)
{
	return kmem_cache_create(name, size, 0, 0, NULL);
}

static void slub_destroy(void *cache)
{
	kmem_cache_destroy(cache);
}

static __always_inline void *slub_alloc(void *cache)
{
	return kmem_cache_alloc(cache, GFP_KERNEL);
}

static __always_inline void slub_free(void *cache, void *obj)
{
	kmem_cache_free(cache, obj);
}

static __always_inline int slub_alloc_bulk(void *cache, size_t nr, void **objs)
{
	return kmem_cache_alloc_bulk(cache, GFP_KERNEL, nr, objs);
}

static __always_inline void slub_free_bulk(void *cache, size_t nr, void **objs)
{
	kmem_cache_free_bulk(cache, nr, objs);
}

static __always_inline void *slub_kmalloc(size_t size)
{
	return kmalloc(size, GFP_KERNEL);
}

static __always_inline void slub_kfree(const void *p, size_t size)
{
	kfree(p);
}

static const struct bench_ops slub_ops = {
	.create = slub_create,
	.destroy = slub_destroy,
	.alloc = slub_alloc,
	.free = slub_free,
	.alloc_bulk = slub_alloc_bulk,
	.free_bulk = slub_free_bulk,
	.km_alloc = slub_kmalloc,
	.km_free = slub_kfree,
};

static void *gs_create(const char *name, unsigned int size)
{
	return goslab_cache_create(name, size, 0, 0, NULL);
}

static void gs_destroy(void *cache)
{
	goslab_cache_destroy(cache);
}

static __always_inline void *gs_alloc(void *cache)
{
	return goslab_cache_alloc(cache, GFP_KERNEL);
}

static __always_inline void gs_free(void *cache, void *obj)
{
	goslab_cache_free(cache, obj);
}

static __always_inline int gs_alloc_bulk(void *cache, size_t nr, void **objs)
{
	return goslab_cache_alloc_bulk(cache, GFP_KERNEL, nr, objs);
}

static __always_inline void gs_free_bulk(void *cache, size_t nr, void **objs)
{
	goslab_cache_free_bulk(cache, nr, objs);
}

static __always_inline void *gs_kmalloc(size_t size)
{
	return goslab_kmalloc(size, GFP_KERNEL);
}

static __always_inline void gs_kfree(const void *p, size_t size)
{
	goslab_kfree(p);
}

static const struct bench_ops goslab_ops = {
	.create = gs_create,
	.destroy = gs_destroy,
	.alloc = gs_alloc,
	.free = gs_free,
	.alloc_bulk = gs_alloc_bulk,
	.free_bulk = gs_free_bulk,
	.km_alloc = gs_kmalloc,
	.km_free = gs_kfree,
};

/*
 * The empty loop: the same workload code calling functions that do
 * nothing (noipa: the compiler may not look inside them, so it keeps every
 * call and assumes every register they may clobber; notrace: no ftrace
 * entry, which a real allocator pays). What a workload costs with these is
 * subtracted for the "net" ratios.
 */
static u64 noop_obj[4] __aligned(32);

static __noipa notrace void *noop_create(const char *name, unsigned int size)
{
	return noop_obj;
}

static __noipa notrace void noop_destroy(void *cache)
{
}

static __noipa notrace void *noop_alloc(void *cache)
{
	return noop_obj;
}

static __noipa notrace void noop_free(void *cache, void *obj)
{
}

static __noipa notrace int noop_alloc_bulk(void *cache, size_t nr, void **objs)
{
	return nr;
}

static __noipa notrace void noop_free_bulk(void *cache, size_t nr, void **objs)
{
}

static __noipa notrace void *noop_kmalloc(size_t size)
{
	return noop_obj;
}

static __noipa notrace void noop_kfree(const void *p, size_t size)
{
}

/*
 * Their addresses are taken here too, so that every one keeps its endbr64
 * as the allocators' exported functions do, whatever the compiler makes
 * of noop_ops.
 */
static const void *const noop_fns[] __used = {
	noop_create, noop_destroy, noop_alloc, noop_free, noop_alloc_bulk,
	noop_free_bulk, noop_kmalloc, noop_kfree,
};

static const struct bench_ops noop_ops = {
	.create = noop_create,
	.destroy = noop_destroy,
	.alloc = noop_alloc,
	.free = noop_free,
	.alloc_bulk = noop_alloc_bulk,
	.free_bulk = noop_free_bulk,
	.km_alloc = noop_kmalloc,
	.km_free = noop_kfree,
};

/* The page allocator, for large objects only. */
static void *pages_kmalloc(size_t size)
{
	struct page *page = alloc_pages(GFP_KERNEL, get_order(size));

	return page ? page_address(page) : NULL;
}

static void pages_kfree(const void *p, size_t size)
{
	free_pages((unsigned long)p, get_order(size));
}

static const struct bench_ops pages_ops = {
	.km_alloc = pages_kmalloc,
	.km_free = pages_kfree,
};

/*
 * One instantiation of workload FN##_run per allocator: FN##_slub,
 * FN##_goslab, the empty loop FN##_loop, and FN##_fns[] to index them by
 * SLUB / GOSLAB / LOOP.
 */
#define BENCH_PAIR(fn)							\
static noinline int fn##_slub(void *arg)				\
{									\
	return fn##_run(&slub_ops, arg);				\
}									\
static noinline int fn##_goslab(void *arg)				\
{									\
	return fn##_run(&goslab_ops, arg);				\
}									\
static noinline int fn##_loop(void *arg)				\
{									\
	return fn##_run(&noop_ops, arg);				\
}									\
static int (*const fn##_fns[NR_RUNS])(void *) = {			\
	[SLUB] = fn##_slub,						\
	[GOSLAB] = fn##_goslab,						\
	[LOOP] = fn##_loop,						\
}

/* === Timing and results === */

/**
 * struct bench_run - one run of a single-threaded workload
 * @cache: the allocator's cache, for cache workloads
 * @size: object size
 * @n: objects per batch
 * @loops: batches
 * @objs: room for @n pointers
 * @ns: time taken, filled by the workload
 * @cyc: TSC cycles taken, filled by the workload
 */
struct bench_run {
	void *cache;
	unsigned int size;
	unsigned long n;
	unsigned long loops;
	void **objs;
	u64 ns;
	u64 cyc;
};

struct bench_clock {
	u64 ns;
	cycles_t cyc;
};

/*
 * The TSC is read innermost: under icount it counts the instructions of
 * the loop and a handful more, not those of ktime_get_ns().
 */
static __always_inline void clock_start(struct bench_clock *c)
{
	c->ns = ktime_get_ns();
	c->cyc = get_cycles();
}

static __always_inline void clock_stop(struct bench_clock *c, u64 *ns, u64 *cyc)
{
	cycles_t k = get_cycles();
	u64 t = ktime_get_ns();

	*ns = t - c->ns;
	*cyc = k - c->cyc;
}

/*
 * Was a run left alone? Under icount every instruction the CPU executes
 * counts, a tick's or another task's too: a run is calm if no tick, no
 * local timer interrupt and no context switch happened during it.
 */
struct bench_calm {
	unsigned long jiffies;
	unsigned long nvcsw;
	unsigned long nivcsw;
	unsigned int timer_irqs;
};

static __always_inline unsigned int local_timer_irqs(void)
{
#ifdef CONFIG_X86_LOCAL_APIC
	return this_cpu_read(irq_stat.apic_timer_irqs);
#else
	return 0;
#endif
}

static void calm_start(struct bench_calm *c)
{
	c->jiffies = jiffies;
	c->nvcsw = current->nvcsw;
	c->nivcsw = current->nivcsw;
	c->timer_irqs = local_timer_irqs();
}

/* 0 if calm; else 1: a tick, 2: the task slept, 4: it was preempted, 8: a timer. */
static u8 calm_end(const struct bench_calm *c)
{
	return time_after(jiffies, c->jiffies) |
	       (c->nvcsw != current->nvcsw) << 1 |
	       (c->nivcsw != current->nivcsw) << 2 |
	       (c->timer_irqs != local_timer_irqs()) << 3;
}

/*
 * Per allocator (SLUB, goslab; the empty loop if @loop) and round: ns and
 * cycles for the whole measurement, and whether the round was calm.
 */
struct bench_sample {
	u64 ns[NR_RUNS][MAX_ROUNDS];
	u64 cyc[NR_RUNS][MAX_ROUNDS];
	bool calm[NR_RUNS][MAX_ROUNDS];
	u8 why[NR_RUNS][MAX_ROUNDS];
	unsigned int n;
	bool loop;
	bool failed;
};

static unsigned int nr_lines;
static bool failed_any;

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 median(const u64 *v, unsigned int n, u64 *spread_pct)
{
	u64 s[MAX_ROUNDS], med;

	memcpy(s, v, n * sizeof(*s));
	sort(s, n, sizeof(*s), cmp_u64, NULL);
	med = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	if (spread_pct)
		*spread_pct = med ? div64_u64((s[n - 1] - s[0]) * 100, med) : 0;
	return med;
}

/*
 * One figure from the rounds: the median. Instructions: the median of the
 * calm rounds, whose counts are the workload's own instructions and
 * nothing else's, if there are any. @spread_pct: (max - min) of all the
 * rounds / the figure, in percent.
 */
static u64 pick(const u64 *v, const bool *calm, unsigned int n, u64 *spread_pct)
{
	u64 c[MAX_ROUNDS], lo = U64_MAX, hi = 0, f;
	unsigned int i, k = 0;

	if (!icount || !calm)
		return median(v, n, spread_pct);
	for (i = 0; i < n; i++) {
		lo = min(lo, v[i]);
		hi = max(hi, v[i]);
		if (calm[i])
			c[k++] = v[i];
	}
	f = k ? median(c, k, NULL) : median(v, n, NULL);
	if (spread_pct)
		*spread_pct = f ? div64_u64((hi - lo) * 100, f) : 0;
	return f;
}

static unsigned int nr_calm(const bool *calm, unsigned int n)
{
	unsigned int i, k = 0;

	for (i = 0; i < n; i++)
		k += calm[i];
	return k;
}

/* "12.3": a per-op value with one decimal, from a total and a count. */
static void per_op(char *buf, size_t len, u64 total, u64 ops)
{
	u64 tenths = ops ? div64_u64(total * 10, ops) : 0;

	snprintf(buf, len, "%llu.%llu", tenths / 10, tenths % 10);
}

/* "1.234": a ratio in thousandths. */
static void ratio_str(char *buf, size_t len, u64 milli)
{
	snprintf(buf, len, "%llu.%03llu", milli / 1000, milli % 1000);
}

static u64 ratio_milli(u64 num, u64 den)
{
	return den ? div64_u64(num * 1000, den) : 0;
}

static void report_failed(const char *wl, const char *param)
{
	nr_lines++;
	failed_any = true;
	pr_info("%s %s failed=1\n", wl, param);
}

/* "ratio=R net=R" of goslab against SLUB, net: both less the empty loop. */
static void ratios_str(char *buf, size_t len, u64 g, u64 sl, u64 loop,
		       bool has_loop, u64 median_ratio)
{
	char r[2][24];

	ratio_str(r[0], sizeof(r[0]), median_ratio);
	if (!has_loop || sl <= loop || g < loop) {
		snprintf(buf, len, "ratio=%s", r[0]);
		return;
	}
	ratio_str(r[1], sizeof(r[1]), ratio_milli(g - loop, sl - loop));
	snprintf(buf, len, "ratio=%s net=%s", r[0], r[1]);
}

static void report_rounds(const char *wl, const char *param,
			  struct bench_sample *s)
{
	unsigned int i;

	if (!verbose)
		return;
	for (i = 0; i < s->n; i++)
		pr_info("round %s/%s %u slub=%llu/%u goslab=%llu/%u loop=%llu/%u\n",
			wl, param, i, s->cyc[SLUB][i], s->why[SLUB][i],
			s->cyc[GOSLAB][i], s->why[GOSLAB][i],
			s->cyc[LOOP][i], s->why[LOOP][i]);
}

/*
 * Print one result line. Wall time: medians per op of ns and cycles,
 * spreads, the median of the per-round ratios, and the ratio of the
 * medians net of the empty loop. Instructions (icount): per op, the
 * smallest counts (see pick()), their ratio gross and net, and how many
 * rounds of each were calm.
 */
static void report(const char *wl, const char *param, u64 ops,
		   struct bench_sample *s)
{
	u64 r[MAX_ROUNDS], ns[NR_RUNS] = {}, cyc[NR_RUNS] = {};
	u64 spread[NR_RUNS] = {};
	unsigned int i, a, nr = s->loop ? NR_RUNS : NR_ALLOC;
	char b[6][24], rs[48];

	if (s->failed || !s->n) {
		report_failed(wl, param);
		return;
	}
	nr_lines++;
	report_rounds(wl, param, s);
	for (a = 0; a < nr; a++) {
		ns[a] = pick(s->ns[a], s->calm[a], s->n, &spread[a]);
		cyc[a] = pick(s->cyc[a], s->calm[a], s->n, NULL);
	}
	if (icount) {
		/* Under icount the TSC is the instruction count itself. */
		per_op(b[0], sizeof(b[0]), cyc[SLUB], ops);
		per_op(b[1], sizeof(b[1]), cyc[GOSLAB], ops);
		per_op(b[2], sizeof(b[2]), cyc[LOOP], ops);
		ratios_str(rs, sizeof(rs), cyc[GOSLAB], cyc[SLUB], cyc[LOOP],
			   s->loop, ratio_milli(cyc[GOSLAB], cyc[SLUB]));
		pr_info("%s %s ops=%llu slub_in=%s goslab_in=%s%s%s slub_spread=%llu%% goslab_spread=%llu%% %s calm=%u/%u/%u\n",
			wl, param, ops, b[0], b[1], s->loop ? " loop_in=" : "",
			s->loop ? b[2] : "", spread[SLUB], spread[GOSLAB], rs,
			nr_calm(s->calm[SLUB], s->n), nr_calm(s->calm[GOSLAB], s->n),
			s->loop ? nr_calm(s->calm[LOOP], s->n) : 0);
		return;
	}
	for (i = 0; i < s->n; i++)
		r[i] = ratio_milli(s->ns[GOSLAB][i], s->ns[SLUB][i]);
	per_op(b[0], sizeof(b[0]), ns[SLUB], ops);
	per_op(b[1], sizeof(b[1]), ns[GOSLAB], ops);
	per_op(b[2], sizeof(b[2]), cyc[SLUB], ops);
	per_op(b[3], sizeof(b[3]), cyc[GOSLAB], ops);
	per_op(b[4], sizeof(b[4]), ns[LOOP], ops);
	ratios_str(rs, sizeof(rs), ns[GOSLAB], ns[SLUB], ns[LOOP], s->loop,
		   median(r, s->n, NULL));
	pr_info("%s %s ops=%llu slub_ns=%s goslab_ns=%s%s%s slub_cyc=%s goslab_cyc=%s slub_spread=%llu%% goslab_spread=%llu%% %s\n",
		wl, param, ops, b[0], b[1], s->loop ? " loop_ns=" : "",
		s->loop ? b[4] : "", b[2], b[3], spread[SLUB], spread[GOSLAB], rs);
}

/*
 * Run a single-threaded workload for both allocators and the empty loop,
 * rounds times, alternating which allocator goes first; the empty loop
 * runs last. run[a] is run a's argument (run[LOOP] a copy of SLUB's).
 */
static void measure(int (*const fns[NR_RUNS])(void *),
		    struct bench_run run[NR_RUNS], struct bench_sample *s)
{
	struct bench_calm calm;
	unsigned int i, k;
	int a;

	memset(s, 0, sizeof(*s));
	s->loop = true;
	run[LOOP] = run[SLUB];
	for (i = 0; i < rounds; i++) {
		for (k = 0; k < NR_RUNS; k++) {
			a = k == LOOP ? LOOP : (i + k) % NR_ALLOC;
			/* Start calm: what was pending runs now. */
			cond_resched();
			calm_start(&calm);
			if (fns[a](run + a)) {
				s->failed = true;
				return;
			}
			s->why[a][i] = calm_end(&calm);
			s->calm[a][i] = !s->why[a][i];
			s->ns[a][i] = run[a].ns;
			s->cyc[a][i] = run[a].cyc;
		}
		s->n++;
	}
}

static unsigned long scaled(unsigned long n)
{
	unsigned long v = n * scale / 1000;

	return v ? v : 1;
}

/* A count of repetitions: scaled, then by repeat. */
static unsigned long repeated(unsigned long n)
{
	unsigned long v = scaled(n) * repeat / 1000;

	return v ? v : 1;
}

/* === Workloads: single CPU === */

/*
 * slab_bulk_test01's fast-path reuse: allocate one object and free it
 * again, @loops times; the CPU's cache never runs dry.
 */
static __always_inline int fastpath_run(const struct bench_ops *ops,
					struct bench_run *r)
{
	struct bench_clock c;
	unsigned long i;
	void *obj;

	clock_start(&c);
	for (i = 0; i < r->loops; i++) {
		obj = ops->alloc(r->cache);
		if (unlikely(!obj))
			return -ENOMEM;
		ops->free(r->cache, obj);
	}
	clock_stop(&c, &r->ns, &r->cyc);
	return 0;
}

BENCH_PAIR(fastpath);

/* slab_bulk_test01's bulk test: @n objects at once, @loops times. */
static __always_inline int bulk_run(const struct bench_ops *ops,
				    struct bench_run *r)
{
	struct bench_clock c;
	unsigned long i;

	clock_start(&c);
	for (i = 0; i < r->loops; i++) {
		if (unlikely(ops->alloc_bulk(r->cache, r->n, r->objs) != r->n))
			return -ENOMEM;
		ops->free_bulk(r->cache, r->n, r->objs);
	}
	clock_stop(&c, &r->ns, &r->cyc);
	return 0;
}

BENCH_PAIR(bulk);

/* The same as bulk(), one object at a time: what bulk calls must beat. */
static __always_inline int bulk_loop_run(const struct bench_ops *ops,
					 struct bench_run *r)
{
	struct bench_clock c;
	unsigned long i, j;

	clock_start(&c);
	for (i = 0; i < r->loops; i++) {
		for (j = 0; j < r->n; j++) {
			r->objs[j] = ops->alloc(r->cache);
			if (unlikely(!r->objs[j])) {
				while (j--)
					ops->free(r->cache, r->objs[j]);
				return -ENOMEM;
			}
		}
		for (j = 0; j < r->n; j++)
			ops->free(r->cache, r->objs[j]);
	}
	clock_stop(&c, &r->ns, &r->cyc);
	return 0;
}

BENCH_PAIR(bulk_loop);

/* slab_test: kmalloc @n objects of @size, then kfree them, @loops times. */
static __always_inline int kmalloc_n_run(const struct bench_ops *ops,
					 struct bench_run *r)
{
	struct bench_clock c;
	unsigned long i, j;

	clock_start(&c);
	for (i = 0; i < r->loops; i++) {
		for (j = 0; j < r->n; j++) {
			r->objs[j] = ops->km_alloc(r->size);
			if (unlikely(!r->objs[j])) {
				while (j--)
					ops->km_free(r->objs[j], r->size);
				return -ENOMEM;
			}
		}
		for (j = 0; j < r->n; j++)
			ops->km_free(r->objs[j], r->size);
	}
	clock_stop(&c, &r->ns, &r->cyc);
	return 0;
}

BENCH_PAIR(kmalloc_n);

/* slab_test: kmalloc and kfree one object of @size, @loops times. */
static __always_inline int kmalloc_pair_run(const struct bench_ops *ops,
					    struct bench_run *r)
{
	struct bench_clock c;
	unsigned long i;
	void *obj;

	clock_start(&c);
	for (i = 0; i < r->loops; i++) {
		obj = ops->km_alloc(r->size);
		if (unlikely(!obj))
			return -ENOMEM;
		ops->km_free(obj, r->size);
	}
	clock_stop(&c, &r->ns, &r->cyc);
	return 0;
}

BENCH_PAIR(kmalloc_pair);

static int kmalloc_pair_pages(void *r)
{
	return kmalloc_pair_run(&pages_ops, r);
}

/* Two caches of @size, one per allocator, for cache workloads. */
static int make_caches(struct bench_run run[NR_ALLOC], unsigned int size)
{
	run[SLUB].cache = slub_ops.create("goslab_bench", size);
	run[GOSLAB].cache = goslab_ops.create("goslab_bench", size);
	if (run[SLUB].cache && run[GOSLAB].cache)
		return 0;
	if (run[SLUB].cache)
		slub_ops.destroy(run[SLUB].cache);
	if (run[GOSLAB].cache)
		goslab_ops.destroy(run[GOSLAB].cache);
	return -ENOMEM;
}

static void free_caches(struct bench_run run[NR_ALLOC])
{
	slub_ops.destroy(run[SLUB].cache);
	goslab_ops.destroy(run[GOSLAB].cache);
}

static struct bench_sample sample;

static void bench_fastpath(void)
{
	struct bench_run run[NR_RUNS] = {};
	unsigned long loops = repeated(1000000);
	int a;

	if (make_caches(run, 256)) {
		report_failed("fastpath", "256");
		return;
	}
	for (a = 0; a < NR_ALLOC; a++)
		run[a].loops = loops;
	measure(fastpath_fns, run, &sample);
	report("fastpath", "256", loops, &sample);
	free_caches(run);
}

static const unsigned int bulk_sizes[] = { 1, 8, 16, 30, 64, 128, 250 };

static void bench_bulk(void)
{
	struct bench_run run[NR_RUNS] = {};
	unsigned long total = repeated(250000);
	void **objs;
	char param[16];
	unsigned int i;
	int a;

	objs = kcalloc(250 * NR_ALLOC, sizeof(void *), GFP_KERNEL);
	if (!objs || make_caches(run, 256)) {
		kfree(objs);
		report_failed("bulk", "all");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(bulk_sizes); i++) {
		for (a = 0; a < NR_ALLOC; a++) {
			run[a].n = bulk_sizes[i];
			run[a].loops = DIV_ROUND_UP(total, bulk_sizes[i]);
			run[a].objs = objs + a * 250;
		}
		snprintf(param, sizeof(param), "%u", bulk_sizes[i]);
		measure(bulk_fns, run, &sample);
		report("bulk", param, run[0].n * run[0].loops, &sample);
		measure(bulk_loop_fns, run, &sample);
		report("bulk-loop", param, run[0].n * run[0].loops, &sample);
	}
	free_caches(run);
	kfree(objs);
}

/* Powers of two from 8 B to 16 KiB, and Go's odd classes in between. */
static const unsigned int kmalloc_sizes[] = {
	8, 16, 24, 32, 48, 64, 80, 112, 128, 176, 256, 352, 512, 704, 1024,
	1408, 2048, 2688, 3328, 4096, 4864, 6784, 8192, 10880, 14336, 16384,
};

#define KMALLOC_N		10000UL
#define KMALLOC_N_BYTES		(16UL << 20)	/* live at once, at most */
#define KMALLOC_PAIRS		100000UL
#define KMALLOC_PAIR_BYTES	(64UL << 20)	/* zeroed per run, at most */

static void bench_kmalloc(void)
{
	struct bench_run run[NR_RUNS] = {};
	unsigned long n = scaled(KMALLOC_N), max_n;
	unsigned int i, size;
	char param[16];
	void **objs;
	int a;

	objs = vmalloc(array_size(n, sizeof(void *)));
	if (!objs) {
		report_failed("kmalloc-n", "all");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(kmalloc_sizes); i++) {
		size = kmalloc_sizes[i];
		snprintf(param, sizeof(param), "%u", size);
		max_n = scaled(KMALLOC_N_BYTES / size);
		for (a = 0; a < NR_ALLOC; a++) {
			run[a].size = size;
			run[a].objs = objs;
			run[a].n = min(n, max_n);
			run[a].loops = 1;
		}
		measure(kmalloc_n_fns, run, &sample);
		report("kmalloc-n", param, 2 * run[0].n, &sample);

		for (a = 0; a < NR_ALLOC; a++)
			run[a].loops = min(repeated(KMALLOC_PAIRS),
					   repeated(KMALLOC_PAIR_BYTES / size));
		measure(kmalloc_pair_fns, run, &sample);
		report("kmalloc-pair", param, run[0].loops, &sample);
	}
	vfree(objs);
}

/* Large objects: kmalloc (SLUB hands them to the page allocator) against
 * goslab's page-heap spans and alloc_pages itself.
 */
static const unsigned int large_sizes[] = { 65536, 131072, 262144, 524288, 1048576 };

#define LARGE_BYTES	(64UL << 20)	/* zeroed per run, at most */

/* In bench_large(), the third run is alloc_pages, not the empty loop. */
#define PAGES		LOOP

static void bench_large(void)
{
	int (*const fns[NR_RUNS])(void *) = {
		[SLUB] = kmalloc_pair_slub,
		[GOSLAB] = kmalloc_pair_goslab,
		[PAGES] = kmalloc_pair_pages,
	};
	static u64 r[MAX_ROUNDS];
	static struct bench_run run[NR_RUNS];
	struct bench_sample *s = &sample;
	struct bench_calm calm;
	u64 spread, v;
	char param[16], b[3][24];
	unsigned int i, k, j;
	int a;

	for (i = 0; i < ARRAY_SIZE(large_sizes); i++) {
		snprintf(param, sizeof(param), "%u", large_sizes[i]);
		for (a = 0; a < NR_RUNS; a++) {
			run[a].size = large_sizes[i];
			run[a].loops = max(16UL, repeated(LARGE_BYTES / large_sizes[i]));
		}
		memset(s, 0, sizeof(*s));
		for (k = 0; k < rounds && !s->failed; k++) {
			for (j = 0; j < NR_RUNS; j++) {
				a = (k + j) % NR_RUNS;
				cond_resched();
				calm_start(&calm);
				if (fns[a](run + a)) {
					s->failed = true;
					break;
				}
				s->why[a][k] = calm_end(&calm);
				s->calm[a][k] = !s->why[a][k];
				s->ns[a][k] = run[a].ns;
				s->cyc[a][k] = run[a].cyc;
			}
			r[k] = ratio_milli(s->ns[GOSLAB][k], s->ns[PAGES][k]);
			s->n += !s->failed;
		}
		report("large", param, run[0].loops, s);
		if (s->failed)
			continue;
		nr_lines++;
		if (icount) {
			v = pick(s->cyc[PAGES], s->calm[PAGES], s->n, &spread);
			per_op(b[0], sizeof(b[0]), v, run[0].loops);
			ratio_str(b[1], sizeof(b[1]),
				  ratio_milli(pick(s->cyc[GOSLAB], s->calm[GOSLAB],
						   s->n, NULL), v));
			pr_info("large-pages %s ops=%lu pages_in=%s pages_spread=%llu%% goslab_vs_pages=%s\n",
				param, run[0].loops, b[0], spread, b[1]);
			continue;
		}
		per_op(b[0], sizeof(b[0]), median(s->ns[PAGES], s->n, &spread),
		       run[0].loops);
		per_op(b[2], sizeof(b[2]), median(s->cyc[PAGES], s->n, NULL),
		       run[0].loops);
		ratio_str(b[1], sizeof(b[1]), median(r, s->n, NULL));
		pr_info("large-pages %s ops=%lu pages_ns=%s pages_cyc=%s pages_spread=%llu%% goslab_vs_pages=%s\n",
			param, run[0].loops, b[0], b[2], spread, b[1]);
	}
}

/* === Workloads: several CPUs === */

enum smp_kind {
	SMP_CONCURRENT,		/* every CPU: alloc N, free N */
	SMP_REMOTE,		/* every CPU allocs N, the next CPU frees them */
	SMP_ONE_N,		/* CPU 0 allocs N per CPU, every CPU frees N */
};

#define SMP_MAX_CPUS	4

/**
 * struct smp_ctx - one run of a multi-CPU workload
 * @kind: the workload
 * @ncpus: threads, one per CPU
 * @size: object size
 * @n: objects per thread and batch
 * @loops: batches
 * @objs: @n pointers per thread
 * @arrive: barrier count
 * @ns: per thread, the time of its timed part
 * @cyc: per thread, the cycles of its timed part
 * @err: set by a thread that could not allocate
 * @done: completed by each thread
 */
struct smp_ctx {
	enum smp_kind kind;
	unsigned int ncpus;
	unsigned int size;
	unsigned long n;
	unsigned long loops;
	void **objs[SMP_MAX_CPUS];
	atomic_t arrive;
	u64 ns[SMP_MAX_CPUS];
	u64 cyc[SMP_MAX_CPUS];
	int err;
	struct completion done;
};

struct smp_arg {
	struct smp_ctx *ctx;
	unsigned int id;
};

/* Wait until all threads reach barrier number @gen (1, 2, ...). */
static void smp_barrier(struct smp_ctx *x, int gen)
{
	atomic_inc(&x->arrive);
	while (atomic_read(&x->arrive) < gen * (int)x->ncpus)
		cpu_relax();
}

static __always_inline int smp_work_run(const struct bench_ops *ops,
					struct smp_arg *arg)
{
	struct smp_ctx *x = arg->ctx;
	unsigned int id = arg->id, peer = (arg->id + 1) % x->ncpus;
	void **mine = x->objs[id];
	struct bench_clock c;
	unsigned long i, j;
	u64 ns, cyc;
	int gen = 1;

	for (i = 0; i < x->loops; i++) {
		smp_barrier(x, gen++);
		clock_start(&c);
		switch (x->kind) {
		case SMP_CONCURRENT:
			for (j = 0; j < x->n; j++)
				mine[j] = ops->km_alloc(x->size);
			for (j = 0; j < x->n; j++)
				ops->km_free(mine[j], x->size);
			break;
		case SMP_REMOTE:
			for (j = 0; j < x->n; j++)
				mine[j] = ops->km_alloc(x->size);
			smp_barrier(x, gen++);
			for (j = 0; j < x->n; j++)
				ops->km_free(x->objs[peer][j], x->size);
			break;
		case SMP_ONE_N:
			if (id == 0) {
				for (j = 0; j < x->n * x->ncpus; j++)
					x->objs[j / x->n][j % x->n] =
						ops->km_alloc(x->size);
			}
			smp_barrier(x, gen++);
			for (j = 0; j < x->n; j++)
				ops->km_free(mine[j], x->size);
			break;
		}
		clock_stop(&c, &ns, &cyc);
		x->ns[id] += ns;
		x->cyc[id] += cyc;
		/* kfree(NULL) is fine: a failed allocation is only counted. */
		for (j = 0; j < x->n; j++)
			if (unlikely(!mine[j]))
				x->err = -ENOMEM;
		/* Nobody may start the next batch while a peer still frees. */
		smp_barrier(x, gen++);
	}
	return 0;
}

BENCH_PAIR(smp_work);

static struct smp_arg smp_args[SMP_MAX_CPUS];
static int (*smp_fn)(void *);

static int smp_thread(void *data)
{
	struct smp_arg *arg = data;

	smp_fn(arg);
	complete(&arg->ctx->done);
	return 0;
}

/*
 * Run one multi-CPU workload for allocator @a on the first @ncpus online
 * CPUs. The result is the mean over threads of each thread's timed part.
 */
static int smp_run(struct smp_ctx *x, int a, u64 *ns, u64 *cyc)
{
	struct task_struct *t[SMP_MAX_CPUS];
	unsigned int i = 0, k;
	int cpu;

	x->err = 0;
	atomic_set(&x->arrive, 0);
	init_completion(&x->done);
	memset(x->ns, 0, sizeof(x->ns));
	memset(x->cyc, 0, sizeof(x->cyc));
	smp_fn = smp_work_fns[a];
	for_each_online_cpu(cpu) {
		if (i == x->ncpus)
			break;
		smp_args[i].ctx = x;
		smp_args[i].id = i;
		t[i] = kthread_create(smp_thread, &smp_args[i], "goslab_bench/%d", cpu);
		if (IS_ERR(t[i]))
			break;
		kthread_bind(t[i], cpu);
		i++;
	}
	if (i < x->ncpus) {
		/* Threads not started yet never run their function. */
		while (i--)
			kthread_stop(t[i]);
		return -ENOMEM;
	}
	for (i = 0; i < x->ncpus; i++)
		wake_up_process(t[i]);
	for (i = 0; i < x->ncpus; i++)
		wait_for_completion(&x->done);
	*ns = 0;
	*cyc = 0;
	for (k = 0; k < x->ncpus; k++) {
		*ns += x->ns[k];
		*cyc += x->cyc[k];
	}
	*ns = div_u64(*ns, x->ncpus);
	*cyc = div_u64(*cyc, x->ncpus);
	return x->err;
}

static void smp_measure(struct smp_ctx *x, struct bench_sample *s)
{
	unsigned int i, k;
	int a;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < rounds; i++) {
		for (k = 0; k < NR_ALLOC; k++) {
			a = (i + k) % NR_ALLOC;
			if (smp_run(x, a, &s->ns[a][i], &s->cyc[a][i])) {
				s->failed = true;
				return;
			}
			cond_resched();
		}
		s->n++;
	}
}

static const unsigned int smp_sizes[] = { 64, 256, 2048 };
static struct smp_ctx smp_ctx;

static void bench_smp(void)
{
	unsigned int online = min_t(unsigned int, num_online_cpus(), SMP_MAX_CPUS);
	struct smp_ctx *x = &smp_ctx;
	unsigned long n = scaled(1000);
	char param[24];
	unsigned int i, k;

	for (k = 0; k < SMP_MAX_CPUS; k++) {
		x->objs[k] = vmalloc(array_size(n, sizeof(void *)));
		if (!x->objs[k])
			goto out;
	}
	x->n = n;
	x->loops = repeated(10);
	for (i = 0; i < ARRAY_SIZE(smp_sizes); i++) {
		x->size = smp_sizes[i];
		/* Per-op cost on one CPU, then on every CPU at once. */
		x->kind = SMP_CONCURRENT;
		x->ncpus = 1;
		snprintf(param, sizeof(param), "%u/1cpu", x->size);
		smp_measure(x, &sample);
		report("concurrent", param, 2 * n * x->loops, &sample);
		x->ncpus = online;
		snprintf(param, sizeof(param), "%u/%ucpu", x->size, online);
		smp_measure(x, &sample);
		report("concurrent", param, 2 * n * x->loops, &sample);

		snprintf(param, sizeof(param), "%u/%ucpu", x->size, online);
		if (online < 2) {
			pr_info("remote-free %s skipped=1cpu\n", param);
			pr_info("one-alloc-n-free %s skipped=1cpu\n", param);
			nr_lines += 2;
			continue;
		}
		x->kind = SMP_REMOTE;
		smp_measure(x, &sample);
		report("remote-free", param, 2 * n * x->loops, &sample);
		/* Per thread: its share of the allocations and its frees. */
		x->kind = SMP_ONE_N;
		smp_measure(x, &sample);
		report("one-alloc-n-free", param, 2 * n * x->loops, &sample);
	}
out:
	if (k < SMP_MAX_CPUS)
		report_failed("concurrent", "all");
	for (k = 0; k < SMP_MAX_CPUS; k++)
		vfree(x->objs[k]);
}

/* === Memory: pages held for one live set === */

/*
 * The size mix: active objects of each kmalloc-N cache in /proc/slabinfo
 * of the machine goslab was developed on (Linux 6.18, x86-64, 2 CPUs,
 * running compilers and QEMU), times four. Within a bucket sizes are
 * uniform between the previous bucket's size + 1 and the bucket's size,
 * which is the range kmalloc sends to that bucket. See
 * Documentation/performance.rst.
 */
static const struct {
	unsigned int size;
	unsigned int count;
} mix[] = {
	{ 8, 2048 }, { 16, 3328 }, { 32, 2361 }, { 64, 2338 }, { 96, 3402 },
	{ 128, 17920 }, { 192, 11550 }, { 256, 752 }, { 512, 5673 },
	{ 1024, 721 }, { 2048, 272 }, { 4096, 254 }, { 8192, 36 },
};

#define MIX_SCALE	4

static bool hold;
module_param(hold, bool, 0444);
MODULE_PARM_DESC(hold,
		 "memory: keep the live sets until \"half\" is written to phase and rmmod, so goslab's debugfs can be read meanwhile");

/**
 * struct mem_arg - one allocator's copy of the live set
 * @objs: the objects, NULL once freed
 * @first: first index to free
 * @step: free every @step-th object from @first
 * @slab: SLUB's unreclaimable slab pages: before, filled, half freed
 * @buddy: free pages in the buddy allocator: before, filled, half freed
 */
struct mem_arg {
	void **objs;
	unsigned long first;
	unsigned long step;
	long slab[3];
	long buddy[3];
};

static u16 *mix_sizes;
static unsigned long mix_n, mix_bytes, mix_half_bytes;
static struct mem_arg mix_arg[NR_ALLOC];
static bool mix_held;

static void mem_snap(struct mem_arg *m, int when)
{
	m->slab[when] = global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B);
	m->buddy[when] = global_zone_page_state(NR_FREE_PAGES);
}

static __always_inline int mem_fill_run(const struct bench_ops *ops,
					struct mem_arg *m)
{
	unsigned long i;

	for (i = 0; i < mix_n; i++) {
		m->objs[i] = ops->km_alloc(mix_sizes[i]);
		if (!m->objs[i]) {
			while (i--) {
				ops->km_free(m->objs[i], mix_sizes[i]);
				m->objs[i] = NULL;
			}
			return -ENOMEM;
		}
	}
	return 0;
}

BENCH_PAIR(mem_fill);

static __always_inline int mem_free_run(const struct bench_ops *ops,
					struct mem_arg *m)
{
	unsigned long i;

	for (i = m->first; i < mix_n; i += m->step) {
		ops->km_free(m->objs[i], mix_sizes[i]);
		m->objs[i] = NULL;
	}
	return 0;
}

BENCH_PAIR(mem_free);

/* Free every @step-th object of both sets from @first. */
static void mix_free(unsigned long first, unsigned long step)
{
	int a;

	for (a = 0; a < NR_ALLOC; a++) {
		mix_arg[a].first = first;
		mix_arg[a].step = step;
		mem_free_fns[a](mix_arg + a);
	}
}

/*
 * SLUB's slab pages and both allocators' buddy pages for the live set.
 * goslab's own pages in spans are in its debugfs summary; with hold=1 the
 * benchmark script reads them while the set is live.
 */
static void mem_line(const char *param, int when, unsigned long bytes)
{
	struct mem_arg *s = &mix_arg[SLUB], *g = &mix_arg[GOSLAB];

	nr_lines++;
	pr_info("memory %s objs=%lu bytes=%lu slub_pages=%ld slub_buddy=%ld goslab_buddy=%ld\n",
		param, mix_n, bytes, s->slab[when] - s->slab[0],
		s->buddy[0] - s->buddy[when], g->buddy[0] - g->buddy[when]);
}

static void mix_release(void)
{
	int a;

	if (mix_held)
		mix_free(0, 1);
	mix_held = false;
	for (a = 0; a < NR_ALLOC; a++) {
		vfree(mix_arg[a].objs);
		mix_arg[a].objs = NULL;
	}
	vfree(mix_sizes);
	mix_sizes = NULL;
}

/* Both sets, half freed: every other object goes, in allocation order. */
static void mix_half(void)
{
	int a;

	if (hold) {
		mix_free(0, 2);
		for (a = 0; a < NR_ALLOC; a++)
			mem_snap(&mix_arg[a], 2);
	} else {
		for (a = 0; a < NR_ALLOC; a++) {
			mix_arg[a].first = 0;
			mix_arg[a].step = 2;
			mem_free_fns[a](mix_arg + a);
			mem_snap(&mix_arg[a], 2);
		}
	}
	/* Buddy counts are per allocator only when they ran one by one. */
	nr_lines++;
	pr_info("memory half-freed objs=%lu bytes=%lu slub_pages=%ld%s\n",
		mix_n - (mix_n + 1) / 2, mix_half_bytes,
		mix_arg[SLUB].slab[2] - mix_arg[SLUB].slab[0],
		hold ? " (held)" : "");
}

static int bench_memory_setup(void)
{
	unsigned long i, k, n = 0, lo;
	struct rnd_state rnd;
	unsigned int b;
	int a;

	for (b = 0; b < ARRAY_SIZE(mix); b++)
		n += scaled(mix[b].count * MIX_SCALE);
	mix_sizes = vmalloc(array_size(n, sizeof(*mix_sizes)));
	for (a = 0; a < NR_ALLOC; a++)
		mix_arg[a].objs = vzalloc(array_size(n, sizeof(void *)));
	if (!mix_sizes || !mix_arg[SLUB].objs || !mix_arg[GOSLAB].objs)
		return -ENOMEM;
	/* The same sizes, in the same shuffled order, for both allocators. */
	prandom_seed_state(&rnd, 0x60514b);
	for (b = 0, i = 0; b < ARRAY_SIZE(mix); b++) {
		lo = b ? mix[b - 1].size + 1 : 1;
		for (k = 0; k < scaled(mix[b].count * MIX_SCALE); k++)
			mix_sizes[i++] = lo + prandom_u32_state(&rnd) %
					 (mix[b].size - lo + 1);
	}
	for (i = n - 1; i > 0; i--)
		swap(mix_sizes[i], mix_sizes[prandom_u32_state(&rnd) % (i + 1)]);
	mix_bytes = 0;
	mix_half_bytes = 0;
	for (i = 0; i < n; i++) {
		mix_bytes += mix_sizes[i];
		if (i % 2)
			mix_half_bytes += mix_sizes[i];
	}
	mix_n = n;
	return 0;
}

static void bench_memory(void)
{
	int a;

	if (bench_memory_setup())
		goto fail;
	/* One allocator at a time, so each buddy delta is its own. */
	mix_held = true;
	for (a = 0; a < NR_ALLOC; a++) {
		mem_snap(&mix_arg[a], 0);
		if (mem_fill_fns[a](mix_arg + a))
			goto fail;
		mem_snap(&mix_arg[a], 1);
	}
	mem_line("mix", 1, mix_bytes);
	if (hold)
		return;
	mix_half();
	mix_release();
	return;
fail:
	/* What was allocated is freed; failed fills left NULLs. */
	mix_release();
	report_failed("memory", "mix");
}

static int phase_set(const char *val, const struct kernel_param *kp)
{
	if (!sysfs_streq(val, "half"))
		return -EINVAL;
	if (!hold || !mix_held)
		return -ENOENT;
	mix_half();
	return 0;
}

static const struct kernel_param_ops phase_ops = {
	.set = phase_set,
};
module_param_cb(phase, &phase_ops, NULL, 0200);
MODULE_PARM_DESC(phase, "with hold=1: write \"half\" to free every other object of the live sets");

/* === Primitives: what the fast paths are made of, in this machine === */

/*
 * Not a comparison: the cost of the operations goslab's and SLUB's fast
 * paths are built from, measured the same way, so the per-op figures above
 * can be taken apart (emulation makes some of them far dearer than on
 * hardware). One line per primitive: "prim NAME ops=N ns=X cyc=X".
 */
enum prim {
	PRIM_LOOP,		/* the empty loop */
	PRIM_IRQ_SAVE,		/* local_irq_save + local_irq_restore */
	PRIM_IRQ_OFF,		/* local_irq_disable + local_irq_enable */
	PRIM_SPIN,		/* spin_lock + spin_unlock */
	PRIM_MCACHE_FRAME,	/* goslab's: irq save, spin lock, unlock, restore */
	PRIM_BIT_ATOMIC,	/* test_and_set_bit + clear_bit (locked) */
	PRIM_ATOMIC_INC,	/* atomic_inc_return */
	PRIM_THIS_CPU_INC,	/* this_cpu_inc */
	PRIM_THIS_CPU_CMPXCHG,	/* this_cpu_cmpxchg, 8 bytes */
	PRIM_MEMSET_256,	/* memset of 256 bytes */
	PRIM_CLOCK,		/* ktime_get_ns + get_cycles */
	PRIM_PREEMPT,		/* preempt_disable + preempt_enable */
	PRIM_DIRECT_PAIR,	/* direct calls of an alloc and a free that do nothing */
	PRIM_INDIRECT_PAIR,	/* the same through function pointers (retpolines) */
	NR_PRIMS,
};

static const char *const prim_names[] = {
	[PRIM_LOOP] = "loop",
	[PRIM_IRQ_SAVE] = "irq_save_restore",
	[PRIM_IRQ_OFF] = "irq_disable_enable",
	[PRIM_SPIN] = "spin_lock_unlock",
	[PRIM_MCACHE_FRAME] = "irq_save+spin_lock",
	[PRIM_BIT_ATOMIC] = "test_and_set_bit+clear_bit",
	[PRIM_ATOMIC_INC] = "atomic_inc_return",
	[PRIM_THIS_CPU_INC] = "this_cpu_inc",
	[PRIM_THIS_CPU_CMPXCHG] = "this_cpu_cmpxchg",
	[PRIM_MEMSET_256] = "memset_256",
	[PRIM_CLOCK] = "ktime_get_ns+get_cycles",
	[PRIM_PREEMPT] = "preempt_disable_enable",
	[PRIM_DIRECT_PAIR] = "empty_pair_direct",
	[PRIM_INDIRECT_PAIR] = "empty_pair_indirect",
};

static_assert(ARRAY_SIZE(prim_names) == NR_PRIMS);

static DEFINE_SPINLOCK(prim_lock);
static DEFINE_PER_CPU(unsigned long, prim_pcpu);
static unsigned long prim_bits;
static atomic_t prim_atomic;
static u8 prim_buf[256] __aligned(64);
/* Not const: the compiler cannot see where these calls go. */
static void *(*prim_alloc)(size_t size) = noop_kmalloc;
static void (*prim_free)(const void *p, size_t size) = noop_kfree;

/* Time @body, @loops times; sink keeps results alive and the loop a loop. */
#define PRIM_TIMED(body)						\
do {									\
	clock_start(&c);						\
	for (i = 0; i < loops; i++) {					\
		body;							\
		barrier_data(&sink);					\
	}								\
	clock_stop(&c, ns, cyc);					\
} while (0)

static noinline void prim_run(enum prim p, unsigned long loops, u64 *ns, u64 *cyc)
{
	struct bench_clock c;
	unsigned long i, flags, old;
	u64 sink = 0;

	switch (p) {
	case PRIM_LOOP:
		PRIM_TIMED(sink++);
		break;
	case PRIM_IRQ_SAVE:
		PRIM_TIMED(local_irq_save(flags); local_irq_restore(flags));
		break;
	case PRIM_IRQ_OFF:
		PRIM_TIMED(local_irq_disable(); local_irq_enable());
		break;
	case PRIM_SPIN:
		PRIM_TIMED(spin_lock(&prim_lock); spin_unlock(&prim_lock));
		break;
	case PRIM_MCACHE_FRAME:
		PRIM_TIMED(local_irq_save(flags); spin_lock(&prim_lock);
			   spin_unlock(&prim_lock); local_irq_restore(flags));
		break;
	case PRIM_BIT_ATOMIC:
		PRIM_TIMED(sink += test_and_set_bit(5, &prim_bits);
			   clear_bit(5, &prim_bits));
		break;
	case PRIM_ATOMIC_INC:
		PRIM_TIMED(sink += atomic_inc_return(&prim_atomic));
		break;
	case PRIM_THIS_CPU_INC:
		PRIM_TIMED(this_cpu_inc(prim_pcpu));
		break;
	case PRIM_THIS_CPU_CMPXCHG:
		PRIM_TIMED(old = this_cpu_read(prim_pcpu);
			   sink += this_cpu_cmpxchg(prim_pcpu, old, old + 1));
		break;
	case PRIM_MEMSET_256:
		PRIM_TIMED(memset(prim_buf, 0, sizeof(prim_buf)));
		break;
	case PRIM_CLOCK:
		PRIM_TIMED(sink += ktime_get_ns() + get_cycles());
		break;
	case PRIM_PREEMPT:
		PRIM_TIMED(preempt_disable(); preempt_enable());
		break;
	case PRIM_DIRECT_PAIR:
		PRIM_TIMED(noop_kfree(noop_kmalloc(64), 64));
		break;
	case PRIM_INDIRECT_PAIR:
		PRIM_TIMED(READ_ONCE(prim_free)(READ_ONCE(prim_alloc)(64), 64));
		break;
	default:
		*ns = 0;
		*cyc = 0;
		break;
	}
}

static void bench_primitives(void)
{
	static u64 ns[MAX_ROUNDS], cyc[MAX_ROUNDS];
	static bool calm[MAX_ROUNDS];
	unsigned long loops = repeated(1000000);
	struct bench_calm c;
	char b[2][24];
	unsigned int k;
	u64 spread;
	int p;

	for (p = 0; p < NR_PRIMS; p++) {
		for (k = 0; k < rounds; k++) {
			cond_resched();
			calm_start(&c);
			prim_run(p, loops, &ns[k], &cyc[k]);
			calm[k] = !calm_end(&c);
		}
		nr_lines++;
		if (icount) {
			per_op(b[0], sizeof(b[0]), pick(cyc, calm, rounds, &spread),
			       loops);
			pr_info("prim %s ops=%lu in=%s spread=%llu%% calm=%u\n",
				prim_names[p], loops, b[0], spread,
				nr_calm(calm, rounds));
			continue;
		}
		per_op(b[0], sizeof(b[0]), median(ns, rounds, &spread), loops);
		per_op(b[1], sizeof(b[1]), median(cyc, rounds, NULL), loops);
		pr_info("prim %s ops=%lu ns=%s cyc=%s spread=%llu%%\n",
			prim_names[p], loops, b[0], b[1], spread);
	}
}

/* === Budget: parts of the fast paths, on the real code === */

/*
 * What a pair's parts cost, measured on the allocators themselves through
 * their public calls: the calls that stop early (a kmalloc of 0 bytes, a
 * kfree of NULL), the span or slab lookup with its checks (ksize of a live
 * object), and the pairs in the same harness (kmalloc with the size read
 * at run time, as the kmalloc workloads call it, and as a constant, as
 * most kernel callers write it). bench-guest.sh runs this
 * again after turning the heap profile off (label=profile_rate=0) and the
 * two boots differ by init_on_alloc, so each of those steps is a
 * difference of two counts. Documentation/performance.rst has the budget
 * with the instruction trace that attributes the rest.
 */
static char *label = "";
module_param(label, charp, 0444);
MODULE_PARM_DESC(label, "appended to the names of the budget lines");

enum budget_item {
	BUDGET_KMALLOC0,	/* kmalloc(0): entry and the size test */
	BUDGET_KFREE_NULL,	/* kfree(NULL): entry and the NULL test */
	BUDGET_KSIZE,		/* ksize() of a live 64-byte object */
	BUDGET_KMALLOC_PAIR,	/* kmalloc(64) + kfree, the size read at run time */
	BUDGET_KMALLOC_CONST,	/* the same with the size a constant */
	BUDGET_CACHE_PAIR,	/* 256-byte cache alloc + free */
	NR_BUDGET,
};

static const char *const budget_names[] = {
	[BUDGET_KMALLOC0] = "kmalloc0",
	[BUDGET_KFREE_NULL] = "kfree_null",
	[BUDGET_KSIZE] = "ksize64",
	[BUDGET_KMALLOC_PAIR] = "kmalloc_pair64",
	[BUDGET_KMALLOC_CONST] = "kmalloc_const64",
	[BUDGET_CACHE_PAIR] = "cache_pair256",
};

static_assert(ARRAY_SIZE(budget_names) == NR_BUDGET);

/* Read at run time: the compiler keeps the calls as they are. */
static const void *budget_null;
static size_t budget_size = 64;

#define BUDGET_TIMED(body)						\
do {									\
	clock_start(&c);						\
	for (i = 0; i < loops; i++) {					\
		body;							\
		barrier_data(&sink);					\
	}								\
	clock_stop(&c, ns, cyc);					\
} while (0)

static noinline int budget_run(enum budget_item b, int a, void *cache,
			       const void *live, unsigned long loops,
			       u64 *ns, u64 *cyc)
{
	struct bench_clock c;
	unsigned long i;
	u64 sink = 0;
	void *p;

	switch (b * NR_ALLOC + a) {
	case BUDGET_KMALLOC0 * NR_ALLOC + SLUB:
		BUDGET_TIMED(sink += (unsigned long)kmalloc(0, GFP_KERNEL));
		break;
	case BUDGET_KMALLOC0 * NR_ALLOC + GOSLAB:
		BUDGET_TIMED(sink += (unsigned long)goslab_kmalloc(0, GFP_KERNEL));
		break;
	case BUDGET_KFREE_NULL * NR_ALLOC + SLUB:
		BUDGET_TIMED(kfree(READ_ONCE(budget_null)));
		break;
	case BUDGET_KFREE_NULL * NR_ALLOC + GOSLAB:
		BUDGET_TIMED(goslab_kfree(READ_ONCE(budget_null)));
		break;
	case BUDGET_KSIZE * NR_ALLOC + SLUB:
		BUDGET_TIMED(sink += ksize(live));
		break;
	case BUDGET_KSIZE * NR_ALLOC + GOSLAB:
		BUDGET_TIMED(sink += goslab_ksize(live));
		break;
	case BUDGET_KMALLOC_PAIR * NR_ALLOC + SLUB:
		BUDGET_TIMED(p = kmalloc(READ_ONCE(budget_size), GFP_KERNEL);
			     kfree(p));
		break;
	case BUDGET_KMALLOC_PAIR * NR_ALLOC + GOSLAB:
		BUDGET_TIMED(p = goslab_kmalloc(READ_ONCE(budget_size), GFP_KERNEL);
			     goslab_kfree(p));
		break;
	/* SLUB's kmalloc() picks the cache of a constant size inline. */
	case BUDGET_KMALLOC_CONST * NR_ALLOC + SLUB:
		BUDGET_TIMED(p = kmalloc(64, GFP_KERNEL); kfree(p));
		break;
	case BUDGET_KMALLOC_CONST * NR_ALLOC + GOSLAB:
		BUDGET_TIMED(p = goslab_kmalloc(64, GFP_KERNEL); goslab_kfree(p));
		break;
	case BUDGET_CACHE_PAIR * NR_ALLOC + SLUB:
		BUDGET_TIMED(p = kmem_cache_alloc(cache, GFP_KERNEL);
			     kmem_cache_free(cache, p));
		break;
	case BUDGET_CACHE_PAIR * NR_ALLOC + GOSLAB:
		BUDGET_TIMED(p = goslab_cache_alloc(cache, GFP_KERNEL);
			     goslab_cache_free(cache, p));
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static void bench_budget(void)
{
	struct bench_run run[NR_RUNS] = {};
	unsigned long loops = repeated(1000000);
	struct bench_sample *s = &sample;
	void *live[NR_ALLOC];
	struct bench_calm calm;
	char name[48];
	unsigned int k, j;
	int b, a;

	live[SLUB] = kmalloc(64, GFP_KERNEL);
	live[GOSLAB] = goslab_kmalloc(64, GFP_KERNEL);
	if (!live[SLUB] || !live[GOSLAB] || make_caches(run, 256)) {
		kfree(live[SLUB]);
		goslab_kfree(live[GOSLAB]);
		report_failed("budget", "all");
		return;
	}
	for (b = 0; b < NR_BUDGET; b++) {
		memset(s, 0, sizeof(*s));
		for (k = 0; k < rounds && !s->failed; k++) {
			for (j = 0; j < NR_ALLOC; j++) {
				a = (k + j) % NR_ALLOC;
				cond_resched();
				calm_start(&calm);
				if (budget_run(b, a, run[a].cache, live[a], loops,
					       &s->ns[a][k], &s->cyc[a][k]))
					s->failed = true;
				s->why[a][k] = calm_end(&calm);
				s->calm[a][k] = !s->why[a][k];
			}
			s->n += !s->failed;
		}
		snprintf(name, sizeof(name), "%s%s%s", budget_names[b],
			 *label ? "/" : "", label);
		report("budget", name, loops, s);
	}
	free_caches(run);
	kfree(live[SLUB]);
	goslab_kfree(live[GOSLAB]);
}

/* === Trace: a few pairs on demand, for an instruction trace === */

/* Where each block of a trace starts and ends: look for its calls. */
static __noipa notrace void trace_mark(int block)
{
}

/*
 * Writing N to the "trace" parameter runs N kmalloc+kfree pairs of 64 B,
 * N cache pairs of 256 B and N / TRACE_BULK bulks of TRACE_BULK 256 B
 * objects through each allocator, one block each, between calls of
 * trace_mark(1..7), for an instruction trace of QEMU (-d exec,nochain) to
 * attribute (Documentation/performance.rst). N is a multiple of
 * TRACE_BULK, so that every block runs N objects.
 */
#define TRACE_BULK	8

static int trace_set(const char *val, const struct kernel_param *kp)
{
	struct bench_run run[NR_RUNS] = {};
	void *objs[NR_ALLOC][TRACE_BULK];
	unsigned int n;
	int err = kstrtouint(val, 0, &n);

	if (err)
		return err;
	if (!n || n > 1000 || n % TRACE_BULK)
		return -EINVAL;
	if (make_caches(run, 256))
		return -ENOMEM;
	run[SLUB].size = 64;
	run[GOSLAB].size = 64;
	run[SLUB].loops = n;
	run[GOSLAB].loops = n;
	run[SLUB].objs = objs[SLUB];
	run[GOSLAB].objs = objs[GOSLAB];
	/* Warm: the blocks below run the fast paths only. */
	kmalloc_pair_slub(&run[SLUB]);
	kmalloc_pair_goslab(&run[GOSLAB]);
	fastpath_slub(&run[SLUB]);
	fastpath_goslab(&run[GOSLAB]);
	run[SLUB].n = TRACE_BULK;
	run[GOSLAB].n = TRACE_BULK;
	bulk_slub(&run[SLUB]);
	bulk_goslab(&run[GOSLAB]);
	trace_mark(1);
	kmalloc_pair_goslab(&run[GOSLAB]);
	trace_mark(2);
	kmalloc_pair_slub(&run[SLUB]);
	trace_mark(3);
	fastpath_goslab(&run[GOSLAB]);
	trace_mark(4);
	fastpath_slub(&run[SLUB]);
	trace_mark(5);
	run[SLUB].loops = n / TRACE_BULK;
	run[GOSLAB].loops = n / TRACE_BULK;
	bulk_goslab(&run[GOSLAB]);
	trace_mark(6);
	bulk_slub(&run[SLUB]);
	trace_mark(7);
	free_caches(run);
	return 0;
}

static const struct kernel_param_ops trace_ops = {
	.set = trace_set,
};
module_param_cb(trace, &trace_ops, NULL, 0200);
MODULE_PARM_DESC(trace, "write N: N pairs of each kind between trace_mark() calls");

/* === Module === */

static const struct {
	const char *name;
	void (*run)(void);
} benches[] = {
	/* First: goslab's page counters start from a fresh load. */
	{ "memory", bench_memory },
	{ "fastpath", bench_fastpath },
	{ "bulk", bench_bulk },
	{ "kmalloc", bench_kmalloc },
	{ "smp", bench_smp },
	{ "large", bench_large },
	{ "primitives", bench_primitives },
	{ "budget", bench_budget },
};

static bool wanted(const char *name)
{
	const char *p = workloads;
	size_t len = strlen(name);

	if (!p || !strcmp(p, "all"))
		return true;
	while (p && *p) {
		if (!strncmp(p, name, len) && (p[len] == ',' || !p[len]))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

static int __init goslab_bench_init(void)
{
	unsigned int i;
	u64 start = ktime_get_ns();

	if (!rounds || rounds > MAX_ROUNDS || !scale || scale > 10000 ||
	    !repeat || repeat > 10000) {
		pr_err("rounds must be 1..%d, scale and repeat 1..10000\n",
		       MAX_ROUNDS);
		return -EINVAL;
	}
	pr_info("begin rounds=%u scale=%u repeat=%u cpus=%u init_on_alloc=%d init_on_free=%d kernel=%s workloads=%s instrument=%s\n",
		rounds, scale, repeat, num_online_cpus(), want_init_on_alloc(GFP_KERNEL),
		want_init_on_free(), init_utsname()->release, workloads,
		icount ? "icount" : "wall");
	for (i = 0; i < ARRAY_SIZE(benches); i++) {
		if (!wanted(benches[i].name))
			continue;
		benches[i].run();
		cond_resched();
	}
	pr_info("end lines=%u failed=%d seconds=%llu\n", nr_lines, failed_any,
		div_u64(ktime_get_ns() - start, NSEC_PER_SEC));
	return 0;
}

static void __exit goslab_bench_exit(void)
{
	/* A write to "phase" may still be running. */
	kernel_param_lock(THIS_MODULE);
	mix_release();
	kernel_param_unlock(THIS_MODULE);
}

module_init(goslab_bench_init);
module_exit(goslab_bench_exit);

MODULE_DESCRIPTION("goslab benchmark: the same workloads through SLUB and goslab");
MODULE_AUTHOR("goslab authors");
MODULE_LICENSE("GPL");
MODULE_INFO(test, "Y");

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goslab per-CPU caches (mcache.c, Go's mcache.go): struct goslab_mcache,
 * the per-CPU counters, and the inline fast paths (Go's nextFreeFast).
 * Included through internal.h. Overview: Documentation/design.rst.
 */
#ifndef _GOSLAB_MCACHE_H
#define _GOSLAB_MCACHE_H

#include <linux/minmax.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/workqueue.h>

#include "cache.h"
#include "mspan.h"

/* Statistics, per CPU and summed on read. */
enum goslab_stat {
	GOSLAB_ALLOC_FAST,	/* object from the CPU's span, no lock but its own */
	GOSLAB_ALLOC_SLOW,	/* object needed a new span or another node */
	GOSLAB_FREE,		/* objects freed */
	GOSLAB_FREE_REMOTE,	/* freed on another node than the object's */
	GOSLAB_REFILL,		/* spans moved from a central to a CPU */
	GOSLAB_SWEEP,		/* spans swept */
	GOSLAB_SPAN_NEW,	/* spans taken from the heap */
	GOSLAB_SPAN_RELEASE,	/* empty spans given back to the heap */
	GOSLAB_ALLOC_FAIL,	/* allocations that returned NULL */
	GOSLAB_FREE_REFUSED,	/* frees naming this cache that were refused */
	GOSLAB_NR_STATS,
};

extern const char *const goslab_stat_names[GOSLAB_NR_STATS];

/*
 * Contexts with a span of their own, by interrupt_context_level(): task,
 * softirq, hardirq; NMI's slot stays NULL (goslab_mcache_alloc() refuses).
 */
#define GOSLAB_MCACHE_CTXS	4

/**
 * struct goslab_mcache - Go's mcache, per CPU and per cache
 * @span: current span of each context (interrupt_context_level()),
 *	GOSLAB_SPAN_CACHED, or NULL.
 * @stat: counters; bumped with this_cpu ops.
 * @cache: the cache, for @drain.
 * @drain: work that hands this CPU's spans back (goslab_mcache_drain_cpu()).
 *
 * Only its own CPU reads or writes @span, each slot from its own context
 * with preemption off, or all of them with interrupts off (see mcache.c);
 * a CPU that is gone is drained by the hotplug callback.
 */
struct goslab_mcache {
	struct goslab_span *span[GOSLAB_MCACHE_CTXS];
	unsigned long stat[GOSLAB_NR_STATS];
	struct goslab_cache *cache;
	struct work_struct drain;
};

static inline void goslab_stat(struct goslab_cache *c, enum goslab_stat item)
{
	this_cpu_inc(c->cpu->stat[item]);
}

int goslab_mcache_init(void);
void goslab_mcache_exit(void);
void goslab_mcache_init_cpu(struct goslab_cache *c, int cpu);
void goslab_mcache_drain_cpu(struct goslab_cache *c, int cpu);
void goslab_mcache_drain_all(struct goslab_cache *c);
unsigned int goslab_mcache_drain_held(struct goslab_cache *c);
void *goslab_mcache_alloc(struct goslab_cache *c, gfp_t gfp);

/* This CPU's span for the current context; preemption off. */
static __always_inline struct goslab_span **
goslab_mcache_slot(struct goslab_cache *c)
{
	struct goslab_mcache *mc = this_cpu_ptr(c->cpu);

	/* Task context, the common case, with one test. */
	if (likely(in_task()))
		return &mc->span[0];
	return &mc->span[interrupt_context_level()];
}

/**
 * goslab_mcache_alloc_fast() - Go's nextFreeFast on this context's span
 * @c: cache
 *
 * Preemption off and a count-trailing-zeros: no lock, no atomic.
 *
 * Return: the object, or NULL if goslab_mcache_alloc() has to look
 * further.
 */
static __always_inline void *goslab_mcache_alloc_fast(struct goslab_cache *c)
{
	struct goslab_span *s;
	void *obj = NULL;
	int idx;

	preempt_disable();
	s = *goslab_mcache_slot(c);
	if (likely(s)) {
		idx = goslab_span_next_free_fast(s);
		if (likely(idx >= 0)) {
			obj = goslab_span_obj(s, idx);
			__this_cpu_inc(c->cpu->stat[GOSLAB_ALLOC_FAST]);
		}
	}
	preempt_enable();
	return obj;
}

/**
 * goslab_mcache_alloc_bulk() - up to @nr objects of this context's span
 * @cache: cache
 * @nr: objects wanted
 * @objs: where they go
 *
 * Takes what the span has, with preemption off once, without refilling.
 *
 * Context: any but NMI.
 * Return: objects taken.
 */
static __always_inline size_t
goslab_mcache_alloc_bulk(struct goslab_cache *cache, size_t nr, void **objs)
{
	struct goslab_span *s;
	size_t n = 0;
	int idx;

	/* NMI's slot is always empty: goslab_mcache_alloc() refuses NMI. */
	preempt_disable();
	s = *goslab_mcache_slot(cache);
	while (s && n < nr) {
		n += goslab_span_take_fast(s, objs + n,
					   min_t(size_t, nr - n, 64));
		if (n == nr)
			break;
		/* The next word of allocBits, or the span is used up. */
		idx = goslab_span_next_free(s);
		if (idx >= s->nelems)
			break;
		objs[n++] = goslab_span_obj(s, idx);
	}
	__this_cpu_add(cache->cpu->stat[GOSLAB_ALLOC_FAST], n);
	preempt_enable();
	return n;
}

#if GOSLAB_TEST_BUILD
extern bool goslab_kasan_reuse_last;
extern void (*goslab_test_after_refill)(struct goslab_cache *cache);
#define goslab_test_reuse_last()	READ_ONCE(goslab_kasan_reuse_last)
#else
#define goslab_test_reuse_last()	false
#endif

/*
 * Under KASAN a freed object waits for its span's next sweep, as SLUB's
 * quarantine delays reuse, so that KASAN also catches a use after free of
 * the object freed last; in a test build, goslab_kasan_reuse_last turns the
 * step back on there (the KUnit cases that test it).
 */
static __always_inline bool goslab_may_reuse_last(void)
{
	return !IS_ENABLED(CONFIG_KASAN_GENERIC) || goslab_test_reuse_last();
}

/**
 * goslab_mcache_free_local() - give back the slot this context took last
 * @c: cache
 * @s: the object's span; the caller holds s->lock, interrupts off
 * @idx: the object's slot, checked live under s->lock
 *
 * If @s is this context's span and @idx is the slot just below its
 * freeindex (the one it handed out last, as a rule), steps freeindex back
 * over it (goslab_span_unalloc()): the next allocation returns it again,
 * with no sweep. Only this context moves freeindex forward, and it is
 * running this, so no allocation races with it; frees and sweeps wait for
 * s->lock. Not under KASAN (see goslab_may_reuse_last()).
 *
 * Return: true if the slot is free again; false if the caller must free
 * it through free_bits.
 */
static __always_inline bool goslab_mcache_free_local(struct goslab_cache *c,
						     struct goslab_span *s,
						     unsigned int idx)
{
	return goslab_may_reuse_last() && *goslab_mcache_slot(c) == s &&
	       goslab_span_unalloc(s, idx);
}

#endif /* _GOSLAB_MCACHE_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * goslab per-CPU caches: Go's mcache (mcache.go, malloc.go's nextFreeFast).
 *
 * Go keeps one mcache per P with a current span per size class; goslab
 * keeps, per cache, one struct goslab_mcache per CPU with that cache's
 * current span. The fast path takes the next slot from the span's 64-bit
 * allocCache with count-trailing-zeros and touches only this CPU's data.
 *
 * Only its own CPU touches an mcache, with interrupts off: that makes the
 * fast path safe against preemption, migration and interrupt handlers
 * that allocate, with no lock and no atomic operation. Other CPUs drain an
 * mcache by asking its CPU to (an IPI, which waits for interrupts to be on
 * again); the mcache of a CPU that is gone is drained by the hotplug
 * callback, when nothing else can run on that CPU.
 */
#include "internal.h"

/*
 * The CPU's span is used up from freeindex on: sweep it in place if frees
 * have come in (the CPU owns it, so no central lock is needed), else hand
 * it back to its central. Returns a slot index or -1.
 */
static int mcache_next_slot(struct goslab_cache *cache,
			    struct goslab_mcache *mc)
{
	struct goslab_span *s = mc->span;
	unsigned int idx;

	if (!s)
		return -1;
	idx = goslab_span_next_free(s);
	if (idx < s->nelems)
		return idx;
	if (atomic_read(&s->pending) > 0) {
		goslab_span_sweep(s);
		goslab_stat(cache, GOSLAB_SWEEP);
		idx = goslab_span_next_free(s);
		if (idx < s->nelems)
			return idx;
	}
	mc->span = NULL;
	goslab_central_uncache_span(s->central, s);
	return -1;
}

static struct goslab_central *local_central(struct goslab_cache *cache)
{
	int nid = numa_mem_id();
	struct goslab_central *c = cache->central[nid];

	/* This node has no memory of the cache's zone: count the fallback. */
	if (c->nid != nid)
		atomic_long_inc(&c->heap->fallback);
	return c;
}

/**
 * goslab_mcache_alloc() - an object from this CPU's span, refilling it
 * @cache: cache
 * @gfp: what the caller allows
 *
 * Return: the object, or NULL.
 */
void *goslab_mcache_alloc(struct goslab_cache *cache, gfp_t gfp)
{
	struct goslab_mcache *mc;
	struct goslab_span *s, *fresh;
	unsigned long flags;
	void *obj;
	int idx;

	local_irq_save(flags);
	mc = this_cpu_ptr(cache->cpu);
	s = mc->span;
	if (likely(s)) {
		idx = goslab_span_next_free_fast(s);
		if (likely(idx >= 0)) {
			obj = goslab_span_obj(s, idx);
			__this_cpu_inc(cache->cpu->stat[GOSLAB_ALLOC_FAST]);
			local_irq_restore(flags);
			return obj;
		}
	}
	idx = mcache_next_slot(cache, mc);
	if (idx >= 0) {
		fresh = NULL;
		goto got;
	}

	/* Refill: the heap may have to grow, which may sleep. */
	local_irq_restore(flags);
	fresh = goslab_central_cache_span(local_central(cache), gfp);
	if (!fresh)
		return NULL;
	goslab_stat(cache, GOSLAB_REFILL);

	local_irq_save(flags);
	mc = this_cpu_ptr(cache->cpu);
	/* An interrupt or another task may have refilled this CPU meanwhile. */
	idx = mcache_next_slot(cache, mc);
	if (idx < 0) {
		mc->span = fresh;
		fresh = NULL;
		idx = goslab_span_next_free(mc->span);
	}
got:
	s = mc->span;
	obj = goslab_span_obj(s, idx);
	local_irq_restore(flags);
	if (fresh)
		goslab_central_uncache_span(fresh->central, fresh);
	goslab_stat(cache, GOSLAB_ALLOC_SLOW);
	return obj;
}

/**
 * goslab_mcache_alloc_bulk() - up to @nr objects with interrupts off once
 * @cache: cache
 * @nr: objects wanted
 * @objs: where they go
 *
 * Takes what this CPU's span has without refilling.
 *
 * Return: objects taken.
 */
size_t goslab_mcache_alloc_bulk(struct goslab_cache *cache, size_t nr,
				void **objs)
{
	struct goslab_mcache *mc;
	struct goslab_span *s;
	unsigned long flags;
	size_t n = 0;
	int idx;

	local_irq_save(flags);
	mc = this_cpu_ptr(cache->cpu);
	s = mc->span;
	while (s && n < nr) {
		idx = goslab_span_next_free_fast(s);
		if (idx < 0) {
			idx = goslab_span_next_free(s);
			if (idx >= s->nelems)
				break;
		}
		objs[n++] = goslab_span_obj(s, idx);
	}
	__this_cpu_add(cache->cpu->stat[GOSLAB_ALLOC_FAST], n);
	local_irq_restore(flags);
	return n;
}

/* Hand this CPU's span of @info (a cache) back to its central. */
static void mcache_drain_this_cpu(void *info)
{
	struct goslab_cache *cache = info;
	struct goslab_mcache *mc;
	struct goslab_span *s;
	unsigned long flags;

	local_irq_save(flags);
	mc = this_cpu_ptr(cache->cpu);
	s = mc->span;
	mc->span = NULL;
	local_irq_restore(flags);
	if (s)
		goslab_central_uncache_span(s->central, s);
}

/**
 * goslab_mcache_drain_cpu() - hand a CPU's span back to its central
 * @cache: cache
 * @cpu: an online CPU (asked through an IPI, or run here if it is this
 *	one), or a CPU that is gone (the hotplug callback's case)
 *
 * Context: process context, interrupts on.
 */
void goslab_mcache_drain_cpu(struct goslab_cache *cache, int cpu)
{
	struct goslab_mcache *mc = per_cpu_ptr(cache->cpu, cpu);
	struct goslab_span *s;

	if (!smp_call_function_single(cpu, mcache_drain_this_cpu, cache, 1))
		return;
	/* Offline: nothing runs there, and hotplug is not under way. */
	s = mc->span;
	mc->span = NULL;
	if (s)
		goslab_central_uncache_span(s->central, s);
}

/**
 * goslab_mcache_drain_all() - hand every online CPU's span back
 * @cache: cache
 *
 * CPUs that are offline were drained when they went down; with the
 * hotplug lock held (cpus_read_lock()) that covers every CPU, without it a
 * CPU going down at the same time keeps its span until its hotplug
 * callback runs.
 *
 * Context: process context, interrupts on.
 */
void goslab_mcache_drain_all(struct goslab_cache *cache)
{
	on_each_cpu(mcache_drain_this_cpu, cache, 1);
}

#if IS_ENABLED(CONFIG_KUNIT)
#include "tests/mcache-kunit.h"
#endif

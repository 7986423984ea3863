// SPDX-License-Identifier: GPL-2.0
/*
 * goslab per-CPU caches: Go's mcache (mcache.go, malloc.go's nextFreeFast).
 *
 * Go keeps one mcache per P with a current span per size class; goslab
 * keeps, per cache, one struct goslab_mcache per CPU. The fast path takes
 * the next slot from the span's 64-bit allocCache with count-trailing-zeros
 * and touches only this CPU's data.
 *
 * An mcache holds one current span per context a CPU runs allocations in:
 * task, softirq and hardirq (interrupt_context_level()). A context cannot
 * be interrupted by the same context on its own CPU, so with preemption
 * off each span is touched by one thread of execution at a time: the fast
 * path takes no lock, makes no atomic operation and leaves interrupts on.
 * A Go P is not preempted in the middle of mallocgc for the same reason.
 *
 * Other CPUs drain an mcache by running a work item on its CPU (goslab's
 * own WQ_MEM_RECLAIM workqueue, so the shrinker may wait for it), which
 * hands the spans back with interrupts off: no context of that CPU can be
 * in the middle of the fast path then. The mcache of a CPU that is gone is
 * drained by the hotplug callback, when nothing runs on that CPU.
 *
 * The fast paths are inline in mcache.h. Allocation takes slots without
 * any lock: that only ever makes free slots live. Frees check and mark
 * slots under the span's lock (Documentation/free-protocol.rst), which the
 * context's own sweep takes too. A free of the object the context
 * allocated last, while its span is still the context's, gives the slot
 * straight back under that lock (goslab_mcache_free_local()): freeindex
 * steps back by one, as SLUB's per-CPU freelist reuses the last freed
 * object first. Every other free goes through the span's free_bits.
 *
 * Overview: Documentation/design.rst.
 */
#include "internal.h"

static struct workqueue_struct *mcache_wq;

#if GOSLAB_TEST_BUILD
/* See goslab_may_reuse_last(); only KASAN kernels read it. */
bool goslab_kasan_reuse_last;

/* A KUnit case's step between the refill and its install (may sleep). */
void (*goslab_test_after_refill)(struct goslab_cache *cache);

static void after_refill(struct goslab_cache *cache)
{
	void (*fn)(struct goslab_cache *cache) = READ_ONCE(goslab_test_after_refill);

	if (fn)
		fn(cache);
}
#else
static inline void after_refill(struct goslab_cache *cache) { }
#endif

/*
 * The context's span is used up from freeindex on: sweep it in place if
 * frees have come in (the context owns it, so no central lock is needed),
 * else hand it back to its central. Returns a slot index or -1.
 */
static int mcache_next_slot(struct goslab_cache *cache,
			    struct goslab_span **slot)
{
	struct goslab_span *s = *slot;
	unsigned long flags;
	unsigned int idx;
	bool swept;

	if (!s)
		return -1;
	idx = goslab_span_next_free(s);
	if (idx < s->nelems)
		return idx;
	/* Frees take s->lock with interrupts off, from any context. */
	spin_lock_irqsave(&s->lock, flags);
	swept = s->pending;
	if (swept)
		goslab_span_sweep(s);
	spin_unlock_irqrestore(&s->lock, flags);
	if (swept) {
		goslab_stat(cache, GOSLAB_SWEEP);
		idx = goslab_span_next_free(s);
		if (idx < s->nelems)
			return idx;
	}
	*slot = NULL;
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
 * The slow path, after goslab_mcache_alloc_fast() found nothing: the rest
 * of the span, its own sweep, or a span from the central.
 *
 * Context: any but NMI; sleeps only if @gfp allows.
 * Return: the object, or NULL.
 */
void *goslab_mcache_alloc(struct goslab_cache *cache, gfp_t gfp)
{
	struct goslab_span *s, *fresh, **slot;
	void *obj;
	int idx;

	/* NMI: its slot stays empty, and a refill would take locks. */
	if (WARN_ON_ONCE(in_nmi()))
		return NULL;
	preempt_disable();
	slot = goslab_mcache_slot(cache);
	/* goslab_mcache_alloc_fast() found nothing: scan, sweep or refill. */
	idx = mcache_next_slot(cache, slot);
	if (idx >= 0) {
		fresh = NULL;
		goto got;
	}

	/* Refill: the heap may have to grow, which may sleep. */
	preempt_enable();
	fresh = goslab_central_cache_span(local_central(cache), gfp);
	if (!fresh)
		return NULL;
	goslab_stat(cache, GOSLAB_REFILL);
	after_refill(cache);

	preempt_disable();
	/*
	 * The task may run on another CPU now, of another node: the span is
	 * still the old node's, and installed here every allocation of this
	 * CPU would take remote memory until it is used up. It gives this one
	 * object and goes back to its central.
	 */
	if (fresh->central != cache->central[numa_mem_id()]) {
		s = fresh;
		idx = goslab_span_next_free(s);
		goto take;
	}
	slot = goslab_mcache_slot(cache);
	/* Another task may have refilled this CPU meanwhile. */
	idx = mcache_next_slot(cache, slot);
	if (idx < 0) {
		*slot = fresh;
		fresh = NULL;
		idx = goslab_span_next_free(*slot);
	}
got:
	s = *slot;
take:
	obj = goslab_span_obj(s, idx);
	preempt_enable();
	if (fresh)
		goslab_central_uncache_span(fresh->central, fresh);
	goslab_stat(cache, GOSLAB_ALLOC_SLOW);
	return obj;
}

/*
 * Hand back the spans of @cpu's mcache, or of this CPU's if @cpu < 0. They
 * are taken with interrupts off: on this CPU no context can then be using
 * them; a CPU that is gone runs nothing at all.
 */
static void mcache_drain(struct goslab_cache *cache, int cpu)
{
	struct goslab_span *spans[GOSLAB_MCACHE_CTXS];
	struct goslab_mcache *mc;
	unsigned long flags;
	int i;

	local_irq_save(flags);
	mc = cpu < 0 ? this_cpu_ptr(cache->cpu) : per_cpu_ptr(cache->cpu, cpu);
	for (i = 0; i < GOSLAB_MCACHE_CTXS; i++) {
		spans[i] = mc->span[i];
		mc->span[i] = NULL;
	}
	local_irq_restore(flags);
	for (i = 0; i < GOSLAB_MCACHE_CTXS; i++)
		if (spans[i])
			goslab_central_uncache_span(spans[i]->central, spans[i]);
}

static void mcache_drain_work(struct work_struct *work)
{
	struct goslab_mcache *mc = container_of(work, struct goslab_mcache,
						drain);

	/*
	 * Drains the CPU it runs on: its own, unless that CPU went down after
	 * the work was queued, and then the hotplug callback drains the dead
	 * CPU's mcache.
	 */
	mcache_drain(mc->cache, -1);
}

/**
 * goslab_mcache_init_cpu() - set up one CPU's mcache of a new cache
 * @cache: cache being created
 * @cpu: any possible CPU
 */
void goslab_mcache_init_cpu(struct goslab_cache *cache, int cpu)
{
	struct goslab_mcache *mc = per_cpu_ptr(cache->cpu, cpu);

	mc->cache = cache;
	INIT_WORK(&mc->drain, mcache_drain_work);
}

/**
 * goslab_mcache_drain_cpu() - hand a CPU's spans back to their central
 * @cache: cache
 * @cpu: an online CPU (drained by a work item on it), or a CPU that is gone
 *	(the hotplug callback's case)
 *
 * Context: process context, may sleep.
 */
void goslab_mcache_drain_cpu(struct goslab_cache *cache, int cpu)
{
	struct goslab_mcache *mc = per_cpu_ptr(cache->cpu, cpu);

	might_sleep();
	if (cpu_online(cpu)) {
		queue_work_on(cpu, mcache_wq, &mc->drain);
		flush_work(&mc->drain);
		return;
	}
	/* Offline: nothing runs there, and hotplug is not under way. */
	mcache_drain(cache, cpu);
}

/* Does @mc hold a span? Looked at from another CPU: a hint. */
static bool mcache_holds_span(struct goslab_mcache *mc)
{
	int i;

	for (i = 0; i < GOSLAB_MCACHE_CTXS; i++)
		/* The owner changes its slots without a lock. */
		if (data_race(mc->span[i]))
			return true;
	return false;
}

/*
 * A drain work item on each online CPU (with @held_only, each whose mcache
 * holds a span), then wait for them: flushing an idle work item returns at
 * once. Returns the CPUs queued.
 */
static unsigned int mcache_drain_cpus(struct goslab_cache *cache,
				      bool held_only)
{
	unsigned int n = 0;
	int cpu;

	might_sleep();
	for_each_online_cpu(cpu) {
		struct goslab_mcache *mc = per_cpu_ptr(cache->cpu, cpu);

		if (held_only && !mcache_holds_span(mc))
			continue;
		queue_work_on(cpu, mcache_wq, &mc->drain);
		n++;
	}
	for_each_possible_cpu(cpu)
		flush_work(&per_cpu_ptr(cache->cpu, cpu)->drain);
	return n;
}

/**
 * goslab_mcache_drain_all() - hand every online CPU's spans back
 * @cache: cache
 *
 * CPUs that are offline were drained when they went down; with the
 * hotplug lock held (cpus_read_lock()) that covers every CPU, without it a
 * CPU going down at the same time keeps its spans until its hotplug
 * callback runs.
 *
 * Context: process context, may sleep.
 */
void goslab_mcache_drain_all(struct goslab_cache *cache)
{
	mcache_drain_cpus(cache, false);
}

/**
 * goslab_mcache_drain_held() - hand back the spans of the CPUs that hold one
 * @cache: cache
 *
 * As goslab_mcache_drain_all(), but a work item only for the online CPUs
 * whose mcache holds a span when looked at: the shrinker's way, which must
 * not wake every CPU for every cache. The look is a hint, taken without
 * the owner's cooperation; a span cached right after it stays.
 *
 * Context: process context, may sleep.
 * Return: the CPUs drained.
 */
unsigned int goslab_mcache_drain_held(struct goslab_cache *cache)
{
	return mcache_drain_cpus(cache, true);
}

/**
 * goslab_mcache_init() - the workqueue drains run on
 *
 * Return: 0 or -ENOMEM.
 */
int goslab_mcache_init(void)
{
	mcache_wq = alloc_workqueue("goslab_drain", WQ_MEM_RECLAIM, 0);
	return mcache_wq ? 0 : -ENOMEM;
}

/**
 * goslab_mcache_exit() - after the last cache is gone
 */
void goslab_mcache_exit(void)
{
	destroy_workqueue(mcache_wq);
}

#ifdef GOSLAB_KUNIT
#include "tests/mcache-kunit.h"
#endif

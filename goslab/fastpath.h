/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goslab fast paths: the common case of an allocation and of a free,
 * inline in the public calls (goslab_cache_alloc(), goslab_kmalloc(),
 * goslab_cache_free(), goslab_kfree()). Each either finishes with no call
 * (but a tail call) or leaves everything as it found it and hands over to
 * the general path, which decides, refuses and reports as it always did.
 * Included last by internal.h: the fast paths use every layer's inlines.
 * Budget and measurements: Documentation/performance.rst; overview:
 * Documentation/design.rst.
 */
#ifndef _GOSLAB_FASTPATH_H
#define _GOSLAB_FASTPATH_H

/* === Allocation === */

/*
 * might_alloc() with lock debugging and the sleep-in-atomic check off and
 * preemptible RCU is might_resched() alone, and that (__cond_resched() or
 * nothing, by preemption model) acts only when should_resched(0). The fast
 * path then tests that at its end and calls only when a reschedule is due,
 * from goslab_cache_alloc_finish(); otherwise might_alloc() comes first,
 * as in goslab_cache_alloc_caller().
 */
#define GOSLAB_MIGHT_ALLOC_LATE						\
	(IS_ENABLED(CONFIG_PREEMPT_RCU) && !IS_ENABLED(CONFIG_LOCKDEP) &&	\
	 !IS_ENABLED(CONFIG_DEBUG_ATOMIC_SLEEP))

void *goslab_cache_alloc_finish(struct goslab_cache *c, void *obj, gfp_t gfp,
				unsigned long caller, bool sampled);

/*
 * Does an allocation from @c need only the zeroing and the heap profile's
 * countdown? Not with per-object hooks (c->alloc_hooks), the allocation
 * tracepoint on, or the live waste of a kmalloc cache to record.
 */
static __always_inline bool goslab_alloc_plain(struct goslab_cache *c)
{
	return !c->alloc_hooks && !trace_goslab_alloc_enabled() &&
	       !(c->kmalloc && static_branch_unlikely(&goslab_waste_on));
}

/**
 * goslab_cache_alloc_fast() - allocate one object, the common case inline
 * @c: cache
 * @gfp: flags
 * @req: bytes the caller asked for, at most c->size
 * @caller: for reports
 *
 * Go's nextFreeFast on this context's span (goslab_mcache_alloc_fast()),
 * the heap profile's countdown, then zeroing if asked. Everything else is
 * a tail call, so that the fast path saves no register: a cache with
 * per-object hooks (c->alloc_hooks), an allocation tracepoint or the live
 * waste on, or an empty span go to goslab_cache_alloc_caller(); a heap
 * profile sample or a reschedule due to goslab_cache_alloc_finish().
 *
 * Return: the object, or NULL.
 */
static __always_inline void *goslab_cache_alloc_fast(struct goslab_cache *c,
						     gfp_t gfp, size_t req,
						     unsigned long caller)
{
	bool sampled;
	void *obj;

	if (unlikely(!goslab_alloc_plain(c)))
		return goslab_cache_alloc_caller(c, gfp, NUMA_NO_NODE, req,
						 caller);
	if (!GOSLAB_MIGHT_ALLOC_LATE)
		might_alloc(gfp);
	obj = goslab_mcache_alloc_fast(c);
	if (unlikely(!obj))
		return goslab_cache_alloc_caller(c, gfp, NUMA_NO_NODE, req,
						 caller);
	/* goslab_profile_alloc(), with the rare sample out of line. */
	sampled = static_branch_unlikely(&goslab_profile_on) &&
		  unlikely(this_cpu_sub_return(goslab_profile_next, c->size) < 0);
	if (unlikely(sampled) ||
	    (GOSLAB_MIGHT_ALLOC_LATE && gfpflags_allow_blocking(gfp) &&
	     unlikely(should_resched(0))))
		return goslab_cache_alloc_finish(c, obj, gfp, caller, sampled);
	if (goslab_want_zero(c, gfp))
		return memset(obj, 0, c->size);
	return obj;
}

/* === Free === */

/**
 * goslab_free_fast() - the common free of a small object, inline
 * @c: the cache the caller named; ignored for kfree()
 * @s: the span of @obj, from goslab_span_of()
 * @obj: the object
 * @kfree: a kfree(): the object's own cache, whatever it is
 *
 * The accepted free of an object of a cache without per-object free hooks
 * (c->free_hooks), with no tracepoint, profiled object or recorded size to
 * tell, that needs no word to the central: the step back
 * (goslab_mcache_free_local()) or a bit in free_bits. It tests what
 * free_check() tests, in the same order, under s->lock, and changes
 * nothing until every test has passed; anything else (the lock busy, a
 * span that holds no objects, another cache, a stack pool, hooks, an
 * interior or foreign pointer, an object not live, a first pending free
 * or a possibly empty span) returns false with the lock dropped and
 * nothing written, and the caller takes the general path, which checks
 * again and frees or refuses and reports.
 *
 * Context: interrupts off since @s was looked up.
 * Return: true if @obj was freed.
 */
static __always_inline bool goslab_free_fast(struct goslab_cache *c,
					     struct goslab_span *s, void *obj,
					     bool kfree)
{
	unsigned int pending;
	int idx;

	if (unlikely(!goslab_span_trylock(s)))
		return false;
	if (unlikely(!goslab_span_holds_objects(s->state)))
		goto refer;
	if (kfree)
		c = s->cache;
	else if (unlikely(s->cache != c))
		goto refer;
	/* Stack pools have free_hooks set: their blocks are refused. */
	if (unlikely(c->free_hooks))
		goto refer;
	idx = goslab_span_obj_index(s, obj);
	if (unlikely(idx < 0 || !goslab_span_obj_live(s, idx)))
		goto refer;
	/* Accepted. What goslab_stats_free_small() would have to tell: */
	if (unlikely(trace_goslab_free_enabled() ||
		     goslab_profile_may_hold(obj) || READ_ONCE(s->reqsize)))
		goto refer;
	if (goslab_mcache_free_local(c, s, idx)) {
		goslab_span_unlock(s);
		__this_cpu_inc(c->cpu->stat[GOSLAB_FREE]);
		return true;
	}
	/* free_tell_central() of the free about to be recorded. */
	pending = s->pending + 1;
	if (unlikely(s->state != GOSLAB_SPAN_CACHED &&
		     (pending == 1 || pending >= s->alloc_count)))
		goto refer;
	goslab_span_mark_free(s, idx);
	goslab_span_unlock(s);
	__this_cpu_inc(c->cpu->stat[GOSLAB_FREE]);
	if (unlikely(s->heap->nid != numa_mem_id()))
		__this_cpu_inc(c->cpu->stat[GOSLAB_FREE_REMOTE]);
	return true;

refer:
	goslab_span_unlock(s);
	return false;
}

#endif /* _GOSLAB_FASTPATH_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * goslab caches: the kmem_cache-like public interface over spans, centrals
 * and per-CPU mcaches: allocation, the free protocol's checks, span
 * geometry and the cache lifecycle. The per-object hooks are in objhooks.c,
 * the reports of refused frees in report.c. Overview:
 * Documentation/design.rst.
 */
#include <linux/cache.h>
#include <linux/cpu.h>
#include <linux/kmemleak.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/string.h>

#include "internal.h"

/* Every cache, built-in ones too; goslab_caches_mutex. */
LIST_HEAD(goslab_caches);
/* Guards goslab_caches, cache creation and destruction. */
DEFINE_MUTEX(goslab_caches_mutex);

/* === Allocation === */

/* An object of another node than this CPU's: straight from its central. */
static noinline void *cache_alloc_node(struct goslab_cache *c, gfp_t gfp,
				       int node)
{
	struct goslab_central *cen = c->central[node];
	void *obj;

	/* A node without memory of this zone: served by another. */
	if (cen->nid != node)
		atomic_long_inc(&cen->heap->fallback);
	obj = goslab_central_alloc(cen, gfp);
	if (obj)
		goslab_stat(c, GOSLAB_ALLOC_SLOW);
	return obj;
}

/**
 * goslab_cache_alloc_caller() - allocate one object
 * @c: cache
 * @gfp: flags
 * @node: node, or NUMA_NO_NODE
 * @req: bytes the caller asked for, at most c->size
 * @caller: for reports
 *
 * Return: the object, or NULL.
 */
void *goslab_cache_alloc_caller(struct goslab_cache *c, gfp_t gfp, int node,
				size_t req, unsigned long caller)
{
	void *obj;

	might_alloc(gfp);
	if (likely(node == NUMA_NO_NODE || node == numa_mem_id() ||
		   (unsigned int)node >= nr_node_ids || !c->central[node])) {
		obj = goslab_mcache_alloc_fast(c);
		if (unlikely(!obj))
			obj = goslab_mcache_alloc(c, gfp);
	} else {
		obj = cache_alloc_node(c, gfp, node);
	}
	if (unlikely(!obj)) {
		goslab_stat(c, GOSLAB_ALLOC_FAIL);
		return NULL;
	}
	__goslab_obj_alloc_hook(c, obj, req, c->elemsize, gfp, caller);
	return obj;
}

/**
 * goslab_cache_alloc_finish() - goslab_cache_alloc_fast()'s rare ending
 * @c: cache
 * @obj: the object just taken
 * @gfp: flags
 * @caller: for the profile
 * @sampled: @obj is a heap profile sample
 *
 * Zeroes as asked, records the sample, and reschedules if one is due
 * (GOSLAB_MIGHT_ALLOC_LATE). Out of line, so that the fast path saves no
 * register for these calls.
 *
 * Return: @obj.
 */
void *goslab_cache_alloc_finish(struct goslab_cache *c, void *obj, gfp_t gfp,
				unsigned long caller, bool sampled)
{
	if (goslab_want_zero(c, gfp))
		memset(obj, 0, c->size);
	if (sampled)
		__goslab_profile_alloc(obj, c->size, caller);
	if (GOSLAB_MIGHT_ALLOC_LATE)
		might_alloc(gfp);
	return obj;
}

/**
 * goslab_cache_alloc() - allocate an object from a cache
 * @cache: cache from goslab_cache_create()
 * @gfp: GFP flags; GFP_ATOMIC and GFP_NOWAIT never sleep
 *
 * Return: the object, or NULL when memory is short.
 */
void *goslab_cache_alloc(struct goslab_cache *cache, gfp_t gfp)
{
	return goslab_cache_alloc_fast(cache, gfp, cache->size, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_cache_alloc);

/**
 * goslab_cache_alloc_node() - allocate an object on a given node
 * @cache: cache from goslab_cache_create()
 * @gfp: GFP flags
 * @node: node the memory must come from, or NUMA_NO_NODE for any
 *
 * The object is memory of @node. A node with no memory (of the cache's
 * zone), or with none free and no __GFP_THISNODE in @gfp, is served by the
 * nearest node that has it, as kmalloc_node() is.
 *
 * Return: the object, or NULL when memory is short.
 */
void *goslab_cache_alloc_node(struct goslab_cache *cache, gfp_t gfp, int node)
{
	return goslab_cache_alloc_caller(cache, gfp, node, cache->size,
					 _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_cache_alloc_node);

/*
 * The hooks of a bulk allocation from a cache that needs no more than
 * goslab_cache_alloc_fast() gives an object (goslab_alloc_plain()): the
 * zeroing, and the heap profile's countdown once for the whole bulk. A
 * bulk that reaches the next sample gives its bytes back and counts them
 * object by object, so that the sample falls on the object it would have
 * fallen on one at a time. An allocation by an interrupt between the two
 * may take that sample instead: that changes which object is sampled,
 * not how many bytes lie between samples.
 */
static void bulk_alloc_plain(struct goslab_cache *c, gfp_t gfp, size_t nr,
			     void **objs, unsigned long caller)
{
	long bytes = (long)nr * c->size;
	size_t i, j;

	/*
	 * Objects of consecutive slots that are all of the slot (kmalloc
	 * classes, most caches) are zeroed with one memset().
	 */
	if (goslab_want_zero(c, gfp)) {
		for (i = 0; i < nr; i = j) {
			for (j = i + 1; j < nr && c->size == c->elemsize &&
			     objs[j] == objs[j - 1] + c->size; j++)
				;
			memset(objs[i], 0, (j - i) * c->size);
		}
	}
	if (!static_branch_unlikely(&goslab_profile_on) ||
	    likely(this_cpu_sub_return(goslab_profile_next, bytes) >= 0))
		return;
	this_cpu_add(goslab_profile_next, bytes);
	for (i = 0; i < nr; i++)
		goslab_profile_alloc(objs[i], c->size, caller);
}

/* goslab_cache_alloc_bulk() of other than one object. */
static noinline int cache_alloc_bulk(struct goslab_cache *cache, gfp_t gfp,
				     size_t nr, void **objs,
				     unsigned long caller)
{
	size_t i = 0, n;

	while (i < nr) {
		n = goslab_mcache_alloc_bulk(cache, nr - i, objs + i);
		i += n;
		if (i < nr) {
			objs[i] = goslab_mcache_alloc(cache, gfp);
			if (!objs[i])
				goto fail;
			i++;
		}
	}
	if (likely(goslab_alloc_plain(cache)))
		bulk_alloc_plain(cache, gfp, nr, objs, caller);
	else
		for (i = 0; i < nr; i++)
			__goslab_obj_alloc_hook(cache, objs[i], cache->size,
						cache->elemsize, gfp, caller);
	return nr;
fail:
	goslab_stat(cache, GOSLAB_ALLOC_FAIL);
	while (i--) {
		unsigned long flags;

		/* Never seen by the caller: known to kmemleak for the free only. */
		kmemleak_alloc(objs[i], cache->size, 1, gfp);
		local_irq_save(flags);
		goslab_cache_free_span(cache, goslab_span_of(objs[i]), objs[i],
				       caller);
		local_irq_restore(flags);
	}
	return 0;
}

/**
 * goslab_cache_alloc_bulk() - allocate several objects at once
 * @cache: cache
 * @gfp: GFP flags
 * @nr: objects wanted
 * @objs: array of at least @nr pointers, filled on success
 *
 * All or nothing: on failure no object is held.
 *
 * Return: @nr on success, 0 on failure.
 */
int goslab_cache_alloc_bulk(struct goslab_cache *cache, gfp_t gfp, size_t nr,
			    void **objs)
{
	void *obj;

	/* One object: the fast path of goslab_cache_alloc(). */
	if (nr != 1)
		return cache_alloc_bulk(cache, gfp, nr, objs, _RET_IP_);
	obj = goslab_cache_alloc_fast(cache, gfp, cache->size, _RET_IP_);
	objs[0] = obj;
	return obj ? 1 : 0;
}
EXPORT_SYMBOL_GPL(goslab_cache_alloc_bulk);

/* === Free === */

/*
 * The free protocol (Documentation/free-protocol.rst). A free looks its span
 * up and does everything else with interrupts off, which is also the RCU
 * read side that keeps the span struct from being reused until it is done
 * (goslab_span_free()). It checks the slot and marks it free under the span
 * lock, where every other change from live to free (step back, sweep) is
 * made too: a double free is refused exactly once, however the frees race.
 */

/*
 * The checks of a free of a small object, under s->lock: the span holds
 * objects of @c, @obj starts a slot, and the slot is live (not free, not
 * freed already). Then the hooks. Returns the slot, or -1 if the free must
 * be refused.
 */
static __always_inline int free_check(struct goslab_cache *c,
				      struct goslab_span *s, void *obj,
				      unsigned long caller)
{
	int idx;

	lockdep_assert_held(&s->lock);
	if (unlikely(!goslab_span_holds_objects(s->state) || s->cache != c))
		return -1;
	idx = goslab_span_obj_index(s, obj);
	if (unlikely(idx < 0 || !goslab_span_obj_live(s, idx)))
		return -1;
	goslab_stats_free_small(c, s, idx, obj, caller);
	if (goslab_want_free_hook(c))
		goslab_small_free_hook(c, obj, caller);
	return idx;
}

/* @count frees of objects of @s on this CPU; interrupts are off. */
static __always_inline void free_count(struct goslab_cache *c,
				       struct goslab_span *s, unsigned int count)
{
	__this_cpu_add(c->cpu->stat[GOSLAB_FREE], count);
	if (s->heap->nid != numa_mem_id())
		__this_cpu_add(c->cpu->stat[GOSLAB_FREE_REMOTE], count);
}

/*
 * After recording frees in free_bits, @pending of them now: must the
 * central hear of it? A listed span with its first pending free (a full
 * one must become findable), or one that may have no live object left.
 * A span some CPU holds is swept by that CPU. Under s->lock.
 */
static __always_inline bool free_tell_central(struct goslab_span *s,
					      unsigned int pending,
					      unsigned int count)
{
	return s->state != GOSLAB_SPAN_CACHED &&
	       (pending == count || pending >= s->alloc_count);
}

/*
 * A free of @obj in span @s, named to cache @c or, for kfree() (@kfree),
 * to the span's own cache unless that is a stack pool. Interrupts are off.
 */
static __always_inline void free_span(struct goslab_cache *c,
				      struct goslab_span *s, void *obj,
				      bool kfree, unsigned long caller)
{
	unsigned int pending;
	bool tell;
	int idx;

	lockdep_assert_irqs_disabled();
	goslab_span_lock(s);
	if (kfree) {
		/* The span stopped holding objects since it was looked up. */
		if (unlikely(!goslab_span_holds_objects(s->state))) {
			goslab_span_unlock(s);
			goslab_report_free(GOSLAB_BAD_DOUBLE_FREE, NULL, obj, caller);
			return;
		}
		c = s->cache;
		/* A pooled stack block goes back through goslab_stack_free(). */
		if (unlikely(c->stack)) {
			goslab_span_unlock(s);
			goslab_report(GOSLAB_BAD_WRONG_CACHE, "stack", obj, caller);
			return;
		}
	}
	idx = free_check(c, s, obj, caller);
	if (unlikely(idx < 0)) {
		goslab_span_unlock(s);
		goslab_free_refuse(c, s, obj, caller);
		return;
	}
	if (goslab_mcache_free_local(c, s, idx)) {
		goslab_span_unlock(s);
		__this_cpu_inc(c->cpu->stat[GOSLAB_FREE]);
		return;
	}
	pending = goslab_span_mark_free(s, idx);
	tell = free_tell_central(s, pending, 1);
	goslab_span_unlock(s);
	free_count(c, s, 1);
	if (tell)
		goslab_central_note_free(s);
}

/**
 * goslab_cache_free_span() - free an object of a span of small objects
 * @c: the cache the caller says the object belongs to
 * @s: span holding @obj, from goslab_span_of()
 * @obj: the object
 * @caller: for reports
 *
 * Refuses, reports and counts: a span that holds no small objects (any
 * more), a pointer into the middle of an object or past the last one, an
 * object of another cache, an object that is not allocated (double free).
 * The object this context allocated last, in its own span, goes straight
 * back (goslab_mcache_free_local()); every other one is marked in the
 * span's free_bits for its next sweep.
 *
 * Context: interrupts off since @s was looked up.
 */
void goslab_cache_free_span(struct goslab_cache *c, struct goslab_span *s,
			    void *obj, unsigned long caller)
{
	free_span(c, s, obj, false, caller);
}

/**
 * goslab_kfree_span() - kfree() of an object of a span of small objects
 * @s: span holding @obj, from goslab_span_of()
 * @obj: the object
 * @caller: for reports
 *
 * As goslab_cache_free_span() to the span's own cache; a block of a stack
 * pool is refused as wrong_cache.
 *
 * Context: interrupts off since @s was looked up.
 */
void goslab_kfree_span(struct goslab_span *s, void *obj, unsigned long caller)
{
	free_span(NULL, s, obj, true, caller);
}

/*
 * goslab_cache_free() of anything goslab_free_fast() did not take: the
 * general path, from the span lookup on. Out of line, a tail call.
 */
static noinline void cache_free_caller(struct goslab_cache *cache, void *obj,
				       unsigned long caller)
{
	struct goslab_span *s;
	unsigned long flags;

	local_irq_save(flags);
	s = goslab_span_of(obj);
	if (likely(s))
		free_span(cache, s, obj, false, caller);
	local_irq_restore(flags);
	if (unlikely(!s))
		goslab_free_refuse(cache, NULL, obj, caller);
}

/* goslab_cache_free(), for it and for a bulk free of one object. */
static __always_inline void cache_free_obj(struct goslab_cache *cache,
					   void *obj, unsigned long caller)
{
	struct goslab_span *s;
	unsigned long flags;

	if (unlikely(ZERO_OR_NULL_PTR(obj)))
		return;
	local_irq_save(flags);
	s = goslab_span_of(obj);
	if (likely(s && cache) && goslab_free_fast(cache, s, obj, false)) {
		local_irq_restore(flags);
		return;
	}
	local_irq_restore(flags);
	cache_free_caller(cache, obj, caller);
}

/**
 * goslab_cache_free() - free an object to its cache
 * @cache: the cache it was allocated from
 * @obj: the object, or NULL
 *
 * A pointer goslab did not hand out, an interior pointer, an object of
 * another cache or one already free is refused: reported once with the
 * caller, counted in debugfs, and nothing is changed.
 */
void goslab_cache_free(struct goslab_cache *cache, void *obj)
{
	cache_free_obj(cache, obj, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_cache_free);

/*
 * Objects of a bulk free, @objs[*@i] and down, freed under one take of
 * s->lock while they are slots of @s: an address among a span's slots is
 * in no other span, so the run looks no span up. The caller holds s->lock
 * and has checked that @s holds objects of @c. Each object is checked and
 * freed as free_span() does one: its slot, its liveness, then the step back
 * (@own: @s is this context's span) or a bit in free_bits. @plain: the
 * span has nothing to tell per object but the heap profile (see
 * bulk_free_plain()), the geometry is read once and, in this context's
 * span, freeindex and allocCache are stepped back in locals
 * (struct goslab_unalloc_run), written once at the end. The object just below
 * the one freed, as a bulk allocation's objects come back newest first,
 * is its slot less one: that needs no division. NULL entries are skipped.
 * Adds to *@local and *@count the objects stepped back and marked free.
 * Returns false at the first object refused, with *@i at it; true with *@i
 * at the last object freed.
 */
static __always_inline bool free_run_objs(struct goslab_cache *c,
					  struct goslab_span *s, void **objs,
					  size_t *i, unsigned int *local,
					  unsigned int *count, bool plain,
					  bool own, unsigned long caller)
{
	const void *base = s->base;
	unsigned long bytes = (unsigned long)s->nelems * s->elemsize;
	u32 size = s->elemsize, divmul = s->divmul;
	unsigned int back = 0, marked = 0, fi;
	struct goslab_unalloc_run run;
	size_t k = *i;
	bool ok = false, stepped;
	void *obj = objs[k];
	int idx = 0;

	if (plain)
		idx = goslab_obj_index(obj - base, bytes, size, divmul);
	if (plain && own)
		goslab_span_unalloc_begin(s, &run);
	for (;;) {
		if (plain) {
			/* Another CPU's span: its owner moves freeindex on. */
			fi = own ? run.fi : READ_ONCE(s->freeindex);
			if (unlikely(idx < 0 ||
				     !goslab_span_obj_live_at(s, idx, fi)))
				break;
			goslab_profile_free(obj);
		} else {
			idx = free_check(c, s, obj, caller);
			if (unlikely(idx < 0))
				break;
		}
		if (!own)
			stepped = false;
		else if (plain)
			stepped = goslab_span_unalloc_next(s, &run, idx);
		else
			stepped = goslab_span_unalloc(s, idx);
		if (stepped) {
			back++;
		} else {
			goslab_span_mark_free(s, idx);
			marked++;
		}
		if (k && idx > 0 && objs[k - 1] == obj - size) {
			obj = objs[--k];
			idx--;
			continue;
		}
		while (k && ZERO_OR_NULL_PTR(objs[k - 1]))
			k--;
		if (!k || (unsigned long)(objs[k - 1] - base) >= bytes) {
			ok = true;
			break;
		}
		obj = objs[--k];
		if (plain)
			idx = goslab_obj_index(obj - base, bytes, size, divmul);
	}
	if (plain && own)
		goslab_span_unalloc_end(s, &run);
	*i = k;
	*local += back;
	*count += marked;
	return ok;
}

/*
 * May a bulk free of objects of @s tell nothing per object but the heap
 * profile? What goslab_stats_free_small() and the free hooks would do
 * otherwise: a cache with free hooks, the free tracepoint, recorded sizes.
 */
static __always_inline bool bulk_free_plain(struct goslab_cache *c,
					    struct goslab_span *s)
{
	return !c->free_hooks && !trace_goslab_free_enabled() &&
	       !READ_ONCE(s->reqsize);
}

/*
 * A bulk free's run in span @s, from @objs[*@i] down (free_run_objs()),
 * under one take of s->lock. *@i goes down to the last object freed, or
 * to the object refused, which ends the run and is reported after the
 * lock is dropped, as a single free's is. Returns how many went straight
 * back to this context's span @mine.
 */
static unsigned int free_run(struct goslab_cache *c, struct goslab_span *s,
			     struct goslab_span *mine, void **objs, size_t *i,
			     unsigned long caller)
{
	unsigned int local = 0, count = 0;
	bool ok = false, tell;

	goslab_span_lock(s);
	/* Else the first object is refused; the others are looked up again. */
	if (likely(goslab_span_holds_objects(s->state) && s->cache == c)) {
		if (!bulk_free_plain(c, s))
			ok = free_run_objs(c, s, objs, i, &local, &count,
					   false, s == mine, caller);
		else if (s == mine)
			ok = free_run_objs(c, s, objs, i, &local, &count,
					   true, true, caller);
		else
			ok = free_run_objs(c, s, objs, i, &local, &count,
					   true, false, caller);
	}
	tell = count && free_tell_central(s, s->pending, count);
	goslab_span_unlock(s);
	if (unlikely(!ok))
		goslab_free_refuse(c, s, objs[*i], caller);
	if (count)
		free_count(c, s, count);
	if (tell)
		goslab_central_note_free(s);
	return local;
}

/* This CPU's span a bulk free may step back in, if any; interrupts off. */
static struct goslab_span *bulk_own_span(struct goslab_cache *cache)
{
	return cache && goslab_may_reuse_last() ? *goslab_mcache_slot(cache) : NULL;
}

/* goslab_cache_free_bulk() of more than one object. */
static noinline void cache_free_bulk(struct goslab_cache *cache, size_t nr,
				     void **objs, unsigned long caller)
{
	struct goslab_span *s, *mine;
	unsigned int local = 0;
	unsigned long flags;
	size_t i = nr;

	local_irq_save(flags);
	mine = bulk_own_span(cache);
	while (i--) {
		if (ZERO_OR_NULL_PTR(objs[i]))
			continue;
		s = goslab_span_of(objs[i]);
		if (s)
			local += free_run(cache, s, mine, objs, &i, caller);
		else
			goslab_free_refuse(cache, NULL, objs[i], caller);
	}
	if (local)
		__this_cpu_add(cache->cpu->stat[GOSLAB_FREE], local);
	local_irq_restore(flags);
}

/**
 * goslab_cache_free_bulk() - free several objects of one cache
 * @cache: cache
 * @nr: number of objects
 * @objs: the objects; NULL entries are skipped
 *
 * Each object is checked as by goslab_cache_free(). Runs of objects of one
 * span are freed under one take of the span lock. Frees from the last
 * object to the first: objects allocated in a row (as
 * goslab_cache_alloc_bulk() hands them out) go back newest first, so those
 * of this CPU's current span return to it at once
 * (goslab_mcache_free_local()). Interrupts are off throughout.
 */
void goslab_cache_free_bulk(struct goslab_cache *cache, size_t nr, void **objs)
{
	/* One object: the fast path of goslab_cache_free(). */
	if (nr == 1)
		cache_free_obj(cache, objs[0], _RET_IP_);
	else if (nr)
		cache_free_bulk(cache, nr, objs, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_cache_free_bulk);

/* === Creation and destruction === */

/* Pages per span for a slot size: Go's rule, tail waste at most 1/8. */
static unsigned int span_pages(unsigned int elemsize)
{
	unsigned int npages = DIV_ROUND_UP(elemsize, PAGE_SIZE);

	while (((npages << PAGE_SHIFT) % elemsize) * 8 > (npages << PAGE_SHIFT))
		npages++;
	while ((npages << PAGE_SHIFT) / elemsize > GOSLAB_MAX_OBJS_PER_SPAN)
		npages--;
	return npages;
}

/* Is (off * divmul) >> 32 == off / size for every offset of the span? */
static bool divmul_exact(u32 divmul, unsigned int size, unsigned long bytes)
{
	unsigned long off;

	for (off = 0; off <= bytes; off++)
		if ((((u64)off * divmul) >> 32) != off / size)
			return false;
	return true;
}

/*
 * Go's table, made for 8 KiB pages, gives 4 KiB-page spans of one or two
 * objects for the large classes (2048 B: 2 objects; 4096 B: 1), so a span
 * would come from and go back to the heap every object or two; and the
 * small classes get one-page spans, half of Go's smallest, so a CPU
 * refills twice as often as Go's would. A cache's spans of a class are
 * whole multiples of the class's span (the tail waste stays in
 * proportion) of at least GOSLAB_MIN_SPAN_BYTES (Go's page) and
 * GOSLAB_MIN_SPAN_OBJS objects, within GOSLAB_WIDE_SPAN_PAGES pages (SLUB's
 * largest slab order for them, 3) and the bitmaps' GOSLAB_MAX_OBJS_PER_SPAN
 * slots, and only if the class's divMagic stays exact.
 */
#define GOSLAB_MIN_SPAN_OBJS	8
#define GOSLAB_MIN_SPAN_BYTES	8192
#define GOSLAB_WIDE_SPAN_PAGES	8

static void span_widen(struct goslab_cache *c)
{
	unsigned int k;

	k = max(DIV_ROUND_UP(GOSLAB_MIN_SPAN_OBJS, c->nelems),
		DIV_ROUND_UP(GOSLAB_MIN_SPAN_BYTES, c->npages << PAGE_SHIFT));
	k = min3(k, GOSLAB_WIDE_SPAN_PAGES / c->npages,
		 GOSLAB_MAX_OBJS_PER_SPAN / c->nelems);
	if (k <= 1 ||
	    !divmul_exact(c->divmul, c->elemsize, (k * c->npages) << PAGE_SHIFT))
		return;
	c->npages *= k;
	c->nelems *= k;
}

static int cache_layout(struct goslab_cache *c, unsigned int size,
			unsigned int align)
{
	unsigned int slot, cls;

	if (c->flags & SLAB_HWCACHE_ALIGN) {
		unsigned int ralign = cache_line_size();

		while (size <= ralign / 2)
			ralign /= 2;
		align = max(align, ralign);
	}
	align = max_t(unsigned int, align, ARCH_SLAB_MINALIGN);
	align = max_t(unsigned int, align, sizeof(void *));
	c->align = align;
	slot = size;
	if (c->flags & SLAB_RED_ZONE)
		slot += GOSLAB_REDZONE_BYTES;
	slot = ALIGN(slot, align);

	/* A size class fits when its size keeps every object aligned. */
	for (cls = goslab_size_to_class(slot); cls && cls < GOSLAB_NUM_CLASSES;
	     cls++) {
		const struct goslab_class *k = &goslab_classes[cls];

		if (k->size % align == 0) {
			c->elemsize = k->size;
			c->npages = k->npages;
			c->nelems = k->nobjs;
			c->divmul = k->divmul;
			span_widen(c);
			goto done;
		}
	}
	/* No class fits: a geometry of its own, chosen by Go's rules. */
	if (slot > (GOSLAB_CHUNK_PAGES << PAGE_SHIFT))
		return -E2BIG;
	c->elemsize = slot;
	c->npages = span_pages(slot);
	c->nelems = (c->npages << PAGE_SHIFT) / slot;
	c->divmul = U32_MAX / slot + 1;
	if (!divmul_exact(c->divmul, slot, c->npages << PAGE_SHIFT))
		c->divmul = 0;
done:
	c->object_size = size;
	/*
	 * Usable bytes are the bytes asked for, as SLUB's object_size: the
	 * rest of the slot is a red zone to KASAN and, with SLAB_RED_ZONE,
	 * to goslab's own check. kmalloc caches are created at class sizes.
	 */
	c->size = size;
	return 0;
}

static struct goslab_cache *cache_find(const char *name)
{
	struct goslab_cache *c;

	lockdep_assert_held(&goslab_caches_mutex);
	list_for_each_entry(c, &goslab_caches, list)
		if (!c->dead && !strcmp(c->name, name))
			return c;
	return NULL;
}

static void cache_free(struct goslab_cache *c)
{
	int nid;

	for_each_node(nid)
		kfree(c->centrals[nid]);
	free_percpu(c->cpu);
	kfree(c);
}

/*
 * The one way a cache comes to be: made and put on goslab_caches, under
 * goslab_caches_mutex. NULL if memory is short or no geometry fits.
 */
static struct goslab_cache *
cache_create_locked(const char *name, unsigned int size, unsigned int align,
		    slab_flags_t flags, void (*ctor)(void *),
		    enum goslab_cache_kind kind)
{
	struct goslab_cache *c;
	enum goslab_zone zone = GOSLAB_ZONE_NORMAL;
	struct goslab_heap *h;
	int nid, cpu;

	lockdep_assert_held(&goslab_caches_mutex);
	/* As SLUB: a zone the kernel does not have means normal memory. */
	if (IS_ENABLED(CONFIG_ZONE_DMA) && (flags & SLAB_CACHE_DMA))
		zone = GOSLAB_ZONE_DMA;
	else if (IS_ENABLED(CONFIG_ZONE_DMA32) && (flags & SLAB_CACHE_DMA32))
		zone = GOSLAB_ZONE_DMA32;
	/* Poisoning would overwrite what the constructor or RCU readers need. */
	if (ctor || (flags & SLAB_TYPESAFE_BY_RCU))
		flags &= ~SLAB_POISON;

	c = kzalloc(struct_size(c, central, 2 * (size_t)nr_node_ids),
		    GFP_KERNEL);
	if (!c)
		return NULL;
	c->centrals = &c->central[nr_node_ids];
	strscpy(c->name, name, sizeof(c->name));
	c->flags = flags;
	c->ctor = ctor;
	c->zone = zone;
	c->kmalloc = kind == GOSLAB_CACHE_KMALLOC;
	c->stack = kind == GOSLAB_CACHE_STACK;
	if (cache_layout(c, size, align))
		goto err_free;
	c->alloc_hooks = goslab_want_alloc_hook(c);
	c->free_hooks = c->stack || goslab_want_free_hook(c);
	c->min_partial = clamp(ilog2(c->elemsize) / 2, 5, 10);
	c->cpu = alloc_percpu(struct goslab_mcache);
	if (!c->cpu)
		goto err_free;
	for_each_possible_cpu(cpu)
		goslab_mcache_init_cpu(c, cpu);
	for_each_node_state(nid, N_MEMORY) {
		h = goslab_heap_owned(nid, zone);
		if (!h)
			continue;
		c->centrals[nid] = kzalloc_node(sizeof(*c->centrals[nid]),
						GFP_KERNEL, nid);
		if (!c->centrals[nid])
			goto err_free;
		goslab_central_init(c->centrals[nid], c, h);
	}
	/* Every node, with memory of this zone or not, has a central to use. */
	for_each_node(nid) {
		h = goslab_heap_serving(nid, zone);
		c->central[nid] = h ? c->centrals[h->nid] : NULL;
	}
	if (!c->central[first_online_node] && !c->central[numa_mem_id()])
		goto err_free;
	list_add_tail(&c->list, &goslab_caches);
	return c;

err_free:
	cache_free(c);
	return NULL;
}

/**
 * goslab_cache_create_internal() - create a built-in cache
 * @name: name, unique among the built-in caches
 * @size: object size
 * @align: alignment, 0 or a power of two
 * @flags: SLAB_* flags
 * @ctor: constructor, or NULL
 * @kind: a kmalloc cache or a stack pool
 *
 * Context: process context, may sleep.
 * Return: the cache, on goslab_caches, or NULL.
 */
struct goslab_cache *
goslab_cache_create_internal(const char *name, unsigned int size,
			     unsigned int align, slab_flags_t flags,
			     void (*ctor)(void *), enum goslab_cache_kind kind)
{
	struct goslab_cache *c;

	mutex_lock(&goslab_caches_mutex);
	c = cache_create_locked(name, size, align, flags, ctor, kind);
	mutex_unlock(&goslab_caches_mutex);
	return c;
}

/**
 * goslab_cache_create() - create a cache of objects of one size
 * @name: name in debugfs and reports; must be unique among live caches
 * @size: object size, 1 .. 4 MiB
 * @align: alignment, 0 or a power of two up to PAGE_SIZE
 * @flags: SLAB_HWCACHE_ALIGN, SLAB_POISON, SLAB_RED_ZONE,
 *	SLAB_TYPESAFE_BY_RCU, SLAB_PANIC, SLAB_CACHE_DMA, SLAB_CACHE_DMA32
 * @ctor: constructor run once per object when its span is created, or NULL
 *
 * Context: process context, may sleep.
 * Return: the cache, or NULL with one pr_err() saying why (panics
 * instead with SLAB_PANIC).
 */
struct goslab_cache *goslab_cache_create(const char *name, unsigned int size,
					 unsigned int align, slab_flags_t flags,
					 void (*ctor)(void *))
{
	struct goslab_cache *c = NULL;
	const char *why = NULL;

	might_sleep();
	if (!name || !*name)
		why = "no name";
	else if (strlen(name) >= GOSLAB_NAME_LEN)
		why = "name too long";
	else if (!size || size > (GOSLAB_CHUNK_PAGES << PAGE_SHIFT))
		why = "size out of range";
	else if (align && (!is_power_of_2(align) || align > PAGE_SIZE))
		why = "alignment not a power of two up to PAGE_SIZE";
	else if (flags & ~GOSLAB_VALID_FLAGS)
		why = "unsupported flags";
	if (why)
		goto out;

	mutex_lock(&goslab_caches_mutex);
	if (cache_find(name)) {
		why = "a cache with this name exists";
	} else {
		c = cache_create_locked(name, size, align, flags, ctor,
					GOSLAB_CACHE_USER);
		if (!c)
			why = "out of memory";
	}
	mutex_unlock(&goslab_caches_mutex);
out:
	if (why) {
		pr_err("cannot create cache '%s' (size %u, align %u): %s\n",
		       name ? name : "(null)", size, align, why);
		atomic_long_inc(&goslab_bad_count[GOSLAB_BAD_ARG]);
		if (flags & SLAB_PANIC)
			panic("goslab: cannot create cache %s\n",
			      name ? name : "(null)");
	}
	return c;
}
EXPORT_SYMBOL_GPL(goslab_cache_create);

/*
 * Drain every CPU and sweep every central; count what stays. Exact when the
 * caller holds cpus_read_lock() (taken before goslab_caches_mutex, as
 * goslab_cpu_dead() does); without it, a CPU going down at this moment may
 * keep its span until its hotplug callback.
 */
static unsigned long cache_flush(struct goslab_cache *c)
{
	unsigned long left = 0, flags;
	int nid;

	goslab_mcache_drain_all(c);
	for_each_node(nid) {
		struct goslab_central *cen = c->centrals[nid];

		if (!cen)
			continue;
		goslab_central_shrink(cen);
		spin_lock_irqsave(&cen->lock, flags);
		left += cen->nspans;
		spin_unlock_irqrestore(&cen->lock, flags);
	}
	return left;
}

/**
 * goslab_cache_shrink() - give a cache's free memory back
 * @cache: cache
 *
 * Hands every CPU's span back, sweeps every span and returns empty ones to
 * the page heap.
 *
 * Context: process context.
 * Return: 0 if the cache holds no span any more, 1 otherwise.
 */
int goslab_cache_shrink(struct goslab_cache *cache)
{
	if (!cache)
		return 0;
	return cache_flush(cache) ? 1 : 0;
}
EXPORT_SYMBOL_GPL(goslab_cache_shrink);

/* Objects live in the spans of a central's list; central->lock. */
static unsigned long lists_live(struct list_head *list)
{
	struct goslab_span *s;
	unsigned long live = 0;

	list_for_each_entry(s, list, list) {
		spin_lock(&s->lock);
		live += goslab_span_live_count(s);
		spin_unlock(&s->lock);
	}
	return live;
}

/* Objects still allocated; spans must be drained and swept. */
static unsigned long cache_live(struct goslab_cache *c)
{
	unsigned long live = 0, flags;
	int nid;

	for_each_node(nid) {
		struct goslab_central *cen = c->centrals[nid];

		if (!cen)
			continue;
		spin_lock_irqsave(&cen->lock, flags);
		live += lists_live(&cen->partial) + lists_live(&cen->full) +
			lists_live(&cen->pending);
		spin_unlock_irqrestore(&cen->lock, flags);
	}
	return live;
}

/*
 * A span that stays as long as goslab does: objects of a cache destroyed
 * while they were live (goslab_heaps_trim()). Under the heap's lock; the
 * span is in the span map, so its struct is what it says.
 */
static bool span_kept(const struct goslab_span *s)
{
	const struct goslab_cache *c = READ_ONCE(s->cache);

	return goslab_span_holds_objects(READ_ONCE(s->state)) && c && READ_ONCE(c->dead);
}

/**
 * goslab_cache_destroy() - destroy a cache
 * @cache: cache, or NULL
 *
 * Every object should have been freed. If some are still live, their
 * number is reported and the cache and the spans that hold them are kept,
 * so that memory someone still uses is never freed; frees of those objects
 * keep working. Every other page goes back: the spans' chunks give their
 * free pages to the buddy allocator one by one when nothing else uses
 * them.
 *
 * Context: process context, may sleep.
 */
void goslab_cache_destroy(struct goslab_cache *cache)
{
	unsigned long live, spans;

	if (!cache)
		return;
	might_sleep();
	/*
	 * Objects queued by goslab_kfree_rcu() are still allocated until their
	 * callbacks run: wait for them, as kmem_cache_destroy() does.
	 */
	rcu_barrier();
	cpus_read_lock();
	mutex_lock(&goslab_caches_mutex);
	spans = cache_flush(cache);
	if (spans) {
		live = cache_live(cache);
		WRITE_ONCE(cache->dead, true);
		mutex_unlock(&goslab_caches_mutex);
		cpus_read_unlock();
		goslab_heaps_trim(span_kept);
		pr_err("cache '%s' destroyed with %lu objects still allocated: %lu pages kept\n",
		       cache->name, live, spans * cache->npages);
		goslab_report(GOSLAB_BAD_DESTROY_LIVE, cache->name, NULL,
			      _RET_IP_);
		return;
	}
	list_del(&cache->list);
	mutex_unlock(&goslab_caches_mutex);
	cpus_read_unlock();
	/* Spans of a TYPESAFE_BY_RCU cache go back after a grace period. */
	rcu_barrier();
	cache_free(cache);
}
EXPORT_SYMBOL_GPL(goslab_cache_destroy);

/**
 * goslab_cache_size() - usable bytes of each object of a cache
 * @cache: cache
 *
 * Return: the size the cache was created with, as kmem_cache_size(); its
 * slots may be larger, but under KASAN the bytes past this size are a red
 * zone.
 */
unsigned int goslab_cache_size(struct goslab_cache *cache)
{
	return cache ? cache->size : 0;
}
EXPORT_SYMBOL_GPL(goslab_cache_size);

/* The spans of a cache that stay after unload: their size records go. */
static void cache_forget_spans(struct goslab_cache *c)
{
	struct list_head *lists[3];
	struct goslab_span *s;
	unsigned int i;
	int nid;

	for_each_node(nid) {
		struct goslab_central *cen = c->centrals[nid];

		if (!cen)
			continue;
		lists[0] = &cen->partial;
		lists[1] = &cen->full;
		lists[2] = &cen->pending;
		for (i = 0; i < ARRAY_SIZE(lists); i++)
			list_for_each_entry(s, lists[i], list)
				goslab_waste_span_release(s);
	}
}

/**
 * goslab_caches_exit() - at module exit, free every cache destroyed while
 * it still had objects
 *
 * Nothing can free their objects once goslab is gone: each cache that
 * still has some is named, with the pages its spans keep, and its structs
 * are freed. The heaps keep only those spans' pages (goslab_heaps_exit()).
 *
 * Return: the pages of those spans.
 */
unsigned long goslab_caches_exit(void)
{
	struct goslab_cache *c, *tmp;
	unsigned long spans, pages = 0;

	cpus_read_lock();
	mutex_lock(&goslab_caches_mutex);
	list_for_each_entry_safe(c, tmp, &goslab_caches, list) {
		if (!c->dead)
			continue;
		spans = cache_flush(c);
		if (spans) {
			pr_err("cache '%s': %lu objects stay allocated after unload, %lu pages\n",
			       c->name, cache_live(c), spans * c->npages);
			pages += spans * c->npages;
			cache_forget_spans(c);
		}
		list_del(&c->list);
		cache_free(c);
	}
	mutex_unlock(&goslab_caches_mutex);
	cpus_read_unlock();
	return pages;
}

#ifdef GOSLAB_KUNIT
#include "tests/misuse-kunit.h"
#endif

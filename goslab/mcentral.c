// SPDX-License-Identifier: GPL-2.0
/*
 * goslab central lists: Go's mcentral (mcentral.go), one per cache and node.
 *
 * A central holds the spans no CPU is using: partial ones (free slots after
 * their last sweep), full ones, and ones with frees not yet swept. CPUs take
 * whole spans from it (cacheSpan) and give them back (uncacheSpan), so its
 * lock is taken once per span, not once per object.
 *
 * A free does not take the central lock, except when it is the first free
 * into a span that sits on the full list (the span must become findable) or
 * when it may have emptied a span. An empty span goes back to the heap,
 * unless the central has fewer partial spans than the cache's min_partial:
 * then it stays on the partial list for the next refill, as SLUB keeps
 * min_partial empty slabs per node, until a shrink releases it.
 *
 * Locks: c->lock, then the span's own lock (s->lock) inside it for every
 * sweep, every state change and every read of a span's pending frees, so
 * that frees, which take only s->lock, see each span before or after such a
 * step (Documentation/free-protocol.rst).
 *
 * Overview: Documentation/design.rst.
 */
#include "internal.h"

/* Count @s in (@d = 1) or out of (@d = -1) the list its state names. */
static void span_count(struct goslab_central *c, struct goslab_span *s,
		       long d)
{
	if (s->state == GOSLAB_SPAN_FULL)
		c->nfull += d;
	else if (s->state == GOSLAB_SPAN_PARTIAL)
		c->npartial += d;
}

static struct list_head *span_list(struct goslab_central *c,
				   enum goslab_span_state state)
{
	switch (state) {
	case GOSLAB_SPAN_PARTIAL:
		return &c->partial;
	case GOSLAB_SPAN_FULL:
		return &c->full;
	default:
		return &c->pending;
	}
}

/* Move a listed span to the list of @state. */
static void span_set_list(struct goslab_central *c, struct goslab_span *s,
			  enum goslab_span_state state)
{
	lockdep_assert_held(&c->lock);
	lockdep_assert_held(&s->lock);
	span_count(c, s, -1);
	WRITE_ONCE(s->state, state);
	span_count(c, s, 1);
	list_move_tail(&s->list, span_list(c, state));
}

/* Put a span on no list (cached or new) on the list of @state. */
static void span_list_add(struct goslab_central *c, struct goslab_span *s,
			  enum goslab_span_state state)
{
	lockdep_assert_held(&c->lock);
	lockdep_assert_held(&s->lock);
	WRITE_ONCE(s->state, state);
	span_count(c, s, 1);
	list_add_tail(&s->list, span_list(c, state));
}

/* Take a listed span off its list, into @state (CACHED or FREE). */
static void span_unlist(struct goslab_central *c, struct goslab_span *s,
			enum goslab_span_state state)
{
	lockdep_assert_held(&c->lock);
	lockdep_assert_held(&s->lock);
	span_count(c, s, -1);
	list_del_init(&s->list);
	WRITE_ONCE(s->state, state);
}

/* The list a span with no CPU belongs on, by its counts. */
static enum goslab_span_state span_listed_state(struct goslab_span *s)
{
	lockdep_assert_held(&s->lock);
	if (s->alloc_count < s->nelems)
		return GOSLAB_SPAN_PARTIAL;
	return s->pending ? GOSLAB_SPAN_PENDING : GOSLAB_SPAN_FULL;
}

/* A span's pages stop being slab memory and go back to the heap. */
static void span_free(struct goslab_span *s)
{
	goslab_span_account(s, s->cache->flags & SLAB_RECLAIM_ACCOUNT, -1);
	goslab_span_retire(s);
	goslab_span_free(s);
}

static void span_release_rcu(struct rcu_head *head)
{
	span_free(container_of(head, struct goslab_span, rcu));
}

/*
 * Give an empty span back to the heap. Called without c->lock, once the
 * span is FREE: a late free of one of its objects sees that under s->lock
 * and is refused.
 */
static void span_release(struct goslab_central *c, struct goslab_span *s)
{
	goslab_stat(c->cache, GOSLAB_SPAN_RELEASE);
	goslab_waste_span_release(s);
	/* Type-stable memory: readers may look at it until a grace period. */
	if (c->cache->flags & SLAB_TYPESAFE_BY_RCU)
		call_rcu(&s->rcu, span_release_rcu);
	else
		span_free(s);
}

/* Sweep @s under s->lock, counted. */
static void span_sweep(struct goslab_central *c, struct goslab_span *s)
{
	lockdep_assert_held(&s->lock);
	goslab_span_sweep(s);
	goslab_stat(c->cache, GOSLAB_SWEEP);
}

/*
 * Sweep a listed span and, if it is empty, take it off (state FREE), unless
 * @keep and the central is short of partial spans. Returns true if the
 * caller must release it.
 */
static bool span_sweep_listed(struct goslab_central *c, struct goslab_span *s,
			      bool keep)
{
	unsigned long others;
	bool release = false;

	lockdep_assert_held(&c->lock);
	spin_lock(&s->lock);
	if (!s->pending && s->alloc_count)
		goto out;
	span_sweep(c, s);
	/* The central's other partial spans: is it short of them? */
	others = c->npartial - (s->state == GOSLAB_SPAN_PARTIAL ? 1 : 0);
	if (!s->alloc_count && !(keep && others < c->cache->min_partial)) {
		span_unlist(c, s, GOSLAB_SPAN_FREE);
		c->nspans--;
		release = true;
	} else {
		span_set_list(c, s, span_listed_state(s));
	}
out:
	spin_unlock(&s->lock);
	return release;
}

/*
 * A listed span with a free slot, swept; or NULL. A free may come in once
 * s->lock is dropped: it only adds free slots.
 */
static struct goslab_span *central_find(struct goslab_central *c)
{
	struct goslab_span *s;
	bool found;

	lockdep_assert_held(&c->lock);
	s = list_first_entry_or_null(&c->partial, struct goslab_span, list);
	if (s) {
		spin_lock(&s->lock);
		if (s->pending)
			span_sweep(c, s);
		spin_unlock(&s->lock);
		return s;
	}
	while ((s = list_first_entry_or_null(&c->pending, struct goslab_span,
					     list))) {
		spin_lock(&s->lock);
		span_sweep(c, s);
		found = s->alloc_count < s->nelems;
		/* Nothing was really freed: it is full after all. */
		if (!found)
			span_set_list(c, s, GOSLAB_SPAN_FULL);
		spin_unlock(&s->lock);
		if (found)
			return s;
	}
	return NULL;
}

/* A new span from the heap, ready for objects, on no list, state FREE. */
static struct goslab_span *central_grow(struct goslab_central *c, gfp_t gfp)
{
	struct goslab_cache *cache = c->cache;
	struct goslab_span *s;
	unsigned long flags;

	s = goslab_span_alloc(c->heap, cache->npages, gfp);
	if (!s)
		return NULL;
	s->cache = cache;
	s->central = c;
	goslab_span_init_objects(s, cache->elemsize, cache->nelems,
				 cache->divmul);
	goslab_span_prepare(cache, s);
	goslab_waste_span_init(cache, s, gfp);
	goslab_span_account(s, cache->flags & SLAB_RECLAIM_ACCOUNT, 1);
	goslab_stat(cache, GOSLAB_SPAN_NEW);
	spin_lock_irqsave(&c->lock, flags);
	c->nspans++;
	spin_unlock_irqrestore(&c->lock, flags);
	return s;
}

/**
 * goslab_central_cache_span() - Go's cacheSpan: a span for a CPU's mcache
 * @c: central
 * @gfp: what the caller allows, if the heap must grow
 *
 * Return: a span in state CACHED with at least one free slot, or NULL.
 */
struct goslab_span *goslab_central_cache_span(struct goslab_central *c, gfp_t gfp)
{
	struct goslab_span *s;
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	s = central_find(c);
	if (s) {
		spin_lock(&s->lock);
		span_unlist(c, s, GOSLAB_SPAN_CACHED);
		spin_unlock(&s->lock);
	}
	spin_unlock_irqrestore(&c->lock, flags);
	if (s)
		return s;
	s = central_grow(c, gfp);
	if (s) {
		spin_lock_irqsave(&s->lock, flags);
		WRITE_ONCE(s->state, GOSLAB_SPAN_CACHED);
		spin_unlock_irqrestore(&s->lock, flags);
	}
	return s;
}

/**
 * goslab_central_uncache_span() - Go's uncacheSpan: a CPU gives a span back
 * @c: the span's central
 * @s: span in state CACHED, no longer reachable from any mcache
 */
void goslab_central_uncache_span(struct goslab_central *c,
				 struct goslab_span *s)
{
	unsigned long flags;
	bool release;

	spin_lock_irqsave(&c->lock, flags);
	/*
	 * Under s->lock: a free either saw CACHED, left the span to its CPU
	 * and counted its pending free before this, or waits and sees the
	 * span listed and tells the central.
	 */
	spin_lock(&s->lock);
	span_list_add(c, s, span_listed_state(s));
	spin_unlock(&s->lock);
	release = span_sweep_listed(c, s, true);
	spin_unlock_irqrestore(&c->lock, flags);
	if (release)
		span_release(c, s);
}

/**
 * goslab_central_alloc() - one object straight from a central
 * @c: central
 * @gfp: what the caller allows
 *
 * For allocations on a node other than the CPU's, which must not disturb
 * the CPU's own span.
 *
 * Return: the object, or NULL.
 */
void *goslab_central_alloc(struct goslab_central *c, gfp_t gfp)
{
	struct goslab_span *s, *fresh = NULL;
	unsigned long flags;
	unsigned int idx;

again:
	spin_lock_irqsave(&c->lock, flags);
	s = central_find(c);
	if (!s && !fresh) {
		spin_unlock_irqrestore(&c->lock, flags);
		fresh = central_grow(c, gfp);
		if (!fresh)
			return NULL;
		goto again;
	}
	if (fresh) {
		/* Listed either way: the one allocated from, or a spare. */
		spin_lock(&fresh->lock);
		span_list_add(c, fresh, GOSLAB_SPAN_PARTIAL);
		spin_unlock(&fresh->lock);
		if (!s)
			s = fresh;
	}
	spin_lock(&s->lock);
	idx = goslab_span_next_free(s);
	if (s->alloc_count >= s->nelems)
		span_set_list(c, s, span_listed_state(s));
	spin_unlock(&s->lock);
	spin_unlock_irqrestore(&c->lock, flags);
	return goslab_span_obj(s, idx);
}

/**
 * goslab_central_note_free() - a free that may change a span's list
 * @s: span of small objects; perhaps released since the free dropped
 *	s->lock, but not reused: the caller has had interrupts off since it
 *	looked the span up (the RCU grace period of goslab_span_free())
 *
 * A full span with its first pending free moves to the pending list; a
 * span whose every object is now free goes back to the heap, or stays as
 * one of the central's min_partial spans. A span that went to a CPU or
 * back to the heap meanwhile is left alone.
 */
void goslab_central_note_free(struct goslab_span *s)
{
	struct goslab_central *c = s->central;
	bool release = false, empty = false;
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	spin_lock(&s->lock);
	switch (s->state) {
	case GOSLAB_SPAN_FULL:
		span_set_list(c, s, GOSLAB_SPAN_PENDING);
		fallthrough;
	case GOSLAB_SPAN_PARTIAL:
	case GOSLAB_SPAN_PENDING:
		empty = s->pending >= s->alloc_count;
		break;
	default:
		break;
	}
	spin_unlock(&s->lock);
	if (empty)
		release = span_sweep_listed(c, s, true);
	spin_unlock_irqrestore(&c->lock, flags);
	if (release)
		span_release(c, s);
}

/**
 * goslab_central_shrink() - sweep every listed span, release every empty one
 * @c: central
 *
 * Return: spans released.
 */
unsigned long goslab_central_shrink(struct goslab_central *c)
{
	struct goslab_span *s, *tmp;
	unsigned long flags, n = 0;
	LIST_HEAD(gone);

	spin_lock_irqsave(&c->lock, flags);
	/* A swept span moves to the list it belongs on, or is taken off. */
	list_for_each_entry_safe(s, tmp, &c->pending, list)
		if (span_sweep_listed(c, s, false))
			list_add(&s->list, &gone);
	list_for_each_entry_safe(s, tmp, &c->partial, list)
		if (span_sweep_listed(c, s, false))
			list_add(&s->list, &gone);
	spin_unlock_irqrestore(&c->lock, flags);
	list_for_each_entry_safe(s, tmp, &gone, list) {
		list_del(&s->list);
		span_release(c, s);
		n++;
	}
	return n;
}

void goslab_central_init(struct goslab_central *c, struct goslab_cache *cache,
			 struct goslab_heap *h)
{
	spin_lock_init(&c->lock);
	INIT_LIST_HEAD(&c->partial);
	INIT_LIST_HEAD(&c->full);
	INIT_LIST_HEAD(&c->pending);
	c->heap = h;
	c->cache = cache;
	c->nid = h->nid;
	c->nspans = 0;
	c->nfull = 0;
	c->npartial = 0;
}

#ifdef GOSLAB_KUNIT
#include "tests/mcentral-kunit.h"
#endif

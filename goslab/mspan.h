/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goslab spans: Go's mspan and its object bookkeeping (mbitmap.go,
 * mgcsweep.go). The algorithms in mspan.c use only this header and
 * <linux/types.h>-level primitives (bit operations, atomics, READ_ONCE), so
 * tests/fuzz/ builds them unchanged in user space.
 *
 * Overview: Documentation/design.rst.
 */
#ifndef _GOSLAB_MSPAN_H
#define _GOSLAB_MSPAN_H

#include <linux/types.h>
#include <linux/bitops.h>
#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/spinlock_types.h>

#include "sizeclasses.h"

struct goslab_cache;
struct goslab_central;
struct goslab_heap;
struct goslab_chunk;

enum goslab_span_state {
	GOSLAB_SPAN_FREE,	/* in fixalloc, pages returned */
	GOSLAB_SPAN_CACHED,	/* current span of one CPU's mcache */
	GOSLAB_SPAN_PARTIAL,	/* in central->partial: free slots */
	GOSLAB_SPAN_FULL,	/* in central->full: no free slot, no pending free */
	GOSLAB_SPAN_PENDING,	/* in central->pending: frees not yet swept */
	GOSLAB_SPAN_LARGE,	/* one large object */
	GOSLAB_SPAN_STACK,	/* one large stack (stackLarge) */
	GOSLAB_SPAN_STACK_FREE,	/* a large stack span in the stackLarge pool */
};

/* Does a span in @state hold small objects (of its cache)? */
static __always_inline bool goslab_span_holds_objects(u8 state)
{
	return state == GOSLAB_SPAN_CACHED || state == GOSLAB_SPAN_PARTIAL ||
	       state == GOSLAB_SPAN_FULL || state == GOSLAB_SPAN_PENDING;
}

#define GOSLAB_SPAN_WORDS	BITS_TO_LONGS(GOSLAB_MAX_OBJS_PER_SPAN)

/**
 * struct goslab_span - Go's mspan: a run of pages, cut into objects of one
 * size or holding one large object
 * @next_free: fixalloc free-list link; nothing else uses it.
 * @lock: the span lock (taken with interrupts off, innermost of goslab's
 *	locks but the hooks' own): every free's liveness check and the bits it sets,
 *	@pending, every sweep, every @state change of a span of small objects.
 *	See Documentation/free-protocol.rst.
 * @list: in one of the central's lists; central->lock.
 * @base: address of the first page.
 * @pfn: first page frame.
 * @npages: pages in the span.
 * @state: enum goslab_span_state; for small objects changed under @lock
 *	(and central->lock when listed); large spans change it by cmpxchg.
 *	Read locklessly only to pick a free path; decisions re-read it under
 *	@lock.
 * @nelems: objects in the span.
 * @elemsize: bytes per object slot.
 * @divmul: object index = (offset * divmul) >> 32; 0 means divide.
 * @freeindex: next slot to look at for a free one (Go's freeindex); the
 *	owner moves it forward without a lock, only @lock holders move it
 *	back (step back, sweep).
 * @alloc_count: slots not free as of the last sweep plus slots handed out
 *	since; owner, and @lock holders.
 * @alloc_cache: complement of @alloc_bits from @freeindex on (Go's
 *	allocCache): bit set = free; owner.
 * @pending: frees recorded in @free_bits and not yet swept; @lock.
 * @cache: cache the span serves (NULL for large spans).
 * @central: central list the span belongs to.
 * @heap: heap the pages came from.
 * @chunk: chunk the pages are in.
 * @size: requested size of a large object or stack.
 * @rcu: to delay the release of SLAB_TYPESAFE_BY_RCU spans.
 * @reqsize: size each object asked for, 0 if not recorded, for the live
 *	waste of kmalloc caches; NULL if not recorded (see stats.c).
 * @alloc_bits: set = slot allocated as of the last sweep; written by the
 *	sweep under @lock, read by the owner and by frees under @lock.
 * @free_bits: set = slot freed since the last sweep; @lock.
 *
 * "Owner" is the CPU context whose mcache holds the span (preemption off) or,
 * for a span in a central list, whoever holds central->lock. The owner
 * hands slots out with no lock: that only ever turns free slots live. Every
 * change the other way, and every check of it, is made under @lock.
 */
struct goslab_span {
	struct goslab_span *next_free;
	spinlock_t lock;		/* see @lock above */
	struct list_head list;
	void *base;
	unsigned long pfn;
	unsigned int npages;
	u8 state;
	u16 nelems;
	u32 elemsize;
	u32 divmul;
	u16 freeindex;
	u16 alloc_count;
	u64 alloc_cache;
	unsigned int pending;
	struct goslab_cache *cache;
	struct goslab_central *central;
	struct goslab_heap *heap;
	struct goslab_chunk *chunk;
	size_t size;
	struct rcu_head rcu;
	u16 *reqsize;
	unsigned long alloc_bits[GOSLAB_SPAN_WORDS];
	unsigned long free_bits[GOSLAB_SPAN_WORDS];
};

void goslab_span_init_objects(struct goslab_span *s, u32 elemsize,
			      u16 nelems, u32 divmul);
unsigned int goslab_span_next_free(struct goslab_span *s);
unsigned int goslab_span_sweep(struct goslab_span *s);
unsigned int goslab_span_live_count(struct goslab_span *s);

static inline void *goslab_span_obj(struct goslab_span *s, unsigned int idx)
{
	return s->base + (size_t)idx * s->elemsize;
}

/*
 * Go's nextFreeFast: the next free slot from the 64-bit allocCache alone,
 * or -1 when the slow scan (goslab_span_next_free) is needed.
 */
static __always_inline int goslab_span_next_free_fast(struct goslab_span *s)
{
	unsigned int bit, result, freeidx;

	if (!s->alloc_cache)
		return -1;
	bit = __ffs64(s->alloc_cache);
	result = s->freeindex + bit;
	if (result >= s->nelems)
		return -1;
	freeidx = result + 1;
	if (freeidx % 64 == 0 && freeidx != s->nelems)
		return -1;
	s->alloc_cache = bit == 63 ? 0 : s->alloc_cache >> (bit + 1);
	WRITE_ONCE(s->freeindex, freeidx);
	s->alloc_count++;
	return result;
}

/**
 * goslab_span_take_fast() - nextFreeFast, up to @nr times, in one pass
 * @s: span; the caller owns it
 * @objs: where the objects go, in slot order
 * @nr: objects wanted
 *
 * Takes exactly the slots that @nr calls of goslab_span_next_free_fast()
 * would, and leaves the span as they would, but writes freeindex and
 * allocCache once: each slot is allocCache's lowest set bit, cleared as it
 * is taken. It stops where nextFreeFast does: past the span's last slot,
 * and at the last slot of allocCache's 64-slot word unless that is the
 * span's last (taking it would leave allocCache to be reloaded by
 * goslab_span_next_free()).
 *
 * Return: objects taken, 0 when the slow scan is needed.
 */
static __always_inline unsigned int goslab_span_take_fast(struct goslab_span *s,
							  void **objs,
							  unsigned int nr)
{
	unsigned int fi = s->freeindex, end = (fi | 63) + 1, limit, n = 0;
	u64 cache = s->alloc_cache;
	unsigned int idx, next = fi, step;

	limit = end == s->nelems ? end : min_t(unsigned int, end - 1, s->nelems);
	/* Only the slots below @limit may be taken: bit k is slot fi + k. */
	if (limit - fi < 64)
		cache &= (1ULL << (limit - fi)) - 1;
	while (n < nr && cache) {
		idx = fi + __ffs64(cache);
		objs[n++] = s->base + (size_t)idx * s->elemsize;
		cache &= cache - 1;
		next = idx + 1;
	}
	if (!n)
		return 0;
	/*
	 * allocCache starts at the new freeindex, one past the last taken:
	 * every free slot below it was taken, lowest first.
	 */
	step = next - fi;
	s->alloc_cache = step >= 64 ? 0 : s->alloc_cache >> step;
	s->alloc_count += n;
	WRITE_ONCE(s->freeindex, next);
	return n;
}

/*
 * The slot at offset @off of a span of @bytes bytes of slots of @size
 * bytes, with Go's divMagic @divmul (0: divide): the index; -EFAULT past
 * the last slot; -EINVAL inside a slot.
 */
static __always_inline int goslab_obj_index(unsigned long off,
					    unsigned long bytes, u32 size,
					    u32 divmul)
{
	unsigned long idx;

	if (off >= bytes)
		return -EFAULT;
	if (divmul)
		idx = ((u64)off * divmul) >> 32;
	else
		idx = off / size;
	if (idx * size != off)
		return -EINVAL;
	return idx;
}

/**
 * goslab_span_obj_index() - the slot an address is the start of
 * @s: span of small objects
 * @p: address inside the span
 *
 * Return: the index; -EFAULT past the last object; -EINVAL for an
 * address inside an object.
 */
static __always_inline int goslab_span_obj_index(struct goslab_span *s,
						 const void *p)
{
	return goslab_obj_index(p - s->base,
				(unsigned long)s->nelems * s->elemsize,
				s->elemsize, s->divmul);
}

/*
 * goslab_span_obj_live() with freeindex @fi: the span's own, or that of a
 * run of step backs not written yet (struct goslab_unalloc_run).
 */
static __always_inline bool goslab_span_obj_live_at(struct goslab_span *s,
						    unsigned int idx,
						    unsigned int fi)
{
	if (idx >= fi && !test_bit(idx, s->alloc_bits))
		return false;
	return !test_bit(idx, s->free_bits);
}

/**
 * goslab_span_obj_live() - is a slot allocated right now?
 * @s: span of small objects; the caller holds s->lock
 * @idx: slot
 *
 * A slot is live if it was allocated at the last sweep or handed out since,
 * and not freed since. The owner may hand slots out meanwhile (freeindex
 * only grows without the lock): a slot it has not handed out yet reads as
 * free, which is what it was when this was called.
 *
 * Return: true if live.
 */
static __always_inline bool goslab_span_obj_live(struct goslab_span *s,
						 unsigned int idx)
{
	return goslab_span_obj_live_at(s, idx, READ_ONCE(s->freeindex));
}

/*
 * Record the free of live slot @idx for the next sweep. The caller holds
 * s->lock. Returns the pending frees after this one.
 */
static __always_inline unsigned int goslab_span_mark_free(struct goslab_span *s,
							  unsigned int idx)
{
	__set_bit(idx, s->free_bits);
	return ++s->pending;
}

/**
 * struct goslab_unalloc_run - step backs of one hold of s->lock
 * @fi: freeindex as stepped back so far.
 * @cache: allocCache as stepped back so far.
 * @n: slots stepped back.
 *
 * A bulk free steps back over many slots of its own span in a row: it keeps
 * freeindex and allocCache here and writes them once, at
 * goslab_span_unalloc_end(). Until then the span's own freeindex is stale:
 * liveness must be read with goslab_span_obj_live_at(s, idx, @fi).
 */
struct goslab_unalloc_run {
	unsigned int fi;
	unsigned int n;
	u64 cache;
};

static __always_inline void goslab_span_unalloc_begin(struct goslab_span *s,
						      struct goslab_unalloc_run *r)
{
	r->fi = s->freeindex;
	r->cache = s->alloc_cache;
	r->n = 0;
}

/* goslab_span_unalloc() within a run: see there. */
static __always_inline bool goslab_span_unalloc_next(struct goslab_span *s,
						     struct goslab_unalloc_run *r,
						     unsigned int idx)
{
	if (idx + 1 != r->fi || !(r->fi % 64))
		return false;
	/* Live since the last sweep: free from now on, as for a sweep. */
	if (test_bit(idx, s->alloc_bits))
		__clear_bit(idx, s->alloc_bits);
	/* allocCache covers the slots from freeindex to the word's end. */
	r->cache = (r->cache << 1) | 1;
	r->fi = idx;
	r->n++;
	return true;
}

static __always_inline void goslab_span_unalloc_end(struct goslab_span *s,
						    struct goslab_unalloc_run *r)
{
	if (!r->n)
		return;
	s->alloc_cache = r->cache;
	s->alloc_count -= r->n;
	WRITE_ONCE(s->freeindex, r->fi);
}

/*
 * Give back the slot just below freeindex, which the caller is freeing
 * (it is live, checked under s->lock, which the caller holds): freeindex
 * steps back over it and allocCache gets its bit, so it is the next slot
 * handed out. The owner only. Not at a 64-slot word boundary, where
 * allocCache was reloaded. Returns true if done; false if the free must
 * go through free_bits.
 */
static inline bool goslab_span_unalloc(struct goslab_span *s, unsigned int idx)
{
	struct goslab_unalloc_run r;

	goslab_span_unalloc_begin(s, &r);
	if (!goslab_span_unalloc_next(s, &r, idx))
		return false;
	goslab_span_unalloc_end(s, &r);
	return true;
}

#endif /* _GOSLAB_MSPAN_H */

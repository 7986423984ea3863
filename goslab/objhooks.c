// SPDX-License-Identifier: GPL-2.0
/*
 * goslab object hooks: zeroing (init_on_alloc, init_on_free), poison and
 * red zones (SLAB_POISON, SLAB_RED_ZONE), the KASAN shadow of every slot,
 * kmemleak, and the preparation of a new span's objects (constructor, red
 * zones, poison, shadow). The central and the caches call these as a
 * service below them; what they find wrong goes to report.c. Overview:
 * Documentation/design.rst.
 */
#include <linux/kasan.h>
#include <linux/kmemleak.h>
#include <linux/string.h>

#include "internal.h"

#define POISON_BYTE_FREE	0x6b
#define POISON_BYTE_END		0xa5
#define REDZONE_BYTE		0xbb

/* === Poison and red zone === */

static void poison_fill(struct goslab_cache *c, void *obj)
{
	memset(obj, POISON_BYTE_FREE, c->object_size - 1);
	((u8 *)obj)[c->object_size - 1] = POISON_BYTE_END;
}

static bool poison_intact(struct goslab_cache *c, const void *obj)
{
	const u8 *p = obj;

	if (p[c->object_size - 1] != POISON_BYTE_END)
		return false;
	return !memchr_inv(p, POISON_BYTE_FREE, c->object_size - 1);
}

static void redzone_fill(struct goslab_cache *c, void *obj)
{
	memset(obj + c->object_size, REDZONE_BYTE,
	       c->elemsize - c->object_size);
}

static bool redzone_intact(struct goslab_cache *c, const void *obj)
{
	return !memchr_inv(obj + c->object_size, REDZONE_BYTE,
			   c->elemsize - c->object_size);
}

/* === KASAN shadow (generic mode) === */

#ifdef CONFIG_KASAN_GENERIC
/*
 * The shadow is written with __memset(), which KASAN does not instrument:
 * the shadow has no shadow of its own. @addr is granule aligned (slots are
 * 8-byte aligned); a partial last granule is poisoned whole.
 */
void goslab_kasan_poison(const void *addr, size_t size, u8 value)
{
	size_t n = DIV_ROUND_UP(size, 1UL << KASAN_SHADOW_SCALE_SHIFT);

	if (n)
		__memset(kasan_mem_to_shadow(addr), value, n);
}

void goslab_kasan_unpoison(const void *addr, size_t size)
{
	size_t mask = (1UL << KASAN_SHADOW_SCALE_SHIFT) - 1;
	u8 *shadow = kasan_mem_to_shadow(addr);

	__memset(shadow, 0, size >> KASAN_SHADOW_SCALE_SHIFT);
	/* Generic mode: a partial granule holds its count of valid bytes. */
	if (size & mask)
		__memset(shadow + (size >> KASAN_SHADOW_SCALE_SHIFT),
			 size & mask, 1);
}
#endif

/* === Spans === */

/**
 * goslab_span_prepare() - a new span's objects, before first use
 * @c: cache
 * @s: span, initialised for objects
 *
 * Runs the constructor once per object (as SLUB does per new slab), lays
 * down red zones and poison, and marks every slot free for KASAN.
 */
void goslab_span_prepare(struct goslab_cache *c, struct goslab_span *s)
{
	size_t bytes = (size_t)s->npages << PAGE_SHIFT;
	size_t used = (size_t)s->nelems * s->elemsize;
	unsigned int i;

	/* The pages may still carry the shadow of their last use. */
	goslab_kasan_unpoison(s->base, bytes);
	if (c->ctor || (c->flags & (SLAB_RED_ZONE | SLAB_POISON))) {
		for (i = 0; i < s->nelems; i++) {
			void *obj = goslab_span_obj(s, i);

			if (c->flags & SLAB_RED_ZONE)
				redzone_fill(c, obj);
			if (c->flags & SLAB_POISON)
				poison_fill(c, obj);
			if (c->ctor)
				c->ctor(obj);
		}
	}
	goslab_kasan_poison(s->base, used, GOSLAB_KASAN_FREE);
	goslab_kasan_poison(s->base + used, bytes - used, GOSLAB_KASAN_REDZONE);
}

/**
 * goslab_span_retire() - an empty span's pages go back to the heap
 * @s: span
 *
 * Until its pages are used again, every access is a use after free.
 */
void goslab_span_retire(struct goslab_span *s)
{
	goslab_kasan_poison(s->base, (size_t)s->npages << PAGE_SHIFT,
			    GOSLAB_KASAN_FREE);
}

/* === Allocation === */

/**
 * goslab_poison_check() - was a SLAB_POISON object written while free?
 * @c: its cache
 * @obj: the object being handed out
 * @caller: for the report
 *
 * Reports a write after free and lays the poison down again.
 */
noinline void goslab_poison_check(struct goslab_cache *c, void *obj,
				  unsigned long caller)
{
	if (!poison_intact(c, obj)) {
		goslab_report(GOSLAB_BAD_POISON, c->name, obj, caller);
		poison_fill(c, obj);
	}
}

/**
 * goslab_obj_alloc_hook() - what every allocated object goes through
 * @c: cache (NULL for large objects and large stacks)
 * @obj: the object
 * @req: bytes the caller asked for; KASAN lets it use no more
 * @slot: bytes of the object's slot (the span, for large objects)
 * @gfp: the caller's flags
 * @caller: the caller, for reports
 *
 * Checks the poison of a SLAB_POISON object, zeroes as __GFP_ZERO and
 * init_on_alloc ask (the usable size: ksize() may be used), registers the
 * object with kmemleak and opens it to KASAN.
 */
void goslab_obj_alloc_hook(struct goslab_cache *c, void *obj, size_t req,
			   size_t slot, gfp_t gfp, unsigned long caller)
{
	__goslab_obj_alloc_hook(c, obj, req, slot, gfp, caller);
}

/* === Free === */

/**
 * goslab_obj_free_hook() - a large object or large stack being freed
 * @obj: its memory
 * @slot: bytes it spans
 * @wipe: zero it (init_on_free)
 *
 * Small objects go through goslab_small_free_hook().
 */
void goslab_obj_free_hook(void *obj, size_t slot, bool wipe)
{
	kmemleak_free(obj);
	if (wipe) {
		goslab_kasan_unpoison(obj, slot);
		memset(obj, 0, slot);
	}
	goslab_kasan_poison(obj, slot, GOSLAB_KASAN_FREE);
}

/**
 * goslab_small_free_hook() - the per-object work of a free of a small object
 * @c: its cache
 * @obj: the object, checked live
 * @caller: for reports
 *
 * KASAN, the red zone, kmemleak, poison or wipe. Out of line: a cache
 * without debug flags on a kernel without KASAN, kmemleak and init_on_free
 * needs none of it (goslab_want_free_hook()). Under s->lock, so that it runs
 * once per object even if two frees race.
 */
noinline void goslab_small_free_hook(struct goslab_cache *c, void *obj,
				     unsigned long caller)
{
	/* goslab's own checks and fills below read and write the whole slot. */
	goslab_kasan_unpoison(obj, c->elemsize);
	if ((c->flags & SLAB_RED_ZONE) && !redzone_intact(c, obj)) {
		/* The object itself is sound: report, repair, free. */
		goslab_report(GOSLAB_BAD_REDZONE, c->name, obj, caller);
		redzone_fill(c, obj);
	}
	kmemleak_free(obj);
	if (c->flags & SLAB_POISON)
		poison_fill(c, obj);
	else if (goslab_want_wipe(c))
		memset(obj, 0, c->size);
	/* RCU readers may still look at a type-stable object. */
	if (!(c->flags & SLAB_TYPESAFE_BY_RCU))
		goslab_kasan_poison(obj, c->elemsize, GOSLAB_KASAN_FREE);
}

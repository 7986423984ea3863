/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goslab object hooks (objhooks.c): what every object goes through on its
 * way out and back in beside the bookkeeping: init_on_alloc/init_on_free,
 * poison, red zone, KASAN shadow, kmemleak, and a new span's preparation.
 * A service below the central and the caches. Overview:
 * Documentation/design.rst. Included through internal.h.
 */
#ifndef _GOSLAB_OBJHOOKS_H
#define _GOSLAB_OBJHOOKS_H

#include <linux/kmemleak.h>
#include <linux/mm.h>
#include <linux/slab.h>

/*
 * KASAN (generic mode): goslab keeps the shadow of its objects as SLUB
 * does. A free slot is KASAN_SLAB_FREE, the bytes of a slot past what the
 * caller asked for and a span's tail are KASAN_SLAB_REDZONE; a live object
 * is valid up to the size requested. The values are those of
 * mm/kasan/kasan.h, so reports name the bug as they do for SLUB objects.
 * Without CONFIG_KASAN_GENERIC all of this compiles to nothing.
 */
#define GOSLAB_KASAN_FREE	0xfb
#define GOSLAB_KASAN_REDZONE	0xfc

#ifdef CONFIG_KASAN_GENERIC
void goslab_kasan_poison(const void *addr, size_t size, u8 value);
void goslab_kasan_unpoison(const void *addr, size_t size);
#else
static inline void goslab_kasan_poison(const void *addr, size_t size,
				       u8 value) { }
static inline void goslab_kasan_unpoison(const void *addr, size_t size) { }
#endif

/* Zero an object being handed out (__GFP_ZERO, init_on_alloc)? */
static __always_inline bool goslab_want_zero(struct goslab_cache *c, gfp_t gfp)
{
	if (gfp & __GFP_ZERO)
		return true;
	if (!want_init_on_alloc(gfp))
		return false;
	/* As SLUB: constructed and type-stable objects keep their contents. */
	return !c->ctor && !(c->flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON));
}

/* Zero an object being freed (init_on_free)? */
static __always_inline bool goslab_want_wipe(struct goslab_cache *c)
{
	return want_init_on_free() && !c->ctor &&
	       !(c->flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON));
}

/* A live object is valid for @req bytes; the rest of its slot is not. */
static __always_inline void goslab_kasan_alloc(void *obj, size_t req,
					       size_t slot)
{
	if (IS_ENABLED(CONFIG_KASAN_GENERIC)) {
		goslab_kasan_poison(obj, slot, GOSLAB_KASAN_REDZONE);
		goslab_kasan_unpoison(obj, req);
	}
}

void goslab_poison_check(struct goslab_cache *c, void *obj,
			 unsigned long caller);

/* goslab_obj_alloc_hook(), inline for the caches' own fast path. */
static __always_inline void __goslab_obj_alloc_hook(struct goslab_cache *c,
						    void *obj, size_t req,
						    size_t slot, gfp_t gfp,
						    unsigned long caller)
{
	goslab_kasan_unpoison(obj, slot);
	if (c && unlikely(c->flags & SLAB_POISON))
		goslab_poison_check(c, obj, caller);
	if (c ? goslab_want_zero(c, gfp) : want_init_on_alloc(gfp))
		memset(obj, 0, c ? c->size : slot);
	goslab_kasan_alloc(obj, req, slot);
	kmemleak_alloc(obj, req, 1, gfp);
	goslab_stats_alloc(c, obj, req, slot, gfp, caller);
}

/*
 * Does an allocation from @c need more of __goslab_obj_alloc_hook() than
 * the zeroing and the statistics? Under KASAN and kmemleak, and for the
 * debug flags (SLAB_POISON checks, SLAB_RED_ZONE goes along with it).
 */
static __always_inline bool goslab_want_alloc_hook(struct goslab_cache *c)
{
	return IS_ENABLED(CONFIG_KASAN_GENERIC) ||
	       IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) ||
	       (c->flags & (SLAB_RED_ZONE | SLAB_POISON));
}

void goslab_obj_alloc_hook(struct goslab_cache *c, void *obj, size_t req,
			   size_t slot, gfp_t gfp, unsigned long caller);
void goslab_obj_free_hook(void *obj, size_t slot, bool wipe);

/*
 * Does a free of an object of @c need goslab_small_free_hook()? Not for a
 * cache without debug flags on a kernel without KASAN, kmemleak and
 * init_on_free.
 */
static __always_inline bool goslab_want_free_hook(struct goslab_cache *c)
{
	return IS_ENABLED(CONFIG_KASAN_GENERIC) ||
	       IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) ||
	       (c->flags & (SLAB_RED_ZONE | SLAB_POISON)) || goslab_want_wipe(c);
}

void goslab_small_free_hook(struct goslab_cache *c, void *obj,
			    unsigned long caller);
void goslab_span_prepare(struct goslab_cache *c, struct goslab_span *s);
void goslab_span_retire(struct goslab_span *s);

#endif /* _GOSLAB_OBJHOOKS_H */

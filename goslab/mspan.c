// SPDX-License-Identifier: GPL-2.0
/*
 * goslab spans: Go's mspan object bookkeeping (mbitmap.go, mgcsweep.go).
 *
 * A span's slots are found through allocBits (set = allocated as of the
 * last sweep), a 64-bit allocCache (the complement of allocBits from
 * freeindex on, scanned with count-trailing-zeros) and freeindex. Go frees
 * through its collector; goslab frees explicitly: a free sets the slot's bit
 * in free_bits and the next sweep folds free_bits into allocBits. Every bit
 * lives outside the objects, so a write after free cannot corrupt the
 * allocator and a double free is an O(1) bit test.
 *
 * Overview: Documentation/design.rst.
 */
#include <linux/align.h>
#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/compiler.h>
#include <linux/errno.h>

#include "mspan.h"

static inline u64 alloc_word(const struct goslab_span *s, unsigned int w)
{
	return s->alloc_bits[w];
}

/**
 * goslab_span_init_objects() - make a span hold objects of one size
 * @s: span, fresh from the heap
 * @elemsize: bytes per slot
 * @nelems: slots in the span
 * @divmul: Go's divMagic for @elemsize (0: divide)
 */
void goslab_span_init_objects(struct goslab_span *s, u32 elemsize,
			      u16 nelems, u32 divmul)
{
	s->elemsize = elemsize;
	s->nelems = nelems;
	s->divmul = divmul;
	s->freeindex = 0;
	s->alloc_count = 0;
	s->alloc_cache = ~0ULL;
	s->pending = 0;
	s->reqsize = NULL;
	bitmap_zero(s->alloc_bits, GOSLAB_MAX_OBJS_PER_SPAN);
	bitmap_zero(s->free_bits, GOSLAB_MAX_OBJS_PER_SPAN);
}

/**
 * goslab_span_next_free() - Go's nextFreeIndex: take the next free slot
 * @s: span; the caller owns it
 *
 * Return: the slot's index, or s->nelems when no slot from freeindex on is
 * free (a sweep may find more).
 */
unsigned int goslab_span_next_free(struct goslab_span *s)
{
	unsigned int idx = s->freeindex, bit, result;

	if (idx >= s->nelems)
		return s->nelems;
	while (!s->alloc_cache) {
		/* The rest of this word is taken: move to the next one. */
		idx = ALIGN_DOWN(idx, 64) + 64;
		if (idx >= s->nelems) {
			s->alloc_cache = 0;
			WRITE_ONCE(s->freeindex, s->nelems);
			return s->nelems;
		}
		s->alloc_cache = ~alloc_word(s, idx / 64);
		WRITE_ONCE(s->freeindex, idx);
	}
	bit = __ffs64(s->alloc_cache);
	result = idx + bit;
	if (result >= s->nelems) {
		s->alloc_cache = 0;
		WRITE_ONCE(s->freeindex, s->nelems);
		return s->nelems;
	}
	s->alloc_cache = bit == 63 ? 0 : s->alloc_cache >> (bit + 1);
	idx = result + 1;
	if (idx % 64 == 0 && idx < s->nelems)
		s->alloc_cache = ~alloc_word(s, idx / 64);
	WRITE_ONCE(s->freeindex, idx);
	s->alloc_count++;
	return result;
}

/**
 * goslab_span_sweep() - fold the frees recorded since the last sweep
 * @s: span; the caller holds s->lock and owns the span (its context's
 *	mcache, or central->lock), so no allocation runs meanwhile
 *
 * Go's sweep swaps gcmarkBits in as allocBits; goslab computes the same
 * thing from explicit frees: a slot is allocated after the sweep if it was
 * allocated before it or handed out since (below freeindex), and was not
 * freed. Frees wait for s->lock, so they see the span before the sweep or
 * after it, never in between.
 *
 * Return: slots that became free.
 */
unsigned int goslab_span_sweep(struct goslab_span *s)
{
	unsigned int w, words = BITS_TO_LONGS(s->nelems);
	unsigned int fi = s->freeindex, nfreed = 0, count = 0;

	for (w = 0; w < words; w++) {
		unsigned long f = s->free_bits[w];
		unsigned long below, a;

		if (fi >= (w + 1) * 64)
			below = ~0UL;
		else if (fi > w * 64)
			below = GENMASK(fi - w * 64 - 1, 0);
		else
			below = 0;
		a = s->alloc_bits[w] | below;
		nfreed += hweight_long(a & f);
		a &= ~f;
		count += hweight_long(a);
		s->alloc_bits[w] = a;
		s->free_bits[w] = 0;
	}
	WRITE_ONCE(s->freeindex, 0);
	s->alloc_cache = ~alloc_word(s, 0);
	s->alloc_count = count;
	s->pending = 0;
	return nfreed;
}

/**
 * goslab_span_live_count() - objects allocated and not freed
 * @s: span; the caller holds s->lock and owns the span
 *
 * Return: the count.
 */
unsigned int goslab_span_live_count(struct goslab_span *s)
{
	int live = (int)s->alloc_count - (int)s->pending;

	return live > 0 ? live : 0;
}

#ifdef GOSLAB_KUNIT
#include "tests/mspan-kunit.h"
#endif

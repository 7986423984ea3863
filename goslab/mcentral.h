/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goslab central lists (mcentral.c, Go's mcentral.go): the spans of one
 * cache on one node that no CPU holds.
 * Included through internal.h. Overview: Documentation/design.rst.
 */
#ifndef _GOSLAB_MCENTRAL_H
#define _GOSLAB_MCENTRAL_H

#include <linux/list.h>
#include <linux/spinlock.h>

/**
 * struct goslab_central - Go's mcentral: the spans of one cache on one node
 * @lock: guards the lists and the state of every span on them.
 * @partial: swept spans with free slots.
 * @full: spans with no free slot and no known pending free.
 * @pending: spans with frees not yet swept.
 * @heap: heap new spans come from.
 * @cache: the cache.
 * @nid: node of @heap.
 * @nspans: spans of this central, cached on CPUs or on a list.
 * @nfull: spans on @full.
 * @npartial: spans on @partial; up to the cache's @min_partial of them may
 *	be empty, kept for the next refill (SLUB's min_partial) until a
 *	shrink.
 */
struct goslab_central {
	spinlock_t lock;		/* lists and their spans' state */
	struct list_head partial;
	struct list_head full;
	struct list_head pending;
	struct goslab_heap *heap;
	struct goslab_cache *cache;
	int nid;
	unsigned long nspans;
	unsigned long nfull;
	unsigned long npartial;
};

struct goslab_span *goslab_central_cache_span(struct goslab_central *c, gfp_t gfp);
void goslab_central_uncache_span(struct goslab_central *c,
				 struct goslab_span *s);
void *goslab_central_alloc(struct goslab_central *c, gfp_t gfp);
void goslab_central_note_free(struct goslab_span *s);
unsigned long goslab_central_shrink(struct goslab_central *c);
void goslab_central_init(struct goslab_central *c, struct goslab_cache *cache,
			 struct goslab_heap *h);

#endif /* _GOSLAB_MCENTRAL_H */

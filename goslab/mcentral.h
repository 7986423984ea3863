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
 * @lock: the central lock (spinlock_t, interrupts off); guards the lists,
 *	the counts and the state of every span on the lists, with that span's
 *	own lock inside it.
 * @partial: swept spans with free slots; @lock.
 * @full: spans with no free slot and no known pending free; @lock.
 * @pending: spans with frees not yet swept; @lock.
 * @heap: heap new spans come from; set at creation.
 * @cache: the cache; set at creation.
 * @nid: node of @heap; set at creation.
 * @nspans: spans of this central, cached on CPUs or on a list; @lock,
 *	read with READ_ONCE() by debugfs.
 * @nfull: spans on @full; @lock.
 * @npartial: spans on @partial; @lock. Up to the cache's @min_partial of
 *	them may be empty, kept for the next refill (SLUB's min_partial)
 *	until a shrink.
 */
struct goslab_central {
	spinlock_t lock;		/* lists and their spans' state */
	struct list_head partial;	/* lock */
	struct list_head full;		/* lock */
	struct list_head pending;	/* lock */
	struct goslab_heap *heap;
	struct goslab_cache *cache;
	int nid;
	unsigned long nspans;		/* lock */
	unsigned long nfull;		/* lock */
	unsigned long npartial;		/* lock */
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

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goslab fixalloc (mfixalloc.c, Go's mfixalloc.go): the fixed-size
 * allocator of goslab's own metadata, and the count of pages goslab holds.
 * Included through internal.h. Overview: Documentation/design.rst.
 */
#ifndef _GOSLAB_MFIXALLOC_H
#define _GOSLAB_MFIXALLOC_H

#include <linux/atomic.h>
#include <linux/gfp.h>
#include <linux/spinlock.h>

/* The parts of a caller's gfp that say how hard to try for pages. */
#define GOSLAB_GFP_RECLAIM_MASK (__GFP_RECLAIM | __GFP_IO | __GFP_FS | \
				 __GFP_HIGH | __GFP_NOWARN | __GFP_RETRY_MAYFAIL | \
				 __GFP_NOFAIL | __GFP_NORETRY | __GFP_MEMALLOC | \
				 __GFP_NOMEMALLOC)

/**
 * struct goslab_fixalloc - fixed-size allocator for goslab's own metadata
 * @lock: guards every field below.
 * @size: object size.
 * @node: node the backing pages come from.
 * @list: free objects, linked through their first word.
 * @chunk: unused tail of the current backing block.
 * @nchunk: bytes left in @chunk.
 * @blocks: every backing block, linked through its first word, for exit.
 * @inuse: objects handed out.
 * @pages: pages held from the buddy allocator.
 */
struct goslab_fixalloc {
	spinlock_t lock;		/* guards the fields below */
	unsigned int size;
	int node;
	void *list;
	void *chunk;
	unsigned int nchunk;
	void *blocks;
	unsigned long inuse;
	unsigned long pages;
};

void goslab_fixalloc_init(struct goslab_fixalloc *f, unsigned int size,
			  int node);
void *goslab_fixalloc_alloc(struct goslab_fixalloc *f, gfp_t gfp);
void goslab_fixalloc_free(struct goslab_fixalloc *f, void *p);
void goslab_fixalloc_destroy(struct goslab_fixalloc *f);

/* Pages goslab holds from the buddy allocator: heaps, metadata, span map. */
extern atomic_long_t goslab_buddy_pages;

#endif /* _GOSLAB_MFIXALLOC_H */

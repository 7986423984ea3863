// SPDX-License-Identifier: GPL-2.0
/*
 * goslab fixalloc: Go's mfixalloc.go, a fixed-size allocator for goslab's
 * own metadata (span and chunk structs), fed by whole pages so that the
 * metadata never comes from the slab allocator it competes with.
 *
 * Freed objects go on a free list and their memory is never returned while
 * the module is loaded: like Go's mspans, span structs are type-stable, so a
 * lookup racing with a span's release still reads a span (in state FREE).
 *
 * The lowest layer that takes pages from the buddy allocator, so the count
 * of every page goslab holds lives here. Overview: Documentation/design.rst.
 */
#include "internal.h"

#define FIXALLOC_ORDER	2	/* 16 KiB blocks, Go's _FixAllocChunk */

/* Pages goslab holds from the buddy allocator: heaps, metadata, span map. */
atomic_long_t goslab_buddy_pages;

void goslab_fixalloc_init(struct goslab_fixalloc *f, unsigned int size,
			  int node)
{
	spin_lock_init(&f->lock);
	/* Room for the free-list link; keep every object pointer-aligned. */
	f->size = ALIGN(max_t(unsigned int, size, sizeof(void *)),
			sizeof(void *));
	f->node = node;
	f->list = NULL;
	f->chunk = NULL;
	f->nchunk = 0;
	f->blocks = NULL;
	f->inuse = 0;
	f->pages = 0;
}

void *goslab_fixalloc_alloc(struct goslab_fixalloc *f, gfp_t gfp)
{
	unsigned long flags;
	struct page *page;
	void *p;

	spin_lock_irqsave(&f->lock, flags);
	if (f->list) {
		p = f->list;
		f->list = *(void **)p;
		goto out;
	}
	if (f->nchunk < f->size) {
		spin_unlock_irqrestore(&f->lock, flags);
		page = alloc_pages_node(f->node, (gfp & GOSLAB_GFP_RECLAIM_MASK) |
					__GFP_NOWARN, FIXALLOC_ORDER);
		if (!page)
			return NULL;
		p = page_address(page);
		atomic_long_add(1L << FIXALLOC_ORDER, &goslab_buddy_pages);
		spin_lock_irqsave(&f->lock, flags);
		/* The block's first word links it into @blocks. */
		*(void **)p = f->blocks;
		f->blocks = p;
		f->pages += 1UL << FIXALLOC_ORDER;
		f->chunk = p + sizeof(void *);
		f->nchunk = (PAGE_SIZE << FIXALLOC_ORDER) - sizeof(void *);
		if (f->nchunk < f->size) {
			spin_unlock_irqrestore(&f->lock, flags);
			return NULL;
		}
	}
	p = f->chunk;
	f->chunk += f->size;
	f->nchunk -= f->size;
out:
	f->inuse++;
	spin_unlock_irqrestore(&f->lock, flags);
	memset(p, 0, f->size);
	return p;
}

/*
 * Only the first word is written: the rest (a span's state, say) stays as
 * the last owner left it, which is what makes stale lookups safe.
 */
void goslab_fixalloc_free(struct goslab_fixalloc *f, void *p)
{
	unsigned long flags;

	spin_lock_irqsave(&f->lock, flags);
	*(void **)p = f->list;
	f->list = p;
	f->inuse--;
	spin_unlock_irqrestore(&f->lock, flags);
}

/* Module exit: every object must have been freed. */
void goslab_fixalloc_destroy(struct goslab_fixalloc *f)
{
	void *b = f->blocks;

	WARN_ON(f->inuse);
	while (b) {
		void *next = *(void **)b;

		free_pages((unsigned long)b, FIXALLOC_ORDER);
		atomic_long_sub(1L << FIXALLOC_ORDER, &goslab_buddy_pages);
		b = next;
	}
	f->blocks = NULL;
	f->list = NULL;
	f->nchunk = 0;
	f->pages = 0;
}

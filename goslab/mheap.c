// SPDX-License-Identifier: GPL-2.0
/*
 * goslab page heap: Go's mheap and page allocator (mheap.go, mpagealloc.go,
 * mpallocbits.go) over chunks from the buddy allocator, one heap per
 * (NUMA node, zone class), and the span map (Go's arena index).
 *
 * A chunk is a naturally aligned block of 1 << order pages. Each chunk keeps
 * a bitmap of its pages (set = in use) and a summary (start, max, end) of
 * every 64-page word; the chunk's root summary merges them. A search walks
 * the chunks in address order from the heap's hint and descends only into a
 * chunk whose root says a long enough run exists: address-ordered first fit,
 * as in Go, with one radix level per chunk and one per word. The bitmap
 * and summary operations themselves are in mpagealloc.c.
 *
 * Overview: Documentation/design.rst.
 */

/*
 * On PREEMPT_RT a spinlock_t sleeps, and goslab takes its spinlocks (span,
 * central, page cache, heap) inside preempt_disable() and local_irq_save()
 * sections, from any context. Making that right needs local_lock_t for the
 * per-CPU state and raw spinlocks with bounded hold times; until then the
 * build refuses, once, here.
 */
#ifdef CONFIG_PREEMPT_RT
#error "goslab does not support PREEMPT_RT: it takes spinlock_t with interrupts off"
#endif

#include <linux/gfp.h>
#include <linux/nodemask.h>
#include <linux/sched.h>
#include <linux/vmalloc.h>

#include "internal.h"

const char *const goslab_zone_names[GOSLAB_NR_ZONES] = {
	[GOSLAB_ZONE_NORMAL] = "normal",
	[GOSLAB_ZONE_DMA32] = "dma32",
	[GOSLAB_ZONE_DMA] = "dma",
};

#ifdef CONFIG_FAULT_INJECTION
DECLARE_FAULT_ATTR(goslab_fail_grow);
#endif

/* Heaps this node owns; and the heap that serves (node, zone). */
static struct goslab_heap *heaps[MAX_NUMNODES][GOSLAB_NR_ZONES];
static struct goslab_heap *serving[MAX_NUMNODES][GOSLAB_NR_ZONES];

/* === Chunk bitmaps: mpagealloc.c, under the heap's lock === */

static inline struct goslab_sum word_sum(u64 used)
{
	return goslab_palloc_word_sum(used);
}

static inline struct goslab_sum merge_sums(const struct goslab_sum *sums,
					   unsigned int n)
{
	return goslab_palloc_merge(sums, n);
}

static inline int word_find(u64 used, unsigned int n)
{
	return goslab_palloc_word_find(used, n);
}

static inline int word_find_aligned(u64 used, unsigned int n,
				    unsigned int align)
{
	return goslab_palloc_word_find_aligned(used, n, align);
}

/*
 * A run of n pages starts on a multiple of the largest power of two that
 * divides n: a span of 2^k pages sits where a buddy block of order k would.
 * Chunks are naturally aligned, so the page frame and the address are
 * aligned as the index inside the chunk is.
 */
static unsigned int run_align(unsigned int npages)
{
	return npages & -npages;
}

static unsigned int chunk_words(const struct goslab_chunk *c)
{
	return DIV_ROUND_UP(c->npages, 64);
}

/* Address-ordered first fit of @n pages on a multiple of @align, or -1. */
static int chunk_find(const struct goslab_chunk *c, unsigned int n,
		      unsigned int align)
{
	if (c->root.max < n)
		return -1;
	return goslab_palloc_find_aligned(c->bits, c->sum, chunk_words(c), n,
					  align);
}

/* Set or clear pages [idx, idx + n) and bring the summaries up to date. */
static void chunk_mark(struct goslab_chunk *c, unsigned int idx,
		       unsigned int n, bool used)
{
	lockdep_assert_held(&c->heap->lock);
	goslab_palloc_mark(c->bits, c->sum, idx, n, used);
	c->root = merge_sums(c->sum, chunk_words(c));
	if (used) {
		c->nfree -= n;
	} else {
		c->nfree += n;
		if (c->nfree == c->npages)
			c->idle_since = jiffies;
	}
}

/* Are pages [idx, idx + n) all in use? */
static bool chunk_range_used(const struct goslab_chunk *c, unsigned int idx,
			     unsigned int n)
{
	return goslab_palloc_range_used(c->bits, idx, n);
}

static void chunk_init(struct goslab_chunk *c, struct goslab_heap *h,
		       unsigned long pfn, unsigned int order)
{
	unsigned int i;

	c->heap = h;
	c->pfn = pfn;
	c->order = order;
	c->npages = 1U << order;
	c->nfree = c->npages;
	c->idle_since = jiffies;
	memset(c->bits, 0, sizeof(c->bits));
	/* A chunk smaller than a word: the missing pages are never free. */
	if (c->npages < 64)
		c->bits[0] = GENMASK_ULL(63, c->npages);
	for (i = 0; i < chunk_words(c); i++)
		c->sum[i] = word_sum(c->bits[i]);
	c->root = merge_sums(c->sum, chunk_words(c));
}

/* The hint is the first chunk that may have a free page; NULL: none has. */
static void hint_lower(struct goslab_heap *h, struct goslab_chunk *c)
{
	if (!h->hint || c->pfn < h->hint->pfn)
		h->hint = c;
}

static void hint_skip_full(struct goslab_heap *h)
{
	while (h->hint && !h->hint->root.max) {
		if (list_is_last(&h->hint->list, &h->chunks))
			h->hint = NULL;
		else
			h->hint = list_next_entry(h->hint, list);
	}
}

/* Find and take @n pages. Returns the chunk and page index, or NULL. */
static struct goslab_chunk *heap_take(struct goslab_heap *h, unsigned int n,
				      unsigned int align, unsigned int *idxp)
{
	struct goslab_chunk *c;
	int idx;

	lockdep_assert_held(&h->lock);
	hint_skip_full(h);
	if (!h->hint)
		return NULL;
	c = h->hint;
	list_for_each_entry_from(c, &h->chunks, list) {
		idx = chunk_find(c, n, align);
		if (idx >= 0) {
			chunk_mark(c, idx, n, true);
			hint_skip_full(h);
			*idxp = idx;
			return c;
		}
	}
	return NULL;
}

/* === The span map (Go's arena index: spanOf) === */

/* Read by goslab_span_of() (internal.h). */
struct goslab_span ***goslab_span_map;
unsigned long goslab_span_map_len;

static int span_map_prepare(int nid, unsigned long pfn, unsigned int npages,
			    gfp_t gfp)
{
	unsigned long a, last = (pfn + npages - 1) >> GOSLAB_ARENA_SHIFT;
	const unsigned int order = get_order(GOSLAB_ARENA_PAGES * sizeof(void *));
	struct page *page;

	if (last >= goslab_span_map_len)
		return -ERANGE;
	for (a = pfn >> GOSLAB_ARENA_SHIFT; a <= last; a++) {
		if (READ_ONCE(goslab_span_map[a]))
			continue;
		page = alloc_pages_node(nid, (gfp & GOSLAB_GFP_RECLAIM_MASK) |
					__GFP_ZERO | __GFP_NOWARN, order);
		if (!page)
			return -ENOMEM;
		/* Pairs with smp_load_acquire() in goslab_span_of(). */
		if (cmpxchg_release(&goslab_span_map[a], NULL,
				    page_address(page)) != NULL)
			__free_pages(page, order);
		else
			atomic_long_add(1L << order, &goslab_buddy_pages);
	}
	return 0;
}

static void span_map_set(struct goslab_span *s, struct goslab_span *val)
{
	unsigned long pfn;

	for (pfn = s->pfn; pfn < s->pfn + s->npages; pfn++) {
		struct goslab_span **l2 = goslab_span_map[pfn >> GOSLAB_ARENA_SHIFT];

		/* Pairs with smp_load_acquire() in goslab_span_of(). */
		smp_store_release(&l2[pfn & (GOSLAB_ARENA_PAGES - 1)], val);
	}
}

int goslab_span_map_init(void)
{
	unsigned long end = 0;
	int nid;

	for_each_online_node(nid)
		end = max(end, node_end_pfn(nid));
	goslab_span_map_len = (end >> GOSLAB_ARENA_SHIFT) + 1;
	goslab_span_map = vzalloc(goslab_span_map_len * sizeof(*goslab_span_map));
	return goslab_span_map ? 0 : -ENOMEM;
}

void goslab_span_map_exit(void)
{
	const unsigned int order = get_order(GOSLAB_ARENA_PAGES * sizeof(void *));
	unsigned long a;

	for (a = 0; a < goslab_span_map_len; a++)
		if (goslab_span_map[a]) {
			free_pages((unsigned long)goslab_span_map[a], order);
			atomic_long_sub(1L << order, &goslab_buddy_pages);
		}
	vfree(goslab_span_map);
	goslab_span_map = NULL;
	goslab_span_map_len = 0;
}

/* === Growing the heap === */

static gfp_t grow_gfp(struct goslab_heap *h, gfp_t gfp)
{
	gfp_t g = (gfp & GOSLAB_GFP_RECLAIM_MASK) | __GFP_THISNODE;

	if (h->zone == GOSLAB_ZONE_DMA)
		g |= GFP_DMA;
	else if (h->zone == GOSLAB_ZONE_DMA32)
		g |= GFP_DMA32;
	return g;
}

/*
 * An order above the smallest that holds the run is opportunistic, as
 * allocate_slab() makes SLUB's higher order: it takes only what is free
 * now. No direct reclaim or compaction and no kswapd, no reserves (neither
 * the __GFP_HIGH of a GFP_ATOMIC caller nor the __GFP_MEMALLOC or
 * PF_MEMALLOC of one that reclaims), no __GFP_NOFAIL, no warning.
 */
#define GOSLAB_GFP_OPPORTUNISTIC_CLEAR	(__GFP_RECLAIM | __GFP_HIGH | \
					 __GFP_MEMALLOC | __GFP_NOFAIL | \
					 __GFP_RETRY_MAYFAIL)
#define GOSLAB_GFP_OPPORTUNISTIC_SET	(__GFP_NOMEMALLOC | __GFP_NORETRY | \
					 __GFP_NOWARN)

static gfp_t grow_attempt_gfp(gfp_t g, unsigned int order,
			      unsigned int min_order)
{
	if (order == min_order)
		return g;
	return (g & ~GOSLAB_GFP_OPPORTUNISTIC_CLEAR) |
	       GOSLAB_GFP_OPPORTUNISTIC_SET;
}

/*
 * Add a chunk of at least @npages pages. Tries a full chunk, then smaller
 * orders, each taking only what is free now, down to the one @npages
 * needs: that last attempt has the caller's flags (reclaim, compaction,
 * reserves, __GFP_NOFAIL, the warning on failure), so goslab fails no
 * sooner and tries no harder than the page allocator would for that order.
 * Called without h->lock; sleeps only if @gfp allows. Returns 0, -ENOMEM
 * when memory was refused, or another error (the span map does not cover
 * the chunk) that no retry can mend.
 */
static int heap_grow(struct goslab_heap *h, unsigned int npages, gfp_t gfp)
{
	unsigned int min_order = order_base_2(npages), order;
	struct goslab_chunk *c, *pos;
	struct page *page = NULL;
	unsigned long flags, pfn;
	gfp_t g = grow_gfp(h, gfp);
	int err = -ENOMEM;

#ifdef CONFIG_FAULT_INJECTION
	/* As fail_page_alloc, goslab's own fault never fails __GFP_NOFAIL. */
	if (!(gfp & __GFP_NOFAIL) &&
	    should_fail(&goslab_fail_grow, npages << PAGE_SHIFT))
		goto fail;
#endif
	for (order = GOSLAB_CHUNK_ORDER; order >= min_order; order--) {
		page = alloc_pages_node(h->nid,
					grow_attempt_gfp(g, order, min_order),
					order);
		if (page || !order)
			break;
	}
	if (!page)
		goto fail;
	atomic_long_add(1L << order, &goslab_buddy_pages);
	pfn = page_to_pfn(page);
	if (WARN_ON_ONCE(page_to_nid(page) != h->nid)) {
		err = -EINVAL;
		goto fail_free;
	}
	c = goslab_fixalloc_alloc(&h->chunkmeta, gfp);
	if (!c)
		goto fail_free;
	err = span_map_prepare(h->nid, pfn, 1U << order, gfp);
	if (err)
		goto fail_meta;
	chunk_init(c, h, pfn, order);

	spin_lock_irqsave(&h->lock, flags);
	list_for_each_entry(pos, &h->chunks, list)
		if (pos->pfn > pfn)
			break;
	list_add_tail(&c->list, &pos->list);
	h->nchunks++;
	h->held += c->npages;
	hint_lower(h, c);
	spin_unlock_irqrestore(&h->lock, flags);
	return 0;

fail_meta:
	goslab_fixalloc_free(&h->chunkmeta, c);
fail_free:
	__free_pages(page, order);
	atomic_long_sub(1L << order, &goslab_buddy_pages);
fail:
	atomic_long_inc(&h->grow_fail);
	return err;
}

/* === Per-CPU page cache (Go's pageCache) === */

/* Return the cache's free pages to the heap. pc->lock held. */
static void pcache_flush(struct goslab_heap *h, struct goslab_pcache *pc)
{
	struct goslab_chunk *c = pc->chunk;
	unsigned long flags;
	u64 cache = pc->cache;

	if (!c)
		return;
	spin_lock_irqsave(&h->lock, flags);
	while (cache) {
		unsigned int lo = __ffs64(cache), n;
		u64 rest = cache >> lo;

		n = ~rest ? __ffs64(~rest) : 64 - lo;
		chunk_mark(c, pc->base + lo, n, false);
		atomic_long_sub(n, &h->cached);
		cache &= n + lo >= 64 ? 0 : ~GENMASK_ULL(lo + n - 1, 0);
	}
	hint_lower(h, c);
	spin_unlock_irqrestore(&h->lock, flags);
	pc->chunk = NULL;
	pc->cache = 0;
}

/* Take every free page of the first word that has an aligned run of @n. */
static bool pcache_refill(struct goslab_heap *h, struct goslab_pcache *pc,
			  unsigned int n, unsigned int align)
{
	struct goslab_chunk *c;
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&h->lock, flags);
	hint_skip_full(h);
	if (!h->hint)
		goto fail;
	c = h->hint;
	list_for_each_entry_from(c, &h->chunks, list) {
		if (c->root.max < n)
			continue;
		for (i = 0; i < chunk_words(c); i++) {
			u64 free = ~c->bits[i];

			if (c->sum[i].max < n ||
			    word_find_aligned(c->bits[i], n, align) < 0)
				continue;
			pc->chunk = c;
			pc->base = i * 64;
			pc->cache = free;
			chunk_mark(c, i * 64, 64, true);
			c->nfree += 64 - hweight64(free);
			atomic_long_add(hweight64(free), &h->cached);
			hint_skip_full(h);
			spin_unlock_irqrestore(&h->lock, flags);
			return true;
		}
	}
fail:
	spin_unlock_irqrestore(&h->lock, flags);
	return false;
}

static bool pcache_alloc(struct goslab_heap *h, unsigned int n,
			 unsigned int align, struct goslab_chunk **chunkp,
			 unsigned long *pfnp)
{
	struct goslab_pcache *pc;
	unsigned long flags;
	int bit;

	local_irq_save(flags);
	pc = this_cpu_ptr(h->pcache);
	spin_lock(&pc->lock);
	/* As in Go, only an empty cache is refilled; else use the heap. */
	if (!pc->chunk)
		pcache_refill(h, pc, n, align);
	bit = pc->chunk ? word_find_aligned(~pc->cache, n, align) : -1;
	if (bit >= 0) {
		pc->cache &= ~GENMASK_ULL(bit + n - 1, bit);
		atomic_long_sub(n, &h->cached);
		*chunkp = pc->chunk;
		*pfnp = pc->chunk->pfn + pc->base + bit;
		if (!pc->cache)
			pc->chunk = NULL;
	}
	spin_unlock(&pc->lock);
	local_irq_restore(flags);
	return bit >= 0;
}

/**
 * goslab_heap_flush_pcache() - give one CPU's cached pages back to the heap
 * @h: heap
 * @cpu: CPU whose page cache to flush (may be offline)
 */
void goslab_heap_flush_pcache(struct goslab_heap *h, int cpu)
{
	struct goslab_pcache *pc = per_cpu_ptr(h->pcache, cpu);
	unsigned long flags;

	spin_lock_irqsave(&pc->lock, flags);
	pcache_flush(h, pc);
	spin_unlock_irqrestore(&pc->lock, flags);
}

/* === Allocating and freeing pages === */

/**
 * goslab_heap_alloc_pages() - take a run of pages from a heap
 * @h: heap
 * @npages: pages wanted, 1 .. GOSLAB_CHUNK_PAGES
 * @gfp: what the caller allows (sleeping, reclaim)
 * @chunkp: the chunk the pages are in, on success
 * @pfnp: the first page frame, on success
 *
 * Small runs come from this CPU's page cache; others from the heap by first
 * fit, growing it by a chunk when nothing fits. The run starts on a
 * multiple of the largest power of two that divides @npages, as a buddy
 * block would: that is what aligns power-of-two kmalloc sizes, large
 * objects and stack blocks to their size.
 *
 * With __GFP_NOFAIL and __GFP_DIRECT_RECLAIM in @gfp this does not fail
 * for want of memory: the heap's growth carries __GFP_NOFAIL and the search
 * is repeated until a run is found, as the page allocator repeats its own
 * (which, like this, disregards __GFP_NOFAIL without direct reclaim).
 *
 * Return: 0, -EINVAL for a bad @npages (reported), -ENOMEM.
 */
int goslab_heap_alloc_pages(struct goslab_heap *h, unsigned int npages,
			    gfp_t gfp, struct goslab_chunk **chunkp,
			    unsigned long *pfnp)
{
	/* As in the page allocator: no __GFP_NOFAIL without direct reclaim. */
	const bool nofail = (gfp & __GFP_NOFAIL) && gfpflags_allow_blocking(gfp);
	struct goslab_chunk *c;
	unsigned long flags;
	unsigned int idx, tries, align;
	int err;

	if (!npages || npages > GOSLAB_CHUNK_PAGES) {
		goslab_report(GOSLAB_BAD_ARG, NULL, NULL, _RET_IP_);
		return -EINVAL;
	}
	align = run_align(npages);
	for (tries = 0; tries < 3 || nofail; tries++) {
		if (npages < GOSLAB_PCACHE_MAX_NPAGES &&
		    pcache_alloc(h, npages, align, chunkp, pfnp))
			goto found;
		spin_lock_irqsave(&h->lock, flags);
		c = heap_take(h, npages, align, &idx);
		spin_unlock_irqrestore(&h->lock, flags);
		if (c) {
			*chunkp = c;
			*pfnp = c->pfn + idx;
			goto found;
		}
		/*
		 * Other CPUs may take the new chunk's pages first: search again.
		 * __GFP_NOFAIL retries a want of memory, nothing else.
		 */
		err = heap_grow(h, npages, gfp);
		if (err && (!nofail || err != -ENOMEM))
			return -ENOMEM;
		if (nofail)
			cond_resched();
	}
	return -ENOMEM;
found:
	atomic_long_add(npages, &h->inuse);
	return 0;
}

/**
 * goslab_chunk_free_pages() - give back pages taken from a known chunk
 * @c: chunk
 * @pfn: first page frame
 * @npages: number of pages
 *
 * For spans, whose chunk is known. Pages that are not all in use are
 * refused and reported.
 */
void goslab_chunk_free_pages(struct goslab_chunk *c, unsigned long pfn,
			     unsigned int npages)
{
	struct goslab_heap *h = c->heap;
	unsigned long flags;

	spin_lock_irqsave(&h->lock, flags);
	if (pfn < c->pfn || pfn + npages > c->pfn + c->npages ||
	    !chunk_range_used(c, pfn - c->pfn, npages)) {
		spin_unlock_irqrestore(&h->lock, flags);
		goslab_report(GOSLAB_BAD_PAGES, NULL, NULL, _RET_IP_);
		return;
	}
	chunk_mark(c, pfn - c->pfn, npages, false);
	hint_lower(h, c);
	spin_unlock_irqrestore(&h->lock, flags);
	atomic_long_sub(npages, &h->inuse);
}

#if GOSLAB_TEST_BUILD
/**
 * goslab_heap_free_pages() - give back pages taken from a heap
 * @h: heap
 * @pfn: first page frame
 * @npages: number of pages
 *
 * For tests, which take pages without a span.
 *
 * Return: 0, or -EINVAL (reported and counted) when the range is not a
 * run of in-use pages of @h.
 */
int goslab_heap_free_pages(struct goslab_heap *h, unsigned long pfn,
			   unsigned int npages)
{
	struct goslab_chunk *c, *found = NULL;
	unsigned long flags;

	if (!npages || npages > GOSLAB_CHUNK_PAGES)
		goto bad;
	spin_lock_irqsave(&h->lock, flags);
	list_for_each_entry(c, &h->chunks, list) {
		if (pfn >= c->pfn && pfn + npages <= c->pfn + c->npages) {
			found = c;
			break;
		}
	}
	if (!found || !chunk_range_used(found, pfn - found->pfn, npages)) {
		spin_unlock_irqrestore(&h->lock, flags);
		goto bad;
	}
	chunk_mark(found, pfn - found->pfn, npages, false);
	hint_lower(h, found);
	spin_unlock_irqrestore(&h->lock, flags);
	atomic_long_sub(npages, &h->inuse);
	return 0;
bad:
	goslab_report(GOSLAB_BAD_PAGES, NULL, NULL, _RET_IP_);
	return -EINVAL;
}
#endif

/**
 * goslab_heap_release_free() - return entirely free chunks to the buddy
 * allocator
 * @h: heap
 * @max_pages: stop after about this many pages
 * @idle_only: only chunks free for at least a second (the paced scavenger)
 *
 * Return: pages released.
 */
unsigned long goslab_heap_release_free(struct goslab_heap *h,
				       unsigned long max_pages, bool idle_only)
{
	struct goslab_chunk *c, *tmp;
	unsigned long flags, released = 0;
	LIST_HEAD(gone);

	spin_lock_irqsave(&h->lock, flags);
	list_for_each_entry_safe(c, tmp, &h->chunks, list) {
		if (released >= max_pages)
			break;
		if (c->nfree != c->npages)
			continue;
		if (idle_only && time_before(jiffies, c->idle_since + HZ))
			continue;
		if (h->hint == c)
			h->hint = list_is_last(&c->list, &h->chunks) ? NULL :
				  list_next_entry(c, list);
		list_move(&c->list, &gone);
		h->nchunks--;
		h->held -= c->npages;
		h->scavenged += c->npages;
		released += c->npages;
	}
	spin_unlock_irqrestore(&h->lock, flags);

	list_for_each_entry_safe(c, tmp, &gone, list) {
		__free_pages(pfn_to_page(c->pfn), c->order);
		atomic_long_sub(1L << c->order, &goslab_buddy_pages);
		goslab_fixalloc_free(&h->chunkmeta, c);
	}
	return released;
}

#if GOSLAB_TEST_BUILD
/**
 * goslab_heap_check() - verify a heap's bitmaps and summaries
 * @h: heap
 *
 * For tests: every word summary and root matches a recomputation, free
 * counts match the bitmaps, chunks are in address order, and no chunk
 * before the hint has a free page.
 *
 * Return: true if consistent.
 */
bool goslab_heap_check(struct goslab_heap *h)
{
	struct goslab_chunk *c;
	unsigned long flags, prev = 0, held = 0;
	bool ok = true, before_hint = !!h->hint;
	unsigned int i, nfree;

	spin_lock_irqsave(&h->lock, flags);
	list_for_each_entry(c, &h->chunks, list) {
		struct goslab_sum s;

		if (c == h->hint)
			before_hint = false;
		if (c->pfn < prev)
			ok = false;
		prev = c->pfn;
		nfree = 0;
		for (i = 0; i < chunk_words(c); i++) {
			s = word_sum(c->bits[i]);
			if (memcmp(&s, &c->sum[i], sizeof(s)))
				ok = false;
			nfree += 64 - hweight64(c->bits[i]);
		}
		s = merge_sums(c->sum, chunk_words(c));
		if (memcmp(&s, &c->root, sizeof(s)) || nfree != c->nfree)
			ok = false;
		if (before_hint && c->root.max)
			ok = false;
		held += c->npages;
	}
	if (held != h->held)
		ok = false;
	spin_unlock_irqrestore(&h->lock, flags);
	return ok;
}
#endif

/* === Heaps per node and zone === */

bool goslab_heap_has_memory(int nid, enum goslab_zone zone)
{
	pg_data_t *pgdat = NODE_DATA(nid);

	if (!node_state(nid, N_MEMORY))
		return false;
	switch (zone) {
#ifdef CONFIG_ZONE_DMA
	case GOSLAB_ZONE_DMA:
		return managed_zone(&pgdat->node_zones[ZONE_DMA]);
#endif
#ifdef CONFIG_ZONE_DMA32
	case GOSLAB_ZONE_DMA32:
		/* GFP_DMA32 may also be served from ZONE_DMA. */
		if (managed_zone(&pgdat->node_zones[ZONE_DMA32]))
			return true;
#ifdef CONFIG_ZONE_DMA
		return managed_zone(&pgdat->node_zones[ZONE_DMA]);
#else
		return false;
#endif
#endif
	case GOSLAB_ZONE_NORMAL:
		return true;
	default:
		return false;
	}
}

struct goslab_heap *goslab_heap_owned(int nid, enum goslab_zone zone)
{
	return heaps[nid][zone];
}

/**
 * goslab_heap_serving() - the heap that serves a node and zone class
 * @nid: node, or NUMA_NO_NODE for the local one
 * @zone: zone class
 *
 * A node without memory of that zone is served by the nearest node that
 * has it, as the buddy allocator's zonelists would.
 *
 * Return: a heap, or NULL if no node has memory of @zone.
 */
struct goslab_heap *goslab_heap_serving(int nid, enum goslab_zone zone)
{
	if (nid == NUMA_NO_NODE)
		nid = numa_mem_id();
	if (nid < 0 || nid >= MAX_NUMNODES)
		return NULL;
	return serving[nid][zone];
}

static int heap_create(int nid, enum goslab_zone zone)
{
	struct goslab_heap *h;
	int cpu;

	h = kzalloc_node(sizeof(*h), GFP_KERNEL, nid);
	if (!h)
		return -ENOMEM;
	h->pcache = alloc_percpu(struct goslab_pcache);
	if (!h->pcache) {
		kfree(h);
		return -ENOMEM;
	}
	for_each_possible_cpu(cpu)
		spin_lock_init(&per_cpu_ptr(h->pcache, cpu)->lock);
	spin_lock_init(&h->lock);
	h->nid = nid;
	h->zone = zone;
	INIT_LIST_HEAD(&h->chunks);
	goslab_fixalloc_init(&h->spans, sizeof(struct goslab_span), nid);
	goslab_fixalloc_init(&h->chunkmeta, sizeof(struct goslab_chunk), nid);
	heaps[nid][zone] = h;
	return 0;
}

int goslab_heaps_init(void)
{
	int nid, other, best;
	enum goslab_zone z;
	int err;

	err = goslab_span_map_init();
	if (err)
		return err;
	for_each_node_state(nid, N_MEMORY) {
		for (z = 0; z < GOSLAB_NR_ZONES; z++) {
			if (!goslab_heap_has_memory(nid, z))
				continue;
			err = heap_create(nid, z);
			if (err)
				goto err_free;
		}
	}
	/* Nodes without a zone: the nearest node that has it serves them. */
	for_each_node(nid) {
		for (z = 0; z < GOSLAB_NR_ZONES; z++) {
			best = NUMA_NO_NODE;
			if (heaps[nid][z]) {
				serving[nid][z] = heaps[nid][z];
				continue;
			}
			for_each_node_state(other, N_MEMORY) {
				if (!heaps[other][z])
					continue;
				if (best == NUMA_NO_NODE ||
				    node_distance(nid, other) <
				    node_distance(nid, best))
					best = other;
			}
			serving[nid][z] = best == NUMA_NO_NODE ? NULL :
					  heaps[best][z];
		}
	}
	return 0;

err_free:
	goslab_heaps_exit();
	return err;
}

void goslab_heaps_exit(void)
{
	struct goslab_heap *h;
	enum goslab_zone z;
	int nid, cpu;

	/* Span structs still waiting for their grace period (goslab_span_free()). */
	rcu_barrier();
	for_each_node(nid) {
		for (z = 0; z < GOSLAB_NR_ZONES; z++) {
			serving[nid][z] = NULL;
			h = heaps[nid][z];
			if (!h)
				continue;
			for_each_possible_cpu(cpu)
				goslab_heap_flush_pcache(h, cpu);
			goslab_heap_release_free(h, ULONG_MAX, false);
			/* Pages still in use belong to live objects: keep them. */
			if (h->nchunks || atomic_long_read(&h->inuse)) {
				pr_err("%s heap of node %d exits with %ld pages in use; they stay allocated\n",
				       goslab_zone_names[z], nid,
				       atomic_long_read(&h->inuse));
				continue;
			}
			goslab_fixalloc_destroy(&h->spans);
			goslab_fixalloc_destroy(&h->chunkmeta);
			free_percpu(h->pcache);
			kfree(h);
			heaps[nid][z] = NULL;
		}
	}
	goslab_span_map_exit();
}

/* === Spans from the heap (Go's mheap.allocSpan / freeSpan) === */

/**
 * goslab_span_alloc() - a span of pages from a heap
 * @h: heap
 * @npages: pages
 * @gfp: what the caller allows
 *
 * The span struct comes from the heap's fixalloc, zeroed (state FREE);
 * every page maps to it in the span map once this returns. The caller sets
 * its state.
 *
 * Return: the span, or NULL.
 */
struct goslab_span *goslab_span_alloc(struct goslab_heap *h,
				      unsigned int npages, gfp_t gfp)
{
	struct goslab_chunk *c;
	struct goslab_span *s;
	unsigned long pfn;

	s = goslab_fixalloc_alloc(&h->spans, gfp);
	if (!s)
		return NULL;
	if (goslab_heap_alloc_pages(h, npages, gfp, &c, &pfn)) {
		goslab_fixalloc_free(&h->spans, s);
		return NULL;
	}
	spin_lock_init(&s->lock);
	s->heap = h;
	s->chunk = c;
	s->pfn = pfn;
	s->npages = npages;
	s->base = pfn_to_kaddr(pfn);
	INIT_LIST_HEAD(&s->list);
	span_map_set(s, s);
	return s;
}

static void span_struct_free_rcu(struct rcu_head *head)
{
	struct goslab_span *s = container_of(head, struct goslab_span, rcu);

	goslab_fixalloc_free(&s->heap->spans, s);
}

/**
 * goslab_span_free() - give a span's pages back to its heap
 * @s: span no one uses any more
 *
 * The pages go back at once. The struct goes back to the fixalloc only
 * after an RCU grace period: a free that looked the span up before it left
 * the span map (with interrupts off, goslab's read side) may still lock it
 * and find it FREE, and must not find another span's fields instead.
 * goslab_heaps_exit() waits for these with rcu_barrier().
 */
void goslab_span_free(struct goslab_span *s)
{
	WRITE_ONCE(s->state, GOSLAB_SPAN_FREE);
	span_map_set(s, NULL);
	goslab_chunk_free_pages(s->chunk, s->pfn, s->npages);
	call_rcu(&s->rcu, span_struct_free_rcu);
}

#ifdef GOSLAB_KUNIT
#include "tests/mheap-kunit.h"
#endif

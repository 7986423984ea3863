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
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/sched.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

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
		if (c->nfree + c->nabsent == c->npages)
			c->idle_since = jiffies;
	}
}

/* Are pages [idx, idx + n) all in use? */
static bool chunk_range_used(const struct goslab_chunk *c, unsigned int idx,
			     unsigned int n)
{
	return goslab_palloc_range_used(c->bits, idx, n);
}

/* Are pages [idx, idx + n) all in use, none of them given back? */
static bool chunk_range_live(const struct goslab_chunk *c, unsigned int idx,
			     unsigned int n)
{
	unsigned int i;

	if (!chunk_range_used(c, idx, n))
		return false;
	for (i = idx; c->nabsent && i < idx + n; i++)
		if (c->absent[i / 64] & BIT_ULL(i % 64))
			return false;
	return true;
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
	c->nabsent = 0;
	memset(c->bits, 0, sizeof(c->bits));
	memset(c->absent, 0, sizeof(c->absent));
	/* A chunk smaller than a word: the missing pages are never free. */
	if (c->npages < 64)
		c->bits[0] = GENMASK_ULL(63, c->npages);
	for (i = 0; i < chunk_words(c); i++)
		c->sum[i] = word_sum(c->bits[i]);
	c->root = merge_sums(c->sum, chunk_words(c));
}

/*
 * Give every free page of @c back to the buddy allocator on its own and
 * mark it absent: what stays of the chunk is its pages in use. The first
 * time splits the chunk's block into single pages (it was allocated
 * without __GFP_COMP). Returns the pages given back.
 */
static unsigned int chunk_trim(struct goslab_heap *h, struct goslab_chunk *c)
{
	unsigned int i, w, n = 0;
	u64 free;

	lockdep_assert_held(&h->lock);
	if (!c->nfree)
		return 0;
	if (!c->nabsent && c->order)
		split_page(pfn_to_page(c->pfn), c->order);
	for (w = 0; w < chunk_words(c); w++) {
		free = ~c->bits[w];
		if (!free)
			continue;
		for (i = 0; i < 64; i++)
			if (free & BIT_ULL(i))
				__free_page(pfn_to_page(c->pfn + w * 64 + i));
		n += hweight64(free);
		c->absent[w] |= free;
		c->bits[w] = ~0ULL;
		c->sum[w] = word_sum(c->bits[w]);
	}
	c->root = merge_sums(c->sum, chunk_words(c));
	c->nfree -= n;
	c->nabsent += n;
	h->held -= n;
	h->scavenged += n;
	atomic_long_sub(n, &goslab_buddy_pages);
	return n;
}

/* A chunk entirely free (but for its absent pages) goes back. */
static void chunk_release(struct goslab_chunk *c)
{
	unsigned int i;

	if (!c->nabsent) {
		__free_pages(pfn_to_page(c->pfn), c->order);
	} else {
		for (i = 0; i < c->npages; i++)
			if (!(c->absent[i / 64] & BIT_ULL(i % 64)))
				__free_page(pfn_to_page(c->pfn + i));
	}
	atomic_long_sub(c->npages - c->nabsent, &goslab_buddy_pages);
}

/* A search looked at one more chunk: counted for the tests that bound it. */
static inline void heap_examined(struct goslab_heap *h)
{
#if GOSLAB_TEST_BUILD
	h->examined++;
#endif
}

#define heap_for_each_chunk(h, c)	list_for_each_entry(c, &(h)->chunks, list)

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
		heap_examined(h);
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

/* Read by goslab_span_of() (mheap.h); replaced only under span_map_lock. */
struct goslab_span_map *goslab_span_map;
/*
 * Taken alone, with interrupts off: installing an arena's table, and a
 * memory hot-add copying the map into a larger one. Sleeping growers are
 * also serialized by the memory hotplug lock.
 */
static DEFINE_SPINLOCK(span_map_lock);

/* A level-2 table: GOSLAB_ARENA_PAGES span pointers, 128 KiB (order 5). */
#define SPAN_TABLE_ORDER	get_order(GOSLAB_ARENA_PAGES * sizeof(void *))

/*
 * One zeroed table held back for the grow that first touches a 64 MiB
 * region from atomic context: order 5 under GFP_ATOMIC fails on a
 * fragmented machine although the chunk itself was found, and the grow
 * would fail for want of its own metadata. Refilled from process context.
 */
static struct page *span_table_spare;
#ifdef GOSLAB_KUNIT
/* Test build: make the table allocation fail, as fragmentation would. */
static bool span_table_fail;
#endif

static void span_table_refill(struct work_struct *work)
{
	struct page *page;

	if (READ_ONCE(span_table_spare))
		return;
	page = alloc_pages(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN,
			   SPAN_TABLE_ORDER);
	if (!page)
		return;
	if (cmpxchg(&span_table_spare, NULL, page))
		__free_pages(page, SPAN_TABLE_ORDER);
	else
		atomic_long_add(1L << SPAN_TABLE_ORDER, &goslab_buddy_pages);
}

static DECLARE_WORK(span_table_refill_work, span_table_refill);

/* A zeroed table for @nid's region, counted in goslab_buddy_pages; or NULL. */
static struct page *span_table_alloc(int nid, gfp_t gfp)
{
	struct page *page = NULL;

#ifdef GOSLAB_KUNIT
	if (!READ_ONCE(span_table_fail))
#endif
		page = alloc_pages_node(nid, (gfp & GOSLAB_GFP_RECLAIM_MASK) |
					__GFP_ZERO | __GFP_NOWARN,
					SPAN_TABLE_ORDER);
	if (page) {
		atomic_long_add(1L << SPAN_TABLE_ORDER, &goslab_buddy_pages);
		return page;
	}
	page = xchg(&span_table_spare, NULL);
	if (page)
		schedule_work(&span_table_refill_work);
	return page;
}

static int span_map_prepare(int nid, unsigned long pfn, unsigned int npages,
			    gfp_t gfp)
{
	unsigned long a, flags, last = (pfn + npages - 1) >> GOSLAB_ARENA_SHIFT;
	struct goslab_span_map *m;
	struct page *page;

	/*
	 * One map for the bound and the look, as a grow may replace it.
	 * Pairs with smp_store_release() in span_map_grow().
	 */
	m = smp_load_acquire(&goslab_span_map);
	if (last >= m->len)
		return -ERANGE;
	for (a = pfn >> GOSLAB_ARENA_SHIFT; a <= last; a++) {
		if (READ_ONCE(m->arena[a]))
			continue;
		page = span_table_alloc(nid, gfp);
		if (!page)
			return -ENOMEM;
		spin_lock_irqsave(&span_map_lock, flags);
		m = goslab_span_map;
		if (!m->arena[a]) {
			/* Pairs with smp_load_acquire() in goslab_span_of(). */
			smp_store_release(&m->arena[a], page_address(page));
			page = NULL;
		}
		spin_unlock_irqrestore(&span_map_lock, flags);
		/* Another grow installed one meanwhile. */
		if (page) {
			__free_pages(page, SPAN_TABLE_ORDER);
			atomic_long_sub(1L << SPAN_TABLE_ORDER, &goslab_buddy_pages);
		}
	}
	return 0;
}

static void span_map_set(struct goslab_span *s, struct goslab_span *val)
{
	struct goslab_span_map *m = READ_ONCE(goslab_span_map);
	unsigned long pfn;

	for (pfn = s->pfn; pfn < s->pfn + s->npages; pfn++) {
		struct goslab_span **l2 = m->arena[pfn >> GOSLAB_ARENA_SHIFT];

		/* Pairs with smp_load_acquire() in goslab_span_of(). */
		smp_store_release(&l2[pfn & (GOSLAB_ARENA_PAGES - 1)], val);
	}
}

static struct goslab_span_map *span_map_new(unsigned long len)
{
	struct goslab_span_map *m;

	m = kvzalloc(struct_size(m, arena, len), GFP_KERNEL);
	if (m)
		m->len = len;
	return m;
}

/*
 * Cover pfns below @end_pfn: a larger map with the same arena tables
 * replaces the current one, which stays readable until unload. At least
 * twice as large, so that memory coming online block by block (virtio-mem)
 * leaves a logarithmic number of old maps. Process context.
 */
static int span_map_grow(unsigned long end_pfn)
{
	unsigned long len = DIV_ROUND_UP(end_pfn, GOSLAB_ARENA_PAGES), flags;
	unsigned long cur = READ_ONCE(goslab_span_map)->len;
	struct goslab_span_map *m, *old;

	if (len <= cur)
		return 0;
	m = span_map_new(max(len, 2 * cur));
	if (!m)
		return -ENOMEM;
	spin_lock_irqsave(&span_map_lock, flags);
	old = goslab_span_map;
	/* The hotplug lock serializes hot-adds; a KUnit case may not. */
	if (old->len >= m->len) {
		spin_unlock_irqrestore(&span_map_lock, flags);
		kvfree(m);
		return 0;
	}
	memcpy(m->arena, old->arena, old->len * sizeof(old->arena[0]));
	m->older = old;
	/* Pairs with smp_load_acquire() in goslab_span_of(). */
	smp_store_release(&goslab_span_map, m);
	spin_unlock_irqrestore(&span_map_lock, flags);
	pr_info("span map grown to %lu MiB of physical addresses for hot-added memory\n",
		(m->len * GOSLAB_ARENA_PAGES) >> (20 - PAGE_SHIFT));
	return 0;
}

/*
 * Memory coming online after load (virtio-mem, a DIMM hot-add) may lie
 * beyond what the span map covers: grow it before the pages reach the
 * buddy allocator. As SLUB's slab_memory_callback(), a failure refuses
 * the onlining rather than leave memory goslab cannot use.
 */
static int span_map_memory_callback(struct notifier_block *nb,
				    unsigned long action, void *arg)
{
	struct memory_notify *mn = arg;

	if (action != MEM_GOING_ONLINE)
		return NOTIFY_OK;
	return notifier_from_errno(span_map_grow(mn->start_pfn + mn->nr_pages));
}

static struct notifier_block span_map_memory_nb = {
	.notifier_call = span_map_memory_callback,
};

int goslab_span_map_init(void)
{
	unsigned long end = 0;
	int nid, err;

	for_each_online_node(nid)
		end = max(end, node_end_pfn(nid));
	goslab_span_map = span_map_new((end >> GOSLAB_ARENA_SHIFT) + 1);
	if (!goslab_span_map)
		return -ENOMEM;
	err = register_memory_notifier(&span_map_memory_nb);
	if (err) {
		kvfree(goslab_span_map);
		goslab_span_map = NULL;
		return err;
	}
	span_table_refill(NULL);
	return 0;
}

void goslab_span_map_exit(void)
{
	struct goslab_span_map *m = goslab_span_map, *older;
	unsigned long a;

	unregister_memory_notifier(&span_map_memory_nb);
	cancel_work_sync(&span_table_refill_work);
	if (span_table_spare) {
		__free_pages(span_table_spare, SPAN_TABLE_ORDER);
		atomic_long_sub(1L << SPAN_TABLE_ORDER, &goslab_buddy_pages);
		span_table_spare = NULL;
	}
	for (a = 0; a < m->len; a++)
		if (m->arena[a]) {
			free_pages((unsigned long)m->arena[a], SPAN_TABLE_ORDER);
			atomic_long_sub(1L << SPAN_TABLE_ORDER, &goslab_buddy_pages);
		}
	goslab_span_map = NULL;
	for (; m; m = older) {
		older = m->older;
		kvfree(m);
	}
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

/* goslab's own fault (debugfs fail_grow); as fail_page_alloc, never __GFP_NOFAIL. */
static bool grow_fault(unsigned int npages, gfp_t gfp)
{
#ifdef CONFIG_FAULT_INJECTION
	return !(gfp & __GFP_NOFAIL) &&
	       should_fail(&goslab_fail_grow, npages << PAGE_SHIFT);
#else
	return false;
#endif
}

/*
 * Make @page, a block of 1 << @order pages of @h's node and zone, a chunk
 * of @h. Called without h->lock. On failure the page goes back and the
 * failed grow is counted. Returns 0, -ENOMEM, or another error (the span
 * map does not cover the chunk) that no retry can mend.
 */
static int heap_add_chunk(struct goslab_heap *h, struct page *page,
			  unsigned int order, gfp_t gfp)
{
	unsigned long pfn = page_to_pfn(page), flags;
	struct goslab_chunk *c, *pos;
	int err = -ENOMEM;

	atomic_long_add(1L << order, &goslab_buddy_pages);
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
	atomic_long_inc(&h->grow_fail);
	return err;
}

/*
 * Add a chunk of at least @npages pages of @h's node. Tries a full chunk,
 * then smaller orders, each taking only what is free now, down to the one
 * @npages needs: that last attempt has the caller's flags (reclaim,
 * compaction, reserves, __GFP_NOFAIL, the warning on failure), so goslab
 * fails no sooner and tries no harder than the page allocator would for
 * that order. Called without h->lock; sleeps only if @gfp allows. Returns
 * 0, -ENOMEM when memory was refused, or another error (the span map does
 * not cover the chunk) that no retry can mend.
 */
static int heap_grow(struct goslab_heap *h, unsigned int npages, gfp_t gfp)
{
	unsigned int min_order = order_base_2(npages), order;
	struct page *page = NULL;
	gfp_t g = grow_gfp(h, gfp);

	if (grow_fault(npages, gfp))
		goto fail;
	for (order = GOSLAB_CHUNK_ORDER; order >= min_order; order--) {
		page = alloc_pages_node(h->nid,
					grow_attempt_gfp(g, order, min_order),
					order);
		if (page || !order)
			break;
	}
	if (!page)
		goto fail;
	return heap_add_chunk(h, page, order, gfp);

fail:
	atomic_long_inc(&h->grow_fail);
	return -ENOMEM;
}

/*
 * The last attempt of an allocation that may be served by any node: the
 * smallest order @npages needs, the caller's flags and no __GFP_THISNODE,
 * from @h's node's zonelist, so the page allocator falls back, reclaims,
 * compacts and OOM-kills as it would for the caller. The chunk joins the
 * heap of the node the page came from. Returns that heap or an ERR_PTR().
 */
static struct goslab_heap *heap_grow_any(struct goslab_heap *h,
					 unsigned int npages, gfp_t gfp)
{
	unsigned int order = order_base_2(npages);
	struct goslab_heap *owner;
	struct page *page;
	int err;

	if (grow_fault(npages, gfp))
		goto fail;
	page = alloc_pages_node(h->nid, grow_gfp(h, gfp) & ~__GFP_THISNODE,
				order);
	if (!page)
		goto fail;
	owner = heaps[page_to_nid(page)][h->zone];
	if (WARN_ON_ONCE(!owner)) {
		__free_pages(page, order);
		goto fail;
	}
	err = heap_add_chunk(owner, page, order, gfp);
	return err ? ERR_PTR(err) : owner;

fail:
	atomic_long_inc(&h->grow_fail);
	return ERR_PTR(-ENOMEM);
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
		heap_examined(h);
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

/* A run of @npages from @h's page cache or chunks, without growing. */
static bool heap_take_run(struct goslab_heap *h, unsigned int npages,
			  unsigned int align, struct goslab_chunk **chunkp,
			  unsigned long *pfnp)
{
	struct goslab_chunk *c;
	unsigned long flags;
	unsigned int idx;

	if (npages < GOSLAB_PCACHE_MAX_NPAGES &&
	    pcache_alloc(h, npages, align, chunkp, pfnp))
		return true;
	spin_lock_irqsave(&h->lock, flags);
	c = heap_take(h, npages, align, &idx);
	spin_unlock_irqrestore(&h->lock, flags);
	if (!c)
		return false;
	*chunkp = c;
	*pfnp = c->pfn + idx;
	return true;
}

/*
 * The run is @owner's; @h was asked. Pages of another node's heap are
 * counted on @h: its node could not give them.
 */
static void heap_count_run(struct goslab_heap *h, struct goslab_heap *owner,
			   unsigned int npages)
{
	atomic_long_add(npages, &owner->inuse);
	if (owner != h)
		atomic_long_add(npages, &h->node_fallback);
}

/*
 * May @h's request go to other nodes? Not with __GFP_THISNODE, and not
 * for a heap outside heaps[][] (the KUnit suites' own), which only ever
 * grows on its node with the caller's flags.
 */
static bool heap_may_fall_back(struct goslab_heap *h, gfp_t gfp)
{
	return !(gfp & __GFP_THISNODE) && heaps[h->nid][h->zone] == h;
}

/*
 * The heaps of @h's zone class on the other nodes, nearest first: by
 * node_distance() from @h's node, then by node id. @prev is the one
 * returned last, NULL to start.
 */
static struct goslab_heap *heap_next_near(struct goslab_heap *h,
					  struct goslab_heap *prev)
{
	int pd = prev ? node_distance(h->nid, prev->nid) : -1;
	int pn = prev ? prev->nid : -1, nid, d, bd = 0;
	struct goslab_heap *best = NULL, *o;

	for_each_node_state(nid, N_MEMORY) {
		o = heaps[nid][h->zone];
		if (!o || o == h)
			continue;
		d = node_distance(h->nid, nid);
		if (d < pd || (d == pd && nid <= pn))
			continue;
		if (!best || d < bd || (d == bd && nid < best->nid)) {
			best = o;
			bd = d;
		}
	}
	return best;
}

/*
 * The page allocator's order of things for a request any node may serve:
 * what is free now, on this node's heap and then on the others' nearest
 * first (taking a run, or growing by what the buddy allocator has free
 * without reclaim, reserves or a warning); then one attempt with the
 * caller's flags and no __GFP_THISNODE, from this node's zonelist, where
 * the page allocator reclaims, compacts and OOM-kills as for the caller.
 */
static int heap_alloc_any(struct goslab_heap *h, unsigned int npages,
			  unsigned int align, gfp_t gfp, bool nofail,
			  struct goslab_chunk **chunkp, unsigned long *pfnp)
{
	/* As the opportunistic orders, but kswapd may be woken. */
	const gfp_t light = (gfp & ~(GOSLAB_GFP_OPPORTUNISTIC_CLEAR &
				      ~__GFP_KSWAPD_RECLAIM)) |
			    GOSLAB_GFP_OPPORTUNISTIC_SET;
	struct goslab_heap *o = h;
	unsigned int tries;

	do {
		if (heap_take_run(o, npages, align, chunkp, pfnp) ||
		    (!heap_grow(o, npages, light) &&
		     heap_take_run(o, npages, align, chunkp, pfnp)))
			goto found;
		o = heap_next_near(h, o == h ? NULL : o);
	} while (o);

	for (tries = 0; tries < 3 || nofail; tries++) {
		o = heap_grow_any(h, npages, gfp);
		if (IS_ERR(o)) {
			if (!nofail || PTR_ERR(o) != -ENOMEM)
				return -ENOMEM;
			cond_resched();
			continue;
		}
		/* Other CPUs may take the new chunk's pages first. */
		if (heap_take_run(o, npages, align, chunkp, pfnp))
			goto found;
		if (heap_take_run(h, npages, align, chunkp, pfnp)) {
			o = h;
			goto found;
		}
		if (nofail)
			cond_resched();
	}
	return -ENOMEM;
found:
	heap_count_run(h, o, npages);
	return 0;
}

/**
 * goslab_heap_alloc_pages() - take a run of pages from a heap
 * @h: heap
 * @npages: pages wanted, 1 .. GOSLAB_CHUNK_PAGES
 * @gfp: what the caller allows (sleeping, reclaim, __GFP_THISNODE)
 * @chunkp: the chunk the pages are in, on success; its heap is @h's, or
 *	another node's when @h could not serve the request
 * @pfnp: the first page frame, on success
 *
 * Small runs come from this CPU's page cache; others from the heap by first
 * fit, growing it by a chunk when nothing fits. The run starts on a
 * multiple of the largest power of two that divides @npages, as a buddy
 * block would: that is what aligns power-of-two kmalloc sizes, large
 * objects and stack blocks to their size.
 *
 * Without __GFP_THISNODE, a heap that cannot serve the request from what
 * its node has free hands it to the other nodes' heaps, nearest first
 * (node_distance()), and the last attempt is the page allocator's with the
 * caller's flags from any node, reclaim and OOM killer included, as
 * alloc_pages_node() falls back; the pages that come from another node are
 * counted in @h's node_fallback. With __GFP_THISNODE the pages are @h's
 * node's or none.
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
	unsigned int tries, align;
	int err;

	if (!npages || npages > GOSLAB_CHUNK_PAGES) {
		goslab_report(GOSLAB_BAD_ARG, NULL, NULL, _RET_IP_);
		return -EINVAL;
	}
	align = run_align(npages);
	if (heap_may_fall_back(h, gfp))
		return heap_alloc_any(h, npages, align, gfp, nofail, chunkp,
				      pfnp);
	for (tries = 0; tries < 3 || nofail; tries++) {
		if (heap_take_run(h, npages, align, chunkp, pfnp))
			goto found;
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
	heap_count_run(h, h, npages);
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
	    !chunk_range_live(c, pfn - c->pfn, npages)) {
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
		heap_examined(h);
		if (pfn >= c->pfn && pfn + npages <= c->pfn + c->npages) {
			found = c;
			break;
		}
	}
	if (!found || !chunk_range_live(found, pfn - found->pfn, npages)) {
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
		heap_examined(h);
		if (c->nfree + c->nabsent != c->npages)
			continue;
		if (idle_only && time_before(jiffies, c->idle_since + HZ))
			continue;
		if (h->hint == c)
			h->hint = list_is_last(&c->list, &h->chunks) ? NULL :
				  list_next_entry(c, list);
		list_move(&c->list, &gone);
		h->nchunks--;
		h->held -= c->nfree;
		h->scavenged += c->nfree;
		released += c->nfree;
	}
	spin_unlock_irqrestore(&h->lock, flags);

	list_for_each_entry_safe(c, tmp, &gone, list) {
		chunk_release(c);
		goslab_fixalloc_free(&h->chunkmeta, c);
	}
	return released;
}

/*
 * The free pages of @h's chunks whose every page in use is in a span
 * @kept approves go back to the buddy allocator (chunk_trim()). A page in
 * use without a span of its own (a large object's tail pages are in its
 * span; pages in a page cache are not) makes the chunk stay whole: the
 * page caches are flushed first. Returns the pages given back.
 */
static unsigned long heap_trim(struct goslab_heap *h,
			       bool (*kept)(const struct goslab_span *s))
{
	struct goslab_chunk *c;
	struct goslab_span *s;
	unsigned long flags, n = 0;
	unsigned int i;
	int cpu;

	for_each_possible_cpu(cpu)
		goslab_heap_flush_pcache(h, cpu);
	spin_lock_irqsave(&h->lock, flags);
	list_for_each_entry(c, &h->chunks, list) {
		if (!c->nfree || c->nfree + c->nabsent == c->npages)
			continue;
		for (i = 0; i < c->npages; ) {
			if (!chunk_range_live(c, i, 1)) {
				i++;
				continue;
			}
			/* In use: a span's pages, in the span map until freed. */
			s = goslab_span_of(pfn_to_kaddr(c->pfn + i));
			if (!s || s->pfn != c->pfn + i || !kept(s))
				break;
			i += s->npages;
		}
		if (i >= c->npages)
			n += chunk_trim(h, c);
	}
	hint_skip_full(h);
	spin_unlock_irqrestore(&h->lock, flags);
	return n;
}

/**
 * goslab_heaps_trim() - give back the pages around spans kept for good
 * @kept: whether a span stays as long as goslab does (its cache was
 *	destroyed with live objects); called under the heap lock
 *
 * A span that stays keeps its chunk, which could otherwise go back whole:
 * each chunk whose pages in use are all in such spans gives its free pages
 * back to the buddy allocator one by one and keeps only those spans.
 *
 * Return: pages given back.
 */
unsigned long goslab_heaps_trim(bool (*kept)(const struct goslab_span *s))
{
	struct goslab_heap *h;
	unsigned long n = 0;

	for_each_goslab_heap(h)
		n += heap_trim(h, kept);
	return n;
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
		held += c->npages - c->nabsent;
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

/*
 * Module exit: what is still in use belongs to objects nothing can free
 * any more. Every other page goes back; those stay allocated for good,
 * with no struct of goslab's left. Returns their number.
 */
static unsigned long heap_keep_in_use(struct goslab_heap *h)
{
	struct goslab_chunk *c, *tmp;
	unsigned long flags, kept = 0;

	spin_lock_irqsave(&h->lock, flags);
	list_for_each_entry_safe(c, tmp, &h->chunks, list) {
		chunk_trim(h, c);
		kept += c->npages - c->nabsent;
		list_del(&c->list);
		h->nchunks--;
		h->held -= c->npages - c->nabsent;
		goslab_fixalloc_free(&h->chunkmeta, c);
	}
	h->hint = NULL;
	spin_unlock_irqrestore(&h->lock, flags);
	/* Their span structs go with the module. */
	h->spans.inuse = 0;
	return kept;
}

/**
 * goslab_heaps_exit() - free every heap at module exit
 *
 * Pages still in use are in spans of live objects (reported by the caches
 * layer): they stay allocated, and every other page goes back, the free
 * pages of their chunks one by one.
 *
 * Return: the pages that stay allocated.
 */
unsigned long goslab_heaps_exit(void)
{
	unsigned long kept = 0;
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
			kept += heap_keep_in_use(h);
			goslab_fixalloc_destroy(&h->spans);
			goslab_fixalloc_destroy(&h->chunkmeta);
			free_percpu(h->pcache);
			kfree(h);
			heaps[nid][z] = NULL;
		}
	}
	goslab_span_map_exit();
	return kept;
}

/* === Spans from the heap (Go's mheap.allocSpan / freeSpan) === */

/**
 * goslab_span_alloc() - a span of pages from a heap
 * @h: heap
 * @npages: pages
 * @gfp: what the caller allows
 *
 * The pages may come from another node's heap when @h cannot serve them
 * (goslab_heap_alloc_pages()); s->heap is the heap they are from, and the
 * span struct comes from its fixalloc, zeroed (state FREE). Every page
 * maps to it in the span map once this returns. The caller sets its state.
 *
 * Return: the span, or NULL.
 */
struct goslab_span *goslab_span_alloc(struct goslab_heap *h,
				      unsigned int npages, gfp_t gfp)
{
	struct goslab_chunk *c;
	struct goslab_span *s;
	unsigned long pfn;

	if (goslab_heap_alloc_pages(h, npages, gfp, &c, &pfn))
		return NULL;
	/* The struct is of the heap the pages are from: s->heap's node. */
	s = goslab_fixalloc_alloc(&c->heap->spans, gfp);
	if (!s) {
		goslab_chunk_free_pages(c, pfn, npages);
		return NULL;
	}
	spin_lock_init(&s->lock);
	s->heap = c->heap;
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

/**
 * goslab_span_account() - count a span's pages as slab memory, or stop
 * @s: span that starts (@sign 1) or stops (@sign -1) serving objects
 * @reclaimable: the span is a SLAB_RECLAIM_ACCOUNT cache's
 * @sign: 1 or -1
 *
 * What /proc/meminfo's Slab, SReclaimable and SUnreclaim show, per node,
 * as SLUB's account_slab() does: a span counts from the moment it is
 * handed to a central, a large object or a large stack until its pages go
 * back to the heap. The heap's free pages are not slab memory; debugfs
 * shows them as goslab's own (pages_free). Safe in any context.
 */
void goslab_span_account(struct goslab_span *s, bool reclaimable, int sign)
{
	long pages = sign * (long)s->npages;

	mod_node_page_state(page_pgdat(pfn_to_page(s->pfn)),
			    reclaimable ? NR_SLAB_RECLAIMABLE_B :
					  NR_SLAB_UNRECLAIMABLE_B,
			    pages << PAGE_SHIFT);
	atomic_long_add(pages, &s->heap->slab);
	if (reclaimable)
		atomic_long_add(pages, &s->heap->slab_reclaimable);
}

#ifdef GOSLAB_KUNIT
#include "tests/mheap-kunit.h"
#endif

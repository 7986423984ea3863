// SPDX-License-Identifier: GPL-2.0
/*
 * goslab page heap: Go's mheap and page allocator (mheap.go, mpagealloc.go,
 * mpallocbits.go) over chunks from the buddy allocator, one heap per
 * (NUMA node, zone class), and the span map (Go's arena index).
 *
 * A chunk is a naturally aligned block of 1 << order pages. Each chunk keeps
 * a bitmap of its pages (set = in use) and a summary (start, max, end) of
 * every 64-page word; the chunk's root summary merges them. The chunks are
 * an rbtree by address in which each node knows the longest run of its
 * subtree, so a search goes down one path to the lowest chunk whose root
 * says a long enough run exists, and into its words: address-ordered first
 * fit, as in Go, in O(log n) chunks. The bitmap and summary operations
 * themselves are in mpagealloc.c.
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
#include <linux/rbtree_augmented.h>
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

/* === The chunk tree: first fit in O(log n) chunks === */

/*
 * A heap's chunks are an rbtree by page frame in which each node also
 * holds what its subtree can hold (struct goslab_chunk_max), as the kernel's
 * vmalloc keeps the largest free area of each subtree of its free-space
 * tree. The lowest chunk that fits a request is then one path from the
 * root down: Go gets the same from its radix tree of summaries.
 */

static struct goslab_chunk *chunk_of(struct rb_node *node)
{
	return rb_entry_safe(node, struct goslab_chunk, node);
}

/* A search looked at one more chunk: counted for the tests that bound it. */
static inline void heap_examined(struct goslab_heap *h)
{
#if GOSLAB_TEST_BUILD
	h->examined++;
#endif
}

/* What @c alone can hold. */
static struct goslab_chunk_max chunk_own_max(const struct goslab_chunk *c)
{
	struct goslab_chunk_max m = {
		.max = c->root.max,
		.whole = c->root.max == c->npages ? c->npages : 0,
	};

	return m;
}

static void chunk_max_add(struct goslab_chunk_max *m, struct rb_node *node)
{
	const struct goslab_chunk *child = chunk_of(node);

	if (!child)
		return;
	m->max = max(m->max, child->subtree.max);
	m->whole = max(m->whole, child->subtree.whole);
}

/*
 * The rbtree's RBCOMPUTE: @c's subtree from @c and its children's. With
 * @exit, true if that is what @c already had, so propagation stops there.
 */
static bool chunk_subtree_compute(struct goslab_chunk *c, bool exit)
{
	struct goslab_chunk_max m = chunk_own_max(c);

	chunk_max_add(&m, c->node.rb_left);
	chunk_max_add(&m, c->node.rb_right);
	if (exit && c->subtree.max == m.max && c->subtree.whole == m.whole)
		return true;
	c->subtree = m;
	return false;
}

RB_DECLARE_CALLBACKS(static, chunk_tree_cb, struct goslab_chunk, node,
		     subtree, chunk_subtree_compute);

/* Does @m hold a run of @max pages, or an entirely free chunk of @whole? */
static bool chunk_max_fits(struct goslab_chunk_max m, unsigned int max,
			   unsigned int whole)
{
	return m.max >= max || m.whole >= whole;
}

/*
 * The lowest chunk with a free run of @max pages or more, or entirely
 * free with @whole pages or more; NULL if none. A subtree whose summary
 * fits has a chunk that fits, so the lowest is in the left subtree if that
 * one fits, else it is the node, else it is in the right subtree: one path
 * from the root, at most 2 * log2(n + 1) chunks.
 */
static struct goslab_chunk *heap_first(struct goslab_heap *h,
				       unsigned int max, unsigned int whole)
{
	struct rb_node *node = h->chunks.rb_node;
	struct goslab_chunk *c, *left;

	lockdep_assert_held(&h->lock);
	if (!node || !chunk_max_fits(chunk_of(node)->subtree, max, whole))
		return NULL;
	for (;;) {
		c = chunk_of(node);
		heap_examined(h);
		left = chunk_of(node->rb_left);
		if (left && chunk_max_fits(left->subtree, max, whole)) {
			node = node->rb_left;
			continue;
		}
		if (chunk_max_fits(chunk_own_max(c), max, whole))
			return c;
		node = node->rb_right;
		/* The subtree fits, its left part and its root do not. */
		if (WARN_ON_ONCE(!node))
			return NULL;
	}
}

/* The lowest chunk with a page at or above @pfn, or NULL. */
static struct goslab_chunk *heap_chunk_from(struct goslab_heap *h,
					    unsigned long pfn)
{
	struct rb_node *node = h->chunks.rb_node;
	struct goslab_chunk *c, *found = NULL;

	lockdep_assert_held(&h->lock);
	while (node) {
		c = chunk_of(node);
		if (c->pfn + c->npages > pfn) {
			found = c;
			node = node->rb_left;
		} else {
			node = node->rb_right;
		}
	}
	return found;
}

/* The lowest chunk of @h, or NULL. Under h->lock. */
static struct goslab_chunk *heap_first_chunk(struct goslab_heap *h)
{
	return chunk_of(rb_first(&h->chunks));
}

/* Add @c, whose root is up to date, to @h's tree. */
static void heap_insert(struct goslab_heap *h, struct goslab_chunk *c)
{
	struct rb_node **link = &h->chunks.rb_node, *parent = NULL;
	struct goslab_chunk *p;

	lockdep_assert_held(&h->lock);
	c->subtree = chunk_own_max(c);
	while (*link) {
		parent = *link;
		p = chunk_of(parent);
		/* @c goes below @p: @p's subtree holds what @c holds. */
		p->subtree.max = max(p->subtree.max, c->subtree.max);
		p->subtree.whole = max(p->subtree.whole, c->subtree.whole);
		link = c->pfn < p->pfn ? &parent->rb_left : &parent->rb_right;
	}
	rb_link_node(&c->node, parent, link);
	rb_insert_augmented(&c->node, &h->chunks, &chunk_tree_cb);
}

/* Take @c out of @h's tree and off the list of free chunks. */
static void heap_remove(struct goslab_heap *h, struct goslab_chunk *c)
{
	lockdep_assert_held(&h->lock);
	rb_erase_augmented(&c->node, &h->chunks, &chunk_tree_cb);
	list_del_init(&c->free);
}

/* Every page free but those given back (chunk_release() takes it whole). */
static bool chunk_is_free(const struct goslab_chunk *c)
{
	return c->nfree + c->nabsent == c->npages;
}

/*
 * @c's bitmap changed (it was entirely free if @was_free): merge its root
 * again and carry it up the tree, and put the chunk on the list of free
 * chunks when it becomes entirely free, or take it off when it stops.
 */
static void chunk_changed(struct goslab_chunk *c, bool was_free)
{
	struct goslab_heap *h = c->heap;
	bool free = chunk_is_free(c);

	lockdep_assert_held(&h->lock);
	c->root = merge_sums(c->sum, chunk_words(c));
	chunk_tree_cb_propagate(&c->node, NULL);
	if (free == was_free)
		return;
	if (free) {
		/* Last on the list and newest: the list stays oldest first. */
		c->idle_since = jiffies;
		list_add_tail(&c->free, &h->free_chunks);
	} else {
		list_del_init(&c->free);
	}
}

/* Set or clear pages [idx, idx + n) and bring the summaries up to date. */
static void chunk_mark(struct goslab_chunk *c, unsigned int idx,
		       unsigned int n, bool used)
{
	bool was_free = chunk_is_free(c);

	lockdep_assert_held(&c->heap->lock);
	goslab_palloc_mark(c->bits, c->sum, idx, n, used);
	if (used)
		c->nfree -= n;
	else
		c->nfree += n;
	chunk_changed(c, was_free);
}

/* Mark every free page of word @w in use; return them (set = was free). */
static u64 chunk_take_word(struct goslab_chunk *c, unsigned int w)
{
	bool was_free = chunk_is_free(c);
	u64 free = ~c->bits[w];

	lockdep_assert_held(&c->heap->lock);
	c->bits[w] = ~0ULL;
	c->sum[w] = word_sum(c->bits[w]);
	c->nfree -= hweight64(free);
	chunk_changed(c, was_free);
	return free;
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
	c->nabsent = 0;
	INIT_LIST_HEAD(&c->free);
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
	bool was_free = chunk_is_free(c);
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
	c->nfree -= n;
	c->nabsent += n;
	chunk_changed(c, was_free);
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

/*
 * Find and take @n pages on a multiple of @align. Returns the chunk and
 * page index, or NULL.
 *
 * First fit: the lowest chunk with a run of @n, and in it the lowest run
 * that fits. If that chunk has no run of @n on a multiple of @align, the
 * lowest chunk certain to have one: a run of n + align - 1 pages holds one
 * (chunks are naturally aligned), and so does an entirely free chunk of @n
 * pages or more. An aligned fit in a shorter run of a chunk between the
 * two is passed over: two searches of O(log n) chunks rather than a walk
 * of every chunk with interrupts off.
 */
static struct goslab_chunk *heap_take(struct goslab_heap *h, unsigned int n,
				      unsigned int align, unsigned int *idxp)
{
	struct goslab_chunk *c;
	int idx;

	lockdep_assert_held(&h->lock);
	c = heap_first(h, n, n);
	if (!c)
		return NULL;
	idx = chunk_find(c, n, align);
	if (idx < 0) {
		c = heap_first(h, n + align - 1, n);
		if (!c)
			return NULL;
		idx = chunk_find(c, n, align);
		if (WARN_ON_ONCE(idx < 0))
			return NULL;
	}
	chunk_mark(c, idx, n, true);
	*idxp = idx;
	return c;
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
	struct goslab_chunk *c;
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
	heap_insert(h, c);
	/* Free from the start, and the newest free chunk (chunk_changed()). */
	c->idle_since = jiffies;
	list_add_tail(&c->free, &h->free_chunks);
	h->nchunks++;
	h->held += c->npages;
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
	spin_unlock_irqrestore(&h->lock, flags);
	pc->chunk = NULL;
	pc->cache = 0;
}

/* The first word of @c with @n free pages on a multiple of @align, or -1. */
static int chunk_find_word(const struct goslab_chunk *c, unsigned int n,
			   unsigned int align)
{
	unsigned int i;

	for (i = 0; i < chunk_words(c); i++)
		if (c->sum[i].max >= n &&
		    word_find_aligned(c->bits[i], n, align) >= 0)
			return i;
	return -1;
}

/*
 * Take every free page of a word that has an aligned run of @n: the first
 * such word of the lowest chunk with a run of @n, or if it has none (its
 * runs cross words, or are misplaced), of the lowest chunk certain to have
 * one. A run of 2 * (n + align - 1) pages covers a whole word or has half
 * its length in one word, and an entirely free chunk has its first pages
 * free. Two searches of O(log n) chunks, as heap_take().
 */
static bool pcache_refill(struct goslab_heap *h, struct goslab_pcache *pc,
			  unsigned int n, unsigned int align)
{
	struct goslab_chunk *c;
	unsigned long flags;
	int w = -1;

	spin_lock_irqsave(&h->lock, flags);
	c = heap_first(h, n, n);
	if (c)
		w = chunk_find_word(c, n, align);
	if (c && w < 0) {
		c = heap_first(h, 2 * (n + align - 1), n);
		if (c)
			w = chunk_find_word(c, n, align);
		WARN_ON_ONCE(c && w < 0);
	}
	if (w >= 0) {
		pc->chunk = c;
		pc->base = w * 64;
		pc->cache = chunk_take_word(c, w);
		atomic_long_add(hweight64(pc->cache), &h->cached);
	}
	spin_unlock_irqrestore(&h->lock, flags);
	return w >= 0;
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
	spin_unlock_irqrestore(&h->lock, flags);
	atomic_long_sub(npages, &h->inuse);
}

#if GOSLAB_TEST_BUILD
/* The chunk holding page frame @pfn, or NULL. */
static struct goslab_chunk *heap_chunk_of(struct goslab_heap *h,
					  unsigned long pfn)
{
	struct rb_node *node = h->chunks.rb_node;
	struct goslab_chunk *c;

	lockdep_assert_held(&h->lock);
	while (node) {
		c = chunk_of(node);
		heap_examined(h);
		if (pfn < c->pfn)
			node = node->rb_left;
		else if (pfn >= c->pfn + c->npages)
			node = node->rb_right;
		else
			return c;
	}
	return NULL;
}

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
	struct goslab_chunk *c;
	unsigned long flags;

	if (!npages || npages > GOSLAB_CHUNK_PAGES)
		goto bad;
	spin_lock_irqsave(&h->lock, flags);
	c = heap_chunk_of(h, pfn);
	if (!c || pfn + npages > c->pfn + c->npages ||
	    !chunk_range_live(c, pfn - c->pfn, npages)) {
		spin_unlock_irqrestore(&h->lock, flags);
		goto bad;
	}
	chunk_mark(c, pfn - c->pfn, npages, false);
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
 * Oldest first: the heap keeps its entirely free chunks on a list in the
 * order they became free, so this looks at the chunks it releases and one
 * more, however many chunks the heap has.
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
	list_for_each_entry_safe(c, tmp, &h->free_chunks, free) {
		if (released >= max_pages)
			break;
		heap_examined(h);
		/* The chunks after it became free later still. */
		if (idle_only && time_before(jiffies, c->idle_since + HZ))
			break;
		rb_erase_augmented(&c->node, &h->chunks, &chunk_tree_cb);
		list_move(&c->free, &gone);
		h->nchunks--;
		h->held -= c->nfree;
		h->scavenged += c->nfree;
		released += c->nfree;
	}
	spin_unlock_irqrestore(&h->lock, flags);

	list_for_each_entry_safe(c, tmp, &gone, free) {
		chunk_release(c);
		goslab_fixalloc_free(&h->chunkmeta, c);
	}
	return released;
}

/* Is every page of @c in use in a span @kept approves (or free)? */
static bool chunk_only_kept(const struct goslab_chunk *c,
			    bool (*kept)(const struct goslab_span *s))
{
	struct goslab_span *s;
	unsigned int i;

	for (i = 0; i < c->npages; ) {
		if (!chunk_range_live(c, i, 1)) {
			i++;
			continue;
		}
		/* In use: a span's pages, in the span map until freed. */
		s = goslab_span_of(pfn_to_kaddr(c->pfn + i));
		if (!s || s->pfn != c->pfn + i || !kept(s))
			return false;
		i += s->npages;
	}
	return true;
}

/*
 * The free pages of @h's chunks whose every page in use is in a span
 * @kept approves go back to the buddy allocator (chunk_trim()). A page in
 * use without a span of its own (a large object's tail pages are in its
 * span; pages in a page cache are not) makes the chunk stay whole: the
 * page caches are flushed first. One chunk per hold of the heap lock, each
 * found again by address, so interrupts are off for one chunk's pages at a
 * time however large the heap. Process context. Returns the pages given
 * back.
 */
static unsigned long heap_trim(struct goslab_heap *h,
			       bool (*kept)(const struct goslab_span *s))
{
	unsigned long flags, pfn = 0, n = 0;
	struct goslab_chunk *c;
	int cpu;

	for_each_possible_cpu(cpu)
		goslab_heap_flush_pcache(h, cpu);
	for (;;) {
		spin_lock_irqsave(&h->lock, flags);
		c = heap_chunk_from(h, pfn);
		if (c) {
			pfn = c->pfn + c->npages;
			if (c->nfree && !chunk_is_free(c) &&
			    chunk_only_kept(c, kept))
				n += chunk_trim(h, c);
		}
		spin_unlock_irqrestore(&h->lock, flags);
		if (!c)
			return n;
		cond_resched();
	}
}

/**
 * goslab_heaps_trim() - give back the pages around spans kept for good
 * @kept: whether a span stays as long as goslab does (its cache was
 *	destroyed with live objects); called under the heap lock
 *
 * Context: process context, may sleep.
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
/* The chunk after @c in address order, or NULL. Under h->lock. */
static struct goslab_chunk *chunk_next(struct goslab_chunk *c)
{
	return chunk_of(rb_next(&c->node));
}

/**
 * goslab_heap_check() - verify a heap's bitmaps, summaries and tree
 * @h: heap
 *
 * For tests: every word summary and root matches a recomputation, free
 * counts match the bitmaps, chunks are in address order without overlap,
 * every node's subtree summary is its own and its children's, and the
 * list of free chunks holds the entirely free chunks, oldest first.
 *
 * Return: true if consistent.
 */
bool goslab_heap_check(struct goslab_heap *h)
{
	unsigned long flags, end = 0, held = 0, nchunks = 0, nfree_chunks = 0;
	struct goslab_chunk *c, *prev = NULL;
	struct goslab_chunk_max m;
	unsigned int i, nfree;
	bool ok = true;

	spin_lock_irqsave(&h->lock, flags);
	for (c = heap_first_chunk(h); c; c = chunk_next(c)) {
		struct goslab_sum s;

		if (c->pfn < end)
			ok = false;
		end = c->pfn + c->npages;
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
		m = chunk_own_max(c);
		chunk_max_add(&m, c->node.rb_left);
		chunk_max_add(&m, c->node.rb_right);
		if (m.max != c->subtree.max || m.whole != c->subtree.whole)
			ok = false;
		if (chunk_is_free(c) == list_empty(&c->free))
			ok = false;
		nfree_chunks += chunk_is_free(c);
		held += c->npages - c->nabsent;
		nchunks++;
	}
	list_for_each_entry(c, &h->free_chunks, free) {
		if (prev && time_before(c->idle_since, prev->idle_since))
			ok = false;
		prev = c;
		nfree_chunks--;
	}
	if (held != h->held || nchunks != h->nchunks || nfree_chunks)
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
	h->chunks = RB_ROOT;
	INIT_LIST_HEAD(&h->free_chunks);
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
	unsigned long flags, kept = 0;
	struct goslab_chunk *c;

	/* One chunk per hold of the lock: interrupts off for its pages only. */
	for (;;) {
		spin_lock_irqsave(&h->lock, flags);
		c = heap_first_chunk(h);
		if (!c) {
			spin_unlock_irqrestore(&h->lock, flags);
			break;
		}
		chunk_trim(h, c);
		kept += c->npages - c->nabsent;
		heap_remove(h, c);
		h->nchunks--;
		h->held -= c->npages - c->nabsent;
		spin_unlock_irqrestore(&h->lock, flags);
		goslab_fixalloc_free(&h->chunkmeta, c);
	}
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

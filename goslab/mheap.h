/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goslab page heap (mheap.c, Go's mheap.go and mpagealloc.go): chunks,
 * per-CPU page caches, one heap per (node, zone class), the span map.
 * Included through internal.h. Overview: Documentation/design.rst.
 */
#ifndef _GOSLAB_MHEAP_H
#define _GOSLAB_MHEAP_H

#include <linux/mmzone.h>
#include <linux/percpu.h>
#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/version.h>

#include "mpagealloc.h"
#include "mspan.h"
#include "mfixalloc.h"

#if KERNEL_VERSION(6, 4, 0) > LINUX_VERSION_CODE
#define GOSLAB_BUDDY_MAX_ORDER	(MAX_ORDER - 1)
#elif KERNEL_VERSION(6, 8, 0) > LINUX_VERSION_CODE
#define GOSLAB_BUDDY_MAX_ORDER	MAX_ORDER
#else
#define GOSLAB_BUDDY_MAX_ORDER	MAX_PAGE_ORDER
#endif

/* A chunk is Go's heapArena-sized unit of growth: 1024 pages, 4 MiB. */
#define GOSLAB_CHUNK_ORDER	(GOSLAB_BUDDY_MAX_ORDER < 10 ? GOSLAB_BUDDY_MAX_ORDER : 10)
#define GOSLAB_CHUNK_PAGES	((unsigned int)BIT(GOSLAB_CHUNK_ORDER))
#define GOSLAB_CHUNK_MAX_PAGES	1024U
#define GOSLAB_CHUNK_WORDS	(GOSLAB_CHUNK_MAX_PAGES / 64)

/* The span map: Go's arena index, one table of span pointers per 64 MiB. */
#define GOSLAB_ARENA_SHIFT	14
#define GOSLAB_ARENA_PAGES	BIT(GOSLAB_ARENA_SHIFT)

/* Per-CPU page cache: Go's pageCache, one aligned 64-page word. */
#define GOSLAB_PCACHE_PAGES	64
#define GOSLAB_PCACHE_MAX_NPAGES (GOSLAB_PCACHE_PAGES / 4)

/* Zone classes: each node has one heap per class. */
enum goslab_zone {
	GOSLAB_ZONE_NORMAL,
	GOSLAB_ZONE_DMA32,
	GOSLAB_ZONE_DMA,
	GOSLAB_NR_ZONES,
};

extern const char *const goslab_zone_names[GOSLAB_NR_ZONES];

static inline enum goslab_zone goslab_gfp_zone(gfp_t gfp)
{
	if (IS_ENABLED(CONFIG_ZONE_DMA) && (gfp & __GFP_DMA))
		return GOSLAB_ZONE_DMA;
	if (IS_ENABLED(CONFIG_ZONE_DMA32) && (gfp & __GFP_DMA32))
		return GOSLAB_ZONE_DMA32;
	return GOSLAB_ZONE_NORMAL;
}

/**
 * struct goslab_chunk_max - what the chunks of an rbtree subtree can hold
 * @max: the longest free run (root.max) of any chunk in the subtree.
 * @whole: the most pages of a chunk in the subtree with every page free
 *	(root.max == npages), 0 if none is.
 *
 * A search needs both: a run of n pages on a multiple of its alignment is
 * certain in a run of n + align - 1, or in a free chunk of n pages or more,
 * and no single number says that of a small free chunk.
 */
struct goslab_chunk_max {
	u16 max;
	u16 whole;
};

/**
 * struct goslab_chunk - a block of pages from the buddy allocator
 * @node: in the heap's tree of chunks by page frame; heap->lock.
 * @subtree: what the chunks of @node's subtree can hold, this one
 *	included (the tree's augmented value); heap->lock.
 * @free: on the heap's list of entirely free chunks while
 *	@nfree + @nabsent == @npages, else empty; heap->lock.
 * @heap: the heap it belongs to.
 * @pfn: first page frame.
 * @order: buddy order it was allocated with.
 * @npages: 1 << @order.
 * @nfree: free pages; heap->lock.
 * @idle_since: jiffies when the chunk last became entirely free; heap->lock.
 * @nabsent: pages given back to the buddy allocator one by one, the chunk
 *	split (split_page()) around spans kept for good; heap->lock.
 * @bits: pallocBits, one bit per page, set = in use or absent; heap->lock.
 * @absent: one bit per page, set = given back (then set in @bits too);
 *	heap->lock.
 * @sum: summary of each 64-page word of @bits; heap->lock.
 * @root: summary of the whole chunk; heap->lock.
 */
struct goslab_chunk {
	struct rb_node node;
	struct goslab_chunk_max subtree;
	struct list_head free;
	struct goslab_heap *heap;
	unsigned long pfn;
	unsigned int order;
	unsigned int npages;
	unsigned int nfree;
	unsigned long idle_since;
	unsigned int nabsent;
	u64 bits[GOSLAB_CHUNK_WORDS];
	u64 absent[GOSLAB_CHUNK_WORDS];
	struct goslab_sum sum[GOSLAB_CHUNK_WORDS];
	struct goslab_sum root;
};

/**
 * struct goslab_pcache - Go's pageCache: free pages of one aligned 64-page
 * word taken from the heap at once, so single-span allocations skip the heap
 * lock.
 * @lock: guards the fields below; taken with interrupts off.
 * @chunk: chunk the pages are in, NULL when empty.
 * @base: index in @chunk of the first page of the word.
 * @cache: bit set = page free in the cache.
 */
struct goslab_pcache {
	spinlock_t lock;		/* guards the fields below, irqs off */
	struct goslab_chunk *chunk;
	unsigned int base;
	u64 cache;
};

/**
 * struct goslab_heap - Go's mheap for one (node, zone class)
 * @lock: the heap lock (spinlock_t, interrupts off); guards the chunk tree
 *	and list and every chunk's bitmaps, summaries and counts.
 * @nid: node every page of this heap comes from; set at creation.
 * @zone: zone class; set at creation.
 * @chunks: rbtree of the chunks by page frame, each node augmented with
 *	what its subtree can hold, for first fit in O(log n); @lock.
 * @free_chunks: the entirely free chunks, in the order they became free,
 *	so oldest first; @lock.
 * @nchunks: chunks held; written under @lock, read with READ_ONCE().
 * @held: pages held from the buddy allocator; as @nchunks.
 * @inuse: pages in spans; atomic.
 * @cached: pages sitting in per-CPU page caches; atomic.
 * @scavenged: pages returned to the buddy allocator, ever; as @nchunks.
 * @large: large-object spans live; atomic.
 * @fallback: allocations served from another node because this node has no
 *	memory in this zone; atomic.
 * @node_fallback: pages asked of this heap and taken from another node's
 *	heap because this node had none free (goslab_heap_alloc_pages());
 *	atomic.
 * @grow_fail: failed grows; atomic.
 * @slab: pages of this heap's spans counted as slab memory in the node's
 *	vmstat (goslab_span_account()); atomic.
 * @slab_reclaimable: the part of @slab counted as reclaimable; atomic.
 * @pcache: per-CPU page caches, each under its own lock.
 * @spans: fixalloc for span structs, node-local; its own lock.
 * @chunkmeta: fixalloc for chunk structs, node-local; its own lock.
 * @examined: test build only: chunks the searches looked at, for the
 *	KUnit cases that bound them; @lock.
 */
struct goslab_heap {
	spinlock_t lock;		/* chunk tree, bitmaps, summaries */
	int nid;
	enum goslab_zone zone;
	struct rb_root chunks;		/* lock */
	struct list_head free_chunks;	/* lock */
	unsigned long nchunks;		/* lock; READ_ONCE() to read without */
	unsigned long held;		/* lock; READ_ONCE() to read without */
	atomic_long_t inuse;
	atomic_long_t cached;
	unsigned long scavenged;	/* lock; READ_ONCE() to read without */
	atomic_long_t large;
	atomic_long_t fallback;
	atomic_long_t node_fallback;
	atomic_long_t grow_fail;
	atomic_long_t slab;
	atomic_long_t slab_reclaimable;
	struct goslab_pcache __percpu *pcache;
	struct goslab_fixalloc spans;
	struct goslab_fixalloc chunkmeta;
#if GOSLAB_TEST_BUILD
	unsigned long examined;		/* lock */
#endif
};

/* Heap serving (node, zone): its own, or the nearest node's with that zone. */
struct goslab_heap *goslab_heap_serving(int nid, enum goslab_zone zone);
/* The node's own heap of that zone class, or NULL if it has none. */
struct goslab_heap *goslab_heap_owned(int nid, enum goslab_zone zone);

/* for_each_goslab_heap()'s step: the heap after (*@nid, *@z), in *@h. */
static inline bool goslab_heap_next(int *nid, int *z, struct goslab_heap **h)
{
	while (*nid < MAX_NUMNODES) {
		if (++*z < GOSLAB_NR_ZONES) {
			*h = goslab_heap_owned(*nid, *z);
			if (*h)
				return true;
		} else {
			*z = -1;
			*nid = next_memory_node(*nid);
		}
	}
	return false;
}

/**
 * for_each_goslab_heap() - every heap: each zone class of each node with memory
 * @h: struct goslab_heap *, set to each heap in turn (h->nid, h->zone)
 */
#define for_each_goslab_heap(h)						\
	for (int __nid = first_memory_node, __z = -1;			\
	     goslab_heap_next(&__nid, &__z, &(h));)
bool goslab_heap_has_memory(int nid, enum goslab_zone zone);

int goslab_heap_alloc_pages(struct goslab_heap *h, unsigned int npages,
			    gfp_t gfp, struct goslab_chunk **chunkp,
			    unsigned long *pfnp);
void goslab_chunk_free_pages(struct goslab_chunk *c, unsigned long pfn,
			     unsigned int npages);
#if GOSLAB_TEST_BUILD
int goslab_heap_free_pages(struct goslab_heap *h, unsigned long pfn,
			   unsigned int npages);
#endif
unsigned long goslab_heap_release_free(struct goslab_heap *h,
				       unsigned long max_pages, bool idle_only);
void goslab_heap_flush_pcache(struct goslab_heap *h, int cpu);
#if GOSLAB_TEST_BUILD
bool goslab_heap_check(struct goslab_heap *h);
#endif

int goslab_heaps_init(void);
unsigned long goslab_heaps_exit(void);
unsigned long goslab_heaps_trim(bool (*kept)(const struct goslab_span *s));

#ifdef CONFIG_FAULT_INJECTION
#include <linux/fault-inject.h>
extern struct fault_attr goslab_fail_grow;
#endif

/* === Spans: the heap side (mspan.h has the span itself) === */

struct goslab_span *goslab_span_alloc(struct goslab_heap *h,
				      unsigned int npages, gfp_t gfp);
void goslab_span_free(struct goslab_span *s);
void goslab_span_account(struct goslab_span *s, bool reclaimable, int sign);

/**
 * struct goslab_span_map - Go's arena index: spanOf's first level
 * @len: arenas covered, from pfn 0.
 * @older: the map this one replaced, kept until unload: a free may still
 *	be reading it (goslab_span_of() takes no lock).
 * @arena: per GOSLAB_ARENA_PAGES pages, NULL or a table of
 *	GOSLAB_ARENA_PAGES span pointers, one per page. Entries are set once,
 *	under span_map_lock (mheap.c), and shared by every map.
 *
 * Sized at load for the memory present; a memory hot-add grows it before
 * the new pages reach the buddy allocator (MEM_GOING_ONLINE).
 */
struct goslab_span_map {
	unsigned long len;
	struct goslab_span_map *older;
	struct goslab_span **arena[];
};

extern struct goslab_span_map *goslab_span_map;

/**
 * goslab_span_of() - the span holding an address goslab handed out
 * @p: any address
 *
 * O(1): the map, its arena's table, the span: Go's spanOf. Safe on any pointer: addresses outside
 * the direct map or in pages goslab does not hold in a span give NULL.
 * Inline: every free starts here.
 *
 * Return: the span, or NULL.
 */
static __always_inline struct goslab_span *goslab_span_of(const void *p)
{
	const struct goslab_span_map *m;
	struct goslab_span **l2;
	unsigned long pfn;

#ifdef CONFIG_X86_64
	/*
	 * Spans are direct-map memory, where __pa() is p - PAGE_OFFSET;
	 * anything below PAGE_OFFSET wraps around past the end of the map.
	 */
	pfn = ((unsigned long)p - PAGE_OFFSET) >> PAGE_SHIFT;
#else
	if (!virt_addr_valid(p))
		return NULL;
	pfn = PHYS_PFN(__pa(p));
#endif
	/* Pairs with smp_store_release() in span_map_grow(). */
	m = smp_load_acquire(&goslab_span_map);
	if (pfn >> GOSLAB_ARENA_SHIFT >= m->len)
		return NULL;
	/* Pairs with smp_store_release() in span_map_prepare(). */
	l2 = smp_load_acquire(&m->arena[pfn >> GOSLAB_ARENA_SHIFT]);
	if (!l2)
		return NULL;
	/* Pairs with smp_store_release() in span_map_set(). */
	return smp_load_acquire(&l2[pfn & (GOSLAB_ARENA_PAGES - 1)]);
}

/*
 * The span lock (s->lock, see Documentation/free-protocol.rst), as the free
 * paths take it: always with interrupts off, so preemption is off too.
 * With lock debugging and KCSAN off it is the arch lock alone, inline: no
 * call, no preempt_count traffic. With any of them on it is spin_lock(), so
 * lockdep, the spinlock debug checks and KCSAN see every take as they see
 * the spin_lock_irqsave() of the sweeps and central transitions on the
 * same lock. The two are the same lock word either way.
 */
#if IS_ENABLED(CONFIG_DEBUG_SPINLOCK) || IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC) || \
	IS_ENABLED(CONFIG_KCSAN) || IS_ENABLED(CONFIG_PREEMPT_RT)
#define GOSLAB_SPAN_LOCK_ARCH	0
#else
#define GOSLAB_SPAN_LOCK_ARCH	1
#endif

static __always_inline void goslab_span_lock(struct goslab_span *s)
	__acquires(&s->lock)
{
	lockdep_assert_irqs_disabled();
#if GOSLAB_SPAN_LOCK_ARCH
	arch_spin_lock(&s->lock.rlock.raw_lock);
	__acquire(&s->lock);
#else
	spin_lock(&s->lock);
#endif
}

static __always_inline void goslab_span_unlock(struct goslab_span *s)
	__releases(&s->lock)
{
#if GOSLAB_SPAN_LOCK_ARCH
	arch_spin_unlock(&s->lock.rlock.raw_lock);
	__release(&s->lock);
#else
	spin_unlock(&s->lock);
#endif
}

/* Nonzero if s->lock was free and is now held; interrupts off. */
#if GOSLAB_SPAN_LOCK_ARCH
#define goslab_span_trylock(s)						\
({									\
	struct goslab_span *__s = (s);					\
									\
	__cond_lock(&__s->lock, arch_spin_trylock(&__s->lock.rlock.raw_lock)); \
})
#else
#define goslab_span_trylock(s)	spin_trylock(&(s)->lock)
#endif

int goslab_span_map_init(void);
void goslab_span_map_exit(void);

#endif /* _GOSLAB_MHEAP_H */

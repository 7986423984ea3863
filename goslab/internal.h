/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goslab internals: the structures of every layer and the calls between them.
 *
 * Go's names are kept where they make the mapping obvious: a span is an
 * mspan, a central is an mcentral, the per-CPU part of a cache is an mcache,
 * freeindex, allocCache and allocBits mean what they mean in Go.
 */
#ifndef _GOSLAB_INTERNAL_H
#define _GOSLAB_INTERNAL_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/percpu.h>
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/version.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>

#include "goslab.h"
#include "sizeclasses.h"
#include "mpagealloc.h"
#include "mspan.h"

/*
 * Every message of goslab's own starts with "goslab: ". <linux/printk.h>,
 * included above, has defined pr_fmt already; pr_*() expand it where they
 * are used, so redefining it here is enough.
 */
#undef pr_fmt
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

/*
 * A test build (make GOSLAB_KUNIT=1) carries the internal KUnit suites
 * (goslab/tests/) and the knobs only they use; the default module does not.
 */
#ifdef GOSLAB_KUNIT
#if !IS_ENABLED(CONFIG_KUNIT)
#error "GOSLAB_KUNIT=1 needs a kernel built with CONFIG_KUNIT"
#endif
#define GOSLAB_TEST_BUILD	1
#else
#define GOSLAB_TEST_BUILD	0
#endif

/* === Page heap geometry === */

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

/* The parts of a caller's gfp that say how hard to try for pages. */
#define GOSLAB_GFP_RECLAIM_MASK (__GFP_RECLAIM | __GFP_IO | __GFP_FS | \
				 __GFP_HIGH | __GFP_NOWARN | __GFP_RETRY_MAYFAIL | \
				 __GFP_NOFAIL | __GFP_NORETRY | __GFP_MEMALLOC | \
				 __GFP_NOMEMALLOC)

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

/* === fixalloc (mfixalloc.go) === */

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

/* === Page heap (mheap.go, mpagealloc.go, mpallocbits.go) === */

/**
 * struct goslab_chunk - a block of pages from the buddy allocator
 * @list: in the heap's address-ordered chunk list; heap->lock.
 * @heap: the heap it belongs to.
 * @pfn: first page frame.
 * @order: buddy order it was allocated with.
 * @npages: 1 << @order.
 * @nfree: free pages; heap->lock.
 * @idle_since: jiffies when the chunk last became entirely free.
 * @nabsent: pages given back to the buddy allocator one by one, the chunk
 *	split (split_page()) around spans kept for good; heap->lock.
 * @bits: pallocBits, one bit per page, set = in use or absent; heap->lock.
 * @absent: one bit per page, set = given back (then set in @bits too);
 *	heap->lock.
 * @sum: summary of each 64-page word of @bits; heap->lock.
 * @root: summary of the whole chunk; heap->lock.
 */
struct goslab_chunk {
	struct list_head list;
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
 * @lock: guards the chunk list and every chunk's bitmaps and summaries.
 * @nid: node every page of this heap comes from.
 * @zone: zone class.
 * @chunks: chunks in address order.
 * @hint: first chunk that may have free pages (Go's searchAddr); heap->lock.
 * @nchunks: chunks held.
 * @held: pages held from the buddy allocator.
 * @inuse: pages in spans.
 * @cached: pages sitting in per-CPU page caches.
 * @scavenged: pages returned to the buddy allocator, ever.
 * @large: large-object spans live.
 * @fallback: allocations served from another node because this node has no
 *	memory in this zone.
 * @node_fallback: pages asked of this heap and taken from another node's
 *	heap because this node had none free (goslab_heap_alloc_pages()).
 * @grow_fail: failed grows.
 * @pcache: per-CPU page caches.
 * @spans: fixalloc for span structs, node-local.
 * @chunkmeta: fixalloc for chunk structs, node-local.
 */
struct goslab_heap {
	spinlock_t lock;		/* chunk list, bitmaps, summaries */
	int nid;
	enum goslab_zone zone;
	struct list_head chunks;
	struct goslab_chunk *hint;
	unsigned long nchunks;
	unsigned long held;
	atomic_long_t inuse;
	atomic_long_t cached;
	unsigned long scavenged;
	atomic_long_t large;
	atomic_long_t fallback;
	atomic_long_t node_fallback;
	atomic_long_t grow_fail;
	struct goslab_pcache __percpu *pcache;
	struct goslab_fixalloc spans;
	struct goslab_fixalloc chunkmeta;
};

/* Heap serving (node, zone): itself, or the nearest node with that zone. */
struct goslab_heap *goslab_heap_get(int nid, enum goslab_zone zone);
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

struct goslab_heap *goslab_heap_get_own(int nid, enum goslab_zone zone);

#ifdef CONFIG_FAULT_INJECTION
#include <linux/fault-inject.h>
extern struct fault_attr goslab_fail_grow;
#endif

/* === Spans (mspan.h; the heap side here) === */

struct goslab_span *goslab_span_alloc(struct goslab_heap *h,
				      unsigned int npages, gfp_t gfp);
void goslab_span_free(struct goslab_span *s);
extern struct goslab_span ***goslab_span_map;
extern unsigned long goslab_span_map_len;

/**
 * goslab_span_of() - the span holding an address goslab handed out
 * @p: any address
 *
 * O(1): two loads, as Go's spanOf. Safe on any pointer: addresses outside
 * the direct map or in pages goslab does not hold in a span give NULL.
 * Inline: every free starts here.
 *
 * Return: the span, or NULL.
 */
static __always_inline struct goslab_span *goslab_span_of(const void *p)
{
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
	if (pfn >> GOSLAB_ARENA_SHIFT >= goslab_span_map_len)
		return NULL;
	/* Pairs with cmpxchg_release() in span_map_prepare(). */
	l2 = smp_load_acquire(&goslab_span_map[pfn >> GOSLAB_ARENA_SHIFT]);
	if (!l2)
		return NULL;
	/* Pairs with smp_store_release() in span_map_set(). */
	return smp_load_acquire(&l2[pfn & (GOSLAB_ARENA_PAGES - 1)]);
}

int goslab_span_map_init(void);
void goslab_span_map_exit(void);

/* === Central lists (mcentral) === */

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

/* === Caches and per-CPU mcaches === */

/* Statistics, per CPU and summed on read. */
enum goslab_stat {
	GOSLAB_ALLOC_FAST,	/* object from the CPU's span, no lock but its own */
	GOSLAB_ALLOC_SLOW,	/* object needed a new span or another node */
	GOSLAB_FREE,		/* objects freed */
	GOSLAB_FREE_REMOTE,	/* freed on another node than the object's */
	GOSLAB_REFILL,		/* spans moved from a central to a CPU */
	GOSLAB_SWEEP,		/* spans swept */
	GOSLAB_SPAN_NEW,	/* spans taken from the heap */
	GOSLAB_SPAN_RELEASE,	/* empty spans given back to the heap */
	GOSLAB_ALLOC_FAIL,	/* allocations that returned NULL */
	GOSLAB_FREE_REFUSED,	/* frees naming this cache that were refused */
	GOSLAB_NR_STATS,
};

extern const char *const goslab_stat_names[GOSLAB_NR_STATS];

/*
 * Contexts with a span of their own, by interrupt_context_level(): task,
 * softirq, hardirq; NMI's slot stays NULL (goslab_mcache_alloc() refuses).
 */
#define GOSLAB_MCACHE_CTXS	4

/**
 * struct goslab_mcache - Go's mcache, per CPU and per cache
 * @span: current span of each context (interrupt_context_level()),
 *	GOSLAB_SPAN_CACHED, or NULL.
 * @stat: counters; bumped with this_cpu ops.
 * @cache: the cache, for @drain.
 * @drain: work that hands this CPU's spans back (goslab_mcache_drain_cpu()).
 *
 * Only its own CPU reads or writes @span, each slot from its own context
 * with preemption off, or all of them with interrupts off (see mcache.c);
 * a CPU that is gone is drained by the hotplug callback.
 */
struct goslab_mcache {
	struct goslab_span *span[GOSLAB_MCACHE_CTXS];
	unsigned long stat[GOSLAB_NR_STATS];
	struct goslab_cache *cache;
	struct work_struct drain;
};

/* Flags a cache may be created with. */
#define GOSLAB_VALID_FLAGS (SLAB_HWCACHE_ALIGN | SLAB_POISON | SLAB_RED_ZONE | \
			    SLAB_TYPESAFE_BY_RCU | SLAB_PANIC | SLAB_CACHE_DMA | \
			    SLAB_CACHE_DMA32 | SLAB_ACCOUNT | SLAB_RECLAIM_ACCOUNT | \
			    SLAB_NO_MERGE | SLAB_MEM_SPREAD_COMPAT)

#ifdef SLAB_MEM_SPREAD
#define SLAB_MEM_SPREAD_COMPAT SLAB_MEM_SPREAD
#else
#define SLAB_MEM_SPREAD_COMPAT 0
#endif
#ifndef SLAB_NO_MERGE
#define SLAB_NO_MERGE 0
#endif

#define GOSLAB_REDZONE_BYTES	8
#define GOSLAB_NAME_LEN		32

/**
 * struct goslab_cache - a kmem_cache: objects of one size and layout
 * @name: name for debugfs and reports.
 * @object_size: bytes the user asked for.
 * @size: bytes usable by the user (ksize); equal to @object_size, as in SLUB:
 *	the rest of the slot is red zone or padding.
 * @elemsize: bytes per slot in a span (object, red zone, padding).
 * @align: alignment of every object.
 * @npages: pages per span.
 * @nelems: objects per span.
 * @divmul: Go's divMagic for @elemsize.
 * @min_partial: a central keeps empty spans while it has fewer partial
 *	ones than this (SLUB's rule and bounds: log2(@elemsize) / 2 in 5..10).
 * @flags: SLAB_* flags.
 * @ctor: constructor, run once per object when its span is created.
 * @zone: zone class of every span.
 * @kmalloc: a built-in kmalloc cache.
 * @stack: a stack pool (stack.c): its blocks are freed by size only.
 * @dead: destroyed with live objects; kept so they stay valid.
 * @list: in goslab_caches; goslab_caches_mutex.
 * @cpu: per-CPU mcaches.
 * @central: per node; a node without memory of @zone points at the
 *	central of the node that serves it.
 * @centrals: the centrals this cache owns, one per node with memory.
 */
struct goslab_cache {
	char name[GOSLAB_NAME_LEN];
	unsigned int object_size;
	unsigned int size;
	unsigned int elemsize;
	unsigned int align;
	unsigned int npages;
	unsigned int nelems;
	u32 divmul;
	unsigned int min_partial;
	slab_flags_t flags;
	void (*ctor)(void *obj);
	enum goslab_zone zone;
	bool kmalloc;
	bool stack;
	bool dead;
	struct list_head list;
	struct goslab_mcache __percpu *cpu;
	struct goslab_central *central[MAX_NUMNODES];
	struct goslab_central *centrals[MAX_NUMNODES];
};

extern struct list_head goslab_caches;
extern struct mutex goslab_caches_mutex;

static inline void goslab_stat(struct goslab_cache *c, enum goslab_stat item)
{
	this_cpu_inc(c->cpu->stat[item]);
}

void goslab_stat_add(struct goslab_cache *c, enum goslab_stat item, long n);

struct goslab_cache *goslab_cache_create_internal(const char *name, unsigned int size,
						  unsigned int align, slab_flags_t flags,
						  void (*ctor)(void *), bool kmalloc);
void *goslab_cache_alloc_caller(struct goslab_cache *c, gfp_t gfp, int node,
				size_t req, unsigned long caller);
void goslab_cache_free_span(struct goslab_cache *c, struct goslab_span *s,
			    void *obj, unsigned long caller);
void goslab_kfree_span(struct goslab_span *s, void *obj, unsigned long caller);
void goslab_span_prepare(struct goslab_cache *c, struct goslab_span *s);
int goslab_mcache_init(void);
void goslab_mcache_exit(void);
void goslab_mcache_init_cpu(struct goslab_cache *c, int cpu);
void goslab_mcache_drain_cpu(struct goslab_cache *c, int cpu);
void goslab_mcache_drain_all(struct goslab_cache *c);
unsigned long goslab_caches_exit(void);
void *goslab_mcache_alloc(struct goslab_cache *c, gfp_t gfp);
size_t goslab_mcache_alloc_bulk(struct goslab_cache *c, size_t nr,
				void **objs);

/* This CPU's span for the current context; preemption off. */
static __always_inline struct goslab_span **
goslab_mcache_slot(struct goslab_cache *c)
{
	struct goslab_mcache *mc = this_cpu_ptr(c->cpu);

	/* Task context, the common case, with one test. */
	if (likely(in_task()))
		return &mc->span[0];
	return &mc->span[interrupt_context_level()];
}

/**
 * goslab_mcache_alloc_fast() - Go's nextFreeFast on this context's span
 * @c: cache
 *
 * Preemption off and a count-trailing-zeros: no lock, no atomic.
 *
 * Return: the object, or NULL if goslab_mcache_alloc() has to look
 * further.
 */
static __always_inline void *goslab_mcache_alloc_fast(struct goslab_cache *c)
{
	struct goslab_span *s;
	void *obj = NULL;
	int idx;

	preempt_disable();
	s = *goslab_mcache_slot(c);
	if (likely(s)) {
		idx = goslab_span_next_free_fast(s);
		if (likely(idx >= 0)) {
			obj = goslab_span_obj(s, idx);
			__this_cpu_inc(c->cpu->stat[GOSLAB_ALLOC_FAST]);
		}
	}
	preempt_enable();
	return obj;
}

#if GOSLAB_TEST_BUILD
extern bool goslab_kasan_reuse_last;
#define goslab_test_reuse_last()	READ_ONCE(goslab_kasan_reuse_last)
#else
#define goslab_test_reuse_last()	false
#endif

/*
 * Under KASAN a freed object waits for its span's next sweep, as SLUB's
 * quarantine delays reuse, so that KASAN also catches a use after free of
 * the object freed last; in a test build, goslab_kasan_reuse_last turns the
 * step back on there (the KUnit cases that test it).
 */
static __always_inline bool goslab_reuse_last(void)
{
	return !IS_ENABLED(CONFIG_KASAN_GENERIC) || goslab_test_reuse_last();
}

/**
 * goslab_mcache_free_local() - give back the slot this context took last
 * @c: cache
 * @s: the object's span; the caller holds s->lock, interrupts off
 * @idx: the object's slot, checked live under s->lock
 *
 * If @s is this context's span and @idx is the slot just below its
 * freeindex (the one it handed out last, as a rule), steps freeindex back
 * over it (goslab_span_unalloc()): the next allocation returns it again,
 * with no sweep. Only this context moves freeindex forward, and it is
 * running this, so no allocation races with it; frees and sweeps wait for
 * s->lock. Not under KASAN (see goslab_reuse_last()).
 *
 * Return: true if the slot is free again; false if the caller must free
 * it through free_bits.
 */
static __always_inline bool goslab_mcache_free_local(struct goslab_cache *c,
						     struct goslab_span *s,
						     unsigned int idx)
{
	return goslab_reuse_last() && *goslab_mcache_slot(c) == s &&
	       goslab_span_unalloc(s, idx);
}

void goslab_obj_alloc_hook(struct goslab_cache *c, void *obj, size_t req,
			   size_t slot, gfp_t gfp, unsigned long caller);
void goslab_obj_free_hook(void *obj, size_t slot, bool wipe);

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
void goslab_kasan_bad_free(const void *obj);
#else
static inline void goslab_kasan_poison(const void *addr, size_t size,
				       u8 value) { }
static inline void goslab_kasan_unpoison(const void *addr, size_t size) { }
static inline void goslab_kasan_bad_free(const void *obj) { }
#endif

/* kmalloc caches, one per zone and size class. */
extern struct goslab_cache *goslab_kmalloc_caches[GOSLAB_NR_ZONES][GOSLAB_NUM_CLASSES];
int goslab_kmalloc_init(void);
void goslab_kmalloc_exit(void);
void *goslab_large_alloc(size_t size, gfp_t gfp, int node,
			 unsigned long caller);
void goslab_large_free(struct goslab_span *s, unsigned long caller);

int goslab_stack_init(void);
void goslab_stack_exit(void);
unsigned long goslab_stack_release(void);
unsigned long goslab_stack_release_large(void);

/* === Scavenger (mgcscavenge.go) === */

extern unsigned int goslab_retain_percent;
int goslab_scavenger_init(void);
void goslab_scavenger_exit(void);
unsigned long goslab_scavenge_all(void);

/* === Misuse reports === */

enum goslab_bad {
	GOSLAB_BAD_DOUBLE_FREE,		/* object already free */
	GOSLAB_BAD_NOT_OURS,		/* pointer goslab never handed out */
	GOSLAB_BAD_INTERIOR,		/* pointer inside an object */
	GOSLAB_BAD_WRONG_CACHE,		/* freed to another cache */
	GOSLAB_BAD_REDZONE,		/* red zone overwritten */
	GOSLAB_BAD_POISON,		/* free object written to */
	GOSLAB_BAD_STACK_SIZE,		/* stack freed with the wrong size */
	GOSLAB_BAD_PAGES,		/* page-heap free of pages not allocated */
	GOSLAB_BAD_ARG,			/* invalid argument */
	GOSLAB_BAD_DESTROY_LIVE,	/* cache destroyed with live objects */
	GOSLAB_NR_BAD,
};

extern const char *const goslab_bad_names[GOSLAB_NR_BAD];
extern atomic_long_t goslab_bad_count[GOSLAB_NR_BAD];
extern atomic_long_t goslab_buddy_pages;

void goslab_report(enum goslab_bad what, const char *cache, const void *p,
		   unsigned long caller);

/* === debugfs === */

int goslab_debugfs_init(void);
void goslab_debugfs_exit(void);

#include "stats.h"

#endif /* _GOSLAB_INTERNAL_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * goslab kmalloc family: Go's mallocgc split by size. Small sizes go to a
 * built-in cache per size class and zone class; sizes above 32 KiB get a
 * span of their own from the page heap (Go's large objects).
 *
 * Overview: Documentation/design.rst.
 */
#include <linux/overflow.h>
#include <linux/string.h>

#include "internal.h"

struct goslab_cache *goslab_kmalloc_caches[GOSLAB_NR_ZONES][GOSLAB_NUM_CLASSES];

static const char *const kmalloc_prefix[GOSLAB_NR_ZONES] = {
	[GOSLAB_ZONE_NORMAL] = "kmalloc",
	[GOSLAB_ZONE_DMA32] = "dma32-kmalloc",
	[GOSLAB_ZONE_DMA] = "dma-kmalloc",
};

static const slab_flags_t kmalloc_flags[GOSLAB_NR_ZONES] = {
	[GOSLAB_ZONE_NORMAL] = 0,
	[GOSLAB_ZONE_DMA32] = SLAB_CACHE_DMA32,
	[GOSLAB_ZONE_DMA] = SLAB_CACHE_DMA,
};

/* === Large objects === */

/**
 * goslab_span_alloc_one() - a span of its own for one object
 * @size: bytes, at most a chunk
 * @gfp: flags; their zone picks the heap
 * @node: node, or NUMA_NO_NODE
 *
 * For large objects and large stacks: the span's one slot is its whole
 * pages. Its state is the caller's to set. Its pages count as unreclaimable
 * slab memory until goslab_span_free_one().
 *
 * Return: the span, or NULL.
 */
struct goslab_span *goslab_span_alloc_one(size_t size, gfp_t gfp, int node)
{
	enum goslab_zone zone = goslab_gfp_zone(gfp);
	size_t npages = DIV_ROUND_UP(size, PAGE_SIZE);
	struct goslab_heap *h;
	struct goslab_span *s;

	h = goslab_heap_serving(node, zone);
	if (!h)
		h = goslab_heap_serving(NUMA_NO_NODE, zone);
	if (!h)
		return NULL;
	s = goslab_span_alloc(h, npages, gfp);
	if (!s)
		return NULL;
	s->size = size;
	s->nelems = 1;
	s->elemsize = npages << PAGE_SHIFT;
	goslab_span_account(s, false, 1);
	return s;
}

/**
 * goslab_span_free_one() - give back a span of goslab_span_alloc_one()
 * @s: the span, whose object is free
 */
void goslab_span_free_one(struct goslab_span *s)
{
	goslab_span_account(s, false, -1);
	goslab_span_free(s);
}

/**
 * goslab_large_alloc() - a span of its own for one large object
 * @size: bytes, above GOSLAB_MAX_SMALL_SIZE
 * @gfp: flags
 * @node: node or NUMA_NO_NODE
 * @caller: for reports
 *
 * Return: the object, or NULL. It is page aligned, and aligned to the
 * largest power of two that divides its number of pages (a power-of-two
 * size is aligned to itself).
 */
void *goslab_large_alloc(size_t size, gfp_t gfp, int node,
			 unsigned long caller)
{
	struct goslab_span *s;

	/* Compare bytes first: rounding SIZE_MAX up to pages overflows. */
	if (size > ((size_t)GOSLAB_CHUNK_PAGES << PAGE_SHIFT)) {
		if (!(gfp & __GFP_NOWARN))
			pr_warn("allocation of %zu bytes is larger than the buddy allocator serves (%lu); caller %pS\n",
				size, (unsigned long)GOSLAB_CHUNK_PAGES << PAGE_SHIFT,
				(void *)caller);
		return NULL;
	}
	s = goslab_span_alloc_one(size, gfp, node);
	if (!s)
		return NULL;
	WRITE_ONCE(s->state, GOSLAB_SPAN_LARGE);
	atomic_long_inc(&s->heap->large);
	goslab_obj_alloc_hook(NULL, s->base, size, s->elemsize, gfp, caller);
	return s->base;
}

/**
 * goslab_large_free() - free a large object
 * @s: its span, which this free has won (state LARGE to FREE)
 * @caller: for reports
 */
void goslab_large_free(struct goslab_span *s, unsigned long caller)
{
	goslab_stats_free(s->base, s->elemsize, "large", caller);
	goslab_obj_free_hook(s->base, s->elemsize, want_init_on_free());
	atomic_long_dec(&s->heap->large);
	goslab_span_free_one(s);
}

/* === The kmalloc family === */

/**
 * goslab_kmalloc_caller() - goslab_kmalloc_node() on behalf of @caller
 * @size: bytes; 0 gives ZERO_SIZE_PTR
 * @gfp: GFP flags
 * @node: preferred node, or NUMA_NO_NODE
 * @caller: the call site the heap profile and the reports name
 *
 * Return: the memory, or NULL.
 */
void *goslab_kmalloc_caller(size_t size, gfp_t gfp, int node,
			    unsigned long caller)
{
	struct goslab_cache *c;

	if (unlikely(!size))
		return ZERO_SIZE_PTR;
	if (size > GOSLAB_MAX_SMALL_SIZE)
		return goslab_large_alloc(size, gfp, node, caller);
	c = goslab_kmalloc_caches[goslab_gfp_zone(gfp)][goslab_size_to_class(size)];
	if (unlikely(!c))
		return NULL;
	return goslab_cache_alloc_caller(c, gfp, node, size, caller);
}

/**
 * goslab_kmalloc() - allocate memory
 * @size: bytes; 0 gives ZERO_SIZE_PTR
 * @gfp: GFP flags; GFP_DMA and GFP_DMA32 select memory of those zones
 *
 * Return: the memory, or NULL.
 */
void *goslab_kmalloc(size_t size, gfp_t gfp)
{
	struct goslab_cache *c;

	/*
	 * A small size's cache, inline, normal memory with one test; 0,
	 * large sizes and the rest below.
	 */
	if (likely(size - 1 < GOSLAB_MAX_SMALL_SIZE)) {
		unsigned int cls = goslab_size_to_class(size);

		if (likely(!(gfp & (__GFP_DMA | __GFP_DMA32))))
			c = goslab_kmalloc_caches[GOSLAB_ZONE_NORMAL][cls];
		else
			c = goslab_kmalloc_caches[goslab_gfp_zone(gfp)][cls];
		if (likely(c))
			return goslab_cache_alloc_fast(c, gfp, size, _RET_IP_);
	}
	return goslab_kmalloc_caller(size, gfp, NUMA_NO_NODE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_kmalloc);

/**
 * goslab_kmalloc_node() - allocate memory on a node
 * @size: bytes
 * @gfp: GFP flags
 * @node: node, or NUMA_NO_NODE
 *
 * Return: the memory, or NULL.
 */
void *goslab_kmalloc_node(size_t size, gfp_t gfp, int node)
{
	return goslab_kmalloc_caller(size, gfp, node, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_kmalloc_node);

/**
 * goslab_kzalloc() - allocate zeroed memory
 * @size: bytes
 * @gfp: GFP flags
 *
 * Return: the memory, or NULL.
 */
void *goslab_kzalloc(size_t size, gfp_t gfp)
{
	return goslab_kmalloc_caller(size, gfp | __GFP_ZERO, NUMA_NO_NODE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_kzalloc);

/**
 * goslab_kcalloc() - allocate a zeroed array
 * @n: elements
 * @size: bytes per element
 * @gfp: GFP flags
 *
 * Return: the memory, or NULL (also when @n * @size overflows).
 */
void *goslab_kcalloc(size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return goslab_kmalloc_caller(bytes, gfp | __GFP_ZERO, NUMA_NO_NODE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_kcalloc);

/* The span of a pointer passed to kfree and friends, or NULL (reported). */
static struct goslab_span *span_for_free(const void *p, unsigned long caller)
{
	struct goslab_span *s = goslab_span_of(p);

	if (!s)
		goslab_report(GOSLAB_BAD_NOT_OURS, NULL, p, caller);
	return s;
}

/*
 * Interrupts are off from the span lookup until the free has taken what it
 * frees: goslab's RCU read side, so that the span struct is not reused
 * meanwhile (goslab_span_free()). A large object's free wins its span with
 * one cmpxchg; its hooks and pages run after, with interrupts on.
 */
static noinline void kfree_caller(const void *p, unsigned long caller)
{
	enum goslab_bad what = GOSLAB_NR_BAD;
	const char *name = NULL;
	struct goslab_span *s;
	unsigned long flags;
	u8 state;

	if (unlikely(ZERO_OR_NULL_PTR(p)))
		return;
	local_irq_save(flags);
	s = goslab_span_of(p);
	state = s ? READ_ONCE(s->state) : GOSLAB_SPAN_FREE;
	switch (state) {
	case GOSLAB_SPAN_CACHED:
	case GOSLAB_SPAN_PARTIAL:
	case GOSLAB_SPAN_FULL:
	case GOSLAB_SPAN_PENDING:
		/* Checked again under the span lock. */
		goslab_kfree_span(s, (void *)p, caller);
		break;
	case GOSLAB_SPAN_LARGE:
		if (p != s->base)
			what = GOSLAB_BAD_INTERIOR;
		/* Only one free may win the span. */
		else if (cmpxchg(&s->state, GOSLAB_SPAN_LARGE,
				 GOSLAB_SPAN_FREE) != GOSLAB_SPAN_LARGE)
			what = GOSLAB_BAD_DOUBLE_FREE;
		break;
	case GOSLAB_SPAN_STACK:
	case GOSLAB_SPAN_STACK_FREE:
		what = GOSLAB_BAD_WRONG_CACHE;
		name = "stack";
		break;
	default:
		what = s ? GOSLAB_BAD_DOUBLE_FREE : GOSLAB_BAD_NOT_OURS;
		break;
	}
	local_irq_restore(flags);
	if (state == GOSLAB_SPAN_LARGE && what == GOSLAB_NR_BAD)
		goslab_large_free(s, caller);
	if (what == GOSLAB_NR_BAD)
		return;
	goslab_report_free(what, name, p, caller);
}

/**
 * goslab_kfree() - free memory from goslab_kmalloc() or a goslab cache
 * @p: the memory, NULL or ZERO_SIZE_PTR
 *
 * Bad pointers are refused, reported and counted, never followed.
 */
void goslab_kfree(const void *p)
{
	struct goslab_span *s;
	unsigned long flags;

	if (unlikely(ZERO_OR_NULL_PTR(p)))
		return;
	/* As kfree_caller(), which takes every free this one does not. */
	local_irq_save(flags);
	s = goslab_span_of(p);
	if (likely(s) && goslab_free_fast(NULL, s, (void *)p, true)) {
		local_irq_restore(flags);
		return;
	}
	local_irq_restore(flags);
	kfree_caller(p, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_kfree);

/*
 * ksize() promises the whole usable size, so KASAN is told too: the bytes
 * past the size asked for become valid. A free object has no size.
 */
static size_t ksize_caller(const void *p, unsigned long caller)
{
	enum goslab_bad what = GOSLAB_NR_BAD;
	const char *name = NULL;
	struct goslab_span *s;
	unsigned long flags;
	size_t size = 0;
	int idx;

	if (ZERO_OR_NULL_PTR(p))
		return 0;
	/* As for a free: the span struct stays what it is meanwhile. */
	local_irq_save(flags);
	s = goslab_span_of(p);
	switch (s ? READ_ONCE(s->state) : GOSLAB_SPAN_FREE) {
	case GOSLAB_SPAN_LARGE:
		if (p == s->base)
			size = s->elemsize;
		break;
	case GOSLAB_SPAN_CACHED:
	case GOSLAB_SPAN_PARTIAL:
	case GOSLAB_SPAN_FULL:
	case GOSLAB_SPAN_PENDING:
		idx = goslab_span_obj_index(s, p);
		if (idx < 0) {
			what = GOSLAB_BAD_INTERIOR;
			name = s->cache->name;
			break;
		}
		/* Liveness is what frees decide, under the span lock. */
		spin_lock(&s->lock);
		if (goslab_span_obj_live(s, idx))
			size = s->cache->size;
		spin_unlock(&s->lock);
		if (!size)
			goslab_kasan_bad_free(p);
		break;
	default:
		what = GOSLAB_BAD_NOT_OURS;
		break;
	}
	local_irq_restore(flags);
	if (what != GOSLAB_NR_BAD)
		goslab_report(what, name, p, caller);
	else if (size)
		goslab_kasan_unpoison(p, size);
	return size;
}

/**
 * goslab_ksize() - usable size of an allocation
 * @p: memory from goslab
 *
 * Return: bytes usable, >= the size asked for; 0 for NULL or a pointer
 * goslab does not own (reported).
 */
size_t goslab_ksize(const void *p)
{
	return ksize_caller(p, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_ksize);

/**
 * goslab_krealloc() - resize an allocation
 * @p: memory from goslab_kmalloc(), or NULL
 * @new_size: bytes wanted; 0 frees @p and gives ZERO_SIZE_PTR
 * @gfp: GFP flags
 *
 * Contents up to the smaller of the two sizes are kept. A shrink in place
 * zeroes the bytes from @new_size to the usable size if @gfp has
 * __GFP_ZERO or init_on_alloc is on. A pointer goslab does not own is
 * refused (reported) and NULL returned.
 *
 * Return: the memory (perhaps @p itself), or NULL with @p untouched.
 */
void *goslab_krealloc(const void *p, size_t new_size, gfp_t gfp)
{
	size_t old;
	void *n;

	if (ZERO_OR_NULL_PTR(p))
		return goslab_kmalloc_caller(new_size, gfp, NUMA_NO_NODE, _RET_IP_);
	old = ksize_caller(p, _RET_IP_);
	if (!old)
		return NULL;
	if (!new_size) {
		kfree_caller(p, _RET_IP_);
		return ZERO_SIZE_PTR;
	}
	/*
	 * ksize_caller() made all @old bytes valid to KASAN. The spare bytes
	 * are zeroed when an allocation would be (__GFP_ZERO, init_on_alloc),
	 * as 6.12's krealloc() does: what the caller drops is not left for
	 * a later krealloc() that grows in place to hand back.
	 */
	if (new_size <= old) {
		if (want_init_on_alloc(gfp))
			memset((void *)p + new_size, 0, old - new_size);
		if (IS_ENABLED(CONFIG_KASAN_GENERIC)) {
			goslab_kasan_poison(p, old, GOSLAB_KASAN_REDZONE);
			goslab_kasan_unpoison(p, new_size);
		}
		return (void *)p;
	}
	n = goslab_kmalloc_caller(new_size, gfp, NUMA_NO_NODE, _RET_IP_);
	if (!n)
		return NULL;
	memcpy(n, p, old);
	kfree_caller(p, _RET_IP_);
	return n;
}
EXPORT_SYMBOL_GPL(goslab_krealloc);

/* === kfree_rcu === */

static void kfree_rcu_cb(struct rcu_head *head)
{
	struct goslab_span *s = goslab_span_of(head);
	void *obj;

	if (s->state == GOSLAB_SPAN_LARGE) {
		obj = s->base;
	} else {
		unsigned long off = (void *)head - s->base;

		obj = goslab_span_obj(s, off / s->elemsize);
	}
	kfree_caller(obj, _RET_IP_);
}

/**
 * __goslab_kfree_rcu() - free the object holding @head after a grace period
 * @head: rcu_head inside a goslab object
 *
 * Use goslab_kfree_rcu(ptr, field) rather than this.
 */
void __goslab_kfree_rcu(struct rcu_head *head)
{
	struct goslab_span *s = span_for_free(head, _RET_IP_);

	if (!s)
		return;
	if (s->state == GOSLAB_SPAN_FREE || s->state == GOSLAB_SPAN_STACK ||
	    s->state == GOSLAB_SPAN_STACK_FREE) {
		goslab_report(GOSLAB_BAD_DOUBLE_FREE, NULL, head, _RET_IP_);
		return;
	}
	call_rcu(head, kfree_rcu_cb);
}
EXPORT_SYMBOL_GPL(__goslab_kfree_rcu);

/* === Built-in caches === */

int goslab_kmalloc_init(void)
{
	char name[GOSLAB_NAME_LEN];
	enum goslab_zone z;
	unsigned int cls;
	struct goslab_cache *c;

	for (z = 0; z < GOSLAB_NR_ZONES; z++) {
		if (!goslab_heap_serving(NUMA_NO_NODE, z))
			continue;
		for (cls = 1; cls < GOSLAB_NUM_CLASSES; cls++) {
			snprintf(name, sizeof(name), "%s-%u", kmalloc_prefix[z],
				 goslab_classes[cls].size);
			c = goslab_cache_create_internal(name, goslab_classes[cls].size,
							 0, kmalloc_flags[z], NULL,
							 GOSLAB_CACHE_KMALLOC);
			if (!c)
				return -ENOMEM;
			goslab_kmalloc_caches[z][cls] = c;
		}
	}
	return 0;
}

void goslab_kmalloc_exit(void)
{
	enum goslab_zone z;
	unsigned int cls;

	rcu_barrier();
	for (z = 0; z < GOSLAB_NR_ZONES; z++) {
		for (cls = 1; cls < GOSLAB_NUM_CLASSES; cls++) {
			if (goslab_kmalloc_caches[z][cls])
				goslab_cache_destroy(goslab_kmalloc_caches[z][cls]);
			goslab_kmalloc_caches[z][cls] = NULL;
		}
	}
}

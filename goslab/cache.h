/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goslab caches (cache.c): struct goslab_cache, what a kmem_cache is, and
 * the calls the kmalloc family and the stack pools make into it.
 * Included through internal.h. Overview: Documentation/design.rst.
 */
#ifndef _GOSLAB_CACHE_H
#define _GOSLAB_CACHE_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "mheap.h"

struct goslab_mcache;
struct goslab_central;

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
 *
 * Every field but @dead, @list and what @cpu and @central point to is set
 * when the cache is created, before it is on goslab_caches, and never
 * changes: read it with no lock.
 *
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
 * @alloc_hooks: an allocation needs goslab_obj_alloc_hook() beyond zeroing
 *	and statistics (goslab_want_alloc_hook()), so that
 *	goslab_cache_alloc_fast() tests one byte.
 * @free_hooks: a free needs goslab_small_free_hook()
 *	(goslab_want_free_hook()), or the cache is a stack pool, so that
 *	goslab_free_fast() tests one byte.
 * @dead: destroyed with live objects; kept so they stay valid;
 *	goslab_caches_mutex.
 * @list: in goslab_caches; goslab_caches_mutex.
 * @cpu: per-CPU mcaches; each CPU's own, no lock (struct goslab_mcache).
 * @centrals: the centrals this cache owns, one per node with memory of
 *	@zone; nr_node_ids entries, just after @central's.
 * @central: nr_node_ids entries, one per node; a node without memory of
 *	@zone points at the central of the node that serves it. Each under
 *	its own lock. Sized as SLUB sizes its node array: a struct with
 *	MAX_NUMNODES entries (1024 on Debian's kernels) took 16 KiB, a 32 KiB
 *	kmalloc, per cache.
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
	bool alloc_hooks;
	bool free_hooks;
	bool dead;			/* goslab_caches_mutex */
	struct list_head list;		/* goslab_caches_mutex */
	struct goslab_mcache __percpu *cpu;	/* no lock: per CPU */
	struct goslab_central **centrals;
	struct goslab_central *central[];
};

extern struct list_head goslab_caches;
extern struct mutex goslab_caches_mutex;

/* What a cache is for: a user's, a kmalloc size class, a stack pool. */
enum goslab_cache_kind {
	GOSLAB_CACHE_USER,
	GOSLAB_CACHE_KMALLOC,
	GOSLAB_CACHE_STACK,
};

struct goslab_cache *
goslab_cache_create_internal(const char *name, unsigned int size,
			     unsigned int align, slab_flags_t flags,
			     void (*ctor)(void *), enum goslab_cache_kind kind);
void *goslab_cache_alloc_caller(struct goslab_cache *c, gfp_t gfp, int node,
				size_t req, unsigned long caller);
void goslab_cache_free_span(struct goslab_cache *c, struct goslab_span *s,
			    void *obj, unsigned long caller);
void goslab_kfree_span(struct goslab_span *s, void *obj, unsigned long caller);
unsigned long goslab_caches_exit(void);

#endif /* _GOSLAB_CACHE_H */

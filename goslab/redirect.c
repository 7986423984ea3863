// SPDX-License-Identifier: GPL-2.0
/*
 * goslab redirect mode: the entry points goslab/slab-redirect.h sends a
 * switched module's slab calls to.
 *
 * What the module allocates comes from goslab. What it frees is looked up
 * first: goslab's own memory keeps every check and refusal of goslab_kfree();
 * memory the core's slab allocator owns (strings the VFS parsed, buffers of
 * library helpers) goes back to the core and is counted in
 * /sys/kernel/debug/goslab/redirect; anything else goes to goslab_kfree(),
 * which refuses and reports it. Documentation/redirect.rst.
 *
 * Overview: Documentation/design.rst.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <linux/overflow.h>
#include <linux/list_lru.h>

#include "internal.h"
#define GOSLAB_REDIRECT_DECLS_ONLY
#include "slab-redirect.h"

/* The handle a switched module holds as its struct kmem_cache *. */
struct goslab_redirect_cache {
	struct goslab_cache *cache;
};

enum goslab_redirect_stat {
	RD_CACHES,		/* caches created through the switch */
	RD_FLAGS_IGNORED,	/* caches created with flags goslab ignores */
	RD_CORE_KFREE,		/* kfree() of core memory, passed on */
	RD_CORE_KSIZE,		/* ksize() of core memory, passed on */
	RD_CORE_KREALLOC,	/* krealloc() of core memory, passed on */
	RD_CORE_KFREE_RCU,	/* kfree_rcu() of core memory, passed on */
	RD_CORE_KFREE_CONST,	/* kfree_const() of core memory or rodata */
	RD_CORE_CACHE_ALLOC,	/* kmem_cache_alloc() from a core cache */
	RD_CORE_CACHE_FREE,	/* kmem_cache_free() to a core cache */
	RD_VMALLOC,		/* kvmalloc() that fell back to vmalloc */
	RD_VFREE,		/* kvfree() of vmalloc memory */
	RD_NR,
};

static const char *const rd_names[RD_NR] = {
	[RD_CACHES] = "caches_created",
	[RD_FLAGS_IGNORED] = "caches_flags_ignored",
	[RD_CORE_KFREE] = "core_kfree",
	[RD_CORE_KSIZE] = "core_ksize",
	[RD_CORE_KREALLOC] = "core_krealloc",
	[RD_CORE_KFREE_RCU] = "core_kfree_rcu",
	[RD_CORE_KFREE_CONST] = "core_kfree_const",
	[RD_CORE_CACHE_ALLOC] = "core_cache_alloc",
	[RD_CORE_CACHE_FREE] = "core_cache_free",
	[RD_VMALLOC] = "kvmalloc_vmalloc",
	[RD_VFREE] = "kvfree_vfree",
};

static atomic_long_t rd_count[RD_NR];

static inline void rd_stat(enum goslab_redirect_stat item)
{
	atomic_long_inc(&rd_count[item]);
}

/* === Who owns a pointer === */

/*
 * As kfree_caller(): interrupts are off around the lookup, so the span
 * struct found is not reused meanwhile. Only NULL or not matters here; the
 * free that follows looks the span up again.
 */
static bool goslab_owns(const void *p)
{
	unsigned long flags;
	bool ours;

	local_irq_save(flags);
	ours = goslab_span_of(p);
	local_irq_restore(flags);
	return ours;
}

/*
 * Memory the core's kfree() takes: a slab object (KFENCE's too), or a large
 * kmalloc, which is the head of a compound folio. goslab's chunks are not
 * compound, so a pointer into goslab's heap never passes.
 */
static bool core_owns(const void *p)
{
	struct folio *folio;

	if (!virt_addr_valid(p))
		return false;
	folio = virt_to_folio(p);
	if (folio_test_slab(folio))
		return true;
	return folio_test_large(folio) && p == folio_address(folio);
}

/* A cache handle from goslab_redirect_cache_create(), or NULL. */
static struct goslab_cache *rd_cache(struct kmem_cache *s)
{
	if (unlikely(!s || !goslab_owns(s)))
		return NULL;
	return ((struct goslab_redirect_cache *)s)->cache;
}

/*
 * === kmalloc, named after the module's call site ===
 * (goslab_kmalloc_caller() in kmalloc.c allocates)
 */

static void rd_kfree(const void *p)
{
	if (unlikely(ZERO_OR_NULL_PTR(p)))
		return;
	if (likely(goslab_owns(p)) || !core_owns(p)) {
		/* Ours, or nobody's: goslab_kfree() checks and refuses. */
		goslab_kfree(p);
		return;
	}
	rd_stat(RD_CORE_KFREE);
	kfree(p);
}

static void *rd_kvmalloc(size_t size, gfp_t gfp, int node,
			 unsigned long caller)
{
	gfp_t kgfp = gfp;
	void *p;

	/* As the core's kvmalloc: no hard work for what vmalloc can do. */
	if (size > PAGE_SIZE) {
		kgfp |= __GFP_NOWARN;
		if (!(kgfp & __GFP_RETRY_MAYFAIL))
			kgfp |= __GFP_NORETRY;
		kgfp &= ~__GFP_NOFAIL;
	}
	p = goslab_kmalloc_caller(size, kgfp, node, caller);
	if (p || size <= PAGE_SIZE)
		return p;
	if ((gfp & GFP_KERNEL) != GFP_KERNEL || size > INT_MAX)
		return NULL;
	p = __vmalloc(size, gfp);
	if (p)
		rd_stat(RD_VMALLOC);
	return p;
}

/* n * size bytes from goslab_kmalloc_caller() or rd_kvmalloc(); NULL: overflow. */
static void *rd_array(size_t n, size_t size, gfp_t gfp, int node, bool kv,
		      unsigned long caller)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	if (kv)
		return rd_kvmalloc(bytes, gfp, node, caller);
	return goslab_kmalloc_caller(bytes, gfp, node, caller);
}

/* === Caches === */

static struct kmem_cache *rd_cache_create(const char *name, unsigned int size,
					  unsigned int align, slab_flags_t flags,
					  void (*ctor)(void *))
{
	struct goslab_redirect_cache *h;

	if (flags & ~GOSLAB_VALID_FLAGS) {
		rd_stat(RD_FLAGS_IGNORED);
		flags &= GOSLAB_VALID_FLAGS;
	}
	h = goslab_kmalloc_caller(sizeof(*h), GFP_KERNEL | __GFP_ZERO,
				  NUMA_NO_NODE, _RET_IP_);
	if (!h) {
		if (flags & SLAB_PANIC)
			panic("goslab: no memory for cache %s\n", name);
		return NULL;
	}
	h->cache = goslab_cache_create(name, size, align, flags, ctor);
	if (!h->cache) {
		goslab_kfree(h);
		return NULL;
	}
	rd_stat(RD_CACHES);
	return (struct kmem_cache *)h;
}

/**
 * goslab_redirect_cache_create() - kmem_cache_create() on goslab
 * @name: cache name, as goslab's debugfs shows it
 * @size: object size
 * @align: alignment, or 0
 * @flags: SLAB_* flags; those goslab does not know (memcg accounting
 *	among them) are ignored and counted
 * @ctor: constructor, or NULL
 *
 * Return: a handle the module uses as its &struct kmem_cache, or NULL.
 */
struct kmem_cache *goslab_redirect_cache_create(const char *name,
						unsigned int size,
						unsigned int align,
						slab_flags_t flags,
						void (*ctor)(void *))
{
	return rd_cache_create(name, size, align, flags, ctor);
}
EXPORT_SYMBOL_GPL(goslab_redirect_cache_create);

/**
 * goslab_redirect_cache_create_usercopy() - kmem_cache_create_usercopy()
 * @name: cache name
 * @size: object size
 * @align: alignment, or 0
 * @flags: SLAB_* flags
 * @useroffset: ignored: goslab has no hardened-usercopy regions
 * @usersize: ignored
 * @ctor: constructor, or NULL
 *
 * Return: a cache handle, or NULL.
 */
struct kmem_cache *goslab_redirect_cache_create_usercopy(const char *name,
							 unsigned int size,
							 unsigned int align,
							 slab_flags_t flags,
							 unsigned int useroffset,
							 unsigned int usersize,
							 void (*ctor)(void *))
{
	return rd_cache_create(name, size, align, flags, ctor);
}
EXPORT_SYMBOL_GPL(goslab_redirect_cache_create_usercopy);

#if KERNEL_VERSION(6, 12, 0) <= LINUX_VERSION_CODE
/**
 * goslab_redirect_cache_create_args() - 6.12's __kmem_cache_create_args()
 * @name: cache name
 * @size: object size
 * @args: alignment and constructor are used; the usercopy region and the
 *	free pointer offset mean nothing to goslab (its free state is out of
 *	band)
 * @flags: SLAB_* flags
 *
 * Return: a cache handle, or NULL.
 */
struct kmem_cache *goslab_redirect_cache_create_args(const char *name,
						     unsigned int size,
						     struct kmem_cache_args *args,
						     slab_flags_t flags)
{
	return rd_cache_create(name, size, args ? args->align : 0, flags,
			       args ? args->ctor : NULL);
}
EXPORT_SYMBOL_GPL(goslab_redirect_cache_create_args);

/**
 * goslab_redirect_cache_create_default() - kmem_cache_create(name, size, NULL, flags)
 * @name: cache name
 * @size: object size
 * @args: NULL
 * @flags: SLAB_* flags
 *
 * Return: a cache handle, or NULL.
 */
struct kmem_cache *goslab_redirect_cache_create_default(const char *name,
							unsigned int size,
							void *args,
							slab_flags_t flags)
{
	if (WARN_ON_ONCE(args))
		return NULL;
	return rd_cache_create(name, size, 0, flags, NULL);
}
EXPORT_SYMBOL_GPL(goslab_redirect_cache_create_default);
#endif

/**
 * goslab_redirect_cache_destroy() - kmem_cache_destroy()
 * @s: a cache handle, or NULL
 */
void goslab_redirect_cache_destroy(struct kmem_cache *s)
{
	struct goslab_cache *c = rd_cache(s);

	if (!s)
		return;
	if (!c) {
		kmem_cache_destroy(s);
		return;
	}
	goslab_cache_destroy(c);
	goslab_kfree(s);
}
EXPORT_SYMBOL_GPL(goslab_redirect_cache_destroy);

/**
 * goslab_redirect_cache_shrink() - kmem_cache_shrink()
 * @s: a cache handle
 *
 * Return: 0 if the cache holds no free span afterwards, as goslab_cache_shrink().
 */
int goslab_redirect_cache_shrink(struct kmem_cache *s)
{
	struct goslab_cache *c = rd_cache(s);

	return c ? goslab_cache_shrink(c) : kmem_cache_shrink(s);
}
EXPORT_SYMBOL_GPL(goslab_redirect_cache_shrink);

/**
 * goslab_redirect_cache_size() - kmem_cache_size()
 * @s: a cache handle
 *
 * Return: usable bytes per object.
 */
unsigned int goslab_redirect_cache_size(struct kmem_cache *s)
{
	struct goslab_cache *c = rd_cache(s);

	return c ? goslab_cache_size(c) : kmem_cache_size(s);
}
EXPORT_SYMBOL_GPL(goslab_redirect_cache_size);

static void *rd_cache_alloc(struct kmem_cache *s, gfp_t gfp, int node,
			    unsigned long caller)
{
	struct goslab_cache *c = rd_cache(s);

	if (likely(c))
		return goslab_cache_alloc_caller(c, gfp, node, c->size, caller);
	/* A core cache the module names, e.g. names_cachep by __getname(). */
	rd_stat(RD_CORE_CACHE_ALLOC);
	return kmem_cache_alloc_node(s, gfp, node);
}

/**
 * goslab_redirect_cache_alloc() - kmem_cache_alloc()
 * @s: a cache handle; a core cache is served by the core (counted)
 * @gfp: GFP flags
 *
 * Return: an object, or NULL.
 */
void *goslab_redirect_cache_alloc(struct kmem_cache *s, gfp_t gfp)
{
	return rd_cache_alloc(s, gfp, NUMA_NO_NODE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_redirect_cache_alloc);

/**
 * goslab_redirect_cache_alloc_node() - kmem_cache_alloc_node()
 * @s: a cache handle
 * @gfp: GFP flags
 * @node: preferred node, or NUMA_NO_NODE
 *
 * Return: an object, or NULL.
 */
void *goslab_redirect_cache_alloc_node(struct kmem_cache *s, gfp_t gfp,
				       int node)
{
	return rd_cache_alloc(s, gfp, node, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_redirect_cache_alloc_node);

/**
 * goslab_redirect_cache_alloc_lru() - kmem_cache_alloc_lru()
 * @s: a cache handle
 * @lru: ignored: the core uses it for memcg-aware list_lrus only, and
 *	goslab does no memcg accounting
 * @gfp: GFP flags
 *
 * Return: an object, or NULL.
 */
void *goslab_redirect_cache_alloc_lru(struct kmem_cache *s,
				      struct list_lru *lru, gfp_t gfp)
{
	return rd_cache_alloc(s, gfp, NUMA_NO_NODE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_redirect_cache_alloc_lru);

/**
 * goslab_redirect_alloc_inode_sb() - alloc_inode_sb()
 * @sb: the superblock (its inode list_lru is not needed, see
 *	goslab_redirect_cache_alloc_lru())
 * @s: the filesystem's inode cache handle
 * @gfp: GFP flags
 *
 * Return: an inode-holding object, or NULL.
 */
void *goslab_redirect_alloc_inode_sb(struct super_block *sb,
				     struct kmem_cache *s, gfp_t gfp)
{
	return rd_cache_alloc(s, gfp, NUMA_NO_NODE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_redirect_alloc_inode_sb);

/**
 * goslab_redirect_cache_free() - kmem_cache_free()
 * @s: a cache handle; a core cache takes its object back (counted)
 * @obj: the object, or NULL
 */
void goslab_redirect_cache_free(struct kmem_cache *s, void *obj)
{
	struct goslab_cache *c = rd_cache(s);

	if (likely(c)) {
		goslab_cache_free(c, obj);
		return;
	}
	if (!s) {
		/* SLUB frees a NULL cache's object as kfree() does. */
		rd_kfree(obj);
		return;
	}
	rd_stat(RD_CORE_CACHE_FREE);
	kmem_cache_free(s, obj);
}
EXPORT_SYMBOL_GPL(goslab_redirect_cache_free);

/**
 * goslab_redirect_cache_alloc_bulk() - kmem_cache_alloc_bulk()
 * @s: a cache handle
 * @gfp: GFP flags
 * @nr: objects wanted
 * @objs: where they go
 *
 * Return: @nr, or 0 with nothing allocated.
 */
int goslab_redirect_cache_alloc_bulk(struct kmem_cache *s, gfp_t gfp,
				     size_t nr, void **objs)
{
	struct goslab_cache *c = rd_cache(s);

	if (likely(c))
		return goslab_cache_alloc_bulk(c, gfp, nr, objs);
	rd_stat(RD_CORE_CACHE_ALLOC);
	return kmem_cache_alloc_bulk(s, gfp, nr, objs);
}
EXPORT_SYMBOL_GPL(goslab_redirect_cache_alloc_bulk);

/**
 * goslab_redirect_cache_free_bulk() - kmem_cache_free_bulk()
 * @s: a cache handle, or NULL for kmalloc memory (kfree_bulk())
 * @nr: objects
 * @objs: the objects
 */
void goslab_redirect_cache_free_bulk(struct kmem_cache *s, size_t nr,
				     void **objs)
{
	struct goslab_cache *c = rd_cache(s);

	if (likely(c)) {
		goslab_cache_free_bulk(c, nr, objs);
		return;
	}
	if (!s) {
		goslab_redirect_kfree_bulk(nr, objs);
		return;
	}
	rd_stat(RD_CORE_CACHE_FREE);
	kmem_cache_free_bulk(s, nr, objs);
}
EXPORT_SYMBOL_GPL(goslab_redirect_cache_free_bulk);

/**
 * goslab_redirect_mempool_alloc_slab() - mempool_alloc_slab()
 * @gfp: GFP flags
 * @pool_data: the cache handle mempool_create_slab_pool() was given
 *
 * The core's mempool_alloc_slab() would take a goslab handle for a core
 * cache; a mempool built on a switched cache gets this one instead.
 *
 * Return: an object, or NULL.
 */
void *goslab_redirect_mempool_alloc_slab(gfp_t gfp, void *pool_data)
{
	return rd_cache_alloc(pool_data, gfp, NUMA_NO_NODE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_redirect_mempool_alloc_slab);

/**
 * goslab_redirect_mempool_free_slab() - mempool_free_slab()
 * @element: the object
 * @pool_data: the cache handle
 */
void goslab_redirect_mempool_free_slab(void *element, void *pool_data)
{
	goslab_redirect_cache_free(pool_data, element);
}
EXPORT_SYMBOL_GPL(goslab_redirect_mempool_free_slab);

/* === kmalloc family === */

/**
 * goslab_redirect_kmalloc() - kmalloc()
 * @size: bytes
 * @gfp: GFP flags
 *
 * Return: memory from goslab, or NULL.
 */
void *goslab_redirect_kmalloc(size_t size, gfp_t gfp)
{
	return goslab_kmalloc_caller(size, gfp, NUMA_NO_NODE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_redirect_kmalloc);

/**
 * goslab_redirect_kmalloc_node() - kmalloc_node()
 * @size: bytes
 * @gfp: GFP flags
 * @node: preferred node, or NUMA_NO_NODE
 *
 * Return: memory from goslab, or NULL.
 */
void *goslab_redirect_kmalloc_node(size_t size, gfp_t gfp, int node)
{
	return goslab_kmalloc_caller(size, gfp, node, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_redirect_kmalloc_node);

/**
 * goslab_redirect_kzalloc() - kzalloc()
 * @size: bytes
 * @gfp: GFP flags
 *
 * Return: zeroed memory from goslab, or NULL.
 */
void *goslab_redirect_kzalloc(size_t size, gfp_t gfp)
{
	return goslab_kmalloc_caller(size, gfp | __GFP_ZERO, NUMA_NO_NODE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_redirect_kzalloc);

/**
 * goslab_redirect_kzalloc_node() - kzalloc_node()
 * @size: bytes
 * @gfp: GFP flags
 * @node: preferred node, or NUMA_NO_NODE
 *
 * Return: zeroed memory from goslab, or NULL.
 */
void *goslab_redirect_kzalloc_node(size_t size, gfp_t gfp, int node)
{
	return goslab_kmalloc_caller(size, gfp | __GFP_ZERO, node, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_redirect_kzalloc_node);

/**
 * goslab_redirect_kmalloc_array_node() - kmalloc_array_node()
 * @n: elements
 * @size: bytes per element
 * @gfp: GFP flags
 * @node: preferred node, or NUMA_NO_NODE
 *
 * Return: memory from goslab, or NULL (also when @n * @size overflows).
 */
void *goslab_redirect_kmalloc_array_node(size_t n, size_t size, gfp_t gfp,
					 int node)
{
	return rd_array(n, size, gfp, node, false, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_redirect_kmalloc_array_node);

/**
 * goslab_redirect_kmalloc_array() - kmalloc_array()
 * @n: elements
 * @size: bytes per element
 * @gfp: GFP flags
 *
 * Return: memory from goslab, or NULL (also when @n * @size overflows).
 */
void *goslab_redirect_kmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	return rd_array(n, size, gfp, NUMA_NO_NODE, false, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_redirect_kmalloc_array);

/**
 * goslab_redirect_kcalloc() - kcalloc()
 * @n: elements
 * @size: bytes per element
 * @gfp: GFP flags
 *
 * Return: zeroed memory from goslab, or NULL.
 */
void *goslab_redirect_kcalloc(size_t n, size_t size, gfp_t gfp)
{
	return rd_array(n, size, gfp | __GFP_ZERO, NUMA_NO_NODE, false,
			_RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_redirect_kcalloc);

/**
 * goslab_redirect_kcalloc_node() - kcalloc_node()
 * @n: elements
 * @size: bytes per element
 * @gfp: GFP flags
 * @node: preferred node, or NUMA_NO_NODE
 *
 * Return: zeroed memory from goslab, or NULL.
 */
void *goslab_redirect_kcalloc_node(size_t n, size_t size, gfp_t gfp, int node)
{
	return rd_array(n, size, gfp | __GFP_ZERO, node, false, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_redirect_kcalloc_node);

/**
 * goslab_redirect_krealloc() - krealloc()
 * @p: memory from goslab or from the core's allocator, or NULL
 * @new_size: bytes wanted
 * @gfp: GFP flags
 *
 * goslab's memory is resized by goslab_krealloc(); the core's by the core's
 * krealloc() (counted), so it stays the core's.
 *
 * Return: the memory, or NULL with @p untouched.
 */
void *goslab_redirect_krealloc(const void *p, size_t new_size, gfp_t gfp)
{
	if (ZERO_OR_NULL_PTR(p))
		return goslab_kmalloc_caller(new_size, gfp, NUMA_NO_NODE, _RET_IP_);
	if (likely(goslab_owns(p)) || !core_owns(p))
		return goslab_krealloc(p, new_size, gfp);
	rd_stat(RD_CORE_KREALLOC);
	return krealloc(p, new_size, gfp);
}
EXPORT_SYMBOL_GPL(goslab_redirect_krealloc);

/**
 * goslab_redirect_krealloc_array() - krealloc_array()
 * @p: memory, or NULL
 * @n: elements
 * @size: bytes per element
 * @gfp: GFP flags
 *
 * Return: the memory, or NULL with @p untouched.
 */
void *goslab_redirect_krealloc_array(void *p, size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return goslab_redirect_krealloc(p, bytes, gfp);
}
EXPORT_SYMBOL_GPL(goslab_redirect_krealloc_array);

/**
 * goslab_redirect_kfree() - kfree() of goslab's or the core's memory
 * @p: the memory, NULL or ZERO_SIZE_PTR
 *
 * goslab's memory goes to goslab_kfree(), with every check; memory the
 * core's slab allocator owns goes to the core's kfree() and is counted
 * (core_kfree in debugfs); anything else is refused by goslab_kfree().
 */
void goslab_redirect_kfree(const void *p)
{
	rd_kfree(p);
}
EXPORT_SYMBOL_GPL(goslab_redirect_kfree);

/**
 * goslab_redirect_kfree_sensitive() - kfree_sensitive()
 * @p: the memory, or NULL
 *
 * Zeroes the whole usable size before the free.
 */
void goslab_redirect_kfree_sensitive(const void *p)
{
	size_t n;

	if (unlikely(ZERO_OR_NULL_PTR(p)))
		return;
	if (!goslab_owns(p) && core_owns(p)) {
		rd_stat(RD_CORE_KFREE);
		kfree_sensitive(p);
		return;
	}
	n = goslab_ksize(p);
	if (n)
		memzero_explicit((void *)p, n);
	goslab_kfree(p);
}
EXPORT_SYMBOL_GPL(goslab_redirect_kfree_sensitive);

/**
 * goslab_redirect_kfree_bulk() - kfree_bulk()
 * @nr: pointers
 * @p: the pointers, each as for goslab_redirect_kfree()
 */
void goslab_redirect_kfree_bulk(size_t nr, void **p)
{
	size_t i;

	for (i = 0; i < nr; i++)
		rd_kfree(p[i]);
}
EXPORT_SYMBOL_GPL(goslab_redirect_kfree_bulk);

/**
 * goslab_redirect_kfree_const() - kfree_const()
 * @p: from kstrdup_const(), the core's or goslab's
 *
 * goslab's memory is freed here; anything else (the kernel's rodata, the
 * core's memory) goes to the core's kfree_const() and is counted.
 */
void goslab_redirect_kfree_const(const void *p)
{
	if (unlikely(ZERO_OR_NULL_PTR(p)))
		return;
	if (goslab_owns(p)) {
		goslab_kfree(p);
		return;
	}
	rd_stat(RD_CORE_KFREE_CONST);
	kfree_const(p);
}
EXPORT_SYMBOL_GPL(goslab_redirect_kfree_const);

/**
 * goslab_redirect_kfree_link() - kfree_link() for set_delayed_call()
 * @p: a link body the filesystem allocated
 *
 * The VFS calls the destructor a filesystem's get_link() names; the core's
 * kfree_link() would hand goslab's memory to the core's kfree().
 */
void goslab_redirect_kfree_link(void *p)
{
	rd_kfree(p);
}
EXPORT_SYMBOL_GPL(goslab_redirect_kfree_link);

/**
 * goslab_redirect_ksize() - ksize()
 * @p: goslab's memory or the core's
 *
 * Return: usable bytes; the core's ksize() answers for its memory (counted).
 */
size_t goslab_redirect_ksize(const void *p)
{
	if (ZERO_OR_NULL_PTR(p))
		return 0;
	if (likely(goslab_owns(p)) || !core_owns(p))
		return goslab_ksize(p);
	rd_stat(RD_CORE_KSIZE);
	return ksize(p);
}
EXPORT_SYMBOL_GPL(goslab_redirect_ksize);

/* === kvmalloc family === */

/**
 * goslab_redirect_kvmalloc_node() - kvmalloc_node()
 * @size: bytes
 * @gfp: GFP flags
 * @node: preferred node for goslab's attempt
 *
 * goslab first; vmalloc (the core's) when that fails and @gfp allows it.
 *
 * Return: the memory, or NULL.
 */
void *goslab_redirect_kvmalloc_node(size_t size, gfp_t gfp, int node)
{
	return rd_kvmalloc(size, gfp, node, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_redirect_kvmalloc_node);

/**
 * goslab_redirect_kvmalloc() - kvmalloc()
 * @size: bytes
 * @gfp: GFP flags
 *
 * Return: the memory, or NULL.
 */
void *goslab_redirect_kvmalloc(size_t size, gfp_t gfp)
{
	return rd_kvmalloc(size, gfp, NUMA_NO_NODE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_redirect_kvmalloc);

/**
 * goslab_redirect_kvzalloc() - kvzalloc()
 * @size: bytes
 * @gfp: GFP flags
 *
 * Return: zeroed memory, or NULL.
 */
void *goslab_redirect_kvzalloc(size_t size, gfp_t gfp)
{
	return rd_kvmalloc(size, gfp | __GFP_ZERO, NUMA_NO_NODE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_redirect_kvzalloc);

/**
 * goslab_redirect_kvmalloc_array() - kvmalloc_array()
 * @n: elements
 * @size: bytes per element
 * @gfp: GFP flags
 *
 * Return: the memory, or NULL (also when @n * @size overflows).
 */
void *goslab_redirect_kvmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	return rd_array(n, size, gfp, NUMA_NO_NODE, true, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_redirect_kvmalloc_array);

/**
 * goslab_redirect_kvcalloc() - kvcalloc()
 * @n: elements
 * @size: bytes per element
 * @gfp: GFP flags
 *
 * Return: zeroed memory, or NULL.
 */
void *goslab_redirect_kvcalloc(size_t n, size_t size, gfp_t gfp)
{
	return rd_array(n, size, gfp | __GFP_ZERO, NUMA_NO_NODE, true,
			_RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_redirect_kvcalloc);

/**
 * goslab_redirect_kvfree() - kvfree()
 * @p: vmalloc memory, goslab's or the core's kmalloc memory, or NULL
 */
void goslab_redirect_kvfree(const void *p)
{
	if (is_vmalloc_addr(p)) {
		rd_stat(RD_VFREE);
		vfree(p);
		return;
	}
	rd_kfree(p);
}
EXPORT_SYMBOL_GPL(goslab_redirect_kvfree);

/**
 * goslab_redirect_kvfree_sensitive() - kvfree_sensitive()
 * @p: as for goslab_redirect_kvfree()
 * @len: bytes to zero first
 */
void goslab_redirect_kvfree_sensitive(const void *p, size_t len)
{
	if (likely(!ZERO_OR_NULL_PTR(p))) {
		memzero_explicit((void *)p, len);
		goslab_redirect_kvfree(p);
	}
}
EXPORT_SYMBOL_GPL(goslab_redirect_kvfree_sensitive);

/* === Strings and copies === */

static char *rd_memdup_nul(const char *s, size_t len, gfp_t gfp,
			   unsigned long caller)
{
	char *p;

	if (!s || len == SIZE_MAX)
		return NULL;
	p = goslab_kmalloc_caller(len + 1, gfp, NUMA_NO_NODE, caller);
	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

/**
 * goslab_redirect_kstrdup() - kstrdup()
 * @s: string, or NULL
 * @gfp: GFP flags
 *
 * Return: a copy in goslab's memory, or NULL.
 */
char *goslab_redirect_kstrdup(const char *s, gfp_t gfp)
{
	return s ? rd_memdup_nul(s, strlen(s), gfp, _RET_IP_) : NULL;
}
EXPORT_SYMBOL_GPL(goslab_redirect_kstrdup);

/**
 * goslab_redirect_kstrdup_const() - kstrdup_const()
 * @s: string, or NULL
 * @gfp: GFP flags
 *
 * A module's strings are never the kernel's rodata, so this always copies,
 * as the core's kstrdup_const() does for them.
 *
 * Return: a copy in goslab's memory, or NULL.
 */
const char *goslab_redirect_kstrdup_const(const char *s, gfp_t gfp)
{
	return s ? rd_memdup_nul(s, strlen(s), gfp, _RET_IP_) : NULL;
}
EXPORT_SYMBOL_GPL(goslab_redirect_kstrdup_const);

/**
 * goslab_redirect_kstrndup() - kstrndup()
 * @s: string, or NULL
 * @max: at most this many characters are copied
 * @gfp: GFP flags
 *
 * Return: a terminated copy in goslab's memory, or NULL.
 */
char *goslab_redirect_kstrndup(const char *s, size_t max, gfp_t gfp)
{
	return s ? rd_memdup_nul(s, strnlen(s, max), gfp, _RET_IP_) : NULL;
}
EXPORT_SYMBOL_GPL(goslab_redirect_kstrndup);

/**
 * goslab_redirect_kmemdup() - kmemdup()
 * @src: bytes to copy
 * @len: how many
 * @gfp: GFP flags
 *
 * Return: a copy in goslab's memory, or NULL.
 */
void *goslab_redirect_kmemdup(const void *src, size_t len, gfp_t gfp)
{
	void *p = goslab_kmalloc_caller(len, gfp, NUMA_NO_NODE, _RET_IP_);

	if (!ZERO_OR_NULL_PTR(p))
		memcpy(p, src, len);
	return p;
}
EXPORT_SYMBOL_GPL(goslab_redirect_kmemdup);

/**
 * goslab_redirect_kmemdup_nul() - kmemdup_nul()
 * @s: bytes to copy, or NULL
 * @len: how many
 * @gfp: GFP flags
 *
 * Return: a terminated copy in goslab's memory, or NULL.
 */
char *goslab_redirect_kmemdup_nul(const char *s, size_t len, gfp_t gfp)
{
	return rd_memdup_nul(s, len, gfp, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_redirect_kmemdup_nul);

static char *rd_vasprintf(gfp_t gfp, const char *fmt, va_list ap,
			  unsigned long caller)
{
	unsigned int len;
	va_list aq;
	char *p;

	va_copy(aq, ap);
	len = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	p = goslab_kmalloc_caller(len + 1, gfp, NUMA_NO_NODE, caller);
	if (p)
		vsnprintf(p, len + 1, fmt, ap);
	return p;
}

/**
 * goslab_redirect_kvasprintf() - kvasprintf()
 * @gfp: GFP flags
 * @fmt: format
 * @ap: arguments
 *
 * Return: the formatted string in goslab's memory, or NULL.
 */
char *goslab_redirect_kvasprintf(gfp_t gfp, const char *fmt, va_list ap)
{
	return rd_vasprintf(gfp, fmt, ap, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_redirect_kvasprintf);

/**
 * goslab_redirect_kasprintf() - kasprintf()
 * @gfp: GFP flags
 * @fmt: format
 * @...: arguments
 *
 * Return: the formatted string in goslab's memory, or NULL.
 */
char *goslab_redirect_kasprintf(gfp_t gfp, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = rd_vasprintf(gfp, fmt, ap, _RET_IP_);
	va_end(ap);
	return p;
}
EXPORT_SYMBOL_GPL(goslab_redirect_kasprintf);

static void *rd_memdup_user(const void __user *src, size_t len, bool nul,
			    unsigned long caller)
{
	char *p;

	if (nul && len == SIZE_MAX)
		return ERR_PTR(-EINVAL);
	p = goslab_kmalloc_caller(len + nul, GFP_USER | __GFP_NOWARN,
				  NUMA_NO_NODE, caller);
	if (!p)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(p, src, len)) {
		goslab_kfree(p);
		return ERR_PTR(-EFAULT);
	}
	if (nul)
		p[len] = '\0';
	return p;
}

/**
 * goslab_redirect_memdup_user() - memdup_user()
 * @src: user address
 * @len: bytes
 *
 * Return: a copy in goslab's memory, or an ERR_PTR().
 */
void *goslab_redirect_memdup_user(const void __user *src, size_t len)
{
	return rd_memdup_user(src, len, false, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_redirect_memdup_user);

/**
 * goslab_redirect_memdup_user_nul() - memdup_user_nul()
 * @src: user address
 * @len: bytes
 *
 * Return: a terminated copy in goslab's memory, or an ERR_PTR().
 */
void *goslab_redirect_memdup_user_nul(const void __user *src, size_t len)
{
	return rd_memdup_user(src, len, true, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_redirect_memdup_user_nul);

/* === kfree_rcu === */

/**
 * goslab_redirect_kfree_rcu_head() - kfree_rcu(ptr, field)
 * @head: the &struct rcu_head inside *@ptr
 * @ptr: the object
 *
 * goslab's object is freed by goslab after a grace period; the core's goes
 * to the core's kvfree_call_rcu() (counted).
 */
void goslab_redirect_kfree_rcu_head(struct rcu_head *head, void *ptr)
{
	if (likely(goslab_owns(ptr))) {
		__goslab_kfree_rcu(head);
		return;
	}
	rd_stat(RD_CORE_KFREE_RCU);
#if KERNEL_VERSION(6, 12, 0) <= LINUX_VERSION_CODE
	kvfree_call_rcu(head, ptr);
#else
	/* 6.1 passes the offset of the head, below 4096, as the callback. */
	if (WARN_ON_ONCE((void *)head - ptr >= 4096))
		return;
	kvfree_call_rcu(head, (rcu_callback_t)(unsigned long)((void *)head - ptr));
#endif
}
EXPORT_SYMBOL_GPL(goslab_redirect_kfree_rcu_head);

/**
 * goslab_redirect_kfree_rcu_sync() - kfree_rcu_mightsleep(ptr)
 * @ptr: the object, or NULL
 *
 * Waits for a grace period, then frees as goslab_redirect_kvfree().
 * Context: may sleep.
 */
void goslab_redirect_kfree_rcu_sync(void *ptr)
{
	might_sleep();
	if (!ptr)
		return;
	synchronize_rcu();
	goslab_redirect_kvfree(ptr);
}
EXPORT_SYMBOL_GPL(goslab_redirect_kfree_rcu_sync);

/* === debugfs: redirect === */

static int redirect_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < RD_NR; i++)
		seq_printf(m, "%s: %ld\n", rd_names[i],
			   atomic_long_read(&rd_count[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(redirect);

/**
 * goslab_redirect_debugfs_init() - the redirect counters' debugfs file
 * @dir: goslab's debugfs directory
 */
void goslab_redirect_debugfs_init(struct dentry *dir)
{
	debugfs_create_file("redirect", 0444, dir, NULL, &redirect_fops);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goslab: Go's memory allocator for the kernel, as a kmem_cache-like API.
 *
 * The names, argument orders and semantics mirror <linux/slab.h>, so a user
 * switches by renaming kmem_cache_* to goslab_cache_* and kmalloc to
 * goslab_kmalloc. See Documentation/api.rst.
 *
 * Overview: Documentation/design.rst.
 */
#ifndef _GOSLAB_GOSLAB_H
#define _GOSLAB_GOSLAB_H

#include <linux/types.h>
#include <linux/gfp.h>
#include <linux/slab.h>
#include <linux/numa.h>
#include <linux/rcupdate.h>

struct goslab_cache;

struct goslab_cache *goslab_cache_create(const char *name, unsigned int size,
					 unsigned int align, slab_flags_t flags,
					 void (*ctor)(void *));
void goslab_cache_destroy(struct goslab_cache *cache);
void *goslab_cache_alloc(struct goslab_cache *cache, gfp_t gfp);
void *goslab_cache_alloc_node(struct goslab_cache *cache, gfp_t gfp, int node);
void goslab_cache_free(struct goslab_cache *cache, void *obj);
int goslab_cache_alloc_bulk(struct goslab_cache *cache, gfp_t gfp, size_t nr,
			    void **objs);
void goslab_cache_free_bulk(struct goslab_cache *cache, size_t nr, void **objs);
int goslab_cache_shrink(struct goslab_cache *cache);
unsigned int goslab_cache_size(struct goslab_cache *cache);

void *goslab_kmalloc(size_t size, gfp_t gfp);
void *goslab_kmalloc_node(size_t size, gfp_t gfp, int node);
void *goslab_kzalloc(size_t size, gfp_t gfp);
void *goslab_kcalloc(size_t n, size_t size, gfp_t gfp);
void *goslab_krealloc(const void *p, size_t new_size, gfp_t gfp);
void goslab_kfree(const void *p);
size_t goslab_ksize(const void *p);

void __goslab_kfree_rcu(struct rcu_head *head);

/**
 * goslab_kfree_rcu() - free a goslab object after an RCU grace period
 * @ptr: object from goslab_kmalloc() or goslab_cache_alloc(), or NULL
 * @rhf: name of the &struct rcu_head member inside *@ptr
 *
 * Like kfree_rcu(): the object is freed once every reader that may still
 * see it has left its RCU read-side critical section. The rcu_head may sit
 * anywhere inside the object; goslab finds the object from it.
 */
#define goslab_kfree_rcu(ptr, rhf)					\
do {									\
	typeof(ptr) ___p = (ptr);					\
									\
	if (___p)							\
		__goslab_kfree_rcu(&___p->rhf);				\
} while (0)

void *goslab_stack_alloc(unsigned int size, gfp_t gfp);
void goslab_stack_free(void *p, unsigned int size);

#endif /* _GOSLAB_GOSLAB_H */

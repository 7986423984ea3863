/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goslab's switch: put a module's own slab calls on goslab.
 *
 * Force-include this header from the module's Kbuild, before any of its
 * sources (GOSLAB_DIR: goslab's tree):
 *
 *	ccflags-y += -include $(GOSLAB_DIR)/goslab/<this header>
 *
 * The kernel headers below are included first, so the inline code they
 * hold keeps calling the core allocator; then the slab names are defined
 * as macros for the module's own code. Memory goslab does not own that the
 * module frees (strings the VFS parsed, buffers of library helpers) goes
 * back to the core's allocator, counted in /sys/kernel/debug/goslab/redirect.
 * See Documentation/redirect.rst.
 *
 * goslab/redirect.c defines GOSLAB_REDIRECT_DECLS_ONLY before including
 * this file: it gets the declarations, not the macros.
 *
 * Overview: Documentation/design.rst.
 */
#ifndef _GOSLAB_SLAB_REDIRECT_H
#define _GOSLAB_SLAB_REDIRECT_H

#include <linux/version.h>
#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/gfp.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/rcupdate.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <linux/fs.h>
#include <linux/delayed_call.h>
#include <linux/seq_file.h>

#include "goslab.h"

struct dentry;
struct list_lru;

struct kmem_cache *goslab_redirect_cache_create(const char *name,
						unsigned int size,
						unsigned int align,
						slab_flags_t flags,
						void (*ctor)(void *));
struct kmem_cache *goslab_redirect_cache_create_usercopy(const char *name,
							 unsigned int size,
							 unsigned int align,
							 slab_flags_t flags,
							 unsigned int useroffset,
							 unsigned int usersize,
							 void (*ctor)(void *));
#if KERNEL_VERSION(6, 12, 0) <= LINUX_VERSION_CODE
struct kmem_cache *goslab_redirect_cache_create_args(const char *name,
						     unsigned int size,
						     struct kmem_cache_args *args,
						     slab_flags_t flags);
struct kmem_cache *goslab_redirect_cache_create_default(const char *name,
							unsigned int size,
							void *args,
							slab_flags_t flags);
#endif
void goslab_redirect_cache_destroy(struct kmem_cache *s);
int goslab_redirect_cache_shrink(struct kmem_cache *s);
unsigned int goslab_redirect_cache_size(struct kmem_cache *s);
void *goslab_redirect_cache_alloc(struct kmem_cache *s, gfp_t gfp);
void *goslab_redirect_cache_alloc_node(struct kmem_cache *s, gfp_t gfp,
				       int node);
void *goslab_redirect_cache_alloc_lru(struct kmem_cache *s,
				      struct list_lru *lru, gfp_t gfp);
void *goslab_redirect_alloc_inode_sb(struct super_block *sb,
				     struct kmem_cache *s, gfp_t gfp);
void goslab_redirect_cache_free(struct kmem_cache *s, void *obj);
int goslab_redirect_cache_alloc_bulk(struct kmem_cache *s, gfp_t gfp,
				     size_t nr, void **objs);
void goslab_redirect_cache_free_bulk(struct kmem_cache *s, size_t nr,
				     void **objs);
void *goslab_redirect_mempool_alloc_slab(gfp_t gfp, void *pool_data);
void goslab_redirect_mempool_free_slab(void *element, void *pool_data);

void *goslab_redirect_kmalloc(size_t size, gfp_t gfp);
void *goslab_redirect_kmalloc_node(size_t size, gfp_t gfp, int node);
void *goslab_redirect_kzalloc(size_t size, gfp_t gfp);
void *goslab_redirect_kzalloc_node(size_t size, gfp_t gfp, int node);
void *goslab_redirect_kmalloc_array(size_t n, size_t size, gfp_t gfp);
void *goslab_redirect_kmalloc_array_node(size_t n, size_t size, gfp_t gfp,
					 int node);
void *goslab_redirect_kcalloc(size_t n, size_t size, gfp_t gfp);
void *goslab_redirect_kcalloc_node(size_t n, size_t size, gfp_t gfp,
				   int node);
void *goslab_redirect_krealloc(const void *p, size_t new_size, gfp_t gfp);
void *goslab_redirect_krealloc_array(void *p, size_t n, size_t size,
				     gfp_t gfp);
void goslab_redirect_kfree(const void *p);
void goslab_redirect_kfree_sensitive(const void *p);
void goslab_redirect_kfree_bulk(size_t nr, void **p);
void goslab_redirect_kfree_const(const void *p);
void goslab_redirect_kfree_link(void *p);
size_t goslab_redirect_ksize(const void *p);

void *goslab_redirect_kvmalloc_node(size_t size, gfp_t gfp, int node);
void *goslab_redirect_kvmalloc(size_t size, gfp_t gfp);
void *goslab_redirect_kvzalloc(size_t size, gfp_t gfp);
void *goslab_redirect_kvmalloc_array(size_t n, size_t size, gfp_t gfp);
void *goslab_redirect_kvcalloc(size_t n, size_t size, gfp_t gfp);
void goslab_redirect_kvfree(const void *p);
void goslab_redirect_kvfree_sensitive(const void *p, size_t len);

char *goslab_redirect_kstrdup(const char *s, gfp_t gfp);
const char *goslab_redirect_kstrdup_const(const char *s, gfp_t gfp);
char *goslab_redirect_kstrndup(const char *s, size_t max, gfp_t gfp);
void *goslab_redirect_kmemdup(const void *src, size_t len, gfp_t gfp);
char *goslab_redirect_kmemdup_nul(const char *s, size_t len, gfp_t gfp);
__printf(2, 3)
char *goslab_redirect_kasprintf(gfp_t gfp, const char *fmt, ...);
__printf(2, 0)
char *goslab_redirect_kvasprintf(gfp_t gfp, const char *fmt, va_list ap);
void *goslab_redirect_memdup_user(const void __user *src, size_t len);
void *goslab_redirect_memdup_user_nul(const void __user *src, size_t len);

void goslab_redirect_kfree_rcu_head(struct rcu_head *head, void *ptr);
void goslab_redirect_kfree_rcu_sync(void *ptr);
void goslab_redirect_debugfs_init(struct dentry *dir);

#ifndef GOSLAB_REDIRECT_DECLS_ONLY

/* === Caches === */

#if KERNEL_VERSION(6, 12, 0) <= LINUX_VERSION_CODE
/*
 * 6.12's kmem_cache_create() is a _Generic() over these three: the new
 * (name, size, args, flags), NULL args, or the legacy five arguments.
 * KMEM_CACHE() calls the first directly.
 */
#undef __kmem_cache_create_args
#define __kmem_cache_create_args goslab_redirect_cache_create_args
#undef __kmem_cache_default_args
#define __kmem_cache_default_args goslab_redirect_cache_create_default
#undef __kmem_cache_create
#define __kmem_cache_create goslab_redirect_cache_create
#else
#undef kmem_cache_create
#define kmem_cache_create goslab_redirect_cache_create
#endif
#undef kmem_cache_create_usercopy
#define kmem_cache_create_usercopy goslab_redirect_cache_create_usercopy
#undef kmem_cache_destroy
#define kmem_cache_destroy goslab_redirect_cache_destroy
#undef kmem_cache_shrink
#define kmem_cache_shrink goslab_redirect_cache_shrink
#undef kmem_cache_size
#define kmem_cache_size goslab_redirect_cache_size

#undef kmem_cache_alloc
#define kmem_cache_alloc goslab_redirect_cache_alloc
#undef kmem_cache_alloc_noprof
#define kmem_cache_alloc_noprof goslab_redirect_cache_alloc
#undef kmem_cache_zalloc
#define kmem_cache_zalloc(s, gfp) goslab_redirect_cache_alloc(s, (gfp) | __GFP_ZERO)
#undef kmem_cache_alloc_node
#define kmem_cache_alloc_node goslab_redirect_cache_alloc_node
#undef kmem_cache_alloc_node_noprof
#define kmem_cache_alloc_node_noprof goslab_redirect_cache_alloc_node
#undef kmem_cache_alloc_lru
#define kmem_cache_alloc_lru goslab_redirect_cache_alloc_lru
#undef kmem_cache_alloc_lru_noprof
#define kmem_cache_alloc_lru_noprof goslab_redirect_cache_alloc_lru
/* 6.1's alloc_inode_sb() is an inline function of <linux/fs.h>. */
#undef alloc_inode_sb
#define alloc_inode_sb goslab_redirect_alloc_inode_sb
#undef kmem_cache_free
#define kmem_cache_free goslab_redirect_cache_free
#undef kmem_cache_alloc_bulk
#define kmem_cache_alloc_bulk goslab_redirect_cache_alloc_bulk
#undef kmem_cache_alloc_bulk_noprof
#define kmem_cache_alloc_bulk_noprof goslab_redirect_cache_alloc_bulk
#undef kmem_cache_free_bulk
#define kmem_cache_free_bulk goslab_redirect_cache_free_bulk
/*
 * mempool_create_slab_pool() (an inline function of <linux/mempool.h>,
 * which the switch does not include first) passes these as the pool's
 * callbacks: the core's would take the module's handle for a core cache.
 */
#undef mempool_alloc_slab
#define mempool_alloc_slab goslab_redirect_mempool_alloc_slab
#undef mempool_free_slab
#define mempool_free_slab goslab_redirect_mempool_free_slab

/* === kmalloc === */

#undef kmalloc
#define kmalloc goslab_redirect_kmalloc
#undef kmalloc_noprof
#define kmalloc_noprof goslab_redirect_kmalloc
#undef __kmalloc
#define __kmalloc goslab_redirect_kmalloc
#undef kmalloc_node
#define kmalloc_node goslab_redirect_kmalloc_node
#undef kmalloc_node_noprof
#define kmalloc_node_noprof goslab_redirect_kmalloc_node
#undef kzalloc
#define kzalloc goslab_redirect_kzalloc
#undef kzalloc_noprof
#define kzalloc_noprof goslab_redirect_kzalloc
#undef kzalloc_node
#define kzalloc_node goslab_redirect_kzalloc_node
#undef kmalloc_array
#define kmalloc_array goslab_redirect_kmalloc_array
#undef kmalloc_array_noprof
#define kmalloc_array_noprof goslab_redirect_kmalloc_array
#undef kmalloc_array_node
#define kmalloc_array_node goslab_redirect_kmalloc_array_node
#undef kcalloc
#define kcalloc goslab_redirect_kcalloc
#undef kcalloc_node
#define kcalloc_node goslab_redirect_kcalloc_node
#undef kmalloc_track_caller
#define kmalloc_track_caller goslab_redirect_kmalloc
#undef kmalloc_node_track_caller
#define kmalloc_node_track_caller goslab_redirect_kmalloc_node
#undef krealloc
#define krealloc goslab_redirect_krealloc
#undef krealloc_noprof
#define krealloc_noprof goslab_redirect_krealloc
#undef krealloc_array
#define krealloc_array goslab_redirect_krealloc_array
#undef kfree
#define kfree goslab_redirect_kfree
#undef kfree_sensitive
#define kfree_sensitive goslab_redirect_kfree_sensitive
#undef kfree_bulk
#define kfree_bulk goslab_redirect_kfree_bulk
#undef kfree_const
#define kfree_const goslab_redirect_kfree_const
/* The VFS calls kfree() on a link the filesystem allocated. */
#undef kfree_link
#define kfree_link goslab_redirect_kfree_link
#undef ksize
#define ksize goslab_redirect_ksize

/* === kvmalloc: goslab first, vmalloc when that fails === */

#undef kvmalloc_node
#define kvmalloc_node goslab_redirect_kvmalloc_node
#undef kvmalloc
#define kvmalloc goslab_redirect_kvmalloc
#undef kvzalloc
#define kvzalloc goslab_redirect_kvzalloc
#undef kvmalloc_array
#define kvmalloc_array goslab_redirect_kvmalloc_array
#undef kvcalloc
#define kvcalloc goslab_redirect_kvcalloc
#undef kvfree
#define kvfree goslab_redirect_kvfree
#undef kvfree_sensitive
#define kvfree_sensitive goslab_redirect_kvfree_sensitive

/* === Strings and copies === */

#undef kstrdup
#define kstrdup goslab_redirect_kstrdup
#undef kstrdup_const
#define kstrdup_const goslab_redirect_kstrdup_const
#undef kstrndup
#define kstrndup goslab_redirect_kstrndup
#undef kmemdup
#define kmemdup goslab_redirect_kmemdup
#undef kmemdup_noprof
#define kmemdup_noprof goslab_redirect_kmemdup
#undef kmemdup_nul
#define kmemdup_nul goslab_redirect_kmemdup_nul
#undef kasprintf
#define kasprintf goslab_redirect_kasprintf
#undef kvasprintf
#define kvasprintf goslab_redirect_kvasprintf
#undef memdup_user
#define memdup_user goslab_redirect_memdup_user
#undef memdup_user_nul
#define memdup_user_nul goslab_redirect_memdup_user_nul

/*
 * === kfree_rcu ===
 * kfree_rcu(ptr, field), and 6.1's kfree_rcu(ptr) (which may sleep, as
 * kfree_rcu_mightsleep(ptr)): the number of arguments picks one.
 */

#undef kfree_rcu
#define kfree_rcu(...)							\
	CONCATENATE(goslab_redirect_kfree_rcu_, COUNT_ARGS(__VA_ARGS__))(__VA_ARGS__)
#define goslab_redirect_kfree_rcu_2(ptr, rhf)				\
do {									\
	typeof(ptr) ___p = (ptr);					\
									\
	if (___p)							\
		goslab_redirect_kfree_rcu_head(&___p->rhf, (void *)___p); \
} while (0)
#define goslab_redirect_kfree_rcu_1(ptr)				\
	goslab_redirect_kfree_rcu_sync((void *)(ptr))
#undef kvfree_rcu
#define kvfree_rcu kfree_rcu
#undef kfree_rcu_mightsleep
#define kfree_rcu_mightsleep(ptr) goslab_redirect_kfree_rcu_sync((void *)(ptr))
#undef kvfree_rcu_mightsleep
#define kvfree_rcu_mightsleep kfree_rcu_mightsleep

#endif /* !GOSLAB_REDIRECT_DECLS_ONLY */

#endif /* _GOSLAB_SLAB_REDIRECT_H */

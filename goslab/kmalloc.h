/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goslab kmalloc family (kmalloc.c): the built-in caches and large objects.
 * Included through internal.h. Overview: Documentation/design.rst.
 */
#ifndef _GOSLAB_KMALLOC_H
#define _GOSLAB_KMALLOC_H

/* kmalloc caches, one per zone and size class. */
extern struct goslab_cache *goslab_kmalloc_caches[GOSLAB_NR_ZONES][GOSLAB_NUM_CLASSES];
int goslab_kmalloc_init(void);
void goslab_kmalloc_exit(void);
struct goslab_span *goslab_span_alloc_one(size_t size, gfp_t gfp, int node);
void goslab_span_free_one(struct goslab_span *s);
void *goslab_kmalloc_caller(size_t size, gfp_t gfp, int node,
			    unsigned long caller);
void *goslab_large_alloc(size_t size, gfp_t gfp, int node,
			 unsigned long caller);
void goslab_large_free(struct goslab_span *s, unsigned long caller);

#endif /* _GOSLAB_KMALLOC_H */

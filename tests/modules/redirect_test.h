/* SPDX-License-Identifier: GPL-2.0 */
/* goslab_redirect_test: the core-allocating half (redirect_core.c). */
#ifndef _GOSLAB_REDIRECT_TEST_H
#define _GOSLAB_REDIRECT_TEST_H

#include <linux/types.h>

struct kmem_cache;

void *rt_core_kmalloc(size_t size);
char *rt_core_kstrdup(const char *s);
void *rt_core_vmalloc(size_t size);
struct kmem_cache *rt_core_cache_create(const char *name, unsigned int size);
void rt_core_cache_destroy(struct kmem_cache *s);

#endif /* _GOSLAB_REDIRECT_TEST_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * goslab_redirect_test's half built without the switch: what it allocates
 * here comes from the core's allocator, as strings the VFS parsed or
 * buffers of a library helper do. tests/modules/redirect_test.c frees it
 * through goslab/slab-redirect.h.
 */
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "redirect_test.h"

void *rt_core_kmalloc(size_t size)
{
	return kmalloc(size, GFP_KERNEL);
}

char *rt_core_kstrdup(const char *s)
{
	return kstrdup(s, GFP_KERNEL);
}

void *rt_core_vmalloc(size_t size)
{
	return vmalloc(size);
}

struct kmem_cache *rt_core_cache_create(const char *name, unsigned int size)
{
	return kmem_cache_create(name, size, 0, 0, NULL);
}

void rt_core_cache_destroy(struct kmem_cache *s)
{
	kmem_cache_destroy(s);
}

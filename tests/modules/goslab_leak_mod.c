// SPDX-License-Identifier: GPL-2.0
/*
 * A goslab user with a memory leak, for the kmemleak kselftest
 * (tests/selftests/goslab/kmemleak_test.sh): at load it allocates one
 * object of leak_size bytes and forgets where it is, so kmemleak must
 * report it; at unload it frees it, so nothing is really lost.
 *
 * The pointer is kept scrambled: kmemleak scans this module's data for
 * pointers, and a plain copy would count as a reference.
 *
 * For tests/selftests/goslab/leak_test.sh, what a leak costs:
 *   mode=destroy  a cache of 128-byte objects, 1024 of them allocated and
 *                 all but one freed, destroyed with that one live (goslab
 *                 reports it, between expect-splat markers); the object is
 *                 freed at unload, into the destroyed cache;
 *   mode=unload   one goslab_kmalloc(leak_size) object never freed: goslab
 *                 must keep its span alone when it is unloaded.
 */
#include <linux/kmemleak.h>
#include <linux/module.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "goslab.h"

#define SCRAMBLE	0x5a5aa5a5c3c33c3cUL

static unsigned int leak_size = 4242;
module_param(leak_size, uint, 0444);
MODULE_PARM_DESC(leak_size, "bytes of the leaked object (kmemleak shows them)");

static char *mode = "kmemleak";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "kmemleak (default), destroy or unload: see the top of the file");

static unsigned long hidden;
static struct goslab_cache *dead_cache;

#define DESTROY_OBJS	1024

/* mode=destroy: a cache destroyed with one object live, kept in @hidden. */
static int leak_destroy(void)
{
	void **objs;
	int i;

	objs = kcalloc(DESTROY_OBJS, sizeof(*objs), GFP_KERNEL);
	dead_cache = goslab_cache_create("goslab_leak_destroy", 128, 0, 0, NULL);
	if (!objs || !dead_cache)
		goto fail;
	for (i = 0; i < DESTROY_OBJS; i++) {
		objs[i] = goslab_cache_alloc(dead_cache, GFP_KERNEL);
		if (!objs[i])
			goto fail;
	}
	for (i = 1; i < DESTROY_OBJS; i++)
		goslab_cache_free(dead_cache, objs[i]);
	hidden = (unsigned long)objs[0] ^ SCRAMBLE;
	pr_info("goslab-test: expect-splat begin\n");
	goslab_cache_destroy(dead_cache);
	pr_info("goslab-test: expect-splat end\n");
	kfree(objs);
	return 0;
fail:
	while (objs && i-- > 0)
		goslab_cache_free(dead_cache, objs[i]);
	goslab_cache_destroy(dead_cache);
	dead_cache = NULL;
	kfree(objs);
	return -ENOMEM;
}

/*
 * The allocation site kmemleak must name: not in .init.text, which is gone
 * by the time it reports, and not a tail call, which would leave no frame.
 */
static noinline void *goslab_leak_alloc(void)
{
	void *p = goslab_kmalloc(leak_size, GFP_KERNEL);

	if (p)
		memset(p, 0x4c, leak_size);
	return p;
}

/*
 * Zero the unused part of this task's stack. The frames that handed the
 * pointer around (goslab's among them) are dead but still hold it, and
 * kmemleak scans whole task stacks; without VMAP_STACK a later task may
 * even get these pages, uncleared, as its stack. __memset(): KASAN's
 * stack shadow is not this function's business.
 */
static noinline void scrub_stack(void)
{
	unsigned long *end = end_of_stack(current) + 1;	/* above the canary */
	unsigned long sp = current_stack_pointer - 256;

	if (sp > (unsigned long)end)
		__memset(end, 0, sp - (unsigned long)end);
}

static int __init goslab_leak_init(void)
{
	if (!strcmp(mode, "destroy"))
		return leak_destroy();
	if (strcmp(mode, "kmemleak") && strcmp(mode, "unload")) {
		pr_err("unknown mode %s\n", mode);
		return -EINVAL;
	}
	hidden = (unsigned long)goslab_leak_alloc() ^ SCRAMBLE;
	if (hidden == SCRAMBLE)
		return -ENOMEM;
	/* Leaked on purpose, and tested for: not a leak for kmemleak to find. */
	if (!strcmp(mode, "unload"))
		kmemleak_not_leak((void *)(hidden ^ SCRAMBLE));
	scrub_stack();
	return 0;
}

static void __exit goslab_leak_exit(void)
{
	/* Frees into a destroyed cache work; mode=unload leaks for good. */
	if (dead_cache)
		goslab_cache_free(dead_cache, (void *)(hidden ^ SCRAMBLE));
	else if (strcmp(mode, "unload"))
		goslab_kfree((void *)(hidden ^ SCRAMBLE));
}

module_init(goslab_leak_init);
module_exit(goslab_leak_exit);

MODULE_DESCRIPTION("goslab test: one leaked object, for kmemleak and for what a leak costs");
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * A goslab user with a memory leak, for the kmemleak kselftest
 * (tests/selftests/goslab/kmemleak_test.sh): at load it allocates one
 * object of leak_size bytes and forgets where it is, so kmemleak must
 * report it; at unload it frees it, so nothing is really lost.
 *
 * The pointer is kept scrambled: kmemleak scans this module's data for
 * pointers, and a plain copy would count as a reference.
 */
#include <linux/module.h>
#include <linux/sched/task_stack.h>

#include "goslab.h"

#define SCRAMBLE	0x5a5aa5a5c3c33c3cUL

static unsigned int leak_size = 4242;
module_param(leak_size, uint, 0444);
MODULE_PARM_DESC(leak_size, "bytes of the leaked object (kmemleak shows them)");

static unsigned long hidden;

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
	hidden = (unsigned long)goslab_leak_alloc() ^ SCRAMBLE;
	if (hidden == SCRAMBLE)
		return -ENOMEM;
	scrub_stack();
	return 0;
}

static void __exit goslab_leak_exit(void)
{
	goslab_kfree((void *)(hidden ^ SCRAMBLE));
}

module_init(goslab_leak_init);
module_exit(goslab_leak_exit);

MODULE_DESCRIPTION("goslab test: one object kmemleak must report");
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * goslab_client: a sample module using goslab's API, as a user writes it.
 *
 * It keeps a cache of "sessions" and a few kmalloc buffers alive while it
 * is loaded, so goslab's debugfs shows them, and frees everything on
 * unload. Build it beside your module with KBUILD_EXTRA_SYMBOLS pointing
 * at goslab's Module.symvers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/list.h>
#include <linux/string.h>

#include "goslab.h"

struct session {
	struct list_head node;
	unsigned int id;
	char name[40];
	struct rcu_head rcu;
};

static struct goslab_cache *session_cache;
static LIST_HEAD(sessions);
static void *buffers[8];

static unsigned int nr_sessions = 1000;
module_param(nr_sessions, uint, 0444);
MODULE_PARM_DESC(nr_sessions, "sessions kept alive while loaded");

static int __init client_init(void)
{
	struct session *s;
	unsigned int i;

	session_cache = goslab_cache_create("client_session", sizeof(*s), 0,
					    SLAB_HWCACHE_ALIGN, NULL);
	if (!session_cache)
		return -ENOMEM;
	for (i = 0; i < nr_sessions; i++) {
		s = goslab_cache_alloc(session_cache, GFP_KERNEL);
		if (!s)
			break;
		s->id = i;
		snprintf(s->name, sizeof(s->name), "session-%u", i);
		list_add_tail(&s->node, &sessions);
	}
	/* Buffers of a few sizes, small and large. */
	for (i = 0; i < ARRAY_SIZE(buffers); i++)
		buffers[i] = goslab_kmalloc(24 << (2 * i), GFP_KERNEL);
	pr_info("%u sessions of %u bytes (usable %u); buffer of %u bytes has %zu usable\n",
		i ? nr_sessions : 0, (unsigned int)sizeof(*s),
		goslab_cache_size(session_cache), 24 << 6,
		goslab_ksize(buffers[3]));
	return 0;
}

static void __exit client_exit(void)
{
	struct session *s, *tmp;
	unsigned int i;

	list_for_each_entry_safe(s, tmp, &sessions, node) {
		list_del(&s->node);
		/* Half of them the RCU way, as a reader-facing object would. */
		if (s->id & 1)
			goslab_cache_free(session_cache, s);
		else
			goslab_kfree_rcu(s, rcu);
	}
	for (i = 0; i < ARRAY_SIZE(buffers); i++)
		goslab_kfree(buffers[i]);
	rcu_barrier();
	goslab_cache_destroy(session_cache);
}

module_init(client_init);
module_exit(client_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Sample user of the goslab allocator");

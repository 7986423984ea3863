// SPDX-License-Identifier: GPL-2.0
/*
 * goslab statistics that need more than a counter: the size every live
 * kmalloc object asked for (so debugfs shows the live round-up waste of each
 * size class, not only its worst case), and the names of the per-CPU
 * counters (enum goslab_stat).
 *
 * The requested sizes live outside the objects, as every other piece of
 * goslab's metadata: a span of a kmalloc cache gets an array of one u16 per
 * slot (objects are at most 32 KiB), 0 meaning "not recorded". The array
 * comes from the kernel's own kmalloc when the span is created; a span that
 * cannot get one is simply not counted (debugfs shows how many).
 *
 * Overview: Documentation/design.rst.
 */
#include <linux/kmemleak.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

#include "internal.h"

const char *const goslab_stat_names[GOSLAB_NR_STATS] = {
	[GOSLAB_ALLOC_FAST] = "alloc_fast",
	[GOSLAB_ALLOC_SLOW] = "alloc_slow",
	[GOSLAB_FREE] = "free",
	[GOSLAB_FREE_REMOTE] = "free_remote",
	[GOSLAB_REFILL] = "refill",
	[GOSLAB_SWEEP] = "sweep",
	[GOSLAB_SPAN_NEW] = "span_new",
	[GOSLAB_SPAN_RELEASE] = "span_release",
	[GOSLAB_ALLOC_FAIL] = "alloc_fail",
	[GOSLAB_FREE_REFUSED] = "free_refused",
};

static_assert(ARRAY_SIZE(goslab_stat_names) == GOSLAB_NR_STATS);

DEFINE_STATIC_KEY_FALSE(goslab_waste_on);
DEFINE_PER_CPU(struct goslab_waste, goslab_waste);

/* Spans of kmalloc caches created without a requested-size array. */
static atomic_long_t waste_untracked_spans;

static bool track_waste;

static int track_waste_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int err = kstrtobool(val, &on);

	if (err)
		return err;
	/* Spans keep their arrays either way, so frees stay balanced. */
	if (on)
		static_branch_enable(&goslab_waste_on);
	else
		static_branch_disable(&goslab_waste_on);
	WRITE_ONCE(track_waste, on);
	return 0;
}

static const struct kernel_param_ops track_waste_ops = {
	.set = track_waste_set,
	.get = param_get_bool,
};

module_param_cb(track_waste, &track_waste_ops, &track_waste, 0644);
MODULE_PARM_DESC(track_waste,
		 "record the size each kmalloc object asked for, for the live waste in debugfs (default 0: it costs kmalloc and kfree a lookup and an atomic)");

/**
 * goslab_waste_span_init() - give a new span of a kmalloc cache its array
 * @c: cache
 * @s: span, initialised for objects, not yet visible to anyone
 * @gfp: what the allocating caller allows
 */
void goslab_waste_span_init(struct goslab_cache *c, struct goslab_span *s,
			    gfp_t gfp)
{
	u16 *req;

	s->reqsize = NULL;
	if (!c->kmalloc)
		return;
	if (!static_branch_unlikely(&goslab_waste_on)) {
		atomic_long_inc(&waste_untracked_spans);
		return;
	}
	req = kcalloc_node(s->nelems, sizeof(*req),
			   (gfp & GOSLAB_GFP_RECLAIM_MASK) | __GFP_NOWARN,
			   s->heap->nid);
	if (!req) {
		atomic_long_inc(&waste_untracked_spans);
		return;
	}
	/* Referenced from a span struct kmemleak does not scan. */
	kmemleak_ignore(req);
	s->reqsize = req;
}

/**
 * goslab_waste_span_release() - an empty span goes back to its heap
 * @s: span; no object of it is live
 */
void goslab_waste_span_release(struct goslab_span *s)
{
	kfree(s->reqsize);
	s->reqsize = NULL;
}

/**
 * __goslab_waste_alloc() - record the size a kmalloc object asked for
 * @c: its kmalloc cache
 * @obj: the object
 * @size: bytes asked for, at most GOSLAB_MAX_SMALL_SIZE
 */
void __goslab_waste_alloc(struct goslab_cache *c, void *obj, size_t size)
{
	struct goslab_span *s = goslab_span_of(obj);
	unsigned int cls;
	int idx;

	if (!s || !s->reqsize)
		return;
	idx = goslab_span_obj_index(s, obj);
	if (idx < 0)
		return;
	WRITE_ONCE(s->reqsize[idx], size);
	cls = goslab_size_to_class(c->elemsize);
	this_cpu_inc(goslab_waste.objs[cls]);
	this_cpu_add(goslab_waste.bytes[cls], size);
}

/**
 * __goslab_waste_free() - forget the size a freed kmalloc object asked for
 * @s: its span, which has a requested-size array
 * @idx: its slot; the free bit is not set yet, so the slot cannot be
 *	handed out again meanwhile
 */
void __goslab_waste_free(struct goslab_span *s, int idx)
{
	unsigned int cls, size;

	/* xchg: the loser of two racing frees of one object finds 0. */
	size = xchg(&s->reqsize[idx], 0);
	if (!size)
		return;
	cls = goslab_size_to_class(s->elemsize);
	this_cpu_dec(goslab_waste.objs[cls]);
	this_cpu_sub(goslab_waste.bytes[cls], size);
}

/**
 * goslab_waste_read() - live kmalloc objects of a class and their requests
 * @cls: size class
 * @objs: set to the objects whose requested size is recorded
 * @bytes: set to the bytes they asked for
 */
void goslab_waste_read(unsigned int cls, long *objs, long *bytes)
{
	long o = 0, b = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct goslab_waste *w = per_cpu_ptr(&goslab_waste, cpu);

		o += READ_ONCE(w->objs[cls]);
		b += READ_ONCE(w->bytes[cls]);
	}
	*objs = o > 0 ? o : 0;
	*bytes = b > 0 ? b : 0;
}

/**
 * goslab_waste_untracked() - kmalloc spans created without an array
 *
 * Return: the count since the module was loaded.
 */
unsigned long goslab_waste_untracked(void)
{
	return atomic_long_read(&waste_untracked_spans);
}

/**
 * goslab_waste_tracking() - is the requested size being recorded?
 *
 * Return: the track_waste module parameter.
 */
bool goslab_waste_tracking(void)
{
	return READ_ONCE(track_waste);
}

/**
 * goslab_stats_init() - at module load, after the caches exist
 *
 * Return: 0 or a negative errno.
 */
int goslab_stats_init(void)
{
	return goslab_profile_init();
}

/**
 * goslab_stats_exit() - at module exit
 */
void goslab_stats_exit(void)
{
	goslab_profile_exit();
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goslab statistics hooks: what every allocation and free reports to the
 * tracepoints (goslab_trace.h), the heap profile (profile.c) and the
 * live-waste accounting of the kmalloc caches (stats.c).
 *
 * Each hook is inline and costs one static branch per feature that is off.
 * Included through internal.h, after the structures it reads.
 *
 * Overview: Documentation/design.rst.
 */
#ifndef _GOSLAB_STATS_H
#define _GOSLAB_STATS_H

#include <linux/jump_label.h>
#include <linux/hash.h>

struct seq_file;

#include "goslab_trace.h"

/* === Heap profile (profile.c) === */

#define GOSLAB_PROFILE_FILTER_BITS	12

DECLARE_STATIC_KEY_FALSE(goslab_profile_on);
DECLARE_STATIC_KEY_FALSE(goslab_profile_used);
DECLARE_PER_CPU(long, goslab_profile_next);
extern atomic_t goslab_profile_filter[1 << GOSLAB_PROFILE_FILTER_BITS];

void __goslab_profile_alloc(const void *obj, size_t size,
			    unsigned long caller);
void __goslab_profile_free(const void *obj);
int goslab_profile_init(void);
void goslab_profile_exit(void);
void goslab_profile_show(struct seq_file *m);
void goslab_profile_summary(struct seq_file *m);

/* Sample about one allocation per profile_rate bytes (Go's nextSample). */
static __always_inline void goslab_profile_alloc(const void *obj, size_t size,
						 unsigned long caller)
{
	if (static_branch_unlikely(&goslab_profile_on) &&
	    unlikely(this_cpu_sub_return(goslab_profile_next, size) < 0))
		__goslab_profile_alloc(obj, size, caller);
}

/* May @obj be a sampled object? A filter keeps this one load for the others. */
static __always_inline bool goslab_profile_may_hold(const void *obj)
{
	unsigned long h;

	if (!static_branch_unlikely(&goslab_profile_used))
		return false;
	h = hash_ptr((void *)obj, GOSLAB_PROFILE_FILTER_BITS);
	return unlikely(atomic_read(&goslab_profile_filter[h]));
}

/* Forget a sampled object. */
static __always_inline void goslab_profile_free(const void *obj)
{
	if (goslab_profile_may_hold(obj))
		__goslab_profile_free(obj);
}

/* === Live waste of the kmalloc caches (stats.c) === */

DECLARE_STATIC_KEY_FALSE(goslab_waste_on);

/**
 * struct goslab_waste - requested bytes of live kmalloc objects, per CPU
 * @objs: objects whose requested size is recorded.
 * @bytes: the bytes they asked for.
 *
 * Added to by the CPU that allocates, taken from by the CPU that frees:
 * only the sum over all CPUs means anything.
 */
struct goslab_waste {
	long objs[GOSLAB_NUM_CLASSES];
	long bytes[GOSLAB_NUM_CLASSES];
};

DECLARE_PER_CPU(struct goslab_waste, goslab_waste);

void __goslab_waste_alloc(struct goslab_cache *c, void *obj, size_t size);
void goslab_waste_span_init(struct goslab_cache *c, struct goslab_span *s,
			    gfp_t gfp);
void goslab_waste_span_release(struct goslab_span *s);
void goslab_waste_read(unsigned int cls, long *objs, long *bytes);
unsigned long goslab_waste_untracked(void);
bool goslab_waste_tracking(void);

/* goslab_kmalloc(): remember the size asked for, for the live waste. */
static __always_inline void goslab_waste_alloc(struct goslab_cache *c,
					       void *obj, size_t size)
{
	if (static_branch_unlikely(&goslab_waste_on) && likely(obj))
		__goslab_waste_alloc(c, obj, size);
}

void __goslab_waste_free(struct goslab_span *s, int idx);

/* Any object of a span: forget its requested size if one was recorded. */
static __always_inline void goslab_waste_free(struct goslab_span *s, int idx)
{
	if (READ_ONCE(s->reqsize))
		__goslab_waste_free(s, idx);
}

/* === The hooks the allocator calls === */

/**
 * goslab_stats_alloc() - an object was handed out
 * @c: its cache, NULL for large objects and large stacks
 * @obj: the object
 * @req: bytes the caller asked for
 * @slot: bytes of its slot (the span, for large objects)
 * @gfp: the caller's flags
 * @caller: return address in the caller of goslab's API
 */
static __always_inline void goslab_stats_alloc(struct goslab_cache *c,
					       void *obj, size_t req,
					       size_t slot, gfp_t gfp,
					       unsigned long caller)
{
	size_t size = c ? c->size : slot;

	trace_goslab_alloc(caller, obj, c ? c->name : "large", req, size, gfp);
	goslab_profile_alloc(obj, size, caller);
	if (c && c->kmalloc)
		goslab_waste_alloc(c, obj, req);
}

/**
 * goslab_stats_free() - a large object or large stack is being freed
 * @obj: the object; it must not be reusable yet
 * @size: bytes usable
 * @name: "large" or "stack"
 * @caller: return address in the caller of goslab's API
 */
static __always_inline void goslab_stats_free(const void *obj, size_t size,
					      const char *name,
					      unsigned long caller)
{
	trace_goslab_free(caller, obj, name, size);
	goslab_profile_free(obj);
}

/**
 * goslab_stats_free_small() - an object of a span is being freed
 * @c: its cache
 * @s: its span
 * @idx: its slot
 * @obj: the object; its free bit must not be set yet
 * @caller: return address in the caller of goslab's API
 */
static __always_inline void goslab_stats_free_small(struct goslab_cache *c,
						    struct goslab_span *s,
						    int idx, const void *obj,
						    unsigned long caller)
{
	trace_goslab_free(caller, obj, c->name, c->size);
	goslab_profile_free(obj);
	goslab_waste_free(s, idx);
}

int goslab_stats_init(void);
void goslab_stats_exit(void);

#endif /* _GOSLAB_STATS_H */

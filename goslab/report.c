// SPDX-License-Identifier: GPL-2.0
/*
 * goslab misuse reports: every refused operation is classified, counted
 * and reported here, once, with the caller (as KFENCE's report.c). The
 * allocator files detect a misuse; this file names it. Overview:
 * Documentation/design.rst.
 */
#include <linux/kasan.h>

#include "internal.h"

const char *const goslab_bad_names[GOSLAB_NR_BAD] = {
	[GOSLAB_BAD_DOUBLE_FREE] = "double_free",
	[GOSLAB_BAD_NOT_OURS] = "invalid_pointer",
	[GOSLAB_BAD_INTERIOR] = "interior_pointer",
	[GOSLAB_BAD_WRONG_CACHE] = "wrong_cache",
	[GOSLAB_BAD_REDZONE] = "redzone_overwritten",
	[GOSLAB_BAD_POISON] = "write_after_free",
	[GOSLAB_BAD_STACK_SIZE] = "stack_size_mismatch",
	[GOSLAB_BAD_PAGES] = "bad_page_free",
	[GOSLAB_BAD_ARG] = "invalid_argument",
	[GOSLAB_BAD_DESTROY_LIVE] = "destroy_with_live_objects",
};

static_assert(ARRAY_SIZE(goslab_bad_names) == GOSLAB_NR_BAD);

atomic_long_t goslab_bad_count[GOSLAB_NR_BAD];

/**
 * goslab_report() - report and count a misuse that goslab refused
 * @what: kind of misuse
 * @cache: cache name, or NULL
 * @p: pointer involved, or NULL (printed hashed, as %p does)
 * @caller: return address of the caller of goslab's API
 *
 * One WARN per report, naming the caller; the refused operation changed
 * nothing.
 */
void goslab_report(enum goslab_bad what, const char *cache, const void *p,
		   unsigned long caller)
{
	atomic_long_inc(&goslab_bad_count[what]);
	WARN(1, "goslab: refused %s of %p in cache %s, caller %pS\n",
	     goslab_bad_names[what], p, cache ? cache : "-", (void *)caller);
}

#ifdef CONFIG_KASAN_GENERIC
/**
 * goslab_kasan_bad_free() - let KASAN report a free of free memory too
 * @obj: the object
 *
 * KASAN tells the shadow's story of the object. The read reports only when
 * the object is poisoned, that is free.
 */
void goslab_kasan_bad_free(const void *obj)
{
	kasan_check_read(obj, 1);
}
#endif

/**
 * goslab_report_free() - report a refused free of kfree() or the stacks
 * @what: kind of misuse
 * @cache: cache name, or NULL
 * @p: the pointer
 * @caller: return address of the caller of goslab's API
 *
 * As goslab_report(); a double free is shown to KASAN first.
 */
void goslab_report_free(enum goslab_bad what, const char *cache,
			const void *p, unsigned long caller)
{
	if (what == GOSLAB_BAD_DOUBLE_FREE)
		goslab_kasan_bad_free(p);
	goslab_report(what, cache, p, caller);
}

/**
 * goslab_free_refuse() - a free naming a cache failed its checks
 * @c: the cache the caller named, or NULL
 * @s: the span of @obj, or NULL if goslab holds no span there
 * @obj: the pointer
 * @caller: return address of the caller of goslab's API
 *
 * Finds which check failed, reports it, and counts it in goslab's counts
 * and in @c's free_refused. Out of line, so that the checks cost the fast
 * path no more than their tests. Called without s->lock: what it reads only
 * names the misuse.
 */
void goslab_free_refuse(struct goslab_cache *c, struct goslab_span *s,
			const void *obj, unsigned long caller)
{
	enum goslab_bad what = GOSLAB_BAD_DOUBLE_FREE;
	int idx;

	if (!s) {
		what = GOSLAB_BAD_NOT_OURS;
	} else if (!goslab_span_holds_objects(READ_ONCE(s->state))) {
		goslab_kasan_bad_free(obj);
	} else if (s->cache != c) {
		what = GOSLAB_BAD_WRONG_CACHE;
	} else {
		idx = goslab_span_obj_index(s, obj);
		if (idx < 0)
			what = idx == -EINVAL ? GOSLAB_BAD_INTERIOR :
			       GOSLAB_BAD_NOT_OURS;
		else
			goslab_kasan_bad_free(obj);
	}
	/* A free naming no cache at all is refused as naming the wrong one. */
	if (c)
		goslab_stat(c, GOSLAB_FREE_REFUSED);
	goslab_report(what, c ? c->name : "(null)", obj, caller);
}

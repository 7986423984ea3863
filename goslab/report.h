/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goslab misuse reports (report.c): the kinds of misuse goslab refuses,
 * their counts, and the one function each refusal goes through. The layer
 * below every allocator file. Overview: Documentation/design.rst.
 */
#ifndef _GOSLAB_REPORT_H
#define _GOSLAB_REPORT_H

#include <linux/atomic.h>

struct goslab_cache;
struct goslab_span;

enum goslab_bad {
	GOSLAB_BAD_DOUBLE_FREE,		/* object already free */
	GOSLAB_BAD_NOT_OURS,		/* pointer goslab never handed out */
	GOSLAB_BAD_INTERIOR,		/* pointer inside an object */
	GOSLAB_BAD_WRONG_CACHE,		/* freed to another cache */
	GOSLAB_BAD_REDZONE,		/* red zone overwritten */
	GOSLAB_BAD_POISON,		/* free object written to */
	GOSLAB_BAD_STACK_SIZE,		/* stack freed with the wrong size */
	GOSLAB_BAD_PAGES,		/* page-heap free of pages not allocated */
	GOSLAB_BAD_ARG,			/* invalid argument */
	GOSLAB_BAD_DESTROY_LIVE,	/* cache destroyed with live objects */
	GOSLAB_NR_BAD,
};

extern const char *const goslab_bad_names[GOSLAB_NR_BAD];
extern atomic_long_t goslab_bad_count[GOSLAB_NR_BAD];

void goslab_report(enum goslab_bad what, const char *cache, const void *p,
		   unsigned long caller);
void goslab_report_free(enum goslab_bad what, const char *cache,
			const void *p, unsigned long caller);
void goslab_free_refuse(struct goslab_cache *c, struct goslab_span *s,
			const void *obj, unsigned long caller);

#ifdef CONFIG_KASAN_GENERIC
void goslab_kasan_bad_free(const void *obj);
#else
static inline void goslab_kasan_bad_free(const void *obj) { }
#endif

#endif /* _GOSLAB_REPORT_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goslab page-allocator bitmaps: Go's pallocBits and pallocSum
 * (mpallocbits.go, mpagealloc.go) for one chunk of up to 1024 pages.
 *
 * Pure functions over a bitmap (set = page in use) and the summary of each
 * of its 64-page words: no locks, no allocation, nothing but <linux/types.h>
 * and bit operations, so tests/fuzz/ builds this layer unchanged in user
 * space. The page heap (mheap.c) owns the bitmaps and does the locking.
 *
 * Overview: Documentation/design.rst.
 */
#ifndef _GOSLAB_MPAGEALLOC_H
#define _GOSLAB_MPAGEALLOC_H

#include <linux/types.h>

/*
 * Summary of a run of pages (Go's pallocSum): free pages at the start, the
 * longest free run anywhere, free pages at the end.
 */
struct goslab_sum {
	u16 start;
	u16 max;
	u16 end;
};

struct goslab_sum goslab_palloc_word_sum(u64 used);
struct goslab_sum goslab_palloc_merge(const struct goslab_sum *sums,
				      unsigned int n);
int goslab_palloc_word_find(u64 used, unsigned int n);
int goslab_palloc_find(const u64 *bits, const struct goslab_sum *sums,
		       unsigned int nwords, unsigned int n);
int goslab_palloc_word_find_aligned(u64 used, unsigned int n,
				    unsigned int align);
int goslab_palloc_find_aligned(const u64 *bits, const struct goslab_sum *sums,
			       unsigned int nwords, unsigned int n,
			       unsigned int align);
void goslab_palloc_mark(u64 *bits, struct goslab_sum *sums, unsigned int idx,
			unsigned int n, bool used);
bool goslab_palloc_range_used(const u64 *bits, unsigned int idx,
			      unsigned int n);

#endif /* _GOSLAB_MPAGEALLOC_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * goslab page-allocator bitmaps: Go's pallocBits and pallocSum
 * (mpallocbits.go, mpagealloc.go). See mpagealloc.h; the callers in
 * mheap.c hold the heap's lock.
 *
 * A bitmap covers a chunk, one bit per page, set = in use. Each 64-page word
 * has a summary (start, max, end); the chunk's root summary merges them.
 * Searches use the summaries to skip words that cannot hold the run:
 * address-ordered first fit, as in Go.
 *
 * Overview: Documentation/design.rst.
 */
#include <linux/bitops.h>
#include <linux/bits.h>
#include <linux/align.h>
#include <linux/minmax.h>

#include "mpagealloc.h"

/**
 * goslab_palloc_word_sum() - summary of one 64-page word
 * @used: the word, set = page in use
 *
 * Return: free pages at its start, its longest free run, free pages at its
 * end.
 */
struct goslab_sum goslab_palloc_word_sum(u64 used)
{
	struct goslab_sum s;
	u64 x = ~used;
	unsigned int run = 0;

	if (!used)
		return (struct goslab_sum){ 64, 64, 64 };
	s.start = __ffs64(used);
	s.end = 63 - __fls(used);
	/* Longest run of set bits in x: shrink every run by one per step. */
	while (x) {
		x &= x << 1;
		run++;
	}
	s.max = run;
	return s;
}

/**
 * goslab_palloc_merge() - Go's mergeSummaries, for words of 64 pages
 * @sums: summaries of consecutive words
 * @n: number of words, at least 1
 *
 * Return: the summary of the whole run of words.
 */
struct goslab_sum goslab_palloc_merge(const struct goslab_sum *sums,
				      unsigned int n)
{
	struct goslab_sum r = sums[0];
	unsigned int i;

	for (i = 1; i < n; i++) {
		const struct goslab_sum *s = &sums[i];

		if (r.start == i * 64)
			r.start += s->start;
		r.max = max3(r.max, s->max, (u16)(r.end + s->start));
		if (s->start == 64)
			r.end += 64;
		else
			r.end = s->end;
	}
	return r;
}

/* Bit i set: pages i .. i + @n - 1 of the word are free (@n 1 .. 64). */
static u64 word_starts(u64 used, unsigned int n)
{
	u64 x = ~used;
	unsigned int len = 1, s;

	while (len < n && x) {
		s = min(len, n - len);
		x &= x >> s;
		len += s;
	}
	return x;
}

/* The bits of a word's pages that start on a multiple of @align pages. */
static u64 align_mask(unsigned int align)
{
	return align >= 64 ? 1 : ~0ULL / (BIT_ULL(align) - 1);
}

/**
 * goslab_palloc_word_find() - first run of free pages in one word
 * @used: the word, set = page in use
 * @n: pages wanted, 1 .. 64
 *
 * Return: the index of the run's first page, or -1.
 */
int goslab_palloc_word_find(u64 used, unsigned int n)
{
	u64 x = word_starts(used, n);

	return x ? __ffs64(x) : -1;
}

/**
 * goslab_palloc_word_find_aligned() - first aligned run of free pages in
 * one word
 * @used: the word, set = page in use
 * @n: pages wanted, 1 .. 64
 * @align: the run starts on a multiple of this many pages, a power of two
 *
 * Return: the index of the run's first page, or -1.
 */
int goslab_palloc_word_find_aligned(u64 used, unsigned int n,
				    unsigned int align)
{
	u64 x = word_starts(used, n) & align_mask(align);

	return x ? __ffs64(x) : -1;
}

/* Are all pages of [@idx, @idx + @n) free? */
static bool range_free(const u64 *bits, unsigned int idx, unsigned int n)
{
	unsigned int i, first = idx / 64, last = (idx + n - 1) / 64;

	for (i = first; i <= last; i++) {
		unsigned int lo = i == first ? idx % 64 : 0;
		unsigned int hi = i == last ? (idx + n - 1) % 64 : 63;

		if (bits[i] & GENMASK_ULL(hi, lo))
			return false;
	}
	return true;
}

/**
 * goslab_palloc_find() - address-ordered first fit in a bitmap
 * @bits: the bitmap
 * @sums: the summary of each of its words
 * @nwords: words in @bits
 * @n: pages wanted, at least 1
 *
 * Return: the index of the first page of the first free run of @n pages,
 * or -1.
 */
int goslab_palloc_find(const u64 *bits, const struct goslab_sum *sums,
		       unsigned int nwords, unsigned int n)
{
	unsigned int i, run = 0, runstart = 0;
	int bit;

	for (i = 0; i < nwords; i++) {
		const struct goslab_sum *s = &sums[i];

		if (run + s->start >= n)
			return runstart;
		if (n <= 64 && s->max >= n) {
			bit = goslab_palloc_word_find(bits[i], n);
			if (bit >= 0)
				return i * 64 + bit;
		}
		if (s->start == 64) {
			run += 64;
		} else {
			run = s->end;
			runstart = (i + 1) * 64 - s->end;
		}
	}
	return -1;
}

/**
 * goslab_palloc_find_aligned() - address-ordered first fit of an aligned run
 * @bits: the bitmap
 * @sums: the summary of each of its words
 * @nwords: words in @bits
 * @n: pages wanted, at least 1
 * @align: the run starts on a multiple of this many pages, a power of two
 *
 * A word holds a run that fits in it, or the start of one in its free
 * tail; only the first aligned page of the tail needs a look, since a later
 * start needs every page the first one lacks.
 *
 * Return: the index of the first page of the lowest aligned free run of
 * @n pages, or -1.
 */
int goslab_palloc_find_aligned(const u64 *bits, const struct goslab_sum *sums,
			       unsigned int nwords, unsigned int n,
			       unsigned int align)
{
	unsigned int i, p, wend;
	u64 x;

	if (align <= 1)
		return goslab_palloc_find(bits, sums, nwords, n);
	for (i = 0; i < nwords; i++) {
		const struct goslab_sum *s = &sums[i];

		wend = (i + 1) * 64;
		if (n <= 64 && s->max >= n &&
		    (align <= 64 || !(i * 64 % align))) {
			x = word_starts(bits[i], n) & align_mask(align);
			if (x)
				return i * 64 + __ffs64(x);
		}
		if (!s->end)
			continue;
		p = ALIGN(wend - s->end, align);
		/* A run that ends inside this word was looked for above. */
		if (p >= wend || p + n <= wend || p + n > nwords * 64)
			continue;
		if (range_free(bits, wend, p + n - wend))
			return p;
	}
	return -1;
}

/**
 * goslab_palloc_mark() - set or clear a run of pages
 * @bits: the bitmap
 * @sums: the summary of each of its words, brought up to date
 * @idx: first page
 * @n: pages, at least 1
 * @used: true to mark them in use, false to mark them free
 *
 * The caller merges the root summary again.
 */
void goslab_palloc_mark(u64 *bits, struct goslab_sum *sums, unsigned int idx,
			unsigned int n, bool used)
{
	unsigned int i, first = idx / 64, last = (idx + n - 1) / 64;

	for (i = first; i <= last; i++) {
		unsigned int lo = i == first ? idx % 64 : 0;
		unsigned int hi = i == last ? (idx + n - 1) % 64 : 63;
		u64 mask = GENMASK_ULL(hi, lo);

		if (used)
			bits[i] |= mask;
		else
			bits[i] &= ~mask;
		sums[i] = goslab_palloc_word_sum(bits[i]);
	}
}

/**
 * goslab_palloc_range_used() - are all pages of a run in use?
 * @bits: the bitmap
 * @idx: first page
 * @n: pages, at least 1
 *
 * Return: true if every page of [@idx, @idx + @n) is in use.
 */
bool goslab_palloc_range_used(const u64 *bits, unsigned int idx,
			      unsigned int n)
{
	unsigned int i, first = idx / 64, last = (idx + n - 1) / 64;

	for (i = first; i <= last; i++) {
		unsigned int lo = i == first ? idx % 64 : 0;
		unsigned int hi = i == last ? (idx + n - 1) % 64 : 63;
		u64 mask = GENMASK_ULL(hi, lo);

		if ((bits[i] & mask) != mask)
			return false;
	}
	return true;
}

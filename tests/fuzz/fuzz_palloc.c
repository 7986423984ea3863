// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the page allocator's bitmap and summaries
 * (goslab/mpagealloc.c) against a model of one bool per page.
 *
 * The input is a chunk size and a list of operations: allocate a run by
 * first fit (of any start, or of one aligned to a power of two), free a
 * run allocated before, ask whether a range is in use, and the word-level
 * helpers on arbitrary words. After every operation the
 * bitmap matches the model, every word summary and the root summary match
 * ones recomputed from the model, and a search finds what a linear scan of
 * the model finds.
 */
#include "fuzz.h"

#include "mpagealloc.h"

#define MAX_WORDS	16
#define MAX_PAGES	(MAX_WORDS * 64)

struct run {
	unsigned int idx, n;
};

static u64 bits[MAX_WORDS];
static struct goslab_sum sums[MAX_WORDS];
static bool model[MAX_PAGES];
static struct run runs[MAX_PAGES];
static unsigned int nruns, nwords, npages;

/* Summary of pages [from, from + n) of the model. */
static struct goslab_sum model_sum(unsigned int from, unsigned int n)
{
	struct goslab_sum s = { 0, 0, 0 };
	unsigned int i, run = 0;

	while (s.start < n && !model[from + s.start])
		s.start++;
	while (s.end < n && !model[from + n - 1 - s.end])
		s.end++;
	for (i = 0; i < n; i++) {
		run = model[from + i] ? 0 : run + 1;
		if (run > s.max)
			s.max = run;
	}
	return s;
}

static struct goslab_sum word_model_sum(u64 w)
{
	struct goslab_sum s = { 0, 0, 0 };
	unsigned int i, run = 0;

	while (s.start < 64 && !(w >> s.start & 1))
		s.start++;
	while (s.end < 64 && !(w >> (63 - s.end) & 1))
		s.end++;
	for (i = 0; i < 64; i++) {
		run = w >> i & 1 ? 0 : run + 1;
		if (run > s.max)
			s.max = run;
	}
	return s;
}

static int model_find(unsigned int n)
{
	unsigned int i, run = 0;

	for (i = 0; i < npages; i++) {
		run = model[i] ? 0 : run + 1;
		if (run == n)
			return i + 1 - n;
	}
	return -1;
}

/* First free run of @n pages starting on a multiple of @align. */
static int model_find_aligned(unsigned int n, unsigned int align)
{
	static unsigned int freelen[MAX_PAGES + 1];
	unsigned int i;

	/* freelen[i]: free pages from i on. */
	freelen[npages] = 0;
	for (i = npages; i-- > 0;)
		freelen[i] = model[i] ? 0 : freelen[i + 1] + 1;
	for (i = 0; i < npages; i += align)
		if (freelen[i] >= n)
			return i;
	return -1;
}

static int word_model_find_aligned(u64 w, unsigned int n, unsigned int align)
{
	unsigned int i, k;

	for (i = 0; i + n <= 64; i += align) {
		for (k = 0; k < n && !(w >> (i + k) & 1); k++)
			;
		if (k == n)
			return i;
	}
	return -1;
}

static int word_model_find(u64 w, unsigned int n)
{
	unsigned int i, run = 0;

	for (i = 0; i < 64; i++) {
		run = w >> i & 1 ? 0 : run + 1;
		if (run == n)
			return i + 1 - n;
	}
	return -1;
}

static bool sum_eq(struct goslab_sum a, struct goslab_sum b)
{
	return a.start == b.start && a.max == b.max && a.end == b.end;
}

static void check_all(void)
{
	struct goslab_sum root = goslab_palloc_merge(sums, nwords);
	struct goslab_sum want = model_sum(0, npages);
	unsigned int i;

	for (i = 0; i < npages; i++)
		CHECK(!!(bits[i / 64] >> (i % 64) & 1) == model[i], "page %u", i);
	for (i = 0; i < nwords; i++)
		CHECK(sum_eq(sums[i], model_sum(i * 64, 64)), "word %u sum", i);
	CHECK(sum_eq(root, want), "root {%u %u %u}, model {%u %u %u}",
	      root.start, root.max, root.end, want.start, want.max, want.end);
}

static void set_model(unsigned int idx, unsigned int n, bool used)
{
	unsigned int i;

	for (i = idx; i < idx + n; i++)
		model[i] = used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct input in = { data, len };
	unsigned int i;

	nwords = 1 + take(&in, 1) % MAX_WORDS;
	npages = nwords * 64;
	nruns = 0;
	memset(model, 0, sizeof(model));
	memset(bits, 0, sizeof(bits));
	for (i = 0; i < nwords; i++)
		sums[i] = goslab_palloc_word_sum(0);
	check_all();

	while (more(&in)) {
		unsigned int op = take(&in, 1), n, idx, k, align;
		struct goslab_sum root;
		u64 w;
		int got, want;

		switch (op % 8) {
		case 0: case 1: case 2:	/* allocate n pages, first fit */
			n = op & 0x80 ? 1 + take(&in, 2) % npages :
					1 + take(&in, 1) % 72;
			root = goslab_palloc_merge(sums, nwords);
			/*
			 * As chunk_find(): the root says whether to search.
			 * Bit 6: aligned, as mheap.c's run_align() or to any
			 * power of two up to 2 * 64 pages.
			 */
			align = 1;
			if (op & 0x40) {
				k = take(&in, 1);
				align = k & 1 ? n & -n : 1U << (k >> 1) % 8;
			}
			got = root.max < n ? -1 :
			      goslab_palloc_find_aligned(bits, sums, nwords, n, align);
			want = model_find_aligned(n, align);
			CHECK(got == want, "find %u at %u: got %d, model %d", n,
			      align, got, want);
			if (align == 1)
				CHECK(got == model_find(n), "find %u", n);
			if (got < 0)
				break;
			goslab_palloc_mark(bits, sums, got, n, true);
			set_model(got, n, true);
			runs[nruns++] = (struct run){ got, n };
			break;
		case 3: case 4:		/* free a run */
			if (!nruns)
				break;
			k = take(&in, 2) % nruns;
			CHECK(goslab_palloc_range_used(bits, runs[k].idx, runs[k].n),
			      "run %u+%u not in use", runs[k].idx, runs[k].n);
			goslab_palloc_mark(bits, sums, runs[k].idx, runs[k].n, false);
			set_model(runs[k].idx, runs[k].n, false);
			runs[k] = runs[--nruns];
			break;
		case 5:			/* is a range in use? */
			idx = take(&in, 2) % npages;
			n = 1 + take(&in, 2) % (npages - idx);
			want = 1;
			for (i = idx; i < idx + n; i++)
				want &= model[i];
			CHECK(goslab_palloc_range_used(bits, idx, n) == want,
			      "range %u+%u", idx, n);
			break;
		case 6:			/* first fit in one arbitrary word */
			w = take(&in, 8);
			n = 1 + take(&in, 1) % 64;
			CHECK(goslab_palloc_word_find(w, n) == word_model_find(w, n),
			      "word %#llx n %u", (unsigned long long)w, n);
			align = 1U << take(&in, 1) % 7;
			CHECK(goslab_palloc_word_find_aligned(w, n, align) ==
			      word_model_find_aligned(w, n, align),
			      "word %#llx n %u at %u", (unsigned long long)w, n, align);
			break;
		default:		/* summary of one arbitrary word */
			w = take(&in, 8);
			CHECK(sum_eq(goslab_palloc_word_sum(w), word_model_sum(w)),
			      "word %#llx", (unsigned long long)w);
			break;
		}
		check_all();
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: a span's object bookkeeping (goslab/mspan.c): allocCache and
 * freeindex, explicit frees into free_bits, sweeps, liveness and object
 * indexes, against a model of every slot's state.
 *
 * A free is recorded the way goslab_cache_free_span() does it under the
 * span lock (cache.c is not part of this target): refuse unless
 * goslab_span_obj_live(), then goslab_span_mark_free(); or, as
 * goslab_mcache_free_local() does for the CPU's own span,
 * goslab_span_unalloc(). A bulk take (goslab_span_take_fast()) must leave the
 * span exactly as the same number of goslab_span_next_free_fast() calls; a
 * run of step backs (struct goslab_unalloc_run) as many goslab_span_unalloc().
 */
#include "fuzz.h"

#include "mspan.h"

enum slot { FREE, LIVE, PENDING };

static struct goslab_span s;
static enum slot state[GOSLAB_MAX_OBJS_PER_SPAN];
static bool swept_bits[GOSLAB_MAX_OBJS_PER_SPAN];	/* allocBits of the model */
static unsigned int model_fi;

/* Go's nextFreeIndex on the model: first slot from freeindex not allocated
 * as of the last sweep.
 */
static unsigned int model_next(void)
{
	unsigned int i;

	for (i = model_fi; i < s.nelems; i++)
		if (!swept_bits[i])
			return i;
	return s.nelems;
}

static unsigned int count(enum slot st)
{
	unsigned int i, n = 0;

	for (i = 0; i < s.nelems; i++)
		n += state[i] == st;
	return n;
}

/*
 * goslab_span_take_fast() of up to @nr objects against @nr calls of
 * goslab_span_next_free_fast() on a copy of the span: the same slots, in
 * the same order, and the same span afterwards. Returns objects taken.
 */
static void *objs[GOSLAB_MAX_OBJS_PER_SPAN];

static unsigned int check_take(unsigned int nr)
{
	struct goslab_span ref = s;
	unsigned int n, i;
	int got;

	n = goslab_span_take_fast(&s, objs, nr);
	CHECK(n <= nr, "took %u of %u", n, nr);
	for (i = 0; i < nr; i++) {
		got = goslab_span_next_free_fast(&ref);
		if (got < 0)
			break;
		CHECK(i < n, "take stopped at %u, nextFreeFast gives slot %d", n, got);
		CHECK(objs[i] == goslab_span_obj(&ref, got), "object %u: slot %d", i, got);
	}
	CHECK(i == n, "took %u, nextFreeFast %u", n, i);
	CHECK(s.freeindex == ref.freeindex && s.alloc_cache == ref.alloc_cache &&
	      s.alloc_count == ref.alloc_count, "span after take of %u", n);
	return n;
}

static void check_all(void)
{
	unsigned int i;

	for (i = 0; i < s.nelems; i++)
		CHECK(goslab_span_obj_live(&s, i) == (state[i] == LIVE),
		      "slot %u state %d", i, state[i]);
	CHECK(goslab_span_live_count(&s) == count(LIVE), "live %u, model %u",
	      goslab_span_live_count(&s), count(LIVE));
	CHECK(s.pending == count(PENDING), "pending");
}

/* A slot in state @st, searching from a random start; -1 if none. */
static int pick(struct input *in, enum slot st)
{
	unsigned int start = take(in, 2) % s.nelems, i;

	for (i = 0; i < s.nelems; i++) {
		unsigned int k = (start + i) % s.nelems;

		if (state[k] == st)
			return k;
	}
	return -1;
}

/*
 * What a bulk free does in its own span (free_run_objs()): up to @m frees
 * of live slots, most of them the slot just below freeindex, stepped back
 * through a struct goslab_unalloc_run and the others marked in free_bits;
 * liveness is read with the run's freeindex, so that a slot stepped back
 * in the run is free to a second free of it in the same run.
 */
static void check_unalloc_run(struct input *in, unsigned int m)
{
	struct goslab_unalloc_run run;
	unsigned int j;
	int k;
	bool want;

	goslab_span_unalloc_begin(&s, &run);
	for (j = 0; j < m && more(in); j++) {
		k = model_fi && state[model_fi - 1] == LIVE && (take(in, 1) & 3) ?
		    (int)model_fi - 1 : pick(in, LIVE);
		if (k < 0)
			break;
		CHECK(goslab_span_obj_live_at(&s, k, run.fi), "run: live slot %d", k);
		want = k + 1 == (int)model_fi && model_fi % 64;
		CHECK(goslab_span_unalloc_next(&s, &run, k) == want,
		      "run: unalloc %d at freeindex %u", k, model_fi);
		if (want) {
			state[k] = FREE;
			swept_bits[k] = false;
			model_fi = k;
		} else {
			goslab_span_mark_free(&s, k);
			state[k] = PENDING;
		}
		CHECK(!goslab_span_obj_live_at(&s, k, run.fi), "run: freed slot %d live", k);
	}
	goslab_span_unalloc_end(&s, &run);
	CHECK(s.freeindex == model_fi, "run: freeindex %u, model %u", s.freeindex, model_fi);
}

static void setup(struct input *in)
{
	unsigned int cls = take(in, 1), npages;
	u32 elemsize, divmul = 0;
	u16 nelems;

	if (cls & 0x80) {
		/* A cache geometry of its own: divide instead of divMagic. */
		elemsize = 8 * (1 + take(in, 2) % 1024);
		npages = 1 + (elemsize * 2 - 1) / PAGE_SIZE;
		nelems = min_t(unsigned int, npages * PAGE_SIZE / elemsize,
			       GOSLAB_MAX_OBJS_PER_SPAN);
	} else {
		const struct goslab_class *k =
			&goslab_classes[1 + cls % (GOSLAB_NUM_CLASSES - 1)];

		elemsize = k->size;
		nelems = k->nobjs;
		divmul = k->divmul;
	}
	memset(&s, 0, sizeof(s));
	/* Never dereferenced: the index arithmetic only subtracts it. */
	s.base = (void *)(uintptr_t)0x40000000;
	goslab_span_init_objects(&s, elemsize, nelems, divmul);
	memset(state, 0, sizeof(state));
	memset(swept_bits, 0, sizeof(swept_bits));
	model_fi = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct input in = { data, len };

	setup(&in);
	check_all();
	while (more(&in)) {
		unsigned int op = take(&in, 1), want, i, nfreed;
		unsigned long off;
		int got, k;

		switch (op % 11) {
		case 0: case 1: case 2:	/* allocate: fast path, then slow */
			want = model_next();
			got = goslab_span_next_free_fast(&s);
			if (got < 0)
				got = goslab_span_next_free(&s);
			CHECK((unsigned int)got == want, "alloc %d, model %u", got, want);
			if (want == s.nelems) {
				model_fi = s.nelems;
				break;
			}
			CHECK(state[want] == FREE, "slot %u handed out twice", want);
			state[want] = LIVE;
			model_fi = want + 1;
			break;
		case 3: case 4:		/* free a live object */
			k = pick(&in, LIVE);
			if (k < 0)
				break;
			CHECK(goslab_span_obj_live(&s, k), "live slot %d", k);
			CHECK(!test_bit(k, s.free_bits), "slot %d free bit", k);
			goslab_span_mark_free(&s, k);
			state[k] = PENDING;
			break;
		case 5:			/* a double free is seen as one */
			k = pick(&in, op & 0x80 ? PENDING : FREE);
			if (k >= 0)
				CHECK(!goslab_span_obj_live(&s, k), "slot %d live", k);
			break;
		case 6:			/* sweep */
			nfreed = goslab_span_sweep(&s);
			CHECK(nfreed == count(PENDING), "swept %u, model %u",
			      nfreed, count(PENDING));
			for (i = 0; i < s.nelems; i++) {
				if (state[i] == PENDING)
					state[i] = FREE;
				swept_bits[i] = state[i] == LIVE;
			}
			model_fi = 0;
			CHECK(s.alloc_count == count(LIVE), "alloc_count");
			break;
		case 7:			/* the owner frees, stepping back if it can */
			k = pick(&in, LIVE);
			if (k < 0)
				break;
			want = k + 1 == (int)model_fi && model_fi % 64;
			CHECK(goslab_span_unalloc(&s, k) == want,
			      "unalloc %d at freeindex %u", k, model_fi);
			if (!want)
				break;
			state[k] = FREE;
			swept_bits[k] = false;
			model_fi = k;
			break;
		case 8:			/* bulk take from allocCache */
			got = check_take(1 + take(&in, 1) % 80);
			for (i = 0; i < (unsigned int)got; i++) {
				want = model_next();
				CHECK(want < s.nelems && state[want] == FREE &&
				      objs[i] == goslab_span_obj(&s, want),
				      "take's object %u, model slot %u", i, want);
				state[want] = LIVE;
				model_fi = want + 1;
			}
			break;
		case 9:			/* the owner frees a run under one lock hold */
			check_unalloc_run(&in, 1 + take(&in, 1) % 16);
			break;
		default:		/* object index of an address */
			off = take(&in, 3) % ((unsigned long)s.nelems * s.elemsize + 64);
			got = goslab_span_obj_index(&s, (char *)s.base + off);
			if (off >= (unsigned long)s.nelems * s.elemsize)
				CHECK(got == -EFAULT, "offset %lu: %d", off, got);
			else if (off % s.elemsize)
				CHECK(got == -EINVAL, "offset %lu: %d", off, got);
			else
				CHECK(got == (int)(off / s.elemsize), "offset %lu: %d", off, got);
			break;
		}
		check_all();
	}
	return 0;
}

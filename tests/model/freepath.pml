/* SPDX-License-Identifier: GPL-2.0 */
/*
 * freepath.pml - SPIN model of goslab's span free protocol (issue 14).
 *
 * One span struct, its slots, and everything that reads or writes them:
 * the owner's lock-free allocations from allocCache/freeindex, the owner's
 * step back, frees from other CPUs and from a hardirq on the owner's CPU,
 * the owner's sweep and the shrinker's, uncache and refill, the release of
 * the span and the reuse of its struct. Documentation/free-protocol.rst
 * explains the protocol and this model; every step names the C it stands
 * for.
 *
 * Variant, exactly one:
 *   -DNEW                     the protocol of issue 14: everything a free
 *                             does under s->lock, struct reuse after RCU
 *   -DOLD                     main before it (6909c8f): lock-free frees,
 *                             test_and_set_bit() then pending, the step
 *                             back blind to free_bits, the struct reused
 *                             at once
 *   -DNEW_NO_STEPBACK_CHECK   NEW with the step back taken before the
 *                             liveness check
 * Workload, exactly one:
 *   -DWL_RELEASE   correct frees from two CPUs while the span is uncached,
 *                  swept by the shrinker and released (issue bug 1)
 *   -DWL_STEPBACK  the owner frees its object while the hardirq or another
 *                  CPU frees it too (bug 2); correct hardirq frees
 *   -DWL_SWEEP     two CPUs free one object, sweeps by the owner and the
 *                  shrinker in between (bug 3)
 *
 * Run: scripts/check-model.sh; by hand:
 *   spin -a -DNEW -DWL_SWEEP freepath.pml && gcc -O2 -DSAFETY -o pan pan.c
 *   ./pan -m100000; spin -t -p -DNEW -DWL_SWEEP freepath.pml (a trail)
 */

/* ==== Bounds ==== */

/*
 * N slots in words of W slots. N = 3, W = 2: one full word and one partial
 * word, so the word boundary (allocCache reloaded, the step back refused
 * at freeindex % 64 == 0) and the slot past nelems in the last word are
 * in the model. The C code has no rule that tells a 64-slot word from a
 * 2-slot one: every rule is "first slot of a word" or "last slot".
 */
#ifndef N
#define N 3
#endif
#ifndef W
#define W 2
#endif
#define NW ((N + W - 1) / W)
#define ALL ((1 << N) - 1)
#define WMASK ((1 << W) - 1)
#define WORD(w) ((WMASK << ((w) * W)) & ALL)
#define BIT(i) (1 << (i))
#define BELOW(f) ((1 << (f)) - 1)	/* the slots below freeindex f */
#define NONE 255

/* Popcount and count-trailing-zeros of values of up to 4 bits. */
#define POP(x) (((x) & 1) + (((x) >> 1) & 1) + (((x) >> 2) & 1) + (((x) >> 3) & 1))
#define CTZ(x) (((x) & 1) -> 0 : (((x) & 2) -> 1 : (((x) & 4) -> 2 : 3)))

/*
 * NALLOC owner allocations in all: one more than the span has slots, so
 * that one allocation needs a slot given back (a step back or a sweep)
 * and the slot's second owner meets the first one's frees. NCYCLE
 * uncache/refill round trips, NSHRINK shrinker passes: one each is what
 * takes every transition of the state machine (CACHED -> listed -> FREE
 * or CACHED again) in every order against the frees.
 */
#ifndef NALLOC
#define NALLOC (N + 1)
#endif
#ifndef NCYCLE
#define NCYCLE 1
#endif
#ifndef NSHRINK
#define NSHRINK 1
#endif

/*
 * Knobs that take a check out, so that a run of OLD shows the bug behind
 * the one it would find first:
 *   -DNO_REUSE        the struct is never reused (no use after reuse)
 *   -DNO_TOUCH_CHECK  no incarnation check: the free goes on into the
 *                     reused struct (and follows its NULL central)
 *   -DIRQ_ONLY        WL_STEPBACK: only the hardirq frees the owner's
 *                     misused object a second time
 *
 * -DREACH=EV_x: event x (below) fails an assertion, so that spin shows a
 * path to it: the checks that the model does reach the races it is about.
 */
#define EV_STEPBACK		1	/* a step back accepted a free */
#define EV_REFUSED_PENDING	2	/* a double free refused: free_bits set */
#define EV_REFUSED_FOLDED	3	/* a double free refused: swept or stepped back */
#define EV_REFUSED_RELEASED	4	/* a free found its span released under the lock */
#define EV_NOTE_SEES_FREE	5	/* note_free() found the span released */
#define EV_RELEASE_BY_FREE	6	/* a free's note_free() released the span */
#define EV_RELEASE_BY_SHRINK	7	/* the shrinker released it */
#define EV_RELEASE_BY_UNCACHE	8	/* the owner's uncache released it */
#define EV_REUSE_WAITED		9	/* the reuse waited for a free's read side */
#define EV_REALLOC		10	/* a slot handed out a second time */
#define EV_IRQ_FREE		11	/* a hardirq's free accepted */
#define EV_LATE			12	/* a misused object's free dropped as late */
#define EV_REFILL		13	/* the span refilled after an uncache */

/*
 * EVENT(e) is C code that pan runs during the search and that is not part
 * of the state: the search is the same with it, and pan prints each event
 * the first time a run reaches it (scripts/check-model.sh reads that).
 * -DREACH=e instead fails an assertion at e, for a trail that shows a way
 * there.
 */
#ifdef REACH
#define EVENT(e) \
	if \
	:: (e) == REACH -> VIOLATION(probe_hit) \
	:: else \
	fi
#else
c_decl { unsigned char goslab_event_seen[32]; }
#define EVENT(e) c_code { if (!goslab_event_seen[e]) { goslab_event_seen[e] = 1; printf("event %d reached\n", e); } }
#endif

#if defined(NEW) || defined(NEW_NO_STEPBACK_CHECK)
#define NEWP 1
#elif !defined(OLD)
#error "define one of NEW, OLD, NEW_NO_STEPBACK_CHECK"
#endif

/*
 * Each workload runs only the contexts it needs: every context multiplies
 * the interleavings.
 */
#if defined(WL_RELEASE)
#define HAS_CPU2 1
#define HAS_SHRINK 1
#elif defined(WL_STEPBACK)
#define HAS_IRQ 1
#elif defined(WL_SWEEP)
#define HAS_CPU2 1
#define HAS_SHRINK 1
#else
#error "define one of WL_RELEASE, WL_STEPBACK, WL_SWEEP"
#endif

/* ==== The span struct (struct goslab_span) ==== */

/* enum goslab_span_state; LARGE stands for any new use of the struct. */
mtype = { FREE, CACHED, PARTIAL, FULL, PENDING, LARGE };

mtype st = CACHED;	/* s->state: central_grow(), then CACHED */
byte fidx;		/* s->freeindex */
byte ac = WMASK;	/* s->alloc_cache: bit k = slot fidx + k is free */
byte ab;		/* s->alloc_bits */
byte fb;		/* s->free_bits */
short pending;		/* s->pending (OLD: atomic_t, may dip below 0) */
byte acount;		/* s->alloc_count */
bit has_central = 1;	/* s->central != NULL */
bit mapped = 1;		/* the span map maps the slots' pages to s */
bit owned = 1;		/* CPU 0's task-context mcache slot holds s */
bit clock;		/* OLD: s->central->lock (NEW: see LOCKED below) */

/* The struct's lifetime */
byte sinc;		/* ghost: bumped each time the struct is reused */
bit in_fixalloc;	/* OLD: goslab_fixalloc_free() done */
bit gp_started;		/* NEW: call_rcu() done */
byte rcu_active;	/* NEW: contexts inside an irq-off free */
byte gp_wait;		/* NEW: those the grace period waits for */

/* ==== Ghost state: what the allocator's contents should be ==== */

byte held;		/* bit i: slot i belongs to a client */
/*
 * At most one misused (doubly freed) object per run: a second one would
 * repeat the first, each slot's liveness being decided by its own bits.
 * Its slot; whether that slot has been handed out again since (then a free
 * of the old object is a free of the new owner's, which no allocator can
 * tell from a correct one: out of scope, "late"); how many of its frees
 * have started and are not decided yet (the slot's next allocation waits
 * for them); the decisions.
 */
byte dbl_slot = NONE;
bit dbl_stale;
byte dbl_inflight;
byte dbl_acc, dbl_ref, dbl_late;
byte finished;
bit to_cpu2;		/* WL_RELEASE: CPUs 1 and 2 get objects in turn */

/* The properties, one flag each, so that a trail names the one broken. */
bit two_owners;		/* an allocation returned a slot a client holds */
bit use_after_reuse;	/* a free touched the struct after its reuse */
bit double_accepted;	/* a free of a slot already free was accepted */
bit live_refused;	/* a free of a slot a client holds was refused */
bit null_central;	/* a free followed s->central == NULL (the oops) */
bit lost;		/* at the end: a slot nobody holds is allocated */
bit phantom;		/* at the end: a held slot is free or released */
bit miscount;		/* at the end: pending / alloc_count / bits disagree */
bit not_once;		/* at the end: the misused object not freed once */
bit probe_hit;		/* -DREACH: the event happened */
byte ever;		/* ghost: slots handed out at least once */
bit gp_had_reader;	/* ghost: a read side was open at call_rcu() */

#define VIOLATION(v)	v = 1; assert(!v)

#ifdef HAS_IRQ
#define IRQ_PID 2	/* run second, after Owner */
#else
#define IRQ_PID 255
#endif

/* Contexts, as bits for the RCU bookkeeping. */
#define C_OWNER 1
#define C_IRQ 2
#define C_CPU1 4
#define C_CPU2 8

/* Mailboxes: slot, misuse (one of the two frees of the misused object). */
#define STOP 254
chan q1 = [NALLOC + 1] of { byte, bit };
chan q2 = [NALLOC + 1] of { byte, bit };
chan qirq = [NALLOC] of { byte, bit };
bit irq_go;

/*
 * Any access of a free to the struct after its span_of() lookup: the
 * struct must still be the one it looked up.
 */
#ifdef NO_TOUCH_CHECK
#define TOUCH skip
#else
#define TOUCH \
	if \
	:: sinc != my_inc -> VIOLATION(use_after_reuse) \
	:: else \
	fi
#endif

/* goslab_span_obj_live(): handed out or allocated at the sweep, not freed */
#define LIVE(i) ((((i) < fidx) || (ab & BIT(i))) && !(fb & BIT(i)))
/* goslab_span_holds_objects() && s->cache == c */
#define HOLDS_OBJECTS (st == CACHED || st == PARTIAL || st == FULL || st == PENDING)

/*
 * A hardirq on CPU 0 between two of the owner's steps with interrupts on:
 * it frees one object from its mailbox and runs to completion (the owner
 * waits on irq_go) while the other CPUs go on.
 */
#ifdef HAS_IRQ
#define IRQ_POINT \
	if \
	:: irqs_on && len(qirq) > 0 -> irq_go = 1; !irq_go \
	:: true \
	fi
#else
#define IRQ_POINT skip
#endif

#if defined(HAS_CPU2) && defined(HAS_SHRINK)
#define NFINISH 4	/* Owner, two Cpus, Shrinker */
#else
#define NFINISH 2	/* Owner, one Cpu */
#endif

/* The locals every context needs for the inlines below. */
#define CONTEXT_LOCALS \
	byte i, my_inc, lfi, f, a, taken, count, w; \
	short n; \
	bit misuse, late, found, note, rel, irqs_was

/* ==== Decisions of a free (its linearization point) ==== */

inline accept(i, misuse)
{
	printf("MSC: %d accepts the free of slot %d (misuse %d)\n", _pid, i, misuse);
	if
	:: !(held & BIT(i)) -> VIOLATION(double_accepted)
	:: else
	fi;
	held = held & ~BIT(i);
	if
	:: _pid == IRQ_PID -> EVENT(EV_IRQ_FREE)
	:: else
	fi;
	if
	:: misuse -> dbl_inflight--; dbl_acc++
	:: else
	fi
}

inline refuse(i, misuse)
{
	printf("MSC: %d refuses the free of slot %d (misuse %d)\n", _pid, i, misuse);
	if
	:: held & BIT(i) -> VIOLATION(live_refused)
	:: else
	fi;
	if
	:: misuse -> dbl_inflight--; dbl_ref++
	:: else
	fi;
	if
	:: misuse && (fb & BIT(i)) -> EVENT(EV_REFUSED_PENDING)
	:: misuse && !(fb & BIT(i)) && HOLDS_OBJECTS -> EVENT(EV_REFUSED_FOLDED)
	:: else
	fi
}

/* A misused object's free starts, or is dropped as late (see dbl_stale). */
inline misuse_start(misuse, late)
{
	late = 0;
	if
	:: misuse && dbl_stale ->
		late = 1;
		dbl_late++;
		EVENT(EV_LATE);
		printf("MSC: %d drops a late free of slot %d\n", _pid, dbl_slot)
	:: misuse && !dbl_stale -> dbl_inflight++
	:: else
	fi
}

/* ==== Owner allocation (mspan.h, mspan.c) ==== */

/* Slot r is handed out: the WRITE_ONCE(s->freeindex) that makes it live. */
inline take(r)
{
	printf("MSC: allocation of slot %d\n", r);
	if
	:: held & BIT(r) -> VIOLATION(two_owners)
	:: else
	fi;
	held = held | BIT(r);
	if
	:: ever & BIT(r) -> EVENT(EV_REALLOC)
	:: else
	fi;
	ever = ever | BIT(r);
	if
	:: r == dbl_slot ->
		dbl_stale = 1;
		if
		:: own_dbl & BIT(r) ->	/* the owner's free of the old object */
			own = own & ~BIT(r); own_dbl = 0; dbl_late++
		:: else
		fi
	:: else
	fi
}

/*
 * goslab_span_next_free_fast(): res = the slot, or NONE when the slow
 * scan is needed. Owner-private fields only (alloc_cache, freeindex).
 */
inline next_free_fast()
{
	res = NONE;
	if
	:: ac != 0 ->
		bitp = CTZ(ac);
		r = fidx + bitp;
		if
		:: r < N && !((r + 1) % W == 0 && r + 1 != N) -> res = r
		:: else
		fi
	:: else
	fi
}

/* The rest of goslab_span_next_free_fast() once slot res is known. */
inline commit_fast()
{
	ac = ac >> (bitp + 1);	/* alloc_cache >>= bit + 1 */
	fidx = res + 1;		/* WRITE_ONCE(s->freeindex, freeidx) */
	acount++;		/* s->alloc_count++ */
	take(res)
}

/*
 * goslab_span_next_free() up to the point where it knows the slot:
 * res = the slot, or N when none is free from freeindex on (alloc_cache
 * = 0, freeindex = nelems). Its word-advance stores of freeindex change
 * no slot's liveness (every slot skipped has its alloc bit set).
 */
inline next_free_slow()
{
	idx = fidx;
	res = NONE;
	if
	:: idx >= N -> res = N
	:: else
	fi;
	do
	:: res == NONE && ac == 0 ->	/* the rest of this word is taken */
		idx = (idx / W) * W + W;
		if
		:: idx >= N -> ac = 0; fidx = N; res = N
		:: else -> ac = (~(ab >> idx)) & WMASK; fidx = idx
		fi
	:: else -> break
	od;
	if
	:: res == NONE ->
		bitp = CTZ(ac);
		r = idx + bitp;
		if
		:: r >= N -> ac = 0; fidx = N; res = N
		:: else -> res = r
		fi
	:: else
	fi
}

/* The rest of goslab_span_next_free() once slot res is known. */
inline commit_slow()
{
	ac = ac >> (bitp + 1);
	idx = res + 1;
	if
	:: idx % W == 0 && idx < N -> ac = (~(ab >> idx)) & WMASK	/* next word */
	:: else
	fi;
	fidx = idx;		/* WRITE_ONCE(s->freeindex, idx) */
	acount++;
	take(res)
}

/*
 * One allocation attempt: fast path, else slow scan; res = 1 if it got a
 * slot. The slot's next allocation waits while a started free of the
 * misused object is undecided (dbl_inflight).
 */
inline try_alloc()
{
	next_free_fast();
	if
	:: res != NONE ->
		(res != dbl_slot || dbl_inflight == 0);
		commit_fast()
	:: else ->
		next_free_slow();
		if
		:: res < N ->
			(res != dbl_slot || dbl_inflight == 0);
			commit_slow()
		:: else -> res = NONE
		fi
	fi;
	if
	:: res != NONE -> give(res); res = 1
	:: else -> res = 0
	fi;
	r = 0; bitp = 0; idx = 0
}

/*
 * The object goes to a client: kept by the owner's task (freed later by
 * it: the step back if it is the last one), or sent to a CPU or to the
 * hardirq (the client's own synchronization orders that free after the
 * allocation), or misused: freed by two contexts at once.
 */
inline give(r)
{
	if
	:: own = own | BIT(r)
#ifdef WL_RELEASE
	:: !to_cpu2 -> q1 ! r, 0; to_cpu2 = 1
	:: to_cpu2 -> q2 ! r, 0; to_cpu2 = 0
#endif
#ifdef WL_STEPBACK
	:: qirq ! r, 0
	:: dbl_slot == NONE ->
		own = own | BIT(r); own_dbl = BIT(r); dbl_slot = r;
		qirq ! r, 1
#ifndef IRQ_ONLY
	:: dbl_slot == NONE ->
		own = own | BIT(r); own_dbl = BIT(r); dbl_slot = r;
		q1 ! r, 1
#endif
#endif
#ifdef WL_SWEEP
	:: q1 ! r, 0
	:: dbl_slot == NONE -> dbl_slot = r; q1 ! r, 1; q2 ! r, 1
#endif
	fi
}

#ifdef NEWP

/* ==== NEW: sweeps and the span's lifetime ==== */

/*
 * Every section under s->lock (and the central lock) is one atomic step
 * of the model. That is exact: the sections exclude each other, and the
 * one thing that changes under a section without the lock, freeindex
 * (and alloc_count, alloc_cache) written by the owner's lock-free
 * allocation, is read at most once by a section that is not the owner's
 * own. Every lock holder has interrupts off, so no hardirq comes inside
 * one (no IRQ_POINT in an atomic step), and the lock order is central
 * then span.
 */

/*
 * goslab_span_sweep(), under s->lock: fold free_bits into alloc_bits.
 * Every slot keeps its liveness; freeindex and allocCache restart.
 */
inline fold()
{
	printf("MSC: %d sweeps (fold under s->lock)\n", _pid);
	ab = (ab | BELOW(fidx)) & ~fb & ALL;	/* a = alloc | below(fi); a &= ~free */
	fb = 0;
	fidx = 0;
	ac = (~ab) & WMASK;			/* alloc_cache = ~alloc_bits[0] */
	acount = POP(ab);
	pending = 0
}

/*
 * span_sweep_listed() (mcentral.c), both locks held: nothing to do with no
 * pending free and objects left; else fold; an empty span goes FREE and off
 * the lists unless @keep and the central is short of partial spans (the
 * model has no other spans: either may be so).
 */
inline sweep_listed(keep)
{
	if
	:: pending <= 0 && acount != 0
	:: else ->
		fold();
		if
		:: acount == 0 -> st = FREE; rel = 1
		:: acount == 0 && keep -> st = PARTIAL
		:: acount != 0 && acount < N -> st = PARTIAL
		:: acount == N -> st = FULL
		fi
	fi
}

/*
 * span_release() -> goslab_span_free() (mheap.c), after the locks: the
 * state is FREE already (set under the locks); span_map_set(s, NULL),
 * goslab_chunk_free_pages() at once, call_rcu(span_struct_free_rcu): the
 * struct goes back to the fixalloc after every read side open now closed.
 */
inline release(me)
{
	printf("MSC: %d releases the span: unmapped, call_rcu()\n", _pid);
	mapped = 0;
	gp_started = 1;
	gp_wait = rcu_active;
	gp_had_reader = (rcu_active & ~(me)) != 0;
	rel = 0
}

/* local_irq_restore() at the end of a free: its read side closes. */
#define IRQ_RESTORE(ctx) \
	rcu_active = rcu_active & ~(ctx); \
	gp_wait = gp_wait & ~(ctx)

/* ==== NEW: the free (goslab_cache_free() -> free_span(), cache.c) ==== */

/*
 * Its first step, inside the caller's atomic step with whatever gave it
 * the object: local_irq_save(), which is also the RCU read side, then
 * s = goslab_span_of(obj).
 */
inline free_begin(ctx, i, misuse)
{
	misuse_start(misuse, late);
	found = 0;
	if
	:: late
	:: else ->
		printf("MSC: %d starts a free of slot %d\n", _pid, i);
		rcu_active = rcu_active | ctx;		/* local_irq_save() */
		if
		:: mapped -> my_inc = sinc; found = 1	/* goslab_span_of() */
		:: else ->
			refuse(i, misuse);		/* GOSLAB_BAD_NOT_OURS */
			IRQ_RESTORE(ctx)
		fi
	fi
}

/*
 * The rest: ctx is the context's bit, own_ctx whether it is the owner's
 * task context (whose mcache slot may hold s: the step back).
 */
inline free_rest(ctx, i, misuse, own_ctx)
{
	if
	:: found ->
		atomic {	/* free_span(): spin_lock(&s->lock) ... spin_unlock() */
			TOUCH;
			note = 0;
			if
			:: !HOLDS_OBJECTS ->	/* released: the state check */
				refuse(i, misuse);
				EVENT(EV_REFUSED_RELEASED)
#ifdef NEW_NO_STEPBACK_CHECK
			/* the step back before the liveness check */
			:: HOLDS_OBJECTS && own_ctx && owned && i + 1 == fidx && fidx % W != 0 ->
				ab = ab & ~BIT(i);
				ac = ((ac << 1) | 1) & WMASK;
				acount--;
				fidx = i;
				accept(i, misuse)
			:: HOLDS_OBJECTS && !(own_ctx && owned && i + 1 == fidx && fidx % W != 0) &&
			   !LIVE(i) ->
				refuse(i, misuse)		/* GOSLAB_BAD_DOUBLE_FREE */
#else
			:: HOLDS_OBJECTS && !LIVE(i) ->
				refuse(i, misuse)		/* free_check() < 0: double free */
			/* goslab_mcache_free_local() -> goslab_span_unalloc() */
			:: HOLDS_OBJECTS && LIVE(i) && own_ctx && owned &&
			   i + 1 == fidx && fidx % W != 0 ->
				ab = ab & ~BIT(i);		/* ab[i] = 0 */
				ac = ((ac << 1) | 1) & WMASK;	/* ac = ac << 1 | 1 */
				acount--;			/* alloc_count-- */
				fidx = i;			/* fi = i */
				accept(i, misuse);
				EVENT(EV_STEPBACK)
#endif
			:: else ->	/* goslab_span_mark_free() */
				fb = fb | BIT(i);
				pending++;
				/* free_tell_central() */
				note = (st != CACHED && (pending == 1 || pending >= acount));
				accept(i, misuse)
			fi;
			if
			:: !note -> IRQ_RESTORE(ctx)
			:: else
			fi
		}
		if
		:: note ->
			/* goslab_central_note_free(s): central lock, span lock */
			atomic {
				TOUCH;
				if
				:: st == FULL -> st = PENDING	/* to the pending list */
				:: st == FREE -> EVENT(EV_NOTE_SEES_FREE)
				:: else
				fi;
				if
				:: (st == PARTIAL || st == PENDING) && pending >= acount ->
					sweep_listed(1)
				:: else	/* FREE, CACHED, or not empty yet: nothing */
				fi;
				if
				:: !rel -> IRQ_RESTORE(ctx)
				:: else
				fi
			}
			if
			:: rel ->
				atomic {	/* span_release() outside the locks */
					EVENT(EV_RELEASE_BY_FREE);
					release(ctx);
					IRQ_RESTORE(ctx)
				}
			:: else
			fi
		:: else
		fi
	:: else
	fi;
	atomic { found = 0; note = 0; my_inc = 0; late = 0 }
}

/* ==== NEW: the owner's and the central's transitions ==== */

/*
 * mcache_next_slot(): the span is used up: spin_lock_irqsave(&s->lock);
 * if (s->pending) goslab_span_sweep(s); unlock.
 */
inline owner_sweep()
{
	if
	:: pending > 0 -> fold()
	:: else
	fi
}

/*
 * goslab_mcache_alloc() with the slow path's sweep; one atomic step: a
 * hardirq or another CPU between the failed scan and the sweep finds what
 * it would find before the scan (freeindex moved over allocated slots
 * only), and the sweep is under s->lock.
 */
inline alloc()
{
	atomic {
		try_alloc();
		if
		:: !res -> owner_sweep(); try_alloc()
		:: else
		fi
	}
}

/*
 * goslab_central_uncache_span() after *slot = NULL (the mcache slot is
 * cleared first, preemption off): central lock, span lock, the list its
 * counts name, swept if it has pending frees, maybe FREE.
 */
inline uncache()
{
	printf("MSC: %d uncaches the span\n", _pid);
#ifdef HAS_IRQ
	owned = 0;	/* *slot = NULL: a hardirq now finds s is not this context's */
	IRQ_POINT;
#endif
	atomic {
		owned = 0;
		if
		:: acount < N -> st = PARTIAL
		:: acount == N && pending > 0 -> st = PENDING
		:: else -> st = FULL
		fi;
		sweep_listed(1)
	}
	if
	:: rel -> atomic { EVENT(EV_RELEASE_BY_UNCACHE); release(0) }
	:: else
	fi
}

/*
 * goslab_central_cache_span() -> central_find(): a partial span (swept if
 * it has pending frees), or a pending one that has a free slot once swept,
 * becomes CACHED (both locks) and the owner's (*slot = fresh); a pending
 * one full after all goes to the full list.
 */
inline refill()
{
	printf("MSC: %d refills\n", _pid);
	atomic {
		found = 0;
		if
		:: st == PARTIAL ->
			if
			:: pending > 0 -> fold()
			:: else
			fi;
			found = 1
		:: st == PENDING ->
			fold();
			if
			:: acount < N -> found = 1
			:: else -> st = FULL
			fi
		:: else
		fi;
		if
		:: found -> st = CACHED; owned = 1; EVENT(EV_REFILL)
		:: else
		fi;
		found = 0
	}
}

/* goslab_central_shrink(): sweep the pending and partial lists' spans. */
inline shrink_pass()
{
	printf("MSC: %d shrinks\n", _pid);
	atomic {
		if
		:: st == PENDING || st == PARTIAL -> sweep_listed(0)
		:: else
		fi
	}
	if
	:: rel -> atomic { EVENT(EV_RELEASE_BY_SHRINK); release(0) }
	:: else
	fi
}

#else /* OLD */

/* ==== OLD: sweeps and the span's lifetime (6909c8f) ==== */

/* spin_lock_irqsave(&c->lock) / spin_unlock_irqrestore() */
#define CLOCK	atomic { !clock -> clock = 1; irqs_was = irqs_on; irqs_on = 0 }
#define CUNLOCK	atomic { clock = 0; irqs_on = irqs_was }

/*
 * goslab_span_sweep() (mspan.c), lock-free against frees: per word
 * xchg(free_bits) and WRITE_ONCE(alloc_bits), smp_wmb(), freeindex = 0,
 * alloc_cache, alloc_count, then atomic_sub(taken, &s->pending). The
 * caller owns the span (its mcache, or the central lock), so only frees
 * run beside it; freeindex is read once at the start.
 */
inline sweep_old()
{
	atomic {
		printf("MSC: %d starts a sweep\n", _pid);
		TOUCH;
		lfi = fidx;	/* fi = s->freeindex */
		taken = 0;
		count = 0;
		w = 0
	}
	do
	:: w < NW ->
		atomic {	/* f = xchg(&s->free_bits[w], 0) */
			TOUCH;
			f = fb & WORD(w);
			fb = fb & ~WORD(w)
		}
		IRQ_POINT;
		atomic {	/* a = alloc_bits[w] | below; a &= ~f; WRITE_ONCE(alloc_bits[w], a) */
			TOUCH;
			a = (ab | BELOW(lfi)) & WORD(w) & ~f;
			taken = taken + POP(f >> (w * W));
			count = count + POP(a >> (w * W));
			ab = (ab & ~WORD(w)) | a;
			w++
		}
		IRQ_POINT
	:: else -> break
	od;
	atomic {	/* smp_wmb(); WRITE_ONCE(freeindex, 0); alloc_cache; alloc_count */
		TOUCH;
		printf("MSC: %d sweep: alloc_bits written, freeindex = 0\n", _pid);
		fidx = 0;
		ac = (~ab) & WMASK;
		acount = count
	}
	IRQ_POINT;
	atomic {	/* atomic_sub(taken, &s->pending) */
		TOUCH;
		pending = pending - taken;
		printf("MSC: %d sweep done, pending = %d\n", _pid, pending);
		f = 0; a = 0; taken = 0; count = 0; lfi = 0; w = 0
	}
}

/* span_sweep_listed(): central lock held, frees run beside it. */
inline sweep_listed_old(keep)
{
	atomic {	/* atomic_read(&s->pending) <= 0 && s->alloc_count */
		TOUCH;
		n = ((pending <= 0 && acount != 0) -> 0 : 1)
	}
	if
	:: n ->
		sweep_old();
		atomic {
			TOUCH;
			if
			:: acount == 0 -> st = FREE; rel = 1	/* WRITE_ONCE(state, FREE) */
			:: acount == 0 && keep -> st = PARTIAL
			:: acount != 0 && acount < N -> st = PARTIAL
			:: acount == N -> st = FULL
			fi
		}
	:: else
	fi;
	n = 0
}

/* span_release() -> goslab_span_free(): the struct reusable at once. */
inline release(me)
{
	atomic { TOUCH; st = FREE; printf("MSC: %d releases the span\n", _pid) }	/* WRITE_ONCE(s->state, FREE) */
	atomic { TOUCH; mapped = 0 }		/* span_map_set(s, NULL) */
	atomic { TOUCH; in_fixalloc = 1; rel = 0; printf("MSC: %d puts the struct on the fixalloc list\n", _pid) }	/* goslab_fixalloc_free() */
}

/*
 * goslab_central_note_free(): c = s->central (NULL once the struct is
 * reused for a large object: the oops of the issue), central lock, then
 * the state read again.
 */
inline note_free_old()
{
	atomic {
		printf("MSC: %d goslab_central_note_free()\n", _pid);
		TOUCH;
		if
		:: !has_central -> VIOLATION(null_central)
		:: else
		fi
	}
	CLOCK;
	atomic {
		TOUCH;
		if
		:: st == FULL -> st = PENDING	/* span_set_list(PENDING) */
		:: else
		fi;
		n = ((st == PARTIAL || st == PENDING) && pending >= acount)
	}
	if
	:: n -> sweep_listed_old(1)
	:: else
	fi;
	CUNLOCK;
	if
	:: rel -> release(0)
	:: else
	fi
}

/* ==== OLD: the free (goslab_cache_free_span() at 6909c8f) ==== */

/* goslab_cache_free(): s = goslab_span_of(obj); no irq-off, no RCU. */
inline free_begin(ctx, i, misuse)
{
	misuse_start(misuse, late);
	found = 0;
	if
	:: late
	:: else ->
		printf("MSC: %d starts a free of slot %d\n", _pid, i);
		if
		:: mapped -> my_inc = sinc; found = 1
		:: else -> refuse(i, misuse)	/* GOSLAB_BAD_NOT_OURS */
		fi
	fi
}

/*
 * free_prepare() (state, goslab_span_obj_live()), then
 * goslab_mcache_free_local() -> goslab_span_unalloc(), else
 * test_and_set_bit() and free_note(). Lock-free, interrupts on: on the
 * owner's CPU a hardirq may come between any two steps.
 */
inline free_rest(ctx, i, misuse, own_ctx)
{
	do
	:: !found -> break
	:: else ->
		IRQ_POINT;
		atomic {	/* goslab_span_holds_objects(s) && s->cache == c */
			TOUCH;
			found = HOLDS_OBJECTS;
			if
			:: !found -> refuse(i, misuse)
			:: else
			fi
		}
		if
		:: !found -> break
		:: else
		fi;
		IRQ_POINT;
		atomic { TOUCH; lfi = fidx; printf("MSC: %d reads freeindex = %d\n", _pid, lfi) }	/* READ_ONCE(s->freeindex); smp_rmb() */
		IRQ_POINT;
		if
		:: i >= lfi ->
			atomic {	/* !test_bit(idx, s->alloc_bits): not live */
				TOUCH;
				found = (ab & BIT(i)) != 0;
				if
				:: !found -> refuse(i, misuse)
				:: else
				fi
			}
			if
			:: !found -> break
			:: else
			fi;
			IRQ_POINT
		:: else
		fi;
		atomic {	/* test_bit(idx, s->free_bits): not live */
			TOUCH;
			found = !(fb & BIT(i));
			printf("MSC: %d reads free_bits[%d] = %d\n", _pid, i, !found);
			if
			:: !found -> refuse(i, misuse)
			:: else
			fi
		}
		if
		:: !found -> break
		:: else
		fi;
		IRQ_POINT;
		if
		:: own_ctx ->
			/*
			 * goslab_mcache_free_local(): *goslab_mcache_slot(c) == s,
			 * then goslab_span_unalloc(): idx + 1 == fi && fi % 64
			 */
			atomic {
				TOUCH;
				lfi = fidx;
				note = (owned && i + 1 == lfi && lfi % W != 0);
				printf("MSC: %d step back: %d\n", _pid, note)
			}
			if
			:: note ->
				IRQ_POINT;
				atomic {	/* __clear_bit(alloc_bits); alloc_cache; alloc_count-- */
					TOUCH;
					ab = ab & ~BIT(i);
					ac = ((ac << 1) | 1) & WMASK;
					acount--
				}
				IRQ_POINT;
				atomic {	/* smp_wmb(); WRITE_ONCE(s->freeindex, idx) */
					TOUCH;
					fidx = i;
					accept(i, misuse)
				}
				break
			:: else
			fi;
			IRQ_POINT
		:: else
		fi;
		atomic {	/* test_and_set_bit(idx, s->free_bits) */
			TOUCH;
			if
			:: fb & BIT(i) -> found = 0; refuse(i, misuse)	/* lost the race */
			:: else -> fb = fb | BIT(i); accept(i, misuse)
			fi
		}
		if
		:: !found -> break
		:: else
		fi;
		IRQ_POINT;
		atomic { TOUCH; pending++; n = pending; printf("MSC: %d pending++ = %d\n", _pid, n) }	/* free_note(): atomic_add_return() */
		IRQ_POINT;
		atomic { TOUCH; note = (st != CACHED); printf("MSC: %d reads the state: %e\n", _pid, st) }	/* READ_ONCE(s->state) */
		if
		:: note ->
			IRQ_POINT;
			atomic { TOUCH; note = (n == 1 || n >= acount) }	/* READ_ONCE(alloc_count) */
		:: else
		fi;
		if
		:: note -> IRQ_POINT; note_free_old()
		:: else
		fi;
		break
	od;
	atomic { found = 0; note = 0; my_inc = 0; late = 0; lfi = 0; n = 0 }
}

/* ==== OLD: the owner's and the central's transitions ==== */

/* mcache_next_slot(): atomic_read(&s->pending) > 0, then the sweep. */
inline owner_sweep()
{
	my_inc = sinc;	/* the owner's own reference, not a lookup */
	if
	:: pending > 0 -> sweep_old()
	:: else
	fi;
	my_inc = 0
}

/* goslab_mcache_alloc(): fast path, slow scan, sweep, scan again. */
inline alloc()
{
	atomic { try_alloc() }
	if
	:: !res ->
		IRQ_POINT;
		owner_sweep();
		IRQ_POINT;
		atomic { try_alloc() }
	:: else
	fi
}

/* goslab_central_uncache_span() at 6909c8f */
inline uncache()
{
	printf("MSC: %d uncaches the span\n", _pid);
	owned = 0;	/* *slot = NULL */
	IRQ_POINT;
	my_inc = sinc;
	CLOCK;
	atomic { TOUCH; st = PENDING }	/* smp_store_mb(s->state, PENDING) */
	atomic {	/* alloc_count, pending; span_set_list() */
		TOUCH;
		if
		:: acount < N -> st = PARTIAL
		:: acount == N && pending > 0 -> st = PENDING
		:: else -> st = FULL
		fi
	}
	sweep_listed_old(1);
	CUNLOCK;
	if
	:: rel -> release(0)
	:: else
	fi;
	my_inc = 0
}

/* goslab_central_cache_span() -> central_find() at 6909c8f */
inline refill()
{
	printf("MSC: %d refills\n", _pid);
	my_inc = sinc;	/* the central's own reference */
	CLOCK;
	found = 0;
	if
	:: st == PARTIAL ->
		if
		:: pending > 0 -> sweep_old()
		:: else
		fi;
		found = 1
	:: st == PENDING ->
		sweep_old();
		if
		:: acount < N -> found = 1
		:: else -> st = FULL
		fi
	:: else
	fi;
	atomic {
		if
		:: found -> st = CACHED	/* WRITE_ONCE(s->state, CACHED) */
		:: else
		fi;
		clock = 0;
		irqs_on = irqs_was
	}
	if
	:: found -> owned = 1	/* *slot = fresh */
	:: else
	fi;
	found = 0;
	my_inc = 0
}

/* goslab_central_shrink() at 6909c8f */
inline shrink_pass()
{
	printf("MSC: %d shrinks\n", _pid);
	my_inc = sinc;	/* the central's own reference */
	CLOCK;
	if
	:: st == PENDING || st == PARTIAL -> sweep_listed_old(0)
	:: else
	fi;
	CUNLOCK;
	if
	:: rel -> release(0)
	:: else
	fi;
	my_inc = 0
}

#endif

/* ==== The contexts ==== */

/* CPU 0's task context: the span is its mcache span (owned). */
proctype Owner()
{
	CONTEXT_LOCALS;
	bit irqs_on = 1;	/* IRQ_POINT may fire */
	byte own;		/* slots the task keeps, to free itself */
	byte own_dbl;		/* of those, the misused one */
	byte nalloc, ncycle, res, r, bitp, idx;

	do
	:: owned && nalloc < NALLOC ->
		alloc();
		if
		:: res -> nalloc++
		:: else -> nalloc = NALLOC	/* no slot: this run allocates no more */
		fi;
		res = 0;
		IRQ_POINT
	:: own != 0 ->	/* a free of an object the task kept */
		atomic {
			if
			:: own & BIT(0) -> i = 0
			:: own & BIT(1) -> i = 1
			:: own & BIT(2) -> i = 2
			:: own & BIT(3) -> i = 3
			fi;
			misuse = (own_dbl & BIT(i)) != 0;
			own = own & ~BIT(i);
			own_dbl = own_dbl & ~BIT(i);
			free_begin(C_OWNER, i, misuse)
		}
		free_rest(C_OWNER, i, misuse, 1);
		atomic { i = 0; misuse = 0 }
		IRQ_POINT
	:: owned && ncycle < NCYCLE ->	/* the span goes back: drain or used up */
		uncache()
	:: !owned && ncycle < NCYCLE ->	/* refill: the same span if it is listed */
		refill();
		ncycle++;
		IRQ_POINT
	:: else -> break
	od;
	do	/* the interrupts still due */
	:: len(qirq) > 0 -> irq_go = 1; !irq_go
	:: else -> break
	od;
	q1 ! STOP, 0;
#ifdef HAS_CPU2
	q2 ! STOP, 0;
#endif
	finished++
}

/* A hardirq on CPU 0 (its own mcache slot never holds s). */
proctype Irq()
{
	CONTEXT_LOCALS;
	bit irqs_on = 0;

end:
	do
	:: atomic { irq_go -> qirq ? i, misuse; free_begin(C_IRQ, i, misuse) }
		free_rest(C_IRQ, i, misuse, 0);
		atomic { i = 0; misuse = 0; irq_go = 0 }
	od
}

/* CPU 1 or 2: frees what it is sent. */
proctype Cpu(byte ctx; chan q)
{
	CONTEXT_LOCALS;
	bit irqs_on = 0;

	do
	:: atomic {
		q ? i, misuse ->
		if
		:: i == STOP -> break
		:: else -> free_begin(ctx, i, misuse)
		fi
	   }
		free_rest(ctx, i, misuse, 0);
		atomic { i = 0; misuse = 0 }
	od;
	finished++
}

/* The shrinker (goslab_cache_shrink()) on CPU 3. */
proctype Shrinker()
{
	CONTEXT_LOCALS;
	bit irqs_on = 0;
	byte k;

	do
	:: k < NSHRINK -> shrink_pass(); k++
	:: else -> break
	od;
	finished++
}

/*
 * The struct's next user: goslab_fixalloc_alloc() zeroes it, for a large
 * object say (state LARGE, central NULL). OLD: as soon as it is on the
 * fixalloc list; NEW: once the RCU callback has run, after every read
 * side open at call_rcu() has closed.
 */
proctype Reuser()
{
end:
	atomic {
#ifdef NEWP
		gp_started && gp_wait == 0 ->
#else
		in_fixalloc ->
#endif
		printf("MSC: the struct is reused for a large object\n");
		if
		:: gp_had_reader -> EVENT(EV_REUSE_WAITED)
		:: else
		fi;
		sinc++;
		st = LARGE;
		has_central = 0;
		fidx = 0; ac = 0; ab = 0; fb = 0; pending = 0; acount = 0
	}
}

/* The end: nothing lost, everything counted. */
init {
	byte i;
	bit dead;

	atomic {
		run Owner();
#ifdef HAS_IRQ
		run Irq();
#endif
		run Cpu(C_CPU1, q1);
#ifdef HAS_CPU2
		run Cpu(C_CPU2, q2);
#endif
#ifdef HAS_SHRINK
		run Shrinker();
#endif
#ifndef NO_REUSE
		run Reuser()
#endif
	}
	finished == NFINISH;
	atomic {
		dead = (st == FREE || st == LARGE);
		for (i : 0 .. N - 1) {
			if
			:: (held & BIT(i)) && (dead || !LIVE(i)) -> VIOLATION(phantom)
			:: !(held & BIT(i)) && !dead && LIVE(i) -> VIOLATION(lost)
			:: else
			fi
		}
		if
		:: !dead && (pending != POP(fb) ||
			     acount != POP((ab | BELOW(fidx)) & ALL) ||
			     (fb & ~(ab | BELOW(fidx))) != 0) -> VIOLATION(miscount)
		:: else
		fi;
		if
		:: dbl_slot != NONE && (dbl_acc != 1 || dbl_ref + dbl_late != 1) ->
			VIOLATION(not_once)
		:: else
		fi
	}
}

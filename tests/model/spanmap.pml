/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SPIN model of the span map's growth (goslab/mheap.c: span_map_prepare(),
 * span_map_grow(), goslab_span_of()). Run by scripts/check-model.sh.
 *
 * Two maps: 0, sized at load, covering arena 0; 1, the larger one a
 * memory hot-add publishes, covering arenas 0 and 1. tbl[m * 2 + a] says
 * whether map m has the level-2 table of arena a (tables are shared, so
 * the model tracks only whether a map points at one). An installer puts
 * arena a's table in, then hands out an object of it (given[a]); a lookup
 * of that object (a free) reads the current map and must find the table.
 * Arena 1's memory comes online only after the growth (MEM_GOING_ONLINE
 * runs the growth first), so its installer waits for map 1.
 *
 * NEW (goslab): the install reads the current map under span_map_lock,
 * and the grower copies and publishes under the same lock.
 * NO_LOCK_INSTALL: the install writes into the map it read before, without
 * the lock (a cmpxchg on that map, as before the map could grow): the
 * table can land in the old map after the copy and be lost for the new.
 * PUBLISH_FIRST: the grower publishes the new map before copying into it.
 */

bit tbl[4];	/* map m, arena a: tbl[m * 2 + a] */
byte cur;	/* the published map */
bit lk;		/* span_map_lock */
bit given[2];	/* an object of arena a was handed out */
bit lookup_lost;	/* set when a lookup does not find its table */

inline lock() { atomic { lk == 0 -> lk = 1 } }
inline unlock() { lk = 0 }

proctype installer(byte a)
{
	byte m;

	if
	:: a == 1 -> cur == 1	/* the hot-added memory is online */
	:: else -> skip
	fi;
#ifdef NO_LOCK_INSTALL
	m = cur;
	tbl[m * 2 + a] = 1;
#else
	lock();
	m = cur;
	tbl[m * 2 + a] = 1;
	unlock();
#endif
	given[a] = 1
}

proctype grower()
{
	lock();
#ifdef PUBLISH_FIRST
	cur = 1;
	tbl[2] = tbl[0];
#else
	tbl[2] = tbl[0];
	cur = 1;
#endif
	unlock()
}

proctype lookup(byte a)
{
	byte m;

	given[a] == 1;
	m = cur;
	if
	:: tbl[m * 2 + a] == 0 -> lookup_lost = 1
	:: else -> skip
	fi;
	assert(!lookup_lost)
}

init
{
	atomic {
		run installer(0);
		run installer(1);
		run grower();
		run lookup(0);
		run lookup(1)
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * goslab_race: races on goslab's free path, written against goslab.h only,
 * for tests/selftests/goslab/race_test.sh. One test per load ("test"). The
 * verdict is the read-only parameter "result" (0 pass, 1 fail) and a
 * "goslab_race: TEST: result PASS|FAIL" line; "expect_double_free" is the
 * number of double frees the test made, each of which goslab must refuse,
 * and count in debugfs "refused", exactly once. The module loads even when
 * the test fails: busybox's insmod runs a failed init a second time.
 *
 * test=double_free: thread A allocates an object of a 64-byte cache (the
 *	object its CPU handed out last, whose slot a free may give straight
 *	back), publishes it and frees it; thread B, on another CPU, takes it
 *	the moment it is published and frees it too. Slow interrupts (hrtimers
 *	that busy-wait) on both CPUs stretch whichever free they land in, and
 *	a third CPU shrinks the cache all along (sweeps that hand out nothing).
 * test=irq_free: a thread allocates an object, publishes it and frees it;
 *	a hardirq hrtimer on the same CPU, firing at a short period, frees
 *	whatever object it finds published: it lands inside the thread's
 *	free.
 * test=shrink: a producer allocates objects of a 64-byte cache and hands
 *	them over in batches; two CPUs free them (alternate objects, so both
 *	free into the same spans) while a third loops goslab_cache_shrink()
 *	and a fourth churns 64 KiB goslab_kmalloc()/goslab_kfree() on the
 *	producer's node (span structs released and reused), with a slow
 *	interrupt on one freeing CPU. The client is correct: nothing may be
 *	refused or clobbered, everything is freed, the cache ends empty.
 * test=release: spans with two live objects each; the thread frees the
 *	first while an interrupt on its CPU, landing inside that free, frees
 *	the second (the span is empty and goes back to the heap) and
 *	allocates a 64 KiB object (which takes the span struct). The thread's
 *	free must not touch the span after that.
 * test=destroy_rcu: objects with an rcu_head, goslab_kfree_rcu(), and at
 *	once goslab_cache_destroy(): the destroy must wait for the callbacks,
 *	report nothing and give the memory back.
 *
 * A window of a few instructions is hit when a slow or busy interrupt
 * lands in it; the loops keep the windows under the interrupts most of the
 * time. Two frees of one object are never separated by an allocation from
 * the cache: a slot handed out again in between would make the second
 * free a valid free of the new object.
 *
 * After a double free the racing thread keeps an object (which takes the
 * slot if a free gave it straight back) in a FIFO several spans long, each
 * filled with a pattern unique to its allocation and checked when it
 * leaves: a slot freed twice is handed out twice, and its first holder sees
 * the second's pattern. After double_free and irq_free, the sweep: many
 * objects allocated and kept, with a shrink half way (it folds every
 * recorded free), checked, and their pointers sorted: none may come back
 * twice.
 *
 * The deliberate double frees are reported by goslab (a WARN each, and a
 * KASAN report on a KASAN kernel): they run between "goslab-test:
 * expect-splat begin" and "end" lines. Nothing else is bracketed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/debug_locks.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/kasan.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/topology.h>

#include "goslab.h"

static char *test = "double_free";
module_param(test, charp, 0444);
MODULE_PARM_DESC(test, "double_free (default), irq_free, shrink or destroy_rcu");

static unsigned int rounds = 3000;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "double_free: rounds; irq_free: objects the interrupt frees (default 3000)");

static unsigned int duration_ms = 4000;
module_param(duration_ms, uint, 0444);
MODULE_PARM_DESC(duration_ms, "shrink: how long it runs; double_free, irq_free: at most this long (default 4000)");

static unsigned int sweep = 12000;
module_param(sweep, uint, 0444);
MODULE_PARM_DESC(sweep, "objects the final sweep allocates and keeps (default 12000)");

static unsigned int burst = 64;
module_param(burst, uint, 0444);
MODULE_PARM_DESC(burst, "double_free: objects A allocates and keeps after each round (default 64)");

static bool shrinker = true;
module_param(shrinker, bool, 0444);
MODULE_PARM_DESC(shrinker, "double_free: shrink the cache every round from a third CPU (default on)");

static unsigned int slow_us = 50;
module_param(slow_us, uint, 0444);
MODULE_PARM_DESC(slow_us, "double_free, shrink: how long the slow interrupts busy-wait (default 50; 0: none)");

static unsigned int irq_period_us = 20;
module_param(irq_period_us, uint, 0444);
MODULE_PARM_DESC(irq_period_us, "irq_free: period of the freeing interrupt (default 20)");

/*
 * A free that may be the second of a deliberate double free. goslab refuses
 * and counts it; KASAN, which goslab also lets see a double free, is kept
 * out: its report would taint the kernel and turn lockdep off for every
 * suite after this one (the goslab_kasan suite, run last, checks that
 * report).
 */
static void free_maybe_twice(struct goslab_cache *c, void *p)
{
	kasan_disable_current();
	goslab_cache_free(c, p);
	kasan_enable_current();
}

static bool quiet = true;
module_param(quiet, bool, 0444);
MODULE_PARM_DESC(quiet, "keep the deliberate reports off the console, in the kernel log only (default on)");

static unsigned int period_us = 100;
module_param(period_us, uint, 0444);
MODULE_PARM_DESC(period_us, "double_free, shrink: period of the slow interrupts (default 100)");

static unsigned int spans = 64;
module_param(spans, uint, 0444);
MODULE_PARM_DESC(spans, "release: spans aimed at per round (default 64, at most 256)");

static unsigned int per_span = 128;
module_param(per_span, uint, 0444);
MODULE_PARM_DESC(per_span, "release: objects per span of a 64-byte cache, as debugfs caches says (default 128)");

static int result = -1;
module_param(result, int, 0444);
MODULE_PARM_DESC(result, "read-only: 0 if the test passed, 1 if it failed, 2 if it found nothing wrong but did not race");

static unsigned long expect_double_free;
module_param(expect_double_free, ulong, 0444);
MODULE_PARM_DESC(expect_double_free, "read-only: double frees made, each to be refused once");

/* Only alerts and emergencies (an oops) on the console while quiet. */
#define CONSOLE_LOGLEVEL_QUIET_RACE	2

#define OBJ_SIZE	64

/*
 * Fewer double frees than this in the time given: the test did not race
 * (each refusal costs milliseconds of reporting, so the time bounds them).
 */
#define MIN_RACES	5U
#define OBJ_WORDS	(OBJ_SIZE / 8)

/*
 * The deliberate double frees, bracketed for the judge. Each refusal is a
 * WARN (and a KASAN report on a KASAN kernel) of 2-6 KB, and the test VM's
 * serial console writes about 100 KB/s: thousands of them would take
 * minutes. With "quiet" the console shows only KERN_ALERT and worse
 * between the brackets (an oops still shows); the kernel log keeps it all.
 */
static int saved_loglevel;
static int saved_debug_locks;

static void splat_begin(void)
{
	pr_info("goslab-test: expect-splat begin\n");
	saved_debug_locks = READ_ONCE(debug_locks);
	saved_loglevel = console_loglevel;
	if (quiet && console_loglevel > CONSOLE_LOGLEVEL_QUIET_RACE)
		console_loglevel = CONSOLE_LOGLEVEL_QUIET_RACE;
}

/*
 * A KASAN report taints the kernel, which turns lock debugging off for the
 * rest of the boot; the kernel says so at KERN_WARNING, which a quiet
 * console did not show: say it again once the console is back.
 */
static void splat_end(void)
{
	if (quiet)
		console_loglevel = saved_loglevel;
	if (saved_debug_locks && !READ_ONCE(debug_locks))
		pr_warn("lock debugging was turned off between the brackets (Disabling lock debugging due to kernel taint)\n");
	pr_info("goslab-test: expect-splat end\n");
}

static char report[400];
module_param_string(report, report, sizeof(report), 0444);
MODULE_PARM_DESC(report, "read-only: what the test did and found, in one line");

/* Print a line, and add it to "report" for the script. */
static __printf(1, 2) void race_info(const char *fmt, ...)
{
	size_t n = strlen(report);
	va_list ap;

	if (n && n + 2 < sizeof(report)) {
		report[n++] = ';';
		report[n++] = ' ';
		report[n] = 0;
	}
	va_start(ap, fmt);
	vscnprintf(report + n, sizeof(report) - n, fmt, ap);
	va_end(ap);
	pr_info("%s\n", report + n);
}

/* The test found nothing wrong, but it could not make the race happen. */
static bool did_not_race;

static void no_race(const char *why)
{
	did_not_race = true;
	race_info("did not race: %s", why);
}

/* === Objects: a pattern unique to each allocation === */

static atomic64_t tags = ATOMIC64_INIT(0);
static atomic_long_t clobbered;	/* objects whose pattern changed */
static atomic_long_t nulls;	/* allocations that returned NULL */
static atomic_long_t errors;	/* anything else that went wrong */

struct held {
	void *p;
	u64 tag;
};

static u64 pattern(u64 tag, unsigned int i)
{
	return (tag ^ 0x9e3779b97f4a7c15ULL) * (2 * i + 1);
}

/* Word 0 is the tag; a slot handed out twice is overwritten by its second holder. */
static void obj_fill(struct held *h)
{
	u64 *w = h->p;
	unsigned int i;

	h->tag = atomic64_inc_return(&tags);
	w[0] = h->tag;
	for (i = 1; i < OBJ_WORDS; i++)
		w[i] = pattern(h->tag, i);
}

static bool obj_ok(const struct held *h)
{
	const u64 *w = h->p;
	unsigned int i;

	if (w[0] != h->tag)
		goto bad;
	for (i = 1; i < OBJ_WORDS; i++)
		if (w[i] != pattern(h->tag, i))
			goto bad;
	return true;
bad:
	if (atomic_long_inc_return(&clobbered) <= 5)
		pr_err("object %p clobbered: tag %llu, word 0 %llu\n",
		       h->p, h->tag, w[0]);
	return false;
}

static bool obj_alloc(struct goslab_cache *c, struct held *h)
{
	h->p = goslab_cache_alloc(c, GFP_KERNEL);
	if (!h->p) {
		atomic_long_inc(&nulls);
		return false;
	}
	obj_fill(h);
	return true;
}

/*
 * The objects a racing thread keeps: each new one pushes out the oldest,
 * which is checked and freed. Held for FIFO_LEN allocations, several spans'
 * worth, an object is still held when its span is next swept: a slot both
 * given back and recorded free by a double free that raced is then freed
 * under its holder and handed out again, which the holder's check sees.
 * Without holding, the holder's own free would be refused and the damage
 * undone before anything could see it.
 */
#define FIFO_LEN	512

struct fifo {
	struct held h[FIFO_LEN];
	unsigned int next, n;
};

static bool fifo_push(struct goslab_cache *c, struct fifo *f)
{
	struct held *h = &f->h[f->next];

	if (f->n == FIFO_LEN) {
		obj_ok(h);
		goslab_cache_free(c, h->p);
		f->n--;
	}
	if (!obj_alloc(c, h))
		return false;
	f->next = (f->next + 1) % FIFO_LEN;
	f->n++;
	return true;
}

static void fifo_drain(struct goslab_cache *c, struct fifo *f)
{
	struct held *h;

	while (f->n) {
		h = &f->h[(f->next + FIFO_LEN - f->n) % FIFO_LEN];
		obj_ok(h);
		goslab_cache_free(c, h->p);
		f->n--;
	}
}

static int ptr_cmp(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/*
 * The sweep: @n objects allocated and kept, a shrink half way (every free
 * recorded so far is folded), each object checked, the pointers sorted:
 * none may have been handed out twice. Each distinct pointer is freed once.
 */
static long sweep_check(struct goslab_cache *c, unsigned int n)
{
	struct held *h;
	unsigned long *ptrs;
	unsigned int i, got = 0, uniq = 0;
	long dups = 0;

	h = kvmalloc_array(n, sizeof(*h), GFP_KERNEL);
	ptrs = kvmalloc_array(n, sizeof(*ptrs), GFP_KERNEL);
	if (!h || !ptrs) {
		atomic_long_inc(&errors);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (i == n / 2)
			goslab_cache_shrink(c);
		if (!obj_alloc(c, &h[i]))
			break;
		got++;
	}
	for (i = 0; i < got; i++) {
		obj_ok(&h[i]);
		ptrs[i] = (unsigned long)h[i].p;
	}
	sort(ptrs, got, sizeof(*ptrs), ptr_cmp, NULL);
	for (i = 0; i < got; i++) {
		if (i && ptrs[i] == ptrs[i - 1]) {
			if (++dups <= 5)
				pr_err("object %p handed out twice\n",
				       (void *)ptrs[i]);
			continue;
		}
		ptrs[uniq++] = ptrs[i];
	}
	for (i = 0; i < uniq; i++)
		goslab_cache_free(c, (void *)ptrs[i]);
	race_info("sweep: %u objects, %ld handed out twice, %ld clobbered",
		  got, dups, atomic_long_read(&clobbered));
out:
	kvfree(ptrs);
	kvfree(h);
	return dups;
}

/* === Threads and interrupts === */

static atomic_t running;
static DECLARE_COMPLETION(threads_done);

/* A kthread bound to @cpu; threads_done completes when all have returned. */
static int thread_on(int (*fn)(void *), void *arg, int cpu, const char *what)
{
	struct task_struct *t;

	t = kthread_create_on_cpu(fn, arg, cpu, "goslab_race/%u");
	if (IS_ERR(t)) {
		pr_err("%s thread on cpu %d: %ld\n", what, cpu, PTR_ERR(t));
		return PTR_ERR(t);
	}
	atomic_inc(&running);
	wake_up_process(t);
	return 0;
}

static void thread_exit(void)
{
	if (atomic_dec_and_test(&running))
		complete(&threads_done);
}

/* Start counting threads; then wait_threads() once they are all started. */
static void threads_begin(void)
{
	reinit_completion(&threads_done);
	atomic_set(&running, 1);
}

static void wait_threads(void)
{
	if (!atomic_dec_and_test(&running))
		wait_for_completion(&threads_done);
}

/* The n-th online CPU, or -1. */
static int online_cpu(unsigned int n)
{
	int cpu;

	for_each_online_cpu(cpu)
		if (!n--)
			return cpu;
	return -1;
}

static void busy_wait(u64 ns)
{
	u64 end = ktime_get_ns() + ns;

	while (ktime_get_ns() < end)
		cpu_relax();
}

/*
 * Spin until *@p >= @v; false after 10 s (the other side is stuck). Lets
 * the scheduler in every so often: a kernel without preemption would
 * otherwise starve the drain work items goslab_cache_shrink() waits for.
 */
static bool wait_for(unsigned int *p, unsigned int v)
{
	unsigned long end = jiffies + 10 * HZ;
	unsigned int n = 0;

	/* Acquire: what the other side did before publishing @v is seen. */
	while (smp_load_acquire(p) < v) {
		cpu_relax();
		if (++n % 1024)
			continue;
		cond_resched();
		if (time_after(jiffies, end)) {
			pr_err("stuck waiting for %u (at %u)\n", v, READ_ONCE(*p));
			atomic_long_inc(&errors);
			return false;
		}
	}
	return true;
}

/*
 * A periodic hardirq hrtimer on the CPU that starts it: calls @fn if set,
 * then busy-waits @busy_ns (a slow interrupt: whatever it interrupts in
 * the middle stays there that long).
 */
struct slow_irq {
	struct hrtimer timer;
	u64 period_ns;
	u64 busy_ns;
	void (*fn)(void);
	bool stop;
	unsigned long fired;
};

static enum hrtimer_restart slow_irq_fn(struct hrtimer *t)
{
	struct slow_irq *si = container_of(t, struct slow_irq, timer);

	if (si->fn)
		si->fn();
	if (si->busy_ns)
		busy_wait(si->busy_ns);
	si->fired++;
	if (READ_ONCE(si->stop))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ns_to_ktime(si->period_ns));
	return HRTIMER_RESTART;
}

static void slow_irq_start(struct slow_irq *si, u64 period_ns, u64 busy_ns,
			   void (*fn)(void))
{
	si->period_ns = max_t(u64, period_ns, 2 * busy_ns + NSEC_PER_USEC);
	si->busy_ns = busy_ns;
	si->fn = fn;
	si->stop = false;
	si->fired = 0;
	hrtimer_init(&si->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	si->timer.function = slow_irq_fn;
	hrtimer_start(&si->timer, ns_to_ktime(si->period_ns),
		      HRTIMER_MODE_REL_PINNED_HARD);
}

static void slow_irq_stop(struct slow_irq *si)
{
	WRITE_ONCE(si->stop, true);
	hrtimer_cancel(&si->timer);
}

/* === test=double_free === */

static struct {
	struct goslab_cache *c;
	void *obj;		/* A's object, published for B */
	bool stop;
	unsigned int grabs;	/* objects B took and freed */
	unsigned int done;	/* B's frees that are over */
	unsigned int loops;
	unsigned int shrinks;
	struct slow_irq slow[2];	/* on A's and B's CPUs */
	struct completion raced, sweep;
	long dups;
	struct fifo keep;
} df;

/*
 * A: allocate, publish, free, take back. When B took the object, A
 * allocates nothing until B's free is over: a slot handed out again before
 * then would make B's free a valid free of the new object.
 */
static int df_thread_a(void *unused)
{
	unsigned long end = jiffies + msecs_to_jiffies(duration_ms);
	unsigned int taken = 0;
	struct held o;

	if (slow_us)
		slow_irq_start(&df.slow[0], (u64)period_us * NSEC_PER_USEC,
			       (u64)slow_us * NSEC_PER_USEC, NULL);
	while (taken < rounds && time_before(jiffies, end)) {
		if (!obj_alloc(df.c, &o))
			break;
		/* Release: B sees the object's pattern. */
		smp_store_release(&df.obj, o.p);
		free_maybe_twice(df.c, o.p);
		if (!(++df.loops % 256))
			cond_resched();
		if (xchg(&df.obj, NULL))
			continue;
		/* B took it: freed twice. */
		if (!wait_for(&df.done, ++taken))
			break;
		/* Keep one: it takes o's slot if a free gave it back. */
		if (!fifo_push(df.c, &df.keep))
			break;
	}
	WRITE_ONCE(df.stop, true);
	if (slow_us)
		slow_irq_stop(&df.slow[0]);
	/* B's last free is over before anything is allocated. */
	wait_for(&df.done, taken);
	fifo_drain(df.c, &df.keep);
	complete(&df.raced);
	/* The sweep runs on this CPU, the owner of the spans raced on. */
	wait_for_completion(&df.sweep);
	df.dups = sweep_check(df.c, sweep);
	thread_exit();
	return 0;
}

/* B: take A's object the moment it is published, and free it too. */
static int df_thread_b(void *unused)
{
	unsigned int n = 0;
	void *p;

	if (slow_us)
		slow_irq_start(&df.slow[1], (u64)period_us * NSEC_PER_USEC,
			       (u64)slow_us * NSEC_PER_USEC, NULL);
	while (!READ_ONCE(df.stop)) {
		p = READ_ONCE(df.obj);
		if (!p || cmpxchg(&df.obj, p, NULL) != p) {
			cpu_relax();
			if (!(++n % 1024))
				cond_resched();
			continue;
		}
		free_maybe_twice(df.c, p);
		df.grabs++;
		/* Release: A allocates only after this free is over. */
		smp_store_release(&df.done, df.grabs);
	}
	if (slow_us)
		slow_irq_stop(&df.slow[1]);
	thread_exit();
	return 0;
}

/* Shrinks all along: sweeps of the spans that hand out no slot. */
static int df_thread_shrink(void *unused)
{
	while (!READ_ONCE(df.stop)) {
		goslab_cache_shrink(df.c);
		df.shrinks++;
		usleep_range(200, 400);
	}
	thread_exit();
	return 0;
}

static int double_free_run(void)
{
	int cpu_a = online_cpu(0), cpu_b = online_cpu(1), cpu_s = online_cpu(2);
	int err;

	if (cpu_b < 0) {
		pr_info("double_free needs 2 online CPUs\n");
		return -ENODEV;
	}
	if (!shrinker)
		cpu_s = -1;
	df.c = goslab_cache_create("race-double-free", OBJ_SIZE, 0, 0, NULL);
	if (!df.c)
		return -ENOMEM;
	init_completion(&df.raced);
	init_completion(&df.sweep);
	pr_info("double_free: cpus %d and %d (slow interrupts %u us every %u us), %u double frees, shrinks on cpu %d\n",
		cpu_a, cpu_b, slow_us, period_us, rounds, cpu_s);
	threads_begin();
	splat_begin();
	err = thread_on(df_thread_b, NULL, cpu_b, "B");
	if (!err && cpu_s >= 0)
		err = thread_on(df_thread_shrink, NULL, cpu_s, "shrinker");
	if (!err)
		err = thread_on(df_thread_a, NULL, cpu_a, "A");
	if (err)
		WRITE_ONCE(df.stop, true);
	else
		wait_for_completion(&df.raced);
	/* A is in the sweep or waiting for it: the others are gone. */
	while (atomic_read(&running) > (err ? 1 : 2))
		schedule_timeout_uninterruptible(1);
	splat_end();
	complete(&df.sweep);
	wait_threads();
	goslab_cache_destroy(df.c);
	race_info("double_free: %u objects freed by both (of %u), %u shrinks, slow interrupts %lu and %lu",
		  df.grabs, df.loops, df.shrinks, df.slow[0].fired,
		  df.slow[1].fired);
	expect_double_free = df.grabs;
	if (df.grabs < min(rounds, MIN_RACES))
		no_race("B took too few objects");
	return err ?: df.dups ? -EIO : 0;
}

/* === test=irq_free === */

static struct {
	struct goslab_cache *c;
	void *obj;		/* published for the interrupt */
	unsigned long irq_frees;
	unsigned int rounds;
	struct slow_irq irq;
	struct fifo keep;
	long dups;
} irqf;

/* In hardirq context, on the thread's CPU. */
static void irqf_free(void)
{
	void *p = xchg(&irqf.obj, NULL);

	if (p) {
		free_maybe_twice(irqf.c, p);
		irqf.irq_frees++;
	}
}

static int irqf_thread(void *unused)
{
	unsigned long end = jiffies + msecs_to_jiffies(duration_ms);
	struct held o;
	unsigned int r;

	splat_begin();
	slow_irq_start(&irqf.irq, (u64)irq_period_us * NSEC_PER_USEC, 0,
		       irqf_free);
	for (r = 1; READ_ONCE(irqf.irq_frees) < rounds &&
	     time_before(jiffies, end); r++) {
		if (!obj_alloc(irqf.c, &o))
			break;
		WRITE_ONCE(irqf.obj, o.p);
		free_maybe_twice(irqf.c, o.p);
		irqf.rounds = r;
		if (!(r % 256))
			cond_resched();
		/* Taken back, unless the interrupt took it and freed it too. */
		if (xchg(&irqf.obj, NULL))
			continue;
		/* Keep one: it takes o's slot if a free gave it back. */
		if (!fifo_push(irqf.c, &irqf.keep))
			break;
	}
	slow_irq_stop(&irqf.irq);
	splat_end();
	fifo_drain(irqf.c, &irqf.keep);
	irqf.dups = sweep_check(irqf.c, sweep);
	thread_exit();
	return 0;
}

static int irq_free_run(void)
{
	int cpu = online_cpu(num_online_cpus() > 1 ? 1 : 0);
	int err;

	irqf.c = goslab_cache_create("race-irq-free", OBJ_SIZE, 0, 0, NULL);
	if (!irqf.c)
		return -ENOMEM;
	pr_info("irq_free: cpu %d, %u frees by an interrupt every %u us\n",
		cpu, rounds, irq_period_us);
	threads_begin();
	err = thread_on(irqf_thread, NULL, cpu, "irq_free");
	wait_threads();
	goslab_cache_destroy(irqf.c);
	race_info("irq_free: %u rounds, the interrupt fired %lu times, freed %lu objects",
		  irqf.rounds, irqf.irq.fired, irqf.irq_frees);
	expect_double_free = irqf.irq_frees;
	if (irqf.irq_frees < min(rounds, MIN_RACES))
		no_race("the interrupt freed too few objects");
	return err ?: irqf.dups ? -EIO : 0;
}

/* === test=shrink === */

#define SH_BUFS		4
#define SH_BATCH	256

struct sh_buf {
	struct held obj[SH_BATCH];
	unsigned int n;
	unsigned int batch;	/* batch number + 1 while full */
	atomic_t freers;	/* freers done with it */
};

static struct {
	struct goslab_cache *c;
	struct sh_buf buf[SH_BUFS];
	bool stop;
	unsigned int batches;	/* batches produced, final once stop is seen */
	bool produced;		/* the producer has finished */
	int node;		/* the producer's memory node */
	struct slow_irq slow;
	atomic_long_t allocated, freed, shrinks, larges, large_bad;
} sh;

static int sh_producer(void *unused)
{
	struct sh_buf *b;
	unsigned int batch, i;

	for (batch = 0; !READ_ONCE(sh.stop); batch++) {
		b = &sh.buf[batch % SH_BUFS];
		/* Empty: batch 0 not yet handed over (0) or freed by both. */
		while (smp_load_acquire(&b->batch) && !READ_ONCE(sh.stop))
			cond_resched();
		if (READ_ONCE(sh.stop))
			break;
		for (i = 0; i < SH_BATCH; i++)
			if (!obj_alloc(sh.c, &b->obj[i]))
				break;
		b->n = i;
		atomic_long_add(i, &sh.allocated);
		atomic_set(&b->freers, 0);
		/* Release: the freers see the objects and the count. */
		smp_store_release(&b->batch, batch + 1);
		/* Release: ordered after the batch, for the freers' exit. */
		smp_store_release(&sh.batches, batch + 1);
		cond_resched();
	}
	/* Release: after the last batch count (see sh_freer()). */
	smp_store_release(&sh.produced, true);
	thread_exit();
	return 0;
}

/* Freer @id (0 or 1) frees the objects of every batch whose index is of its parity. */
static int sh_freer(void *arg)
{
	unsigned int id = (unsigned long)arg, batch, i;
	struct sh_buf *b;
	bool finished;

	if (id == 0 && slow_us)
		slow_irq_start(&sh.slow, (u64)period_us * NSEC_PER_USEC,
			       (u64)slow_us * NSEC_PER_USEC, NULL);
	for (batch = 0;; batch++) {
		b = &sh.buf[batch % SH_BUFS];
		/* Acquire: pairs with the producer's releases. */
		while (smp_load_acquire(&b->batch) != batch + 1) {
			/* Acquire: then the final batch count is seen. */
			finished = smp_load_acquire(&sh.produced);
			/* Acquire: pairs with the producer's count. */
			if (finished && smp_load_acquire(&sh.batches) <= batch)
				goto out;
			cond_resched();
		}
		for (i = id; i < b->n; i += 2) {
			obj_ok(&b->obj[i]);
			goslab_cache_free(sh.c, b->obj[i].p);
		}
		atomic_long_add((b->n + 1 - id) / 2, &sh.freed);
		if (atomic_inc_return(&b->freers) == 2) {
			/* Release: both halves freed before the refill. */
			smp_store_release(&b->batch, 0);
		}
		cond_resched();
	}
out:
	if (id == 0 && slow_us)
		slow_irq_stop(&sh.slow);
	thread_exit();
	return 0;
}

static int sh_shrinker(void *unused)
{
	while (!READ_ONCE(sh.stop)) {
		goslab_cache_shrink(sh.c);
		atomic_long_inc(&sh.shrinks);
		cond_resched();
	}
	thread_exit();
	return 0;
}

/* Large objects from the producer's heap: their spans reuse span structs. */
static int sh_large(void *unused)
{
	u64 *p, tag;

	while (!READ_ONCE(sh.stop)) {
		p = goslab_kmalloc_node(SZ_64K, GFP_KERNEL, sh.node);
		if (!p) {
			atomic_long_inc(&nulls);
			cond_resched();
			continue;
		}
		tag = atomic64_inc_return(&tags);
		p[0] = tag;
		p[SZ_64K / 8 - 1] = ~tag;
		cond_resched();
		if (p[0] != tag || p[SZ_64K / 8 - 1] != ~tag)
			atomic_long_inc(&sh.large_bad);
		goslab_kfree(p);
		atomic_long_inc(&sh.larges);
	}
	thread_exit();
	return 0;
}

static int shrink_run(void)
{
	int cpu[4], i, err = 0;

	for (i = 0; i < 4; i++)
		cpu[i] = online_cpu(i);
	if (cpu[3] < 0) {
		pr_info("shrink needs 4 online CPUs\n");
		return -ENODEV;
	}
	sh.c = goslab_cache_create("race-shrink", OBJ_SIZE, 0, 0, NULL);
	if (!sh.c)
		return -ENOMEM;
	sh.node = cpu_to_mem(cpu[2]);
	pr_info("shrink: freers on cpus %d (slow interrupt %u us every %u us) and %d, producer and shrinker on %d, 64 KiB churn on %d (node %d), %u ms\n",
		cpu[0], slow_us, period_us, cpu[1], cpu[2], cpu[3], sh.node,
		duration_ms);
	threads_begin();
	err = err ?: thread_on(sh_freer, (void *)0UL, cpu[0], "freer 0");
	err = err ?: thread_on(sh_freer, (void *)1UL, cpu[1], "freer 1");
	err = err ?: thread_on(sh_producer, NULL, cpu[2], "producer");
	err = err ?: thread_on(sh_shrinker, NULL, cpu[2], "shrinker");
	err = err ?: thread_on(sh_large, NULL, cpu[3], "large");
	if (!err)
		msleep(duration_ms);
	WRITE_ONCE(sh.stop, true);
	/* A freer started without a producer must not wait for one. */
	if (err)
		WRITE_ONCE(sh.produced, true);
	wait_threads();

	race_info("shrink: %ld objects allocated, %ld freed, %ld shrinks, %ld large objects, slow interrupt %lu",
		  atomic_long_read(&sh.allocated), atomic_long_read(&sh.freed),
		  atomic_long_read(&sh.shrinks), atomic_long_read(&sh.larges),
		  sh.slow.fired);
	if (atomic_long_read(&sh.allocated) != atomic_long_read(&sh.freed)) {
		pr_err("shrink: objects allocated and freed differ\n");
		err = -EIO;
	}
	if (atomic_long_read(&sh.large_bad)) {
		pr_err("shrink: %ld large objects clobbered\n",
		       atomic_long_read(&sh.large_bad));
		err = -EIO;
	}
	if (goslab_cache_shrink(sh.c)) {
		pr_err("shrink: the cache still holds spans with every object freed\n");
		err = -EIO;
	}
	goslab_cache_destroy(sh.c);
	return err;
}

/* === test=release === */

#define MAX_SPANS	256U

static struct {
	struct goslab_cache *c;
	void **objs;			/* @spans spans' worth */
	void *x[MAX_SPANS];		/* the thread frees x[i] */
	void *y[MAX_SPANS];		/* the interrupt or the thread frees y[i] */
	void *big[MAX_SPANS];		/* allocated by the interrupt */
	unsigned int cur;		/* the span the thread is freeing into */
	int phase;			/* 1 inside goslab_cache_free(x[cur]) */
	int node;
	struct slow_irq irq;
	unsigned long rounds, aimed, misaligned, landed, bigs;
} rel;

/*
 * In hardirq context, on the thread's CPU. Landing inside the thread's
 * free of x[cur], it frees the span's other live object, y[cur]: the span
 * is empty, goes back to the heap, and the 64 KiB object allocated next
 * takes its span struct. The thread's free must not notice.
 */
static void rel_irq(void)
{
	unsigned int i = READ_ONCE(rel.cur);
	void *y;

	if (!READ_ONCE(rel.phase))
		return;
	y = xchg(&rel.y[i], NULL);
	if (!y)
		return;
	goslab_cache_free(rel.c, y);
	rel.landed++;
	rel.big[i] = goslab_kmalloc_node(SZ_64K, GFP_ATOMIC | __GFP_NOWARN,
					 rel.node);
	if (rel.big[i])
		rel.bigs++;
}

/*
 * One round: @spans spans filled from scratch (after a shrink this
 * CPU's allocations start a new span every per_span objects, which their
 * addresses confirm), all but two objects of each freed, a shrink (the
 * spans go to the partial list, two objects live each), then the thread
 * frees the first of the two of each span while the interrupt may free
 * the second.
 */
static void rel_round(void)
{
	unsigned int n = spans * per_span, i, k;
	struct held h;
	void **g;
	bool ok;

	goslab_cache_shrink(rel.c);
	for (k = 0; k < n; k++) {
		rel.objs[k] = goslab_cache_alloc(rel.c, GFP_KERNEL);
		if (!rel.objs[k]) {
			atomic_long_inc(&nulls);
			break;
		}
	}
	n = k;
	for (i = 0; i < spans; i++) {
		g = &rel.objs[i * per_span];
		rel.x[i] = NULL;
		rel.y[i] = NULL;
		rel.big[i] = NULL;
		if ((i + 1) * per_span > n)
			continue;
		ok = true;
		for (k = 1; k < per_span; k++)
			if (g[k] != g[0] + k * OBJ_SIZE)
				ok = false;
		if (!ok) {
			rel.misaligned++;
			continue;
		}
		rel.x[i] = g[0];
		rel.y[i] = g[1];
		g[0] = NULL;
		g[1] = NULL;
	}
	for (k = 0; k < n; k++)
		goslab_cache_free(rel.c, rel.objs[k]);
	goslab_cache_shrink(rel.c);

	for (i = 0; i < spans; i++) {
		if (!rel.x[i])
			continue;
		rel.aimed++;
		h.p = rel.x[i];
		obj_fill(&h);
		WRITE_ONCE(rel.cur, i);
		WRITE_ONCE(rel.phase, 1);
		goslab_cache_free(rel.c, rel.x[i]);
		WRITE_ONCE(rel.phase, 0);
		/* The interrupt did not take it: free it here. */
		goslab_cache_free(rel.c, xchg(&rel.y[i], NULL));
	}
	for (i = 0; i < spans; i++)
		goslab_kfree(rel.big[i]);
	rel.rounds++;
}

static int rel_thread(void *unused)
{
	unsigned long end = jiffies + msecs_to_jiffies(duration_ms);

	rel.node = numa_mem_id();
	slow_irq_start(&rel.irq, (u64)irq_period_us * NSEC_PER_USEC, 0,
		       rel_irq);
	/* Until the time is up, and the interrupt has landed (3 times as long at most). */
	do {
		rel_round();
		cond_resched();
	} while (time_before(jiffies, end) ||
		 (!rel.landed && rel.aimed &&
		  time_before(jiffies, end + 2 * msecs_to_jiffies(duration_ms))));
	slow_irq_stop(&rel.irq);
	thread_exit();
	return 0;
}

static int release_run(void)
{
	int cpu = online_cpu(num_online_cpus() - 1);
	int err;

	spans = clamp(spans, 1U, MAX_SPANS);
	if (per_span < 2 || per_span > 4096) {
		pr_err("release: per_span must be 2..4096, not %u\n", per_span);
		return -EINVAL;
	}
	rel.objs = kvmalloc_array(spans * per_span, sizeof(*rel.objs),
				  GFP_KERNEL);
	rel.c = goslab_cache_create("race-release", OBJ_SIZE, 0, 0, NULL);
	if (!rel.objs || !rel.c) {
		kvfree(rel.objs);
		goslab_cache_destroy(rel.c);
		return -ENOMEM;
	}
	pr_info("release: cpu %d, %u spans of %u objects per round, interrupt every %u us, %u ms\n",
		cpu, spans, per_span, irq_period_us, duration_ms);
	threads_begin();
	err = thread_on(rel_thread, NULL, cpu, "release");
	wait_threads();
	race_info("release: %lu rounds, %lu frees aimed at, the interrupt landed in %lu (%lu 64 KiB objects), %lu spans not where expected",
		  rel.rounds, rel.aimed, rel.landed, rel.bigs, rel.misaligned);
	if (!rel.aimed)
		no_race("no span was where expected: per_span wrong?");
	else if (!rel.landed)
		no_race("the interrupt never landed inside a free");
	if (goslab_cache_shrink(rel.c)) {
		pr_err("release: the cache still holds spans with every object freed\n");
		err = -EIO;
	}
	goslab_cache_destroy(rel.c);
	kvfree(rel.objs);
	return err;
}

/* === test=destroy_rcu === */

struct rcu_obj {
	u64 word[4];
	struct rcu_head rcu;
};

/* @n objects, each freed with goslab_kfree_rcu(), then the cache destroyed at once. */
static int destroy_rcu_once(unsigned int n)
{
	struct goslab_cache *c;
	struct rcu_obj *o;
	unsigned int i;

	c = goslab_cache_create("race-destroy-rcu", sizeof(*o), 0, 0, NULL);
	if (!c)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		o = goslab_cache_alloc(c, GFP_KERNEL);
		if (!o) {
			atomic_long_inc(&nulls);
			break;
		}
		o->word[0] = i;
		goslab_kfree_rcu(o, rcu);
	}
	goslab_cache_destroy(c);
	race_info("destroy_rcu: %u objects freed with goslab_kfree_rcu(), cache destroyed at once",
		  i);
	return 0;
}

static int destroy_rcu_run(void)
{
	int err;

	err = destroy_rcu_once(1);
	err = err ?: destroy_rcu_once(1000);
	/* Whatever the destroys left queued has run before the script looks. */
	rcu_barrier();
	return err;
}

/* === Module === */

static int __init goslab_race_init(void)
{
	int err;

	if (!strcmp(test, "double_free"))
		err = double_free_run();
	else if (!strcmp(test, "irq_free"))
		err = irq_free_run();
	else if (!strcmp(test, "shrink"))
		err = shrink_run();
	else if (!strcmp(test, "release"))
		err = release_run();
	else if (!strcmp(test, "destroy_rcu"))
		err = destroy_rcu_run();
	else
		err = -EINVAL;
	/* The test could not run: nothing to judge. */
	if (err == -EINVAL || err == -ENODEV || err == -ENOMEM) {
		pr_err("%s: cannot run (%d)\n", test, err);
		return err;
	}
	if (atomic_long_read(&clobbered) || atomic_long_read(&nulls) ||
	    atomic_long_read(&errors)) {
		race_info("%ld objects clobbered, %ld NULL allocations, %ld other errors",
			  atomic_long_read(&clobbered), atomic_long_read(&nulls),
			  atomic_long_read(&errors));
		err = -EIO;
	}
	result = err ? 1 : did_not_race ? 2 : 0;
	race_info("%s: result %s", test,
		  err ? "FAIL" : did_not_race ? "did not race" : "PASS");
	return 0;
}

static void __exit goslab_race_exit(void)
{
}

module_init(goslab_race_init);
module_exit(goslab_race_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("goslab free-path races: double frees from two CPUs and from an interrupt, frees against shrink and span reuse, destroy after kfree_rcu");
MODULE_INFO(test, "Y");

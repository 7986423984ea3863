// SPDX-License-Identifier: GPL-2.0
/*
 * goslab heap profile: Go's MemProfileRate for the kernel.
 *
 * About one allocation per profile_rate bytes is sampled: each CPU counts
 * down the bytes until its next sample, a number drawn from an exponential
 * distribution of mean profile_rate (Go's nextSample), so every byte has the
 * same chance to be sampled whatever the object sizes. A sample records the
 * caller of goslab's API in a table of call sites and the object in a small
 * hash table, so its free takes it off its site again. debugfs's "profile"
 * shows live bytes and objects per call site, most bytes first.
 *
 * Locking: profile_lock, a raw spinlock taken with interrupts off, guards
 * the sites, the sample hash and its free list. Nothing nests inside it. The
 * allocation hooks take it with no lock of goslab's held; the free hooks
 * inside span->lock (small objects) or stack_large_lock (large stacks), as
 * the lock order in main.c says. Only sampled allocations and
 * frees of sampled objects take it; other frees read one atomic of a filter
 * (a counting hash of the sampled pointers) and go on.
 *
 * Overview: Documentation/design.rst.
 */
#include <linux/kallsyms.h>
#include <linux/log2.h>
#include <linux/moduleparam.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>

#include "internal.h"

#define PROFILE_SITE_BITS	10
#define PROFILE_SITES		BIT(PROFILE_SITE_BITS)
#define PROFILE_SAMPLE_BITS	12
#define PROFILE_SAMPLES		BIT(PROFILE_SAMPLE_BITS)
#define PROFILE_SYM_LEN		96

/**
 * struct profile_site - one call site; profile_lock
 * @caller: return address in the caller of goslab's API; 0 = unused slot.
 * @sym: @caller as symbol+offset/size [module], kept from the first sample
 *	so a site outlives its module without ever showing an address.
 * @live_objs: sampled objects still allocated.
 * @live_bytes: their usable bytes.
 * @est_live_bytes: the bytes they stand for (see profile_weight()).
 * @alloc_objs: objects sampled since the module was loaded.
 * @alloc_bytes: their usable bytes.
 */
struct profile_site {
	unsigned long caller;
	char sym[PROFILE_SYM_LEN];
	unsigned long live_objs;
	unsigned long live_bytes;
	unsigned long est_live_bytes;
	unsigned long alloc_objs;
	unsigned long alloc_bytes;
};

/**
 * struct profile_sample - a sampled object still allocated; profile_lock
 * @node: in its bucket of sample_hash, or in sample_free.
 * @obj: the object (a key only: never printed).
 * @size: its usable bytes.
 * @weight: the bytes it stands for.
 * @site: index in sites.
 */
struct profile_sample {
	struct hlist_node node;
	const void *obj;
	unsigned long size;
	unsigned long weight;
	unsigned int site;
};

static DEFINE_RAW_SPINLOCK(profile_lock);
static struct profile_site *sites;			/* profile_lock */
static struct profile_sample *samples;			/* profile_lock */
static struct hlist_head sample_hash[PROFILE_SAMPLES];	/* profile_lock */
static HLIST_HEAD(sample_free);				/* profile_lock */
static unsigned long nr_sites;				/* profile_lock */
static unsigned long nr_live;				/* profile_lock */
static unsigned long nr_dropped;			/* profile_lock */
/*
 * Sampling needs no cryptographic randomness, and get_random_u32() runs a
 * ChaCha block per call until the CRNG is ready (early boot, guests without
 * an entropy source): a seeded prandom state, as Go's cheap fastrand.
 */
static struct rnd_state profile_rnd;			/* profile_lock */
/* sprint_symbol() writes up to KSYM_SYMBOL_LEN bytes; profile_lock. */
static char sym_buf[KSYM_SYMBOL_LEN];

DEFINE_STATIC_KEY_FALSE(goslab_profile_on);
DEFINE_STATIC_KEY_FALSE(goslab_profile_used);
DEFINE_PER_CPU(long, goslab_profile_next);
atomic_t goslab_profile_filter[1 << GOSLAB_PROFILE_FILTER_BITS];

/* Bytes between samples on average; 0 = off. */
static unsigned long profile_rate = 512 * 1024;
static bool profile_ready;

/*
 * Bytes until the next sample: -ln(U) * rate for U uniform in (0, 1], as
 * Go's fastexprand, with log2 from ilog2 and a linear fraction (at most 9%
 * off; the mean stays within a few percent of the rate).
 */
static long profile_next_sample(unsigned long rate)
{
	u64 q, l, t;
	unsigned int i;

	lockdep_assert_held(&profile_lock);
	if (rate <= 1)
		return 0;
	q = (prandom_u32_state(&profile_rnd) >> 6) + 1;
	i = ilog2(q);
	/* log2(q) in 16.16 fixed point. */
	l = ((u64)i << 16) + ((q << 16 >> i) - (1U << 16));
	/* -ln(q / 2^26) = (26 - log2 q) * ln 2; ln 2 = 45426 / 65536. */
	t = ((26ULL << 16) - l) * 45426 >> 16;
	return (long)min_t(u64, t * rate >> 16, LONG_MAX);
}

static unsigned long profile_weight(unsigned long size, unsigned long rate)
{
	return max(size, rate);
}

static void profile_reset_next(unsigned long rate)
{
	unsigned long flags;
	int cpu;

	raw_spin_lock_irqsave(&profile_lock, flags);
	for_each_possible_cpu(cpu)
		WRITE_ONCE(*per_cpu_ptr(&goslab_profile_next, cpu),
			   profile_next_sample(rate));
	raw_spin_unlock_irqrestore(&profile_lock, flags);
}

static int profile_rate_set(const char *val, const struct kernel_param *kp)
{
	unsigned long rate;
	int err = kstrtoul(val, 0, &rate);

	if (err)
		return err;
	if (rate > LONG_MAX)
		return -ERANGE;
	WRITE_ONCE(profile_rate, rate);
	/* At load the parameter comes before goslab_profile_init(). */
	if (!READ_ONCE(profile_ready))
		return 0;
	profile_reset_next(rate);
	if (rate) {
		static_branch_enable(&goslab_profile_used);
		static_branch_enable(&goslab_profile_on);
	} else {
		static_branch_disable(&goslab_profile_on);
	}
	return 0;
}

static const struct kernel_param_ops profile_rate_ops = {
	.set = profile_rate_set,
	.get = param_get_ulong,
};

module_param_cb(profile_rate, &profile_rate_ops, &profile_rate, 0644);
MODULE_PARM_DESC(profile_rate,
		 "heap profile: sample about one allocation per this many bytes, 1 = every allocation, 0 = off (default 524288)");

static unsigned long filter_slot(const void *obj)
{
	return hash_ptr((void *)obj, GOSLAB_PROFILE_FILTER_BITS);
}

static unsigned int site_find(unsigned long caller)
{
	unsigned int i, h = hash_long(caller, PROFILE_SITE_BITS);

	lockdep_assert_held(&profile_lock);
	for (i = 0; i < PROFILE_SITES; i++) {
		struct profile_site *s = &sites[(h + i) & (PROFILE_SITES - 1)];

		if (s->caller == caller)
			return s - sites;
		if (!s->caller) {
			s->caller = caller;
			sprint_symbol(sym_buf, caller);
			/* No symbol: sprint_symbol() gave an address. */
			if (!strncmp(sym_buf, "0x", 2))
				strscpy(sym_buf, "?", sizeof(sym_buf));
			/* Long names are cut: the site stays one table row. */
			strscpy(s->sym, sym_buf, sizeof(s->sym));
			nr_sites++;
			return s - sites;
		}
	}
	return PROFILE_SITES;
}

/**
 * __goslab_profile_alloc() - record a sampled allocation
 * @obj: the object
 * @size: its usable bytes
 * @caller: return address in the caller of goslab's API
 */
void __goslab_profile_alloc(const void *obj, size_t size,
			    unsigned long caller)
{
	unsigned long rate = READ_ONCE(profile_rate), flags;
	struct profile_sample *smp;
	struct profile_site *site;
	unsigned int i;

	raw_spin_lock_irqsave(&profile_lock, flags);
	this_cpu_write(goslab_profile_next, profile_next_sample(rate));
	i = site_find(caller);
	smp = hlist_empty(&sample_free) ? NULL :
	      hlist_entry(sample_free.first, struct profile_sample, node);
	if (i == PROFILE_SITES || !smp) {
		nr_dropped++;
		goto out;
	}
	hlist_del(&smp->node);
	smp->obj = obj;
	smp->size = size;
	smp->weight = profile_weight(size, rate);
	smp->site = i;
	hlist_add_head(&smp->node,
		       &sample_hash[hash_ptr((void *)obj, PROFILE_SAMPLE_BITS)]);
	atomic_inc(&goslab_profile_filter[filter_slot(obj)]);
	site = &sites[i];
	site->live_objs++;
	site->live_bytes += size;
	site->est_live_bytes += smp->weight;
	site->alloc_objs++;
	site->alloc_bytes += size;
	nr_live++;
out:
	raw_spin_unlock_irqrestore(&profile_lock, flags);
}

/**
 * __goslab_profile_free() - forget an object if it was sampled
 * @obj: the object being freed, before it can be handed out again
 */
void __goslab_profile_free(const void *obj)
{
	struct profile_sample *smp;
	struct profile_site *site;
	unsigned long flags;

	raw_spin_lock_irqsave(&profile_lock, flags);
	hlist_for_each_entry(smp, &sample_hash[hash_ptr((void *)obj,
							PROFILE_SAMPLE_BITS)],
			     node) {
		if (smp->obj != obj)
			continue;
		site = &sites[smp->site];
		site->live_objs--;
		site->live_bytes -= smp->size;
		site->est_live_bytes -= smp->weight;
		hlist_del(&smp->node);
		hlist_add_head(&smp->node, &sample_free);
		atomic_dec(&goslab_profile_filter[filter_slot(obj)]);
		nr_live--;
		break;
	}
	raw_spin_unlock_irqrestore(&profile_lock, flags);
}

/* === debugfs: the "profile" table and the summary lines === */

static int site_cmp(const void *a, const void *b)
{
	const struct profile_site *x = a, *y = b;

	if (x->live_bytes != y->live_bytes)
		return x->live_bytes < y->live_bytes ? 1 : -1;
	if (x->alloc_bytes != y->alloc_bytes)
		return x->alloc_bytes < y->alloc_bytes ? 1 : -1;
	return strcmp(x->sym, y->sym);
}

/**
 * goslab_profile_show() - the call sites, most live bytes first
 * @m: the seq_file of debugfs's "profile"
 */
void goslab_profile_show(struct seq_file *m)
{
	struct profile_site *copy;
	unsigned long flags, n = 0;
	unsigned int i;

	seq_puts(m, "live_bytes live_objs est_live_bytes alloc_bytes alloc_objs caller\n");
	copy = vmalloc(array_size(PROFILE_SITES, sizeof(*copy)));
	if (!copy)
		return;
	raw_spin_lock_irqsave(&profile_lock, flags);
	for (i = 0; i < PROFILE_SITES; i++)
		if (sites[i].caller)
			copy[n++] = sites[i];
	raw_spin_unlock_irqrestore(&profile_lock, flags);
	sort(copy, n, sizeof(*copy), site_cmp, NULL);
	for (i = 0; i < n; i++)
		seq_printf(m, "%lu %lu %lu %lu %lu %s\n", copy[i].live_bytes,
			   copy[i].live_objs, copy[i].est_live_bytes,
			   copy[i].alloc_bytes, copy[i].alloc_objs, copy[i].sym);
	vfree(copy);
}

/**
 * goslab_profile_summary() - the profile's key: value lines of "summary"
 * @m: the seq_file
 */
void goslab_profile_summary(struct seq_file *m)
{
	unsigned long flags, nsites, live, dropped;

	raw_spin_lock_irqsave(&profile_lock, flags);
	nsites = nr_sites;
	live = nr_live;
	dropped = nr_dropped;
	raw_spin_unlock_irqrestore(&profile_lock, flags);
	seq_printf(m, "profile_rate: %lu\n", READ_ONCE(profile_rate));
	seq_printf(m, "profile_sites: %lu\n", nsites);
	seq_printf(m, "profile_samples_live: %lu\n", live);
	seq_printf(m, "profile_samples_dropped: %lu\n", dropped);
}

/**
 * goslab_profile_init() - set up the tables and start sampling
 *
 * Return: 0 or -ENOMEM.
 */
int goslab_profile_init(void)
{
	unsigned int i;

	sites = vzalloc(array_size(PROFILE_SITES, sizeof(*sites)));
	samples = vzalloc(array_size(PROFILE_SAMPLES, sizeof(*samples)));
	if (!sites || !samples) {
		vfree(sites);
		vfree(samples);
		return -ENOMEM;
	}
	for (i = 0; i < PROFILE_SAMPLES; i++)
		hlist_add_head(&samples[i].node, &sample_free);
	prandom_seed_state(&profile_rnd, get_random_u64());
	profile_reset_next(READ_ONCE(profile_rate));
	if (READ_ONCE(profile_rate)) {
		static_branch_enable(&goslab_profile_used);
		static_branch_enable(&goslab_profile_on);
	}
	/* Pairs with READ_ONCE() in profile_rate_set(). */
	WRITE_ONCE(profile_ready, true);
	return 0;
}

/**
 * goslab_profile_exit() - stop sampling and free the tables
 *
 * Runs when no object of goslab is left to free.
 */
void goslab_profile_exit(void)
{
	static_branch_disable(&goslab_profile_on);
	static_branch_disable(&goslab_profile_used);
	vfree(sites);
	vfree(samples);
	sites = NULL;
	samples = NULL;
}

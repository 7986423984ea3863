// SPDX-License-Identifier: GPL-2.0
/*
 * goslab debugfs interface: /sys/kernel/debug/goslab/. Reads counters
 * through the layers' structures only; prints no kernel address. See
 * Documentation/debugfs.rst for the format of every file.
 *
 * Overview: Documentation/design.rst.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <linux/math64.h>

#include "internal.h"
#define GOSLAB_REDIRECT_DECLS_ONLY
#include "slab-redirect.h"

static struct dentry *goslab_dir;

static unsigned long cache_stat(struct goslab_cache *c, enum goslab_stat item)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(c->cpu, cpu)->stat[item]);
	return sum;
}

static unsigned long cache_spans(struct goslab_cache *c)
{
	unsigned long n = 0;
	int nid;

	for_each_node(nid)
		if (c->centrals[nid])
			n += READ_ONCE(c->centrals[nid]->nspans);
	return n;
}

static unsigned long cache_inuse(struct goslab_cache *c)
{
	long n = cache_stat(c, GOSLAB_ALLOC_FAST) +
		 cache_stat(c, GOSLAB_ALLOC_SLOW) - cache_stat(c, GOSLAB_FREE);

	return n > 0 ? n : 0;
}

/* === summary === */

static int summary_show(struct seq_file *m, void *v)
{
	unsigned long held = 0, inuse = 0, cached = 0, scav = 0, chunks = 0;
	unsigned long large = 0, meta = 0, fallback = 0, fail = 0, ncaches = 0;
	unsigned long node_fallback = 0, slab = 0, slab_reclaimable = 0;
	struct goslab_cache *c;
	struct goslab_heap *h;

	for_each_goslab_heap(h) {
		held += READ_ONCE(h->held);
		inuse += atomic_long_read(&h->inuse);
		cached += atomic_long_read(&h->cached);
		scav += READ_ONCE(h->scavenged);
		chunks += READ_ONCE(h->nchunks);
		large += atomic_long_read(&h->large);
		fallback += atomic_long_read(&h->fallback);
		node_fallback += atomic_long_read(&h->node_fallback);
		fail += atomic_long_read(&h->grow_fail);
		slab += atomic_long_read(&h->slab);
		slab_reclaimable += atomic_long_read(&h->slab_reclaimable);
		meta += READ_ONCE(h->spans.pages) +
			READ_ONCE(h->chunkmeta.pages);
	}
	mutex_lock(&goslab_caches_mutex);
	list_for_each_entry(c, &goslab_caches, list)
		ncaches++;
	mutex_unlock(&goslab_caches_mutex);

	seq_printf(m, "pages_held: %lu\n", held);
	seq_printf(m, "pages_inuse: %lu\n", inuse);
	seq_printf(m, "pages_pcache: %lu\n", cached);
	seq_printf(m, "pages_free: %lu\n", held - inuse - cached);
	seq_printf(m, "pages_slab: %lu\n", slab);
	seq_printf(m, "pages_slab_reclaimable: %lu\n", slab_reclaimable);
	seq_printf(m, "pages_scavenged: %lu\n", scav);
	seq_printf(m, "pages_metadata: %lu\n", meta);
	seq_printf(m, "chunks: %lu\n", chunks);
	seq_printf(m, "large_objects: %lu\n", large);
	seq_printf(m, "zone_fallbacks: %lu\n", fallback);
	seq_printf(m, "node_fallback: %lu\n", node_fallback);
	seq_printf(m, "grow_failures: %lu\n", fail);
	seq_printf(m, "caches: %lu\n", ncaches);
	seq_printf(m, "size_classes: %d\n", GOSLAB_NUM_CLASSES - 1);
	seq_printf(m, "chunk_pages: %u\n", GOSLAB_CHUNK_PAGES);
	seq_printf(m, "retain_percent: %u\n", goslab_retain_percent);
	seq_printf(m, "track_waste: %d\n", goslab_waste_tracking());
	seq_printf(m, "waste_untracked_spans: %lu\n", goslab_waste_untracked());
	goslab_profile_summary(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(summary);

/* === nodes === */

static int nodes_show(struct seq_file *m, void *v)
{
	struct goslab_heap *h;

	seq_puts(m, "node zone held inuse pcache free scavenged chunks large_objects");
	seq_puts(m, " node_fallback slab slab_reclaimable\n");
	for_each_goslab_heap(h) {
		unsigned long held, inuse, cached;

		held = READ_ONCE(h->held);
		inuse = atomic_long_read(&h->inuse);
		cached = atomic_long_read(&h->cached);
		seq_printf(m, "%d %s %lu %lu %lu %lu %lu %lu %ld %ld %ld %ld\n",
			   h->nid, goslab_zone_names[h->zone], held, inuse,
			   cached, held - inuse - cached,
			   READ_ONCE(h->scavenged),
			   READ_ONCE(h->nchunks),
			   atomic_long_read(&h->large),
			   atomic_long_read(&h->node_fallback),
			   atomic_long_read(&h->slab),
			   atomic_long_read(&h->slab_reclaimable));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(nodes);

/* === caches === */

static int caches_show(struct seq_file *m, void *v)
{
	struct goslab_cache *c;
	int i;

	seq_puts(m, "name objsize size slot pages_per_span objs_per_span spans pages inuse total released_pages");
	for (i = 0; i < GOSLAB_NR_STATS; i++)
		seq_printf(m, " %s", goslab_stat_names[i]);
	seq_puts(m, "\n");
	mutex_lock(&goslab_caches_mutex);
	list_for_each_entry(c, &goslab_caches, list) {
		unsigned long spans = cache_spans(c);

		seq_printf(m, "%s%s %u %u %u %u %u %lu %lu %lu %lu %lu",
			   c->name, c->dead ? "(dead)" : "", c->object_size,
			   c->size, c->elemsize, c->npages, c->nelems, spans,
			   spans * c->npages, cache_inuse(c),
			   spans * c->nelems,
			   cache_stat(c, GOSLAB_SPAN_RELEASE) * c->npages);
		for (i = 0; i < GOSLAB_NR_STATS; i++)
			seq_printf(m, " %lu", cache_stat(c, i));
		seq_puts(m, "\n");
	}
	mutex_unlock(&goslab_caches_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(caches);

/* === classes === */

static int classes_show(struct seq_file *m, void *v)
{
	unsigned int cls;

	seq_puts(m, "class size pages objects tail_waste max_waste_pct spans inuse live_objs live_req_bytes live_waste_bytes live_waste_pct\n");
	for (cls = 1; cls < GOSLAB_NUM_CLASSES; cls++) {
		const struct goslab_class *k = &goslab_classes[cls];
		unsigned long spans = 0, inuse = 0, waste, pct;
		struct goslab_cache *c;
		enum goslab_zone z;
		long objs, req;

		for (z = 0; z < GOSLAB_NR_ZONES; z++) {
			c = goslab_kmalloc_caches[z][cls];
			if (!c)
				continue;
			spans += cache_spans(c);
			inuse += cache_inuse(c);
		}
		goslab_waste_read(cls, &objs, &req);
		/* A snapshot may catch a free's two counters half done. */
		waste = objs * k->size > req ? objs * k->size - req : 0;
		pct = objs ? div64_u64((u64)waste * 10000, (u64)objs * k->size) : 0;
		seq_printf(m, "%u %u %u %u %u %u.%02u %lu %lu %ld %ld %lu %lu.%02lu\n",
			   cls, k->size, k->npages, k->nobjs, k->tail_waste,
			   k->max_waste / 100, k->max_waste % 100, spans,
			   inuse, objs, req, waste, pct / 100, pct % 100);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(classes);

/* === cpus === */

static int cpus_show(struct seq_file *m, void *v)
{
	struct goslab_cache *c;
	int cpu, i;

	seq_puts(m, "cpu");
	for (i = 0; i < GOSLAB_NR_STATS; i++)
		seq_printf(m, " %s", goslab_stat_names[i]);
	seq_puts(m, "\n");
	mutex_lock(&goslab_caches_mutex);
	for_each_possible_cpu(cpu) {
		seq_printf(m, "%d", cpu);
		for (i = 0; i < GOSLAB_NR_STATS; i++) {
			unsigned long sum = 0;

			list_for_each_entry(c, &goslab_caches, list)
				sum += READ_ONCE(per_cpu_ptr(c->cpu, cpu)->stat[i]);
			seq_printf(m, " %lu", sum);
		}
		seq_puts(m, "\n");
	}
	mutex_unlock(&goslab_caches_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(cpus);

/* === refused === */

static int refused_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < GOSLAB_NR_BAD; i++)
		seq_printf(m, "%s: %ld\n", goslab_bad_names[i],
			   atomic_long_read(&goslab_bad_count[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(refused);

/* === profile: the heap profile by call site (profile.c) === */

static int profile_show(struct seq_file *m, void *v)
{
	goslab_profile_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(profile);

/* === scavenge: write anything to give every free page back === */

static unsigned long last_scavenge;

static int scavenge_show(struct seq_file *m, void *v)
{
	seq_printf(m, "last_released_pages: %lu\n", READ_ONCE(last_scavenge));
	seq_printf(m, "shrinker_scans: %ld\n", atomic_long_read(&goslab_shrink_scans));
	seq_printf(m, "shrinker_freed_pages: %ld\n",
		   atomic_long_read(&goslab_shrink_freed));
	seq_printf(m, "shrinker_caches_swept: %ld\n",
		   atomic_long_read(&goslab_shrink_swept));
	seq_printf(m, "shrinker_cpus_drained: %ld\n",
		   atomic_long_read(&goslab_shrink_drained));
	return 0;
}

static int scavenge_open(struct inode *inode, struct file *file)
{
	return single_open(file, scavenge_show, NULL);
}

static ssize_t scavenge_write(struct file *file, const char __user *buf,
			      size_t len, loff_t *ppos)
{
	WRITE_ONCE(last_scavenge, goslab_scavenge_all());
	return len;
}

static const struct file_operations scavenge_fops = {
	.owner = THIS_MODULE,
	.open = scavenge_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = scavenge_write,
};

int goslab_debugfs_init(void)
{
	goslab_dir = debugfs_create_dir("goslab", NULL);
	debugfs_create_file("summary", 0444, goslab_dir, NULL, &summary_fops);
	debugfs_create_file("nodes", 0444, goslab_dir, NULL, &nodes_fops);
	debugfs_create_file("caches", 0444, goslab_dir, NULL, &caches_fops);
	debugfs_create_file("classes", 0444, goslab_dir, NULL, &classes_fops);
	debugfs_create_file("cpus", 0444, goslab_dir, NULL, &cpus_fops);
	debugfs_create_file("refused", 0444, goslab_dir, NULL, &refused_fops);
	goslab_redirect_debugfs_init(goslab_dir);
	/* Call sites are symbols of the running kernel: root only. */
	debugfs_create_file("profile", 0400, goslab_dir, NULL, &profile_fops);
	debugfs_create_file("scavenge", 0644, goslab_dir, NULL,
			    &scavenge_fops);
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
	fault_create_debugfs_attr("fail_grow", goslab_dir, &goslab_fail_grow);
#endif
	return 0;
}

void goslab_debugfs_exit(void)
{
	debugfs_remove_recursive(goslab_dir);
	goslab_dir = NULL;
}

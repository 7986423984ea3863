// SPDX-License-Identifier: GPL-2.0
/*
 * goslab_selftest_mod: checks goslab's public API when loaded, through the
 * API only, on any kernel (the stock ones have no KUnit). Loading fails
 * with -EINVAL if any check fails; each failed check logs "not ok".
 *
 * mode=nofail runs only the __GFP_NOFAIL checks, for
 * tests/selftests/goslab/gfp_test.sh, which sets up fail_page_alloc with
 * its task filter first: this module marks itself (make_it_fail) around the
 * calls, so every page allocation they make fails unless it carries
 * __GFP_NOFAIL, which fail_page_alloc never fails.
 *
 * mode=numa, for tests/selftests/goslab/numa_test.sh on a VM whose node 0
 * is small (run-vm.sh --small-node): from a CPU of node 0, numa_mib MiB of
 * GFP_KERNEL allocations (more than node 0 has) must all succeed, with
 * memory of other nodes; __GFP_THISNODE ones must stay on node 0, down to
 * NULL. The memory is kept until the module is unloaded, so that the test
 * can read goslab's node_fallback count meanwhile.
 *
 * mode=hotplug, for tests/selftests/goslab/hotplug_test.sh once memory
 * from hot_pfn on came online after goslab was loaded (run-vm.sh --dimm):
 * goslab_kmalloc() must hand out hot_mib MiB from there, more than the
 * slack of a span map sized at load covers (64 MiB). The test first takes
 * every free 4 MiB block below hot_pfn that the page allocator gives
 * GFP_KERNEL, so that goslab's next chunks come from the new memory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mm.h>
#include <linux/cpumask.h>
#include <linux/nodemask.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/topology.h>
#include <linux/io.h>

#include "goslab.h"

static unsigned int failed, passed;

static char *mode = "api";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "api (default), nofail (under fail_page_alloc), numa (a small node 0), hotplug (memory onlined after goslab)");

static unsigned int numa_mib;
module_param(numa_mib, uint, 0444);
MODULE_PARM_DESC(numa_mib, "mode=numa: MiB to allocate from a CPU of node 0");

static unsigned long hot_pfn;
module_param(hot_pfn, ulong, 0444);
MODULE_PARM_DESC(hot_pfn, "mode=hotplug: first page frame of the memory hot-added");

static unsigned int hot_mib = 128;
module_param(hot_mib, uint, 0444);
MODULE_PARM_DESC(hot_mib, "mode=hotplug: MiB goslab must hand out from there");

#define CHECK(cond, fmt, ...)						\
do {									\
	if (cond) {							\
		passed++;						\
	} else {							\
		failed++;						\
		pr_err("not ok: %s: " fmt "\n", #cond, ##__VA_ARGS__);	\
	}								\
} while (0)

static void check_kmalloc_sizes(void)
{
	size_t size;

	for (size = 1; size <= 64 * 1024; size += size < 256 ? 1 : 37) {
		u8 *p = goslab_kmalloc(size, GFP_KERNEL);

		CHECK(p, "kmalloc(%zu)", size);
		if (!p)
			continue;
		CHECK(goslab_ksize(p) >= size, "ksize of %zu", size);
		memset(p, 0x5a, goslab_ksize(p));
		goslab_kfree(p);
	}
	CHECK(goslab_kmalloc(0, GFP_KERNEL) == ZERO_SIZE_PTR, "size 0");
	goslab_kfree(NULL);
	goslab_kfree(ZERO_SIZE_PTR);
}

static void check_zeroing(void)
{
	u8 *p = goslab_kzalloc(300, GFP_KERNEL);

	CHECK(p && !memchr_inv(p, 0, 300), "kzalloc zeroes");
	goslab_kfree(p);
	p = goslab_kcalloc(10, 100, GFP_KERNEL);
	CHECK(p && !memchr_inv(p, 0, 1000), "kcalloc zeroes");
	goslab_kfree(p);
	CHECK(!goslab_kcalloc(SIZE_MAX / 2, 4, GFP_KERNEL), "kcalloc overflow");
}

/*
 * A krealloc() that shrinks in place zeroes the spare bytes when an
 * allocation would be zeroed: __GFP_ZERO, or init_on_alloc (on by default
 * in Debian's kernels), as 6.12's krealloc() does. goslab_ksize() makes the
 * whole slot valid again to KASAN before the bytes are read.
 */
static void check_krealloc_shrink(gfp_t gfp, const char *what)
{
	size_t usable, i, bad = 0;
	u8 *p, *q;

	p = goslab_kmalloc(200, GFP_KERNEL);
	if (!p) {
		CHECK(0, "kmalloc for krealloc (%s)", what);
		return;
	}
	usable = goslab_ksize(p);
	memset(p, 0xaa, usable);
	q = goslab_krealloc(p, 50, gfp);
	CHECK(q == p, "a shrinking krealloc stays in place (%s)", what);
	if (!q) {
		goslab_kfree(p);
		return;
	}
	CHECK(goslab_ksize(q) == usable, "usable size after the shrink (%s)", what);
	for (i = 0; i < 50; i++)
		bad += q[i] != 0xaa;
	CHECK(!bad, "krealloc kept the first 50 bytes (%s)", what);
	for (bad = 0, i = 50; i < usable; i++)
		bad += q[i] != 0;
	CHECK(!bad, "%zu of %zu spare bytes not zeroed by a shrinking krealloc (%s)",
	      bad, usable - 50, what);
	goslab_kfree(q);
}

static void check_krealloc(void)
{
	u8 *p = goslab_kmalloc(16, GFP_KERNEL), *q;
	int i;

	if (!p) {
		CHECK(0, "kmalloc for krealloc");
		return;
	}
	for (i = 0; i < 16; i++)
		p[i] = i;
	q = goslab_krealloc(p, 5000, GFP_KERNEL);
	CHECK(q && goslab_ksize(q) >= 5000, "krealloc grows");
	for (i = 0; q && i < 16; i++)
		CHECK(q[i] == i, "krealloc keeps byte %d", i);
	p = goslab_krealloc(q ? q : p, 100000, GFP_KERNEL);
	CHECK(p && p[15] == 15, "krealloc to a large object keeps contents");
	CHECK(goslab_krealloc(p, 0, GFP_KERNEL) == ZERO_SIZE_PTR,
	      "krealloc to 0 frees");
	check_krealloc_shrink(GFP_KERNEL | __GFP_ZERO, "__GFP_ZERO");
	if (want_init_on_alloc(GFP_KERNEL))
		check_krealloc_shrink(GFP_KERNEL, "init_on_alloc");
	else
		pr_info("init_on_alloc is off: krealloc's zeroing under it not checked\n");
}

static int ctor_calls;

static void ctor(void *obj)
{
	ctor_calls++;
	memset(obj, 0xc7, 48);
}

static void check_cache(void)
{
	struct goslab_cache *c;
	void *objs[100];
	int i;

	c = goslab_cache_create("selftest_ctor", 48, 64, 0, ctor);
	CHECK(c, "cache create");
	if (!c)
		return;
	CHECK(goslab_cache_size(c) >= 48, "usable size");
	for (i = 0; i < 100; i++) {
		objs[i] = goslab_cache_alloc(c, GFP_KERNEL);
		CHECK(objs[i] && IS_ALIGNED((unsigned long)objs[i], 64),
		      "object %d aligned", i);
		CHECK(objs[i] && ((u8 *)objs[i])[47] == 0xc7,
		      "constructed object %d", i);
	}
	CHECK(ctor_calls >= 100, "ctor ran for each object");
	goslab_cache_free_bulk(c, 100, objs);
	CHECK(goslab_cache_alloc_bulk(c, GFP_KERNEL, 100, objs) == 100, "bulk");
	goslab_cache_free_bulk(c, 100, objs);
	goslab_cache_destroy(c);
	CHECK(!goslab_cache_create(NULL, 10, 0, 0, NULL), "NULL name refused");
	CHECK(!goslab_cache_create("selftest_bad", 10, 3, 0, NULL),
	      "bad alignment refused");
}

static void check_nodes(void)
{
	int nid;

	for_each_node_state(nid, N_MEMORY) {
		void *p = goslab_kmalloc_node(128, GFP_KERNEL, nid);
		void *q = goslab_kmalloc_node(100000, GFP_KERNEL, nid);

		CHECK(p && page_to_nid(virt_to_page(p)) == nid,
		      "small object on node %d", nid);
		CHECK(q && page_to_nid(virt_to_page(q)) == nid,
		      "large object on node %d", nid);
		goslab_kfree(p);
		goslab_kfree(q);
	}
}

static void check_dma32(void)
{
	int i;

	for (i = 0; i < 64; i++) {
		void *p = goslab_kmalloc(200 * (i + 1), GFP_KERNEL | GFP_DMA32);

		CHECK(p && virt_to_phys(p) + 200 * (i + 1) <= (1ULL << 32),
		      "GFP_DMA32 object below 4 GiB");
		goslab_kfree(p);
	}
}

static void check_stacks(void)
{
	unsigned int size;

	for (size = 2048; size <= 1024 * 1024; size <<= 1) {
		void *p = goslab_stack_alloc(size, GFP_KERNEL);

		CHECK(p, "stack of %u", size);
		if (p) {
			memset(p, 0x11, size);
			goslab_stack_free(p, size);
		}
	}
}

/*
 * Natural alignment, as Documentation/core-api/memory-allocation.rst
 * promises for kmalloc: every object of every power-of-two size from 8 B to
 * the largest large object, enough of each to fill several spans (an
 * object in the middle of a span, or a span placed off its alignment, is
 * what goes wrong), and every stack block.
 */
#define ALIGN_CHECK_MAX		SZ_4M
#define ALIGN_CHECK_BYTES	SZ_1M
#define ALIGN_CHECK_MAX_OBJS	4096U

static void check_alignment(void)
{
	unsigned int size, i, n, bad;
	int nid;
	void **objs;

	objs = kvcalloc(ALIGN_CHECK_MAX_OBJS, sizeof(*objs), GFP_KERNEL);
	if (!objs) {
		CHECK(0, "array for the alignment checks");
		return;
	}
	for (size = 8; size <= ALIGN_CHECK_MAX; size <<= 1) {
		n = clamp(ALIGN_CHECK_BYTES / size, 4U, ALIGN_CHECK_MAX_OBJS);
		for (i = 0, bad = 0; i < n; i++) {
			objs[i] = goslab_kmalloc(size, GFP_KERNEL);
			if (!objs[i] || !IS_ALIGNED((unsigned long)objs[i], size))
				bad++;
		}
		CHECK(!bad, "%u of %u kmalloc(%u) objects NULL or not aligned to %u",
		      bad, n, size, size);
		for (i = 0; i < n; i++)
			goslab_kfree(objs[i]);
	}
	/* Past a page, on every node: the sizes whose spans need aligning. */
	for_each_node_state(nid, N_MEMORY) {
		for (size = 2 * PAGE_SIZE; size <= ALIGN_CHECK_MAX; size <<= 1) {
			n = clamp(ALIGN_CHECK_BYTES / size, 4U, ALIGN_CHECK_MAX_OBJS);
			for (i = 0, bad = 0; i < n; i++) {
				objs[i] = goslab_kmalloc_node(size, GFP_KERNEL, nid);
				if (!objs[i] ||
				    !IS_ALIGNED((unsigned long)objs[i], size))
					bad++;
			}
			CHECK(!bad, "%u of %u kmalloc_node(%u, %d) NULL or not aligned",
			      bad, n, size, nid);
			for (i = 0; i < n; i++)
				goslab_kfree(objs[i]);
		}
	}
	for (size = 2048; size <= ALIGN_CHECK_MAX; size <<= 1) {
		n = clamp(ALIGN_CHECK_BYTES / size, 4U, ALIGN_CHECK_MAX_OBJS);
		for (i = 0, bad = 0; i < n; i++) {
			objs[i] = goslab_stack_alloc(size, GFP_KERNEL);
			if (!objs[i] || !IS_ALIGNED((unsigned long)objs[i], size))
				bad++;
		}
		CHECK(!bad, "%u of %u stacks of %u NULL or not aligned", bad, n,
		      size);
		for (i = 0; i < n; i++)
			goslab_stack_free(objs[i], size);
	}
	kvfree(objs);
}

#ifdef CONFIG_FAULT_INJECTION
/*
 * A whole chunk: after the full scavenge gfp_test.sh asks for, no heap has
 * one free, so the call needs a new chunk from the buddy allocator.
 */
#define NOFAIL_BIG	SZ_4M
#define NOFAIL_SPANS	16384U

static void check_nofail(void)
{
	void *plain, *big, *stack, *node_big, *small;
	unsigned int i, n = 0;
	void **objs;
	int nid;

	objs = kvcalloc(NOFAIL_SPANS, sizeof(*objs), GFP_KERNEL);
	if (!objs) {
		CHECK(0, "array for the __GFP_NOFAIL checks");
		return;
	}
	nid = first_node(node_states[N_MEMORY]);
	current->make_it_fail = 1;
	plain = goslab_kmalloc(NOFAIL_BIG, GFP_KERNEL | __GFP_NOWARN);
	big = goslab_kmalloc(NOFAIL_BIG, GFP_KERNEL | __GFP_NOFAIL);
	stack = goslab_stack_alloc(NOFAIL_BIG, GFP_KERNEL | __GFP_NOFAIL);
	node_big = goslab_kmalloc_node(NOFAIL_BIG, GFP_KERNEL | __GFP_NOFAIL, nid);
	/*
	 * A span: take 32 KiB objects (8-page spans) without __GFP_NOFAIL
	 * until the heap has no room left for one, then one with it.
	 */
	while (n < NOFAIL_SPANS) {
		objs[n] = goslab_kmalloc(32768, GFP_KERNEL | __GFP_NOWARN);
		if (!objs[n])
			break;
		n++;
	}
	small = n < NOFAIL_SPANS ?
		goslab_kmalloc(32768, GFP_KERNEL | __GFP_NOFAIL) : NULL;
	current->make_it_fail = 0;

	CHECK(!plain, "a plain 4 MiB kmalloc fails while this task's page allocations do");
	CHECK(big, "__GFP_NOFAIL kmalloc of 4 MiB");
	CHECK(stack, "__GFP_NOFAIL stack of 4 MiB");
	CHECK(node_big && page_to_nid(virt_to_page(node_big)) == nid,
	      "__GFP_NOFAIL kmalloc_node of 4 MiB on node %d", nid);
	if (n < NOFAIL_SPANS)
		CHECK(small, "__GFP_NOFAIL kmalloc(32768) once the heap is full (%u taken before)",
		      n);
	else
		pr_info("the heap never ran out of 32 KiB objects: span case not checked\n");
	goslab_kfree(plain);
	goslab_kfree(big);
	goslab_stack_free(stack, NOFAIL_BIG);
	goslab_kfree(node_big);
	goslab_kfree(small);
	for (i = 0; i < n; i++)
		goslab_kfree(objs[i]);
	kvfree(objs);
}
#else
static void check_nofail(void)
{
	CHECK(0, "mode=nofail needs CONFIG_FAULT_INJECTION");
}
#endif

/*
 * mode=numa. Half of numa_mib MiB as 1 MiB large objects, half as 16 KiB
 * objects (spans of a kmalloc cache, through the CPU's mcache): both reach
 * the page heap of node 0, which must hand over to the other nodes' heaps
 * when node 0 is full. Kept in numa_objs until the module is unloaded.
 */
#define NUMA_SMALL	SZ_16K
static void **numa_objs;
static unsigned int numa_nobjs;

static void numa_free(void)
{
	unsigned int i;

	for (i = 0; i < numa_nobjs; i++)
		goslab_kfree(numa_objs[i]);
	kvfree(numa_objs);
	numa_objs = NULL;
	numa_nobjs = 0;
}

/* __GFP_THISNODE on a full node 0: node 0's memory or NULL, never other. */
static void check_numa_thisnode(int nid)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_THISNODE | __GFP_NOWARN;
	unsigned int i, got = 0, elsewhere = 0;
	void *p[64];

	for (i = 0; i < ARRAY_SIZE(p); i++) {
		p[i] = goslab_kmalloc_node(SZ_1M, gfp, nid);
		if (!p[i])
			break;
		got++;
		elsewhere += page_to_nid(virt_to_page(p[i])) != nid;
	}
	CHECK(!elsewhere, "%u of %u __GFP_THISNODE objects not on node %d",
	      elsewhere, got, nid);
	CHECK(got < ARRAY_SIZE(p), "__GFP_THISNODE found %u MiB more on full node %d",
	      got, nid);
	pr_info("numa: __GFP_THISNODE: %u MiB more on node %d, then NULL\n",
		got, nid);
	while (i--)
		goslab_kfree(p[i]);
}

static void check_numa(void)
{
	int nid = first_node(node_states[N_MEMORY]), cpu;
	unsigned int i, nlarge, nsmall, failed_allocs = 0;
	unsigned long local = 0, other = 0;
	size_t size;
	void *p;

	if (num_node_state(N_MEMORY) < 2 || !numa_mib) {
		CHECK(0, "mode=numa needs 2 nodes with memory and numa_mib (%d nodes, %u MiB)",
		      num_node_state(N_MEMORY), numa_mib);
		return;
	}
	nlarge = numa_mib / 2;
	nsmall = (numa_mib - nlarge) * (SZ_1M / NUMA_SMALL);
	numa_objs = kvcalloc(nlarge + nsmall, sizeof(*numa_objs), GFP_KERNEL);
	if (!numa_objs) {
		CHECK(0, "array for mode=numa");
		return;
	}
	cpu = cpumask_first(cpumask_of_node(nid));
	if (cpu >= nr_cpu_ids || set_cpus_allowed_ptr(current, cpumask_of(cpu))) {
		CHECK(0, "cannot run on a CPU of node %d", nid);
		goto out;
	}
	CHECK(numa_mem_id() == nid, "running on CPU %d of node %d", cpu, nid);
	for (i = 0; i < nlarge + nsmall; i++) {
		size = i < nlarge ? SZ_1M : NUMA_SMALL;
		p = goslab_kmalloc(size, GFP_KERNEL);
		if (!p) {
			failed_allocs++;
			continue;
		}
		numa_objs[numa_nobjs++] = p;
		if (page_to_nid(virt_to_page(p)) == nid)
			local += size;
		else
			other += size;
	}
	pr_info("numa: %u MiB asked, %u failed: %lu KiB of node %d, %lu KiB of other nodes\n",
		numa_mib, failed_allocs, local / SZ_1K, nid, other / SZ_1K);
	CHECK(!failed_allocs, "%u of %u GFP_KERNEL allocations failed", failed_allocs,
	      nlarge + nsmall);
	CHECK(other, "no memory of another node although node %d has less than %u MiB",
	      nid, numa_mib);
	/* A node-preferred request without __GFP_THISNODE falls back too. */
	p = goslab_kmalloc_node(SZ_1M, GFP_KERNEL, nid);
	CHECK(p, "kmalloc_node(1 MiB, GFP_KERNEL, %d) with node %d full", nid, nid);
	goslab_kfree(p);
	check_numa_thisnode(nid);
out:
	set_cpus_allowed_ptr(current, cpu_possible_mask);
	if (failed)
		numa_free();
}

/* mode=hotplug. */
#define HOT_ORDER	10
static void check_hotplug(void)
{
	const gfp_t take = GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN |
			   __GFP_NOMEMALLOC;
	unsigned int nheld = 0, n = 0, hot = 0, max = 4 * hot_mib + 64;
	struct page *page, *tmp;
	LIST_HEAD(held);
	void **objs;
	int nid, cpu;

	objs = kvcalloc(max, sizeof(*objs), GFP_KERNEL);
	if (!hot_pfn || !hot_mib || !objs) {
		CHECK(0, "mode=hotplug needs hot_pfn, hot_mib and an array");
		kvfree(objs);
		return;
	}
	/* On the new memory's node: its heap grows there, no other. */
	nid = pfn_to_nid(hot_pfn);
	cpu = cpumask_first(cpumask_of_node(nid));
	if (cpu >= nr_cpu_ids || set_cpus_allowed_ptr(current, cpumask_of(cpu))) {
		CHECK(0, "cannot run on a CPU of node %d", nid);
		kvfree(objs);
		return;
	}
	while (nheld < 4096) {
		page = alloc_pages(take, HOT_ORDER);
		if (!page)
			break;
		if (page_to_pfn(page) >= hot_pfn) {
			__free_pages(page, HOT_ORDER);
			break;
		}
		list_add(&page->lru, &held);
		nheld++;
	}
	while (n < max && hot < hot_mib) {
		objs[n] = goslab_kmalloc(SZ_1M, GFP_KERNEL | __GFP_NOWARN);
		if (!objs[n])
			break;
		if (page_to_pfn(virt_to_page(objs[n])) >= hot_pfn) {
			memset(objs[n], 0x5a, SZ_1M);
			hot++;
		}
		n++;
	}
	set_cpus_allowed_ptr(current, cpu_possible_mask);
	pr_info("hotplug: on CPU %d of node %d, held %u blocks of 4 MiB below pfn %#lx; %u objects of 1 MiB, %u from the memory hot-added\n",
		cpu, nid, nheld, hot_pfn, n, hot);
	CHECK(hot >= hot_mib, "%u of %u objects of 1 MiB from pfn %#lx on, %u wanted",
	      hot, n, hot_pfn, hot_mib);
	while (n--)
		goslab_kfree(objs[n]);
	kvfree(objs);
	list_for_each_entry_safe(page, tmp, &held, lru) {
		list_del(&page->lru);
		__free_pages(page, HOT_ORDER);
	}
}

static int __init selftest_init(void)
{
	if (!strcmp(mode, "nofail")) {
		check_nofail();
		goto out;
	}
	if (!strcmp(mode, "numa")) {
		check_numa();
		goto out;
	}
	if (!strcmp(mode, "hotplug")) {
		check_hotplug();
		goto out;
	}
	if (strcmp(mode, "api")) {
		pr_err("unknown mode %s\n", mode);
		return -EINVAL;
	}
	check_kmalloc_sizes();
	check_zeroing();
	check_krealloc();
	check_cache();
	check_nodes();
	check_dma32();
	check_stacks();
	check_alignment();
out:
	pr_info("%u passed, %u failed\n", passed, failed);
	return failed ? -EINVAL : 0;
}

static void __exit selftest_exit(void)
{
	numa_free();
}

module_init(selftest_init);
module_exit(selftest_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("goslab API checks for kselftest");
MODULE_INFO(test, "Y");

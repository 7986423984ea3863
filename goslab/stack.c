// SPDX-License-Identifier: GPL-2.0
/*
 * goslab stack pools: Go's stackpool and stackLarge (stack.go).
 *
 * Blocks of a power-of-two size for thread or coroutine stacks. 2 KiB to
 * 16 KiB come from one pooled cache per order (Go's stackpool; the per-CPU
 * mcache is Go's stackcache). Larger blocks are whole spans, kept after a
 * free in a list per log2 of their pages (Go's stackLarge) until the
 * background scavenger or a full scavenge gives them back. The free must name
 * the size.
 *
 * Overview: Documentation/design.rst.
 */
#include <linux/log2.h>

#include "internal.h"

#define STACK_MIN_SHIFT		11	/* 2 KiB, Go's _FixedStack */
#define STACK_POOL_ORDERS	4	/* 2, 4, 8, 16 KiB */
#define STACK_LARGE_ORDERS	(GOSLAB_CHUNK_ORDER + 1)

static struct goslab_cache *stack_pool[STACK_POOL_ORDERS];

static DEFINE_SPINLOCK(stack_large_lock);
/* Free large-stack spans by log2 of their pages; stack_large_lock. */
static struct list_head stack_large[STACK_LARGE_ORDERS];
static unsigned long stack_large_pages;

static bool stack_size_valid(unsigned int size)
{
	return is_power_of_2(size) && size >= (1U << STACK_MIN_SHIFT) &&
	       size <= (GOSLAB_CHUNK_PAGES << PAGE_SHIFT);
}

/**
 * goslab_stack_alloc() - allocate a stack block
 * @size: bytes, a power of two from 2 KiB to 4 MiB
 * @gfp: GFP flags
 *
 * Return: the block, aligned to @size, or NULL (a bad @size is reported).
 */
void *goslab_stack_alloc(unsigned int size, gfp_t gfp)
{
	unsigned int order, npages;
	struct goslab_span *s = NULL;
	unsigned long flags;

	if (!stack_size_valid(size)) {
		goslab_report(GOSLAB_BAD_ARG, "stack", NULL, _RET_IP_);
		return NULL;
	}
	order = ilog2(size) - STACK_MIN_SHIFT;
	if (order < STACK_POOL_ORDERS)
		return goslab_cache_alloc_caller(stack_pool[order], gfp,
						 NUMA_NO_NODE, size, _RET_IP_);

	npages = size >> PAGE_SHIFT;
	order = ilog2(npages);
	spin_lock_irqsave(&stack_large_lock, flags);
	s = list_first_entry_or_null(&stack_large[order], struct goslab_span,
				     list);
	if (s) {
		list_del_init(&s->list);
		stack_large_pages -= npages;
	}
	spin_unlock_irqrestore(&stack_large_lock, flags);
	if (!s) {
		s = goslab_span_alloc_one(size, gfp, NUMA_NO_NODE);
		if (!s)
			return NULL;
	}
	WRITE_ONCE(s->state, GOSLAB_SPAN_STACK);
	goslab_obj_alloc_hook(NULL, s->base, size, size, gfp, _RET_IP_);
	return s->base;
}
EXPORT_SYMBOL_GPL(goslab_stack_alloc);

/**
 * goslab_stack_free() - free a stack block
 * @p: block from goslab_stack_alloc(), or NULL
 * @size: the size it was allocated with
 *
 * A wrong @size, a pointer that is not a stack block or a block already
 * free is refused, reported and counted.
 */
void goslab_stack_free(void *p, unsigned int size)
{
	enum goslab_bad what = GOSLAB_NR_BAD;
	struct goslab_span *s;
	unsigned int order;
	unsigned long flags;

	if (!p)
		return;
	order = stack_size_valid(size) ? ilog2(size) - STACK_MIN_SHIFT : 0;
	/* As kfree(): interrupts off keep the span struct what it is. */
	local_irq_save(flags);
	s = goslab_span_of(p);
	if (!s) {
		what = GOSLAB_BAD_NOT_OURS;
	} else if (!stack_size_valid(size)) {
		what = GOSLAB_BAD_STACK_SIZE;
	} else if (order < STACK_POOL_ORDERS) {
		if (READ_ONCE(s->cache) == stack_pool[order])
			goslab_cache_free_span(stack_pool[order], s, p, _RET_IP_);
		else
			what = GOSLAB_BAD_STACK_SIZE;
	} else if (p != s->base || s->size != size ||
		   (s->state != GOSLAB_SPAN_STACK &&
		    s->state != GOSLAB_SPAN_STACK_FREE)) {
		what = GOSLAB_BAD_STACK_SIZE;
	} else {
		spin_lock(&stack_large_lock);
		if (s->state == GOSLAB_SPAN_STACK) {
			goslab_stats_free(p, size, "large", _RET_IP_);
			goslab_obj_free_hook(p, size, want_init_on_free());
			WRITE_ONCE(s->state, GOSLAB_SPAN_STACK_FREE);
			list_add(&s->list, &stack_large[ilog2(s->npages)]);
			stack_large_pages += s->npages;
		} else {
			what = GOSLAB_BAD_DOUBLE_FREE;
		}
		spin_unlock(&stack_large_lock);
	}
	local_irq_restore(flags);
	if (what != GOSLAB_NR_BAD)
		goslab_report_free(what, "stack", p, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goslab_stack_free);

/**
 * goslab_stack_release_large() - give the free large stacks to the heap
 *
 * Takes no sleeping lock: the background scavenger calls it.
 *
 * Return: pages given back.
 */
unsigned long goslab_stack_release_large(void)
{
	struct goslab_span *s, *tmp;
	unsigned long flags, pages = 0;
	unsigned int i;
	LIST_HEAD(gone);

	spin_lock_irqsave(&stack_large_lock, flags);
	for (i = 0; i < STACK_LARGE_ORDERS; i++)
		list_splice_init(&stack_large[i], &gone);
	stack_large_pages = 0;
	spin_unlock_irqrestore(&stack_large_lock, flags);
	list_for_each_entry_safe(s, tmp, &gone, list) {
		list_del(&s->list);
		pages += s->npages;
		goslab_span_free_one(s);
	}
	return pages;
}

/**
 * goslab_stack_release() - give back free large stacks and pooled spans
 *
 * Context: process context.
 * Return: pages of large stacks given back.
 */
unsigned long goslab_stack_release(void)
{
	unsigned long pages = goslab_stack_release_large();
	unsigned int i;

	for (i = 0; i < STACK_POOL_ORDERS; i++)
		goslab_cache_shrink(stack_pool[i]);
	return pages;
}

int goslab_stack_init(void)
{
	char name[GOSLAB_NAME_LEN];
	unsigned int i, size;

	for (i = 0; i < STACK_LARGE_ORDERS; i++)
		INIT_LIST_HEAD(&stack_large[i]);
	for (i = 0; i < STACK_POOL_ORDERS; i++) {
		size = 1U << (STACK_MIN_SHIFT + i);
		snprintf(name, sizeof(name), "stack-%u", size);
		stack_pool[i] = goslab_cache_create_internal(name, size,
							     min_t(unsigned int, size, PAGE_SIZE),
							     0, NULL, GOSLAB_CACHE_STACK);
		if (!stack_pool[i])
			return -ENOMEM;
	}
	return 0;
}

void goslab_stack_exit(void)
{
	unsigned int i;

	goslab_stack_release();
	for (i = 0; i < STACK_POOL_ORDERS; i++) {
		if (stack_pool[i])
			goslab_cache_destroy(stack_pool[i]);
		stack_pool[i] = NULL;
	}
}

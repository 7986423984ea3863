// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: Go's size -> class lookup (goslab/sizeclass.c) and the
 * generated table, against a linear search of the table.
 */
#include "fuzz.h"

#include "sizeclasses.h"

/* The smallest class that holds @size, or 0: the reference model. */
static unsigned int model_class(size_t size)
{
	unsigned int c;

	if (!size || size > GOSLAB_MAX_SMALL_SIZE)
		return 0;
	for (c = 1; c < GOSLAB_NUM_CLASSES; c++)
		if (goslab_classes[c].size >= size)
			return c;
	return 0;
}

/* Once: the table's own invariants, and divMagic exact on every offset. */
static void check_table(void)
{
	unsigned int c;
	unsigned long off;

	for (c = 1; c < GOSLAB_NUM_CLASSES; c++) {
		const struct goslab_class *k = &goslab_classes[c];
		unsigned long span = (unsigned long)k->npages * PAGE_SIZE;

		CHECK(k->size > goslab_classes[c - 1].size, "class %u", c);
		CHECK(k->npages >= 1 && k->npages <= GOSLAB_MAX_SPAN_PAGES, "class %u", c);
		CHECK(k->nobjs >= 1 && k->nobjs <= GOSLAB_MAX_OBJS_PER_SPAN, "class %u", c);
		CHECK(k->nobjs == span / k->size, "class %u", c);
		CHECK(k->tail_waste == span - (unsigned long)k->nobjs * k->size, "class %u", c);
		CHECK(k->tail_waste * 8 <= span, "class %u tail waste", c);
		for (off = 0; off < span; off++)
			CHECK((((u64)off * k->divmul) >> 32) == off / k->size,
			      "class %u offset %lu", c, off);
	}
	CHECK(goslab_classes[GOSLAB_NUM_CLASSES - 1].size == GOSLAB_MAX_SMALL_SIZE, "last");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static bool table_checked;
	struct input in = { data, len };

	if (!table_checked) {
		check_table();
		table_checked = true;
	}
	while (more(&in)) {
		uint64_t raw = take(&in, 4);
		/* Mostly sizes near the table, sometimes anything. */
		size_t size = raw & 1 ? raw >> 1 : (raw >> 1) % (GOSLAB_MAX_SMALL_SIZE + 2000);
		unsigned int got = goslab_size_to_class(size);

		CHECK(got == model_class(size), "size %zu: class %u, model %u",
		      size, got, model_class(size));
	}
	return 0;
}

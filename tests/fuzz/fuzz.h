/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by goslab's fuzz targets: reading the fuzzer's input as a
 * stream of integers, and failing loudly. Built with the shim (kshim.h).
 */
#ifndef _GOSLAB_FUZZ_H
#define _GOSLAB_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#include "shim/kshim.h"

struct input {
	const uint8_t *data;
	size_t len;
};

static inline bool more(const struct input *in)
{
	return in->len > 0;
}

/* The next @n bytes as a little-endian integer; zeros once input ends. */
static inline uint64_t take(struct input *in, unsigned int n)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < n && in->len; i++, in->data++, in->len--)
		v |= (uint64_t)in->data[0] << (8 * i);
	return v;
}

#define CHECK(cond, ...)						\
do {									\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__,	\
			__LINE__, #cond);				\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		abort();						\
	}								\
} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

#endif /* _GOSLAB_FUZZ_H */

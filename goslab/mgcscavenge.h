/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goslab scavenger (mgcscavenge.c, Go's mgcscavenge.go): gives idle
 * pages back to the buddy allocator.
 * Included through internal.h. Overview: Documentation/design.rst.
 */
#ifndef _GOSLAB_MGCSCAVENGE_H
#define _GOSLAB_MGCSCAVENGE_H

extern unsigned int goslab_retain_percent;
int goslab_scavenger_init(void);
void goslab_scavenger_exit(void);
unsigned long goslab_scavenge_all(void);
/* Shrinker calls, pages it freed, caches it swept, CPUs' mcaches it drained. */
extern atomic_long_t goslab_shrink_scans;
extern atomic_long_t goslab_shrink_freed;
extern atomic_long_t goslab_shrink_swept;
extern atomic_long_t goslab_shrink_drained;

#endif /* _GOSLAB_MGCSCAVENGE_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goslab debugfs (debugfs.c): /sys/kernel/debug/goslab/, an observer.
 * Included through internal.h. Overview: Documentation/design.rst.
 */
#ifndef _GOSLAB_DEBUGFS_H
#define _GOSLAB_DEBUGFS_H

int goslab_debugfs_init(void);
void goslab_debugfs_exit(void);

#endif /* _GOSLAB_DEBUGFS_H */

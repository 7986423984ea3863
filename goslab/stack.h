/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goslab stack pools (stack.c, Go's stack.go).
 * Included through internal.h. Overview: Documentation/design.rst.
 */
#ifndef _GOSLAB_STACK_H
#define _GOSLAB_STACK_H

int goslab_stack_init(void);
void goslab_stack_exit(void);
unsigned long goslab_stack_release(void);
unsigned long goslab_stack_release_large(void);

#endif /* _GOSLAB_STACK_H */

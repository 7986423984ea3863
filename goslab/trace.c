// SPDX-License-Identifier: GPL-2.0
/*
 * goslab tracepoints: the one file that creates them (see goslab_trace.h).
 * It needs goslab/ on the include path (Kbuild's ccflags-y gives it).
 *
 * Overview: Documentation/design.rst.
 */
#define CREATE_TRACE_POINTS
#include "goslab_trace.h"

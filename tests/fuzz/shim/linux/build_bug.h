/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for <linux/build_bug.h>: see ../kshim.h. */
#include "../kshim.h"

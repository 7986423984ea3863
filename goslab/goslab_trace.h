/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goslab tracepoints: goslab:goslab_alloc and goslab:goslab_free, for
 * trace-cmd, perf and tracefs. Disabled, each costs one static branch.
 *
 * Overview: Documentation/design.rst.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM goslab

#if !defined(_GOSLAB_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _GOSLAB_TRACE_H

#include <linux/tracepoint.h>
#include <linux/string.h>
#include <linux/mm.h>

/* Cache names are at most GOSLAB_NAME_LEN - 1 characters. */
#define GOSLAB_TRACE_NAME_LEN	32

TRACE_EVENT(goslab_alloc,
	    TP_PROTO(unsigned long call_site, const void *ptr,
		     const char *cache, size_t bytes_req, size_t bytes_alloc,
		     gfp_t gfp_flags),
	    TP_ARGS(call_site, ptr, cache, bytes_req, bytes_alloc, gfp_flags),
	    TP_STRUCT__entry(__field(unsigned long, call_site)
			     __field(const void *, ptr)
			     __array(char, cache, GOSLAB_TRACE_NAME_LEN)
			     __field(size_t, bytes_req)
			     __field(size_t, bytes_alloc)
			     __field(unsigned long, gfp_flags)
			     __field(int, node)),
	    TP_fast_assign(__entry->call_site = call_site;
			   __entry->ptr = ptr;
			   strscpy(__entry->cache, cache, GOSLAB_TRACE_NAME_LEN);
			   __entry->bytes_req = bytes_req;
			   __entry->bytes_alloc = bytes_alloc;
			   __entry->gfp_flags = (__force unsigned long)gfp_flags;
			   __entry->node = page_to_nid(virt_to_page(ptr))),
	    TP_printk("call_site=%pS ptr=%p cache=%s bytes_req=%zu bytes_alloc=%zu gfp_flags=%#lx node=%d",
		      (void *)__entry->call_site, __entry->ptr, __entry->cache,
		      __entry->bytes_req, __entry->bytes_alloc,
		      __entry->gfp_flags, __entry->node)
);

TRACE_EVENT(goslab_free,
	    TP_PROTO(unsigned long call_site, const void *ptr,
		     const char *cache, size_t bytes_alloc),
	    TP_ARGS(call_site, ptr, cache, bytes_alloc),
	    TP_STRUCT__entry(__field(unsigned long, call_site)
			     __field(const void *, ptr)
			     __array(char, cache, GOSLAB_TRACE_NAME_LEN)
			     __field(size_t, bytes_alloc)
			     __field(int, node)),
	    TP_fast_assign(__entry->call_site = call_site;
			   __entry->ptr = ptr;
			   strscpy(__entry->cache, cache, GOSLAB_TRACE_NAME_LEN);
			   __entry->bytes_alloc = bytes_alloc;
			   __entry->node = page_to_nid(virt_to_page(ptr))),
	    TP_printk("call_site=%pS ptr=%p cache=%s bytes_alloc=%zu node=%d",
		      (void *)__entry->call_site, __entry->ptr, __entry->cache,
		      __entry->bytes_alloc, __entry->node)
);

#endif /* _GOSLAB_TRACE_H */

/* This part must be outside the multi-read protection. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE goslab_trace
#include <trace/define_trace.h>

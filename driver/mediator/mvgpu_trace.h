/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvgpu mediator: scheduler tracepoints (events/mvgpu/ in tracefs; perf
 * and trace-cmd record them as mvgpu:*).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM mvgpu

#if !defined(_MVGPU_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MVGPU_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(mvgpu_slice_start,
	    TP_PROTO(int gpu, unsigned int engine, u64 vgpu, unsigned int ctx,
		     unsigned int prio, u64 slice_ns),
	    TP_ARGS(gpu, engine, vgpu, ctx, prio, slice_ns),
	    TP_STRUCT__entry(__field(int, gpu)
			     __field(unsigned int, engine)
			     __field(u64, vgpu)
			     __field(unsigned int, ctx)
			     __field(unsigned int, prio)
			     __field(u64, slice_ns)),
	    TP_fast_assign(__entry->gpu = gpu;
			   __entry->engine = engine;
			   __entry->vgpu = vgpu;
			   __entry->ctx = ctx;
			   __entry->prio = prio;
			   __entry->slice_ns = slice_ns;),
	    TP_printk("gpu=%d engine=%u vgpu=%llu ctx=%u prio=%u slice_ns=%llu",
		      __entry->gpu, __entry->engine, __entry->vgpu,
		      __entry->ctx, __entry->prio, __entry->slice_ns)
);

TRACE_EVENT(mvgpu_slice_end,
	    TP_PROTO(int gpu, unsigned int engine, u64 vgpu, unsigned int ctx,
		     u64 used_ns, int result, u64 commands),
	    TP_ARGS(gpu, engine, vgpu, ctx, used_ns, result, commands),
	    TP_STRUCT__entry(__field(int, gpu)
			     __field(unsigned int, engine)
			     __field(u64, vgpu)
			     __field(unsigned int, ctx)
			     __field(u64, used_ns)
			     __field(int, result)
			     __field(u64, commands)),
	    TP_fast_assign(__entry->gpu = gpu;
			   __entry->engine = engine;
			   __entry->vgpu = vgpu;
			   __entry->ctx = ctx;
			   __entry->used_ns = used_ns;
			   __entry->result = result;
			   __entry->commands = commands;),
	    TP_printk("gpu=%d engine=%u vgpu=%llu ctx=%u used_ns=%llu result=%s commands=%llu",
		      __entry->gpu, __entry->engine, __entry->vgpu,
		      __entry->ctx, __entry->used_ns,
		      __print_symbolic(__entry->result,
				       { MVGPU_RUN_IDLE, "idle" },
				       { MVGPU_RUN_PREEMPTED, "preempted" },
				       { MVGPU_RUN_WAITING, "waiting" },
				       { MVGPU_RUN_FAULT, "fault" }),
		      __entry->commands)
);

TRACE_EVENT(mvgpu_preempt,
	    TP_PROTO(int gpu, unsigned int engine, u64 victim, u64 by),
	    TP_ARGS(gpu, engine, victim, by),
	    TP_STRUCT__entry(__field(int, gpu)
			     __field(unsigned int, engine)
			     __field(u64, victim)
			     __field(u64, by)),
	    TP_fast_assign(__entry->gpu = gpu;
			   __entry->engine = engine;
			   __entry->victim = victim;
			   __entry->by = by;),
	    TP_printk("gpu=%d engine=%u vgpu=%llu preempted_by=%llu",
		      __entry->gpu, __entry->engine, __entry->victim,
		      __entry->by)
);

#endif /* _MVGPU_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE mvgpu_trace
#include <trace/define_trace.h>

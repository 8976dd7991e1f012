/* clock.h - the event loop's clock.  A loop reads the monotonic clock once
 * a pass, right after its wait (mc_clock_tick), and what runs in that pass
 * (connection timers, request start times, upstream timers and latencies)
 * reads that value (mc_clock_now_ms), as nginx's cached ngx_current_msec:
 * one clock read a pass instead of one a call, at the cost of reading a
 * time up to the pass's own work old.  A thread that runs no loop, and
 * every blocking wait, reads the clock itself (mc_clock_read_ms). */
#ifndef MC_HTTP_CLOCK_H
#define MC_HTTP_CLOCK_H

/* CLOCK_MONOTONIC in milliseconds (with the fraction), read now. */
double mc_clock_read_ms(void);
/* Read the clock and keep it as this thread's pass time; returns it. */
double mc_clock_tick(void);
/* This thread runs no loop any more: mc_clock_now_ms reads the clock. */
void mc_clock_stop(void);
/* This thread's pass time, or the clock read now when it runs no loop. */
double mc_clock_now_ms(void);

#endif

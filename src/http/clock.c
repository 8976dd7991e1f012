/* clock.c - the event loop's clock (clock.h): the pass time per thread. */
#include "http/clock.h"

#include <time.h>

static _Thread_local double pass_ms;   /* 0: this thread runs no loop */

double mc_clock_read_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

double mc_clock_tick(void)
{
    pass_ms = mc_clock_read_ms();
    return pass_ms;
}

void mc_clock_stop(void)
{
    pass_ms = 0;
}

double mc_clock_now_ms(void)
{
    return pass_ms > 0 ? pass_ms : mc_clock_read_ms();
}

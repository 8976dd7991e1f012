/* cron.h - Quartz cron expressions for <task> triggers (cron.c). */
#ifndef MC_CONFIG_CRON_H
#define MC_CONFIG_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct mc_cron {
    uint64_t bits[7][3];   /* per field: the values allowed, from the field's low bound */
    bool any[7];           /* '?' (day-of-month, day-of-week) */
} mc_cron;

/* Parse expr; false with why filled when it is not a cron expression
 * mediac runs. */
bool mc_cron_parse(mc_cron *c, const char *expr, char *why, size_t cap);
/* The first time after `after` the expression fires (local time); 0 when
 * none within eight years. */
time_t mc_cron_next(const mc_cron *c, time_t after);

#endif

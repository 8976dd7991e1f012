/* test_cron.c - unit tests for Quartz cron expressions (<task> triggers):
 * the next firing times of steps, ranges, lists, names, '?' and years, in
 * UTC, exactly; and the expressions refused, with their reasons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "config/cron.h"

/* The next n firing times after t, as "YYYY-MM-DD Www HH:MM:SS;..." */
static const char *fires(const char *expr, time_t t, int n)
{
    static char out[512];
    mc_cron c;
    char why[200];
    assert_true(mc_cron_parse(&c, expr, why, sizeof why));
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        t = mc_cron_next(&c, t);
        struct tm tm;
        gmtime_r(&t, &tm);
        char b[40];
        strftime(b, sizeof b, "%Y-%m-%d %a %H:%M:%S;", &tm);
        strcat(out, b);
    }
    return out;
}

static const char *refusal(const char *expr)
{
    static char why[200];
    mc_cron c;
    assert_false(mc_cron_parse(&c, expr, why, sizeof why));
    return why;
}

static void test_next(void **state)
{
    (void)state;
    const time_t t = 1780000000; /* 2026-05-28 Thu 20:26:40 UTC */
    assert_string_equal(fires("0/20 * * * * ?", t, 3),
                        "2026-05-28 Thu 20:27:00;2026-05-28 Thu 20:27:20;2026-05-28 Thu 20:27:40;");
    assert_string_equal(fires("0 15 10 ? * MON-FRI", t, 3),
                        "2026-05-29 Fri 10:15:00;2026-06-01 Mon 10:15:00;2026-06-02 Tue 10:15:00;");
    assert_string_equal(fires("0 0 12 1,15 * ?", t, 3),
                        "2026-06-01 Mon 12:00:00;2026-06-15 Mon 12:00:00;2026-07-01 Wed 12:00:00;");
    assert_string_equal(fires("0 0 0 29 FEB ? *", t, 2),
                        "2028-02-29 Tue 00:00:00;2032-02-29 Sun 00:00:00;");
    assert_string_equal(fires("30 */30 9-10 ? * 1 2026-2027", t, 3),
                        "2026-05-31 Sun 09:00:30;2026-05-31 Sun 09:30:30;2026-05-31 Sun 10:00:30;");
    mc_cron c;
    char why[200];
    assert_true(mc_cron_parse(&c, "0 0 0 1 1 ? 2020", why, sizeof why));
    assert_int_equal(mc_cron_next(&c, t), 0);   /* in the past: never */
}

static void test_refused(void **state)
{
    (void)state;
    assert_string_equal(refusal("0 0 * * * *"),
                        "exactly one of day-of-month and day-of-week must be '?'");
    assert_string_equal(refusal("0 0 12 ? * 6L"),
                        "bad day of week field '6L' (values 1-7 or SUN-SAT; L, W and # are "
                        "not supported)");
    assert_string_equal(refusal("0 61 * * * ?"),
                        "bad minutes field '61' (values 0-59; L, W and # are not supported)");
    assert_string_equal(refusal("1 2 3"),
                        "a cron expression has 6 or 7 fields (seconds minutes hours "
                        "day-of-month month day-of-week [year]), not 3");
    assert_string_equal(refusal("? * * * * ?"),
                        "'?' is only for the day-of-month and day-of-week fields");
    assert_string_equal(refusal("0 0 0 1 1 ? 2020 x"),
                        "a cron expression has 6 or 7 fields, not more");
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_next),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

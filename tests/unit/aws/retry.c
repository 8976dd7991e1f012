/* retry.c - unit tests of the AWS retry modes: which answers are retried
 * in standard and legacy mode, max attempts from the environment and the
 * profile, the backoff bounds (up to min(2^(attempt-1), 20) s), the retry
 * quota (500, 5 a retry, 10 after a timeout, given back on success). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/retry.h"
#include "../test_tmpdir.h"

static void clear_env(void)
{
    unsetenv("AWS_RETRY_MODE");
    unsetenv("AWS_MAX_ATTEMPTS");
    unsetenv("AWS_PROFILE");
    setenv("AWS_CONFIG_FILE", "/nonexistent/mediac-retry/config", 1);
}

static bool decide(mc_aws_retry *r, int status, const char *code, int attempts, long *ms,
                   int *taken)
{
    mc_aws_attempt a = {.status = status, .error_code = code, .attempts = attempts};
    return mc_aws_retry_decide(r, &a, ms, taken);
}

static void test_standard_defaults_and_what_is_retried(void **state)
{
    (void)state;
    clear_env();
    mc_aws_retry r;
    mc_aws_retry_init(&r, NULL);
    assert_int_equal(r.mode, MC_RETRY_STANDARD);
    assert_int_equal(r.max_attempts, 3);
    long ms;
    int taken = 0;
    static const int yes[] = {500, 502, 503, 504};
    for (size_t i = 0; i < 4; i++)
        assert_true(decide(&r, yes[i], NULL, 1, &ms, &taken));
    assert_true(decide(&r, 400, "ThrottlingException", 1, &ms, &taken));
    assert_true(decide(&r, 429, "TooManyRequestsException", 1, &ms, &taken));
    assert_true(decide(&r, 400, "RequestTimeoutException", 1, &ms, &taken));
    assert_true(decide(&r, 400, "PriorRequestNotComplete", 1, &ms, &taken));
    assert_false(decide(&r, 400, "InvalidParameterValueException", 1, &ms, &taken));
    assert_false(decide(&r, 404, "ResourceNotFoundException", 1, &ms, &taken));
    assert_false(decide(&r, 501, NULL, 1, &ms, &taken));
    assert_false(decide(&r, 429, NULL, 1, &ms, &taken));   /* standard: the code counts */
    assert_false(decide(&r, 503, NULL, 3, &ms, &taken));   /* attempts used up */
    mc_aws_attempt fault = {.transport_fault = true, .attempts = 1};
    assert_true(mc_aws_retry_decide(&r, &fault, &ms, &taken));
    assert_true(mc_aws_retry_code(MC_RETRY_STANDARD, "SlowDown"));
    assert_false(mc_aws_retry_code(MC_RETRY_LEGACY, "RequestLimitExceeded"));
    mc_aws_retry_destroy(&r);
}

static void test_backoff_bounds(void **state)
{
    (void)state;
    clear_env();
    setenv("AWS_MAX_ATTEMPTS", "20", 1);
    mc_aws_retry r;
    mc_aws_retry_init(&r, NULL);
    assert_int_equal(r.max_attempts, 20);
    assert_string_equal(r.source, "AWS_MAX_ATTEMPTS");
    long max_seen[8] = {0};
    for (int n = 0; n < 2000; n++) {
        for (int attempt = 1; attempt <= 7; attempt++) {
            long ms = -1;
            int taken = 0;
            r.quota = MC_RETRY_QUOTA;
            assert_true(decide(&r, 503, NULL, attempt, &ms, &taken));
            long cap = (1L << (attempt - 1)) * 1000;
            if (cap > MC_RETRY_MAX_BACKOFF_MS)
                cap = MC_RETRY_MAX_BACKOFF_MS;
            assert_true(ms >= 0 && ms <= cap);
            if (ms > max_seen[attempt])
                max_seen[attempt] = ms;
        }
    }
    /* full jitter: the waits reach well into their range */
    assert_true(max_seen[1] > 800 && max_seen[3] > 3200 && max_seen[7] > 15000);
    mc_aws_retry_destroy(&r);
}

static void test_quota(void **state)
{
    (void)state;
    clear_env();
    mc_aws_retry r;
    mc_aws_retry_init(&r, NULL);
    long ms;
    int taken = 0, retries = 0;
    while (decide(&r, 500, NULL, 1, &ms, &taken))
        retries++;
    assert_int_equal(retries, MC_RETRY_QUOTA / MC_RETRY_COST);   /* 100 */
    assert_int_equal(r.quota, 0);
    /* a success gives 1 back (no retries of its own)... */
    mc_aws_retry_success(&r, 0);
    assert_int_equal(r.quota, 1);
    assert_false(decide(&r, 500, NULL, 1, &ms, &taken));
    /* ... or what its retries took */
    mc_aws_retry_success(&r, 10);
    assert_int_equal(r.quota, 11);
    taken = 0;
    mc_aws_attempt timeout = {.transport_fault = true, .timeout = true, .attempts = 1};
    assert_true(mc_aws_retry_decide(&r, &timeout, &ms, &taken));
    assert_int_equal(taken, MC_RETRY_TIMEOUT_COST);
    assert_int_equal(r.quota, 1);
    for (int i = 0; i < 1000; i++)
        mc_aws_retry_success(&r, 0);
    assert_int_equal(r.quota, MC_RETRY_QUOTA);            /* capped */
    mc_aws_retry_destroy(&r);
}

static void test_legacy_and_profile_settings(void **state)
{
    (void)state;
    clear_env();
    setenv("AWS_RETRY_MODE", "legacy", 1);
    mc_aws_retry r;
    mc_aws_retry_init(&r, NULL);
    assert_int_equal(r.mode, MC_RETRY_LEGACY);
    assert_int_equal(r.max_attempts, 5);
    long ms;
    int taken = 0;
    assert_true(decide(&r, 429, NULL, 1, &ms, &taken));
    assert_true(decide(&r, 509, NULL, 1, &ms, &taken));
    assert_false(decide(&r, 502, NULL, 1, &ms, &taken));
    assert_false(decide(&r, 400, "TooManyRequestsException", 1, &ms, &taken));
    assert_int_equal(taken, 0);                         /* no quota in legacy */
    mc_aws_retry_destroy(&r);

    /* the profile's retry_mode and max_attempts when the environment is silent */
    clear_env();
    char path[256];
    int fd = mc_test_tmpfile(path, sizeof path, "retry-cfg");
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("[profile fast]\nretry_mode = adaptive\nmax_attempts = 7\n", f);
    fclose(f);
    setenv("AWS_CONFIG_FILE", path, 1);
    setenv("AWS_PROFILE", "fast", 1);
    mc_aws_retry_init(&r, NULL);
    assert_int_equal(r.mode, MC_RETRY_ADAPTIVE);
    assert_int_equal(r.max_attempts, 7);
    assert_string_equal(r.source, "max_attempts");
    mc_aws_retry_destroy(&r);
    setenv("AWS_MAX_ATTEMPTS", "1", 1);                 /* the environment wins */
    mc_aws_retry_init(&r, NULL);
    assert_int_equal(r.max_attempts, 1);
    assert_false(decide(&r, 503, NULL, 1, &ms, &taken));
    mc_aws_retry_destroy(&r);
    unlink(path);
    clear_env();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standard_defaults_and_what_is_retried),
        cmocka_unit_test(test_backoff_bounds),
        cmocka_unit_test(test_quota),
        cmocka_unit_test(test_legacy_and_profile_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

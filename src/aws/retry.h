/* retry.h - the AWS SDKs' retry modes, decided per answer.
 *
 * AWS_RETRY_MODE (else retry_mode in the profile): standard (default),
 * legacy or adaptive (standard here: mediac has no client-side rate
 * limiter).  AWS_MAX_ATTEMPTS (else max_attempts in the profile) counts
 * every try, the first included: default 3 (standard), 5 (legacy); 1 means
 * no retry.
 *
 * standard (botocore retries/standard.py): a connection failure or
 * timeout, HTTP 500/502/503/504, a transient error code (RequestTimeout,
 * RequestTimeoutException, PriorRequestNotComplete) or a throttling code
 * (Throttling, ThrottlingException, TooManyRequestsException, ...) is
 * retried after a random wait of up to min(2^(attempt-1), 20) seconds, while
 * the retry quota lasts: it starts at 500, a retry takes 5 (10 after a
 * timeout), a success gives back what its retries took, or 1.
 *
 * legacy (botocore's _retry.json): connection failures, 500, 503, 509, 429
 * and the throttling codes; waits random * 2^(attempt-1) seconds; no quota. */
#ifndef MC_AWS_RETRY_H
#define MC_AWS_RETRY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "aws/credentials.h"

typedef enum mc_retry_mode {
    MC_RETRY_STANDARD = 0,
    MC_RETRY_LEGACY,
    MC_RETRY_ADAPTIVE,
} mc_retry_mode;

#define MC_RETRY_QUOTA 500
#define MC_RETRY_COST 5
#define MC_RETRY_TIMEOUT_COST 10
#define MC_RETRY_MAX_BACKOFF_MS 20000
#define MC_RETRY_MAX_ATTEMPTS_LIMIT 20

typedef struct mc_aws_retry {
    mc_retry_mode mode;
    int max_attempts;
    char source[64];             /* "AWS_MAX_ATTEMPTS", "default", ... */
    pthread_mutex_t lock;        /* quota and rng */
    atomic_int quota;            /* read without the lock on success */
    uint64_t rng;
} mc_aws_retry;

/* One answer: status 0 with a transport fault (timeout: it timed out). */
typedef struct mc_aws_attempt {
    int status;
    const char *error_code;      /* the AWS error code, or NULL */
    bool transport_fault;
    bool timeout;
    int attempts;                /* tries made so far, this one included */
} mc_aws_attempt;

/* Mode and attempts from x's environment and profile. */
void mc_aws_retry_init(mc_aws_retry *r, const mc_aws_settings *x);
void mc_aws_retry_destroy(mc_aws_retry *r);

/* Should the attempt be retried?  When yes, *delay_ms is the wait and
 * *taken grows by the quota the retry took (standard mode). */
bool mc_aws_retry_decide(mc_aws_retry *r, const mc_aws_attempt *a, long *delay_ms, int *taken);
/* A request succeeded: its retries' quota (taken) comes back, or 1. */
void mc_aws_retry_success(mc_aws_retry *r, int taken);
/* Is code one of the throttling or transient codes? (tests) */
bool mc_aws_retry_code(mc_retry_mode mode, const char *code);

#endif

/* retry.c - the standard and legacy retry modes of the AWS SDKs: which
 * answers are retried, how long to wait, and the retry quota. */
#include "aws/retry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const char *const throttling_codes[] = {
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException",
    "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
    "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
    "EC2ThrottledException", NULL,
};
static const char *const transient_codes[] = {
    "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete", NULL,
};
/* botocore's _retry.json "throttling" policy */
static const char *const legacy_codes[] = {
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "ProvisionedThroughputExceededException", NULL,
};

static bool listed(const char *const *list, const char *code)
{
    for (; code && *list; list++)
        if (strcmp(*list, code) == 0)
            return true;
    return false;
}

bool mc_aws_retry_code(mc_retry_mode mode, const char *code)
{
    if (mode == MC_RETRY_LEGACY)
        return listed(legacy_codes, code);
    return listed(throttling_codes, code) || listed(transient_codes, code);
}

static const char *setting(const mc_aws_settings *x, const char *var, const char *key,
                           char *buf, size_t n, const char **src)
{
    const char *v = mc_aws_env_get(x ? x->env : NULL, var);
    if (v) {
        *src = var;
        return v;
    }
    if (mc_aws_profile_setting(x, key, buf, n)) {
        *src = key;
        return buf;
    }
    return NULL;
}

void mc_aws_retry_init(mc_aws_retry *r, const mc_aws_settings *x)
{
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->lock, NULL);
    r->quota = MC_RETRY_QUOTA;
    r->rng = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ull ^ (uint64_t)getpid() ^
             (uint64_t)(uintptr_t)r;
    char buf[64];
    const char *src = "default";
    const char *mode = setting(x, "AWS_RETRY_MODE", "retry_mode", buf, sizeof buf, &src);
    if (mode && strcasecmp(mode, "legacy") == 0)
        r->mode = MC_RETRY_LEGACY;
    else if (mode && strcasecmp(mode, "adaptive") == 0)
        r->mode = MC_RETRY_ADAPTIVE;
    r->max_attempts = r->mode == MC_RETRY_LEGACY ? 5 : 3;
    src = "default";
    const char *n = setting(x, "AWS_MAX_ATTEMPTS", "max_attempts", buf, sizeof buf, &src);
    char *end = NULL;
    long v = n ? strtol(n, &end, 10) : 0;
    if (n && *end == '\0' && v >= 1) {
        r->max_attempts = v > MC_RETRY_MAX_ATTEMPTS_LIMIT ? MC_RETRY_MAX_ATTEMPTS_LIMIT
                                                          : (int)v;
        snprintf(r->source, sizeof r->source, "%s", src);
    } else {
        snprintf(r->source, sizeof r->source, "default");
    }
}

void mc_aws_retry_destroy(mc_aws_retry *r)
{
    pthread_mutex_destroy(&r->lock);
}

/* xorshift64*, under the lock */
static double uniform(mc_aws_retry *r)
{
    r->rng ^= r->rng >> 12;
    r->rng ^= r->rng << 25;
    r->rng ^= r->rng >> 27;
    return (double)((r->rng * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0;
}

static bool retryable(const mc_aws_retry *r, const mc_aws_attempt *a)
{
    if (a->transport_fault)
        return true;
    if (r->mode == MC_RETRY_LEGACY)
        return a->status == 500 || a->status == 503 || a->status == 509 ||
               a->status == 429 || listed(legacy_codes, a->error_code);
    return a->status == 500 || a->status == 502 || a->status == 503 || a->status == 504 ||
           listed(throttling_codes, a->error_code) || listed(transient_codes, a->error_code);
}

bool mc_aws_retry_decide(mc_aws_retry *r, const mc_aws_attempt *a, long *delay_ms, int *taken)
{
    if (a->attempts >= r->max_attempts || !retryable(r, a))
        return false;
    pthread_mutex_lock(&r->lock);
    bool ok = true;
    if (r->mode != MC_RETRY_LEGACY) {
        int cost = a->timeout ? MC_RETRY_TIMEOUT_COST : MC_RETRY_COST;
        ok = r->quota >= cost;
        if (ok) {
            r->quota -= cost;
            *taken += cost;
        }
    }
    double x = uniform(r) * (double)(1u << (a->attempts - 1 < 30 ? a->attempts - 1 : 30));
    pthread_mutex_unlock(&r->lock);
    long ms = (long)(x * 1000.0);
    if (r->mode != MC_RETRY_LEGACY && ms > MC_RETRY_MAX_BACKOFF_MS)
        ms = MC_RETRY_MAX_BACKOFF_MS;
    *delay_ms = ms;
    return ok;
}

void mc_aws_retry_success(mc_aws_retry *r, int taken)
{
    if (r->mode == MC_RETRY_LEGACY)
        return;
    /* the common case, a first try with the quota full, changes nothing:
     * no lock (a cache line every worker would write on every answer) */
    if (!taken && atomic_load_explicit(&r->quota, memory_order_relaxed) >= MC_RETRY_QUOTA)
        return;
    pthread_mutex_lock(&r->lock);
    r->quota += taken ? taken : 1;
    if (r->quota > MC_RETRY_QUOTA)
        r->quota = MC_RETRY_QUOTA;
    pthread_mutex_unlock(&r->lock);
}

/* context.h - what the AWS layer keeps for one loaded configuration,
 * shared by all threads that run it:
 *
 * - the environment snapshot (env.h), taken when the context is made;
 * - the credentials cache: the chain (credentials.h) runs once per
 *   profile, its answer is kept and refreshed before it expires, as
 *   botocore does: from 15 minutes before expiry one caller refreshes
 *   while the others keep using the current keys; from 10 minutes before,
 *   callers wait for the refresh.  A failed lookup is remembered for a few
 *   seconds so a misconfigured server does not retry the chain on every
 *   request;
 * - the retry policy (retry.h) with its retry quota.
 *
 * Credentials given explicitly (the connection's keys) are not cached. */
#ifndef MC_AWS_CONTEXT_H
#define MC_AWS_CONTEXT_H

#include "aws/credentials.h"
#include "aws/endpoint.h"
#include "aws/retry.h"

#define MC_AWS_ADVISORY_REFRESH_S (15 * 60)
#define MC_AWS_MANDATORY_REFRESH_S (10 * 60)
#define MC_AWS_FAILURE_TTL_S 5

typedef struct mc_aws_context_opts {
    mc_aws_fetch_fn fetch;       /* HTTP for STS, container, IMDS */
    void *fetch_ud;
    const char *container_base;  /* NULL: http://169.254.170.2 */
} mc_aws_context_opts;

typedef struct mc_aws_context mc_aws_context;

/* Captures the environment now.  NULL when out of memory. */
mc_aws_context *mc_aws_context_new(const mc_aws_context_opts *o);
void mc_aws_context_free(mc_aws_context *c);

/* Complete x (from the connection) with the context's environment and
 * HTTP access. */
void mc_aws_context_settings(const mc_aws_context *c, mc_aws_settings *x);

/* Credentials for x: its explicit keys (borrowed: valid while x's strings
 * are), else a copy of the cached chain for its profile.  The caller
 * clears out either way. */
mc_code mc_aws_context_credentials(mc_aws_context *c, const mc_aws_settings *x,
                                   mc_aws_credentials *out, mc_err *err);
/* The same, copying cached keys into room[cap] when they fit there (the
 * per-request path: no heap copy; mc_aws_credentials_clear wipes room). */
mc_code mc_aws_context_credentials_in(mc_aws_context *c, const mc_aws_settings *x,
                                      mc_aws_credentials *out, char *room, size_t cap,
                                      mc_err *err);

/* The region for x (its own, else the environment's or the profile's),
 * and the endpoint of a service, each resolved once and kept: requests do
 * not read the environment or the config file. */
mc_code mc_aws_context_region(mc_aws_context *c, const mc_aws_settings *x, char *out,
                              size_t outsz, mc_err *err);
mc_code mc_aws_context_endpoint(mc_aws_context *c, const char *explicit_url,
                                const char *service, const char *region,
                                mc_aws_endpoint *out, mc_err *err);

/* How many times the chain ran (tests, metrics). */
unsigned long mc_aws_context_chain_runs(const mc_aws_context *c);

mc_aws_retry *mc_aws_context_retry(mc_aws_context *c);

#endif

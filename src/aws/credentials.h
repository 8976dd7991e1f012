/* credentials.h - AWS credentials and region: explicit values from the
 * connection first, then the standard chain the AWS SDKs use.
 *
 * Credentials, first source that is configured wins (botocore's order):
 *   1. the connection's accessKeyId/secretAccessKey[/sessionToken];
 *   2. AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (not
 *      when the connection names a profile);
 *   3. an assume-role profile: role_arn with source_profile (chained up to
 *      four deep) or credential_source (Environment, EcsContainer,
 *      Ec2InstanceMetadata): STS AssumeRole signed with the source's keys;
 *   4. web identity: AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE (or the
 *      profile's role_arn + web_identity_token_file): STS
 *      AssumeRoleWithWebIdentity;
 *   5. the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, default
 *      ~/.aws/credentials), section [PROFILE];
 *   6. the profile's credential_process (its JSON output);
 *   7. the config file (AWS_CONFIG_FILE, default ~/.aws/config), section
 *      [profile PROFILE] ([default] for the default profile);
 *   8. container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on
 *      169.254.170.2) or _FULL_URI, with AWS_CONTAINER_AUTHORIZATION_TOKEN
 *      or _TOKEN_FILE;
 *   9. EC2 instance metadata (IMDSv2: a session token, then the role's
 *      credentials), unless AWS_EC2_METADATA_DISABLED=true.
 * PROFILE is the connection's profile, else AWS_PROFILE, else
 * AWS_DEFAULT_PROFILE, else "default".  A source that is configured but
 * fails (a key id without a secret, an unreadable token file, STS
 * refusing) is an error naming it, not skipped; when no source is
 * configured the error lists every source tried and why it gave nothing.
 *
 * Sources 3, 4, 8 and 9 need HTTP: the caller supplies it (fetch); without
 * it they are reported as not tried.  Their credentials expire; the cache
 * (credcache.h) refreshes them.
 *
 * Region: the connection's, else AWS_REGION, else AWS_DEFAULT_REGION, else
 * "region" in the profile of the config file.
 *
 * Error messages name sources, files, profiles and missing keys; they never
 * contain a secret key, session token or web identity token. */
#ifndef MC_AWS_CREDENTIALS_H
#define MC_AWS_CREDENTIALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/env.h"
#include "util/buf.h"
#include "util/error.h"

/* An HTTP exchange a credential source needs (STS, container endpoint,
 * instance metadata).  headers: name, value, name, value, ... */
typedef struct mc_aws_fetch_req {
    const char *method;
    const char *url;
    const char *const *headers;
    size_t nheaders;             /* pairs */
    const char *body;
    size_t body_len;
    long timeout_ms;
} mc_aws_fetch_req;

/* Send req; *status (0 when no answer) and body filled.  MC_OK when an
 * HTTP answer came back (any status), else err says why. */
typedef mc_code (*mc_aws_fetch_fn)(void *ud, const mc_aws_fetch_req *req, int *status,
                                   mc_buf *body, mc_err *err);

/* What the connection says; NULL or "" means not given. */
typedef struct mc_aws_settings {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;
    const char *region;
    const char *profile;
    const char *endpoint;
    const mc_aws_env *env;       /* the environment snapshot; NULL: live */
    mc_aws_fetch_fn fetch;       /* NULL: the HTTP sources are not tried */
    void *fetch_ud;
    /* where AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is resolved; NULL:
     * http://169.254.170.2 (tests point it at a local stand-in) */
    const char *container_base;
} mc_aws_settings;

typedef struct mc_aws_credentials {
    char *access_key_id;
    char *secret_access_key;
    char *session_token;       /* NULL for long-term keys */
    int64_t expires;           /* epoch seconds; 0: does not expire */
    bool borrowed;             /* the keys are the caller's strings (not
                                  copied, not wiped by clear) */
    char *room;                /* or: copied into this caller storage
                                  (mc_aws_credentials_copy_into); clear
                                  wipes its first room_used bytes */
    size_t room_used;
    char source[192];          /* e.g. "environment", "profile dev in
                                  /home/u/.aws/credentials" */
} mc_aws_credentials;

/* x may be NULL.  On success out owns heap copies; free with
 * mc_aws_credentials_clear() (which also wipes them). */
mc_code mc_aws_credentials_resolve(const mc_aws_settings *x,
                                   mc_aws_credentials *out, mc_err *err);
void mc_aws_credentials_clear(mc_aws_credentials *c);
/* As mc_aws_credentials_resolve, except that keys given in x itself are
 * borrowed rather than copied (out->borrowed): out is then valid while x's
 * strings are.  The per-request path of explicit keys: no allocation. */
mc_code mc_aws_credentials_view(const mc_aws_settings *x, mc_aws_credentials *out,
                                mc_err *err);
/* A heap copy of src (wiped by mc_aws_credentials_clear). */
mc_code mc_aws_credentials_copy(mc_aws_credentials *dst, const mc_aws_credentials *src);
/* The same into room[cap] when the keys fit there (no heap: a request's
 * copy of cached keys), else on the heap; mc_aws_credentials_clear wipes
 * either.  room must outlive dst. */
mc_code mc_aws_credentials_copy_into(mc_aws_credentials *dst, const mc_aws_credentials *src,
                                     char *room, size_t cap);

/* Region into out[outsz]; source (may be NULL) gets where it came from. */
mc_code mc_aws_region_resolve(const mc_aws_settings *x, char *out,
                              size_t outsz, char *source, size_t sourcesz,
                              mc_err *err);

/* The profile in use: the connection's, AWS_PROFILE, AWS_DEFAULT_PROFILE,
 * else "default". */
const char *mc_aws_profile_name(const mc_aws_settings *x);
/* A setting of that profile in the config file ("max_attempts",
 * "retry_mode", ...) into out; false when absent. */
bool mc_aws_profile_setting(const mc_aws_settings *x, const char *key, char *out,
                            size_t outsz);

#endif

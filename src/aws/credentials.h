/* credentials.h - AWS credentials and region: explicit values from the
 * connection first, then the SDKs' standard chain.
 *
 * Credentials, first match wins:
 *   1. the connection's accessKeyId/secretAccessKey[/sessionToken];
 *   2. AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;
 *   3. the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, default
 *      ~/.aws/credentials), section [PROFILE];
 *   4. the config file (AWS_CONFIG_FILE, default ~/.aws/config), section
 *      [profile PROFILE] ([default] for the default profile).
 * PROFILE is the connection's profile, else AWS_PROFILE, else
 * AWS_DEFAULT_PROFILE, else "default".  A source that gives a key id
 * without a secret (or the reverse) is an error, not skipped.
 *
 * Region: the connection's, else AWS_REGION, else AWS_DEFAULT_REGION, else
 * "region" in the profile of the config file.
 *
 * Error messages name sources, files, profiles and missing keys; they never
 * contain a secret key or session token. */
#ifndef MC_AWS_CREDENTIALS_H
#define MC_AWS_CREDENTIALS_H

#include <stddef.h>

#include "util/error.h"

/* What the connection says; NULL or "" means not given. */
typedef struct mc_aws_settings {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;
    const char *region;
    const char *profile;
    const char *endpoint;
} mc_aws_settings;

typedef struct mc_aws_credentials {
    char *access_key_id;
    char *secret_access_key;
    char *session_token;       /* NULL for long-term keys */
    char source[192];          /* e.g. "environment", "profile dev in
                                  /home/u/.aws/credentials" */
} mc_aws_credentials;

/* x may be NULL.  On success out owns heap copies; free with
 * mc_aws_credentials_clear() (which also wipes them). */
mc_code mc_aws_credentials_resolve(const mc_aws_settings *x,
                                   mc_aws_credentials *out, mc_err *err);
void mc_aws_credentials_clear(mc_aws_credentials *c);

/* Region into out[outsz]; source (may be NULL) gets where it came from. */
mc_code mc_aws_region_resolve(const mc_aws_settings *x, char *out,
                              size_t outsz, char *source, size_t sourcesz,
                              mc_err *err);

#endif

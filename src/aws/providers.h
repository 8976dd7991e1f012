/* providers.h - the credential sources that are more than a lookup:
 * STS (AssumeRole, AssumeRoleWithWebIdentity), the container credentials
 * endpoint, EC2 instance metadata and credential_process.  Internal to
 * src/aws/ (credentials.c runs the chain).
 *
 * Each returns MC_OK with out filled, MC_ENOTFOUND when the source is not
 * configured (why: appended to tried), or an error naming the source. */
#ifndef MC_AWS_PROVIDERS_H
#define MC_AWS_PROVIDERS_H

#include "aws/credentials.h"

/* Limits on what a source may answer. */
#define MC_AWS_SOURCE_MAX_BYTES (64 * 1024)

typedef struct mc_aws_role {
    const char *role_arn;
    const char *session_name;    /* NULL: "mediac-<epoch>" */
    const char *external_id;     /* AssumeRole only */
    const char *duration;        /* seconds, or NULL */
    const char *region;          /* for the STS endpoint; NULL: global */
} mc_aws_role;

mc_code mc_aws_sts_assume_role(const mc_aws_settings *x, const mc_aws_credentials *source,
                               const mc_aws_role *role, mc_aws_credentials *out,
                               mc_err *err);
mc_code mc_aws_sts_web_identity(const mc_aws_settings *x, const mc_aws_role *role,
                                const char *token_file, mc_aws_credentials *out,
                                mc_err *err);
mc_code mc_aws_container_credentials(const mc_aws_settings *x, mc_buf *tried,
                                     mc_aws_credentials *out, mc_err *err);
mc_code mc_aws_imds_credentials(const mc_aws_settings *x, mc_buf *tried,
                                mc_aws_credentials *out, mc_err *err);
mc_code mc_aws_process_credentials(const char *command, const char *profile,
                                   mc_aws_credentials *out, mc_err *err);

/* The JSON the container endpoint, IMDS and credential_process answer:
 * AccessKeyId, SecretAccessKey, Token or SessionToken, Expiration. */
mc_code mc_aws_parse_json_credentials(const char *what, const char *body, size_t len,
                                      mc_aws_credentials *out, mc_err *err);

#endif

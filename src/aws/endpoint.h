/* endpoint.h - where an AWS service is reached, as the SDKs decide it.
 *
 * Precedence: the connection's endpoint; AWS_ENDPOINT_URL_<SERVICE> (the
 * service id upper-cased, spaces and '-' as '_', e.g.
 * AWS_ENDPOINT_URL_LAMBDA); AWS_ENDPOINT_URL; else
 * https://<service>.<region>.amazonaws.com (".amazonaws.com.cn" in cn-*
 * regions).  AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true skips the two
 * variables.
 *
 * The URL is split into scheme, host, port and base path.  host_header is
 * what must be sent as Host and signed: the host, with ":port" when the
 * port is not the scheme's default.  Requests go to
 * url + base_path-relative operation path, i.e. the wire path to sign is
 * base_path followed by the operation's path. */
#ifndef MC_AWS_ENDPOINT_H
#define MC_AWS_ENDPOINT_H

#include <stdbool.h>

#include "aws/env.h"
#include "util/error.h"

typedef struct mc_aws_endpoint {
    char scheme[8];            /* "https" or "http" */
    char host[256];            /* lower-case name, or "[v6 literal]" */
    int port;                  /* port contacted (explicit or default) */
    bool default_port;         /* port is the scheme's default */
    char host_header[272];     /* host or host:port */
    char base_path[512];       /* "" or "/prefix" (no trailing '/') */
    char url[1024];            /* scheme://host_header + base_path */
    char source[96];           /* "connection", "AWS_ENDPOINT_URL", ... */
} mc_aws_endpoint;

/* Parse an absolute http(s) URL without user info, query or fragment. */
mc_code mc_aws_endpoint_parse(const char *url, mc_aws_endpoint *out,
                              mc_err *err);

/* explicit_url may be NULL or "".  service_id: "lambda", "s3", ...  The
 * variables come from env (NULL: the live environment). */
mc_code mc_aws_endpoint_resolve(const mc_aws_env *env, const char *explicit_url,
                                const char *service_id, const char *region,
                                mc_aws_endpoint *out, mc_err *err);

#endif

/* endpoint.c - AWS endpoint resolution (connection, AWS_ENDPOINT_URL_<ID>,
 * AWS_ENDPOINT_URL, default) and parsing into scheme/host/port/base path. */
#include "aws/endpoint.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool given(const char *s) { return s && *s; }

static bool host_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

static mc_code parse_authority(const char *a, size_t n, mc_aws_endpoint *out,
                               const char *url, mc_err *err)
{
    const char *port = NULL;
    size_t hl;
    if (n && a[0] == '[') {
        const char *end = memchr(a, ']', n);
        if (!end)
            return mc_err_set(err, MC_ECONFIG,
                              "endpoint %s: unterminated IPv6 address", url);
        hl = (size_t)(end - a) + 1;
        for (size_t i = 1; i + 1 < hl; i++)
            if (!(isxdigit((unsigned char)a[i]) || a[i] == ':' ||
                  a[i] == '.'))
                return mc_err_set(err, MC_ECONFIG,
                                  "endpoint %s: bad IPv6 address", url);
        if (hl < n) {
            if (a[hl] != ':')
                return mc_err_set(err, MC_ECONFIG, "endpoint %s: bad host",
                                  url);
            port = a + hl + 1;
        }
    } else {
        const char *colon = memchr(a, ':', n);
        hl = colon ? (size_t)(colon - a) : n;
        port = colon ? colon + 1 : NULL;
        for (size_t i = 0; i < hl; i++)
            if (!host_char(a[i]))
                return mc_err_set(err, MC_ECONFIG,
                                  "endpoint %s: bad character in host", url);
    }
    if (hl == 0)
        return mc_err_set(err, MC_ECONFIG, "endpoint %s: no host", url);
    if (hl >= sizeof out->host)
        return mc_err_set(err, MC_ECONFIG, "endpoint %s: host too long", url);
    for (size_t i = 0; i < hl; i++)
        out->host[i] = (char)tolower((unsigned char)a[i]);
    out->host[hl] = '\0';

    int dflt = strcmp(out->scheme, "https") == 0 ? 443 : 80;
    out->port = dflt;
    if (port) {
        size_t pl = n - (size_t)(port - a);
        long v = 0;
        if (pl == 0 || pl > 5)
            return mc_err_set(err, MC_ECONFIG, "endpoint %s: bad port", url);
        for (size_t i = 0; i < pl; i++) {
            if (!isdigit((unsigned char)port[i]))
                return mc_err_set(err, MC_ECONFIG, "endpoint %s: bad port",
                                  url);
            v = v * 10 + (port[i] - '0');
        }
        if (v < 1 || v > 65535)
            return mc_err_set(err, MC_ECONFIG, "endpoint %s: bad port", url);
        out->port = (int)v;
    }
    out->default_port = out->port == dflt;
    if (out->default_port)
        snprintf(out->host_header, sizeof out->host_header, "%s", out->host);
    else
        snprintf(out->host_header, sizeof out->host_header, "%s:%d",
                 out->host, out->port);
    return MC_OK;
}

mc_code mc_aws_endpoint_parse(const char *url, mc_aws_endpoint *out,
                              mc_err *err)
{
    memset(out, 0, sizeof *out);
    if (!given(url))
        return mc_err_set(err, MC_ECONFIG, "empty endpoint URL");
    /* User info may hold a password: refuse it before any message that
     * quotes the URL. */
    const char *sep = strstr(url, "://");
    const char *auth = sep ? sep + 3 : url;
    if (memchr(auth, '@', strcspn(auth, "/?#")))
        return mc_err_set(err, MC_ECONFIG,
                          "endpoint URL must not contain user info");
    size_t sl = sep ? (size_t)(sep - url) : 0;
    if (sl == 5 && strncasecmp(url, "https", 5) == 0)
        strcpy(out->scheme, "https");
    else if (sl == 4 && strncasecmp(url, "http", 4) == 0)
        strcpy(out->scheme, "http");
    else
        return mc_err_set(err, MC_ECONFIG,
                          "endpoint %s: must start with https:// or http://",
                          url);
    const char *a = sep + 3;
    size_t an = strcspn(a, "/?#");
    mc_code rc = parse_authority(a, an, out, url, err);
    if (rc != MC_OK)
        return rc;
    const char *path = a + an;
    size_t pl = strcspn(path, "?#");
    if (path[pl])
        return mc_err_set(err, MC_ECONFIG,
                          "endpoint %s: must not have a query or fragment",
                          url);
    while (pl && path[pl - 1] == '/')
        pl--;
    if (pl >= sizeof out->base_path)
        return mc_err_set(err, MC_ECONFIG, "endpoint %s: path too long", url);
    for (size_t i = 0; i < pl; i++)
        if ((unsigned char)path[i] <= ' ' || (unsigned char)path[i] >= 0x7f)
            return mc_err_set(err, MC_ECONFIG,
                              "endpoint %s: path must be percent-encoded",
                              url);
    memcpy(out->base_path, path, pl);
    out->base_path[pl] = '\0';
    int n = snprintf(out->url, sizeof out->url, "%s://%s%s", out->scheme,
                     out->host_header, out->base_path);
    if (n < 0 || (size_t)n >= sizeof out->url)
        return mc_err_set(err, MC_ECONFIG, "endpoint %s: too long", url);
    return MC_OK;
}

static mc_code parse_from(const char *url, const char *source,
                          mc_aws_endpoint *out, mc_err *err)
{
    mc_code rc = mc_aws_endpoint_parse(url, out, err);
    if (rc != MC_OK && err) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        snprintf(err->msg, sizeof err->msg, "%.400s (from %.96s)", msg,
                 source);
    }
    if (rc == MC_OK)
        snprintf(out->source, sizeof out->source, "%s", source);
    return rc;
}

static bool ignore_env_endpoints(const mc_aws_env *env)
{
    const char *v = mc_aws_env_get(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    return v && strcasecmp(v, "true") == 0;
}

mc_code mc_aws_endpoint_resolve(const mc_aws_env *env, const char *explicit_url,
                                const char *service_id, const char *region,
                                mc_aws_endpoint *out, mc_err *err)
{
    if (given(explicit_url))
        return parse_from(explicit_url, "the connection", out, err);
    if (!given(service_id))
        return mc_err_set(err, MC_EINVAL, "endpoint: no service id");
    if (!ignore_env_endpoints(env)) {
        char var[96];
        int n = snprintf(var, sizeof var, "AWS_ENDPOINT_URL_%s", service_id);
        if (n > 0 && (size_t)n < sizeof var) {
            for (char *c = var + 17; *c; c++)
                *c = (*c == ' ' || *c == '-') ? '_'
                                              : (char)toupper((unsigned char)*c);
            const char *v = mc_aws_env_get(env, var);
            if (given(v))
                return parse_from(v, var, out, err);
        }
        const char *v = mc_aws_env_get(env, "AWS_ENDPOINT_URL");
        if (given(v))
            return parse_from(v, "AWS_ENDPOINT_URL", out, err);
    }
    if (!given(region))
        return mc_err_set(err, MC_ECONFIG,
                          "no AWS region: set region in the connection, "
                          "AWS_REGION or AWS_DEFAULT_REGION, or region in "
                          "~/.aws/config");
    for (const char *c = region; *c; c++)
        if (!(isalnum((unsigned char)*c) || *c == '-'))
            return mc_err_set(err, MC_ECONFIG,
                              "AWS region \"%s\" is not a region name", region);
    for (const char *c = service_id; *c; c++)
        if (!(isalnum((unsigned char)*c) || *c == '-' || *c == '.'))
            return mc_err_set(err, MC_EINVAL,
                              "endpoint: bad service id \"%s\"", service_id);
    char url[512];
    snprintf(url, sizeof url, "https://%s.%s.amazonaws.com%s", service_id,
             region, strncmp(region, "cn-", 3) == 0 ? ".cn" : "");
    return parse_from(url, "default", out, err);
}

/* providers.c - credential sources that talk to something: STS
 * (AssumeRole signed with the source credentials, AssumeRoleWithWebIdentity
 * unsigned, both the query protocol answering XML), the container
 * credentials endpoint (ECS/EKS), EC2 instance metadata (IMDSv2 with a
 * session token, IMDSv1 only when the token call is refused as botocore
 * does) and credential_process (run without a shell, JSON on stdout).
 * Nothing here logs; errors never hold a secret or a token. */
#include "aws/providers.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/crypto.h>

#include "aws/endpoint.h"
#include "aws/sigv4.h"
#include "aws/timestamp.h"
#include "json/json.h"

extern char **environ;

#define STS_TIMEOUT_MS 10000
#define CONTAINER_TIMEOUT_MS 2000
#define CONTAINER_ATTEMPTS 3
#define PROCESS_TIMEOUT_MS 60000
#define MAX_TOKEN_BYTES 16384

static bool given(const char *s) { return s && *s; }

static const char *env(const mc_aws_settings *x, const char *name)
{
    return mc_aws_env_get(x ? x->env : NULL, name);
}

static void wipe_buf(mc_buf *b)
{
    if (b->data)
        OPENSSL_cleanse(b->data, b->cap);
    mc_buf_free(b);
}

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* Read a small file (a token) whole, trimmed; NULL with err on failure. */
static char *read_small_file(const char *path, const char *what, mc_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        mc_err_set(err, MC_ECONFIG, "%s: cannot read %s: %s", what, path, strerror(errno));
        return NULL;
    }
    mc_buf b = MC_BUF_INIT;
    char chunk[4096];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= MAX_TOKEN_BYTES)
        mc_buf_append(&b, chunk, k);
    OPENSSL_cleanse(chunk, sizeof chunk);
    fclose(f);
    while (b.len && isspace((unsigned char)b.data[b.len - 1]))
        b.len--;
    size_t start = 0;
    while (start < b.len && isspace((unsigned char)b.data[start]))
        start++;
    char *out = NULL;
    if (b.len > MAX_TOKEN_BYTES)
        mc_err_set(err, MC_ELIMIT, "%s: %s is larger than %d bytes", what, path,
                   MAX_TOKEN_BYTES);
    else if (start == b.len)
        mc_err_set(err, MC_ECONFIG, "%s: %s is empty", what, path);
    else if (!(out = dup_n(b.data + start, b.len - start)))
        mc_err_set(err, MC_ENOMEM, "out of memory");
    wipe_buf(&b);
    return out;
}

static void set_expiry(mc_aws_credentials *out, const char *text, size_t n)
{
    int64_t sec;
    int32_t usec;
    out->expires = text && mc_aws_time_parse(text, n, &sec, &usec) ? sec : 0;
}

/* ---- JSON answers (container, IMDS, credential_process) ------------------ */

static char *member(mc_json o, const char *name)
{
    size_t n;
    const char *s = mc_json_str(mc_json_get(o, name, strlen(name)), &n);
    return s && mc_json_type_of(mc_json_get(o, name, strlen(name))) == MC_JSON_STRING
               ? dup_n(s, n) : NULL;
}

mc_code mc_aws_parse_json_credentials(const char *what, const char *body, size_t len,
                                      mc_aws_credentials *out, mc_err *err)
{
    mc_arena a;
    mc_arena_init(&a, 1024);
    mc_json o = mc_json_parse(&a, body, len, NULL);
    mc_code rc = MC_OK;
    if (mc_json_type_of(o) != MC_JSON_OBJECT) {
        rc = mc_err_set(err, MC_EPARSE, "%s: the answer is not a JSON object", what);
    } else {
        out->access_key_id = member(o, "AccessKeyId");
        out->secret_access_key = member(o, "SecretAccessKey");
        out->session_token = member(o, "Token");
        if (!out->session_token)
            out->session_token = member(o, "SessionToken");
        size_t n;
        const char *exp = mc_json_str(mc_json_get(o, "Expiration", 10), &n);
        set_expiry(out, exp, n);
        if (!given(out->access_key_id) || !given(out->secret_access_key))
            rc = mc_err_set(err, MC_EPARSE, "%s: the answer has no AccessKeyId and "
                            "SecretAccessKey", what);
    }
    /* wipe the parsed copies of the secret */
    size_t n;
    const char *s = mc_json_str(mc_json_get(o, "SecretAccessKey", 15), &n);
    if (s)
        OPENSSL_cleanse((char *)s, n);
    mc_arena_free(&a);
    if (rc != MC_OK)
        mc_aws_credentials_clear(out);
    return rc;
}

/* ---- fetch helpers -------------------------------------------------------- */

static mc_code fetch(const mc_aws_settings *x, const mc_aws_fetch_req *req, int *status,
                     mc_buf *body, mc_err *err)
{
    *status = 0;
    mc_code rc = x->fetch(x->fetch_ud, req, status, body, err);
    if (rc == MC_OK && body->len > MC_AWS_SOURCE_MAX_BYTES)
        rc = mc_err_set(err, MC_ELIMIT, "answer larger than %d bytes", MC_AWS_SOURCE_MAX_BYTES);
    return rc;
}

/* ---- STS ------------------------------------------------------------------ */

static void form_pair(mc_buf *b, const char *k, const char *v)
{
    if (!given(v))
        return;
    if (b->len)
        mc_buf_putc(b, '&');
    mc_aws_uri_encode(b, k, strlen(k), false);
    mc_buf_putc(b, '=');
    mc_aws_uri_encode(b, v, strlen(v), false);
}

static const char *xml_text(xmlNodePtr n, const char *name)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)n->name, name) == 0)
            return n->children && n->children->content ? (const char *)n->children->content
                                                       : "";
        const char *in = xml_text(n->children, name);
        if (in)
            return in;
    }
    return NULL;
}

static mc_code parse_sts(const char *action, int status, const mc_buf *body,
                         mc_aws_credentials *out, mc_err *err)
{
    xmlDocPtr doc = body->len ? xmlReadMemory(body->data, (int)body->len, "sts.xml", NULL,
                                              XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                  XML_PARSE_NOWARNING)
                              : NULL;
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    mc_code rc = MC_OK;
    if (status != 200) {
        const char *code = root ? xml_text(root, "Code") : NULL;
        const char *msg = root ? xml_text(root, "Message") : NULL;
        rc = mc_err_set(err, MC_ECONFIG, "STS %s answered %d%s%.80s%s%.200s", action, status,
                        code ? " " : "", code ? code : "", msg ? ": " : "", msg ? msg : "");
    } else {
        const char *ak = root ? xml_text(root, "AccessKeyId") : NULL;
        const char *sk = root ? xml_text(root, "SecretAccessKey") : NULL;
        const char *tk = root ? xml_text(root, "SessionToken") : NULL;
        const char *exp = root ? xml_text(root, "Expiration") : NULL;
        if (!given(ak) || !given(sk) || !given(tk)) {
            rc = mc_err_set(err, MC_EPARSE, "STS %s: the answer holds no credentials", action);
        } else {
            out->access_key_id = strdup(ak);
            out->secret_access_key = strdup(sk);
            out->session_token = strdup(tk);
            set_expiry(out, exp, exp ? strlen(exp) : 0);
            if (!out->access_key_id || !out->secret_access_key || !out->session_token)
                rc = mc_err_set(err, MC_ENOMEM, "out of memory");
        }
        if (sk)
            OPENSSL_cleanse((char *)sk, strlen(sk));
    }
    xmlFreeDoc(doc);
    if (rc != MC_OK)
        mc_aws_credentials_clear(out);
    return rc;
}

/* POST the form to STS, signed with source when given. */
static mc_code sts_call(const mc_aws_settings *x, const char *action, const mc_buf *form,
                        const char *region, const mc_aws_credentials *source,
                        mc_aws_credentials *out, mc_err *err)
{
    if (!x || !x->fetch)
        return mc_err_set(err, MC_ECONFIG, "STS %s: no HTTP client to reach STS", action);
    mc_aws_endpoint ep;
    mc_code rc = mc_aws_endpoint_resolve(x->env, NULL, "sts", given(region) ? region : NULL,
                                         &ep, err);
    if (rc != MC_OK && !given(region) && mc_aws_endpoint_parse("https://sts.amazonaws.com",
                                                               &ep, NULL) == MC_OK)
        rc = MC_OK;              /* no region: the global endpoint, as botocore */
    if (rc != MC_OK)
        return rc;
    const char *ctype = "application/x-www-form-urlencoded; charset=utf-8";
    const char *hdrs[12] = {"Content-Type", ctype};
    size_t nh = 1;
    char path[600];
    snprintf(path, sizeof path, "%s/", ep.base_path);
    mc_sigv4_signer *signer = NULL;
    mc_sigv4_result sig;
    if (source) {
        mc_sigv4_header sh[] = {{"Content-Type", ctype}};
        mc_sigv4_request req = {.method = "POST", .host = ep.host_header, .path = path,
                                .headers = sh, .nheaders = 1, .body = form->data,
                                .body_len = form->len};
        mc_sigv4_params p = {.access_key_id = source->access_key_id,
                             .secret_access_key = source->secret_access_key,
                             .session_token = source->session_token,
                             .region = given(region) ? region : "us-east-1",
                             .service = "sts", .when = time(NULL),
                             .flags = mc_sigv4_service_flags("sts")};
        signer = mc_sigv4_signer_new();
        if (!signer || (rc = mc_sigv4_sign(signer, &req, &p, &sig, err)) != MC_OK) {
            mc_sigv4_signer_free(signer);
            return signer ? rc : mc_err_set(err, MC_ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < sig.nheaders; i++) {
            hdrs[2 * nh] = sig.headers[i].name;
            hdrs[2 * nh + 1] = sig.headers[i].value;
            nh++;
        }
    }
    char url[1200];
    snprintf(url, sizeof url, "%s/", ep.url);
    mc_aws_fetch_req req = {.method = "POST", .url = url, .headers = hdrs, .nheaders = nh,
                            .body = form->data, .body_len = form->len,
                            .timeout_ms = STS_TIMEOUT_MS};
    mc_buf body = MC_BUF_INIT;
    int status;
    mc_err e2 = {0};
    rc = fetch(x, &req, &status, &body, &e2);
    mc_sigv4_signer_free(signer);
    if (rc != MC_OK)
        rc = mc_err_set(err, rc, "STS %s at %s: %s", action, ep.host_header, e2.msg);
    else
        rc = parse_sts(action, status, &body, out, err);
    wipe_buf(&body);
    return rc;
}

static void session_name(const mc_aws_role *role, char *buf, size_t n)
{
    if (given(role->session_name))
        snprintf(buf, n, "%s", role->session_name);
    else
        snprintf(buf, n, "mediac-session-%lld", (long long)time(NULL));
}

/* Action, Version, RoleArn, RoleSessionName and extra pairs (NULL
 * values left out), sent to STS; the form is wiped (it may hold a token). */
static mc_code sts_role_call(const mc_aws_settings *x, const char *action,
                             const mc_aws_role *role, const char *const *extra,
                             const mc_aws_credentials *source, mc_aws_credentials *out,
                             mc_err *err)
{
    char session[128];
    session_name(role, session, sizeof session);
    mc_buf form = MC_BUF_INIT;
    form_pair(&form, "Action", action);
    form_pair(&form, "Version", "2011-06-15");
    form_pair(&form, "RoleArn", role->role_arn);
    form_pair(&form, "RoleSessionName", session);
    for (size_t i = 0; extra[i]; i += 2)
        form_pair(&form, extra[i], extra[i + 1]);
    mc_code rc = sts_call(x, action, &form, role->region, source, out, err);
    wipe_buf(&form);
    return rc;
}

mc_code mc_aws_sts_assume_role(const mc_aws_settings *x, const mc_aws_credentials *source,
                               const mc_aws_role *role, mc_aws_credentials *out, mc_err *err)
{
    const char *extra[] = {"ExternalId", role->external_id, "DurationSeconds", role->duration,
                           NULL};
    return sts_role_call(x, "AssumeRole", role, extra, source, out, err);
}

mc_code mc_aws_sts_web_identity(const mc_aws_settings *x, const mc_aws_role *role,
                                const char *token_file, mc_aws_credentials *out, mc_err *err)
{
    char *token = read_small_file(token_file, "web identity token", err);
    if (!token)
        return err && err->code ? err->code : MC_ECONFIG;
    const char *extra[] = {"WebIdentityToken", token, NULL};
    mc_code rc = sts_role_call(x, "AssumeRoleWithWebIdentity", role, extra, NULL, out, err);
    OPENSSL_cleanse(token, strlen(token));
    free(token);
    return rc;
}

/* ---- container credentials (ECS, EKS Pod Identity) ------------------------ */

/* botocore's rule for a full URI over plain http: loopback or the
 * container agents' link-local addresses only. */
static bool container_host_ok(const mc_aws_endpoint *ep)
{
    if (strcmp(ep->scheme, "https") == 0)
        return true;
    static const char *const hosts[] = {"localhost", "[::1]", "169.254.170.2",
                                        "169.254.170.23", "[fd00:ec2::23]", NULL};
    for (size_t i = 0; hosts[i]; i++)
        if (strcasecmp(ep->host, hosts[i]) == 0)
            return true;
    return strncmp(ep->host, "127.", 4) == 0;
}

mc_code mc_aws_container_credentials(const mc_aws_settings *x, mc_buf *tried,
                                     mc_aws_credentials *out, mc_err *err)
{
    const char *rel = env(x, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = env(x, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    if (!rel && !full) {
        mc_buf_puts(tried, "; container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI "
                           "and _FULL_URI not set)");
        return MC_ENOTFOUND;
    }
    if (!x->fetch) {
        mc_buf_puts(tried, "; container credentials (no HTTP client)");
        return MC_ENOTFOUND;
    }
    char url[1200];
    const char *var = rel ? "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
                          : "AWS_CONTAINER_CREDENTIALS_FULL_URI";
    if (rel)
        snprintf(url, sizeof url, "%s%s%s",
                 x->container_base ? x->container_base : "http://169.254.170.2",
                 rel[0] == '/' ? "" : "/", rel);
    else
        snprintf(url, sizeof url, "%s", full);
    mc_aws_endpoint ep;
    char base[1200];
    snprintf(base, sizeof base, "%.*s", (int)strcspn(url + 8, "/?") + 8, url);
    if (mc_aws_endpoint_parse(base, &ep, NULL) != MC_OK)
        return mc_err_set(err, MC_ECONFIG, "container credentials: %s is not an http(s) URL",
                          var);
    if (full && !rel && !container_host_ok(&ep))
        return mc_err_set(err, MC_ECONFIG, "container credentials: %s over http must name a "
                          "loopback or container agent host, not %s", var, ep.host);
    char *token = NULL;
    const char *token_file = env(x, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    if (token_file) {
        if (!(token = read_small_file(token_file, "container authorization token", err)))
            return err && err->code ? err->code : MC_ECONFIG;
    } else if (env(x, "AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
        token = strdup(env(x, "AWS_CONTAINER_AUTHORIZATION_TOKEN"));
    }
    if (token && strpbrk(token, "\r\n")) {
        OPENSSL_cleanse(token, strlen(token));
        free(token);
        return mc_err_set(err, MC_ECONFIG, "container credentials: the authorization token "
                          "holds a line break");
    }
    const char *hdrs[] = {"Accept", "application/json", "Authorization", token};
    mc_aws_fetch_req req = {.method = "GET", .url = url, .headers = hdrs,
                            .nheaders = token ? 2 : 1, .timeout_ms = CONTAINER_TIMEOUT_MS};
    mc_buf body = MC_BUF_INIT;
    int status = 0;
    mc_err e2 = {0};
    mc_code rc = MC_EIO;
    for (int i = 0; i < CONTAINER_ATTEMPTS && rc != MC_OK; i++) {
        mc_buf_reset(&body);
        rc = fetch(x, &req, &status, &body, &e2);
        if (rc == MC_OK && status >= 500)
            rc = MC_EIO;     /* botocore retries 5xx and failures */
    }
    if (token) {
        OPENSSL_cleanse(token, strlen(token));
        free(token);
    }
    if (rc != MC_OK && status)
        rc = mc_err_set(err, MC_ECONFIG, "container credentials from %s: HTTP %d", ep.host_header,
                        status);
    else if (rc != MC_OK)
        rc = mc_err_set(err, MC_ECONFIG, "container credentials from %s: %s", ep.host_header,
                        e2.msg);
    else if (status != 200)
        rc = mc_err_set(err, MC_ECONFIG, "container credentials from %s: HTTP %d",
                        ep.host_header, status);
    else
        rc = mc_aws_parse_json_credentials("container credentials", body.data, body.len, out,
                                           err);
    wipe_buf(&body);
    if (rc == MC_OK)
        snprintf(out->source, sizeof out->source, "container credentials (%s)", var);
    return rc;
}

/* ---- EC2 instance metadata -------------------------------------------------- */

typedef struct imds {
    const mc_aws_settings *x;
    char base[300];
    char token[256];
    long timeout_ms;
    int attempts;
} imds;

static mc_code imds_call(imds *d, const char *method, const char *path, int *status,
                         mc_buf *body, mc_err *err)
{
    char url[600];
    snprintf(url, sizeof url, "%s%s", d->base, path);
    const char *hdrs[4];
    size_t nh = 0;
    if (strcmp(method, "PUT") == 0) {
        hdrs[0] = "X-aws-ec2-metadata-token-ttl-seconds", hdrs[1] = "21600", nh = 1;
    } else if (d->token[0]) {
        hdrs[0] = "X-aws-ec2-metadata-token", hdrs[1] = d->token, nh = 1;
    }
    mc_aws_fetch_req req = {.method = method, .url = url, .headers = hdrs, .nheaders = nh,
                            .timeout_ms = d->timeout_ms};
    mc_code rc = MC_EIO;
    for (int i = 0; i < d->attempts && rc != MC_OK; i++) {
        mc_buf_reset(body);
        rc = fetch(d->x, &req, status, body, err);
    }
    return rc;
}

static void imds_base(imds *d)
{
    const char *ep = env(d->x, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
    const char *mode = env(d->x, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
    if (!ep)
        ep = mode && strcasecmp(mode, "IPv6") == 0 ? "http://[fd00:ec2::254]"
                                                   : "http://169.254.169.254";
    size_t n = strlen(ep);
    while (n && ep[n - 1] == '/')
        n--;
    snprintf(d->base, sizeof d->base, "%.*s", (int)n, ep);
}

mc_code mc_aws_imds_credentials(const mc_aws_settings *x, mc_buf *tried,
                                mc_aws_credentials *out, mc_err *err)
{
    const char *off = env(x, "AWS_EC2_METADATA_DISABLED");
    if (off && strcasecmp(off, "true") == 0) {
        mc_buf_puts(tried, "; EC2 instance metadata (AWS_EC2_METADATA_DISABLED)");
        return MC_ENOTFOUND;
    }
    if (!x || !x->fetch) {
        mc_buf_puts(tried, "; EC2 instance metadata (no HTTP client)");
        return MC_ENOTFOUND;
    }
    imds d = {.x = x, .timeout_ms = 1000, .attempts = 1};
    const char *t = env(x, "AWS_METADATA_SERVICE_TIMEOUT");
    const char *a = env(x, "AWS_METADATA_SERVICE_NUM_ATTEMPTS");
    if (t && atof(t) > 0)
        d.timeout_ms = (long)(atof(t) * 1000);
    if (a && atoi(a) > 0 && atoi(a) <= 10)
        d.attempts = atoi(a);
    imds_base(&d);
    mc_buf body = MC_BUF_INIT;
    int status = 0;
    mc_err e2 = {0};
    mc_code rc = imds_call(&d, "PUT", "/latest/api/token", &status, &body, &e2);
    if (rc != MC_OK) {            /* nothing answers: not on EC2 */
        mc_buf_printf(tried, "; EC2 instance metadata (%s: %s)", d.base, e2.msg);
        wipe_buf(&body);
        return MC_ENOTFOUND;
    }
    const char *v1off = env(x, "AWS_EC2_METADATA_V1_DISABLED");
    if (status == 200 && body.len && body.len < sizeof d.token) {
        memcpy(d.token, body.data, body.len);
        d.token[body.len] = '\0';
    } else if (!(status == 403 || status == 404 || status == 405) ||
               (v1off && strcasecmp(v1off, "true") == 0)) {
        wipe_buf(&body);
        return mc_err_set(err, MC_ECONFIG, "EC2 instance metadata at %s: the token call "
                          "answered HTTP %d", d.base, status);
    }
    const char *list = "/latest/meta-data/iam/security-credentials/";
    rc = imds_call(&d, "GET", list, &status, &body, &e2);
    char role[256] = "";
    if (rc == MC_OK && status == 200)
        snprintf(role, sizeof role, "%.*s", (int)strcspn(body.data ? body.data : "", "\r\n"),
                 body.data ? body.data : "");
    if (!role[0] || strchr(role, '/') || strchr(role, '?')) {
        mc_buf_printf(tried, "; EC2 instance metadata (%s: no instance role%s%s)", d.base,
                      rc == MC_OK ? "" : ", ", rc == MC_OK ? "" : e2.msg);
        wipe_buf(&body);
        OPENSSL_cleanse(d.token, sizeof d.token);
        return MC_ENOTFOUND;
    }
    char path[400];
    snprintf(path, sizeof path, "%s%s", list, role);
    rc = imds_call(&d, "GET", path, &status, &body, &e2);
    OPENSSL_cleanse(d.token, sizeof d.token);
    if (rc != MC_OK || status != 200)
        rc = mc_err_set(err, MC_ECONFIG, "EC2 instance metadata: role %s: %s", role,
                        rc != MC_OK ? e2.msg : "not HTTP 200");
    else
        rc = mc_aws_parse_json_credentials("EC2 instance metadata", body.data, body.len,
                                           out, err);
    wipe_buf(&body);
    if (rc == MC_OK)
        snprintf(out->source, sizeof out->source, "EC2 instance metadata (role %.100s)", role);
    return rc;
}

/* ---- credential_process ---------------------------------------------------- */

/* Split like Python's shlex.split (what botocore uses): whitespace
 * separates words, single quotes keep everything, double quotes and a
 * backslash escape.  Words are written into buf; argv points into it. */
static bool split_command(const char *cmd, char *buf, size_t cap, char **argv, size_t max)
{
    size_t n = 0, k = 0;
    const char *p = cmd;
    while (*p) {
        while (*p && isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        if (n + 1 >= max)
            return false;
        argv[n++] = buf + k;
        char q = 0;
        for (; *p && (q || !isspace((unsigned char)*p)); p++) {
            if (k + 2 >= cap)
                return false;
            if (q == '\'') {
                if (*p == '\'')
                    q = 0;
                else
                    buf[k++] = *p;
            } else if (*p == '\\' && p[1] && (q == 0 || strchr("\"\\$`", p[1]))) {
                buf[k++] = *++p;
            } else if (q == '"' && *p == '"') {
                q = 0;
            } else if (!q && (*p == '\'' || *p == '"')) {
                q = *p;
            } else {
                buf[k++] = *p;
            }
        }
        if (q)
            return false;
        buf[k++] = '\0';
    }
    argv[n] = NULL;
    return n > 0;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run argv with stdout into out (at most MC_AWS_SOURCE_MAX_BYTES) and
 * stderr discarded; the exit status in *status (-1: killed at the time
 * limit). */
static mc_code run_process(char **argv, mc_buf *out, int *status, mc_err *err)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return mc_err_set(err, MC_EIO, "credential_process: pipe: %s", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        return mc_err_set(err, MC_ECONFIG, "credential_process: cannot run %s: %s", argv[0],
                          strerror(rc));
    }
    long long deadline = now_ms() + PROCESS_TIMEOUT_MS;
    bool killed = false, too_big = false;
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0) {
            kill(pid, SIGKILL);
            killed = true;
            break;
        }
        struct pollfd pf = {fds[0], POLLIN, 0};
        if (poll(&pf, 1, (int)(left > 1000 ? 1000 : left)) < 0 && errno != EINTR)
            break;
        char chunk[4096];
        ssize_t k = pf.revents ? read(fds[0], chunk, sizeof chunk) : -2;
        if (k == 0 || (k < 0 && k != -2 && errno != EINTR))
            break;
        if (k > 0) {
            mc_buf_append(out, chunk, (size_t)k);
            OPENSSL_cleanse(chunk, sizeof chunk);
        }
        if (out->len > MC_AWS_SOURCE_MAX_BYTES) {
            kill(pid, SIGKILL);
            too_big = true;
            break;
        }
    }
    close(fds[0]);
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
        ;
    *status = killed ? -1 : WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    if (too_big)
        return mc_err_set(err, MC_ELIMIT, "credential_process: more than %d bytes of output",
                          MC_AWS_SOURCE_MAX_BYTES);
    return MC_OK;
}

mc_code mc_aws_process_credentials(const char *command, const char *profile,
                                   mc_aws_credentials *out, mc_err *err)
{
    char buf[4096], *argv[64];
    if (!split_command(command, buf, sizeof buf, argv, 64))
        return mc_err_set(err, MC_ECONFIG, "credential_process of profile %s: cannot split "
                          "the command (unbalanced quotes, or too long)", profile);
    mc_buf o = MC_BUF_INIT;
    int status = 0;
    mc_code rc = run_process(argv, &o, &status, err);
    if (rc == MC_OK && status == -1)
        rc = mc_err_set(err, MC_ECONFIG, "credential_process of profile %s: no answer within "
                        "%d s", profile, PROCESS_TIMEOUT_MS / 1000);
    else if (rc == MC_OK && status != 0)
        rc = mc_err_set(err, MC_ECONFIG, "credential_process of profile %s exited with "
                        "status %d", profile, status);
    if (rc == MC_OK) {
        mc_arena a;
        mc_arena_init(&a, 1024);
        mc_json j = mc_json_parse(&a, o.data ? o.data : "", o.len, NULL);
        long long version = 0;
        if (!mc_json_int(mc_json_get(j, "Version", 7), &version) || version != 1)
            rc = mc_err_set(err, MC_ECONFIG, "credential_process of profile %s: the output "
                            "is not JSON with \"Version\": 1", profile);
        mc_arena_free(&a);
    }
    if (rc == MC_OK)
        rc = mc_aws_parse_json_credentials("credential_process", o.data, o.len, out, err);
    wipe_buf(&o);
    if (rc == MC_OK)
        snprintf(out->source, sizeof out->source, "credential_process of profile %.100s",
                 profile);
    return rc;
}

/* request.c - turns resolved operation parameters into the HTTP request:
 * the path with URI-encoded segments, the canonical query, headers, the
 * JSON body (nested dotted members, typed values) or the raw body; then
 * resolves credentials, region and endpoint, signs with SigV4 and leaves
 * the request in m->out for the host to send. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws/context.h"
#include "aws/credentials.h"
#include "aws/timestamp.h"
#include "aws/endpoint.h"
#include "aws/sigv4.h"
#include "connector/internal.h"
#include "json/json.h"
#include "util/codec.h"

#define MAX_HEADERS 32

typedef struct request {
    mc_buf path, query, body;
    mc_kv headers[MAX_HEADERS];
    size_t nheaders;
    bool has_body;
    const char *content_type;
} request;

/* ---- values ------------------------------------------------------------- */

/* Integers and booleans in their canonical text ("+7" -> "7"), a
 * timestamp as botocore writes it in a URI or query (ISO 8601, UTC). */
static void scalar_text(mc_buf *out, mc_cp_type t, const char *v, size_t n)
{
    int64_t sec;
    int32_t usec;
    if (t == MC_CPT_TIMESTAMP && mc_aws_time_parse(v, n, &sec, &usec)) {
        mc_aws_time_iso8601(out, sec, usec);
    } else if (t == MC_CPT_INTEGER || t == MC_CPT_LONG) {
        char tmp[32];
        snprintf(tmp, sizeof tmp, "%.*s", (int)n, v);
        mc_buf_printf(out, "%lld", strtoll(tmp, NULL, 10));
    } else if (t == MC_CPT_BOOLEAN) {
        mc_buf_puts(out, strncasecmp(v, "true", 4) == 0 ? "true" : "false");
    } else {
        mc_buf_append(out, v, n);
    }
}

/* "a, b,,c" -> ["a","b","c"] */
static void comma_list(mc_buf *out, const char *v, size_t n)
{
    size_t pos = 0, len;
    const char *item;
    mc_buf_putc(out, '[');
    for (bool first = true; mc_cp_comma_item(v, n, &pos, &item, &len); first = false) {
        if (!first)
            mc_buf_putc(out, ',');
        mc_buf_json_string(out, item, len);
    }
    mc_buf_putc(out, ']');
}

/* The JSON text of a typed value (already checked by mc_cp_check). */
static void json_value(mc_buf *out, mc_cp_type t, const char *v, size_t n)
{
    int64_t sec;
    int32_t usec;
    switch (t) {
    case MC_CPT_INTEGER: case MC_CPT_LONG: case MC_CPT_BOOLEAN:
        scalar_text(out, t, v, n);
        break;
    case MC_CPT_DOUBLE:
        mc_buf_append(out, v, n);       /* checked: a finite decimal number */
        break;
    case MC_CPT_TIMESTAMP:              /* botocore: epoch seconds in a body */
        if (mc_aws_time_parse(v, n, &sec, &usec))
            mc_buf_printf(out, "%lld", (long long)sec);
        break;
    case MC_CPT_JSON: case MC_CPT_OBJECT:
        mc_buf_append(out, v, n);
        break;
    case MC_CPT_LIST:
        if (v[0] == '[')
            mc_buf_append(out, v, n);
        else
            comma_list(out, v, n);
        break;
    default:
        mc_buf_json_string(out, v, n);
        break;
    }
}

/* ---- body --------------------------------------------------------------- */

/* Is member path `as` under prefix, with `seg` its next segment? */
static bool next_segment(const char *as, const char *prefix, size_t plen, const char **seg,
                         size_t *slen)
{
    if (strncmp(as, prefix, plen) != 0)
        return false;
    *seg = as + plen;
    *slen = strcspn(*seg, ".");
    return true;
}

/* Emit the object of all body members under prefix ("" or "Code."). */
static void emit_object(mc_buf *out, const mc_op_call *call, const char *prefix, size_t plen,
                        unsigned depth)
{
    const mc_coperation *op = call->op;
    bool first = true;
    mc_buf_putc(out, '{');
    for (size_t i = 0; i < op->nparams; i++) {
        const mc_cparam *p = &op->params[i];
        const char *seg;
        size_t slen;
        if (p->in != MC_CP_BODY || !call->values[i] ||
            !next_segment(p->as, prefix, plen, &seg, &slen))
            continue;
        bool seen = false; /* an earlier member opened this segment */
        for (size_t j = 0; j < i && !seen; j++) {
            const char *s2;
            size_t l2;
            seen = op->params[j].in == MC_CP_BODY && call->values[j] &&
                   next_segment(op->params[j].as, prefix, plen, &s2, &l2) && l2 == slen &&
                   strncmp(s2, seg, slen) == 0;
        }
        if (seen)
            continue;
        if (!first)
            mc_buf_putc(out, ',');
        first = false;
        mc_buf_json_string(out, seg, slen);
        mc_buf_putc(out, ':');
        if (seg[slen] == '\0' || depth > 16)
            json_value(out, p->type, call->values[i], call->lens[i]);
        else
            emit_object(out, call, p->as, (size_t)(seg + slen + 1 - p->as), depth + 1);
    }
    mc_buf_putc(out, '}');
}

static void build_body(request *rq, const mc_op_call *call)
{
    const mc_coperation *op = call->op;
    if (op->payload) {
        /* a structure payload: the object is the body; absent, botocore
         * sends {} */
        size_t i = (size_t)(op->payload - op->params);
        rq->has_body = true;
        rq->content_type = "application/json";
        if (call->values[i])
            mc_buf_append(&rq->body, call->values[i], call->lens[i]);
        else
            mc_buf_puts(&rq->body, "{}");
        return;
    }
    if (op->raw) {
        size_t i = (size_t)(op->raw - op->params);
        rq->has_body = true;
        if (call->values[i])
            mc_buf_append(&rq->body, call->values[i], call->lens[i]);
        /* like the AWS SDKs: a blob payload goes without a Content-Type */
        return;
    }
    if (!op->has_body_members)
        return;
    rq->has_body = true;
    rq->content_type = "application/json";
    emit_object(&rq->body, call, "", 0, 0);
}

/* ---- path, query, headers ----------------------------------------------- */

static bool build_path(request *rq, const mc_op_call *call, mc_message *m)
{
    const mc_coperation *op = call->op;
    for (size_t k = 0; k < op->npath_parts; k++) {
        const mc_cpath_part *part = &op->path_parts[k];
        mc_buf_append(&rq->path, part->text, part->len);
        if (!part->param)
            continue;
        size_t i = (size_t)(part->param - op->params);
        if (!call->values[i])
            return false;
        /* one segment, whatever the value: "/" "%" NUL encoded, "." and
         * ".." as %2E (the signer then covers exactly what is sent) */
        if (part->param->type == MC_CPT_STRING) {
            mc_url_encode_segment(&rq->path, call->values[i], call->lens[i]);
            continue;
        }
        mc_buf seg = MC_BUF_ARENA(&m->arena);
        scalar_text(&seg, part->param->type, call->values[i], call->lens[i]);
        mc_url_encode_segment(&rq->path, seg.data ? seg.data : "", seg.len);
        mc_buf_free(&seg);
    }
    return true;
}

static void query_pair(request *rq, const char *key, const char *v, size_t n)
{
    if (rq->query.len)
        mc_buf_putc(&rq->query, '&');
    mc_aws_uri_encode(&rq->query, key, strlen(key), false);
    mc_buf_putc(&rq->query, '=');
    mc_aws_uri_encode(&rq->query, v, n, false);
}

/* A list in a query: the key repeated, once per item (botocore), from a
 * JSON array of strings or a comma-separated list. */
static void query_list(request *rq, const mc_cparam *p, const char *v, size_t n)
{
    if (n && v[0] == '[') {
        mc_arena a;
        mc_arena_init(&a, 1024);
        mc_json arr = mc_json_parse(&a, v, n, NULL);
        for (size_t i = 0; i < mc_json_count(arr); i++) {
            mc_buf item = MC_BUF_INIT;
            mc_json_text(&item, mc_json_at(arr, i));
            query_pair(rq, p->as, item.data ? item.data : "", item.len);
            mc_buf_free(&item);
        }
        mc_arena_free(&a);
        return;
    }
    size_t pos = 0, len;
    const char *item;
    while (mc_cp_comma_item(v, n, &pos, &item, &len))
        query_pair(rq, p->as, item, len);
}

/* Query parameters and headers; NULL, or the header parameter whose value
 * cannot be a header (a control character: CR, LF, NUL, ...). */
static const mc_cparam *build_query_headers(request *rq, const mc_op_call *call,
                                            mc_message *m)
{
    const mc_coperation *op = call->op;
    if (op->static_query)        /* "?find=LayerVersion" of the path: first */
        mc_buf_puts(&rq->query, op->static_query);
    for (size_t i = 0; i < op->nparams; i++) {
        const mc_cparam *p = &op->params[i];
        if (!call->values[i] || (p->in != MC_CP_QUERY && p->in != MC_CP_HEADER))
            continue;
        if (p->in == MC_CP_HEADER && !mc_header_value_ok(call->values[i], call->lens[i]))
            return p;
        mc_buf v = MC_BUF_ARENA(&m->arena);
        scalar_text(&v, p->type, call->values[i], call->lens[i]);
        if (p->in == MC_CP_QUERY && p->type == MC_CPT_LIST) {
            query_list(rq, p, call->values[i], call->lens[i]);
        } else if (p->in == MC_CP_QUERY) {
            query_pair(rq, p->as, v.data ? v.data : "", v.len);
        } else if (rq->nheaders < MAX_HEADERS - 8) {
            rq->headers[rq->nheaders++] = (mc_kv){p->as, mc_buf_keep(&v)};
        }
        mc_buf_free(&v);
    }
    return NULL;
}

/* ---- connection: credentials, region, endpoint -------------------------- */

typedef struct target {
    mc_aws_credentials creds;
    char key_room[2048];         /* cached keys copied for this call (wiped
                                    by mc_aws_credentials_clear) */
    char region[64];
    mc_aws_endpoint ep;
} target;

/* The descriptor's endpoint template with {init params} filled in; the
 * parsed URL is kept by the connector set's AWS context (aws), so a
 * request only fills in the template. */
static bool template_endpoint(mc_aws_context *aws, const mc_connector *c,
                              const mc_conn_state *st, const char *region,
                              mc_aws_endpoint *ep)
{
    mc_buf url = MC_BUF_INIT;
    bool ok = true;
    for (const char *p = c->endpoint; ok && *p;) {
        const char *open = strchr(p, '{'), *close = open ? strchr(open, '}') : NULL;
        if (!open || !close) {
            mc_buf_puts(&url, p);
            break;
        }
        mc_buf_append(&url, p, (size_t)(open - p));
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(close - open - 1), open + 1);
        const char *v = strcmp(name, "region") == 0 ? region : mc_conn_value(st, name);
        ok = v != NULL;
        mc_buf_puts(&url, v ? v : "");
        p = close + 1;
    }
    mc_aws_endpoint parsed;
    ok = ok && !url.oom &&
         (aws ? mc_aws_context_endpoint(aws, url.data, c->service, region, &parsed, NULL)
              : mc_aws_endpoint_parse(mc_buf_cstr(&url), &parsed, NULL)) == MC_OK;
    if (ok) {
        *ep = parsed;
        snprintf(ep->source, sizeof ep->source, "the %s descriptor", c->name);
    }
    mc_buf_free(&url);
    return ok;
}

static mc_flow target_fault(mc_message *m, const char *code, const char *element,
                            const mc_err *err)
{
    char msg[700];
    snprintf(msg, sizeof msg, "%s: %s", element, err->msg);
    mc_msg_set_fault(m, code, msg, NULL);
    return MC_FLOW_FAULT;
}

static bool resolve_target(const mc_op_call *call, const mc_conn_state *st, mc_message *m,
                           target *t, mc_flow *flow)
{
    const mc_coperation *op = call->op;
    const mc_connector *c = op->connector;
    /* what the flow gave first, then the AWS chain (cached by the
     * connector set's context), then the defaults */
    mc_aws_settings s = {
        .access_key_id = mc_conn_setting_given(st, MC_CS_ACCESS_KEY_ID),
        .secret_access_key = mc_conn_setting_given(st, MC_CS_SECRET_ACCESS_KEY),
        .session_token = mc_conn_setting_given(st, MC_CS_SESSION_TOKEN),
        .region = mc_conn_setting_given(st, MC_CS_REGION),
        .profile = mc_conn_setting_given(st, MC_CS_PROFILE),
        .endpoint = mc_conn_setting_given(st, MC_CS_ENDPOINT),
    };
    mc_err err;
    mc_err_clear(&err);
    mc_code rc;
    if (call->aws) {
        mc_aws_context_settings(call->aws, &s);
        rc = mc_aws_context_credentials_in(call->aws, &s, &t->creds, t->key_room,
                                           sizeof t->key_room, &err);
    } else {
        rc = mc_aws_credentials_resolve(&s, &t->creds, &err);
    }
    if (rc != MC_OK)
        return *flow = target_fault(m, "MissingCredentials", op->element, &err), false;
    mc_msg_add_secret(m, t->creds.secret_access_key);
    mc_msg_add_secret(m, t->creds.session_token);
    if ((call->aws ? mc_aws_context_region(call->aws, &s, t->region, sizeof t->region, &err)
                   : mc_aws_region_resolve(&s, t->region, sizeof t->region, NULL, 0, &err)) !=
        MC_OK) {
        s.region = mc_conn_value(st, "region");
        if (s.region)
            mc_err_clear(&err);
        if (s.region)
            snprintf(t->region, sizeof t->region, "%s", s.region);
    }
    if (err.code != MC_OK ||
        (call->aws ? mc_aws_context_endpoint(call->aws, s.endpoint, c->service, t->region,
                                             &t->ep, &err)
                   : mc_aws_endpoint_resolve(s.env, s.endpoint, c->service, t->region, &t->ep,
                                             &err)) != MC_OK) {
        mc_aws_credentials_clear(&t->creds);
        return *flow = target_fault(m, "InvalidConnection", op->element, &err), false;
    }
    if (strcmp(t->ep.source, "default") == 0 && c->endpoint)
        template_endpoint(call->aws, c, st, t->region, &t->ep);
    return true;
}

/* ---- signing and the outbound request ----------------------------------- */

static bool is_method(const char *m, const char *want) { return strcmp(m, want) == 0; }

static mc_outbound *make_outbound(const mc_coperation *op, request *rq, const target *t,
                                  const mc_sigv4_result *sig, mc_message *m)
{
    mc_outbound *out = mc_arena_calloc(&m->arena, sizeof *out);
    mc_kv *h = mc_arena_calloc(&m->arena, (rq->nheaders + 8) * sizeof *h);
    if (!out || !h)
        return NULL;
    size_t n = 0;
    h[n++] = (mc_kv){"Host", mc_arena_strdup(&m->arena, t->ep.host_header)};
    for (size_t i = 0; i < rq->nheaders; i++)
        h[n++] = rq->headers[i];
    for (size_t i = 0; i < sig->nheaders; i++)   /* names: static strings */
        h[n++] = (mc_kv){sig->headers[i].name, mc_arena_strdup(&m->arena, sig->headers[i].value)};
    out->headers = h;
    out->nheaders = n;
    out->method = op->method;
    mc_buf url = MC_BUF_ARENA(&m->arena);
    mc_buf_puts(&url, t->ep.url);
    mc_buf_append(&url, rq->path.data, rq->path.len);
    if (rq->query.len) {
        mc_buf_putc(&url, '?');
        mc_buf_append(&url, rq->query.data, rq->query.len);
    }
    out->url = mc_buf_keep(&url);
    if (rq->has_body) {   /* the body built in the arena, kept there */
        out->body_len = rq->body.len;
        out->body = mc_buf_keep(&rq->body);
    }
    out->idempotent = is_method(op->method, "GET") || is_method(op->method, "PUT") ||
                      is_method(op->method, "DELETE") || is_method(op->method, "HEAD");
    out->max_attempts = 1;       /* the connector retries as the AWS SDKs do */
    out->label = op->element;
    return out;
}

static bool sign_and_send(const mc_coperation *op, request *rq, const target *t,
                          mc_message *m, mc_flow *flow)
{
    const mc_connector *c = op->connector;
    if (rq->content_type)
        rq->headers[rq->nheaders++] = (mc_kv){"Content-Type", rq->content_type};
    mc_buf wire_path = MC_BUF_ARENA(&m->arena);
    mc_buf_puts(&wire_path, t->ep.base_path);
    mc_buf_append(&wire_path, rq->path.data, rq->path.len);
    mc_sigv4_header sh[MAX_HEADERS];
    for (size_t i = 0; i < rq->nheaders; i++)
        sh[i] = (mc_sigv4_header){rq->headers[i].name, rq->headers[i].value};
    mc_sigv4_request req = {
        .method = op->method, .host = t->ep.host_header, .path = mc_buf_cstr(&wire_path),
        .query = rq->query.len ? mc_buf_cstr(&rq->query) : NULL, .headers = sh,
        .nheaders = rq->nheaders, .body = rq->body.data, .body_len = rq->body.len,
    };
    mc_sigv4_params p = {
        .access_key_id = t->creds.access_key_id,
        .secret_access_key = t->creds.secret_access_key,
        .session_token = t->creds.session_token, .region = t->region,
        .service = c->signing_name, .when = time(NULL),
        .flags = mc_sigv4_service_flags(c->signing_name),
    };
    /* the thread's signer keeps derived keys across messages; without one
     * (out of memory) a temporary signer derives the key for this request */
    mc_sigv4_signer *signer = mc_sigv4_thread_signer();
    mc_sigv4_signer *own = signer ? NULL : mc_sigv4_signer_new();
    signer = signer ? signer : own;
    mc_sigv4_result sig;
    mc_err err;
    mc_err_clear(&err);
    mc_code rc = signer ? mc_sigv4_sign(signer, &req, &p, &sig, &err)
                        : mc_err_set(&err, MC_ENOMEM, "out of memory");
    mc_outbound *out = rc == MC_OK ? make_outbound(op, rq, t, &sig, m) : NULL;
    mc_sigv4_signer_free(own);
    mc_buf_free(&wire_path);
    if (!out) {
        if (rc == MC_OK)
            mc_err_set(&err, MC_ENOMEM, "out of memory");
        return *flow = target_fault(m, "0", op->element, &err), false;
    }
    out->url = out->url ? out->url : "";
    m->out = out;
    m->in = NULL;
    mc_msg_log(m, MC_LOG_DEBUG, "%s: %s %s (%zu body bytes, endpoint from %s, credentials "
               "from %s)", op->element, out->method, out->url, out->body_len, t->ep.source,
               t->creds.source);
    return true;
}

mc_build_result mc_op_build_request(const mc_op_call *call, const mc_conn_state *st,
                                    mc_message *m)
{
    const mc_coperation *op = call->op;
    mc_build_result r = {false, MC_FLOW_FAULT};
    /* path, query and body grow in the message's arena (each in place while
     * it is the newest block); the body is kept there for the outbound */
    request rq = {MC_BUF_ARENA(&m->arena), MC_BUF_ARENA(&m->arena), MC_BUF_ARENA(&m->arena),
                  {{0}}, 0, false, NULL};
    const mc_cparam *bad = NULL;
    if (!build_path(&rq, call, m)) {
        r.flow = mc_op_param_fault(m, "MissingParameter", "%s: a path parameter is empty",
                                   op->element);
    } else if ((bad = build_query_headers(&rq, call, m))) {
        r.flow = mc_op_param_fault(m, "InvalidParameter",
                                   "%s: parameter '%s': a header value cannot hold a "
                                   "control character (CR, LF, NUL, ...)",
                                   op->element, bad->name);
    } else {
        build_body(&rq, call);
        /* not zeroed whole (the endpoint alone is 2.2 KB): the resolvers
         * fill what they return, the credentials are cleared first */
        target t;
        memset(&t.creds, 0, sizeof t.creds);
        t.region[0] = '\0';
        t.ep.source[0] = '\0';
        if (rq.path.oom || rq.query.oom || rq.body.oom) {
            mc_err err;
            mc_err_set(&err, MC_ENOMEM, "out of memory");
            r.flow = target_fault(m, "0", op->element, &err);
        } else if (resolve_target(call, st, m, &t, &r.flow)) {
            r.ok = sign_and_send(op, &rq, &t, m, &r.flow);
            mc_aws_credentials_clear(&t.creds);
        }
    }
    mc_buf_free(&rq.path);
    mc_buf_free(&rq.query);
    mc_buf_free(&rq.body);
    return r;
}

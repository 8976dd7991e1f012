/* connector.c - the connector set as the API layer sees it: loading from
 * the search path, element lookup for the registry, suggestions for typos,
 * and the human description behind `mediac describe`. */
#include "connector/connector.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "aws/context.h"
#include "aws/providers.h"
#include "config/internal.h"
#include "util/datadir.h"
#include "http/client.h"

/* The HTTP the credential sources need (STS, container endpoint, instance
 * metadata): a short-lived client of the one HTTP layer, blocking, no
 * retries of its own (the sources retry as botocore does). */
static mc_code fetch(void *ud, const mc_aws_fetch_req *req, int *status, mc_buf *body,
                     mc_err *err)
{
    (void)ud;
    mc_http_options o = {.max_attempts = 1, .timeout_ms = req->timeout_ms,
                         .connect_timeout_ms = req->timeout_ms,
                         .max_response_bytes = MC_AWS_SOURCE_MAX_BYTES + 1};
    mc_http_client *c = mc_http_client_new(&o);
    if (!c)
        return mc_err_set(err, MC_ENOMEM, "out of memory");
    mc_http_header h[8];
    size_t n = req->nheaders < 8 ? req->nheaders : 8;
    for (size_t i = 0; i < n; i++)
        h[i] = (mc_http_header){req->headers[2 * i], req->headers[2 * i + 1]};
    mc_http_request r = {.method = req->method, .url = req->url, .headers = h, .nheaders = n,
                         .body = req->body, .body_len = req->body_len, .max_attempts = 1,
                         .timeout_ms = req->timeout_ms, .connect_timeout_ms = req->timeout_ms};
    mc_http_response resp = {0};
    mc_code rc = mc_http_do(c, &r, &resp, err);
    if (rc == MC_OK && resp.fault_code)
        rc = mc_err_set(err, MC_EIO, "%s", resp.error);
    if (rc == MC_OK) {
        *status = resp.status;
        mc_buf_append(body, resp.body.data, resp.body.len);
    }
    if (resp.body.data)
        OPENSSL_cleanse(resp.body.data, resp.body.len);
    mc_http_response_free(&resp);
    mc_http_client_free(c);
    return rc;
}

mc_connectors *mc_connectors_attach_aws(mc_connectors *cs, mc_err *err)
{
    if (!cs)
        return NULL;
    mc_aws_context_opts o = {.fetch = fetch};
    cs->aws = mc_aws_context_new(&o);
    if (!cs->aws) {
        mc_connectors_free(cs);
        mc_err_set(err, MC_ENOMEM, "out of memory");
        return NULL;
    }
    return cs;
}

mc_connectors *mc_connectors_load(mc_err *err)
{
    char dir[4096];
    mc_data_dir("MEDIAC_CONNECTOR_PATH", "connector", dir, sizeof dir);
    return mc_connectors_load_from(dir, err);
}

void mc_connectors_free(mc_connectors *cs)
{
    if (!cs)
        return;
    mc_aws_context_free(cs->aws);
    mc_arena_free(&cs->arena);
    free(cs);
}

const mc_mediator_type *mc_connectors_lookup(const mc_connectors *cs, const char *element)
{
    const char *dot = element ? strrchr(element, '.') : NULL;
    const mc_connector *c = dot ? mc_connector_find(cs, element, (size_t)(dot - element)) : NULL;
    if (!c)
        return NULL;
    if (strcmp(dot + 1, "init") == 0)
        return &mc_med_connector_init;
    return mc_connector_op(c, dot + 1) ? &mc_med_connector_op : NULL;
}

const char *mc_connectors_suggest(const mc_connectors *cs, const char *element)
{
    const char *best = NULL;
    size_t bd = (size_t)-1;
    for (size_t i = 0; cs && i < cs->n; i++) {
        const mc_connector *c = &cs->items[i];
        for (size_t j = 0; j <= c->nops; j++) {
            const char *cand = j < c->nops ? c->ops[j].element : c->init_element;
            size_t d = mc_edit_distance(element, cand);
            if (strcasecmp(element, cand) == 0)
                d = 1;
            if (d < bd) {
                bd = d;
                best = cand;
            }
        }
    }
    return best && bd > 0 && bd <= strlen(element) / 3 + 1 ? best : NULL;
}

/* ---- describe ----------------------------------------------------------- */

/* "128 to 10240", "length 1 to 140", "at most 16 items", one of "a, b". */
static void describe_shape(mc_buf *out, const mc_cshape *s)
{
    bool counted = s->kind == MC_SK_STRING || s->kind == MC_SK_BLOB ||
                   s->kind == MC_SK_LIST || s->kind == MC_SK_MAP;
    const char *unit = s->kind == MC_SK_LIST ? " items"
                     : s->kind == MC_SK_MAP  ? " entries"
                     : s->kind == MC_SK_BLOB ? " bytes" : "";
    if (s->nenums) {
        mc_buf_puts(out, "; one of ");
        for (size_t i = 0; i < s->nenums; i++)
            mc_buf_printf(out, "%s%s", i ? ", " : "", s->enums[i]);
    } else if (s->has_min && s->has_max) {
        mc_buf_printf(out, "; %s%g to %g%s", counted && !*unit ? "length " : "", s->min,
                      s->max, unit);
    } else if (s->has_min) {
        mc_buf_printf(out, "; %s%g%s or more", counted && !*unit ? "length " : "", s->min,
                      unit);
    } else if (s->has_max) {
        mc_buf_printf(out, "; %s%g%s at most", counted && !*unit ? "length " : "", s->max,
                      unit);
    }
    if (s->kind == MC_SK_STRUCTURE && *s->name)
        mc_buf_printf(out, "; a %s object", s->name);
    if (s->kind == MC_SK_MAP && s->value)
        mc_buf_printf(out, "; values: %s", mc_shape_kind_name(s->value->kind));
    if (s->kind == MC_SK_LIST && s->member)
        mc_buf_printf(out, "; items: %s%s%s", s->member->kind == MC_SK_STRUCTURE ? "" : "",
                      s->member->kind == MC_SK_STRUCTURE ? s->member->name
                                                         : mc_shape_kind_name(s->member->kind),
                      s->member->kind == MC_SK_STRUCTURE ? " objects" : "");
}

static void describe_param(mc_buf *out, const mc_cparam *p)
{
    /* required means the flow must give it: a default or the AWS chain
     * (credentials, region) can supply the others */
    bool must = p->required && !(p->def && *p->def);
    mc_buf_printf(out, "  %s\n    %s", p->name,
                  must ? (p->connection_only ? "required with a connection (configKey)"
                                             : "required")
                       : "optional");
    if (p->def && *p->def)
        mc_buf_printf(out, ", default %s", p->def);
    if (p->in == MC_CP_RUNTIME)
        mc_buf_puts(out, "; not sent (steers the runtime)");
    else if (p->in == MC_CP_PAYLOAD)
        mc_buf_puts(out, "; the request body");
    else if (p->in != MC_CP_NONE) {
        mc_buf_printf(out, "; %s", mc_cp_in_name(p->in));
        if (p->in != MC_CP_PATH)
            mc_buf_printf(out, " %s", p->as);
    }
    mc_buf_printf(out, "; %s", mc_cp_type_name(p->type));
    if (p->shape)
        describe_shape(out, p->shape);
    if (p->secret)
        mc_buf_puts(out, "; secret");
    if (p->connection_only && !must)
        mc_buf_puts(out, "; v2 connections");
    if (p->deprecated)
        mc_buf_puts(out, "; deprecated");
    if (p->idempotency_token)
        mc_buf_puts(out, "; a fresh UUID when not given");
    for (size_t i = 0; i < p->naliases; i++)
        mc_buf_printf(out, "%s%s", i ? ", " : "; also ", p->aliases[i]);
    mc_buf_printf(out, "\n    %s\n", p->description);
}

static void describe_params(mc_buf *out, const char *title, const mc_cparam *ps, size_t n)
{
    if (!n)
        return;
    mc_buf_printf(out, "\n%s:\n", title);
    for (size_t i = 0; i < n; i++)
        describe_param(out, &ps[i]);
}

/* The first sentence of a description, for one-line listings. */
static int first_sentence(const char *d)
{
    for (const char *p = d; *p; p++)
        if ((*p == '.' || *p == '!' || *p == '?') && (p[1] == ' ' || p[1] == '\0'))
            return (int)(p - d + 1);
    return (int)strlen(d);
}

static void describe_op_line(mc_buf *out, const mc_coperation *op, int w)
{
    mc_buf_printf(out, "  %-*s  %.*s%s%s\n", w, op->name, first_sentence(op->description),
                  op->description, strcmp(op->origin, "wso2") == 0 ? " [WSO2]" : "",
                  op->deprecated ? " [deprecated]" : "");
}

/* Operations grouped by theme, in the connector's theme order; those of
 * no listed theme last. */
static void describe_ops(mc_buf *out, const mc_connector *c)
{
    int w = 0;
    for (size_t i = 0; i < c->nops; i++)
        if ((int)strlen(c->ops[i].name) > w)
            w = (int)strlen(c->ops[i].name);
    mc_buf_printf(out, "\noperations (%zu, by theme; [WSO2]: also in the WSO2 connector, "
                  "with its names):\n", c->nops);
    for (size_t t = 0; t <= c->nthemes; t++) {
        const char *theme = t < c->nthemes ? c->themes[t] : "";
        size_t k = 0;
        for (size_t i = 0; i < c->nops; i++) {
            const mc_coperation *op = &c->ops[i];
            bool listed = false;
            for (size_t j = 0; j < c->nthemes && !listed; j++)
                listed = op->theme == c->themes[j];
            if (t < c->nthemes ? op->theme != theme : listed)
                continue;
            if (k++ == 0)
                mc_buf_printf(out, "\n %s:\n", *theme ? theme : "Other");
            describe_op_line(out, op, w);
        }
    }
}

static void describe_connector(mc_buf *out, const mc_connector *c)
{
    mc_buf_printf(out, "%s - %s\n", c->name, c->description);
    mc_buf_printf(out, "service %s, signing name %s, API version %s, endpoint %s\n", c->service,
                  c->signing_name, c->api_version ? c->api_version : "-",
                  c->endpoint ? c->endpoint : "(AWS default)");
    describe_params(out, "connection parameters (<init> or a local entry connection)",
                    c->init, c->ninit);
    describe_params(out, "parameters of every operation", c->common, c->ncommon);
    describe_ops(out, c);
}

static void describe_op(mc_buf *out, const mc_coperation *op)
{
    mc_buf_printf(out, "%s - %s\n", op->element, op->description);
    if (*op->api)
        mc_buf_printf(out, "AWS API: %s%s; theme: %s%s\n", op->api,
                      strcmp(op->origin, "wso2") == 0 ? " (WSO2 connector operation)" : "",
                      *op->theme ? op->theme : "-", op->deprecated ? "; deprecated" : "");
    mc_buf_printf(out, "%s %s%s%s -> success", op->method, op->path,
                  op->static_query ? "?" : "", op->static_query ? op->static_query : "");
    for (size_t i = 0; i < op->nsuccess; i++)
        mc_buf_printf(out, " %d", op->success[i]);
    mc_buf_putc(out, '\n');
    if (op->paginate)
        mc_buf_printf(out, "paginated: %s -> %s, items in %s (paginate=true merges pages)\n",
                      op->paginate->output, op->paginate->input->name, op->paginate->result);
    for (size_t i = 0; i < op->nrequires; i++)
        mc_buf_printf(out, "requires body member %s: give one of %s\n", op->requires[i].member,
                      op->requires[i].params);
    describe_params(out, "parameters", op->params, op->nparams);
    describe_params(out, "common parameters", op->common, op->ncommon);
    if (op->nresults)
        mc_buf_puts(out, "\nresponse headers copied to properties:\n");
    for (size_t i = 0; i < op->nresults; i++) {
        const mc_cresult *r = &op->results[i];
        mc_buf_printf(out, "  %s -> %s%s\n    %s\n", r->header, r->property,
                      r->base64 ? " (base64-decoded)" : "", r->description);
    }
}

mc_code mc_connectors_describe(const mc_connectors *cs, const char *what, mc_buf *out)
{
    if (!cs)
        return MC_ENOTFOUND;
    if (!what || !*what) {
        for (size_t i = 0; i < cs->n; i++)
            mc_buf_printf(out, "%s - %s (%zu operations)\n", cs->items[i].name,
                          cs->items[i].description, cs->items[i].nops);
        return out->oom ? MC_ENOMEM : MC_OK;
    }
    const char *dot = strchr(what, '.');
    const mc_connector *c = mc_connector_find(cs, what, dot ? (size_t)(dot - what) : strlen(what));
    if (!c)
        return MC_ENOTFOUND;
    if (!dot) {
        describe_connector(out, c);
    } else if (strcmp(dot + 1, "init") == 0) {
        mc_buf_printf(out, "%s - the connection of %s\n", c->init_element, c->name);
        describe_params(out, "parameters", c->init, c->ninit);
    } else {
        const mc_coperation *op = mc_connector_op(c, dot + 1);
        if (!op)
            return MC_ENOTFOUND;
        describe_op(out, op);
    }
    return out->oom ? MC_ENOMEM : MC_OK;
}

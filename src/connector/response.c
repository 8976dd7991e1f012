/* response.c - maps the answer of a connector request onto the message:
 * retries (the AWS SDKs' standard or legacy mode), pages of a paginated
 * call followed and merged, event-stream answers decoded, transport
 * faults, AWS errors (ERROR_CODE from the error type, the service's status
 * and body passed through), the payload (JSON, text, or binary kept as
 * bytes) or the responseVariable, and the operation's <result> mappings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/context.h"
#include "connector/eventstream.h"
#include "connector/internal.h"
#include "util/codec.h"
#include "util/utf8.h"

/* The answer's header name (any case), or NULL.  The first bytes folded
 * with 0x20 tell most other names apart without a strcasecmp (letters
 * fold to their lower case; a false match only costs the strcasecmp). */
static const char *header(const mc_inbound *in, const char *name)
{
    unsigned char first = (unsigned char)name[0] | 0x20;
    for (size_t i = 0; i < in->nheaders; i++) {
        const char *hn = in->headers[i].name;
        if (hn && ((unsigned char)hn[0] | 0x20) == first && strcasecmp(hn, name) == 0)
            return in->headers[i].value ? in->headers[i].value : "";
    }
    return NULL;
}

/* Bytes that are no text: not UTF-8, a NUL, or declared binary. */
static bool is_binary(const mc_inbound *in)
{
    const char *ct = header(in, "Content-Type");
    if (ct && strncasecmp(ct, "application/octet-stream", 24) == 0)
        return true;
    return mc_utf8_check(in->body, in->body_len) != in->body_len ||
           memchr(in->body, '\0', in->body_len) != NULL;
}

/* Response body as the payload: JSON when it parses, text when it is
 * text, else the bytes as they are (application/octet-stream). */
static void set_payload(mc_message *m, const mc_inbound *in)
{
    const char *body = in->body ? in->body : "";
    /* JSON when it parses (one pass: setting a JSON payload checks it and
     * leaves the message as it was when the check fails) */
    if (in->body_len &&
        mc_msg_set_payload_lent(m, body, in->body_len, "application/json", NULL) == MC_OK)
        return;
    if (in->body_len == 0)
        mc_msg_set_payload(m, "", 0, NULL, NULL);
    else if (is_binary(in))
        mc_msg_set_payload_lent(m, body, in->body_len, "application/octet-stream", NULL);
    else
        mc_msg_set_payload_lent(m, body, in->body_len, "text/plain", NULL);
}

static void set_transport(mc_message *m, const mc_inbound *in)
{
    mc_msg_clear_scope(m, MC_SCOPE_TRANSPORT);
    for (size_t i = 0; i < in->nheaders; i++)
        if (in->headers[i].name && !mc_msg_hop_header(in->headers[i].name))
            mc_msg_set_propz(m, MC_SCOPE_TRANSPORT, in->headers[i].name,
                             in->headers[i].value ? in->headers[i].value : "");
}

/* The operation's <result header property decode>: set when the header is
 * there, removed when it is not (no stale value from an earlier call). */
static void map_results(const mc_coperation *op, mc_message *m, const mc_inbound *in)
{
    for (size_t i = 0; i < op->nresults; i++) {
        const mc_cresult *r = &op->results[i];
        if (r->event)
            continue;           /* event-stream members: map_events */
        const char *v = header(in, r->header);
        if (!v) {
            mc_msg_remove_prop(m, MC_SCOPE_DEFAULT, r->property);
            continue;
        }
        mc_buf d = MC_BUF_INIT;
        if (r->base64 && mc_base64_decode(&d, v, strlen(v)) && !d.oom)
            mc_msg_set_prop(m, MC_SCOPE_DEFAULT, r->property, mc_buf_cstr(&d), d.len,
                            MC_VT_STRING);
        else
            mc_msg_set_propz(m, MC_SCOPE_DEFAULT, r->property, v);
        mc_buf_free(&d);
    }
}

/* {"payload": ..., "headers": {...}, "attributes": {"statusCode": N}} */
static void set_variable(mc_message *m, const char *name, const mc_inbound *in)
{
    mc_buf b = MC_BUF_INIT;
    const char *body = in->body ? in->body : "";
    bool binary = false;
    mc_buf_puts(&b, "{\"payload\":");
    if (in->body_len && mc_json_valid(body, in->body_len)) {
        mc_buf_append(&b, body, in->body_len);
    } else if (in->body_len && is_binary(in)) {
        /* JSON cannot hold the bytes: base64, said in attributes */
        mc_buf enc = MC_BUF_INIT;
        mc_base64_encode(&enc, body, in->body_len);
        mc_buf_json_string(&b, enc.data ? enc.data : "", enc.len);
        mc_buf_free(&enc);
        binary = true;
    } else {
        mc_buf_json_string(&b, body, in->body_len);
    }
    mc_buf_puts(&b, ",\"headers\":{");
    for (size_t i = 0; i < in->nheaders; i++) {
        const char *hn = in->headers[i].name, *hv = in->headers[i].value;
        if (i)
            mc_buf_putc(&b, ',');
        mc_buf_json_string(&b, hn ? hn : "", hn ? strlen(hn) : 0);
        mc_buf_putc(&b, ':');
        mc_buf_json_string(&b, hv ? hv : "", hv ? strlen(hv) : 0);
    }
    mc_buf_printf(&b, "},\"attributes\":{\"statusCode\":%d%s}}", in->status,
                  binary ? ",\"payloadEncoding\":\"base64\"" : "");
    if (!b.oom)
        mc_msg_set_var(m, name, b.data, b.len, MC_VT_JSON);
    mc_buf_free(&b);
}

/* A member of a JSON object body, as text, or NULL. */
static const char *body_member(mc_message *m, mc_json body, const char *const *names)
{
    for (; *names; names++) {
        mc_json v = mc_json_get(body, *names, strlen(*names));
        size_t n;
        const char *s = mc_json_type_of(v) == MC_JSON_STRING ? mc_json_str(v, &n) : NULL;
        if (s)
            return mc_arena_strndup(&m->arena, s, n);
    }
    return NULL;
}

/* "ResourceNotFoundException:http://..." or "ns#Name" -> "Name". */
static const char *error_type(mc_message *m, const char *raw)
{
    const char *hash = strchr(raw, '#');
    if (hash)
        raw = hash + 1;
    return mc_arena_strndup(&m->arena, raw, strcspn(raw, ":"));
}

static mc_flow map_error(const mc_op_m *o, mc_message *m, const mc_inbound *in)
{
    static const char *const type_keys[] = {"__type", "code", "Code", "Type", NULL};
    static const char *const msg_keys[] = {"message", "Message", "errorMessage", NULL};
    mc_json body = in->body_len ? mc_json_parse(&m->arena, in->body, in->body_len, NULL)
                                : NULL;
    const char *type = header(in, "X-Amzn-ErrorType");
    if (!type || !*type)
        type = body_member(m, body, type_keys);
    const char *msg = body_member(m, body, msg_keys);
    char status[16];
    snprintf(status, sizeof status, "%d", in->status);
    type = type && *type ? error_type(m, type) : status;
    if (!msg || !*msg)
        msg = mc_arena_printf(&m->arena, "%s: HTTP %d", o->op->element, in->status);
    mc_msg_set_fault(m, type, msg, NULL);
    set_payload(m, in);
    set_transport(m, in);
    mc_msg_set_status(m, in->status);
    m->fault_response = true;
    return MC_FLOW_FAULT;
}

static bool is_true(const char *v) { return v && strcasecmp(v, "true") == 0; }

/* ---- retries ------------------------------------------------------------- */

/* The AWS error code of an answer (for the retry decision), or NULL. */
static const char *answer_code(mc_message *m, const mc_inbound *in)
{
    static const char *const type_keys[] = {"__type", "code", "Code", "Type", NULL};
    if (in->status < 300)
        return NULL;
    const char *type = header(in, "X-Amzn-ErrorType");
    if (!type || !*type) {
        mc_json body = in->body_len ? mc_json_parse(&m->arena, in->body, in->body_len, NULL)
                                    : NULL;
        type = body_member(m, body, type_keys);
    }
    return type && *type ? error_type(m, type) : NULL;
}

/* Send the same request again after the standard mode's backoff, when the
 * answer is retryable and attempts and quota remain. */
static bool retry(const mc_op_m *o, mc_message *m, mc_op_pending *pd, mc_outbound *out)
{
    const mc_inbound *in = m->in;
    if (!pd || !out || !o->aws)
        return false;
    mc_aws_retry *r = mc_aws_context_retry(o->aws);
    mc_aws_attempt a = {
        .status = in ? in->status : 0,
        .error_code = in && !in->fault_code ? answer_code(m, in) : NULL,
        .transport_fault = !in || in->fault_code != 0,
        .timeout = in && in->fault_code == 101504,
        .attempts = pd->attempts,
    };
    long delay = 0;
    if (!mc_aws_retry_decide(r, &a, &delay, &pd->quota_taken))
        return false;
    pd->attempts++;
    out->delay_ms = delay;
    mc_msg_log(m, MC_LOG_DEBUG, "%s: retry %d of %d in %ld ms (%s)", o->op->element,
               pd->attempts, r->max_attempts, delay,
               a.transport_fault ? (in && in->error ? in->error : "no answer")
               : a.error_code ? a.error_code : "server error");
    m->out = out;
    m->in = NULL;
    return true;
}

/* ---- pagination ---------------------------------------------------------- */

static bool paginating(const mc_op_m *o, const mc_op_pending *pd)
{
    const mc_cpaginate *pg = o->op->paginate;
    return pg && pd && is_true(pd->call.values[pg->enable - o->op->params]);
}

/* Keep this page's items; true when there is a next page to fetch (its
 * marker is then in the call). */
static bool take_page(const mc_op_m *o, mc_message *m, mc_op_pending *pd, mc_json page)
{
    const mc_cpaginate *pg = o->op->paginate;
    mc_json items = mc_json_get(page, pg->result, strlen(pg->result));
    mc_buf b = MC_BUF_INIT;
    for (size_t i = 0; i < mc_json_count(items); i++) {
        if (i)
            mc_buf_putc(&b, ',');
        mc_json_write(&b, mc_json_at(items, i));
    }
    mc_page_chunk *c = mc_arena_calloc(&m->arena, sizeof *c);
    if (c && b.len && !b.oom) {
        c->text = mc_arena_strndup(&m->arena, b.data, b.len);
        c->len = b.len;
        if (pd->items_last)
            pd->items_last->next = c;
        else
            pd->items = c;
        pd->items_last = c;
    }
    mc_buf_free(&b);
    pd->pages++;
    size_t tl;
    mc_json tok = mc_json_get(page, pg->output, strlen(pg->output));
    const char *t = mc_json_type_of(tok) == MC_JSON_STRING ? mc_json_str(tok, &tl) : NULL;
    const char *maxp = pd->call.values[pg->max_pages - o->op->params];
    long max_pages = maxp ? strtol(maxp, NULL, 10) : 1000;
    if (!t || !tl || pd->pages >= max_pages)
        return false;
    size_t i = (size_t)(pg->input - o->op->params);
    pd->call.values[i] = mc_arena_strndup(&m->arena, t, tl);
    pd->call.lens[i] = tl;
    return pd->call.values[i] != NULL;
}

/* The last page with every page's items in its list; its marker stays
 * only when pages remain (maxPages reached). */
static const char *merged_body(const mc_op_m *o, mc_message *m, const mc_op_pending *pd,
                               mc_json last, bool more, size_t *len)
{
    const mc_cpaginate *pg = o->op->paginate;
    mc_buf b = MC_BUF_INIT;
    mc_buf_putc(&b, '{');
    bool first = true;
    for (size_t i = 0; i < mc_json_count(last); i++) {
        size_t kl;
        const char *k = mc_json_key(last, i, &kl);
        if ((kl == strlen(pg->result) && memcmp(k, pg->result, kl) == 0) ||
            (!more && kl == strlen(pg->output) && memcmp(k, pg->output, kl) == 0))
            continue;
        if (!first)
            mc_buf_putc(&b, ',');
        first = false;
        mc_buf_json_string(&b, k, kl);
        mc_buf_putc(&b, ':');
        mc_json_write(&b, mc_json_at(last, i));
    }
    if (!first)
        mc_buf_putc(&b, ',');
    mc_buf_json_string(&b, pg->result, strlen(pg->result));
    mc_buf_puts(&b, ":[");
    for (const mc_page_chunk *c = pd->items; c; c = c->next) {
        if (c != pd->items)
            mc_buf_putc(&b, ',');
        mc_buf_append(&b, c->text, c->len);
    }
    mc_buf_puts(&b, "]}");
    const char *out = b.oom ? NULL : mc_arena_strndup(&m->arena, b.data, b.len);
    *len = out ? b.len : 0;
    mc_buf_free(&b);
    return out;
}

/* A 2xx page of a paginated call: fetch the next page (true) or replace
 * the answer with the merged pages. */
static bool next_page(const mc_op_m *o, mc_message *m, mc_op_pending *pd, mc_flow *flow)
{
    mc_inbound *in = m->in;
    mc_json page = mc_json_parse(&m->arena, in->body ? in->body : "", in->body_len, NULL);
    if (mc_json_type_of(page) != MC_JSON_OBJECT)
        return false;
    if (take_page(o, m, pd, page)) {
        pd->attempts = 1;
        mc_build_result r = mc_op_build_request(&pd->call, pd->st, m);
        *flow = r.ok ? MC_FLOW_SUSPEND : r.flow;
        return true;
    }
    const mc_cpaginate *pg = o->op->paginate;
    mc_json tok = mc_json_get(page, pg->output, strlen(pg->output));
    size_t len;
    const char *body = merged_body(o, m, pd, page, mc_json_str(tok, NULL) != NULL &&
                                                   mc_json_type_of(tok) == MC_JSON_STRING,
                                   &len);
    if (body) {
        in->body = body;
        in->body_len = len;
    }
    mc_msg_log(m, MC_LOG_DEBUG, "%s: %d pages merged", o->op->element, pd->pages);
    return false;
}

/* ---- event streams ------------------------------------------------------- */

typedef struct stream_state {
    const mc_op_m *o;
    mc_message *m;
    mc_buf body;                 /* the payload events' bytes */
    const mc_event *failure;     /* an exception or error message */
    mc_event failed;
} stream_state;

static void event_results(const mc_coperation *op, mc_message *m, const mc_event *ev)
{
    mc_arena a;
    mc_arena_init(&a, 1024);
    mc_json j = mc_json_parse(&a, ev->payload, ev->payload_len, NULL);
    for (size_t i = 0; i < op->nresults; i++) {
        const mc_cresult *r = &op->results[i];
        if (!r->event || strlen(r->event) != ev->event_type_len ||
            memcmp(r->event, ev->event_type, ev->event_type_len) != 0)
            continue;
        mc_json v = mc_json_get(j, r->member, strlen(r->member));
        size_t n;
        const char *t = mc_json_type_of(v) == MC_JSON_STRING ? mc_json_str(v, &n) : NULL;
        mc_buf d = MC_BUF_INIT;
        if (t && r->base64 && mc_base64_decode(&d, t, n) && !d.oom)
            mc_msg_set_prop(m, MC_SCOPE_DEFAULT, r->property, d.data ? d.data : "", d.len,
                            MC_VT_STRING);
        else if (t && n)
            mc_msg_set_prop(m, MC_SCOPE_DEFAULT, r->property, t, n, MC_VT_STRING);
        mc_buf_free(&d);
    }
    mc_arena_free(&a);
}

static bool on_event(void *ud, const mc_event *ev)
{
    stream_state *s = ud;
    const char *chunk = s->o->op->eventstream;
    bool is_event = !ev->message_type ||
                    (ev->message_type_len == 5 && memcmp(ev->message_type, "event", 5) == 0);
    if (!is_event) {
        s->failed = *ev;
        s->failure = &s->failed;
        return false;
    }
    if (ev->event_type && ev->event_type_len == strlen(chunk) &&
        memcmp(ev->event_type, chunk, ev->event_type_len) == 0)
        mc_buf_append(&s->body, ev->payload, ev->payload_len);
    else if (ev->event_type)
        event_results(s->o->op, s->m, ev);
    return true;
}

/* An event-stream answer becomes an ordinary one: the payload events'
 * bytes as the body, other events' members as properties; an exception or
 * error message (or a broken frame) becomes an error answer: 502 with
 * {"__type": its type, "message": ...}. */
static void decode_stream(const mc_op_m *o, mc_message *m)
{
    mc_inbound *in = m->in;
    if (!o->op->eventstream || in->status >= 300)
        return;
    const char *ct = header(in, "Content-Type");
    if (!ct ||
        strncasecmp(ct, "application/vnd.amazon.eventstream", 34) != 0)
        return;
    for (size_t i = 0; i < o->op->nresults; i++)
        if (o->op->results[i].event)
            mc_msg_remove_prop(m, MC_SCOPE_DEFAULT, o->op->results[i].property);
    stream_state s = {.o = o, .m = m, .body = MC_BUF_INIT};
    mc_err err = {0};
    mc_code rc = mc_eventstream_decode(in->body ? in->body : "", in->body_len, on_event, &s,
                                       &err);
    mc_buf b = MC_BUF_INIT;
    if (rc != MC_OK || s.failure) {
        const mc_event *f = s.failure;
        mc_buf_puts(&b, "{\"__type\":");
        if (f && f->event_type)
            mc_buf_json_string(&b, f->event_type, f->event_type_len);
        else if (f && f->error_code)
            mc_buf_json_string(&b, f->error_code, f->error_code_len);
        else
            mc_buf_puts(&b, "\"EventStreamError\"");
        mc_buf_puts(&b, ",\"message\":");
        if (rc != MC_OK)
            mc_buf_json_string(&b, err.msg, strlen(err.msg));
        else if (f->error_message)
            mc_buf_json_string(&b, f->error_message, f->error_message_len);
        else
            mc_buf_json_string(&b, f->payload, f->payload_len);
        mc_buf_putc(&b, '}');
        in->status = 502;
    } else {
        mc_buf_append(&b, s.body.data ? s.body.data : "", s.body.len);
    }
    in->body = mc_arena_strndup(&m->arena, b.data ? b.data : "", b.len);
    in->body_len = in->body ? b.len : 0;
    mc_buf_free(&b);
    mc_buf_free(&s.body);
    for (size_t i = 0; i < in->nheaders; i++)
        if (in->headers[i].name && strcasecmp(in->headers[i].name, "Content-Type") == 0)
            in->headers[i].value = in->status == 502 ? "application/json"
                                                     : "application/octet-stream";
}

/* ---- the answer ---------------------------------------------------------- */

mc_flow mc_op_map_response(const mc_op_m *o, mc_message *m)
{
    mc_conn_msg *cm = m->connector_state;
    mc_op_pending *pd = cm ? cm->pending : NULL;
    mc_outbound *out = m->out;
    m->out = NULL;
    if (retry(o, m, pd, out))
        return MC_FLOW_SUSPEND;
    mc_inbound *in = m->in;
    if (!in || in->fault_code) {
        char code[16];
        snprintf(code, sizeof code, "%d", in ? in->fault_code : 101500);
        mc_msg_set_fault(m, code,
                         mc_arena_printf(&m->arena, "%s: %s", o->op->element,
                                         in && in->error ? in->error : "no response"),
                         NULL);
        return MC_FLOW_FAULT;
    }
    if (in->status < 300 && o->aws && pd) {
        mc_aws_retry_success(mc_aws_context_retry(o->aws), pd->quota_taken);
        pd->quota_taken = 0;
    }
    mc_flow flow;
    if (in->status < 300 && paginating(o, pd) && next_page(o, m, pd, &flow))
        return flow;
    decode_stream(o, m);
    const char *var = mc_op_common(o, m, o->response_variable);
    bool overwrite = !var || is_true(mc_op_common(o, m, o->overwrite_body));
    map_results(o->op, m, in);
    if (var)
        set_variable(m, var, in);
    /* like botocore: any status from 300 up is an error, whatever the
     * descriptor's documented success codes (emulators differ there) */
    if (in->status >= 300)
        return map_error(o, m, in);
    if (overwrite) {
        set_payload(m, in);
        set_transport(m, in);
        mc_msg_set_status(m, in->status);
    }
    return MC_FLOW_NEXT;
}

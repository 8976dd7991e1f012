/* response.c - maps the answer of a connector request onto the message:
 * transport faults, AWS errors (ERROR_CODE from the error type, the
 * service's status and body passed through), the payload or the
 * responseVariable, and the operation's <result> header mappings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connector/internal.h"
#include "util/codec.h"

static const char *header(const mc_inbound *in, const char *name)
{
    for (size_t i = 0; i < in->nheaders; i++)
        if (in->headers[i].name && strcasecmp(in->headers[i].name, name) == 0)
            return in->headers[i].value ? in->headers[i].value : "";
    return NULL;
}

/* Response body as the payload: JSON when it parses, else text. */
static void set_payload(mc_message *m, const mc_inbound *in)
{
    const char *body = in->body ? in->body : "";
    if (in->body_len && mc_json_valid(body, in->body_len) &&
        mc_msg_set_payload(m, body, in->body_len, "application/json", NULL) == MC_OK)
        return;
    if (in->body_len == 0)
        mc_msg_set_payload(m, "", 0, NULL, NULL);
    else
        mc_msg_set_payload(m, body, in->body_len, "text/plain", NULL);
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
    mc_buf_puts(&b, "{\"payload\":");
    if (in->body_len && mc_json_valid(body, in->body_len))
        mc_buf_append(&b, body, in->body_len);
    else
        mc_buf_json_string(&b, body, in->body_len);
    mc_buf_puts(&b, ",\"headers\":{");
    for (size_t i = 0; i < in->nheaders; i++) {
        const char *hn = in->headers[i].name, *hv = in->headers[i].value;
        if (i)
            mc_buf_putc(&b, ',');
        mc_buf_json_string(&b, hn ? hn : "", hn ? strlen(hn) : 0);
        mc_buf_putc(&b, ':');
        mc_buf_json_string(&b, hv ? hv : "", hv ? strlen(hv) : 0);
    }
    mc_buf_printf(&b, "},\"attributes\":{\"statusCode\":%d}}", in->status);
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

mc_flow mc_op_map_response(const mc_op_m *o, mc_message *m)
{
    const mc_inbound *in = m->in;
    m->out = NULL;
    if (!in || in->fault_code) {
        char code[16];
        snprintf(code, sizeof code, "%d", in ? in->fault_code : 101500);
        mc_msg_set_fault(m, code,
                         mc_arena_printf(&m->arena, "%s: %s", o->op->element,
                                         in && in->error ? in->error : "no response"),
                         NULL);
        return MC_FLOW_FAULT;
    }
    const char *var = mc_op_common(o, m, "responseVariable");
    bool overwrite = !var || is_true(mc_op_common(o, m, "overwriteBody"));
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

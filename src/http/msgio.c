/* msgio.c - a message's request as the HTTP client sends it, and the
 * client's response as the message sees it (m->in): the one conversion,
 * used by every host that sends a message's requests.  The response's
 * body, and the lean client's block of header names and values, move
 * into the message (its arena owns the blocks), uncopied. */
#include "http/msgio.h"

#include <string.h>

mc_http_request mc_http_request_of(const mc_outbound *out)
{
    return (mc_http_request){
        .method = out->method, .url = out->url,
        .headers = (const mc_http_header *)out->headers, .nheaders = out->nheaders,
        .body = out->body, .body_len = out->body_len, .idempotent = out->idempotent,
        .timeout_ms = out->timeout_ms, .insecure = out->insecure,
        .max_attempts = out->max_attempts, .delay_ms = out->delay_ms,
        .http10 = out->http10, .absolute_target = out->absolute_target,
    };
}

mc_inbound *mc_http_inbound(mc_message *m, mc_http_response *r)
{
    mc_inbound *in = mc_arena_calloc(&m->arena, sizeof *in);
    if (!in)
        return NULL;
    in->status = r->status;
    in->fault_code = r->fault_code;
    in->error = r->fault_code ? mc_arena_strdup(&m->arena, r->error) : NULL;
    /* the body is lent, not copied: the message's arena takes the heap
     * block the client read it into (NUL-terminated, mc_buf) and frees it
     * when the message ends */
    if (r->body.data && !r->body.arena && !r->body.oom && mc_arena_adopt(&m->arena, r->body.data)) {
        in->body = r->body.data;
        in->body_len = r->body.len;
        r->body = (mc_buf)MC_BUF_INIT;
    } else {
        in->body = mc_arena_strndup(&m->arena, r->body.data ? r->body.data : "", r->body.len);
        in->body_len = r->body.len;
    }
    size_t nh = r->nheaders;
    in->headers = nh ? mc_arena_alloc(&m->arena, nh * sizeof *in->headers) : NULL;
    if (!in->body || (nh && !in->headers) || (r->fault_code && !in->error))
        return NULL;
    in->nheaders = nh;
    if (r->header_block && mc_arena_adopt(&m->arena, r->header_block)) {
        /* the lean client's one block of names and values: lent too */
        for (size_t i = 0; i < nh; i++)
            in->headers[i] = (mc_kv){r->header_names[i], r->header_values[i]};
        r->header_block = NULL;
        r->header_names = r->header_values = NULL;
        r->nheaders = 0;
        return in;
    }
    /* the names and values in one arena block */
    size_t text = 0;
    for (size_t i = 0; i < nh; i++)
        text += strlen(r->header_names[i]) + strlen(r->header_values[i]) + 2;
    char *p = nh ? mc_arena_alloc_unaligned(&m->arena, text) : NULL;
    if (nh && !p)
        return NULL;
    for (size_t i = 0; i < nh; i++) {
        in->headers[i].name = p;
        p = stpcpy(p, r->header_names[i]) + 1;
        in->headers[i].value = p;
        p = stpcpy(p, r->header_values[i]) + 1;
    }
    return in;
}

mc_inbound *mc_http_inbound_fault(mc_message *m, int fault_code, const char *error)
{
    mc_inbound *in = mc_arena_calloc(&m->arena, sizeof *in);
    if (!in)
        return NULL;
    in->fault_code = fault_code ? fault_code : MC_FAULT_HTTP_OTHER;
    in->error = mc_arena_strdup(&m->arena, error ? error : "");
    in->body = "";
    return in->error ? in : NULL;
}

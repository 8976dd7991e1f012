/* h2.c - HTTP/2 on the server's connections (libnghttp2): one
 * nghttp2_session per connection, fed from the connection's edge-triggered
 * reads (conn.c) and written through the same send path; each stream
 * becomes an mc_server_req handed to the handler and answered through
 * mc_server_respond like an HTTP/1.1 request.  The server's limits map
 * onto HTTP/2's own: --max-header is SETTINGS_MAX_HEADER_LIST_SIZE (a
 * larger header list: 431), --max-body counts DATA (413),
 * --max-concurrent is SETTINGS_MAX_CONCURRENT_STREAMS (at most 128) and
 * the global admission (503), --request-timeout runs per stream (408 while
 * it arrives, 504 while its flow runs), --idle-timeout per connection
 * (GOAWAY).  nghttp2 checks the message framing (content-length against
 * DATA, connection-specific and malformed fields: stream error) and limits
 * the rate of stream resets; a client that resets streams whose flows are
 * still running more than MAX_RESETS times a second gets GOAWAY
 * ENHANCE_YOUR_CALM. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nghttp2/nghttp2.h>

#include "http/server_internal.h"

#define MAX_STREAMS 128u           /* SETTINGS_MAX_CONCURRENT_STREAMS at most */
#define MAX_RESETS 200u            /* in-flight streams reset per second */
#define OUT_BATCH 65536u           /* bytes gathered from nghttp2 per send */

typedef struct mc_h2 {
    nghttp2_session *s;
    conn *c;
    mc_server_req *streams;        /* requests of the open streams */
    unsigned nstreams;
    mc_buf out;                    /* frames being written */
    size_t outoff;
    bool goaway;                   /* GOAWAY submitted */
    double reset_window;           /* start of the current second */
    unsigned resets;
} mc_h2;

/* ---- streams ------------------------------------------------------------- */

static void stream_link(mc_h2 *h, mc_server_req *r)
{
    r->h2_prev = NULL;
    r->h2_next = h->streams;
    if (h->streams)
        h->streams->h2_prev = r;
    h->streams = r;
    h->nstreams++;
}

static void stream_unlink(mc_h2 *h, mc_server_req *r)
{
    if (r->h2_prev) r->h2_prev->h2_next = r->h2_next; else h->streams = r->h2_next;
    if (r->h2_next) r->h2_next->h2_prev = r->h2_prev;
    r->h2_prev = r->h2_next = NULL;
    h->nstreams--;
}

static mc_server_req *stream_req(mc_h2 *h, int32_t id)
{
    return nghttp2_session_get_stream_user_data(h->s, id);
}

enum { HEAD_OK, HEAD_CONNECT, HEAD_OOM };

/* The head of the request from the fields received: method, path, query
 * and an array of headers pointing into the fields, as an HTTP/1.1 head
 * is kept (conn.c); the :authority becomes a Host header when there is
 * none. */
static int build_head(mc_server_req *r)
{
    const char *method = NULL, *path = NULL, *authority = NULL;
    bool has_host = false;
    size_t nh = 0, need = 0;
    const char *p = r->h2_fields.data, *end = p + r->h2_fields.len;
    for (const char *q = p; q < end;) {
        const char *name = q, *value = q + strlen(q) + 1;
        q = value + strlen(value) + 1;
        if (name[0] == ':') {
            if (!strcmp(name, ":method")) method = value;
            else if (!strcmp(name, ":path")) path = value;
            else if (!strcmp(name, ":authority")) authority = value;
            continue;
        }
        has_host |= !strcmp(name, "host");
        nh++;
    }
    if (!method || !path)             /* CONNECT: no :path */
        return HEAD_CONNECT;
    if (authority && !has_host)
        nh++;
    need = strlen(method) + strlen(path) + 3 + (authority ? 5 : 0) +
           nh * sizeof(mc_http_header);
    char *b = malloc(need);
    if (!b)
        return HEAD_OOM;
    r->block = b;
    r->headers = (mc_http_header *)b;
    char *o = b + nh * sizeof(mc_http_header);
#define PUT(dst, s, n) do { memcpy(o, (s), (n)); o[(n)] = '\0'; (dst) = o; o += (n) + 1; } while (0)
    PUT(r->method, method, strlen(method));
    const char *qm = strchr(path, '?');
    size_t plen = qm ? (size_t)(qm - path) : strlen(path);
    PUT(r->path, path, plen);
    if (qm)
        PUT(r->query, qm + 1, strlen(qm + 1));
    size_t k = 0;
    if (authority && !has_host) {
        PUT(r->headers[k].name, "host", 4);
        r->headers[k++].value = authority;   /* in h2_fields, kept until freed */
    }
    for (const char *q = p; q < end;) {
        const char *name = q, *value = q + strlen(q) + 1;
        q = value + strlen(value) + 1;
        if (name[0] == ':')
            continue;
        r->headers[k].name = name;
        r->headers[k++].value = value;
    }
#undef PUT
    r->nheaders = k;
    r->head_method = strcmp(r->method, "HEAD") == 0;
    return HEAD_OK;
}

/* ---- nghttp2 callbacks -------------------------------------------------- */

static int on_begin_headers(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
    mc_h2 *h = ud;
    if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;
    mc_server_req *r = calloc(1, sizeof *r);
    if (!r)
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    r->w = h->c->w;
    r->c = h->c;
    r->refs = 1;                   /* the stream's */
    r->start = now_ms();
    r->stream_id = f->hd.stream_id;
    r->method = "-";
    r->path = "-";
    /* the request must arrive within --request-timeout: 408 (server.c) */
    r->deadline = r->start + (double)r->w->s->o.request_timeout_ms;
    mc_srv_pending_add(r);
    stream_link(h, r);
    nghttp2_session_set_stream_user_data(s, f->hd.stream_id, r);
    return 0;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                     void *ud)
{
    (void)s, (void)flags;
    mc_h2 *h = ud;
    if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;                  /* trailers are read and dropped, as HTTP/1.1's */
    mc_server_req *r = stream_req(h, f->hd.stream_id);
    if (!r || r->h2_too_big)
        return 0;
    /* RFC 9113 6.5.2: a field counts its name, its value and 32 */
    r->h2_list_size += namelen + valuelen + 32;
    if (r->h2_list_size > h->c->w->s->o.max_header ||
        memchr(name, '\0', namelen) || memchr(value, '\0', valuelen)) {
        r->h2_too_big = true;      /* answered 431 once the head is in */
        return 0;
    }
    mc_buf_append(&r->h2_fields, (const char *)name, namelen);
    mc_buf_append(&r->h2_fields, "", 1);
    mc_buf_append(&r->h2_fields, (const char *)value, valuelen);
    mc_buf_append(&r->h2_fields, "", 1);
    r->h2_nfields++;
    return r->h2_fields.oom ? NGHTTP2_ERR_CALLBACK_FAILURE : 0;
}

static void refuse_body_too_large(mc_server_req *r)
{
    char msg[96];
    snprintf(msg, sizeof msg, "request body exceeds %zu bytes", r->w->s->o.max_body);
    mc_srv_error_answer(r, 413, msg, NULL);
}

/* The head is in: admission and limits, as start_request (conn.c). */
static void head_received(mc_h2 *h, mc_server_req *r)
{
    mc_server *s = h->c->w->s;
    bool admitted = mc_srv_admit(r);
    if (r->h2_too_big) {
        mc_srv_error_answer(r, 431, "request header fields too large", NULL);
        return;
    }
    int head = build_head(r);
    if (head != HEAD_OK) {
        if (head == HEAD_OOM)
            mc_srv_error_answer(r, 500, "out of memory", NULL);
        else
            mc_srv_error_answer(r, 501, "CONNECT is not supported", NULL);
        return;
    }
    if (!admitted) {
        mc_srv_error_answer(r, 503, "too many requests in progress; retry later", NULL);
        return;
    }
    const char *cl = mc_server_req_get_header(r, "content-length");
    if (cl && strtoull(cl, NULL, 10) > s->o.max_body)
        refuse_body_too_large(r);
}

static int on_data_chunk(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data,
                         size_t len, void *ud)
{
    (void)s, (void)flags;
    mc_h2 *h = ud;
    mc_server_req *r = stream_req(h, id);
    if (!r || r->answered)
        return 0;                  /* refused: the rest is read and dropped */
    if (r->body.len + len > h->c->w->s->o.max_body) {
        refuse_body_too_large(r);
        return 0;
    }
    mc_buf_append(&r->body, (const char *)data, len);
    if (r->body.oom)
        mc_srv_error_answer(r, 500, "out of memory", NULL);
    return 0;
}

static int on_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
    (void)s;
    mc_h2 *h = ud;
    if (f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA)
        return 0;
    mc_server_req *r = stream_req(h, f->hd.stream_id);
    if (!r)
        return 0;
    if (f->hd.type == NGHTTP2_HEADERS && f->headers.cat == NGHTTP2_HCAT_REQUEST)
        head_received(h, r);
    if ((f->hd.flags & NGHTTP2_FLAG_END_STREAM) && !r->answered && !r->dispatched)
        mc_srv_dispatch_req(r);
    return 0;
}

/* An answer sent before its request was all received (413, 431, 503, 408):
 * RST_STREAM NO_ERROR tells the client to stop sending (RFC 9113 8.1). */
static int on_frame_send(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
    mc_h2 *h = ud;
    if (!(f->hd.flags & NGHTTP2_FLAG_END_STREAM) ||
        (f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA))
        return 0;
    mc_server_req *r = stream_req(h, f->hd.stream_id);
    if (r && !r->dispatched && nghttp2_session_get_stream_remote_close(s, f->hd.stream_id) == 0)
        nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, f->hd.stream_id, NGHTTP2_NO_ERROR);
    return 0;
}

static int on_stream_close(nghttp2_session *s, int32_t id, uint32_t code, void *ud)
{
    (void)code;
    mc_h2 *h = ud;
    mc_server_req *r = stream_req(h, id);
    if (!r)
        return 0;
    nghttp2_session_set_stream_user_data(s, id, NULL);
    stream_unlink(h, r);
    if (r->dispatched && !r->answered) {
        /* reset while its flow runs: the flow goes on, its answer goes
         * nowhere.  Bounded per second (rapid reset, CVE-2023-44487). */
        double now = now_ms();
        if (now - h->reset_window > 1000.0) {
            h->reset_window = now;
            h->resets = 0;
        }
        if (++h->resets > MAX_RESETS && !h->goaway) {
            h->goaway = true;
            nghttp2_submit_goaway(s, NGHTTP2_FLAG_NONE,
                                  nghttp2_session_get_last_proc_stream_id(s),
                                  NGHTTP2_ENHANCE_YOUR_CALM, NULL, 0);
        }
    }
    mc_srv_req_detach(r);
    return 0;
}

static ssize_t read_body(nghttp2_session *s, int32_t id, uint8_t *buf, size_t len,
                         uint32_t *flags, nghttp2_data_source *src, void *ud)
{
    (void)s, (void)id, (void)ud;
    mc_server_req *r = src->ptr;
    size_t n = r->h2_body_len - r->h2_body_off;
    if (n > len)
        n = len;
    memcpy(buf, r->h2_body + r->h2_body_off, n);
    r->h2_body_off += n;
    if (r->h2_body_off == r->h2_body_len)
        *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

/* ---- answers ------------------------------------------------------------ */

/* Hop-by-hop fields an HTTP/2 answer must not carry (RFC 9113 8.2.2). */
static bool connection_specific(const char *name)
{
    return !strcasecmp(name, "Upgrade") || !strcasecmp(name, "Proxy-Connection") ||
           !strcasecmp(name, "TE");
}

void mc_h2_answer(mc_server_req *r, int status, const mc_http_header *h, size_t nh,
                  const char *body, size_t len)
{
    conn *c = r->c;
    mc_h2 *h2 = c->h2;
    bool no_body = r->head_method || status == 204 || status == 304 || status < 200;
    char code[8], clen[24];
    snprintf(code, sizeof code, "%03d", status);
    snprintf(clen, sizeof clen, "%zu", len);
    /* one block: the lowercase names, then the body */
    size_t need = len, n = 0;
    for (size_t i = 0; i < nh; i++)
        if (!mc_srv_skip_answer_header(h[i].name, h[i].value) && !connection_specific(h[i].name))
            need += strlen(h[i].name) + 1;
    nghttp2_nv *nv = calloc(nh + 3, sizeof *nv);
    char *block = malloc(need ? need : 1);
    if (!nv || !block) {
        free(nv);
        free(block);
        nghttp2_submit_rst_stream(h2->s, NGHTTP2_FLAG_NONE, r->stream_id,
                                  NGHTTP2_INTERNAL_ERROR);
        return;
    }
#define NV(nm, v) (nv[n++] = (nghttp2_nv){(uint8_t *)(nm), (uint8_t *)(v), strlen(nm), \
                                          strlen(v), NGHTTP2_NV_FLAG_NONE})
    NV(":status", code);
    NV("date", mc_srv_http_date(c->w));
    if (status != 204 && status != 304)
        NV("content-length", clen);
    char *o = block;
    for (size_t i = 0; i < nh; i++) {
        if (mc_srv_skip_answer_header(h[i].name, h[i].value) || connection_specific(h[i].name))
            continue;
        char *name = o;
        for (const char *p = h[i].name; *p; p++)
            *o++ = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        *o++ = '\0';
        NV(name, h[i].value);
    }
#undef NV
    if (!no_body && len)
        memcpy(o, body, len);
    free(r->h2_answer);
    r->h2_answer = block;
    r->h2_body = o;
    r->h2_body_len = no_body ? 0 : len;
    r->h2_body_off = 0;
    nghttp2_data_provider dp = {.source.ptr = r, .read_callback = read_body};
    int rv = nghttp2_submit_response(h2->s, r->stream_id, nv, n,
                                     r->h2_body_len ? &dp : NULL);
    free(nv);                      /* nghttp2 copied the fields */
    if (rv != 0)
        nghttp2_submit_rst_stream(h2->s, NGHTTP2_FLAG_NONE, r->stream_id,
                                  NGHTTP2_INTERNAL_ERROR);
}

/* ---- the connection ----------------------------------------------------- */

bool mc_h2_begin(conn *c)
{
    const mc_server_options *o = &c->w->s->o;
    mc_h2 *h = calloc(1, sizeof *h);
    nghttp2_session_callbacks *cb = NULL;
    nghttp2_option *opt = NULL;
    if (!h || nghttp2_session_callbacks_new(&cb) != 0 || nghttp2_option_new(&opt) != 0) {
        free(h);
        nghttp2_session_callbacks_del(cb);
        return false;
    }
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
    nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
    /* nghttp2's own bound on RST_STREAM floods (its default, made explicit) */
    nghttp2_option_set_stream_reset_rate_limit(opt, 1000, 33);
    /* Answers' fields are sent as literals, without HPACK's dynamic table:
     * every answer carries a new activityid, so indexing made each one
     * insert and evict table entries, 40 % more CPU for a bare answer
     * (docs/bench.md, "HTTP/2"); the literals cost a few dozen bytes. */
    nghttp2_option_set_max_deflate_dynamic_table_size(opt, 0);
    h->c = c;
    int rv = nghttp2_session_server_new2(&h->s, cb, h, opt);
    nghttp2_session_callbacks_del(cb);
    nghttp2_option_del(opt);
    if (rv != 0) {
        free(h);
        return false;
    }
    unsigned streams = o->max_concurrent < MAX_STREAMS ? o->max_concurrent : MAX_STREAMS;
    nghttp2_settings_entry set[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, streams},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, (uint32_t)o->max_header},
    };
    if (nghttp2_submit_settings(h->s, NGHTTP2_FLAG_NONE, set, 2) != 0) {
        nghttp2_session_del(h->s);
        free(h);
        return false;
    }
    c->h2 = h;
    c->state = S_HANDLER;          /* not HTTP/1.1 framing any more */
    mc_srv_list_remove(c);
    return true;
}

void mc_h2_free(conn *c)
{
    mc_h2 *h = c->h2;
    if (!h)
        return;
    c->h2 = NULL;
    while (h->streams) {
        mc_server_req *r = h->streams;
        stream_unlink(h, r);
        mc_srv_req_detach(r);
    }
    nghttp2_session_del(h->s);     /* calls no callback */
    mc_buf_free(&h->out);
    free(h);
}

/* Gather frames from nghttp2 and write them.  False when the connection
 * is closed or the socket is full. */
static bool send_frames(conn *c)
{
    mc_h2 *h = c->h2;
    for (;;) {
        if (h->outoff == h->out.len) {
            h->out.len = h->outoff = 0;
            while (h->out.len < OUT_BATCH) {
                const uint8_t *data;
                ssize_t n = nghttp2_session_mem_send(h->s, &data);
                if (n < 0) {
                    mc_srv_conn_close(c);
                    return false;
                }
                if (n == 0)
                    break;
                mc_buf_append(&h->out, (const char *)data, (size_t)n);
            }
            if (h->out.oom) {
                mc_srv_conn_close(c);
                return false;
            }
            if (!h->out.len)
                return true;
        }
        if (c->fd < 0) {           /* the fuzz target: frames are dropped */
            h->outoff = h->out.len;
            continue;
        }
        if (!mc_srv_write(c, h->out.data, h->out.len, &h->outoff))
            return false;
    }
}

bool mc_h2_feed(conn *c, const uint8_t *data, size_t len)
{
    mc_h2 *h = c->h2;
    ssize_t n = nghttp2_session_mem_recv(h->s, data, len);
    return n >= 0 && c->h2 == h && send_frames(c) && c->h2 == h;
}

/* After a pass: the timer list the connection belongs on, or its end
 * (active: bytes came in, so an idle deadline starts again). */
static void settle(conn *c, bool active)
{
    mc_h2 *h = c->h2;
    bool pending_out = h->outoff < h->out.len;
    if (!pending_out && (c->eof || (!nghttp2_session_want_read(h->s) &&
                                    !nghttp2_session_want_write(h->s)))) {
        mc_srv_conn_close(c);
        return;
    }
    if (pending_out)
        return;                    /* on L_SEND */
    if (h->nstreams == 0 && !h->goaway) {
        if (c->list != L_IDLE || active)
            mc_srv_list_put(c, L_IDLE, now_ms());
    } else if (h->nstreams || c->list == L_SEND) {
        mc_srv_list_remove(c);     /* each stream has its own deadline */
    }
    if (h->out.cap > OUT_BATCH * 2 && !h->out.len) {
        mc_buf_free(&h->out);      /* idle connections keep no buffer */
        h->outoff = 0;
    }
}

void mc_h2_run(conn *c)
{
    mc_h2 *h = c->h2;
    bool active = false;
    for (int guard = 0; guard < 64; guard++) {
        if (h->outoff < h->out.len && !c->writable)
            return;                /* wait for the socket */
        if (!send_frames(c))
            return;
        if (!mc_srv_read_some(c, READ_CHUNK * 4)) {
            mc_srv_conn_close(c);
            return;
        }
        if (c->inlen) {
            ssize_t n = nghttp2_session_mem_recv(h->s, (const uint8_t *)c->in, c->inlen);
            if (c->dead || c->h2 != h)
                return;
            if (n < 0) {           /* a connection error: GOAWAY is queued */
                c->eof = true;
                send_frames(c);
                if (!c->dead)
                    mc_srv_conn_close(c);
                return;
            }
            active = true;
            memmove(c->in, c->in + n, c->inlen - (size_t)n);
            c->inlen -= (size_t)n;
            continue;              /* answer what came in */
        }
        if (!send_frames(c))
            return;
        if (!c->readable)
            break;
    }
    if (c->readable && !c->dead)
        mc_srv_run_later(c);       /* more to read: next pass */
    if (!c->dead)
        settle(c, active);
}

void mc_h2_goaway(conn *c)
{
    mc_h2 *h = c->h2;
    if (!h->goaway) {
        h->goaway = true;
        nghttp2_submit_goaway(h->s, NGHTTP2_FLAG_NONE,
                              nghttp2_session_get_last_proc_stream_id(h->s), NGHTTP2_NO_ERROR,
                              NULL, 0);
    }
    mc_srv_list_remove(c);
    mc_h2_run(c);
    if (!c->dead && c->list == L_IDLE)
        mc_srv_conn_close(c);
}

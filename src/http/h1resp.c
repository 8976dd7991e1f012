/* h1resp.c - the upstream client's HTTP/1.x response head parser and
 * body framing (see h1resp.h).  Hand-written for the lean client: the
 * request parser of h1.c is a server's (strict, request lines), and no
 * packaged library parses a response head without owning the socket.
 * Fuzzed by tests/fuzz/fuzz_h1resp.c, unit-tested in tests/unit/http. */
#include "http/h1resp.h"
#include "http/h1_text.h"

#include <string.h>
#include <strings.h>

#define MAX_CONTENT_LENGTH ((uint64_t)1 << 62)

bool mc_h1_resp_next_field(const mc_h1_resp *r, size_t *pos, mc_h1_str *name, mc_h1_str *value)
{
    const char *f = r->fields;
    while (*pos < r->fields_len) {
        size_t end, next;
        if (!mc_h1__line(f, r->fields_len, *pos, &end, &next)) {
            end = r->fields_len;
            next = r->fields_len;
        }
        size_t b = *pos;
        *pos = next;
        if (end == b || mc_h1__is_ws(f[b]))
            continue;
        const char *colon = memchr(f + b, ':', end - b);
        if (!colon || colon == f + b)
            continue;                      /* not a field: skipped, as curl does */
        size_t ne = (size_t)(colon - f);
        while (ne > b && mc_h1__is_ws(f[ne - 1]))
            ne--;
        size_t vb = (size_t)(colon - f) + 1, ve = end;
        while (vb < ve && mc_h1__is_ws(f[vb]))
            vb++;
        while (ve > vb && mc_h1__is_ws(f[ve - 1]))
            ve--;
        *name = (mc_h1_str){f + b, ne - b};
        *value = (mc_h1_str){f + vb, ve - vb};
        return true;
    }
    return false;
}

static bool parse_status_line(const char *p, size_t n, mc_h1_resp *r)
{
    /* "HTTP/1.x NNN[ reason]" */
    if (n < 12 || memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9' || p[8] != ' ')
        return false;
    for (int i = 9; i < 12; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    if (n > 12 && p[12] != ' ')
        return false;
    r->minor = p[7] - '0';
    r->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    return r->status >= 100;
}

static bool parse_length(mc_h1_str v, uint64_t *out)
{
    if (!v.n)
        return false;
    uint64_t n = 0;
    for (size_t i = 0; i < v.n; i++) {
        if (v.p[i] < '0' || v.p[i] > '9')
            return false;
        n = n * 10 + (uint64_t)(v.p[i] - '0');
        if (n > MAX_CONTENT_LENGTH)
            return false;
    }
    *out = n;
    return true;
}

static mc_h1_result fail(const char **message, const char *why)
{
    *message = why;
    return MC_H1_ERROR;
}

mc_h1_result mc_h1_parse_response(char *buf, size_t len, size_t max_head, bool head_request,
                                  mc_h1_resp *r, const char **message)
{
    memset(r, 0, sizeof *r);
    size_t end, next;
    if (len >= 5 && memcmp(buf, "HTTP/", 5) != 0)
        return fail(message, "not an HTTP response");
    if (!mc_h1__line(buf, len, 0, &end, &next))
        return len > max_head ? fail(message, "response head too large") : MC_H1_MORE;
    if (next > max_head)
        return fail(message, "response head too large");
    if (!parse_status_line(buf, end, r))
        return fail(message, "bad response status line");
    size_t fields = next, pos = next;
    for (;;) {
        size_t lend, lnext;
        if (!mc_h1__line(buf, len, pos, &lend, &lnext))
            return len > max_head ? fail(message, "response head too large") : MC_H1_MORE;
        if (lnext > max_head)
            return fail(message, "response head too large");
        if (lend == pos) {                      /* the empty line */
            r->fields = buf + fields;
            r->fields_len = pos - fields;
            r->head_len = lnext;
            break;
        }
        if (mc_h1__is_ws(buf[pos]) && pos > fields) {
            /* obsolete folding: join with the previous line */
            for (size_t i = pos; i > fields && (buf[i - 1] == '\n' || buf[i - 1] == '\r'); i--)
                buf[i - 1] = ' ';
        }
        pos = lnext;
    }

    bool has_len = false, has_te = false, chunked = false, conn_close = false,
         conn_keep = false;
    uint64_t clen = 0;
    size_t it = 0;
    mc_h1_str name, value;
    while (mc_h1_resp_next_field(r, &it, &name, &value)) {
        r->nfields++;
        if (mc_h1__eq_nocase(name, "Content-Length")) {
            uint64_t v;
            if (!parse_length(value, &v))
                return fail(message, "bad Content-Length in response");
            if (has_len && v != clen)
                return fail(message, "two different Content-Length in response");
            has_len = true;
            clen = v;
        } else if (mc_h1__eq_nocase(name, "Transfer-Encoding")) {
            has_te = true;
            chunked = mc_h1__list_has(value, "chunked", true);
        } else if (mc_h1__eq_nocase(name, "Connection")) {
            conn_close = conn_close || mc_h1__list_has(value, "close", false);
            conn_keep = conn_keep || mc_h1__list_has(value, "keep-alive", false);
        }
    }
    r->keep_alive = r->minor >= 1 ? !conn_close : conn_keep && !conn_close;
    if (r->status < 200 || r->status == 204 || r->status == 304 || head_request) {
        r->body = MC_H1_BODY_NONE;
    } else if (has_te) {
        r->body = chunked ? MC_H1_BODY_CHUNKED : MC_H1_BODY_CLOSE;
        if (!chunked || has_len)
            r->keep_alive = false;           /* RFC 9112 6.3: close after it */
    } else if (has_len) {
        r->body = MC_H1_BODY_LENGTH;
        r->content_length = clen;
    } else {
        r->body = MC_H1_BODY_CLOSE;
        r->keep_alive = false;
    }
    return MC_H1_DONE;
}

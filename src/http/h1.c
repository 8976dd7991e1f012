/* h1.c - the strict HTTP/1.1 request head parser and chunked body decoder
 * (see h1.h).  Hand-written because no packaged library parses requests
 * as strictly as nginx while leaving the event loop to us; fuzzed by
 * tests/fuzz/fuzz_h1.c and unit-tested by tests/unit/http/test_h1.c. */
#include "http/h1.h"
#include "http/h1_text.h"
#include "util/codec.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

/* RFC 9110 tchar: ALPHA, DIGIT and !#$%&'*+-.^_`|~ (1), by ASCII code in
 * rows of 16; bytes from 0x80 are not (the rest of the table is 0). */
static const unsigned char tchar_table[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0,
};

static bool tchar(unsigned char c)
{
    return tchar_table[c];
}

bool mc_h1_token(const char *s, size_t n)
{
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!tchar((unsigned char)s[i]))
            return false;
    return true;
}


typedef struct err_out {
    int *status;
    const char **message;
} err_out;

static mc_h1_result fail(err_out e, int status, const char *message)
{
    *e.status = status;
    *e.message = message;
    return MC_H1_ERROR;
}

/* Find the next line in buf[pos..len): its content [pos, *end) without
 * the CR, the position after its LF in *next.  False when no LF yet.
 * A CR anywhere but right before the LF is reported in *bare_cr. */
static bool next_line(const char *buf, size_t len, size_t pos, size_t *end, size_t *next,
                      bool *bare_cr)
{
    if (!mc_h1__line(buf, len, pos, end, next))
        return false;
    *bare_cr = memchr(buf + pos, '\r', *end - pos) != NULL;
    return true;
}

static mc_h1_result parse_target(mc_h1_head *h, err_out e)
{
    const char *t = h->target.p;
    size_t n = h->target.n;
    size_t start;
    if (t[0] == '/') {
        start = 0;
    } else if (n == 1 && t[0] == '*') {
        h->path = h->target;
        h->query = (mc_h1_str){NULL, 0};
        return MC_H1_DONE;
    } else {
        size_t skip = n > 7 && !strncasecmp(t, "http://", 7) ? 7
                    : n > 8 && !strncasecmp(t, "https://", 8) ? 8 : 0;
        if (!skip)
            return fail(e, 400, "request target is neither a path nor an absolute URL");
        size_t a = skip;
        while (a < n && t[a] != '/' && t[a] != '?')
            a++;
        if (a == skip)
            return fail(e, 400, "absolute request target without a host");
        if (a == n || t[a] == '?') {       /* "http://h" or "http://h?q": path "/" */
            h->path = (mc_h1_str){"/", 1};
            h->query = a < n ? (mc_h1_str){t + a + 1, n - a - 1} : (mc_h1_str){NULL, 0};
            return MC_H1_DONE;
        }
        start = a;
    }
    const char *q = memchr(t + start, '?', n - start);
    size_t pend = q ? (size_t)(q - t) : n;
    h->path = (mc_h1_str){t + start, pend - start};
    h->query = q ? (mc_h1_str){q + 1, n - pend - 1} : (mc_h1_str){NULL, 0};
    return MC_H1_DONE;
}

static mc_h1_result parse_request_line(const char *p, size_t n, mc_h1_head *h, err_out e)
{
    const char *sp1 = memchr(p, ' ', n);
    if (!sp1)
        return fail(e, 400, "malformed request line");
    h->method = (mc_h1_str){p, (size_t)(sp1 - p)};
    if (!mc_h1_token(h->method.p, h->method.n))
        return fail(e, 400, "the method is not a token");
    const char *t = sp1 + 1, *end = p + n;
    const char *sp2 = memchr(t, ' ', (size_t)(end - t));
    if (!sp2 || sp2 == t)
        return fail(e, 400, "malformed request line");
    h->target = (mc_h1_str){t, (size_t)(sp2 - t)};
    for (size_t i = 0; i < h->target.n; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c <= 0x20 || c == 0x7f)
            return fail(e, 400, "request target with a space or control byte");
    }
    const char *v = sp2 + 1;
    size_t vn = (size_t)(end - v);
    if (vn != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' ||
        v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9')
        return fail(e, 400, "malformed HTTP version");
    if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
        return fail(e, 505, "HTTP version not supported");
    h->minor = v[7] - '0';
    return parse_target(h, e);
}

static mc_h1_result parse_header_line(const char *p, size_t n, mc_h1_head *h, err_out e)
{
    if (p[0] == ' ' || p[0] == '\t')
        return fail(e, 400, "obsolete line folding in a header");
    const char *colon = memchr(p, ':', n);
    if (!colon)
        return fail(e, 400, "header line without a colon");
    mc_h1_str name = {p, (size_t)(colon - p)};
    if (!mc_h1_token(name.p, name.n))
        return fail(e, 400, "header name is not a token (whitespace before the colon?)");
    const char *v = colon + 1, *end = p + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    /* HTAB, SP, visible ASCII, obs-text: util/codec.h's value rule */
    if (!mc_header_value_ok(v, (size_t)(end - v)))
        return fail(e, 400, "header value with a control byte");
    if (h->nheaders == MC_H1_MAX_HEADERS)
        return fail(e, 431, "too many request headers");
    h->names[h->nheaders] = name;
    h->values[h->nheaders] = (mc_h1_str){v, (size_t)(end - v)};
    h->nheaders++;
    return MC_H1_DONE;
}

/* The bytes a Host value may hold (RFC 3986 reg-name, IP literal and
 * port: ALPHA, DIGIT and -._~!$&'()*+,;=:[]%), by ASCII code in rows of
 * 16; none from 0x80. */
static const unsigned char host_table[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 0,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0,
};

static bool host_value_ok(mc_h1_str v)
{
    for (size_t i = 0; i < v.n; i++)
        if (!host_table[(unsigned char)v.p[i]])
            return false;
    return true;
}

/* The framing and connection rules over the whole header block. */
static mc_h1_result check_fields(mc_h1_head *h, err_out e)
{
    int hosts = 0, lengths = 0, codings = 0;
    mc_h1_str te = {0}, cl = {0};
    bool close = false, keep = false;
    for (size_t i = 0; i < h->nheaders; i++) {
        mc_h1_str n = h->names[i], v = h->values[i];
        if (mc_h1__eq_nocase(n, "Host")) {
            if (++hosts > 1)
                return fail(e, 400, "two Host headers");
            if (!host_value_ok(v))
                return fail(e, 400, "invalid Host header");
        } else if (mc_h1__eq_nocase(n, "Content-Length")) {
            lengths++;
            cl = v;
        } else if (mc_h1__eq_nocase(n, "Transfer-Encoding")) {
            codings++;
            te = v;
        } else if (mc_h1__eq_nocase(n, "Connection")) {
            close |= mc_h1__list_has(v, "close", false);
            keep |= mc_h1__list_has(v, "keep-alive", false);
        } else if (mc_h1__eq_nocase(n, "Expect")) {
            h->expect_continue = mc_h1__eq_nocase(v, "100-continue");
        }
    }
    if (h->minor == 1 && hosts == 0)
        return fail(e, 400, "HTTP/1.1 request without a Host header");
    if (lengths > 1)
        return fail(e, 400, "more than one Content-Length header");
    if (lengths && codings)
        return fail(e, 400, "both Content-Length and Transfer-Encoding");
    if (codings > 1)
        return fail(e, 400, "more than one Transfer-Encoding header");
    if (codings) {
        if (h->minor == 0)
            return fail(e, 400, "Transfer-Encoding in an HTTP/1.0 request");
        if (!mc_h1__eq_nocase(te, "chunked"))
            return fail(e, te.n ? 501 : 400, te.n ? "transfer coding not implemented (only chunked)"
                                                  : "empty Transfer-Encoding");
        h->chunked = true;
    }
    if (lengths) {
        if (cl.n == 0 || cl.n > 18)
            return fail(e, 400, "invalid Content-Length");
        uint64_t v = 0;
        for (size_t i = 0; i < cl.n; i++) {
            if (cl.p[i] < '0' || cl.p[i] > '9')
                return fail(e, 400, "invalid Content-Length");
            v = v * 10 + (uint64_t)(cl.p[i] - '0');
        }
        h->has_length = true;
        h->content_length = v;
    }
    h->keep_alive = h->minor == 1 ? !close : (keep && !close);
    return MC_H1_DONE;
}

mc_h1_result mc_h1_parse_head(const char *buf, size_t len, size_t max_head, mc_h1_head *h,
                              size_t *used, int *status, const char **message)
{
    err_out e = {status, message};
    memset(h, 0, offsetof(mc_h1_head, names));
    size_t pos = 0;
    while (pos < len && (buf[pos] == '\n' || (buf[pos] == '\r' && pos + 1 < len &&
                                              buf[pos + 1] == '\n')))
        pos += buf[pos] == '\r' ? 2 : 1;
    if (pos > max_head)
        return fail(e, 400, "too many empty lines before the request");
    size_t start = pos, end, next;
    bool bare_cr;
    if (!next_line(buf, len, pos, &end, &next, &bare_cr))
        return len - start > max_head ? fail(e, 414, "request line too long") : MC_H1_MORE;
    if (next - start > max_head)
        return fail(e, 414, "request line too long");
    if (bare_cr || end == pos)
        return fail(e, 400, "malformed request line");
    mc_h1_result r = parse_request_line(buf + pos, end - pos, h, e);
    if (r != MC_H1_DONE)
        return r;
    for (pos = next;;) {
        if (!next_line(buf, len, pos, &end, &next, &bare_cr))
            return len - start > max_head ? fail(e, 431, "request headers too large")
                                          : MC_H1_MORE;
        if (next - start > max_head)
            return fail(e, 431, "request headers too large");
        if (bare_cr)
            return fail(e, 400, "bare CR in a header line");
        if (end == pos)
            break;
        if ((r = parse_header_line(buf + pos, end - pos, h, e)) != MC_H1_DONE)
            return r;
        pos = next;
    }
    if ((r = check_fields(h, e)) != MC_H1_DONE)
        return r;
    *used = next;
    return MC_H1_DONE;
}

/* ---- chunked ------------------------------------------------------------- */

enum { C_SIZE, C_EXT, C_SIZE_LF, C_DATA, C_DATA_CR, C_DATA_LF, C_TRAILER_START,
       C_TRAILER, C_TRAILER_LF, C_END_LF, C_DONE };

#define MAX_CHUNK_LINE 4096

static int hex(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

mc_h1_result mc_h1_chunked_decode(mc_h1_chunked *c, char *in, size_t len, size_t max_trailer,
                                  size_t *used, size_t *data, const char **message)
{
    size_t i = 0, out = 0;
    mc_h1_result r = MC_H1_MORE;
#define BAD(msg) do { *message = (msg); r = MC_H1_ERROR; goto done; } while (0)
    while (i < len && c->state != C_DONE) {
        unsigned char ch = (unsigned char)in[i];
        switch (c->state) {
        case C_SIZE: {
            int d = hex(ch);
            if (d >= 0) {
                if (++c->digits > 15)
                    BAD("chunk size too large");
                c->left = c->left * 16 + (uint64_t)d;
            } else if (!c->digits) {
                BAD("malformed chunk size");
            } else if (ch == ';' || ch == ' ' || ch == '\t') {
                c->state = C_EXT;
            } else if (ch == '\r') {
                c->state = C_SIZE_LF;
            } else {
                BAD("malformed chunk size");
            }
            i++;
            break;
        }
        case C_EXT:                      /* chunk extensions are ignored */
            if (ch == '\r')
                c->state = C_SIZE_LF;
            else if (ch == '\n' || (ch < 0x20 && ch != '\t') || ch == 0x7f)
                BAD("malformed chunk extension");
            i++;
            break;
        case C_SIZE_LF:
            if (ch != '\n')
                BAD("chunk size line not ended by CRLF");
            i++;
            c->digits = 0;
            c->line = 0;
            c->state = c->left ? C_DATA : C_TRAILER_START;
            continue;
        case C_DATA: {
            size_t n = len - i;
            if (n > c->left)
                n = (size_t)c->left;
            memmove(in + out, in + i, n);
            out += n;
            i += n;
            c->left -= n;
            if (!c->left)
                c->state = C_DATA_CR;
            continue;
        }
        case C_DATA_CR:
            if (ch != '\r')
                BAD("chunk data not followed by CRLF");
            c->state = C_DATA_LF;
            i++;
            break;
        case C_DATA_LF:
            if (ch != '\n')
                BAD("chunk data not followed by CRLF");
            c->state = C_SIZE;
            i++;
            continue;
        case C_TRAILER_START:
            if (ch == '\r') {
                c->state = C_END_LF;
                i++;
                break;
            }
            c->state = C_TRAILER;
            continue;
        case C_TRAILER:
            if (ch == '\r')
                c->state = C_TRAILER_LF;
            else if (ch == '\n' || ch == 0)
                BAD("malformed trailer line");
            i++;
            if (++c->trailer > max_trailer)
                BAD("trailers too large");
            continue;
        case C_TRAILER_LF:
            if (ch != '\n')
                BAD("trailer line not ended by CRLF");
            c->state = C_TRAILER_START;
            c->line = 0;
            i++;
            continue;
        case C_END_LF:
            if (ch != '\n')
                BAD("last chunk not ended by CRLF");
            c->state = C_DONE;
            i++;
            continue;
        }
        if (++c->line > MAX_CHUNK_LINE)
            BAD("chunk size line too long");
    }
    if (c->state == C_DONE)
        r = MC_H1_DONE;
done:
#undef BAD
    *used = i;
    *data = out;
    return r;
}

const char *mc_h1_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "";
    }
}

/* codec.c - base64 and URL encodings, UUIDs. */
#include "util/codec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>
#include <stdatomic.h>
#include <sys/random.h>

void mc_uuid_format(const unsigned char bytes[16], char out[37])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char r[16];
    memcpy(r, bytes, sizeof r);
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);   /* version 4 */
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
    char *p = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *p++ = '-';
        *p++ = hex[r[i] >> 4];
        *p++ = hex[r[i] & 15];
    }
    *p = '\0';
}

/* Random bytes for UUIDs: the kernel's (getrandom), fetched 4 KiB at a
 * time per thread, so a UUID costs no system call (OpenSSL's RAND_bytes
 * asks getpid() on every call to notice forks).  A fork empties every
 * buffer: the child never repeats its parent's UUIDs. */
enum { RANDOM_CHUNK = 4096 };
static _Thread_local unsigned char random_buf[RANDOM_CHUNK];
static _Thread_local size_t random_left;
static _Thread_local unsigned random_gen;
static atomic_uint fork_gen = 1;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void after_fork(void) { atomic_fetch_add(&fork_gen, 1); }
static void register_atfork(void) { pthread_atfork(NULL, NULL, after_fork); }

static bool random_bytes(unsigned char *out, size_t n)
{
    pthread_once(&atfork_once, register_atfork);
    unsigned gen = atomic_load(&fork_gen);
    if (random_gen != gen || random_left < n) {
        size_t got = 0;
        while (got < sizeof random_buf) {
            ssize_t r = getrandom(random_buf + got, sizeof random_buf - got, 0);
            if (r <= 0)
                return false;
            got += (size_t)r;
        }
        random_left = sizeof random_buf;
        random_gen = gen;
    }
    random_left -= n;
    memcpy(out, random_buf + random_left, n);
    memset(random_buf + random_left, 0, n);   /* used bytes do not linger */
    return true;
}

bool mc_uuid_v4(char out[37])
{
    unsigned char r[16];
    if (!random_bytes(r, sizeof r))
        return false;
    mc_uuid_format(r, out);
    return true;
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void mc_base64_encode(mc_buf *out, const void *data, size_t n)
{
    const unsigned char *in = data;
    if (!mc_buf_reserve(out, (n + 2) / 3 * 4))
        return;
    char *o = out->data + out->len;
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        *o++ = b64[v >> 18];
        *o++ = b64[(v >> 12) & 63];
        *o++ = b64[(v >> 6) & 63];
        *o++ = b64[v & 63];
    }
    if (i < n) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0u);
        *o++ = b64[v >> 18];
        *o++ = b64[(v >> 12) & 63];
        *o++ = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
}

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

bool mc_base64_decode(mc_buf *out, const char *s, size_t n)
{
    unsigned acc = 0;
    int bits = 0, pad = 0;
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = b64val(c);
        if (v < 0 || pad)
            return false;
        count++;
        acc = acc << 6 | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            mc_buf_putc(out, (char)((acc >> bits) & 0xff));
        }
    }
    if (count % 4 == 1 || pad > 2)
        return false;
    return !out->oom;
}

static const char hexd[] = "0123456789ABCDEF";

static void encode(mc_buf *out, const char *s, size_t n, const char *keep,
                   bool space_plus)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || (c && strchr(keep, c))) {
            mc_buf_putc(out, (char)c);
        } else if (c == ' ' && space_plus) {
            mc_buf_putc(out, '+');
        } else {
            char e[3] = {'%', hexd[c >> 4], hexd[c & 15]};
            mc_buf_append(out, e, 3);
        }
    }
}

void mc_url_encode_form(mc_buf *out, const char *s, size_t n)
{
    encode(out, s, n, ".-*_", true);
}

void mc_url_encode_rfc3986(mc_buf *out, const char *s, size_t n)
{
    encode(out, s, n, "-._~", false);
}

void mc_url_encode_segment(mc_buf *out, const char *s, size_t n)
{
    if ((n == 1 || n == 2) && s[0] == '.' && s[n - 1] == '.') {
        mc_buf_puts(out, n == 1 ? "%2E" : "%2E%2E");
        return;
    }
    encode(out, s, n, "-._~", false);
}

/* Bytes a URL may carry as they are (RFC 3986 unreserved, sub-delims,
 * ':' '@' '/' '?' and '%' of an escape; never '#', which would end the path). */
static bool url_byte(unsigned char c)
{
    return c > 0x20 && c < 0x7f && !strchr("\"#<>[\\]^`{|}", c);
}

static void put_url_bytes(mc_buf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (url_byte(c)) {
            mc_buf_putc(out, (char)c);
        } else {
            char e[3] = {'%', hexd[c >> 4], hexd[c & 15]};
            mc_buf_append(out, e, 3);
        }
    }
}

/* 1 for ".", 2 for "..", 0 otherwise; a dot may be written %2e / %2E. */
static int dot_segment(const char *s, size_t n)
{
    int dots = 0;
    for (size_t i = 0; i < n; dots++) {
        if (s[i] == '.')
            i++;
        else if (n - i >= 3 && s[i] == '%' && s[i + 1] == '2' && (s[i + 2] == 'e' || s[i + 2] == 'E'))
            i += 3;
        else
            return 0;
        if (dots == 2)
            return 0;
    }
    return dots;
}

void mc_url_clean_postfix(mc_buf *out, const char *s, size_t n)
{
    const char *q = memchr(s, '?', n);
    size_t plen = q ? (size_t)(q - s) : n;
    bool lead = plen && s[0] == '/';
    if (lead)
        mc_buf_putc(out, '/');
    /* marks[k]: where kept segment k (with its '/' before it) starts; on
     * the stack up to 16 segments */
    size_t stack_marks[16];
    size_t *marks = stack_marks, nm = 0, cap = 16;
    bool trailing = false;
    for (size_t i = lead ? 1 : 0; plen && i <= plen;) {
        const char *seg = s + i;
        const char *end = memchr(seg, '/', plen - i);
        size_t sl = end ? (size_t)(end - seg) : plen - i;
        int dots = dot_segment(seg, sl);
        trailing = dots != 0;
        if (dots == 2 && nm) {
            out->len = marks[--nm];
        } else if (dots == 0) {
            if (nm == cap) {
                size_t ncap = cap * 2;
                size_t *m2 = marks == stack_marks ? malloc(ncap * sizeof *m2)
                                                  : realloc(marks, ncap * sizeof *m2);
                if (!m2) {
                    out->oom = true;
                    break;
                }
                if (marks == stack_marks)
                    memcpy(m2, stack_marks, sizeof stack_marks);
                marks = m2;
                cap = ncap;
            }
            marks[nm] = out->len;
            if (nm++)
                mc_buf_putc(out, '/');
            put_url_bytes(out, seg, sl);
        }
        i += sl + 1;
    }
    if (marks != stack_marks)
        free(marks);
    if (trailing && nm)
        mc_buf_putc(out, '/');
    if (q)
        put_url_bytes(out, q, n - plen);
    mc_buf_cstr(out);
    if (out->data)
        out->data[out->len] = '\0';
}

static bool value_bytes_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    }
    return true;
}

bool mc_header_value_ok(const char *s, size_t n)
{
    /* eight bytes a step: a word with no byte below 0x20 and none 0x7f
     * (the classic "has a byte less than" bit trick, exact as to whether
     * there is one) is fine; one with such a byte is looked at byte by
     * byte, where a tab is allowed */
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w, del;
        memcpy(&w, s + i, 8);
        del = w ^ (ones * 0x7f);
        if ((((w - ones * 0x20) & ~w) | ((del - ones) & ~del)) & highs)
            if (!value_bytes_ok(s + i, 8))
                return false;
    }
    return value_bytes_ok(s + i, n - i);
}

bool mc_http_token_ok(const char *s, size_t n)
{
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                     (c >= '0' && c <= '9');
        if (!alnum && (!c || !strchr("!#$%&'*+-.^_`|~", c)))
            return false;
    }
    return true;
}

bool mc_url_text_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f)
            return false;
    }
    return true;
}

int mc_hex_value(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool mc_url_decode(mc_buf *out, const char *s, size_t n, bool plus_as_space)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (i + 2 >= n)
                return false;
            int h = mc_hex_value((unsigned char)s[i + 1]), l = mc_hex_value((unsigned char)s[i + 2]);
            if (h < 0 || l < 0)
                return false;
            mc_buf_putc(out, (char)(h << 4 | l));
            i += 2;
        } else if (s[i] == '+' && plus_as_space) {
            mc_buf_putc(out, ' ');
        } else {
            mc_buf_putc(out, s[i]);
        }
    }
    return !out->oom;
}

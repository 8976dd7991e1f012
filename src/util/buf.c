/* buf.c - growable byte buffer and text escaping helpers. */
#include "util/buf.h"
#include "util/arena.h"
#include "util/utf8.h"

#include <stdarg.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool mc_buf_reserve(mc_buf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (extra > SIZE_MAX - b->len - 1) {
        b->oom = true;
        return false;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;   /* most grow past 64: fewer reallocs */
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = b->arena ? mc_arena_resize(b->arena, b->data, b->cap, cap)
                       : realloc(b->data, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void mc_buf__append_grow(mc_buf *b, const void *data, size_t n)
{
    if (!mc_buf_reserve(b, n))
        return;
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void mc_buf_printf(mc_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !mc_buf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void mc_buf_json_string(mc_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    mc_buf_reserve(b, n + 2);
    mc_buf_putc(b, '"');
    size_t run = 0; /* start of the pending run of plain bytes */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char ubuf[7];
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        default:
            if (c < 0x20) {
                ubuf[0] = '\\'; ubuf[1] = 'u'; ubuf[2] = '0'; ubuf[3] = '0';
                ubuf[4] = hex[c >> 4]; ubuf[5] = hex[c & 15]; ubuf[6] = 0;
                esc = ubuf;
            } else if (c >= 0x80) {
                /* valid UTF-8 passes; a byte that is not becomes U+FFFD,
                 * as Java's decoder makes it, so the output is JSON */
                uint32_t cp;
                size_t k = mc_utf8_next((const unsigned char *)s + i, n - i, &cp);
                if (k) {
                    i += k - 1;
                    continue;
                }
                esc = "\xef\xbf\xbd";
            }
        }
        if (esc) {
            mc_buf_append(b, s + run, i - run);
            mc_buf_puts(b, esc);
            run = i + 1;
        }
    }
    mc_buf_append(b, s + run, n - run);
    mc_buf_putc(b, '"');
}

void mc_buf_xml_escape(mc_buf *b, const char *s, size_t n, bool attr)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *esc = NULL;
        switch (s[i]) {
        case '&': esc = "&amp;"; break;
        case '<': esc = "&lt;"; break;
        case '>': esc = "&gt;"; break;
        case '"': if (attr) esc = "&quot;"; break;
        default: break;
        }
        if (esc) {
            mc_buf_append(b, s + run, i - run);
            mc_buf_puts(b, esc);
            run = i + 1;
        }
    }
    mc_buf_append(b, s + run, n - run);
}

void mc_buf_put_utf8(mc_buf *b, unsigned long cp)
{
    unsigned char u[4];
    mc_buf_append(b, u, mc_utf8_encode((uint32_t)cp, u));
}

void mc_buf_put_uint(mc_buf *b, unsigned long long n)
{
    char tmp[20];
    size_t i = sizeof tmp;
    do
        tmp[--i] = (char)('0' + n % 10);
    while ((n /= 10) && i);
    mc_buf_append(b, tmp + i, sizeof tmp - i);
}

size_t mc_fixed_put(char *dst, size_t cap, size_t at, const char *s, size_t n)
{
    if (n > cap - 1 - at)
        n = cap - 1 - at;
    memcpy(dst + at, s, n);
    dst[at + n] = '\0';
    return at + n;
}

const char *mc_buf_cstr(mc_buf *b)
{
    if (!b->data) {
        if (!mc_buf_reserve(b, 0))
            return "";
        b->data[0] = '\0';
    }
    return b->data;
}

/* Empties b; an arena buffer's unused tail goes back to the arena when
 * its block is still the newest. */
static void release(mc_buf *b, size_t keep)
{
    if (b->arena) {
        if (b->data)
            mc_arena_resize(b->arena, b->data, b->cap, keep);
    } else if (!keep) {
        free(b->data);
    }
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = false;
}

char *mc_buf_keep(mc_buf *b)
{
    if (!b->arena)
        return mc_buf_steal(b);
    mc_buf_cstr(b);
    char *p = b->oom ? NULL : b->data;
    release(b, p ? b->len + 1 : 0);
    return p;
}

char *mc_buf_steal(mc_buf *b)
{
    if (b->arena) {   /* the caller frees: a heap copy */
        mc_buf_cstr(b);
        char *p = b->oom ? NULL : malloc(b->len + 1);
        if (p)
            memcpy(p, b->data, b->len + 1);
        release(b, 0);
        return p;
    }
    mc_buf_cstr(b);
    char *p = b->oom ? NULL : b->data;
    if (b->oom)
        free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = false;
    return p;
}

void mc_buf_reset(mc_buf *b)
{
    b->len = 0;
    b->oom = false;
    if (b->data)
        b->data[0] = '\0';
}

void mc_buf_free(mc_buf *b)
{
    release(b, 0);
}

bool mc_buf_read_file(mc_buf *b, const char *path, size_t max)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t start = b->len;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b->len - start <= max)
        mc_buf_append(b, chunk, n);
    bool ok = !ferror(f) && !b->oom;
    fclose(f);
    if (ok && b->len - start > max) {
        errno = EFBIG;
        return false;
    }
    if (!ok && !errno)
        errno = EIO;
    return ok;
}

/* buf.h - growable byte buffer for building text, heap or arena backed.
 *
 * A buffer made with MC_BUF_ARENA(a) grows inside arena a (in place while
 * it is the arena's newest block), so per-message text costs no malloc and
 * no copy: its data lives until the arena ends, mc_buf_free only gives the
 * unused tail back, and mc_buf_steal returns a malloc'd copy as for a heap
 * buffer.  Code must not free() or realloc() the data of such a buffer.
 *
 * A buffer that failed to grow remembers it (oom flag) and ignores further
 * appends, so callers may append freely and check once at the end. The data
 * is always NUL-terminated when len > 0 or after mc_buf_cstr(). */
#ifndef MC_BUF_H
#define MC_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef struct mc_buf {
    char *data;
    size_t len;
    size_t cap;
    bool oom;
    struct mc_arena *arena;   /* NULL: heap */
} mc_buf;

#define MC_BUF_INIT {NULL, 0, 0, false, NULL}
#define MC_BUF_ARENA(a) {NULL, 0, 0, false, (a)}

bool mc_buf_reserve(mc_buf *b, size_t extra);
/* The slow path of the inline appends below: grows b first. */
void mc_buf__append_grow(mc_buf *b, const void *data, size_t n);

/* Inline: appends are the commonest call on a message's path (about a
 * hundred per gateway request), and most fit in the room already there. */
static inline void mc_buf_append(mc_buf *b, const void *data, size_t n)
{
    if (n < b->cap - b->len && !b->oom) {   /* room for n bytes and the NUL */
        if (n)
            memcpy(b->data + b->len, data, n);
        b->len += n;
        b->data[b->len] = '\0';
        return;
    }
    mc_buf__append_grow(b, data, n);
}

static inline void mc_buf_puts(mc_buf *b, const char *s)
{
    mc_buf_append(b, s, strlen(s));
}

static inline void mc_buf_putc(mc_buf *b, char c)
{
    mc_buf_append(b, &c, 1);
}
void mc_buf_printf(mc_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* JSON string escaping: appends the quoted JSON string for s[0..n).  The
 * result is always valid JSON: a byte that is not part of valid UTF-8 is
 * written as U+FFFD. */
void mc_buf_json_string(mc_buf *b, const char *s, size_t n);
/* XML text escaping (&, <, >, and " when attr is true). */
void mc_buf_xml_escape(mc_buf *b, const char *s, size_t n, bool attr);
/* Append code point cp as UTF-8 (1 to 4 bytes). */
void mc_buf_put_utf8(mc_buf *b, unsigned long cp);
/* Append n in decimal (the hot path's "%zu" without printf). */
void mc_buf_put_uint(mc_buf *b, unsigned long long n);
/* Append a whole file; false when it cannot be opened or read (errno
 * set) or is longer than max bytes (errno EFBIG). */
bool mc_buf_read_file(mc_buf *b, const char *path, size_t max);
/* Copy s[0..n) into the fixed buffer dst[cap] at offset at, cut to fit
 * and NUL-terminated as snprintf would; the new length (for the next
 * piece).  cap must be > 0 and at < cap. */
size_t mc_fixed_put(char *dst, size_t cap, size_t at, const char *s, size_t n);
const char *mc_buf_cstr(mc_buf *b);   /* never NULL (returns "" when empty) */
char *mc_buf_steal(mc_buf *b);        /* caller frees; buffer reset */
void mc_buf_reset(mc_buf *b);         /* len = 0, keep memory */
void mc_buf_free(mc_buf *b);
/* An arena buffer's text, kept in the arena (its unused tail given back);
 * the buffer is emptied.  NULL when out of memory.  For a heap buffer it
 * is mc_buf_steal. */
char *mc_buf_keep(mc_buf *b);

#endif

/* json_edit.c - see json_edit.h.  One walk over the tree; a match is found
 * by pointer in a sorted copy of the match list, so an edit costs
 * O(n log m) for n nodes and m matches. */
#include "mediators/json_edit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct walk {
    const mc_json_edit *e;
    mc_json *sorted;
    size_t n;
} walk;

static int cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (const mc_json *)a, y = (uintptr_t) * (const mc_json *)b;
    return x < y ? -1 : x > y;
}

static bool matched(const walk *w, mc_json v)
{
    return w->n && bsearch(&v, w->sorted, w->n, sizeof *w->sorted, cmp_ptr) != NULL;
}

static void emit(mc_buf *out, const walk *w, mc_json v);

static void key_out(mc_buf *out, const char *k, size_t n)
{
    mc_buf_json_string(out, k, n);
    mc_buf_putc(out, ':');
}

static bool same_key(const char *a, size_t an, const char *b, size_t bn)
{
    return an == bn && memcmp(a, b, an) == 0;
}

/* The members of obj, with the ADD or RENAME of a match applied. */
static void emit_object(mc_buf *out, const walk *w, mc_json obj, bool here)
{
    const mc_json_edit *e = w->e;
    mc_json add = here && e->op == MC_JE_ADD && mc_json_type_of(e->value) == MC_JSON_OBJECT
                      ? e->value : NULL;
    bool rename = here && e->op == MC_JE_RENAME;
    mc_json renamed = NULL;
    bool first = true;
    mc_buf_putc(out, '{');
    for (size_t i = 0; i < mc_json_count(obj); i++) {
        size_t kl;
        const char *k = mc_json_key(obj, i, &kl);
        mc_json v = mc_json_at(obj, i);
        if (e->op == MC_JE_DELETE && matched(w, v))
            continue;
        if (rename && same_key(k, kl, e->key, e->key_len)) {
            renamed = v;
            continue;
        }
        if (!first)
            mc_buf_putc(out, ',');
        first = false;
        key_out(out, k, kl);
        mc_json nv = add ? mc_json_get(add, k, kl) : NULL;
        if (nv)
            mc_json_write(out, nv);
        else
            emit(out, w, v);
    }
    for (size_t i = 0; add && i < mc_json_count(add); i++) {
        size_t kl;
        const char *k = mc_json_key(add, i, &kl);
        if (mc_json_get(obj, k, kl))
            continue;
        if (!first)
            mc_buf_putc(out, ',');
        first = false;
        key_out(out, k, kl);
        mc_json_write(out, mc_json_at(add, i));
    }
    if (renamed) {
        if (!first)
            mc_buf_putc(out, ',');
        key_out(out, e->new_key, e->new_key_len);
        emit(out, w, renamed);
    }
    mc_buf_putc(out, '}');
}

static void emit_array(mc_buf *out, const walk *w, mc_json arr, bool here)
{
    bool first = true;
    mc_buf_putc(out, '[');
    for (size_t i = 0; i < mc_json_count(arr); i++) {
        mc_json v = mc_json_at(arr, i);
        if (w->e->op == MC_JE_DELETE && matched(w, v))
            continue;
        if (!first)
            mc_buf_putc(out, ',');
        first = false;
        emit(out, w, v);
    }
    if (here && w->e->op == MC_JE_ADD) {
        if (!first)
            mc_buf_putc(out, ',');
        mc_json_write(out, w->e->value);
    }
    mc_buf_putc(out, ']');
}

static void emit(mc_buf *out, const walk *w, mc_json v)
{
    bool here = matched(w, v);
    if (here && w->e->op == MC_JE_SET) {
        mc_json_write(out, w->e->value);
        return;
    }
    switch (mc_json_type_of(v)) {
    case MC_JSON_OBJECT:
        emit_object(out, w, v, here);
        break;
    case MC_JSON_ARRAY:
        emit_array(out, w, v, here);
        break;
    default:
        mc_json_write(out, v);
        break;
    }
}

bool mc_json_write_edited(mc_buf *out, mc_json root, const mc_json_edit *e)
{
    walk w = {e, NULL, 0};
    if (e->nmatches) {
        w.sorted = malloc(e->nmatches * sizeof *w.sorted);
        if (!w.sorted) {
            out->oom = true;
            return false;
        }
        memcpy(w.sorted, e->matches, e->nmatches * sizeof *w.sorted);
        qsort(w.sorted, e->nmatches, sizeof *w.sorted, cmp_ptr);
        w.n = e->nmatches;
    }
    bool wrote = true;
    if (e->op == MC_JE_DELETE && matched(&w, root))
        wrote = false;
    else
        emit(out, &w, root);
    free(w.sorted);
    return wrote;
}

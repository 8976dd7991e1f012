/* js_engine.c - duktape heaps per message, with the instruction budget and
 * the memory cap (see js_engine.h). */
#include "mediators/js_engine.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mediators/js_budget.h"

/* Every block carries a header: the list lets a heap that hit a fatal
 * error be released without asking duktape. */
typedef struct block {
    struct block *prev, *next;
    size_t size;
    size_t pad;
} block;

struct mc_js_run {
    duk_context *ctx;
    mc_message *m;
    block head;              /* circular list of live blocks */
    size_t used, cap;
    uint64_t ticks, budget;
    bool over_budget, over_memory;
    jmp_buf fatal;
};

static void *js_alloc(void *ud, duk_size_t size)
{
    mc_js_run *r = ud;
    if (size > r->cap || r->used + size > r->cap) {
        r->over_memory = true;
        return NULL;
    }
    block *b = malloc(sizeof *b + size);
    if (!b)
        return NULL;
    b->size = size;
    b->next = r->head.next;
    b->prev = &r->head;
    r->head.next->prev = b;
    r->head.next = b;
    r->used += size;
    return b + 1;
}

static void js_free(void *ud, void *p)
{
    if (!p)
        return;
    mc_js_run *r = ud;
    block *b = (block *)p - 1;
    b->prev->next = b->next;
    b->next->prev = b->prev;
    r->used -= b->size;
    free(b);
}

static void *js_realloc(void *ud, void *p, duk_size_t size)
{
    if (!p)
        return js_alloc(ud, size);
    if (size == 0) {
        js_free(ud, p);
        return NULL;
    }
    mc_js_run *r = ud;
    block *b = (block *)p - 1;
    if (size > b->size && r->used + (size - b->size) > r->cap) {
        r->over_memory = true;
        return NULL;
    }
    block *prev = b->prev, *next = b->next;
    size_t old = b->size;
    block *nb = realloc(b, sizeof *nb + size);
    if (!nb)
        return NULL;
    nb->prev = prev;
    nb->next = next;
    prev->next = nb;
    next->prev = nb;
    nb->size = size;
    r->used = r->used - old + size;
    return nb + 1;
}

static void js_fatal(void *ud, const char *msg)
{
    (void)msg;
    mc_js_run *r = ud;
    longjmp(r->fatal, 1);
}

static mc_js_run *run_of(duk_context *ctx)
{
    duk_memory_functions f;
    duk_get_memory_functions(ctx, &f);
    return f.udata;
}

mc_message *mc_js_message(duk_context *ctx) { return run_of(ctx)->m; }

static duk_ret_t js_tick(duk_context *ctx)
{
    mc_js_run *r = run_of(ctx);
    if (++r->ticks > r->budget) {
        r->over_budget = true;
        return duk_error(ctx, DUK_ERR_RANGE_ERROR,
                         "script exceeded its instruction budget of %llu steps",
                         (unsigned long long)r->budget);
    }
    duk_push_true(ctx);
    return 1;
}

/* The global environment every script sees: the tick, and no eval or
 * Function constructor (code made at run time would escape the budget). */
static duk_ret_t prepare_globals(duk_context *ctx, void *ud)
{
    (void)ud;
    duk_push_global_object(ctx);
    duk_push_c_function(ctx, js_tick, 0);
    duk_put_prop_string(ctx, -2, MC_JS_TICK);
    duk_del_prop_string(ctx, -1, "eval");
    duk_get_prop_string(ctx, -1, "Function");
    duk_get_prop_string(ctx, -1, "prototype");
    duk_push_undefined(ctx);
    duk_put_prop_string(ctx, -2, "constructor");
    duk_pop_2(ctx);
    duk_del_prop_string(ctx, -1, "Function");
    duk_pop(ctx);
    return 0;
}

static void init_run(mc_js_run *r, mc_message *m, uint64_t budget, size_t memory)
{
    memset(r, 0, sizeof *r);
    r->m = m;
    r->head.next = r->head.prev = &r->head;
    r->budget = budget ? budget : MC_JS_DEFAULT_BUDGET;
    r->cap = memory ? memory : MC_JS_DEFAULT_MEMORY;
}

static void release_all(mc_js_run *r)
{
    for (block *b = r->head.next; b != &r->head;) {
        block *next = b->next;
        free(b);
        b = next;
    }
    r->head.next = r->head.prev = &r->head;
}

/* The error on the stack top as text ("SyntaxError: ... (line 3)"). */
static void error_text(duk_context *ctx, mc_err *err, int *line)
{
    if (line) {
        *line = 0;
        if (duk_is_error(ctx, -1)) {
            duk_get_prop_string(ctx, -1, "lineNumber");
            *line = duk_is_number(ctx, -1) ? (int)duk_get_int(ctx, -1) : 0;
            duk_pop(ctx);
        }
    }
    mc_err_set(err, MC_EPARSE, "%s", duk_safe_to_string(ctx, -1));
}

bool mc_js_compile(mc_config *cfg, const char *name, const char *src, size_t len,
                   mc_js_code *out, int *line, mc_err *err)
{
    mc_buf code = MC_BUF_INIT;
    mc_js_instrument(src, len, &code);
    mc_js_run *volatile r = malloc(sizeof *r);
    if (!r || code.oom) {
        free(r);
        mc_buf_free(&code);
        return mc_err_set(err, MC_ENOMEM, "out of memory"), false;
    }
    init_run(r, NULL, 0, 0);
    volatile bool ok = false;
    *line = 0;
    if (setjmp(r->fatal) == 0) {
        r->ctx = duk_create_heap(js_alloc, js_realloc, js_free, r, js_fatal);
        if (!r->ctx) {
            mc_err_set(err, MC_ENOMEM, "cannot create a JavaScript heap");
        } else {
            duk_push_string(r->ctx, name);
            if (duk_pcompile_lstring_filename(r->ctx, 0, mc_buf_cstr(&code), code.len) != 0) {
                error_text(r->ctx, err, line);
            } else {
                duk_dump_function(r->ctx);
                duk_size_t n;
                const void *bc = duk_get_buffer(r->ctx, -1, &n);
                unsigned char *copy = mc_arena_alloc(&cfg->arena, n ? n : 1);
                if (copy) {
                    memcpy(copy, bc, n);
                    *out = (mc_js_code){mc_arena_strdup(&cfg->arena, name), copy, n};
                    ok = true;
                }
            }
            duk_destroy_heap(r->ctx);
        }
    } else {
        mc_err_set(err, MC_EPARSE, "the JavaScript compiler failed");
    }
    release_all(r);
    free(r);
    mc_buf_free(&code);
    return ok;
}

mc_js_run *mc_js_begin(mc_message *m, uint64_t budget, size_t memory)
{
    mc_js_run *volatile r = malloc(sizeof *r);
    if (!r)
        return NULL;
    init_run(r, m, budget, memory);
    if (setjmp(r->fatal) != 0) {
        release_all(r);
        free(r);
        return NULL;
    }
    r->ctx = duk_create_heap(js_alloc, js_realloc, js_free, r, js_fatal);
    if (!r->ctx || duk_safe_call(r->ctx, prepare_globals, NULL, 0, 1) != 0) {
        if (r->ctx)
            duk_destroy_heap(r->ctx);
        release_all(r);
        free(r);
        return NULL;
    }
    duk_pop(r->ctx);
    return r;
}

duk_context *mc_js_ctx(mc_js_run *r) { return r->ctx; }

/* After a failed call: the reason, with the limits named first. */
static void failure(mc_js_run *r, mc_err *err)
{
    if (r->over_budget)
        mc_err_set(err, MC_EFAULT, "RangeError: script exceeded its instruction budget of %llu steps",
                   (unsigned long long)r->budget);
    else if (r->over_memory)
        mc_err_set(err, MC_EFAULT, "RangeError: script exceeded its memory limit of %zu bytes",
                   r->cap);
    else
        error_text(r->ctx, err, NULL);
}

bool mc_js_run_program(mc_js_run *r, const mc_js_code *code, mc_err *err)
{
    duk_context *ctx = r->ctx;
    if (setjmp(r->fatal) != 0)
        return mc_err_set(err, MC_EFAULT, "the JavaScript engine failed"), false;
    void *buf = duk_push_fixed_buffer(ctx, code->len);
    memcpy(buf, code->bytecode, code->len);
    duk_load_function(ctx);
    if (duk_pcall(ctx, 0) != DUK_EXEC_SUCCESS || r->over_budget || r->over_memory) {
        failure(r, err);
        duk_pop(ctx);
        return false;
    }
    return true;
}

bool mc_js_call_global(mc_js_run *r, const char *fn, int nargs, mc_err *err)
{
    duk_context *ctx = r->ctx;
    if (setjmp(r->fatal) != 0)
        return mc_err_set(err, MC_EFAULT, "the JavaScript engine failed"), false;
    duk_get_global_string(ctx, fn);
    if (!duk_is_function(ctx, -1)) {
        duk_pop_n(ctx, nargs + 1);
        return mc_err_set(err, MC_ENOTFOUND, "no function '%s' in the script", fn), false;
    }
    duk_insert(ctx, -(nargs + 1));
    if (duk_pcall(ctx, nargs) != DUK_EXEC_SUCCESS || r->over_budget || r->over_memory) {
        failure(r, err);
        duk_pop(ctx);
        return false;
    }
    return true;
}

void mc_js_end(mc_js_run *r)
{
    if (!r)
        return;
    if (setjmp(r->fatal) == 0 && r->ctx)
        duk_destroy_heap(r->ctx);
    release_all(r);
    free(r);
}

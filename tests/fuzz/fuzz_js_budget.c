/* fuzz_js_budget.c - libFuzzer target: the script mediator's budget
 * instrumentation (src/mediators/js_budget.c, a hand-written ES5 lexer).
 * The input is JavaScript source.  Oracle: when duktape compiles the
 * original, it must compile the instrumented text too (the ticks never
 * break a program), and the instrumented text is the original with text
 * inserted (same length or longer, same line count). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <duktape.h>

#include "mediators/js_budget.h"

static duk_context *ctx;

static int compiles(const char *src, size_t len)
{
    duk_push_string(ctx, "fuzz");
    int ok = duk_pcompile_lstring_filename(ctx, 0, src, len) == 0;
    duk_pop(ctx);
    return ok;
}

static size_t lines(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += s[i] == '\n';
    return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ctx && !(ctx = duk_create_heap_default()))
        abort();
    const char *src = (const char *)data;
    mc_buf out = MC_BUF_INIT;
    mc_js_instrument(src, size, &out);
    if (out.len < size || lines(mc_buf_cstr(&out), out.len) != lines(src, size)) {
        fprintf(stderr, "instrumentation dropped text or changed lines\n");
        abort();
    }
    if (compiles(src, size) && !compiles(mc_buf_cstr(&out), out.len)) {
        fprintf(stderr, "instrumented program does not compile:\n%.*s\n", (int)out.len,
                mc_buf_cstr(&out));
        abort();
    }
    mc_buf_free(&out);
    if (duk_get_top(ctx) != 0)
        abort();
    return 0;
}

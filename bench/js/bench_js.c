/* bench_js.c - the two embeddable JavaScript engines Debian 12 packages,
 * duktape 2.7 and mujs 1.3, doing what mediac's <script> does per message:
 * a fresh heap, the code (duktape: bytecode compiled once and loaded, as
 * src/mediators/js_engine.c does; mujs has no bytecode dump, so it
 * compiles per message), run, result out, heap gone.  measure() runs N
 * messages; bench/js/run counts its instructions under callgrind.  Each
 * run also prints the peak bytes one message's heap held (a counting
 * allocator).
 *
 *   bench_js duktape|mujs edit|loop|empty N
 *   bench_js features     which ES2015 parts each engine runs */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <duktape.h>
#include <mujs.h>

static const char *const scripts[] = {
    /* edit: the "script that edits a 10 KiB JSON payload" */
    "var o = JSON.parse(INPUT), t = 0;"
    "for (var i = 0; i < o.items.length; i++) {"
    "  var it = o.items[i]; it.total = it.qty * it.price; t += it.total;"
    "  it.sku = it.sku.toUpperCase(); }"
    "o.sum = t; o.count = o.items.length; JSON.stringify(o);",
    /* loop: the interpreter alone */
    "var s = 0; for (var i = 0; i < 20000; i++) { s += i % 7; } String(s);",
    /* empty: the fixed cost of a message's heap */
    "'x'",
};

static char input[16384];
static size_t live, peak;

typedef struct { size_t n; } hdr;

static void *count_realloc(void *p, size_t n)
{
    hdr *h = p ? (hdr *)p - 1 : NULL;
    if (h)
        live -= h->n;
    if (n == 0) {
        free(h);
        return NULL;
    }
    hdr *r = realloc(h, sizeof *r + n);
    if (!r)
        return NULL;
    r->n = n;
    live += n;
    if (live > peak)
        peak = live;
    return r + 1;
}

static void *duk_a(void *u, duk_size_t n) { (void)u; return n ? count_realloc(NULL, n) : NULL; }
static void *duk_r(void *u, void *p, duk_size_t n) { (void)u; return count_realloc(p, n); }
static void duk_f(void *u, void *p) { (void)u; count_realloc(p, 0); }
static void *mujs_a(void *u, void *p, int n) { (void)u; return count_realloc(p, (size_t)n); }

static size_t duk_bytecode_len;
static void *duk_bytecode;

static void duk_prepare(const char *src)
{
    duk_context *ctx = duk_create_heap(NULL, NULL, NULL, NULL, NULL);
    duk_push_string(ctx, "bench");
    if (duk_pcompile_string_filename(ctx, 0, src) != 0) {
        fprintf(stderr, "duktape: %s\n", duk_safe_to_string(ctx, -1));
        exit(1);
    }
    duk_dump_function(ctx);
    duk_size_t n;
    void *b = duk_get_buffer_data(ctx, -1, &n);
    duk_bytecode = malloc(n);
    memcpy(duk_bytecode, b, n);
    duk_bytecode_len = n;
    duk_destroy_heap(ctx);
}

static size_t duk_message(void)
{
    duk_context *ctx = duk_create_heap(duk_a, duk_r, duk_f, NULL, NULL);
    duk_push_string(ctx, input);
    duk_put_global_string(ctx, "INPUT");
    void *b = duk_push_fixed_buffer(ctx, duk_bytecode_len);
    memcpy(b, duk_bytecode, duk_bytecode_len);
    duk_load_function(ctx);
    size_t out = 0;
    if (duk_pcall(ctx, 0) == 0)
        out = strlen(duk_safe_to_string(ctx, -1));
    else
        fprintf(stderr, "duktape: %s\n", duk_safe_to_string(ctx, -1));
    duk_destroy_heap(ctx);
    return out;
}

static size_t mujs_message(const char *src)
{
    js_State *J = js_newstate(mujs_a, NULL, JS_STRICT);
    js_pushstring(J, input);
    js_setglobal(J, "INPUT");
    size_t out = 0;
    if (js_ploadstring(J, "bench", src) == 0) {
        js_pushundefined(J);
        if (js_pcall(J, 0) == 0)
            out = strlen(js_tostring(J, -1));
        else
            fprintf(stderr, "mujs: %s\n", js_trystring(J, -1, "error"));
    } else {
        fprintf(stderr, "mujs: %s\n", js_trystring(J, -1, "error"));
    }
    js_freestate(J);
    return out;
}

__attribute__((noinline)) static size_t measure(int mujs, const char *src, long n)
{
    size_t total = 0;
    for (long i = 0; i < n; i++)
        total += mujs ? mujs_message(src) : duk_message();
    return total;
}

/* ES2015 parts MI scripts (Nashorn, GraalJS) may use: 1 when it runs. */
static const char *const probes[] = {
    "let a = 1; a", "const b = 2; b", "[1].map(x => x).length", "`t${1}`",
    "Object.assign({}, {a: 1}).a", "'abc'.startsWith('a')", "[1].includes(1)",
    "'x'.padStart(3, '-')", "Number.isInteger(2)", "new Uint8Array(2).length",
    "typeof Proxy == 'function'", "typeof Symbol == 'function'", "Array.from([1]).length",
    "typeof Map == 'function'", "typeof Promise == 'function'", "String.fromCodePoint(65)",
    "typeof Reflect == 'object'", NULL};

static int features(void)
{
    int nd = 0, nm = 0, n = 0;
    printf("| expression | duktape | mujs |\n|---|---|---|\n");
    for (; probes[n]; n++) {
        duk_context *c = duk_create_heap_default();
        int d = duk_peval_string(c, probes[n]) == 0 && duk_to_boolean(c, -1);
        duk_destroy_heap(c);
        js_State *J = js_newstate(NULL, NULL, 0);
        int m = 0;
        if (js_ploadstring(J, "probe", probes[n]) == 0) {
            js_pushundefined(J);
            m = js_pcall(J, 0) == 0 && js_toboolean(J, -1);
        }
        js_freestate(J);
        nd += d;
        nm += m;
        printf("| `%s` | %s | %s |\n", probes[n], d ? "yes" : "no", m ? "yes" : "no");
    }
    printf("| runs | %d of %d | %d of %d |\n", nd, n, nm, n);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "features") == 0)
        return features();
    if (argc != 4) {
        fprintf(stderr, "usage: bench_js duktape|mujs edit|loop|empty N\n");
        return 2;
    }
    int mujs = strcmp(argv[1], "mujs") == 0;
    int w = strcmp(argv[2], "edit") == 0 ? 0 : strcmp(argv[2], "loop") == 0 ? 1 : 2;
    long n = atol(argv[3]);
    size_t len = (size_t)snprintf(input, sizeof input, "{\"order\":\"o-1\",\"items\":[");
    for (int i = 0; len < 10200; i++)
        len += (size_t)snprintf(input + len, sizeof input - len,
                                "%s{\"sku\":\"item-%d\",\"qty\":%d,\"price\":%d.25,\"tags\":[\"a\",\"b\"]}",
                                i ? "," : "", i, i % 5 + 1, i % 40);
    snprintf(input + len, sizeof input - len, "]}");
    if (!mujs)
        duk_prepare(scripts[w]);
    size_t out = measure(mujs, scripts[w], n);
    printf("%s %s input=%zu output=%zu peak_heap_bytes=%zu\n", argv[1], argv[2], strlen(input),
           n ? out / (size_t)n : 0, peak);
    free(duk_bytecode);
    return 0;
}

/* bench_expr.c - instruction cost of evaluating one expression, for
 * bench/expr/run under callgrind: the message is built and the expression
 * compiled and evaluated once outside the measured part; then
 * measure_evals() evaluates it N times (callgrind --toggle-collect counts
 * only that function).  Builds against the current tree and against an
 * older one (the same API), so the run compares them.
 *
 *   bench_expr 'EXPRESSION' N [json|xml]      prints the string value */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr/expr.h"
#include "msg/msg.h"

static const char *json =
    "{\"a\":41,\"name\":\"widget\",\"price\":12.5,\"items\":[{\"k\":\"x\",\"v\":1},"
    "{\"k\":\"y\",\"v\":2},{\"k\":\"z\",\"v\":3}],\"nested\":{\"deep\":{\"value\":\"v\"}}}";
static const char *xml =
    "<order><a>41</a><name>widget</name><price>12.5</price><items><k>x</k><k>y</k></items></order>";

__attribute__((noinline)) static size_t measure_evals(const mc_expr *e, mc_message *m, long n)
{
    size_t total = 0;
    for (long i = 0; i < n; i++) {
        const char *out;
        size_t len;
        mc_err err = {0};
        if (mc_expr_string(e, m, &out, &len, &err) == MC_OK)
            total += len;
    }
    return total;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_expr EXPRESSION N [json|xml]\n");
        return 2;
    }
    long n = atol(argv[2]);
    bool use_xml = argc > 3 && strcmp(argv[3], "xml") == 0;
    mc_err err = {0};
    mc_expr *e = mc_expr_compile(argv[1], NULL, 0, &err);
    if (!e) {
        printf("compile error: %s\n", err.msg);
        return 1;
    }
    mc_message *m = mc_msg_new(NULL, NULL);
    const char *body = use_xml ? xml : json;
    if (!m || mc_msg_set_payload(m, body, strlen(body),
                                 use_xml ? "application/xml" : "application/json",
                                 &err) != MC_OK) {
        printf("payload: %s\n", err.msg);
        return 1;
    }
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "name", "widget");
    const char *out;
    size_t len;
    if (mc_expr_string(e, m, &out, &len, &err) != MC_OK) { /* warm: parses the payload */
        printf("eval error: %s\n", err.msg);
        return 1;
    }
    printf("%s\n", out);
    size_t t = measure_evals(e, m, n);
    fprintf(stderr, "%zu bytes\n", t);
    mc_msg_free(m);
    mc_expr_free(e);
    return 0;
}

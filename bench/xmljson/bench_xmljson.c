/* bench_xmljson.c - the cost of taking an XML body to JSON (mc_xml_parse,
 * then mc_xml_to_json), for bench/xmljson/run under callgrind: the
 * document is generated outside the measured part; measure() parses and
 * converts it (callgrind --toggle-collect counts only that function).
 * Builds against the current tree and against an older one (the same
 * API), so the run compares them.
 *
 *   bench_xmljson SHAPE N [REPEAT]   prints the JSON length, or "refused: ..."
 *   SHAPE: distinct   <r><n0>0</n0><n1>1</n1>...</r>     (N distinct names)
 *          repeated   <r><item>0</item><item>1</item>...  (one name, N times)
 *          attributes <r a0="0" a1="1" ... />             (N attributes)
 * With REPEAT, the pair runs that many times and the wall-clock time of
 * one is printed too (for the record only: the claims use instructions). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json/json.h"
#include "msg/xmlsafe.h"

static char *make(const char *shape, long n, size_t *len)
{
    mc_buf b = MC_BUF_INIT;
    if (strcmp(shape, "attributes") == 0) {
        mc_buf_puts(&b, "<r");
        for (long i = 0; i < n; i++)
            mc_buf_printf(&b, " a%ld=\"%ld\"", i, i % 10);
        mc_buf_puts(&b, "/>");
    } else {
        mc_buf_puts(&b, "<r>");
        for (long i = 0; i < n; i++) {
            if (strcmp(shape, "distinct") == 0)
                mc_buf_printf(&b, "<n%ld>%ld</n%ld>", i, i, i);
            else
                mc_buf_printf(&b, "<item>%ld</item>", i);
        }
        mc_buf_puts(&b, "</r>");
    }
    *len = b.len;
    return mc_buf_steal(&b);
}

__attribute__((noinline)) static long measure(const char *doc, size_t len, char *why,
                                              size_t whylen)
{
    mc_xml_error xe;
    xmlDocPtr d = mc_xml_parse(doc, len, "bench", 1, &xe);
    if (!d) {
        snprintf(why, whylen, "%s", xe.msg);
        return -1;
    }
    mc_buf out = MC_BUF_INIT;
    mc_xml_to_json(&out, xmlDocGetRootElement(d));
    long n = (long)out.len;
    mc_buf_free(&out);
    xmlFreeDoc(d);
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_xmljson SHAPE N [REPEAT]\n");
        return 2;
    }
    long n = atol(argv[2]), repeat = argc > 3 ? atol(argv[3]) : 1;
    size_t len;
    char *doc = make(argv[1], n, &len);
    char why[256] = "";
    long out = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < repeat; i++)
        out = measure(doc, len, why, sizeof why);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = ((t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6) /
                (double)(repeat > 0 ? repeat : 1);
    if (out < 0)
        printf("refused: %s (%zu bytes, %.2f ms)\n", why, len, ms);
    else
        printf("%ld bytes of JSON from %zu bytes of XML (%.2f ms)\n", out, len, ms);
    free(doc);
    return 0;
}

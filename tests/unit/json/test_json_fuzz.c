/* test_json_fuzz.c - robustness: random, truncated and mutated inputs for
 * the JSON parser, the JSONPath compiler/evaluator and the XML mapping.
 * Only "no crash, no leak" is asserted (run it under ASan), plus a few
 * invariants that must hold for any input (output of a conversion is valid
 * JSON, valid() agrees with parse()).
 *
 * MC_FUZZ_SEED and MC_FUZZ_ITER override the seed and the iteration count. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "json/json.h"

/* every tree of this file lives here, reset as the tests go */
static mc_arena trees;

static unsigned long long rng_state;
static int iterations = 4000;

static unsigned rnd(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (unsigned)((rng_state * 2685821657736338717ULL) >> 32);
}

static unsigned below(unsigned n) { return n ? rnd() % n : 0; }

static const char *const json_seeds[] = {
    "{\"store\":{\"book\":[{\"author\":\"a\",\"title\":\"Sayings\",\"price\":8.95},"
    "{\"author\":\"b\",\"title\":\"Sword\",\"price\":12.99,\"isbn\":\"x\"}]},"
    "\"n\":[1,2,[3,[4,{}]]],\"e\":[],\"s\":\"\\u00e9\\n\\\"\",\"z\":null,\"t\":true}",
    "[1,-2.5e10,\"x\",{\"a\":[]},[[[]]],false,null]",
    "\"just a string with \\\\ escapes \\ud83d\\ude00\"",
    "{\"1a\":{\"$b\":[{\"c d\":1}]},\"\":\"\"}",
};

static const char *const path_seeds[] = {
    "$.store.book[0].title",
    "$..author",
    "$.store.book[?(@.price < 10 && @.author == 'a')].title",
    "$['store']['book'][-1:]",
    "$..book[0,1]['title','price']",
    "$.n[1:3]",
    "$..[?(@.isbn =~ /x.*/i || !@.price)]",
    "$.store.book[?(@.price in [8.95, 1] && @.title size 7)]",
    "$..*",
    "$.store.book[?(@.author != $.s)].price",
};

static const char path_alphabet[] =
    "$$$@@..[[]]]''\"\"**?" "?(())!!==<<>>~~&&||,,::--/ 0123456789abcxyz\\ieEnulltrufs{}";

static char *random_json_text(size_t *len)
{
    static const char alphabet[] = "{}[]\":,.-+eE0123456789 \\tfnruals\x01\xff\xc3\xa9";
    size_t n = below(48);
    char *s = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        s[i] = below(4) ? alphabet[below(sizeof alphabet - 1)] : (char)below(256);
    s[n] = '\0';
    *len = n;
    return s;
}

static void parse_and_use(const char *s, size_t n)
{
    mc_err err = {0};
    mc_json v = mc_json_parse(&trees, s, n, &err);
    bool valid = mc_json_valid(s, n);
    if ((v != NULL) != valid)
        fail_msg("parse and valid disagree on %.*s", (int)n, s);
    if (!v) {
        assert_true(err.code == MC_EPARSE);
        assert_non_null(strstr(err.msg, "invalid JSON at offset "));
        return;
    }
    mc_buf b = MC_BUF_INIT;
    mc_json_write(&b, v);
    mc_json_text(&b, v);
    mc_buf_free(&b);
    mc_arena_reset(&trees);
}

static void test_parser_random(void **state)
{
    (void)state;
    for (int i = 0; i < iterations * 4; i++) {
        size_t n;
        char *s = random_json_text(&n);
        parse_and_use(s, n);
        free(s);
    }
}

static void test_parser_truncated_and_mutated(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof json_seeds / sizeof json_seeds[0]; k++) {
        const char *seed = json_seeds[k];
        size_t n = strlen(seed);
        /* every prefix, not NUL-terminated at the cut */
        for (size_t cut = 0; cut <= n; cut++) {
            char *s = malloc(cut ? cut : 1);
            memcpy(s, seed, cut);
            parse_and_use(s, cut);
            free(s);
        }
        /* random byte flips, insertions and deletions */
        for (int i = 0; i < iterations; i++) {
            char *s = malloc(n + 8);
            memcpy(s, seed, n);
            size_t len = n;
            int edits = 1 + (int)below(4);
            for (int e = 0; e < edits; e++) {
                size_t at = below((unsigned)len + 1);
                switch (below(3)) {
                case 0:
                    if (len)
                        s[at % len] = (char)below(256);
                    break;
                case 1:
                    if (len < n + 7) {
                        memmove(s + at + 1, s + at, len - at);
                        s[at] = "{}[],:\"\\"[below(8)];
                        len++;
                    }
                    break;
                default:
                    if (len && at < len) {
                        memmove(s + at, s + at + 1, len - at - 1);
                        len--;
                    }
                }
            }
            parse_and_use(s, len);
            free(s);
        }
    }
}

static mc_json docs[sizeof json_seeds / sizeof json_seeds[0]];

static void compile_and_run(const char *path)
{
    mc_err err = {0};
    mc_jsonpath *p = mc_jsonpath_compile(path, &err);
    if (!p) {
        assert_true(err.code == MC_EPARSE);
        assert_non_null(strstr(err.msg, "bad JSONPath '"));
        assert_non_null(strstr(err.msg, " at offset "));
        return;
    }
    for (size_t k = 0; k < sizeof docs / sizeof docs[0]; k++) {
        mc_buf b = MC_BUF_INIT;
        bool found;
        mc_jsonpath_eval(p, docs[k], &b, &found);
        if (found && !mc_jsonpath_is_definite(p) && !mc_json_valid(b.data, b.len))
            fail_msg("'%s' gave invalid JSON %s", path, mc_buf_cstr(&b));
        mc_buf_free(&b);
        mc_json out[4];
        mc_jsonpath_select(p, docs[k], out, 4);
    }
    mc_jsonpath_free(p);
}

static void test_jsonpath_random(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof docs / sizeof docs[0]; k++) {
        docs[k] = mc_json_parse(&trees, json_seeds[k], strlen(json_seeds[k]), NULL);
        assert_non_null(docs[k]);
    }
    char buf[64];
    for (int i = 0; i < iterations * 4; i++) {
        size_t n = below(sizeof buf - 1);
        for (size_t j = 0; j < n; j++)
            buf[j] = path_alphabet[below(sizeof path_alphabet - 1)];
        if (n && below(2))
            buf[0] = '$';
        buf[n] = '\0';
        compile_and_run(buf);
    }
    for (size_t k = 0; k < sizeof path_seeds / sizeof path_seeds[0]; k++) {
        const char *seed = path_seeds[k];
        size_t n = strlen(seed);
        for (size_t cut = 0; cut <= n; cut++) {
            char *s = strndup(seed, cut);
            compile_and_run(s);
            free(s);
        }
        compile_and_run(seed);
        for (int i = 0; i < iterations / 4; i++) {
            char s[96];
            memcpy(s, seed, n + 1);
            size_t len = n;
            int edits = 1 + (int)below(3);
            for (int e = 0; e < edits; e++) {
                size_t at = below((unsigned)len + 1);
                char ch = path_alphabet[below(sizeof path_alphabet - 1)];
                if (below(2) && len + 1 < sizeof s) {
                    memmove(s + at + 1, s + at, len - at + 1);
                    s[at] = ch;
                    len++;
                } else if (len && at < len) {
                    s[at] = ch;
                }
            }
            compile_and_run(s);
        }
    }
    mc_arena_reset(&trees);
}

/* A random JSON value as text. */
static void gen_json(mc_buf *b, int depth)
{
    static const char *const keys[] = {"a", "b", "1x", "$k", "a b", "", "jsonElement",
                                       "x:y", "\\u00e9", "_JsonReader_PS_"};
    static const char *const scalars[] = {"1", "-2.50", "\"s\"", "\"\"", "true", "false",
                                          "null", "\"123\"", "\"<&>\"", "1e5"};
    unsigned kind = depth > 5 ? 2 : below(3);
    if (kind == 0) {
        mc_buf_putc(b, '{');
        unsigned n = below(4);
        for (unsigned i = 0; i < n; i++) {
            if (i)
                mc_buf_putc(b, ',');
            mc_buf_printf(b, "\"%s\":", keys[below(sizeof keys / sizeof keys[0])]);
            gen_json(b, depth + 1);
        }
        mc_buf_putc(b, '}');
    } else if (kind == 1) {
        mc_buf_putc(b, '[');
        unsigned n = below(4);
        for (unsigned i = 0; i < n; i++) {
            if (i)
                mc_buf_putc(b, ',');
            gen_json(b, depth + 1);
        }
        mc_buf_putc(b, ']');
    } else {
        mc_buf_puts(b, scalars[below(sizeof scalars / sizeof scalars[0])]);
    }
}

static void test_xml_mapping_random(void **state)
{
    (void)state;
    for (int i = 0; i < iterations; i++) {
        mc_buf j = MC_BUF_INIT;
        gen_json(&j, 0);
        mc_err err = {0};
        mc_json v = mc_json_parse(&trees, j.data, j.len, &err);
        if (!v)
            fail_msg("generated %s: %s", mc_buf_cstr(&j), err.msg);
        xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
        xmlNodePtr el = mc_json_to_xml(v, doc);
        assert_non_null(el);
        xmlDocSetRootElement(doc, el);
        mc_buf out = MC_BUF_INIT;
        mc_xml_to_json(&out, el);
        if (!mc_json_valid(out.data, out.len))
            fail_msg("%s -> invalid JSON %s", mc_buf_cstr(&j), mc_buf_cstr(&out));
        /* converting the result again is stable */
        mc_json v2 = mc_json_parse(&trees, out.data, out.len, NULL);
        assert_non_null(v2);
        xmlDocPtr doc2 = xmlNewDoc(BAD_CAST "1.0");
        xmlNodePtr el2 = mc_json_to_xml(v2, doc2);
        xmlDocSetRootElement(doc2, el2);
        mc_buf out2 = MC_BUF_INIT;
        mc_xml_to_json(&out2, el2);
        /* (a "jsonElement" key can turn into a nested array on the way
         * back, so such documents need not be stable) */
        if (!strstr(mc_buf_cstr(&j), "jsonElement") &&
            strcmp(mc_buf_cstr(&out), mc_buf_cstr(&out2)) != 0)
            fail_msg("%s -> %s -> %s", mc_buf_cstr(&j), mc_buf_cstr(&out),
                     mc_buf_cstr(&out2));
        /* the XML text is well-formed */
        xmlChar *text;
        int len;
        xmlDocDumpMemory(doc, &text, &len);
        xmlDocPtr re = xmlReadMemory((const char *)text, len, NULL, NULL,
                                     XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
        if (!re)
            fail_msg("%s -> bad XML %s", mc_buf_cstr(&j), text);
        xmlFreeDoc(re);
        xmlFree(text);
        mc_buf_free(&out2);
        xmlFreeDoc(doc2);
        mc_buf_free(&out);
        xmlFreeDoc(doc);
        mc_buf_free(&j);
        mc_arena_reset(&trees);
    }
}

/* Random XML (element soup with PIs, text, names that look escaped). */
static void gen_xml(mc_buf *b, int depth)
{
    static const char *const names[] = {"a", "b", "jsonElement", "jsonObject",
                                        "_JsonReader_PD_1", "_JsonReader_", "x_JsonReader_0041",
                                        "_JsonReader_d83d", "p:q"};
    static const char *const texts[] = {"1", "x", "true", " ", "", "&lt;", "<![CDATA[c]]>",
                                        "-0.5", "007"};
    unsigned n = depth > 4 ? 0 : below(4);
    for (unsigned i = 0; i < n; i++) {
        unsigned k = below(10);
        if (k == 0) {
            mc_buf_printf(b, "<?xml-multiple %s?>", names[below(sizeof names / sizeof names[0])]);
        } else if (k == 1) {
            mc_buf_puts(b, texts[below(sizeof texts / sizeof texts[0])]);
        } else if (k == 2) {
            mc_buf_puts(b, "<!--c-->");
        } else {
            const char *nm = names[below(sizeof names / sizeof names[0])];
            if (strchr(nm, ':'))
                mc_buf_printf(b, "<%s xmlns:p=\"u\">", nm);
            else
                mc_buf_printf(b, "<%s%s>", nm, below(5) ? "" : " xmlns=\"urn:x\" at=\"1\"");
            if (below(2))
                gen_xml(b, depth + 1);
            else
                mc_buf_puts(b, texts[below(sizeof texts / sizeof texts[0])]);
            mc_buf_printf(b, "</%s>", nm);
        }
    }
}

static void test_xml_to_json_random(void **state)
{
    (void)state;
    static const char *const roots[] = {"r", "jsonObject", "jsonArray", "jsonValue"};
    for (int i = 0; i < iterations; i++) {
        mc_buf x = MC_BUF_INIT;
        const char *root = roots[below(4)];
        mc_buf_printf(&x, "<%s>", root);
        gen_xml(&x, 0);
        mc_buf_printf(&x, "</%s>", root);
        xmlDocPtr doc = xmlReadMemory(x.data, (int)x.len, NULL, NULL,
                                      XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
        if (doc) {
            mc_buf out = MC_BUF_INIT;
            mc_xml_to_json(&out, xmlDocGetRootElement(doc));
            if (!mc_json_valid(out.data, out.len))
                fail_msg("%s -> invalid JSON %s", mc_buf_cstr(&x), mc_buf_cstr(&out));
            mc_buf_free(&out);
            xmlFreeDoc(doc);
        }
        mc_buf_free(&x);
    }
}

int main(void)
{
    const char *seed = getenv("MC_FUZZ_SEED");
    const char *iter = getenv("MC_FUZZ_ITER");
    rng_state = seed ? strtoull(seed, NULL, 0) : 0x9E3779B97F4A7C15ULL;
    if (!rng_state)
        rng_state = 1;
    if (iter && atoi(iter) > 0)
        iterations = atoi(iter);
    printf("# seed 0x%llx, %d iterations\n", rng_state, iterations);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parser_random),
        cmocka_unit_test(test_parser_truncated_and_mutated),
        cmocka_unit_test(test_jsonpath_random),
        cmocka_unit_test(test_xml_mapping_random),
        cmocka_unit_test(test_xml_to_json_random),
    };
    mc_arena_init(&trees, 4096);
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    mc_arena_free(&trees);
    xmlCleanupParser();
    return rc;
}

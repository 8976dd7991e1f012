/* test_json_schema.c - the draft-04 JSON Schema validator (json_schema.c):
 * the official JSON-Schema-Test-Suite for draft 4 (read at test time from
 * Debian's libtest-json-schema-acceptance-perl, which scripts/install-deps
 * installs; MC_JSON_SCHEMA_SUITE overrides the folder), fge's first-error
 * messages and reports word for word, and the load-time errors. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "expr/regex.h"
#include "flow_harness.h"
#include "mediators/json_schema.h"

#define SUITE_DIR "/usr/share/perl5/auto/share/dist/Test-JSON-Schema-Acceptance/tests/draft4"

/* Groups whose schema refers outside itself (remote refs over the network,
 * which mediac never loads): they must fail to compile, with a message
 * saying so. */
static const char *const remote_groups[] = {
    "refRemote.json:",                                       /* every group */
    "ref.json:remote ref, containing refs itself",
    "definitions.json:validate definition against metaschema",
    NULL,
};

static bool is_remote(const char *file, const char *group)
{
    char key[512];
    snprintf(key, sizeof key, "%s:%s", file, group);
    for (size_t i = 0; remote_groups[i]; i++) {
        size_t n = strlen(remote_groups[i]);
        if (remote_groups[i][n - 1] == ':' ? strncmp(key, remote_groups[i], n) == 0
                                           : strcmp(key, remote_groups[i]) == 0)
            return true;
    }
    return false;
}

typedef struct tally {
    int tests, passed, groups, remote;
} tally;

static int run_file(const char *dir, const char *name, tally *t)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t len = 0;
    char *text = th_read_file(path, &len);
    assert_non_null(text);
    mc_arena a;
    mc_arena_init(&a, 4096);
    mc_json groups = mc_json_parse(&a, text, len, NULL);
    assert_non_null(groups);
    int failures = 0;
    for (size_t g = 0; g < mc_json_count(groups); g++) {
        mc_json grp = mc_json_at(groups, g);
        size_t dl;
        const char *desc = mc_json_str(mc_json_get(grp, "description", 11), &dl);
        char gname[256];
        snprintf(gname, sizeof gname, "%.*s", (int)dl, desc);
        mc_buf st = MC_BUF_INIT;
        mc_json_write(&st, mc_json_get(grp, "schema", 6));
        mc_err err = {0};
        mc_json_schema *s = mc_json_schema_compile(st.data, st.len, &err);
        mc_buf_free(&st);
        t->groups++;
        if (is_remote(name, gname)) {
            t->remote++;
            if (s || !strstr(err.msg, "points outside this schema")) {
                print_error("%s: %s: expected a remote-ref load error, got [%s]\n", name, gname,
                            s ? "compiled" : err.msg);
                failures++;
            }
            mc_json_schema_free(s);
            continue;
        }
        if (!s) {
            print_error("%s: %s: schema did not compile: %s\n", name, gname, err.msg);
            failures++;
            continue;
        }
        mc_json tests = mc_json_get(grp, "tests", 5);
        for (size_t i = 0; i < mc_json_count(tests); i++) {
            mc_json tc = mc_json_at(tests, i);
            bool want = mc_json_type_of(mc_json_get(tc, "valid", 5)) == MC_JSON_TRUE;
            mc_buf msg = MC_BUF_INIT;
            bool got = mc_json_schema_validate(s, mc_json_get(tc, "data", 4), &msg, NULL);
            bool quiet = mc_json_schema_validate(s, mc_json_get(tc, "data", 4), NULL, NULL);
            t->tests++;
            if (got == want && quiet == want) {
                t->passed++;
            } else {
                size_t tl;
                const char *td = mc_json_str(mc_json_get(tc, "description", 11), &tl);
                print_error("%s: %s: %.*s: expected %s, got %s%s%s\n", name, gname, (int)tl, td,
                            want ? "valid" : "invalid", got ? "valid" : "invalid",
                            got ? "" : ": ", mc_buf_cstr(&msg));
                failures++;
            }
            mc_buf_free(&msg);
        }
        mc_json_schema_free(s);
    }
    mc_arena_free(&a);
    free(text);
    return failures;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir, tally *t)
{
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("JSON-Schema-Test-Suite not found at %s: install libtest-json-schema-acceptance-perl "
                 "(scripts/install-deps) or set MC_JSON_SCHEMA_SUITE", dir);
    char *names[128];
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) && n < 128;) {
        size_t l = strlen(e->d_name);
        if (l > 5 && strcmp(e->d_name + l - 5, ".json") == 0)
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        failures += run_file(dir, names[i], t);
        free(names[i]);
    }
    return failures;
}

static void test_draft4_suite(void **state)
{
    (void)state;
    const char *dir = getenv("MC_JSON_SCHEMA_SUITE");
    tally t = {0};
    int failures = run_dir(dir ? dir : SUITE_DIR, &t);
    printf("draft4 suite: %d of %d tests pass; %d groups, %d refer to remote schemas (refused)\n",
           t.passed, t.tests, t.groups, t.remote);
    assert_int_equal(failures, 0);
    assert_true(t.tests > 400);
}

static void test_draft4_formats(void **state)
{
    (void)state;
    const char *dir = getenv("MC_JSON_SCHEMA_SUITE");
    char path[1024];
    snprintf(path, sizeof path, "%s/optional/format", dir ? dir : SUITE_DIR);
    tally t = {0};
    int failures = run_dir(path, &t);
    printf("draft4 optional formats: %d of %d tests pass\n", t.passed, t.tests);
    assert_int_equal(failures, 0);
}

/* ---- fge's messages ----------------------------------------------------- */

static void expect_error(const char *schema, const char *instance, const char *message,
                         const char *detail)
{
    mc_err err = {0};
    mc_json_schema *s = mc_json_schema_compile(schema, strlen(schema), &err);
    if (!s)
        fail_msg("%s: %s", schema, err.msg);
    mc_arena a;
    mc_arena_init(&a, 1024);
    mc_json v = mc_json_parse(&a, instance, strlen(instance), NULL);
    assert_non_null(v);
    mc_buf m = MC_BUF_INIT, d = MC_BUF_INIT;
    bool ok = mc_json_schema_validate(s, v, &m, &d);
    if (ok || strcmp(mc_buf_cstr(&m), message) != 0)
        fail_msg("%s with %s: got [%s], expected [%s]", schema, instance, mc_buf_cstr(&m), message);
    if (detail && strcmp(mc_buf_cstr(&d), detail) != 0)
        fail_msg("%s with %s: report [%s], expected [%s]", schema, instance, mc_buf_cstr(&d), detail);
    mc_buf_free(&m);
    mc_buf_free(&d);
    mc_arena_free(&a);
    mc_json_schema_free(s);
}

static void test_messages(void **state)
{
    (void)state;
    expect_error("{\"type\":\"object\",\"properties\":{\"age\":{\"type\":\"integer\"}}}",
                 "{\"age\":\"x\"}",
                 "instance type (string) does not match any allowed primitive type (allowed: [\"integer\"])",
                 "error: instance type (string) does not match any allowed primitive type (allowed: [\"integer\"])\n"
                 "    level: \"error\"\n"
                 "    schema: {\"loadingURI\":\"#\",\"pointer\":\"/properties/age\"}\n"
                 "    instance: {\"pointer\":\"/age\"}\n"
                 "    domain: \"validation\"\n"
                 "    keyword: \"type\"\n"
                 "    found: \"string\"\n"
                 "    expected: [\"integer\"]\n");
    expect_error("{\"type\":[\"string\",\"number\"]}", "true",
                 "instance type (boolean) does not match any allowed primitive type (allowed: "
                 "[\"integer\",\"number\",\"string\"])", NULL);
    expect_error("{\"required\":[\"a\",\"b\",\"c\"]}", "{\"b\":1}",
                 "object has missing required properties ([\"a\",\"c\"])",
                 "error: object has missing required properties ([\"a\",\"c\"])\n"
                 "    level: \"error\"\n"
                 "    schema: {\"loadingURI\":\"#\",\"pointer\":\"\"}\n"
                 "    instance: {\"pointer\":\"\"}\n"
                 "    domain: \"validation\"\n"
                 "    keyword: \"required\"\n"
                 "    required: [\"a\",\"b\",\"c\"]\n"
                 "    missing: [\"a\",\"c\"]\n");
    expect_error("{\"minimum\":18}", "5",
                 "numeric instance is lower than the required minimum (minimum: 18, found: 5)", NULL);
    expect_error("{\"maximum\":1.5,\"exclusiveMaximum\":true}", "1.5",
                 "numeric instance is not strictly lower than the required maximum 1.5", NULL);
    expect_error("{\"minLength\":3}", "\"ab\"",
                 "string \"ab\" is too short (length: 2, required minimum: 3)", NULL);
    expect_error("{\"maxLength\":2}", "\"\xc3\xa9t\xc3\xa9\"",
                 "string \"\xc3\xa9t\xc3\xa9\" is too long (length: 3, maximum allowed: 2)", NULL);
    expect_error("{\"pattern\":\"^[a-z]+$\"}", "\"A1\"",
                 "ECMA 262 regex \"^[a-z]+$\" does not match input string \"A1\"", NULL);
    expect_error("{\"enum\":[\"a\",1]}", "\"b\"",
                 "instance value (\"b\") not found in enum (possible values: [\"a\",1])", NULL);
    expect_error("{\"multipleOf\":2}", "7", "remainder of division is not zero (7 / 2)", NULL);
    expect_error("{\"minItems\":2}", "[1]",
                 "array is too short: must have at least 2 elements but instance has 1 elements", NULL);
    expect_error("{\"maxItems\":0}", "[1]",
                 "array is too long: must have at most 0 elements but instance has 1 elements", NULL);
    expect_error("{\"uniqueItems\":true}", "[1,{\"a\":1},1.0]",
                 "array must not contain duplicate elements", NULL);
    expect_error("{\"items\":[{}],\"additionalItems\":false}", "[1,2,3]",
                 "schema only allows 1 elements in array but instance has 3 elements", NULL);
    expect_error("{\"properties\":{\"a\":{}},\"additionalProperties\":false}", "{\"z\":1,\"a\":1,\"b\":2}",
                 "object instance has properties which are not allowed by the schema: [\"b\",\"z\"]", NULL);
    expect_error("{\"minProperties\":2}", "{\"a\":1}",
                 "object has too few properties (found 1 but schema requires at least 2)", NULL);
    expect_error("{\"maxProperties\":0}", "{\"a\":1}",
                 "object has too many properties (found 1 but schema requires at most 0)", NULL);
    expect_error("{\"dependencies\":{\"a\":[\"b\",\"c\"]}}", "{\"a\":1,\"c\":1}",
                 "property \"a\" of object has missing property dependencies (schema requires "
                 "[\"b\",\"c\"]; missing: [\"b\"])", NULL);
    expect_error("{\"allOf\":[{\"type\":\"string\"},{\"minLength\":9}]}", "\"abc\"",
                 "instance failed to match all required schemas (matched only 1 out of 2)", NULL);
    expect_error("{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]}", "1",
                 "instance failed to match at least one required schema among 2", NULL);
    expect_error("{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":0}]}", "3",
                 "instance failed to match exactly one schema (matched 2 out of 2)", NULL);
    expect_error("{\"not\":{\"type\":\"string\"}}", "\"x\"",
                 "instance matched a schema which it should not have", NULL);
    expect_error("{\"format\":\"ipv4\"}", "\"1.2.3\"", "string \"1.2.3\" is not a valid IPv4 address",
                 NULL);
    expect_error("{\"format\":\"date-time\"}", "\"2024-13-01T00:00:00Z\"",
                 "string \"2024-13-01T00:00:00Z\" is invalid against requested date format(s) "
                 "[yyyy-MM-dd'T'HH:mm:ssZ, yyyy-MM-dd'T'HH:mm:ss.[0-9]{1,12}Z]", NULL);
    /* keywords at one level in name order: "maximum" before "type" */
    expect_error("{\"type\":\"integer\",\"maximum\":1}", "2.5",
                 "numeric instance is greater than the required maximum (maximum: 1, found: 2.5)", NULL);
    /* members in name order, through $ref: the report names the target */
    expect_error("{\"definitions\":{\"pos\":{\"minimum\":0}},\"properties\":{\"b\":{\"$ref\":"
                 "\"#/definitions/pos\"},\"a\":{\"type\":\"string\"}}}", "{\"b\":-1,\"a\":2}",
                 "instance type (integer) does not match any allowed primitive type (allowed: [\"string\"])",
                 NULL);
    expect_error("{\"definitions\":{\"pos\":{\"minimum\":0}},\"items\":{\"$ref\":\"#/definitions/pos\"}}",
                 "[1,-1]", "numeric instance is lower than the required minimum (minimum: 0, found: -1)",
                 "error: numeric instance is lower than the required minimum (minimum: 0, found: -1)\n"
                 "    level: \"error\"\n"
                 "    schema: {\"loadingURI\":\"#\",\"pointer\":\"/definitions/pos\"}\n"
                 "    instance: {\"pointer\":\"/1\"}\n"
                 "    domain: \"validation\"\n"
                 "    keyword: \"minimum\"\n"
                 "    minimum: 0\n"
                 "    found: -1\n");
    /* a $ref cycle that never descends is a loop, not a crash */
    expect_error("{\"definitions\":{\"a\":{\"$ref\":\"#/definitions/b\"},\"b\":{\"allOf\":[{\"$ref\":"
                 "\"#/definitions/a\"}]}},\"$ref\":\"#/definitions/a\"}", "1",
                 "instance failed to match all required schemas (matched only 0 out of 1)", NULL);
}

static void test_exact_decimal(void **state)
{
    (void)state;
    static const struct { const char *schema, *inst; bool valid; } cases[] = {
        {"{\"multipleOf\":0.0001}", "0.0075", true},
        {"{\"multipleOf\":0.01}", "19.99", true},
        {"{\"multipleOf\":0.01}", "19.999", false},
        {"{\"multipleOf\":1e-2}", "0.5", true},
        {"{\"multipleOf\":3}", "1e3", false},
        {"{\"multipleOf\":5}", "1e3", true},
        {"{\"maximum\":100}", "1e2", true},
        {"{\"type\":\"integer\"}", "1.0", false},
        {"{\"type\":\"integer\"}", "-7", true},
        {"{\"enum\":[1]}", "1.0", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        mc_json_schema *s = mc_json_schema_compile(cases[i].schema, strlen(cases[i].schema), NULL);
        assert_non_null(s);
        mc_arena a;
        mc_arena_init(&a, 256);
        mc_json v = mc_json_parse(&a, cases[i].inst, strlen(cases[i].inst), NULL);
        if (mc_json_schema_validate(s, v, NULL, NULL) != cases[i].valid)
            fail_msg("%s with %s: expected %s", cases[i].schema, cases[i].inst,
                     cases[i].valid ? "valid" : "invalid");
        mc_arena_free(&a);
        mc_json_schema_free(s);
    }
}

static void test_load_errors(void **state)
{
    (void)state;
    static const struct { const char *schema, *err; } cases[] = {
        {"{\"type\":\"obj\"}", "JSON Schema /type: must name types among array, boolean, integer, "
                              "null, number, object, string"},
        {"{\"properties\":{\"a\":{\"minLength\":-1}}}",
         "JSON Schema /properties/a/minLength: must be a non-negative integer"},
        {"{\"pattern\":\"(\"}", "JSON Schema /pattern: not a valid ECMA 262 regular expression: "},
        {"{\"patternProperties\":{\"[\":{}}}",
         "JSON Schema /patternProperties/[: not a valid ECMA 262 regular expression: "},
        {"{\"$ref\":\"#/definitions/nope\"}",
         "JSON Schema: $ref '#/definitions/nope' points to nothing in this schema"},
        {"{\"$ref\":\"http://json-schema.org/draft-04/schema#\"}",
         "JSON Schema: $ref 'http://json-schema.org/draft-04/schema#' points outside this schema; "
         "mediac loads no other schema (no files, no network)"},
        {"{\"exclusiveMinimum\":5}", "JSON Schema /exclusiveMinimum: must be true or false"},
        {"{\"allOf\":[]}", "JSON Schema /allOf: must be a non-empty array of schemas"},
        {"[1]", "JSON Schema must be an object"},
        {"{\"a\":", "JSON Schema is not JSON: "},
        {"{\"multipleOf\":0}", "JSON Schema /multipleOf: must be a number greater than 0"},
        /* found by fuzz_json_schema: refs that only lead to refs recursed forever */
        {"{\"$ref\":\"#\"}", "JSON Schema: $ref loop: # leads back to itself"},
        {"{\"definitions\":{\"a\":{\"$ref\":\"#/definitions/b\"},\"b\":{\"$ref\":\"#/definitions/a\"}},"
         "\"properties\":{\"x\":{\"$ref\":\"#/definitions/a\"}}}", "JSON Schema: $ref loop: "},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        mc_err err = {0};
        mc_json_schema *s = mc_json_schema_compile(cases[i].schema, strlen(cases[i].schema), &err);
        if (s || strncmp(err.msg, cases[i].err, strlen(cases[i].err)) != 0)
            fail_msg("%s: got [%s], expected [%s]", cases[i].schema, s ? "compiled" : err.msg,
                     cases[i].err);
    }
}

/* PCRE2 10.42's JIT with PCRE2_MATCH_INVALID_UTF failed \D and \W on
 * non-ASCII characters (found by the suite's optional ECMA 262 tests);
 * the regex layer no longer asks for it.  Invalid UTF-8 never matches. */
static void test_regex_non_ascii(void **state)
{
    (void)state;
    mc_regex *d = mc_regex_compile_ecma("^\\D$", NULL), *w = mc_regex_compile("\\W", NULL);
    assert_true(mc_regex_search(d, "\xc3\xa9", 2));
    assert_true(mc_regex_matches(w, "\xdf\x80", 2));
    assert_false(mc_regex_matches(w, "\xff", 1));
    assert_false(mc_regex_search(d, "\xc3", 1));
    mc_regex_free(d);
    mc_regex_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_draft4_suite),
        cmocka_unit_test(test_draft4_formats),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_exact_decimal),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_regex_non_ascii),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

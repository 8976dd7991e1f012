/* test_options.c - unit tests for src/cli/options.c: flags of every type
 * (--flag VALUE, --flag=VALUE, ranges, size suffixes, choices, lists), the
 * wording of each refusal, deployment.toml keys with file:line:col errors
 * (unknown key with a suggestion, wrong type, out of range), presets, and
 * the precedence defaults < preset < file < flags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/options.h"
#include "util/toml.h"
#include "../test_tmpdir.h"

typedef struct opts {
    const char *config, *bind;
    int port, admin, mode, fmt;
    unsigned conc;
    long timeout;
    size_t body;
    bool verbose;
    int nitems;
} opts;

static const char *const modes[] = {"mediac", "mi", NULL};
static const char *const formats[] = {"text", "json", NULL};

static void preset(void *dst, int choice)
{
    opts *o = dst;
    o->port = choice ? 8290 : 0;
    o->admin = choice ? 9164 : 0;
}

static bool add_item(void *dst, const char *flag, const char *v)
{
    if (!strchr(v, '='))
        return false;
    ((opts *)dst)->nitems++;
    return true;
}

#define O(f) offsetof(opts, f)
static const mc_opt rows[] = {
    {"config", NULL, MC_OPT_STR, O(config), .arg = "FILE", .help = "settings file"},
    {"defaults", "server.defaults", MC_OPT_CHOICE, O(mode), .choices = modes, .preset = preset,
     .help = "port set"},
    {"bind", "server.bind", MC_OPT_STR, O(bind), .arg = "ADDR", .def = "127.0.0.1",
     .help = "address"},
    {"port", "server.port", MC_OPT_INT, O(port), 0, 65535, .arg = "N", .def = "0",
     .range_why = "a TCP port", .help = "port"},
    {"admin-port", "management.port", MC_OPT_INT, O(admin), 0, 65535, .help = "admin"},
    {"max-concurrent", "limits.max_concurrent", MC_OPT_UINT, O(conc), 1, 0, .help = "c"},
    {"request-timeout", "limits.request_timeout", MC_OPT_LONG, O(timeout), 1, 0, .help = "t"},
    {"max-body", "limits.max_body", MC_OPT_SIZE, O(body), 1, 0, .help = "b"},
    {"verbose", "log.verbose", MC_OPT_FLAG, O(verbose), .help = "v"},
    {"log-format", "log.format", MC_OPT_CHOICE, O(fmt), .choices = formats, .help = "f"},
    {"item", NULL, MC_OPT_LIST, 0, .add = add_item, .arg = "K=V", .help = "i"},
};

static const mc_command cmd = {"serve", "PATH...", "Test command.", rows,
                               sizeof rows / sizeof *rows, 1, NULL, "  example\n"};

/* Run the parser with stderr captured; returns its result. */
static int run(char **argv, opts *o, int *first, char *err, size_t cap)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    fflush(stderr);
    FILE *tmp = tmpfile();
    int saved = dup(2);
    dup2(fileno(tmp), 2);
    struct mc_toml *file = NULL;
    int rc = mc_opts_parse(&cmd, argc, argv, o, first, &file);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    size_t n = fread(err, 1, cap - 1, tmp);
    err[n] = '\0';
    fclose(tmp);
    if (rc != MC_OPTS_CONTINUE)
        assert_null(file);
    mc_toml_free(file);                      /* strings from it are not used after */
    return rc;
}

static char *write_file(const char *text)
{
    static char path[256];
    int fd = mc_test_tmpfile(path, sizeof path, "opts");
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (int)strlen(text));
    close(fd);
    return path;
}

static void test_flags(void **state)
{
    (void)state;
    opts o = {0};
    int first;
    char err[512];
    char *argv[] = {"serve", "--port", "80", "--admin-port=81", "--max-body", "2M",
                    "--max-concurrent", "7", "--request-timeout=5", "--verbose",
                    "--log-format", "json", "--item", "a=1", "--item=b=2", "--bind", "::1",
                    "flows/", "--port", NULL};
    assert_int_equal(run(argv, &o, &first, err, sizeof err), MC_OPTS_CONTINUE);
    assert_string_equal(err, "");
    assert_int_equal(o.port, 80);
    assert_int_equal(o.admin, 81);
    assert_int_equal(o.body, 2 * 1024 * 1024);
    assert_int_equal(o.conc, 7);
    assert_int_equal(o.timeout, 5);
    assert_true(o.verbose);
    assert_int_equal(o.fmt, 1);
    assert_int_equal(o.nitems, 2);
    assert_string_equal(o.bind, "::1");
    assert_int_equal(first, 17);              /* operands start at flows/ */
}

/* Each argv is refused with exactly this first line on stderr. */
static void test_flag_errors(void **state)
{
    (void)state;
    static const struct { const char *a, *b, *msg; } cases[] = {
        {"--port", "70000", "mediac: --port: needs a number <= 65535 (a TCP port), got '70000'\n"},
        {"--port", "-1", "mediac: --port: needs a number >= 0 (a TCP port), got '-1'\n"},
        {"--port", "http", "mediac: --port: needs a number from 0 to 65535 (a TCP port), got 'http'\n"},
        {"--port", "", "mediac: --port: needs a number from 0 to 65535 (a TCP port), got ''\n"},
        {"--port", "80x", "mediac: --port: needs a number from 0 to 65535 (a TCP port), got '80x'\n"},
        {"--max-concurrent", "0", "mediac: --max-concurrent: needs a number >= 1, got '0'\n"},
        {"--max-concurrent", "4294967296", "mediac: --max-concurrent: is too large, got '4294967296'\n"},
        {"--max-body", "1X", "mediac: --max-body: needs a number >= 1 (bytes; K, M, G suffixes), got '1X'\n"},
        {"--request-timeout", "99999999999999999999", "mediac: --request-timeout: is too large, got '99999999999999999999'\n"},
        {"--log-format", "yaml", "mediac: --log-format: needs one of text, json, got 'yaml'\n"},
        {"--bind", "", "mediac: --bind: needs a non-empty value, got ''\n"},
        {"--prot", "1", "mediac: unknown option '--prot'; did you mean '--port'?\n"},
        {"--verbose=yes", "x", "mediac: --verbose takes no value, got 'yes'\n"},
        {"-p", "1", "mediac: unknown option '-p'\n"},
        {"x", NULL, "mediac: serve needs PATH...\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        opts o = {0};
        int first;
        char err[512];
        char *argv[] = {"serve", (char *)cases[i].a, (char *)cases[i].b, NULL};
        if (!cases[i].b)
            argv[1] = NULL;
        int rc = run(argv, &o, &first, err, sizeof err);
        char *nl = strchr(err, '\n');
        if (nl)
            nl[1] = '\0';
        if (rc != 2 || strcmp(err, cases[i].msg) != 0)
            fail_msg("case %zu %s: rc %d, got '%s'", i, cases[i].a, rc, err);
    }
}

static void test_missing_value(void **state)
{
    (void)state;
    opts o = {0};
    int first;
    char err[512];
    char *argv[] = {"serve", "--port", NULL};
    assert_int_equal(run(argv, &o, &first, err, sizeof err), 2);
    assert_non_null(strstr(err, "--port: needs a value (N)"));
}

static void test_help(void **state)
{
    (void)state;
    char buf[4096];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    mc_opts_help(&cmd, f);
    fclose(f);
    assert_non_null(strstr(buf, "usage: mediac serve [OPTIONS] PATH..."));
    assert_non_null(strstr(buf, "--port N"));
    assert_non_null(strstr(buf, "default: 0; file: server.port"));
    assert_non_null(strstr(buf, "one of text, json"));
    assert_non_null(strstr(buf, "example:\n  example\n"));
    opts o = {0};
    int first;
    char err[64];
    char *argv[] = {"serve", "--port", "1", "--help", NULL};
    assert_int_equal(run(argv, &o, &first, err, sizeof err), 0);
}

static void test_file_and_precedence(void **state)
{
    (void)state;
    char *path = write_file("# deployment\n[server]\ndefaults = \"mi\"\nbind = \"0.0.0.0\"\n"
                            "[limits]\nmax_body = \"4K\"\nmax_concurrent = 9\n"
                            "[log]\nverbose = true\nformat = \"json\"\n");
    opts o = {0};
    int first;
    char err[512];
    /* preset from the file gives 8290/9164; the flag overrides the port */
    char *argv[] = {"serve", "--port", "1234", "--config", path, "x", NULL};
    assert_int_equal(run(argv, &o, &first, err, sizeof err), MC_OPTS_CONTINUE);
    assert_int_equal(o.port, 1234);
    assert_int_equal(o.admin, 9164);
    assert_int_equal(o.body, 4096);
    assert_int_equal(o.conc, 9);
    assert_true(o.verbose);
    assert_int_equal(o.fmt, 1);
    assert_int_equal(o.mode, 1);
    unlink(path);
    /* a port in the file wins over the file's preset, whatever the order */
    path = write_file("[server]\nport = 7\ndefaults = \"mi\"\n");
    opts p = {0};
    char *argv2[] = {"serve", "--config", path, "x", NULL};
    assert_int_equal(run(argv2, &p, &first, err, sizeof err), MC_OPTS_CONTINUE);
    assert_int_equal(p.port, 7);
    assert_int_equal(p.admin, 9164);
    /* a preset flag comes before the file's values */
    opts q = {0};
    char *argv3[] = {"serve", "--config", path, "--defaults", "mediac", "x", NULL};
    assert_int_equal(run(argv3, &q, &first, err, sizeof err), MC_OPTS_CONTINUE);
    assert_int_equal(q.port, 7);
    unlink(path);
}

static void test_file_errors(void **state)
{
    (void)state;
    static const struct { const char *text, *msg; } cases[] = {
        {"[server]\nprot = 1\n", ":2:1: unknown key 'server.prot'; did you mean 'server.port'?"},
        {"[nothing]\nalike = 1\n", ":2:1: unknown key 'nothing.alike' (mediac serve --help lists the keys)"},
        {"[server]\nport = \"80\"\n", ":2:1: server.port: needs an integer, got a string"},
        {"[server]\n  port = 70000\n", ":2:3: server.port: needs a number <= 65535 (a TCP port), got 70000"},
        {"[limits]\nmax_concurrent = 0\n", ":2:1: limits.max_concurrent: needs a number >= 1, got 0"},
        {"[log]\nverbose = 1\n", ":2:1: log.verbose: needs true or false, got an integer"},
        {"[log]\nformat = \"yaml\"\n", ":2:1: log.format: needs one of text, json, got 'yaml'"},
        {"[limits]\nmax_body = true\n", ":2:1: limits.max_body: needs an integer (bytes) or a string such as \"10M\", got a boolean"},
        {"[server]\nbind = [\"a\"]\n", ":2:1: server.bind: needs a string, got an array of other values"},
        {"[server]\nbind = \"a\\u0000b\"\n", ":2:1: server.bind: a NUL byte is not allowed here"},
        {"[server]\nport = 1.5\n", ":2:8: floating-point numbers are not supported; use an integer"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *path = write_file(cases[i].text);
        opts o = {0};
        int first;
        char err[512], want[512];
        char *argv[] = {"serve", "--config", path, "x", NULL};
        int rc = run(argv, &o, &first, err, sizeof err);
        snprintf(want, sizeof want, "mediac: %s%s\n", path, cases[i].msg);
        unlink(path);
        if (rc != 2 || strcmp(err, want) != 0)
            fail_msg("case %zu: rc %d, got '%s' want '%s'", i, rc, err, want);
    }
    opts o = {0};
    int first;
    char err[512];
    char *argv[] = {"serve", "--config", "/nonexistent.toml", "x", NULL};
    assert_int_equal(run(argv, &o, &first, err, sizeof err), 2);
    assert_non_null(strstr(err, "/nonexistent.toml: No such file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_flag_errors),
        cmocka_unit_test(test_missing_value),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_file_and_precedence),
        cmocka_unit_test(test_file_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

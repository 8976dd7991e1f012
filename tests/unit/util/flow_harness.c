/* flow_harness.c - implementation of the shared test helper (see
 * flow_harness.h): config loading with built-in mediators, flow running
 * and log capture. */
#include "flow_harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const mc_mediator_type *lookup(void *ud, const char *n)
{
    (void)ud;
    return mc_builtin_mediator(n);
}

static const char *suggest(void *ud, const char *n)
{
    (void)ud;
    return mc_builtin_suggest(n);
}

mc_config *th_config_new(void)
{
    mc_registry reg = {lookup, NULL, NULL, suggest};
    mc_config *cfg = mc_config_new(&reg);
    assert_non_null(cfg);
    return cfg;
}

mc_code th_config_load(mc_config *cfg, const char *xml)
{
    mc_code rc = mc_config_load_memory(cfg, xml, strlen(xml), "t.xml");
    mc_code lrc = mc_config_link(cfg);
    return rc != MC_OK ? rc : lrc;
}

char *th_diags(const char *xml)
{
    mc_config *cfg = th_config_new();
    th_config_load(cfg, xml);
    char *d = strdup(mc_buf_cstr(&cfg->diags));
    mc_config_free(cfg);
    return d;
}

void th_check_diags(const th_diag_case *c, size_t n)
{
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        char *d = th_diags(c[i].xml);
        const char *want = c[i].diag;
        bool part = want[0] == '~';
        if (part ? !strstr(d, want + 1) : strcmp(d, want) != 0) {
            print_error("case %zu: diagnostics\n[%s]\nwant%s\n[%s]\n", i, d,
                        part ? " a part" : "", part ? want + 1 : want);
            failures++;
        }
        free(d);
    }
    assert_int_equal(failures, 0);
}

static void sink(void *ud, int level, const char *line)
{
    (void)level;
    mc_buf *b = ud;
    mc_buf_puts(b, line);
    mc_buf_putc(b, '\n');
}

th_flow *th_flow_with(mc_config *cfg)
{
    th_flow *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->cfg = cfg;
    mc_logger_init(&f->lg);
    f->lg.level = MC_LOG_DEBUG;
    f->lg.sink = sink;
    f->lg.userdata = &f->logs;
    f->m = mc_msg_new(cfg, &f->lg);
    assert_non_null(f->m);
    return f;
}

th_flow *th_flow_new(const char *xml)
{
    mc_config *cfg = th_config_new();
    mc_code rc = th_config_load(cfg, xml);
    if (rc != MC_OK || cfg->nerrors) {
        print_error("%s", mc_buf_cstr(&cfg->diags));
        mc_config_free(cfg);
        fail_msg("configuration did not load (rc=%d)", rc);
    }
    th_flow *f = th_flow_with(cfg);
    f->load_rc = rc;
    return f;
}

void th_flow_reset_msg(th_flow *f)
{
    mc_msg_free(f->m);
    f->m = mc_msg_new(f->cfg, &f->lg);
    assert_non_null(f->m);
    mc_buf_reset(&f->logs);
}

void th_flow_free(th_flow *f)
{
    if (!f)
        return;
    mc_msg_free(f->m);
    mc_config_free(f->cfg);
    mc_buf_free(&f->logs);
    free(f);
}

static const mc_seq *seq_named(th_flow *f, const char *name)
{
    if (!name)
        return NULL;
    const mc_seq *s = mc_config_sequence(f->cfg, name);
    if (!s)
        fail_msg("no sequence '%s' in the test configuration", name);
    return s;
}

mc_code th_run3(th_flow *f, const char *seq, const char *out, const char *fault)
{
    mc_code rc = mc_engine_start(f->m, seq_named(f, seq), seq_named(f, out),
                                 seq_named(f, fault));
    assert_int_equal(rc, MC_OK);
    return mc_engine_run(f->m);
}

mc_code th_run(th_flow *f, const char *seq, const char *json)
{
    if (json) {
        mc_err err = {0};
        mc_code rc = mc_msg_set_payload(f->m, json, strlen(json),
                                        "application/json", &err);
        if (rc != MC_OK)
            fail_msg("payload did not parse: %s", err.msg);
    }
    return th_run3(f, seq, NULL, NULL);
}

void th_set_xml(th_flow *f, const char *xml)
{
    mc_err err = {0};
    if (mc_msg_set_payload(f->m, xml, strlen(xml), "application/xml", &err) != MC_OK)
        fail_msg("XML payload did not parse: %s", err.msg);
}

const char *th_payload(th_flow *f)
{
    size_t n;
    const char *p = mc_msg_payload_bytes(f->m, &n);
    assert_non_null(p);
    char *copy = mc_arena_strndup(&f->m->arena, p, n);
    assert_non_null(copy);
    return copy;
}

const char *th_prop(th_flow *f, const char *name)
{
    return mc_msg_prop(f->m, MC_SCOPE_DEFAULT, name);
}

const char *th_logs(th_flow *f) { return mc_buf_cstr(&f->logs); }

mc_message *th_msg_new(void)
{
    mc_message *m = mc_msg_new(NULL, NULL);
    assert_non_null(m);
    return m;
}

const char *th_eval(mc_message *m, const char *src)
{
    mc_err err = {0};
    mc_expr *e = mc_expr_compile(src, NULL, 0, &err);
    if (!e)
        fail_msg("expression %s did not compile: %s", src, err.msg);
    const char *out = NULL;
    size_t n = 0;
    mc_code rc = mc_expr_string(e, m, &out, &n, &err);
    mc_expr_free(e);
    if (rc != MC_OK)
        fail_msg("expression %s failed: %s", src, err.msg);
    assert_non_null(out);
    assert_int_equal(strlen(out), n);
    return out;
}

void th_check_evals(mc_message *m, const th_eval_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *got = th_eval(m, c[i].src);
        if (strcmp(got, c[i].want) != 0)
            fail_msg("%s: got [%s], want [%s]", c[i].src, got, c[i].want);
    }
}

char *th_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    mc_buf b = MC_BUF_INIT;
    char chunk[65536];
    for (size_t n; (n = fread(chunk, 1, sizeof chunk, f)) > 0;)
        mc_buf_append(&b, chunk, n);
    fclose(f);
    *len = b.len;
    mc_buf_cstr(&b);
    return b.oom ? (mc_buf_free(&b), NULL) : mc_buf_steal(&b);
}

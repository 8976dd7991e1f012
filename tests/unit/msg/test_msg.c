/* test_msg.c - unit tests for the message context (src/msg): properties in
 * each scope, transport-header case-insensitivity, remove and clear,
 * variables, status, faults, the frame stack bound, payload kinds (JSON,
 * XML, SOAP envelope, text, binary, none) with their XML/JSON views and
 * output conversions, parse errors, and mc_msg_collect_secrets. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "flow_harness.h"
#include "msg/xmlsafe.h"

static const char *payload(mc_message *m)
{
    size_t n;
    const char *p = mc_msg_payload_bytes(m, &n);
    assert_non_null(p);
    assert_int_equal(strlen(p), n);
    return p;
}

static char *dump_envelope(mc_message *m)
{
    static char out[2048];
    xmlDocPtr d = mc_msg_envelope(m);
    assert_non_null(d);
    xmlBufferPtr xb = xmlBufferCreate();
    xmlNodeDump(xb, d, xmlDocGetRootElement(d), 0, 0);
    snprintf(out, sizeof out, "%s", (const char *)xmlBufferContent(xb));
    xmlBufferFree(xb);
    return out;
}

static void test_scopes(void **state)
{
    (void)state;
    mc_message *m = th_msg_new();
    static const mc_scope scopes[] = {MC_SCOPE_DEFAULT, MC_SCOPE_TRANSPORT,
        MC_SCOPE_AXIS2, MC_SCOPE_OPERATION, MC_SCOPE_FUNC, MC_SCOPE_URL};
    for (size_t i = 0; i < 6; i++) {
        char v[16];
        snprintf(v, sizeof v, "v%zu", i);
        assert_int_equal(mc_msg_set_propz(m, scopes[i], "p", v), MC_OK);
    }
    /* each scope keeps its own value */
    for (size_t i = 0; i < 6; i++) {
        char v[16];
        snprintf(v, sizeof v, "v%zu", i);
        assert_string_equal(mc_msg_prop(m, scopes[i], "p"), v);
    }
    /* overwrite keeps one entry */
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "p", "new");
    assert_string_equal(mc_msg_prop(m, MC_SCOPE_DEFAULT, "p"), "new");
    int count = 0;
    for (const mc_prop *p = m->props[MC_SCOPE_DEFAULT]; p; p = p->next)
        count += strcmp(p->name, "p") == 0;
    assert_int_equal(count, 1);
    /* default scope names are case-sensitive */
    assert_null(mc_msg_prop(m, MC_SCOPE_DEFAULT, "P"));
    /* transport (HTTP headers) is not */
    mc_msg_set_propz(m, MC_SCOPE_TRANSPORT, "Content-Type", "a/b");
    assert_string_equal(mc_msg_prop(m, MC_SCOPE_TRANSPORT, "content-type"), "a/b");
    assert_string_equal(mc_msg_prop(m, MC_SCOPE_TRANSPORT, "CONTENT-TYPE"), "a/b");
    mc_msg_set_propz(m, MC_SCOPE_TRANSPORT, "content-TYPE", "c/d");
    assert_string_equal(mc_msg_prop(m, MC_SCOPE_TRANSPORT, "Content-Type"), "c/d");
    mc_msg_remove_prop(m, MC_SCOPE_TRANSPORT, "CONTENT-type");
    assert_null(mc_msg_prop(m, MC_SCOPE_TRANSPORT, "Content-Type"));
    /* remove only touches its scope; removing a missing name is harmless */
    mc_msg_remove_prop(m, MC_SCOPE_AXIS2, "p");
    assert_null(mc_msg_prop(m, MC_SCOPE_AXIS2, "p"));
    assert_string_equal(mc_msg_prop(m, MC_SCOPE_OPERATION, "p"), "v3");
    mc_msg_remove_prop(m, MC_SCOPE_AXIS2, "nothing");
    /* values with embedded NUL keep their length; NULL value is "" */
    mc_msg_set_prop(m, MC_SCOPE_DEFAULT, "bin", "a\0b", 3, MC_VT_STRING);
    const mc_prop *bp = mc_msg_get_prop(m, MC_SCOPE_DEFAULT, "bin");
    assert_int_equal(bp->len, 3);
    assert_memory_equal(bp->value, "a\0b", 3);
    mc_msg_set_prop(m, MC_SCOPE_DEFAULT, "nul", NULL, 5, MC_VT_STRING);
    assert_string_equal(mc_msg_prop(m, MC_SCOPE_DEFAULT, "nul"), "");
    assert_int_equal(mc_msg_get_prop(m, MC_SCOPE_DEFAULT, "nul")->len, 0);
    /* types are kept */
    mc_msg_set_prop(m, MC_SCOPE_DEFAULT, "j", "{}", 2, MC_VT_JSON);
    assert_int_equal(mc_msg_get_prop(m, MC_SCOPE_DEFAULT, "j")->type, MC_VT_JSON);
    /* bad arguments */
    assert_int_equal(mc_msg_set_propz(m, MC_SCOPE_COUNT, "x", "y"), MC_EINVAL);
    assert_int_equal(mc_msg_set_propz(m, MC_SCOPE_DEFAULT, NULL, "y"), MC_EINVAL);
    assert_null(mc_msg_get_prop(m, MC_SCOPE_COUNT, "p"));
    /* clear */
    mc_msg_clear_scope(m, MC_SCOPE_OPERATION);
    assert_null(mc_msg_prop(m, MC_SCOPE_OPERATION, "p"));
    assert_string_equal(mc_msg_prop(m, MC_SCOPE_URL, "p"), "v5");
    mc_msg_free(m);
}

/* The store's hashed lookups against a plain model (strcmp, or strcasecmp
 * in the transport scope): names that differ only in case, prefixes of
 * each other, bytes above 0x7f (not folded, as strcasecmp in the C locale),
 * the empty name, and a long run of set/overwrite/remove keeps the same
 * answers, the same single entry per name and the same newest-first order;
 * clones and adopted answers look up alike. */
static void test_prop_names_like_model(void **state)
{
    (void)state;
    static const char *const names[] = {"a", "A", "ab", "aB", "Ab", "abc", "", "Content-Type",
        "content-type", "CONTENT-TYPE", "Content-Typf", "x-\xc3\xa9", "X-\xc3\x89", "x-\xc3\x89",
        "[", "{", "@", "`", "MESSAGE_ID", "message_id", "uri.var.id", "uri.var.Id",
        "TRANSPORT_HEADERS", "Action", "action", "ACTION"};
    enum { N = sizeof names / sizeof *names };
    static const mc_scope scopes[] = {MC_SCOPE_DEFAULT, MC_SCOPE_TRANSPORT, MC_SCOPE_AXIS2};
    for (size_t si = 0; si < 3; si++) {
        mc_scope sc = scopes[si];
        mc_message *m = th_msg_new();
        const char *model_name[N * 2];
        char model_val[N * 2][16];
        size_t nmodel = 0;  /* newest last */
        unsigned r = 12345;
        for (int step = 0; step < 2000; step++) {
            r = r * 1103515245u + 12345u;
            const char *nm = names[(r >> 8) % N];
            bool rm = (r >> 20) % 4 == 0;
            size_t hit = nmodel;
            for (size_t i = 0; i < nmodel; i++)
                if (sc == MC_SCOPE_TRANSPORT ? strcasecmp(model_name[i], nm) == 0
                                             : strcmp(model_name[i], nm) == 0)
                    hit = i;
            if (rm && !(sc == MC_SCOPE_AXIS2 && strcmp(nm, "TRANSPORT_HEADERS") == 0)) {
                mc_msg_remove_prop(m, sc, nm);
                if (hit < nmodel) {
                    memmove(&model_name[hit], &model_name[hit + 1],
                            (nmodel - hit - 1) * sizeof *model_name);
                    memmove(model_val[hit], model_val[hit + 1], (nmodel - hit - 1) * 16);
                    nmodel--;
                }
            } else if (!rm) {
                char v[16];
                snprintf(v, sizeof v, "v%d", step);
                assert_int_equal(mc_msg_set_propz(m, sc, nm, v), MC_OK);
                if (hit == nmodel) {    /* new names go first (newest) */
                    model_name[nmodel] = nm;
                    nmodel++;
                }
                snprintf(model_val[hit], 16, "%s", v);
            }
            /* every name answers as the model does */
            for (size_t k = 0; k < N; k++) {
                const char *want = NULL;
                for (size_t i = 0; i < nmodel; i++)
                    if (sc == MC_SCOPE_TRANSPORT ? strcasecmp(model_name[i], names[k]) == 0
                                                 : strcmp(model_name[i], names[k]) == 0)
                        want = model_val[i];
                const char *got = mc_msg_prop(m, sc, names[k]);
                if (want)
                    assert_string_equal(got, want);
                else
                    assert_null(got);
            }
            /* one entry per name, newest first, spelled as first set */
            size_t i = nmodel;
            for (const mc_prop *p = m->props[sc]; p; p = p->next) {
                assert_true(i > 0);
                i--;
                assert_string_equal(p->name, model_name[i]);
                assert_string_equal(p->value, model_val[i]);
            }
            assert_int_equal(i, 0);
        }
        mc_message *c = mc_msg_clone(m, false);
        assert_non_null(c);
        mc_message *d = th_msg_new();
        if (sc != MC_SCOPE_DEFAULT)
            assert_int_equal(mc_msg_adopt_answer(d, m), MC_OK);
        for (size_t k = 0; k < N; k++) {
            const char *want = mc_msg_prop(m, sc, names[k]);
            const char *got = mc_msg_prop(c, sc, names[k]);
            if (want)
                assert_string_equal(got, want);
            else
                assert_null(got);
            if (sc == MC_SCOPE_DEFAULT)
                continue;
            got = mc_msg_prop(d, sc, names[k]);
            if (want)
                assert_string_equal(got, want);
            else
                assert_null(got);
        }
        mc_msg_free(d);
        mc_msg_free(c);
        mc_msg_free(m);
    }
    /* variables: case-sensitive, like the default scope */
    mc_message *m = th_msg_new();
    assert_int_equal(mc_msg_set_var(m, "v", "1", 1, MC_VT_STRING), MC_OK);
    assert_int_equal(mc_msg_set_var(m, "V", "2", 1, MC_VT_STRING), MC_OK);
    assert_string_equal(mc_msg_get_var(m, "v")->value, "1");
    assert_string_equal(mc_msg_get_var(m, "V")->value, "2");
    assert_null(mc_msg_get_var(m, "vv"));
    assert_int_equal(mc_msg_set_var(m, NULL, "1", 1, MC_VT_STRING), MC_EINVAL);
    mc_msg_free(m);
}

/* Every hop-by-hop header in any case is one; names of the same length,
 * prefixes, suffixes and ordinary headers are not. */
static void test_hop_headers(void **state)
{
    (void)state;
    static const char *const hop[] = {"Connection", "Keep-Alive", "Proxy-Connection", "TE",
        "Trailer", "Transfer-Encoding", "Upgrade", "Host", "Content-Length", "Content-Type",
        "Expect", "Accept-Encoding"};
    static const char *const plain[] = {"", "T", "TEX", "Hosts", "Hos", "Accept", "Content",
        "Content-Typ", "Content-Types", "Content-Lengtx", "Content-Encoding", "Connectio",
        "Keep-Alivf", "Trailers", "Upgradf", "Expecx", "Accept-Encodinh", "X-Connection",
        "Authorization", "User-Agent", "x-amz-date", "Proxy-Connectiom", "Transfer-Encodin"};
    for (size_t i = 0; i < sizeof hop / sizeof *hop; i++) {
        char lower[32], upper[32];
        size_t n = strlen(hop[i]);
        for (size_t k = 0; k <= n; k++) {
            lower[k] = (char)tolower((unsigned char)hop[i][k]);
            upper[k] = (char)toupper((unsigned char)hop[i][k]);
        }
        assert_true(mc_msg_hop_header(hop[i]));
        assert_true(mc_msg_hop_header(lower));
        assert_true(mc_msg_hop_header(upper));
    }
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
        if (mc_msg_hop_header(plain[i]))
            fail_msg("'%s' is not hop-by-hop", plain[i]);
}

/* An ended message is kept for the thread's next one: that one starts
 * as a new message would (no properties, variables, payload, status or
 * secrets; a new id; a usable arena). */
static void test_reused_message_starts_clean(void **state)
{
    (void)state;
    mc_message *other = th_msg_new();    /* takes any message already kept */
    mc_message *m = th_msg_new();
    for (int s = 0; s < MC_SCOPE_COUNT; s++)
        assert_int_equal(mc_msg_set_propz(m, (mc_scope)s, "p", "v"), MC_OK);
    assert_int_equal(mc_msg_set_var(m, "v", "1", 1, MC_VT_STRING), MC_OK);
    mc_msg_add_secret(m, "s3cret");
    mc_msg_set_status(m, 500);
    mc_err err = {0};
    assert_int_equal(mc_msg_set_payload(m, "{\"a\":1}", 7, "application/json", &err), MC_OK);
    for (int i = 0; i < 2000; i++)       /* past the first arena chunk */
        assert_non_null(mc_arena_alloc(&m->arena, 64));
    char id[sizeof m->message_id];
    memcpy(id, m->message_id, sizeof id);
    mc_message *was = m;
    mc_msg_free(m);
    mc_message *n = th_msg_new();
    assert_ptr_equal(n, was);            /* kept and handed out again */
    for (int s = 0; s < MC_SCOPE_COUNT; s++)
        assert_null(n->props[s]);
    assert_null(n->vars);
    assert_int_equal(n->nsecrets, 0);
    assert_int_equal(mc_msg_status(n), 0);
    assert_int_equal(n->payload.kind, MC_PL_NONE);
    assert_int_equal(n->nframes, 0);
    assert_string_not_equal(n->message_id, id);
    assert_int_equal(mc_msg_set_propz(n, MC_SCOPE_DEFAULT, "q", "w"), MC_OK);
    assert_string_equal(mc_msg_prop(n, MC_SCOPE_DEFAULT, "q"), "w");
    assert_null(mc_msg_prop(n, MC_SCOPE_DEFAULT, "p"));
    mc_msg_free(n);
    mc_msg_free(other);
}

/* A worker ends and starts messages in bursts (one epoll pass answers
 * several upstreams, the next starts several requests): more than one
 * ended message is kept for reuse, but not without bound, and each reused
 * one starts clean. */
static void test_burst_of_messages_reused(void **state)
{
    (void)state;
    enum { N = 100 };
    mc_message *batch[N];
    for (int i = 0; i < N; i++) {            /* takes every message kept */
        batch[i] = th_msg_new();
        assert_int_equal(mc_msg_set_propz(batch[i], MC_SCOPE_DEFAULT, "p", "v"), MC_OK);
    }
    assert_int_equal(mc_msg__spares(), 0);
    for (int i = 0; i < N; i++)
        mc_msg_free(batch[i]);
    unsigned kept = mc_msg__spares();
    assert_true(kept > 1);                   /* a burst, not one spare */
    assert_true(kept < N);                   /* bounded */
    for (int i = 0; i < N; i++) {
        batch[i] = th_msg_new();
        assert_null(batch[i]->props[MC_SCOPE_DEFAULT]);
        assert_null(mc_msg_prop(batch[i], MC_SCOPE_DEFAULT, "p"));
        assert_int_equal(mc_msg__spares(), i < (int)kept ? kept - 1 - (unsigned)i : 0);
    }
    for (int i = 0; i < N; i++)
        mc_msg_free(batch[i]);
}

static void test_scope_and_type_names(void **state)
{
    (void)state;
    assert_int_equal(mc_scope_from_name(NULL), MC_SCOPE_DEFAULT);
    assert_int_equal(mc_scope_from_name(""), MC_SCOPE_DEFAULT);
    assert_int_equal(mc_scope_from_name("default"), MC_SCOPE_DEFAULT);
    assert_int_equal(mc_scope_from_name("transport"), MC_SCOPE_TRANSPORT);
    assert_int_equal(mc_scope_from_name("axis2"), MC_SCOPE_AXIS2);
    assert_int_equal(mc_scope_from_name("axis2-client"), MC_SCOPE_AXIS2);
    assert_int_equal(mc_scope_from_name("operation"), MC_SCOPE_OPERATION);
    assert_int_equal(mc_scope_from_name("registry"), -1);
    assert_int_equal(mc_scope_from_name("Transport"), -1);
    assert_string_equal(mc_scope_name(MC_SCOPE_AXIS2), "axis2");
    assert_string_equal(mc_scope_name((mc_scope)42), "?");
    static const char *const types[] = {"STRING", "INTEGER", "LONG", "SHORT",
        "FLOAT", "DOUBLE", "BOOLEAN", "JSON", "OM"};
    for (int i = 0; i < 9; i++)
        assert_int_equal(mc_vtype_from_name(types[i]), i);
    assert_int_equal(mc_vtype_from_name(NULL), MC_VT_STRING);
    assert_int_equal(mc_vtype_from_name("string"), -1);
    assert_int_equal(mc_vtype_from_name("XML"), -1);
}

static void test_vars_status_fault(void **state)
{
    (void)state;
    mc_message *m = th_msg_new();
    assert_null(mc_msg_get_var(m, "v"));
    mc_msg_set_var(m, "v", "1", 1, MC_VT_INTEGER);
    assert_string_equal(mc_msg_get_var(m, "v")->value, "1");
    assert_int_equal(mc_msg_get_var(m, "v")->type, MC_VT_INTEGER);
    assert_null(mc_msg_prop(m, MC_SCOPE_DEFAULT, "v")); /* not a property */
    assert_int_equal(mc_msg_status(m), 0);
    mc_msg_set_status(m, 404);
    assert_int_equal(mc_msg_status(m), 404);
    assert_string_equal(mc_msg_prop(m, MC_SCOPE_AXIS2, "HTTP_SC"), "404");
    /* the status an answer can carry: 200..599, else -1 (the host's 500) */
    mc_msg_remove_prop(m, MC_SCOPE_AXIS2, "HTTP_SC");
    assert_int_equal(mc_msg_answer_status(m, 202), 202);
    static const struct { const char *sc; int want; } sc[] = {
        {"200", 200}, {"599", 599}, {" 404\t", 404}, {"100", -1}, {"199", -1},
        {"600", -1}, {"1000", -1}, {"0", -1}, {"", -1}, {"abc", -1}, {"2O0", -1},
        {"-200", -1}, {"+200", -1}, {"20", -1}, {"2000", -1},
    };
    for (size_t i = 0; i < sizeof sc / sizeof *sc; i++) {
        mc_msg_set_propz(m, MC_SCOPE_AXIS2, "HTTP_SC", sc[i].sc);
        if (mc_msg_answer_status(m, 202) != sc[i].want)
            fail_msg("HTTP_SC '%s': %d, expected %d", sc[i].sc, mc_msg_answer_status(m, 202),
                     sc[i].want);
    }
    mc_msg_set_prop(m, MC_SCOPE_AXIS2, "HTTP_SC", "200\0x", 5, MC_VT_STRING);
    assert_int_equal(mc_msg_answer_status(m, 202), -1);
    mc_msg_set_fault(m, "101503", "connect failed", "detail");
    assert_string_equal(mc_msg_prop(m, MC_SCOPE_DEFAULT, "ERROR_CODE"), "101503");
    assert_string_equal(mc_msg_prop(m, MC_SCOPE_DEFAULT, "ERROR_MESSAGE"), "connect failed");
    assert_string_equal(mc_msg_prop(m, MC_SCOPE_DEFAULT, "ERROR_DETAIL"), "detail");
    mc_msg_set_fault(m, NULL, NULL, NULL);
    assert_string_equal(mc_msg_prop(m, MC_SCOPE_DEFAULT, "ERROR_CODE"), "0");
    assert_string_equal(mc_msg_prop(m, MC_SCOPE_DEFAULT, "ERROR_MESSAGE"), "");
    assert_null(mc_msg_prop(m, MC_SCOPE_DEFAULT, "ERROR_DETAIL"));
    /* message ids are urn:uuid and differ between messages */
    mc_message *m2 = th_msg_new();
    assert_int_equal(strncmp(m->message_id, "urn:uuid:", 9), 0);
    assert_int_equal(strlen(m->message_id), 9 + 36);
    assert_string_not_equal(m->message_id, m2->message_id);
    mc_msg_free(m2);
    /* frame stack is bounded at 256 */
    int pushed = 0;
    while (mc_msg_push_frame(m, m, NULL, 0) == MC_OK && pushed < 1000)
        pushed++;
    assert_int_equal(pushed, 256);
    assert_int_equal(mc_msg_push_frame(m, m, NULL, 0), MC_ESTATE);
    mc_msg_free(m);
}

static void test_payload_json(void **state)
{
    (void)state;
    mc_message *m = th_msg_new();
    mc_err err = {0};
    assert_int_equal(m->payload.kind, MC_PL_NONE);
    assert_string_equal(payload(m), "");
    const char *j = "{\"a\":[1,2],\"b\":{\"c\":null},\"n\":1.50}";
    assert_int_equal(mc_msg_set_payload(m, j, strlen(j), "application/json", &err), MC_OK);
    assert_int_equal(m->payload.kind, MC_PL_JSON);
    assert_string_equal(payload(m), j); /* bytes pass through unchanged */
    assert_string_equal(mc_msg_content_type(m), "application/json");
    assert_string_equal(mc_msg_prop(m, MC_SCOPE_AXIS2, "messageType"), "application/json");
    assert_string_equal(mc_msg_prop(m, MC_SCOPE_AXIS2, "ContentType"), "application/json");
    assert_non_null(mc_msg_json(m));
    /* the Synapse XML view */
    assert_string_equal(mc_msg_payload_root(m)->name, "jsonObject");
    assert_non_null(strstr(dump_envelope(m), "<b><c/></b>"));
    /* asked for XML output: the mapping */
    mc_msg_set_propz(m, MC_SCOPE_AXIS2, "messageType", "application/xml");
    const char *x = payload(m);
    assert_int_equal(strncmp(x, "<jsonObject>", 12), 0);
    assert_non_null(strstr(x, "<a>1</a><a>2</a>"));
    assert_non_null(strstr(x, "<n>1.50</n>"));
    /* content type parameters and +json suffix */
    assert_int_equal(mc_msg_set_payload(m, "[1]", 3, "application/vnd.x+json; charset=utf-8", &err), MC_OK);
    assert_int_equal(m->payload.kind, MC_PL_JSON);
    assert_string_equal(payload(m), "[1]");
    assert_string_equal(mc_msg_payload_root(m)->name, "jsonArray");
    assert_int_equal(mc_msg_set_payload(m, "\"s\"", 3, "application/json", &err), MC_OK);
    assert_string_equal(mc_msg_payload_root(m)->name, "jsonValue");
    /* a NUL in a string stays: json-eval's view keeps the length */
    const char *nul = "{\"s\":\"a\\u0000b\"}";
    assert_int_equal(mc_msg_set_payload(m, nul, strlen(nul), "application/json", &err), MC_OK);
    size_t n;
    const char *t = mc_json_str(mc_json_get(mc_msg_json(m), "s", 1), &n);
    assert_int_equal(n, 3);
    assert_memory_equal(t, "a\0b", 3);
    mc_msg_free(m);
}

static void test_payload_errors(void **state)
{
    (void)state;
    mc_message *m = th_msg_new();
    mc_err err = {0};
    mc_msg_set_payload(m, "{\"ok\":1}", 8, "application/json", &err);
    static const struct { const char *data, *ct, *msg; } bad[] = {
        {"{\"a\":", "application/json", "invalid JSON payload: invalid JSON at offset 5: premature EOF"},
        {"{\"a\" 1}", "application/json", "invalid JSON payload: invalid JSON at offset"},
        {"<a><b>", "application/xml", "invalid XML payload: line 1: "},
        {"<a></b>", "text/xml", "invalid XML payload: line 1: "},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        mc_err_clear(&err);
        assert_int_equal(mc_msg_set_payload(m, bad[i].data, strlen(bad[i].data), bad[i].ct, &err), MC_EPARSE);
        assert_int_equal(err.code, MC_EPARSE);
        if (strncmp(err.msg, bad[i].msg, strlen(bad[i].msg)) != 0)
            fail_msg("error '%s' does not start with '%s'", err.msg, bad[i].msg);
        /* the payload is unchanged */
        assert_string_equal(payload(m), "{\"ok\":1}");
    }
    /* DOCTYPE / entities in a payload are refused */
    const char *bl = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaa\">]><r>&a;</r>";
    assert_int_equal(mc_msg_set_payload(m, bl, strlen(bl), "application/xml", &err), MC_EPARSE);
    assert_string_equal(payload(m), "{\"ok\":1}");
    /* not strict UTF-8: refused, the payload unchanged */
    const char *bad_utf8[] = {"{\"s\":\"\xc0\xaf\"}", "{\"s\":\"\\udc00\"}",
                              "[\"\\ud800\"]", "[\"\xed\xa0\x80\"]"};
    for (size_t i = 0; i < sizeof bad_utf8 / sizeof *bad_utf8; i++) {
        mc_err_clear(&err);
        assert_int_equal(mc_msg_set_payload(m, bad_utf8[i], strlen(bad_utf8[i]),
                                            "application/json", &err), MC_EPARSE);
        assert_int_equal(mc_payload_error_status(err.code), 400);
        assert_string_equal(payload(m), "{\"ok\":1}");
    }
    /* more values than the node limit: MC_ELIMIT, a 413 */
    mc_buf big = MC_BUF_INIT;
    mc_buf_putc(&big, '[');
    for (int i = 0; i < MC_JSON_MAX_NODES; i++)
        mc_buf_puts(&big, i ? ",0" : "0");
    mc_buf_putc(&big, ']');
    mc_err_clear(&err);
    assert_int_equal(mc_msg_set_payload(m, big.data, big.len, "application/json", &err),
                     MC_ELIMIT);
    assert_int_equal(mc_payload_error_status(err.code), 413);
    assert_non_null(strstr(err.msg, "more than 1000000 values"));
    assert_string_equal(payload(m), "{\"ok\":1}");
    mc_buf_free(&big);
    /* XML limits: nodes (413) and attributes on one element (400) */
    mc_buf x = MC_BUF_INIT;
    mc_buf_puts(&x, "<r>");
    for (int i = 0; i < MC_XML_MAX_NODES; i++)
        mc_buf_puts(&x, "<a/>");
    mc_buf_puts(&x, "</r>");
    mc_err_clear(&err);
    assert_int_equal(mc_msg_set_payload(m, x.data, x.len, "application/xml", &err), MC_ELIMIT);
    assert_int_equal(mc_payload_error_status(err.code), 413);
    assert_non_null(strstr(err.msg, "more than 200000 nodes"));
    mc_buf_reset(&x);
    mc_buf_puts(&x, "<r");
    for (int i = 0; i <= MC_XML_MAX_ATTRS; i++)
        mc_buf_printf(&x, " a%d=\"%d\"", i, i);
    mc_buf_puts(&x, "/>");
    mc_err_clear(&err);
    assert_int_equal(mc_msg_set_payload(m, x.data, x.len, "application/xml", &err), MC_EPARSE);
    assert_int_equal(mc_payload_error_status(err.code), 400);
    assert_non_null(strstr(err.msg, "more than 256 attributes"));
    assert_string_equal(payload(m), "{\"ok\":1}");
    mc_buf_free(&x);
    /* NULL err is allowed */
    assert_int_equal(mc_msg_set_payload(m, "{", 1, "application/json", NULL), MC_EPARSE);
    mc_msg_free(m);
}

/* A JSON payload is checked and parsed in one pass: the tree is there as
 * soon as the payload is set, borrowing from the payload's bytes; without a
 * content type the first byte and the check decide the kind, as before. */
static void test_payload_json_parsed_once(void **state)
{
    (void)state;
    mc_message *m = th_msg_new();
    mc_err err = {0};
    const char *j = "{\"k\":\"v\",\"n\":[1,2,3]}";
    assert_int_equal(mc_msg_set_payload(m, j, strlen(j), "application/json", &err), MC_OK);
    assert_true(m->payload.json_tried);
    mc_json tree = m->payload.json;
    assert_non_null(tree);
    assert_ptr_equal(mc_msg_json(m), tree);
    size_t n;
    const char *v = mc_json_str(mc_json_get(tree, "k", 1), &n);
    assert_true(v > m->payload.bytes && v < m->payload.bytes + m->payload.len);
    assert_int_equal(mc_json_count(mc_json_get(tree, "n", 1)), 3);
    /* a body too big for the message's arena budget with its tree is only
     * checked: no tree until something reads it */
    mc_buf wide = MC_BUF_INIT;
    mc_buf_putc(&wide, '[');
    for (int i = 0; i < 2000; i++)
        mc_buf_puts(&wide, i ? ",\"abcd\"" : "\"abcd\"");
    mc_buf_putc(&wide, ']');
    assert_int_equal(mc_msg_set_payload(m, wide.data, wide.len, "application/json", &err), MC_OK);
    assert_false(m->payload.json_tried);
    assert_int_equal(mc_json_count(mc_msg_json(m)), 2000);
    wide.data[wide.len - 1] = ',';
    assert_int_equal(mc_msg_set_payload(m, wide.data, wide.len, "application/json", &err),
                     MC_EPARSE);
    assert_int_equal(mc_json_count(mc_msg_json(m)), 2000);
    mc_buf_free(&wide);
    /* no content type: JSON, text, XML, blank, as the text says */
    static const struct { const char *data; mc_pl_kind kind; } sniff[] = {
        {"{\"a\":1}", MC_PL_JSON}, {" [1, 2] ", MC_PL_JSON}, {"42", MC_PL_JSON},
        {"{\"a\":", MC_PL_TEXT}, {"hello", MC_PL_TEXT}, {"[\"\\udc00\"]", MC_PL_TEXT},
        {"<a>1</a>", MC_PL_XML}, {" \n", MC_PL_TEXT},
    };
    for (size_t i = 0; i < sizeof sniff / sizeof *sniff; i++) {
        mc_err_clear(&err);
        assert_int_equal(mc_msg_set_payload(m, sniff[i].data, strlen(sniff[i].data), NULL, &err),
                         MC_OK);
        assert_int_equal(m->payload.kind, sniff[i].kind);
        assert_int_equal(mc_content_kind(NULL, sniff[i].data, strlen(sniff[i].data)),
                         sniff[i].kind);
        assert_int_equal(mc_msg_json(m) != NULL, sniff[i].kind != MC_PL_TEXT);
    }
    /* no content type, more values than the limit: still a 413 when it is
     * JSON, text when it is not JSON at all */
    mc_buf big = MC_BUF_INIT;
    mc_buf_putc(&big, '[');
    for (int i = 0; i <= MC_JSON_MAX_NODES; i++)
        mc_buf_puts(&big, i ? ",0" : "0");
    mc_buf_putc(&big, ']');
    assert_int_equal(mc_msg_set_payload(m, "[7]", 3, NULL, &err), MC_OK);
    mc_err_clear(&err);
    assert_int_equal(mc_msg_set_payload(m, big.data, big.len, NULL, &err), MC_ELIMIT);
    assert_non_null(strstr(err.msg, "invalid JSON payload: JSON has more than 1000000 values"));
    assert_string_equal(payload(m), "[7]");
    mc_buf_putc(&big, 'x');
    assert_int_equal(mc_msg_set_payload(m, big.data, big.len, NULL, &err), MC_OK);
    assert_int_equal(m->payload.kind, MC_PL_TEXT);
    mc_buf_free(&big);
    /* replaced many times: the tree moves out of the message's arena when
     * its budget is spent, and every tree reads right */
    for (int i = 0; i < 400; i++) {
        char doc[64];
        int len = snprintf(doc, sizeof doc, "{\"i\":%d,\"pad\":\"%040d\"}", i, i);
        assert_int_equal(mc_msg_set_payload(m, doc, (size_t)len, "application/json", &err), MC_OK);
        long long got = -1;
        assert_true(mc_json_int(mc_json_get(mc_msg_json(m), "i", 1), &got));
        assert_int_equal(got, i);
    }
    assert_true(m->arena_payload <= ((size_t)64 << 10));
    assert_non_null(m->payload.json_arena.head);
    mc_msg_free(m);
}

/* The pre-scan counts what libxml2 would build, whatever the markup. */
static void test_xml_scan_limits(void **state)
{
    (void)state;
    const char *doc = "<r a='1' b=\"2>\">t<!--c--><?p x?><![CDATA[<x>]]><e c=\"/>\"/></r>";
    /* r a b "t" comment pi cdata e c */
    const char *what = NULL;
    size_t n = strlen(doc);
    assert_int_equal(mc_xml_scan_limits(doc, n, 9, 10, &what), n);
    assert_int_equal(mc_xml_scan_limits(doc, n, 8, 10, &what), 47); /* at <e: its c */
    assert_string_equal(what, "nodes");
    assert_int_equal(mc_xml_scan_limits(doc, n, 100, 1, &what), 0);
    assert_string_equal(what, "attributes");
    assert_int_equal(mc_xml_scan_limits(doc, n, 100, 2, &what), n);
    /* end tags, declarations and truncated markup are not nodes, no crash */
    const char *odd[] = {"", "<", "<r", "<r a=", "<r a=\"", "</r>", "<!--", "<![CDATA[",
                         "<?x", "<r/><", "<r a b c>", "x"};
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++)
        assert_int_equal(mc_xml_scan_limits(odd[i], strlen(odd[i]), 100, 100, &what),
                         strlen(odd[i]));
    /* a JSON payload too big for an XML view: XPath sees an empty body */
    mc_message *m = th_msg_new();
    mc_buf j = MC_BUF_INIT;
    mc_buf_putc(&j, '[');
    for (int i = 0; i < MC_XML_MAX_NODES; i++)
        mc_buf_puts(&j, i ? ",1" : "1");
    mc_buf_putc(&j, ']');
    mc_err err = {0};
    assert_int_equal(mc_msg_set_payload(m, j.data, j.len, "application/json", &err), MC_OK);
    assert_non_null(mc_msg_json(m));
    assert_null(mc_msg_payload_root(m));
    mc_buf_free(&j);
    mc_msg_free(m);
}

static void test_payload_xml_and_soap(void **state)
{
    (void)state;
    mc_message *m = th_msg_new();
    mc_err err = {0};
    const char *x = "<r><x>1</x><x>2</x><y>true</y><s>abc</s></r>";
    assert_int_equal(mc_msg_set_payload(m, x, strlen(x), "application/xml", &err), MC_OK);
    assert_int_equal(m->payload.kind, MC_PL_XML);
    assert_string_equal(payload(m), x);
    assert_string_equal(mc_msg_payload_root(m)->name, "r");
    const char *env = dump_envelope(m);
    assert_non_null(strstr(env, "Envelope"));
    assert_non_null(strstr(env, "http://schemas.xmlsoap.org/soap/envelope/"));
    /* XML payload with a JSON messageType is written as JSON */
    mc_msg_set_propz(m, MC_SCOPE_AXIS2, "messageType", "application/json");
    assert_string_equal(payload(m), "{\"r\":{\"x\":[1,2],\"y\":true,\"s\":\"abc\"}}");
    /* and json-eval sees the same mapping */
    mc_json v = mc_msg_json(m);
    assert_non_null(v);
    assert_int_equal(mc_json_type_of(v), MC_JSON_OBJECT);
    /* a SOAP 1.1 envelope is detected, not wrapped again */
    const char *s11 = "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
                      "<soapenv:Header><h>1</h></soapenv:Header><soapenv:Body><p>2</p></soapenv:Body></soapenv:Envelope>";
    assert_int_equal(mc_msg_set_payload(m, s11, strlen(s11), "text/xml", &err), MC_OK);
    assert_string_equal(mc_msg_payload_root(m)->name, "p");
    /* a SOAP message in text/xml is written as its whole envelope */
    char whole[512];
    snprintf(whole, sizeof whole, "<?xml version='1.0' encoding='UTF-8'?>%s", s11);
    assert_string_equal(payload(m), whole);
    assert_string_equal(mc_msg_content_type(m), "text/xml");
    /* SOAP 1.2 too */
    const char *s12 = "<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\"><e:Body><q/></e:Body></e:Envelope>";
    assert_int_equal(mc_msg_set_payload(m, s12, strlen(s12), "application/soap+xml", &err), MC_OK);
    assert_string_equal(mc_msg_payload_root(m)->name, "q");
    /* an Envelope in another namespace is an ordinary payload */
    const char *fake = "<Envelope><Body><z/></Body></Envelope>";
    assert_int_equal(mc_msg_set_payload(m, fake, strlen(fake), "application/xml", &err), MC_OK);
    assert_string_equal(mc_msg_payload_root(m)->name, "Envelope");
    /* a node */
    xmlDocPtr d = xmlReadMemory("<n a=\"1\">t</n>", 14, NULL, NULL, 0);
    assert_int_equal(mc_msg_set_xml_node(m, xmlDocGetRootElement(d)), MC_OK);
    xmlFreeDoc(d);
    assert_string_equal(payload(m), "<n a=\"1\">t</n>");
    assert_string_equal(mc_msg_content_type(m), "application/xml");
    mc_msg_free(m);
}

static void test_payload_text_binary(void **state)
{
    (void)state;
    mc_message *m = th_msg_new();
    mc_err err = {0};
    assert_int_equal(mc_msg_set_payload(m, "hello <world>", 13, "text/plain", &err), MC_OK);
    assert_int_equal(m->payload.kind, MC_PL_TEXT);
    assert_string_equal(payload(m), "hello <world>");
    assert_null(mc_msg_json(m));
    const char *env = dump_envelope(m);
    assert_non_null(strstr(env, "<text xmlns=\"http://ws.apache.org/commons/ns/payload\">hello &lt;world&gt;</text>"));
    assert_int_equal(mc_msg_set_payload(m, "\x01\x02\xff", 3, "application/octet-stream", &err), MC_OK);
    assert_int_equal(m->payload.kind, MC_PL_BINARY);
    size_t n;
    const char *b = mc_msg_payload_bytes(m, &n);
    assert_int_equal(n, 3);
    assert_memory_equal(b, "\x01\x02\xff", 3);
    assert_non_null(strstr(dump_envelope(m), ">AQL/</binary>"));
    /* form data is text; unknown types binary */
    assert_int_equal(mc_content_kind("application/x-www-form-urlencoded", NULL, 0), MC_PL_TEXT);
    assert_int_equal(mc_content_kind("image/png", NULL, 0), MC_PL_BINARY);
    assert_int_equal(mc_content_kind("TEXT/HTML", NULL, 0), MC_PL_TEXT);
    assert_int_equal(mc_content_kind("application/problem+json ; q=1", NULL, 0), MC_PL_JSON);
    assert_int_equal(mc_content_kind("application/atom+xml", NULL, 0), MC_PL_XML);
    /* sniffing without a content type */
    assert_int_equal(mc_content_kind(NULL, " {\"a\":1}", 8), MC_PL_JSON);
    assert_int_equal(mc_content_kind("", "\n<a/>", 5), MC_PL_XML);
    assert_int_equal(mc_content_kind(NULL, "plain", 5), MC_PL_TEXT);
    assert_int_equal(mc_content_kind(NULL, "   ", 3), MC_PL_TEXT);
    assert_int_equal(mc_content_kind(NULL, "", 0), MC_PL_NONE);
    /* text helpers */
    mc_msg_set_text(m, "t", 1);
    assert_string_equal(mc_msg_content_type(m), "text/plain");
    mc_msg_set_json(m, "[true]", 6);
    assert_string_equal(mc_msg_content_type(m), "application/json");
    assert_string_equal(payload(m), "[true]");
    /* empty payload */
    assert_int_equal(mc_msg_set_payload(m, "", 0, "application/json", &err), MC_OK);
    assert_int_equal(m->payload.kind, MC_PL_NONE);
    assert_string_equal(payload(m), "");
    mc_msg_free(m);
}

static bool has(const char **v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

static void test_collect_secrets(void **state)
{
    (void)state;
    mc_message *m = th_msg_new();
    mc_err err = {0};
    const char *j = "{\"accessKeyId\":\"AKIA\",\"secretAccessKey\":\"S1\","
                    "\"nested\":[{\"sessionToken\":\"T1\"}],\"password\":7}";
    mc_msg_set_payload(m, j, strlen(j), "application/json", &err);
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "secretAccessKey", "S2");
    mc_msg_set_propz(m, MC_SCOPE_TRANSPORT, "authorization", "AWS4 sig");
    mc_msg_set_propz(m, MC_SCOPE_DEFAULT, "region", "us-east-1");
    mc_msg_set_var(m, "sessionToken", "T2", 2, MC_VT_STRING);
    mc_msg_add_secret(m, "R1");
    mc_msg_add_secret(m, "R1"); /* duplicates kept once */
    mc_msg_add_secret(m, "");   /* ignored */
    mc_msg_add_secret(m, NULL);
    assert_int_equal(m->nsecrets, 1);
    const char *out[32];
    size_t n = mc_msg_collect_secrets(m, out, 32);
    assert_true(has(out, n, "S1"));
    assert_true(has(out, n, "S2"));
    assert_true(has(out, n, "T1"));
    assert_true(has(out, n, "T2"));
    assert_true(has(out, n, "R1"));
    assert_true(has(out, n, "AWS4 sig"));
    assert_false(has(out, n, "AKIA"));
    assert_false(has(out, n, "us-east-1"));
    assert_int_equal(n, 6);
    /* max is respected */
    assert_int_equal(mc_msg_collect_secrets(m, out, 2), 2);
    /* secrets of an XML payload (through its JSON view) too */
    const char *x = "<creds><secretAccessKey>XS</secretAccessKey></creds>";
    mc_msg_set_payload(m, x, strlen(x), "application/xml", &err);
    n = mc_msg_collect_secrets(m, out, 32);
    assert_true(has(out, n, "XS"));
    /* registered secrets: the newest 16 are kept */
    for (int i = 0; i < 20; i++) {
        char s[8];
        snprintf(s, sizeof s, "k%d", i);
        mc_msg_add_secret(m, s);
    }
    assert_int_equal(m->nsecrets, MC_MAX_SECRETS);
    assert_string_equal(m->secrets[MC_MAX_SECRETS - 1], "k19");
    mc_msg_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scopes),
        cmocka_unit_test(test_prop_names_like_model),
        cmocka_unit_test(test_hop_headers),
        cmocka_unit_test(test_reused_message_starts_clean),
        cmocka_unit_test(test_burst_of_messages_reused),
        cmocka_unit_test(test_scope_and_type_names),
        cmocka_unit_test(test_vars_status_fault),
        cmocka_unit_test(test_payload_json),
        cmocka_unit_test(test_payload_errors),
        cmocka_unit_test(test_payload_json_parsed_once),
        cmocka_unit_test(test_xml_scan_limits),
        cmocka_unit_test(test_payload_xml_and_soap),
        cmocka_unit_test(test_payload_text_binary),
        cmocka_unit_test(test_collect_secrets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* fuzz_message_values.c - libFuzzer target: message values on their way
 * into a request and into a log line (DESIGN principle 7, issue 11).
 *
 * The input is cut at 0x1F into up to four values (any bytes, NUL
 * included), set as properties f, q, h, b (with their lengths), and byte 0
 * picks a flow that builds a request from them: the Lambda connector
 * (path, query, header, raw and JSON bodies) or <call> to an
 * <http uri-template> endpoint with a header, or <call> to an address
 * with HTTP_METHOD and REST_URL_POSTFIX from the values, or to a default
 * endpoint with a To address from them.  When the flow suspends on
 * its request, what would be sent must keep its shape:
 *   - the method is an HTTP token; a postfix never climbs above the
 *     address; a To address holds no space or control character;
 *   - the URL has exactly the template's segments, none of them "." or
 *     ".." (a dot value goes out as %2E), and only bytes a URL may carry;
 *   - every header value is a valid field value (no CR, LF, NUL ...);
 *   - a raw body is the value itself, byte for byte; a JSON body parses.
 * The same values also go through the helpers directly:
 * mc_url_encode_segment (decodes back to the value, one segment),
 * mc_url_clean_postfix (no dot segment, never above its start),
 * mc_log_escape / mc_log_json_string (one line of safe text: no control
 * byte but tab; valid JSON),
 * and mc_redact / mc_redact_names (a secret written in the text, plainly
 * or JSON-escaped, never comes out). */
#include <stdio.h>

#include "fuzz_common.h"
#include "engine/engine.h"
#include "json/json.h"
#include "msg/msg.h"
#include "util/codec.h"
#include "util/utf8.h"

#define INIT "<amazonlambda.init><accessKeyId>AKIDFUZZ</accessKeyId>"                  \
             "<secretAccessKey>fuzzSecret</secretAccessKey><region>us-east-1</region>"  \
             "<endpoint>http://127.0.0.1:9/base</endpoint></amazonlambda.init>"
#define SEQ(name, body) "<sequence name=\"" name "\">" body "</sequence>"

static const char flows_xml[] =
    "<definitions xmlns=\"http://ws.apache.org/ns/synapse\">"
    SEQ("invoke", INIT "<amazonlambda.invoke><functionName>{$ctx:f}</functionName>"
        "<qualifier>{$ctx:q}</qualifier><x-amz-log-type>{$ctx:h}</x-amz-log-type>"
        "<payload>{$ctx:b}</payload></amazonlambda.invoke>")
    SEQ("alias", INIT "<amazonlambda.createAlias><functionName>pre-{$ctx:f}-post</functionName>"
        "<aliasName>{$ctx:q}</aliasName><functionVersion>1</functionVersion>"
        "<createAliasDescription>{$ctx:b}</createAliasDescription></amazonlambda.createAlias>")
    SEQ("call", "<property name=\"uri.var.f\" expression=\"$ctx:f\"/>"
        "<header name=\"X-Data\" scope=\"transport\" expression=\"$ctx:h\"/>"
        "<call><endpoint><http method=\"POST\" "
        "uri-template=\"http://127.0.0.1:9/items/{uri.var.f}/x?q={q}\"/></endpoint></call>")
    SEQ("prop", "<property name=\"X-Data\" scope=\"transport\" expression=\"$ctx:h\"/>"
        "<call><endpoint><http method=\"GET\" "
        "uri-template=\"http://127.0.0.1:9/p/{f}\"/></endpoint></call>")
    SEQ("addr", "<property name=\"HTTP_METHOD\" scope=\"axis2\" expression=\"$ctx:h\"/>"
        "<property name=\"REST_URL_POSTFIX\" scope=\"axis2\" expression=\"$ctx:f\"/>"
        "<call><endpoint><address uri=\"http://127.0.0.1:9/base\"/></endpoint></call>")
    SEQ("to", "<property name=\"To\" expression=\"$ctx:q\"/>"
        "<property name=\"HTTP_METHOD\" scope=\"axis2\" value=\"GET\"/>"
        "<call><endpoint><default/></endpoint></call>")
    "</definitions>";

static const char *const flow_names[] = {"invoke", "alias", "call", "prop", "addr", "to"};
#define NFLOWS 6
/* segments after the authority that each flow's URL must have (-1: any;
 * "addr" appends a REST_URL_POSTFIX from the message, "to" takes the whole
 * URL from it) */
static const int flow_segments[] = {5, 5, 3, 2, -1, -1};

static mc_config *flows(void)
{
    static mc_config *cfg;
    if (!cfg) {
        cfg = fz_config();
        if (!cfg || mc_config_load_memory(cfg, flows_xml, sizeof flows_xml - 1, "flows.xml")
                        != MC_OK || mc_config_link(cfg) != MC_OK) {
            fprintf(stderr, "fuzz flows do not load: %s\n",
                    cfg ? mc_buf_cstr(&cfg->diags) : "no memory");
            abort();
        }
    }
    return cfg;
}

static void fail(const char *what, const char *s, size_t n)
{
    fprintf(stderr, "%s: ", what);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f ? "%c" : "\\x%02x",
                (unsigned char)s[i]);
    fprintf(stderr, "\n");
    abort();
}

static bool url_byte(unsigned char c)
{
    return c > 0x20 && c < 0x7f && !strchr("\"<>\\^`{|}", c);
}

/* 1 or 2 when s[0..n) is a dot segment (plain or %2e), else 0 */
static int dots(const char *s, size_t n)
{
    mc_buf d = MC_BUF_INIT;
    int r = 0;
    if (n <= 6 && mc_url_decode(&d, s, n, false) && (d.len == 1 || d.len == 2) &&
        d.data[0] == '.' && d.data[d.len - 1] == '.')
        r = (int)d.len;
    mc_buf_free(&d);
    return r;
}

static void check_url(const char *url, int want_segments)
{
    size_t n = strlen(url);
    for (size_t i = 0; i < n; i++)
        if (!url_byte((unsigned char)url[i]))
            fail("URL byte", url, n);
    const char *p = strstr(url, "://");
    p = p ? strchr(p + 3, '/') : NULL;
    if (!p)
        fail("URL without a path", url, n);
    size_t plen = strcspn(p, "?#");
    int segs = 0;
    for (size_t i = 0; i < plen;) {
        size_t k = i + 1;
        while (k < plen && p[k] != '/')
            k++;
        size_t sl = k - i - 1;
        if ((sl == 1 || sl == 2) && p[i + 1] == '.' && p[k - 1] == '.')
            fail("dot segment in URL", url, n);
        segs++;
        i = k;
    }
    if (want_segments >= 0 && segs != want_segments)
        fail("URL segments changed", url, n);
}

static void check_outbound(const mc_outbound *out, int flow, const char *b, size_t bn)
{
    if (!mc_http_token_ok(out->method, strlen(out->method)))
        fail("method", out->method, strlen(out->method));
    if (flow == 5) {   /* a whole URL from the message: only its bytes are checked */
        if (!mc_url_text_ok(out->url, strlen(out->url)))
            fail("URL text", out->url, strlen(out->url));
        return;
    }
    if (flow == 4 && strncmp(out->url, "http://127.0.0.1:9/base", 23) != 0)
        fail("postfix climbed above the address", out->url, strlen(out->url));
    check_url(out->url, flow_segments[flow]);
    for (size_t i = 0; i < out->nheaders; i++) {
        const char *v = out->headers[i].value ? out->headers[i].value : "";
        if (!mc_header_value_ok(v, strlen(v)))
            fail("header value", v, strlen(v));
    }
    if (flow == 0) {
        bool blank = true;
        for (size_t i = 0; i < bn; i++)
            blank = blank && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r');
        if (!blank && (out->body_len != bn || memcmp(out->body, b, bn) != 0))
            fail("raw body changed", out->body, out->body_len);
    } else if (flow == 1 && !mc_json_valid(out->body, out->body_len)) {
        fail("JSON body", out->body, out->body_len);
    }
}

static void run_flow(int flow, const char *const *v, const size_t *vn)
{
    mc_config *cfg = flows();
    mc_message *m = mc_msg_new(cfg, fz_logger());
    if (!m)
        return;
    static const char *const names[] = {"f", "q", "h", "b"};
    for (int i = 0; i < 4; i++)
        mc_msg_set_prop(m, MC_SCOPE_DEFAULT, names[i], v[i], vn[i], MC_VT_STRING);
    if (mc_engine_start(m, mc_config_sequence(cfg, flow_names[flow]), NULL, NULL) == MC_OK &&
        mc_engine_run(m) == MC_ESUSPENDED && m->out)
        check_outbound(m->out, flow, v[3], vn[3]);
    mc_msg_free(m);
}

static void check_helpers(const char *s, size_t n)
{
    /* one segment that decodes back to the value */
    mc_buf seg = MC_BUF_INIT, back = MC_BUF_INIT;
    mc_url_encode_segment(&seg, s, n);
    if (memchr(mc_buf_cstr(&seg), '/', seg.len) ||
        (seg.len == 1 && seg.data[0] == '.') || (seg.len == 2 && memcmp(seg.data, "..", 2) == 0))
        fail("segment", s, n);
    if (!mc_url_decode(&back, mc_buf_cstr(&seg), seg.len, false) || back.len != n ||
        (n && memcmp(back.data, s, n) != 0))
        fail("segment does not decode back", s, n);
    mc_buf_free(&seg);
    mc_buf_free(&back);

    /* a postfix never holds a dot segment and never climbs */
    mc_buf pf = MC_BUF_INIT;
    mc_buf_puts(&pf, "http://h/base");
    mc_url_clean_postfix(&pf, s, n);
    const char *out = mc_buf_cstr(&pf);
    if (strncmp(out, "http://h/base", 13) != 0)
        fail("postfix climbed", out, pf.len);
    size_t plen = strcspn(out + 13, "?");
    for (size_t i = 13; i < 13 + plen;) {
        size_t k = i;
        while (k < 13 + plen && out[k] != '/')
            k++;
        if (dots(out + i, k - i))
            fail("dot segment in postfix", out, pf.len);
        i = k + 1;
    }
    mc_buf_free(&pf);

    /* log text: one line, no control byte, valid UTF-8; JSON stays JSON */
    mc_buf e = MC_BUF_INIT, j = MC_BUF_INIT;
    mc_log_escape(&e, s, n);
    for (size_t i = 0; i < e.len; i++)
        if (((unsigned char)e.data[i] < 0x20 && e.data[i] != '\t') || e.data[i] == 0x7f)
            fail("control byte in escaped log text", e.data, e.len);
    if (mc_utf8_check(e.data ? e.data : "", e.len) != e.len)
        fail("escaped log text is not UTF-8", e.data, e.len);
    mc_log_json_string(&j, s, n);
    if (!mc_json_valid(mc_buf_cstr(&j), j.len))
        fail("log JSON string", j.data, j.len);
    mc_buf_free(&e);
    mc_buf_free(&j);

    /* a secret in the text, plain and JSON-escaped, never comes out */
    static const char secret[] = "wJalr/K7MDENG+bPx";
    mc_buf t = MC_BUF_INIT, r = MC_BUF_INIT, named = MC_BUF_INIT;
    mc_buf_append(&t, s, n / 2);
    mc_buf_puts(&t, "wJalr\\/K7MDENG+bPx ");
    mc_buf_append(&t, s + n / 2, n - n / 2);
    mc_buf_puts(&t, secret);
    const char *secrets[] = {secret};
    mc_redact(&r, t.data, t.len, secrets, 1);
    bool planted_only = !memmem(s, n, "K7MDENG", 7);   /* else the input has it */
    if (planted_only && memmem(r.data, r.len, "K7MDENG", 7))
        fail("secret survived", r.data, r.len);
    mc_buf_reset(&t);
    mc_buf_puts(&t, "{\"secretAccessKey\":\"");
    mc_buf_puts(&t, "wJalr\\/K7MDENG+bPx\"}");
    mc_buf_append(&t, s, n);
    mc_redact_names(&named, t.data, t.len);
    if (planted_only && memmem(named.data, named.len, "K7MDENG", 7))
        fail("named secret survived", named.data, named.len);
    mc_buf_free(&t);
    mc_buf_free(&r);
    mc_buf_free(&named);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *v[4] = {"", "", "", ""};
    size_t vn[4] = {0, 0, 0, 0};
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    for (int i = 0; i < 4 && p <= end; i++) {
        const char *sep = memchr(p, 0x1f, (size_t)(end - p));
        v[i] = p;
        vn[i] = sep ? (size_t)(sep - p) : (size_t)(end - p);
        p += vn[i] + 1;
    }
    run_flow(data[0] % NFLOWS, v, vn);
    check_helpers((const char *)data + 1, size - 1);
    return 0;
}

/* xpath2.c - the XPath 2.0 functions MI flows use under fn: (Synapse
 * evaluates them with Saxon when Jaxen cannot: synapse.xpath.dom.failover),
 * implemented on libxml2's XPath 1.0 values with F&O semantics.  A sequence
 * result (tokenize, distinct-values) is a node-set of text nodes in a scratch
 * document the message owns, so count(), [n] and string() work on it and its
 * string value is its first item's, as Saxon's JAXP string result. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/tree.h>
#include <libxml/xpathInternals.h>

#include "expr/regex.h"
#include "expr/xpath_env.h"
#include "util/buf.h"

/* ---- arguments and results -------------------------------------------- */

static void free_doc(void *doc) { xmlFreeDoc(doc); }

/* A new empty sequence: a <seq> element in a document freed with the
 * message; NULL (with ctxt->error set) without memory. */
static xmlNodePtr new_sequence(xmlXPathParserContextPtr ctxt)
{
    mc_message *m = ctxt->context->userData;
    xmlDocPtr d = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = d ? xmlNewDocNode(d, NULL, BAD_CAST "seq", NULL) : NULL;
    if (!root || !m || mc_msg_on_free(m, free_doc, d) != MC_OK) {
        xmlFreeDoc(d);
        xmlXPathErr(ctxt, XPATH_MEMORY_ERROR);
        return NULL;
    }
    xmlDocSetRootElement(d, root);
    return root;
}

/* Linked by hand: xmlAddChild would merge adjacent text nodes into one. */
static bool seq_add(xmlNodePtr seq, const char *s, size_t n)
{
    xmlNodePtr t = xmlNewDocTextLen(seq->doc, BAD_CAST s, (int)n);
    if (!t)
        return false;
    t->parent = seq;
    t->prev = seq->last;
    if (seq->last)
        seq->last->next = t;
    else
        seq->children = t;
    seq->last = t;
    return true;
}

static void push_sequence(xmlXPathParserContextPtr ctxt, xmlNodePtr seq)
{
    xmlXPathObjectPtr r = xmlXPathNewNodeSet(NULL);
    for (xmlNodePtr t = seq->children; r && t; t = t->next)
        xmlXPathNodeSetAdd(r->nodesetval, t);
    valuePush(ctxt, r);
}

static void push_string(xmlXPathParserContextPtr ctxt, const char *s, size_t n)
{
    valuePush(ctxt, xmlXPathWrapString(xmlStrndup(BAD_CAST s, (int)n)));
}

static void push_empty(xmlXPathParserContextPtr ctxt)
{
    valuePush(ctxt, xmlXPathNewNodeSet(NULL));
}

/* An optional trailing string argument (flags), popped first. */
static xmlChar *pop_optional(xmlXPathParserContextPtr ctxt, int nargs, int at)
{
    return nargs > at ? xmlXPathPopString(ctxt) : xmlStrdup(BAD_CAST "");
}

/* The argument on top of the stack is an empty sequence (empty node-set). */
static bool top_is_empty(xmlXPathParserContextPtr ctxt)
{
    xmlXPathObjectPtr o = ctxt->value;
    return o && (o->type == XPATH_NODESET || o->type == XPATH_XSLT_TREE) &&
           (!o->nodesetval || o->nodesetval->nodeNr == 0);
}

/* A regex argument, from the thread's cache of compiled ones (the same
 * expression runs for every message); a bad one is an XPath error (Saxon:
 * FORX0002). */
static const mc_regex *regex_arg(xmlXPathParserContextPtr ctxt, const xmlChar *re,
                                 const xmlChar *flags, bool no_empty)
{
    mc_err err;
    mc_err_clear(&err);
    const mc_regex *r = mc_regex_xpath_cached((const char *)re, (const char *)flags, &err);
    if (r && no_empty && mc_regex_matches_empty(r))
        r = NULL; /* FORX0003: a regex that matches "" */
    if (!r)
        xmlXPathErr(ctxt, XPATH_INVALID_OPERAND);
    return r;
}

/* ---- strings and regular expressions ----------------------------------- */

/* The arguments of matches/replace/tokenize, in call order (the optional
 * flags last, "" when absent), and their compiled regex (argument 1). */
typedef struct regex_call {
    xmlChar *arg[4];
    int n;
    const mc_regex *re;        /* the thread cache's */
} regex_call;

static bool pop_regex_call(xmlXPathParserContextPtr ctxt, int nargs, int min,
                           bool no_empty, regex_call *c)
{
    memset(c, 0, sizeof *c);
    if (nargs < min || nargs > min + 1) {
        xmlXPathErr(ctxt, XPATH_INVALID_ARITY);
        return false;
    }
    c->n = min + 1;
    c->arg[min] = pop_optional(ctxt, nargs, min);
    for (int i = min - 1; i >= 0; i--)
        c->arg[i] = xmlXPathPopString(ctxt);
    if (!ctxt->error)
        c->re = regex_arg(ctxt, c->arg[1], c->arg[min], no_empty);
    return c->re != NULL;
}

static void regex_call_free(regex_call *c)
{
    for (int i = 0; i < c->n; i++)
        xmlFree(c->arg[i]);
}

void mc_xpfn_matches(xmlXPathParserContextPtr ctxt, int nargs)
{
    regex_call c;
    if (pop_regex_call(ctxt, nargs, 2, false, &c)) {
        size_t a, b;
        const char *s = (const char *)c.arg[0];
        valuePush(ctxt, xmlXPathNewBoolean(mc_regex_find(c.re, s, strlen(s), 0, &a, &b)));
    }
    regex_call_free(&c);
}

void mc_xpfn_replace(xmlXPathParserContextPtr ctxt, int nargs)
{
    regex_call c;
    if (pop_regex_call(ctxt, nargs, 3, true, &c)) {
        mc_buf out = {0};
        const char *s = (const char *)c.arg[0];
        if (!mc_regex_replace_xpath(c.re, s, strlen(s), (const char *)c.arg[2], &out) ||
            out.oom)
            xmlXPathErr(ctxt, out.oom ? XPATH_MEMORY_ERROR : XPATH_INVALID_OPERAND);
        else
            push_string(ctxt, out.len ? mc_buf_cstr(&out) : "", out.len);
        mc_buf_free(&out);
    }
    regex_call_free(&c);
}

void mc_xpfn_tokenize(xmlXPathParserContextPtr ctxt, int nargs)
{
    regex_call c;
    xmlNodePtr seq = NULL;
    if (pop_regex_call(ctxt, nargs, 2, true, &c) && (seq = new_sequence(ctxt)) != NULL) {
        const char *str = (const char *)c.arg[0];
        size_t n = strlen(str), at = 0, a, b;
        bool ok = true;
        if (n) { /* "" gives the empty sequence */
            while (ok && mc_regex_find(c.re, str, n, at, &a, &b)) {
                ok = seq_add(seq, str + at, a - at);
                at = b;
            }
            ok = ok && seq_add(seq, str + at, n - at);
        }
        if (ok)
            push_sequence(ctxt, seq);
        else
            xmlXPathErr(ctxt, XPATH_MEMORY_ERROR);
    }
    regex_call_free(&c);
}

/* The string values of a sequence argument: a node-set's nodes, or one
 * atomic value. */
typedef struct strings {
    xmlChar **v;
    int n;
} strings;

static bool pop_sequence_strings(xmlXPathParserContextPtr ctxt, strings *out)
{
    xmlXPathObjectPtr o = valuePop(ctxt);
    out->v = NULL;
    out->n = 0;
    if (!o) {
        xmlXPathErr(ctxt, XPATH_STACK_ERROR);
        return false;
    }
    bool nodes = o->type == XPATH_NODESET || o->type == XPATH_XSLT_TREE;
    int n = nodes ? (o->nodesetval ? o->nodesetval->nodeNr : 0) : 1;
    out->v = calloc((size_t)n + 1, sizeof *out->v);
    bool ok = out->v != NULL;
    for (int i = 0; ok && i < n; i++) {
        out->v[i] = nodes ? xmlXPathCastNodeToString(o->nodesetval->nodeTab[i])
                          : xmlXPathCastToString(o);
        ok = out->v[i] != NULL;
        out->n += ok;
    }
    xmlXPathFreeObject(o);
    if (!ok)
        xmlXPathErr(ctxt, XPATH_MEMORY_ERROR);
    return ok;
}

static void free_sequence_strings(strings *s)
{
    for (int i = 0; i < s->n; i++)
        xmlFree(s->v[i]);
    free(s->v);
}

void mc_xpfn_string_join(xmlXPathParserContextPtr ctxt, int nargs)
{
    if (nargs < 1 || nargs > 2) /* XPath 3.1 made the separator optional */
        XP_ERROR(XPATH_INVALID_ARITY);
    xmlChar *sep = pop_optional(ctxt, nargs, 1);
    strings seq;
    if (pop_sequence_strings(ctxt, &seq)) {
        mc_buf out = {0};
        for (int i = 0; i < seq.n; i++) {
            if (i)
                mc_buf_puts(&out, (const char *)sep);
            mc_buf_puts(&out, (const char *)seq.v[i]);
        }
        if (out.oom)
            xmlXPathErr(ctxt, XPATH_MEMORY_ERROR);
        else
            push_string(ctxt, out.len ? mc_buf_cstr(&out) : "", out.len);
        mc_buf_free(&out);
    }
    free_sequence_strings(&seq);
    xmlFree(sep);
}

void mc_xpfn_distinct_values(xmlXPathParserContextPtr ctxt, int nargs)
{
    CHECK_ARITY(1);
    strings seq;
    xmlNodePtr out = NULL;
    if (pop_sequence_strings(ctxt, &seq) && (out = new_sequence(ctxt)) != NULL) {
        bool ok = true;
        for (int i = 0; ok && i < seq.n; i++) {
            bool seen = false;
            for (int j = 0; !seen && j < i; j++)
                seen = xmlStrEqual(seq.v[i], seq.v[j]);
            if (!seen)
                ok = seq_add(out, (const char *)seq.v[i], (size_t)xmlStrlen(seq.v[i]));
        }
        if (ok)
            push_sequence(ctxt, out);
        else
            xmlXPathErr(ctxt, XPATH_MEMORY_ERROR);
    }
    free_sequence_strings(&seq);
}

/* fn:compare: -1, 0 or 1 by Unicode code point (UTF-8 byte order is code
 * point order); an empty-sequence argument gives the empty sequence. */
void mc_xpfn_compare(xmlXPathParserContextPtr ctxt, int nargs)
{
    CHECK_ARITY(2);
    bool empty = top_is_empty(ctxt);
    xmlChar *b = xmlXPathPopString(ctxt);
    empty = empty || top_is_empty(ctxt);
    xmlChar *a = xmlXPathPopString(ctxt);
    if (!ctxt->error) {
        if (empty) {
            push_empty(ctxt);
        } else {
            int c = strcmp((const char *)a, (const char *)b);
            valuePush(ctxt, xmlXPathNewFloat(c < 0 ? -1 : c > 0));
        }
    }
    xmlFree(a);
    xmlFree(b);
}

typedef enum { URI_ENCODE, URI_IRI, URI_HTML } uri_mode;

static bool uri_keeps(unsigned char c, uri_mode mode)
{
    if (mode == URI_HTML)
        return c >= 32 && c <= 126;
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
        strchr("-_.~", c))
        return c != 0;
    return mode == URI_IRI && c && strchr("!*'();/?:@&=+$,#[]%", c);
}

static void escape_uri(xmlXPathParserContextPtr ctxt, int nargs, uri_mode mode)
{
    CHECK_ARITY(1);
    xmlChar *s = xmlXPathPopString(ctxt);
    if (!s)
        return;
    mc_buf out = {0};
    for (const xmlChar *p = s; *p; p++) {
        if (uri_keeps(*p, mode)) {
            mc_buf_putc(&out, (char)*p);
        } else {
            char hex[4];
            snprintf(hex, sizeof hex, "%%%02X", *p);
            mc_buf_puts(&out, hex);
        }
    }
    if (out.oom)
        xmlXPathErr(ctxt, XPATH_MEMORY_ERROR);
    else
        push_string(ctxt, out.len ? mc_buf_cstr(&out) : "", out.len);
    mc_buf_free(&out);
    xmlFree(s);
}
void mc_xpfn_encode_for_uri(xmlXPathParserContextPtr c, int n) { escape_uri(c, n, URI_ENCODE); }
void mc_xpfn_iri_to_uri(xmlXPathParserContextPtr c, int n) { escape_uri(c, n, URI_IRI); }
void mc_xpfn_escape_html_uri(xmlXPathParserContextPtr c, int n) { escape_uri(c, n, URI_HTML); }

/* ---- sequences and numbers ---------------------------------------------- */

static void exists_or_empty(xmlXPathParserContextPtr ctxt, int nargs, bool exists)
{
    CHECK_ARITY(1);
    bool empty = top_is_empty(ctxt);
    xmlXPathFreeObject(valuePop(ctxt));
    valuePush(ctxt, xmlXPathNewBoolean(exists ? !empty : empty));
}
void mc_xpfn_exists(xmlXPathParserContextPtr c, int n) { exists_or_empty(c, n, true); }
void mc_xpfn_empty(xmlXPathParserContextPtr c, int n) { exists_or_empty(c, n, false); }

void mc_xpfn_abs(xmlXPathParserContextPtr ctxt, int nargs)
{
    CHECK_ARITY(1);
    if (top_is_empty(ctxt))
        return; /* abs(()) is () */
    double d = xmlXPathPopNumber(ctxt);
    if (!ctxt->error)
        valuePush(ctxt, xmlXPathNewFloat(fabs(d)));
}

typedef enum { AGG_MIN, AGG_MAX, AGG_AVG } aggregate;

/* min/max/avg over a sequence; untyped values (node text) are cast to
 * xs:double and one that is not a number is an error (FORG0001), as Saxon. */
static void run_aggregate(xmlXPathParserContextPtr ctxt, int nargs, aggregate op)
{
    CHECK_ARITY(1);
    strings seq;
    if (!pop_sequence_strings(ctxt, &seq))
        return;
    double acc = 0;
    bool bad = false, nan = false;
    for (int i = 0; i < seq.n && !bad; i++) {
        double d = xmlXPathCastStringToNumber(seq.v[i]);
        const char *t = (const char *)seq.v[i];
        while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r')
            t++;
        if (isnan(d) && strcmp(t, "NaN") != 0) {
            bad = true;
            break;
        }
        nan = nan || isnan(d);
        acc = i == 0 ? d : op == AGG_MIN ? fmin(acc, d) : op == AGG_MAX ? fmax(acc, d) : acc + d;
    }
    if (bad)
        xmlXPathErr(ctxt, XPATH_INVALID_OPERAND);
    else if (seq.n == 0)
        push_empty(ctxt);
    else
        valuePush(ctxt, xmlXPathNewFloat(nan ? NAN : op == AGG_AVG ? acc / seq.n : acc));
    free_sequence_strings(&seq);
}
void mc_xpfn_min(xmlXPathParserContextPtr c, int n) { run_aggregate(c, n, AGG_MIN); }
void mc_xpfn_max(xmlXPathParserContextPtr c, int n) { run_aggregate(c, n, AGG_MAX); }
void mc_xpfn_avg(xmlXPathParserContextPtr c, int n) { run_aggregate(c, n, AGG_AVG); }

/* fn:round-half-to-even(n[, precision]): banker's rounding at 10^-precision
 * of the number's shortest decimal text (Saxon rounds the decimal value, so
 * 2.5 -> 2, 3.5 -> 4, 2.675 at 2 -> 2.68 although the double is below it). */
static double round_half_even(double d, int p)
{
    char txt[40];
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(txt, sizeof txt, "%.*e", digits - 1, fabs(d));
        if (strtod(txt, NULL) == fabs(d))
            break;
    }
    char dig[24];
    int k = 0;
    const char *e = txt;
    for (; *e && *e != 'e'; e++)
        if (*e >= '0' && *e <= '9')
            dig[k++] = *e;
    int exp10 = atoi(e + 1) + 1;  /* value is 0.dig * 10^exp10 */
    int keep = exp10 + p;         /* digits kept */
    if (keep >= k)
        return d;
    if (keep < 0)
        return copysign(0.0, d);
    bool up = dig[keep] > '5' || (dig[keep] == '5' && keep < k - 1) ||
              (dig[keep] == '5' && keep == k - 1 && keep > 0 && (dig[keep - 1] - '0') % 2 == 1);
    char num[40];
    int n = snprintf(num, sizeof num, "0.");
    memcpy(num + n, dig, (size_t)keep);
    snprintf(num + n + keep, sizeof num - (size_t)(n + keep), "e%d", exp10);
    double r = keep ? strtod(num, NULL) : 0;
    if (up)
        r += pow(10, -p);
    /* re-read through text so the result is the nearest double to the
     * decimal result */
    snprintf(num, sizeof num, "%.*f", p > 0 ? (p > 17 ? 17 : p) : 0, r);
    r = strtod(num, NULL);
    return copysign(r, d);
}

void mc_xpfn_round_half_to_even(xmlXPathParserContextPtr ctxt, int nargs)
{
    if (nargs < 1 || nargs > 2)
        XP_ERROR(XPATH_INVALID_ARITY);
    double prec = nargs == 2 ? xmlXPathPopNumber(ctxt) : 0;
    if (top_is_empty(ctxt))
        return; /* () stays () */
    double d = xmlXPathPopNumber(ctxt);
    if (ctxt->error)
        return;
    if (isnan(d) || isinf(d) || d == 0 || isnan(prec)) {
        valuePush(ctxt, xmlXPathNewFloat(d));
        return;
    }
    int p = prec > 300 ? 300 : prec < -300 ? -300 : (int)prec;
    valuePush(ctxt, xmlXPathNewFloat(round_half_even(d, p)));
}

/* ---- dates -------------------------------------------------------------- */

typedef enum { NOW_DATETIME, NOW_DATE, NOW_TIME } now_part;

/* Saxon fixes the current dateTime for one evaluation: current-dateTime(),
 * current-date() and current-time() read twice within one expression give
 * the same instant.  The clock is read at the first such call of the
 * outermost evaluation on this thread and kept until it ends. */
static _Thread_local struct {
    int depth;
    bool taken;
    struct timespec at;
} eval_clock;

void mc_xpath_eval_begin(void)
{
    if (eval_clock.depth++ == 0)
        eval_clock.taken = false;
}

void mc_xpath_eval_end(void)
{
    if (eval_clock.depth > 0)
        eval_clock.depth--;
}

static struct timespec evaluation_instant(void)
{
    if (eval_clock.depth > 0 && eval_clock.taken)
        return eval_clock.at;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (eval_clock.depth > 0) {
        eval_clock.at = ts;
        eval_clock.taken = true;
    }
    return ts;
}

/* Saxon's lexical forms: fractional seconds only when not zero and without
 * trailing zeros, and the implicit (local) timezone as Z or +hh:mm. */
static void run_now(xmlXPathParserContextPtr ctxt, int nargs, now_part part)
{
    CHECK_ARITY(0);
    struct timespec ts = evaluation_instant();
    time_t secs = ts.tv_sec;
    struct tm tm;
    localtime_r(&secs, &tm);
    char out[64], frac[8] = "", tz[8] = "Z";
    int ms = (int)(ts.tv_nsec / 1000000);
    if (ms) {
        snprintf(frac, sizeof frac, ".%03d", ms);
        size_t k = strlen(frac);
        while (frac[k - 1] == '0')
            frac[--k] = '\0';
    }
    long off = tm.tm_gmtoff / 60;
    if (off)
        snprintf(tz, sizeof tz, "%c%02ld:%02ld", off < 0 ? '-' : '+', labs(off) / 60,
                 labs(off) % 60);
    char date[16], time_[16];
    snprintf(date, sizeof date, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    snprintf(time_, sizeof time_, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (part == NOW_DATETIME)
        snprintf(out, sizeof out, "%sT%s%s%s", date, time_, frac, tz);
    else if (part == NOW_DATE)
        snprintf(out, sizeof out, "%s%s", date, tz);
    else
        snprintf(out, sizeof out, "%s%s%s", time_, frac, tz);
    push_string(ctxt, out, strlen(out));
}
void mc_xpfn_current_datetime(xmlXPathParserContextPtr c, int n) { run_now(c, n, NOW_DATETIME); }
void mc_xpfn_current_date(xmlXPathParserContextPtr c, int n) { run_now(c, n, NOW_DATE); }
void mc_xpfn_current_time(xmlXPathParserContextPtr c, int n) { run_now(c, n, NOW_TIME); }

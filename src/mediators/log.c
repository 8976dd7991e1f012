/* log.c - <log>: levels simple, headers, full, custom; categories; child
 * <property> elements; MI 4.4's <message> template (first in the line;
 * with no level it is the whole line, as MI's MESSAGE_TEMPLATE level),
 * logFullPayload and logMessageID.  Every line is redacted: registered secrets, values
 * of secret-named properties and JSON members, and the Authorization
 * header never reach the log. */
#include <string.h>
#include <strings.h>

#include "mediators/mediators.h"

typedef struct log_prop {
    const char *name;
    const char *value;
    mc_expr *expr;
} log_prop;

typedef enum { LV_SIMPLE, LV_HEADERS, LV_FULL, LV_CUSTOM } log_level;

typedef struct log_m {
    mc_mediator base;
    log_level level;
    int category;          /* MC_LOG_* */
    const char *separator;
    log_prop *props;
    size_t nprops;
    mc_template *message;  /* MI 4.4 <message> template */
    bool message_id;       /* logMessageID: custom lines start with it */
} log_m;

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"level", "category", "separator",
                                        "logMessageID", "logFullPayload", NULL};
    mc_check_attrs(cc, node, attrs);
    log_m *l = mc_new_mediator(cc, node, &mc_med_log, sizeof *l);
    if (!l)
        return NULL;
    const char *level = mc_attr(cc, node, "level");
    static const char *const levels[] = {"simple", "headers", "full", "custom"};
    l->level = LV_SIMPLE;
    if (level) {
        int found = -1;
        for (int i = 0; i < 4; i++)
            if (strcmp(level, levels[i]) == 0)
                found = i;
        if (found < 0) {
            mc_diag(cc, node, "level", MC_DIAG_ERROR,
                    "unknown log level '%s' (simple, headers, full, custom)", level);
            return NULL;
        }
        l->level = (log_level)found;
    }
    /* MI's LogMediatorFactory: logFullPayload="true" wins over level */
    const char *full = mc_attr(cc, node, "logFullPayload");
    if (full && strcasecmp(full, "true") == 0)
        l->level = LV_FULL;
    const char *mid = mc_attr(cc, node, "logMessageID");
    l->message_id = mid && strcasecmp(mid, "true") == 0;
    const char *cat = mc_attr(cc, node, "category");
    l->category = MC_LOG_INFO;
    if (cat) {
        if (strcasecmp(cat, "INFO") == 0) l->category = MC_LOG_INFO;
        else if (strcasecmp(cat, "DEBUG") == 0 || strcasecmp(cat, "TRACE") == 0) l->category = MC_LOG_DEBUG;
        else if (strcasecmp(cat, "WARN") == 0) l->category = MC_LOG_WARN;
        else if (strcasecmp(cat, "ERROR") == 0 || strcasecmp(cat, "FATAL") == 0) l->category = MC_LOG_ERROR;
        else {
            mc_diag(cc, node, "category", MC_DIAG_ERROR,
                    "unknown log category '%s' (TRACE, DEBUG, INFO, WARN, ERROR, FATAL)", cat);
            return NULL;
        }
    }
    const char *sep = mc_attr(cc, node, "separator");
    l->separator = sep ? sep : ", ";
    size_t n = 0;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c))
        n++;
    l->props = n ? mc_alloc(cc, n * sizeof *l->props) : NULL;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        const char *cn = (const char *)c->name;
        if (strcmp(cn, "message") == 0) {
            /* MI 4.4 LogMediator: \n and \t in the text are a newline and a
             * tab, and only ${...} parts are expressions */
            const char *raw = mc_text(cc, c);
            char *text = mc_alloc(cc, strlen(raw) + 1);
            if (!text)
                return NULL;
            size_t k = 0;
            for (const char *q = raw; *q; q++) {
                if (q[0] == '\\' && (q[1] == 'n' || q[1] == 't')) {
                    text[k++] = q[1] == 'n' ? '\n' : '\t';
                    q++;
                } else {
                    text[k++] = *q;
                }
            }
            text[k] = '\0';
            l->message = mc_compile_inline_template(cc, c, NULL, text);
            if (!l->message)
                return NULL;
            continue;
        }
        if (strcmp(cn, "property") != 0) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR, "unexpected <%s> in <log>", cn);
            return NULL;
        }
        static const char *const pattrs[] = {"name", "value", "expression", NULL};
        mc_check_attrs(cc, c, pattrs);
        log_prop *p = &l->props[l->nprops++];
        p->name = mc_attr(cc, c, "name");
        p->value = mc_attr(cc, c, "value");
        const char *expr = mc_attr(cc, c, "expression");
        if (!p->name) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR, "<property> in <log> needs a 'name'");
            return NULL;
        }
        if (expr && !(p->expr = mc_compile_expr(cc, c, "expression", expr)))
            return NULL;
        if (!expr && !p->value) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR,
                    "<property name=\"%s\"> in <log> needs 'value' or 'expression'", p->name);
            return NULL;
        }
    }
    /* no level, a <message>: MI's MESSAGE_TEMPLATE level, printed as custom */
    if (!level && !(full && strcasecmp(full, "true") == 0) && l->message)
        l->level = LV_CUSTOM;
    return &l->base;
}

static void add_pair(mc_buf *b, bool *first, const char *sep, const char *name,
                     const char *value, bool secret)
{
    if (!*first)
        mc_buf_puts(b, sep);
    *first = false;
    mc_buf_printf(b, "%s = %s", name, secret ? "****" : value);
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const log_m *l = (const log_m *)self;
    if (!mc_log_enabled(m->log, l->category))
        return MC_FLOW_NEXT;
    mc_buf b = MC_BUF_INIT;
    bool first = true;
    if (l->level == LV_CUSTOM && l->message_id) {
        mc_buf_printf(&b, "MessageID: %s", m->message_id);
        first = false;
    }
    /* the message comes first at every level (MI's processMessageTemplate) */
    if (l->message) {
        const char *v;
        size_t n;
        mc_err err;
        mc_err_clear(&err);
        if (mc_template_eval(l->message, m, &v, &n, &err) == MC_OK && n) {
            if (!first)
                mc_buf_puts(&b, l->separator);
            first = false;
            mc_buf_append(&b, v, n);
        }
    }
    if (l->level != LV_CUSTOM) {
        const char *to = mc_msg_prop(m, MC_SCOPE_DEFAULT, "To");
        if (!first)
            mc_buf_puts(&b, l->separator);
        mc_buf_printf(&b, "To: %s%sMessageID: %s%sDirection: %s", to ? to : "",
                      l->separator, m->message_id, l->separator,
                      m->in_out_sequence ? "response" : "request");
        first = false;
    }
    if (l->level == LV_HEADERS || l->level == LV_FULL) {
        for (const mc_prop *p = m->props[MC_SCOPE_TRANSPORT]; p; p = p->next)
            add_pair(&b, &first, l->separator, p->name, p->value,
                     mc_is_secret_name(p->name));
    }
    for (size_t i = 0; i < l->nprops; i++) {
        const log_prop *p = &l->props[i];
        const char *v = p->value;
        size_t n;
        mc_err err;
        mc_err_clear(&err);
        if (p->expr && mc_expr_property_absent(p->expr, m))
            v = "null";                   /* MI: StringBuilder.append(null) */
        else if (p->expr && mc_expr_string(p->expr, m, &v, &n, &err) != MC_OK)
            v = "";
        add_pair(&b, &first, l->separator, p->name, v, mc_is_secret_name(p->name));
    }
    if (l->level == LV_FULL) {
        size_t n;
        const char *pl = mc_msg_payload_bytes(m, &n);
        mc_buf_puts(&b, l->separator);
        mc_buf_puts(&b, "Payload: ");
        mc_buf_append(&b, pl, n);
    }
    const char *secrets[64];
    size_t ns = mc_msg_collect_secrets(m, secrets, 64);
    if (!b.oom)
        mc_log_line_id(m->log, l->category, mc_msg_activity_id(m), mc_buf_cstr(&b), b.len,
                       secrets, ns);
    mc_buf_free(&b);
    return MC_FLOW_NEXT;
}

const mc_mediator_type mc_med_log = {"log", compile, exec, NULL, false};

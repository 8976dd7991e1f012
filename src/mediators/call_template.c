/* call_template.c - <call-template target="T" onError="S"> with
 * <with-param name value/>: run the sequence template T with its
 * parameters bound, readable inside it as $func:name,
 * get-property('func', 'name') or ${params.functionParams.name}.
 *
 * As Synapse's InvokeMediator and TemplateContext do: a value "{expr}" is
 * evaluated in the caller's context when the template is entered, any
 * other value is literal ("{{x}}" is the literal "{x}"); a parameter not
 * given takes its defaultValue; the template sees only its own parameters
 * (the caller's come back when it ends).  A with-param the template does
 * not declare, or a mandatory parameter not given, is a load error. */
#include <stdlib.h>
#include <string.h>

#include "config/internal.h"
#include "mediators/mediators.h"

typedef struct with_param {
    const char *name;
    const char *literal;       /* or NULL when value is an expression */
    mc_template *value;
    int line, col;
} with_param;

typedef struct call_template_m {
    mc_mediator base;
    const char *target;
    const mc_seq_template *tpl;     /* resolved at link */
    const mc_seq *on_error;
    with_param *params;
    size_t nparams;
} call_template_m;

/* Synapse's ValueFactory: "{...}" is dynamic unless it is "{{...}}". */
static bool is_expression(const char *v, size_t n)
{
    return n >= 2 && v[0] == '{' && v[n - 1] == '}' &&
           !(n > 3 && v[1] == '{' && v[n - 2] == '}');
}

static bool is_escaped(const char *v, size_t n)
{
    return n > 3 && v[0] == '{' && v[1] == '{' && v[n - 1] == '}' && v[n - 2] == '}';
}

static void *same(void *ud) { return ud; }
static void keep(void *p) { (void)p; }     /* the expression is the config's */

/* Synapse passes "{{expr}}" as the expression itself (TemplateContext: a
 * Value with an expression-type key), which mediators that take an
 * expression from $func:NAME evaluate in their own context (MI's
 * aggregate_func templates: <onComplete expression="$func:aggr_expr">).
 * mediac's parameter holds the text "{expr}"; the expression, compiled here
 * with the namespaces in scope on <with-param>, is kept in the configuration
 * under that text for them (mc_template_passed_expr).  Text that is no
 * expression stays text only. */
static void note_passed_expression(mc_compiler *cc, xmlNodePtr c, const char *literal)
{
    size_t n = strlen(literal);
    if (n < 3)
        return;
    char *src = mc_arena_strndup(&cc->cfg->arena, literal + 1, n - 2);
    mc_expr *e = src ? mc_compile_expr_quiet(cc, c, src) : NULL;
    char *name = e ? mc_arena_printf(&cc->cfg->arena, "call-template.expr:%s", literal) : NULL;
    if (name)
        mc_config_state(cc->cfg, name, same, e, keep);
}

const mc_expr *mc_template_passed_expr(const mc_expr *param, mc_message *m)
{
    const char *text = "";
    size_t len;
    mc_err err;
    mc_err_clear(&err);
    char name[1024];
    if (!m->cfg || mc_expr_string(param, m, &text, &len, &err) != MC_OK ||
        (size_t)snprintf(name, sizeof name, "call-template.expr:%s", text) >= sizeof name)
        return NULL;
    const mc_expr *e = mc_config_find_state(m->cfg, name);
    mc_expr_kind k = e ? mc_expr_kind_of(e) : MC_EXPR_PROPERTY;
    return k == MC_EXPR_XPATH || k == MC_EXPR_JSONPATH ? e : NULL;
}

/* At link: the template is known; check the parameters against it. */
static void check_params(mc_config *cfg, const void *item, void *ud, const char *file,
                         int line, int col)
{
    const mc_seq_template *t = item;
    const call_template_m *ct = ud;
    for (size_t i = 0; i < ct->nparams; i++) {
        const with_param *w = &ct->params[i];
        bool known = false;
        const char *names[64];
        size_t nn = 0;
        for (size_t k = 0; k < t->nparams; k++) {
            known = known || strcmp(t->params[k].name, w->name) == 0;
            if (nn < 64)
                names[nn++] = t->params[k].name;
        }
        if (known)
            continue;
        const char *near = mc_closest(w->name, names, nn);
        mc_diag_at(cfg, file, w->line, w->col, MC_DIAG_ERROR,
                   "template '%s' has no parameter '%s'%s%s%s", t->name, w->name,
                   near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
    }
    for (size_t k = 0; k < t->nparams; k++) {
        if (!t->params[k].mandatory)
            continue;
        bool given = false;
        for (size_t i = 0; i < ct->nparams && !given; i++)
            given = strcmp(ct->params[i].name, t->params[k].name) == 0;
        if (!given)
            mc_diag_at(cfg, file, line, col, MC_DIAG_ERROR,
                       "call-template: mandatory parameter '%s' of template '%s' is not given",
                       t->params[k].name, t->name);
    }
}

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"target", "onError", NULL};
    mc_check_attrs(cc, node, attrs);
    call_template_m *ct = mc_new_mediator(cc, node, &mc_med_call_template, sizeof *ct);
    if (!ct)
        return NULL;
    ct->target = mc_attr(cc, node, "target");
    if (!ct->target || !*ct->target) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "<call-template> needs a 'target' naming the sequence template");
        return NULL;
    }
    size_t n = 0;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c))
        n += strcmp((const char *)c->name, "with-param") == 0;
    ct->params = n ? mc_alloc(cc, n * sizeof *ct->params) : NULL;
    bool ok = true;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        const char *cn = (const char *)c->name;
        if (strcmp(cn, "with-param") != 0) {
            if (strcmp(cn, "description") != 0)
                mc_diag(cc, c, NULL, MC_DIAG_WARNING,
                        "unknown element <%s> in <call-template> (only <with-param>)", cn);
            continue;
        }
        static const char *const pattrs[] = {"name", "value", NULL};
        mc_check_attrs(cc, c, pattrs);
        const char *name = mc_attr(cc, c, "name");
        const char *value = mc_attr(cc, c, "value");
        if (!name || !*name || !value) {
            mc_diag(cc, c, NULL, MC_DIAG_ERROR, "<with-param> needs 'name' and 'value'");
            ok = false;
            continue;
        }
        for (size_t i = 0; i < ct->nparams; i++)
            if (strcmp(ct->params[i].name, name) == 0) {
                mc_diag(cc, c, "name", MC_DIAG_ERROR, "parameter '%s' given twice", name);
                ok = false;
            }
        with_param *w = &ct->params[ct->nparams++];
        w->name = name;
        mc_node_pos(cc, c, &w->line, &w->col);
        size_t vl = strlen(value);
        if (is_expression(value, vl)) {
            if (!(w->value = mc_compile_template(cc, c, "value", value)))
                ok = false;
        } else if (is_escaped(value, vl)) {
            w->literal = mc_strdup_trimmed(cc, value);
            char *lit = (char *)w->literal;
            size_t ll = strlen(lit);
            memmove(lit, lit + 1, ll - 2);
            lit[ll - 2] = '\0';
            note_passed_expression(cc, c, w->literal);
        } else {
            w->literal = value;
        }
    }
    if (!ok)
        return NULL;
    mc_ref_template(cc, node, "target", ct->target, &ct->tpl, check_params, ct);
    const char *on_error = mc_attr(cc, node, "onError");
    if (on_error && *on_error)
        mc_ref_sequence_msg(cc, node, "onError", on_error, &ct->on_error, NULL);
    return &ct->base;
}

static const with_param *given(const call_template_m *ct, const char *name)
{
    for (size_t i = 0; i < ct->nparams; i++)
        if (strcmp(ct->params[i].name, name) == 0)
            return &ct->params[i];
    return NULL;
}

static const mc_seq empty_seq;

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const call_template_m *ct = (const call_template_m *)self;
    const mc_seq_template *t = ct->tpl;
    if (!t)
        return mc_fault(m, "0", "Sequence template %s cannot be found", ct->target);
    /* evaluate every value in the caller's context first */
    const char **vals = t->nparams ? mc_arena_calloc(&m->arena, t->nparams * sizeof *vals) : NULL;
    size_t *lens = t->nparams ? mc_arena_calloc(&m->arena, t->nparams * sizeof *lens) : NULL;
    if (t->nparams && (!vals || !lens))
        return mc_fault(m, "0", "out of memory");
    for (size_t k = 0; k < t->nparams; k++) {
        const mc_template_param *p = &t->params[k];
        const with_param *w = given(ct, p->name);
        if (w && w->value) {
            mc_err err;
            mc_err_clear(&err);
            if (mc_template_eval(w->value, m, &vals[k], &lens[k], &err) != MC_OK)
                return mc_fault(m, "0", "call-template %s: parameter %s: %s", t->name,
                                p->name, err.msg);
        } else if (w) {
            vals[k] = w->literal;
            lens[k] = strlen(w->literal);
        } else if (p->mandatory) {
            return mc_fault(m, "500101",
                            "Neither a value nor default value is provided for mandatory "
                            "parameter: %s in seq-template %s", p->name, t->name);
        } else if (p->default_value) {
            vals[k] = p->default_value;
            lens[k] = strlen(p->default_value);
        }
    }
    /* an empty frame carries the call-template's onError outside the
     * template's own */
    if (ct->on_error && t->on_error &&
        mc_msg_push_frame(m, &empty_seq, ct->on_error, 0) != MC_OK)
        return mc_fault(m, "0", "sequences nested too deeply (more than 256)");
    mc_prop *saved = m->props[MC_SCOPE_FUNC];
    if (mc_msg_push_frame(m, t->body, t->on_error ? t->on_error : ct->on_error,
                          MC_FRAME_FUNC_SCOPE) != MC_OK)
        return mc_fault(m, "0", "sequences nested too deeply (more than 256)");
    m->frames[m->nframes - 1].saved_func = saved;
    m->props[MC_SCOPE_FUNC] = NULL;
    for (size_t k = 0; k < t->nparams; k++)
        if (vals[k] && mc_msg_set_prop(m, MC_SCOPE_FUNC, t->params[k].name, vals[k], lens[k],
                                       MC_VT_STRING) != MC_OK)
            return mc_fault(m, "0", "out of memory");
    return MC_FLOW_NEXT;
}

const mc_mediator_type mc_med_call_template = {"call-template", compile, exec, NULL, false};

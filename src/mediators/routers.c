/* routers.c - <conditionalRouter> and <router>.
 *
 * <conditionalRouter continueAfter>, Synapse's
 * ConditionalRouterMediator: each <conditionalRoute breakRoute> in order
 * tests its <condition> (the commons evaluators of conditions.h over the
 * To address, its query parameters, the transport headers and the
 * properties) and, when it holds, runs its <target> (a sequence by key or
 * inline, or an endpoint the message is sent to) on the message; a route
 * with breakRoute (the default) that ran ends the routing.  Conditions are
 * tested one after another, each after the targets before it ran, as
 * Synapse does.  Then the flow goes on only with continueAfter="true"
 * (default false: the mediator returns false and the flow ends there).
 *
 * <router continueAfter> with <route expression match breakRouter>, the
 * router mediator of WSO2 ESB 4.x (org.apache.synapse.mediators.filters.
 * router.RouterMediator; MI no longer ships it): the same machine, each
 * route's condition an XPath (or json-eval) expression - its string value
 * matching the Java regex `match` when there is one, else its boolean
 * value - and breakRouter (default true) in place of breakRoute.
 *
 * The routes run as a sequence of internal step mediators pushed as one
 * frame: step i tests route i and pushes its target; a route that breaks
 * moves the frame to the last step, which ends or continues the flow. */
#include <string.h>

#include "mediators/conditions.h"
#include "mediators/split.h"

typedef struct route {
    mc_cond *cond;                /* conditionalRoute */
    mc_expr *expr;                /* route: expression, and match when set */
    mc_regex *match;
    const mc_seq *target;
    bool break_route;
} route;

typedef struct crouter_m {
    mc_mediator base;
    route *routes;
    uint32_t n;
    bool continue_after;
    const mc_seq *steps;          /* n route steps and the end step */
} crouter_m;

typedef struct step_m {
    mc_mediator base;
    const crouter_m *router;
    uint32_t i;                   /* route index; n: the end step */
} step_m;

static mc_flow step_exec(const mc_mediator *self, mc_message *m);
static const mc_mediator_type step_type = {"conditionalRoute", NULL, step_exec, NULL, false};

/* JavaUtils.isTrueExplicitly / isFalseExplicitly, as the factory reads the
 * flags: "true"/"yes"/"1" and "false"/"no"/"0"; anything else refused. */
static bool explicit_flag(mc_compiler *cc, xmlNodePtr node, const char *attr, const char *what,
                          bool *out)
{
    const char *raw = mc_attr(cc, node, attr);
    if (!raw)
        return true;
    const char *v = mc_strdup_trimmed(cc, raw);
    if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"))
        *out = true;
    else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))
        *out = false;
    else {
        mc_diag(cc, node, attr, MC_DIAG_ERROR, "%s attribute value of the %s must be either "
                "'true' or 'false', the value found is : %s", attr, what, v);
        return false;
    }
    return true;
}

static bool compile_route(mc_compiler *cc, xmlNodePtr re, route *r)
{
    static const char *const attrs[] = {"breakRoute", "asynchronous", NULL};
    mc_check_attrs(cc, re, attrs);
    r->break_route = true;
    bool async = false;
    if (!explicit_flag(cc, re, "breakRoute", "conditionalRoute element", &r->break_route) ||
        !explicit_flag(cc, re, "asynchronous", "conditionalRoute element", &async))
        return false;
    if (async) {
        mc_diag(cc, re, "asynchronous", MC_DIAG_ERROR, "asynchronous=\"true\" routes are not "
                "supported: Synapse would run the target on another thread with the same "
                "message while the flow goes on; use <clone> for a copy that runs beside it");
        return false;
    }
    xmlNodePtr cond = NULL, target = NULL;
    for (xmlNodePtr c = mc_first_elem(re); c; c = mc_next_elem(c)) {
        if (!cond && strcmp((const char *)c->name, "condition") == 0)
            cond = c;
        else if (!target && strcmp((const char *)c->name, "target") == 0)
            target = c;
    }
    if (!cond) {
        mc_diag(cc, re, NULL, MC_DIAG_ERROR, "Couldn't find the condition of the conditional "
                "router (<condition> in <conditionalRoute>)");
        return false;
    }
    xmlNodePtr ev = mc_first_elem(cond);
    if (!ev) {
        mc_diag(cc, cond, NULL, MC_DIAG_ERROR, "Couldn't build the condition of the conditional "
                "router: <condition> needs an <and>, <or>, <not>, <equal> or <match>");
        return false;
    }
    if (!(r->cond = mc_cond_compile(cc, ev)))
        return false;
    if (!target) {
        mc_diag(cc, re, NULL, MC_DIAG_ERROR, "<conditionalRoute> needs a <target>");
        return false;
    }
    return mc_split_target(cc, target, &r->target);
}

/* <router> <route expression match breakRouter><target/></route> */
static bool compile_xpath_route(mc_compiler *cc, xmlNodePtr re, route *r)
{
    static const char *const attrs[] = {"expression", "match", "breakRouter", NULL};
    mc_check_attrs(cc, re, attrs);
    r->break_route = true;
    if (!explicit_flag(cc, re, "breakRouter", "route element", &r->break_route))
        return false;
    const char *expr = mc_attr(cc, re, "expression"), *match = mc_attr(cc, re, "match");
    if (!expr) {
        mc_diag(cc, re, NULL, MC_DIAG_ERROR, "<route> needs an 'expression' (XPath)");
        return false;
    }
    if (!(r->expr = mc_compile_expr(cc, re, "expression", expr)) ||
        (match && !(r->match = mc_compile_regex(cc, re, "match", match))))
        return false;
    xmlNodePtr target = NULL;
    for (xmlNodePtr c = mc_first_elem(re); c && !target; c = mc_next_elem(c))
        if (strcmp((const char *)c->name, "target") == 0)
            target = c;
    if (!target) {
        mc_diag(cc, re, NULL, MC_DIAG_ERROR, "<route> needs a <target>");
        return false;
    }
    return mc_split_target(cc, target, &r->target);
}

static mc_mediator *compile_any(mc_compiler *cc, xmlNodePtr node, const mc_mediator_type *type,
                                const char *route_name,
                                bool (*compile_one)(mc_compiler *, xmlNodePtr, route *))
{
    static const char *const attrs[] = {"continueAfter", NULL};
    mc_check_attrs(cc, node, attrs);
    crouter_m *cr = mc_new_mediator(cc, node, type, sizeof *cr);
    if (!cr || !explicit_flag(cc, node, "continueAfter", type->name, &cr->continue_after))
        return NULL;
    uint32_t n = 0;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        if (strcmp((const char *)c->name, route_name) == 0)
            n++;
        else if (strcmp((const char *)c->name, "description") != 0)
            mc_diag(cc, c, NULL, MC_DIAG_WARNING, "<%s> in <%s> is ignored (Synapse reads "
                    "only <%s>)", (const char *)c->name, type->name, route_name);
    }
    cr->routes = mc_alloc(cc, (n ? n : 1) * sizeof *cr->routes);
    mc_seq *steps = mc_alloc(cc, sizeof *steps);
    if (!cr->routes || !steps || !(steps->items = mc_alloc(cc, (n + 1) * sizeof *steps->items)))
        return NULL;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        if (strcmp((const char *)c->name, route_name) != 0)
            continue;
        if (!compile_one(cc, c, &cr->routes[cr->n]))
            return NULL;
        cr->n++;
    }
    for (uint32_t i = 0; i <= cr->n; i++) {
        step_m *s = mc_new_mediator(cc, node, &step_type, sizeof *s);
        if (!s)
            return NULL;
        s->router = cr;
        s->i = i;
        steps->items[steps->n++] = &s->base;
    }
    cr->steps = steps;
    return &cr->base;
}

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    return compile_any(cc, node, &mc_med_conditional_router, "conditionalRoute", compile_route);
}

static mc_mediator *compile_router(mc_compiler *cc, xmlNodePtr node)
{
    return compile_any(cc, node, &mc_med_router, "route", compile_xpath_route);
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const crouter_m *cr = (const crouter_m *)self;
    if (mc_msg_push_frame(m, cr->steps, NULL, 0) != MC_OK)
        return mc_fault(m, "0", "sequences nested more than 256 deep");
    return MC_FLOW_NEXT;
}

static mc_flow step_exec(const mc_mediator *self, mc_message *m)
{
    const step_m *s = (const step_m *)self;
    const crouter_m *cr = s->router;
    if (s->i == cr->n)                    /* the end: Synapse returns continueAfter */
        return cr->continue_after ? MC_FLOW_NEXT : MC_FLOW_STOP;
    const route *r = &cr->routes[s->i];
    bool holds;
    if (r->cond) {
        /* EvaluatorContext: the url is the To address */
        const char *to = mc_msg_prop(m, MC_SCOPE_DEFAULT, "To");
        mc_uri_frags fr;
        mc_uri_frags_set(m, &fr, to ? to : mc_msg_prop(m, MC_SCOPE_AXIS2, "TransportInURL"));
        holds = mc_cond_holds(m, r->cond, &fr);
    } else {
        mc_err err;
        mc_err_clear(&err);
        const char *v;
        size_t n;
        mc_code rc = r->match ? mc_expr_string(r->expr, m, &v, &n, &err)
                              : mc_expr_bool(r->expr, m, &holds, &err);
        if (rc != MC_OK)
            return mc_fault(m, "0", "router: route %u: %s", s->i + 1, err.msg);
        if (r->match)
            holds = mc_regex_matches(r->match, v, n);
    }
    if (!holds)
        return MC_FLOW_NEXT;
    mc_msg_log(m, MC_LOG_DEBUG, "%s: route %u holds", cr->base.type->name, s->i + 1);
    if (r->break_route)                   /* after this target, only the end step */
        m->frames[m->nframes - 1].pc = cr->steps->n - 1;
    if (r->target && r->target->n && mc_msg_push_frame(m, r->target, NULL, 0) != MC_OK)
        return mc_fault(m, "0", "sequences nested more than 256 deep");
    return MC_FLOW_NEXT;
}

const mc_mediator_type mc_med_conditional_router = {"conditionalRouter", compile, exec, NULL,
                                                    false};
const mc_mediator_type mc_med_router = {"router", compile_router, exec, NULL, false};

/* connector.c - the connector set as the API layer sees it: loading from
 * the search path, element lookup for the registry, suggestions for typos,
 * and the human description behind `mediac describe`. */
#include "connector/connector.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/internal.h"
#include "util/datadir.h"

mc_connectors *mc_connectors_load(mc_err *err)
{
    char dir[4096];
    mc_data_dir("MEDIAC_CONNECTOR_PATH", "connector", dir, sizeof dir);
    return mc_connectors_load_from(dir, err);
}

void mc_connectors_free(mc_connectors *cs)
{
    if (!cs)
        return;
    mc_arena_free(&cs->arena);
    free(cs);
}

const mc_mediator_type *mc_connectors_lookup(const mc_connectors *cs, const char *element)
{
    const char *dot = element ? strrchr(element, '.') : NULL;
    const mc_connector *c = dot ? mc_connector_find(cs, element, (size_t)(dot - element)) : NULL;
    if (!c)
        return NULL;
    if (strcmp(dot + 1, "init") == 0)
        return &mc_med_connector_init;
    return mc_connector_op(c, dot + 1) ? &mc_med_connector_op : NULL;
}

const char *mc_connectors_suggest(const mc_connectors *cs, const char *element)
{
    const char *best = NULL;
    size_t bd = (size_t)-1;
    for (size_t i = 0; cs && i < cs->n; i++) {
        const mc_connector *c = &cs->items[i];
        for (size_t j = 0; j <= c->nops; j++) {
            const char *cand = j < c->nops ? c->ops[j].element : c->init_element;
            size_t d = mc_edit_distance(element, cand);
            if (strcasecmp(element, cand) == 0)
                d = 1;
            if (d < bd) {
                bd = d;
                best = cand;
            }
        }
    }
    return best && bd > 0 && bd <= strlen(element) / 3 + 1 ? best : NULL;
}

/* ---- describe ----------------------------------------------------------- */

static void describe_param(mc_buf *out, const mc_cparam *p)
{
    mc_buf_printf(out, "  %s\n    %s", p->name, p->required ? "required" : "optional");
    if (p->def && *p->def)
        mc_buf_printf(out, ", default %s", p->def);
    if (p->in != MC_CP_NONE) {
        mc_buf_printf(out, "; %s", mc_cp_in_name(p->in));
        if (p->type != MC_CPT_RAW && p->in != MC_CP_PATH)
            mc_buf_printf(out, " %s", p->as);
    }
    mc_buf_printf(out, "; %s", mc_cp_type_name(p->type));
    if (p->secret)
        mc_buf_puts(out, "; secret");
    if (p->connection_only)
        mc_buf_puts(out, "; v2 connections");
    if (p->deprecated)
        mc_buf_puts(out, "; deprecated");
    for (size_t i = 0; i < p->naliases; i++)
        mc_buf_printf(out, "%s%s", i ? ", " : "; also ", p->aliases[i]);
    mc_buf_printf(out, "\n    %s\n", p->description);
}

static void describe_params(mc_buf *out, const char *title, const mc_cparam *ps, size_t n)
{
    if (!n)
        return;
    mc_buf_printf(out, "\n%s:\n", title);
    for (size_t i = 0; i < n; i++)
        describe_param(out, &ps[i]);
}

static void describe_connector(mc_buf *out, const mc_connector *c)
{
    mc_buf_printf(out, "%s - %s\n", c->name, c->description);
    mc_buf_printf(out, "service %s, signing name %s, API version %s, endpoint %s\n", c->service,
                  c->signing_name, c->api_version ? c->api_version : "-",
                  c->endpoint ? c->endpoint : "(AWS default)");
    describe_params(out, "connection parameters (<init> or a local entry connection)",
                    c->init, c->ninit);
    describe_params(out, "parameters of every operation", c->common, c->ncommon);
    mc_buf_printf(out, "\noperations (%zu):\n", c->nops);
    size_t w = 0;
    for (size_t i = 0; i < c->nops; i++)
        if (strlen(c->ops[i].name) > w)
            w = strlen(c->ops[i].name);
    for (size_t i = 0; i < c->nops; i++)
        mc_buf_printf(out, "  %-*s  %s\n", (int)w, c->ops[i].name, c->ops[i].description);
}

static void describe_op(mc_buf *out, const mc_coperation *op)
{
    mc_buf_printf(out, "%s - %s\n%s %s -> success", op->element, op->description, op->method,
                  op->path);
    for (size_t i = 0; i < op->nsuccess; i++)
        mc_buf_printf(out, " %d", op->success[i]);
    mc_buf_putc(out, '\n');
    describe_params(out, "parameters", op->params, op->nparams);
    describe_params(out, "common parameters", op->common, op->ncommon);
    if (op->nresults)
        mc_buf_puts(out, "\nresponse headers copied to properties:\n");
    for (size_t i = 0; i < op->nresults; i++) {
        const mc_cresult *r = &op->results[i];
        mc_buf_printf(out, "  %s -> %s%s\n    %s\n", r->header, r->property,
                      r->base64 ? " (base64-decoded)" : "", r->description);
    }
}

mc_code mc_connectors_describe(const mc_connectors *cs, const char *what, mc_buf *out)
{
    if (!cs)
        return MC_ENOTFOUND;
    if (!what || !*what) {
        for (size_t i = 0; i < cs->n; i++)
            mc_buf_printf(out, "%s - %s (%zu operations)\n", cs->items[i].name,
                          cs->items[i].description, cs->items[i].nops);
        return out->oom ? MC_ENOMEM : MC_OK;
    }
    const char *dot = strchr(what, '.');
    const mc_connector *c = mc_connector_find(cs, what, dot ? (size_t)(dot - what) : strlen(what));
    if (!c)
        return MC_ENOTFOUND;
    if (!dot) {
        describe_connector(out, c);
    } else if (strcmp(dot + 1, "init") == 0) {
        mc_buf_printf(out, "%s - the connection of %s\n", c->init_element, c->name);
        describe_params(out, "parameters", c->init, c->ninit);
    } else {
        const mc_coperation *op = mc_connector_op(c, dot + 1);
        if (!op)
            return MC_ENOTFOUND;
        describe_op(out, op);
    }
    return out->oom ? MC_ENOMEM : MC_OK;
}

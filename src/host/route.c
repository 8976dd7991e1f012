/* route.c - Synapse routing: /services/NAME to proxies, otherwise the API
 * with the longest context, then its first resource whose uri-template or
 * url-mapping matches and whose methods allow the request (405 with Allow
 * when only the method is wrong); what matches none of them goes to the
 * main sequence when the configuration has one. */
#include <stdio.h>
#include <string.h>

#include "host/internal.h"

static bool method_allowed(const char *methods, const char *method)
{
    if (!methods || !*methods)
        return true;
    size_t n = strlen(method);
    for (const char *p = methods; (p = strstr(p, method)); p += n)
        if ((p == methods || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
    return false;
}

static void add_allow(char *allow, size_t cap, const char *methods)
{
    char copy[64];
    snprintf(copy, sizeof copy, "%s", methods ? methods : "");
    char *save = NULL;
    for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        if (*allow && method_allowed(allow, t))
            continue;
        size_t len = strlen(allow);
        snprintf(allow + len, cap - len, "%s%s", len ? " " : "", t);
    }
}

static bool resource_matches(const mc_resource *res, const char *sub, const char *query,
                             mc_message *m)
{
    if (res->tpl)
        return mc_uri_template_match(res->tpl, sub, query, m);
    if (res->url_mapping)
        return mc_url_mapping_match(res->url_mapping, sub);
    return true;
}

static const mc_api *api_for(const mc_config *cfg, const char *path, size_t *ctx_len)
{
    const mc_api *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < cfg->apis.n; i++) {
        const mc_api *a = cfg->apis.items[i].item;
        size_t n = strlen(a->context);
        while (n > 1 && a->context[n - 1] == '/')
            n--;
        if (strncmp(path, a->context, n) != 0 || (path[n] && path[n] != '/' && n > 1))
            continue;
        if (!best || n > best_len) {
            best = a;
            best_len = n;
        }
    }
    *ctx_len = best_len == 1 ? 0 : best_len;
    return best;
}

static mc_route_result route_api(const mc_api *a, const char *sub, const char *method,
                                 const char *query, mc_message *m, mc_route *rt)
{
    rt->api = a;
    rt->sub = sub;  /* "" for the context itself: MI's REST_URL_POSTFIX is empty then */
    const char *match = *sub ? sub : "/";
    bool path_matched = false;
    for (size_t i = 0; i < a->nres; i++) {
        const mc_resource *res = &a->res[i];
        if (!resource_matches(res, match, query, m))
            continue;
        path_matched = true;
        if (method_allowed(res->methods, method)) {
            rt->res = res;
            return MC_ROUTE_OK;
        }
        add_allow(rt->allow, sizeof rt->allow, res->methods);
    }
    return path_matched ? MC_ROUTE_METHOD : MC_ROUTE_NOTFOUND;
}

mc_route_result mc_host_route(const mc_config *cfg, const char *path, const char *method,
                              const char *query, mc_message *m, mc_route *rt)
{
    static const char prefix[] = "/services/";
    memset(rt, 0, sizeof *rt);
    if (strncmp(path, prefix, sizeof prefix - 1) == 0) {
        const char *name = path + sizeof prefix - 1;
        const char *slash = strchr(name, '/');
        size_t n = slash ? (size_t)(slash - name) : strlen(name);
        char buf[256];
        if (n && n < sizeof buf) {
            memcpy(buf, name, n);
            buf[n] = '\0';
            if ((rt->proxy = mc_config_proxy(cfg, buf))) {
                rt->sub = slash ? slash : "";
                return MC_ROUTE_OK;
            }
        }
    }
    size_t ctx_len;
    const mc_api *a = api_for(cfg, path, &ctx_len);
    if (a)
        return route_api(a, path + ctx_len, method, query, m, rt);
    /* Synapse: a message for no proxy and no API goes to the main sequence */
    if ((rt->main = mc_config_sequence(cfg, "main"))) {
        rt->sub = "";
        return MC_ROUTE_OK;
    }
    return MC_ROUTE_NOTFOUND;
}

void mc_route_artifact(const mc_route *rt, char *buf, size_t cap)
{
    const char *kind = rt->proxy ? "proxy:" : rt->api ? "api:" : rt->main ? "sequence:main" : "-";
    const char *name = rt->proxy ? rt->proxy->name : rt->api ? rt->api->name : "";
    size_t n = mc_fixed_put(buf, cap, 0, kind, strlen(kind));
    mc_fixed_put(buf, cap, n, name, strlen(name));
}

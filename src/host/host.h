/* host.h - the Synapse HTTP binding as a library: deployments (load,
 * reload with refcounted configurations, drain), routing of proxies and
 * APIs, the exchange (HTTP request -> message -> answer, with the
 * message's upstream requests sent on a caller-supplied HTTP client),
 * metrics, the access log and the admin routes.  It knows no socket: a
 * server (src/http/server.h) or any other host feeds it requests and
 * sends the answers it produces.  See docs/serve.md. */
#ifndef MC_HOST_H
#define MC_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include "api/api_internal.h"
#include "http/client.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/log.h"

typedef struct mc_host mc_host;
typedef struct mc_deployment mc_deployment;

typedef struct mc_host_options {
    const char *const *paths;      /* files or folders to deploy */
    size_t npaths;
    int log_level;                 /* MC_LOG_* */
    bool json_log;                 /* one JSON object per log line (util/log.h) */
    /* Called after each configuration that loads (at start and on every
     * reload), e.g. to log where its artifacts came from.  May be NULL. */
    void (*loaded)(void *ud, const mc_engine *e, const mc_logger *log);
    void *loaded_ud;
} mc_host_options;

/* Load the paths.  NULL when the configuration does not load (its
 * diagnostics were logged) or out of memory. */
mc_host *mc_host_new(const mc_host_options *o);
/* Free the host; deployments still held by exchanges stay alive until
 * their last release. */
void mc_host_free(mc_host *h);
const mc_logger *mc_host_logger(const mc_host *h);
/* Build a new deployment from the same paths and serve new requests with
 * it; on failure the previous one keeps serving.  Returns success. */
bool mc_host_reload(mc_host *h);
/* Seconds since mc_host_new. */
double mc_host_uptime(const mc_host *h);
/* Requests in progress, as the server counts them (for /healthz and
 * /metrics); without a counter 0 is reported. */
void mc_host_set_inflight(mc_host *h, unsigned (*fn)(void *), void *ud);
unsigned mc_host_inflight(const mc_host *h);

/* The current deployment, with a reference; release when done. */
mc_deployment *mc_host_acquire(mc_host *h);
void mc_deployment_release(mc_deployment *d);
mc_engine *mc_deployment_engine(const mc_deployment *d);

/* ---- routing ---------------------------------------------------------- */

typedef enum mc_route_result { MC_ROUTE_OK, MC_ROUTE_NOTFOUND, MC_ROUTE_METHOD } mc_route_result;

typedef struct mc_route {
    const mc_proxy *proxy;         /* a proxy at /services/NAME, or */
    const mc_api *api;             /* an API and its resource */
    const mc_resource *res;
    const mc_seq *main;            /* or Synapse's main sequence, which
                                      takes what nothing else does */
    const char *sub;               /* path below the proxy or API context */
    char allow[64];                /* methods allowed here, for 405 */
} mc_route;

/* Route path (percent-encoded, without query) and method.  A uri-template
 * match stores its variables in m (uri.var.*). */
mc_route_result mc_host_route(const mc_config *cfg, const char *path, const char *method,
                              const char *query, mc_message *m, mc_route *rt);
/* "proxy:NAME" or "api:NAME". */
void mc_route_artifact(const mc_route *rt, char *buf, size_t cap);

/* ---- the exchange ----------------------------------------------------- */

/* An HTTP request as the host sees it.  Everything stays valid until the
 * exchange answers. */
typedef struct mc_host_request {
    const char *method;
    const char *path;              /* origin form, still percent-encoded */
    const char *query;             /* raw, without '?', or NULL */
    const mc_http_header *headers;
    size_t nheaders;
    const char *body;
    size_t body_len;
} mc_host_request;

/* An answer.  headers and body stay valid until the exchange is freed. */
typedef struct mc_host_answer {
    int status;
    const mc_http_header *headers;
    size_t nheaders;
    const char *body;
    size_t body_len;
} mc_host_answer;

typedef struct mc_exchange mc_exchange;
/* Called exactly once per exchange, on the thread that drives it, with
 * the answer and the artifact label ("-" when nothing was routed).  The
 * callee sends the answer and frees the exchange (mc_exchange_free), now
 * or later.  The answer may come while the message still runs (a child
 * answered, other children still wait for upstreams): the exchange then
 * lives on until the message ends, and frees itself. */
typedef void (*mc_exchange_answer_fn)(void *ud, mc_exchange *x, const mc_host_answer *a);

/* Route the request, build its message, run it.  Upstream requests go
 * to client (its done callbacks must fire on this thread); the answer
 * comes through answer(), possibly before this returns.  MC_ENOMEM (and
 * nothing answered) when out of memory, else MC_OK. */
mc_code mc_exchange_start(mc_host *h, const mc_host_request *req, mc_http_client *client,
                          mc_exchange_answer_fn answer, void *ud);
const char *mc_exchange_artifact(const mc_exchange *x);
/* The message's correlation id (MI's activityid), or NULL. */
const char *mc_exchange_activity_id(const mc_exchange *x);
void mc_exchange_free(mc_exchange *x);

/* The inbound conversion: set the message's payload from the body by its
 * Content-Type and its properties from the request (transport headers,
 * HTTP_METHOD, REST_URL_POSTFIX, TransportInURL, query and uri-template
 * variables, the API's properties).  MC_EPARSE with err set when the body
 * does not parse as its Content-Type says, MC_ELIMIT when it is over a
 * limit (mc_payload_error_status gives the answer's status). */
mc_code mc_host_request_to_message(mc_message *m, const mc_host_request *req,
                                   const mc_route *rt, mc_err *err);
/* The outbound conversion: the answer for a message that completed
 * (responded or not) or faulted with code rc, written into *a; header
 * and body storage comes from the message's arena. */
void mc_host_message_to_answer(mc_message *m, mc_code rc, const mc_host_request *req,
                               mc_host_answer *a);

/* ---- metrics and access log ------------------------------------------ */

/* One answered request: the access line (with the request's activity id,
 * which may be NULL) and the request metrics. */
void mc_host_answered(mc_host *h, const char *method, const char *path, int status,
                      double elapsed_ms, const char *artifact, const char *activity_id);
/* Prometheus text format 0.0.4. */
void mc_host_render_metrics(mc_host *h, mc_buf *out);

/* ---- admin routes ----------------------------------------------------- */

/* Fill body and *content_type; return the status. */
typedef int (*mc_admin_fn)(void *ud, mc_host *h, const char *method, const char *path,
                           mc_buf *body, const char **content_type);
/* Add a route: method (NULL: any) and a path prefix ("/healthz" matches
 * "/healthz" and "/healthz/..." only).  The longest prefix wins.
 * /healthz and /metrics are there from the start. */
mc_code mc_host_admin_add(mc_host *h, const char *method, const char *prefix, mc_admin_fn fn,
                          void *ud);
/* Add MI's Management API (/management/...), /liveness,
 * /metric-service/metrics and the flow viewer (/viewer) to the admin
 * routes; base_url ("http://127.0.0.1:8290") prefixes artifact URLs. */
mc_code mc_host_add_management(mc_host *h, const char *base_url);

/* Answer an admin request (404 JSON when no route matches). */
int mc_host_admin(mc_host *h, const char *method, const char *path, mc_buf *body,
                  const char **content_type);

#endif

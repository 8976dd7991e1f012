/* internal.h - connector runtime internals shared by its files:
 * compiled connections and their per-message settings, the compiled
 * operation mediator, request building and response mapping. */
#ifndef MC_CONNECTOR_INTERNAL_H
#define MC_CONNECTOR_INTERNAL_H

#include "config/config.h"
#include "connector/connector.h"
#include "connector/descriptor.h"

/* A compiled connection: an inline <name.init> mediator (v1) or the
 * <name.init> of a local entry (v2).  values[i] belongs to c->init[i]. */
typedef struct mc_conn {
    mc_mediator base;
    const mc_connector *c;
    mc_template **values;        /* NULL where not given */
    /* a literal value as every message sees it (trimmed, checked), made
     * at compile; NULL where the value is evaluated per message or empty */
    const char **fixed;
} mc_conn;

/* A connection evaluated for one message (arena).  values[i]: the text of
 * c->init[i] as the flow gave it (trimmed), or NULL when empty. */
typedef struct mc_conn_state {
    struct mc_conn_state *next;
    const mc_connector *c;
    const char **values;
} mc_conn_state;

mc_conn *mc_conn_compile(mc_compiler *cc, xmlNodePtr node, const mc_connector *c,
                         bool v2);
/* Evaluate conn (NULL: defaults only) for m; secret values are registered
 * with the message.  NULL on error (err filled, never with a secret). */
mc_conn_state *mc_conn_eval(const mc_conn *conn, const mc_connector *c,
                            mc_message *m, mc_err *err);
/* The settings a preceding <name.init> stored in m, or NULL. */
const mc_conn_state *mc_conn_state_get(const mc_message *m, const mc_connector *c);
/* A setting the AWS layer reads (its init parameter resolved at load), as
 * given, or NULL when empty or the connector has no such parameter. */
const char *mc_conn_setting_given(const mc_conn_state *s, mc_conn_setting which);
/* A setting by init parameter name: as given, else the parameter's
 * default; NULL when both are empty. */
const char *mc_conn_value(const mc_conn_state *s, const char *name);

/* Drop spaces, tabs, CR and LF around v[0..n) (how parameter values are
 * trimmed). */
static inline void mc_conn_trim(const char **v, size_t *n)
{
    while (*n && (**v == ' ' || **v == '\t' || **v == '\n' || **v == '\r'))
        (*v)++, (*n)--;
    while (*n && ((*v)[*n - 1] == ' ' || (*v)[*n - 1] == '\t' || (*v)[*n - 1] == '\n' ||
                  (*v)[*n - 1] == '\r'))
        (*n)--;
}

/* The compiled operation mediator. */
typedef struct mc_op_m {
    mc_mediator base;
    const mc_coperation *op;
    mc_template **values;        /* per op->params, NULL where not given */
    mc_template **common;        /* per op->common, NULL where not given */
    const char *config_key;
    /* the common parameters the answer mapping reads, resolved at compile
     * (NULL when the operation has none) */
    const mc_cparam *response_variable, *overwrite_body;
    const mc_local_entry *entry; /* resolved at link */
    struct mc_aws_context *aws;  /* the connector set's */
    /* the raw payload was written {base64Decode(X)}: X is evaluated and
     * decoded here, so bytes (a NUL too) survive */
    bool decode_payload;
} mc_op_m;

/* Evaluated parameters of one call.  values[i]: text of op->params[i]
 * after defaults, or NULL when left out. */
typedef struct mc_op_call {
    const mc_coperation *op;
    const char **values;
    size_t *lens;
    struct mc_aws_context *aws;
} mc_op_call;

/* Merged pages of a paginated call: the items' JSON text, page by page. */
typedef struct mc_page_chunk {
    struct mc_page_chunk *next;
    const char *text;            /* "a,b,c" (items without brackets) */
    size_t len;
} mc_page_chunk;

/* An operation waiting for its answer (retries and pages resend it). */
typedef struct mc_op_pending {
    mc_op_call call;
    const mc_conn_state *st;
    int attempts;                /* tries of the current request */
    int quota_taken;             /* retry quota its retries hold */
    int pages;                   /* pages merged so far */
    mc_page_chunk *items, *items_last;
} mc_op_pending;

/* The connector layer's per-message state (m->connector_state). */
typedef struct mc_conn_msg {
    mc_conn_state *conns;        /* v1 inits, newest first */
    mc_op_pending *pending;
} mc_conn_msg;

/* m's state, made on first use (NULL when out of memory). */
mc_conn_msg *mc_conn_msg_of(mc_message *m);

/* Outcome of building a request: MC_OK, or a fault already set on m with
 * the returned flow. */
typedef struct mc_build_result {
    bool ok;
    mc_flow flow;
} mc_build_result;

/* Resolve credentials, region and endpoint from st, build the request of
 * call, sign it and store it in m->out.  On failure the fault is set. */
mc_build_result mc_op_build_request(const mc_op_call *call, const mc_conn_state *st,
                                    mc_message *m);
/* Map m->in to the message (resume of the operation mediator). */
mc_flow mc_op_map_response(const mc_op_m *p, mc_message *m);

/* Raise the 400 fault of a bad parameter: ERROR_CODE code, HTTP_SC 400,
 * payload {"error": message}, fault_response; nothing is sent. */
mc_flow mc_op_param_fault(mc_message *m, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Value of common parameter cp of p's operation (responseVariable,
 * overwriteBody) for this message: the flow's, else the operation's
 * default; NULL when empty or cp is NULL. */
const char *mc_op_common(const mc_op_m *p, mc_message *m, const mc_cparam *cp);

#endif

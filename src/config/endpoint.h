/* endpoint.h - compiled endpoints as Synapse defines them: leaves that
 * name one address (<address>, <http>, <default>, <wsdl>) and groups that
 * choose among child endpoints (<loadbalance>, <failover>,
 * <recipientlist>), references (key, key-expression, template) resolved at
 * link, each leaf's definition (timeout and responseAction, the
 * markForSuspension / suspendOnFailure rules, retryConfig, format,
 * properties), and the state Synapse keeps per endpoint at run time
 * (active, timed out, suspended; the round-robin cursor).
 *
 * Everything here is immutable after load except mc_ep_state, which the
 * engine's threads share and update with atomics (endpoint suspension is
 * process-wide in Synapse too). */
#ifndef MC_CONFIG_ENDPOINT_H
#define MC_CONFIG_ENDPOINT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"

typedef enum mc_ep_kind {
    MC_EP_ADDRESS = 0,   /* <address uri> */
    MC_EP_HTTP,          /* <http uri-template method> */
    MC_EP_DEFAULT,       /* <default/>: the message's To address */
    MC_EP_WSDL,          /* <wsdl uri|inline service port>: address from the WSDL */
    MC_EP_LOADBALANCE,   /* children chosen round robin (weighted) */
    MC_EP_FAILOVER,      /* the first ready child; the next one on failure */
    MC_EP_RECIPIENTLIST, /* a copy to every ready child */
    MC_EP_INDIRECT,      /* key="..." or template="...": `target` set at link */
    MC_EP_DYNAMIC,       /* key-expression: a named endpoint chosen per message */
} mc_ep_kind;

/* format attribute (what each does to the message is the SOAP layer's) */
typedef enum mc_ep_format {
    MC_EPF_NONE = 0, MC_EPF_SOAP11, MC_EPF_SOAP12, MC_EPF_POX, MC_EPF_GET,
    MC_EPF_REST, MC_EPF_JSON
} mc_ep_format;

/* <timeout><responseAction> */
typedef enum mc_ep_timeout_action {
    MC_EPT_NONE = 0, MC_EPT_FAULT, MC_EPT_DISCARD
} mc_ep_timeout_action;

/* Endpoint states (Synapse's EndpointContext). */
enum { MC_EPS_ACTIVE = 0, MC_EPS_TIMEOUT, MC_EPS_SUSPENDED };

/* Synapse's suspension time when none is configured (ms). */
#define MC_EP_DEFAULT_SUSPEND_MS 30000

typedef struct mc_ep_codes {
    const int *v;
    uint32_t n;
} mc_ep_codes;

/* <property name value|expression scope> of an endpoint: set on the
 * message each time it is sent through the endpoint. */
typedef struct mc_ep_prop {
    const char *name;
    const char *value;     /* literal, or NULL */
    mc_expr *expr;         /* expression, or NULL */
    int scope;             /* mc_scope */
} mc_ep_prop;

/* Mutable, shared by every thread. */
typedef struct mc_ep_state {
    atomic_int state;             /* MC_EPS_* */
    atomic_int remaining;         /* timeout retries left; -1: not counted yet */
    atomic_llong next_retry_ms;   /* monotonic ms when usable again */
    atomic_llong last_suspend_ms; /* last suspension length; -1: none yet */
    atomic_uint cursor;           /* loadbalance: next child; failover
                                     (dynamic="false"): current child */
} mc_ep_state;

struct mc_endpoint {
    const char *name;             /* NULL when anonymous */
    mc_ep_kind kind;

    /* leaves */
    const char *uri;              /* address, uri-template, WSDL's address */
    const char *method;           /* <http method> (upper case) or NULL */
    mc_ep_format format;
    bool addressing;              /* <enableAddressing/>: WS-Addressing headers */
    bool addressing_submission;   /* ... version="submission" (2004/08) */
    bool insecure;                /* mc:tlsVerify="false" (named only) */
    long timeout_ms;              /* 0: the client's default */
    mc_expr *timeout_expr;        /* <duration>{xpath}</duration> */
    mc_ep_timeout_action timeout_action;
    mc_ep_codes timeout_codes;    /* markForSuspension/errorCodes */
    int retries_before_suspend;
    long retry_delay_ms;
    mc_ep_codes suspend_codes;    /* suspendOnFailure/errorCodes */
    long initial_suspend_ms;      /* -1: MC_EP_DEFAULT_SUSPEND_MS */
    double progression;
    long max_suspend_ms;
    mc_ep_codes retry_disabled;   /* retryConfig/disabledErrorCodes */
    mc_ep_codes retry_enabled;    /* retryConfig/enabledErrorCodes */
    mc_template *basic_user;      /* <authentication><basicAuth> */
    mc_template *basic_pass;

    mc_ep_prop *props;
    uint32_t nprops;

    /* groups */
    const mc_endpoint **children;
    uint32_t nchildren;
    const uint32_t *weights;      /* loadbalance.weight of each child, or NULL */
    uint32_t total_weight;
    bool lb_failover;             /* <loadbalance failover> (default true) */
    bool fo_dynamic;              /* <failover dynamic> (default true) */
    mc_template *recipients;      /* <recipientlist><endpoints value>: a
                                     comma-separated URL list per message */

    /* references */
    const char *key;              /* key, or template name */
    bool template_use;            /* template="...": key names a template */
    const mc_endpoint *target;    /* INDIRECT: resolved at link */
    mc_expr *key_expr;            /* DYNAMIC */

    mc_ep_state *state;
    const char *file;
    int line, col;                /* start tag of the definition */
};

/* The definition behind key and template references (resolved at link);
 * the endpoint itself otherwise (a key-expression is chosen per message). */
const mc_endpoint *mc_endpoint_definition(const mc_endpoint *ep);
/* The endpoint's type for tools (the management API, the viewer):
 * "address", "http", "default", "wsdl", "loadbalance", "failover",
 * "recipient_list", "template" (an instance), "indirect" (key). */
const char *mc_endpoint_type_name(const mc_endpoint *ep);

/* Synapse's defaults for a definition and a fresh active state. */
void mc_endpoint_init(mc_endpoint *ep, mc_ep_state *st, mc_ep_kind kind);

/* An <endpoint> element inline in call, send, callout or a group: a
 * definition, a key reference or a template use.  NULL on error (reported). */
mc_endpoint *mc_compile_endpoint(mc_compiler *cc, xmlNodePtr node);
/* The <endpoint name> artifact. */
void mc_compile_named_endpoint(mc_compiler *cc, xmlNodePtr node);
/* A <template name> artifact whose body is an <endpoint>. */
void mc_compile_endpoint_template(mc_compiler *cc, xmlNodePtr node);

/* Length of a URI's scheme when it names a transport other than HTTP(S)
 * ("jms:", "vfs:", "mailto:" ...), else 0 (also for URIs computed at run
 * time, "{...}"). */
size_t mc_uri_foreign_scheme(const char *uri);
/* A load error at node/attr naming the transport when uri's is not
 * HTTP(S); true when it is fine. */
bool mc_check_transport(mc_compiler *cc, xmlNodePtr node, const char *attr, const char *uri);

#endif

/* msg.h - the message context.
 *
 * A message carries its payload (JSON, XML, text or binary), properties by
 * scope, variables, transport headers, the interpreter's frame stack, fault
 * state, the secrets that must be redacted from anything it logs, and the
 * outbound request it is waiting on while suspended.  All of it lives in the
 * message's arena except the payload's parsed forms, which the payload owns
 * (its JSON tree in an arena of its own, so a flow that replaces a big
 * payload many times does not pile up trees until the message ends).
 *
 * This header is internal; hosts use mediac.h. */
#ifndef MC_MSG_H
#define MC_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#include "json/json.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/log.h"

/* ---- properties ------------------------------------------------------- */

typedef enum mc_scope {
    MC_SCOPE_DEFAULT = 0, /* "default" (Synapse message context) */
    MC_SCOPE_TRANSPORT,   /* transport headers */
    MC_SCOPE_AXIS2,       /* axis2 message context: HTTP_SC, messageType */
    MC_SCOPE_OPERATION,
    MC_SCOPE_FUNC,        /* parameters of the running template/connector op */
    MC_SCOPE_URL,         /* uri.var.* and query.param.* of the request */
    MC_SCOPE_COUNT
} mc_scope;

/* "default", "transport", "axis2", "axis2-client", "operation"; -1 when
 * unknown. (system and env are read-only and handled by expressions.) */
int mc_scope_from_name(const char *name);
const char *mc_scope_name(mc_scope s);

typedef enum mc_vtype {
    MC_VT_STRING = 0,
    MC_VT_INTEGER,
    MC_VT_LONG,
    MC_VT_SHORT,
    MC_VT_FLOAT,
    MC_VT_DOUBLE,
    MC_VT_BOOLEAN,
    MC_VT_JSON,  /* value is JSON text */
    MC_VT_OM     /* value is XML text (an element) */
} mc_vtype;

/* "STRING", "INTEGER", ...; -1 when unknown */
int mc_vtype_from_name(const char *name);

typedef struct mc_prop {
    struct mc_prop *next;
    const char *name;
    const char *value;   /* NUL-terminated; for JSON/OM the text form */
    size_t len;
    mc_vtype type;
    uint32_t name_tag;   /* name's first, middle and last bytes (ASCII case-
                            folded in the transport scope) and its length: */
    size_t name_len;     /* lookups compare these before the bytes */
} mc_prop;

/* Interpreter frames: push a sequence (const mc_seq *) to run next. */
mc_code mc_msg_push_frame(mc_message *m, const void *seq, const void *on_error,
                          uint32_t flags);

/* Every value that must not be printed for this message: registered
 * secrets, values of properties with secret names (any scope), and values
 * of JSON payload members with secret names.  Returns the count (<= max);
 * the strings stay valid until the message changes. */
size_t mc_msg_collect_secrets(mc_message *m, const char **out, size_t max);

/* ---- payload ---------------------------------------------------------- */

typedef enum mc_pl_kind {
    MC_PL_NONE = 0,
    MC_PL_JSON,
    MC_PL_XML,
    MC_PL_TEXT,
    MC_PL_BINARY
} mc_pl_kind;

typedef struct mc_payload {
    mc_pl_kind kind;
    char *bytes;          /* JSON/TEXT/BINARY: authoritative bytes (malloc,
                             or the message's arena when in_arena) */
    size_t len;
    bool in_arena;        /* bytes live in the message's arena */
    mc_json json;         /* parsed JSON (cache), in json_arena or the
                             message's arena (payload.c) */
    mc_arena json_arena;  /* the tree's memory, freed with the payload */
    bool json_tried;      /* parse attempted (for XML->JSON too) */
    char *json_text;      /* XML payload converted to JSON text (cache) */
    xmlDocPtr env;        /* SOAP envelope: authoritative for XML, cache
                             for other kinds (Synapse's JSON mapping) */
    char *xml_text;       /* serialised XML payload (cache) */
    size_t xml_len;
    int xml_wire;         /* the mc_wire xml_text is in */
    int soap;             /* 11 or 12: env is a real SOAP envelope of that
                             version (a SOAP request or answer); 0: env is
                             Synapse's SOAP 1.1 wrapper of a POX/JSON/text
                             payload */
} mc_payload;

/* ---- interpreter state ------------------------------------------------ */

typedef struct mc_frame {
    const void *seq;      /* const mc_seq * (engine) */
    uint32_t pc;          /* next mediator index */
    uint32_t flags;       /* MC_FRAME_* */
    const void *on_error; /* const mc_seq *: handler for faults in here */
    struct mc_prop *saved_func; /* MC_FRAME_FUNC_SCOPE: the caller's func scope */
} mc_frame;

enum {
    MC_FRAME_FAULT_HANDLER = 1u, /* this frame runs a fault sequence */
    MC_FRAME_FUNC_SCOPE = 2u,    /* a template body: when it ends, the func
                                    scope (template parameters) goes back
                                    to saved_func */
    MC_FRAME_SPLIT_TARGET = 4u,  /* a child's target (iterate, clone): if it
                                    ends before the child waited for I/O,
                                    the child ends with it */
    MC_FRAME_GATHER = 8u,        /* a child's target (foreach, scatter-
                                    gather): when it ends the child is
                                    gathered */
    MC_FRAME_LOOP = 16u,         /* one pass of a loop (Synapse's foreach):
                                    a mediator that ends the flow inside it
                                    ends the loop instead (m->loop_broken) */
};

/* ---- outbound I/O while suspended ------------------------------------- */

typedef struct mc_kv {
    const char *name;
    const char *value;
} mc_kv;

typedef struct mc_outbound {
    const char *method;
    const char *url;
    mc_kv *headers;
    size_t nheaders;
    const char *body;
    size_t body_len;
    bool idempotent;
    bool insecure;
    long timeout_ms;          /* 0: default */
    const char *label;        /* for metrics/logs: "amazonlambda.invoke" */
    int max_attempts;         /* 0: the client's default; 1: no retry (the
                                 connector runs the AWS retry modes itself) */
    long delay_ms;            /* send no sooner than this (a retry's backoff) */
    bool http10;              /* FORCE_HTTP_1.0 */
    bool absolute_target;     /* POST_TO_URI: the URL in the request line */
} mc_outbound;

typedef struct mc_inbound {
    int status;               /* 0 on transport failure */
    const char *body;         /* lives as long as the message and never
                                 changes (payloads borrow it) */
    size_t body_len;
    mc_kv *headers;
    size_t nheaders;
    int fault_code;           /* 0 or 1015xx */
    const char *error;        /* text for fault_code */
} mc_inbound;

/* One request the message waits for (see engine.h): the host takes it,
 * sends it, and hands its answer back. */
typedef struct mc_pending {
    mc_outbound *req;
    mc_inbound *answer;       /* NULL until the host answers */
    const void *waiter;       /* the mediator resumed once all its requests
                                 are answered */
    uint32_t id;              /* unique within the message */
    bool taken;               /* the host has it */
    uint32_t answered;        /* when answered: 1, 2, ... in answer order */
} mc_pending;

#define MC_MAX_SECRETS 16

typedef struct mc_message {
    const struct mc_config *cfg;
    const void *engine;         /* the mc_engine that made it (host use) */
    mc_arena arena;
    mc_payload payload;
    mc_prop *props[MC_SCOPE_COUNT];
    mc_prop *vars;              /* variables (MI 4.4 <variable>) */

    size_t arena_payload;       /* payload bytes put in the arena so far */
    mc_frame *frames;           /* frame stack (in the arena) */
    uint32_t nframes, capframes;
    const void *proxy;          /* const mc_proxy * when run via a proxy */
    unsigned steps;             /* mediators executed (loop guard) */

    bool responded;             /* respond/send answered the caller */
    bool dropped;
    bool faulted;               /* ended in an unhandled fault */
    bool in_out_sequence;
    bool loopback;              /* loopback asked for the out sequence */
    bool fault_response;        /* an unhandled fault answers with the
                                   current payload and HTTP_SC (a connector
                                   error from upstream, a 400 for a missing
                                   parameter) instead of a generic 500 */
    const void *out_seq;        /* const mc_seq *: outSequence of the flow */
    uint8_t client_soap;        /* 11 or 12: the client sent SOAP of that
                                   version and gets it back; 0: REST */
    bool answer_rest;           /* the payload is a REST (not SOAP) answer
                                   of a backend (Synapse's isDoingREST) */

    mc_outbound *out;           /* request waiting on I/O (suspended) */
    mc_inbound *in;             /* its answer, set by the host */
    const void *suspended_at;   /* mediator to resume */
    mc_pending **pending;       /* requests waited for (arena; each entry
                                   stays where it is: its address is the
                                   host's handle) */
    uint32_t npending, cappending, next_pending_id, answers_given;

    const char *secrets[MC_MAX_SECRETS];
    size_t nsecrets;

    void *xpath_ctx;            /* xmlXPathContextPtr, lazily made */
    void *connector_state;      /* per-message connector settings (v1 init) */
    char message_id[48];
    const char *activity_id;    /* correlation id (mc_msg_set_activity_id) */

    const mc_logger *log;
    struct mc_msg_hook *on_free;    /* run by mc_msg_free, newest first */

    /* child messages (iterate, clone, foreach, scatter-gather; engine) */
    struct mc_message *top;     /* a child: the message the host runs */
    struct mc_family *family;   /* the top message: its children */
    struct mc_child *child;     /* the engine's record of this message */
    struct mc_split_req *split_req;     /* MC_FLOW_SPLIT: for the engine */
    struct mc_gather_req *gather_req;   /* MC_FLOW_GATHER: for the engine */
    struct mc_message **gathered;       /* a GATHER split's results, for its */
    uint32_t *gathered_index;           /* mediator's resume: the collected */
    size_t ngathered;                   /* children and their split indices */
    bool loop_broken;           /* a flow ended inside an MC_FRAME_LOOP */
    struct mc_msg_slot *slots;  /* mediators' state for this message */
} mc_message;

/* Lifecycle. cfg may be NULL in unit tests. */
mc_message *mc_msg_new(const struct mc_config *cfg, const mc_logger *log);
void mc_msg_free(mc_message *m);
/* Tests: how many ended messages this thread keeps for reuse. */
unsigned mc_msg__spares(void);
/* A new message that is a copy of m as Synapse's MessageHelper clones a
 * message context: every property scope, the variables, the secrets, the
 * proxy, the out-sequence state, the correlation id and the connector
 * settings, with a message id of its own; the payload too when
 * with_payload.  Frames, pending requests and the answer are not copied.
 * NULL when out of memory. */
mc_message *mc_msg_clone(mc_message *m, bool with_payload);
/* Replace dst's payload with a copy of src's (same kind and bytes; an XML
 * payload's whole envelope). */
mc_code mc_msg_copy_payload(mc_message *dst, mc_message *src);
/* A mediator's state for this message (a loop's place), by key (the
 * mediator): NULL until set.  The slot itself lives in the arena. */
void *mc_msg_slot(const mc_message *m, const void *key);
mc_code mc_msg_set_slot(mc_message *m, const void *key, void *value);

/* dst answers with what src answered: its payload, status and the rest of
 * the axis2 scope, and its transport headers; dst->responded is set. */
mc_code mc_msg_adopt_answer(mc_message *dst, mc_message *src);
/* Run fn(ud) when m is freed (the last registered first): for what a
 * mediator holds on the message's behalf until it ends, such as a
 * throttle's concurrency slot.  MC_ENOMEM when it cannot be registered. */
mc_code mc_msg_on_free(mc_message *m, void (*fn)(void *ud), void *ud);

/* Properties.  Values are copied into the message arena.  Transport-scope
 * names compare case-insensitively (HTTP headers). */
mc_code mc_msg_set_prop(mc_message *m, mc_scope s, const char *name,
                        const char *value, size_t len, mc_vtype type);
mc_code mc_msg_set_propz(mc_message *m, mc_scope s, const char *name,
                         const char *value);
const mc_prop *mc_msg_get_prop(const mc_message *m, mc_scope s,
                               const char *name);
/* Value or NULL. */
const char *mc_msg_prop(const mc_message *m, mc_scope s, const char *name);
void mc_msg_remove_prop(mc_message *m, mc_scope s, const char *name);
void mc_msg_clear_scope(mc_message *m, mc_scope s);

mc_code mc_msg_set_var(mc_message *m, const char *name, const char *value,
                       size_t len, mc_vtype type);
const mc_prop *mc_msg_get_var(const mc_message *m, const char *name);

/* HTTP status (axis2 HTTP_SC); 0 when unset. */
int mc_msg_status(const mc_message *m);
/* The status a host answers with: default_status when HTTP_SC is unset,
 * HTTP_SC when it is a whole number from 200 to 599 (spaces around it
 * allowed), else -1: a flow set something no answer can carry (100, 1000,
 * "abc"); the host then answers 500 with a JSON error and logs it. */
int mc_msg_answer_status(const mc_message *m, int default_status);
void mc_msg_set_status(mc_message *m, int status);

/* True for headers that belong to one HTTP hop or to the framing, which
 * the runtime sets itself and never copies between a message and a
 * request or answer: Connection, Keep-Alive, Proxy-Connection, TE,
 * Trailer, Transfer-Encoding, Upgrade, Host, Content-Length, Content-Type,
 * Expect and Accept-Encoding (bodies are passed on as they are). */
bool mc_msg_hop_header(const char *name);

/* Secrets: values redacted from everything this message logs. */
void mc_msg_add_secret(mc_message *m, const char *value);
/* Log a line on behalf of the message (redacted). */
/* The correlation id, as WSO2 MI's passthrough transport keeps it: the
 * client's `activityid` header when it is 1-128 visible ASCII characters,
 * else a new random UUID (a value outside that is replaced, so no client
 * can put control bytes into log lines).  The host sets it when a request
 * becomes a message; it is also the message's `activityid` transport
 * header, every log line of the message carries it, the answer returns it
 * and every upstream request sends it (mc_msg_outbound_add_activity_id). */
#define MC_ACTIVITY_ID_HEADER "activityid"
#define MC_ACTIVITY_ID_MAX 128
const char *mc_msg_set_activity_id(mc_message *m, const char *from_client);
const char *mc_msg_activity_id(const mc_message *m);   /* NULL when none */
/* Add the activityid header to an upstream request unless the flow set
 * one (the engine does it for every request a message makes). */
mc_code mc_msg_outbound_add_activity_id(mc_message *m, mc_outbound *out);
void mc_msg_log(const mc_message *m, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Faults: sets ERROR_CODE, ERROR_MESSAGE (and ERROR_DETAIL when detail is
 * given) in the default scope. */
void mc_msg_set_fault(mc_message *m, const char *code, const char *message,
                      const char *detail);

/* Interpreter frames: push a sequence (const mc_seq *) to run next. */
mc_code mc_msg_push_frame(mc_message *m, const void *seq, const void *on_error,
                          uint32_t flags);

/* Every value that must not be printed for this message: registered
 * secrets, values of properties with secret names (any scope), and values
 * of JSON payload members with secret names.  Returns the count (<= max);
 * the strings stay valid until the message changes. */
size_t mc_msg_collect_secrets(mc_message *m, const char **out, size_t max);

/* ---- payload ---------------------------------------------------------- */

/* Classify a content type: JSON, XML, TEXT or BINARY (NULL/empty: sniffed
 * from the bytes). */
mc_pl_kind mc_content_kind(const char *content_type, const char *data,
                           size_t len);

/* Set the payload from bytes; JSON and XML are checked (MC_EPARSE with a
 * message on failure, payload unchanged).  Sets axis2 messageType and
 * ContentType when content_type is given. */
mc_code mc_msg_set_payload(mc_message *m, const char *data, size_t len,
                           const char *content_type, mc_err *err);
/* The same without copying data, which must outlive m and never change
 * (bytes in m's arena, or a block it adopted: an upstream answer's body). */
mc_code mc_msg_set_payload_lent(mc_message *m, const char *data, size_t len,
                                const char *content_type, mc_err *err);
/* The HTTP status that answers a request whose body mc_msg_set_payload
 * refused with rc: 413 over a limit (MC_ELIMIT), 500 out of memory, else
 * 400. */
int mc_payload_error_status(mc_code rc);
/* Like mc_msg_set_payload, but an XML document that is no envelope
 * replaces only the Body's children of a SOAP message, whose envelope
 * (Header blocks, version) stays: what payloadFactory and enrich do. */
mc_code mc_msg_set_body(mc_message *m, const char *data, size_t len,
                        const char *content_type, mc_err *err);
/* Set a JSON payload from text known to be valid JSON. */
mc_code mc_msg_set_json(mc_message *m, const char *text, size_t len);
mc_code mc_msg_set_text(mc_message *m, const char *text, size_t len);
/* Set an XML payload from a node (deep-copied). */
mc_code mc_msg_set_xml_node(mc_message *m, xmlNodePtr node);

/* Replace the payload with a SOAP envelope document (ownership taken, also
 * on failure) whose Body holds the payload; env may be the message's own
 * envelope (mc_msg_envelope) edited in place.  messageType is left as it
 * is, so a transformed JSON message still answers in JSON. */
mc_code mc_msg_take_envelope(mc_message *m, xmlDocPtr env);

/* The payload as JSON: the parsed JSON payload, or an XML payload converted
 * by the Synapse mapping.  NULL for none/text/binary or invalid. */
mc_json mc_msg_json(mc_message *m);
/* The SOAP envelope for XPath (made on demand for JSON/text payloads). */
xmlDocPtr mc_msg_envelope(mc_message *m);
/* The Body element of the envelope. */
xmlNodePtr mc_msg_body(mc_message *m);
/* The first element child of Body (the payload root) or NULL. */
xmlNodePtr mc_msg_payload_root(mc_message *m);

/* Serialised payload for output, in the form messageType asks for (JSON
 * payload + XML messageType is mapped, and the reverse).  Pointer valid
 * until the payload changes. */
const char *mc_msg_payload_bytes(mc_message *m, size_t *len);
/* Effective content type of the output (messageType or the payload's). */
const char *mc_msg_content_type(const mc_message *m);

/* SOAP 1.1 envelope namespace used for the envelope we build. */
#define MC_SOAP11_NS "http://schemas.xmlsoap.org/soap/envelope/"
#define MC_SOAP12_NS "http://www.w3.org/2003/05/soap-envelope"
/* Synapse's wrappers for text and binary payloads. */
#define MC_TEXT_NS "http://ws.apache.org/commons/ns/payload"

#endif

/* stores.h - MI's scheduling artifacts compiled at load: <messageStore>
 * (the in-memory store, with its bounded queue of stored message copies),
 * <messageProcessor> (sampling, scheduled forwarding and failover
 * forwarding), <task> (the MessageInjector) and <inboundEndpoint> (http,
 * https).  The definitions are immutable parts of the configuration; the
 * queues are per-process state it owns (a reload starts with empty stores,
 * as an MI restart does with in-memory stores).  The host runs processors,
 * tasks and inbound endpoints (src/host/scheduler.c, inbound.c). */
#ifndef MC_CONFIG_STORES_H
#define MC_CONFIG_STORES_H

#include <pthread.h>

#include "config/config.h"
#include "config/cron.h"
#include "msg/msg.h"

/* Defaults of the in-memory store's bounds (mediac's own parameters
 * mediac.store.max.messages and mediac.store.max.bytes; MI's store has
 * none): a message that does not fit faults as MI's <store> does when its
 * producer refuses one. */
#define MC_STORE_MAX_MESSAGES 10000u
#define MC_STORE_MAX_BYTES (64u << 20)

/* A copy of a message as <store> keeps it: payload bytes and content type,
 * properties of every scope but func, and variables. */
typedef struct mc_stored_prop {
    int scope;                 /* mc_scope, or -1 for a variable */
    char *name;
    char *value;
    size_t len;
    mc_vtype type;
} mc_stored_prop;

typedef struct mc_stored_msg {
    struct mc_stored_msg *next;
    char id[48];               /* the message id it had */
    char *payload;
    size_t len;
    char *content_type;        /* NULL: no payload */
    mc_stored_prop *props;
    size_t nprops;
    size_t bytes;              /* what it counts against the store's bound */
} mc_stored_msg;

/* The queue of one in-memory store. */
typedef struct mc_msg_store {
    pthread_mutex_t lock;
    mc_stored_msg *head, *tail;
    size_t count, bytes;
    size_t max_messages, max_bytes;
    unsigned long long stored, refused;
} mc_msg_store;

typedef struct mc_param {
    const char *name, *value;
    int line, col;
} mc_param;

typedef struct mc_store_def {
    const char *name;
    const char *klass;         /* as written, or the in-memory default */
    mc_param *params;
    size_t nparams;
    mc_msg_store *store;
    const char *file;
    int line, col;
} mc_store_def;

typedef enum mc_processor_kind {
    MC_PROC_SAMPLING,
    MC_PROC_FORWARDING,
    MC_PROC_FAILOVER
} mc_processor_kind;

#define MC_PROC_MAX_NON_RETRY 32

typedef struct mc_processor_def {
    const char *name;
    const char *klass;
    mc_processor_kind kind;
    const char *store_name;
    const mc_store_def *store;         /* linked */
    const char *target_store_name;     /* failover: message.target.store.name */
    const mc_store_def *target_store;
    long interval_ms;                  /* "interval", default 1000 */
    unsigned concurrency;              /* sampling: "concurrency", default 1 */
    const mc_seq *sequence;            /* sampling: "sequence" */
    const char *endpoint_name;         /* forwarding: targetEndpoint / target.endpoint */
    const mc_seq *forward;             /* forwarding: <call> to the endpoint */
    int max_attempts;                  /* max.delivery.attempts (<= 0: no limit), default 4 */
    long retry_interval_ms;            /* client.retry.interval, default 1000 */
    int non_retry[MC_PROC_MAX_NON_RETRY];
    size_t nnon_retry;
    bool drop_on_max;                  /* max.delivery.drop=Enabled */
    bool active;                       /* is.active, default true */
    mc_cron *cron_expr;                /* cron.expression: runs at its times, not by interval */
    const mc_seq *reply_seq, *fault_seq, *deactivate_seq;
    mc_param *params;
    size_t nparams;
    const char *file;
    int line, col;
} mc_processor_def;

typedef struct mc_task_def {
    const char *name;
    const char *klass;
    long interval_ms;                  /* trigger interval (seconds in the XML) */
    long count;                        /* -1: forever */
    const char *cron;                  /* or NULL */
    mc_cron *cron_expr;                /* cron, parsed */
    const char *message;               /* MessageInjector "message" (XML/JSON text) */
    const char *format;                /* "soap11", "soap12", "pox", "get", "json" */
    const char *inject_to;             /* "sequence", "proxy", "main" */
    const char *sequence_name, *proxy_name;
    const mc_seq *sequence;
    const char *soap_action, *to;
    const char *file;
    int line, col;
} mc_task_def;

typedef struct mc_inbound_def {
    const char *name;
    const char *protocol;              /* "http" or "https" */
    int port;                          /* inbound.http.port */
    const mc_seq *sequence, *on_error;
    const char *tls_cert, *tls_key;    /* https: keystore as PEM files */
    bool suspend;
    mc_param *params;
    size_t nparams;
    const char *file;
    int line, col;
} mc_inbound_def;

/* ---- the artifacts (stores.c) ----------------------------------------- */

/* Compile one <messageStore>, <messageProcessor>, <task> or
 * <inboundEndpoint> into the configuration (the loader calls it). */
void mc_compile_mi_artifact(mc_compiler *cc, xmlNodePtr node);

const mc_store_def *mc_config_store(const mc_config *cfg, const char *name);
/* The store named name, resolved at link time into *slot; a name that is
 * not defined is reported with severity at node's attr ("WHAT names
 * message store 'X', which is not defined"). */
void mc_ref_store(mc_compiler *cc, xmlNodePtr node, const char *attr, const char *name,
                  const mc_store_def **slot, const char *what, int severity);
/* The definitions of each kind, in load order, are cfg->stores,
 * cfg->processors, cfg->tasks and cfg->inbounds (items[i].item). */

/* ---- the in-memory queue (msgstore.c) --------------------------------- */

mc_msg_store *mc_msg_store_new(size_t max_messages, size_t max_bytes);
void mc_msg_store_free(void *store);

/* A copy of m (NULL when out of memory). */
mc_stored_msg *mc_stored_msg_of(mc_message *m);
void mc_stored_msg_free(mc_stored_msg *s);
/* Put s at the tail (ownership taken): MC_ELIMIT (s freed) when the store
 * is full. */
mc_code mc_msg_store_put(mc_msg_store *st, mc_stored_msg *s);
/* Take the head (NULL when empty); the caller owns it. */
mc_stored_msg *mc_msg_store_take(mc_msg_store *st);
/* Put s back at the head (a forwarding processor that will retry it). */
void mc_msg_store_unshift(mc_msg_store *st, mc_stored_msg *s);
size_t mc_msg_store_size(mc_msg_store *st);
/* Give m the payload and properties of s. */
mc_code mc_stored_msg_restore(const mc_stored_msg *s, mc_message *m, mc_err *err);

#endif

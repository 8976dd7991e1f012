/* mediac.h - the public API of libmediac, a Synapse-compatible mediation
 * runtime.
 *
 * Typical host:
 *
 *     mc_engine *e = mc_engine_new();
 *     if (mc_engine_load_path(e, "flows/") != MC_OK) {
 *         fprintf(stderr, "%s", mc_engine_diagnostics(e));
 *     }
 *     mc_message *m = mc_message_new(e);
 *     mc_message_set_payload(m, "{\"a\":1}", 7, "application/json");
 *     mc_code rc = mc_run_sequence(m, "main");
 *     size_t n; const char *out = mc_message_payload(m, &n);
 *     mc_message_free(m);
 *     mc_engine_free(e);
 *
 * Handles are opaque.  A loaded engine is immutable: once loading is done it
 * may be shared by any number of threads, each running its own messages.
 * Every function that can fail returns an mc_code; mc_strerror() names it. */
#ifndef MEDIAC_H
#define MEDIAC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MC_VERSION "0.1.0"

typedef enum mc_code {
    MC_OK = 0,
    MC_ENOMEM,      /* out of memory */
    MC_EINVAL,      /* bad argument or usage */
    MC_ECONFIG,     /* configuration failed to load; see diagnostics */
    MC_ENOTFOUND,   /* no such sequence, proxy, property, ... */
    MC_EFAULT,      /* the flow ended in an unhandled fault */
    MC_EIO,         /* file or network error */
    MC_EPARSE,      /* payload or expression did not parse */
    MC_ESUSPENDED,  /* the message waits for requests (mc_start_*, mc_resume) */
    MC_ESTATE,      /* call not valid in the handle's current state */
    MC_ELIMIT,      /* an input is over one of its limits (size, count) */
    MC_CODE_COUNT
} mc_code;

const char *mc_strerror(mc_code code);

typedef struct mc_engine mc_engine;
typedef struct mc_message mc_message;

/* ---- engine ---------------------------------------------------------- */

mc_engine *mc_engine_new(void);
void mc_engine_free(mc_engine *e);

/* Load a file, or a folder read recursively for *.xml.  May be called
 * several times before the first message; artifacts accumulate. */
mc_code mc_engine_load_path(mc_engine *e, const char *path);
/* Load configuration XML held in memory; name is used in diagnostics. */
mc_code mc_engine_load_string(mc_engine *e, const char *xml, size_t len,
                              const char *name);
/* All diagnostics so far, one "file:line:col: error|warning: msg" per
 * line.  Never NULL. */
const char *mc_engine_diagnostics(const mc_engine *e);

/* Log levels and sink.  The default sink writes to stderr.  Secrets are
 * redacted before a line reaches the sink. */
enum { MC_LOG_ERROR = 0, MC_LOG_WARN, MC_LOG_INFO, MC_LOG_DEBUG };
typedef void (*mc_log_sink)(void *userdata, int level, const char *line);
void mc_engine_set_log(mc_engine *e, int level, mc_log_sink sink,
                       void *userdata);

/* A native mediator: the C counterpart of a Synapse class mediator, used in
 * flows as <class name="NAME"/>.  Return MC_OK to continue, MC_EFAULT after
 * mc_message_fault() to raise a fault.  Register before loading. */
typedef mc_code (*mc_native_fn)(mc_message *m, void *userdata);
mc_code mc_engine_register_mediator(mc_engine *e, const char *name,
                                    mc_native_fn fn, void *userdata);

/* ---- messages -------------------------------------------------------- */

mc_message *mc_message_new(const mc_engine *e);
void mc_message_free(mc_message *m);

/* Payload bytes are copied.  content_type decides how they are parsed:
 * JSON, XML, text; anything else is kept as binary. */
mc_code mc_message_set_payload(mc_message *m, const char *data, size_t len,
                               const char *content_type);
/* Default-scope property (STRING). */
mc_code mc_message_set_property(mc_message *m, const char *name,
                                const char *value);
/* Transport header. */
mc_code mc_message_set_header(mc_message *m, const char *name,
                              const char *value);

/* Run one message through a named sequence, or a proxy's inSequence.
 * Blocks for connector I/O.  Returns MC_OK when the flow completes
 * (also after respond or drop), MC_EFAULT on an unhandled fault. */
mc_code mc_run_sequence(mc_message *m, const char *name);
mc_code mc_run_proxy(mc_message *m, const char *name);

/* ---- non-blocking runs ------------------------------------------------
 *
 * The blocking mc_run_* above are built on these, the way curl's easy
 * interface is built on its multi interface.  A host with its own event
 * loop starts a message, sends the requests it waits for itself, hands
 * each answer back and resumes it:
 *
 *     mc_code rc = mc_start_sequence(m, "main");
 *     while (rc == MC_ESUSPENDED) {
 *         for (mc_request *r; (r = mc_message_next_request(m));)
 *             send_it(r);                 // method, url, headers, body
 *         ... later, for each answer, on the message's thread:
 *         mc_request_answer(m, r, status, headers, n, body, len);
 *         rc = mc_resume(m);              // MC_ESUSPENDED: still waiting
 *     }
 *
 * A message may wait for several requests at once (today's mediators send
 * one at a time; iterate, clone and scatter-gather send several), so
 * always take requests until mc_message_next_request returns NULL, and
 * after each mc_resume that returns MC_ESUSPENDED look for new ones.
 * Answers may come in any order; mc_resume may be called after each, and
 * continues what every answer so far allows.  A message and its requests
 * belong to one thread at a time. */

typedef struct mc_request mc_request;
typedef struct mc_header {
    const char *name;
    const char *value;
} mc_header;

/* Start the message like mc_run_sequence / mc_run_proxy without blocking:
 * MC_OK or MC_EFAULT when the flow ended, MC_ESUSPENDED when it waits for
 * requests. */
mc_code mc_start_sequence(mc_message *m, const char *name);
mc_code mc_start_proxy(mc_message *m, const char *name);
/* The next request the message waits for that the host has not taken yet,
 * or NULL.  Valid until the message is freed. */
mc_request *mc_message_next_request(mc_message *m);
/* Requests taken or not whose answer has not been handed back yet. */
size_t mc_message_waiting(const mc_message *m);

/* The request.  Its URL, headers and body are exactly what to send
 * (already signed where the flow signs); do not change them. */
unsigned mc_request_id(const mc_request *r);       /* unique within the message */
const char *mc_request_method(const mc_request *r);
const char *mc_request_url(const mc_request *r);
size_t mc_request_header_count(const mc_request *r);
mc_header mc_request_header(const mc_request *r, size_t i);
const char *mc_request_body(const mc_request *r, size_t *len);
long mc_request_timeout_ms(const mc_request *r);    /* 0: the host's default */
int mc_request_idempotent(const mc_request *r);     /* may be retried */
int mc_request_verify_tls(const mc_request *r);     /* 0 only where a flow says so */
const char *mc_request_label(const mc_request *r);  /* e.g. "amazonlambda.invoke" */
/* Send no sooner than this many milliseconds from now: the backoff before
 * a retry the flow decided (the AWS retry modes); 0: now. */
long mc_request_delay_ms(const mc_request *r);
/* 1: the flow retries this request itself, the host must not; 0: the
 * host's own policy applies. */
int mc_request_no_retry(const mc_request *r);

/* Hand back the answer (copied).  MC_ESTATE when r was answered already. */
mc_code mc_request_answer(mc_message *m, mc_request *r, int status,
                          const mc_header *headers, size_t nheaders,
                          const char *body, size_t len);
/* Hand back a transport failure: fault_code 101503 (unreachable), 101504
 * (timeout) or 101500 (anything else), error a short text. */
mc_code mc_request_fail(mc_message *m, mc_request *r, int fault_code,
                        const char *error);
/* Continue the message with the answers given so far: MC_OK or MC_EFAULT
 * when the flow ended, MC_ESUSPENDED while it still waits. */
mc_code mc_resume(mc_message *m);

/* Results.  Returned pointers stay valid until the message changes or is
 * freed.  mc_message_payload serialises the current payload. */
const char *mc_message_payload(mc_message *m, size_t *len);
const char *mc_message_content_type(const mc_message *m);
const char *mc_message_property(const mc_message *m, const char *name);
const char *mc_message_header(const mc_message *m, const char *name);
int mc_message_status(const mc_message *m);  /* HTTP_SC, 0 when unset */
/* After MC_EFAULT: ERROR_CODE and ERROR_MESSAGE of the fault. */
const char *mc_message_error_code(const mc_message *m);
const char *mc_message_error_message(const mc_message *m);

/* For native mediators: raise a fault with Synapse error code and message. */
mc_code mc_message_fault(mc_message *m, const char *code, const char *message);

#ifdef __cplusplus
}
#endif

#endif

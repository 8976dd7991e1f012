/* flow_harness.h - shared test helper for the core-layer unit tests: load
 * a Synapse configuration from a string with the built-in mediators, run a
 * message through a sequence, and capture what the flow logs.  Used by the
 * msg, expr, config, mediators and engine tests (linked into each). */
#ifndef MC_FLOW_HARNESS_H
#define MC_FLOW_HARNESS_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "engine/engine.h"
#include "mediators/mediators.h"
#include "msg/msg.h"

typedef struct th_flow {
    mc_config *cfg;
    mc_logger lg;
    mc_buf logs;        /* every line the sink received, '\n'-terminated */
    mc_message *m;
    mc_code load_rc;    /* load + link result */
} th_flow;

/* A config with the built-in mediator registry and nothing loaded. */
mc_config *th_config_new(void);
/* Load xml into cfg and link; returns the combined result. */
mc_code th_config_load(mc_config *cfg, const char *xml);
/* Diagnostics of loading and linking xml (malloc'd; caller frees). */
char *th_diags(const char *xml);
/* A configuration and the diagnostics it must give: exactly diag, or,
 * when diag starts with '~', diagnostics that contain the rest of it. */
typedef struct th_diag_case { const char *xml, *diag; } th_diag_case;
/* Check every case, printing each mismatch, then fail if any did. */
void th_check_diags(const th_diag_case *c, size_t n);

/* Load xml (failing the test with the diagnostics when it does not load)
 * into a fresh flow with a message and a capturing DEBUG-level logger. */
th_flow *th_flow_new(const char *xml);
/* Same, over an existing config (takes ownership). */
th_flow *th_flow_with(mc_config *cfg);
void th_flow_free(th_flow *f);
/* Replace the flow's message with a fresh one. */
void th_flow_reset_msg(th_flow *f);

/* Set a JSON payload (when json != NULL) and run sequence `seq`. */
mc_code th_run(th_flow *f, const char *seq, const char *json);
/* Start seq with explicit out and fault sequences (names, may be NULL). */
mc_code th_run3(th_flow *f, const char *seq, const char *out, const char *fault);
/* Set an XML payload (application/xml), failing the test if it does not
 * parse. */
void th_set_xml(th_flow *f, const char *xml);
/* Payload as serialised by mc_msg_payload_bytes (NUL-terminated view). */
const char *th_payload(th_flow *f);
/* Default-scope property value or NULL. */
const char *th_prop(th_flow *f, const char *name);
const char *th_logs(th_flow *f);

/* The bytes of a file (NUL-terminated, malloc'd) and their count, or NULL. */
char *th_read_file(const char *path, size_t *len);

/* A message with no config and a quiet logger (for expression tests). */
mc_message *th_msg_new(void);
/* Compile src (failing the test on error), evaluate as a string on m. */
const char *th_eval(mc_message *m, const char *src);
/* Each case's src evaluated on m must give want (fails naming the case). */
typedef struct th_eval_case { const char *src, *want; } th_eval_case;
void th_check_evals(mc_message *m, const th_eval_case *c, size_t n);

#endif

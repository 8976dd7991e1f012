/* connector.h - the generic connector runtime, as the API layer uses it.
 *
 * Connectors are data (connector/<name>/, see descriptor.h).  Loading them
 * gives an immutable set; the set supplies mediator types for the flow
 * elements <name.init> and <name.op>, compiles v2 connections held in local
 * entries, suggests names for typos and describes itself for humans.
 *
 * Wiring (done by the API layer): cfg->connector_ctx = the set, and the
 * registry hooks call mc_connectors_lookup / _suggest /
 * _compile_connection.  An operation mediator finds its descriptor through
 * cc->cfg->connector_ctx when it compiles. */
#ifndef MC_CONNECTOR_H
#define MC_CONNECTOR_H

#include <libxml/tree.h>

#include "config/config.h"
#include "connector/descriptor.h"
#include "util/buf.h"
#include "util/error.h"

/* Load from MEDIAC_CONNECTOR_PATH (colon-separated), else the installed
 * share/mediac/connector (see util/datadir.h: the build tree's library
 * uses the source tree's connector/).  NULL on
 * error (err says which file and line, or that no folder was found). */
mc_connectors *mc_connectors_load(mc_err *err);
void mc_connectors_free(mc_connectors *cs);

/* The mediator type for an element: <name.init> gives the init type, a
 * known <name.op> the generic operation type; NULL otherwise. */
const mc_mediator_type *mc_connectors_lookup(const mc_connectors *cs,
                                             const char *element);
/* Compile the <name.init> child of a local entry as a v2 connection; NULL
 * after reporting with mc_diag() on error.  connectors: mc_connectors *. */
void *mc_connectors_compile_connection(void *connectors, mc_compiler *cc,
                                       xmlNodePtr init);
/* The known "name.op" (or "name.init") closest to a mistyped element, or
 * NULL. */
const char *mc_connectors_suggest(const mc_connectors *cs, const char *element);

/* Append a human listing: what = "" or NULL (every connector), a connector
 * name (its init parameters and operations with one-line descriptions) or
 * "name.op" (each parameter: name, required, default, where it goes, type,
 * description).  MC_ENOTFOUND for an unknown name. */
mc_code mc_connectors_describe(const mc_connectors *cs, const char *what,
                               mc_buf *out);

/* The two mediator types (for tests and the registry). */
extern const mc_mediator_type mc_med_connector_init;
extern const mc_mediator_type mc_med_connector_op;

#endif

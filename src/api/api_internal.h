/* api_internal.h - what the mediac command (and tests) use beyond
 * mediac.h: loading several paths with one link step, the compiled
 * configuration, and the blocking I/O step. */
#ifndef MC_API_INTERNAL_H
#define MC_API_INTERNAL_H

#include "mediac.h"

#include "config/config.h"
#include "connector/connector.h"
#include "msg/msg.h"

/* Load every path, then resolve references once across all of them. */
mc_code mc_engine_load_paths(mc_engine *e, const char *const *paths, size_t n);
const mc_config *mc_engine_config(const mc_engine *e);
const mc_connectors *mc_engine_connectors(const mc_engine *e);
const mc_logger *mc_engine_logger(const mc_engine *e);
/* The line format of the default (stderr) writer: MC_LOG_TEXT or
 * MC_LOG_JSON (util/log.h); run and serve set it from --log-format. */
void mc_engine_set_log_format(mc_engine *e, int format);
/* Run a flow (an API resource's in/out/fault sequences) to the end,
 * blocking on its requests as mc_run_sequence does. */
mc_code mc_run_flow(mc_message *m, const mc_seq *in, const mc_seq *out, const mc_seq *fault);


#endif

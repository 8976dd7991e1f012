/* viewer.h - the flow viewer: one self-contained HTML page (inline CSS
 * and script, nothing loaded from elsewhere) that lists the deployed
 * artifacts and draws every API resource, proxy, sequence and sequence
 * template as a diagram: mediators as boxes, filter/switch and the split
 * mediators (clone, iterate, foreach, scatter-gather) as side-by-side
 * branches, calls to endpoints and connector operations as call boxes
 * naming their target, references (sequence keys, call-template targets,
 * endpoint keys, configKey connections) as links to the referenced
 * artifact.  Each artifact shows its request and error counts, refreshed
 * every 2 s from /viewer/counts.  Every name is HTML-escaped and ids are
 * index-based, so no artifact name reaches the page unescaped. */
#ifndef MC_HOST_VIEWER_H
#define MC_HOST_VIEWER_H

#include "api/api_internal.h"
#include "util/buf.h"

/* Requests and error answers (status >= 500) of one artifact label
 * ("api:NAME", "proxy:NAME"). */
typedef void (*mc_viewer_counts_fn)(void *ud, const char *artifact, double *requests,
                                    double *errors);

/* The page (text/html). */
int mc_viewer_page(const mc_config *cfg, mc_viewer_counts_fn counts, void *ud, mc_buf *body,
                   const char **content_type);
/* {"api:NAME":{"requests":N,"errors":N},...} for every API and proxy. */
int mc_viewer_counts(const mc_config *cfg, mc_viewer_counts_fn counts, void *ud, mc_buf *body,
                     const char **content_type);

#endif

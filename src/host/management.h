/* management.h - the read-only part of WSO2 MI's Management API and MI's
 * probes, answered from a loaded configuration: /management/apis,
 * /management/proxy-services, /management/sequences, /management/endpoints,
 * /management/local-entries, /management/templates, /management/connectors,
 * /management/message-stores, /management/message-processors,
 * /management/tasks, /management/inbound-endpoints (each with MI's query
 * parameter for one artifact: apiName, proxyServiceName, sequenceName,
 * endpointName, name, type&name, connectorName, name, name, taskName,
 * inboundEndpointName), /liveness, and the artifact source used by the flow
 * viewer.  MI's JSON shapes: {"count":N,"list":[...]} for lists; an
 * unknown artifact is 404 {"Error":"..."} (MI's createJsonError shape).
 * Pure functions of the configuration: unit-tested without a server. */
#ifndef MC_HOST_MANAGEMENT_H
#define MC_HOST_MANAGEMENT_H

#include <libxml/tree.h>

#include "api/api_internal.h"
#include "util/buf.h"

typedef struct mc_mgmt_ctx {
    const mc_config *cfg;
    const mc_connectors *connectors;   /* may be NULL */
    const char *base_url;              /* "http://127.0.0.1:8290" for artifact URLs */
    /* A message processor's state while serving (may be NULL: the
     * configuration's is.active); false when it has none. */
    bool (*processor_active)(void *ud, const char *name, bool *active);
    void *state_ud;
} mc_mgmt_ctx;

/* Answer GET path?query (query without '?', may be NULL).  Returns the
 * HTTP status; body and *content_type are filled. */
int mc_management_answer(const mc_mgmt_ctx *c, const char *path, const char *query,
                         mc_buf *body, const char **content_type);

/* The value of one query parameter (decoded into out), or false. */
bool mc_query_param(const char *query, const char *name, mc_buf *out);

/* The element an artifact was defined by, re-read from its file (at most
 * 16 MiB, no network, no entities): the element named `element` that
 * starts on `line`.  NULL when the file cannot be read or parsed (for
 * example a file inside a .car).  Free *doc with xmlFreeDoc. */
xmlNodePtr mc_artifact_source(const char *file, int line, const char *element,
                              xmlDocPtr *doc);

/* XML of a definition with the text of secret-named elements
 * (secretAccessKey, password, ...) replaced by "*****", as MI masks
 * passwords in local entries. */
void mc_artifact_xml(xmlNodePtr node, mc_buf *out);

#endif

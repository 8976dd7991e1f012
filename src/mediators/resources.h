/* resources.h - the <resource location key> maps of xslt and validate: an
 * xsl:import / xsl:include / xs:include / xs:import names a location, and
 * the map gives the local entry (or registry resource) that stands for it.
 * While a map is active on a thread, libxslt's document loader and libxml2's
 * external entity loader serve only the map's entries: no files, no network,
 * no document() at transformation time.  Outside an active map both loaders
 * behave as before mediac installed them (hosts using libxml2 are not
 * affected). */
#ifndef MC_RESOURCES_H
#define MC_RESOURCES_H

#include <libxml/tree.h>

#include "config/config.h"

typedef struct mc_res_item {
    const char *location;
    const char *key;
    const mc_local_entry *entry;   /* resolved at link */
} mc_res_item;

typedef struct mc_res_map {
    mc_res_item *items;
    size_t n;
} mc_res_map;

/* Compile the <resource location key/> children of parent (other children
 * are left to the caller).  References resolve at link, before any
 * mc_ref_entry_compile registered after this call runs. */
void mc_res_compile(mc_compiler *cc, xmlNodePtr parent, mc_res_map *map);

/* The XML of a local entry as a new document (an element entry copied, a
 * text entry parsed safely); NULL with err filled. */
xmlDocPtr mc_res_entry_doc(const mc_local_entry *e, mc_err *err);

/* The first element an XPath source selects, or NULL with err (MC_ENOTFOUND
 * "The evaluation of the XPath expression X did not result in an OMNode",
 * Synapse's words).  Used by xslt and validate. */
xmlNodePtr mc_select_element(const mc_expr *source, mc_message *m, mc_err *err);

/* Serve loads on this thread from map (may be NULL: serve nothing) until
 * mc_res_end().  Not nested. */
void mc_res_begin(const mc_res_map *map);
void mc_res_end(void);

#endif

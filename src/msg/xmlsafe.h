/* xmlsafe.h - the one way mediac parses XML: no network, no DTDs, no
 * external or internal entities (so no billion laughs), bounded depth,
 * bounded size of the tree, and errors as values with line and column. */
#ifndef MC_XMLSAFE_H
#define MC_XMLSAFE_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

#include "json/json.h"
#include "util/error.h"

/* A document may have at most MC_XML_MAX_NODES nodes (json/json.h) and at
 * most this many attributes on one element: libxml2 2.9
 * checks an element's attributes for duplicates pairwise, so the cost of
 * an element grows with the square of its attribute count. */
#define MC_XML_MAX_ATTRS 256

typedef struct mc_xml_error {
    int line;
    int col;
    char msg[256];
    bool too_big;     /* refused for MC_XML_MAX_NODES (a 413, not a 400) */
} mc_xml_error;

/* Parse data[0..len).  name is the document URL used in messages (may be
 * NULL).  On failure returns NULL and fills xe (line/col 0 when unknown).
 * keep_blanks: false drops ignorable whitespace text nodes.  The limits
 * above are checked on the text before libxml2 builds anything. */
xmlDocPtr mc_xml_parse(const char *data, size_t len, const char *name,
                       int keep_blanks, mc_xml_error *xe);

/* The '<!' of a DOCTYPE (or other declaration) before the root element,
 * or NULL.  Documents with one are refused. */
const char *mc_xml_find_doctype(const char *data, size_t len);

/* Count what the text would make (a linear scan, no tree): the offset of
 * the element that has more than max_attrs attributes, or of the node
 * past max_nodes, with *what saying which; len when within both. */
size_t mc_xml_scan_limits(const char *data, size_t len, size_t max_nodes,
                          size_t max_attrs, const char **what);

/* Silence libxml2's default error printing on this thread. */
void mc_xml_quiet(void);

#endif

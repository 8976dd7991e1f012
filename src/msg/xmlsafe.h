/* xmlsafe.h - the one way mediac parses XML: no network, no DTDs, no
 * external or internal entities (so no billion laughs), bounded depth, and
 * errors as values with line and column. */
#ifndef MC_XMLSAFE_H
#define MC_XMLSAFE_H

#include <stddef.h>

#include <libxml/tree.h>

#include "util/error.h"

typedef struct mc_xml_error {
    int line;
    int col;
    char msg[256];
} mc_xml_error;

/* Parse data[0..len).  name is the document URL used in messages (may be
 * NULL).  On failure returns NULL and fills xe (line/col 0 when unknown).
 * keep_blanks: false drops ignorable whitespace text nodes. */
xmlDocPtr mc_xml_parse(const char *data, size_t len, const char *name,
                       int keep_blanks, mc_xml_error *xe);

/* The '<!' of a DOCTYPE (or other declaration) before the root element,
 * or NULL.  Documents with one are refused. */
const char *mc_xml_find_doctype(const char *data, size_t len);

/* Silence libxml2's default error printing on this thread. */
void mc_xml_quiet(void);

#endif

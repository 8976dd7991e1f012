/* json_edit.h - writing a JSON tree back out with some of its nodes
 * changed, the edits Jayway JsonPath makes for Synapse's enrich mediator:
 * set the nodes a path selects, delete them, add a child to them (an
 * item appended to an array, the members of an object merged into an
 * object), rename a member of the objects a path selects.  The tree is
 * never modified; the result is new compact JSON text. */
#ifndef MC_MEDIATORS_JSON_EDIT_H
#define MC_MEDIATORS_JSON_EDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "json/json.h"
#include "util/buf.h"

typedef enum mc_json_edit_op {
    MC_JE_SET,     /* each match becomes value */
    MC_JE_DELETE,  /* each match leaves its object or array */
    MC_JE_ADD,     /* value appended to a matched array; a matched object
                      gets value's members (an existing key keeps its place
                      with the new value, new keys go last, as Gson's add) */
    MC_JE_RENAME,  /* member `key` of a matched object renamed to `new_key`
                      (it goes last, as Gson's remove + add) */
} mc_json_edit_op;

typedef struct mc_json_edit {
    mc_json_edit_op op;
    const mc_json *matches;    /* nodes of root (from mc_jsonpath_select) */
    size_t nmatches;
    mc_json value;             /* SET, ADD */
    const char *key, *new_key; /* RENAME */
    size_t key_len, new_key_len;
} mc_json_edit;

/* Write root with the edit applied to out.  False when nothing was
 * written (the root itself deleted). */
bool mc_json_write_edited(mc_buf *out, mc_json root, const mc_json_edit *e);

#endif

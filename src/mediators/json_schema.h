/* json_schema.h - JSON Schema validation (draft-04, the draft WSO2 MI's
 * validate mediator uses through fge's json-schema-validator) over
 * mediac's JSON tree.  A schema is compiled once: parsed, its keywords
 * checked, every pattern compiled and every $ref resolved (references stay
 * inside the schema document: nothing is loaded from files or the
 * network).  A compiled schema is immutable and may be used by any number
 * of threads at once. */
#ifndef MC_JSON_SCHEMA_H
#define MC_JSON_SCHEMA_H

#include <stdbool.h>

#include "json/json.h"
#include "util/buf.h"
#include "util/error.h"

typedef struct mc_json_schema mc_json_schema;

/* Compile schema text[0..len).  NULL with err (MC_EPARSE) naming where the
 * schema is wrong, e.g. "JSON Schema /properties/a/minLength: must be a
 * non-negative integer". */
mc_json_schema *mc_json_schema_compile(const char *text, size_t len, mc_err *err);
void mc_json_schema_free(mc_json_schema *s);

/* Validate instance v.  True when valid.  Otherwise, when message (and
 * detail) are not NULL, they receive the first error as fge reports it:
 * the message ("instance type (string) does not match any allowed
 * primitive type (allowed: [\"integer\"])") and the report
 * ("error: ...\n    level: \"error\"\n    schema: {...}\n ..."). */
bool mc_json_schema_validate(const mc_json_schema *s, mc_json v, mc_buf *message,
                             mc_buf *detail);

#endif

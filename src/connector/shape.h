/* shape.h - the client-side rules of a connector parameter: its text
 * checked against its type and against the model shape it names
 * (required members, numeric ranges, lengths, enums, the types of list
 * items and map values, structure members), as the AWS SDKs check a
 * request before sending it.  Internal to src/connector/. */
#ifndef MC_CONNECTOR_SHAPE_H
#define MC_CONNECTOR_SHAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connector/descriptor.h"
#include "util/buf.h"
#include "util/error.h"

/* Is text v[0..n) a valid value of parameter p: of its type (as
 * mc_cp_check) and within its shape?  err (MC_EPARSE) names the rule and,
 * inside a JSON value, where: "'64' is below the minimum 128",
 * "value of 'STAGE' must be a string, not a number",
 * "member 'Foo' is not one of SubnetIds, SecurityGroupIds". */
bool mc_cparam_check(const mc_cparam *p, const char *v, size_t n, mc_err *err);

/* A timestamp as text: ISO 8601 ("2024-05-01T12:00:00Z", optional
 * fraction, 'Z' or an offset, or a date alone) or epoch seconds
 * ("1714564800", "1714564800.25").  UTC seconds and microseconds. */
bool mc_timestamp_parse(const char *v, size_t n, int64_t *sec, int32_t *usec);
/* As the AWS SDKs send it: in a query "2024-05-01T12:00:00Z" (with
 * ".ffffffZ" when there are microseconds); in a JSON body the epoch
 * seconds, whole. */
void mc_timestamp_query(mc_buf *out, int64_t sec, int32_t usec);
void mc_timestamp_json(mc_buf *out, int64_t sec);

#endif

/* shape.h - the client-side rules of a connector parameter: its text
 * checked against its type and against the model shape it names
 * (required members, numeric ranges, lengths, enums, the types of list
 * items and map values, structure members), as the AWS SDKs check a
 * request before sending it.  Internal to src/connector/. */
#ifndef MC_CONNECTOR_SHAPE_H
#define MC_CONNECTOR_SHAPE_H

#include <stdbool.h>
#include <stddef.h>

#include "connector/descriptor.h"
#include "util/buf.h"
#include "util/error.h"

/* Is text v[0..n) a valid value of parameter p: of its type (as
 * mc_cp_check) and within its shape?  err (MC_EPARSE) names the rule and,
 * inside a JSON value, where: "'64' is below the minimum 128",
 * "value of 'STAGE' must be a string, not a number",
 * "member 'Foo' is not one of SubnetIds, SecurityGroupIds". */
bool mc_cparam_check(const mc_cparam *p, const char *v, size_t n, mc_err *err);

#endif

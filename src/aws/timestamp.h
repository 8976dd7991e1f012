/* timestamp.h - AWS timestamps: parsing what people and services write,
 * writing what the SDKs send. */
#ifndef MC_AWS_TIMESTAMP_H
#define MC_AWS_TIMESTAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* ISO 8601 ("2024-05-01T12:00:00Z", optional fraction, 'Z' or an offset,
 * or a date alone) or epoch seconds ("1714564800", "1714564800.25"), as
 * UTC seconds and microseconds. */
bool mc_aws_time_parse(const char *v, size_t n, int64_t *sec, int32_t *usec);
/* "2024-05-01T12:00:00Z", with ".ffffffZ" when there are microseconds:
 * what botocore sends in a query string. */
void mc_aws_time_iso8601(mc_buf *out, int64_t sec, int32_t usec);

#endif

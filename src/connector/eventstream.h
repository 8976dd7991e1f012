/* eventstream.h - AWS's binary event-stream framing
 * (application/vnd.amazon.eventstream), as InvokeWithResponseStream
 * answers: a sequence of messages, each
 *
 *   total length (4, big-endian) | headers length (4) | prelude CRC32 (4)
 *   | headers | payload | message CRC32 (4)
 *
 * a header being name length (1) | name | value type (1) | value (bool
 * true/false: none, byte 1, short 2, int 4, long 8, bytes and string:
 * length (2) + data, timestamp 8, uuid 16).  Both CRCs are checked.
 * Hand-written (no packaged library reads it); fuzzed by fuzz_eventstream. */
#ifndef MC_CONNECTOR_EVENTSTREAM_H
#define MC_CONNECTOR_EVENTSTREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/error.h"

#define MC_EVENTSTREAM_MAX_MESSAGE (16u * 1024 * 1024)

/* One decoded message: the string headers that matter, and the payload.
 * Pointers are into the input. */
typedef struct mc_event {
    const char *message_type;    /* ":message-type": event, exception, error */
    size_t message_type_len;
    const char *event_type;      /* ":event-type" or ":exception-type" */
    size_t event_type_len;
    const char *error_code;      /* ":error-code" (message-type error) */
    size_t error_code_len;
    const char *error_message;   /* ":error-message" */
    size_t error_message_len;
    const char *payload;
    size_t payload_len;
} mc_event;

typedef bool (*mc_event_fn)(void *ud, const mc_event *ev);

/* Decode every message of data[0..len), calling fn for each (fn returns
 * false to stop).  MC_EPARSE with the offset for a bad frame: a length out
 * of bounds, a CRC mismatch, a header that runs past its block, trailing
 * bytes that are not a whole message. */
mc_code mc_eventstream_decode(const char *data, size_t len, mc_event_fn fn, void *ud,
                              mc_err *err);

/* A message in this framing (tests, stand-ins): headers are string
 * headers given as name, value pairs (NULL-terminated list). */
void mc_eventstream_encode(mc_buf *out, const char *const *headers,
                           const char *payload, size_t payload_len);

#endif

/* codec.h - base64 and URL encodings used by expressions and connectors,
 * and the rules for putting message values into URLs and headers. */
#ifndef MC_CODEC_H
#define MC_CODEC_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* A version 4 UUID (RFC 4122) in 36 characters and a NUL, from the
 * kernel's random bytes fetched 4 KiB at a time per thread (no system
 * call per UUID; a forked child refills).  False when the kernel gives no
 * random bytes; out is then untouched. */
bool mc_uuid_v4(char out[37]);
/* The same from 16 bytes of the caller's (version and variant bits set). */
void mc_uuid_format(const unsigned char bytes[16], char out[37]);

/* Value of a hex digit, or -1. */
int mc_hex_value(int c);

/* Standard base64 with padding. */
void mc_base64_encode(mc_buf *out, const void *data, size_t n);
/* Decode standard base64 (padding optional, whitespace ignored).  False on
 * any other character or bad length; out then holds a partial result. */
bool mc_base64_decode(mc_buf *out, const char *s, size_t n);
/* Java URLEncoder.encode (UTF-8): unreserved a-z A-Z 0-9 . - * _ kept,
 * space as '+', everything else %XX. */
void mc_url_encode_form(mc_buf *out, const char *s, size_t n);
/* RFC 3986: unreserved A-Z a-z 0-9 - . _ ~ kept, everything else %XX. */
void mc_url_encode_rfc3986(mc_buf *out, const char *s, size_t n);
/* One path segment made from a message value: RFC 3986 encoding (the
 * unreserved A-Z a-z 0-9 - . _ ~ kept; '/', '?', '#', '%', NUL and every
 * other byte as %XX), and a value that is exactly "." or ".." written as
 * %2E or %2E%2E, so no client, proxy or server can take it for a dot
 * segment and drop it or climb out of the path. */
void mc_url_encode_segment(mc_buf *out, const char *s, size_t n);
/* A REST_URL_POSTFIX (a request's raw path below a proxy or API, with
 * its ?query) made safe to append to an endpoint address: its dot
 * segments, written plainly or percent-encoded ("..", "%2e%2E", ".%2e"),
 * are resolved inside the postfix and can never climb above it
 * ("/a/../../b" gives "/b"); other segments keep their encoding; bytes
 * that cannot stand in a URL (controls, space, non-ASCII, '"' '<' '>' '\'
 * '^' '`' '{' '|' '}') are percent-encoded. */
void mc_url_clean_postfix(mc_buf *out, const char *s, size_t n);
/* True when s[0..n) may be an HTTP field value (RFC 9110): no control
 * character but horizontal tab (so no CR, LF or NUL) and no DEL. */
bool mc_header_value_ok(const char *s, size_t n);
/* True when s[0..n) is an HTTP token (RFC 9110 tchar+), as a method
 * must be: not empty, no space, control or separator. */
bool mc_http_token_ok(const char *s, size_t n);
/* True when s[0..n) can stand in a request line as a URL: no control
 * character, space or DEL (so no CR, LF or NUL). */
bool mc_url_text_ok(const char *s, size_t n);
/* Percent-decoding; plus_as_space for form encoding.  False on a bad %. */
bool mc_url_decode(mc_buf *out, const char *s, size_t n, bool plus_as_space);

#endif

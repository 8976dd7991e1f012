/* codec.h - base64 and URL encodings used by expressions and connectors. */
#ifndef MC_CODEC_H
#define MC_CODEC_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

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
/* Percent-decoding; plus_as_space for form encoding.  False on a bad %. */
bool mc_url_decode(mc_buf *out, const char *s, size_t n, bool plus_as_space);

#endif

/* utf8.h - strict UTF-8 (RFC 3629): the one decoder that decides what is
 * valid text, for JSON bodies, log escaping and names. */
#ifndef MC_UTF8_H
#define MC_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length (1 to 4) of the well-formed UTF-8 sequence that starts s[0..n),
 * with its code point in *cp; 0 when s does not start one: a stray
 * continuation byte, a truncated sequence, an overlong form (C0 AF), a
 * surrogate (ED A0 80) or a code point above U+10FFFF.  n must be > 0. */
size_t mc_utf8_next(const unsigned char *s, size_t n, uint32_t *cp);

/* Write code point cp (at most U+10FFFF) as UTF-8 into out; returns its
 * length, 1 to 4. */
size_t mc_utf8_encode(uint32_t cp, unsigned char out[4]);

/* Offset of the first byte of s[0..n) that does not start a well-formed
 * sequence, or n when all of it is valid UTF-8. */
size_t mc_utf8_check(const char *s, size_t n);

#endif

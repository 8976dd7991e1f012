/* number.h - decimal numbers from text that carries its length (not
 * NUL-terminated), the whole text consumed. */
#ifndef MC_NUMBER_H
#define MC_NUMBER_H

#include <stdbool.h>
#include <stddef.h>

/* An optional sign and decimal digits, within 64 bits. */
bool mc_parse_int64(const char *v, size_t n, long long *out);
/* A finite decimal number (sign, digits, fraction, exponent); no hex,
 * inf or nan. */
bool mc_parse_double(const char *v, size_t n, double *out);
/* v in decimal into out (NUL-terminated); its length.  For the hot path,
 * where snprintf's "%d" costs a thousand instructions. */
size_t mc_format_int(long long v, char out[21]);

#endif

/* javanum.h - numbers as the Java runtime under WSO2 MI prints, parses and
 * computes them, so Synapse Expressions give MI's answers digit for digit:
 * Double.toString, Integer/Long/Double.parseX, and the java.math.BigDecimal
 * arithmetic MI's expression engine uses for decimal operands (exact
 * decimal add, subtract, multiply and remainder; division rounded HALF_UP
 * at the dividend's scale; setScale for round(x, n)).  Decimal arithmetic
 * is exact through GMP integers. */
#ifndef MC_JAVANUM_H
#define MC_JAVANUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Java's Double.toString: the shortest decimal that reads back as d, as
 * "12.5", "0.001", "1.0E7", "2.5E-4", "NaN", "-Infinity", "-0.0".  Writes a
 * NUL-terminated string of at most 31 bytes to out; returns its length. */
size_t mc_java_double_text(double d, char out[32]);

/* Integer.parseInt / Long.parseLong: optional sign, decimal digits only,
 * within range.  Double.parseDouble: Java's grammar (surrounding
 * characters <= ' ' ignored, optional sign, "NaN", "Infinity", decimal with
 * optional exponent and an optional f/F/d/D suffix).  False when the text
 * is not such a number. */
bool mc_java_parse_int(const char *s, size_t n, int32_t *out);
bool mc_java_parse_long(const char *s, size_t n, int64_t *out);
bool mc_java_parse_double(const char *s, size_t n, double *out);

/* BigDecimal(a) OP BigDecimal(b) as a double, for OP one of + - * / %.
 * a and b are Java number texts ("8.95", "5.0", "2.0E9").  '/' rounds
 * HALF_UP to a's scale (BigDecimal.divide(b, ROUND_HALF_UP)); '%' is
 * BigDecimal.remainder.  Returns false when a text is not a BigDecimal
 * (NaN, Infinity) or b is zero for '/' and '%'. */
bool mc_decimal_arith(char op, const char *a, size_t an, const char *b,
                      size_t bn, double *out);

/* new BigDecimal(Double.toString(v)).setScale(places, HALF_UP).doubleValue().
 * False for NaN or infinite v. */
bool mc_decimal_round(double v, int places, double *out);

/* Classify the text of a JSON number the way MI's JSON layer (Jayway
 * JsonPath over Gson) unwraps it: an integral value (scale <= 0) within
 * int range is an int, within long range a long, beyond that a
 * big decimal; a fraction that survives the round trip through double is a
 * double, otherwise a big decimal. */
typedef enum {
    MC_JNUM_INT,
    MC_JNUM_LONG,
    MC_JNUM_DOUBLE,
    MC_JNUM_BIG,
} mc_jnum_kind;
mc_jnum_kind mc_java_classify_number(const char *s, size_t n, int64_t *iv,
                                     double *dv);

#endif

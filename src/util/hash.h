/* hash.h - FNV-1a hashing and ASCII case folding (inline) for name lookups:
 * the property store, header and special-name tables. */
#ifndef MC_UTIL_HASH_H
#define MC_UTIL_HASH_H

#include <stdint.h>

#define MC_FNV1A_INIT 2166136261u

static inline uint32_t mc_fnv1a_byte(uint32_t h, unsigned char c)
{
    return (h ^ c) * 16777619u;
}

/* 'A'..'Z' to 'a'..'z', every other byte unchanged: what strcasecmp
 * compares in the C locale. */
static inline unsigned char mc_ascii_lower(unsigned char c)
{
    return (unsigned char)((unsigned)(c - 'A') < 26u ? c | 0x20u : c);
}

#endif

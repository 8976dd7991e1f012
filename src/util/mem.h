/* mem.h - giving memory back: malloc settings for a long-running server
 * and a trim after requests that used a lot, so that RSS falls back after
 * a burst of big messages instead of staying at its peak. */
#ifndef MC_MEM_H
#define MC_MEM_H

#include <stddef.h>

/* Process-wide malloc settings for `mediac serve` (not for a host that
 * embeds libmediac: its allocator is its own business).  Blocks of 128 KiB
 * and more always come from mmap and go straight back when freed (glibc
 * otherwise raises that threshold after the first big free, and from then
 * on big blocks stay in the heap); free heap memory over 1 MiB at the top
 * is given back. */
void mc_mem_server_setup(void);

/* Call when a request that held `bytes` (its body, typically) is done:
 * above MC_MEM_TRIM_AFTER, free heap pages are given back to the kernel
 * (malloc_trim), which costs about a millisecond. */
#define MC_MEM_TRIM_AFTER ((size_t)1 << 20)
void mc_mem_after_request(size_t bytes);

#endif

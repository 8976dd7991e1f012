/* mem.c - malloc settings and trimming (see mem.h). */
#include "util/mem.h"

#include <stdlib.h> /* defines __GLIBC__ on glibc */
#ifdef __GLIBC__
#include <malloc.h>
#endif

void mc_mem_server_setup(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
#endif
}

void mc_mem_after_request(size_t bytes)
{
#ifdef __GLIBC__
    if (bytes >= MC_MEM_TRIM_AFTER)
        malloc_trim(0);
#else
    (void)bytes;
#endif
}

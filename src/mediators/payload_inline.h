/* payload_inline.h - MI 4.4 inline ${...} expressions in a payloadFactory
 * format (payload_inline.c), used by payload_factory.c on the literal
 * text around its $n placeholders. */
#ifndef MC_PAYLOAD_INLINE_H
#define MC_PAYLOAD_INLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

enum { MC_PF_JSON, MC_PF_XML, MC_PF_TEXT };

typedef struct mc_pf_inline mc_pf_inline;

/* Compile the ${...} parts of lit[0..n) (literal format text for media
 * MC_PF_*).  NULL when there are none, or on an error (reported at node;
 * *failed set).  Lives in the configuration's arena. */
mc_pf_inline *mc_pf_inline_compile(mc_compiler *cc, xmlNodePtr node, const char *lit,
                                   size_t n, int media, bool *failed);
/* Append the text with each ${...} replaced by its value. */
mc_code mc_pf_inline_render(const mc_pf_inline *t, mc_message *m, mc_buf *out,
                            mc_err *err);

#endif

/* conditions.h - Synapse's commons evaluators (and, or, not, equal, match
 * over a URL and its fragments, a query parameter, a transport header, a
 * property or an XPath over the envelope), compiled once and shared by
 * <rewrite> and <conditionalRouter>; and a URL split into fragments as
 * java.net.URI does. */
#ifndef MC_CONDITIONS_H
#define MC_CONDITIONS_H

#include "mediators/mediators.h"

/* URL fragments (java.net.URI): MC_FRAG_FULL is the whole URL. */
enum { MC_FRAG_FULL = -2, MC_FRAG_PORT = -1, MC_FRAG_PROTOCOL = 0, MC_FRAG_USER, MC_FRAG_HOST,
       MC_FRAG_PATH, MC_FRAG_QUERY, MC_FRAG_REF, MC_NFRAG };

typedef struct mc_uri_frags {
    char *f[MC_NFRAG];    /* arena strings or NULL */
    int port;             /* -1: none */
} mc_uri_frags;

/* The fragment named f ("protocol", ..., "port", "full"; NULL is full), or
 * INT_MIN for an unknown name. */
int mc_uri_fragment_of(const char *f);
/* Split uri (may be NULL) into fr, strings in m's arena. */
void mc_uri_frags_set(mc_message *m, mc_uri_frags *fr, const char *uri);
/* The URL again, quoted as URI's multi-argument constructor quotes it. */
const char *mc_uri_frags_string(mc_message *m, const mc_uri_frags *fr);

typedef struct mc_cond mc_cond;
/* One evaluator element (<and>, <or>, <not>, <equal>, <match>) and its
 * children; NULL after a diagnostic. */
mc_cond *mc_cond_compile(mc_compiler *cc, xmlNodePtr e);
/* Does the condition hold for m, with fr the URL the url and param
 * sources read? */
bool mc_cond_holds(mc_message *m, const mc_cond *c, const mc_uri_frags *fr);

#endif

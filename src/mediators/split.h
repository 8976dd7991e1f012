/* split.h - what the split mediators (iterate, clone, foreach,
 * scatter-gather) and <aggregate> share: compiling a <target>, the bound
 * on children per split (mc:maxChildren), the properties Synapse gives a
 * child for aggregation, and the aggregation timeouts iterate and clone
 * cut their children's requests at. */
#ifndef MC_SPLIT_H
#define MC_SPLIT_H

#include "mediators/mediators.h"

/* Children one split may make unless mc:maxChildren says otherwise. */
#define MC_SPLIT_DEFAULT_LIMIT 1000

/* A <target> (to, soapAction; a sequence as attribute or element, or an
 * endpoint as attribute or element, which the child is sent to) as the
 * sequence a child runs; *slot may be filled at link.  False after a
 * diagnostic. */
bool mc_split_target(mc_compiler *cc, xmlNodePtr target, const mc_seq **slot);
/* The mediator's mc:maxChildren (default MC_SPLIT_DEFAULT_LIMIT). */
bool mc_split_limit(mc_compiler *cc, xmlNodePtr node, size_t *limit);
/* A fault when n children exceed limit: "who: N child messages exceed the
 * limit of L (mc:maxChildren)". */
mc_flow mc_split_over_limit(mc_message *m, const char *who, size_t n, size_t limit);
/* A split request in m's arena with room for n children. */
mc_split_req *mc_split_req_new(mc_message *m, size_t n);
/* Synapse's aggregation properties on a child: aggregateCorelation[.id]
 * (the parent's message id) and messageSequence[.id] ("i/n"). */
mc_code mc_split_mark(mc_message *child, const mc_message *parent, const char *id, size_t i,
                      size_t n);
/* Register an <aggregate id>'s completion timeout (ms) at load, and look
 * up the shortest one for an id at run time (0: none). */
void mc_split_note_aggregate(mc_compiler *cc, const char *id, long long timeout_ms);
long long mc_split_aggregate_timeout(const mc_config *cfg, const char *id);

/* JSON text of v with the value target (a node of v) replaced by the JSON
 * text repl (the whole of v when target is v). */
void mc_split_json_replace(mc_buf *out, mc_json v, mc_json target, const char *repl,
                           size_t repl_len);
/* The values a JSONPath iterates, as Synapse's JSON iterate and foreach
 * take them: the items of the array a path selects, or every match of an
 * indefinite path.  *items is allocated in m's arena; returns the count, or
 * (size_t)-1 when the path selects something that is not an array. */
size_t mc_split_json_items(const mc_jsonpath *p, mc_json root, mc_message *m, mc_json **items);

#endif

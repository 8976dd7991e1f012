/* enrich.h - the source and target of Synapse's enrich mediator, shared
 * with <call> and <callout> (MI 4.x call source/target): compiled from
 * <source>/<target> elements, a source evaluated to XML nodes or a JSON
 * value, a target that receives them. */
#ifndef MC_MEDIATORS_ENRICH_H
#define MC_MEDIATORS_ENRICH_H

#include "config/config.h"
#include "json/json.h"

enum { MC_EN_CUSTOM = 0, MC_EN_ENVELOPE, MC_EN_BODY, MC_EN_PROPERTY, MC_EN_INLINE,
       MC_EN_KEY, MC_EN_VARIABLE };
enum { MC_EN_REPLACE = 0, MC_EN_CHILD, MC_EN_SIBLING, MC_EN_REMOVE };

typedef struct mc_inline_part mc_inline_part;

typedef struct mc_enrich_source {
    int type;                    /* MC_EN_* */
    bool clone;
    mc_expr *path;               /* custom: XPath, json-eval, ... */
    const mc_jsonpath *jp;       /* custom json-eval($...) */
    const char *path_list;       /* json-eval(P1,P2...): the paths' text */
    const char *property;
    xmlNodePtr inline_xml;       /* inline element (config copy) */
    const char *inline_text;     /* inline text */
    bool inline_json;            /* the inline text is JSON */
    mc_inline_part *parts;       /* {expr} parts of the inline text */
    uint32_t nparts;
    const mc_local_entry *entry; /* inline key */
    const char *content_type;    /* call/callout: contentType of the body */
} mc_enrich_source;

typedef struct mc_enrich_target {
    int type;
    int action;                  /* MC_EN_REPLACE ... */
    mc_expr *path;
    const mc_jsonpath *jp;       /* custom/key json-eval($...) */
    const mc_jsonpath **remove;  /* action remove: the source's paths */
    uint32_t nremove;
    const char *key_parent;      /* key: "$.a" of "$.a.b" */
    const char *key_name;        /* key: "b" */
    const char *property;        /* property or variable name */
    int prop_scope;              /* custom get-property('scope','name') */
} mc_enrich_target;

/* Compile <source> (callout-style attributes included when call is true:
 * contentType).  False after reporting. */
bool mc_enrich_compile_source(mc_compiler *cc, xmlNodePtr e, mc_enrich_source *s);
bool mc_enrich_compile_target(mc_compiler *cc, xmlNodePtr e, mc_enrich_target *t);

/* Apply source to target on m, as the enrich mediator does.  native: the
 * configuration allows Synapse's native JSON path (no XPath, no envelope,
 * no inline XML).  MC_FLOW_NEXT or MC_FLOW_FAULT. */
mc_flow mc_enrich_apply(mc_message *m, const mc_enrich_source *s, const mc_enrich_target *t,
                        bool native);

/* Is this a source/target pair that Synapse runs natively on JSON? */
bool mc_enrich_native(const mc_enrich_source *s, const mc_enrich_target *t);

#endif

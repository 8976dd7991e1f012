/* expr.h - Synapse expressions, compiled at load and evaluated per message.
 *
 * An expression is one of:
 *   json-eval(<JSONPath>)            over the JSON view of the payload
 *   ${payload.a}, ${vars.v.payload.x}, ${headers.H}, ${properties.p},
 *   ${params.queryParams.q}          MI 4.4 Synapse Expression paths
 *   $ctx:n $trp:n $axis2:n $url:n $func:n   property lookups (fast path)
 *   get-property('n') / get-property('scope','n')   (fast path)
 *   any other XPath 1.0 expression, evaluated by libxml2 over the SOAP
 *   envelope with Synapse's variables and functions.
 * A template is text where each {...} is an expression and the rest is
 * literal: "{$ctx:functionName}", "arn:{$ctx:region}:x". */
#ifndef MC_EXPR_H
#define MC_EXPR_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/xpath.h>

#include "msg/msg.h"
#include "util/error.h"

typedef struct mc_nsbind {
    const char *prefix;
    const char *uri;
} mc_nsbind;

typedef struct mc_expr mc_expr;

typedef enum mc_expr_kind {
    MC_EXPR_XPATH,
    MC_EXPR_JSONPATH,
    MC_EXPR_PROPERTY,   /* $ctx:x, get-property(...) */
    MC_EXPR_SYNAPSE,    /* ${payload.x}, ${vars.v.payload}: MI 4.4 paths */
} mc_expr_kind;

/* Compile src.  ns: namespace prefixes in scope where the expression was
 * written (may be NULL).  Errors (MC_EPARSE) name the expression and what
 * is wrong; err->msg never exceeds one line. */
mc_expr *mc_expr_compile(const char *src, const mc_nsbind *ns, size_t nns,
                         mc_err *err);
void mc_expr_free(mc_expr *e);
mc_expr_kind mc_expr_kind_of(const mc_expr *e);
const char *mc_expr_source(const mc_expr *e);

/* String value (Synapse stringValueOf: a node-set gives the concatenated
 * text of its nodes; json-eval gives mc_jsonpath_eval's text).  *out is in
 * the message arena (or static ""), never NULL on MC_OK. */
mc_code mc_expr_string(const mc_expr *e, mc_message *m, const char **out,
                       size_t *len, mc_err *err);
/* Boolean value (XPath boolean(); json-eval: found and not empty/false). */
mc_code mc_expr_bool(const mc_expr *e, mc_message *m, bool *out, mc_err *err);
/* XML value: serialised first node of a node-set (for type OM and the xml
 * evaluator of payloadFactory); falls back to the string value. */
mc_code mc_expr_xml(const mc_expr *e, mc_message *m, const char **out,
                    size_t *len, mc_err *err);
/* XPath value as libxml2 gives it (*out: caller frees with
 * xmlXPathFreeObject; nodes belong to the message's envelope and stay valid
 * until the payload changes), for mediators that select nodes (xslt source,
 * validate source, iterate).  MC_EINVAL for a non-XPath expression. */
mc_code mc_expr_xpath_object(const mc_expr *e, mc_message *m,
                             xmlXPathObjectPtr *out, mc_err *err);

/* ---- templates -------------------------------------------------------- */

typedef struct mc_template mc_template;

/* Compile text with {expr} parts.  A text that is itself a JSON object or
 * array ("{"a":1}") is a literal.  "{{" and "}}" are not special. */
mc_template *mc_template_compile(const char *text, const mc_nsbind *ns,
                                 size_t nns, mc_err *err);
void mc_template_free(mc_template *t);
bool mc_template_is_literal(const mc_template *t);
const char *mc_template_source(const mc_template *t);
mc_code mc_template_eval(const mc_template *t, mc_message *m,
                         const char **out, size_t *len, mc_err *err);

#endif

/* expr.h - Synapse expressions, compiled at load and evaluated per message.
 *
 * An expression is one of:
 *   json-eval(<JSONPath>)            over the JSON view of the payload
 *   ${...}                           an MI 4.4 Synapse Expression
 *                                    (synexpr.h, docs/expressions.md)
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
#include <stdint.h>

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
    MC_EXPR_SYNAPSE,    /* ${...}: an MI 4.4 Synapse Expression */
} mc_expr_kind;

/* What an expression may read beyond the message, provided by whoever
 * compiles it (the configuration).  Any hook may be NULL. */
typedef struct mc_expr_env {
    void *ud;
    /* ${configs.NAME} */
    const char *(*config_value)(void *ud, const char *name);
    /* ${secret('alias')}, ${wso2-vault('alias')}: never logged */
    const char *(*secret)(void *ud, const char *alias);
    /* ${registry('gov:/path')}: the resource text (len set) or NULL */
    const char *(*registry)(void *ud, const char *key, size_t *len);
    /* ${registry('gov:/path').property('name')}: the value into out */
    bool (*registry_property)(void *ud, const char *key, const char *name, mc_buf *out);
    /* At load, for secret('alias') with a literal alias: NULL refuses the
     * expression (the alias is unknown) */
    const char *(*secret_at_load)(void *ud, const char *alias);
} mc_expr_env;

typedef struct mc_expr_opts {
    const mc_nsbind *ns;      /* prefixes in scope where it was written */
    size_t nns;
    const mc_expr_env *env;   /* copied; may be NULL */
} mc_expr_opts;

/* The typed value of an expression (MI's objectValueOf). */
typedef enum mc_vkind {
    MC_V_NULL,
    MC_V_BOOL,
    MC_V_INT,      /* java.lang.Integer */
    MC_V_LONG,     /* java.lang.Long */
    MC_V_DOUBLE,   /* java.lang.Double */
    MC_V_BIG,      /* a number beyond long and double (BigDecimal) */
    MC_V_STRING,
    MC_V_JSON,     /* a JSON object or array */
    MC_V_XML,
} mc_vkind;

typedef struct mc_value {
    mc_vkind kind;
    bool b;            /* MC_V_BOOL */
    int64_t i;         /* MC_V_INT, MC_V_LONG */
    double d;          /* MC_V_DOUBLE */
    const char *text;  /* the string value as MI gives it ("" for null;
                          JSON text; XML text), in the message arena */
    size_t len;
} mc_value;

/* Compile src.  ns: namespace prefixes in scope where the expression was
 * written (may be NULL).  Errors (MC_EPARSE) name the expression and what
 * is wrong; err->msg never exceeds one line, and err->at (when not 0) is
 * 1 + the offset in src the error points at. */
mc_expr *mc_expr_compile(const char *src, const mc_nsbind *ns, size_t nns,
                         mc_err *err);
mc_expr *mc_expr_compile_opts(const char *src, const mc_expr_opts *o,
                              mc_err *err);
void mc_expr_free(mc_expr *e);
mc_expr_kind mc_expr_kind_of(const mc_expr *e);
/* The compiled JSONPath of a json-eval() expression, else NULL (for
 * mediators that select JSON values: iterate, foreach, aggregate). */
const struct mc_jsonpath *mc_expr_jsonpath(const mc_expr *e);
const char *mc_expr_source(const mc_expr *e);

/* String value (Synapse stringValueOf: a node-set gives the concatenated
 * text of its nodes; json-eval gives mc_jsonpath_eval's text).  *out is in
 * the message arena (or static ""), never NULL on MC_OK. */
mc_code mc_expr_string(const mc_expr *e, mc_message *m, const char **out,
                       size_t *len, mc_err *err);
/* Synapse's SynapseXPath.stringValueOf for an XPath: a lone element with
 * text gives its trimmed text, an element with only child elements (or
 * one of several nodes) its XML; other kinds as mc_expr_string.  For
 * payloadFactory, whose argument types follow from it. */
mc_code mc_expr_synapse_string(const mc_expr *e, mc_message *m, const char **out,
                               size_t *len, mc_err *err);
/* Is e a bare property read ($ctx:x, get-property('x'), ...) of a property
 * m does not have?  Synapse's stringValueOf gives null then (a log prints
 * "null"), where any other expression gives a string. */
bool mc_expr_property_absent(const mc_expr *e, mc_message *m);
/* Boolean value (XPath boolean(); json-eval: found and not empty/false). */
mc_code mc_expr_bool(const mc_expr *e, mc_message *m, bool *out, mc_err *err);
/* XML value: serialised first node of a node-set (for type OM and the xml
 * evaluator of payloadFactory); falls back to the string value. */
mc_code mc_expr_xml(const mc_expr *e, mc_message *m, const char **out,
                    size_t *len, mc_err *err);
/* Typed value (MI objectValueOf): Synapse Expressions give their type;
 * other kinds give a string.  A Synapse Expression that fails at run time
 * logs MI's warning and gives null with MC_OK, as MI goes on. */
mc_code mc_expr_value(const mc_expr *e, mc_message *m, mc_value *out,
                      mc_err *err);
/* The message variable type (MC_VT_*) that holds a value of kind k. */
int mc_value_vtype(mc_vkind k);
/* XPath value as libxml2 gives it (*out: caller frees with
 * xmlXPathFreeObject; nodes belong to the message's envelope and stay valid
 * until the payload changes), for mediators that select nodes (xslt source,
 * validate source, iterate).  MC_EINVAL for a non-XPath expression. */
mc_code mc_expr_xpath_object(const mc_expr *e, mc_message *m,
                             xmlXPathObjectPtr *out, mc_err *err);

/* Synapse's inline expressions (InlineExpressionUtil, in json-eval paths
 * and enrich's inline sources): "{" then characters other than white
 * space, '"', ',', '<', '>', '}' and ']', then "}".  The length of the
 * one at p, or 0. */
size_t mc_inline_expr_len(const char *p);

/* ---- templates -------------------------------------------------------- */

typedef struct mc_template mc_template;

/* Compile text with {expr} parts.  A text that is itself a JSON object or
 * array ("{"a":1}") is a literal.  "{{" and "}}" are not special. */
mc_template *mc_template_compile(const char *text, const mc_nsbind *ns,
                                 size_t nns, mc_err *err);
/* inline_only: only ${...} parts are expressions, braces are text (MI 4.4
 * log messages and inline templates). */
mc_template *mc_template_compile_opts(const char *text, const mc_expr_opts *o,
                                      bool inline_only, mc_err *err);
/* Parts of a template, for callers that place each value themselves
 * (payloadFactory): part i is literal text or an expression. */
size_t mc_template_parts(const mc_template *t);
const mc_expr *mc_template_part(const mc_template *t, size_t i,
                                const char **lit, size_t *len);
void mc_template_free(mc_template *t);
bool mc_template_is_literal(const mc_template *t);
const char *mc_template_source(const mc_template *t);
mc_code mc_template_eval(const mc_template *t, mc_message *m,
                         const char **out, size_t *len, mc_err *err);

#endif

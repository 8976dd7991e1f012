/* xpath_env.h - the Synapse environment of an XPath evaluation: variables
 * ($ctx:, $trp:, $axis2:, $func:, $url:, $body, $header), the extension
 * functions (rows of the one function table in functions.c: get-property,
 * base64Encode, base64Decode, url-encode, url-decode, the fn: prefix) and
 * property lookups shared with the fast paths. */
#ifndef MC_XPATH_ENV_H
#define MC_XPATH_ENV_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/xpath.h>

#include "expr/expr.h"
#include "msg/msg.h"

/* Pseudo-scopes readable from expressions only. */
enum {
    MC_XSCOPE_SYSTEM = 100,   /* get-property('system', n): environment */
    MC_XSCOPE_ENV,            /* get-property('env', n) */
    MC_XSCOPE_REGISTRY,       /* registry resources: 'KEY', 'KEY/@property' */
    MC_XSCOPE_VARS,           /* variables */
};

#define MC_NS_CTX "http://ws.apache.org/ns/synapse/ctx"
#define MC_NS_TRP "http://ws.apache.org/ns/synapse/trp"
#define MC_NS_AXIS2 "http://ws.apache.org/ns/synapse/axis2"
#define MC_NS_FUNC "http://ws.apache.org/ns/synapse/func"
#define MC_NS_URL "http://ws.apache.org/ns/synapse/url"
#define MC_NS_FN "http://www.w3.org/2005/xpath-functions"
/* wso2:vault-lookup (MI's secure vault function) */
#define MC_NS_WSO2 "http://wso2.org/ns/mediation/vault"
/* $SYSTEM:NAME in XPath: an environment variable */
#define MC_NS_SYSTEM "http://mediac.dev/ns/system"

/* ctx, trp, axis2, func, url -> scope; -1 otherwise. */
int mc_xpath_prefix_scope(const char *prefix, size_t n);
/* default, transport, axis2, axis2-client, operation, system, env,
 * registry, func -> scope; -1 otherwise. */
int mc_xpath_scope_from_name(const char *name);
/* MESSAGE_ID, SYSTEM_TIME, SYSTEM_DATE, To, From, Action, ... */
bool mc_xpath_is_special_property(const char *name);
bool mc_xpath_known_function(const char *prefix, const char *local,
                             const mc_nsbind *ns, size_t nns);

/* Property value as get-property / $ctx: give it; NULL when unset. */
const char *mc_xpath_lookup(mc_message *m, int scope, const char *name,
                            size_t *len);

/* The message's XPath context positioned on its current envelope. */
xmlXPathContextPtr mc_xpath_context(mc_message *m);
/* Synapse string value of an XPath result (node-sets concatenated). */
void mc_xpath_string_value(xmlXPathObjectPtr r, mc_buf *out);
/* Format a time with a Java SimpleDateFormat pattern (UTC unless tz is
 * "local"). False for an unsupported pattern letter. */
bool mc_format_java_date(mc_buf *out, const char *pattern, long long ms,
                         const char *tz);

void mc_xml_quiet_errors(void);

/* Synapse's XPath extension functions, registered from the function table
 * (functions.c). */
void mc_xpfn_get_property(xmlXPathParserContextPtr ctxt, int nargs);
void mc_xpfn_base64_encode(xmlXPathParserContextPtr ctxt, int nargs);
void mc_xpfn_base64_decode(xmlXPathParserContextPtr ctxt, int nargs);
void mc_xpfn_url_encode(xmlXPathParserContextPtr ctxt, int nargs);
void mc_xpfn_url_decode(xmlXPathParserContextPtr ctxt, int nargs);
void mc_xpfn_upper_case(xmlXPathParserContextPtr ctxt, int nargs);
void mc_xpfn_lower_case(xmlXPathParserContextPtr ctxt, int nargs);
void mc_xpfn_ends_with(xmlXPathParserContextPtr ctxt, int nargs);
void mc_xpfn_vault_lookup(xmlXPathParserContextPtr ctxt, int nargs);
/* XPath 2.0 functions (xpath2.c) */
void mc_xpfn_matches(xmlXPathParserContextPtr ctxt, int nargs);
void mc_xpfn_replace(xmlXPathParserContextPtr ctxt, int nargs);
void mc_xpfn_tokenize(xmlXPathParserContextPtr ctxt, int nargs);
void mc_xpfn_string_join(xmlXPathParserContextPtr ctxt, int nargs);
void mc_xpfn_compare(xmlXPathParserContextPtr ctxt, int nargs);
void mc_xpfn_encode_for_uri(xmlXPathParserContextPtr ctxt, int nargs);
void mc_xpfn_iri_to_uri(xmlXPathParserContextPtr ctxt, int nargs);
void mc_xpfn_escape_html_uri(xmlXPathParserContextPtr ctxt, int nargs);
void mc_xpfn_exists(xmlXPathParserContextPtr ctxt, int nargs);
void mc_xpfn_empty(xmlXPathParserContextPtr ctxt, int nargs);
void mc_xpfn_distinct_values(xmlXPathParserContextPtr ctxt, int nargs);
void mc_xpfn_abs(xmlXPathParserContextPtr ctxt, int nargs);
void mc_xpfn_min(xmlXPathParserContextPtr ctxt, int nargs);
void mc_xpfn_max(xmlXPathParserContextPtr ctxt, int nargs);
void mc_xpfn_avg(xmlXPathParserContextPtr ctxt, int nargs);
void mc_xpfn_round_half_to_even(xmlXPathParserContextPtr ctxt, int nargs);
/* Bracket one XPath evaluation (nesting allowed): the XPath 2.0 current
 * date/time functions give one instant within it, as Saxon does. */
void mc_xpath_eval_begin(void);
void mc_xpath_eval_end(void);
void mc_xpfn_current_datetime(xmlXPathParserContextPtr ctxt, int nargs);
void mc_xpfn_current_date(xmlXPathParserContextPtr ctxt, int nargs);
void mc_xpfn_current_time(xmlXPathParserContextPtr ctxt, int nargs);

/* SynapseXPath.stringValueOf of a result: a lone element gives its own
 * trimmed text, or its XML when it has none; several nodes their XML or
 * text; attributes their value; numbers as Java prints a double.  expr is
 * the XPath text (a trailing node() changes how text nodes count). */
void mc_xpath_synapse_string(xmlXPathObjectPtr r, const char *expr, mc_buf *out);

#endif

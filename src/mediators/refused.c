/* refused.c - Synapse mediators that run Java or JDBC code, which mediac
 * cannot do: each is a table row whose compile reports why, and how to do
 * the same in mediac (a native mediator registered through mediac.h), so a
 * flow that uses one gets a clear load error instead of "unknown
 * mediator".  A few MI mediators mediac does not have yet get the same
 * kind of row, saying so. */
#include <string.h>

#include "mediators/mediators.h"

#define HOWTO "; to do this in mediac, write a native mediator in C, register it " \
              "with mc_engine_register_mediator() (include/mediac.h) and call it " \
              "with <class name=\"...\"/>"

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node);
static mc_flow exec(const mc_mediator *self, mc_message *m);

#define ROW(name, why) {{name, compile, exec, NULL, false}, why, true}
#define NOT_YET(name, why) {{name, compile, exec, NULL, false}, why, false}
static const struct refusal {
    mc_mediator_type type;
    const char *why;
    bool java;
} refusals[] = {
    ROW("bean", "creates and calls Java beans"),
    ROW("spring", "runs a Spring bean (Java)"),
    ROW("ejb", "calls an Enterprise Java Bean"),
    ROW("pojoCommand", "runs a Java command object"),
    ROW("rule", "runs a Java rule engine (Drools)"),
    ROW("smooks", "runs the Smooks Java engine"),
    ROW("entitlementService", "calls WSO2 Identity Server's Java entitlement client"),
    ROW("oauthService", "calls WSO2 Identity Server's Java OAuth client"),
    ROW("dblookup", "queries a database through JDBC"),
    ROW("dbreport", "writes to a database through JDBC"),
    ROW("transaction", "controls JDBC/JTA transactions"),
    ROW("xquery", "runs XQuery on Saxon (Java)"),
    ROW("ntlm", "authenticates with Java's NTLM support"),
    ROW("dataServiceCall", "calls a WSO2 data service (JDBC)"),
};
#define NREFUSED (sizeof refusals / sizeof *refusals)

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    const char *n = (const char *)node->name;
    for (size_t i = 0; i < NREFUSED; i++)
        if (strcmp(refusals[i].type.name, n) == 0 && refusals[i].java)
            mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                    "<%s> %s: mediac cannot run Java or JDBC code" HOWTO, n, refusals[i].why);
        else if (strcmp(refusals[i].type.name, n) == 0)
            mc_diag(cc, node, NULL, MC_DIAG_ERROR, "<%s> %s is not supported by mediac yet", n,
                    refusals[i].why);
    return NULL;
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    (void)self;
    return mc_fault(m, "0", "a Java/JDBC mediator cannot run"); /* never compiled */
}

const mc_mediator_type *mc_refused_mediator(const char *name)
{
    for (size_t i = 0; i < NREFUSED; i++)
        if (strcmp(refusals[i].type.name, name) == 0)
            return &refusals[i].type;
    return NULL;
}

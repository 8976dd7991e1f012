/* descriptor.h - connector descriptors: the data read from
 * connector/<name>/connector.xml and connector/<name>/operations/<op>.xml
 * (format: schemas/connector.xsd), loaded once into an immutable set.
 *
 * Everything here lives in the set's arena and is shared read-only by all
 * threads and all compiled flows. */
#ifndef MC_CONNECTOR_DESCRIPTOR_H
#define MC_CONNECTOR_DESCRIPTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"
#include "util/error.h"

#define MC_CONNECTOR_NS "http://mediac.dev/ns/connector"

/* Where an operation parameter goes (init and common params: NONE). */
typedef enum mc_cp_in {
    MC_CP_NONE = 0,
    MC_CP_PATH,
    MC_CP_QUERY,
    MC_CP_HEADER,
    MC_CP_BODY,
} mc_cp_in;

/* How the resolved text of a parameter becomes the value sent. */
typedef enum mc_cp_type {
    MC_CPT_STRING = 0,
    MC_CPT_INTEGER,
    MC_CPT_LONG,
    MC_CPT_BOOLEAN,
    MC_CPT_JSON,
    MC_CPT_OBJECT,
    MC_CPT_LIST,
    MC_CPT_RAW,
    MC_CPT_BASE64,
} mc_cp_type;

typedef struct mc_cparam {
    const char *name;
    const char *const *aliases;  /* other accepted names */
    size_t naliases;
    mc_cp_in in;
    const char *as;              /* wire name (the name when not given) */
    mc_cp_type type;
    bool required;
    bool secret;                 /* init: never logged */
    bool deprecated;
    bool connection_only;        /* usage="connection" (v2 only) */
    const char *def;             /* default, or NULL */
    const char *description;
    int line;
} mc_cparam;

typedef struct mc_cresult {
    const char *header;          /* response header name */
    const char *property;        /* default-scope property it goes to */
    bool base64;                 /* store the decoded text */
    const char *description;
} mc_cresult;

typedef struct mc_connector mc_connector;

typedef struct mc_coperation {
    const mc_connector *connector;
    const char *name;            /* "invoke" */
    const char *element;         /* "amazonlambda.invoke" */
    const char *method;          /* "POST" */
    const char *path;            /* "/{apiVersionInvoke}/functions/..." */
    const char *description;
    const char *file;
    const int *success;          /* documented success statuses */
    size_t nsuccess;
    const mc_cparam *params;
    size_t nparams;
    const mc_cparam *common;     /* the connector's, with overrides */
    size_t ncommon;
    const mc_cresult *results;
    size_t nresults;
    const mc_cparam *raw;        /* the raw body param, or NULL */
    bool has_body_members;       /* some param is a JSON body member */
} mc_coperation;

struct mc_connector {
    const char *name;            /* "amazonlambda": element prefix */
    const char *init_element;    /* "amazonlambda.init" */
    const char *service;         /* endpoint prefix: "lambda" */
    const char *signing_name;    /* SigV4 service: "lambda" */
    const char *api_version;
    const char *endpoint;        /* default URL template, {init params} */
    const char *description;
    const char *file;            /* path of connector.xml */
    const mc_cparam *init;
    size_t ninit;
    const mc_cparam *common;
    size_t ncommon;
    const mc_coperation *ops;    /* sorted by name */
    size_t nops;
};

typedef struct mc_connectors {
    mc_arena arena;
    const mc_connector *items;
    size_t n;
} mc_connectors;

/* Load every connector found in the colon-separated folder list: each
 * entry is a folder of connector folders, or a connector folder itself.
 * Entries that do not exist are skipped; when none exists the result is
 * MC_ENOTFOUND.  A connector name found twice keeps the first.  A bad
 * descriptor fails the whole load with "file:line: message". */
mc_connectors *mc_connectors_load_from(const char *path_list, mc_err *err);

const mc_connector *mc_connector_find(const mc_connectors *cs,
                                      const char *name, size_t len);
const mc_coperation *mc_connector_op(const mc_connector *c, const char *name);
/* Parameter by name or alias, or NULL. */
const mc_cparam *mc_cparam_find(const mc_cparam *ps, size_t n,
                                const char *name);
/* Closest parameter name within a small edit distance, or NULL. */
const char *mc_cparam_suggest(const mc_cparam *ps, size_t n,
                              const char *name);

const char *mc_cp_type_name(mc_cp_type t);
const char *mc_cp_in_name(mc_cp_in in);

/* Is text v[0..n) a valid value of type t?  err names the problem
 * ("'abc' is not an integer"). */
bool mc_cp_check(mc_cp_type t, const char *v, size_t n, mc_err *err);

#endif

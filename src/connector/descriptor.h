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

/* Where an operation parameter goes (init and common params: NONE).
 * PAYLOAD is the whole request body (raw bytes, or one JSON object);
 * RUNTIME parameters steer the runtime (pagination, payload encoding) and
 * are never sent. */
typedef enum mc_cp_in {
    MC_CP_NONE = 0,
    MC_CP_PATH,
    MC_CP_QUERY,
    MC_CP_HEADER,
    MC_CP_BODY,
    MC_CP_PAYLOAD,
    MC_CP_RUNTIME,
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
    MC_CPT_DOUBLE,
    MC_CPT_TIMESTAMP,
} mc_cp_type;

/* A shape of the service model (connector/<name>/shapes.xml): the type of
 * a value and the constraints the runtime checks before sending. */
typedef enum mc_shape_kind {
    MC_SK_STRING = 0,
    MC_SK_INTEGER,
    MC_SK_LONG,
    MC_SK_DOUBLE,
    MC_SK_BOOLEAN,
    MC_SK_BLOB,
    MC_SK_TIMESTAMP,
    MC_SK_LIST,
    MC_SK_MAP,
    MC_SK_STRUCTURE,
} mc_shape_kind;

typedef struct mc_cshape mc_cshape;

typedef struct mc_cmember {
    const char *name;
    const mc_cshape *shape;
    bool required;
} mc_cmember;

struct mc_cshape {
    const char *name;            /* "" for a parameter's inline shape */
    mc_shape_kind kind;
    bool has_min, has_max;       /* length (string, blob, list, map) or */
    double min, max;             /* value (numbers) */
    const char *const *enums;    /* allowed strings, or NULL */
    size_t nenums;
    const char *pattern;         /* the model's, recorded (not checked) */
    const mc_cshape *member;     /* list */
    const mc_cshape *key, *value;/* map */
    const mc_cmember *members;   /* structure, in model order */
    size_t nmembers;
};

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
    bool idempotency_token;      /* filled with a UUID when not given */
    const char *def;             /* default, or NULL */
    const char *origin;          /* "wso2", "aws" or "mediac" */
    const mc_cshape *shape;      /* constraints, or NULL */
    const char *description;
    int line;
} mc_cparam;

/* A value of the answer copied to a default-scope property: a response
 * header, or a member of an event of an event-stream answer. */
typedef struct mc_cresult {
    const char *header;          /* response header name, or NULL */
    const char *event;           /* or: event type ("InvokeComplete") */
    const char *member;          /*     and member of its JSON payload */
    const char *property;        /* default-scope property it goes to */
    bool base64;                 /* store the decoded text */
    const char *description;
} mc_cresult;

typedef struct mc_connector mc_connector;

/* The connection settings the AWS layer reads, by their init parameter
 * names: "accessKeyId", "secretAccessKey", "sessionToken", "region",
 * "profile", "endpoint". */
typedef enum mc_conn_setting {
    MC_CS_ACCESS_KEY_ID = 0,
    MC_CS_SECRET_ACCESS_KEY,
    MC_CS_SESSION_TOKEN,
    MC_CS_REGION,
    MC_CS_PROFILE,
    MC_CS_ENDPOINT,
    MC_CS_COUNT
} mc_conn_setting;

/* The init parameter name of a setting. */
const char *mc_conn_setting_name(mc_conn_setting s);

/* <paginate>: the operation's pages are linked by a marker. */
typedef struct mc_cpaginate {
    const mc_cparam *input;      /* the query parameter taking the marker */
    const char *output;          /* answer member holding the next marker */
    const char *result;          /* answer member holding the page's items */
    const mc_cparam *enable;     /* runtime parameter "paginate" */
    const mc_cparam *max_pages;  /* runtime parameter "maxPages" */
} mc_cpaginate;

/* <require member="Code">: a body member the API requires although no
 * single parameter is required (any of params gives it). */
typedef struct mc_crequire {
    const char *member;
    const char *params;          /* "s3Bucket, s3Key, ..." for messages */
} mc_crequire;

/* The path split at load: text, then the path parameter (if any) whose
 * encoded value follows it. */
typedef struct mc_cpath_part {
    const char *text;
    size_t len;
    const mc_cparam *param;      /* NULL for the last part */
} mc_cpath_part;

typedef struct mc_coperation {
    const mc_connector *connector;
    const char *name;            /* "invoke" */
    const char *element;         /* "amazonlambda.invoke" */
    const char *api;             /* the service's name: "Invoke" */
    const char *theme;           /* group in listings: "Invocation" */
    const char *origin;          /* "wso2" or "aws" */
    bool deprecated;
    const char *method;          /* "POST" */
    const char *path;            /* "/{apiVersionInvoke}/functions/..." */
    const char *static_query;    /* from a path "...?find=X": "find=X", or NULL */
    const mc_cpath_part *path_parts;
    size_t npath_parts;
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
    const mc_cparam *raw;        /* the raw payload param, or NULL */
    const mc_cparam *payload;    /* a JSON object payload param, or NULL */
    const mc_cparam *encoding;   /* runtime "<raw>Encoding", or NULL */
    bool has_body_members;       /* some param is a JSON body member */
    const mc_cpaginate *paginate;/* NULL when not paginated */
    const char *eventstream;     /* event type whose payloads make the body of
                                    an event-stream answer, or NULL */
    const mc_crequire *requires;
    size_t nrequires;
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
    /* init parameter of each mc_conn_setting (found by name or alias at
     * load), NULL when the connector has none */
    const mc_cparam *settings[MC_CS_COUNT];
    const mc_cparam *common;
    size_t ncommon;
    const mc_coperation *ops;    /* sorted by name */
    size_t nops;
    const char *const *themes;   /* listing order of operation themes */
    size_t nthemes;
    const mc_cshape *shapes;     /* shapes.xml, sorted by name */
    size_t nshapes;
};

struct mc_aws_context;

typedef struct mc_connectors {
    mc_arena arena;
    const mc_connector *items;
    size_t n;
    /* the AWS state shared by every call: the environment read at load,
     * the credentials cache, the retry policy and quota (mutable, with its
     * own lock; everything else here is immutable) */
    struct mc_aws_context *aws;
} mc_connectors;

/* Load every connector found in the colon-separated folder list: each
 * entry is a folder of connector folders, or a connector folder itself.
 * Entries that do not exist are skipped; when none exists the result is
 * MC_ENOTFOUND.  A connector name found twice keeps the first.  A bad
 * descriptor fails the whole load with "file:line: message". */
mc_connectors *mc_connectors_load_from(const char *path_list, mc_err *err);
/* Give a loaded set its AWS context (environment read now, credentials
 * cache, retry policy); frees cs and returns NULL when out of memory.
 * mc_connectors_load_from calls it. */
mc_connectors *mc_connectors_attach_aws(mc_connectors *cs, mc_err *err);

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
const char *mc_shape_kind_name(mc_shape_kind k);

/* The next item of a comma-separated list v[0..n) from *pos: trimmed and
 * non-empty (empty items are skipped); false when there is none left. */
bool mc_cp_comma_item(const char *v, size_t n, size_t *pos, const char **item, size_t *len);

/* Is text v[0..n) a valid value of type t?  err names the problem
 * ("'abc' is not an integer"). */
bool mc_cp_check(mc_cp_type t, const char *v, size_t n, mc_err *err);

#endif

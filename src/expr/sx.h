/* sx.h - internals of the Synapse Expression engine shared by its files:
 * the value an evaluation passes around, the compiled tree, the function
 * table row, the evaluation context.  Nothing outside src/expr includes it. */
#ifndef MC_SX_H
#define MC_SX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <libxml/xpath.h>

#include "expr/expr.h"
#include "json/json.h"
#include "msg/msg.h"
#include "util/arena.h"
#include "util/buf.h"

/* ---- JSON access ----------------------------------------------------
 * The evaluator reads JSON only through these, so the tree underneath
 * (mc_json) can change without touching the evaluator. */
typedef enum {
    SJ_NULL = MC_JSON_NULL, SJ_TRUE = MC_JSON_TRUE, SJ_FALSE = MC_JSON_FALSE,
    SJ_NUMBER = MC_JSON_NUMBER, SJ_STRING = MC_JSON_STRING, SJ_OBJECT = MC_JSON_OBJECT,
    SJ_ARRAY = MC_JSON_ARRAY,
} sj_kind;

static inline sj_kind sj_type(mc_json v) { return (sj_kind)mc_json_type_of(v); }
/* String characters, or a number's original text. */
static inline const char *sj_text(mc_json v, size_t *n)
{
    const char *s = mc_json_str(v, n);
    return s ? s : "";
}
static inline size_t sj_len(mc_json v) { return mc_json_count(v); }
static inline mc_json sj_at(mc_json v, size_t i) { return mc_json_at(v, i); }
static inline const char *sj_key(mc_json v, size_t i, size_t *n)
{
    return mc_json_key(v, i, n);
}

/* ---- values ---------------------------------------------------------- */

typedef enum sx_type {
    SX_NULL,
    SX_BOOL,
    SX_INT,     /* java.lang.Integer */
    SX_LONG,    /* java.lang.Long */
    SX_DOUBLE,  /* java.lang.Double */
    SX_BIG,     /* a JSON number beyond long/double (BigDecimal): text */
    SX_STRING,
    SX_JSON,    /* a JSON object or array node */
    SX_LIST,    /* a JSON array made of existing nodes (path matches) */
    SX_XML,     /* XML text */
} sx_type;

typedef struct sx_val {
    uint8_t t;
    bool lit;   /* SX_STRING from a literal: its quotes are already gone */
    union {
        bool b;
        int64_t i;
        double d;
        struct { const char *p; size_t n; } s;
        mc_json j;
        struct { mc_json *v; size_t n; } l;
    } u;
} sx_val;

/* Static type masks: what a node may evaluate to. */
enum {
    TM_NULL = 1, TM_BOOL = 2, TM_NUM = 4, TM_STR = 8, TM_JSON = 16, TM_XML = 32,
    TM_ANY = 63,
    TM_DATA = TM_NULL | TM_BOOL | TM_NUM | TM_STR | TM_JSON, /* JSON values */
    TM_TEXT = TM_NUM | TM_STR,  /* headers, properties: a number or a string */
};

/* ---- compiled tree --------------------------------------------------- */

typedef enum sx_kind {
    N_LIT, N_ARRAY, N_NEG, N_NOT, N_BIN, N_LOGIC, N_COND,
    N_PAYLOAD, N_VAR, N_HEADER, N_PROP, N_PARAM, N_CONFIG,
    N_CALL, N_PATH,
} sx_kind;

typedef enum sx_binop {
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
    OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
    OP_AND, OP_OR,
} sx_binop;

enum { PARAM_QUERY, PARAM_PATH, PARAM_FUNC };

/* One piece of a JSONPath built at run time: literal text, or an
 * expression whose value is spliced in as an index/name or as a filter
 * operand. */
typedef struct sx_piece {
    const char *text;
    size_t len;
    struct sx_node *expr;
    bool in_filter;
} sx_piece;

/* Trailing JSONPath functions (Jayway): $.a.length(), $..price.min(), ... */
typedef enum {
    PF_NONE, PF_LENGTH, PF_SIZE, PF_MIN, PF_MAX, PF_AVG, PF_SUM, PF_STDDEV,
    PF_KEYS, PF_FIRST, PF_LAST,
} sx_pathfn;

/* The sx_pathfn named s[0..n) ("length", "min", ...), or PF_NONE. */
int sx_pathfn_named(const char *s, size_t n);

typedef struct sx_path {
    mc_jsonpath *jp;         /* compiled at load when nothing is dynamic */
    const char *text;        /* the JSONPath text ("$['a'][0]") */
    sx_piece *pieces;        /* dynamic: built and compiled per evaluation */
    size_t npieces;
    uint8_t fn;              /* sx_pathfn */
} sx_path;

struct mc_fn;

typedef struct sx_node {
    uint8_t kind;            /* sx_kind */
    uint8_t op;              /* sx_binop; scope; param kind */
    uint8_t types;           /* TM_* */
    uint16_t nargs;
    uint16_t depth;          /* height of the tree below (evaluation recursion) */
    uint32_t pos, end;       /* source span, for diagnostics */
    const struct mc_fn *fn;  /* N_CALL */
    struct sx_node *a, *b, *c;
    struct sx_node **args;   /* N_CALL, N_ARRAY */
    sx_val lit;              /* N_LIT */
    const char *name;        /* N_VAR, N_HEADER, N_PROP, N_PARAM, N_CONFIG */
    sx_path *path;           /* N_PATH (base in a) */
    void *cache;             /* per-function compiled argument (xpath) */
} sx_node;

/* ---- evaluation context ---------------------------------------------- */

typedef struct sx_ctx {
    mc_message *m;
    const struct mc_synexpr *x;
    bool object_mode;        /* objectValueOf rather than stringValueOf */
    char err[400];           /* the first evaluation error (MI's message) */
} sx_ctx;

struct mc_synexpr {
    mc_arena arena;          /* the tree, names, literals */
    sx_node *root;
    char *src;               /* the expression text (without ${ }) */
    size_t len;
    mc_expr_env env;
    mc_nsbind *ns;           /* for xpath(): prefixes in scope */
    size_t nns;
    struct sx_owned {
        void *obj;
        void (*destroy)(void *);
    } *owned;                /* compiled paths and XPaths to free */
    size_t nowned, capowned;
};

/* ---- the function table ------------------------------------------------
 * One row per function name of either expression language: the Synapse
 * Expression functions (sx set) and the XPath extension functions Synapse
 * adds to XPath 1.0 (xpath set, with the libxml2 or mediac implementation
 * registered on the XPath context).  Arity and argument types drive the
 * load-time checks. */

typedef bool (*sx_fn_impl)(sx_ctx *c, const sx_node *call, sx_val *args,
                           size_t nargs, sx_val *out);

enum {
    FN_SX = 1,          /* a Synapse Expression function */
    FN_XPATH = 2,       /* an XPath function (core or Synapse extension) */
    FN_XPATH_FN = 4,    /* also under the fn: (XPath 2.0 functions) prefix */
    FN_LAZY = 8,        /* gets its argument unevaluated (exists) */
    FN_NODE_TEST = 16,  /* an XPath node test, not a function (text()) */
    FN_UNSUPPORTED = 32, /* known to MI, refused at load with the reason */
    FN_XPATH_WSO2 = 64,  /* an XPath function under wso2: (vault-lookup) */
    FN_XPATH2 = 128      /* XPath 2.0 (xpath2.c): MI evaluates it with Saxon
                            (DOM failover), under fn: and unprefixed */
};

typedef struct mc_fn {
    const char *name;
    uint8_t flags;
    uint8_t min, max;          /* arity */
    uint8_t ret;               /* TM_* (Synapse) */
    uint8_t args[3];           /* TM_* accepted per argument (Synapse) */
    sx_fn_impl impl;           /* Synapse implementation */
    xmlXPathFunction xpath;    /* XPath implementation */
    const char *note;          /* FN_UNSUPPORTED: why */
} mc_fn;

const mc_fn *mc_fn_lookup(const char *name, size_t len, unsigned flags);
/* Names of every function with one of flags, for suggestions. */
size_t mc_fn_names(unsigned flags, const char **out, size_t max);
const mc_fn *mc_fn_table(size_t *n);

/* ---- shared helpers (synexpr_eval.c) ----------------------------------- */

bool sx_fail(sx_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* MI's ExpressionResult.asString: text in the message arena. */
bool sx_text(sx_ctx *c, const sx_val *v, const char **s, size_t *n);
bool sx_is_string(const sx_val *v);
bool sx_is_int(const sx_val *v);
bool sx_is_double(const sx_val *v);
bool sx_is_long(const sx_val *v);
bool sx_is_array(sx_ctx *c, const sx_val *v);
bool sx_is_object(sx_ctx *c, const sx_val *v);
double sx_as_double(const sx_val *v);
/* A JSON object/array value for a string (as MI parses one: quotes around
 * it and backslashes dropped) or the value itself; kind SJ_OBJECT or
 * SJ_ARRAY, or 0 for either. */
bool sx_as_json(sx_ctx *c, const sx_val *v, int want, mc_json *out);
/* Parse JSON text into a tree in the message's arena. */
mc_json sx_parse_json(sx_ctx *c, const char *s, size_t n);
/* Unwrap a JSON node the way Jayway/Gson does: scalars become Java values. */
void sx_unwrap(mc_json node, sx_val *out);
/* The message-arena string value of a computed string. */
bool sx_string(sx_ctx *c, const char *s, size_t n, sx_val *out);
bool sx_string_buf(sx_ctx *c, mc_buf *b, sx_val *out);
/* Numbers as MI types them: Integer.parseInt, Long, Double, else text. */
void sx_typed_text(const char *s, size_t n, sx_val *out);
/* Evaluate an XPath (compiled at load when it was a literal) and give its
 * Synapse string value, or its nodes as XML text in object mode. */
bool sx_xpath(sx_ctx *c, const sx_node *call, const char *xp, size_t n,
              const char *var, size_t varn, sx_val *out);
bool sx_eval(sx_ctx *c, const sx_node *n, sx_val *out);
/* json-eval's trailing Jayway function (path->fn) over the matches of
 * path->jp in root, as text in the message arena; false with MI's reason
 * in why when it has no value. */
bool mc_jsonpath_fn_text(mc_message *m, const sx_path *path, mc_json root,
                         const char **out, size_t *len, char *why, size_t whylen);

/* ---- Java date/time (javatime.c) -------------------------------------- */

/* LocalDateTime fields and which of them a parse produced. */
typedef struct mc_jtime {
    int year, month, day, hour, minute, second;
    long nano;
    bool has_date, has_time;
} mc_jtime;

/* DateTimeFormatter.ofPattern(pattern).format(t): false (with why) when
 * the pattern is invalid or needs a field t lacks (a zone, a date for a
 * time-only value). */
bool mc_jtime_format(mc_buf *out, const char *pattern, const mc_jtime *t,
                     char *why, size_t whylen);
/* LocalDateTime/LocalDate/LocalTime.parse(text, ofPattern(pattern)). */
bool mc_jtime_parse(const char *text, size_t n, const char *pattern,
                    mc_jtime *t);
/* Local time (TZ) of an epoch in milliseconds. */
void mc_jtime_from_millis(long long ms, mc_jtime *t);

#endif

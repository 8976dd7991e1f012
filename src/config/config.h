/* config.h - the compiled program: artifacts, sequences of compiled
 * mediators, and the compiler interface mediators use at load time.
 *
 * A configuration is built by mc_config_load_*() and is immutable
 * afterwards, shared by all threads.  All of its memory comes from its
 * arena; objects that need their own destructor (compiled expressions,
 * regexes, XML copies) are registered with mc_config_own(). */
#ifndef MC_CONFIG_H
#define MC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#include "expr/expr.h"
#include "expr/regex.h"
#include "msg/msg.h"
#include "util/arena.h"
#include "util/buf.h"

#define MC_SYNAPSE_NS "http://ws.apache.org/ns/synapse"
/* mediac's own extension attributes (ignored by WSO2), e.g. mc:tlsVerify. */
#define MC_EXT_NS "http://mediac.dev/ns/config"

typedef struct mc_config mc_config;
typedef struct mc_compiler mc_compiler;
typedef struct mc_mediator mc_mediator;

/* What a mediator's exec tells the interpreter. */
typedef enum mc_flow {
    MC_FLOW_NEXT = 0,  /* continue with the next mediator */
    MC_FLOW_STOP,      /* end the flow here (respond, drop) */
    MC_FLOW_SUSPEND,   /* m->out holds a request; resume when answered */
    MC_FLOW_FAULT,     /* ERROR_* are set; unwind to a fault handler */
    MC_FLOW_SPLIT,     /* m->split_req holds child messages for the engine */
    MC_FLOW_GATHER,    /* m->gather_req: collect m into an aggregation */
} mc_flow;

typedef struct mc_mediator_type {
    const char *name;  /* element local name, e.g. "property" */
    /* Build the mediator from its element; on error report with mc_diag()
     * and return NULL. */
    mc_mediator *(*compile)(mc_compiler *cc, xmlNodePtr node);
    mc_flow (*exec)(const mc_mediator *self, mc_message *m);
    /* Called when the host answers the request of a suspended mediator. */
    mc_flow (*resume)(const mc_mediator *self, mc_message *m);
    /* Mediators after this one can never run (respond, drop). */
    bool terminal;
} mc_mediator_type;

/* ---- child messages: what split and join mediators ask of the engine --
 *
 * A split mediator (iterate, clone, foreach, scatter-gather) prepares its
 * child messages (mc_msg_clone, with their payloads), points m->split_req
 * at an mc_split_req and returns MC_FLOW_SPLIT.  The engine gives each
 * child its frames, runs the children on the message's own non-blocking
 * machinery (their requests join the top message's pending list) and:
 *   CONTINUE (iterate, clone): a child runs its target; if it waited for
 *     I/O it then goes on with the rest of the parent's flow (where an
 *     <aggregate> usually is), as Synapse's continuation does; the parent
 *     goes on after the mediator when continue_parent, else its flow ends;
 *   GATHER (foreach, scatter-gather): a child runs its target only and is
 *     then gathered; the parent waits (its mediator's resume runs with
 *     m->gathered once the gathering completes);
 *   DETACHED: children run their target on their own, the parent goes on.
 * An <aggregate> points m->gather_req at an mc_gather_req and returns
 * MC_FLOW_GATHER: the engine keeps m in the aggregation named by (the
 * mediator, key) and ends m's flow; when the aggregation completes it calls
 * complete() and runs the message that returns. */

struct mc_message;
struct mc_seq;

typedef enum mc_split_kind {
    MC_SPLIT_CONTINUE = 0,
    MC_SPLIT_GATHER,
    MC_SPLIT_DETACHED,
} mc_split_kind;

typedef struct mc_split_req {
    mc_split_kind kind;
    bool sequential;            /* each child ends before the next starts */
    bool continue_parent;       /* CONTINUE: the parent goes on after the mediator */
    size_t n;
    struct mc_message **children;   /* owned by the engine from here on */
    const struct mc_seq **targets;  /* the sequence each child runs */
    long long timeout_ms;       /* completion timeout: GATHER's own, CONTINUE's
                                   matching aggregates' (requests of the
                                   children are cut at it); 0: none */
    int min, max;               /* GATHER: complete at min / max (-1: none) */
    /* GATHER: is this child's result collected? (NULL: every one) */
    bool (*condition)(const void *med, struct mc_message *child);
} mc_split_req;

typedef struct mc_gather_req {
    const char *key;            /* correlation: the aggregation's name */
    int total;                  /* messages expected (MESSAGE_SEQUENCE), or -1 */
    int min, max;               /* -1: none */
    long long timeout_ms;       /* 0: none */
    /* Build the aggregated message from the collected ones (in arrival
     * order; trigger, the last, or NULL on a timeout); *then gets the
     * sequence it runs (onComplete).  NULL (with a fault set on trigger or a
     * log line) when nothing can be built. */
    struct mc_message *(*complete)(const void *med, struct mc_message **msgs, size_t n,
                                   struct mc_message *trigger, const struct mc_seq **then);
} mc_gather_req;

/* Every compiled mediator starts with this header. */
struct mc_mediator {
    const mc_mediator_type *type;
    const char *file;
    int line, col;
};

typedef struct mc_seq {
    const char *name;             /* NULL when anonymous */
    mc_mediator **items;
    uint32_t n;
    const struct mc_seq *on_error;
    const char *file;
    int line, col;             /* start tag of the definition */
} mc_seq;

typedef struct mc_proxy {
    const char *name;
    const mc_seq *in, *out, *fault;
    const char *file;
    int line, col;             /* start tag of the definition */
} mc_proxy;

typedef struct mc_uri_template mc_uri_template;

typedef struct mc_resource {
    const char *methods;          /* "GET POST" (upper case) or NULL: any */
    const char *uri_template;     /* source text, or NULL */
    const char *url_mapping;      /* source text, or NULL */
    mc_uri_template *tpl;         /* compiled uri-template */
    const mc_seq *in, *out, *fault;
    int line;
} mc_resource;

typedef struct mc_api {
    const char *name;
    const char *context;          /* the path it serves: "/lambda"; with a
                                     version, "/ctx/1.0.0" (version-type url)
                                     or the context with {version} replaced */
    const char *version;          /* or NULL */
    const char *version_type;     /* "url" or "context", or NULL */
    mc_resource *res;
    size_t nres;
    const char *file;
    int line, col;             /* start tag of the definition */
} mc_api;

/* A <localEntry>, or a registry resource (resource = true: key is the
 * canonical registry key, text the file's bytes, xml its root element when
 * the file is XML). */
typedef struct mc_local_entry {
    const char *key;
    const char *text;             /* text value, or NULL */
    size_t len;                   /* length of text */
    xmlNodePtr xml;               /* first element child (config-owned copy) */
    void *connection;             /* compiled connector connection, if any */
    bool resource;                /* from a registry */
    const char *file;
    int line, col;             /* start tag of the definition */
} mc_local_entry;

/* Compiled endpoints: config/endpoint.h. */
typedef struct mc_endpoint mc_endpoint;

/* A sequence template: <template name><parameter .../><sequence>...</sequence></template>. */
typedef struct mc_template_param {
    const char *name;
    const char *default_value;    /* or NULL */
    bool mandatory;
} mc_template_param;

typedef struct mc_seq_template {
    const char *name;
    mc_template_param *params;
    size_t nparams;
    const mc_seq *body;
    const mc_seq *on_error;       /* onError of the template, or NULL */
    const char *file;
    int line, col;
} mc_seq_template;

/* A map from names to artifacts, for the runtime. */
typedef struct mc_named {
    const char *name;
    void *item;
} mc_named;

typedef struct mc_table {
    mc_named *items;
    size_t n, cap;
} mc_table;

/* Hooks from the layers that come after config. */
typedef struct mc_registry {
    /* Element name -> mediator type; NULL when unknown. */
    const mc_mediator_type *(*lookup)(void *ud, const char *name);
    void *ud;
    /* Called for each <localEntry> whose child is a connector init
     * (e.g. <amazonlambda.init>): compile it as a connection. */
    void *(*compile_connection)(void *ud, mc_compiler *cc, xmlNodePtr init);
    /* Suggest a close valid name for an unknown element (may be NULL). */
    const char *(*suggest)(void *ud, const char *name);
} mc_registry;

struct mc_config {
    mc_arena arena;
    mc_table sequences, proxies, apis, entries, endpoints;
    mc_table templates;        /* sequence templates: name -> mc_seq_template */
    mc_table resource_props;   /* "KEY@NAME" -> registry resource property */
    mc_table broken;           /* registry artifacts that do not compile:
                                  key -> first error (const char *) */
    mc_table natives;          /* class mediators: name -> mc_native */
    mc_table ep_templates;     /* endpoint templates (config/endpoint.c) */
    struct mc_link_hook *link_hooks; /* work left for link time */
    mc_table values;           /* ${configs.x}: name -> const char * */
    mc_table secrets;          /* vault aliases: alias -> const char * */
    mc_table stores, processors, tasks, inbounds; /* MI scheduling artifacts
                                  (config/stores.h) */
    mc_table states;           /* per-process mediator state (cache stores,
                                  throttle counters): name -> object */
    mc_buf diags;              /* "file:line:col: error: ..." lines */
    unsigned nerrors, nwarnings;
    struct mc_owned *owned;    /* destructors */
    mc_registry reg;
    const mc_seq *fault_seq;   /* sequence named "fault", if any */
    const mc_seq *main_seq;    /* sequence named "main", if any */
    struct mc_fixup *fixups;   /* unresolved references until link */
    void *connector_ctx;       /* connector runtime's loaded descriptors */
    unsigned nresources;       /* registry resources loaded */
    unsigned nregistries;      /* registry folders or archives given */
    struct mc_source *sources; /* what was loaded from where (newest first) */
    bool options_applied;      /* MEDIAC_* load options read (layout.c) */
    unsigned nresource_artifacts; /* artifacts compiled from registry resources */
};

/* One loaded input: "12 artifacts from proj/ (MI project)". */
typedef struct mc_source {
    struct mc_source *next;
    const char *path;
    const char *layout;        /* "folder", "MI project", "registry", ... */
    unsigned artifacts;        /* proxies, APIs, sequences, ... */
    unsigned resources;        /* registry resources */
} mc_source;

mc_config *mc_config_new(const mc_registry *reg);
void mc_config_free(mc_config *cfg);

/* Load a file, a folder (recursively, *.xml, sorted), a project (MI,
 * Integration Studio), an MI server folder or a .car archive, as WSO2
 * deploys each (layout.c), and record it in cfg->sources; a path that
 * gives nothing is a warning.  Diagnostics are appended to cfg->diags;
 * returns MC_ECONFIG when any error was found. */
mc_code mc_config_load_path(mc_config *cfg, const char *path);
mc_code mc_config_load_memory(mc_config *cfg, const char *data, size_t len,
                              const char *name);
/* Resolve references between artifacts; call once after all loads. */
mc_code mc_config_link(mc_config *cfg);

const mc_seq *mc_config_sequence(const mc_config *cfg, const char *name);
const mc_proxy *mc_config_proxy(const mc_config *cfg, const char *name);
const mc_api *mc_config_api(const mc_config *cfg, const char *name);
const mc_local_entry *mc_config_entry(const mc_config *cfg, const char *key);
const mc_endpoint *mc_config_endpoint(const mc_config *cfg, const char *name);
const mc_seq_template *mc_config_template(const mc_config *cfg, const char *name);

/* ---- registry resources ------------------------------------------------ */

/* The canonical registry key (arena copy): "conf:/a/b", "gov:/a/b",
 * "local:/a".  A plain key "a/b" is "gov:/a/b" (MI resolves plain keys
 * against the governance registry), "resources:x" is "gov:/mi-resources/x",
 * "/_system/config/a" is "conf:/a".  NULL for a key with ".." (it would
 * leave the registry) or no path. */
const char *mc_registry_key(mc_arena *a, const char *key);
/* Every file under dir becomes a registry resource: dir/conf (or config)
 * holds conf:/ keys, dir/gov (or governance) gov:/ keys; any other folder
 * is the governance root itself. */
mc_code mc_config_load_registry(mc_config *cfg, const char *dir);
/* A registry resource's (or collection's) property, as MI keeps them:
 * RESOURCE.properties beside the resource, COLLECTION/COLLECTION.properties
 * for a folder; NULL when there is none.  (Synapse's
 * get-property('registry', 'KEY@NAME'), MI 4.4's registry(KEY).property(NAME).) */
const char *mc_config_resource_property(const mc_config *cfg, const char *key, const char *name);
/* get-property('registry', 'KEY') / 'KEY/@NAME': a resource's text or one
 * of its properties; NULL when absent. */
const char *mc_config_registry_lookup(const mc_config *cfg, const char *key, size_t *len);
/* One resource from bytes or from a file, under key (any key form). */
mc_code mc_config_load_resource(mc_config *cfg, const char *key, const char *data,
                                size_t len, const char *name);
mc_code mc_config_load_resource_file(mc_config *cfg, const char *key, const char *path);
/* Record what came from path (for the load summary). */
void mc_config_note_source(mc_config *cfg, const char *path, const char *layout,
                           unsigned artifacts, unsigned resources);
/* Artifacts and resources defined so far (for counting what a path added). */
unsigned mc_config_count(const mc_config *cfg);

/* ---- values: configuration parameters and secrets --------------------- */

/* Set before artifacts are loaded (by whoever reads the config-values file,
 * the secrets file and the environment); read by expressions at load and per
 * message: mc_config_value for MI 4.4 ${configs.NAME}, mc_config_secret for
 * wso2:vault-lookup('ALIAS').  Values are copied into the config arena; a
 * later set of the same name replaces the earlier one.  Getters return NULL
 * for an unknown name.  Secret values are never logged. */
mc_code mc_config_set_value(mc_config *cfg, const char *name, const char *value);
mc_code mc_config_set_secret(mc_config *cfg, const char *alias, const char *value);
const char *mc_config_value(const mc_config *cfg, const char *name);
const char *mc_config_secret(const mc_config *cfg, const char *alias);

/* Fill the maps from files (before loading artifacts; docs/core.md, "Values
 * and secrets"): a config-values file of NAME=VALUE lines (Java properties,
 * or a .env file), where an environment variable of the same name wins; a
 * project's config.properties (NAME:TYPE declarations), each declared name
 * taken from the environment; a secrets file of ALIAS=VALUE lines ("[v]"
 * is plain text v).  Diagnostics go to cfg->diags; MC_ECONFIG on a bad
 * line, MC_EIO when the file cannot be read. */
mc_code mc_config_load_values(mc_config *cfg, const char *path);
mc_code mc_config_declare_values(mc_config *cfg, const char *path);
mc_code mc_config_load_secrets(mc_config *cfg, const char *path);
/* The same from memory (name: for diagnostics and the .env rule). */
mc_code mc_config_parse_values(mc_config *cfg, const char *name, const char *data,
                               size_t len, bool secrets);
mc_code mc_config_parse_declarations(mc_config *cfg, const char *name, const char *data,
                                     size_t len);
/* The value of property name in Java-properties text (MI keeps a
 * registry resource's properties in RESOURCE.properties beside it), into
 * out; false when there is none. */
bool mc_properties_value(const char *text, size_t len, const char *name, mc_buf *out);
/* wso2:vault-lookup('alias'): the secrets file's value, else the
 * environment variable of that name (remembered); NULL when neither. */
const char *mc_config_vault_lookup(mc_config *cfg, const char *alias);

/* Register a destructor for obj, run when the config is freed. */
void mc_config_own(mc_config *cfg, void *obj, void (*destroy)(void *));

/* ---- per-process state of mediators ------------------------------------
 * Mediators whose state outlives one message (cache stores, throttle
 * counters) keep it in objects the configuration owns, by name, so that
 * mediators naming the same id share it and a reload starts afresh.  The
 * objects synchronise themselves: the configuration stays immutable and
 * shared by all threads. */

/* At load: the state named name, made by create(ud) the first time
 * (destroyed with the configuration); NULL when out of memory. */
void *mc_config_state(mc_config *cfg, const char *name, void *(*create)(void *ud), void *ud,
                      void (*destroy)(void *));
/* At run time: the state named name, or NULL. */
void *mc_config_find_state(const mc_config *cfg, const char *name);

/* ---- the compiler interface (used by mediators) ----------------------- */

enum { MC_DIAG_ERROR = 0, MC_DIAG_WARNING, MC_DIAG_NOTE };

struct mc_compiler {
    mc_config *cfg;
    const char *file;          /* arena copy of the file name */
    const char *text;          /* the file's bytes (for columns) */
    size_t len;
    size_t *line_starts;       /* offsets of line starts */
    size_t nlines;
    unsigned depth;            /* nesting, bounded */
    unsigned template_depth;   /* templates instantiated inside templates */
    const char *artifact_key;  /* registry key naming the artifact compiled
                                  from a registry resource, or NULL */
};

/* Report at an explicit position. */
void mc_diag_at(mc_config *cfg, const char *file, int line, int col,
                int severity, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Report at node (and attribute attr when not NULL). */
void mc_diag(mc_compiler *cc, xmlNodePtr node, const char *attr, int severity,
             const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Position of a node's start tag (1-based line and column). */
void mc_node_pos(const mc_compiler *cc, xmlNodePtr node, int *line, int *col);
/* Position of attribute attr in node's start tag (the tag's when absent). */
void mc_attr_pos(const mc_compiler *cc, xmlNodePtr node, const char *attr,
                 int *line, int *col);

void *mc_alloc(mc_compiler *cc, size_t n);     /* zeroed, config arena */
const char *mc_strdup(mc_compiler *cc, const char *s);
/* Attribute value (arena copy) or NULL. */
const char *mc_attr(mc_compiler *cc, xmlNodePtr node, const char *name);
/* Text content of an element (arena copy, never NULL). */
const char *mc_text(mc_compiler *cc, xmlNodePtr node);
/* s without leading and trailing whitespace (arena copy). */
const char *mc_strdup_trimmed(mc_compiler *cc, const char *s);
/* Text content without leading and trailing whitespace (arena copy). */
const char *mc_text_trimmed(mc_compiler *cc, xmlNodePtr node);
/* True for elements in the Synapse namespace or in no namespace. */
bool mc_is_synapse(xmlNodePtr node);
/* First/next element child. */
xmlNodePtr mc_first_elem(xmlNodePtr node);
xmlNodePtr mc_next_elem(xmlNodePtr node);
/* Warn about attributes not in allowed (NULL-terminated). */
void mc_check_attrs(mc_compiler *cc, xmlNodePtr node, const char *const *allowed);

/* Compile helpers: report and return NULL on error. */
mc_expr *mc_compile_expr(mc_compiler *cc, xmlNodePtr node, const char *attr,
                         const char *src);
/* Same as mc_compile_expr, but NULL without a diagnostic when src is not
 * an expression (for text that may or may not be one). */
mc_expr *mc_compile_expr_quiet(mc_compiler *cc, xmlNodePtr node, const char *src);
mc_template *mc_compile_template(mc_compiler *cc, xmlNodePtr node,
                                 const char *attr, const char *text);
/* Only ${...} parts are expressions (MI 4.4 log messages, inline text). */
mc_template *mc_compile_inline_template(mc_compiler *cc, xmlNodePtr node,
                                        const char *attr, const char *text);
mc_regex *mc_compile_regex(mc_compiler *cc, xmlNodePtr node, const char *attr,
                           const char *pattern);
/* Mediators of an element's children as an anonymous sequence. */
mc_seq *mc_compile_children(mc_compiler *cc, xmlNodePtr parent);
/* One mediator element. */
mc_mediator *mc_compile_mediator(mc_compiler *cc, xmlNodePtr node);
/* Allocate a mediator of size n with its header filled in. */
void *mc_new_mediator(mc_compiler *cc, xmlNodePtr node,
                      const mc_mediator_type *type, size_t n);
/* References, resolved at link time across every loaded file, with the
 * registry as fallback (a plain key is also looked up as gov:/key).  As in
 * Synapse, a reference to something not loaded is a load warning, not an
 * error (validate --werror makes it one): the slot of a missing sequence
 * gets a one-mediator sequence that faults with ERROR_CODE 0 and MI's
 * message ("Sequence named X cannot be found"); other slots stay NULL. */
void mc_ref_sequence(mc_compiler *cc, xmlNodePtr node, const char *attr,
                     const char *key, const mc_seq **slot);
/* Same, with the runtime message for a missing sequence (printf format
 * with one %s: the key), e.g. "Unable to find in-sequence : %s". */
void mc_ref_sequence_msg(mc_compiler *cc, xmlNodePtr node, const char *attr,
                         const char *key, const mc_seq **slot, const char *missing_fmt);
/* A reference to a local entry (or registry resource), resolved at link time. */
void mc_ref_entry(mc_compiler *cc, xmlNodePtr node, const char *attr,
                  const char *key, const mc_local_entry **slot);
void mc_ref_endpoint(mc_compiler *cc, xmlNodePtr node, const char *attr,
                     const char *key, const mc_endpoint **slot);
/* A sequence template; check (may be NULL) is called at link time with the
 * template found, for checks that need it (call-template's parameters). */
typedef void (*mc_link_fn)(mc_config *cfg, const void *item, void *ud,
                           const char *file, int line, int col);
void mc_ref_template(mc_compiler *cc, xmlNodePtr node, const char *attr,
                     const char *key, const mc_seq_template **slot,
                     mc_link_fn check, void *ud);

/* A local entry or registry resource a mediator compiles when the
 * configuration links (an XSLT stylesheet, a script, an XSD, a
 * payloadFactory format): once key resolves (every file and the registry
 * loaded), compile(entry, target, cfg, err) runs; false reports err->msg
 * at the reference.  Not called when the key names nothing: the link
 * reports that (docs/core.md, "References"), and the mediator faults at
 * run time when its compiled form is missing. */
typedef bool (*mc_entry_compile_fn)(const mc_local_entry *e, void *target,
                                    mc_config *cfg, mc_err *err);
void mc_ref_entry_compile(mc_compiler *cc, xmlNodePtr node, const char *attr,
                          const char *key, mc_entry_compile_fn compile,
                          void *target);

/* Work that needs every file loaded (say, an endpoint template used before
 * the file that defines it): fn(cfg, arg) runs in mc_config_link, in the
 * order registered, before references are resolved; it may report
 * diagnostics with mc_diag_at and add references. */
void mc_config_at_link(mc_config *cfg, void (*fn)(mc_config *cfg, void *arg),
                       void *arg);

/* ---- API resource templates ------------------------------------------ */

/* Compile "/functions/{name}?q={q}" ; NULL after reporting on error. */
mc_uri_template *mc_uri_template_compile(mc_compiler *cc, xmlNodePtr node,
                                         const char *src);
/* Match a request path (without the API context) and query; on success set
 * uri.var.* into the message (default scope) and return true. */
bool mc_uri_template_match(const mc_uri_template *t, const char *path,
                           const char *query, mc_message *m);
/* url-mapping: exact "/x", a prefix "/x/" followed by a star, or an
 * extension like star ".jsp". */
bool mc_url_mapping_match(const char *mapping, const char *path);

#endif

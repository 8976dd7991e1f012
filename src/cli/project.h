/* project.h - the project options every command takes (--registry DIR,
 * --secrets FILE, --config-values FILE) and the load summary ("N artifacts
 * from PATH (layout)"). */
#ifndef MC_CLI_PROJECT_H
#define MC_CLI_PROJECT_H

#include <stdio.h>

#include "config/config.h"
#include "util/buf.h"

/* Take the project options out of argv (any position, "--opt VALUE" or
 * "--opt=VALUE"), passing them to the loader as MEDIAC_REGISTRY,
 * MEDIAC_SECRETS and MEDIAC_CONFIG_VALUES (appended to what the
 * environment already says).  Returns the new argc, or -1 after printing
 * the error for an option without its value. */
int mc_cli_project_options(int argc, char **argv);

/* The same for one option from elsewhere (a deployment.toml key): flag
 * without its dashes ("registry"), value.  False for another flag. */
bool mc_cli_project_add(const char *flag, const char *value);

/* "mediac: loaded 12 artifacts and 3 registry resources from proj (MI
 * project)" lines, oldest first. */
void mc_cli_sources_text(const mc_config *cfg, mc_buf *out);
/* The same as a JSON array of {"path","layout","artifacts","resources"}. */
void mc_cli_sources_json(const mc_config *cfg, mc_buf *out);

#define MC_CLI_PROJECT_USAGE \
    "project options (run, validate, serve):\n" \
    "  --registry DIR        registry resources (conf:/, gov:/ and plain keys)\n" \
    "  --secrets FILE        ALIAS=VALUE lines for wso2:vault-lookup('ALIAS')\n" \
    "  --config-values FILE  NAME=VALUE lines for ${configs.NAME} and $FILE:NAME\n"

#endif

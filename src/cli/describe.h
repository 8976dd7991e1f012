/* describe.h - `mediac describe [NAME]`: mediators, connectors and
 * connector operations, with suggestions for misspelt names. */
#ifndef MC_CLI_DESCRIBE_H
#define MC_CLI_DESCRIBE_H

#include "cli/options.h"

/* argv[0] is "describe".  Exit status: 0 described, 1 unknown name, 2 usage. */
int mc_cmd_describe(int argc, char **argv);

extern const mc_command mc_describe_command;

#endif

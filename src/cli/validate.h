/* validate.h - `mediac validate`: load configuration files the way `run`
 * and `serve` do, without running a message, and report every diagnostic
 * like a compiler (text) or as one JSON document (editors, CI). */
#ifndef MC_CLI_VALIDATE_H
#define MC_CLI_VALIDATE_H

/* argv[0] is "validate".  Exit status: 0 clean (warnings allowed), 1 errors
 * (or warnings with --werror), 2 usage. */
int mc_cmd_validate(int argc, char **argv);

extern const struct mc_command mc_validate_command;

#endif

/* serve.h - `mediac serve`: host every proxy and API found under the given
 * paths over HTTP (see docs/serve.md). */
#ifndef MC_CLI_SERVE_H
#define MC_CLI_SERVE_H

/* argv[0] is "serve".  Returns the process exit code. */
int mc_cmd_serve(int argc, char **argv);
/* The command's options (flags and deployment.toml keys) and help. */
extern const struct mc_command mc_serve_command;

#endif

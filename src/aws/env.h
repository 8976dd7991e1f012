/* env.h - the AWS settings of the process environment, read once.
 *
 * The AWS_* variables (and HOME, which locates ~/.aws) are captured when a
 * configuration loads, so requests never call getenv and a running server
 * is not affected by later changes to its environment.  A NULL snapshot
 * means "the live environment" (tools and tests that resolve once). */
#ifndef MC_AWS_ENV_H
#define MC_AWS_ENV_H

typedef struct mc_aws_env mc_aws_env;

/* Every AWS_* variable and HOME, copied; NULL when out of memory. */
mc_aws_env *mc_aws_env_capture(void);
/* Wipes the copies (they may hold a secret key) and frees. */
void mc_aws_env_free(mc_aws_env *e);
/* A variable's value, or NULL when unset or empty. */
const char *mc_aws_env_get(const mc_aws_env *e, const char *name);

#endif

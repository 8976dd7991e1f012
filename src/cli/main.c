/* main.c - the mediac command: run, validate, serve, describe. */
#include <stdio.h>
#include "mediac.h"
int main(void) { printf("mediac %s\n", MC_VERSION); return 0; }

/*
 * CMD's environment: the caller's --env values, then what a login would
 * provide (PATH, HOSTNAME, HOME) for any the caller left out.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"

#define DEFAULT_PATH \
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Whether env[0..n) sets the variable of var, given as "KEY=...". */
static bool has_key(char **env, size_t n, const char *var)
{
	size_t klen = strchr(var, '=') - var + 1;
	size_t i;

	for (i = 0; i < n; i++)
		if (!strncmp(env[i], var, klen))
			return true;
	return false;
}

static void add_default(char **env, size_t *n, size_t given, char *var)
{
	if (!has_key(env, given, var))
		env[(*n)++] = var;
}

/* Returns a NULL-terminated array, or NULL (with fail()) when out of memory. */
char **build_env(char **given, const char *hostname)
{
	static char path_var[] = DEFAULT_PATH;
	static char home_var[] = "HOME=/root";
	static char host_var[sizeof("HOSTNAME=") + HOST_NAME_MAX];
	size_t ngiven = 0, n;
	char **env;

	while (given[ngiven])
		ngiven++;
	env = calloc(ngiven + 4, sizeof(*env));
	if (!env) {
		fail("build the environment", NULL);
		return NULL;
	}
	memcpy(env, given, ngiven * sizeof(*env));

	n = ngiven;
	add_default(env, &n, ngiven, path_var);
	if (hostname) {
		snprintf(host_var, sizeof(host_var), "HOSTNAME=%s", hostname);
		add_default(env, &n, ngiven, host_var);
	}
	add_default(env, &n, ngiven, home_var);
	return env;
}

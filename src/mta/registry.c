/* The MTA parsers by name: the only place that lists them. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "event.h"

const struct mta_parser *const mta_parsers[] = { &parser_postfix, &parser_exim, &parser_icewarp,
	NULL };

const struct mta_parser *
parser_by_name(const char *name)
{
	size_t i;

	for (i = 0; mta_parsers[i] != NULL; i++)
		if (strcmp(name, mta_parsers[i]->name) == 0)
			return mta_parsers[i];
	return NULL;
}

/* Longest list of names: every parser's name is short (a config word). */
#define PARSER_NAMES_MAX 128

/* Made from the table, so that a new parser is listed where it is registered. */
const char *
parser_names(void)
{
	static char names[PARSER_NAMES_MAX];
	size_t i, n = 0;

	if (names[0] != '\0')
		return names;
	for (i = 0; mta_parsers[i] != NULL && n < sizeof(names); i++)
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", i ? ", " : "",
		    mta_parsers[i]->name);
	return names;
}

/* The MTA parsers by name: the only place that lists them. */
#include "config.h"

#include <string.h>

#include "event.h"

const struct mta_parser *const mta_parsers[] = { &parser_postfix, &parser_exim, &parser_icewarp,
	NULL };

/* Formats the design names that have no parser yet: "not supported yet", not "unknown". */
static const char *const planned[] = { NULL };

const struct mta_parser *
parser_by_name(const char *name)
{
	size_t i;

	for (i = 0; mta_parsers[i] != NULL; i++)
		if (strcmp(name, mta_parsers[i]->name) == 0)
			return mta_parsers[i];
	return NULL;
}

int
parser_is_planned(const char *name)
{
	size_t i;

	for (i = 0; planned[i] != NULL; i++)
		if (strcmp(name, planned[i]) == 0)
			return 1;
	return 0;
}

const char *
parser_names(void)
{
	return "postfix, exim, icewarp";
}

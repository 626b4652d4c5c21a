/*
 * mtastat.conf through net-snmp's config handlers: every token of the core
 * (conf.c) is registered; errors go through config_perror(), which names the
 * file and line, and are counted by the log bridge in mtastatd.c.
 */
#include "config.h"

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include <string.h>

#include "conf.h"
#include "mtastatd.h"

/* net-snmp's handlers take no user pointer: this is the one way back. */
static struct mtastat *config_ctx;

static void
on_token(const char *token, char *line)
{
	char err[512];

	if (config_apply(&config_ctx->cfg, token, line, err, sizeof(err)) != 0)
		config_perror(err);
}

/* Called before a (re)read: start from the defaults. */
static void
on_release(void)
{
	config_free(&config_ctx->cfg);
	config_init(&config_ctx->cfg);
}

void
config_snmp_reset(struct mtastat *ctx)
{
	config_free(&ctx->cfg);
	config_init(&ctx->cfg);
}

void
config_snmp_register(struct mtastat *ctx)
{
	const char *const *t;

	config_ctx = ctx;
	config_init(&ctx->cfg);
	for (t = config_tokens; *t != NULL; t++)
		register_app_config_handler(*t, on_token, t == config_tokens ? on_release : NULL,
		    "see mtastat.conf(5)");
}

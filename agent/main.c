/* mtastatd: everything lives in the subagent library so tests can link it. */
#include "config.h"

#include "mtastatd.h"

int
main(int argc, char **argv)
{
	return mtastatd_main(argc, argv);
}

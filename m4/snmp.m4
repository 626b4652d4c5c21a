# MTASTAT_CHECK_NETSNMP -- find net-snmp's agent libraries through net-snmp-config.
#
# net-snmp-config --cflags and --agent-libs leak the distribution's own build
# flags (-O2 -g, -fstack-protector, -Werror=format-security, LTO, -I/usr/local,
# perl's include dir, relro link flags).  We keep only what the headers need:
# -I and -D, and only the libraries a subagent links (not libnetsnmpmibs, which
# drags lm-sensors, libpci and libwrap along).
AC_DEFUN([MTASTAT_CHECK_NETSNMP], [
  AC_PATH_PROG([NETSNMP_CONFIG], [net-snmp-config], [no])
  AS_IF([test "x$NETSNMP_CONFIG" = xno],
    [AC_MSG_ERROR([net-snmp-config not found: apt-get install libsnmp-dev])])
  NETSNMP_VERSION=`$NETSNMP_CONFIG --version`
  NETSNMP_CFLAGS=""
  for flag in `$NETSNMP_CONFIG --base-cflags`; do
    case "$flag" in
      -I/usr/local/include|-I*perl*) ;;
      -DNETSNMP_*|-I*) NETSNMP_CFLAGS="$NETSNMP_CFLAGS $flag" ;;
    esac
  done
  NETSNMP_LIBS="-lnetsnmpagent -lnetsnmp"
  mtastat_save_CFLAGS="$CFLAGS"; mtastat_save_LIBS="$LIBS"
  CFLAGS="$CFLAGS $NETSNMP_CFLAGS"; LIBS="$NETSNMP_LIBS $LIBS"
  AC_MSG_CHECKING([whether a net-snmp subagent links])
  AC_LINK_IFELSE([AC_LANG_PROGRAM([[
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
]], [[
    netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
    init_agent("conftest");
    agent_check_and_process(0);
]])], [AC_MSG_RESULT([yes])],
      [AC_MSG_RESULT([no]); AC_MSG_ERROR([cannot link a net-snmp subagent: apt-get install libsnmp-dev])])
  CFLAGS="$mtastat_save_CFLAGS"; LIBS="$mtastat_save_LIBS"
  AC_SUBST([NETSNMP_CFLAGS])
  AC_SUBST([NETSNMP_LIBS])
  AC_SUBST([NETSNMP_VERSION])
])

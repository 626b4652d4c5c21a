# AX_CHECK_CFLAG(FLAG, ACTION-IF-OK) -- does the compiler accept FLAG as an error-free option?
AC_DEFUN([AX_CHECK_CFLAG], [
  AC_MSG_CHECKING([whether $CC accepts $1])
  mtastat_save_CFLAGS="$CFLAGS"
  CFLAGS="$CFLAGS -Werror $1"
  AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
    [AC_MSG_RESULT([yes]); $2], [AC_MSG_RESULT([no])])
  CFLAGS="$mtastat_save_CFLAGS"
])

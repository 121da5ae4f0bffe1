/* err: formatting of the one-line error messages. */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Formats the message into e, when e is not NULL. */
__attribute__((format(printf, 2, 0))) static void
set(struct err *e, const char *fmt, va_list ap)
{
	if (e != NULL)
		(void)vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

int
(err_set)(struct err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set(e, fmt, ap);
	va_end(ap);
	return -1;
}

int
(err_errno)(struct err *e, const char *fmt, ...)
{
	int saved = errno;
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	set(e, fmt, ap);
	va_end(ap);
	if (e != NULL) {
		n = strlen(e->msg);
		(void)snprintf(e->msg + n, sizeof(e->msg) - n, ": %s",
		    strerror(saved));
	}
	errno = saved;
	return -1;
}

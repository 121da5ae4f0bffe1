/* log: one line per message on standard error. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static const char PREFIX[] = "tokenguard-watch: ";
static const char ERASE_LINE[] = "\r\033[K";

/* Progress lines are drawn on standard error, a terminal. */
static atomic_bool drawing;

/*
 * True when standard error is the journal (systemd sets JOURNAL_STREAM
 * to its device and inode): then a line may start with "<N>", the
 * syslog priority journald gives it.
 */
static bool
to_journal(void)
{
	static atomic_int known;	/* 0 not yet, 1 yes, 2 no */
	unsigned long long dev, ino;
	const char *js;
	struct stat st;
	int k = atomic_load(&known);

	if (k != 0)
		return k == 1;
	js = getenv("JOURNAL_STREAM");
	k = 2;
	if (js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(STDERR_FILENO, &st) == 0 &&
	    (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino)
		k = 1;
	atomic_store(&known, k);
	return k == 1;
}

static void __attribute__((format(printf, 2, 0)))
vlog(const char *level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t start = 0, len, room;
	struct iovec iov[2];
	int n, saved = errno;

	if (level != NULL && to_journal()) {
		start = strlen(level);
		memcpy(line, level, start);
	}
	memcpy(line + start, PREFIX, sizeof(PREFIX) - 1);
	len = start + sizeof(PREFIX) - 1;
	room = sizeof(line) - len - 1;
	n = vsnprintf(line + len, room + 1, fmt, ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > room) {
		memcpy(line + len + room - 3, "...", 3);
		n = (int)room;
	}
	len += (size_t)n;
	/* A message never spans lines, whatever it was given. */
	for (size_t i = start + sizeof(PREFIX) - 1; i < len; i++) {
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	}
	line[len++] = '\n';
	/* One write(), the erasing included: lines never mix. */
	iov[0].iov_base = (void *)ERASE_LINE;
	iov[0].iov_len = atomic_load(&drawing) ? sizeof(ERASE_LINE) - 1 : 0;
	iov[1].iov_base = line;
	iov[1].iov_len = len;
	while (writev(STDERR_FILENO, iov, 2) < 0 && errno == EINTR)
		;
	errno = saved;
}

void
log_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(NULL, fmt, ap);
	va_end(ap);
}

void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("<3>", fmt, ap);
	va_end(ap);
}

void
log_progress(const char *s)
{
	size_t len = strlen(s);
	int saved = errno;

	atomic_store(&drawing, true);
	if (len > 0) {
		while (write(STDERR_FILENO, s, len) < 0 && errno == EINTR)
			;
	}
	errno = saved;
}

const char *
log_escape(char *out, size_t n, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (n < 8) {
		if (n > 0)
			out[0] = '\0';
		return out;
	}
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		size_t need = (c < 0x20 || c == 0x7f || c == '\\') ? 4 : 1;

		if (o + need + 4 > n) {
			memcpy(out + o, "...", 4);
			return out;
		}
		if (need == 4) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return out;
}

const char *
log_url(char *out, size_t n, const char *url)
{
	const char *p = strstr(url, "://");
	const char *host, *end, *at;
	char buf[LOG_PATH_MAX];

	if (p == NULL) {
		(void)snprintf(out, n, "(not a URL)");
		return out;
	}
	host = p + 3;
	end = host + strcspn(host, "/?#");
	/*
	 * user:password@ is a secret too, up to the last '@': a password
	 * may hold one ("https://bot:p@ss@host" must not log "ss@host").
	 */
	at = memrchr(host, '@', (size_t)(end - host));
	if (at != NULL)
		host = at + 1;
	(void)snprintf(buf, sizeof(buf), "%.*s://%.*s%s", (int)(p - url), url,
	    (int)(end - host), host, *end != '\0' ? "/..." : "");
	(void)log_escape(out, n, buf);
	return out;
}

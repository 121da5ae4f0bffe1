/* progress: the timing and text of progress lines; callers print them. */
#include "progress.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_WIDTH 80
#define MAX_DELAY_MS 60000

static const char ERASE[] = "\033[K";

uint64_t
progress_clock(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

bool
progress_terminal(int fd)
{
	const char *term = getenv("TERM");

	if (isatty(fd) == 0)
		return false;
	return term == NULL || strcmp(term, "dumb") != 0;
}

/* The first delay: TOKENGUARD_PROGRESS_DELAY when it is a number. */
static uint64_t
first_delay(void)
{
	const char *s = getenv("TOKENGUARD_PROGRESS_DELAY");
	unsigned long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return PROGRESS_DELAY_MS;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > MAX_DELAY_MS)
		return PROGRESS_DELAY_MS;
	return v;
}

void
progress_init(struct progress *p, int fd, uint64_t now)
{
	struct winsize ws;

	memset(p, 0, sizeof(*p));
	p->width = DEFAULT_WIDTH;
	if (fd >= 0 && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		p->width = ws.ws_col;
	p->due = now + first_delay();
}

bool
progress_due(const struct progress *p, uint64_t now)
{
	return now >= p->due;
}

uint64_t
progress_wait(const struct progress *p, uint64_t now)
{
	return now >= p->due ? 0 : p->due - now;
}

const char *
progress_format(struct progress *p, uint64_t now, const char *fmt, ...)
{
	/* "\r", the text, ERASE and the NUL. */
	size_t room = sizeof(p->line) - 1 - (sizeof(ERASE) - 1) - 1;
	va_list ap;
	size_t len;
	int n;

	/* The last column stays free: some terminals wrap on it. */
	if (p->width > 1 && p->width - 1 < room)
		room = p->width - 1;
	p->line[0] = '\r';
	va_start(ap, fmt);
	n = vsnprintf(p->line + 1, room + 1, fmt, ap);
	va_end(ap);
	len = n < 0 ? 0 : (size_t)n > room ? room : (size_t)n;
	/* A line is drawn over itself: it may not move the cursor down. */
	for (size_t i = 1; i <= len; i++) {
		if (p->line[i] == '\n' || p->line[i] == '\r')
			p->line[i] = ' ';
	}
	memcpy(p->line + 1 + len, ERASE, sizeof(ERASE));
	p->shown = true;
	p->due = now + PROGRESS_EVERY_MS;
	return p->line;
}

const char *
progress_clear(struct progress *p)
{
	if (!p->shown)
		return "";
	p->shown = false;
	return "\r\033[K";
}

const char *
progress_size(char out[PROGRESS_SIZE_MAX], uint64_t bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB",
	    "PiB", "EiB" };
	double v = (double)bytes;
	size_t u = 0;

	if (bytes < 1024) {
		(void)snprintf(out, PROGRESS_SIZE_MAX, "%u B", (unsigned)bytes);
		return out;
	}
	v /= 1024;
	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	(void)snprintf(out, PROGRESS_SIZE_MAX, v < 10 ? "%.1f %s" : "%.0f %s",
	    v, units[u]);
	return out;
}

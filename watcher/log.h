/*
 * log: the watcher's log, one line per message on standard error,
 * written with a single write() so that lines from different threads
 * never mix. systemd's journal adds the time. Nothing logged is ever a
 * secret: findings appear redacted with their fingerprint, webhook URLs
 * as scheme, host and port only.
 */
#ifndef TOKENGUARD_WATCH_LOG_H
#define TOKENGUARD_WATCH_LOG_H

#include <stddef.h>

/* The longest line written; longer messages are cut with "...". */
#define LOG_LINE_MAX 2048

/* Room for a path escaped by log_escape(). */
#define LOG_PATH_MAX 1024

/* Writes "tokenguard-watch: " and the message as one line. */
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Like log_msg(), for what an operator must act on (a refused reload):
 * when standard error is the journal, the line has priority "err"
 * (journalctl -p err shows it, in red).
 */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Writes s, a progress line (progress_format()) or what erases one
 * (progress_clear()), to standard error as it is; only for a terminal.
 * Once it has been called, every log line starts by erasing the
 * terminal's line, so that a progress line drawn by one thread never
 * runs into a message from another.
 */
void log_progress(const char *s);

/*
 * Writes s to out (n bytes) with control bytes and backslash as \xNN,
 * so that a file name cannot break a log line; cuts it with "..." when
 * it does not fit. Returns out.
 */
const char *log_escape(char *out, size_t n, const char *s);

/*
 * Writes the scheme, host and port of url to out (n bytes) and "/..."
 * when there was more: webhook URLs often carry a secret in their path
 * (Slack's do). Returns out.
 */
const char *log_url(char *out, size_t n, const char *url);

#endif

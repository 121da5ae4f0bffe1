/*
 * conf: the watcher's configuration, one file in git-config syntax
 * (default /etc/tokenguard/watch.conf), read whole at start and on
 * SIGHUP. A loaded configuration is immutable and reference-counted:
 * threads keep the one they started with until they are done with it,
 * and a reload that fails leaves the running one in place.
 *
 * Keys (defaults in brackets; durations take ms, s, m or h, sizes k, m
 * or g):
 *   watch.path             a directory tree to watch; several [none]
 *   watch.exclude          a glob of names (or of paths below a root, if
 *                          it has a '/') left out; several; an empty
 *                          value clears the list [node_modules, .git]
 *   watch.maxFileSize      bytes scanned per file [tokenguard.maxFileSize]
 *   watch.rescanInterval   how often unwatched directories (inotify
 *                          limit) and missing roots are rescanned [5m]
 *   watch.settleTime       quiet time before a file modified without a
 *                          close is scanned [2s]
 *   watch.threads          scanner threads [2]
 *   watch.maxPending       paths waiting to be scanned before an
 *                          overflow (and a rescan) [65536]
 *   webhook.url            where events go (http:// or https://) [none]
 *   webhook.format         json, slack or alertmanager [json]
 *   webhook.secretFile     the signing secret; 0600 or stricter;
 *                          required for json [the systemd credential
 *                          CONF_CREDENTIAL, when there is one]
 *   webhook.caFile         CA certificates for TLS [the system's]
 *   webhook.connectTimeout [5s]   webhook.timeout (whole request) [15s]
 *   webhook.retryBase      first retry delay (before jitter) [1s]
 *   webhook.retryMax       longest retry delay [5m]
 *   queue.dir              the delivery queue [/var/lib/tokenguard/queue]
 *   queue.maxBytes         queue size that refuses new events [64m]
 *   metrics.file           Prometheus text file [none]
 *   tokenguard.*, rule.*   the engine's settings (config.h)
 * Any other key in these sections, and any other section, is an error.
 */
#ifndef TOKENGUARD_WATCH_CONF_H
#define TOKENGUARD_WATCH_CONF_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "scan.h"
#include "webhook.h"

#define CONF_DEFAULT_FILE "/etc/tokenguard/watch.conf"
#define CONF_DEFAULT_QUEUE "/var/lib/tokenguard/queue"

/*
 * The credential (in $CREDENTIALS_DIRECTORY, from the unit's
 * LoadCredential=) that is the signing secret when webhook.secretFile
 * is unset.
 */
#define CONF_CREDENTIAL "webhook.secret"

struct conf {
	atomic_int refs;
	char **paths;		/* absolute, no trailing '/' */
	size_t npaths;
	char **excludes;
	size_t nexcludes;
	uint64_t max_file_size;
	uint64_t rescan_ms;
	uint64_t settle_ms;
	unsigned threads;
	size_t max_pending;

	char *url;		/* the endpoint to post to */
	char *url_shown;	/* for logs: no path, no credentials */
	enum webhook_format format;
	unsigned char *key;	/* NULL: unsigned */
	size_t keylen;
	bool key_elsewhere;	/* CONF_CHECK: the credential, unseen */
	char *ca_file;
	uint64_t connect_timeout_ms;
	uint64_t timeout_ms;
	uint64_t retry_base_ms;
	uint64_t retry_max_ms;

	char *queue_dir;
	uint64_t queue_max_bytes;
	char *metrics_file;

	struct config engine;
	struct scanner *scanner;
};

enum conf_flags {
	/*
	 * Only checking (--check, from ExecReload=): a credential that
	 * $CREDENTIALS_DIRECTORY announces but that cannot be seen is taken
	 * as there (systemd 252 does not mount the credentials for
	 * ExecReload=); key_elsewhere is then set and key is NULL.
	 */
	CONF_CHECK = 1 << 0,
};

/*
 * Reads file and compiles the scanner; flags are enum conf_flags. A bad
 * value is an error naming the key, a file that cannot be read names the
 * file and the errno. *out has one reference, the caller's: conf_unref().
 */
int conf_load(struct conf **out, const char *file, unsigned flags,
    struct err *e);

/* Another reference to c. */
struct conf *conf_ref(struct conf *c);

/* Drops a reference; the last one frees c. c may be NULL. */
void conf_unref(struct conf *c);

/*
 * True when name (a file or directory name) or, for patterns with a
 * '/', rel (the path below its root) matches an exclude glob.
 */
bool conf_excluded(const struct conf *c, const char *name,
    const char *rel);

/*
 * True when some component of rel (a path below a root) is excluded,
 * as conf_excluded() judges each prefix.
 */
bool conf_excluded_path(const struct conf *c, const char *rel);

/*
 * True for the watcher's own files, which may be in a watched tree: the
 * queue directory and what is below it, the metrics file and its
 * temporary file. Watching them would make events about events.
 */
bool conf_own(const struct conf *c, const char *path);

/* Parses a duration: digits and ms, s, m or h (seconds when none). */
int conf_parse_duration(uint64_t *ms, const char *s);

#endif

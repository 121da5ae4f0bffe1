/*
 * conf: reading and checking the watcher's configuration file. Every
 * error names the key and says what was wanted, so that `systemctl
 * reload` followed by a look at the journal is enough to fix a typo.
 */
#include "conf.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>
#include <openssl/crypto.h>

#include "fileio.h"
#include "log.h"

/* A secret file holds one line; anything bigger is a mistake. */
#define SECRET_FILE_MAX (64U << 10)

/* Value excerpts in messages are cut to this many bytes. */
#define SHOWN 60

static const char *const KNOWN[] = {
	"watch.path", "watch.exclude", "watch.maxfilesize",
	"watch.rescaninterval", "watch.settletime", "watch.threads",
	"watch.maxpending",
	"webhook.url", "webhook.format", "webhook.secretfile",
	"webhook.cafile", "webhook.connecttimeout", "webhook.timeout",
	"webhook.retrybase", "webhook.retrymax",
	"queue.dir", "queue.maxbytes",
	"metrics.file",
};

/* Sections whose every key must be in KNOWN. */
static const char *const OURS[] = { "watch", "webhook", "queue", "metrics" };

/* Sections that belong to someone else and are fine. */
static const char *const OTHERS[] = {
	"tokenguard", "rule", "include", "includeif",
};

static void
conf_free(struct conf *c)
{
	config_strv_free(c->paths, c->npaths);
	config_strv_free(c->excludes, c->nexcludes);
	free(c->url);
	free(c->url_shown);
	if (c->key != NULL)
		OPENSSL_cleanse(c->key, c->keylen);
	free(c->key);
	free(c->ca_file);
	free(c->queue_dir);
	free(c->metrics_file);
	scanner_free(c->scanner);
	config_release(&c->engine);
	free(c);
}

struct conf *
conf_ref(struct conf *c)
{
	atomic_fetch_add(&c->refs, 1);
	return c;
}

void
conf_unref(struct conf *c)
{
	if (c != NULL && atomic_fetch_sub(&c->refs, 1) == 1)
		conf_free(c);
}

int
conf_parse_duration(uint64_t *ms, const char *s)
{
	static const struct config_unit units[] = {
		{ "ms", 1 }, { "", 1000 }, { "s", 1000 }, { "m", 60 * 1000 },
		{ "h", 3600 * 1000 }, { NULL, 0 },
	};
	uint64_t v;

	/* At most UINT64_MAX / 1000 ms: room for arithmetic on it. */
	if (config_parse_unit(&v, s, units) < 0 || v > UINT64_MAX / 1000)
		return -1;
	*ms = v;
	return 0;
}

static int
get_duration(uint64_t *ms, git_config *cfg, const char *key, bool zero_ok,
    struct err *e)
{
	char *v = NULL;
	int rc = 0;

	if (config_get_string(&v, cfg, key, e) < 0)
		return -1;
	if (v != NULL && (conf_parse_duration(ms, v) < 0 ||
	    (!zero_ok && *ms == 0)))
		rc = err_set(e, "config '%s': bad duration '%.*s' (want a "
		    "number and ms, s, m or h, such as 30s)", key, SHOWN, v);
	free(v);
	return rc;
}

static int
get_size(uint64_t *out, git_config *cfg, const char *key, struct err *e)
{
	char *v = NULL;
	int rc = 0;

	if (config_get_string(&v, cfg, key, e) < 0)
		return -1;
	if (v != NULL && (config_parse_size(out, v) < 0 || *out == 0))
		rc = err_set(e, "config '%s': bad size '%.*s' (want a "
		    "number and k, m or g, such as 64m)", key, SHOWN, v);
	free(v);
	return rc;
}

static int
get_count(uint64_t *out, git_config *cfg, const char *key, uint64_t max,
    struct err *e)
{
	static const struct config_unit plain[] = { { "", 1 }, { NULL, 0 } };
	char *v = NULL;
	uint64_t n;
	int rc = 0;

	if (config_get_string(&v, cfg, key, e) < 0)
		return -1;
	if (v == NULL)
		return 0;
	if (config_parse_unit(&n, v, plain) < 0 || n == 0 || n > max)
		rc = err_set(e, "config '%s': bad number '%.*s' (want 1 to "
		    "%llu)", key, SHOWN, v, (unsigned long long)max);
	else
		*out = n;
	free(v);
	return rc;
}

struct multi {
	char ***v;
	size_t *n;
	bool cleared;
	struct err *e;
};

static int
add_multi(const git_config_entry *ent, void *payload)
{
	struct multi *m = payload;

	/* An empty value clears what came before, as in git. */
	if (ent->value == NULL || ent->value[0] == '\0') {
		config_strv_free(*m->v, *m->n);
		*m->v = NULL;
		*m->n = 0;
		m->cleared = true;
		return 0;
	}
	return config_strv_add(m->v, m->n, ent->value, m->e);
}

/* Every value of key, in order; *set says whether the key appeared. */
static int
get_multi(char ***v, size_t *n, bool *set, git_config *cfg, const char *key,
    struct err *e)
{
	struct multi m = { v, n, false, e };
	int rc;

	*set = false;
	rc = git_config_get_multivar_foreach(cfg, key, NULL, add_multi, &m);
	if (rc == GIT_ENOTFOUND) {
		*set = false;
		return 0;
	}
	if (rc < 0)
		return config_git_error(e, "config");
	*set = true;
	return 0;
}

/* Refuses a key that is not ours or the engine's: typos get caught. */
static int
check_key(const git_config_entry *ent, void *payload, struct err *e)
{
	const char *name = ent->name, *dot = strchr(name, '.');
	size_t slen = dot != NULL ? (size_t)(dot - name) : strlen(name);
	bool ok = false, ours = false;

	(void)payload;
	for (size_t i = 0; i < sizeof(OTHERS) / sizeof(OTHERS[0]); i++)
		ok = ok || (strlen(OTHERS[i]) == slen &&
		    strncmp(name, OTHERS[i], slen) == 0);
	for (size_t i = 0; i < sizeof(OURS) / sizeof(OURS[0]); i++)
		ours = ours || (strlen(OURS[i]) == slen &&
		    strncmp(name, OURS[i], slen) == 0);
	for (size_t i = 0; ours && i < sizeof(KNOWN) / sizeof(KNOWN[0]); i++)
		ok = ok || strcmp(name, KNOWN[i]) == 0;
	if (!ok)
		return err_set(e, "config '%.*s': unknown key", SHOWN, name);
	return 0;
}

/* Checks a watch.path value and stores it without trailing slashes. */
static int
norm_path(char **p, struct err *e)
{
	size_t len = strlen(*p);
	struct stat st;

	if ((*p)[0] != '/')
		return err_set(e, "config 'watch.path': '%.*s' is not an "
		    "absolute path", SHOWN, *p);
	while (len > 1 && (*p)[len - 1] == '/')
		(*p)[--len] = '\0';
	if (strstr(*p, "/./") != NULL || strstr(*p, "/../") != NULL ||
	    strstr(*p, "//") != NULL || (len >= 2 &&
	    strcmp(*p + len - 2, "/.") == 0) || (len >= 3 &&
	    strcmp(*p + len - 3, "/..") == 0))
		return err_set(e, "config 'watch.path': '%.*s' is not a "
		    "plain path (no '.', '..' or '//')", SHOWN, *p);
	if (stat(*p, &st) < 0)
		return err_errno(e, "config 'watch.path': '%.*s'", SHOWN, *p);
	if (!S_ISDIR(st.st_mode))
		return err_set(e, "config 'watch.path': '%.*s' is not a "
		    "directory", SHOWN, *p);
	return 0;
}

/* True when b is a or below it. */
static bool
within(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (strcmp(a, "/") == 0)
		return true;
	return strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '/');
}

static int
read_paths(struct conf *c, git_config *cfg, struct err *e)
{
	bool set = false;

	if (get_multi(&c->paths, &c->npaths, &set, cfg, "watch.path", e) < 0)
		return -1;
	if (c->npaths == 0)
		return err_set(e, "config 'watch.path': no directory to watch");
	for (size_t i = 0; i < c->npaths; i++) {
		if (norm_path(&c->paths[i], e) < 0)
			return -1;
	}
	for (size_t i = 0; i < c->npaths; i++) {
		for (size_t j = 0; j < c->npaths; j++) {
			if (i != j && within(c->paths[i], c->paths[j]))
				return err_set(e, "config 'watch.path': '%.*s' "
				    "is inside '%.*s' (or the same)", SHOWN,
				    c->paths[j], SHOWN, c->paths[i]);
		}
	}
	return 0;
}

static int
read_excludes(struct conf *c, git_config *cfg, struct err *e)
{
	bool set = false;

	if (get_multi(&c->excludes, &c->nexcludes, &set, cfg,
	    "watch.exclude", e) < 0)
		return -1;
	if (set)
		return 0;
	if (config_strv_add(&c->excludes, &c->nexcludes, "node_modules",
	    e) < 0 ||
	    config_strv_add(&c->excludes, &c->nexcludes, ".git", e) < 0)
		return -1;
	return 0;
}

/*
 * The credential CONF_CREDENTIAL that systemd handed over
 * (LoadCredential=): *out is its path (malloc'd), or NULL when there is
 * none; *announced is true when $CREDENTIALS_DIRECTORY is set.
 */
static int
credential(char **out, bool *announced, struct err *e)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	char *path = NULL;
	size_t n;

	*out = NULL;
	*announced = false;
	if (dir == NULL || dir[0] != '/')
		return 0;
	*announced = true;
	n = strlen(dir) + sizeof(CONF_CREDENTIAL) + 1;
	path = malloc(n);
	if (path == NULL)
		return err_set(e, "out of memory");
	(void)snprintf(path, n, "%s/%s", dir, CONF_CREDENTIAL);
	if (access(path, F_OK) < 0) {
		free(path);
		return 0;
	}
	*out = path;
	return 0;
}

/*
 * Reads the secret file: regular, readable by its owner alone, unless
 * it is a systemd credential (trusted): systemd made it, in a directory
 * of the service's own, with an ACL for the service user when the file
 * system has them (which shows as group bits).
 */
static int
read_secret(struct conf *c, const char *path, bool trusted, struct err *e)
{
	struct fileio_text f;
	struct err why = { 0 };
	int rc = -1;

	if (fileio_read(&f, AT_FDCWD, path, SECRET_FILE_MAX,
	    trusted ? 0 : FILEIO_PRIVATE, &why) < 0)
		return err_set(e, "config 'webhook.secretFile': %s", why.msg);
	if (f.state == FILEIO_NOT_REGULAR) {
		err_set(e, "config 'webhook.secretFile': '%.*s' is not a "
		    "regular file", SHOWN, path);
		goto out;
	}
	if (f.state == FILEIO_NOT_PRIVATE) {
		err_set(e, "config 'webhook.secretFile': '%.*s' is open to "
		    "group or others (mode %04o): chmod 600 it", SHOWN, path,
		    (unsigned)(f.mode & 07777));
		goto out;
	}
	if (f.state == FILEIO_TOO_BIG) {
		err_set(e, "config 'webhook.secretFile': '%.*s' is too big "
		    "for a secret", SHOWN, path);
		goto out;
	}
	if (webhook_secret_parse(&c->key, &c->keylen, f.data, f.len,
	    &why) < 0) {
		err_set(e, "config 'webhook.secretFile': '%.*s': %s", SHOWN,
		    path, why.msg);
		goto out;
	}
	rc = 0;
out:
	if (f.data != NULL) {
		OPENSSL_cleanse(f.data, f.len);
		free(f.data);
	}
	return rc;
}

static int
read_webhook(struct conf *c, git_config *cfg, unsigned flags, struct err *e)
{
	char *url = NULL, *format = NULL, *secret = NULL;
	char shown[LOG_PATH_MAX];
	struct err why = { 0 };
	bool announced;
	int rc = -1;

	if (config_get_string(&url, cfg, "webhook.url", e) < 0 ||
	    config_get_string(&format, cfg, "webhook.format", e) < 0 ||
	    config_get_string(&secret, cfg, "webhook.secretFile", e) < 0 ||
	    config_get_string(&c->ca_file, cfg, "webhook.caFile", e) < 0)
		goto out;
	if (format != NULL && webhook_format_parse(&c->format, format) < 0) {
		err_set(e, "config 'webhook.format': bad format '%.*s' (want "
		    "json, slack or alertmanager)", SHOWN, format);
		goto out;
	}
	if (url == NULL || url[0] == '\0') {
		err_set(e, "config 'webhook.url': no URL to deliver to");
		goto out;
	}
	if (webhook_endpoint(&c->url, url, c->format, &why) < 0) {
		err_set(e, "config 'webhook.url': %s", why.msg);
		goto out;
	}
	c->url_shown = strdup(log_url(shown, sizeof(shown), c->url));
	if (c->url_shown == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	if (secret != NULL && secret[0] == '\0') {
		free(secret);	/* set empty: unset */
		secret = NULL;
	}
	if (secret != NULL) {
		if (read_secret(c, secret, false, e) < 0)
			goto out;
	} else if (credential(&secret, &announced, e) < 0) {
		goto out;
	} else if (secret != NULL) {
		if (read_secret(c, secret, true, e) < 0)
			goto out;
	} else if (announced && (flags & CONF_CHECK) != 0) {
		/*
		 * systemd 252 runs ExecReload= where the credentials are
		 * not mounted: the service itself reads the secret.
		 */
		c->key_elsewhere = true;
	} else if (c->format == WEBHOOK_JSON) {
		err_set(e, "config 'webhook.secretFile': required with "
		    "webhook.format json (requests are signed), unless "
		    "systemd hands over the credential '%s'",
		    CONF_CREDENTIAL);
		goto out;
	}
	/* open(), not access(): the unit's capability counts. */
	if (c->ca_file != NULL) {
		int cfd = open(c->ca_file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

		if (cfd < 0) {
			err_errno(e, "config 'webhook.caFile': '%.*s'", SHOWN,
			    c->ca_file);
			goto out;
		}
		(void)close(cfd);
	}
	if (get_duration(&c->connect_timeout_ms, cfg,
	    "webhook.connectTimeout", false, e) < 0 ||
	    get_duration(&c->timeout_ms, cfg, "webhook.timeout", false,
	    e) < 0 ||
	    get_duration(&c->retry_base_ms, cfg, "webhook.retryBase", false,
	    e) < 0 ||
	    get_duration(&c->retry_max_ms, cfg, "webhook.retryMax", false,
	    e) < 0)
		goto out;
	if (c->retry_max_ms < c->retry_base_ms) {
		err_set(e, "config 'webhook.retryMax': shorter than "
		    "webhook.retryBase");
		goto out;
	}
	rc = 0;
out:
	free(url);
	free(format);
	free(secret);
	return rc;
}

static int
read_all(struct conf *c, git_config *cfg, unsigned flags, struct err *e)
{
	uint64_t n;
	char *dir = NULL;

	if (config_each(cfg, check_key, NULL, e) < 0 ||
	    config_read(&c->engine, cfg, e) < 0)
		return -1;
	c->max_file_size = c->engine.max_file_size;
	if (read_paths(c, cfg, e) < 0 || read_excludes(c, cfg, e) < 0 ||
	    get_size(&c->max_file_size, cfg, "watch.maxFileSize", e) < 0 ||
	    get_duration(&c->rescan_ms, cfg, "watch.rescanInterval", false,
	    e) < 0 ||
	    get_duration(&c->settle_ms, cfg, "watch.settleTime", true, e) < 0)
		return -1;
	n = c->threads;
	if (get_count(&n, cfg, "watch.threads", 64, e) < 0)
		return -1;
	c->threads = (unsigned)n;
	n = c->max_pending;
	if (get_count(&n, cfg, "watch.maxPending", 1U << 24, e) < 0)
		return -1;
	c->max_pending = (size_t)n;
	if (read_webhook(c, cfg, flags, e) < 0)
		return -1;
	if (config_get_string(&dir, cfg, "queue.dir", e) < 0)
		return -1;
	if (dir != NULL) {
		if (dir[0] != '/') {
			err_set(e, "config 'queue.dir': '%.*s' is not an "
			    "absolute path", SHOWN, dir);
			free(dir);
			return -1;
		}
		free(c->queue_dir);
		c->queue_dir = dir;
	}
	if (get_size(&c->queue_max_bytes, cfg, "queue.maxBytes", e) < 0 ||
	    config_get_string(&c->metrics_file, cfg, "metrics.file", e) < 0)
		return -1;
	if (c->metrics_file != NULL && c->metrics_file[0] != '/')
		return err_set(e, "config 'metrics.file': '%.*s' is not an "
		    "absolute path", SHOWN, c->metrics_file);
	return scanner_new(&c->scanner, &c->engine, e);
}

/* A configuration file larger than this is a mistake. */
#define CONF_FILE_MAX (4U << 20)

/* Copies the file open as fd into a memory file (*out), what names it. */
static int
copy(int *out, int fd, const struct stat *st, const char *what,
    struct err *e)
{
	char buf[8192];
	int mfd;

	if (st->st_size > (off_t)CONF_FILE_MAX)
		return err_set(e, "%s: bigger than %u MiB", what,
		    CONF_FILE_MAX >> 20);
	mfd = memfd_create("watch.conf", MFD_CLOEXEC);
	if (mfd < 0)
		return err_errno(e, "%s: memfd_create", what);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_errno(e, "%s", what);
			goto fail;
		}
		if (n == 0)
			break;
		if (write(mfd, buf, (size_t)n) != n) {
			err_errno(e, "%s: copy", what);
			goto fail;
		}
	}
	*out = mfd;
	return 0;
fail:
	(void)close(mfd);
	return -1;
}

int
conf_load(struct conf **out, const char *file, unsigned flags,
    struct err *e)
{
	git_config *cfg = NULL;
	struct conf *c;
	char what[SHOWN + 16], proc[32] = "";
	struct stat st;
	int fd = -1, mfd = -1, rc = -1;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return err_set(e, "out of memory");
	atomic_init(&c->refs, 1);
	config_init(&c->engine);
	c->rescan_ms = 5 * 60 * 1000;
	c->settle_ms = 2000;
	c->threads = 2;
	c->max_pending = 65536;
	c->format = WEBHOOK_JSON;
	c->connect_timeout_ms = 5000;
	c->timeout_ms = 15000;
	c->retry_base_ms = 1000;
	c->retry_max_ms = 5 * 60 * 1000;
	c->queue_max_bytes = 64ULL << 20;
	c->queue_dir = strdup(CONF_DEFAULT_QUEUE);
	if (c->queue_dir == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	/*
	 * libgit2 reads a missing file as an empty one, and says nothing
	 * useful about one it may not read: open it first, so that the
	 * message has the file's name and the errno.
	 */
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0) {
		err_errno(e, "config file '%.*s'", SHOWN, file);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(e, "config file '%.*s': not a regular file", SHOWN,
		    file);
		goto out;
	}
	git_error_clear();
	(void)snprintf(what, sizeof(what), "config file '%.*s'", SHOWN, file);
	if (access(file, R_OK) < 0) {
		/*
		 * Opened through CAP_DAC_READ_SEARCH (the unit's), which
		 * access(2), and so libgit2, does not honour: libgit2 reads
		 * a copy in memory instead.
		 */
		if (copy(&mfd, fd, &st, what, e) < 0)
			goto out;
		(void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d", mfd);
	}
	if (git_config_open_ondisk(&cfg, mfd >= 0 ? proc : file) < 0) {
		config_git_error(e, what);
		goto out;
	}
	if (read_all(c, cfg, flags, e) < 0)
		goto out;
	*out = c;
	c = NULL;
	rc = 0;
out:
	git_config_free(cfg);
	if (mfd >= 0)
		(void)close(mfd);
	if (fd >= 0)
		(void)close(fd);
	if (c != NULL)
		conf_free(c);
	return rc;
}

bool
conf_excluded(const struct conf *c, const char *name, const char *rel)
{
	for (size_t i = 0; i < c->nexcludes; i++) {
		const char *p = c->excludes[i];

		if (strchr(p, '/') != NULL) {
			if (rel != NULL && fnmatch(p, rel, FNM_PATHNAME) == 0)
				return true;
		} else if (fnmatch(p, name, 0) == 0) {
			return true;
		}
	}
	return false;
}

bool
conf_excluded_path(const struct conf *c, const char *rel)
{
	char buf[LOG_PATH_MAX * 4];
	size_t len = strlen(rel), start = 0;

	if (c->nexcludes == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, rel, len + 1);
	for (size_t i = 0; i <= len; i++) {
		char saved;

		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		saved = buf[i];
		buf[i] = '\0';
		if (i > start && conf_excluded(c, buf + start, buf))
			return true;
		buf[i] = saved;
		start = i + 1;
	}
	return false;
}

/* True when path is prefix or below it. */
static bool
under(const char *prefix, const char *path)
{
	size_t n = strlen(prefix);

	return strncmp(prefix, path, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/');
}

bool
conf_own(const struct conf *c, const char *path)
{
	size_t n;

	if (under(c->queue_dir, path))
		return true;
	if (c->metrics_file == NULL)
		return false;
	/* The file and its temporary: metrics.file and ".tmp". */
	n = strlen(c->metrics_file);
	return strncmp(c->metrics_file, path, n) == 0 &&
	    (path[n] == '\0' || strcmp(path + n, ".tmp") == 0);
}

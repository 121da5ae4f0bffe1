/*
 * tokenguard-pre-receive: the server-side git pre-receive hook. It reads
 * every ref update git passes on standard input ("<old> <new> <ref>"),
 * and scans what the push adds: the messages of new annotated tags and
 * commits, and each new blob once, whole and as raw bytes, read through
 * the receive quarantine. New commits are those reachable from a new tip
 * and from no existing ref; a deletion adds nothing. A finding rejects
 * the push unless the parent's version of the path already held the
 * same secret (pre-existing: a warning, unless tokenguard.blockPreexisting
 * = true), the server's allowlist names its fingerprint, or the server
 * allows a bypass and the pusher asked for one with a push option.
 *
 * Policy comes only from the server's git configuration (the repository's,
 * the global and the system files), never from the pushed commits.
 * Messages go to standard error, which git shows the pusher as
 * "remote:" lines; with GL_ID or GL_PROTOCOL set (GitLab) each line is
 * prefixed "GL-HOOK-ERR: " so that the web UI shows it. Exit status:
 *   0  nothing found, warnings only, or an audited bypass
 *   1  findings, a blob too big with tokenguard.onSkip = reject, or the
 *      time budget spent with tokenguard.onTimeout = reject: rejected
 *   2  trouble (bad input, unreadable repository or objects, bad
 *      configuration): rejected, unless tokenguard.onError = allow
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>
#include <jansson.h>

#include "config.h"
#include "err.h"
#include "filewrite.h"
#include "finding.h"
#include "gitsrc.h"
#include "hits.h"
#include "hookcfg.h"
#include "progopts.h"
#include "refupdate.h"
#include "report.h"
#include "scan.h"

#define PROG "tokenguard-pre-receive"

enum {
	EXIT_CLEAN = 0,
	EXIT_FOUND = 1,
	EXIT_TROUBLE = 2,
};

/* The callback's value when the time budget is spent. */
#define STOP_TIMEOUT 7

/* A line of standard input is at most two ids and a ref name. */
#define LINE_MAX_LEN 8192

static const char USAGE[] =
"Usage: " PROG " [-h | --help | --version]\n"
"\n"
"The server-side git pre-receive hook of tokenguard: reads the ref\n"
"updates of a push on standard input and rejects the push when what it\n"
"adds (new commits' blobs and messages, annotated tag messages) holds\n"
"npm token material. Install it with 'tokenguard install --server PATH'.\n"
"\n"
"Settings (server-side git config only: the repository's, global,\n"
"system; never from the pushed commits):\n"
"  tokenguard.onError = reject|allow   trouble rejects the push, or only\n"
"                                      warns (default reject)\n"
"  tokenguard.maxBlobSize = SIZE       blobs over SIZE are not scanned\n"
"                                      (default tokenguard.maxFileSize,\n"
"                                      64m)\n"
"  tokenguard.onSkip = allow|reject    a blob not scanned warns, or\n"
"                                      rejects (default allow)\n"
"  tokenguard.timeout = SECONDS        time budget (default 4 with GitHub\n"
"                                      Enterprise variables set, else\n"
"                                      none; 0 = none; '500ms' allowed)\n"
"  tokenguard.onTimeout = reject|allow when the budget is spent (default\n"
"                                      reject)\n"
"  tokenguard.blockPreexisting = BOOL  also reject secrets the parent\n"
"                                      already held (default false)\n"
"  tokenguard.allowBypass = BOOL       honour 'git push -o\n"
"                                      tokenguard.bypass=REASON'\n"
"                                      (default false)\n"
"  tokenguard.auditLog = PATH          JSON lines for every bypass and\n"
"                                      honoured inline marker (default\n"
"                                      tokenguard-audit.jsonl in the\n"
"                                      repository's git directory, 0600)\n"
"  and the engine's keys: tokenguard.checksum, tokenguard.inlineAllow,\n"
"  tokenguard.allow (fingerprints), rule.<id>.*\n"
"\n"
"Exit status: 0 accepted, 1 rejected (findings, skips or time-out by\n"
"policy), 2 trouble (rejected unless tokenguard.onError = allow).\n";

/* git passes a pre-receive hook no arguments. */
static const struct progopts OPTS = { PROG, USAGE, "argument", 0 };

struct policy {
	bool allow_errors;	/* tokenguard.onError = allow */
	bool reject_skips;	/* tokenguard.onSkip = reject */
	bool allow_timeout;	/* tokenguard.onTimeout = allow */
	bool block_preexisting;
	bool allow_bypass;
	uint64_t max_blob;
	double timeout;		/* seconds; 0: none */
	char *audit_log;	/* the configured or the default path */
	char *audit_trouble;	/* why audit_log cannot be used, or NULL */
};

/* A blob whose scan waits for the rest of its batch. */
struct pending {
	struct gitsrc_item it;	/* it.path set when the batch is scanned */
	size_t path;		/* offset in the run's paths */
	size_t seq;		/* its place in the walk */
};

struct run {
	struct hookcfg hc;	/* the repository, its settings, the scanner */
	struct policy policy;
	bool policy_read;
	struct refupdate *updates;
	size_t nupdates;
	struct hits hits;	/* ref: the update's */
	size_t *hit_seq, *skip_seq;	/* each one's item, as hits.v, skips */
	size_t seq_cap, skip_seq_cap;
	size_t seq;		/* items the walk has reported */
	size_t item_seq;	/* the place of the item being scanned */
	struct pending *pending;	/* blobs to scan, BATCH at most */
	size_t npending;
	char *paths;		/* their paths, one after another */
	size_t paths_len, paths_cap;
	size_t scanned;		/* blobs */
	struct gitsrc_history_stats stats;
	size_t commits_done, commits_total;
	struct timespec deadline;
	bool timed_out;
	bool callback_failed;
	size_t blocking;
	const char *bypass;	/* the reason given, or NULL */
	struct err *e;
};

static bool gitlab;

static void
run_release(struct run *r)
{
	for (size_t i = 0; i < r->nupdates; i++)
		refupdate_release(&r->updates[i]);
	free(r->updates);
	hits_release(&r->hits);
	free(r->hit_seq);
	free(r->skip_seq);
	free(r->pending);
	free(r->paths);
	free(r->policy.audit_log);
	free(r->policy.audit_trouble);
	hookcfg_release(&r->hc);
}

/* One line for the pusher, with GitLab's prefix when it runs us. */
static void
line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
line(const char *fmt, ...)
{
	va_list ap;

	if (gitlab)
		fputs("GL-HOOK-ERR: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* A duration: seconds, with an optional "s" or "ms" suffix. */
static int
parse_seconds(double *out, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || v < 0 || v > 86400.0 * 365)
		return -1;
	if (strcmp(end, "ms") == 0)
		v /= 1000.0;
	else if (strcmp(end, "s") != 0 && end[0] != '\0')
		return -1;
	*out = v;
	return 0;
}

/* Whether GitHub Enterprise Server runs us: its hook variables. */
static bool
on_ghes(void)
{
	return env("GITHUB_USER_LOGIN") != NULL ||
	    env("GITHUB_REPO_NAME") != NULL ||
	    env("GITHUB_USER_ID") != NULL || env("GITHUB_VIA") != NULL;
}

/* The audit log's path when tokenguard.auditLog is not set. */
#define AUDIT_DEFAULT "tokenguard-audit.jsonl"

/* *out = a malloc'd formatted string; -1 (and *out NULL) without memory. */
static int
set_msg(char **out, const char *fmt, ...) __attribute__((format(printf, 2,
    3)));

static int
set_msg(char **out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(out, fmt, ap);
	va_end(ap);
	if (n < 0)
		*out = NULL;
	return n < 0 ? -1 : 0;
}

/*
 * The audit log's path from its configured value, "~/" and "~user/"
 * expanded as git expands them (libgit2's expansion follows its own
 * search path, which config_isolate_libgit2() empties). *path gets the
 * path, or *trouble why there is none; both malloc'd. Returns -1 only
 * when out of memory.
 */
static int
expand_home(char **path, char **trouble, const char *v)
{
	const char *rest, *home = NULL;
	struct passwd *pw;
	char *user;

	if (v[0] == '\0')
		return set_msg(trouble, "config 'tokenguard.auditLog' is set "
		    "to the empty string (want a file path)");
	if (v[0] != '~') {
		*path = strdup(v);
		return *path == NULL ? -1 : 0;
	}
	rest = v + 1 + strcspn(v + 1, "/");
	if (rest == v + 1) {
		home = env("HOME");
		if (home == NULL)
			return set_msg(trouble, "config 'tokenguard.auditLog' "
			    "= '%.200s': '~' needs HOME, which is not set for "
			    "this hook (a CGI such as git http-backend has "
			    "none): use an absolute path", v);
	} else {
		user = strndup(v + 1, (size_t)(rest - v - 1));
		if (user == NULL)
			return -1;
		pw = getpwnam(user);
		free(user);
		if (pw == NULL || pw->pw_dir == NULL)
			return set_msg(trouble, "config 'tokenguard.auditLog' "
			    "= '%.200s': no such user", v);
		home = pw->pw_dir;
	}
	return set_msg(path, "%s%s", home, rest);
}

/*
 * tokenguard.auditLog, or the default in the git directory, where the
 * repository's own user (the one git runs this hook as) can write. A
 * value that is set but cannot be used ("~/..." without HOME, as under
 * a CGI) is no reason to reject a clean push, and never means "not
 * set": it is kept as audit_trouble, and whatever needs the log (a
 * bypass, an inline marker) fails with it.
 */
static int
read_audit_log(struct policy *p, git_config *cfg, const char *gitdir,
    struct err *e)
{
	git_buf raw = { 0 };
	int rc;

	rc = hookcfg_read_string(&raw, cfg, "tokenguard.auditLog", e);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		size_t n = strlen(gitdir) + sizeof(AUDIT_DEFAULT) + 1;

		p->audit_log = malloc(n);
		if (p->audit_log == NULL)
			return err_set(e, "out of memory");
		(void)snprintf(p->audit_log, n, "%s%s" AUDIT_DEFAULT, gitdir,
		    gitdir[0] != '\0' && gitdir[strlen(gitdir) - 1] == '/' ?
		    "" : "/");
		return 0;
	}
	rc = expand_home(&p->audit_log, &p->audit_trouble, raw.ptr);
	if (rc < 0)
		rc = err_set(e, "out of memory");
	git_buf_dispose(&raw);
	return rc;
}

static int
read_policy(struct policy *p, git_config *cfg, uint64_t max_file,
    const char *gitdir, struct err *e)
{
	git_buf buf = { 0 };
	int rc;

	p->max_blob = max_file;
	p->timeout = on_ghes() ? 4.0 : 0.0;
	if (config_read_choice(&p->reject_skips, cfg, "tokenguard.onSkip",
	    "allow", "warn", "reject", "error", e) < 0 ||
	    config_read_choice(&p->allow_timeout, cfg, "tokenguard.onTimeout",
	    "reject", "block", "allow", "allow", e) < 0 ||
	    hookcfg_read_bool(&p->block_preexisting, cfg,
	    "tokenguard.blockPreexisting", e) < 0 ||
	    hookcfg_read_bool(&p->allow_bypass, cfg, "tokenguard.allowBypass",
	    e) < 0)
		return -1;
	rc = hookcfg_read_string(&buf, cfg, "tokenguard.maxBlobSize", e);
	if (rc > 0 && config_parse_size(&p->max_blob, buf.ptr) < 0)
		rc = err_set(e, "config 'tokenguard.maxBlobSize': bad size "
		    "'%.40s' (want a number with an optional k, m or g)",
		    buf.ptr);
	git_buf_dispose(&buf);
	if (rc < 0)
		return -1;
	rc = hookcfg_read_string(&buf, cfg, "tokenguard.timeout", e);
	if (rc > 0 && parse_seconds(&p->timeout, buf.ptr) < 0)
		rc = err_set(e, "config 'tokenguard.timeout': bad duration "
		    "'%.40s' (want seconds, such as 4, 2.5 or 500ms)", buf.ptr);
	git_buf_dispose(&buf);
	if (rc < 0)
		return -1;
	return read_audit_log(p, cfg, gitdir, e);
}

/* The bypass push option's reason, or NULL. */
static const char *
bypass_reason(void)
{
	const char *count = env("GIT_PUSH_OPTION_COUNT");
	char name[48];
	char *end;
	unsigned long n;

	if (count == NULL)
		return NULL;
	n = strtoul(count, &end, 10);
	if (*end != '\0' || n > 1000)
		return NULL;
	for (unsigned long i = 0; i < n; i++) {
		const char *v;

		(void)snprintf(name, sizeof(name), "GIT_PUSH_OPTION_%lu", i);
		v = getenv(name);
		if (v == NULL)
			continue;
		if (strncmp(v, "tokenguard.bypass=", 18) == 0)
			return v + 18;
		if (strcmp(v, "tokenguard.bypass") == 0)
			return "";
	}
	return NULL;
}

/* Reads every update line from standard input. */
static int
read_updates(struct run *r, struct err *e)
{
	char buf[LINE_MAX_LEN + 2];
	size_t lineno = 0;

	while (fgets(buf, sizeof(buf), stdin) != NULL) {
		size_t len = strlen(buf);
		struct refupdate *nv;
		struct err pe = { 0 };

		lineno++;
		if (len > 0 && buf[len - 1] == '\n')
			buf[--len] = '\0';
		else if (!feof(stdin))
			return err_set(e, "standard input line %zu: too long",
			    lineno);
		if (len == 0)
			continue;
		nv = realloc(r->updates, (r->nupdates + 1) * sizeof(*nv));
		if (nv == NULL)
			return err_set(e, "out of memory");
		r->updates = nv;
		if (refupdate_parse(&nv[r->nupdates], buf, len, &pe) < 0)
			return err_set(e, "standard input line %zu: %s",
			    lineno, pe.msg);
		r->nupdates++;
	}
	if (ferror(stdin))
		return err_errno(e, "standard input");
	return 0;
}

/* Records the item being scanned as that of entry n of *seq. */
static int
note_seq(size_t **seq, size_t *cap, size_t n, size_t item, struct err *e)
{
	if (n >= *cap) {
		size_t ncap = *cap == 0 ? 64 : *cap * 2;
		size_t *nv = realloc(*seq, ncap * sizeof(*nv));

		if (nv == NULL)
			return err_set(e, "out of memory");
		*seq = nv;
		*cap = ncap;
	}
	(*seq)[n] = item;
	return 0;
}

static int
add_hit(struct run *r, const struct finding *f, const struct gitsrc_item *it)
{
	struct hit *h;

	if (note_seq(&r->hit_seq, &r->seq_cap, r->hits.n, r->item_seq,
	    r->e) < 0)
		return -1;
	if (hits_add(&h, &r->hits, f, it->kind == GITSRC_ITEM_BLOB ?
	    it->path : NULL, r->e) < 0)
		return -1;
	h->tag = it->kind == GITSRC_ITEM_TAG;
	h->ref = it->ref;
	git_oid_tostr(h->commit, sizeof(h->commit), &it->commit);
	return 0;
}

struct collect {
	struct run *r;
	const struct gitsrc_item *it;
};

static int
collect(const struct finding *f, void *payload)
{
	struct collect *c = payload;

	return add_hit(c->r, f, c->it) < 0 ? -1 : 0;
}

static int
add_skip(struct run *r, const struct gitsrc_item *it, uint64_t size)
{
	struct skip *k;

	if (note_seq(&r->skip_seq, &r->skip_seq_cap, r->hits.nskips,
	    r->item_seq, r->e) < 0)
		return -1;
	if (hits_skip(&k, &r->hits, it->path, size, r->e) < 0)
		return -1;
	k->ref = it->ref;
	git_oid_tostr(k->commit, sizeof(k->commit), &it->commit);
	return 0;
}

static bool
past_deadline(const struct run *r)
{
	struct timespec now;

	if (r->policy.timeout <= 0)
		return false;
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > r->deadline.tv_sec ||
	    (now.tv_sec == r->deadline.tv_sec &&
	    now.tv_nsec >= r->deadline.tv_nsec);
}

/*
 * Warns that a user rule stopped at a PCRE2 limit in a blob: it was not
 * fully checked by that rule (the push's fate does not change).
 */
static void
warn_limit(const struct gitsrc_item *it, const struct scan_stats *st)
{
	char *path = NULL;
	char commit[GIT_OID_HEXSZ + 1];

	if (report_escape(&path, it->path, NULL) < 0)
		path = NULL;
	git_oid_tostr(commit, sizeof(commit), &it->commit);
	line(PROG ": warning: user rule '%s' hit the PCRE2 match limit on "
	    "%zu line%s of %.10s %s (catastrophic backtracking?): it did "
	    "not fully check that file", st->limit_rule,
	    st->user_rule_limits, st->user_rule_limits == 1 ? "" : "s",
	    commit, path != NULL ? path : "?");
	free(path);
}

static int
scan_blob(struct run *r, const struct gitsrc_item *it, struct err *e)
{
	struct scan_origin origin = { it->path, NULL };
	struct collect c = { r, it };
	struct scan_stats st;
	git_blob *blob = NULL;
	uint64_t size;
	int rc = -1;

	if (gitsrc_object_size(&size, r->hc.repo, &it->id, e) < 0)
		return -1;
	if (size > r->policy.max_blob)
		return add_skip(r, it, size);
	if (gitsrc_blob(&blob, r->hc.repo, &it->id, e) < 0)
		return -1;
	r->hits.first = r->hits.n;
	if (scanner_scan(r->hc.scanner, &st, &origin, git_blob_rawcontent(blob),
	    (size_t)git_blob_rawsize(blob), SCAN_REPORT_ALLOWED, collect, &c,
	    e) != 0)
		goto out;
	if (st.user_rule_limits > 0)
		warn_limit(it, &st);
	r->hits.upto = r->hits.n;
	for (size_t i = 0; i < it->nold && r->hits.upto > r->hits.first; i++) {
		if (hits_check_old(&r->hits, r->hc.repo, r->hc.scanner, "",
		    &it->old[i], NULL, r->policy.max_blob, e) < 0)
			goto out;
	}
	rc = 0;
out:
	git_blob_free(blob);
	return rc;
}

/*
 * Blobs are scanned in batches of BATCH, each in path order (the walk's
 * order within a path): the versions of a file are delta chains in the
 * pack, and libgit2 keeps the bases it rebuilds for the next read of the
 * same chain, but only 16 MiB of them per pack, all dropped at once when
 * full. In the walk's order other reads came between two versions of a
 * lockfile and flushed its bases: npm/cli's first push inflated 742 MB
 * for 1.77 GB of blobs, 618 MB in path order (7.5% fewer instructions
 * on v6.0.0..v7.0.0). A batch holds 2.4 MB of records and the paths.
 * Findings and skips are put back in the walk's order (seq) at the end,
 * so the report does not change; a time budget spent in a batch leaves
 * blobs of several commits unscanned instead of one (commits_done
 * counts whole commits).
 */
#define BATCH 8192

/* Commits fully scanned: before the first one with a blob still to scan. */
static size_t
commits_done(const struct run *r, size_t from, size_t walked)
{
	size_t done = walked;

	for (size_t i = from; i < r->npending; i++) {
		if (r->pending[i].it.commits_done - 1 < done)
			done = r->pending[i].it.commits_done - 1;
	}
	return done;
}

static int
cmp_pending(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;
	int c = strcmp(x->it.path, y->it.path);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : 1;
}

static void
pending_clear(struct run *r)
{
	r->npending = 0;
	r->paths_len = 0;
}

static int
defer(struct run *r, const struct gitsrc_item *it)
{
	struct pending *p;
	size_t len = strlen(it->path) + 1;

	if (r->pending == NULL) {
		r->pending = calloc(BATCH, sizeof(*r->pending));
		if (r->pending == NULL)
			return err_set(r->e, "out of memory");
	}
	if (r->paths_len + len > r->paths_cap) {
		size_t cap = (r->paths_len + len) * 2;
		char *np = realloc(r->paths, cap);

		if (np == NULL)
			return err_set(r->e, "out of memory");
		r->paths = np;
		r->paths_cap = cap;
	}
	p = &r->pending[r->npending++];
	p->it = *it;
	p->it.path = NULL;
	p->it.message = NULL;
	p->path = r->paths_len;
	p->seq = r->seq;
	memcpy(r->paths + r->paths_len, it->path, len);
	r->paths_len += len;
	return 0;
}

/*
 * Scans the blobs deferred so far. Returns 0, -1 with r->e set, or
 * STOP_TIMEOUT with r->timed_out and r->commits_done set.
 */
static int
flush(struct run *r)
{
	int rc = 0;

	for (size_t i = 0; i < r->npending; i++)
		r->pending[i].it.path = r->paths + r->pending[i].path;
	if (r->npending > 1)
		qsort(r->pending, r->npending, sizeof(*r->pending),
		    cmp_pending);
	for (size_t i = 0; i < r->npending; i++) {
		if (past_deadline(r)) {
			r->commits_done = commits_done(r, i, r->commits_done);
			r->timed_out = true;
			rc = STOP_TIMEOUT;
			break;
		}
		r->item_seq = r->pending[i].seq;
		if (scan_blob(r, &r->pending[i].it, r->e) < 0) {
			rc = -1;
			break;
		}
		r->scanned++;
	}
	pending_clear(r);
	return rc;
}

static int
on_item(const struct gitsrc_item *it, void *payload)
{
	struct run *r = payload;
	struct scan_origin origin = { NULL, NULL };
	struct collect c = { r, it };

	r->seq++;
	r->commits_total = it->commits_total;
	if (past_deadline(r)) {
		/* The commit being scanned is not done. */
		r->commits_done = commits_done(r, 0, it->commits_done > 0 ?
		    it->commits_done - 1 : 0);
		r->timed_out = true;
		return STOP_TIMEOUT;
	}
	r->commits_done = it->commits_done;
	r->callback_failed = true;
	if (it->kind == GITSRC_ITEM_BLOB) {
		if (defer(r, it) < 0)
			return -1;
		if (r->npending == BATCH) {
			int rc = flush(r);

			if (rc != 0)
				return rc;
		}
	} else {
		r->item_seq = r->seq;
		origin.path = it->kind == GITSRC_ITEM_TAG ? "(tag message)" :
		    "(commit message)";
		if (scanner_scan(r->hc.scanner, NULL, &origin, it->message,
		    it->message_len, SCAN_REPORT_ALLOWED | SCAN_FORCE_TEXT,
		    collect, &c, r->e) != 0)
			return -1;
	}
	r->callback_failed = false;
	return 0;
}

/* The account the hook runs as. */
static const char *
os_user(void)
{
	struct passwd *pw = getpwuid(geteuid());

	if (pw != NULL && pw->pw_name != NULL)
		return pw->pw_name;
	return env("USER") != NULL ? env("USER") : "unknown";
}

/*
 * Who pushed, as the server that runs the hook knows it, and the
 * variable that said so; the operating system's user (the server's
 * account, the same for every pusher) only when no server says.
 */
static const char *
pusher(const char **source)
{
	static const char *const vars[] = {
		"GL_USER",		/* gitolite */
		"GL_USERNAME",		/* GitLab */
		"GITHUB_USER_LOGIN",	/* GitHub Enterprise Server */
		"GITEA_PUSHER_NAME",	/* Gitea, Forgejo */
		"GOGS_AUTH_USER_NAME",	/* Gogs */
		"BB_USER_NAME",		/* Bitbucket Data Center */
		"REMOTE_USER",		/* smart HTTP behind authentication */
	};

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		if (env(vars[i]) != NULL) {
			*source = vars[i];
			return env(vars[i]);
		}
	}
	*source = "os-user";
	return os_user();
}

/*
 * The repository's name as the server knows it ("group/project"), else
 * its git directory; in buf (size bytes) when made here.
 */
static const char *
repository_name(const struct run *r, char *buf, size_t size)
{
	static const char *const vars[] = {
		"GL_REPO",		/* gitolite */
		"GL_PROJECT_PATH",	/* GitLab */
		"GITHUB_REPO_NAME",	/* GitHub Enterprise Server */
	};
	static const char *const pairs[][2] = {
		{ "GITEA_REPO_USER_NAME", "GITEA_REPO_NAME" },
		{ "BB_PROJECT_KEY", "BB_REPO_SLUG" },
	};

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		if (env(vars[i]) != NULL)
			return env(vars[i]);
	}
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		if (env(pairs[i][0]) != NULL && env(pairs[i][1]) != NULL) {
			(void)snprintf(buf, size, "%s/%s", env(pairs[i][0]),
			    env(pairs[i][1]));
			return buf;
		}
	}
	/* The git directory, without libgit2's trailing '/'. */
	(void)snprintf(buf, size, "%s", git_repository_commondir(r->hc.repo));
	if (strlen(buf) > 1 && buf[strlen(buf) - 1] == '/')
		buf[strlen(buf) - 1] = '\0';
	return buf;
}

static int
json_set_str(json_t *o, const char *key, const char *v)
{
	char *u = NULL;
	int rc;

	if (report_utf8(&u, v, NULL) < 0)
		return -1;
	rc = json_object_set_new(o, key, json_string(u));
	free(u);
	return rc;
}

/*
 * Appends one audit record: one write() of one line, O_APPEND, synced
 * before the push it lets through is accepted.
 */
static int
audit(const struct run *r, const char *event, const struct hit *h,
    const char *reason, struct err *e)
{
	char stamp[32], name[PATH_MAX];
	struct tm tm;
	time_t now = time(NULL);
	const char *source = NULL, *who;
	json_t *o = NULL;
	char *text = NULL;
	size_t len;
	int fd = -1, rc = -1;

	if (r->policy.audit_trouble != NULL)
		return err_set(e, "%s", r->policy.audit_trouble);
	who = pusher(&source);
	(void)gmtime_r(&now, &tm);
	(void)strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	o = json_object();
	if (o == NULL || json_set_str(o, "time", stamp) < 0 ||
	    json_set_str(o, "event", event) < 0 ||
	    json_set_str(o, "pusher", who) < 0 ||
	    json_set_str(o, "pusher_from", source) < 0 ||
	    json_set_str(o, "os_user", os_user()) < 0 ||
	    json_set_str(o, "repository",
	    repository_name(r, name, sizeof(name))) < 0 ||
	    json_set_str(o, "ref", h->ref) < 0 ||
	    json_set_str(o, "commit", h->commit) < 0 ||
	    json_set_str(o, "path", h->path != NULL ? h->path : h->tag ?
	    "(tag message)" : "(commit message)") < 0 ||
	    json_set_str(o, "rule", h->rule) < 0 ||
	    json_set_str(o, "fingerprint", h->fingerprint) < 0 ||
	    json_set_str(o, "reason", reason) < 0) {
		err_set(e, "audit record: out of memory");
		goto out;
	}
	text = report_json_line(o, &len);
	if (text == NULL) {
		err_set(e, "audit record: out of memory");
		goto out;
	}
	fd = open(r->policy.audit_log, O_WRONLY | O_APPEND | O_CREAT |
	    O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		err_errno(e, "audit log '%s'", r->policy.audit_log);
		goto out;
	}
	if (filewrite_all(fd, text, len) < 0) {
		err_errno(e, "audit log '%s'", r->policy.audit_log);
		goto out;
	}
	/* A pipe or a terminal cannot be synced, and need not be. */
	if (fsync(fd) < 0 && errno != EINVAL && errno != ENOTSUP) {
		err_errno(e, "audit log '%s'", r->policy.audit_log);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0 && close(fd) < 0 && rc == 0)
		rc = err_errno(e, "audit log '%s'", r->policy.audit_log);
	free(text);
	json_decref(o);
	return rc;
}

static bool
blocks(const struct run *r, const struct hit *h)
{
	if (h->inline_allowed)
		return false;
	return !h->preexisting || r->policy.block_preexisting;
}

static void
print_hit(const struct hit *h)
{
	char *path = NULL;
	char *ref = NULL;

	if (h->path != NULL && report_escape(&path, h->path, NULL) < 0)
		path = NULL;
	if (report_escape(&ref, h->ref, NULL) < 0)
		ref = NULL;
	line("    %s %.10s %s:%zu: %s: %s [%s]", ref != NULL ? ref : "?",
	    h->commit, h->path == NULL ? (h->tag ? "(tag message)" :
	    "(commit message)") : path != NULL ? path : "?", h->line, h->rule,
	    h->description, h->redacted);
	free(path);
	free(ref);
}

static void
print_advice(const struct run *r)
{
	line("%s", "");
	line("What to do:");
	line("  1. Rewrite the commits so that the secret is in none of "
	    "them: it stays in");
	line("     history even when a later commit removes it ('git rebase "
	    "-i COMMIT^',");
	line("     or 'git filter-repo --replace-text' for many commits), "
	    "then push again.");
	line("  2. Treat the token as leaked: revoke it ('npm token revoke "
	    "ID', see 'npm");
	line("     token list') and create a new one, or move publishing to "
	    "trusted");
	line("     publishing (OIDC), which needs no token at all.");
	line("  3. Not a secret? Ask the server's administrators to allow "
	    "its fingerprint");
	line("     (tokenguard.allow in the server's git config; a "
	    ".tokenguard-allow file in");
	line("     the pushed commits does not count here):");
	for (size_t i = 0; i < r->hits.n; i++) {
		if (blocks(r, &r->hits.v[i]))
			line("        %s", r->hits.v[i].fingerprint);
	}
	if (r->hc.cfg.inline_allow)
		line("     or mark its line with 'tokenguard:allow' (recorded "
		    "in the server's audit log).");
	if (r->policy.allow_bypass)
		line("  4. To push anyway (recorded in the audit log): "
		    "git push -o tokenguard.bypass=\"REASON\"");
}

static void
print_skips(const struct run *r)
{
	for (size_t i = 0; i < r->hits.nskips; i++) {
		char *path = NULL;

		if (report_escape(&path, r->hits.skips[i].path, NULL) < 0)
			path = NULL;
		line(PROG ": %s%s %.10s %s not scanned: %.1f MiB is over "
		    "tokenguard.maxBlobSize (%.1f MiB)%s",
		    r->policy.reject_skips ? "push rejected: " : "warning: ",
		    r->hits.skips[i].ref, r->hits.skips[i].commit,
		    path != NULL ? path : "?",
		    (double)r->hits.skips[i].size / (1024.0 * 1024.0),
		    (double)r->policy.max_blob / (1024.0 * 1024.0),
		    r->policy.reject_skips ? " and tokenguard.onSkip = reject" :
		    "; it was not checked");
		free(path);
	}
}

/*
 * Writes the audit records of the honoured inline markers. A marker that
 * cannot be recorded is not honoured: its finding blocks, and the reason
 * is told once.
 */
static void
audit_inline(struct run *r)
{
	struct err ae = { 0 };
	bool failed = false;

	for (size_t i = 0; i < r->hits.n; i++) {
		if (!r->hits.v[i].inline_allowed)
			continue;
		if (!failed && audit(r, "inline-allow", &r->hits.v[i],
		    "tokenguard:allow marker", &ae) == 0)
			continue;
		failed = true;
		r->hits.v[i].inline_allowed = false;
	}
	if (failed)
		line(PROG ": tokenguard:allow markers are not honoured: they "
		    "cannot be recorded: %s", ae.msg);
}

/*
 * Records a bypass: each blocking finding, and each blob not scanned
 * when tokenguard.onSkip = reject.
 */
static int
audit_bypass(const struct run *r, struct err *e)
{
	for (size_t i = 0; i < r->hits.n; i++) {
		if (blocks(r, &r->hits.v[i]) && audit(r, "bypass",
		    &r->hits.v[i], r->bypass, e) < 0)
			return -1;
	}
	for (size_t i = 0; r->policy.reject_skips && i < r->hits.nskips; i++) {
		struct hit h;

		memset(&h, 0, sizeof(h));
		h.ref = r->hits.skips[i].ref;
		memcpy(h.commit, r->hits.skips[i].commit, sizeof(h.commit));
		h.path = r->hits.skips[i].path;
		h.rule = "(not scanned: over tokenguard.maxBlobSize)";
		if (audit(r, "bypass", &h, r->bypass, e) < 0)
			return -1;
	}
	return 0;
}

/* Reports what was found; returns the exit status. */
static int
report(struct run *r)
{
	size_t pre = 0, inl = 0;
	bool bypassed = false;
	struct err ae = { 0 };
	bool unrecorded = false;

	audit_inline(r);
	for (size_t i = 0; i < r->hits.n; i++) {
		if (blocks(r, &r->hits.v[i]))
			r->blocking++;
		else if (r->hits.v[i].inline_allowed)
			inl++;
		else
			pre++;
	}
	if (r->blocking > 0 || (r->hits.nskips > 0 && r->policy.reject_skips)) {
		if (r->bypass != NULL && r->policy.allow_bypass &&
		    r->bypass[0] != '\0')
			bypassed = true;
	}
	/* A bypass that cannot be recorded is no bypass. */
	if (bypassed && audit_bypass(r, &ae) < 0) {
		bypassed = false;
		unrecorded = true;
	}
	if (r->blocking > 0) {
		line(PROG ": %s: %zu secret%s in what this push adds",
		    bypassed ? "BYPASSED" : "push rejected", r->blocking,
		    r->blocking == 1 ? "" : "s");
		line("%s", "");
		for (size_t i = 0; i < r->hits.n; i++) {
			if (blocks(r, &r->hits.v[i]))
				print_hit(&r->hits.v[i]);
		}
	}
	if (r->blocking > 0)
		line("  (%zu new commit%s, %zu blob%s and %zu tag%s scanned)",
		    r->stats.commits, r->stats.commits == 1 ? "" : "s",
		    r->stats.blobs, r->stats.blobs == 1 ? "" : "s",
		    r->stats.tags, r->stats.tags == 1 ? "" : "s");
	if (pre > 0) {
		line(PROG ": warning: %zu secret%s already in the parent "
		    "commit's version of the file (not blocking;", pre,
		    pre == 1 ? "" : "s");
		line("tokenguard.blockPreexisting = true would reject %s); "
		    "revoke and rotate %s:", pre == 1 ? "it" : "them",
		    pre == 1 ? "it" : "them");
		for (size_t i = 0; i < r->hits.n; i++) {
			if (!blocks(r, &r->hits.v[i]) &&
			    !r->hits.v[i].inline_allowed)
				print_hit(&r->hits.v[i]);
		}
	}
	if (inl > 0)
		line(PROG ": note: %zu finding%s allowed by a tokenguard:allow "
		    "marker (recorded in the audit log)", inl,
		    inl == 1 ? "" : "s");
	print_skips(r);
	if (r->blocking == 0 && !(r->hits.nskips > 0 && r->policy.reject_skips))
		return EXIT_CLEAN;
	if (bypassed) {
		const char *source = NULL;
		const char *who = pusher(&source);

		line(PROG ": the push is accepted: bypass requested by '%s' "
		    "with reason \"%s\" (recorded in the audit log)", who,
		    r->bypass);
		line("Revoke and rotate the token anyway: it is now in this "
		    "server's history.");
		return EXIT_CLEAN;
	}
	if (r->blocking > 0)
		print_advice(r);
	if (unrecorded)
		line(PROG ": the bypass is refused: it cannot be recorded: %s",
		    ae.msg);
	else if (r->bypass != NULL && !r->policy.allow_bypass)
		line(PROG ": the bypass push option was ignored: this server "
		    "does not allow bypasses (tokenguard.allowBypass)");
	else if (r->bypass != NULL)
		line(PROG ": the bypass push option needs a reason: git push "
		    "-o tokenguard.bypass=\"REASON\"");
	return EXIT_FOUND;
}

static int
load_settings(struct run *r, struct err *e)
{
	/*
	 * The levels git reads, as git reads them: a global file this user
	 * may not read (git daemon --user keeps HOME=/root) or no HOME at
	 * all (a CGI) is skipped, silently as git skips it.
	 */
	if (hookcfg_open(&r->hc, NULL, e) < 0)
		return -1;
	/* First, so that it applies to trouble with the other keys. */
	if (config_read_choice(&r->policy.allow_errors, r->hc.git,
	    "tokenguard.onError", "reject", "block", "allow", "allow", e) < 0)
		return -1;
	r->policy_read = true;
	if (config_read(&r->hc.cfg, r->hc.git, e) < 0)
		return -1;
	if (read_policy(&r->policy, r->hc.git, r->hc.cfg.max_file_size,
	    git_repository_commondir(r->hc.repo), e) < 0)
		return -1;
	return scanner_new(&r->hc.scanner, &r->hc.cfg, e);
}

/* Indices of entries, by their items (seq) then their places. */
static int
cmp_order(const void *a, const void *b, void *seq)
{
	const size_t *s = seq;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	if (s[x] != s[y])
		return s[x] < s[y] ? -1 : 1;
	return x < y ? -1 : 1;
}

/*
 * Puts the n entries of size sz at v (each with its item in seq[]) in
 * the walk's order: by item, then as found.
 */
static int
reorder(void *v, size_t n, size_t sz, const size_t *seq, struct err *e)
{
	size_t *idx = NULL;
	unsigned char *tmp = NULL;

	if (n < 2)
		return 0;
	idx = malloc(n * sizeof(*idx));
	tmp = malloc(n * sz);
	if (idx == NULL || tmp == NULL) {
		free(idx);
		free(tmp);
		return err_set(e, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_order, (void *)seq);
	for (size_t i = 0; i < n; i++)
		memcpy(tmp + i * sz, (unsigned char *)v + idx[i] * sz, sz);
	memcpy(v, tmp, n * sz);
	free(idx);
	free(tmp);
	return 0;
}

/* Hits and skips back in the walk's order, whatever the batches did. */
static int
in_walk_order(struct run *r, struct err *e)
{
	if (reorder(r->hits.v, r->hits.n, sizeof(*r->hits.v), r->hit_seq,
	    e) < 0)
		return -1;
	return reorder(r->hits.skips, r->hits.nskips,
	    sizeof(*r->hits.skips), r->skip_seq, e);
}

static int
scan_push(struct run *r, struct err *e)
{
	struct gitsrc_tip *tips = NULL;
	size_t ntips = 0;
	int rc;

	tips = calloc(r->nupdates + 1, sizeof(*tips));
	if (tips == NULL)
		return err_set(e, "out of memory");
	for (size_t i = 0; i < r->nupdates; i++) {
		if (r->updates[i].deletion)
			continue;
		tips[ntips].ref = r->updates[i].ref;
		git_oid_cpy(&tips[ntips].id, &r->updates[i].new_id);
		ntips++;
	}
	if (r->policy.timeout > 0) {
		double whole;
		double frac;

		(void)clock_gettime(CLOCK_MONOTONIC, &r->deadline);
		frac = r->policy.timeout - (whole = (double)(long)
		    r->policy.timeout);
		r->deadline.tv_sec += (time_t)whole;
		r->deadline.tv_nsec += (long)(frac * 1e9);
		if (r->deadline.tv_nsec >= 1000000000L) {
			r->deadline.tv_sec++;
			r->deadline.tv_nsec -= 1000000000L;
		}
	}
	r->callback_failed = false;
	rc = gitsrc_history(&r->stats, r->hc.repo, tips, ntips, NULL, 0,
	    GITSRC_HIDE_REFS, on_item, r, e);
	free(tips);
	if (rc == 0) {
		rc = flush(r);
	} else if (rc != STOP_TIMEOUT && !r->callback_failed) {
		struct err fe = { 0 };

		/*
		 * Trouble in the walk: the blobs it reported before it are
		 * scanned, as they were before batches, and what they hold
		 * is reported with the trouble (e).
		 */
		r->e = &fe;
		(void)flush(r);
		r->e = e;
	}
	pending_clear(r);
	if (in_walk_order(r, e) < 0)
		return -1;
	if (rc == STOP_TIMEOUT)
		return 0;
	return rc != 0 ? -1 : 0;
}

/*
 * Everything but the reporting of trouble: returns the exit status, or
 * -1 with e set.
 */
static int
hook(struct run *r, struct err *e)
{
	const char *gitdir = env("GIT_DIR") != NULL ? env("GIT_DIR") : ".";

	r->e = e;
	if (gitsrc_is_sha256(gitdir))
		return err_set(e, "this repository uses SHA-256 object ids "
		    "(extensions.objectFormat = sha256), which tokenguard "
		    "cannot read yet (libgit2 1.5 reads SHA-1 repositories "
		    "only)");
	if (read_updates(r, e) < 0)
		return -1;
	if (load_settings(r, e) < 0)
		return -1;
	r->bypass = bypass_reason();
	if (scan_push(r, e) < 0) {
		/* What was found before the trouble is reported, and blocks. */
		for (size_t i = 0; i < r->hits.n; i++)
			r->blocking += blocks(r, &r->hits.v[i]) ? 1 : 0;
		if (r->blocking > 0) {
			line(PROG ": push rejected: %zu secret%s found before "
			    "the trouble below", r->blocking,
			    r->blocking == 1 ? "" : "s");
			for (size_t i = 0; i < r->hits.n; i++) {
				if (blocks(r, &r->hits.v[i]))
					print_hit(&r->hits.v[i]);
			}
		}
		return -1;
	}
	if (r->timed_out) {
		int status;

		/* Findings so far are reported; they block in any case. */
		status = report(r);
		if (status != EXIT_CLEAN) {
			/* Rejected for what was found; onTimeout is moot. */
			line(PROG ": the time budget of %gs "
			    "(tokenguard.timeout) was spent after %zu of %zu "
			    "new commits: the rest of this push was not "
			    "checked", r->policy.timeout,
			    r->commits_done, r->commits_total);
			return status;
		}
		if (r->policy.allow_timeout) {
			line(PROG ": warning: time budget of %gs spent after "
			    "%zu of %zu new commits: the rest of this push "
			    "was NOT checked, accepted anyway "
			    "(tokenguard.onTimeout = allow)",
			    r->policy.timeout, r->commits_done,
			    r->commits_total);
			return status;
		}
		line(PROG ": push rejected: time budget of %gs "
		    "(tokenguard.timeout) spent after %zu of %zu new commits "
		    "(%zu blobs scanned); the rest was not checked",
		    r->policy.timeout, r->commits_done, r->commits_total,
		    r->scanned);
		line("Push fewer commits at a time, or ask the server's "
		    "administrators to raise tokenguard.timeout or set "
		    "tokenguard.onTimeout = allow.");
		return EXIT_FOUND;
	}
	return report(r);
}

int
main(int argc, char **argv)
{
	struct progopts_answer po;
	struct run r;
	struct err e = { 0 };
	int status;

	/*
	 * The verdict is the exit status: a reader gone from standard error
	 * must not turn it into a death by SIGPIPE (which rejects).
	 */
	(void)signal(SIGPIPE, SIG_IGN);
	if (progopts_parse(&po, &OPTS, argc, argv)) {
		fputs(po.text, po.status == 0 ? stdout : stderr);
		return fflush(stdout) == 0 && !ferror(stdout) ? po.status :
		    EXIT_TROUBLE;
	}
	gitlab = env("GL_ID") != NULL || env("GL_PROTOCOL") != NULL;
	if (git_libgit2_init() < 0) {
		line(PROG ": cannot initialise libgit2; the push is rejected");
		return EXIT_TROUBLE;
	}
	/* git has decided to run this hook here; libgit2 need not judge. */
	(void)git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
	/*
	 * receive-pack's index-pack has hashed every pushed object to name
	 * it; hashing each again as it is read (SHA-1 with collision
	 * detection) took 40% of the hook's time on a 1.85 GB push.
	 */
	(void)git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	/*
	 * Memory: libgit2 maps a pack in windows of 1 GiB by default and
	 * keeps up to 256 MiB of parsed objects; on a 1.85 GB first push
	 * (a 128 MB pack) that was 285 MB of peak RSS, half of it the mapped
	 * pack. Windows of 4 MiB, 24 MiB mapped at most and 8 MiB of object
	 * cache keep it under 100 MB for about 10% more time (tree lookups
	 * and window remaps; see docs/performance.md). Blobs read in path
	 * order (BATCH) touch more of the pack than in the walk's order:
	 * 48 MiB of windows were 110 MB of peak RSS on npm/cli's history,
	 * 24 MiB are 90 MB for 40% more minor page faults (73,000 instead
	 * of 53,000: a few ms).
	 */
	(void)git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t)4 << 20);
	(void)git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT,
	    (size_t)24 << 20);
	(void)git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)8 << 20);
	memset(&r, 0, sizeof(r));
	hookcfg_init(&r.hc);
	/* Before the repository is opened: see config_isolate_libgit2(). */
	status = config_isolate_libgit2(&e) < 0 ? -1 : hook(&r, &e);
	if (status < 0) {
		if (r.blocking > 0) {
			line(PROG ": %s", e.msg);
			status = EXIT_FOUND;
		} else if (r.policy_read && r.policy.allow_errors) {
			line(PROG ": warning: %s; the push was not checked, "
			    "accepted anyway (tokenguard.onError = allow)",
			    e.msg);
			status = EXIT_CLEAN;
		} else {
			line(PROG ": %s", e.msg);
			line(PROG ": the push is rejected: what it adds could "
			    "not be checked (tokenguard.onError = allow on the "
			    "server accepts it with a warning instead)");
			status = EXIT_TROUBLE;
		}
	}
	run_release(&r);
	(void)git_libgit2_shutdown();
	return status;
}

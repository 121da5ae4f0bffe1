/*
 * tokenguard-pre-commit: the git pre-commit (and pre-merge-commit) hook.
 * It scans exactly what is about to be committed: every blob that the
 * index git records (GIT_INDEX_FILE, else the repository's index) adds
 * or changes compared with HEAD, whole and as raw bytes, never the work
 * tree. A finding blocks the commit unless HEAD (or, in a merge, the
 * other parent) already holds the same secret at that path: such a
 * pre-existing finding is a warning (tokenguard.blockPreexisting = true
 * blocks it too).
 *
 * Outside a commit, "--files FILE..." scans the named files as they are
 * in the work tree: hook managers such as the pre-commit framework run
 * hooks that way over committed files ('pre-commit run --all-files'),
 * and such a run must find what is already committed.
 *
 * It prints nothing when the staged changes are clean. Exit status:
 *   0  nothing found, or only warnings (pre-existing findings, files too
 *      big to scan, trouble with tokenguard.onError = allow)
 *   1  findings, or a file too big to scan with tokenguard.onSkip =
 *      reject: the commit is blocked
 *   2  trouble (bad usage, unreadable repository or index, bad
 *      configuration): the commit is blocked, unless tokenguard.onError
 *      = allow
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "config.h"
#include "err.h"
#include "fileio.h"
#include "filescan.h"
#include "finding.h"
#include "gitsrc.h"
#include "hits.h"
#include "hookcfg.h"
#include "progopts.h"
#include "report.h"
#include "scan.h"

#define PROG "tokenguard-pre-commit"

enum {
	EXIT_CLEAN = 0,
	EXIT_FOUND = 1,
	EXIT_TROUBLE = 2,
};

static const char USAGE[] =
"Usage: " PROG " [-h | --help | --version]\n"
"       " PROG " --files [--] [FILE...]\n"
"\n"
"The git pre-commit hook of tokenguard: scans the staged changes (the\n"
"index being committed, compared with HEAD) for npm token material and\n"
"blocks the commit when it finds some. Install it with\n"
"'tokenguard install' (also as pre-merge-commit). When git runs it (git\n"
"sets GIT_INDEX_FILE), every argument is ignored, file names from a hook\n"
"manager included: the whole index is always scanned.\n"
"\n"
"  --files [--] FILE...  outside a commit (no GIT_INDEX_FILE), scan these\n"
"                        files as they are in the work tree, as\n"
"                        'tokenguard scan' would: what the pre-commit\n"
"                        framework's 'run --all-files', '--files' and\n"
"                        '--from-ref/--to-ref' pass. Exit 1 on findings\n"
"                        (committed ones too), 2 on trouble.\n"
"\n"
"Settings (git config):\n"
"  tokenguard.onError = block|allow    trouble (unreadable repository or\n"
"                                      index, bad config) blocks the\n"
"                                      commit, or only warns (default\n"
"                                      block)\n"
"  tokenguard.onSkip = allow|reject    a staged file over\n"
"                                      tokenguard.maxFileSize is named\n"
"                                      in a warning, or blocks the commit\n"
"                                      (default allow)\n"
"  tokenguard.blockPreexisting = BOOL  also block secrets that HEAD\n"
"                                      already holds (default false)\n"
"  and the engine's keys: tokenguard.checksum, tokenguard.inlineAllow,\n"
"  tokenguard.maxFileSize, tokenguard.allow, rule.<id>.*\n"
"\n"
"A false positive is allowed by 'tokenguard:allow' on its line, or by\n"
"its fingerprint in .tokenguard-allow at the top of the work tree.\n"
"'git commit --no-verify' skips the hook.\n"
"\n"
"Exit status: 0 clean (or warnings only), 1 findings (commit blocked),\n"
"2 trouble (commit blocked unless tokenguard.onError = allow).\n";

/*
 * Words other than options are ignored: hook managers pass staged file
 * names, which the scan of the index covers.
 */
static const struct progopts OPTS = {
	PROG, USAGE, "option", PROGOPTS_OPERANDS | PROGOPTS_FILES
};

/*
 * An added file whose findings are new, unless it is the new name of a
 * file that held them: worth a second, slower listing with renames.
 */
struct pending {
	const char *path;	/* the first hit's copy */
	size_t first, upto;	/* its hits */
};

/* The hook's own settings. */
struct policy {
	bool allow_errors;	/* tokenguard.onError = allow */
	bool reject_skips;	/* tokenguard.onSkip = reject */
	bool block_preexisting;	/* tokenguard.blockPreexisting */
};

/* Everything one run of the hook works with. */
struct run {
	struct hookcfg hc;	/* the repository, its settings, the scanner */
	struct policy policy;
	bool policy_read;
	git_tree *head;		/* NULL on an unborn branch */
	git_tree **others;	/* MERGE_HEAD's trees */
	size_t nothers;
	struct hits hits;	/* paths: staged paths, as git has them */
	struct pending *pending;	/* added files with new findings */
	size_t npending;
	size_t blocking;	/* hits that block the commit */
	bool callback_failed;	/* e was set by our callback, not git */
	struct err *e;
};

static void
run_release(struct run *r)
{
	hits_release(&r->hits);
	free(r->pending);
	gitsrc_trees_free(r->others, r->nothers);
	git_tree_free(r->head);
	hookcfg_release(&r->hc);
}

/* Prints "tokenguard-pre-commit: " and the message to standard error. */
static void
say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * Warns that a user rule stopped at a PCRE2 limit in path: the file was
 * not fully checked by it (the commit's fate does not change).
 */
static void
warn_limit(const char *path, const struct scan_stats *st)
{
	char *shown = NULL;

	if (report_escape(&shown, path, NULL) < 0)
		shown = NULL;
	say("warning: user rule '%s' hit the PCRE2 match limit on %zu "
	    "line%s of %s (catastrophic backtracking?): it did not fully "
	    "check that file", st->limit_rule, st->user_rule_limits,
	    st->user_rule_limits == 1 ? "" : "s",
	    shown != NULL ? shown : "?");
	free(shown);
}

/*
 * Reads the hook's keys. onSkip takes the scan command's words too
 * (warn, error), so that one setting serves both.
 */
static int
read_policy(struct policy *p, git_config *cfg, struct err *e)
{
	if (config_read_choice(&p->allow_errors, cfg, "tokenguard.onError",
	    "block", "reject", "allow", "allow", e) < 0)
		return -1;
	if (config_read_choice(&p->reject_skips, cfg, "tokenguard.onSkip",
	    "allow", "warn", "reject", "error", e) < 0)
		return -1;
	return hookcfg_read_bool(&p->block_preexisting, cfg,
	    "tokenguard.blockPreexisting", e);
}

/*
 * Only tokenguard.onError, from whatever configuration can still be read
 * after a failure: the repository's when it was opened, else the
 * system's and the user's.
 */
static bool
errors_allowed(struct run *r)
{
	struct policy p = { 0 };
	struct err ignored = { 0 };
	git_config *cfg = NULL;
	bool allow = false;

	if (r->policy_read)
		return r->policy.allow_errors;
	if (r->hc.git != NULL)
		cfg = r->hc.git;
	else if (config_open_repo(&cfg, NULL, r->hc.repo, NULL, &ignored) < 0)
		return false;
	if (config_read_choice(&p.allow_errors, cfg, "tokenguard.onError",
	    "block", "reject", "allow", "allow", &ignored) == 0)
		allow = p.allow_errors;
	if (cfg != r->hc.git)
		git_config_free(cfg);
	return allow;
}

static int
load_settings(struct run *r, struct err *e)
{
	struct config_notes notes = { 0 };
	const char *wd;
	char *allow_file = NULL;
	size_t len;
	int rc = -1;

	if (hookcfg_open(&r->hc, &notes, e) < 0)
		return -1;
	for (size_t i = 0; i < notes.n; i++)
		say("note: %s", notes.msg[i]);
	if (read_policy(&r->policy, r->hc.git, e) < 0)
		return -1;
	r->policy_read = true;
	if (config_read(&r->hc.cfg, r->hc.git, e) < 0)
		return -1;
	/* The work tree's allow file is the committer's own: trusted. */
	wd = git_repository_workdir(r->hc.repo);
	if (wd != NULL) {
		len = strlen(wd);
		allow_file = malloc(len + sizeof("/.tokenguard-allow"));
		if (allow_file == NULL)
			return err_set(e, "out of memory");
		(void)snprintf(allow_file, len + sizeof("/.tokenguard-allow"),
		    "%s%s.tokenguard-allow", wd,
		    len > 0 && wd[len - 1] == '/' ? "" : "/");
		if (config_read_allow_file(&r->hc.cfg, allow_file, e) < 0)
			goto out;
	}
	if (scanner_new(&r->hc.scanner, &r->hc.cfg, e) < 0)
		goto out;
	rc = 0;
out:
	free(allow_file);
	return rc;
}

static int
collect(const struct finding *f, void *payload)
{
	struct run *r = payload;

	return hits_add(NULL, &r->hits, f, f->path, r->e);
}

static bool
is_content(uint32_t mode)
{
	return mode == GIT_FILEMODE_BLOB ||
	    mode == GIT_FILEMODE_BLOB_EXECUTABLE || mode == GIT_FILEMODE_LINK;
}

/* Scans one earlier version of the path for the current blob's hits. */
static int
check_old(struct run *r, const char *path, const git_oid *id,
    const git_oid *new_id, struct err *e)
{
	return hits_check_old(&r->hits, r->hc.repo, r->hc.scanner, path, id,
	    new_id, scanner_max_file_size(r->hc.scanner), e);
}

/*
 * Marks the hits of the blob just scanned that are pre-existing: the
 * tree's version of the content (same path or rename source), and in a
 * merge each other parent's version of the path, holds the same secret.
 */
static int
mark_preexisting(struct run *r, const struct gitsrc_change *c,
    struct err *e)
{
	if (c->old_path != NULL && is_content(c->old_mode) &&
	    check_old(r, c->old_path, &c->old_id, &c->id, e) < 0)
		return -1;
	for (size_t i = 0; i < r->nothers && !hits_all_preexisting(&r->hits);
	    i++) {
		if (hits_check_tree(&r->hits, r->hc.repo, r->hc.scanner,
		    r->others[i], "MERGE_HEAD", c->path, &c->id,
		    scanner_max_file_size(r->hc.scanner), e) < 0)
			return -1;
	}
	return 0;
}

/* Remembers the hits just found in an added file. */
static int
add_pending(struct run *r, struct err *e)
{
	struct pending *nv;

	nv = realloc(r->pending, (r->npending + 1) * sizeof(*nv));
	if (nv == NULL)
		return err_set(e, "out of memory");
	r->pending = nv;
	nv[r->npending].path = r->hits.v[r->hits.first].path;
	nv[r->npending].first = r->hits.first;
	nv[r->npending].upto = r->hits.upto;
	r->npending++;
	return 0;
}

/* A rename found by the second listing: its source may hold the hits. */
static int
on_rename(const struct gitsrc_change *c, void *payload)
{
	struct run *r = payload;

	if (c->status != GITSRC_RENAMED || !is_content(c->old_mode))
		return 0;
	for (size_t i = 0; i < r->npending; i++) {
		if (strcmp(r->pending[i].path, c->path) != 0)
			continue;
		r->hits.first = r->pending[i].first;
		r->hits.upto = r->pending[i].upto;
		r->callback_failed = true;
		if (check_old(r, c->old_path, &c->old_id, &c->id, r->e) < 0)
			return -1;
		r->callback_failed = false;
		break;
	}
	return 0;
}

/* One staged change: its blob is scanned whole, as raw bytes. */
static int
on_change(const struct gitsrc_change *c, void *payload)
{
	struct run *r = payload;
	struct scan_origin origin = { c->path, NULL };
	struct scan_stats st;
	git_blob *blob = NULL;
	uint64_t size;
	int rc = -1;

	/* Submodules (gitlinks) are commits of another repository. */
	if (!is_content(c->mode))
		return 0;
	r->callback_failed = true;
	if (gitsrc_object_size(&size, r->hc.repo, &c->id, r->e) < 0)
		return -1;
	if (size > scanner_max_file_size(r->hc.scanner)) {
		if (hits_skip(NULL, &r->hits, c->path, size, r->e) < 0)
			return -1;
		r->callback_failed = false;
		return 0;
	}
	if (gitsrc_blob(&blob, r->hc.repo, &c->id, r->e) < 0)
		return -1;
	r->hits.first = r->hits.n;
	if (scanner_scan(r->hc.scanner, &st, &origin, git_blob_rawcontent(blob),
	    (size_t)git_blob_rawsize(blob), 0, collect, r, r->e) != 0)
		goto out;
	if (st.user_rule_limits > 0)
		warn_limit(c->path, &st);
	r->hits.upto = r->hits.n;
	if (r->hits.n > r->hits.first && mark_preexisting(r, c, r->e) < 0)
		goto out;
	if (c->status == GITSRC_ADDED && !hits_all_preexisting(&r->hits) &&
	    add_pending(r, r->e) < 0)
		goto out;
	r->callback_failed = false;
	rc = 0;
out:
	git_blob_free(blob);
	return rc;
}

/* Lists and scans the staged changes, with git's help if need be. */
static int
scan_staged(struct run *r, struct err *e)
{
	struct gitsrc_index *index = NULL;
	struct err ie = { 0 };
	char *index_path = NULL;
	bool unsupported;
	int rc = -1;

	if (gitsrc_index_path(&index_path, r->hc.repo, e) < 0)
		return -1;
	if (gitsrc_index_open(&index, &unsupported, index_path, &ie) == 0) {
		/*
		 * Renames cost blob reads and similarity signatures: they are
		 * looked for only when an added file has new findings.
		 */
		rc = gitsrc_staged(r->hc.repo, r->head, index, 0, on_change,
		    r, e);
		if (rc == 0 && r->npending > 0)
			rc = gitsrc_staged(r->hc.repo, r->head, index,
			    GITSRC_RENAMES, on_rename, r, e);
		goto out;
	}
	if (!unsupported) {
		*e = ie;
		goto out;
	}
	/*
	 * A split index (core.splitIndex), a sparse index (index.sparse)
	 * or a newer format: git lists the staged blobs, which are then
	 * read and scanned as usual.
	 */
	r->callback_failed = false;
	rc = gitsrc_staged_git(r->hc.repo, index_path, r->head, on_change, r,
	    e);
	if (rc != 0 && !r->callback_failed) {
		struct err ge = *e;

		err_set(e, "%s; listing the staged changes with git failed "
		    "too: %s", ie.msg, ge.msg);
	}
out:
	gitsrc_index_free(index);
	free(index_path);
	return rc != 0 ? -1 : 0;
}

static void
print_hit(const struct hit *h, const char *indent)
{
	char *path = NULL;

	if (report_escape(&path, h->path, NULL) < 0)
		path = NULL;
	fprintf(stderr, "%s%s:%zu: %s: %s [%s]\n", indent,
	    path != NULL ? path : "?", h->line, h->rule, h->description,
	    h->redacted);
	free(path);
}

static void
print_fingerprint(const struct hit *h)
{
	char *path = NULL;

	if (report_escape(&path, h->path, NULL) < 0)
		path = NULL;
	fprintf(stderr, "        %s  # %s:%zu\n", h->fingerprint,
	    path != NULL ? path : "?", h->line);
	free(path);
}

static bool
blocks(const struct run *r, const struct hit *h)
{
	return !h->preexisting || r->policy.block_preexisting;
}

static void
print_blocking(const struct run *r, size_t n)
{
	fprintf(stderr, PROG ": commit blocked: %zu secret%s in the staged "
	    "changes\n\n", n, n == 1 ? "" : "s");
	for (size_t i = 0; i < r->hits.n; i++) {
		if (blocks(r, &r->hits.v[i]))
			print_hit(&r->hits.v[i], "    ");
	}
	fputs("\nWhat to do:\n"
	    "  1. Remove the secret from the file and from the index: edit the "
	    "file, then\n"
	    "     'git add FILE' (or 'git rm --cached FILE' and list it in "
	    ".gitignore,\n"
	    "     for a file such as .npmrc that should never be committed).\n"
	    "  2. Treat the token as leaked: revoke it ('npm token revoke ID',"
	    " see\n"
	    "     'npm token list') and create a new one, or better, move "
	    "publishing to\n"
	    "     trusted publishing (OIDC), which needs no token at all.\n"
	    "  3. Not a secret? Put 'tokenguard:allow' in a comment on its "
	    "line, or add\n"
	    "     its fingerprint to .tokenguard-allow at the top of the "
	    "work tree:\n", stderr);
	for (size_t i = 0; i < r->hits.n; i++) {
		if (blocks(r, &r->hits.v[i]))
			print_fingerprint(&r->hits.v[i]);
	}
	fputs("  To commit without this check (the secret is then in your "
	    "history):\n"
	    "     git commit --no-verify\n", stderr);
}

static void
print_preexisting(const struct run *r, size_t n)
{
	fprintf(stderr, PROG ": warning: %zu secret%s already committed "
	    "before (not blocking;\ntokenguard.blockPreexisting = true would "
	    "block %s):\n", n, n == 1 ? "" : "s", n == 1 ? "it" : "them");
	for (size_t i = 0; i < r->hits.n; i++) {
		if (!blocks(r, &r->hits.v[i]))
			print_hit(&r->hits.v[i], "    ");
	}
	fputs("  These are in your history already: revoke and rotate them "
	    "('npm token revoke ID').\n", stderr);
}

static void
print_skips(const struct run *r)
{
	uint64_t max = scanner_max_file_size(r->hc.scanner);
	char *path;

	for (size_t i = 0; i < r->hits.nskips; i++) {
		if (report_escape(&path, r->hits.skips[i].path, NULL) < 0)
			path = NULL;
		say("%s%s not scanned: %.1f MiB is over tokenguard.maxFileSize "
		    "(%.1f MiB)%s", r->policy.reject_skips ? "commit blocked: "
		    : "warning: ", path != NULL ? path : "?",
		    (double)r->hits.skips[i].size / (1024.0 * 1024.0),
		    (double)max / (1024.0 * 1024.0), r->policy.reject_skips ?
		    " and tokenguard.onSkip = reject; raise the limit, or "
		    "check the file yourself and commit with --no-verify" :
		    "; tokenguard.onSkip = reject would block the commit");
		free(path);
	}
}

/*
 * One named file, as it is in the work tree. A file that is gone, or is
 * not a regular file (a link, a FIFO), has no content of its own to
 * check here: the commit-time scan covers what git records for it.
 */
static int
scan_file(struct run *r, struct filescan *fs, const char *path,
    struct err *e)
{
	struct scan_origin origin = { path, NULL };
	struct filescan_result res;
	struct stat st;
	uint64_t max = scanner_max_file_size(r->hc.scanner);
	int fd, rc, state;

	/* Gone, a symbolic link, not a regular file: nothing to check. */
	state = fileio_open(&fd, &st, AT_FDCWD, path, FILEIO_MISSING_OK |
	    FILEIO_LINK_MISSING, e);
	if (state != FILEIO_READ)
		return state < 0 ? -1 : 0;
	if ((uint64_t)st.st_size > max) {
		rc = hits_skip(NULL, &r->hits, path, (uint64_t)st.st_size, e);
		goto out;
	}
	r->callback_failed = false;
	rc = filescan_fd_size(&res, fs, r->hc.scanner, fd, (uint64_t)st.st_size,
	    max, &origin, 0, collect, r, e);
	if (rc != 0) {
		struct err inner = *e;

		if (!r->callback_failed)
			err_set(e, "'%s': %s", path, inner.msg);
		rc = -1;
		goto out;
	}
	if (res.stats.user_rule_limits > 0)
		warn_limit(path, &res.stats);
	if (res.over && hits_skip(NULL, &r->hits, path, res.bytes, e) < 0)
		rc = -1;
out:
	close(fd);
	return rc;
}

static void
print_files_found(const struct run *r)
{
	fprintf(stderr, PROG ": %zu secret%s in the files checked (their "
	    "content in the work tree)\n\n", r->hits.n, r->hits.n == 1 ? "" :
	    "s");
	for (size_t i = 0; i < r->hits.n; i++)
		print_hit(&r->hits.v[i], "    ");
	fputs("\nWhat to do:\n"
	    "  1. Treat each token as leaked, committed or not: revoke it "
	    "('npm token revoke\n"
	    "     ID', see 'npm token list') and create a new one, or move "
	    "publishing to\n"
	    "     trusted publishing (OIDC), which needs no token at all.\n"
	    "  2. Remove it from the file; one already committed stays in "
	    "the history.\n"
	    "  3. Not a secret? Put 'tokenguard:allow' in a comment on its "
	    "line, or add\n"
	    "     its fingerprint to .tokenguard-allow at the top of the "
	    "work tree:\n", stderr);
	for (size_t i = 0; i < r->hits.n; i++)
		print_fingerprint(&r->hits.v[i]);
}

/*
 * The files a hook manager names when no commit is being made
 * ('pre-commit run --all-files', '--files', '--from-ref/--to-ref'):
 * each is scanned as it is in the work tree, as 'tokenguard scan'
 * would. Returns the exit status, or -1 with e set.
 */
static int
check_files(struct run *r, char **paths, int npaths, struct err *e)
{
	struct filescan fs;
	int rc = 0;

	r->e = e;
	if (load_settings(r, e) < 0)
		return -1;
	filescan_init(&fs);
	for (int i = 0; i < npaths && rc == 0; i++)
		rc = scan_file(r, &fs, paths[i], e);
	filescan_release(&fs);
	r->blocking = r->hits.n;
	if (r->hits.n > 0)
		print_files_found(r);
	if (rc < 0)
		return -1;
	print_skips(r);
	if (r->hits.n > 0 || (r->hits.nskips > 0 && r->policy.reject_skips))
		return EXIT_FOUND;
	return EXIT_CLEAN;
}

/*
 * Everything but the reporting of trouble: returns the exit status, or
 * -1 with e set.
 */
static int
hook(struct run *r, struct err *e)
{
	int rc;

	r->e = e;
	if (load_settings(r, e) < 0)
		return -1;
	if (gitsrc_head_tree(&r->head, r->hc.repo, e) < 0)
		return -1;
	if (gitsrc_merge_trees(&r->others, &r->nothers, r->hc.repo, e) < 0)
		return -1;
	rc = scan_staged(r, e);
	/* What was found before any trouble is reported, and blocks. */
	for (size_t i = 0; i < r->hits.n; i++)
		r->blocking += blocks(r, &r->hits.v[i]) ? 1 : 0;
	if (r->blocking > 0)
		print_blocking(r, r->blocking);
	if (rc < 0)
		return -1;
	if (r->hits.n > r->blocking)
		print_preexisting(r, r->hits.n - r->blocking);
	print_skips(r);
	if (r->blocking > 0 || (r->hits.nskips > 0 && r->policy.reject_skips))
		return EXIT_FOUND;
	return EXIT_CLEAN;
}

int
main(int argc, char **argv)
{
	struct progopts_answer po;
	struct run r;
	struct err e = { 0 };
	int status, files;

	/*
	 * The verdict is the exit status: a reader gone from standard error
	 * must not turn it into a death by SIGPIPE (which blocks).
	 */
	(void)signal(SIGPIPE, SIG_IGN);
	/*
	 * Under git (which sets GIT_INDEX_FILE for this hook), arguments
	 * are file names that a hook manager passes ({staged_files}): a
	 * staged file named --help must not end the hook before the scan,
	 * nor one named -x block every commit.
	 */
	if (getenv("GIT_INDEX_FILE") != NULL)
		argc = 1;
	if (progopts_parse(&po, &OPTS, argc, argv)) {
		fputs(po.text, po.status == 0 ? stdout : stderr);
		return fflush(stdout) == 0 && !ferror(stdout) ? po.status :
		    EXIT_TROUBLE;
	}
	files = po.files;
	if (git_libgit2_init() < 0) {
		say("cannot initialise libgit2; the commit is blocked ("
		    "'git commit --no-verify' skips this check)");
		return EXIT_TROUBLE;
	}
	/*
	 * git has already decided to run this hook in this repository: a
	 * second, different ownership check (libgit2's safe.directory
	 * rules) could only block commits that git allows.
	 */
	(void)git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
	memset(&r, 0, sizeof(r));
	hookcfg_init(&r.hc);
	if (config_isolate_libgit2(&e) < 0)
		status = -1;
	else if (files > 0)
		status = check_files(&r, argv + files, argc - files, &e);
	else
		status = hook(&r, &e);
	if (status < 0) {
		if (r.blocking > 0) {
			/* Findings block whatever tokenguard.onError says. */
			say("%s", e.msg);
			status = EXIT_FOUND;
		} else if (files > 0) {
			/* No commit to let through: trouble is trouble. */
			say("%s", e.msg);
			status = EXIT_TROUBLE;
		} else if (errors_allowed(&r)) {
			say("warning: %s; the staged changes were not checked, "
			    "committing anyway (tokenguard.onError = allow)",
			    e.msg);
			status = EXIT_CLEAN;
		} else {
			say("%s", e.msg);
			say("the commit is blocked: the staged changes could "
			    "not be checked (set tokenguard.onError = allow to "
			    "commit anyway with a warning, or skip the check "
			    "once with 'git commit --no-verify')");
			status = EXIT_TROUBLE;
		}
	}
	run_release(&r);
	(void)git_libgit2_shutdown();
	return status;
}

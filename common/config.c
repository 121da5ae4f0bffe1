/*
 * config: the engine's settings from git-config syntax. libgit2 does the
 * parsing and the layering of files; this module checks the values and
 * turns them into a struct config.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmdconfig.h"
#include "fileio.h"
#include "finding.h"

/* An allow file holds fingerprints only; anything this big is a mistake. */
#define ALLOW_FILE_MAX (16U << 20)

/* Value excerpts in messages are cut to this many bytes. */
#define SHOWN_VALUE 40

static const char FINGERPRINT_WANT[] =
    "want 'sha256:' and 64 lowercase hex digits";

void
config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->checksum = true;
	c->inline_allow = true;
	c->max_file_size = CONFIG_DEFAULT_MAX_FILE_SIZE;
}

void
config_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
rule_release(struct user_rule *r)
{
	free(r->id);
	free(r->pattern);
	free(r->description);
	config_strv_free(r->keywords, r->nkeywords);
	memset(r, 0, sizeof(*r));
}

void
config_release(struct config *c)
{
	config_strv_free(c->allow, c->nallow);
	for (size_t i = 0; i < c->nrules; i++)
		rule_release(&c->rules[i]);
	free(c->rules);
	config_init(c);
}

int
config_strv_add(char ***v, size_t *n, const char *s, struct err *e)
{
	char **nv;
	char *copy;

	copy = strdup(s);
	if (copy == NULL)
		return err_set(e, "out of memory");
	nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (nv == NULL) {
		free(copy);
		return err_set(e, "out of memory");
	}
	nv[*n] = copy;
	*v = nv;
	(*n)++;
	return 0;
}

int
config_add_allow(struct config *c, const char *fingerprint, struct err *e)
{
	if (!finding_is_fingerprint(fingerprint))
		return err_set(e, "bad fingerprint (%s)", FINGERPRINT_WANT);
	return config_strv_add(&c->allow, &c->nallow, fingerprint, e);
}

int
config_parse_unit(uint64_t *out, const char *s,
    const struct config_unit *units)
{
	unsigned long long n;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	for (const struct config_unit *u = units; u->suffix != NULL; u++) {
		if (strcmp(end, u->suffix) != 0)
			continue;
		if (n > UINT64_MAX / u->mult)
			return -1;
		*out = (uint64_t)n * u->mult;
		return 0;
	}
	return -1;
}

int
config_parse_size(uint64_t *out, const char *s)
{
	static const struct config_unit units[] = {
		{ "", 1 }, { "k", 1ULL << 10 }, { "K", 1ULL << 10 },
		{ "m", 1ULL << 20 }, { "M", 1ULL << 20 },
		{ "g", 1ULL << 30 }, { "G", 1ULL << 30 }, { NULL, 0 },
	};

	return config_parse_unit(out, s, units);
}

int
config_git_error(struct err *e, const char *what)
{
	const git_error *ge = git_error_last();

	return err_set(e, "%s: %s", what,
	    ge != NULL && ge->message != NULL ? ge->message : "libgit2 error");
}

/*
 * Looks up one key. *out is the entry (git_config_entry_free()) or NULL
 * when the key is not set.
 */
static int
get_entry(git_config_entry **out, git_config *cfg, const char *key,
    struct err *e)
{
	int rc;

	*out = NULL;
	rc = git_config_get_entry(out, cfg, key);
	if (rc == GIT_ENOTFOUND) {
		*out = NULL;
		return 0;
	}
	if (rc < 0)
		return config_git_error(e, "config");
	return 0;
}

int
config_read_bool(bool *out, git_config *cfg, const char *key,
    struct err *e)
{
	git_config_entry *ent = NULL;
	int v, rc = -1;

	if (get_entry(&ent, cfg, key, e) < 0)
		return -1;
	if (ent == NULL)
		return 0;
	/* A key with no "=" at all is true, as in git. */
	if (ent->value == NULL) {
		*out = true;
		rc = 0;
		goto out;
	}
	if (git_config_parse_bool(&v, ent->value) < 0) {
		err_set(e, "config '%s': bad boolean '%.*s'", key, SHOWN_VALUE,
		    ent->value);
		goto out;
	}
	*out = v != 0;
	rc = 0;
out:
	git_config_entry_free(ent);
	return rc;
}

static int
read_size(uint64_t *out, git_config *cfg, const char *key, struct err *e)
{
	git_config_entry *ent = NULL;
	uint64_t v;
	int rc = -1;

	if (get_entry(&ent, cfg, key, e) < 0)
		return -1;
	if (ent == NULL)
		return 0;
	if (config_parse_size(&v, ent->value) < 0) {
		err_set(e, "config '%s': bad size '%.*s'", key, SHOWN_VALUE,
		    ent->value != NULL ? ent->value : "");
		goto out;
	}
	*out = v;
	rc = 0;
out:
	git_config_entry_free(ent);
	return rc;
}

/* What a multivar callback needs: where to add, and where to complain. */
struct multi {
	char ***v;
	size_t *n;
	const char *key;
	bool fingerprints;
	bool failed;
	struct err *e;
};

static int
add_multi(const git_config_entry *ent, void *payload)
{
	struct multi *m = payload;

	m->failed = true;
	/*
	 * The value is not shown: people do paste the secret itself where
	 * its fingerprint belongs.
	 */
	if (m->fingerprints && (ent->value == NULL ||
	    !finding_is_fingerprint(ent->value)))
		return err_set(m->e, "config '%s': bad fingerprint (%s)",
		    m->key, FINGERPRINT_WANT);
	if (ent->value == NULL || ent->value[0] == '\0')
		return err_set(m->e, "config '%s': empty value", m->key);
	if (config_strv_add(m->v, m->n, ent->value, m->e) < 0)
		return -1;
	m->failed = false;
	return 0;
}

/* Appends every value of a multi-valued key. */
static int
read_multi(char ***v, size_t *n, git_config *cfg, const char *key,
    bool fingerprints, struct err *e)
{
	struct multi m = { v, n, key, fingerprints, false, e };
	int rc;

	rc = git_config_get_multivar_foreach(cfg, key, NULL, add_multi, &m);
	if (m.failed)
		return -1;
	if (rc < 0 && rc != GIT_ENOTFOUND)
		return config_git_error(e, "config");
	return 0;
}

/*
 * The rule id of a "rule.<id>.<var>" entry name when var is one of the
 * rule's keys: a pointer into name and its length; NULL otherwise.
 */
static const char *
rule_id(size_t *len, const char *name)
{
	static const char *const vars[] = {
		"pattern", "description", "keyword",
	};
	const char *id, *dot;

	if (strncmp(name, "rule.", 5) != 0)
		return NULL;
	id = name + 5;
	dot = strrchr(id, '.');
	if (dot == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		if (strcmp(dot + 1, vars[i]) == 0) {
			*len = (size_t)(dot - id);
			return id;
		}
	}
	return NULL;
}

static struct user_rule *
find_rule(struct config *c, const char *id, size_t len)
{
	for (size_t i = 0; i < c->nrules; i++) {
		if (strlen(c->rules[i].id) == len &&
		    memcmp(c->rules[i].id, id, len) == 0)
			return &c->rules[i];
	}
	return NULL;
}

int
config_each(git_config *cfg, config_entry_fn *fn, void *payload,
    struct err *e)
{
	git_config_iterator *it = NULL;
	git_config_entry *ent;
	int rc = -1, grc;

	/*
	 * Not git_config_iterator_glob_new(): libgit2 1.5 leaks PCRE2
	 * match data for every name its regex does not match.
	 */
	if (git_config_iterator_new(&it, cfg) < 0)
		return config_git_error(e, "config");
	while ((grc = git_config_next(&ent, it)) == 0) {
		if (fn(ent, payload, e) < 0)
			goto out;
	}
	if (grc != GIT_ITEROVER) {
		config_git_error(e, "config");
		goto out;
	}
	rc = 0;
out:
	git_config_iterator_free(it);
	return rc;
}

/* The ids of the rule sections, in order of appearance. */
struct rule_ids {
	char **v;
	size_t n;
};

/* Adds the rule id of ent's name when it has one not seen before. */
static int
add_rule_id(const git_config_entry *ent, void *payload, struct err *e)
{
	struct rule_ids *ids = payload;
	const char *id;
	char *copy;
	size_t len;
	int rc;

	id = rule_id(&len, ent->name);
	if (id == NULL)
		return 0;
	for (size_t i = 0; i < ids->n; i++) {
		if (strlen(ids->v[i]) == len &&
		    memcmp(ids->v[i], id, len) == 0)
			return 0;
	}
	copy = strndup(id, len);
	if (copy == NULL)
		return err_set(e, "out of memory");
	rc = config_strv_add(&ids->v, &ids->n, copy, e);
	free(copy);
	return rc;
}

int
config_get_string(char **out, git_config *cfg, const char *key,
    struct err *e)
{
	git_config_entry *ent = NULL;
	char *copy;

	if (get_entry(&ent, cfg, key, e) < 0)
		return -1;
	if (ent == NULL) {
		*out = NULL;
		return 0;
	}
	copy = strdup(ent->value != NULL ? ent->value : "");
	git_config_entry_free(ent);
	if (copy == NULL)
		return err_set(e, "out of memory");
	*out = copy;
	return 0;
}

/* Reads one string key into *out (replacing it); unset leaves *out. */
static int
read_string(char **out, git_config *cfg, const char *key, struct err *e)
{
	char *v = NULL;

	if (config_get_string(&v, cfg, key, e) < 0)
		return -1;
	if (v == NULL)
		return 0;
	free(*out);
	*out = v;
	return 0;
}

/*
 * Reads the rule section "rule.<id>" into r. Keywords accumulate only
 * within this read: a rule configured again replaces its keywords.
 */
static int
read_rule(struct user_rule *r, git_config *cfg, const char *id,
    struct err *e)
{
	char key[ERR_MAX / 2];
	int n;

	n = snprintf(key, sizeof(key), "rule.%s.pattern", id);
	if (n < 0 || (size_t)n >= sizeof(key))
		return err_set(e, "config 'rule.%.40s...': id too long", id);
	if (read_string(&r->pattern, cfg, key, e) < 0)
		return -1;
	if (r->pattern == NULL || r->pattern[0] == '\0')
		return err_set(e, "config 'rule.%s': no pattern", id);
	(void)snprintf(key, sizeof(key), "rule.%s.description", id);
	if (read_string(&r->description, cfg, key, e) < 0)
		return -1;
	(void)snprintf(key, sizeof(key), "rule.%s.keyword", id);
	config_strv_free(r->keywords, r->nkeywords);
	r->keywords = NULL;
	r->nkeywords = 0;
	return read_multi(&r->keywords, &r->nkeywords, cfg, key, false, e);
}

/* Finds or appends the rule with this id; NULL when out of memory. */
static struct user_rule *
rule_slot(struct config *c, const char *id)
{
	struct user_rule *r, *nr;

	r = find_rule(c, id, strlen(id));
	if (r != NULL)
		return r;
	nr = realloc(c->rules, (c->nrules + 1) * sizeof(*nr));
	if (nr == NULL)
		return NULL;
	c->rules = nr;
	r = &nr[c->nrules];
	memset(r, 0, sizeof(*r));
	r->id = strdup(id);
	if (r->id == NULL)
		return NULL;
	c->nrules++;
	return r;
}

static int
read_rules(struct config *c, git_config *cfg, struct err *e)
{
	struct rule_ids ids = { NULL, 0 };
	struct user_rule *r;
	int rc = -1;

	if (config_each(cfg, add_rule_id, &ids, e) < 0)
		goto out;
	for (size_t i = 0; i < ids.n; i++) {
		if (ids.v[i][0] == '\0') {
			err_set(e, "config 'rule..pattern': empty rule id");
			goto out;
		}
		r = rule_slot(c, ids.v[i]);
		if (r == NULL) {
			err_set(e, "out of memory");
			goto out;
		}
		if (read_rule(r, cfg, ids.v[i], e) < 0)
			goto out;
	}
	rc = 0;
out:
	config_strv_free(ids.v, ids.n);
	return rc;
}

int
config_read(struct config *c, git_config *cfg, struct err *e)
{
	struct err local = { 0 };

	if (e == NULL)
		e = &local;
	if (config_read_bool(&c->checksum, cfg, "tokenguard.checksum", e) < 0 ||
	    config_read_bool(&c->inline_allow, cfg, "tokenguard.inlineAllow",
	    e) < 0 ||
	    read_size(&c->max_file_size, cfg, "tokenguard.maxFileSize",
	    e) < 0)
		return -1;
	if (read_multi(&c->allow, &c->nallow, cfg, "tokenguard.allow", true,
	    e) < 0)
		return -1;
	return read_rules(c, cfg, e);
}

/*
 * Opens the repository containing dir. *out is NULL outside one, and also
 * when the repository belongs to another user: its config is then not
 * trusted (git's safe.directory rule), and scanning without it can only
 * report more, never less.
 */
static int
open_repo(git_repository **out, const char *dir, struct err *e)
{
	int rc;

	*out = NULL;
	if (dir == NULL)
		return 0;
	rc = git_repository_open_ext(out, dir, 0, NULL);
	if (rc == GIT_ENOTFOUND || rc == GIT_EOWNER) {
		*out = NULL;
		return 0;
	}
	if (rc < 0) {
		*out = NULL;
		return config_git_error(e, "repository");
	}
	return 0;
}

static void
note(struct config_notes *notes, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
note(struct config_notes *notes, const char *fmt, ...)
{
	va_list ap;

	if (notes == NULL || notes->n == CONFIG_NOTES_MAX)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(notes->msg[notes->n], sizeof(notes->msg[0]), fmt, ap);
	va_end(ap);
	notes->n++;
}

/* What a level's file turned out to be. */
enum presence {
	ABSENT,
	READABLE,
	UNREADABLE,	/* permission denied: errno is EACCES */
};

/*
 * Looks at a config file as git does before reading it (access(R_OK)):
 * missing is nothing to read; denied is for the caller to judge; any
 * other failure is an error.
 */
static int
probe(enum presence *out, const char *path, const char *what,
    struct err *e)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR)) {
		*out = ABSENT;
		return 0;
	}
	if (fd < 0 && errno == EACCES) {
		*out = UNREADABLE;
		return 0;
	}
	if (fd < 0)
		return err_errno(e, "%s '%s'", what, path);
	if (fstat(fd, &st) < 0) {
		err_errno(e, "%s '%s'", what, path);
		close(fd);
		return -1;
	}
	close(fd);
	if (S_ISDIR(st.st_mode))
		return err_set(e, "%s '%s': is a directory", what, path);
	*out = READABLE;
	return 0;
}

/*
 * Adds one file at level. A missing file adds nothing; an unreadable one
 * is skipped with a note when skippable (git skips the global files it
 * may not read), and is an error otherwise.
 */
static int
add_level(git_config *cfg, const char *path, int level, bool skippable,
    const char *what, const git_repository *repo,
    struct config_notes *notes, struct err *e)
{
	enum presence p;
	char where[ERR_MAX / 2];

	if (probe(&p, path, what, e) < 0)
		return -1;
	if (p == ABSENT)
		return 0;
	if (p == UNREADABLE && skippable) {
		note(notes, "%s '%s' skipped: %s", what, path,
		    strerror(EACCES));
		return 0;
	}
	if (p == UNREADABLE) {
		errno = EACCES;
		return err_errno(e, "%s '%s'", what, path);
	}
	(void)snprintf(where, sizeof(where), "%s '%s'", what, path);
	if (git_config_add_file_ondisk(cfg, path, (git_config_level_t)level,
	    repo, 0) < 0)
		return config_git_error(e, where);
	return 0;
}

/* An environment variable read as a boolean, as git's git_env_bool(). */
static int
env_bool(bool *out, const char *name, struct err *e)
{
	const char *v = getenv(name);
	int b;

	*out = false;
	if (v == NULL)
		return 0;
	if (git_config_parse_bool(&b, v) < 0)
		return err_set(e, "bad boolean environment value '%.40s' for "
		    "'%s'", v, name);
	*out = b != 0;
	return 0;
}

/* dir + suffix, malloc'd. */
static char *
join(const char *dir, const char *suffix)
{
	size_t len = strlen(dir) + strlen(suffix) + 1;
	char *p = malloc(len);

	if (p != NULL)
		(void)snprintf(p, len, "%s%s", dir, suffix);
	return p;
}

static int
add_system(git_config *cfg, const git_repository *repo,
    struct config_notes *notes, struct err *e)
{
	git_buf found = { 0 };
	const char *path;
	bool off;
	int rc;

	if (env_bool(&off, "GIT_CONFIG_NOSYSTEM", e) < 0)
		return -1;
	if (off)
		return 0;
	path = getenv("GIT_CONFIG_SYSTEM");
	if (path == NULL) {
		if (git_config_find_system(&found) < 0)
			return 0;
		path = found.ptr;
	}
	rc = add_level(cfg, path, GIT_CONFIG_LEVEL_SYSTEM, false,
	    "system config", repo, notes, e);
	git_buf_dispose(&found);
	return rc;
}

/*
 * git's global files: GIT_CONFIG_GLOBAL alone when set, else the XDG
 * file and ~/.gitconfig, found from XDG_CONFIG_HOME and HOME (not from
 * the password database: git does not look there either).
 */
static int
add_global(git_config *cfg, const git_repository *repo,
    struct config_notes *notes, struct err *e)
{
	const char *only, *home, *xdg;
	char *xdg_path = NULL, *user_path = NULL;
	int rc = -1;

	only = getenv("GIT_CONFIG_GLOBAL");
	if (only != NULL)
		return add_level(cfg, only, GIT_CONFIG_LEVEL_GLOBAL, true,
		    "global config", repo, notes, e);
	home = getenv("HOME");
	xdg = getenv("XDG_CONFIG_HOME");
	if (xdg != NULL && xdg[0] != '\0')
		xdg_path = join(xdg, "/git/config");
	else if (home != NULL)
		xdg_path = join(home, "/.config/git/config");
	if (home != NULL)
		user_path = join(home, "/.gitconfig");
	if ((xdg_path == NULL && (home != NULL || (xdg != NULL &&
	    xdg[0] != '\0'))) || (user_path == NULL && home != NULL)) {
		err_set(e, "out of memory");
		goto out;
	}
	if (home == NULL)
		note(notes, "HOME is not set: ~/.gitconfig not read");
	if (xdg_path != NULL && add_level(cfg, xdg_path, GIT_CONFIG_LEVEL_XDG,
	    true, "global config", repo, notes, e) < 0)
		goto out;
	if (user_path != NULL && add_level(cfg, user_path,
	    GIT_CONFIG_LEVEL_GLOBAL, true, "global config", repo, notes,
	    e) < 0)
		goto out;
	rc = 0;
out:
	free(xdg_path);
	free(user_path);
	return rc;
}

/*
 * The repository's config, and its worktree's config.worktree when
 * extensions.worktreeConfig is on (libgit2 1.5 knows neither the
 * extension nor the level).
 */
static int
add_repo(git_config *cfg, git_repository *repo, struct config_notes *notes,
    struct err *e)
{
	git_buf path = { 0 };
	git_config *local = NULL;
	char *wt_path = NULL;
	int on = 0, rc = -1, grc;

	if (git_repository_item_path(&path, repo,
	    GIT_REPOSITORY_ITEM_CONFIG) < 0)
		return config_git_error(e, "repository config");
	if (add_level(cfg, path.ptr, GIT_CONFIG_LEVEL_LOCAL, false,
	    "repository config", repo, notes, e) < 0)
		goto out;
	grc = git_config_open_level(&local, cfg, GIT_CONFIG_LEVEL_LOCAL);
	if (grc == GIT_ENOTFOUND) {
		rc = 0;
		goto out;
	}
	if (grc < 0) {
		config_git_error(e, "repository config");
		goto out;
	}
	grc = git_config_get_bool(&on, local, "extensions.worktreeConfig");
	if (grc < 0 && grc != GIT_ENOTFOUND) {
		config_git_error(e, "config 'extensions.worktreeConfig'");
		goto out;
	}
	if (grc == 0 && on != 0) {
		wt_path = join(git_repository_path(repo), "config.worktree");
		if (wt_path == NULL) {
			err_set(e, "out of memory");
			goto out;
		}
		if (add_level(cfg, wt_path, CONFIG_LEVEL_WORKTREE, false,
		    "worktree config", repo, notes, e) < 0)
			goto out;
	}
	rc = 0;
out:
	free(wt_path);
	git_config_free(local);
	git_buf_dispose(&path);
	return rc;
}

static int
add_command_line(git_config *cfg, const git_repository *repo,
    struct err *e)
{
	git_config_backend *b = NULL;

	if (cmdconfig_new(&b, e) < 0)
		return -1;
	if (b == NULL)
		return 0;
	if (git_config_add_backend(cfg, b, CONFIG_LEVEL_COMMAND, repo,
	    0) < 0) {
		b->free(b);
		return config_git_error(e, "command-line config");
	}
	return 0;
}

/*
 * libgit2 treats a missing file as an empty one; a file named on the
 * command line must exist.
 */
static int
add_app_config(git_config *cfg, const char *file, struct err *e)
{
	struct stat st;
	char what[ERR_MAX / 2];

	if (stat(file, &st) < 0)
		return err_errno(e, "config file '%s'", file);
	if (S_ISDIR(st.st_mode))
		return err_set(e, "config file '%s': is a directory", file);
	(void)snprintf(what, sizeof(what), "config file '%s'", file);
	if (git_config_add_file_ondisk(cfg, file, CONFIG_LEVEL_FILE, NULL,
	    0) < 0)
		return config_git_error(e, what);
	return 0;
}

/* The work tree without its trailing slash, malloc'd; NULL if bare. */
static int
work_tree(char **out, git_repository *repo, struct err *e)
{
	const char *wd;
	size_t len;

	*out = NULL;
	wd = repo != NULL ? git_repository_workdir(repo) : NULL;
	if (wd == NULL)
		return 0;
	len = strlen(wd);
	while (len > 1 && wd[len - 1] == '/')
		len--;
	*out = strndup(wd, len);
	if (*out == NULL)
		return err_set(e, "out of memory");
	return 0;
}

int
config_isolate_libgit2(struct err *e)
{
	static const int levels[] = {
		GIT_CONFIG_LEVEL_GLOBAL, GIT_CONFIG_LEVEL_XDG,
		GIT_CONFIG_LEVEL_PROGRAMDATA,
	};

	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		if (git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, levels[i],
		    "") < 0)
			return config_git_error(e, "libgit2 search path");
	}
	return 0;
}

int
config_open_repo(git_config **out, struct config_notes *notes,
    git_repository *repo, const char *file, struct err *e)
{
	git_config *cfg = NULL;
	int rc = -1;

	if (notes != NULL)
		notes->n = 0;
	if (git_config_new(&cfg) < 0)
		return config_git_error(e, "config");
	if (add_system(cfg, repo, notes, e) < 0 ||
	    add_global(cfg, repo, notes, e) < 0)
		goto out;
	if (repo != NULL && add_repo(cfg, repo, notes, e) < 0)
		goto out;
	if (add_command_line(cfg, repo, e) < 0)
		goto out;
	if (file != NULL && add_app_config(cfg, file, e) < 0)
		goto out;
	*out = cfg;
	cfg = NULL;
	rc = 0;
out:
	git_config_free(cfg);
	return rc;
}

int
config_open(git_config **out, char **repo_root, struct config_notes *notes,
    const char *dir, const char *file, struct err *e)
{
	git_config *cfg = NULL;
	git_repository *repo = NULL;
	char *root = NULL;
	int rc = -1;

	if (open_repo(&repo, dir, e) < 0)
		goto out;
	if (config_open_repo(&cfg, notes, repo, file, e) < 0)
		goto out;
	if (repo_root != NULL && work_tree(&root, repo, e) < 0)
		goto out;
	*out = cfg;
	cfg = NULL;
	if (repo_root != NULL)
		*repo_root = root;
	root = NULL;
	rc = 0;
out:
	free(root);
	git_repository_free(repo);
	git_config_free(cfg);
	return rc;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * Parses one line of an allow file in place: blank and '#' lines are
 * skipped, a fingerprint may be followed by blanks and a '#' comment.
 */
static int
allow_line(struct config *c, char *line, const char *path, size_t lineno,
    struct err *e)
{
	char *end;

	while (is_space(*line))
		line++;
	if (*line == '\0' || *line == '#')
		return 0;
	end = line;
	while (*end != '\0' && !is_space(*end))
		end++;
	if (*end != '\0') {
		*end++ = '\0';
		while (is_space(*end))
			end++;
	}
	if ((*end != '\0' && *end != '#') || !finding_is_fingerprint(line))
		return err_set(e, "%s:%zu: bad fingerprint (%s)", path, lineno,
		    FINGERPRINT_WANT);
	return config_strv_add(&c->allow, &c->nallow, line, e);
}

int
config_read_allow_file(struct config *c, const char *path, struct err *e)
{
	struct fileio_text f;
	char *buf, *line, *nl;
	size_t len, lineno = 0;
	int rc = -1;

	if (fileio_read(&f, AT_FDCWD, path, ALLOW_FILE_MAX,
	    FILEIO_NOFOLLOW | FILEIO_MISSING_OK, e) < 0)
		return -1;
	if (f.state == FILEIO_MISSING)
		return 0;
	if (f.state == FILEIO_NOT_REGULAR)
		return err_set(e, "'%s': not a regular file", path);
	if (f.state == FILEIO_TOO_BIG)
		return err_set(e, "'%s': too big for an allow file", path);
	buf = f.data;
	len = f.len;
	if (memchr(buf, '\0', len) != NULL) {
		err_set(e, "'%s': binary data in an allow file", path);
		goto out;
	}
	for (line = buf; line < buf + len; line = nl + 1) {
		lineno++;
		nl = strchr(line, '\n');
		if (nl == NULL)
			nl = buf + len;
		*nl = '\0';
		if (allow_line(c, line, path, lineno, e) < 0)
			goto out;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

int
config_read_choice(bool *out, git_config *cfg, const char *key,
    const char *no, const char *no2, const char *yes, const char *yes2,
    struct err *e)
{
	git_config_entry *ent = NULL;
	int rc;

	rc = git_config_get_entry(&ent, cfg, key);
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return err_set(e, "config '%s': %s", key,
		    git_error_last() != NULL ? git_error_last()->message :
		    "libgit2 error");
	rc = 0;
	if (ent->value != NULL && (strcasecmp(ent->value, yes) == 0 ||
	    strcasecmp(ent->value, yes2) == 0))
		*out = true;
	else if (ent->value != NULL && (strcasecmp(ent->value, no) == 0 ||
	    strcasecmp(ent->value, no2) == 0))
		*out = false;
	else
		rc = err_set(e, "config '%s': bad value '%.40s' (want %s or "
		    "%s)", key, ent->value != NULL ? ent->value : "", no, yes);
	git_config_entry_free(ent);
	return rc;
}

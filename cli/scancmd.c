/*
 * scancmd: tokenguard scan. The calling thread walks the PATH arguments
 * and feeds a pipeline of reader/scanner threads; results come back in
 * walk order and are printed at once, so output is deterministic and
 * memory does not grow with the size of the tree. With --git, the
 * history of the repository in the current directory is scanned instead
 * (gitsrc_history(): each new blob once, commit and tag messages), on
 * this thread. With --image, each PATH is a saved container image
 * (imagescan.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "gitsrc.h"
#include "imagescan.h"
#include "pipeline.h"
#include "progress.h"
#include "report.h"
#include "scan.h"
#include "walk.h"

#define MAX_JOBS 256

enum format {
	FORMAT_TEXT,
	FORMAT_JSON,
	FORMAT_SARIF,
};

struct opts {
	enum format format;
	const char *config_file;
	size_t jobs;
	bool have_max;
	uint64_t max;
	bool quiet;
	char **paths;
	size_t npaths;
	bool implicit;		/* no PATH given */
	bool implicit_stdin;	/* ... and standard input is to be read */
	bool git;		/* --git: paths are revision ranges */
	bool show_dummies;	/* --show-dummies */
	bool image;		/* --image: paths are container images */
};

/*
 * What a PATH is scanned with: the configuration seen from it (its
 * repository's config, its .tokenguard-allow), compiled. PATHs in the
 * same repository share one.
 */
struct context {
	char *key;		/* "repo:" and the git dir, or "dir:" and dir */
	struct scanner *scanner;
	uint64_t max;
	bool skip_is_trouble;	/* tokenguard.onSkip = reject */
	unsigned scan_flags;	/* SCAN_REPORT_DUMMIES, or 0 */
};

/* What the sink counts and decides while the scan runs. */
struct run {
	const struct opts *o;
	struct context *ctx;	/* every context */
	size_t nctx;
	size_t *arg_ctx;	/* the context of each PATH (or of ".") */
	const struct context *cur;	/* the PATH being fed */
	struct pipeline *pipe;
	bool trouble;
	bool out_failed;	/* standard output is gone: stop */
	bool sarif_first;	/* no SARIF result written yet */
	size_t scanned;
	size_t skipped;
	size_t specials;
	size_t errors;		/* paths that could not be read */
	size_t findings;
	size_t files_found;
	size_t dummies;		/* values set aside as made up */
	const char *ref;	/* --git: the ref of the finding printed */
	size_t commits;		/* --git: commits scanned */
	size_t commits_total;	/* --git: commits to scan */
	git_repository *repo;	/* --git */
	const struct imagescan_hit *where;	/* --image: of the finding */
	bool progress;		/* standard error is a terminal, no -q */
	struct progress prog;
	uint64_t bytes;		/* bytes scanned, for the progress line */
};

enum {
	OPT_FORMAT = 256, OPT_CONFIG, OPT_MAX_FILE_SIZE, OPT_GIT,
	OPT_SHOW_DUMMIES, OPT_IMAGE
};

static const struct option OPTIONS[] = {
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "jobs", required_argument, NULL, 'j' },
	{ "max-file-size", required_argument, NULL, OPT_MAX_FILE_SIZE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "git", no_argument, NULL, OPT_GIT },
	{ "show-dummies", no_argument, NULL, OPT_SHOW_DUMMIES },
	{ "image", no_argument, NULL, OPT_IMAGE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static size_t
online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > MAX_JOBS ? MAX_JOBS : (size_t)n;
}

/*
 * Standard input is read without a PATH when it can hold data: a file,
 * a pipe or a socket. Not a terminal, and not /dev/null either, which is
 * what CI systems and daemons often leave there: scanning it would call
 * an empty input clean.
 */
static bool
stdin_has_data(void)
{
	struct stat st;

	if (isatty(STDIN_FILENO) || fstat(STDIN_FILENO, &st) < 0)
		return false;
	return S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode) ||
	    S_ISSOCK(st.st_mode);
}

static int
parse_format(enum format *out, const char *s)
{
	static const char *const names[] = { "text", "json", "sarif" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum format)i;
			return 0;
		}
	}
	return -1;
}

static int
parse_jobs(size_t *out, const char *s)
{
	unsigned long n;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || n < 1 || n > MAX_JOBS)
		return -1;
	*out = n;
	return 0;
}

/*
 * Parses the options into o. Returns -1 to go on, or the exit status
 * when done (help) or wrong.
 */
static int
parse_opts(struct opts *o, int argc, char **argv)
{
	int opt;

	memset(o, 0, sizeof(*o));
	o->jobs = online_cpus();
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":j:qh", OPTIONS, NULL)) != -1) {
		switch (opt) {
		case OPT_FORMAT:
			if (parse_format(&o->format, optarg) < 0)
				return cli_usage("scan", "scan: bad format "
				    "'%s' (want text, json or sarif)", optarg);
			break;
		case OPT_CONFIG:
			o->config_file = optarg;
			break;
		case 'j':
			if (parse_jobs(&o->jobs, optarg) < 0)
				return cli_usage("scan", "scan: bad thread "
				    "count '%s' (want 1 to %d)", optarg,
				    MAX_JOBS);
			break;
		case OPT_MAX_FILE_SIZE:
			if (config_parse_size(&o->max, optarg) < 0)
				return cli_usage("scan", "scan: bad size '%s' "
				    "(want a number, optionally with k, m or "
				    "g)", optarg);
			o->have_max = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case OPT_GIT:
			o->git = true;
			break;
		case OPT_SHOW_DUMMIES:
			o->show_dummies = true;
			break;
		case OPT_IMAGE:
			o->image = true;
			break;
		case 'h':
			return help_print(stdout, "scan") < 0 ? EXIT_TROUBLE :
			    EXIT_CLEAN;
		default:
			return cli_bad_option("scan", opt, argv);
		}
	}
	o->paths = argv + optind;
	o->npaths = (size_t)(argc - optind);
	if (o->image && o->git)
		return cli_usage("scan", "scan: --image and --git do not go "
		    "together");
	if (o->image && o->npaths == 0)
		return cli_usage("scan", "scan: --image needs an image PATH");
	if (o->npaths == 0 && !o->git) {
		o->implicit = true;
		o->implicit_stdin = stdin_has_data();
	}
	return -1;
}

/* Prints "tokenguard: PATH: " and the message, the path escaped. */
static void
path_message(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
path_message(const char *path, const char *fmt, ...)
{
	char *shown = NULL;
	va_list ap;

	if (report_escape(&shown, path, NULL) < 0)
		shown = NULL;
	fprintf(stderr, PROG ": %s: ", shown != NULL ? shown : path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	free(shown);
}

/*
 * Notes that standard output failed: quietly for a closed pipe (the
 * reader has seen enough), with a message otherwise.
 */
static void
output_failed(struct run *r, int error)
{
	if (!r->out_failed && error != EPIPE) {
		if (r->progress)
			fputs(progress_clear(&r->prog), stderr);
		cli_error("standard output: %s", strerror(error));
	}
	r->out_failed = true;
	r->trouble = true;
}

static void
put(struct run *r, const char *s)
{
	if (r->out_failed)
		return;
	errno = 0;
	if (fputs(s, stdout) == EOF)
		output_failed(r, errno != 0 ? errno : EIO);
}

static void
flush(struct run *r)
{
	if (r->out_failed)
		return;
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout))
		output_failed(r, errno != 0 ? errno : EIO);
}

/*
 * Starts the progress line: on standard error when it is a terminal,
 * unless -q; the first one is drawn after a delay (progress.h).
 */
static void
start_progress(struct run *r)
{
	r->progress = !r->o->quiet && progress_terminal(STDERR_FILENO);
	if (r->progress)
		progress_init(&r->prog, STDERR_FILENO, progress_clock());
}

/* Draws the progress line when an update is due. */
static void
show_progress(struct run *r)
{
	char size[PROGRESS_SIZE_MAX];
	uint64_t now;

	if (!r->progress)
		return;
	now = progress_clock();
	if (!progress_due(&r->prog, now))
		return;
	(void)progress_size(size, r->bytes);
	if (r->o->git)
		fputs(progress_format(&r->prog, now, PROG ": %zu/%zu commit%s, "
		    "%zu blob%s, %s scanned", r->commits, r->commits_total,
		    r->commits_total == 1 ? "" : "s", r->scanned,
		    r->scanned == 1 ? "" : "s", size), stderr);
	else
		fputs(progress_format(&r->prog, now, PROG ": %zu file%s, %s "
		    "scanned", r->scanned, r->scanned == 1 ? "" : "s", size),
		    stderr);
}

/*
 * Erases the progress line before anything else is printed, so that a
 * finding or a message never runs into it; the next update draws it
 * again.
 */
static void
hide_progress(struct run *r)
{
	if (r->progress)
		fputs(progress_clear(&r->prog), stderr);
}

/*
 * History findings name their ref: a "ref" key in JSON; in SARIF, the
 * commit and the ref as the result's properties.
 */
static int
add_ref(json_t *j, enum format format, const struct finding *f,
    const char *ref)
{
	struct err e = { 0 };
	json_t *props;
	char *u = NULL;
	int rc;

	if (report_utf8(&u, ref, &e) < 0)
		return -1;
	if (format == FORMAT_JSON) {
		rc = json_object_set_new(j, "ref", json_string(u));
	} else {
		props = json_pack("{s:s?, s:s}", "commit", f->commit, "ref", u);
		rc = props == NULL ? -1 : json_object_set_new(j, "properties",
		    props);
	}
	free(u);
	return rc;
}

static int image_text(char **s, const struct imagescan_hit *h);

/* Prints one finding in the chosen format; -1 when out of memory. */
static int
print_finding(struct run *r, const struct finding *f)
{
	struct err e = { 0 };
	char *s = NULL;
	json_t *j = NULL;

	struct finding shown;

	if (r->where != NULL && r->o->format != FORMAT_JSON) {
		/* Text and SARIF name the image, the layer and the path. */
		shown = *f;
		shown.path = r->where->shown;
		f = &shown;
	}
	if (r->o->format == FORMAT_TEXT) {
		if (report_text(&s, f, &e) < 0)
			return -1;
		if (r->where != NULL && image_text(&s, r->where) < 0)
			return -1;
	} else {
		if (r->o->format == FORMAT_JSON ? report_json(&j, f, &e) < 0 :
		    report_sarif_result(&j, f, &e) < 0)
			return -1;
		if ((r->ref != NULL && add_ref(j, r->o->format, f, r->ref) <
		    0) || (r->where != NULL && imagescan_json(j,
		    r->o->format == FORMAT_SARIF, r->where, &e) < 0)) {
			json_decref(j);
			return -1;
		}
		s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(j);
		if (s == NULL)
			return -1;
	}
	if (r->o->format == FORMAT_SARIF)
		put(r, r->sarif_first ? "\n" : ",\n");
	r->sarif_first = false;
	put(r, s);
	if (r->o->format != FORMAT_SARIF && (r->where == NULL ||
	    r->o->format != FORMAT_TEXT))
		put(r, "\n");
	free(s);
	return 0;
}

/* The text finding *s and imagescan_text()'s lines after it. */
static int
image_text(char **s, const struct imagescan_hit *h)
{
	struct err e = { 0 };
	char *more = NULL, *all;
	size_t a, b;

	if (imagescan_text(&more, h, &e) < 0)
		return -1;
	a = strlen(*s);
	b = strlen(more);
	all = realloc(*s, a + b + 2);
	if (all == NULL) {
		free(more);
		return -1;
	}
	all[a] = '\n';
	memcpy(all + a + 1, more, b + 1);
	free(more);
	*s = all;
	return 0;
}

static void
print_hits(struct run *r, const struct job *j)
{
	struct finding f;
	size_t found = 0;

	for (size_t i = 0; i < j->nhits && !r->out_failed; i++) {
		f = j->hits[i].f;
		f.path = j->shown;
		if (f.dummy == NULL)
			found++;
		if (print_finding(r, &f) < 0) {
			cli_error("out of memory");
			r->trouble = true;
			r->out_failed = true;
		}
	}
	r->dummies += j->stats.dummies;
	if (found > 0) {
		r->findings += found;
		r->files_found++;
	}
	if (j->nhits > 0)
		flush(r);
}

static void
report_skip(struct run *r, const struct job *j)
{
	const struct context *c = j->tag;
	const char *why = r->o->have_max ? "--max-file-size" :
	    "tokenguard.maxFileSize";

	r->skipped++;
	if (c->skip_is_trouble)
		r->trouble = true;
	if (j->size != 0)
		path_message(j->shown, "skipped: %llu bytes, over the "
		    "%llu-byte limit (%s)", (unsigned long long)j->size,
		    (unsigned long long)j->max, why);
	else
		path_message(j->shown, "skipped: over the %llu-byte limit "
		    "(%s); only the start was scanned",
		    (unsigned long long)j->max, why);
	/* What a partly read file revealed still counts. */
	print_hits(r, j);
}

static void
report_notes(const struct run *r, const struct job *j)
{
	/* Warnings: the file was not checked as a whole; even with -q. */
	if (j->stats.user_rule_limits > 0)
		path_message(j->shown, "warning: user rule '%s' hit the PCRE2 "
		    "match limit on %zu line%s (catastrophic backtracking?): "
		    "the file was not fully checked by it",
		    j->stats.limit_rule, j->stats.user_rule_limits,
		    j->stats.user_rule_limits == 1 ? "" : "s");
	if (j->shrank_from != 0)
		path_message(j->shown, "warning: truncated while read (%llu "
		    "bytes when opened, %llu read): only what was read was "
		    "scanned", (unsigned long long)j->shrank_from,
		    (unsigned long long)j->bytes);
	if (r->o->quiet)
		return;
	if (j->stats.lines_capped > 0)
		path_message(j->shown, "note: %zu line%s over the per-line "
		    "work cap: searched for checksummed tokens only",
		    j->stats.lines_capped, j->stats.lines_capped == 1 ? "" :
		    "s");
}

/* Whether emit() prints anything for job j. */
static bool
prints(const struct run *r, const struct job *j)
{
	if (j->kind == JOB_ERROR || (j->kind == JOB_SPECIAL && j->top))
		return true;
	if (j->kind == JOB_SPECIAL)
		return false;
	return j->failed || j->skipped || j->nhits > 0 ||
	    j->stats.user_rule_limits > 0 || j->shrank_from != 0 ||
	    (!r->o->quiet && j->stats.lines_capped > 0);
}

/* The pipeline's sink: one finished job, in walk order. */
static int
emit(const struct job *j, void *payload)
{
	struct run *r = payload;

	if (prints(r, j))
		hide_progress(r);
	r->bytes += j->bytes;
	switch (j->kind) {
	case JOB_ERROR:
		r->errors++;
		r->trouble = true;
		path_message(j->shown, "%s", strerror(j->error));
		break;
	case JOB_SPECIAL:
		if (j->top) {
			r->errors++;
			r->trouble = true;
			path_message(j->shown, "not a regular file");
		} else {
			r->specials++;
		}
		break;
	case JOB_FILE:
	case JOB_STDIN:
		if (j->failed) {
			r->errors++;
			r->trouble = true;
			path_message(j->shown, "%s", j->why);
		} else if (j->skipped) {
			report_skip(r, j);
		} else {
			r->scanned++;
			print_hits(r, j);
			report_notes(r, j);
		}
		break;
	}
	show_progress(r);
	return r->out_failed ? 1 : 0;
}

/*
 * Makes a job of kind for path (shown from off) with the current
 * settings: *out, or NULL and 1 with the trouble told.
 */
static int
new_job(struct job **out, struct run *r, enum job_kind kind,
    const char *path, size_t off)
{
	struct err e = { 0 };

	if (job_new(out, kind, path, off, &e) < 0) {
		hide_progress(r);
		cli_error("%s", e.msg);
		r->trouble = true;
		*out = NULL;
		return 1;
	}
	(*out)->scanner = r->cur->scanner;
	(*out)->max = r->cur->max;
	(*out)->scan_flags = r->cur->scan_flags;
	(*out)->tag = r->cur;
	return 0;
}

/* The walk's callback: every entry becomes a job, in walk order. */
static int
on_entry(const struct walk_entry *ent, void *payload)
{
	static const enum job_kind kinds[] = {
		[WALK_REGULAR] = JOB_FILE,
		[WALK_SPECIAL] = JOB_SPECIAL,
		[WALK_ERROR] = JOB_ERROR,
	};
	struct run *r = payload;
	struct job *j;
	size_t off = 0;

	if (ent->type == WALK_DIR)
		return 0;
	/* Without a PATH, "./a/b" is shown as "a/b". */
	if (r->o->implicit && ent->rel[0] != '\0')
		off = (size_t)(ent->rel - ent->path);
	if (new_job(&j, r, kinds[ent->type], ent->path, off) != 0)
		return 1;
	j->top = ent->top;
	j->error = ent->error;
	j->read_flags = ent->top ? WALK_FOLLOW : 0;
	return pipeline_add(r->pipe, j);
}

static int
add_stdin(struct run *r)
{
	struct job *j;

	if (new_job(&j, r, JOB_STDIN, "-", 0) != 0)
		return 1;
	j->top = true;
	return pipeline_add(r->pipe, j);
}

/* imagescan's callback: one finding in an image, printed at once. */
static int
image_hit(const struct finding *f, const struct imagescan_hit *h,
    void *payload)
{
	struct run *r = payload;

	r->where = h;
	if (print_finding(r, f) < 0) {
		cli_error("out of memory");
		r->trouble = true;
		r->out_failed = true;
	}
	r->where = NULL;
	if (f->dummy == NULL) {
		r->findings++;
		if (h->new_file)
			r->files_found++;
	}
	flush(r);
	return r->out_failed ? 1 : 0;
}

/* --image: each PATH is a container image, scanned layer by layer. */
static int
feed_images(struct run *r)
{
	struct imagescan_stats st = { 0 };
	int rc = 0;

	for (size_t i = 0; i < r->o->npaths && rc == 0; i++) {
		const struct context *c = &r->ctx[r->arg_ctx[i]];

		rc = imagescan_run(&st, r->o->paths[i], c->scanner, c->max,
		    c->scan_flags, r->o->jobs, c->skip_is_trouble,
		    r->progress ? &r->prog : NULL, image_hit, r);
	}
	r->scanned += st.files;
	r->skipped += st.skipped;
	r->errors += st.errors;
	r->bytes += st.bytes;
	r->dummies += st.dummies;
	if (st.trouble)
		r->trouble = true;
	return rc;
}

/* Feeds every PATH to the pipeline, then waits for the last result. */
static int
feed(struct run *r)
{
	const struct opts *o = r->o;
	struct err e = { 0 };
	int rc = 0;

	r->cur = &r->ctx[r->arg_ctx[0]];
	if (o->implicit_stdin)
		rc = add_stdin(r);
	else if (o->implicit)
		rc = walk_path(".", on_entry, r, &e);
	for (size_t i = 0; i < o->npaths && rc == 0; i++) {
		r->cur = &r->ctx[r->arg_ctx[i]];
		if (strcmp(o->paths[i], "-") == 0)
			rc = add_stdin(r);
		else
			rc = walk_path(o->paths[i], on_entry, r, &e);
	}
	if (rc < 0) {
		hide_progress(r);
		cli_error("%s", e.msg);
		r->trouble = true;
	}
	if (rc == 0)
		rc = pipeline_finish(r->pipe);
	hide_progress(r);
	return rc;
}

/*
 * The directory whose configuration applies to path: path itself when it
 * is a directory, else its parent; "." for standard input. malloc'd;
 * NULL when out of memory.
 */
static char *
config_dir(const char *path)
{
	const char *slash;
	struct stat st;

	if (strcmp(path, "-") == 0)
		return strdup(".");
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return strdup(path);
	slash = strrchr(path, '/');
	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* a + b, malloc'd; NULL when out of memory. */
static char *
concat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s;

	s = malloc(la + lb + 1);
	if (s == NULL)
		return NULL;
	memcpy(s, a, la);
	memcpy(s + la, b, lb + 1);
	return s;
}

/* dir + "/" + name, malloc'd; NULL when out of memory. */
static char *
join(const char *dir, const char *name)
{
	size_t dl = strlen(dir);

	return concat(dir, dl > 0 && dir[dl - 1] == '/' ? name + 1 : name);
}

static int
read_on_skip(bool *trouble, git_config *cfg, struct err *e)
{
	/* The hooks' words, reject and allow; error and warn also do. */
	*trouble = false;
	return config_read_choice(trouble, cfg, "tokenguard.onSkip", "allow",
	    "warn", "reject", "error", e);
}

/* tokenguard.showDummies (a git boolean), or --show-dummies. */
static int
read_show_dummies(unsigned *flags, git_config *cfg, bool opt,
    struct err *e)
{
	bool show = false;

	if (config_read_bool(&show, cfg, "tokenguard.showDummies", e) < 0)
		return -1;
	*flags = opt || show ? SCAN_REPORT_DUMMIES : 0;
	return 0;
}

/*
 * Reads the configuration seen from dir and the allow file of its
 * repository (outside one: of dir) and compiles c's scanner. *in_repo
 * says whether a repository's config was read.
 */
static int
context_load(struct context *c, bool *in_repo, const struct opts *o,
    const char *dir, struct err *e)
{
	struct settings set = { 0 };
	char *allow = NULL;
	int rc = -1;

	if (settings_load(&set, dir, o->config_file, e) < 0 ||
	    read_on_skip(&c->skip_is_trouble, set.git, e) < 0 ||
	    read_show_dummies(&c->scan_flags, set.git, o->show_dummies,
	    e) < 0)
		goto out;
	*in_repo = set.repo_root != NULL;
	allow = join(set.repo_root != NULL ? set.repo_root : dir,
	    "/.tokenguard-allow");
	if (allow == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	/*
	 * An allow file in a directory this user cannot search, or one it
	 * cannot read, is no reason not to scan: without it more is
	 * reported, not less. The walk names what it cannot read.
	 */
	if (faccessat(AT_FDCWD, allow, R_OK, AT_EACCESS) < 0 &&
	    errno == EACCES)
		path_message(allow, "warning: %s: its allowlist does not apply",
		    strerror(EACCES));
	else if (config_read_allow_file(&set.cfg, allow, e) < 0)
		goto out;
	if (o->have_max)
		set.cfg.max_file_size = o->max;
	if (scanner_new(&c->scanner, &set.cfg, e) < 0)
		goto out;
	c->max = scanner_max_file_size(c->scanner);
	rc = 0;
out:
	free(allow);
	settings_release(&set);
	return rc;
}

/*
 * The key of dir's context: "repo:" and the git dir of the repository
 * holding dir, or "dir:" and dir. malloc'd; NULL when out of memory.
 */
static char *
context_key(const char *dir)
{
	git_buf gitdir = { 0 };
	char *key;

	if (git_repository_discover(&gitdir, dir, 0, NULL) < 0)
		return concat("dir:", dir);
	key = concat("repo:", gitdir.ptr);
	git_buf_dispose(&gitdir);
	return key;
}

static ssize_t
context_find(const struct run *r, const char *key)
{
	for (size_t i = 0; i < r->nctx; i++) {
		if (strcmp(r->ctx[i].key, key) == 0)
			return (ssize_t)i;
	}
	return -1;
}

/* Finds or makes the context for dir; its index goes to *out. */
static int
context_for(size_t *out, struct run *r, const char *dir, struct err *e)
{
	struct context c = { 0 }, *nv;
	bool in_repo = false;
	ssize_t found;
	char *key;
	int rc = -1;

	key = context_key(dir);
	if (key == NULL)
		return err_set(e, "out of memory");
	found = context_find(r, key);
	if (found >= 0) {
		*out = (size_t)found;
		rc = 0;
		goto out;
	}
	if (context_load(&c, &in_repo, r->o, dir, e) < 0)
		goto out;
	/*
	 * A repository whose config was not read (not ours, or bare) is no
	 * context for other directories: their allow files differ.
	 */
	if (!in_repo && strncmp(key, "repo:", 5) == 0) {
		free(key);
		key = concat("dir:", dir);
	}
	nv = key != NULL ? realloc(r->ctx, (r->nctx + 1) * sizeof(*nv)) :
	    NULL;
	if (nv == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	r->ctx = nv;
	c.key = key;
	key = NULL;
	r->ctx[r->nctx] = c;
	c.scanner = NULL;
	*out = r->nctx++;
	rc = 0;
out:
	scanner_free(c.scanner);
	free(key);
	return rc;
}

/*
 * Sets up the context of every PATH (or of the implicit one), before
 * anything is scanned: a bad configuration stops the scan before it
 * starts, and a SARIF log lists every rule in use up front.
 */
static int
contexts_load(struct run *r, struct err *e)
{
	const struct opts *o = r->o;
	size_t n = o->npaths != 0 && !o->git ? o->npaths : 1;
	char *dir = NULL, *last = NULL;
	size_t last_ctx = 0;
	int rc = -1;

	r->arg_ctx = calloc(n, sizeof(*r->arg_ctx));
	if (r->arg_ctx == NULL)
		return err_set(e, "out of memory");
	for (size_t i = 0; i < n; i++) {
		dir = config_dir(o->npaths != 0 && !o->git ? o->paths[i] :
		    ".");
		if (dir == NULL) {
			err_set(e, "out of memory");
			goto out;
		}
		/* Arguments from one directory often come in a row. */
		if (last == NULL || strcmp(dir, last) != 0) {
			if (context_for(&last_ctx, r, dir, e) < 0)
				goto out;
			free(last);
			last = dir;
			dir = NULL;
		}
		r->arg_ctx[i] = last_ctx;
		free(dir);
		dir = NULL;
	}
	rc = 0;
out:
	free(dir);
	free(last);
	return rc;
}

static void
contexts_free(struct run *r)
{
	for (size_t i = 0; i < r->nctx; i++) {
		scanner_free(r->ctx[i].scanner);
		free(r->ctx[i].key);
	}
	free(r->ctx);
	free(r->arg_ctx);
	r->ctx = NULL;
	r->arg_ctx = NULL;
	r->nctx = 0;
}

/*
 * Every rule of every context, each id once: the rules a SARIF log
 * declares. *out is malloc'd; its strings are borrowed from the
 * scanners.
 */
static int
all_rules(struct scan_rule_info **out, size_t *n, const struct run *r,
    struct err *e)
{
	struct scan_rule_info *v = NULL, *nv;
	const struct scan_rule_info *ri;
	size_t cnt = 0;
	bool seen;

	for (size_t c = 0; c < r->nctx; c++) {
		for (size_t i = 0; i < scanner_rule_count(r->ctx[c].scanner);
		    i++) {
			ri = scanner_rule(r->ctx[c].scanner, i);
			seen = false;
			for (size_t k = 0; k < cnt && !seen; k++)
				seen = strcmp(v[k].id, ri->id) == 0;
			if (seen)
				continue;
			nv = realloc(v, (cnt + 1) * sizeof(*nv));
			if (nv == NULL) {
				free(v);
				return err_set(e, "out of memory");
			}
			v = nv;
			v[cnt++] = *ri;
		}
	}
	*out = v;
	*n = cnt;
	return 0;
}

/* Prints the SARIF text that comes before the results; *tail the rest. */
static int
sarif_begin(char **tail, struct run *r, struct err *e)
{
	struct scan_rule_info *rules = NULL;
	json_t *log = NULL;
	char *head = NULL;
	size_t n = 0;
	int rc = -1;

	if (all_rules(&rules, &n, r, e) < 0)
		return -1;
	if (report_sarif_new(&log, rules, n, e) < 0 ||
	    report_sarif_split(&head, tail, log, e) < 0)
		goto out;
	put(r, head);
	r->sarif_first = true;
	rc = 0;
out:
	free(head);
	json_decref(log);
	free(rules);
	return rc;
}

/* Whether the values set aside were listed (option or setting). */
static bool
dummies_listed(const struct run *r)
{
	for (size_t i = 0; i < r->nctx; i++) {
		if ((r->ctx[i].scan_flags & SCAN_REPORT_DUMMIES) != 0)
			return true;
	}
	return r->o->show_dummies;
}

static void
summary(const struct run *r)
{
	char detail[256];
	int n;

	n = snprintf(detail, sizeof(detail), "%zu file%s scanned", r->scanned,
	    r->scanned == 1 ? "" : "s");
	if (r->skipped > 0 && n > 0 && (size_t)n < sizeof(detail))
		n += snprintf(detail + n, sizeof(detail) - (size_t)n,
		    ", %zu skipped", r->skipped);
	if (r->errors > 0 && n > 0 && (size_t)n < sizeof(detail))
		n += snprintf(detail + n, sizeof(detail) - (size_t)n,
		    ", %zu error%s", r->errors, r->errors == 1 ? "" : "s");
	if (r->specials > 0 && n > 0 && (size_t)n < sizeof(detail))
		(void)snprintf(detail + n, sizeof(detail) - (size_t)n,
		    ", %zu special file%s not read", r->specials,
		    r->specials == 1 ? "" : "s");
	if (r->findings == 0)
		fprintf(stderr, PROG ": no findings (%s)\n", detail);
	else
		fprintf(stderr, PROG ": %zu finding%s in %zu file%s (%s)\n",
		    r->findings, r->findings == 1 ? "" : "s", r->files_found,
		    r->files_found == 1 ? "" : "s", detail);
	if (r->dummies > 0)
		fprintf(stderr, PROG ": %zu made-up value%s set aside (test "
		    "dummies, example hosts, textbook passwords)%s\n",
		    r->dummies, r->dummies == 1 ? "" : "s",
		    dummies_listed(r) ? "" : "; --show-dummies lists them");
}

/*
 * Ends the output: the SARIF log's tail (tail; NULL for other formats)
 * after a scan that ran to its end, then whatever is still buffered.
 */
static void
end_output(struct run *r, const char *tail, int rc)
{
	if (tail != NULL && rc == 0) {
		put(r, r->sarif_first ? "" : "\n");
		put(r, tail);
		put(r, "\n");
	}
	flush(r);
}

/* The exit status of a scan that has ended. */
static int
verdict(const struct run *r)
{
	if (r->trouble)
		return EXIT_TROUBLE;
	return r->findings > 0 ? EXIT_FOUND : EXIT_CLEAN;
}

/* Runs the scan proper, once the contexts are set up. */
static int
scan(struct run *r)
{
	struct err e = { 0 };
	char *tail = NULL;
	int rc;

	if (pipeline_new(&r->pipe, r->o->jobs, emit, r, &e) < 0)
		return cli_error("%s", e.msg);
	if (r->o->format == FORMAT_SARIF && sarif_begin(&tail, r, &e) < 0) {
		pipeline_free(r->pipe);
		return cli_error("%s", e.msg);
	}
	start_progress(r);
	rc = r->o->image ? feed_images(r) : feed(r);
	pipeline_free(r->pipe);
	r->pipe = NULL;
	end_output(r, tail, rc);
	free(tail);
	if (!r->out_failed && !r->o->quiet)
		summary(r);
	return verdict(r);
}

/* The tips and hidden commits of a --git scan. */
struct revs {
	struct gitsrc_tip *tips;
	char **names;		/* the tips' refs, owned */
	size_t ntips;
	size_t cap;		/* of tips and names */
	git_oid *hide;
	size_t nhide;
};

static void
revs_release(struct revs *v)
{
	for (size_t i = 0; i < v->ntips; i++)
		free(v->names[i]);
	free(v->names);
	free(v->tips);
	free(v->hide);
}

static int
revs_tip(struct revs *v, const char *name, const git_oid *id, struct err *e)
{
	struct gitsrc_tip *nt = v->tips;
	char **nn = v->names;
	size_t cap = v->cap != 0 ? 2 * v->cap : 64;

	/* Doubling: a repository may have 100,000 refs. */
	if (v->ntips == v->cap) {
		nt = realloc(v->tips, cap * sizeof(*nt));
		if (nt == NULL)
			return err_set(e, "out of memory");
		v->tips = nt;
		nn = realloc(v->names, cap * sizeof(*nn));
		if (nn == NULL)
			return err_set(e, "out of memory");
		v->names = nn;
		v->cap = cap;
	}
	nn[v->ntips] = strdup(name);
	if (nn[v->ntips] == NULL)
		return err_set(e, "out of memory");
	git_oid_cpy(&nt[v->ntips].id, id);
	/* The names do not move (realloc copies the pointers to them). */
	nt[v->ntips].ref = nn[v->ntips];
	v->ntips++;
	return 0;
}

static int
revs_hide(struct revs *v, const git_oid *id, struct err *e)
{
	git_oid *nv = realloc(v->hide, (v->nhide + 1) * sizeof(*nv));

	if (nv == NULL)
		return err_set(e, "out of memory");
	v->hide = nv;
	git_oid_cpy(&nv[v->nhide++], id);
	return 0;
}

static int
git_fail(struct err *e, const char *what)
{
	return err_set(e, "%s: %s", what, git_error_last() != NULL ?
	    git_error_last()->message : "libgit2 error");
}

/* Every ref (refs/...) as a tip; symbolic refs resolved. */
static int
revs_all(struct revs *v, git_repository *repo, struct err *e)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL, *res = NULL;
	int rc = -1, n;

	if (git_reference_iterator_glob_new(&it, repo, "refs/*") < 0)
		return git_fail(e, "listing refs");
	while ((n = git_reference_next(&ref, it)) == 0) {
		if (git_reference_resolve(&res, ref) < 0) {
			err_set(e, "ref '%s': %s", git_reference_name(ref),
			    git_error_last() != NULL ?
			    git_error_last()->message : "libgit2 error");
			goto out;
		}
		if (revs_tip(v, git_reference_name(ref),
		    git_reference_target(res), e) < 0)
			goto out;
		git_reference_free(res);
		res = NULL;
		git_reference_free(ref);
		ref = NULL;
	}
	if (n != GIT_ITEROVER) {
		git_fail(e, "listing refs");
		goto out;
	}
	if (v->ntips == 0)
		err_set(e, "the repository has no refs: nothing to scan (name "
		    "a revision)");
	else
		rc = 0;
out:
	git_reference_free(res);
	git_reference_free(ref);
	git_reference_iterator_free(it);
	return rc;
}

/* The full name of a ref that arg names, else arg. malloc'd. */
static char *
tip_name(git_repository *repo, const char *arg)
{
	git_reference *ref = NULL;
	char *name;

	if (git_reference_dwim(&ref, repo, arg) == 0) {
		name = strdup(git_reference_name(ref));
		git_reference_free(ref);
		return name;
	}
	return strdup(arg);
}

/* One REV-RANGE argument: A..B, ^A, or B. */
static int
revs_arg(struct revs *v, git_repository *repo, const char *arg,
    struct err *e)
{
	git_revspec spec;
	const char *to = arg;
	char *name = NULL;
	int rc = -1;

	memset(&spec, 0, sizeof(spec));
	if (arg[0] == '^') {
		if (git_revparse_single(&spec.from, repo, arg + 1) < 0)
			return err_set(e, "revision '%s': %s", arg,
			    git_error_last() != NULL ?
			    git_error_last()->message : "libgit2 error");
		rc = revs_hide(v, git_object_id(spec.from), e);
		git_object_free(spec.from);
		return rc;
	}
	if (git_revparse(&spec, repo, arg) < 0)
		return err_set(e, "revision '%s': %s", arg, git_error_last() !=
		    NULL ? git_error_last()->message : "libgit2 error");
	if ((spec.flags & GIT_REVSPEC_MERGE_BASE) != 0) {
		err_set(e, "revision '%s': A...B is not supported (use A..B)",
		    arg);
		goto out;
	}
	if ((spec.flags & GIT_REVSPEC_RANGE) != 0) {
		const char *dots = strstr(arg, "..");

		if (spec.from != NULL &&
		    revs_hide(v, git_object_id(spec.from), e) < 0)
			goto out;
		to = dots != NULL && dots[2] != '\0' ? dots + 2 : "HEAD";
		if (spec.to == NULL) {
			err_set(e, "revision '%s': no end", arg);
			goto out;
		}
	}
	name = tip_name(repo, to);
	if (name == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	rc = revs_tip(v, name, git_object_id((spec.flags &
	    GIT_REVSPEC_RANGE) != 0 ? spec.to : spec.from), e);
out:
	free(name);
	git_object_free(spec.from);
	git_object_free(spec.to);
	return rc;
}

struct gitscan {
	struct run *r;
	const struct gitsrc_item *it;
	char commit[GIT_OID_HEXSZ + 1];
	struct err *e;
};

static int
git_hit(const struct finding *f, void *payload)
{
	struct gitscan *g = payload;
	struct finding c = *f;

	c.commit = g->commit;
	g->r->ref = g->it->ref;
	hide_progress(g->r);
	if (print_finding(g->r, &c) < 0)
		return err_set(g->e, "out of memory");
	if (f->dummy == NULL)
		g->r->findings++;
	return g->r->out_failed ? 1 : 0;
}

static int
git_item(const struct gitsrc_item *it, void *payload)
{
	struct gitscan *g = payload;
	struct run *r = g->r;
	const struct context *c = &r->ctx[r->arg_ctx[0]];
	struct scan_origin origin = { NULL, g->commit };
	struct scan_stats st = { 0 };
	git_blob *blob = NULL;
	uint64_t size;
	size_t before = r->findings;
	int rc;

	g->it = it;
	git_oid_tostr(g->commit, sizeof(g->commit), &it->commit);
	if (it->kind == GITSRC_ITEM_COMMIT) {
		r->commits = it->commits_done;
		r->commits_total = it->commits_total;
	}
	if (it->kind != GITSRC_ITEM_BLOB) {
		origin.path = it->kind == GITSRC_ITEM_TAG ? "(tag message)" :
		    "(commit message)";
		rc = scanner_scan(c->scanner, &st, &origin, it->message,
		    it->message_len, SCAN_FORCE_TEXT | c->scan_flags, git_hit,
		    g, g->e);
		goto out;
	}
	origin.path = it->path;
	if (gitsrc_object_size(&size, r->repo, &it->id, g->e) < 0)
		return -1;
	if (size > c->max) {
		char *where = NULL;

		r->skipped++;
		if (c->skip_is_trouble)
			r->trouble = true;
		hide_progress(r);
		if (report_escape(&where, it->path, NULL) < 0)
			where = NULL;
		fprintf(stderr, PROG ": %.12s:%s: skipped: %llu bytes, over "
		    "the %llu-byte limit (%s)\n", g->commit,
		    where != NULL ? where : "?", (unsigned long long)size,
		    (unsigned long long)c->max, r->o->have_max ?
		    "--max-file-size" : "tokenguard.maxFileSize");
		free(where);
		return 0;
	}
	if (gitsrc_blob(&blob, r->repo, &it->id, g->e) < 0)
		return -1;
	rc = scanner_scan(c->scanner, &st, &origin, git_blob_rawcontent(blob),
	    (size_t)git_blob_rawsize(blob), c->scan_flags, git_hit, g, g->e);
	git_blob_free(blob);
	r->scanned++;
	r->bytes += size;
out:
	r->dummies += st.dummies;
	if (r->findings > before) {
		r->files_found++;
		flush(r);
	}
	show_progress(r);
	return rc;
}

/* tokenguard scan --git [REV-RANGE...]: the history, on this thread. */
static int
gitscan(struct run *r)
{
	struct gitsrc_history_stats st = { 0 };
	struct revs v = { 0 };
	struct gitscan g = { 0 };
	struct err e = { 0 };
	char *tail = NULL;
	int rc;

	g.r = r;
	g.e = &e;
	if (gitsrc_open(&r->repo, &e) < 0)
		return cli_error("%s", e.msg);
	rc = r->o->npaths == 0 ? revs_all(&v, r->repo, &e) : 0;
	for (size_t i = 0; i < r->o->npaths && rc == 0; i++)
		rc = revs_arg(&v, r->repo, r->o->paths[i], &e);
	if (rc == 0 && v.ntips == 0)
		rc = err_set(&e, "no revision to scan, only exclusions");
	if (rc < 0) {
		rc = cli_error("%s", e.msg);
		goto out;
	}
	if (r->o->format == FORMAT_SARIF && sarif_begin(&tail, r, &e) < 0) {
		rc = cli_error("%s", e.msg);
		goto out;
	}
	start_progress(r);
	rc = gitsrc_history(&st, r->repo, v.tips, v.ntips, v.hide, v.nhide,
	    0, git_item, &g, &e);
	hide_progress(r);
	if (rc < 0) {
		cli_error("%s", e.msg);
		r->trouble = true;
	}
	end_output(r, tail, rc);
	if (!r->out_failed && !r->o->quiet) {
		if (r->findings == 0)
			fputs(PROG ": no findings (", stderr);
		else
			fprintf(stderr, PROG ": %zu finding%s (", r->findings,
			    r->findings == 1 ? "" : "s");
		fprintf(stderr, "%zu commit%s, %zu blob%s, %zu tag%s scanned",
		    st.commits,
		    st.commits == 1 ? "" : "s", r->scanned, r->scanned == 1 ?
		    "" : "s", st.tags, st.tags == 1 ? "" : "s");
		if (r->skipped > 0)
			fprintf(stderr, ", %zu skipped", r->skipped);
		fputs(")\n", stderr);
	}
	rc = verdict(r);
out:
	free(tail);
	revs_release(&v);
	git_repository_free(r->repo);
	r->repo = NULL;
	return rc;
}

int
scancmd_run(int argc, char **argv)
{
	struct opts o;
	struct run r = { 0 };
	struct err e = { 0 };
	int rc;

	rc = parse_opts(&o, argc, argv);
	if (rc >= 0)
		return rc;
	r.o = &o;
	if (contexts_load(&r, &e) < 0)
		rc = cli_error("%s", e.msg);
	else if (o.git)
		rc = gitscan(&r);
	else
		rc = scan(&r);
	contexts_free(&r);
	return rc;
}

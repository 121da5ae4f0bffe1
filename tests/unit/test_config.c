/*
 * test_config: the engine's settings from git-config syntax, read with
 * real libgit2 from throwaway files and repositories in a scratch
 * directory: defaults, every key, several allow values, rule sections,
 * the order of the levels (system < global < repository < --config),
 * malformed values named in the error, and allow files.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <git2.h>

#include "config.h"
#include "finding.h"
#include "support.h"

/* The scratch directory, and the isolated system and global levels. */
static char scratch[] = "/tmp/tg-test-config.XXXXXX";
static char sysdir[256];
static char globaldir[256];
static char xdgdir[256];
static unsigned serial;

/* scratch + "/" + name, in a static buffer per call site's needs. */
static void
path_of(char *out, size_t size, const char *name)
{
	support_path(out, size, scratch, name);
}

static void
append_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "a");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void
make_dir(const char *path)
{
	assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
}

/* Removes a tree the tests made, without following links. */
static void
remove_tree(const char *path)
{
	assert_int_equal(support_remove_tree(path), 0);
}

/* A fresh path under the scratch directory for a config file. */
static void
fresh(char *out, size_t size, const char *what)
{
	char name[64];

	(void)snprintf(name, sizeof(name), "%s-%u", what, serial++);
	path_of(out, size, name);
}

/* Writes text to a fresh file and reads it as the --config level. */
static int
load(struct config *c, const char *text, struct err *e)
{
	char file[512];
	git_config *cfg = NULL;
	int rc;

	fresh(file, sizeof(file), "cfg");
	support_write_file(file, text);
	config_init(c);
	rc = config_open(&cfg, NULL, NULL, NULL, file, e);
	if (rc == 0)
		rc = config_read(c, cfg, e);
	git_config_free(cfg);
	return rc;
}

/* What git's configuration depends on besides HOME. */
static const char *const GIT_VARS[] = {
	"GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_GLOBAL",
	"GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "GIT_DIR",
	"GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_CONFIG",
};

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(scratch) == NULL)
		return -1;
	(void)snprintf(sysdir, sizeof(sysdir), "%s/system", scratch);
	(void)snprintf(globaldir, sizeof(globaldir), "%s/global", scratch);
	(void)snprintf(xdgdir, sizeof(xdgdir), "%s/xdg", scratch);
	if (mkdir(sysdir, 0755) < 0 || mkdir(globaldir, 0755) < 0 ||
	    mkdir(xdgdir, 0755) < 0)
		return -1;
	if (git_libgit2_init() < 0)
		return -1;
	/*
	 * Nothing of the machine's or the user's git config gets in: the
	 * global files are found from HOME and XDG_CONFIG_HOME, as git
	 * finds them, and the system file from libgit2's search path.
	 */
	if (git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_SYSTEM,
	    sysdir) < 0 ||
	    git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_GLOBAL,
	    globaldir) < 0 ||
	    git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_XDG,
	    xdgdir) < 0 ||
	    git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH,
	    GIT_CONFIG_LEVEL_PROGRAMDATA, sysdir) < 0)
		return -1;
	if (setenv("HOME", globaldir, 1) < 0 ||
	    setenv("XDG_CONFIG_HOME", xdgdir, 1) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(GIT_VARS) / sizeof(GIT_VARS[0]); i++) {
		if (unsetenv(GIT_VARS[i]) < 0)
			return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	git_libgit2_shutdown();
	remove_tree(scratch);
	return 0;
}

static void
test_defaults(void **state)
{
	struct config c;
	struct err e = { 0 };
	git_config *cfg = NULL;
	char *root = (char *)"unset";

	(void)state;
	config_init(&c);
	assert_true(c.checksum);
	assert_true(c.inline_allow);
	assert_int_equal(c.max_file_size, CONFIG_DEFAULT_MAX_FILE_SIZE);
	assert_int_equal(c.max_file_size, 64ULL << 20);
	/* Outside any repository, with nothing configured. */
	assert_int_equal(config_open(&cfg, &root, NULL, scratch, NULL, &e), 0);
	assert_null(root);
	assert_int_equal(config_read(&c, cfg, &e), 0);
	assert_true(c.checksum);
	assert_true(c.inline_allow);
	assert_int_equal(c.max_file_size, 64ULL << 20);
	assert_int_equal(c.nallow, 0);
	assert_int_equal(c.nrules, 0);
	git_config_free(cfg);
	config_release(&c);
	/* Released twice, and with NULL dir: still fine. */
	config_release(&c);
	assert_int_equal(config_open(&cfg, NULL, NULL, NULL, NULL, &e), 0);
	git_config_free(cfg);
}

static const struct key_case {
	const char *text;
	bool checksum;
	bool inline_allow;
	uint64_t max;
} key_cases[] = {
	{ "", true, true, 64ULL << 20 },
	{ "[tokenguard]\n\tchecksum = false\n", false, true, 64ULL << 20 },
	{ "[tokenguard]\n\tchecksum = no\n", false, true, 64ULL << 20 },
	{ "[tokenguard]\n\tchecksum = 0\n", false, true, 64ULL << 20 },
	{ "[tokenguard]\n\tchecksum = true\n", true, true, 64ULL << 20 },
	/* A key without a value is true, as in git. */
	{ "[tokenguard]\n\tchecksum\n", true, true, 64ULL << 20 },
	{ "[tokenguard]\n\tinlineAllow = off\n", true, false, 64ULL << 20 },
	{ "[TokenGuard]\n\tINLINEALLOW = false\n", true, false, 64ULL << 20 },
	{ "[tokenguard]\n\tmaxFileSize = 123\n", true, true, 123 },
	{ "[tokenguard]\n\tmaxfilesize = 10k\n", true, true, 10240 },
	{ "[tokenguard]\n\tmaxFileSize = 2M\n", true, true, 2ULL << 20 },
	{ "[tokenguard]\n\tmaxFileSize = 1g\n", true, true, 1ULL << 30 },
	{ "[tokenguard]\n\tmaxFileSize = 0\n", true, true, 0 },
	/* The last value of a key wins. */
	{ "[tokenguard]\n\tmaxFileSize = 1k\n\tmaxFileSize = 2k\n", true, true,
	    2048 },
	/* Unknown keys are other programs' business. */
	{ "[tokenguard]\n\tonSkip = error\n\tfuture = x\n[other]\n\tk = v\n",
	    true, true, 64ULL << 20 },
};

static void
test_keys(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(key_cases) / sizeof(key_cases[0]);
	    i++) {
		const struct key_case *k = &key_cases[i];
		struct config c;
		struct err e = { 0 };

		if (load(&c, k->text, &e) != 0)
			fail_msg("case %zu: %s", i, e.msg);
		assert_int_equal(c.checksum, k->checksum);
		assert_int_equal(c.inline_allow, k->inline_allow);
		assert_int_equal(c.max_file_size, k->max);
		config_release(&c);
	}
}

static const char FP_A[] = "sha256:"
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
static const char FP_B[] = "sha256:"
    "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
static const char FP_C[] = "sha256:"
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static void
test_allow_multivar(void **state)
{
	char text[512];
	struct config c;
	struct err e = { 0 };

	(void)state;
	(void)snprintf(text, sizeof(text),
	    "[tokenguard]\n\tallow = %s\n\tallow = %s\n[tokenguard]\n"
	    "\tallow = \"%s\"\n", FP_A, FP_B, FP_C);
	assert_int_equal(load(&c, text, &e), 0);
	assert_int_equal(c.nallow, 3);
	assert_string_equal(c.allow[0], FP_A);
	assert_string_equal(c.allow[1], FP_B);
	assert_string_equal(c.allow[2], FP_C);
	/* Reading again adds on top of what is there. */
	assert_int_equal(config_add_allow(&c, FP_A, &e), 0);
	assert_int_equal(c.nallow, 4);
	assert_int_equal(config_add_allow(&c, "sha256:abc", &e), -1);
	assert_non_null(strstr(e.msg, "bad fingerprint"));
	assert_int_equal(c.nallow, 4);
	config_release(&c);
	assert_int_equal(c.nallow, 0);
	assert_null(c.allow);
}

static void
test_rules(void **state)
{
	struct config c;
	struct err e = { 0 };
	struct user_rule *r;

	(void)state;
	assert_int_equal(load(&c,
	    "[rule \"corp-token\"]\n"
	    "\tpattern = corp_[a-z0-9]{32}\n"
	    "\tdescription = corp token: revoke it\n"
	    "\tkeyword = corp_\n"
	    "\tkeyword = CORP_\n"
	    "[rule \"Mixed.Case\"]\n"
	    "\tPattern = \"x\\\\d+\"\n"
	    "[rule \"corp-token\"]\n"
	    "\tkeyword = third\n", &e), 0);
	assert_int_equal(c.nrules, 2);
	r = &c.rules[0];
	assert_string_equal(r->id, "corp-token");
	assert_string_equal(r->pattern, "corp_[a-z0-9]{32}");
	assert_string_equal(r->description, "corp token: revoke it");
	assert_int_equal(r->nkeywords, 3);
	assert_string_equal(r->keywords[0], "corp_");
	assert_string_equal(r->keywords[1], "CORP_");
	assert_string_equal(r->keywords[2], "third");
	/* Subsection names keep their case and dots. */
	r = &c.rules[1];
	assert_string_equal(r->id, "Mixed.Case");
	assert_string_equal(r->pattern, "x\\d+");
	assert_null(r->description);
	assert_int_equal(r->nkeywords, 0);
	config_release(&c);
	assert_int_equal(c.nrules, 0);
}

static const struct bad_case {
	const char *text;
	const char *msg;	/* the whole message, or a part of it */
	bool whole;
} bad_cases[] = {
	{ "[tokenguard]\n\tchecksum = maybe\n",
	    "config 'tokenguard.checksum': bad boolean 'maybe'", true },
	{ "[tokenguard]\n\tinlineAllow = 2x\n",
	    "config 'tokenguard.inlineAllow': bad boolean '2x'", true },
	{ "[tokenguard]\n\tmaxFileSize = abc\n",
	    "config 'tokenguard.maxFileSize': bad size 'abc'", true },
	{ "[tokenguard]\n\tmaxFileSize = 10x\n",
	    "config 'tokenguard.maxFileSize': bad size '10x'", true },
	{ "[tokenguard]\n\tmaxFileSize = -1\n",
	    "config 'tokenguard.maxFileSize': bad size '-1'", true },
	{ "[tokenguard]\n\tmaxFileSize = 1.5m\n",
	    "config 'tokenguard.maxFileSize': bad size '1.5m'", true },
	{ "[tokenguard]\n\tmaxFileSize\n",
	    "config 'tokenguard.maxFileSize': bad size ''", true },
	{ "[tokenguard]\n\tallow = sha256:abc\n",
	    "config 'tokenguard.allow': bad fingerprint", false },
	{ "[tokenguard]\n\tallow = SHA256:00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff\n",
	    "config 'tokenguard.allow': bad fingerprint", false },
	{ "[tokenguard]\n\tallow = sha256:00112233445566778899AABBCCDDEEFF"
	    "00112233445566778899aabbccddeeff\n",
	    "config 'tokenguard.allow': bad fingerprint", false },
	{ "[tokenguard]\n\tallow\n",
	    "config 'tokenguard.allow': bad fingerprint", false },
	{ "[rule \"lonely\"]\n\tdescription = no pattern here\n",
	    "config 'rule.lonely': no pattern", true },
	{ "[rule \"kw\"]\n\tkeyword = x\n",
	    "config 'rule.kw': no pattern", true },
	{ "[rule \"empty\"]\n\tpattern =\n",
	    "config 'rule.empty': no pattern", true },
	{ "[rule \"kw2\"]\n\tpattern = x\n\tkeyword =\n",
	    "config 'rule.kw2.keyword': empty value", true },
};

static void
test_bad_values(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]);
	    i++) {
		const struct bad_case *b = &bad_cases[i];
		struct config c;
		struct err e = { 0 };

		if (load(&c, b->text, &e) != -1)
			fail_msg("case %zu: no error", i);
		if (b->whole ? strcmp(e.msg, b->msg) != 0 :
		    strstr(e.msg, b->msg) == NULL)
			fail_msg("case %zu: message '%s'", i, e.msg);
		config_release(&c);
	}
}

/* A pasted secret in place of a fingerprint is not echoed back. */
static void
test_bad_fingerprint_not_shown(void **state)
{
	static const char secret[] = "npm_notarealtokenbutlongenoughtoshow";
	char text[256];
	struct config c;
	struct err e = { 0 };

	(void)state;
	(void)snprintf(text, sizeof(text), "[tokenguard]\n\tallow = %s\n",
	    secret);
	assert_int_equal(load(&c, text, &e), -1);
	assert_null(strstr(e.msg, "notarealtoken"));
	config_release(&c);
}

static const struct size_case {
	const char *s;
	int rc;
	uint64_t want;
} size_cases[] = {
	{ "0", 0, 0 },
	{ "1", 0, 1 },
	{ "1k", 0, 1024 },
	{ "1K", 0, 1024 },
	{ "64m", 0, 64ULL << 20 },
	{ "64M", 0, 64ULL << 20 },
	{ "3g", 0, 3ULL << 30 },
	{ "18446744073709551615", 0, UINT64_MAX },
	{ "17179869183g", 0, 17179869183ULL << 30 },
	{ "17179869184g", -1, 0 },
	{ "18446744073709551616", -1, 0 },
	{ "", -1, 0 },
	{ "k", -1, 0 },
	{ "1kb", -1, 0 },
	{ "1t", -1, 0 },
	{ " 1", -1, 0 },
	{ "1 ", -1, 0 },
	{ "+1", -1, 0 },
	{ "-1", -1, 0 },
	{ "0x10", -1, 0 },
	{ "1.5", -1, 0 },
};

static void
test_parse_size(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(size_cases) / sizeof(size_cases[0]);
	    i++) {
		uint64_t v = 42;
		int rc = config_parse_size(&v, size_cases[i].s);

		if (rc != size_cases[i].rc)
			fail_msg("'%s': rc %d", size_cases[i].s, rc);
		assert_int_equal(v, rc == 0 ? size_cases[i].want : 42);
	}
	assert_int_equal(config_parse_size(&(uint64_t){ 0 }, NULL), -1);
}

/* Makes a repository at scratch/name and returns its path. */
static void
make_repo(char *out, size_t size, const char *name, bool bare)
{
	git_repository *repo = NULL;

	path_of(out, size, name);
	assert_int_equal(git_repository_init(&repo, out, bare), 0);
	git_repository_free(repo);
}

/*
 * The levels, lowest first: system, global, repository, --config. Each
 * sets maxFileSize; the highest present wins, and allow values add up.
 */
static void
test_levels(void **state)
{
	char repo[256], sub[512], cfgpath[512], file[512], want[PATH_MAX];
	char text[256], *root = NULL;
	git_config *cfg = NULL;
	struct config c;
	struct err e = { 0 };

	(void)state;
	make_repo(repo, sizeof(repo), "levels", false);
	(void)snprintf(sub, sizeof(sub), "%s/a", repo);
	make_dir(sub);
	(void)snprintf(sub, sizeof(sub), "%s/a/b", repo);
	make_dir(sub);
	(void)snprintf(cfgpath, sizeof(cfgpath), "%s/gitconfig", sysdir);
	(void)snprintf(text, sizeof(text), "[tokenguard]\n\tmaxFileSize = 1k\n"
	    "\tchecksum = false\n\tallow = %s\n", FP_A);
	support_write_file(cfgpath, text);
	(void)snprintf(cfgpath, sizeof(cfgpath), "%s/.gitconfig", globaldir);
	(void)snprintf(text, sizeof(text), "[tokenguard]\n\tmaxFileSize = 2k\n"
	    "\tallow = %s\n", FP_B);
	support_write_file(cfgpath, text);
	(void)snprintf(cfgpath, sizeof(cfgpath), "%s/.git/config", repo);
	append_file(cfgpath, "[tokenguard]\n\tmaxFileSize = 3k\n"
	    "\tchecksum = true\n");
	fresh(file, sizeof(file), "app");
	(void)snprintf(text, sizeof(text), "[tokenguard]\n\tallow = %s\n",
	    FP_C);
	support_write_file(file, text);

	/* From a subdirectory of the repository, without --config. */
	config_init(&c);
	assert_int_equal(config_open(&cfg, &root, NULL, sub, NULL, &e), 0);
	assert_int_equal(config_read(&c, cfg, &e), 0);
	assert_int_equal(c.max_file_size, 3072);
	assert_true(c.checksum);
	assert_int_equal(c.nallow, 2);
	assert_non_null(root);
	assert_non_null(realpath(repo, want));
	assert_string_equal(root, want);
	free(root);
	root = NULL;
	git_config_free(cfg);
	config_release(&c);

	/* With --config on top. */
	(void)snprintf(text, sizeof(text), "[tokenguard]\n\tallow = %s\n"
	    "\tmaxFileSize = 4k\n", FP_C);
	support_write_file(file, text);
	config_init(&c);
	assert_int_equal(config_open(&cfg, &root, NULL, repo, file, &e), 0);
	assert_int_equal(config_read(&c, cfg, &e), 0);
	assert_int_equal(c.max_file_size, 4096);
	assert_int_equal(c.nallow, 3);
	free(root);
	git_config_free(cfg);
	config_release(&c);

	/* Outside the repository: system and global only. */
	config_init(&c);
	root = NULL;
	assert_int_equal(config_open(&cfg, &root, NULL, sysdir, NULL, &e), 0);
	assert_null(root);
	assert_int_equal(config_read(&c, cfg, &e), 0);
	assert_int_equal(c.max_file_size, 2048);
	assert_false(c.checksum);
	git_config_free(cfg);
	config_release(&c);

	remove_tree(repo);
	(void)snprintf(cfgpath, sizeof(cfgpath), "%s/gitconfig", sysdir);
	assert_int_equal(unlink(cfgpath), 0);
	(void)snprintf(cfgpath, sizeof(cfgpath), "%s/.gitconfig", globaldir);
	assert_int_equal(unlink(cfgpath), 0);
}

/*
 * Opens the configuration seen from dir and returns maxFileSize (0 when
 * the open fails, with e set); notes may be NULL.
 */
static uint64_t
max_size(const char *dir, struct config_notes *notes, struct err *e)
{
	git_config *cfg = NULL;
	struct config c;
	uint64_t v = 0;

	config_init(&c);
	if (config_open(&cfg, NULL, notes, dir, NULL, e) == 0 &&
	    config_read(&c, cfg, e) == 0)
		v = c.max_file_size;
	git_config_free(cfg);
	config_release(&c);
	return v;
}

static void
set_size(const char *path, const char *size)
{
	char text[128];

	(void)snprintf(text, sizeof(text), "[tokenguard]\n\tmaxFileSize = %s\n",
	    size);
	support_write_file(path, text);
}

/*
 * git's rules for which files and variables count: GIT_CONFIG_NOSYSTEM,
 * GIT_CONFIG_SYSTEM, GIT_CONFIG_GLOBAL, XDG below ~/.gitconfig, the
 * worktree's config.worktree, then GIT_CONFIG_COUNT and
 * GIT_CONFIG_PARAMETERS above the repository's config.
 */
static void
test_git_levels(void **state)
{
	char repo[256], sys[512], alt[512], glob[512], xdg[512], local[512];
	char wt[512], other[512];
	struct config_notes notes;
	struct err e = { 0 };

	(void)state;
	make_repo(repo, sizeof(repo), "gitlevels", false);
	(void)snprintf(sys, sizeof(sys), "%s/gitconfig", sysdir);
	(void)snprintf(glob, sizeof(glob), "%s/.gitconfig", globaldir);
	(void)snprintf(xdg, sizeof(xdg), "%s/git", xdgdir);
	make_dir(xdg);
	(void)snprintf(xdg, sizeof(xdg), "%s/git/config", xdgdir);
	(void)snprintf(local, sizeof(local), "%s/.git/config", repo);
	(void)snprintf(wt, sizeof(wt), "%s/.git/config.worktree", repo);
	fresh(alt, sizeof(alt), "alt-system");
	fresh(other, sizeof(other), "other-global");

	set_size(sys, "1k");
	assert_int_equal(max_size(repo, NULL, &e), 1024);
	assert_int_equal(setenv("GIT_CONFIG_NOSYSTEM", "true", 1), 0);
	assert_int_equal(max_size(repo, NULL, &e), 64ULL << 20);
	assert_int_equal(setenv("GIT_CONFIG_NOSYSTEM", "0", 1), 0);
	assert_int_equal(max_size(repo, NULL, &e), 1024);
	assert_int_equal(setenv("GIT_CONFIG_NOSYSTEM", "maybe", 1), 0);
	assert_int_equal(max_size(repo, NULL, &e), 0);
	assert_non_null(strstr(e.msg, "GIT_CONFIG_NOSYSTEM"));
	assert_int_equal(unsetenv("GIT_CONFIG_NOSYSTEM"), 0);
	set_size(alt, "2k");
	assert_int_equal(setenv("GIT_CONFIG_SYSTEM", alt, 1), 0);
	assert_int_equal(max_size(repo, NULL, &e), 2048);

	/* XDG, then ~/.gitconfig above it; GIT_CONFIG_GLOBAL replaces both. */
	set_size(xdg, "3k");
	assert_int_equal(max_size(repo, NULL, &e), 3072);
	set_size(glob, "4k");
	assert_int_equal(max_size(repo, NULL, &e), 4096);
	assert_int_equal(setenv("GIT_CONFIG_GLOBAL", other, 1), 0);
	assert_int_equal(max_size(repo, NULL, &e), 2048);
	set_size(other, "5k");
	assert_int_equal(max_size(repo, NULL, &e), 5120);
	assert_int_equal(unlink(other), 0);
	assert_int_equal(unsetenv("GIT_CONFIG_GLOBAL"), 0);
	/* Without XDG_CONFIG_HOME, ~/.config/git/config. */
	assert_int_equal(unlink(glob), 0);
	assert_int_equal(unsetenv("XDG_CONFIG_HOME"), 0);
	assert_int_equal(max_size(repo, NULL, &e), 2048);
	(void)snprintf(other, sizeof(other), "%s/.config", globaldir);
	make_dir(other);
	(void)snprintf(other, sizeof(other), "%s/.config/git", globaldir);
	make_dir(other);
	(void)snprintf(other, sizeof(other), "%s/.config/git/config",
	    globaldir);
	set_size(other, "6k");
	assert_int_equal(max_size(repo, NULL, &e), 6144);
	assert_int_equal(unlink(other), 0);
	assert_int_equal(setenv("XDG_CONFIG_HOME", xdgdir, 1), 0);

	/* Includes are followed. */
	(void)snprintf(other, sizeof(other), "[include]\n\tpath = %s/inc\n",
	    globaldir);
	support_write_file(glob, other);
	(void)snprintf(other, sizeof(other), "%s/inc", globaldir);
	set_size(other, "7k");
	assert_int_equal(max_size(repo, NULL, &e), 7168);

	/* The repository, its worktree config only with the extension. */
	append_file(local, "[tokenguard]\n\tmaxFileSize = 8k\n");
	assert_int_equal(max_size(repo, NULL, &e), 8192);
	set_size(wt, "9k");
	assert_int_equal(max_size(repo, NULL, &e), 8192);
	append_file(local, "[extensions]\n\tworktreeConfig = true\n");
	assert_int_equal(max_size(repo, NULL, &e), 9216);

	/* The command line: COUNT, then PARAMETERS. */
	assert_int_equal(setenv("GIT_CONFIG_COUNT", "1", 1), 0);
	assert_int_equal(setenv("GIT_CONFIG_KEY_0", "tokenguard.maxFileSize",
	    1), 0);
	assert_int_equal(setenv("GIT_CONFIG_VALUE_0", "10k", 1), 0);
	assert_int_equal(max_size(repo, NULL, &e), 10240);
	assert_int_equal(setenv("GIT_CONFIG_PARAMETERS",
	    "'tokenguard.maxfilesize'='11k'", 1), 0);
	assert_int_equal(max_size(repo, NULL, &e), 11264);
	/* Outside any repository too. */
	assert_int_equal(max_size(NULL, NULL, &e), 11264);
	/* A value that is set but unusable is trouble, not "unset". */
	assert_int_equal(setenv("GIT_CONFIG_PARAMETERS",
	    "'tokenguard.maxfilesize'='lots'", 1), 0);
	assert_int_equal(max_size(repo, NULL, &e), 0);
	assert_non_null(strstr(e.msg, "tokenguard.maxFileSize"));
	assert_int_equal(setenv("GIT_CONFIG_PARAMETERS", "'broken", 1), 0);
	assert_int_equal(max_size(repo, NULL, &e), 0);
	assert_non_null(strstr(e.msg, "GIT_CONFIG_PARAMETERS"));
	assert_int_equal(unsetenv("GIT_CONFIG_PARAMETERS"), 0);
	assert_int_equal(unsetenv("GIT_CONFIG_COUNT"), 0);

	/* No HOME: the global files are skipped with a note. */
	assert_int_equal(unsetenv("HOME"), 0);
	assert_int_equal(unsetenv("XDG_CONFIG_HOME"), 0);
	memset(&notes, 0, sizeof(notes));
	assert_int_equal(max_size(NULL, &notes, &e), 2048);
	assert_int_equal(notes.n, 1);
	assert_non_null(strstr(notes.msg[0], "HOME is not set"));
	assert_int_equal(setenv("HOME", globaldir, 1), 0);
	assert_int_equal(setenv("XDG_CONFIG_HOME", xdgdir, 1), 0);
	memset(&notes, 0, sizeof(notes));
	assert_int_equal(max_size(NULL, &notes, &e), 7168);
	assert_int_equal(notes.n, 0);

	assert_int_equal(unsetenv("GIT_CONFIG_SYSTEM"), 0);
	remove_tree(repo);
	assert_int_equal(unlink(sys), 0);
	assert_int_equal(unlink(glob), 0);
	assert_int_equal(unlink(xdg), 0);
	assert_int_equal(unlink(other), 0);
	assert_int_equal(unlink(alt), 0);
}

/*
 * A global file the process may not read is skipped with a note, as git
 * skips it; an unreadable repository config is an error. Run as root,
 * the check drops to another user in a child process (git daemon --user
 * runs hooks that way, with HOME=/root).
 */
static void
test_unreadable_global(void **state)
{
	char home[256], glob[512], repo[256], local[512];
	pid_t pid;
	int status;

	(void)state;
	path_of(home, sizeof(home), "locked-home");
	make_dir(home);
	(void)snprintf(glob, sizeof(glob), "%s/.gitconfig", home);
	set_size(glob, "1k");
	make_repo(repo, sizeof(repo), "locked-repo", false);
	(void)snprintf(local, sizeof(local), "%s/.git/config", repo);
	assert_int_equal(chmod(home, 0700), 0);
	assert_int_equal(chmod(scratch, 0755), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct config_notes notes = { 0 };
		struct err e = { 0 };
		int bad = 0;

		if (geteuid() != 0 && chmod(home, 0) < 0)
			_exit(11);
		if (geteuid() == 0 && (setgid(65534) < 0 ||
		    setuid(65534) < 0))
			_exit(10);
		if (setenv("HOME", home, 1) < 0 ||
		    unsetenv("XDG_CONFIG_HOME") < 0)
			_exit(12);
		bad |= max_size(repo, &notes, &e) != 64ULL << 20 ? 1 : 0;
		bad |= notes.n != 2 ? 2 : 0;
		bad |= notes.n > 0 && strstr(notes.msg[0],
		    "/.config/git/config' skipped: Permission denied") ==
		    NULL ? 4 : 0;
		bad |= notes.n > 1 && strstr(notes.msg[1],
		    "/.gitconfig' skipped: Permission denied") == NULL ? 8 : 0;
		/* GIT_CONFIG_GLOBAL naming it: skipped the same way. */
		if (setenv("GIT_CONFIG_GLOBAL", glob, 1) < 0)
			_exit(13);
		bad |= max_size(repo, &notes, &e) != 64ULL << 20 ? 16 : 0;
		bad |= notes.n != 1 ? 32 : 0;
		_exit(bad);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The repository's own config: an error, as in git. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct err e = { 0 };
		git_repository *r = NULL;
		git_config *cfg = NULL;

		if (chmod(local, 0600) < 0)
			_exit(10);
		if (geteuid() != 0 && chmod(local, 0) < 0)
			_exit(12);
		if (geteuid() == 0 && (setgid(65534) < 0 ||
		    setuid(65534) < 0))
			_exit(11);
		(void)git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
		if (git_repository_open(&r, repo) < 0) {
			/* libgit2 1.5 opens it without reading its config. */
			_exit(20);
		}
		if (config_open_repo(&cfg, NULL, r, NULL, &e) == 0)
			_exit(13);
		_exit(strstr(e.msg, "Permission denied") != NULL ? 0 : 14);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(chmod(home, 0755), 0);
	remove_tree(home);
	remove_tree(repo);
}

/* A bare repository's config is read; it has no work tree root. */
static void
test_bare_repo(void **state)
{
	char repo[256], cfgpath[512], *root = (char *)"unset";
	git_config *cfg = NULL;
	struct config c;
	struct err e = { 0 };

	(void)state;
	make_repo(repo, sizeof(repo), "bare.git", true);
	(void)snprintf(cfgpath, sizeof(cfgpath), "%s/config", repo);
	append_file(cfgpath, "[tokenguard]\n\tinlineAllow = false\n");
	config_init(&c);
	assert_int_equal(config_open(&cfg, &root, NULL, repo, NULL, &e), 0);
	assert_null(root);
	assert_int_equal(config_read(&c, cfg, &e), 0);
	assert_false(c.inline_allow);
	git_config_free(cfg);
	config_release(&c);
	remove_tree(repo);
}

static void
test_missing_config_file(void **state)
{
	char file[512];
	git_config *cfg = NULL;
	char *root = NULL;
	struct err e = { 0 };

	(void)state;
	path_of(file, sizeof(file), "does-not-exist.conf");
	assert_int_equal(config_open(&cfg, &root, NULL, scratch, file, &e), -1);
	assert_null(cfg);
	assert_non_null(strstr(e.msg, "does-not-exist.conf"));
	assert_non_null(strstr(e.msg, "No such file"));
	assert_int_equal(config_open(&cfg, &root, NULL, scratch, scratch, &e), -1);
	assert_non_null(strstr(e.msg, "is a directory"));
	/* A file that is not git-config syntax. */
	fresh(file, sizeof(file), "garbage");
	support_write_file(file, "this is [not\n= a config\n");
	assert_int_equal(config_open(&cfg, &root, NULL, scratch, file, &e), -1);
	assert_non_null(strstr(e.msg, "config file"));
}

static void
test_allow_file(void **state)
{
	char file[512], text[1024];
	struct config c;
	struct err e = { 0 };

	(void)state;
	fresh(file, sizeof(file), "allow");
	(void)snprintf(text, sizeof(text),
	    "# fixtures\n"
	    "\n"
	    "%s\n"
	    "   %s   # the docs example\r\n"
	    "\t# indented comment\n"
	    "%s", FP_A, FP_B, FP_C);
	support_write_file(file, text);
	config_init(&c);
	assert_int_equal(config_add_allow(&c, FP_C, &e), 0);
	assert_int_equal(config_read_allow_file(&c, file, &e), 0);
	assert_int_equal(c.nallow, 4);
	assert_string_equal(c.allow[0], FP_C);
	assert_string_equal(c.allow[1], FP_A);
	assert_string_equal(c.allow[2], FP_B);
	assert_string_equal(c.allow[3], FP_C);
	config_release(&c);

	/* Missing (also below a file): nothing added, no error. */
	config_init(&c);
	path_of(file, sizeof(file), "no-such-allow-file");
	assert_int_equal(config_read_allow_file(&c, file, &e), 0);
	path_of(file, sizeof(file), "plain-file");
	support_write_file(file, "");
	path_of(file, sizeof(file), "plain-file/.tokenguard-allow");
	assert_int_equal(config_read_allow_file(&c, file, &e), 0);
	assert_int_equal(c.nallow, 0);
	config_release(&c);
}

static const struct allow_bad_case {
	const char *text;
	size_t line;
} allow_bad_cases[] = {
	{ "# ok\nsha256:nothex\n", 2 },
	{ "sha256:00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeef\n", 1 },
	{ "\n\n\nnpm_notarealtokenbutlongenoughtoshow\n", 4 },
	{ "sha256:00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff trailing words\n", 1 },
	{ "sha256:00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff#nospace\n", 1 },
};

static void
test_allow_file_bad(void **state)
{
	char file[512], want[600];

	(void)state;
	for (size_t i = 0; i < sizeof(allow_bad_cases) /
	    sizeof(allow_bad_cases[0]); i++) {
		struct config c;
		struct err e = { 0 };

		fresh(file, sizeof(file), "allow-bad");
		support_write_file(file, allow_bad_cases[i].text);
		config_init(&c);
		assert_int_equal(config_read_allow_file(&c, file, &e), -1);
		(void)snprintf(want, sizeof(want), "%s:%zu: bad fingerprint",
		    file, allow_bad_cases[i].line);
		if (strstr(e.msg, want) == NULL)
			fail_msg("case %zu: message '%s'", i, e.msg);
		assert_null(strstr(e.msg, "notarealtoken"));
		config_release(&c);
	}
}

/* Links, directories and FIFOs are refused, not followed or waited on. */
static void
test_allow_file_not_regular(void **state)
{
	char file[512], link[512];
	struct config c;
	struct err e = { 0 };
	FILE *f;

	(void)state;
	config_init(&c);
	fresh(file, sizeof(file), "target");
	support_write_file(file, "");
	fresh(link, sizeof(link), "link");
	assert_int_equal(symlink(file, link), 0);
	assert_int_equal(config_read_allow_file(&c, link, &e), -1);
	fresh(file, sizeof(file), "fifo");
	assert_int_equal(mkfifo(file, 0600), 0);
	assert_int_equal(config_read_allow_file(&c, file, &e), -1);
	assert_non_null(strstr(e.msg, "not a regular file"));
	assert_int_equal(config_read_allow_file(&c, scratch, &e), -1);
	/* Binary data is no allow file. */
	fresh(file, sizeof(file), "nul");
	f = fopen(file, "w");
	assert_non_null(f);
	assert_int_equal(fwrite("# a\n\0x\n", 1, 7, f), 7);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(config_read_allow_file(&c, file, &e), -1);
	assert_int_equal(c.nallow, 0);
	config_release(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_allow_multivar),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_bad_fingerprint_not_shown),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_git_levels),
		cmocka_unit_test(test_unreadable_global),
		cmocka_unit_test(test_bare_repo),
		cmocka_unit_test(test_missing_config_file),
		cmocka_unit_test(test_allow_file),
		cmocka_unit_test(test_allow_file_bad),
		cmocka_unit_test(test_allow_file_not_regular),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

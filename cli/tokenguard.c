/*
 * tokenguard: finds npm token material in files, directories and
 * standard input (tokenguard scan), lists its rules (tokenguard rules)
 * and installs the pre-commit hook (tokenguard install). Exit status:
 * 0 nothing found (or done), 1 findings, 2 trouble (bad usage, bad
 * configuration, unreadable input).
 */
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <git2.h>

#include "cli.h"
#include "filewrite.h"
#include "installcmd.h"
#include "progopts.h"
#include "strbuf.h"
#include "version.h"

/* Prints "tokenguard: " and the message to standard error. */
static void
vsay(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

static void
vsay(const char *fmt, va_list ap)
{
	fputs(PROG ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int
(cli_error)(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	return EXIT_TROUBLE;
}

char *
cli_join3(const char *a, const char *b, const char *c)
{
	return strbuf_join3(a, b, c);
}

int
cli_replace_file(const char *path, const char *text, size_t len,
    mode_t mode, unsigned flags)
{
	char *tmp = cli_join3(path, ".tokenguard-tmp", "");
	struct err e = { 0 };
	int rc = EXIT_CLEAN;

	if (tmp == NULL)
		return cli_error("install: out of memory");
	if (filewrite_replace(path, tmp, text, len, mode, flags, &e) < 0)
		rc = cli_error("install: %s", e.msg);
	free(tmp);
	return rc;
}

int
cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	if (cmd != NULL)
		fprintf(stderr, "Try '" PROG " help %s' for more "
		    "information.\n", cmd);
	else
		fputs("Try '" PROG " --help' for more information.\n", stderr);
	return EXIT_TROUBLE;
}

int
cli_bad_option(const char *cmd, int opt, char **argv)
{
	const char *arg = argv[optind - 1];
	char name[3] = { '-', (char)optopt, '\0' };
	size_t len = strcspn(arg, "=");

	if (strncmp(arg, "--", 2) != 0 && optopt > ' ' && optopt < 127) {
		arg = name;
		len = 2;
	}
	if (opt == ':')
		return cli_usage(cmd, "%s: option '%.*s' needs a value", cmd,
		    (int)len, arg);
	if (strcmp(cmd, "scan") == 0)
		return cli_usage(cmd, "%s: unknown option '%.*s' (a PATH that "
		    "starts with '-' goes after --)", cmd, (int)len, arg);
	return cli_usage(cmd, "%s: unknown option '%.*s'", cmd, (int)len,
	    arg);
}

/* Prints a help text to standard output; 2 when it could not be written. */
static int
print_help(const char *topic)
{
	if (help_print(stdout, topic) < 0)
		return cli_usage(NULL, "no help on '%s'", topic);
	if (fflush(stdout) != 0 || ferror(stdout))
		return EXIT_TROUBLE;
	return EXIT_CLEAN;
}

static int
help_cmd(int argc, char **argv)
{
	if (argc > 2)
		return cli_usage("help", "help: too many arguments");
	if (argc == 2 && strcmp(argv[1], "--help") != 0 &&
	    strcmp(argv[1], "-h") != 0)
		return print_help(argv[1]);
	return print_help(argc == 2 ? "help" : NULL);
}

/* Runs a command that needs libgit2, which is set up around it. */
static int
with_libgit2(int (*cmd)(int, char **), int argc, char **argv)
{
	int rc;

	if (git_libgit2_init() < 0)
		return cli_error("cannot initialise libgit2");
	rc = cmd(argc, argv);
	(void)git_libgit2_shutdown();
	return rc;
}

/*
 * A scan holds a descriptor per directory level it is in (walk.c), up to
 * WALK_MAX_DEPTH, and one per thread: the usual soft limit of 1024
 * would fail deep trees. Raise it to the hard limit, within reason.
 */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= 65536 ||
	    rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}

int
main(int argc, char **argv)
{
	struct progopts opts = { PROG, help_text(NULL), "option", 0 };
	struct progopts_answer po;
	const char *cmd;

	/* A closed pipe is seen as EPIPE where output is written. */
	(void)signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	if (argc < 2)
		return cli_usage(NULL, "no command given");
	cmd = argv[1];
	/* -h, --help, --version, or an unknown option. */
	if (cmd[0] == '-' && progopts_parse(&po, &opts, 2, argv)) {
		fputs(po.text, po.status == 0 ? stdout : stderr);
		return fflush(stdout) == 0 && !ferror(stdout) ? po.status :
		    EXIT_TROUBLE;
	}
	if (strcmp(cmd, "help") == 0)
		return help_cmd(argc - 1, argv + 1);
	if (strcmp(cmd, "scan") == 0)
		return with_libgit2(scancmd_run, argc - 1, argv + 1);
	if (strcmp(cmd, "rules") == 0)
		return with_libgit2(rulescmd_run, argc - 1, argv + 1);
	if (strcmp(cmd, "install") == 0)
		return with_libgit2(installcmd_run, argc - 1, argv + 1);
	return cli_usage(NULL, "unknown command '%s'", cmd);
}

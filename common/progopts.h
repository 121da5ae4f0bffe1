/*
 * progopts: the options every tokenguard program answers the same way:
 * -h and --help print its usage, --version its name and version, and
 * an unknown option is a usage error that points at --help. common/
 * prints nothing: the answer is a text and an exit status, which main()
 * prints and returns.
 */
#ifndef TOKENGUARD_PROGOPTS_H
#define TOKENGUARD_PROGOPTS_H

#include <stdbool.h>

#include "err.h"

enum progopts_flags {
	/*
	 * Words that do not start with '-' ("-" alone included) and all
	 * after "--" are the program's own; without this flag every word
	 * other than the standard options is an error.
	 */
	PROGOPTS_OPERANDS = 1 << 0,
	/*
	 * "--files [--] FILE...": what follows are file names, whatever
	 * they look like (the pre-commit hook under a hook manager).
	 */
	PROGOPTS_FILES = 1 << 1,
};

/* A program's standard options. */
struct progopts {
	const char *prog;	/* its name, as messages start */
	const char *usage;	/* what --help prints */
	const char *unknown;	/* a bad word is an unknown "option", ... */
	unsigned flags;		/* enum progopts_flags */
};

/* What the command line asks for before any work. */
struct progopts_answer {
	const char *text;	/* what to print */
	int status;		/* exit status; 0: text to stdout, else stderr */
	int files;		/* PROGOPTS_FILES: argv index of first FILE */
	char buf[ERR_MAX];	/* text, when made here */
};

/*
 * Reads argv[1..argc) as spec says. Returns true when the program is to
 * print a->text and exit with a->status without further work: status 0
 * for help and version, to standard output (main() exits 2 instead when
 * it cannot be written), 2 for a bad word, to standard error: "PROG:
 * unknown WHAT 'WORD'" (WORD cut at 300 bytes) and "Try 'PROG --help'
 * for more information.", each line ending in a newline.
 * Returns false when the program runs: a->files is then the index of
 * the first FILE after --files (argc when none follow), or 0 when
 * --files was not given.
 */
bool progopts_parse(struct progopts_answer *a, const struct progopts *spec,
    int argc, char **argv);

#endif

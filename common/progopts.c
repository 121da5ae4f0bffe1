/*
 * progopts: -h, --help, --version and unknown options, answered alike by
 * the scan CLI and the hooks.
 */
#include <stdio.h>
#include <string.h>

#include "progopts.h"
#include "version.h"

enum {
	STATUS_DONE = 0,
	STATUS_USAGE = 2,
};

bool
progopts_parse(struct progopts_answer *a, const struct progopts *spec,
    int argc, char **argv)
{
	bool operands = (spec->flags & PROGOPTS_OPERANDS) != 0;

	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		const char *w = argv[i];

		if (strcmp(w, "--help") == 0 || strcmp(w, "-h") == 0) {
			a->text = spec->usage;
			return true;
		}
		if (strcmp(w, "--version") == 0) {
			(void)snprintf(a->buf, sizeof(a->buf), "%s %s\n",
			    spec->prog, TOKENGUARD_VERSION);
			a->text = a->buf;
			return true;
		}
		if ((spec->flags & PROGOPTS_FILES) != 0 &&
		    strcmp(w, "--files") == 0) {
			a->files = i + 1;
			if (a->files < argc &&
			    strcmp(argv[a->files], "--") == 0)
				a->files++;
			return false;
		}
		if (operands && strcmp(w, "--") == 0)
			return false;
		if (operands && (w[0] != '-' || w[1] == '\0'))
			continue;
		/* The word is cut short so that the second line fits. */
		(void)snprintf(a->buf, sizeof(a->buf), "%s: unknown %s "
		    "'%.300s'\nTry '%s --help' for more information.\n",
		    spec->prog, spec->unknown, w, spec->prog);
		a->text = a->buf;
		a->status = STATUS_USAGE;
		return true;
	}
	return false;
}

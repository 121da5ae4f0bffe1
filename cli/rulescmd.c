/*
 * rulescmd: tokenguard rules, the list of built-in and configured rules,
 * compiled as a scan would compile them.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "report.h"
#include "scan.h"

enum { OPT_CONFIG = 256 };

static const struct option OPTIONS[] = {
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Prints one rule line; -1 when out of memory. */
static int
print_rule(const struct scan_rule_info *r, int width)
{
	char *id = NULL, *desc = NULL;
	int rc = -1;

	if (report_escape(&id, r->id, NULL) < 0 ||
	    report_escape(&desc, r->description != NULL ? r->description :
	    "", NULL) < 0)
		goto out;
	printf("%-*s  %-8s  %s\n", width, id, r->user ? "user" : "built-in",
	    desc);
	rc = 0;
out:
	free(desc);
	free(id);
	return rc;
}

static int
list(const struct scanner *s)
{
	size_t n = scanner_rule_count(s);
	int width = 0;
	size_t len;

	for (size_t i = 0; i < n; i++) {
		len = strlen(scanner_rule(s, i)->id);
		if (len > (size_t)width && len < 40)
			width = (int)len;
	}
	for (size_t i = 0; i < n; i++) {
		if (print_rule(scanner_rule(s, i), width) < 0)
			return cli_error("out of memory");
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		return EXIT_TROUBLE;
	return EXIT_CLEAN;
}

int
rulescmd_run(int argc, char **argv)
{
	struct settings set = { 0 };
	struct scanner *s = NULL;
	struct err e = { 0 };
	const char *file = NULL;
	int opt, rc = EXIT_TROUBLE;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:h", OPTIONS, NULL)) != -1) {
		switch (opt) {
		case OPT_CONFIG:
			file = optarg;
			break;
		case 'h':
			return help_print(stdout, "rules") < 0 ? EXIT_TROUBLE :
			    EXIT_CLEAN;
		default:
			return cli_bad_option("rules", opt, argv);
		}
	}
	if (optind != argc)
		return cli_usage("rules", "rules: unexpected argument '%s'",
		    argv[optind]);
	if (settings_load(&set, ".", file, &e) < 0 ||
	    scanner_new(&s, &set.cfg, &e) < 0) {
		cli_error("%s", e.msg);
		goto out;
	}
	rc = list(s);
out:
	scanner_free(s);
	settings_release(&set);
	return rc;
}

/*
 * tokgen: prints checksum-valid tokens for the tests, so that no token
 * is ever committed. Usage: tokgen [-p PREFIX] [-b] SEED [COUNT]
 * prints COUNT (default 1) tokens made from SEED, SEED+1, ... one per
 * line; -p picks the prefix (default "npm_"); -b breaks the checksum
 * (last character changed) to make an invalid token of the same shape.
 * Exit status 0, or 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "token.h"

int
main(int argc, char **argv)
{
	const char *prefix = "npm_";
	unsigned long long seed, count = 1;
	char tok[TOKEN_LEN + 1];
	char *end;
	int opt, broken = 0;

	while ((opt = getopt(argc, argv, "p:b")) != -1) {
		switch (opt) {
		case 'p':
			prefix = optarg;
			break;
		case 'b':
			broken = 1;
			break;
		default:
			goto usage;
		}
	}
	if (strlen(prefix) != 4 || optind >= argc || argc - optind > 2)
		goto usage;
	seed = strtoull(argv[optind], &end, 10);
	if (*end != '\0')
		goto usage;
	if (argc - optind == 2) {
		count = strtoull(argv[optind + 1], &end, 10);
		if (*end != '\0')
			goto usage;
	}
	for (unsigned long long i = 0; i < count; i++) {
		token_generate(tok, prefix, seed + i);
		if (broken)
			tok[TOKEN_LEN - 1] = tok[TOKEN_LEN - 1] == 'A' ? 'B' :
			    'A';
		printf("%s\n", tok);
	}
	return 0;
usage:
	fprintf(stderr, "usage: tokgen [-p PREFIX] [-b] SEED [COUNT]\n");
	return 2;
}

/*
 * advmkfiles: makes many files fast, for t-adv-manyfiles.sh (compiled by
 * the test itself). Usage: advmkfiles DIR BASE N EVERY < PLANTS
 * creates DIR/f0000000 ... DIR/f(N-1), empty but for every EVERY-th,
 * which gets a line of text, and those named on standard input: lines
 * "INDEX CONTENT" give file INDEX the line CONTENT. The empty and the
 * text files are hard links to a few files in the directory BASE (a
 * link costs a directory entry, no inode and no data; ext4 allows
 * 65,000 links to a file), the planted ones files of their own. Exit
 * status 0, or 1 with a message.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PLANTS 64
#define LINKS_PER_BASE 50000

static const char TEXT[] = "export const value = compute(alpha, beta);\n";

static int
put(int dir, const char *name, const char *text, size_t len)
{
	int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644);

	if (fd < 0)
		return -1;
	if (len > 0 && write(fd, text, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return close(fd);
}

int
main(int argc, char **argv)
{
	static char line[4096];
	unsigned long idx[MAX_PLANTS];
	char *text[MAX_PLANTS];
	size_t nplants = 0;
	unsigned long n, every;
	char name[32], base[32];
	unsigned long made[2] = { 0, 0 };	/* 1 + the last base made */
	int dir, bdir;

	if (argc != 5) {
		fputs("usage: advmkfiles DIR BASE N EVERY < PLANTS\n", stderr);
		return 1;
	}
	n = strtoul(argv[3], NULL, 10);
	every = strtoul(argv[4], NULL, 10);
	while (nplants < MAX_PLANTS && fgets(line, sizeof(line), stdin)) {
		char *sp = strchr(line, ' ');

		if (sp == NULL)
			continue;
		idx[nplants] = strtoul(line, NULL, 10);
		text[nplants] = strdup(sp + 1);
		if (text[nplants] == NULL)
			return 1;
		nplants++;
	}
	dir = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0) {
		perror(argv[1]);
		return 1;
	}
	bdir = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (bdir < 0) {
		perror(argv[2]);
		return 1;
	}
	for (unsigned long i = 0; i < n; i++) {
		bool planted = false, full = every != 0 && i % every == 0;

		(void)snprintf(name, sizeof(name), "f%07lu", i);
		for (size_t k = 0; k < nplants; k++) {
			if (idx[k] != i)
				continue;
			planted = true;
			if (put(dir, name, text[k], strlen(text[k])) < 0) {
				perror(name);
				return 1;
			}
		}
		if (planted)
			continue;
		(void)snprintf(base, sizeof(base), "%c%lu",
		    full ? 't' : 'e', i / LINKS_PER_BASE);
		if (made[full] != i / LINKS_PER_BASE + 1) {
			if (put(bdir, base, full ? TEXT : "", full ?
			    sizeof(TEXT) - 1 : 0) < 0) {
				perror(base);
				return 1;
			}
			made[full] = i / LINKS_PER_BASE + 1;
		}
		if (linkat(bdir, base, dir, name, 0) < 0) {
			perror(name);
			return 1;
		}
	}
	close(dir);
	close(bdir);
	return 0;
}

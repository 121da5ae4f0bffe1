/*
 * hits: the findings a hook keeps until everything is scanned, so that
 * it can tell the blocking ones from the pre-existing ones (an earlier
 * version of the content holds the same secret) before it reports, and
 * the blobs it skipped as too big.
 */
#ifndef TOKENGUARD_HITS_H
#define TOKENGUARD_HITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <git2.h>

#include "err.h"
#include "finding.h"
#include "scan.h"

/* A finding kept. */
struct hit {
	char *path;		/* malloc'd; NULL for a commit or tag message */
	size_t line;
	const char *rule;	/* owned by the scanner */
	const char *description; /* owned by the scanner */
	char redacted[REDACTED_SIZE];
	char fingerprint[FINGERPRINT_SIZE];
	bool preexisting;	/* an earlier version holds it too */
	bool inline_allowed;	/* a tokenguard:allow marker on its line */
	/* Where a pushed finding is; NULL and "" otherwise. */
	const char *ref;	/* the caller's */
	char commit[GIT_OID_HEXSZ + 1];
	bool tag;		/* in an annotated tag's message */
};

/* A blob or file too big to scan. */
struct skip {
	char *path;		/* malloc'd */
	uint64_t size;
	const char *ref;	/* as in struct hit */
	char commit[GIT_OID_HEXSZ + 1];
};

/* The hits and skips of a run; all zeros is empty. */
struct hits {
	struct hit *v;
	size_t n, cap;
	size_t first, upto;	/* v[first..upto): the blob being checked */
	struct skip *skips;
	size_t nskips;
};

/*
 * Appends a copy of f, with path (copied; may be NULL) as its path, and
 * gives it in *out when out is not NULL (valid until the next
 * hits_add()) for the caller's fields. -1 when out of memory.
 */
int hits_add(struct hit **out, struct hits *h, const struct finding *f,
    const char *path, struct err *e);

/*
 * Appends a skip of path (copied) and size, and gives it in *out when
 * out is not NULL, as hits_add() does. -1 when out of memory.
 */
int hits_skip(struct skip **out, struct hits *h, const char *path,
    uint64_t size, struct err *e);

/* Frees what the hits and skips hold. */
void hits_release(struct hits *h);

/* Whether every hit of the blob being checked is pre-existing. */
bool hits_all_preexisting(const struct hits *h);

/*
 * Marks the hits of the blob being checked (new_id; may be NULL) that
 * the earlier blob id also holds as pre-existing: all of them when it
 * is the same blob, else those whose fingerprint a scan of id (path as
 * its origin) finds, allowed ones included. A blob over max bytes is
 * not scanned: its findings cannot be told apart, so they stay new.
 */
int hits_check_old(struct hits *h, git_repository *repo,
    const struct scanner *s, const char *path, const git_oid *id,
    const git_oid *new_id, uint64_t max, struct err *e);

/*
 * hits_check_old() on tree's version of path, when tree has a blob or a
 * link there; nothing else is an error. where names tree in messages:
 * "'PATH' in WHERE: ...".
 */
int hits_check_tree(struct hits *h, git_repository *repo,
    const struct scanner *s, git_tree *tree, const char *where,
    const char *path, const git_oid *new_id, uint64_t max, struct err *e);

#endif

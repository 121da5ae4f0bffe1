/*
 * refupdate: the lines git gives a pre-receive hook on standard input,
 * "<old-id> <new-id> <ref-name>", one per ref the push updates. An old
 * id of all zeros is a creation, a new id of all zeros a deletion.
 */
#ifndef TOKENGUARD_REFUPDATE_H
#define TOKENGUARD_REFUPDATE_H

#include <stdbool.h>
#include <stddef.h>

#include <git2.h>

#include "err.h"

struct refupdate {
	git_oid old_id;
	git_oid new_id;
	char *ref;		/* malloc'd: refupdate_release() */
	bool creation;		/* old id all zeros */
	bool deletion;		/* new id all zeros */
};

/*
 * Parses line[0..len) (without its newline): two 40-hex-digit SHA-1 ids
 * and a non-empty ref name (the rest of the line), separated by single
 * spaces. A NUL byte anywhere is malformed. 64-digit ids are refused
 * with a message saying that SHA-256 repositories are not supported.
 * The message on -1 names no line: callers add its number. *out is
 * written only on success; its ref belongs to the caller.
 */
int refupdate_parse(struct refupdate *out, const char *line, size_t len,
    struct err *e);

/* Frees what u owns; u may be released twice. */
void refupdate_release(struct refupdate *u);

#endif

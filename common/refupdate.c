/* refupdate: parsing the "<old> <new> <ref>" lines of pre-receive. */
#include "refupdate.h"

#include <stdlib.h>
#include <string.h>

/*
 * The digits are checked here first: libgit2 reports a bad one through
 * its error state, which needs git_libgit2_init(), and this parser must
 * not (tests and fuzzers call it without).
 */
static bool
hex_id(git_oid *out, const char *s, size_t len)
{
	if (len != GIT_OID_HEXSZ)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	}
	return git_oid_fromstrn(out, s, len) == 0;
}

int
refupdate_parse(struct refupdate *out, const char *line, size_t len,
    struct err *e)
{
	const char *end = line + len, *sp1, *sp2;
	struct refupdate u;

	memset(&u, 0, sizeof(u));
	sp1 = memchr(line, ' ', len);
	sp2 = sp1 != NULL ? memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1)) :
	    NULL;
	if (sp1 == NULL || sp2 == NULL || sp2 + 1 == end ||
	    memchr(line, '\0', len) != NULL)
		return err_set(e, "not '<old> <new> <ref>'");
	if (sp1 - line == 64 || sp2 - sp1 - 1 == 64)
		return err_set(e, "this repository uses SHA-256 object ids, "
		    "which tokenguard cannot read yet (libgit2 1.5 reads "
		    "SHA-1 repositories only)");
	if (!hex_id(&u.old_id, line, (size_t)(sp1 - line)) ||
	    !hex_id(&u.new_id, sp1 + 1, (size_t)(sp2 - sp1 - 1)))
		return err_set(e, "bad object id");
	u.ref = strndup(sp2 + 1, (size_t)(end - sp2 - 1));
	if (u.ref == NULL)
		return err_set(e, "out of memory");
	u.creation = git_oid_is_zero(&u.old_id) != 0;
	u.deletion = git_oid_is_zero(&u.new_id) != 0;
	*out = u;
	return 0;
}

void
refupdate_release(struct refupdate *u)
{
	free(u->ref);
	u->ref = NULL;
}

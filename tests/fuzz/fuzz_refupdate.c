/*
 * fuzz_refupdate: the parser of the "<old> <new> <ref>" lines a
 * pre-receive hook reads on standard input (refupdate_parse()), on
 * arbitrary bytes.
 *
 * Checks, besides ASan and UBSan (the line is an exact-size copy, so a
 * read past its end is caught):
 *   - it accepts exactly what a plain reference parser accepts: two
 *     40-hex-digit ids and a non-empty ref, single spaces, no NUL;
 *   - what it accepts round-trips: the ids print back as the input's
 *     digits (lower-cased), the ref is the rest of the line byte for
 *     byte, creation and deletion match all-zero ids;
 *   - what it refuses leaves *out untouched and says why in one line,
 *     naming SHA-256 exactly when a field has 64 characters.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "refupdate.h"

static bool
hex40(const char *s, size_t n)
{
	if (n != 40)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (strchr("0123456789abcdefABCDEF", s[i]) == NULL ||
		    s[i] == '\0')
			return false;
	}
	return true;
}

static bool
zeros(const char *s)
{
	for (size_t i = 0; i < 40; i++) {
		if (s[i] != '0')
			return false;
	}
	return true;
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'F' ? (char)(c + 32) : c;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size != 0 ? size : 1);
	const char *sp1, *sp2;
	struct refupdate u, untouched;
	struct err e = { 0 };
	bool want;
	int rc;

	HARNESS_CHECK(line != NULL, "out of memory");
	memcpy(line, data, size);
	sp1 = memchr(line, ' ', size);
	sp2 = sp1 != NULL ? memchr(sp1 + 1, ' ', size -
	    (size_t)(sp1 + 1 - line)) : NULL;
	want = sp1 != NULL && sp2 != NULL && sp2 + 1 < line + size &&
	    memchr(line, '\0', size) == NULL &&
	    hex40(line, (size_t)(sp1 - line)) &&
	    hex40(sp1 + 1, (size_t)(sp2 - sp1 - 1));

	memset(&u, 0xa5, sizeof(u));
	untouched = u;
	rc = refupdate_parse(&u, line, size, &e);
	HARNESS_CHECK((rc == 0) == want, "refupdate_parse gave %d, the "
	    "reference parser %s (%s)", rc, want ? "accepts" : "refuses",
	    e.msg);
	if (rc != 0) {
		HARNESS_CHECK(memcmp(&u, &untouched, sizeof(u)) == 0,
		    "*out written on failure");
		HARNESS_CHECK(e.msg[0] != '\0' && strchr(e.msg, '\n') == NULL,
		    "no one-line message");
		HARNESS_CHECK((strstr(e.msg, "SHA-256") != NULL) ==
		    (sp1 != NULL && sp2 != NULL && sp2 + 1 < line + size &&
		    memchr(line, '\0', size) == NULL &&
		    (sp1 - line == 64 || sp2 - sp1 - 1 == 64)),
		    "SHA-256 message when it is not, or the reverse: %s",
		    e.msg);
	} else {
		char hex[GIT_OID_HEXSZ + 1];
		size_t rlen = size - (size_t)(sp2 + 1 - line);

		(void)git_oid_tostr(hex, sizeof(hex), &u.old_id);
		for (size_t i = 0; i < 40; i++)
			HARNESS_CHECK(hex[i] == lower(line[i]), "old id");
		(void)git_oid_tostr(hex, sizeof(hex), &u.new_id);
		for (size_t i = 0; i < 40; i++)
			HARNESS_CHECK(hex[i] == lower(sp1[1 + i]), "new id");
		HARNESS_CHECK(u.ref != NULL && strlen(u.ref) == rlen &&
		    memcmp(u.ref, sp2 + 1, rlen) == 0, "ref is not the rest "
		    "of the line");
		HARNESS_CHECK(u.creation == zeros(line), "creation");
		HARNESS_CHECK(u.deletion == zeros(sp1 + 1), "deletion");
		refupdate_release(&u);
		refupdate_release(&u);
	}
	free(line);
	return 0;
}

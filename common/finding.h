/*
 * finding: what the scanner reports. A finding never holds a secret: only
 * its redacted form (at most the first 4 and last 2 characters) and its
 * fingerprint, "sha256:" and the hex SHA-256 of the value.
 */
#ifndef TOKENGUARD_FINDING_H
#define TOKENGUARD_FINDING_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* "sha256:" + 64 hex digits + NUL */
#define FINGERPRINT_SIZE 72
/* 4 characters, an ellipsis (3 bytes of UTF-8), 2 characters, NUL */
#define REDACTED_SIZE 16

struct finding {
	const char *path;	/* as the origin named it; borrowed */
	const char *commit;	/* NULL unless scanning history; borrowed */
	size_t line;		/* 1-based */
	size_t column;		/* 1-based, in bytes */
	const char *rule;	/* stable rule id; static or owned by scanner */
	const char *description; /* one line, says how to fix it */
	char redacted[REDACTED_SIZE];
	char fingerprint[FINGERPRINT_SIZE];
	bool allowed_inline;	/* only seen with SCAN_REPORT_ALLOWED */
	/*
	 * NULL for a finding. For a value set aside as made up (RULES.md
	 * 3.1), why, in a few words; only seen with SCAN_REPORT_DUMMIES.
	 * Static.
	 */
	const char *dummy;
};

/*
 * Called once per finding. The finding and everything it points to are
 * borrowed for the duration of the call. Return 0 to go on; any other
 * value stops the scan, and scanner_scan() returns that value.
 */
typedef int finding_fn(const struct finding *f, void *payload);

/*
 * Writes the redacted form of value[0..len) to out: the first 4 and the
 * last 2 characters around an ellipsis for values of 16 bytes or more,
 * fewer for shorter ones, never more than a third of the value. Bytes
 * shown that are control or non-ASCII are written '?': out is printable
 * ASCII around the ellipsis, and always valid UTF-8.
 */
void finding_redact(char out[REDACTED_SIZE], const char *value, size_t len);

/* Writes "sha256:<hex>" of value[0..len) to out. */
int finding_fingerprint(char out[FINGERPRINT_SIZE], const char *value,
    size_t len, struct err *e);

/* True when s is "sha256:" followed by 64 lowercase hex digits. */
bool finding_is_fingerprint(const char *s);

#endif

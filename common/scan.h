/*
 * scan: the detection engine. A scanner is compiled once from a config
 * (built-in rules of RULES.md plus user rules) and is read-only
 * afterwards: any number of threads may call scanner_scan() on the same
 * scanner at once. The scanner does no I/O and keeps no global state.
 */
#ifndef TOKENGUARD_SCAN_H
#define TOKENGUARD_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "err.h"
#include "finding.h"

struct scanner;

/* Where the bytes come from, shown in findings. */
struct scan_origin {
	const char *path;	/* file path, blob path, or "-" for stdin */
	const char *commit;	/* NULL unless the bytes come from history */
};

enum scan_flags {
	/* Report findings suppressed by an inline marker, flagged. */
	SCAN_REPORT_ALLOWED = 1 << 0,
	/* Treat the bytes as text even if they contain a NUL. */
	SCAN_FORCE_TEXT = 1 << 1,
	/* Treat the bytes as binary (section 1 only, as RULES.md 6 says). */
	SCAN_FORCE_BINARY = 1 << 2,
	/*
	 * Report the values set aside as made up (test dummies, example
	 * hosts, textbook passwords: RULES.md 3.1), with finding.dummy set.
	 */
	SCAN_REPORT_DUMMIES = 1 << 3,
};

/*
 * A window of a longer input that is read in pieces. Anchors are looked
 * for in [from, to) only; the bytes around them are context (lookback
 * for parent keys and line starts, lookahead for values on the next
 * lines). A caller slides windows so that each offset of the input is in
 * exactly one [from, to), with about a megabyte of context on each side.
 */
struct scan_window {
	size_t from;
	size_t to;
	size_t line;		/* the line number of buf[0], 1-based */
	size_t column;		/* bytes of that line before buf[0] */
	bool first;		/* buf[0] starts the input: BOM, binary probe */
};

/* What a scan saw besides its findings. */
struct scan_stats {
	bool binary;		/* NUL in the first 8 KiB: section 1 only */
	size_t lines_capped;	/* lines past the per-line work cap */
	size_t allowed;		/* findings dropped by an allowlist */
	size_t dummies;		/* values set aside as made up */
	size_t user_rule_limits; /* user-rule matches stopped by the limit */
	const char *limit_rule;	/* the first one stopped (borrowed) */
};

/* One rule, as listed by `tokenguard rules`. */
struct scan_rule_info {
	const char *id;
	const char *description;
	bool user;		/* from configuration */
};

/*
 * Compiles a scanner from cfg (copied: cfg may be released afterwards).
 * A user rule with a bad pattern is an error naming the rule and the
 * offset. *out belongs to the caller: scanner_free().
 */
int scanner_new(struct scanner **out, const struct config *cfg,
    struct err *e);

void scanner_free(struct scanner *s);

/*
 * Scans buf[0..len) and calls fn for each finding, in order of position.
 * stats (may be NULL) is filled in. Returns 0 when done, the callback's
 * non-zero value when it stopped the scan, or -1 with e set.
 */
int scanner_scan(const struct scanner *s, struct scan_stats *stats,
    const struct scan_origin *origin, const char *buf, size_t len,
    unsigned flags, finding_fn *fn, void *payload, struct err *e);

/*
 * Like scanner_scan() for the window w of a longer input in buf[0..len).
 * Binary detection happens in the first window only: later windows pass
 * SCAN_FORCE_BINARY or SCAN_FORCE_TEXT as the first one's stats said.
 * Findings are in order of position within the window.
 */
int scanner_scan_window(const struct scanner *s, struct scan_stats *stats,
    const struct scan_origin *origin, const char *buf, size_t len,
    const struct scan_window *w, unsigned flags, finding_fn *fn,
    void *payload, struct err *e);

/* The number of '\n' in buf[0..len), counted fast. */
size_t scanner_count_lines(const struct scanner *s, const char *buf,
    size_t len);

/* The number of rules (built-in, then user) and the i-th one. */
size_t scanner_rule_count(const struct scanner *s);
const struct scan_rule_info *scanner_rule(const struct scanner *s,
    size_t i);

/* The maximum file size the scanner's config asks for. */
uint64_t scanner_max_file_size(const struct scanner *s);

#endif

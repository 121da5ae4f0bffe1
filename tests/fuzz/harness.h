/*
 * harness: what the libFuzzer harnesses of tests/fuzz/ share. Each
 * fuzz_<name>.c defines LLVMFuzzerTestOneInput() and checks invariants
 * with HARNESS_CHECK(), which prints what broke and aborts: libFuzzer
 * then saves the input as a crash.
 *
 * Inputs may ask for generated tokens: harness_splice() replaces marker
 * bytes with checksum-valid tokens made by token_generate(), so that no
 * corpus file holds a valid token and the fuzzer still reaches the
 * reporting paths.
 *   0x01 s   a valid token: prefix npm_, ghp_, gho_, ghu_, ghs_ or ghr_
 *            chosen by s % 6, seed s / 6
 *   0x02 s   base64 of the valid npm token of seed s (starts "bnBtX")
 *   0x03 s   the valid npm token of seed s with its last character
 *            changed: the checksum fails
 */
#ifndef TOKENGUARD_FUZZ_HARNESS_H
#define TOKENGUARD_FUZZ_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "finding.h"
#include "scan.h"
#include "token.h"

/*
 * libFuzzer's entry points; a harness with nothing to set up leaves
 * LLVMFuzzerInitialize() out (libFuzzer calls it only when defined).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define HARNESS_CHECK(cond, ...)					\
	do {								\
		if (!(cond))						\
			harness_fail(__FILE__, __LINE__, __VA_ARGS__);	\
	} while (0)

/* Prints "invariant broken: file:line: message" and aborts. */
_Noreturn void harness_fail(const char *file, int line, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

/* A generated token spliced into an input, at pos. */
struct harness_token {
	size_t pos;
	char text[TOKEN_LEN + 1];
};

/*
 * An input after splicing: buf[0..len) (no NUL after it: the allocation
 * is exactly len bytes) and the valid tokens in it.
 */
struct harness_input {
	char *buf;
	size_t len;
	struct harness_token *tokens;
	size_t ntokens;
};

/*
 * Copies data[0..n) into in, replacing markers (above) with tokens.
 * Aborts on out of memory. Release with harness_input_release().
 */
void harness_splice(struct harness_input *in, const uint8_t *data,
    size_t n);

void harness_input_release(struct harness_input *in);

/* A finding as collected: everything but the borrowed pointers. */
struct harness_finding {
	char rule[64];
	size_t line;
	size_t column;
	char redacted[REDACTED_SIZE];
	char fingerprint[FINGERPRINT_SIZE];
	bool allowed_inline;
};

/* The findings of one scan, and what the checks need to know. */
struct harness_findings {
	struct harness_finding *v;
	size_t n, cap;
	const struct scanner *scanner;	/* rule ids must be its rules' */
	const char *path;		/* the origin's path */
	size_t lines;			/* lines in the input */
};

void harness_findings_init(struct harness_findings *fs,
    const struct scanner *s, const char *path, const char *buf,
    size_t len);

void harness_findings_release(struct harness_findings *fs);

/*
 * A finding_fn: checks the finding (harness_check_finding()) and
 * appends it to the struct harness_findings payload.
 */
int harness_collect(const struct finding *f, void *payload);

/*
 * The invariants of one finding: a rule id of the scanner, a one-line
 * description, line and column in range, a well-formed fingerprint, a
 * redacted form within RULES.md 5 (at most the first 4 and last 2
 * characters around an ellipsis, no control bytes) that never is the
 * whole secret (checked against the fingerprint).
 */
void harness_check_finding(const struct harness_findings *fs,
    const struct finding *f);

/* Aborts, showing both, when a and b differ (order matters). */
void harness_same(const struct harness_findings *a,
    const struct harness_findings *b, const char *what);

/* Sorts the findings by line, column, rule, fingerprint. */
void harness_sort(struct harness_findings *fs);

/* Drops repeated findings from sorted fs. */
void harness_unique(struct harness_findings *fs);

/* True when fs holds a finding with fingerprint fp. */
bool harness_has_fingerprint(const struct harness_findings *fs,
    const char *fp);

/* The 1-based line number of buf[pos]. */
size_t harness_line_of(const char *buf, size_t pos);

#endif

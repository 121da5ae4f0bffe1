/*
 * scancheck: the scanner checks shared by fuzz_scan and fuzz_scan_rules.
 * scancheck_init() compiles three scanners from one configuration (AVX2
 * filter, scalar filter, checksum off); scancheck_run() scans one input
 * with them in every way and aborts when an invariant breaks.
 *
 * Input: byte 0 chooses the origin's path (.npmrc, a .tfstate,
 * bunfig.toml, .env, a YAML file, a binary name, a source file, stdin)
 * and flags (bit 3: SCAN_FORCE_TEXT; bit 4: also scan with the checksum
 * off); byte 1 chooses where the input is split for the windowed scan;
 * the rest is the text, with harness.h markers replaced by generated
 * tokens.
 *
 * Checks, besides ASan and UBSan:
 *   - every finding: known rule, one-line description, line in range,
 *     fingerprint well formed, redacted form within RULES.md 5 (4 + 2
 *     characters at most, valid UTF-8, no control bytes), never the
 *     whole secret and never an empty one (harness_check_finding());
 *   - the same input scanned twice gives the same findings;
 *   - the AVX2 candidate filter and the scalar one give the same ones;
 *   - scanning in two windows (scanner_scan_window(), as filescan slides
 *     them) gives the same findings as one scanner_scan() of the whole
 *     (with "Secret" in the input, the same lines with findings: a
 *     Secret data map straddling the boundary is judged twice; user
 *     rules left out when one hit the PCRE2 limits, which stops it for
 *     the rest of a scan call);
 *   - filescan_fd() on a memfd gives the same findings as scanner_scan();
 *   - without SCAN_REPORT_ALLOWED, the findings are those with it less
 *     the ones allowed inline;
 *   - every generated valid token with clean boundaries is reported: a
 *     finding with its fingerprint, or one on its line that claimed it
 *     (a credential value holding it);
 *   - with tokenguard.checksum = false, the per-finding checks hold too.
 */
#ifndef TOKENGUARD_FUZZ_SCANCHECK_H
#define TOKENGUARD_FUZZ_SCANCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Compiles the scanners from cfg (its checksum setting is overridden). */
void scancheck_init(const struct config *cfg);

/* Runs every check on one fuzz input. */
void scancheck_run(const uint8_t *data, size_t size);

#endif

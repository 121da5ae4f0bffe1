/*
 * report: findings formatted for people and for tools. Every program
 * that reports findings (the scan CLI, the git hooks, the watcher) uses
 * these, so that a finding looks the same wherever it is shown. Nothing
 * here prints: the functions return strings and jansson objects.
 *
 * Paths are bytes, not text: a file name may hold newlines, control
 * characters or invalid UTF-8. The formats cope so that their output
 * stays well-formed and unambiguous: text escapes control bytes (and
 * backslash) as \xNN, JSON and SARIF replace bytes that are not valid
 * UTF-8 with U+FFFD (JSON then adds the bytes in base64), and SARIF URIs
 * are percent-encoded.
 */
#ifndef TOKENGUARD_REPORT_H
#define TOKENGUARD_REPORT_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"
#include "finding.h"
#include "scan.h"

/*
 * One line for people, without the newline:
 *   path:line:column: rule: description [redacted] fingerprint
 * or "commit:path:line:..." when f->commit is not NULL, the way git grep
 * names a file in a commit. Control bytes (and backslash, so that the
 * escape is unambiguous) in every field are written as \xNN.
 * *out is malloc'd and belongs to the caller.
 */
int report_text(char **out, const struct finding *f, struct err *e);

/*
 * A JSON object with the keys path, line, column, rule, description,
 * redacted, fingerprint, in that order, then commit when f->commit is
 * not NULL, "allowed": true when f->allowed_inline is set, and
 * "path_base64" (the path's bytes in base64) when the path is not valid
 * UTF-8. *out belongs to the caller (json_decref()).
 */
int report_json(json_t **out, const struct finding *f, struct err *e);

/*
 * A SARIF 2.1.0 log with one run of tokenguard: the tool with every rule
 * in rules[0..nrules) (id, short and full description, help) and an
 * empty results array, which is the last member of the run so that
 * report_sarif_split() can stream results. *out belongs to the caller
 * (json_decref()).
 */
int report_sarif_new(json_t **out, const struct scan_rule_info *rules,
    size_t nrules, struct err *e);

/* The results array of a log from report_sarif_new(); borrowed. */
json_t *report_sarif_results(json_t *log);

/*
 * One SARIF result for f: ruleId, level "error", message, the location
 * (a percent-encoded URI reference for the path, with uriBaseId
 * "%SRCROOT%" when it is relative; startLine and startColumn) and
 * partialFingerprints {"tokenguard/v1": fingerprint}.
 * *out belongs to the caller (json_decref()).
 */
int report_sarif_result(json_t **out, const struct finding *f,
    struct err *e);

/*
 * Serializes a log whose results array is empty into the text before and
 * after the results' elements, so that a program can stream results:
 * head, then each result's JSON separated by ",", then tail, is one valid
 * SARIF document. *head and *tail are malloc'd and belong to the caller.
 */
int report_sarif_split(char **head, char **tail, const json_t *log,
    struct err *e);

/*
 * A path as a URI reference: bytes other than unreserved characters and
 * '/' percent-encoded; absolute paths become "file://" URIs. *out is
 * malloc'd and belongs to the caller.
 */
int report_uri(char **out, const char *path, struct err *e);

/*
 * A copy of s for a terminal or a log line: control characters (C0, DEL,
 * C1 as U+0080 to U+009F or as the raw bytes 0x80 to 0x9f outside valid
 * UTF-8, which a terminal may take for a CSI) and backslash written as
 * \xNN, as report_text() writes paths; other bytes stay as they are. *out is malloc'd and
 * belongs to the caller.
 */
int report_escape(char **out, const char *s, struct err *e);

/*
 * A copy of s with every byte that is not part of valid UTF-8 replaced
 * by U+FFFD, as jansson requires. *out is malloc'd and belongs to the
 * caller.
 */
int report_utf8(char **out, const char *s, struct err *e);

/*
 * o as one line of JSON Lines: compact, ended by a newline (written over
 * json_dumps()'s NUL, so the text is not NUL-terminated: *len says how
 * long it is). NULL when out of memory. free() it.
 */
char *report_json_line(const json_t *o, size_t *len);

#endif

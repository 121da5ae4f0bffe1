/*
 * webhook: delivery of watcher events over HTTP(S) with libcurl, signed
 * as Standard Webhooks (https://www.standardwebhooks.com/) say:
 *
 *   webhook-id: <the event's id, the same on every retry>
 *   webhook-timestamp: <seconds since the epoch of this attempt>
 *   webhook-signature: v1,<base64 of HMAC-SHA256(key, id.timestamp.body)>
 *
 * The key comes from a secret file: a secret that starts with "whsec_"
 * is the base64 of the key that follows the prefix, as the standard
 * writes it; any other secret is the key's bytes themselves.
 *
 * Bodies are made from an event record (a JSON object with the members
 * id, time, host, path, line, rule, description, redacted, fingerprint
 * and source; see webhook_body()). A record never holds a secret, so no
 * body does.
 *
 * Transport: TLS peers are verified (optionally against a CA file),
 * redirects are not followed, only http and https are spoken, and both a
 * connect timeout and a total timeout apply. One struct webhook keeps
 * one connection alive between requests; use it from one thread at a
 * time. curl_global_init() is the program's business.
 */
#ifndef TOKENGUARD_WEBHOOK_H
#define TOKENGUARD_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "err.h"

/* "v1," + 44 base64 characters + NUL */
#define WEBHOOK_SIGNATURE_SIZE 48

/* Keys longer than this are refused. */
#define WEBHOOK_KEY_MAX 1024

/* The path Alertmanager takes alerts on, appended to its base URL. */
#define WEBHOOK_ALERTMANAGER_PATH "/api/v2/alerts"

/* The value of the "alertname" label of alertmanager payloads. */
#define WEBHOOK_ALERTNAME "TokenguardSecretFound"

enum webhook_format {
	WEBHOOK_JSON = 0,	/* the record itself */
	WEBHOOK_SLACK,		/* {"text": ...} for incoming webhooks */
	WEBHOOK_ALERTMANAGER,	/* [alert] for /api/v2/alerts */
};

enum webhook_outcome {
	WEBHOOK_DELIVERED = 0,	/* 2xx */
	WEBHOOK_RETRY,		/* no answer, 408, 429, 3xx, 5xx, ... */
	WEBHOOK_REJECTED,	/* 4xx other than 408 and 429: for good */
};

/* Parses "json", "slack" or "alertmanager". Returns 0 or -1. */
int webhook_format_parse(enum webhook_format *out, const char *s);

/* The name webhook_format_parse() takes. Static. */
const char *webhook_format_name(enum webhook_format f);

/*
 * The signing key of a secret (text[0..len), from a secret file):
 * surrounding white space is dropped, then a "whsec_" prefix means that
 * base64 follows. *key is malloc'd and belongs to the caller, who
 * should clear it before freeing it. Errors never quote the secret.
 */
int webhook_secret_parse(unsigned char **key, size_t *keylen,
    const char *text, size_t len, struct err *e);

/*
 * Writes the webhook-signature value for one attempt to out:
 * "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)).
 */
int webhook_sign(char out[WEBHOOK_SIGNATURE_SIZE], const unsigned char *key,
    size_t keylen, const char *id, long long timestamp, const char *body,
    size_t len, struct err *e);

/*
 * The request body for a record in format f. json: an object with the
 * record's members id, time, host, path, line, rule, description,
 * redacted, fingerprint and source, in that order (others are left
 * out). slack: {"text": one line for people}. alertmanager: an array of
 * one alert with labels alertname, severity, rule, host, path and
 * fingerprint, annotations summary, description, redacted, line, id and
 * source, and startsAt. *out is malloc'd (NUL-terminated) and belongs to
 * the caller.
 */
int webhook_body(char **out, enum webhook_format f, const json_t *record,
    struct err *e);

/*
 * The URL to post to: url itself, or for alertmanager the base URL with
 * WEBHOOK_ALERTMANAGER_PATH appended (unless url already ends with it).
 * Refuses URLs that are not http:// or https://. *out is malloc'd and
 * belongs to the caller.
 */
int webhook_endpoint(char **out, const char *url, enum webhook_format f,
    struct err *e);

/* What one attempt gave. */
struct webhook_result {
	enum webhook_outcome outcome;
	long status;		/* HTTP status; 0 when there was no answer */
	long long retry_after_ms; /* from Retry-After; -1 when none */
	double seconds;		/* how long the attempt took */
	char why[ERR_MAX];	/* for RETRY and REJECTED: one line */
};

struct webhook_options {
	const char *url;		/* as webhook_endpoint() gives it */
	const unsigned char *key;	/* NULL: requests are not signed */
	size_t keylen;
	const char *ca_file;		/* NULL: the system's CAs */
	long connect_timeout_ms;
	long timeout_ms;
	const char *user_agent;
	/* Polled during a request: true aborts it (a RETRY). May be NULL. */
	bool (*cancelled)(void *payload);
	void *cancel_payload;
};

struct webhook;

/*
 * A sender for o (every string and the key copied). *out belongs to the
 * caller: webhook_free().
 */
int webhook_new(struct webhook **out, const struct webhook_options *o,
    struct err *e);

/* Frees w (clearing its copy of the key); w may be NULL. */
void webhook_free(struct webhook *w);

/*
 * POSTs body[0..len) (JSON) once, signed with id and timestamp, and
 * fills in r. A failed attempt is not an error: r says why and whether
 * to retry. Returns -1 only when the request could not be made at all
 * (out of memory), with e set.
 */
int webhook_send(struct webhook_result *r, struct webhook *w,
    const char *id, long long timestamp, const char *body, size_t len,
    struct err *e);

/* The outcome an HTTP status means (0: no answer). */
enum webhook_outcome webhook_classify(long status);

/*
 * A Retry-After value (delay-seconds or an HTTP-date) in milliseconds
 * from now, 0 for a date in the past, or -1 when value is neither.
 */
long long webhook_retry_after(const char *value, time_t now);

/*
 * The delay before retry number attempt (0 for the first retry), with
 * capped exponential backoff and full jitter: a uniformly random value in
 * [0, min(max_ms, base_ms * 2^attempt)], chosen by random (any 64-bit
 * value; the caller draws it).
 */
uint64_t webhook_backoff(unsigned attempt, uint64_t base_ms,
    uint64_t max_ms, uint64_t random);

#endif

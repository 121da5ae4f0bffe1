/*
 * test_webhook: Standard Webhooks signatures (the standard's published
 * vector, and HMAC-SHA256 computed here independently with OpenSSL's
 * one-shot HMAC()), secrets, the three payload shapes, endpoints, the
 * outcome of each HTTP status, Retry-After, backoff, and real requests
 * to a small HTTP server on 127.0.0.1 run by the test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "b64.h"
#include "support.h"
#include "webhook.h"

/* The test vector of the Standard Webhooks specification. */
#define SPEC_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SPEC_ID "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define SPEC_TS 1614265330LL
#define SPEC_BODY "{\"test\": 2432232314}"
#define SPEC_SIG "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

/* The key of SPEC_SECRET, its length in *keylen; the caller frees it. */
static unsigned char *
spec_key(size_t *keylen)
{
	unsigned char *key = NULL;
	struct err e = { 0 };

	assert_int_equal(webhook_secret_parse(&key, keylen, SPEC_SECRET,
	    strlen(SPEC_SECRET), &e), 0);
	return key;
}

static void
test_spec_vector(void **state)
{
	char sig[WEBHOOK_SIGNATURE_SIZE];
	size_t keylen = 0;
	unsigned char *key = spec_key(&keylen);
	struct err e = { 0 };

	(void)state;
	assert_int_equal(keylen, 24);
	assert_int_equal(webhook_sign(sig, key, keylen, SPEC_ID, SPEC_TS,
	    SPEC_BODY, strlen(SPEC_BODY), &e), 0);
	assert_string_equal(sig, SPEC_SIG);
	free(key);
}

/* "v1," + base64(HMAC-SHA256), the other way: OpenSSL's HMAC(). */
static void
independent(char out[WEBHOOK_SIGNATURE_SIZE], const unsigned char *key,
    size_t keylen, const char *id, long long ts, const char *body)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	char *msg;
	size_t n = strlen(id) + strlen(body) + 32;

	msg = malloc(n);
	assert_non_null(msg);
	n = (size_t)snprintf(msg, n, "%s.%lld.%s", id, ts, body);
	assert_non_null(HMAC(EVP_sha256(), key, (int)keylen,
	    (const unsigned char *)msg, n, mac, &maclen));
	assert_int_equal(maclen, 32);
	memcpy(out, "v1,", 3);
	(void)b64_encode(out + 3, mac, maclen);
	free(msg);
}

static void
test_sign_table(void **state)
{
	static const struct {
		const char *key;
		const char *id;
		long long ts;
		const char *body;
	} cases[] = {
		{ "k", "msg_1", 0, "" },
		{ "a longer raw secret, not base64 at all", "msg_abc",
		    1700000000, "{\"path\":\"/x\"}" },
		{ "\x01\x02\x03", "msg_00000000000000000000000000000000",
		    9999999999LL, "[{\"labels\":{}}]" },
		{ "0123456789012345678901234567890123456789012345678901234567"
		    "89012345678901234567890123456789", "m", 1, "body" },
	};
	char got[WEBHOOK_SIGNATURE_SIZE], want[WEBHOOK_SIGNATURE_SIZE];
	struct err e = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const unsigned char *k = (const unsigned char *)cases[i].key;

		assert_int_equal(webhook_sign(got, k, strlen(cases[i].key),
		    cases[i].id, cases[i].ts, cases[i].body,
		    strlen(cases[i].body), &e), 0);
		independent(want, k, strlen(cases[i].key), cases[i].id,
		    cases[i].ts, cases[i].body);
		assert_string_equal(got, want);
	}
}

static void
test_secret(void **state)
{
	static const struct {
		const char *text;
		int rc;
		const char *key;	/* expected key bytes, as text */
	} cases[] = {
		{ "plain", 0, "plain" },
		{ "  plain secret \n", 0, "plain secret" },
		{ "whsec_c2VjcmV0", 0, "secret" },
		{ "whsec_c2VjcmV0\n", 0, "secret" },
		{ "whsec_", 0, "whsec_" },	/* nothing after: raw */
		{ "whsec_!!!", -1, NULL },
		{ "", -1, NULL },
		{ " \n\t", -1, NULL },
	};
	struct err e = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char *key = NULL;
		size_t len = 0;
		int rc = webhook_secret_parse(&key, &len, cases[i].text,
		    strlen(cases[i].text), &e);

		assert_int_equal(rc, cases[i].rc);
		if (rc == 0) {
			assert_int_equal(len, strlen(cases[i].key));
			assert_memory_equal(key, cases[i].key, len);
		} else {
			/* The message never quotes the secret. */
			assert_null(strstr(e.msg, "!!!"));
		}
		free(key);
	}
}

static json_t *
record(void)
{
	json_t *r = json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:s,s:s,s:s,s:s,"
	    "s:i}",
	    "id", "msg_1", "time", "2024-01-02T03:04:05.678Z",
	    "host", "runner-1", "path", "/builds/a <b> & c/.npmrc",
	    "line", 7, "rule", "npm-token",
	    "description", "npm access token: revoke it",
	    "redacted", "npm_...Ab", "fingerprint", "sha256:00ff",
	    "source", "event", "column", 3);

	assert_non_null(r);
	return r;
}

static json_t *
body_of(enum webhook_format f)
{
	json_t *r = record(), *b;
	struct err e = { 0 };
	char *s = NULL;

	assert_int_equal(webhook_body(&s, f, r, &e), 0);
	b = json_loads(s, 0, NULL);
	assert_non_null(b);
	free(s);
	json_decref(r);
	return b;
}

static void
test_body_json(void **state)
{
	static const char *const keys[] = {
		"id", "time", "host", "path", "line", "rule", "description",
		"redacted", "fingerprint", "source",
	};
	json_t *b = body_of(WEBHOOK_JSON);
	const char *k;
	json_t *v;
	size_t i = 0;

	(void)state;
	assert_true(json_is_object(b));
	/* Exactly these keys, in this order (jansson keeps it). */
	json_object_foreach(b, k, v) {
		assert_true(i < sizeof(keys) / sizeof(keys[0]));
		assert_string_equal(k, keys[i]);
		i++;
	}
	assert_int_equal(i, sizeof(keys) / sizeof(keys[0]));
	assert_int_equal(json_integer_value(json_object_get(b, "line")), 7);
	assert_json_string(b, "path", "/builds/a <b> & c/.npmrc");
	json_decref(b);
}

static void
test_body_slack(void **state)
{
	json_t *b = body_of(WEBHOOK_SLACK);
	const char *text;

	(void)state;
	assert_int_equal(json_object_size(b), 1);
	text = json_string_value(json_object_get(b, "text"));
	assert_non_null(text);
	assert_non_null(strstr(text, "runner-1"));
	assert_non_null(strstr(text, "npm-token"));
	/* Slack's control characters are escaped. */
	assert_non_null(strstr(text, "/builds/a &lt;b&gt; &amp; c/.npmrc:7"));
	assert_null(strstr(text, "<b>"));
	assert_non_null(strstr(text, "npm_...Ab"));
	assert_non_null(strstr(text, "sha256:00ff"));
	json_decref(b);
}

static void
test_body_alertmanager(void **state)
{
	json_t *b = body_of(WEBHOOK_ALERTMANAGER), *a, *lab, *ann;

	(void)state;
	assert_true(json_is_array(b));
	assert_int_equal(json_array_size(b), 1);
	a = json_array_get(b, 0);
	lab = json_object_get(a, "labels");
	ann = json_object_get(a, "annotations");
	assert_json_string(lab, "alertname", WEBHOOK_ALERTNAME);
	assert_json_string(lab, "severity", "critical");
	assert_json_string(lab, "rule", "npm-token");
	assert_json_string(lab, "host", "runner-1");
	assert_json_string(lab, "fingerprint", "sha256:00ff");
	assert_int_equal(json_object_size(lab), 6);
	/* Label and annotation values are strings, line included. */
	assert_json_string(ann, "line", "7");
	assert_json_string(ann, "id", "msg_1");
	assert_json_string(ann, "redacted", "npm_...Ab");
	assert_non_null(json_string_value(json_object_get(ann, "summary")));
	assert_json_string(a, "startsAt", "2024-01-02T03:04:05.678Z");
	json_decref(b);
}

/*
 * Found by fuzz_queue: a long path of multi-byte characters made the
 * alert's summary (cut to ERR_MAX bytes) end inside a character; jansson
 * refused it and the event could never be delivered.
 */
static void
test_body_alertmanager_long_utf8(void **state)
{
	char path[1200];
	size_t n = 0;
	json_t *r = record(), *b;
	struct err e = { 0 };
	const char *sum;
	char *s = NULL;

	(void)state;
	path[n++] = '/';
	for (int shift = 0; shift < 3; shift++) {
		n = 1 + (size_t)shift;
		memset(path + 1, 'a', (size_t)shift);
		while (n + 3 < sizeof(path) - 1) {
			memcpy(path + n, "\xe3\x83\x87", 3);	/* U+30C7 */
			n += 3;
		}
		path[n] = '\0';
		assert_int_equal(json_object_set_new(r, "path",
		    json_string(path)), 0);
		assert_int_equal(webhook_body(&s, WEBHOOK_ALERTMANAGER, r, &e),
		    0);
		b = json_loads(s, 0, NULL);
		assert_non_null(b);
		sum = json_string_value(json_object_get(json_object_get(
		    json_array_get(b, 0), "annotations"), "summary"));
		assert_non_null(sum);
		assert_true(strlen(sum) < ERR_MAX);
		json_decref(b);
		free(s);
		s = NULL;
	}
	json_decref(r);
}

static void
test_endpoint(void **state)
{
	static const struct {
		const char *url;
		enum webhook_format f;
		const char *want;	/* NULL: refused */
	} cases[] = {
		{ "https://h/hook", WEBHOOK_JSON, "https://h/hook" },
		{ "http://127.0.0.1:9093", WEBHOOK_ALERTMANAGER,
		    "http://127.0.0.1:9093/api/v2/alerts" },
		{ "http://am:9093/", WEBHOOK_ALERTMANAGER,
		    "http://am:9093/api/v2/alerts" },
		{ "http://am/api/v2/alerts", WEBHOOK_ALERTMANAGER,
		    "http://am/api/v2/alerts" },
		{ "HTTPS://hooks.slack.com/services/T/B/X", WEBHOOK_SLACK,
		    "HTTPS://hooks.slack.com/services/T/B/X" },
		{ "ftp://h/x", WEBHOOK_JSON, NULL },
		{ "file:///etc/passwd", WEBHOOK_JSON, NULL },
		{ "h/x", WEBHOOK_JSON, NULL },
	};
	struct err e = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = NULL;
		int rc = webhook_endpoint(&out, cases[i].url, cases[i].f, &e);

		if (cases[i].want == NULL) {
			assert_int_equal(rc, -1);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_string_equal(out, cases[i].want);
		free(out);
	}
}

static void
test_classify(void **state)
{
	static const struct {
		long status;
		enum webhook_outcome want;
	} cases[] = {
		{ 200, WEBHOOK_DELIVERED }, { 202, WEBHOOK_DELIVERED },
		{ 204, WEBHOOK_DELIVERED }, { 299, WEBHOOK_DELIVERED },
		{ 400, WEBHOOK_REJECTED }, { 401, WEBHOOK_REJECTED },
		{ 403, WEBHOOK_REJECTED }, { 404, WEBHOOK_REJECTED },
		{ 410, WEBHOOK_REJECTED }, { 413, WEBHOOK_REJECTED },
		{ 408, WEBHOOK_RETRY }, { 429, WEBHOOK_RETRY },
		{ 500, WEBHOOK_RETRY }, { 502, WEBHOOK_RETRY },
		{ 503, WEBHOOK_RETRY }, { 301, WEBHOOK_RETRY },
		{ 302, WEBHOOK_RETRY }, { 100, WEBHOOK_RETRY },
		{ 0, WEBHOOK_RETRY },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(webhook_classify(cases[i].status),
		    cases[i].want);
}

static void
test_retry_after(void **state)
{
	const time_t now = 1700000000;	/* Tue, 14 Nov 2023 22:13:20 GMT */

	(void)state;
	assert_int_equal(webhook_retry_after("5", now), 5000);
	assert_int_equal(webhook_retry_after(" 120\r\n", now), 120000);
	assert_int_equal(webhook_retry_after("0", now), 0);
	assert_int_equal(webhook_retry_after("soon", now), -1);
	assert_int_equal(webhook_retry_after("5 s", now), -1);
	assert_int_equal(webhook_retry_after("-5", now), -1);
	assert_int_equal(webhook_retry_after(
	    "Tue, 14 Nov 2023 22:14:00 GMT", now), 40000);
	assert_int_equal(webhook_retry_after(
	    "Tue, 14 Nov 2023 22:00:00 GMT", now), 0);
}

static void
test_backoff(void **state)
{
	(void)state;
	/* Full jitter: anything in [0, min(max, base * 2^attempt)]. */
	assert_int_equal(webhook_backoff(0, 1000, 60000, 0), 0);
	assert_int_equal(webhook_backoff(0, 1000, 60000, 1000), 1000);
	assert_int_equal(webhook_backoff(0, 1000, 60000, 1001), 0);
	assert_int_equal(webhook_backoff(3, 1000, 60000, 7999), 7999);
	assert_int_equal(webhook_backoff(3, 1000, 60000, 8000), 8000);
	assert_int_equal(webhook_backoff(3, 1000, 60000, 8001), 0);
	/* Capped, however many attempts. */
	for (unsigned a = 6; a < 200; a += 7) {
		for (uint64_t r = 0; r < 1000000; r += 99991)
			assert_true(webhook_backoff(a, 1000, 60000,
			    r * 0x9e3779b97f4a7c15ULL) <= 60000);
	}
	assert_int_equal(webhook_backoff(100, 1000, 60000, 60000), 60000);
}

/* A one-request-at-a-time HTTP server on 127.0.0.1, for real sends. */
struct server {
	int fd;
	int port;
	pthread_t thread;
	const char *response;	/* written after each request */
	bool silent;		/* read the request, never answer */
	int requests;
	char last[8192];	/* the last request, headers and body */
};

static void *
serve(void *arg)
{
	struct server *s = arg;

	for (;;) {
		char buf[8192];
		size_t len = 0;
		char *end, *cl;
		size_t need;
		int c = accept(s->fd, NULL, NULL);

		if (c < 0)
			return NULL;
		for (;;) {
			ssize_t n = read(c, buf + len, sizeof(buf) - 1 - len);

			if (n <= 0)
				break;
			len += (size_t)n;
			buf[len] = '\0';
			end = strstr(buf, "\r\n\r\n");
			if (end == NULL)
				continue;
			cl = strcasestr(buf, "content-length:");
			need = (size_t)(end - buf) + 4 +
			    (cl != NULL ? strtoul(cl + 15, NULL, 10) : 0);
			if (len >= need)
				break;
		}
		memcpy(s->last, buf, len + 1);
		s->requests++;
		if (s->silent) {
			/* Hold the connection until the client gives up. */
			while (read(c, buf, sizeof(buf)) > 0)
				;
		} else {
			(void)write(c, s->response, strlen(s->response));
		}
		(void)close(c);
	}
}

static void
server_start(struct server *s, const char *response, bool silent)
{
	struct sockaddr_in a = { 0 };
	socklen_t alen = sizeof(a);

	memset(s, 0, sizeof(*s));
	s->response = response;
	s->silent = silent;
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s->fd >= 0);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->fd, 4), 0);
	assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &alen), 0);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void
server_stop(struct server *s)
{
	(void)shutdown(s->fd, SHUT_RDWR);
	(void)close(s->fd);
	(void)pthread_join(s->thread, NULL);
}

static bool stop_now;

static bool
cancel_flag(void *payload)
{
	(void)payload;
	return stop_now;
}

/* Sends the spec's body to s and returns the result. */
static void
send_to(struct webhook_result *r, struct server *s, long timeout_ms,
    const unsigned char *key, size_t keylen)
{
	struct webhook_options o = { 0 };
	struct webhook *w = NULL;
	struct err e = { 0 };
	char url[64];

	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", s->port);
	o.url = url;
	o.key = key;
	o.keylen = keylen;
	o.connect_timeout_ms = 2000;
	o.timeout_ms = timeout_ms;
	o.user_agent = "test";
	o.cancelled = cancel_flag;
	assert_int_equal(webhook_new(&w, &o, &e), 0);
	assert_int_equal(webhook_send(r, w, SPEC_ID, SPEC_TS, SPEC_BODY,
	    strlen(SPEC_BODY), &e), 0);
	webhook_free(w);
}

static void
test_send(void **state)
{
	static const struct {
		const char *response;
		enum webhook_outcome outcome;
		long status;
		long long retry_after_ms;
	} cases[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
		    "Connection: close\r\n\r\n", WEBHOOK_DELIVERED, 200, -1 },
		{ "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n",
		    WEBHOOK_DELIVERED, 204, -1 },
		{ "HTTP/1.1 503 Busy\r\nRetry-After: 7\r\nContent-Length: 4"
		    "\r\nConnection: close\r\n\r\nbusy", WEBHOOK_RETRY, 503,
		    7000 },
		{ "HTTP/1.1 429 Slow down\r\nretry-after: 2\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n",
		    WEBHOOK_RETRY, 429, 2000 },
		{ "HTTP/1.1 400 Bad\r\nContent-Length: 0\r\n"
		    "Connection: close\r\n\r\n", WEBHOOK_REJECTED, 400, -1 },
		/* Redirects are not followed: one request only. */
		{ "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/x\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n",
		    WEBHOOK_RETRY, 302, -1 },
	};
	size_t keylen = 0;
	unsigned char *key = spec_key(&keylen);

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct webhook_result r;
		struct server s;

		server_start(&s, cases[i].response, false);
		send_to(&r, &s, 5000, key, keylen);
		server_stop(&s);
		assert_int_equal(r.outcome, cases[i].outcome);
		assert_int_equal(r.status, cases[i].status);
		assert_int_equal(r.retry_after_ms, cases[i].retry_after_ms);
		assert_int_equal(s.requests, 1);
		if (cases[i].status == 302)
			assert_non_null(strstr(r.why, "redirect"));
		/* What went over the wire: signed, as the spec says. */
		assert_non_null(strstr(s.last, "POST /hook HTTP/1.1\r\n"));
		assert_non_null(strcasestr(s.last, "\r\nwebhook-id: " SPEC_ID
		    "\r\n"));
		assert_non_null(strcasestr(s.last,
		    "\r\nwebhook-timestamp: 1614265330\r\n"));
		assert_non_null(strcasestr(s.last,
		    "\r\nwebhook-signature: " SPEC_SIG "\r\n"));
		assert_non_null(strcasestr(s.last,
		    "\r\ncontent-type: application/json\r\n"));
		assert_non_null(strstr(s.last, "\r\n\r\n" SPEC_BODY));
	}
	free(key);
}

static void
test_send_unsigned_and_failures(void **state)
{
	struct webhook_options o = { 0 };
	struct webhook_result r;
	struct webhook *w = NULL;
	struct err e = { 0 };
	struct server s;

	(void)state;
	/* No key: no signature header. */
	server_start(&s, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n", false);
	send_to(&r, &s, 5000, NULL, 0);
	server_stop(&s);
	assert_int_equal(r.outcome, WEBHOOK_DELIVERED);
	assert_null(strcasestr(s.last, "webhook-signature"));
	assert_non_null(strcasestr(s.last, "webhook-id: " SPEC_ID));

	/* A server that never answers: the total timeout. */
	server_start(&s, NULL, true);
	send_to(&r, &s, 300, NULL, 0);
	assert_int_equal(r.outcome, WEBHOOK_RETRY);
	assert_int_equal(r.status, 0);
	assert_true(r.why[0] != '\0');
	/* Cancelled: gives up at once. */
	stop_now = true;
	send_to(&r, &s, 30000, NULL, 0);
	stop_now = false;
	assert_int_equal(r.outcome, WEBHOOK_RETRY);
	assert_true(r.seconds < 5);
	server_stop(&s);

	/* Nobody listening. */
	o.url = "http://127.0.0.1:1/x";
	o.connect_timeout_ms = 1000;
	o.timeout_ms = 1000;
	assert_int_equal(webhook_new(&w, &o, &e), 0);
	assert_int_equal(webhook_send(&r, w, "msg_x", 1, "{}", 2, &e), 0);
	assert_int_equal(r.outcome, WEBHOOK_RETRY);
	assert_int_equal(r.status, 0);
	webhook_free(w);
}

static void
test_format_names(void **state)
{
	enum webhook_format f;

	(void)state;
	for (int i = WEBHOOK_JSON; i <= WEBHOOK_ALERTMANAGER; i++) {
		assert_int_equal(webhook_format_parse(&f,
		    webhook_format_name((enum webhook_format)i)), 0);
		assert_int_equal(f, i);
	}
	assert_int_equal(webhook_format_parse(&f, "JSON"), -1);
	assert_int_equal(webhook_format_parse(&f, "xml"), -1);
	assert_int_equal(webhook_format_parse(&f, NULL), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_vector),
		cmocka_unit_test(test_sign_table),
		cmocka_unit_test(test_secret),
		cmocka_unit_test(test_body_json),
		cmocka_unit_test(test_body_slack),
		cmocka_unit_test(test_body_alertmanager),
		cmocka_unit_test(test_body_alertmanager_long_utf8),
		cmocka_unit_test(test_endpoint),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_send),
		cmocka_unit_test(test_send_unsigned_and_failures),
		cmocka_unit_test(test_format_names),
	};
	int rc;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}

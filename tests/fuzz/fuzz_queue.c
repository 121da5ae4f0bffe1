/*
 * fuzz_queue: the watcher's queue records read back from disk
 * (queue_record_parse(), what queue_open() does with each "<id>.json"
 * it finds after a restart) and the webhook bodies made from them
 * (webhook_body(), what delivery posts), on arbitrary bytes. Bit 0 of
 * byte 0 chooses whether the record is checked against an id (as at
 * queue_open()) or as queue_read() checks it; the rest is the file.
 *
 * Checks, besides ASan and UBSan (the file is an exact-size copy):
 *   - an accepted record is a JSON object; with an id, its "path",
 *     "fingerprint" and "id" members are strings and "id" is the id;
 *   - it accepts exactly what jansson accepts as such an object (no
 *     duplicate members), and a refusal says why in one line;
 *   - each of the three webhook formats makes a body from any accepted
 *     record (its strings are UTF-8); a body is valid JSON (an object
 *     for json and slack, an array of one alert for alertmanager) and
 *     carries the record's fingerprint when it had one;
 *   - a body is signed (webhook_sign()) into a "v1," signature.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "harness.h"
#include "queue.h"
#include "webhook.h"

static const char ID[] = "msg_0123456789abcdef0123456789abcdef";

static bool
ref_accepts(const char *buf, size_t n, const char *id)
{
	json_error_t je;
	json_t *j = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &je);
	bool ok = j != NULL && json_is_object(j);

	if (ok && id != NULL) {
		const char *rid = json_string_value(json_object_get(j, "id"));

		ok = json_is_string(json_object_get(j, "path")) &&
		    json_is_string(json_object_get(j, "fingerprint")) &&
		    rid != NULL && strcmp(rid, id) == 0;
	}
	json_decref(j);
	return ok;
}

static void
check_bodies(const json_t *rec)
{
	static const unsigned char key[] = "fuzz-signing-key";
	const char *fp = json_string_value(json_object_get(rec,
	    "fingerprint"));

	for (int f = 0; f < 3; f++) {
		char sig[WEBHOOK_SIGNATURE_SIZE];
		struct err e = { 0 };
		json_error_t je;
		char *body = NULL;
		json_t *parsed;

		/*
		 * jansson parsed the record, so its strings are UTF-8: a
		 * body can always be made (out of memory aside), or the
		 * event could never be delivered.
		 */
		HARNESS_CHECK(webhook_body(&body, (enum webhook_format)f, rec,
		    &e) == 0, "format %d: webhook_body: %s", f, e.msg);
		parsed = json_loads(body, 0, &je);
		HARNESS_CHECK(parsed != NULL, "format %d: body is not JSON: "
		    "%s", f, je.text);
		HARNESS_CHECK((enum webhook_format)f == WEBHOOK_ALERTMANAGER ?
		    json_is_array(parsed) && json_array_size(parsed) == 1 :
		    json_is_object(parsed), "format %d: body of the wrong "
		    "shape", f);
		if (fp != NULL && (enum webhook_format)f == WEBHOOK_JSON)
			HARNESS_CHECK(json_equal(json_object_get(parsed,
			    "fingerprint"), json_object_get(rec,
			    "fingerprint")), "json body: fingerprint lost");
		if (fp != NULL && (enum webhook_format)f ==
		    WEBHOOK_ALERTMANAGER)
			HARNESS_CHECK(json_equal(json_object_get(
			    json_object_get(json_array_get(parsed, 0),
			    "labels"), "fingerprint"), json_object_get(rec,
			    "fingerprint")), "alertmanager body: fingerprint "
			    "lost");
		json_decref(parsed);
		HARNESS_CHECK(webhook_sign(sig, key, sizeof(key) - 1, ID,
		    1700000000, body, strlen(body), &e) == 0, "webhook_sign: "
		    "%s", e.msg);
		HARNESS_CHECK(strncmp(sig, "v1,", 3) == 0, "signature '%s'",
		    sig);
		free(body);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *id;
	struct err e = { 0 };
	json_t *rec = NULL;
	char *buf;
	size_t n;
	bool want;
	int rc;

	if (size < 1)
		return 0;
	id = (data[0] & 1) != 0 ? ID : NULL;
	n = size - 1;
	buf = malloc(n != 0 ? n : 1);
	HARNESS_CHECK(buf != NULL, "out of memory");
	memcpy(buf, data + 1, n);
	want = ref_accepts(buf, n, id);
	rc = queue_record_parse(&rec, buf, n, id, &e);
	HARNESS_CHECK((rc == 0) == want, "queue_record_parse gave %d, the "
	    "reference %s", rc, want ? "accepts" : "refuses");
	if (rc == 0) {
		HARNESS_CHECK(json_is_object(rec), "not an object");
		check_bodies(rec);
		json_decref(rec);
	} else {
		HARNESS_CHECK(e.msg[0] != '\0' && strchr(e.msg, '\n') == NULL,
		    "no one-line message");
	}
	free(buf);
	return 0;
}

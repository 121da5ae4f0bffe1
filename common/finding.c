/* finding: redaction and fingerprints of secret values. */
#include "finding.h"

#include <string.h>

#include <openssl/evp.h>

static const char ELLIPSIS[] = "\xe2\x80\xa6";

void
finding_redact(char out[REDACTED_SIZE], const char *value, size_t len)
{
	size_t head, tail, n = 0;

	/*
	 * Long values show 4 + 2 characters; shorter ones less, so that the
	 * shown part never approaches the whole secret.
	 */
	if (len >= 16) {
		head = 4;
		tail = 2;
	} else if (len >= 9) {
		head = 2;
		tail = 1;
	} else {
		head = 0;
		tail = 0;
	}
	memcpy(out, value, head);
	n = head;
	memcpy(out + n, ELLIPSIS, sizeof(ELLIPSIS) - 1);
	n += sizeof(ELLIPSIS) - 1;
	memcpy(out + n, value + len - tail, tail);
	n += tail;
	out[n] = '\0';
	/*
	 * Control bytes would garble a terminal or a JSON consumer, and
	 * a multi-byte character cut at 4 or 2 bytes is not UTF-8, which
	 * JSON encoders refuse (the watcher could not queue the finding).
	 */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)out[i];

		if (c < 0x20 || c == 0x7f || (c >= 0x80 && i < head) ||
		    (c >= 0x80 && i >= n - tail))
			out[i] = '?';
	}
}

int
finding_fingerprint(char out[FINGERPRINT_SIZE], const char *value,
    size_t len, struct err *e)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(value, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		return err_set(e, "sha-256 failed");
	memcpy(out, "sha256:", 7);
	for (unsigned int i = 0; i < mdlen; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[7 + 2 * i + 1] = hex[md[i] & 0xf];
	}
	out[7 + 64] = '\0';
	return 0;
}

bool
finding_is_fingerprint(const char *s)
{
	if (strncmp(s, "sha256:", 7) != 0)
		return false;
	for (size_t i = 7; i < 7 + 64; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return false;
	}
	return s[7 + 64] == '\0';
}

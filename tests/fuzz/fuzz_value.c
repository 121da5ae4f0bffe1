/*
 * fuzz_value: RULES.md section 3, the judgement of a credential value
 * (common/value.c): references with literal fallbacks (${X:-fallback},
 * nested), NpmToken.<uuid>, placeholders, UUIDs, github_pat_, and
 * user:password logins, on arbitrary bytes.
 *
 * Checks, besides ASan and UBSan (the value is an exact-size heap copy:
 * nothing may read v[n]):
 *   - the judged part [off, off + len) lies within the value;
 *   - each class means what it says: VALUE_TOKEN is 40 bytes of token
 *     shape, VALUE_UUID a UUID, VALUE_GITHUB_PAT 93 bytes starting
 *     "github_pat_", VALUE_LITERAL 16+ bytes, 2+ character classes, no
 *     blank, neither a reference nor a placeholder;
 *   - judging the judged part again gives the same class, whole;
 *   - the same value judged twice gives the same answer;
 *   - value_classes() is 0 to 4, 0 only for an empty value;
 *   - value_is_real_login() needs a colon and a non-empty password.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "token.h"
#include "value.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *v = malloc(size != 0 ? size : 1);
	enum value_class cls, again;
	size_t off = 0, len = 0, off2 = 0, len2 = 0;
	const char *p;
	int classes;

	HARNESS_CHECK(v != NULL, "out of memory");
	memcpy(v, data, size);
	cls = value_classify(v, size, &off, &len);
	HARNESS_CHECK(off <= size && len <= size - off,
	    "judged part [%zu, +%zu) outside %zu bytes", off, len, size);
	p = v + off;
	switch (cls) {
	case VALUE_NONE:
		break;
	case VALUE_TOKEN:
		HARNESS_CHECK(len == TOKEN_LEN && token_shape(p, len) !=
		    TOKEN_NONE, "VALUE_TOKEN of another shape");
		break;
	case VALUE_UUID:
		HARNESS_CHECK(value_is_uuid(p, len), "VALUE_UUID not a UUID");
		break;
	case VALUE_GITHUB_PAT:
		HARNESS_CHECK(len == 93 && memcmp(p, "github_pat_", 11) == 0,
		    "VALUE_GITHUB_PAT of another shape");
		break;
	case VALUE_LITERAL:
		HARNESS_CHECK(len >= 16 && value_classes(p, len) >= 2 &&
		    memchr(p, ' ', len) == NULL &&
		    memchr(p, '\t', len) == NULL &&
		    !value_is_reference(p, len) &&
		    !value_is_placeholder(p, len),
		    "VALUE_LITERAL that is not one");
		break;
	default:
		HARNESS_CHECK(false, "unknown class %d", (int)cls);
	}
	if (cls != VALUE_NONE) {
		again = value_classify(p, len, &off2, &len2);
		HARNESS_CHECK(again == cls && off2 == 0 && len2 == len,
		    "the judged part judged again: class %d [%zu, +%zu), was "
		    "%d [%zu, +%zu)", (int)again, off2, len2, (int)cls, off,
		    len);
	}
	again = value_classify(v, size, &off2, &len2);
	HARNESS_CHECK(again == cls && off2 == off && len2 == len,
	    "not deterministic");

	classes = value_classes(v, size);
	HARNESS_CHECK(classes >= 0 && classes <= 4 && (classes == 0) ==
	    (size == 0), "value_classes %d of %zu bytes", classes, size);
	if (value_is_real_login(v, size)) {
		const char *colon = memchr(v, ':', size);

		HARNESS_CHECK(colon != NULL && colon + 1 < v + size,
		    "a real login without a password");
	}
	(void)value_is_reference(v, size);
	(void)value_is_placeholder(v, size);
	free(v);
	return 0;
}

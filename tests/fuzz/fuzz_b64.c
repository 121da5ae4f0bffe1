/*
 * fuzz_b64: base64 (common/b64.c), the decoder behind the scanner's
 * decode-and-rescan step (_auth, _password, Secret data, "bnBtX" runs)
 * and webhook secrets ("whsec_").
 *
 * Checks, besides ASan and UBSan (inputs and outputs are exact-size
 * heap copies, so a byte written or read past b64_decoded_max() is
 * caught):
 *   - b64_decode() accepts exactly what a reference judge accepts (both
 *     alphabets, '=' only at the end, never a single dangling
 *     character) and decodes to floor(6 * chars / 8) bytes;
 *   - decoding is right: re-encoding the output and decoding that gives
 *     the same bytes, and the re-encoding matches the input's
 *     characters (URL-safe ones mapped) up to the unused low bits of the
 *     last one;
 *   - b64_encode() of the input decodes back to the input, is padded to
 *     a multiple of 4 and NUL-terminated;
 *   - b64_is_char() is true exactly for the 64 + 2 alphabet characters.
 */
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "harness.h"

static const char STD[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (int c = 0; c < 256; c++)
		HARNESS_CHECK(b64_is_char((unsigned char)c) ==
		    (c != 0 && (strchr(STD, c) != NULL || c == '-' ||
		    c == '_')), "b64_is_char(0x%02x)", c);
	return 0;
}

static int
sixbits(unsigned char c)
{
	const char *p = c != 0 ? strchr(STD, c) : NULL;

	if (p != NULL)
		return (int)(p - STD);
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n != 0 ? n : 1);

	HARNESS_CHECK(p != NULL, "out of memory");
	return p;
}

/* Encodes src[0..n) into an exact-size buffer; returns it. */
static char *
encode(const unsigned char *src, size_t n, size_t *outn)
{
	size_t want = 4 * ((n + 2) / 3);
	char *out = xmalloc(want + 1);

	*outn = b64_encode(out, src, n);
	HARNESS_CHECK(*outn == want && out[want] == '\0',
	    "b64_encode: length %zu, want %zu", *outn, want);
	return out;
}

static long
decode(unsigned char **out, const char *src, size_t n)
{
	size_t max = b64_decoded_max(n);

	*out = xmalloc(max);
	return b64_decode(*out, src, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = xmalloc(size), *enc;
	unsigned char *dec, *dec2;
	size_t chars = size, encn;
	bool want = true;
	long n, n2;

	memcpy(in, data, size);
	while (chars > 0 && in[chars - 1] == '=')
		chars--;
	for (size_t i = 0; i < chars; i++)
		want = want && sixbits((unsigned char)in[i]) >= 0;
	want = want && chars % 4 != 1;

	n = decode(&dec, in, size);
	HARNESS_CHECK((n >= 0) == want, "b64_decode gave %ld, the reference "
	    "%s", n, want ? "accepts" : "refuses");
	if (n >= 0) {
		HARNESS_CHECK((size_t)n == chars * 6 / 8 &&
		    (size_t)n <= b64_decoded_max(size), "decoded %ld bytes "
		    "of %zu characters", n, chars);
		enc = encode(dec, (size_t)n, &encn);
		for (size_t i = 0; i < chars; i++) {
			int a = sixbits((unsigned char)in[i]);
			int b = sixbits((unsigned char)enc[i]);
			int mask = 0x3f;

			/* The last character's low bits are not decoded. */
			if (i == chars - 1 && chars % 4 == 2)
				mask = 0x30;
			else if (i == chars - 1 && chars % 4 == 3)
				mask = 0x3c;
			HARNESS_CHECK((a & mask) == (b & mask),
			    "re-encoding differs at %zu", i);
		}
		n2 = decode(&dec2, enc, encn);
		HARNESS_CHECK(n2 == n && memcmp(dec, dec2, (size_t)n) == 0,
		    "decode(encode(decode(x))) != decode(x)");
		free(dec2);
		free(enc);
	}
	free(dec);

	enc = encode((const unsigned char *)in, size, &encn);
	n = decode(&dec, enc, encn);
	HARNESS_CHECK(n == (long)size && memcmp(dec, in, size) == 0,
	    "decode(encode(x)) != x");
	free(dec);
	free(enc);
	free(in);
	return 0;
}

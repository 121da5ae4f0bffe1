/*
 * filter: the candidate filter of the scanner. One pass over the bytes
 * finds the places where an anchor may start (npm, _auth, _pass, gh?_,
 * BEGIN, ://, bnBtX, Secret), with a vectorised pair filter (Teddy, on
 * AVX2) or a scalar loop; everything else of the engine looks only at
 * those places, so clean text runs at memory speed. The newline counts
 * of line numbers are here too: they are the other pass over all bytes.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <immintrin.h>

#include "scanctx.h"

/* ---- the anchor filter ------------------------------------------------ */

/*
 * A candidate is a place where one of these starts, compared with ASCII
 * letters folded to lower case (which maps '_' to 0x7f): "npm", "_au",
 * "_pas", "gh?_", "-beg", "://", "bnbt", "secr". The handlers check the
 * exact bytes.
 */
static bool
candidate_at(const unsigned char *b, size_t i, size_t len)
{
	unsigned char c0, c1, c2, c3;

	if (i + 3 > len)
		return false;
	c0 = b[i] | 0x20;
	c1 = b[i + 1] | 0x20;
	c2 = b[i + 2] | 0x20;
	c3 = i + 3 < len ? b[i + 3] | 0x20 : 0;
	switch (c0) {
	case 'n':
		/* a token (npm_) or a key (NPM_TOKEN, npmAuthToken) */
		return c1 == 'p' && c2 == 'm' && ((c3 >= '0' && c3 <= '9') ||
		    (c3 >= 'a' && c3 <= 'z') || c3 == 0x7f);
	case 0x7f:
		return (c1 == 'a' && c2 == 'u') || (c1 == 'p' && c2 == 'a' &&
		    c3 == 's');
	case 'g':
		return c1 == 'h' && c3 == 0x7f;
	case '-':
		return c1 == 'b' && c2 == 'e' && c3 == 'g';
	case ':':
		return c1 == '/' && c2 == '/';
	case 'b':
		return c1 == 'n' && c2 == 'b' && c3 == 't';
	case 's':
		return c1 == 'e' && c2 == 'c' && c3 == 'r';
	default:
		return false;
	}
}

/*
 * The vector filter is Teddy, as in Hyperscan and ripgrep: each anchor
 * is a bucket (a bit of a byte), and for each of the first three
 * positions two 16-entry tables, indexed by a byte's low and high
 * nibble, give the buckets whose anchor may have that byte there (both
 * cases of a letter: the high-nibble table folds them). Each 32-byte
 * block is loaded once; the lookups for positions 0 and 1 are shifted
 * by two and one bytes, carrying the previous block's last bytes, and a
 * match ends where the AND of the three is not zero. The cost does not
 * grow with the number of anchors, up to eight. The fourth byte of the
 * longer anchors is checked by candidate_at() on the few places that
 * pass.
 */
static const char TEDDY_ANCHORS[8][4] = {
	"npm", "\x7f" "au", "\x7f" "pa", "gh?", "-be", "://", "bnb", "sec",
};

void
filter_init(unsigned char lo[3][32], unsigned char hi[3][32])
{
	memset(lo, 0, 3 * 32);
	memset(hi, 0, 3 * 32);
	for (unsigned k = 0; k < 8; k++) {
		for (unsigned j = 0; j < 3; j++) {
			unsigned char ch = (unsigned char)TEDDY_ANCHORS[k][j];
			unsigned char bit = (unsigned char)(1u << k);

			for (unsigned n = 0; n < 16; n++) {
				/*
				 * '?' is any byte. Anchors are folded, bit
				 * 0x20 set: the byte without it (upper case
				 * for letters) has the high nibble less 2.
				 * Tables are repeated for both 128-bit lanes.
				 */
				if (ch == '?' || (ch & 15) == n) {
					lo[j][n] |= bit;
					lo[j][n + 16] |= bit;
				}
				if (ch == '?' || (ch >> 4) == n ||
				    ((ch >> 4) & ~2u) == n) {
					hi[j][n] |= bit;
					hi[j][n + 16] |= bit;
				}
			}
		}
	}
}

/*
 * The first place in the mask m (bit k: the start base + k) that
 * candidate_at() confirms, from lim's view; clears the bits it passes
 * in *m. Returns SIZE_MAX when none does.
 */
static size_t
confirm(const unsigned char *b, size_t base, uint64_t *m, size_t lim)
{
	while (*m != 0) {
		size_t p = base + (size_t)__builtin_ctzll(*m);

		*m &= *m - 1;
		if (candidate_at(b, p, lim))
			return p;
	}
	return SIZE_MAX;
}

/* The buckets whose anchor may have the bytes of v at a position. */
#define TEDDY_LOOKUP(l, h, lo, hi) _mm256_and_si256( \
	_mm256_shuffle_epi8((lo), (l)), _mm256_shuffle_epi8((hi), (h)))

/* cur moved up by n bytes (1 or 2), prev's last bytes shifted in. */
#define TEDDY_SHIFT(cur, prev, n) _mm256_alignr_epi8((cur), \
	_mm256_permute2x128_si256((prev), (cur), 0x21), 16 - (n))

/*
 * Looks for a candidate at i or after, block by block while a block
 * fits before lim and may hold a start before end, confirming the
 * filter's hits with candidate_at(). Returns the first candidate, the
 * hits of its block after it, not yet confirmed, being left in
 * c->cand_mask (bit k: the start c->cand_base + k; the block's starts
 * end at c->cand_end); or SIZE_MAX, *next being the first start it did
 * not look at. i must be at least 2.
 */
__attribute__((target("avx2"))) static size_t
teddy_find(struct ctx *c, const unsigned char *b, size_t i, size_t lim,
    size_t end, size_t *next)
{
	const struct scanner *s = c->s;
	const __m256i nib = _mm256_set1_epi8(0x0f);
	const __m256i zero = _mm256_setzero_si256();
	const __m256i lo0 = _mm256_loadu_si256((const __m256i *)s->teddy_lo[0]);
	const __m256i lo1 = _mm256_loadu_si256((const __m256i *)s->teddy_lo[1]);
	const __m256i lo2 = _mm256_loadu_si256((const __m256i *)s->teddy_lo[2]);
	const __m256i hi0 = _mm256_loadu_si256((const __m256i *)s->teddy_hi[0]);
	const __m256i hi1 = _mm256_loadu_si256((const __m256i *)s->teddy_hi[1]);
	const __m256i hi2 = _mm256_loadu_si256((const __m256i *)s->teddy_hi[2]);
	__m256i prev0 = zero, prev1 = zero;
	size_t bs = i, stop, p;
	uint64_t m;

	assert(i >= 2);
	/* Blocks start below stop: 32 bytes fit, a start may be < end. */
	stop = lim >= 32 ? lim - 32 + 1 : 0;
	if (stop > end + 2)
		stop = end + 2;
#define TEDDY_BLOCK(at, mv) do { \
		__m256i v = _mm256_loadu_si256((const __m256i *)(b + (at))); \
		__m256i l = _mm256_and_si256(v, nib); \
		__m256i h = _mm256_and_si256(_mm256_srli_epi16(v, 4), nib); \
		__m256i r0 = TEDDY_LOOKUP(l, h, lo0, hi0); \
		__m256i r1 = TEDDY_LOOKUP(l, h, lo1, hi1); \
		(mv) = _mm256_and_si256(_mm256_and_si256( \
		    TEDDY_SHIFT(r0, prev0, 2), TEDDY_SHIFT(r1, prev1, 1)), \
		    TEDDY_LOOKUP(l, h, lo2, hi2)); \
		prev0 = r0; \
		prev1 = r1; \
	} while (0)
#define TEDDY_MASK(mv) ((uint64_t)~(unsigned)_mm256_movemask_epi8( \
		_mm256_cmpeq_epi8((mv), zero)))
	/*
	 * A match ending at bs + k starts at bs - 2 + k: block bs covers the
	 * starts from bs - 2. The hits are confirmed here, so that the
	 * filter goes on over false ones with its state.
	 */
#define TEDDY_HITS(mask, from, span) do { \
		m = (mask); \
		p = m != 0 ? confirm(b, (from), &m, lim) : SIZE_MAX; \
		if (p != SIZE_MAX) { \
			c->cand_base = (from); \
			c->cand_end = (from) + (span); \
			c->cand_mask = m; \
			return p; \
		} \
	} while (0)
	/* Two blocks per test: most of the text has no candidate. */
	while (bs + 32 < stop) {
		__m256i m1, m2;

		TEDDY_BLOCK(bs, m1);
		TEDDY_BLOCK(bs + 32, m2);
		if (!_mm256_testz_si256(_mm256_or_si256(m1, m2),
		    _mm256_or_si256(m1, m2)))
			TEDDY_HITS(TEDDY_MASK(m1) | TEDDY_MASK(m2) << 32,
			    bs - 2, 64);
		bs += 64;
	}
	if (bs < stop) {
		__m256i m1;

		TEDDY_BLOCK(bs, m1);
		TEDDY_HITS(TEDDY_MASK(m1) & 0xffffffffu, bs - 2, 32);
		bs += 32;
	}
#undef TEDDY_BLOCK
#undef TEDDY_MASK
	/* Starts before bs - 2 were looked at, and none before i exists. */
	*next = bs - 2 > i ? bs - 2 : i;
	return SIZE_MAX;
}

/*
 * vpermt2b indexes, the first operand the previous block and the second
 * the current one: loaded from TEDDY_UP + 2 - n, byte k of the result is
 * index 64 - n + k, that is the previous block's byte 64 - n + k while
 * k < n, else the current block's byte k - n (n = 1, 2: the lookup
 * moved up by n bytes).
 */
static const unsigned char TEDDY_UP[65] = {
	62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73,
	74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85,
	86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97,
	98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109,
	110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121,
	122, 123, 124, 125, 126,
};

/*
 * The same filter on AVX-512 (BW and VBMI): 64 bytes a block, the
 * tables repeated in the four 128-bit lanes, the lookups of positions 0
 * and 1 moved up across the whole register by one byte permute each
 * (vpermt2b, the previous block's last bytes shifted in). Half the
 * instructions of the AVX2 loop for the same bytes.
 */
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) static size_t
teddy_find512(struct ctx *c, const unsigned char *b, size_t i, size_t lim,
    size_t end, size_t *next)
{
	const struct scanner *s = c->s;
	const __m512i nib = _mm512_set1_epi8(0x0f);
	const __m512i zero = _mm512_setzero_si512();
	__m512i lo[3], hi[3], up1, up2;
	__m512i prev0 = zero, prev1 = zero;
	size_t bs = i, stop, p;
	uint64_t m;

	assert(i >= 2);
	for (unsigned j = 0; j < 3; j++) {
		lo[j] = _mm512_broadcast_i32x4(
		    _mm_loadu_si128((const __m128i *)s->teddy_lo[j]));
		hi[j] = _mm512_broadcast_i32x4(
		    _mm_loadu_si128((const __m128i *)s->teddy_hi[j]));
	}
	up1 = _mm512_loadu_si512(TEDDY_UP + 1);
	up2 = _mm512_loadu_si512(TEDDY_UP);
	/* Blocks start below stop: 64 bytes fit, a start may be < end. */
	stop = lim >= 64 ? lim - 64 + 1 : 0;
	if (stop > end + 2)
		stop = end + 2;
	for (; bs < stop; bs += 64) {
		__m512i v = _mm512_loadu_si512(b + bs);
		__m512i l = _mm512_and_si512(v, nib);
		__m512i h = _mm512_and_si512(_mm512_srli_epi16(v, 4), nib);
		__m512i r0 = _mm512_and_si512(_mm512_shuffle_epi8(lo[0], l),
		    _mm512_shuffle_epi8(hi[0], h));
		__m512i r1 = _mm512_and_si512(_mm512_shuffle_epi8(lo[1], l),
		    _mm512_shuffle_epi8(hi[1], h));
		__m512i r2 = _mm512_and_si512(_mm512_shuffle_epi8(lo[2], l),
		    _mm512_shuffle_epi8(hi[2], h));
		__m512i mv = _mm512_and_si512(_mm512_and_si512(
		    _mm512_permutex2var_epi8(prev0, up2, r0),
		    _mm512_permutex2var_epi8(prev1, up1, r1)), r2);

		prev0 = r0;
		prev1 = r1;
		m = _mm512_test_epi8_mask(mv, mv);
		if (m != 0)
			TEDDY_HITS(m, bs - 2, 64);
	}
#undef TEDDY_HITS
	*next = bs - 2 > i ? bs - 2 : i;
	return SIZE_MAX;
}

static size_t
min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

static size_t
next_candidate_scalar(const unsigned char *b, size_t i, size_t len)
{
	for (; i < len; i++) {
		if (candidate_at(b, i, len))
			return i;
	}
	return len;
}

/*
 * The vector path the filter takes here: AVX-512 (BW and VBMI) where
 * the CPU has it, else AVX2, else none. TOKENGUARD_NO_AVX512 and
 * TOKENGUARD_NO_AVX2 in the environment step down (tests compare the
 * paths).
 */
int
filter_simd_level(void)
{
	__builtin_cpu_init();
	if (getenv("TOKENGUARD_NO_AVX2") != NULL ||
	    !__builtin_cpu_supports("avx2"))
		return 0;
	if (getenv("TOKENGUARD_NO_AVX512") != NULL ||
	    !__builtin_cpu_supports("avx512bw") ||
	    !__builtin_cpu_supports("avx512vbmi"))
		return 1;
	return 2;
}

/*
 * The next candidate at or after i and before end; end when there is
 * none. Patterns are checked with up to 3 bytes past end when present.
 * The unconfirmed rest of the last block's mask is kept, so that dense
 * candidates cost a bit scan each, not a reload.
 */
size_t
filter_next(struct ctx *c, size_t i, size_t end)
{
	const unsigned char *b = (const unsigned char *)c->buf;
	size_t lim = end + 3 < c->len ? end + 3 : c->len, p, next;

	if (c->s->simd == 0)
		return min_size(next_candidate_scalar(b, i, lim), end);
	if (c->cand_mask != 0 && i >= c->cand_base && i < c->cand_end) {
		c->cand_mask &= ~0ull << (i - c->cand_base);
		p = confirm(b, c->cand_base, &c->cand_mask, lim);
		if (p != SIZE_MAX)
			return min_size(p, end);
		i = c->cand_end;
	}
	c->cand_mask = 0;
	/* The vector search starts at 2: a block reports two bytes back. */
	for (; i < 2 && i < end; i++) {
		if (candidate_at(b, i, lim))
			return i;
	}
	if (i >= end)
		return end;
	p = c->s->simd == 2 ? teddy_find512(c, b, i, lim, end, &next) :
	    teddy_find(c, b, i, lim, end, &next);
	if (p != SIZE_MAX)
		return min_size(p, end);
	/* The AVX2 filter takes the tail a 64-byte block leaves. */
	if (c->s->simd == 2 && next >= 2 && next < end) {
		p = teddy_find(c, b, next, lim, end, &next);
		if (p != SIZE_MAX)
			return min_size(p, end);
	}
	return min_size(next_candidate_scalar(b, next, lim), end);
}

/*
 * Newlines by byte counters: each compare gives -1 where a byte is a
 * newline, subtracted into 32 byte-wide counters (two per 64 bytes);
 * the counters are summed (vpsadbw) before any of them can reach 256,
 * every 127 pairs of blocks. About two instructions per 32 bytes, where
 * a mask and a popcount per block took five.
 */
__attribute__((target("avx2"))) static size_t
count_newlines_avx2(const unsigned char *b, size_t n)
{
	const __m256i nl = _mm256_set1_epi8('\n');
	const __m256i zero = _mm256_setzero_si256();
	size_t count = 0, i = 0;

	while (i + 64 <= n) {
		__m256i acc = zero, sum;
		size_t stop = n - i >= 127 * 64 ? i + 127 * 64 : n - 63;

		for (; i < stop; i += 64) {
			const __m256i *at = (const __m256i *)(b + i);
			__m256i v1 = _mm256_loadu_si256(at);
			__m256i v2 = _mm256_loadu_si256(at + 1);

			acc = _mm256_sub_epi8(acc, _mm256_cmpeq_epi8(v1, nl));
			acc = _mm256_sub_epi8(acc, _mm256_cmpeq_epi8(v2, nl));
		}
		sum = _mm256_sad_epu8(acc, zero);
		count += (size_t)_mm256_extract_epi64(sum, 0) +
		    (size_t)_mm256_extract_epi64(sum, 1) +
		    (size_t)_mm256_extract_epi64(sum, 2) +
		    (size_t)_mm256_extract_epi64(sum, 3);
	}
	for (; i < n; i++)
		count += b[i] == '\n';
	return count;
}

size_t
filter_count_newlines(const struct ctx *c, size_t from, size_t to)
{
	const unsigned char *b = (const unsigned char *)c->buf + from;
	size_t count = 0;

	if (c->s->simd != 0)
		return count_newlines_avx2(b, to - from);
	for (size_t i = 0; i < to - from; i++)
		count += b[i] == '\n';
	return count;
}

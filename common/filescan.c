/* filescan: windowed scanning of files through a reusable buffer. */
#include "filescan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
filescan_init(struct filescan *fs)
{
	fs->buf = NULL;
	fs->cap = 0;
}

void
filescan_release(struct filescan *fs)
{
	free(fs->buf);
	filescan_init(fs);
}

/* The stream of a file descriptor: ctx points to the fd. */
static ssize_t
read_fd(void *ctx, char *buf, size_t len, struct err *e)
{
	const int *fd = ctx;
	ssize_t n;

	do {
		n = read(*fd, buf, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_errno(e, "read failed");
	return n;
}

/*
 * Reads into buf[*len..want) until it is full or the stream ends. Sets
 * *eof at the end of the stream.
 */
static int
fill(filescan_read_fn *rd, void *ctx, char *buf, size_t *len, size_t want,
    bool *eof, struct err *e)
{
	while (*len < want) {
		ssize_t n = rd(ctx, buf + *len, want - *len, e);

		if (n < 0)
			return -1;
		if (n == 0) {
			*eof = true;
			return 0;
		}
		*len += (size_t)n;
	}
	return 0;
}

/*
 * The bytes of the line at buf[keep] that come before it, when the
 * buffer slides by keep bytes and held column bytes of its first line
 * before buf[0].
 */
static size_t
next_column(const char *buf, size_t keep, size_t column)
{
	const char *nl = memrchr(buf, '\n', keep);

	if (nl == NULL)
		return column + keep;
	return keep - (size_t)(nl - buf) - 1;
}

static void
add_stats(struct scan_stats *sum, const struct scan_stats *w, bool first)
{
	if (first)
		sum->binary = w->binary;
	sum->lines_capped += w->lines_capped;
	sum->allowed += w->allowed;
	sum->dummies += w->dummies;
	sum->user_rule_limits += w->user_rule_limits;
	if (sum->limit_rule == NULL)
		sum->limit_rule = w->limit_rule;
}

int
filescan_fd(struct filescan_result *out, struct filescan *fs,
    const struct scanner *s, int fd, uint64_t max,
    const struct scan_origin *origin, unsigned flags, finding_fn *fn,
    void *payload, struct err *e)
{
	return filescan_fd_size(out, fs, s, fd, UINT64_MAX, max, origin,
	    flags, fn, payload, e);
}

int
filescan_stream(struct filescan_result *out, struct filescan *fs,
    const struct scanner *s, filescan_read_fn *rd, void *ctx,
    uint64_t size, uint64_t max, const struct scan_origin *origin,
    unsigned flags, finding_fn *fn, void *payload, struct err *e)
{
	const size_t cap = FILESCAN_KEEP + FILESCAN_STEP + FILESCAN_MARGIN;
	const bool known = size != UINT64_MAX && size != 0 && size <= max;
	struct filescan_result res;
	struct scan_window w = { .from = 0, .line = 1, .column = 0,
	    .first = true };
	size_t len = 0;
	bool eof = false;
	int rc = 0;

	memset(&res, 0, sizeof(res));
	if (fs->cap < cap) {
		char *b = realloc(fs->buf, cap);

		if (b == NULL)
			return err_set(e, "out of memory");
		fs->buf = b;
		fs->cap = cap;
	}
	for (;;) {
		struct scan_stats st;
		uint64_t limit = known ? size : max;
		size_t want = cap, keep;

		/* res.bytes counts what slid out of the buffer already. */
		if (res.bytes + cap > limit)
			want = (size_t)(limit - res.bytes);
		if (fill(rd, ctx, fs->buf, &len, want, &eof, e) != 0)
			return -1;
		if (known && res.bytes + len == size) {
			/* All fstat() promised: no read just to see the end. */
			eof = true;
		} else if (!eof && want < cap) {
			char probe;
			size_t one = 0;

			/* At the cap: is there more? */
			if (fill(rd, ctx, &probe, &one, 1, &eof, e) != 0)
				return -1;
			res.over = one == 1;
			eof = true;
		}
		if (eof) {
			w.to = len;
		} else {
			const char *nl = memrchr(fs->buf + w.from, '\n',
			    len - FILESCAN_MARGIN - w.from);

			w.to = nl != NULL ? (size_t)(nl - fs->buf) + 1 :
			    len - FILESCAN_MARGIN;
		}
		rc = scanner_scan_window(s, &st, origin, fs->buf, len, &w,
		    flags, fn, payload, e);
		add_stats(&res.stats, &st, w.first);
		if (w.first && (flags & (SCAN_FORCE_TEXT |
		    SCAN_FORCE_BINARY)) == 0)
			flags |= st.binary ? SCAN_FORCE_BINARY :
			    SCAN_FORCE_TEXT;
		if (rc != 0 || eof)
			break;
		/* Slide: keep the context before the next window. */
		keep = w.to > FILESCAN_KEEP ? w.to - FILESCAN_KEEP : 0;
		w.line += scanner_count_lines(s, fs->buf, keep);
		w.column = next_column(fs->buf, keep, w.column);
		memmove(fs->buf, fs->buf + keep, len - keep);
		res.bytes += keep;
		len -= keep;
		w.from = w.to - keep;
		w.first = false;
	}
	res.bytes += len;
	*out = res;
	return rc;
}

int
filescan_fd_size(struct filescan_result *out, struct filescan *fs,
    const struct scanner *s, int fd, uint64_t size, uint64_t max,
    const struct scan_origin *origin, unsigned flags, finding_fn *fn,
    void *payload, struct err *e)
{
	struct filescan_result res;
	struct stat now;
	int rc;

	rc = filescan_stream(&res, fs, s, read_fd, &fd, size, max, origin,
	    flags, fn, payload, e);
	if (rc < 0)
		return -1;
	if (size != UINT64_MAX && size != 0 && size <= max &&
	    res.bytes < size && fstat(fd, &now) == 0 &&
	    (uint64_t)now.st_size < size)
		res.shrank = true;
	*out = res;
	return rc;
}

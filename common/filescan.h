/*
 * filescan: scans an open file of any size through one reusable buffer.
 * The file is read in windows of a few megabytes that overlap by the
 * context the scanner needs (scanner_scan_window()), so memory stays
 * fixed and the buffer's pages are touched once per thread, not once per
 * file: on virtual machines, fresh memory costs more than the scan.
 */
#ifndef TOKENGUARD_FILESCAN_H
#define TOKENGUARD_FILESCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "finding.h"
#include "scan.h"

/* New bytes per window, context kept before and needed after it. */
#define FILESCAN_STEP (4u << 20)
#define FILESCAN_KEEP (1u << 20)
#define FILESCAN_MARGIN (1u << 20)

/* One per thread; reused for every file that thread scans. */
struct filescan {
	char *buf;
	size_t cap;
};

/* What a file scan saw. */
struct filescan_result {
	struct scan_stats stats;	/* summed over the windows */
	uint64_t bytes;			/* bytes read and scanned */
	bool over;			/* more than max bytes: not all read */
	bool shrank;			/* truncated while read */
};

void filescan_init(struct filescan *fs);

/* Frees the buffer; fs may be used again after filescan_init(). */
void filescan_release(struct filescan *fs);

/*
 * Reads fd from its current offset to its end, at most max bytes, and
 * scans what it reads as one input named by origin. Stops at max bytes
 * with out->over set (what was read is scanned; the rest is not). The
 * descriptor stays open. Returns 0, the callback's non-zero value when
 * it stopped the scan, or -1 with e set (a read error: e names no path,
 * callers add it).
 */
int filescan_fd(struct filescan_result *out, struct filescan *fs,
    const struct scanner *s, int fd, uint64_t max,
    const struct scan_origin *origin, unsigned flags, finding_fn *fn,
    void *payload, struct err *e);

/*
 * Like filescan_fd() for a file whose size fstat() gave: reading stops
 * after size bytes, without one more read() to see the end (a file
 * that grows meanwhile is scanned as it was when measured). size over
 * max is read as filescan_fd() would. A size of 0 is not trusted (files
 * in /proc say 0 and hold data): such a file is read to its end. When
 * the file ends early and fstat() now gives less than size, it was
 * truncated while read: out->shrank is set (what was read is scanned).
 */
int filescan_fd_size(struct filescan_result *out, struct filescan *fs,
    const struct scanner *s, int fd, uint64_t size, uint64_t max,
    const struct scan_origin *origin, unsigned flags, finding_fn *fn,
    void *payload, struct err *e);

/*
 * Reads at most len bytes of a stream into buf. Returns the number read,
 * 0 at the end of the stream, or -1 with e set.
 */
typedef ssize_t filescan_read_fn(void *ctx, char *buf, size_t len,
    struct err *e);

/*
 * Like filescan_fd_size() for a stream, such as a member of an archive:
 * rd reads from ctx; size is what the stream says it holds (UINT64_MAX
 * when unknown); the stream is read to its end, at most max bytes.
 * out->shrank is never set. Errors are rd's, unchanged.
 */
int filescan_stream(struct filescan_result *out, struct filescan *fs,
    const struct scanner *s, filescan_read_fn *rd, void *ctx,
    uint64_t size, uint64_t max, const struct scan_origin *origin,
    unsigned flags, finding_fn *fn, void *payload, struct err *e);

#endif

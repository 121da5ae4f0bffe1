/*
 * pipeline: reads and scans files on worker threads while the calling
 * thread hands them out and takes back the results in the order it
 * handed them out. A bounded window of jobs is in flight at a time, so
 * memory stays small however big the tree, and output is deterministic
 * whatever the number of threads.
 */
#ifndef TOKENGUARD_PIPELINE_H
#define TOKENGUARD_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "finding.h"
#include "scan.h"

enum job_kind {
	JOB_FILE,	/* read path (with read_flags) and scan it */
	JOB_STDIN,	/* read standard input and scan it */
	JOB_SPECIAL,	/* not a regular file: only reported back */
	JOB_ERROR,	/* could not be examined: error says why */
};

/* One finding of a job, with its strings copied. */
struct hit {
	struct finding f;	/* f.path and f.commit are NULL */
	char *rule;
	char *description;
};

struct job {
	enum job_kind kind;
	char *path;		/* to open; owned */
	const char *shown;	/* the path as reported: path or within it */
	unsigned read_flags;	/* walk_read() flags */
	bool top;		/* named on the command line */
	int error;		/* errno, for JOB_ERROR */
	const struct scanner *scanner;	/* borrowed; outlives the job */
	uint64_t max;		/* size cap */
	unsigned scan_flags;	/* scanner_scan() flags */
	const void *tag;	/* the caller's; not used here */

	/* Filled in by a worker. */
	bool failed;		/* could not be read or scanned: why */
	char why[ERR_MAX];
	bool skipped;		/* over the size cap: not read, or not all */
	uint64_t size;		/* a skipped file's size; 0 if not known */
	uint64_t bytes;		/* bytes read and scanned */
	uint64_t shrank_from;	/* its size when opened, if it shrank */
	struct scan_stats stats;
	struct hit *hits;
	size_t nhits;
	size_t cap;
};

/*
 * A new job for path (copied); shown_off is the offset in path of the
 * part to show. *out belongs to the caller until pipeline_add() takes
 * it: job_free().
 */
int job_new(struct job **out, enum job_kind kind, const char *path,
    size_t shown_off, struct err *e);

void job_free(struct job *j);

/*
 * Called on the calling thread with each finished job, in the order the
 * jobs were added. The job is borrowed for the call and freed after it.
 * Return 0 to go on; any other value stops the pipeline.
 */
typedef int job_sink(const struct job *j, void *payload);

struct pipeline;

/*
 * Starts nthreads workers, each reading a job's file of at most j->max
 * bytes and scanning it with j->scanner. *out belongs to the caller:
 * pipeline_free().
 */
int pipeline_new(struct pipeline **out, size_t nthreads, job_sink *sink,
    void *payload, struct err *e);

/*
 * Queues j (taken over, also on failure), waiting while the window is
 * full, and passes finished jobs to the sink. Returns 0, or the sink's
 * non-zero value when it asked to stop.
 */
int pipeline_add(struct pipeline *p, struct job *j);

/*
 * Waits for every queued job and passes each to the sink. Returns 0, or
 * the sink's non-zero value when it asked to stop.
 */
int pipeline_finish(struct pipeline *p);

/* Stops the workers, dropping unfinished jobs, and frees p. */
void pipeline_free(struct pipeline *p);

#endif

/*
 * imagescan: tokenguard scan --image. Scans each layer of a saved
 * container image on its own thread (common/image.c streams it), the
 * image config on the calling thread, then reports in a fixed order: the
 * config, then layer by layer in entry order, each finding with where it
 * is in the image and, for a file that a later layer deletes (whiteout,
 * opaque directory), which layer does: it is still in the image. Draws
 * the progress line while layers are read; prints its own messages.
 */
#ifndef TOKENGUARD_IMAGESCAN_H
#define TOKENGUARD_IMAGESCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "finding.h"
#include "progress.h"
#include "scan.h"

/* Caps per layer on what is kept until the layer is reported. */
#define IMAGESCAN_HITS_MAX 100000
#define IMAGESCAN_WHITEOUTS_MAX 1000000

/* Where a finding is in an image. */
struct imagescan_hit {
	const char *image;	/* the PATH, or PATH#n for image n of many */
	const char *name;	/* its tag or ref name; NULL if none */
	const char *format;	/* "docker-archive", "oci-archive", "oci" */
	size_t layer;		/* 1-based; 0 for the config */
	const char *digest;	/* the layer's; NULL for the config */
	const char *created_by;	/* the layer's instruction, or NULL when
				   unknown or holding a secret itself */
	const char *part;	/* the config part ("Env"...); NULL in layers */
	size_t deleted_in;	/* the later layer that deletes it; 0 none */
	bool new_file;		/* the first finding of its file or part */
	const char *shown;	/* "PATH:layer3:/a/b", "PATH:config.Env" */
};

/*
 * Called on the calling thread for each finding, in report order; f and
 * h are borrowed for the call. f->path is the path in the image (or the
 * config part). Return 0 to go on; any other value stops the scan.
 */
typedef int imagescan_fn(const struct finding *f,
    const struct imagescan_hit *h, void *payload);

/* What a scan of one image file saw. */
struct imagescan_stats {
	size_t files;		/* regular files scanned */
	size_t skipped;		/* files over the size cap */
	size_t errors;		/* layers or images that could not be read */
	size_t layers;		/* layers scanned */
	uint64_t bytes;		/* bytes of files scanned */
	size_t dummies;		/* values set aside as made up */
	bool trouble;		/* exit status 2 is due */
};

/*
 * Scans the image file at path with s and the scanner_scan() flags:
 * files of at most max bytes, nthreads layers at once. Messages (errors, skipped files, hostile
 * entries) go to standard error, after erasing prog's line when prog is
 * not NULL; prog is updated while layers are read. skip_is_trouble
 * makes a skipped file trouble. Adds to *st. Returns 0, or fn's
 * non-zero value when it stopped the scan.
 */
int imagescan_run(struct imagescan_stats *st, const char *path,
    const struct scanner *s, uint64_t max, unsigned flags, size_t nthreads,
    bool skip_is_trouble, struct progress *prog, imagescan_fn *fn,
    void *payload);

/*
 * The lines that follow a text finding's line for h: its layer, digest
 * and instruction, and whether a later layer deletes it; each line
 * starts with four spaces and ends with a newline. *out is malloc'd
 * and belongs to the caller.
 */
int imagescan_text(char **out, const struct imagescan_hit *h,
    struct err *e);

/*
 * Adds h to a finding's JSON object j: for JSON lines the keys image,
 * image_name, layer, layer_digest, created_by, config, deleted_in_layer
 * and still_in_image (those that apply); for a SARIF result, a logical
 * location naming the layer and the path, and the same facts as the
 * result's properties.
 */
int imagescan_json(json_t *j, bool sarif, const struct imagescan_hit *h,
    struct err *e);

#endif

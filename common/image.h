/*
 * image: container images as they are saved on disk, read without a
 * daemon: docker-archive tars (docker save, podman save), OCI image
 * layouts (a directory) and oci-archive tars, plain or compressed.
 *
 * image_open() reads the small JSON documents (index, manifests,
 * configs) into memory. Layers are streamed through libarchive (tar,
 * with gzip, zstd, xz or bzip2), one file at a time into the scanner:
 * never extracted, never held whole in memory, nothing written to disk.
 * Any number of threads may scan layers of one open image at once: each
 * call opens its own readers.
 *
 * Only the CLI links this module: the hooks and the watcher never
 * reference it, so libarchive stays out of them.
 */
#ifndef TOKENGUARD_IMAGE_H
#define TOKENGUARD_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "filescan.h"
#include "finding.h"
#include "scan.h"

/* Caps on what the input controls. */
#define IMAGE_JSON_MAX (16u << 20)	/* a manifest, index or config */
#define IMAGE_LAYERS_MAX 4096		/* layers of one image */
#define IMAGE_MANIFESTS_MAX 256		/* images in one file */
#define IMAGE_INDEX_DEPTH 4		/* nested image indexes */
/*
 * A layer may expand to IMAGE_BOMB_RATIO times what was read of its
 * blob, plus IMAGE_BOMB_SLACK: gzip cannot exceed about 1032:1, and
 * files of zeros (the usual worst case of real layers) stay under it.
 * Past that the layer is a decompression bomb and reading stops.
 */
#define IMAGE_BOMB_RATIO 1100u
#define IMAGE_BOMB_SLACK (1ull << 30)

enum image_format {
	IMAGE_DOCKER_ARCHIVE,	/* a tar with manifest.json */
	IMAGE_OCI_ARCHIVE,	/* a tar with oci-layout and index.json */
	IMAGE_OCI_DIR,		/* a directory with oci-layout, index.json */
};

struct image_layer {
	size_t index;		/* 1-based, bottom layer first */
	char *member;		/* the blob: tar member or path in the dir */
	char *digest;		/* "sha256:<hex>" */
	uint64_t size;		/* the blob's size in the manifest; 0 unknown */
	const char *created_by;	/* its history entry's; NULL if unknown */
	size_t history;		/* that entry's index, 1-based; 0 unknown */
};

/* One image of the file: a file may hold several (tags, platforms). */
struct image_manifest {
	char *name;		/* its tag or ref name; NULL if none */
	json_t *config;		/* the image config */
	struct image_layer *layers;
	size_t nlayers;
};

struct image {
	char *path;		/* as given */
	enum image_format format;
	struct image_manifest *images;
	size_t nimages;
};

/*
 * Opens the image at path (a tar or a directory, told apart by what it
 * holds) and reads its manifests and configs. Errors name the part of
 * the image that is wrong, not path (callers add it). *out belongs to
 * the caller: image_free().
 */
int image_open(struct image **out, const char *path, struct err *e);

void image_free(struct image *im);

/* The name of a format, such as "docker-archive". Static. */
const char *image_format_name(enum image_format f);

/* The parts of a config that are scanned as text. */
enum image_part {
	IMAGE_ENV,		/* config.Env: one variable a line */
	IMAGE_LABELS,		/* config.Labels: key=value a line */
	IMAGE_CMD,		/* config.Cmd: the arguments on one line */
	IMAGE_ENTRYPOINT,	/* config.Entrypoint: likewise */
	IMAGE_HISTORY,		/* history[].created_by: one entry a line */
	IMAGE_PART_COUNT,
};

/* "Env", "Labels", "Cmd", "Entrypoint" or "history". Static. */
const char *image_part_name(enum image_part p);

/*
 * The text of part p of m's config, one item a line (newlines inside an
 * item become spaces, so that line n is item n). *out is malloc'd and
 * belongs to the caller; *len is its length. An absent part is empty.
 */
int image_part_text(char **out, size_t *len, const struct image_manifest *m,
    enum image_part p, struct err *e);

/*
 * The layer made by history entry n (1-based) of m, or 0 when the entry
 * made none (ENV, LABEL, ARG...) or it is not known.
 */
size_t image_history_layer(const struct image_manifest *m, size_t n);

/* What image_layer_scan() meets besides findings. */
enum image_event_kind {
	IMAGE_FILE,		/* a regular file was scanned */
	IMAGE_SKIPPED,		/* a file over max: only its start scanned */
	IMAGE_WHITEOUT,		/* path is deleted from the layers below */
	IMAGE_OPAQUE,		/* directory path hides the layers below */
	IMAGE_BAD_ENTRY,	/* an entry no image should hold: why */
};

struct image_event {
	enum image_event_kind kind;
	const char *path;	/* in the image, "/a/b"; borrowed */
	uint64_t bytes;		/* IMAGE_FILE, IMAGE_SKIPPED: bytes read */
	uint64_t size;		/* IMAGE_SKIPPED: the size the tar gives */
	const char *why;	/* IMAGE_BAD_ENTRY; borrowed */
	const struct scan_stats *stats;	/* IMAGE_FILE; borrowed */
};

/*
 * Called for each event, in the order of the layer's entries. Return 0
 * to go on; any other value stops the scan.
 */
typedef int image_event_fn(const struct image_event *ev, void *payload);

/*
 * Streams layer l of im and scans each regular file, at most max bytes
 * of it, with s through fs and the scanner_scan() flags. Findings go to found with the path in the
 * image ("/etc/npmrc") as their origin, events to event, both with
 * payload. Whiteout entries are reported, not scanned; hard links are
 * scanned where their target is; symbolic links are never followed.
 * Returns 0, a callback's non-zero value when it stopped the scan, or -1
 * with e set (a broken, truncated or hostile layer; e names the entry
 * when there is one, not the layer).
 */
int image_layer_scan(const struct image *im, const struct image_layer *l,
    struct filescan *fs, const struct scanner *s, uint64_t max,
    unsigned flags, finding_fn *found, image_event_fn *event,
    void *payload, struct err *e);

#endif

/*
 * fuzz_image: container images as hostile input (common/image.c), in an
 * OCI layout directory made at start-up in $TMPDIR. The first byte
 * chooses what the rest of the input is:
 *   even  a layer blob (any compression libarchive reads) streamed by
 *         image_layer_scan() with the built-in rules
 *   odd   the image config (JSON), read by image_open() and turned into
 *         text by image_part_text() for every part
 * Invariants: a scan returns 0 or -1, and -1 comes with a message;
 * every event's path is an image path ("/..."), except a bad entry's,
 * which is the name as it was; whiteouts never name the root, opaque
 * directories may; a finding's path is the path of the file being read
 * and its line is at least 1; a config part's text ends with a newline
 * unless it is empty. The layout is removed at exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "filescan.h"
#include "harness.h"
#include "image.h"

#define HEX64(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
    c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c

static const char LAYER[] = "sha256:" HEX64("a");
static const char CONFIG[] = "sha256:" HEX64("c");
static const char MANIFEST[] = "sha256:" HEX64("b");
/* The config of the layer inputs. */
static const char CFG[] = "{\"config\":{\"Env\":[\"A=1\"]},"
    "\"history\":[{\"created_by\":\"COPY x /\"}]}";

static char dir[64];
static struct scanner *scanner;
static struct filescan fs;
static const char *current;	/* the path of the file being scanned */

static void
put(const char *name, const void *data, size_t len)
{
	char path[256];
	int fd;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	HARNESS_CHECK(fd >= 0, "cannot write %s: %s", path, strerror(errno));
	HARNESS_CHECK(len == 0 || write(fd, data, len) == (ssize_t)len,
	    "short write to %s", path);
	close(fd);
}

static void
put_blob(const char *digest, const void *data, size_t len)
{
	char name[128];

	(void)snprintf(name, sizeof(name), "blobs/sha256/%s", digest + 7);
	put(name, data, len);
}

/* Removes the layout at exit: the fuzzer leaves nothing behind. */
static void
cleanup(void)
{
	static const char *const names[] = { "oci-layout", "index.json",
	    "blobs/sha256/" HEX64("a"), "blobs/sha256/" HEX64("b"),
	    "blobs/sha256/" HEX64("c"), "blobs/sha256", "blobs" };
	char path[256];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (unlink(path) < 0)
			(void)rmdir(path);
	}
	(void)rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct err e = { 0 };
	struct config c;
	char path[128], manifest[512], index[256];

	(void)argc;
	(void)argv;
	(void)snprintf(dir, sizeof(dir), "%s/tg-fuzz-image-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	HARNESS_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	(void)atexit(cleanup);
	(void)snprintf(path, sizeof(path), "%s/blobs", dir);
	HARNESS_CHECK(mkdir(path, 0700) == 0, "mkdir");
	(void)snprintf(path, sizeof(path), "%s/blobs/sha256", dir);
	HARNESS_CHECK(mkdir(path, 0700) == 0, "mkdir");
	put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
	(void)snprintf(manifest, sizeof(manifest), "{\"schemaVersion\":2,"
	    "\"config\":{\"digest\":\"%s\"},\"layers\":[{\"digest\":\"%s\","
	    "\"size\":1}]}", CONFIG, LAYER);
	put_blob(MANIFEST, manifest, strlen(manifest));
	put_blob(CONFIG, CFG, strlen(CFG));
	put_blob(LAYER, "", 0);
	(void)snprintf(index, sizeof(index), "{\"schemaVersion\":2,"
	    "\"manifests\":[{\"digest\":\"%s\"}]}", MANIFEST);
	put("index.json", index, strlen(index));
	config_init(&c);
	HARNESS_CHECK(scanner_new(&scanner, &c, &e) == 0, "%s", e.msg);
	config_release(&c);
	filescan_init(&fs);
	return 0;
}

static int
on_finding(const struct finding *f, void *payload)
{
	(void)payload;
	HARNESS_CHECK(f->path != NULL && f->line >= 1, "bad finding");
	current = f->path;
	return 0;
}

static int
on_event(const struct image_event *ev, void *payload)
{
	(void)payload;
	HARNESS_CHECK(ev->path != NULL, "event without a path");
	switch (ev->kind) {
	case IMAGE_BAD_ENTRY:
		HARNESS_CHECK(ev->why != NULL && ev->why[0] != '\0',
		    "bad entry without a reason");
		break;
	case IMAGE_WHITEOUT:
		HARNESS_CHECK(ev->path[0] == '/' && ev->path[1] != '\0',
		    "whiteout path '%s'", ev->path);
		break;
	case IMAGE_FILE:
	case IMAGE_SKIPPED:
		HARNESS_CHECK(current == NULL || current == ev->path ||
		    strcmp(current, ev->path) == 0,
		    "finding in '%s' reported for '%s'", current, ev->path);
		HARNESS_CHECK(ev->stats != NULL || ev->kind == IMAGE_SKIPPED,
		    "no stats");
		/* fallthrough */
	case IMAGE_OPAQUE:
		HARNESS_CHECK(ev->path[0] == '/' || strstr(ev->path, "..") !=
		    NULL, "path '%s'", ev->path);
		break;
	}
	current = NULL;
	return 0;
}

static void
layer(const uint8_t *data, size_t size)
{
	struct image *im = NULL;
	struct err e = { 0 };
	int rc, before, after;

	put_blob(LAYER, data, size);
	/* The lowest free descriptor: a leak moves it up. */
	before = dup(0);
	HARNESS_CHECK(before >= 0, "dup");
	close(before);
	HARNESS_CHECK(image_open(&im, dir, &e) == 0, "open: %s", e.msg);
	HARNESS_CHECK(im->nimages == 1 && im->images[0].nlayers == 1,
	    "layout read wrong");
	current = NULL;
	rc = image_layer_scan(im, &im->images[0].layers[0], &fs, scanner,
	    1u << 20, 0, on_finding, on_event, NULL, &e);
	HARNESS_CHECK(rc == 0 || (rc == -1 && e.msg[0] != '\0'),
	    "rc %d, message '%s'", rc, e.msg);
	image_free(im);
	after = dup(0);
	HARNESS_CHECK(after == before, "a descriptor was left open");
	close(after);
}

static void
config(const uint8_t *data, size_t size)
{
	struct image *im = NULL;
	struct err e = { 0 };
	char *text = NULL;
	size_t len = 0;

	put_blob(CONFIG, data, size);
	if (image_open(&im, dir, &e) < 0) {
		HARNESS_CHECK(e.msg[0] != '\0', "open failed without a message");
		put_blob(CONFIG, CFG, strlen(CFG));
		return;
	}
	for (int p = 0; p < IMAGE_PART_COUNT; p++) {
		HARNESS_CHECK(image_part_text(&text, &len, &im->images[0],
		    (enum image_part)p, &e) == 0, "%s", e.msg);
		HARNESS_CHECK(strlen(text) <= len && (len == 0 ||
		    text[len - 1] == '\n'), "part %d: text not ended", p);
		free(text);
	}
	image_free(im);
	put_blob(CONFIG, CFG, strlen(CFG));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if ((data[0] & 1) == 0)
		layer(data + 1, size - 1);
	else
		config(data + 1, size - 1);
	return 0;
}

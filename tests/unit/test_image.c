/*
 * test_image: saved container images written here with libarchive's
 * writer (a docker-archive tar holding layer tars, plain, gzip or zstd)
 * and read back with image_open() and image_layer_scan(): layers tied to
 * their history entries, the config's parts as text, and per layer the
 * events (whiteouts, opaque directories, hostile entries) and findings
 * in entry order; truncated layers and bad manifests are errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "image.h"
#include "scan.h"
#include "support.h"

enum { PLAIN, GZIP, ZSTD, CUT };

/* One tar entry: 'f' file, 'd' directory, 'l' symlink, 'h' hard link. */
struct ent {
	char type;
	const char *name;
	const char *data;	/* file content (placeholders expanded), or
				   the link's target */
};

#define ENTS_MAX 8
#define LAYER_MAX (1u << 20)

/* Writes entries as a tar, compressed as asked, into buf; its length. */
static size_t
layer_bytes(char *buf, const struct ent *ents, int how)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e;
	size_t used = 0;

	assert_non_null(a);
	assert_int_equal(archive_write_set_format_pax_restricted(a),
	    ARCHIVE_OK);
	if (how == GZIP || how == CUT)
		assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	if (how == ZSTD)
		assert_int_equal(archive_write_add_filter_zstd(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, buf, LAYER_MAX, &used),
	    ARCHIVE_OK);
	for (size_t i = 0; i < ENTS_MAX && ents[i].name != NULL; i++) {
		struct support_text t = { NULL, 0 };

		e = archive_entry_new();
		archive_entry_set_pathname(e, ents[i].name);
		archive_entry_set_perm(e, 0644);
		if (ents[i].type == 'f') {
			support_expand(&t, ents[i].data);
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_size(e, (la_int64_t)t.len);
		} else if (ents[i].type == 'd') {
			archive_entry_set_filetype(e, AE_IFDIR);
		} else if (ents[i].type == 'l') {
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, ents[i].data);
		} else {
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, ents[i].data);
		}
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (t.len > 0)
			assert_int_equal(archive_write_data(a, t.buf, t.len),
			    (la_ssize_t)t.len);
		support_text_release(&t);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return how == CUT ? used / 2 : used;
}

static void
add_member(struct archive *a, const char *name, const void *p, size_t len)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, p, len), (la_ssize_t)len);
	archive_entry_free(e);
}

/*
 * Writes a docker-archive to path: one layer of ents (compressed as
 * how) under the member name layer (the manifest names member, which
 * may differ), and config as the config.
 */
static void
write_image(const char *path, const struct ent *ents, int how,
    const char *layer, const char *member, const char *config)
{
	struct archive *a = archive_write_new();
	char *buf = malloc(LAYER_MAX), manifest[512];
	size_t len;

	assert_non_null(buf);
	len = layer_bytes(buf, ents, how);
	assert_int_equal(archive_write_set_format_pax_restricted(a),
	    ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	add_member(a, layer, buf, len);
	add_member(a, "cfg.json", config, strlen(config));
	(void)snprintf(manifest, sizeof(manifest), "[{\"Config\":\"cfg.json\","
	    "\"RepoTags\":[\"t/x:1\"],\"Layers\":[\"%s\"]}]", member);
	add_member(a, "manifest.json", manifest, strlen(manifest));
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	free(buf);
}

static const char CONFIG[] =
    "{\"config\":{\"Env\":[\"PATH=/bin\",\"A=two\\nlines\"],"
    "\"Labels\":{\"k\":\"v\"},\"Cmd\":[\"/bin/sh\",\"-c\",\"x\"]},"
    "\"rootfs\":{\"diff_ids\":[\"sha256:"
    "0000000000000000000000000000000000000000000000000000000000000001\"]},"
    "\"history\":[{\"created_by\":\"ENV A\",\"empty_layer\":true},"
    "{\"created_by\":\"COPY x /\"},"
    "{\"created_by\":\"CMD x\",\"empty_layer\":true}]}";

/* What a layer scan reported, as one string: "F:/a W:/b 1:/c ...". */
struct seen {
	char s[2048];
};

static void
seen_add(struct seen *v, char kind, const char *path)
{
	size_t n = strlen(v->s);

	(void)snprintf(v->s + n, sizeof(v->s) - n, "%s%c:%s",
	    n > 0 ? " " : "", kind, path);
}

static int
on_finding(const struct finding *f, void *payload)
{
	char where[600];

	(void)snprintf(where, sizeof(where), "%s:%zu", f->path, f->line);
	seen_add(payload, '!', where);
	return 0;
}

static int
on_event(const struct image_event *ev, void *payload)
{
	static const char kinds[] = {
		[IMAGE_FILE] = 'F', [IMAGE_SKIPPED] = 'S',
		[IMAGE_WHITEOUT] = 'W', [IMAGE_OPAQUE] = 'O',
		[IMAGE_BAD_ENTRY] = 'B',
	};

	seen_add(payload, kinds[ev->kind], ev->path);
	return 0;
}

struct layer_case {
	const char *name;
	int how;
	struct ent ents[ENTS_MAX];
	const char *want;	/* the events and findings, in order */
	const char *error;	/* a part of the error, when -1 is due */
};

static const struct layer_case LAYER_CASES[] = {
	{ "whiteouts and opaque directories", GZIP, {
	    { 'd', "etc/app/", NULL },
	    { 'f', "etc/app/.wh..wh..opq", "" },
	    { 'f', "srv/.wh.x", "" },
	    { 'f', ".wh.top", "" },
	    { 'f', ".wh..wh..opq", "" },
	    { 'f', "a/.wh..wh.plnk", "" },
	    { 'f', "a/file", "hello\n" } },
	    "O:/etc/app W:/srv/x W:/top O:/ F:/a/file", NULL },
	{ "a token in .npmrc, zstd", ZSTD, {
	    { 'f', "./root//.npmrc", "x=1\n//r/:_authToken=@NPM@\n" } },
	    "!:/root/.npmrc:2 F:/root/.npmrc", NULL },
	{ "path traversal: reported, and still scanned", PLAIN, {
	    { 'f', "../../x/.npmrc", "_authToken=@NPM@\n" },
	    { 'f', "a/../../y", "" },
	    { 'f', "a/../b", "" } },
	    "B:../../x/.npmrc !:../../x/.npmrc:1 F:../../x/.npmrc "
	    "B:a/../../y F:a/../../y F:/b", NULL },
	{ "links", PLAIN, {
	    { 'f', "a/file", "x\n" },
	    { 'h', "etc/h", "../../etc/shadow" },
	    { 'h', "etc/g", "a/file" },
	    { 'l', "etc/s", "../../../etc/passwd" },
	    { 'l', "usr/lib/x", "../../etc/p" },
	    { 'l', "bin/sh", "/bin/busybox" },
	    { 'l', "etc/up", ".." } },
	    "F:/a/file B:/etc/h B:/etc/s", NULL },
	{ "a truncated gzip layer", CUT, {
	    { 'f', "a", "@NPM@ @NPM2@ @NPM3@ @GHP@ @GHO@ @GHU@\n" },
	    { 'f', "b", "@B64{@NPM@ @NPM2@ @NPM3@ @GHP@ @GHO@}@\n" } },
	    NULL, "" },
};

static void
test_layers(void **state)
{
	struct config cfg;
	struct scanner *s = NULL;
	struct filescan fs;
	struct err e = { 0 };
	char dir[] = "/tmp/tg-image-XXXXXX", path[64];

	(void)state;
	assert_non_null(mkdtemp(dir));
	(void)snprintf(path, sizeof(path), "%s/i.tar", dir);
	config_init(&cfg);
	assert_int_equal(scanner_new(&s, &cfg, &e), 0);
	filescan_init(&fs);
	for (size_t i = 0; i < sizeof(LAYER_CASES) / sizeof(LAYER_CASES[0]);
	    i++) {
		const struct layer_case *c = &LAYER_CASES[i];
		struct image *im = NULL;
		struct seen v = { "" };
		int rc;

		write_image(path, c->ents, c->how, "l.tar", "l.tar", CONFIG);
		assert_int_equal(image_open(&im, path, &e), 0);
		rc = image_layer_scan(im, &im->images[0].layers[0], &fs, s,
		    1u << 20, 0, on_finding, on_event, &v, &e);
		if (c->error != NULL) {
			if (rc != -1)
				fail_msg("%s: rc %d, seen %s", c->name, rc, v.s);
		} else if (rc != 0 || strcmp(v.s, c->want) != 0) {
			fail_msg("%s: rc %d (%s)\n got  %s\n want %s", c->name,
			    rc, rc < 0 ? e.msg : "", v.s, c->want);
		}
		image_free(im);
	}
	filescan_release(&fs);
	scanner_free(s);
	config_release(&cfg);
	(void)unlink(path);
	(void)rmdir(dir);
}

/* Digests of the OCI layout test: any 64 hex digits name a blob. */
#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HEX_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

/* The lowest free descriptor: a leak between two calls moves it up. */
static int
next_fd(void)
{
	int fd = dup(0);

	assert_true(fd >= 0);
	assert_int_equal(close(fd), 0);
	return fd;
}

/*
 * An OCI layout directory: each layer's blob file is closed after its
 * scan (libarchive's archive_read_free() leaves a descriptor it was
 * given open), whether the layer is read or refused.
 */
static void
test_oci_dir_descriptors(void **state)
{
	static const char *const layers[] = { "", "not a tar at all" };
	char dir[] = "/tmp/tg-image-XXXXXX", path[256], text[512];
	struct config cfg;
	struct scanner *s = NULL;
	struct filescan fs;
	struct err e = { 0 };
	int before;

	(void)state;
	assert_non_null(mkdtemp(dir));
	support_path(path, sizeof(path), dir, "blobs");
	assert_int_equal(mkdir(path, 0700), 0);
	support_path(path, sizeof(path), dir, "blobs/sha256");
	assert_int_equal(mkdir(path, 0700), 0);
	support_path(path, sizeof(path), dir, "oci-layout");
	support_write_file(path, "{\"imageLayoutVersion\":\"1.0.0\"}");
	(void)snprintf(text, sizeof(text), "{\"schemaVersion\":2,"
	    "\"manifests\":[{\"digest\":\"sha256:%s\"}]}", HEX_B);
	support_path(path, sizeof(path), dir, "index.json");
	support_write_file(path, text);
	(void)snprintf(text, sizeof(text), "{\"schemaVersion\":2,"
	    "\"config\":{\"digest\":\"sha256:%s\"},\"layers\":"
	    "[{\"digest\":\"sha256:%s\",\"size\":1}]}", HEX_C, HEX_A);
	support_path(path, sizeof(path), dir, "blobs/sha256/" HEX_B);
	support_write_file(path, text);
	support_path(path, sizeof(path), dir, "blobs/sha256/" HEX_C);
	support_write_file(path, "{\"config\":{}}");
	config_init(&cfg);
	assert_int_equal(scanner_new(&s, &cfg, &e), 0);
	filescan_init(&fs);
	before = next_fd();
	for (size_t i = 0; i < sizeof(layers) / sizeof(layers[0]); i++) {
		struct image *im = NULL;
		struct seen v = { "" };

		support_path(path, sizeof(path), dir, "blobs/sha256/" HEX_A);
		support_write_file(path, layers[i]);
		assert_int_equal(image_open(&im, dir, &e), 0);
		(void)image_layer_scan(im, &im->images[0].layers[0], &fs, s,
		    1u << 20, 0, on_finding, on_event, &v, &e);
		image_free(im);
		if (next_fd() != before)
			fail_msg("layer %zu: a descriptor was left open", i);
	}
	filescan_release(&fs);
	scanner_free(s);
	config_release(&cfg);
	assert_int_equal(support_remove_tree(dir), 0);
}

static void
test_open(void **state)
{
	static const struct ent ents[ENTS_MAX] = { { 'f', "a", "x\n" } };
	const struct image_manifest *m;
	struct image *im = NULL;
	struct err e = { 0 };
	char dir[] = "/tmp/tg-image-XXXXXX", path[64], *text = NULL;
	size_t len;

	(void)state;
	assert_non_null(mkdtemp(dir));
	(void)snprintf(path, sizeof(path), "%s/i.tar", dir);
	write_image(path, ents, PLAIN, "l.tar", "./l.tar", CONFIG);
	assert_int_equal(image_open(&im, path, &e), 0);
	assert_int_equal(im->format, IMAGE_DOCKER_ARCHIVE);
	assert_int_equal(im->nimages, 1);
	m = &im->images[0];
	assert_string_equal(m->name, "t/x:1");
	assert_int_equal(m->nlayers, 1);
	assert_string_equal(m->layers[0].digest, "sha256:"
	    "0000000000000000000000000000000000000000000000000000000000000001");
	/* History: entry 2 made the layer; 1 and 3 made none. */
	assert_string_equal(m->layers[0].created_by, "COPY x /");
	assert_int_equal(m->layers[0].history, 2);
	assert_int_equal(image_history_layer(m, 2), 1);
	assert_int_equal(image_history_layer(m, 1), 0);
	assert_int_equal(image_part_text(&text, &len, m, IMAGE_ENV, &e), 0);
	assert_string_equal(text, "PATH=/bin\nA=two lines\n");
	free(text);
	assert_int_equal(image_part_text(&text, &len, m, IMAGE_LABELS, &e),
	    0);
	assert_string_equal(text, "k=v\n");
	free(text);
	assert_int_equal(image_part_text(&text, &len, m, IMAGE_CMD, &e), 0);
	assert_string_equal(text, "/bin/sh -c x\n");
	free(text);
	assert_int_equal(image_part_text(&text, &len, m, IMAGE_ENTRYPOINT,
	    &e), 0);
	assert_string_equal(text, "");
	free(text);
	assert_int_equal(image_part_text(&text, &len, m, IMAGE_HISTORY, &e),
	    0);
	assert_string_equal(text, "ENV A\nCOPY x /\nCMD x\n");
	free(text);
	image_free(im);

	/* A manifest naming a member outside the archive. */
	write_image(path, ents, PLAIN, "l.tar", "../l.tar", CONFIG);
	assert_int_equal(image_open(&im, path, &e), 0);
	assert_int_equal(image_layer_scan(im, &im->images[0].layers[0], NULL,
	    NULL, 0, 0, on_finding, on_event, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "not a relative path inside"));
	image_free(im);

	/* Not an image; a config that is not JSON. */
	write_image(path, ents, PLAIN, "l.tar", "l.tar", "{nope");
	assert_int_equal(image_open(&im, path, &e), -1);
	assert_non_null(strstr(e.msg, "cfg.json"));
	assert_int_equal(image_open(&im, "/etc/hostname", &e), -1);
	(void)unlink(path);
	(void)rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_layers),
		cmocka_unit_test(test_oci_dir_descriptors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * image: reading saved container images with libarchive.
 *
 * A tar (docker-archive or oci-archive) is read once at open for its
 * index documents, then once more per JSON blob and per layer, each time
 * from the start: libarchive skips the members in between with lseek()
 * when the tar is not compressed, so a reader per layer costs little and
 * lets layers be scanned on several threads. A layer inside a tar is a
 * second libarchive reader whose input is the first one's data.
 */
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "walk.h"

/* libarchive's read block for files: big enough to stream layers. */
#define BLOCK (1u << 20)
/* Symbolic links followed to find a member of a docker-archive. */
#define MEMBER_LINKS 4

static const char *const PARTS[IMAGE_PART_COUNT] = {
	[IMAGE_ENV] = "Env",
	[IMAGE_LABELS] = "Labels",
	[IMAGE_CMD] = "Cmd",
	[IMAGE_ENTRYPOINT] = "Entrypoint",
	[IMAGE_HISTORY] = "history",
};

const char *
image_part_name(enum image_part p)
{
	return PARTS[p];
}

const char *
image_format_name(enum image_format f)
{
	switch (f) {
	case IMAGE_DOCKER_ARCHIVE:
		return "docker-archive";
	case IMAGE_OCI_ARCHIVE:
		return "oci-archive";
	case IMAGE_OCI_DIR:
		return "oci";
	}
	return "?";
}

static const char *
arch_msg(struct archive *a)
{
	const char *m = archive_error_string(a);

	return m != NULL ? m : "libarchive error";
}

/* A reader of the outer tar: plain or compressed. */
static int
tar_open(struct archive **out, const char *path, struct err *e)
{
	struct archive *a;

	a = archive_read_new();
	if (a == NULL)
		return err_set(e, "out of memory");
	if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(a) != ARCHIVE_OK ||
	    archive_read_support_filter_xz(a) != ARCHIVE_OK ||
	    archive_read_support_filter_bzip2(a) != ARCHIVE_OK ||
	    archive_read_open_filename(a, path, BLOCK) != ARCHIVE_OK) {
		err_set(e, "%s", arch_msg(a));
		archive_read_free(a);
		return -1;
	}
	*out = a;
	return 0;
}

/*
 * name without "." components and repeated or trailing slashes, ".."
 * taking away the component before it, in buf. Returns -1 when it is
 * absolute, empty, or ".." would leave the top.
 */
static int
clean_name(char *buf, size_t cap, const char *name)
{
	size_t n = 0;
	const char *p = name, *end;

	if (*p == '/')
		return -1;
	while (*p != '\0') {
		while (*p == '/')
			p++;
		end = strchrnul(p, '/');
		if (end - p == 1 && p[0] == '.') {
			p = end;
			continue;
		}
		if (end - p == 2 && p[0] == '.' && p[1] == '.') {
			char *slash;

			if (n == 0)
				return -1;
			buf[n] = '\0';
			slash = strrchr(buf, '/');
			n = slash != NULL ? (size_t)(slash - buf) : 0;
			p = end;
			continue;
		}
		if (end == p)
			break;
		if (n + (size_t)(end - p) + 2 > cap)
			return -1;
		if (n > 0)
			buf[n++] = '/';
		memcpy(buf + n, p, (size_t)(end - p));
		n += (size_t)(end - p);
		p = end;
	}
	if (n == 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static bool
name_is(const char *entry, const char *want)
{
	char buf[4096];

	return clean_name(buf, sizeof(buf), entry) == 0 &&
	    strcmp(buf, want) == 0;
}

/*
 * Reads the data of the current member of a into a new buffer of at most
 * cap bytes, NUL-terminated.
 */
static int
read_data(char **out, size_t *len, struct archive *a, const char *name,
    size_t cap, struct err *e)
{
	char *buf;
	size_t n = 0;
	la_ssize_t r;

	buf = malloc(cap + 1);
	if (buf == NULL)
		return err_set(e, "out of memory");
	while ((r = archive_read_data(a, buf + n, cap + 1 - n)) > 0) {
		n += (size_t)r;
		if (n > cap) {
			free(buf);
			return err_set(e, "'%s': over %zu bytes", name, cap);
		}
	}
	if (r < 0) {
		err_set(e, "'%s': %s", name, arch_msg(a));
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* name's directory joined with a link's target, cleaned, into buf. */
static int
link_target(char *buf, size_t cap, const char *name, const char *target)
{
	char joined[8192];
	const char *slash = strrchr(name, '/');
	int n;

	n = snprintf(joined, sizeof(joined), "%.*s%s%s",
	    slash != NULL ? (int)(slash - name) : 0, name,
	    slash != NULL ? "/" : "", target);
	if (n < 0 || (size_t)n >= sizeof(joined))
		return -1;
	return clean_name(buf, cap, joined);
}

/*
 * Positions a (opened with tar_open()) at member name, following a
 * symbolic link to another member (docker save's <id>/layer.tar). The
 * member must be a regular file.
 */
static int
tar_seek(struct archive **out, const char *path, const char *name,
    struct err *e)
{
	struct archive *a = NULL;
	struct archive_entry *ent;
	char want[4096], next[4096];
	int r;

	if (clean_name(want, sizeof(want), name) < 0)
		return err_set(e, "member '%s': not a relative path inside "
		    "the archive", name);
	for (int links = 0; links <= MEMBER_LINKS; links++) {
		if (tar_open(&a, path, e) < 0)
			return -1;
		while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK ||
		    r == ARCHIVE_WARN) {
			if (name_is(archive_entry_pathname(ent), want))
				break;
		}
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			if (r == ARCHIVE_EOF)
				err_set(e, "member '%s': not in the archive",
				    want);
			else
				err_set(e, "%s", arch_msg(a));
			archive_read_free(a);
			return -1;
		}
		if (archive_entry_filetype(ent) == AE_IFREG &&
		    archive_entry_hardlink(ent) == NULL) {
			*out = a;
			return 0;
		}
		if (archive_entry_filetype(ent) != AE_IFLNK ||
		    archive_entry_symlink(ent) == NULL ||
		    link_target(next, sizeof(next), want,
		    archive_entry_symlink(ent)) < 0) {
			err_set(e, "member '%s': not a regular file inside the "
			    "archive", want);
			archive_read_free(a);
			return -1;
		}
		archive_read_free(a);
		a = NULL;
		memcpy(want, next, sizeof(want));
	}
	return err_set(e, "member '%s': too many links", name);
}

/* The data of tar member name, at most IMAGE_JSON_MAX bytes. */
static int
tar_member(char **out, size_t *len, const char *path, const char *name,
    struct err *e)
{
	struct archive *a = NULL;
	int rc;

	if (tar_seek(&a, path, name, e) < 0)
		return -1;
	rc = read_data(out, len, a, name, IMAGE_JSON_MAX, e);
	archive_read_free(a);
	return rc;
}

/* Opens a file of an OCI layout directory without following links. */
static int
dir_open(int *fd, const char *dir, const char *name, struct err *e)
{
	char path[8192];
	struct stat st;
	int n;

	n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return err_set(e, "'%s': path too long", name);
	*fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (*fd < 0)
		return err_errno(e, "'%s'", name);
	if (fstat(*fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(*fd);
		*fd = -1;
		return err_set(e, "'%s': not a regular file", name);
	}
	return 0;
}

static int
dir_member(char **out, size_t *len, const char *dir, const char *name,
    struct err *e)
{
	struct walk_file f;
	struct err why = { 0 };
	int fd, rc;

	if (dir_open(&fd, dir, name, e) < 0)
		return -1;
	rc = walk_read_fd(&f, fd, IMAGE_JSON_MAX, &why);
	close(fd);
	if (rc < 0)
		return err_set(e, "'%s': read failed: %s", name, why.msg);
	if (f.skipped)
		return err_set(e, "'%s': over %u bytes", name,
		    IMAGE_JSON_MAX);
	*out = f.data;
	*len = f.len;
	return 0;
}

/* Member name of im parsed as JSON. */
static int
load_json(json_t **out, const struct image *im, const char *name,
    struct err *e)
{
	json_error_t je;
	char *buf = NULL;
	size_t len = 0;
	json_t *j;
	int rc;

	if (im->format == IMAGE_OCI_DIR)
		rc = dir_member(&buf, &len, im->path, name, e);
	else
		rc = tar_member(&buf, &len, im->path, name, e);
	if (rc < 0)
		return -1;
	j = json_loadb(buf, len, 0, &je);
	free(buf);
	if (j == NULL)
		return err_set(e, "'%s': bad JSON at line %d: %s", name,
		    je.line, je.text);
	*out = j;
	return 0;
}

/*
 * The blob path of a digest, "blobs/<algorithm>/<hex>", in buf. Only
 * lowercase letters and digits are allowed, so that the path stays in
 * blobs/.
 */
static int
blob_path(char *buf, size_t cap, const char *digest, struct err *e)
{
	const char *colon = strchr(digest, ':');
	size_t alen, hlen;
	int n;

	if (colon == NULL)
		return err_set(e, "bad digest '%.80s'", digest);
	alen = (size_t)(colon - digest);
	hlen = strlen(colon + 1);
	if (alen == 0 || alen > 16 || hlen < 32 || hlen > 128 ||
	    strspn(digest, "abcdefghijklmnopqrstuvwxyz0123456789") != alen ||
	    strspn(colon + 1, "0123456789abcdef") != hlen)
		return err_set(e, "bad digest '%.80s'", digest);
	n = snprintf(buf, cap, "blobs/%.*s/%s", (int)alen, digest, colon + 1);
	if (n < 0 || (size_t)n >= cap)
		return err_set(e, "bad digest '%.80s'", digest);
	return 0;
}

static int
strdup_to(char **out, const char *s, struct err *e)
{
	*out = strdup(s);
	if (*out == NULL)
		return err_set(e, "out of memory");
	return 0;
}

static void
manifest_release(struct image_manifest *m)
{
	for (size_t i = 0; i < m->nlayers; i++) {
		free(m->layers[i].member);
		free(m->layers[i].digest);
	}
	free(m->layers);
	json_decref(m->config);
	free(m->name);
}

void
image_free(struct image *im)
{
	if (im == NULL)
		return;
	for (size_t i = 0; i < im->nimages; i++)
		manifest_release(&im->images[i]);
	free(im->images);
	free(im->path);
	free(im);
}

/* A new manifest at the end of im->images, zeroed. */
static int
add_manifest(struct image_manifest **out, struct image *im, struct err *e)
{
	struct image_manifest *nv;

	if (im->nimages == IMAGE_MANIFESTS_MAX)
		return err_set(e, "more than %d images", IMAGE_MANIFESTS_MAX);
	nv = realloc(im->images, (im->nimages + 1) * sizeof(*nv));
	if (nv == NULL)
		return err_set(e, "out of memory");
	im->images = nv;
	*out = &nv[im->nimages++];
	memset(*out, 0, sizeof(**out));
	return 0;
}

/* Room for n layers in m, zeroed. */
static int
alloc_layers(struct image_manifest *m, size_t n, struct err *e)
{
	if (n > IMAGE_LAYERS_MAX)
		return err_set(e, "more than %d layers", IMAGE_LAYERS_MAX);
	m->layers = calloc(n != 0 ? n : 1, sizeof(*m->layers));
	if (m->layers == NULL)
		return err_set(e, "out of memory");
	return 0;
}

/*
 * Ties layers to the history entries that made them: the entries that
 * are not empty_layer, in order.
 */
static void
link_history(struct image_manifest *m)
{
	json_t *hist = json_object_get(m->config, "history"), *h;
	size_t i, next = 0;

	if (!json_is_array(hist))
		return;
	json_array_foreach(hist, i, h) {
		if (json_is_true(json_object_get(h, "empty_layer")))
			continue;
		if (next == m->nlayers)
			break;
		m->layers[next].created_by = json_string_value(
		    json_object_get(h, "created_by"));
		m->layers[next].history = i + 1;
		next++;
	}
}

size_t
image_history_layer(const struct image_manifest *m, size_t n)
{
	for (size_t i = 0; i < m->nlayers; i++) {
		if (m->layers[i].history == n)
			return i + 1;
	}
	return 0;
}

/* The image config of m from member name; its history linked. */
static int
load_config(struct image_manifest *m, const struct image *im,
    const char *name, struct err *e)
{
	if (load_json(&m->config, im, name, e) < 0)
		return -1;
	if (!json_is_object(m->config))
		return err_set(e, "config '%s': not a JSON object", name);
	return 0;
}

/* The entries of a docker-archive's manifest.json. */
static int
open_docker(struct image *im, json_t *list, struct err *e)
{
	json_t *item, *layers, *diffs, *v;
	struct image_manifest *m;
	const char *cfg, *s;
	size_t i, k;

	if (!json_is_array(list) || json_array_size(list) == 0)
		return err_set(e, "manifest.json: not a list of images");
	json_array_foreach(list, i, item) {
		cfg = json_string_value(json_object_get(item, "Config"));
		layers = json_object_get(item, "Layers");
		if (cfg == NULL || !json_is_array(layers))
			return err_set(e, "manifest.json: image %zu has no "
			    "Config or Layers", i + 1);
		if (add_manifest(&m, im, e) < 0)
			return -1;
		s = json_string_value(json_array_get(json_object_get(item,
		    "RepoTags"), 0));
		if (s != NULL && strdup_to(&m->name, s, e) < 0)
			return -1;
		if (load_config(m, im, cfg, e) < 0 ||
		    alloc_layers(m, json_array_size(layers), e) < 0)
			return -1;
		diffs = json_object_get(json_object_get(m->config, "rootfs"),
		    "diff_ids");
		json_array_foreach(layers, k, v) {
			struct image_layer *l = &m->layers[k];
			const char *d = json_string_value(json_array_get(diffs,
			    k));

			s = json_string_value(v);
			if (s == NULL)
				return err_set(e, "manifest.json: layer %zu is "
				    "not a string", k + 1);
			l->index = k + 1;
			m->nlayers = k + 1;
			if (strdup_to(&l->member, s, e) < 0 ||
			    strdup_to(&l->digest, d != NULL ? d : "?", e) < 0)
				return -1;
		}
		link_history(m);
	}
	return 0;
}

static bool
media_is(const json_t *desc, const char *a, const char *b)
{
	const char *t = json_string_value(json_object_get(desc, "mediaType"));

	return t != NULL && (strcmp(t, a) == 0 || strcmp(t, b) == 0);
}

static int open_index(struct image *im, json_t *index, int depth,
    struct err *e);

/* One image manifest of an OCI layout, named by its descriptor. */
static int
open_oci_manifest(struct image *im, const json_t *desc, struct err *e)
{
	char path[300];
	json_t *man = NULL, *layers, *v;
	struct image_manifest *m;
	const char *digest, *s;
	size_t k;
	int rc = -1;

	digest = json_string_value(json_object_get(desc, "digest"));
	if (digest == NULL)
		return err_set(e, "index: a manifest without a digest");
	if (blob_path(path, sizeof(path), digest, e) < 0 ||
	    load_json(&man, im, path, e) < 0)
		return -1;
	if (json_is_array(json_object_get(man, "manifests"))) {
		rc = open_index(im, man, 1, e);
		goto out;
	}
	layers = json_object_get(man, "layers");
	s = json_string_value(json_object_get(json_object_get(man, "config"),
	    "digest"));
	if (!json_is_array(layers) || s == NULL) {
		err_set(e, "manifest '%.80s': no config or layers", digest);
		goto out;
	}
	if (add_manifest(&m, im, e) < 0)
		goto out;
	v = json_object_get(json_object_get(desc, "annotations"),
	    "org.opencontainers.image.ref.name");
	if (json_string_value(v) != NULL &&
	    strdup_to(&m->name, json_string_value(v), e) < 0)
		goto out;
	if (blob_path(path, sizeof(path), s, e) < 0 ||
	    load_config(m, im, path, e) < 0 ||
	    alloc_layers(m, json_array_size(layers), e) < 0)
		goto out;
	json_array_foreach(layers, k, v) {
		struct image_layer *l = &m->layers[k];

		s = json_string_value(json_object_get(v, "digest"));
		if (s == NULL || blob_path(path, sizeof(path), s, e) < 0) {
			if (s == NULL)
				err_set(e, "manifest '%.80s': layer %zu has no "
				    "digest", digest, k + 1);
			goto out;
		}
		l->index = k + 1;
		m->nlayers = k + 1;
		if (json_integer_value(json_object_get(v, "size")) > 0)
			l->size = (uint64_t)json_integer_value(
			    json_object_get(v, "size"));
		if (strdup_to(&l->member, path, e) < 0 ||
		    strdup_to(&l->digest, s, e) < 0)
			goto out;
	}
	link_history(m);
	rc = 0;
out:
	json_decref(man);
	return rc;
}

/*
 * The manifests of an OCI index (index.json, or an image index blob
 * for several platforms, followed IMAGE_INDEX_DEPTH deep).
 */
static int
open_index(struct image *im, json_t *index, int depth, struct err *e)
{
	json_t *list = json_object_get(index, "manifests"), *desc;
	size_t i;

	if (depth > IMAGE_INDEX_DEPTH)
		return err_set(e, "image indexes nested over %d deep",
		    IMAGE_INDEX_DEPTH);
	if (!json_is_array(list) || json_array_size(list) == 0)
		return err_set(e, "index: no manifests");
	json_array_foreach(list, i, desc) {
		if (media_is(desc, "application/vnd.oci.image.index.v1+json",
		    "application/vnd.docker.distribution.manifest.list.v2+json")
		    ) {
			char path[300];
			json_t *sub = NULL;
			const char *d = json_string_value(json_object_get(desc,
			    "digest"));
			int rc;

			if (d == NULL)
				return err_set(e, "index: an index without a "
				    "digest");
			if (blob_path(path, sizeof(path), d, e) < 0 ||
			    load_json(&sub, im, path, e) < 0)
				return -1;
			rc = open_index(im, sub, depth + 1, e);
			json_decref(sub);
			if (rc < 0)
				return -1;
		} else if (open_oci_manifest(im, desc, e) < 0) {
			return -1;
		}
	}
	return 0;
}

/* Which tar format: docker-archive when manifest.json is there. */
static int
probe_tar(struct image *im, json_t **doc, struct err *e)
{
	struct archive *a = NULL;
	struct archive_entry *ent;
	bool layout = false;
	char *buf = NULL;
	size_t len = 0;
	json_t *manifest = NULL, *index = NULL, **slot;
	json_error_t je;
	int r, rc = -1;

	if (tar_open(&a, im->path, e) < 0)
		return -1;
	while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK ||
	    r == ARCHIVE_WARN) {
		const char *name = archive_entry_pathname(ent);

		if (name == NULL || archive_entry_filetype(ent) != AE_IFREG)
			continue;
		if (name_is(name, "oci-layout"))
			layout = true;
		slot = name_is(name, "manifest.json") ? &manifest :
		    name_is(name, "index.json") ? &index : NULL;
		if (slot == NULL || *slot != NULL)
			continue;
		if (read_data(&buf, &len, a, name, IMAGE_JSON_MAX, e) < 0)
			goto out;
		*slot = json_loadb(buf, len, 0, &je);
		free(buf);
		if (*slot == NULL) {
			err_set(e, "'%s': bad JSON at line %d: %s", name,
			    je.line, je.text);
			goto out;
		}
	}
	if (r != ARCHIVE_EOF) {
		err_set(e, "%s", arch_msg(a));
		goto out;
	}
	if (manifest != NULL) {
		im->format = IMAGE_DOCKER_ARCHIVE;
		*doc = manifest;
		manifest = NULL;
	} else if (index != NULL && layout) {
		im->format = IMAGE_OCI_ARCHIVE;
		*doc = index;
		index = NULL;
	} else {
		err_set(e, "not a container image: no manifest.json, nor "
		    "oci-layout and index.json");
		goto out;
	}
	rc = 0;
out:
	json_decref(manifest);
	json_decref(index);
	archive_read_free(a);
	return rc;
}

int
image_open(struct image **out, const char *path, struct err *e)
{
	struct image *im;
	json_t *doc = NULL;
	struct stat st;
	int rc = -1;

	if (stat(path, &st) < 0)
		return err_errno(e, "cannot open");
	im = calloc(1, sizeof(*im));
	if (im == NULL)
		return err_set(e, "out of memory");
	if (strdup_to(&im->path, path, e) < 0)
		goto out;
	if (S_ISDIR(st.st_mode)) {
		im->format = IMAGE_OCI_DIR;
		if (load_json(&doc, im, "index.json", e) < 0)
			goto out;
		rc = open_index(im, doc, 0, e);
	} else {
		if (probe_tar(im, &doc, e) < 0)
			goto out;
		if (im->format == IMAGE_DOCKER_ARCHIVE)
			rc = open_docker(im, doc, e);
		else
			rc = open_index(im, doc, 0, e);
	}
out:
	json_decref(doc);
	if (rc < 0) {
		image_free(im);
		return -1;
	}
	*out = im;
	return 0;
}

/* A growing buffer of text. */
struct text {
	char *buf;
	size_t len;
	size_t cap;
};

/* Appends s[0..n) to t, newlines as spaces unless raw. */
static int
text_put(struct text *t, const char *s, size_t n, bool raw, struct err *e)
{
	char *nb;
	size_t cap;

	if (t->len + n + 1 > t->cap) {
		cap = t->cap != 0 ? t->cap : 256;
		while (cap < t->len + n + 1)
			cap *= 2;
		nb = realloc(t->buf, cap);
		if (nb == NULL)
			return err_set(e, "out of memory");
		t->buf = nb;
		t->cap = cap;
	}
	for (size_t i = 0; i < n; i++)
		t->buf[t->len++] = !raw && (s[i] == '\n' || s[i] == '\r') ?
		    ' ' : s[i];
	t->buf[t->len] = '\0';
	return 0;
}

static int
text_add(struct text *t, const char *s, size_t n, struct err *e)
{
	return text_put(t, s, n, false, e);
}

static int
text_end(struct text *t, struct err *e)
{
	return text_put(t, "\n", 1, true, e);
}

static int
text_str(struct text *t, const json_t *v, struct err *e)
{
	if (!json_is_string(v))
		return 0;
	return text_add(t, json_string_value(v), json_string_length(v), e);
}

/* Appends a line: "key=" when key is not NULL, then the string v. */
static int
text_line(struct text *t, const char *key, const json_t *v, struct err *e)
{
	if (key != NULL && (text_add(t, key, strlen(key), e) < 0 ||
	    text_add(t, "=", 1, e) < 0))
		return -1;
	if (text_str(t, v, e) < 0)
		return -1;
	return text_end(t, e);
}

int
image_part_text(char **out, size_t *len, const struct image_manifest *m,
    enum image_part p, struct err *e)
{
	json_t *cfg = json_object_get(m->config, "config"), *v, *item;
	struct text t = { NULL, 0, 0 };
	const char *key;
	size_t i;
	int rc = 0;

	if (text_add(&t, "", 0, e) < 0)
		return -1;
	switch (p) {
	case IMAGE_ENV:
		json_array_foreach(json_object_get(cfg, "Env"), i, item) {
			if (rc == 0)
				rc = text_line(&t, NULL, item, e);
		}
		break;
	case IMAGE_LABELS:
		json_object_foreach(json_object_get(cfg, "Labels"), key, v) {
			if (rc == 0)
				rc = text_line(&t, key, v, e);
		}
		break;
	case IMAGE_CMD:
	case IMAGE_ENTRYPOINT:
		json_array_foreach(json_object_get(cfg, PARTS[p]), i, item) {
			if (rc == 0 && i > 0)
				rc = text_add(&t, " ", 1, e);
			if (rc == 0)
				rc = text_str(&t, item, e);
		}
		if (rc == 0 && t.len > 0)
			rc = text_end(&t, e);
		break;
	case IMAGE_HISTORY:
		json_array_foreach(json_object_get(m->config, "history"), i,
		    item) {
			if (rc == 0)
				rc = text_line(&t, NULL, json_object_get(item,
				    "created_by"), e);
		}
		break;
	case IMAGE_PART_COUNT:
		break;
	}
	if (rc < 0) {
		free(t.buf);
		return -1;
	}
	*out = t.buf;
	*len = t.len;
	return 0;
}

/* One layer being read: its reader and what the callbacks need. */
struct layer_scan {
	struct archive *outer;	/* the tar holding the layer, or NULL */
	struct archive *a;	/* the layer's tar */
	int fd;			/* its blob file, or -1: libarchive's
				 * archive_read_free() does not close it */
	char entry[512];	/* the entry being read, for errors */
};

/* The layer reader's input: the outer tar's data, block by block. */
static la_ssize_t
outer_read(struct archive *a, void *ctx, const void **buf)
{
	struct archive *outer = ctx;
	la_int64_t off;
	size_t size;
	int r;

	r = archive_read_data_block(outer, buf, &size, &off);
	if (r == ARCHIVE_EOF)
		return 0;
	if (r != ARCHIVE_OK) {
		archive_set_error(a, EIO, "%s",
		    arch_msg(outer));
		return -1;
	}
	return (la_ssize_t)size;
}

/* Whether the layer read so far expands like a decompression bomb. */
static int
check_bomb(struct archive *a, struct err *e)
{
	uint64_t in = (uint64_t)archive_filter_bytes(a, -1);
	uint64_t outb = (uint64_t)archive_filter_bytes(a, 0);

	if (outb > IMAGE_BOMB_SLACK && outb - IMAGE_BOMB_SLACK >
	    IMAGE_BOMB_RATIO * in)
		return err_set(e, "expands %llu bytes to over %llu "
		    "(decompression bomb?): not read further",
		    (unsigned long long)in, (unsigned long long)outb);
	return 0;
}

/* filescan's reader: the current entry's data. */
static ssize_t
entry_read(void *ctx, char *buf, size_t len, struct err *e)
{
	struct layer_scan *ls = ctx;
	la_ssize_t n;

	n = archive_read_data(ls->a, buf, len);
	if (n < 0)
		return err_set(e, "entry '%s': %s", ls->entry,
		    arch_msg(ls->a));
	if (check_bomb(ls->a, e) < 0)
		return -1;
	return n;
}

/* Reads what is left of the entry through buf, watching for bombs. */
static int
drain(struct layer_scan *ls, char *buf, size_t cap, struct err *e)
{
	ssize_t n;

	while ((n = entry_read(ls, buf, cap, e)) > 0)
		continue;
	return n < 0 ? -1 : 0;
}

/* Opens l's tar: from the image's tar or from its blob file. */
static int
layer_open(struct layer_scan *ls, const struct image *im,
    const struct image_layer *l, struct err *e)
{
	struct archive *a;
	int fd = -1, r;

	/* What is opened here is closed by the caller, ls->fd too. */
	if (im->format == IMAGE_OCI_DIR) {
		if (dir_open(&fd, im->path, l->member, e) < 0)
			return -1;
		ls->fd = fd;
	} else if (tar_seek(&ls->outer, im->path, l->member, e) < 0) {
		return -1;
	}
	a = archive_read_new();
	if (a == NULL)
		return err_set(e, "out of memory");
	ls->a = a;
	if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_support_format_empty(a) != ARCHIVE_OK ||
	    archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(a) != ARCHIVE_OK ||
	    archive_read_support_filter_xz(a) != ARCHIVE_OK ||
	    archive_read_support_filter_bzip2(a) != ARCHIVE_OK)
		return err_set(e, "%s", arch_msg(a));
	if (fd >= 0)
		r = archive_read_open_fd(a, fd, BLOCK);
	else
		r = archive_read_open(a, ls->outer, NULL, outer_read, NULL);
	if (r != ARCHIVE_OK)
		return err_set(e, "%s", arch_msg(a));
	return 0;
}

/*
 * The path of an entry in the image, "/a/b", in buf; NULL when the name
 * leaves the image root (".." or nothing left).
 */
static const char *
image_path(char *buf, size_t cap, const char *name)
{
	const char *p = name;

	while (*p == '/')
		p++;
	if (clean_name(buf + 1, cap - 1, p) < 0) {
		/* The root itself ("./", "/") is no file. */
		return NULL;
	}
	buf[0] = '/';
	return buf;
}

/*
 * Whether target, from the directory of name, is the top itself: each
 * ".." of it then takes away one component, exactly.
 */
static bool
to_root(const char *name, const char *target)
{
	size_t depth = 0, up = 0;
	const char *p;

	for (p = name; *p != '\0'; p++)
		depth += *p == '/';
	for (p = target; *p != '\0'; p++) {
		if (p[0] == '.' && p[1] == '.' && (p == target ||
		    p[-1] == '/') && (p[2] == '/' || p[2] == '\0'))
			up++;
	}
	return up == depth && strspn(target, "./") == strlen(target);
}

/* Whether a symbolic link at path (in the image) points outside it. */
static bool
link_escapes(const char *path, const char *target)
{
	char buf[4096];

	/* Absolute targets resolve inside the image's root. */
	if (target[0] == '/')
		return false;
	/* A link to the root itself ("..", "a/..") cleans to nothing. */
	return link_target(buf, sizeof(buf), path + 1, target) < 0 &&
	    strstr(target, "..") != NULL && !to_root(path + 1, target);
}

static int
event(image_event_fn *fn, void *payload, enum image_event_kind kind,
    const char *path, const char *why)
{
	struct image_event ev = { .kind = kind, .path = path, .why = why };

	return fn(&ev, payload);
}

/*
 * One entry: a whiteout is an event, a regular file is scanned, links
 * are checked; the rest (directories, devices) is passed over.
 */
static int
layer_entry(struct layer_scan *ls, struct archive_entry *ent,
    struct filescan *fs, const struct scanner *s, uint64_t max,
    unsigned flags, finding_fn *found, image_event_fn *fn, void *payload,
    struct err *e)
{
	const char *name = archive_entry_pathname(ent), *path, *base;
	char buf[4096 + 2], target[4096 + 2];
	struct scan_origin origin = { NULL, NULL };
	struct filescan_result res;
	struct image_event ev;
	int rc;

	if (name == NULL)
		return err_set(e, "an entry without a name");
	(void)snprintf(ls->entry, sizeof(ls->entry), "%s", name);
	path = image_path(buf, sizeof(buf), name);
	if (path == NULL) {
		if (strstr(name, "..") == NULL)
			return 0;
		rc = event(fn, payload, IMAGE_BAD_ENTRY, name,
		    "name leaves the image root");
		if (rc != 0)
			return rc;
		/* Its bytes are scanned all the same, under its name. */
		(void)snprintf(buf, sizeof(buf), "%s", name);
		path = buf;
	}
	base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	if (strncmp(base, ".wh.", 4) == 0) {
		if (strcmp(base, ".wh..wh..opq") == 0) {
			buf[base - buf - (base - buf > 1 ? 1 : 0)] = '\0';
			return event(fn, payload, IMAGE_OPAQUE, path, NULL);
		}
		if (strncmp(base, ".wh..wh.", 8) == 0)
			return 0;
		memmove((char *)base, base + 4, strlen(base + 4) + 1);
		return event(fn, payload, IMAGE_WHITEOUT, path, NULL);
	}
	if (archive_entry_hardlink(ent) != NULL) {
		if (image_path(target, sizeof(target),
		    archive_entry_hardlink(ent)) == NULL)
			return event(fn, payload, IMAGE_BAD_ENTRY, path,
			    "hard link to a name outside the image root");
		/* Scanned where its target is. */
		return 0;
	}
	if (archive_entry_filetype(ent) == AE_IFLNK) {
		const char *t = archive_entry_symlink(ent);

		if (t != NULL && link_escapes(path, t))
			return event(fn, payload, IMAGE_BAD_ENTRY, path,
			    "symbolic link out of the image root");
		return 0;
	}
	if (archive_entry_filetype(ent) != AE_IFREG)
		return 0;
	origin.path = path;
	rc = filescan_stream(&res, fs, s, entry_read, ls,
	    archive_entry_size_is_set(ent) ?
	    (uint64_t)archive_entry_size(ent) : UINT64_MAX, max, &origin,
	    flags, found, payload, e);
	if (rc != 0)
		return rc;
	memset(&ev, 0, sizeof(ev));
	ev.kind = res.over ? IMAGE_SKIPPED : IMAGE_FILE;
	ev.path = path;
	ev.bytes = res.bytes;
	ev.size = archive_entry_size_is_set(ent) ?
	    (uint64_t)archive_entry_size(ent) : 0;
	ev.stats = &res.stats;
	rc = fn(&ev, payload);
	if (rc != 0)
		return rc;
	if (res.over && drain(ls, fs->buf, fs->cap, e) < 0)
		return -1;
	return 0;
}

int
image_layer_scan(const struct image *im, const struct image_layer *l,
    struct filescan *fs, const struct scanner *s, uint64_t max,
    unsigned flags, finding_fn *found, image_event_fn *fn, void *payload,
    struct err *e)
{
	struct layer_scan ls;
	struct archive_entry *ent;
	int r, rc = -1;

	memset(&ls, 0, sizeof(ls));
	ls.fd = -1;
	if (layer_open(&ls, im, l, e) < 0)
		goto out;
	while ((r = archive_read_next_header(ls.a, &ent)) == ARCHIVE_OK ||
	    r == ARCHIVE_WARN) {
		if (check_bomb(ls.a, e) < 0)
			goto out;
		rc = layer_entry(&ls, ent, fs, s, max, flags, found, fn,
		    payload, e);
		if (rc != 0)
			goto out;
		rc = -1;
	}
	if (r != ARCHIVE_EOF) {
		if (ls.entry[0] != '\0')
			err_set(e, "after entry '%s': %s", ls.entry,
			    arch_msg(ls.a));
		else
			err_set(e, "%s", arch_msg(ls.a));
		goto out;
	}
	rc = 0;
out:
	if (ls.a != NULL)
		archive_read_free(ls.a);
	if (ls.outer != NULL)
		archive_read_free(ls.outer);
	if (ls.fd >= 0)
		(void)close(ls.fd);
	return rc;
}

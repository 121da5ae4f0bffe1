/*
 * common/notls.c: no CA bundle parsed at start-up.
 *
 * libgit2 1.5, as Debian builds it, parses the whole system CA bundle
 * through mbedTLS in git_libgit2_init() (its TLS stream's global set-up;
 * there is no option to defer it), for connections tokenguard never
 * makes: no program here fetches or pushes over the network. The parse
 * costs about 53 million instructions, 15 to 20 ms: more than half of
 * the pre-commit hook's run on a small commit, and a quarter of a scan
 * of /usr/include.
 *
 * This definition takes the place of mbedTLS's in the programs this
 * object is linked into (the scan CLI and the hooks; see the Makefile):
 * the dynamic linker binds libgit2's call to the executable's symbol,
 * so no certificate is loaded. Were a TLS connection ever attempted, it
 * would fail verification, never pass unverified. A libgit2 built on
 * OpenSSL does not call it at all. The object is linked by name, not
 * taken from the library archive, since nothing in the programs
 * themselves refers to the symbol.
 */

int mbedtls_x509_crt_parse_file(void *chain, const char *path);

int
mbedtls_x509_crt_parse_file(void *chain, const char *path)
{
	(void)chain;
	(void)path;
	return 0;
}

/*
 * version: the one place that names tokenguard's version and home page,
 * shown by --version and written into SARIF documents.
 */
#ifndef TOKENGUARD_VERSION_H
#define TOKENGUARD_VERSION_H

#define TOKENGUARD_VERSION "0.1.0"
#define TOKENGUARD_URL "https://github.com/tokenguard/tokenguard"

#endif

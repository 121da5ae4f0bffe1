/*
 * version: the one place that names tokenguard's version, shown by
 * --version and written into SARIF documents.
 */
#ifndef TOKENGUARD_VERSION_H
#define TOKENGUARD_VERSION_H

#define TOKENGUARD_VERSION "0.1.0"

#endif

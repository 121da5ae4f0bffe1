/*
 * fuzz_scan: the scanner with the built-in rules only (the default
 * configuration), on arbitrary bytes with generated tokens spliced in.
 * scancheck.h lists the input layout and every invariant checked.
 */
#include "config.h"
#include "harness.h"
#include "scancheck.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct config c;

	(void)argc;
	(void)argv;
	config_init(&c);
	scancheck_init(&c);
	config_release(&c);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	scancheck_run(data, size);
	return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz/check_name.h - the invariant every fuzz target of the names module
 * checks on a name it gets back: NULL, or 1 to RK_NAMES_MAX_LEN bytes of
 * printable ASCII without blanks (0x21..0x7e).  Aborts otherwise, which
 * libFuzzer reports as a crash.
 */
#ifndef RK_FUZZ_CHECK_NAME_H
#define RK_FUZZ_CHECK_NAME_H

#include <stdlib.h>
#include <string.h>

#include "names/names.h"

static inline void
check_name(const char *name)
{
	size_t len;

	if (name == NULL)
		return;
	len = strlen(name);
	if (len == 0 || len > RK_NAMES_MAX_LEN)
		abort();
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x21 || (unsigned char)name[i] > 0x7e)
			abort();
}

#endif /* RK_FUZZ_CHECK_NAME_H */

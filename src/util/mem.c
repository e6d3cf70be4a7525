/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util/mem.c - large tables in huge pages (see mem.h).
 *
 * Below RK_MEM_HUGE_MIN the allocation comes from calloc (a huge page
 * would be mostly waste).  Above it: mmap of the size rounded up to 2 MiB,
 * plus 2 MiB of slack so the start can be aligned to a huge-page boundary
 * (the kernel backs an aligned 2 MiB range with one huge page), the slack
 * trimmed off again, then madvise(MADV_HUGEPAGE).  madvise failing is not
 * an error: the kernel may not offer huge pages.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "util/mem.h"

#define RK_MEM_HUGE (2u << 20)         /* bytes in a huge page */
#define RK_MEM_HUGE_MIN (4u << 20)     /* smaller allocations use calloc */

static size_t
round_huge(size_t size)
{
	return (size + RK_MEM_HUGE - 1) & ~((size_t)RK_MEM_HUGE - 1);
}

void *
rk_mem_big(size_t size)
{
	size_t len, map_len;
	uint8_t *p, *start;

	if (size < RK_MEM_HUGE_MIN)
		return calloc(1, size ? size : 1);
	len = round_huge(size);
	if (len < size || len + RK_MEM_HUGE < len)
		return NULL;
	map_len = len + RK_MEM_HUGE;
	p = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	start = (uint8_t *)(((uintptr_t)p + RK_MEM_HUGE - 1) & ~((uintptr_t)RK_MEM_HUGE - 1));
	if (start > p)
		munmap(p, (size_t)(start - p));
	if (start + len < p + map_len)
		munmap(start + len, (size_t)(p + map_len - (start + len)));
#ifdef MADV_HUGEPAGE
	(void)madvise(start, len, MADV_HUGEPAGE);
#endif
	return start;
}

void
rk_mem_big_free(void *p, size_t size)
{
	if (p == NULL)
		return;
	if (size < RK_MEM_HUGE_MIN)
		free(p);
	else
		munmap(p, round_huge(size));
}

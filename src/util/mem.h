/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util/mem.h - large tables in huge pages.
 *
 * The session table and the classifier's maps are looked up at random
 * across hundreds of megabytes: with 4 KiB pages nearly every lookup also
 * misses the TLB and walks the page tables.  rk_mem_big() maps zeroed
 * memory straight from the kernel and asks for transparent huge pages
 * (2 MiB) where the kernel allows them (enabled=always or madvise); where
 * it does not, the memory still works, in small pages.  Pages are touched
 * (and faulted in) only when first used.
 */
#ifndef RK_UTIL_MEM_H
#define RK_UTIL_MEM_H

#include <stddef.h>

/* size bytes of zeroed memory, 2 MiB-aligned when size is large; NULL if out of memory. */
void *rk_mem_big(size_t size);
/* Free what rk_mem_big returned (size as given to it).  NULL is a no-op. */
void rk_mem_big_free(void *p, size_t size);

#endif /* RK_UTIL_MEM_H */

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util/map.h - growable hash maps for per-relationship aggregates.
 *
 * Used where work is per session or per relationship, never per packet:
 * the endpoint evidence, services, edges and hosts.  Entries are fixed-size
 * records in one contiguous array (so they can be sorted and iterated in
 * order), the key is the first key_size bytes of each entry (a multiple of
 * 8, zero-padded by the caller), and an open-addressing index of 32-bit
 * entry numbers finds them.  No deletion: aggregates only grow, and a
 * long-term store prunes by rebuilding.  Pointers to entries are valid
 * until the next rk_map_upsert (the array may move).
 *
 * rk_u64set is a set of 64-bit fingerprints (0 is reserved), used to count
 * distinct peers exactly without storing them.
 */
#ifndef RK_UTIL_MAP_H
#define RK_UTIL_MAP_H

#include <stddef.h>
#include <stdint.h>

struct rk_map {
	uint8_t *entries;  /* n_entries * entry_size bytes */
	uint32_t *index;   /* max_index slots: entry number + 1, 0 = empty */
	size_t n_entries;  /* entries in use */
	size_t max_entries; /* entries allocated */
	size_t max_index;  /* index slots, power of two */
	size_t key_size;   /* bytes of key at the start of each entry, multiple of 8 */
	size_t entry_size; /* bytes per entry, multiple of 8 */
	uint64_t seed;     /* hash key */
};

void rk_map_init(struct rk_map *m, size_t key_size, size_t entry_size, uint64_t seed);
void rk_map_fini(struct rk_map *m);
/* The entry with this key, or NULL. */
void *rk_map_find(const struct rk_map *m, const void *key);
/* The entry with this key, created zeroed (key copied in) if absent; NULL if out of memory. */
void *rk_map_upsert(struct rk_map *m, const void *key, int *created);
static inline void *
rk_map_at(const struct rk_map *m, size_t i)
{
	return m->entries + i * m->entry_size;
}

struct rk_u64set {
	uint64_t *slots; /* 0 = empty */
	size_t n;        /* members */
	size_t max;      /* slots, power of two */
};

void rk_u64set_init(struct rk_u64set *s);
void rk_u64set_fini(struct rk_u64set *s);
/* Add v (0 is mapped to 1).  Returns 1 if added, 0 if present, <0 out of memory. */
int rk_u64set_add(struct rk_u64set *s, uint64_t v);

#endif /* RK_UTIL_MAP_H */

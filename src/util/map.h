/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util/map.h - growable hash maps for per-relationship aggregates.
 *
 * Used where work is per session or per relationship, never per packet:
 * the endpoint evidence, services, edges and hosts.  Entries are fixed-size
 * records in one contiguous array (so they can be sorted and iterated in
 * order), the key is the first key_size bytes of each entry (a multiple of
 * 8, zero-padded by the caller), and an open-addressing index finds them.
 * Each index slot holds an entry number and 32 more bits of the key's
 * hash (the tag): a probe reads an entry only when its tag matches, so a
 * lookup costs one cache miss in the index and one in the entry.  No
 * deletion: aggregates only grow, and a long-term store prunes by
 * rebuilding.  Pointers to entries are valid until the next rk_map_upsert
 * (the array may move).
 *
 * Batch users (the classifier folds thousands of sessions at a time) hash
 * a key once with rk_map_hash(), prefetch its index slot, later its entry,
 * and then look it up with the _h variants: the misses of a batch overlap.
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
	uint64_t *index;   /* max_index slots: tag << 32 | entry number + 1; 0 = empty */
	size_t n_entries;  /* entries in use */
	size_t max_entries; /* entries allocated */
	size_t max_index;  /* index slots, power of two */
	size_t key_size;   /* bytes of key at the start of each entry, multiple of 8 */
	size_t entry_size; /* bytes per entry, multiple of 8 */
	uint64_t seed;     /* hash key */
};

void rk_map_init(struct rk_map *m, size_t key_size, size_t entry_size, uint64_t seed);
void rk_map_fini(struct rk_map *m);
/* The hash of a key, for the _h variants and the prefetches. */
uint64_t rk_map_hash(const struct rk_map *m, const void *key);
/* The entry with this key, or NULL. */
void *rk_map_find(const struct rk_map *m, const void *key);
void *rk_map_find_h(const struct rk_map *m, const void *key, uint64_t h);
/* The entry with this key, created zeroed (key copied in) if absent; NULL if out of memory. */
void *rk_map_upsert(struct rk_map *m, const void *key, int *created);
void *rk_map_upsert_h(struct rk_map *m, const void *key, uint64_t h, int *created);

/*
 * Keep only the entries keep(entry, arg) returns non-zero for, in their
 * order (the map is rebuilt: earlier entry pointers become invalid).
 * Returns the entries dropped; *n_lost (may be NULL) gets those kept but
 * lost to a failed allocation.
 */
size_t rk_map_retain(struct rk_map *m, int (*keep)(const void *entry, void *arg), void *arg,
    size_t *n_lost);

static inline void *
rk_map_at(const struct rk_map *m, size_t i)
{
	return m->entries + i * m->entry_size;
}

/* Start loading the index slot where the key of hash h is looked up first. */
static inline void
rk_map_prefetch(const struct rk_map *m, uint64_t h)
{
	if (m->max_index != 0)
		__builtin_prefetch(&m->index[h & (m->max_index - 1)]);
}

/* Start loading the entry that slot holds, if its tag says it may be the key's. */
static inline void
rk_map_prefetch_entry(const struct rk_map *m, uint64_t h)
{
	uint64_t slot;

	if (m->max_index == 0)
		return;
	slot = m->index[h & (m->max_index - 1)];
	if ((uint32_t)slot != 0 && (slot >> 32) == (h >> 32))
		__builtin_prefetch(rk_map_at(m, (uint32_t)slot - 1));
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
/* 1 if v is in the set, else 0. */
int rk_u64set_has(const struct rk_u64set *s, uint64_t v);
/* Start loading the slot where v is looked up first. */
void rk_u64set_prefetch(const struct rk_u64set *s, uint64_t v);

#endif /* RK_UTIL_MAP_H */

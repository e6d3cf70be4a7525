/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util/map.c - growable open-addressing maps and fingerprint sets (map.h).
 *
 * Linear probing over a power-of-two index kept at most 50% full for the
 * map and 70% for the set; both double when they pass it.  Growth is
 * amortised O(1) per insert and never happens on the packet path.
 */
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/map.h"

void
rk_map_init(struct rk_map *m, size_t key_size, size_t entry_size, uint64_t seed)
{
	memset(m, 0, sizeof(*m));
	m->key_size = key_size;
	m->entry_size = entry_size;
	m->seed = seed;
}

void
rk_map_fini(struct rk_map *m)
{
	free(m->entries);
	free(m->index);
	memset(m, 0, sizeof(*m));
}

uint64_t
rk_map_hash(const struct rk_map *m, const void *key)
{
	return rk_hash_words(key, m->key_size, m->seed);
}

/* The slot value for entry number e (0-based) of a key hashing to h. */
static inline uint64_t
slot_of(uint64_t h, size_t e)
{
	return (h >> 32) << 32 | (uint64_t)(e + 1);
}

/* Key equality without a call: keys are a whole number of 64-bit words. */
static inline int
key_eq(const void *x, const void *y, size_t len)
{
	const uint8_t *a = x, *b = y;
	uint64_t d = 0, u, v;

	for (size_t i = 0; i < len; i += 8) {
		memcpy(&u, a + i, 8);
		memcpy(&v, b + i, 8);
		d |= u ^ v;
	}
	return d == 0;
}

/*
 * Find the entry whose key equals key.  O(1) expected.  Returns NULL if it
 * is absent.
 */
void *
rk_map_find_h(const struct rk_map *m, const void *key, uint64_t h)
{
	size_t mask = m->max_index - 1;

	if (m->max_index == 0)
		return NULL;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		uint64_t slot = m->index[i];
		uint32_t e = (uint32_t)slot;
		if (e == 0)
			return NULL;
		if ((slot >> 32) == (h >> 32) && key_eq(rk_map_at(m, e - 1), key, m->key_size))
			return rk_map_at(m, e - 1);
	}
}

void *
rk_map_find(const struct rk_map *m, const void *key)
{
	return m->max_index == 0 ? NULL : rk_map_find_h(m, key, rk_map_hash(m, key));
}

static int
grow_index(struct rk_map *m)
{
	size_t n = m->max_index ? m->max_index * 2 : 64;
	uint64_t *idx = calloc(n, sizeof(*idx));

	if (idx == NULL)
		return -1;
	free(m->index);
	m->index = idx;
	m->max_index = n;
	for (size_t e = 0; e < m->n_entries; e++) {
		uint64_t h = rk_map_hash(m, rk_map_at(m, e));
		size_t i = h & (n - 1);
		while (idx[i] != 0)
			i = (i + 1) & (n - 1);
		idx[i] = slot_of(h, e);
	}
	return 0;
}

static int
grow_entries(struct rk_map *m)
{
	size_t n = m->max_entries ? m->max_entries * 2 : 32;
	uint8_t *p = realloc(m->entries, n * m->entry_size);

	if (p == NULL)
		return -1;
	m->entries = p;
	m->max_entries = n;
	return 0;
}

/*
 * Return the entry for key, creating a zeroed one with the key copied in
 * when absent (*created, if not NULL, says which).  Amortised O(1).
 * Returns NULL when memory is short (the map is unchanged).  Earlier entry
 * pointers may be invalid afterwards.
 */
void *
rk_map_upsert_h(struct rk_map *m, const void *key, uint64_t h, int *created)
{
	void *e = rk_map_find_h(m, key, h);
	size_t i;
	uint8_t *ne;

	if (created != NULL)
		*created = 0;
	if (e != NULL)
		return e;
	if (m->n_entries + 1 > m->max_index / 2 && grow_index(m) < 0)
		return NULL;
	if (m->n_entries == m->max_entries && grow_entries(m) < 0)
		return NULL;
	if (m->n_entries >= UINT32_MAX - 1)
		return NULL;
	ne = rk_map_at(m, m->n_entries);
	memset(ne, 0, m->entry_size);
	memcpy(ne, key, m->key_size);
	for (i = h & (m->max_index - 1); m->index[i] != 0; i = (i + 1) & (m->max_index - 1))
		;
	m->index[i] = slot_of(h, m->n_entries++);
	if (created != NULL)
		*created = 1;
	return ne;
}

void *
rk_map_upsert(struct rk_map *m, const void *key, int *created)
{
	return rk_map_upsert_h(m, key, rk_map_hash(m, key), created);
}

/*
 * Rebuild m with the entries keep() wants (map.h).  Counts first, so a
 * map that drops nothing is left alone.  The key is each entry's first
 * key_size bytes, so an entry is its own key.  O(entries).
 */
size_t
rk_map_retain(struct rk_map *m, int (*keep)(const void *entry, void *arg), void *arg,
    size_t *n_lost)
{
	struct rk_map kept;
	size_t dropped = 0, lost = 0;

	for (size_t i = 0; i < m->n_entries; i++)
		dropped += !keep(rk_map_at(m, i), arg);
	if (dropped > 0) {
		rk_map_init(&kept, m->key_size, m->entry_size, m->seed);
		for (size_t i = 0; i < m->n_entries; i++) {
			const void *e = rk_map_at(m, i);
			void *n;
			if (!keep(e, arg))
				continue;
			if ((n = rk_map_upsert(&kept, e, NULL)) == NULL) {
				lost++;
				continue;
			}
			memcpy(n, e, m->entry_size);
		}
		rk_map_fini(m);
		*m = kept;
	}
	if (n_lost != NULL)
		*n_lost = lost;
	return dropped;
}

void
rk_u64set_init(struct rk_u64set *s)
{
	memset(s, 0, sizeof(*s));
}

void
rk_u64set_fini(struct rk_u64set *s)
{
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

static void
set_put(uint64_t *slots, size_t max, uint64_t v)
{
	size_t i = (size_t)rk_hash_mix(v) & (max - 1);

	while (slots[i] != 0)
		i = (i + 1) & (max - 1);
	slots[i] = v;
}

void
rk_u64set_prefetch(const struct rk_u64set *s, uint64_t v)
{
	if (s->max != 0)
		__builtin_prefetch(&s->slots[(size_t)rk_hash_mix(v ? v : 1) & (s->max - 1)]);
}

/* 1 if the fingerprint v is in s, else 0.  O(1) expected. */
int
rk_u64set_has(const struct rk_u64set *s, uint64_t v)
{
	if (s->max == 0)
		return 0;
	if (v == 0)
		v = 1;
	for (size_t i = (size_t)rk_hash_mix(v) & (s->max - 1); s->slots[i] != 0;
	    i = (i + 1) & (s->max - 1))
		if (s->slots[i] == v)
			return 1;
	return 0;
}

/*
 * Add the fingerprint v.  Returns 1 if it was new, 0 if already there, -1
 * if memory is short.  Amortised O(1).
 */
int
rk_u64set_add(struct rk_u64set *s, uint64_t v)
{
	size_t i;

	if (v == 0)
		v = 1;
	if ((s->n + 1) * 10 > s->max * 7) {
		size_t n = s->max ? s->max * 2 : 1024;
		uint64_t *p = calloc(n, sizeof(*p));
		if (p == NULL)
			return -1;
		for (size_t j = 0; j < s->max; j++)
			if (s->slots[j] != 0)
				set_put(p, n, s->slots[j]);
		free(s->slots);
		s->slots = p;
		s->max = n;
	}
	for (i = (size_t)rk_hash_mix(v) & (s->max - 1); s->slots[i] != 0;
	    i = (i + 1) & (s->max - 1))
		if (s->slots[i] == v)
			return 0;
	s->slots[i] = v;
	s->n++;
	return 1;
}

/* u64map.c - linear-probing hash map for frame and PFN lookups. */
#include <stdlib.h>

#include "u64map.h"

static size_t slot_of(uint64_t key, size_t capacity)
{
	/* Fibonacci hashing spreads page-aligned keys. */
	return (size_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> 20) & (capacity - 1);
}

void hvo_u64map_init(struct hvo_u64map *map)
{
	*map = (struct hvo_u64map){ 0 };
}

void hvo_u64map_deinit(struct hvo_u64map *map)
{
	free(map->keys);
	free(map->values);
	free(map->used);
	hvo_u64map_init(map);
}

static bool grow(struct hvo_u64map *map)
{
	size_t capacity = map->capacity ? map->capacity * 2 : 64;
	struct hvo_u64map bigger = {
		.keys = malloc(capacity * sizeof(uint64_t)),
		.values = malloc(capacity * sizeof(size_t)),
		.used = calloc(capacity, 1),
		.capacity = capacity,
	};
	if (!bigger.keys || !bigger.values || !bigger.used) {
		hvo_u64map_deinit(&bigger);
		return false;
	}
	for (size_t i = 0; i < map->capacity; i++) {
		if (map->used[i])
			hvo_u64map_put(&bigger, map->keys[i], map->values[i]);
	}
	hvo_u64map_deinit(map);
	*map = bigger;
	return true;
}

bool hvo_u64map_put(struct hvo_u64map *map, uint64_t key, size_t value)
{
	if ((map->size + 1) * 2 > map->capacity && !grow(map))
		return false;
	size_t slot = slot_of(key, map->capacity);
	while (map->used[slot] && map->keys[slot] != key)
		slot = (slot + 1) & (map->capacity - 1);
	if (!map->used[slot]) {
		map->used[slot] = 1;
		map->keys[slot] = key;
		map->size++;
	}
	map->values[slot] = value;
	return true;
}

bool hvo_u64map_get(const struct hvo_u64map *map, uint64_t key, size_t *value_ret)
{
	if (!map->capacity)
		return false;
	size_t slot = slot_of(key, map->capacity);
	while (map->used[slot]) {
		if (map->keys[slot] == key) {
			*value_ret = map->values[slot];
			return true;
		}
		slot = (slot + 1) & (map->capacity - 1);
	}
	return false;
}

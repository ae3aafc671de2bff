/* u64map.h - open-addressing hash map from uint64_t keys to size_t values. */
#ifndef HVO_U64MAP_H
#define HVO_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hvo_u64map {
	uint64_t *keys;
	size_t *values;
	unsigned char *used;
	size_t capacity;	/* power of two */
	size_t size;
};

void hvo_u64map_init(struct hvo_u64map *map);
void hvo_u64map_deinit(struct hvo_u64map *map);
/* false on allocation failure. */
bool hvo_u64map_put(struct hvo_u64map *map, uint64_t key, size_t value);
bool hvo_u64map_get(const struct hvo_u64map *map, uint64_t key, size_t *value_ret);

#endif /* HVO_U64MAP_H */

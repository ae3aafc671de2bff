/*
 * vector.h - a growable array of one type, as libdrgn's DEFINE_VECTOR.
 *
 * HVO_VECTOR(name, type) defines struct name { type *data; size_t size,
 * capacity; } and, for it:
 *   type *name_append(struct name *v)   one more element, zeroed; NULL when
 *                                       out of memory (v is then unchanged)
 *   void name_deinit(struct name *v)    frees the array (not what it points to)
 * The capacity doubles, so n appends cost O(n) copying, not the O(n^2) of
 * growing by one element at a time.  A zeroed struct is an empty vector.
 */
#ifndef HVO_VECTOR_H
#define HVO_VECTOR_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HVO_VECTOR(name, type)							\
struct name {									\
	type *data;								\
	size_t size, capacity;							\
};										\
										\
static inline __attribute__((unused)) type *name##_append(struct name *v)	\
{										\
	if (v->size == v->capacity) {						\
		size_t capacity = v->capacity ? 2 * v->capacity : 8;		\
		if (capacity > SIZE_MAX / sizeof(type))				\
			return NULL;						\
		type *data = realloc(v->data, capacity * sizeof(type));		\
		if (!data)							\
			return NULL;						\
		v->data = data;							\
		v->capacity = capacity;						\
	}									\
	type *slot = &v->data[v->size++];					\
	memset(slot, 0, sizeof(*slot));						\
	return slot;								\
}										\
										\
static inline __attribute__((unused)) void name##_deinit(struct name *v)	\
{										\
	free(v->data);								\
	v->data = NULL;								\
	v->size = v->capacity = 0;						\
}

#endif /* HVO_VECTOR_H */

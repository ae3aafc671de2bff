/* truth: the ground-truth JSON of a model (schema in README). */
#ifndef MKV_TRUTH_H
#define MKV_TRUTH_H

#include <stddef.h>

#include "model.h"

int mkv_truth_write(const struct mkv_model *m, const char *path, char *errbuf, size_t errlen);

#endif

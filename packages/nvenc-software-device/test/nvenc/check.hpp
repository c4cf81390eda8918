// The check of the software device's C++ API tests: counts every check, prints each failure with
// its condition and a message, and carries on so one run lists every failure.
#pragma once
#include <cstdio>

inline int failures = 0, checks = 0;
#define CHECK(cond, ...)                                              \
  do {                                                                \
    checks++;                                                         \
    if (!(cond)) {                                                    \
      failures++;                                                     \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                   \
      fprintf(stderr, "\n");                                          \
    }                                                                 \
  } while (0)

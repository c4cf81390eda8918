// Fault points that the original NVENC_SOFT_FAULT points (open, init, encode, lock, map, register;
// see environment.cpp faultFor) do not cover: allocation failure in the software CUDA (`alloc`), NVENC
// buffer creation failure (`buffer`) and a device lost in the middle of a stream (`lost`).
// Compiled into both libcuda.so.1 and libnvidia-encode.so.1 (each keeps its own counters).
//
// Grammar, items separated by commas in NVENC_SOFT_FAULT:  point[@n[+]][=STATUS]
//   no @n  every call fails;  @n  the n-th call fails;  @n+  the n-th call and every later one.
//   STATUS is a number or a status name (with or without its NV_ENC_ERR_ / CUDA_ERROR_ prefix);
//   without it the point's own default applies.
// Calls are counted per process from the moment the variable took its current value: changing
// NVENC_SOFT_FAULT (or unsetting it) restarts the counts and brings a lost device back.
#pragma once

#include <string>

namespace nvsoft {
namespace fault {

// Whether a rule of `spec` makes call `n` of `point` fail; the caller does the counting (the
// session-level points of the core count per session). `statusText` receives the rule's STATUS.
bool matches(const std::string& spec, const char* point, unsigned long long n, std::string* statusText);

// Counts one call of `point` (per process); true when a rule asks this call to fail. `statusText` receives the
// rule's STATUS ("" when it has none).
bool hit(const char* point, std::string* statusText);

// Resolves a rule's STATUS: a number, `<prefix>NAME` or `NAME`, where nameOf(code) gives the
// full names for codes 0..maxCode. Unknown or empty text gives `fallback`.
int statusFromText(const std::string& text, int fallback, const char* (*nameOf)(int), int maxCode, const char* prefix);

// Device lost: once markLost() ran, lost() answers true with that status until the variable
// changes.
void markLost(int status);
bool lost(int* status);

}  // namespace fault
}  // namespace nvsoft

#include "fault_injection.hpp"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace nvsoft {
namespace fault {
namespace {

std::mutex gMu;
std::atomic<bool> gActive{false};         // a non-empty spec was seen (so an unset variable must reset)
std::string& gSpec = *new std::string();  // the value the counts belong to (never destroyed: see session.cpp gLive)
// Call counts per point. A plain table, not std::map: libcuda exports only cu* symbols, and
// std:: template instances would be exported (libstdc++ declares namespace std visible).
struct PointCount {
  char name[24];
  unsigned long long calls;
};
PointCount gCalls[16];
int gPoints = 0;

unsigned long long countCall(const char* point) {
  for (int i = 0; i < gPoints; i++)
    if (strcmp(gCalls[i].name, point) == 0) return ++gCalls[i].calls;
  if (gPoints == (int)(sizeof(gCalls) / sizeof(gCalls[0])) || strlen(point) >= sizeof(gCalls[0].name)) return 0;
  PointCount& p = gCalls[gPoints++];
  strcpy(p.name, point);
  p.calls = 1;
  return 1;
}
bool gLost = false;
int gLostStatus = 0;

// Caller holds gMu. Returns the current spec, resetting counts and the lost state when it changed.
const std::string& currentSpec() {
  const char* v = getenv("NVENC_SOFT_FAULT");
  std::string now = (v && *v) ? v : "";
  if (now != gSpec) {
    gSpec = now;
    gPoints = 0;
    gLost = false;
    gLostStatus = 0;
    gActive.store(!now.empty(), std::memory_order_relaxed);
  }
  return gSpec;
}

bool quiet() {
  // Fast path for the common case: no variable and nothing to reset.
  const char* v = getenv("NVENC_SOFT_FAULT");
  return (!v || !*v) && !gActive.load(std::memory_order_relaxed);
}

}  // namespace

bool matches(const std::string& spec, const char* point, unsigned long long n, std::string* statusText) {
  size_t pos = 0;
  while (pos <= spec.size()) {
    size_t end = spec.find(',', pos);
    if (end == std::string::npos) end = spec.size();
    std::string item = spec.substr(pos, end - pos);
    pos = end + 1;
    std::string lhs = item, rhs;
    size_t eq = item.find('=');
    if (eq != std::string::npos) {
      lhs = item.substr(0, eq);
      rhs = item.substr(eq + 1);
    }
    unsigned long long at = 0;
    bool onward = false;
    size_t atp = lhs.find('@');
    if (atp != std::string::npos) {
      char* e = nullptr;
      at = strtoull(lhs.c_str() + atp + 1, &e, 10);
      onward = e && *e == '+';
      lhs = lhs.substr(0, atp);
    }
    if (lhs != point) continue;
    if (at != 0 && (onward ? n < at : n != at)) continue;
    if (statusText) *statusText = rhs;
    return true;
  }
  return false;
}

bool hit(const char* point, std::string* statusText) {
  if (quiet()) return false;
  std::lock_guard<std::mutex> l(gMu);
  const std::string& spec = currentSpec();
  if (spec.empty()) return false;
  return matches(spec, point, countCall(point), statusText);
}

int statusFromText(const std::string& text, int fallback, const char* (*nameOf)(int), int maxCode, const char* prefix) {
  if (text.empty()) return fallback;
  char* e = nullptr;
  long num = strtol(text.c_str(), &e, 10);
  if (e && *e == 0) return (int)num;
  const size_t plen = strlen(prefix);
  for (int code = 0; code <= maxCode; code++) {
    const char* name = nameOf(code);
    if (!name) continue;
    if (text == name || (strncmp(name, prefix, plen) == 0 && text == name + plen)) return code;
  }
  return fallback;
}

void markLost(int status) {
  std::lock_guard<std::mutex> l(gMu);
  currentSpec();
  gLost = true;
  gLostStatus = status;
}

bool lost(int* status) {
  if (quiet()) return false;
  std::lock_guard<std::mutex> l(gMu);
  currentSpec();
  if (gLost && status) *status = gLostStatus;
  return gLost;
}

}  // namespace fault
}  // namespace nvsoft

// NVENC_SOFT_* environment settings: API maximum, engine choice, session limit, fault injection.
#include <cstdio>
#include <cstdlib>

#include "core.hpp"
#include "fault_injection.hpp"
#include "session_internal.hpp"

namespace nvsoft {

std::string envStr(const char* name, const char* def) {
  const char* v = getenv(name);
  return (v && *v) ? std::string(v) : std::string(def);
}

static void parseApi(int* major, int* minor) {
  std::string v = envStr("NVENC_SOFT_MAX_API", "12.1");
  int ma = 12, mi = 1;
  if (sscanf(v.c_str(), "%d.%d", &ma, &mi) < 1) {
    ma = 12;
    mi = 1;
  }
  if (ma < 1 || ma > 255) ma = 12;
  if (mi < 0 || mi > 15) mi = 0;
  *major = ma;
  *minor = mi;
}
int maxApiMajor() {
  int a, b;
  parseApi(&a, &b);
  return a;
}
int maxApiMinor() {
  int a, b;
  parseApi(&a, &b);
  return b;
}
uint32_t maxApiVersion() {
  int a, b;
  parseApi(&a, &b);
  return (uint32_t)a | ((uint32_t)b << 24);
}
bool nullEngineSelected() { return envStr("NVENC_SOFT_ENGINE", "libav") == "null"; }
// NVENC_SOFT_NULL_READ=skip: the null engine does not read mapped CUDA surfaces. Reading one is a
// device-to-host copy of the whole frame (about 300 us for 1080p NV12 on an H200), which drowns
// the few microseconds a client's per-frame overhead benchmark tries to resolve.
bool nullEngineSkipsRead() { return nullEngineSelected() && envStr("NVENC_SOFT_NULL_READ", "copy") == "skip"; }
std::unique_ptr<Engine> makeSelectedEngine() { return nullEngineSelected() ? makeNullEngine() : makeLibavEngine(); }
int maxSessions() {
  int n = atoi(envStr("NVENC_SOFT_MAX_SESSIONS", "8").c_str());
  return n > 0 ? n : 8;
}

Status faultFor(const char* point, uint64_t n) {
  // NVENC_SOFT_FAULT's session points (open, init, encode, lock, map, register), in the grammar of
  // fault_injection.hpp; `n` is the caller's own count. Without a STATUS the call fails GENERIC.
  std::string spec = envStr("NVENC_SOFT_FAULT", "");
  std::string text;
  if (spec.empty() || !fault::matches(spec, point, n, &text)) return ST_SUCCESS;
  return (Status)fault::statusFromText(text, ST_GENERIC, statusName, ST_RESOURCE_NOT_MAPPED, "NV_ENC_ERR_");
}

}  // namespace nvsoft

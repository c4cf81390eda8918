// Session registry: open (device checks, session limit), destroy, live-object counts.
#include <atomic>
#include <cstdio>
#include <cstring>

#include "core.hpp"
#include "cuda_bridge.hpp"

namespace nvsoft {

Status Session::fail(Status st, const std::string& msg) {
  if (call && msg.compare(0, strlen(call), call) != 0)
    lastError = std::string(call) + ": " + msg;
  else
    lastError = msg;
  return st;
}

Status requireInitialized(Session* s, const char* fn) {
  if (s->initialized) return ST_SUCCESS;
  return s->fail(ST_ENCODER_NOT_INITIALIZED,
                 std::string(fn) + " called before nvEncInitializeEncoder (or after it failed) on this session");
}

namespace {
std::mutex gMu;
// Never destroyed (like the CUDA library's registry): a client thread may still be inside an NVENC
// call while the process exits and static destructors run (hardening/sanitize.sh caught a
// heap-use-after-free on this set when node exited with encodes in flight).
std::set<Session*>& gLive = *new std::set<Session*>();
std::atomic<uint64_t> gOpenCalls{0};
}  // namespace

int liveSessionCount() {
  std::lock_guard<std::mutex> l(gMu);
  return (int)gLive.size();
}
void liveObjectCounts(int counts[4]) {
  counts[0] = counts[1] = counts[2] = counts[3] = 0;
  std::lock_guard<std::mutex> l(gMu);  // order gMu -> s->mu, as in sessionDestroy
  for (Session* s : gLive) {
    std::lock_guard<std::recursive_mutex> sl(s->mu);
    counts[0] += (int)s->inputs.size();
    counts[1] += (int)s->outputs.size();
    counts[2] += (int)s->regs.size();
    counts[3] += (int)s->maps.size();
  }
}
bool sessionKnown(Session* s) {
  std::lock_guard<std::mutex> l(gMu);
  return gLive.count(s) != 0;
}

Status sessionOpen(const AbiOps* abi, uint32_t apiVersion, int deviceType, void* device, Session** out,
                   std::string& err) {
  Status f = faultFor("open", ++gOpenCalls);
  if (f != ST_SUCCESS) {
    err = std::string("fault injected by NVENC_SOFT_FAULT (open): ") + statusName(f);
    return f;
  }
  if (deviceType != 1) {
    err = "deviceType " + std::to_string(deviceType) +
          " is not supported: the software device accepts only NV_ENC_DEVICE_TYPE_CUDA";
    return ST_UNSUPPORTED_DEVICE;
  }
  if (!device) {
    err = "device is NULL: pass the CUcontext to encode with";
    return ST_INVALID_PTR;
  }
  const cuda::Library* cudaLib = nullptr;
  std::string cerr;
  switch (cuda::forContext(device, &cudaLib, cerr)) {
    case cuda::Choice::NoCuda: err = cerr; return ST_NO_ENCODE_DEVICE;
    case cuda::Choice::Ambiguous: err = "device: " + cerr; return ST_INVALID_DEVICE;
    case cuda::Choice::Found: break;
  }
  int r = cudaLib->checkContext(device);
  if (r != 0) {
    err = "device is not a usable CUDA context of " + cudaLib->path() + " (" + cudaLib->errorText(r) + ")";
    return ST_INVALID_DEVICE;
  }
  std::lock_guard<std::mutex> l(gMu);
  if ((int)gLive.size() >= maxSessions()) {
    err = "session limit reached: " + std::to_string(gLive.size()) +
          " encode sessions are open (NVENC_SOFT_MAX_SESSIONS=" + std::to_string(maxSessions()) +
          "); like the driver on GPUs with a session cap this is reported as NV_ENC_ERR_OUT_OF_MEMORY";
    return ST_OUT_OF_MEMORY;
  }
  Session* s = new Session();
  s->abi = abi;
  s->apiVersion = apiVersion;
  s->cuContext = device;
  s->cuda = cudaLib;
  gLive.insert(s);
  *out = s;
  return ST_SUCCESS;
}

void sessionDestroy(Session* s) {
  if (!envStr("NVENC_SOFT_DEBUG", "").empty())
    fprintf(stderr, "[nvenc-soft] session %p: %llu encode calls, %llu catch-up drains, engine %s\n", (void*)s,
            (unsigned long long)s->encodeCalls, (unsigned long long)s->catchUpDrains,
            s->engine ? s->engine->name() : "-");
  {
    std::lock_guard<std::mutex> l(gMu);
    gLive.erase(s);
  }
  {
    std::lock_guard<std::recursive_mutex> l(s->mu);
    s->engine.reset();
    for (auto* b : s->inputs) delete b;
    std::set<BitstreamBuffer*> seen(s->outputs.begin(), s->outputs.end());
    for (auto* b : s->queue)
      if (!seen.count(b)) {
        seen.insert(b);
      }
    for (auto* b : seen) delete b;
    for (auto* m : s->maps) delete m;
    for (auto* r : s->regs) delete r;
    s->inputs.clear();
    s->outputs.clear();
    s->maps.clear();
    s->regs.clear();
    s->queue.clear();
  }
  s->magic = 0;
  delete s;
}

}  // namespace nvsoft

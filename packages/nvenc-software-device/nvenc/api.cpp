// Exported entry points and the shared function-list trampolines.
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

#include "core.hpp"
#include "fault_injection.hpp"

#define NVSOFT_EXPORT extern "C" __attribute__((visibility("default")))

namespace nvsoft {
int liveSessionCount();
void liveObjectCounts(int counts[4]);
bool sessionKnown(Session* s);

namespace {
std::mutex gErrMu;
// Never destroyed, like gLive in session.cpp: calls may still run while the process exits.
std::string& gLastError = *new std::string("no error");
thread_local std::string tlsErrCopy;
std::mutex gDeadMu;
std::set<void*>& gDestroyed =
    *new std::set<void*>();  // handles of destroyed sessions (addresses only, never dereferenced)
}  // namespace

void setGlobalError(const std::string& msg) {
  std::lock_guard<std::mutex> l(gErrMu);
  gLastError = msg;
}

static bool wasDestroyed(void* enc) {
  std::lock_guard<std::mutex> l(gDeadMu);
  return gDestroyed.count(enc) != 0;
}

// Looks the encoder handle up; on success returns the session with its mutex locked.
struct Guard {
  Session* s = nullptr;
  int st = ST_SUCCESS;
  std::unique_lock<std::recursive_mutex> lock;
  Guard(void* enc, const char* fn) {
    if (!enc) {
      st = ST_INVALID_PTR;
      setGlobalError(std::string(fn) + ": encoder handle is NULL");
      return;
    }
    Session* cand = (Session*)enc;
    if (!sessionKnown(cand)) {
      st = ST_INVALID_ENCODERDEVICE;
      setGlobalError(std::string(fn) + (wasDestroyed(enc)
                                            ? ": encoder was destroyed with nvEncDestroyEncoder"
                                            : ": encoder handle was not returned by nvEncOpenEncodeSessionEx"));
      return;
    }
    s = cand;
    lock = std::unique_lock<std::recursive_mutex>(s->mu);
    s->call = fn;
  }
};

#define SESSION(fn)                \
  Guard guard_(enc, fn);           \
  if (!guard_.s) return guard_.st; \
  Session* s = guard_.s;           \
  (void)s

// NVENC_SOFT_FAULT's `lost` and `buffer` points (fault_injection.hpp). After a device loss the
// calls that do work fail with the loss status; teardown calls (destroy, unregister, unmap,
// unlock) keep working so clients can clean up, as with NVIDIA's driver.
static int deviceLostStatus() {
  int st = ST_SUCCESS;
  return fault::lost(&st) ? st : ST_SUCCESS;
}
static int injectedStatus(const char* point, int fallback) {
  std::string text;
  if (!fault::hit(point, &text)) return ST_SUCCESS;
  return fault::statusFromText(text, fallback, statusName, ST_RESOURCE_NOT_MAPPED, "NV_ENC_ERR_");
}
static std::string lostText(const char* fn) {
  return std::string(fn) + ": the device was lost (fault injected by NVENC_SOFT_FAULT lost)";
}
#define SESSION_ALIVE(fn) \
  SESSION(fn);            \
  if (int lost_ = deviceLostStatus()) return s->fail((Status)lost_, lostText(fn))
#define BUFFER_FAULT(fn)                                   \
  if (int f_ = injectedStatus("buffer", ST_OUT_OF_MEMORY)) \
  return s->fail((Status)f_, std::string(fn) + ": fault injected by NVENC_SOFT_FAULT (buffer): " + statusName(f_))

// Which struct layouts serve a client's NVENC API version. A client puts its version
// (major | minor << 24) into every struct version (NVENCAPI_STRUCT_VERSION); the layouts are
// known from the headers the device is built with (third_party/nvenc-abis.json: 11.1, 12.1).
//  - 11.0 uses the 11.1 layouts: 11.1 kept every struct revision (NV_ENC_CONFIG 7,
//    NV_ENC_INITIALIZE_PARAMS 5, NV_ENC_PIC_PARAMS 4, ...) and put its additions (chroma QP
//    offsets, single-slice intra refresh) in fields that are reserved, hence zero, for 11.0.
//  - 12.0 does not: 12.1 moved bit fields of NV_ENC_INITIALIZE_PARAMS (revision 5 -> 6) and
//    changed NV_ENC_LOCK_BITSTREAM (revision 2 -> 1 with bit 31), and no 12.0 header is fetched.
//  - Anything else (10.x and older, 12.2 and newer) has no header here.
const AbiOps* abiForApi(uint32_t api) {
  const uint32_t major = api & 0xffff, minor = (api >> 24) & 0xf;
  if (major == 11 && minor <= 1) return kAbi_11_1;
  if (major == 12 && minor == 1) return kAbi_12_1;
  return nullptr;
}

std::string unsupportedApiText(uint32_t api) {
  const uint32_t major = api & 0xffff, minor = (api >> 24) & 0xf;
  const uint32_t maxApi = maxApiVersion();
  const std::string v = "NVENC API " + std::to_string(major) + "." + std::to_string(minor);
  auto key = [](uint32_t a) { return ((a & 0xffff) << 4) | ((a >> 24) & 0xf); };
  if (key(api) > key(maxApi))
    return v + " is newer than the driver's maximum " + std::to_string(maxApi & 0xffff) + "." +
           std::to_string((maxApi >> 24) & 0xf) + " (NVENC_SOFT_MAX_API)";
  std::string why = major == 12 && minor == 0 ? ": its struct layouts differ from 12.1 (NV_ENC_INITIALIZE_PARAMS "
                                                "revision 5, NV_ENC_LOCK_BITSTREAM revision 2)"
                                              : "";
  return v + " is not implemented by the software device" + why +
         "; it serves clients built against NVENC API 11.0, 11.1 and 12.1";
}

const char* const kAsyncRefusal =
    "asynchronous mode (completion events) is not supported on Linux; NV_ENC_CAPS_ASYNC_ENCODE_SUPPORT is 0";
const char* const kMeOnlyRefusal = "motion-estimation-only mode is not supported (NV_ENC_CAPS_SUPPORT_MEONLY_MODE = 0)";

// A call for a feature the device does not offer. It checks what every call checks first (the
// parameter pointer, the struct version, initialization where NVIDIA lists it), then answers
// NV_ENC_ERR_UNSUPPORTED_PARAM: NVIDIA's lists for these functions have no UNIMPLEMENTED.
static int refuseFeature(Session* s, const char* fn, const void* params, FeatureStruct which, const char* why,
                         bool listsNotInitialized = true) {
  if (!params) return s->fail(ST_INVALID_PTR, std::string(fn) + ": params is NULL");
  uint32_t got, want = s->abi->featureStructVersion(s, which);
  memcpy(&got, params, 4);
  if (got != want) {
    char text[96];
    snprintf(text, sizeof text, ": struct version 0x%08x is not the session's 0x%08x", got, want);
    return s->fail(ST_INVALID_VERSION, fn + std::string(text));
  }
  if (listsNotInitialized)
    if (Status ni = requireInitialized(s, fn)) return ni;
  return s->fail(ST_UNSUPPORTED_PARAM, std::string(fn) + ": " + why);
}

namespace tramp {
// NVIDIA's header: deprecated, returns NV_ENC_ERR_INVALID_CALL.
int openEncodeSession(void*, uint32_t, void**) {
  setGlobalError("nvEncOpenEncodeSession is deprecated (NV_ENC_ERR_INVALID_CALL): use nvEncOpenEncodeSessionEx");
  return ST_INVALID_CALL;
}
int openEncodeSessionEx(void* params, void** encoder) {
  if (!params || !encoder) {
    setGlobalError("nvEncOpenEncodeSessionEx: params or encoder pointer is NULL");
    return ST_INVALID_PTR;
  }
  uint32_t ver;
  memcpy(&ver, params, 4);
  uint32_t api = (ver & 0xffff) | (ver & 0x0f000000);
  if (((ver >> 28) & 0x7) != 7 || ((ver >> 16) & 0xff) != 1) {
    setGlobalError("nvEncOpenEncodeSessionEx: params->version is not NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS_VER");
    return ST_INVALID_VERSION;
  }
  if (int lost = deviceLostStatus()) {
    setGlobalError(lostText("nvEncOpenEncodeSessionEx"));
    return lost;
  }
  const AbiOps* abi = abiForApi(api);
  if (!abi) {
    setGlobalError("nvEncOpenEncodeSessionEx: " + unsupportedApiText(api));
    return ST_INVALID_VERSION;
  }
  int st = abi->openSession(params, encoder);
  if (st == ST_SUCCESS) {
    std::lock_guard<std::mutex> l(gDeadMu);
    gDestroyed.erase(*encoder);
  }
  return st;
}
int getEncodeGUIDCount(void* enc, uint32_t* count) {
  SESSION("nvEncGetEncodeGUIDCount");
  return s->abi->getEncodeGUIDCount(s, count);
}
int getEncodeGUIDs(void* enc, Guid* g, uint32_t size, uint32_t* count) {
  SESSION("nvEncGetEncodeGUIDs");
  return s->abi->getEncodeGUIDs(s, g, size, count);
}
int getProfileGUIDCount(void* enc, Guid codec, uint32_t* count) {
  SESSION("nvEncGetEncodeProfileGUIDCount");
  return s->abi->getProfileGUIDCount(s, &codec, count);
}
int getProfileGUIDs(void* enc, Guid codec, Guid* g, uint32_t size, uint32_t* count) {
  SESSION("nvEncGetEncodeProfileGUIDs");
  return s->abi->getProfileGUIDs(s, &codec, g, size, count);
}
int getInputFormatCount(void* enc, Guid codec, uint32_t* count) {
  SESSION("nvEncGetInputFormatCount");
  return s->abi->getInputFormatCount(s, &codec, count);
}
int getInputFormats(void* enc, Guid codec, uint32_t* f, uint32_t size, uint32_t* count) {
  SESSION("nvEncGetInputFormats");
  return s->abi->getInputFormats(s, &codec, f, size, count);
}
int getEncodeCaps(void* enc, Guid codec, void* caps, int* val) {
  SESSION("nvEncGetEncodeCaps");
  return s->abi->getEncodeCaps(s, &codec, caps, val);
}
int getPresetCount(void* enc, Guid codec, uint32_t* count) {
  SESSION("nvEncGetEncodePresetCount");
  return s->abi->getPresetCount(s, &codec, count);
}
int getPresetGUIDs(void* enc, Guid codec, Guid* g, uint32_t size, uint32_t* count) {
  SESSION("nvEncGetEncodePresetGUIDs");
  return s->abi->getPresetGUIDs(s, &codec, g, size, count);
}
int getPresetConfig(void* enc, Guid codec, Guid preset, void* cfg) {
  SESSION("nvEncGetEncodePresetConfig");
  return s->abi->getPresetConfig(s, &codec, &preset, cfg);
}
int getPresetConfigEx(void* enc, Guid codec, Guid preset, int tuning, void* cfg) {
  SESSION("nvEncGetEncodePresetConfigEx");
  return s->abi->getPresetConfigEx(s, &codec, &preset, tuning, cfg);
}
int initializeEncoder(void* enc, void* p) {
  SESSION_ALIVE("nvEncInitializeEncoder");
  return s->abi->initialize(s, p);
}
int createInputBuffer(void* enc, void* p) {
  SESSION_ALIVE("nvEncCreateInputBuffer");
  BUFFER_FAULT("nvEncCreateInputBuffer");
  return s->abi->createInputBuffer(s, p);
}
int destroyInputBuffer(void* enc, void* b) {
  SESSION("nvEncDestroyInputBuffer");
  return coreDestroyInputBuffer(s, b);
}
int createBitstreamBuffer(void* enc, void* p) {
  SESSION_ALIVE("nvEncCreateBitstreamBuffer");
  BUFFER_FAULT("nvEncCreateBitstreamBuffer");
  return s->abi->createBitstreamBuffer(s, p);
}
int destroyBitstreamBuffer(void* enc, void* b) {
  SESSION("nvEncDestroyBitstreamBuffer");
  return coreDestroyBitstreamBuffer(s, b);
}
int encodePicture(void* enc, void* p) {
  SESSION("nvEncEncodePicture");
  if (int st = injectedStatus("lost", ST_DEVICE_NOT_EXIST)) fault::markLost(st);
  if (int lost = deviceLostStatus()) return s->fail((Status)lost, lostText("nvEncEncodePicture"));
  return s->abi->encodePicture(s, p);
}
int lockBitstream(void* enc, void* p) {
  SESSION_ALIVE("nvEncLockBitstream");
  return s->abi->lockBitstream(s, p);
}
int unlockBitstream(void* enc, void* b) {
  SESSION("nvEncUnlockBitstream");
  return coreUnlockBitstream(s, b);
}
int lockInputBuffer(void* enc, void* p) {
  SESSION_ALIVE("nvEncLockInputBuffer");
  return s->abi->lockInputBuffer(s, p);
}
int unlockInputBuffer(void* enc, void* b) {
  SESSION("nvEncUnlockInputBuffer");
  return coreUnlockInputBuffer(s, b);
}
int getEncodeStats(void* enc, void* p) {
  SESSION("nvEncGetEncodeStats");
  return s->abi->getEncodeStats(s, p);
}
int getSequenceParams(void* enc, void* p) {
  SESSION_ALIVE("nvEncGetSequenceParams");
  return s->abi->getSequenceParams(s, p);
}
int registerAsyncEvent(void* enc, void* p) {
  SESSION("nvEncRegisterAsyncEvent");
  return refuseFeature(s, "nvEncRegisterAsyncEvent", p, FeatureStruct::EventParams, kAsyncRefusal);
}
int unregisterAsyncEvent(void* enc, void* p) {
  SESSION("nvEncUnregisterAsyncEvent");
  return refuseFeature(s, "nvEncUnregisterAsyncEvent", p, FeatureStruct::EventParams, kAsyncRefusal);
}
int mapInputResource(void* enc, void* p) {
  SESSION_ALIVE("nvEncMapInputResource");
  return s->abi->mapInputResource(s, p);
}
int unmapInputResource(void* enc, void* m) {
  SESSION("nvEncUnmapInputResource");
  return coreUnmap(s, m);
}
int destroyEncoder(void* enc) {
  { SESSION("nvEncDestroyEncoder"); }
  Session* s = (Session*)enc;
  {
    std::lock_guard<std::mutex> l(gDeadMu);
    gDestroyed.insert(enc);
  }
  sessionDestroy(s);
  return ST_SUCCESS;
}
int invalidateRefFrames(void* enc, uint64_t ts) {
  SESSION_ALIVE("nvEncInvalidateRefFrames");
  return coreInvalidateRefFrames(s, ts);
}
int registerResource(void* enc, void* p) {
  SESSION_ALIVE("nvEncRegisterResource");
  return s->abi->registerResource(s, p);
}
int unregisterResource(void* enc, void* r) {
  SESSION("nvEncUnregisterResource");
  return coreUnregister(s, r);
}
int reconfigureEncoder(void* enc, void* p) {
  SESSION_ALIVE("nvEncReconfigureEncoder");
  return s->abi->reconfigure(s, p);
}
int createMVBuffer(void* enc, void* p) {
  SESSION("nvEncCreateMVBuffer");
  // NVIDIA lists no ENCODER_NOT_INITIALIZED for this one: refused whatever the session's state.
  return refuseFeature(s, "nvEncCreateMVBuffer", p, FeatureStruct::CreateMVBuffer, kMeOnlyRefusal, false);
}
int destroyMVBuffer(void* enc, void* b) {
  SESSION("nvEncDestroyMVBuffer");
  if (Status ni = requireInitialized(s, "nvEncDestroyMVBuffer")) return ni;
  if (!b) return s->fail(ST_INVALID_PTR, "nvEncDestroyMVBuffer: mvBuffer is NULL");
  return s->fail(ST_INVALID_PARAM, std::string("nvEncDestroyMVBuffer: mvBuffer is not an MV buffer of this session (") +
                                       kMeOnlyRefusal + ", so none exist)");
}
int runMotionEstimationOnly(void* enc, void* p) {
  SESSION("nvEncRunMotionEstimationOnly");
  return refuseFeature(s, "nvEncRunMotionEstimationOnly", p, FeatureStruct::MEOnlyParams, kMeOnlyRefusal);
}
const char* getLastErrorString(void* enc) {
  if (enc && sessionKnown((Session*)enc)) {
    Session* s = (Session*)enc;
    std::lock_guard<std::recursive_mutex> l(s->mu);
    tlsErrCopy = s->lastError;
    return tlsErrCopy.c_str();
  }
  std::lock_guard<std::mutex> l(gErrMu);
  tlsErrCopy = gLastError;
  return tlsErrCopy.c_str();
}
int setIOCudaStreams(void* enc, void* in, void* out) {
  SESSION("nvEncSetIOCudaStreams");
  // NV_ENC_CUSTREAM_PTR is a pointer to a CUstream. The device reads mapped input after
  // synchronizing the input stream (so a renderer's kernels on that stream finish first); output
  // is host memory written synchronously, so the output stream has nothing to wait for.
  if (!in || !out) return s->fail(ST_INVALID_PTR, "nvEncSetIOCudaStreams: inputStream or outputStream is NULL");
  s->inputStream = *(void**)in;
  s->outputStream = *(void**)out;
  s->streamsSet = true;
  return ST_SUCCESS;
}
int getSequenceParamEx(void* enc, void* init, void* payload) {
  SESSION_ALIVE("nvEncGetSequenceParamEx");
  return s->abi->getSequenceParamEx(s, init, payload);
}
int restoreEncoderState(void* enc, void* p) {
  SESSION("nvEncRestoreEncoderState");
  return refuseFeature(s, "nvEncRestoreEncoderState", p, FeatureStruct::RestoreEncoderState,
                       "encoder state save/restore is not supported (NV_ENC_CAPS_DISABLE_ENC_STATE_ADVANCE = 0)");
}
int lookaheadPicture(void* enc, void* p) {
  SESSION("nvEncLookaheadPicture");
  return refuseFeature(s, "nvEncLookaheadPicture", p, FeatureStruct::LookaheadPicParams,
                       "external lookahead is not supported");
}
}  // namespace tramp
}  // namespace nvsoft

using namespace nvsoft;

NVSOFT_EXPORT int NvEncodeAPIGetMaxSupportedVersion(uint32_t* version) {
  if (!version) {
    setGlobalError("NvEncodeAPIGetMaxSupportedVersion: version is NULL");
    return ST_INVALID_PTR;
  }
  *version = ((uint32_t)maxApiMajor() << 4) | (uint32_t)maxApiMinor();
  return ST_SUCCESS;
}

NVSOFT_EXPORT int NvEncodeAPICreateInstance(void* functionList) {
  if (!functionList) {
    setGlobalError("NvEncodeAPICreateInstance: functionList is NULL");
    return ST_INVALID_PTR;
  }
  // NVIDIA documents only SUCCESS and INVALID_PTR here, and its driver (580) filled a list of
  // version 99: the client's API version is enforced where its structs arrive, from
  // nvEncOpenEncodeSessionEx on (NV_ENC_ERR_INVALID_VERSION). The 12.1 list only adds entries where
  // the 11.1 list has reserved pointers, so either fits the caller's struct.
  uint32_t ver;
  memcpy(&ver, functionList, 4);
  uint32_t major = ver & 0xffff;
  if (major >= 12)
    fillFunctionList_12_1(functionList);
  else
    fillFunctionList_11_1(functionList);
  return ST_SUCCESS;
}

NVSOFT_EXPORT const char* nvsoft_nvenc_identify(void) {
  static std::string id;
  static std::once_flag once;
  std::call_once(once, [] {
    id = "nvenc-ts software NVENC device 0.1.0 (libavcodec engine: libx264/libx265/libsvtav1; struct layouts 11.1 (API "
         "11.0, 11.1) and 12.1; "
         "max API " +
         std::to_string(maxApiMajor()) + "." + std::to_string(maxApiMinor()) + ", engine " +
         (nullEngineSelected() ? "null" : "libav") + ") - not NVIDIA hardware";
  });
  return id.c_str();
}

NVSOFT_EXPORT int nvsoft_nvenc_live_sessions(void) { return liveSessionCount(); }
// Objects still owned by open sessions, for leak tests (hardening/): input and bitstream buffers,
// registered resources and mapped resources, summed over every live session.
NVSOFT_EXPORT int nvsoft_nvenc_live_objects(int* inputBuffers, int* bitstreamBuffers, int* registrations,
                                            int* mappings) {
  int counts[4];
  liveObjectCounts(counts);
  if (inputBuffers) *inputBuffers = counts[0];
  if (bitstreamBuffers) *bitstreamBuffers = counts[1];
  if (registrations) *registrations = counts[2];
  if (mappings) *mappings = counts[3];
  return 0;
}

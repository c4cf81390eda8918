// Conformance table of the software NVENC device against NVIDIA's documented behaviour, compiled
// once per NVENC header (11.1, 12.1) and run as a C client would run it: the libraries are loaded
// by soname (LD_LIBRARY_PATH = build/lib) and called through the function list.
//
// Each row is one function x one failure. "doc" says where the expected status comes from:
//   header  - the function's \return list or the status's description in nvEncodeAPI.h
//   facts   - what NVIDIA's driver answered on the project's H100/H200 (shared/docs/facts.md)
//   silent  - NVIDIA documents neither the case nor a status: the row takes the status whose
//             description in nvEncodeAPI.h names the condition, or else one from the function's list
// The table is printed (one line per row) so a run is the report; the exit status counts failures.
#include <dlfcn.h>
#include <stdlib.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <string>
#include <thread>
#include <vector>

#include <ffnvcodec/dynlink_cuda.h>
#include <ffnvcodec/nvEncodeAPI.h>

namespace {

NV_ENCODE_API_FUNCTION_LIST F;
int passed = 0, failed = 0;

const char* statusName(int st) {
  static const char* names[] = {"SUCCESS",
                                "NO_ENCODE_DEVICE",
                                "UNSUPPORTED_DEVICE",
                                "INVALID_ENCODERDEVICE",
                                "INVALID_DEVICE",
                                "DEVICE_NOT_EXIST",
                                "INVALID_PTR",
                                "INVALID_EVENT",
                                "INVALID_PARAM",
                                "INVALID_CALL",
                                "OUT_OF_MEMORY",
                                "ENCODER_NOT_INITIALIZED",
                                "UNSUPPORTED_PARAM",
                                "LOCK_BUSY",
                                "NOT_ENOUGH_BUFFER",
                                "INVALID_VERSION",
                                "MAP_FAILED",
                                "NEED_MORE_INPUT",
                                "ENCODER_BUSY",
                                "EVENT_NOT_REGISTERD",
                                "GENERIC",
                                "INCOMPATIBLE_CLIENT_KEY",
                                "UNIMPLEMENTED",
                                "RESOURCE_REGISTER_FAILED",
                                "RESOURCE_NOT_REGISTERED",
                                "RESOURCE_NOT_MAPPED",
                                "NEED_MORE_OUTPUT"};
  return st >= 0 && st < (int)(sizeof names / sizeof *names) ? names[st] : "?";
}

// One row: `got` must equal `want`, and a refusal must leave nvEncGetLastErrorString(enc) (the
// session's, or the process's for calls without a usable session) naming the function that failed.
void row(const char* fn, const std::string& input, NVENCSTATUS want, NVENCSTATUS got, const char* doc,
         void* enc = nullptr) {
  bool ok = got == want;
  if (ok && want != NV_ENC_SUCCESS && want != NV_ENC_ERR_NEED_MORE_INPUT && F.nvEncGetLastErrorString) {
    const char* msg = F.nvEncGetLastErrorString(enc);
    if (!msg || strncmp(msg, fn, strlen(fn)) != 0) {
      ok = false;
      fprintf(stderr, "  %s (%s): last error does not name the function: \"%s\"\n", fn, input.c_str(),
              msg ? msg : "(null)");
    }
  }
  (ok ? passed : failed)++;
  printf("| %s | %s | %s | %s | %s | %s |\n", fn, input.c_str(), statusName(want), statusName(got), doc,
         ok ? "ok" : "FAIL");
  if (!ok && F.nvEncGetLastErrorString) fprintf(stderr, "  last error: %s\n", F.nvEncGetLastErrorString(enc));
}
// A row about behaviour rather than a status.
void fact(const char* fn, const std::string& what, bool ok, const char* doc) {
  (ok ? passed : failed)++;
  printf("| %s | %s | - | - | %s | %s |\n", fn, what.c_str(), doc, ok ? "ok" : "FAIL");
}

// CUDA (the software libcuda here; the calls are the driver API's)
void* cu = nullptr;
template <typename T>
T* cusym(const char* name) {
  return (T*)dlsym(cu, name);
}
CUcontext gCtx = nullptr;

// Stores a value outside an enum's range the way a C client does (an enum load of it would be
// undefined behaviour in this C++ test, which the sanitizer build reports).
template <typename E>
void setRaw(E& field, uint32_t v) {
  static_assert(sizeof(E) == sizeof v, "32-bit enum field");
  memcpy(&field, &v, sizeof v);
}

const GUID kBogus = {0x12345678, 0x9abc, 0xdef0, {1, 2, 3, 4, 5, 6, 7, 8}};

void* open(NVENCSTATUS* out = nullptr) {
  NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS p = {};
  p.version = NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS_VER;
  p.deviceType = NV_ENC_DEVICE_TYPE_CUDA;
  p.device = gCtx;
  p.apiVersion = NVENCAPI_VERSION;
  void* enc = nullptr;
  NVENCSTATUS st = F.nvEncOpenEncodeSessionEx(&p, &enc);
  if (out) *out = st;
  return st == NV_ENC_SUCCESS ? enc : nullptr;
}

// A P-frames-only (or B-frame) H.264 session, as FFmpeg sets one up: preset config, then init.
struct Session {
  void* enc = nullptr;
  NV_ENC_CONFIG cfg = {};
  NV_ENC_INITIALIZE_PARAMS init = {};
  std::vector<NV_ENC_INPUT_PTR> in;
  std::vector<NV_ENC_OUTPUT_PTR> out;
};
const uint32_t W = 320, H = 240;

void fillInit(Session& s, int frameIntervalP) {
  NV_ENC_PRESET_CONFIG pc = {};
  pc.version = NV_ENC_PRESET_CONFIG_VER;
  pc.presetCfg.version = NV_ENC_CONFIG_VER;
  F.nvEncGetEncodePresetConfigEx(s.enc, NV_ENC_CODEC_H264_GUID, NV_ENC_PRESET_P3_GUID, NV_ENC_TUNING_INFO_HIGH_QUALITY,
                                 &pc);
  s.cfg = pc.presetCfg;
  s.cfg.frameIntervalP = frameIntervalP;
  s.cfg.gopLength = NVENC_INFINITE_GOPLENGTH;
  s.cfg.encodeCodecConfig.h264Config.idrPeriod = NVENC_INFINITE_GOPLENGTH;
  s.cfg.rcParams.rateControlMode = NV_ENC_PARAMS_RC_CONSTQP;
  s.init = {};
  s.init.version = NV_ENC_INITIALIZE_PARAMS_VER;
  s.init.encodeGUID = NV_ENC_CODEC_H264_GUID;
  s.init.presetGUID = NV_ENC_PRESET_P3_GUID;
  s.init.tuningInfo = NV_ENC_TUNING_INFO_HIGH_QUALITY;
  s.init.encodeWidth = s.init.darWidth = W;
  s.init.encodeHeight = s.init.darHeight = H;
  s.init.maxEncodeWidth = 640;
  s.init.maxEncodeHeight = 480;
  s.init.frameRateNum = 30;
  s.init.frameRateDen = 1;
  s.init.enablePTD = 1;
  s.init.encodeConfig = &s.cfg;
}

bool start(Session& s, int frameIntervalP = 1, int buffers = 6) {
  s.enc = open();
  if (!s.enc) return false;
  fillInit(s, frameIntervalP);
  if (F.nvEncInitializeEncoder(s.enc, &s.init) != NV_ENC_SUCCESS) return false;
  for (int i = 0; i < buffers; i++) {
    NV_ENC_CREATE_INPUT_BUFFER cb = {};
    cb.version = NV_ENC_CREATE_INPUT_BUFFER_VER;
    cb.width = W;
    cb.height = H;
    cb.bufferFmt = NV_ENC_BUFFER_FORMAT_NV12;
    NV_ENC_CREATE_BITSTREAM_BUFFER bb = {};
    bb.version = NV_ENC_CREATE_BITSTREAM_BUFFER_VER;
    if (F.nvEncCreateInputBuffer(s.enc, &cb) || F.nvEncCreateBitstreamBuffer(s.enc, &bb)) return false;
    s.in.push_back(cb.inputBuffer);
    s.out.push_back(bb.bitstreamBuffer);
  }
  return true;
}

// A W x H NV12 CUDA allocation (pitch 512) and the registration that describes it; the session's
// context stays current until freeCudaSurface.
NV_ENC_REGISTER_RESOURCE cudaSurface(CUdeviceptr* dptr) {
  cusym<CUresult CUDAAPI(CUcontext)>("cuCtxPushCurrent_v2")(gCtx);
  cusym<CUresult CUDAAPI(CUdeviceptr*, size_t)>("cuMemAlloc_v2")(dptr, 512 * H * 3 / 2);
  NV_ENC_REGISTER_RESOURCE rr = {};
  rr.version = NV_ENC_REGISTER_RESOURCE_VER;
  rr.resourceType = NV_ENC_INPUT_RESOURCE_TYPE_CUDADEVICEPTR;
  rr.resourceToRegister = (void*)*dptr;
  rr.width = W;
  rr.height = H;
  rr.pitch = 512;
  rr.bufferFormat = NV_ENC_BUFFER_FORMAT_NV12;
  rr.bufferUsage = NV_ENC_INPUT_IMAGE;
  return rr;
}
void freeCudaSurface(CUdeviceptr dptr) {
  cusym<CUresult CUDAAPI(CUdeviceptr)>("cuMemFree_v2")(dptr);
  CUcontext popped;
  cusym<CUresult CUDAAPI(CUcontext*)>("cuCtxPopCurrent_v2")(&popped);
}

// start(), with a failing row when the session cannot be set up (the rows that need it are skipped).
bool started(Session& s, const char* what, int frameIntervalP = 1) {
  bool ok = start(s, frameIntervalP);
  if (!ok) fact("setup", what, false, "-");
  return ok;
}

NV_ENC_PIC_PARAMS pic(NV_ENC_INPUT_PTR in, NV_ENC_OUTPUT_PTR out, uint64_t ts = 0) {
  NV_ENC_PIC_PARAMS p = {};
  p.version = NV_ENC_PIC_PARAMS_VER;
  p.inputBuffer = in;
  p.outputBitstream = out;
  p.inputWidth = W;
  p.inputHeight = H;
  p.bufferFmt = NV_ENC_BUFFER_FORMAT_NV12;
  p.pictureStruct = NV_ENC_PIC_STRUCT_FRAME;
  p.inputTimeStamp = ts;
  return p;
}
NVENCSTATUS encode(Session& s, int i, uint64_t ts = 0) {
  NV_ENC_PIC_PARAMS p = pic(s.in[i], s.out[i], ts);
  return F.nvEncEncodePicture(s.enc, &p);
}
NVENCSTATUS lock(Session& s, NV_ENC_OUTPUT_PTR out, NV_ENC_LOCK_BITSTREAM* lb, bool doNotWait = false) {
  *lb = {};
  lb->version = NV_ENC_LOCK_BITSTREAM_VER;
  lb->outputBitstream = out;
  lb->doNotWait = doNotWait;
  return F.nvEncLockBitstream(s.enc, lb);
}
NVENCSTATUS eos(Session& s) {
  NV_ENC_PIC_PARAMS p = {};
  p.version = NV_ENC_PIC_PARAMS_VER;
  p.encodePicFlags = NV_ENC_PIC_FLAG_EOS;
  return F.nvEncEncodePicture(s.enc, &p);
}

// A struct version that is wrong in each way a client gets it wrong: zero, the next revision of
// the same struct, and the right revision under another API version.
std::vector<std::pair<const char*, uint32_t>> wrongVersions(uint32_t ver) {
  return {{"version 0", 0u},
          {"next struct revision", ver + (1u << 16)},
          {"other API major", (ver & ~0xffffu) | ((ver & 0xffffu) == 12 ? 11u : 12u)}};
}

// Every function of the list called with arguments that would be fine for an initialized session,
// so that only the encoder handle decides the status.
struct Call {
  const char* name;
  std::function<NVENCSTATUS(void*)> call;
};
std::vector<Call> everyFunction() {
  static NV_ENC_CAPS_PARAM caps;
  static NV_ENC_PRESET_CONFIG preset;
  static NV_ENC_INITIALIZE_PARAMS init;
  static NV_ENC_CREATE_INPUT_BUFFER cib;
  static NV_ENC_CREATE_BITSTREAM_BUFFER cbb;
  static NV_ENC_PIC_PARAMS pp;
  static NV_ENC_LOCK_BITSTREAM lb;
  static NV_ENC_LOCK_INPUT_BUFFER li;
  static NV_ENC_STAT stat;
  static NV_ENC_SEQUENCE_PARAM_PAYLOAD sp;
  static NV_ENC_EVENT_PARAMS ev;
  static NV_ENC_MAP_INPUT_RESOURCE mr;
  static NV_ENC_REGISTER_RESOURCE rr;
  static NV_ENC_RECONFIGURE_PARAMS rp;
  static NV_ENC_CREATE_MV_BUFFER mv;
  static NV_ENC_MEONLY_PARAMS me;
  static uint32_t n;
  static GUID guids[32];
  static NV_ENC_BUFFER_FORMAT fmts[32];
  static int v;
  static uint8_t buf[256];
  static int dummy;
  caps = {};
  caps.version = NV_ENC_CAPS_PARAM_VER;
  preset = {};
  preset.version = NV_ENC_PRESET_CONFIG_VER;
  preset.presetCfg.version = NV_ENC_CONFIG_VER;
  init = {};
  init.version = NV_ENC_INITIALIZE_PARAMS_VER;
  cib = {};
  cib.version = NV_ENC_CREATE_INPUT_BUFFER_VER;
  cbb = {};
  cbb.version = NV_ENC_CREATE_BITSTREAM_BUFFER_VER;
  pp = {};
  pp.version = NV_ENC_PIC_PARAMS_VER;
  lb = {};
  lb.version = NV_ENC_LOCK_BITSTREAM_VER;
  li = {};
  li.version = NV_ENC_LOCK_INPUT_BUFFER_VER;
  stat = {};
  stat.version = NV_ENC_STAT_VER;
  sp = {};
  sp.version = NV_ENC_SEQUENCE_PARAM_PAYLOAD_VER;
  sp.spsppsBuffer = buf;
  sp.inBufferSize = sizeof buf;
  sp.outSPSPPSPayloadSize = &n;
  ev = {};
  ev.version = NV_ENC_EVENT_PARAMS_VER;
  mr = {};
  mr.version = NV_ENC_MAP_INPUT_RESOURCE_VER;
  rr = {};
  rr.version = NV_ENC_REGISTER_RESOURCE_VER;
  rp = {};
  rp.version = NV_ENC_RECONFIGURE_PARAMS_VER;
  rp.reInitEncodeParams.version = NV_ENC_INITIALIZE_PARAMS_VER;
  mv = {};
  mv.version = NV_ENC_CREATE_MV_BUFFER_VER;
  me = {};
  me.version = NV_ENC_MEONLY_PARAMS_VER;
  const GUID h264 = NV_ENC_CODEC_H264_GUID, p3 = NV_ENC_PRESET_P3_GUID;
  std::vector<Call> v1 = {
    {"nvEncGetEncodeGUIDCount", [](void* e) { return F.nvEncGetEncodeGUIDCount(e, &n); }},
    {"nvEncGetEncodeGUIDs", [](void* e) { return F.nvEncGetEncodeGUIDs(e, guids, 32, &n); }},
    {"nvEncGetEncodeProfileGUIDCount", [h264](void* e) { return F.nvEncGetEncodeProfileGUIDCount(e, h264, &n); }},
    {"nvEncGetEncodeProfileGUIDs", [h264](void* e) { return F.nvEncGetEncodeProfileGUIDs(e, h264, guids, 32, &n); }},
    {"nvEncGetInputFormatCount", [h264](void* e) { return F.nvEncGetInputFormatCount(e, h264, &n); }},
    {"nvEncGetInputFormats", [h264](void* e) { return F.nvEncGetInputFormats(e, h264, fmts, 32, &n); }},
    {"nvEncGetEncodeCaps", [h264](void* e) { return F.nvEncGetEncodeCaps(e, h264, &caps, &v); }},
    {"nvEncGetEncodePresetCount", [h264](void* e) { return F.nvEncGetEncodePresetCount(e, h264, &n); }},
    {"nvEncGetEncodePresetGUIDs", [h264](void* e) { return F.nvEncGetEncodePresetGUIDs(e, h264, guids, 32, &n); }},
    {"nvEncGetEncodePresetConfig", [h264, p3](void* e) { return F.nvEncGetEncodePresetConfig(e, h264, p3, &preset); }},
    {"nvEncGetEncodePresetConfigEx",
     [h264, p3](void* e) {
       return F.nvEncGetEncodePresetConfigEx(e, h264, p3, NV_ENC_TUNING_INFO_HIGH_QUALITY, &preset);
     }},
    {"nvEncInitializeEncoder", [](void* e) { return F.nvEncInitializeEncoder(e, &init); }},
    {"nvEncCreateInputBuffer", [](void* e) { return F.nvEncCreateInputBuffer(e, &cib); }},
    {"nvEncDestroyInputBuffer", [](void* e) { return F.nvEncDestroyInputBuffer(e, &dummy); }},
    {"nvEncCreateBitstreamBuffer", [](void* e) { return F.nvEncCreateBitstreamBuffer(e, &cbb); }},
    {"nvEncDestroyBitstreamBuffer", [](void* e) { return F.nvEncDestroyBitstreamBuffer(e, &dummy); }},
    {"nvEncEncodePicture", [](void* e) { return F.nvEncEncodePicture(e, &pp); }},
    {"nvEncLockBitstream", [](void* e) { return F.nvEncLockBitstream(e, &lb); }},
    {"nvEncUnlockBitstream", [](void* e) { return F.nvEncUnlockBitstream(e, &dummy); }},
    {"nvEncLockInputBuffer", [](void* e) { return F.nvEncLockInputBuffer(e, &li); }},
    {"nvEncUnlockInputBuffer", [](void* e) { return F.nvEncUnlockInputBuffer(e, &dummy); }},
    {"nvEncGetEncodeStats", [](void* e) { return F.nvEncGetEncodeStats(e, &stat); }},
    {"nvEncGetSequenceParams", [](void* e) { return F.nvEncGetSequenceParams(e, &sp); }},
    {"nvEncRegisterAsyncEvent", [](void* e) { return F.nvEncRegisterAsyncEvent(e, &ev); }},
    {"nvEncUnregisterAsyncEvent", [](void* e) { return F.nvEncUnregisterAsyncEvent(e, &ev); }},
    {"nvEncMapInputResource", [](void* e) { return F.nvEncMapInputResource(e, &mr); }},
    {"nvEncUnmapInputResource", [](void* e) { return F.nvEncUnmapInputResource(e, &dummy); }},
    {"nvEncInvalidateRefFrames", [](void* e) { return F.nvEncInvalidateRefFrames(e, 0); }},
    {"nvEncRegisterResource", [](void* e) { return F.nvEncRegisterResource(e, &rr); }},
    {"nvEncUnregisterResource", [](void* e) { return F.nvEncUnregisterResource(e, &dummy); }},
    {"nvEncReconfigureEncoder", [](void* e) { return F.nvEncReconfigureEncoder(e, &rp); }},
    {"nvEncCreateMVBuffer", [](void* e) { return F.nvEncCreateMVBuffer(e, &mv); }},
    {"nvEncDestroyMVBuffer", [](void* e) { return F.nvEncDestroyMVBuffer(e, &dummy); }},
    {"nvEncRunMotionEstimationOnly", [](void* e) { return F.nvEncRunMotionEstimationOnly(e, &me); }},
    {"nvEncSetIOCudaStreams",
     [](void* e) {
       static CUstream st = nullptr;
       return F.nvEncSetIOCudaStreams(e, (NV_ENC_CUSTREAM_PTR)&st, (NV_ENC_CUSTREAM_PTR)&st);
     }},
    {"nvEncGetSequenceParamEx", [](void* e) { return F.nvEncGetSequenceParamEx(e, &init, &sp); }},
#if NVENCAPI_MAJOR_VERSION >= 12
    {"nvEncRestoreEncoderState",
     [](void* e) {
       static NV_ENC_RESTORE_ENCODER_STATE_PARAMS r;
       r = {};
       r.version = NV_ENC_RESTORE_ENCODER_STATE_PARAMS_VER;
       return F.nvEncRestoreEncoderState(e, &r);
     }},
    {"nvEncLookaheadPicture",
     [](void* e) {
       static NV_ENC_LOOKAHEAD_PIC_PARAMS l;
       l = {};
       l.version = NV_ENC_LOOKAHEAD_PIC_PARAMS_VER;
       return F.nvEncLookaheadPicture(e, &l);
     }},
#endif
    {"nvEncDestroyEncoder", [](void* e) { return F.nvEncDestroyEncoder(e); }},
  };
  return v1;
}

// ---------------------------------------------------------------------------------------------
void entryPoints(void* lib) {
  auto getMax = (NVENCSTATUS(*)(uint32_t*))dlsym(lib, "NvEncodeAPIGetMaxSupportedVersion");
  auto create = (NVENCSTATUS(*)(NV_ENCODE_API_FUNCTION_LIST*))dlsym(lib, "NvEncodeAPICreateInstance");
  row("NvEncodeAPIGetMaxSupportedVersion", "version NULL", NV_ENC_ERR_INVALID_PTR, getMax(nullptr), "header");
  row("NvEncodeAPICreateInstance", "functionList NULL", NV_ENC_ERR_INVALID_PTR, create(nullptr), "header");
  // The header lists only SUCCESS and INVALID_PTR, and NVIDIA's driver 580 accepted a function
  // list of version 99: the version is enforced by the structs of the session, not here.
  for (uint32_t bad : {99u, 0u, (uint32_t)NV_ENCODE_API_FUNCTION_LIST_VER + (1u << 16)}) {
    NV_ENCODE_API_FUNCTION_LIST fl = {};
    fl.version = bad;
    row("NvEncodeAPICreateInstance", "functionList->version " + std::to_string(bad), NV_ENC_SUCCESS, create(&fl),
        "header + facts (driver 580: version 99 -> 0)");
  }
  memset(&F, 0, sizeof F);
  F.version = NV_ENCODE_API_FUNCTION_LIST_VER;
  row("NvEncodeAPICreateInstance", "NV_ENCODE_API_FUNCTION_LIST_VER", NV_ENC_SUCCESS, create(&F), "header");
  void** first = (void**)&F.nvEncOpenEncodeSession;
  void** last = (void**)&F.nvEncGetSequenceParamEx;
#if NVENCAPI_MAJOR_VERSION >= 12
  last = (void**)&F.nvEncLookaheadPicture;
#endif
  bool all = true;
  for (void** p = first; p <= last; p++)
    if (p != &F.reserved1 && !*p) all = false;
  fact("NvEncodeAPICreateInstance", "every function pointer of this header's list is filled", all, "header");
}

void openSessionRows() {
  void* enc = nullptr;
  row("nvEncOpenEncodeSession", "deprecated entry point", NV_ENC_ERR_INVALID_CALL,
      F.nvEncOpenEncodeSession(gCtx, NV_ENC_DEVICE_TYPE_CUDA, &enc), "header (deprecated: INVALID_CALL)");
  NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS p = {};
  auto reset = [&] {
    p = {};
    p.version = NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS_VER;
    p.deviceType = NV_ENC_DEVICE_TYPE_CUDA;
    p.device = gCtx;
    p.apiVersion = NVENCAPI_VERSION;
  };
  reset();
  row("nvEncOpenEncodeSessionEx", "params NULL", NV_ENC_ERR_INVALID_PTR, F.nvEncOpenEncodeSessionEx(nullptr, &enc),
      "header");
  row("nvEncOpenEncodeSessionEx", "encoder NULL", NV_ENC_ERR_INVALID_PTR, F.nvEncOpenEncodeSessionEx(&p, nullptr),
      "header");
  for (auto& w : wrongVersions(NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS_VER)) {
    reset();
    p.version = w.second;
    row("nvEncOpenEncodeSessionEx", std::string("params->version: ") + w.first, NV_ENC_ERR_INVALID_VERSION,
        F.nvEncOpenEncodeSessionEx(&p, &enc), "facts (driver 580: wrong struct version -> 15)");
  }
  reset();
  p.device = nullptr;
  row("nvEncOpenEncodeSessionEx", "device NULL (CUDA)", NV_ENC_ERR_INVALID_PTR, F.nvEncOpenEncodeSessionEx(&p, &enc),
      "header + facts (driver 580: 6)");
  for (uint32_t t : {(uint32_t)NV_ENC_DEVICE_TYPE_DIRECTX, (uint32_t)NV_ENC_DEVICE_TYPE_OPENGL, 99u}) {
    reset();
    setRaw(p.deviceType, t);
    row("nvEncOpenEncodeSessionEx", "deviceType " + std::to_string(t), NV_ENC_ERR_UNSUPPORTED_DEVICE,
        F.nvEncOpenEncodeSessionEx(&p, &enc), "header (UNSUPPORTED_DEVICE: device type not supported)");
  }
  reset();
  static int notAContext = 0;
  p.device = &notAContext;
  row("nvEncOpenEncodeSessionEx", "device is not a CUcontext", NV_ENC_ERR_INVALID_DEVICE,
      F.nvEncOpenEncodeSessionEx(&p, &enc), "header (INVALID_DEVICE)");
  {
    CUcontext dead = nullptr, popped = nullptr;
    cusym<CUresult CUDAAPI(CUcontext*, unsigned, CUdevice)>("cuCtxCreate_v2")(&dead, 0, 0);
    cusym<CUresult CUDAAPI(CUcontext*)>("cuCtxPopCurrent_v2")(&popped);
    cusym<CUresult CUDAAPI(CUcontext)>("cuCtxDestroy_v2")(dead);
    reset();
    p.device = dead;
    row("nvEncOpenEncodeSessionEx", "device is a destroyed CUcontext", NV_ENC_ERR_INVALID_DEVICE,
        F.nvEncOpenEncodeSessionEx(&p, &enc), "header (INVALID_DEVICE)");
  }
  reset();
  p.apiVersion = 99;
  p.version = (NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS_VER & ~0x0f00ffffu) | 99u;
  row("nvEncOpenEncodeSessionEx", "apiVersion 99.0 (newer than the driver)", NV_ENC_ERR_INVALID_VERSION,
      F.nvEncOpenEncodeSessionEx(&p, &enc), "silent (facts: H100 answers 2, no engine)");
  reset();
  p.apiVersion = NVENCAPI_MAJOR_VERSION == 12 ? 11u | (1u << 24) : 12u | (1u << 24);
  row("nvEncOpenEncodeSessionEx", "apiVersion differs from params->version", NV_ENC_ERR_INVALID_VERSION,
      F.nvEncOpenEncodeSessionEx(&p, &enc), "silent (INVALID_VERSION: invalid struct version)");
  row("nvEncGetLastErrorString", "NULL encoder after a failed open", NV_ENC_SUCCESS,
      F.nvEncGetLastErrorString(nullptr) && *F.nvEncGetLastErrorString(nullptr) ? NV_ENC_SUCCESS : NV_ENC_ERR_GENERIC,
      "header (a string is returned)");
}

void handleRows() {
  static int notASession[64];
  void* destroyed = open();
  F.nvEncDestroyEncoder(destroyed);
  for (auto& c : everyFunction()) {
    row(c.name, "encoder NULL", NV_ENC_ERR_INVALID_PTR, c.call(nullptr), "header (INVALID_PTR)");
    row(c.name, "encoder never opened", NV_ENC_ERR_INVALID_ENCODERDEVICE, c.call(notASession),
        "header (INVALID_ENCODERDEVICE)");
    row(c.name, "encoder destroyed", NV_ENC_ERR_INVALID_ENCODERDEVICE, c.call(destroyed),
        "header (INVALID_ENCODERDEVICE)");
  }
}

// Before nvEncInitializeEncoder: the functions whose \return list has ENCODER_NOT_INITIALIZED, plus
// the buffer/encode calls the status's own description covers ("cannot allocate input or output
// buffers or do any encoding related operation before successfully initializing the encoder").
void notInitializedRows() {
  void* enc = open();
  static int someHandle;
  NV_ENC_CREATE_INPUT_BUFFER cib = {};
  cib.version = NV_ENC_CREATE_INPUT_BUFFER_VER;
  cib.width = W;
  cib.height = H;
  cib.bufferFmt = NV_ENC_BUFFER_FORMAT_NV12;
  NV_ENC_CREATE_BITSTREAM_BUFFER cbb = {};
  cbb.version = NV_ENC_CREATE_BITSTREAM_BUFFER_VER;
  NV_ENC_PIC_PARAMS pp = {};
  pp.version = NV_ENC_PIC_PARAMS_VER;
  pp.inputBuffer = &someHandle;
  pp.outputBitstream = &someHandle;
  pp.bufferFmt = NV_ENC_BUFFER_FORMAT_NV12;
  pp.pictureStruct = NV_ENC_PIC_STRUCT_FRAME;
  NV_ENC_LOCK_BITSTREAM lb = {};
  lb.version = NV_ENC_LOCK_BITSTREAM_VER;
  lb.outputBitstream = &someHandle;
  NV_ENC_LOCK_INPUT_BUFFER li = {};
  li.version = NV_ENC_LOCK_INPUT_BUFFER_VER;
  li.inputBuffer = &someHandle;
  NV_ENC_STAT stat = {};
  stat.version = NV_ENC_STAT_VER;
  stat.outputBitStream = &someHandle;
  uint8_t buf[256];
  uint32_t n = 0;
  NV_ENC_SEQUENCE_PARAM_PAYLOAD sp = {};
  sp.version = NV_ENC_SEQUENCE_PARAM_PAYLOAD_VER;
  sp.spsppsBuffer = buf;
  sp.inBufferSize = sizeof buf;
  sp.outSPSPPSPayloadSize = &n;
  NV_ENC_MAP_INPUT_RESOURCE mr = {};
  mr.version = NV_ENC_MAP_INPUT_RESOURCE_VER;
  mr.registeredResource = &someHandle;
  NV_ENC_REGISTER_RESOURCE rr = {};
  rr.version = NV_ENC_REGISTER_RESOURCE_VER;
  rr.resourceType = NV_ENC_INPUT_RESOURCE_TYPE_CUDADEVICEPTR;
  rr.resourceToRegister = &someHandle;
  rr.width = W;
  rr.height = H;
  rr.pitch = W;
  rr.bufferFormat = NV_ENC_BUFFER_FORMAT_NV12;
  NV_ENC_EVENT_PARAMS ev = {};
  ev.version = NV_ENC_EVENT_PARAMS_VER;
  ev.completionEvent = &someHandle;
  NV_ENC_MEONLY_PARAMS me = {};
  me.version = NV_ENC_MEONLY_PARAMS_VER;
  NV_ENC_RECONFIGURE_PARAMS rp = {};
  rp.version = NV_ENC_RECONFIGURE_PARAMS_VER;
  Session tmp;
  tmp.enc = enc;
  fillInit(tmp, 1);
  rp.reInitEncodeParams = tmp.init;
  const NVENCSTATUS NI = NV_ENC_ERR_ENCODER_NOT_INITIALIZED;
  const char* listed = "header (listed)";
  const char* described = "header (status description)";
  row("nvEncCreateInputBuffer", "before init", NI, F.nvEncCreateInputBuffer(enc, &cib), described, enc);
  row("nvEncCreateBitstreamBuffer", "before init", NI, F.nvEncCreateBitstreamBuffer(enc, &cbb), listed, enc);
  row("nvEncDestroyBitstreamBuffer", "before init", NI, F.nvEncDestroyBitstreamBuffer(enc, &someHandle), listed, enc);
  row("nvEncEncodePicture", "before init", NI, F.nvEncEncodePicture(enc, &pp), listed, enc);
  row("nvEncLockBitstream", "before init", NI, F.nvEncLockBitstream(enc, &lb), listed, enc);
  row("nvEncUnlockBitstream", "before init", NI, F.nvEncUnlockBitstream(enc, &someHandle), listed, enc);
  row("nvEncLockInputBuffer", "before init", NI, F.nvEncLockInputBuffer(enc, &li), listed, enc);
  row("nvEncUnlockInputBuffer", "before init", NI, F.nvEncUnlockInputBuffer(enc, &someHandle), listed, enc);
  row("nvEncGetEncodeStats", "before init", NI, F.nvEncGetEncodeStats(enc, &stat), listed, enc);
  row("nvEncGetSequenceParams", "before init", NI, F.nvEncGetSequenceParams(enc, &sp), listed, enc);
  row("nvEncRegisterAsyncEvent", "before init", NI, F.nvEncRegisterAsyncEvent(enc, &ev), listed, enc);
  row("nvEncUnregisterAsyncEvent", "before init", NI, F.nvEncUnregisterAsyncEvent(enc, &ev), listed, enc);
  row("nvEncMapInputResource", "before init", NI, F.nvEncMapInputResource(enc, &mr), listed, enc);
  row("nvEncUnmapInputResource", "before init", NI, F.nvEncUnmapInputResource(enc, &someHandle), listed, enc);
  row("nvEncRegisterResource", "before init", NI, F.nvEncRegisterResource(enc, &rr), listed, enc);
  row("nvEncUnregisterResource", "before init", NI, F.nvEncUnregisterResource(enc, &someHandle), listed, enc);
  row("nvEncDestroyMVBuffer", "before init", NI, F.nvEncDestroyMVBuffer(enc, &someHandle), listed, enc);
  row("nvEncRunMotionEstimationOnly", "before init", NI, F.nvEncRunMotionEstimationOnly(enc, &me), listed, enc);
  row("nvEncInvalidateRefFrames", "before init", NI, F.nvEncInvalidateRefFrames(enc, 0), described, enc);
  row("nvEncReconfigureEncoder", "before init", NI, F.nvEncReconfigureEncoder(enc, &rp), described, enc);
#if NVENCAPI_MAJOR_VERSION >= 12
  NV_ENC_RESTORE_ENCODER_STATE_PARAMS rs = {};
  rs.version = NV_ENC_RESTORE_ENCODER_STATE_PARAMS_VER;
  row("nvEncRestoreEncoderState", "before init", NI, F.nvEncRestoreEncoderState(enc, &rs), listed, enc);
  NV_ENC_LOOKAHEAD_PIC_PARAMS la = {};
  la.version = NV_ENC_LOOKAHEAD_PIC_PARAMS_VER;
  la.inputBuffer = &someHandle;
  row("nvEncLookaheadPicture", "before init", NI, F.nvEncLookaheadPicture(enc, &la), listed, enc);
#endif
  // A failed initialization leaves the session uninitialized ("or that initialization has failed").
  tmp.init.encodeGUID = kBogus;
  row("nvEncInitializeEncoder", "encodeGUID not a codec", NV_ENC_ERR_INVALID_PARAM,
      F.nvEncInitializeEncoder(enc, &tmp.init), "header (INVALID_PARAM)", enc);
  row("nvEncCreateBitstreamBuffer", "after a failed init", NI, F.nvEncCreateBitstreamBuffer(enc, &cbb),
      "header (status description: \"or that initialization has failed\")", enc);
  // Parameter sets before initialization, from the parameters a later nvEncInitializeEncoder gets.
  fillInit(tmp, 1);
  row("nvEncGetSequenceParamEx", "before init, encInitParams NULL", NV_ENC_ERR_INVALID_PTR,
      F.nvEncGetSequenceParamEx(enc, nullptr, &sp), "header (INVALID_PTR)", enc);
  row("nvEncGetSequenceParamEx", "before init, with encInitParams", NV_ENC_SUCCESS,
      F.nvEncGetSequenceParamEx(enc, &tmp.init, &sp), "header (\"even when encoder has not been initialized\")", enc);
  std::vector<uint8_t> before(buf, buf + n);
  row("nvEncInitializeEncoder", "the same parameters", NV_ENC_SUCCESS, F.nvEncInitializeEncoder(enc, &tmp.init),
      "header", enc);
  row("nvEncGetSequenceParams", "after init", NV_ENC_SUCCESS, F.nvEncGetSequenceParams(enc, &sp), "header", enc);
  fact("nvEncGetSequenceParamEx", "the parameter sets before init are those after it",
       n > 5 && before == std::vector<uint8_t>(buf, buf + n), "header (\"must be same as ... initializing\")");
  F.nvEncDestroyEncoder(enc);
}

// NULL parameter pointers on an initialized session.
void nullPointerRows() {
  Session s;
  if (!started(s, "H.264 session for the NULL-pointer rows")) return;
  void* e = s.enc;
  const GUID h264 = NV_ENC_CODEC_H264_GUID, p3 = NV_ENC_PRESET_P3_GUID;
  GUID guids[32];
  NV_ENC_BUFFER_FORMAT fmts[32];
  uint32_t n = 0;
  int v = 0;
  NV_ENC_CAPS_PARAM caps = {};
  caps.version = NV_ENC_CAPS_PARAM_VER;
  const NVENCSTATUS P = NV_ENC_ERR_INVALID_PTR;
  const char* d = "header (INVALID_PTR)";
  row("nvEncGetEncodeGUIDCount", "count NULL", P, F.nvEncGetEncodeGUIDCount(e, nullptr), d, e);
  row("nvEncGetEncodeGUIDs", "GUIDs NULL", P, F.nvEncGetEncodeGUIDs(e, nullptr, 32, &n), d, e);
  row("nvEncGetEncodeGUIDs", "GUIDCount NULL", P, F.nvEncGetEncodeGUIDs(e, guids, 32, nullptr), d, e);
  row("nvEncGetEncodeProfileGUIDCount", "count NULL", P, F.nvEncGetEncodeProfileGUIDCount(e, h264, nullptr), d, e);
  row("nvEncGetEncodeProfileGUIDs", "profileGUIDs NULL", P, F.nvEncGetEncodeProfileGUIDs(e, h264, nullptr, 32, &n), d,
      e);
  row("nvEncGetEncodeProfileGUIDs", "GUIDCount NULL", P, F.nvEncGetEncodeProfileGUIDs(e, h264, guids, 32, nullptr), d,
      e);
  row("nvEncGetInputFormatCount", "count NULL", P, F.nvEncGetInputFormatCount(e, h264, nullptr), d, e);
  row("nvEncGetInputFormats", "inputFmts NULL", P, F.nvEncGetInputFormats(e, h264, nullptr, 32, &n), d, e);
  row("nvEncGetInputFormats", "inputFmtCount NULL", P, F.nvEncGetInputFormats(e, h264, fmts, 32, nullptr), d, e);
  row("nvEncGetEncodeCaps", "capsParam NULL", P, F.nvEncGetEncodeCaps(e, h264, nullptr, &v), d, e);
  row("nvEncGetEncodeCaps", "capsVal NULL", P, F.nvEncGetEncodeCaps(e, h264, &caps, nullptr), d, e);
  row("nvEncGetEncodePresetCount", "count NULL", P, F.nvEncGetEncodePresetCount(e, h264, nullptr), d, e);
  row("nvEncGetEncodePresetGUIDs", "presetGUIDs NULL", P, F.nvEncGetEncodePresetGUIDs(e, h264, nullptr, 32, &n), d, e);
  row("nvEncGetEncodePresetGUIDs", "count NULL", P, F.nvEncGetEncodePresetGUIDs(e, h264, guids, 32, nullptr), d, e);
  row("nvEncGetEncodePresetConfig", "presetConfig NULL", P, F.nvEncGetEncodePresetConfig(e, h264, p3, nullptr), d, e);
  row("nvEncGetEncodePresetConfigEx", "presetConfig NULL", P,
      F.nvEncGetEncodePresetConfigEx(e, h264, p3, NV_ENC_TUNING_INFO_HIGH_QUALITY, nullptr), d, e);
  row("nvEncInitializeEncoder", "createEncodeParams NULL", P, F.nvEncInitializeEncoder(e, nullptr), d, e);
  row("nvEncCreateInputBuffer", "params NULL", P, F.nvEncCreateInputBuffer(e, nullptr), d, e);
  row("nvEncDestroyInputBuffer", "inputBuffer NULL", P, F.nvEncDestroyInputBuffer(e, nullptr), d, e);
  row("nvEncCreateBitstreamBuffer", "params NULL", P, F.nvEncCreateBitstreamBuffer(e, nullptr), d, e);
  row("nvEncDestroyBitstreamBuffer", "bitstreamBuffer NULL", P, F.nvEncDestroyBitstreamBuffer(e, nullptr), d, e);
  row("nvEncEncodePicture", "encodePicParams NULL", P, F.nvEncEncodePicture(e, nullptr), d, e);
  NV_ENC_PIC_PARAMS pp = pic(nullptr, s.out[0]);
  row("nvEncEncodePicture", "inputBuffer NULL without EOS", P, F.nvEncEncodePicture(e, &pp), d, e);
  pp = pic(s.in[0], nullptr);
  row("nvEncEncodePicture", "outputBitstream NULL", P, F.nvEncEncodePicture(e, &pp), d, e);
  row("nvEncLockBitstream", "params NULL", P, F.nvEncLockBitstream(e, nullptr), d, e);
  NV_ENC_LOCK_BITSTREAM lb;
  row("nvEncLockBitstream", "outputBitstream NULL", P, lock(s, nullptr, &lb), d, e);
  row("nvEncUnlockBitstream", "bitstreamBuffer NULL", P, F.nvEncUnlockBitstream(e, nullptr), d, e);
  row("nvEncLockInputBuffer", "params NULL", P, F.nvEncLockInputBuffer(e, nullptr), d, e);
  NV_ENC_LOCK_INPUT_BUFFER li = {};
  li.version = NV_ENC_LOCK_INPUT_BUFFER_VER;
  row("nvEncLockInputBuffer", "inputBuffer NULL", P, F.nvEncLockInputBuffer(e, &li), d, e);
  row("nvEncUnlockInputBuffer", "inputBuffer NULL", P, F.nvEncUnlockInputBuffer(e, nullptr), d, e);
  row("nvEncGetEncodeStats", "encodeStats NULL", P, F.nvEncGetEncodeStats(e, nullptr), d, e);
  row("nvEncGetSequenceParams", "payload NULL", P, F.nvEncGetSequenceParams(e, nullptr), d, e);
  uint8_t buf[256];
  NV_ENC_SEQUENCE_PARAM_PAYLOAD sp = {};
  sp.version = NV_ENC_SEQUENCE_PARAM_PAYLOAD_VER;
  sp.inBufferSize = sizeof buf;
  sp.outSPSPPSPayloadSize = &n;
  row("nvEncGetSequenceParams", "spsppsBuffer NULL", P, F.nvEncGetSequenceParams(e, &sp), d, e);
  sp.spsppsBuffer = buf;
  sp.outSPSPPSPayloadSize = nullptr;
  row("nvEncGetSequenceParams", "outSPSPPSPayloadSize NULL", P, F.nvEncGetSequenceParams(e, &sp), d, e);
  row("nvEncRegisterAsyncEvent", "eventParams NULL", P, F.nvEncRegisterAsyncEvent(e, nullptr), d, e);
  row("nvEncUnregisterAsyncEvent", "eventParams NULL", P, F.nvEncUnregisterAsyncEvent(e, nullptr), d, e);
  row("nvEncMapInputResource", "params NULL", P, F.nvEncMapInputResource(e, nullptr), d, e);
  NV_ENC_MAP_INPUT_RESOURCE mr = {};
  mr.version = NV_ENC_MAP_INPUT_RESOURCE_VER;
  row("nvEncMapInputResource", "registeredResource NULL", P, F.nvEncMapInputResource(e, &mr), d, e);
  row("nvEncUnmapInputResource", "mappedInputBuffer NULL", P, F.nvEncUnmapInputResource(e, nullptr), d, e);
  row("nvEncRegisterResource", "params NULL", P, F.nvEncRegisterResource(e, nullptr), d, e);
  NV_ENC_REGISTER_RESOURCE rr = {};
  rr.version = NV_ENC_REGISTER_RESOURCE_VER;
  rr.resourceType = NV_ENC_INPUT_RESOURCE_TYPE_CUDADEVICEPTR;
  rr.width = W;
  rr.height = H;
  rr.pitch = 512;
  rr.bufferFormat = NV_ENC_BUFFER_FORMAT_NV12;
  row("nvEncRegisterResource", "resourceToRegister NULL", P, F.nvEncRegisterResource(e, &rr), d, e);
  row("nvEncUnregisterResource", "registeredResource NULL", P, F.nvEncUnregisterResource(e, nullptr), d, e);
  row("nvEncReconfigureEncoder", "params NULL", P, F.nvEncReconfigureEncoder(e, nullptr), d, e);
  row("nvEncCreateMVBuffer", "params NULL", P, F.nvEncCreateMVBuffer(e, nullptr), d, e);
  row("nvEncDestroyMVBuffer", "mvBuffer NULL", P, F.nvEncDestroyMVBuffer(e, nullptr), d, e);
  row("nvEncRunMotionEstimationOnly", "params NULL", P, F.nvEncRunMotionEstimationOnly(e, nullptr), d, e);
  row("nvEncSetIOCudaStreams", "streams NULL", P, F.nvEncSetIOCudaStreams(e, nullptr, nullptr), d, e);
  row("nvEncGetSequenceParamEx", "payload NULL", P, F.nvEncGetSequenceParamEx(e, &s.init, nullptr), d, e);
#if NVENCAPI_MAJOR_VERSION >= 12
  row("nvEncRestoreEncoderState", "params NULL", P, F.nvEncRestoreEncoderState(e, nullptr), d, e);
  row("nvEncLookaheadPicture", "params NULL", P, F.nvEncLookaheadPicture(e, nullptr), d, e);
#endif
  F.nvEncDestroyEncoder(e);
}

// Every versioned struct with a wrong version, on an initialized session (so that only the
// version is wrong).
void versionRows() {
  Session s;
  if (!started(s, "H.264 session for the version rows")) return;
  void* e = s.enc;
  const GUID h264 = NV_ENC_CODEC_H264_GUID, p3 = NV_ENC_PRESET_P3_GUID;
  const NVENCSTATUS V = NV_ENC_ERR_INVALID_VERSION;
  const char* d = "header (INVALID_VERSION)";
  int v = 0;
  for (auto& w : wrongVersions(NV_ENC_CAPS_PARAM_VER)) {
    NV_ENC_CAPS_PARAM c = {};
    c.version = w.second;
    c.capsToQuery = NV_ENC_CAPS_WIDTH_MAX;
    row("nvEncGetEncodeCaps", std::string("NV_ENC_CAPS_PARAM ") + w.first, V, F.nvEncGetEncodeCaps(e, h264, &c, &v), d,
        e);
  }
  for (auto& w : wrongVersions(NV_ENC_PRESET_CONFIG_VER)) {
    NV_ENC_PRESET_CONFIG pc = {};
    pc.version = w.second;
    pc.presetCfg.version = NV_ENC_CONFIG_VER;
    row("nvEncGetEncodePresetConfigEx", std::string("NV_ENC_PRESET_CONFIG ") + w.first, V,
        F.nvEncGetEncodePresetConfigEx(e, h264, p3, NV_ENC_TUNING_INFO_HIGH_QUALITY, &pc), d, e);
    row("nvEncGetEncodePresetConfig", std::string("NV_ENC_PRESET_CONFIG ") + w.first, V,
        F.nvEncGetEncodePresetConfig(e, h264, p3, &pc), d, e);
  }
  for (auto& w : wrongVersions(NV_ENC_CONFIG_VER)) {
    NV_ENC_PRESET_CONFIG pc = {};
    pc.version = NV_ENC_PRESET_CONFIG_VER;
    pc.presetCfg.version = w.second;
    row("nvEncGetEncodePresetConfigEx", std::string("presetCfg (NV_ENC_CONFIG) ") + w.first, V,
        F.nvEncGetEncodePresetConfigEx(e, h264, p3, NV_ENC_TUNING_INFO_HIGH_QUALITY, &pc), d, e);
  }
  {
    Session fresh;
    fresh.enc = open();
    fillInit(fresh, 1);
    for (auto& w : wrongVersions(NV_ENC_INITIALIZE_PARAMS_VER)) {
      NV_ENC_INITIALIZE_PARAMS ip = fresh.init;
      ip.version = w.second;
      row("nvEncInitializeEncoder", std::string("NV_ENC_INITIALIZE_PARAMS ") + w.first, V,
          F.nvEncInitializeEncoder(fresh.enc, &ip), d, fresh.enc);
    }
    for (auto& w : wrongVersions(NV_ENC_CONFIG_VER)) {
      NV_ENC_CONFIG cfg = fresh.cfg;
      cfg.version = w.second;
      NV_ENC_INITIALIZE_PARAMS ip = fresh.init;
      ip.encodeConfig = &cfg;
      row("nvEncInitializeEncoder", std::string("encodeConfig (NV_ENC_CONFIG) ") + w.first, V,
          F.nvEncInitializeEncoder(fresh.enc, &ip), d, fresh.enc);
    }
    F.nvEncDestroyEncoder(fresh.enc);
  }
  for (auto& w : wrongVersions(NV_ENC_CREATE_INPUT_BUFFER_VER)) {
    NV_ENC_CREATE_INPUT_BUFFER c = {};
    c.version = w.second;
    c.width = W;
    c.height = H;
    c.bufferFmt = NV_ENC_BUFFER_FORMAT_NV12;
    row("nvEncCreateInputBuffer", std::string("NV_ENC_CREATE_INPUT_BUFFER ") + w.first, V,
        F.nvEncCreateInputBuffer(e, &c), d, e);
  }
  for (auto& w : wrongVersions(NV_ENC_CREATE_BITSTREAM_BUFFER_VER)) {
    NV_ENC_CREATE_BITSTREAM_BUFFER c = {};
    c.version = w.second;
    row("nvEncCreateBitstreamBuffer", std::string("NV_ENC_CREATE_BITSTREAM_BUFFER ") + w.first, V,
        F.nvEncCreateBitstreamBuffer(e, &c), d, e);
  }
  for (auto& w : wrongVersions(NV_ENC_PIC_PARAMS_VER)) {
    NV_ENC_PIC_PARAMS p = pic(s.in[0], s.out[0]);
    p.version = w.second;
    row("nvEncEncodePicture", std::string("NV_ENC_PIC_PARAMS ") + w.first, V, F.nvEncEncodePicture(e, &p), d, e);
  }
  for (auto& w : wrongVersions(NV_ENC_LOCK_INPUT_BUFFER_VER)) {
    NV_ENC_LOCK_INPUT_BUFFER l = {};
    l.version = w.second;
    l.inputBuffer = s.in[0];
    row("nvEncLockInputBuffer", std::string("NV_ENC_LOCK_INPUT_BUFFER ") + w.first, V, F.nvEncLockInputBuffer(e, &l), d,
        e);
  }
  row("nvEncEncodePicture", "a correct picture (the wrong-version rows left no state)", NV_ENC_SUCCESS, encode(s, 0),
      "header", e);
  for (auto& w : wrongVersions(NV_ENC_LOCK_BITSTREAM_VER)) {
    NV_ENC_LOCK_BITSTREAM l = {};
    l.version = w.second;
    l.outputBitstream = s.out[0];
    row("nvEncLockBitstream", std::string("NV_ENC_LOCK_BITSTREAM ") + w.first, V, F.nvEncLockBitstream(e, &l), d, e);
  }
  NV_ENC_LOCK_BITSTREAM lb;
  row("nvEncLockBitstream", "the same buffer with the right version", NV_ENC_SUCCESS, lock(s, s.out[0], &lb), "header",
      e);
  F.nvEncUnlockBitstream(e, s.out[0]);
  for (auto& w : wrongVersions(NV_ENC_SEQUENCE_PARAM_PAYLOAD_VER)) {
    uint8_t buf[256];
    uint32_t n = 0;
    NV_ENC_SEQUENCE_PARAM_PAYLOAD sp = {};
    sp.version = w.second;
    sp.spsppsBuffer = buf;
    sp.inBufferSize = sizeof buf;
    sp.outSPSPPSPayloadSize = &n;
    row("nvEncGetSequenceParams", std::string("NV_ENC_SEQUENCE_PARAM_PAYLOAD ") + w.first, V,
        F.nvEncGetSequenceParams(e, &sp), d, e);
  }
  for (auto& w : wrongVersions(NV_ENC_STAT_VER)) {
    NV_ENC_STAT st = {};
    st.version = w.second;
    st.outputBitStream = s.out[0];
    row("nvEncGetEncodeStats", std::string("NV_ENC_STAT ") + w.first, V, F.nvEncGetEncodeStats(e, &st), d, e);
  }
  for (auto& w : wrongVersions(NV_ENC_EVENT_PARAMS_VER)) {
    NV_ENC_EVENT_PARAMS ev = {};
    ev.version = w.second;
    row("nvEncRegisterAsyncEvent", std::string("NV_ENC_EVENT_PARAMS ") + w.first, V, F.nvEncRegisterAsyncEvent(e, &ev),
        d, e);
    row("nvEncUnregisterAsyncEvent", std::string("NV_ENC_EVENT_PARAMS ") + w.first, V,
        F.nvEncUnregisterAsyncEvent(e, &ev), d, e);
  }
  CUdeviceptr dptr = 0;
  NV_ENC_REGISTER_RESOURCE rr = cudaSurface(&dptr);
  for (auto& w : wrongVersions(NV_ENC_REGISTER_RESOURCE_VER)) {
    NV_ENC_REGISTER_RESOURCE r = rr;
    r.version = w.second;
    row("nvEncRegisterResource", std::string("NV_ENC_REGISTER_RESOURCE ") + w.first, V, F.nvEncRegisterResource(e, &r),
        d, e);
  }
  F.nvEncRegisterResource(e, &rr);
  for (auto& w : wrongVersions(NV_ENC_MAP_INPUT_RESOURCE_VER)) {
    NV_ENC_MAP_INPUT_RESOURCE m = {};
    m.version = w.second;
    m.registeredResource = rr.registeredResource;
    row("nvEncMapInputResource", std::string("NV_ENC_MAP_INPUT_RESOURCE ") + w.first, V, F.nvEncMapInputResource(e, &m),
        d, e);
  }
  row("nvEncUnregisterResource", "after the refused maps (none took effect)", NV_ENC_SUCCESS,
      F.nvEncUnregisterResource(e, rr.registeredResource), "header", e);
  for (auto& w : wrongVersions(NV_ENC_RECONFIGURE_PARAMS_VER)) {
    NV_ENC_RECONFIGURE_PARAMS r = {};
    r.version = w.second;
    r.reInitEncodeParams = s.init;
    row("nvEncReconfigureEncoder", std::string("NV_ENC_RECONFIGURE_PARAMS ") + w.first, V,
        F.nvEncReconfigureEncoder(e, &r), "silent (INVALID_VERSION is not in its list; the status's description)", e);
  }
  for (auto& w : wrongVersions(NV_ENC_INITIALIZE_PARAMS_VER)) {
    NV_ENC_RECONFIGURE_PARAMS r = {};
    r.version = NV_ENC_RECONFIGURE_PARAMS_VER;
    r.reInitEncodeParams = s.init;
    r.reInitEncodeParams.version = w.second;
    row("nvEncReconfigureEncoder", std::string("reInitEncodeParams ") + w.first, V, F.nvEncReconfigureEncoder(e, &r),
        "silent (as above)", e);
  }
  for (auto& w : wrongVersions(NV_ENC_CREATE_MV_BUFFER_VER)) {
    NV_ENC_CREATE_MV_BUFFER m = {};
    m.version = w.second;
    row("nvEncCreateMVBuffer", std::string("NV_ENC_CREATE_MV_BUFFER ") + w.first, V, F.nvEncCreateMVBuffer(e, &m), d,
        e);
  }
  for (auto& w : wrongVersions(NV_ENC_MEONLY_PARAMS_VER)) {
    NV_ENC_MEONLY_PARAMS m = {};
    m.version = w.second;
    row("nvEncRunMotionEstimationOnly", std::string("NV_ENC_MEONLY_PARAMS ") + w.first, V,
        F.nvEncRunMotionEstimationOnly(e, &m), d, e);
  }
#if NVENCAPI_MAJOR_VERSION >= 12
  for (auto& w : wrongVersions(NV_ENC_LOOKAHEAD_PIC_PARAMS_VER)) {
    NV_ENC_LOOKAHEAD_PIC_PARAMS l = {};
    l.version = w.second;
    l.inputBuffer = s.in[1];
    row("nvEncLookaheadPicture", std::string("NV_ENC_LOOKAHEAD_PIC_PARAMS ") + w.first, V,
        F.nvEncLookaheadPicture(e, &l), d, e);
  }
#endif
  F.nvEncDestroyEncoder(e);
  freeCudaSurface(dptr);
}

// GUID and capability queries, and initialization parameters.
void queryAndInitRows() {
  void* e = open();
  const GUID h264 = NV_ENC_CODEC_H264_GUID, p3 = NV_ENC_PRESET_P3_GUID;
  const NVENCSTATUS IP = NV_ENC_ERR_INVALID_PARAM;
  uint32_t count = 0, n = 0;
  GUID guids[64];
  NV_ENC_BUFFER_FORMAT fmts[64];
  F.nvEncGetEncodeGUIDCount(e, &count);
  row("nvEncGetEncodeGUIDs", "guidArraySize = count - 1", IP, F.nvEncGetEncodeGUIDs(e, guids, count - 1, &n),
      "silent (INVALID_PARAM from its list)", e);
  row("nvEncGetEncodeGUIDs", "guidArraySize 64 (larger than needed)", NV_ENC_SUCCESS,
      F.nvEncGetEncodeGUIDs(e, guids, 64, &n), "header", e);
  fact("nvEncGetEncodeGUIDs", "GUIDCount = nvEncGetEncodeGUIDCount", n == count, "header");
  F.nvEncGetEncodeProfileGUIDCount(e, h264, &count);
  row("nvEncGetEncodeProfileGUIDs", "guidArraySize = count - 1", IP,
      F.nvEncGetEncodeProfileGUIDs(e, h264, guids, count - 1, &n), "silent (INVALID_PARAM from its list)", e);
  F.nvEncGetEncodePresetCount(e, h264, &count);
  row("nvEncGetEncodePresetGUIDs", "guidArraySize = count - 1", IP,
      F.nvEncGetEncodePresetGUIDs(e, h264, guids, count - 1, &n), "silent (INVALID_PARAM from its list)", e);
  F.nvEncGetInputFormatCount(e, h264, &count);
  row("nvEncGetInputFormats", "inputFmtArraySize = count - 1", IP, F.nvEncGetInputFormats(e, h264, fmts, count - 1, &n),
      "silent (INVALID_PARAM from its list)", e);
  NV_ENC_CAPS_PARAM caps = {};
  caps.version = NV_ENC_CAPS_PARAM_VER;
  caps.capsToQuery = NV_ENC_CAPS_WIDTH_MAX;
  int v = 0;
  NV_ENC_PRESET_CONFIG pc = {};
  pc.version = NV_ENC_PRESET_CONFIG_VER;
  pc.presetCfg.version = NV_ENC_CONFIG_VER;
  const char* d = "header (INVALID_PARAM)";
  row("nvEncGetEncodeProfileGUIDCount", "encodeGUID unknown", IP, F.nvEncGetEncodeProfileGUIDCount(e, kBogus, &n), d,
      e);
  row("nvEncGetEncodeProfileGUIDs", "encodeGUID unknown", IP, F.nvEncGetEncodeProfileGUIDs(e, kBogus, guids, 64, &n), d,
      e);
  row("nvEncGetInputFormatCount", "encodeGUID unknown", IP, F.nvEncGetInputFormatCount(e, kBogus, &n), d, e);
  row("nvEncGetInputFormats", "encodeGUID unknown", IP, F.nvEncGetInputFormats(e, kBogus, fmts, 64, &n), d, e);
  row("nvEncGetEncodeCaps", "encodeGUID unknown", IP, F.nvEncGetEncodeCaps(e, kBogus, &caps, &v), d, e);
  row("nvEncGetEncodePresetCount", "encodeGUID unknown", IP, F.nvEncGetEncodePresetCount(e, kBogus, &n), d, e);
  row("nvEncGetEncodePresetGUIDs", "encodeGUID unknown", IP, F.nvEncGetEncodePresetGUIDs(e, kBogus, guids, 64, &n), d,
      e);
  row("nvEncGetEncodePresetConfigEx", "encodeGUID unknown", IP,
      F.nvEncGetEncodePresetConfigEx(e, kBogus, p3, NV_ENC_TUNING_INFO_HIGH_QUALITY, &pc), d, e);
  row("nvEncGetEncodePresetConfigEx", "presetGUID unknown", IP,
      F.nvEncGetEncodePresetConfigEx(e, h264, kBogus, NV_ENC_TUNING_INFO_HIGH_QUALITY, &pc), d, e);
  row("nvEncGetEncodePresetConfigEx", "tuningInfo 99", IP,
      F.nvEncGetEncodePresetConfigEx(e, h264, p3, (NV_ENC_TUNING_INFO)99, &pc), d, e);
  row("nvEncGetEncodePresetConfig", "presetGUID unknown", IP, F.nvEncGetEncodePresetConfig(e, h264, kBogus, &pc), d, e);
  setRaw(caps.capsToQuery, 9999);
  row("nvEncGetEncodeCaps", "capsToQuery 9999", IP, F.nvEncGetEncodeCaps(e, h264, &caps, &v), d, e);
#if NVENCAPI_MAJOR_VERSION >= 12
  // AV1 is offered when libavcodec has its encoder (SVT-AV1); the rule needs the codec listed.
  GUID codecs[8];
  uint32_t nCodecs = 0;
  F.nvEncGetEncodeGUIDs(e, codecs, 8, &nCodecs);
  for (uint32_t i = 0; i < nCodecs; i++)
    if (!memcmp(&codecs[i], &NV_ENC_CODEC_AV1_GUID, sizeof(GUID))) {
      const GUID av1 = NV_ENC_CODEC_AV1_GUID;
      row("nvEncGetEncodePresetConfig", "AV1", NV_ENC_ERR_UNSUPPORTED_PARAM,
          F.nvEncGetEncodePresetConfig(e, av1, p3, &pc),
          "header (\"not applicable to AV1\"; UNSUPPORTED_PARAM from its list)", e);
      row("nvEncGetEncodePresetConfigEx", "AV1", NV_ENC_SUCCESS,
          F.nvEncGetEncodePresetConfigEx(e, av1, p3, NV_ENC_TUNING_INFO_HIGH_QUALITY, &pc), "header", e);
    }
#endif
  caps.capsToQuery = NV_ENC_CAPS_ASYNC_ENCODE_SUPPORT;
  F.nvEncGetEncodeCaps(e, h264, &caps, &v);
  fact("nvEncGetEncodeCaps", "NV_ENC_CAPS_ASYNC_ENCODE_SUPPORT = 0 (Linux)", v == 0,
       "header (asynchronous mode is not supported on Linux)");

  Session s;
  s.enc = e;
  auto init = [&](const char* what, NVENCSTATUS want, const char* doc, const std::function<void(Session&)>& tweak) {
    fillInit(s, 1);
    tweak(s);
    row("nvEncInitializeEncoder", what, want, F.nvEncInitializeEncoder(e, &s.init), doc, e);
  };
  init("presetGUID unknown", IP, d, [](Session& x) { x.init.presetGUID = kBogus; });
  init("profileGUID unknown", IP, d, [](Session& x) { x.cfg.profileGUID = kBogus; });
  init("profileGUID of another codec (HEVC Main for H.264)", IP, d,
       [](Session& x) { x.cfg.profileGUID = NV_ENC_HEVC_PROFILE_MAIN_GUID; });
  init("tuningInfo 99", IP, d, [](Session& x) { setRaw(x.init.tuningInfo, 99); });
  init("encodeWidth 0", IP, "header (encodeWidth must be valid)", [](Session& x) { x.init.encodeWidth = 0; });
  init("encodeWidth 8192 > NV_ENC_CAPS_WIDTH_MAX", IP, "silent (INVALID_PARAM from its list)",
       [](Session& x) { x.init.encodeWidth = x.init.maxEncodeWidth = 8192; });
  init("enableEncodeAsync = 1 while NV_ENC_CAPS_ASYNC_ENCODE_SUPPORT = 0", NV_ENC_ERR_UNSUPPORTED_PARAM,
       "header (async not supported on Linux; UNSUPPORTED_PARAM)", [](Session& x) { x.init.enableEncodeAsync = 1; });
  init("encodeConfig NULL (preset defaults)", NV_ENC_SUCCESS, "header (preset GUID chooses the config)",
       [](Session& x) { x.init.encodeConfig = nullptr; });
  init("a second nvEncInitializeEncoder", NV_ENC_ERR_INVALID_CALL, "silent (INVALID_CALL: wrong sequence)",
       [](Session&) {});
  F.nvEncDestroyEncoder(e);
}

// Buffers and call order on an initialized P-only session.
void bufferRows() {
  Session s;
  if (!started(s, "H.264 session for the buffer rows")) return;
  void* e = s.enc;
  NV_ENC_LOCK_BITSTREAM lb;
  row("nvEncLockBitstream", "buffer never submitted", NV_ENC_ERR_INVALID_PARAM, lock(s, s.out[0], &lb),
      "silent (INVALID_PARAM from its list)", e);
  row("nvEncUnlockBitstream", "buffer not locked", NV_ENC_ERR_INVALID_CALL, F.nvEncUnlockBitstream(e, s.out[0]),
      "silent (INVALID_CALL: wrong sequence)", e);
  row("nvEncEncodePicture", "picture 0", NV_ENC_SUCCESS, encode(s, 0, 100), "header", e);
  row("nvEncLockBitstream", "after NV_ENC_SUCCESS", NV_ENC_SUCCESS, lock(s, s.out[0], &lb), "header", e);
  fact("nvEncLockBitstream", "first picture is an IDR with the input timestamp",
       lb.pictureType == NV_ENC_PIC_TYPE_IDR && lb.outputTimeStamp == 100 && lb.bitstreamSizeInBytes > 0, "header");
  row("nvEncLockBitstream", "already locked", NV_ENC_ERR_LOCK_BUSY, lock(s, s.out[0], &lb),
      "silent (LOCK_BUSY from its list)", e);
  NV_ENC_PIC_PARAMS p = pic(s.in[1], s.out[0]);
  row("nvEncEncodePicture", "into a locked bitstream buffer", NV_ENC_ERR_INVALID_PARAM, F.nvEncEncodePicture(e, &p),
      "header (\"will cause the function to fail\"; INVALID_PARAM from its list)", e);
  row("nvEncUnlockBitstream", "locked buffer", NV_ENC_SUCCESS, F.nvEncUnlockBitstream(e, s.out[0]), "header", e);
  row("nvEncUnlockBitstream", "unlocked twice", NV_ENC_ERR_INVALID_CALL, F.nvEncUnlockBitstream(e, s.out[0]),
      "silent (INVALID_CALL: wrong sequence)", e);
  NV_ENC_LOCK_INPUT_BUFFER li = {};
  li.version = NV_ENC_LOCK_INPUT_BUFFER_VER;
  li.inputBuffer = s.in[1];
  row("nvEncLockInputBuffer", "input buffer", NV_ENC_SUCCESS, F.nvEncLockInputBuffer(e, &li), "header", e);
  fact("nvEncLockInputBuffer", "bufferDataPtr and pitch >= width", li.bufferDataPtr && li.pitch >= W, "header");
  row("nvEncLockInputBuffer", "already locked", NV_ENC_ERR_LOCK_BUSY, F.nvEncLockInputBuffer(e, &li),
      "silent (LOCK_BUSY from its list)", e);
  p = pic(s.in[1], s.out[1]);
  row("nvEncEncodePicture", "from a locked input buffer", NV_ENC_ERR_LOCK_BUSY, F.nvEncEncodePicture(e, &p),
      "header (\"must be unlocked before being used again for encoding\")", e);
  row("nvEncUnlockInputBuffer", "locked input", NV_ENC_SUCCESS, F.nvEncUnlockInputBuffer(e, s.in[1]), "header", e);
  row("nvEncUnlockInputBuffer", "not locked", NV_ENC_ERR_INVALID_CALL, F.nvEncUnlockInputBuffer(e, s.in[1]),
      "silent (INVALID_CALL: wrong sequence)", e);

  // Parameters out of range: the documented parameter statuses.
  {
    NV_ENC_CREATE_INPUT_BUFFER cb = {};
    cb.version = NV_ENC_CREATE_INPUT_BUFFER_VER;
    cb.width = W;
    cb.height = H;
    for (uint32_t fmt : {0u, 0x12345u}) {
      setRaw(cb.bufferFmt, fmt);
      row("nvEncCreateInputBuffer", "bufferFmt " + std::to_string(fmt), NV_ENC_ERR_INVALID_PARAM,
          F.nvEncCreateInputBuffer(e, &cb), "header (INVALID_PARAM)", e);
    }
    cb.bufferFmt = NV_ENC_BUFFER_FORMAT_NV12;
    cb.width = 0;
    row("nvEncCreateInputBuffer", "width 0", NV_ENC_ERR_INVALID_PARAM, F.nvEncCreateInputBuffer(e, &cb),
        "header (INVALID_PARAM)", e);
    p = pic(s.in[2], s.out[2]);
    setRaw(p.pictureStruct, NV_ENC_PIC_STRUCT_FIELD_TOP_BOTTOM);
    row("nvEncEncodePicture", "pictureStruct FIELD_TOP_BOTTOM (field encoding caps 0)", NV_ENC_ERR_UNSUPPORTED_PARAM,
        F.nvEncEncodePicture(e, &p), "header (UNSUPPORTED_PARAM)", e);
    setRaw(p.pictureStruct, 77);
    row("nvEncEncodePicture", "pictureStruct 77", NV_ENC_ERR_UNSUPPORTED_PARAM, F.nvEncEncodePicture(e, &p),
        "silent (UNSUPPORTED_PARAM from its list)", e);
    p = pic(s.in[2], s.out[2]);
    p.bufferFmt = NV_ENC_BUFFER_FORMAT_ARGB;
    row("nvEncEncodePicture", "bufferFmt differs from the input buffer's", NV_ENC_ERR_INVALID_PARAM,
        F.nvEncEncodePicture(e, &p), "header (INVALID_PARAM)", e);
    p = pic(s.in[2], s.out[2]);
    p.inputWidth = W / 2;
    row("nvEncEncodePicture", "inputWidth below the encode width", NV_ENC_ERR_INVALID_PARAM,
        F.nvEncEncodePicture(e, &p), "header (INVALID_PARAM)", e);
    p = pic(s.in[2], s.out[2]);
    p.codecPicParams.h264PicParams.seiPayloadArrayCnt = 2;
    row("nvEncEncodePicture", "seiPayloadArrayCnt 2, seiPayloadArray NULL", NV_ENC_ERR_INVALID_PTR,
        F.nvEncEncodePicture(e, &p), "header (INVALID_PTR)", e);
  }

  // Another session's buffers are not this session's.
  Session other;
  start(other, 1, 1);
  p = pic(other.in[0], s.out[1]);
  row("nvEncEncodePicture", "inputBuffer of another session", NV_ENC_ERR_INVALID_PARAM, F.nvEncEncodePicture(e, &p),
      "header (INVALID_PARAM)", e);
  p = pic(s.in[1], other.out[0]);
  row("nvEncEncodePicture", "outputBitstream of another session", NV_ENC_ERR_INVALID_PARAM, F.nvEncEncodePicture(e, &p),
      "header (INVALID_PARAM)", e);
  row("nvEncDestroyInputBuffer", "buffer of another session", NV_ENC_ERR_INVALID_PARAM,
      F.nvEncDestroyInputBuffer(e, other.in[0]), "header (INVALID_PARAM)", e);
  F.nvEncDestroyEncoder(other.enc);

  // CUDA surfaces: register, map, encode, unmap, unregister.
  CUdeviceptr dptr = 0;
  NV_ENC_REGISTER_RESOURCE rr = cudaSurface(&dptr);
  {
    auto refused = [&](const char* what, NVENCSTATUS want, const char* doc,
                       const std::function<void(NV_ENC_REGISTER_RESOURCE&)>& tweak) {
      NV_ENC_REGISTER_RESOURCE r = rr;
      tweak(r);
      row("nvEncRegisterResource", what, want, F.nvEncRegisterResource(e, &r), doc, e);
    };
    refused("resourceType 99", NV_ENC_ERR_UNSUPPORTED_PARAM, "header (UNSUPPORTED_PARAM)",
            [](NV_ENC_REGISTER_RESOURCE& r) { setRaw(r.resourceType, 99); });
    refused("bufferUsage 99", NV_ENC_ERR_UNSUPPORTED_PARAM, "header (UNSUPPORTED_PARAM)",
            [](NV_ENC_REGISTER_RESOURCE& r) { setRaw(r.bufferUsage, 99); });
    refused("bufferFormat undefined", NV_ENC_ERR_INVALID_PARAM, "header (INVALID_PARAM)",
            [](NV_ENC_REGISTER_RESOURCE& r) { setRaw(r.bufferFormat, 0); });
    refused("pitch below a row", NV_ENC_ERR_INVALID_PARAM, "header (INVALID_PARAM)",
            [](NV_ENC_REGISTER_RESOURCE& r) { r.pitch = W / 2; });
    refused("height beyond the allocation", NV_ENC_ERR_RESOURCE_REGISTER_FAILED, "header (RESOURCE_REGISTER_FAILED)",
            [](NV_ENC_REGISTER_RESOURCE& r) { r.height = 2 * H; });
  }
  row("nvEncRegisterResource", "CUDA device pointer, NV12, pitch 512", NV_ENC_SUCCESS, F.nvEncRegisterResource(e, &rr),
      "header", e);
  p = pic(rr.registeredResource, s.out[1]);
  p.inputPitch = 512;
  row("nvEncEncodePicture", "registered but not mapped resource", NV_ENC_ERR_INVALID_PARAM, F.nvEncEncodePicture(e, &p),
      "silent (INVALID_PARAM from its list)", e);
  NV_ENC_MAP_INPUT_RESOURCE mr = {};
  mr.version = NV_ENC_MAP_INPUT_RESOURCE_VER;
  mr.registeredResource = rr.registeredResource;
  row("nvEncMapInputResource", "registered resource", NV_ENC_SUCCESS, F.nvEncMapInputResource(e, &mr), "header", e);
  NV_ENC_MAP_INPUT_RESOURCE mr2 = mr;
  mr2.mappedResource = nullptr;
  row("nvEncMapInputResource", "the same resource while mapped", NV_ENC_SUCCESS, F.nvEncMapInputResource(e, &mr2),
      "silent (each map gets its own handle; the resource stays mapped until both are unmapped)", e);
  row("nvEncUnregisterResource", "while mapped", NV_ENC_ERR_INVALID_CALL,
      F.nvEncUnregisterResource(e, rr.registeredResource), "silent (INVALID_CALL: wrong sequence)", e);
  row("nvEncUnmapInputResource", "second mapping", NV_ENC_SUCCESS, F.nvEncUnmapInputResource(e, mr2.mappedResource),
      "header", e);
  p = pic(mr.mappedResource, s.out[1]);
  p.inputPitch = 512;
  row("nvEncEncodePicture", "mapped resource", NV_ENC_SUCCESS, F.nvEncEncodePicture(e, &p), "header", e);
  row("nvEncLockBitstream", "its output", NV_ENC_SUCCESS, lock(s, s.out[1], &lb), "header", e);
  F.nvEncUnlockBitstream(e, s.out[1]);
  row("nvEncUnmapInputResource", "mapped resource", NV_ENC_SUCCESS, F.nvEncUnmapInputResource(e, mr.mappedResource),
      "header", e);
  row("nvEncUnmapInputResource", "already unmapped", NV_ENC_ERR_RESOURCE_NOT_MAPPED,
      F.nvEncUnmapInputResource(e, mr.mappedResource), "header (RESOURCE_NOT_MAPPED)", e);
  p = pic(mr.mappedResource, s.out[1]);
  row("nvEncEncodePicture", "unmapped (stale) mapping", NV_ENC_ERR_INVALID_PARAM, F.nvEncEncodePicture(e, &p),
      "silent (INVALID_PARAM from its list)", e);
  static int notRegistered;
  mr.registeredResource = &notRegistered;
  row("nvEncMapInputResource", "resource never registered", NV_ENC_ERR_RESOURCE_NOT_REGISTERED,
      F.nvEncMapInputResource(e, &mr), "header (RESOURCE_NOT_REGISTERED)", e);
  row("nvEncUnregisterResource", "registered resource", NV_ENC_SUCCESS,
      F.nvEncUnregisterResource(e, rr.registeredResource), "header", e);
  row("nvEncUnregisterResource", "twice", NV_ENC_ERR_RESOURCE_NOT_REGISTERED,
      F.nvEncUnregisterResource(e, rr.registeredResource), "header (RESOURCE_NOT_REGISTERED)", e);
  rr.registeredResource = nullptr;
  rr.resourceToRegister = &notRegistered;
  row("nvEncRegisterResource", "host address, not CUDA memory", NV_ENC_ERR_RESOURCE_REGISTER_FAILED,
      F.nvEncRegisterResource(e, &rr), "header (RESOURCE_REGISTER_FAILED)", e);

  // End of stream, then more pictures.
  row(
      "nvEncEncodePicture", "NV_ENC_PIC_FLAG_EOS with inputBuffer set", NV_ENC_ERR_INVALID_PARAM,
      [&] {
        NV_ENC_PIC_PARAMS q = pic(s.in[2], s.out[2]);
        q.encodePicFlags = NV_ENC_PIC_FLAG_EOS;
        return F.nvEncEncodePicture(e, &q);
      }(),
      "silent (EOS is sent with a NULL picture)", e);
  row("nvEncEncodePicture", "NV_ENC_PIC_FLAG_EOS", NV_ENC_SUCCESS, eos(s), "header (flush)", e);
  row("nvEncEncodePicture", "a picture after EOS", NV_ENC_SUCCESS, encode(s, 2, 200),
      "silent (the stream starts again)", e);
  row("nvEncLockBitstream", "its output", NV_ENC_SUCCESS, lock(s, s.out[2], &lb), "header", e);
  fact("nvEncLockBitstream", "the picture after EOS is an IDR", lb.pictureType == NV_ENC_PIC_TYPE_IDR, "silent");
  F.nvEncUnlockBitstream(e, s.out[2]);

  // Destroying buffers that are in use: allowed; the handle is dead afterwards.
  row("nvEncEncodePicture", "picture into out[3]", NV_ENC_SUCCESS, encode(s, 3, 300), "header", e);
  row("nvEncLockBitstream", "out[3]", NV_ENC_SUCCESS, lock(s, s.out[3], &lb), "header", e);
  row("nvEncDestroyBitstreamBuffer", "while locked", NV_ENC_SUCCESS, F.nvEncDestroyBitstreamBuffer(e, s.out[3]),
      "silent (the client must release buffers; the handle dies)", e);
  row("nvEncUnlockBitstream", "a destroyed buffer", NV_ENC_ERR_INVALID_PARAM, F.nvEncUnlockBitstream(e, s.out[3]),
      "header (INVALID_PARAM)", e);
  li.inputBuffer = s.in[4];
  F.nvEncLockInputBuffer(e, &li);
  row("nvEncDestroyInputBuffer", "while locked", NV_ENC_SUCCESS, F.nvEncDestroyInputBuffer(e, s.in[4]),
      "silent (the handle dies)", e);
  row("nvEncDestroyInputBuffer", "twice", NV_ENC_ERR_INVALID_PARAM, F.nvEncDestroyInputBuffer(e, s.in[4]),
      "header (INVALID_PARAM)", e);
  row("nvEncEncodePicture", "a destroyed input buffer", NV_ENC_ERR_INVALID_PARAM, encode(s, 4),
      "header (INVALID_PARAM)", e);

  // Reconfigure: what NVIDIA lists as not supported is refused with UNSUPPORTED_PARAM (the only
  // parameter status in nvEncReconfigureEncoder's \return list).
  auto reconf = [&](const char* what, NVENCSTATUS want, const char* doc,
                    const std::function<void(NV_ENC_RECONFIGURE_PARAMS&, NV_ENC_CONFIG&)>& tweak) {
    NV_ENC_CONFIG cfg = s.cfg;
    NV_ENC_RECONFIGURE_PARAMS r = {};
    r.version = NV_ENC_RECONFIGURE_PARAMS_VER;
    r.reInitEncodeParams = s.init;
    r.reInitEncodeParams.encodeConfig = &cfg;
    tweak(r, cfg);
    row("nvEncReconfigureEncoder", what, want, F.nvEncReconfigureEncoder(e, &r), doc, e);
  };
  const NVENCSTATUS UP = NV_ENC_ERR_UNSUPPORTED_PARAM;
  reconf("new averageBitRate", NV_ENC_SUCCESS, "header", [](NV_ENC_RECONFIGURE_PARAMS&, NV_ENC_CONFIG& c) {
    c.rcParams.rateControlMode = NV_ENC_PARAMS_RC_CBR;
    c.rcParams.averageBitRate = 500000;
  });
  {
    NV_ENC_RECONFIGURE_PARAMS r = {};
    r.version = NV_ENC_RECONFIGURE_PARAMS_VER;
    r.reInitEncodeParams = s.init;
    r.reInitEncodeParams.encodeConfig = nullptr;
    r.reInitEncodeParams.darWidth = 16;
    r.reInitEncodeParams.darHeight = 9;
    row("nvEncReconfigureEncoder", "encodeConfig NULL, new darWidth/darHeight (as FFmpeg does)", NV_ENC_SUCCESS,
        F.nvEncReconfigureEncoder(e, &r), "silent (NULL keeps the session's encode configuration)", e);
  }
  reconf("resolution 640x480 within maxEncodeWidth/Height", NV_ENC_SUCCESS, "header",
         [](NV_ENC_RECONFIGURE_PARAMS& r, NV_ENC_CONFIG&) {
           r.reInitEncodeParams.encodeWidth = r.reInitEncodeParams.darWidth = 640;
           r.reInitEncodeParams.encodeHeight = r.reInitEncodeParams.darHeight = 480;
           r.forceIDR = 1;
         });
  reconf("resolution 1280x720 above maxEncodeWidth/Height", UP, "header (resolution change only within max)",
         [](NV_ENC_RECONFIGURE_PARAMS& r, NV_ENC_CONFIG&) {
           r.reInitEncodeParams.encodeWidth = r.reInitEncodeParams.darWidth = 1280;
           r.reInitEncodeParams.encodeHeight = r.reInitEncodeParams.darHeight = 720;
         });
  reconf("different maxEncodeWidth/maxEncodeHeight", UP, "header (\"Change in MaxWidth & MaxHeight\" not supported)",
         [](NV_ENC_RECONFIGURE_PARAMS& r, NV_ENC_CONFIG&) {
           r.reInitEncodeParams.maxEncodeWidth = 1920;
           r.reInitEncodeParams.maxEncodeHeight = 1080;
         });
  reconf("different GOP structure (frameIntervalP 1 -> 3)", UP, "header (\"Change in GOP structure\" not supported)",
         [](NV_ENC_RECONFIGURE_PARAMS&, NV_ENC_CONFIG& c) { c.frameIntervalP = 3; });
  reconf("different GOP structure (gopLength)", UP, "header (\"Change in GOP structure\" not supported)",
         [](NV_ENC_RECONFIGURE_PARAMS&, NV_ENC_CONFIG& c) { c.gopLength = 30; });
  reconf("enableEncodeAsync 0 -> 1", UP, "header (\"Change in sync-Async mode\" not supported)",
         [](NV_ENC_RECONFIGURE_PARAMS& r, NV_ENC_CONFIG&) { r.reInitEncodeParams.enableEncodeAsync = 1; });
  reconf("enablePTD 1 -> 0", UP, "header (\"Change in PTD mode\" not supported)",
         [](NV_ENC_RECONFIGURE_PARAMS& r, NV_ENC_CONFIG&) { r.reInitEncodeParams.enablePTD = 0; });
  reconf(
      "different encodeGUID (HEVC)", UP, "silent (UNSUPPORTED_PARAM from its list)",
      [](NV_ENC_RECONFIGURE_PARAMS& r, NV_ENC_CONFIG&) { r.reInitEncodeParams.encodeGUID = NV_ENC_CODEC_HEVC_GUID; });
  row(
      "nvEncEncodePicture", "after the refused reconfigures (640x480 session)", NV_ENC_SUCCESS,
      [&] {
        NV_ENC_CREATE_INPUT_BUFFER cb = {};
        cb.version = NV_ENC_CREATE_INPUT_BUFFER_VER;
        cb.width = 640;
        cb.height = 480;
        cb.bufferFmt = NV_ENC_BUFFER_FORMAT_NV12;
        F.nvEncCreateInputBuffer(e, &cb);
        NV_ENC_PIC_PARAMS q = pic(cb.inputBuffer, s.out[5], 400);
        q.inputWidth = 640;
        q.inputHeight = 480;
        return F.nvEncEncodePicture(e, &q);
      }(),
      "header", e);
  row("nvEncLockBitstream", "its output", NV_ENC_SUCCESS, lock(s, s.out[5], &lb), "header", e);
  F.nvEncUnlockBitstream(e, s.out[5]);

  // Unsupported modes: documented statuses, not UNIMPLEMENTED (absent from these functions' lists).
  NV_ENC_EVENT_PARAMS ev = {};
  ev.version = NV_ENC_EVENT_PARAMS_VER;
  static int event;
  ev.completionEvent = &event;
  row("nvEncRegisterAsyncEvent", "synchronous session (Linux)", UP, F.nvEncRegisterAsyncEvent(e, &ev),
      "header (async is not supported on Linux; UNSUPPORTED_PARAM from its list)", e);
  row("nvEncUnregisterAsyncEvent", "event never registered", UP, F.nvEncUnregisterAsyncEvent(e, &ev),
      "silent (UNSUPPORTED_PARAM from its list)", e);
  NV_ENC_STAT stat = {};
  stat.version = NV_ENC_STAT_VER;
  stat.outputBitStream = s.out[0];
  row("nvEncGetEncodeStats", "CUDA session", UP, F.nvEncGetEncodeStats(e, &stat),
      "header (\"not supported when encode device type is CUDA\")", e);
  NV_ENC_CREATE_MV_BUFFER mv = {};
  mv.version = NV_ENC_CREATE_MV_BUFFER_VER;
  row("nvEncCreateMVBuffer", "session not in ME-only mode", UP, F.nvEncCreateMVBuffer(e, &mv),
      "silent (UNSUPPORTED_PARAM from its list)", e);
  NV_ENC_MEONLY_PARAMS me = {};
  me.version = NV_ENC_MEONLY_PARAMS_VER;
  row("nvEncRunMotionEstimationOnly", "session not in ME-only mode", UP, F.nvEncRunMotionEstimationOnly(e, &me),
      "silent (UNSUPPORTED_PARAM from its list)", e);
  uint8_t buf[256];
  uint32_t n = 0;
  NV_ENC_SEQUENCE_PARAM_PAYLOAD sp = {};
  sp.version = NV_ENC_SEQUENCE_PARAM_PAYLOAD_VER;
  sp.spsppsBuffer = buf;
  sp.inBufferSize = sizeof buf;
  sp.outSPSPPSPayloadSize = &n;
  row("nvEncGetSequenceParamEx", "initialized session (encInitParams ignored)", NV_ENC_SUCCESS,
      F.nvEncGetSequenceParamEx(e, nullptr, &sp), "header (\"the provided NV_ENC_INITIALIZE_PARAMS is ignored\")", e);
  fact("nvEncGetSequenceParamEx", "SPS first", n > 5 && buf[4] == 0x67, "header");
  sp.inBufferSize = 4;
  row("nvEncGetSequenceParams", "inBufferSize 4", NV_ENC_ERR_NOT_ENOUGH_BUFFER, F.nvEncGetSequenceParams(e, &sp),
      "silent (NOT_ENOUGH_BUFFER: user buffer insufficient)", e);
#if NVENCAPI_MAJOR_VERSION >= 12
  NV_ENC_RESTORE_ENCODER_STATE_PARAMS rs = {};
  rs.version = NV_ENC_RESTORE_ENCODER_STATE_PARAMS_VER;
  row("nvEncRestoreEncoderState", "state advance not disabled", UP, F.nvEncRestoreEncoderState(e, &rs),
      "silent (UNSUPPORTED_PARAM from its list)", e);
  NV_ENC_LOOKAHEAD_PIC_PARAMS la = {};
  la.version = NV_ENC_LOOKAHEAD_PIC_PARAMS_VER;
  la.inputBuffer = s.in[0];
  row("nvEncLookaheadPicture", "external lookahead not enabled", UP, F.nvEncLookaheadPicture(e, &la),
      "silent (UNSUPPORTED_PARAM from its list)", e);
#endif

  // Destroying the encoder with resources alive: the driver frees them.
  auto liveObjects = (int (*)(int*, int*, int*, int*))dlsym(RTLD_DEFAULT, "nvsoft_nvenc_live_objects");
  F.nvEncRegisterResource(e, &rr);  // host address: refused, nothing registered
  rr.resourceToRegister = (void*)dptr;
  F.nvEncRegisterResource(e, &rr);
  mr.registeredResource = rr.registeredResource;
  F.nvEncMapInputResource(e, &mr);
  encode(s, 0, 500);
  lock(s, s.out[0], &lb);
  li.inputBuffer = s.in[1];
  F.nvEncLockInputBuffer(e, &li);
  int ib = -1, bb = -1, regs = -1, maps = -1;
  if (liveObjects) liveObjects(&ib, &bb, &regs, &maps);
  fact("nvsoft_nvenc_live_objects", "before destroy: buffers, a registration and a mapping alive",
       ib > 0 && bb > 0 && regs == 1 && maps == 1, "-");
  row("nvEncDestroyEncoder", "with buffers locked, a resource registered and mapped", NV_ENC_SUCCESS,
      F.nvEncDestroyEncoder(e), "header (\"must free ... before\"; the driver frees what is left)");
  if (liveObjects) liveObjects(&ib, &bb, &regs, &maps);
  fact("nvsoft_nvenc_live_objects", "after destroy: nothing left", ib == 0 && bb == 0 && regs == 0 && maps == 0, "-");
  freeCudaSurface(dptr);
}

// B-frames in synchronous mode (nvEncEncodePicture's documentation): NEED_MORE_INPUT until the
// anchor arrives, no lock before NV_ENC_SUCCESS, outputs in submission order carrying decode order.
void bFrameRows() {
  Session s;
  if (!started(s, "H.264 session with 2 B-frames", 3)) return;
  void* e = s.enc;
  NV_ENC_LOCK_BITSTREAM lb;
  row("nvEncEncodePicture", "B-frames: picture 0 (IDR)", NV_ENC_SUCCESS, encode(s, 0, 0), "header", e);
  row("nvEncEncodePicture", "B-frames: picture 1", NV_ENC_ERR_NEED_MORE_INPUT, encode(s, 1, 1),
      "header (buffered for reordering)", e);
  row("nvEncLockBitstream", "doNotWait on a NEED_MORE_INPUT buffer", NV_ENC_ERR_LOCK_BUSY, lock(s, s.out[1], &lb, true),
      "header (LOCK_BUSY with doNotWait)", e);
  row("nvEncLockBitstream", "blocking lock on a NEED_MORE_INPUT buffer", NV_ENC_ERR_INVALID_CALL,
      lock(s, s.out[1], &lb), "header (\"must not lock\"; INVALID_CALL: wrong sequence)", e);
  row("nvEncEncodePicture", "B-frames: picture 2", NV_ENC_ERR_NEED_MORE_INPUT, encode(s, 2, 2),
      "header (buffered for reordering)", e);
  row("nvEncEncodePicture", "B-frames: picture 3 (P anchor)", NV_ENC_SUCCESS, encode(s, 3, 3),
      "header (anchor and buffered pictures submitted)", e);
  // FFmpeg keeps pictures in flight and locks later; a client that locks at once is served too,
  // but the software engine then continues without B-frames (README, "What it cannot emulate").
  row("nvEncEncodePicture", "B-frames: picture 4", NV_ENC_ERR_NEED_MORE_INPUT, encode(s, 4, 4), "header", e);
  row("nvEncEncodePicture", "B-frames: picture 5", NV_ENC_ERR_NEED_MORE_INPUT, encode(s, 5, 5), "header", e);
  NV_ENC_PIC_TYPE types[4];
  uint64_t ts[4];
  bool locked = true;
  for (int i = 0; i < 4; i++) {
    locked = locked && lock(s, s.out[i], &lb) == NV_ENC_SUCCESS;
    types[i] = lb.pictureType;
    ts[i] = lb.outputTimeStamp;
    F.nvEncUnlockBitstream(e, s.out[i]);
  }
  fact("nvEncLockBitstream", "buffers locked in submission order give I P B B with timestamps 0 3 1 2",
       locked && types[0] == NV_ENC_PIC_TYPE_IDR && types[1] == NV_ENC_PIC_TYPE_P && types[2] == NV_ENC_PIC_TYPE_B &&
           types[3] == NV_ENC_PIC_TYPE_B && ts[0] == 0 && ts[1] == 3 && ts[2] == 1 && ts[3] == 2,
       "header (synchronous example: O2 holds P3, O3 holds B2)");
  row("nvEncLockBitstream", "doNotWait on a buffer still waiting for its anchor", NV_ENC_ERR_LOCK_BUSY,
      lock(s, s.out[4], &lb, true), "header (LOCK_BUSY with doNotWait)", e);
  row("nvEncDestroyBitstreamBuffer", "while its picture is pending", NV_ENC_SUCCESS,
      F.nvEncDestroyBitstreamBuffer(e, s.out[5]), "silent (the handle dies; the picture is still encoded)", e);
  row("nvEncEncodePicture", "EOS with two pictures pending", NV_ENC_SUCCESS, eos(s), "header (flush)", e);
  row("nvEncLockBitstream", "a pending picture after EOS", NV_ENC_SUCCESS, lock(s, s.out[4], &lb), "header", e);
  uint64_t flushed = lb.outputTimeStamp;
  F.nvEncUnlockBitstream(e, s.out[4]);
  row("nvEncLockBitstream", "the destroyed buffer", NV_ENC_ERR_INVALID_PARAM, lock(s, s.out[5], &lb),
      "header (INVALID_PARAM)", e);
  fact("nvEncLockBitstream", "the flushed picture in out[4] is picture 4 or 5 (decode order)",
       flushed == 4 || flushed == 5, "header");
  F.nvEncDestroyEncoder(e);
}

}  // namespace

int main() {
  setenv("NVENC_SOFT_MAX_API", "12.1", 1);
  void* lib = dlopen("libnvidia-encode.so.1", RTLD_NOW | RTLD_GLOBAL);
  cu = dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL);
  if (!lib || !cu) {
    fprintf(stderr, "cannot load libraries: %s\n", dlerror());
    return 1;
  }
  cusym<CUresult CUDAAPI(unsigned)>("cuInit")(0);
  CUcontext popped;
  cusym<CUresult CUDAAPI(CUcontext*, unsigned, CUdevice)>("cuCtxCreate_v2")(&gCtx, 0, 0);
  cusym<CUresult CUDAAPI(CUcontext*)>("cuCtxPopCurrent_v2")(&popped);

  printf("NVENC API %d.%d conformance (software device)\n\n", NVENCAPI_MAJOR_VERSION, NVENCAPI_MINOR_VERSION);
  printf("| function | input | documented | got | source | |\n|---|---|---|---|---|---|\n");
  entryPoints(lib);
  openSessionRows();
  handleRows();
  notInitializedRows();
  nullPointerRows();
  versionRows();
  queryAndInitRows();
  bufferRows();
  bFrameRows();
  auto live = (int (*)(void))dlsym(lib, "nvsoft_nvenc_live_sessions");
  fact("nvsoft_nvenc_live_sessions", "every session of the table was destroyed", live && live() == 0, "-");
  printf("\nconformance: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}

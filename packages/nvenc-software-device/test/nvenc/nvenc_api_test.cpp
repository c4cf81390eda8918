#include <algorithm>
// API behaviour test for the software NVENC device, compiled once per NVENC header (11.1, 12.1).
// Loads libnvidia-encode.so.1 and libcuda.so.1 by soname (LD_LIBRARY_PATH = build/lib).
#include <dlfcn.h>
#include <stdlib.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <ffnvcodec/dynlink_cuda.h>
#include <ffnvcodec/nvEncodeAPI.h>

#include "check.hpp"

#ifdef NVSOFT_TEST_API_MINOR
// A client built against another minor version of the same major: NVENCAPI_VERSION and every
// *_VER macro expand NVENCAPI_MINOR_VERSION where they are used, so redefining it here gives the
// struct versions such a client sends (the layouts are this header's).
#undef NVENCAPI_MINOR_VERSION
#define NVENCAPI_MINOR_VERSION NVSOFT_TEST_API_MINOR
#endif

#define EXPECT_ST(expr, want)                                                                      \
  do {                                                                                             \
    NVENCSTATUS st_ = (expr);                                                                      \
    CHECK(st_ == (want), "%s returned %d, want %d (%s)", #expr, (int)st_, (int)(want), lastErr()); \
  } while (0)

static NV_ENCODE_API_FUNCTION_LIST F;
static void* gEnc = nullptr;
static const char* lastErr() { return F.nvEncGetLastErrorString ? F.nvEncGetLastErrorString(gEnc) : ""; }

// CUDA
typedef CUresult CUDAAPI tInit(unsigned);
typedef CUresult CUDAAPI tDevGet(CUdevice*, int);
typedef CUresult CUDAAPI tCtxCreate(CUcontext*, unsigned, CUdevice);
typedef CUresult CUDAAPI tCtxDestroy(CUcontext);
typedef CUresult CUDAAPI tAlloc(CUdeviceptr*, size_t);
typedef CUresult CUDAAPI tFree(CUdeviceptr);
typedef CUresult CUDAAPI tHtoD(CUdeviceptr, const void*, size_t);
typedef CUresult CUDAAPI tPop(CUcontext*);
static tAlloc* cuAlloc;
static tFree* cuFree;
static tHtoD* cuHtoD;
static CUcontext gCtx;

static bool contains(const uint8_t* d, size_t n, const void* pat, size_t m) {
  for (size_t i = 0; i + m <= n; i++)
    if (memcmp(d + i, pat, m) == 0) return true;
  return false;
}

static void* openSession(uint32_t apiVersion = NVENCAPI_VERSION, NVENCSTATUS* out = nullptr) {
  NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS p = {};
  p.version = NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS_VER;
  p.deviceType = NV_ENC_DEVICE_TYPE_CUDA;
  p.device = gCtx;
  p.apiVersion = apiVersion;
  void* enc = nullptr;
  NVENCSTATUS st = F.nvEncOpenEncodeSessionEx(&p, &enc);
  if (out) *out = st;
  return st == NV_ENC_SUCCESS ? enc : nullptr;
}

struct Enc {
  void* enc = nullptr;
  NV_ENC_CONFIG cfg = {};
  NV_ENC_INITIALIZE_PARAMS init = {};
  std::vector<NV_ENC_INPUT_PTR> in;
  std::vector<NV_ENC_OUTPUT_PTR> out;
};

// Set by a test to change the configuration just before nvEncInitializeEncoder.
static void (*gTweak)(Enc&) = nullptr;

static NVENCSTATUS initEncoder(Enc& e, GUID codec, uint32_t w, uint32_t h, int frameIntervalP,
                               NV_ENC_BUFFER_FORMAT fmt = NV_ENC_BUFFER_FORMAT_NV12) {
  NV_ENC_PRESET_CONFIG pc = {};
  pc.version = NV_ENC_PRESET_CONFIG_VER;
  pc.presetCfg.version = NV_ENC_CONFIG_VER;
  NVENCSTATUS st =
      F.nvEncGetEncodePresetConfigEx(e.enc, codec, NV_ENC_PRESET_P3_GUID, NV_ENC_TUNING_INFO_HIGH_QUALITY, &pc);
  if (st) return st;
  e.cfg = pc.presetCfg;
  e.cfg.frameIntervalP = frameIntervalP;
  e.cfg.gopLength = 1000;
  e.cfg.rcParams.rateControlMode = NV_ENC_PARAMS_RC_CONSTQP;
  e.cfg.rcParams.constQP = {24, 26, 22};
  if (!memcmp(&codec, &NV_ENC_CODEC_H264_GUID, sizeof(GUID))) {
    e.cfg.encodeCodecConfig.h264Config.idrPeriod = 1000;
    e.cfg.encodeCodecConfig.h264Config.repeatSPSPPS = 1;
  }
  if (!memcmp(&codec, &NV_ENC_CODEC_HEVC_GUID, sizeof(GUID))) e.cfg.encodeCodecConfig.hevcConfig.idrPeriod = 1000;
  e.init = {};
  e.init.version = NV_ENC_INITIALIZE_PARAMS_VER;
  e.init.encodeGUID = codec;
  e.init.presetGUID = NV_ENC_PRESET_P3_GUID;
  e.init.tuningInfo = NV_ENC_TUNING_INFO_HIGH_QUALITY;
  e.init.encodeWidth = w;
  e.init.encodeHeight = h;
  e.init.darWidth = w;
  e.init.darHeight = h;
  e.init.frameRateNum = 30;
  e.init.frameRateDen = 1;
  e.init.enablePTD = 1;
  e.init.encodeConfig = &e.cfg;
  e.init.maxEncodeWidth = 1280;
  e.init.maxEncodeHeight = 720;
  if (gTweak) gTweak(e);
  st = F.nvEncInitializeEncoder(e.enc, &e.init);
  if (st) return st;
  for (int i = 0; i < 8; i++) {
    NV_ENC_CREATE_INPUT_BUFFER cb = {};
    cb.version = NV_ENC_CREATE_INPUT_BUFFER_VER;
    cb.width = w;
    cb.height = h;
    cb.bufferFmt = fmt;
    if ((st = F.nvEncCreateInputBuffer(e.enc, &cb))) return st;
    e.in.push_back(cb.inputBuffer);
    NV_ENC_CREATE_BITSTREAM_BUFFER bb = {};
    bb.version = NV_ENC_CREATE_BITSTREAM_BUFFER_VER;
    if ((st = F.nvEncCreateBitstreamBuffer(e.enc, &bb))) return st;
    e.out.push_back(bb.bitstreamBuffer);
  }
  return NV_ENC_SUCCESS;
}

static void fillInput(Enc& e, int idx, uint32_t w, uint32_t h, int frame, NV_ENC_BUFFER_FORMAT fmt,
                      const uint8_t* px = nullptr) {
  NV_ENC_LOCK_INPUT_BUFFER l = {};
  l.version = NV_ENC_LOCK_INPUT_BUFFER_VER;
  l.inputBuffer = e.in[idx];
  EXPECT_ST(F.nvEncLockInputBuffer(e.enc, &l), NV_ENC_SUCCESS);
  uint8_t* d = (uint8_t*)l.bufferDataPtr;
  if (fmt == NV_ENC_BUFFER_FORMAT_NV12) {
    for (uint32_t y = 0; y < h; y++)
      for (uint32_t x = 0; x < w; x++) d[y * l.pitch + x] = (uint8_t)((x + y + frame * 4) & 0xff);
    for (uint32_t y = 0; y < h / 2; y++) memset(d + (h + y) * l.pitch, 128, w);
  } else {
    for (uint32_t y = 0; y < h; y++)
      for (uint32_t x = 0; x < w; x++) memcpy(d + y * l.pitch + x * 4, px, 4);
  }
  EXPECT_ST(F.nvEncUnlockInputBuffer(e.enc, e.in[idx]), NV_ENC_SUCCESS);
}

static NVENCSTATUS encodeFrame(Enc& e, int idx, uint32_t w, uint32_t h, uint64_t ts, uint32_t flags = 0,
                               NV_ENC_BUFFER_FORMAT fmt = NV_ENC_BUFFER_FORMAT_NV12,
                               NV_ENC_SEI_PAYLOAD* sei = nullptr) {
  NV_ENC_PIC_PARAMS p = {};
  p.version = NV_ENC_PIC_PARAMS_VER;
  p.inputBuffer = e.in[idx];
  p.outputBitstream = e.out[idx];
  p.inputWidth = w;
  p.inputHeight = h;
  p.bufferFmt = fmt;
  p.pictureStruct = NV_ENC_PIC_STRUCT_FRAME;
  p.inputTimeStamp = ts;
  p.inputDuration = 1000;
  p.encodePicFlags = flags;
  if (sei) {
    p.codecPicParams.h264PicParams.seiPayloadArray = sei;
    p.codecPicParams.h264PicParams.seiPayloadArrayCnt = 1;
  }
  return F.nvEncEncodePicture(e.enc, &p);
}

struct Out {
  std::vector<uint8_t> data;
  NV_ENC_PIC_TYPE type;
  uint64_t ts;
  uint32_t qp;
};
static bool lockOut(Enc& e, int idx, Out& o) {
  NV_ENC_LOCK_BITSTREAM lb = {};
  lb.version = NV_ENC_LOCK_BITSTREAM_VER;
  lb.outputBitstream = e.out[idx];
  NVENCSTATUS st = F.nvEncLockBitstream(e.enc, &lb);
  CHECK(st == NV_ENC_SUCCESS, "lock %d: %d %s", idx, st, lastErr());
  if (st) return false;
  o.data.assign((uint8_t*)lb.bitstreamBufferPtr, (uint8_t*)lb.bitstreamBufferPtr + lb.bitstreamSizeInBytes);
  o.type = lb.pictureType;
  o.ts = lb.outputTimeStamp;
  o.qp = lb.frameAvgQP;
  EXPECT_ST(F.nvEncUnlockBitstream(e.enc, e.out[idx]), NV_ENC_SUCCESS);
  return true;
}

static void destroy(Enc& e) {
  for (auto b : e.in) F.nvEncDestroyInputBuffer(e.enc, b);
  for (auto b : e.out) F.nvEncDestroyBitstreamBuffer(e.enc, b);
  EXPECT_ST(F.nvEncDestroyEncoder(e.enc), NV_ENC_SUCCESS);
}

int main() {
  const std::string apiText = std::to_string(NVENCAPI_MAJOR_VERSION) + "." + std::to_string(NVENCAPI_MINOR_VERSION);
  const char* api = apiText.c_str();
  setenv("NVENC_SOFT_MAX_API", "12.1", 1);
  void* lib = dlopen("libnvidia-encode.so.1", RTLD_NOW);
  void* cu = dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL);
  if (!lib || !cu) {
    fprintf(stderr, "cannot load libraries: %s\n", dlerror());
    return 1;
  }
  auto getMax = (NVENCSTATUS(*)(uint32_t*))dlsym(lib, "NvEncodeAPIGetMaxSupportedVersion");
  auto create = (NVENCSTATUS(*)(NV_ENCODE_API_FUNCTION_LIST*))dlsym(lib, "NvEncodeAPICreateInstance");
  auto live = (int (*)(void))dlsym(lib, "nvsoft_nvenc_live_sessions");
  auto ident = (const char* (*)(void))dlsym(lib, "nvsoft_nvenc_identify");
  CHECK(getMax && create && live && ident, "exports missing");
  printf("ABI %s: %s\n", api, ident());

  // ---- versions
  uint32_t v = 0;
  EXPECT_ST(getMax(&v), NV_ENC_SUCCESS);
  CHECK(v == ((12u << 4) | 1u), "max version %x", v);
  setenv("NVENC_SOFT_MAX_API", "11.1", 1);
  getMax(&v);
  CHECK(v == ((11u << 4) | 1u), "max version with NVENC_SOFT_MAX_API=11.1: %x", v);
  EXPECT_ST(getMax(nullptr), NV_ENC_ERR_INVALID_PTR);
  // NVIDIA documents only SUCCESS and INVALID_PTR for NvEncodeAPICreateInstance (its driver filled
  // a list of version 99): a client newer than the driver is refused at session open (below).
  memset(&F, 0, sizeof F);
  F.version = NV_ENCODE_API_FUNCTION_LIST_VER;
  EXPECT_ST(create(&F), NV_ENC_SUCCESS);
  setenv("NVENC_SOFT_MAX_API", "12.1", 1);
  EXPECT_ST(create(nullptr), NV_ENC_ERR_INVALID_PTR);
  memset(&F, 0, sizeof F);
  F.version = NV_ENCODE_API_FUNCTION_LIST_VER;
  EXPECT_ST(create(&F), NV_ENC_SUCCESS);
  CHECK(F.nvEncOpenEncodeSessionEx && F.nvEncEncodePicture && F.nvEncGetLastErrorString, "function list not filled");

  // ---- CUDA context (software CUDA here, NVIDIA's on a GPU machine)
  ((tInit*)dlsym(cu, "cuInit"))(0);
  CUdevice dev;
  ((tDevGet*)dlsym(cu, "cuDeviceGet"))(&dev, 0);
  CHECK(((tCtxCreate*)dlsym(cu, "cuCtxCreate_v2"))(&gCtx, 0, dev) == CUDA_SUCCESS, "cuCtxCreate");
  CUcontext popped;
  ((tPop*)dlsym(cu, "cuCtxPopCurrent_v2"))(&popped);
  cuAlloc = (tAlloc*)dlsym(cu, "cuMemAlloc_v2");
  cuFree = (tFree*)dlsym(cu, "cuMemFree_v2");
  cuHtoD = (tHtoD*)dlsym(cu, "cuMemcpyHtoD_v2");

#ifdef NVSOFT_TEST_EXPECT_REFUSED
  // A client whose struct layouts the device does not know: refused at session open with the
  // driver's status for an unsupported version, and a message naming the version.
  {
    NVENCSTATUS st;
    void* enc = openSession(NVENCAPI_VERSION, &st);
    const char* msg = F.nvEncGetLastErrorString(nullptr);
    CHECK(!enc && st == NV_ENC_ERR_INVALID_VERSION, "API %s session open returned %d", api, (int)st);
    CHECK(strstr(msg, (std::string("NVENC API ") + api + " is not implemented").c_str()) != nullptr, "error string: %s",
          msg);
    CHECK(live() == 0, "live sessions %d", live());
    printf("API %s refused: %s\n", api, msg);
    printf("%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
  }
#endif

  // ---- session open validation
  NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS op = {};
  op.version = NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS_VER + (1 << 16);  // wrong struct version
  op.deviceType = NV_ENC_DEVICE_TYPE_CUDA;
  op.device = gCtx;
  op.apiVersion = NVENCAPI_VERSION;
  void* enc = nullptr;
  EXPECT_ST(F.nvEncOpenEncodeSessionEx(&op, &enc), NV_ENC_ERR_INVALID_VERSION);
  op.version = NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS_VER;
  op.device = nullptr;
  EXPECT_ST(F.nvEncOpenEncodeSessionEx(&op, &enc), NV_ENC_ERR_INVALID_PTR);
  CHECK(strlen(F.nvEncGetLastErrorString(nullptr)) > 5, "global last error");
  NVENCSTATUS st;
  openSession(13 | (0 << 24), &st);
  CHECK(st == NV_ENC_ERR_INVALID_VERSION, "apiVersion 13.0 > max: %d", st);
  setenv("NVENC_SOFT_MAX_API", "11.1", 1);
  if (void* old = openSession(NVENCAPI_VERSION, &st)) F.nvEncDestroyEncoder(old);
  CHECK(st == (NVENCAPI_MAJOR_VERSION >= 12 ? NV_ENC_ERR_INVALID_VERSION : NV_ENC_SUCCESS),
        "API %s client with a driver whose maximum is 11.1: %d", api, st);
  setenv("NVENC_SOFT_MAX_API", "12.1", 1);

  Enc e;
  e.enc = openSession();
  gEnc = e.enc;
  CHECK(e.enc, "open session");
  CHECK(live() == 1, "live sessions %d", live());

  // before initialize
  NV_ENC_CREATE_INPUT_BUFFER cb = {};
  cb.version = NV_ENC_CREATE_INPUT_BUFFER_VER;
  cb.width = 64;
  cb.height = 64;
  cb.bufferFmt = NV_ENC_BUFFER_FORMAT_NV12;
  EXPECT_ST(F.nvEncCreateInputBuffer(e.enc, &cb), NV_ENC_ERR_ENCODER_NOT_INITIALIZED);
  CHECK(strstr(lastErr(), "before nvEncInitializeEncoder"), "error string: %s", lastErr());

  // enumeration
  uint32_t n = 0;
  EXPECT_ST(F.nvEncGetEncodeGUIDCount(e.enc, &n), NV_ENC_SUCCESS);
  std::vector<GUID> guids(n);
  EXPECT_ST(F.nvEncGetEncodeGUIDs(e.enc, guids.data(), n, &n), NV_ENC_SUCCESS);
  bool hasAV1 = false;
#if NVENCAPI_MAJOR_VERSION >= 12
  for (auto& g : guids)
    if (!memcmp(&g, &NV_ENC_CODEC_AV1_GUID, sizeof g)) hasAV1 = true;
#endif
  CHECK(n >= 2, "codec count %u", n);
  EXPECT_ST(F.nvEncGetEncodePresetCount(e.enc, NV_ENC_CODEC_H264_GUID, &n), NV_ENC_SUCCESS);
#if NVENCAPI_MAJOR_VERSION < 12
  // P1..P7 plus the nine deprecated presets, which 11.x clients (GStreamer 1.22) look up by GUID.
  CHECK(n == 16, "preset count %u", n);
  {
    std::vector<GUID> presets(n);
    EXPECT_ST(F.nvEncGetEncodePresetGUIDs(e.enc, NV_ENC_CODEC_H264_GUID, presets.data(), n, &n), NV_ENC_SUCCESS);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    const GUID ll = NV_ENC_PRESET_LOW_LATENCY_HQ_GUID;
#pragma GCC diagnostic pop
    bool listed = false;
    for (auto& g : presets) listed = listed || !memcmp(&g, &ll, sizeof g);
    CHECK(listed, "legacy NV_ENC_PRESET_LOW_LATENCY_HQ_GUID is enumerated for an 11.x client");
  }
#else
  CHECK(n == 7, "preset count %u", n);
#endif
  EXPECT_ST(F.nvEncGetInputFormatCount(e.enc, NV_ENC_CODEC_H264_GUID, &n), NV_ENC_SUCCESS);
  std::vector<NV_ENC_BUFFER_FORMAT> fmts(n);
  EXPECT_ST(F.nvEncGetInputFormats(e.enc, NV_ENC_CODEC_H264_GUID, fmts.data(), n, &n), NV_ENC_SUCCESS);
  EXPECT_ST(F.nvEncGetEncodeProfileGUIDCount(e.enc, NV_ENC_CODEC_HEVC_GUID, &n), NV_ENC_SUCCESS);
  GUID bogus = {1, 2, 3, {4, 5, 6, 7, 8, 9, 10, 11}};
  EXPECT_ST(F.nvEncGetEncodeProfileGUIDCount(e.enc, bogus, &n), NV_ENC_ERR_INVALID_PARAM);
  NV_ENC_CAPS_PARAM cp = {};
  cp.version = NV_ENC_CAPS_PARAM_VER;
  int cv = -1;
  struct {
    NV_ENC_CAPS c;
    int want;
  } caps[] = {{NV_ENC_CAPS_WIDTH_MAX, 4096},          {NV_ENC_CAPS_HEIGHT_MAX, 4096},
              {NV_ENC_CAPS_NUM_MAX_BFRAMES, 4},       {NV_ENC_CAPS_ASYNC_ENCODE_SUPPORT, 0},
              {NV_ENC_CAPS_SUPPORT_YUV444_ENCODE, 1}, {NV_ENC_CAPS_SUPPORT_LOSSLESS_ENCODE, 1},
              {NV_ENC_CAPS_SUPPORT_10BIT_ENCODE, 0}};
  for (auto& c : caps) {
    cp.capsToQuery = c.c;
    EXPECT_ST(F.nvEncGetEncodeCaps(e.enc, NV_ENC_CODEC_H264_GUID, &cp, &cv), NV_ENC_SUCCESS);
    CHECK(cv == c.want, "caps %d = %d, want %d", (int)c.c, cv, c.want);
  }
  cp.capsToQuery = NV_ENC_CAPS_SUPPORT_10BIT_ENCODE;
  F.nvEncGetEncodeCaps(e.enc, NV_ENC_CODEC_HEVC_GUID, &cp, &cv);
  CHECK(cv == 1, "HEVC 10-bit cap");
  cp.version = 0x1234;
  EXPECT_ST(F.nvEncGetEncodeCaps(e.enc, NV_ENC_CODEC_H264_GUID, &cp, &cv), NV_ENC_ERR_INVALID_VERSION);
  NV_ENC_PRESET_CONFIG pc = {};
  pc.version = NV_ENC_PRESET_CONFIG_VER;
  pc.presetCfg.version = NV_ENC_CONFIG_VER;
  EXPECT_ST(F.nvEncGetEncodePresetConfigEx(e.enc, NV_ENC_CODEC_H264_GUID, bogus, NV_ENC_TUNING_INFO_LOW_LATENCY, &pc),
            NV_ENC_ERR_INVALID_PARAM);
  EXPECT_ST(F.nvEncGetEncodePresetConfigEx(e.enc, NV_ENC_CODEC_H264_GUID, NV_ENC_PRESET_P1_GUID,
                                           NV_ENC_TUNING_INFO_ULTRA_LOW_LATENCY, &pc),
            NV_ENC_SUCCESS);
  CHECK(pc.presetCfg.frameIntervalP == 1 && pc.presetCfg.rcParams.rateControlMode == NV_ENC_PARAMS_RC_CBR,
        "ULL preset: P=%d rc=%d", pc.presetCfg.frameIntervalP, (int)pc.presetCfg.rcParams.rateControlMode);
  EXPECT_ST(F.nvEncGetEncodePresetConfig(e.enc, NV_ENC_CODEC_HEVC_GUID, NV_ENC_PRESET_P7_GUID, &pc), NV_ENC_SUCCESS);
  CHECK(pc.presetCfg.frameIntervalP == 3, "P7 HQ uses B-frames");
  pc.presetCfg.version = 7;
  EXPECT_ST(F.nvEncGetEncodePresetConfig(e.enc, NV_ENC_CODEC_HEVC_GUID, NV_ENC_PRESET_P7_GUID, &pc),
            NV_ENC_ERR_INVALID_VERSION);

  // too large
  {
    Enc big;
    big.enc = openSession();
    gEnc = big.enc;
    EXPECT_ST(initEncoder(big, NV_ENC_CODEC_H264_GUID, 8192, 8192, 1), NV_ENC_ERR_INVALID_PARAM);
    CHECK(strstr(lastErr(), "4096"), "size error text: %s", lastErr());
    destroy(big);
  }
  gEnc = e.enc;

  // ---- H.264 with 2 B-frames: NEED_MORE_INPUT pattern, decode-order output, timestamps
  const uint32_t W = 320, H = 240;
  EXPECT_ST(initEncoder(e, NV_ENC_CODEC_H264_GUID, W, H, 3), NV_ENC_SUCCESS);
  EXPECT_ST(F.nvEncInitializeEncoder(e.enc, &e.init), NV_ENC_ERR_INVALID_CALL);
  // lock pairing
  NV_ENC_LOCK_INPUT_BUFFER li = {};
  li.version = NV_ENC_LOCK_INPUT_BUFFER_VER;
  li.inputBuffer = e.in[0];
  EXPECT_ST(F.nvEncLockInputBuffer(e.enc, &li), NV_ENC_SUCCESS);
  EXPECT_ST(F.nvEncLockInputBuffer(e.enc, &li), NV_ENC_ERR_LOCK_BUSY);
  EXPECT_ST(encodeFrame(e, 0, W, H, 0), NV_ENC_ERR_LOCK_BUSY);
  EXPECT_ST(F.nvEncUnlockInputBuffer(e.enc, e.in[0]), NV_ENC_SUCCESS);
  EXPECT_ST(F.nvEncUnlockInputBuffer(e.enc, e.in[0]), NV_ENC_ERR_INVALID_CALL);
  NV_ENC_LOCK_BITSTREAM lb = {};
  lb.version = NV_ENC_LOCK_BITSTREAM_VER;
  lb.outputBitstream = e.out[0];
  EXPECT_ST(F.nvEncLockBitstream(e.enc, &lb), NV_ENC_ERR_INVALID_PARAM);  // nothing submitted
  lb.version = 0;
  EXPECT_ST(F.nvEncLockBitstream(e.enc, &lb), NV_ENC_ERR_INVALID_VERSION);
  // sequence params
  uint8_t sps[512];
  uint32_t spsSize = 0;
  NV_ENC_SEQUENCE_PARAM_PAYLOAD sp = {};
  sp.version = NV_ENC_SEQUENCE_PARAM_PAYLOAD_VER;
  sp.inBufferSize = sizeof sps;
  sp.spsppsBuffer = sps;
  sp.outSPSPPSPayloadSize = &spsSize;
  EXPECT_ST(F.nvEncGetSequenceParams(e.enc, &sp), NV_ENC_SUCCESS);
  CHECK(spsSize > 8 && sps[4] == 0x67, "SPS first: size %u byte %02x", spsSize, sps[4]);

  // FFmpeg-like client: keeps pictures in flight, locks after EOS. I B B P B B P
  const int N = 7;
  NVENCSTATUS expect[N] = {NV_ENC_SUCCESS, NV_ENC_ERR_NEED_MORE_INPUT, NV_ENC_ERR_NEED_MORE_INPUT,
                           NV_ENC_SUCCESS, NV_ENC_ERR_NEED_MORE_INPUT, NV_ENC_ERR_NEED_MORE_INPUT,
                           NV_ENC_SUCCESS};
  std::vector<Out> outs;
  static const uint8_t uuid[16] = {0x6e, 0x76, 0x65, 0x6e, 0x63, 0x2d, 0x74, 0x73,
                                   0x2d, 0x73, 0x65, 0x69, 0x2d, 0x74, 0x65, 0x73};
  uint8_t seiData[20];
  memcpy(seiData, uuid, 16);
  memcpy(seiData + 16, "ok!!", 4);
  NV_ENC_SEI_PAYLOAD sei = {sizeof seiData, 5, seiData};
  for (int i = 0; i < N; i++) {
    fillInput(e, i, W, H, i, NV_ENC_BUFFER_FORMAT_NV12);
    NVENCSTATUS s = encodeFrame(e, i, W, H, 1000 + i * 33, 0, NV_ENC_BUFFER_FORMAT_NV12, i == 3 ? &sei : nullptr);
    CHECK(s == expect[i], "frame %d: %d want %d (%s)", i, s, expect[i], lastErr());
    if (i == 1) {
      lb.version = NV_ENC_LOCK_BITSTREAM_VER;
      lb.outputBitstream = e.out[1];
      lb.doNotWait = 1;
      EXPECT_ST(F.nvEncLockBitstream(e.enc, &lb), NV_ENC_ERR_LOCK_BUSY);  // still pending
      lb.doNotWait = 0;
      EXPECT_ST(F.nvEncLockBitstream(e.enc, &lb), NV_ENC_ERR_INVALID_CALL);
    }
  }
  NV_ENC_PIC_PARAMS eos = {};
  eos.version = NV_ENC_PIC_PARAMS_VER;
  eos.encodePicFlags = NV_ENC_PIC_FLAG_EOS;
  EXPECT_ST(F.nvEncEncodePicture(e.enc, &eos), NV_ENC_SUCCESS);
  for (int k = 0; k < N; k++) {
    Out o;
    if (lockOut(e, k, o)) outs.push_back(o);
  }
  CHECK(outs.size() == 7, "outputs %zu", outs.size());
  if (outs.size() == 7) {
    NV_ENC_PIC_TYPE wantType[7] = {NV_ENC_PIC_TYPE_IDR, NV_ENC_PIC_TYPE_P, NV_ENC_PIC_TYPE_B, NV_ENC_PIC_TYPE_B,
                                   NV_ENC_PIC_TYPE_P,   NV_ENC_PIC_TYPE_B, NV_ENC_PIC_TYPE_B};
    uint64_t wantTs[7] = {1000, 1099, 1033, 1066, 1198, 1132, 1165};
    for (int i = 0; i < 7; i++) {
      CHECK(outs[i].type == wantType[i], "out %d type %d want %d", i, outs[i].type, wantType[i]);
      CHECK(outs[i].ts == wantTs[i], "out %d ts %llu want %llu", i, (unsigned long long)outs[i].ts,
            (unsigned long long)wantTs[i]);
      CHECK(outs[i].data.size() > 4 && outs[i].data[0] == 0 && outs[i].data[1] == 0, "Annex B start code");
      CHECK(outs[i].qp > 0 && outs[i].qp < 52, "frameAvgQP %u", outs[i].qp);
    }
    CHECK(contains(outs[0].data.data(), outs[0].data.size(), "\x00\x00\x00\x01\x67", 5), "SPS in IDR access unit");
    CHECK(contains(outs[1].data.data(), outs[1].data.size(), uuid, 16), "SEI payload in P3's access unit");
  }
  // strict client (locks right after NV_ENC_SUCCESS): served by a catch-up flush, then no B-frames
  {
    int pending = 0;
    for (int i = 0; i < 6; i++) {
      fillInput(e, i, W, H, 20 + i, NV_ENC_BUFFER_FORMAT_NV12);
      NVENCSTATUS s = encodeFrame(e, i, W, H, 3000 + i);
      CHECK(s == NV_ENC_SUCCESS || s == NV_ENC_ERR_NEED_MORE_INPUT, "strict %d: %d", i, s);
      if (s == NV_ENC_SUCCESS) {
        for (int k = pending; k <= i; k++) {
          Out o;
          lockOut(e, k, o);
        }
        pending = i + 1;
      }
    }
    CHECK(pending == 6, "strict client got every picture (%d)", pending);
  }
  // forced IDR after EOS / mid-stream
  EXPECT_ST(F.nvEncEncodePicture(e.enc, &eos), NV_ENC_SUCCESS);
  fillInput(e, 0, W, H, 9, NV_ENC_BUFFER_FORMAT_NV12);
  EXPECT_ST(encodeFrame(e, 0, W, H, 5000), NV_ENC_SUCCESS);
  {
    Out o;
    lockOut(e, 0, o);
    CHECK(o.type == NV_ENC_PIC_TYPE_IDR, "first frame after EOS is IDR (%d)", o.type);
  }
  fillInput(e, 1, W, H, 10, NV_ENC_BUFFER_FORMAT_NV12);
  EXPECT_ST(encodeFrame(e, 1, W, H, 5033, NV_ENC_PIC_FLAG_FORCEIDR), NV_ENC_SUCCESS);
  {
    Out o;
    lockOut(e, 1, o);
    CHECK(o.type == NV_ENC_PIC_TYPE_IDR, "FORCEIDR frame type %d", o.type);
    CHECK(o.ts == 5033, "ts");
  }
  // reconfigure: bitrate + resolution change (within maxEncodeWidth/Height)
  NV_ENC_RECONFIGURE_PARAMS rp = {};
  rp.version = NV_ENC_RECONFIGURE_PARAMS_VER;
  rp.reInitEncodeParams = e.init;
  rp.reInitEncodeParams.encodeWidth = 640;
  rp.reInitEncodeParams.encodeHeight = 480;
  rp.forceIDR = 1;
  EXPECT_ST(F.nvEncReconfigureEncoder(e.enc, &rp), NV_ENC_SUCCESS);
  rp.reInitEncodeParams.encodeWidth = 1920;
  rp.reInitEncodeParams.encodeHeight = 1080;
  EXPECT_ST(F.nvEncReconfigureEncoder(e.enc, &rp), NV_ENC_ERR_UNSUPPORTED_PARAM);  // beyond maxEncodeWidth/Height
  destroy(e);
  CHECK(live() == 0, "live sessions after destroy %d", live());
  uint32_t dummy;
  EXPECT_ST(F.nvEncGetEncodeGUIDCount(e.enc, &dummy), NV_ENC_ERR_INVALID_ENCODERDEVICE);
  EXPECT_ST(F.nvEncGetEncodeGUIDCount(nullptr, &dummy), NV_ENC_ERR_INVALID_PTR);

  // ---- ARGB (B,G,R,A bytes) and ABGR (R,G,B,A bytes): a red picture must come out red
  for (int pass = 0; pass < 2; pass++) {
    Enc c;
    c.enc = openSession();
    gEnc = c.enc;
    NV_ENC_BUFFER_FORMAT fmt = pass == 0 ? NV_ENC_BUFFER_FORMAT_ARGB : NV_ENC_BUFFER_FORMAT_ABGR;
    EXPECT_ST(initEncoder(c, NV_ENC_CODEC_H264_GUID, 64, 64, 1, fmt), NV_ENC_SUCCESS);
    uint8_t px[4];
    if (pass == 0) {
      px[0] = 0;
      px[1] = 0;
      px[2] = 255;
      px[3] = 255;
    } else {
      px[0] = 255;
      px[1] = 0;
      px[2] = 0;
      px[3] = 255;
    }
    fillInput(c, 0, 64, 64, 0, fmt, px);
    EXPECT_ST(encodeFrame(c, 0, 64, 64, 0, 0, fmt), NV_ENC_SUCCESS);
    Out o;
    if (lockOut(c, 0, o)) {
      FILE* f = fopen(pass == 0 ? "argb_red.h264" : "abgr_red.h264", "wb");
      if (f) {
        fwrite(o.data.data(), 1, o.data.size(), f);
        fclose(f);
      }
    }
    destroy(c);
  }

  // ---- CUDA device pointer: registration bounds, map/unmap pairing
  {
    Enc c;
    c.enc = openSession();
    gEnc = c.enc;
    EXPECT_ST(initEncoder(c, NV_ENC_CODEC_HEVC_GUID, W, H, 1), NV_ENC_SUCCESS);
    const uint32_t pitch = 512;
    size_t bytes = (size_t)pitch * H * 3 / 2;
    CUdeviceptr dptr = 0;
    ((CUresult CUDAAPI(*)(CUcontext))dlsym(cu, "cuCtxPushCurrent_v2"))(gCtx);
    CHECK(cuAlloc(&dptr, bytes) == CUDA_SUCCESS, "cuMemAlloc");
    std::vector<uint8_t> host(bytes, 128);
    for (uint32_t y = 0; y < H; y++)
      for (uint32_t x = 0; x < W; x++) host[y * pitch + x] = (uint8_t)(x ^ y);
    cuHtoD(dptr, host.data(), bytes);
    NV_ENC_REGISTER_RESOURCE rr = {};
    rr.version = NV_ENC_REGISTER_RESOURCE_VER;
    rr.resourceType = NV_ENC_INPUT_RESOURCE_TYPE_CUDADEVICEPTR;
    rr.width = W;
    rr.height = H + 16;
    rr.pitch = pitch;  // taller than the allocation
    rr.resourceToRegister = (void*)dptr;
    rr.bufferFormat = NV_ENC_BUFFER_FORMAT_NV12;
    rr.bufferUsage = NV_ENC_INPUT_IMAGE;
    EXPECT_ST(F.nvEncRegisterResource(c.enc, &rr), NV_ENC_ERR_RESOURCE_REGISTER_FAILED);
    rr.resourceType = NV_ENC_INPUT_RESOURCE_TYPE_CUDAARRAY;
    EXPECT_ST(F.nvEncRegisterResource(c.enc, &rr), NV_ENC_ERR_UNSUPPORTED_PARAM);
    rr.resourceType = NV_ENC_INPUT_RESOURCE_TYPE_CUDADEVICEPTR;
    rr.height = H;
    EXPECT_ST(F.nvEncRegisterResource(c.enc, &rr), NV_ENC_SUCCESS);
    NV_ENC_MAP_INPUT_RESOURCE mr = {};
    mr.version = NV_ENC_MAP_INPUT_RESOURCE_VER;
    mr.registeredResource = rr.registeredResource;
    EXPECT_ST(F.nvEncMapInputResource(c.enc, &mr), NV_ENC_SUCCESS);
    CHECK(mr.mappedBufferFmt == NV_ENC_BUFFER_FORMAT_NV12, "mapped format");
    EXPECT_ST(F.nvEncUnregisterResource(c.enc, rr.registeredResource), NV_ENC_ERR_INVALID_CALL);  // still mapped
    NV_ENC_PIC_PARAMS p = {};
    p.version = NV_ENC_PIC_PARAMS_VER;
    p.inputBuffer = mr.mappedResource;
    p.outputBitstream = c.out[0];
    p.inputWidth = W;
    p.inputHeight = H;
    p.inputPitch = pitch;
    p.bufferFmt = NV_ENC_BUFFER_FORMAT_NV12;
    p.pictureStruct = NV_ENC_PIC_STRUCT_FRAME;
    p.inputTimeStamp = 77;
    EXPECT_ST(F.nvEncEncodePicture(c.enc, &p), NV_ENC_SUCCESS);
    Out o;
    if (lockOut(c, 0, o))
      CHECK(o.ts == 77 && o.type == NV_ENC_PIC_TYPE_IDR && o.data.size() > 100, "CUDA frame output");
    EXPECT_ST(F.nvEncUnmapInputResource(c.enc, mr.mappedResource), NV_ENC_SUCCESS);
    EXPECT_ST(F.nvEncUnmapInputResource(c.enc, mr.mappedResource), NV_ENC_ERR_RESOURCE_NOT_MAPPED);
    p.outputBitstream = c.out[1];
    EXPECT_ST(F.nvEncEncodePicture(c.enc, &p), NV_ENC_ERR_INVALID_PARAM);  // stale mapping
    EXPECT_ST(F.nvEncUnregisterResource(c.enc, rr.registeredResource), NV_ENC_SUCCESS);
    EXPECT_ST(F.nvEncUnregisterResource(c.enc, rr.registeredResource), NV_ENC_ERR_RESOURCE_NOT_REGISTERED);
    cuFree(dptr);
    ((tPop*)dlsym(cu, "cuCtxPopCurrent_v2"))(&popped);
    destroy(c);
  }

  // ---- session limit
  setenv("NVENC_SOFT_MAX_SESSIONS", "2", 1);
  void* s1 = openSession();
  void* s2 = openSession();
  openSession(NVENCAPI_VERSION, &st);
  CHECK(s1 && s2 && st == NV_ENC_ERR_OUT_OF_MEMORY, "3rd session with NVENC_SOFT_MAX_SESSIONS=2: %d", st);
  F.nvEncDestroyEncoder(s1);
  F.nvEncDestroyEncoder(s2);
  unsetenv("NVENC_SOFT_MAX_SESSIONS");

  // ---- null engine: tiny access units
  setenv("NVENC_SOFT_ENGINE", "null", 1);
  {
    Enc c;
    c.enc = openSession();
    gEnc = c.enc;
    EXPECT_ST(initEncoder(c, NV_ENC_CODEC_H264_GUID, 1280, 720, 1), NV_ENC_SUCCESS);
    FILE* f = fopen("null_engine.h264", "wb");
    size_t total = 0;
    for (int i = 0; i < 30; i++) {
      EXPECT_ST(encodeFrame(c, i % 8, 1280, 720, i, i == 20 ? NV_ENC_PIC_FLAG_FORCEIDR : 0), NV_ENC_SUCCESS);
      Out o;
      if (lockOut(c, i % 8, o)) {
        total += o.data.size();
        if (f) fwrite(o.data.data(), 1, o.data.size(), f);
        if (i > 0 && i != 20) CHECK(o.data.size() < 200, "null P size %zu", o.data.size());
      }
    }
    if (f) fclose(f);
    printf("null engine: 30 frames 1280x720 in %zu bytes\n", total);
    destroy(c);
  }
  unsetenv("NVENC_SOFT_ENGINE");

  // ---- encoder controls: caps say what is honoured; the rest is refused ----
  {
    Enc c;
    c.enc = openSession();
    gEnc = c.enc;
    auto cap = [&](NV_ENC_CAPS which) {
      NV_ENC_CAPS_PARAM cp = {};
      cp.version = NV_ENC_CAPS_PARAM_VER;
      cp.capsToQuery = which;
      int v = -1;
      EXPECT_ST(F.nvEncGetEncodeCaps(c.enc, NV_ENC_CODEC_H264_GUID, &cp, &v), NV_ENC_SUCCESS);
      return v;
    };
    CHECK(cap(NV_ENC_CAPS_SUPPORT_INTRA_REFRESH) == 1 && cap(NV_ENC_CAPS_SUPPORT_LOOKAHEAD) == 1 &&
              cap(NV_ENC_CAPS_SUPPORT_TEMPORAL_AQ) == 1 && cap(NV_ENC_CAPS_SUPPORT_WEIGHTED_PREDICTION) == 1 &&
              cap(NV_ENC_CAPS_SUPPORT_REF_PIC_INVALIDATION) == 1 && cap(NV_ENC_CAPS_SUPPORT_BFRAME_REF_MODE) == 2 &&
              cap(NV_ENC_CAPS_SUPPORT_DYNAMIC_SLICE_MODE) == 1 && cap(NV_ENC_CAPS_NUM_MAX_LTR_FRAMES) == 0 &&
              cap(NV_ENC_CAPS_SUPPORT_EMPHASIS_LEVEL_MAP) == 0,
          "H.264 control caps");
    setenv("NVENC_SOFT_CAPS_DENY", "SUPPORT_INTRA_REFRESH,SUPPORT_LOOKAHEAD", 1);
    CHECK(cap(NV_ENC_CAPS_SUPPORT_INTRA_REFRESH) == 0 && cap(NV_ENC_CAPS_SUPPORT_LOOKAHEAD) == 0 &&
              cap(NV_ENC_CAPS_SUPPORT_TEMPORAL_AQ) == 1,
          "NVENC_SOFT_CAPS_DENY turns exactly the named caps off");
    gTweak = [](Enc& e) {
      auto& h = e.cfg.encodeCodecConfig.h264Config;
      e.cfg.frameIntervalP = 1;
      h.enableIntraRefresh = 1;
      h.intraRefreshPeriod = 30;
      h.intraRefreshCnt = 10;
    };
    EXPECT_ST(initEncoder(c, NV_ENC_CODEC_H264_GUID, 320, 240, 1), NV_ENC_ERR_UNSUPPORTED_PARAM);
    CHECK(strstr(lastErr(), "NV_ENC_CAPS_SUPPORT_INTRA_REFRESH"), "refusal names the capability: %s", lastErr());
    unsetenv("NVENC_SOFT_CAPS_DENY");
    destroy(c);
  }
  {
    // byte-limited slices, reported per access unit; reference invalidation; per-picture refusals
    Enc c;
    c.enc = openSession();
    gEnc = c.enc;
    gTweak = [](Enc& e) {
      auto& h = e.cfg.encodeCodecConfig.h264Config;
      h.sliceMode = 1;
      h.sliceModeData = 1200;
      e.init.reportSliceOffsets = 1;
      e.cfg.rcParams.constQP = {18, 20, 16};
    };
    EXPECT_ST(initEncoder(c, NV_ENC_CODEC_H264_GUID, 1280, 720, 1), NV_ENC_SUCCESS);
    gTweak = nullptr;
    uint32_t offsets[3600];
    uint32_t maxSlice = 0, maxSlices = 0;
    std::vector<NV_ENC_PIC_TYPE> types;
    for (int i = 0; i < 14; i++) {
      fillInput(c, i % 8, 1280, 720, i, NV_ENC_BUFFER_FORMAT_NV12);
      if (i == 10) EXPECT_ST((NVENCSTATUS)F.nvEncInvalidateRefFrames(c.enc, 5), NV_ENC_SUCCESS);
      if (i == 12)
        EXPECT_ST((NVENCSTATUS)F.nvEncInvalidateRefFrames(c.enc, 999), NV_ENC_SUCCESS);  // never encoded: no effect
      EXPECT_ST(encodeFrame(c, i % 8, 1280, 720, i), NV_ENC_SUCCESS);
      NV_ENC_LOCK_BITSTREAM lb = {};
      lb.version = NV_ENC_LOCK_BITSTREAM_VER;
      lb.outputBitstream = c.out[i % 8];
      lb.sliceOffsets = offsets;
      EXPECT_ST(F.nvEncLockBitstream(c.enc, &lb), NV_ENC_SUCCESS);
      types.push_back(lb.pictureType);
      maxSlices = std::max(maxSlices, lb.numSlices);
      for (uint32_t k = 0; k < lb.numSlices; k++) {
        uint32_t end = k + 1 < lb.numSlices ? offsets[k + 1] : lb.bitstreamSizeInBytes;
        maxSlice = std::max(maxSlice, end - offsets[k] - 4);  // minus the start code
      }
      EXPECT_ST(F.nvEncUnlockBitstream(c.enc, c.out[i % 8]), NV_ENC_SUCCESS);
    }
    CHECK(maxSlices > 1 && maxSlice <= 1200,
          "sliceMode 1 (1200 bytes): up to %u slices per picture, largest slice %u bytes", maxSlices, maxSlice);
    CHECK(types[10] == NV_ENC_PIC_TYPE_IDR && types[11] == NV_ENC_PIC_TYPE_P && types[12] == NV_ENC_PIC_TYPE_P,
          "invalidation makes the next picture an IDR, an unknown timestamp changes nothing (%d %d %d)", types[10],
          types[11], types[12]);
    // per-picture controls the device cannot honour are refused, not ignored
    NV_ENC_PIC_PARAMS p = {};
    p.version = NV_ENC_PIC_PARAMS_VER;
    p.inputBuffer = c.in[0];
    p.outputBitstream = c.out[0];
    p.inputWidth = 1280;
    p.inputHeight = 720;
    p.bufferFmt = NV_ENC_BUFFER_FORMAT_NV12;
    p.pictureStruct = NV_ENC_PIC_STRUCT_FRAME;
    p.codecPicParams.h264PicParams.forceIntraRefreshWithFrameCnt = 10;
    EXPECT_ST(F.nvEncEncodePicture(c.enc, &p), NV_ENC_ERR_UNSUPPORTED_PARAM);
    p.codecPicParams.h264PicParams.forceIntraRefreshWithFrameCnt = 0;
    int8_t map[10] = {};
    p.qpDeltaMap = map;
    p.qpDeltaMapSize = sizeof map;
    EXPECT_ST(F.nvEncEncodePicture(c.enc, &p), NV_ENC_ERR_INVALID_PARAM);  // qpMapMode is not DELTA
    destroy(c);
  }
  {
    // QP delta map: +20 on the left half raises the left half's QP (fewer bytes than without);
    // a constant-QP session refuses maps (x264 would drop them)
    size_t bytes[2] = {0, 0};
    for (int withMap = 0; withMap < 2; withMap++) {
      Enc c;
      c.enc = openSession();
      gEnc = c.enc;
      gTweak = [](Enc& e) {
        e.cfg.rcParams.qpMapMode = NV_ENC_QP_MAP_DELTA;
        e.cfg.rcParams.rateControlMode = NV_ENC_PARAMS_RC_VBR;  // x264 ignores offsets at constant QP
        e.cfg.rcParams.averageBitRate = 4000000;
      };
      EXPECT_ST(initEncoder(c, NV_ENC_CODEC_H264_GUID, 320, 240, 1), NV_ENC_SUCCESS);
      gTweak = nullptr;
      std::vector<int8_t> map(20 * 15, 0);
      for (int y = 0; y < 15; y++)
        for (int x = 0; x < 10; x++) map[y * 20 + x] = 20;
      for (int i = 0; i < 4; i++) {
        {  // noise: every macroblock costs bits, so a QP offset shows in the size
          NV_ENC_LOCK_INPUT_BUFFER l = {};
          l.version = NV_ENC_LOCK_INPUT_BUFFER_VER;
          l.inputBuffer = c.in[i];
          EXPECT_ST(F.nvEncLockInputBuffer(c.enc, &l), NV_ENC_SUCCESS);
          uint32_t seed = 12345u + (uint32_t)i;
          for (uint32_t y = 0; y < 240 * 3 / 2; y++)
            for (uint32_t x = 0; x < 320; x++) {
              seed = seed * 1664525u + 1013904223u;
              ((uint8_t*)l.bufferDataPtr)[y * l.pitch + x] = (uint8_t)(seed >> 24);
            }
          EXPECT_ST(F.nvEncUnlockInputBuffer(c.enc, c.in[i]), NV_ENC_SUCCESS);
        }
        NV_ENC_PIC_PARAMS p = {};
        p.version = NV_ENC_PIC_PARAMS_VER;
        p.inputBuffer = c.in[i];
        p.outputBitstream = c.out[i];
        p.inputWidth = 320;
        p.inputHeight = 240;
        p.bufferFmt = NV_ENC_BUFFER_FORMAT_NV12;
        p.pictureStruct = NV_ENC_PIC_STRUCT_FRAME;
        if (withMap) {
          p.qpDeltaMap = map.data();
          p.qpDeltaMapSize = (uint32_t)(i == 3 ? map.size() - 1 : map.size());
        }
        NVENCSTATUS st = F.nvEncEncodePicture(c.enc, &p);
        if (i == 3) {  // both runs count frames 0..2 only
          if (withMap)
            CHECK(st == NV_ENC_ERR_INVALID_PARAM && strstr(lastErr(), "300 macroblocks"), "short map refused: %d %s",
                  st, lastErr());
          continue;
        }
        EXPECT_ST(st, NV_ENC_SUCCESS);
        Out o;
        if (lockOut(c, i, o)) bytes[withMap] += o.data.size();
      }
      destroy(c);
    }
    {
      Enc c;
      c.enc = openSession();
      gEnc = c.enc;
      gTweak = [](Enc& e) { e.cfg.rcParams.qpMapMode = NV_ENC_QP_MAP_DELTA; };  // initEncoder's constant QP
      EXPECT_ST(initEncoder(c, NV_ENC_CODEC_H264_GUID, 320, 240, 1), NV_ENC_ERR_UNSUPPORTED_PARAM);
      gTweak = nullptr;
      destroy(c);
    }
    printf("QP delta map +20 on the left half: %zu bytes, without: %zu\n", bytes[1], bytes[0]);
    CHECK(bytes[1] < bytes[0] * 85 / 100, "QP delta map +12 on half the picture: %zu bytes vs %zu without", bytes[1],
          bytes[0]);
  }

#if NVENCAPI_MAJOR_VERSION >= 12
  if (hasAV1) {
    Enc c;
    c.enc = openSession();
    gEnc = c.enc;
    EXPECT_ST(initEncoder(c, NV_ENC_CODEC_AV1_GUID, 320, 240, 1), NV_ENC_SUCCESS);
    int got = 0;
    for (int i = 0; i < 8; i++) {
      fillInput(c, i, 320, 240, i, NV_ENC_BUFFER_FORMAT_NV12);
      if (encodeFrame(c, i, 320, 240, i) == NV_ENC_SUCCESS) {
        Out o;
        if (lockOut(c, i, o)) got++;
      }
    }
    CHECK(got == 8, "AV1 frames %d", got);
    destroy(c);

    // nvEncDestroyEncoder returns whatever the session was sent (SVT-AV1 alone waits forever when
    // torn down before its first picture); ctest's TIMEOUT turns a hang here into a failure.
    for (int withEos = 0; withEos < 2; withEos++) {
      Enc u;
      u.enc = openSession();
      gEnc = u.enc;
      EXPECT_ST(initEncoder(u, NV_ENC_CODEC_AV1_GUID, 320, 240, 1), NV_ENC_SUCCESS);
      if (withEos) {
        NV_ENC_PIC_PARAMS eos = {};
        eos.version = NV_ENC_PIC_PARAMS_VER;
        eos.encodePicFlags = NV_ENC_PIC_FLAG_EOS;
        EXPECT_ST(F.nvEncEncodePicture(u.enc, &eos), NV_ENC_SUCCESS);
      }
      destroy(u);
    }
  }
#else
  CHECK(!hasAV1, "AV1 must not be offered to an 11.1 session");
#endif

  printf("%s: %d checks, %d failures\n", api, checks, failures);
  return failures ? 1 : 0;
}

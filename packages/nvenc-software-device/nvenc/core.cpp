// Session state machine of the software NVENC device (ABI-neutral).
#include "core.hpp"
#include "fault_injection.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstdio>
#include <cstring>

#include "bitstream.hpp"
#include "cuda_bridge.hpp"

namespace nvsoft {

static const uint32_t kInfinite = 0xffffffffu;
static const uint32_t kMaxDim = 4096;

const char* statusName(int st) {
  static const char* n[] = {"NV_ENC_SUCCESS",
                            "NV_ENC_ERR_NO_ENCODE_DEVICE",
                            "NV_ENC_ERR_UNSUPPORTED_DEVICE",
                            "NV_ENC_ERR_INVALID_ENCODERDEVICE",
                            "NV_ENC_ERR_INVALID_DEVICE",
                            "NV_ENC_ERR_DEVICE_NOT_EXIST",
                            "NV_ENC_ERR_INVALID_PTR",
                            "NV_ENC_ERR_INVALID_EVENT",
                            "NV_ENC_ERR_INVALID_PARAM",
                            "NV_ENC_ERR_INVALID_CALL",
                            "NV_ENC_ERR_OUT_OF_MEMORY",
                            "NV_ENC_ERR_ENCODER_NOT_INITIALIZED",
                            "NV_ENC_ERR_UNSUPPORTED_PARAM",
                            "NV_ENC_ERR_LOCK_BUSY",
                            "NV_ENC_ERR_NOT_ENOUGH_BUFFER",
                            "NV_ENC_ERR_INVALID_VERSION",
                            "NV_ENC_ERR_MAP_FAILED",
                            "NV_ENC_ERR_NEED_MORE_INPUT",
                            "NV_ENC_ERR_ENCODER_BUSY",
                            "NV_ENC_ERR_EVENT_NOT_REGISTERD",
                            "NV_ENC_ERR_GENERIC",
                            "NV_ENC_ERR_INCOMPATIBLE_CLIENT_KEY",
                            "NV_ENC_ERR_UNIMPLEMENTED",
                            "NV_ENC_ERR_RESOURCE_REGISTER_FAILED",
                            "NV_ENC_ERR_RESOURCE_NOT_REGISTERED",
                            "NV_ENC_ERR_RESOURCE_NOT_MAPPED"};
  return (st >= 0 && st < (int)(sizeof(n) / sizeof(n[0]))) ? n[st] : "NV_ENC_ERR_?";
}

bool bufFmtSupported(uint32_t f) {
  switch (f) {
    case BF_NV12:
    case BF_YV12:
    case BF_IYUV:
    case BF_YUV444:
    case BF_YUV420_10BIT:
    case BF_YUV444_10BIT:
    case BF_ARGB:
    case BF_ABGR:
    case BF_AYUV:
    case BF_ARGB10:
    case BF_ABGR10: return true;
    default: return false;
  }
}

const char* bufFmtName(uint32_t f) {
  switch (f) {
    case BF_NV12: return "NV12";
    case BF_YV12: return "YV12";
    case BF_IYUV: return "IYUV";
    case BF_YUV444: return "YUV444";
    case BF_YUV420_10BIT: return "YUV420_10BIT";
    case BF_YUV444_10BIT: return "YUV444_10BIT";
    case BF_ARGB: return "ARGB";
    case BF_ABGR: return "ABGR";
    case BF_ARGB10: return "ARGB10";
    case BF_ABGR10: return "ABGR10";
    case BF_AYUV: return "AYUV";
    default: return "UNDEFINED";
  }
}

bool planeLayout(uint32_t fmt, uint32_t w, uint32_t h, size_t pitch, PlaneLayout* L) {
  *L = PlaneLayout();
  size_t cw = (w + 1) / 2, ch = (h + 1) / 2;
  switch (fmt) {
    case BF_NV12:
    case BF_YUV420_10BIT: {
      size_t bps = fmt == BF_NV12 ? 1 : 2;
      L->count = 2;
      L->pitch[0] = L->pitch[1] = pitch;
      L->rowBytes[0] = w * bps;
      L->rows[0] = h;
      L->offset[1] = pitch * h;
      L->rowBytes[1] = cw * 2 * bps;
      L->rows[1] = ch;
      break;
    }
    case BF_YV12:
    case BF_IYUV:
      L->count = 3;
      L->pitch[0] = pitch;
      L->pitch[1] = L->pitch[2] = pitch / 2;
      L->rowBytes[0] = w;
      L->rows[0] = h;
      L->rowBytes[1] = L->rowBytes[2] = cw;
      L->rows[1] = L->rows[2] = ch;
      L->offset[1] = pitch * h;
      L->offset[2] = L->offset[1] + (pitch / 2) * ch;
      if (pitch / 2 < cw) return false;
      break;
    case BF_YUV444:
    case BF_YUV444_10BIT: {
      size_t bps = fmt == BF_YUV444 ? 1 : 2;
      L->count = 3;
      for (int i = 0; i < 3; i++) {
        L->pitch[i] = pitch;
        L->rowBytes[i] = w * bps;
        L->rows[i] = h;
        L->offset[i] = pitch * h * i;
      }
      break;
    }
    case BF_ARGB:
    case BF_ABGR:
    case BF_AYUV:
    case BF_ARGB10:
    case BF_ABGR10:
      L->count = 1;
      L->pitch[0] = pitch;
      L->rowBytes[0] = (size_t)w * 4;
      L->rows[0] = h;
      break;
    default: return false;
  }
  if (pitch < L->rowBytes[0]) return false;
  int last = L->count - 1;
  L->total = L->offset[last] + L->pitch[last] * (L->rows[last] - 1) + L->rowBytes[last];
  return true;
}

size_t minPitch(uint32_t fmt, uint32_t w) {
  switch (fmt) {
    case BF_YUV420_10BIT:
    case BF_YUV444_10BIT: return (size_t)w * 2;
    case BF_ARGB:
    case BF_ABGR:
    case BF_AYUV:
    case BF_ARGB10:
    case BF_ABGR10: return (size_t)w * 4;
    case BF_YV12:
    case BF_IYUV: return ((size_t)w + 1) & ~(size_t)1;
    default: return w;
  }
}

// ---------------------------------------------------------------------------------------------
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
static bool nullEngineSkipsRead() { return nullEngineSelected() && envStr("NVENC_SOFT_NULL_READ", "copy") == "skip"; }
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

PresetDefaults presetDefaults(Codec, int preset, int tuning) {
  PresetDefaults d{};
  bool lowLat = tuning == TUNE_LL || tuning == TUNE_ULL;
  d.gopLength = lowLat ? kInfinite : 250;
  d.frameIntervalP = (!lowLat && preset >= 3) ? 3 : 1;
  d.rcMode = tuning == TUNE_LOSSLESS ? RC_CONSTQP : lowLat ? RC_CBR : RC_VBR;
  d.qpP = tuning == TUNE_LOSSLESS ? 0 : 28;
  d.qpB = tuning == TUNE_LOSSLESS ? 0 : 31;
  d.qpI = tuning == TUNE_LOSSLESS ? 0 : 25;
  // Multipass is off in every preset: the software engine emulates it with a slower x264/x265
  // preset (see engine_libav.cpp), which a client should ask for, not get by default.
  d.multiPass = 0;
  d.zeroReorderDelay = tuning == TUNE_ULL;
  d.lookahead = false;
  d.lookaheadDepth = 0;
  return d;
}

// ---------------------------------------------------------------------------------------------
Status Session::fail(Status st, const std::string& msg) {
  lastError = msg;
  return st;
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
  std::string cerr;
  if (!cuda::load(cerr)) {
    err = cerr;
    return ST_NO_ENCODE_DEVICE;
  }
  int r = cuda::checkContext(device);
  if (r != 0) {
    err = "device is not a usable CUDA context (" + cuda::errorText(r) + ")";
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

// ---------------------------------------------------------------------------------------------
bool encoderAvailable(Codec c) { return libavHasEncoder(c); }

bool capDenied(const char* name) {
  // NVENC_SOFT_CAPS_DENY=SUPPORT_INTRA_REFRESH,SUPPORT_LOOKAHEAD,...: those caps read 0 and the
  // features they gate are refused, like a GPU without them (for clients' capability tests).
  std::string list = "," + envStr("NVENC_SOFT_CAPS_DENY", "") + ",";
  return list.find("," + std::string(name) + ",") != std::string::npos;
}

FeatureCaps featureCaps(Codec c) {
  bool avc = c == Codec::H264, hevc = c == Codec::HEVC, av1 = c == Codec::AV1;
  FeatureCaps f{};
  // What the libav engine honours (README "Encoder controls"); AV1 (SVT-AV1) honours none.
  f.intraRefresh = (avc || hevc) && !capDenied("SUPPORT_INTRA_REFRESH");
  f.refPicInvalidation = !capDenied("SUPPORT_REF_PIC_INVALIDATION");
  f.lookahead = (avc || hevc) && !capDenied("SUPPORT_LOOKAHEAD");
  f.temporalAQ = (avc || hevc) && !capDenied("SUPPORT_TEMPORAL_AQ");
  f.weightedPrediction = (avc || hevc) && !capDenied("SUPPORT_WEIGHTED_PREDICTION");
  f.bframeRefMode = (avc || hevc) && !capDenied("SUPPORT_BFRAME_REF_MODE") ? 2 : 0;  // 2 = middle B-frame only
  f.emphasisLevelMap = 0;  // NVENC's emphasis levels have no documented QP mapping to emulate
  f.dynamicSliceMode = avc && !capDenied("SUPPORT_DYNAMIC_SLICE_MODE");  // byte-limited slices (x264 slice-max-size)
  f.ltrFrames = 0;
  f.multipleRefFrames = !av1 && !capDenied("SUPPORT_MULTIPLE_REF_FRAMES");
  f.customVbv = 1;
  return f;
}

static Status validateControls(Session* s, const EncodeConfig& c) {
  // Every control the engine cannot honour is refused here, never accepted and ignored.
  FeatureCaps f = featureCaps(c.codec);
  const RcParams& rc = c.rc;
  bool bframes = c.frameIntervalP > 1;
  auto unsupported = [&](const std::string& m) { return s->fail(ST_UNSUPPORTED_PARAM, m); };
  if (c.intraRefresh) {
    if (!f.intraRefresh)
      return unsupported("intra refresh is not supported for this codec (NV_ENC_CAPS_SUPPORT_INTRA_REFRESH = 0)");
    if (bframes)
      return unsupported(
          "intra refresh with B-frames: NVENC ignores enableIntraRefresh when the GOP has B-frames; the software "
          "device refuses it (set frameIntervalP = 1)");
    if (c.intraRefreshPeriod == 0 || c.intraRefreshCnt == 0 || c.intraRefreshCnt >= c.intraRefreshPeriod)
      return s->fail(ST_INVALID_PARAM, "intra refresh needs 0 < intraRefreshCnt < intraRefreshPeriod (got cnt " +
                                           std::to_string(c.intraRefreshCnt) + ", period " +
                                           std::to_string(c.intraRefreshPeriod) + ")");
  }
  if (c.weightedPrediction) {
    if (!f.weightedPrediction)
      return unsupported(
          "weighted prediction is not supported for this codec (NV_ENC_CAPS_SUPPORT_WEIGHTED_PREDICTION = 0)");
    if (bframes)
      return unsupported("enableWeightedPrediction is not supported with B-frames (frameIntervalP > 1), as with NVENC");
  }
  if (c.bframeRefMode != 0) {
    if (f.bframeRefMode == 0)
      return unsupported("B-frames as references are not supported (NV_ENC_CAPS_SUPPORT_BFRAME_REF_MODE = 0)");
    if (c.bframeRefMode != 2)
      return unsupported(
          "useBFramesAsRef " + std::to_string(c.bframeRefMode) +
          ": only NV_ENC_BFRAME_REF_MODE_MIDDLE (2) is supported (NV_ENC_CAPS_SUPPORT_BFRAME_REF_MODE = 2)");
    if (c.frameIntervalP < 3)
      return unsupported("useBFramesAsRef = middle needs at least 2 B-frames (frameIntervalP >= 3)");
  }
  if (rc.enableLookahead) {
    if (!f.lookahead)
      return unsupported("lookahead is not supported for this codec (NV_ENC_CAPS_SUPPORT_LOOKAHEAD = 0)");
    if (rc.lookaheadDepth == 0 || rc.lookaheadDepth > 32)
      return s->fail(ST_INVALID_PARAM, "lookaheadDepth must be 1..32 with enableLookahead");
    if (!rc.disableIadapt)
      return unsupported(
          "lookahead with adaptive I-frames at scene cuts: the software device keeps the NVENC GOP pattern, set "
          "disableIadapt = 1");
    if (bframes && !rc.disableBadapt)
      return unsupported(
          "lookahead with adaptive B-frame decisions: the software device keeps the NVENC GOP pattern, set "
          "disableBadapt = 1");
  }
  if (rc.enableTemporalAQ) {
    if (!f.temporalAQ)
      return unsupported("temporal AQ is not supported for this codec (NV_ENC_CAPS_SUPPORT_TEMPORAL_AQ = 0)");
    if (!rc.enableLookahead)
      return unsupported(
          "temporal AQ needs lookahead in the software device (x264/x265 macroblock tree works on lookahead frames): "
          "set enableLookahead and lookaheadDepth");
  }
  if (rc.enableAQ && c.codec == Codec::AV1)
    return unsupported("spatial AQ is not supported for AV1 by the software device");
  if (rc.aqStrength > 15) return s->fail(ST_INVALID_PARAM, "aqStrength must be 0 (auto) .. 15");
  if (rc.multiPass < 0 || rc.multiPass > 2)
    return s->fail(ST_INVALID_PARAM, "multiPass must be 0, 1 (quarter resolution) or 2 (full resolution)");
  switch (rc.qpMapMode) {
    case 0: break;
    case 1: return unsupported("emphasis level maps are not supported (NV_ENC_CAPS_SUPPORT_EMPHASIS_LEVEL_MAP = 0)");
    case 2:
      if (c.codec != Codec::H264)
        return unsupported("QP delta maps are supported for H.264 only by the software device");
      // x264 drops per-macroblock offsets in constant-QP mode (it turns AQ off there).
      if (rc.mode == RC_CONSTQP || c.lossless)
        return unsupported(
            "QP delta maps with constant QP: the software device applies them through x264's rate control, use CBR or "
            "VBR");
      break;
    default:
      return unsupported("qpMapMode " + std::to_string(rc.qpMapMode) +
                         " is not supported (NV_ENC_QP_MAP is not supported by NVENC either)");
  }
  if (c.codec != Codec::AV1 && c.sliceModeData > 0) {
    switch (c.sliceMode) {
      case 3: break;
      case 1:
        if (!f.dynamicSliceMode)
          return unsupported(
              "byte-limited slices (sliceMode 1) are not supported for this codec "
              "(NV_ENC_CAPS_SUPPORT_DYNAMIC_SLICE_MODE = 0)");
        break;
      case 0:
      case 2:
        if (c.codec != Codec::H264)
          return unsupported(
              "HEVC slices by CTU count (sliceMode 0/2) are not supported by the software device; use sliceMode 3 "
              "(number of slices)");
        break;
      default: return s->fail(ST_INVALID_PARAM, "sliceMode must be 0..3");
    }
  }
  if (c.maxNumRefFrames > 16) return s->fail(ST_INVALID_PARAM, "maxNumRefFrames must be 0..16");
  if (c.maxNumRefFrames > 1 && !f.multipleRefFrames)
    return unsupported("multiple reference frames are not supported (NV_ENC_CAPS_SUPPORT_MULTIPLE_REF_FRAMES = 0)");
  return ST_SUCCESS;
}

static Status validateConfig(Session* s, const EncodeConfig& c) {
  if (c.codec == Codec::None)
    return s->fail(ST_INVALID_PARAM, "encodeGUID is not an encoder GUID reported by nvEncGetEncodeGUIDs");
  if (c.codec == Codec::AV1 && (s->apiVersion & 0xffff) < 12)
    return s->fail(ST_INVALID_PARAM, "AV1 needs an API 12.x session");
  if (!nullEngineSelected() && !encoderAvailable(c.codec))
    return s->fail(ST_INVALID_PARAM, "this codec is not available (libavcodec lacks its encoder)");
  if (c.width == 0 || c.height == 0) return s->fail(ST_INVALID_PARAM, "encodeWidth/encodeHeight must be non-zero");
  if (c.width > kMaxDim || c.height > kMaxDim)
    return s->fail(ST_INVALID_PARAM, "encode size " + std::to_string(c.width) + "x" + std::to_string(c.height) +
                                         " exceeds NV_ENC_CAPS_WIDTH_MAX/HEIGHT_MAX (4096x4096)");
  if (c.width < 16 || c.height < 16) return s->fail(ST_INVALID_PARAM, "encode size below the 16x16 minimum");
  if (c.chromaFormatIDC != 3 && ((c.width & 1) || (c.height & 1)))
    return s->fail(ST_INVALID_PARAM, "4:2:0 encoding needs even width and height");
  if (c.frameIntervalP < 0 || c.frameIntervalP > 5)
    return s->fail(ST_INVALID_PARAM, "frameIntervalP " + std::to_string(c.frameIntervalP) +
                                         " needs more than NV_ENC_CAPS_NUM_MAX_BFRAMES (4) B-frames");
  if (c.chromaFormatIDC != 1 && c.chromaFormatIDC != 3)
    return s->fail(ST_INVALID_PARAM, "chromaFormatIDC must be 1 (4:2:0) or 3 (4:4:4)");
  if (c.codec == Codec::AV1 && c.chromaFormatIDC == 3)
    return s->fail(ST_INVALID_PARAM,
                   "AV1 4:4:4 encoding is not supported (NV_ENC_CAPS_SUPPORT_YUV444_ENCODE = 0 for AV1)");
  if (c.codec == Codec::H264 && c.bitDepth > 8)
    return s->fail(ST_INVALID_PARAM,
                   "H.264 10-bit encoding is not supported (NV_ENC_CAPS_SUPPORT_10BIT_ENCODE = 0 for H.264)");
  if (c.bitDepth != 8 && c.bitDepth != 10) return s->fail(ST_INVALID_PARAM, "pixel bit depth must be 8 or 10");
  if (c.fpsNum == 0 || c.fpsDen == 0) return s->fail(ST_INVALID_PARAM, "frameRateNum/frameRateDen must be non-zero");
  switch (c.rc.mode) {
    case RC_CONSTQP:
    case RC_VBR:
    case RC_CBR:
    case RC_VBR_MINQP:
    case RC_CBR_LOWDELAY_HQ:
    case RC_CBR_HQ:
    case RC_VBR_HQ: break;
    default: return s->fail(ST_INVALID_PARAM, "unknown rateControlMode " + std::to_string(c.rc.mode));
  }
  if (c.rc.mode == RC_CONSTQP && (c.rc.qpI > 51 || c.rc.qpP > 51 || c.rc.qpB > 51) && c.codec != Codec::AV1)
    return s->fail(ST_INVALID_PARAM, "constQP values must be 0..51");
  return validateControls(s, c);
}

static void resetPattern(Session* s) {
  s->framesSinceIDR = 0;
  s->framesSinceAnchor = 0;
  s->engineDrained = true;  // next frame starts a new coded video sequence
}

Status coreInitialize(Session* s, const EncodeConfig& cfg) {
  if (s->initialized) return s->fail(ST_INVALID_CALL, "nvEncInitializeEncoder was already called for this session");
  Status f = faultFor("init", 1);
  if (f != ST_SUCCESS) return s->fail(f, std::string("fault injected by NVENC_SOFT_FAULT (init): ") + statusName(f));
  Status st = validateConfig(s, cfg);
  if (st != ST_SUCCESS) return st;
  auto engine = nullEngineSelected() ? makeNullEngine() : makeLibavEngine();
  std::string err;
  st = engine->open(cfg, err);
  if (st != ST_SUCCESS) return s->fail(st, "encoder initialization failed: " + err);
  s->cfg = cfg;
  s->engine = std::move(engine);
  s->initialized = true;
  resetPattern(s);
  return ST_SUCCESS;
}

static void assignPackets(Session* s);

static Status drainEngine(Session* s) {
  std::string err;
  Status st = s->engine->drain(err);
  assignPackets(s);
  resetPattern(s);
  if (st != ST_SUCCESS) return s->fail(st, "encoder flush failed: " + err);
  return ST_SUCCESS;
}

Status coreReconfigure(Session* s, const EncodeConfig& in, bool resetEncoder, bool forceIDR) {
  if (!s->initialized)
    return s->fail(ST_ENCODER_NOT_INITIALIZED, "nvEncReconfigureEncoder called before nvEncInitializeEncoder");
  EncodeConfig c = in;
  if (c.codec != s->cfg.codec) return s->fail(ST_INVALID_PARAM, "reconfigure cannot change the codec (encodeGUID)");
  c.maxEncodeWidth = s->cfg.maxEncodeWidth;
  c.maxEncodeHeight = s->cfg.maxEncodeHeight;
  bool resChange = c.width != s->cfg.width || c.height != s->cfg.height;
  if (resChange && (c.width > s->cfg.maxEncodeWidth || c.height > s->cfg.maxEncodeHeight))
    return s->fail(ST_INVALID_PARAM, "new resolution " + std::to_string(c.width) + "x" + std::to_string(c.height) +
                                         " exceeds maxEncodeWidth/maxEncodeHeight given at initialization (" +
                                         std::to_string(s->cfg.maxEncodeWidth) + "x" +
                                         std::to_string(s->cfg.maxEncodeHeight) + ")");
  Status st = validateConfig(s, c);
  if (st != ST_SUCCESS) return st;
  // NVENC changes bitrate and frame rate of a running sequence without an IDR unless the client
  // asks for one (resetEncoder/forceIDR) or the size changes; do the same where the engine can.
  if (!resChange && !resetEncoder && !forceIDR && s->engine && s->engine->reconfigureInPlace(c)) {
    s->cfg = c;
    return ST_SUCCESS;
  }
  // Pending pictures are completed with the old settings first.
  for (auto* b : s->queue)
    if (b->state == BitstreamBuffer::Pending) b->state = BitstreamBuffer::Committed;
  st = drainEngine(s);
  if (st != ST_SUCCESS) return st;
  auto engine = nullEngineSelected() ? makeNullEngine() : makeLibavEngine();
  std::string err;
  st = engine->open(c, err);
  if (st != ST_SUCCESS) return s->fail(st, "reconfigure failed: " + err);
  s->engine = std::move(engine);
  s->cfg = c;
  // A restarted engine begins a new coded video sequence: the next picture is an IDR.
  resetPattern(s);
  return ST_SUCCESS;
}

// ---------------------------------------------------------------------------------------------
Status coreCreateInputBuffer(Session* s, uint32_t w, uint32_t h, uint32_t fmt, InputBuffer** out) {
  if (!s->initialized)
    return s->fail(ST_ENCODER_NOT_INITIALIZED, "nvEncCreateInputBuffer called before nvEncInitializeEncoder");
  if (!bufFmtSupported(fmt))
    return s->fail(ST_INVALID_PARAM, std::string("bufferFmt ") + bufFmtName(fmt) +
                                         " is not an input format reported by nvEncGetInputFormats");
  if (w == 0 || h == 0 || w > kMaxDim || h > kMaxDim)
    return s->fail(ST_INVALID_PARAM, "input buffer size must be 1..4096");
  auto* b = new InputBuffer();
  b->fmt = fmt;
  b->width = w;
  b->height = h;
  b->pitch = (minPitch(fmt, w) + 255) & ~(size_t)255;
  PlaneLayout L;
  planeLayout(fmt, w, h, b->pitch, &L);
  b->mem.assign(b->pitch * (L.rows[0] + (L.count > 1 ? L.rows[1] : 0) + (L.count > 2 ? L.rows[2] : 0)) + 256, 0);
  s->inputs.insert(b);
  *out = b;
  return ST_SUCCESS;
}

Status coreDestroyInputBuffer(Session* s, void* p) {
  if (!p) return s->fail(ST_INVALID_PTR, "inputBuffer is NULL");
  auto* b = (InputBuffer*)p;
  if (!s->inputs.count(b))
    return s->fail(ST_INVALID_PARAM,
                   "inputBuffer was not created by nvEncCreateInputBuffer on this session (or was already destroyed)");
  s->inputs.erase(b);
  delete b;
  return ST_SUCCESS;
}

Status coreLockInputBuffer(Session* s, void* p, void** data, uint32_t* pitch) {
  if (!s->initialized)
    return s->fail(ST_ENCODER_NOT_INITIALIZED, "nvEncLockInputBuffer called before nvEncInitializeEncoder");
  if (!p) return s->fail(ST_INVALID_PTR, "inputBuffer is NULL");
  auto* b = (InputBuffer*)p;
  if (!s->inputs.count(b)) return s->fail(ST_INVALID_PARAM, "inputBuffer is not an input buffer of this session");
  if (b->locked) return s->fail(ST_LOCK_BUSY, "input buffer is already locked (nvEncUnlockInputBuffer was not called)");
  b->locked = true;
  *data = b->mem.data();
  *pitch = (uint32_t)b->pitch;
  return ST_SUCCESS;
}

Status coreUnlockInputBuffer(Session* s, void* p) {
  if (!p) return s->fail(ST_INVALID_PTR, "inputBuffer is NULL");
  auto* b = (InputBuffer*)p;
  if (!s->inputs.count(b)) return s->fail(ST_INVALID_PARAM, "inputBuffer is not an input buffer of this session");
  if (!b->locked) return s->fail(ST_INVALID_CALL, "input buffer is not locked");
  b->locked = false;
  return ST_SUCCESS;
}

Status coreCreateBitstreamBuffer(Session* s, BitstreamBuffer** out) {
  if (!s->initialized)
    return s->fail(ST_ENCODER_NOT_INITIALIZED, "nvEncCreateBitstreamBuffer called before nvEncInitializeEncoder");
  auto* b = new BitstreamBuffer();
  b->data.reserve(1 << 16);
  s->outputs.insert(b);
  *out = b;
  return ST_SUCCESS;
}

Status coreDestroyBitstreamBuffer(Session* s, void* p) {
  if (!p) return s->fail(ST_INVALID_PTR, "bitstreamBuffer is NULL");
  auto* b = (BitstreamBuffer*)p;
  if (!s->outputs.count(b))
    return s->fail(
        ST_INVALID_PARAM,
        "bitstreamBuffer was not created by nvEncCreateBitstreamBuffer on this session (or was already destroyed)");
  s->outputs.erase(b);
  auto it = std::find(s->queue.begin(), s->queue.end(), b);
  if (it == s->queue.end()) delete b;
  // else: still waiting for its picture; freed when that picture arrives or with the session
  return ST_SUCCESS;
}

// ---------------------------------------------------------------------------------------------
static void composeAccessUnit(Session* s, EnginePacket& pkt, BitstreamBuffer* b) {
  const EncodeConfig& c = s->cfg;
  auto mit = s->meta.find(pkt.serial);
  FrameMeta meta{0, 0, 0, 0, {}};
  if (mit != s->meta.end()) {
    meta = std::move(mit->second);
    s->meta.erase(mit);
  }
  std::vector<uint8_t>& out = b->data;
  out.clear();
  bool idr = pkt.picType == PIC_IDR;
  std::vector<uint8_t> ps = s->engine->paramSets();
  // An IDR that starts a sequence with other parameter sets (after a reconfigure, or after the
  // catch-up drain that drops B-frames) carries them, as NVENC does: decoders need the new SPS.
  bool newPs = idr && s->sentParamSets && ps != s->lastParamSets;
  bool wantPs = !s->sentParamSets || (idr && c.repeatSPSPPS) || newPs || (meta.flags & PF_OUTPUT_SPSPPS);
  if (c.disableSPSPPS && !(meta.flags & PF_OUTPUT_SPSPPS)) wantPs = false;
  if (c.codec == Codec::AV1) {
    // OBUs: temporal delimiter first, then the sequence header on key frames.
    size_t tdLen = (pkt.data.size() >= 2 && (pkt.data[0] >> 3) == 2) ? 2 : 0;
    bool hasSeq = false;
    // cheap scan of the first OBU after the TD
    if (pkt.data.size() > tdLen && ((pkt.data[tdLen] >> 3) & 0xf) == 1) hasSeq = true;
    out.insert(out.end(), pkt.data.begin(), pkt.data.begin() + tdLen);
    if (wantPs && !hasSeq && (idr || !s->sentParamSets)) out.insert(out.end(), ps.begin(), ps.end());
    out.insert(out.end(), pkt.data.begin() + tdLen, pkt.data.end());
  } else {
    if (c.outputAUD) {
      auto aud = buildAud(c.codec, pkt.picType);
      out.insert(out.end(), aud.begin(), aud.end());
    }
    if (wantPs) out.insert(out.end(), ps.begin(), ps.end());
    if (!meta.sei.empty()) {
      auto sei = buildSei(c.codec, meta.sei);
      out.insert(out.end(), sei.begin(), sei.end());
    }
    out.insert(out.end(), pkt.data.begin(), pkt.data.end());
  }
  if (wantPs) {
    s->sentParamSets = true;
    s->lastParamSets = ps;
  }
  b->filled = true;
  b->serial = pkt.serial;
  b->ts = meta.ts;
  b->duration = meta.duration;
  b->frameIdx = meta.frameIdx;
  b->picType = pkt.picType;
  b->avgQP = pkt.avgQP;
}

static void assignPackets(Session* s) {
  EnginePacket pkt;
  while (s->engine && s->engine->pop(pkt)) {
    BitstreamBuffer* target = nullptr;
    for (auto* b : s->queue)
      if (!b->filled) {
        target = b;
        break;
      }
    if (!target) {
      s->meta.erase(pkt.serial);
      continue;
    }  // cannot happen: one buffer per submitted picture
    composeAccessUnit(s, pkt, target);
    if (!s->outputs.count(target)) {  // destroyed while in flight
      s->queue.erase(std::find(s->queue.begin(), s->queue.end(), target));
      delete target;
    }
  }
}

static Status readInput(Session* s, PicIn& pic, EngineFrame& f) {
  const EncodeConfig& c = s->cfg;
  auto* ib = (InputBuffer*)pic.inputBuffer;
  auto* mp = (Mapping*)pic.inputBuffer;
  if (s->inputs.count(ib)) {
    if (ib->locked)
      return s->fail(ST_LOCK_BUSY,
                     "input buffer is still locked: call nvEncUnlockInputBuffer before nvEncEncodePicture");
    if (pic.bufferFmt != ib->fmt)
      return s->fail(ST_INVALID_PARAM, std::string("bufferFmt ") + bufFmtName(pic.bufferFmt) +
                                           " does not match the input buffer's format " + bufFmtName(ib->fmt));
    if (ib->width < c.width || ib->height < c.height)
      return s->fail(ST_INVALID_PARAM, "input buffer is smaller than the encode size");
    PlaneLayout L;
    planeLayout(ib->fmt, c.width, c.height, ib->pitch, &L);
    // NVENC input buffers keep the chroma plane after bufferHeight rows
    PlaneLayout LB;
    planeLayout(ib->fmt, ib->width, ib->height, ib->pitch, &LB);
    f.fmt = ib->fmt;
    for (int i = 0; i < LB.count; i++) {
      f.planes[i] = ib->mem.data() + LB.offset[i];
      f.pitch[i] = LB.pitch[i];
    }
    return ST_SUCCESS;
  }
  if (s->maps.count(mp)) {
    Registration* r = mp->reg;
    if (!s->regs.count(r)) return s->fail(ST_RESOURCE_NOT_REGISTERED, "mapped resource was unregistered");
    if (pic.bufferFmt != r->fmt)
      return s->fail(ST_INVALID_PARAM, std::string("bufferFmt ") + bufFmtName(pic.bufferFmt) +
                                           " does not match the registered resource's format " + bufFmtName(r->fmt));
    if (r->width < c.width || r->height < c.height)
      return s->fail(ST_INVALID_PARAM, "registered resource is smaller than the encode size");
    PlaneLayout L;
    planeLayout(r->fmt, r->width, r->height, r->pitch, &L);
    size_t rows = (L.total - L.rowBytes[L.count - 1]) / r->pitch + 1;
    if (s->staging.size() < r->pitch * rows) s->staging.resize(r->pitch * rows);
    Status fst = faultFor("map", ++s->mapReads);
    if (fst != ST_SUCCESS)
      return s->fail(fst, std::string("fault injected by NVENC_SOFT_FAULT (map): ") + statusName(fst));
    if (nullEngineSkipsRead()) {
      f.fmt = r->fmt;
      for (int i = 0; i < L.count; i++) {
        f.planes[i] = nullptr;
        f.pitch[i] = L.pitch[i];
      }
      return ST_SUCCESS;
    }
    // whole rows except the last, whose readable width is the widest plane row
    size_t widest = 0;
    for (int i = 0; i < L.count; i++) widest = std::max(widest, L.rowBytes[i]);
    int res = 0;
    if (rows > 1)
      res = cuda::copyToHost(s->cuContext, r->devicePtr, r->pitch, r->pitch, rows - 1, s->staging.data(), r->pitch);
    if (res == 0)
      res =
          cuda::copyToHost(s->cuContext, r->devicePtr + r->pitch * (rows - 1), r->pitch,
                           std::min<size_t>(widest, r->pitch), 1, s->staging.data() + r->pitch * (rows - 1), r->pitch);
    if (res != 0) return s->fail(ST_MAP_FAILED, "reading the mapped CUDA surface failed: " + cuda::errorText(res));
    f.fmt = r->fmt;
    for (int i = 0; i < L.count; i++) {
      f.planes[i] = s->staging.data() + L.offset[i];
      f.pitch[i] = L.pitch[i];
    }
    return ST_SUCCESS;
  }
  // a mapping that was already unmapped or a registration passed directly
  if (s->regs.count((Registration*)pic.inputBuffer))
    return s->fail(ST_RESOURCE_NOT_MAPPED,
                   "inputBuffer is a registered resource: map it with nvEncMapInputResource and pass mappedResource");
  return s->fail(ST_INVALID_PARAM,
                 "inputBuffer is neither an input buffer of this session nor a currently mapped resource");
}

Status coreEncodePicture(Session* s, PicIn& pic) {
  if (!s->initialized)
    return s->fail(ST_ENCODER_NOT_INITIALIZED, "nvEncEncodePicture called before nvEncInitializeEncoder");
  const EncodeConfig& c = s->cfg;
  if (pic.flags & PF_EOS) {
    // End of stream: everything pending becomes available.
    for (auto* b : s->queue)
      if (b->state == BitstreamBuffer::Pending) b->state = BitstreamBuffer::Committed;
    if (pic.inputBuffer || pic.outputBitstream) {
      // NVENC accepts EOS only as a separate call without picture.
      if (pic.inputBuffer) return s->fail(ST_INVALID_PARAM, "NV_ENC_PIC_FLAG_EOS must be sent with inputBuffer = NULL");
    }
    return drainEngine(s);
  }
  if (!pic.inputBuffer) return s->fail(ST_INVALID_PTR, "inputBuffer is NULL");
  if (!pic.outputBitstream) return s->fail(ST_INVALID_PTR, "outputBitstream is NULL");
  auto* ob = (BitstreamBuffer*)pic.outputBitstream;
  if (!s->outputs.count(ob))
    return s->fail(ST_INVALID_PARAM, "outputBitstream is not a bitstream buffer of this session");
  if (ob->state != BitstreamBuffer::Idle)
    return s->fail(ST_INVALID_PARAM,
                   "outputBitstream is still in use by an earlier picture (lock and unlock it first)");
  // inputWidth/inputHeight 0 means "the surface's size" (FFmpeg leaves them 0 for mapped CUDA frames).
  if ((pic.inputWidth && pic.inputWidth < c.width) || (pic.inputHeight && pic.inputHeight < c.height))
    return s->fail(ST_INVALID_PARAM, "inputWidth x inputHeight " + std::to_string(pic.inputWidth) + "x" +
                                         std::to_string(pic.inputHeight) + " is smaller than the encode size " +
                                         std::to_string(c.width) + "x" + std::to_string(c.height) +
                                         " (the software device does not scale)");
  if (pic.pictureStruct != 1)
    return s->fail(ST_UNSUPPORTED_PARAM, "only progressive frames (NV_ENC_PIC_STRUCT_FRAME) are supported");
  if (c.bitDepth == 8 && c.codec == Codec::H264 &&
      (pic.bufferFmt == BF_YUV420_10BIT || pic.bufferFmt == BF_YUV444_10BIT))
    return s->fail(ST_INVALID_PARAM, "10-bit input needs a 10-bit HEVC/AV1 session");
  if (c.chromaFormatIDC != 3 && (pic.bufferFmt == BF_YUV444 || pic.bufferFmt == BF_YUV444_10BIT))
    return s->fail(ST_INVALID_PARAM, "4:4:4 input needs chromaFormatIDC = 3");
  Status f = faultFor("encode", s->encodeCalls + 1);
  if (f != ST_SUCCESS) {
    s->encodeCalls++;
    return s->fail(f, std::string("fault injected by NVENC_SOFT_FAULT (encode): ") + statusName(f));
  }

  if (pic.forceIntraRefreshCnt)
    return s->fail(ST_UNSUPPORTED_PARAM,
                   "forceIntraRefreshWithFrameCnt: the software device cannot start a refresh wave on demand "
                   "(libavcodec gives no access to x264's intra-refresh call); waves follow intraRefreshCnt");
  if (pic.ltrMark || pic.ltrUse)
    return s->fail(ST_UNSUPPORTED_PARAM,
                   "LTR per picture: long-term references are not supported (NV_ENC_CAPS_NUM_MAX_LTR_FRAMES = 0)");
  EngineFrame ef;
  ef.width = c.width;
  ef.height = c.height;
  if (pic.qpDeltaMap || pic.qpDeltaMapSize) {
    if (c.rc.qpMapMode != 2)
      return s->fail(ST_INVALID_PARAM, "qpDeltaMap given but NV_ENC_RC_PARAMS::qpMapMode is not NV_ENC_QP_MAP_DELTA");
    uint32_t cols = (c.width + 15) / 16, rows = (c.height + 15) / 16;
    if (!pic.qpDeltaMap) return s->fail(ST_INVALID_PTR, "qpDeltaMapSize > 0 but qpDeltaMap is NULL");
    if (pic.qpDeltaMapSize < cols * rows)
      return s->fail(ST_INVALID_PARAM, "qpDeltaMapSize " + std::to_string(pic.qpDeltaMapSize) +
                                           " is smaller than the " + std::to_string(cols) + "x" + std::to_string(rows) +
                                           " = " + std::to_string(cols * rows) + " macroblocks of the picture");
    ef.qpDelta.assign(pic.qpDeltaMap, pic.qpDeltaMap + cols * rows);
    ef.qpDeltaCols = cols;
    ef.qpDeltaRows = rows;
    ef.qpBlock = 16;
  }
  if (s->streamsSet && s->maps.count((Mapping*)pic.inputBuffer)) {
    int r = cuda::streamSynchronize(s->cuContext, s->inputStream);
    if (r != 0 && r != -2)
      return s->fail(ST_GENERIC, "waiting for the input CUDA stream failed: " + cuda::errorText(r));
    if (r == 0) s->streamSyncs++;
  }
  Status st = readInput(s, pic, ef);
  if (st != ST_SUCCESS) return st;
  s->encodeCalls++;

  // NVENC GOP pattern: decides which submissions complete a reorder group.
  int type;
  bool idrDue = c.idrPeriod != 0 && c.idrPeriod != kInfinite && s->framesSinceIDR >= c.idrPeriod;
  bool gopDue =
      c.gopLength != 0 && c.gopLength != kInfinite && s->framesSinceIDR > 0 && (s->framesSinceIDR % c.gopLength) == 0;
  // Reference invalidation is emulated by an IDR: the next picture references nothing older.
  if (s->engineDrained || idrDue || (pic.flags & PF_FORCEIDR) || c.gopLength == 1 || s->invalidatePending)
    type = PIC_IDR;
  else if ((pic.flags & PF_FORCEINTRA) || gopDue || c.frameIntervalP == 0)
    type = PIC_I;
  else if (c.frameIntervalP <= 1 || (int)s->framesSinceAnchor + 1 >= c.frameIntervalP)
    type = PIC_P;
  else
    type = PIC_B;
  ef.typeHint = type;
  ef.forceIDR = type == PIC_IDR;
  ef.serial = s->nextSerial++;
  if (c.intraRefresh && c.codec == Codec::HEVC && type != PIC_IDR && s->framesSinceIDR % (c.intraRefreshCnt + 1) == 0) {
    // libx265 starts a refresh wave here but writes no recovery point SEI (x264 does): add one,
    // as NVENC does, so a decoder joining at this picture knows when it is clean.
    BitWriter w;
    w.se((int32_t)c.intraRefreshCnt);  // recovery_poc_cnt
    w.u(1, 0);                         // exact_match_flag
    w.u(1, 0);                         // broken_link_flag
    if (w.bits() % 8) {
      w.u(1, 1);
      w.align0();
    }
    pic.sei.insert(pic.sei.begin(), SeiPayload{6, w.bytes()});
  }
  s->meta[ef.serial] =
      FrameMeta{pic.ts, pic.duration, pic.frameIdx ? pic.frameIdx : (uint32_t)ef.serial, pic.flags, std::move(pic.sei)};

  ob->state = BitstreamBuffer::Pending;
  ob->filled = false;
  s->queue.push_back(ob);

  std::string err;
  st = s->engine->submit(ef, err);
  if (st != ST_SUCCESS) {
    s->queue.pop_back();
    ob->state = BitstreamBuffer::Idle;
    s->meta.erase(ef.serial);
    return s->fail(st, "encode failed: " + err);
  }
  s->engineDrained = false;
  if (type == PIC_IDR) {
    s->framesSinceIDR = 0;
    s->invalidatePending = false;
    s->recentTs.clear();
  }
  s->recentTs.push_back(pic.ts);
  if (s->recentTs.size() > 16) s->recentTs.pop_front();
  s->framesSinceIDR++;
  if (type == PIC_B) {
    s->framesSinceAnchor++;
  } else {
    s->framesSinceAnchor = 0;
    for (auto* b : s->queue)
      if (b->state == BitstreamBuffer::Pending) b->state = BitstreamBuffer::Committed;
  }
  assignPackets(s);
  if (type == PIC_B) return ST_NEED_MORE_INPUT;
  return ST_SUCCESS;
}

Status coreLockBitstream(Session* s, void* p, bool doNotWait, LockOut* out) {
  if (!s->initialized)
    return s->fail(ST_ENCODER_NOT_INITIALIZED, "nvEncLockBitstream called before nvEncInitializeEncoder");
  if (!p) return s->fail(ST_INVALID_PTR, "outputBitstream is NULL");
  auto* b = (BitstreamBuffer*)p;
  if (!s->outputs.count(b))
    return s->fail(ST_INVALID_PARAM, "outputBitstream is not a bitstream buffer of this session");
  Status f = faultFor("lock", ++s->lockCalls);
  if (f != ST_SUCCESS) return s->fail(f, std::string("fault injected by NVENC_SOFT_FAULT (lock): ") + statusName(f));
  switch (b->state) {
    case BitstreamBuffer::Idle: return s->fail(ST_INVALID_PARAM, "no picture was submitted with this bitstream buffer");
    case BitstreamBuffer::Locked:
      return s->fail(ST_LOCK_BUSY, "bitstream buffer is already locked (nvEncUnlockBitstream was not called)");
    case BitstreamBuffer::Pending:
      if (doNotWait)
        return s->fail(ST_LOCK_BUSY,
                       "picture not encoded yet (nvEncEncodePicture returned NV_ENC_ERR_NEED_MORE_INPUT)");
      return s->fail(ST_INVALID_CALL,
                     "bitstream buffer is pending: nvEncEncodePicture returned NV_ENC_ERR_NEED_MORE_INPUT for it; "
                     "lock only after a later nvEncEncodePicture returns NV_ENC_SUCCESS");
    case BitstreamBuffer::Committed: break;
  }
  if (!b->filled) {
    // The libav encoder still holds the picture (its own lookahead/reorder delay). The driver
    // would have it ready: finish everything submitted so far (the next picture becomes an IDR).
    s->catchUpDrains++;
    Status st = drainEngine(s);
    if (st != ST_SUCCESS) return st;
    if (!b->filled) return s->fail(ST_GENERIC, "internal error: encoder produced no picture for this buffer");
    if (s->cfg.frameIntervalP > 1) {
      // This client locks as soon as NV_ENC_SUCCESS is returned, which the reordering libav
      // encoders cannot serve: continue without B-frames rather than restarting every group.
      EncodeConfig c = s->cfg;
      c.frameIntervalP = 1;
      auto engine = nullEngineSelected() ? makeNullEngine() : makeLibavEngine();
      std::string err;
      if (engine->open(c, err) == ST_SUCCESS) {
        s->engine = std::move(engine);
        s->cfg = c;
      }
    }
  }
  b->state = BitstreamBuffer::Locked;
  out->numSlices = 0;
  out->sliceOffsets.clear();
  if (s->cfg.codec == Codec::AV1) {
    out->numSlices = 1;
    out->sliceOffsets.push_back(0);
  } else {
    for (const NalRef& n : splitAnnexB(b->data.data(), b->data.size())) {
      int t = nalType(s->cfg.codec, b->data.data() + n.offset);
      bool vcl = s->cfg.codec == Codec::H264 ? (t >= 1 && t <= 5) : (t >= 0 && t <= 31);
      if (!vcl) continue;
      size_t start = n.offset >= 4 && b->data[n.offset - 4] == 0 ? n.offset - 4 : n.offset - 3;
      out->sliceOffsets.push_back((uint32_t)start);
      out->numSlices++;
    }
  }
  out->data = b->data.data();
  out->size = (uint32_t)b->data.size();
  out->picType = b->picType;
  out->frameIdx = b->frameIdx;
  out->ts = b->ts;
  out->duration = b->duration;
  out->avgQP = b->avgQP;
  return ST_SUCCESS;
}

Status coreUnlockBitstream(Session* s, void* p) {
  if (!p) return s->fail(ST_INVALID_PTR, "outputBitstream is NULL");
  auto* b = (BitstreamBuffer*)p;
  if (!s->outputs.count(b))
    return s->fail(ST_INVALID_PARAM, "outputBitstream is not a bitstream buffer of this session");
  if (b->state != BitstreamBuffer::Locked) return s->fail(ST_INVALID_CALL, "bitstream buffer is not locked");
  b->state = BitstreamBuffer::Idle;
  b->filled = false;
  auto it = std::find(s->queue.begin(), s->queue.end(), b);
  if (it != s->queue.end()) s->queue.erase(it);
  return ST_SUCCESS;
}

// ---------------------------------------------------------------------------------------------
Status coreRegister(Session* s, int type, void* res, uint32_t w, uint32_t h, uint32_t pitch, uint32_t fmt, int usage,
                    Registration** out) {
  if (!s->initialized)
    return s->fail(ST_ENCODER_NOT_INITIALIZED, "nvEncRegisterResource called before nvEncInitializeEncoder");
  if (type == 2)
    return s->fail(ST_UNSUPPORTED_PARAM,
                   "NV_ENC_INPUT_RESOURCE_TYPE_CUDAARRAY is not supported by the software device; register a "
                   "CUdeviceptr with pitch");
  if (type != 1)
    return s->fail(ST_UNSUPPORTED_PARAM,
                   "resourceType " + std::to_string(type) +
                       " is not supported in a CUDA session (use NV_ENC_INPUT_RESOURCE_TYPE_CUDADEVICEPTR)");
  if (usage != 0) return s->fail(ST_UNSUPPORTED_PARAM, "only bufferUsage NV_ENC_INPUT_IMAGE is supported");
  if (!res) return s->fail(ST_INVALID_PTR, "resourceToRegister is NULL");
  if (!bufFmtSupported(fmt))
    return s->fail(ST_INVALID_PARAM, std::string("bufferFormat ") + bufFmtName(fmt) + " is not supported");
  if (w == 0 || h == 0 || w > kMaxDim || h > kMaxDim) return s->fail(ST_INVALID_PARAM, "resource size must be 1..4096");
  PlaneLayout L;
  if (!planeLayout(fmt, w, h, pitch, &L))
    return s->fail(ST_INVALID_PARAM, "pitch " + std::to_string(pitch) + " is smaller than a row of " +
                                         std::to_string(w) + " " + bufFmtName(fmt) + " pixels");
  Status f = faultFor("register", 1);
  if (f != ST_SUCCESS)
    return s->fail(f, std::string("fault injected by NVENC_SOFT_FAULT (register): ") + statusName(f));
  uint64_t dptr = (uint64_t)(uintptr_t)res, base = 0;
  size_t size = 0;
  int r = cuda::addressRange(s->cuContext, dptr, &base, &size);
  if (r == -2) {
    // libcuda without cuMemGetAddressRange: cannot bounds-check
  } else if (r != 0) {
    return s->fail(ST_RESOURCE_REGISTER_FAILED,
                   "resourceToRegister is not CUDA device memory of the session's context (cuMemGetAddressRange: " +
                       cuda::errorText(r) + ")");
  } else if (dptr + L.total > base + size) {
    return s->fail(ST_RESOURCE_REGISTER_FAILED, "surface " + std::to_string(w) + "x" + std::to_string(h) + " " +
                                                    bufFmtName(fmt) + " pitch " + std::to_string(pitch) + " needs " +
                                                    std::to_string(L.total) + " bytes but the allocation holds only " +
                                                    std::to_string(base + size - dptr) + " from that address");
  }
  auto* reg = new Registration();
  reg->devicePtr = dptr;
  reg->fmt = fmt;
  reg->width = w;
  reg->height = h;
  reg->pitch = pitch;
  reg->bytes = L.total;
  s->regs.insert(reg);
  *out = reg;
  return ST_SUCCESS;
}

Status coreUnregister(Session* s, void* p) {
  if (!p) return s->fail(ST_INVALID_PTR, "registeredResource is NULL");
  auto* r = (Registration*)p;
  if (!s->regs.count(r)) return s->fail(ST_RESOURCE_NOT_REGISTERED, "resource is not registered with this session");
  if (r->mapCount > 0) return s->fail(ST_INVALID_CALL, "resource is still mapped: call nvEncUnmapInputResource first");
  s->regs.erase(r);
  delete r;
  return ST_SUCCESS;
}

Status coreMap(Session* s, void* p, Mapping** out, uint32_t* fmt) {
  if (!s->initialized)
    return s->fail(ST_ENCODER_NOT_INITIALIZED, "nvEncMapInputResource called before nvEncInitializeEncoder");
  if (!p) return s->fail(ST_INVALID_PTR, "registeredResource is NULL");
  auto* r = (Registration*)p;
  if (!s->regs.count(r))
    return s->fail(ST_RESOURCE_NOT_REGISTERED, "registeredResource is not registered with this session");
  auto* m = new Mapping();
  m->reg = r;
  r->mapCount++;
  s->maps.insert(m);
  *out = m;
  *fmt = r->fmt;
  return ST_SUCCESS;
}

Status coreUnmap(Session* s, void* p) {
  if (!p) return s->fail(ST_INVALID_PTR, "mappedInputBuffer is NULL");
  auto* m = (Mapping*)p;
  if (!s->maps.count(m))
    return s->fail(ST_RESOURCE_NOT_MAPPED, "mappedInputBuffer is not a currently mapped resource of this session");
  if (s->regs.count(m->reg)) m->reg->mapCount--;
  s->maps.erase(m);
  delete m;
  return ST_SUCCESS;
}

Status coreInvalidateRefFrames(Session* s, uint64_t ts) {
  if (!s->initialized)
    return s->fail(ST_ENCODER_NOT_INITIALIZED, "nvEncInvalidateRefFrames called before nvEncInitializeEncoder");
  if (!featureCaps(s->cfg.codec).refPicInvalidation)
    return s->fail(ST_UNSUPPORTED_PARAM,
                   "reference picture invalidation is not supported (NV_ENC_CAPS_SUPPORT_REF_PIC_INVALIDATION = 0)");
  // Like NVENC, a timestamp that is no longer a reference (or was never encoded) changes nothing.
  if (std::find(s->recentTs.begin(), s->recentTs.end(), ts) != s->recentTs.end()) s->invalidatePending = true;
  return ST_SUCCESS;
}

Status coreSequenceParams(Session* s, std::vector<uint8_t>* out) {
  if (!s->initialized)
    return s->fail(ST_ENCODER_NOT_INITIALIZED, "nvEncGetSequenceParams called before nvEncInitializeEncoder");
  *out = s->engine->paramSets();
  return ST_SUCCESS;
}

}  // namespace nvsoft

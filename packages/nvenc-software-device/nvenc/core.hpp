// ABI-neutral core of the software NVENC device.
// Nothing in here includes an NVIDIA header: the per-ABI adapter (abi/, compiled once per header
// version) translates the client's structs into these types.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace nvsoft {

// Status values: numerically identical to NVENCSTATUS in every supported header
// (the adapters static_assert this).
enum Status : int {
  ST_SUCCESS = 0,
  ST_NO_ENCODE_DEVICE = 1,
  ST_UNSUPPORTED_DEVICE = 2,
  ST_INVALID_ENCODERDEVICE = 3,
  ST_INVALID_DEVICE = 4,
  ST_DEVICE_NOT_EXIST = 5,
  ST_INVALID_PTR = 6,
  ST_INVALID_EVENT = 7,
  ST_INVALID_PARAM = 8,
  ST_INVALID_CALL = 9,
  ST_OUT_OF_MEMORY = 10,
  ST_ENCODER_NOT_INITIALIZED = 11,
  ST_UNSUPPORTED_PARAM = 12,
  ST_LOCK_BUSY = 13,
  ST_NOT_ENOUGH_BUFFER = 14,
  ST_INVALID_VERSION = 15,
  ST_MAP_FAILED = 16,
  ST_NEED_MORE_INPUT = 17,
  ST_ENCODER_BUSY = 18,
  ST_EVENT_NOT_REGISTERD = 19,
  ST_GENERIC = 20,
  ST_INCOMPATIBLE_CLIENT_KEY = 21,
  ST_UNIMPLEMENTED = 22,
  ST_RESOURCE_REGISTER_FAILED = 23,
  ST_RESOURCE_NOT_REGISTERED = 24,
  ST_RESOURCE_NOT_MAPPED = 25,
};
const char* statusName(int st);

enum class Codec { None, H264, HEVC, AV1 };
enum class Profile { Auto, H264Baseline, H264Main, H264High, H264High444, HEVCMain, HEVCMain10, HEVCFrext, AV1Main };
enum Tuning { TUNE_UNDEFINED = 0, TUNE_HQ = 1, TUNE_LL = 2, TUNE_ULL = 3, TUNE_LOSSLESS = 4 };
// Rate control modes: NV_ENC_PARAMS_RC_MODE values.
enum RcMode {
  RC_CONSTQP = 0,
  RC_VBR = 1,
  RC_CBR = 2,
  RC_VBR_MINQP = 4,
  RC_CBR_LOWDELAY_HQ = 8,
  RC_CBR_HQ = 0x10,
  RC_VBR_HQ = 0x20
};
// Picture types: NV_ENC_PIC_TYPE values.
enum PicType { PIC_P = 0, PIC_B = 1, PIC_I = 2, PIC_IDR = 3, PIC_UNKNOWN = 0xFF };
// Picture flags: NV_ENC_PIC_FLAGS values.
enum PicFlag { PF_FORCEINTRA = 1, PF_FORCEIDR = 2, PF_OUTPUT_SPSPPS = 4, PF_EOS = 8 };
// Buffer formats: NV_ENC_BUFFER_FORMAT values.
enum BufFmt : uint32_t {
  BF_UNDEFINED = 0,
  BF_NV12 = 0x1,
  BF_YV12 = 0x10,
  BF_IYUV = 0x100,
  BF_YUV444 = 0x1000,
  BF_YUV420_10BIT = 0x10000,
  BF_YUV444_10BIT = 0x100000,
  BF_ARGB = 0x1000000,
  BF_ARGB10 = 0x2000000,
  BF_AYUV = 0x4000000,
  BF_ABGR = 0x10000000,
  BF_ABGR10 = 0x20000000,
};
bool bufFmtSupported(uint32_t fmt);
const char* bufFmtName(uint32_t fmt);
struct PlaneLayout {
  int count = 0;
  size_t offset[3]{};
  size_t pitch[3]{};
  size_t rowBytes[3]{};
  size_t rows[3]{};
  size_t total = 0;
};
// Layout of a (pitched, contiguous) frame of format fmt as NVENC defines it.
bool planeLayout(uint32_t fmt, uint32_t width, uint32_t height, size_t pitch, PlaneLayout* out);
size_t minPitch(uint32_t fmt, uint32_t width);

struct Vui {
  bool present = false;  // the codec config carried a VUI block (always true when parsed)
  bool videoSignalTypePresent = false;
  uint32_t videoFormat = 5;
  bool fullRange = false;
  bool colourDescriptionPresent = false;
  uint32_t colourPrimaries = 2, transferCharacteristics = 2, colourMatrix = 2;
  bool bitstreamRestriction = false;
};

struct RcParams {
  int mode = RC_VBR;
  uint32_t qpP = 28, qpB = 31, qpI = 25;
  uint32_t averageBitRate = 0, maxBitRate = 0, vbvBufferSize = 0, vbvInitialDelay = 0;
  bool enableMinQP = false, enableMaxQP = false;
  uint32_t minQP[3]{}, maxQP[3]{};  // P, B, I
  bool enableAQ = false, enableLookahead = false, zeroReorderDelay = false, strictGOPTarget = false;
  uint32_t lookaheadDepth = 0;
  uint32_t targetQuality = 0;
  int multiPass = 0;        // 0 disabled, 1 quarter-resolution first pass, 2 full-resolution
  uint32_t aqStrength = 0;  // 0 = auto (8), 1..15
  bool enableTemporalAQ = false;
  bool disableIadapt = false, disableBadapt = false;
  int qpMapMode = 0;  // NV_ENC_QP_MAP_MODE: 0 disabled, 1 emphasis, 2 delta, 3 QP map
};

// Everything the engine needs, independent of the header that carried it.
struct EncodeConfig {
  Codec codec = Codec::None;
  Profile profile = Profile::Auto;
  int preset = 4;  // 1..7 (P1..P7)
  int tuning = TUNE_HQ;
  uint32_t width = 0, height = 0, darW = 0, darH = 0;
  uint32_t fpsNum = 30, fpsDen = 1;
  uint32_t gopLength = 250;  // 0xffffffff = infinite
  int frameIntervalP = 1;    // 1 = IPPP, 0 = intra only, n = n-1 B-frames
  uint32_t idrPeriod = 250;  // 0 / 0xffffffff = infinite
  RcParams rc;
  bool repeatSPSPPS = false, disableSPSPPS = false, outputAUD = false;
  int chromaFormatIDC = 1;  // 1 = 4:2:0, 3 = 4:4:4
  int bitDepth = 8;         // output bit depth
  bool lossless = false;    // qpPrimeYZeroTransformBypass / lossless tuning
  uint32_t level = 0;       // 0 = autoselect
  uint32_t maxNumRefFrames = 0;
  int bframeRefMode = 0;  // 0 disabled, 1 each, 2 middle
  int entropy = 0;        // 0 auto, 1 cabac, 2 cavlc (H.264)
  uint32_t sliceMode = 0, sliceModeData = 0;
  bool intraRefresh = false;  // periodic intra refresh instead of IDRs (H.264/HEVC)
  uint32_t intraRefreshPeriod = 0, intraRefreshCnt = 0;
  bool weightedPrediction = false;  // NV_ENC_INITIALIZE_PARAMS::enableWeightedPrediction
  bool reportSliceOffsets = false;
  Vui vui;
  uint32_t maxEncodeWidth = 0, maxEncodeHeight = 0;
  uint32_t bufferFormat = 0;  // 12.1 init param (informational)
};

struct PresetDefaults {  // what nvEncGetEncodePresetConfig(Ex) reports
  uint32_t gopLength;
  int frameIntervalP;
  int rcMode;
  uint32_t qpP, qpB, qpI;
  int multiPass;
  bool zeroReorderDelay;
  bool lookahead;
  uint32_t lookaheadDepth;
};
PresetDefaults presetDefaults(Codec codec, int preset, int tuning);

struct SeiPayload {
  uint32_t type;
  std::vector<uint8_t> data;
};

// ---------------------------------------------------------------------------------------------
// Engine: turns input pictures into Annex B access units (no parameter sets: the core inserts
// them), in decode order, possibly with delay.
struct EngineFrame {
  uint32_t fmt = 0;
  uint32_t width = 0, height = 0;
  const uint8_t* planes[3]{};
  size_t pitch[3]{};
  int64_t serial = 0;
  bool forceIDR = false;
  bool startIntraRefresh = false;  // begin a new refresh wave with this (P) picture
  int typeHint = PIC_UNKNOWN;      // PIC_P / PIC_B / PIC_IDR (the NVENC GOP pattern)
  // QP delta per macroblock (H.264) / CTB (HEVC) in raster order, already in QP units; empty = none
  std::vector<int8_t> qpDelta;
  uint32_t qpDeltaCols = 0, qpDeltaRows = 0, qpBlock = 16;
};
struct EnginePacket {
  int64_t serial = -1;
  std::vector<uint8_t> data;
  int picType = PIC_UNKNOWN;
  uint32_t avgQP = 0;
};
class Engine {
 public:
  virtual ~Engine() = default;
  virtual Status open(const EncodeConfig& cfg, std::string& err) = 0;
  virtual Status submit(const EngineFrame& f, std::string& err) = 0;
  // Emits every frame submitted so far. The next submit starts a new coded video sequence (IDR).
  virtual Status drain(std::string& err) = 0;
  virtual bool pop(EnginePacket& out) = 0;
  // Applies a rate-control / frame-rate change to the running sequence, as NVENC does for a
  // reconfigure without resetEncoder/forceIDR: no new sequence, no IDR. Returns false when this
  // engine cannot (the core then restarts the encoder, which begins with an IDR).
  virtual bool reconfigureInPlace(const EncodeConfig& next) {
    (void)next;
    return false;
  }
  // Parameter sets (Annex B) of the current sequence.
  virtual std::vector<uint8_t> paramSets() = 0;
  virtual const char* name() const = 0;
};
std::unique_ptr<Engine> makeLibavEngine();
std::unique_ptr<Engine> makeNullEngine();
bool libavHasEncoder(Codec c);

// ---------------------------------------------------------------------------------------------
// Session objects.
struct InputBuffer {
  uint32_t magic = 0x494e5042;  // 'INPB'
  uint32_t fmt = 0, width = 0, height = 0;
  size_t pitch = 0;
  std::vector<uint8_t> mem;
  bool locked = false;
};
struct Registration {
  uint32_t magic = 0x52454753;
  uint64_t devicePtr = 0;
  uint32_t fmt = 0, width = 0, height = 0, pitch = 0;
  size_t bytes = 0;
  int mapCount = 0;
};
struct Mapping {
  uint32_t magic = 0x4d415050;
  Registration* reg = nullptr;
};
struct BitstreamBuffer {
  uint32_t magic = 0x42495453;
  std::vector<uint8_t> data;
  enum State { Idle, Pending, Committed, Locked } state = Idle;
  bool filled = false;
  int64_t serial = -1;
  uint64_t ts = 0, duration = 0;
  uint32_t frameIdx = 0, avgQP = 0;
  int picType = PIC_UNKNOWN;
};

struct FrameMeta {
  uint64_t ts, duration;
  uint32_t frameIdx;
  uint32_t flags;
  std::vector<SeiPayload> sei;
};

struct AbiOps;
namespace cuda {
class Library;
}

struct Session {
  uint32_t magic = 0x4e56534f;
  const AbiOps* abi = nullptr;
  uint32_t apiVersion = 0;  // major | minor << 24
  void* cuContext = nullptr;
  const cuda::Library* cuda = nullptr;  // the libcuda that owns cuContext (cuda_bridge.hpp)
  bool initialized = false;
  EncodeConfig cfg;
  std::unique_ptr<Engine> engine;
  std::recursive_mutex mu;
  std::string lastError;

  std::set<InputBuffer*> inputs;
  std::set<BitstreamBuffer*> outputs;
  std::set<Registration*> regs;
  std::set<Mapping*> maps;
  std::deque<BitstreamBuffer*> queue;  // submitted, not yet unlocked, in submission order
  std::map<int64_t, FrameMeta> meta;   // serial -> per-frame data
  int64_t nextSerial = 0;
  uint64_t framesSinceIDR = 0;    // for the GOP pattern
  std::deque<uint64_t> recentTs;  // input timestamps still in the DPB window (reference invalidation)
  bool invalidatePending = false;
  void* inputStream = nullptr;  // nvEncSetIOCudaStreams
  void* outputStream = nullptr;
  bool streamsSet = false;
  uint64_t streamSyncs = 0;  // reads that waited for inputStream (tests)
  uint64_t framesSinceAnchor = 0;
  bool sentParamSets = false;
  std::vector<uint8_t> lastParamSets;  // the SPS/PPS (VPS, sequence header) last put in the stream
  bool engineDrained = false;
  uint64_t catchUpDrains = 0;
  uint64_t encodeCalls = 0, lockCalls = 0, mapReads = 0;
  std::vector<uint8_t> staging;  // host copy of a device frame

  // The API function being served (set by api.cpp's handle lookup); fail() names it.
  const char* call = nullptr;
  // Records lastError as "<call>: <msg>" (msg alone when it already starts with the function's
  // name), returns st: every failure leaves a sentence that says which call failed and why.
  Status fail(Status st, const std::string& msg);
  // GOP structure the client initialized with (nvEncReconfigureEncoder may not change it); cfg's
  // frameIntervalP can drop to 1 when the engine continues without B-frames.
  uint32_t initGopLength = 0;
  int initFrameIntervalP = 1;
};
// ST_SUCCESS once nvEncInitializeEncoder succeeded, else NV_ENC_ERR_ENCODER_NOT_INITIALIZED with a
// sentence naming fn. NVIDIA: no buffer or encoding related call before a successful initialization.
Status requireInitialized(Session* s, const char* fn);

// ---------------------------------------------------------------------------------------------
// Core operations used by the adapters. Every one expects s->mu held by the caller
// (the trampolines do it) and reports errors through Session::fail.
uint32_t maxApiVersion();  // major | minor << 24
int maxApiMajor();
int maxApiMinor();
Status sessionOpen(const AbiOps* abi, uint32_t apiVersion, int deviceType, void* device, Session** out,
                   std::string& err);
void sessionDestroy(Session* s);
Status coreInitialize(Session* s, const EncodeConfig& cfg);
Status coreReconfigure(Session* s, const EncodeConfig& cfg, bool resetEncoder, bool forceIDR);
Status coreCreateInputBuffer(Session* s, uint32_t w, uint32_t h, uint32_t fmt, InputBuffer** out);
Status coreDestroyInputBuffer(Session* s, void* buf);
Status coreLockInputBuffer(Session* s, void* buf, void** data, uint32_t* pitch);
Status coreUnlockInputBuffer(Session* s, void* buf);
Status coreCreateBitstreamBuffer(Session* s, BitstreamBuffer** out);
Status coreDestroyBitstreamBuffer(Session* s, void* buf);
struct PicIn {
  void* inputBuffer = nullptr;
  void* outputBitstream = nullptr;
  uint32_t inputWidth = 0, inputHeight = 0, inputPitch = 0, bufferFmt = 0, pictureStruct = 1;
  uint32_t flags = 0;
  uint32_t frameIdx = 0;
  uint64_t ts = 0, duration = 0;
  std::vector<SeiPayload> sei;
  uint32_t forceIntraRefreshCnt = 0;  // H.264/HEVC pic params forceIntraRefreshWithFrameCnt
  const int8_t* qpDeltaMap = nullptr;
  uint32_t qpDeltaMapSize = 0;
  bool ltrMark = false, ltrUse = false;
};
Status coreEncodePicture(Session* s, PicIn& pic);
struct LockOut {
  void* data = nullptr;
  uint32_t size = 0;
  int picType = PIC_UNKNOWN;
  uint32_t frameIdx = 0;
  uint64_t ts = 0, duration = 0;
  uint32_t avgQP = 0;
  uint32_t numSlices = 1;
  std::vector<uint32_t> sliceOffsets;  // byte offset of each slice NAL unit's start code
};
Status coreLockBitstream(Session* s, void* buf, bool doNotWait, LockOut* out);
Status coreUnlockBitstream(Session* s, void* buf);
Status coreRegister(Session* s, int resourceType, void* resource, uint32_t w, uint32_t h, uint32_t pitch, uint32_t fmt,
                    int usage, Registration** out);
Status coreUnregister(Session* s, void* reg);
Status coreMap(Session* s, void* reg, Mapping** out, uint32_t* fmt);
Status coreUnmap(Session* s, void* mapped);
Status coreSequenceParams(Session* s, std::vector<uint8_t>* out);
// Parameter sets an encoder initialized with cfg would emit, without initializing this session.
Status coreSequenceParamsFor(Session* s, const EncodeConfig& cfg, std::vector<uint8_t>* out);
Status coreInvalidateRefFrames(Session* s, uint64_t ts);
// The capability values the device reports (nvEncGetEncodeCaps), ABI-neutral: the adapters map
// NV_ENC_CAPS_* to these so one table says what the engine honours. NVENC_SOFT_CAPS_DENY lets a
// test make any of them read 0 (see README).
struct FeatureCaps {
  int intraRefresh, refPicInvalidation, lookahead, temporalAQ, weightedPrediction, bframeRefMode, emphasisLevelMap,
      dynamicSliceMode, ltrFrames, multipleRefFrames, customVbv;
};
FeatureCaps featureCaps(Codec c);
bool capDenied(const char* name);
bool encoderAvailable(Codec c);

// Per-ABI entry points. The shared trampolines (api.cpp) look the session up and call these.
// The parameter structs of calls for features the device does not offer (completion events,
// ME-only mode, encoder state restore, external lookahead): the adapter knows their versions.
enum class FeatureStruct { EventParams, CreateMVBuffer, MEOnlyParams, RestoreEncoderState, LookaheadPicParams };

struct AbiOps {
  const char* name;
  uint32_t apiVersion;
  Status (*openSession)(void* params, void** encoder);
  Status (*getEncodeGUIDCount)(Session*, uint32_t*);
  Status (*getEncodeGUIDs)(Session*, void* guids, uint32_t size, uint32_t* count);
  Status (*getProfileGUIDCount)(Session*, const void* codec, uint32_t*);
  Status (*getProfileGUIDs)(Session*, const void* codec, void* guids, uint32_t size, uint32_t* count);
  Status (*getInputFormatCount)(Session*, const void* codec, uint32_t*);
  Status (*getInputFormats)(Session*, const void* codec, uint32_t* fmts, uint32_t size, uint32_t* count);
  Status (*getEncodeCaps)(Session*, const void* codec, void* capsParam, int* val);
  Status (*getPresetCount)(Session*, const void* codec, uint32_t*);
  Status (*getPresetGUIDs)(Session*, const void* codec, void* guids, uint32_t size, uint32_t* count);
  Status (*getPresetConfig)(Session*, const void* codec, const void* preset, void* cfg);
  Status (*getPresetConfigEx)(Session*, const void* codec, const void* preset, int tuning, void* cfg);
  Status (*initialize)(Session*, void* params);
  Status (*createInputBuffer)(Session*, void* params);
  Status (*createBitstreamBuffer)(Session*, void* params);
  Status (*encodePicture)(Session*, void* params);
  Status (*lockBitstream)(Session*, void* params);
  Status (*lockInputBuffer)(Session*, void* params);
  Status (*getSequenceParams)(Session*, void* params);
  Status (*registerResource)(Session*, void* params);
  Status (*mapInputResource)(Session*, void* params);
  Status (*reconfigure)(Session*, void* params);
  Status (*getEncodeStats)(Session*, void* params);
  // nvEncGetSequenceParamEx: before initialization, the parameter sets initParams would produce.
  Status (*getSequenceParamEx)(Session*, void* initParams, void* payload);
  // The version a struct of this ABI must carry in this session; 0 if the ABI lacks the struct.
  uint32_t (*featureStructVersion)(const Session*, FeatureStruct);
};
extern const AbiOps* const kAbi_11_1;
extern const AbiOps* const kAbi_12_1;
// Fills an NV_ENCODE_API_FUNCTION_LIST of the given ABI with the shared trampolines.
void fillFunctionList_11_1(void* fl);
void fillFunctionList_12_1(void* fl);

// Trampolines (api.cpp), referenced by the adapters when filling the function list.
namespace tramp {
struct Guid {
  uint32_t d1;
  uint16_t d2, d3;
  uint8_t d4[8];
};
int openEncodeSession(void* device, uint32_t deviceType, void** encoder);
int getEncodeGUIDCount(void* enc, uint32_t* count);
int getEncodeGUIDs(void* enc, Guid* guids, uint32_t size, uint32_t* count);
int getProfileGUIDCount(void* enc, Guid codec, uint32_t* count);
int getProfileGUIDs(void* enc, Guid codec, Guid* guids, uint32_t size, uint32_t* count);
int getInputFormatCount(void* enc, Guid codec, uint32_t* count);
int getInputFormats(void* enc, Guid codec, uint32_t* fmts, uint32_t size, uint32_t* count);
int getEncodeCaps(void* enc, Guid codec, void* capsParam, int* val);
int getPresetCount(void* enc, Guid codec, uint32_t* count);
int getPresetGUIDs(void* enc, Guid codec, Guid* guids, uint32_t size, uint32_t* count);
int getPresetConfig(void* enc, Guid codec, Guid preset, void* cfg);
int getPresetConfigEx(void* enc, Guid codec, Guid preset, int tuning, void* cfg);
int initializeEncoder(void* enc, void* params);
int createInputBuffer(void* enc, void* params);
int destroyInputBuffer(void* enc, void* buf);
int createBitstreamBuffer(void* enc, void* params);
int destroyBitstreamBuffer(void* enc, void* buf);
int encodePicture(void* enc, void* params);
int lockBitstream(void* enc, void* params);
int unlockBitstream(void* enc, void* buf);
int lockInputBuffer(void* enc, void* params);
int unlockInputBuffer(void* enc, void* buf);
int getEncodeStats(void* enc, void* stats);
int getSequenceParams(void* enc, void* payload);
int registerAsyncEvent(void* enc, void* params);
int unregisterAsyncEvent(void* enc, void* params);
int mapInputResource(void* enc, void* params);
int unmapInputResource(void* enc, void* mapped);
int destroyEncoder(void* enc);
int invalidateRefFrames(void* enc, uint64_t ts);
int openEncodeSessionEx(void* params, void** encoder);
int registerResource(void* enc, void* params);
int unregisterResource(void* enc, void* reg);
int reconfigureEncoder(void* enc, void* params);
int createMVBuffer(void* enc, void* params);
int destroyMVBuffer(void* enc, void* buf);
int runMotionEstimationOnly(void* enc, void* params);
const char* getLastErrorString(void* enc);
int setIOCudaStreams(void* enc, void* in, void* out);
int getSequenceParamEx(void* enc, void* init, void* payload);
int restoreEncoderState(void* enc, void* params);
int lookaheadPicture(void* enc, void* params);
}  // namespace tramp

// Set by trampolines for calls without a usable session (global last error).
void setGlobalError(const std::string& msg);

// Environment
std::string envStr(const char* name, const char* def);
bool nullEngineSelected();
int maxSessions();
// Fault injection (NVENC_SOFT_FAULT): returns a status to inject for (point, n-th call) or ST_SUCCESS.
Status faultFor(const char* point, uint64_t n);

}  // namespace nvsoft

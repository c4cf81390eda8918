// nvEncEncodePicture (GOP pattern, per-picture controls), reference invalidation, parameter sets.
#include <algorithm>

#include "bitstream.hpp"
#include "core.hpp"
#include "cuda_bridge.hpp"
#include "session_internal.hpp"

namespace nvsoft {

Status coreEncodePicture(Session* s, PicIn& pic) {
  if (Status ni = requireInitialized(s, "nvEncEncodePicture")) return ni;
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
    int r = s->cuda->streamSynchronize(s->cuContext, s->inputStream);
    if (r != 0 && r != -2)
      return s->fail(ST_GENERIC, "waiting for the input CUDA stream failed: " + s->cuda->errorText(r));
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

Status coreInvalidateRefFrames(Session* s, uint64_t ts) {
  if (Status ni = requireInitialized(s, "nvEncInvalidateRefFrames")) return ni;
  if (!featureCaps(s->cfg.codec).refPicInvalidation)
    return s->fail(ST_UNSUPPORTED_PARAM,
                   "reference picture invalidation is not supported (NV_ENC_CAPS_SUPPORT_REF_PIC_INVALIDATION = 0)");
  // Like NVENC, a timestamp that is no longer a reference (or was never encoded) changes nothing.
  if (std::find(s->recentTs.begin(), s->recentTs.end(), ts) != s->recentTs.end()) s->invalidatePending = true;
  return ST_SUCCESS;
}

Status coreSequenceParams(Session* s, std::vector<uint8_t>* out) {
  if (Status ni = requireInitialized(s, "nvEncGetSequenceParams")) return ni;
  *out = s->engine->paramSets();
  return ST_SUCCESS;
}

Status coreSequenceParamsFor(Session* s, const EncodeConfig& cfg, std::vector<uint8_t>* out) {
  Status st = validateConfig(s, cfg);
  if (st != ST_SUCCESS) return st;
  // The same engine code and settings as nvEncInitializeEncoder, so the same parameter sets.
  auto engine = makeSelectedEngine();
  std::string err;
  st = engine->open(cfg, err);
  if (st != ST_SUCCESS) return s->fail(st, "nvEncGetSequenceParamEx: encoder setup failed: " + err);
  *out = engine->paramSets();
  return ST_SUCCESS;
}

}  // namespace nvsoft

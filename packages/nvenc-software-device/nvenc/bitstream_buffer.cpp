// Bitstream buffers: create/destroy, filling them with access units, lock/unlock.
#include <algorithm>

#include "bitstream.hpp"
#include "core.hpp"
#include "session_internal.hpp"

namespace nvsoft {

Status coreCreateBitstreamBuffer(Session* s, BitstreamBuffer** out) {
  if (Status ni = requireInitialized(s, "nvEncCreateBitstreamBuffer")) return ni;
  auto* b = new BitstreamBuffer();
  b->data.reserve(1 << 16);
  s->outputs.insert(b);
  *out = b;
  return ST_SUCCESS;
}

Status coreDestroyBitstreamBuffer(Session* s, void* p) {
  if (Status ni = requireInitialized(s, "nvEncDestroyBitstreamBuffer")) return ni;
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

void assignPackets(Session* s) {
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

Status coreLockBitstream(Session* s, void* p, bool doNotWait, LockOut* out) {
  if (Status ni = requireInitialized(s, "nvEncLockBitstream")) return ni;
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
      auto engine = makeSelectedEngine();
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
  if (Status ni = requireInitialized(s, "nvEncUnlockBitstream")) return ni;
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

}  // namespace nvsoft

// nvEncInitializeEncoder / nvEncReconfigureEncoder and draining the engine.
#include "core.hpp"
#include "session_internal.hpp"

namespace nvsoft {

void resetPattern(Session* s) {
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
  auto engine = makeSelectedEngine();
  std::string err;
  st = engine->open(cfg, err);
  if (st != ST_SUCCESS) return s->fail(st, "encoder initialization failed: " + err);
  s->cfg = cfg;
  s->initGopLength = cfg.gopLength;
  s->initFrameIntervalP = cfg.frameIntervalP;
  s->engine = std::move(engine);
  s->initialized = true;
  resetPattern(s);
  return ST_SUCCESS;
}

Status drainEngine(Session* s) {
  std::string err;
  Status st = s->engine->drain(err);
  assignPackets(s);
  resetPattern(s);
  if (st != ST_SUCCESS) return s->fail(st, "encoder flush failed: " + err);
  return ST_SUCCESS;
}

Status coreReconfigure(Session* s, const EncodeConfig& in, bool resetEncoder, bool forceIDR) {
  if (Status ni = requireInitialized(s, "nvEncReconfigureEncoder")) return ni;
  EncodeConfig c = in;
  // What NVIDIA's header lists as not reconfigurable is refused with UNSUPPORTED_PARAM, the only
  // parameter status nvEncReconfigureEncoder documents (sync/async and PTD mode are refused for
  // every call by translateInit; maxEncodeWidth/Height by the adapter, which sees the raw values).
  if (c.codec != s->cfg.codec)
    return s->fail(ST_UNSUPPORTED_PARAM, "nvEncReconfigureEncoder cannot change the codec (encodeGUID)");
  if (c.gopLength != s->initGopLength || c.frameIntervalP != s->initFrameIntervalP)
    return s->fail(ST_UNSUPPORTED_PARAM,
                   "nvEncReconfigureEncoder cannot change the GOP structure (gopLength " + std::to_string(c.gopLength) +
                       ", frameIntervalP " + std::to_string(c.frameIntervalP) + "; initialized with " +
                       std::to_string(s->initGopLength) + ", " + std::to_string(s->initFrameIntervalP) + ")");
  c.maxEncodeWidth = s->cfg.maxEncodeWidth;
  c.maxEncodeHeight = s->cfg.maxEncodeHeight;
  bool resChange = c.width != s->cfg.width || c.height != s->cfg.height;
  if (resChange && (c.width > s->cfg.maxEncodeWidth || c.height > s->cfg.maxEncodeHeight))
    return s->fail(ST_UNSUPPORTED_PARAM, "new resolution " + std::to_string(c.width) + "x" + std::to_string(c.height) +
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
  auto engine = makeSelectedEngine();
  std::string err;
  st = engine->open(c, err);
  if (st != ST_SUCCESS) return s->fail(st, "reconfigure failed: " + err);
  s->engine = std::move(engine);
  s->cfg = c;
  // A restarted engine begins a new coded video sequence: the next picture is an IDR.
  resetPattern(s);
  return ST_SUCCESS;
}

}  // namespace nvsoft

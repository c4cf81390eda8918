// What nvEncGetEncodePresetConfig(Ex) reports for each preset and tuning.
#include "core.hpp"
#include "session_internal.hpp"

namespace nvsoft {

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

}  // namespace nvsoft

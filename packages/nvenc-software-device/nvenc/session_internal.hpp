// Helpers the session's operations share across their files (not part of the adapters' API).
#pragma once
#include <cstdint>
#include <memory>

#include "core.hpp"

namespace nvsoft {

// NVENC's "infinite" GOP length / IDR period.
constexpr uint32_t kInfinite = 0xffffffffu;
// NV_ENC_CAPS_WIDTH_MAX / HEIGHT_MAX of the device.
constexpr uint32_t kMaxDim = 4096;

// NVENC_SOFT_NULL_READ=skip with the null engine: mapped CUDA surfaces are not read (see environment.cpp).
bool nullEngineSkipsRead();
// The engine NVENC_SOFT_ENGINE selects, not yet opened.
std::unique_ptr<Engine> makeSelectedEngine();

Status validateConfig(Session* s, const EncodeConfig& c);
// The next picture starts a new coded video sequence (IDR) and a new GOP.
void resetPattern(Session* s);
// Emits everything submitted to the engine into the queued bitstream buffers.
Status drainEngine(Session* s);
// Moves the engine's finished packets into the oldest unfilled queued bitstream buffers.
void assignPackets(Session* s);
// Points f at the pixels of pic.inputBuffer (an input buffer, or a mapped surface read to host).
Status readInput(Session* s, PicIn& pic, EngineFrame& f);

}  // namespace nvsoft

// Annex B / NAL helpers (written for this project).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core.hpp"

namespace nvsoft {
struct NalRef {
  size_t offset;
  size_t size;
};  // payload (after the start code)
std::vector<NalRef> splitAnnexB(const uint8_t* d, size_t n);
int nalType(Codec c, const uint8_t* nal);
void appendStartCode(std::vector<uint8_t>& out, bool four = true);
std::vector<uint8_t> escapeRbsp(const std::vector<uint8_t>& rbsp);
std::vector<uint8_t> unescapeRbsp(const uint8_t* d, size_t n);
// Parameter-set NAL units of an Annex B buffer (H.264: SPS/PPS, HEVC: VPS/SPS/PPS).
std::vector<uint8_t> extractParamSets(Codec c, const uint8_t* d, size_t n);
std::vector<uint8_t> removeParamSets(Codec c, const uint8_t* d, size_t n);
std::vector<uint8_t> buildSei(Codec c, const std::vector<SeiPayload>& sei);
std::vector<uint8_t> buildAud(Codec c, int picType);

class BitReader {
 public:
  BitReader(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  uint32_t u(int bits);
  uint32_t ue();
  int32_t se();
  size_t pos() const { return pos_; }
  bool overrun() const { return over_; }

 private:
  const uint8_t* d_;
  size_t n_;
  size_t pos_ = 0;
  bool over_ = false;
};
class BitWriter {
 public:
  void u(int bits, uint32_t v);
  void ue(uint32_t v);
  void se(int32_t v);
  void trailing();  // rbsp_stop_one_bit + alignment
  void align0();
  size_t bits() const { return bits_; }
  std::vector<uint8_t>& bytes() { return b_; }

 private:
  std::vector<uint8_t> b_;
  size_t bits_ = 0;
};
}  // namespace nvsoft

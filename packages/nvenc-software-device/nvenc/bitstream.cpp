#include "bitstream.hpp"

namespace nvsoft {

std::vector<NalRef> splitAnnexB(const uint8_t* d, size_t n) {
  std::vector<NalRef> out;
  size_t i = 0, start = SIZE_MAX;
  while (i + 3 <= n) {
    if (d[i] == 0 && d[i + 1] == 0 && d[i + 2] == 1) {
      if (start != SIZE_MAX) {
        size_t end = i;
        while (end > start && d[end - 1] == 0) end--;  // trailing_zero_8bits / 4-byte start code
        out.push_back({start, end - start});
      }
      i += 3;
      start = i;
    } else {
      i++;
    }
  }
  if (start != SIZE_MAX && start < n) out.push_back({start, n - start});
  return out;
}

int nalType(Codec c, const uint8_t* nal) {
  if (c == Codec::H264) return nal[0] & 0x1f;
  if (c == Codec::HEVC) return (nal[0] >> 1) & 0x3f;
  return -1;
}

void appendStartCode(std::vector<uint8_t>& out, bool four) {
  if (four) out.push_back(0);
  out.push_back(0);
  out.push_back(0);
  out.push_back(1);
}

std::vector<uint8_t> escapeRbsp(const std::vector<uint8_t>& rbsp) {
  std::vector<uint8_t> out;
  out.reserve(rbsp.size() + rbsp.size() / 64 + 4);
  int zeros = 0;
  for (uint8_t b : rbsp) {
    if (zeros >= 2 && b <= 3) {
      out.push_back(3);
      zeros = 0;
    }
    out.push_back(b);
    zeros = (b == 0) ? zeros + 1 : 0;
  }
  return out;
}

std::vector<uint8_t> unescapeRbsp(const uint8_t* d, size_t n) {
  std::vector<uint8_t> out;
  out.reserve(n);
  int zeros = 0;
  for (size_t i = 0; i < n; i++) {
    if (zeros >= 2 && d[i] == 3) {
      zeros = 0;
      continue;
    }
    out.push_back(d[i]);
    zeros = (d[i] == 0) ? zeros + 1 : 0;
  }
  return out;
}

static bool isParamSet(Codec c, int t) {
  if (c == Codec::H264) return t == 7 || t == 8;
  if (c == Codec::HEVC) return t == 32 || t == 33 || t == 34;
  return false;
}

std::vector<uint8_t> extractParamSets(Codec c, const uint8_t* d, size_t n) {
  std::vector<uint8_t> out;
  for (auto& r : splitAnnexB(d, n)) {
    if (r.size && isParamSet(c, nalType(c, d + r.offset))) {
      appendStartCode(out);
      out.insert(out.end(), d + r.offset, d + r.offset + r.size);
    }
  }
  return out;
}

std::vector<uint8_t> removeParamSets(Codec c, const uint8_t* d, size_t n) {
  std::vector<uint8_t> out;
  bool first = true;
  for (auto& r : splitAnnexB(d, n)) {
    if (!r.size || isParamSet(c, nalType(c, d + r.offset))) continue;
    appendStartCode(out, first);
    first = false;
    out.insert(out.end(), d + r.offset, d + r.offset + r.size);
  }
  return out;
}

std::vector<uint8_t> buildSei(Codec c, const std::vector<SeiPayload>& sei) {
  std::vector<uint8_t> out;
  if (sei.empty() || (c != Codec::H264 && c != Codec::HEVC)) return out;
  std::vector<uint8_t> rbsp;
  for (auto& p : sei) {
    uint32_t t = p.type;
    while (t >= 255) {
      rbsp.push_back(255);
      t -= 255;
    }
    rbsp.push_back((uint8_t)t);
    size_t s = p.data.size();
    while (s >= 255) {
      rbsp.push_back(255);
      s -= 255;
    }
    rbsp.push_back((uint8_t)s);
    rbsp.insert(rbsp.end(), p.data.begin(), p.data.end());
  }
  rbsp.push_back(0x80);  // rbsp_trailing_bits
  appendStartCode(out);
  if (c == Codec::H264) {
    out.push_back(0x06);
  } else {
    out.push_back(39 << 1);  // PREFIX_SEI_NUT, layer 0
    out.push_back(1);        // temporal id plus1
  }
  auto esc = escapeRbsp(rbsp);
  out.insert(out.end(), esc.begin(), esc.end());
  return out;
}

std::vector<uint8_t> buildAud(Codec c, int picType) {
  std::vector<uint8_t> out;
  appendStartCode(out);
  if (c == Codec::H264) {
    // primary_pic_type: 0 = I, 1 = I/P, 2 = I/P/B
    uint8_t ppt = (picType == PIC_I || picType == PIC_IDR) ? 0 : picType == PIC_P ? 1 : 2;
    out.push_back(0x09);
    out.push_back((uint8_t)((ppt << 5) | 0x10));
  } else if (c == Codec::HEVC) {
    uint8_t pt = (picType == PIC_I || picType == PIC_IDR) ? 0 : picType == PIC_P ? 1 : 2;
    out.push_back(35 << 1);
    out.push_back(1);
    out.push_back((uint8_t)((pt << 5) | 0x10));
  } else {
    out.clear();
  }
  return out;
}

uint32_t BitReader::u(int bits) {
  uint32_t v = 0;
  for (int i = 0; i < bits; i++) {
    if (pos_ >= n_ * 8) {
      over_ = true;
      return v << (bits - i);
    }
    v = (v << 1) | ((d_[pos_ >> 3] >> (7 - (pos_ & 7))) & 1);
    pos_++;
  }
  return v;
}
uint32_t BitReader::ue() {
  int lz = 0;
  while (u(1) == 0) {
    if (over_ || ++lz > 31) {
      over_ = true;
      return 0;
    }
  }
  if (!lz) return 0;
  return ((1u << lz) - 1) + u(lz);
}
int32_t BitReader::se() {
  uint32_t k = ue();
  return (k & 1) ? (int32_t)((k + 1) / 2) : -(int32_t)(k / 2);
}

void BitWriter::u(int bits, uint32_t v) {
  for (int i = bits - 1; i >= 0; i--) {
    if ((bits_ & 7) == 0) b_.push_back(0);
    if ((v >> i) & 1) b_.back() |= (uint8_t)(0x80 >> (bits_ & 7));
    bits_++;
  }
}
void BitWriter::ue(uint32_t v) {
  uint64_t x = (uint64_t)v + 1;
  int len = 0;
  while ((x >> len) > 1) len++;
  u(len, 0);
  u(len + 1, (uint32_t)x);
}
void BitWriter::se(int32_t v) { ue(v > 0 ? (uint32_t)(2 * v - 1) : (uint32_t)(-2 * (int64_t)v)); }
void BitWriter::trailing() {
  u(1, 1);
  align0();
}
void BitWriter::align0() {
  while (bits_ & 7) u(1, 0);
}

}  // namespace nvsoft

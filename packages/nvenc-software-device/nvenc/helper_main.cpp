// nvsoft-nvenc-helper: opens the engine for an EncodeConfig read from stdin and writes its
// parameter sets (Annex B) to stdout. Used while the caller holds libavcodec's init lock.
#include <unistd.h>

#include <cstring>
#include <string>

#include "core.hpp"

int main(int argc, char** argv) {
  nvsoft::EncodeConfig cfg;
  char* p = (char*)&cfg;
  size_t left = sizeof cfg;
  while (left) {
    ssize_t r = read(0, p, left);
    if (r <= 0) return 2;
    p += r;
    left -= (size_t)r;
  }
  bool nul = argc > 1 && strcmp(argv[1], "null") == 0;
  auto e = nul ? nvsoft::makeNullEngine() : nvsoft::makeLibavEngine();
  std::string err;
  if (e->open(cfg, err) != nvsoft::ST_SUCCESS) return 3;
  auto ps = e->paramSets();
  if (ps.empty()) return 4;
  return write(1, ps.data(), ps.size()) == (ssize_t)ps.size() ? 0 : 5;
}

#include "initlock.hpp"

#include <dlfcn.h>
#include <execinfo.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace nvsoft {

bool codecInitTakesLock(Codec c) { return c == Codec::HEVC || c == Codec::AV1; }

bool insideAvcodecOpen() {
  void* frames[96];
  int n = backtrace(frames, 96);
  for (int i = 1; i < n; i++) {
    Dl_info info;
    if (dladdr((char*)frames[i] - 1, &info) && info.dli_sname && strcmp(info.dli_sname, "avcodec_open2") == 0)
      return true;
  }
  return false;
}

static std::string helperPath() {
  Dl_info info;
  if (!dladdr((void*)&helperPath, &info) || !info.dli_fname) return "";
  std::string p = info.dli_fname;
  size_t slash = p.rfind('/');
  std::string dir = slash == std::string::npos ? "." : p.substr(0, slash);
  return dir + "/nvsoft-nvenc-helper";
}

bool helperParamSets(const EncodeConfig& cfg, bool nullEngine, std::vector<uint8_t>& out, std::string& err) {
  std::string path = helperPath();
  if (access(path.c_str(), X_OK) != 0) {
    err = "helper " + path + " not found";
    return false;
  }
  int in[2], outp[2];
  if (pipe2(in, O_CLOEXEC) != 0) {
    err = "pipe failed";
    return false;
  }
  if (pipe2(outp, O_CLOEXEC) != 0) {
    close(in[0]);
    close(in[1]);
    err = "pipe failed";
    return false;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
  char* argv[] = {(char*)path.c_str(), (char*)(nullEngine ? "null" : "libav"), nullptr};
  pid_t pid;
  int r = posix_spawn(&pid, path.c_str(), &fa, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(in[0]);
  close(outp[1]);
  if (r != 0) {
    close(in[1]);
    close(outp[0]);
    err = std::string("cannot start helper: ") + strerror(r);
    return false;
  }
  // EncodeConfig is trivially copyable (same build on both sides)
  const char* p = (const char*)&cfg;
  size_t left = sizeof cfg;
  while (left) {
    ssize_t w = write(in[1], p, left);
    if (w <= 0) break;
    p += w;
    left -= (size_t)w;
  }
  close(in[1]);
  std::vector<uint8_t> buf;
  uint8_t tmp[4096];
  for (;;) {
    ssize_t rd = read(outp[0], tmp, sizeof tmp);
    if (rd <= 0) break;
    buf.insert(buf.end(), tmp, tmp + rd);
  }
  close(outp[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || buf.empty()) {
    err = "helper failed to produce parameter sets";
    return false;
  }
  out = std::move(buf);
  return true;
}
}  // namespace nvsoft

#include "driver/dynamic_library.h"

#include <dlfcn.h>
#include <link.h>

#include <utility>

namespace nvenc {

DynamicLibrary::DynamicLibrary(const std::string& name) : name_(name) {
  dlerror();
  // RTLD_LOCAL keeps a software device's CUDA symbols from shadowing another library's lookups;
  // the software NVENC library still finds it, because dlopen("libcuda.so.1") matches sonames of
  // libraries already loaded.
  handle_ = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_) {
    const char* e = dlerror();
    error_ = e ? e : "dlopen failed";
  }
}

DynamicLibrary::~DynamicLibrary() {
  // Driver libraries are deliberately not dlclose()d: NVIDIA's libcuda registers atexit handlers
  // and threads that crash if the code is unmapped while the process is still running.
}

DynamicLibrary::DynamicLibrary(DynamicLibrary&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)), name_(std::move(other.name_)), error_(std::move(other.error_)) {}

DynamicLibrary& DynamicLibrary::operator=(DynamicLibrary&& other) noexcept {
  handle_ = std::exchange(other.handle_, nullptr);
  name_ = std::move(other.name_);
  error_ = std::move(other.error_);
  return *this;
}

void* DynamicLibrary::symbol(const char* name) const { return handle_ ? dlsym(handle_, name) : nullptr; }

std::string DynamicLibrary::resolvedPath() const {
  if (!handle_) return {};
  struct link_map* map = nullptr;
  if (dlinfo(handle_, RTLD_DI_LINKMAP, &map) == 0 && map && map->l_name) return map->l_name;
  return {};
}

}  // namespace nvenc

#pragma once
// RAII handle for a library opened at run time. The driver libraries are never linked, so the
// addon loads on machines without an NVIDIA driver and can say why the driver is unusable.
#include <string>

namespace nvenc {

class DynamicLibrary {
 public:
  DynamicLibrary() = default;
  // Opens `name` (a soname searched on the library path, or an absolute path). Never throws:
  // on failure ok() is false and error() holds dlerror()'s text.
  explicit DynamicLibrary(const std::string& name);
  ~DynamicLibrary();
  DynamicLibrary(const DynamicLibrary&) = delete;
  DynamicLibrary& operator=(const DynamicLibrary&) = delete;
  DynamicLibrary(DynamicLibrary&& other) noexcept;
  DynamicLibrary& operator=(DynamicLibrary&& other) noexcept;

  bool ok() const { return handle_ != nullptr; }
  const std::string& name() const { return name_; }
  const std::string& error() const { return error_; }
  // The file the loader actually mapped (resolves sonames to paths), empty if unknown.
  std::string resolvedPath() const;
  void* symbol(const char* name) const;

  template <typename Fn>
  bool bind(Fn*& out, const char* name) const {
    out = reinterpret_cast<Fn*>(symbol(name));
    return out != nullptr;
  }

 private:
  void* handle_ = nullptr;
  std::string name_;
  std::string error_;
};

}  // namespace nvenc

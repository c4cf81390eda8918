#pragma once
#include <napi.h>

namespace nvenc {
// Exports probe() and openSessionProbe() (see BINDING.md).
void RegisterProbe(Napi::Env env, Napi::Object exports);
// Reads { cudaLibrary?, nvencLibrary? } from a JS options object.
struct LibraryChoice;
LibraryChoice libraryChoiceFrom(const Napi::Object& options);
}  // namespace nvenc

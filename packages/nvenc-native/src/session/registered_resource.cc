#include "session/registered_resource.h"

#include "session/status_check.h"

namespace nvenc {

RegisteredResource::RegisteredResource(const NV_ENCODE_API_FUNCTION_LIST& fns, void* encoder, CUdeviceptr ptr,
                                       size_t pitch, const FrameLayout& layout)
    : fns_(fns), encoder_(encoder), ptr_(ptr), pitch_(pitch), layout_(layout) {
  NV_ENC_REGISTER_RESOURCE params{};
  params.version = NV_ENC_REGISTER_RESOURCE_VER;
  params.resourceType = NV_ENC_INPUT_RESOURCE_TYPE_CUDADEVICEPTR;
  params.width = layout.width;
  params.height = layout.height;
  params.pitch = static_cast<uint32_t>(pitch);
  params.resourceToRegister = reinterpret_cast<void*>(ptr);
  params.bufferFormat = layout.bufferFormat();
  params.bufferUsage = NV_ENC_INPUT_IMAGE;
  checkNvenc(fns_, encoder_, fns_.nvEncRegisterResource(encoder_, &params), "nvEncRegisterResource", "input");
  registered_ = params.registeredResource;
}

RegisteredResource::~RegisteredResource() {
  if (mapCount_ > 0 && mappedPtr_) fns_.nvEncUnmapInputResource(encoder_, mappedPtr_);
  if (registered_) fns_.nvEncUnregisterResource(encoder_, registered_);
}

NV_ENC_INPUT_PTR RegisteredResource::map() {
  if (mapCount_ == 0) {
    NV_ENC_MAP_INPUT_RESOURCE params{};
    params.version = NV_ENC_MAP_INPUT_RESOURCE_VER;
    params.registeredResource = registered_;
    checkNvenc(fns_, encoder_, fns_.nvEncMapInputResource(encoder_, &params), "nvEncMapInputResource", "input");
    mappedPtr_ = params.mappedResource;
  }
  ++mapCount_;
  return mappedPtr_;
}

void RegisteredResource::unmap() {
  if (mapCount_ == 0) return;
  if (--mapCount_ == 0) {
    fns_.nvEncUnmapInputResource(encoder_, mappedPtr_);
    mappedPtr_ = nullptr;
  }
}

}  // namespace nvenc

// NV_ENCODE_API_FUNCTION_LIST entries every ABI has, pointing at the shared trampolines.
// Compiled once per NVENC header (see adapter.hpp).
#include "adapter.hpp"

namespace nvsoft {
namespace NVSOFT_ABI_NS {

void fillCommonFunctions(NV_ENCODE_API_FUNCTION_LIST* fl) {
#define SET(field, fn) NVSOFT_SET_ENTRY(fl, field, fn)
  SET(nvEncOpenEncodeSession, openEncodeSession);
  SET(nvEncGetEncodeGUIDCount, getEncodeGUIDCount);
  SET(nvEncGetEncodeProfileGUIDCount, getProfileGUIDCount);
  SET(nvEncGetEncodeProfileGUIDs, getProfileGUIDs);
  SET(nvEncGetEncodeGUIDs, getEncodeGUIDs);
  SET(nvEncGetInputFormatCount, getInputFormatCount);
  SET(nvEncGetInputFormats, getInputFormats);
  SET(nvEncGetEncodeCaps, getEncodeCaps);
  SET(nvEncGetEncodePresetCount, getPresetCount);
  SET(nvEncGetEncodePresetGUIDs, getPresetGUIDs);
  SET(nvEncGetEncodePresetConfig, getPresetConfig);
  SET(nvEncInitializeEncoder, initializeEncoder);
  SET(nvEncCreateInputBuffer, createInputBuffer);
  SET(nvEncDestroyInputBuffer, destroyInputBuffer);
  SET(nvEncCreateBitstreamBuffer, createBitstreamBuffer);
  SET(nvEncDestroyBitstreamBuffer, destroyBitstreamBuffer);
  SET(nvEncEncodePicture, encodePicture);
  SET(nvEncLockBitstream, lockBitstream);
  SET(nvEncUnlockBitstream, unlockBitstream);
  SET(nvEncLockInputBuffer, lockInputBuffer);
  SET(nvEncUnlockInputBuffer, unlockInputBuffer);
  SET(nvEncGetEncodeStats, getEncodeStats);
  SET(nvEncGetSequenceParams, getSequenceParams);
  SET(nvEncRegisterAsyncEvent, registerAsyncEvent);
  SET(nvEncUnregisterAsyncEvent, unregisterAsyncEvent);
  SET(nvEncMapInputResource, mapInputResource);
  SET(nvEncUnmapInputResource, unmapInputResource);
  SET(nvEncDestroyEncoder, destroyEncoder);
  SET(nvEncInvalidateRefFrames, invalidateRefFrames);
  SET(nvEncOpenEncodeSessionEx, openEncodeSessionEx);
  SET(nvEncRegisterResource, registerResource);
  SET(nvEncUnregisterResource, unregisterResource);
  SET(nvEncReconfigureEncoder, reconfigureEncoder);
  SET(nvEncCreateMVBuffer, createMVBuffer);
  SET(nvEncDestroyMVBuffer, destroyMVBuffer);
  SET(nvEncRunMotionEstimationOnly, runMotionEstimationOnly);
  SET(nvEncGetLastErrorString, getLastErrorString);
  SET(nvEncSetIOCudaStreams, setIOCudaStreams);
  SET(nvEncGetEncodePresetConfigEx, getPresetConfigEx);
  SET(nvEncGetSequenceParamEx, getSequenceParamEx);
#undef SET
}

}  // namespace NVSOFT_ABI_NS
}  // namespace nvsoft

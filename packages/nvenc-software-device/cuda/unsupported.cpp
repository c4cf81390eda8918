// Entry points clients look up but the software device cannot serve: they fail with CUDA_ERROR_NOT_SUPPORTED.
#include "internal.hpp"

using namespace nvsoft;

// ---- unsupported features: kernels, modules, textures, arrays, interop ----

#define NVSOFT_UNSUPPORTED(name, args) \
  NVSOFT_API CUresult name args {      \
    REQUIRE_INIT();                    \
    return R(kErrNotSupported);        \
  }

NVSOFT_UNSUPPORTED(cuLaunchKernel, (CUfunction, unsigned int, unsigned int, unsigned int, unsigned int, unsigned int,
                                    unsigned int, unsigned int, CUstream, void**, void**))
NVSOFT_UNSUPPORTED(cuLinkCreate_v2, (unsigned int, CUjit_option*, void**, CUlinkState*))
NVSOFT_ALIAS(CUresult, cuLinkCreate, cuLinkCreate_v2, (unsigned int, CUjit_option*, void**, CUlinkState*));
NVSOFT_UNSUPPORTED(cuLinkAddData_v2,
                   (CUlinkState, CUjitInputType, void*, size_t, const char*, unsigned int, CUjit_option*, void**))
NVSOFT_ALIAS(CUresult, cuLinkAddData, cuLinkAddData_v2,
             (CUlinkState, CUjitInputType, void*, size_t, const char*, unsigned int, CUjit_option*, void**));
NVSOFT_UNSUPPORTED(cuLinkComplete, (CUlinkState, void**, size_t*))
NVSOFT_UNSUPPORTED(cuLinkDestroy, (CUlinkState))
NVSOFT_UNSUPPORTED(cuModuleLoadData, (CUmodule*, const void*))
NVSOFT_UNSUPPORTED(cuModuleLoad, (CUmodule*, const char*))
NVSOFT_UNSUPPORTED(cuModuleUnload, (CUmodule))
NVSOFT_UNSUPPORTED(cuModuleGetFunction, (CUfunction*, CUmodule, const char*))
NVSOFT_UNSUPPORTED(cuModuleGetGlobal_v2, (CUdeviceptr*, size_t*, CUmodule, const char*))
NVSOFT_ALIAS(CUresult, cuModuleGetGlobal, cuModuleGetGlobal_v2, (CUdeviceptr*, size_t*, CUmodule, const char*));
NVSOFT_UNSUPPORTED(cuTexObjectCreate,
                   (CUtexObject*, const CUDA_RESOURCE_DESC*, const CUDA_TEXTURE_DESC*, const CUDA_RESOURCE_VIEW_DESC*))
NVSOFT_UNSUPPORTED(cuTexObjectDestroy, (CUtexObject))
NVSOFT_UNSUPPORTED(cuArrayCreate_v2, (CUarray*, const CUDA_ARRAY_DESCRIPTOR*))
NVSOFT_ALIAS(CUresult, cuArrayCreate, cuArrayCreate_v2, (CUarray*, const CUDA_ARRAY_DESCRIPTOR*));
NVSOFT_UNSUPPORTED(cuArray3DCreate_v2, (CUarray*, const CUDA_ARRAY3D_DESCRIPTOR*))
NVSOFT_ALIAS(CUresult, cuArray3DCreate, cuArray3DCreate_v2, (CUarray*, const CUDA_ARRAY3D_DESCRIPTOR*));
NVSOFT_UNSUPPORTED(cuArrayDestroy, (CUarray))
// FFmpeg 8 loads these; no CUarray can exist here (cuArrayCreate is not supported).
NVSOFT_UNSUPPORTED(cuArrayGetPlane, (CUarray*, CUarray, unsigned int))
NVSOFT_UNSUPPORTED(cuArray3DGetDescriptor_v2, (CUDA_ARRAY3D_DESCRIPTOR*, CUarray))
NVSOFT_ALIAS(CUresult, cuArray3DGetDescriptor, cuArray3DGetDescriptor_v2, (CUDA_ARRAY3D_DESCRIPTOR*, CUarray));
NVSOFT_UNSUPPORTED(cuGLGetDevices_v2, (unsigned int*, CUdevice*, unsigned int, CUGLDeviceList))
NVSOFT_ALIAS(CUresult, cuGLGetDevices, cuGLGetDevices_v2, (unsigned int*, CUdevice*, unsigned int, CUGLDeviceList));
NVSOFT_UNSUPPORTED(cuGraphicsGLRegisterImage, (CUgraphicsResource*, GLuint, GLenum, unsigned int))
NVSOFT_UNSUPPORTED(cuGraphicsGLRegisterBuffer, (CUgraphicsResource*, GLuint, unsigned int))
NVSOFT_UNSUPPORTED(cuGraphicsUnregisterResource, (CUgraphicsResource))
NVSOFT_UNSUPPORTED(cuGraphicsResourceSetMapFlags_v2, (CUgraphicsResource, unsigned int))
NVSOFT_ALIAS(CUresult, cuGraphicsResourceSetMapFlags, cuGraphicsResourceSetMapFlags_v2,
             (CUgraphicsResource, unsigned int));
NVSOFT_UNSUPPORTED(cuGraphicsMapResources, (unsigned int, CUgraphicsResource*, CUstream))
NVSOFT_UNSUPPORTED(cuGraphicsUnmapResources, (unsigned int, CUgraphicsResource*, CUstream))
NVSOFT_UNSUPPORTED(cuGraphicsSubResourceGetMappedArray, (CUarray*, CUgraphicsResource, unsigned int, unsigned int))
NVSOFT_UNSUPPORTED(cuGraphicsResourceGetMappedPointer_v2, (CUdeviceptr*, size_t*, CUgraphicsResource))
NVSOFT_ALIAS(CUresult, cuGraphicsResourceGetMappedPointer, cuGraphicsResourceGetMappedPointer_v2,
             (CUdeviceptr*, size_t*, CUgraphicsResource));
NVSOFT_UNSUPPORTED(cuImportExternalMemory, (CUexternalMemory*, const CUDA_EXTERNAL_MEMORY_HANDLE_DESC*))
NVSOFT_UNSUPPORTED(cuDestroyExternalMemory, (CUexternalMemory))
NVSOFT_UNSUPPORTED(cuExternalMemoryGetMappedBuffer,
                   (CUdeviceptr*, CUexternalMemory, const CUDA_EXTERNAL_MEMORY_BUFFER_DESC*))
NVSOFT_UNSUPPORTED(cuExternalMemoryGetMappedMipmappedArray,
                   (CUmipmappedArray*, CUexternalMemory, const CUDA_EXTERNAL_MEMORY_MIPMAPPED_ARRAY_DESC*))
NVSOFT_UNSUPPORTED(cuMipmappedArrayGetLevel, (CUarray*, CUmipmappedArray, unsigned int))
NVSOFT_UNSUPPORTED(cuMipmappedArrayDestroy, (CUmipmappedArray))
NVSOFT_UNSUPPORTED(cuImportExternalSemaphore, (CUexternalSemaphore*, const CUDA_EXTERNAL_SEMAPHORE_HANDLE_DESC*))
NVSOFT_UNSUPPORTED(cuDestroyExternalSemaphore, (CUexternalSemaphore))
NVSOFT_UNSUPPORTED(cuSignalExternalSemaphoresAsync,
                   (const CUexternalSemaphore*, const CUDA_EXTERNAL_SEMAPHORE_SIGNAL_PARAMS*, unsigned int, CUstream))
NVSOFT_UNSUPPORTED(cuWaitExternalSemaphoresAsync,
                   (const CUexternalSemaphore*, const CUDA_EXTERNAL_SEMAPHORE_WAIT_PARAMS*, unsigned int, CUstream))
NVSOFT_UNSUPPORTED(cuEGLStreamProducerConnect, (CUeglStreamConnection*, ffnv_EGLStreamKHR, ffnv_EGLint, ffnv_EGLint))
NVSOFT_UNSUPPORTED(cuEGLStreamProducerDisconnect, (CUeglStreamConnection*))
NVSOFT_UNSUPPORTED(cuEGLStreamConsumerDisconnect, (CUeglStreamConnection*))
NVSOFT_UNSUPPORTED(cuEGLStreamProducerPresentFrame, (CUeglStreamConnection*, CUeglFrame, CUstream*))
NVSOFT_UNSUPPORTED(cuEGLStreamProducerReturnFrame, (CUeglStreamConnection*, CUeglFrame*, CUstream*))
NVSOFT_UNSUPPORTED(cuD3D11GetDevice, (CUdevice*, void*))
NVSOFT_UNSUPPORTED(cuD3D11GetDevices, (unsigned int*, CUdevice*, unsigned int, void*, CUd3d11DeviceList))
NVSOFT_UNSUPPORTED(cuGraphicsD3D11RegisterResource, (CUgraphicsResource*, void*, unsigned int))

// Signatures against nv-codec-headers' typedefs.
NVSOFT_SIG(cuLaunchKernel, tcuLaunchKernel);
NVSOFT_SIG(cuLinkCreate, tcuLinkCreate);
NVSOFT_SIG(cuLinkAddData, tcuLinkAddData);
NVSOFT_SIG(cuLinkComplete, tcuLinkComplete);
NVSOFT_SIG(cuLinkDestroy, tcuLinkDestroy);
NVSOFT_SIG(cuModuleLoadData, tcuModuleLoadData);
NVSOFT_SIG(cuModuleUnload, tcuModuleUnload);
NVSOFT_SIG(cuModuleGetFunction, tcuModuleGetFunction);
NVSOFT_SIG(cuModuleGetGlobal, tcuModuleGetGlobal);
NVSOFT_SIG(cuTexObjectCreate, tcuTexObjectCreate);
NVSOFT_SIG(cuTexObjectDestroy, tcuTexObjectDestroy);
NVSOFT_SIG(cuGLGetDevices_v2, tcuGLGetDevices_v2);
NVSOFT_SIG(cuGraphicsGLRegisterImage, tcuGraphicsGLRegisterImage);
NVSOFT_SIG(cuGraphicsUnregisterResource, tcuGraphicsUnregisterResource);
NVSOFT_SIG(cuGraphicsMapResources, tcuGraphicsMapResources);
NVSOFT_SIG(cuGraphicsUnmapResources, tcuGraphicsUnmapResources);
NVSOFT_SIG(cuGraphicsSubResourceGetMappedArray, tcuGraphicsSubResourceGetMappedArray);
NVSOFT_SIG(cuGraphicsResourceGetMappedPointer_v2, tcuGraphicsResourceGetMappedPointer);
NVSOFT_SIG(cuImportExternalMemory, tcuImportExternalMemory);
NVSOFT_SIG(cuDestroyExternalMemory, tcuDestroyExternalMemory);
NVSOFT_SIG(cuExternalMemoryGetMappedBuffer, tcuExternalMemoryGetMappedBuffer);
NVSOFT_SIG(cuExternalMemoryGetMappedMipmappedArray, tcuExternalMemoryGetMappedMipmappedArray);
NVSOFT_SIG(cuMipmappedArrayGetLevel, tcuMipmappedArrayGetLevel);
NVSOFT_SIG(cuMipmappedArrayDestroy, tcuMipmappedArrayDestroy);
NVSOFT_SIG(cuImportExternalSemaphore, tcuImportExternalSemaphore);
NVSOFT_SIG(cuDestroyExternalSemaphore, tcuDestroyExternalSemaphore);
NVSOFT_SIG(cuSignalExternalSemaphoresAsync, tcuSignalExternalSemaphoresAsync);
NVSOFT_SIG(cuWaitExternalSemaphoresAsync, tcuWaitExternalSemaphoresAsync);
NVSOFT_SIG(cuArrayCreate_v2, tcuArrayCreate);
NVSOFT_SIG(cuArray3DCreate_v2, tcuArray3DCreate);
NVSOFT_SIG(cuArrayDestroy, tcuArrayDestroy);
NVSOFT_SIG(cuEGLStreamProducerConnect, tcuEGLStreamProducerConnect);
NVSOFT_SIG(cuEGLStreamProducerDisconnect, tcuEGLStreamProducerDisconnect);
NVSOFT_SIG(cuEGLStreamConsumerDisconnect, tcuEGLStreamConsumerDisconnect);
NVSOFT_SIG(cuEGLStreamProducerPresentFrame, tcuEGLStreamProducerPresentFrame);
NVSOFT_SIG(cuEGLStreamProducerReturnFrame, tcuEGLStreamProducerReturnFrame);
NVSOFT_SIG(cuD3D11GetDevice, tcuD3D11GetDevice);
NVSOFT_SIG(cuD3D11GetDevices, tcuD3D11GetDevices);
NVSOFT_SIG(cuGraphicsD3D11RegisterResource, tcuGraphicsD3D11RegisterResource);

// Adapter for the NVENC API 11.1 struct layouts (compiled against the 11.1 header).
#define NVSOFT_ABI_NS abi_11_1
#define NVSOFT_ABI_SUFFIX 11_1
#define NVSOFT_ABI_TAG "11.1"
#include "abi_impl.inc"

// Adapter for the NVENC API 12.1 struct layouts (compiled against the 12.1 header).
#define NVSOFT_ABI_NS abi_12_1
#define NVSOFT_ABI_SUFFIX 12_1
#define NVSOFT_ABI_TAG "12.1"
#include "abi_impl.inc"

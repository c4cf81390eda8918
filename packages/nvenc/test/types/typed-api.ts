// Compiled by test/types.test.ts: each @ts-expect-error line is a mistake the public types must
// catch. If a type widens again (code: string, Record<string, number>), its directive becomes
// unused and the compile fails.
import { NvencError, type NvencCapabilities, type NvencErrorCode, type NvencPhase } from '../../src/index.js';

export function checks(e: NvencError, caps: NvencCapabilities): unknown[] {
  const ok: NvencErrorCode[] = [
    'INVALID_FRAME',
    'NV_ENC_ERR_GENERIC',
    'CUDA_ERROR_OUT_OF_MEMORY',
    'SOFTWARE_DEVICE_HOLDS_DRIVER_NAME',
  ];
  const phase: NvencPhase | undefined = e.phase;
  return [
    ok,
    phase,
    e.code === 'INVALID_FRAME',
    caps.widthMax,
    // @ts-expect-error a misspelt code is not an NvencErrorCode
    e.code === 'INVALID_FRAM',
    // @ts-expect-error neither is an NVENC status that does not exist
    e.code === 'NV_ENC_ERR_NO_SUCH_STATUS',
    // @ts-expect-error phases are a literal union too
    e.phase === 'encoding',
    // @ts-expect-error capabilities have names, not a string index
    caps.widthMaxx,
    // @ts-expect-error supported is a flag
    caps.supported === 2,
  ];
}

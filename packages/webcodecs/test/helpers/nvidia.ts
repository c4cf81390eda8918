import { resolveDevice } from '@nvenc-ts/nvenc';

/** Whether an NVIDIA NVENC session opens here (never on CI or the H200: no NVENC engine). */
export const nvidiaUsable = resolveDevice('auto').usable;

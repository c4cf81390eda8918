/**
 * Which NVIDIA failures the device choice remembers: a lasting one (no driver, no NVENC engine)
 * sends every later configuration to the software device, a passing one (GPU memory, a GPU busy
 * in exclusive-process mode) only this one, and isConfigSupported() does not keep an answer that
 * rests on it. NVIDIA's failures are faked (NvencEncoder.open for device 'auto'); the software
 * device opens for real. Its own file: the remembered failure holds for the module.
 */
import { NoEncodeDeviceError, NvencEncoder, NvencError, type EncoderOptions } from '@nvenc-ts/nvenc';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { VideoEncoder } from '../src/index.js';
import { openOnDevice } from '../src/device.js';

const realOpen = NvencEncoder.open.bind(NvencEncoder);
const OPTIONS = { width: 128, height: 96, codec: 'h264', inputFormat: 'nv12' } as const;

/** Fakes NVIDIA's open failing with `err`; returns how many NVIDIA opens were tried. */
function nvidiaFailsWith(err: Error): () => number {
  const open = vi
    .spyOn(NvencEncoder, 'open')
    .mockImplementation((options: EncoderOptions) =>
      options.device === 'auto' ? Promise.reject(err) : realOpen(options),
    );
  return () => open.mock.calls.filter(([o]) => o.device === 'auto').length;
}

const outOfMemory = (): NvencError =>
  new NvencError('cuCtxCreate: out of memory', { code: 'CUDA_ERROR_OUT_OF_MEMORY', phase: 'device' });

afterEach(() => {
  vi.restoreAllMocks();
});

// The order matters: the lasting failure comes last, as it holds for the rest of the module.
describe('NVIDIA failures and the device choice', () => {
  it('a passing CUDA device failure falls back for this open only: the next open tries NVIDIA again', async () => {
    const tries = nvidiaFailsWith(outOfMemory());
    for (let i = 0; i < 2; i++) {
      const { encoder, device } = await openOnDevice('no-preference', OPTIONS);
      await encoder.closeAsync();
      expect(device).toMatchObject({ kind: 'software', transient: true });
    }
    expect(tries()).toBe(2);
  });

  it('isConfigSupported() does not keep an answer that rests on a passing failure', async () => {
    const tries = nvidiaFailsWith(
      new NvencError('cuCtxCreate: device busy', { code: 'CUDA_ERROR_DEVICE_UNAVAILABLE', phase: 'device' }),
    );
    const config = { codec: 'avc1.42001f', width: 128, height: 96, hardwareAcceleration: 'prefer-hardware' } as const;
    for (let i = 0; i < 2; i++) expect((await VideoEncoder.isConfigSupported(config)).supported).toBe(false);
    expect(tries()).toBe(2);
  });

  it('a lasting failure (no NVENC engine) holds for the process: later opens go straight to the software device', async () => {
    const tries = nvidiaFailsWith(new NoEncodeDeviceError('This GPU has no NVENC engine', { phase: 'open' }));
    for (let i = 0; i < 2; i++) {
      const { encoder, device } = await openOnDevice('no-preference', OPTIONS);
      await encoder.closeAsync();
      expect(device.kind).toBe('software');
      expect(device.transient).toBeUndefined();
    }
    expect(tries()).toBe(1);
  });
});

describe('isConfigSupported() capability probe', () => {
  it("opens its probe session with fixed tuning and frame rate: the cached answer does not depend on the first config's", async () => {
    const open = vi.spyOn(NvencEncoder, 'open');
    const config = {
      codec: 'hvc1.1.6.L93.B0',
      width: 128,
      height: 96,
      framerate: 240,
      latencyMode: 'realtime',
      hardwareAcceleration: 'prefer-software',
    } as const;
    expect((await VideoEncoder.isConfigSupported(config)).supported).toBe(true);
    expect(open).toHaveBeenCalledTimes(1);
    const probe = open.mock.calls[0]![0];
    expect([probe.fps, probe.tuning]).toEqual([30, 'hq']);
  });
});

/**
 * The backend's opt-in smooth mode: intra refresh instead of periodic IDRs for clients in sync; a
 * client asking for a keyframe (a joining viewer) still gets an IDR. The second part runs the real
 * software NVENC device (libx264's intra refresh, not NVENC hardware).
 */
import { describe, expect, it } from 'vitest';
import { createNvencEngine } from '../src/backend/nvenc-engine.js';
import { H264EncoderBackend } from '../src/backend/nvenc-backend.js';
import type { RawFrame } from '../src/backend/types.js';
import { InvalidOptionError } from '../src/errors.js';
import { fakeEngine } from './helpers/fake-engine.js';
import { softwareDeviceState } from '@nvenc-ts/nvenc';

function moving(seq: number, width = 320, height = 240): RawFrame {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const v = ((x + seq * 4) ^ (y + seq * 2)) & 0xff;
      data.set([v, (v * 3) & 0xff, 255 - v, 255], (y * width + x) * 4);
    }
  return { seq, width, height, timestampUs: seq * 33_333, pixelFormat: 'bgra8', memory: 'cpu', data };
}

describe('smooth mode', () => {
  it('opens the session with intra refresh over keyframeInterval frames and sends no periodic IDR', async () => {
    const { engine, log } = fakeEngine();
    const backend = new H264EncoderBackend(engine, { keyframeInterval: 3, smooth: true });
    const keys: boolean[] = [];
    for (let i = 0; i < 8; i++) keys.push(...(await backend.encode(moving(i, 64, 48))).map((p) => p.keyframe));
    expect(log.opened[0]?.intraRefresh).toEqual({ period: 3, count: 2 });
    expect(keys).toEqual([true, false, false, false, false, false, false, false]);
    const joined = await backend.encode(moving(8, 64, 48), { forceKeyframe: true });
    expect(joined[0]).toMatchObject({ keyframe: true, metadata: { keyframeReason: 'requested' } });
  });

  it('needs keyframeInterval >= 2', () => {
    expect(() => new H264EncoderBackend(fakeEngine().engine, { keyframeInterval: 0, smooth: true })).toThrow(
      InvalidOptionError,
    );
  });

  const soft = softwareDeviceState();
  it.skipIf(!soft.available)(
    'on the software device: one IDR, then refresh waves; a joining client still gets an IDR',
    async () => {
      const engine = await createNvencEngine({ device: 'software' });
      await using backend = new H264EncoderBackend(engine, { keyframeInterval: 10, smooth: true });
      const payloads = [];
      for (let i = 0; i < 25; i++) payloads.push(...(await backend.encode(moving(i))));
      expect(payloads.filter((p) => p.keyframe).map((p) => p.seq)).toEqual([0]);
      const joined = await backend.encode(moving(25), { forceKeyframe: true });
      expect(joined[0]?.keyframe).toBe(true);
    },
  );
});

// NvencEncoder.open()/closeAsync(): the session opens (and closes) off the JS thread (driver load on a libuv pool thread,
// session setup on the encoder's worker thread), with the constructor's typed errors, and a close
// while it opens leaves no session behind. On the software device.
import { describe, expect, it } from 'vitest';
import { NvencEncoder } from '../src/encoder.js';
import { InvalidOptionError, SessionLimitError } from '../src/errors.js';
import { loadBinary } from '../src/native-binary.js';
import { resolveEncoderOptions, toNativeOptions } from '../src/options.js';
import { deviceTarget } from '../src/device.js';
import type { EncoderOptions } from '../src/types.js';
import { turnsDuring } from '../../../scripts/test-support/event-loop.mjs';
import { hasSoftwareDevice, softwareSkipReason } from './helpers/software.js';

const OPTIONS: EncoderOptions = { width: 1920, height: 1080, codec: 'h264', inputFormat: 'nv12', device: 'software' };

/** The error a promise rejects with (or undefined), and what the sync constructor throws. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

const shape = (e: unknown): unknown => {
  const err = e as { name?: string; code?: string; phase?: string; option?: string };
  return { name: err?.name, code: err?.code, phase: err?.phase, option: err?.option };
};

describe.skipIf(!hasSoftwareDevice)(
  `NvencEncoder.open()${softwareSkipReason ? ` (skipped: ${softwareSkipReason})` : ''}`,
  () => {
    it('resolves with an open encoder while the event loop keeps turning', async () => {
      const { value: enc, turns } = await turnsDuring(() => NvencEncoder.open(OPTIONS));
      try {
        // Driver load and session setup happen on other threads; the JS thread turns meanwhile
        // (the synchronous constructor allows none: it returns after the session is up).
        expect(turns).toBeGreaterThan(2);
        expect(enc.closed).toBe(false);
        expect(enc.info.software).toBe(true);
        const packets = await enc.encodeAsync(Buffer.alloc(enc.info.frameBytes, 128), { forceKeyframe: true });
        expect(packets.map((p) => p.keyframe)).toEqual([true]);
        expect(enc.codecString()).toMatch(/^avc1\./);
      } finally {
        enc.close();
      }
    });

    it('rejects with the error the constructor throws: an option out of range (phase, option)', async () => {
      const bad: EncoderOptions = { ...OPTIONS, bitrate: -1 };
      const viaOpen = await rejection(NvencEncoder.open(bad));
      expect(viaOpen).toBeInstanceOf(InvalidOptionError);
      expect(shape(viaOpen)).toEqual(shape(thrown(() => new NvencEncoder(bad))));
    });

    it('rejects with the error the constructor throws: the device refuses the session (session limit)', async () => {
      const held: NvencEncoder[] = [];
      const small: EncoderOptions = { ...OPTIONS, width: 64, height: 64 };
      try {
        // The software device allows 8 sessions (NVENC_SOFT_MAX_SESSIONS), like consumer GPUs.
        for (let i = 0; i < 8; i++) held.push(await NvencEncoder.open(small));
        const viaOpen = await rejection(NvencEncoder.open(small));
        expect(viaOpen).toBeInstanceOf(SessionLimitError);
        expect(shape(viaOpen)).toEqual(shape(thrown(() => new NvencEncoder(small))));
        expect(shape(viaOpen)).toMatchObject({ code: 'NV_ENC_ERR_OUT_OF_MEMORY', phase: 'open' });
      } finally {
        for (const e of held) e.close();
      }
    });

    it('close() while the session opens rejects the open with ENCODER_CLOSED and leaves no session open', async () => {
      // The binding's two-step open, as NvencEncoder.open() drives it.
      const resolved = resolveEncoderOptions({ ...OPTIONS, width: 64, height: 64 });
      const native = loadBinary().binding;
      const Encoder = native.Encoder!;
      const nativeOptions = toNativeOptions(resolved, deviceTarget('software'));
      const held: NvencEncoder[] = [];
      try {
        for (let i = 0; i < 7; i++) held.push(await NvencEncoder.open({ ...OPTIONS, width: 64, height: 64 }));
        for (let round = 0; round < 3; round++) {
          const opening = new Encoder(nativeOptions, true);
          const result = rejection(opening.openAsync());
          opening.close();
          expect(shape(await result)).toMatchObject({ code: 'ENCODER_CLOSED' });
          // The eighth session is free again: the one opened meanwhile was closed, not leaked.
          const eighth = await NvencEncoder.open({ ...OPTIONS, width: 64, height: 64 });
          eighth.close();
        }
      } finally {
        for (const e of held) e.close();
      }
    });

    it('closeAsync(): closed at once, queued encodes still finish, then the session is gone', async () => {
      const small: EncoderOptions = { ...OPTIONS, width: 64, height: 64 };
      const held: NvencEncoder[] = [];
      try {
        for (let i = 0; i < 7; i++) held.push(await NvencEncoder.open(small));
        const enc = await NvencEncoder.open(small);
        const frame = Buffer.alloc(enc.info.frameBytes, 77);
        const queued = [0, 1, 2].map((seq) => enc.encodeAsync(frame, { seq }));
        const closing = enc.closeAsync();
        expect(enc.closed).toBe(true);
        await expect(enc.encodeAsync(frame)).rejects.toMatchObject({ name: 'EncoderClosedError' });
        // The encodes queued before it ran first and resolved with their packets.
        const packets = (await Promise.all(queued)).flat();
        expect(packets.map((p) => p.seq)).toEqual([0, 1, 2]);
        await closing;
        // The eighth session slot is free again: the teardown happened.
        (await NvencEncoder.open(small)).close();
        await enc.closeAsync(); // idempotent
      } finally {
        for (const e of held) e.close();
      }
    });

    it('an encoder made to open later refuses calls until openAsync() settles', () => {
      const resolved = resolveEncoderOptions({ ...OPTIONS, width: 64, height: 64 });
      const Encoder = loadBinary().binding.Encoder!;
      const opening = new Encoder(toNativeOptions(resolved, deviceTarget('software')), true);
      try {
        expect(shape(thrown(() => opening.info()))).toMatchObject({ code: 'NV_ENC_ERR_ENCODER_NOT_INITIALIZED' });
      } finally {
        opening.close();
      }
    });
  },
);

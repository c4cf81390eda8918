import type {
  EngineFrame,
  EnginePacket,
  EngineSession,
  EngineSessionConfig,
  VideoEncoderEngine,
} from '../../src/backend/engine.js';

/**
 * A stand-in for NVENC: emits Annex B access units shaped like the real ones (SPS+PPS+IDR on
 * keyframes, one slice otherwise) whose slice body carries the frame token, and holds frames back
 * like NVENC's extraOutputDelay.
 */
export interface FakeEngineLog {
  opened: EngineSessionConfig[];
  closed: number;
  frames: { frame: EngineFrame; forceKeyframe: boolean; seq: number; timestamp: number; copy: Buffer | null }[];
}

export const FAKE_SPS = Buffer.from([0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f, 0xaa]);
export const FAKE_PPS = Buffer.from([0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80]);

export function fakeEngine(options: { name?: string; payloadBytes?: number } = {}): {
  engine: VideoEncoderEngine;
  log: FakeEngineLog;
} {
  const log: FakeEngineLog = { opened: [], closed: 0, frames: [] };
  const engine: VideoEncoderEngine = {
    name: options.name ?? 'fake',
    software: true,
    codecString(annexB) {
      for (let i = 0; i + 7 < annexB.length; i++) {
        if (annexB[i] === 0 && annexB[i + 1] === 0 && annexB[i + 2] === 1 && (annexB[i + 3]! & 0x1f) === 7) {
          const hex = (b: number) => b.toString(16).padStart(2, '0');
          return `avc1.${hex(annexB[i + 4]!)}${hex(annexB[i + 5]!)}${hex(annexB[i + 6]!)}`;
        }
      }
      return null;
    },
    open(config: EngineSessionConfig): EngineSession {
      log.opened.push(config);
      const held: { seq: number; keyframe: boolean }[] = [];
      let frameIndex = 0;
      let closed = false;
      const packet = (seq: number, keyframe: boolean): EnginePacket => {
        const body = Buffer.alloc(Math.max(8, options.payloadBytes ?? 8), 0x11);
        body.writeUInt32BE(seq, 0);
        const slice = Buffer.concat([Buffer.from([0, 0, 0, 1, keyframe ? 0x65 : 0x41]), body]);
        return {
          data: keyframe ? Buffer.concat([FAKE_SPS, FAKE_PPS, slice]) : slice,
          keyframe,
          pictureType: keyframe ? 'idr' : 'p',
          seq,
          frameIndex: frameIndex++,
        };
      };
      return {
        async encode(frame, o) {
          if (closed) throw new Error('session closed');
          const copy = 'data' in frame ? Buffer.from(frame.data) : null;
          log.frames.push({ frame, forceKeyframe: o.forceKeyframe, seq: o.seq, timestamp: o.timestamp, copy });
          held.push({ seq: o.seq, keyframe: o.forceKeyframe });
          const out: EnginePacket[] = [];
          while (held.length > config.pipelineDepth) {
            const h = held.shift()!;
            out.push(packet(h.seq, h.keyframe));
          }
          return out;
        },
        async flush() {
          return held.splice(0).map((h) => packet(h.seq, h.keyframe));
        },
        close() {
          if (!closed) log.closed++;
          closed = true;
        },
      };
    },
  };
  return { engine, log };
}

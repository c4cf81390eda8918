/**
 * Puts this package's classes where browser code looks for them (globalThis.VideoEncoder, …), so a
 * module written for the browser — or a library such as mediabunny that checks
 * `chunk instanceof EncodedVideoChunk` — runs unchanged in Node. Existing globals are left alone.
 */
import { EncodedVideoChunk } from './encoded-video-chunk.js';
import { VideoEncoder } from './video-encoder.js';
import { VideoColorSpace, VideoFrame } from './video-frame.js';

const CLASSES = { VideoEncoder, VideoFrame, EncodedVideoChunk, VideoColorSpace } as const;

/** Defines the missing WebCodecs globals; returns the names it defined. */
export function installWebCodecsGlobals(target: object = globalThis): string[] {
  const defined: string[] = [];
  for (const [name, value] of Object.entries(CLASSES)) {
    if (name in target) continue;
    Object.defineProperty(target, name, { value, writable: true, configurable: true, enumerable: false });
    defined.push(name);
  }
  return defined;
}

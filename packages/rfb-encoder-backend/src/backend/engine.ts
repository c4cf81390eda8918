/**
 * The small port between the backend and a video encoder. `@nvenc-ts/nvenc`'s NvencEncoder is the
 * real implementation (see nvenc-engine.ts); tests substitute a fake so the RFB layer can be
 * exercised without the native addon. Its types come from `@nvenc-ts/nvenc` (type-only imports).
 */
import type { ColourPrimariesName, InputFormat, MatrixName, PictureType, Profile, TransferName } from '@nvenc-ts/nvenc';

/** Input formats the backend hands an engine. */
export type EngineInputFormat = Extract<InputFormat, 'bgra' | 'rgba' | 'nv12'>;

/** Colour description an engine session writes into the stream. */
export interface EngineColour {
  primaries: ColourPrimariesName;
  transfer: TransferName;
  matrix: MatrixName;
  fullRange: boolean;
}

/** Settings of one engine session (one frame size). */
export interface EngineSessionConfig {
  width: number;
  height: number;
  inputFormat: EngineInputFormat;
  profile: Extract<Profile, 'baseline' | 'main' | 'high'>;
  bitrate: number;
  fps: number;
  /** Frames the encoder may hold back (NVENC extraOutputDelay): encode(k) returns frame k - depth. */
  pipelineDepth: number;
  colour: EngineColour;
  /** Gradual intra refresh (NVENC enableIntraRefresh) instead of periodic IDRs; absent = off. */
  intraRefresh?: { period: number; count: number };
}

/** Host frame or CUDA device frame as the encoder takes it. */
export type EngineFrame = { data: Uint8Array; pitch?: number } | { devicePtr: bigint; pitch: number };

/** An encoded packet as an engine returns it. */
export interface EnginePacket {
  data: Buffer;
  keyframe: boolean;
  pictureType: PictureType;
  seq: number;
  frameIndex: number;
}

/** An open encode session of an engine. */
export interface EngineSession {
  /** Encodes one frame; resolves with the packets it completed. */
  encode(
    frame: EngineFrame,
    options: { forceKeyframe: boolean; seq: number; timestamp: number },
  ): Promise<EnginePacket[]>;
  /** Drains the packets still held by the encoder. */
  flush(): Promise<EnginePacket[]>;
  /** Frees the session; idempotent. */
  close(): void;
}

/** What the backend needs from a video encoder (NVENC, or a fake in tests). */
export interface VideoEncoderEngine {
  /** Registry name: `nvenc` (hardware) or `nvenc-software` (the software device). */
  readonly name: string;
  readonly software: boolean;
  /** Opens a session for one frame size and format. */
  open(config: EngineSessionConfig): EngineSession;
  /** RFC 6381 codec string from the SPS inside `annexB` (null when it holds none). */
  codecString(annexB: Uint8Array): string | null;
}

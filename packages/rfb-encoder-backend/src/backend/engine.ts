/**
 * The small port between the backend and a video encoder. `@nvenc-ts/nvenc`'s NvencEncoder is the
 * real implementation (see nvenc-engine.ts); tests substitute a fake so the RFB layer can be
 * exercised without the native addon. Its types come from `@nvenc-ts/nvenc` (type-only imports).
 */
import type { ColourPrimariesName, InputFormat, MatrixName, PictureType, Profile, TransferName } from '@nvenc-ts/nvenc';

export type EngineInputFormat = Extract<InputFormat, 'bgra' | 'rgba' | 'nv12'>;

export interface EngineColour {
  primaries: ColourPrimariesName;
  transfer: TransferName;
  matrix: MatrixName;
  fullRange: boolean;
}

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
}

/** Host frame or CUDA device frame as the encoder takes it. */
export type EngineFrame = { data: Uint8Array; pitch?: number } | { devicePtr: bigint; pitch: number };

export interface EnginePacket {
  data: Buffer;
  keyframe: boolean;
  pictureType: PictureType;
  seq: number;
  frameIndex: number;
}

export interface EngineSession {
  encode(frame: EngineFrame, options: { forceKeyframe: boolean; seq: number; timestamp: number }): Promise<EnginePacket[]>;
  flush(): Promise<EnginePacket[]>;
  close(): void;
}

export interface VideoEncoderEngine {
  /** Registry name: `nvenc` (hardware) or `nvenc-software` (the software device). */
  readonly name: string;
  readonly software: boolean;
  open(config: EngineSessionConfig): EngineSession;
  /** RFC 6381 codec string from the SPS inside `annexB` (null when it holds none). */
  codecString(annexB: Uint8Array): string | null;
}

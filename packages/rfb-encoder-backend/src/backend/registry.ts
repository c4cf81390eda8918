import { probeDriver } from '@nvenc-ts/nvenc';
import { NoBackendAvailableError } from '../errors.js';
import type { VideoEncoderEngine } from './engine.js';
import { H264EncoderBackend, type H264BackendOptions } from './nvenc-backend.js';
import { createNvencEngine } from './nvenc-engine.js';
import type { EncoderBackend } from './types.js';

/** A candidate's answer to whether it can run here. */
export type ProbeVerdict = { ok: true; detail: string } | { ok: false; reason: string };

/** A backend the registry can pick: a probe and a factory. */
export interface BackendCandidate {
  /** Registry name; also the `metadata.backend` of what it produces. */
  readonly name: string;
  /** Says whether this backend can run here. Must not throw. */
  probe(): Promise<ProbeVerdict>;
  /** Creates the backend (called only after a successful probe). */
  create(options: H264BackendOptions): Promise<EncoderBackend>;
}

/** The backend `select()` picked, and why. */
export interface BackendSelection {
  backend: EncoderBackend;
  /** The name of the backend picked. */
  name: string;
  /** Why it was picked (its probe's answer). */
  reason: string;
  /** Every candidate asked before it, with what it answered. */
  attempts: { name: string; reason: string }[];
}

/** Options of `select()` / `createEncoderBackend()`. */
export interface SelectBackendOptions extends H264BackendOptions {
  /** `auto` tries candidates in registration order; a name tries only that one. Default `auto`. */
  prefer?: 'auto' | (string & {});
  /** Told which backend was picked and why. */
  log?: (line: string) => void;
}

/** Encoder backends in order of preference; `select` picks the first whose probe says it can run. */
export class EncoderBackendRegistry {
  private readonly candidates: BackendCandidate[] = [];

  /** Adds a candidate after those already registered; names must be unique. */
  register(candidate: BackendCandidate): this {
    if (this.candidates.some((c) => c.name === candidate.name)) {
      throw new Error(`an encoder backend named '${candidate.name}' is already registered`);
    }
    this.candidates.push(candidate);
    return this;
  }

  /** Registered candidate names, in preference order. */
  names(): string[] {
    return this.candidates.map((c) => c.name);
  }

  /** Creates the first candidate (or the preferred one) whose probe passes; throws `NoBackendAvailableError` with every reason otherwise. */
  async select(options: SelectBackendOptions = {}): Promise<BackendSelection> {
    const { prefer = 'auto', log, ...backendOptions } = options;
    const pool = prefer === 'auto' ? this.candidates : this.candidates.filter((c) => c.name === prefer);
    if (pool.length === 0)
      throw new NoBackendAvailableError([{ name: prefer, reason: 'no backend registered under this name' }]);
    const attempts: { name: string; reason: string }[] = [];
    for (const candidate of pool) {
      const verdict = await candidate
        .probe()
        .catch((e: unknown): ProbeVerdict => ({ ok: false, reason: String((e as Error)?.message ?? e) }));
      if (!verdict.ok) {
        attempts.push({ name: candidate.name, reason: verdict.reason });
        continue;
      }
      try {
        const backend = await candidate.create(backendOptions);
        const skipped = attempts.length ? ` (skipped ${attempts.map((a) => `${a.name}: ${a.reason}`).join('; ')})` : '';
        log?.(`encoder backend: ${candidate.name} — ${verdict.detail}${skipped}`);
        return { backend, name: candidate.name, reason: verdict.detail, attempts };
      } catch (error) {
        attempts.push({ name: candidate.name, reason: `create failed: ${(error as Error).message}` });
      }
    }
    throw new NoBackendAvailableError(attempts);
  }
}

/** Opens and closes a tiny session: the only proof that a device can encode (an H100 has no NVENC engine). */
function trialSession(engine: VideoEncoderEngine): void {
  const session = engine.open({
    width: 256,
    height: 144,
    inputFormat: 'nv12',
    profile: 'baseline',
    bitrate: 1_000_000,
    fps: 30,
    pipelineDepth: 0,
    colour: { primaries: 'bt709', transfer: 'bt709', matrix: 'bt709', fullRange: false },
  });
  session.close();
}

/** NVENC on the NVIDIA driver: chosen when the probe finds a device and a trial session opens. */
export function nvencHardwareCandidate(gpu = 0): BackendCandidate {
  return {
    name: 'nvenc',
    async probe() {
      // Never throws: every problem is in report.problems.
      const report = probeDriver({ device: { gpu } });
      if (report.software) return { ok: false, reason: 'the NVIDIA library found is the software device' };
      if (!report.ok) {
        const problems = report.problems;
        // Each problem is a sentence of its own: join them as sentences, not as '….; …'.
        return { ok: false, reason: problems.length ? problems.join(' ') : 'the NVIDIA driver probe failed' };
      }
      try {
        trialSession(await createNvencEngine({ device: { gpu } }));
      } catch (error) {
        return { ok: false, reason: `GPU ${gpu} cannot open an NVENC session: ${(error as Error).message}` };
      }
      return { ok: true, detail: `NVIDIA driver, GPU ${gpu} opened an NVENC session` };
    },
    async create(options) {
      return new H264EncoderBackend(await createNvencEngine({ device: { gpu } }), options);
    },
  };
}

/** The software NVENC device (libavcodec underneath): runs anywhere the package's libraries are built. */
export function nvencSoftwareCandidate(): BackendCandidate {
  return {
    name: 'nvenc-software',
    async probe() {
      try {
        trialSession(await createNvencEngine({ device: 'software' }));
      } catch (error) {
        return { ok: false, reason: (error as Error).message };
      }
      return { ok: true, detail: 'software NVENC device (CPU encode)' };
    },
    async create(options) {
      return new H264EncoderBackend(await createNvencEngine({ device: 'software' }), options);
    },
  };
}

/** The default registry: hardware NVENC first, then the software device. */
export function defaultBackendRegistry(): EncoderBackendRegistry {
  return new EncoderBackendRegistry().register(nvencHardwareCandidate()).register(nvencSoftwareCandidate());
}

/** Picks NVENC when it can run here, else the software device, and says which (`selection.name`, `reason`). */
export function createEncoderBackend(options: SelectBackendOptions = {}): Promise<BackendSelection> {
  return defaultBackendRegistry().select(options);
}

/** A one-line progress bar on stderr, drawn only when stderr is a terminal (or forced). */

export class ProgressBar {
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly enabled: boolean,
  ) {}

  static for(mode: 'auto' | 'on' | 'off', stream: NodeJS.WriteStream = process.stderr): ProgressBar {
    return new ProgressBar(stream, mode === 'on' || (mode === 'auto' && stream.isTTY === true));
  }

  update(done: number, total: number | undefined, elapsedMs: number, durationMs?: number): void {
    if (!this.enabled) return;
    const fraction = total !== undefined ? done / total : durationMs ? elapsedMs / durationMs : 0;
    const width = 30;
    const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
    const fps = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0;
    const label =
      total !== undefined ? `${done}/${total} frames` : `${done} frames, ${(elapsedMs / 1000).toFixed(1)} s`;
    this.stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${label}  ${fps.toFixed(1)} fps\x1b[K`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}

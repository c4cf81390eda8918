/** What {@link probeVideo} reports of a file's first video stream. */
export interface ProbedVideo {
  codec: string;
  width: number;
  height: number;
  frames: number;
  errors: string;
  stream: Record<string, string | number | undefined>;
}
export function probeVideo(file: string, extraEntries?: string[]): ProbedVideo;
export function hasFfprobe(): boolean;

// How the repository's tests ask ffprobe what a file holds: one owner for the command line and the
// reading of its answer (the examples, the native binding's and the WebCodecs package's tests).
// No npm dependencies: the native tests carry it to the GPU machine as is.
import { spawnSync } from 'node:child_process';

const baseEntries = ['codec_name', 'width', 'height', 'nb_read_frames'];

/**
 * The first video stream of `file` as ffprobe decodes it (every frame, `-count_frames`): codec,
 * size, the number of frames it decoded, what it wrote to stderr (`errors`, empty for a clean
 * stream) and the raw stream entry with any `extraEntries` (ffprobe stream field names).
 * Throws when ffprobe cannot read the file at all.
 */
export function probeVideo(file, extraEntries = []) {
  const entries = [...baseEntries, ...extraEntries].join(',');
  const r = spawnSync(
    'ffprobe',
    [
      '-v',
      'error',
      '-count_frames',
      '-select_streams',
      'v:0',
      '-show_entries',
      `stream=${entries}`,
      '-of',
      'json',
      file,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`ffprobe failed on ${file} (${r.status}): ${r.stderr}`);
  const stream = JSON.parse(r.stdout).streams?.[0];
  if (!stream) throw new Error(`ffprobe found no video stream in ${file}`);
  return {
    codec: stream.codec_name,
    width: stream.width,
    height: stream.height,
    frames: Number(stream.nb_read_frames),
    errors: r.stderr.trim(),
    stream,
  };
}

/** Whether ffprobe runs here. */
export function hasFfprobe() {
  return spawnSync('ffprobe', ['-version']).status === 0;
}

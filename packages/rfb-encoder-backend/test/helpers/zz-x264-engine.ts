import { execFileSync } from 'node:child_process';
import type { VideoEncoderEngine } from '../../src/backend/engine.js';
export function x264Engine(): VideoEncoderEngine {
  let idx = 0;
  return {
    name: 'nvenc-software', software: true,
    codecString: (d) => { for (let i = 0; i + 7 < d.length; i++) if (d[i]===0&&d[i+1]===0&&d[i+2]===1&&(d[i+3]!&0x1f)===7) return 'avc1.'+[d[i+4]!,d[i+5]!,d[i+6]!].map(b=>b.toString(16).padStart(2,'0')).join(''); return null; },
    open(config) {
      return {
        async encode(frame, o) {
          const data = (frame as { data: Uint8Array }).data;
          const out = execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'rawvideo', '-pix_fmt', config.inputFormat === 'bgra' ? 'bgra' : 'rgba', '-s', `${config.width}x${config.height}`, '-i', '-', '-frames:v', '1', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-profile:v', 'baseline', '-x264-params', 'threads=2:sliced-threads=1', '-f', 'h264', '-'], { input: data });
          return [{ data: out, keyframe: true, pictureType: 'idr', seq: o.seq, frameIndex: idx++ }];
        },
        async flush() { return []; },
        close() {},
      };
    },
  };
}

// examples/webcodecs-shared.mjs — runs browser code (shared/encode-clip.js) in Node, unchanged.
import { installWebCodecsGlobals } from '@nvenc-ts/webcodecs';

installWebCodecsGlobals(); // defines VideoEncoder, VideoFrame, EncodedVideoChunk, VideoColorSpace where missing
const { encodeClip } = await import('./shared/encode-clip.js');
console.log(JSON.stringify(await encodeClip('avc1.42001f')));

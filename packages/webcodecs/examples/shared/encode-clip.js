// examples/shared/encode-clip.js — browser code: no imports, only the WebCodecs globals. The same file
// runs in a page and in Node (after installWebCodecsGlobals()).
/* global VideoEncoder, VideoFrame */
export async function encodeClip(codec, frames = 30) {
  const support = await VideoEncoder.isConfigSupported({ codec, width: 160, height: 120 });
  if (!support.supported) return { codec, supported: false };
  const chunks = [];
  let decoderCodec;
  const encoder = new VideoEncoder({
    output: (chunk, metadata) => {
      if (metadata?.decoderConfig) decoderCodec = metadata.decoderConfig.codec;
      chunks.push(chunk.type);
    },
    error: (e) => chunks.push(e.name),
  });
  encoder.configure({ codec, width: 160, height: 120, framerate: 30 });
  for (let i = 0; i < frames; i++) {
    const frame = new VideoFrame(new Uint8Array(160 * 120 * 4).fill(i * 8), {
      format: 'BGRX',
      codedWidth: 160,
      codedHeight: 120,
      timestamp: i * 33_333,
    });
    encoder.encode(frame, { keyFrame: i === 15 });
    frame.close();
  }
  await encoder.flush();
  encoder.close();
  return {
    codec,
    supported: true,
    decoderCodec: decoderCodec.slice(0, 5),
    chunks: chunks.length,
    keys: chunks.flatMap((t, i) => (t === 'key' ? [i] : [])),
  };
}

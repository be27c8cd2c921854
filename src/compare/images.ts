/**
 * Two PNG figures compared pixel by pixel, with pixelmatch over pngjs's decoding: the share of pixels that
 * differ and an image of where. pixelmatch is one small file without dependencies (sharp would bring libvips, a
 * native library, for what is here one loop over RGBA bytes), it discounts anti-aliasing (the noise a re-render
 * can shift by a pixel), and pngjs is already how mreorg reads PNGs. Pure: buffers in, buffers out.
 */
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';

export type ImageComparison =
  /** No pixel differs visibly (anti-aliasing aside), or no more than the tolerance allows. */
  | { kind: 'same'; ratio: number }
  | { kind: 'differs'; ratio: number; diff: Buffer }
  | { kind: 'resized'; before: Size; after: Size }
  /** One of them is not a PNG that decodes: only its bytes can be compared. */
  | { kind: 'undecodable'; reason: string };

export interface Size {
  width: number;
  height: number;
}

/**
 * pixelmatch's colour threshold (0..1, its default 0.1): how far apart two colours must be to count as a
 * different pixel. `tolerance` is then the share of such pixels still called unchanged (0: any).
 */
const COLOUR_THRESHOLD = 0.1;

export function compareImages(before: Buffer, after: Buffer, tolerance = 0): ImageComparison {
  const a = decode(before);
  const b = decode(after);
  if ('reason' in a) return { kind: 'undecodable', reason: `before: ${a.reason}` };
  if ('reason' in b) return { kind: 'undecodable', reason: `after: ${b.reason}` };
  if (a.width !== b.width || a.height !== b.height) {
    return { kind: 'resized', before: { width: a.width, height: a.height }, after: { width: b.width, height: b.height } };
  }
  const out = new PNG({ width: b.width, height: b.height });
  const differing = pixelmatch(a.data, b.data, out.data, b.width, b.height, { threshold: COLOUR_THRESHOLD, alpha: 0.2 });
  const ratio = b.width * b.height === 0 ? 0 : differing / (b.width * b.height);
  if (differing === 0 || ratio <= tolerance) return { kind: 'same', ratio };
  return { kind: 'differs', ratio, diff: PNG.sync.write(out, { deflateLevel: 1, filterType: 0 }) };
}

function decode(bytes: Buffer): PNG | { reason: string } {
  try {
    return PNG.sync.read(bytes);
  } catch (e) {
    return { reason: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * The demo's built-in dataset: handwritten-looking digits drawn from stroke templates. Each
 * sample jitters the template's control points, applies a random affine map (rotation, scale,
 * shear, shift) and stroke width, and gets pixel noise. Thousands of glyphs are laid out on one
 * SVG sheet and rasterized by a single sharp call, then cut into 28×28 grayscale images with
 * MNIST's conventions (ink high, background 0, digit in a 20-pixel box centred in the frame).
 */
import sharp from "sharp";
import { Generator } from "@trek/tensor";

/** Stroke templates in a unit box (x right, y down): absolute M/L/C/Z path commands only. */
export const DIGIT_TEMPLATES: readonly string[] = [
  "M0.5,0.04 C0.86,0.04 0.92,0.36 0.92,0.5 C0.92,0.72 0.8,0.96 0.5,0.96 C0.2,0.96 0.08,0.7 0.08,0.5 C0.08,0.3 0.18,0.04 0.5,0.04 Z",
  "M0.28,0.22 L0.56,0.04 L0.56,0.96",
  "M0.14,0.26 C0.2,0.04 0.82,0 0.84,0.3 C0.86,0.52 0.3,0.72 0.12,0.96 L0.9,0.96",
  "M0.14,0.12 C0.4,-0.02 0.86,0.04 0.8,0.28 C0.76,0.44 0.52,0.48 0.4,0.48 C0.62,0.48 0.9,0.56 0.86,0.76 C0.8,1 0.3,1 0.1,0.86",
  "M0.66,0.96 L0.66,0.04 L0.08,0.68 L0.92,0.68",
  "M0.84,0.04 L0.26,0.04 L0.2,0.46 C0.46,0.34 0.88,0.4 0.88,0.68 C0.88,0.98 0.34,1 0.12,0.86",
  "M0.76,0.06 C0.4,0.04 0.14,0.34 0.14,0.66 C0.14,0.9 0.34,0.97 0.5,0.97 C0.76,0.97 0.86,0.8 0.86,0.67 C0.86,0.5 0.7,0.4 0.5,0.4 C0.3,0.4 0.18,0.54 0.15,0.62",
  "M0.1,0.06 L0.9,0.06 L0.4,0.96",
  "M0.5,0.48 C0.2,0.45 0.18,0.06 0.5,0.05 C0.82,0.06 0.8,0.45 0.5,0.48 C0.14,0.52 0.12,0.96 0.5,0.96 C0.88,0.96 0.86,0.52 0.5,0.48 Z",
  "M0.85,0.34 C0.8,0.56 0.6,0.6 0.44,0.58 C0.24,0.55 0.14,0.42 0.15,0.3 C0.17,0.12 0.34,0.04 0.5,0.04 C0.7,0.04 0.86,0.18 0.85,0.34 L0.74,0.96",
];

/** How much each sample varies (defaults give a task a small CNN learns to ~99% in a few epochs). */
export interface GlyphOptions {
  /** Image side in pixels (default 28). */
  size?: number;
  /** Seed of the random distortions (default 0). */
  seed?: number;
  /** Max rotation in degrees (default 25). */
  rotation?: number;
  /** Std of the per-pixel Gaussian noise, in [0, 1] units (default 0.15). */
  noise?: number;
}

/** A generated set: uint8 pixels [count, size, size] (ink = 255) and labels 0..9. */
export interface GlyphSet {
  pixels: Uint8Array;
  labels: Uint8Array;
  count: number;
  size: number;
}

/** Applies `[a c e; b d f]` to the absolute coordinates of a template path. */
function transformPath(template: string, map: (x: number, y: number) => [number, number]): string {
  return template.replace(/(-?\d*\.?\d+),(-?\d*\.?\d+)/g, (_, xs: string, ys: string) => {
    const [x, y] = map(Number(xs), Number(ys));
    return `${x.toFixed(2)},${y.toFixed(2)}`;
  });
}

/** The SVG path of one distorted glyph of `digit` placed in the cell at (left, top). */
function glyphPath(digit: number, left: number, top: number, size: number, random: Generator, rotation: number): { d: string; width: number } {
  const box = (size * 20) / 28;
  const angle = ((random.nextDouble() * 2 - 1) * rotation * Math.PI) / 180;
  const scale = 0.8 + random.nextDouble() * 0.3;
  const aspect = 0.7 + random.nextDouble() * 0.25; // digits are narrower than tall
  const shear = (random.nextDouble() * 2 - 1) * 0.4;
  const shiftX = (random.nextDouble() * 2 - 1) * size * 0.08;
  const shiftY = (random.nextDouble() * 2 - 1) * size * 0.08;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const jitter = () => (random.nextDouble() * 2 - 1) * 0.09;
  const d = transformPath(DIGIT_TEMPLATES[digit]!, (x, y) => {
    const u = (x + jitter() - 0.5) * box * scale * aspect;
    const v = (y + jitter() - 0.5) * box * scale;
    const sheared = u + shear * v;
    return [left + size / 2 + shiftX + cos * sheared - sin * v, top + size / 2 + shiftY + sin * sheared + cos * v];
  });
  return { d, width: (size / 28) * (1.4 + random.nextDouble() * 1.6) };
}

/**
 * Draws `count` digits (labels cycling 0..9 in shuffled order) with sharp. Deterministic for a
 * given seed.
 */
export async function generateGlyphs(count: number, options: GlyphOptions = {}): Promise<GlyphSet> {
  const size = options.size ?? 28;
  const random = new Generator(options.seed ?? 0);
  const rotation = options.rotation ?? 25;
  const noise = options.noise ?? 0.15;
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) labels[i] = i % 10;
  for (let i = count - 1; i > 0; i--) {
    const j = random.nextInt(0, i + 1);
    [labels[i], labels[j]] = [labels[j]!, labels[i]!];
  }
  const pixels = new Uint8Array(count * size * size);
  // Sheets of at most 64×64 cells keep each raster well inside sharp's pixel limits.
  const columns = 64;
  const perSheet = columns * 64;
  for (let first = 0; first < count; first += perSheet) {
    const n = Math.min(perSheet, count - first);
    const rows = Math.ceil(n / columns);
    const width = columns * size;
    const height = rows * size;
    const paths: string[] = [];
    for (let k = 0; k < n; k++) {
      const { d, width: stroke } = glyphPath(labels[first + k]!, (k % columns) * size, Math.floor(k / columns) * size, size, random, rotation);
      paths.push(`<path d="${d}" stroke-width="${stroke.toFixed(2)}"/>`);
    }
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<rect width="100%" height="100%" fill="black"/>` +
      `<g fill="none" stroke="white" stroke-linecap="round" stroke-linejoin="round">${paths.join("")}</g></svg>`;
    const raster = await sharp(Buffer.from(svg)).greyscale().raw().toBuffer({ resolveWithObject: true });
    const channels = raster.info.channels;
    for (let k = 0; k < n; k++) {
      const left = (k % columns) * size;
      const top = Math.floor(k / columns) * size;
      const out = (first + k) * size * size;
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const ink = raster.data[((top + y) * width + left + x) * channels]! / 255;
          const noisy = ink + noise * random.nextNormal();
          pixels[out + y * size + x] = Math.round(255 * Math.min(1, Math.max(0, noisy)));
        }
      }
    }
  }
  return { pixels, labels, count, size };
}

/** A PNG contact sheet of the first `count` glyphs (for a person to look at). */
export async function glyphSheetPng(set: GlyphSet, count = 100, columns = 10): Promise<Buffer> {
  const n = Math.min(count, set.count);
  const rows = Math.ceil(n / columns);
  const s = set.size;
  const sheet = Buffer.alloc(columns * s * rows * s);
  for (let k = 0; k < n; k++) {
    for (let y = 0; y < s; y++) {
      const source = k * s * s + y * s;
      sheet.set(set.pixels.subarray(source, source + s), ((Math.floor(k / columns) * s + y) * columns + (k % columns)) * s);
    }
  }
  return sharp(sheet, { raw: { width: columns * s, height: rows * s, channels: 1 } }).png().toBuffer();
}

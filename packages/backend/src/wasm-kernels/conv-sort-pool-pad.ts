/**
 * The zero padding of the fused first-layer modules (conv-sort-pool-simd.ts),
 * one image at a time: the image's H rows of W·Cin floats are copied into the
 * interior of a scratch buffer of hp × wp × Cin floats (a few KB, in L1)
 * whose border the caller zeroed once and that no image writes:
 *
 *   pad[i + top, j + left, c] = x[img, i, j, c]
 *
 * so the convolution reads every tap in bounds without a padded copy of the
 * whole batch (which costs a pass over memory and, copied row by row from
 * JavaScript, milliseconds of calls).
 */
import { bumpBy, offsetOf, repeat, whileBelow } from './conv-tiles';
import { op } from './wasm-encoding';

/** The sizes the copy needs: x's rows H and columns W, the padded width wp, Cin, the border above and left. */
export interface PadGeometry {
  h: number;
  w: number;
  wp: number;
  cin: number;
  top: number;
  left: number;
}

/** The i32 locals of the copy: the image's first float (read only), the pad buffer (read only), and scratch. */
export interface PadLocals {
  image: number;
  pad: number;
  row: number;
  src: number;
  dst: number;
  end: number;
}

/** Copies the image at `image` into the pad buffer's interior: whole vectors, then the row's last W·Cin mod 4 floats. */
export function padImage(g: PadGeometry, f: PadLocals): number[] {
  const rowFloats = g.w * g.cin;
  const vectors = Math.floor(rowFloats / 4);
  const tail = Array.from({ length: rowFloats % 4 }, (_, i) => [
    ...op.get(f.dst),
    ...op.get(f.src),
    ...op.f32Load(4 * i),
    ...op.f32Store(4 * i),
  ]).flat();
  return [
    ...op.get(f.image),
    ...op.set(f.src),
    ...offsetOf(f.dst, f.pad, 4 * (g.top * g.wp + g.left) * g.cin),
    ...repeat(f.row, g.h, [
      ...offsetOf(f.end, f.src, 16 * vectors),
      ...whileBelow(f.src, f.end, [
        ...op.get(f.dst),
        ...op.get(f.src),
        ...op.v128Load,
        ...op.v128Store,
        ...bumpBy(f.src, 16),
        ...bumpBy(f.dst, 16),
      ]),
      ...tail,
      ...bumpBy(f.src, 4 * (rowFloats % 4)),
      ...bumpBy(f.dst, 4 * (g.wp * g.cin - 4 * vectors)),
    ]),
  ];
}

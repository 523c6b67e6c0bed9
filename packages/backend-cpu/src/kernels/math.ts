/** Floor, Ceil, Round (half to even), Sign and Log1p: strided loops like unary.ts's. */
import type { KernelTable } from '@tapeflow/core';
import { unary, type UnaryLoop } from './unary.js';

const floor: UnaryLoop = (out, o, x, i, s, n) => {
  for (const e = o + n; o < e; o++, i += s) out[o] = Math.floor(x[i]);
};
const ceil: UnaryLoop = (out, o, x, i, s, n) => {
  for (const e = o + n; o < e; o++, i += s) out[o] = Math.ceil(x[i]);
};
// Math.round rounds halves up; a half that went to an odd integer steps back to the even one.
// (r - v is exact: r and v are within 1/2 of each other.)
const round: UnaryLoop = (out, o, x, i, s, n) => {
  for (const e = o + n; o < e; o++, i += s) {
    const v = x[i];
    const r = Math.round(v);
    out[o] = r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
  }
};
// `v` itself for 0, -0 and NaN.
const sign: UnaryLoop = (out, o, x, i, s, n) => {
  for (const e = o + n; o < e; o++, i += s) {
    const v = x[i];
    out[o] = v > 0 ? 1 : v < 0 ? -1 : v;
  }
};
const log1p: UnaryLoop = (out, o, x, i, s, n) => {
  for (const e = o + n; o < e; o++, i += s) out[o] = Math.log1p(x[i]);
};

export const mathKernels = {
  Floor: unary(floor),
  Ceil: unary(ceil),
  Round: unary(round),
  Sign: unary(sign),
  Log1p: unary(log1p),
} satisfies Partial<KernelTable>;

/** float32 bit patterns as integers that order like the values, so b - a counts ulps (tests only). */
const f32 = new Float32Array(1);
const bits = new Int32Array(f32.buffer);

/** float32 bits as an integer that orders like the values (so b - a counts ulps; +-0 -> 0, Infinity -> max + 1). */
export function ordered(x: number): number {
  f32[0] = x;
  const b = bits[0];
  return b < 0 ? -(b & 0x7fffffff) : b;
}

export function fromOrdered(k: number): number {
  bits[0] = k < 0 ? -k | 0x80000000 : k;
  return f32[0];
}

/**
 * CRC-32C (Castagnoli), as LevelDB tables and TensorFlow bundles use it, with LevelDB's masking:
 * a stored checksum is rotated right by 15 bits plus a constant, because computing the CRC of
 * data that itself contains CRCs is error-prone (LevelDB util/crc32c.h).
 */
import CRC32C from 'crc-32/crc32c.js';

const MASK_DELTA = 0xa282ead8;

/** The unsigned CRC-32C of `bytes`, continuing from `crc` (0 for a fresh sum). */
export function crc32c(bytes: Uint8Array, crc = 0): number {
  // crc-32 takes and returns signed 32-bit values.
  return CRC32C.buf(bytes, crc | 0) >>> 0;
}

export const maskCrc = (crc: number): number => ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;

export function unmaskCrc(masked: number): number {
  const rot = (masked - MASK_DELTA) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}

/**
 * The 'webgl' backend: tensor storage in textures, uploaded lazily, read back with readPixels,
 * plus the `run` helper every kernel uses to execute one fragment shader.
 *
 * Storage states of a tensor: on the host only (just written, or offloaded by swapMemory), or
 * on the GPU only. Writing keeps the values on the host; the first kernel that reads the tensor
 * uploads them and drops the host copy. `offload` moves them to the host and frees the texture;
 * from then on they stay on the host and each kernel that reads them uploads a transient copy
 * that goes back to the pool after that draw. That is swapMemory's point: during the backward
 * pass the saved activations come back one step at a time instead of piling up on the GPU.
 */
import type {
  Backend,
  OutInfo,
  BackendMemory,
  DataId,
  DType,
  FusedKernelTable,
  KernelTable,
  Shape,
  TensorInfo,
  TypedArray,
} from '@tapeflow/core';
import { createContext, GPGPU, texelBytes, type Program, type TexFormat, type Texture } from './gpgpu.js';
import { buildSource, glslType, type ShaderSpec } from './shader.js';
import { makeKernels } from './kernels/index.js';
import { makeFused } from './kernels/fused.js';

/** One tensor's storage. Reshape shares it (the engine refcounts DataIds). */
export class TexData {
  constructor(
    readonly size: number,
    readonly dtype: DType,
    /** Host copy while not on the GPU. */
    public values: TypedArray | null,
    public texture: Texture | null = null,
    /** Offloaded by swapMemory: kept on the host, uploaded only for the duration of a draw. */
    public offloaded = false,
  ) {}

  /** Elements per row of the shape it was made with: a packed texture row holds whole rows when it can (see texShapeFor). */
  rowLength = 1;
  /** Textures computed from this storage (see WebGLBackend.derived), freed with it. */
  derived: Map<string, Texture> | null = null;
  /** Keys of derived textures asked for once, not kept yet. */
  asked: Set<string> | null = null;
}

/** Uniform values for one draw: ints, int arrays, or floats as {f}. */
export type Uniforms = Record<string, number | readonly number[] | { f: number }>;

export interface RunSpec extends Omit<ShaderSpec, 'inputs' | 'outDtype' | 'rank'> {
  inputs: readonly TensorInfo[];
  out: { shape: Shape; dtype: DType };
  uniforms?: Uniforms;
  /** Scratch textures (see runScratch) bound after the inputs under these sampler names. */
  scratch?: [name: string, texture: Texture][];
}

/** A pre-pass writing a scratch texture: a complete fragment shader over width x height texels. */
export interface ScratchSpec {
  inputs: readonly TensorInfo[];
  format: TexFormat;
  width: number;
  height: number;
  source: string;
  uniforms?: Uniforms;
  /** Other scratch textures it reads, bound after the inputs under these sampler names. */
  scratch?: [name: string, texture: Texture][];
}

/** Length of the `oc` array for an output of this shape (scalars get one dim of size 1). */
export const rankOf = (shape: Shape): number => Math.max(shape.length, 1);

/** Pooled textures beyond this many bytes are deleted instead of kept for reuse. */
const POOL_LIMIT_BYTES = 256 * 1024 * 1024;

export class WebGLBackend implements Backend {
  readonly name = 'webgl';
  readonly gpgpu: GPGPU;
  readonly kernels: KernelTable;
  readonly fused: Partial<FusedKernelTable>;
  private live = new Set<TexData>();
  /** Highest in-use texture bytes since the last resetPeak(). */
  private peakBytes = 0;
  private bytesInUse = 0;
  private texturesInUse = 0;
  /** Number of shader runs; tests use it to see that work happened on the GPU. */
  numDraws = 0;

  constructor(gl: WebGL2RenderingContext = createContext()) {
    this.gpgpu = new GPGPU(gl);
    this.kernels = makeKernels(this);
    this.fused = makeFused(this);
  }

  supportsDType(dtype: DType): boolean {
    return dtype !== 'float64';
  }

  write(values: TypedArray, shape: Shape, dtype: DType): DataId {
    const d = new TexData(values.length, dtype, values);
    d.rowLength = shape.length ? shape[shape.length - 1] : 1;
    this.live.add(d);
    return d;
  }

  readSync(info: TensorInfo): TypedArray {
    const d = info.dataId as TexData;
    if (d.values) return d.values.slice();
    return this.fromGPU(this.gpgpu.readSync(d.texture!, d.size), d.dtype);
  }

  async read(info: TensorInfo): Promise<TypedArray> {
    const d = info.dataId as TexData;
    if (d.values) return d.values.slice();
    const raw = await this.gpgpu.read(d.texture!, d.size);
    // The tensor may have been offloaded meanwhile; the texture was read before that.
    return this.fromGPU(raw, d.dtype);
  }

  private fromGPU(raw: Float32Array | Int32Array, dtype: DType): TypedArray {
    if (dtype === 'bool') return Uint8Array.from(raw, (v) => (v !== 0 ? 1 : 0));
    return raw;
  }

  disposeData(dataId: DataId): void {
    const d = dataId as TexData;
    if (!this.live.delete(d)) return;
    this.dropDerived(d);
    if (d.texture) this.releaseTexture(d.texture);
    d.texture = null;
    d.values = null;
  }

  /** swapMemory: download to host memory and free the texture; re-uploaded on next use. */
  offload(dataId: DataId): void {
    const d = dataId as TexData;
    if (!this.live.has(d)) return;
    this.dropDerived(d); // swapMemory is about freeing GPU memory: derived copies go too
    if (!d.texture) return;
    d.values = this.fromGPU(this.gpgpu.readSync(d.texture, d.size), d.dtype);
    this.releaseTexture(d.texture);
    d.texture = null;
    d.offloaded = true;
  }

  /**
   * The texture holding `info` for one draw, uploading host values first if needed. Offloaded
   * data gets a transient texture, listed in `transient` for the caller to release after the draw.
   */
  private texture(info: TensorInfo, transient: Texture[]): Texture {
    const d = info.dataId as TexData;
    if (d.texture) return d.texture;
    const t = this.acquireTexture(d.dtype, d.size, d.rowLength);
    const v = d.values!;
    const glValues =
      glslType(d.dtype) === 'float'
        ? v instanceof Float32Array
          ? v
          : Float32Array.from(v)
        : v instanceof Int32Array
          ? v
          : Int32Array.from(v);
    this.gpgpu.upload(t, glValues);
    if (d.offloaded) {
      transient.push(t);
    } else {
      d.texture = t;
      d.values = null;
    }
    return t;
  }

  private acquireTexture(dtype: DType, size: number, rowLength: number): Texture {
    if (glslType(dtype) === 'int') return this.count(this.gpgpu.acquire('int', size));
    const [width, height] = this.texShapeFor(size, rowLength);
    return this.count(this.gpgpu.acquire2D('vec4', width, height));
  }

  /**
   * The packed texture of `size` float32 elements in rows of `rowLength`: one row per texture
   * row when rows are a whole number of texels and fit, so a matrix is a 2-D texture (its element
   * (r, 4c..4c+3) is texel (c, r), what matmul_rows.ts reads with plain texture coordinates);
   * else rows of as many texels as fit.
   */
  texShapeFor(size: number, rowLength: number): [number, number] {
    const texels = Math.ceil(size / 4);
    const w = rowLength / 4,
      max = this.gpgpu.maxTextureSize;
    if (size > 0 && rowLength % 4 === 0 && w <= 4096 && texels / w <= max) return [w, texels / w];
    return this.gpgpu.texShape(texels);
  }

  /** Width and height of the texture `info` is (or will be, once uploaded) stored in. */
  textureShape(info: TensorInfo): [number, number] {
    const d = info.dataId as TexData;
    if (d.texture) return [d.texture.width, d.texture.height];
    return glslType(d.dtype) === 'int' ? this.gpgpu.texShape(d.size) : this.texShapeFor(d.size, d.rowLength);
  }

  /** Counts a texture as in use (memory() and the peak). */
  private count(t: Texture): Texture {
    this.texturesInUse++;
    this.bytesInUse += t.width * t.height * texelBytes(t.format);
    if (this.bytesInUse > this.peakBytes) this.peakBytes = this.bytesInUse;
    return t;
  }

  private releaseTexture(t: Texture): void {
    this.texturesInUse--;
    this.bytesInUse -= t.width * t.height * texelBytes(t.format);
    this.gpgpu.release(t);
    if (this.gpgpu.numBytesPooled > POOL_LIMIT_BYTES) this.gpgpu.emptyPool();
  }

  /** Runs one fragment shader over a fresh output texture and returns the output's storage. */
  run(spec: RunSpec): TexData {
    const source = buildSource({
      ...spec,
      inputs: spec.inputs,
      outDtype: spec.out.dtype,
      rank: rankOf(spec.out.shape),
    });
    return this.runSource({ ...spec, source });
  }

  /**
   * Runs a complete fragment shader (inputs as samplers xK with widths xKW, scratch textures
   * after them; the uniforms outW, outSize and outShape set) over a fresh output texture.
   */
  runSource(spec: Omit<RunSpec, 'body'> & { source: string }): TexData {
    const size = spec.out.shape.reduce((n, v) => n * v, 1);
    const out = new TexData(size, spec.out.dtype, null);
    out.rowLength = spec.out.shape.length ? spec.out.shape[spec.out.shape.length - 1] : 1;
    this.live.add(out);
    const outTex = this.acquireTexture(spec.out.dtype, size, out.rowLength);
    out.texture = outTex;
    if (size === 0) return out;
    this.draw(
      this.gpgpu.program(spec.source),
      outTex,
      spec.inputs,
      {
        ...spec.uniforms,
        outW: outTex.width,
        outSize: size,
        outShape: spec.out.shape.length ? spec.out.shape : [1],
      },
      spec.scratch,
    );
    return out;
  }

  /**
   * elements [offset, offset + size of out) of float32 `x` as a new tensor `out`, copied by a blit
   * when they are whole rows of x's texture and out's texture has x's width (a slice of rows of a
   * matrix: an RNN reading its steps); else null. Counts as a draw (a GPU pass).
   */
  copyRows(x: TensorInfo, offset: number, out: OutInfo): TexData | null {
    const d = x.dataId as TexData;
    const src = d.texture;
    const size = out.shape.reduce((n, v) => n * v, 1);
    const rowLength = out.shape.length ? out.shape[out.shape.length - 1] : 1;
    if (!src || src.format !== 'vec4' || size === 0) return null;
    const [w, h] = this.texShapeFor(size, rowLength);
    const y = offset / (4 * w);
    if (w !== src.width || size !== 4 * w * h || !Number.isInteger(y) || y + h > src.height) return null;
    const data = new TexData(size, out.dtype, null);
    data.rowLength = rowLength;
    this.live.add(data);
    data.texture = this.acquireTexture(out.dtype, size, rowLength);
    this.gpgpu.copyRows(src, y, data.texture);
    this.numDraws++;
    return data;
  }

  /**
   * Runs a pre-pass into a fresh scratch texture (not a tensor: kernels use it for their next
   * draw and hand it back with releaseScratch). It counts as GPU memory in use meanwhile.
   */
  runScratch(spec: ScratchSpec): Texture {
    const t = this.count(this.gpgpu.acquire2D(spec.format, spec.width, spec.height));
    this.draw(this.gpgpu.program(spec.source), t, spec.inputs, { ...spec.uniforms }, spec.scratch);
    return t;
  }

  releaseScratch(t: Texture): void {
    this.releaseTexture(t);
  }

  /**
   * A texture computed from `info`'s storage alone by `make` (a runScratch), under `key` (which
   * must name everything else it depends on, e.g. a packed layout). Storage never changes, so
   * the second time a key is asked for, the texture is kept with the storage and reused until
   * the storage is freed or offloaded: an operand read again and again (an RNN's recurrent
   * weights, every step) is converted once. `keep` false: the caller releases it after use.
   */
  derived(info: TensorInfo, key: string, make: () => Texture): { texture: Texture; keep: boolean } {
    const d = info.dataId as TexData;
    const have = d.derived?.get(key);
    if (have) return { texture: have, keep: true };
    const texture = make();
    if (d.offloaded || !d.asked?.has(key)) {
      (d.asked ??= new Set()).add(key);
      return { texture, keep: false };
    }
    (d.derived ??= new Map()).set(key, texture);
    return { texture, keep: true };
  }

  private dropDerived(d: TexData): void {
    if (d.derived) for (const t of d.derived.values()) this.releaseTexture(t);
    d.derived = null;
    d.asked = null;
  }

  /** Binds the inputs (uploading host data) and the scratch textures, sets `xKW`, draws. */
  private draw(
    program: Program,
    outTex: Texture,
    inputs: readonly TensorInfo[],
    uniforms: Uniforms,
    scratch: [string, Texture][] = [],
  ): void {
    const transient: Texture[] = [];
    const textures = inputs.map((x, k): [string, Texture] => [`x${k}`, this.texture(x, transient)]);
    textures.forEach(([, t], k) => {
      uniforms[`x${k}W`] = t.width;
    });
    this.gpgpu.draw(program, outTex, [...textures, ...scratch], uniforms);
    this.numDraws++;
    for (const t of transient) this.releaseTexture(t);
  }

  memory(): BackendMemory {
    let hostBytes = 0;
    for (const d of this.live) if (d.values) hostBytes += d.values.byteLength;
    return {
      numTextures: this.texturesInUse,
      numBytesInGPU: this.bytesInUse,
      numTexturesAllocated: this.gpgpu.numTextures,
      numBytesInGPUAllocated: this.gpgpu.numBytes,
      numBytesInGPUFree: this.gpgpu.numBytesPooled,
      numBytesInGPUPeak: this.peakBytes,
      numBytesOnHost: hostBytes,
      numPrograms: this.gpgpu.numPrograms,
    };
  }

  /** Starts a new peak measurement at the current in-use bytes. */
  resetPeak(): void {
    this.peakBytes = this.bytesInUse;
  }

  dispose(): void {
    for (const d of [...this.live]) this.disposeData(d);
    this.gpgpu.dispose();
  }
}

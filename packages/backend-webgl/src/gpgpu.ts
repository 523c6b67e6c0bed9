/**
 * The WebGL2 plumbing under the backend: one context, one framebuffer, a full-screen quad, a
 * program cache keyed by shader source, a texture pool keyed by format and size, and readback
 * (readPixels for dataSync, a pixel-pack buffer plus a fence for the async data()).
 *
 * Every tensor is a flat row-major array laid out in a 2-D texture, row by row. float32 is packed:
 * RGBA32F, four consecutive elements per texel (element i is component i % 4 of texel i / 4, and
 * texel t sits at (t % width, t / width)), so an elementwise pass runs a quarter of the fragments
 * and a matmul reads four of a row's elements in one fetch. int32 and bool use R32I, one element
 * per texel, so integers are exact over the whole int32 range (no float rounding of indices).
 */

/** R32F, R32I, or RGBA32F (four floats per texel: float32 tensors and the scratch textures of packed kernels). */
export type TexFormat = 'float' | 'int' | 'vec4';

/** Bytes of one texel of `format`. */
export const texelBytes = (format: TexFormat): number => (format === 'vec4' ? 16 : 4);

export interface Texture {
  readonly tex: WebGLTexture;
  readonly format: TexFormat;
  readonly width: number;
  readonly height: number;
}

/** A compiled program with its uniform locations (looked up once). */
export interface Program {
  readonly prog: WebGLProgram;
  readonly uniforms: Map<string, WebGLUniformLocation | null>;
}

/** Widest texture row we use; small tensors get a single row of exactly their size. */
const MAX_ROW = 4096;

export class GPGPU {
  readonly gl: WebGL2RenderingContext;
  readonly maxTextureSize: number;
  private fbo: WebGLFramebuffer;
  /** The draw side of copyRows' blit (fbo is its read side). */
  private fboCopy: WebGLFramebuffer;
  private quad: WebGLBuffer;
  private vertexShader: WebGLShader;
  private programs = new Map<string, Program>();
  private free = new Map<string, Texture[]>();
  /** Textures alive (in use or pooled), and their bytes. */
  numTextures = 0;
  numBytes = 0;
  numPooled = 0;
  numBytesPooled = 0;

  constructor(gl: WebGL2RenderingContext) {
    this.gl = gl;
    if (!gl.getExtension('EXT_color_buffer_float')) {
      throw new Error('webgl: EXT_color_buffer_float is not available, cannot render to float32 textures');
    }
    this.maxTextureSize = gl.getParameter(gl.MAX_TEXTURE_SIZE) as number;
    gl.disable(gl.DEPTH_TEST);
    gl.disable(gl.STENCIL_TEST);
    gl.disable(gl.BLEND);
    gl.disable(gl.DITHER);
    gl.disable(gl.CULL_FACE);
    this.fbo = gl.createFramebuffer()!;
    this.fboCopy = gl.createFramebuffer()!;
    this.quad = gl.createBuffer()!;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.quad);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
    this.vertexShader = this.compile(
      gl.VERTEX_SHADER,
      '#version 300 es\nin vec2 pos;\nvoid main() { gl_Position = vec4(pos, 0.0, 1.0); }\n',
    );
  }

  // ---- textures -------------------------------------------------------------------------------

  /** Width and height of the texture holding `size` texels (rows of at most MAX_ROW). */
  texShape(size: number): [number, number] {
    const n = Math.max(size, 1);
    const widest = Math.min(MAX_ROW, this.maxTextureSize);
    const height = Math.ceil(n / widest);
    if (height > this.maxTextureSize) {
      throw new RangeError(`webgl: ${size} texels do not fit in a ${widest}x${this.maxTextureSize} texture`);
    }
    // Rows as even as they go: the last row wastes fewer than `height` texels.
    return [Math.ceil(n / height), height];
  }

  /** A texture for `size` elements (four per texel in 'vec4'), reused from the pool when one of the same size is free. */
  acquire(format: TexFormat, size: number): Texture {
    const [width, height] = this.texShape(format === 'vec4' ? Math.ceil(size / 4) : size);
    return this.acquire2D(format, width, height);
  }

  /** A width x height texture, reused from the pool when one is free. */
  acquire2D(format: TexFormat, width: number, height: number): Texture {
    if (width > this.maxTextureSize || height > this.maxTextureSize) {
      throw new RangeError(`webgl: a ${width}x${height} texture exceeds the maximum size ${this.maxTextureSize}`);
    }
    const key = `${format}:${width}x${height}`;
    const pooled = this.free.get(key)?.pop();
    if (pooled) {
      this.numPooled--;
      this.numBytesPooled -= width * height * texelBytes(format);
      return pooled;
    }
    const gl = this.gl;
    const tex = gl.createTexture();
    if (!tex) throw new Error('webgl: createTexture failed (context lost?)');
    gl.bindTexture(gl.TEXTURE_2D, tex);
    gl.texStorage2D(
      gl.TEXTURE_2D,
      1,
      format === 'float' ? gl.R32F : format === 'int' ? gl.R32I : gl.RGBA32F,
      width,
      height,
    );
    // Integer and float32 textures cannot be filtered; texelFetch ignores this, but set it anyway.
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    gl.bindTexture(gl.TEXTURE_2D, null);
    this.numTextures++;
    this.numBytes += width * height * texelBytes(format);
    return { tex, format, width, height };
  }

  /** Returns a texture to the pool (it keeps its GPU memory for the next tensor of that size). */
  release(t: Texture): void {
    const key = `${t.format}:${t.width}x${t.height}`;
    let list = this.free.get(key);
    if (!list) this.free.set(key, (list = []));
    list.push(t);
    this.numPooled++;
    this.numBytesPooled += t.width * t.height * texelBytes(t.format);
  }

  /** Deletes every pooled texture (frees the GPU memory they hold). */
  emptyPool(): void {
    for (const list of this.free.values()) {
      for (const t of list) {
        this.gl.deleteTexture(t.tex);
        this.numTextures--;
        this.numBytes -= t.width * t.height * texelBytes(t.format);
      }
    }
    this.free.clear();
    this.numPooled = 0;
    this.numBytesPooled = 0;
  }

  /** Uploads `values` (float32 or int32, row-major, `size` of them) into the texture. */
  upload(t: Texture, values: Float32Array | Int32Array): void {
    const gl = this.gl;
    const padded = t.width * t.height * (t.format === 'vec4' ? 4 : 1);
    let src = values;
    if (values.length !== padded) {
      src = t.format === 'int' ? new Int32Array(padded) : new Float32Array(padded);
      src.set(values);
    }
    gl.bindTexture(gl.TEXTURE_2D, t.tex);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    if (t.format === 'vec4') gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, t.width, t.height, gl.RGBA, gl.FLOAT, src);
    else if (t.format === 'float') gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, t.width, t.height, gl.RED, gl.FLOAT, src);
    else gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, t.width, t.height, gl.RED_INTEGER, gl.INT, src);
    gl.bindTexture(gl.TEXTURE_2D, null);
  }

  /** Copies rows y..y+dst.height of `src` (as wide as `dst`, same format) into `dst`: a blit, no shader. */
  copyRows(src: Texture, y: number, dst: Texture): void {
    const gl = this.gl;
    gl.bindFramebuffer(gl.READ_FRAMEBUFFER, this.fbo);
    gl.framebufferTexture2D(gl.READ_FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, src.tex, 0);
    gl.bindFramebuffer(gl.DRAW_FRAMEBUFFER, this.fboCopy);
    gl.framebufferTexture2D(gl.DRAW_FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, dst.tex, 0);
    gl.blitFramebuffer(0, y, dst.width, y + dst.height, 0, 0, dst.width, dst.height, gl.COLOR_BUFFER_BIT, gl.NEAREST);
    gl.framebufferTexture2D(gl.DRAW_FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, null, 0);
    gl.framebufferTexture2D(gl.READ_FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, null, 0);
    gl.bindFramebuffer(gl.READ_FRAMEBUFFER, null);
    gl.bindFramebuffer(gl.DRAW_FRAMEBUFFER, null);
  }

  // ---- readback -------------------------------------------------------------------------------

  private bindForRead(t: Texture): void {
    const gl = this.gl;
    gl.bindFramebuffer(gl.FRAMEBUFFER, this.fbo);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, t.tex, 0);
  }

  /**
   * Reads the first `size` elements. RGBA/FLOAT and RGBA_INTEGER/INT are the read formats every
   * WebGL2 implementation must accept for these attachments, so we read 4 channels and keep red.
   */
  readSync(t: Texture, size: number): Float32Array | Int32Array {
    const gl = this.gl;
    this.bindForRead(t);
    const rows = this.rowsOf(t, size);
    const raw = t.format === 'int' ? new Int32Array(t.width * rows * 4) : new Float32Array(t.width * rows * 4);
    gl.readPixels(
      0,
      0,
      t.width,
      rows,
      t.format === 'int' ? gl.RGBA_INTEGER : gl.RGBA,
      t.format === 'int' ? gl.INT : gl.FLOAT,
      raw,
    );
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    return this.red(raw, size, t.format);
  }

  /** Reads into a pixel-pack buffer, waits on a fence without blocking the page, then copies out. */
  async read(t: Texture, size: number): Promise<Float32Array | Int32Array> {
    const gl = this.gl;
    const rows = this.rowsOf(t, size);
    const bytes = t.width * rows * 16;
    const buf = gl.createBuffer();
    gl.bindBuffer(gl.PIXEL_PACK_BUFFER, buf);
    gl.bufferData(gl.PIXEL_PACK_BUFFER, bytes, gl.STREAM_READ);
    this.bindForRead(t);
    gl.readPixels(
      0,
      0,
      t.width,
      rows,
      t.format === 'int' ? gl.RGBA_INTEGER : gl.RGBA,
      t.format === 'int' ? gl.INT : gl.FLOAT,
      0,
    );
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    gl.bindBuffer(gl.PIXEL_PACK_BUFFER, null);
    const sync = gl.fenceSync(gl.SYNC_GPU_COMMANDS_COMPLETE, 0)!;
    gl.flush();
    try {
      while (gl.clientWaitSync(sync, 0, 0) === gl.TIMEOUT_EXPIRED) {
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    } finally {
      gl.deleteSync(sync);
    }
    const raw = t.format === 'int' ? new Int32Array(t.width * rows * 4) : new Float32Array(t.width * rows * 4);
    gl.bindBuffer(gl.PIXEL_PACK_BUFFER, buf);
    gl.getBufferSubData(gl.PIXEL_PACK_BUFFER, 0, raw);
    gl.bindBuffer(gl.PIXEL_PACK_BUFFER, null);
    gl.deleteBuffer(buf);
    return this.red(raw, size, t.format);
  }

  /** Texture rows holding the first `size` elements. */
  private rowsOf(t: Texture, size: number): number {
    return Math.ceil((t.format === 'vec4' ? Math.ceil(size / 4) : size) / t.width);
  }

  /** The first `size` elements of RGBA pixels: all four channels of packed textures, red of the others. */
  private red(raw: Float32Array | Int32Array, size: number, format: TexFormat): Float32Array | Int32Array {
    if (format === 'vec4') return raw.slice(0, size);
    const out = format === 'float' ? new Float32Array(size) : new Int32Array(size);
    for (let i = 0; i < size; i++) out[i] = raw[4 * i];
    return out;
  }

  // ---- programs -------------------------------------------------------------------------------

  private compile(type: number, source: string): WebGLShader {
    const gl = this.gl;
    const sh = gl.createShader(type)!;
    gl.shaderSource(sh, source);
    gl.compileShader(sh);
    if (!gl.getShaderParameter(sh, gl.COMPILE_STATUS)) {
      const log = gl.getShaderInfoLog(sh);
      gl.deleteShader(sh);
      const numbered = source
        .split('\n')
        .map((l, i) => `${String(i + 1).padStart(3)} ${l}`)
        .join('\n');
      throw new Error(`webgl: shader failed to compile: ${log}\n${numbered}`);
    }
    return sh;
  }

  /** The program for `source`, compiled once and cached by its text. */
  program(source: string): Program {
    const have = this.programs.get(source);
    if (have) return have;
    const gl = this.gl;
    const fs = this.compile(gl.FRAGMENT_SHADER, source);
    const prog = gl.createProgram();
    gl.attachShader(prog, this.vertexShader);
    gl.attachShader(prog, fs);
    gl.bindAttribLocation(prog, 0, 'pos');
    gl.linkProgram(prog);
    gl.deleteShader(fs);
    if (!gl.getProgramParameter(prog, gl.LINK_STATUS)) {
      throw new Error(`webgl: program failed to link: ${gl.getProgramInfoLog(prog)}`);
    }
    const p: Program = { prog, uniforms: new Map() };
    this.programs.set(source, p);
    return p;
  }

  get numPrograms(): number {
    return this.programs.size;
  }

  private loc(p: Program, name: string): WebGLUniformLocation | null {
    if (!p.uniforms.has(name)) p.uniforms.set(name, this.gl.getUniformLocation(p.prog, name));
    return p.uniforms.get(name)!;
  }

  /**
   * Runs `p` over every texel of `out`. `textures` are bound to units 0.. under the sampler
   * names given; int uniforms take numbers or number arrays, float uniforms are wrapped {f}.
   */
  draw(
    p: Program,
    out: Texture,
    textures: [string, Texture][],
    uniforms: Record<string, number | readonly number[] | { f: number }>,
  ): void {
    const gl = this.gl;
    gl.useProgram(p.prog);
    textures.forEach(([name, t], unit) => {
      gl.activeTexture(gl.TEXTURE0 + unit);
      gl.bindTexture(gl.TEXTURE_2D, t.tex);
      gl.uniform1i(this.loc(p, name), unit);
    });
    for (const [name, v] of Object.entries(uniforms)) {
      const l = this.loc(p, name);
      if (l === null) continue; // optimized away by the compiler
      if (typeof v === 'number') gl.uniform1i(l, v);
      else if (Array.isArray(v)) gl.uniform1iv(l, v as number[]);
      else gl.uniform1f(l, (v as { f: number }).f);
    }
    gl.bindFramebuffer(gl.FRAMEBUFFER, this.fbo);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, out.tex, 0);
    gl.viewport(0, 0, out.width, out.height);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.quad);
    gl.enableVertexAttribArray(0);
    gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    // Unbind so the output can be sampled by the next draw without a feedback loop.
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, null, 0);
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    for (let unit = 0; unit < textures.length; unit++) {
      gl.activeTexture(gl.TEXTURE0 + unit);
      gl.bindTexture(gl.TEXTURE_2D, null);
    }
  }

  dispose(): void {
    const gl = this.gl;
    this.emptyPool();
    for (const p of this.programs.values()) gl.deleteProgram(p.prog);
    this.programs.clear();
    gl.deleteShader(this.vertexShader);
    gl.deleteFramebuffer(this.fbo);
    gl.deleteFramebuffer(this.fboCopy);
    gl.deleteBuffer(this.quad);
  }
}

/** A WebGL2 context on an offscreen canvas; throws where there is none (e.g. in Node). */
export function createContext(): WebGL2RenderingContext {
  const attrs: WebGLContextAttributes = {
    alpha: false,
    antialias: false,
    depth: false,
    stencil: false,
    premultipliedAlpha: false,
    preserveDrawingBuffer: false,
    powerPreference: 'high-performance',
    failIfMajorPerformanceCaveat: false,
  };
  let canvas: OffscreenCanvas | HTMLCanvasElement | undefined;
  if (typeof OffscreenCanvas !== 'undefined') canvas = new OffscreenCanvas(1, 1);
  else if (typeof document !== 'undefined') canvas = document.createElement('canvas');
  if (!canvas) throw new Error('webgl: no canvas here (not a browser), WebGL2 is unavailable');
  const gl = canvas.getContext('webgl2', attrs);
  if (!gl) throw new Error('webgl: could not create a WebGL2 context');
  return gl;
}

/**
 * @tapeflow/backend-webgl: importing this registers the 'webgl' backend. Its factory makes a
 * WebGL2 context, so it only succeeds where one exists (a browser); elsewhere (Node) the
 * factory throws and the engine moves on to the next registered backend.
 */
import { registerBackend } from '@tapeflow/core';
import { WebGLBackend } from './backend.js';

export { WebGLBackend, TexData, type RunSpec, type ScratchSpec, type Uniforms } from './backend.js';
export { GPGPU, createContext, type Program, type Texture, type TexFormat } from './gpgpu.js';

/** Above the CPU backend (priority 1): where WebGL2 works it is the default. */
export const WEBGL_PRIORITY = 2;

registerBackend('webgl', () => new WebGLBackend(), WEBGL_PRIORITY);

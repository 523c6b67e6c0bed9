/** Messages between the Node side (remote.ts) and the GPU worker (worker.ts). */
export type Request =
  | { t: 'alloc'; id: number; bytes: number }
  | { t: 'free'; id: number }
  | { t: 'write'; id: number; data: ArrayBuffer }
  | {
      t: 'run';
      program: number;
      source?: string;
      buffers: number[];
      meta: Int32Array;
      groups: [number, number, number];
    }
  | { t: 'readSync'; id: number; bytes: number; sab: SharedArrayBuffer }
  | { t: 'read'; id: number; bytes: number; req: number }
  | { t: 'stats'; sab: SharedArrayBuffer }
  | { t: 'destroy' };

export type Reply =
  | { t: 'ready'; info: string }
  | { t: 'unavailable'; reason: string }
  | { t: 'data'; req: number; data?: ArrayBuffer; error?: string }
  | { t: 'error'; message: string };

/** What a backend's test page exposes to the runner (./runner.ts) as window.tapeflowTests. */
export interface CaseResult {
  ok: boolean;
  ms: number;
  error?: string;
  /** Draw calls (webgl) or dispatches (webgpu) the case made. */
  numDraws: number;
}

export interface PageApi {
  /** Activates the page's backend; returns a description of its renderer or adapter, or throws. */
  init(): Promise<string>;
  list(): string[];
  run(name: string, runsScale: number): Promise<CaseResult>;
}

declare global {
  interface Window {
    tapeflowTests: PageApi;
  }
}

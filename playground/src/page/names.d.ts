/** The demo's cleaned first-name list, injected at bundle time by src/server/bundle.ts. */
declare module 'tapeflow:names' {
  const names: string[];
  export default names;
}

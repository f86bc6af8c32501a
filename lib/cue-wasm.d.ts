// cue-wasm ships no types; this is the part lib/cue.ts uses.
declare module 'cue-wasm' {
  export function init(): Promise<{ parse(src: string): unknown }>
}

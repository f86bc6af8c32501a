// The Engine interface: small on purpose. An engine builds a rendered context to a root filesystem
// tar and holds images that later builds use as FROM; packing and pushing are ours, not the engine's.

export interface BuildRequest {
  /** Context folder holding the Dockerfile. */
  context: string
  /** The stage to export (the `app` stage: exactly what the image adds). */
  target: string
  /** Where the stage's root filesystem is written as a tar. */
  outTar: string
  /** Steps reach the network only when a recipe said why. */
  network: boolean
  platform: string
  logFile: string
  /** Build from nothing: no engine cache (pnpm verify). */
  noCache?: boolean
  /** SOURCE_DATE_EPOCH for the build steps. */
  epoch: number
  /** Copy the engine's output to stderr as it comes (`--verbose`). */
  verbose?: boolean
}

export interface Engine {
  readonly kind: 'docker' | 'buildah'
  /** Build `target` of the context and write its root filesystem to `outTar`. */
  build(req: BuildRequest): Promise<void>
  /** Make an image packed as an OCI layout available to later builds under `refs`. */
  load(layoutDir: string, refs: string[], logFile?: string): Promise<void>
  /** Whether the engine holds `ref`. */
  has(ref: string): Promise<boolean>
}

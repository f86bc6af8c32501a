// Picking an engine from the site configuration (`engines[0]`), or `--engine` on the command line.
import type { Config } from '../config.ts'
import { BuildahEngine } from './buildah.ts'
import { DockerEngine } from './docker.ts'
import type { Engine } from './engine.ts'

export function engineFor(config: Config, kind?: 'docker' | 'buildah'): Engine {
  const spec = kind
    ? (config.engines.find((e) => e.kind === kind) ?? { kind, host: '' })
    : (config.engines[0] ?? { kind: 'docker', host: '' })
  return spec.kind === 'buildah' ? new BuildahEngine() : new DockerEngine(spec.host)
}

export type { Engine } from './engine.ts'

// Building a selection of images: placeholder until the engine lands (see lib/engine/).
import { EXIT } from './errors.ts'
import type { Repo } from './repo.ts'

export interface BuildOptions {
  force: boolean
  push: boolean
  restartRegistry: boolean
  json: boolean
  quiet: boolean
}

export async function runBuild(_repo: Repo, _selected: string[], _opts: BuildOptions): Promise<number> {
  return EXIT.failed
}

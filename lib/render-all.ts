// Write (or, with `check`, only compare) every image's generated Dockerfile, README block and SBOMs from its Plan.
// Shared by `pnpm render` and `pnpm refresh`, whose new pins change the plans of descendants too.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeAtomic } from './lock.ts'
import { withReadmeBlock } from './readme.ts'
import type { Repo } from './repo.ts'
import { renderSboms, SBOM_FILES } from './sbom.ts'

export interface RenderResult {
  /** Dockerfiles written (repository-relative paths); empty with `check`. */
  written: string[]
  /** Dockerfiles that differ from their plan (with `check`, nothing was written). */
  stale: string[]
}

export async function renderAll(repo: Repo, opts: { check?: boolean } = {}): Promise<RenderResult> {
  const out: RenderResult = { written: [], stale: [] }
  for (const name of Object.keys(repo.plans).sort()) {
    const img = repo.images[name]!
    const planned = repo.plans[name]!
    const readmePath = join(repo.root, img.dir, 'README.md')
    const readme = await readFile(readmePath, 'utf8').catch(() => undefined)
    const files: [string, string][] = [
      ['Dockerfile', planned.plan.dockerfile],
      ['README.md', withReadmeBlock(readme, planned, repo.config, img.recipe.description)],
    ]
    const sboms = renderSboms(repo, name)
    files.push([SBOM_FILES.spdx, sboms.spdx], [SBOM_FILES.cyclonedx, sboms.cyclonedx])
    for (const [file, want] of files) {
      const rel = `${img.dir}/${file}`
      const path = join(repo.root, rel)
      const current = await readFile(path, 'utf8').catch(() => '')
      if (current === want) continue
      out.stale.push(rel)
      if (!opts.check) {
        await writeAtomic(path, want)
        out.written.push(rel)
      }
    }
  }
  return out
}

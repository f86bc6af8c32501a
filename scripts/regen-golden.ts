// Regenerate the golden files of the unit tests: lib/testdata/config.json (the fixture's evaluated
// CUE, checked by lib/config.test.ts), lib/testdata/render/*.Dockerfile (checked by lib/render.test.ts) and the fixture repo's own generated files, Dockerfiles and README blocks
// (checked by `hack/render.ts --check` in hack/cli.test.ts). Goldens are never edited by hand: change the code, run this, review the diff.
// usage: tsx scripts/regen-golden.ts
import { mkdir, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { stableJson } from '../lib/canonical.ts'
import { main } from '../lib/cli.ts'
import { loadConfig } from '../lib/config.ts'
import { EXIT } from '../lib/errors.ts'
import { writeAtomic } from '../lib/lock.ts'
import { renderAll } from '../lib/render-all.ts'
import { openRepo } from '../lib/repo.ts'
import { CONFIG_GOLDEN, FIXTURE_ROOT, GOLDEN_DIR, REPO_ROOT, renderFixture } from '../lib/testdata/fixture.ts'

main(async () => {
  await writeAtomic(CONFIG_GOLDEN, stableJson(await loadConfig(FIXTURE_ROOT)))
  console.log(`wrote ${CONFIG_GOLDEN.slice(REPO_ROOT.length + 1)}`)
  const rendered = await renderFixture()
  await mkdir(GOLDEN_DIR, { recursive: true })
  // Drop goldens of images the fixture no longer has.
  for (const f of await readdir(GOLDEN_DIR))
    if (!(f.replace(/\.Dockerfile$/, '') in rendered)) await rm(join(GOLDEN_DIR, f))
  for (const [name, text] of Object.entries(rendered)) {
    const path = join(GOLDEN_DIR, `${name}.Dockerfile`)
    await writeAtomic(path, text)
    console.log(`wrote ${path.slice(REPO_ROOT.length + 1)}`)
  }
  // The fixture's own generated files, exactly as `pnpm render` writes them in a repository.
  const { written } = await renderAll(await openRepo(FIXTURE_ROOT))
  for (const w of written) console.log(`wrote ${join('lib/testdata/repo', w)}`)
  return EXIT.ok
})

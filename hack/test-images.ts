// pnpm test:images [image...] [--ref <image-ref>]
// Starts each built image hardened and checks health, metrics, its own test.ts, graceful stop and
// structure (lib/imagetest.ts); prints a table; failing containers' logs go to build/test-logs/.
import { main, parse, repoRoot } from '../lib/cli.ts'
import { EXIT, UsageError } from '../lib/errors.ts'
import {
  type ImageUnderTest,
  imageFromPlan,
  imageFromRef,
  imagesUnderTest,
  resultsTable,
  testImages,
} from '../lib/imagetest.ts'
import { openRepo } from '../lib/repo.ts'

const USAGE = `usage: pnpm test:images [image...] [options]
  (no image)        every non-base image built in the local engine (atelier/<name>:key-...)
  --ref <ref>       test this engine image; with one image name, use that recipe's runtime,
                    exemptions and test.ts, otherwise read the runtime from the image's config
  --log-dir <dir>   where failing containers' logs go (default build/test-logs)
  --docker <path>   docker client (default /usr/bin/docker)`

main(async (argv) => {
  const { values, positionals } = parse(
    argv,
    { ref: { type: 'string' }, 'log-dir': { type: 'string' }, docker: { type: 'string' } },
    USAGE,
  )
  if (values.help) return void console.log(USAGE)
  const docker = values.docker ?? '/usr/bin/docker'
  const logDir = values['log-dir'] ?? 'build/test-logs'
  let images: ImageUnderTest[]
  if (values.ref && positionals.length === 0) {
    images = [await imageFromRef(values.ref, {}, docker)]
  } else if (values.ref) {
    // Another build of a recipe's image, held to that recipe's runtime, exemptions and test.ts.
    if (positionals.length > 1) throw new UsageError('--ref takes at most one image name', USAGE)
    const repo = await openRepo(repoRoot(), { skipPolicy: true })
    images = [imageFromPlan(repo, positionals[0]!, values.ref)]
  } else {
    const repo = await openRepo(repoRoot(), { skipPolicy: true })
    const found = await imagesUnderTest(repo, positionals, docker)
    for (const m of found.missing)
      process.stderr.write(
        `${m.name}: not built (no ${m.ref}): run \`pnpm build ${m.name} --no-push\` first\n`,
      )
    if (found.missing.length) return EXIT.failed
    images = found.images
  }
  if (images.length === 0) {
    console.log('no built images to test: run `pnpm build --no-push` first')
    return EXIT.ok
  }
  const results = await testImages(images, {
    docker,
    logDir,
    onCheck: (image, check, r) => {
      if (r.status !== 'skipped')
        process.stdout.write(`${image}: ${check} ${r.status === 'ok' ? 'ok' : 'FAILED'}\n`)
    },
  })
  process.stdout.write(`\n${resultsTable(results)}`)
  return results.every((r) => r.ok) ? EXIT.ok : EXIT.failed
})

// Entry run by `pnpm bench` under another runtime (Deno): the in-process no-op figures as one JSON
// line, so the marginal cost per image can be compared across runtimes in the same run.
// usage: deno run -A bench/marginal.ts <image> <reps>
import { main, repoRoot } from '../lib/cli.ts'
import { EXIT, UsageError } from '../lib/errors.ts'
import { openRepo } from '../lib/repo.ts'
import { benchInProcess } from './noop.ts'

main(async (argv) => {
  const [image, reps] = argv
  if (!image || !Number(reps)) throw new UsageError('usage: bench/marginal.ts <image> <reps>')
  const repo = await openRepo(repoRoot())
  process.stdout.write(`${JSON.stringify(await benchInProcess(repo, Number(reps), image))}\n`)
  return EXIT.ok
})

// Site configuration: config/defaults.cue unified with an optional config/site.cue through CUE,
// evaluated once and cached by the hash of the .cue files (CUE's wasm start costs more than a no-op build).
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { sha256hex } from './canonical.ts'
import { evaluate } from './cue.ts'
import { ConfigError } from './errors.ts'
import { writeAtomic } from './lock.ts'

export interface RegistryConfig {
  host: string
  namespace: string
  insecure: boolean
  bootstrap: boolean
  usernameEnv?: string
  passwordEnv?: string
}

export interface Config {
  registries: RegistryConfig[]
  registry: {
    port: number
    container: string
    volume: string
    htpasswd: string
    tlsCert: string
    tlsKey: string
  }
  debian: { mirror: string; securityMirror: string; suite: string; components: string[] }
  alpine: { mirror: string; branch: string }
  github: { api: string }
  npm: { registry: string }
  platforms: string[]
  engines: { kind: 'docker' | 'buildah'; host: string }[]
  concurrency: number
  runtime: { uid: number; gid: number }
  labels: { vendor: string; source: string; licenses?: string }
  buildDir: string
  storeDir: string
  refresh: {
    /** Upstream lookups at once (network-bound, so higher than `concurrency`). */
    concurrency: number
    /** `pnpm audit` flags pins whose version was published longer ago than this. */
    maxAgeDays: number
    /** URL prefix rewrites applied to every upstream lookup (mirrors, fixtures). */
    rewrite: Record<string, string>
  }
}

/** Bumped when the evaluated shape changes, so stale caches are ignored. */
const CACHE_VERSION = 'config-v1'

async function readIf(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw e
  }
}

/** Strip `package` clauses so files can be unified as one source. */
function body(src: string): string {
  return src.replace(/^\s*package\s+\w+\s*$/m, '')
}

/**
 * Load the site configuration of the repository at `root`. Layers: defaults.cue, then site.cue,
 * then `overrides` (CUE text, used by tests and `--config`).
 */
export async function loadConfig(root: string, overrides = ''): Promise<Config> {
  const defaults = await readIf(join(root, 'config/defaults.cue'))
  if (defaults === undefined)
    throw new ConfigError(`no config/defaults.cue under ${root}`, 'run atelier from the repository root')
  const site = (await readIf(join(root, 'config/site.cue'))) ?? ''
  const key = sha256hex(`${CACHE_VERSION}\0${defaults}\0${site}\0${overrides}`)
  const cachePath = join(root, '.atelier/cache', `${key}.json`)
  const cached = await readIf(cachePath)
  if (cached !== undefined) return JSON.parse(cached) as Config

  const value = await unify([
    ['config/defaults.cue', defaults],
    ['config/site.cue', site],
    ['overrides', overrides],
  ])
  const config = value as Config
  await mkdir(join(root, '.atelier/cache'), { recursive: true })
  await writeAtomic(cachePath, JSON.stringify(config))
  return config
}

/** Unify layers in order; on a conflict, name the first layer whose addition breaks unification. */
async function unify(layers: [string, string][]): Promise<unknown> {
  let src = ''
  let value: unknown
  for (const [file, text] of layers) {
    if (!text.trim()) continue
    src += `\n${body(text)}`
    try {
      value = await evaluate(src)
    } catch (e) {
      throw new ConfigError(`${file}: ${(e as Error).message}`)
    }
  }
  if (value === undefined) value = await evaluate(src)
  return value
}

/** Check each runtime block against config/policy.cue's #Runtime. Returns problems keyed by image. */
export async function checkPolicy(
  root: string,
  blocks: Record<string, unknown>,
): Promise<{ image: string; message: string }[]> {
  const policy = await readIf(join(root, 'config/policy.cue'))
  if (!policy || Object.keys(blocks).length === 0) return []
  const names = Object.keys(blocks).sort()
  const key = sha256hex(`policy-v1\0${policy}\0${JSON.stringify(names.map((n) => [n, blocks[n]]))}`)
  const cachePath = join(root, '.atelier/cache', `${key}.policy.json`)
  const cached = await readIf(cachePath)
  if (cached !== undefined) return JSON.parse(cached)
  const problems: { image: string; message: string }[] = []
  // One evaluation for all; on failure, find the offending images one by one.
  const all = `${body(policy)}\n${names.map((n) => `"${n}": #Runtime & ${JSON.stringify(blocks[n])}`).join('\n')}`
  try {
    await evaluate(all)
  } catch {
    for (const n of names) {
      try {
        await evaluate(`${body(policy)}\ncheck: #Runtime & ${JSON.stringify(blocks[n])}`)
      } catch (e) {
        problems.push({ image: n, message: (e as Error).message.replace(/^check\.?/, '') })
      }
    }
  }
  await mkdir(join(root, '.atelier/cache'), { recursive: true })
  // Atomic: a concurrent reader (another build, the other runtime) must never see half a file.
  await writeAtomic(cachePath, JSON.stringify(problems))
  return problems
}

// Refreshing: `pnpm refresh --check` over the whole set as it is, and over a temporary copy of the
// repository where one lock is edited back to an older version (one change to find). Both hit the
// real upstreams, so they are timed once each: network time dominates and repeats would cost minutes.

import { existsSync } from 'node:fs'
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runRefresh } from '../lib/refresh/run.ts'
import { round } from './stats.ts'

export interface RefreshTiming {
  ms: number
  exitCode: number
  /** `image.pin` that --check found out of date. */
  outOfDate: string[]
  /** `image.pin` whose upstream could not be asked (unreachable hosts here). */
  failed: string[]
}

export interface RefreshResult {
  asIs: RefreshTiming
  oneChange: RefreshTiming & { edited: string }
}

async function timedCheck(root: string): Promise<RefreshTiming> {
  const t = performance.now()
  const r = await runRefresh(root, { check: true })
  const ms = performance.now() - t
  const pins = r.images.flatMap((o) => o.pins.map((p) => ({ at: `${o.image}.${p.pin}`, status: p.status })))
  return {
    ms: round(ms),
    exitCode: r.exitCode,
    outOfDate: pins.filter((p) => p.status === 'updated' || p.status === 'new').map((p) => p.at),
    failed: pins.filter((p) => p.status === 'failed').map((p) => p.at),
  }
}

/** A throwaway copy: recipes, locks and config copied; the framework, packages and store linked. */
async function copyRepo(root: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-bench-refresh-'))
  for (const d of ['config', 'images', 'base']) await cp(join(root, d), join(dir, d), { recursive: true })
  for (const d of ['lib', 'node_modules', 'package.json', '.atelier'])
    if (existsSync(join(root, d))) await symlink(join(root, d), join(dir, d))
  return dir
}

/** Sets one pin of `image`'s lock to version `0`: older than anything, so --check must report it. */
async function editBack(dir: string, image: string): Promise<string> {
  const path = ['images', 'base'].map((t) => join(dir, t, image, 'lock.json')).find((p) => existsSync(p))!
  const lock = JSON.parse(await readFile(path, 'utf8')) as { pins: Record<string, { version?: string }> }
  const [pin, value] = Object.entries(lock.pins)[0]!
  value.version = '0'
  await writeFile(path, `${JSON.stringify(lock, null, 2)}\n`)
  return `${image}.${pin}`
}

export async function benchRefresh(
  root: string,
  image: string,
  progress: (line: string) => void,
): Promise<RefreshResult> {
  progress('refresh: --check over the whole set (real upstreams)')
  const asIs = await timedCheck(root)
  const dir = await copyRepo(root)
  try {
    const edited = await editBack(dir, image)
    progress(`refresh: --check over a copy with ${edited} edited back`)
    return { asIs, oneChange: { edited, ...(await timedCheck(dir)) } }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

// What the docs promise, checked: the CI workflow a fork enables (.github/workflows/images.yml) is valid
// YAML with the promised steps and credential names, and the fork guide's config examples evaluate.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { checkPolicy, loadConfig } from './config.ts'
import { REPO_ROOT } from './testdata/fixture.ts'

interface Step {
  name?: string
  run?: string
  uses?: string
  if?: string
  env?: Record<string, string>
  'continue-on-error'?: boolean
}
interface Workflow {
  on: { schedule?: { cron: string }[]; workflow_dispatch?: unknown }
  permissions?: Record<string, string>
  jobs: Record<string, { 'runs-on': string; steps: Step[] }>
}

describe('.github/workflows/images.yml', async () => {
  const text = await readFile(join(REPO_ROOT, '.github/workflows/images.yml'), 'utf8')
  const wf = parse(text, { strict: true, uniqueKeys: true }) as Workflow
  const steps = Object.values(wf.jobs).flatMap((j) => j.steps)
  const runs = steps.map((s) => s.run ?? '')

  it('parses, runs on a schedule and by hand, and may push commits', () => {
    expect(wf.on.schedule?.[0]?.cron).toMatch(/^\S+ \S+ \S+ \S+ \S+$/)
    expect(wf.on.workflow_dispatch).toBeDefined()
    expect(wf.permissions?.contents).toBe('write')
  })

  it('refreshes with commits and pushes them, then builds, tests, and pushes images, in that order', () => {
    const at = (match: (run: string) => boolean): number => runs.findIndex(match)
    const order = [
      at((r) => r.includes('pnpm refresh --commit')),
      at((r) => r.includes('git push origin')),
      at((r) => r.trim() === 'pnpm build --no-push'),
      at((r) => r.trim() === 'pnpm test:images'),
      // The push: `pnpm build` without --no-push, after the tests.
      at((r) => r.trim() === 'pnpm build'),
    ]
    expect(order.every((i) => i >= 0)).toBe(true)
    expect([...order].sort((a, b) => a - b)).toEqual(order)
  })

  it('passes credentials for two registries from secrets, as the fork guide configures them', async () => {
    const push = steps.find((s) => s.run?.trim() === 'pnpm build')!
    const env = push.env ?? {}
    expect(Object.keys(env)).toHaveLength(4)
    for (const v of Object.values(env)) expect(v).toMatch(/^\$\{\{ secrets\.\w+ \}\}$/)
    const guide = await readFile(join(REPO_ROOT, 'docs/fork-guide.md'), 'utf8')
    for (const name of Object.keys(env)) expect(guide).toContain(`"${name}"`)
  })
})

/** The fenced ```cue blocks of a markdown file. */
function cueBlocks(md: string): string[] {
  return [...md.matchAll(/```cue\n([\s\S]*?)```/g)].map((m) => m[1]!)
}

describe('docs/fork-guide.md examples', async () => {
  const guide = await readFile(join(REPO_ROOT, 'docs/fork-guide.md'), 'utf8')
  const [site, engines, policy] = cueBlocks(guide)

  it('the site.cue example unifies with config/defaults.cue', async () => {
    const root = await mkdtemp(join(tmpdir(), 'atelier-docs-'))
    try {
      await mkdir(join(root, 'config'))
      await cp(join(REPO_ROOT, 'config/defaults.cue'), join(root, 'config/defaults.cue'))
      await writeFile(join(root, 'config/site.cue'), site!)
      const config = await loadConfig(root)
      expect(config.registries.map((r) => [r.host, r.usernameEnv, r.passwordEnv])).toEqual([
        ['registry.example.org', 'REGISTRY1_USER', 'REGISTRY1_PASSWORD'],
        ['backup-registry.example.net:5443', 'REGISTRY2_USER', 'REGISTRY2_PASSWORD'],
      ])
      expect(config.debian.mirror).toContain('snapshot.debian.org')
      expect(config.runtime).toEqual({ uid: 10000, gid: 10000 })
      expect(config.engines).toEqual([{ kind: 'docker', host: 'ssh://builder@build1.example.org' }])
      // The engines alternative, as a site.cue of its own.
      await writeFile(join(root, 'config/site.cue'), engines!)
      expect((await loadConfig(root)).engines).toEqual([
        { kind: 'buildah', host: '' },
        { kind: 'docker', host: '' },
      ])
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })

  it('the policy example rejects a low uid and a privileged port, and accepts redis', async () => {
    const root = await mkdtemp(join(tmpdir(), 'atelier-docs-'))
    try {
      await mkdir(join(root, 'config'))
      await writeFile(join(root, 'config/policy.cue'), policy!)
      const ok = {
        user: { uid: 10000, gid: 10000 },
        entrypoint: ['/usr/local/bin/redis-server'],
        ports: [{ port: 6379 }],
      }
      const problems = await checkPolicy(root, {
        redis: ok,
        lowuid: { ...ok, user: { uid: 1000, gid: 1000 } },
        port80: { ...ok, ports: [{ port: 80 }] },
      })
      expect(problems.map((p) => p.image).sort()).toEqual(['lowuid', 'port80'])
      // The guide quotes the message a user will see.
      expect(guide).toContain(problems.find((p) => p.image === 'lowuid')!.message)
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })
})

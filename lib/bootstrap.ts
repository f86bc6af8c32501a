// The self-hosted registry: when the bootstrap registry (127.0.0.1:5000 by default) does not answer,
// build the `registry` image and its ancestors without pushing, start it hardened on loopback with
// its data in a named volume, and let the build push everything (the registry image too) into it.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { BuildPaths } from './build.ts'
import { DOCKER } from './engine/docker.ts'
import type { Engine } from './engine/engine.ts'
import { AtelierError } from './errors.ts'
import { exec } from './exec.ts'
import { select } from './graph.ts'
import type { Logger } from './log.ts'
import type { Repo } from './repo.ts'
import type { Store } from './store.ts'

export const REGISTRY_IMAGE = 'registry'

export interface RegistryStatus {
  url: string
  answering: boolean
  container?: { id: string; image: string; state: string; health?: string }
  /** The image the current recipes would start. */
  currentRef?: string
}

export function bootstrapRegistry(repo: Repo) {
  return repo.config.registries.find((r) => r.bootstrap)
}

async function answers(host: string, insecure: boolean): Promise<boolean> {
  try {
    const res = await fetch(`${insecure ? 'http' : 'https'}://${host}/v2/`, {
      signal: AbortSignal.timeout(2000),
    })
    // 401 still means a registry is there (auth on).
    return res.status === 200 || res.status === 401
  } catch {
    return false
  }
}

async function inspectContainer(name: string): Promise<RegistryStatus['container']> {
  try {
    const out = await exec([
      DOCKER,
      'inspect',
      '--format',
      '{{.Id}}|{{.Config.Image}}|{{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}',
      name,
    ])
    const [id, image, state, health] = out.trim().split('|')
    return { id: id!, image: image!, state: state!, ...(health ? { health } : {}) }
  } catch {
    return undefined
  }
}

export async function registryStatus(repo: Repo): Promise<RegistryStatus> {
  const reg = bootstrapRegistry(repo)
  if (!reg)
    throw new AtelierError('E_NO_BOOTSTRAP', 'no registry in config has `bootstrap: true`', {
      hint: 'set bootstrap: true on the local registry in config/site.cue',
    })
  const container = await inspectContainer(repo.config.registry.container)
  return {
    url: `${reg.insecure ? 'http' : 'https'}://${reg.host}`,
    answering: await answers(reg.host, reg.insecure),
    ...(container ? { container } : {}),
    ...(repo.plans[REGISTRY_IMAGE] ? { currentRef: repo.plans[REGISTRY_IMAGE].ref } : {}),
  }
}

export async function stopRegistry(repo: Repo): Promise<boolean> {
  const c = await inspectContainer(repo.config.registry.container)
  if (!c) return false
  await exec([DOCKER, 'rm', '-f', repo.config.registry.container])
  return true
}

/** Start the registry container from `ref`: loopback only, non-root, read-only, no capabilities. */
export async function startRegistry(repo: Repo, ref: string, logger: Logger): Promise<void> {
  const reg = bootstrapRegistry(repo)!
  const r = repo.config.registry
  const port = reg.host.split(':')[1] ?? String(r.port)
  const host = reg.host.split(':')[0]!
  const args = [
    DOCKER,
    'run',
    '-d',
    '--name',
    r.container,
    '--restart',
    'unless-stopped',
    '-p',
    `${host === 'localhost' ? '127.0.0.1' : host}:${port}:5000`,
    '--read-only',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '-v',
    `${r.volume}:/var/lib/registry`,
  ]
  if (r.htpasswd) {
    args.push(
      '-v',
      `${r.htpasswd}:/etc/registry/htpasswd:ro`,
      '-e',
      'REGISTRY_AUTH=htpasswd',
      '-e',
      'REGISTRY_AUTH_HTPASSWD_REALM=atelier',
      '-e',
      'REGISTRY_AUTH_HTPASSWD_PATH=/etc/registry/htpasswd',
    )
  }
  if (r.tlsCert && r.tlsKey) {
    args.push(
      '-v',
      `${r.tlsCert}:/etc/registry/tls.crt:ro`,
      '-v',
      `${r.tlsKey}:/etc/registry/tls.key:ro`,
      '-e',
      'REGISTRY_HTTP_TLS_CERTIFICATE=/etc/registry/tls.crt',
      '-e',
      'REGISTRY_HTTP_TLS_KEY=/etc/registry/tls.key',
    )
  }
  args.push(ref)
  logger.emit({ kind: 'stage', image: REGISTRY_IMAGE, stage: 'start', detail: `${reg.host} from ${ref}` })
  await exec(args)
  const deadline = Date.now() + 60_000
  for (;;) {
    const c = await inspectContainer(r.container)
    if (c?.health === 'healthy' && (await answers(reg.host, reg.insecure))) return
    if (c?.state === 'exited' || c?.health === 'unhealthy' || Date.now() > deadline) {
      const logs = await exec([DOCKER, 'logs', '--tail', '20', r.container]).catch(() => '')
      throw new AtelierError(
        'E_REGISTRY_START',
        `the registry container did not become healthy (${c?.state}/${c?.health ?? 'no health'})\n${logs}`,
        {
          hint: `see \`docker logs ${r.container}\`; \`pnpm registry stop\` removes it`,
        },
      )
    }
    await new Promise((res) => setTimeout(res, 500))
  }
}

/**
 * Make sure the bootstrap registry answers before pushing. Builds the registry image (and its
 * ancestors) locally when needed. A running registry is left alone unless `restart` is set.
 */
export async function ensureRegistry(
  repo: Repo,
  deps: { engine: Engine; store: Store; paths: BuildPaths; logger: Logger; restart: boolean },
): Promise<void> {
  const reg = bootstrapRegistry(repo)
  if (!reg) return
  const planned = repo.plans[REGISTRY_IMAGE]
  const up = await answers(reg.host, reg.insecure)
  if (up && !deps.restart) {
    const c = await inspectContainer(repo.config.registry.container)
    if (c && planned && c.image !== planned.ref) {
      deps.logger.emit({
        kind: 'warn',
        message: `the running registry is ${c.image}; the recipes now give ${planned.ref} (use --restart-registry to replace it)`,
      })
    }
    return
  }
  if (!planned) {
    throw new AtelierError(
      'E_NO_REGISTRY',
      `no registry answers at ${reg.host} and there is no \`${REGISTRY_IMAGE}\` image to bootstrap one`,
      {
        hint: 'start a registry there, or keep images/registry in the set',
      },
    )
  }
  if (up) await stopRegistry(repo)
  else await stopRegistry(repo).catch(() => false)
  deps.logger.emit({
    kind: 'info',
    message: `bootstrap: no registry at ${reg.host}; building ${REGISTRY_IMAGE} first`,
  })
  const { buildImage, engineRefs } = await import('./build.ts')
  for (const n of select(repo.deps, [REGISTRY_IMAGE])) {
    const p = repo.plans[n]!
    const marker = await readFile(join(deps.paths.layout(n), 'atelier.json'), 'utf8').then(
      (t) => JSON.parse(t) as { key: string },
      () => undefined,
    )
    if (marker?.key === p.key) continue
    await buildImage(repo, n, deps)
  }
  if (!(await deps.engine.has(planned.ref)))
    await deps.engine.load(deps.paths.layout(REGISTRY_IMAGE), engineRefs(planned))
  if (deps.engine.kind !== 'docker') {
    throw new AtelierError(
      'E_BOOTSTRAP_ENGINE',
      'bootstrapping the registry needs the docker engine to run it',
      { hint: 'start a registry yourself or use the docker engine' },
    )
  }
  await startRegistry(repo, planned.ref, deps.logger)
}

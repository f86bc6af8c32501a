// SLSA v1 build provenance of a pushed image, as an in-toto Statement v1: what was built (the manifest
// digest), from what (every pinned file, context file, parent image and the repository's commit), by what.
// No clock: the only time in it is the plan's SOURCE_DATE_EPOCH, so the same build gives the same bytes.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { resolveUrl } from './debian/mirror.ts'
import { exec } from './exec.ts'
import type { LockedPin, PinFile } from './pin.ts'
import type { SbomRepo } from './sbom.ts'
import { sha512OfIntegrity } from './sbom.ts'

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1'
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1'
export const IN_TOTO_MEDIA_TYPE = 'application/vnd.in-toto+json'
/** What `externalParameters` and `internalParameters` mean: an atelier image build of one recipe. */
export const BUILD_TYPE = 'urn:atelier:build-type:image:v1'

/** An in-toto ResourceDescriptor: at least one of uri, digest, content. */
export interface ResourceDescriptor {
  name?: string
  uri?: string
  digest?: Record<string, string>
  annotations?: Record<string, string | boolean>
}

export interface ProvenanceStatement {
  _type: typeof STATEMENT_TYPE
  subject: { name: string; digest: { sha256: string } }[]
  predicateType: typeof SLSA_PROVENANCE_V1
  predicate: {
    buildDefinition: {
      buildType: string
      externalParameters: { image: string; recipe: string; platform: string; source: string }
      internalParameters: { cacheKey: string; framework: string; sourceDateEpoch: number; network: boolean }
      resolvedDependencies: ResourceDescriptor[]
    }
    runDetails: {
      builder: { id: string; version: Record<string, string> }
      metadata: { invocationId: string }
    }
  }
}

/** The repository's commit and whether the work tree had changes; undefined outside a git checkout. */
export interface GitState {
  commit: string
  dirty: boolean
}

/** A parent image as built: its cache key and manifest digest (build/oci/<parent>/atelier.json). */
export interface ParentBuild {
  key: string
  digest: string
}

export interface ProvenanceInput {
  /** `<registry host>/<repository>` the image was pushed to. */
  subjectName: string
  /** Manifest digest, `sha256:<hex>`. */
  digest: string
  parents: Record<string, ParentBuild>
  git?: GitState
  /** Engine kind that built it (`docker`, `buildah`). */
  engine: string
}

export async function gitState(root: string): Promise<GitState | undefined> {
  try {
    const commit = (await exec(['git', 'rev-parse', 'HEAD'], { cwd: root, capture: true })).trim()
    const status = await exec(['git', 'status', '--porcelain', '--untracked-files=no'], {
      cwd: root,
      capture: true,
    })
    return { commit, dirty: status.trim() !== '' }
  } catch {
    // Not a git checkout (a tarball of the repo, a test dir): provenance says nothing about it.
    return undefined
  }
}

/** Parents' keys and digests from their layouts' markers; a parent without a marker is left out. */
export async function parentBuilds(
  parents: string[],
  layout: (name: string) => string,
): Promise<Record<string, ParentBuild>> {
  const out: Record<string, ParentBuild> = {}
  for (const p of [...parents].sort()) {
    try {
      const m = JSON.parse(await readFile(join(layout(p), 'atelier.json'), 'utf8')) as ParentBuild
      out[p] = { key: m.key, digest: m.digest }
    } catch {
      // Built elsewhere and only pulled: its key is still in the plan; the digest is unknown here.
    }
  }
  return out
}

function url(u: string, repo: SbomRepo): string | undefined {
  try {
    return resolveUrl(u, repo.config)
  } catch {
    return undefined
  }
}

function fileDescriptor(pin: string, f: PinFile, repo: SbomRepo): ResourceDescriptor {
  const uri = url(f.url, repo)
  return { name: `${pin}/${f.name}`, ...(uri ? { uri } : {}), digest: { sha256: f.sha256 } }
}

/** Every file a pin stands for, with its digest. */
export function pinDescriptors(name: string, pin: LockedPin, repo: SbomRepo): ResourceDescriptor[] {
  const files = pin.files.map((f) => fileDescriptor(name, f, repo))
  switch (pin.kind) {
    case 'debian-system':
      return [
        ...files,
        ...pin.packages.map((p) => {
          const uri = p.url ? url(p.url, repo) : undefined
          return {
            name: `${name}/${p.name}_${p.version}_${p.arch}.deb`,
            ...(uri ? { uri } : {}),
            digest: { sha256: p.sha256 },
          }
        }),
      ]
    case 'npm': {
      const sha512 = sha512OfIntegrity(pin.integrity)
      return files.map((d) => (sha512 ? { ...d, digest: { ...d.digest, sha512 } } : d))
    }
    case 'url':
      return [
        ...files,
        ...(pin.committed ?? []).map((f) => ({
          ...fileDescriptor(name, f, repo),
          annotations: { committed: true },
        })),
      ]
    case 'git':
      return [{ name, uri: `git+${pin.repo}@${pin.commit}`, digest: { gitCommit: pin.commit } }, ...files]
    case 'image':
      return [{ name, uri: pin.ref, digest: { sha256: pin.digest.replace(/^sha256:/, '') } }]
    default:
      return files
  }
}

/** The provenance statement of one pushed image. Pure: the caller gathers git state and parents' digests. */
export function provenanceOf(repo: SbomRepo, name: string, input: ProvenanceInput): ProvenanceStatement {
  const planned = repo.plans[name]!
  const { plan } = planned
  const source = repo.config.labels.source.replace(/\/+$/, '')
  const deps: ResourceDescriptor[] = []
  if (input.git)
    deps.push({
      name: 'repository',
      uri: `git+${source}@${input.git.commit}`,
      digest: { gitCommit: input.git.commit },
      annotations: { dirty: input.git.dirty },
    })
  for (const pin of Object.keys(plan.pins).sort()) deps.push(...pinDescriptors(pin, plan.pins[pin]!, repo))
  // Files of the image folder and framework assets in the build context (the Dockerfile is in the key).
  for (const path of Object.keys(plan.files).sort())
    deps.push({ name: `context:${path}`, digest: { sha256: plan.files[path]! } })
  for (const parent of Object.keys(plan.parents).sort()) {
    const built = input.parents[parent]
    deps.push({
      name: `image:${parent}`,
      uri: repo.plans[parent]!.ref,
      // Only a digest built from the key this plan names: a stale layout is another image.
      ...(built && built.key === plan.parents[parent]
        ? { digest: { sha256: built.digest.replace(/^sha256:/, '') } }
        : {}),
      annotations: { cacheKey: plan.parents[parent]! },
    })
  }
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: input.subjectName, digest: { sha256: input.digest.replace(/^sha256:/, '') } }],
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: {
        buildType: BUILD_TYPE,
        externalParameters: { image: name, recipe: plan.recipe, platform: plan.platform, source },
        internalParameters: {
          cacheKey: planned.key,
          framework: plan.framework,
          sourceDateEpoch: plan.epoch,
          network: plan.network,
        },
        resolvedDependencies: deps,
      },
      runDetails: {
        builder: { id: `urn:atelier:builder:${input.engine}`, version: { atelier: plan.framework } },
        metadata: { invocationId: `${name}@${planned.key}` },
      },
    },
  }
}

export function provenanceJson(statement: ProvenanceStatement): string {
  return `${JSON.stringify(statement, null, 2)}\n`
}

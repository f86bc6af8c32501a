// Software bills of materials of an image, from its Plan alone (no build needed): SPDX 2.3 and CycloneDX 1.6
// JSON, byte-for-byte reproducible (times from SOURCE_DATE_EPOCH, ids from the cache key, sorted lists).
import { Buffer } from 'node:buffer'
// Subpath imports: the package root also loads its optional JSON validator (ajv and friends), which
// costs start time and makes Deno warn about the deprecated punycode module on every render.
import * as Enums from '@cyclonedx/cyclonedx-library/Enums'
import * as Models from '@cyclonedx/cyclonedx-library/Models'
import * as Serialize from '@cyclonedx/cyclonedx-library/Serialize'
import * as Spec from '@cyclonedx/cyclonedx-library/Spec'
import { sha256hex } from './canonical.ts'
import type { Config } from './config.ts'
import { resolveUrl } from './debian/mirror.ts'
import type { LoadedImage } from './images.ts'
import type { DebianPackageEntry, LockedPin, PinFile } from './pin.ts'
import type { PlannedImage } from './plan.ts'
import { refName } from './recipe.ts'
import { HEALTHCHECK_IMAGE } from './render.ts'

/** What the SBOMs need from an opened repository (a Repo fits). */
export interface SbomRepo {
  config: Pick<Config, 'debian' | 'labels' | 'registries'>
  images: Record<string, LoadedImage>
  plans: Record<string, PlannedImage>
}

/** The generated files beside each image's lock (written and checked by `pnpm render`). */
export const SBOM_FILES = { spdx: 'sbom.spdx.json', cyclonedx: 'sbom.cdx.json' } as const
export const SPDX_MEDIA_TYPE = 'application/spdx+json'
export const CYCLONEDX_MEDIA_TYPE = 'application/vnd.cyclonedx+json'

/**
 * How a parent image enters its child: `base` (final FROM it), `copied` (files copied from it into the
 * final root, e.g. the healthcheck helper), `build` (a build stage's base only: nothing of it ships,
 * except what a step copies out).
 */
export type ParentRelation = 'base' | 'copied' | 'build'

/** Contained: in the image's root filesystem. Build: used only to build it. */
export type Scope = 'contained' | 'build'

export interface SbomPackage {
  /** Unique in the document: the purl for pinned inputs, `image:<name>` for images of this set. */
  ref: string
  kind: 'deb' | 'deb-source' | 'npm' | 'url' | 'git' | 'image' | 'atelier-image'
  name: string
  version: string
  purl: string
  sha256?: string
  /** Hex, from an npm integrity string. */
  sha512?: string
  /** Resolved download URL (or `git+<repo>@<commit>`). */
  downloadLocation?: string
  scope: Scope
  /** For images of this set: their cache key, and for direct parents how the described image uses them. */
  cacheKey?: string
  relation?: ParentRelation
  /** Refs of what this package holds (for an image of this set: its own pins). */
  contains: string[]
}

export interface SbomModel {
  image: {
    name: string
    version: string
    key: string
    platform: string
    recipe: string
    framework: string
    epoch: number
    purl: string
    /** Refs of the image's own pins and of the parents it is built on or copies from. */
    contains: string[]
    /** Parent images of the image (refs), direct ones only, with their relation. */
    parents: { ref: string; relation: ParentRelation }[]
  }
  /** Every package, sorted by ref. */
  packages: SbomPackage[]
  namespace: string
}

/** How `child` uses its parent `parent` (see ParentRelation). */
export function parentRelation(child: LoadedImage, parent: string): ParentRelation {
  const r = child.recipe
  const stages = new Set(r.stages.map((s) => s.name))
  const final = r.final
  if (final && final.from !== 'scratch' && refName(final.from) === parent) return 'base'
  for (const c of final?.copy ?? []) {
    if (typeof c.from === 'string' && stages.has(c.from)) continue
    if (refName(c.from) === parent) return 'copied'
  }
  if (parent === HEALTHCHECK_IMAGE && r.runtime.healthcheck && !r.rootfs) return 'copied'
  return 'build'
}

const DEBIAN_RELEASES: Record<string, string> = {
  buster: '10',
  bullseye: '11',
  bookworm: '12',
  trixie: '13',
  forky: '14',
}

/** purl's `distro` qualifier from a suite (`bookworm-security` -> `debian-12`). */
export function debianDistro(suite: string): string {
  const codename = suite.split('-')[0] ?? suite
  const release = DEBIAN_RELEASES[codename]
  return release ? `debian-${release}` : codename
}

/** Percent-encoding of a purl component (`:` of an epoch, `+` of a Debian version, `@` of a scope). */
const enc = (s: string): string => encodeURIComponent(s)
/** Qualifier values: encoded, but keeping `:` and `/` so URLs stay readable (both allowed there). */
const qenc = (s: string): string => encodeURIComponent(s).replace(/%3A/g, ':').replace(/%2F/g, '/')
const qualifiers = (q: Record<string, string | undefined>): string => {
  const parts = Object.entries(q)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${qenc(v)}`)
  return parts.length ? `?${parts.join('&')}` : ''
}

export function debPurl(name: string, version: string, arch: string, suite: string): string {
  return `pkg:deb/debian/${enc(name)}@${enc(version)}${qualifiers({ arch, distro: debianDistro(suite) })}`
}

export function npmPurl(name: string, version: string): string {
  const [scope, bare] = name.startsWith('@')
    ? [name.slice(0, name.indexOf('/')), name.slice(name.indexOf('/') + 1)]
    : [undefined, name]
  return `pkg:npm/${scope ? `${enc(scope)}/` : ''}${enc(bare)}@${enc(version)}`
}

/** An image of this set: pushable ones name their repository in the first configured registry. */
function imagePurl(repo: SbomRepo, name: string): string {
  const p = repo.plans[name]!.plan
  const reg = repo.config.registries[0]
  const repositoryUrl =
    p.push && reg ? `${reg.host}/${reg.namespace ? `${reg.namespace}/` : ''}${name}` : undefined
  return `pkg:oci/${enc(name)}${qualifiers({ repository_url: repositoryUrl, tag: p.version })}`
}

/** sha512 hex of an SRI string (`sha512-<base64>`), when it is one. */
export function sha512OfIntegrity(integrity: string): string | undefined {
  const m = /^sha512-([A-Za-z0-9+/]+={0,2})$/.exec(integrity)
  if (!m) return undefined
  const bytes = Buffer.from(m[1]!, 'base64')
  return bytes.length === 64 ? bytes.toString('hex') : undefined
}

function download(url: string | undefined, repo: SbomRepo): string | undefined {
  if (!url) return undefined
  try {
    return resolveUrl(url, repo.config)
  } catch {
    return undefined
  }
}

type Pkg = Omit<SbomPackage, 'scope' | 'contains'>

/** The packages one pin stands for (a Debian system is every .deb in it). */
export function pinPackages(pinName: string, pin: LockedPin, repo: SbomRepo): Pkg[] {
  switch (pin.kind) {
    case 'debian-source': {
      // The upstream tarball is what gets compiled; the Debian packaging files are not used.
      const orig = pin.files.find((f) => /\.orig\.tar\./.test(f.name)) ?? pin.files[0]
      return [
        {
          ref: debPurl(pin.name, pin.version, 'source', pin.suite),
          kind: 'deb-source',
          name: pin.name,
          version: pin.version,
          purl: debPurl(pin.name, pin.version, 'source', pin.suite),
          ...(orig ? { sha256: orig.sha256 } : {}),
          ...opt('downloadLocation', download(orig?.url, repo)),
        },
      ]
    }
    case 'debian-package': {
      const file = pin.files[0]
      // The lock keeps the architecture asked for; an `_all.deb` is the same package on every one.
      const arch = /_([a-z0-9]+)\.deb$/.exec(file?.name ?? '')?.[1] ?? pin.arch
      const purl = debPurl(pin.name, pin.version, arch, pin.suite)
      return [
        {
          ref: purl,
          kind: 'deb',
          name: pin.name,
          version: pin.version,
          purl,
          ...(file ? { sha256: file.sha256 } : {}),
          ...opt('downloadLocation', download(file?.url, repo)),
        },
      ]
    }
    case 'debian-system':
      return pin.packages.map((p: DebianPackageEntry) => {
        const purl = debPurl(p.name, p.version, p.arch, pin.suite)
        return {
          ref: purl,
          kind: 'deb',
          name: p.name,
          version: p.version,
          purl,
          sha256: p.sha256,
          ...opt('downloadLocation', download(p.url, repo)),
        }
      })
    case 'npm': {
      const file = pin.files[0]
      const purl = npmPurl(pin.name, pin.version)
      return [
        {
          ref: purl,
          kind: 'npm',
          name: pin.name,
          version: pin.version,
          purl,
          ...(file ? { sha256: file.sha256 } : {}),
          ...opt('sha512', sha512OfIntegrity(pin.integrity)),
          ...opt('downloadLocation', download(file?.url, repo)),
        },
      ]
    }
    case 'url': {
      const all = [...pin.files, ...(pin.committed ?? [])]
      return all.map((f: PinFile) => {
        const name = all.length === 1 ? pinName : `${pinName}/${f.name}`
        const url = download(f.url, repo)
        const purl = `pkg:generic/${enc(name)}@${enc(pin.version)}${qualifiers({ checksum: `sha256:${f.sha256}`, download_url: url })}`
        return {
          ref: purl,
          kind: 'url',
          name,
          version: pin.version,
          purl,
          sha256: f.sha256,
          ...opt('downloadLocation', url),
        }
      })
    }
    case 'git': {
      const file = pin.files[0]
      const vcs = `git+${pin.repo}@${pin.commit}`
      const purl = `pkg:generic/${enc(pinName)}@${enc(pin.commit)}${qualifiers({ vcs_url: vcs })}`
      return [
        {
          ref: purl,
          kind: 'git',
          name: pinName,
          version: pin.version,
          purl,
          ...(file ? { sha256: file.sha256 } : {}),
          downloadLocation: vcs,
        },
      ]
    }
    case 'image': {
      const at = pin.ref.lastIndexOf('@')
      const noDigest = at > 0 ? pin.ref.slice(0, at) : pin.ref
      const colon = noDigest.lastIndexOf(':')
      const repository = colon > noDigest.lastIndexOf('/') ? noDigest.slice(0, colon) : noDigest
      const base = repository.slice(repository.lastIndexOf('/') + 1)
      const purl = `pkg:oci/${enc(base)}@${enc(pin.digest)}${qualifiers({ repository_url: repository })}`
      return [
        {
          ref: purl,
          kind: 'image',
          name: pinName,
          version: pin.version,
          purl,
          sha256: pin.digest.replace(/^sha256:/, ''),
        },
      ]
    }
  }
}

function opt<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string }
}

/**
 * Walk an image and its parents: its own pins and everything of the parents it is built on or copies
 * from are contained; a build-stage parent (toolchain, debian) and what it holds are build dependencies.
 * A contained parent's own build-stage parents are not inputs of this image (it used the finished parent).
 */
export function sbomModel(repo: SbomRepo, name: string): SbomModel {
  const planned = repo.plans[name]!
  const { plan } = planned
  const packages = new Map<string, SbomPackage>()
  const add = (p: Pkg, scope: Scope, contains: string[] = []): string => {
    const had = packages.get(p.ref)
    if (!had) packages.set(p.ref, { ...p, scope, contains: [...contains].sort() })
    else if (scope === 'contained') had.scope = 'contained'
    return p.ref
  }
  /** Adds what image `n` holds (its pins, its base and copied parents, recursively); returns its pins' refs. */
  const holdings = (n: string, scope: Scope): string[] => {
    const pins = repo.plans[n]!.plan.pins
    const own = Object.keys(pins)
      .sort()
      .flatMap((pin) => pinPackages(pin, pins[pin]!, repo).map((p) => add(p, scope)))
    const img = repo.images[n]!
    const parents: string[] = []
    for (const parent of Object.keys(repo.plans[n]!.plan.parents).sort()) {
      const relation = parentRelation(img, parent)
      if (relation === 'build') continue
      parents.push(addImage(parent, scope))
    }
    return [...new Set([...own, ...parents])]
  }
  const addImage = (n: string, scope: Scope): string => {
    const contains = holdings(n, scope)
    const p = repo.plans[n]!
    const ref = `image:${n}`
    add(
      {
        ref,
        kind: 'atelier-image',
        name: n,
        version: p.plan.version,
        purl: imagePurl(repo, n),
        cacheKey: p.key,
      },
      scope,
      contains,
    )
    return ref
  }
  const contains = holdings(name, 'contained')
  const parents: SbomModel['image']['parents'] = []
  for (const parent of Object.keys(plan.parents).sort()) {
    const relation = parentRelation(repo.images[name]!, parent)
    const ref = relation === 'build' ? addImage(parent, 'build') : `image:${parent}`
    packages.get(ref)!.relation = relation
    parents.push({ ref, relation })
  }
  const source = repo.config.labels.source.replace(/\/+$/, '')
  return {
    image: {
      name,
      version: plan.version,
      key: planned.key,
      platform: plan.platform,
      recipe: plan.recipe,
      framework: plan.framework,
      epoch: plan.epoch,
      purl: imagePurl(repo, name),
      contains,
      parents,
    },
    packages: [...packages.values()].sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0)),
    namespace: `${source}/sbom/${name}/${planned.key}`,
  }
}

/** RFC 3339 in UTC without fractions, as SPDX wants it. */
export function rfc3339(epoch: number): string {
  return new Date(epoch * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

// ---- SPDX 2.3 (plain JSON: the format is small and fixed) -------------------------------------------

export interface SpdxPackage {
  SPDXID: string
  name: string
  versionInfo?: string
  downloadLocation: string
  filesAnalyzed: false
  primaryPackagePurpose: 'CONTAINER' | 'LIBRARY' | 'SOURCE' | 'FILE'
  supplier?: string
  checksums?: { algorithm: 'SHA256' | 'SHA512'; checksumValue: string }[]
  externalRefs: {
    referenceCategory: 'PACKAGE-MANAGER' | 'OTHER'
    referenceType: string
    referenceLocator: string
  }[]
  licenseConcluded: 'NOASSERTION'
  licenseDeclared: 'NOASSERTION'
  copyrightText: 'NOASSERTION'
  comment?: string
}

export interface SpdxDocument {
  spdxVersion: 'SPDX-2.3'
  dataLicense: 'CC0-1.0'
  SPDXID: 'SPDXRef-DOCUMENT'
  name: string
  documentNamespace: string
  creationInfo: { created: string; creators: string[] }
  documentDescribes: string[]
  packages: SpdxPackage[]
  relationships: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[]
}

/** SPDX ids allow letters, digits, `.` and `-`: a readable prefix plus a hash of the ref keeps them unique. */
function spdxId(p: Pick<SbomPackage, 'ref' | 'kind' | 'name'>): string {
  if (p.kind === 'atelier-image') return `SPDXRef-image-${p.name.replace(/[^A-Za-z0-9.-]/g, '-')}`
  return `SPDXRef-${p.kind}-${p.name.replace(/[^A-Za-z0-9.-]/g, '-')}-${sha256hex(p.ref).slice(0, 10)}`
}

const PURPOSE: Record<SbomPackage['kind'], SpdxPackage['primaryPackagePurpose']> = {
  deb: 'LIBRARY',
  'deb-source': 'SOURCE',
  npm: 'LIBRARY',
  url: 'FILE',
  git: 'SOURCE',
  image: 'CONTAINER',
  'atelier-image': 'CONTAINER',
}

function spdxPackage(p: SbomPackage): SpdxPackage {
  const checksums: NonNullable<SpdxPackage['checksums']> = []
  if (p.sha256) checksums.push({ algorithm: 'SHA256', checksumValue: p.sha256 })
  if (p.sha512) checksums.push({ algorithm: 'SHA512', checksumValue: p.sha512 })
  const refs: SpdxPackage['externalRefs'] = [
    { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: p.purl },
  ]
  if (p.cacheKey)
    refs.push({
      referenceCategory: 'OTHER',
      referenceType: 'atelier-cache-key',
      referenceLocator: p.cacheKey,
    })
  return {
    SPDXID: spdxId(p),
    name: p.name,
    versionInfo: p.version,
    downloadLocation: p.downloadLocation ?? 'NOASSERTION',
    filesAnalyzed: false,
    primaryPackagePurpose: PURPOSE[p.kind],
    ...(p.kind === 'deb' || p.kind === 'deb-source' ? { supplier: 'Organization: Debian' } : {}),
    ...(checksums.length ? { checksums } : {}),
    externalRefs: refs,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
    copyrightText: 'NOASSERTION',
    ...(p.scope === 'build'
      ? { comment: 'build dependency: used to build the image, not shipped in it' }
      : {}),
  }
}

export function spdxDocument(model: SbomModel): SpdxDocument {
  const { image } = model
  const rootId = spdxId({ ref: `image:${image.name}`, kind: 'atelier-image', name: image.name })
  const ids = new Map(model.packages.map((p) => [p.ref, spdxId(p)]))
  const root: SpdxPackage = {
    SPDXID: rootId,
    name: image.name,
    versionInfo: image.version,
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    primaryPackagePurpose: 'CONTAINER',
    externalRefs: [
      { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: image.purl },
      { referenceCategory: 'OTHER', referenceType: 'atelier-cache-key', referenceLocator: image.key },
    ],
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
    copyrightText: 'NOASSERTION',
    comment: `built by atelier ${image.framework} from ${image.recipe} for ${image.platform}`,
  }
  const rels: SpdxDocument['relationships'] = [
    { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: rootId },
  ]
  const rel = (a: string, type: string, b: string): void =>
    void rels.push({ spdxElementId: a, relationshipType: type, relatedSpdxElement: b })
  for (const p of model.packages) {
    const id = ids.get(p.ref)!
    // Flattened, so a scanner reading only the root's relationships sees every shipped package.
    if (p.scope === 'contained') rel(rootId, 'CONTAINS', id)
    else rel(id, 'BUILD_DEPENDENCY_OF', rootId)
    for (const c of p.contains) rel(id, 'CONTAINS', ids.get(c)!)
  }
  for (const { ref, relation } of image.parents)
    if (relation === 'base') rel(rootId, 'DESCENDANT_OF', ids.get(ref)!)
  const key = (r: SpdxDocument['relationships'][number]): string =>
    `${r.spdxElementId}\0${r.relationshipType}\0${r.relatedSpdxElement}`
  const unique = [...new Map(rels.map((r) => [key(r), r])).values()]
  const [describes, ...rest] = unique
  rest.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: `${image.name}-${image.version}`,
    documentNamespace: model.namespace,
    creationInfo: { created: rfc3339(image.epoch), creators: [`Tool: atelier-${image.framework}`] },
    documentDescribes: [rootId],
    packages: [root, ...model.packages.map(spdxPackage)],
    relationships: [describes!, ...rest],
  }
}

export function spdxJson(model: SbomModel): string {
  return `${JSON.stringify(spdxDocument(model), null, 2)}\n`
}

// ---- CycloneDX 1.6 (the OWASP library models and serializes it) ---------------------------------------

/** A UUID (version 5 layout) from the image and its cache key: same plan, same serial number. */
export function serialNumber(name: string, key: string): string {
  const h = sha256hex(`atelier-sbom:${name}:${key}`).slice(0, 32).split('')
  h[12] = '5'
  h[16] = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)
  const s = h.join('')
  return `urn:uuid:${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`
}

const CDX_TYPE: Record<SbomPackage['kind'], Enums.ComponentType> = {
  deb: Enums.ComponentType.Library,
  'deb-source': Enums.ComponentType.Library,
  npm: Enums.ComponentType.Library,
  url: Enums.ComponentType.File,
  git: Enums.ComponentType.Library,
  image: Enums.ComponentType.Container,
  'atelier-image': Enums.ComponentType.Container,
}

export function cyclonedxBom(model: SbomModel): Models.Bom {
  const { image } = model
  const bom = new Models.Bom({ serialNumber: serialNumber(image.name, image.key) })
  bom.metadata.timestamp = new Date(image.epoch * 1000)
  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Application, 'atelier', { version: image.framework }),
  )
  const root = new Models.Component(Enums.ComponentType.Container, image.name, {
    bomRef: `image:${image.name}`,
    version: image.version,
    purl: image.purl,
  })
  for (const [k, v] of [
    ['atelier:cache-key', image.key],
    ['atelier:recipe', image.recipe],
    ['atelier:platform', image.platform],
  ] as const)
    root.properties.add(new Models.Property(k, v))
  bom.metadata.component = root
  const components = new Map<string, Models.Component>()
  for (const p of model.packages) {
    const c = new Models.Component(CDX_TYPE[p.kind], p.name, {
      bomRef: p.ref,
      version: p.version,
      purl: p.purl,
      // CycloneDX has no build scope in the component list: `excluded` plus a property says it.
      scope: p.scope === 'contained' ? Enums.ComponentScope.Required : Enums.ComponentScope.Excluded,
    })
    if (p.sha256) c.hashes.set(Enums.HashAlgorithm['SHA-256'], p.sha256)
    if (p.sha512) c.hashes.set(Enums.HashAlgorithm['SHA-512'], p.sha512)
    if (p.downloadLocation && !p.downloadLocation.startsWith('git+'))
      c.externalReferences.add(
        new Models.ExternalReference(
          p.downloadLocation,
          p.kind === 'deb-source'
            ? Enums.ExternalReferenceType.SourceDistribution
            : Enums.ExternalReferenceType.Distribution,
        ),
      )
    if (p.downloadLocation?.startsWith('git+'))
      c.externalReferences.add(
        new Models.ExternalReference(p.downloadLocation.slice(4), Enums.ExternalReferenceType.VCS),
      )
    if (p.scope === 'build') c.properties.add(new Models.Property('atelier:dependency', 'build'))
    if (p.cacheKey) c.properties.add(new Models.Property('atelier:cache-key', p.cacheKey))
    if (p.relation) c.properties.add(new Models.Property('atelier:relation', p.relation))
    components.set(p.ref, c)
    bom.components.add(c)
  }
  for (const p of model.packages)
    for (const ref of p.contains) components.get(p.ref)!.dependencies.add(components.get(ref)!.bomRef)
  for (const ref of image.contains) root.dependencies.add(components.get(ref)!.bomRef)
  for (const { ref } of image.parents) root.dependencies.add(components.get(ref)!.bomRef)
  return bom
}

export function cyclonedxJson(model: SbomModel): string {
  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6))
  return `${serializer.serialize(cyclonedxBom(model), { sortLists: true, space: 2 })}\n`
}

/** Both SBOMs of an image, as committed beside its lock and attached to its pushed manifest. */
export function renderSboms(repo: SbomRepo, name: string): { spdx: string; cyclonedx: string } {
  const model = sbomModel(repo, name)
  return { spdx: spdxJson(model), cyclonedx: cyclonedxJson(model) }
}

// Attach an image's SBOMs (SPDX, CycloneDX) and SLSA provenance to its pushed manifest as OCI artifacts
// whose `subject` is that manifest: the image digest stays as it is, and registries list them as referrers.
import { join, resolve } from 'node:path'
import { gitState, IN_TOTO_MEDIA_TYPE, parentBuilds, provenanceJson, provenanceOf } from './provenance.ts'
import type { RegistryClient } from './registry/client.ts'
import type { Repo } from './repo.ts'
import { CYCLONEDX_MEDIA_TYPE, renderSboms, rfc3339, SPDX_MEDIA_TYPE } from './sbom.ts'

export interface Attached {
  spdx: string
  cyclonedx: string
  provenance: string
}

export interface AttachOptions {
  /** Where parents' layouts are (their atelier.json markers give their digests). Default: the repo's build dir. */
  layout?: (name: string) => string
  /** Engine kind that built the image (provenance's builder id). Default: the first configured engine. */
  engine?: string
}

/**
 * Push the three artifacts for `digest` in `registryRepo` (`atelier/redis`). The artifacts are made
 * deterministically, so attaching again pushes nothing new and adds no duplicate referrer.
 */
export async function attach(
  repo: Repo,
  name: string,
  client: RegistryClient,
  registryRepo: string,
  digest: string,
  opts: AttachOptions = {},
): Promise<Attached> {
  const plan = repo.plans[name]!.plan
  const buildRoot = resolve(repo.root, repo.config.buildDir)
  const layout = opts.layout ?? ((n: string) => join(buildRoot, 'oci', n))
  const sboms = renderSboms(repo, name)
  const statement = provenanceOf(repo, name, {
    subjectName: `${client.reg.host}/${registryRepo}`,
    digest,
    parents: await parentBuilds(Object.keys(plan.parents), layout),
    ...(await gitState(repo.root).then((g) => (g ? { git: g } : {}))),
    engine: opts.engine ?? repo.config.engines[0]?.kind ?? 'docker',
  })
  // The epoch, not the clock: the same image gets the same artifact manifests.
  const annotations = {
    'org.opencontainers.image.created': rfc3339(plan.epoch),
    'org.opencontainers.image.title': name,
  }
  const push = (artifactType: string, text: string, file: string): Promise<string> =>
    client.pushArtifact(registryRepo, digest, {
      artifactType,
      files: [
        {
          mediaType: artifactType,
          data: new TextEncoder().encode(text),
          annotations: { 'org.opencontainers.image.title': file },
        },
      ],
      annotations,
    })
  return {
    spdx: await push(SPDX_MEDIA_TYPE, sboms.spdx, 'sbom.spdx.json'),
    cyclonedx: await push(CYCLONEDX_MEDIA_TYPE, sboms.cyclonedx, 'sbom.cdx.json'),
    provenance: await push(IN_TOTO_MEDIA_TYPE, provenanceJson(statement), 'provenance.intoto.json'),
  }
}

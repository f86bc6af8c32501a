// The refresh API for `images/<name>/refresh.ts`: the context type, defineRefresh, every version source,
// and the default resolvers that pins of most kinds get from their recipe alone.
export {
  alpineArch,
  alpineMinirootfs,
  alpinePackage,
  alpineReleases,
  apkIndex,
  parseApkIndex,
} from './alpine.ts'
export { dateFor, defineRefresh, type RefreshContext, type RefreshModule, type Resolver } from './context.ts'
export { debianPackage, debianSource, debianSystem } from './debian.ts'
export { defaultResolver } from './defaults.ts'
export {
  githubRelease,
  githubReleases,
  githubTag,
  githubTags,
  gitRef,
  gitRefs,
  gitTag,
  gitTags,
} from './github.ts'
export { download, getJson, getText, rewriteUrl } from './http.ts'
export { listFiles, listing } from './listing.ts'
export { npmPackage, npmPackument, pickNpmVersion } from './npm.ts'
export { imageDigest, parseImageRef, registryImage } from './registry.ts'
export { vendor, versionOfUrl } from './vendor.ts'

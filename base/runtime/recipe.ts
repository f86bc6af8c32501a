// base/runtime: the FROM-scratch root every final image starts from. passwd/group with a non-root
// user (the site's uid), nsswitch.conf, CA certificates, tzdata and /etc/services from pinned Debian
// packages, /tmp with mode 1777. No shell, no package manager.

import { debianPackage, image, run } from '../../lib/index.ts'
import debian from '../debian/recipe.ts'

const passwd = [
  'root:x:0:0:root:/root:/sbin/nologin',
  'nonroot:x:{{uid}}:{{gid}}:nonroot:/home/nonroot:/sbin/nologin',
  'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin',
].join('\\n')
const group = ['root:x:0:', 'nonroot:x:{{gid}}:', 'nogroup:x:65534:'].join('\\n')
const nsswitch = [
  'passwd: files',
  'group: files',
  'shadow: files',
  'hosts: files dns',
  'networks: files',
  'protocols: files',
  'services: files',
].join('\\n')

export default image({
  name: 'runtime',
  kind: 'base',
  version: (lock) => `bookworm-${lock.pins['ca-certificates']?.version ?? '0'}`,
  description: 'Root filesystem for final images: users, CA certificates, tzdata; no shell',
  pins: {
    'ca-certificates': debianPackage('ca-certificates'),
    tzdata: debianPackage('tzdata'),
    netbase: debianPackage('netbase'),
  },
  stages: [
    {
      name: 'build',
      from: debian,
      sources: ['ca-certificates', 'tzdata', 'netbase'],
      steps: [
        run('/bin/sh', '-c', 'mkdir -p /x && for f in /src/*/*.deb; do dpkg-deb -x "$f" /x; done'),
        run(
          '/bin/sh',
          '-c',
          [
            'set -eu',
            'mkdir -p /out/etc/ssl/certs /out/usr/share /out/tmp /out/home/nonroot /out/usr/share/doc',
            `printf '${passwd}\\n' > /out/etc/passwd`,
            `printf '${group}\\n' > /out/etc/group`,
            `printf '${nsswitch}\\n' > /out/etc/nsswitch.conf`,
            // the bundle update-ca-certificates would make, in a stable order
            'find /x/usr/share/ca-certificates/mozilla -name "*.crt" | LC_ALL=C sort | xargs cat > /out/etc/ssl/certs/ca-certificates.crt',
            'cp -a /x/usr/share/zoneinfo /out/usr/share/zoneinfo',
            'cp /x/etc/services /x/etc/protocols /out/etc/',
            'for p in ca-certificates tzdata netbase; do mkdir -p /out/usr/share/doc/$p && cp /x/usr/share/doc/$p/copyright /out/usr/share/doc/$p/; done',
            'ln -s /usr/share/zoneinfo/Etc/UTC /out/etc/localtime',
            'chmod 1777 /out/tmp',
            'chmod 0644 /out/etc/passwd /out/etc/group /out/etc/nsswitch.conf',
          ].join('\n'),
        ),
      ],
    },
  ],
  final: { from: 'scratch', copy: [{ from: 'build', src: '/out/', dest: '/' }] },
  runtime: { entrypoint: [], env: { TZ: 'UTC', SSL_CERT_FILE: '/etc/ssl/certs/ca-certificates.crt' } },
  exemptions: {
    healthcheck: 'a root filesystem, not a service',
    metrics: 'a root filesystem, not a service',
  },
})

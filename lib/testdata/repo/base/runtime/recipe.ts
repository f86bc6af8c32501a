// Fixture: the FROM-scratch root of final images, built on os (other side of the diamond).
import { debianPackage } from '../../../../pin.ts'
import { image, run } from '../../../../recipe.ts'
import os from '../os/recipe.ts'

export default image({
  name: 'runtime',
  version: '1',
  description: 'fixture runtime root',
  kind: 'base',
  pins: { tzdata: debianPackage('tzdata', { arch: 'all' }) },
  stages: [
    {
      name: 'root',
      from: os,
      sources: ['tzdata'],
      steps: [run('/bin/sh', '-c', 'mkdir -p /out/etc && echo "app:x:{{uid}}:{{gid}}::/:/sbin/nologin" > /out/etc/passwd')],
    },
  ],
  final: { from: 'scratch', copy: [{ from: 'root', src: '/out/etc', dest: '/etc' }], writable: ['/tmp'] },
  runtime: { entrypoint: ['/nonexistent'] },
})

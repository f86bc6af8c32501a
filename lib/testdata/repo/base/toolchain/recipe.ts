// Fixture: a compiler image built on os (one side of the diamond).
import { debianPackage } from '../../../../pin.ts'
import { image, run } from '../../../../recipe.ts'
import os from '../os/recipe.ts'

export default image({
  name: 'toolchain',
  version: '12.2.0',
  description: 'fixture toolchain',
  kind: 'base',
  pins: { gcc: debianPackage('gcc-12') },
  stages: [
    {
      name: 'tools',
      from: os,
      sources: ['gcc'],
      steps: [run('dpkg', '-i', '/src/gcc/gcc-12_12.2.0-14_amd64.deb')],
    },
  ],
  final: { from: os, copy: [{ from: 'tools', src: '/usr/bin/gcc-12', dest: '/usr/bin/gcc-12' }] },
  runtime: { entrypoint: ['/usr/bin/gcc-12'] },
})

import { describe, expect, it } from 'vitest'
import { formatTable, markdownTable, megabytes, ms, seconds, times } from './table.ts'

describe('formatTable', () => {
  it('pads text left and figures right, under a rule', () => {
    const out = formatTable(
      ['what', 'time'],
      [
        ['no-op', '3.21 ms'],
        ['docker build + push', '190 ms'],
      ],
    )
    expect(out.split('\n')).toEqual([
      'what                    time',
      '-------------------  -------',
      'no-op                3.21 ms',
      'docker build + push   190 ms',
    ])
  })
})

describe('markdownTable', () => {
  it('right-aligns numeric columns and escapes pipes', () => {
    expect(markdownTable(['image', 'size'], [['a|b', '1.00 MB']])).toBe(
      '| image | size |\n| --- | ---: |\n| a\\|b | 1.00 MB |',
    )
  })
})

describe('units', () => {
  it('prints short figures and a dash for missing ones', () => {
    expect([
      ms(3.214),
      ms(190.4),
      seconds(1.234),
      seconds(62.06),
      times(7.25),
      times(41.6),
      megabytes(3_200_000),
      megabytes(29_200_000),
    ]).toEqual(['3.21 ms', '190 ms', '1.23 s', '62.1 s', '7.3x', '42x', '3.20 MB', '29.2 MB'])
    expect([
      ms(Number.NaN),
      seconds(undefined),
      times(Number.POSITIVE_INFINITY),
      megabytes(undefined),
    ]).toEqual(['-', '-', '-', '-'])
  })
})
